//! The canonical columns of a batch file: their headers, formats and when each is required
//! (SPEC 2.1).

use serde::Serialize;

use super::header_key;

/// The canonical columns of a batch file, in template order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Column {
    Action,
    MemberId,
    LastName,
    FirstName,
    DateOfBirth,
    CpProgram,
    CpId,
    FromCpId,
    PlanId,
    CoverageType,
    Medicare,
    OtherInsurance,
    NursingFacility,
    DmhAffiliation,
    ZipCode,
    EffectiveDate,
    ReasonCode,
    SubmitterId,
}

/// How a column's cells are formatted in a workbook the tool writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CellFormat {
    /// Text, so that Excel keeps leading zeros (Member ID, ZIP Code).
    Text,
    /// A date.
    Date,
    /// Excel's default.
    General,
}

/// When a column's value is required (SPEC 2.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Requirement {
    Always,
    Transfer,
    UnlessDmh,
    DisenrollTransfer,
    Optional,
}

impl Requirement {
    pub fn describe(self) -> &'static str {
        match self {
            Requirement::Always => "always",
            Requirement::Transfer => "TRANSFER rows",
            Requirement::UnlessDmh => "unless DMH Affiliation is ACCS or CBFS",
            Requirement::DisenrollTransfer => "DISENROLL and TRANSFER rows",
            Requirement::Optional => "no",
        }
    }
}

impl Column {
    pub const ALL: [Column; 18] = [
        Column::Action,
        Column::MemberId,
        Column::LastName,
        Column::FirstName,
        Column::DateOfBirth,
        Column::CpProgram,
        Column::CpId,
        Column::FromCpId,
        Column::PlanId,
        Column::CoverageType,
        Column::Medicare,
        Column::OtherInsurance,
        Column::NursingFacility,
        Column::DmhAffiliation,
        Column::ZipCode,
        Column::EffectiveDate,
        Column::ReasonCode,
        Column::SubmitterId,
    ];

    pub fn header(self) -> &'static str {
        match self {
            Column::Action => "Action",
            Column::MemberId => "Member ID",
            Column::LastName => "Last Name",
            Column::FirstName => "First Name",
            Column::DateOfBirth => "Date of Birth",
            Column::CpProgram => "CP Program",
            Column::CpId => "CP ID",
            Column::FromCpId => "From CP ID",
            Column::PlanId => "Plan ID",
            Column::CoverageType => "Coverage Type",
            Column::Medicare => "Medicare",
            Column::OtherInsurance => "Other Insurance",
            Column::NursingFacility => "Nursing Facility",
            Column::DmhAffiliation => "DMH Affiliation",
            Column::ZipCode => "ZIP Code",
            Column::EffectiveDate => "Effective Date",
            Column::ReasonCode => "Reason Code",
            Column::SubmitterId => "Submitter ID",
        }
    }

    pub fn aliases(self) -> &'static [&'static str] {
        match self {
            Column::Action => &["Transaction Type", "Request Type"],
            Column::MemberId => &["MassHealth ID", "MMIS ID", "Member Number"],
            Column::LastName => &["Member Last Name"],
            Column::FirstName => &["Member First Name"],
            Column::DateOfBirth => &["DOB", "Birth Date"],
            Column::CpProgram => &["Program", "CP Type"],
            Column::CpId => &["Community Partner ID", "To CP ID", "Receiving CP ID"],
            Column::FromCpId => &["Current CP ID", "Sending CP ID"],
            Column::PlanId => &["ACO/MCO ID", "ACO ID", "MCO ID", "Health Plan ID"],
            Column::CoverageType => &["Coverage"],
            Column::Medicare => &["Has Medicare"],
            Column::OtherInsurance => &["TPL", "Third Party Insurance"],
            Column::NursingFacility => &["NF Resident"],
            Column::DmhAffiliation => &["DMH"],
            Column::ZipCode => &["ZIP", "Zip5"],
            Column::EffectiveDate => &["Effective"],
            Column::ReasonCode => &["Reason"],
            Column::SubmitterId => &["Submitted By"],
        }
    }

    pub fn requirement(self) -> Requirement {
        match self {
            Column::FromCpId => Requirement::Transfer,
            Column::PlanId => Requirement::UnlessDmh,
            Column::ReasonCode => Requirement::DisenrollTransfer,
            Column::CoverageType
            | Column::Medicare
            | Column::OtherInsurance
            | Column::NursingFacility
            | Column::DmhAffiliation
            | Column::ZipCode => Requirement::Optional,
            _ => Requirement::Always,
        }
    }

    pub(crate) fn cell_format(self) -> CellFormat {
        match self {
            Column::MemberId | Column::ZipCode => CellFormat::Text,
            Column::DateOfBirth | Column::EffectiveDate => CellFormat::Date,
            _ => CellFormat::General,
        }
    }

    pub fn meaning(self) -> &'static str {
        match self {
            Column::Action => "ENROLL, DISENROLL or TRANSFER",
            Column::MemberId => "the member's 12-digit MassHealth ID",
            Column::LastName => "the member's last name",
            Column::FirstName => "the member's first name",
            Column::DateOfBirth => "the member's date of birth",
            Column::CpProgram => "BH or LTSS: the program of CP ID",
            Column::CpId => {
                "ENROLL: the CP joined; DISENROLL: the CP left; TRANSFER: the receiving CP"
            }
            Column::FromCpId => "TRANSFER: the CP the member leaves",
            Column::PlanId => "the member's ACO or MCO",
            Column::CoverageType => "MassHealth coverage type (attested)",
            Column::Medicare => "Y/N: the member has Medicare (attested)",
            Column::OtherInsurance => "Y/N: the member has other insurance (attested)",
            Column::NursingFacility => "Y/N: lives in a nursing facility (attested)",
            Column::DmhAffiliation => "ACCS, CBFS or NONE (attested)",
            Column::ZipCode => "the member's home ZIP (attested)",
            Column::EffectiveDate => "the date the action takes effect",
            Column::ReasonCode => "why the member is enrolled, disenrolled or transferred",
            Column::SubmitterId => "the plan, CP or MASSHEALTH submitting the row",
        }
    }

    /// Finds the canonical column a header text names, if any.
    pub fn from_header(text: &str) -> Option<Column> {
        let key = header_key(text);
        if key.is_empty() {
            return None;
        }
        Column::ALL.into_iter().find(|c| {
            header_key(c.header()) == key || c.aliases().iter().any(|a| header_key(a) == key)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Action, Dmh, Program};

    #[test]
    fn meanings_name_the_code_lists_as_they_stand() {
        assert_eq!(Column::Action.meaning(), Action::choices());
        assert!(Column::CpProgram.meaning().starts_with(Program::choices()));
        assert!(Column::DmhAffiliation.meaning().starts_with(Dmh::choices()));
    }

    #[test]
    fn headers_match_ignoring_case_and_punctuation() {
        assert_eq!(Column::from_header("member_id"), Some(Column::MemberId));
        assert_eq!(Column::from_header("MEMBER ID"), Some(Column::MemberId));
        assert_eq!(Column::from_header("Member-Id"), Some(Column::MemberId));
        assert_eq!(Column::from_header("aco/mco id"), Some(Column::PlanId));
        assert_eq!(Column::from_header("D.O.B."), Some(Column::DateOfBirth));
        assert_eq!(Column::from_header("Notes"), None);
        assert_eq!(Column::from_header("  "), None);
    }
}
