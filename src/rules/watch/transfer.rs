//! M004, M005 (a transfer is needed, with the CPs that could take it) and M009 (the
//! member changed plan), for a member who stays eligible (SPEC 7).

use super::member::OnDate;
use super::propose;
use super::{Code, Judgement, RosterEntry, Watch, WatchFinding};
use crate::model::{Column, MemberId, ReasonCode};
use crate::reference::{Cp, Plan, Reference, same_id};

pub(super) fn findings(
    member: MemberId,
    on: &OnDate<'_>,
    cp: &Cp,
    roster: Option<&RosterEntry>,
    watch: &Watch<'_>,
    out: &mut Judgement,
) {
    let Some(segment) = on.segment else { return };
    let reference = watch.reference;
    let plan = reference
        .plan(&segment.plan_id)
        .filter(|p| p.plan_type.is_aco_mco());
    let no_partner = plan.filter(|p| !reference.has_partnership(p, cp));
    let moved = segment.zip.filter(|zip| !reference.serves(cp, zip));
    if no_partner.is_some() || moved.is_some() {
        let candidates = candidates(reference, cp, plan, segment.zip.as_ref());
        let shown = match candidates.as_str() {
            "" => "no CP of the program could take the member".to_string(),
            list => format!(
                "CPs that could take the member: {}",
                list.replace(';', ", ")
            ),
        };
        let names = name_problems(member, on, cp, watch);
        let date = watch.date;
        let mut push = |code, message: String| {
            out.findings.push(WatchFinding {
                code,
                message: format!("{message}; {shown}{names}"),
                candidates: candidates.clone(),
            })
        };
        if let Some(plan) = no_partner {
            push(
                Code::M004,
                format!(
                    "on {date} the member's plan {} has no partnership with CP {}: a TRANSFER ({}) to a partner CP is needed",
                    plan.id,
                    cp.id,
                    ReasonCode::PlanChange
                ),
            );
        }
        if let Some(zip) = moved {
            push(
                Code::M005,
                format!(
                    "on {date} the member's ZIP Code {} is outside the service area of CP {}: a TRANSFER ({}) is needed",
                    zip.as_str(),
                    cp.id,
                    ReasonCode::Moved
                ),
            );
        }
    }
    if let Some(stated) = roster.and_then(|r| r.plan_id.as_deref())
        && !same_id(stated, &segment.plan_id)
    {
        let evs = match segment.plan_id.as_str() {
            "" => "no plan".to_string(),
            id => format!("plan {id}"),
        };
        out.findings.push(WatchFinding {
            code: Code::M009,
            message: format!(
                "the roster's Plan ID {stated:?} is not the plan on {} in EVS ({evs}): the member changed plan",
                watch.date
            ),
            candidates: String::new(),
        });
    }
}

/// The CPs of the program of `cp`, other than it, that partner with the plan when it is an
/// ACO/MCO and serve the ZIP when one is known, `;`-joined in CP ID order.
fn candidates(
    reference: &Reference,
    cp: &Cp,
    plan: Option<&Plan>,
    zip: Option<&crate::model::Zip>,
) -> String {
    let mut ids: Vec<&str> = reference
        .cps()
        .filter(|other| other.program == cp.program && !same_id(&other.id, &cp.id))
        .filter(|other| plan.is_none_or(|p| reference.has_partnership(p, other)))
        .filter(|other| zip.is_none_or(|z| reference.serves(other, z)))
        .map(|other| other.id.as_str())
        .collect();
    ids.sort_unstable();
    ids.join(";")
}

/// What in the member's EVS names would stop a TRANSFER row (S001, S007), as `validate`
/// judges the names of a row; empty when nothing would.
fn name_problems(member: MemberId, on: &OnDate<'_>, cp: &Cp, watch: &Watch<'_>) -> String {
    let Some(segment) = on.segment else {
        return String::new();
    };
    let row = propose::disenrollment(
        member,
        segment,
        cp,
        None,
        (watch.date, ReasonCode::Moved),
        watch.submitter_id(),
    );
    let names: Vec<_> = propose::errors_of(&row, &watch.context())
        .into_iter()
        .filter(|f| matches!(f.column, Some(Column::LastName | Column::FirstName)))
        .filter(|f| matches!(f.code, Code::S001 | Code::S007))
        .collect();
    if names.is_empty() {
        String::new()
    } else {
        format!(
            "; EVS's name would stop the TRANSFER row: {}",
            propose::listed(&names)
        )
    }
}
