//! The report tables (SPEC 4.2), as rows of typed values that the CSV and workbook writers
//! both render. Rows are produced lazily so a million-row report is never built in memory.

use chrono::NaiveDate;

use crate::Judged;
use crate::batch::{CellKind, RawRow};
use crate::model::Action;
use crate::reference::Reference;
use crate::rules::format::{Record, parse_row};
use crate::rules::{Context, RowOutcome, Severity, Val};

/// One value of a report cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Blank,
    Text(String),
    /// An identifier that must stay text (Member ID, ZIP): never turned into a number.
    Id(String),
    Int(u64),
    Date(NaiveDate),
}

impl Value {
    pub fn to_text(&self) -> String {
        match self {
            Value::Blank => String::new(),
            Value::Text(s) | Value::Id(s) => s.clone(),
            Value::Int(n) => n.to_string(),
            Value::Date(d) => d.to_string(),
        }
    }
}

/// A report: its header and its rows.
pub struct Table<'a> {
    pub headers: Vec<String>,
    pub rows: Box<dyn Iterator<Item = Vec<Value>> + 'a>,
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

/// Accepted rows paired with their raw row, in source-row order.
fn accepted_rows<'a>(
    judged: &'a Judged,
) -> impl Iterator<Item = (&'a RawRow, &'a RowOutcome)> + 'a {
    judged
        .batch
        .rows
        .iter()
        .zip(&judged.outcomes)
        .filter(|(_, o)| !o.is_rejected())
}

fn text<T: ToString>(value: &Val<T>) -> Value {
    value
        .ok()
        .map_or(Value::Blank, |v| Value::Text(v.to_string()))
}

fn date(value: &Val<NaiveDate>) -> Value {
    value.get().map_or(Value::Blank, Value::Date)
}

/// An ID in the roster's own spelling.
fn cp_id(reference: &Reference, id: &Val<String>) -> Value {
    match id.ok() {
        Some(id) => Value::Text(
            reference
                .cp(id)
                .map_or_else(|| id.to_uppercase(), |c| c.id.clone()),
        ),
        None => Value::Blank,
    }
}

fn plan_id(reference: &Reference, id: &Val<String>) -> Value {
    match id.ok() {
        Some(id) => Value::Text(
            reference
                .plan(id)
                .map_or_else(|| id.to_uppercase(), |p| p.id.clone()),
        ),
        None => Value::Blank,
    }
}

fn submitter_id(reference: &Reference, id: &Val<String>) -> Value {
    use crate::reference::Submitter;
    match id.ok().map(|id| (id, reference.submitter(id))) {
        Some((_, Some(Submitter::MassHealth))) => Value::Text("MASSHEALTH".into()),
        Some((_, Some(Submitter::Plan(p)))) => Value::Text(p.id.clone()),
        Some((_, Some(Submitter::Cp(c)))) => Value::Text(c.id.clone()),
        Some((id, None)) => Value::Text(id.to_uppercase()),
        None => Value::Blank,
    }
}

fn record(raw: &RawRow, ctx: &Context<'_>) -> Record {
    parse_row(raw, ctx, &mut Vec::new())
}

pub fn accepted<'a>(judged: &'a Judged, ctx: &'a Context<'a>) -> Table<'a> {
    let rows = accepted_rows(judged).map(move |(raw, outcome)| {
        let r = record(raw, ctx);
        let warnings: Vec<&str> = outcome
            .findings
            .iter()
            .filter(|f| f.severity() == Severity::Warning)
            .map(|f| f.code.as_str())
            .collect();
        vec![
            Value::Int(raw.source_row.into()),
            text(&r.action),
            r.member_id
                .ok()
                .map_or(Value::Blank, |m| Value::Id(m.to_string())),
            text(&r.last_name),
            text(&r.first_name),
            date(&r.date_of_birth),
            text(&r.program),
            cp_id(ctx.reference, &r.cp_id),
            cp_id(ctx.reference, &r.from_cp_id),
            plan_id(ctx.reference, &r.plan_id),
            date(&r.effective),
            text(&r.reason),
            submitter_id(ctx.reference, &r.submitter),
            outcome
                .path
                .map_or(Value::Blank, |p| Value::Text(p.as_str().into())),
            Value::Text(warnings.join(";")),
        ]
    });
    Table {
        headers: headers(&ACCEPTED_COLUMNS),
        rows: Box::new(rows),
    }
}

pub fn transfers<'a>(judged: &'a Judged, ctx: &'a Context<'a>) -> Table<'a> {
    let rows = accepted_rows(judged)
        .filter(|(_, o)| o.action == Some(Action::Transfer))
        .map(move |(raw, _)| {
            let r = record(raw, ctx);
            vec![
                Value::Int(raw.source_row.into()),
                r.member_id
                    .ok()
                    .map_or(Value::Blank, |m| Value::Id(m.to_string())),
                text(&r.last_name),
                text(&r.first_name),
                text(&r.program),
                cp_id(ctx.reference, &r.from_cp_id),
                cp_id(ctx.reference, &r.cp_id),
                plan_id(ctx.reference, &r.plan_id),
                date(&r.effective),
                text(&r.reason),
            ]
        });
    Table {
        headers: headers(&TRANSFER_COLUMNS),
        rows: Box::new(rows),
    }
}

/// The rejected rows as they appeared: every column of the batch, original text.
pub fn rejected(judged: &Judged) -> Table<'_> {
    let batch = &judged.batch;
    let mut names = vec!["source_row".to_string()];
    names
        .extend((0..batch.width).map(|i| batch.layout.headers.get(i).cloned().unwrap_or_default()));
    names.push("error_codes".into());
    names.push("errors".into());
    let rows = batch
        .rows
        .iter()
        .zip(&judged.outcomes)
        .filter(|(_, o)| o.is_rejected())
        .map(move |(raw, outcome)| {
            let mut values = vec![Value::Int(raw.source_row.into())];
            values.extend((0..batch.width).map(|i| {
                let cell = raw.cell(i);
                match cell.kind {
                    CellKind::Empty => Value::Blank,
                    _ => Value::Text(cell.text.to_string()),
                }
            }));
            let errors: Vec<_> = outcome.findings.iter().filter(|f| f.is_error()).collect();
            values.push(Value::Text(
                errors
                    .iter()
                    .map(|f| f.code.as_str())
                    .collect::<Vec<_>>()
                    .join(";"),
            ));
            values.push(Value::Text(
                errors
                    .iter()
                    .map(|f| f.message.as_str())
                    .collect::<Vec<_>>()
                    .join(" | "),
            ));
            values
        });
    Table {
        headers: names,
        rows: Box::new(rows),
    }
}

pub fn findings(judged: &Judged) -> Table<'_> {
    let all = judged
        .file_findings
        .iter()
        .chain(judged.outcomes.iter().flat_map(|o| o.findings.iter()));
    let rows = all.map(|f| {
        vec![
            f.source_row.map_or(Value::Blank, |r| Value::Int(r.into())),
            f.column
                .map_or(Value::Blank, |c| Value::Text(c.header().into())),
            Value::Text(f.code.as_str().into()),
            Value::Text(f.severity().as_str().into()),
            Value::Text(f.message.clone()),
        ]
    });
    Table {
        headers: headers(&FINDING_COLUMNS),
        rows: Box::new(rows),
    }
}
