//! The parts of an xlsx package that calamine does not expose: which part holds a sheet, and
//! the sheet's data validations. Read with a real XML parser, because Excel and other writers
//! differ in prefixes, attribute order, quoting and entities, and because Excel 2010 and later
//! save a list that refers to another sheet in an `x14` extension
//! (`<x14:dataValidation><x14:formula1><xm:f>…</xm:f></x14:formula1><xm:sqref>…`) rather than
//! in the plain `<dataValidation sqref="…"><formula1>…`: both forms are read.

use std::io::{BufReader, Read, Seek};

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use zip::ZipArchive;

use crate::batch::xlsx::XmlProblem;

/// A data validation of a sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Validation {
    /// `list`, `whole`, `date`, …; `none` when the validation allows any value.
    pub kind: String,
    /// The first formula, as written (a list's source: `Lists!$A$2:$A$4` or `"Y,N"`).
    pub formula: String,
    /// The cells it applies to: space-separated ranges such as `A2:A1048576`.
    pub sqref: String,
}

/// The part of the workbook's relationship of this type (`styles`), if it has one.
pub fn workbook_part<R: Read + Seek>(
    zip: &mut ZipArchive<R>,
    kind: &str,
) -> Result<Option<String>, String> {
    let mut target = None;
    let suffix = format!("/{kind}");
    walk(zip, "xl/_rels/workbook.xml.rels", |event| {
        if let XmlEvent::Open(element) | XmlEvent::Empty(element) = event
            && element.local_name().as_ref() == b"Relationship"
            && target.is_none()
            && attribute(element, "Type")?.is_some_and(|t| t.ends_with(&suffix))
        {
            target = attribute(element, "Target")?;
        }
        Ok(())
    })?;
    Ok(target.map(|t| in_package(&t)))
}

/// A relationship's target as a part name: relative to xl/, or absolute within the package.
fn in_package(target: &str) -> String {
    match target.strip_prefix('/') {
        Some(absolute) => absolute.to_string(),
        None => format!("xl/{target}"),
    }
}

/// The part (`xl/worksheets/sheet1.xml`) that holds the sheet named `sheet`.
pub fn sheet_part<R: Read + Seek>(
    zip: &mut ZipArchive<R>,
    sheet: &str,
) -> Result<Option<String>, String> {
    let mut relationship = None;
    walk(zip, "xl/workbook.xml", |event| {
        if let XmlEvent::Open(element) | XmlEvent::Empty(element) = event
            && element.local_name().as_ref() == b"sheet"
            && attribute(element, "name")?.as_deref() == Some(sheet)
        {
            relationship = attribute(element, "id")?;
        }
        Ok(())
    })?;
    let Some(relationship) = relationship else {
        return Ok(None);
    };
    let mut target = None;
    walk(zip, "xl/_rels/workbook.xml.rels", |event| {
        if let XmlEvent::Open(element) | XmlEvent::Empty(element) = event
            && element.local_name().as_ref() == b"Relationship"
            && attribute(element, "Id")?.as_deref() == Some(relationship.as_str())
        {
            target = attribute(element, "Target")?;
        }
        Ok(())
    })?;
    Ok(target.map(|t| in_package(&t)))
}

/// Every data validation of a worksheet part, in both the plain and the `x14` form.
pub fn validations<R: Read + Seek>(
    zip: &mut ZipArchive<R>,
    part: &str,
) -> Result<Vec<Validation>, String> {
    #[derive(PartialEq)]
    enum Capture {
        None,
        Formula,
        Sqref,
    }
    let mut found = Vec::new();
    let mut current: Option<Validation> = None;
    let mut capture = Capture::None;
    walk(zip, part, |event| {
        match event {
            XmlEvent::Open(element) | XmlEvent::Empty(element) => {
                match element.local_name().as_ref() {
                    b"dataValidation" => {
                        let validation = Validation {
                            kind: attribute(element, "type")?.unwrap_or_else(|| "none".into()),
                            formula: String::new(),
                            sqref: attribute(element, "sqref")?.unwrap_or_default(),
                        };
                        if matches!(event, XmlEvent::Empty(_)) {
                            found.push(validation);
                        } else {
                            current = Some(validation);
                        }
                    }
                    b"formula1" if current.is_some() => capture = Capture::Formula,
                    b"sqref" if current.is_some() => capture = Capture::Sqref,
                    _ => {}
                }
            }
            XmlEvent::Close(name) => match *name {
                b"dataValidation" => found.extend(current.take()),
                b"formula1" | b"sqref" => capture = Capture::None,
                _ => {}
            },
            XmlEvent::Text(text) => {
                if let Some(validation) = current.as_mut() {
                    match capture {
                        Capture::Formula => validation.formula.push_str(text),
                        Capture::Sqref => validation.sqref.push_str(text),
                        Capture::None => {}
                    }
                }
            }
        }
        Ok(())
    })?;
    Ok(found)
}

/// The events `walk` reports.
pub(super) enum XmlEvent<'a> {
    Open(&'a BytesStart<'a>),
    Empty(&'a BytesStart<'a>),
    /// The local name of a closed element.
    Close(&'a [u8]),
    /// Text, entities resolved.
    Text(&'a str),
}

/// Streams a part of the package through `visit`, so that even a million-row sheet is read in
/// constant memory.
pub(super) fn walk<R: Read + Seek>(
    zip: &mut ZipArchive<R>,
    part: &str,
    mut visit: impl FnMut(&XmlEvent<'_>) -> Result<(), String>,
) -> Result<(), String> {
    let file = zip
        .by_name(part)
        .map_err(|_| format!("the package has no readable {part}"))?;
    let mut reader = Reader::from_reader(BufReader::new(file));
    let mut buffer = Vec::new();
    // The kind of problem only: quick-xml's text can quote the file (SPEC 4.1).
    let bad = |e: &quick_xml::Error| format!("{part} cannot be read: {}", XmlProblem::of(e));
    let not_utf8 = || format!("{part} cannot be read: {}", XmlProblem::Encoding);
    loop {
        let event = reader.read_event_into(&mut buffer).map_err(|e| bad(&e))?;
        match &event {
            Event::Start(element) => visit(&XmlEvent::Open(element))?,
            Event::Empty(element) => visit(&XmlEvent::Empty(element))?,
            Event::End(element) => {
                let name = element.local_name();
                visit(&XmlEvent::Close(name.as_ref()))?
            }
            Event::Text(text) => visit(&XmlEvent::Text(
                &text.xml10_content().map_err(|_| not_utf8())?,
            ))?,
            Event::CData(data) => visit(&XmlEvent::Text(
                &data.xml10_content().map_err(|_| not_utf8())?,
            ))?,
            Event::GeneralRef(reference) => {
                let name = reference.decode().map_err(|_| not_utf8())?;
                let escaped = format!("&{name};");
                let text = quick_xml::escape::unescape(&escaped)
                    .map_err(|_| format!("{part} cannot be read: {}", XmlProblem::Entity))?;
                visit(&XmlEvent::Text(&text))?
            }
            Event::Eof => return Ok(()),
            _ => {}
        }
        buffer.clear();
    }
}

/// The value of an attribute, by local name (`r:id` is `id`), entities resolved.
pub(super) fn attribute(element: &BytesStart<'_>, name: &str) -> Result<Option<String>, String> {
    for attribute in element.attributes() {
        let attribute = attribute.map_err(|_| XmlProblem::Attribute.to_string())?;
        if attribute.key.local_name().as_ref() == name.as_bytes() {
            let value = attribute
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|_| XmlProblem::Attribute.to_string())?;
            return Ok(Some(value.into_owned()));
        }
    }
    Ok(None)
}

/// The 0-based columns an sqref (`A2:A1048576 C2:E9`, `$B$2`) covers; parts that are not
/// cell references are skipped.
pub fn sqref_columns(sqref: &str) -> Vec<u32> {
    let mut columns = Vec::new();
    for range in sqref.split_whitespace() {
        let mut ends = range.split(':').map(column_of);
        let (Some(Some(first)), last) = (ends.next(), ends.next()) else {
            continue;
        };
        let last = match last {
            Some(Some(last)) => last,
            Some(None) => continue,
            None => first,
        };
        columns.extend(first.min(last)..=first.max(last));
    }
    columns.sort_unstable();
    columns.dedup();
    columns
}

/// The 0-based column of a cell reference such as `AB12` or `$C$2`.
pub(super) fn column_of(reference: &str) -> Option<u32> {
    let letters: String = reference
        .trim_start_matches('$')
        .chars()
        .take_while(char::is_ascii_alphabetic)
        .collect();
    if letters.is_empty() || letters.len() > 3 {
        return None;
    }
    let number = letters.bytes().fold(0u32, |n, b| {
        n * 26 + u32::from(b.to_ascii_uppercase() - b'A') + 1
    });
    (number <= 16_384).then(|| number - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqref_columns_cover_every_range() {
        assert_eq!(sqref_columns("A2:A1048576"), vec![0]);
        assert_eq!(sqref_columns("$C$2:$E$9 A1"), vec![0, 2, 3, 4]);
        assert_eq!(sqref_columns("AA2:AB3"), vec![26, 27]);
        assert_eq!(sqref_columns("2:5 ???"), Vec::<u32>::new());
    }

    fn package(parts: &[(&str, &str)]) -> ZipArchive<std::io::Cursor<Vec<u8>>> {
        use std::io::Write;
        let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, text) in parts {
            writer
                .start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            writer.write_all(text.as_bytes()).unwrap();
        }
        ZipArchive::new(std::io::Cursor::new(writer.finish().unwrap().into_inner())).unwrap()
    }

    #[test]
    fn reads_plain_and_x14_validations_and_resolves_the_sheet_part() {
        let mut zip = package(&[
            (
                "xl/workbook.xml",
                r#"<workbook xmlns:r="rel"><sheets><sheet name="Lists" sheetId="2" r:id="rId2"/><sheet name="Batch" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
            ),
            (
                "xl/_rels/workbook.xml.rels",
                r#"<Relationships><Relationship Id="rId1" Target="/xl/worksheets/sheet9.xml"/><Relationship Id="rId2" Target="worksheets/sheet2.xml"/></Relationships>"#,
            ),
            (
                "xl/worksheets/sheet9.xml",
                r#"<worksheet><dataValidations count="2"><dataValidation type="list" sqref="A2:A10"><formula1>Lists!$A$2:$A$4</formula1></dataValidation><dataValidation sqref="B2" allowBlank="1"/></dataValidations>
                <extLst><ext><x14:dataValidations><x14:dataValidation type="list"><x14:formula1><xm:f>'Lists'!$G$2:$G$28</xm:f></x14:formula1><xm:sqref>G2:H1048576</xm:sqref></x14:dataValidation><x14:dataValidation type="list"><x14:formula1><xm:f>"Y,N &amp; more"</xm:f></x14:formula1><xm:sqref>K2</xm:sqref></x14:dataValidation></x14:dataValidations></ext></extLst></worksheet>"#,
            ),
        ]);
        assert_eq!(
            sheet_part(&mut zip, "Batch").unwrap().as_deref(),
            Some("xl/worksheets/sheet9.xml")
        );
        assert_eq!(
            sheet_part(&mut zip, "Lists").unwrap().as_deref(),
            Some("xl/worksheets/sheet2.xml")
        );
        assert_eq!(sheet_part(&mut zip, "Other").unwrap(), None);
        let found = validations(&mut zip, "xl/worksheets/sheet9.xml").unwrap();
        let summary: Vec<(&str, &str, &str)> = found
            .iter()
            .map(|v| (v.kind.as_str(), v.formula.as_str(), v.sqref.as_str()))
            .collect();
        assert_eq!(
            summary,
            vec![
                ("list", "Lists!$A$2:$A$4", "A2:A10"),
                ("none", "", "B2"),
                ("list", "'Lists'!$G$2:$G$28", "G2:H1048576"),
                ("list", "\"Y,N & more\"", "K2"),
            ]
        );
    }
}
