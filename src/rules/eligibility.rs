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
    /// False when the row's own Plan ID names no plan (S001, C003, which reject it): E007
    /// would say it again, so it stays silent even on EVS facts (SPEC 3.7). `watch` judges
    /// EVS facts alone: true there.
    pub plan_named: bool,
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
            plan_named: record.plan_id_known(reference),
        }
    }
}

/// A path's verdict: the findings that fail it, and the facts it had to assume.
#[derive(Default)]
struct PathResult {
    failures: Vec<(Column, Code, String)>,
    assumed: Vec<&'static str>,
}

/// Checks an ENROLL or TRANSFER row's eligibility (SPEC 3.4); returns the path it passes
/// by. Reports the failures of the ACO/MCO path if the plan is an ACO/MCO, else those of the
/// DMH path, else E007; then W005 and E010.
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
    let s = &mut sink;
    let age = match (record.date_of_birth.get(), record.effective.get()) {
        (Some(birth), Some(on)) if birth <= on => Some(age_on(birth, on)),
        _ => None,
    };
    // Eligibility is for the program of CP ID (SPEC 3.4), whatever CP Program says (C002
    // tells them apart); an unknown CP (C001) has no program, and what needs one is silent.
    let program = record
        .cp_id
        .ok()
        .and_then(|id| ctx.reference.cp(id))
        .map(|cp| cp.program);
    let aco = facts
        .plan
        .aco_mco()
        .map(|plan| aco_mco_path(plan, facts, age, program));
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
        no_path(s, facts);
        (None, None)
    };
    if let Some(result) = reported {
        if path.is_none() {
            for (column, code, message) in &result.failures {
                s.push(*column, *code, message.clone());
            }
        }
        // `reported` is only ever the ACO/MCO path's result or the DMH path's failures; the
        // DMH path assumes nothing, so W005 comes from the ACO/MCO path alone.
        if !facts.from_evs {
            not_fully_verified(s, &result.assumed);
        }
    }
    outside_service_area(s, record, facts, ctx);
    path
}

/// The ACO/MCO path (SPEC 3.4): E001–E003 on age, E004 on coverage, E005, E006 and E009 on
/// the flags; the blank facts it assumed favourable are kept for W005.
fn aco_mco_path(
    plan: &Plan,
    facts: &Facts<'_>,
    age: Option<i32>,
    program: Option<Program>,
) -> PathResult {
    let mut result = PathResult::default();
    if let Some(age) = age {
        aco_mco_age(&mut result, age, program);
    }
    coverage_not_eligible(&mut result, &facts.coverage);
    aco_mco_flags(&mut result, plan, facts);
    result
}

/// E001, E002 and E003 (SPEC 3.4), ACO/MCO path: under 3; 3 to 17 in a BH program; 65 or
/// older.
fn aco_mco_age(result: &mut PathResult, age: i32, program: Option<Program>) {
    if age < 3 {
        result.failures.push((Column::DateOfBirth, Code::E001, format!(
            "the member is {age} on the Effective Date; members join a CP through an ACO or MCO from age 3"
        )));
    } else if age < 18 && program == Some(Program::Bh) {
        result.failures.push((
            Column::DateOfBirth,
            Code::E002,
            format!(
                "the member is {age} on the Effective Date; BH CPs serve members aged 18 and over"
            ),
        ));
    }
    if age >= 65 {
        result.failures.push((Column::DateOfBirth, Code::E003, format!(
            "the member is {age} on the Effective Date; members aged 65 and over are not managed-care eligible"
        )));
    }
}

/// E004 (SPEC 3.4, 3.7), ACO/MCO path: the coverage type is not managed-care eligible. An
/// invalid Coverage Type (S005) is silent; a blank one is assumed favourable (W005).
fn coverage_not_eligible(result: &mut PathResult, coverage: &Val<CoverageType>) {
    match coverage {
        Val::Ok(c) if !c.is_managed_care_eligible() => result.failures.push((
            Column::CoverageType,
            Code::E004,
            format!(
                "coverage type {c} is not managed-care eligible ({} are)",
                CoverageType::managed_care_choices()
            ),
        )),
        Val::Blank => result.assumed.push("Coverage Type"),
        _ => {}
    }
}

/// E005, E006 and E009 (SPEC 3.4), ACO/MCO path: Medicare, other insurance, a nursing
/// facility. A blank flag is assumed favourable (W005).
fn aco_mco_flags(result: &mut PathResult, plan: &Plan, facts: &Facts<'_>) {
    let source = if facts.from_evs {
        "EVS shows the member"
    } else {
        "the member"
    };
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
            Val::Ok(true) => result.failures.push((
                column,
                code,
                format!(
                    "{source} {what}, which rules out a CP through plan {} (an ACO/MCO)",
                    plan.id
                ),
            )),
            Val::Blank => result.assumed.push(name),
            _ => {}
        }
    }
}

/// The DMH path (SPEC 3.4): E002 under 18, E008 in a One Care plan. It assumes nothing.
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

/// E007 (SPEC 3.4, 3.7): neither path applies (no ACO/MCO plan, no DMH ACCS/CBFS
/// affiliation). Silent when the row's Plan ID names no plan (S001, C003), or DMH
/// Affiliation is invalid.
fn no_path(s: &mut RowSink, facts: &Facts<'_>) {
    // (An unknown attested plan is a Plan ID that names no plan: `plan_named` covers it.)
    let silent = !facts.plan_named || facts.dmh == Val::Invalid;
    if silent {
        return;
    }
    let plan = match facts.plan {
        PlanFact::Plan(p) => format!(
            "plan {} is {}, not an ACO or MCO",
            p.id,
            p.plan_type.describe()
        ),
        PlanFact::Unlisted => "the member's EVS plan is not an ACO or MCO".to_string(),
        _ => "the member has no ACO or MCO plan".to_string(),
    };
    s.push(
        Column::PlanId,
        Code::E007,
        format!("{plan}, and the member has no DMH ACCS or CBFS affiliation"),
    );
}

/// W005 (SPEC 3.4, 3.7): without EVS, facts the reported or passing ACO/MCO path needs were
/// blank and assumed favourable. One per row, in no column.
fn not_fully_verified(s: &mut RowSink, assumed: &[&str]) {
    if assumed.is_empty() {
        return;
    }
    s.push_in(
        None,
        Code::W005,
        format!(
            "eligibility is not fully verified: {} blank and assumed favourable; fill in the column(s) or validate with --evs",
            join_facts(assumed)
        ),
    );
}

/// E010 (SPEC 3.4, 3.7): the member's ZIP (from the facts) is not in the service area of CP
/// ID, on every ENROLL and TRANSFER row whichever path. Silent on an unknown CP (C001).
fn outside_service_area(s: &mut RowSink, record: &Record, facts: &Facts<'_>, ctx: &Context<'_>) {
    let (Val::Ok(zip), Val::Ok(cp_id)) = (&facts.zip, &record.cp_id) else {
        return;
    };
    let Some(cp) = ctx.reference.cp(cp_id) else {
        return;
    };
    if !ctx.reference.serves(cp, zip) {
        s.push(
            Column::ZipCode,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn w005_description_names_the_facts_the_aco_mco_path_may_assume() {
        let plan = Plan {
            id: "P1".into(),
            name: "Plan One".into(),
            plan_type: PlanType::Acpp,
        };
        let blank = Facts {
            plan: PlanFact::Plan(&plan),
            coverage: Val::Blank,
            medicare: Val::Blank,
            other_insurance: Val::Blank,
            nursing_facility: Val::Blank,
            dmh: Val::Blank,
            zip: Val::Blank,
            from_evs: false,
            plan_named: true,
        };
        let assumed = aco_mco_path(&plan, &blank, Some(30), None).assumed;
        let expected = format!("({})", assumed.join(", "));
        assert!(
            Code::W005.rule().description.contains(&expected),
            "W005's description should name {expected}"
        );
    }
}
