//! The closed loop on generated data (SPEC 7): `gen_data watch`'s snapshot, whose CP members
//! include every M case in a realistic share, and its CP's roster with stale rows. The
//! proposed batch of every run is accepted whole by `validate` with the same inputs.

#[allow(dead_code)]
#[path = "../../../examples/gen_data.rs"]
mod gen_data;

use crate::common::{AS_OF, cpbatch, read_report};

fn summary(out: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(out.join("watch-summary.json")).unwrap()).unwrap()
}

#[test]
fn generated_data_closes_the_loop_with_every_case() {
    let dir = tempfile::tempdir().unwrap();
    gen_data::generate_watch(dir.path(), 60_000, "BHCP01").unwrap();
    let evs = dir.path().join("evs.csv").display().to_string();
    let roster = dir.path().join("roster.xlsx").display().to_string();
    let runs: [(&str, Vec<&str>); 4] = [
        ("all", vec![]),
        ("cp", vec!["--roster", &roster, "--submitter", "BHCP01"]),
        ("cp-evs", vec!["--submitter", "BHCP01"]),
        ("plan", vec!["--submitter", "ACPP01"]),
    ];
    for (name, extra) in &runs {
        let out = dir.path().join(name).display().to_string();
        let mut args = vec!["watch", "--evs", &evs, "--as-of", AS_OF, "--out", &out];
        args.extend(extra);
        let run = cpbatch(&args);
        assert_eq!(run.status, 1, "{name}: {}", run.stderr);
        let counts = &summary(std::path::Path::new(&out))["counts"];
        let proposed = counts["proposed"].as_u64().unwrap();
        assert!(proposed > 0, "{name}: {counts}");
        for file in ["proposed.xlsx", "proposed.csv"] {
            let batch = format!("{out}/{file}");
            let check = cpbatch(&["validate", &batch, "--evs", &evs, "--as-of", AS_OF]);
            assert_eq!(check.status, 0, "{name} {file}: {}", check.stdout);
            assert!(
                check.stdout.ends_with(&format!(
                    "{proposed} rows: {proposed} accepted, 0 rejected (0 transfers)\n"
                )),
                "{name} {file}: {}",
                check.stdout
            );
        }
    }
    let all = summary(&dir.path().join("all"));
    for code in ["M001", "M002", "M003", "M004", "M005", "M010"] {
        assert!(
            all["counts"]["by_code"][code].as_u64().unwrap_or(0) > 0,
            "{code}: {all}"
        );
    }
    let cp = summary(&dir.path().join("cp"));
    for code in ["M006", "M007", "M010"] {
        assert!(
            cp["counts"]["by_code"][code].as_u64().unwrap_or(0) > 0,
            "{code}: {cp}"
        );
    }
    // About 2 % of members have a CP.
    let watched = all["counts"]["watched"].as_u64().unwrap();
    assert!((600..=1800).contains(&watched), "{watched}");
    let (_, review) = read_report(&dir.path().join("cp").join("review.csv"));
    assert!(
        review.iter().all(|r| r[4] == "BHCP01"),
        "a CP reviews its own members"
    );
}

#[test]
fn the_demo_closes_the_loop() {
    let dir = tempfile::tempdir().unwrap();
    let evs = "fixtures/demo/evs.csv";
    for (name, extra) in [
        ("all", vec![]),
        (
            "roster",
            vec![
                "--roster",
                "fixtures/demo/roster.xlsx",
                "--submitter",
                "BHCP01",
            ],
        ),
        ("plan", vec!["--submitter", "MCO01"]),
    ] {
        let out = dir.path().join(name).display().to_string();
        let mut args = vec!["watch", "--evs", evs, "--as-of", AS_OF, "--out", &out];
        args.extend(extra);
        let run = cpbatch(&args);
        assert_eq!(run.status, 1, "{name}: {}", run.stderr);
        let proposed = summary(std::path::Path::new(&out))["counts"]["proposed"]
            .as_u64()
            .unwrap();
        assert!(proposed > 0);
        let check = cpbatch(&[
            "validate",
            &format!("{out}/proposed.xlsx"),
            "--evs",
            evs,
            "--as-of",
            AS_OF,
        ]);
        assert_eq!(check.status, 0, "{name}: {}", check.stdout);
        assert!(check.stdout.ends_with(&format!(
            "{proposed} rows: {proposed} accepted, 0 rejected (0 transfers)\n"
        )));
    }
}
