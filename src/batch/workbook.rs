//! Reading a workbook with calamine. `.xlsx`/`.xlsm` and `.xlsb` sheets are streamed cell by
//! cell so that a million-row sheet is never held twice; `.xls` and `.ods` are read as ranges.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use calamine::{Data, DataRef, Ods, Reader, Sheet, SheetType, SheetVisible, Xls, Xlsb, Xlsx};

use super::raw::CellKind;
use super::{Assembler, SheetCells};
use crate::error::FileError;

/// The container a workbook's bytes announce.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Container {
    /// A zip archive: xlsx, xlsm, xlsb or ods.
    Zip,
    /// An OLE compound file: xls.
    Ole,
}

enum Book {
    Xlsx(Xlsx<BufReader<File>>),
    Xlsb(Xlsb<BufReader<File>>),
    Xls(Xls<BufReader<File>>),
    Ods(Ods<BufReader<File>>),
}

/// What the workbook read produced besides its rows.
pub struct WorkbookInfo {
    pub sheet: String,
    pub is_1904: bool,
}

pub(crate) fn read(
    path: &Path,
    display: &str,
    container: Container,
    wanted_sheet: Option<&str>,
    asm: &mut Assembler,
) -> Result<WorkbookInfo, FileError> {
    if container == Container::Zip {
        super::limits::check_zip(path).map_err(|reason| FileError::Unreadable {
            path: display.to_string(),
            reason,
        })?;
    }
    let mut book = open(path, display, container)?;
    let sheets = match &book {
        Book::Xlsx(b) => b.sheets_metadata().to_vec(),
        Book::Xlsb(b) => b.sheets_metadata().to_vec(),
        Book::Xls(b) => b.sheets_metadata().to_vec(),
        Book::Ods(b) => b.sheets_metadata().to_vec(),
    };
    let sheet = choose_sheet(&sheets, wanted_sheet).ok_or_else(|| FileError::Sheet {
        path: display.to_string(),
        reason: match wanted_sheet {
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
    })?;
    let unreadable = |e: &dyn std::fmt::Display| FileError::Unreadable {
        path: display.to_string(),
        reason: format!("sheet {sheet:?} cannot be read ({})", error_kind(e)),
    };
    let is_1904 = match &book {
        Book::Xlsx(b) => b.has_1904_epoch(),
        Book::Xlsb(b) => b.has_1904_epoch(),
        Book::Xls(b) => b.has_1904_epoch(),
        Book::Ods(_) => false,
    };
    asm.set_1904(is_1904);
    let mut cells = SheetCells::new(asm);
    match &mut book {
        Book::Xlsx(b) => {
            let mut reader = b
                .worksheet_cells_reader(&sheet)
                .map_err(|e| unreadable(&e))?;
            stream(|| reader.next_cell(), cells, &unreadable)?;
        }
        Book::Xlsb(b) => {
            let mut reader = b
                .worksheet_cells_reader(&sheet)
                .map_err(|e| unreadable(&e))?;
            stream(|| reader.next_cell(), cells, &unreadable)?;
        }
        Book::Xls(b) => {
            let range = b.worksheet_range(&sheet).map_err(|e| unreadable(&e))?;
            push_range(&mut cells, &range)?;
            cells.finish()?;
        }
        Book::Ods(b) => {
            let range = b.worksheet_range(&sheet).map_err(|e| unreadable(&e))?;
            push_range(&mut cells, &range)?;
            cells.finish()?;
        }
    }
    Ok(WorkbookInfo { sheet, is_1904 })
}

/// Streams a sheet's cells: this thread only decodes cells (calamine's XML parse is the
/// floor of the whole run); a second thread formats their text and builds the rows.
fn stream<'a, E: std::fmt::Display>(
    mut next: impl FnMut() -> Result<Option<calamine::Cell<DataRef<'a>>>, E>,
    cells: SheetCells<'_, '_>,
    unreadable: &dyn Fn(&dyn std::fmt::Display) -> FileError,
) -> Result<(), FileError> {
    const BATCH: usize = 8192;
    /// Cells in transit. Text is copied into one buffer (cloning a String per cell would cost
    /// an allocation each on the thread that sets the pace); other values travel as they are.
    #[derive(Default)]
    struct Batch<'a> {
        text: String,
        cells: Vec<(u32, u32, Result<std::ops::Range<usize>, DataRef<'a>>)>,
    }
    let (sender, receiver) = std::sync::mpsc::sync_channel::<Batch<'a>>(4);
    std::thread::scope(|scope| {
        let assembler = scope.spawn(move || -> Result<(), FileError> {
            super::work_behind_the_reader();
            let mut cells = cells;
            for batch in receiver {
                for (row, col, value) in &batch.cells {
                    match value {
                        Ok(range) => {
                            let text = DataRef::SharedString(&batch.text[range.clone()]);
                            cells.push(*row, *col, &text)?;
                        }
                        Err(value) => cells.push(*row, *col, value)?,
                    }
                }
            }
            cells.finish()
        });
        let mut batch = Batch::default();
        let mut read_error = None;
        loop {
            match next() {
                Ok(Some(cell)) => {
                    let (row, col) = cell.get_position();
                    let value = match cell.get_value() {
                        DataRef::String(s) => Ok(s.as_str()),
                        DataRef::SharedString(s) => Ok(*s),
                        other => Err(other.clone()),
                    };
                    let value = value.map(|text| {
                        let start = batch.text.len();
                        batch.text.push_str(text);
                        start..batch.text.len()
                    });
                    batch.cells.push((row, col, value));
                    if batch.cells.len() == BATCH {
                        let full = std::mem::take(&mut batch);
                        if sender.send(full).is_err() {
                            break; // the assembler stopped on an error: it reports it
                        }
                    }
                }
                Ok(None) => {
                    let _ = sender.send(batch);
                    break;
                }
                Err(e) => {
                    read_error = Some(unreadable(&e));
                    break;
                }
            }
        }
        drop(sender);
        let assembled = assembler
            .join()
            .unwrap_or_else(|_| Err(unreadable(&"the row assembler stopped unexpectedly")));
        match read_error {
            Some(error) => Err(error),
            None => assembled,
        }
    })
}

fn push_range(cells: &mut SheetCells, range: &calamine::Range<Data>) -> Result<(), FileError> {
    let Some((row0, col0)) = range.start() else {
        return Ok(());
    };
    for (r, row) in range.rows().enumerate() {
        for (c, value) in row.iter().enumerate() {
            if matches!(value, Data::Empty) {
                continue;
            }
            let cell = data_ref(value);
            cells.push(row0 + r as u32, col0 + c as u32, &cell)?;
        }
    }
    Ok(())
}

fn data_ref(value: &Data) -> DataRef<'_> {
    match value {
        Data::Int(v) => DataRef::Int(*v),
        Data::Float(v) => DataRef::Float(*v),
        Data::String(v) => DataRef::SharedString(v),
        Data::Bool(v) => DataRef::Bool(*v),
        Data::DateTime(v) => DataRef::DateTime(*v),
        Data::DateTimeIso(v) => DataRef::SharedString(v),
        Data::DurationIso(v) => DataRef::SharedString(v),
        Data::Error(v) => DataRef::Error(v.clone()),
        Data::Empty => DataRef::Empty,
    }
}

/// Appends a calamine cell's original text (SPEC 4.2) to `out`; returns its kind.
pub fn write_cell(value: &DataRef<'_>, out: &mut String) -> CellKind {
    use std::fmt::Write;
    // Writing to a String cannot fail.
    let mut put = |args: std::fmt::Arguments<'_>| {
        let _ = out.write_fmt(args);
    };
    match value {
        DataRef::Empty => CellKind::Empty,
        DataRef::String(s) => {
            put(format_args!("{s}"));
            CellKind::Text
        }
        DataRef::SharedString(s) => {
            put(format_args!("{s}"));
            CellKind::Text
        }
        DataRef::Int(i) => {
            put(format_args!("{i}"));
            CellKind::Number
        }
        // Rust prints the shortest decimal that reads back as the same f64: 12, 1.5, 100012345678.
        DataRef::Float(f) => {
            put(format_args!("{f}"));
            CellKind::Number
        }
        DataRef::Bool(b) => {
            put(format_args!("{}", if *b { "TRUE" } else { "FALSE" }));
            CellKind::Bool
        }
        DataRef::Error(e) => {
            put(format_args!("{e}"));
            CellKind::Error
        }
        DataRef::DateTime(dt) => {
            let serial = dt.as_f64();
            if dt.is_duration() || !(0.0..2_958_466.0).contains(&serial) {
                put(format_args!("{serial}"));
                return CellKind::Number;
            }
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            put(format_args!("{y:04}-{m:02}-{d:02}"));
            CellKind::Date
        }
        DataRef::DateTimeIso(s) => match s.get(..10) {
            Some(date) if crate::model::parse_text_date(date).is_ok() => {
                put(format_args!("{date}"));
                CellKind::Date
            }
            _ => {
                put(format_args!("{s}"));
                CellKind::Text
            }
        },
        DataRef::DurationIso(s) => {
            put(format_args!("{s}"));
            CellKind::Text
        }
    }
}

fn open(path: &Path, display: &str, container: Container) -> Result<Book, FileError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let attempts: &[&str] = match (container, ext.as_str()) {
        (Container::Ole, _) => &["xls"],
        (Container::Zip, "xlsb") => &["xlsb", "xlsx", "ods"],
        (Container::Zip, "ods") => &["ods", "xlsx", "xlsb"],
        (Container::Zip, _) => &["xlsx", "xlsb", "ods"],
    };
    let mut first_error = None;
    for kind in attempts {
        let opened = match *kind {
            "xlsx" => calamine::open_workbook(path)
                .map(Book::Xlsx)
                .map_err(|e: calamine::XlsxError| e.to_string()),
            "xlsb" => calamine::open_workbook(path)
                .map(Book::Xlsb)
                .map_err(|e: calamine::XlsbError| e.to_string()),
            "ods" => calamine::open_workbook(path)
                .map(Book::Ods)
                .map_err(|e: calamine::OdsError| e.to_string()),
            _ => calamine::open_workbook(path)
                .map(Book::Xls)
                .map_err(|e: calamine::XlsError| e.to_string()),
        };
        match opened {
            Ok(book) => return Ok(book),
            Err(e) => {
                first_error.get_or_insert(error_kind(&e));
            }
        }
    }
    let what = match container {
        Container::Zip => "a zip archive but not a readable .xlsx, .xlsm, .xlsb or .ods workbook",
        Container::Ole => {
            "an OLE file but not a readable .xls workbook (is it password-protected?)"
        }
    };
    Err(FileError::Unreadable {
        path: display.to_string(),
        reason: format!("{what} ({})", first_error.unwrap_or_default()),
    })
}

/// What went wrong, without what calamine quotes from the file: its messages may carry a
/// cell's value ("Unrecognized boolean cell value: 987654321012"), and nothing that
/// identifies a member may reach stderr (SPEC 4.1). The kind is the text before the first
/// colon, less anything quoted.
fn error_kind(error: &dyn std::fmt::Display) -> String {
    let message = error.to_string();
    let kind = message.split(": ").next().unwrap_or_default();
    let mut plain = String::with_capacity(kind.len());
    let mut quote = None;
    for c in kind.chars() {
        match (quote, c) {
            (None, '\'' | '"' | '`') => quote = Some(c),
            (Some(open), c) if c == open => quote = None,
            (None, c) => plain.push(c),
            (Some(_), _) => {}
        }
    }
    plain.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The `Batch` sheet (any case, hidden or not) if there is one, else the first visible
/// worksheet; `--sheet` names one (exact name first, then ignoring case).
fn choose_sheet(sheets: &[Sheet], wanted: Option<&str>) -> Option<String> {
    let worksheets = || sheets.iter().filter(|s| s.typ == SheetType::WorkSheet);
    let found = match wanted {
        Some(name) => worksheets()
            .find(|s| s.name == name)
            .or_else(|| worksheets().find(|s| s.name.eq_ignore_ascii_case(name.trim()))),
        None => worksheets()
            .find(|s| s.name.trim().eq_ignore_ascii_case("batch"))
            .or_else(|| worksheets().find(|s| s.visible == SheetVisible::Visible)),
    };
    found.map(|s| s.name.clone())
}

#[cfg(test)]
mod tests {
    use super::error_kind;

    #[test]
    fn error_kinds_quote_nothing_from_the_file() {
        for (message, kind) in [
            (
                "Unrecognized boolean cell value: 987654321012",
                "Unrecognized boolean cell value",
            ),
            (
                "Xml error: at 0..0: unrecognized entity `&Rivera;`",
                "Xml error",
            ),
            ("Worksheet 'Rivera' not found", "Worksheet not found"),
            (
                "Unsupported cell error value 'Rivera'",
                "Unsupported cell error value",
            ),
            (
                "Zip error: invalid Zip archive: Could not find EOCD",
                "Zip error",
            ),
        ] {
            assert_eq!(error_kind(&message), kind);
        }
    }
}
