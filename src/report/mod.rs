//! Report files (SPEC 4.2). Every file is written under a temporary name and renamed into
//! place only when all of them are complete, so a reader never sees half a report.

pub mod console;
pub mod csv_out;
pub mod rules;
pub mod summary;
pub mod tables;
pub mod xlsx_out;

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::error::FileError;
use crate::evs::Snapshot;
use crate::reference::Reference;
use crate::{Config, Judged};

/// Files written under temporary names, renamed into place by [`Staging::commit`]; dropped
/// uncommitted, they are removed.
pub struct Staging {
    dir: PathBuf,
    staged: Vec<(PathBuf, PathBuf)>,
}

impl Staging {
    pub fn new(dir: &Path) -> Result<Staging, FileError> {
        std::fs::create_dir_all(dir).map_err(|e| output_error(dir, &e))?;
        Ok(Staging {
            dir: dir.to_path_buf(),
            staged: Vec::new(),
        })
    }

    /// Creates `name` under a temporary name and lets `write` fill it.
    pub fn write(
        &mut self,
        name: &str,
        write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
    ) -> Result<(), FileError> {
        let final_path = self.dir.join(name);
        let temp = self
            .dir
            .join(format!(".{name}.{}.partial", std::process::id()));
        self.staged.push((temp.clone(), final_path.clone()));
        let result = std::fs::File::create(&temp).and_then(|file| {
            let mut out = std::io::BufWriter::new(file);
            write(&mut out)?;
            let file = out.into_inner().map_err(|e| e.into_error())?;
            file.sync_all()
        });
        result.map_err(|e| output_error(&final_path, &e))
    }

    /// The path a staged file will have once committed; for writers that make their own file.
    pub fn temp_path(&mut self, name: &str) -> PathBuf {
        let temp = self
            .dir
            .join(format!(".{name}.{}.partial", std::process::id()));
        self.staged.push((temp.clone(), self.dir.join(name)));
        temp
    }

    /// Renames every file into place. Each rename is atomic, so each file appears whole, but
    /// a set of files cannot be replaced at once: a rename that fails midway would leave the
    /// files renamed before it new and the others as they were. So what would make a rename
    /// fail (a directory in the way) is looked for first, and a failure renames nothing;
    /// summary.json, staged last, is replaced last. Files not renamed are removed (on drop).
    pub fn commit(mut self) -> Result<(), FileError> {
        for (_, final_path) in &self.staged {
            if final_path.is_dir() {
                return Err(FileError::Output {
                    path: final_path.display().to_string(),
                    reason: "a directory of that name is in the way; no report was replaced".into(),
                });
            }
        }
        while !self.staged.is_empty() {
            let (temp, final_path) = &self.staged[0];
            std::fs::rename(temp, final_path).map_err(|e| output_error(final_path, &e))?;
            self.staged.remove(0);
        }
        Ok(())
    }
}

/// Every file a run may write into `--out`, for one batch (SPEC 4.2).
const BATCH_REPORTS: [&str; 8] = [
    "accepted.csv",
    "rejected.csv",
    "transfers.csv",
    "findings.csv",
    "summary.json",
    "accepted.xlsx",
    "rejected.xlsx",
    "transfers.xlsx",
];
/// The file a run of several batches adds (SPEC 5.1).
const RUN_SUMMARY: &str = "run-summary.json";

/// Refuses, before anything is read, an `--out` that is a file, and one where a report would
/// replace an input (SPEC 4.2: the batch file is never modified): a batch named
/// `accepted.csv` inside the directory its reports go to. With several batches, reports go
/// into a directory per batch: any subdirectory of `--out` is taken as one.
pub fn check_out(out: &Path, batches: &[PathBuf], evs: Option<&Path>) -> Result<(), FileError> {
    if out.exists() && !out.is_dir() {
        return Err(FileError::Usage(format!(
            "--out {} is a file, not a directory: name a directory for the reports",
            out.display()
        )));
    }
    // A directory not there yet holds no input.
    let Ok(out_dir) = out.canonicalize() else {
        return Ok(());
    };
    let single = batches.len() == 1;
    let inputs = batches
        .iter()
        .map(|b| ("batch file", b.as_path()))
        .chain(evs.map(|e| ("EVS snapshot", e)));
    for (what, input) in inputs {
        let Ok(real) = input.canonicalize() else {
            continue;
        };
        let name = real.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let parent = real.parent();
        let in_out = parent == Some(out_dir.as_path());
        let in_batch_dir = parent.and_then(Path::parent) == Some(out_dir.as_path());
        let replaced = if single {
            in_out && BATCH_REPORTS.contains(&name)
        } else {
            (in_out && name == RUN_SUMMARY) || (in_batch_dir && BATCH_REPORTS.contains(&name))
        };
        if replaced {
            return Err(FileError::Usage(format!(
                "--out {} would replace the {what} {} with a report of the same name: choose another --out directory",
                out.display(),
                input.display()
            )));
        }
    }
    Ok(())
}

impl Drop for Staging {
    fn drop(&mut self) {
        for (temp, _) in &self.staged {
            let _ = std::fs::remove_file(temp);
        }
    }
}

fn report_table<'a>(
    name: &str,
    judged: &'a Judged,
    ctx: &'a crate::rules::Context<'a>,
) -> tables::Table<'a> {
    match name {
        "accepted" => tables::accepted(judged, ctx),
        "transfers" => tables::transfers(judged, ctx),
        _ => tables::rejected(judged),
    }
}

fn sheet_name(report: &str) -> &'static str {
    match report {
        "accepted" => "Accepted",
        "transfers" => "Transfers",
        _ => "Rejected",
    }
}

pub fn output_error(path: &Path, e: &std::io::Error) -> FileError {
    FileError::Output {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

/// Writes every report of one batch into `dir`.
pub fn write_all(
    dir: &Path,
    judged: &Judged,
    reference: &Reference,
    config: &Config,
    snapshot: Option<&Snapshot>,
) -> Result<(), FileError> {
    let started = Instant::now();
    let mut staging = Staging::new(dir)?;
    let ctx = judged.context(reference, &config.check);
    let names = ["accepted", "rejected", "transfers"];
    if config.formats.csv {
        for name in names {
            let table = report_table(name, judged, &ctx);
            staging.write(&format!("{name}.csv"), |out| csv_out::write(out, &table))?;
        }
    }
    if config.formats.xlsx {
        // rust_xlsxwriter writes one workbook on one thread: write the three at once.
        let temps: Vec<(String, PathBuf)> = names
            .iter()
            .map(|name| {
                (
                    format!("{name}.xlsx"),
                    staging.temp_path(&format!("{name}.xlsx")),
                )
            })
            .collect();
        let results: Vec<Result<(), rust_xlsxwriter::XlsxError>> = std::thread::scope(|scope| {
            let handles: Vec<_> = names
                .iter()
                .zip(&temps)
                .map(|(name, (_, temp))| {
                    let ctx = &ctx;
                    scope.spawn(move || match *name {
                        "rejected" => xlsx_out::write_rejected(temp, judged, config.check.as_of),
                        _ => xlsx_out::write_table(
                            temp,
                            sheet_name(name),
                            &report_table(name, judged, ctx),
                            config.check.as_of,
                        ),
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| {
                        Err(rust_xlsxwriter::XlsxError::ParameterError(
                            "the workbook writer stopped unexpectedly".into(),
                        ))
                    })
                })
                .collect()
        });
        for ((file, _), result) in temps.iter().zip(results) {
            result.map_err(|e| FileError::Output {
                path: dir.join(file).display().to_string(),
                reason: e.to_string(),
            })?;
        }
    }
    staging.write("findings.csv", |out| {
        csv_out::write(out, &tables::findings(judged))
    })?;
    let mut timings = judged.timings.clone();
    timings.write = started.elapsed().as_millis();
    timings.total = match timings.run_started {
        Some(run_started) => run_started.elapsed().as_millis(),
        None => timings.read + timings.scan + timings.check + timings.write,
    };
    let summary = summary::Summary::new(judged, reference, config, snapshot, &timings);
    staging.write("summary.json", |out| summary.write(out))?;
    staging.commit()
}
