//! Coded values: actions, programs, coverage types, DMH flags, reasons, plan types, and
//! the yes/no words (SPEC 2.3).

use super::text::{code_key, code_key_cow};

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
