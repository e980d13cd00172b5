//! The rows `cpbatch watch` proposes, judged by the code that judges batches: a
//! disenrollment is proposed only when `validate` would accept it (the closed loop of SPEC
//! 7), and M003 names the E codes that `validate` gives an ENROLL row of the member.

use std::borrow::Cow;

use chrono::NaiveDate;

use super::member::OnDate;
use crate::batch::{CellKind, Layout, RawCell, RawRow};
use crate::evs::Segment;
use crate::model::{Action, Column, MemberId, ReasonCode};
use crate::reference::{Cp, Plan};
use crate::rules::eligibility;
use crate::rules::reconcile::Lookup;
use crate::rules::{Code, Context, Finding, Record, Val, check_row};

/// One row of the proposed batch: its values in the order of [`Column::ALL`], as text
/// (dates as `YYYY-MM-DD`). Held in one string: a watch may propose many rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProposedRow {
    pub member: MemberId,
    text: Box<str>,
    ends: [u32; 18],
}

impl ProposedRow {
    fn new(member: MemberId, cells: [String; 18]) -> ProposedRow {
        let mut text = String::with_capacity(cells.iter().map(String::len).sum());
        let ends = cells.map(|cell| {
            text.push_str(&cell);
            text.len() as u32
        });
        ProposedRow {
            member,
            text: text.into_boxed_str(),
            ends,
        }
    }

    pub fn get(&self, column: Column) -> &str {
        let i = column as usize;
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        self.text
            .get(start..self.ends[i] as usize)
            .unwrap_or_default()
    }

    /// The values in the order of [`Column::ALL`].
    pub fn cells(&self) -> [&str; 18] {
        Column::ALL.map(|column| self.get(column))
    }
}

/// The canonical layout: the 18 headers of the template, in order.
pub fn canonical_layout() -> Layout {
    let headers: Vec<&str> = Column::ALL.iter().map(|c| c.header()).collect();
    // The canonical headers always map.
    Layout::from_headers("proposed", 1, &headers).unwrap_or_default()
}

/// The DISENROLL row of a member from its segment on D.
pub fn disenrollment(
    member: MemberId,
    segment: &Segment,
    cp: &Cp,
    plan: Option<&Plan>,
    (date, reason): (NaiveDate, ReasonCode),
    submitter: &str,
) -> ProposedRow {
    let yes_no = |v: Option<bool>| v.map_or("", |b| if b { "Y" } else { "N" }).to_string();
    let text = |v: Option<&str>| v.unwrap_or_default().to_string();
    let cells = Column::ALL.map(|column| match column {
        Column::Action => Action::Disenroll.as_str().to_string(),
        Column::MemberId => member.to_string(),
        Column::LastName => segment.last_name.to_string(),
        Column::FirstName => segment.first_name.to_string(),
        Column::DateOfBirth => segment
            .date_of_birth
            .map(|d| d.to_string())
            .unwrap_or_default(),
        Column::CpProgram => cp.program.as_str().to_string(),
        Column::CpId => cp.id.clone(),
        Column::FromCpId => String::new(),
        Column::PlanId => text(plan.map(|p| p.id.as_str())),
        Column::CoverageType => text(segment.coverage.map(|c| c.as_str())),
        Column::Medicare => yes_no(segment.medicare),
        Column::OtherInsurance => yes_no(segment.other_insurance),
        Column::NursingFacility => yes_no(segment.nursing_facility),
        Column::DmhAffiliation => text(segment.dmh.map(|d| d.as_str())),
        Column::ZipCode => text(segment.zip.as_ref().map(|z| z.as_str())),
        Column::EffectiveDate => date.to_string(),
        Column::ReasonCode => reason.as_str().to_string(),
        Column::SubmitterId => submitter.to_string(),
    });
    ProposedRow::new(member, cells)
}

/// The errors `validate` gives the row (with `--evs`), in column order.
pub fn errors_of(row: &ProposedRow, ctx: &Context<'_>) -> Vec<Finding> {
    let cells: Vec<RawCell<'_>> = row
        .cells()
        .into_iter()
        .map(|text| RawCell {
            kind: if text.is_empty() {
                CellKind::Empty
            } else {
                CellKind::Text
            },
            text,
        })
        .collect();
    let raw = RawRow::new(2, &cells);
    let mut findings: Vec<Finding> = check_row(&raw, ctx)
        .findings
        .into_iter()
        .filter(Finding::is_error)
        .collect();
    crate::rules::sort_findings(&mut findings, ctx.layout);
    findings
}

/// `CODE message; CODE message`.
pub fn listed(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(|f| format!("{} {}", f.code, f.message))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The E001–E009 findings of an ENROLL row of the member with its CP on D, judged on the
/// segment on D (which covers D) by the eligibility code of `validate`; empty when the
/// member is eligible on a path.
pub fn ineligibility(
    member: MemberId,
    on: &OnDate<'_>,
    cp: &Cp,
    date: NaiveDate,
    ctx: &Context<'_>,
) -> Vec<Finding> {
    let Some(segment) = on.segment.filter(|_| on.covered) else {
        return Vec::new();
    };
    let lookup = Lookup::Found {
        segments: on.segments,
        applicable: Some(segment),
        covering: true,
    };
    let Some(facts) = lookup.facts(ctx.reference) else {
        return Vec::new();
    };
    let record = enroll_record(member, segment, cp, date);
    let mut out = Vec::new();
    if eligibility::check(&record, &facts, ctx, &mut out).is_some() {
        return Vec::new();
    }
    out.retain(|f| f.code.as_str().starts_with('E') && f.code != Code::E010);
    out
}

/// The ENROLL row of the member with its CP on D, as far as eligibility reads it.
fn enroll_record<'a>(
    member: MemberId,
    segment: &'a Segment,
    cp: &'a Cp,
    date: NaiveDate,
) -> Record<'a> {
    let name = |text: &'a str| match text {
        "" => Val::Blank,
        text => Val::Ok(Cow::Borrowed(text)),
    };
    Record {
        source_row: 0,
        action: Val::Ok(Action::Enroll),
        member_id: Val::Ok(member),
        last_name: name(segment.last_name.as_str()),
        first_name: name(segment.first_name.as_str()),
        date_of_birth: Val::from_option(segment.date_of_birth),
        program: Val::Ok(cp.program),
        cp_id: Val::Ok(Cow::Borrowed(cp.id.as_str())),
        from_cp_id: Val::Blank,
        plan_id: name(segment.plan_id.as_str()),
        coverage: Val::from_option(segment.coverage),
        medicare: Val::from_option(segment.medicare),
        other_insurance: Val::from_option(segment.other_insurance),
        nursing_facility: Val::from_option(segment.nursing_facility),
        dmh: Val::from_option(segment.dmh),
        zip: Val::from_option(segment.zip),
        effective: Val::Ok(date),
        reason: Val::Blank,
        submitter: Val::Blank,
        action_text: "",
        effective_text: "",
    }
}
