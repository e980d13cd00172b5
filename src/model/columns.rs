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
            Column::EffectiveDate => &["Effective", "Eff Date", "Effective Dt"],
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

    /// Finds the canonical column a header text names, if any (SPEC 2.1: case, spaces,
    /// underscores, hyphens, slashes and periods ignored, and the markers of
    /// [`marker_free`]).
    pub fn from_header(text: &str) -> Option<Column> {
        let key = column_key(text);
        if key.is_empty() {
            return None;
        }
        Column::ALL
            .into_iter()
            .find(|c| c.keys().any(|known| known == key))
    }

    /// The normalised forms of the canonical header and of every alias.
    fn keys(self) -> impl Iterator<Item = String> {
        std::iter::once(self.header())
            .chain(self.aliases().iter().copied())
            .map(header_key)
    }

    /// The canonical column whose header or alias is within two edits of `text`, for a
    /// "did you mean" (SPEC 2.1): the nearest, the first in canonical order on a tie. Keys
    /// as short as the distance are never near (`ID` is not two edits from `ZIP`).
    pub fn closest(text: &str) -> Option<(Column, usize)> {
        if Column::from_header(text).is_some() {
            return None;
        }
        let key = column_key(text);
        Column::ALL
            .into_iter()
            .filter_map(|c| {
                c.keys()
                    .filter_map(|known| near(&key, &known))
                    .min()
                    .map(|distance| (c, distance))
            })
            .min_by_key(|(_, distance)| *distance)
    }

    /// How far an unrecognised header is from this column's header or aliases, when near.
    pub fn distance_from(self, text: &str) -> Option<usize> {
        let key = column_key(text);
        self.keys().filter_map(|known| near(&key, &known)).min()
    }
}

/// The edit distance of two header keys when it is at most two, and less than either
/// key's length.
fn near(a: &str, b: &str) -> Option<usize> {
    if a.is_empty() || a == b {
        return None;
    }
    let distance = strsim::levenshtein(a, b);
    let shortest = a.chars().count().min(b.chars().count());
    (distance <= 2 && distance < shortest).then_some(distance)
}

/// The columns cpbatch adds to `rejected.xlsx` (SPEC 4.2): recognised and ignored, so that
/// a rejected workbook can be checked again as it is.
pub const ADDED_HEADERS: [&str; 2] = ["Source Row", "Errors"];

/// True when the header is one of [`ADDED_HEADERS`].
pub fn is_added_header(text: &str) -> bool {
    let key = column_key(text);
    ADDED_HEADERS.iter().any(|h| header_key(h) == key)
}

/// A header's text without the markers people add (SPEC 2.1), in any order and
/// combination: a trailing `*` (required), `#`, and a trailing parenthesised note:
/// `DOB (MM/DD/YYYY) *` is `DOB`, `MassHealth ID #` is `MassHealth ID`.
pub fn marker_free(text: &str) -> &str {
    let mut rest = text.trim();
    loop {
        let before = rest;
        if let Some(stripped) = rest.strip_suffix(['*', '#']) {
            rest = stripped.trim_end();
        } else if rest.ends_with(')')
            && let Some(open) = rest.rfind('(')
        {
            rest = rest[..open].trim_end();
        }
        if rest == before {
            return rest;
        }
    }
}

/// The key a batch header is matched by.
fn column_key(text: &str) -> String {
    header_key(marker_free(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_are_ignored_in_any_order() {
        for (text, column) in [
            ("Action*", Column::Action),
            ("Action *", Column::Action),
            ("DOB (MM/DD/YYYY)", Column::DateOfBirth),
            ("DOB (MM/DD/YYYY) *", Column::DateOfBirth),
            ("DOB * (MM/DD/YYYY)", Column::DateOfBirth),
            ("MassHealth ID #", Column::MemberId),
            ("Member ID # (12 digits)*", Column::MemberId),
            ("Eff Date", Column::EffectiveDate),
        ] {
            assert_eq!(Column::from_header(text), Some(column), "{text}");
        }
        assert_eq!(Column::from_header("(note)"), None);
        assert_eq!(Column::from_header("*"), None);
        assert!(is_added_header("Source Row") && is_added_header("errors"));
        assert!(!is_added_header("Error Codes"));
    }

    #[test]
    fn closest_is_within_two_edits_and_never_a_short_key_away() {
        assert_eq!(
            Column::closest("Efective Date"),
            Some((Column::EffectiveDate, 1))
        );
        assert_eq!(Column::closest("Memebr ID"), Some((Column::MemberId, 2)));
        assert_eq!(Column::closest("MCO"), Some((Column::PlanId, 2)));
        assert_eq!(Column::closest("ID"), None);
        assert_eq!(Column::closest("Notes"), None);
        assert_eq!(Column::closest("Effective Date"), None);
        assert_eq!(
            Column::EffectiveDate.distance_from("Efective Date*"),
            Some(1)
        );
    }
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
        assert_eq!(Column::from_header("Eff Date"), Some(Column::EffectiveDate));
        assert_eq!(
            Column::from_header("Effective Dt"),
            Some(Column::EffectiveDate)
        );
        assert_eq!(Column::from_header("  "), None);
    }
}
