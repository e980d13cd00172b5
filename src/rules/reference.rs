//! Reference (C001–C006) and authorization (A001) checks (SPEC 3.3).

use super::Record;
use super::eligibility::Facts;
use super::{Code, Context, Finding, RowSink, Val};
use crate::model::{Action, Column, Dmh};
use crate::reference::{Submitter, same_id};

pub fn check(
    record: &Record,
    facts: Option<&Facts<'_>>,
    ctx: &Context<'_>,
    out: &mut Vec<Finding>,
) {
    let reference = ctx.reference;
    let mut sink = RowSink {
        row: record.source_row,
        out,
    };
    let mut push = |column: Column, code: Code, message: String| sink.push(column, code, message);

    let cp = record.cp_id.ok().and_then(|id| reference.cp(id));
    if let (Val::Ok(id), None) = (&record.cp_id, cp) {
        push(
            Column::CpId,
            Code::C001,
            format!("CP ID {id:?} is not in the CP roster"),
        );
    }
    let from_cp = record.from_cp_id.ok().and_then(|id| reference.cp(id));
    if let (Val::Ok(id), None) = (&record.from_cp_id, from_cp) {
        push(
            Column::FromCpId,
            Code::C001,
            format!("From CP ID {id:?} is not in the CP roster"),
        );
    }
    if let (Some(cp), Val::Ok(program)) = (cp, &record.program)
        && cp.program != *program
    {
        push(
            Column::CpProgram,
            Code::C002,
            format!(
                "CP {} is a {} CP, but CP Program says {program}",
                cp.id, cp.program
            ),
        );
    }
    let plan = record.plan_id.ok().and_then(|id| reference.plan(id));
    if let (Val::Ok(id), None) = (&record.plan_id, plan) {
        push(
            Column::PlanId,
            Code::C003,
            format!("Plan ID {id:?} is not in the plan roster"),
        );
    }
    if let (Val::Ok(to), Val::Ok(from)) = (&record.cp_id, &record.from_cp_id)
        && same_id(to, from)
    {
        push(
            Column::FromCpId,
            Code::C004,
            format!(
                "From CP ID and CP ID are both {}; a transfer must move the member to another CP",
                to.trim()
            ),
        );
    }
    if record.is_enroll_or_transfer()
        && let (Some(plan), Some(cp)) = (facts.and_then(|f| f.plan.aco_mco()), cp)
        && !reference.has_partnership(plan, cp)
    {
        push(
            Column::CpId,
            Code::C005,
            format!(
                "plan {} has no partnership with CP {}; an ACO or MCO member can join only its partner CPs",
                plan.id, cp.id
            ),
        );
    }

    let Val::Ok(submitter_id) = &record.submitter else {
        return;
    };
    match reference.submitter(submitter_id) {
        None => push(
            Column::SubmitterId,
            Code::C006,
            format!("Submitter ID {submitter_id:?} is not a known plan, CP or MASSHEALTH"),
        ),
        Some(Submitter::MassHealth) => {}
        Some(Submitter::Cp(me)) => {
            let mine = |id: &Val<std::borrow::Cow<'_, str>>| id.ok().map(|id| same_id(id, &me.id));
            let as_cp = mine(&record.cp_id);
            let as_from = if record.is(Action::Transfer) {
                mine(&record.from_cp_id)
            } else {
                Some(false)
            };
            // Silent when a value it needs is missing or unknown: that is already an error.
            let needed_known = cp.is_some() && (!record.is(Action::Transfer) || from_cp.is_some());
            if as_cp != Some(true) && as_from != Some(true) && needed_known {
                push(
                    Column::SubmitterId,
                    Code::A001,
                    format!(
                        "submitter {} is a CP and may submit only rows where it is the CP ID or the From CP ID",
                        me.id
                    ),
                );
            }
        }
        Some(Submitter::Plan(me)) => {
            let allowed = match &record.plan_id {
                Val::Ok(_) if plan.is_none() => true, // unknown plan: C003 says it
                Val::Ok(id) => same_id(id, &me.id),
                // A blank Plan ID that is required already has S001.
                Val::Blank if !record.dmh.get().is_some_and(Dmh::is_affiliated) => true,
                _ => false,
            };
            if !allowed {
                push(
                    Column::SubmitterId,
                    Code::A001,
                    format!(
                        "submitter {} is a plan and may submit only rows whose Plan ID is {}",
                        me.id, me.id
                    ),
                );
            }
        }
    }
}
