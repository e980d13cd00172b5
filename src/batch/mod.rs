//! Reading a batch file into raw rows (SPEC 2.1): the format is decided by content, the sheet
//! chosen, the header row found below any title rows, and every non-empty row below it kept
//! with its spreadsheet row number.

mod assembler;
mod calamine_book;
mod cells;
mod csv_file;
pub mod header;
pub mod limits;
pub mod raw;
mod sniff;
pub mod text;
pub mod workbook;
pub mod xlsx;

use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use workbook::Engine;
use xlsx::RowOrder;

pub use calamine_book::Kind as ErrorKind;
pub use header::Layout;
pub use raw::{CellKind, RawCell, RawRow};

pub(crate) use assembler::Assembler;
pub(crate) use cells::{RowCells, SheetCells};
use sniff::{Sniffed, sniff};

use crate::error::FileError;
use crate::sys::{io_reason, sha256_file, work_behind_the_reader};

/// A batch file as read: its columns and its data rows.
#[derive(Debug)]
pub struct Batch {
    /// The path as the user gave it.
    pub path: String,
    /// The sheet read, or `None` for a CSV file.
    pub sheet: Option<String>,
    /// True when the workbook uses the 1904 date system.
    pub is_1904: bool,
    /// The encoding of a delimited text batch; `None` for a workbook.
    pub encoding: Option<text::TextEncoding>,
    pub layout: Layout,
    /// The number of columns of the batch: the header row's, or more when data rows are wider.
    pub width: usize,
    pub rows: Vec<RawRow>,
    pub sha256: String,
}

/// Reads a batch file. `sheet` picks a sheet by name (ignored for CSV).
pub fn read_batch(path: &Path, sheet: Option<&str>) -> Result<Batch, FileError> {
    read_batch_with_progress(path, sheet, &|_| {})
}

/// Reads a batch file, calling `progress` with the number of rows read now and then.
pub fn read_batch_with_progress(
    path: &Path,
    sheet: Option<&str>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Batch, FileError> {
    read_batch_with::<()>(path, sheet, progress, None).map(|(batch, _)| batch)
}

/// A chunk of data rows, handed to the work of [`read_batch_with`] as soon as it is read.
pub struct RowChunk<'a> {
    pub layout: &'a Layout,
    pub is_1904: bool,
    pub rows: &'a [RawRow],
    /// The whole file has been read: the work no longer competes with the reader for a core.
    pub read_done: bool,
}

/// Work done on each chunk of data rows while the rest of the file is still being read; it
/// returns one result per row.
pub type RowWork<'w, T> = &'w (dyn Fn(RowChunk<'_>) -> Vec<T> + Sync);

/// Reads a batch file; with `work`, every chunk of rows goes to it on its own thread as soon
/// as it is read, and the results come back in row order. Reading a workbook keeps one core
/// busy: the work runs on the other one meanwhile instead of after.
pub fn read_batch_with<T: Send>(
    path: &Path,
    sheet: Option<&str>,
    progress: &(dyn Fn(u64) + Sync),
    work: Option<RowWork<'_, T>>,
) -> Result<(Batch, Vec<T>), FileError> {
    read_batch_by(path, sheet, progress, work, (run_engine(), Shape::Batch))
}

/// Reads a roster (SPEC 7) as a batch is read: its header row is the first with a Member
/// ID header, and Member ID and CP ID are its required columns.
pub fn read_roster(path: &Path, progress: &(dyn Fn(u64) + Sync)) -> Result<Batch, FileError> {
    read_batch_by::<()>(path, None, progress, None, (run_engine(), Shape::Roster))
        .map(|(batch, _)| batch)
}

/// How every run reads an `.xlsx`/`.xlsm` sheet: in pieces, on every core.
const NATIVE: Engine = Engine::Native(Some(xlsx::PIECE_BYTES));

/// The reader a run uses: [`NATIVE`], unless `CPBATCH_SHEET_READER` names another
/// (`whole`: the native reader on one thread; `calamine`), which the benchmarks use to hold
/// every report of the native reader to calamine's. Whatever it names, the reports are the
/// same; anything else is the default.
fn run_engine() -> Engine {
    match std::env::var_os("CPBATCH_SHEET_READER") {
        Some(name) if name == "whole" => Engine::Native(None),
        Some(name) if name == "calamine" => Engine::Calamine,
        _ => NATIVE,
    }
}

/// Reads a batch file with the native `.xlsx` reader cutting the sheet in pieces of
/// `piece_bytes` (`None`: the sheet read whole, on one thread): the differential tests and
/// the fuzzers cut small workbooks in every way with it.
#[doc(hidden)]
pub fn read_batch_in_pieces(
    path: &Path,
    sheet: Option<&str>,
    piece_bytes: Option<usize>,
) -> Result<Batch, FileError> {
    let engine = Engine::Native(piece_bytes);
    read_batch_by::<()>(path, sheet, &|_| {}, None, (engine, Shape::Batch)).map(|(batch, _)| batch)
}

/// What a file read as a batch holds: a batch, or a roster (SPEC 7).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    Batch,
    Roster,
}

/// Reads a batch file with calamine's `.xlsx` reader instead of cpbatch's own: the
/// reference that the differential test and the fuzzers hold the native reader to.
#[doc(hidden)]
pub fn read_batch_with_calamine(path: &Path, sheet: Option<&str>) -> Result<Batch, FileError> {
    read_batch_by::<()>(path, sheet, &|_| {}, None, (Engine::Calamine, Shape::Batch))
        .map(|(batch, _)| batch)
}

/// Why a read stopped: the file's error, rows out of order, which a second read sorts, or a
/// sheet that could not be read in pieces, which a second read reads whole.
pub(crate) enum Failure {
    File(FileError),
    OutOfOrder,
    ReadWhole,
}

impl From<FileError> for Failure {
    fn from(error: FileError) -> Self {
        Failure::File(error)
    }
}

fn read_batch_by<T: Send>(
    path: &Path,
    sheet: Option<&str>,
    progress: &(dyn Fn(u64) + Sync),
    work: Option<RowWork<'_, T>>,
    (engine, shape): (Engine, Shape),
) -> Result<(Batch, Vec<T>), FileError> {
    let display = path.display().to_string();
    let unreadable = |reason: String| FileError::Unreadable {
        path: display.clone(),
        reason,
    };
    if path.is_dir() {
        return Err(unreadable("it is a directory, not a file".into()));
    }
    let mut file = std::fs::File::open(path).map_err(|e| unreadable(io_reason(&e)))?;
    let mut head = Vec::with_capacity(8192);
    (&mut file)
        .take(8192)
        .read_to_end(&mut head)
        .map_err(|e| unreadable(io_reason(&e)))?;
    drop(file);
    let sniffed = sniff(&head).map_err(|r| unreadable(r.into()))?;
    // Rows as the XML has them; should one come out of order, read again and sort them.
    let attempt = |order, engine| {
        read_sniffed(
            path,
            &display,
            &sniffed,
            sheet,
            progress,
            work,
            (order, engine, shape),
        )
    };
    let (mut order, mut engine) = (RowOrder::AsRead, engine);
    let read = loop {
        match attempt(order, engine) {
            Err(Failure::OutOfOrder) if order == RowOrder::AsRead => order = RowOrder::Sorted,
            Err(Failure::ReadWhole) if engine != Engine::Native(None) => {
                engine = Engine::Native(None);
            }
            read => break read,
        }
    };
    let (origin, (layout, rows, width), results) = read.map_err(|failure| match failure {
        Failure::File(error) => error,
        Failure::OutOfOrder => {
            unreadable("its rows could not be put in order (an internal error)".into())
        }
        Failure::ReadWhole => {
            unreadable("its sheet could not be read whole (an internal error)".into())
        }
    })?;
    Ok((
        Batch {
            sha256: sha256_file(path).map_err(|e| unreadable(io_reason(&e)))?,
            path: display,
            sheet: origin.sheet,
            is_1904: origin.is_1904,
            encoding: origin.encoding,
            layout,
            width,
            rows,
        },
        results,
    ))
}

/// What one read of a batch gives: the sheet, the date system, the assembled rows, and the
/// work's results.
type ReadOnce<T> = (Origin, (Layout, Vec<RawRow>, usize), Vec<T>);

/// Where a batch's rows come from: a workbook's sheet (and its date system), or text.
struct Origin {
    sheet: Option<String>,
    is_1904: bool,
    encoding: Option<text::TextEncoding>,
}

/// Reads the file once, its rows in the given order.
fn read_sniffed<T: Send>(
    path: &Path,
    display: &str,
    sniffed: &Sniffed,
    sheet: Option<&str>,
    progress: &(dyn Fn(u64) + Sync),
    work: Option<RowWork<'_, T>>,
    (order, engine, shape): (RowOrder, Engine, Shape),
) -> Result<ReadOnce<T>, Failure> {
    let how = (order, engine);
    let read_done = AtomicBool::new(false);
    let (sender, receiver) = std::sync::mpsc::channel::<Streamed>();
    let (read, worked) = std::thread::scope(|scope| {
        let worker = work.map(|work| scope.spawn(|| run_work(receiver, work, &read_done)));
        let mut asm = Assembler::new(display, progress);
        asm.roster = shape == Shape::Roster;
        if worker.is_some() {
            asm.stream = Some((sender, &read_done));
        }
        let read = match sniffed {
            Sniffed::Workbook(container) => {
                workbook::read(path, display, *container, sheet, &mut asm, how).map(|info| Origin {
                    sheet: Some(info.sheet),
                    is_1904: info.is_1904,
                    encoding: None,
                })
            }
            Sniffed::Text => csv_file::read(path, display, &mut asm)
                .map(|encoding| Origin {
                    sheet: None,
                    is_1904: false,
                    encoding: Some(encoding),
                })
                .map_err(Failure::File),
        }
        .and_then(|origin| Ok((origin, asm.finish()?)));
        // `asm` is gone, and the sender with it: the worker ends once it has done every chunk.
        let worked = worker.map(|worker| {
            worker.join().map_err(|_| FileError::Unreadable {
                path: display.to_string(),
                reason: "checking its rows failed unexpectedly (an internal error)".into(),
            })
        });
        (read, worked)
    });
    let (origin, (layout, mut rows, width)) = read?;
    let mut results = Vec::new();
    if let Some(worked) = worked {
        (rows, results) = worked?;
    }
    Ok((origin, (layout, rows, width), results))
}

/// What the assembler streams to the work thread.
enum Streamed {
    Header(Box<Layout>, bool),
    Rows(Vec<RawRow>),
}

/// Data rows go to the work thread in chunks of this many.
const STREAM_CHUNK: usize = 8192;

/// The work thread: keeps every row, and the work's results, in order.
fn run_work<T>(
    receiver: std::sync::mpsc::Receiver<Streamed>,
    work: RowWork<'_, T>,
    read_done: &AtomicBool,
) -> (Vec<RawRow>, Vec<T>) {
    work_behind_the_reader();
    let (mut rows, mut results) = (Vec::new(), Vec::new());
    let mut header = None;
    for streamed in receiver {
        match streamed {
            Streamed::Header(layout, is_1904) => header = Some((layout, is_1904)),
            Streamed::Rows(chunk) => {
                if let Some((layout, is_1904)) = &header {
                    results.extend(work(RowChunk {
                        layout,
                        is_1904: *is_1904,
                        rows: &chunk,
                        read_done: read_done.load(Ordering::Relaxed),
                    }));
                }
                rows.extend(chunk);
            }
        }
    }
    (rows, results)
}
