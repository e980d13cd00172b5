//! Raw rows as read from the sheet, kept compact: one string holding every cell's original
//! text and a kind per cell. A million-row batch must fit in memory next to the snapshot scan.

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
        self.kind == CellKind::Empty || self.text.trim().is_empty()
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
    const ALL: [CellKind; 7] = [
        CellKind::Empty,
        CellKind::Text,
        CellKind::Number,
        CellKind::Bool,
        CellKind::Date,
        CellKind::Error,
        CellKind::Formula,
    ];
}

impl RawRow {
    /// Builds a row from cells indexed by column (relative to the batch's first column).
    pub fn new(source_row: u32, cells: &[RawCell<'_>]) -> RawRow {
        // A formula with no saved value is blank but kept: its S001 names it.
        let width = cells
            .iter()
            .rposition(|c| !c.is_blank() || c.kind == CellKind::Formula)
            .map_or(0, |i| i + 1);
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

    /// The number of stored cells (trailing blanks are not stored).
    pub fn width(&self) -> usize {
        self.width as usize
    }

    fn end(&self, col: usize) -> usize {
        let at = self.width() + col * 4;
        let bytes = [
            self.data[at],
            self.data[at + 1],
            self.data[at + 2],
            self.data[at + 3],
        ];
        u32::from_le_bytes(bytes) as usize
    }

    pub fn cell(&self, col: usize) -> RawCell<'_> {
        if col >= self.width() {
            return RawCell::EMPTY;
        }
        let start = if col == 0 { 0 } else { self.end(col - 1) };
        RawCell {
            kind: CellKind::ALL[usize::from(self.data[col])],
            // Offsets are those of whole cells pushed as &str: always on char boundaries.
            text: self.text.get(start..self.end(col)).unwrap_or_default(),
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
