//! The snapshot side of `validate`: scanned once the batches are read, or indexed on a thread
//! of its own while they are read (`--evs-read`).

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use rayon::prelude::*;

use super::read::Entry;
use crate::Config;
use crate::error::FileError;
use crate::evs::{self, IdSet, Snapshot};
use crate::rules::format::member_id;

/// Scans the snapshot for the members of every batch read.
pub(super) fn scan_snapshot(
    pool: &rayon::ThreadPool,
    path: &Path,
    entries: &[Entry],
    progress: Option<&MultiProgress>,
) -> Result<Snapshot, FileError> {
    let wanted: IdSet = pool.install(|| {
        entries
            .iter()
            .filter_map(|e| e.batch.as_ref().ok())
            .flat_map(|b| {
                b.rows
                    .par_iter()
                    .filter_map(|r| member_id(r, &b.layout))
                    .collect::<Vec<_>>()
            })
            .collect()
    });
    let bar = progress.map(|bars| bars.add(bytes_bar(path, "scanning")));
    let tick = |read: u64| {
        if let Some(bar) = &bar {
            bar.set_position(read);
        }
    };
    let snapshot = evs::scan(path, &wanted, pool.current_num_threads(), &tick);
    if let Some(bar) = bar {
        end_bar(&bar, snapshot.is_ok());
    }
    snapshot
}

/// What the index thread built: the index; `None` when a gzip snapshot's text passed the
/// limit it could hold (it is then scanned once the batches are read); or the snapshot's
/// error.
type Built = Result<Option<evs::Index>, FileError>;

/// The snapshot index, built on its own thread while the batches are read.
pub(super) struct IndexThread {
    path: PathBuf,
    index: Arc<OnceLock<Built>>,
    thread: std::thread::JoinHandle<()>,
}

impl IndexThread {
    /// Starts indexing; a gzip snapshot's text is held up to `held_limit` bytes.
    pub(super) fn spawn(path: PathBuf, held_limit: u64, bar: Option<ProgressBar>) -> IndexThread {
        let index = Arc::new(OnceLock::new());
        let (cell, file) = (Arc::clone(&index), path.clone());
        let thread = std::thread::spawn(move || {
            crate::sys::work_behind_the_reader();
            let tick = |read: u64| {
                if let Some(bar) = &bar {
                    bar.set_position(read);
                }
            };
            // Whatever happens, the cell is set: row checks wait on it.
            let built =
                std::panic::catch_unwind(|| evs::Index::build_within(&file, 1, &tick, held_limit))
                    .unwrap_or_else(|_| Err(index_stopped(&file)));
            if let Some(bar) = &bar {
                end_bar(bar, matches!(built, Ok(Some(_))));
            }
            let _ = cell.set(built);
        });
        IndexThread {
            path,
            index,
            thread,
        }
    }

    /// Waits for the index; `None` when it could not be built (see [`IndexThread::join`]).
    pub(super) fn wait(&self) -> Option<&evs::Index> {
        self.index.wait().as_ref().ok()?.as_ref()
    }

    pub(super) fn join(self) -> Built {
        let _ = self.thread.join();
        Arc::into_inner(self.index)
            .and_then(OnceLock::into_inner)
            .unwrap_or_else(|| Err(index_stopped(&self.path)))
    }
}

pub(super) fn index_stopped(path: &Path) -> FileError {
    FileError::Evs {
        path: path.display().to_string(),
        reason: "indexing it failed unexpectedly (an internal error); run with --evs-read scan"
            .into(),
    }
}

/// Batches at least this large (in bytes, all together) are read while the snapshot is
/// indexed; smaller ones read in a fraction of the scan's time, so they just scan.
pub(super) const INDEX_FROM_BATCH_BYTES: u64 = 8 << 20;

/// An indexed gzip snapshot's text is held in memory, up to this many bytes per byte of the
/// batches (a workbook's rows take about as much once read), and at least
/// [`HELD_AT_LEAST`]: memory follows the batch. A larger text is scanned once the batches
/// are read, as without the index.
const HELD_PER_BATCH_BYTE: u64 = 8;
const HELD_AT_LEAST: u64 = 64 << 20;

/// How much of a gzip snapshot's text an index may hold for these batches.
pub(super) fn held_limit(batch_bytes: u64) -> u64 {
    batch_bytes
        .saturating_mul(HELD_PER_BATCH_BYTE)
        .max(HELD_AT_LEAST)
}

pub(super) fn batch_bytes(config: &Config) -> u64 {
    config
        .batches
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum()
}

/// A snapshot bar that ends at the file's size once it is read whole; one that failed goes.
fn end_bar(bar: &ProgressBar, whole: bool) {
    if whole {
        if let Some(size) = bar.length() {
            bar.set_position(size);
        }
        bar.finish();
    } else {
        bar.finish_and_clear();
    }
}

/// A bar for the snapshot: bytes read of the file's size (never member data).
pub(crate) fn bytes_bar(path: &Path, doing: &str) -> ProgressBar {
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let bar = ProgressBar::new(size);
    if let Ok(style) = ProgressStyle::with_template(&format!(
        "{doing} EVS snapshot {{bar:30}} {{bytes}}/{{total_bytes}} ({{bytes_per_sec}}, {{eta}})"
    )) {
        bar.set_style(style);
    }
    bar
}

/// A spinner while the reports are written and published (never member data).
pub(super) fn writing_bar(bars: &MultiProgress) -> ProgressBar {
    let bar = bars.add(ProgressBar::new_spinner());
    if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} ({elapsed})") {
        bar.set_style(style);
    }
    bar.set_message("writing the reports");
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}
