//! The hostile corpus of EVS snapshots (SPEC 2.4, 3.7, 4.4; issue 9, items 10, 14 and 15):
//! headers that never end, lone-CR line ends, snapshots cut off or with a column twice, lines
//! longer than a chunk, and snapshots given as a pipe. Each is refused at once with F006 (exit
//! 2, nothing written), or read exactly as the same bytes in a regular file would be.

use crate::common;
use common::*;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// The snapshot columns, in SPEC order.
const HEADER: &str = "member_id,last_name,first_name,date_of_birth,elig_start,elig_end,\
coverage_type,plan_id,medicare,other_insurance,nursing_facility,dmh_affiliation,zip,cp_id,\
cp_start,date_of_death";

/// Far more than any of these runs needs, on a loaded machine: a run that takes longer is
/// going the wrong way (it once ran for ten minutes on a header that never ended).
const PROMPTLY: Duration = Duration::from_secs(60);

/// The batch members: 1000000000NN for NN in 01..=05.
fn member(n: u32) -> String {
    format!("1000000000{n:02}")
}

/// An eligible segment of member `n`, matching `good_row()` but for the Member ID.
fn line_of(n: u32) -> String {
    format!(
        "{},Rivera,Ana,1980-04-02,2026-01-01,,STANDARD,ACPP01,N,N,N,NONE,02118,,,",
        member(n)
    )
}

/// A line of member `n` with a date that cannot be parsed: malformed (R008).
fn malformed_of(n: u32) -> String {
    format!(
        "{},Rivera,Ana,1980-04-02,2026-13-45,,STANDARD,ACPP01,N,N,N,NONE,02118,,,",
        member(n)
    )
}

/// A snapshot of the header and members 1..=5, each line ending in `\n`.
fn good_snapshot() -> String {
    let mut text = format!("{HEADER}\n");
    for n in 1..=5 {
        text += &line_of(n);
        text += "\n";
    }
    text
}

/// `head`, then `mib` MiB of `filler`, gzip-compressed as a multi-member stream: one
/// member compressed once and repeated, so that a test makes hundreds of megabytes of text
/// in milliseconds.
fn gzip_endless(head: &str, filler: u8, mib: usize) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(&vec![filler; 1 << 20]).unwrap();
    let member = encoder.finish().unwrap();
    let mut bytes = gzip(head.as_bytes());
    for _ in 0..mib {
        bytes.extend_from_slice(&member);
    }
    bytes
}

/// A directory with a batch of members 1..=5 (all to be accepted against `good_snapshot()`).
fn case() -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("batch.csv");
    let rows: Vec<_> = (1..=5)
        .map(|n| row_with(&[("Member ID", &member(n))]))
        .collect();
    write_csv(&batch, &rows);
    (dir, batch)
}

/// Runs the case's batch against the snapshot at `evs`; returns the run and its `--out`.
fn run(dir: &TempDir, batch: &Path, evs: &Path, extra: &[&str]) -> (Run, PathBuf) {
    let out = dir.path().join(format!("out-{}", extra.join("-")));
    let mut args = vec!["--evs", evs.to_str().unwrap()];
    args.extend_from_slice(extra);
    (validate(batch, &out, &args), out)
}

/// Runs the case's batch against these snapshot bytes, written to `name`, and asserts it is
/// refused promptly with F006 naming the file and `reason`, with nothing written.
fn assert_f006(bytes: &[u8], name: &str, reason: &str) -> Run {
    let (dir, batch) = case();
    let evs = dir.path().join(name);
    std::fs::write(&evs, bytes).unwrap();
    let mut last = None;
    // A gzip stream is indexed too, holding its text: the same refusal either way.
    for evs_read in ["scan", "index"] {
        let started = Instant::now();
        let (run, out) = run(&dir, &batch, &evs, &["--evs-read", evs_read]);
        assert!(
            started.elapsed() < PROMPTLY,
            "{name}: took {:?}",
            started.elapsed()
        );
        assert_refused(&run, &out, &evs, reason);
        last = Some(run);
    }
    last.unwrap()
}

fn assert_refused(run: &Run, out: &Path, evs: &Path, reason: &str) {
    assert_eq!(
        run.status, 2,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    assert!(run.stderr.contains("F006"), "{}", run.stderr);
    assert!(
        run.stderr.contains(&evs.display().to_string()),
        "the message names the file: {}",
        run.stderr
    );
    assert!(
        run.stderr.contains(reason),
        "want {reason:?}: {}",
        run.stderr
    );
    assert!(!out.exists(), "a report was written");
    assert!(
        !run.stderr.contains("Rivera"),
        "member data: {}",
        run.stderr
    );
}

// ---------------------------------------------------------------------------------------
// Item 10: a header that never ends, a file with no line ends

#[test]
fn a_header_that_never_ends_is_f006_at_once() {
    // Every required column, then a last one that goes on for megabytes: read whole, the
    // header would parse and the snapshot would look empty.
    let endless = |bytes: usize| format!("{HEADER},notes{}", "y".repeat(bytes));
    assert_f006(endless(8 << 20).as_bytes(), "evs.csv", "64 KiB");
    // Compressed, a few hundred kilobytes that would inflate to a gigabyte.
    let gz = gzip_endless(&endless(0), b'y', 1 << 10);
    assert!(gz.len() < 4 << 20, "{} bytes", gz.len());
    assert_f006(&gz, "evs.csv.gz", "64 KiB");
    // Line ends just past 64 KiB: still too long a header.
    let late = format!("{}\n{}\n", endless(64 << 10), line_of(1));
    assert_f006(late.as_bytes(), "evs.csv", "64 KiB");
}

#[test]
fn data_that_never_ends_a_line_is_f006_in_bounded_memory() {
    // A good header, a good line, then 65 MiB with no line end: held whole, a line could
    // take any amount of memory.
    let text = format!("{}{}", good_snapshot(), "n".repeat(65 << 20));
    assert_f006(text.as_bytes(), "evs.csv", "does not end within 64 MiB");
    let gz = gzip_endless(&good_snapshot(), b'n', 65);
    assert_f006(&gz, "evs.csv.gz", "does not end within 64 MiB");
}

#[test]
fn a_snapshot_with_lone_cr_line_ends_is_f006_for_its_line_ends() {
    // Small (the whole file within 64 KiB) and large (megabytes with no line feed).
    let lines = |count: u32| {
        let mut text = HEADER.to_string();
        for n in 0..count {
            text += "\r";
            text += &line_of(n % 5 + 1);
        }
        text + "\r"
    };
    for text in [lines(5), lines(30_000)] {
        let run = assert_f006(text.as_bytes(), "evs.csv", "carriage return");
        assert!(!run.stderr.contains("lacks"), "misleading: {}", run.stderr);
        assert_f006(&gzip(text.as_bytes()), "evs.csv.gz", "carriage return");
    }
}

// ---------------------------------------------------------------------------------------
// Item 14: a snapshot must be whole

#[test]
fn two_columns_matching_one_required_name_are_f006() {
    let body: String = (1..=5).map(|n| line_of(n) + ",100000000009\n").collect();
    for (extra, column) in [
        ("member_id", "member_id"),
        ("Member ID", "member_id"),
        ("ZIP", "zip"),
    ] {
        let text = format!("{HEADER},{extra}\n{body}");
        let run = assert_f006(text.as_bytes(), "evs.csv", "two columns");
        assert!(run.stderr.contains(column), "{}", run.stderr);
        assert!(!run.stderr.contains("100000000009"), "{}", run.stderr);
    }
}

#[test]
fn two_columns_of_any_same_name_are_f006_and_blank_headers_name_none() {
    // SPEC 4.4: two columns of the same name, required or not, the name compared as a
    // required one is (case, spaces and separators aside).
    let body: String = (1..=5).map(|n| line_of(n) + ",a,b\n").collect();
    for extra in ["notes,notes", "Notes,NOTES", "case note,case_note"] {
        let text = format!("{HEADER},{extra}\n{body}");
        let run = assert_f006(text.as_bytes(), "evs.csv", "two columns of the same name");
        assert!(run.stderr.contains("columns 17 and 18"), "{}", run.stderr);
    }
    // Blank headers (a trailing delimiter or two) name no column: read as usual.
    let (dir, batch) = case();
    let evs = dir.path().join("evs.csv");
    std::fs::write(&evs, format!("{HEADER},,\n{body}")).unwrap();
    let (run, _) = run(&dir, &batch, &evs, &[]);
    assert_eq!(run.status, 0, "{}", run.stderr);
}

#[test]
fn a_snapshot_cut_off_mid_line_is_f006() {
    let whole = good_snapshot();
    // Cut inside the last line (a batch member's), in the middle of a field and just after
    // a delimiter: the wrong number of fields, and no line end.
    for keep in [20, 60] {
        let cut = &whole[..whole.len() - keep];
        assert!(!cut.ends_with('\n'));
        assert_f006(cut.as_bytes(), "evs.csv", "ends in the middle of a line");
        assert_f006(
            &gzip(cut.as_bytes()),
            "evs.csv.gz",
            "ends in the middle of a line",
        );
    }
}

#[test]
fn a_last_line_without_a_line_end_but_whole_is_read() {
    let (dir, batch) = case();
    let mut text = good_snapshot();
    text.pop();
    // A quoted delimiter on the last line, whose first name differs: its fields are counted
    // as a CSV reader counts them, and it is the member's latest segment.
    let last = line_of(5).replace(",Ana,", ",\"Ana,B\",");
    let text = text.replacen(",Ana,", ",\"Ana, Jr\",", 1) + "\r\n" + &last;
    let evs = dir.path().join("evs.csv");
    std::fs::write(&evs, &text).unwrap();
    for evs_read in ["scan", "index"] {
        let (run, out) = run(&dir, &batch, &evs, &["--evs-read", evs_read]);
        assert_eq!(run.status, 0, "{}", run.stderr);
        assert_conserved(&out, 5);
        let summary = std::fs::read_to_string(out.join("summary.json")).unwrap();
        let summary: serde_json::Value = serde_json::from_str(&summary).unwrap();
        assert_eq!(summary["inputs"]["evs"]["segments"], 6);
        // Members 1 and 5 (its last line) have another first name.
        assert_eq!(codes_of_row(&out, 2), ["W003"]);
        assert_eq!(codes_of_row(&out, 6), ["W003"]);
    }
}

#[test]
fn a_truncated_gzip_snapshot_is_f006() {
    let mut text = good_snapshot();
    // Enough lines that the cut falls in the middle of the compressed data.
    for n in 0..50_000u64 {
        text += &format!(
            "2{n:011},Doe,Jo,1970-01-01,2020-01-01,,STANDARD,ACPP01,N,N,N,NONE,0{:04},,,\n",
            n % 9_999
        );
    }
    let gz = gzip(text.as_bytes());
    for cut in [gz.len() / 2, gz.len() - 4] {
        assert_f006(&gz[..cut], "evs.csv.gz", "cut off");
    }
}

#[test]
fn a_gzip_snapshot_too_large_to_hold_is_scanned_with_the_same_reports() {
    let (dir, batch) = case();
    // More text than the index may hold for this batch (64 MiB), in a multi-member stream
    // whose trailer (the last member's size) says it is small: the index gives up part way
    // and the snapshot is scanned once the batch is read.
    let mut text = good_snapshot();
    text += &malformed_of(3);
    text += "\n";
    let filler = "200000000001,Doe,Jo,1970-01-01,2020-01-01,,STANDARD,ACPP01,N,N,N,NONE,02118,,,\n";
    text += &filler.repeat((70 << 20) / filler.len());
    let tail = format!("{}\n", line_of(4).replace("Ana", "Anna"));
    let mut gz = gzip(text.as_bytes());
    gz.extend_from_slice(&gzip(tail.as_bytes()));
    text += &tail;
    let (evs, plain) = (dir.path().join("evs.csv.gz"), dir.path().join("evs.csv"));
    std::fs::write(&evs, &gz).unwrap();
    std::fs::write(&plain, &text).unwrap();
    let (expected, reference) = run(&dir, &batch, &plain, &["--evs-read", "scan"]);
    assert_eq!(expected.status, 1, "{}", expected.stderr);
    for evs_read in ["index", "auto"] {
        let (run, out) = run(&dir, &batch, &evs, &["--evs-read", evs_read]);
        assert_eq!(run.status, 1, "{evs_read}: {}", run.stderr);
        assert_eq!(run.stdout, expected.stdout, "{evs_read}");
        assert_same_reports(&reference, &out);
        let summary = |out: &Path| {
            let text = std::fs::read_to_string(out.join("summary.json")).unwrap();
            let summary: serde_json::Value = serde_json::from_str(&text).unwrap();
            summary["inputs"]["evs"].clone()
        };
        let (held, read) = (summary(&out), summary(&reference));
        assert_eq!(held["segments"], read["segments"], "{evs_read}");
        assert_eq!(held["malformed_lines"], 1, "{evs_read}");
        assert_eq!(held["sha256"], sha256_hex(&gz), "{evs_read}");
    }
}

// ---------------------------------------------------------------------------------------
// Item 15: a line longer than a chunk; a snapshot from a pipe

#[test]
fn a_line_longer_than_a_chunk_is_one_line() {
    let (dir, batch) = case();
    // An extra column holding 5 MB and 9 MB on some lines (more than the 4 MB chunk), on
    // lines of batch members and others; malformed lines of members 3 and 5 after them.
    let huge = |mb: usize| "n".repeat(mb << 20);
    let lines = [
        format!("{},short", line_of(1)),
        format!("{},{}", line_of(2), huge(5)),
        format!(
            "300000000001,Doe,Jo,1970-01-01,2020-01-01,,STANDARD,,N,N,N,NONE,,,,,{}",
            huge(9)
        ),
        format!("{},x", malformed_of(3)),
        String::new(),
        format!("{},{}", line_of(4), huge(5)),
        format!("{},x", malformed_of(5)),
    ];
    let text = format!("{HEADER},notes\n{}\n", lines.join("\n"));
    let evs = dir.path().join("evs.csv");
    std::fs::write(&evs, &text).unwrap();
    let gz = dir.path().join("evs.csv.gz");
    std::fs::write(&gz, gzip(text.as_bytes())).unwrap();
    let mut outs = Vec::new();
    for (evs, evs_read) in [(&evs, "scan"), (&evs, "index"), (&gz, "scan")] {
        let (run, out) = run(
            &dir,
            &batch,
            evs,
            &["--evs-read", evs_read, "--threads", "2"],
        );
        assert_eq!(run.status, 1, "{evs_read}: {}", run.stderr);
        let summary = std::fs::read_to_string(out.join("summary.json")).unwrap();
        let summary: serde_json::Value = serde_json::from_str(&summary).unwrap();
        assert_eq!(summary["inputs"]["evs"]["segments"], 6, "{evs_read}");
        assert_eq!(summary["inputs"]["evs"]["malformed_lines"], 2, "{evs_read}");
        let r008 = |row: u32| {
            read_report(&out.join("findings.csv"))
                .1
                .into_iter()
                .filter(|f| f[0] == row.to_string() && f[2] == "R008")
                .map(|f| f[4].clone())
                .collect::<Vec<_>>()
        };
        // Physical lines, the header being line 1 (a blank line counts).
        assert!(r008(4)[0].starts_with("line 5 "), "{:?}", r008(4));
        assert!(r008(6)[0].starts_with("line 8 "), "{:?}", r008(6));
        for row in [2, 3, 5] {
            assert_eq!(codes_of_row(&out, row), Vec::<String>::new(), "row {row}");
        }
        outs.push(out);
    }
    for other in &outs[1..] {
        assert_same_reports(&outs[0], other);
    }
}

/// The CSV reports of two runs are byte for byte the same.
fn assert_same_reports(one: &Path, other: &Path) {
    for file in [
        "accepted.csv",
        "rejected.csv",
        "transfers.csv",
        "findings.csv",
    ] {
        let (a, b) = (
            std::fs::read(one.join(file)),
            std::fs::read(other.join(file)),
        );
        assert!(
            a.unwrap() == b.unwrap(),
            "{file}: {} and {}",
            one.display(),
            other.display()
        );
    }
}

/// summary.json without what may differ between two runs of the same bytes: the timings and
/// the snapshot's path.
#[cfg(unix)]
fn summary_of(out: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(out.join("summary.json")).unwrap();
    let mut summary: serde_json::Value = serde_json::from_str(&text).unwrap();
    summary.as_object_mut().unwrap().remove("timings_ms");
    summary["inputs"]["evs"]["path"] = serde_json::Value::Null;
    summary
}

/// Runs cpbatch with the snapshot given as a FIFO that a thread writes `bytes` into; a run
/// that does not end by [`PROMPTLY`] (it waits for a second writer that never comes) is
/// killed and fails the test.
#[cfg(unix)]
fn run_from_fifo(dir: &TempDir, batch: &Path, name: &str, bytes: &[u8], extra: &[&str]) -> PathBuf {
    let fifo = dir.path().join(name);
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let out = dir.path().join(format!("out-{name}-{}", extra.join("-")));
    let (stdout, stderr) = (dir.path().join("stdout"), dir.path().join("stderr"));
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_cpbatch"))
        .args([
            "validate",
            batch.to_str().unwrap(),
            "--as-of",
            AS_OF,
            "--out",
        ])
        .arg(&out)
        .args(["--evs", fifo.to_str().unwrap()])
        .args(extra)
        .stdout(std::fs::File::create(&stdout).unwrap())
        .stderr(std::fs::File::create(&stderr).unwrap())
        .spawn()
        .unwrap();
    let (path, bytes) = (fifo.clone(), bytes.to_vec());
    // Detached: if cpbatch never opens the FIFO, the writer waits until the test ends.
    std::thread::spawn(move || {
        if let Ok(mut writer) = std::fs::OpenOptions::new().write(true).open(&path) {
            let _ = writer.write_all(&bytes);
        }
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > PROMPTLY {
            let _ = child.kill();
            panic!("{name}: still running after {PROMPTLY:?} (reading the FIFO twice?)");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let stderr = std::fs::read_to_string(&stderr).unwrap();
    assert_eq!(status.code(), Some(1), "{name} {extra:?}: {stderr}");
    std::fs::remove_file(&fifo).unwrap();
    out
}

#[cfg(unix)]
#[test]
fn a_snapshot_from_a_fifo_is_read_once_and_hashed_as_read() {
    let (dir, batch) = case();
    // Megabytes, so that the writer fills the pipe many times over; a malformed line of
    // member 3 and a differing date of birth of member 4, so the reports say something.
    let mut text =
        good_snapshot().replace(&line_of(4), &line_of(4).replace("1980-04-02", "1981-04-02"));
    text += &malformed_of(3);
    text += "\n";
    for n in 0..60_000u64 {
        text += &format!(
            "2{n:011},Doe,Jo,1970-01-01,2020-01-01,,STANDARD,ACPP01,N,N,N,NONE,02118,,,\n"
        );
    }
    let gz = gzip(text.as_bytes());
    let regular = dir.path().join("evs-regular.csv");
    std::fs::write(&regular, &text).unwrap();
    let (reference, expected) = {
        let (run, out) = run(&dir, &batch, &regular, &[]);
        assert_eq!(run.status, 1, "{}", run.stderr);
        let summary = summary_of(&out);
        (out, summary)
    };
    assert_eq!(
        expected["inputs"]["evs"]["sha256"],
        sha256_hex(text.as_bytes())
    );
    // Plain; gzip named .gz; gzip known only by its magic bytes (sniffing must not lose
    // them); and --evs-read index, which a FIFO cannot take: it is scanned.
    let cases: [(&str, &[u8], &[&str]); 5] = [
        ("evs.fifo", text.as_bytes(), &[]),
        ("evs.csv.gz", &gz, &[]),
        ("evs-gz.fifo", &gz, &[]),
        ("evs-index.fifo", text.as_bytes(), &["--evs-read", "index"]),
        ("evs-index.gz", &gz, &["--evs-read", "index"]),
    ];
    for (name, bytes, extra) in cases {
        let out = run_from_fifo(&dir, &batch, name, bytes, extra);
        assert_same_reports(&reference, &out);
        let mut summary = summary_of(&out);
        assert_eq!(
            summary["inputs"]["evs"]["sha256"],
            sha256_hex(bytes),
            "{name}"
        );
        summary["inputs"]["evs"]["sha256"] = expected["inputs"]["evs"]["sha256"].clone();
        assert_eq!(summary, expected, "{name}");
    }
}
