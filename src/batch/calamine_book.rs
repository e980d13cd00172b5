//! Reading a workbook with calamine: `.xlsb` streamed cell by cell, `.xls` and `.ods` read
//! as ranges, and `.xlsx` when calamine is asked for as the reference reader (the
//! differential test). Its errors reach the user as the kind of problem only, named here
//! from the error's variant: never its text, which can quote a cell (SPEC 4.1).

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use calamine::{Data, DataRef, Ods, Reader, SheetType, SheetVisible, Xls, Xlsb, Xlsx};

use super::raw::CellKind;
use super::workbook::{SheetMeta, WorkbookInfo, candidates, first_with_header, no_such_sheet};
use super::{Assembler, Failure, SheetCells};
use crate::error::FileError;

/// Which calamine reader opens the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    Xlsx,
    Xlsb,
    Xls,
    Ods,
}

enum Book {
    Xlsx(Xlsx<BufReader<File>>),
    Xlsb(Xlsb<BufReader<File>>),
    Xls(Xls<BufReader<File>>),
    Ods(Ods<BufReader<File>>),
}

pub(crate) fn read(
    path: &Path,
    display: &str,
    format: Format,
    wanted_sheet: Option<&str>,
    asm: &mut Assembler,
) -> Result<WorkbookInfo, FileError> {
    let mut book = open(path, display, format)?;
    let sheets = match &book {
        Book::Xlsx(b) => b.sheets_metadata().to_vec(),
        Book::Xlsb(b) => b.sheets_metadata().to_vec(),
        Book::Xls(b) => b.sheets_metadata().to_vec(),
        Book::Ods(b) => b.sheets_metadata().to_vec(),
    };
    let metas: Vec<SheetMeta> = sheets
        .iter()
        .map(|s| SheetMeta {
            name: s.name.clone(),
            worksheet: s.typ == SheetType::WorkSheet,
            visible: s.visible == SheetVisible::Visible,
        })
        .collect();
    let names = candidates(&metas, wanted_sheet)
        .ok_or_else(|| no_such_sheet(display, &metas, wanted_sheet))?;
    let is_1904 = match &book {
        Book::Xlsx(b) => b.has_1904_epoch(),
        Book::Xlsb(b) => b.has_1904_epoch(),
        Book::Xls(b) => b.has_1904_epoch(),
        Book::Ods(_) => false,
    };
    asm.set_1904(is_1904);
    let read = |sheet: &str, asm: &mut Assembler<'_>| -> Result<(), Failure> {
        read_sheet(&mut book, display, sheet, asm).map_err(Failure::File)
    };
    let sheet = first_with_header(&names, asm, read).map_err(|failure| match failure {
        Failure::File(error) => error,
        Failure::OutOfOrder | Failure::ReadWhole => FileError::Unreadable {
            path: display.to_string(),
            reason: "its rows could not be put in order (an internal error)".into(),
        },
    })?;
    Ok(WorkbookInfo { sheet, is_1904 })
}

/// Reads one sheet's cells into the assembler.
fn read_sheet(
    book: &mut Book,
    display: &str,
    sheet: &str,
    asm: &mut Assembler<'_>,
) -> Result<(), FileError> {
    let unreadable = |e: &dyn Kind| FileError::Unreadable {
        path: display.to_string(),
        reason: format!("sheet {sheet:?} cannot be read ({})", e.kind()),
    };
    let mut cells = SheetCells::new(asm);
    match book {
        Book::Xlsx(b) => {
            let mut reader = b
                .worksheet_cells_reader(sheet)
                .map_err(|e| unreadable(&e))?;
            // With each cell's formula, to tell a formula with no saved value (SPEC 2.2).
            let mut next = || {
                reader.next_cell_with_formula_metadata().map(|cell| {
                    cell.map(|cell| {
                        let uncached = cell.formula.is_some()
                            && match &cell.value {
                                DataRef::Empty => true,
                                DataRef::String(s) => s.is_empty(),
                                DataRef::SharedString(s) => s.is_empty(),
                                _ => false,
                            };
                        (calamine::Cell::new(cell.pos, cell.value), uncached)
                    })
                })
            };
            stream(&mut next, cells, &unreadable)?;
        }
        Book::Xlsb(b) => {
            let mut reader = b
                .worksheet_cells_reader(sheet)
                .map_err(|e| unreadable(&e))?;
            let mut next = || {
                reader
                    .next_cell()
                    .map(|cell| cell.map(|cell| (cell, false)))
            };
            stream(&mut next, cells, &unreadable)?;
        }
        Book::Xls(b) => {
            let range = b.worksheet_range(sheet).map_err(|e| unreadable(&e))?;
            push_range(&mut cells, &range)?;
            cells.finish()?;
        }
        Book::Ods(b) => {
            let range = b.worksheet_range(sheet).map_err(|e| unreadable(&e))?;
            push_range(&mut cells, &range)?;
            cells.finish()?;
        }
    }
    Ok(())
}

/// Streams a sheet's cells, each with whether it is a formula with no saved value: this
/// thread only decodes cells (calamine's XML parse is the floor of the whole run); a second
/// thread formats their text and builds the rows.
fn stream<'a, E: Kind>(
    mut next: impl FnMut() -> Result<Option<(calamine::Cell<DataRef<'a>>, bool)>, E>,
    cells: SheetCells<'_, '_>,
    unreadable: &dyn Fn(&dyn Kind) -> FileError,
) -> Result<(), FileError> {
    const BATCH: usize = 8192;
    /// Cells in transit. Text is copied into one buffer (cloning a String per cell would cost
    /// an allocation each on the thread that sets the pace); other values travel as they are.
    #[derive(Default)]
    struct CellBatch<'a> {
        text: String,
        cells: Vec<(u32, u32, InTransit<'a>)>,
    }
    enum InTransit<'a> {
        Text(std::ops::Range<usize>),
        Value(DataRef<'a>),
        UncachedFormula,
    }
    let (sender, receiver) = std::sync::mpsc::sync_channel::<CellBatch<'a>>(4);
    std::thread::scope(|scope| {
        let assembler = scope.spawn(move || -> Result<(), FileError> {
            crate::sys::work_behind_the_reader();
            let mut cells = cells;
            for batch in receiver {
                for (row, col, value) in &batch.cells {
                    match value {
                        InTransit::Text(range) => {
                            let text = DataRef::SharedString(&batch.text[range.clone()]);
                            cells.push(*row, *col, &text)?;
                        }
                        InTransit::Value(value) => cells.push(*row, *col, value)?,
                        InTransit::UncachedFormula => cells.push_uncached_formula(*row, *col)?,
                    }
                }
            }
            cells.finish()
        });
        let mut batch = CellBatch::default();
        let mut read_error = None;
        loop {
            match next() {
                Ok(Some((cell, uncached))) => {
                    let (row, col) = cell.get_position();
                    let mut text = |text: &str| {
                        let start = batch.text.len();
                        batch.text.push_str(text);
                        InTransit::Text(start..batch.text.len())
                    };
                    let value = match cell.get_value() {
                        _ if uncached => InTransit::UncachedFormula,
                        DataRef::String(s) => text(s),
                        DataRef::SharedString(s) => text(s),
                        other => InTransit::Value(other.clone()),
                    };
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
            .unwrap_or_else(|_| Err(unreadable(&Internal)));
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

fn open(path: &Path, display: &str, format: Format) -> Result<Book, FileError> {
    let opened = match format {
        Format::Xlsx => calamine::open_workbook(path)
            .map(Book::Xlsx)
            .map_err(|e: calamine::XlsxError| e.kind()),
        Format::Xlsb => calamine::open_workbook(path)
            .map(Book::Xlsb)
            .map_err(|e: calamine::XlsbError| e.kind()),
        Format::Ods => calamine::open_workbook(path)
            .map(Book::Ods)
            .map_err(|e: calamine::OdsError| e.kind()),
        Format::Xls => calamine::open_workbook(path)
            .map(Book::Xls)
            .map_err(|e: calamine::XlsError| e.kind()),
    };
    opened.map_err(|kind| {
        let what = match format {
            Format::Xls => {
                "an OLE file but not a readable .xls workbook (is it password-protected?)"
            }
            _ => "a zip archive but not a readable .xlsx, .xlsm, .xlsb or .ods workbook",
        };
        FileError::Unreadable {
            path: display.to_string(),
            reason: format!("{what} ({kind})"),
        }
    })
}

/// What went wrong, named by the error's variant. calamine's messages may carry a cell's
/// value ("Unrecognized boolean cell value: 987654321012", "Unsupported cell error value
/// 'O'Zzyzx 987654321012'"), so none of their text is used.
pub trait Kind {
    fn kind(&self) -> &'static str;
}

/// A calamine failure that is not the file's (a panicked thread).
struct Internal;

impl Kind for Internal {
    fn kind(&self) -> &'static str {
        "the row assembler stopped unexpectedly (an internal error)"
    }
}

const IO: &str = "a read error";
const ZIP: &str = "its zip archive is damaged";
const XML: &str = "its XML is malformed";
const PASSWORD: &str = "it is password-protected";
const MISSING: &str = "a part it names is missing";
const SHEET: &str = "a sheet it names is missing";
const CONTENT: &str = "its content is not what a workbook holds";

impl Kind for calamine::XlsxError {
    fn kind(&self) -> &'static str {
        use calamine::XlsxError as E;
        match self {
            E::Io(_) => IO,
            E::Zip(_) => ZIP,
            E::Xml(_) | E::XmlAttr(_) | E::XmlEof(_) => XML,
            E::Password => PASSWORD,
            E::FileNotFound(_) | E::RelationshipNotFound => MISSING,
            E::WorksheetNotFound(_) => SHEET,
            E::CellError(_) => "a cell holds an error value it does not know",
            _ => CONTENT,
        }
    }
}

impl Kind for calamine::XlsbError {
    fn kind(&self) -> &'static str {
        use calamine::XlsbError as E;
        match self {
            E::Io(_) => IO,
            E::Zip(_) => ZIP,
            E::Xml(_) | E::XmlAttr(_) | E::Encoding(_) => XML,
            E::Password => PASSWORD,
            E::FileNotFound(_) => MISSING,
            E::WorksheetNotFound(_) => SHEET,
            E::CellError(_) | E::BErr(_) => "a cell holds an error value it does not know",
            _ => CONTENT,
        }
    }
}

impl Kind for calamine::XlsError {
    fn kind(&self) -> &'static str {
        use calamine::XlsError as E;
        match self {
            E::Io(_) => IO,
            E::Cfb(_) => "its OLE container is damaged",
            E::Password => PASSWORD,
            E::WorksheetNotFound(_) => SHEET,
            _ => CONTENT,
        }
    }
}

impl Kind for calamine::OdsError {
    fn kind(&self) -> &'static str {
        use calamine::OdsError as E;
        match self {
            E::Io(_) => IO,
            E::Zip(_) => ZIP,
            E::Xml(_) | E::XmlAttr(_) | E::AttrError(_) | E::EncodingError(_) => XML,
            E::Password => PASSWORD,
            E::FileNotFound(_) => MISSING,
            E::WorksheetNotFound(_) => SHEET,
            E::CellLimitExceeded { .. } => "it has more cells than a sheet can hold",
            _ => CONTENT,
        }
    }
}
