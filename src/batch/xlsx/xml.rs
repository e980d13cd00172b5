//! The quick-xml pieces every part of a workbook is read with: the reader's settings, an
//! element's attribute, text with its entities resolved, and strings as cells and the shared
//! strings table hold them (rich-text runs concatenated, phonetic runs left out).

use std::borrow::Cow;
use std::io::BufRead;

use quick_xml::Reader;
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::name::QName;

use super::damage::{Damage, XmlProblem};

/// A reader over one part: empty elements read as a start and an end, so that `<c r="A1"/>`
/// and `<c r="A1"></c>` are one case; text is kept as it is (spaces can be data).
pub fn reader<R: BufRead>(source: R) -> Reader<R> {
    let mut reader = Reader::from_reader(source);
    let config = reader.config_mut();
    config.expand_empty_elements = true;
    config.trim_text(false);
    config.check_comments = false;
    reader
}

/// The local part of a tag's or attribute's name (`x:row` is `row`), as quick-xml's
/// `local_name` gives it, found by a plain loop over the few bytes of a name.
pub fn local<'n>(name: quick_xml::name::QName<'n>) -> &'n [u8] {
    let name: &[u8] = name.0;
    match name.iter().position(|b| *b == b':') {
        Some(i) => &name[i + 1..],
        None => name,
    }
}

/// The value of an element's attribute, by local name (`r:id` is `id`), entities resolved.
pub fn attribute<'a>(
    element: &'a BytesStart<'_>,
    name: &[u8],
) -> Result<Option<Cow<'a, str>>, Damage> {
    for attr in element.attributes().with_checks(false) {
        let attr = attr.map_err(|_| Damage::Xml(XmlProblem::Attribute))?;
        if local(attr.key) == name {
            let value = attr
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|e| Damage::Xml(XmlProblem::of(&e)))?;
            return Ok(Some(value));
        }
    }
    Ok(None)
}

/// Appends an entity or character reference: the five of XML and `&#...;`. A document that
/// declares its own entities is refused: expanding them is how a few bytes become gigabytes.
pub fn push_reference(reference: &BytesRef<'_>, out: &mut String) -> Result<(), Damage> {
    let name = reference
        .decode()
        .map_err(|_| Damage::Xml(XmlProblem::Encoding))?;
    if let Some(text) = quick_xml::escape::resolve_xml_entity(&name) {
        out.push_str(text);
        return Ok(());
    }
    match reference.resolve_char_ref() {
        Ok(Some(c)) => {
            out.push(c);
            Ok(())
        }
        _ => Err(Damage::Xml(XmlProblem::Entity)),
    }
}

/// Where a part's events come from: a part as it is inflated (a `Reader` over a `BufRead`,
/// each event copied into a buffer), or a piece of it in memory ([`Slice`]: quick-xml's
/// borrowing reader, each event a view of the piece; the buffers go unused).
pub trait Source<'i> {
    fn event<'b>(&mut self, buf: &'b mut Vec<u8>) -> quick_xml::Result<Event<'b>>
    where
        'i: 'b;

    /// Reads to the end of the element `name` just started.
    fn to_end(&mut self, name: QName<'_>, buf: &mut Vec<u8>) -> quick_xml::Result<()>;
}

impl<'i, R: BufRead> Source<'i> for Reader<R> {
    fn event<'b>(&mut self, buf: &'b mut Vec<u8>) -> quick_xml::Result<Event<'b>>
    where
        'i: 'b,
    {
        buf.clear();
        self.read_event_into(buf)
    }

    fn to_end(&mut self, name: QName<'_>, buf: &mut Vec<u8>) -> quick_xml::Result<()> {
        buf.clear();
        self.read_to_end_into(name, buf).map(|_| ())
    }
}

/// A piece of a part in memory, read with quick-xml's borrowing reader.
pub struct Slice<'i>(pub Reader<&'i [u8]>);

impl<'i> Source<'i> for Slice<'i> {
    fn event<'b>(&mut self, _: &'b mut Vec<u8>) -> quick_xml::Result<Event<'b>>
    where
        'i: 'b,
    {
        self.0.read_event()
    }

    fn to_end(&mut self, name: QName<'_>, _: &mut Vec<u8>) -> quick_xml::Result<()> {
        self.0.read_to_end(name).map(|_| ())
    }
}

/// Reads events to the end of the element just started, discarding them.
pub fn skip<'i>(
    xml: &mut impl Source<'i>,
    start: &BytesStart<'_>,
    buf: &mut Vec<u8>,
) -> Result<(), Damage> {
    xml.to_end(start.name(), buf)
        .map_err(|e| Damage::Xml(XmlProblem::of(&e)))
}

/// Text that is not UTF-8: quick-xml reads markup as bytes, and text is checked as it is
/// taken.
fn not_utf8(_: quick_xml::encoding::EncodingError) -> Damage {
    Damage::Xml(XmlProblem::Encoding)
}

/// The next event, or the damage a malformed part is.
pub fn next<'i: 'b, 'b>(
    xml: &mut impl Source<'i>,
    buf: &'b mut Vec<u8>,
) -> Result<Event<'b>, Damage> {
    xml.event(buf).map_err(|e| Damage::Xml(XmlProblem::of(&e)))
}

/// Appends the text of the element just started (a `<v>`), to its end; elements inside it
/// are read through. `limit` bounds what `out` may grow to.
pub fn read_text<'i>(
    xml: &mut impl Source<'i>,
    buf: &mut Vec<u8>,
    out: &mut String,
    limit: usize,
) -> Result<(), Damage> {
    let mut depth = 0usize;
    loop {
        match next(xml, buf)? {
            Event::Text(text) => out.push_str(&text.xml10_content().map_err(not_utf8)?),
            Event::CData(text) => out.push_str(&text.xml10_content().map_err(not_utf8)?),
            Event::GeneralRef(reference) => push_reference(&reference, out)?,
            Event::Start(_) => depth += 1,
            Event::End(_) if depth == 0 => return Ok(()),
            Event::End(_) => depth -= 1,
            Event::Eof => return Err(Damage::Xml(XmlProblem::Truncated)),
            _ => {}
        }
        if out.len() > limit {
            return Err(Damage::TooLarge);
        }
    }
}

/// Appends a string as Excel shows it, from the `<si>` or `<is>` element just started to its
/// end: the text of every `<t>` (one, or one per rich-text run) outside phonetic runs
/// (`<rPh>`), each trimmed of spaces and line ends unless `xml:space="preserve"`, with
/// Excel's `_xHHHH_` escapes resolved. (As calamine reads them.)
pub fn read_rich<'i>(
    xml: &mut impl Source<'i>,
    buf: &mut Vec<u8>,
    scratch: &mut String,
    out: &mut String,
    limit: usize,
) -> Result<(), Damage> {
    let mut depth = 0usize;
    let mut phonetic = 0usize;
    loop {
        match next(xml, buf)? {
            Event::Start(element) => match local(element.name()) {
                b"rPh" => {
                    phonetic += 1;
                    depth += 1;
                }
                b"t" if phonetic == 0 => {
                    let preserve = attribute(&element, b"space")?.as_deref() == Some("preserve");
                    scratch.clear();
                    read_text(xml, buf, scratch, limit)?;
                    let text = if preserve {
                        scratch.as_str()
                    } else {
                        scratch.trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n'))
                    };
                    out.push_str(&unescape_ooxml(text));
                    if out.len() > limit {
                        return Err(Damage::TooLarge);
                    }
                }
                _ => depth += 1,
            },
            Event::End(element) => {
                if depth == 0 {
                    return Ok(());
                }
                depth -= 1;
                if local(element.name()) == b"rPh" {
                    phonetic = phonetic.saturating_sub(1);
                }
            }
            Event::Eof => return Err(Damage::Xml(XmlProblem::Truncated)),
            _ => {}
        }
    }
}

/// Resolves Excel's escapes of characters XML cannot hold: `_x000D_` is a carriage return,
/// a UTF-16 code unit in four hex digits (a pair of them for a character beyond the BMP; a
/// lone surrogate is U+FFFD). Ported from calamine's `unescape_xml` (MIT).
pub fn unescape_ooxml(text: &str) -> Cow<'_, str> {
    const LEN: usize = 7;
    let unit_at = |i: usize| -> Option<u16> {
        let bytes = text.as_bytes().get(i..i + LEN)?;
        if bytes[0] != b'_' || bytes[1] != b'x' || bytes[6] != b'_' {
            return None;
        }
        let hex = std::str::from_utf8(&bytes[2..6]).ok()?;
        if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        u16::from_str_radix(hex, 16).ok()
    };
    let find = |from: usize| -> Option<(usize, u16)> {
        let mut start = from;
        while let Some(offset) = memchr::memchr(b'_', text.as_bytes().get(start..)?) {
            let at = start + offset;
            if let Some(unit) = unit_at(at) {
                return Some((at, unit));
            }
            start = at + 1;
        }
        None
    };
    let Some((mut at, mut unit)) = find(0) else {
        return Cow::Borrowed(text);
    };
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    loop {
        out.push_str(&text[copied..at]);
        at += LEN;
        match unit {
            0xD800..=0xDBFF => match unit_at(at) {
                Some(low @ 0xDC00..=0xDFFF) => {
                    let code =
                        0x10000 + ((u32::from(unit) - 0xD800) << 10) + (u32::from(low) - 0xDC00);
                    out.push(char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER));
                    at += LEN;
                }
                _ => out.push(char::REPLACEMENT_CHARACTER),
            },
            0xDC00..=0xDFFF => out.push(char::REPLACEMENT_CHARACTER),
            _ => out.push(char::from_u32(u32::from(unit)).unwrap_or(char::REPLACEMENT_CHARACTER)),
        }
        copied = at;
        match find(at) {
            Some(found) => (at, unit) = found,
            None => break,
        }
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::unescape_ooxml;

    #[test]
    fn excel_escapes_are_resolved() {
        assert_eq!(unescape_ooxml("a_x000D_b"), "a\rb");
        assert_eq!(unescape_ooxml("_x005F_x000D_"), "_x000D_");
        assert_eq!(unescape_ooxml("_xD83D__xDCF7_"), "\u{1F4F7}");
        assert_eq!(unescape_ooxml("_xD83D_"), "\u{FFFD}");
        assert_eq!(unescape_ooxml("plain_x00"), "plain_x00");
    }
}
