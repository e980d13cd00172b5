//! The rule catalog: every code cpbatch can report, with its severity, stage, title and
//! description. It is the single source for the checks, `cpbatch rules`, `docs/rules.md`
//! and the template's Instructions sheet.

use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    /// `cpbatch watch` (SPEC 7): the member's CP enrollment must end; a row is proposed.
    Disenroll,
    /// `cpbatch watch`: someone must look at the member (review.csv).
    Review,
    /// `cpbatch watch`: worth knowing, nothing to do (review.csv, exit 0).
    Notice,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Disenroll => "disenroll",
            Severity::Review => "review",
            Severity::Notice => "notice",
        }
    }
}

/// The stage of the pipeline a rule belongs to, in the order the stages run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    File,
    Format,
    Reference,
    Eligibility,
    Reconcile,
    Batch,
    Watch,
}

impl Stage {
    pub fn title(self) -> &'static str {
        match self {
            Stage::File => "File-level errors (the run stops, exit 2, no report is written)",
            Stage::Format => "Row format",
            Stage::Reference => "Reference data and authorization",
            Stage::Eligibility => "Eligibility (ENROLL and TRANSFER rows)",
            Stage::Reconcile => "Reconciliation with the EVS snapshot (--evs)",
            Stage::Batch => "Within the batch and across batches",
            Stage::Watch => "Roster watch (cpbatch watch): severity is the outcome",
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Rule {
    pub code: Code,
    pub severity: Severity,
    pub stage: Stage,
    pub title: &'static str,
    pub description: &'static str,
}

macro_rules! catalog {
    ($($code:ident $sev:ident $stage:ident $title:literal $desc:literal;)*) => {
        /// A rule code. `Code::S003.rule()` gives its catalog entry.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        pub enum Code { $($code,)* }

        impl Code {
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$code => stringify!($code),)* }
            }
        }

        /// Every rule, in catalog order.
        pub static RULES: &[Rule] = &[
            $(Rule {
                code: Code::$code,
                severity: Severity::$sev,
                stage: Stage::$stage,
                title: $title,
                description: $desc,
            },)*
        ];
    };
}

impl Code {
    pub fn rule(self) -> &'static Rule {
        &RULES[self as usize]
    }

    pub fn severity(self) -> Severity {
        self.rule().severity
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

catalog! {
    F001 Error File "Batch file unreadable"
        "The batch file cannot be opened or read, or is not a supported format (.xlsx, .xlsm, .xlsb, .xls, .ods, or delimited text: .csv, .txt or .tsv, in UTF-8, UTF-16 with a BOM, or Windows-1252). The format is decided by the file's content, not its extension.";
    F002 Error File "Sheet not found"
        "The sheet named by --sheet does not exist, or the workbook has no usable worksheet.";
    F003 Error File "No header row"
        "None of the first 20 non-empty rows holds both an Action header and a Member ID header. The message names the sheets searched and quotes the most header-like row.";
    F004 Error File "Required column missing"
        "A column required on every row is missing from the header row; the message lists every missing one, each with the unrecognised header closest to it, if any.";
    F005 Error File "Duplicate column"
        "Two columns of the header row match the same canonical header (for example `DOB` and `Date of Birth`).";
    F006 Error File "EVS snapshot unreadable"
        "The EVS snapshot cannot be read, or its header lacks one of the sixteen required columns.";
    F007 Error File "Reference data invalid"
        "The reference files cannot be read, or a partnership or service area names a CP or plan they do not define.";
    S001 Error Format "Required value blank"
        "A value required for the row's Action is blank. One finding per blank column. Plan ID is required unless DMH Affiliation is ACCS or CBFS; From CP ID on TRANSFER rows; Reason Code on DISENROLL and TRANSFER rows.";
    S002 Error Format "Unknown action"
        "Action is not ENROLL, DISENROLL or TRANSFER (or one of their aliases: ENROLLMENT, ADD, DISENROLLMENT, TERM, TERMINATE, XFER).";
    S003 Error Format "Invalid Member ID"
        "Member ID is not exactly 12 digits once spaces and hyphens are removed. A number with a fractional part is invalid; in a CSV file every value is text, so an 11-digit ID is not padded.";
    S004 Error Format "Invalid date"
        "A date cannot be read: not a date cell, an Excel serial number, or text as YYYY-MM-DD, YYYYMMDD, MM/DD/YYYY, M/D/YYYY or MM-DD-YYYY; a two-digit year; an impossible date such as 02/30/2020; or an error cell.";
    S005 Error Format "Value not in its list"
        "A code or Y/N value is not in its list: CP Program, Coverage Type, Medicare, Other Insurance, Nursing Facility, DMH Affiliation, Reason Code or ZIP Code.";
    S006 Error Format "Date of Birth out of range"
        "Date of Birth is before 1900-01-01 or after the Effective Date.";
    S007 Error Format "Invalid name"
        "A name is longer than 50 characters or contains characters other than letters (any script), spaces, hyphens, apostrophes and periods.";
    S008 Error Format "Effective Date out of window"
        "Effective Date is more than --max-retro-days (default 60) before the as-of date, or more than --max-future-days (default 90) after it.";
    S009 Error Format "Reason not allowed for the action"
        "The Reason Code is a known code but not one allowed for the row's Action (ENROLL: ASSIGNED, REFERRAL; DISENROLL: DECLINED, UNREACHABLE, INELIGIBLE, MOVED, DECEASED, GOALS_MET, OTHER; TRANSFER: MEMBER_CHOICE, MOVED, PLAN_CHANGE, CP_CAPACITY, OTHER).";
    W001 Warning Format "Unrecognised column"
        "A column header matches no known header (markers such as *, # or a note in brackets are ignored). Reported once per file, naming the closest known header when one is within two edits; its values are carried through to the rejected report unchanged.";
    W002 Warning Format "Member ID padded"
        "Member ID was a number with fewer than 12 digits and was left-padded with zeros (Excel drops leading zeros). Format the column as text to keep them.";
    W006 Warning Format "Text read as Windows-1252"
        "A delimited text batch is not UTF-8 and was read as Windows-1252 (Excel's \"CSV\" on Windows). Reported once per file; save it as \"CSV UTF-8\" to be sure every character is read as typed.";
    C001 Error Reference "Unknown CP"
        "CP ID, or From CP ID on a TRANSFER row, is not in the CP roster (IDs are matched ignoring case, spaces and hyphens; the message names the closest roster ID within two edits).";
    C002 Error Reference "CP program mismatch"
        "The CP named by CP ID does not belong to the row's CP Program.";
    C003 Error Reference "Unknown plan"
        "Plan ID is not in the plan roster (matched ignoring case, spaces and hyphens; the message names the closest plan ID within two edits).";
    C004 Error Reference "Transfer to the same CP"
        "A TRANSFER row's From CP ID equals its CP ID.";
    C005 Error Reference "No partnership"
        "ENROLL or TRANSFER row whose plan is an ACO or MCO without a formal partnership with CP ID.";
    C006 Error Reference "Unknown submitter"
        "Submitter ID is not a known plan, CP, or MASSHEALTH (matched ignoring case, spaces and hyphens; the message names the closest one within two edits).";
    A001 Error Reference "Submitter not authorized"
        "The submitter may not act on this row: a CP may submit only rows where it is CP ID or From CP ID; a plan only rows whose Plan ID is itself; MASSHEALTH any row.";
    E001 Error Eligibility "Under age 3"
        "ACO/MCO path: the member is under age 3 on the Effective Date.";
    E002 Error Eligibility "Under age 18 for the program"
        "ACO/MCO path: a BH CP row for a member aged 3 to 17. DMH path: the member is under 18.";
    E003 Error Eligibility "Age 65 or older"
        "ACO/MCO path: the member is 65 or older on the Effective Date and so not managed-care eligible.";
    E004 Error Eligibility "Coverage not managed-care eligible"
        "ACO/MCO path: the coverage type is not STANDARD, COMMONHEALTH, CAREPLUS or FAMILY_ASSISTANCE.";
    E005 Error Eligibility "Has Medicare"
        "ACO/MCO path: the member has Medicare.";
    E006 Error Eligibility "Has other insurance"
        "ACO/MCO path: the member has other (third-party) insurance.";
    E007 Error Eligibility "No ACO/MCO and no DMH affiliation"
        "The member is not enrolled in an ACO or MCO (PCC, fee-for-service, One Care, SCO, none) and has no DMH ACCS or CBFS affiliation.";
    E008 Error Eligibility "One Care on the DMH path"
        "DMH path: the member is enrolled in a One Care plan.";
    E009 Error Eligibility "Lives in a nursing facility"
        "ACO/MCO path: the member lives in a nursing facility.";
    E010 Error Eligibility "Outside the CP's service area"
        "The member's ZIP Code is not in the service area of CP ID (checked on every ENROLL and TRANSFER row when a ZIP is known).";
    W005 Warning Eligibility "Eligibility not fully verified"
        "No EVS snapshot was given and a fact the ACO/MCO path needs (Coverage Type, Medicare, Other Insurance, Nursing Facility) is blank: it was assumed favourable. One per row.";
    R001 Error Reconcile "Not in EVS"
        "The Member ID is not in the EVS snapshot.";
    R002 Error Reconcile "Date of Birth differs from EVS"
        "The Date of Birth differs from the one in EVS.";
    R003 Error Reconcile "Last Name differs from EVS"
        "The Last Name differs from EVS, compared ignoring case, accents, punctuation and spacing.";
    R004 Error Reconcile "Not eligible on the Effective Date"
        "ENROLL or TRANSFER row, and no EVS eligibility segment covers the Effective Date.";
    R005 Error Reconcile "Plan differs from EVS"
        "ENROLL or TRANSFER row whose Plan ID differs from the EVS plan on the Effective Date (a blank EVS plan differs).";
    R006 Error Reconcile "Member deceased"
        "ENROLL or TRANSFER row for a member who died on or before the Effective Date.";
    R008 Error Reconcile "Malformed EVS line"
        "The member's line in the EVS snapshot is malformed; the message names the line number.";
    R010 Error Reconcile "Already with this CP"
        "ENROLL row, and EVS shows the member already assigned to this CP.";
    R011 Error Reconcile "With another CP"
        "ENROLL row, and EVS shows the member assigned to another CP: a TRANSFER is needed.";
    R012 Error Reconcile "Not with this CP"
        "DISENROLL row, and EVS does not show the member assigned to CP ID.";
    R013 Error Reconcile "Not with the sending CP"
        "TRANSFER row, and EVS does not show the member assigned to From CP ID.";
    R014 Error Reconcile "Before the CP assignment began"
        "DISENROLL or TRANSFER row effective before the current CP assignment's start date.";
    W003 Warning Reconcile "First Name differs from EVS"
        "The First Name differs from EVS (compared ignoring case, accents, punctuation and spacing).";
    W004 Warning Reconcile "Attested value differs from EVS"
        "An attested value (Coverage Type, Medicare, Other Insurance, Nursing Facility, DMH Affiliation, ZIP Code) differs from EVS; the EVS value is used.";
    B001 Error Batch "Duplicate row"
        "Same Member ID, Action, CP ID and Effective Date as an earlier row; the earlier row is judged on its own.";
    B002 Error Batch "Conflicting rows for one member"
        "The same Member ID has two or more rows with different Action, CP ID or Effective Date: every first-of-its-kind row is rejected.";
    B003 Error Batch "Member in another batch"
        "The same Member ID is in another batch of the same run: every such row, in every batch, is rejected.";
    M001 Disenroll Watch "Member deceased"
        "EVS shows a date of death on or before the watch date: a DISENROLL row with reason DECEASED is proposed.";
    M002 Disenroll Watch "MassHealth eligibility ended"
        "No EVS segment covers the watch date: a DISENROLL row with reason INELIGIBLE is proposed.";
    M003 Disenroll Watch "No longer eligible for the CP program"
        "Covered on the watch date, but eligible on neither path (ACO/MCO, DMH) for the program of the member's CP: a DISENROLL row with reason INELIGIBLE is proposed. The message names every failing E code of the reported path (E001-E009), as validate would give them.";
    M004 Review Watch "Plan does not partner with the CP"
        "The plan on the watch date is an ACO/MCO with no partnership with the member's CP: a TRANSFER (PLAN_CHANGE) is needed. The candidates are the CPs of the program that partner with the plan and serve the member's ZIP.";
    M005 Review Watch "Moved out of the CP's area"
        "The ZIP on the watch date is outside the service area of the member's CP: a TRANSFER (MOVED) is needed. The candidates are the CPs of the program that serve the ZIP (and partner with the plan when it is an ACO/MCO).";
    M006 Review Watch "Roster CP differs from EVS"
        "--roster only: the roster's CP ID is not the member's CP in EVS on the watch date (EVS shows another CP, or none): the roster is out of date. Nothing else is judged for the member.";
    M007 Review Watch "Not in EVS"
        "--roster only: the member is not in the EVS snapshot.";
    M008 Review Watch "Roster identity differs from EVS"
        "--roster only: the roster's Date of Birth or Last Name differs from EVS (compared as R002 and R003).";
    M009 Notice Watch "Plan changed"
        "--roster with a Plan ID column only: the roster's Plan ID is not the plan on the watch date: the member changed plan.";
    M010 Review Watch "Cannot be judged or proposed"
        "An invalid or repeated roster row, a CP not in the reference data, a malformed snapshot line of the member, a disenrollment that validate would not accept (no known Plan ID; a blank or invalid name or date of birth in EVS), or a covered member whose EVS date of birth is blank. The message says which.";
}

/// The version of the rule set, reported in summary.json; bump it when a rule changes meaning.
pub const RULES_VERSION: &str = "2026.12.1";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Action, Column, CoverageType, DateForm, ReasonCode, Requirement, or_list};

    /// Asserts that a rule's description says `expected`, word for word.
    fn says(code: Code, expected: &str) {
        let description = code.rule().description;
        assert!(
            description.contains(expected),
            "{code}'s description no longer matches its code list:\n  {description}\nshould say\n  {expected}"
        );
    }

    #[test]
    fn s001_names_every_column_required_by_action() {
        for column in Column::ALL {
            let requirement = column.requirement();
            let expected = match requirement {
                Requirement::Always | Requirement::Optional => continue,
                Requirement::UnlessDmh => {
                    format!("{} is required {}", column.header(), requirement.describe())
                }
                _ => format!("{} on {}", column.header(), requirement.describe()),
            };
            says(Code::S001, &expected);
        }
    }

    #[test]
    fn s002_names_the_actions_and_their_aliases() {
        let aliases: Vec<&str> = Action::ALL
            .iter()
            .flat_map(|a| a.aliases())
            .copied()
            .collect();
        says(
            Code::S002,
            &format!(
                "Action is not {} (or one of their aliases: {}).",
                Action::choices(),
                aliases.join(", ")
            ),
        );
    }

    #[test]
    fn s009_names_the_reasons_of_each_action() {
        let per_action: Vec<String> = Action::ALL
            .iter()
            .map(|action| {
                let reasons: Vec<&str> = ReasonCode::allowed_for(*action)
                    .iter()
                    .map(|r| r.as_str())
                    .collect();
                format!("{action}: {}", reasons.join(", "))
            })
            .collect();
        says(Code::S009, &format!("({}).", per_action.join("; ")));
    }

    #[test]
    fn e004_names_the_managed_care_coverage_types() {
        says(
            Code::E004,
            &format!(
                "the coverage type is not {}.",
                CoverageType::managed_care_choices()
            ),
        );
    }

    #[test]
    fn s004_names_every_date_form() {
        let spellings: Vec<&str> = DateForm::ALL
            .iter()
            .flat_map(|f| f.spellings())
            .copied()
            .collect();
        says(Code::S004, &format!("text as {};", or_list(&spellings)));
    }

    #[test]
    fn codes_index_their_own_entries() {
        for (i, rule) in RULES.iter().enumerate() {
            assert_eq!(rule.code as usize, i);
            assert_eq!(rule.code.as_str().len(), 4);
        }
        assert_eq!(Code::S003.as_str(), "S003");
        assert_eq!(Code::W002.severity(), Severity::Warning);
    }
}
