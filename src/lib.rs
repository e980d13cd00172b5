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
//! - checks: `rules`, one file per stage; the decision: `judge` (`src/judge.rs`);
//! - writers: `report`, with the atomic staging every command shares;
//! - commands: `cmd::validate`, `cmd::template`, `cmd::rules`, one module each;
//! - `cli` (clap, turned into plain values), then `main`.

pub mod batch;
pub mod catalog;
pub mod cli;
pub mod cmd;
pub mod error;
pub mod evs;
pub mod judge;
pub mod model;
pub mod panics;
pub mod reference;
pub mod report;
pub mod rules;
pub mod shown;
pub mod sys;

use std::path::PathBuf;

pub use error::FileError;
pub use judge::{Judged, Timings, judge};

use reference::Reference;
use rules::CheckConfig;

/// Which report formats to write for the accepted, rejected and transfer reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Formats {
    pub csv: bool,
    pub xlsx: bool,
}

/// How the snapshot is read (`--evs-read`); every way gives the same results.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvsRead {
    /// Index the snapshot while large batches are read; scan otherwise.
    Auto,
    /// Scan the snapshot once the batches are read.
    Scan,
    /// Index the snapshot while the batches are read (a gzip snapshot too large to hold in
    /// memory, or a pipe, is scanned).
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
    /// Judge each batch alone: no B003 across the batches of the run (SPEC 5.1).
    pub independent: bool,
    /// Show progress bars on stderr (only ever when it is a terminal).
    pub progress: bool,
    pub check: CheckConfig,
}

/// Loads the reference roster: the directory given, or the built-in one.
pub fn load_reference(dir: Option<&std::path::Path>) -> Result<Reference, FileError> {
    match dir {
        Some(dir) => Reference::load(dir),
        None => Reference::built_in(),
    }
}

pub use cmd::validate::validate;
