//! `cpbatch watch` (SPEC 7): every watched member judged against the EVS snapshot on the
//! watch date, the disenrollments written as a batch to submit, the rest listed for review.
//!
//! Four steps, as `validate`: **find** the watched members (one pass over the snapshot, or
//! the roster and the lookup `validate` uses), **judge** each (`rules::watch`), then
//! **emit** the console lines and the outputs, published whole.

mod find;
mod outputs;
mod roster;

use std::io::Write;
use std::path::PathBuf;

use chrono::NaiveDate;

use crate::Formats;
use crate::error::FileError;
use crate::reference::{Reference, Submitter};
use crate::rules::CheckConfig;

pub use find::Found;

/// Everything `cpbatch watch` needs, free of any command-line types.
#[derive(Debug, Clone)]
pub struct Config {
    pub evs: PathBuf,
    pub roster: Option<PathBuf>,
    /// `MASSHEALTH`, a plan or a CP.
    pub submitter: String,
    pub reference: Option<PathBuf>,
    /// "Today"; its S008 window bounds the watch date.
    pub check: CheckConfig,
    /// The watch date D (default: the as-of date).
    pub effective: Option<NaiveDate>,
    pub out: Option<PathBuf>,
    pub formats: Formats,
    pub threads: Option<usize>,
    pub quiet: bool,
}

impl Config {
    /// The watch date D.
    pub fn date(&self) -> NaiveDate {
        self.effective.unwrap_or(self.check.as_of)
    }
}

/// Runs `cpbatch watch`: returns the exit status (0 nothing to do, 1 something proposed or
/// to review).
pub fn run(config: &Config, stdout: &mut dyn Write) -> Result<i32, FileError> {
    let publisher = outputs::start(config)?;
    let reference = crate::load_reference(config.reference.as_deref())?;
    let found = watch(config, &reference)?;
    let status = outputs::emit(stdout, publisher, &found, &reference, config)?;
    if config.out.is_none() {
        eprintln!("cpbatch: no --out directory given: no report was written");
    }
    Ok(status)
}

/// Finds and judges every watched member, and writes nothing. An unknown submitter and a
/// watch date outside the window are usage errors, found before any input is read.
pub fn watch(config: &Config, reference: &Reference) -> Result<Found, FileError> {
    let submitter = check_usage(config, reference)?;
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(threads) = config.threads {
        pool = pool.num_threads(threads);
    }
    let pool = pool.build().map_err(|e| {
        FileError::Usage(format!("cannot start the worker threads (--threads): {e}"))
    })?;
    pool.install(|| find::find(config, reference, submitter, pool.current_num_threads()))
}

/// The submitter, known to the reference data, and a watch date within the S008 window of
/// the as-of date: usage errors otherwise.
pub(crate) fn check_usage<'r>(
    config: &Config,
    reference: &'r Reference,
) -> Result<Submitter<'r>, FileError> {
    let submitter = reference.submitter(&config.submitter).ok_or_else(|| {
        FileError::Usage(format!(
            "--submitter {:?} is not MASSHEALTH, nor a plan or CP of the reference data",
            crate::shown::escaped(&config.submitter)
        ))
    })?;
    let (date, check) = (config.date(), &config.check);
    let days = (date - check.as_of).num_days();
    if days < -check.max_retro_days || days > check.max_future_days {
        return Err(FileError::Usage(format!(
            "--effective {date} is outside the window of the as-of date {} ({} days before to {} days after): a batch with that Effective Date would be refused (S008)",
            check.as_of, check.max_retro_days, check.max_future_days
        )));
    }
    Ok(submitter)
}
