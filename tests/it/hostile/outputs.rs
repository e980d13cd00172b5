//! Where outputs go (SPEC 4.4): nothing written outside `--out` (and the `--junit` file),
//! no output replaces an input, temporary files are made new under names nobody can
//! predict, and `--out` is checked before any batch is read.

use std::path::{Path, PathBuf};

use super::{assert_usage_error, case, entries};
use crate::common::*;

fn validate_all(batches: &[&Path], out: &Path, extra: &[&str]) -> Run {
    let mut args: Vec<String> = vec!["validate".into()];
    args.extend(batches.iter().map(|b| b.display().to_string()));
    args.extend(["--as-of", AS_OF, "--out"].map(String::from));
    args.push(out.display().to_string());
    args.extend(extra.iter().map(|s| s.to_string()));
    let run = cpbatch(&args);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    run
}

/// A one-row CSV batch of member `n`.
fn batch_of(path: &Path, n: u32) {
    write_csv(
        path,
        &[row_with(&[("Member ID", &format!("1000000{n:05}"))])],
    );
}

/// The path of the batch whose reports are in `folder`, from its summary.json.
fn batch_in(folder: &Path) -> String {
    let text = std::fs::read_to_string(folder.join("summary.json"))
        .unwrap_or_else(|e| panic!("{}: {e}", folder.display()));
    let summary: serde_json::Value = serde_json::from_str(&text).unwrap();
    summary["inputs"]["batch"]["path"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn dots_only_and_control_character_stems_get_folders_inside_out() {
    let dir = case();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).unwrap();
    // `old` and `junit`: names cpbatch might use inside its staging directory.
    let names = [
        "..xlsx",
        "...xlsx",
        "....csv",
        "a\u{1b}[2Jb.csv",
        ".hidden.csv",
        "old.csv",
        "junit.csv",
    ];
    let batches: Vec<PathBuf> = names.iter().map(|n| input.join(n)).collect();
    for (i, batch) in batches.iter().enumerate() {
        if batch.extension().is_some_and(|e| e == "xlsx") {
            let id = format!("1000000{:05}", i + 1);
            write_xlsx(
                batch,
                &[("Batch", text_rows(&[row_with(&[("Member ID", &id)])]))],
            );
        } else {
            batch_of(batch, i as u32 + 1);
        }
    }
    let out = dir.path().join("out");
    let refs: Vec<&Path> = batches.iter().map(PathBuf::as_path).collect();
    let run = validate_all(&refs, &out, &["--format", "csv"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    // Nothing beside out and the inputs; the inputs as they were.
    assert_eq!(entries(dir.path()), ["in", "out"]);
    let mut inputs = entries(&input);
    inputs.sort();
    let mut expected: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    expected.sort();
    assert_eq!(inputs, expected);
    assert_eq!(
        entries(&out),
        [
            "_",
            "__",
            "___",
            "_hidden",
            "a_[2Jb",
            "junit",
            "old",
            "run-summary.json"
        ]
    );
    let folders = ["_", "__", "___", "a_[2Jb", "_hidden", "old", "junit"];
    for (folder, batch) in folders.iter().zip(&batches) {
        assert_eq!(batch_in(&out.join(folder)), batch.display().to_string());
    }
}

/// `validate out/accepted.csv in/..xlsx --out out` wrote the `..xlsx` reports into `out/.`,
/// over the first batch; `...xlsx` wrote them into the parent of `--out`.
#[test]
fn a_dots_only_stem_never_puts_reports_over_an_input() {
    let dir = case();
    let (out, input) = (dir.path().join("out"), dir.path().join("in"));
    std::fs::create_dir_all(&out).unwrap();
    std::fs::create_dir_all(&input).unwrap();
    let dots = input.join("..xlsx");
    write_xlsx(
        &dots,
        &[(
            "Batch",
            text_rows(&[row_with(&[("Member ID", "100000000002")])]),
        )],
    );
    // A batch named like a report in --out would be replaced, or removed as stale: refused.
    let first = out.join("accepted.csv");
    batch_of(&first, 1);
    let before = std::fs::read(&first).unwrap();
    let run = validate_all(&[&first, &dots], &out, &[]);
    assert_usage_error(
        &run,
        &format!(
            "--out {} would replace the batch file {} with a report of the same name: choose another --out directory",
            out.display(),
            first.display()
        ),
    );
    assert_eq!(
        std::fs::read(&first).unwrap(),
        before,
        "the input was replaced"
    );
    assert_eq!(entries(&out), ["accepted.csv"]);
    std::fs::remove_file(&first).unwrap();

    // Beside --out, a batch named like a report: `...xlsx` (stem `..`) must not reach it.
    let beside = dir.path().join("accepted.csv");
    batch_of(&beside, 1);
    let before = std::fs::read(&beside).unwrap();
    let up = input.join("...xlsx");
    std::fs::copy(&dots, &up).unwrap();
    std::fs::remove_file(&dots).unwrap();
    let run = validate_all(&[&beside, &up], &out, &[]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert_eq!(
        std::fs::read(&beside).unwrap(),
        before,
        "the input was replaced"
    );
    assert_eq!(entries(&out), ["__", "accepted", "run-summary.json"]);
    assert_eq!(entries(dir.path()), ["accepted.csv", "in", "out"]);
}

#[test]
fn three_batches_of_one_stem_get_three_folders() {
    let dir = case();
    let c = dir.path().join("c");
    std::fs::create_dir(&c).unwrap();
    let (xlsx, csv, csv2) = (c.join("a.xlsx"), c.join("a.csv"), c.join("a-2.csv"));
    write_xlsx(
        &xlsx,
        &[(
            "Batch",
            text_rows(&[row_with(&[("Member ID", "100000000001")])]),
        )],
    );
    batch_of(&csv, 2);
    batch_of(&csv2, 3);
    let out = dir.path().join("r");
    let run = validate_all(&[&xlsx, &csv, &csv2], &out, &["--format", "csv"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    assert_eq!(entries(&out), ["a", "a-2", "a-2-2", "run-summary.json"]);
    for (folder, batch) in [("a", &xlsx), ("a-2", &csv), ("a-2-2", &csv2)] {
        assert_eq!(batch_in(&out.join(folder)), batch.display().to_string());
    }
}

#[test]
fn junit_naming_a_batch_or_the_snapshot_is_a_usage_error() {
    let dir = case();
    let batch = dir.path().join("batch.csv");
    batch_of(&batch, 1);
    let evs = dir.path().join("evs.csv");
    std::fs::write(&evs, "member_id,plan_id,start,end\n").unwrap();
    let link = dir.path().join("link.xml");
    std::os::unix::fs::symlink(&batch, &link).unwrap();
    let out = dir.path().join("out");
    let cases = [
        (batch.clone(), "batch file", &batch),
        (dir.path().join(".").join("batch.csv"), "batch file", &batch),
        (link.clone(), "batch file", &batch),
        (evs.clone(), "EVS snapshot", &evs),
    ];
    for (junit, what, input) in cases {
        let before = std::fs::read(input).unwrap();
        let run = validate_all(
            &[&batch],
            &out,
            &[
                "--evs",
                evs.to_str().unwrap(),
                "--junit",
                junit.to_str().unwrap(),
            ],
        );
        assert_usage_error(
            &run,
            &format!(
                "--junit {} is the {what} {}: name another file for the JUnit report",
                junit.display(),
                input.display()
            ),
        );
        assert_eq!(std::fs::read(input).unwrap(), before);
        assert!(!out.exists(), "nothing is written on exit 2");
    }
}

#[test]
fn a_junit_name_of_250_characters_is_written() {
    let dir = case();
    let batch = dir.path().join("batch.csv");
    batch_of(&batch, 1);
    let name = format!("{}.xml", "j".repeat(246));
    let junit = dir.path().join(&name);
    let run = cpbatch(&[
        "validate",
        batch.to_str().unwrap(),
        "--as-of",
        AS_OF,
        "--junit",
        junit.to_str().unwrap(),
    ]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    let text = std::fs::read_to_string(&junit).unwrap();
    assert!(text.contains("<testsuites"), "{text}");
    assert_eq!(entries(dir.path()), ["batch.csv", name.as_str()]);
}

/// cpbatch 0.1 wrote each report through `File::create(".NAME.PID.partial")`: a symlink
/// planted under that name, once the process id is known, sent the report to any file.
#[test]
fn a_symlink_planted_under_a_temporary_name_is_never_written_through() {
    let dir = case();
    let batch = dir.path().join("batch.csv");
    let rows: Vec<_> = (0..20_000)
        .map(|i| row_with(&[("Member ID", &format!("1{i:011}"))]))
        .collect();
    write_csv(&batch, &rows);
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, "precious").unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_cpbatch"))
        .args([
            "validate",
            batch.to_str().unwrap(),
            "--as-of",
            AS_OF,
            "--quiet",
            "--out",
        ])
        .arg(&out)
        .spawn()
        .unwrap();
    for name in [
        "accepted.csv",
        "rejected.csv",
        "findings.csv",
        "summary.json",
        "accepted.xlsx",
    ] {
        let planted = out.join(format!(".{name}.{}.partial", child.id()));
        std::os::unix::fs::symlink(&victim, planted).unwrap();
    }
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    for name in ["accepted.csv", "summary.json", "accepted.xlsx"] {
        let meta = std::fs::symlink_metadata(out.join(name)).unwrap();
        assert!(meta.is_file() && meta.len() > 0, "{name}");
    }
}

/// `--out` is checked first: a dangling symlink is refused before the batch is read (here
/// a batch that does not exist, which would otherwise be the error).
#[test]
fn a_dangling_symlink_out_is_refused_before_any_batch_is_read() {
    let dir = case();
    let out = dir.path().join("out");
    std::os::unix::fs::symlink(dir.path().join("nowhere"), &out).unwrap();
    for batch in [dir.path().join("missing.csv"), dir.path().join("batch.csv")] {
        if batch.ends_with("batch.csv") {
            batch_of(&batch, 1);
        }
        let run = validate_all(&[&batch], &out, &[]);
        assert_usage_error(
            &run,
            &format!(
                "--out {} is a symbolic link to nothing: name a directory for the reports",
                out.display()
            ),
        );
        assert!(!dir.path().join("nowhere").exists());
    }
    // A file in the way of a batch's report folder is refused as early.
    let out = dir.path().join("r");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("b"), "mine").unwrap();
    let (a, b) = (dir.path().join("a.csv"), dir.path().join("b.csv"));
    batch_of(&a, 1);
    batch_of(&b, 2);
    let run = validate_all(&[&a, &b], &out, &[]);
    assert_usage_error(
        &run,
        &format!(
            "--out {} holds b, which is not a directory: the reports of {} go into a folder of that name",
            out.display(),
            b.display()
        ),
    );
    assert_eq!(entries(&out), ["b"]);
}

/// `validate x.xlsx ./x.xlsx` rejected every row with B003 against itself.
#[test]
fn a_batch_named_twice_is_read_once() {
    let dir = case();
    let batch = dir.path().join("x.xlsx");
    let rows = [good_row(), row_with(&[("Member ID", "100000000002")])];
    write_xlsx(&batch, &[("Batch", text_rows(&rows))]);
    let link = dir.path().join("link.xlsx");
    std::os::unix::fs::symlink(&batch, &link).unwrap();
    let dotted = dir.path().join(".").join("x.xlsx");
    let out = dir.path().join("out");
    let run = validate_all(&[&batch, &dotted, &link], &out, &["--format", "csv"]);
    assert_eq!(
        run.status, 0,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    assert_eq!(
        run.stderr,
        format!(
            "cpbatch: {} is the same file as {}: it is read once\n\
             cpbatch: {} is the same file as {}: it is read once\n",
            dotted.display(),
            batch.display(),
            link.display(),
            batch.display()
        )
    );
    // One distinct batch: a single-batch run, reports straight into --out.
    assert_eq!(
        entries(&out),
        [
            "accepted.csv",
            "findings.csv",
            "rejected.csv",
            "summary.json",
            "transfers.csv"
        ]
    );
    assert_conserved(&out, 2);
    assert!(findings(&out).iter().all(|(.., code)| code != "B003"));
    assert_eq!(
        run.stdout.lines().last(),
        Some("2 rows: 2 accepted, 0 rejected (0 transfers)")
    );
}
