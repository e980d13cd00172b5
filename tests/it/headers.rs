//! Headers as people type them (SPEC 2.1, 3.8): markers (`*`, `#`, a parenthesised note),
//! aliases, cpbatch's own `Source Row` and `Errors`, and the closest canonical header named
//! by W001 and F004.

use crate::common;
use common::*;

use std::path::Path;

/// A CSV batch of `good_row()` under the given headers (one per canonical column, in
/// template order, then `extra` columns with empty values).
fn write_with_headers(path: &Path, headers: &[&str], extra: &[&str]) {
    let row = good_row();
    let mut writer = csv::Writer::from_path(path).unwrap();
    let names: Vec<&str> = headers.iter().chain(extra).copied().collect();
    writer.write_record(&names).unwrap();
    let values: Vec<String> = HEADERS
        .iter()
        .map(|h| row[h].clone())
        .chain(extra.iter().map(|_| String::new()))
        .collect();
    writer.write_record(&values).unwrap();
    writer.flush().unwrap();
}

/// The canonical headers with some replaced.
fn headers_with(changes: &[(&str, &'static str)]) -> Vec<&'static str> {
    HEADERS
        .iter()
        .map(|h| {
            changes
                .iter()
                .find(|(from, _)| from == h)
                .map_or(*h, |(_, to)| *to)
        })
        .collect()
}

#[test]
fn markers_and_aliases_people_type_are_recognised() {
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("marked.csv");
    let headers = headers_with(&[
        ("Action", "Action*"),
        ("Member ID", "MassHealth ID #"),
        ("Date of Birth", "DOB (MM/DD/YYYY)"),
        ("Effective Date", "Eff Date *"),
        ("Submitter ID", "Submitted By (plan or CP) *"),
        ("ZIP Code", "Zip5"),
    ]);
    write_with_headers(&batch, &headers, &["Source Row", "Errors"]);
    let out = dir.path().join("out");
    let run = validate(&batch, &out, &["--format", "csv"]);
    assert_eq!(run.status, 0, "{}\n{}", run.stdout, run.stderr);
    // No W001: every header is known, `Source Row` and `Errors` are cpbatch's own.
    assert_eq!(findings(&out), vec![]);
    assert_conserved(&out, 1);
}

#[test]
fn w001_names_the_closest_canonical_header() {
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("typo.csv");
    // Medicare (optional) typed wrong; Notes is nothing near; a misspelt copy of a header
    // the batch has is still named for it (SPEC 2.1 makes no exception).
    let headers = headers_with(&[("Medicare", "Medicar")]);
    write_with_headers(&batch, &headers, &["Notes", "Efective Date"]);
    let out = dir.path().join("out");
    let run = validate(&batch, &out, &["--format", "csv"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    let (_, rows) = read_report(&out.join("findings.csv"));
    let messages: Vec<&str> = rows
        .iter()
        .filter(|r| r[2] == "W001")
        .map(|r| r[4].as_str())
        .collect();
    assert_eq!(
        messages,
        [
            "column header \"Medicar\" is not recognised (did you mean \"Medicare\"?); its values are kept in the rejected report but not checked",
            "column header \"Notes\" is not recognised; its values are kept in the rejected report but not checked",
            "column header \"Efective Date\" is not recognised (did you mean \"Effective Date\"?); its values are kept in the rejected report but not checked",
        ]
    );
}

#[test]
fn f004_names_for_each_missing_column_the_closest_header_found() {
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("typos.csv");
    let headers = headers_with(&[
        ("Effective Date", "Efective Date"),
        ("Submitter ID", "Submiter ID"),
        ("Last Name", "Surname"),
    ]);
    write_with_headers(&batch, &headers, &[]);
    let run = validate(&batch, &dir.path().join("out"), &[]);
    assert_eq!(run.status, 2, "{}", run.stdout);
    assert!(
        run.stderr.contains(
            "missing required column(s): Last Name, Effective Date (closest header: \"Efective Date\"), Submitter ID (closest header: \"Submiter ID\")"
        ),
        "{}",
        run.stderr
    );
}

/// Reads a batch with both workbook readers (cpbatch's own and calamine's); they must agree.
fn read_both(path: &Path) -> Result<cpbatch::batch::Batch, String> {
    let native = cpbatch::batch::read_batch(path, None).map_err(|e| e.to_string());
    let calamine = cpbatch::batch::read_batch_with_calamine(path, None).map_err(|e| e.to_string());
    match (&native, &calamine) {
        (Ok(a), Ok(b)) => assert_eq!(
            (&a.sheet, a.rows.len(), a.layout.header_row),
            (&b.sheet, b.rows.len(), b.layout.header_row)
        ),
        (Err(a), Err(b)) => assert_eq!(a, b),
        _ => panic!(
            "the readers disagree: {native:?} / {calamine:?}",
            native = native.as_ref().err(),
            calamine = calamine.as_ref().err()
        ),
    }
    native
}

#[test]
fn with_no_batch_sheet_the_first_visible_sheet_with_a_header_row_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("two-sheets.xlsx");
    let notes = vec![vec![t("Notes for the batch")], vec![t("sent by the plan")]];
    write_xlsx(
        &batch,
        &[
            ("Sheet1", vec![]),
            ("Notes", notes),
            ("Sheet2", text_rows(&[good_row(), good_row()])),
        ],
    );
    let read = read_both(&batch).unwrap();
    assert_eq!(read.sheet.as_deref(), Some("Sheet2"));
    assert_eq!(read.rows.len(), 2);
    assert_eq!(read.rows[0].source_row, 2);
    // End to end: the summary names the sheet read.
    let out = dir.path().join("out");
    let run = validate(&batch, &out, &["--format", "csv"]);
    assert_eq!(run.status, 1, "{}", run.stderr); // the two rows are duplicates (B001)
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["inputs"]["batch"]["sheet"], "Sheet2");
}

#[test]
fn f003_names_every_sheet_searched_and_quotes_the_most_header_like_row() {
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("no-header.xlsx");
    let near_miss = vec![
        vec![t("Batch for December")],
        vec![t("Acton"), t("Member ID"), t("Name"), t("DOB")],
        vec![t("ENROLL"), t("100000000001"), t("Rivera"), t("1980-04-02")],
    ];
    write_xlsx(
        &batch,
        &[
            ("Sheet1", vec![vec![t("nothing here")]]),
            ("Sheet2", near_miss),
        ],
    );
    let error = read_both(&batch).unwrap_err();
    assert!(
        error.ends_with(
            "no header row found in sheets \"Sheet1\", \"Sheet2\": none of the first 20 non-empty rows has both an Action and a Member ID column header; the most header-like row, row 2 of sheet \"Sheet2\", has: \"Acton\", \"Member ID\", \"Name\", \"DOB\""
        ),
        "{error}"
    );
    // The data row below it, member data, is never quoted.
    assert!(
        !error.contains("Rivera") && !error.contains("100000000001"),
        "{error}"
    );
    let run = validate(&batch, &dir.path().join("out"), &[]);
    assert_eq!(run.status, 2);
    assert!(
        run.stderr.starts_with("cpbatch: F003 error: "),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("row 2 of sheet \"Sheet2\""),
        "{}",
        run.stderr
    );
}

#[test]
fn f003_on_a_named_sheet_names_it_and_on_text_names_none() {
    let dir = tempfile::tempdir().unwrap();
    // A Batch sheet is read even when another sheet has a header row.
    let batch = dir.path().join("batch-sheet.xlsx");
    write_xlsx(
        &batch,
        &[
            ("Other", text_rows(&[good_row()])),
            ("Batch", vec![vec![t("Member data below")]]),
        ],
    );
    let error = read_both(&batch).unwrap_err();
    assert!(
        error.contains("no header row found in sheet \"Batch\": ")
            && error.ends_with("; no row has any known column header"),
        "{error}"
    );
    // Delimited text: no sheet; a data row with no known header is never quoted.
    let csv = dir.path().join("no-header.csv");
    std::fs::write(&csv, "ENROLL,100000000001,Rivera\n").unwrap();
    let error = read_both(&csv).unwrap_err();
    assert!(
        error.ends_with(
            "no header row found: none of the first 20 non-empty rows has both an Action and a Member ID column header; no row has any known column header"
        ),
        "{error}"
    );
}
