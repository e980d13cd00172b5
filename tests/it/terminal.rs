//! What a name from outside may do to a terminal (SPEC 4.4): nothing. Control characters in a
//! batch's file name are escaped on stdout and stderr, so a name cannot move the cursor, ring
//! the bell or split a finding line; and `--threads` is bounded.

use crate::common;

use common::*;

/// A file name holding ESC, BEL and a line feed.
const HOSTILE_NAME: &str = "evil\x1b[2J\x07\nnext.csv";
const ESCAPED_NAME: &str = "evil\\x1b[2J\\x07\\x0anext.csv";

fn no_raw_controls(text: &str) {
    for c in ['\x1b', '\x07', '\r'] {
        assert!(!text.contains(c), "raw control {c:?} in {text:?}");
    }
}

#[test]
fn a_hostile_file_name_is_escaped_in_every_finding_line() {
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join(HOSTILE_NAME);
    write_csv(&batch, &[row_with(&[("Member ID", "12345")])]);
    let run = cpbatch(&[
        "validate".as_ref(),
        batch.as_os_str(),
        "--as-of".as_ref(),
        AS_OF.as_ref(),
    ]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    no_raw_controls(&run.stdout);
    let findings: Vec<&str> = run.stdout.lines().filter(|l| l.contains("S003")).collect();
    assert_eq!(findings.len(), 1, "{}", run.stdout);
    let expected = format!(
        "{}:2: S003 error [Member ID]",
        dir.path().join(ESCAPED_NAME).display()
    );
    assert!(findings[0].starts_with(&expected), "{}", findings[0]);
    // Every line is a finding or the summary: the name split none of them.
    for line in run.stdout.lines() {
        assert!(
            line.starts_with(&dir.path().display().to_string()) || line.contains(" rows: "),
            "a line split by the file name: {line:?}"
        );
    }
}

#[test]
fn a_hostile_file_name_is_escaped_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join(HOSTILE_NAME);
    std::fs::write(&batch, "no header here\n1,2,3\n").unwrap();
    let run = cpbatch(&[
        "validate".as_ref(),
        batch.as_os_str(),
        "--as-of".as_ref(),
        AS_OF.as_ref(),
    ]);
    assert_eq!(run.status, 2, "{}", run.stderr);
    no_raw_controls(&run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{:?}", run.stderr);
    assert!(run.stderr.contains(ESCAPED_NAME), "{:?}", run.stderr);
    assert!(run.stderr.contains("F003"), "{:?}", run.stderr);
}

#[test]
fn threads_above_256_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("b.csv");
    write_csv(&batch, &[good_row()]);
    let out = dir.path().join("out");
    for bad in ["257", "40000", "0", "many"] {
        let run = validate(&batch, &out, &["--threads", bad]);
        assert_eq!(run.status, 2, "--threads {bad}: {}", run.stderr);
        assert!(run.stderr.contains("1 to 256"), "{}", run.stderr);
        assert!(!out.exists(), "--threads {bad} wrote reports");
    }
    let run = validate(&batch, &out, &["--threads", "256"]);
    assert_eq!(run.status, 0, "{}{}", run.stdout, run.stderr);
}

#[test]
fn a_run_without_out_says_once_that_no_report_was_written() {
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("b.csv");
    write_csv(&batch, &[good_row()]);
    let run = cpbatch(&[
        "validate".as_ref(),
        batch.as_os_str(),
        "--as-of".as_ref(),
        AS_OF.as_ref(),
    ]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert_eq!(
        run.stderr,
        "cpbatch: no --out directory given: no report was written\n"
    );
    let out = dir.path().join("out");
    let run = validate(&batch, &out, &[]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert_eq!(run.stderr, "");
}
