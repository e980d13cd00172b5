//! Reading a workbook: `.xlsx`/`.xlsm` with cpbatch's own reader (`super::xlsx`), the other
//! formats with calamine (`super::calamine_book`). Which it is comes from the file's parts,
//! not its name. The zip-bomb bounds are checked first, before any part is inflated.

use std::io::BufReader;
use std::path::Path;

use super::calamine_book::{self, Format};
use super::xlsx::{self, Plan, RowOrder};
use super::{Assembler, Failure};
use crate::error::FileError;

pub use super::calamine_book::write_cell;

/// The container a workbook's bytes announce.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Container {
    /// A zip archive: xlsx, xlsm, xlsb or ods.
    Zip,
    /// An OLE compound file: xls.
    Ole,
}

/// Which reader reads an `.xlsx`/`.xlsm` sheet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// cpbatch's own (quick-xml): what every run uses. The sheet is cut in pieces of about
    /// this many bytes parsed on every core (`xlsx::pieces`), or with `None` read whole on
    /// one thread.
    Native(Option<usize>),
    /// calamine's: the reference the native reader is tested against.
    Calamine,
}

/// What the workbook read produced besides its rows.
pub struct WorkbookInfo {
    pub sheet: String,
    pub is_1904: bool,
}

/// A sheet as the workbook lists it.
pub(crate) struct SheetMeta {
    pub name: String,
    pub worksheet: bool,
    pub visible: bool,
}

pub(crate) fn read(
    path: &Path,
    display: &str,
    container: Container,
    wanted_sheet: Option<&str>,
    asm: &mut Assembler,
    (order, engine): (RowOrder, Engine),
) -> Result<WorkbookInfo, Failure> {
    let unreadable = |reason: String| FileError::Unreadable {
        path: display.to_string(),
        reason,
    };
    if container == Container::Ole {
        return Ok(calamine_book::read(
            path,
            display,
            Format::Xls,
            wanted_sheet,
            asm,
        )?);
    }
    super::limits::check_zip(path).map_err(unreadable)?;
    let file = std::fs::File::open(path).map_err(|e| unreadable(crate::sys::io_reason(&e)))?;
    let mut archive = zip::ZipArchive::new(BufReader::new(file)).map_err(|_| {
        unreadable(
            "a zip archive but not a readable .xlsx, .xlsm, .xlsb or .ods workbook (its zip directory is damaged or missing)".into(),
        )
    })?;
    let format = match xlsx::package_kind(&mut archive) {
        xlsx::ZipKind::Xlsx(workbook) => match engine {
            Engine::Native(pieces) => {
                let plan = Plan { order, pieces };
                return xlsx::read(archive, &workbook, display, wanted_sheet, asm, plan);
            }
            Engine::Calamine => Format::Xlsx,
        },
        xlsx::ZipKind::Xlsb => Format::Xlsb,
        xlsx::ZipKind::Ods => Format::Ods,
        xlsx::ZipKind::Unknown => {
            return Err(unreadable(
                "a zip archive but not a readable .xlsx, .xlsm, .xlsb or .ods workbook (it has no workbook part)".into(),
            )
            .into());
        }
    };
    drop(archive);
    Ok(calamine_book::read(
        path,
        display,
        format,
        wanted_sheet,
        asm,
    )?)
}

/// The sheets to search for the header row, in order (SPEC 2.1): the `--sheet` one (exact
/// name first, then ignoring case); else the `Batch` sheet (any case, hidden or not) if
/// there is one; else every visible worksheet, the first with a header row being read.
/// `None` when there is no such sheet (F002).
pub(crate) fn candidates(sheets: &[SheetMeta], wanted: Option<&str>) -> Option<Vec<String>> {
    let worksheets = || sheets.iter().filter(|s| s.worksheet);
    let chosen: Vec<&SheetMeta> = match wanted {
        Some(name) => worksheets()
            .find(|s| s.name == name)
            .or_else(|| worksheets().find(|s| s.name.eq_ignore_ascii_case(name.trim())))
            .into_iter()
            .collect(),
        None => match worksheets().find(|s| s.name.trim().eq_ignore_ascii_case("batch")) {
            Some(batch) => vec![batch],
            None => worksheets().filter(|s| s.visible).collect(),
        },
    };
    (!chosen.is_empty()).then(|| chosen.into_iter().map(|s| s.name.clone()).collect())
}

/// Reads the first of `candidates` that has a header row: each sheet is read until its
/// header row is found (then to its end) or is known to have none, when the next is tried.
/// Gives the sheet read; with none found, the assembler's F003 names every sheet searched.
pub(crate) fn first_with_header(
    candidates: &[String],
    asm: &mut Assembler<'_>,
    mut read: impl FnMut(&str, &mut Assembler<'_>) -> Result<(), Failure>,
) -> Result<String, Failure> {
    for (i, name) in candidates.iter().enumerate() {
        asm.begin_sheet(name);
        let last = i + 1 == candidates.len();
        match read(name, asm) {
            Err(Failure::File(FileError::NoHeader { .. })) if !last => {}
            Ok(()) if !asm.has_header() && !last => {}
            done => return done.map(|()| name.clone()),
        }
    }
    Ok(candidates.last().cloned().unwrap_or_default())
}

/// F002: the sheet asked for is not there, or there is no sheet to read.
pub(crate) fn no_such_sheet(
    display: &str,
    sheets: &[SheetMeta],
    wanted: Option<&str>,
) -> FileError {
    FileError::Sheet {
        path: display.to_string(),
        reason: match wanted {
            Some(name) => format!(
                "no sheet named {name:?} (the workbook has: {})",
                sheets
                    .iter()
                    .map(|s| format!("{:?}", s.name))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None => "the workbook has no visible worksheet to read".to_string(),
        },
    }
}
