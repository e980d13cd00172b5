//! Reading a batch file into raw rows (SPEC 2.1): the format is decided by content, the sheet
//! chosen, the header row found below any title rows, and every non-empty row below it kept
//! with its spreadsheet row number.

mod csv_file;
pub mod header;
pub mod limits;
pub mod raw;
pub mod workbook;

use std::io::Read;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;

use calamine::DataRef;
use sha2::{Digest, Sha256};

pub use header::Layout;
pub use raw::{CellKind, RawCell, RawRow};

use crate::error::FileError;
use header::HEADER_SEARCH_ROWS;

/// A batch file as read: its columns and its data rows.
#[derive(Debug)]
pub struct Batch {
    /// The path as the user gave it.
    pub path: String,
    /// The sheet read, or `None` for a CSV file.
    pub sheet: Option<String>,
    /// True when the workbook uses the 1904 date system.
    pub is_1904: bool,
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

    let read_done = AtomicBool::new(false);
    let (sender, receiver) = std::sync::mpsc::channel::<Streamed>();
    let (read, worked) = std::thread::scope(|scope| {
        let worker = work.map(|work| scope.spawn(|| run_work(receiver, work, &read_done)));
        let mut asm = Assembler::new(&display, progress);
        if worker.is_some() {
            asm.stream = Some((sender, &read_done));
        }
        let read = match sniffed {
            Sniffed::Workbook(container) => {
                workbook::read(path, &display, container, sheet, &mut asm)
                    .map(|info| (Some(info.sheet), info.is_1904))
            }
            Sniffed::Text => csv_file::read(path, &display, &mut asm).map(|()| (None, false)),
        }
        .and_then(|(sheet, is_1904)| Ok((sheet, is_1904, asm.finish()?)));
        // `asm` is gone, and the sender with it: the worker ends once it has done every chunk.
        let worked = worker.map(|worker| {
            worker.join().map_err(|_| {
                unreadable("checking its rows failed unexpectedly (an internal error)".into())
            })
        });
        (read, worked)
    });
    let (sheet_name, is_1904, (layout, mut rows, width)) = read?;
    let mut results = Vec::new();
    if let Some(worked) = worked {
        (rows, results) = worked?;
    }
    Ok((
        Batch {
            sha256: sha256_file(path).map_err(|e| unreadable(io_reason(&e)))?,
            path: display,
            sheet: sheet_name,
            is_1904,
            layout,
            width,
            rows,
        },
        results,
    ))
}

/// Lowers the calling thread's scheduling priority. Reading a workbook keeps one core busy
/// and sets the pace of the whole run; the threads that work behind it (assembling rows,
/// checking them, indexing the snapshot) have the rest of the machine, and should take the
/// reader's core only when it is idle. Elsewhere than Linux, threads keep their priority.
pub fn work_behind_the_reader() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority and gettid only read their integer arguments; on Linux a thread ID
    // names that one thread. A failure (no permission) just leaves the priority as it was.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t, 10);
    }
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

pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// The SHA-256 of a file, as lower-case hex.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut hasher = Sha256::new();
    let mut file = std::fs::File::open(path)?;
    let mut buffer = vec![0; 1 << 16];
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

/// Bytes as lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

enum Sniffed {
    Workbook(workbook::Container),
    Text,
}

/// Decides the format from the file's first bytes, whatever its extension says.
fn sniff(head: &[u8]) -> Result<Sniffed, &'static str> {
    const OLE: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    if head.is_empty() {
        return Err("the file is empty");
    }
    if head.starts_with(b"PK\x03\x04") {
        return Ok(Sniffed::Workbook(workbook::Container::Zip));
    }
    if head.starts_with(OLE) {
        return Ok(Sniffed::Workbook(workbook::Container::Ole));
    }
    if head.starts_with(b"PK") {
        return Err("an empty or damaged zip archive, not a workbook");
    }
    if head.starts_with(b"%PDF") {
        return Err("a PDF document, not a spreadsheet");
    }
    if head.starts_with(&[0x1F, 0x8B]) {
        return Err("a gzip archive, not a spreadsheet");
    }
    if head.contains(&0) {
        return Err(
            "a binary file that is not a supported workbook (.xlsx, .xlsm, .xlsb, .xls, .ods) or CSV",
        );
    }
    // A text file: read as CSV. Cut at most 3 bytes of a split UTF-8 sequence at the end.
    let valid = match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && head.len() - e.valid_up_to() < 4,
    };
    if !valid {
        return Err(
            "not UTF-8 text and not a supported workbook (is it a CSV saved in another encoding? save it as CSV UTF-8)",
        );
    }
    Ok(Sniffed::Text)
}

/// The non-empty cells of one sheet row: their texts share one buffer, reused row to row,
/// so reading a million rows allocates nothing per cell.
#[derive(Default)]
pub(crate) struct RowCells {
    text: String,
    cells: Vec<(usize, CellKind, std::ops::Range<usize>)>,
}

impl RowCells {
    fn clear(&mut self) {
        self.text.clear();
        self.cells.clear();
    }

    /// Appends a cell whose text `write` appends to the buffer.
    fn push_with(&mut self, col: usize, write: impl FnOnce(&mut String) -> CellKind) {
        let start = self.text.len();
        let kind = write(&mut self.text);
        self.cells.push((col, kind, start..self.text.len()));
    }

    pub(crate) fn push(&mut self, col: usize, kind: CellKind, text: &str) {
        self.push_with(col, |buffer| {
            buffer.push_str(text);
            kind
        });
    }

    fn iter(&self) -> impl Iterator<Item = (usize, RawCell<'_>)> {
        self.cells.iter().map(|(col, kind, range)| {
            (
                *col,
                RawCell {
                    kind: *kind,
                    text: &self.text[range.clone()],
                },
            )
        })
    }
}

/// Collects the cells a reader produces, in row order, into rows.
pub(crate) struct SheetCells<'a, 'p> {
    asm: &'a mut Assembler<'p>,
    row: Option<u32>,
    cells: RowCells,
}

impl<'a, 'p> SheetCells<'a, 'p> {
    pub(crate) fn new(asm: &'a mut Assembler<'p>) -> Self {
        SheetCells {
            asm,
            row: None,
            cells: RowCells::default(),
        }
    }

    /// A cell at a 0-based absolute position; cells must come row by row.
    pub(crate) fn push(
        &mut self,
        row: u32,
        col: u32,
        value: &DataRef<'_>,
    ) -> Result<(), FileError> {
        // Excel's limits bound what a sheet may make us hold (see `limits`). A damaged
        // workbook can place a cell anywhere a u32 reaches, and rows are built dense from the
        // first column: such a cell would cost gigabytes.
        if row >= limits::MAX_ROWS {
            return Err(self.beyond_excel(format!(
                "the sheet has a row {}, beyond row 1,048,576, the last a sheet can have",
                u64::from(row) + 1
            )));
        }
        if col >= limits::MAX_COLUMNS {
            return Err(self.beyond_excel(format!(
                "row {} of the sheet has a cell beyond column XFD (16,384), the last a sheet can have (in column {})",
                row + 1,
                u64::from(col) + 1
            )));
        }
        if matches!(value, DataRef::Empty) {
            return Ok(());
        }
        if self.row != Some(row) {
            self.flush()?;
            self.row = Some(row);
        }
        if self.cells.cells.len() >= limits::MAX_COLUMNS as usize {
            return Err(self.beyond_excel(format!(
                "row {} of the sheet has more than 16,384 cells, the most a row can have",
                row + 1
            )));
        }
        self.cells
            .push_with(col as usize, |buffer| workbook::write_cell(value, buffer));
        Ok(())
    }

    /// A sheet larger than Excel allows: damaged, or made to exhaust memory.
    fn beyond_excel(&self, problem: String) -> FileError {
        FileError::Unreadable {
            path: self.asm.path.to_string(),
            reason: format!(
                "{problem}: the workbook is damaged or was not made by a spreadsheet program"
            ),
        }
    }

    fn flush(&mut self) -> Result<(), FileError> {
        if let Some(row) = self.row.take() {
            self.asm.push_row(row + 1, &self.cells)?;
            self.cells.clear();
        }
        Ok(())
    }

    pub(crate) fn finish(mut self) -> Result<(), FileError> {
        self.flush()
    }
}

/// Turns rows into the batch: finds the header row, then keeps every non-empty row below it.
pub(crate) struct Assembler<'p> {
    path: &'p str,
    progress: &'p (dyn Fn(u64) + Sync),
    non_empty_rows: usize,
    layout: Option<Layout>,
    first_col: usize,
    width: usize,
    is_1904: bool,
    /// Every data row, or with a stream the rows not sent yet.
    rows: Vec<RawRow>,
    rows_read: u64,
    /// Where chunks of rows go as they are read, and the flag set once the file is read.
    stream: Option<(Sender<Streamed>, &'p AtomicBool)>,
}

impl<'p> Assembler<'p> {
    pub(crate) fn new(path: &'p str, progress: &'p (dyn Fn(u64) + Sync)) -> Self {
        Assembler {
            path,
            progress,
            non_empty_rows: 0,
            layout: None,
            first_col: 0,
            width: 0,
            is_1904: false,
            rows: Vec::new(),
            rows_read: 0,
            stream: None,
        }
    }

    /// The workbook's date system, known before its cells are read.
    pub(crate) fn set_1904(&mut self, is_1904: bool) {
        self.is_1904 = is_1904;
    }

    /// Sends the rows read since the last send to the work thread, if there is one.
    fn send_rows(&mut self) {
        if let Some((sender, _)) = &self.stream
            && !self.rows.is_empty()
        {
            let chunk = std::mem::replace(&mut self.rows, Vec::with_capacity(STREAM_CHUNK));
            // A send fails only when the work thread has stopped; joining it reports that.
            let _ = sender.send(Streamed::Rows(chunk));
        }
    }

    /// A row with its spreadsheet row number and its non-empty cells.
    pub(crate) fn push_row(&mut self, source_row: u32, cells: &RowCells) -> Result<(), FileError> {
        if cells.iter().all(|(_, cell)| cell.is_blank()) {
            return Ok(());
        }
        if self.layout.is_none() {
            return self.look_for_header(source_row, cells);
        }
        // Dense cells from the batch's first column; cells left of it have no header.
        let mut dense: Vec<RawCell<'_>> = Vec::with_capacity(self.width);
        for (col, cell) in cells.iter() {
            let Some(rel) = col.checked_sub(self.first_col) else {
                continue;
            };
            if rel >= dense.len() {
                dense.resize(rel + 1, RawCell::EMPTY);
            }
            dense[rel] = cell;
        }
        let row = RawRow::new(source_row, &dense);
        self.width = self.width.max(row.width());
        self.rows.push(row);
        self.rows_read += 1;
        if self.rows_read.is_multiple_of(STREAM_CHUNK as u64) {
            (self.progress)(self.rows_read);
            self.send_rows();
        }
        Ok(())
    }

    fn look_for_header(&mut self, source_row: u32, cells: &RowCells) -> Result<(), FileError> {
        self.non_empty_rows += 1;
        let texts: Vec<&str> = cells.iter().map(|(_, cell)| cell.text).collect();
        if Layout::is_header_row(&texts) {
            let first_col = cells.iter().map(|(c, _)| c).min().unwrap_or(0);
            let last_col = cells.iter().map(|(c, _)| c).max().unwrap_or(0);
            let mut headers = vec![""; last_col - first_col + 1];
            for (col, cell) in cells.iter() {
                headers[col - first_col] = cell.text;
            }
            let layout = Layout::from_headers(self.path, source_row, &headers)?;
            self.first_col = first_col;
            self.width = layout.headers.len();
            if let Some((sender, _)) = &self.stream {
                let _ = sender.send(Streamed::Header(Box::new(layout.clone()), self.is_1904));
            }
            self.layout = Some(layout);
        } else if self.non_empty_rows >= HEADER_SEARCH_ROWS {
            return Err(FileError::NoHeader {
                path: self.path.to_string(),
            });
        }
        Ok(())
    }

    /// The layout, the rows not streamed, and the width.
    pub(crate) fn finish(mut self) -> Result<(Layout, Vec<RawRow>, usize), FileError> {
        if let Some((_, read_done)) = &self.stream {
            read_done.store(true, Ordering::Relaxed);
        }
        self.send_rows();
        match self.layout {
            Some(layout) => Ok((layout, self.rows, self.width)),
            None => Err(FileError::NoHeader {
                path: self.path.to_string(),
            }),
        }
    }
}
