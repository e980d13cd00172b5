//! Report files (SPEC 4.2). Every file is written under a temporary name and renamed into
//! place only when all of them are complete, so a reader never sees half a report.

pub mod console;
pub mod csv_out;
pub mod junit;
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
    let workbooks: Vec<(&str, PathBuf)> = names
        .iter()
        .filter(|_| config.formats.xlsx)
        .map(|name| (*name, staging.temp_path(&format!("{name}.xlsx"))))
        .collect();
    let write_workbook = |name: &str, temp: &Path| {
        match name {
            "rejected" => xlsx_out::write_rejected(temp, judged, config.check.as_of),
            _ => xlsx_out::write_table(
                temp,
                sheet_name(name),
                &report_table(name, judged, &ctx),
                config.check.as_of,
            ),
        }
        .map_err(|e| FileError::Output {
            path: dir.join(format!("{name}.xlsx")).display().to_string(),
            reason: e.to_string(),
        })
    };
    std::thread::scope(|scope| {
        // rust_xlsxwriter writes a workbook on one thread, and the accepted one is the
        // longest report to write: start it first, and write every other report meanwhile.
        let accepted = workbooks
            .first()
            .map(|(name, temp)| scope.spawn(|| write_workbook(name, temp)));
        let mut rest = || -> Result<(), FileError> {
            if config.formats.csv {
                for name in names {
                    let table = report_table(name, judged, &ctx);
                    staging.write(&format!("{name}.csv"), |out| csv_out::write(out, &table))?;
                }
            }
            for (name, temp) in workbooks.iter().skip(1) {
                write_workbook(name, temp)?;
            }
            staging.write("findings.csv", |out| {
                csv_out::write(out, &tables::findings(judged))
            })
        };
        let rest = rest();
        let accepted = accepted.map_or(Ok(()), |handle| {
            handle.join().unwrap_or_else(|_| {
                Err(FileError::Output {
                    path: dir.join("accepted.xlsx").display().to_string(),
                    reason: "the workbook writer stopped unexpectedly".into(),
                })
            })
        });
        rest.and(accepted)
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

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn a_failed_commit_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("b.txt")).unwrap();
        let mut staging = Staging::new(dir.path()).unwrap();
        for name in ["a.txt", "b.txt", "c.txt"] {
            staging.write(name, |out| out.write_all(b"x")).unwrap();
        }
        assert!(staging.commit().is_err(), "b.txt is a directory");
        // The directory in the way is found before any rename: nothing is replaced.
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["b.txt"]);
    }
}
