//! `cpbatch validate`: one or more batches against at most one snapshot scan (SPEC 5.1).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

use crate::batch::{self, Batch};
use crate::error::FileError;
use rayon::prelude::*;

use crate::evs;
use crate::model::MemberId;
use crate::reference::Reference;
use crate::report::console;
use crate::report::publish::Publisher;
use crate::rules::format::member_id;
use crate::rules::{Context, RowOutcome, check_row};
use crate::{Config, EvsRead, Judged, judge_checked, load_reference};

mod outputs;
mod snapshot;
use outputs::{BatchRun, ReportContext};
use snapshot::{INDEX_FROM_BATCH_BYTES, IndexThread, batch_bytes, bytes_bar, scan_snapshot};

/// One batch of the run: read, or refused with a file-level error.
struct Entry {
    path: PathBuf,
    stem: String,
    read_ms: u128,
    batch: Result<Batch, FileError>,
    /// The rows' outcomes when they were checked as they were read.
    checked: Vec<RowOutcome>,
    /// Time spent on that work, which overlaps the read.
    busy: Busy,
}

/// Runs `validate`: returns the exit status (0 all accepted, 1 some rejected or refused).
pub fn validate(config: &Config, stdout: &mut dyn Write) -> Result<i32, FileError> {
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(threads) = config.threads {
        pool = pool.num_threads(threads);
    }
    let pool = pool.build().map_err(|e| {
        FileError::Usage(format!("cannot start the worker threads (--threads): {e}"))
    })?;
    let status = run(&pool, config, stdout)?;
    if config.out.is_none() {
        // SPEC 4.2: a run without --out says so once, so nobody looks for reports.
        eprintln!("cpbatch: no --out directory given: no report was written");
    }
    Ok(status)
}

fn run(
    pool: &rayon::ThreadPool,
    config: &Config,
    stdout: &mut dyn Write,
) -> Result<i32, FileError> {
    let started = Instant::now();
    let (config, stems) = outputs::plan(config);
    let config = &config;
    let single = config.batches.len() == 1;
    // Where the reports go is checked, and made ready, before any input is read.
    let publisher = Publisher::start(config, if single { &[] } else { &stems })?;
    let reference = load_reference(config.reference.as_deref())?;
    // Progress bars, one per input being read, only on a terminal (SPEC 4.1).
    let progress = (config.progress && std::io::stderr().is_terminal()).then(MultiProgress::new);

    // A large batch takes seconds to read on one core: index the snapshot on the other one
    // meanwhile; then each chunk of rows is reconciled as soon as it is read (SPEC 6).
    let index = config
        .evs
        .as_ref()
        .filter(|path| {
            evs::Index::possible(path)
                && match config.evs_read {
                    EvsRead::Auto => batch_bytes(config) >= INDEX_FROM_BATCH_BYTES,
                    EvsRead::Scan => false,
                    EvsRead::Index => true,
                }
        })
        .map(|path| {
            let bar = progress
                .as_ref()
                .map(|bars| bars.add(bytes_bar(path, "indexing")));
            IndexThread::spawn(path.clone(), bar)
        });
    // Rows are checked while they are read unless the snapshot must be scanned first.
    let streaming = (config.evs.is_none() || index.is_some()).then(|| Streaming {
        reference: &reference,
        config,
        pool,
        index: index.as_ref(),
        failed: Mutex::new(None),
        malformed: Mutex::new(Vec::new()),
        busy: BusyTimes::default(),
    });
    let entries = {
        let work = |chunk: batch::RowChunk<'_>| match &streaming {
            Some(streaming) => streaming.check(chunk),
            None => Vec::new(),
        };
        read_batches(
            config,
            &stems,
            progress.as_ref(),
            streaming
                .as_ref()
                .map(|_| &work as batch::RowWork<'_, RowOutcome>),
            streaming.as_ref().map(|s| &s.busy),
        )
    };
    if single && let Some(Err(_)) = entries.first().map(|e| &e.batch) {
        return Err(entries
            .into_iter()
            .next()
            .and_then(|e| e.batch.err())
            .unwrap_or_else(|| unreachable!()));
    }

    let (failed, mut malformed) = match streaming {
        Some(streaming) => (
            streaming.failed.into_inner().ok().flatten(),
            streaming.malformed.into_inner().unwrap_or_default(),
        ),
        None => (None, Vec::new()),
    };

    let scan_started = Instant::now();
    let snapshot = match (&config.evs, index) {
        (None, _) => None,
        (Some(_), Some(index)) => {
            let index = index.join()?;
            if let Some(error) = failed {
                return Err(error);
            }
            malformed.sort_unstable();
            malformed.dedup_by_key(|(id, _)| *id);
            Some(index.totals(malformed.iter().map(|(_, lines)| lines).sum()))
        }
        (Some(path), None) => Some(scan_snapshot(pool, path, &entries, progress.as_ref())?),
    };
    let scan_ms = scan_started.elapsed().as_millis();

    let mut runs: Vec<BatchRun> = entries
        .into_iter()
        .map(|entry| {
            let verdict = entry.batch.map(|batch| {
                // Rows checked while read were reconciled against their own members' lines.
                let evs = if entry.checked.len() == batch.rows.len() {
                    None
                } else {
                    snapshot.as_ref()
                };
                let mut judged = pool.install(|| {
                    judge_checked(batch, &reference, &config.check, evs, entry.checked)
                });
                judged.timings.run_started = Some(started);
                judged.timings.read = entry.read_ms;
                judged.timings.scan = scan_ms + entry.busy.scan;
                judged.timings.check += entry.busy.check;
                judged
            });
            BatchRun {
                path: entry.path,
                stem: entry.stem,
                verdict,
            }
        })
        .collect();
    {
        let mut processed: Vec<(&str, &mut [crate::rules::RowOutcome])> = runs
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
        runs.iter_mut()
            .filter_map(|run| run.verdict.as_mut().ok())
            .for_each(Judged::finish)
    });

    let mut status = 0;
    for run in &runs {
        match &run.verdict {
            Ok(judged) => {
                console_result(console::print(stdout, judged, config.quiet))?;
                if judged.rejected() > 0 {
                    status = 1;
                }
            }
            Err(error) => {
                eprintln!("cpbatch: {}", error.display_with_code());
                status = 1;
            }
        }
    }
    if !single {
        console_result(writeln!(
            stdout,
            "{}",
            crate::shown::escaped(&total_line(&runs))
        ))?;
    }
    let ctx = ReportContext {
        reference: &reference,
        config,
        snapshot: snapshot.as_ref(),
    };
    outputs::publish(publisher, &runs, &ctx)?;
    Ok(status)
}

/// Checks rows while the batch is still being read: with the snapshot index, each chunk's
/// members' lines are read and parsed first.
struct Streaming<'a> {
    reference: &'a Reference,
    config: &'a Config,
    pool: &'a rayon::ThreadPool,
    index: Option<&'a IndexThread>,
    /// A snapshot read error: the run stops with it once the batches are read.
    failed: Mutex<Option<FileError>>,
    /// Batch members with malformed snapshot lines, and how many; a member in several
    /// chunks is listed once per chunk.
    malformed: Mutex<Vec<(MemberId, u64)>>,
    busy: BusyTimes,
}

/// Time spent on work that overlaps the read, in microseconds.
#[derive(Default)]
struct BusyTimes {
    scan: AtomicU64,
    check: AtomicU64,
}

/// Busy time of one batch's read, in milliseconds.
#[derive(Default, Clone, Copy)]
struct Busy {
    scan: u128,
    check: u128,
}

impl BusyTimes {
    fn add(counter: &AtomicU64, since: Instant) {
        let micros = u64::try_from(since.elapsed().as_micros()).unwrap_or(u64::MAX);
        counter.fetch_add(micros, Ordering::Relaxed);
    }

    fn now(&self) -> Busy {
        Busy {
            scan: u128::from(self.scan.load(Ordering::Relaxed)) / 1000,
            check: u128::from(self.check.load(Ordering::Relaxed)) / 1000,
        }
    }
}

impl Streaming<'_> {
    /// One outcome per row, or none when the snapshot could not be read.
    fn check(&self, chunk: batch::RowChunk<'_>) -> Vec<RowOutcome> {
        let started = Instant::now();
        let snapshot = match self.index {
            None => None,
            Some(thread) => {
                let Some(index) = thread.wait() else {
                    return Vec::new();
                };
                let mut members = chunk
                    .rows
                    .iter()
                    .filter_map(|row| member_id(row, chunk.layout))
                    .collect();
                match index.snapshot_of(&mut members) {
                    Ok(snapshot) => {
                        if let Ok(mut malformed) = self.malformed.lock() {
                            malformed.extend(snapshot.malformed_members());
                        }
                        Some(snapshot)
                    }
                    Err(error) => {
                        if let Ok(mut failed) = self.failed.lock() {
                            failed.get_or_insert(error);
                        }
                        return Vec::new();
                    }
                }
            }
        };
        BusyTimes::add(&self.busy.scan, started);
        let started = Instant::now();
        let ctx = Context {
            reference: self.reference,
            config: &self.config.check,
            layout: chunk.layout,
            is_1904: chunk.is_1904,
            evs: snapshot.as_ref(),
        };
        // While the file is read, leave the reader its core (it sets the pace); the rows
        // left once it is read (many, after a fast CSV read) use every core.
        let outcomes = if chunk.read_done {
            self.pool.install(|| {
                chunk
                    .rows
                    .par_iter()
                    .map(|row| check_row(row, &ctx))
                    .collect()
            })
        } else {
            chunk.rows.iter().map(|row| check_row(row, &ctx)).collect()
        };
        BusyTimes::add(&self.busy.check, started);
        outcomes
    }
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

fn read_batches(
    config: &Config,
    stems: &[String],
    progress: Option<&MultiProgress>,
    work: Option<batch::RowWork<'_, RowOutcome>>,
    busy: Option<&BusyTimes>,
) -> Vec<Entry> {
    config
        .batches
        .iter()
        .zip(stems)
        .map(|(path, stem)| {
            let started = Instant::now();
            let bar = progress.map(|bars| {
                let bar = bars.add(ProgressBar::new_spinner());
                if let Ok(style) = ProgressStyle::with_template("{spinner} {msg}: {human_pos} rows")
                {
                    bar.set_style(style);
                }
                bar.set_message(format!(
                    "reading {}",
                    crate::shown::escaped(&path.display().to_string())
                ));
                bar
            });
            let tick = |rows: u64| {
                if let Some(bar) = &bar {
                    bar.set_position(rows);
                }
            };
            let busy_before = busy.map(BusyTimes::now).unwrap_or_default();
            let read = batch::read_batch_with(path, config.sheet.as_deref(), &tick, work);
            let busy_after = busy.map(BusyTimes::now).unwrap_or_default();
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
            let (batch, checked) = match read {
                Ok((batch, checked)) => (Ok(batch), checked),
                Err(error) => (Err(error), Vec::new()),
            };
            Entry {
                path: path.clone(),
                stem: stem.clone(),
                read_ms: started.elapsed().as_millis(),
                batch,
                checked,
                busy: Busy {
                    scan: busy_after.scan - busy_before.scan,
                    check: busy_after.check - busy_before.check,
                },
            }
        })
        .collect()
}

fn total_line(runs: &[BatchRun]) -> String {
    let processed = runs.iter().filter_map(|run| run.verdict.as_ref().ok());
    let (rows, accepted, rejected, transfers) = processed.fold((0, 0, 0, 0), |t, j| {
        (
            t.0 + j.outcomes.len(),
            t.1 + j.accepted(),
            t.2 + j.rejected(),
            t.3 + j.transfers(),
        )
    });
    let refused = runs.iter().filter(|run| run.verdict.is_err()).count();
    format!(
        "total: {} batches ({refused} refused), {rows} rows: {accepted} accepted, {rejected} rejected ({transfers} transfers)",
        runs.len()
    )
}
