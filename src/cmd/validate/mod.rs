//! `cpbatch validate`: one or more batches against at most one snapshot scan (SPEC 5.1).
//!
//! The command runs in four steps, each a function below: **read** the batches (checking
//! rows as they are read when it can), the **snapshot** (scanned, or indexed meanwhile),
//! **judge** every batch (then the checks across batches), and **emit** the console lines
//! and the reports. [`check`] runs the first three and writes nothing.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Instant;

use indicatif::MultiProgress;

use crate::error::FileError;
use crate::evs::{self, Snapshot};
use crate::judge::judge_checked;
use crate::reference::Reference;
use crate::report::console;
use crate::report::publish::Publisher;
use crate::{Config, EvsRead, Judged, load_reference};

mod outputs;
mod read;
mod snapshot;
use outputs::ReportContext;
use read::{Entry, read};
pub(crate) use snapshot::bytes_bar;
use snapshot::{INDEX_FROM_BATCH_BYTES, IndexThread, batch_bytes, held_limit, scan_snapshot};

/// A batch of the run: judged, or refused with a file-level error (F001–F005).
pub struct Checked {
    pub path: PathBuf,
    /// The name of its report folder when the run has several batches.
    pub stem: String,
    pub verdict: Result<Judged, FileError>,
}

/// Runs `validate`: returns the exit status (0 all accepted, 1 some rejected or refused).
pub fn validate(config: &Config, stdout: &mut dyn Write) -> Result<i32, FileError> {
    let pool = worker_pool(config)?;
    let started = Instant::now();
    let (config, stems) = outputs::plan(config)?;
    // Where the reports go is checked, and made ready, before any input is read.
    let single = config.batches.len() == 1;
    let publisher = Publisher::start(&config, if single { &[] } else { &stems })?;
    let reference = load_reference(config.reference.as_deref())?;
    // Progress bars, one per input being read, only on a terminal (SPEC 4.1).
    let progress = (config.progress && std::io::stderr().is_terminal()).then(MultiProgress::new);
    let (batches, snapshot) = judge_all(
        &pool,
        &config,
        &stems,
        &reference,
        progress.as_ref(),
        started,
    )?;
    let ctx = ReportContext {
        reference: &reference,
        config: &config,
        snapshot: snapshot.as_ref(),
    };
    let status = emit(stdout, publisher, &batches, &ctx, progress.as_ref())?;
    if config.out.is_none() {
        // SPEC 4.2: a run without --out says so once, so nobody looks for reports.
        eprintln!("cpbatch: no --out directory given: no report was written");
    }
    Ok(status)
}

/// Reads, reconciles and judges every batch as `validate` does, and writes nothing: one
/// verdict per batch, in argument order (a batch named twice once). A single batch's
/// file-level error is the run's, as in `validate`.
pub fn check(config: &Config) -> Result<Vec<Checked>, FileError> {
    let pool = worker_pool(config)?;
    let (config, stems) = outputs::plan(config)?;
    let reference = load_reference(config.reference.as_deref())?;
    judge_all(&pool, &config, &stems, &reference, None, Instant::now()).map(|(batches, _)| batches)
}

fn worker_pool(config: &Config) -> Result<rayon::ThreadPool, FileError> {
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(threads) = config.threads {
        pool = pool.num_threads(threads);
    }
    pool.build()
        .map_err(|e| FileError::Usage(format!("cannot start the worker threads (--threads): {e}")))
}

/// Read → snapshot → judge: every batch's verdict, and the snapshot they were judged on.
fn judge_all(
    pool: &rayon::ThreadPool,
    config: &Config,
    stems: &[String],
    reference: &Reference,
    progress: Option<&MultiProgress>,
    started: Instant,
) -> Result<(Vec<Checked>, Option<Snapshot>), FileError> {
    let index = start_index(config, progress);
    let read = read(pool, config, stems, reference, index.as_ref(), progress);
    let mut entries = refused_alone(read.entries)?;
    let scan_started = Instant::now();
    let index = match (index, read.streamed) {
        (Some(index), Some(streamed)) => index.join()?.map(|index| (index, streamed)),
        _ => None,
    };
    let snapshot = match (&config.evs, index) {
        (None, _) => None,
        (Some(_), Some((index, streamed))) => Some(indexed(index, streamed)?),
        (Some(path), None) => {
            // A gzip snapshot too large to hold: its rows were read unchecked, and are
            // checked once it is scanned, as without the index.
            for entry in &mut entries {
                entry.checked = None;
            }
            Some(scan_snapshot(pool, path, &entries, progress)?)
        }
    };
    let scan_ms = scan_started.elapsed().as_millis();
    let batches = judge(
        pool,
        config,
        reference,
        entries,
        snapshot.as_ref(),
        |timings| {
            timings.run_started = Some(started);
            timings.scan += scan_ms;
        },
    )?;
    Ok((batches, snapshot))
}

/// A large batch takes seconds to read on one core: index the snapshot on the other one
/// meanwhile; then each chunk of rows is reconciled as soon as it is read (SPEC 6).
fn start_index(config: &Config, progress: Option<&MultiProgress>) -> Option<IndexThread> {
    let path = config.evs.as_ref()?;
    let batch_bytes = batch_bytes(config);
    let limit = held_limit(batch_bytes);
    // A gzip snapshot's text is held while it is indexed: one whose trailer says it is
    // larger than the batches allow is scanned without trying.
    let held_fits = || {
        !evs::Index::holds_text(path) || evs::Index::held_size_hint(path).is_none_or(|s| s <= limit)
    };
    let wanted = evs::Index::possible(path)
        && match config.evs_read {
            EvsRead::Auto => batch_bytes >= INDEX_FROM_BATCH_BYTES,
            EvsRead::Scan => false,
            EvsRead::Index => true,
        }
        && held_fits();
    wanted.then(|| {
        let bar = progress.map(|bars| bars.add(bytes_bar(path, "indexing")));
        IndexThread::spawn(path.clone(), limit, bar)
    })
}

/// A run of one batch that could not be read is that batch's file-level error (exit 2);
/// a run of several goes on without it.
fn refused_alone(entries: Vec<Entry>) -> Result<Vec<Entry>, FileError> {
    match <[Entry; 1]>::try_from(entries) {
        Ok(
            [
                Entry {
                    batch: Err(error), ..
                },
            ],
        ) => Err(error),
        Ok([entry]) => Ok(vec![entry]),
        Err(entries) => Ok(entries),
    }
}

/// The snapshot totals once the index is built and every row reconciled with it.
fn indexed(index: evs::Index, streamed: read::Streamed) -> Result<Snapshot, FileError> {
    if let Some(error) = streamed.failed {
        return Err(error);
    }
    Ok(index.totals(streamed.malformed))
}

/// Judges every batch read (rows checked while read were reconciled against their own
/// members' lines), then the checks across batches (B003), then puts findings in order.
fn judge(
    pool: &rayon::ThreadPool,
    config: &Config,
    reference: &Reference,
    entries: Vec<Entry>,
    snapshot: Option<&Snapshot>,
    timed: impl Fn(&mut crate::Timings),
) -> Result<Vec<Checked>, FileError> {
    let mut batches = Vec::with_capacity(entries.len());
    for entry in entries {
        let verdict = match entry.batch {
            Ok(batch) => {
                let evs = if entry.checked.is_some() {
                    None
                } else {
                    snapshot
                };
                let mut judged = pool.install(|| {
                    judge_checked(batch, reference, &config.check, evs, entry.checked)
                })?;
                judged.timings.read = entry.read_ms;
                judged.timings.scan = entry.busy.scan;
                judged.timings.check += entry.busy.check;
                timed(&mut judged.timings);
                Ok(judged)
            }
            Err(error) => Err(error),
        };
        batches.push(Checked {
            path: entry.path,
            stem: entry.stem,
            verdict,
        });
    }
    // The check across batches (B003), unless each batch is to be judged alone.
    if !config.independent {
        let mut processed: Vec<(&str, &mut [crate::rules::RowOutcome])> = batches
            .iter_mut()
            .filter_map(|run| {
                let name = run.path.to_str().unwrap_or("batch");
                run.verdict
                    .as_mut()
                    .ok()
                    .map(|j| (name, j.outcomes.as_mut_slice()))
            })
            .collect();
        crate::rules::batch::check_across(&mut processed);
    }
    pool.install(|| {
        batches
            .iter_mut()
            .filter_map(|run| run.verdict.as_mut().ok())
            .for_each(Judged::finish)
    });
    Ok(batches)
}

/// The console lines (each batch's, then a total line for several), then the reports,
/// published whole. Returns the exit status.
fn emit(
    stdout: &mut dyn Write,
    publisher: Publisher,
    batches: &[Checked],
    ctx: &ReportContext<'_>,
    progress: Option<&MultiProgress>,
) -> Result<i32, FileError> {
    let mut status = 0;
    let named = batches.len() > 1;
    for run in batches {
        match &run.verdict {
            Ok(judged) => {
                console_result(console::print(stdout, judged, ctx.config.quiet, named))?;
                if judged.rejected() > 0 {
                    status = 1;
                }
            }
            Err(error) => {
                // On stdout too, so that a log of the run lists every batch (SPEC 5.1).
                let path = run.path.display().to_string();
                let line = console::refused_line(&path, error);
                console_result(writeln!(stdout, "{}", crate::shown::escaped(&line)))?;
                eprintln!("cpbatch: {}", error.display_with_code());
                status = 1;
            }
        }
    }
    if batches.len() > 1 {
        console_result(writeln!(
            stdout,
            "{}",
            crate::shown::escaped(&total_line(batches))
        ))?;
    }
    // Writing workbooks takes seconds on a large batch: a spinner says so.
    let bar = progress
        .filter(|_| ctx.config.out.is_some() || ctx.config.junit.is_some())
        .map(snapshot::writing_bar);
    let published = outputs::publish(publisher, batches, ctx);
    if let Some(bar) = bar {
        match &published {
            Ok(()) => bar.finish_with_message("reports written"),
            Err(_) => bar.finish_and_clear(),
        }
    }
    published?;
    Ok(status)
}

/// A console write that failed. A closed pipe (`cpbatch validate … | head`) is not a failure:
/// the reader has seen enough, and the reports must still be written.
fn console_result(result: std::io::Result<()>) -> Result<(), FileError> {
    match result {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(FileError::Output {
            path: "stdout".into(),
            reason: e.to_string(),
        }),
        _ => Ok(()),
    }
}

fn total_line(batches: &[Checked]) -> String {
    let processed = batches.iter().filter_map(|run| run.verdict.as_ref().ok());
    let (rows, accepted, rejected, transfers) = processed.fold((0, 0, 0, 0), |t, j| {
        (
            t.0 + j.outcomes.len(),
            t.1 + j.accepted(),
            t.2 + j.rejected(),
            t.3 + j.transfers(),
        )
    });
    let refused = batches.iter().filter(|run| run.verdict.is_err()).count();
    format!(
        "total: {} batches ({refused} refused), {rows} rows: {accepted} accepted, {rejected} rejected ({transfers} transfers)",
        batches.len()
    )
}
