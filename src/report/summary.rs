//! summary.json (SPEC 4.2).

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;

use crate::model::Action;
use crate::reference::Reference;
use crate::rules::RULES_VERSION;
use crate::{Config, Judged, Timings};

#[derive(Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

pub const TOOL: Tool = Tool {
    name: "cpbatch",
    version: env!("CARGO_PKG_VERSION"),
};

#[derive(Serialize)]
pub struct BatchInput {
    pub path: String,
    pub sha256: String,
    pub sheet: Option<String>,
    pub rows: usize,
}

#[derive(Serialize)]
pub struct Inputs {
    pub batch: BatchInput,
    pub evs: Option<()>,
    pub reference: String,
}

#[derive(Serialize, Default, Clone, Copy)]
pub struct ActionCounts {
    pub accepted: usize,
    pub rejected: usize,
}

#[derive(Serialize, Default, Clone)]
pub struct Counts {
    pub rows: usize,
    pub accepted: usize,
    pub rejected: usize,
    pub transfers: usize,
    pub by_action: BTreeMap<&'static str, ActionCounts>,
    pub by_code: BTreeMap<&'static str, usize>,
}

impl Counts {
    pub fn of(judged: &Judged) -> Counts {
        let mut counts = Counts {
            rows: judged.outcomes.len(),
            accepted: judged.accepted(),
            rejected: judged.rejected(),
            transfers: judged.transfers(),
            ..Counts::default()
        };
        for action in [Action::Enroll, Action::Disenroll, Action::Transfer] {
            counts
                .by_action
                .insert(action.as_str(), ActionCounts::default());
        }
        for outcome in &judged.outcomes {
            if let Some(action) = outcome.action {
                let entry = counts.by_action.entry(action.as_str()).or_default();
                if outcome.is_rejected() {
                    entry.rejected += 1;
                } else {
                    entry.accepted += 1;
                }
            }
        }
        let all = judged
            .file_findings
            .iter()
            .chain(judged.outcomes.iter().flat_map(|o| o.findings.iter()));
        for finding in all {
            *counts.by_code.entry(finding.code.as_str()).or_default() += 1;
        }
        counts
    }
}

#[derive(Serialize)]
pub struct Summary<'a> {
    pub tool: &'a Tool,
    pub rules_version: &'static str,
    pub as_of: String,
    pub inputs: Inputs,
    pub counts: Counts,
    pub timings_ms: &'a Timings,
}

impl<'a> Summary<'a> {
    pub fn new(
        judged: &Judged,
        reference: &Reference,
        config: &Config,
        timings: &'a Timings,
    ) -> Self {
        Summary {
            tool: &TOOL,
            rules_version: RULES_VERSION,
            as_of: config.check.as_of.to_string(),
            inputs: Inputs {
                batch: BatchInput {
                    path: judged.batch.path.clone(),
                    sha256: judged.batch.sha256.clone(),
                    sheet: judged.batch.sheet.clone(),
                    rows: judged.outcomes.len(),
                },
                evs: None,
                reference: reference.source.clone(),
            },
            counts: Counts::of(judged),
            timings_ms: timings,
        }
    }

    pub fn write(&self, out: &mut impl Write) -> std::io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, self)?;
        writeln!(out)
    }
}
