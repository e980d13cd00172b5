//! The command line as SPEC 5 and 5.1 give it: `--independent`, `rules CODE...`, the
//! `--as-of` check, and `--help` with examples and exit statuses.

use crate::common;
use common::*;

#[test]
fn independent_judges_each_batch_alone_without_b003() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.csv"), dir.path().join("b.csv"));
    write_csv(&a, &[good_row()]);
    write_csv(&b, &[good_row()]);
    let run_with = |extra: &[&str]| {
        let out = dir.path().join(format!("out{}", extra.len()));
        let mut args = vec![
            "validate",
            a.to_str().unwrap(),
            b.to_str().unwrap(),
            "--as-of",
            AS_OF,
            "--out",
            out.to_str().unwrap(),
            "--format",
            "csv",
        ];
        args.extend(extra);
        (cpbatch(&args), out)
    };
    // Together, the shared member is rejected in both batches.
    let (run, out) = run_with(&[]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    for stem in ["a", "b"] {
        assert_eq!(codes_of_row(&out.join(stem), 2), vec!["B003".to_string()]);
    }
    // Alone, each is accepted.
    let (run, out) = run_with(&["--independent"]);
    assert_eq!(run.status, 0, "{}\n{}", run.stdout, run.stderr);
    for stem in ["a", "b"] {
        assert_eq!(findings(&out.join(stem)), vec![]);
        assert_conserved(&out.join(stem), 1);
    }
    assert_eq!(
        run.stdout.lines().last(),
        Some("total: 2 batches (0 refused), 2 rows: 2 accepted, 0 rejected (0 transfers)")
    );
}

#[test]
fn rules_prints_the_codes_named_in_catalog_order_whatever_their_case() {
    let run = cpbatch(&["rules", "r010", "S004"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    let codes: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| !l.starts_with(' '))
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(codes, ["S004", "R010"]);
    assert!(run.stdout.contains("Invalid date"), "{}", run.stdout);

    let json = cpbatch(&["rules", "W002", "--format", "json"]);
    assert_eq!(json.status, 0, "{}", json.stderr);
    let rules: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let codes: Vec<&str> = rules
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["W002"]);

    let markdown = cpbatch(&["rules", "S004", "--format", "markdown"]);
    assert!(
        markdown.stdout.starts_with("## Row format\n"),
        "{}",
        markdown.stdout
    );
    assert_eq!(
        markdown.stdout.matches("| S0").count(),
        1,
        "{}",
        markdown.stdout
    );
}

#[test]
fn an_unknown_rule_code_is_a_usage_error_naming_the_closest() {
    let run = cpbatch(&["rules", "S04"]);
    assert_eq!(run.status, 2);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr
            .contains("unknown rule code \"S04\"; did you mean S004?"),
        "{}",
        run.stderr
    );
    let far = cpbatch(&["rules", "XYZ123"]);
    assert_eq!(far.status, 2);
    assert!(!far.stderr.contains("did you mean"), "{}", far.stderr);
}

#[test]
fn as_of_tells_a_day_the_calendar_lacks_from_another_form() {
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("b.csv");
    write_csv(&batch, &[good_row()]);
    for (as_of, says) in [
        ("2026-11-31", "\"2026-11-31\" is not a real calendar day"),
        ("2026-02-29", "\"2026-02-29\" is not a real calendar day"),
        ("26-11-01", "\"26-11-01\" is not a date as YYYY-MM-DD"),
        ("11/23/2026", "\"11/23/2026\" is not a date as YYYY-MM-DD"),
    ] {
        let run = cpbatch(&["validate", batch.to_str().unwrap(), "--as-of", as_of]);
        assert_eq!(run.status, 2, "{as_of}");
        assert!(run.stderr.contains(says), "{as_of}: {}", run.stderr);
    }
}

#[test]
fn help_of_every_command_shows_examples_and_exit_statuses() {
    for command in ["validate", "template", "rules"] {
        let run = cpbatch(&[command, "--help"]);
        assert_eq!(run.status, 0, "{command}");
        let examples = run.stdout.find("Examples:\n  cpbatch ");
        let statuses = run.stdout.find("Exit status:\n  0  ");
        assert!(
            matches!((examples, statuses), (Some(e), Some(s)) if e < s),
            "{command}: {}",
            run.stdout
        );
        assert!(run.stdout.contains("\n  2  "), "{command}: {}", run.stdout);
    }
}

/// Runs `cpbatch ARGS` with stderr on a terminal (a pty from util-linux `script`, which
/// .ci/run installs when missing) and stdout to /dev/null: what the terminal showed.
fn on_a_terminal(args: &[&str]) -> String {
    let quoted: Vec<String> = std::iter::once(env!("CARGO_BIN_EXE_cpbatch"))
        .chain(args.iter().copied())
        .map(|a| format!("'{}'", a.replace('\'', "'\\''")))
        .collect();
    let output = std::process::Command::new("script")
        .args([
            "-qec",
            &format!("{} >/dev/null", quoted.join(" ")),
            "/dev/null",
        ])
        .env("TERM", "xterm")
        .output()
        .expect("util-linux `script` (bsdutils) is needed: .ci/run installs it");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn progress_bars_end_at_the_true_count_and_the_writing_has_one() {
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("big.csv");
    let ids: Vec<String> = (0..20_000).map(|i| format!("1{i:011}")).collect();
    let rows: Vec<_> = ids
        .iter()
        .map(|id| row_with(&[("Member ID", id.as_str())]))
        .collect();
    write_csv(&batch, &rows);
    let out = dir.path().join("out");
    let shown = on_a_terminal(&[
        "validate",
        batch.to_str().unwrap(),
        "--as-of",
        AS_OF,
        "--out",
        out.to_str().unwrap(),
        "--format",
        "csv",
    ]);
    assert!(shown.contains(": 20,000 rows"), "{shown:?}");
    assert!(shown.contains("reports written"), "{shown:?}");
    // Never member data: not an ID, not a name.
    assert!(
        !shown.contains(&ids[0][..]) && !shown.contains("Rivera"),
        "{shown:?}"
    );
    // --quiet: no bar at all.
    let quiet = on_a_terminal(&["validate", batch.to_str().unwrap(), "--as-of", AS_OF, "-q"]);
    assert!(
        !quiet.contains("rows") && !quiet.contains("reports"),
        "{quiet:?}"
    );
}
