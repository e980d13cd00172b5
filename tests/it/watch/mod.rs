//! `cpbatch watch` (SPEC 7): one focused snapshot member per M code and per precedence rule,
//! judged in-process; the binary for exit statuses, outputs and the closed loop.

mod generated;
mod props;
mod runs;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::common::{self, AS_OF, EVS_COLUMNS, cpbatch, read_report};
use cpbatch::catalog::Code;
use cpbatch::cmd::watch::{self, Config, Found};
use cpbatch::rules::CheckConfig;
use cpbatch::rules::watch::Judgement;

/// One EVS line: an adult ACO member of P1 with CP B1, covered, in B1's area; `changes`
/// by column name.
fn seg(member: &str, changes: &[(&str, &str)]) -> String {
    let mut values: BTreeMap<&str, String> = [
        ("member_id", member),
        ("last_name", "Rivera"),
        ("first_name", "Ana"),
        ("date_of_birth", "1980-05-01"),
        ("elig_start", "2020-01-01"),
        ("elig_end", ""),
        ("coverage_type", "STANDARD"),
        ("plan_id", "P1"),
        ("medicare", "N"),
        ("other_insurance", "N"),
        ("nursing_facility", "N"),
        ("dmh_affiliation", "NONE"),
        ("zip", "02118"),
        ("cp_id", "B1"),
        ("cp_start", "2024-01-01"),
        ("date_of_death", ""),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_string()))
    .collect();
    for (column, value) in changes {
        assert!(values.contains_key(column), "{column}");
        values.insert(column, value.to_string());
    }
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record(EVS_COLUMNS.iter().map(|c| values[c].as_str()))
        .unwrap();
    String::from_utf8(writer.into_inner().unwrap()).unwrap()
}

fn snapshot_text(lines: &[String]) -> String {
    EVS_COLUMNS.join(",") + "\n" + &lines.concat()
}

/// Plans P1, P2 (ACPP), M1 (MCO), PCC1 (PCC); BH CPs B1–B4, LTSS CPs L1, L2.
fn write_reference(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let files = [
        (
            "plans.csv",
            "plan_id,plan_name,plan_type\nP1,One,ACPP\nP2,Two,ACPP\nM1,Em,MCO\nPCC1,Pcc,PCC\nOC1,One Care,ONECARE\n",
        ),
        (
            "cps.csv",
            "cp_id,cp_name,program\nB1,b1,BH\nB2,b2,BH\nB3,b3,BH\nB4,b4,BH\nL1,l1,LTSS\nL2,l2,LTSS\n",
        ),
        (
            "partnerships.csv",
            "plan_id,cp_id\nP1,B1\nP1,B2\nP1,L1\nP2,B2\nP2,B3\nM1,B1\nM1,B3\nM1,L1\nM1,L2\n",
        ),
        (
            "service_areas.csv",
            "cp_id,zip\nB1,021\nB2,021\nB2,022\nB3,022\nB4,021\nL1,021\nL2,021\n",
        ),
    ];
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
}

/// A test's files: the reference, the snapshot and the roster.
struct Case {
    dir: tempfile::TempDir,
}

impl Case {
    fn new(lines: &[String]) -> Case {
        let dir = tempfile::tempdir().unwrap();
        write_reference(&dir.path().join("ref"));
        std::fs::write(dir.path().join("evs.csv"), snapshot_text(lines)).unwrap();
        Case { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn arg(&self, name: &str) -> String {
        self.path(name).display().to_string()
    }

    /// Writes roster.csv with these headers and rows.
    fn roster(&self, headers: &[&str], rows: &[&[&str]]) -> &Case {
        let mut writer = csv::Writer::from_path(self.path("roster.csv")).unwrap();
        writer.write_record(headers).unwrap();
        for row in rows {
            writer.write_record(*row).unwrap();
        }
        writer.flush().unwrap();
        self
    }

    fn config(&self, roster: bool, submitter: &str) -> Config {
        Config {
            evs: self.path("evs.csv"),
            roster: roster.then(|| self.path("roster.csv")),
            submitter: submitter.into(),
            reference: Some(self.path("ref")),
            check: CheckConfig {
                as_of: AS_OF.parse().unwrap(),
                max_retro_days: 60,
                max_future_days: 90,
            },
            effective: None,
            out: None,
            formats: cpbatch::Formats {
                csv: true,
                xlsx: true,
            },
            threads: Some(2),
            quiet: false,
        }
    }

    /// Judges in-process.
    fn watch(&self, roster: bool, submitter: &str) -> Found {
        let config = self.config(roster, submitter);
        let reference = cpbatch::load_reference(config.reference.as_deref()).unwrap();
        watch::watch(&config, &reference).unwrap()
    }

    /// Runs the binary: `watch --evs --reference --as-of --out OUT` plus `extra`.
    fn run(&self, out: &str, extra: &[&str]) -> common::Run {
        let mut args = vec![
            "watch".to_string(),
            "--evs".into(),
            self.arg("evs.csv"),
            "--reference".into(),
            self.arg("ref"),
            "--as-of".into(),
            AS_OF.into(),
            "--out".into(),
            self.arg(out),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        cpbatch(&args)
    }
}

/// The findings of one member: (code, message, candidates).
fn of<'f>(found: &'f Found, member: &str) -> (&'f Judgement, Vec<(Code, &'f str, &'f str)>) {
    let judgement = found
        .judgements
        .iter()
        .find(|j| j.member_text == member)
        .unwrap_or_else(|| panic!("{member} not judged: {:#?}", found.judgements));
    let findings = judgement
        .findings
        .iter()
        .map(|f| (f.code, f.message.as_str(), f.candidates.as_str()))
        .collect();
    (judgement, findings)
}

fn codes(found: &Found, member: &str) -> Vec<Code> {
    of(found, member).1.into_iter().map(|f| f.0).collect()
}

fn only(found: &Found, member: &str, code: Code) -> (String, String) {
    let (_, findings) = of(found, member);
    assert_eq!(findings.len(), 1, "{member}: {findings:?}");
    assert_eq!(findings[0].0, code, "{member}: {findings:?}");
    (findings[0].1.to_string(), findings[0].2.to_string())
}

fn not_listed(found: &Found, member: &str) {
    assert!(
        found.judgements.iter().all(|j| j.member_text != member),
        "{member} is listed"
    );
}

const M1: &str = "100000000001";
const M2: &str = "100000000002";
const M3: &str = "100000000003";
const M4: &str = "100000000004";
const M5: &str = "100000000005";
const M6: &str = "100000000006";

#[test]
fn m001_deceased_proposes_a_deceased_disenrollment() {
    let case = Case::new(&[seg(M1, &[("date_of_death", "2026-11-01")])]);
    let found = case.watch(false, "MASSHEALTH");
    let (message, candidates) = only(&found, M1, Code::M001);
    assert!(message.contains("died on 2026-11-01"), "{message}");
    assert_eq!(candidates, "");
    assert_eq!(Code::M001.severity().as_str(), "disenroll");
    let row = of(&found, M1).0.proposal.as_ref().unwrap();
    let expected = [
        "DISENROLL",
        M1,
        "Rivera",
        "Ana",
        "1980-05-01",
        "BH",
        "B1",
        "",
        "P1",
        "STANDARD",
        "N",
        "N",
        "N",
        "NONE",
        "02118",
        AS_OF,
        "DECEASED",
        "MASSHEALTH",
    ];
    assert_eq!(row.cells(), expected);
}

#[test]
fn m002_no_segment_covers_the_watch_date() {
    let case = Case::new(&[seg(M1, &[("elig_end", "2026-10-31")])]);
    let found = case.watch(false, "MASSHEALTH");
    let (message, _) = only(&found, M1, Code::M002);
    assert!(message.contains("ended on 2026-10-31"), "{message}");
    let row = of(&found, M1).0.proposal.as_ref().unwrap();
    assert_eq!(row.cells()[16], "INELIGIBLE");
    assert_eq!(
        found.watched, 1,
        "watched through the DISENROLL fallback segment"
    );
}

#[test]
fn m003_names_every_failing_e_code_of_the_reported_path() {
    let case = Case::new(&[
        seg(M1, &[("date_of_birth", "1956-01-10"), ("medicare", "Y")]),
        seg(M2, &[("plan_id", "PCC1"), ("cp_id", "L1")]),
        seg(M3, &[("date_of_birth", "2010-01-01")]),
        // The DMH path passes: eligible, not listed.
        seg(M4, &[("plan_id", "PCC1"), ("dmh_affiliation", "ACCS")]),
    ]);
    let found = case.watch(false, "MASSHEALTH");
    let (message, _) = only(&found, M1, Code::M003);
    assert!(message.contains("E003 the member is 70"), "{message}");
    assert!(
        message.contains("E005 EVS shows the member has Medicare"),
        "{message}"
    );
    assert!(message.contains("for a BH CP"), "{message}");
    let (message, _) = only(&found, M2, Code::M003);
    assert!(
        message.contains("E007") && message.contains("LTSS"),
        "{message}"
    );
    assert!(!message.contains("E003"), "{message}");
    let (message, _) = only(&found, M3, Code::M003);
    assert!(message.contains("E002 the member is 16"), "{message}");
    not_listed(&found, M4);
    assert_eq!(found.watched, 4);
}

#[test]
fn m004_and_m005_list_the_cps_that_could_take_the_transfer() {
    let case = Case::new(&[
        // P2 does not partner with B1: BH partners of P2 are B2, B3; of them B2 serves 021.
        seg(M1, &[("plan_id", "P2")]),
        // 022 is outside B1's area: BH partners of M1 other than B1: B3, which serves 022.
        seg(M2, &[("plan_id", "M1"), ("zip", "02215")]),
        // Both: partners of P2 serving 022: B2 and B3, in CP ID order.
        seg(M3, &[("plan_id", "P2"), ("zip", "02215")]),
        // Not an ACO/MCO (DMH path): any BH CP but B1 serving 022.
        seg(
            M4,
            &[
                ("plan_id", "PCC1"),
                ("dmh_affiliation", "CBFS"),
                ("zip", "02215"),
            ],
        ),
        // No ZIP known: any partner of P2.
        seg(M5, &[("plan_id", "P2"), ("zip", "")]),
    ]);
    let found = case.watch(false, "MASSHEALTH");
    let (message, candidates) = only(&found, M1, Code::M004);
    assert_eq!(candidates, "B2");
    assert!(
        message.contains("plan P2 has no partnership with CP B1"),
        "{message}"
    );
    assert!(message.contains("TRANSFER (PLAN_CHANGE)"), "{message}");
    let (message, candidates) = only(&found, M2, Code::M005);
    assert_eq!(candidates, "B3");
    assert!(message.contains("ZIP Code 02215 is outside the service area of CP B1"));
    assert!(message.contains("TRANSFER (MOVED)"), "{message}");
    assert_eq!(codes(&found, M3), [Code::M004, Code::M005]);
    assert!(of(&found, M3).1.iter().all(|f| f.2 == "B2;B3"));
    assert_eq!(only(&found, M4, Code::M005).1, "B2;B3");
    assert_eq!(only(&found, M5, Code::M004).1, "B2;B3");
    assert_eq!(Code::M004.severity().as_str(), "review");
    assert!(found.judgements.iter().all(|j| j.proposal.is_none()));
}

#[test]
fn m004_says_when_the_evs_name_would_stop_the_transfer_row() {
    let case = Case::new(&[
        seg(M1, &[("plan_id", "P2"), ("last_name", "R1vera")]),
        seg(M2, &[("plan_id", "P2"), ("first_name", "")]),
    ]);
    let found = case.watch(false, "MASSHEALTH");
    let (message, _) = only(&found, M1, Code::M004);
    assert!(
        message.contains("would stop the TRANSFER row: S007 Last Name"),
        "{message}"
    );
    let (message, _) = only(&found, M2, Code::M004);
    assert!(message.contains("S001"), "{message}");
}

const ROSTER: [&str; 6] = [
    "Member ID",
    "CP ID",
    "Last Name",
    "First Name",
    "Date of Birth",
    "Plan ID",
];

#[test]
fn m006_the_roster_cp_is_not_the_cp_in_evs() {
    let case = Case::new(&[
        seg(M1, &[("cp_id", "B2")]),
        seg(M2, &[("cp_id", "")]),
        seg(M3, &[("cp_start", "2026-12-01")]),
        // Dead, but the roster is out of date: M006 (and M008) alone.
        seg(M4, &[("cp_id", "B2"), ("date_of_death", "2026-01-01")]),
    ]);
    case.roster(
        &ROSTER,
        &[
            &[M1, "B1", "Rivera", "Ana", "1980-05-01", ""],
            &[M2, "B1", "", "", "", ""],
            &[M3, "b1", "", "", "", ""],
            &[M4, "B1", "Other", "", "", ""],
        ],
    );
    let found = case.watch(true, "MASSHEALTH");
    let (message, _) = only(&found, M1, Code::M006);
    assert!(
        message.contains("the roster says CP B1, but EVS shows the member with CP B2"),
        "{message}"
    );
    assert!(
        only(&found, M2, Code::M006)
            .0
            .contains("with no CP on 2026-11-23")
    );
    assert!(
        only(&found, M3, Code::M006)
            .0
            .contains("only from 2026-12-01")
    );
    assert_eq!(codes(&found, M4), [Code::M006, Code::M008]);
    assert!(found.judgements.iter().all(|j| j.proposal.is_none()));
}

#[test]
fn m007_not_in_the_snapshot_alone() {
    let case = Case::new(&[seg(M1, &[])]);
    case.roster(&ROSTER, &[&[M2, "ZZZ", "Doe", "Jo", "1980-01-01", "P9"]]);
    let found = case.watch(true, "MASSHEALTH");
    let (message, _) = only(&found, M2, Code::M007);
    assert!(message.contains("not in the EVS snapshot"));
    let (judgement, _) = of(&found, M2);
    assert_eq!(
        (judgement.last_name.as_str(), judgement.plan_id.as_str()),
        ("Doe", "")
    );
    assert_eq!(found.watched, 1);
}

#[test]
fn m008_identity_differs_and_goes_with_a_disenrollment() {
    let case = Case::new(&[
        seg(M1, &[]),
        seg(
            M2,
            &[("date_of_death", "2026-11-01"), ("elig_end", "2026-10-01")],
        ),
        seg(M3, &[("last_name", "Rivera-Diaz")]),
    ]);
    case.roster(
        &ROSTER,
        &[
            &[M1, "B1", "RIVERA", "x", "1980-05-02", ""],
            &[M2, "B1", "Smith", "", "", ""],
            // Compared as R003: case, accents, punctuation and spacing do not count.
            &[M3, "B1", "rivera diaz", "", "", ""],
        ],
    );
    let found = case.watch(true, "MASSHEALTH");
    let (message, _) = only(&found, M1, Code::M008);
    assert!(
        message.contains("Date of Birth 1980-05-02 differs from EVS (1980-05-01)"),
        "{message}"
    );
    // Dead and no longer covered: M001 alone of the disenrollments.
    assert_eq!(codes(&found, M2), [Code::M008, Code::M001]);
    assert!(of(&found, M2).0.proposal.is_some());
    not_listed(&found, M3);
}

#[test]
fn m009_the_member_changed_plan_is_a_notice() {
    let case = Case::new(&[seg(M1, &[]), seg(M2, &[("plan_id", "P2")])]);
    case.roster(
        &ROSTER,
        &[&[M1, "B1", "", "", "", "P2"], &[M2, "B1", "", "", "", "P1"]],
    );
    let found = case.watch(true, "MASSHEALTH");
    let (message, _) = only(&found, M1, Code::M009);
    assert!(message.contains("Plan ID \"P2\" is not the plan on 2026-11-23 in EVS (plan P1)"));
    assert_eq!(codes(&found, M2), [Code::M004, Code::M009]);
    assert_eq!(Code::M009.severity().as_str(), "notice");
    // Notices alone exit 0.
    let case = Case::new(&[seg(M1, &[])]);
    case.roster(&ROSTER, &[&[M1, "B1", "", "", "", "P2"]]);
    let run = case.run("out", &["--roster", &case.arg("roster.csv")]);
    assert_eq!(run.status, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("ROSTER:2: M009 notice 100000000001 "),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .ends_with("1 members watched: 0 to disenroll, 0 to review\n")
    );
}

#[test]
fn m010_roster_rows_that_cannot_be_judged_alone() {
    let case = Case::new(&[seg(M1, &[("date_of_death", "2026-01-01")])]);
    case.roster(
        &ROSTER,
        &[
            &[M1, "B1", "", "", "", ""],
            &["12345", "B1", "", "", "", ""],
            &[M2, "", "", "", "", ""],
            &["1000-0000-0001", "B2", "", "", "", ""],
        ],
    );
    let found = case.watch(true, "MASSHEALTH");
    assert_eq!(found.watched, 4);
    assert!(
        only(&found, "12345", Code::M010)
            .0
            .contains("Member ID \"12345\" is not 12 digits")
    );
    // Not in the snapshot either: the invalid row comes first.
    assert!(only(&found, M2, Code::M010).0.contains("no CP ID"));
    let repeats: Vec<&Judgement> = found
        .judgements
        .iter()
        .filter(|j| j.member_text == M1)
        .collect();
    assert_eq!(repeats.len(), 2);
    assert_eq!(
        repeats[0].findings[0].code,
        Code::M001,
        "the first row is judged"
    );
    assert_eq!(repeats[1].findings[0].code, Code::M010);
    assert!(
        repeats[1].findings[0]
            .message
            .contains("already on roster row 2")
    );
    assert_eq!(
        repeats[1].cp_id, "B2",
        "a repeated row's CP is its own CP ID"
    );
}

#[test]
fn m010_unknown_cp_and_malformed_lines_alone() {
    let mut malformed = seg(M2, &[]);
    malformed = malformed.replace("STANDARD", "NOT_A_COVERAGE");
    let case = Case::new(&[
        seg(M1, &[("cp_id", "ZZZ"), ("date_of_death", "2026-01-01")]),
        seg(M2, &[("elig_start", "2019-01-01")]),
        malformed,
        seg(M3, &[]),
    ]);
    let found = case.watch(false, "MASSHEALTH");
    assert!(
        only(&found, M1, Code::M010)
            .0
            .contains("CP \"ZZZ\" is not in the CP roster")
    );
    let (message, _) = only(&found, M2, Code::M010);
    assert!(message.contains("line 4 of the EVS snapshot"), "{message}");
    assert_eq!(found.evs.malformed_lines, 1);
    assert_eq!(found.watched, 3);
    not_listed(&found, M3);
}

#[test]
fn m010_disenrollments_that_validate_would_not_accept() {
    let dead = ("date_of_death", "2026-11-01");
    let case = Case::new(&[
        seg(M1, &[dead, ("plan_id", "NOPE")]),
        seg(M2, &[dead, ("last_name", "R1vera")]),
        seg(M3, &[dead, ("date_of_birth", "1899-12-31")]),
        seg(M4, &[("date_of_birth", "")]),
        seg(M5, &[dead, ("first_name", "")]),
    ]);
    let found = case.watch(false, "MASSHEALTH");
    let (message, _) = only(&found, M1, Code::M010);
    assert!(
        message.starts_with("M001 (EVS shows the member died"),
        "{message}"
    );
    assert!(message.contains("no Plan ID the reference data knows (EVS shows plan NOPE)"));
    assert!(
        only(&found, M2, Code::M010)
            .0
            .contains("S007 Last Name \"R1vera\"")
    );
    assert!(only(&found, M3, Code::M010).0.contains("S006"));
    assert!(only(&found, M4, Code::M010).0.contains("no date of birth"));
    let (message, _) = only(&found, M5, Code::M010);
    assert!(
        message.contains("S001") && message.contains("First Name"),
        "{message}"
    );
    assert!(found.judgements.iter().all(|j| j.proposal.is_none()));
}

#[test]
fn the_plan_id_of_a_proposal_falls_back_to_earlier_segments_then_blank_for_dmh() {
    let case = Case::new(&[
        seg(M1, &[("elig_end", "2024-12-31"), ("plan_id", "M1")]),
        seg(
            M1,
            &[
                ("elig_start", "2025-01-01"),
                ("plan_id", "NOPE"),
                ("date_of_death", "2026-11-01"),
            ],
        ),
        seg(
            M2,
            &[
                ("plan_id", ""),
                ("dmh_affiliation", "ACCS"),
                ("date_of_death", "2026-11-01"),
            ],
        ),
    ]);
    let found = case.watch(false, "MASSHEALTH");
    assert_eq!(of(&found, M1).0.proposal.as_ref().unwrap().cells()[8], "M1");
    assert_eq!(of(&found, M2).0.proposal.as_ref().unwrap().cells()[8], "");
}

#[test]
fn precedence_a_disenrollment_silences_the_transfer_findings() {
    let case = Case::new(&[
        seg(
            M1,
            &[
                ("plan_id", "P2"),
                ("zip", "02215"),
                ("date_of_death", "2026-11-01"),
            ],
        ),
        seg(M2, &[("elig_end", "2026-10-01"), ("medicare", "Y")]),
        seg(M3, &[("plan_id", "P2"), ("medicare", "Y")]),
    ]);
    let found = case.watch(false, "MASSHEALTH");
    assert_eq!(codes(&found, M1), [Code::M001]);
    assert_eq!(codes(&found, M2), [Code::M002], "M002 before M003");
    assert_eq!(codes(&found, M3), [Code::M003], "M003 before M004");
}

#[test]
fn without_a_roster_only_members_with_a_cp_on_the_watch_date_are_watched() {
    let case = Case::new(&[
        seg(M1, &[("cp_id", ""), ("date_of_death", "2026-01-01")]),
        seg(
            M2,
            &[("cp_start", "2026-12-01"), ("date_of_death", "2026-01-01")],
        ),
        // The CP ended with a later segment that has none.
        seg(M3, &[("elig_end", "2025-12-31")]),
        seg(
            M3,
            &[
                ("elig_start", "2026-01-01"),
                ("cp_id", ""),
                ("date_of_death", "2026-01-01"),
            ],
        ),
        seg(M4, &[]),
    ]);
    let found = case.watch(false, "MASSHEALTH");
    assert_eq!(found.watched, 1);
    assert!(found.judgements.is_empty());
}

#[test]
fn the_submitter_keeps_the_members_it_may_act_on() {
    let dead = ("date_of_death", "2026-11-01");
    let case = Case::new(&[
        seg(M1, &[dead]),
        seg(M2, &[dead, ("cp_id", "B2")]),
        seg(M3, &[dead, ("plan_id", "M1")]),
        // The plan on D is unknown; the earlier segment's plan is the proposal's.
        seg(M4, &[("elig_end", "2024-12-31"), ("plan_id", "M1")]),
        seg(
            M4,
            &[dead, ("elig_start", "2025-01-01"), ("plan_id", "NOPE")],
        ),
    ]);
    let by_cp = case.watch(false, "b2");
    assert_eq!(by_cp.watched, 1);
    assert_eq!(
        of(&by_cp, M2).0.proposal.as_ref().unwrap().cells()[17],
        "B2"
    );
    let by_plan = case.watch(false, "M1");
    assert_eq!(by_plan.watched, 2);
    codes(&by_plan, M3);
    codes(&by_plan, M4);
    let run = case.run("out", &["--submitter", "NOBODY"]);
    assert_eq!(run.status, 2);
    assert!(run.stderr.contains("--submitter"), "{}", run.stderr);
    assert!(!case.path("out").exists());
}

#[test]
fn the_watch_date_must_lie_in_the_s008_window() {
    let case = Case::new(&[seg(M1, &[])]);
    let run = case.run("out", &["--effective", "2026-09-01"]);
    assert_eq!(run.status, 2, "{}", run.stderr);
    assert!(run.stderr.contains("S008"), "{}", run.stderr);
    let run = case.run("out", &["--effective", "2026-12-01"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
}

#[test]
fn outputs_console_and_exit_status() {
    let case = Case::new(&[
        seg(M1, &[("date_of_death", "2026-11-01")]),
        seg(M2, &[("plan_id", "P2")]),
        seg(M3, &[]),
    ]);
    let run = case.run("out", &[]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", run.stdout);
    assert!(
        lines[0].starts_with("EVS:2: M001 disenroll 100000000001 EVS shows"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with("EVS:3: M004 review 100000000002 on 2026-11-23"),
        "{}",
        lines[1]
    );
    assert_eq!(lines[2], "3 members watched: 1 to disenroll, 1 to review");
    let out = case.path("out");
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "proposed.csv",
            "proposed.xlsx",
            "review.csv",
            "review.xlsx",
            "watch-summary.json"
        ]
    );
    let (headers, rows) = read_report(&out.join("review.csv"));
    assert_eq!(
        headers,
        [
            "member_id",
            "last_name",
            "first_name",
            "date_of_birth",
            "cp_id",
            "plan_id",
            "code",
            "message",
            "candidates"
        ]
    );
    assert_eq!(rows.len(), 1);
    assert_eq!(
        &rows[0][..7],
        [M2, "Rivera", "Ana", "1980-05-01", "B1", "P2", "M004"]
    );
    assert_eq!(rows[0][8], "B2");
    let (headers, rows) = read_report(&out.join("proposed.csv"));
    assert_eq!(headers, common::HEADERS);
    assert_eq!(rows.len(), 1);
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("watch-summary.json")).unwrap())
            .unwrap();
    assert_eq!(summary["effective"], AS_OF);
    assert_eq!(summary["inputs"]["submitter"], "MASSHEALTH");
    assert_eq!(summary["inputs"]["roster"], serde_json::Value::Null);
    assert_eq!(summary["inputs"]["evs"]["segments"], 3);
    assert_eq!(summary["counts"]["watched"], 3);
    assert_eq!(summary["counts"]["proposed"], 1);
    assert_eq!(summary["counts"]["review"], 1);
    assert_eq!(
        summary["counts"]["by_code"],
        serde_json::json!({"M001": 1, "M004": 1})
    );
    // --quiet: the summary line only; --format csv: no workbooks, and a rerun removes them.
    let run = case.run("out", &["--quiet", "--format", "csv"]);
    assert_eq!(
        run.stdout,
        "3 members watched: 1 to disenroll, 1 to review\n"
    );
    assert!(!out.join("proposed.xlsx").exists() && out.join("proposed.csv").exists());
    // Nothing to do: exit 0.
    let case = Case::new(&[seg(M1, &[])]);
    assert_eq!(case.run("out", &[]).status, 0);
}

#[test]
fn roster_file_errors_name_the_roster_and_write_nothing() {
    let case = Case::new(&[seg(M1, &[])]);
    case.roster(&["Member ID", "Last Name"], &[&[M1, "Rivera"]]);
    let run = case.run("out", &["--roster", &case.arg("roster.csv")]);
    assert_eq!(run.status, 2);
    assert!(
        run.stderr.contains("F004") && run.stderr.contains("roster.csv"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("CP ID"), "{}", run.stderr);
    case.roster(&["Name", "Notes"], &[&[M1, "x"]]);
    let run = case.run("out", &["--roster", &case.arg("roster.csv")]);
    assert_eq!(run.status, 2);
    assert!(
        run.stderr.contains("F003") && run.stderr.contains("Member ID"),
        "{}",
        run.stderr
    );
    std::fs::write(case.path("evs.csv"), "member_id,last_name\n").unwrap();
    let run = case.run("out", &[]);
    assert_eq!(run.status, 2);
    assert!(run.stderr.contains("F006"), "{}", run.stderr);
    assert!(!case.path("out").exists());
}

/// Validates FILE against the case's snapshot and reference: exit status and rows.
fn validate_proposed(case: &Case, file: &Path) -> (i32, String) {
    let run = cpbatch(&[
        "validate",
        &file.display().to_string(),
        "--evs",
        &case.arg("evs.csv"),
        "--reference",
        &case.arg("ref"),
        "--as-of",
        AS_OF,
    ]);
    (run.status, run.stdout)
}

#[test]
fn the_closed_loop_every_proposed_row_is_accepted() {
    let dead = ("date_of_death", "2026-11-01");
    let case = Case::new(&[
        seg(M1, &[dead]),
        seg(
            M2,
            &[
                ("elig_end", "2026-10-01"),
                ("cp_id", "L1"),
                ("plan_id", "M1"),
            ],
        ),
        seg(M3, &[("medicare", "Y"), ("plan_id", "M1")]),
        seg(
            M4,
            &[
                dead,
                ("plan_id", ""),
                ("dmh_affiliation", "ACCS"),
                ("cp_id", "B2"),
            ],
        ),
        seg(
            M5,
            &[
                ("nursing_facility", "Y"),
                ("last_name", "O'Brien-Smith"),
                ("first_name", "Zoë"),
            ],
        ),
        seg(M6, &[("elig_end", "2024-12-31")]),
        seg(
            M6,
            &[
                ("elig_start", "2025-01-01"),
                ("plan_id", "ZZZ"),
                ("coverage_type", "LIMITED"),
            ],
        ),
    ]);
    for (submitter, proposed) in [("MASSHEALTH", 6), ("B1", 4), ("M1", 2), ("P1", 3)] {
        let out = format!("out-{submitter}");
        let run = case.run(&out, &["--submitter", submitter]);
        assert_eq!(run.status, 1, "{}", run.stderr);
        for name in ["proposed.xlsx", "proposed.csv"] {
            let (status, stdout) = validate_proposed(&case, &case.path(&out).join(name));
            assert_eq!(status, 0, "{submitter} {name}: {stdout}");
            assert!(
                stdout.ends_with(&format!(
                    "{proposed} rows: {proposed} accepted, 0 rejected (0 transfers)\n"
                )),
                "{submitter} {name}: {stdout}"
            );
        }
    }
}

/// The demo: a CP's daily check of its roster, every console line by snapshot.
#[test]
fn the_demo_roster_watch_console() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out").display().to_string();
    let run = cpbatch(&[
        "watch",
        "--evs",
        "fixtures/demo/evs.csv",
        "--roster",
        "fixtures/demo/roster.xlsx",
        "--submitter",
        "BHCP01",
        "--as-of",
        AS_OF,
        "--out",
        &out,
    ]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    insta::assert_snapshot!(run.stdout);
    let (_, review) = read_report(&dir.path().join("out").join("review.csv"));
    insta::assert_snapshot!(
        review
            .iter()
            .map(|r| r.join(" | "))
            .collect::<Vec<_>>()
            .join("\n")
    );
}
