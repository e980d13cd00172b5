//! Raw rows as read from the sheet, kept compact: one string holding every cell's original
//! text and a kind per cell. A million-row batch must fit in memory next to the snapshot scan.

use crate::model::is_space_byte;

/// What kind of cell a value came from; it decides how the value is read (SPEC 2.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum CellKind {
    Empty,
    Text,
    /// A numeric cell; its text is the shortest exact decimal form of the number.
    Number,
    Bool,
    /// A date cell; its text is `YYYY-MM-DD`.
    Date,
    /// An error cell; its text is the error (`#N/A`).
    Error,
    /// A formula with no saved value (a workbook written by a program and never opened in
    /// Excel): blank, its text empty, but kept so that its S001 can say why (SPEC 2.2).
    Formula,
}

/// One cell: its kind and its original text.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RawCell<'a> {
    pub kind: CellKind,
    pub text: &'a str,
}

impl RawCell<'_> {
    pub const EMPTY: RawCell<'static> = RawCell {
        kind: CellKind::Empty,
        text: "",
    };

    /// Empty, or text of nothing but whitespace.
    pub fn is_blank(&self) -> bool {
        self.kind == CellKind::Empty
            || match self.text.as_bytes().first() {
                None => true,
                // Text that starts with a visible ASCII character, as nearly all does.
                Some(b) if b.is_ascii() && !is_space_byte(*b) => false,
                Some(_) => self.text.trim().is_empty(),
            }
    }
}

/// One data row of the batch, in two allocations: a kind byte per cell followed by the end
/// offset of each cell's text (u32, little-endian); and the texts back to back.
#[derive(Debug, Clone)]
pub struct RawRow {
    /// The spreadsheet row number (1-based), or the CSV record number.
    pub source_row: u32,
    width: u32,
    data: Box<[u8]>,
    text: Box<str>,
}

impl CellKind {
    fn from_byte(byte: u8) -> CellKind {
        match byte {
            1 => CellKind::Text,
            2 => CellKind::Number,
            3 => CellKind::Bool,
            4 => CellKind::Date,
            5 => CellKind::Error,
            6 => CellKind::Formula,
            _ => CellKind::Empty,
        }
    }
}

/// True when a cell is stored: not blank, or a formula with no saved value (blank, but kept
/// so that its S001 can name it).
fn is_kept(cell: &RawCell<'_>) -> bool {
    cell.kind == CellKind::Formula || !cell.is_blank()
}

impl RawRow {
    /// Builds a row from cells indexed by column (relative to the batch's first column).
    pub fn new(source_row: u32, cells: &[RawCell<'_>]) -> RawRow {
        // A formula with no saved value is blank but kept: its S001 names it.
        let width = cells.iter().rposition(is_kept).map_or(0, |i| i + 1);
        let cells = &cells[..width];
        let mut data = Vec::with_capacity(width * 5);
        data.extend(cells.iter().map(|c| c.kind as u8));
        let mut text = String::with_capacity(cells.iter().map(|c| c.text.len()).sum());
        for cell in cells {
            text.push_str(cell.text);
            data.extend_from_slice(&(text.len() as u32).to_le_bytes());
        }
        RawRow {
            source_row,
            width: width as u32,
            data: data.into_boxed_slice(),
            text: text.into_boxed_str(),
        }
    }

    /// Builds a row from a sheet row's cells in increasing column order, taking those from
    /// `first_col` on, as [`new`](Self::new) does from the same cells made dense, without
    /// making them dense. `None` when the columns are not increasing.
    pub(crate) fn from_sparse<'c>(
        source_row: u32,
        first_col: usize,
        cells: impl Iterator<Item = (usize, RawCell<'c>)> + Clone,
    ) -> Option<RawRow> {
        let relative = move |(col, cell): (usize, RawCell<'c>)| {
            col.checked_sub(first_col).map(|rel| (rel, cell))
        };
        // The width (up to the last kept cell) and the length of the text up to it.
        let (mut width, mut text_len, mut len_so_far, mut next) = (0, 0, 0, 0);
        for (rel, cell) in cells.clone().filter_map(relative) {
            if rel < next {
                return None;
            }
            next = rel + 1;
            len_so_far += cell.text.len();
            if is_kept(&cell) {
                (width, text_len) = (rel + 1, len_so_far);
            }
        }
        let mut data = Vec::with_capacity(width * 5);
        data.resize(width, CellKind::Empty as u8);
        let mut text = String::with_capacity(text_len);
        let mut ended = 0; // cells whose end offset is written
        for (rel, cell) in cells
            .filter_map(relative)
            .take_while(|(rel, _)| *rel < width)
        {
            for _ in ended..rel {
                data.extend_from_slice(&(text.len() as u32).to_le_bytes());
            }
            data[rel] = cell.kind as u8;
            text.push_str(cell.text);
            data.extend_from_slice(&(text.len() as u32).to_le_bytes());
            ended = rel + 1;
        }
        for _ in ended..width {
            data.extend_from_slice(&(text.len() as u32).to_le_bytes());
        }
        Some(RawRow {
            source_row,
            width: width as u32,
            data: data.into_boxed_slice(),
            text: text.into_boxed_str(),
        })
    }

    /// The number of stored cells (trailing blanks are not stored).
    pub fn width(&self) -> usize {
        self.width as usize
    }

    fn end(&self, col: usize) -> usize {
        let at = self.width() + col * 4;
        match self.data.get(at..at + 4) {
            Some(&[a, b, c, d]) => u32::from_le_bytes([a, b, c, d]) as usize,
            _ => 0,
        }
    }

    pub fn cell(&self, col: usize) -> RawCell<'_> {
        if col >= self.width() {
            return RawCell::EMPTY;
        }
        let start = if col == 0 { 0 } else { self.end(col - 1) };
        RawCell {
            kind: CellKind::from_byte(self.data[col]),
            // Offsets are those of whole cells pushed as &str: always on char boundaries.
            text: self.text.get(start..self.end(col)).unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn kind(k: u8) -> CellKind {
        CellKind::from_byte(k % 7)
    }

    proptest! {
        /// A row built from sparse cells is the row built from the same cells made dense.
        #[test]
        fn sparse_rows_are_dense_rows(
            first_col in 0usize..3,
            cells in proptest::collection::vec((0usize..4, 0u8..7, "|  | x|é|\u{a0}|ab c"), 0..8),
        ) {
            let texts: Vec<String> = cells.iter().map(|(_, _, t)| t.clone()).collect();
            // Increasing columns: each gap from the previous column.
            let mut col = 0;
            let sparse: Vec<(usize, RawCell<'_>)> = cells
                .iter()
                .zip(&texts)
                .map(|((gap, k, _), text)| {
                    col += gap + 1;
                    (col - 1, RawCell { kind: kind(*k), text })
                })
                .collect();
            let mut dense = Vec::new();
            for (col, cell) in &sparse {
                let Some(rel) = col.checked_sub(first_col) else { continue };
                dense.resize(dense.len().max(rel + 1), RawCell::EMPTY);
                dense[rel] = *cell;
            }
            let fast = RawRow::from_sparse(3, first_col, sparse.iter().copied()).unwrap();
            let slow = RawRow::new(3, &dense);
            prop_assert_eq!((fast.width, &fast.data, &fast.text), (slow.width, &slow.data, &slow.text));
        }

        #[test]
        fn blank_is_trimmed_empty(text in "\\PC{0,3}|[ \t\x0b\u{a0}a]{0,3}") {
            let cell = RawCell { kind: CellKind::Text, text: &text };
            prop_assert_eq!(cell.is_blank(), text.trim().is_empty());
        }
    }

    #[test]
    fn cells_out_of_order_are_not_sparse() {
        let cell = RawCell {
            kind: CellKind::Text,
            text: "x",
        };
        assert!(RawRow::from_sparse(1, 0, [(2, cell), (1, cell)].into_iter()).is_none());
        assert!(RawRow::from_sparse(1, 0, [(1, cell), (1, cell)].into_iter()).is_none());
    }

    #[test]
    fn cells_round_trip_and_trailing_blanks_are_dropped() {
        let cells = [
            RawCell {
                kind: CellKind::Text,
                text: "ENROLL",
            },
            RawCell::EMPTY,
            RawCell {
                kind: CellKind::Number,
                text: "12",
            },
            RawCell {
                kind: CellKind::Text,
                text: "  ",
            },
        ];
        let row = RawRow::new(7, &cells);
        assert_eq!(row.width(), 3);
        assert_eq!(row.cell(0).text, "ENROLL");
        assert!(row.cell(1).is_blank());
        assert_eq!(row.cell(2), cells[2]);
        assert_eq!(row.cell(9), RawCell::EMPTY);
    }
}
