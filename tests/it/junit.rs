//! End-to-end tests of the JUnit XML report (`--junit FILE`, SPEC 5, 5.1): batches are
//! written, the binary is run, and the report is read back with an XML parser, compared
//! with findings.csv, and validated against `tests/data/junit.xsd` with xmllint.

use crate::common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::xml::{Element, parse};
use common::*;
use tempfile::TempDir;

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// Reads and parses a report, after checking that it is valid against the JUnit schema and
/// holds no character that XML 1.0 forbids.
fn read_junit(path: &Path) -> Element {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let text = String::from_utf8(bytes).expect("the report is UTF-8");
    if let Some(c) = text
        .chars()
        .find(|&c| c < ' ' && !matches!(c, '\t' | '\n' | '\r'))
    {
        panic!("the report holds {c:?}, which XML 1.0 forbids");
    }
    assert!(text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"));
    assert!(text.ends_with("</testsuites>\n"));
    assert_schema_valid(path);
    parse(&text)
}

const SCHEMA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/junit.xsd");

/// xmllint's verdict on `xml` against the JUnit schema. Never passes silently when xmllint
/// is missing.
fn xmllint(xml: &Path) -> std::process::Output {
    match Command::new("xmllint")
        .args(["--noout", "--nonet", "--schema", SCHEMA])
        .arg(xml)
        .output()
    {
        Ok(output) => output,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
            "xmllint is not installed, so the JUnit report cannot be checked against \
             tests/data/junit.xsd. Install it (Debian/Ubuntu: apt-get install -y \
             libxml2-utils); .ci/run does this."
        ),
        Err(e) => panic!("cannot run xmllint: {e}"),
    }
}

fn assert_schema_valid(xml: &Path) {
    let output = xmllint(xml);
    assert!(
        output.status.success(),
        "{} is not valid against tests/data/junit.xsd:\n{}",
        xml.display(),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `validate BATCH... --as-of AS_OF --junit JUNIT` plus extra arguments.
fn validate_junit(batches: &[&Path], junit: &Path, extra: &[&str]) -> Run {
    let mut args: Vec<String> = vec!["validate".into()];
    args.extend(batches.iter().map(|b| b.display().to_string()));
    args.extend(["--as-of".into(), AS_OF.into()]);
    args.extend(["--junit".into(), junit.display().to_string()]);
    args.extend(extra.iter().map(|s| s.to_string()));
    cpbatch(&args)
}

/// `CODE severity [Column] message` lines of one source row, from findings.csv.
fn finding_lines(out: &Path, source_row: &str) -> Vec<String> {
    read_report(&out.join("findings.csv"))
        .1
        .into_iter()
        .filter(|r| r[0] == source_row)
        .map(|r| match r[1].as_str() {
            "" => format!("{} {} {}", r[2], r[3], r[4]),
            column => format!("{} {} [{column}] {}", r[2], r[3], r[4]),
        })
        .collect()
}

fn text_lines(element: &Element) -> Vec<String> {
    element.text.lines().map(String::from).collect()
}

/// Three rows: accepted, rejected (two errors), accepted with a warning (W005).
fn three_rows() -> Vec<BTreeMap<&'static str, String>> {
    vec![
        good_row(),
        row_with(&[("Member ID", "12345"), ("CP ID", "NOSUCHCP")]),
        row_with(&[("Member ID", "100000000003"), ("Coverage Type", "")]),
    ]
}

// ---------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------

#[test]
fn one_suite_per_batch_one_case_per_row() {
    let dir = TempDir::new().unwrap();
    let batch = dir.path().join("acme.2026-11.csv");
    write_csv(&batch, &three_rows());
    let junit = dir.path().join("junit.xml");
    let run = validate_junit(&[&batch], &junit, &[]);
    assert_eq!(run.status, 1, "{}", run.stderr);

    let root = read_junit(&junit);
    assert_eq!(root.name, "testsuites");
    assert_eq!(root.attr("tests"), "3");
    assert_eq!(root.attr("failures"), "1");
    assert_eq!(root.attr("errors"), "0");
    let suite = root.one("testsuite");
    assert_eq!(suite.attr("name"), batch.display().to_string());
    assert_eq!(
        (
            suite.attr("tests"),
            suite.attr("failures"),
            suite.attr("errors")
        ),
        ("3", "1", "0")
    );
    assert_eq!(
        suite.child_names(),
        [
            "properties",
            "testcase",
            "testcase",
            "testcase",
            "system-out"
        ]
    );
    let cases = suite.all("testcase");
    let names: Vec<&str> = cases.iter().map(|c| c.attr("name")).collect();
    assert_eq!(names, ["row 2", "row 3", "row 4"]);
    for case in &cases {
        // The stem, with its dot made an underscore: Jenkins splits class names at dots.
        assert_eq!(case.attr("classname"), "acme_2026-11");
        assert_eq!(case.attr("time"), "0");
    }
    assert!(cases[0].children.is_empty(), "a clean row is an empty case");
    assert_eq!(cases[1].child_names(), ["failure"]);
    assert_eq!(cases[2].child_names(), ["system-out"]);
    assert_eq!(
        suite.one("system-out").text,
        "3 rows: 2 accepted, 1 rejected (0 transfers)"
    );
    let properties: BTreeMap<&str, &str> = suite
        .one("properties")
        .all("property")
        .iter()
        .map(|p| (p.attr("name"), p.attr("value")))
        .collect();
    assert_eq!(properties["as_of"], AS_OF);
    assert_eq!(properties["cpbatch_version"], env!("CARGO_PKG_VERSION"));
    assert!(properties.contains_key("rules_version"));
    assert_eq!(properties["batch_sha256"].len(), 64);
}

#[test]
fn failures_carry_every_finding_of_the_row() {
    let dir = TempDir::new().unwrap();
    let batch = dir.path().join("batch.csv");
    write_csv(&batch, &three_rows());
    let junit = dir.path().join("junit.xml");
    let out = dir.path().join("out");
    let run = validate_junit(&[&batch], &junit, &["--out", out.to_str().unwrap()]);
    assert_eq!(run.status, 1, "{}", run.stderr);

    let root = read_junit(&junit);
    let cases = root.one("testsuite").all("testcase");
    let failure = cases[1].one("failure");
    assert_eq!(failure.attr("message"), "S003, C001");
    assert_eq!(failure.attr("type"), "rejected");
    let lines = text_lines(failure);
    assert_eq!(lines, finding_lines(&out, "3"));
    assert!(lines[0].starts_with("S003 error [Member ID] "), "{lines:?}");
    assert!(lines[1].starts_with("C001 error [CP ID] "), "{lines:?}");
    // The console prints the same lines after the file and row.
    for line in &lines {
        let console = format!("{}:3: {line}", batch.display());
        assert!(run.stdout.lines().any(|l| l == console), "{console}");
    }
    let warnings = text_lines(cases[2].one("system-out"));
    assert_eq!(warnings, finding_lines(&out, "4"));
    assert!(warnings[0].starts_with("W005 warning "), "{warnings:?}");
}

#[test]
fn agrees_with_the_reports_on_the_demo() {
    let dir = TempDir::new().unwrap();
    let root_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let batch = root_dir.join("fixtures/demo/batch.xlsx");
    let evs = root_dir.join("fixtures/demo/evs.csv");
    let junit = dir.path().join("demo.xml");
    let out = dir.path().join("out");
    let run = validate_junit(
        &[&batch],
        &junit,
        &[
            "--evs",
            evs.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(run.status, 1, "{}", run.stderr);

    let root = read_junit(&junit);
    let suite = root.one("testsuite");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let counts = &summary["counts"];
    assert_eq!(suite.attr("tests"), counts["rows"].to_string());
    assert_eq!(suite.attr("failures"), counts["rejected"].to_string());
    assert_eq!(root.attr("tests"), counts["rows"].to_string());

    let rejected: BTreeMap<String, String> = read_report(&out.join("rejected.csv"))
        .1
        .into_iter()
        .map(|r| {
            let codes = r[r.len() - 2].replace(';', ", ");
            (r[0].clone(), codes)
        })
        .collect();
    let mut failures = 0;
    for case in suite.all("testcase") {
        let row = case
            .attr("name")
            .strip_prefix("row ")
            .expect("named `row N`");
        let expected = finding_lines(&out, row);
        match rejected.get(row) {
            Some(codes) => {
                failures += 1;
                let failure = case.one("failure");
                assert_eq!(failure.attr("message"), codes, "row {row}");
                assert_eq!(text_lines(failure), expected, "row {row}");
            }
            None if expected.is_empty() => assert!(case.children.is_empty(), "row {row}"),
            None => assert_eq!(text_lines(case.one("system-out")), expected, "row {row}"),
        }
    }
    assert_eq!(failures, rejected.len());
}

#[test]
fn written_without_out_into_a_new_directory() {
    let dir = TempDir::new().unwrap();
    let batch = dir.path().join("batch.csv");
    write_csv(&batch, &[good_row()]);
    let junit = dir.path().join("reports/ci/junit.xml");
    let run = validate_junit(&[&batch], &junit, &[]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    let root = read_junit(&junit);
    assert_eq!(
        (root.attr("tests"), root.attr("failures")),
        ("1", "0"),
        "{root:?}"
    );
    // Only the report: no temporary file left beside it, nothing else written.
    let names: Vec<String> = std::fs::read_dir(dir.path().join("reports/ci"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["junit.xml"]);
    let mut top: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    top.sort();
    assert_eq!(top, ["batch.csv", "reports"]);
}

#[test]
fn a_batch_with_no_rows_is_an_empty_suite() {
    let dir = TempDir::new().unwrap();
    let batch = dir.path().join("empty.csv");
    write_csv(&batch, &[]);
    let junit = dir.path().join("junit.xml");
    let run = validate_junit(&[&batch], &junit, &[]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    let suite = read_junit(&junit).one("testsuite").all("testcase").len();
    assert_eq!(suite, 0);
}

#[test]
fn hostile_values_are_escaped_and_forbidden_characters_replaced() {
    let dir = TempDir::new().unwrap();
    // A file name is the one value that reaches the report unquoted: make it hostile.
    let batch = dir.path().join("a<b>&\"c\"'d'\u{1}\u{1b}]]>.csv");
    let rows = [
        row_with(&[("Last Name", "<b>O'Brien & \"Sons\"</b>")]),
        row_with(&[("Member ID", "100000000002"), ("CP ID", "]]><x&y;\u{7}")]),
    ];
    // An unrecognised header, reported at file level (W001).
    let mut headers: Vec<String> = HEADERS.iter().map(|h| h.to_string()).collect();
    headers.push("Notes <&> \"q\"".into());
    let mut text = csv::Writer::from_writer(Vec::new());
    text.write_record(&headers).unwrap();
    for row in &rows {
        let mut values: Vec<String> = HEADERS.iter().map(|h| row[h].clone()).collect();
        values.push("x".into());
        text.write_record(&values).unwrap();
    }
    std::fs::write(&batch, text.into_inner().unwrap()).unwrap();
    let junit = dir.path().join("junit.xml");
    let out = dir.path().join("out");
    let run = validate_junit(&[&batch], &junit, &["--out", out.to_str().unwrap()]);
    assert_eq!(run.status, 1, "{}", run.stderr);

    let raw = std::fs::read_to_string(&junit).unwrap();
    assert!(!raw.contains("<b>"), "markup from a cell reached the XML");
    assert!(!raw.contains("]]><x"), "markup from a cell reached the XML");
    let root = read_junit(&junit);
    let suite = root.one("testsuite");
    let expected_name = batch
        .display()
        .to_string()
        .replace(['\u{1}', '\u{1b}'], "\u{FFFD}");
    assert_eq!(suite.attr("name"), expected_name);
    assert!(suite.attr("name").contains("a<b>&\"c\"'d'"));
    let cases = suite.all("testcase");
    assert_eq!(
        text_lines(cases[0].one("failure")),
        finding_lines(&out, "2")
    );
    assert!(
        cases[0]
            .one("failure")
            .text
            .contains("<b>O'Brien & \\\"Sons\\\"</b>")
    );
    assert_eq!(
        text_lines(cases[1].one("failure")),
        finding_lines(&out, "3")
    );
    let file_level = text_lines(suite.one("system-out"));
    assert_eq!(file_level.len(), 2, "{file_level:?}");
    assert_eq!(file_level[0], finding_lines(&out, "")[0]);
    assert!(file_level[0].contains("Notes <&>"), "{file_level:?}");
}

/// Runs `validate` over several batches; `refused.csv` has no Submitter ID column (F004).
fn several_batches(junit: &Path, extra: &[&str]) -> (TempDir, Vec<PathBuf>, Run) {
    let dir = TempDir::new().unwrap();
    let one = dir.path().join("one/batch.csv");
    let two = dir.path().join("two/batch.csv");
    let refused = dir.path().join("refused\u{2}.csv");
    std::fs::create_dir_all(one.parent().unwrap()).unwrap();
    std::fs::create_dir_all(two.parent().unwrap()).unwrap();
    write_csv(&one, &[good_row()]);
    // The member of one/batch.csv again (B003 in both), and a clean row.
    write_csv(
        &two,
        &[good_row(), row_with(&[("Member ID", "100000000002")])],
    );
    let headers = &HEADERS[..17];
    let row = good_row();
    let values: Vec<&str> = headers.iter().map(|h| row[h].as_str()).collect();
    std::fs::write(
        &refused,
        format!("{}\n{}\n", headers.join(","), values.join(",")),
    )
    .unwrap();
    let batches = vec![one, refused, two];
    let paths: Vec<&Path> = batches.iter().map(PathBuf::as_path).collect();
    let run = validate_junit(&paths, junit, extra);
    (dir, batches, run)
}

#[test]
fn several_batches_make_several_suites_and_a_refused_one_is_an_error() {
    let junit_dir = TempDir::new().unwrap();
    let junit = junit_dir.path().join("junit.xml");
    let (_dir, batches, run) = several_batches(&junit, &[]);
    assert_eq!(run.status, 1, "{}", run.stderr);

    let root = read_junit(&junit);
    assert_eq!(
        (
            root.attr("tests"),
            root.attr("failures"),
            root.attr("errors")
        ),
        ("4", "2", "1")
    );
    let suites = root.all("testsuite");
    let names: Vec<&str> = suites.iter().map(|s| s.attr("name")).collect();
    let expected: Vec<String> = batches
        .iter()
        .map(|b| b.display().to_string().replace('\u{2}', "\u{FFFD}"))
        .collect();
    assert_eq!(names, expected, "suites in argument order");

    let (one, refused, two) = (suites[0], suites[1], suites[2]);
    assert_eq!(
        (one.attr("tests"), one.attr("failures"), one.attr("errors")),
        ("1", "1", "0")
    );
    assert_eq!(
        (two.attr("tests"), two.attr("failures"), two.attr("errors")),
        ("2", "1", "0")
    );
    assert_eq!(one.all("testcase")[0].attr("classname"), "batch");
    assert_eq!(two.all("testcase")[0].attr("classname"), "batch-2");
    let b003 = one.all("testcase")[0].one("failure");
    assert_eq!(b003.attr("message"), "B003");
    assert!(b003.text.contains("row 2"), "{}", b003.text);

    assert_eq!(
        (
            refused.attr("tests"),
            refused.attr("failures"),
            refused.attr("errors")
        ),
        ("1", "0", "1")
    );
    let case = refused.one("testcase");
    assert_eq!(case.attr("name"), "batch file");
    // The class name is the batch's report folder, whose name has no control character.
    assert_eq!(case.attr("classname"), "refused_");
    let error = case.one("error");
    assert_eq!(error.attr("type"), "F004");
    assert!(error.attr("message").contains("Submitter ID"), "{error:?}");
    assert!(error.text.starts_with("F004 error: "), "{error:?}");
    assert!(error.text.contains("Submitter ID"), "{error:?}");
}

#[test]
fn reruns_are_byte_identical_whatever_the_thread_count() {
    let dir = TempDir::new().unwrap();
    let first = dir.path().join("first.xml");
    let second = dir.path().join("second.xml");
    let (a, _, run) = several_batches(&first, &["--threads", "1"]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    // The same batches in another temporary directory: compare with that directory's path
    // taken out.
    let (b, _, run) = several_batches(&second, &["--threads", "2"]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    let strip = |path: &Path, root: &Path| {
        std::fs::read_to_string(path)
            .unwrap()
            .replace(&root.display().to_string(), "ROOT")
    };
    assert_eq!(strip(&first, a.path()), strip(&second, b.path()));

    // And the very same run twice, byte for byte.
    let batch = dir.path().join("batch.csv");
    write_csv(&batch, &three_rows());
    let (x, y) = (dir.path().join("x.xml"), dir.path().join("y.xml"));
    validate_junit(&[&batch], &x, &["--threads", "1"]);
    validate_junit(&[&batch], &y, &["--threads", "2"]);
    assert_eq!(std::fs::read(&x).unwrap(), std::fs::read(&y).unwrap());
}

#[test]
fn a_file_level_error_on_a_single_batch_writes_nothing() {
    let dir = TempDir::new().unwrap();
    let batch = dir.path().join("batch.csv");
    std::fs::write(&batch, "not,a,batch\n1,2,3\n").unwrap();
    let junit = dir.path().join("junit.xml");
    let run = validate_junit(&[&batch], &junit, &[]);
    assert_eq!(run.status, 2, "{}", run.stderr);
    assert!(run.stderr.contains("F003"), "{}", run.stderr);
    assert!(!junit.exists(), "nothing is written on exit 2");
}

#[test]
fn an_unwritable_report_path_is_exit_2_and_leaves_nothing_behind() {
    let dir = TempDir::new().unwrap();
    let batch = dir.path().join("batch.csv");
    write_csv(&batch, &[good_row()]);
    let taken = dir.path().join("taken");
    std::fs::create_dir(&taken).unwrap();
    let run = validate_junit(&[&batch], &taken, &[]);
    assert_eq!(run.status, 2, "{}", run.stderr);
    assert!(run.stderr.contains("cannot write"), "{}", run.stderr);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().ends_with(".partial"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn the_schema_check_rejects_a_broken_report() {
    // The schema test is only worth something if xmllint really checks: a test case
    // without a name, and counts that are not numbers, must fail.
    let dir = TempDir::new().unwrap();
    let broken = dir.path().join("broken.xml");
    std::fs::write(
        &broken,
        "<?xml version=\"1.0\"?>\n<testsuites tests=\"one\" failures=\"0\" errors=\"0\">\
         <testsuite name=\"b\" tests=\"1\" failures=\"0\" errors=\"0\">\
         <testcase classname=\"b\"/></testsuite></testsuites>\n",
    )
    .unwrap();
    let output = xmllint(&broken);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("'name' is required"), "{stderr}");
    assert!(stderr.contains("'one'"), "{stderr}");
}
