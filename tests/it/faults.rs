//! Reports appear complete or not at all (SPEC 4.2), also when the output directory fails
//! midway: exit 2 with a message, no temporary file left behind, no partial file under a
//! report's name, and every report that was there before is the old file or the new one,
//! whole. A run publishes whole: `--out` holds the previous run or this one, whatever stops
//! the run (a signal, a rename that fails), and never a report of an earlier run beside it.

use crate::common;
mod whole;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use whole::hidden;

/// The files of a directory and their bytes.
fn contents(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// A batch of `n` rows, every fifth one rejected, with transfers: each report has content.
fn write_batch(path: &Path, n: usize, first_id: usize) {
    let rows: Vec<_> = (0..n)
        .map(|i| {
            let id = format!("1000000{:05}", first_id + i);
            match i % 5 {
                4 => row_with(&[("Member ID", &id), ("Medicare", "MAYBE")]),
                3 => row_with(&[
                    ("Member ID", &id),
                    ("Action", "TRANSFER"),
                    ("From CP ID", "BHCP02"),
                    ("Reason Code", "MEMBER_CHOICE"),
                ]),
                _ => row_with(&[("Member ID", &id)]),
            }
        })
        .collect();
    write_xlsx(path, &[("Batch", text_rows(&rows))]);
}

/// A failed write: exit 2, the one `cpbatch: error: cannot write OUT/…` line, no temporary
/// file left, and every file in `out` exactly as it was.
fn assert_failed_cleanly(run: &Run, out: &Path, before: &BTreeMap<String, Vec<u8>>, says: &str) {
    assert_eq!(
        run.status, 2,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert!(
        run.stderr
            .starts_with(&format!("cpbatch: error: cannot write {}/", out.display())),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains(says), "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    let after = contents(out);
    let partial: Vec<&String> = after.keys().filter(|n| n.contains("partial")).collect();
    assert!(partial.is_empty(), "temporary files left: {partial:?}");
    assert_eq!(hidden(out), Vec::<String>::new(), "temporary files left");
    for (name, bytes) in &after {
        assert!(
            before.get(name) == Some(bytes),
            "{name} is not the complete file that was there before"
        );
    }
    assert_eq!(
        after.keys().collect::<Vec<_>>(),
        before.keys().collect::<Vec<_>>()
    );
}

/// A directory where a report must go makes its rename fail. That is looked for before any
/// report is renamed into place, so no report is replaced: the old ones stay, all of them,
/// rather than a mix of new and old files.
#[test]
fn a_directory_in_the_way_of_a_report_replaces_no_report() {
    for blocked in ["accepted.csv", "rejected.csv", "summary.json"] {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        let old = dir.path().join("old.xlsx");
        write_batch(&old, 20, 1);
        let first = validate(&old, &out, &[]);
        assert_eq!(first.status, 1, "{}", first.stderr);
        assert_conserved(&out, 20);
        // The old report in the way is a directory now; every other one is complete.
        std::fs::remove_file(out.join(blocked)).unwrap();
        std::fs::create_dir(out.join(blocked)).unwrap();
        let before = contents(&out);

        let new = dir.path().join("new.xlsx");
        write_batch(&new, 30, 100);
        let run = validate(&new, &out, &[]);
        assert_failed_cleanly(
            &run,
            &out,
            &before,
            &format!("{blocked}: a directory of that name is in the way; no report was replaced"),
        );
        assert!(out.join(blocked).is_dir());
    }
}

/// Runs `command`; false when it cannot run or fails.
fn succeeds(command: &mut Command) -> bool {
    command
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// A tmpfs mounted for one test, unmounted when dropped.
struct Mount(PathBuf);

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).output();
    }
}

/// A full disk: `--out` on a 256 KiB tmpfs. Mounting needs root (CI runs as root): where
/// it cannot be done, the test fails rather than pass untried.
#[test]
fn a_full_disk_leaves_the_old_reports_whole() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    assert!(
        succeeds(
            Command::new("mount")
                .args(["-t", "tmpfs", "-o", "size=256k", "tmpfs"])
                .arg(&out),
        ),
        "cannot mount a tmpfs here: this test needs root (as CI runs)"
    );
    let mount = Mount(out.clone());

    // A small batch fits.
    let small = dir.path().join("small.xlsx");
    write_batch(&small, 10, 1);
    let first = validate(&small, &out, &["--format", "csv"]);
    assert_eq!(first.status, 1, "{}", first.stderr);
    assert_conserved(&out, 10);
    let before = contents(&out);

    // A large one does not: its reports would need megabytes.
    let large = dir.path().join("large.xlsx");
    write_batch(&large, 5000, 1000);
    let run = validate(&large, &out, &[]);
    assert_failed_cleanly(&run, &out, &before, "No space left on device");
    drop(mount);
}

/// A tmpfs of `size` mounted on a new directory `name` of `dir`, or the test fails (it needs
/// root, as CI runs).
fn tmpfs(dir: &Path, name: &str, size: &str) -> Mount {
    let at = dir.join(name);
    std::fs::create_dir(&at).unwrap();
    assert!(
        succeeds(
            Command::new("mount")
                .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
                .arg(&at),
        ),
        "cannot mount a tmpfs here: this test needs root (as CI runs)"
    );
    Mount(at)
}

/// A full disk under the workbook writer alone (`--format xlsx`): rust_xlsxwriter panics when
/// a write to a sheet's temporary file fails; that is a clean failure in cpbatch's words, and
/// no library text (the panic's) reaches stderr.
#[test]
fn a_full_disk_under_the_workbook_writer_is_a_clean_failure() {
    let dir = tempfile::tempdir().unwrap();
    let mount = tmpfs(dir.path(), "out", "1m");
    let out = mount.0.clone();
    let large = dir.path().join("large.xlsx");
    write_batch(&large, 20_000, 1000);
    let run = validate(&large, &out, &["--format", "xlsx"]);
    assert_failed_cleanly(&run, &out, &BTreeMap::new(), "No space left on device");
    for library in ["rust_xlsxwriter", "xml file", "Os {"] {
        assert!(!run.stderr.contains(library), "{}", run.stderr);
    }
    drop(mount);
}

/// A temporary directory with no room (a small `/tmp`): the workbooks' rows wait beside the
/// reports, in `--out`'s staging directory, not in `TMPDIR`, and every report is written.
#[test]
fn a_full_tmpdir_does_not_stop_the_workbooks() {
    let dir = tempfile::tempdir().unwrap();
    let mount = tmpfs(dir.path(), "tmp", "16k");
    let batch = dir.path().join("batch.xlsx");
    write_batch(&batch, 5_000, 1000);
    let out = dir.path().join("out");
    let args = [
        "validate".to_string(),
        batch.display().to_string(),
        "--as-of".into(),
        AS_OF.into(),
        "--out".into(),
        out.display().to_string(),
    ];
    let output = Command::new(env!("CARGO_BIN_EXE_cpbatch"))
        .args(&args)
        .env("TMPDIR", &mount.0)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_conserved(&out, 5_000);
    for report in ["accepted.xlsx", "rejected.xlsx", "transfers.xlsx"] {
        assert!(out.join(report).is_file(), "{report} missing: {stderr}");
    }
    assert_eq!(std::fs::read_dir(&mount.0).unwrap().count(), 0);
    drop(mount);
}

/// A read-only output directory. Permissions do not stop root: as root (CI), cpbatch runs
/// as `nobody`.
#[test]
fn a_read_only_out_dir_is_a_clean_failure() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    open_to_all(dir.path());
    let out = dir.path().join("out");
    let batch = dir.path().join("batch.xlsx");
    write_batch(&batch, 10, 1);
    let args = |out: &Path| {
        let (batch, out) = (batch.display().to_string(), out.display().to_string());
        ["validate", &batch, "--as-of", AS_OF, "--out", &out].map(String::from)
    };
    let first = cpbatch_unprivileged(&args(&out));
    assert_eq!(first.status, 1, "{}", first.stderr);
    let before = contents(&out);
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o555)).unwrap();
    let run = cpbatch_unprivileged(&args(&out));
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o755)).unwrap();
    assert_failed_cleanly(&run, &out, &before, "Permission denied");
}
