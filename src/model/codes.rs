//! Coded values: actions, programs, coverage types, DMH flags, reasons, plan types, and
//! the yes/no words (SPEC 2.3).

use super::text::{ascii_code_key, code_key, code_key_cow, or_list};

/// A coded value with a canonical upper-case name.
pub(crate) trait CodeName: Copy {
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

            /// Every canonical form, as `A, B or C`: what a message says is expected.
            pub fn choices() -> &'static str {
                static TEXT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
                    let names: Vec<&str> = $name::ALL.iter().map(|v| v.as_str()).collect();
                    or_list(&names)
                });
                &TEXT
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
                let mut buffer = [0; 32];
                if let Some(key) = ascii_code_key(text, &mut buffer) {
                    return KEYS.iter().find(|(k, _)| k.as_bytes() == key).map(|(_, v)| *v);
                }
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
    /// The coverage types that are managed-care eligible (SPEC 3.4, E004).
    pub const MANAGED_CARE: &'static [CoverageType] = &[
        CoverageType::Standard,
        CoverageType::CommonHealth,
        CoverageType::CarePlus,
        CoverageType::FamilyAssistance,
    ];

    pub fn is_managed_care_eligible(self) -> bool {
        CoverageType::MANAGED_CARE.contains(&self)
    }

    /// The managed-care eligible types, as `A, B or C`.
    pub fn managed_care_choices() -> String {
        let names: Vec<&str> = CoverageType::MANAGED_CARE
            .iter()
            .map(|c| c.as_str())
            .collect();
        or_list(&names)
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

code_enum!(
    /// A plan's type in the roster (SPEC 2.5).
    PlanType {
        Acpp = "ACPP" [],
        Pcaco = "PCACO" [],
        Mcoaco = "MCOACO" [],
        Mco = "MCO" [],
        Pcc = "PCC" [],
        OneCare = "ONECARE" [],
        Sco = "SCO" [],
        Ffs = "FFS" [],
    }
);

impl PlanType {
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
pub(crate) const YES_WORDS: [&str; 4] = ["Y", "YES", "TRUE", "1"];
/// The words read as no, canonical form first (any case is accepted).
pub(crate) const NO_WORDS: [&str; 4] = ["N", "NO", "FALSE", "0"];

/// Y/N values: Y, N, YES, NO, TRUE, FALSE, 1, 0 in any case.
pub fn parse_yes_no(text: &str) -> Option<bool> {
    // The usual one-letter value, without trimming or comparing words.
    match text.as_bytes() {
        [b'Y' | b'y' | b'1'] => return Some(true),
        [b'N' | b'n' | b'0'] => return Some(false),
        _ => {}
    }
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

    #[test]
    fn one_letter_yes_no_reads_as_the_words() {
        for b in 0..=127u8 {
            let text = char::from(b).to_string();
            let words = |w: &[&str]| w.iter().any(|w| w.eq_ignore_ascii_case(text.trim()));
            let slow = if words(&YES_WORDS) {
                Some(true)
            } else if words(&NO_WORDS) {
                Some(false)
            } else {
                None
            };
            assert_eq!(parse_yes_no(&text), slow, "{text:?}");
        }
    }
}
