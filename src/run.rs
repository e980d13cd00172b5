//! `cpbatch validate`: one or more batches against at most one snapshot scan (SPEC 5.1).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};

use crate::batch::{self, Batch};
use crate::error::FileError;
use rayon::prelude::*;

use crate::evs::{self, IdSet, Snapshot};
use crate::report::{self, console, summary};
use crate::rules::format::member_id;
use crate::{Config, Judged, judge, load_reference};

/// One batch of the run: read, or refused with a file-level error.
struct Entry {
    path: PathBuf,
    stem: String,
    read_ms: u128,
    batch: Result<Batch, FileError>,
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
    run(&pool, config, stdout)
}

fn run(
    pool: &rayon::ThreadPool,
    config: &Config,
    stdout: &mut dyn Write,
) -> Result<i32, FileError> {
    let started = Instant::now();
    let reference = load_reference(config.reference.as_deref())?;
    let progress = config.progress && std::io::stderr().is_terminal();
    let single = config.batches.len() == 1;

    // The snapshot's SHA-256 needs no batch: hash it on its own thread while the batches
    // are read and the snapshot scanned.
    let evs_hash = config
        .evs
        .clone()
        .map(|path| std::thread::spawn(move || batch::sha256_file(&path)));
    // A large batch takes seconds to read on one core: index the snapshot on the other one
    // meanwhile, so that afterwards only the batch members' lines are read (SPEC 6).
    let evs_index = config
        .evs
        .clone()
        .filter(|path| evs::Index::possible(path) && batch_bytes(config) >= INDEX_FROM_BATCH_BYTES)
        .map(|path| std::thread::spawn(move || evs::Index::build(&path, 1)));
    let entries = read_batches(config, progress);
    if single && let Some(Err(_)) = entries.first().map(|e| &e.batch) {
        return Err(entries
            .into_iter()
            .next()
            .and_then(|e| e.batch.err())
            .unwrap_or_else(|| unreachable!()));
    }

    let scan_started = Instant::now();
    let snapshot = match &config.evs {
        Some(path) => {
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
            let bar = progress.then(|| bytes_bar(path));
            let tick = |read: u64| {
                if let Some(bar) = &bar {
                    bar.set_position(read);
                }
            };
            let workers = pool.current_num_threads();
            let index = evs_index.map(|handle| {
                handle.join().unwrap_or_else(|_| {
                    Err(FileError::Evs {
                        path: path.display().to_string(),
                        reason: "the index thread stopped".into(),
                    })
                })
            });
            let mut snapshot = match index {
                Some(index) => pool.install(|| index?.resolve(&wanted, workers, &tick))?,
                None => evs::scan(path, &wanted, workers, &tick)?,
            };
            if let Some(Ok(Ok(hash))) = evs_hash.map(std::thread::JoinHandle::join) {
                snapshot.sha256 = hash;
            }
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
            Some(snapshot)
        }
        None => None,
    };
    let scan_ms = scan_started.elapsed().as_millis();

    let mut runs: Vec<(Entry, Option<Judged>)> = Vec::new();
    for mut entry in entries {
        let judged = match std::mem::replace(
            &mut entry.batch,
            Err(FileError::NoHeader {
                path: String::new(),
            }),
        ) {
            Ok(batch) => {
                let mut judged =
                    pool.install(|| judge(batch, &reference, &config.check, snapshot.as_ref()));
                judged.timings.read = entry.read_ms;
                judged.timings.scan = scan_ms;
                Some(judged)
            }
            Err(error) => {
                entry.batch = Err(error);
                None
            }
        };
        runs.push((entry, judged));
    }
    {
        let mut processed: Vec<(&str, &mut [crate::rules::RowOutcome])> = runs
            .iter_mut()
            .filter_map(|(entry, judged)| {
                let name = entry.path.to_str().unwrap_or("batch");
                judged.as_mut().map(|j| (name, j.outcomes.as_mut_slice()))
            })
            .collect();
        crate::rules::batch::check_across(&mut processed);
    }
    pool.install(|| {
        runs.iter_mut()
            .filter_map(|(_, j)| j.as_mut())
            .for_each(Judged::finish)
    });

    let mut status = 0;
    for (entry, judged) in &runs {
        match judged {
            Some(judged) => {
                console_result(console::print(stdout, judged, config.quiet))?;
                if judged.rejected() > 0 {
                    status = 1;
                }
            }
            None => {
                if let Err(error) = &entry.batch {
                    eprintln!("cpbatch: {}", error.display_with_code());
                }
                status = 1;
            }
        }
    }
    if !single {
        console_result(writeln!(stdout, "{}", total_line(&runs)))?;
    }
    if let Some(dir) = &config.out {
        let ctx = ReportContext {
            reference: &reference,
            config,
            snapshot: snapshot.as_ref(),
            started,
        };
        if single {
            if let Some((_, Some(judged))) = runs.first() {
                report::write_all(dir, judged, ctx.reference, config, ctx.snapshot)?;
            }
        } else {
            write_run(dir, &runs, &ctx)?;
        }
    }
    if let Some(file) = &config.junit {
        use report::junit::{Suite, Verdict};
        let suites: Vec<Suite<'_>> = runs
            .iter()
            .filter_map(|(entry, judged)| {
                let verdict = match (judged, &entry.batch) {
                    (Some(judged), _) => Verdict::Judged(judged),
                    (None, Err(error)) => Verdict::Refused(error),
                    (None, Ok(_)) => return None,
                };
                let (path, stem) = (entry.path.as_path(), entry.stem.as_str());
                Some(Suite {
                    path,
                    stem,
                    verdict,
                })
            })
            .collect();
        report::junit::write(file, &suites, config)?;
    }
    Ok(status)
}

/// Batches at least this large (in bytes, all together) are read while the snapshot is
/// indexed; smaller ones read in a fraction of the scan's time, so they just scan.
const INDEX_FROM_BATCH_BYTES: u64 = 8 << 20;

fn batch_bytes(config: &Config) -> u64 {
    config
        .batches
        .iter()
        .filter_map(|p| std::fs::metadata(p).ok())
        .map(|m| m.len())
        .sum()
}

struct ReportContext<'a> {
    reference: &'a crate::reference::Reference,
    config: &'a Config,
    snapshot: Option<&'a Snapshot>,
    started: Instant,
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

fn read_batches(config: &Config, progress: bool) -> Vec<Entry> {
    let mut stems: Vec<String> = Vec::new();
    config
        .batches
        .iter()
        .map(|path| {
            let base = path
                .file_stem()
                .map_or_else(|| "batch".to_string(), |s| s.to_string_lossy().into_owned());
            let seen = stems.iter().filter(|s| **s == base).count();
            stems.push(base.clone());
            let stem = if seen == 0 {
                base
            } else {
                format!("{base}-{}", seen + 1)
            };
            let started = Instant::now();
            let bar = progress.then(|| {
                let bar = ProgressBar::new_spinner();
                bar.set_message(format!("reading {}", path.display()));
                bar
            });
            let tick = |rows: u64| {
                if let Some(bar) = &bar {
                    bar.set_position(rows);
                }
            };
            let batch = batch::read_batch_with_progress(path, config.sheet.as_deref(), &tick);
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
            Entry {
                path: path.clone(),
                stem,
                read_ms: started.elapsed().as_millis(),
                batch,
            }
        })
        .collect()
}

fn bytes_bar(path: &Path) -> ProgressBar {
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let bar = ProgressBar::new(size);
    if let Ok(style) = ProgressStyle::with_template(
        "scanning EVS snapshot {bar:30} {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
    ) {
        bar.set_style(style);
    }
    bar
}

fn total_line(runs: &[(Entry, Option<Judged>)]) -> String {
    let processed = runs.iter().filter_map(|(_, j)| j.as_ref());
    let (rows, accepted, rejected, transfers) = processed.fold((0, 0, 0, 0), |t, j| {
        (
            t.0 + j.outcomes.len(),
            t.1 + j.accepted(),
            t.2 + j.rejected(),
            t.3 + j.transfers(),
        )
    });
    let refused = runs.iter().filter(|(_, j)| j.is_none()).count();
    format!(
        "total: {} batches ({refused} refused), {rows} rows: {accepted} accepted, {rejected} rejected ({transfers} transfers)",
        runs.len()
    )
}

fn write_run(
    dir: &Path,
    runs: &[(Entry, Option<Judged>)],
    ctx: &ReportContext<'_>,
) -> Result<(), FileError> {
    let mut batches = Vec::new();
    for (entry, judged) in runs {
        let path = entry.path.display().to_string();
        match (judged, &entry.batch) {
            (Some(judged), _) => {
                report::write_all(
                    &dir.join(&entry.stem),
                    judged,
                    ctx.reference,
                    ctx.config,
                    ctx.snapshot,
                )?;
                batches.push(summary::RunBatch::processed(path, &entry.stem, judged));
            }
            (None, Err(error)) => {
                batches.push(summary::RunBatch::refused(path, &entry.stem, error))
            }
            (None, Ok(_)) => {}
        }
    }
    let run_summary = summary::RunSummary::new(ctx.config, ctx.snapshot, batches);
    let _ = ctx.started;
    let mut staging = report::Staging::new(dir)?;
    staging.write("run-summary.json", |out| run_summary.write(out))?;
    staging.commit()
}
