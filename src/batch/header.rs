//! Finding the header row and mapping its columns to the canonical ones (SPEC 2.1).

use crate::error::FileError;
use crate::model::{Column, Requirement, is_added_header};

/// How many non-empty rows may precede the header row before the search gives up.
pub const HEADER_SEARCH_ROWS: usize = 20;

/// The batch's columns: its original headers and where each canonical column is.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    /// The header row's spreadsheet row number.
    pub header_row: u32,
    /// The original header text of every column, in sheet order.
    pub headers: Vec<String>,
    /// For each canonical column (indexed by `Column as usize`), its position in `headers`.
    positions: [Option<usize>; 18],
    /// Headers that match no canonical column, with their position.
    pub unrecognised: Vec<(usize, String)>,
    /// The positions of the columns cpbatch adds to `rejected.xlsx` (`Source Row`,
    /// `Errors`): a rejected workbook checked again leaves them out of its reports.
    pub added: Vec<usize>,
}

impl Layout {
    /// True when the row's texts include both an Action and a Member ID header.
    pub fn is_header_row(texts: &[&str]) -> bool {
        let found = |col| texts.iter().any(|t| Column::from_header(t) == Some(col));
        found(Column::Action) && found(Column::MemberId)
    }

    /// True when the row's texts include a Member ID header: a roster's header row (SPEC 7).
    pub fn is_roster_header_row(texts: &[&str]) -> bool {
        texts
            .iter()
            .any(|t| Column::from_header(t) == Some(Column::MemberId))
    }

    /// Maps a header row; F004 when a column required on every row is missing, F005 when
    /// two columns name the same canonical header.
    pub fn from_headers(path: &str, row: u32, texts: &[&str]) -> Result<Layout, FileError> {
        let always: Vec<Column> = Column::ALL
            .into_iter()
            .filter(|c| c.requirement() == Requirement::Always)
            .collect();
        Layout::from_headers_requiring(path, row, texts, &always)
    }

    /// Maps a roster's header row (SPEC 7): Member ID and CP ID are required.
    pub fn from_roster_headers(path: &str, row: u32, texts: &[&str]) -> Result<Layout, FileError> {
        Layout::from_headers_requiring(path, row, texts, &[Column::MemberId, Column::CpId])
    }

    fn from_headers_requiring(
        path: &str,
        row: u32,
        texts: &[&str],
        required: &[Column],
    ) -> Result<Layout, FileError> {
        let mut layout = Layout {
            header_row: row,
            headers: texts.iter().map(|t| t.to_string()).collect(),
            ..Layout::default()
        };
        let mut duplicate = None;
        for (index, text) in texts.iter().enumerate() {
            match Column::from_header(text) {
                Some(column) => match layout.positions[column as usize] {
                    Some(first) => {
                        duplicate.get_or_insert((column, first, index));
                    }
                    None => layout.positions[column as usize] = Some(index),
                },
                None if is_added_header(text) => layout.added.push(index),
                None if !text.trim().is_empty() => {
                    layout.unrecognised.push((index, text.trim().to_string()))
                }
                None => {}
            }
        }
        let missing: Vec<String> = required
            .iter()
            .copied()
            .filter(|c| layout.position(*c).is_none())
            .map(|c| match layout.closest_unrecognised(c) {
                Some(near) => format!("{} (closest header: {near:?})", c.header()),
                None => c.header().to_string(),
            })
            .collect();
        if !missing.is_empty() {
            return Err(FileError::MissingColumns {
                path: path.to_string(),
                row,
                columns: missing,
            });
        }
        if let Some((column, first, second)) = duplicate {
            return Err(FileError::DuplicateColumn {
                path: path.to_string(),
                row,
                canonical: column.header(),
                first: texts[first].trim().to_string(),
                second: texts[second].trim().to_string(),
            });
        }
        Ok(layout)
    }

    /// The unrecognised header nearest to a column (SPEC 2.1: within two edits), the first
    /// in sheet order on a tie.
    fn closest_unrecognised(&self, column: Column) -> Option<&str> {
        self.unrecognised
            .iter()
            .filter_map(|(_, text)| column.distance_from(text).map(|d| (d, text.as_str())))
            .min_by_key(|(distance, _)| *distance)
            .map(|(_, text)| text)
    }

    /// The canonical column an unrecognised header is probably meant to be: the closest one
    /// within two edits, named even when the batch has it too (SPEC 2.1: `Efective Date`
    /// beside `Effective Date` is still most likely a misspelt copy of it).
    pub fn meant(&self, header: &str) -> Option<Column> {
        Column::closest(header).map(|(column, _)| column)
    }

    /// True for a column cpbatch added to a rejected workbook (`Source Row`, `Errors`).
    pub fn is_added(&self, index: usize) -> bool {
        self.added.contains(&index)
    }

    /// The position of a canonical column in the batch, if the batch has it.
    pub fn position(&self, column: Column) -> Option<usize> {
        self.positions[column as usize]
    }

    /// Sort key for a finding's column: the batch's own order, then absent columns in
    /// canonical order, then findings that name no column.
    pub fn order_key(&self, column: Option<Column>) -> (usize, usize) {
        match column {
            Some(c) => match self.position(c) {
                Some(p) => (0, p),
                None => (1, c as usize),
            },
            None => (2, 0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: [&str; 11] = [
        "Action",
        "member_id",
        "Last Name",
        "First Name",
        "DOB",
        "Program",
        "CP ID",
        "Effective Date",
        "Submitter ID",
        "Notes",
        "",
    ];

    #[test]
    fn maps_aliases_and_lists_unrecognised() {
        let layout = Layout::from_headers("b.xlsx", 3, &GOOD).unwrap();
        assert_eq!(layout.position(Column::DateOfBirth), Some(4));
        assert_eq!(layout.position(Column::PlanId), None);
        assert_eq!(layout.unrecognised, vec![(9, "Notes".to_string())]);
    }

    #[test]
    fn f004_lists_every_missing_column() {
        let err = Layout::from_headers("b.xlsx", 1, &["Action", "Member ID"]).unwrap_err();
        assert!(matches!(err, FileError::MissingColumns { ref columns, .. } if columns.len() == 7));
        assert!(
            err.to_string()
                .contains("Last Name, First Name, Date of Birth")
        );
    }

    #[test]
    fn f005_on_two_columns_for_one_header() {
        let mut texts = GOOD.to_vec();
        texts.push("Date of Birth");
        let err = Layout::from_headers("b.xlsx", 1, &texts).unwrap_err();
        assert!(matches!(
            err,
            FileError::DuplicateColumn {
                canonical: "Date of Birth",
                ..
            }
        ));
    }
}
