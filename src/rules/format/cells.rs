//! Reading one cell of a row: codes, yes/no values, IDs, names, dates and ZIP codes, each
//! with the findings of its column (SPEC 2.2, 3.2).

use std::borrow::Cow;

use chrono::NaiveDate;

use crate::batch::{CellKind, RawCell};
use crate::model::{
    Action, Column, DateError, DateForm, IdTrap, MemberId, ReasonCode, Requirement, Zip,
    collapse_whitespace, excel_serial_date, or_list, parse_text_date, parse_yes_no,
    reads_day_first,
};
use crate::rules::{Code, Context, RowSink, Val};

/// S001 (SPEC 3.2, 3.7): a required value is blank, one finding per column; the checks that
/// need the value stay silent. A formula with no saved value is blank, and said to be
/// (SPEC 2.2).
fn blank(s: &mut RowSink, cell: RawCell<'_>, column: Column) {
    let when = match column.requirement() {
        Requirement::Always => String::new(),
        other => format!(" on {}", other.describe()),
    };
    let when = when.replace("on unless", "unless");
    let why = if cell.kind == CellKind::Formula {
        UNCACHED_FORMULA
    } else {
        ""
    };
    s.push(
        column,
        Code::S001,
        format!("{} is blank; it is required{when}{why}", column.header()),
    );
}

/// S001's explanation of a formula cell with no saved value (SPEC 2.2).
const UNCACHED_FORMULA: &str = ". The cell holds a formula with no saved value: the file was written by a program and never opened in Excel; open it in Excel and save it, or type the value";

/// A required value: S001 when blank, else `read`.
fn read_required<'a, T>(
    s: &mut RowSink,
    cell: RawCell<'a>,
    column: Column,
    read: impl FnOnce(&mut RowSink, RawCell<'a>) -> Val<T>,
) -> Val<T> {
    if cell.is_blank() {
        blank(s, cell, column);
        return Val::Blank;
    }
    read(s, cell)
}

/// A required code (Action: S002; CP Program: S005), S001 when blank (SPEC 3.2).
pub(super) fn read_code<T>(
    s: &mut RowSink,
    cell: RawCell<'_>,
    column: Column,
    code: Code,
    parse: fn(&str) -> Option<T>,
    expected: &str,
) -> Val<T> {
    read_required(s, cell, column, |s, cell| {
        parse_code(s, cell, column, code, parse, expected)
    })
}

/// An optional code (Coverage Type, DMH Affiliation): S005 when not in its list (SPEC 3.2).
pub(super) fn read_optional_code<T>(
    s: &mut RowSink,
    cell: RawCell<'_>,
    column: Column,
    parse: fn(&str) -> Option<T>,
    expected: &str,
) -> Val<T> {
    if cell.is_blank() {
        return Val::Blank;
    }
    parse_code(s, cell, column, Code::S005, parse, expected)
}

/// S002 or S005 (SPEC 3.2): a value that is not in its list; the value is `Invalid` then.
fn parse_code<T>(
    s: &mut RowSink,
    cell: RawCell<'_>,
    column: Column,
    code: Code,
    parse: fn(&str) -> Option<T>,
    expected: &str,
) -> Val<T> {
    let parsed = match cell.kind {
        CellKind::Error => None,
        _ => parse(cell.text),
    };
    match parsed {
        Some(v) => Val::Ok(v),
        None => {
            s.push(
                column,
                code,
                format!("{} {} is not {expected}", column.header(), quoted(cell)),
            );
            Val::Invalid
        }
    }
}

/// A Y/N value (Medicare, Other Insurance, Nursing Facility): S005 when not Y or N.
pub(super) fn read_yes_no(s: &mut RowSink, cell: RawCell<'_>, column: Column) -> Val<bool> {
    if cell.is_blank() {
        return Val::Blank;
    }
    // A boolean cell reads TRUE/FALSE and a numeric 1 or 0 reads "1"/"0": both parse.
    parse_code(s, cell, column, Code::S005, parse_yes_no, "Y or N")
}

pub(super) fn read_text(cell: RawCell<'_>) -> Val<Cow<'_, str>> {
    if cell.is_blank() {
        Val::Blank
    } else {
        Val::Ok(collapse_whitespace(cell.text))
    }
}

/// An ID (CP, plan, submitter): checked against the roster later.
pub(super) fn read_id<'a>(s: &mut RowSink, cell: RawCell<'a>, column: Column) -> Val<Cow<'a, str>> {
    read_required(s, cell, column, |_, cell| read_text(cell))
}

/// S003's explanation of an ID in scientific notation (SPEC 2.2): the digits are lost.
const SCIENTIFIC_ID: &str = "Excel turned the ID into a number in scientific notation and lost digits; format the column as text and enter the ID again";

/// S003's explanation of an ID with a fractional part (SPEC 2.2).
const FRACTIONAL_ID: &str = "a number with a fractional part, where an ID of 12 whole digits belongs; format the column as text and enter the ID again";

/// S003 and W002 (SPEC 3.2), S001 when blank: Member ID is not 12 digits once
/// normalised; a number with fewer digits is padded, with a warning.
pub(super) fn read_member_id(s: &mut RowSink, cell: RawCell<'_>) -> Val<MemberId> {
    read_required(s, cell, Column::MemberId, |s, cell| {
        let parsed = match cell.kind {
            CellKind::Number => cell
                .text
                .parse::<f64>()
                .ok()
                .and_then(MemberId::from_number)
                .map(|(id, padded)| {
                    if padded {
                        s.push(Column::MemberId, Code::W002, format!(
                            "Member ID {} was a number with fewer than 12 digits and was padded with zeros to {id}; format the column as text to keep leading zeros",
                            cell.text
                        ));
                    }
                    id
                }),
            CellKind::Text => MemberId::parse_text(cell.text),
            _ => None,
        };
        match parsed {
            Some(id) => Val::Ok(id),
            None => {
                let digits = cell.text.chars().filter(char::is_ascii_digit).count();
                let trap = match cell.kind {
                    CellKind::Text | CellKind::Number => IdTrap::of(cell.text),
                    _ => None,
                };
                let detail = match (trap, cell.kind) {
                    (Some(IdTrap::Scientific), _) => SCIENTIFIC_ID.to_string(),
                    (Some(IdTrap::Fraction), _) => FRACTIONAL_ID.to_string(),
                    (None, CellKind::Text | CellKind::Number) => format!("{digits} digits"),
                    _ => "not digits".to_string(),
                };
                s.push(
                    Column::MemberId,
                    Code::S003,
                    format!(
                        "Member ID {} is not a 12-digit MassHealth ID ({detail})",
                        quoted(cell)
                    ),
                );
                Val::Invalid
            }
        }
    })
}

/// S007 (SPEC 3.2), S001 when blank: a name too long or with characters other than
/// letters, spaces, hyphens, apostrophes and periods.
pub(super) fn read_name<'a>(
    s: &mut RowSink,
    cell: RawCell<'a>,
    column: Column,
) -> Val<Cow<'a, str>> {
    read_required(s, cell, column, |s, cell| {
        let name = collapse_whitespace(cell.text);
        // ASCII names, nearly all, are read byte by byte.
        let ascii = name.is_ascii();
        let length = if ascii {
            name.len()
        } else {
            name.chars().count()
        };
        let problem = if cell.kind == CellKind::Error || cell.kind == CellKind::Number {
            Some("is not a name".to_string())
        } else if length > 50 {
            Some(format!("is {length} characters long; the limit is 50"))
        } else {
            let bad_char = if ascii {
                name.bytes().map(char::from).find(|c| !is_name_char(*c))
            } else {
                name.chars().find(|c| !is_name_char(*c))
            };
            bad_char.map(|c| {
                format!("contains {c:?}; names may have only letters, spaces, hyphens, apostrophes and periods")
            })
        };
        match problem {
            Some(problem) => {
                s.push(
                    column,
                    Code::S007,
                    format!("{} {} {problem}", column.header(), quoted(cell)),
                );
                Val::Invalid
            }
            None => Val::Ok(name),
        }
    })
}

fn is_name_char(c: char) -> bool {
    c.is_alphabetic()
        || matches!(c, ' ' | '-' | '\'' | '\u{2019}' | '.')
        // Combining accents, as in a decomposed "é".
        || ('\u{0300}'..='\u{036F}').contains(&c)
}

/// Reads a date cell, serial number or text date (SPEC 2.2).
fn parse_date_cell(cell: RawCell<'_>, is_1904: bool) -> Result<NaiveDate, DateError> {
    match cell.kind {
        CellKind::Date | CellKind::Text => parse_text_date(cell.text),
        CellKind::Number => {
            let value: f64 = cell.text.parse().map_err(|_| DateError::Unreadable)?;
            // A whole number that reads as YYYYMMDD is beyond Excel's serial range: take it
            // as the date it spells.
            if (10_000_101.0..=99_991_231.0).contains(&value) && value.fract() == 0.0 {
                return parse_text_date(cell.text);
            }
            excel_serial_date(value, is_1904)
        }
        CellKind::Bool | CellKind::Error | CellKind::Empty | CellKind::Formula => {
            Err(DateError::Unreadable)
        }
    }
}

/// S004 (SPEC 3.2), S001 when blank: a date that cannot be read (unreadable, two-digit
/// year, impossible, error cell).
pub(super) fn read_date(
    s: &mut RowSink,
    cell: RawCell<'_>,
    column: Column,
    is_1904: bool,
) -> Val<NaiveDate> {
    read_required(s, cell, column, |s, cell| {
        match parse_date_cell(cell, is_1904) {
            Ok(date) => Val::Ok(date),
            Err(error) => {
                let why = match (cell.kind, error) {
                    (CellKind::Error, _) => "is an error cell, not a date".to_string(),
                    (_, DateError::TwoDigitYear) => {
                        "has a two-digit year; write the year in full, as MM/DD/YYYY or YYYY-MM-DD"
                            .to_string()
                    }
                    (CellKind::Text, DateError::Impossible) if reads_day_first(cell.text) => {
                        "looks like DD/MM/YYYY; dates must be MM/DD/YYYY or YYYY-MM-DD".to_string()
                    }
                    (_, DateError::Impossible) => "is not a real calendar date".to_string(),
                    (_, DateError::Unreadable) => {
                        let forms = DateForm::ALL.map(DateForm::pattern);
                        format!("is not a date; use {}", or_list(&forms))
                    }
                };
                s.push(
                    column,
                    Code::S004,
                    format!("{} {} {why}", column.header(), quoted(cell)),
                );
                Val::Invalid
            }
        }
    })
}

/// S005 (SPEC 3.2): ZIP Code is not a 5-digit ZIP or a ZIP+4.
pub(super) fn read_zip(s: &mut RowSink, cell: RawCell<'_>) -> Val<Zip> {
    if cell.is_blank() {
        return Val::Blank;
    }
    let parsed = match cell.kind {
        CellKind::Number => cell.text.parse().ok().and_then(Zip::from_number),
        CellKind::Text => Zip::parse_text(cell.text),
        _ => None,
    };
    match parsed {
        Some(zip) => Val::Ok(zip),
        None => {
            s.push(
                Column::ZipCode,
                Code::S005,
                format!(
                    "ZIP Code {} is not a 5-digit ZIP or a ZIP+4 such as 02118-1234",
                    quoted(cell)
                ),
            );
            Val::Invalid
        }
    }
}

/// Reason Code (SPEC 2.3, 3.2): S001 when blank on DISENROLL and TRANSFER, S005 when not a
/// known code, then S009 when not allowed for the row's Action.
pub(super) fn read_reason(
    s: &mut RowSink,
    cell: RawCell<'_>,
    action: &Val<Action>,
) -> Val<ReasonCode> {
    let required = matches!(action, Val::Ok(Action::Disenroll | Action::Transfer));
    if cell.is_blank() {
        if required {
            blank(s, cell, Column::ReasonCode);
        }
        return Val::Blank;
    }
    let reason = parse_code(
        s,
        cell,
        Column::ReasonCode,
        Code::S005,
        ReasonCode::parse,
        "a known reason code",
    );
    match (reason, action) {
        (Val::Ok(reason), Val::Ok(action)) => reason_for_action(s, reason, *action),
        (reason, _) => reason,
    }
}

/// S009 (SPEC 2.3, 3.2): a known Reason Code that is not allowed for the row's Action; the
/// reason is `Invalid` then.
fn reason_for_action(s: &mut RowSink, reason: ReasonCode, action: Action) -> Val<ReasonCode> {
    let allowed = ReasonCode::allowed_for(action);
    if allowed.contains(&reason) {
        return Val::Ok(reason);
    }
    let allowed: Vec<&str> = allowed.iter().map(|r| r.as_str()).collect();
    s.push(
        Column::ReasonCode,
        Code::S009,
        format!(
            "Reason Code {reason} is not allowed for {action} (allowed: {})",
            allowed.join(", ")
        ),
    );
    Val::Invalid
}

/// S006 (SPEC 3.2): Date of Birth before 1900-01-01 or after the Effective Date. Either
/// way the date is `Invalid`, and every later check that needs it stays silent (SPEC 3.7):
/// the age checks (no E003 for a member "aged 126") and R002.
pub(super) fn check_birth_range(
    s: &mut RowSink,
    birth_date: Val<NaiveDate>,
    effective: &Val<NaiveDate>,
) -> Val<NaiveDate> {
    let Val::Ok(birth) = birth_date else {
        return birth_date;
    };
    let earliest = NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or_default();
    if birth < earliest {
        s.push(
            Column::DateOfBirth,
            Code::S006,
            format!("Date of Birth {birth} is before 1900-01-01"),
        );
        return Val::Invalid;
    } else if let Val::Ok(effective) = *effective
        && birth > effective
    {
        s.push(
            Column::DateOfBirth,
            Code::S006,
            format!("Date of Birth {birth} is after the Effective Date {effective}"),
        );
        return Val::Invalid;
    }
    birth_date
}

/// S008 (SPEC 3.2): the Effective Date is outside the `--max-retro-days` /
/// `--max-future-days` window around the as-of date.
pub(super) fn check_window(s: &mut RowSink, effective: NaiveDate, ctx: &Context<'_>) {
    let days = (effective - ctx.config.as_of).num_days();
    let as_of = ctx.config.as_of;
    if days < -ctx.config.max_retro_days {
        s.push(Column::EffectiveDate, Code::S008, format!(
            "Effective Date {effective} is {} days before {as_of}; it may be at most {} days back",
            -days, ctx.config.max_retro_days
        ));
    } else if days > ctx.config.max_future_days {
        s.push(Column::EffectiveDate, Code::S008, format!(
            "Effective Date {effective} is {days} days after {as_of}; it may be at most {} days ahead",
            ctx.config.max_future_days
        ));
    }
}

/// A cell's value for a message: `"text"`, or the error / number as it stands.
/// Long values are shortened: a message says what is wrong, it need not repeat a whole cell.
fn quoted(cell: RawCell<'_>) -> String {
    const SHOWN: usize = 60;
    let text = cell.text.trim();
    let text = match text.char_indices().nth(SHOWN) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    };
    match cell.kind {
        CellKind::Error => format!("(error cell {text})"),
        CellKind::Number | CellKind::Bool => text,
        _ => format!("{text:?}"),
    }
}
