//! `cpbatch template --check FILE`: is FILE still the current template?
//!
//! The current template is built in memory, then the same signature is taken from both
//! workbooks: the sheets, the Batch header row, its look (the columns' number formats, the
//! frozen bold header: [`look`]), its drop-down lists (column and source range), every column
//! of the Lists sheet, and the text of the Instructions sheet. The differences are described
//! one per line. Widths are not compared: a submitter's Excel may rewrite them without
//! changing what the template asks for.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{BufReader, Cursor, Read, Seek};
use std::path::Path;

use calamine::{Reader, Xlsx};
use rust_xlsxwriter::column_number_to_name;
use zip::ZipArchive;

use crate::batch::ErrorKind;

use super::look::{self, Look};
use super::package::{self, sqref_columns};
use super::{BATCH_SHEET, INSTRUCTIONS_SHEET, LISTS_SHEET, build};
use crate::error::FileError;
use crate::reference::Reference;

/// How many differing Instructions cells are described before the rest are counted.
const INSTRUCTION_LINES: usize = 5;
/// How many values of a Lists column are named before the rest are counted.
const NAMED_VALUES: usize = 10;

/// The differences between FILE and the current template, one line each; empty when FILE is
/// the current template.
pub fn check(file: &Path, reference: &Reference) -> Result<Vec<String>, FileError> {
    let current = build(reference)
        .map_err(|e| FileError::Usage(format!("cannot build the current template: {e}")))?;
    let expected = Signature::read(|| Ok(Cursor::new(current.as_slice()))).map_err(|reason| {
        FileError::Usage(format!("cannot read the current template: {reason}"))
    })?;
    let unreadable = |reason: String| FileError::Workbook {
        path: file.display().to_string(),
        reason,
    };
    if file.is_dir() {
        return Err(unreadable("it is a directory, not a file".into()));
    }
    let actual = Signature::read(|| File::open(file).map(BufReader::new)).map_err(unreadable)?;
    Ok(differences(&expected, &actual))
}

/// The (kind, formula) pairs of the validations on one column.
type ColumnValidations = BTreeSet<(String, String)>;

/// What `--check` compares of a workbook. A sheet that is missing is `None`.
#[derive(Debug, Default)]
struct Signature {
    sheets: Vec<String>,
    batch_headers: Option<Vec<String>>,
    batch_look: Look,
    /// The validations of the Batch sheet, by 0-based column.
    validations: BTreeMap<u32, ColumnValidations>,
    /// The Lists sheet as columns, each its header then its values.
    lists: Option<Vec<Vec<String>>>,
    /// The Instructions sheet as rows of cell texts.
    instructions: Option<Vec<Vec<String>>>,
}

impl Signature {
    /// Reads a workbook; `open` gives a fresh reader of its bytes (calamine and the zip
    /// reader each take one).
    fn read<R: Read + Seek>(open: impl Fn() -> std::io::Result<R>) -> Result<Signature, String> {
        let io = |e: std::io::Error| crate::sys::io_reason(&e);
        let mut head = Vec::new();
        open()
            .and_then(|file| file.take(4).read_to_end(&mut head))
            .map_err(io)?;
        if head.is_empty() {
            return Err("the file is empty".into());
        }
        if !head.starts_with(b"PK") {
            return Err(
                "not an .xlsx workbook: it is not a zip package (a CSV, .xls or other file?)"
                    .into(),
            );
        }
        let mut book: Xlsx<R> = Xlsx::new(open().map_err(io)?)
            .map_err(|e| format!("not an .xlsx workbook ({})", e.kind()))?;
        let names = book.sheet_names();
        let find = |wanted: &str| {
            names
                .iter()
                .find(|n| *n == wanted)
                .or_else(|| names.iter().find(|n| n.eq_ignore_ascii_case(wanted)))
                .cloned()
        };
        let mut signature = Signature {
            sheets: names.clone(),
            ..Signature::default()
        };
        if let Some(name) = find(BATCH_SHEET) {
            let header = grid(&mut book, &name, Some(1))?;
            signature.batch_headers = Some(header.into_iter().next().unwrap_or_default());
            let mut zip = ZipArchive::new(open().map_err(io)?).map_err(|_| {
                "not an .xlsx workbook (its zip directory is damaged or missing)".to_string()
            })?;
            if let Some(part) = package::sheet_part(&mut zip, &name)? {
                signature.batch_look = Look::read(&mut zip, &part)?;
                for validation in package::validations(&mut zip, &part)? {
                    let formula = normalise_formula(&validation.formula);
                    for column in sqref_columns(&validation.sqref) {
                        signature
                            .validations
                            .entry(column)
                            .or_default()
                            .insert((validation.kind.clone(), formula.clone()));
                    }
                }
            }
        }
        if let Some(name) = find(LISTS_SHEET) {
            signature.lists = Some(transpose(grid(&mut book, &name, None)?));
        }
        if let Some(name) = find(INSTRUCTIONS_SHEET) {
            signature.instructions = Some(grid(&mut book, &name, None)?);
        }
        Ok(signature)
    }
}

/// The cell texts of a sheet from A1, as rows without trailing blanks (at most `max_rows`).
fn grid<R: Read + Seek>(
    book: &mut Xlsx<R>,
    sheet: &str,
    max_rows: Option<u32>,
) -> Result<Vec<Vec<String>>, String> {
    // The kind of error only: calamine's text can quote a cell (SPEC 4.1).
    let unreadable =
        |e: &calamine::XlsxError| format!("sheet {sheet:?} cannot be read ({})", e.kind());
    let mut reader = book
        .worksheet_cells_reader(sheet)
        .map_err(|e| unreadable(&e))?;
    let mut rows: Vec<Vec<String>> = Vec::new();
    while let Some(cell) = reader.next_cell().map_err(|e| unreadable(&e))? {
        let (row, col) = cell.get_position();
        if max_rows.is_some_and(|max| row >= max) {
            break;
        }
        let mut text = String::new();
        crate::batch::workbook::write_cell(cell.get_value(), &mut text);
        if text.is_empty() {
            continue;
        }
        let (row, col) = (row as usize, col as usize);
        if rows.len() <= row {
            rows.resize(row + 1, Vec::new());
        }
        let cells = &mut rows[row];
        if cells.len() <= col {
            cells.resize(col + 1, String::new());
        }
        cells[col] = text;
    }
    Ok(rows)
}

/// Rows to columns, each without trailing blanks.
fn transpose(rows: Vec<Vec<String>>) -> Vec<Vec<String>> {
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    (0..width)
        .map(|col| {
            let mut column: Vec<String> = rows
                .iter()
                .map(|row| row.get(col).cloned().unwrap_or_default())
                .collect();
            while column.last().is_some_and(String::is_empty) {
                column.pop();
            }
            column
        })
        .collect()
}

/// A formula as compared: no leading `=`, the sheet name unquoted (`'Lists'!$A$2` is
/// `Lists!$A$2`). The `$` stay: a list without them would shift from row to row.
fn normalise_formula(formula: &str) -> String {
    let formula = formula.trim();
    let formula = formula.strip_prefix('=').unwrap_or(formula);
    if let Some(rest) = formula.strip_prefix('\'')
        && let Some((sheet, range)) = rest.split_once("'!")
        && !sheet.contains('\'')
    {
        return format!("{sheet}!{range}");
    }
    formula.to_string()
}

fn letter(col: usize) -> String {
    column_number_to_name(col.min(16_383) as u16)
}

/// The differences, in sheet order: Batch headers, Batch drop-downs, Lists, Instructions.
fn differences(expected: &Signature, actual: &Signature) -> Vec<String> {
    let mut out = Vec::new();
    let missing = |sheet: &str| format!("no sheet named {sheet:?}");
    for extra in actual
        .sheets
        .iter()
        .filter(|s| !expected.sheets.contains(s))
    {
        let known = [BATCH_SHEET, LISTS_SHEET, INSTRUCTIONS_SHEET];
        if !known.iter().any(|k| k.eq_ignore_ascii_case(extra)) {
            out.push(format!("an extra sheet named {extra:?}"));
        }
    }
    match (&expected.batch_headers, &actual.batch_headers) {
        (Some(want), Some(have)) => {
            header_differences(want, have, &mut out);
            look::differences(&expected.batch_look, &actual.batch_look, want, &mut out);
            validation_differences(expected, actual, &mut out);
        }
        (Some(_), None) => out.push(missing(BATCH_SHEET)),
        _ => {}
    }
    match (&expected.lists, &actual.lists) {
        (Some(want), Some(have)) => list_differences(want, have, &mut out),
        (Some(_), None) => out.push(missing(LISTS_SHEET)),
        _ => {}
    }
    match (&expected.instructions, &actual.instructions) {
        (Some(want), Some(have)) => instruction_differences(want, have, &mut out),
        (Some(_), None) => out.push(missing(INSTRUCTIONS_SHEET)),
        _ => {}
    }
    out
}

fn header_differences(want: &[String], have: &[String], out: &mut Vec<String>) {
    for col in 0..want.len().max(have.len()) {
        let cell = format!("{BATCH_SHEET}!{}1", letter(col));
        let have = have.get(col).map_or("", String::as_str);
        match want.get(col) {
            Some(want) if have == want => {}
            Some(want) if have.is_empty() => {
                out.push(format!("{cell}: header is blank, expected {want:?}"))
            }
            Some(want) => out.push(format!("{cell}: header is {have:?}, expected {want:?}")),
            None if have.is_empty() => {}
            None => out.push(format!("{cell}: unexpected header {have:?}")),
        }
    }
}

fn validation_differences(expected: &Signature, actual: &Signature, out: &mut Vec<String>) {
    let headers = expected.batch_headers.as_deref().unwrap_or_default();
    let columns: BTreeSet<u32> = expected
        .validations
        .keys()
        .chain(actual.validations.keys())
        .copied()
        .collect();
    let none = ColumnValidations::new();
    for col in columns {
        let label = match headers.get(col as usize) {
            Some(header) => format!("{BATCH_SHEET} column {header:?}"),
            None => format!("{BATCH_SHEET} column {}", letter(col as usize)),
        };
        let want = expected.validations.get(&col).unwrap_or(&none);
        let have = actual.validations.get(&col).unwrap_or(&none);
        if want == have {
            continue;
        }
        // The template's validations are all drop-down lists.
        out.push(match (describe(want), describe(have)) {
            (Some(_), None) => format!("{label}: no drop-down list"),
            (None, Some(have)) => format!("{label}: unexpected {have}"),
            (Some(want), Some(have)) => format!("{label}: {have}, expected {want}"),
            (None, None) => continue,
        });
    }
}

/// `drop-down list Lists!$A$2:$A$4`, or several validations joined with `and`.
fn describe(validations: &ColumnValidations) -> Option<String> {
    let described: Vec<String> = validations
        .iter()
        .map(|(kind, formula)| match kind.as_str() {
            "list" => format!("drop-down list {formula}"),
            "none" => "validation allowing any value".to_string(),
            kind => format!("{kind} validation {formula}"),
        })
        .collect();
    (!described.is_empty()).then(|| described.join(" and "))
}

fn list_differences(want: &[Vec<String>], have: &[Vec<String>], out: &mut Vec<String>) {
    for col in 0..want.len().max(have.len()) {
        let letter = letter(col);
        match (want.get(col), have.get(col)) {
            (Some(want), Some(have)) => {
                let (want_header, want_values) = split_header(want);
                let (have_header, have_values) = split_header(have);
                if want_header != have_header {
                    out.push(format!(
                        "{LISTS_SHEET}!{letter}1: header is {have_header:?}, expected {want_header:?}"
                    ));
                }
                if let Some(difference) = value_difference(want_values, have_values) {
                    out.push(format!(
                        "{LISTS_SHEET}!{letter}: {want_header} values {difference}"
                    ));
                }
            }
            (Some(want), None) => out.push(format!(
                "{LISTS_SHEET}!{letter}: column {:?} is missing",
                split_header(want).0
            )),
            (None, Some(have)) => out.push(format!(
                "{LISTS_SHEET}!{letter}: unexpected column {:?}",
                split_header(have).0
            )),
            (None, None) => {}
        }
    }
}

fn split_header(column: &[String]) -> (&str, &[String]) {
    match column.split_first() {
        Some((header, values)) => (header.as_str(), values),
        None => ("", &[]),
    }
}

/// `differ: missing LTCP09; unexpected LTCP99`, `are in a different order`, or `None`.
fn value_difference(want: &[String], have: &[String]) -> Option<String> {
    if want == have {
        return None;
    }
    let mut counts: BTreeMap<&str, i64> = BTreeMap::new();
    for value in want {
        *counts.entry(value.as_str()).or_default() += 1;
    }
    for value in have {
        *counts.entry(value.as_str()).or_default() -= 1;
    }
    // In the order of the list they belong to, so the message reads like the sheet.
    let pick = |values: &[String], sign: i64| {
        let mut counts = counts.clone();
        let mut picked = Vec::new();
        for value in values {
            if let Some(n) = counts.get_mut(value.as_str())
                && *n * sign > 0
            {
                *n -= sign;
                picked.push(if value.is_empty() {
                    "(blank)".to_string()
                } else {
                    value.clone()
                });
            }
        }
        picked
    };
    let missing = pick(want, 1);
    let unexpected = pick(have, -1);
    if missing.is_empty() && unexpected.is_empty() {
        return Some("are in a different order".to_string());
    }
    let mut parts = Vec::new();
    if !missing.is_empty() {
        parts.push(format!("missing {}", name_some(&missing)));
    }
    if !unexpected.is_empty() {
        parts.push(format!("unexpected {}", name_some(&unexpected)));
    }
    Some(format!("differ: {}", parts.join("; ")))
}

/// The first few values, then how many more.
fn name_some(values: &[String]) -> String {
    let named = values[..values.len().min(NAMED_VALUES)].join(", ");
    match values.len().saturating_sub(NAMED_VALUES) {
        0 => named,
        more => format!("{named} and {more} more"),
    }
}

fn instruction_differences(want: &[Vec<String>], have: &[Vec<String>], out: &mut Vec<String>) {
    let mut differing = Vec::new();
    for row in 0..want.len().max(have.len()) {
        let (want_row, have_row) = (want.get(row), have.get(row));
        let width = want_row
            .map_or(0, Vec::len)
            .max(have_row.map_or(0, Vec::len));
        for col in 0..width {
            let cell = |r: Option<&Vec<String>>| r.and_then(|r| r.get(col)).cloned();
            let (want, have) = (
                cell(want_row).unwrap_or_default(),
                cell(have_row).unwrap_or_default(),
            );
            if want != have {
                differing.push(format!(
                    "{INSTRUCTIONS_SHEET}!{}{}: text is {:?}, expected {:?}",
                    letter(col),
                    row + 1,
                    shorten(&have),
                    shorten(&want)
                ));
            }
        }
    }
    let more = differing.len().saturating_sub(INSTRUCTION_LINES);
    out.extend(differing.into_iter().take(INSTRUCTION_LINES));
    if more > 0 {
        out.push(format!("{INSTRUCTIONS_SHEET}: {more} more cells differ"));
    }
}

fn shorten(text: &str) -> String {
    const MAX: usize = 60;
    match text.char_indices().nth(MAX) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(values: &[&str]) -> Vec<String> {
        values.iter().map(|v| v.to_string()).collect()
    }

    #[test]
    fn formulas_compare_without_equals_or_quotes() {
        assert_eq!(normalise_formula("=Lists!$A$2:$A$4"), "Lists!$A$2:$A$4");
        assert_eq!(normalise_formula("'Lists'!$A$2:$A$4"), "Lists!$A$2:$A$4");
        assert_eq!(normalise_formula("\"Y,N\""), "\"Y,N\"");
    }

    #[test]
    fn list_values_name_what_is_missing_and_unexpected() {
        let want = strings(&["BHCP01", "LTCP09", "LTCP10"]);
        assert_eq!(
            value_difference(&want, &strings(&["BHCP01", "LTCP10", "X"])).as_deref(),
            Some("differ: missing LTCP09; unexpected X")
        );
        assert_eq!(
            value_difference(&want, &strings(&["LTCP10", "BHCP01", "LTCP09"])).as_deref(),
            Some("are in a different order")
        );
        assert_eq!(value_difference(&want, &want), None);
        let many: Vec<String> = (0..12).map(|n| format!("C{n}")).collect();
        assert_eq!(
            value_difference(&many, &[]).as_deref(),
            Some("differ: missing C0, C1, C2, C3, C4, C5, C6, C7, C8, C9 and 2 more")
        );
    }

    #[test]
    fn the_current_template_matches_itself() {
        let reference = Reference::built_in().unwrap();
        let bytes = build(&reference).unwrap();
        let signature = Signature::read(|| Ok(Cursor::new(bytes.as_slice()))).unwrap();
        assert_eq!(signature.batch_headers.as_ref().map(Vec::len), Some(18));
        assert_eq!(signature.validations.len(), 12);
        assert!(differences(&signature, &signature).is_empty());
    }
}
