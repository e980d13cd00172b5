//! End-to-end tests of the workbook reports (SPEC 4.2, 3.7 "Finding columns"):
//! `accepted.xlsx`, `transfers.xlsx` and the resubmittable `rejected.xlsx`. Batches are
//! written, the binary is run on them, and the workbooks are read back with calamine (values
//! and types) and, for notes and styles that calamine does not read, as raw XML with the
//! `zip` crate.

use crate::common;

use std::collections::BTreeMap;
use std::path::Path;

use calamine::{Data, Reader, Xlsx, open_workbook};
use common::*;
use tempfile::TempDir;

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

const ERROR_FILL: &str = "FFFFC7CE";

/// The sheet names and the named sheet of a workbook, as rows of cells.
fn read_sheet(path: &Path, sheet: &str) -> (Vec<String>, Vec<Vec<Data>>) {
    let mut workbook: Xlsx<_> =
        open_workbook(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let names = workbook.sheet_names().to_vec();
    let range = workbook
        .worksheet_range(sheet)
        .unwrap_or_else(|e| panic!("{}: sheet {sheet}: {e}", path.display()));
    assert_eq!(
        range.start(),
        Some((0, 0)),
        "{}: the sheet starts at A1",
        path.display()
    );
    let rows = range.rows().map(|r| r.to_vec()).collect();
    (names, rows)
}

/// The header row of a sheet as strings (every header cell must be a string).
fn header_of(rows: &[Vec<Data>]) -> Vec<String> {
    rows[0]
        .iter()
        .map(|c| match c {
            Data::String(s) => s.clone(),
            other => panic!("header cell is not a string: {other:?}"),
        })
        .collect()
}

/// A date cell as `YYYY-MM-DD`, or a panic naming what the cell is instead.
fn date_of(cell: &Data, what: &str) -> String {
    match cell {
        Data::DateTime(dt) => {
            let (y, m, d, h, mi, s, ms) = dt.to_ymd_hms_milli();
            assert_eq!((h, mi, s, ms), (0, 0, 0, 0), "{what}: a date has no time");
            format!("{y:04}-{m:02}-{d:02}")
        }
        other => panic!("{what}: expected a date cell, found {other:?}"),
    }
}

/// A cell's value as the text `rejected.csv` gives it (SPEC 4.2 "original cell text").
fn text_of(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Float(f) => format!("{f}"),
        Data::Int(i) => i.to_string(),
        Data::Bool(true) => "TRUE".into(),
        Data::Bool(false) => "FALSE".into(),
        Data::DateTime(_) => date_of(cell, "cell"),
        other => panic!("unexpected cell {other:?}"),
    }
}

/// A0-style reference of a 0-based (row, column).
fn cell_ref(row: usize, col: usize) -> String {
    let mut letters = String::new();
    let mut n = col + 1;
    while n > 0 {
        let rem = (n - 1) % 26;
        letters.insert(0, (b'A' + rem as u8) as char);
        n = (n - 1) / 26;
    }
    format!("{letters}{}", row + 1)
}

/// The names of the parts of an xlsx package.
fn zip_parts(xlsx: &Path) -> Vec<String> {
    let file = std::fs::File::open(xlsx).expect("open the workbook");
    let mut archive = zip::ZipArchive::new(file)
        .unwrap_or_else(|e| panic!("{} is not a zip: {e}", xlsx.display()));
    (0..archive.len())
        .map(|i| {
            archive
                .by_index(i)
                .expect("a zip entry")
                .name()
                .expect("a UTF-8 entry name")
                .to_string()
        })
        .collect()
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#10;", "\n")
        .replace("&amp;", "&")
}

/// The value of attribute `name` in an element's text.
fn attr<'a>(element: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let start = element.find(&key)? + key.len();
    let len = element[start..].find('"')?;
    Some(&element[start..start + len])
}

/// The text of every `<t>` element in `xml`, concatenated.
fn runs_text(xml: &str) -> String {
    let mut out = String::new();
    let mut rest = xml;
    while let Some(i) = rest.find("<t") {
        let after = &rest[i + 2..];
        if after.starts_with('>') || after.starts_with(' ') {
            let open_end = after.find('>').unwrap() + 1;
            let body = &after[open_end..];
            let close = body.find("</t>").unwrap();
            out.push_str(&unescape(&body[..close]));
            rest = &body[close..];
        } else {
            rest = after;
        }
    }
    out
}

/// A note: its author and its text lines (the author's bold "cpbatch:" prefix removed).
#[derive(Debug, Clone, PartialEq)]
struct NoteText {
    author: String,
    lines: Vec<String>,
}

/// The notes of the (only) sheet of a workbook, by cell reference.
fn notes(xlsx: &Path) -> BTreeMap<String, NoteText> {
    let Some(xml) = zip_part(xlsx, "xl/comments1.xml") else {
        return BTreeMap::new();
    };
    let authors: Vec<String> = xml
        .split("<author>")
        .skip(1)
        .map(|a| unescape(&a[..a.find("</author>").unwrap()]))
        .collect();
    let mut out = BTreeMap::new();
    for comment in xml.split("<comment ").skip(1) {
        let body = &comment[..comment.find("</comment>").unwrap()];
        let reference = attr(&format!(" {body}"), "ref").unwrap().to_string();
        let author_id: usize = attr(&format!(" {body}"), "authorId")
            .unwrap()
            .parse()
            .unwrap();
        let author = authors[author_id].clone();
        let text = runs_text(body);
        let text = text
            .strip_prefix(&format!("{author}:"))
            .unwrap_or(&text)
            .trim_start_matches('\n');
        let lines = text.split('\n').map(String::from).collect();
        let previous = out.insert(reference.clone(), NoteText { author, lines });
        assert!(previous.is_none(), "two notes on {reference}");
    }
    out
}

/// What a cell's style does, as far as the tests care.
#[derive(Debug, Clone, PartialEq)]
struct Style {
    /// The solid fill colour (ARGB), if any.
    fill: Option<String>,
    bold: bool,
    num_format: String,
}

/// The raw XML of the worksheet and the styles of a one-sheet workbook.
struct Parts {
    sheet: String,
    styles: String,
}

impl Parts {
    fn of(xlsx: &Path) -> Parts {
        Parts {
            sheet: zip_part(xlsx, "xl/worksheets/sheet1.xml").expect("sheet1.xml"),
            styles: zip_part(xlsx, "xl/styles.xml").expect("styles.xml"),
        }
    }

    fn section<'a>(&'a self, tag: &str) -> &'a str {
        let open = format!("<{tag}");
        let close = format!("</{tag}>");
        match self.styles.find(&open) {
            Some(start) => {
                let end = self.styles[start..].find(&close).unwrap() + start;
                &self.styles[start..end]
            }
            None => "",
        }
    }

    /// The style of cell `reference` (the default style when the cell has none or is absent).
    fn style(&self, reference: &str) -> Style {
        let key = format!("<c r=\"{reference}\"");
        let xf_index: usize = match self.sheet.find(&key) {
            Some(start) => {
                let element = &self.sheet[start..];
                let element = &element[..element.find('>').unwrap()];
                attr(element, "s").map_or(0, |s| s.parse().unwrap())
            }
            None => 0,
        };
        let xfs: Vec<&str> = self.section("cellXfs").split("<xf ").skip(1).collect();
        let xf = format!(" {}", xfs[xf_index]);
        let fill_id: usize = attr(&xf, "fillId").unwrap_or("0").parse().unwrap();
        let font_id: usize = attr(&xf, "fontId").unwrap_or("0").parse().unwrap();
        let num_fmt_id: usize = attr(&xf, "numFmtId").unwrap_or("0").parse().unwrap();
        let fills: Vec<&str> = self.section("fills").split("<fill>").skip(1).collect();
        let fill = fills[fill_id];
        let fill = if fill.contains("patternType=\"solid\"") {
            attr(
                &format!(" {}", &fill[fill.find("<fgColor").unwrap()..]),
                "rgb",
            )
            .map(String::from)
        } else {
            None
        };
        let fonts: Vec<&str> = self.section("fonts").split("<font>").skip(1).collect();
        let bold = fonts[font_id].contains("<b/>");
        let num_format = match num_fmt_id {
            0 => "General".to_string(),
            14 => "m/d/yyyy".to_string(),
            49 => "@".to_string(),
            id => self
                .section("numFmts")
                .split("<numFmt ")
                .skip(1)
                .map(|e| format!(" {e}"))
                .find(|e| attr(e, "numFmtId") == Some(&id.to_string()))
                .and_then(|e| attr(&e, "formatCode").map(unescape))
                .unwrap_or_else(|| format!("builtin {id}")),
        };
        Style {
            fill,
            bold,
            num_format,
        }
    }
}

/// The report files in a directory (hidden files too), sorted.
fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A valid TRANSFER row (BHCP01 -> BHCP02), submitted by MassHealth.
fn transfer_row(member_id: &str) -> BTreeMap<&'static str, String> {
    row_with(&[
        ("Action", "TRANSFER"),
        ("Member ID", member_id),
        ("CP ID", "BHCP02"),
        ("From CP ID", "BHCP01"),
        ("Reason Code", "MEMBER_CHOICE"),
        ("Submitter ID", "MASSHEALTH"),
    ])
}

/// Checks a report workbook (accepted or transfers) against its CSV twin: same headers,
/// same rows, and the right cell types: source_row a number, member_id a 12-digit string,
/// dates date cells, everything else text (blank = empty cell).
fn assert_table_matches_csv(xlsx: &Path, sheet: &str, csv: &Path) {
    let (names, rows) = read_sheet(xlsx, sheet);
    assert_eq!(names, vec![sheet.to_string()], "{}", xlsx.display());
    let (csv_headers, csv_rows) = read_report(csv);
    assert_eq!(header_of(&rows), csv_headers, "{}: headers", xlsx.display());
    assert_eq!(rows.len() - 1, csv_rows.len(), "{}: rows", xlsx.display());
    for (r, (cells, expected)) in rows[1..].iter().zip(&csv_rows).enumerate() {
        for ((header, cell), want) in csv_headers.iter().zip(cells).zip(expected) {
            let what = format!("{} row {} {header}", xlsx.display(), r + 2);
            match header.as_str() {
                "source_row" => match cell {
                    Data::Float(f) => assert_eq!(*f, want.parse::<f64>().unwrap(), "{what}"),
                    Data::Int(i) => assert_eq!(i.to_string(), *want, "{what}"),
                    other => panic!("{what}: expected a number, found {other:?}"),
                },
                "member_id" => {
                    assert_eq!(*cell, Data::String(want.clone()), "{what}");
                    assert!(
                        want.len() == 12 && want.bytes().all(|b| b.is_ascii_digit()),
                        "{what}: {want}"
                    );
                }
                "date_of_birth" | "effective_date" => {
                    assert_eq!(date_of(cell, &what), *want, "{what}")
                }
                _ if want.is_empty() => assert_eq!(*cell, Data::Empty, "{what}"),
                _ => assert_eq!(*cell, Data::String(want.clone()), "{what}"),
            }
        }
    }
}

/// Checks the report formatting of a table workbook: bold header, frozen first row,
/// autofilter over the whole table, member_id cells as text, date cells as dates.
fn assert_table_formatting(xlsx: &Path, sheet: &str) {
    let (_, rows) = read_sheet(xlsx, sheet);
    let headers = header_of(&rows);
    let parts = Parts::of(xlsx);
    for (col, header) in headers.iter().enumerate() {
        assert!(
            parts.style(&cell_ref(0, col)).bold,
            "{}: header {header} is bold",
            xlsx.display(),
        );
    }
    assert!(
        parts.sheet.contains("ySplit=\"1\"") && parts.sheet.contains("state=\"frozen\""),
        "{}: the header row is frozen",
        xlsx.display()
    );
    let last = cell_ref(rows.len() - 1, headers.len() - 1);
    assert!(
        parts
            .sheet
            .contains(&format!("<autoFilter ref=\"A1:{last}\"/>")),
        "{}: autofilter over A1:{last}",
        xlsx.display()
    );
    for r in 1..rows.len() {
        for (col, header) in headers.iter().enumerate() {
            let style = parts.style(&cell_ref(r, col));
            match header.as_str() {
                "member_id" => assert_eq!(style.num_format, "@", "{header} is text"),
                "date_of_birth" | "effective_date" => {
                    assert_eq!(style.num_format, "yyyy-mm-dd", "{header} is a date")
                }
                _ => {}
            }
            assert_eq!(
                style.fill,
                None,
                "{}: no data cell is filled",
                xlsx.display()
            );
        }
    }
}

/// The findings of a run as (source_row, column, code, severity, message).
fn all_findings(out: &Path) -> Vec<Vec<String>> {
    read_report(&out.join("findings.csv")).1
}

/// Checks `rejected.xlsx` against the run's CSV reports: header = the batch's headers +
/// Errors; one row per rejected row in rejected.csv order, values equal to the original
/// cell text; every error finding whose column is in the batch is a note line on that cell,
/// with the cell filled; the others are note lines on the Errors cell, then filled; the
/// Errors cell holds every error line; nothing else is noted or filled.
/// `position` gives the batch column (0-based) of a canonical header.
fn assert_rejected_marks(out: &Path, position: &dyn Fn(&str) -> Option<usize>) {
    let xlsx = out.join("rejected.xlsx");
    let (names, rows) = read_sheet(&xlsx, "Rejected");
    assert_eq!(names, vec!["Rejected".to_string(), "Lists".to_string()]);
    let (csv_headers, csv_rows) = read_report(&out.join("rejected.csv"));
    let headers = header_of(&rows);
    // rejected.csv: source_row, the batch's columns, error_codes, errors.
    let batch_headers = &csv_headers[1..csv_headers.len() - 2];
    let mut expected_headers = batch_headers.to_vec();
    expected_headers.push("Source Row".into());
    expected_headers.push("Errors".into());
    assert_eq!(headers, expected_headers, "rejected.xlsx headers");
    // The batch's own columns, then Source Row (at `width`), then Errors.
    let width = batch_headers.len();
    let errors_at = width + 1;
    assert_eq!(rows.len() - 1, csv_rows.len(), "one row per rejected row");

    let findings = all_findings(out);
    let parts = Parts::of(&xlsx);
    let mut expected_notes: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (n, (cells, csv_row)) in rows[1..].iter().zip(&csv_rows).enumerate() {
        let r = n + 1;
        let source_row = &csv_row[0];
        // Values as submitted.
        for col in 0..width {
            assert_eq!(
                text_of(&cells[col]),
                csv_row[col + 1],
                "row {source_row} column {}: value as submitted",
                headers[col]
            );
        }
        let errors: Vec<&Vec<String>> = findings
            .iter()
            .filter(|f| f[0] == *source_row && f[3] == "error")
            .collect();
        assert!(!errors.is_empty(), "row {source_row} is rejected");
        let mut row_level = Vec::new();
        let mut all = Vec::new();
        for f in errors {
            let line = format!("{}: {}", f[2], f[4]);
            all.push(line.clone());
            match position(&f[1]) {
                Some(col) => expected_notes
                    .entry(cell_ref(r, col))
                    .or_default()
                    .push(line),
                None => row_level.push(line),
            }
        }
        assert_eq!(
            text_of(&cells[width]),
            *source_row,
            "row {source_row}: the Source Row cell"
        );
        assert_eq!(
            cells[errors_at],
            Data::String(all.join("\n")),
            "row {source_row}: the Errors cell holds every error"
        );
        if !row_level.is_empty() {
            expected_notes.insert(cell_ref(r, errors_at), row_level);
        }
        for (col, header) in headers.iter().enumerate() {
            let reference = cell_ref(r, col);
            let fill = parts.style(&reference).fill;
            if expected_notes.contains_key(&reference) {
                assert_eq!(
                    fill.as_deref(),
                    Some(ERROR_FILL),
                    "row {source_row}: {reference} ({header}) is marked"
                );
            } else {
                assert_eq!(
                    fill, None,
                    "row {source_row}: {reference} ({header}) is not marked"
                );
            }
        }
    }
    let actual = notes(&xlsx);
    let actual_lines: BTreeMap<String, Vec<String>> = actual
        .iter()
        .map(|(k, v)| (k.clone(), v.lines.clone()))
        .collect();
    assert_eq!(actual_lines, expected_notes, "rejected.xlsx notes");
    for (reference, note) in &actual {
        assert_eq!(note.author, "cpbatch", "author of the note on {reference}");
    }
    // The header row is bold and frozen, with an autofilter.
    for col in 0..=errors_at {
        assert!(parts.style(&cell_ref(0, col)).bold, "header is bold");
    }
    assert!(parts.sheet.contains("state=\"frozen\""));
    assert!(parts.sheet.contains(&format!(
        "<autoFilter ref=\"A1:{}\"/>",
        cell_ref(rows.len() - 1, errors_at)
    )));
}

/// Position of a canonical header in the canonical template layout.
fn canonical_position(header: &str) -> Option<usize> {
    HEADERS.iter().position(|h| *h == header)
}

// ---------------------------------------------------------------------------------------
// accepted.xlsx and transfers.xlsx
// ---------------------------------------------------------------------------------------

#[test]
fn accepted_and_transfers_workbooks_match_the_csvs_with_typed_cells() {
    let dir = TempDir::new().unwrap();
    let batch = dir.path().join("batch.csv");
    let rows = vec![
        good_row(),
        transfer_row("012345678901"),
        row_with(&[("Member ID", "12345")]),
        row_with(&[("Member ID", "000000000042"), ("Reason Code", "")]),
    ];
    write_csv(&batch, &rows);
    let out = dir.path().join("out");
    let run = run_ok(&batch, &out, &[]);
    assert_eq!(run.status, 1, "{}", run.stdout);
    assert_conserved(&out, rows.len());

    let accepted = out.join("accepted.xlsx");
    assert_table_matches_csv(&accepted, "Accepted", &out.join("accepted.csv"));
    assert_table_formatting(&accepted, "Accepted");
    let (_, cells) = read_sheet(&accepted, "Accepted");
    assert_eq!(cells.len(), 4, "three accepted rows");
    let headers = header_of(&cells);
    let col = |h: &str| headers.iter().position(|x| x == h).unwrap();
    assert_eq!(cells[1][col("source_row")], Data::Float(2.0));
    assert_eq!(
        cells[1][col("member_id")],
        Data::String("100000000001".into())
    );
    assert_eq!(
        date_of(&cells[1][col("date_of_birth")], "dob"),
        "1980-04-02"
    );
    assert_eq!(
        date_of(&cells[1][col("effective_date")], "eff"),
        "2026-12-01"
    );
    assert_eq!(cells[2][col("source_row")], Data::Float(3.0));
    assert_eq!(
        cells[2][col("member_id")],
        Data::String("012345678901".into()),
        "leading zero kept"
    );
    assert_eq!(cells[2][col("action")], Data::String("TRANSFER".into()));
    assert_eq!(
        cells[3][col("member_id")],
        Data::String("000000000042".into())
    );
    assert_eq!(cells[3][col("reason_code")], Data::Empty);

    let transfers = out.join("transfers.xlsx");
    assert_table_matches_csv(&transfers, "Transfers", &out.join("transfers.csv"));
    assert_table_formatting(&transfers, "Transfers");
    let (_, cells) = read_sheet(&transfers, "Transfers");
    assert_eq!(cells.len(), 2, "one accepted transfer");
    let headers = header_of(&cells);
    assert_eq!(
        headers,
        [
            "source_row",
            "member_id",
            "last_name",
            "first_name",
            "cp_program",
            "from_cp_id",
            "to_cp_id",
            "plan_id",
            "effective_date",
            "reason_code"
        ]
    );
    let row = &cells[1];
    assert_eq!(row[0], Data::Float(3.0));
    assert_eq!(row[1], Data::String("012345678901".into()));
    assert_eq!(row[5], Data::String("BHCP01".into()));
    assert_eq!(row[6], Data::String("BHCP02".into()));
    assert_eq!(date_of(&row[8], "effective_date"), "2026-12-01");
    assert_eq!(row[9], Data::String("MEMBER_CHOICE".into()));
}

#[test]
fn accepted_workbook_from_typed_batch_cells() {
    // A workbook batch with a numeric Member ID that lost its leading zero (W002), real
    // date cells, a boolean Medicare and a numeric ZIP.
    let dir = TempDir::new().unwrap();
    let batch = dir.path().join("batch.xlsx");
    let pos = |h: &str| canonical_position(h).unwrap();
    let mut rows = text_rows(&[good_row(), transfer_row("100000000009")]);
    rows[1][pos("Member ID")] = Cell::Number(12345678901.0);
    rows[1][pos("Date of Birth")] = Cell::Date(1980, 4, 2);
    rows[1][pos("Effective Date")] = Cell::Date(2026, 12, 1);
    rows[1][pos("Medicare")] = Cell::Bool(false);
    rows[1][pos("ZIP Code")] = Cell::Number(2118.0);
    rows[2][pos("Effective Date")] = Cell::Number(46357.0); // 2026-12-01 as a serial
    write_xlsx(&batch, &[("Batch", rows)]);
    let out = dir.path().join("out");
    let run = run_ok(&batch, &out, &[]);
    assert_eq!(run.status, 0, "{}", run.stdout);

    let accepted = out.join("accepted.xlsx");
    assert_table_matches_csv(&accepted, "Accepted", &out.join("accepted.csv"));
    assert_table_formatting(&accepted, "Accepted");
    let (_, cells) = read_sheet(&accepted, "Accepted");
    let headers = header_of(&cells);
    let col = |h: &str| headers.iter().position(|x| x == h).unwrap();
    assert_eq!(
        cells[1][col("member_id")],
        Data::String("012345678901".into())
    );
    assert_eq!(cells[1][col("warnings")], Data::String("W002".into()));
    assert_eq!(
        date_of(&cells[2][col("effective_date")], "serial date"),
        "2026-12-01"
    );
    assert_table_matches_csv(
        &out.join("transfers.xlsx"),
        "Transfers",
        &out.join("transfers.csv"),
    );
}

#[test]
fn reports_of_a_batch_with_no_accepted_rows_have_only_headers() {
    let dir = TempDir::new().unwrap();
    let batch = dir.path().join("batch.csv");
    write_csv(&batch, &[row_with(&[("Member ID", "1")])]);
    let out = dir.path().join("out");
    assert_eq!(run_ok(&batch, &out, &[]).status, 1);
    for (file, sheet) in [("accepted", "Accepted"), ("transfers", "Transfers")] {
        let xlsx = out.join(format!("{file}.xlsx"));
        let (_, rows) = read_sheet(&xlsx, sheet);
        assert_eq!(rows.len(), 1, "{file}.xlsx has only its header");
        assert_eq!(
            header_of(&rows),
            read_report(&out.join(format!("{file}.csv"))).0
        );
        assert_table_formatting(&xlsx, sheet);
    }
}

#[test]
fn a_batch_with_no_data_rows_gets_empty_workbooks() {
    let dir = TempDir::new().unwrap();
    let batch = dir.path().join("batch.csv");
    write_csv(&batch, &[]);
    let out = dir.path().join("out");
    assert_eq!(run_ok(&batch, &out, &[]).status, 0);
    let (_, rows) = read_sheet(&out.join("rejected.xlsx"), "Rejected");
    let mut expected: Vec<String> = HEADERS.iter().map(|h| h.to_string()).collect();
    expected.push("Source Row".into());
    expected.push("Errors".into());
    assert_eq!(rows.len(), 1);
    assert_eq!(header_of(&rows), expected);
    assert!(notes(&out.join("rejected.xlsx")).is_empty());
    for (file, sheet) in [("accepted", "Accepted"), ("transfers", "Transfers")] {
        let (_, rows) = read_sheet(&out.join(format!("{file}.xlsx")), sheet);
        assert_eq!(rows.len(), 1, "{file}.xlsx");
    }
}

// ---------------------------------------------------------------------------------------
// rejected.xlsx
// ---------------------------------------------------------------------------------------

#[test]
fn rejected_workbook_is_the_batch_as_submitted_with_marked_cells() {
    // A workbook batch with a title row, aliased headers in their own order, an extra
    // unrecognised column, and typed cells.
    let dir = TempDir::new().unwrap();
    let batch = dir.path().join("batch.xlsx");
    let layout: Vec<(&str, &str)> = vec![
        ("Notes", ""),
        ("Action", "Action"),
        ("MassHealth ID", "Member ID"),
        ("Last Name", "Last Name"),
        ("First Name", "First Name"),
        ("DOB", "Date of Birth"),
        ("CP Program", "CP Program"),
        ("CP ID", "CP ID"),
        ("From CP ID", "From CP ID"),
        ("Plan ID", "Plan ID"),
        ("Coverage Type", "Coverage Type"),
        ("Medicare", "Medicare"),
        ("Other Insurance", "Other Insurance"),
        ("Nursing Facility", "Nursing Facility"),
        ("DMH Affiliation", "DMH Affiliation"),
        ("ZIP", "ZIP Code"),
        ("Effective Date", "Effective Date"),
        ("Reason Code", "Reason Code"),
        ("Submitter ID", "Submitter ID"),
    ];
    let position = |canonical: &str| layout.iter().position(|(_, c)| *c == canonical);
    let make = |row: BTreeMap<&'static str, String>, overrides: Vec<(&str, Cell)>| {
        let mut cells: Vec<Cell> = layout
            .iter()
            .map(
                |(_, canonical)| match row.get(canonical).map(String::as_str) {
                    None | Some("") => Cell::Blank,
                    Some(v) => t(v),
                },
            )
            .collect();
        cells[position("Date of Birth").unwrap()] = Cell::Date(1980, 4, 2);
        cells[position("Effective Date").unwrap()] = Cell::Date(2026, 12, 1);
        cells[position("Medicare").unwrap()] = Cell::Bool(false);
        cells[position("ZIP Code").unwrap()] = Cell::Number(2118.0);
        for (canonical, cell) in overrides {
            let col = if canonical == "Notes" {
                0
            } else {
                position(canonical).unwrap()
            };
            cells[col] = cell;
        }
        cells
    };
    let sheet = vec![
        vec![t("Community Partners batch — test")],
        layout.iter().map(|(h, _)| t(h)).collect(),
        // 3: invalid Member ID; a number in the extra column.
        make(
            row_with(&[("Member ID", "12345")]),
            vec![("Notes", Cell::Number(12.5))],
        ),
        // 4: accepted (numeric Member ID).
        make(
            good_row(),
            vec![("Member ID", Cell::Number(100000000004.0))],
        ),
        // 5: two-digit-year DOB (text) and an unknown CP.
        make(
            row_with(&[("Member ID", "100000000005"), ("CP ID", "ZZCP99")]),
            vec![("Date of Birth", t("04/02/80"))],
        ),
        // 6: blank Last Name; a numeric Member ID stays text, not 1.00000000006E11.
        make(
            row_with(&[("Last Name", "")]),
            vec![
                ("Member ID", Cell::Number(100000000006.0)),
                ("Notes", t("call back")),
            ],
        ),
        // 7: a TRANSFER to the CP the member leaves.
        make(
            row_with(&[
                ("Action", "TRANSFER"),
                ("Member ID", "100000000007"),
                ("From CP ID", "BHCP01"),
                ("Reason Code", "MEMBER_CHOICE"),
                ("Submitter ID", "MASSHEALTH"),
            ]),
            vec![("Medicare", Cell::Bool(true))],
        ),
    ];
    write_xlsx(&batch, &[("Batch", sheet)]);
    let out = dir.path().join("out");
    let run = run_ok(&batch, &out, &[]);
    assert_eq!(run.status, 1, "{}", run.stdout);

    assert_rejected_marks(&out, &position);

    let xlsx = out.join("rejected.xlsx");
    let (_, rows) = read_sheet(&xlsx, "Rejected");
    let mut headers: Vec<String> = layout.iter().map(|(h, _)| h.to_string()).collect();
    headers.push("Source Row".into());
    headers.push("Errors".into());
    assert_eq!(
        header_of(&rows),
        headers,
        "the batch's own headers, then Source Row and Errors"
    );
    assert_eq!(rows.len(), 5, "four rejected rows, no source_row column");
    let col = |canonical: &str| position(canonical).unwrap();
    // Row 3 of the batch (xlsx row 2).
    let r = &rows[1];
    assert_eq!(r[0], Data::Float(12.5), "a number stays a number");
    assert_eq!(r[col("Member ID")], Data::String("12345".into()));
    assert_eq!(date_of(&r[col("Date of Birth")], "DOB"), "1980-04-02");
    assert_eq!(date_of(&r[col("Effective Date")], "eff"), "2026-12-01");
    assert_eq!(
        r[col("Medicare")],
        Data::Bool(false),
        "a boolean stays a boolean"
    );
    assert_eq!(
        r[col("ZIP Code")],
        Data::String("2118".into()),
        "ZIP as text"
    );
    assert_eq!(r[col("From CP ID")], Data::Empty);
    // Row 5: the text date stays the text typed.
    let r = &rows[2];
    assert_eq!(r[col("Date of Birth")], Data::String("04/02/80".into()));
    assert_eq!(r[col("CP ID")], Data::String("ZZCP99".into()));
    // Row 6: numeric Member ID written as its digits, as text; blank Last Name stays blank.
    let r = &rows[3];
    assert_eq!(r[col("Member ID")], Data::String("100000000006".into()));
    assert_eq!(r[col("Last Name")], Data::Empty);
    assert_eq!(r[0], Data::String("call back".into()));
    let r = &rows[4];
    assert_eq!(r[col("Medicare")], Data::Bool(true));

    // The notes name the cells: Member ID is column C, DOB F, CP ID H, Last Name D,
    // From CP ID I.
    let notes = notes(&xlsx);
    let has = |reference: &str, code: &str| {
        notes.get(reference).is_some_and(|n| {
            n.author == "cpbatch" && n.lines.iter().any(|l| l.starts_with(&format!("{code}: ")))
        })
    };
    assert!(has("C2", "S003"), "{notes:?}");
    assert!(
        notes["C2"].lines[0].contains("\"12345\""),
        "the message names the value"
    );
    assert!(has("F3", "S004"), "{notes:?}");
    assert!(has("H3", "C001"), "{notes:?}");
    assert!(has("D4", "S001"), "{notes:?}");
    assert!(has("I5", "C004"), "{notes:?}");
    let parts = Parts::of(&xlsx);
    for reference in ["C2", "F3", "H3", "D4", "I5"] {
        assert_eq!(
            parts.style(reference).fill.as_deref(),
            Some(ERROR_FILL),
            "{reference}"
        );
    }
    // Member ID and ZIP cells are text-formatted (so a fix keeps leading zeros), dates
    // date-formatted, marked or not.
    for r in 1..rows.len() {
        assert_eq!(
            parts.style(&cell_ref(r, col("Member ID"))).num_format,
            "@",
            "row {r}"
        );
        assert_eq!(
            parts.style(&cell_ref(r, col("ZIP Code"))).num_format,
            "@",
            "row {r}"
        );
    }
    for header in ["Effective Date", "Date of Birth"] {
        let reference = cell_ref(1, col(header));
        assert_eq!(parts.style(&reference).num_format, "yyyy-mm-dd", "{header}");
    }
    assert!(
        parts.styles.contains(ERROR_FILL),
        "styles.xml has the error fill"
    );
}

#[test]
fn errors_on_columns_the_batch_lacks_mark_the_errors_cell() {
    // No From CP ID column: a TRANSFER row gets S001 [From CP ID], which can only go on the
    // Errors cell. No Coverage Type etc. either, so W005 warnings (never in Errors).
    let headers = [
        "Action",
        "Member ID",
        "Last Name",
        "First Name",
        "Date of Birth",
        "CP Program",
        "CP ID",
        "Plan ID",
        "ZIP Code",
        "Effective Date",
        "Reason Code",
        "Submitter ID",
    ];
    let rows = [
        transfer_row("100000000001"),
        row_with(&[("Member ID", "12345")]),
        transfer_row("1234"),
    ];
    let dir = TempDir::new().unwrap();
    let batch = dir.path().join("batch.csv");
    let mut writer = csv::Writer::from_path(&batch).unwrap();
    writer.write_record(headers).unwrap();
    for row in &rows {
        writer
            .write_record(headers.iter().map(|h| row[h].as_str()))
            .unwrap();
    }
    writer.flush().unwrap();
    let out = dir.path().join("out");
    let run = run_ok(&batch, &out, &[]);
    assert_eq!(run.status, 1, "{}", run.stdout);
    assert!(run.stdout.contains("W005"), "{}", run.stdout);

    let position = |canonical: &str| headers.iter().position(|h| *h == canonical);
    assert_rejected_marks(&out, &position);

    let xlsx = out.join("rejected.xlsx");
    let (_, sheet) = read_sheet(&xlsx, "Rejected");
    assert_eq!(sheet.len(), 4);
    // The batch's columns (A to L), Source Row (M), Errors (N).
    let errors_col = headers.len() + 1;
    let notes = notes(&xlsx);
    let parts = Parts::of(&xlsx);
    // Row 2: only the missing column's error -> the Errors cell (N2) is marked.
    let n2 = &notes["N2"];
    assert_eq!(n2.author, "cpbatch");
    assert_eq!(n2.lines.len(), 1);
    assert!(n2.lines[0].starts_with("S001: From CP ID"), "{n2:?}");
    assert_eq!(parts.style("N2").fill.as_deref(), Some(ERROR_FILL));
    // Row 3: its error is on Member ID, so the Errors cell is plain (no W005 in it).
    assert!(!notes.contains_key("N3"));
    assert_eq!(parts.style("N3").fill, None);
    assert!(notes["B3"].lines[0].starts_with("S003: "));
    for row in &sheet[1..] {
        let text = text_of(&row[errors_col]);
        assert!(!text.contains("W005"), "warnings are not errors: {text}");
    }
    // Row 4: both — Member ID marked, and the Errors cell marked with only S001 in its note,
    // while its text holds both errors.
    assert!(notes["B4"].lines[0].starts_with("S003: "));
    assert_eq!(notes["N4"].lines.len(), 1);
    assert!(notes["N4"].lines[0].starts_with("S001: From CP ID"));
    let text = text_of(&sheet[3][errors_col]);
    assert_eq!(text.lines().count(), 2, "{text}");
}

#[test]
fn a_cell_with_several_errors_has_one_note_with_every_line() {
    // An unknown CP ID that is also the From CP ID of a TRANSFER: C001 on CP ID and
    // C001 on From CP ID (and C004 on From CP ID): one note with both From CP ID lines.
    let rows = [row_with(&[
        ("Action", "TRANSFER"),
        ("CP ID", "ZZCP99"),
        ("From CP ID", "ZZCP99"),
        ("Reason Code", "MEMBER_CHOICE"),
        ("Submitter ID", "MASSHEALTH"),
    ])];
    let dir = TempDir::new().unwrap();
    let batch = dir.path().join("batch.csv");
    write_csv(&batch, &rows);
    let out = dir.path().join("out");
    assert_eq!(run_ok(&batch, &out, &[]).status, 1);
    assert_rejected_marks(&out, &canonical_position);
    // Whatever the codes, every error on From CP ID is a line of the one note on H2.
    let from_errors = all_findings(&out)
        .into_iter()
        .filter(|f| f[1] == "From CP ID" && f[3] == "error")
        .count();
    let notes = notes(&out.join("rejected.xlsx"));
    assert_eq!(notes["H2"].lines.len(), from_errors, "{notes:?}");
    assert!(from_errors >= 2, "C001 and C004 on From CP ID");
}

/// Rows with several errors are as tall as their Errors cell, for spreadsheet programs that do
/// not size rows themselves; every report prints landscape, one page wide, header repeated.
#[test]
fn rejected_rows_are_tall_enough_and_reports_print_one_page_wide() {
    let rows = [
        row_with(&[("Last Name", "")]),
        row_with(&[("Last Name", ""), ("First Name", ""), ("ZIP Code", "ABCDE")]),
        good_row(),
    ];
    let dir = TempDir::new().unwrap();
    let batch = dir.path().join("batch.csv");
    write_csv(&batch, &rows);
    let out = dir.path().join("out");
    assert_eq!(run_ok(&batch, &out, &[]).status, 1);
    let sheet = zip_part(&out.join("rejected.xlsx"), "xl/worksheets/sheet1.xml").unwrap();
    let row_element = |r: usize| {
        let start = sheet.find(&format!("<row r=\"{r}\"")).unwrap();
        sheet[start..start + sheet[start..].find('>').unwrap()].to_string()
    };
    let errors_on = |row: &str| {
        all_findings(&out)
            .into_iter()
            .filter(|f| f[0] == row && f[3] == "error")
            .count()
    };
    assert_eq!(errors_on("2"), 1);
    assert_eq!(
        attr(&row_element(2), "ht"),
        None,
        "one error: default height"
    );
    let errors = errors_on("3");
    assert!(errors >= 3, "three bad cells on row 3");
    let height: f64 = attr(&row_element(3), "ht").unwrap().parse().unwrap();
    assert!(
        height >= 15.0 * errors as f64,
        "{height} for {errors} lines"
    );
    for report in ["accepted.xlsx", "rejected.xlsx", "transfers.xlsx"] {
        let sheet = zip_part(&out.join(report), "xl/worksheets/sheet1.xml").unwrap();
        assert!(sheet.contains(r#"orientation="landscape""#), "{report}");
        assert!(sheet.contains(r#"fitToHeight="0""#), "{report}");
        let workbook = zip_part(&out.join(report), "xl/workbook.xml").unwrap();
        assert!(workbook.contains("_xlnm.Print_Titles"), "{report}");
    }
}

/// Notes cost memory until a workbook is saved: only the first 5,000 rejected rows carry
/// them; every bad cell after those is still filled, every message still in Errors.
#[test]
fn notes_stop_after_five_thousand_rows_but_fills_and_errors_go_on() {
    const ROWS: usize = 5_003;
    let rows: Vec<_> = (0..ROWS)
        .map(|n| row_with(&[("Member ID", &format!("1{n:011}")), ("Last Name", "")]))
        .collect();
    let dir = TempDir::new().unwrap();
    let batch = dir.path().join("batch.csv");
    write_csv(&batch, &rows);
    let out = dir.path().join("out");
    assert_eq!(run_ok(&batch, &out, &["--format", "xlsx"]).status, 1);
    let rejected = out.join("rejected.xlsx");
    let notes = notes(&rejected);
    let last_name = canonical_position("Last Name").unwrap();
    assert_eq!(notes.len(), 5_000, "one note a row, on Last Name");
    assert!(notes.contains_key(&cell_ref(5_000, last_name)));
    assert!(!notes.contains_key(&cell_ref(5_001, last_name)));
    let (_, sheet) = read_sheet(&rejected, "Rejected");
    assert_eq!(sheet.len(), ROWS + 1);
    let errors = text_of(sheet[ROWS].last().unwrap());
    assert!(errors.starts_with("S001"), "{errors}");
    let xml = zip_part(&rejected, "xl/worksheets/sheet1.xml").unwrap();
    let style_of = |row: usize| {
        let cell = &xml[xml
            .find(&format!("r=\"{}\"", cell_ref(row, last_name)))
            .unwrap()..];
        attr(&cell[..cell.find('>').unwrap()], "s").map(str::to_string)
    };
    assert!(style_of(1).is_some());
    assert_eq!(
        style_of(ROWS),
        style_of(1),
        "the last bad cell is filled like the first"
    );
}

// ---------------------------------------------------------------------------------------
// The resubmission round trip
// ---------------------------------------------------------------------------------------

/// Reads rejected.xlsx, drops the Errors column, replaces every noted cell with a good
/// value, and writes the result as a new batch workbook.
fn fix_rejected(rejected: &Path, fixed: &Path, typed: bool) -> usize {
    let (_, rows) = read_sheet(rejected, "Rejected");
    let headers = header_of(&rows);
    let errors_col = headers.len() - 1;
    assert_eq!(headers[errors_col], "Errors");
    let notes = notes(rejected);
    assert!(!notes.is_empty());
    let good = good_row();
    let mut next_id = 200000000000u64;
    let mut out: Vec<Vec<Cell>> = vec![headers[..errors_col].iter().map(|h| t(h)).collect()];
    for (r, row) in rows.iter().enumerate().skip(1) {
        assert!(
            !notes.contains_key(&cell_ref(r, errors_col)),
            "every error of this batch names a cell"
        );
        let mut cells = Vec::new();
        for (c, cell) in row[..errors_col].iter().enumerate() {
            let header = headers[c].as_str();
            let new = if notes.contains_key(&cell_ref(r, c)) {
                let value = match header {
                    "Member ID" => {
                        next_id += 1;
                        next_id.to_string()
                    }
                    "From CP ID" => "BHCP01".to_string(),
                    other => good
                        .get(other)
                        .unwrap_or_else(|| panic!("no good value for {other}"))
                        .clone(),
                };
                t(&value)
            } else if typed {
                match cell {
                    Data::Empty => Cell::Blank,
                    Data::String(s) => t(s),
                    Data::Float(f) => Cell::Number(*f),
                    Data::Bool(b) => Cell::Bool(*b),
                    Data::DateTime(dt) => {
                        let (y, m, d, ..) = dt.to_ymd_hms_milli();
                        Cell::Date(y, m, d)
                    }
                    other => panic!("unexpected {other:?}"),
                }
            } else {
                match cell {
                    Data::Empty => Cell::Blank,
                    other => t(&text_of(other)),
                }
            };
            cells.push(new);
        }
        out.push(cells);
    }
    let count = out.len() - 1;
    write_xlsx(fixed, &[("Batch", out)]);
    count
}

#[test]
fn rejected_workbook_fixed_and_resubmitted_is_accepted() {
    for typed in [false, true] {
        let dir = TempDir::new().unwrap();
        let batch = dir.path().join("batch.xlsx");
        let pos = |h: &str| canonical_position(h).unwrap();
        let source = vec![
            good_row(),
            row_with(&[("Member ID", "12345")]),
            row_with(&[("Member ID", "100000000003"), ("Date of Birth", "04/02/80")]),
            row_with(&[("Member ID", "100000000004"), ("CP ID", "ZZCP99")]),
            row_with(&[("Member ID", "100000000005"), ("Last Name", "")]),
            row_with(&[
                ("Action", "TRANSFER"),
                ("Member ID", "012345678906"),
                ("CP ID", "BHCP02"),
                ("From CP ID", ""),
                ("Reason Code", "MEMBER_CHOICE"),
                ("Submitter ID", "MASSHEALTH"),
            ]),
            row_with(&[
                ("Member ID", "012345678907"),
                ("Last Name", "R1vera"),
                ("Submitter ID", "NOSUCH"),
            ]),
        ];
        let mut rows = text_rows(&source);
        // Real date cells where the dates are good, as a plan's workbook would have them.
        for row in rows.iter_mut().skip(1) {
            row[pos("Effective Date")] = Cell::Date(2026, 12, 1);
            if matches!(&row[pos("Date of Birth")], Cell::Text(s) if s == "1980-04-02") {
                row[pos("Date of Birth")] = Cell::Date(1980, 4, 2);
            }
        }
        write_xlsx(&batch, &[("Batch", rows)]);
        let out = dir.path().join("out");
        let run = run_ok(&batch, &out, &[]);
        assert_eq!(run.status, 1, "{}", run.stdout);
        assert_conserved(&out, source.len());
        assert_eq!(read_report(&out.join("rejected.csv")).1.len(), 6);
        assert_rejected_marks(&out, &canonical_position);

        let fixed = dir.path().join("fixed.xlsx");
        let count = fix_rejected(&out.join("rejected.xlsx"), &fixed, typed);
        assert_eq!(count, 6);
        let out2 = dir.path().join("out2");
        let run = validate(&fixed, &out2, &[]);
        assert_eq!(
            run.status, 0,
            "typed={typed}: the fixed batch is accepted:\n{}{}",
            run.stdout, run.stderr
        );
        assert_conserved(&out2, 6);
        assert_eq!(read_report(&out2.join("accepted.csv")).1.len(), 6);
        assert_eq!(read_report(&out2.join("transfers.csv")).1.len(), 1);
        // The untouched leading-zero IDs survived the trip.
        let ids: Vec<String> = read_report(&out2.join("accepted.csv"))
            .1
            .into_iter()
            .map(|r| r[2].clone())
            .collect();
        assert!(ids.contains(&"012345678906".to_string()), "{ids:?}");
        assert!(ids.contains(&"012345678907".to_string()), "{ids:?}");
        let (_, rejected) = read_sheet(&out2.join("rejected.xlsx"), "Rejected");
        assert_eq!(rejected.len(), 1, "nothing left to fix");
    }
}

// ---------------------------------------------------------------------------------------
// --format
// ---------------------------------------------------------------------------------------

fn mixed_batch(dir: &TempDir) -> std::path::PathBuf {
    let batch = dir.path().join("batch.csv");
    write_csv(
        &batch,
        &[
            good_row(),
            transfer_row("012345678901"),
            row_with(&[("Member ID", "12345")]),
            row_with(&[("Member ID", "100000000004"), ("Date of Birth", "1/2/80")]),
        ],
    );
    batch
}

#[test]
fn format_picks_the_report_files() {
    let dir = TempDir::new().unwrap();
    let batch = mixed_batch(&dir);
    let all = [
        "accepted.csv",
        "accepted.xlsx",
        "findings.csv",
        "rejected.csv",
        "rejected.xlsx",
        "summary.json",
        "transfers.csv",
        "transfers.xlsx",
    ];
    let cases: [(&[&str], Vec<&str>); 6] = [
        (&[], all.to_vec()),
        (&["--format", "csv,xlsx"], all.to_vec()),
        (&["--format", "xlsx,csv"], all.to_vec()),
        (
            &["--format", "csv"],
            all.iter()
                .copied()
                .filter(|f| f.ends_with(".csv") || f.ends_with(".json"))
                .collect(),
        ),
        (
            &["--format", "xlsx"],
            vec![
                "accepted.xlsx",
                "findings.csv",
                "rejected.xlsx",
                "summary.json",
                "transfers.xlsx",
            ],
        ),
        (&["--format=xlsx"], {
            vec![
                "accepted.xlsx",
                "findings.csv",
                "rejected.xlsx",
                "summary.json",
                "transfers.xlsx",
            ]
        }),
    ];
    for (i, (extra, expected)) in cases.iter().enumerate() {
        let out = dir.path().join(format!("out{i}"));
        let run = run_ok(&batch, &out, extra);
        assert_eq!(run.status, 1, "{extra:?}");
        assert_eq!(files_in(&out), *expected, "{extra:?}: files written");
    }
    // The xlsx-only run still reports the same rows.
    let (_, accepted) = read_sheet(&dir.path().join("out4/accepted.xlsx"), "Accepted");
    assert_eq!(accepted.len() - 1, 2);
    let (_, rejected) = read_sheet(&dir.path().join("out4/rejected.xlsx"), "Rejected");
    assert_eq!(rejected.len() - 1, 2);
}

#[test]
fn unknown_format_is_a_usage_error() {
    let dir = TempDir::new().unwrap();
    let batch = mixed_batch(&dir);
    for format in ["pdf", "csv,pdf", "", "xls"] {
        let out = dir.path().join("out");
        let run = validate(&batch, &out, &["--format", format]);
        assert_eq!(run.status, 2, "--format {format:?}: {}", run.stderr);
        assert!(!run.stderr.is_empty());
        assert!(
            !out.exists() || files_in(&out).is_empty(),
            "--format {format:?}: nothing written"
        );
    }
}

#[test]
fn several_batches_each_get_their_workbooks() {
    let dir = TempDir::new().unwrap();
    let a = dir.path().join("a.csv");
    let b = dir.path().join("b.csv");
    write_csv(&a, &[good_row()]);
    write_csv(&b, &[row_with(&[("Member ID", "100000000002")])]);
    let out = dir.path().join("out");
    let run = cpbatch(&[
        "validate".to_string(),
        a.display().to_string(),
        b.display().to_string(),
        "--as-of".into(),
        AS_OF.into(),
        "--out".into(),
        out.display().to_string(),
        "--format".into(),
        "xlsx".into(),
    ]);
    assert_eq!(run.status, 0, "{}{}", run.stdout, run.stderr);
    for stem in ["a", "b"] {
        let (_, rows) = read_sheet(&out.join(stem).join("accepted.xlsx"), "Accepted");
        assert_eq!(rows.len(), 2, "{stem}");
        assert!(out.join(stem).join("rejected.xlsx").exists());
        assert!(!out.join(stem).join("accepted.csv").exists());
    }
}

// ---------------------------------------------------------------------------------------
// Determinism
// ---------------------------------------------------------------------------------------

#[test]
fn workbooks_are_byte_identical_across_runs_and_thread_counts() {
    let dir = TempDir::new().unwrap();
    let mut rows = vec![good_row(), transfer_row("012345678901")];
    for i in 0..300u32 {
        let id = format!("3{i:011}");
        rows.push(match i % 5 {
            0 => row_with(&[("Member ID", &id)]),
            1 => row_with(&[("Member ID", &id), ("Date of Birth", "4/2/80")]),
            2 => row_with(&[("Member ID", &id), ("CP ID", "ZZCP99")]),
            3 => row_with(&[("Member ID", &id[..11])]),
            _ => transfer_row(&id),
        });
    }
    let batch = dir.path().join("batch.xlsx");
    write_xlsx(&batch, &[("Batch", text_rows(&rows))]);
    let files = [
        "accepted.xlsx",
        "rejected.xlsx",
        "transfers.xlsx",
        "accepted.csv",
        "rejected.csv",
        "findings.csv",
    ];
    let runs: [&[&str]; 3] = [
        &["--threads", "1"],
        &["--threads", "1"],
        &["--threads", "2"],
    ];
    let mut outputs: Vec<Vec<Vec<u8>>> = Vec::new();
    for (i, extra) in runs.iter().enumerate() {
        let out = dir.path().join(format!("out{i}"));
        assert_eq!(run_ok(&batch, &out, extra).status, 1);
        outputs.push(
            files
                .iter()
                .map(|f| std::fs::read(out.join(f)).unwrap())
                .collect(),
        );
        if i == 0 {
            // The workbook's creation time is the as-of date, not the run's time.
            for f in &files[..3] {
                let core = zip_part(&out.join(f), "docProps/core.xml").unwrap();
                assert!(core.contains("2026-11-23T00:00:00Z"), "{f}: {core}");
            }
        }
    }
    for i in 1..outputs.len() {
        for (f, (a, b)) in files.iter().zip(outputs[0].iter().zip(&outputs[i])) {
            assert!(
                a == b,
                "{f} differs between run 0 and run {i} ({:?})",
                runs[i]
            );
        }
    }
    // Sanity: the rejected workbook has notes.
    assert!(
        zip_parts(&dir.path().join("out0/rejected.xlsx"))
            .iter()
            .any(|p| p == "xl/comments1.xml")
    );
}

// ---------------------------------------------------------------------------------------
// Excel's limits
// ---------------------------------------------------------------------------------------

#[test]
fn a_value_longer_than_an_excel_cell_does_not_stop_the_run() {
    // A CSV can hold any length of text; the run must still judge the row and write its
    // reports (exit 1), the workbook holding as much as a cell can.
    let dir = TempDir::new().unwrap();
    let batch = dir.path().join("batch.csv");
    let long = "R".repeat(40_000);
    write_csv(&batch, &[row_with(&[("Last Name", &long)])]);
    let out = dir.path().join("out");
    let run = validate(&batch, &out, &[]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert_conserved(&out, 1);
    let (_, rows) = read_sheet(&out.join("rejected.xlsx"), "Rejected");
    assert_eq!(rows.len(), 2);
    assert!(notes(&out.join("rejected.xlsx")).contains_key("C2"));
}

#[test]
fn long_error_lines_together_do_not_stop_the_run() {
    let dir = TempDir::new().unwrap();
    let batch = dir.path().join("batch.csv");
    let long = "R".repeat(20_000);
    write_csv(
        &batch,
        &[row_with(&[("Last Name", &long), ("First Name", &long)])],
    );
    let out = dir.path().join("out");
    let run = validate(&batch, &out, &[]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    assert_conserved(&out, 1);
    assert!(out.join("rejected.xlsx").exists());
}
