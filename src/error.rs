//! File-level errors (SPEC 3.1): each stops the run (or, with several batches, refuses that
//! batch). Messages name the file and the problem; they never quote a member's data.

use crate::catalog::Code;

#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("{path}: cannot read the batch file: {reason}")]
    Unreadable { path: String, reason: String },
    #[error("{path}: {reason}")]
    Sheet { path: String, reason: String },
    #[error(
        "{path}: no header row found{}: none of the first 20 non-empty rows has both an Action and a Member ID column header{}",
        in_sheets(sheets),
        header_like(best.as_deref())
    )]
    NoHeader {
        path: String,
        /// The sheets searched, in order (none for delimited text).
        sheets: Vec<String>,
        /// The row with the most recognised headers, when one has any.
        best: Option<Box<HeaderLike>>,
    },
    /// F003 for the roster of `cpbatch watch` (SPEC 7), whose header row needs a Member ID.
    #[error(
        "{path}: no header row found{}: none of the first 20 non-empty rows of the roster has a Member ID column header{}",
        in_sheets(sheets),
        header_like(best.as_deref())
    )]
    NoRosterHeader {
        path: String,
        sheets: Vec<String>,
        best: Option<Box<HeaderLike>>,
    },
    #[error("{path}:{row}: missing required column(s): {}", columns.join(", "))]
    MissingColumns {
        path: String,
        row: u32,
        /// Each missing column, with the unrecognised header closest to it if any.
        columns: Vec<String>,
    },
    #[error("{path}:{row}: columns {first:?} and {second:?} both match the {canonical} column")]
    DuplicateColumn {
        path: String,
        row: u32,
        canonical: &'static str,
        first: String,
        second: String,
    },
    #[error("{path}: cannot use the EVS snapshot: {reason}")]
    Evs { path: String, reason: String },
    #[error("{path}: invalid reference data: {reason}")]
    Reference { path: String, reason: String },
    #[error("{path}: cannot read the workbook: {reason}")]
    Workbook { path: String, reason: String },
    #[error("cannot write {path}: {reason}")]
    Output { path: String, reason: String },
    #[error("{0}")]
    Usage(String),
}

/// The most header-like row of a batch with no header row (SPEC 2.1): quoted in F003 so that
/// the submitter sees what was not recognised. Only a row with a recognised header is kept,
/// so a data row (member data) is never quoted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderLike {
    pub sheet: Option<String>,
    pub row: u32,
    /// Its non-empty cells, each clipped.
    pub cells: Vec<String>,
    /// How many of them are recognised headers.
    pub recognised: usize,
}

fn in_sheets(sheets: &[String]) -> String {
    let quoted: Vec<String> = sheets.iter().map(|s| format!("{s:?}")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => format!(" in sheet {one}"),
        several => format!(" in sheets {}", several.join(", ")),
    }
}

fn header_like(best: Option<&HeaderLike>) -> String {
    match best {
        None => "; no row has any known column header".to_string(),
        Some(best) => {
            let at = match &best.sheet {
                Some(sheet) => format!("row {} of sheet {sheet:?}", best.row),
                None => format!("row {}", best.row),
            };
            let cells: Vec<String> = best.cells.iter().map(|c| format!("{c:?}")).collect();
            format!(
                "; the most header-like row, {at}, has: {}",
                cells.join(", ")
            )
        }
    }
}

impl FileError {
    /// The SPEC code of this error; output failures have none of their own and are usage-level.
    pub fn code(&self) -> Option<Code> {
        Some(match self {
            FileError::Unreadable { .. } | FileError::Workbook { .. } => Code::F001,
            FileError::Sheet { .. } => Code::F002,
            FileError::NoHeader { .. } | FileError::NoRosterHeader { .. } => Code::F003,
            FileError::MissingColumns { .. } => Code::F004,
            FileError::DuplicateColumn { .. } => Code::F005,
            FileError::Evs { .. } => Code::F006,
            FileError::Reference { .. } => Code::F007,
            FileError::Output { .. } | FileError::Usage(_) => return None,
        })
    }

    /// The file the error is about, when it is a batch, snapshot or reference file.
    fn path(&self) -> Option<&str> {
        match self {
            FileError::Unreadable { path, .. }
            | FileError::Sheet { path, .. }
            | FileError::NoHeader { path, .. }
            | FileError::NoRosterHeader { path, .. }
            | FileError::MissingColumns { path, .. }
            | FileError::DuplicateColumn { path, .. }
            | FileError::Evs { path, .. }
            | FileError::Reference { path, .. }
            | FileError::Workbook { path, .. } => Some(path),
            FileError::Output { .. } | FileError::Usage(_) => None,
        }
    }

    /// The message without the file name it begins with, for a line that names the file
    /// already: `no header row found: …`; a header row's number comes last, `(header row 3)`.
    pub fn detail(&self) -> String {
        let text = self.to_string();
        let rest = self.path().and_then(|path| text.strip_prefix(path));
        match rest {
            Some(rest) => match rest.strip_prefix(": ") {
                Some(message) => message.to_string(),
                None => match rest.strip_prefix(':').and_then(|r| r.split_once(": ")) {
                    Some((row, message)) if row.bytes().all(|b| b.is_ascii_digit()) => {
                        format!("{message} (header row {row})")
                    }
                    _ => text,
                },
            },
            None => text,
        }
    }

    /// The message as the console shows it: `F004 error: batch.xlsx:3: missing …`, with
    /// any control character of a file name escaped (SPEC 4.4).
    pub fn display_with_code(&self) -> String {
        let line = match self.code() {
            Some(code) => format!("{code} error: {self}"),
            None => format!("error: {self}"),
        };
        crate::shown::escaped(&line).into_owned()
    }
}
