//! Dates as a batch writes them: text forms, Excel serial numbers, and ages (SPEC 2.2).

use chrono::NaiveDate;

/// Why a date could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DateError {
    Unreadable,
    TwoDigitYear,
    Impossible,
}

/// A text form a date may take (SPEC 2.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DateForm {
    /// `YYYY-MM-DD`
    Iso,
    /// `YYYYMMDD`
    Compact,
    /// `MM/DD/YYYY`, month and day also written with one digit (`M/D/YYYY`)
    UsSlash,
    /// `MM-DD-YYYY`
    UsDash,
}

impl DateForm {
    /// Every form, in the order messages and the catalog name them.
    pub const ALL: [DateForm; 4] = [
        DateForm::Iso,
        DateForm::Compact,
        DateForm::UsSlash,
        DateForm::UsDash,
    ];

    /// The form as a message names it.
    pub fn pattern(self) -> &'static str {
        self.spellings()[0]
    }

    /// Every way the form may be written, the pattern first.
    pub fn spellings(self) -> &'static [&'static str] {
        match self {
            DateForm::Iso => &["YYYY-MM-DD"],
            DateForm::Compact => &["YYYYMMDD"],
            DateForm::UsSlash => &["MM/DD/YYYY", "M/D/YYYY"],
            DateForm::UsDash => &["MM-DD-YYYY"],
        }
    }

    /// The form a date (without its time) is written in, by its separators, and its parts.
    fn of(date_part: &str) -> (DateForm, Vec<&str>) {
        if date_part.contains('/') {
            (DateForm::UsSlash, date_part.split('/').collect())
        } else if date_part.contains('-') {
            let parts: Vec<&str> = date_part.split('-').collect();
            if parts.first().is_some_and(|p| p.len() == 4) {
                (DateForm::Iso, parts)
            } else {
                (DateForm::UsDash, parts)
            }
        } else {
            (DateForm::Compact, vec![date_part])
        }
    }

    /// True when the parts (all digits) have the lengths of the form.
    fn fits(self, parts: &[&str]) -> bool {
        match self {
            DateForm::Compact => parts[0].len() == 8,
            DateForm::Iso => parts.len() == 3 && parts[1].len() == 2 && parts[2].len() == 2,
            DateForm::UsSlash => parts.len() == 3 && parts[0].len() <= 2 && parts[1].len() <= 2,
            DateForm::UsDash => parts.len() == 3 && parts[0].len() == 2 && parts[1].len() == 2,
        }
    }

    /// Year, month and day of parts that [`fits`](Self::fits) the form.
    fn year_month_day<'t>(self, parts: &[&'t str]) -> (&'t str, &'t str, &'t str) {
        match self {
            DateForm::Compact => (&parts[0][..4], &parts[0][4..6], &parts[0][6..]),
            DateForm::Iso => (parts[0], parts[1], parts[2]),
            DateForm::UsSlash | DateForm::UsDash => (parts[2], parts[0], parts[1]),
        }
    }
}

/// Parses a text date in one of the accepted [`DateForm`]s: `YYYY-MM-DD`, `YYYYMMDD`,
/// `MM/DD/YYYY`, `M/D/YYYY`, `MM-DD-YYYY`. A time after the date is ignored.
pub fn parse_text_date(text: &str) -> Result<NaiveDate, DateError> {
    let text = text.trim();
    if let Some(date) = iso_date(text.as_bytes()).or_else(|| us_slash_date(text.as_bytes())) {
        return date;
    }
    general_date(text)
}

/// `parse_text_date` of trimmed text, in every form, without the fast paths.
fn general_date(text: &str) -> Result<NaiveDate, DateError> {
    // A datetime keeps its date part: "2026-01-05 00:00:00" or "2026-01-05T08:30".
    let date_part = text.split([' ', 'T']).next().unwrap_or(text);
    if date_part.len() != text.len() {
        let time = text[date_part.len() + 1..].trim();
        if !looks_like_time(time) {
            return Err(DateError::Unreadable);
        }
    }
    let (form, parts) = DateForm::of(date_part);
    if !parts
        .iter()
        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(DateError::Unreadable);
    }
    if !form.fits(&parts) {
        return Err(DateError::Unreadable);
    }
    let (year, month, day) = form.year_month_day(&parts);
    if year.len() == 2 {
        return Err(DateError::TwoDigitYear);
    }
    if year.len() != 4 {
        return Err(DateError::Unreadable);
    }
    let number = |t: &str| t.parse::<u32>().map_err(|_| DateError::Unreadable);
    NaiveDate::from_ymd_opt(number(year)? as i32, number(month)?, number(day)?)
        .ok_or(DateError::Impossible)
}

/// True when a text date that is not a real MM/DD/YYYY date is one read day first
/// (`15/12/2026`, `15-12-2026`): the first number cannot be a month but can be a day, and
/// the date with day and month swapped is real. Messages name the habit (SPEC 2.2).
pub(crate) fn reads_day_first(text: &str) -> bool {
    let text = text.trim();
    let date_part = text.split([' ', 'T']).next().unwrap_or(text);
    let (form, parts) = DateForm::of(date_part);
    let all_digits = parts
        .iter()
        .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    if !matches!(form, DateForm::UsSlash | DateForm::UsDash)
        || parts.len() != 3
        || !all_digits
        || parts[0].len() > 2
        || parts[1].len() > 2
        || parts[2].len() != 4
    {
        return false;
    }
    let number = |t: &str| t.parse::<u32>().unwrap_or(0);
    let (day, month, year) = (number(parts[0]), number(parts[1]), number(parts[2]));
    day > 12 && NaiveDate::from_ymd_opt(year as i32, month, day).is_some()
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

/// The next common case, `MM/DD/YYYY` or `M/D/YYYY` exactly, without splitting or
/// allocating; any other text is left to the general reading.
fn us_slash_date(b: &[u8]) -> Option<Result<NaiveDate, DateError>> {
    let number = |part: &[u8]| {
        part.iter().try_fold(0u32, |n, d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let first = b.iter().position(|c| *c == b'/')?;
    let rest = &b[first + 1..];
    let second = rest.iter().position(|c| *c == b'/')?;
    let (month, day, year) = (&b[..first], &rest[..second], &rest[second + 1..]);
    if !(1..=2).contains(&month.len()) || !(1..=2).contains(&day.len()) || year.len() != 4 {
        return None;
    }
    let (month, day, year) = (number(month)?, number(day)?, number(year)?);
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
    #[test]
    fn day_first_dates_are_told_apart() {
        assert!(reads_day_first("15/12/2026"));
        assert!(reads_day_first(" 31-01-2026 "));
        assert!(reads_day_first("13/1/1980"));
        // A real MM/DD/YYYY date, an impossible one either way, other forms.
        assert!(!reads_day_first("12/15/2026"));
        assert!(!reads_day_first("31/02/2026"));
        assert!(!reads_day_first("15/13/2026"));
        assert!(!reads_day_first("2026-12-15"));
        assert!(!reads_day_first("15/12/26"));
        assert!(!reads_day_first("15.12.2026"));
    }

    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The fast paths read a date as the general reading does.
        #[test]
        fn fast_paths_read_as_the_general_reading(
            text in "[0-9]{1,3}/[0-9]{1,3}/[0-9]{1,5}|[0-9/ -]{0,11}|[0-9]{4}-[0-9]{2}-[0-9]{2}"
        ) {
            let b = text.as_bytes();
            if let Some(fast) = iso_date(b).or_else(|| us_slash_date(b)) {
                prop_assert_eq!(fast, general_date(&text), "{}", text);
                prop_assert_eq!(fast, parse_text_date(&text));
            }
        }
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
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
