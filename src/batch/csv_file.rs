//! Reading a delimited text batch (SPEC 2.1: `,`, `;` or tab; UTF-8, UTF-16 with a BOM, or
//! Windows-1252; see [`super::text`]). Every value is text.

use std::path::Path;

use super::raw::CellKind;
use super::text::{self, TextEncoding};
use super::{Assembler, RowCells, limits};
use crate::error::FileError;
use crate::sys::io_reason;

/// Reads the rows into `asm`; returns the encoding the file was in.
pub(crate) fn read(
    path: &Path,
    display: &str,
    asm: &mut Assembler,
) -> Result<TextEncoding, FileError> {
    let unreadable = |reason: String| FileError::Unreadable {
        path: display.to_string(),
        reason,
    };
    let raw = std::fs::read(path).map_err(|e| unreadable(io_reason(&e)))?;
    let (decoded, encoding) = text::decode(&raw).map_err(|why| unreadable(why.into()))?;
    let bytes = decoded.as_bytes();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(text::delimiter(&decoded))
        .from_reader(bytes);
    let mut record = csv::ByteRecord::new();
    let mut cells = RowCells::default();
    // The csv crate skips blank lines; a spreadsheet shows them as rows, so count them.
    let mut number: u64 = 0;
    loop {
        let more = reader.read_byte_record(&mut record).map_err(|e| {
            // The kind only: nothing of the file's text (SPEC 4.1).
            let kind = match e.kind() {
                csv::ErrorKind::Io(_) => "a read error",
                _ => "it is malformed",
            };
            unreadable(format!("CSV record {} cannot be read ({kind})", number + 1))
        })?;
        if !more {
            break;
        }
        let start = record.position().map_or(0, |p| p.byte() as usize);
        // The reader stops after the `\r` of a `\r\n`: its `\n` ends the previous record.
        let start = if start > 0 && bytes.get(start - 1..=start) == Some(b"\r\n") {
            start + 1
        } else {
            start
        };
        number += 1 + blank_lines(bytes.get(start..).unwrap_or_default());
        let row = u32::try_from(number)
            .map_err(|_| unreadable("the file has more than 4,294,967,295 records".into()))?;
        // Excel's limit: a row of more fields would make every rejected row that wide.
        if record.len() > limits::MAX_COLUMNS as usize {
            return Err(unreadable(format!(
                "row {row} has {} fields, more than the {} columns a sheet can have: it is not a batch (is it damaged, or made to exhaust memory?)",
                limits::thousands(record.len() as u64),
                limits::thousands(u64::from(limits::MAX_COLUMNS)),
            )));
        }
        cells.clear();
        for (col, field) in record.iter().enumerate() {
            // A NUL is no character of a text file: the file is UTF-16 or damaged. (In the
            // first bytes it makes the file binary to `sniff`; it must not pass further on.)
            if memchr::memchr(0, field).is_some() {
                return Err(unreadable(format!(
                    "row {row}, column {} has a NUL byte, which no text file has (is it UTF-16 saved without a byte order mark, or damaged? save it as CSV UTF-8)",
                    col + 1
                )));
            }
            // The text is UTF-8 now, and the csv crate splits only at ASCII bytes.
            let text = std::str::from_utf8(field).map_err(|_| {
                unreadable(format!(
                    "row {row}, column {} is not valid text (an internal error)",
                    col + 1
                ))
            })?;
            if !text.is_empty() {
                cells.push(col, CellKind::Text, text);
            }
        }
        asm.push_row(row, cells.iter())?;
    }
    Ok(encoding)
}

/// The number of empty lines at the start of `bytes` (`\n`, `\r\n` or `\r` each end one).
fn blank_lines(bytes: &[u8]) -> u64 {
    let mut count = 0;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\n' => i += 1,
            b'\r' if bytes.get(i + 1) == Some(&b'\n') => i += 2,
            b'\r' => i += 1,
            _ => break,
        }
        count += 1;
    }
    count
}
