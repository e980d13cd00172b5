//! summary.json (SPEC 4.2).

use std::collections::BTreeMap;
use std::io::Write;

use serde::Serialize;

use crate::error::FileError;
use crate::evs::Snapshot;
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
pub struct EvsInput {
    pub path: String,
    pub sha256: String,
    pub segments: u64,
    pub malformed_lines: u64,
}

impl EvsInput {
    /// The snapshot as the run read it (`run-summary.json`).
    pub fn of(snapshot: Option<&Snapshot>) -> Option<EvsInput> {
        snapshot.map(|s| EvsInput {
            path: s.path.clone(),
            sha256: s.sha256.clone(),
            segments: s.segments,
            malformed_lines: s.malformed_lines,
        })
    }

    /// The snapshot as one batch saw it: the malformed lines of its own members, as if it
    /// had been run alone (SPEC 3.7, 5.1).
    pub fn of_batch(snapshot: Option<&Snapshot>, judged: &Judged) -> Option<EvsInput> {
        let members = judged.outcomes.iter().filter_map(|o| o.member_id);
        Self::of(snapshot).map(|evs| EvsInput {
            malformed_lines: snapshot.map_or(0, |s| s.malformed_lines_of(members)),
            ..evs
        })
    }
}

#[derive(Serialize)]
pub struct Inputs {
    pub batch: BatchInput,
    pub evs: Option<EvsInput>,
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
            ..Counts::default()
        };
        // One pass over the rows: each row's verdict is looked at once. `Action::ALL` lists
        // the actions in their declaration order, which `action as usize` indexes.
        let mut by_action = vec![ActionCounts::default(); Action::ALL.len()];
        for outcome in &judged.outcomes {
            let rejected = outcome.is_rejected();
            if rejected {
                counts.rejected += 1;
            } else {
                counts.accepted += 1;
            }
            if let Some(action) = outcome.action {
                let entry = &mut by_action[action as usize];
                if rejected {
                    entry.rejected += 1;
                } else {
                    entry.accepted += 1;
                    counts.transfers += usize::from(action == Action::Transfer);
                }
            }
        }
        for (action, n) in Action::ALL.iter().zip(by_action) {
            counts.by_action.insert(action.as_str(), n);
        }
        let all = judged
            .file_findings
            .iter()
            .chain(judged.outcomes.iter().flat_map(|o| o.findings.iter()));
        // Counted by code first: one map entry per code rather than a string search per
        // finding.
        let mut by_code: rustc_hash::FxHashMap<crate::rules::Code, usize> = Default::default();
        for finding in all {
            *by_code.entry(finding.code).or_default() += 1;
        }
        counts.by_code = by_code
            .into_iter()
            .map(|(code, n)| (code.as_str(), n))
            .collect();
        counts
    }
}

#[derive(Serialize)]
pub struct Summary<'a> {
    pub tool: &'static Tool,
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
        snapshot: Option<&Snapshot>,
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
                evs: EvsInput::of_batch(snapshot, judged),
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

/// One batch of a multi-batch run, in run-summary.json.
#[derive(Serialize)]
pub struct RunBatch {
    pub path: String,
    pub stem: String,
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counts: Option<Counts>,
}

impl RunBatch {
    pub fn processed(path: String, stem: &str, judged: &Judged) -> RunBatch {
        RunBatch {
            path,
            stem: stem.to_string(),
            status: "processed",
            code: None,
            message: None,
            counts: Some(Counts::of(judged)),
        }
    }

    pub fn refused(path: String, stem: &str, error: &FileError) -> RunBatch {
        RunBatch {
            path,
            stem: stem.to_string(),
            status: "refused",
            code: error.code().map(|c| c.as_str()),
            message: Some(error.to_string()),
            counts: None,
        }
    }
}

#[derive(Serialize, Default)]
pub struct Totals {
    pub batches: usize,
    pub refused: usize,
    pub rows: usize,
    pub accepted: usize,
    pub rejected: usize,
    pub transfers: usize,
}

/// run-summary.json (SPEC 5.1).
#[derive(Serialize)]
pub struct RunSummary {
    pub tool: &'static Tool,
    pub rules_version: &'static str,
    pub as_of: String,
    pub evs: Option<EvsInput>,
    pub batches: Vec<RunBatch>,
    pub totals: Totals,
}

impl RunSummary {
    pub fn new(config: &Config, snapshot: Option<&Snapshot>, batches: Vec<RunBatch>) -> RunSummary {
        let mut totals = Totals {
            batches: batches.len(),
            ..Totals::default()
        };
        for batch in &batches {
            match &batch.counts {
                Some(c) => {
                    totals.rows += c.rows;
                    totals.accepted += c.accepted;
                    totals.rejected += c.rejected;
                    totals.transfers += c.transfers;
                }
                None => totals.refused += 1,
            }
        }
        RunSummary {
            tool: &TOOL,
            rules_version: RULES_VERSION,
            as_of: config.check.as_of.to_string(),
            evs: EvsInput::of(snapshot),
            batches,
            totals,
        }
    }

    pub fn write(&self, out: &mut impl Write) -> std::io::Result<()> {
        serde_json::to_writer_pretty(&mut *out, self)?;
        writeln!(out)
    }
}
