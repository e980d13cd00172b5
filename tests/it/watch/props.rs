//! The closed loop of `cpbatch watch` as a property (SPEC 7): whatever the snapshot holds
//! (odd names, dates before 1900, several segments in any order, unknown plans and CPs,
//! malformed lines) and whatever the roster (repeated rows, stale CPs, members EVS lacks),
//! every proposed batch, as a workbook and as CSV, is accepted whole by `validate` with the
//! same inputs; and every submitter's proposed rows pass A001.

use std::path::Path;

use cpbatch::cmd::watch::{self, Config};
use cpbatch::rules::CheckConfig;
use proptest::prelude::*;

const AS_OF: &str = "2026-11-23";

const COLUMNS: &str = "member_id,last_name,first_name,date_of_birth,elig_start,elig_end,coverage_type,plan_id,medicare,other_insurance,nursing_facility,dmh_affiliation,zip,cp_id,cp_start,date_of_death";

const NAMES: &[&str] = &[
    "Rivera",
    "O'Brien",
    "Zoë",
    "",
    "R1vera",
    "Aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "Mary  Ann",
    "Nguyễn",
    "\"Smith, Jr\"",
];
const DOBS: &[&str] = &[
    "1980-05-01",
    "1899-06-01",
    "2015-02-28",
    "1950-01-01",
    "",
    "2026-12-31",
    "1961-11-23",
];
const STARTS: &[&str] = &[
    "2020-01-01",
    "",
    "1890-01-01",
    "2025-06-01",
    "2026-11-01",
    "2026-12-15",
];
const ENDS: &[&str] = &[
    "",
    "2024-12-31",
    "2026-10-31",
    "2026-11-22",
    "2027-01-01",
    "",
];
const COVERAGE: &[&str] = &["STANDARD", "LIMITED", "", "CAREPLUS"];
const PLANS: &[&str] = &["P1", "P2", "M1", "PCC1", "OC1", "ZZZ", ""];
const YES_NO: &[&str] = &["N", "Y", "", "N"];
const DMH: &[&str] = &["NONE", "ACCS", "", "CBFS"];
const ZIPS: &[&str] = &["02118", "02215", "", "02118-1234"];
const CPS: &[&str] = &["B1", "B2", "B3", "L1", "ZZZ", "", "b-1"];
const CP_STARTS: &[&str] = &["", "2024-01-01", "2026-12-01"];
const DEATHS: &[&str] = &["", "2026-11-01", "2027-01-01", "1899-01-01"];

/// The first (ordinary) value about half the time, else any other.
fn pick<'a>(list: &[&'a str], n: u8) -> &'a str {
    match usize::from(n) {
        n if n < 128 || list.len() == 1 => list[0],
        n => list[1 + n % (list.len() - 1)],
    }
}

/// One snapshot line of member `m` from 17 random numbers (the last makes it malformed).
fn line(m: usize, n: &[u8; 17]) -> String {
    let fields = [
        format!("{:012}", 100_000_000_000u64 + m as u64),
        pick(NAMES, n[0]).into(),
        pick(NAMES, n[1]).into(),
        pick(DOBS, n[2]).into(),
        pick(STARTS, n[3]).into(),
        pick(ENDS, n[4]).into(),
        if n[16].is_multiple_of(29) {
            "BAD".into()
        } else {
            pick(COVERAGE, n[5]).into()
        },
        pick(PLANS, n[6]).into(),
        pick(YES_NO, n[7]).into(),
        pick(YES_NO, n[8]).into(),
        pick(YES_NO, n[9]).into(),
        pick(DMH, n[10]).into(),
        pick(ZIPS, n[11]).into(),
        pick(CPS, n[12]).into(),
        pick(CP_STARTS, n[13]).into(),
        pick(DEATHS, n[14]).into(),
    ];
    fields.join(",") + "\n"
}

fn write_reference(dir: &Path) {
    std::fs::create_dir_all(dir).unwrap();
    let files = [
        (
            "plans.csv",
            "plan_id,plan_name,plan_type\nP1,One,ACPP\nP2,Two,ACPP\nM1,Em,MCO\nPCC1,Pcc,PCC\nOC1,One Care,ONECARE\n",
        ),
        (
            "cps.csv",
            "cp_id,cp_name,program\nB1,b1,BH\nB2,b2,BH\nB3,b3,BH\nL1,l1,LTSS\n",
        ),
        (
            "partnerships.csv",
            "plan_id,cp_id\nP1,B1\nP1,B2\nP1,L1\nP2,B2\nP2,B3\nM1,B1\nM1,B3\nM1,L1\n",
        ),
        (
            "service_areas.csv",
            "cp_id,zip\nB1,021\nB2,021\nB2,022\nB3,022\nL1,021\n",
        ),
    ];
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
}

/// Validates a proposed batch in-process: (rows, rejected).
fn validate(batch: &Path, evs: &Path, reference: &Path) -> (usize, usize) {
    let config = cpbatch::Config {
        batches: vec![batch.to_path_buf()],
        evs: Some(evs.to_path_buf()),
        reference: Some(reference.to_path_buf()),
        out: None,
        junit: None,
        formats: cpbatch::Formats {
            csv: true,
            xlsx: false,
        },
        sheet: None,
        threads: Some(1),
        evs_read: cpbatch::EvsRead::Scan,
        independent: false,
        quiet: true,
        progress: false,
        check: check(),
    };
    let checked = cpbatch::cmd::validate::check(&config).unwrap_or_else(|e| panic!("{e}"));
    let judged = checked[0]
        .verdict
        .as_ref()
        .unwrap_or_else(|e| panic!("{e}"));
    for outcome in judged.outcomes.iter().filter(|o| o.is_rejected()) {
        eprintln!(
            "rejected row {}: {:?}",
            outcome.source_row, outcome.findings
        );
    }
    (judged.outcomes.len(), judged.rejected())
}

fn check() -> CheckConfig {
    CheckConfig {
        as_of: AS_OF.parse().unwrap(),
        max_retro_days: 60,
        max_future_days: 90,
    }
}

type Member = Vec<[u8; 17]>;
/// A roster row: the member (an index; beyond the snapshot's members when large), its CP,
/// its Last Name, Date of Birth and Plan ID, as random numbers.
type RosterRow = (u8, [u8; 4]);

fn closed_loop(members: &[Member], order: &[u8], roster: Option<&[RosterRow]>, submitter: &str) {
    let dir = tempfile::tempdir().unwrap();
    let (evs, reference, out) = (
        dir.path().join("evs.csv"),
        dir.path().join("ref"),
        dir.path().join("out"),
    );
    write_reference(&reference);
    let mut lines: Vec<(u8, String)> = members
        .iter()
        .enumerate()
        .flat_map(|(m, segments)| segments.iter().map(move |n| line(m, n)))
        .zip(order.iter().cycle())
        .map(|(line, key)| (*key, line))
        .collect();
    // Lines in any order: a member's segments need not be together.
    lines.sort_by_key(|(key, _)| *key);
    let text: String = std::iter::once(format!("{COLUMNS}\n"))
        .chain(lines.into_iter().map(|(_, l)| l))
        .collect();
    std::fs::write(&evs, text).unwrap();
    let roster_path = roster.map(|rows| {
        let path = dir.path().join("roster.csv");
        let mut writer = csv::Writer::from_path(&path).unwrap();
        writer
            .write_record([
                "Member ID",
                "CP ID",
                "Last Name",
                "Date of Birth",
                "Plan ID",
            ])
            .unwrap();
        for (member, n) in rows {
            let id = format!("{:012}", 100_000_000_000u64 + u64::from(*member));
            writer
                .write_record([
                    &id,
                    pick(CPS, n[0]),
                    pick(NAMES, n[1]),
                    pick(DOBS, n[2]),
                    pick(PLANS, n[3]),
                ])
                .unwrap();
        }
        writer.flush().unwrap();
        path
    });
    let config = Config {
        evs: evs.clone(),
        roster: roster_path,
        submitter: submitter.into(),
        reference: Some(reference.clone()),
        check: check(),
        effective: None,
        out: Some(out.clone()),
        formats: cpbatch::Formats {
            csv: true,
            xlsx: true,
        },
        threads: Some(2),
        quiet: true,
    };
    let mut stdout = Vec::new();
    let status = watch::run(&config, &mut stdout).unwrap_or_else(|e| panic!("{e}"));
    assert!(status == 0 || status == 1);
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("watch-summary.json")).unwrap())
            .unwrap();
    let proposed = summary["counts"]["proposed"].as_u64().unwrap() as usize;
    for name in ["proposed.csv", "proposed.xlsx"] {
        let (rows, rejected) = validate(&out.join(name), &evs, &reference);
        assert_eq!((rows, rejected), (proposed, 0), "{name}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn every_proposed_batch_is_accepted_whole(
        members in prop::collection::vec(prop::collection::vec(any::<[u8; 17]>(), 1..=3), 1..40),
        order in prop::collection::vec(any::<u8>(), 1..120),
        roster in prop::option::of(prop::collection::vec((0u8..50, any::<[u8; 4]>()), 0..40)),
        submitter in prop::sample::select(vec!["MASSHEALTH", "B1", "b2", "P1", "M1"]),
    ) {
        closed_loop(&members, &order, roster.as_deref(), submitter);
    }
}
