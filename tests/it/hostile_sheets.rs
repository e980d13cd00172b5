//! Hostile sheets (issue 9, SPEC 4.4): rows repeated, split or out of order, cells repeated,
//! shared strings that inflate past what the sheets can use, rows of too many fields, error
//! values Excel added after calamine's list, and error cells made to carry member data to
//! stderr. Each is written here as raw XML (or CSV) and run through the binary.

use crate::common;
use crate::raw;

use std::path::Path;
use std::time::{Duration, Instant};

use common::*;
use raw::{RawXml, Repeated, SHARED_PART};

/// The canonical headers and good rows with the given Member IDs, as raw XML cells.
fn rows_of(ids: &[&str]) -> Vec<Vec<RawXml>> {
    good_grid(ids)
        .into_iter()
        .map(|row| row.into_iter().map(RawXml::Text).collect())
        .collect()
}

/// The `<row>` elements of a sheet, each as its XML, and the text around them.
fn row_elements(sheet: &str) -> (String, Vec<String>, String) {
    let start = sheet.find("<row").unwrap();
    let end = sheet.rfind("</row>").unwrap() + "</row>".len();
    let rows = sheet[start..end]
        .split_inclusive("</row>")
        .map(str::to_string)
        .collect();
    (sheet[..start].to_string(), rows, sheet[end..].to_string())
}

/// Runs a batch that must be refused with F001 saying `reason`, at once, writing nothing.
fn assert_f001(batch: &Path, reason: &str) -> Run {
    let out = batch.with_extension("out");
    let started = Instant::now();
    let run = validate(batch, &out, &[]);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(
        run.status, 2,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    assert!(
        run.stderr.starts_with("cpbatch: F001 error: "),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(reason),
        "stderr does not say {reason:?}: {}",
        run.stderr
    );
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(!out.exists(), "--out was written for a refused batch");
    run
}

/// Runs a batch that must be processed; its stderr must be empty.
fn processed(batch: &Path) -> (Run, std::path::PathBuf) {
    let out = batch.with_extension("out");
    let run = validate(batch, &out, &[]);
    assert!(
        run.status == 0 || run.status == 1,
        "exit {}: {}",
        run.status,
        run.stderr
    );
    assert_eq!(run.stderr, "");
    (run, out)
}

/// The value of `column` in each row of a CSV report, with the row's source row.
fn report_column(report: &Path, column: &str) -> Vec<(String, String)> {
    let (headers, rows) = read_report(report);
    let at = headers
        .iter()
        .position(|h| h == column)
        .unwrap_or_else(|| panic!("no {column} in {headers:?}"));
    rows.into_iter()
        .map(|r| (r[0].clone(), r[at].clone()))
        .collect()
}

// ---------------------------------------------------------------------------------------
// No row merged or lost (items 6 and 7)
// ---------------------------------------------------------------------------------------

#[test]
fn a_repeated_row_element_is_f001_never_a_merged_row() {
    let dir = tempfile::tempdir().unwrap();
    let sheet = raw::sheet_xml(&rows_of(&["100000000001", "100000000002", "100000000003"]));
    let (head, rows, tail) = row_elements(&sheet);
    // A second row 4 holding only a Member ID: merged, it took row 4's name and birth date.
    let repeat = r#"<row r="4"><c r="B4" t="inlineStr"><is><t>100000000009</t></is></c></row>"#;
    for (name, sheet) in [
        (
            "after.xlsx",
            format!("{head}{}{repeat}{tail}", rows.concat()),
        ),
        (
            "between.xlsx",
            format!(
                "{head}{}{}{repeat}{}{tail}",
                rows[0],
                rows[1],
                rows[2..].concat()
            ),
        ),
        (
            "whole.xlsx",
            format!("{head}{}{}{tail}", rows.concat(), rows[3]),
        ),
    ] {
        let batch = dir.path().join(name);
        raw::write_raw_xlsx(&batch, &sheet, None, false);
        assert_f001(
            &batch,
            "the sheet has row 4 twice (two row elements numbered 4",
        );
    }
}

#[test]
fn a_row_split_over_two_row_elements_is_f001() {
    let dir = tempfile::tempdir().unwrap();
    let sheet = raw::sheet_xml(&rows_of(&["100000000001", "100000000002"]));
    let (head, rows, tail) = row_elements(&sheet);
    // Row 2's cells from J on in a second `<row r="2">`.
    let cut = rows[1].find(r#"<c r="J2""#).unwrap();
    let split = format!("{}</row><row r=\"2\">{}", &rows[1][..cut], &rows[1][cut..]);
    let batch = dir.path().join("split.xlsx");
    raw::write_raw_xlsx(
        &batch,
        &format!("{head}{}{split}{}{tail}", rows[0], rows[2]),
        None,
        false,
    );
    assert_f001(&batch, "the sheet has row 2 twice");
    // Unnumbered, the second row element takes the row of its first cell: row 2 again.
    let unnumbered = format!("{}</row><row>{}", &rows[1][..cut], &rows[1][cut..]);
    let batch = dir.path().join("unnumbered.xlsx");
    let sheet = format!("{head}{}{unnumbered}{}{tail}", rows[0], rows[2]);
    raw::write_raw_xlsx(&batch, &sheet, None, false);
    assert_f001(&batch, "the sheet has row 2 twice");
}

#[test]
fn a_repeated_cell_reference_is_f001() {
    let dir = tempfile::tempdir().unwrap();
    let sheet = raw::sheet_xml(&rows_of(&["100000000001"]));
    let repeated = sheet.replacen(
        r#"<c r="C2""#,
        r#"<c r="C2" t="inlineStr"><is><t>Other</t></is></c><c r="C2""#,
        1,
    );
    let batch = dir.path().join("cell.xlsx");
    raw::write_raw_xlsx(&batch, &repeated, None, false);
    assert_f001(&batch, "row 2 of the sheet has cell C2 twice");
    // A cell of another row inside a row element.
    let elsewhere = sheet.replacen(r#"<c r="C2""#, r#"<c r="C3""#, 1);
    let batch = dir.path().join("elsewhere.xlsx");
    raw::write_raw_xlsx(&batch, &elsewhere, None, false);
    assert_f001(&batch, "row 2 of the sheet holds a cell of row 3");
}

#[test]
fn rows_in_reverse_xml_order_are_reported_in_source_row_order() {
    let dir = tempfile::tempdir().unwrap();
    let ids = ["100000000001", "100000000002", "bad", "100000000004"];
    let mut rows = vec![vec![RawXml::Text("Community Partners batch".into())]];
    rows.extend(rows_of(&ids));
    let sheet = raw::sheet_xml(&rows);
    let (head, mut elements, tail) = row_elements(&sheet);
    elements.reverse();
    let batch = dir.path().join("reversed.xlsx");
    raw::write_raw_xlsx(
        &batch,
        &format!("{head}{}{tail}", elements.concat()),
        None,
        false,
    );
    let (_, out) = processed(&batch);
    assert_conserved(&out, 4);
    let accepted: Vec<String> = report_column(&out.join("accepted.csv"), "member_id")
        .into_iter()
        .map(|(row, id)| format!("{row} {id}"))
        .collect();
    assert_eq!(
        accepted,
        ["3 100000000001", "4 100000000002", "6 100000000004"]
    );
    let findings = findings(&out);
    assert_eq!(
        findings,
        [("5".to_string(), "Member ID".to_string(), "S003".to_string())]
    );
}

#[test]
fn the_header_row_is_the_first_by_row_number_whatever_the_xml_order() {
    let dir = tempfile::tempdir().unwrap();
    // Row 1 a header-like row that is the real header; row 2 data; in the XML, row 2 first.
    let sheet = raw::sheet_xml(&rows_of(&["100000000001"]));
    let (head, elements, tail) = row_elements(&sheet);
    let batch = dir.path().join("late-header.xlsx");
    raw::write_raw_xlsx(
        &batch,
        &format!("{head}{}{}{tail}", elements[1], elements[0]),
        None,
        false,
    );
    let (_, out) = processed(&batch);
    assert_eq!(
        report_column(&out.join("accepted.csv"), "member_id"),
        [("2".to_string(), "100000000001".to_string())]
    );
}

// ---------------------------------------------------------------------------------------
// Every part counts (item 9)
// ---------------------------------------------------------------------------------------

#[test]
fn shared_strings_beyond_what_the_sheet_can_use_are_refused_at_once() {
    // 70 MiB of strings that deflate about 35 times, as the reported 1.86 GiB bomb did (39):
    // below the ratio of a zip bomb, far beyond what a one-row sheet can use.
    let dir = tempfile::tempdir().unwrap();
    let mut chunk = String::with_capacity(1 << 20);
    let mut seed: u32 = 12345;
    while chunk.len() < (1 << 20) - 300 {
        chunk.push_str("<si><t>");
        for _ in 0..5 {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            chunk.push(char::from(b'a' + (seed >> 16) as u8 % 26));
        }
        chunk.push_str(&"x".repeat(200));
        chunk.push_str("</t></si>");
    }
    let head = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#;
    let bomb = Repeated {
        name: SHARED_PART,
        head: head.as_bytes(),
        chunk: chunk.as_bytes(),
        repeats: 70,
        tail: b"</sst>",
    };
    let mut parts = raw::xlsx_parts(false, true);
    parts.push((
        raw::SHEET_PART.to_string(),
        raw::sheet_xml(&rows_of(&["100000000001"])).into_bytes(),
    ));
    let batch = dir.path().join("strings.xlsx");
    raw::write_bomb(&batch, &parts, &bomb);
    let size = std::fs::metadata(&batch).unwrap().len();
    let ratio = bomb.inflated_len() / size;
    assert!(
        (20..100).contains(&ratio),
        "ratio {ratio}: below a zip bomb's, like the report's"
    );
    assert_f001(
        &batch,
        "cannot read the batch file: its shared strings would inflate to 70.0 MiB, more than its sheets (",
    );
}

// ---------------------------------------------------------------------------------------
// A delimited batch has at most 16,384 columns (item 11)
// ---------------------------------------------------------------------------------------

fn csv_with_fields(dir: &Path, name: &str, fields: usize) -> std::path::PathBuf {
    let mut text = HEADERS.join(",");
    text.push('\n');
    let good = good_row();
    let mut row: Vec<String> = HEADERS.iter().map(|h| good[h].clone()).collect();
    row.resize(fields, "x".to_string());
    text.push_str(&row.join(","));
    text.push('\n');
    let batch = dir.join(name);
    std::fs::write(&batch, text).unwrap();
    batch
}

#[test]
fn a_csv_row_of_more_than_16384_fields_is_f001() {
    let dir = tempfile::tempdir().unwrap();
    let batch = csv_with_fields(dir.path(), "wide.csv", 16_385);
    assert_f001(
        &batch,
        "cannot read the batch file: row 2 has 16,385 fields, more than the 16,384 columns a sheet can have",
    );
    let batch = csv_with_fields(dir.path(), "widest.csv", 16_384);
    let (_, out) = processed(&batch);
    assert_conserved(&out, 1);
}

// ---------------------------------------------------------------------------------------
// Every error value is a value (item 13)
// ---------------------------------------------------------------------------------------

/// Excel's error values, old and new, and one that no Excel has yet.
const ERRORS: [&str; 15] = [
    "#N/A",
    "#REF!",
    "#VALUE!",
    "#SPILL!",
    "#CALC!",
    "#FIELD!",
    "#BLOCKED!",
    "#GETTING_DATA",
    "#DATA!",
    "#UNKNOWN!",
    "#BUSY!",
    "#CONNECT!",
    "#PYTHON!",
    "#TIMEOUT!",
    "#FUTURE_ERROR!",
];

#[test]
fn every_error_value_is_an_invalid_value_of_its_column() {
    let dir = tempfile::tempdir().unwrap();
    let ids: Vec<String> = (1..=ERRORS.len())
        .map(|i| format!("1000000000{i:02}"))
        .collect();
    let sheet = raw::sheet_xml(&rows_of(
        &ids.iter().map(String::as_str).collect::<Vec<_>>(),
    ));
    // Row r (2..) has error ERRORS[r-2] in column B (Member ID), E (DOB) or K (Medicare).
    let mut sheet = sheet;
    for (i, error) in ERRORS.iter().enumerate() {
        let row = i + 2;
        let col = ["B", "E", "K"][i % 3];
        let at = sheet.find(&format!(r#"<c r="{col}{row}""#)).unwrap();
        let end = at + sheet[at..].find("</c>").unwrap() + "</c>".len();
        let cell = format!(
            r#"<c r="{col}{row}" t="e"><f>X()</f><v>{}</v></c>"#,
            raw::xml_escape(error)
        );
        sheet.replace_range(at..end, &cell);
    }
    let batch = dir.path().join("errors.xlsx");
    raw::write_raw_xlsx(&batch, &sheet, None, false);
    let (run, out) = processed(&batch);
    assert_eq!(run.status, 1);
    assert_conserved(&out, ERRORS.len());
    let findings = findings(&out);
    for (i, error) in ERRORS.iter().enumerate() {
        let row = (i + 2).to_string();
        let (column, code) = [
            ("Member ID", "S003"),
            ("Date of Birth", "S004"),
            ("Medicare", "S005"),
        ][i % 3];
        assert!(
            findings
                .iter()
                .any(|f| f.0 == row && f.1 == column && f.2 == code),
            "{error}: no {code} in {column} of row {row}: {findings:?}"
        );
    }
    // rejected.csv shows each error as the cell's original text.
    for (i, error) in ERRORS.iter().enumerate() {
        let column = ["Member ID", "Date of Birth", "Medicare"][i % 3];
        let values = report_column(&out.join("rejected.csv"), column);
        let row = (i + 2).to_string();
        assert!(
            values.contains(&(row.clone(), error.to_string())),
            "{error} in row {row}: {values:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// Member data never on stderr (item 16)
// ---------------------------------------------------------------------------------------

#[test]
fn what_a_damaged_cell_holds_never_reaches_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let sheet = raw::sheet_xml(&rows_of(&["100000000001"]));
    let secret = "O'Zzyzx 987654321012";
    let cells = [
        // An error value with an apostrophe: a value of its row, shown in the reports only.
        format!(r#"<c r="C2" t="e"><v>{secret}</v></c>"#),
        // Cells no reader can type: F001, naming the cell, never quoting it.
        format!(r#"<c r="C2" t="b"><v>{secret}</v></c>"#),
        format!(r#"<c r="C2" t="n"><v>{secret}</v></c>"#),
        format!(r#"<c r="C2" t="s"><v>{secret}</v></c>"#),
        format!(r#"<c r="C2" t="{}"><v>1</v></c>"#, "Zzyzx"),
        r#"<c r="C2" t="inlineStr"><is><t>&Zzyzx987654321012;</t></is></c>"#.to_string(),
        format!(r#"<c r="C2{}"><v>1</v></c>"#, "'Zzyzx"),
        format!(r#"<c r="C2" t="inlineStr"><is><t>{secret}</t></is>"#),
    ];
    for (i, cell) in cells.iter().enumerate() {
        let at = sheet.find(r#"<c r="C2""#).unwrap();
        let end = at + sheet[at..].find("</c>").unwrap() + "</c>".len();
        let mut damaged = sheet.clone();
        damaged.replace_range(at..end, cell);
        let batch = dir.path().join(format!("cell-{i}.xlsx"));
        raw::write_raw_xlsx(&batch, &damaged, None, false);
        let out = dir.path().join(format!("out-{i}"));
        let run = validate(&batch, &out, &[]);
        assert!(!run.stderr.contains("Zzyzx"), "{cell}: {}", run.stderr);
        assert!(
            !run.stderr.contains("987654321012"),
            "{cell}: {}",
            run.stderr
        );
        if i == 0 {
            assert_eq!(run.status, 1, "{}", run.stderr);
            let names = report_column(&out.join("rejected.csv"), "Last Name");
            assert_eq!(names, [("2".to_string(), secret.to_string())]);
        } else {
            assert_eq!(run.status, 2, "{cell}: {}", run.stderr);
            assert!(run.stderr.contains("F001"), "{}", run.stderr);
        }
    }
}

/// `template --check` reads a workbook with calamine: its errors, which quote cells, are
/// named by kind only.
#[test]
fn template_check_never_quotes_a_cell_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let sheet = raw::sheet_xml(&rows_of(&["100000000001"]));
    let secret = "O'Zzyzx 987654321012";
    for (i, cell) in [
        format!(r#"<c r="A1" t="e"><v>{secret}</v></c>"#),
        format!(r#"<c r="A1" t="b"><v>{secret}</v></c>"#),
        r#"<c r="A1" t="inlineStr"><is><t>&Zzyzx987654321012;</t></is></c>"#.to_string(),
    ]
    .iter()
    .enumerate()
    {
        let at = sheet.find(r#"<c r="A1""#).unwrap();
        let end = at + sheet[at..].find("</c>").unwrap() + "</c>".len();
        let mut damaged = sheet.clone();
        damaged.replace_range(at..end, cell);
        let batch = dir.path().join(format!("check-{i}.xlsx"));
        raw::write_raw_xlsx(&batch, &damaged, None, false);
        let run = cpbatch(&[
            "template".to_string(),
            "--check".into(),
            batch.display().to_string(),
        ]);
        assert_ne!(run.status, 0, "{cell}: {}", run.stderr);
        assert!(!run.stderr.contains("Zzyzx"), "{cell}: {}", run.stderr);
        assert!(
            !run.stderr.contains("987654321012"),
            "{cell}: {}",
            run.stderr
        );
    }
}

/// A sheet part that ends among its rows (cut off, never closed) loses the rows after the
/// cut: F001, never a batch of the rows before it.
#[test]
fn a_sheet_cut_off_among_its_rows_is_f001() {
    let dir = tempfile::tempdir().unwrap();
    let sheet = raw::sheet_xml(&rows_of(&["100000000001", "100000000002"]));
    let (head, rows, _) = row_elements(&sheet);
    let batch = dir.path().join("cut.xlsx");
    raw::write_raw_xlsx(
        &batch,
        &format!("{head}{}{}", rows[0], rows[1]),
        None,
        false,
    );
    assert_f001(
        &batch,
        "sheet \"Batch\" cannot be read: its XML ends in the middle of an element",
    );
}

/// quick-xml reads markup as bytes; the text cpbatch takes from a part (cell values, inline
/// and shared strings) is checked to be UTF-8 as it is taken: bytes that are not are damage
/// (F001), never a value with replacement characters, whichever reader reads the sheet.
#[test]
fn text_that_is_not_utf8_is_f001() {
    let dir = tempfile::tempdir().unwrap();
    let sheet = raw::sheet_xml(&rows_of(&["100000000001"]));
    let at = sheet.find(r#"<c r="C2""#).unwrap();
    let end = at + sheet[at..].find("</c>").unwrap() + "</c>".len();
    let bad_cells: [&[u8]; 3] = [
        b"<c r=\"C2\" t=\"inlineStr\"><is><t>Riv\xFFera</t></is></c>",
        b"<c r=\"C2\" t=\"str\"><v>Riv\xC3era</v></c>",
        b"<c r=\"C2\" t=\"inlineStr\"><is><t>Rivera&#\xFF;</t></is></c>",
    ];
    for (i, cell) in bad_cells.iter().enumerate() {
        let mut bytes = sheet.as_bytes()[..at].to_vec();
        bytes.extend_from_slice(cell);
        bytes.extend_from_slice(&sheet.as_bytes()[end..]);
        let mut parts = raw::xlsx_parts(false, false);
        parts.push((raw::SHEET_PART.to_string(), bytes));
        let batch = dir.path().join(format!("cell-{i}.xlsx"));
        raw::write_zip(&batch, &parts);
        let run = assert_f001(&batch, "F001");
        assert!(
            run.stderr.contains("not UTF-8") || run.stderr.contains("malformed"),
            "{}",
            run.stderr
        );
        assert!(!run.stderr.contains("Riv"), "{}", run.stderr);
    }
    // A shared string that is not UTF-8.
    let shared = b"<?xml version=\"1.0\" encoding=\"UTF-8\"?><sst xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><si><t>Riv\xFFera</t></si></sst>";
    let mut bytes = sheet.as_bytes()[..at].to_vec();
    bytes.extend_from_slice(br#"<c r="C2" t="s"><v>0</v></c>"#);
    bytes.extend_from_slice(&sheet.as_bytes()[end..]);
    let mut parts = raw::xlsx_parts(false, true);
    parts.push((raw::SHEET_PART.to_string(), bytes));
    parts.push((raw::SHARED_PART.to_string(), shared.to_vec()));
    let batch = dir.path().join("shared.xlsx");
    raw::write_zip(&batch, &parts);
    let run = assert_f001(&batch, "not UTF-8");
    assert!(!run.stderr.contains("Riv"), "{}", run.stderr);
}
