//! Cells as readers produce them, collected row by row: a row's non-empty cells in one
//! reused buffer ([`RowCells`]), and calamine's cell stream cut into rows ([`SheetCells`]).

use calamine::DataRef;

use super::raw::{CellKind, RawCell};
use super::xlsx::Damage;
use super::{Assembler, limits, workbook};
use crate::error::FileError;

/// The non-empty cells of one sheet row: their texts share one buffer, reused row to row,
/// so reading a million rows allocates nothing per cell.
#[derive(Default)]
pub(crate) struct RowCells {
    text: String,
    cells: Vec<(usize, CellKind, std::ops::Range<usize>)>,
}

impl RowCells {
    pub(crate) fn clear(&mut self) {
        self.text.clear();
        self.cells.clear();
    }

    /// Appends a cell whose text `write` appends to the buffer.
    pub(crate) fn push_with(&mut self, col: usize, write: impl FnOnce(&mut String) -> CellKind) {
        let start = self.text.len();
        let kind = write(&mut self.text);
        self.cells.push((col, kind, start..self.text.len()));
    }

    /// Appends a cell whose text `write` appends to the buffer, or nothing if it fails; an
    /// empty cell is not kept.
    pub(crate) fn try_push_with<E>(
        &mut self,
        col: usize,
        write: impl FnOnce(&mut String) -> Result<CellKind, E>,
    ) -> Result<(), E> {
        let start = self.text.len();
        match write(&mut self.text) {
            Ok(CellKind::Empty) => self.text.truncate(start),
            Ok(kind) => self.cells.push((col, kind, start..self.text.len())),
            Err(e) => {
                self.text.truncate(start);
                return Err(e);
            }
        }
        Ok(())
    }

    pub(crate) fn push(&mut self, col: usize, kind: CellKind, text: &str) {
        self.push_with(col, |buffer| {
            buffer.push_str(text);
            kind
        });
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (usize, RawCell<'_>)> + Clone {
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
    /// The last row passed on, and the last column of the current row.
    last_row: Option<u32>,
    last_col: Option<u32>,
    cells: RowCells,
}

impl<'a, 'p> SheetCells<'a, 'p> {
    pub(crate) fn new(asm: &'a mut Assembler<'p>) -> Self {
        SheetCells {
            asm,
            row: None,
            last_row: None,
            last_col: None,
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
        self.place(row, col)?;
        self.cells
            .push_with(col as usize, |buffer| workbook::write_cell(value, buffer));
        Ok(())
    }

    /// A formula cell with no saved value (SPEC 2.2): blank, kept as `CellKind::Formula`.
    pub(crate) fn push_uncached_formula(&mut self, row: u32, col: u32) -> Result<(), FileError> {
        self.push(row, col, &DataRef::Empty)?; // Excel's limits, as for any cell
        self.place(row, col)?;
        self.cells.push(col as usize, CellKind::Formula, "");
        Ok(())
    }

    /// Moves to the cell at (row, col), checking that cells come row by row, each once.
    fn place(&mut self, row: u32, col: u32) -> Result<(), FileError> {
        if self.row != Some(row) {
            self.flush()?;
            // calamine's cells come in the order of the file: a row met again, or one before
            // the last, cannot be put back without merging rows (SPEC 4.4).
            if let Some(last) = self.last_row
                && row <= last
            {
                let damage = if row == last {
                    Damage::RepeatedRow { row: row + 1 }
                } else {
                    Damage::RowsOutOfOrder {
                        row: row + 1,
                        after: last + 1,
                    }
                };
                return Err(self.damaged(damage));
            }
            self.row = Some(row);
        }
        if let Some(last) = self.last_col.replace(col)
            && col <= last
        {
            return Err(self.damaged(Damage::RepeatedCell { row: row + 1, col }));
        }
        if self.cells.cells.len() >= limits::MAX_COLUMNS as usize {
            return Err(self.beyond_excel(format!(
                "row {} of the sheet has more than 16,384 cells, the most a row can have",
                row + 1
            )));
        }
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

    fn damaged(&self, damage: Damage) -> FileError {
        FileError::Unreadable {
            path: self.asm.path.to_string(),
            reason: damage.to_string(),
        }
    }

    fn flush(&mut self) -> Result<(), FileError> {
        self.last_col = None;
        if let Some(row) = self.row.take() {
            self.last_row = Some(row);
            self.asm.push_row(row + 1, self.cells.iter())?;
            self.cells.clear();
        }
        Ok(())
    }

    pub(crate) fn finish(mut self) -> Result<(), FileError> {
        self.flush()
    }
}
