//! Within the batch (SPEC 3.6): duplicates (B001) and conflicting rows (B002); across the
//! batches of one run (SPEC 5.1): B003.

use std::collections::HashMap;

use super::{Code, Finding, RowOutcome};
use crate::model::{Column, MemberId};

/// Adds B001 and B002 to the outcomes of one batch (in source-row order), checking each
/// member's rows (SPEC 3.6). Rows with a blank or invalid Member ID are skipped.
pub fn check(outcomes: &mut [RowOutcome]) {
    // Rows grouped by member (sorting indexes keeps memory small and the result in order).
    let mut by_member: Vec<(MemberId, usize)> = Vec::with_capacity(outcomes.len());
    by_member.extend(
        outcomes
            .iter()
            .enumerate()
            .filter_map(|(i, o)| o.member_id.map(|m| (m, i))),
    );
    by_member.sort_unstable();
    let mut additions: Vec<(usize, Code, String)> = Vec::new();
    for group in by_member.chunk_by(|a, b| a.0 == b.0) {
        if group.len() < 2 {
            continue;
        }
        let firsts = duplicates(outcomes, group, &mut additions);
        conflicts(outcomes, &firsts, &mut additions);
    }
    for (index, code, message) in additions {
        let outcome = &mut outcomes[index];
        outcome.findings.push(Finding {
            source_row: Some(outcome.source_row),
            column: Some(Column::MemberId),
            code,
            message,
        });
    }
}

/// B001 (SPEC 3.6): a row with the same Member ID, Action, CP ID and Effective Date as an
/// earlier row. `group` is one member's rows, in order; returns the first-of-their-kind rows.
fn duplicates(
    outcomes: &[RowOutcome],
    group: &[(MemberId, usize)],
    additions: &mut Vec<(usize, Code, String)>,
) -> Vec<usize> {
    let mut firsts: Vec<usize> = Vec::new();
    for &(_, index) in group {
        match firsts
            .iter()
            .find(|f| outcomes[**f].key == outcomes[index].key)
        {
            Some(first) => {
                let earlier = outcomes[*first].source_row;
                additions.push((index, Code::B001, format!(
                    "duplicate of row {earlier}: same member, action, CP ID and effective date (row {earlier} is judged on its own)"
                )));
            }
            None => firsts.push(index),
        }
    }
    firsts
}

/// B002 (SPEC 3.6): one member's first-of-their-kind rows, when there are two or more
/// (different Action, CP ID or Effective Date): each names the others. Duplicates get B001
/// only.
fn conflicts(
    outcomes: &[RowOutcome],
    firsts: &[usize],
    additions: &mut Vec<(usize, Code, String)>,
) {
    if firsts.len() < 2 {
        return;
    }
    for &index in firsts {
        let others: Vec<String> = firsts
            .iter()
            .filter(|other| **other != index)
            .map(|other| outcomes[*other].source_row.to_string())
            .collect();
        let rows = if others.len() == 1 { "row" } else { "rows" };
        additions.push((index, Code::B002, format!(
            "the same member also has {rows} {} in this batch with a different action, CP ID or effective date; send one request per member",
            others.join(", ")
        )));
    }
}

/// B003 (SPEC 5.1): adds B003 to every row whose member is also in another batch of the
/// run. `batches` are (file name, outcomes) in argument order.
pub fn check_across(batches: &mut [(&str, &mut [RowOutcome])]) {
    if batches.len() < 2 {
        return;
    }
    // Member → (batch, source rows) in order.
    let mut seen: HashMap<MemberId, Vec<(usize, Vec<u32>)>> = HashMap::new();
    for (b, (_, outcomes)) in batches.iter().enumerate() {
        for outcome in outcomes.iter() {
            let Some(member) = outcome.member_id else {
                continue;
            };
            let places = seen.entry(member).or_default();
            match places.last_mut() {
                Some((last, rows)) if *last == b => rows.push(outcome.source_row),
                _ => places.push((b, vec![outcome.source_row])),
            }
        }
    }
    let names: Vec<String> = batches.iter().map(|(name, _)| name.to_string()).collect();
    for (b, (_, outcomes)) in batches.iter_mut().enumerate() {
        for outcome in outcomes.iter_mut() {
            let Some(places) = outcome.member_id.and_then(|m| seen.get(&m)) else {
                continue;
            };
            let others: Vec<String> = places
                .iter()
                .filter(|(other, _)| *other != b)
                .map(|(other, rows)| {
                    let rows: Vec<String> = rows.iter().map(u32::to_string).collect();
                    let word = if rows.len() == 1 { "row" } else { "rows" };
                    format!("{} {word} {}", names[*other], rows.join(", "))
                })
                .collect();
            if others.is_empty() {
                continue;
            }
            outcome.findings.push(Finding {
                source_row: Some(outcome.source_row),
                column: Some(Column::MemberId),
                code: Code::B003,
                message: format!(
                    "the same member is also in another batch of this run: {}; send each member in one batch",
                    others.join("; ")
                ),
            });
        }
    }
}
