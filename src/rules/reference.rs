//! Reference (C001–C006) and authorization (A001) checks (SPEC 3.3).

use std::borrow::Cow;

use super::Record;
use super::eligibility::Facts;
use super::{Code, Context, Finding, RowSink, Val};
use crate::model::{Action, Column, Dmh};
use crate::reference::{Cp, Plan, Reference, Submitter, same_id};

/// The C and A codes of one row, in catalog order. A blank or invalid value is silent here
/// (the format stage reported it); an unknown one silences the checks that need it
/// (SPEC 3.7).
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
    let s = &mut sink;
    let cp = record.cp_id.ok().and_then(|id| reference.cp(id));
    let from_cp = record.from_cp_id.ok().and_then(|id| reference.cp(id));
    let plan = record.plan_id.ok().and_then(|id| reference.plan(id));
    unknown_cp(s, reference, &record.cp_id, cp, Column::CpId);
    unknown_cp(s, reference, &record.from_cp_id, from_cp, Column::FromCpId);
    program_mismatch(s, record, cp);
    unknown_plan(s, reference, record, plan);
    transfer_to_same_cp(s, record);
    if record.is_enroll_or_transfer()
        && record.plan_id_known(reference)
        && let (Some(plan), Some(cp)) = (facts.and_then(|f| f.plan.aco_mco()), cp)
    {
        no_partnership(s, reference, plan, cp);
    }
    let Val::Ok(submitter_id) = &record.submitter else {
        return;
    };
    match reference.submitter(submitter_id) {
        None => unknown_submitter(s, reference, submitter_id),
        Some(Submitter::MassHealth) => {}
        Some(Submitter::Cp(me)) => cp_not_authorized(s, record, me, cp, from_cp),
        Some(Submitter::Plan(me)) => plan_not_authorized(s, record, me, plan),
    }
}

/// C001 (SPEC 3.3): CP ID, or From CP ID on a TRANSFER row, is not in the CP roster. It
/// silences C002, C005, E010 and the R codes that compare CPs (SPEC 3.7). IDs match
/// ignoring case, spaces and hyphens; the message names the nearest roster ID (SPEC 2.2).
fn unknown_cp(
    s: &mut RowSink,
    reference: &Reference,
    id: &Val<Cow<'_, str>>,
    cp: Option<&Cp>,
    column: Column,
) {
    if let (Val::Ok(id), None) = (id, cp) {
        s.push(
            column,
            Code::C001,
            format!(
                "{} {id:?} is not in the CP roster{}",
                column.header(),
                did_you_mean(reference.closest_cp(id))
            ),
        );
    }
}

/// `; did you mean X?` when a roster ID is near the unknown one, else nothing.
fn did_you_mean(closest: Option<&str>) -> String {
    closest.map_or_else(String::new, |id| format!("; did you mean {id}?"))
}

/// C002 (SPEC 3.3): the CP named by CP ID is not of the row's CP Program.
fn program_mismatch(s: &mut RowSink, record: &Record, cp: Option<&Cp>) {
    if let (Some(cp), Val::Ok(program)) = (cp, &record.program)
        && cp.program != *program
    {
        s.push(
            Column::CpProgram,
            Code::C002,
            format!(
                "CP {} is a {} CP, but CP Program says {program}",
                cp.id, cp.program
            ),
        );
    }
}

/// C003 (SPEC 3.3, 3.7): Plan ID is not in the plan roster. It silences E007, C005 and R005.
fn unknown_plan(s: &mut RowSink, reference: &Reference, record: &Record, plan: Option<&Plan>) {
    if let (Val::Ok(id), None) = (&record.plan_id, plan) {
        s.push(
            Column::PlanId,
            Code::C003,
            format!(
                "Plan ID {id:?} is not in the plan roster{}",
                did_you_mean(reference.closest_plan(id))
            ),
        );
    }
}

/// C004 (SPEC 3.3): a TRANSFER whose From CP ID equals its CP ID (From CP ID is read on
/// TRANSFER rows only).
fn transfer_to_same_cp(s: &mut RowSink, record: &Record) {
    if let (Val::Ok(to), Val::Ok(from)) = (&record.cp_id, &record.from_cp_id)
        && same_id(to, from)
    {
        s.push(
            Column::FromCpId,
            Code::C004,
            format!(
                "From CP ID and CP ID are both {}; a transfer must move the member to another CP",
                to.trim()
            ),
        );
    }
}

/// C005 (SPEC 3.3, 3.7): ENROLL or TRANSFER whose plan (from the facts: EVS when given) is
/// an ACO/MCO without a partnership with CP ID; silent when the row's own Plan ID names no
/// plan (S001, C003).
fn no_partnership(s: &mut RowSink, reference: &Reference, plan: &Plan, cp: &Cp) {
    if !reference.has_partnership(plan, cp) {
        s.push(
            Column::CpId,
            Code::C005,
            format!(
                "plan {} has no partnership with CP {}; an ACO or MCO member can join only its partner CPs",
                plan.id, cp.id
            ),
        );
    }
}

/// C006 (SPEC 3.3, 3.7): Submitter ID is not a known plan, CP or MASSHEALTH; no A001 then.
fn unknown_submitter(s: &mut RowSink, reference: &Reference, submitter_id: &str) {
    s.push(
        Column::SubmitterId,
        Code::C006,
        format!(
            "Submitter ID {submitter_id:?} is not a known plan, CP or MASSHEALTH{}",
            did_you_mean(reference.closest_submitter(submitter_id))
        ),
    );
}

/// A001 (SPEC 3.3) for a CP submitter: it may submit only rows where it is CP ID or From CP
/// ID. Silent when a CP it needs is missing or unknown: that is already an error.
fn cp_not_authorized(
    s: &mut RowSink,
    record: &Record,
    me: &Cp,
    cp: Option<&Cp>,
    from_cp: Option<&Cp>,
) {
    let mine = |id: &Val<Cow<'_, str>>| id.ok().map(|id| same_id(id, &me.id));
    let as_cp = mine(&record.cp_id);
    let as_from = if record.is(Action::Transfer) {
        mine(&record.from_cp_id)
    } else {
        Some(false)
    };
    let needed_known = cp.is_some() && (!record.is(Action::Transfer) || from_cp.is_some());
    if as_cp != Some(true) && as_from != Some(true) && needed_known {
        s.push(
            Column::SubmitterId,
            Code::A001,
            format!(
                "submitter {} is a CP and may submit only rows where it is the CP ID or the From CP ID",
                me.id
            ),
        );
    }
}

/// A001 (SPEC 3.3) for a plan submitter: it may submit only rows whose Plan ID is itself.
/// Silent on an unknown plan (C003) and on a blank required Plan ID (S001). A row with no
/// Plan ID (a DMH-affiliated member outside managed care) is no plan's to submit: the
/// message says who may, rather than asking for the submitter's own Plan ID (SPEC 2.2).
fn plan_not_authorized(s: &mut RowSink, record: &Record, me: &Plan, plan: Option<&Plan>) {
    let message = match &record.plan_id {
        Val::Ok(_) if plan.is_none() => return,
        Val::Ok(id) if same_id(id, &me.id) => return,
        Val::Blank if !record.dmh.get().is_some_and(Dmh::is_affiliated) => return,
        Val::Blank => format!(
            "submitter {} is a plan and may submit only its own members' rows; this row has no Plan ID, so it must come from the CP or MassHealth",
            me.id
        ),
        _ => format!(
            "submitter {} is a plan and may submit only rows whose Plan ID is {}",
            me.id, me.id
        ),
    };
    s.push(Column::SubmitterId, Code::A001, message);
}
