//! cpbatch: validates MassHealth Community Partners batch files.
//!
//! The pipeline runs one way: **read → parse → check → decide → report**. The command line
//! (`cli`) builds a [`Config`]; everything below takes that plain value, so tests and
//! benchmarks drive the pipeline directly.
//!
//! The imports run one way too, each module naming only those below it
//! (`python3 ../shared/tools/layers.py src` shows the arrows):
//!
//! - values: `model` (columns, codes, IDs, dates), the rule `catalog`, `shown` (terminal
//!   text), and `sys` (I/O reasons, hashing, thread priority); `error` names the catalog;
//! - readers: `batch`, `evs`, `reference`;
//! - checks: `rules`, one file per stage; the decision: [`judge`];
//! - writers: `report`, with the atomic staging every command shares;
//! - commands: `cmd::validate`, `cmd::template`, `cmd::rules`, one module each;
//! - `cli` (clap, turned into plain values), then `main`.

pub mod batch;
pub mod catalog;
pub mod cli;
pub mod cmd;
pub mod error;
pub mod evs;
pub mod model;
pub mod reference;
pub mod report;
pub mod rules;
pub mod shown;
pub mod sys;

use std::path::PathBuf;
use std::time::Instant;

use rayon::prelude::*;

pub use error::FileError;

use batch::Batch;
use reference::Reference;
use rules::{CheckConfig, Context, Finding, RowOutcome};

/// Which report formats to write for the accepted, rejected and transfer reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Formats {
    pub csv: bool,
    pub xlsx: bool,
}

/// How the snapshot is read (`--evs-read`); every way gives the same results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvsRead {
    /// Index an uncompressed snapshot while large batches are read; scan otherwise.
    Auto,
    /// Scan the snapshot once the batches are read.
    Scan,
    /// Index the snapshot while the batches are read (a gzip snapshot is always scanned).
    Index,
}

/// Everything `validate` needs, free of any command-line types.
#[derive(Debug, Clone)]
pub struct Config {
    pub batches: Vec<PathBuf>,
    pub evs: Option<PathBuf>,
    pub reference: Option<PathBuf>,
    pub out: Option<PathBuf>,
    /// Write a JUnit XML report here (with or without `out`).
    pub junit: Option<PathBuf>,
    pub formats: Formats,
    pub sheet: Option<String>,
    pub threads: Option<usize>,
    pub evs_read: EvsRead,
    pub quiet: bool,
    /// Show progress bars on stderr (only ever when it is a terminal).
    pub progress: bool,
    pub check: CheckConfig,
}

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

/// Loads the reference roster: the directory given, or the built-in one.
pub fn load_reference(dir: Option<&std::path::Path>) -> Result<Reference, FileError> {
    match dir {
        Some(dir) => Reference::load(dir),
        None => Reference::built_in(),
    }
}

/// Checks every row of a batch, in parallel; results are in source-row order whatever the
/// thread count. Findings are sorted by [`Judged::finish`], after any cross-batch check.
pub fn judge(
    batch: Batch,
    reference: &Reference,
    config: &CheckConfig,
    evs: Option<&evs::Snapshot>,
) -> Judged {
    judge_checked(batch, reference, config, evs, Vec::new())
}

/// [`judge`], for a batch whose rows may have been checked as they were read: `checked`
/// holds their outcomes, one per row, or is empty.
pub fn judge_checked(
    batch: Batch,
    reference: &Reference,
    config: &CheckConfig,
    evs: Option<&evs::Snapshot>,
    checked: Vec<RowOutcome>,
) -> Judged {
    let started = Instant::now();
    let ctx = Context {
        reference,
        config,
        layout: &batch.layout,
        is_1904: batch.is_1904,
        evs,
    };
    let mut outcomes = if checked.len() == batch.rows.len() {
        checked
    } else {
        batch
            .rows
            .par_iter()
            .map(|row| rules::check_row(row, &ctx))
            .collect()
    };
    rules::batch::check(&mut outcomes);
    let file_findings = rules::file_findings(&batch.layout);
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

pub use cmd::validate::validate;
