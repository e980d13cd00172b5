//! What can be wrong with a workbook's XML, said in cpbatch's words. A message is built from
//! what the reader knows (the kind of problem, the row, the column), never from the text of
//! a library's error or from the file: that text can quote a cell, and nothing that
//! identifies a member may reach stderr (SPEC 4.1).

use std::fmt;

use crate::batch::limits;

/// A problem of a workbook part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Damage {
    /// The part is not well-formed XML.
    Xml(XmlProblem),
    /// A row number beyond Excel's last row (1-based).
    RowBeyond(u64),
    /// A cell beyond column XFD, in a row (1-based row, 0-based column).
    ColumnBeyond { row: u32, col: u64 },
    /// A row of more cells than a sheet row can hold.
    TooManyCells { row: u32 },
    /// A row element whose number is not a row number.
    BadRowNumber { after: Option<u32> },
    /// A cell whose reference is not a cell reference.
    BadReference { row: u32 },
    /// A cell whose reference names another row than the row element holding it.
    CellOutsideRow { row: u32, cell_row: u32 },
    /// Two row elements with the same number: a row repeated, or its cells split.
    RepeatedRow { row: u32 },
    /// A row after a later one, where rows cannot be put back in order (calamine's readers).
    RowsOutOfOrder { row: u32, after: u32 },
    /// Two cells with the same reference.
    RepeatedCell { row: u32, col: u32 },
    /// A cell's value cannot be what its type says.
    BadValue {
        row: u32,
        col: u32,
        what: &'static str,
    },
    /// A string longer than its part could need.
    TooLarge,
    /// The sheet part has no cell table (`sheetData`).
    NoSheetData,
    /// Not the file's: a thread of the reader stopped.
    Internal,
}

/// The kinds of malformed XML.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XmlProblem {
    /// The part ends in the middle of an element.
    Truncated,
    /// Broken syntax or mismatched tags.
    Syntax,
    /// An entity no workbook uses (the document declares its own, or names an unknown one).
    Entity,
    /// A malformed attribute.
    Attribute,
    /// Not UTF-8 text.
    Encoding,
    /// The part could not be inflated: the archive is damaged.
    Inflate,
}

impl XmlProblem {
    /// The kind of a quick-xml error, by its variant alone.
    pub fn of(error: &quick_xml::Error) -> XmlProblem {
        use quick_xml::Error;
        match error {
            Error::Io(_) => XmlProblem::Inflate,
            Error::Syntax(_) | Error::IllFormed(_) | Error::Namespace(_) => XmlProblem::Syntax,
            Error::InvalidAttr(_) => XmlProblem::Attribute,
            Error::Encoding(_) => XmlProblem::Encoding,
            Error::Escape(_) => XmlProblem::Entity,
        }
    }
}

impl fmt::Display for XmlProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            XmlProblem::Truncated => "its XML ends in the middle of an element",
            XmlProblem::Syntax => "its XML is malformed",
            XmlProblem::Entity => {
                "its XML uses an entity that no workbook uses (an entity it declares, or an unknown one)"
            }
            XmlProblem::Attribute => "its XML has a malformed attribute",
            XmlProblem::Encoding => "its XML is not UTF-8 text",
            XmlProblem::Inflate => "it cannot be inflated (the archive is damaged)",
        })
    }
}

/// A cell reference as Excel shows it: `B4`.
pub fn cell_name(row: u32, col: u32) -> String {
    let mut letters = Vec::new();
    let mut col = u64::from(col);
    loop {
        letters.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    letters.reverse();
    format!("{}{row}", String::from_utf8_lossy(&letters))
}

const DAMAGED: &str = "the workbook is damaged or was not made by a spreadsheet program";

impl fmt::Display for Damage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Damage::Xml(problem) => write!(f, "{problem}"),
            Damage::RowBeyond(row) => write!(
                f,
                "the sheet has a row {row}, beyond row 1,048,576, the last a sheet can have: {DAMAGED}"
            ),
            Damage::ColumnBeyond { row, col } => write!(
                f,
                "row {row} of the sheet has a cell beyond column XFD (16,384), the last a sheet can have (in column {}): {DAMAGED}",
                col + 1
            ),
            Damage::TooManyCells { row } => write!(
                f,
                "row {row} of the sheet has more than {} cells, the most a row can have: {DAMAGED}",
                limits::thousands(u64::from(limits::MAX_COLUMNS))
            ),
            Damage::BadRowNumber { after: Some(row) } => write!(
                f,
                "the row element after row {row} has no valid row number: {DAMAGED}"
            ),
            Damage::BadRowNumber { after: None } => write!(
                f,
                "the first row element of the sheet has no valid row number: {DAMAGED}"
            ),
            Damage::BadReference { row } => write!(
                f,
                "row {row} of the sheet has a cell whose reference is not a cell reference: {DAMAGED}"
            ),
            Damage::CellOutsideRow { row, cell_row } => write!(
                f,
                "row {row} of the sheet holds a cell of row {cell_row}: {DAMAGED}"
            ),
            Damage::RepeatedRow { row } => write!(
                f,
                "the sheet has row {row} twice (two row elements numbered {row}: a row repeated, or its cells split over two rows); its rows cannot be told apart, so nothing is read: {DAMAGED}"
            ),
            Damage::RowsOutOfOrder { row, after } => write!(
                f,
                "the sheet has row {row} after row {after}: rows out of order cannot be read from this format: {DAMAGED}"
            ),
            Damage::RepeatedCell { row, col } => write!(
                f,
                "row {row} of the sheet has cell {} twice; its value cannot be told, so nothing is read: {DAMAGED}",
                cell_name(*row, *col)
            ),
            Damage::BadValue { row, col, what } => write!(
                f,
                "cell {} of the sheet {what}: {DAMAGED}",
                cell_name(*row, *col)
            ),
            Damage::TooLarge => write!(f, "a string is larger than its part can need: {DAMAGED}"),
            Damage::NoSheetData => write!(f, "the sheet has no table of cells: {DAMAGED}"),
            Damage::Internal => write!(
                f,
                "assembling its rows stopped unexpectedly (an internal error)"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_named_as_excel_names_them() {
        assert_eq!(cell_name(4, 0), "A4");
        assert_eq!(cell_name(1, 26), "AA1");
        assert_eq!(cell_name(7, 16_383), "XFD7");
        assert_eq!(limits::thousands(16_384), "16,384");
    }
}
