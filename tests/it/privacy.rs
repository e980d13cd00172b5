//! Nothing that identifies a member goes to stderr (SPEC 4.1): every command, on success and
//! on every error path, with member data marked so that any leak is found. stdout's
//! findings may quote values (they are the submitter's own report); stderr, which ends up
//! in logs and CI output, may not.

use crate::common;
use crate::raw;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::*;
use raw::RawXml;

const LAST: &str = "ZZPRIVLASTZZ";
const FIRST: &str = "ZZPRIVFIRSTZZ";
const IDS: [&str; 3] = ["987654321012", "987654321013", "987654321014"];
/// The marked date of birth, in every form it is written in.
const BIRTH: [&str; 3] = ["1931-07-17", "07/17/1931", "19310717"];

/// Every marker: a leak shows any of them, or a long enough piece of one.
fn markers() -> Vec<String> {
    let mut all = vec![
        "ZZPRIV".to_string(),
        "PRIVLAST".into(),
        "PRIVFIRST".into(),
        "987654321".into(),
        "1931".into(),
    ];
    all.extend(IDS.iter().map(|s| s.to_string()));
    all.extend(BIRTH.iter().map(|s| s.to_string()));
    all
}

fn assert_private(what: &str, stderr: &str) {
    assert!(!stderr.contains("panicked"), "{what}: {stderr}");
    for marker in markers() {
        assert!(
            !stderr.contains(&marker),
            "{what}: stderr shows member data ({marker}):\n{stderr}"
        );
    }
}

/// Marked rows: one accepted, the others rejected with messages that quote their values.
fn marked_rows() -> Vec<std::collections::BTreeMap<&'static str, String>> {
    vec![
        row_with(&[
            ("Member ID", IDS[0]),
            ("Last Name", LAST),
            ("First Name", FIRST),
            ("Date of Birth", BIRTH[0]),
        ]),
        row_with(&[
            ("Member ID", IDS[1]),
            ("Last Name", &format!("{LAST}1")),
            ("First Name", FIRST),
            ("Date of Birth", BIRTH[1]),
            ("Medicare", "Y"),
        ]),
        row_with(&[
            ("Member ID", &format!("{}9", IDS[2])),
            ("Last Name", LAST),
            ("First Name", &format!("{FIRST}!")),
            ("Date of Birth", "07/17/31"),
        ]),
        row_with(&[
            ("Member ID", IDS[0]),
            ("Last Name", LAST),
            ("First Name", FIRST),
            ("Date of Birth", BIRTH[2]),
        ]),
    ]
}

/// A snapshot of the marked members: another name for one, a malformed line for another.
fn write_snapshot(path: &Path) {
    let header = "member_id,last_name,first_name,date_of_birth,elig_start,elig_end,coverage_type,plan_id,medicare,other_insurance,nursing_facility,dmh_affiliation,zip,cp_id,cp_start,date_of_death";
    let lines = [
        format!(
            "{},{LAST},{FIRST},1931-07-17,2026-01-01,,STANDARD,ACPP01,N,N,N,NONE,02118,,,",
            IDS[0]
        ),
        format!(
            "{},{LAST}X,{FIRST}Y,1931-07-18,2026-01-01,,STANDARD,ACPP01,N,N,N,NONE,02118,,,",
            IDS[1]
        ),
        format!("{},{LAST},{FIRST},1931-07-17,not a date", IDS[2]),
    ];
    std::fs::write(path, format!("{header}\n{}\n", lines.join("\n"))).unwrap();
}

struct Case {
    dir: tempfile::TempDir,
}

impl Case {
    fn new() -> Case {
        Case {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn arg(&self, name: &str) -> String {
        self.path(name).display().to_string()
    }
}

/// Runs cpbatch and checks its stderr; returns the exit status.
fn check(what: &str, args: &[String]) -> i32 {
    let run = cpbatch(args);
    assert_private(what, &run.stderr);
    run.status
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn no_command_shows_member_data_on_stderr() {
    let case = Case::new();
    let xlsx = case.arg("marked.xlsx");
    write_xlsx(
        &case.path("marked.xlsx"),
        &[("Batch", text_rows(&marked_rows()))],
    );
    let csv = case.arg("marked.csv");
    write_csv(&case.path("marked.csv"), &marked_rows());
    let evs = case.arg("evs.csv");
    write_snapshot(&case.path("evs.csv"));
    let out = case.arg("out");
    let validate = |extra: &[&str]| {
        let mut list = args(&["validate", &xlsx, "--as-of", AS_OF]);
        list.extend(args(extra));
        list
    };

    // Findings quote the marked values on stdout: the markers do reach the messages.
    let run = cpbatch(&validate(&["--evs", &evs]));
    assert!(run.stdout.contains(LAST) && run.stdout.contains("07/17/31"));
    assert_private("validate --evs", &run.stderr);

    for (what, extra) in [
        ("validate", vec![]),
        ("validate --out", vec!["--out", &out]),
        ("validate --evs --out", vec!["--evs", &evs, "--out", &out]),
        (
            "validate --evs-read index",
            vec!["--evs", &evs, "--evs-read", "index", "--out", &out],
        ),
        ("validate --quiet", vec!["--quiet", "--out", &out]),
    ] {
        assert_eq!(check(what, &validate(&extra)), 1, "{what}");
    }
    assert_eq!(
        check(
            "validate several batches",
            &args(&[
                "validate", &xlsx, &csv, "--as-of", AS_OF, "--evs", &evs, "--out", &out
            ])
        ),
        1
    );

    let template = case.arg("template.xlsx");
    assert_eq!(
        check("template", &args(&["template", "--out", &template])),
        0
    );
    assert_eq!(
        check(
            "template --check",
            &args(&["template", "--check", &template])
        ),
        0
    );
    assert_eq!(
        check(
            "template --check of a batch",
            &args(&["template", "--check", &xlsx])
        ),
        1
    );
    for format in ["text", "markdown", "json"] {
        assert_eq!(check("rules", &args(&["rules", "--format", format])), 0);
    }
}

/// A refused run: exit 2 and a message on stderr, which names files, rows and columns only.
#[test]
fn no_error_shows_member_data_on_stderr() {
    let case = Case::new();
    let evs = case.arg("evs.csv");
    write_snapshot(&case.path("evs.csv"));
    let row: Vec<String> = HEADERS
        .iter()
        .map(|h| marked_rows()[0][h].clone())
        .collect();

    let mut files: Vec<(&str, Vec<u8>)> = Vec::new();
    // F001: invalid UTF-8 and a NUL in the marked row, past the first 8 KiB.
    let padding = format!("{}\n", HEADERS.join(",")) + &format!("{}\n", row.join(",")).repeat(100);
    let latin1: Vec<u8> = row
        .join(",")
        .replace(LAST, "ZZPRIVL\u{1}ST")
        .bytes()
        .map(|b| if b == 1 { 0xC1 } else { b })
        .collect();
    files.push(("latin1.csv", [padding.as_bytes(), &latin1].concat()));
    files.push((
        "nul.csv",
        [
            padding.as_bytes(),
            row.join(",").replace(LAST, "ZZPRIV\0LASTZZ").as_bytes(),
        ]
        .concat(),
    ));
    // F003: no header, only member data.
    files.push((
        "noheader.csv",
        format!("{}\n", row.join(",")).repeat(30).into_bytes(),
    ));
    // F004: a missing column.
    let short: Vec<&str> = HEADERS
        .iter()
        .copied()
        .filter(|h| *h != "Submitter ID")
        .collect();
    files.push((
        "f004.csv",
        format!("{}\n{}\n", short.join(","), row[..17].join(",")).into_bytes(),
    ));
    for (name, bytes) in &files {
        std::fs::write(case.path(name), bytes).unwrap();
    }

    // Workbooks that calamine cannot read, with member data where it stops.
    let mut rows = vec![
        HEADERS
            .iter()
            .map(|h| RawXml::Text(h.to_string()))
            .collect::<Vec<_>>(),
    ];
    rows.push(row.iter().map(|v| RawXml::Text(v.clone())).collect());
    let good = raw::sheet_xml(&rows);
    let broken = [
        // A number cell whose value is a name.
        (
            "number.xlsx",
            good.replacen(
                &format!(r#"t="inlineStr"><is><t>{LAST}</t></is></c>"#),
                &format!("><v>{LAST}</v></c>"),
                1,
            ),
        ),
        // A boolean cell whose value is an ID.
        (
            "bool.xlsx",
            good.replacen(
                &format!(r#"t="inlineStr"><is><t>{}</t></is></c>"#, IDS[0]),
                &format!(r#"t="b"><v>{}</v></c>"#, IDS[0]),
                1,
            ),
        ),
        // A shared string index that is a date of birth.
        (
            "shared.xlsx",
            good.replacen(
                &format!(r#"t="inlineStr"><is><t>{}</t></is></c>"#, BIRTH[0]),
                &format!(r#"t="s"><v>{}</v></c>"#, BIRTH[2]),
                1,
            ),
        ),
        // XML cut in the middle of the marked row.
        (
            "cut.xlsx",
            good[..good.find(FIRST).unwrap() + 5].to_string(),
        ),
        // A cell reference made of member data (six letters: calamine overflows on more,
        // see tests/hostile.rs).
        (
            "reference.xlsx",
            good.replacen("r=\"C2\"", "r=\"ZZPRIV\"", 1),
        ),
    ];
    for (name, sheet) in &broken {
        raw::write_raw_xlsx(&case.path(name), sheet, None, false);
    }

    let mut batches: Vec<String> = files.iter().map(|(n, _)| case.arg(n)).collect();
    batches.extend(broken.iter().map(|(n, _)| case.arg(n)));
    for batch in &batches {
        let run = cpbatch(&args(&["validate", batch, "--as-of", AS_OF]));
        assert_private(batch, &run.stderr);
        // Calamine may read some of these after all: then the findings are on stdout.
        assert!(
            run.status == 1 || run.status == 2,
            "{batch}: {}",
            run.stderr
        );
    }
    for (name, _) in &broken {
        let run = cpbatch(&args(&["template", "--check", &case.arg(name)]));
        assert_private(&format!("template --check {name}"), &run.stderr);
    }
    // The refusals, all together, in a run of several batches.
    let mut several = args(&["validate"]);
    several.extend(batches.iter().cloned());
    several.extend(args(&["--as-of", AS_OF, "--out", &case.arg("out")]));
    assert_private("several refused batches", &cpbatch(&several).stderr);

    // F006: snapshots that cannot be used, their lines made of member data.
    let marked = case.arg("marked.csv");
    write_csv(&case.path("marked.csv"), &marked_rows());
    let line = format!("{},{LAST},{FIRST},{}", IDS[0], BIRTH[0]);
    let snapshots: [(&str, Vec<u8>); 3] = [
        ("headerless.csv", format!("{line}\n{line}\n").into_bytes()),
        ("binary.csv", [b"\xF1".as_slice(), line.as_bytes()].concat()),
        (
            "broken.csv.gz",
            [b"\x1F\x8B\x08\x00".as_slice(), line.as_bytes()].concat(),
        ),
    ];
    for (name, bytes) in &snapshots {
        std::fs::write(case.path(name), bytes).unwrap();
        for read in ["scan", "index"] {
            let run = cpbatch(&args(&[
                "validate",
                &marked,
                "--as-of",
                AS_OF,
                "--evs",
                &case.arg(name),
                "--evs-read",
                read,
            ]));
            assert_eq!(run.status, 2, "{name}: {}", run.stderr);
            assert!(run.stderr.contains("F006"), "{name}: {}", run.stderr);
            assert_private(name, &run.stderr);
        }
    }
    let _ = evs;
}

/// With a terminal for stderr, progress bars are drawn: they too show no member data.
#[test]
fn progress_bars_show_no_member_data() {
    let case = Case::new();
    let rows: Vec<_> = (0..20_000)
        .map(|i| {
            row_with(&[
                ("Member ID", &format!("98765{:07}", i)),
                ("Last Name", LAST),
                ("First Name", FIRST),
                ("Date of Birth", BIRTH[1]),
            ])
        })
        .collect();
    write_csv(&case.path("big.csv"), &rows);
    write_snapshot(&case.path("evs.csv"));
    let command = format!(
        "{} validate {} --as-of {AS_OF} --evs {} > {} ",
        env!("CARGO_BIN_EXE_cpbatch"),
        case.arg("big.csv"),
        case.arg("evs.csv"),
        case.arg("stdout.txt"),
    );
    let typescript = case.path("typescript");
    // `script` gives the command a terminal; stdout goes to a file, so the terminal (and the
    // typescript) shows stderr only.
    let ran = Command::new("script")
        .args(["-q", "-e", "-c", &command])
        .arg(&typescript)
        .output()
        .expect("`script` (util-linux) runs the command on a terminal");
    assert!(ran.status.code() == Some(1), "{ran:?}");
    let stdout = std::fs::read_to_string(case.path("stdout.txt")).unwrap();
    assert!(
        stdout.ends_with("20000 rows: 0 accepted, 20000 rejected (0 transfers)\n"),
        "the run did not read the batch"
    );
    let terminal = String::from_utf8_lossy(&std::fs::read(&typescript).unwrap()).into_owned();
    // The bars were drawn: the terminal shows them.
    assert!(
        terminal.contains("reading ") && terminal.contains("scanning EVS snapshot"),
        "{terminal}"
    );
    assert_private("progress", &terminal);
}

/// `cpbatch watch` (SPEC 7): its findings go to stdout; stderr names files and codes only,
/// with and without a roster, on success and on every refusal.
#[test]
fn watch_shows_no_member_data_on_stderr() {
    let case = Case::new();
    let header = "member_id,last_name,first_name,date_of_birth,elig_start,elig_end,coverage_type,plan_id,medicare,other_insurance,nursing_facility,dmh_affiliation,zip,cp_id,cp_start,date_of_death";
    let lines = [
        format!(
            "{},{LAST},{FIRST},1931-07-17,2020-01-01,,STANDARD,ACPP01,N,N,N,NONE,02118,BHCP01,2024-01-01,2026-11-01",
            IDS[0]
        ),
        format!(
            "{},{LAST}1,{FIRST},1931-07-17,2020-01-01,,STANDARD,ACPP01,N,N,N,NONE,02118,BHCP01,,",
            IDS[1]
        ),
        format!("{},{LAST},{FIRST},1931-07-17,not a date", IDS[1]),
        format!(
            "{},{LAST},{FIRST},1931-07-17,2020-01-01,,STANDARD,ACPP01,N,N,N,NONE,02118,BHCP01,,",
            IDS[2]
        ),
    ];
    std::fs::write(
        case.path("evs.csv"),
        format!("{header}\n{}\n", lines.join("\n")),
    )
    .unwrap();
    let roster = format!(
        "Member ID,CP ID,Last Name,Date of Birth\n{},BHCP01,{LAST},{}\n{}9,BHCP01,{FIRST},{}\n{},BHCP02,{LAST},{}\n",
        IDS[0], BIRTH[0], IDS[2], BIRTH[1], IDS[2], BIRTH[2]
    );
    std::fs::write(case.path("roster.csv"), roster).unwrap();
    std::fs::write(
        case.path("no-cp.csv"),
        format!("Member ID,Last Name\n{},{LAST}\n", IDS[0]),
    )
    .unwrap();
    std::fs::write(case.path("bad.xlsx"), format!("{LAST} is not a workbook")).unwrap();
    let watch = |extra: &[&str]| {
        let mut all = args(&["watch", "--evs", &case.arg("evs.csv"), "--as-of", AS_OF]);
        all.extend(args(extra));
        all
    };
    let out = case.arg("out");
    assert_eq!(check("watch", &watch(&[])), 1);
    assert_eq!(check("watch --out", &watch(&["--out", &out])), 1);
    assert_eq!(
        check(
            "watch --roster",
            &watch(&["--roster", &case.arg("roster.csv"), "--out", &out])
        ),
        1
    );
    assert_eq!(
        check(
            "watch --submitter",
            &watch(&["--submitter", "BHCP01", "--threads", "1"])
        ),
        1
    );
    for refused in [
        watch(&["--roster", &case.arg("no-cp.csv")]),
        watch(&["--roster", &case.arg("bad.xlsx")]),
        watch(&["--roster", &case.arg("missing.csv")]),
        watch(&["--submitter", "NOBODY"]),
        watch(&["--effective", "2025-01-01"]),
        args(&["watch", "--evs", &case.arg("roster.csv"), "--as-of", AS_OF]),
    ] {
        assert_eq!(check("refused watch", &refused), 2, "{refused:?}");
    }
    // With a terminal for stderr, the scan's bar is drawn, and shows no member data.
    let command = format!(
        "{} watch --evs {} --as-of {AS_OF} > {} ",
        env!("CARGO_BIN_EXE_cpbatch"),
        case.arg("evs.csv"),
        case.arg("stdout.txt"),
    );
    let typescript = case.path("typescript");
    let Ok(ran) = Command::new("script")
        .args(["-q", "-e", "-c", &command])
        .arg(&typescript)
        .output()
    else {
        eprintln!("note: `script` is not available; progress bars were not checked");
        return;
    };
    assert_eq!(ran.status.code(), Some(1), "{ran:?}");
    let terminal = String::from_utf8_lossy(&std::fs::read(&typescript).unwrap()).into_owned();
    assert!(terminal.contains("scanning EVS snapshot"), "{terminal}");
    assert_private("watch progress", &terminal);
}
