//! The roster of `cpbatch watch --roster` (SPEC 7): read as a batch is read (any batch
//! format, tolerant headers, F001–F005 naming the roster), each row's values read by the
//! batch's own format stage.

use std::collections::HashMap;
use std::path::Path;

use crate::batch::{Batch, RawCell, read_roster};
use crate::error::FileError;
use crate::model::Column;
use crate::reference::Reference;
use crate::rules::format::parse_row;
use crate::rules::watch::RosterEntry;
use crate::rules::{CheckConfig, Context, Val};

/// The roster as read, and its rows, in row order; a later row of a member already on an
/// earlier row names that row.
pub struct Roster {
    pub batch: Batch,
    pub entries: Vec<RosterEntry>,
}

pub fn read(path: &Path, reference: &Reference, check: &CheckConfig) -> Result<Roster, FileError> {
    let batch = read_roster(path, &|_| {})?;
    let ctx = Context {
        reference,
        config: check,
        layout: &batch.layout,
        is_1904: batch.is_1904,
        evs: None,
    };
    let mut first_row = HashMap::new();
    let mut entries = Vec::with_capacity(batch.rows.len());
    for raw in &batch.rows {
        // The format stage's findings are a batch's: a roster row is judged by SPEC 7.
        let mut ignored = Vec::new();
        let record = parse_row(raw, &ctx, &mut ignored);
        let cell = |column: Column| {
            batch
                .layout
                .position(column)
                .map_or(RawCell::EMPTY, |p| raw.cell(p))
        };
        let text = |value: &Val<std::borrow::Cow<'_, str>>| value.ok().map(|v| v.to_string());
        let member = record.member_id.get();
        let repeat_of = member.and_then(|id| {
            let first = *first_row.entry(id).or_insert(raw.source_row);
            (first != raw.source_row).then_some(first)
        });
        entries.push(RosterEntry {
            source_row: raw.source_row,
            member_text: cell(Column::MemberId).text.trim().to_string(),
            member,
            cp_id: text(&record.cp_id).unwrap_or_default(),
            last_name: text(&record.last_name),
            first_name: text(&record.first_name),
            date_of_birth: record.date_of_birth.get(),
            plan_id: text(&record.plan_id).filter(|p| !p.is_empty()),
            repeat_of,
        });
    }
    Ok(Roster { batch, entries })
}
