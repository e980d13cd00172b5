//! Who is watched (SPEC 7), and their judgements: without a roster, every member of the
//! snapshot with a CP in EVS on the watch date (one pass over the whole snapshot); with one,
//! every roster row, its member looked up as `validate` looks a batch's members up.

use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;

use super::{Config, roster};
use crate::error::FileError;
use crate::evs::{self, IdSet, MemberRecord, Snapshot};
use crate::reference::{Reference, Submitter};
use crate::report::summary::EvsInput;
use crate::rules::watch::{Evs, Judgement, Subject, Watch, canonical_layout, judge};

/// The roster as `watch-summary.json` names it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RosterInput {
    pub path: String,
    pub sha256: String,
    pub rows: usize,
}

/// The watched members' judgements, and what the run read.
pub struct Found {
    /// The judgements with at least one finding, in source order (roster row, or line).
    pub judgements: Vec<Judgement>,
    /// Roster data rows, or snapshot members with a CP on D, after the submitter's scoping.
    pub watched: usize,
    /// `malformed_lines` counts the malformed lines of watched members.
    pub evs: EvsInput,
    pub roster: Option<RosterInput>,
}

pub(super) fn find(
    config: &Config,
    reference: &Reference,
    submitter: Submitter<'_>,
    workers: usize,
) -> Result<Found, FileError> {
    let layout = canonical_layout();
    let watch = |snapshot| Watch {
        reference,
        date: config.date(),
        check: &config.check,
        snapshot,
        submitter,
        layout: &layout,
    };
    // Only the judgements with findings are kept: most watched members have none.
    let watched = AtomicUsize::new(0);
    let kept = |judgement: Option<Judgement>| {
        let judgement = judgement?;
        watched.fetch_add(1, Ordering::Relaxed);
        (!judgement.findings.is_empty()).then_some(judgement)
    };
    // A bar for the snapshot's bytes, only on a terminal (SPEC 4.1): never member data.
    let bar = (!config.quiet && std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .then(|| crate::cmd::validate::bytes_bar(&config.evs, "scanning"));
    let tick = |read: u64| {
        if let Some(bar) = &bar {
            bar.set_position(read);
        }
    };
    let (judged, snapshot, roster) = match &config.roster {
        None => {
            let found = evs::scan_cp_members(&config.evs, workers, &tick)?;
            let watch = watch(&found.snapshot);
            let judged: Vec<Judgement> = found
                .members
                .par_iter()
                .filter_map(|id| {
                    let evs = match found.snapshot.member(*id)? {
                        MemberRecord::Segments(segments) => Evs::Segments(segments),
                        MemberRecord::Malformed { line } => Evs::Malformed {
                            line,
                            good: found.good_segments(*id),
                        },
                    };
                    let subject = Subject {
                        roster: None,
                        member: Some(*id),
                        evs,
                    };
                    kept(judge(&subject, &watch))
                })
                .collect();
            (judged, found.snapshot, None)
        }
        Some(path) => {
            let roster = roster::read(path, reference, &config.check)?;
            let wanted: IdSet = roster.entries.iter().filter_map(|e| e.member).collect();
            let snapshot = evs::scan(&config.evs, &wanted, workers, &tick)?;
            let watch = watch(&snapshot);
            let judged: Vec<Judgement> = roster
                .entries
                .par_iter()
                .filter_map(|entry| {
                    let evs = match entry.member.and_then(|id| snapshot.member(id)) {
                        None => Evs::Absent,
                        Some(MemberRecord::Segments(segments)) => Evs::Segments(segments),
                        Some(MemberRecord::Malformed { line }) => {
                            Evs::Malformed { line, good: &[] }
                        }
                    };
                    let subject = Subject {
                        roster: Some(entry),
                        member: entry.member,
                        evs,
                    };
                    kept(judge(&subject, &watch))
                })
                .collect();
            let input = RosterInput {
                path: roster.batch.path.clone(),
                sha256: roster.batch.sha256.clone(),
                rows: roster.entries.len(),
            };
            (judged, snapshot, Some(input))
        }
    };
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let evs = EvsInput {
        path: snapshot.path.clone(),
        sha256: snapshot.sha256.clone(),
        segments: snapshot.segments,
        malformed_lines: malformed_lines(&judged, &snapshot),
    };
    let mut judgements = judged;
    judgements.sort_by_key(|j| j.source);
    Ok(Found {
        judgements,
        watched: watched.into_inner(),
        evs,
        roster,
    })
}

/// The malformed lines of the watched members, each member once.
fn malformed_lines(judged: &[Judgement], snapshot: &Snapshot) -> u64 {
    snapshot.malformed_lines_of(judged.iter().filter_map(|j| j.member))
}
