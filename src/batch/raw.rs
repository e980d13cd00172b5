//! Raw rows as read from the sheet, kept compact: one string holding every cell's original
//! text and a kind per cell. A million-row batch must fit in memory next to the snapshot scan.

/// What kind of cell a value came from; it decides how the value is read (SPEC 2.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
        self.kind == CellKind::Empty || self.text.trim().is_empty()
    }
}

/// One data row of the batch.
#[derive(Debug, Clone)]
pub struct RawRow {
    /// The spreadsheet row number (1-based), or the CSV record number.
    pub source_row: u32,
    kinds: Box<[CellKind]>,
    text: Box<str>,
    ends: Box<[u32]>,
}

impl RawRow {
    /// Builds a row from cells indexed by column (relative to the batch's first column).
    pub fn new(source_row: u32, cells: &[RawCell<'_>]) -> RawRow {
        let width = cells
            .iter()
            .rposition(|c| !c.is_blank())
            .map_or(0, |i| i + 1);
        let cells = &cells[..width];
        let mut text = String::with_capacity(cells.iter().map(|c| c.text.len()).sum());
        let mut ends = Vec::with_capacity(width);
        for cell in cells {
            text.push_str(cell.text);
            ends.push(text.len() as u32);
        }
        RawRow {
            source_row,
            kinds: cells.iter().map(|c| c.kind).collect(),
            text: text.into_boxed_str(),
            ends: ends.into_boxed_slice(),
        }
    }

    /// The number of stored cells (trailing blanks are not stored).
    pub fn width(&self) -> usize {
        self.kinds.len()
    }

    pub fn cell(&self, col: usize) -> RawCell<'_> {
        match self.kinds.get(col) {
            None => RawCell::EMPTY,
            Some(&kind) => {
                let start = if col == 0 {
                    0
                } else {
                    self.ends[col - 1] as usize
                };
                RawCell {
                    kind,
                    text: &self.text[start..self.ends[col] as usize],
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
