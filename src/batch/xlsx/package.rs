//! The package around the sheets of an `.xlsx`/`.xlsm` workbook: which part is the workbook
//! (`_rels/.rels`), its sheets in order with their names, visibility and parts
//! (`workbook.xml` and its relationships), the date system, and where the shared strings
//! and the styles are. Strict Open XML and prefixed elements (`x:sheet`) are read by local
//! name, as are relationship types (`.../relationships/worksheet` in either namespace).

use std::collections::HashMap;
use std::io::{BufReader, Read, Seek};

use quick_xml::events::Event;
use zip::ZipArchive;

use super::damage::Damage;
use super::xml;

/// A sheet of the workbook, in workbook order.
#[derive(Debug, Clone)]
pub struct SheetEntry {
    pub name: String,
    /// A worksheet (not a chart, dialog or macro sheet).
    pub worksheet: bool,
    pub visible: bool,
    /// Its part, as named in the archive (`None` when no relationship names one).
    pub part: Option<String>,
}

/// What the package says about the workbook.
#[derive(Debug, Default)]
pub struct Package {
    pub sheets: Vec<SheetEntry>,
    pub is_1904: bool,
    pub shared_strings: Option<String>,
    pub styles: Option<String>,
}

/// What kind of workbook a zip archive holds, by its parts (not its file name).
#[derive(Debug, PartialEq, Eq)]
pub enum ZipKind {
    /// Office Open XML, with its workbook part.
    Xlsx(String),
    Xlsb,
    Ods,
    Unknown,
}

/// Why the package could not be read: a part, and what is wrong with it.
#[derive(Debug)]
pub struct PackageError {
    pub part: &'static str,
    pub damage: Option<Damage>,
}

/// The index of a part: its exact name, else ignoring case and `\` for `/` (some producers
/// write either; as calamine finds them).
pub fn part_index<R: Read + Seek>(archive: &ZipArchive<R>, name: &str) -> Option<usize> {
    if let Some(index) = archive.index_for_name(name) {
        return Some(index);
    }
    let wanted = name.to_ascii_lowercase();
    let found = archive
        .file_names()
        .filter_map(Result::ok)
        .find(|candidate| candidate.replace('\\', "/").to_ascii_lowercase() == wanted)?
        .into_owned();
    archive.index_for_name(&found)
}

/// Streams one part's XML through `visit`.
pub fn walk_part<R: Read + Seek>(
    archive: &mut ZipArchive<R>,
    index: usize,
    mut visit: impl FnMut(
        &mut quick_xml::Reader<BufReader<zip::read::ZipFile<'_, R>>>,
    ) -> Result<(), Damage>,
) -> Result<(), Option<Damage>> {
    let file = archive.by_index(index).map_err(|_| None)?;
    let mut reader = xml::reader(BufReader::new(file));
    visit(&mut reader).map_err(Some)
}

/// The relationships of a part: id → (type's last segment, target resolved to a part name).
fn relationships<R: Read + Seek>(
    archive: &mut ZipArchive<R>,
    rels: &str,
    base_dir: &str,
) -> Result<HashMap<String, (String, String)>, Option<Damage>> {
    let mut found = HashMap::new();
    let Some(index) = part_index(archive, rels) else {
        return Ok(found);
    };
    walk_part(archive, index, |reader| {
        let mut buf = Vec::new();
        loop {
            match xml::next(reader, &mut buf)? {
                Event::Start(e) if e.local_name().as_ref() == b"Relationship" => {
                    let id = xml::attribute(&e, b"Id")?.unwrap_or_default().into_owned();
                    let kind = xml::attribute(&e, b"Type")?.unwrap_or_default();
                    let kind = kind.rsplit('/').next().unwrap_or_default().to_string();
                    let target = xml::attribute(&e, b"Target")?.unwrap_or_default();
                    found.insert(id, (kind, resolve(base_dir, &target)));
                }
                Event::Eof => return Ok(()),
                _ => {}
            }
        }
    })?;
    Ok(found)
}

/// A relationship target as a part name: absolute (`/xl/…`) or relative to `base_dir`, with
/// `.` and `..` segments resolved.
fn resolve(base_dir: &str, target: &str) -> String {
    let joined = match target.strip_prefix('/') {
        Some(absolute) => absolute.to_string(),
        None => format!("{base_dir}{target}"),
    };
    let mut segments: Vec<&str> = Vec::new();
    for segment in joined.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    segments.join("/")
}

/// What the archive holds.
pub fn kind<R: Read + Seek>(archive: &mut ZipArchive<R>) -> ZipKind {
    let document = relationships(archive, "_rels/.rels", "")
        .ok()
        .and_then(|rels| {
            rels.into_values()
                .find(|(kind, _)| kind == "officeDocument")
                .map(|(_, target)| target)
        });
    match document {
        Some(part) if part.to_ascii_lowercase().ends_with(".bin") => ZipKind::Xlsb,
        Some(part) if part_index(archive, &part).is_some() => ZipKind::Xlsx(part),
        _ if part_index(archive, "xl/workbook.xml").is_some() => {
            ZipKind::Xlsx("xl/workbook.xml".into())
        }
        _ if part_index(archive, "xl/workbook.bin").is_some() => ZipKind::Xlsb,
        _ if part_index(archive, "content.xml").is_some() => ZipKind::Ods,
        _ => ZipKind::Unknown,
    }
}

/// Reads the workbook part and its relationships.
pub fn read<R: Read + Seek>(
    archive: &mut ZipArchive<R>,
    workbook: &str,
) -> Result<Package, PackageError> {
    let (dir, name) = match workbook.rfind('/') {
        Some(i) => workbook.split_at(i + 1),
        None => ("", workbook),
    };
    let rels =
        relationships(archive, &format!("{dir}_rels/{name}.rels"), dir).map_err(|damage| {
            PackageError {
                part: "the relationships of its workbook part",
                damage,
            }
        })?;
    let mut package = Package::default();
    let index = part_index(archive, workbook).ok_or(PackageError {
        part: "its workbook part",
        damage: None,
    })?;
    walk_part(archive, index, |reader| {
        let mut buf = Vec::new();
        loop {
            match xml::next(reader, &mut buf)? {
                Event::Start(e) if e.local_name().as_ref() == b"sheet" => {
                    let name = xml::attribute(&e, b"name")?
                        .unwrap_or_default()
                        .into_owned();
                    let visible = !matches!(
                        xml::attribute(&e, b"state")?.as_deref(),
                        Some("hidden" | "veryHidden")
                    );
                    let rel = xml::attribute(&e, b"id")?.map(|id| id.into_owned());
                    let target = rel.and_then(|id| rels.get(&id));
                    package.sheets.push(SheetEntry {
                        name,
                        worksheet: target.is_some_and(|(kind, _)| kind == "worksheet"),
                        visible,
                        part: target.map(|(_, part)| part.clone()),
                    });
                }
                Event::Start(e) if e.local_name().as_ref() == b"workbookPr" => {
                    // `x15:workbookPr` in an extension has the same local name, never the flag.
                    if let Some(flag) = xml::attribute(&e, b"date1904")? {
                        package.is_1904 = matches!(flag.trim(), "1" | "true");
                    }
                }
                Event::Eof => return Ok(()),
                _ => {}
            }
        }
    })
    .map_err(|damage| PackageError {
        part: "its workbook part",
        damage,
    })?;
    let by_kind = |wanted: &str, default: &str| {
        rels.values()
            .find(|(kind, _)| kind == wanted)
            .map(|(_, part)| part.clone())
            .unwrap_or_else(|| format!("{dir}{default}"))
    };
    package.shared_strings = Some(by_kind("sharedStrings", "sharedStrings.xml"));
    package.styles = Some(by_kind("styles", "styles.xml"));
    Ok(package)
}

#[cfg(test)]
mod tests {
    use super::resolve;

    #[test]
    fn targets_resolve_to_part_names() {
        assert_eq!(
            resolve("xl/", "worksheets/sheet1.xml"),
            "xl/worksheets/sheet1.xml"
        );
        assert_eq!(
            resolve("xl/", "/xl/worksheets/sheet1.xml"),
            "xl/worksheets/sheet1.xml"
        );
        assert_eq!(resolve("xl/", "../xl/./styles.xml"), "xl/styles.xml");
    }
}
