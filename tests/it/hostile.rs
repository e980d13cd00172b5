//! A hostile corpus (issue 5): damaged, disguised and malicious batch files, each generated
//! here into a temporary directory, each with its exact outcome: a file-level error naming
//! the file (exit 2, nothing written), or row findings. None may panic, and none may make
//! cpbatch read gigabytes.
//!
//! `HOSTILE_KEEP=DIR cargo test --test hostile -- --ignored keep_the_corpus` writes the
//! larger files into DIR, to measure the release binary's peak memory on them.

use crate::common;
mod outputs;
use crate::raw;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::*;
use raw::{RawXml, Repeated, SHARED_PART, SHEET_PART};
use tempfile::TempDir;

const REPORTS: [&str; 8] = [
    "accepted.csv",
    "rejected.csv",
    "transfers.csv",
    "findings.csv",
    "summary.json",
    "accepted.xlsx",
    "rejected.xlsx",
    "transfers.xlsx",
];

fn case() -> TempDir {
    tempfile::tempdir().unwrap()
}

/// A run that must not have panicked.
fn run(batch: &Path, out: &Path, extra: &[&str]) -> Run {
    let run = validate(batch, out, extra);
    assert!(!run.stderr.contains("panicked"), "panic: {}", run.stderr);
    run
}

/// A refused batch: exit 2, the one stderr line `cpbatch: CODE error: FILE…` containing
/// `reason`, nothing on stdout and no report written.
fn assert_refused(run: &Run, out: &Path, code: &str, batch: &Path, reason: &str) {
    assert_eq!(
        run.status, 2,
        "expected exit 2\nstdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    let prefix = format!("cpbatch: {code} error: {}", batch.display());
    assert!(
        run.stderr.starts_with(&prefix),
        "stderr does not start with {prefix:?}: {}",
        run.stderr
    );
    assert!(
        run.stderr.contains(reason),
        "stderr does not say {reason:?}: {}",
        run.stderr
    );
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert_eq!(run.stdout, "");
    assert!(!out.exists(), "--out was created for a refused batch");
}

/// Runs a batch that must be refused with F001 for `reason`, at once (not after seconds of
/// inflating a bomb); its reports would go to `out-NAME` beside it.
fn assert_f001(batch: &Path, reason: &str) -> Run {
    let name = batch.file_name().unwrap().to_string_lossy();
    let out = batch.with_file_name(format!("out-{name}"));
    let started = Instant::now();
    let run = run(batch, &out, &[]);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "took {:?}: the file was read",
        started.elapsed()
    );
    assert_refused(&run, &out, "F001", batch, reason);
    run
}

/// A processed batch: the exit status, every row in one report, no panic.
fn assert_processed(run: &Run, out: &Path, status: i32, rows: usize) {
    assert_eq!(
        run.status, status,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    assert_eq!(run.stderr, "");
    assert_conserved(out, rows);
}

/// The (column, code) findings of one source row.
fn row_codes(out: &Path, source_row: u32) -> Vec<(String, String)> {
    findings(out)
        .into_iter()
        .filter(|(row, ..)| *row == source_row.to_string())
        .map(|(_, column, code)| (column, code))
        .collect()
}

/// The canonical headers and one good row as raw XML cells (the good row's ID may change).
fn raw_rows(ids: &[&str]) -> Vec<Vec<RawXml>> {
    good_grid(ids)
        .into_iter()
        .map(|row| row.into_iter().map(RawXml::Text).collect())
        .collect()
}

/// A good workbook with its sheet part replaced.
fn write_workbook(path: &Path, sheet: &str) {
    raw::write_raw_xlsx(path, sheet, None, false);
}

// ---------------------------------------------------------------------------------------
// Damaged and disguised files
// ---------------------------------------------------------------------------------------

#[test]
fn truncated_xlsx_is_f001() {
    let dir = case();
    let full = dir.path().join("full.xlsx");
    write_xlsx(&full, &[("Batch", text_rows(&[good_row()]))]);
    let bytes = std::fs::read(&full).unwrap();
    // Cut in the middle, just before the end of the central directory, and after the header.
    for (name, keep) in [
        ("half.xlsx", bytes.len() / 2),
        ("tail.xlsx", bytes.len() - 10),
        ("head.xlsx", 100),
    ] {
        let batch = dir.path().join(name);
        std::fs::write(&batch, &bytes[..keep]).unwrap();
        assert_f001(
            &batch,
            "cannot read the batch file: a zip archive but not a readable .xlsx, .xlsm, .xlsb or .ods workbook (its zip directory is damaged or missing)",
        );
    }
}

#[test]
fn zip_without_its_sheet_part_is_f001() {
    let dir = case();
    let batch = dir.path().join("nosheet.xlsx");
    // The workbook lists sheet "Batch" but the archive has no part for it.
    raw::write_zip(&batch, &raw::xlsx_parts(false, false));
    assert_f001(
        &batch,
        "cannot read the batch file: sheet \"Batch\" has no part in the archive: the workbook is damaged",
    );
}

#[test]
fn pdf_named_xlsx_is_f001() {
    let dir = case();
    let batch = dir.path().join("scan.xlsx");
    std::fs::write(
        &batch,
        b"%PDF-1.7\n%\xE2\xE3\xCF\xD3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n\0\x01",
    )
    .unwrap();
    assert_f001(
        &batch,
        "cannot read the batch file: a PDF document, not a spreadsheet",
    );
}

#[test]
fn empty_file_is_f001() {
    let dir = case();
    for name in ["empty.xlsx", "empty.csv"] {
        let batch = dir.path().join(name);
        std::fs::write(&batch, b"").unwrap();
        assert_f001(&batch, "cannot read the batch file: the file is empty");
    }
}

#[test]
fn directory_as_batch_is_f001() {
    let dir = case();
    let batch = dir.path().join("folder.xlsx");
    std::fs::create_dir(&batch).unwrap();
    assert_f001(
        &batch,
        "cannot read the batch file: it is a directory, not a file",
    );
}

// ---------------------------------------------------------------------------------------
// Zip bombs and entity expansion: refused before anything is inflated
// ---------------------------------------------------------------------------------------

/// The sheet XML before the bomb's repeated rows: the header row.
fn bomb_head() -> String {
    let sheet = raw::sheet_xml(&raw_rows(&[]));
    sheet
        .strip_suffix("</sheetData></worksheet>")
        .unwrap()
        .to_string()
}

/// 1 MiB of whole data rows with no row numbers: inflated, row after row of members.
fn row_chunk() -> Vec<u8> {
    let row = raw::sheet_xml(&raw_rows(&["100000000001"]));
    let start = row.find("<row r=\"2\">").unwrap();
    let end = row.rfind("</row>").unwrap() + "</row>".len();
    let one = row[start..end].replace("<row r=\"2\">", "<row>");
    let one = one.replace(" r=\"", " data-r=\""); // no cell positions either
    one.repeat((1 << 20) / one.len() + 1).into_bytes()
}

/// Writes a workbook whose part `name` is `head`, then `chunk` × `repeats`, then `tail`.
fn write_bomb(path: &Path, bomb: &Repeated<'_>, shared: bool) {
    let mut parts = raw::xlsx_parts(false, shared);
    if bomb.name != SHEET_PART {
        parts.push((
            SHEET_PART.to_string(),
            raw::sheet_xml(&raw_rows(&[])).into_bytes(),
        ));
    }
    raw::write_bomb(path, &parts, bomb);
}

/// Checks that a bomb is real: the archive declares the inflated size, and its start
/// inflates to what was written.
fn assert_real_bomb(path: &Path, part: &str, inflated: u64, starts_with: &[u8]) {
    use std::io::Read;
    let file = std::fs::File::open(path).unwrap();
    assert!(file.metadata().unwrap().len() < 8 << 20, "a bomb is small");
    let mut archive = zip::ZipArchive::new(file).unwrap();
    let mut entry = archive.by_name(part).unwrap();
    assert_eq!(entry.size(), inflated);
    let mut start = vec![0; starts_with.len()];
    entry.read_exact(&mut start).unwrap();
    assert_eq!(start, starts_with);
}

#[test]
fn sheet_of_a_gigabyte_of_rows_is_refused_as_a_zip_bomb() {
    let dir = case();
    let batch = dir.path().join("bomb.xlsx");
    let (head, chunk) = (bomb_head(), row_chunk());
    let bomb = Repeated {
        name: SHEET_PART,
        head: head.as_bytes(),
        chunk: &chunk,
        repeats: 1024,
        tail: b"</sheetData></worksheet>",
    };
    write_bomb(&batch, &bomb, false);
    assert_real_bomb(&batch, SHEET_PART, bomb.inflated_len(), head.as_bytes());
    let run = assert_f001(
        &batch,
        "cannot read the batch file: its part xl/worksheets/sheet1.xml would inflate from ",
    );
    assert!(
        run.stderr.contains(
            " to 1.0 GiB, 197 times its size; real workbooks compress about 10 times, so this is a zip bomb or a damaged file, and it is not read"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn a_three_gigabyte_cell_is_refused_for_its_size() {
    let dir = case();
    let batch = dir.path().join("cell.xlsx");
    let head = format!(
        "{}<row r=\"2\"><c r=\"A2\" t=\"inlineStr\"><is><t>",
        bomb_head()
    );
    let chunk = vec![b'A'; 1 << 20];
    let bomb = Repeated {
        name: SHEET_PART,
        head: head.as_bytes(),
        chunk: &chunk,
        repeats: 3 * 1024,
        tail: b"</t></is></c></row></sheetData></worksheet>",
    };
    write_bomb(&batch, &bomb, false);
    assert_real_bomb(&batch, SHEET_PART, bomb.inflated_len(), head.as_bytes());
    assert_f001(
        &batch,
        "cannot read the batch file: its part xl/worksheets/sheet1.xml would inflate to 3.0 GiB, more than the 2.0 GiB a batch can need (a full 1,048,575-row sheet is about 1 GB); it is not read",
    );
}

#[test]
fn shared_strings_bomb_is_refused() {
    let dir = case();
    let batch = dir.path().join("strings.xlsx");
    let head = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>"#;
    let chunk = vec![b' '; 1 << 20];
    let bomb = Repeated {
        name: SHARED_PART,
        head: head.as_bytes(),
        chunk: &chunk,
        repeats: 1024,
        tail: b"</t></si></sst>",
    };
    write_bomb(&batch, &bomb, true);
    assert_real_bomb(&batch, SHARED_PART, bomb.inflated_len(), head.as_bytes());
    assert_f001(
        &batch,
        "cannot read the batch file: its part xl/sharedStrings.xml would inflate from ",
    );
}

/// A sheet with more rows or columns than Excel allows is refused when the reader reaches
/// it, before it holds more than Excel could.
#[test]
fn sheets_beyond_excels_grid_are_f001() {
    let dir = case();
    let good = raw::sheet_xml(&raw_rows(&["100000000001"]));
    let body_end = good.rfind("</sheetData>").unwrap();
    let with = |extra: &str| format!("{}{extra}{}", &good[..body_end], &good[body_end..]);
    let cases = [
        (
            "rows.xlsx",
            with(r#"<row r="1048577"><c r="A1048577"><v>1</v></c></row>"#),
            "the sheet has a row 1048577, beyond row 1,048,576, the last a sheet can have: the workbook is damaged or was not made by a spreadsheet program",
        ),
        (
            "column.xlsx",
            with(r#"<row r="3"><c r="XFE3"><v>1</v></c></row>"#),
            "row 3 of the sheet has a cell beyond column XFD (16,384), the last a sheet can have",
        ),
        (
            "unnumbered.xlsx",
            // Cells without positions are placed one after the other.
            with(&format!(
                "<row r=\"3\">{}</row>",
                "<c><v>1</v></c>".repeat(16_385)
            )),
            "row 3 of the sheet has a cell beyond column XFD (16,384), the last a sheet can have",
        ),
        (
            "crowded.xlsx",
            // Every cell at A3: one row made to hold ever more cells.
            with(&format!(
                "<row r=\"3\">{}</row>",
                r#"<c r="A3"><v>1</v></c>"#.repeat(16_385)
            )),
            "row 3 of the sheet has more than 16,384 cells, the most a row can have",
        ),
    ];
    for (name, sheet, reason) in cases {
        let batch = dir.path().join(name);
        write_workbook(&batch, &sheet);
        assert_f001(&batch, reason);
    }
}

/// A cell reference of letters only (no row), or of so many letters that calamine's column
/// arithmetic would overflow, is refused.
#[test]
fn a_cell_reference_of_letters_only_is_f001() {
    let dir = case();
    let good = raw::sheet_xml(&raw_rows(&["100000000001"]));
    let batch = dir.path().join("reference.xlsx");
    write_workbook(&batch, &good.replacen("r=\"C2\"", "r=\"ABCDEFGHIJ\"", 1));
    assert_f001(
        &batch,
        "cannot read the batch file: row 2 of the sheet has a cell whose reference is not a cell reference",
    );
}

/// "Billion laughs": entities that would expand to gigabytes. The XML reader expands no
/// entity a document declares, so the unknown entity is an error: F001, at once.
#[test]
fn xml_entity_expansion_is_f001() {
    let dir = case();
    let mut doctype = String::from(r#"<!DOCTYPE lolz [<!ENTITY lol "lol">"#);
    for i in 1..=9 {
        let previous = if i == 1 {
            "&lol;".to_string()
        } else {
            format!("&lol{};", i - 1)
        };
        doctype.push_str(&format!(r#"<!ENTITY lol{i} "{}">"#, previous.repeat(10)));
    }
    doctype.push_str("]>");
    let good = raw::sheet_xml(&raw_rows(&["100000000001"]));
    let declared = good.replacen("<worksheet", &format!("{doctype}<worksheet"), 1);
    // In the sheet: the Last Name cell is the entity.
    let sheet = declared.replacen("<t>Rivera</t>", "<t>&lol9;</t>", 1);
    let batch = dir.path().join("laughs-sheet.xlsx");
    write_workbook(&batch, &sheet);
    assert_f001(
        &batch,
        "cannot read the batch file: sheet \"Batch\" cannot be read: its XML uses an entity that no workbook uses",
    );

    // In the shared strings, used by the Last Name cell.
    let shared = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{doctype}<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>"#
    );
    let sheet = good.replacen(
        r#"t="inlineStr"><is><t>Rivera</t></is></c>"#,
        r#"t="s"><v>0</v></c>"#,
        1,
    );
    let batch = dir.path().join("laughs-strings.xlsx");
    raw::write_raw_xlsx(&batch, &sheet, Some(&shared), false);
    assert_f001(
        &batch,
        "cannot read the batch file: its shared strings cannot be read: its XML uses an entity that no workbook uses",
    );
}

// ---------------------------------------------------------------------------------------
// Excel's limits: read whole
// ---------------------------------------------------------------------------------------

#[test]
fn a_cell_of_32767_characters_is_read_whole() {
    let dir = case();
    let batch = dir.path().join("long.xlsx");
    let long = "A".repeat(32_767);
    let mut sheet = text_rows(&[
        row_with(&[("Last Name", &long)]),
        row_with(&[("Member ID", "100000000002")]),
    ]);
    // An unrecognised column, long on the accepted row too.
    sheet[0].push(t("Notes"));
    sheet[1].push(t(&long));
    sheet[2].push(t(&long));
    write_xlsx(&batch, &[("Batch", sheet)]);
    let out = dir.path().join("out");
    let run = run(&batch, &out, &[]);
    assert_processed(&run, &out, 1, 2);
    assert_eq!(
        row_codes(&out, 2),
        pairs(&[("Last Name", "S007")]),
        "{}",
        run.stdout
    );
    let expected = format!(
        "long.xlsx:2: S007 error [Last Name] Last Name \"{}…\" is 32767 characters long; the limit is 50",
        "A".repeat(60)
    );
    assert!(run.stdout.contains(&expected), "{}", run.stdout);
    let (headers, rows) = read_report(&out.join("rejected.csv"));
    assert_eq!(
        rows[0][headers.iter().position(|h| h == "Last Name").unwrap()],
        long
    );
    assert_eq!(
        rows[0][headers.iter().position(|h| h == "Notes").unwrap()],
        long
    );
    for name in ["rejected.xlsx", "accepted.xlsx"] {
        assert!(out.join(name).is_file(), "{name}");
    }
}

/// The widest sheet Excel allows: the batch's 18 columns, then 16,366 more up to XFD.
/// Every third row is rejected (Medicare "MAYBE").
fn write_widest_sheet(path: &Path, rows: usize) {
    let mut header: Vec<Cell> = HEADERS.iter().map(|h| t(h)).collect();
    header.extend((HEADERS.len()..16_384).map(|c| t(&format!("Extra {c}"))));
    let mut sheet = vec![header];
    for i in 0..rows {
        let id = format!("1000000{:05}", i + 1);
        let medicare = if i % 3 == 2 { "MAYBE" } else { "N" };
        let mut row =
            text_rows(&[row_with(&[("Member ID", &id), ("Medicare", medicare)])]).remove(1);
        row.extend((HEADERS.len()..16_384).map(|c| Cell::Number(c as f64)));
        sheet.push(row);
    }
    write_xlsx(path, &[("Batch", sheet)]);
}

#[test]
fn a_sheet_of_16384_columns_is_read() {
    let dir = case();
    let batch = dir.path().join("wide.xlsx");
    write_widest_sheet(&batch, 3);
    let out = dir.path().join("out");
    let run = run(&batch, &out, &[]);
    assert_processed(&run, &out, 1, 3);
    assert_eq!(row_codes(&out, 4), pairs(&[("Medicare", "S005")]));
    // Every header that is not the batch's is one W001, reported once.
    let file_level: Vec<_> = findings(&out)
        .into_iter()
        .filter(|(row, ..)| row.is_empty())
        .collect();
    assert_eq!(file_level.len(), 16_384 - HEADERS.len());
    assert!(file_level.iter().all(|(_, _, code)| code == "W001"));
    assert!(run.stdout.contains(
        "wide.xlsx: W001 warning column header \"Extra 16383\" is not recognised; its values are kept in the rejected report but not checked"
    ));
    assert!(
        run.stdout
            .ends_with("3 rows: 2 accepted, 1 rejected (0 transfers)\n")
    );
    // rejected.csv carries every column; rejected.xlsx keeps the last column for Errors.
    let (headers, rows) = read_report(&out.join("rejected.csv"));
    assert_eq!(headers.len(), 1 + 16_384 + 2);
    assert_eq!(headers[16_384], "Extra 16383");
    assert_eq!(rows[0][16_384], "16383");
    assert!(out.join("rejected.xlsx").is_file());
}

// ---------------------------------------------------------------------------------------
// Text that is not what it seems
// ---------------------------------------------------------------------------------------

/// CSV lines for a batch: the header and `n` good rows with their own IDs.
fn csv_lines(n: usize) -> Vec<String> {
    let mut lines = vec![HEADERS.join(",")];
    for i in 0..n {
        let row = row_with(&[("Member ID", &format!("1000000{:05}", i + 1))]);
        lines.push(
            HEADERS
                .iter()
                .map(|h| row[h].clone())
                .collect::<Vec<_>>()
                .join(","),
        );
    }
    lines
}

#[test]
fn csv_not_utf8_past_the_sniffed_start_is_read_as_windows_1252() {
    let dir = case();
    // 200 good rows (well past the first 8 KiB, which decide the format), then a 1252 name:
    // the whole file is Windows-1252 (SPEC 2.1), reported once (W006).
    let mut text = csv_lines(200).join("\n").into_bytes();
    text.extend_from_slice(b"\nENROLL,100000000999,Mu\xF1oz,Ana,1980-04-02,BH,BHCP01,,ACPP01,STANDARD,N,N,N,NONE,02118,2026-12-01,REFERRAL,ACPP01\n");
    let batch = dir.path().join("latin1.csv");
    std::fs::write(&batch, text).unwrap();
    let out = dir.path().join("out");
    let run = run(&batch, &out, &["--format", "csv"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert_eq!(
        findings(&out),
        vec![(String::new(), String::new(), "W006".to_string())]
    );
    let accepted = std::fs::read_to_string(out.join("accepted.csv")).unwrap();
    assert!(
        accepted.contains("\n202,ENROLL,100000000999,Muñoz,Ana,"),
        "{accepted}"
    );
}

#[test]
fn csv_with_mixed_line_endings_keeps_record_numbers() {
    let dir = case();
    let lines = csv_lines(6);
    // Header \r\n, row 2 \n, a blank \r line, row 3 \r, rows \r\n \n \r, a blank \r\n line, last row without an ending.
    let text = format!(
        "{}\r\n{}\n\r{}\r{}\r\n{}\n{}\r\r\n{}",
        lines[0], lines[1], lines[2], lines[3], lines[4], lines[5], lines[6]
    );
    let batch = dir.path().join("mixed.csv");
    std::fs::write(&batch, text).unwrap();
    let out = dir.path().join("out");
    let run = run(&batch, &out, &[]);
    assert_processed(&run, &out, 0, 6);
    let rows: Vec<String> = read_report(&out.join("accepted.csv"))
        .1
        .into_iter()
        .map(|r| format!("{}:{}", r[0], r[2]))
        .collect();
    assert_eq!(
        rows,
        [
            "2:100000000001",
            "4:100000000002",
            "5:100000000003",
            "6:100000000004",
            "7:100000000005",
            "9:100000000006"
        ]
    );
}

#[test]
fn a_nul_byte_is_f001_wherever_it_is() {
    let dir = case();
    let line = |at: usize| {
        let mut lines = csv_lines(at + 1);
        lines[at + 1] = lines[at + 1].replacen("Rivera", "Riv\0era", 1);
        lines.join("\n")
    };
    // In the first 8 KiB the file is taken for a binary file; further on, the record says where.
    let batch = dir.path().join("early.csv");
    std::fs::write(&batch, line(0)).unwrap();
    assert_f001(
        &batch,
        "cannot read the batch file: a binary file that is not a supported workbook (.xlsx, .xlsm, .xlsb, .xls, .ods) or delimited text",
    );
    let batch = dir.path().join("late.csv");
    std::fs::write(&batch, line(200)).unwrap();
    assert_f001(
        &batch,
        "cannot read the batch file: row 202, column 3 has a NUL byte, which no text file has (is it UTF-16 saved without a byte order mark, or damaged? save it as CSV UTF-8)",
    );
}

/// A header row repeated below the first (two batches pasted together) is a data row like
/// any other (SPEC 2.1: every non-empty row below the header row is one): its values are
/// header names, invalid for their columns, so it is rejected with a finding per column and
/// stays in the rejected reports for the submitter to delete. It is neither skipped silently
/// nor taken for a new header, and the rows after it are judged as usual.
#[test]
fn a_header_repeated_mid_sheet_is_a_rejected_row() {
    let dir = case();
    let batch = dir.path().join("pasted.xlsx");
    let mut sheet = text_rows(&[good_row()]);
    sheet.push(HEADERS.iter().map(|h| t(h)).collect());
    sheet.push(text_rows(&[row_with(&[("Member ID", "100000000002")])]).remove(1));
    write_xlsx(&batch, &[("Batch", sheet)]);
    let out = dir.path().join("out");
    let run = run(&batch, &out, &[]);
    assert_processed(&run, &out, 1, 3);
    assert_eq!(
        row_codes(&out, 3),
        pairs(&[
            ("Action", "S002"),
            ("Member ID", "S003"),
            ("Date of Birth", "S004"),
            ("CP Program", "S005"),
            ("CP ID", "C001"),
            ("Plan ID", "C003"),
            ("Coverage Type", "S005"),
            ("Medicare", "S005"),
            ("Other Insurance", "S005"),
            ("Nursing Facility", "S005"),
            ("DMH Affiliation", "S005"),
            ("ZIP Code", "S005"),
            ("Effective Date", "S004"),
            ("Reason Code", "S005"),
            ("Submitter ID", "C006"),
        ])
    );
    assert!(run.stdout.contains(
        "pasted.xlsx:3: S002 error [Action] Action \"Action\" is not ENROLL, DISENROLL or TRANSFER"
    ));
    assert!(row_codes(&out, 2).is_empty() && row_codes(&out, 4).is_empty());
}

// ---------------------------------------------------------------------------------------
// The batch is never overwritten (SPEC 4.2)
// ---------------------------------------------------------------------------------------

/// A usage error: exit 2, one `cpbatch: error:` line saying `reason`, nothing on stdout.
fn assert_usage_error(run: &Run, reason: &str) {
    assert_eq!(
        run.status, 2,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert_eq!(run.stderr, format!("cpbatch: error: {reason}\n"));
    assert_eq!(run.stdout, "");
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_batch_named_like_a_report_in_the_out_dir_is_never_overwritten() {
    let dir = case();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    for name in REPORTS {
        let batch = out.join(name);
        if name.ends_with(".csv") {
            write_csv(&batch, &[good_row()]);
        } else if name.ends_with(".xlsx") {
            write_xlsx(&batch, &[("Batch", text_rows(&[good_row()]))]);
        } else {
            continue; // summary.json is no batch
        }
        let before = std::fs::read(&batch).unwrap();
        let run = run(&batch, &out, &[]);
        assert_usage_error(
            &run,
            &format!(
                "--out {} would replace the batch file {} with a report of the same name: choose another --out directory",
                out.display(),
                batch.display()
            ),
        );
        assert_eq!(
            std::fs::read(&batch).unwrap(),
            before,
            "{name} was modified"
        );
        assert_eq!(entries(&out), [name]);
        std::fs::remove_file(&batch).unwrap();
    }
}

#[test]
fn with_several_batches_a_batch_in_its_own_report_dir_is_never_overwritten() {
    let dir = case();
    let out = dir.path().join("out");
    // Batch "accepted.csv" writes its reports into out/accepted/; a batch already at
    // out/accepted/accepted.csv would be replaced.
    std::fs::create_dir_all(out.join("accepted")).unwrap();
    let batch = out.join("accepted").join("accepted.csv");
    write_csv(&batch, &[good_row()]);
    let other = dir.path().join("other.csv");
    write_csv(&other, &[row_with(&[("Member ID", "100000000002")])]);
    let before = std::fs::read(&batch).unwrap();
    let run = cpbatch(&[
        "validate",
        batch.to_str().unwrap(),
        other.to_str().unwrap(),
        "--as-of",
        AS_OF,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_usage_error(
        &run,
        &format!(
            "--out {} would replace the batch file {} with a report of the same name: choose another --out directory",
            out.display(),
            batch.display()
        ),
    );
    assert_eq!(std::fs::read(&batch).unwrap(), before);
    assert_eq!(entries(&out.join("accepted")), ["accepted.csv"]);
}

#[test]
fn out_that_is_the_batch_file_is_a_usage_error() {
    let dir = case();
    let batch = dir.path().join("batch.csv");
    write_csv(&batch, &[good_row()]);
    let before = std::fs::read(&batch).unwrap();
    let run = run(&batch, &batch, &[]);
    assert_usage_error(
        &run,
        &format!(
            "--out {} is a file, not a directory: name a directory for the reports",
            batch.display()
        ),
    );
    assert_eq!(std::fs::read(&batch).unwrap(), before);
    assert_eq!(entries(dir.path()), ["batch.csv"]);
}

#[test]
fn a_batch_in_the_out_dir_under_its_own_name_is_read_and_kept() {
    let dir = case();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let batch = out.join("batch.csv");
    write_csv(&batch, &[good_row()]);
    let before = std::fs::read(&batch).unwrap();
    let run = run(&batch, &out, &["--format", "csv"]);
    assert_processed(&run, &out, 0, 1);
    assert_eq!(std::fs::read(&batch).unwrap(), before);
    assert_eq!(
        entries(&out),
        [
            "accepted.csv",
            "batch.csv",
            "findings.csv",
            "rejected.csv",
            "summary.json",
            "transfers.csv"
        ]
    );
}

// ---------------------------------------------------------------------------------------
// Measuring
// ---------------------------------------------------------------------------------------

/// Writes the corpus's large files into `$HOSTILE_KEEP`, for `/usr/bin/time -v` runs of the
/// release binary.
#[test]
#[ignore = "writes files to measure; run by hand with HOSTILE_KEEP=DIR"]
fn keep_the_corpus() {
    let dir = PathBuf::from(std::env::var("HOSTILE_KEEP").expect("HOSTILE_KEEP=DIR"));
    std::fs::create_dir_all(&dir).unwrap();
    let (head, chunk) = (bomb_head(), row_chunk());
    write_bomb(
        &dir.join("bomb-rows.xlsx"),
        &Repeated {
            name: SHEET_PART,
            head: head.as_bytes(),
            chunk: &chunk,
            repeats: 1024,
            tail: b"</sheetData></worksheet>",
        },
        false,
    );
    let cell_head = format!("{head}<row r=\"2\"><c r=\"A2\" t=\"inlineStr\"><is><t>");
    let a = vec![b'A'; 1 << 20];
    write_bomb(
        &dir.join("bomb-cell.xlsx"),
        &Repeated {
            name: SHEET_PART,
            head: cell_head.as_bytes(),
            chunk: &a,
            repeats: 3 * 1024,
            tail: b"</t></is></c></row></sheetData></worksheet>",
        },
        false,
    );
    // Just under the ratio check: a 64 MiB cell is read, in bounded memory.
    write_bomb(
        &dir.join("cell-64mib.xlsx"),
        &Repeated {
            name: SHEET_PART,
            head: cell_head.as_bytes(),
            chunk: &a,
            repeats: 63,
            tail: b"</t></is></c></row></sheetData></worksheet>",
        },
        false,
    );
    write_widest_sheet(&dir.join("wide.xlsx"), 100);
}
