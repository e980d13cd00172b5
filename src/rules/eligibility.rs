//! Eligibility (SPEC 3.4): the ACO/MCO path and the DMH path, E001–E010 and W005.

use super::Record;
use super::{Code, Context, EligibilityPath, Finding, RowSink, Val};
use crate::model::{Column, CoverageType, Dmh, PlanType, Program, Zip, age_on};
use crate::reference::{Plan, Reference};

/// The member's plan, as far as eligibility can tell.
#[derive(Debug, Clone, Copy)]
pub enum PlanFact<'r> {
    /// Not known: a required Plan ID is blank, or the Plan ID is not in the roster. The
    /// format or reference finding already rejects the row; eligibility stays silent on it.
    Unknown,
    /// No managed-care plan (fee-for-service).
    NoPlan,
    /// A plan in the roster.
    Plan(&'r Plan),
    /// An EVS plan that the roster does not define: a plan of unknown type, not an ACO/MCO.
    Unlisted,
}

impl<'r> PlanFact<'r> {
    pub fn aco_mco(&self) -> Option<&'r Plan> {
        match self {
            PlanFact::Plan(p) if p.plan_type.is_aco_mco() => Some(p),
            _ => None,
        }
    }

    fn is_one_care(&self) -> bool {
        matches!(self, PlanFact::Plan(p) if p.plan_type == PlanType::OneCare)
    }
}

/// The facts eligibility is judged on: the row's attested columns, or the EVS segment.
#[derive(Debug, Clone)]
pub struct Facts<'r> {
    pub plan: PlanFact<'r>,
    pub coverage: Val<CoverageType>,
    pub medicare: Val<bool>,
    pub other_insurance: Val<bool>,
    pub nursing_facility: Val<bool>,
    pub dmh: Val<Dmh>,
    pub zip: Val<Zip>,
    /// True when the facts come from the EVS snapshot (no W005 then).
    pub from_evs: bool,
}

impl<'r> Facts<'r> {
    /// The row's own Plan ID and attested columns.
    pub fn attested(record: &Record, reference: &'r Reference) -> Facts<'r> {
        let plan = match &record.plan_id {
            Val::Ok(id) => reference.plan(id).map_or(PlanFact::Unknown, PlanFact::Plan),
            Val::Blank if record.dmh.get().is_some_and(Dmh::is_affiliated) => PlanFact::NoPlan,
            _ => PlanFact::Unknown,
        };
        Facts {
            plan,
            coverage: record.coverage.clone(),
            medicare: record.medicare.clone(),
            other_insurance: record.other_insurance.clone(),
            nursing_facility: record.nursing_facility.clone(),
            dmh: record.dmh.clone(),
            zip: record.zip.clone(),
            from_evs: false,
        }
    }
}

/// A path's verdict: the findings that fail it, and the facts it had to assume.
struct PathResult {
    failures: Vec<(Column, Code, String)>,
    assumed: Vec<&'static str>,
}

/// Checks an ENROLL or TRANSFER row's eligibility; returns the path it passes by.
pub fn check(
    record: &Record,
    facts: &Facts<'_>,
    ctx: &Context<'_>,
    out: &mut Vec<Finding>,
) -> Option<EligibilityPath> {
    if !record.is_enroll_or_transfer() {
        return None;
    }
    let mut sink = RowSink {
        row: record.source_row,
        out,
    };
    let mut push =
        |column: Option<Column>, code: Code, message: String| sink.push_in(column, code, message);
    let age = match (record.date_of_birth.get(), record.effective.get()) {
        (Some(birth), Some(on)) if birth <= on => Some(age_on(birth, on)),
        _ => None,
    };
    let aco = facts
        .plan
        .aco_mco()
        .map(|plan| aco_mco_path(plan, facts, age, record.program.get()));
    let dmh = facts
        .dmh
        .get()
        .filter(|d| d.is_affiliated())
        .map(|d| dmh_path(d, facts, age));

    let passed = |p: &Option<PathResult>| p.as_ref().is_some_and(|r| r.failures.is_empty());
    let (path, reported) = if passed(&aco) {
        (Some(EligibilityPath::AcoMco), aco.as_ref())
    } else if passed(&dmh) {
        (Some(EligibilityPath::Dmh), None)
    } else if aco.is_some() {
        (None, aco.as_ref())
    } else if dmh.is_some() {
        (None, dmh.as_ref())
    } else {
        let silent = matches!(facts.plan, PlanFact::Unknown) || facts.dmh == Val::Invalid;
        if !silent {
            push(Some(Column::PlanId), Code::E007, no_path_message(facts));
        }
        (None, None)
    };
    if let Some(result) = reported {
        if path.is_none() {
            for (column, code, message) in &result.failures {
                push(Some(*column), *code, message.clone());
            }
        }
        // `reported` is only ever the ACO/MCO path's result or the DMH path's failures; the
        // DMH path assumes nothing, so W005 comes from the ACO/MCO path alone.
        if !facts.from_evs && !result.assumed.is_empty() {
            push(
                None,
                Code::W005,
                format!(
                    "eligibility is not fully verified: {} blank and assumed favourable; fill in the column(s) or validate with --evs",
                    join_facts(&result.assumed)
                ),
            );
        }
    }
    check_service_area(record, facts, ctx, &mut push);
    path
}

fn aco_mco_path(
    plan: &Plan,
    facts: &Facts<'_>,
    age: Option<i32>,
    program: Option<Program>,
) -> PathResult {
    let mut failures = Vec::new();
    let mut assumed = Vec::new();
    let source = if facts.from_evs {
        "EVS shows the member"
    } else {
        "the member"
    };
    if let Some(age) = age {
        if age < 3 {
            failures.push((Column::DateOfBirth, Code::E001, format!(
                "the member is {age} on the Effective Date; members join a CP through an ACO or MCO from age 3"
            )));
        } else if age < 18 && program == Some(Program::Bh) {
            failures.push((Column::DateOfBirth, Code::E002, format!(
                "the member is {age} on the Effective Date; BH CPs serve members aged 18 and over"
            )));
        }
        if age >= 65 {
            failures.push((Column::DateOfBirth, Code::E003, format!(
                "the member is {age} on the Effective Date; members aged 65 and over are not managed-care eligible"
            )));
        }
    }
    match facts.coverage {
        Val::Ok(c) if !c.is_managed_care_eligible() => failures.push((Column::CoverageType, Code::E004, format!(
            "coverage type {c} is not managed-care eligible (STANDARD, COMMONHEALTH, CAREPLUS or FAMILY_ASSISTANCE are)"
        ))),
        Val::Blank => assumed.push("Coverage Type"),
        _ => {}
    }
    let flags = [
        (
            &facts.medicare,
            Column::Medicare,
            Code::E005,
            "has Medicare",
            "Medicare",
        ),
        (
            &facts.other_insurance,
            Column::OtherInsurance,
            Code::E006,
            "has other (third-party) insurance",
            "Other Insurance",
        ),
        (
            &facts.nursing_facility,
            Column::NursingFacility,
            Code::E009,
            "lives in a nursing facility",
            "Nursing Facility",
        ),
    ];
    for (value, column, code, what, name) in flags {
        match value {
            Val::Ok(true) => failures.push((
                column,
                code,
                format!(
                    "{source} {what}, which rules out a CP through plan {} (an ACO/MCO)",
                    plan.id
                ),
            )),
            Val::Blank => assumed.push(name),
            _ => {}
        }
    }
    PathResult { failures, assumed }
}

fn dmh_path(dmh: Dmh, facts: &Facts<'_>, age: Option<i32>) -> PathResult {
    let mut failures = Vec::new();
    if let Some(age) = age.filter(|a| *a < 18) {
        failures.push((Column::DateOfBirth, Code::E002, format!(
            "the member is {age} on the Effective Date; the DMH {dmh} path to a CP is for members aged 18 and over"
        )));
    }
    if let PlanFact::Plan(plan) = facts.plan
        && facts.plan.is_one_care()
    {
        failures.push((Column::PlanId, Code::E008, format!(
            "the member is in One Care plan {}; One Care members cannot join a CP through the DMH path",
            plan.id
        )));
    }
    PathResult {
        failures,
        assumed: Vec::new(),
    }
}

fn no_path_message(facts: &Facts<'_>) -> String {
    let plan = match facts.plan {
        PlanFact::Plan(p) => format!(
            "plan {} is {}, not an ACO or MCO",
            p.id,
            p.plan_type.describe()
        ),
        PlanFact::Unlisted => "the member's EVS plan is not an ACO or MCO".to_string(),
        _ => "the member has no ACO or MCO plan".to_string(),
    };
    format!("{plan}, and the member has no DMH ACCS or CBFS affiliation")
}

fn check_service_area(
    record: &Record,
    facts: &Facts<'_>,
    ctx: &Context<'_>,
    push: &mut impl FnMut(Option<Column>, Code, String),
) {
    let (Val::Ok(zip), Val::Ok(cp_id)) = (&facts.zip, &record.cp_id) else {
        return;
    };
    let Some(cp) = ctx.reference.cp(cp_id) else {
        return;
    };
    if !ctx.reference.serves(cp, zip) {
        push(
            Some(Column::ZipCode),
            Code::E010,
            format!(
                "ZIP Code {} is not in the service area of CP {}",
                zip.as_str(),
                cp.id
            ),
        );
    }
}

fn join_facts(names: &[&str]) -> String {
    match names {
        [one] => format!("{one} was"),
        _ => format!("{} were", names.join(", ")),
    }
}
