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
        "{path}: no header row found: none of the first 20 non-empty rows has both an Action and a Member ID column header"
    )]
    NoHeader { path: String },
    #[error("{path}:{row}: missing required column(s): {}", columns.join(", "))]
    MissingColumns {
        path: String,
        row: u32,
        columns: Vec<&'static str>,
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

impl FileError {
    /// The SPEC code of this error; output failures have none of their own and are usage-level.
    pub fn code(&self) -> Option<Code> {
        Some(match self {
            FileError::Unreadable { .. } | FileError::Workbook { .. } => Code::F001,
            FileError::Sheet { .. } => Code::F002,
            FileError::NoHeader { .. } => Code::F003,
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
            | FileError::NoHeader { path }
            | FileError::MissingColumns { path, .. }
            | FileError::DuplicateColumn { path, .. }
            | FileError::Evs { path, .. }
            | FileError::Reference { path, .. }
            | FileError::Workbook { path, .. } => Some(path),
            FileError::Output { .. } | FileError::Usage(_) => None,
        }
    }

    /// The message without the file name it begins with, for a line that names the file
    /// already: `no header row found: …`; a header row's number comes last, `(row 3)`.
    pub fn detail(&self) -> String {
        let text = self.to_string();
        let rest = self.path().and_then(|path| text.strip_prefix(path));
        match rest {
            Some(rest) => match rest.strip_prefix(": ") {
                Some(message) => message.to_string(),
                None => match rest.strip_prefix(':').and_then(|r| r.split_once(": ")) {
                    Some((row, message)) if row.bytes().all(|b| b.is_ascii_digit()) => {
                        format!("{message} (row {row})")
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
