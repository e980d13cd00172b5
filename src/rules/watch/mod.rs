//! Roster watch (SPEC 7), M001–M010: each watched member judged on the watch date D, in
//! the precedence of SPEC 7, with the disenrollment to propose and the transfer candidates.

mod member;
mod propose;
mod transfer;

use chrono::NaiveDate;

pub use member::{Evs, OnDate};
pub use propose::{ProposedRow, canonical_layout};

use super::reconcile::same_name;
use super::{CheckConfig, Code, Context};
use crate::batch::Layout;
use crate::evs::Snapshot;
use crate::model::{MemberId, ReasonCode};
use crate::reference::{Cp, Reference, Submitter, same_id};

/// One data row of a roster (SPEC 7), read as a batch row is.
#[derive(Debug, Clone, Default)]
pub struct RosterEntry {
    pub source_row: u32,
    /// The Member ID as written (trimmed), and the ID when it is valid.
    pub member_text: String,
    pub member: Option<MemberId>,
    /// The CP ID as written (trimmed); empty when blank.
    pub cp_id: String,
    pub last_name: Option<String>,
    pub first_name: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub plan_id: Option<String>,
    /// The earlier row of the same member, when this row repeats it.
    pub repeat_of: Option<u32>,
}

/// A member to judge: a roster row, or a member of the snapshot.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'s, 'r> {
    pub roster: Option<&'r RosterEntry>,
    pub member: Option<MemberId>,
    pub evs: Evs<'s>,
}

/// Where a judgement comes from: a roster row, or the line of the segment on D.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Source {
    Roster(u32),
    Evs(u64),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchFinding {
    pub code: Code,
    pub message: String,
    /// M004, M005: the CPs that could take the transfer, `;`-joined in CP ID order.
    pub candidates: String,
}

impl WatchFinding {
    fn new(code: Code, message: String) -> WatchFinding {
        WatchFinding {
            code,
            message,
            candidates: String::new(),
        }
    }
}

/// The verdict on one watched member.
#[derive(Debug, Clone)]
pub struct Judgement {
    pub source: Source,
    /// The member's ID, or the roster's text when it is not valid.
    pub member_text: String,
    pub member: Option<MemberId>,
    pub last_name: String,
    pub first_name: String,
    pub date_of_birth: Option<NaiveDate>,
    /// The member's CP, and its plan on D.
    pub cp_id: String,
    pub plan_id: String,
    pub findings: Vec<WatchFinding>,
    pub proposal: Option<Box<ProposedRow>>,
}

/// What every judgement of one run shares.
pub(crate) struct Watch<'a> {
    pub reference: &'a Reference,
    /// The watch date D.
    pub date: NaiveDate,
    pub check: &'a CheckConfig,
    pub snapshot: &'a Snapshot,
    pub submitter: Submitter<'a>,
    /// The canonical layout the proposed rows are checked in ([`canonical_layout`]).
    pub layout: &'a Layout,
}

impl Watch<'_> {
    /// The Submitter ID the proposed rows carry.
    pub fn submitter_id(&self) -> &str {
        match self.submitter {
            Submitter::MassHealth => crate::reference::MASSHEALTH,
            Submitter::Plan(plan) => &plan.id,
            Submitter::Cp(cp) => &cp.id,
        }
    }

    fn context(&self) -> Context<'_> {
        Context {
            reference: self.reference,
            config: self.check,
            layout: self.layout,
            is_1904: false,
            evs: Some(self.snapshot),
        }
    }
}

/// Judges a member; `None` when it is not watched: without a roster, a member with no CP
/// in EVS on D; and any member the submitter may not act on (A001).
pub(crate) fn judge(subject: &Subject<'_, '_>, watch: &Watch<'_>) -> Option<Judgement> {
    let on = OnDate::of(subject.evs.segments(), watch.date);
    if subject.roster.is_none() && on.cp_in_evs.is_empty() {
        return None;
    }
    let roster = subject.roster;
    let cp_text = roster.map_or(on.cp_in_evs, |r| r.cp_id.as_str());
    let cp = watch.reference.cp(cp_text);
    let roster_plan = roster.and_then(|r| r.plan_id.as_deref());
    if !in_scope(watch, cp_text, &on, roster_plan) {
        return None;
    }
    let mut judgement = Judgement {
        source: match (roster, on.segment) {
            (Some(r), _) => Source::Roster(r.source_row),
            (None, segment) => Source::Evs(segment.map_or(0, |s| s.line)),
        },
        member_text: match (subject.member, roster) {
            (Some(id), _) => id.to_string(),
            (None, r) => r.map(|r| r.member_text.clone()).unwrap_or_default(),
        },
        member: subject.member,
        last_name: String::new(),
        first_name: String::new(),
        date_of_birth: None,
        cp_id: cp.map_or_else(|| cp_text.to_string(), |cp| cp.id.clone()),
        plan_id: String::new(),
        findings: Vec::new(),
        proposal: None,
    };
    findings(subject, watch, &on, cp, &mut judgement);
    // Names and dates only for the review list: a disenrollment carries its own.
    if judgement
        .findings
        .iter()
        .any(|f| f.code.severity() != crate::catalog::Severity::Disenroll)
    {
        let identity = match subject.evs {
            Evs::Segments(_) | Evs::Malformed { .. } => on.identity(),
            Evs::Absent => None,
        };
        let from_roster = |field: fn(&RosterEntry) -> &Option<String>| {
            roster.and_then(|r| field(r).clone()).unwrap_or_default()
        };
        judgement.last_name = identity.map_or_else(
            || from_roster(|r| &r.last_name),
            |s| s.last_name.to_string(),
        );
        judgement.first_name = identity.map_or_else(
            || from_roster(|r| &r.first_name),
            |s| s.first_name.to_string(),
        );
        judgement.date_of_birth = match identity {
            Some(s) => s.date_of_birth,
            None => roster.and_then(|r| r.date_of_birth),
        };
        judgement.plan_id = on.plan().to_string();
    }
    Some(judgement)
}

/// True when the submitter may act on the member (SPEC 7 scoping, as A001 judges rows).
fn in_scope(watch: &Watch<'_>, cp_text: &str, on: &OnDate<'_>, roster_plan: Option<&str>) -> bool {
    match watch.submitter {
        Submitter::MassHealth => true,
        // A roster row with no CP ID is the submitter's own row to fix.
        Submitter::Cp(me) => cp_text.is_empty() || same_id(cp_text, &me.id),
        Submitter::Plan(me) => {
            let proposed = on.known_plan(roster_plan, watch.reference);
            same_id(on.plan(), &me.id)
                || proposed.is_some_and(|p| same_id(&p.id, &me.id))
                || (on.segment.is_none() && roster_plan.is_some_and(|p| same_id(p, &me.id)))
        }
    }
}

/// The findings in the precedence of SPEC 7.
fn findings(
    subject: &Subject<'_, '_>,
    watch: &Watch<'_>,
    on: &OnDate<'_>,
    cp: Option<&Cp>,
    out: &mut Judgement,
) {
    let push =
        |out: &mut Judgement, code, message| out.findings.push(WatchFinding::new(code, message));
    if let Some(roster) = subject.roster
        && let Some(problem) = roster_problem(roster)
    {
        return push(out, Code::M010, problem);
    }
    match subject.evs {
        Evs::Absent => {
            return push(
                out,
                Code::M007,
                "the member is not in the EVS snapshot".into(),
            );
        }
        Evs::Malformed { line, .. } => {
            let mut reasons = Vec::new();
            if cp.is_none() {
                reasons.push(unknown_cp(&out.cp_id));
            }
            reasons.push(format!(
                "line {line} of the EVS snapshot, for this member, is malformed: the member cannot be judged"
            ));
            return push(out, Code::M010, reasons.join("; "));
        }
        Evs::Segments(_) => {}
    }
    let Some(cp) = cp else {
        let message = unknown_cp(&out.cp_id);
        return push(out, Code::M010, message);
    };
    let roster = subject.roster;
    let identity = roster.and_then(|r| identity_differs(r, on));
    if roster.is_some() && !same_id(&cp.id, on.cp_in_evs) {
        push(out, Code::M006, stale_cp(cp, on, watch.date));
        if let Some(message) = identity {
            push(out, Code::M008, message);
        }
        return;
    }
    if let Some(message) = identity {
        push(out, Code::M008, message);
    }
    // A member found in EVS was looked up by its ID.
    let Some(member) = subject.member else { return };
    if let Some((code, reason, why)) = disenrollment(member, on, cp, watch) {
        let Some(segment) = on.segment else { return };
        let plan = on.known_plan(roster.and_then(|r| r.plan_id.as_deref()), watch.reference);
        let affiliated = segment.dmh.is_some_and(crate::model::Dmh::is_affiliated);
        if plan.is_none() && !affiliated {
            let message = format!(
                "{code} ({why}), but the disenrollment cannot be written: no Plan ID the reference data knows (EVS shows {}), and the member has no DMH ACCS or CBFS affiliation",
                shown_plan(on.plan())
            );
            return push(out, Code::M010, message);
        }
        let row = propose::disenrollment(
            member,
            segment,
            cp,
            plan,
            (watch.date, reason),
            watch.submitter_id(),
        );
        let errors = propose::errors_of(&row, &watch.context());
        if errors.is_empty() {
            push(out, code, why);
            out.proposal = Some(Box::new(row));
        } else {
            let message = format!(
                "{code} ({why}), but the disenrollment cannot be written as a row validate accepts: {}",
                propose::listed(&errors)
            );
            push(out, Code::M010, message);
        }
        return;
    }
    if on.covered && on.segment.is_some_and(|s| s.date_of_birth.is_none()) {
        let message = "EVS has no date of birth for the member: its age, and so its eligibility, cannot be judged".into();
        return push(out, Code::M010, message);
    }
    transfer::findings(member, on, cp, roster, watch, out);
}

/// M001, M002 or M003: the code, the reason and why.
fn disenrollment(
    member: MemberId,
    on: &OnDate<'_>,
    cp: &Cp,
    watch: &Watch<'_>,
) -> Option<(Code, ReasonCode, String)> {
    let date = watch.date;
    if let Some(death) = on.death.filter(|d| *d <= date) {
        let why =
            format!("EVS shows the member died on {death}, on or before the watch date {date}");
        return Some((Code::M001, ReasonCode::Deceased, why));
    }
    if !on.covered {
        let ended = match on.segment.and_then(|s| s.elig_end) {
            Some(end) => format!(": MassHealth eligibility ended on {end}"),
            None => String::new(),
        };
        let why = format!("no EVS eligibility segment covers the watch date {date}{ended}");
        return Some((Code::M002, ReasonCode::Ineligible, why));
    }
    on.segment.and_then(|s| s.date_of_birth)?;
    let failing = propose::ineligibility(member, on, cp, date, &watch.context());
    if failing.is_empty() {
        return None;
    }
    let why = format!(
        "on {date} the member is eligible on neither path for a {} CP: {}",
        cp.program,
        propose::listed(&failing)
    );
    Some((Code::M003, ReasonCode::Ineligible, why))
}

/// Why a roster row cannot be judged: an invalid or blank Member ID, a blank CP ID, or a
/// member already on an earlier row.
fn roster_problem(roster: &RosterEntry) -> Option<String> {
    let mut problems = Vec::new();
    if let Some(first) = roster.repeat_of {
        problems.push(format!(
            "the member is already on roster row {first}: only that row is judged"
        ));
    }
    if roster.member.is_none() {
        problems.push(match roster.member_text.as_str() {
            "" => "the roster row has no Member ID".to_string(),
            text => format!(
                "the roster's Member ID {:?} is not 12 digits",
                crate::shown::escaped(text)
            ),
        });
    }
    if roster.cp_id.is_empty() {
        problems.push("the roster row has no CP ID".to_string());
    }
    (!problems.is_empty()).then(|| problems.join("; "))
}

fn unknown_cp(cp: &str) -> String {
    format!("CP {cp:?} is not in the CP roster of the reference data: the member cannot be judged")
}

fn shown_plan(plan: &str) -> String {
    match plan {
        "" => "no plan".to_string(),
        plan => format!("plan {plan}"),
    }
}

/// M006: the roster's CP is not the member's CP in EVS on D.
fn stale_cp(cp: &Cp, on: &OnDate<'_>, date: NaiveDate) -> String {
    let evs = match on.segment {
        None => format!("EVS shows no eligibility segment for the member on or before {date}"),
        Some(s) if !s.cp_id.is_empty() && on.cp_in_evs.is_empty() => format!(
            "EVS shows the member with CP {} only from {}",
            s.cp_id.as_str(),
            s.cp_start.map_or_else(String::new, |d| d.to_string())
        ),
        Some(_) if on.cp_in_evs.is_empty() => format!("EVS shows the member with no CP on {date}"),
        Some(_) => format!("EVS shows the member with CP {} on {date}", on.cp_in_evs),
    };
    format!(
        "the roster says CP {}, but {evs}: the roster is out of date",
        cp.id
    )
}

/// M008: the roster's Date of Birth or Last Name differs from EVS (as R002, R003).
fn identity_differs(roster: &RosterEntry, on: &OnDate<'_>) -> Option<String> {
    let evs = on.identity()?;
    let mut differences = Vec::new();
    if let (Some(birth), Some(evs_birth)) = (roster.date_of_birth, evs.date_of_birth)
        && birth != evs_birth
    {
        differences.push(format!(
            "Date of Birth {birth} differs from EVS ({evs_birth})"
        ));
    }
    if let Some(name) = &roster.last_name
        && !evs.last_name.is_empty()
        && !same_name(name, &evs.last_name)
    {
        differences.push(format!(
            "Last Name {name:?} differs from EVS ({:?})",
            evs.last_name
        ));
    }
    (!differences.is_empty()).then(|| format!("the roster's {}", differences.join("; its ")))
}
