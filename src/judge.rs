//! The decision: every row of a batch checked, then the checks across its rows, giving each
//! row its verdict (SPEC 3.7).

use std::time::Instant;

use rayon::prelude::*;

use crate::FileError;
use crate::batch::Batch;
use crate::evs::Snapshot;
use crate::reference::Reference;
use crate::rules::{self, CheckConfig, Context, Finding, RowOutcome};

/// Time spent in each stage, in milliseconds. Rows are checked, and reconciled against an
/// indexed snapshot, while the batch is read: `scan` and `check` then include that busy
/// time, which overlaps `read`, and `total` (the wall time of the run) is less than the sum.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Timings {
    pub read: u128,
    pub scan: u128,
    pub check: u128,
    pub write: u128,
    pub total: u128,
    /// When the run started, to measure `total`.
    #[serde(skip)]
    pub run_started: Option<Instant>,
}

/// A batch with its verdicts.
pub struct Judged {
    pub batch: Batch,
    pub file_findings: Vec<Finding>,
    pub outcomes: Vec<RowOutcome>,
    pub timings: Timings,
}

impl Judged {
    pub fn accepted(&self) -> usize {
        self.outcomes.iter().filter(|o| !o.is_rejected()).count()
    }

    pub fn rejected(&self) -> usize {
        self.outcomes.len() - self.accepted()
    }

    pub fn transfers(&self) -> usize {
        self.outcomes
            .iter()
            .filter(|o| o.is_accepted_transfer())
            .count()
    }

    pub fn context<'a>(&'a self, reference: &'a Reference, config: &'a CheckConfig) -> Context<'a> {
        Context {
            reference,
            config,
            layout: &self.batch.layout,
            is_1904: self.batch.is_1904,
            evs: None,
        }
    }
}

/// Checks every row of a batch, in parallel; results are in source-row order whatever the
/// thread count. Findings are sorted by [`Judged::finish`], after any cross-batch check.
pub fn judge(
    batch: Batch,
    reference: &Reference,
    config: &CheckConfig,
    evs: Option<&Snapshot>,
) -> Judged {
    let started = Instant::now();
    let outcomes = check_rows(&batch, reference, config, evs);
    decide(batch, outcomes, started)
}

/// [`judge`], for a batch whose rows may have been checked as they were read: `checked`
/// holds their outcomes, one per row. A count that differs from the rows' is an internal
/// error, never a row lost or judged twice.
pub(crate) fn judge_checked(
    batch: Batch,
    reference: &Reference,
    config: &CheckConfig,
    evs: Option<&Snapshot>,
    checked: Option<Vec<RowOutcome>>,
) -> Result<Judged, FileError> {
    let started = Instant::now();
    let outcomes = match checked {
        None => check_rows(&batch, reference, config, evs),
        Some(outcomes) if outcomes.len() == batch.rows.len() => outcomes,
        Some(outcomes) => {
            return Err(FileError::Unreadable {
                path: batch.path,
                reason: format!(
                    "{} of its {} rows were checked (an internal error)",
                    outcomes.len(),
                    batch.rows.len()
                ),
            });
        }
    };
    Ok(decide(batch, outcomes, started))
}

/// Every row's own findings, in parallel, in source-row order whatever the thread count.
fn check_rows(
    batch: &Batch,
    reference: &Reference,
    config: &CheckConfig,
    evs: Option<&Snapshot>,
) -> Vec<RowOutcome> {
    let ctx = Context {
        reference,
        config,
        layout: &batch.layout,
        is_1904: batch.is_1904,
        evs,
    };
    batch
        .rows
        .par_iter()
        .map(|row| rules::check_row(row, &ctx))
        .collect()
}

/// The checks across the batch's rows (B001–B003 within it), then the verdict.
fn decide(batch: Batch, mut outcomes: Vec<RowOutcome>, started: Instant) -> Judged {
    rules::batch::check(&mut outcomes);
    let mut file_findings = rules::file_findings(&batch.layout);
    file_findings.extend(rules::encoding_findings(batch.encoding));
    Judged {
        file_findings,
        outcomes,
        timings: Timings {
            check: started.elapsed().as_millis(),
            ..Timings::default()
        },
        batch,
    }
}

impl Judged {
    /// Puts every row's findings in column order.
    pub fn finish(&mut self) {
        let layout = &self.batch.layout;
        self.outcomes
            .par_iter_mut()
            .for_each(|o| rules::sort_findings(&mut o.findings, layout));
    }
}
