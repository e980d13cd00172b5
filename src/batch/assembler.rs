//! The assembler: turns the rows a reader hands over into the batch (or roster): finds
//! the header row among the first rows of each sheet searched, then keeps every non-empty
//! row below it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;

use super::header::HEADER_SEARCH_ROWS;
use super::{Layout, RawCell, RawRow, STREAM_CHUNK, Streamed};
use crate::error::{FileError, HeaderLike};
use crate::model::Column;

/// Turns rows into the batch: finds the header row, then keeps every non-empty row below it.
pub(crate) struct Assembler<'p> {
    pub(super) path: &'p str,
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
    pub(super) stream: Option<(Sender<Streamed>, &'p AtomicBool)>,
    /// A roster's header row and columns (SPEC 7) rather than a batch's.
    pub(super) roster: bool,
    /// The sheets searched for a header row, in order (SPEC 2.1), for F003.
    sheets: Vec<String>,
    /// The most header-like row seen while searching, for F003.
    best: Option<HeaderLike>,
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
            roster: false,
            sheets: Vec::new(),
            best: None,
        }
    }

    /// A sheet's rows come next: the header row is looked for afresh among its first rows.
    pub(crate) fn begin_sheet(&mut self, name: &str) {
        self.sheets.push(name.to_string());
        self.non_empty_rows = 0;
    }

    /// True once the header row is found.
    pub(crate) fn has_header(&self) -> bool {
        self.layout.is_some()
    }

    /// F003, naming the sheets searched and quoting the most header-like row.
    fn no_header(&self) -> FileError {
        let path = self.path.to_string();
        let (sheets, best) = (self.sheets.clone(), self.best.clone().map(Box::new));
        if self.roster {
            FileError::NoRosterHeader { path, sheets, best }
        } else {
            FileError::NoHeader { path, sheets, best }
        }
    }

    /// Keeps the row if it has more recognised headers than any before it.
    fn consider(&mut self, source_row: u32, texts: &[&str]) {
        let recognised = texts
            .iter()
            .filter(|t| Column::from_header(t).is_some())
            .count();
        if recognised > self.best.as_ref().map_or(0, |b| b.recognised) {
            self.best = Some(HeaderLike {
                sheet: self.sheets.last().cloned(),
                row: source_row,
                cells: texts
                    .iter()
                    .filter(|t| !t.trim().is_empty())
                    .take(HEADER_QUOTED_CELLS)
                    .map(|t| clip(t.trim(), HEADER_QUOTED_CHARS))
                    .collect(),
                recognised,
            });
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
    pub(crate) fn push_row<'c>(
        &mut self,
        source_row: u32,
        cells: impl Iterator<Item = (usize, RawCell<'c>)> + Clone,
    ) -> Result<(), FileError> {
        if cells.clone().all(|(_, cell)| cell.is_blank()) {
            return Ok(());
        }
        if self.layout.is_none() {
            return self.look_for_header(source_row, cells);
        }
        // Cells from the batch's first column; cells left of it have no header. Readers
        // give a row's cells in column order; were they not, the row is made dense first.
        let row = match RawRow::from_sparse(source_row, self.first_col, cells.clone()) {
            Some(row) => row,
            None => RawRow::new(source_row, &self.dense(cells)),
        };
        self.width = self.width.max(row.width());
        self.rows.push(row);
        self.rows_read += 1;
        if self.rows_read.is_multiple_of(STREAM_CHUNK as u64) {
            (self.progress)(self.rows_read);
            self.send_rows();
        }
        Ok(())
    }

    /// A row's cells from the batch's first column, by position; a cell given twice is the
    /// last one given.
    fn dense<'c>(&self, cells: impl Iterator<Item = (usize, RawCell<'c>)>) -> Vec<RawCell<'c>> {
        let mut dense: Vec<RawCell<'_>> = Vec::with_capacity(self.width);
        for (col, cell) in cells {
            let Some(rel) = col.checked_sub(self.first_col) else {
                continue;
            };
            if rel >= dense.len() {
                dense.resize(rel + 1, RawCell::EMPTY);
            }
            dense[rel] = cell;
        }
        dense
    }

    fn look_for_header<'c>(
        &mut self,
        source_row: u32,
        cells: impl Iterator<Item = (usize, RawCell<'c>)> + Clone,
    ) -> Result<(), FileError> {
        self.non_empty_rows += 1;
        let texts: Vec<&str> = cells.clone().map(|(_, cell)| cell.text).collect();
        let is_header = if self.roster {
            Layout::is_roster_header_row(&texts)
        } else {
            Layout::is_header_row(&texts)
        };
        if is_header {
            let first_col = cells.clone().map(|(c, _)| c).min().unwrap_or(0);
            let last_col = cells.clone().map(|(c, _)| c).max().unwrap_or(0);
            let mut headers = vec![""; last_col - first_col + 1];
            for (col, cell) in cells {
                headers[col - first_col] = cell.text;
            }
            let layout = if self.roster {
                Layout::from_roster_headers(self.path, source_row, &headers)?
            } else {
                Layout::from_headers(self.path, source_row, &headers)?
            };
            self.first_col = first_col;
            self.width = layout.headers.len();
            if let Some((sender, _)) = &self.stream {
                let _ = sender.send(Streamed::Header(Box::new(layout.clone()), self.is_1904));
            }
            self.layout = Some(layout);
        } else {
            self.consider(source_row, &texts);
            if self.non_empty_rows >= HEADER_SEARCH_ROWS {
                return Err(self.no_header());
            }
        }
        Ok(())
    }

    /// The layout, the rows not streamed, and the width.
    pub(crate) fn finish(mut self) -> Result<(Layout, Vec<RawRow>, usize), FileError> {
        if let Some((_, read_done)) = &self.stream {
            read_done.store(true, Ordering::Relaxed);
        }
        self.send_rows();
        match self.layout.take() {
            Some(layout) => Ok((layout, std::mem::take(&mut self.rows), self.width)),
            None => Err(self.no_header()),
        }
    }
}

/// How much of the most header-like row F003 quotes: cells, and characters of each.
const HEADER_QUOTED_CELLS: usize = 24;
const HEADER_QUOTED_CHARS: usize = 40;

/// `text`, cut to `max` characters with an ellipsis.
fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_string(),
    }
}
