//! Fixed-width digit values: the 12-digit member ID and the 5-digit ZIP code (SPEC 2.2).

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

/// The spreadsheet habit behind a Member ID that is not 12 digits, when its text shows one
/// (SPEC 2.2: messages name the Excel trap).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IdTrap {
    /// `1.00E+11`: Excel showed a long number in scientific notation, and the text kept
    /// only the digits shown.
    Scientific,
    /// `100012345678.5`: a number with a fractional part where a whole ID belongs.
    Fraction,
}

impl IdTrap {
    /// The trap a Member ID's text shows, if any.
    pub(crate) fn of(text: &str) -> Option<IdTrap> {
        let text = text.trim();
        let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
        // A mantissa: digits, with a fraction or not.
        let number = |t: &str| match t.split_once('.') {
            Some((whole, fraction)) => digits(whole) && digits(fraction),
            None => digits(t),
        };
        if let Some((mantissa, exponent)) = text.split_once(['e', 'E']) {
            let exponent = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
            return (number(mantissa) && digits(exponent)).then_some(IdTrap::Scientific);
        }
        (text.contains('.') && number(text)).then_some(IdTrap::Fraction)
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn traps_of_member_ids() {
        assert_eq!(IdTrap::of("1.00E+11"), Some(IdTrap::Scientific));
        assert_eq!(IdTrap::of(" 1.00012e11 "), Some(IdTrap::Scientific));
        assert_eq!(IdTrap::of("1E-3"), Some(IdTrap::Scientific));
        assert_eq!(IdTrap::of("100012345678.5"), Some(IdTrap::Fraction));
        assert_eq!(IdTrap::of("100012345678"), None);
        assert_eq!(IdTrap::of("1.0.0"), None);
        assert_eq!(IdTrap::of("ABCE12"), None);
        assert_eq!(IdTrap::of("1.E5"), None);
    }

    #[test]
    fn zips() {
        assert_eq!(Zip::parse_text("02118-1234").unwrap().as_str(), "02118");
        assert_eq!(Zip::from_number(2118.0).unwrap().as_str(), "02118");
        assert!(Zip::parse_text("2118").is_none());
        assert!(Zip::parse_text("0211A").is_none());
    }
}
