//! The report tables (SPEC 4.2), as rows of typed values that the CSV and workbook writers
//! both render. Rows are produced lazily so a million-row report is never built in memory.

use std::borrow::Cow;

use chrono::NaiveDate;

use crate::Judged;
use crate::batch::{CellKind, RawRow};
use crate::model::{Action, CodeName};
use crate::reference::Reference;
use crate::rules::Record;
use crate::rules::format::parse_row;
use crate::rules::{Context, Finding, RowOutcome, Severity, Val};

/// One value of a report cell; text borrows from the batch wherever it can.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    Blank,
    Text(Cow<'a, str>),
    /// An identifier that must stay text (Member ID, ZIP): never turned into a number.
    Id(Cow<'a, str>),
    Int(u64),
    Date(NaiveDate),
}

impl Value<'_> {
    /// Appends the value's text to `out`.
    pub fn write_text(&self, out: &mut String) {
        use std::fmt::Write;
        match self {
            Value::Blank => {}
            Value::Text(s) | Value::Id(s) => out.push_str(s),
            Value::Int(n) => push_decimal(out, *n, 1),
            Value::Date(d) => {
                use chrono::Datelike;
                // chrono's `YYYY-MM-DD`, without the formatting machinery, for the years a
                // batch can hold; others as chrono writes them. Writing to a String cannot
                // fail.
                match u64::try_from(d.year()) {
                    Ok(year @ 0..=9999) => {
                        push_decimal(out, year, 4);
                        out.push('-');
                        push_decimal(out, d.month().into(), 2);
                        out.push('-');
                        push_decimal(out, d.day().into(), 2);
                    }
                    _ => {
                        let _ = write!(out, "{d}");
                    }
                }
            }
        }
    }

    pub fn to_text(&self) -> String {
        let mut out = String::new();
        self.write_text(&mut out);
        out
    }
}

/// Appends `n` in decimal, left-padded with zeros to `width` digits (at most 20).
pub(crate) fn push_decimal(out: &mut String, mut n: u64, width: usize) {
    let mut digits = [b'0'; 20];
    let mut start = digits.len();
    while n > 0 || start == digits.len() {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
    }
    let start = start.min(digits.len() - width.min(digits.len()));
    // Only ASCII digits are written.
    out.push_str(std::str::from_utf8(&digits[start..]).unwrap_or_default());
}

/// A report: its header and its rows, each built on demand from its index so that writers
/// can render blocks of rows in parallel without holding the whole report.
pub struct Table<'a> {
    pub headers: Vec<String>,
    pub len: usize,
    row: Box<dyn Fn(usize) -> Vec<Value<'a>> + Sync + 'a>,
}

impl<'a> Table<'a> {
    pub fn new(
        headers: Vec<String>,
        len: usize,
        row: impl Fn(usize) -> Vec<Value<'a>> + Sync + 'a,
    ) -> Table<'a> {
        Table {
            headers,
            len,
            row: Box::new(row),
        }
    }

    pub fn row(&self, index: usize) -> Vec<Value<'a>> {
        (self.row)(index)
    }

    pub fn rows(&self) -> impl Iterator<Item = Vec<Value<'a>>> + '_ {
        (0..self.len).map(|i| self.row(i))
    }
}

pub const ACCEPTED_COLUMNS: [&str; 15] = [
    "source_row",
    "action",
    "member_id",
    "last_name",
    "first_name",
    "date_of_birth",
    "cp_program",
    "cp_id",
    "from_cp_id",
    "plan_id",
    "effective_date",
    "reason_code",
    "submitter_id",
    "eligibility_path",
    "warnings",
];

pub const TRANSFER_COLUMNS: [&str; 10] = [
    "source_row",
    "member_id",
    "last_name",
    "first_name",
    "cp_program",
    "from_cp_id",
    "to_cp_id",
    "plan_id",
    "effective_date",
    "reason_code",
];

pub const FINDING_COLUMNS: [&str; 5] = ["source_row", "column", "code", "severity", "message"];

fn headers(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

/// The indexes of the rows an outcome filter keeps, in source-row order.
fn indexes(judged: &Judged, keep: impl Fn(&RowOutcome) -> bool) -> Vec<usize> {
    (0..judged.outcomes.len())
        .filter(|i| keep(&judged.outcomes[*i]))
        .collect()
}

fn text<'a>(value: &Val<Cow<'a, str>>) -> Value<'a> {
    value.ok().map_or(Value::Blank, |v| Value::Text(v.clone()))
}

fn code<T: CodeName>(value: &Val<T>) -> Value<'static> {
    value
        .get()
        .map_or(Value::Blank, |v| Value::Text(Cow::Borrowed(v.name())))
}

fn date(value: &Val<NaiveDate>) -> Value<'static> {
    value.get().map_or(Value::Blank, Value::Date)
}

/// An ID in the roster's own spelling.
fn cp_id<'r>(reference: &'r Reference, id: &Val<Cow<'_, str>>) -> Value<'r> {
    match id.ok() {
        Some(id) => Value::Text(reference.cp(id).map_or_else(
            || Cow::Owned(id.to_uppercase()),
            |c| Cow::Borrowed(c.id.as_str()),
        )),
        None => Value::Blank,
    }
}

fn plan_id<'r>(reference: &'r Reference, id: &Val<Cow<'_, str>>) -> Value<'r> {
    match id.ok() {
        Some(id) => Value::Text(reference.plan(id).map_or_else(
            || Cow::Owned(id.to_uppercase()),
            |p| Cow::Borrowed(p.id.as_str()),
        )),
        None => Value::Blank,
    }
}

fn submitter_id<'r>(reference: &'r Reference, id: &Val<Cow<'_, str>>) -> Value<'r> {
    use crate::reference::Submitter;
    match id.ok().map(|id| (id, reference.submitter(id))) {
        Some((_, Some(Submitter::MassHealth))) => Value::Text("MASSHEALTH".into()),
        Some((_, Some(Submitter::Plan(p)))) => Value::Text(Cow::Borrowed(p.id.as_str())),
        Some((_, Some(Submitter::Cp(c)))) => Value::Text(Cow::Borrowed(c.id.as_str())),
        Some((id, None)) => Value::Text(Cow::Owned(id.to_uppercase())),
        None => Value::Blank,
    }
}

fn record<'a>(raw: &'a RawRow, ctx: &Context<'_>) -> Record<'a> {
    parse_row(raw, ctx, &mut Vec::new())
}

pub fn accepted<'a>(judged: &'a Judged, ctx: &'a Context<'a>) -> Table<'a> {
    let kept = indexes(judged, |o| !o.is_rejected());
    Table::new(headers(&ACCEPTED_COLUMNS), kept.len(), move |i| {
        let (raw, outcome) = (&judged.batch.rows[kept[i]], &judged.outcomes[kept[i]]);
        let r = record(raw, ctx);
        let warnings: Vec<&str> = outcome
            .findings
            .iter()
            .filter(|f| f.severity() == Severity::Warning)
            .map(|f| f.code.as_str())
            .collect();
        vec![
            Value::Int(raw.source_row.into()),
            code(&r.action),
            member_id(&r.member_id),
            text(&r.last_name),
            text(&r.first_name),
            date(&r.date_of_birth),
            code(&r.program),
            cp_id(ctx.reference, &r.cp_id),
            cp_id(ctx.reference, &r.from_cp_id),
            plan_id(ctx.reference, &r.plan_id),
            date(&r.effective),
            code(&r.reason),
            submitter_id(ctx.reference, &r.submitter),
            outcome
                .path
                .map_or(Value::Blank, |p| Value::Text(Cow::Borrowed(p.as_str()))),
            Value::Text(Cow::Owned(warnings.join(";"))),
        ]
    })
}

/// A valid Member ID as its 12 digits, kept as text.
fn member_id<'a>(id: &Val<crate::model::MemberId>) -> Value<'a> {
    id.ok().map_or(Value::Blank, |m| {
        let mut digits = String::with_capacity(12);
        push_decimal(&mut digits, m.value(), 12);
        Value::Id(Cow::Owned(digits))
    })
}

pub fn transfers<'a>(judged: &'a Judged, ctx: &'a Context<'a>) -> Table<'a> {
    let kept = indexes(judged, |o| {
        !o.is_rejected() && o.action == Some(Action::Transfer)
    });
    Table::new(headers(&TRANSFER_COLUMNS), kept.len(), move |i| {
        let raw = &judged.batch.rows[kept[i]];
        let r = record(raw, ctx);
        vec![
            Value::Int(raw.source_row.into()),
            member_id(&r.member_id),
            text(&r.last_name),
            text(&r.first_name),
            code(&r.program),
            cp_id(ctx.reference, &r.from_cp_id),
            cp_id(ctx.reference, &r.cp_id),
            plan_id(ctx.reference, &r.plan_id),
            date(&r.effective),
            code(&r.reason),
        ]
    })
}

/// The batch's own columns, by position: every column but those cpbatch added to a
/// rejected workbook (`Source Row`, `Errors`; SPEC 2.1), which a re-check leaves out.
pub fn own_columns(batch: &crate::batch::Batch) -> Vec<usize> {
    (0..batch.width)
        .filter(|i| !batch.layout.is_added(*i))
        .collect()
}

/// The rejected rows as they appeared: every column of the batch, original text.
pub fn rejected(judged: &Judged) -> Table<'_> {
    let batch = &judged.batch;
    let own = own_columns(batch);
    let mut names = vec!["source_row".to_string()];
    names.extend(
        own.iter()
            .map(|i| batch.layout.headers.get(*i).cloned().unwrap_or_default()),
    );
    names.push("error_codes".into());
    names.push("errors".into());
    let kept = indexes(judged, RowOutcome::is_rejected);
    Table::new(names, kept.len(), move |i| {
        let (raw, outcome) = (&batch.rows[kept[i]], &judged.outcomes[kept[i]]);
        let mut values = vec![Value::Int(raw.source_row.into())];
        values.extend(own.iter().map(|i| {
            let cell = raw.cell(*i);
            match cell.kind {
                CellKind::Empty => Value::Blank,
                _ => Value::Text(Cow::Borrowed(cell.text)),
            }
        }));
        let errors: Vec<_> = outcome.findings.iter().filter(|f| f.is_error()).collect();
        let codes: Vec<&str> = errors.iter().map(|f| f.code.as_str()).collect();
        let messages: Vec<&str> = errors.iter().map(|f| f.message.as_str()).collect();
        values.push(Value::Text(Cow::Owned(codes.join(";"))));
        values.push(Value::Text(Cow::Owned(messages.join(" | "))));
        values
    })
}

pub fn findings(judged: &Judged) -> Table<'_> {
    let all: Vec<&Finding> = judged
        .file_findings
        .iter()
        .chain(judged.outcomes.iter().flat_map(|o| o.findings.iter()))
        .collect();
    Table::new(headers(&FINDING_COLUMNS), all.len(), move |i| {
        let f = all[i];
        vec![
            f.source_row.map_or(Value::Blank, |r| Value::Int(r.into())),
            f.column
                .map_or(Value::Blank, |c| Value::Text(c.header().into())),
            Value::Text(f.code.as_str().into()),
            Value::Text(f.severity().as_str().into()),
            Value::Text(Cow::Borrowed(f.message.as_str())),
        ]
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Numbers, dates and Member IDs are written as `Display` writes them.
        #[test]
        fn values_are_written_as_display_writes_them(
            n in any::<u64>(),
            days in -400_000i64..3_000_000,
            id in 0u64..1_000_000_000_000,
        ) {
            prop_assert_eq!(Value::Int(n).to_text(), n.to_string());
            let date = NaiveDate::from_ymd_opt(1, 1, 1).unwrap() + chrono::Duration::days(days);
            prop_assert_eq!(Value::Date(date).to_text(), date.to_string());
            let (member, _) = crate::model::MemberId::from_number(id as f64).unwrap();
            prop_assert_eq!(member_id(&Val::Ok(member)).to_text(), member.to_string());
        }
    }

    #[test]
    fn small_numbers_and_far_dates() {
        assert_eq!(Value::Int(0).to_text(), "0");
        for (y, m, d) in [
            (0, 1, 1),
            (9999, 12, 31),
            (10000, 1, 1),
            (-1, 3, 4),
            (5, 6, 7),
        ] {
            let date = NaiveDate::from_ymd_opt(y, m, d).unwrap();
            assert_eq!(Value::Date(date).to_text(), date.to_string());
        }
    }
}
