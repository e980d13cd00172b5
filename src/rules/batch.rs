//! Within the batch (SPEC 3.6): duplicates (B001) and conflicting rows (B002); across the
//! batches of one run (SPEC 5.1): B003.

use std::collections::HashMap;

use super::{Code, Finding, RowKey, RowOutcome};
use crate::model::{Column, MemberId};

/// Adds B001 and B002 to the outcomes of one batch (in source-row order).
pub fn check(outcomes: &mut [RowOutcome]) {
    // Per member: its first-of-a-kind rows, in order, as (key, index).
    let mut members: HashMap<MemberId, Vec<(RowKey, usize)>> = HashMap::new();
    let mut b001 = Vec::new();
    for (index, outcome) in outcomes.iter().enumerate() {
        let Some(member) = outcome.member_id else {
            continue;
        };
        let firsts = members.entry(member).or_default();
        match firsts.iter().find(|(key, _)| *key == outcome.key) {
            Some((_, first)) => b001.push((index, *first)),
            None => firsts.push((outcome.key.clone(), index)),
        }
    }
    for (index, first) in b001 {
        let earlier = outcomes[first].source_row;
        let outcome = &mut outcomes[index];
        outcome.findings.push(Finding {
            source_row: Some(outcome.source_row),
            column: Some(Column::MemberId),
            code: Code::B001,
            message: format!(
                "duplicate of row {earlier}: same member, action, CP ID and effective date (row {earlier} is judged on its own)"
            ),
        });
    }
    let mut conflicts: Vec<&Vec<(RowKey, usize)>> =
        members.values().filter(|firsts| firsts.len() > 1).collect();
    conflicts.sort_by_key(|firsts| firsts[0].1);
    let mut b002 = Vec::new();
    for firsts in conflicts {
        for (_, index) in firsts.iter() {
            let others: Vec<String> = firsts
                .iter()
                .filter(|(_, other)| other != index)
                .map(|(_, other)| outcomes[*other].source_row.to_string())
                .collect();
            b002.push((*index, others));
        }
    }
    for (index, others) in b002 {
        let outcome = &mut outcomes[index];
        let rows = if others.len() == 1 { "row" } else { "rows" };
        outcome.findings.push(Finding {
            source_row: Some(outcome.source_row),
            column: Some(Column::MemberId),
            code: Code::B002,
            message: format!(
                "the same member also has {rows} {} in this batch with a different action, CP ID or effective date; send one request per member",
                others.join(", ")
            ),
        });
    }
}

/// Adds B003 to every row whose member is also in another batch of the run. `batches` are
/// (file name, outcomes) in argument order.
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
