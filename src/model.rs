//! Typed values of a batch row and the rules for reading them from raw cells (SPEC 2.1–2.3).

use chrono::NaiveDate;
use serde::Serialize;

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
pub enum CellFormat {
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

    pub fn cell_format(self) -> CellFormat {
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

/// Header matching ignores case, spaces, underscores, hyphens, slashes and periods.
pub fn header_key(text: &str) -> String {
    text.chars()
        .filter(|c| !(c.is_whitespace() || matches!(c, '_' | '-' | '/' | '.')))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Code matching ignores case, spaces, hyphens and underscores.
pub fn code_key(text: &str) -> String {
    code_key_cow(text).into_owned()
}

/// `code_key`, borrowing when the text is already a key (upper-case letters and digits).
fn code_key_cow(text: &str) -> std::borrow::Cow<'_, str> {
    if text
        .bytes()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        return std::borrow::Cow::Borrowed(text);
    }
    std::borrow::Cow::Owned(
        text.chars()
            .filter(|c| !(c.is_whitespace() || matches!(c, '_' | '-')))
            .flat_map(char::to_uppercase)
            .collect(),
    )
}

/// Trims text and turns runs of inner whitespace into one space; borrows when the text is
/// already in that form, as it almost always is.
pub fn collapse_whitespace(text: &str) -> std::borrow::Cow<'_, str> {
    let bytes = text.as_bytes();
    let clean = !text.starts_with(char::is_whitespace)
        && !text.ends_with(char::is_whitespace)
        && bytes.iter().enumerate().all(|(i, b)| match b {
            b' ' => bytes.get(i + 1) != Some(&b' '),
            b'\t' | b'\n' | b'\r' | 0x0B | 0x0C => false,
            _ => true,
        })
        && (text.is_ascii() || !text.chars().any(|c| c.is_whitespace() && c != ' '));
    if clean {
        std::borrow::Cow::Borrowed(text)
    } else {
        std::borrow::Cow::Owned(text.split_whitespace().collect::<Vec<_>>().join(" "))
    }
}

/// A coded value with a canonical upper-case name.
pub trait CodeName: Copy {
    fn name(self) -> &'static str;
}

macro_rules! code_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $canon:literal [$($alias:literal),*]),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The canonical upper-case form.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $canon),* }
            }

            pub fn aliases(self) -> &'static [&'static str] {
                match self { $($name::$variant => &[$($alias),*]),* }
            }

            /// Parses a code, ignoring case, spaces, hyphens and underscores, with its aliases.
            pub fn parse(text: &str) -> Option<$name> {
                static KEYS: std::sync::LazyLock<Vec<(String, $name)>> =
                    std::sync::LazyLock::new(|| {
                        $name::ALL
                            .iter()
                            .flat_map(|v| {
                                std::iter::once(v.as_str())
                                    .chain(v.aliases().iter().copied())
                                    .map(move |name| (code_key(name), *v))
                            })
                            .collect()
                    });
                let key = code_key_cow(text);
                KEYS.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
            }
        }

        impl CodeName for $name {
            fn name(self) -> &'static str {
                self.as_str()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

code_enum!(Action {
    Enroll = "ENROLL" ["ENROLLMENT", "ADD"],
    Disenroll = "DISENROLL" ["DISENROLLMENT", "TERM", "TERMINATE"],
    Transfer = "TRANSFER" ["XFER"],
});

code_enum!(Program {
    Bh = "BH" ["BH CP", "BEHAVIORAL HEALTH"],
    Ltss = "LTSS" ["LTSS CP", "LONG TERM SERVICES AND SUPPORTS"],
});

code_enum!(CoverageType {
    Standard = "STANDARD" [],
    CommonHealth = "COMMONHEALTH" [],
    CarePlus = "CAREPLUS" [],
    FamilyAssistance = "FAMILY_ASSISTANCE" [],
    Limited = "LIMITED" [],
    SeniorBuyIn = "SENIOR_BUY_IN" [],
    Other = "OTHER" [],
});

impl CoverageType {
    pub fn is_managed_care_eligible(self) -> bool {
        matches!(
            self,
            CoverageType::Standard
                | CoverageType::CommonHealth
                | CoverageType::CarePlus
                | CoverageType::FamilyAssistance
        )
    }
}

code_enum!(Dmh {
    Accs = "ACCS" [],
    Cbfs = "CBFS" [],
    None = "NONE" [],
});

impl Dmh {
    /// ACCS and CBFS open the DMH path to a CP.
    pub fn is_affiliated(self) -> bool {
        matches!(self, Dmh::Accs | Dmh::Cbfs)
    }
}

code_enum!(ReasonCode {
    Assigned = "ASSIGNED" [],
    Referral = "REFERRAL" [],
    Declined = "DECLINED" [],
    Unreachable = "UNREACHABLE" [],
    Ineligible = "INELIGIBLE" [],
    Moved = "MOVED" [],
    Deceased = "DECEASED" [],
    GoalsMet = "GOALS_MET" [],
    Other = "OTHER" [],
    MemberChoice = "MEMBER_CHOICE" [],
    PlanChange = "PLAN_CHANGE" [],
    CpCapacity = "CP_CAPACITY" [],
});

impl ReasonCode {
    pub fn allowed_for(action: Action) -> &'static [ReasonCode] {
        use ReasonCode::*;
        match action {
            Action::Enroll => &[Assigned, Referral],
            Action::Disenroll => &[
                Declined,
                Unreachable,
                Ineligible,
                Moved,
                Deceased,
                GoalsMet,
                Other,
            ],
            Action::Transfer => &[MemberChoice, Moved, PlanChange, CpCapacity, Other],
        }
    }
}

/// A plan's type in the roster (SPEC 2.5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PlanType {
    Acpp,
    Pcaco,
    Mcoaco,
    Mco,
    Pcc,
    OneCare,
    Sco,
    Ffs,
}

impl PlanType {
    pub fn parse(text: &str) -> Option<PlanType> {
        Some(match code_key(text).as_str() {
            "ACPP" => PlanType::Acpp,
            "PCACO" => PlanType::Pcaco,
            "MCOACO" => PlanType::Mcoaco,
            "MCO" => PlanType::Mco,
            "PCC" => PlanType::Pcc,
            "ONECARE" => PlanType::OneCare,
            "SCO" => PlanType::Sco,
            "FFS" => PlanType::Ffs,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            PlanType::Acpp => "ACPP",
            PlanType::Pcaco => "PCACO",
            PlanType::Mcoaco => "MCOACO",
            PlanType::Mco => "MCO",
            PlanType::Pcc => "PCC",
            PlanType::OneCare => "ONECARE",
            PlanType::Sco => "SCO",
            PlanType::Ffs => "FFS",
        }
    }

    /// The plan type in words, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            PlanType::Acpp => "an Accountable Care Partnership Plan",
            PlanType::Pcaco => "a Primary Care ACO",
            PlanType::Mcoaco => "an MCO-administered ACO",
            PlanType::Mco => "an MCO",
            PlanType::Pcc => "the Primary Care Clinician (PCC) Plan",
            PlanType::OneCare => "a One Care plan",
            PlanType::Sco => "a Senior Care Options (SCO) plan",
            PlanType::Ffs => "fee-for-service",
        }
    }

    pub fn is_aco_mco(self) -> bool {
        matches!(
            self,
            PlanType::Acpp | PlanType::Pcaco | PlanType::Mcoaco | PlanType::Mco
        )
    }
}

/// A 12-digit MassHealth member ID. Once one exists it is valid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MemberId(u64);

impl MemberId {
    /// Parses text: spaces and hyphens are removed, then exactly 12 digits must remain.
    pub fn parse_text(text: &str) -> Option<MemberId> {
        let (mut n, mut digits) = (0u64, 0);
        for c in text.chars() {
            if c.is_whitespace() || c == '-' {
                continue;
            }
            digits += 1;
            if digits > 12 {
                return None;
            }
            n = n * 10 + u64::from(c.to_digit(10)?);
        }
        (digits == 12).then_some(MemberId(n))
    }

    /// The ID as a number.
    pub fn value(self) -> u64 {
        self.0
    }

    /// Parses exactly 12 ASCII digits.
    pub fn from_digits(digits: &[u8]) -> Option<MemberId> {
        if digits.len() != 12 || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Some(MemberId(
            digits
                .iter()
                .fold(0u64, |n, d| n * 10 + u64::from(d - b'0')),
        ))
    }

    /// A numeric cell: its exact integer digits, left-padded to 12 (the bool says padded).
    pub fn from_number(value: f64) -> Option<(MemberId, bool)> {
        if !value.is_finite() || value < 0.0 || value.fract() != 0.0 || value >= 1e12 {
            return None;
        }
        let n = value as u64;
        let digits = if n == 0 { 1 } else { n.ilog10() + 1 };
        Some((MemberId(n), digits < 12))
    }
}

impl std::fmt::Display for MemberId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:012}", self.0)
    }
}

/// A 5-digit ZIP code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Zip([u8; 5]);

impl Zip {
    /// `02118` or ZIP+4 `02118-1234` (kept as its first 5).
    pub fn parse_text(text: &str) -> Option<Zip> {
        let b = text.trim().as_bytes();
        let five = match b.len() {
            5 => b,
            10 if b[5] == b'-' && b[6..].iter().all(u8::is_ascii_digit) => &b[..5],
            _ => return None,
        };
        if !five.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let mut zip = [0; 5];
        zip.copy_from_slice(five);
        Some(Zip(zip))
    }

    /// A numeric cell: a whole number below 100000, left-padded to 5 digits.
    pub fn from_number(value: f64) -> Option<Zip> {
        if !value.is_finite() || value < 0.0 || value.fract() != 0.0 || value >= 100_000.0 {
            return None;
        }
        Zip::parse_text(&format!("{:05}", value as u32))
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII digits are ever stored.
        std::str::from_utf8(&self.0).unwrap_or("00000")
    }
}

/// The words read as yes, canonical form first (any case is accepted).
pub const YES_WORDS: [&str; 4] = ["Y", "YES", "TRUE", "1"];
/// The words read as no, canonical form first (any case is accepted).
pub const NO_WORDS: [&str; 4] = ["N", "NO", "FALSE", "0"];

/// Y/N values: Y, N, YES, NO, TRUE, FALSE, 1, 0 in any case.
pub fn parse_yes_no(text: &str) -> Option<bool> {
    let text = text.trim();
    let is = |words: &[&str]| words.iter().any(|w| w.eq_ignore_ascii_case(text));
    if is(&YES_WORDS) {
        Some(true)
    } else if is(&NO_WORDS) {
        Some(false)
    } else {
        None
    }
}

/// Why a date could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateError {
    Unreadable,
    TwoDigitYear,
    Impossible,
}

/// Parses a text date in one of the accepted forms: `YYYY-MM-DD`, `YYYYMMDD`,
/// `MM/DD/YYYY`, `M/D/YYYY`, `MM-DD-YYYY`. A time after the date is ignored.
pub fn parse_text_date(text: &str) -> Result<NaiveDate, DateError> {
    let text = text.trim();
    if let Some(date) = iso_date(text.as_bytes()) {
        return date;
    }
    // A datetime keeps its date part: "2026-01-05 00:00:00" or "2026-01-05T08:30".
    let date_part = text.split([' ', 'T']).next().unwrap_or(text);
    if date_part.len() != text.len() {
        let time = text[date_part.len() + 1..].trim();
        if !looks_like_time(time) {
            return Err(DateError::Unreadable);
        }
    }
    let (format, parts): (&str, Vec<&str>) = if date_part.contains('/') {
        ("%m/%d/%Y", date_part.split('/').collect())
    } else if date_part.contains('-') {
        let parts: Vec<&str> = date_part.split('-').collect();
        if parts.first().is_some_and(|p| p.len() == 4) {
            ("%Y-%m-%d", parts)
        } else {
            ("%m-%d-%Y", parts)
        }
    } else {
        ("%Y%m%d", vec![date_part])
    };
    if !parts
        .iter()
        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(DateError::Unreadable);
    }
    let shape_ok = match format {
        "%Y%m%d" => parts[0].len() == 8,
        "%Y-%m-%d" => parts.len() == 3 && parts[1].len() == 2 && parts[2].len() == 2,
        "%m/%d/%Y" => parts.len() == 3 && parts[0].len() <= 2 && parts[1].len() <= 2,
        _ => parts.len() == 3 && parts[0].len() == 2 && parts[1].len() == 2,
    };
    if !shape_ok {
        return Err(DateError::Unreadable);
    }
    let year = if format == "%Y-%m-%d" {
        parts[0]
    } else if format == "%Y%m%d" {
        &parts[0][..4]
    } else {
        parts[2]
    };
    if year.len() == 2 {
        return Err(DateError::TwoDigitYear);
    }
    if year.len() != 4 {
        return Err(DateError::Unreadable);
    }
    let number = |t: &str| t.parse::<u32>().map_err(|_| DateError::Unreadable);
    let (y, m, d) = match format {
        "%Y%m%d" => (&parts[0][..4], &parts[0][4..6], &parts[0][6..]),
        "%Y-%m-%d" => (parts[0], parts[1], parts[2]),
        _ => (parts[2], parts[0], parts[1]),
    };
    NaiveDate::from_ymd_opt(number(y)? as i32, number(m)?, number(d)?).ok_or(DateError::Impossible)
}

/// The common case, `YYYY-MM-DD` exactly, without splitting or allocating.
fn iso_date(b: &[u8]) -> Option<Result<NaiveDate, DateError>> {
    let digits = |range: std::ops::Range<usize>| {
        b[range].iter().try_fold(0u32, |n, d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    Some(NaiveDate::from_ymd_opt(year as i32, month, day).ok_or(DateError::Impossible))
}

fn looks_like_time(text: &str) -> bool {
    let core = text.trim_end_matches(['Z', 'z']);
    !core.is_empty()
        && core
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b':' | b'.' | b'+' | b'-'))
        && core.contains(':')
}

/// Converts an Excel serial number (1900 or 1904 date system) to its date; the fraction
/// (time of day) is dropped. Serial 60 in the 1900 system is Excel's phantom 1900-02-29.
pub fn excel_serial_date(serial: f64, is_1904: bool) -> Result<NaiveDate, DateError> {
    // Excel's range: 1900-01-01 (1, or 0 in 1904) up to 9999-12-31.
    let min = if is_1904 { 0.0 } else { 1.0 };
    if !serial.is_finite() || serial < min || serial >= 2_958_466.0 {
        return Err(DateError::Unreadable);
    }
    let value = calamine::ExcelDateTime::new(
        serial.floor(),
        calamine::ExcelDateTimeType::DateTime,
        is_1904,
    );
    let (y, m, d, ..) = value.to_ymd_hms_milli();
    NaiveDate::from_ymd_opt(y.into(), m.into(), d.into()).ok_or(DateError::Impossible)
}

/// Whole years of age on `on`; a 29 February birthday turns a year older on 1 March.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> i32 {
    use chrono::Datelike;
    let mut age = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
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

    #[test]
    fn codes_match_with_aliases() {
        assert_eq!(Action::parse("xfer"), Some(Action::Transfer));
        assert_eq!(Action::parse(" Term "), Some(Action::Disenroll));
        assert_eq!(Program::parse("behavioral health"), Some(Program::Bh));
        assert_eq!(Program::parse("LTSS-CP"), Some(Program::Ltss));
        assert_eq!(
            CoverageType::parse("family assistance"),
            Some(CoverageType::FamilyAssistance)
        );
        assert_eq!(ReasonCode::parse("goals-met"), Some(ReasonCode::GoalsMet));
        assert_eq!(Action::parse("ENROL"), None);
    }

    #[test]
    fn member_ids() {
        assert_eq!(
            MemberId::parse_text("1000-1234-5678").map(|m| m.to_string()),
            Some("100012345678".into())
        );
        assert_eq!(MemberId::parse_text("10001234567"), None);
        assert_eq!(MemberId::parse_text("10001234567X"), None);
        let (id, padded) = MemberId::from_number(12345678901.0).unwrap();
        assert_eq!((id.to_string().as_str(), padded), ("012345678901", true));
        let (id, padded) = MemberId::from_number(100012345678.0).unwrap();
        assert_eq!((id.to_string().as_str(), padded), ("100012345678", false));
        assert_eq!(MemberId::from_number(1000123456.5), None);
        assert_eq!(MemberId::from_number(1234567890123.0), None);
    }

    #[test]
    fn zips() {
        assert_eq!(Zip::parse_text("02118-1234").unwrap().as_str(), "02118");
        assert_eq!(Zip::from_number(2118.0).unwrap().as_str(), "02118");
        assert!(Zip::parse_text("2118").is_none());
        assert!(Zip::parse_text("0211A").is_none());
    }

    #[test]
    fn text_dates_in_every_form() {
        for text in [
            "2020-01-05",
            "20200105",
            "01/05/2020",
            "1/5/2020",
            "01-05-2020",
            "2020-01-05 00:00:00",
        ] {
            assert_eq!(parse_text_date(text), Ok(d(2020, 1, 5)), "{text}");
        }
        assert_eq!(parse_text_date("1/5/20"), Err(DateError::TwoDigitYear));
        assert_eq!(parse_text_date("02/30/2020"), Err(DateError::Impossible));
        assert_eq!(parse_text_date("2020/01/05"), Err(DateError::Unreadable));
        assert_eq!(parse_text_date("Jan 5 2020"), Err(DateError::Unreadable));
        assert_eq!(parse_text_date("1-5-2020"), Err(DateError::Unreadable));
    }

    #[test]
    fn excel_serials_in_both_systems() {
        assert_eq!(excel_serial_date(43831.0, false), Ok(d(2020, 1, 1)));
        assert_eq!(excel_serial_date(43831.75, false), Ok(d(2020, 1, 1)));
        assert_eq!(excel_serial_date(42369.0, true), Ok(d(2020, 1, 1)));
        assert_eq!(excel_serial_date(1.0, false), Ok(d(1900, 1, 1)));
        assert_eq!(excel_serial_date(61.0, false), Ok(d(1900, 3, 1)));
        assert!(excel_serial_date(60.0, false).is_err());
        assert!(excel_serial_date(-3.0, false).is_err());
    }

    #[test]
    fn age_counts_whole_years_and_leap_birthdays() {
        assert_eq!(age_on(d(2008, 2, 29), d(2026, 2, 28)), 17);
        assert_eq!(age_on(d(2008, 2, 29), d(2026, 3, 1)), 18);
        assert_eq!(age_on(d(2000, 6, 15), d(2026, 6, 15)), 26);
        assert_eq!(age_on(d(2000, 6, 15), d(2026, 6, 14)), 25);
    }
}
