//! Reconciliation with the EVS snapshot (SPEC 3.5, 3.7): R001–R014, W003 and W004.

use std::borrow::Cow;

use chrono::NaiveDate;
use unicode_normalization::UnicodeNormalization;

use super::Record;
use super::eligibility::{Facts, PlanFact};
use super::{Code, Finding, RowSink, Val};
use crate::evs::{MemberRecord, Segment, Snapshot};
use crate::model::{Action, Column};
use crate::reference::{Reference, same_id};

/// What the snapshot holds for a row's member.
#[derive(Debug, Clone, Copy)]
pub enum Lookup<'s> {
    Absent,
    Malformed {
        line: u64,
    },
    Found {
        segments: &'s [Segment],
        /// The segment that applies on the Effective Date (SPEC 2.4; DISENROLL fallback).
        applicable: Option<&'s Segment>,
        /// True when `applicable` covers the Effective Date.
        covering: bool,
    },
}

/// Looks the row's member up; `None` when the Member ID is blank or invalid.
pub fn lookup<'s>(record: &Record, snapshot: &'s Snapshot) -> Option<Lookup<'s>> {
    let id = record.member_id.get()?;
    Some(match snapshot.member(id) {
        None => Lookup::Absent,
        Some(MemberRecord::Malformed { line }) => Lookup::Malformed { line },
        Some(MemberRecord::Segments(segments)) => {
            let covering = record
                .effective
                .get()
                .and_then(|date| MemberRecord::covering(segments, date));
            let fallback = || {
                record
                    .effective
                    .get()
                    .filter(|_| record.is(Action::Disenroll))
                    .and_then(|date| MemberRecord::latest_started(segments, date))
            };
            Lookup::Found {
                segments,
                applicable: covering.or_else(fallback),
                covering: covering.is_some(),
            }
        }
    })
}

impl<'s> Lookup<'s> {
    /// The EVS facts of the applicable segment.
    pub fn facts<'r>(&self, reference: &'r Reference) -> Option<Facts<'r>> {
        let Lookup::Found {
            applicable: Some(segment),
            ..
        } = self
        else {
            return None;
        };
        let plan = match segment.plan_id.as_str() {
            "" => PlanFact::NoPlan,
            id => reference
                .plan(id)
                .map_or(PlanFact::Unlisted, PlanFact::Plan),
        };
        Some(Facts {
            plan,
            coverage: Val::from_option(segment.coverage),
            medicare: Val::from_option(segment.medicare),
            other_insurance: Val::from_option(segment.other_insurance),
            nursing_facility: Val::from_option(segment.nursing_facility),
            dmh: Val::from_option(segment.dmh),
            zip: Val::from_option(segment.zip),
            from_evs: true,
            plan_named: true,
        })
    }

    /// True when eligibility may be judged on EVS facts: the member is found and, for
    /// ENROLL and TRANSFER, a segment covers the Effective Date.
    pub fn allows_eligibility(&self) -> bool {
        matches!(self, Lookup::Found { covering: true, .. })
    }
}

/// Names compare ignoring case, accents, punctuation and spacing. Latin letters that no
/// decomposition takes apart are spelt as an upper-case, unaccented record writes them
/// (`Strauß` is `STRAUSS`, `Østergaard` is `OSTERGAARD`, `Łukasz` is `LUKASZ`).
pub fn name_key(name: &str) -> String {
    let mut key = String::with_capacity(name.len());
    for c in name.nfd().filter(|c| c.is_alphanumeric()) {
        match plain_latin(c) {
            Some(spelt) => key.push_str(spelt),
            None => key.extend(c.to_lowercase()),
        }
    }
    key
}

/// How an upper-case ASCII record spells a Latin letter that has no decomposition, in lower
/// case.
fn plain_latin(c: char) -> Option<&'static str> {
    Some(match c {
        'ß' | 'ẞ' => "ss",
        'Ø' | 'ø' => "o",
        'Ł' | 'ł' => "l",
        'Đ' | 'đ' | 'Ð' | 'ð' => "d",
        'Æ' | 'æ' => "ae",
        'Œ' | 'œ' => "oe",
        'Þ' | 'þ' => "th",
        'Ħ' | 'ħ' => "h",
        'ı' => "i",
        _ => return None,
    })
}

/// True when two names have the same [`name_key`]. Two ASCII names (almost every name) are
/// compared byte by byte, with no key built: decomposing ASCII changes nothing, and its
/// letters and digits are the ASCII ones.
pub fn same_name(a: &str, b: &str) -> bool {
    fn ascii_key(name: &str) -> impl Iterator<Item = u8> + '_ {
        name.bytes()
            .filter(u8::is_ascii_alphanumeric)
            .map(|b| b.to_ascii_lowercase())
    }
    if a.is_ascii() && b.is_ascii() {
        return ascii_key(a).eq(ascii_key(b));
    }
    name_key(a) == name_key(b)
}

/// The R codes and W003/W004 of one row (SPEC 3.5), in this order: R001 or R008 alone;
/// R002, R003, W003; R006; R004 (which silences the rest); R005; R010–R014; W004. Values
/// unknown to the roster (C001, C003) silence the checks that need them, as blank and
/// invalid values do (SPEC 3.7).
pub fn check(record: &Record, lookup: &Lookup<'_>, reference: &Reference, out: &mut Vec<Finding>) {
    let mut sink = RowSink {
        row: record.source_row,
        out,
    };
    let s = &mut sink;
    let (segments, applicable, covering) = match *lookup {
        Lookup::Absent => return not_in_evs(s),
        Lookup::Malformed { line } => return malformed_line(s, line),
        Lookup::Found {
            segments,
            applicable,
            covering,
        } => (segments, applicable, covering),
    };
    let identity = applicable.or_else(|| segments.iter().max_by_key(|s| (s.elig_start, s.line)));
    if let Some(evs) = identity {
        birth_differs(s, record, evs);
        names_differ(s, record, evs);
    }
    let Some(effective) = record.effective.get() else {
        return;
    };
    if record.is_enroll_or_transfer() {
        deceased(s, segments, effective);
        if !covering {
            return not_covered(s, effective);
        }
        if let Some(segment) = applicable {
            plan_differs(s, record, segment, reference);
        }
    }
    cp_assignment(s, record, applicable, effective, reference);
    if let Some(segment) = applicable {
        attested_differences(s, record, segment);
    }
}

/// R001 (SPEC 3.5): the Member ID is not in the snapshot. No other R or E code follows.
fn not_in_evs(s: &mut RowSink) {
    s.push(
        Column::MemberId,
        Code::R001,
        "the Member ID is not in the EVS eligibility snapshot".into(),
    );
}

/// R008 (SPEC 3.5, 3.7): the member's EVS line is malformed. No other R or E code follows.
fn malformed_line(s: &mut RowSink, line: u64) {
    s.push(
        Column::MemberId,
        Code::R008,
        format!(
            "line {line} of the EVS snapshot, for this member, is malformed; the member's eligibility cannot be checked"
        ),
    );
}

/// R002 (SPEC 3.5): Date of Birth differs from EVS.
fn birth_differs(s: &mut RowSink, record: &Record, evs: &Segment) {
    if let (Val::Ok(birth), Some(evs_birth)) = (&record.date_of_birth, evs.date_of_birth)
        && *birth != evs_birth
    {
        s.push(
            Column::DateOfBirth,
            Code::R002,
            format!("Date of Birth {birth} differs from EVS ({evs_birth})"),
        );
    }
}

/// R003 and W003 (SPEC 3.5): Last Name (error) or First Name (warning) differs from EVS,
/// compared by [`name_key`] ([`same_name`]).
fn names_differ(s: &mut RowSink, record: &Record, evs: &Segment) {
    if let Val::Ok(name) = &record.last_name
        && !evs.last_name.is_empty()
        && !same_name(name, &evs.last_name)
    {
        s.push(
            Column::LastName,
            Code::R003,
            format!("Last Name {name:?} differs from EVS ({:?})", evs.last_name),
        );
    }
    if let Val::Ok(name) = &record.first_name
        && !evs.first_name.is_empty()
        && !same_name(name, &evs.first_name)
    {
        s.push(
            Column::FirstName,
            Code::W003,
            format!(
                "First Name {name:?} differs from EVS ({:?})",
                evs.first_name
            ),
        );
    }
}

/// R006 (SPEC 3.5): ENROLL or TRANSFER, and the member died on or before the Effective Date.
fn deceased(s: &mut RowSink, segments: &[Segment], effective: NaiveDate) {
    if let Some(death) = segments.iter().filter_map(|s| s.date_of_death).min()
        && death <= effective
    {
        s.push(
            Column::EffectiveDate,
            Code::R006,
            format!(
                "EVS shows the member died on {death}, on or before the Effective Date {effective}"
            ),
        );
    }
}

/// R004 (SPEC 3.5, 3.7): ENROLL or TRANSFER, and no segment covers the Effective Date. It
/// silences R005, R010–R014 and W004 (and, in `check_row`, every E code).
fn not_covered(s: &mut RowSink, effective: NaiveDate) {
    s.push(
        Column::EffectiveDate,
        Code::R004,
        format!("EVS shows no eligibility on the Effective Date {effective}"),
    );
}

/// R005 (SPEC 3.5): ENROLL or TRANSFER, and a Plan ID in the roster differs from the EVS
/// plan on the Effective Date (a blank EVS plan differs). An unknown plan has C003 instead.
fn plan_differs(s: &mut RowSink, record: &Record, segment: &Segment, reference: &Reference) {
    if let Val::Ok(plan) = &record.plan_id
        && reference.plan(plan).is_some()
        && !same_id(plan, &segment.plan_id)
    {
        let evs_plan = if segment.plan_id.is_empty() {
            "no plan".to_string()
        } else {
            segment.plan_id.to_string()
        };
        s.push(
            Column::PlanId,
            Code::R005,
            format!("Plan ID {plan} differs from the EVS plan on the Effective Date ({evs_plan})"),
        );
    }
}

/// R010–R014 (SPEC 3.5, 3.7): the CP assignment of the applicable segment against the row's
/// action. ENROLL: R010 already with this CP, R011 with another. DISENROLL: R012 not with
/// CP ID. TRANSFER: R013 not with From CP ID. DISENROLL or TRANSFER with the right CP but
/// effective before its `cp_start`: R014 instead. A CP ID unknown to the roster (C001) is
/// silent.
fn cp_assignment(
    s: &mut RowSink,
    record: &Record,
    applicable: Option<&Segment>,
    effective: NaiveDate,
    reference: &Reference,
) {
    let evs_cp = applicable.map_or("", |s| s.cp_id.as_str());
    let same = |id: &Val<Cow<'_, str>>| {
        id.ok()
            .filter(|id| reference.cp(id).is_some())
            .map(|id| same_id(id, evs_cp))
    };
    let late_start = applicable
        .and_then(|s| s.cp_start)
        .filter(|start| *start > effective);
    match record.action.get() {
        Some(Action::Enroll) if !evs_cp.is_empty() => match same(&record.cp_id) {
            Some(true) => s.push(
                Column::CpId,
                Code::R010,
                format!("EVS already shows the member with CP {evs_cp}"),
            ),
            Some(false) => s.push(
                Column::CpId,
                Code::R011,
                format!("EVS shows the member with another CP ({evs_cp}); send a TRANSFER instead"),
            ),
            None => {}
        },
        Some(Action::Disenroll) => match same(&record.cp_id) {
            Some(true) => before_cp_start(s, late_start, effective),
            Some(false) => s.push(Column::CpId, Code::R012, not_with(&record.cp_id, evs_cp)),
            None => {}
        },
        Some(Action::Transfer) => match same(&record.from_cp_id) {
            Some(true) => before_cp_start(s, late_start, effective),
            Some(false) => s.push(
                Column::FromCpId,
                Code::R013,
                not_with(&record.from_cp_id, evs_cp),
            ),
            None => {}
        },
        _ => {}
    }
}

/// The message of R012 and R013.
fn not_with(cp_id: &Val<Cow<'_, str>>, evs_cp: &str) -> String {
    let cp = cp_id.ok().map_or("", |c| c.as_ref()).to_uppercase();
    if evs_cp.is_empty() {
        format!("EVS shows the member with no CP on the Effective Date, not with {cp}")
    } else {
        format!("EVS shows the member with CP {evs_cp} on the Effective Date, not with {cp}")
    }
}

/// R014 (SPEC 3.5, 3.7): DISENROLL or TRANSFER with the right CP, effective before the CP
/// assignment's `cp_start` (timing only: R012 and R013 do not apply then).
fn before_cp_start(s: &mut RowSink, start: Option<NaiveDate>, effective: NaiveDate) {
    if let Some(start) = start {
        s.push(
            Column::EffectiveDate,
            Code::R014,
            format!(
                "the Effective Date {effective} is before the member's CP assignment began ({start})"
            ),
        );
    }
}

/// The attested columns W004 compares with EVS, in the order it reports them.
const ATTESTED: [Column; 6] = [
    Column::CoverageType,
    Column::Medicare,
    Column::OtherInsurance,
    Column::NursingFacility,
    Column::DmhAffiliation,
    Column::ZipCode,
];

/// W004 (SPEC 3.5, 3.7): an attested value given, an EVS value present, and the two differ
/// (ZIP on 5 digits).
fn attested_differences(s: &mut RowSink, record: &Record, evs: &Segment) {
    for column in ATTESTED {
        if let (Some(attested), Some(evs_value)) = attested_and_evs(column, record, evs)
            && attested != evs_value
        {
            s.push(
                column,
                Code::W004,
                format!(
                    "{} {attested} differs from EVS ({evs_value}); the EVS value is used",
                    column.header()
                ),
            );
        }
    }
}

/// One attested column's value and the EVS segment's, as a message shows them.
fn attested_and_evs(
    column: Column,
    record: &Record,
    evs: &Segment,
) -> (Option<String>, Option<String>) {
    let yes_no = |b: bool| String::from(if b { "Y" } else { "N" });
    match column {
        Column::CoverageType => (
            record.coverage.get().map(|v| v.to_string()),
            evs.coverage.map(|v| v.to_string()),
        ),
        Column::Medicare => (record.medicare.get().map(yes_no), evs.medicare.map(yes_no)),
        Column::OtherInsurance => (
            record.other_insurance.get().map(yes_no),
            evs.other_insurance.map(yes_no),
        ),
        Column::NursingFacility => (
            record.nursing_facility.get().map(yes_no),
            evs.nursing_facility.map(yes_no),
        ),
        Column::DmhAffiliation => (
            record.dmh.get().map(|v| v.to_string()),
            evs.dmh.map(|v| v.to_string()),
        ),
        Column::ZipCode => (
            record.zip.get().map(|v| v.as_str().into()),
            evs.zip.map(|v| v.as_str().into()),
        ),
        _ => (None, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn w004_description_names_the_attested_columns() {
        let headers: Vec<&str> = ATTESTED.iter().map(|c| c.header()).collect();
        let expected = format!("({})", headers.join(", "));
        assert!(
            Code::W004.rule().description.contains(&expected),
            "W004's description should name {expected}"
        );
    }
}
