//! One focused test (or a few) per row-level rule code (SPEC 3.2–3.4, 3.6, 3.7): each asserts
//! the exact code and the column it names, and the skips of SPEC 3.7.
//!
//! The base row is `good_row()`: an adult ACPP01 member joining BHCP01 (BH), ZIP 02118,
//! effective 2026-12-01, submitted by ACPP01; as of 2026-11-23 it is accepted with no finding.
//!
//! Roster facts used below (src/reference/roster):
//! - ACPP01 has no partnership with BHCP14 (serves 013..), BHCP18, LTCP03 or LTCP05;
//!   it partners BHCP02, BHCP15 (serves 02128, 02129, 02149–02152) and LTCP02 (serves 021..).
//! - BHCP01 serves 021.., 022.., 024.., 02445, 02446.
//! - PCC, FFS, ONECARE01/02, SCO01/02 are not ACO/MCO plan types.

use crate::common;
use common::*;

use std::collections::BTreeMap;
use std::path::PathBuf;

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

type Changes<'a> = &'a [(&'static str, &'a str)];

/// The row's findings are exactly `expected` (in report order).
#[track_caller]
fn assert_findings(changes: Changes<'_>, extra: &[&str], expected: &[(&str, &str)]) {
    let got = check_one(changes, extra);
    assert_eq!(got, pairs(expected), "changes {changes:?}");
}

/// The row has no finding at all.
#[track_caller]
fn assert_clean(changes: Changes<'_>, extra: &[&str]) {
    assert_findings(changes, extra, &[]);
}

/// The codes of a row's findings.
fn codes(findings: &[(String, String)]) -> Vec<&str> {
    findings.iter().map(|(_, code)| code.as_str()).collect()
}

/// A finished run: its output directory (kept alive with its temp dir).
struct Out {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl Out {
    fn report(&self, name: &str) -> Vec<BTreeMap<String, String>> {
        report_maps(&self.path.join(name))
    }

    fn accepted(&self) -> Vec<BTreeMap<String, String>> {
        self.report("accepted.csv")
    }

    fn rejected(&self) -> Vec<BTreeMap<String, String>> {
        self.report("rejected.csv")
    }

    /// The source rows of the accepted rows.
    fn accepted_rows(&self) -> Vec<String> {
        self.accepted()
            .into_iter()
            .map(|mut r| r.remove("source_row").unwrap())
            .collect()
    }

    fn findings(&self) -> Vec<(String, String, String)> {
        findings(&self.path)
    }
}

/// Validates a CSV batch of the given rows and keeps its reports.
fn run_csv(rows: &[BTreeMap<&'static str, String>], extra: &[&str]) -> Out {
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("batch.csv");
    write_csv(&batch, rows);
    let path = dir.path().join("out");
    let run = validate(&batch, &path, extra);
    assert!(
        run.status == 0 || run.status == 1,
        "exit {}: {}",
        run.status,
        run.stderr
    );
    assert_conserved(&path, rows.len());
    Out { _dir: dir, path }
}

/// Validates an xlsx batch of one sheet of rows (header included) and keeps its reports.
fn run_xlsx(rows: Vec<Vec<Cell>>, data_rows: usize) -> Out {
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("batch.xlsx");
    write_xlsx(&batch, &[("Batch", rows)]);
    let path = dir.path().join("out");
    let run = validate(&batch, &path, &[]);
    assert!(
        run.status == 0 || run.status == 1,
        "exit {}: {}",
        run.status,
        run.stderr
    );
    assert_conserved(&path, data_rows);
    Out { _dir: dir, path }
}

/// The one-row xlsx sheet of `row_with(changes)` with some cells replaced by typed cells.
fn xlsx_rows(changes: Changes<'_>, cells: Vec<(&str, Cell)>) -> Vec<Vec<Cell>> {
    let mut rows = text_rows(&[row_with(changes)]);
    for (column, cell) in cells {
        let i = HEADERS.iter().position(|h| *h == column).unwrap();
        rows[1][i] = cell;
    }
    rows
}

/// The single accepted row of a one-row run (panics when rejected).
#[track_caller]
fn accepted_one(changes: Changes<'_>, extra: &[&str]) -> BTreeMap<String, String> {
    let out = run_csv(&[row_with(changes)], extra);
    let accepted = out.accepted();
    assert_eq!(accepted.len(), 1, "row rejected: {:?}", out.findings());
    accepted.into_iter().next().unwrap()
}

/// A TRANSFER from BHCP02 to BHCP01 (both ACPP01 partners, both serve 02118).
const TRANSFER: &[(&str, &str)] = &[
    ("Action", "TRANSFER"),
    ("From CP ID", "BHCP02"),
    ("Reason Code", "MEMBER_CHOICE"),
];

/// A DISENROLL from BHCP01.
const DISENROLL: &[(&str, &str)] = &[("Action", "DISENROLL"), ("Reason Code", "DECLINED")];

fn with<'a>(base: Changes<'a>, more: Changes<'a>) -> Vec<(&'static str, &'a str)> {
    base.iter().chain(more).copied().collect()
}

// ---------------------------------------------------------------------------------------
// Baseline
// ---------------------------------------------------------------------------------------

#[test]
fn good_rows_have_no_findings() {
    assert_clean(&[], &[]);
    assert_clean(TRANSFER, &[]);
    assert_clean(DISENROLL, &[]);
}

// ---------------------------------------------------------------------------------------
// S001 — required value blank
// ---------------------------------------------------------------------------------------

#[test]
fn s001_each_always_required_blank_gets_s001_alone() {
    // Blank silences every later check that needs the value: no S002, S003, C00x, A001, E007…
    for column in [
        "Action",
        "Member ID",
        "Last Name",
        "First Name",
        "Date of Birth",
        "CP Program",
        "CP ID",
        "Effective Date",
        "Submitter ID",
    ] {
        assert_findings(&[(column, "")], &[], &[(column, "S001")]);
    }
    // Plan ID, with a submitter whose authorization does not depend on it.
    for submitter in ["MASSHEALTH", "BHCP01"] {
        assert_findings(
            &[("Plan ID", ""), ("Submitter ID", submitter)],
            &[],
            &[("Plan ID", "S001")],
        );
    }
}

#[test]
fn s001_blank_required_plan_id_silences_a001_for_a_plan_submitter() {
    // The required Plan ID is missing (already an error), so whether the submitting plan is
    // the row's plan cannot be judged: A001 must be skipped.
    for dmh in ["NONE", ""] {
        assert_findings(
            &[("Plan ID", ""), ("DMH Affiliation", dmh)],
            &[],
            &[("Plan ID", "S001")],
        );
    }
}

#[test]
fn s001_whitespace_only_is_blank() {
    assert_findings(&[("Member ID", "   ")], &[], &[("Member ID", "S001")]);
    assert_findings(&[("Action", " \t ")], &[], &[("Action", "S001")]);
}

#[test]
fn s001_one_finding_per_blank_column() {
    assert_findings(
        &[("Last Name", ""), ("First Name", ""), ("Submitter ID", "")],
        &[],
        &[
            ("Last Name", "S001"),
            ("First Name", "S001"),
            ("Submitter ID", "S001"),
        ],
    );
}

#[test]
fn s001_required_by_action() {
    // TRANSFER needs From CP ID and Reason Code; DISENROLL needs Reason Code.
    assert_findings(
        &with(TRANSFER, &[("From CP ID", "")]),
        &[],
        &[("From CP ID", "S001")],
    );
    assert_findings(
        &with(TRANSFER, &[("Reason Code", "")]),
        &[],
        &[("Reason Code", "S001")],
    );
    assert_findings(
        &with(DISENROLL, &[("Reason Code", "")]),
        &[],
        &[("Reason Code", "S001")],
    );
    // ENROLL needs neither; From CP ID is not even read on an ENROLL row (3.7).
    assert_clean(&[("Reason Code", "")], &[]);
    assert_clean(&[("From CP ID", "NOSUCHCP")], &[]);
    assert_clean(&with(DISENROLL, &[("From CP ID", "NOSUCHCP")]), &[]);
}

#[test]
fn s001_plan_id_not_required_with_dmh_affiliation() {
    for dmh in ["ACCS", "CBFS", "cbfs"] {
        let row = accepted_one(
            &[
                ("Plan ID", ""),
                ("DMH Affiliation", dmh),
                ("Submitter ID", "MASSHEALTH"),
            ],
            &[],
        );
        assert_eq!(row["eligibility_path"], "DMH");
    }
    // NONE, or blank, does not waive it.
    for dmh in ["NONE", ""] {
        assert_findings(
            &[
                ("Plan ID", ""),
                ("DMH Affiliation", dmh),
                ("Submitter ID", "MASSHEALTH"),
            ],
            &[],
            &[("Plan ID", "S001")],
        );
    }
}

// ---------------------------------------------------------------------------------------
// S002 — unknown action
// ---------------------------------------------------------------------------------------

#[test]
fn s002_unknown_action() {
    for action in ["JOIN", "ENROL", "DELETE"] {
        assert_findings(&[("Action", action)], &[], &[("Action", "S002")]);
    }
}

#[test]
fn s002_action_aliases_and_spelling_are_accepted() {
    for action in ["enroll", " Enroll ", "ENROLLMENT", "add", "En-Roll"] {
        assert_clean(&[("Action", action)], &[]);
    }
    for action in ["TERM", "terminate", "Disenrollment"] {
        assert_clean(&with(DISENROLL, &[("Action", action)]), &[]);
    }
    assert_clean(&with(TRANSFER, &[("Action", "xfer")]), &[]);
}

// ---------------------------------------------------------------------------------------
// S003 — Member ID
// ---------------------------------------------------------------------------------------

#[test]
fn s003_member_id_not_12_digits() {
    // In a CSV every value is text: 11 digits is S003, never W002 (2.1).
    for id in [
        "10000000001",
        "1000000000012",
        "10000000000A",
        "1.00000000001E11",
        "ID100000001",
    ] {
        assert_findings(&[("Member ID", id)], &[], &[("Member ID", "S003")]);
    }
}

#[test]
fn s003_spaces_and_hyphens_are_removed() {
    for id in ["1000-0000-0001", "100 000 000 001", " 100000000001 "] {
        let row = accepted_one(&[("Member ID", id)], &[]);
        assert_eq!(row["member_id"], "100000000001");
        assert_eq!(row["warnings"], "");
    }
}

// ---------------------------------------------------------------------------------------
// S004 — invalid date
// ---------------------------------------------------------------------------------------

#[test]
fn s004_invalid_dates() {
    for (column, value) in [
        ("Date of Birth", "02/30/1980"),  // impossible
        ("Date of Birth", "04/02/80"),    // two-digit year
        ("Date of Birth", "1980-02-30"),  // impossible
        ("Date of Birth", "April 2nd"),   // unreadable
        ("Effective Date", "2026-13-01"), // impossible month
        ("Effective Date", "12/01/26"),   // two-digit year
        ("Effective Date", "soon"),
    ] {
        // An invalid date silences S006, S008 and the age checks.
        assert_findings(&[(column, value)], &[], &[(column, "S004")]);
    }
}

#[test]
fn s004_accepted_text_forms() {
    for dob in [
        "1980-04-02",
        "19800402",
        "04/02/1980",
        "4/2/1980",
        "04-02-1980",
    ] {
        let row = accepted_one(&[("Date of Birth", dob)], &[]);
        assert_eq!(row["date_of_birth"], "1980-04-02", "{dob}");
    }
    for effective in ["12/01/2026", "12/1/2026", "20261201", "12-01-2026"] {
        let row = accepted_one(&[("Effective Date", effective)], &[]);
        assert_eq!(row["effective_date"], "2026-12-01", "{effective}");
    }
}

#[test]
fn s004_error_cell_is_an_invalid_date() {
    let rows = xlsx_rows(&[], vec![("Date of Birth", Cell::Error("#N/A".into()))]);
    let out = run_xlsx(rows, 1);
    let got: Vec<_> = out.findings().into_iter().map(|(_, c, k)| (c, k)).collect();
    assert_eq!(got, pairs(&[("Date of Birth", "S004")]));
}

// ---------------------------------------------------------------------------------------
// S005 — value not in its list
// ---------------------------------------------------------------------------------------

#[test]
fn s005_each_listed_column() {
    // The invalid value silences the checks that need it: no C002 (CP Program), no E004
    // (Coverage Type), no E005/E006/E009 (Y/N), no S009 (Reason Code), no E010 (ZIP), no
    // W005 (never for an invalid value).
    for (column, value) in [
        ("CP Program", "MH"),
        ("Coverage Type", "PREMIUM"),
        ("Medicare", "maybe"),
        ("Other Insurance", "X"),
        ("Nursing Facility", "2"),
        ("DMH Affiliation", "DDS"),
        ("Reason Code", "BORED"),
        ("ZIP Code", "2118"),
        ("ZIP Code", "ABCDE"),
        ("ZIP Code", "021180"),
    ] {
        assert_findings(&[(column, value)], &[], &[(column, "S005")]);
    }
}

#[test]
fn s005_invalid_coverage_gets_no_e004() {
    // Even where a valid value would fail eligibility, an invalid one is S005 alone.
    assert_findings(
        &[("Coverage Type", "LIMITD")],
        &[],
        &[("Coverage Type", "S005")],
    );
}

#[test]
fn s005_invalid_dmh_on_a_non_aco_plan_gets_no_e007() {
    // The DMH value is unknown, so whether the DMH path applies is unknown: E007 is silent.
    assert_findings(
        &[
            ("Plan ID", "PCC"),
            ("DMH Affiliation", "DMH"),
            ("Submitter ID", "MASSHEALTH"),
        ],
        &[],
        &[("DMH Affiliation", "S005")],
    );
}

#[test]
fn s005_code_spellings_and_yes_no_forms_are_accepted() {
    for (column, value) in [
        ("CP Program", "bh"),
        ("CP Program", "BH CP"),
        ("CP Program", "Behavioral Health"),
        ("Coverage Type", "family assistance"),
        ("Coverage Type", "Family-Assistance"),
        ("Coverage Type", "careplus"),
        ("Coverage Type", "CommonHealth"),
        ("Medicare", "no"),
        ("Medicare", "FALSE"),
        ("Medicare", "0"),
        ("Medicare", "n"),
        ("Other Insurance", "No"),
        ("Nursing Facility", "false"),
        ("DMH Affiliation", "none"),
        ("ZIP Code", "02118-1234"),
        ("Reason Code", "assigned"),
    ] {
        assert_clean(&[(column, value)], &[]);
    }
    assert_clean(
        &[
            ("CP Program", "Long Term Services and Supports"),
            ("CP ID", "LTCP02"),
        ],
        &[],
    );
}

// ---------------------------------------------------------------------------------------
// S006 — Date of Birth out of range
// ---------------------------------------------------------------------------------------

#[test]
fn s006_birth_before_1900() {
    // An out-of-range date is invalid: it silences the checks that need it (SPEC 3.7), so
    // no E003 for a member "aged 126".
    assert_findings(
        &[("Date of Birth", "1899-12-31")],
        &[],
        &[("Date of Birth", "S006")],
    );
    let got = check_one(
        &with(
            LTSS,
            &[("Date of Birth", "1899-12-31"), ("DMH Affiliation", "ACCS")],
        ),
        &[],
    );
    assert_eq!(got, pairs(&[("Date of Birth", "S006")]));
}

#[test]
fn s006_birth_after_effective_date() {
    // No age can be computed, so no E001 either.
    assert_findings(
        &[("Date of Birth", "2026-12-02")],
        &[],
        &[("Date of Birth", "S006")],
    );
}

#[test]
fn s006_boundaries_are_allowed() {
    let got = check_one(&[("Date of Birth", "1900-01-01")], &[]);
    assert!(!codes(&got).contains(&"S006"), "{got:?}");
    // Born on the Effective Date: age 0, an E001 matter, not S006.
    let got = check_one(
        &[
            ("Date of Birth", "2026-12-01"),
            ("CP Program", "LTSS"),
            ("CP ID", "LTCP02"),
        ],
        &[],
    );
    assert_eq!(got, pairs(&[("Date of Birth", "E001")]));
}

// ---------------------------------------------------------------------------------------
// S007 — invalid name
// ---------------------------------------------------------------------------------------

#[test]
fn s007_invalid_names() {
    let long = "A".repeat(51);
    for (column, value) in [
        ("Last Name", long.as_str()),
        ("Last Name", "R2D2"),
        ("Last Name", "Rivera_Lopez"),
        ("First Name", "Ana@"),
        ("First Name", "Ana (Annie)"),
    ] {
        assert_findings(&[(column, value)], &[], &[(column, "S007")]);
    }
}

#[test]
fn s007_valid_names() {
    let fifty = "A".repeat(50);
    for (column, value) in [
        ("Last Name", fifty.as_str()),
        ("Last Name", "O'Brien-Smith Jr."),
        ("Last Name", "Nguyễn"),
        ("Last Name", "李"),
        ("First Name", "Zoë"),
        ("First Name", "Mary  Ann"),
    ] {
        assert_clean(&[(column, value)], &[]);
    }
}

// ---------------------------------------------------------------------------------------
// S008 — Effective Date out of window (as of 2026-11-23)
// ---------------------------------------------------------------------------------------

#[test]
fn s008_effective_date_window() {
    // 60 days back is 2026-09-24; 90 days ahead is 2027-02-21.
    for effective in ["2026-09-23", "2027-02-22", "2020-01-01"] {
        assert_findings(
            &[("Effective Date", effective)],
            &[],
            &[("Effective Date", "S008")],
        );
    }
    for effective in ["2026-09-24", "2026-11-23", "2027-02-21"] {
        assert_clean(&[("Effective Date", effective)], &[]);
    }
}

#[test]
fn s008_window_follows_the_options() {
    let effective = [("Effective Date", "2026-11-12")]; // 11 days back
    assert_findings(
        &effective,
        &["--max-retro-days", "10"],
        &[("Effective Date", "S008")],
    );
    assert_clean(&effective, &["--max-retro-days", "11"]);
    let effective = [("Effective Date", "2026-12-04")]; // 11 days ahead
    assert_findings(
        &effective,
        &["--max-future-days", "10"],
        &[("Effective Date", "S008")],
    );
    assert_clean(&effective, &["--max-future-days", "11"]);
}

// ---------------------------------------------------------------------------------------
// S009 — Reason Code not allowed for the Action
// ---------------------------------------------------------------------------------------

#[test]
fn s009_reason_not_allowed_for_action() {
    assert_findings(&[("Reason Code", "MOVED")], &[], &[("Reason Code", "S009")]);
    assert_findings(
        &[("Reason Code", "MEMBER_CHOICE")],
        &[],
        &[("Reason Code", "S009")],
    );
    assert_findings(
        &with(DISENROLL, &[("Reason Code", "REFERRAL")]),
        &[],
        &[("Reason Code", "S009")],
    );
    assert_findings(
        &with(TRANSFER, &[("Reason Code", "DECEASED")]),
        &[],
        &[("Reason Code", "S009")],
    );
}

#[test]
fn s009_allowed_reasons_pass() {
    for reason in ["ASSIGNED", "REFERRAL"] {
        assert_clean(&[("Reason Code", reason)], &[]);
    }
    for reason in [
        "DECLINED",
        "UNREACHABLE",
        "INELIGIBLE",
        "MOVED",
        "DECEASED",
        "GOALS_MET",
        "OTHER",
    ] {
        assert_clean(&with(DISENROLL, &[("Reason Code", reason)]), &[]);
    }
    for reason in [
        "MEMBER_CHOICE",
        "MOVED",
        "PLAN_CHANGE",
        "CP_CAPACITY",
        "OTHER",
    ] {
        assert_clean(&with(TRANSFER, &[("Reason Code", reason)]), &[]);
    }
}

// ---------------------------------------------------------------------------------------
// W002 — numeric Member ID padded (xlsx only)
// ---------------------------------------------------------------------------------------

#[test]
fn w002_numeric_short_member_id_is_padded_and_warned() {
    let rows = xlsx_rows(&[], vec![("Member ID", Cell::Number(10_000_000_001.0))]);
    let out = run_xlsx(rows, 1);
    let got: Vec<_> = out.findings().into_iter().map(|(_, c, k)| (c, k)).collect();
    assert_eq!(got, pairs(&[("Member ID", "W002")]));
    let accepted = out.accepted();
    assert_eq!(accepted.len(), 1, "a warning never rejects");
    assert_eq!(accepted[0]["member_id"], "010000000001");
    assert_eq!(accepted[0]["warnings"], "W002");
}

#[test]
fn w002_not_for_a_numeric_12_digit_member_id() {
    let rows = xlsx_rows(&[], vec![("Member ID", Cell::Number(100_000_000_001.0))]);
    let out = run_xlsx(rows, 1);
    assert_eq!(out.findings(), vec![]);
    let accepted = out.accepted();
    assert_eq!(accepted[0]["member_id"], "100000000001");
    assert_eq!(accepted[0]["warnings"], "");
}

#[test]
fn s003_numeric_member_id_with_a_fraction() {
    let rows = xlsx_rows(&[], vec![("Member ID", Cell::Number(10_000_000_000.5))]);
    let out = run_xlsx(rows, 1);
    let got: Vec<_> = out.findings().into_iter().map(|(_, c, k)| (c, k)).collect();
    assert_eq!(got, pairs(&[("Member ID", "S003")]));
}

#[test]
fn w002_and_w005_together_in_accepted_warnings() {
    let rows = xlsx_rows(
        &[("Coverage Type", "")],
        vec![
            ("Member ID", Cell::Number(123_456_789.0)),
            ("Date of Birth", Cell::Date(1980, 4, 2)),
            ("Effective Date", Cell::Date(2026, 12, 1)),
        ],
    );
    let out = run_xlsx(rows, 1);
    let accepted = out.accepted();
    assert_eq!(accepted.len(), 1, "{:?}", out.findings());
    assert_eq!(accepted[0]["member_id"], "000123456789");
    assert_eq!(accepted[0]["date_of_birth"], "1980-04-02");
    let mut warnings: Vec<&str> = accepted[0]["warnings"].split(';').collect();
    warnings.sort();
    assert_eq!(warnings, ["W002", "W005"]);
}

// ---------------------------------------------------------------------------------------
// C001 — unknown CP
// ---------------------------------------------------------------------------------------

#[test]
fn c001_unknown_cp_id_silences_c002_c005_e010() {
    // With an LTSS program and an out-of-area ZIP, a known CP would also get C002/E010.
    assert_findings(
        &[
            ("CP ID", "BHCP99"),
            ("CP Program", "LTSS"),
            ("ZIP Code", "01001"),
        ],
        &[],
        &[("CP ID", "C001")],
    );
}

#[test]
fn c001_unknown_cp_id_with_a_cp_submitter_gets_no_a001() {
    assert_findings(
        &[("CP ID", "NOPE01"), ("Submitter ID", "BHCP01")],
        &[],
        &[("CP ID", "C001")],
    );
}

#[test]
fn c001_unknown_from_cp_id_names_from_cp_id() {
    assert_findings(
        &with(TRANSFER, &[("From CP ID", "BHCP99")]),
        &[],
        &[("From CP ID", "C001")],
    );
}

#[test]
fn c001_ids_match_ignoring_case() {
    let row = accepted_one(
        &[
            ("CP ID", "bhcp01"),
            ("Plan ID", "acpp01"),
            ("Submitter ID", "Acpp01"),
        ],
        &[],
    );
    assert_eq!(row["cp_id"], "BHCP01");
    assert_eq!(row["plan_id"], "ACPP01");
    assert_eq!(row["submitter_id"], "ACPP01");
}

// ---------------------------------------------------------------------------------------
// C002 — CP program mismatch
// ---------------------------------------------------------------------------------------

#[test]
fn c002_cp_not_of_the_row_program() {
    assert_findings(&[("CP Program", "LTSS")], &[], &[("CP Program", "C002")]);
    assert_findings(
        &[("CP ID", "LTCP02"), ("CP Program", "BH")],
        &[],
        &[("CP Program", "C002")],
    );
}

#[test]
fn eligibility_is_for_the_program_of_cp_id_not_of_the_cp_program_column() {
    // SPEC 3.4: "eligible ... for the program of CP ID". A member of 11 may join an LTSS CP
    // but not a BH one (E002), whatever CP Program says (C002 says they disagree).
    let child = ("Date of Birth", "2015-01-01");
    assert_findings(
        &[child, ("CP ID", "LTCP02"), ("CP Program", "BH")],
        &[],
        &[("CP Program", "C002")],
    );
    assert_findings(
        &[child, ("CP Program", "LTSS")],
        &[],
        &[("Date of Birth", "E002"), ("CP Program", "C002")],
    );
    // An unknown CP has no program: nothing that needs one is judged (SPEC 3.7).
    assert_findings(&[child, ("CP ID", "BHCP99")], &[], &[("CP ID", "C001")]);
}

// ---------------------------------------------------------------------------------------
// C003 — unknown plan
// ---------------------------------------------------------------------------------------

#[test]
fn c003_unknown_plan_silences_e007_and_c005() {
    for submitter in ["MASSHEALTH", "ACPP01"] {
        assert_findings(
            &[("Plan ID", "ACPP99"), ("Submitter ID", submitter)],
            &[],
            &[("Plan ID", "C003")],
        );
    }
    // Even with a CP the known plans may not partner and no DMH affiliation.
    assert_findings(
        &[
            ("Plan ID", "NOPLAN"),
            ("CP ID", "BHCP14"),
            ("ZIP Code", "01301"),
            ("Submitter ID", "MASSHEALTH"),
        ],
        &[],
        &[("Plan ID", "C003")],
    );
}

#[test]
fn c003_unknown_plan_on_a_dmh_row() {
    assert_findings(
        &[
            ("Plan ID", "ACPP99"),
            ("DMH Affiliation", "ACCS"),
            ("Submitter ID", "MASSHEALTH"),
        ],
        &[],
        &[("Plan ID", "C003")],
    );
}

// ---------------------------------------------------------------------------------------
// C004 — transfer to the same CP
// ---------------------------------------------------------------------------------------

#[test]
fn c004_transfer_to_the_same_cp() {
    for from in ["BHCP01", "bhcp01"] {
        assert_findings(
            &with(TRANSFER, &[("From CP ID", from)]),
            &[],
            &[("From CP ID", "C004")],
        );
    }
}

// ---------------------------------------------------------------------------------------
// C005 — no partnership
// ---------------------------------------------------------------------------------------

#[test]
fn c005_aco_mco_without_partnership() {
    // ACPP01 does not partner BHCP14 (which serves 013..).
    let no_partner = [("CP ID", "BHCP14"), ("ZIP Code", "01301")];
    assert_findings(&no_partner, &[], &[("CP ID", "C005")]);
    assert_findings(&with(TRANSFER, &no_partner), &[], &[("CP ID", "C005")]);
    // LTSS too: ACPP01 does not partner LTCP05 (which serves 021..).
    assert_findings(
        &[("CP ID", "LTCP05"), ("CP Program", "LTSS")],
        &[],
        &[("CP ID", "C005")],
    );
    // Whatever the path: a DMH-affiliated member of an ACO still needs a partner CP.
    assert_findings(
        &with(&no_partner, &[("DMH Affiliation", "ACCS")]),
        &[],
        &[("CP ID", "C005")],
    );
}

#[test]
fn c005_not_for_disenroll_or_non_aco_plans() {
    let no_partner = [("CP ID", "BHCP14"), ("ZIP Code", "01301")];
    assert_clean(&with(DISENROLL, &no_partner), &[]);
    // PCC is not an ACO/MCO: partnerships do not apply (the DMH path admits the member).
    assert_clean(
        &with(
            &no_partner,
            &[
                ("Plan ID", "PCC"),
                ("DMH Affiliation", "CBFS"),
                ("Submitter ID", "MASSHEALTH"),
            ],
        ),
        &[],
    );
    // A partner of this plan that is not ACPP01's: MCO01 partners BHCP14.
    assert_clean(
        &with(
            &no_partner,
            &[("Plan ID", "MCO01"), ("Submitter ID", "MCO01")],
        ),
        &[],
    );
}

// ---------------------------------------------------------------------------------------
// C006 — unknown submitter; A001 — not authorized
// ---------------------------------------------------------------------------------------

#[test]
fn c006_unknown_submitter_gets_no_a001() {
    for submitter in ["NOBODY", "ACPP99", "MASS HEALTH INC"] {
        assert_findings(
            &[("Submitter ID", submitter)],
            &[],
            &[("Submitter ID", "C006")],
        );
    }
}

#[test]
fn a001_cp_submitter_must_be_cp_id_or_from_cp_id() {
    assert_findings(
        &[("Submitter ID", "BHCP02")],
        &[],
        &[("Submitter ID", "A001")],
    );
    assert_findings(
        &with(DISENROLL, &[("Submitter ID", "LTCP02")]),
        &[],
        &[("Submitter ID", "A001")],
    );
    // A TRANSFER third party: neither the receiving nor the sending CP.
    assert_findings(
        &with(TRANSFER, &[("Submitter ID", "BHCP03")]),
        &[],
        &[("Submitter ID", "A001")],
    );
    // On an ENROLL row From CP ID is ignored: naming the submitter there does not help.
    assert_findings(
        &[("From CP ID", "BHCP02"), ("Submitter ID", "BHCP02")],
        &[],
        &[("Submitter ID", "A001")],
    );
}

#[test]
fn a001_cp_submitter_allowed_as_cp_id_or_from_cp_id() {
    assert_clean(&[("Submitter ID", "BHCP01")], &[]);
    assert_clean(&[("Submitter ID", "bhcp01")], &[]);
    assert_clean(&with(DISENROLL, &[("Submitter ID", "BHCP01")]), &[]);
    assert_clean(&with(TRANSFER, &[("Submitter ID", "BHCP01")]), &[]);
    assert_clean(&with(TRANSFER, &[("Submitter ID", "BHCP02")]), &[]);
}

#[test]
fn a001_plan_submitter_must_be_the_row_plan() {
    assert_findings(
        &[("Submitter ID", "ACPP02")],
        &[],
        &[("Submitter ID", "A001")],
    );
    assert_findings(
        &with(DISENROLL, &[("Submitter ID", "MCO01")]),
        &[],
        &[("Submitter ID", "A001")],
    );
    // A DMH row with no Plan ID: its Plan ID is not the submitting plan.
    assert_findings(
        &[("Plan ID", ""), ("DMH Affiliation", "ACCS")],
        &[],
        &[("Submitter ID", "A001")],
    );
}

#[test]
fn a001_masshealth_may_submit_any_row() {
    for submitter in ["MASSHEALTH", "masshealth"] {
        assert_clean(&[("Submitter ID", submitter)], &[]);
        assert_clean(&with(TRANSFER, &[("Submitter ID", submitter)]), &[]);
        let row = accepted_one(&with(DISENROLL, &[("Submitter ID", submitter)]), &[]);
        assert_eq!(row["submitter_id"], "MASSHEALTH");
    }
}

// ---------------------------------------------------------------------------------------
// E001–E003 — age (effective 2026-12-01)
// ---------------------------------------------------------------------------------------

const LTSS: &[(&str, &str)] = &[("CP Program", "LTSS"), ("CP ID", "LTCP02")];

#[test]
fn e001_under_3_on_the_aco_mco_path() {
    assert_findings(
        &with(LTSS, &[("Date of Birth", "2024-06-01")]),
        &[],
        &[("Date of Birth", "E001")],
    );
    // BH: under 3 is E001 alone, not also E002.
    assert_findings(
        &[("Date of Birth", "2024-06-01")],
        &[],
        &[("Date of Birth", "E001")],
    );
    // Age 3 on the Effective Date is enough for LTSS.
    assert_clean(&with(LTSS, &[("Date of Birth", "2023-12-01")]), &[]);
    assert_findings(
        &with(LTSS, &[("Date of Birth", "2023-12-02")]),
        &[],
        &[("Date of Birth", "E001")],
    );
}

#[test]
fn e002_bh_under_18_on_the_aco_mco_path() {
    assert_findings(
        &[("Date of Birth", "2008-12-02")],
        &[],
        &[("Date of Birth", "E002")],
    );
    assert_findings(
        &[("Date of Birth", "2023-12-01")],
        &[],
        &[("Date of Birth", "E002")],
    );
    assert_clean(&[("Date of Birth", "2008-12-01")], &[]);
    // LTSS takes members from age 3.
    assert_clean(&with(LTSS, &[("Date of Birth", "2008-12-02")]), &[]);
}

#[test]
fn e002_under_18_on_the_dmh_path() {
    let dmh = [
        ("Plan ID", "PCC"),
        ("DMH Affiliation", "ACCS"),
        ("Submitter ID", "MASSHEALTH"),
    ];
    assert_findings(
        &with(&dmh, &[("Date of Birth", "2008-12-02")]),
        &[],
        &[("Date of Birth", "E002")],
    );
    // On the DMH path the age floor is 18 for LTSS too.
    assert_findings(
        &with(&with(&dmh, LTSS), &[("Date of Birth", "2008-12-02")]),
        &[],
        &[("Date of Birth", "E002")],
    );
    assert_clean(&with(&dmh, &[("Date of Birth", "2008-12-01")]), &[]);
}

#[test]
fn e003_65_or_older_on_the_aco_mco_path() {
    assert_findings(
        &[("Date of Birth", "1961-12-01")],
        &[],
        &[("Date of Birth", "E003")],
    );
    assert_findings(
        &with(LTSS, &[("Date of Birth", "1930-01-01")]),
        &[],
        &[("Date of Birth", "E003")],
    );
    assert_clean(&[("Date of Birth", "1961-12-02")], &[]);
}

#[test]
fn e003_age_ceiling_does_not_apply_on_the_dmh_path() {
    let row = accepted_one(
        &[("Date of Birth", "1950-01-01"), ("DMH Affiliation", "CBFS")],
        &[],
    );
    assert_eq!(row["eligibility_path"], "DMH");
}

#[test]
fn feb_29_birthdays_age_on_march_1() {
    // Born 2024-02-29: 3 on 2027-03-01, still 2 on 2027-02-28 (2027 is not a leap year).
    let far = ["--max-future-days", "120"];
    assert_findings(
        &with(
            LTSS,
            &[
                ("Date of Birth", "2024-02-29"),
                ("Effective Date", "2027-02-28"),
            ],
        ),
        &far,
        &[("Date of Birth", "E001")],
    );
    assert_clean(
        &with(
            LTSS,
            &[
                ("Date of Birth", "2024-02-29"),
                ("Effective Date", "2027-03-01"),
            ],
        ),
        &far,
    );
    // Born 2008-02-29: 18 on 2026-03-01, still 17 on 2026-02-28 (BH, and the DMH path).
    let back = ["--max-retro-days", "400"];
    for dmh in [
        &[][..],
        &[
            ("Plan ID", "PCC"),
            ("DMH Affiliation", "ACCS"),
            ("Submitter ID", "MASSHEALTH"),
        ][..],
    ] {
        assert_findings(
            &with(
                dmh,
                &[
                    ("Date of Birth", "2008-02-29"),
                    ("Effective Date", "2026-02-28"),
                ],
            ),
            &back,
            &[("Date of Birth", "E002")],
        );
        assert_clean(
            &with(
                dmh,
                &[
                    ("Date of Birth", "2008-02-29"),
                    ("Effective Date", "2026-03-01"),
                ],
            ),
            &back,
        );
    }
}

// ---------------------------------------------------------------------------------------
// E004–E006, E009 — ACO/MCO path facts
// ---------------------------------------------------------------------------------------

#[test]
fn e004_coverage_not_managed_care_eligible() {
    for coverage in ["LIMITED", "SENIOR_BUY_IN", "OTHER", "senior buy in"] {
        assert_findings(
            &[("Coverage Type", coverage)],
            &[],
            &[("Coverage Type", "E004")],
        );
    }
    for coverage in ["STANDARD", "COMMONHEALTH", "CAREPLUS", "FAMILY_ASSISTANCE"] {
        assert_clean(&[("Coverage Type", coverage)], &[]);
    }
}

#[test]
fn e005_e006_e009_flags() {
    for (column, code) in [
        ("Medicare", "E005"),
        ("Other Insurance", "E006"),
        ("Nursing Facility", "E009"),
    ] {
        for yes in ["Y", "yes", "TRUE", "1"] {
            assert_findings(&[(column, yes)], &[], &[(column, code)]);
        }
    }
}

#[test]
fn every_failure_of_the_reported_path_is_reported_in_column_order() {
    assert_findings(
        &[
            ("Date of Birth", "1950-01-01"),
            ("Coverage Type", "LIMITED"),
            ("Medicare", "Y"),
            ("Other Insurance", "Y"),
            ("Nursing Facility", "Y"),
        ],
        &[],
        &[
            ("Date of Birth", "E003"),
            ("Coverage Type", "E004"),
            ("Medicare", "E005"),
            ("Other Insurance", "E006"),
            ("Nursing Facility", "E009"),
        ],
    );
}

// ---------------------------------------------------------------------------------------
// E007 — no ACO/MCO and no DMH affiliation
// ---------------------------------------------------------------------------------------

#[test]
fn e007_non_aco_plan_without_dmh() {
    for plan in ["PCC", "FFS", "SCO01", "ONECARE01", "onecare02"] {
        for dmh in ["NONE", ""] {
            assert_findings(
                &[
                    ("Plan ID", plan),
                    ("DMH Affiliation", dmh),
                    ("Submitter ID", "MASSHEALTH"),
                ],
                &[],
                &[("Plan ID", "E007")],
            );
        }
    }
}

#[test]
fn e007_alone_when_neither_path_applies() {
    // Age, coverage and flags that would fail the ACO/MCO path are not reported, and
    // blank facts give no W005.
    assert_findings(
        &[
            ("Plan ID", "PCC"),
            ("Submitter ID", "MASSHEALTH"),
            ("Date of Birth", "2024-06-01"),
            ("Coverage Type", "LIMITED"),
            ("Medicare", "Y"),
            ("Other Insurance", ""),
            ("Nursing Facility", ""),
        ],
        &[],
        &[("Plan ID", "E007")],
    );
    assert_findings(
        &[
            ("Plan ID", "SCO01"),
            ("Submitter ID", "SCO01"),
            ("Coverage Type", ""),
            ("Medicare", ""),
        ],
        &[],
        &[("Plan ID", "E007")],
    );
}

// ---------------------------------------------------------------------------------------
// E008 — One Care on the DMH path
// ---------------------------------------------------------------------------------------

#[test]
fn e008_one_care_on_the_dmh_path() {
    for dmh in ["ACCS", "CBFS"] {
        assert_findings(
            &[
                ("Plan ID", "ONECARE01"),
                ("DMH Affiliation", dmh),
                ("Submitter ID", "MASSHEALTH"),
            ],
            &[],
            &[("Plan ID", "E008")],
        );
    }
    // SCO, PCC and FFS members may take the DMH path.
    for plan in ["SCO01", "PCC", "FFS"] {
        let row = accepted_one(
            &[
                ("Plan ID", plan),
                ("DMH Affiliation", "ACCS"),
                ("Submitter ID", "MASSHEALTH"),
            ],
            &[],
        );
        assert_eq!(row["eligibility_path"], "DMH");
    }
}

// ---------------------------------------------------------------------------------------
// Path reporting (3.4) and eligibility_path (3.7)
// ---------------------------------------------------------------------------------------

#[test]
fn aco_mco_path_is_reported_when_both_paths_fail_and_the_plan_is_aco_mco() {
    // ACO/MCO path fails on age (BH 17) and Medicare; the DMH path fails on age alone.
    // The ACO/MCO path's findings are the ones reported.
    assert_findings(
        &[
            ("Date of Birth", "2008-12-02"),
            ("Medicare", "Y"),
            ("DMH Affiliation", "ACCS"),
        ],
        &[],
        &[("Date of Birth", "E002"), ("Medicare", "E005")],
    );
}

#[test]
fn dmh_path_is_reported_when_the_plan_is_not_aco_mco() {
    // One Care, ACCS, age 17 with Medicare: the DMH path's E002 and E008, nothing of the
    // ACO/MCO path (no E005).
    assert_findings(
        &[
            ("Plan ID", "ONECARE01"),
            ("DMH Affiliation", "ACCS"),
            ("Submitter ID", "MASSHEALTH"),
            ("Date of Birth", "2008-12-02"),
            ("Medicare", "Y"),
        ],
        &[],
        &[("Date of Birth", "E002"), ("Plan ID", "E008")],
    );
}

#[test]
fn a_passing_dmh_path_accepts_a_failing_aco_member() {
    let row = accepted_one(
        &[
            ("DMH Affiliation", "ACCS"),
            ("Medicare", "Y"),
            ("Coverage Type", "LIMITED"),
            ("Nursing Facility", "Y"),
        ],
        &[],
    );
    assert_eq!(row["eligibility_path"], "DMH");
    assert_eq!(row["warnings"], "");
}

#[test]
fn eligibility_path_column() {
    // Both paths pass: ACO_MCO.
    assert_eq!(
        accepted_one(&[("DMH Affiliation", "ACCS")], &[])["eligibility_path"],
        "ACO_MCO"
    );
    assert_eq!(accepted_one(&[], &[])["eligibility_path"], "ACO_MCO");
    assert_eq!(accepted_one(TRANSFER, &[])["eligibility_path"], "ACO_MCO");
    assert_eq!(
        accepted_one(
            &[
                ("Plan ID", "PCC"),
                ("DMH Affiliation", "CBFS"),
                ("Submitter ID", "MASSHEALTH")
            ],
            &[]
        )["eligibility_path"],
        "DMH"
    );
    // DISENROLL needs no eligibility: blank path, and no E code even for an ineligible member.
    let row = accepted_one(
        &with(
            DISENROLL,
            &[
                ("Plan ID", "PCC"),
                ("Submitter ID", "MASSHEALTH"),
                ("Medicare", "Y"),
                ("Date of Birth", "1930-01-01"),
            ],
        ),
        &[],
    );
    assert_eq!(row["eligibility_path"], "");
}

// ---------------------------------------------------------------------------------------
// E010 — outside the CP's service area
// ---------------------------------------------------------------------------------------

#[test]
fn e010_zip_outside_the_service_area() {
    for zip in ["01001", "02301", "01001-1234"] {
        assert_findings(&[("ZIP Code", zip)], &[], &[("ZIP Code", "E010")]);
    }
    // BHCP15 serves 02128 exactly, not the rest of 021...
    assert_findings(
        &[("CP ID", "BHCP15"), ("ZIP Code", "02127")],
        &[],
        &[("ZIP Code", "E010")],
    );
    assert_clean(&[("CP ID", "BHCP15"), ("ZIP Code", "02128")], &[]);
    // Prefix and exact-ZIP entries both serve.
    for zip in ["02201", "02445", "02446", "02459"] {
        assert_clean(&[("ZIP Code", zip)], &[]);
    }
    // No ZIP: nothing to check.
    assert_clean(&[("ZIP Code", "")], &[]);
}

#[test]
fn e010_on_transfer_and_on_every_path_but_not_disenroll() {
    assert_findings(
        &with(TRANSFER, &[("ZIP Code", "01001")]),
        &[],
        &[("ZIP Code", "E010")],
    );
    assert_findings(
        &[
            ("Plan ID", "PCC"),
            ("DMH Affiliation", "ACCS"),
            ("Submitter ID", "MASSHEALTH"),
            ("ZIP Code", "01001"),
        ],
        &[],
        &[("ZIP Code", "E010")],
    );
    // Also alongside a failed path (checked "whichever path").
    assert_findings(
        &[
            ("Plan ID", "PCC"),
            ("Submitter ID", "MASSHEALTH"),
            ("ZIP Code", "01001"),
        ],
        &[],
        &[("Plan ID", "E007"), ("ZIP Code", "E010")],
    );
    assert_clean(&with(DISENROLL, &[("ZIP Code", "01001")]), &[]);
}

// ---------------------------------------------------------------------------------------
// W005 — eligibility not fully verified
// ---------------------------------------------------------------------------------------

#[test]
fn w005_blank_fact_on_the_aco_mco_path() {
    for column in [
        "Coverage Type",
        "Medicare",
        "Other Insurance",
        "Nursing Facility",
    ] {
        let got = check_one(&[(column, "")], &[]);
        // W005 names no column.
        assert_eq!(got, pairs(&[("", "W005")]), "blank {column}");
        let row = accepted_one(&[(column, "")], &[]);
        assert_eq!(row["warnings"], "W005");
        assert_eq!(row["eligibility_path"], "ACO_MCO");
    }
}

#[test]
fn w005_once_per_row() {
    let all_blank = [
        ("Coverage Type", ""),
        ("Medicare", ""),
        ("Other Insurance", ""),
        ("Nursing Facility", ""),
    ];
    assert_findings(&all_blank, &[], &[("", "W005")]);
    assert_eq!(accepted_one(&all_blank, &[])["warnings"], "W005");
}

#[test]
fn w005_when_both_paths_pass() {
    // The passing path is ACO/MCO (3.7), so its blank fact is warned.
    let row = accepted_one(&[("DMH Affiliation", "ACCS"), ("Medicare", "")], &[]);
    assert_eq!(row["eligibility_path"], "ACO_MCO");
    assert_eq!(row["warnings"], "W005");
}

#[test]
fn w005_on_a_reported_aco_mco_path() {
    let got = check_one(&[("Date of Birth", "1950-01-01"), ("Medicare", "")], &[]);
    assert_eq!(codes(&got), ["E003", "W005"]);
    assert_eq!(got[1], (String::new(), "W005".to_string()));
}

#[test]
fn w005_never_on_the_dmh_path() {
    let blanks = [
        ("Coverage Type", ""),
        ("Medicare", ""),
        ("Other Insurance", ""),
        ("Nursing Facility", ""),
    ];
    // Passing DMH path (PCC member).
    let pcc = with(
        &blanks,
        &[
            ("Plan ID", "PCC"),
            ("DMH Affiliation", "ACCS"),
            ("Submitter ID", "MASSHEALTH"),
        ],
    );
    assert_clean(&pcc, &[]);
    assert_eq!(accepted_one(&pcc, &[])["warnings"], "");
    // Passing DMH path after the ACO/MCO path failed (age 70).
    let aco = with(
        &blanks,
        &[("DMH Affiliation", "CBFS"), ("Date of Birth", "1950-01-01")],
    );
    let row = accepted_one(&aco, &[]);
    assert_eq!(row["eligibility_path"], "DMH");
    assert_eq!(row["warnings"], "");
    // Reported (failing) DMH path.
    assert_findings(
        &with(
            &blanks,
            &[
                ("Plan ID", "ONECARE01"),
                ("DMH Affiliation", "ACCS"),
                ("Submitter ID", "MASSHEALTH"),
            ],
        ),
        &[],
        &[("Plan ID", "E008")],
    );
}

#[test]
fn w005_never_for_an_invalid_value_or_on_disenroll() {
    assert_findings(&[("Medicare", "?")], &[], &[("Medicare", "S005")]);
    assert_clean(
        &with(DISENROLL, &[("Coverage Type", ""), ("Medicare", "")]),
        &[],
    );
}

// ---------------------------------------------------------------------------------------
// B001 / B002 — within the batch
// ---------------------------------------------------------------------------------------

fn rows_with(changes: &[Changes<'_>]) -> Vec<BTreeMap<&'static str, String>> {
    changes.iter().map(|c| row_with(c)).collect()
}

fn triples(expected: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    expected
        .iter()
        .map(|(r, c, k)| (r.to_string(), c.to_string(), k.to_string()))
        .collect()
}

#[test]
fn b001_duplicate_row() {
    // Same member (normalised), action, CP ID and effective date; other values may differ.
    let rows = rows_with(&[
        &[],
        &[
            ("Member ID", "1000-0000-0001"),
            ("Last Name", "Rivera Diaz"),
        ],
        &[
            ("Action", "enrollment"),
            ("CP ID", "bhcp01"),
            ("Effective Date", "12/01/2026"),
        ],
    ]);
    let out = run_csv(&rows, &[]);
    assert_eq!(
        out.findings(),
        triples(&[("3", "Member ID", "B001"), ("4", "Member ID", "B001")])
    );
    // The earlier row is judged on its own.
    assert_eq!(out.accepted_rows(), ["2"]);
    for row in out.rejected() {
        assert_eq!(row["error_codes"], "B001");
    }
}

#[test]
fn b002_conflicting_rows_for_one_member() {
    let rows = rows_with(&[
        &[],                                 // row 2: first of its kind
        &[("Effective Date", "2026-12-15")], // row 3: another kind (date)
        &[],                                 // row 4: duplicate of row 2
        &[("Member ID", "100000000002")],    // row 5: another member
        &[("CP ID", "BHCP02")],              // row 6: another kind (CP)
        DISENROLL,                           // row 7: another kind (action)
    ]);
    let out = run_csv(&rows, &[]);
    assert_eq!(
        out.findings(),
        triples(&[
            ("2", "Member ID", "B002"),
            ("3", "Member ID", "B002"),
            ("4", "Member ID", "B001"),
            ("6", "Member ID", "B002"),
            ("7", "Member ID", "B002"),
        ])
    );
    assert_eq!(out.accepted_rows(), ["5"]);
}

#[test]
fn b001_b002_skip_invalid_member_ids() {
    let rows = rows_with(&[
        &[("Member ID", "12345")],
        &[("Member ID", "12345")],
        &[("Member ID", "12345"), ("Effective Date", "2026-12-15")],
        &[("Member ID", "")],
        &[("Member ID", "")],
    ]);
    let out = run_csv(&rows, &[]);
    let codes: Vec<String> = out.findings().into_iter().map(|(_, _, c)| c).collect();
    assert_eq!(codes, ["S003", "S003", "S003", "S001", "S001"]);
}

#[test]
fn b001_rows_with_errors_still_count() {
    // A row rejected for another reason is still the earlier row of a duplicate.
    let rows = rows_with(&[&[("Medicare", "Y")], &[]]);
    let out = run_csv(&rows, &[]);
    assert_eq!(
        out.findings(),
        triples(&[("2", "Medicare", "E005"), ("3", "Member ID", "B001")])
    );
}

// ---------------------------------------------------------------------------------------
// Reports: rejected.csv error_codes, accepted.csv warnings
// ---------------------------------------------------------------------------------------

#[test]
fn rejected_csv_lists_error_codes_and_messages() {
    let rows = rows_with(&[
        &[
            ("Coverage Type", "LIMITED"),
            ("Medicare", "Y"),
            ("Submitter ID", "BHCP02"),
        ],
        &[("Member ID", "100000000002")],
        // W005 is a warning: not among the error codes of a rejected row.
        &[
            ("Member ID", "100000000003"),
            ("Date of Birth", "1950-01-01"),
            ("Nursing Facility", ""),
        ],
    ]);
    let out = run_csv(&rows, &[]);
    let rejected = out.rejected();
    assert_eq!(rejected.len(), 2);
    assert_eq!(rejected[0]["source_row"], "2");
    assert_eq!(rejected[0]["error_codes"], "E004;E005;A001");
    assert_eq!(rejected[0]["errors"].split(" | ").count(), 3);
    // Original values carried through under their original headers.
    assert_eq!(rejected[0]["Coverage Type"], "LIMITED");
    assert_eq!(rejected[0]["Member ID"], "100000000001");
    assert_eq!(rejected[1]["source_row"], "4");
    assert_eq!(rejected[1]["error_codes"], "E003");
    assert!(!rejected[1]["errors"].contains(" | "));
    // Both the error and the warning are in findings.csv.
    let row4: Vec<_> = out
        .findings()
        .into_iter()
        .filter(|(r, ..)| r == "4")
        .map(|(_, c, k)| (c, k))
        .collect();
    assert_eq!(row4, pairs(&[("Date of Birth", "E003"), ("", "W005")]));
    let accepted = out.accepted();
    assert_eq!(accepted.len(), 1);
    assert_eq!(accepted[0]["source_row"], "3");
    assert_eq!(accepted[0]["warnings"], "");
}

// ---------------------------------------------------------------------------------------
// Typed cells (xlsx): error cells, booleans, numbers
// ---------------------------------------------------------------------------------------

/// The (column, code) findings of a one-row xlsx batch.
fn check_xlsx(changes: Changes<'_>, cells: Vec<(&str, Cell)>) -> Vec<(String, String)> {
    let out = run_xlsx(xlsx_rows(changes, cells), 1);
    out.findings()
        .into_iter()
        .map(|(_, column, code)| (column, code))
        .collect()
}

#[test]
fn error_cells_are_invalid_values_of_their_column() {
    for (column, code) in [
        ("Action", "S002"),
        ("Member ID", "S003"),
        ("Last Name", "S007"),
        ("Effective Date", "S004"),
        ("CP Program", "S005"),
        ("Coverage Type", "S005"),
        ("Medicare", "S005"),
        ("DMH Affiliation", "S005"),
        ("ZIP Code", "S005"),
        ("Reason Code", "S005"),
    ] {
        let got = check_xlsx(&[], vec![(column, Cell::Error("#N/A".into()))]);
        assert_eq!(got, pairs(&[(column, code)]), "error cell in {column}");
    }
}

#[test]
fn typed_yes_no_and_zip_cells() {
    assert_eq!(
        check_xlsx(&[], vec![("Medicare", Cell::Bool(false))]),
        vec![]
    );
    assert_eq!(
        check_xlsx(&[], vec![("Medicare", Cell::Bool(true))]),
        pairs(&[("Medicare", "E005")])
    );
    assert_eq!(
        check_xlsx(&[], vec![("Nursing Facility", Cell::Number(1.0))]),
        pairs(&[("Nursing Facility", "E009")])
    );
    assert_eq!(
        check_xlsx(&[], vec![("Other Insurance", Cell::Number(0.0))]),
        vec![]
    );
    assert_eq!(
        check_xlsx(&[], vec![("Other Insurance", Cell::Number(2.0))]),
        pairs(&[("Other Insurance", "S005")])
    );
    // A numeric ZIP loses its leading zero in Excel: 2118 is 02118 (BHCP01 serves it) …
    assert_eq!(
        check_xlsx(&[], vec![("ZIP Code", Cell::Number(2118.0))]),
        vec![]
    );
    // … and 1001 is 01001, outside BHCP01's area.
    assert_eq!(
        check_xlsx(&[], vec![("ZIP Code", Cell::Number(1001.0))]),
        pairs(&[("ZIP Code", "E010")])
    );
}

#[test]
fn c001_both_cp_ids_unknown_on_a_transfer() {
    assert_findings(
        &with(TRANSFER, &[("CP ID", "BHCP98"), ("From CP ID", "BHCP99")]),
        &[],
        &[("CP ID", "C001"), ("From CP ID", "C001")],
    );
}

#[test]
fn b001_b002_messages_name_the_other_rows() {
    let rows = rows_with(&[
        &[],
        &[("Effective Date", "2026-12-15")],
        &[],
        &[("CP ID", "BHCP02")],
    ]);
    let out = run_csv(&rows, &[]);
    let (_, findings) = read_report(&out.path.join("findings.csv"));
    let message = |row: &str, code: &str| {
        findings
            .iter()
            .find(|f| f[0] == row && f[2] == code)
            .unwrap_or_else(|| panic!("no {code} on row {row}: {findings:?}"))[4]
            .clone()
    };
    assert!(
        message("4", "B001").contains('2'),
        "{}",
        message("4", "B001")
    );
    let b002 = message("2", "B002");
    assert!(b002.contains('3') && b002.contains('5'), "{b002}");
    assert!(
        !b002.contains('4'),
        "the duplicate row 4 is not a conflict: {b002}"
    );
    for f in &findings {
        assert_eq!(f[3], "error", "{f:?}");
    }
}
