//! Test helpers: write real batch workbooks and CSVs, run the `cpbatch` binary, read reports.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook};

/// The as-of date every test runs with.
pub const AS_OF: &str = "2026-11-23";

/// The snapshot columns, in SPEC order (2.4), written out here as SPEC gives them.
pub const EVS_COLUMNS: [&str; 16] = [
    "member_id",
    "last_name",
    "first_name",
    "date_of_birth",
    "elig_start",
    "elig_end",
    "coverage_type",
    "plan_id",
    "medicare",
    "other_insurance",
    "nursing_facility",
    "dmh_affiliation",
    "zip",
    "cp_id",
    "cp_start",
    "date_of_death",
];

/// The canonical headers, in template order.
pub const HEADERS: [&str; 18] = [
    "Action",
    "Member ID",
    "Last Name",
    "First Name",
    "Date of Birth",
    "CP Program",
    "CP ID",
    "From CP ID",
    "Plan ID",
    "Coverage Type",
    "Medicare",
    "Other Insurance",
    "Nursing Facility",
    "DMH Affiliation",
    "ZIP Code",
    "Effective Date",
    "Reason Code",
    "Submitter ID",
];

/// A valid ENROLL row (built-in roster, as of AS_OF): an adult ACPP01 member joining
/// BHCP01, a Boston ZIP, submitted by the plan.
pub fn good_row() -> BTreeMap<&'static str, String> {
    [
        ("Action", "ENROLL"),
        ("Member ID", "100000000001"),
        ("Last Name", "Rivera"),
        ("First Name", "Ana"),
        ("Date of Birth", "1980-04-02"),
        ("CP Program", "BH"),
        ("CP ID", "BHCP01"),
        ("From CP ID", ""),
        ("Plan ID", "ACPP01"),
        ("Coverage Type", "STANDARD"),
        ("Medicare", "N"),
        ("Other Insurance", "N"),
        ("Nursing Facility", "N"),
        ("DMH Affiliation", "NONE"),
        ("ZIP Code", "02118"),
        ("Effective Date", "2026-12-01"),
        ("Reason Code", "REFERRAL"),
        ("Submitter ID", "ACPP01"),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_string()))
    .collect()
}

/// `good_row()` with some values replaced.
pub fn row_with(changes: &[(&'static str, &str)]) -> BTreeMap<&'static str, String> {
    let mut row = good_row();
    for (k, v) in changes {
        assert!(row.contains_key(k), "unknown column {k}");
        row.insert(k, v.to_string());
    }
    row
}

/// A cell of a test workbook.
#[derive(Clone, Debug)]
pub enum Cell {
    Blank,
    Text(String),
    Number(f64),
    Bool(bool),
    /// A real date cell (formatted as a date).
    Date(u16, u8, u8),
    /// A formula with its cached result.
    Formula(String, String),
    /// An error value, written as a formula with a cached error.
    Error(String),
}

pub fn t(s: &str) -> Cell {
    Cell::Text(s.to_string())
}

/// Writes an xlsx workbook with the given sheets of rows.
pub fn write_xlsx(path: &Path, sheets: &[(&str, Vec<Vec<Cell>>)]) {
    let mut workbook = Workbook::new();
    let date_format = Format::new().set_num_format("yyyy-mm-dd");
    for (name, rows) in sheets {
        let sheet = workbook.add_worksheet();
        sheet.set_name(*name).unwrap();
        for (r, row) in rows.iter().enumerate() {
            for (c, cell) in row.iter().enumerate() {
                let (r, c) = (r as u32, c as u16);
                match cell {
                    Cell::Blank => {}
                    Cell::Text(s) => {
                        sheet.write_string(r, c, s).unwrap();
                    }
                    Cell::Number(n) => {
                        sheet.write_number(r, c, *n).unwrap();
                    }
                    Cell::Bool(b) => {
                        sheet.write_boolean(r, c, *b).unwrap();
                    }
                    Cell::Date(y, m, d) => {
                        let date = ExcelDateTime::from_ymd(*y, *m, *d).unwrap();
                        sheet
                            .write_datetime_with_format(r, c, &date, &date_format)
                            .unwrap();
                    }
                    Cell::Formula(f, cached) => {
                        sheet
                            .write_formula(r, c, Formula::new(f).set_result(cached))
                            .unwrap();
                    }
                    Cell::Error(e) => {
                        sheet
                            .write_formula(r, c, Formula::new("=NA()").set_result(e))
                            .unwrap();
                    }
                }
            }
        }
    }
    workbook.save(path).unwrap();
}

/// Rows of text cells: the canonical header row, then each row's values in header order.
pub fn text_rows(rows: &[BTreeMap<&'static str, String>]) -> Vec<Vec<Cell>> {
    let mut out = vec![HEADERS.iter().map(|h| t(h)).collect::<Vec<_>>()];
    for row in rows {
        out.push(
            HEADERS
                .iter()
                .map(|h| match row.get(h).map(String::as_str) {
                    None | Some("") => Cell::Blank,
                    Some(v) => t(v),
                })
                .collect(),
        );
    }
    out
}

/// The canonical headers, then a good row for each Member ID, as the text of each cell.
pub fn good_grid(ids: &[&str]) -> Vec<Vec<String>> {
    let mut grid = vec![HEADERS.iter().map(|h| h.to_string()).collect::<Vec<_>>()];
    for id in ids {
        let row = row_with(&[("Member ID", id)]);
        grid.push(HEADERS.iter().map(|h| row[h].clone()).collect());
    }
    grid
}

/// Writes a CSV batch with the canonical headers.
pub fn write_csv(path: &Path, rows: &[BTreeMap<&'static str, String>]) {
    let mut writer = csv::Writer::from_path(path).unwrap();
    writer.write_record(HEADERS).unwrap();
    for row in rows {
        writer
            .write_record(
                HEADERS
                    .iter()
                    .map(|h| row.get(h).cloned().unwrap_or_default()),
            )
            .unwrap();
    }
    writer.flush().unwrap();
}

/// The result of running the binary.
pub struct Run {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `cpbatch` with the given arguments.
pub fn cpbatch<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_cpbatch"))
        .args(args)
        .output()
        .expect("run cpbatch");
    Run {
        status: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Whether this process runs as root, whom file permissions do not stop (CI does).
pub fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata("/proc/self").unwrap().uid() == 0
}

/// Runs `cpbatch` with the given arguments as a user whom file permissions stop: as
/// `nobody` (util-linux `setpriv`) when this process is root, else as this user. The files
/// it is given must be open to that user (see `open_to_all`).
pub fn cpbatch_unprivileged<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Run {
    let mut command = if is_root() {
        let mut command = Command::new("setpriv");
        command.args(["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"]);
        command.arg(env!("CARGO_BIN_EXE_cpbatch"));
        command
    } else {
        Command::new(env!("CARGO_BIN_EXE_cpbatch"))
    };
    let output = command.args(args).output().expect("run cpbatch");
    Run {
        status: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Lets every user into `dir` and write there (a temporary directory is its owner's alone).
pub fn open_to_all(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o777)).unwrap();
}

/// Runs `validate BATCH --as-of AS_OF --out OUT` plus extra arguments.
pub fn validate(batch: &Path, out: &Path, extra: &[&str]) -> Run {
    let mut args: Vec<String> = vec![
        "validate".into(),
        batch.display().to_string(),
        "--as-of".into(),
        AS_OF.into(),
        "--out".into(),
        out.display().to_string(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    cpbatch(&args)
}

/// A CSV report as its header and rows.
pub fn read_report(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader =
        csv::Reader::from_path(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let headers = reader.headers().unwrap().iter().map(String::from).collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    (headers, rows)
}

/// The findings of a run as (source_row, column, code) triples, in file order.
pub fn findings(out: &Path) -> Vec<(String, String, String)> {
    read_report(&out.join("findings.csv"))
        .1
        .into_iter()
        .map(|r| (r[0].clone(), r[1].clone(), r[2].clone()))
        .collect()
}

/// The codes found on one source row, in report order.
pub fn codes_of_row(out: &Path, source_row: u32) -> Vec<String> {
    findings(out)
        .into_iter()
        .filter(|(row, ..)| *row == source_row.to_string())
        .map(|(_, _, code)| code)
        .collect()
}

pub use crate::check::{check_one, check_rows};

/// What the binary's findings.csv says of a CSV batch of the given rows: every finding
/// (row, column, code). `check_rows` gives the same in-process; with
/// `CPBATCH_TEST_VIA_BINARY=1` in the environment it asserts so on every call.
pub fn check_rows_by_binary(
    rows: &[BTreeMap<&'static str, String>],
    extra: &[&str],
) -> Vec<(String, String, String)> {
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("batch.csv");
    write_csv(&batch, rows);
    let out = dir.path().join("out");
    let run = validate(&batch, &out, &[extra, &["--format", "csv"]].concat());
    assert!(
        run.status == 0 || run.status == 1,
        "exit {}: {}",
        run.status,
        run.stderr
    );
    assert_conserved(&out, rows.len());
    findings(&out)
}

/// Every data row is in exactly one of accepted.csv and rejected.csv.
pub fn assert_conserved(out: &Path, rows: usize) {
    let accepted = read_report(&out.join("accepted.csv")).1;
    let rejected = read_report(&out.join("rejected.csv")).1;
    assert_eq!(
        accepted.len() + rejected.len(),
        rows,
        "rows = accepted + rejected"
    );
    let mut seen: Vec<&String> = accepted.iter().chain(&rejected).map(|r| &r[0]).collect();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), rows, "a row appears in both reports, or twice");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["counts"]["rows"], rows);
    assert_eq!(summary["counts"]["accepted"], accepted.len());
    assert_eq!(summary["counts"]["rejected"], rejected.len());
}

pub fn temp_path(dir: &tempfile::TempDir, name: &str) -> PathBuf {
    dir.path().join(name)
}

/// Writes a one-plan, one-CP reference directory (plan ACPP01, CP BHCP01 serving 021xx),
/// with the given partnerships.csv.
pub fn write_reference(dir: &Path, partnerships: &str) {
    std::fs::create_dir_all(dir).unwrap();
    let files = [
        (
            "plans.csv",
            "plan_id,plan_name,plan_type\nACPP01,Plan One,ACPP\n",
        ),
        ("cps.csv", "cp_id,cp_name,program\nBHCP01,CP One,BH\n"),
        ("partnerships.csv", partnerships),
        ("service_areas.csv", "cp_id,zip\nBHCP01,021\n"),
    ];
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
}

/// Runs `validate` on a batch that must be processed: exit 0 or 1, and no panic.
pub fn run_ok(batch: &Path, out: &Path, extra: &[&str]) -> Run {
    let run = validate(batch, out, extra);
    assert!(
        run.status == 0 || run.status == 1,
        "exit {}\nstdout:\n{}\nstderr:\n{}",
        run.status,
        run.stdout,
        run.stderr
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    run
}

/// Owned (column, code) pairs from string literals, in the order given.
pub fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected
        .iter()
        .map(|(c, k)| (c.to_string(), k.to_string()))
        .collect()
}

/// [`pairs`], sorted.
pub fn sorted_pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut pairs = pairs(expected);
    pairs.sort();
    pairs
}

/// A CSV report as one map (header → value) per row.
pub fn report_maps(path: &Path) -> Vec<BTreeMap<String, String>> {
    let (headers, rows) = read_report(path);
    rows.into_iter()
        .map(|row| headers.iter().cloned().zip(row).collect())
        .collect()
}

/// A JSON file (summary.json, run-summary.json) as a value.
pub fn read_json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The SHA-256 of some bytes, in lowercase hex (as summary.json gives it).
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Bytes gzip-compressed.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// A part of an xlsx package as text, or None when it is not there (or empty).
pub fn zip_part(xlsx: &Path, member: &str) -> Option<String> {
    use std::io::Read;
    let file = std::fs::File::open(xlsx).expect("open the workbook");
    let mut archive = zip::ZipArchive::new(file).expect("a zip package");
    let mut part = archive.by_name(member).ok()?;
    let mut text = String::new();
    part.read_to_string(&mut text).expect("utf-8 xml");
    (!text.is_empty()).then_some(text)
}
