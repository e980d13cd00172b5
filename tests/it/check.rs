//! Rules judged in-process: the arguments a test would give `cpbatch validate`, parsed by
//! the binary's own command line, then the library's in-memory pipeline (read → snapshot →
//! judge → cross-batch checks → sorted findings), with nothing written or printed.
//!
//! Findings come out as findings.csv gives them: (source row, column header, code), file
//! findings first, then each row's in report order. `in_process_findings_match_the_binary`
//! holds that to the binary's findings.csv on batches that raise every kind of finding.

use std::ffi::OsString;
use std::path::Path;

use clap::Parser;
use cpbatch::cli::{Cli, Command};
use cpbatch::rules::Finding;
use cpbatch::{Config, FileError, Judged};

use crate::common::*;

/// The `Config` of `cpbatch validate BATCH --as-of AS_OF` plus `extra`, as the binary
/// builds it (`--out` is not needed: nothing is written).
pub fn config(batches: &[&Path], extra: &[&str]) -> Config {
    let mut args: Vec<OsString> = vec!["cpbatch".into(), "validate".into()];
    args.extend(batches.iter().map(|b| b.as_os_str().to_owned()));
    args.extend(["--as-of", AS_OF, "--quiet"].map(OsString::from));
    args.extend(extra.iter().map(OsString::from));
    match Cli::try_parse_from(args).unwrap_or_else(|e| panic!("arguments: {e}")) {
        Cli {
            command: Command::Validate(args),
        } => args.into_config(),
        other => unreachable!("{other:?}"),
    }
}

/// Each batch's verdict, as `validate` would judge it; a refused single batch is `Err`.
pub fn judged(config: &Config) -> Result<Vec<Result<Judged, FileError>>, FileError> {
    Ok(cpbatch::cmd::validate::check(config)?
        .into_iter()
        .map(|checked| checked.verdict)
        .collect())
}

/// (source row, column, code) of one finding, as findings.csv shows it.
pub fn triple(finding: &Finding) -> (String, String, String) {
    (
        finding
            .source_row
            .map_or_else(String::new, |r| r.to_string()),
        finding
            .column
            .map_or_else(String::new, |c| c.header().to_string()),
        finding.code.as_str().to_string(),
    )
}

/// Every finding of a judged batch, in findings.csv order.
pub fn all_findings(judged: &Judged) -> impl Iterator<Item = &Finding> {
    judged
        .file_findings
        .iter()
        .chain(judged.outcomes.iter().flat_map(|o| o.findings.iter()))
}

/// Judges one processed batch in-process; panics if it is refused. Every data row has one
/// verdict (accepted or rejected).
pub fn judge_one(batch: &Path, extra: &[&str], rows: usize) -> Judged {
    let mut verdicts = judged(&config(&[batch], extra))
        .unwrap_or_else(|e| panic!("refused: {}", e.display_with_code()));
    assert_eq!(verdicts.len(), 1);
    let judged = verdicts
        .pop()
        .unwrap()
        .unwrap_or_else(|e| panic!("refused: {}", e.display_with_code()));
    assert_eq!(judged.outcomes.len(), rows, "one verdict per data row");
    assert_eq!(judged.accepted() + judged.rejected(), rows);
    judged
}

/// Validates a CSV batch of the given rows in-process; returns every finding (row, column,
/// code) in report order.
pub fn check_rows(
    rows: &[std::collections::BTreeMap<&'static str, String>],
    extra: &[&str],
) -> Vec<(String, String, String)> {
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("batch.csv");
    write_csv(&batch, rows);
    let judged = judge_one(&batch, extra, rows.len());
    let found: Vec<_> = all_findings(&judged).map(triple).collect();
    if std::env::var_os("CPBATCH_TEST_VIA_BINARY").is_some() {
        assert_eq!(
            found,
            check_rows_by_binary(rows, extra),
            "in-process ≠ binary"
        );
    }
    found
}

/// Validates a one-row CSV batch built from `good_row()` with changes; returns the row's
/// findings as (column, code) pairs. The data row is source row 2.
pub fn check_one(changes: &[(&'static str, &str)], extra: &[&str]) -> Vec<(String, String)> {
    check_rows(&[row_with(changes)], extra)
        .into_iter()
        .filter(|(row, ..)| row == "2")
        .map(|(_, column, code)| (column, code))
        .collect()
}

/// Every column of findings.csv for each finding: row, column, code, severity, message.
fn full_rows(judged: &Judged) -> Vec<Vec<String>> {
    all_findings(judged)
        .map(|f| {
            let (row, column, code) = triple(f);
            vec![
                row,
                column,
                code,
                f.severity().as_str().to_string(),
                f.message.clone(),
            ]
        })
        .collect()
}

/// The in-process pipeline finds what the binary writes to findings.csv, row for row and
/// in order, message included: on the demo (a workbook, the snapshot, codes of every
/// stage) and on two CSV batches that share members (the cross-batch check).
#[test]
fn in_process_findings_match_the_binary() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let batch = root.join("fixtures/demo/batch.xlsx");
    let evs = root.join("fixtures/demo/evs.csv");
    let evs = ["--evs", evs.to_str().unwrap()];
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo");
    let run = validate(&batch, &out, &[&evs[..], &["--format", "csv"]].concat());
    assert_eq!(run.status, 1, "{}", run.stderr);
    let demo = judge_one(&batch, &evs, 300);
    let expected = read_report(&out.join("findings.csv")).1;
    assert!(expected.len() > 100);
    assert_eq!(full_rows(&demo), expected);

    let (a, b) = (dir.path().join("a.csv"), dir.path().join("b.csv"));
    write_csv(&a, &[good_row(), row_with(&[("Medicare", "MAYBE")])]);
    write_csv(
        &b,
        &[row_with(&[("Member ID", "100000000002")]), good_row()],
    );
    let out = dir.path().join("two");
    let args: Vec<String> = ["validate", a.to_str().unwrap(), b.to_str().unwrap()]
        .into_iter()
        .chain(["--as-of", AS_OF, "--format", "csv", "--out"])
        .chain([out.to_str().unwrap()])
        .map(String::from)
        .collect();
    let run = cpbatch(&args);
    assert_eq!(run.status, 1, "{}", run.stderr);
    let verdicts = judged(&config(&[&a, &b], &[])).unwrap();
    let mut codes = Vec::new();
    for (verdict, stem) in verdicts.iter().zip(["a", "b"]) {
        let one = verdict.as_ref().unwrap();
        let expected = read_report(&out.join(stem).join("findings.csv")).1;
        assert_eq!(full_rows(one), expected, "{stem}");
        codes.extend(expected.into_iter().map(|r| r[2].clone()));
    }
    assert!(codes.contains(&"B003".to_string()), "{codes:?}");
}
