//! `cpbatch watch` runs of the binary over a snapshot of many chunks: outputs byte-identical
//! for `--threads 1` and `--threads 4`, from a plain and a gzip snapshot, with members whose
//! lines are together and members whose lines are far apart.

use std::path::Path;

use crate::common::{AS_OF, cpbatch};

const HEADER: &str = "member_id,last_name,first_name,date_of_birth,elig_start,elig_end,coverage_type,plan_id,medicare,other_insurance,nursing_facility,dmh_affiliation,zip,cp_id,cp_start,date_of_death";

/// 90,000 members (about 14 MB, four chunks and more), built-in roster; a member in ten has
/// a CP, with every kind of finding among them; every 50th member's old segment is at the
/// end of the file.
fn snapshot() -> String {
    let mut text = format!("{HEADER}\n");
    let mut tail = String::new();
    let cps = ["BHCP01", "BHCP02", "LTCP01", "BHCP05"];
    for m in 0..90_000u64 {
        let id = 100_000_000_000 + m;
        let cp = if m % 10 == 0 {
            cps[(m / 10 % 4) as usize]
        } else {
            ""
        };
        let (plan, zip, dob, medicare, end, death) = match m % 70 {
            0 => ("ACPP01", "02118", "1980-01-01", "N", "", "2026-11-01"),
            10 => ("ACPP01", "02118", "1980-01-01", "N", "2026-10-31", ""),
            20 => ("ACPP01", "02118", "1950-01-01", "Y", "", ""),
            30 => ("PCC", "02118", "1980-01-01", "N", "", ""),
            40 => ("ACPP01", "01201", "1980-01-01", "N", "", ""),
            50 => ("NOPLAN", "02118", "1980-01-01", "N", "2026-10-31", ""),
            _ => ("MCO01", "02118", "1985-03-04", "N", "", ""),
        };
        // Letters only: a digit in a name is S007, and makes a disenrollment M010 (case 50).
        let name: String = m
            .to_string()
            .bytes()
            .map(|d| char::from(b'a' + d - b'0'))
            .collect();
        let last = if m % 70 == 50 {
            format!("Last{m}")
        } else {
            format!("Last{name}")
        };
        let old = format!(
            "{id},Old{name},First,{dob},2010-01-01,2019-12-31,STANDARD,ACPP02,N,N,N,NONE,02118,,,\n"
        );
        if m % 50 == 0 {
            tail.push_str(&old);
        } else {
            text.push_str(&old);
        }
        text.push_str(&format!(
            "{id},{last},First,{dob},2020-01-01,{end},STANDARD,{plan},{medicare},N,N,NONE,{zip},{cp},2024-01-01,{death}\n"
        ));
    }
    text + &tail
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut all: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().into_string().unwrap(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    all.sort();
    all
}

#[test]
fn outputs_are_the_same_bytes_for_any_thread_count_plain_and_gzip() {
    let dir = tempfile::tempdir().unwrap();
    let plain = dir.path().join("evs.csv");
    let text = snapshot();
    std::fs::write(&plain, &text).unwrap();
    let gzip = dir.path().join("evs.csv.gz");
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut encoder, text.as_bytes()).unwrap();
    std::fs::write(&gzip, encoder.finish().unwrap()).unwrap();
    let mut summaries = Vec::new();
    for evs in [&plain, &gzip] {
        let mut runs = Vec::new();
        for threads in ["1", "4"] {
            let out = dir.path().join(format!("out-{threads}"));
            let run = cpbatch(&[
                "watch",
                "--evs",
                &evs.display().to_string(),
                "--as-of",
                AS_OF,
                "--threads",
                threads,
                "--out",
                &out.display().to_string(),
            ]);
            assert_eq!(run.status, 1, "{}", run.stderr);
            runs.push((run.stdout, files(&out)));
        }
        assert_eq!(runs[0].1.len(), 5);
        assert!(
            runs[0] == runs[1],
            "{}: --threads 1 and 4 differ",
            evs.display()
        );
        let (stdout, outputs) = runs.remove(0);
        summaries.push(stdout.lines().last().unwrap().to_string());
        let summary = &outputs
            .iter()
            .find(|(n, _)| n == "watch-summary.json")
            .unwrap()
            .1;
        let summary: serde_json::Value = serde_json::from_slice(summary).unwrap();
        assert_eq!(summary["counts"]["watched"], 9_000);
        assert_eq!(summary["inputs"]["evs"]["segments"], 180_000);
        for code in ["M001", "M002", "M003", "M005", "M010"] {
            assert!(
                summary["counts"]["by_code"][code].as_u64().unwrap() > 0,
                "{code}"
            );
        }
    }
    assert_eq!(summaries[0], summaries[1], "plain and gzip");
}

/// A snapshot read from a pipe is read once: a member's lines apart within a chunk are
/// fine; apart across chunks they would need a second read, and the run is refused (F006).
#[test]
fn a_piped_snapshot_is_read_once() {
    let dir = tempfile::tempdir().unwrap();
    let near = dir.path().join("near.csv");
    let mut text = format!("{HEADER}\n");
    for m in 0..200u64 {
        let cp = if m % 2 == 0 { "BHCP01" } else { "" };
        text.push_str(&format!(
            "{},Last,First,1980-01-01,2020-01-01,,STANDARD,ACPP01,N,N,N,NONE,02118,{cp},2024-01-01,2026-11-01\n",
            100_000_000_000 + m
        ));
    }
    // Every member's old segment after all the others, in the same chunk.
    for m in 0..200u64 {
        text.push_str(&format!(
            "{},Last,First,1980-01-01,2010-01-01,2019-12-31,STANDARD,ACPP01,N,N,N,NONE,02118,,,\n",
            100_000_000_000 + m
        ));
    }
    std::fs::write(&near, &text).unwrap();
    let far = dir.path().join("far.csv");
    std::fs::write(&far, snapshot()).unwrap();
    let piped = |file: &Path| {
        let command = format!(
            "{} watch --evs <(cat {}) --as-of {AS_OF} --quiet",
            env!("CARGO_BIN_EXE_cpbatch"),
            file.display()
        );
        let output = std::process::Command::new("bash")
            .args(["-c", &command])
            .output()
            .unwrap();
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let (status, stdout, stderr) = piped(&near);
    assert_eq!(status, Some(1), "{stderr}");
    assert_eq!(
        stdout,
        "100 members watched: 100 to disenroll, 0 to review\n"
    );
    let (status, _, stderr) = piped(&far);
    assert_eq!(status, Some(2));
    assert!(
        stderr.contains("F006") && stderr.contains("a pipe can be read only once"),
        "{stderr}"
    );
}
