//! Snapshot tests (insta, `tests/it/snapshots/`) of what a person sees of the demo run and
//! of the rule catalog: the console, findings.csv, summary.json (timings redacted), the
//! JUnit report, and `cpbatch rules --format json`. A change to any message shows up here
//! as a diff to review (`cargo insta review`, or INSTA_UPDATE=always then `git diff`); CI
//! fails on any mismatch.

use std::process::Command;
use std::sync::OnceLock;

/// The demo run, once for every snapshot: its exit status, stdout, stderr and reports.
struct Demo {
    status: i32,
    stdout: String,
    stderr: String,
    out: tempfile::TempDir,
}

impl Demo {
    fn report(&self, name: &str) -> String {
        let path = self.out.path().join("reports").join(name);
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }
}

/// `cpbatch validate fixtures/demo/batch.xlsx --evs fixtures/demo/evs.csv --as-of 2026-11-23
/// --out DIR --junit DIR/junit.xml`, from the repository root so that paths read alike.
fn demo() -> &'static Demo {
    static DEMO: OnceLock<Demo> = OnceLock::new();
    DEMO.get_or_init(|| {
        let out = tempfile::tempdir().unwrap();
        let reports = out.path().join("reports");
        let output = Command::new(env!("CARGO_BIN_EXE_cpbatch"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["validate", "fixtures/demo/batch.xlsx"])
            .args(["--evs", "fixtures/demo/evs.csv", "--as-of", "2026-11-23"])
            .arg("--out")
            .arg(&reports)
            .arg("--junit")
            .arg(reports.join("junit.xml"))
            .output()
            .expect("run cpbatch");
        Demo {
            status: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8(output.stdout).unwrap(),
            stderr: String::from_utf8(output.stderr).unwrap(),
            out,
        }
    })
}

#[test]
fn demo_console() {
    let demo = demo();
    assert_eq!(demo.status, 1, "{}", demo.stderr);
    assert_eq!(demo.stderr, "");
    insta::assert_snapshot!(demo.stdout);
}

#[test]
fn demo_findings_csv() {
    insta::assert_snapshot!(demo().report("findings.csv"));
}

#[test]
fn demo_summary_json() {
    let summary: serde_json::Value = serde_json::from_str(&demo().report("summary.json")).unwrap();
    insta::assert_json_snapshot!(summary, {
        ".timings_ms.read" => "[ms]",
        ".timings_ms.scan" => "[ms]",
        ".timings_ms.check" => "[ms]",
        ".timings_ms.write" => "[ms]",
        ".timings_ms.total" => "[ms]",
    });
}

#[test]
fn demo_junit() {
    insta::assert_snapshot!(demo().report("junit.xml"));
}

#[test]
fn rules_json() {
    let output = Command::new(env!("CARGO_BIN_EXE_cpbatch"))
        .args(["rules", "--format", "json"])
        .output()
        .expect("run cpbatch");
    assert!(output.status.success(), "{output:?}");
    assert!(output.stderr.is_empty(), "{output:?}");
    insta::assert_snapshot!(String::from_utf8(output.stdout).unwrap());
}
