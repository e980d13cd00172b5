//! The read step of `validate`: every batch read in turn, each chunk of rows checked as soon
//! as it is read when no snapshot scan has to come first (SPEC 6).

use std::path::PathBuf;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use rayon::prelude::*;

use super::snapshot::IndexThread;
use crate::Config;
use crate::batch::{self, Batch};
use crate::error::FileError;
use crate::model::MemberId;
use crate::reference::Reference;
use crate::rules::format::member_id;
use crate::rules::{Context, RowOutcome, check_row};

/// One batch of the run: read, or refused with a file-level error.
pub(super) struct Entry {
    pub path: PathBuf,
    pub stem: String,
    pub read_ms: u128,
    pub batch: Result<Batch, FileError>,
    /// The rows' outcomes, one per row, when they were checked as they were read.
    pub checked: Option<Vec<RowOutcome>>,
    /// Time spent on that work, which overlaps the read.
    pub busy: Busy,
}

/// What the read step gives: the batches, and what checking rows while reading found out
/// about the snapshot (when rows were checked that way).
pub(super) struct Read {
    pub entries: Vec<Entry>,
    pub streamed: Option<Streamed>,
}

/// The snapshot side of checking rows while they are read.
pub(super) struct Streamed {
    /// A snapshot read error: the run stops with it.
    pub failed: Option<FileError>,
    /// Batch members with malformed snapshot lines, and how many; a member in several
    /// chunks is listed once per chunk.
    pub malformed: Vec<(MemberId, u64)>,
}

/// Reads every batch. Rows are checked while they are read unless the snapshot must be
/// scanned first (a snapshot given, and no `index` of it).
pub(super) fn read(
    pool: &rayon::ThreadPool,
    config: &Config,
    stems: &[String],
    reference: &Reference,
    index: Option<&IndexThread>,
    progress: Option<&MultiProgress>,
) -> Read {
    let streaming = (config.evs.is_none() || index.is_some()).then(|| Streaming {
        reference,
        config,
        pool,
        index,
        failed: Mutex::new(None),
        malformed: Mutex::new(Vec::new()),
        busy: BusyTimes::default(),
    });
    let work = |chunk: batch::RowChunk<'_>| match &streaming {
        Some(streaming) => streaming.check(chunk),
        None => Vec::new(),
    };
    let entries = read_batches(
        config,
        stems,
        progress,
        streaming
            .as_ref()
            .map(|_| &work as batch::RowWork<'_, RowOutcome>),
        streaming.as_ref().map(|s| &s.busy),
    );
    Read {
        entries,
        streamed: streaming.map(|streaming| Streamed {
            failed: streaming.failed.into_inner().ok().flatten(),
            malformed: streaming.malformed.into_inner().unwrap_or_default(),
        }),
    }
}

/// Checks rows while the batch is still being read: with the snapshot index, each chunk's
/// members' lines are read and parsed first.
struct Streaming<'a> {
    reference: &'a Reference,
    config: &'a Config,
    pool: &'a rayon::ThreadPool,
    index: Option<&'a IndexThread>,
    failed: Mutex<Option<FileError>>,
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
pub(super) struct Busy {
    pub scan: u128,
    pub check: u128,
}

impl BusyTimes {
    fn add(&self, times: Times) {
        let micros = |d: std::time::Duration| u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        self.scan.fetch_add(micros(times.scan), Ordering::Relaxed);
        self.check.fetch_add(micros(times.check), Ordering::Relaxed);
    }

    fn now(&self) -> Busy {
        Busy {
            scan: u128::from(self.scan.load(Ordering::Relaxed)) / 1000,
            check: u128::from(self.check.load(Ordering::Relaxed)) / 1000,
        }
    }
}

impl Streaming<'_> {
    /// One outcome per row, or none when the snapshot could not be read (the run then
    /// stops with that error once the batches are read).
    ///
    /// While the file is read, a chunk is checked on this thread, leaving the reader its
    /// cores (it sets the pace). The chunks left once it is read (every chunk of a large
    /// workbook, whose snapshot index is built while it is read) are cut in parts, and each
    /// part's members' lines are read and its rows checked on every core: the lines are read
    /// with one `pread` per member, and done on one thread they left the other core idle.
    fn check(&self, chunk: batch::RowChunk<'_>) -> Vec<RowOutcome> {
        if !chunk.read_done {
            let (outcomes, times) = self.check_rows(&chunk, chunk.rows);
            self.busy.add(times);
            return outcomes;
        }
        let started = Instant::now();
        let parts: Vec<(Vec<RowOutcome>, Times)> = self.pool.install(|| {
            chunk
                .rows
                .par_chunks(PART_ROWS)
                .map(|rows| self.check_rows(&chunk, rows))
                .collect()
        });
        // Busy time on several cores at once, shared out as the cores spent it.
        let spent = parts
            .iter()
            .fold(Times::default(), |sum, (_, t)| sum.plus(*t));
        self.busy.add(spent.scaled_to(started.elapsed()));
        parts
            .into_iter()
            .flat_map(|(outcomes, _)| outcomes)
            .collect()
    }

    /// The outcomes of `rows` (of `chunk`), and the time spent reading their lines and
    /// checking them.
    fn check_rows(
        &self,
        chunk: &batch::RowChunk<'_>,
        rows: &[batch::RawRow],
    ) -> (Vec<RowOutcome>, Times) {
        let started = Instant::now();
        let snapshot = match self.index {
            None => None,
            Some(thread) => {
                let Some(index) = thread.wait() else {
                    return (Vec::new(), Times::default());
                };
                let mut members = rows
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
                        return (Vec::new(), Times::default());
                    }
                }
            }
        };
        let scan = started.elapsed();
        let started = Instant::now();
        let ctx = Context {
            reference: self.reference,
            config: &self.config.check,
            layout: chunk.layout,
            is_1904: chunk.is_1904,
            evs: snapshot.as_ref(),
        };
        let outcomes = rows.iter().map(|row| check_row(row, &ctx)).collect();
        let check = started.elapsed();
        (outcomes, Times { scan, check })
    }
}

/// Rows checked as one part once the file is read: enough that reading their members'
/// lines is not dominated by starting a task, few enough that every core gets parts.
const PART_ROWS: usize = 1024;

/// Time spent reading snapshot lines and checking rows.
#[derive(Default, Clone, Copy)]
struct Times {
    scan: std::time::Duration,
    check: std::time::Duration,
}

impl Times {
    fn plus(self, other: Times) -> Times {
        Times {
            scan: self.scan + other.scan,
            check: self.check + other.check,
        }
    }

    /// The same shares of `wall`.
    fn scaled_to(self, wall: std::time::Duration) -> Times {
        let total = (self.scan + self.check).as_secs_f64();
        if total == 0.0 {
            return Times::default();
        }
        Times {
            scan: wall.mul_f64(self.scan.as_secs_f64() / total),
            check: wall.mul_f64(self.check.as_secs_f64() / total),
        }
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
            let bar = progress.map(|bars| rows_bar(bars, path));
            let tick = |rows: u64| {
                if let Some(bar) = &bar {
                    bar.set_position(rows);
                }
            };
            let busy_before = busy.map(BusyTimes::now).unwrap_or_default();
            let read = batch::read_batch_with(path, config.sheet.as_deref(), &tick, work);
            let busy_after = busy.map(BusyTimes::now).unwrap_or_default();
            if let Some(bar) = bar {
                // The bar ends at the true count, not at the last chunk's.
                if let Ok((batch, _)) = &read {
                    bar.set_position(batch.rows.len() as u64);
                }
                bar.finish();
            }
            let (batch, checked) = match read {
                Ok((batch, checked)) => (Ok(batch), work.map(|_| checked)),
                Err(error) => (Err(error), None),
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

/// A spinner for a batch being read: the rows read so far (never member data).
fn rows_bar(bars: &MultiProgress, path: &std::path::Path) -> ProgressBar {
    let bar = bars.add(ProgressBar::new_spinner());
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg}: {human_pos} rows") {
        bar.set_style(style);
    }
    bar.set_message(format!(
        "reading {}",
        crate::shown::escaped(&path.display().to_string())
    ));
    bar
}
