//! End-to-end tests of reading batches (SPEC 2.1, 2.2, 3.1, 4, 5): real workbooks and CSVs
//! are written, the binary is run on them, and its reports are read back.

use crate::common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::raw::xml_escape;
use common::*;
use rust_xlsxwriter::Workbook;
use sha2::{Digest, Sha256};
use tempfile::TempDir;

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// Excel serial numbers (1900 system) of the dates the tests use.
const SERIAL_1900_EFFECTIVE: f64 = 46357.0; // 2026-12-01
const SERIAL_1900_BIRTH: f64 = 29313.0; // 1980-04-02
/// The same dates in the 1904 system.
const SERIAL_1904_EFFECTIVE: f64 = 44895.0;
const SERIAL_1904_BIRTH: f64 = 27851.0;

const REPORTS: [&str; 5] = [
    "accepted.csv",
    "rejected.csv",
    "transfers.csv",
    "findings.csv",
    "summary.json",
];

/// The position of a canonical header in `HEADERS`.
fn pos(header: &str) -> usize {
    HEADERS
        .iter()
        .position(|h| *h == header)
        .unwrap_or_else(|| panic!("no column {header}"))
}

/// The canonical header row as text cells.
fn header_cells() -> Vec<Cell> {
    HEADERS.iter().map(|h| t(h)).collect()
}

/// `good_row()` as text cells in header order, with some cells replaced.
fn cells(changes: Vec<(&str, Cell)>) -> Vec<Cell> {
    let row = good_row();
    let mut out: Vec<Cell> = HEADERS
        .iter()
        .map(|h| match row[h].as_str() {
            "" => Cell::Blank,
            v => t(v),
        })
        .collect();
    for (header, cell) in changes {
        out[pos(header)] = cell;
    }
    out
}

/// A good row with its own Member ID (so that rows do not collide in the batch checks).
fn cells_id(id: &str, mut changes: Vec<(&str, Cell)>) -> Vec<Cell> {
    changes.insert(0, ("Member ID", t(id)));
    cells(changes)
}

/// A temporary directory with a batch path and an output path in it.
struct Case {
    dir: TempDir,
}

impl Case {
    fn new() -> Case {
        Case {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn out(&self) -> PathBuf {
        self.path("out")
    }
}

/// Runs a batch that must be processed (exit 0 or 1); checks row conservation.
fn run_rows(batch: &Path, out: &Path, extra: &[&str], rows: usize) -> Run {
    let run = run_ok(batch, out, extra);
    assert_conserved(out, rows);
    run
}

/// Writes a one-sheet `Batch` workbook of the canonical header and the given data rows, runs
/// it and returns the case, the output directory and the run.
fn run_xlsx(rows: Vec<Vec<Cell>>) -> (Case, PathBuf, Run) {
    let case = Case::new();
    let batch = case.path("batch.xlsx");
    let n = rows.len();
    let mut sheet = vec![header_cells()];
    sheet.extend(rows);
    write_xlsx(&batch, &[("Batch", sheet)]);
    let out = case.out();
    let run = run_rows(&batch, &out, &[], n);
    (case, out, run)
}

fn accepted(out: &Path) -> Vec<BTreeMap<String, String>> {
    report_maps(&out.join("accepted.csv"))
}

fn rejected(out: &Path) -> Vec<BTreeMap<String, String>> {
    report_maps(&out.join("rejected.csv"))
}

/// The accepted.csv row of a source row.
fn accepted_row(out: &Path, source_row: u32) -> BTreeMap<String, String> {
    accepted(out)
        .into_iter()
        .find(|r| r["source_row"] == source_row.to_string())
        .unwrap_or_else(|| {
            panic!(
                "row {source_row} not accepted; findings: {:?}",
                findings(out)
            )
        })
}

/// The rejected.csv row of a source row.
fn rejected_row(out: &Path, source_row: u32) -> BTreeMap<String, String> {
    rejected(out)
        .into_iter()
        .find(|r| r["source_row"] == source_row.to_string())
        .unwrap_or_else(|| panic!("row {source_row} not rejected"))
}

/// The (column, code) findings of one row.
fn row_findings(out: &Path, source_row: u32) -> Vec<(String, String)> {
    findings(out)
        .into_iter()
        .filter(|(row, ..)| *row == source_row.to_string())
        .map(|(_, column, code)| (column, code))
        .collect()
}

fn pair(column: &str, code: &str) -> (String, String) {
    (column.to_string(), code.to_string())
}

fn summary(out: &Path) -> serde_json::Value {
    read_json(&out.join("summary.json"))
}

/// A refused run: exit 2, no panic, the file and the code named on stderr, no report written.
fn assert_refused(run: &Run, out: &Path, code: &str, file: &str) {
    assert_eq!(
        run.status, 2,
        "expected exit 2 ({code})\nstdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    assert!(!run.stderr.contains("panicked"), "panic: {}", run.stderr);
    assert!(
        run.stderr.contains(code),
        "stderr does not name {code}: {}",
        run.stderr
    );
    assert!(
        run.stderr.contains(file),
        "stderr does not name the file {file}: {}",
        run.stderr
    );
    assert_no_reports(out);
}

/// The output directory holds no report (and no partial file): it is absent or empty.
fn assert_no_reports(out: &Path) {
    if out.exists() {
        let entries: Vec<String> = std::fs::read_dir(out)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert!(entries.is_empty(), "--out was written to: {entries:?}");
        for report in REPORTS {
            assert!(!out.join(report).exists());
        }
    }
}

fn file_name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

/// Writes a workbook whose sheets may be hidden; `active` is the sheet shown on opening.
fn write_xlsx_sheets(path: &Path, sheets: &[(&str, Vec<Vec<Cell>>, bool)], active: usize) {
    let mut workbook = Workbook::new();
    for (index, (name, rows, hidden)) in sheets.iter().enumerate() {
        let sheet = workbook.add_worksheet();
        sheet.set_name(*name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                match cell {
                    Cell::Text(s) => {
                        sheet.write_string(r as u32, c as u16, s).unwrap();
                    }
                    Cell::Number(n) => {
                        sheet.write_number(r as u32, c as u16, *n).unwrap();
                    }
                    Cell::Blank => {}
                    other => panic!("write_xlsx_sheets: unsupported cell {other:?}"),
                }
            }
        }
        if index == active {
            sheet.set_active(true);
        }
        if *hidden {
            sheet.set_hidden(true);
        }
    }
    workbook.save(path).unwrap();
}

// ---------------------------------------------------------------------------------------
// A minimal hand-made xlsx: rust_xlsxwriter 0.102 cannot write a 1904-date-system workbook
// (ExcelDateTime::set_1904_date is crate-private and Workbook has no date1904 switch), so
// the 1904 workbook is written by hand as a stored (uncompressed) zip.
// ---------------------------------------------------------------------------------------

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

/// A zip archive of the given files, stored without compression.
fn stored_zip(files: &[(&str, String)]) -> Vec<u8> {
    fn u16le(out: &mut Vec<u8>, v: u16) {
        out.extend_from_slice(&v.to_le_bytes());
    }
    fn u32le(out: &mut Vec<u8>, v: u32) {
        out.extend_from_slice(&v.to_le_bytes());
    }
    let mut out = Vec::new();
    let mut central = Vec::new();
    for (name, data) in files {
        let data = data.as_bytes();
        let crc = crc32(data);
        let offset = out.len() as u32;
        // Local file header.
        u32le(&mut out, 0x0403_4b50);
        u16le(&mut out, 20); // version needed
        u16le(&mut out, 0); // flags
        u16le(&mut out, 0); // stored
        u16le(&mut out, 0); // time
        u16le(&mut out, 0x21); // date: 1980-01-01
        u32le(&mut out, crc);
        u32le(&mut out, data.len() as u32);
        u32le(&mut out, data.len() as u32);
        u16le(&mut out, name.len() as u16);
        u16le(&mut out, 0);
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(data);
        // Central directory entry.
        u32le(&mut central, 0x0201_4b50);
        u16le(&mut central, 20); // made by
        u16le(&mut central, 20); // needed
        u16le(&mut central, 0);
        u16le(&mut central, 0);
        u16le(&mut central, 0);
        u16le(&mut central, 0x21);
        u32le(&mut central, crc);
        u32le(&mut central, data.len() as u32);
        u32le(&mut central, data.len() as u32);
        u16le(&mut central, name.len() as u16);
        u16le(&mut central, 0); // extra
        u16le(&mut central, 0); // comment
        u16le(&mut central, 0); // disk
        u16le(&mut central, 0); // internal attributes
        u32le(&mut central, 0); // external attributes
        u32le(&mut central, offset);
        central.extend_from_slice(name.as_bytes());
    }
    let central_offset = out.len() as u32;
    let central_size = central.len() as u32;
    out.extend_from_slice(&central);
    u32le(&mut out, 0x0605_4b50);
    u16le(&mut out, 0);
    u16le(&mut out, 0);
    u16le(&mut out, files.len() as u16);
    u16le(&mut out, files.len() as u16);
    u32le(&mut out, central_size);
    u32le(&mut out, central_offset);
    u16le(&mut out, 0);
    out
}

/// Writes a one-sheet (`Batch`) xlsx by hand, in the 1904 date system when `date1904`.
/// Only text (inline strings), numbers and blanks are supported.
fn write_raw_xlsx(path: &Path, rows: &[Vec<Cell>], date1904: bool) {
    const MAIN: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
    const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    const PKG_REL: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
    let mut sheet = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{MAIN}"><sheetData>"#
    );
    for (r, row) in rows.iter().enumerate() {
        sheet.push_str(&format!(r#"<row r="{}">"#, r + 1));
        for (c, cell) in row.iter().enumerate() {
            assert!(c < 26);
            let name = format!("{}{}", (b'A' + c as u8) as char, r + 1);
            match cell {
                Cell::Blank => {}
                Cell::Text(s) => sheet.push_str(&format!(
                    r#"<c r="{name}" t="inlineStr"><is><t>{}</t></is></c>"#,
                    xml_escape(s)
                )),
                Cell::Number(n) => sheet.push_str(&format!(r#"<c r="{name}"><v>{n}</v></c>"#)),
                other => panic!("write_raw_xlsx: unsupported cell {other:?}"),
            }
        }
        sheet.push_str("</row>");
    }
    sheet.push_str("</sheetData></worksheet>");
    let pr = if date1904 {
        r#"<workbookPr date1904="1"/>"#
    } else {
        "<workbookPr/>"
    };
    let files = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#.to_string(),
        ),
        (
            "_rels/.rels",
            format!(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{PKG_REL}"><Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#),
        ),
        (
            "xl/workbook.xml",
            format!(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="{MAIN}" xmlns:r="{REL}">{pr}<sheets><sheet name="Batch" sheetId="1" r:id="rId1"/></sheets></workbook>"#),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            format!(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{PKG_REL}"><Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#),
        ),
        ("xl/worksheets/sheet1.xml", sheet),
    ];
    std::fs::write(path, stored_zip(&files)).unwrap();
}

// ---------------------------------------------------------------------------------------
// 1. Excel traps
// ---------------------------------------------------------------------------------------

#[test]
fn twelve_digit_member_id_stored_as_number_reads_exactly() {
    let (_case, out, run) = run_xlsx(vec![
        cells(vec![("Member ID", Cell::Number(100000000001.0))]),
        cells(vec![("Member ID", Cell::Number(999999999999.0))]),
        cells(vec![("Member ID", Cell::Number(123456789012.0))]),
    ]);
    assert_eq!(run.status, 0, "{}", run.stdout);
    assert!(findings(&out).is_empty(), "{:?}", findings(&out));
    assert_eq!(accepted_row(&out, 2)["member_id"], "100000000001");
    assert_eq!(accepted_row(&out, 3)["member_id"], "999999999999");
    assert_eq!(accepted_row(&out, 4)["member_id"], "123456789012");
    for row in accepted(&out) {
        assert_eq!(row["warnings"], "");
    }
    assert!(!run.stdout.contains("E11") && !run.stdout.contains("e11"));
}

#[test]
fn eleven_digit_numeric_member_id_is_padded_with_w002() {
    let (_case, out, run) = run_xlsx(vec![cells(vec![(
        "Member ID",
        Cell::Number(12345678901.0),
    )])]);
    assert_eq!(run.status, 0, "{}", run.stdout);
    assert_eq!(row_findings(&out, 2), vec![pair("Member ID", "W002")]);
    let row = accepted_row(&out, 2);
    assert_eq!(row["member_id"], "012345678901");
    assert_eq!(row["warnings"], "W002");
    assert_eq!(summary(&out)["counts"]["by_code"]["W002"], 1);
}

#[test]
fn numeric_member_id_with_a_fraction_is_s003() {
    let (_case, out, run) = run_xlsx(vec![cells(vec![(
        "Member ID",
        Cell::Number(100000000001.5),
    )])]);
    assert_eq!(run.status, 1);
    assert_eq!(row_findings(&out, 2), vec![pair("Member ID", "S003")]);
    assert_eq!(rejected_row(&out, 2)["Member ID"], "100000000001.5");
}

#[test]
fn numeric_member_id_too_long_is_s003() {
    let (_case, out, run) = run_xlsx(vec![cells(vec![(
        "Member ID",
        Cell::Number(1000000000001.0),
    )])]);
    assert_eq!(run.status, 1);
    assert_eq!(row_findings(&out, 2), vec![pair("Member ID", "S003")]);
}

#[test]
fn date_cells_are_read_as_dates() {
    let (_case, out, run) = run_xlsx(vec![cells(vec![
        ("Date of Birth", Cell::Date(1980, 4, 2)),
        ("Effective Date", Cell::Date(2026, 12, 1)),
    ])]);
    assert_eq!(run.status, 0, "{}", run.stdout);
    let row = accepted_row(&out, 2);
    assert_eq!(row["date_of_birth"], "1980-04-02");
    assert_eq!(row["effective_date"], "2026-12-01");
}

#[test]
fn serial_numbers_in_a_1900_workbook_are_dates() {
    let (_case, out, run) = run_xlsx(vec![cells(vec![
        ("Date of Birth", Cell::Number(SERIAL_1900_BIRTH)),
        ("Effective Date", Cell::Number(SERIAL_1900_EFFECTIVE)),
    ])]);
    assert_eq!(run.status, 0, "{}", run.stdout);
    let row = accepted_row(&out, 2);
    assert_eq!(row["date_of_birth"], "1980-04-02");
    assert_eq!(row["effective_date"], "2026-12-01");
}

#[test]
fn hand_made_1900_workbook_reads_like_a_written_one() {
    // Control for the 1904 test below: the same hand-made file without date1904.
    let case = Case::new();
    let batch = case.path("batch.xlsx");
    let rows = vec![
        header_cells(),
        cells(vec![
            ("Date of Birth", Cell::Number(SERIAL_1900_BIRTH)),
            ("Effective Date", Cell::Number(SERIAL_1900_EFFECTIVE)),
        ]),
    ];
    write_raw_xlsx(&batch, &rows, false);
    let out = case.out();
    let run = run_rows(&batch, &out, &[], 1);
    assert_eq!(run.status, 0, "{}", run.stdout);
    let row = accepted_row(&out, 2);
    assert_eq!(row["date_of_birth"], "1980-04-02");
    assert_eq!(row["effective_date"], "2026-12-01");
}

#[test]
fn serial_numbers_in_a_1904_workbook_use_the_1904_system() {
    let case = Case::new();
    let batch = case.path("batch.xlsx");
    let rows = vec![
        header_cells(),
        cells(vec![
            ("Date of Birth", Cell::Number(SERIAL_1904_BIRTH)),
            ("Effective Date", Cell::Number(SERIAL_1904_EFFECTIVE)),
        ]),
        // Text dates are not affected by the date system.
        cells_id(
            "100000000002",
            vec![
                ("Date of Birth", t("1980-04-02")),
                ("Effective Date", t("12/01/2026")),
            ],
        ),
    ];
    write_raw_xlsx(&batch, &rows, true);
    let out = case.out();
    let run = run_rows(&batch, &out, &[], 2);
    assert_eq!(run.status, 0, "{}", run.stdout);
    for source_row in [2, 3] {
        let row = accepted_row(&out, source_row);
        assert_eq!(row["date_of_birth"], "1980-04-02");
        assert_eq!(row["effective_date"], "2026-12-01");
    }
}

#[test]
fn text_dates_in_every_accepted_form() {
    let forms = [
        ("2026-12-01", "1980-04-02"),
        ("20261201", "19800402"),
        ("12/01/2026", "04/02/1980"),
        ("12/1/2026", "4/2/1980"),
        ("12-01-2026", "04-02-1980"),
    ];
    let rows: Vec<Vec<Cell>> = forms
        .iter()
        .enumerate()
        .map(|(i, (effective, birth))| {
            cells_id(
                &format!("10000000001{i}"),
                vec![
                    ("Effective Date", t(effective)),
                    ("Date of Birth", t(birth)),
                ],
            )
        })
        .collect();
    let (_case, out, run) = run_xlsx(rows);
    assert_eq!(run.status, 0, "{}", run.stdout);
    assert!(findings(&out).is_empty(), "{:?}", findings(&out));
    for source_row in 2..2 + forms.len() as u32 {
        let row = accepted_row(&out, source_row);
        assert_eq!(row["effective_date"], "2026-12-01", "row {source_row}");
        assert_eq!(row["date_of_birth"], "1980-04-02", "row {source_row}");
    }
}

#[test]
fn two_digit_years_and_impossible_dates_are_s004() {
    let (_case, out, run) = run_xlsx(vec![
        cells_id("100000000001", vec![("Effective Date", t("12/01/26"))]),
        cells_id("100000000002", vec![("Date of Birth", t("4/2/80"))]),
        cells_id("100000000003", vec![("Date of Birth", t("02/30/2020"))]),
        cells_id("100000000004", vec![("Date of Birth", t("1980-02-30"))]),
        cells_id("100000000005", vec![("Date of Birth", t("yesterday"))]),
    ]);
    assert_eq!(run.status, 1);
    assert_eq!(row_findings(&out, 2), vec![pair("Effective Date", "S004")]);
    assert_eq!(row_findings(&out, 3), vec![pair("Date of Birth", "S004")]);
    assert_eq!(row_findings(&out, 4), vec![pair("Date of Birth", "S004")]);
    assert_eq!(row_findings(&out, 5), vec![pair("Date of Birth", "S004")]);
    assert_eq!(row_findings(&out, 6), vec![pair("Date of Birth", "S004")]);
    assert_eq!(rejected(&out).len(), 5);
}

#[test]
fn error_cells_give_the_columns_invalid_value_code() {
    let na = || Cell::Error("#N/A".into());
    let cases: Vec<(&str, &str)> = vec![
        ("Action", "S002"),
        ("Member ID", "S003"),
        ("Last Name", "S007"),
        ("First Name", "S007"),
        ("Date of Birth", "S004"),
        ("CP Program", "S005"),
        ("Coverage Type", "S005"),
        ("Medicare", "S005"),
        ("Other Insurance", "S005"),
        ("Nursing Facility", "S005"),
        ("DMH Affiliation", "S005"),
        ("ZIP Code", "S005"),
        ("Effective Date", "S004"),
        ("Reason Code", "S005"),
    ];
    let rows: Vec<Vec<Cell>> = cases
        .iter()
        .enumerate()
        .map(|(i, (column, _))| {
            let mut row = cells_id(&format!("1000000001{i:02}"), vec![]);
            row[pos(column)] = na();
            row
        })
        .collect();
    let (_case, out, run) = run_xlsx(rows);
    assert_eq!(run.status, 1);
    assert_eq!(rejected(&out).len(), cases.len(), "{:?}", findings(&out));
    for (i, (column, code)) in cases.iter().enumerate() {
        let source_row = i as u32 + 2;
        let on_column: Vec<String> = row_findings(&out, source_row)
            .into_iter()
            .filter(|(c, _)| c == column)
            .map(|(_, code)| code)
            .collect();
        assert_eq!(
            on_column,
            vec![code.to_string()],
            "{column} (row {source_row})"
        );
        assert_eq!(rejected_row(&out, source_row)[*column], "#N/A");
    }
}

#[test]
fn error_cells_in_id_columns_are_rejected() {
    // The SPEC gives no S code for an invalid CP, plan or submitter ID; an error cell there
    // is not in the roster, so it gets the roster code.
    let cases = [
        ("CP ID", "C001"),
        ("Plan ID", "C003"),
        ("Submitter ID", "C006"),
    ];
    let rows: Vec<Vec<Cell>> = cases
        .iter()
        .enumerate()
        .map(|(i, (column, _))| {
            let mut row = cells_id(&format!("1000000002{i:02}"), vec![]);
            row[pos(column)] = Cell::Error("#REF!".into());
            row
        })
        .collect();
    let (_case, out, run) = run_xlsx(rows);
    assert_eq!(run.status, 1);
    for (i, (column, code)) in cases.iter().enumerate() {
        let source_row = i as u32 + 2;
        let codes = row_findings(&out, source_row);
        assert!(codes.contains(&pair(column, code)), "{column}: {codes:?}");
        assert_eq!(rejected_row(&out, source_row)[*column], "#REF!");
    }
}

#[test]
fn formula_cells_are_read_by_their_cached_value() {
    let (_case, out, run) = run_xlsx(vec![cells(vec![
        (
            "Member ID",
            Cell::Formula("=100000000000+1".into(), "100000000001".into()),
        ),
        (
            "CP ID",
            Cell::Formula("=\"BHCP\"&\"01\"".into(), "BHCP01".into()),
        ),
        (
            "Effective Date",
            Cell::Formula("=DATE(2026,12,1)".into(), "46357".into()),
        ),
        ("Medicare", Cell::Formula("=FALSE()".into(), "FALSE".into())),
    ])]);
    assert_eq!(run.status, 0, "{}", run.stdout);
    assert!(findings(&out).is_empty(), "{:?}", findings(&out));
    let row = accepted_row(&out, 2);
    assert_eq!(row["member_id"], "100000000001");
    assert_eq!(row["cp_id"], "BHCP01");
    assert_eq!(row["effective_date"], "2026-12-01");
}

#[test]
fn numeric_zip_is_left_padded() {
    let (_case, out, run) = run_xlsx(vec![
        cells_id("100000000001", vec![("ZIP Code", Cell::Number(2118.0))]),
        // A rejected row keeps the original text of the numeric ZIP.
        cells_id(
            "100000000002",
            vec![("ZIP Code", Cell::Number(2118.0)), ("CP Program", t("XX"))],
        ),
    ]);
    assert_eq!(run.status, 1);
    // Read as "2118" it would be S005; padded to 02118 it is in BHCP01's area (021).
    assert!(
        row_findings(&out, 2).is_empty(),
        "{:?}",
        row_findings(&out, 2)
    );
    accepted_row(&out, 2);
    assert_eq!(row_findings(&out, 3), vec![pair("CP Program", "S005")]);
    assert_eq!(rejected_row(&out, 3)["ZIP Code"], "2118");
}

#[test]
fn boolean_cells_are_yes_no() {
    let (_case, out, run) = run_xlsx(vec![
        cells_id(
            "100000000001",
            vec![
                ("Medicare", Cell::Bool(false)),
                ("Other Insurance", Cell::Bool(false)),
                ("Nursing Facility", Cell::Number(0.0)),
            ],
        ),
        cells_id("100000000002", vec![("Medicare", Cell::Bool(true))]),
    ]);
    assert_eq!(run.status, 1);
    assert!(
        row_findings(&out, 2).is_empty(),
        "{:?}",
        row_findings(&out, 2)
    );
    accepted_row(&out, 2);
    // TRUE is read as "has Medicare": not eligible on the ACO/MCO path.
    assert_eq!(row_findings(&out, 3), vec![pair("Medicare", "E005")]);
    assert_eq!(rejected_row(&out, 3)["Medicare"], "TRUE");
}

// ---------------------------------------------------------------------------------------
// 2. Layout
// ---------------------------------------------------------------------------------------

#[test]
fn title_rows_above_the_header_and_blank_rows_keep_spreadsheet_numbers() {
    let rows = vec![
        vec![t("Community Partners enrollment batch")],
        vec![t("Submitted by ACPP01"), t("November 2026")],
        vec![],
        header_cells(),                                            // row 4
        cells_id("100000000001", vec![]),                          // row 5
        vec![],                                                    // row 6: blank
        vec![t("   "), Cell::Blank, t("\t")],                      // row 7: whitespace only
        cells_id("100000000002", vec![("Member ID", t("12345"))]), // row 8
        vec![],
        cells_id("100000000003", vec![]), // row 10
    ];
    let case = Case::new();
    let batch = case.path("batch.xlsx");
    write_xlsx(&batch, &[("Batch", rows)]);
    let out = case.out();
    let run = run_rows(&batch, &out, &[], 3);
    assert_eq!(run.status, 1);
    let accepted_rows: Vec<String> = accepted(&out)
        .iter()
        .map(|r| r["source_row"].clone())
        .collect();
    assert_eq!(accepted_rows, vec!["5", "10"]);
    assert_eq!(rejected_row(&out, 8)["Member ID"], "12345");
    assert_eq!(
        findings(&out),
        vec![("8".to_string(), "Member ID".to_string(), "S003".to_string())]
    );
    assert_eq!(summary(&out)["inputs"]["batch"]["rows"], 3);
    let name = file_name(&batch);
    assert!(
        run.stdout
            .lines()
            .any(|l| l.contains(&name) && l.contains(":8: S003 error [Member ID] ")),
        "{}",
        run.stdout
    );
}

#[test]
fn header_may_start_in_a_later_column() {
    let mut header = vec![Cell::Blank];
    header.extend(header_cells());
    let mut data = vec![Cell::Blank];
    data.extend(cells(vec![]));
    let rows = vec![vec![t("Batch of ACPP01")], vec![], header, data];
    let case = Case::new();
    let batch = case.path("batch.xlsx");
    write_xlsx(&batch, &[("Batch", rows)]);
    let out = case.out();
    let run = run_rows(&batch, &out, &[], 1);
    assert_eq!(run.status, 0, "{}", run.stdout);
    assert_eq!(accepted_row(&out, 4)["member_id"], "100000000001");
}

#[test]
fn header_is_searched_in_the_first_20_non_empty_rows() {
    let titled = |n: usize| {
        let mut rows: Vec<Vec<Cell>> = (0..n).map(|i| vec![t(&format!("note {i}"))]).collect();
        rows.push(header_cells());
        rows.push(cells(vec![]));
        rows
    };
    // 19 notes: the header is the 20th non-empty row (row 20).
    let case = Case::new();
    let batch = case.path("batch.xlsx");
    write_xlsx(&batch, &[("Batch", titled(19))]);
    let out = case.out();
    let run = run_rows(&batch, &out, &[], 1);
    assert_eq!(run.status, 0, "{}", run.stdout);
    accepted_row(&out, 21);

    // 20 notes: the header is the 21st non-empty row, too far down.
    let case = Case::new();
    let batch = case.path("batch.xlsx");
    write_xlsx(&batch, &[("Batch", titled(20))]);
    let out = case.out();
    let run = validate(&batch, &out, &[]);
    assert_refused(&run, &out, "F003", &file_name(&batch));
}

#[test]
fn header_aliases_in_any_order_with_case_and_underscore_variants() {
    // (header text, canonical column), in a shuffled order.
    let columns: [(&str, &str); 18] = [
        ("submitted_by", "Submitter ID"),
        ("member_id", "Member ID"),
        ("DOB", "Date of Birth"),
        ("ACO/MCO ID", "Plan ID"),
        ("TRANSACTION TYPE", "Action"),
        ("member last name", "Last Name"),
        ("First-Name", "First Name"),
        ("cp type", "CP Program"),
        ("Receiving_CP_ID", "CP ID"),
        ("Sending CP ID", "From CP ID"),
        ("COVERAGE", "Coverage Type"),
        ("Has Medicare", "Medicare"),
        ("tpl", "Other Insurance"),
        ("NF Resident", "Nursing Facility"),
        ("dmh", "DMH Affiliation"),
        ("Zip5", "ZIP Code"),
        ("effective", "Effective Date"),
        ("REASON", "Reason Code"),
    ];
    let good = good_row();
    let rows = vec![
        columns.iter().map(|(h, _)| t(h)).collect::<Vec<_>>(),
        columns
            .iter()
            .map(|(_, c)| match good[c].as_str() {
                "" => Cell::Blank,
                v => t(v),
            })
            .collect(),
    ];
    let case = Case::new();
    let batch = case.path("batch.xlsx");
    write_xlsx(&batch, &[("Batch", rows)]);
    let out = case.out();
    let run = run_rows(&batch, &out, &[], 1);
    assert_eq!(run.status, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(findings(&out).is_empty(), "{:?}", findings(&out));
    let row = accepted_row(&out, 2);
    assert_eq!(row["member_id"], "100000000001");
    assert_eq!(row["date_of_birth"], "1980-04-02");
    assert_eq!(row["plan_id"], "ACPP01");
    assert_eq!(row["action"], "ENROLL");
}

#[test]
fn unrecognised_column_is_one_w001_and_is_carried_to_rejected() {
    let mut header = header_cells();
    header.insert(2, t("Notes"));
    let with_note = |id: &str, note: Cell, changes: Vec<(&str, Cell)>| {
        let mut row = cells_id(id, changes);
        row.insert(2, note);
        row
    };
    let rows = vec![
        header,
        with_note("100000000001", t("call first"), vec![]),
        with_note(
            "100000000002",
            t("wrong program"),
            vec![("CP Program", t("LTSS"))],
        ),
        with_note(
            "100000000003",
            Cell::Number(7.0),
            vec![("Action", t("JOIN"))],
        ),
    ];
    let case = Case::new();
    let batch = case.path("batch.xlsx");
    write_xlsx(&batch, &[("Batch", rows)]);
    let out = case.out();
    let run = run_rows(&batch, &out, &[], 3);
    assert_eq!(run.status, 1);

    let w001: Vec<_> = findings(&out)
        .into_iter()
        .filter(|(.., code)| code == "W001")
        .collect();
    assert_eq!(
        w001,
        vec![(String::new(), String::new(), "W001".to_string())],
        "one file-level W001 with blank source_row"
    );
    assert_eq!(summary(&out)["counts"]["by_code"]["W001"], 1);
    // The file-level warning does not stop a good row from being accepted.
    assert_eq!(accepted_row(&out, 2)["warnings"], "");

    let (headers, _) = read_report(&out.join("rejected.csv"));
    let mut expected = vec!["source_row".to_string()];
    expected.extend(HEADERS.iter().map(|h| h.to_string()));
    expected.insert(3, "Notes".into());
    expected.extend(["error_codes".to_string(), "errors".to_string()]);
    assert_eq!(headers, expected);
    assert_eq!(rejected_row(&out, 3)["Notes"], "wrong program");
    assert_eq!(rejected_row(&out, 4)["Notes"], "7");
    assert!(
        run.stdout
            .lines()
            .any(|l| l.contains("W001 warning") && l.contains("Notes")),
        "{}",
        run.stdout
    );
}

#[test]
fn batch_sheet_is_chosen_whatever_its_case_and_position() {
    let case = Case::new();
    let batch = case.path("batch.xlsx");
    let mut good = text_rows(&[good_row()]);
    good.insert(0, vec![t("Batch for ACPP01")]);
    write_xlsx(
        &batch,
        &[
            (
                "Instructions",
                vec![
                    vec![t("Fill in one row per member on the batch sheet.")],
                    vec![t("Action"), t("ENROLL, DISENROLL or TRANSFER")],
                ],
            ),
            ("Lists", vec![vec![t("BHCP01")], vec![t("BHCP02")]]),
            ("batch", good),
        ],
    );
    let out = case.out();
    let run = run_rows(&batch, &out, &[], 1);
    assert_eq!(run.status, 0, "{}", run.stdout);
    accepted_row(&out, 3);
    assert_eq!(summary(&out)["inputs"]["batch"]["sheet"], "batch");
}

#[test]
fn hidden_first_sheet_is_skipped_for_the_first_visible_one() {
    let case = Case::new();
    let batch = case.path("batch.xlsx");
    let bad = text_rows(&[row_with(&[("Member ID", "1")])]);
    let good = text_rows(&[good_row()]);
    write_xlsx_sheets(&batch, &[("Old", bad, true), ("Current", good, false)], 1);
    let out = case.out();
    let run = run_rows(&batch, &out, &[], 1);
    assert_eq!(run.status, 0, "{}", run.stdout);
    assert_eq!(summary(&out)["inputs"]["batch"]["sheet"], "Current");
}

#[test]
fn hidden_batch_sheet_is_still_the_batch() {
    let case = Case::new();
    let batch = case.path("batch.xlsx");
    let good = text_rows(&[good_row()]);
    write_xlsx_sheets(
        &batch,
        &[
            ("Instructions", vec![vec![t("Read me")]], false),
            ("BATCH", good, true),
        ],
        0,
    );
    let out = case.out();
    let run = run_rows(&batch, &out, &[], 1);
    assert_eq!(run.status, 0, "{}", run.stdout);
    assert_eq!(summary(&out)["inputs"]["batch"]["sheet"], "BATCH");
}

#[test]
fn sheet_option_picks_a_sheet() {
    let case = Case::new();
    let batch = case.path("batch.xlsx");
    let bad = text_rows(&[row_with(&[("Member ID", "1")])]);
    let good = text_rows(&[good_row(), row_with(&[("Member ID", "100000000002")])]);
    write_xlsx(&batch, &[("Batch", bad), ("Resubmit", good)]);
    let out = case.out();
    let run = run_rows(&batch, &out, &["--sheet", "Resubmit"], 2);
    assert_eq!(run.status, 0, "{}", run.stdout);
    assert_eq!(summary(&out)["inputs"]["batch"]["sheet"], "Resubmit");

    // Without --sheet, the Batch sheet is read.
    let out2 = case.path("out2");
    let run = run_rows(&batch, &out2, &[], 1);
    assert_eq!(run.status, 1);
    assert_eq!(summary(&out2)["inputs"]["batch"]["sheet"], "Batch");
}

#[test]
fn missing_sheet_is_f002() {
    let case = Case::new();
    let batch = case.path("batch.xlsx");
    write_xlsx(&batch, &[("Batch", text_rows(&[good_row()]))]);
    let out = case.out();
    let run = validate(&batch, &out, &["--sheet", "Missing"]);
    assert_refused(&run, &out, "F002", &file_name(&batch));
    assert!(run.stderr.contains("Missing"), "{}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
}

// ---------------------------------------------------------------------------------------
// 3. CSV
// ---------------------------------------------------------------------------------------

fn csv_line(row: &BTreeMap<&'static str, String>) -> String {
    HEADERS
        .iter()
        .map(|h| row[h].clone())
        .collect::<Vec<_>>()
        .join(",")
}

/// A CSV batch: a BOM, a title line, the header (line 2), then rows separated by blank
/// lines and a line of empty fields; `eol` ends every line.
fn spaced_csv(eol: &str) -> String {
    let lines = [
        "\u{FEFF}Batch for ACPP01".to_string(),
        HEADERS.join(","),
        String::new(),
        csv_line(&good_row()), // line 4
        String::new(),
        String::new(),
        csv_line(&row_with(&[
            ("Member ID", "100000000002"),
            ("Last Name", "R1vera"),
        ])), // line 7
        ",,,".to_string(),
        csv_line(&row_with(&[("Member ID", "100000000003")])), // line 9
    ];
    let mut text = lines.join(eol);
    text.push_str(eol);
    text
}

fn check_spaced_csv(eol: &str) {
    let case = Case::new();
    let batch = case.path("batch.csv");
    std::fs::write(&batch, spaced_csv(eol)).unwrap();
    let out = case.out();
    let run = run_rows(&batch, &out, &[], 3);
    assert_eq!(run.status, 1);
    let rows: Vec<String> = accepted(&out)
        .iter()
        .map(|r| r["source_row"].clone())
        .collect();
    assert_eq!(rows, vec!["4", "9"]);
    assert_eq!(row_findings(&out, 7), vec![pair("Last Name", "S007")]);
    assert_eq!(rejected_row(&out, 7)["Last Name"], "R1vera");
    assert!(summary(&out)["inputs"]["batch"]["sheet"].is_null());
}

#[test]
fn csv_with_bom_title_line_and_blank_lines_keeps_record_numbers() {
    check_spaced_csv("\n");
}

#[test]
fn csv_with_crlf_line_endings_keeps_record_numbers() {
    check_spaced_csv("\r\n");
}

#[test]
fn csv_crlf_rows_are_numbered_by_record() {
    let case = Case::new();
    let batch = case.path("batch.csv");
    let text = format!(
        "{}\r\n{}\r\n{}\r\n{}\r\n",
        HEADERS.join(","),
        csv_line(&good_row()),
        csv_line(&row_with(&[("Member ID", "12345")])),
        csv_line(&row_with(&[("Member ID", "100000000003")])),
    );
    std::fs::write(&batch, text).unwrap();
    let out = case.out();
    let run = run_rows(&batch, &out, &[], 3);
    assert_eq!(run.status, 1);
    accepted_row(&out, 2);
    assert_eq!(row_findings(&out, 3), vec![pair("Member ID", "S003")]);
    accepted_row(&out, 4);
}

#[test]
fn csv_old_mac_cr_line_endings_are_numbered_by_record() {
    let case = Case::new();
    let batch = case.path("batch.csv");
    let text = format!(
        "{}\r{}\r{}\r",
        HEADERS.join(","),
        csv_line(&good_row()),
        csv_line(&row_with(&[("Member ID", "12345")])),
    );
    std::fs::write(&batch, text).unwrap();
    let out = case.out();
    let run = run_rows(&batch, &out, &[], 2);
    assert_eq!(run.status, 1);
    accepted_row(&out, 2);
    assert_eq!(row_findings(&out, 3), vec![pair("Member ID", "S003")]);
}

#[test]
fn csv_quoted_field_over_several_lines_is_one_record() {
    let case = Case::new();
    let batch = case.path("batch.csv");
    let text = format!(
        "{},Notes\n{},\"call first\nthen write\"\n{},\n",
        HEADERS.join(","),
        csv_line(&row_with(&[("Last Name", "R1vera")])), // record 2
        csv_line(&row_with(&[("Member ID", "100000000002")])), // record 3
    );
    std::fs::write(&batch, text).unwrap();
    let out = case.out();
    let run = run_rows(&batch, &out, &[], 2);
    assert_eq!(run.status, 1);
    assert_eq!(rejected_row(&out, 2)["Notes"], "call first\nthen write");
    accepted_row(&out, 3);
}

#[test]
fn csv_bom_on_the_header_line() {
    let case = Case::new();
    let batch = case.path("batch.csv");
    let text = format!("\u{FEFF}{}\n{}\n", HEADERS.join(","), csv_line(&good_row()));
    std::fs::write(&batch, text).unwrap();
    let out = case.out();
    let run = run_rows(&batch, &out, &[], 1);
    assert_eq!(run.status, 0, "{}{}", run.stdout, run.stderr);
    accepted_row(&out, 2);
    // The BOM is not part of the first header in rejected.csv either.
    let (headers, _) = read_report(&out.join("rejected.csv"));
    assert_eq!(headers[1], "Action");
}

#[test]
fn csv_eleven_digit_member_id_is_s003_not_w002() {
    let found = check_one(&[("Member ID", "12345678901")], &[]);
    assert_eq!(found, vec![pair("Member ID", "S003")]);
}

#[test]
fn csv_member_id_with_spaces_and_hyphens_is_normalised() {
    let case = Case::new();
    let batch = case.path("batch.csv");
    write_csv(&batch, &[row_with(&[("Member ID", " 1000-0000 0001 ")])]);
    let out = case.out();
    let run = run_rows(&batch, &out, &[], 1);
    assert_eq!(run.status, 0, "{}", run.stdout);
    assert_eq!(accepted_row(&out, 2)["member_id"], "100000000001");
}

#[test]
fn xlsx_named_file_that_is_really_csv_is_read_as_csv() {
    let case = Case::new();
    let batch = case.path("batch.xlsx");
    write_csv(&batch, &[good_row()]);
    let out = case.out();
    let run = run_rows(&batch, &out, &[], 1);
    assert_eq!(run.status, 0, "{}{}", run.stdout, run.stderr);
    accepted_row(&out, 2);
    assert!(summary(&out)["inputs"]["batch"]["sheet"].is_null());
}

// ---------------------------------------------------------------------------------------
// 4. rejected.csv keeps the original cell text
// ---------------------------------------------------------------------------------------

#[test]
fn rejected_csv_keeps_original_cell_text() {
    let mut header = header_cells();
    header.push(t("Notes"));
    let mut row = cells(vec![
        ("Member ID", Cell::Number(100000000001.0)),
        ("Last Name", Cell::Number(12.0)),
        ("Date of Birth", Cell::Date(1980, 4, 2)),
        ("Medicare", Cell::Bool(false)),
        ("Other Insurance", Cell::Bool(true)),
        ("ZIP Code", Cell::Error("#N/A".into())),
        ("Effective Date", Cell::Number(SERIAL_1900_EFFECTIVE)),
        ("Reason Code", t("  Referral  ")),
    ]);
    row.push(Cell::Number(1.5));
    let case = Case::new();
    let batch = case.path("batch.xlsx");
    write_xlsx(&batch, &[("Batch", vec![header, row])]);
    let out = case.out();
    let run = run_rows(&batch, &out, &[], 1);
    assert_eq!(run.status, 1);

    let (headers, rows) = read_report(&out.join("rejected.csv"));
    let mut expected = vec!["source_row".to_string()];
    expected.extend(HEADERS.iter().map(|h| h.to_string()));
    expected.extend(["Notes", "error_codes", "errors"].map(String::from));
    assert_eq!(headers, expected);
    assert_eq!(rows.len(), 1);

    let row = rejected_row(&out, 2);
    assert_eq!(row["Member ID"], "100000000001");
    assert_eq!(row["Last Name"], "12");
    assert_eq!(row["Date of Birth"], "1980-04-02");
    assert_eq!(row["Medicare"], "FALSE");
    assert_eq!(row["Other Insurance"], "TRUE");
    assert_eq!(row["ZIP Code"], "#N/A");
    assert_eq!(row["Effective Date"], "46357");
    assert_eq!(row["Reason Code"], "  Referral  ");
    assert_eq!(row["Notes"], "1.5");
    assert_eq!(row["From CP ID"], "");
    assert_eq!(row["Action"], "ENROLL");

    let codes: Vec<&str> = row["error_codes"].split(';').collect();
    assert!(codes.contains(&"S007"), "{codes:?}");
    assert!(codes.contains(&"S005"), "{codes:?}");
    assert_eq!(
        row["errors"].split(" | ").count(),
        codes.len(),
        "{}",
        row["errors"]
    );
    // Error codes only: no warning code in error_codes.
    assert!(codes.iter().all(|c| !c.starts_with('W')));
}

// ---------------------------------------------------------------------------------------
// 5. Report columns
// ---------------------------------------------------------------------------------------

fn transfer_row() -> BTreeMap<&'static str, String> {
    row_with(&[
        ("Action", "TRANSFER"),
        ("Member ID", "100000000002"),
        ("Last Name", "Chen"),
        ("First Name", "Wei"),
        ("CP ID", "BHCP02"),
        ("From CP ID", "BHCP01"),
        ("Reason Code", "MEMBER_CHOICE"),
        ("Submitter ID", "MASSHEALTH"),
    ])
}

#[test]
fn report_columns_are_exact() {
    let case = Case::new();
    let batch = case.path("batch.xlsx");
    let rows = [
        good_row(),
        transfer_row(),
        row_with(&[("Member ID", "100000000003"), ("CP Program", "LTSS")]),
    ];
    write_xlsx(&batch, &[("Batch", text_rows(&rows))]);
    let out = case.out();
    let run = run_rows(&batch, &out, &[], 3);
    assert_eq!(run.status, 1);

    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();

    let (headers, accepted_rows) = read_report(&out.join("accepted.csv"));
    assert_eq!(
        headers,
        s(&[
            "source_row",
            "action",
            "member_id",
            "last_name",
            "first_name",
            "date_of_birth",
            "cp_program",
            "cp_id",
            "from_cp_id",
            "plan_id",
            "effective_date",
            "reason_code",
            "submitter_id",
            "eligibility_path",
            "warnings",
        ])
    );
    assert_eq!(
        accepted_rows,
        vec![
            s(&[
                "2",
                "ENROLL",
                "100000000001",
                "Rivera",
                "Ana",
                "1980-04-02",
                "BH",
                "BHCP01",
                "",
                "ACPP01",
                "2026-12-01",
                "REFERRAL",
                "ACPP01",
                "ACO_MCO",
                "",
            ]),
            s(&[
                "3",
                "TRANSFER",
                "100000000002",
                "Chen",
                "Wei",
                "1980-04-02",
                "BH",
                "BHCP02",
                "BHCP01",
                "ACPP01",
                "2026-12-01",
                "MEMBER_CHOICE",
                "MASSHEALTH",
                "ACO_MCO",
                "",
            ]),
        ]
    );

    let (headers, transfers) = read_report(&out.join("transfers.csv"));
    assert_eq!(
        headers,
        s(&[
            "source_row",
            "member_id",
            "last_name",
            "first_name",
            "cp_program",
            "from_cp_id",
            "to_cp_id",
            "plan_id",
            "effective_date",
            "reason_code",
        ])
    );
    assert_eq!(
        transfers,
        vec![s(&[
            "3",
            "100000000002",
            "Chen",
            "Wei",
            "BH",
            "BHCP01",
            "BHCP02",
            "ACPP01",
            "2026-12-01",
            "MEMBER_CHOICE",
        ])]
    );

    let (headers, finding_rows) = read_report(&out.join("findings.csv"));
    assert_eq!(
        headers,
        s(&["source_row", "column", "code", "severity", "message"])
    );
    assert_eq!(finding_rows.len(), 1, "{finding_rows:?}");
    assert_eq!(
        finding_rows[0][..4],
        s(&["4", "CP Program", "C002", "error"])
    );
    assert!(!finding_rows[0][4].is_empty());

    let (headers, _) = read_report(&out.join("rejected.csv"));
    let mut expected = vec!["source_row".to_string()];
    expected.extend(HEADERS.iter().map(|h| h.to_string()));
    expected.extend(["error_codes", "errors"].map(String::from));
    assert_eq!(headers, expected);
    let row = rejected_row(&out, 4);
    assert_eq!(row["error_codes"], "C002");
    assert_eq!(row["errors"], finding_rows[0][4]);
}

fn keys(value: &serde_json::Value) -> Vec<String> {
    let mut keys: Vec<String> = value
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {value}"))
        .keys()
        .cloned()
        .collect();
    keys.sort();
    keys
}

fn sorted(names: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

#[test]
fn summary_json_has_the_documented_keys() {
    let case = Case::new();
    let batch = case.path("batch.xlsx");
    let rows = [
        good_row(),
        transfer_row(),
        row_with(&[("Member ID", "12345")]),
    ];
    write_xlsx(&batch, &[("Batch", text_rows(&rows))]);
    let out = case.out();
    run_rows(&batch, &out, &[], 3);
    let s = summary(&out);

    assert_eq!(
        keys(&s),
        sorted(&[
            "tool",
            "rules_version",
            "as_of",
            "inputs",
            "counts",
            "timings_ms"
        ])
    );
    assert_eq!(s["tool"]["name"], "cpbatch");
    assert!(s["tool"]["version"].as_str().is_some_and(|v| !v.is_empty()));
    assert!(s["rules_version"].as_str().is_some_and(|v| !v.is_empty()));
    assert_eq!(s["as_of"], AS_OF);

    assert_eq!(keys(&s["inputs"]), sorted(&["batch", "evs", "reference"]));
    assert_eq!(
        keys(&s["inputs"]["batch"]),
        sorted(&["path", "sha256", "sheet", "rows"])
    );
    let b = &s["inputs"]["batch"];
    assert_eq!(b["path"], batch.display().to_string());
    let digest: String = Sha256::digest(std::fs::read(&batch).unwrap())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(b["sha256"], digest);
    assert_eq!(b["sheet"], "Batch");
    assert_eq!(b["rows"], 3);
    assert!(s["inputs"]["evs"].is_null());
    assert_eq!(s["inputs"]["reference"], "built-in");

    let c = &s["counts"];
    assert_eq!(
        keys(c),
        sorted(&[
            "rows",
            "accepted",
            "rejected",
            "transfers",
            "by_action",
            "by_code"
        ])
    );
    assert_eq!(c["rows"], 3);
    assert_eq!(c["accepted"], 2);
    assert_eq!(c["rejected"], 1);
    assert_eq!(c["transfers"], 1);
    assert_eq!(
        keys(&c["by_action"]),
        sorted(&["ENROLL", "DISENROLL", "TRANSFER"])
    );
    for action in ["ENROLL", "DISENROLL", "TRANSFER"] {
        assert_eq!(
            keys(&c["by_action"][action]),
            sorted(&["accepted", "rejected"])
        );
    }
    assert_eq!(c["by_action"]["ENROLL"]["accepted"], 1);
    assert_eq!(c["by_action"]["ENROLL"]["rejected"], 1);
    assert_eq!(c["by_action"]["TRANSFER"]["accepted"], 1);
    assert_eq!(c["by_action"]["DISENROLL"]["accepted"], 0);
    assert_eq!(keys(&c["by_code"]), sorted(&["S003"]));
    assert_eq!(c["by_code"]["S003"], 1);
    assert!(s["timings_ms"].is_object());

    // The batch file is never modified.
    let after: String = Sha256::digest(std::fs::read(&batch).unwrap())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(after, digest);
}

#[test]
fn summary_reference_names_the_directory_given() {
    let case = Case::new();
    let reference = case.path("reference");
    write_reference(&reference, "plan_id,cp_id\nACPP01,BHCP01\n");
    let batch = case.path("batch.csv");
    write_csv(&batch, &[good_row()]);
    let out = case.out();
    let dir = reference.display().to_string();
    let run = run_rows(&batch, &out, &["--reference", &dir], 1);
    assert_eq!(run.status, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(summary(&out)["inputs"]["reference"], dir);
}

// ---------------------------------------------------------------------------------------
// 6. Bad input
// ---------------------------------------------------------------------------------------

#[test]
fn missing_file_is_f001() {
    let case = Case::new();
    let batch = case.path("nope.xlsx");
    let out = case.out();
    let run = validate(&batch, &out, &[]);
    assert_refused(&run, &out, "F001", "nope.xlsx");
}

#[test]
fn text_without_a_header_named_xlsx_is_f003() {
    let case = Case::new();
    let batch = case.path("notes.xlsx");
    std::fs::write(
        &batch,
        "Dear team,\nplease find the members below.\nThanks!\n",
    )
    .unwrap();
    let out = case.out();
    let run = validate(&batch, &out, &[]);
    assert_refused(&run, &out, "F003", "notes.xlsx");
}

#[test]
fn corrupt_zip_is_f001() {
    let case = Case::new();
    for (name, bytes) in [
        ("local.xlsx", {
            let mut b = b"PK\x03\x04".to_vec();
            b.extend((0..2000u32).map(|i| (i * 37 % 251) as u8));
            b
        }),
        ("short.xlsx", b"PK\x05\x06garbage".to_vec()),
        ("truncated.xlsx", {
            // A real workbook cut in half.
            let full = case.path("full.xlsx");
            write_xlsx(&full, &[("Batch", text_rows(&[good_row()]))]);
            let bytes = std::fs::read(&full).unwrap();
            bytes[..bytes.len() / 2].to_vec()
        }),
    ] {
        let batch = case.path(name);
        std::fs::write(&batch, bytes).unwrap();
        let out = case.path(&format!("out-{name}"));
        let run = validate(&batch, &out, &[]);
        assert_refused(&run, &out, "F001", name);
    }
}

#[test]
fn binary_files_are_f001() {
    let case = Case::new();
    // (Text that is not UTF-8 is read as Windows-1252: tests/text_batches.rs.)
    let cases: [(&str, Vec<u8>); 2] = [
        (
            "image.xlsx",
            vec![0x89, b'P', b'N', b'G', 0, 0, 0, 13, 0, 1],
        ),
        ("archive.xlsx", vec![0x1F, 0x8B, 8, 0, 0, 0, 0, 0]),
    ];
    for (name, bytes) in cases {
        let batch = case.path(name);
        std::fs::write(&batch, bytes).unwrap();
        let out = case.path(&format!("out-{name}"));
        let run = validate(&batch, &out, &[]);
        assert_refused(&run, &out, "F001", name);
    }
}

#[test]
fn empty_sheet_is_f003() {
    let case = Case::new();
    let batch = case.path("blank.xlsx");
    write_xlsx(&batch, &[("Batch", vec![])]);
    let out = case.out();
    let run = validate(&batch, &out, &[]);
    assert_refused(&run, &out, "F003", "blank.xlsx");
}

#[test]
fn sheet_without_a_header_is_f003() {
    let case = Case::new();
    let batch = case.path("headless.xlsx");
    // Data rows without their header row.
    let rows: Vec<Vec<Cell>> = text_rows(&[good_row(), row_with(&[("Member ID", "100000000002")])])
        .into_iter()
        .skip(1)
        .collect();
    write_xlsx(&batch, &[("Batch", rows)]);
    let out = case.out();
    let run = validate(&batch, &out, &[]);
    assert_refused(&run, &out, "F003", "headless.xlsx");
    // Nothing that identifies a member goes to stderr.
    assert!(!run.stderr.contains("100000000001"), "{}", run.stderr);
    assert!(!run.stderr.contains("Rivera"), "{}", run.stderr);
}

#[test]
fn header_with_action_but_no_member_id_is_f003() {
    let case = Case::new();
    let batch = case.path("batch.csv");
    let headers: Vec<&str> = HEADERS
        .iter()
        .copied()
        .filter(|h| *h != "Member ID")
        .collect();
    std::fs::write(&batch, format!("{}\n", headers.join(","))).unwrap();
    let out = case.out();
    let run = validate(&batch, &out, &[]);
    assert_refused(&run, &out, "F003", "batch.csv");
}

#[test]
fn missing_required_columns_are_f004_listing_every_one() {
    let case = Case::new();
    let batch = case.path("narrow.xlsx");
    let rows = vec![
        vec![t("Action"), t("Member ID"), t("Last Name"), t("Plan ID")],
        vec![t("ENROLL"), t("100000000001"), t("Rivera"), t("ACPP01")],
    ];
    write_xlsx(&batch, &[("Batch", rows)]);
    let out = case.out();
    let run = validate(&batch, &out, &[]);
    assert_refused(&run, &out, "F004", "narrow.xlsx");
    for missing in [
        "First Name",
        "Date of Birth",
        "CP Program",
        "CP ID",
        "Effective Date",
        "Submitter ID",
    ] {
        assert!(run.stderr.contains(missing), "{missing}: {}", run.stderr);
    }
    assert!(!run.stderr.contains("100000000001"), "{}", run.stderr);
}

#[test]
fn two_columns_for_one_header_are_f005() {
    let case = Case::new();
    let batch = case.path("dup.xlsx");
    let mut header = header_cells();
    header.push(t("DOB"));
    let mut row = cells(vec![]);
    row.push(t("1980-04-02"));
    write_xlsx(&batch, &[("Batch", vec![header, row])]);
    let out = case.out();
    let run = validate(&batch, &out, &[]);
    assert_refused(&run, &out, "F005", "dup.xlsx");
    assert!(run.stderr.contains("DOB"), "{}", run.stderr);
    assert!(run.stderr.contains("Date of Birth"), "{}", run.stderr);
}

#[test]
fn bad_reference_directory_is_f007() {
    let case = Case::new();
    let batch = case.path("batch.csv");
    write_csv(&batch, &[good_row()]);

    // A directory that does not exist.
    let missing = case.path("no-reference");
    let out = case.out();
    let run = validate(
        &batch,
        &out,
        &["--reference", &missing.display().to_string()],
    );
    assert_refused(&run, &out, "F007", "no-reference");

    // An empty directory.
    let empty = case.path("empty-reference");
    std::fs::create_dir(&empty).unwrap();
    let run = validate(&batch, &out, &["--reference", &empty.display().to_string()]);
    assert_refused(&run, &out, "F007", "empty-reference");

    // A partnership naming a CP the roster does not define.
    let bad = case.path("bad-reference");
    write_reference(&bad, "plan_id,cp_id\nACPP01,BHCP99\n");
    let run = validate(&batch, &out, &["--reference", &bad.display().to_string()]);
    assert_refused(&run, &out, "F007", "bad-reference");
}

#[test]
fn refused_run_leaves_an_existing_out_dir_untouched() {
    let case = Case::new();
    let out = case.out();
    std::fs::create_dir(&out).unwrap();
    let batch = case.path("nope.csv");
    let run = validate(&batch, &out, &[]);
    assert_refused(&run, &out, "F001", "nope.csv");
}

// ---------------------------------------------------------------------------------------
// 7. Determinism
// ---------------------------------------------------------------------------------------

/// A mixed batch of `n` rows: accepted, rejected, transfers, duplicates and conflicts.
fn mixed_rows(n: usize) -> Vec<Vec<Cell>> {
    (0..n)
        .map(|i| {
            let id = format!(
                "{:012}",
                200000000000u64 + (i as u64 / 3) * 3 + (i as u64 % 2)
            );
            let mut changes: Vec<(&str, Cell)> = vec![];
            if i % 5 == 0 {
                changes.extend([
                    ("Action", t("TRANSFER")),
                    ("CP ID", t("BHCP02")),
                    ("From CP ID", t("BHCP01")),
                    ("Reason Code", t("MEMBER_CHOICE")),
                    ("Submitter ID", t("MASSHEALTH")),
                ]);
            }
            if i % 7 == 0 {
                changes.push(("Date of Birth", t("02/30/1980")));
            }
            if i % 11 == 0 {
                changes.push(("Member ID", Cell::Number(12345678901.0 + i as f64)));
            }
            if i % 13 == 0 {
                changes.push(("ZIP Code", t("01001")));
            }
            if i % 17 == 0 {
                changes.push(("Effective Date", t(&format!("12/{:02}/2026", 1 + i % 28))));
            }
            cells_id(&id, changes)
        })
        .collect()
}

fn without_timings(out: &Path) -> serde_json::Value {
    let mut s = summary(out);
    s.as_object_mut().unwrap().remove("timings_ms");
    s
}

#[test]
fn runs_are_byte_identical_whatever_the_thread_count() {
    let case = Case::new();
    let batch = case.path("batch.xlsx");
    let n = 400;
    let mut sheet = vec![vec![t("Nightly batch")], header_cells()];
    sheet.extend(mixed_rows(n));
    write_xlsx(&batch, &[("Batch", sheet)]);

    let runs: Vec<(PathBuf, Run)> = [
        ("a", vec![]),
        ("b", vec![]),
        ("t1", vec!["--threads", "1"]),
        ("t2", vec!["--threads", "2"]),
    ]
    .into_iter()
    .map(|(name, extra)| {
        let out = case.path(name);
        let run = run_rows(&batch, &out, &extra, n);
        (out, run)
    })
    .collect();
    let (first, first_run) = &runs[0];
    assert_eq!(first_run.status, 1);
    assert!(!rejected(first).is_empty() && !accepted(first).is_empty());
    assert!(summary(first)["counts"]["transfers"].as_u64().unwrap() > 0);
    for (out, run) in &runs[1..] {
        for report in [
            "accepted.csv",
            "rejected.csv",
            "transfers.csv",
            "findings.csv",
        ] {
            assert!(
                std::fs::read(first.join(report)).unwrap()
                    == std::fs::read(out.join(report)).unwrap(),
                "{report} differs between {} and {}",
                first.display(),
                out.display()
            );
        }
        assert_eq!(without_timings(first), without_timings(out));
        assert_eq!(first_run.stdout, run.stdout);
        assert_eq!(first_run.status, run.status);
    }
}

// ---------------------------------------------------------------------------------------
// 8. Exit status and console
// ---------------------------------------------------------------------------------------

#[test]
fn exit_0_when_every_row_is_accepted() {
    let case = Case::new();
    let batch = case.path("batch.csv");
    write_csv(&batch, &[good_row(), transfer_row()]);
    let out = case.out();
    let run = run_rows(&batch, &out, &[], 2);
    assert_eq!(run.status, 0, "{}", run.stdout);
    assert_eq!(
        run.stdout.lines().last(),
        Some("2 rows: 2 accepted, 0 rejected (1 transfers)")
    );
}

#[test]
fn exit_0_for_a_header_without_data_rows() {
    for ext in ["csv", "xlsx"] {
        let case = Case::new();
        let batch = case.path(&format!("batch.{ext}"));
        if ext == "csv" {
            write_csv(&batch, &[]);
        } else {
            write_xlsx(&batch, &[("Batch", text_rows(&[]))]);
        }
        let out = case.out();
        let run = run_rows(&batch, &out, &[], 0);
        assert_eq!(run.status, 0, "{ext}: {}{}", run.stdout, run.stderr);
        assert_eq!(
            run.stdout.trim_end(),
            "0 rows: 0 accepted, 0 rejected (0 transfers)"
        );
        for report in REPORTS {
            assert!(out.join(report).exists(), "{report}");
        }
        assert!(accepted(&out).is_empty());
    }
}

#[test]
fn exit_1_when_any_row_is_rejected() {
    let case = Case::new();
    let batch = case.path("batch.csv");
    write_csv(
        &batch,
        &[
            good_row(),
            row_with(&[("Member ID", "100000000002"), ("Action", "JOIN")]),
        ],
    );
    let out = case.out();
    let run = run_rows(&batch, &out, &[], 2);
    assert_eq!(run.status, 1);
    assert_eq!(row_findings(&out, 3), vec![pair("Action", "S002")]);
}

#[test]
fn quiet_prints_only_the_summary_line() {
    let case = Case::new();
    let batch = case.path("batch.csv");
    write_csv(
        &batch,
        &[
            good_row(),
            row_with(&[("Member ID", "12345")]),
            transfer_row(),
        ],
    );
    let out = case.out();
    let run = run_rows(&batch, &out, &["--quiet"], 3);
    assert_eq!(run.status, 1);
    assert_eq!(run.stdout, "3 rows: 2 accepted, 1 rejected (1 transfers)\n");
    assert!(run.stderr.is_empty(), "{}", run.stderr);
}

#[test]
fn console_lines_have_the_compiler_form() {
    let case = Case::new();
    let batch = case.path("batch.csv");
    write_csv(
        &batch,
        &[
            good_row(),
            row_with(&[("Member ID", "12345"), ("Last Name", "R1vera")]),
        ],
    );
    let out = case.out();
    let run = run_rows(&batch, &out, &[], 2);
    assert_eq!(run.status, 1);
    let lines: Vec<&str> = run.stdout.lines().collect();
    let path = batch.display().to_string();
    assert_eq!(lines.len(), 3, "{}", run.stdout);
    assert!(
        lines[0].starts_with(&format!("{path}:3: S003 error [Member ID] ")),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with(&format!("{path}:3: S007 error [Last Name] ")),
        "{}",
        lines[1]
    );
    assert_eq!(lines[2], "2 rows: 1 accepted, 1 rejected (0 transfers)");
    // Every finding line matches findings.csv, in the same order.
    let (_, rows) = read_report(&out.join("findings.csv"));
    for (line, row) in lines.iter().zip(&rows) {
        assert_eq!(
            *line,
            format!(
                "{path}:{}: {} {} [{}] {}",
                row[0], row[2], row[3], row[1], row[4]
            )
        );
    }
    // Nothing about members goes to stderr.
    assert!(run.stderr.is_empty(), "{}", run.stderr);
}

#[test]
fn without_out_nothing_is_written() {
    let case = Case::new();
    let batch = case.path("batch.csv");
    write_csv(&batch, &[good_row()]);
    let run = cpbatch(&[
        "validate".to_string(),
        batch.display().to_string(),
        "--as-of".into(),
        AS_OF.into(),
    ]);
    assert_eq!(run.status, 0, "{}{}", run.stdout, run.stderr);
    let entries: Vec<String> = std::fs::read_dir(case.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(entries, vec!["batch.csv".to_string()]);
}

/// `cpbatch validate … | head`: a reader that closes the pipe early must not cost the reports.
#[test]
fn a_closed_stdout_pipe_still_writes_every_report() {
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("batch.csv");
    let rows: Vec<_> = (0..500)
        .map(|i| {
            row_with(&[
                ("Member ID", &format!("1000000{i:05}")),
                ("Last Name", "Sm1th"),
            ])
        })
        .collect();
    write_csv(&batch, &rows);
    let out = dir.path().join("out");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_cpbatch"))
        .args([
            "validate",
            batch.to_str().unwrap(),
            "--as-of",
            AS_OF,
            "--out",
        ])
        .arg(&out)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_conserved(&out, 500);
}

/// The demo batch saved by LibreOffice as `.xls` (BIFF8) and `.ods` (OpenDocument) gives
/// the very reports the `.xlsx` gives: same rows, values, findings and codes.
#[test]
fn xls_and_ods_batches_read_like_the_xlsx() {
    let dir = tempfile::tempdir().unwrap();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let evs = root.join("fixtures/demo/evs.csv");
    let run = |batch: &Path, name: &str| {
        let out = dir.path().join(name);
        let run = validate(
            batch,
            &out,
            &["--evs", evs.to_str().unwrap(), "--format", "csv"],
        );
        assert_eq!(run.status, 1, "{name}: {}", run.stderr);
        assert_conserved(&out, 300);
        out
    };
    let xlsx = run(&root.join("fixtures/demo/batch.xlsx"), "xlsx");
    for format in ["xls", "ods"] {
        let other = run(
            &root.join(format!("fixtures/formats/batch.{format}")),
            format,
        );
        for report in [
            "accepted.csv",
            "rejected.csv",
            "transfers.csv",
            "findings.csv",
        ] {
            assert_eq!(
                std::fs::read_to_string(xlsx.join(report)).unwrap(),
                std::fs::read_to_string(other.join(report)).unwrap(),
                "{report} of the .{format} batch"
            );
        }
    }
}
