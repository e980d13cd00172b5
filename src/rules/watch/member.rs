//! A watched member as EVS shows it on the watch date D (SPEC 7): the segment on D, the CP
//! in EVS, the date of death, and the Plan ID a proposed row can carry.

use chrono::NaiveDate;

use crate::evs::{MemberRecord, Segment};
use crate::reference::{Plan, Reference};

/// What the snapshot says of a watched member.
#[derive(Debug, Clone, Copy)]
pub enum Evs<'s> {
    /// Not in the snapshot.
    Absent,
    /// A line of the member is malformed (the first one); `good` holds its well-formed
    /// segments where they are known (without a roster), which say whether it is watched.
    Malformed {
        line: u64,
        good: &'s [Segment],
    },
    Segments(&'s [Segment]),
}

impl<'s> Evs<'s> {
    /// The segments that tell the member's CP and plan on D.
    pub fn segments(&self) -> &'s [Segment] {
        match self {
            Evs::Absent => &[],
            Evs::Malformed { good, .. } => good,
            Evs::Segments(segments) => segments,
        }
    }
}

/// The member on the watch date.
#[derive(Debug, Clone, Copy)]
pub struct OnDate<'s> {
    pub segments: &'s [Segment],
    /// The covering segment with the latest start, else the latest that started on or
    /// before D (the DISENROLL fallback of SPEC 3).
    pub segment: Option<&'s Segment>,
    /// True when `segment` covers D.
    pub covered: bool,
    /// The segment's `cp_id` when its `cp_start` is blank or on or before D; else blank.
    pub cp_in_evs: &'s str,
    /// The earliest `date_of_death` of any segment.
    pub death: Option<NaiveDate>,
}

impl<'s> OnDate<'s> {
    pub fn of(segments: &'s [Segment], date: NaiveDate) -> OnDate<'s> {
        let covering = MemberRecord::covering(segments, date);
        let segment = covering.or_else(|| MemberRecord::latest_started(segments, date));
        let cp_in_evs = segment
            .filter(|s| s.cp_start.is_none_or(|start| start <= date))
            .map_or("", |s| s.cp_id.as_str());
        OnDate {
            segments,
            segment,
            covered: covering.is_some(),
            cp_in_evs,
            death: segments.iter().filter_map(|s| s.date_of_death).min(),
        }
    }

    /// The plan on D: the segment's `plan_id` (blank when no segment applies).
    pub fn plan(&self) -> &'s str {
        self.segment.map_or("", |s| s.plan_id.as_str())
    }

    /// The segment whose name and date of birth stand for the member: the one on D, else
    /// the latest (as R002 and R003 take it).
    pub fn identity(&self) -> Option<&'s Segment> {
        self.segment
            .or_else(|| self.segments.iter().max_by_key(|s| (s.elig_start, s.line)))
    }

    /// The Plan ID of a proposed row: the first plan the reference data knows among the
    /// segment's, those of the segments that started before it (latest start first), and
    /// the roster's.
    pub fn known_plan<'r>(
        &self,
        roster_plan: Option<&str>,
        reference: &'r Reference,
    ) -> Option<&'r Plan> {
        let segment = self.segment?;
        let mut earlier: Vec<&Segment> = self
            .segments
            .iter()
            .filter(|s| s.elig_start < segment.elig_start)
            .collect();
        earlier.sort_by_key(|s| std::cmp::Reverse((s.elig_start, s.line)));
        std::iter::once(segment.plan_id.as_str())
            .chain(earlier.iter().map(|s| s.plan_id.as_str()))
            .chain(roster_plan)
            .find_map(|id| reference.plan(id))
    }
}
