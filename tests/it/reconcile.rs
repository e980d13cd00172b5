//! End-to-end tests of reconciliation with an EVS snapshot (`--evs`, SPEC 2.4, 3.5, 3.7,
//! 4.2, 5.1): every R rule with a focused fixture, the switch of facts to EVS, segment
//! choice, snapshot formats, summary counts, several batches, and determinism.

use crate::common;
use common::*;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

type Changes<'a> = &'a [(&'static str, &'a str)];
type Seg = BTreeMap<&'static str, String>;

/// An eligible segment of the good row's member (100000000001): matching identity, ACPP01,
/// STANDARD, no Medicare/TPL/NF, no DMH, ZIP 02118, eligible since 2026-01-01, no CP.
fn seg(changes: Changes<'_>) -> Seg {
    let mut s: Seg = [
        ("member_id", "100000000001"),
        ("last_name", "Rivera"),
        ("first_name", "Ana"),
        ("date_of_birth", "1980-04-02"),
        ("elig_start", "2026-01-01"),
        ("elig_end", ""),
        ("coverage_type", "STANDARD"),
        ("plan_id", "ACPP01"),
        ("medicare", "N"),
        ("other_insurance", "N"),
        ("nursing_facility", "N"),
        ("dmh_affiliation", "NONE"),
        ("zip", "02118"),
        ("cp_id", ""),
        ("cp_start", ""),
        ("date_of_death", ""),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_string()))
    .collect();
    for (k, v) in changes {
        assert!(s.contains_key(k), "unknown snapshot column {k}");
        s.insert(k, v.to_string());
    }
    s
}

/// A segment line with the given delimiter, fields in SPEC order.
fn seg_line(s: &Seg, delimiter: &str) -> String {
    EVS_COLUMNS
        .iter()
        .map(|c| s[c].clone())
        .collect::<Vec<_>>()
        .join(delimiter)
}

fn evs_header(delimiter: &str) -> String {
    EVS_COLUMNS.join(delimiter)
}

/// A comma-separated snapshot: the header, then `lines` verbatim, each ending in `\n`.
fn snapshot_text(lines: &[String]) -> String {
    let mut text = evs_header(",");
    text.push('\n');
    for line in lines {
        text.push_str(line);
        text.push('\n');
    }
    text
}

fn lines_of(segments: &[Seg]) -> Vec<String> {
    segments.iter().map(|s| seg_line(s, ",")).collect()
}

/// A run's output folder, kept alive with its temporary directory.
struct Out {
    _dir: tempfile::TempDir,
    dir: PathBuf,
    out: PathBuf,
    run: Run,
}

impl Out {
    /// The findings of one source row as (column, code) pairs, sorted.
    fn row(&self, source_row: u32) -> Vec<(String, String)> {
        let mut pairs: Vec<(String, String)> = findings(&self.out)
            .into_iter()
            .filter(|(row, ..)| *row == source_row.to_string())
            .map(|(_, column, code)| (column, code))
            .collect();
        pairs.sort();
        pairs
    }

    /// Messages of the findings with this code on this row.
    fn messages(&self, source_row: u32, code: &str) -> Vec<String> {
        read_report(&self.out.join("findings.csv"))
            .1
            .into_iter()
            .filter(|r| r[0] == source_row.to_string() && r[2] == code)
            .map(|r| r[4].clone())
            .collect()
    }

    fn summary(&self) -> serde_json::Value {
        read_json(&self.out.join("summary.json"))
    }

    fn accepted(&self) -> Vec<BTreeMap<String, String>> {
        report_maps(&self.out.join("accepted.csv"))
    }
}

/// Writes a CSV batch and a snapshot (raw bytes), runs `validate --evs`; exit must be 0 or 1
/// and every row must be accepted or rejected.
fn run_bytes(
    rows: &[BTreeMap<&'static str, String>],
    evs_name: &str,
    evs: &[u8],
    extra: &[&str],
) -> Out {
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("batch.csv");
    write_csv(&batch, rows);
    let evs_path = dir.path().join(evs_name);
    std::fs::write(&evs_path, evs).unwrap();
    let out = dir.path().join("out");
    let mut args = vec!["--evs", evs_path.to_str().unwrap()];
    args.extend_from_slice(extra);
    let run = validate(&batch, &out, &args);
    assert!(
        run.status == 0 || run.status == 1,
        "exit {}: {}",
        run.status,
        run.stderr
    );
    assert_conserved(&out, rows.len());
    Out {
        dir: dir.path().to_path_buf(),
        _dir: dir,
        out,
        run,
    }
}

/// Runs the rows against a comma snapshot of the given segments.
fn run_evs(rows: &[BTreeMap<&'static str, String>], segments: &[Seg]) -> Out {
    run_bytes(
        rows,
        "evs.csv",
        snapshot_text(&lines_of(segments)).as_bytes(),
        &[],
    )
}

/// One row (source row 2) against the given segments: its findings, sorted.
fn one(changes: Changes<'_>, segments: &[Seg]) -> Vec<(String, String)> {
    let dir = tempfile::tempdir().unwrap();
    let evs = dir.path().join("evs.csv");
    std::fs::write(&evs, snapshot_text(&lines_of(segments))).unwrap();
    let mut pairs = check_one(changes, &["--evs", evs.to_str().unwrap()]);
    pairs.sort();
    pairs
}

fn is_r_or_e(code: &str) -> bool {
    code.starts_with('R') || code.starts_with('E')
}

const DISENROLL: Changes<'static> = &[("Action", "DISENROLL"), ("Reason Code", "DECLINED")];

fn disenroll(more: Changes<'_>) -> BTreeMap<&'static str, String> {
    let mut row = row_with(DISENROLL);
    for (k, v) in more {
        row.insert(k, v.to_string());
    }
    row
}

fn transfer(from: &str, more: Changes<'_>) -> BTreeMap<&'static str, String> {
    let mut row = row_with(&[
        ("Action", "TRANSFER"),
        ("From CP ID", from),
        ("Reason Code", "MEMBER_CHOICE"),
    ]);
    for (k, v) in more {
        row.insert(k, v.to_string());
    }
    row
}

// ---------------------------------------------------------------------------------------
// Baseline

#[test]
fn matching_segment_gives_no_findings() {
    let out = run_evs(&[good_row()], &[seg(&[])]);
    assert_eq!(out.row(2), vec![]);
    assert_eq!(out.run.status, 0, "{}", out.run.stdout);
    let accepted = out.accepted();
    assert_eq!(accepted.len(), 1);
    assert_eq!(accepted[0]["eligibility_path"], "ACO_MCO");
    assert_eq!(accepted[0]["warnings"], "");
}

// ---------------------------------------------------------------------------------------
// R001

#[test]
fn r001_member_not_in_snapshot() {
    let other = seg(&[("member_id", "100000000002")]);
    assert_eq!(
        one(&[], std::slice::from_ref(&other)),
        sorted_pairs(&[("Member ID", "R001")])
    );
}

#[test]
fn r001_is_the_only_r_or_e_code() {
    let other = seg(&[("member_id", "100000000002")]);
    // Attested facts that would fail eligibility without EVS, a plan that is not an ACO
    // (E007 without EVS), an out-of-area ZIP (E010), a non-partner CP (C005): all silent.
    let rows = [
        row_with(&[("Medicare", "Y"), ("Nursing Facility", "Y")]),
        row_with(&[
            ("Member ID", "100000000003"),
            ("Plan ID", "PCC"),
            ("Submitter ID", "MASSHEALTH"),
        ]),
        row_with(&[("Member ID", "100000000004"), ("ZIP Code", "01301")]),
        row_with(&[
            ("Member ID", "100000000005"),
            ("CP ID", "BHCP14"),
            ("ZIP Code", "01301"),
            ("Submitter ID", "MASSHEALTH"),
        ]),
        transfer("BHCP02", &[("Member ID", "100000000006")]),
        disenroll(&[("Member ID", "100000000007")]),
    ];
    let out = run_evs(&rows, &[other]);
    for row in 2..=7 {
        assert_eq!(
            out.row(row),
            sorted_pairs(&[("Member ID", "R001")]),
            "row {row}: {}",
            out.run.stdout
        );
    }
    // Without --evs, the same rows do get E and C codes (the fixture is meaningful).
    let plain = check_rows(&rows, &[]);
    let codes: Vec<&str> = plain.iter().map(|(_, _, c)| c.as_str()).collect();
    for code in ["E005", "E009", "E007", "E010", "C005"] {
        assert!(
            codes.contains(&code),
            "{code} missing without --evs: {plain:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// R002, R003, W003

#[test]
fn r002_date_of_birth_differs() {
    assert_eq!(
        one(&[], &[seg(&[("date_of_birth", "1980-04-03")])]),
        sorted_pairs(&[("Date of Birth", "R002")])
    );
    // EVS dates in other text forms compare as dates.
    assert_eq!(one(&[], &[seg(&[("date_of_birth", "04/02/1980")])]), vec![]);
    assert_eq!(one(&[], &[seg(&[("date_of_birth", "19800402")])]), vec![]);
    // A blank EVS date of birth is not a difference.
    assert_eq!(one(&[], &[seg(&[("date_of_birth", "")])]), vec![]);
}

#[test]
fn r002_and_the_age_checks_are_silent_on_a_date_of_birth_out_of_range() {
    // S006 makes the date invalid: nothing that needs it is judged (SPEC 3.7), with the
    // facts from EVS as without them.
    for birth in ["1899-12-31", "2026-12-02"] {
        assert_eq!(
            one(&[("Date of Birth", birth)], &[seg(&[])]),
            sorted_pairs(&[("Date of Birth", "S006")]),
            "{birth}"
        );
    }
}

#[test]
fn r003_last_name_differs() {
    assert_eq!(
        one(&[], &[seg(&[("last_name", "Riviera")])]),
        sorted_pairs(&[("Last Name", "R003")])
    );
}

#[test]
fn r003_and_w003_compare_ignoring_case_accents_punctuation_spacing() {
    let cases: [(&str, &str, &str, &str); 8] = [
        ("O'Brien", "OBRIEN", "Ana", "ana"),
        // Letters no decomposition takes apart, as an upper-case ASCII record spells them.
        ("Strauß", "STRAUSS", "Søren", "SOREN"),
        ("Łukasiewicz", "LUKASIEWICZ", "Æsa", "AESA"),
        ("Jose", "José", "José", "Jose"),
        ("Van der Berg", "VANDERBERG", "Mary-Jane", "MARY JANE"),
        ("St. John", "st john", "Zoë", "ZOE"),
        ("Nguyễn", "nguyen", "J.R.", "jr"),
        ("Smith Jr", "Smith, Jr", "Ana Lucia", "Ana-Lucía"),
    ];
    let mut rows = Vec::new();
    let mut segments = Vec::new();
    for (i, (last, evs_last, first, evs_first)) in cases.iter().enumerate() {
        let id = format!("1000000001{i:02}");
        rows.push(row_with(&[
            ("Member ID", &id),
            ("Last Name", last),
            ("First Name", first),
        ]));
        segments.push(seg(&[
            ("member_id", &id),
            ("last_name", evs_last),
            ("first_name", evs_first),
        ]));
    }
    let segments: Vec<Seg> = segments
        .into_iter()
        .map(|mut s| {
            // Quote names that hold a comma.
            for k in ["last_name", "first_name"] {
                if s[k].contains(',') {
                    let quoted = format!("\"{}\"", s[k]);
                    s.insert(k, quoted);
                }
            }
            s
        })
        .collect();
    let out = run_evs(&rows, &segments);
    for row in 2..(2 + cases.len() as u32) {
        assert_eq!(out.row(row), vec![], "row {row}: {}", out.run.stdout);
    }
}

#[test]
fn w003_first_name_differs_is_a_warning() {
    let out = run_evs(&[good_row()], &[seg(&[("first_name", "Anna")])]);
    assert_eq!(out.row(2), sorted_pairs(&[("First Name", "W003")]));
    assert_eq!(out.run.status, 0);
    assert_eq!(out.accepted()[0]["warnings"], "W003");
}

// ---------------------------------------------------------------------------------------
// R004

#[test]
fn r004_no_segment_covers_the_effective_date() {
    // Ended the day before; starts the day after.
    for segment in [
        seg(&[("elig_end", "2026-11-30")]),
        seg(&[("elig_start", "2026-12-02")]),
    ] {
        assert_eq!(
            one(&[], &[segment]),
            sorted_pairs(&[("Effective Date", "R004")])
        );
    }
    // TRANSFER too.
    let out = run_evs(
        &[transfer("BHCP02", &[])],
        &[seg(&[("elig_end", "2026-11-30"), ("cp_id", "BHCP02")])],
    );
    assert_eq!(out.row(2), sorted_pairs(&[("Effective Date", "R004")]));
}

#[test]
fn r004_silences_e_codes_r005_r010_to_r014_and_w004() {
    // The only segment ended before the Effective Date, and would give E005, E009, E010,
    // C005, R005, R011 and W004 everywhere if it were used.
    let stale = seg(&[
        ("elig_end", "2026-06-30"),
        ("plan_id", "ACPP02"),
        ("medicare", "Y"),
        ("nursing_facility", "Y"),
        ("coverage_type", "LIMITED"),
        ("zip", "01301"),
        ("dmh_affiliation", "ACCS"),
        ("cp_id", "BHCP02"),
        ("cp_start", "2026-01-01"),
    ]);
    assert_eq!(
        one(&[], std::slice::from_ref(&stale)),
        sorted_pairs(&[("Effective Date", "R004")])
    );
    // TRANSFER from a CP the stale segment does not show: no R013 either.
    let out = run_evs(&[transfer("BHCP03", &[])], &[stale]);
    assert_eq!(out.row(2), sorted_pairs(&[("Effective Date", "R004")]));
}

#[test]
fn r004_keeps_r002_r003_r006_w003() {
    let stale = seg(&[
        ("elig_end", "2026-06-30"),
        ("last_name", "Smith"),
        ("first_name", "Beth"),
        ("date_of_birth", "1981-01-01"),
        ("date_of_death", "2026-07-04"),
        ("medicare", "Y"),
    ]);
    assert_eq!(
        one(&[], &[stale]),
        sorted_pairs(&[
            ("Last Name", "R003"),
            ("First Name", "W003"),
            ("Date of Birth", "R002"),
            ("Effective Date", "R006"),
            ("Effective Date", "R004"),
        ])
    );
}

#[test]
fn r004_not_for_disenroll() {
    // DISENROLL needs no eligibility; the last segment that started before applies.
    let ended = seg(&[
        ("elig_end", "2026-06-30"),
        ("cp_id", "BHCP01"),
        ("cp_start", "2026-01-01"),
    ]);
    let out = run_evs(&[disenroll(&[])], &[ended]);
    assert_eq!(out.row(2), vec![]);
}

// ---------------------------------------------------------------------------------------
// R005

#[test]
fn r005_plan_differs_from_evs() {
    assert_eq!(
        one(
            &[("Plan ID", "ACPP02"), ("Submitter ID", "ACPP02")],
            &[seg(&[])]
        ),
        sorted_pairs(&[("Plan ID", "R005")])
    );
    // Compared ignoring case.
    assert_eq!(one(&[], &[seg(&[("plan_id", "acpp01")])]), vec![]);
}

#[test]
fn r005_blank_evs_plan_differs() {
    // EVS: no plan, DMH ACCS, so the DMH path passes: R005 alone.
    assert_eq!(
        one(
            &[("DMH Affiliation", "")],
            &[seg(&[("plan_id", ""), ("dmh_affiliation", "ACCS")])]
        ),
        sorted_pairs(&[("Plan ID", "R005")])
    );
    // EVS: no plan, no DMH: also E007 (judged on the EVS facts).
    assert_eq!(
        one(&[], &[seg(&[("plan_id", "")])]),
        sorted_pairs(&[("Plan ID", "E007"), ("Plan ID", "R005")])
    );
}

#[test]
fn r005_not_when_plan_id_blank_or_disenroll() {
    // A DMH row may leave Plan ID blank: nothing to compare.
    let dmh = [
        ("Plan ID", ""),
        ("DMH Affiliation", "ACCS"),
        ("Submitter ID", "MASSHEALTH"),
    ];
    let out = run_evs(&[row_with(&dmh)], &[seg(&[("dmh_affiliation", "ACCS")])]);
    assert_eq!(out.row(2), vec![]);
    // DISENROLL: no R005.
    let out = run_evs(
        &[disenroll(&[
            ("Plan ID", "ACPP02"),
            ("Submitter ID", "ACPP02"),
        ])],
        &[seg(&[("cp_id", "BHCP01"), ("cp_start", "2026-01-01")])],
    );
    assert_eq!(out.row(2), vec![]);
}

// ---------------------------------------------------------------------------------------
// R006

#[test]
fn r006_died_on_or_before_the_effective_date() {
    for death in ["2026-12-01", "2026-11-01"] {
        assert_eq!(
            one(&[], &[seg(&[("date_of_death", death)])]),
            sorted_pairs(&[("Effective Date", "R006")]),
            "death {death}"
        );
    }
    assert_eq!(one(&[], &[seg(&[("date_of_death", "2026-12-02")])]), vec![]);
    // TRANSFER too; not DISENROLL.
    let dead = seg(&[
        ("date_of_death", "2026-11-20"),
        ("cp_id", "BHCP02"),
        ("cp_start", "2026-01-01"),
    ]);
    let out = run_evs(&[transfer("BHCP02", &[])], std::slice::from_ref(&dead));
    assert_eq!(out.row(2), sorted_pairs(&[("Effective Date", "R006")]));
    let out = run_evs(&[disenroll(&[("CP ID", "BHCP02")])], &[dead]);
    assert_eq!(out.row(2), vec![]);
}

// ---------------------------------------------------------------------------------------
// R008

#[test]
fn r008_malformed_lines_reject_the_member_alone_with_line_numbers() {
    let id = |n: u32| format!("1000000002{n:02}");
    let good = |n: u32| seg(&[("member_id", &id(n))]);
    let mut too_few = seg_line(&good(1), ",");
    too_few.truncate(too_few.rfind(',').unwrap()); // 15 fields
    let too_many = format!("{},extra", seg_line(&good(2), ","));
    let bad_date = seg_line(
        &seg(&[("member_id", &id(3)), ("elig_start", "2026-13-01")]),
        ",",
    );
    let bad_coverage = seg_line(
        &seg(&[("member_id", &id(4)), ("coverage_type", "PLATINUM")]),
        ",",
    );
    let bad_yes_no = seg_line(&seg(&[("member_id", &id(5)), ("medicare", "MAYBE")]), ",");
    let bad_zip = seg_line(&seg(&[("member_id", &id(6)), ("zip", "ABCDE")]), ",");
    let bad_dmh = seg_line(
        &seg(&[("member_id", &id(7)), ("dmh_affiliation", "XYZ")]),
        ",",
    );
    // Member 8: a good line (which would give R002) and then a malformed one.
    let good_8 = seg_line(
        &seg(&[("member_id", &id(8)), ("date_of_birth", "1970-01-01")]),
        ",",
    );
    let bad_8 = seg_line(
        &seg(&[("member_id", &id(8)), ("cp_start", "yesterday")]),
        ",",
    );
    // A member not in the batch with a malformed line: not counted.
    let bad_other = seg_line(
        &seg(&[("member_id", "100000000999"), ("elig_end", "2026-02-30")]),
        ",",
    );
    let lines = vec![
        too_few,                 // line 2
        too_many,                // 3
        bad_date,                // 4
        bad_coverage,            // 5
        bad_other,               // 6
        bad_yes_no,              // 7
        bad_zip,                 // 8
        good_8,                  // 9
        bad_dmh,                 // 10
        bad_8,                   // 11
        seg_line(&good(9), ","), // 12: member 9 is clean
    ];
    let expected_lines = [2, 3, 4, 5, 7, 8, 10, 11];
    let mut rows: Vec<_> = (1..=9)
        .map(|n| row_with(&[("Member ID", &id(n)), ("Medicare", "Y")]))
        .collect();
    rows[8].insert("Medicare", "N".into());
    let out = run_bytes(&rows, "evs.csv", snapshot_text(&lines).as_bytes(), &[]);
    for (n, line) in (1..=8).zip(expected_lines) {
        let row = n + 1;
        assert_eq!(
            out.row(row),
            sorted_pairs(&[("Member ID", "R008")]),
            "member {n}: {}",
            out.run.stdout
        );
        let messages = out.messages(row, "R008");
        assert!(
            messages[0].contains(&format!("line {line}")),
            "member {n}: {messages:?}"
        );
    }
    assert_eq!(out.row(10), vec![]);
    let evs = &out.summary()["inputs"]["evs"];
    assert_eq!(evs["segments"], 11);
    assert_eq!(evs["malformed_lines"], 8, "{evs}");
}

#[test]
fn r008_counts_every_malformed_line_of_a_batch_member() {
    let bad = |field: &'static str, value: &str| seg_line(&seg(&[(field, value)]), ",");
    let lines = vec![
        bad("elig_start", "2026-02-30"),
        seg_line(&seg(&[]), ","),
        bad("nursing_facility", "perhaps"),
    ];
    let out = run_bytes(
        &[good_row()],
        "evs.csv",
        snapshot_text(&lines).as_bytes(),
        &[],
    );
    assert_eq!(out.row(2), sorted_pairs(&[("Member ID", "R008")]));
    assert!(out.messages(2, "R008")[0].contains("line 2"));
    assert_eq!(out.summary()["inputs"]["evs"]["malformed_lines"], 2);
    assert_eq!(out.summary()["inputs"]["evs"]["segments"], 3);
}

// ---------------------------------------------------------------------------------------
// R010–R014

#[test]
fn r010_enroll_already_with_this_cp() {
    assert_eq!(
        one(
            &[],
            &[seg(&[("cp_id", "BHCP01"), ("cp_start", "2026-03-01")])]
        ),
        sorted_pairs(&[("CP ID", "R010")])
    );
    // CP IDs compare ignoring case.
    assert_eq!(
        one(
            &[],
            &[seg(&[("cp_id", "bhcp01"), ("cp_start", "2026-03-01")])]
        ),
        sorted_pairs(&[("CP ID", "R010")])
    );
}

#[test]
fn r011_enroll_with_another_cp() {
    assert_eq!(
        one(
            &[],
            &[seg(&[("cp_id", "BHCP02"), ("cp_start", "2026-03-01")])]
        ),
        sorted_pairs(&[("CP ID", "R011")])
    );
}

#[test]
fn r012_disenroll_not_with_cp_id() {
    for (cp, start) in [("BHCP02", "2026-03-01"), ("", "")] {
        let out = run_evs(
            &[disenroll(&[])],
            &[seg(&[("cp_id", cp), ("cp_start", start)])],
        );
        assert_eq!(
            out.row(2),
            sorted_pairs(&[("CP ID", "R012")]),
            "EVS CP {cp:?}"
        );
    }
    let out = run_evs(
        &[disenroll(&[])],
        &[seg(&[("cp_id", "BHCP01"), ("cp_start", "2026-03-01")])],
    );
    assert_eq!(out.row(2), vec![]);
}

#[test]
fn r013_transfer_not_with_from_cp_id() {
    for (cp, start) in [("BHCP03", "2026-03-01"), ("", "")] {
        let out = run_evs(
            &[transfer("BHCP02", &[])],
            &[seg(&[("cp_id", cp), ("cp_start", start)])],
        );
        assert_eq!(
            out.row(2),
            sorted_pairs(&[("From CP ID", "R013")]),
            "EVS CP {cp:?}"
        );
    }
    let out = run_evs(
        &[transfer("BHCP02", &[])],
        &[seg(&[("cp_id", "BHCP02"), ("cp_start", "2026-03-01")])],
    );
    assert_eq!(out.row(2), vec![]);
    assert_eq!(read_report(&out.out.join("transfers.csv")).1.len(), 1);
}

#[test]
fn r014_right_cp_but_assignment_starts_after_the_effective_date() {
    let late = seg(&[("cp_id", "BHCP01"), ("cp_start", "2026-12-15")]);
    let out = run_evs(&[disenroll(&[])], &[late]);
    assert_eq!(out.row(2), sorted_pairs(&[("Effective Date", "R014")]));
    let late = seg(&[("cp_id", "BHCP02"), ("cp_start", "2026-12-15")]);
    let out = run_evs(&[transfer("BHCP02", &[])], &[late]);
    assert_eq!(out.row(2), sorted_pairs(&[("Effective Date", "R014")]));
    // cp_start on the Effective Date is fine.
    let on_time = seg(&[("cp_id", "BHCP01"), ("cp_start", "2026-12-01")]);
    let out = run_evs(&[disenroll(&[])], &[on_time]);
    assert_eq!(out.row(2), vec![]);
}

// ---------------------------------------------------------------------------------------
// W004

#[test]
fn w004_each_attested_column() {
    let cases: [(&'static str, &str, &str, &str); 6] = [
        ("Coverage Type", "COMMONHEALTH", "coverage_type", "STANDARD"),
        ("Medicare", "Y", "medicare", "N"),
        ("Other Insurance", "Y", "other_insurance", "N"),
        ("Nursing Facility", "Y", "nursing_facility", "N"),
        ("DMH Affiliation", "CBFS", "dmh_affiliation", "NONE"),
        ("ZIP Code", "02119", "zip", "02118"),
    ];
    let mut rows = Vec::new();
    let mut segments = Vec::new();
    for (i, (column, attested, field, evs)) in cases.iter().enumerate() {
        let id = format!("1000000003{i:02}");
        rows.push(row_with(&[("Member ID", &id), (column, attested)]));
        segments.push(seg(&[("member_id", &id), (field, evs)]));
    }
    let out = run_evs(&rows, &segments);
    for (i, (column, ..)) in cases.iter().enumerate() {
        let row = 2 + i as u32;
        // EVS is used: the row is eligible and accepted with the warning only.
        assert_eq!(
            out.row(row),
            sorted_pairs(&[(column, "W004")]),
            "{column}: {}",
            out.run.stdout
        );
    }
    assert_eq!(out.run.status, 0);
    assert!(out.accepted().iter().all(|r| r["warnings"] == "W004"));
}

#[test]
fn w004_only_when_both_given_and_different() {
    let cases: [(&'static str, &str, &str, &str); 8] = [
        // ZIP compared on 5 digits.
        ("ZIP Code", "02118-1234", "zip", "02118"),
        ("ZIP Code", "02118", "zip", "02118-9999"),
        // Attested blank.
        ("Medicare", "", "medicare", "N"),
        ("Coverage Type", "", "coverage_type", "CAREPLUS"),
        // EVS blank.
        ("Other Insurance", "Y", "other_insurance", ""),
        ("DMH Affiliation", "ACCS", "dmh_affiliation", ""),
        // Same value, other spelling.
        ("Medicare", "NO", "medicare", "false"),
        (
            "Coverage Type",
            "family assistance",
            "coverage_type",
            "FAMILY_ASSISTANCE",
        ),
    ];
    let mut rows = Vec::new();
    let mut segments = Vec::new();
    for (i, (column, attested, field, evs)) in cases.iter().enumerate() {
        let id = format!("1000000004{i:02}");
        rows.push(row_with(&[("Member ID", &id), (column, attested)]));
        segments.push(seg(&[("member_id", &id), (field, evs)]));
    }
    let out = run_evs(&rows, &segments);
    for (i, case) in cases.iter().enumerate() {
        assert_eq!(
            out.row(2 + i as u32),
            vec![],
            "{case:?}: {}",
            out.run.stdout
        );
    }
}

#[test]
fn w004_never_without_an_applicable_segment() {
    // ENROLL with no covering segment (R004 alone); DISENROLL with no segment started yet.
    let future = seg(&[
        ("elig_start", "2027-01-01"),
        ("medicare", "Y"),
        ("zip", "02119"),
        ("coverage_type", "COMMONHEALTH"),
    ]);
    let out = run_evs(&[good_row()], std::slice::from_ref(&future));
    assert_eq!(out.row(2), sorted_pairs(&[("Effective Date", "R004")]));
    let out = run_evs(&[disenroll(&[])], &[future]);
    assert!(
        !out.row(2).iter().any(|(_, code)| code == "W004"),
        "{:?}",
        out.row(2)
    );
}

// ---------------------------------------------------------------------------------------
// Facts switch (SPEC 3 "Facts", 3.4, 3.7)

#[test]
fn eligibility_uses_evs_facts() {
    // Attested N, EVS Y: E005 from EVS, plus W004.
    assert_eq!(
        one(&[], &[seg(&[("medicare", "Y")])]),
        sorted_pairs(&[("Medicare", "E005"), ("Medicare", "W004")])
    );
    // Attested Y, EVS N: eligible, W004 only.
    assert_eq!(
        one(&[("Medicare", "Y")], &[seg(&[])]),
        sorted_pairs(&[("Medicare", "W004")])
    );
    // Attested STANDARD, EVS LIMITED: E004.
    assert_eq!(
        one(&[], &[seg(&[("coverage_type", "LIMITED")])]),
        sorted_pairs(&[("Coverage Type", "E004"), ("Coverage Type", "W004")])
    );
    // EVS nursing facility and other insurance.
    assert_eq!(
        one(
            &[("Nursing Facility", ""), ("Other Insurance", "")],
            &[seg(&[("nursing_facility", "Y"), ("other_insurance", "Y")])]
        ),
        sorted_pairs(&[("Nursing Facility", "E009"), ("Other Insurance", "E006")])
    );
}

#[test]
fn eligibility_uses_the_evs_plan() {
    // Attested PCC (would be E007), EVS ACPP01: R005, judged on the ACO path, no E007.
    assert_eq!(
        one(
            &[("Plan ID", "PCC"), ("Submitter ID", "MASSHEALTH")],
            &[seg(&[])]
        ),
        sorted_pairs(&[("Plan ID", "R005")])
    );
    // Attested ACPP01, EVS PCC: R005 and E007.
    assert_eq!(
        one(&[], &[seg(&[("plan_id", "PCC")])]),
        sorted_pairs(&[("Plan ID", "E007"), ("Plan ID", "R005")])
    );
    // An EVS plan not in the roster: not an ACO/MCO.
    assert_eq!(
        one(&[], &[seg(&[("plan_id", "ZZZ99")])]),
        sorted_pairs(&[("Plan ID", "E007"), ("Plan ID", "R005")])
    );
    // EVS plan PCC with DMH ACCS: the DMH path passes.
    let out = run_evs(
        &[row_with(&[
            ("Plan ID", ""),
            ("DMH Affiliation", "ACCS"),
            ("Submitter ID", "MASSHEALTH"),
        ])],
        &[seg(&[("plan_id", "PCC"), ("dmh_affiliation", "ACCS")])],
    );
    assert_eq!(out.row(2), vec![]);
    assert_eq!(out.accepted()[0]["eligibility_path"], "DMH");
}

#[test]
fn eligibility_uses_the_evs_dmh_affiliation() {
    // Attested NONE on a PCC row (E007 without EVS); EVS says CBFS: DMH path, W004.
    let out = run_evs(
        &[row_with(&[
            ("Plan ID", "PCC"),
            ("Submitter ID", "MASSHEALTH"),
        ])],
        &[seg(&[("plan_id", "PCC"), ("dmh_affiliation", "CBFS")])],
    );
    assert_eq!(out.row(2), sorted_pairs(&[("DMH Affiliation", "W004")]));
    assert_eq!(out.accepted()[0]["eligibility_path"], "DMH");
}

#[test]
fn w005_never_with_evs() {
    let blanks = [
        ("Coverage Type", ""),
        ("Medicare", ""),
        ("Other Insurance", ""),
        ("Nursing Facility", ""),
    ];
    // Without --evs the row gets W005.
    let plain = check_one(&blanks, &[]);
    assert!(plain.iter().any(|(_, c)| c == "W005"), "{plain:?}");
    // With --evs: no W005, whether EVS has the facts or not.
    assert_eq!(one(&blanks, &[seg(&[])]), vec![]);
    let evs_blank = seg(&[
        ("coverage_type", ""),
        ("medicare", ""),
        ("other_insurance", ""),
        ("nursing_facility", ""),
    ]);
    let out = run_evs(&[row_with(&blanks)], std::slice::from_ref(&evs_blank));
    assert_eq!(out.row(2), vec![]);
    assert_eq!(out.accepted()[0]["warnings"], "");
    let out = run_evs(&[good_row()], &[evs_blank]);
    assert_eq!(out.row(2), vec![]);
}

#[test]
fn c005_uses_the_evs_plan() {
    // BHCP14 (ZIP 013xx) partners ACPP04, not ACPP01.
    let base = [
        ("CP ID", "BHCP14"),
        ("ZIP Code", "01301"),
        ("Submitter ID", "MASSHEALTH"),
    ];
    // Plan ID blank (DMH row), EVS plan ACPP01: C005 from the EVS plan.
    let dmh_row = row_with(&[
        base[0],
        base[1],
        base[2],
        ("Plan ID", ""),
        ("DMH Affiliation", "ACCS"),
    ]);
    let out = run_evs(
        &[dmh_row],
        &[seg(&[("zip", "01301"), ("dmh_affiliation", "ACCS")])],
    );
    assert_eq!(out.row(2), sorted_pairs(&[("CP ID", "C005")]));
    // Plan ID ACPP01 (C005 without EVS), EVS ACPP04 (a partner): R005, no C005.
    let plain = check_one(&base, &[]);
    assert!(plain.iter().any(|(_, c)| c == "C005"), "{plain:?}");
    assert_eq!(
        one(&base, &[seg(&[("zip", "01301"), ("plan_id", "ACPP04")])]),
        sorted_pairs(&[("Plan ID", "R005")])
    );
}

#[test]
fn e010_uses_the_evs_zip() {
    // Attested in area, EVS out of area: E010 and W004.
    assert_eq!(
        one(&[], &[seg(&[("zip", "01301")])]),
        sorted_pairs(&[("ZIP Code", "E010"), ("ZIP Code", "W004")])
    );
    // Attested out of area, EVS in area: W004 only.
    assert_eq!(
        one(&[("ZIP Code", "01301")], &[seg(&[])]),
        sorted_pairs(&[("ZIP Code", "W004")])
    );
    // Attested blank, EVS out of area: E010 alone.
    assert_eq!(
        one(&[("ZIP Code", "")], &[seg(&[("zip", "01301")])]),
        sorted_pairs(&[("ZIP Code", "E010")])
    );
    // EVS ZIP blank, attested out of area: no ZIP known from EVS, no E010.
    assert_eq!(
        one(&[("ZIP Code", "01301")], &[seg(&[("zip", "")])]),
        vec![]
    );
}

// ---------------------------------------------------------------------------------------
// Segment choice (SPEC 2.4, 3 "Facts")

#[test]
fn the_covering_segment_with_the_latest_start_wins() {
    // Newer segment first in the file; older covering segment has Medicare Y.
    let newer = seg(&[("elig_start", "2026-06-01"), ("elig_end", "2027-06-30")]);
    let older = seg(&[("elig_start", "2025-01-01"), ("medicare", "Y")]);
    let future = seg(&[("elig_start", "2027-01-01"), ("nursing_facility", "Y")]);
    assert_eq!(
        one(&[], &[newer.clone(), older.clone(), future.clone()]),
        vec![]
    );
    assert_eq!(
        one(&[], &[future.clone(), older.clone(), newer.clone()]),
        vec![]
    );
    // The other way round: the newer covering segment has Medicare Y.
    let newer_y = seg(&[("elig_start", "2026-06-01"), ("medicare", "Y")]);
    let older_n = seg(&[("elig_start", "2025-01-01"), ("elig_end", "2027-12-31")]);
    assert_eq!(
        one(&[], &[newer_y.clone(), older_n.clone()]),
        sorted_pairs(&[("Medicare", "E005"), ("Medicare", "W004")])
    );
    assert_eq!(
        one(&[], &[older_n, newer_y]),
        sorted_pairs(&[("Medicare", "E005"), ("Medicare", "W004")])
    );
    // A later segment that ended before the Effective Date is not used.
    let ended = seg(&[
        ("elig_start", "2026-09-01"),
        ("elig_end", "2026-10-31"),
        ("plan_id", "ACPP02"),
    ]);
    assert_eq!(one(&[], &[seg(&[]), ended]), vec![]);
}

#[test]
fn segment_bounds_are_inclusive_and_blank_end_is_open() {
    let cases: [(&str, &str, bool); 5] = [
        ("2026-12-01", "2026-12-01", true),
        ("2026-01-01", "2026-12-01", true),
        ("2026-12-01", "", true),
        ("1990-01-01", "", true),
        ("2026-12-02", "", false),
    ];
    for (start, end, covers) in cases {
        let got = one(&[], &[seg(&[("elig_start", start), ("elig_end", end)])]);
        let expected = if covers {
            vec![]
        } else {
            sorted_pairs(&[("Effective Date", "R004")])
        };
        assert_eq!(got, expected, "{start}..{end}");
    }
}

#[test]
fn disenroll_without_a_covering_segment_uses_the_latest_started() {
    let id = |n: u32| format!("1000000005{n:02}");
    // Three segments per member, none covering 2026-12-01: one long ago with BHCP02, the
    // latest started one (ended 2026-06-30) with BHCP01, and a future one with BHCP03.
    let segments_of = |n: u32| {
        vec![
            seg(&[
                ("member_id", &id(n)),
                ("elig_start", "2027-01-01"),
                ("cp_id", "BHCP03"),
                ("cp_start", "2027-01-01"),
            ]),
            seg(&[
                ("member_id", &id(n)),
                ("elig_start", "2026-01-01"),
                ("elig_end", "2026-06-30"),
                ("cp_id", "BHCP01"),
                ("cp_start", "2026-01-01"),
            ]),
            seg(&[
                ("member_id", &id(n)),
                ("elig_start", "2024-01-01"),
                ("elig_end", "2025-12-31"),
                ("cp_id", "BHCP02"),
                ("cp_start", "2024-01-01"),
            ]),
        ]
    };
    let rows = [
        disenroll(&[("Member ID", &id(1))]),
        disenroll(&[("Member ID", &id(2)), ("CP ID", "BHCP02")]),
        disenroll(&[("Member ID", &id(3)), ("CP ID", "BHCP03")]),
    ];
    let segments: Vec<Seg> = (1..=3).flat_map(segments_of).collect();
    let out = run_evs(&rows, &segments);
    assert_eq!(out.row(2), vec![], "{}", out.run.stdout);
    assert_eq!(out.row(3), sorted_pairs(&[("CP ID", "R012")]));
    assert_eq!(out.row(4), sorted_pairs(&[("CP ID", "R012")]));
    // The fallback segment's identity and attested facts are compared too.
    let mut renamed = segments_of(1);
    renamed[1].insert("last_name", "Smith".into());
    renamed[1].insert("zip", "02119".into());
    let out = run_evs(&rows[..1], &renamed);
    assert_eq!(
        out.row(2),
        sorted_pairs(&[("Last Name", "R003"), ("ZIP Code", "W004")])
    );
}

// ---------------------------------------------------------------------------------------
// Snapshot formats (SPEC 2.4)

/// Two rows: member 1 matches; member 2's EVS date of birth differs (R002). Proves the
/// snapshot was read field by field.
fn format_rows() -> Vec<BTreeMap<&'static str, String>> {
    vec![
        good_row(),
        row_with(&[("Member ID", "100000000002"), ("Last Name", "Smith Jr")]),
    ]
}

fn format_segments() -> Vec<Seg> {
    vec![
        seg(&[]),
        seg(&[
            ("member_id", "100000000002"),
            ("last_name", "Smith Jr"),
            ("date_of_birth", "1980-04-03"),
        ]),
        seg(&[("member_id", "100000000003")]),
    ]
}

fn assert_format_read(out: &Out) {
    assert_eq!(out.row(2), vec![], "{}", out.run.stdout);
    assert_eq!(
        out.row(3),
        sorted_pairs(&[("Date of Birth", "R002")]),
        "{}",
        out.run.stdout
    );
    let evs = &out.summary()["inputs"]["evs"];
    assert_eq!(evs["segments"], 3);
    assert_eq!(evs["malformed_lines"], 0);
}

fn delimited(delimiter: &str, eol: &str) -> String {
    let mut text = evs_header(delimiter) + eol;
    for s in format_segments() {
        text += &seg_line(&s, delimiter);
        text += eol;
    }
    text
}

#[test]
fn snapshot_comma_pipe_tab() {
    for delimiter in [",", "|", "\t"] {
        let text = delimited(delimiter, "\n");
        let out = run_bytes(&format_rows(), "evs.txt", text.as_bytes(), &[]);
        assert_format_read(&out);
    }
}

#[test]
fn snapshot_crlf_line_endings() {
    for delimiter in [",", "|", "\t"] {
        let text = delimited(delimiter, "\r\n");
        let out = run_bytes(&format_rows(), "evs.csv", text.as_bytes(), &[]);
        assert_format_read(&out);
    }
}

#[test]
fn snapshot_without_a_final_newline() {
    let text = delimited(",", "\n");
    let out = run_bytes(&format_rows(), "evs.csv", text.trim_end().as_bytes(), &[]);
    assert_format_read(&out);
    // The last line belongs to a batch member.
    let mut text = snapshot_text(&lines_of(&format_segments()[..2]));
    text.pop();
    let out = run_bytes(&format_rows(), "evs.csv", text.as_bytes(), &[]);
    assert_eq!(out.row(3), sorted_pairs(&[("Date of Birth", "R002")]));
    assert_eq!(out.summary()["inputs"]["evs"]["segments"], 2);
}

#[test]
fn snapshot_gzip_by_extension_and_by_magic() {
    let plain = delimited("|", "\n");
    let gz = gzip(plain.as_bytes());
    for name in ["evs.csv.gz", "evs.csv", "evs.GZ"] {
        let out = run_bytes(&format_rows(), name, &gz, &[]);
        assert_format_read(&out);
        // sha256 is that of the file's bytes, compressed.
        let evs = &out.summary()["inputs"]["evs"];
        assert_eq!(evs["sha256"], sha256_hex(&gz), "{name}");
        assert_eq!(
            evs["path"],
            out.dir.join(name).display().to_string(),
            "{name}"
        );
    }
}

#[test]
fn snapshot_columns_in_another_order_with_extra_columns() {
    // Reverse order, headers spelled differently, extra columns first, middle and last.
    let mut columns: Vec<&str> = EVS_COLUMNS.iter().rev().copied().collect();
    columns.insert(0, "region");
    columns.insert(9, "notes");
    columns.push("load_batch");
    let spelled = |c: &str| -> String {
        match c {
            "member_id" => "Member ID".into(),
            "date_of_birth" => "DATE-OF-BIRTH".into(),
            "plan_id" => "Plan Id".into(),
            other => other.to_string(),
        }
    };
    let mut text = columns
        .iter()
        .map(|c| spelled(c))
        .collect::<Vec<_>>()
        .join(",")
        + "\n";
    for s in format_segments() {
        let fields: Vec<String> = columns
            .iter()
            .map(|c| match *c {
                "region" => "EAST".to_string(),
                "notes" => "checked; twice".to_string(),
                "load_batch" => "77".to_string(),
                c => s[c].clone(),
            })
            .collect();
        text += &fields.join(",");
        text += "\n";
    }
    let out = run_bytes(&format_rows(), "evs.csv", text.as_bytes(), &[]);
    assert_format_read(&out);
}

#[test]
fn snapshot_quoted_fields() {
    let mut segments = format_segments();
    // A quoted last name with a comma, a quoted member ID, a quoted first name with an
    // escaped quote; the batch's "Smith Jr" matches "Smith, Jr" (punctuation ignored).
    segments[1].insert("last_name", "\"Smith, Jr\"".into());
    segments[1].insert("member_id", "\"100000000002\"".into());
    segments[0].insert("first_name", "\"Ana\"".into());
    segments[2].insert("first_name", "\"Big \"\"Al\"\"\"".into());
    let out = run_bytes(
        &format_rows(),
        "evs.csv",
        snapshot_text(&lines_of(&segments)).as_bytes(),
        &[],
    );
    assert_format_read(&out);
    // A quoted comma in a name of a batch member does not shift the fields: the segment
    // is otherwise correct, so the only finding is the R002 planted in it.
    assert!(
        out.messages(3, "R003").is_empty(),
        "{:?}",
        out.messages(3, "R003")
    );
}

fn assert_f006(run: &Run, file: &Path, out: &Path) {
    assert_eq!(
        run.status, 2,
        "stdout: {}\nstderr: {}",
        run.stdout, run.stderr
    );
    assert!(run.stderr.contains("F006"), "{}", run.stderr);
    assert!(
        run.stderr.contains(&file.display().to_string()),
        "{}",
        run.stderr
    );
    assert!(!out.join("summary.json").exists(), "a report was written");
    assert!(!out.join("findings.csv").exists(), "a report was written");
}

fn run_f006(evs: Option<&[u8]>) -> (Run, PathBuf, PathBuf, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("batch.csv");
    write_csv(&batch, &[good_row()]);
    let evs_path = dir.path().join("evs.csv");
    if let Some(bytes) = evs {
        std::fs::write(&evs_path, bytes).unwrap();
    }
    let out = dir.path().join("out");
    let run = validate(&batch, &out, &["--evs", evs_path.to_str().unwrap()]);
    (run, evs_path, out, dir)
}

#[test]
fn f006_snapshot_lacking_columns_lists_every_missing_one() {
    let header: Vec<&str> = EVS_COLUMNS
        .iter()
        .copied()
        .filter(|c| !["zip", "cp_start", "date_of_death"].contains(c))
        .collect();
    let text = header.join(",") + "\n" + &"x,".repeat(header.len() - 1) + "\n";
    let (run, path, out, _dir) = run_f006(Some(text.as_bytes()));
    assert_f006(&run, &path, &out);
    for column in ["zip", "cp_start", "date_of_death"] {
        assert!(run.stderr.contains(column), "{column}: {}", run.stderr);
    }
    assert!(!run.stderr.contains("member_id"), "{}", run.stderr);
}

#[test]
fn f006_missing_file() {
    let (run, path, out, _dir) = run_f006(None);
    assert_f006(&run, &path, &out);
}

#[test]
fn f006_empty_file() {
    let (run, path, out, _dir) = run_f006(Some(b""));
    assert_f006(&run, &path, &out);
}

#[test]
fn f006_empty_gzip_and_header_of_other_data() {
    let (run, path, out, _dir) = run_f006(Some(&gzip(b"")));
    assert_f006(&run, &path, &out);
    let (run, path, out, _dir) = run_f006(Some(b"id,name,dob\n1,a,b\n"));
    assert_f006(&run, &path, &out);
    for column in EVS_COLUMNS {
        assert!(run.stderr.contains(column), "{column}: {}", run.stderr);
    }
}

/// A snapshot with no data line is no snapshot: every row would get R001 (SPEC 4.4).
#[test]
fn header_only_snapshot_is_f006() {
    let header = snapshot_text(&[]);
    let no_line_end = header.trim_end().to_string();
    let blank_lines = header.clone() + "\n\r\n\n";
    for text in [&header, &no_line_end, &blank_lines] {
        for bytes in [text.as_bytes().to_vec(), gzip(text.as_bytes())] {
            let (run, path, out, _dir) = run_f006(Some(&bytes));
            assert_f006(&run, &path, &out);
            assert!(run.stderr.contains("no data line"), "{}", run.stderr);
        }
    }
}

// ---------------------------------------------------------------------------------------
// summary.json inputs.evs (SPEC 4.2)

#[test]
fn summary_evs_inputs() {
    let mut lines = lines_of(&[seg(&[])]);
    for n in 0..25 {
        lines.push(seg_line(
            &seg(&[("member_id", &format!("9000000000{n:02}"))]),
            ",",
        ));
    }
    // A malformed line of a member not in the batch: a segment, not a malformed line.
    lines.push("900000000099,too,few".into());
    let text = snapshot_text(&lines);
    let out = run_bytes(&[good_row()], "snap.csv", text.as_bytes(), &[]);
    let summary = out.summary();
    let evs = &summary["inputs"]["evs"];
    let mut keys: Vec<&String> = evs.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["malformed_lines", "path", "segments", "sha256"]);
    assert_eq!(evs["path"], out.dir.join("snap.csv").display().to_string());
    assert_eq!(evs["sha256"], sha256_hex(text.as_bytes()));
    assert_eq!(evs["segments"], 27);
    assert_eq!(evs["malformed_lines"], 0);
    assert_eq!(out.row(2), vec![]);
}

// ---------------------------------------------------------------------------------------
// Several batches (SPEC 5.1)

struct Multi {
    _dir: tempfile::TempDir,
    root: PathBuf,
    out: PathBuf,
    run: Run,
}

fn run_many(batches: &[(&str, Vec<BTreeMap<&'static str, String>>)], segments: &[Seg]) -> Multi {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().to_path_buf();
    let evs = root.join("evs.csv");
    std::fs::write(&evs, snapshot_text(&lines_of(segments))).unwrap();
    let out = root.join("out");
    let mut args: Vec<String> = vec!["validate".into()];
    for (name, rows) in batches {
        let path = root.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        if name.ends_with(".xlsx") {
            write_xlsx(&path, &[("Batch", text_rows(rows))]);
        } else {
            write_csv(&path, rows);
        }
        args.push(path.display().to_string());
    }
    args.extend(
        [
            "--evs",
            evs.to_str().unwrap(),
            "--as-of",
            AS_OF,
            "--out",
            out.to_str().unwrap(),
        ]
        .map(String::from),
    );
    let run = cpbatch(&args);
    Multi {
        _dir: dir,
        root,
        out,
        run,
    }
}

fn members(ids: &[&str]) -> Vec<BTreeMap<&'static str, String>> {
    ids.iter()
        .map(|id| row_with(&[("Member ID", id)]))
        .collect()
}

fn segments_for(ids: &[&str]) -> Vec<Seg> {
    ids.iter().map(|id| seg(&[("member_id", id)])).collect()
}

#[test]
fn several_batches_write_a_folder_each_and_a_run_summary() {
    let a = members(&["100000000001", "100000000002"]);
    let mut b = members(&["100000000003", "100000000004", "100000000005"]);
    b[2].insert("Medicare", "Y".into()); // W004 only
    b[1].insert("Last Name", "Other".into()); // R003
    let m = run_many(
        &[("a.xlsx", a), ("b.csv", b)],
        &segments_for(&[
            "100000000001",
            "100000000002",
            "100000000003",
            "100000000004",
            "100000000005",
        ]),
    );
    assert_eq!(m.run.status, 1, "{}\n{}", m.run.stdout, m.run.stderr);
    for (stem, rows) in [("a", 2), ("b", 3)] {
        let dir = m.out.join(stem);
        assert_conserved(&dir, rows);
        let summary = read_json(&dir.join("summary.json"));
        assert_eq!(summary["inputs"]["evs"]["segments"], 5);
    }
    assert!(!m.out.join("summary.json").exists());
    assert_eq!(findings(&m.out.join("a")), vec![]);
    assert_eq!(codes_of_row(&m.out.join("b"), 3), vec!["R003".to_string()]);
    let run = read_json(&m.out.join("run-summary.json"));
    let mut keys: Vec<&String> = run.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(
        keys,
        ["as_of", "batches", "evs", "rules_version", "tool", "totals"]
    );
    assert_eq!(run["as_of"], AS_OF);
    assert_eq!(run["evs"]["segments"], 5);
    let batches = run["batches"].as_array().unwrap();
    assert_eq!(batches.len(), 2);
    assert_eq!(
        batches[0]["path"],
        m.root.join("a.xlsx").display().to_string()
    );
    assert_eq!(batches[0]["stem"], "a");
    assert_eq!(batches[0]["status"], "processed");
    assert_eq!(batches[0]["counts"]["rows"], 2);
    assert_eq!(batches[0]["counts"]["accepted"], 2);
    assert_eq!(batches[1]["stem"], "b");
    assert_eq!(batches[1]["status"], "processed");
    assert_eq!(batches[1]["counts"]["rows"], 3);
    assert_eq!(batches[1]["counts"]["accepted"], 2);
    assert_eq!(batches[1]["counts"]["rejected"], 1);
    assert_eq!(batches[1]["counts"]["by_code"]["R003"], 1);
    assert_eq!(batches[1]["counts"]["by_code"]["W004"], 1);
    assert!(batches[0].get("code").is_none_or(|c| c.is_null()));
    let totals = &run["totals"];
    assert_eq!(totals["batches"], 2);
    assert_eq!(totals["refused"], 0);
    assert_eq!(totals["rows"], 5);
    assert_eq!(totals["accepted"], 4);
    assert_eq!(totals["rejected"], 1);
    assert_eq!(totals["transfers"], 0);

    // Console: a summary line per batch, in order, beginning with the batch's path as
    // given (SPEC 5.1), and a last totals line.
    let lines: Vec<&str> = m.run.stdout.lines().collect();
    let (a, b) = (m.root.join("a.xlsx"), m.root.join("b.csv"));
    let a_line = format!(
        "{}: 2 rows: 2 accepted, 0 rejected (0 transfers)",
        a.display()
    );
    let b_line = format!(
        "{}: 3 rows: 2 accepted, 1 rejected (0 transfers)",
        b.display()
    );
    let a_summary = lines.iter().position(|l| *l == a_line);
    let b_summary = lines.iter().position(|l| *l == b_line);
    assert!(
        matches!((a_summary, b_summary), (Some(x), Some(y)) if x < y),
        "{}",
        m.run.stdout
    );
    let last = lines.last().unwrap();
    assert!(b_summary.unwrap() < lines.len() - 1, "{}", m.run.stdout);
    assert!(
        last.contains('5') && last.contains('4') && last.contains('1'),
        "totals line: {last}"
    );
    // b's findings carry b's file name.
    let r003 = lines.iter().find(|l| l.contains("R003")).unwrap();
    assert!(
        r003.starts_with(&format!("{}:3:", m.root.join("b.csv").display())),
        "{r003}"
    );
}

#[test]
fn each_batch_counts_the_malformed_lines_of_its_own_members() {
    // SPEC 3.7 and 5.1: `malformed_lines` counts the malformed lines of the batch's members,
    // each batch judged as if alone; run-summary.json counts the run's.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let two = seg(&[("member_id", "100000000002")]);
    let lines = vec![
        seg_line(&seg(&[]), ","),
        seg_line(
            &seg(&[("member_id", "100000000002"), ("elig_end", "2026-13-01")]),
            ",",
        ),
        seg_line(
            &seg(&[("member_id", "100000000002"), ("medicare", "perhaps")]),
            ",",
        ),
        seg_line(&two, ","),
    ];
    let evs = root.join("evs.csv");
    std::fs::write(&evs, snapshot_text(&lines)).unwrap();
    write_csv(
        &root.join("a.csv"),
        &members(&["100000000001", "100000000002"]),
    );
    write_csv(&root.join("b.csv"), &members(&["100000000001"]));
    for evs_read in ["scan", "index"] {
        for independent in [false, true] {
            let out = root.join(format!("out-{evs_read}-{independent}"));
            let mut args = vec![
                "validate".to_string(),
                root.join("a.csv").display().to_string(),
                root.join("b.csv").display().to_string(),
                "--evs".into(),
                evs.display().to_string(),
                "--evs-read".into(),
                evs_read.into(),
                "--as-of".into(),
                AS_OF.into(),
                "--out".into(),
                out.display().to_string(),
            ];
            if independent {
                args.push("--independent".into());
            }
            let run = cpbatch(&args);
            assert_eq!(run.status, 1, "{}", run.stderr);
            let lines_of = |stem: &str| {
                read_json(&out.join(stem).join("summary.json"))["inputs"]["evs"]["malformed_lines"]
                    .clone()
            };
            assert_eq!(lines_of("a"), 2, "{evs_read} {independent}");
            assert_eq!(lines_of("b"), 0, "{evs_read} {independent}");
            let run_summary = read_json(&out.join("run-summary.json"));
            assert_eq!(run_summary["evs"]["malformed_lines"], 2);
        }
    }
}

#[test]
fn several_batches_same_stem_gets_a_suffix() {
    let m = run_many(
        &[
            ("one/batch.csv", members(&["100000000001"])),
            ("two/batch.csv", members(&["100000000002"])),
            ("three/batch.xlsx", members(&["100000000003"])),
        ],
        &segments_for(&["100000000001", "100000000002", "100000000003"]),
    );
    assert_eq!(m.run.status, 0, "{}\n{}", m.run.stdout, m.run.stderr);
    let run = read_json(&m.out.join("run-summary.json"));
    let stems: Vec<&str> = run["batches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["stem"].as_str().unwrap())
        .collect();
    assert_eq!(stems, ["batch", "batch-2", "batch-3"]);
    for stem in stems {
        assert_conserved(&m.out.join(stem), 1);
    }
}

#[test]
fn b003_member_in_two_batches_rejects_both_rows() {
    let a = members(&["100000000001", "100000000002"]);
    let b = members(&["100000000003", "100000000004", "100000000002"]);
    let m = run_many(
        &[("a.xlsx", a), ("b.csv", b)],
        &segments_for(&[
            "100000000001",
            "100000000002",
            "100000000003",
            "100000000004",
        ]),
    );
    assert_eq!(m.run.status, 1, "{}\n{}", m.run.stdout, m.run.stderr);
    let (a_out, b_out) = (m.out.join("a"), m.out.join("b"));
    assert_eq!(
        findings(&a_out),
        vec![("3".into(), "Member ID".into(), "B003".into())]
    );
    assert_eq!(
        findings(&b_out),
        vec![("4".into(), "Member ID".into(), "B003".into())]
    );
    let message = |out: &Path| read_report(&out.join("findings.csv")).1[0][4].clone();
    let (a_msg, b_msg) = (message(&a_out), message(&b_out));
    assert!(
        a_msg.contains("b.csv") && a_msg.contains("row 4"),
        "{a_msg}"
    );
    assert!(
        b_msg.contains("a.xlsx") && b_msg.contains("row 3"),
        "{b_msg}"
    );
    let run = read_json(&m.out.join("run-summary.json"));
    assert_eq!(run["totals"]["rejected"], 2);
    assert_eq!(run["totals"]["accepted"], 3);
}

#[test]
fn b003_not_with_a_single_batch() {
    let rows = members(&["100000000001", "100000000002"]);
    let out = run_evs(&rows, &segments_for(&["100000000001", "100000000002"]));
    assert_eq!(findings(&out.out), vec![]);
}

#[test]
fn a_refused_batch_is_listed_and_the_others_go_on() {
    let dir_rows = members(&["100000000001"]);
    let m = {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        let evs = root.join("evs.csv");
        std::fs::write(
            &evs,
            snapshot_text(&lines_of(&segments_for(&["100000000001", "100000000002"]))),
        )
        .unwrap();
        let good = root.join("good.csv");
        write_csv(&good, &dir_rows);
        // A batch without a Submitter ID column: F004.
        let bad = root.join("bad.csv");
        // Every canonical column but Submitter ID; its member is also in the good batch.
        let headers: Vec<&str> = HEADERS[..17].to_vec();
        let row = good_row();
        let values: Vec<&str> = headers.iter().map(|h| row[h].as_str()).collect();
        std::fs::write(
            &bad,
            format!("{}\n{}\n", headers.join(","), values.join(",")),
        )
        .unwrap();
        let out = root.join("out");
        let run = cpbatch(&[
            "validate",
            bad.to_str().unwrap(),
            good.to_str().unwrap(),
            "--evs",
            evs.to_str().unwrap(),
            "--as-of",
            AS_OF,
            "--out",
            out.to_str().unwrap(),
        ]);
        Multi {
            _dir: dir,
            root,
            out,
            run,
        }
    };
    assert_eq!(m.run.status, 1, "{}\n{}", m.run.stdout, m.run.stderr);
    assert!(m.run.stderr.contains("F004"), "{}", m.run.stderr);
    assert!(
        !m.out.join("bad").exists(),
        "a refused batch gets no reports"
    );
    assert_conserved(&m.out.join("good"), 1);
    let run = read_json(&m.out.join("run-summary.json"));
    let batches = run["batches"].as_array().unwrap();
    assert_eq!(
        batches[0]["path"],
        m.root.join("bad.csv").display().to_string()
    );
    assert_eq!(batches[0]["stem"], "bad");
    assert_eq!(batches[0]["status"], "refused");
    assert_eq!(batches[0]["code"], "F004");
    let message = batches[0]["message"].as_str().unwrap();
    assert!(message.contains("Submitter ID"), "{message}");
    assert!(batches[0].get("counts").is_none_or(|c| c.is_null()));
    assert_eq!(batches[1]["status"], "processed");
    assert_eq!(batches[1]["counts"]["accepted"], 1);
    assert_eq!(run["totals"]["batches"], 2);
    assert_eq!(run["totals"]["refused"], 1);
    assert_eq!(run["totals"]["rows"], 1);
    assert_eq!(run["totals"]["accepted"], 1);
    // The refused batch's member is not seen by B003 nor counted anywhere.
    assert_eq!(findings(&m.out.join("good")), vec![]);
    // On stdout, the refused batch has its line, in argument order, before the other's
    // summary line (SPEC 5.1); stderr has the error too.
    let (bad, good) = (m.root.join("bad.csv"), m.root.join("good.csv"));
    let lines: Vec<&str> = m.run.stdout.lines().collect();
    assert_eq!(
        lines,
        [
            format!(
                "{}: refused: F004 missing required column(s): Submitter ID (header row 1)",
                bad.display()
            ),
            format!(
                "{}: 1 rows: 1 accepted, 0 rejected (0 transfers)",
                good.display()
            ),
            "total: 2 batches (1 refused), 1 rows: 1 accepted, 0 rejected (0 transfers)".into(),
        ],
        "{}",
        m.run.stdout
    );
}

#[test]
fn f006_stops_a_run_of_several_batches() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.csv");
    let b = dir.path().join("b.csv");
    write_csv(&a, &members(&["100000000001"]));
    write_csv(&b, &members(&["100000000002"]));
    let evs = dir.path().join("evs.csv");
    std::fs::write(&evs, "member_id,last_name\n100000000001,Rivera\n").unwrap();
    let out = dir.path().join("out");
    let run = cpbatch(&[
        "validate",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
        "--evs",
        evs.to_str().unwrap(),
        "--as-of",
        AS_OF,
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(run.status, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("F006"), "{}", run.stderr);
    assert!(!out.join("run-summary.json").exists());
    assert!(!out.join("a").exists());
    assert!(!out.join("b").exists());
}

// ---------------------------------------------------------------------------------------
// Determinism and the multi-chunk scan (SPEC 3, 2.4)

/// A small deterministic generator (xorshift).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

const BATCH_ROWS: usize = 400;
const FILLER_LINES: usize = 70_000;

fn batch_member(i: usize) -> String {
    format!("2{:011}", 1000 + i)
}

/// A generated batch and snapshot: their paths, and the line numbers of the malformed
/// lines planted for batch members (member index, line).
fn generate(dir: &Path) -> (PathBuf, PathBuf, Vec<(usize, u64)>) {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let cps = ["BHCP01", "BHCP02", "BHCP03", "BHCP05", "BHCP10"];
    let plans = ["ACPP01", "ACPP02", "ACPP03", "PCACO01", "MCO01", "PCC"];
    let dates = ["2026-11-01", "2026-12-01", "2027-01-15", "2026-10-01"];
    let zips = ["02118", "02119", "01301", "02445", "01880"];
    let mut rows = Vec::new();
    // Member index → its segments.
    let mut member_segments: Vec<Vec<String>> = Vec::new();
    for i in 0..BATCH_ROWS {
        // A few members appear twice (B001/B002).
        let member = if i % 37 == 36 { i - 1 } else { i };
        let id = batch_member(member);
        let action = rng.pick(&["ENROLL", "ENROLL", "DISENROLL", "TRANSFER"]);
        let cp = rng.pick(&cps);
        let from = rng.pick(&cps);
        let plan = rng.pick(&plans);
        let effective = rng.pick(&dates);
        let reason = match action {
            "ENROLL" => "REFERRAL",
            "DISENROLL" => "DECLINED",
            _ => "MEMBER_CHOICE",
        };
        let zip = rng.pick(&zips);
        let mut row = row_with(&[
            ("Action", action),
            ("Member ID", &id),
            ("CP ID", cp),
            ("Plan ID", plan),
            ("Effective Date", effective),
            ("Reason Code", reason),
            ("ZIP Code", zip),
            ("Submitter ID", "MASSHEALTH"),
            ("Medicare", rng.pick(&["N", "N", "Y", ""])),
        ]);
        if action == "TRANSFER" {
            row.insert("From CP ID", from.to_string());
        }
        if rng.chance(5) {
            row.insert("Last Name", "Other".into());
        }
        rows.push(row);
        if member != i {
            member_segments.push(Vec::new());
            continue;
        }
        // Segments: none (R001) for some; one to three otherwise.
        let mut segs = Vec::new();
        if !rng.chance(8) {
            let count = 1 + rng.next() % 3;
            for k in 0..count {
                let start = ["2024-01-01", "2026-01-01", "2026-11-15"][k as usize];
                let s = seg(&[
                    ("member_id", &id),
                    ("elig_start", start),
                    ("elig_end", rng.pick(&["", "", "2026-11-30", "2027-06-30"])),
                    ("plan_id", rng.pick(&plans)),
                    ("medicare", rng.pick(&["N", "N", "N", "Y"])),
                    (
                        "coverage_type",
                        rng.pick(&["STANDARD", "CAREPLUS", "LIMITED"]),
                    ),
                    ("zip", rng.pick(&zips)),
                    ("cp_id", rng.pick(&["", "", "BHCP01", "BHCP02", "BHCP03"])),
                    ("cp_start", rng.pick(&["2026-01-01", "2026-12-15"])),
                    ("dmh_affiliation", rng.pick(&["NONE", "NONE", "ACCS", ""])),
                    (
                        "date_of_death",
                        if rng.chance(3) { "2026-11-01" } else { "" },
                    ),
                ]);
                segs.push(seg_line(&s, ","));
            }
        }
        member_segments.push(segs);
    }

    // Filler lines of members not in the batch, long enough that the file spans several
    // 4 MB chunks; batch members' lines are spread through the file.
    let filler = |n: usize| {
        seg_line(
            &seg(&[
                ("member_id", &format!("3{:011}", n)),
                ("last_name", "Fillerington-Worthingham"),
                ("first_name", "Maximiliana Josephine"),
                ("cp_id", "BHCP07"),
                ("cp_start", "2025-07-01"),
                ("elig_end", "2027-12-31"),
                ("date_of_death", ""),
            ]),
            ",",
        )
    };
    let batch_lines: Vec<(usize, String)> = member_segments
        .iter()
        .enumerate()
        .flat_map(|(m, segs)| segs.iter().map(move |l| (m, l.clone())))
        .collect();
    let every = FILLER_LINES / (batch_lines.len() + 1);
    let mut text = evs_header(",") + "\n";
    let mut line = 1u64;
    let mut next_batch = batch_lines.into_iter();
    let mut push = |text: &mut String, l: &str| {
        text.push_str(l);
        text.push('\n');
        line += 1;
        line
    };
    let bad_line =
        |member: usize| format!("{},Rivera,Ana,1980-04-02,2026-13-45", batch_member(member));
    let mut planted = Vec::new();
    for n in 0..FILLER_LINES {
        push(&mut text, &filler(n));
        if n == FILLER_LINES / 2 {
            // A malformed line of a batch member in the middle of the file.
            planted.push((3, push(&mut text, &bad_line(3))));
        }
        if n % every == every - 1
            && let Some((_, l)) = next_batch.next()
        {
            push(&mut text, &l);
        }
    }
    for (_, l) in next_batch {
        push(&mut text, &l);
    }
    // Malformed lines for two more batch members near the end of the file.
    for member in [150, 398] {
        planted.push((member, push(&mut text, &bad_line(member))));
        push(&mut text, &filler(FILLER_LINES + member));
    }
    let evs = dir.join("evs.csv");
    std::fs::write(&evs, &text).unwrap();
    let batch = dir.join("batch.csv");
    write_csv(&batch, &rows);
    (batch, evs, planted)
}

/// The CSV reports of two runs are byte for byte the same.
fn assert_same_reports(one: &Path, other: &Path) {
    for file in [
        "accepted.csv",
        "rejected.csv",
        "transfers.csv",
        "findings.csv",
    ] {
        let a = std::fs::read(one.join(file)).unwrap();
        let b = std::fs::read(other.join(file)).unwrap();
        assert!(
            a == b,
            "{file} differs between {} and {}",
            one.display(),
            other.display()
        );
    }
}

#[test]
fn reconciliation_is_deterministic_across_threads_and_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let (batch, evs, planted) = generate(dir.path());
    let size = std::fs::metadata(&evs).unwrap().len();
    assert!(
        size > 8 << 20,
        "snapshot is {size} bytes, want several 4 MB chunks"
    );
    // Scanned after the read, on 1 and 4 threads, and indexed during the read; the same
    // snapshot gzip-compressed, scanned and indexed (holding its text).
    let gz = dir.path().join("evs.csv.gz");
    std::fs::write(&gz, gzip(&std::fs::read(&evs).unwrap())).unwrap();
    let mut outs = Vec::new();
    let runs = [
        ("1", "scan", &evs),
        ("4", "scan", &evs),
        ("4", "index", &evs),
        ("2", "scan", &gz),
        ("2", "index", &gz),
    ];
    for (threads, evs_read, snapshot) in runs {
        let name = snapshot.file_name().unwrap().to_str().unwrap();
        let out = dir.path().join(format!("out-{threads}-{evs_read}-{name}"));
        let run = validate(
            &batch,
            &out,
            &[
                "--evs",
                snapshot.to_str().unwrap(),
                "--threads",
                threads,
                "--evs-read",
                evs_read,
                // Only the CSV reports and the summary are compared: no workbooks.
                "--format",
                "csv",
            ],
        );
        assert_eq!(run.status, 1, "{}", run.stderr);
        assert_conserved(&out, BATCH_ROWS);
        outs.push((out, run));
    }
    // The snapshot's path and hash are those of the file given.
    let strip = |out: &Path| {
        let mut s = read_json(&out.join("summary.json"));
        s.as_object_mut().unwrap().remove("timings_ms");
        let evs = s["inputs"]["evs"].as_object_mut().unwrap();
        evs.remove("path");
        evs.remove("sha256");
        s
    };
    let one = &outs[0].0;
    for (other, run) in &outs[1..] {
        assert_same_reports(one, other);
        assert_eq!(strip(one), strip(other));
        assert_eq!(outs[0].1.stdout, run.stdout);
    }

    let gz_summary = read_json(&outs[4].0.join("summary.json"));
    assert_eq!(
        gz_summary["inputs"]["evs"]["sha256"],
        sha256_hex(&std::fs::read(&gz).unwrap())
    );

    // The scan saw every line, across chunks, with the right line numbers.
    let summary = read_json(&one.join("summary.json"));
    let text = std::fs::read_to_string(&evs).unwrap();
    let data_lines = text.lines().count() as u64 - 1;
    assert_eq!(summary["inputs"]["evs"]["segments"], data_lines);
    assert_eq!(summary["inputs"]["evs"]["malformed_lines"], planted.len());
    assert_eq!(
        summary["inputs"]["evs"]["sha256"],
        sha256_hex(text.as_bytes())
    );
    let all = read_report(&one.join("findings.csv")).1;
    for (member, line) in &planted {
        let row = (member + 2).to_string();
        let r008: Vec<&Vec<String>> = all
            .iter()
            .filter(|f| f[0] == row && f[2] == "R008")
            .collect();
        assert_eq!(r008.len(), 1, "member {member}: {all:?}");
        assert!(
            r008[0][4].contains(&format!("line {line} ")),
            "member {member}, line {line}: {}",
            r008[0][4]
        );
        assert!(
            !all.iter()
                .any(|f| f[0] == row && is_r_or_e(&f[2]) && f[2] != "R008"),
            "member {member}"
        );
    }
    // Sanity: the generated data exercises many codes.
    let by_code = summary["counts"]["by_code"].as_object().unwrap();
    for code in [
        "R001", "R004", "R005", "R008", "R011", "E005", "W004", "B002",
    ] {
        assert!(
            by_code.contains_key(code),
            "{code} not produced: {by_code:?}"
        );
    }
    assert!(summary["counts"]["accepted"].as_u64().unwrap() > 0);
}

// ---------------------------------------------------------------------------------------
// Skips and edge cases

#[test]
fn invalid_row_values_silence_the_r_checks_that_need_them() {
    // An invalid or blank Member ID: S003 / S001 only, no R001.
    assert_eq!(
        one(&[("Member ID", "12345")], &[seg(&[])]),
        sorted_pairs(&[("Member ID", "S003")])
    );
    assert_eq!(
        one(&[("Member ID", "")], &[seg(&[])]),
        sorted_pairs(&[("Member ID", "S001")])
    );
    // An invalid Date of Birth: S004, no R002.
    assert_eq!(
        one(&[("Date of Birth", "1980-02-30")], &[seg(&[])]),
        sorted_pairs(&[("Date of Birth", "S004")])
    );
    // An invalid Effective Date: S004, and no R004 although no segment covers any date.
    assert_eq!(
        one(
            &[("Effective Date", "2026-13-01")],
            &[seg(&[("elig_start", "2030-01-01")])]
        ),
        sorted_pairs(&[("Effective Date", "S004")])
    );
    // An unknown CP ID: C001, and no R010/R011.
    assert_eq!(
        one(
            &[("CP ID", "BHCP99")],
            &[seg(&[("cp_id", "BHCP02"), ("cp_start", "2026-01-01")])]
        ),
        sorted_pairs(&[("CP ID", "C001")])
    );
}

#[test]
fn unknown_plan_id_gets_c003_and_no_r005() {
    // SPEC 3.7 "Unknown plan" lists no E007 or C005; the code also silences R005.
    assert_eq!(
        one(
            &[("Plan ID", "NOPE01"), ("Submitter ID", "MASSHEALTH")],
            &[seg(&[])]
        ),
        sorted_pairs(&[("Plan ID", "C003")])
    );
}

#[test]
fn a_plan_id_that_names_no_plan_gets_its_own_finding_alone_whatever_the_evs_facts() {
    // SPEC 3.7: a blank required Plan ID gets S001 only, an unknown one C003 only: no E007
    // (EVS shows no plan, or PCC) and no C005 (an ACO that does not partner the CP: ACPP01
    // does not partner BHCP14), though the EVS facts would give them.
    let far = [("CP ID", "BHCP14"), ("ZIP Code", "01301")];
    for (plan_id, alone) in [("", "S001"), ("NOPE01", "C003")] {
        let row = [("Plan ID", plan_id), ("Submitter ID", "MASSHEALTH")];
        let cases = [
            (row.to_vec(), seg(&[("plan_id", "")])),
            (row.to_vec(), seg(&[("plan_id", "PCC")])),
            ([&row[..], &far[..]].concat(), seg(&[("zip", "01301")])),
        ];
        for (changes, segment) in cases {
            assert_eq!(
                one(&changes, std::slice::from_ref(&segment)),
                sorted_pairs(&[("Plan ID", alone)]),
                "Plan ID {plan_id:?}, EVS {segment:?}"
            );
        }
    }
}

#[test]
fn snapshot_with_bom_and_quoted_header() {
    let quoted: Vec<String> = EVS_COLUMNS.iter().map(|c| format!("\"{c}\"")).collect();
    let mut text = format!("\u{feff}{}\r\n", quoted.join(","));
    for s in format_segments() {
        text += &seg_line(&s, ",");
        text += "\r\n";
    }
    let out = run_bytes(&format_rows(), "evs.csv", text.as_bytes(), &[]);
    assert_format_read(&out);
}

#[test]
fn f006_directory_and_corrupt_gzip() {
    let (run, path, out, _dir) = run_f006(Some(&[0x1F, 0x8B, 0x08, 0x00, 1, 2, 3, 4, 5, 6, 7]));
    assert_f006(&run, &path, &out);
    // The message is cpbatch's own, never the decompressor's text.
    assert!(
        run.stderr.contains("its compressed stream is damaged")
            || run.stderr.contains("the gzip stream is cut off"),
        "{}",
        run.stderr
    );
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("batch.csv");
    write_csv(&batch, &[good_row()]);
    let out = dir.path().join("out");
    let run = validate(&batch, &out, &["--evs", dir.path().to_str().unwrap()]);
    assert_f006(&run, dir.path(), &out);
}

#[test]
fn run_summary_evs_is_that_of_the_snapshot() {
    let m = run_many(
        &[
            ("a.csv", members(&["100000000001"])),
            ("b.csv", members(&["100000000002"])),
        ],
        &segments_for(&["100000000001", "100000000002", "100000000009"]),
    );
    assert_eq!(m.run.status, 0, "{}\n{}", m.run.stdout, m.run.stderr);
    let run = read_json(&m.out.join("run-summary.json"));
    let text = std::fs::read(m.root.join("evs.csv")).unwrap();
    assert_eq!(
        run["evs"]["path"],
        m.root.join("evs.csv").display().to_string()
    );
    assert_eq!(run["evs"]["sha256"], sha256_hex(&text));
    assert_eq!(run["evs"]["segments"], 3);
    assert_eq!(run["evs"]["malformed_lines"], 0);
    assert_eq!(run["totals"]["accepted"], 2);
}

/// Indexed, rows are reconciled chunk by chunk as they are read (8,192 rows a chunk): a member
/// in several chunks, and its malformed lines, must count once, as when scanned.
#[test]
fn rows_reconciled_while_read_match_the_scan_across_row_chunks() {
    const ROWS: usize = 20_000;
    let dir = tempfile::tempdir().unwrap();
    let member = |n: usize| format!("1{:011}", n % 9_000);
    let mut text = evs_header(",") + "\n";
    for n in 0..9_000 {
        let line = if n % 1_000 == 7 {
            format!("{},Rivera,Ana,1980-04-02,2026-13-45", member(n))
        } else {
            seg_line(&seg(&[("member_id", &member(n))]), ",")
        };
        text.push_str(&line);
        text.push('\n');
    }
    let evs = dir.path().join("evs.csv");
    std::fs::write(&evs, &text).unwrap();
    // Members repeat every 9,000 rows: each is in two or three chunks of rows.
    let rows: Vec<_> = (0..ROWS)
        .map(|n| row_with(&[("Member ID", &member(n))]))
        .collect();
    let batch = dir.path().join("batch.csv");
    write_csv(&batch, &rows);
    let mut outs = Vec::new();
    for evs_read in ["scan", "index"] {
        let out = dir.path().join(evs_read);
        let run = validate(
            &batch,
            &out,
            // Only the CSV reports and the summary are compared: no workbooks.
            &[
                "--evs",
                evs.to_str().unwrap(),
                "--evs-read",
                evs_read,
                "--format",
                "csv",
            ],
        );
        assert_eq!(run.status, 1, "{}", run.stderr);
        assert_conserved(&out, ROWS);
        outs.push(out);
    }
    assert_same_reports(&outs[0], &outs[1]);
    let summary = read_json(&outs[1].join("summary.json"));
    assert_eq!(summary["inputs"]["evs"]["segments"], 9_000);
    assert_eq!(summary["inputs"]["evs"]["malformed_lines"], 9);
    // Rows of members 7 and 1007 come three times, the other seven members twice.
    assert_eq!(
        summary["counts"]["by_code"]["R008"],
        2 * 3 + 7 * 2,
        "{summary}"
    );
}
