//! Headers as people type them (SPEC 2.1, 3.8): markers (`*`, `#`, a parenthesised note),
//! aliases, cpbatch's own `Source Row` and `Errors`, and the closest canonical header named
//! by W001 and F004.

mod common;
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
fn w001_names_the_closest_canonical_header_the_batch_lacks() {
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("typo.csv");
    // Medicare (optional) typed wrong; Notes is nothing near.
    let headers = headers_with(&[("Medicare", "Medicar")]);
    write_with_headers(&batch, &headers, &["Notes"]);
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
            "column header \"Medicar\" is not recognised: did you mean \"Medicare\"? its values are kept in the rejected report but not checked",
            "column header \"Notes\" is not recognised; its values are kept in the rejected report but not checked",
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
