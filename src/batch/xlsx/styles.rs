//! Which cell styles make a number a date (SPEC 2.2): `styles.xml` gives each cell format
//! (`cellXfs/xf`, the `s` of a cell) a number format, built in (by id) or custom (by its code).

use std::collections::HashMap;
use std::io::BufRead;

use quick_xml::Reader;
use quick_xml::events::Event;

use super::damage::{Damage, XmlProblem};
use super::xml;

/// What a number format makes of a number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumberKind {
    Plain,
    /// A date or a date and time.
    Date,
    /// A duration (`[h]:mm:ss`): shown as its serial number, not a date.
    Duration,
}

/// The number kind of every cell format, by the cell's `s`.
#[derive(Debug, Default)]
pub struct Styles {
    kinds: Vec<NumberKind>,
}

impl Styles {
    /// The number kind of cell format `s`; a cell without `s` is plain, and one whose `s` is
    /// beyond the table too (as calamine reads it).
    pub fn kind(&self, style: Option<usize>) -> NumberKind {
        style
            .and_then(|s| self.kinds.get(s).copied())
            .unwrap_or(NumberKind::Plain)
    }

    /// Reads `styles.xml`.
    pub fn read<R: BufRead>(xml: &mut Reader<R>) -> Result<Styles, Damage> {
        let mut custom: HashMap<u32, NumberKind> = HashMap::new();
        let mut kinds = Vec::new();
        let mut buf = Vec::new();
        let mut in_xfs = false;
        loop {
            match xml::next(xml, &mut buf)? {
                Event::Start(element) => match element.local_name().as_ref() {
                    b"numFmt" => {
                        let id = xml::attribute(&element, b"numFmtId")?
                            .and_then(|v| v.trim().parse().ok());
                        let code = xml::attribute(&element, b"formatCode")?;
                        if let (Some(id), Some(code)) = (id, code) {
                            custom.insert(id, custom_kind(&code));
                        }
                    }
                    b"cellXfs" => in_xfs = true,
                    b"xf" if in_xfs => {
                        let kind = match xml::attribute(&element, b"numFmtId")? {
                            None => NumberKind::Plain,
                            Some(id) => match id.trim().parse::<u32>() {
                                Ok(id) => {
                                    custom.get(&id).copied().unwrap_or_else(|| builtin_kind(id))
                                }
                                Err(_) => NumberKind::Plain,
                            },
                        };
                        kinds.push(kind);
                        xml::skip(xml, &element.into_owned(), &mut buf)?;
                    }
                    _ => {}
                },
                Event::End(element) if element.local_name().as_ref() == b"cellXfs" => {
                    in_xfs = false
                }
                Event::Eof => break,
                _ => {}
            }
        }
        if in_xfs {
            return Err(Damage::Xml(XmlProblem::Truncated));
        }
        Ok(Styles { kinds })
    }
}

/// Excel's built-in number formats that are dates and times (ECMA-376 18.8.30, and the East
/// Asian ones), and the one duration.
fn builtin_kind(id: u32) -> NumberKind {
    match id {
        14..=22 | 27..=36 | 45 | 47 | 50..=58 => NumberKind::Date,
        46 => NumberKind::Duration,
        _ => NumberKind::Plain,
    }
}

/// Whether a custom format code shows a date: a date or time token (`d`, `m`, `y`, `h`, `s`,
/// `AM/PM`) in its first section, outside quotes, escapes and brackets; `[h]`, `[mm]`, `[ss]`
/// make a duration. Ported from calamine's `detect_custom_number_format` (MIT), which reads
/// the same workbooks.
fn custom_kind(format: &str) -> NumberKind {
    let mut escaped = false;
    let mut is_quote = false;
    let mut brackets = 0u8;
    let mut prev = ' ';
    let mut hms = false;
    let mut ap = false;
    for s in format.chars() {
        match (s, escaped, is_quote, ap, brackets) {
            (_, true, ..) => escaped = false,
            ('_' | '\\' | '*', ..) => escaped = true,
            ('"', _, true, _, _) => is_quote = false,
            (_, _, true, _, _) => (),
            ('"', _, _, _, _) => is_quote = true,
            (';', ..) => return NumberKind::Plain,
            ('[', ..) => brackets = brackets.saturating_add(1),
            (']', .., 1) if hms => return NumberKind::Duration,
            (']', ..) => brackets = brackets.saturating_sub(1),
            ('a' | 'A', _, _, false, 0) => ap = true,
            ('p' | 'm' | '/' | 'P' | 'M', _, _, true, 0) => return NumberKind::Date,
            ('d' | 'm' | 'h' | 'y' | 's' | 'D' | 'M' | 'H' | 'Y' | 'S', _, _, false, 0) => {
                return NumberKind::Date;
            }
            _ => {
                if !(hms && s.eq_ignore_ascii_case(&prev)) {
                    hms = prev == '[' && matches!(s, 'm' | 'h' | 's' | 'M' | 'H' | 'S');
                }
            }
        }
        prev = s;
    }
    NumberKind::Plain
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_formats_are_recognised() {
        for code in [
            "yyyy-mm-dd",
            "DD/MM/YY",
            "m/d/yyyy h:mm",
            "[$-409]mmmm d, yyyy",
            "H:MM:SS;@",
        ] {
            assert_eq!(custom_kind(code), NumberKind::Date, "{code}");
        }
        for code in ["0", "#,##0.00", "\"Day\" 0", "0.00E+00", "@", "[Red]0"] {
            assert_eq!(custom_kind(code), NumberKind::Plain, "{code}");
        }
        assert_eq!(custom_kind("[h]:mm:ss"), NumberKind::Duration);
        assert_eq!(builtin_kind(14), NumberKind::Date);
        assert_eq!(builtin_kind(46), NumberKind::Duration);
        assert_eq!(builtin_kind(49), NumberKind::Plain);
    }

    #[test]
    fn cell_formats_take_their_number_format() {
        let text = r#"<styleSheet><numFmts><numFmt numFmtId="164" formatCode="yyyy\-mm\-dd"/><numFmt numFmtId="165" formatCode="0.0"/></numFmts><cellStyleXfs><xf numFmtId="14"/></cellStyleXfs><cellXfs count="5"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/><xf numFmtId="164"/><xf numFmtId="165"><alignment/></xf><xf/></cellXfs></styleSheet>"#;
        let styles = Styles::read(&mut xml::reader(text.as_bytes())).unwrap();
        let kinds: Vec<_> = (0..6).map(|s| styles.kind(Some(s))).collect();
        use NumberKind::*;
        assert_eq!(kinds, [Plain, Date, Date, Plain, Plain, Plain]);
        assert_eq!(styles.kind(None), Plain);
    }
}
