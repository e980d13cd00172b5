//! Report files (SPEC 4.2). Every file is written into the run's staging directory and
//! renamed into place only when all of them are complete ([`publish`]), so a reader never
//! sees half a report, nor half a run.

pub mod console;
pub mod csv_out;
pub mod junit;
pub mod publish;
pub mod summary;
pub mod tables;
pub mod xlsx_out;

use std::path::{Path, PathBuf};
use std::time::Instant;

use crate::error::FileError;
use crate::evs::Snapshot;
use crate::reference::Reference;
use crate::{Config, Judged};
pub use publish::Staging;

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

/// Where one batch's reports go: staged into `staged` (a folder of the staging directory),
/// to be committed into `dir`.
pub struct Destination<'a> {
    pub staging: &'a mut Staging,
    pub staged: PathBuf,
    pub dir: PathBuf,
}

/// Stages every report of one batch.
pub fn write_all(
    to: Destination<'_>,
    judged: &Judged,
    reference: &Reference,
    config: &Config,
    snapshot: Option<&Snapshot>,
) -> Result<(), FileError> {
    let started = Instant::now();
    let Destination {
        staging,
        staged,
        dir,
    } = to;
    let dir = dir.as_path();
    let mut stage = |name: &str| staging.file(&staged.join(name), &dir.join(name));
    let ctx = judged.context(reference, &config.check);
    let names = ["accepted", "rejected", "transfers"];
    let mut workbooks: Vec<(&str, PathBuf)> = Vec::new();
    for name in names.iter().filter(|_| config.formats.xlsx) {
        workbooks.push((name, stage(&format!("{name}.xlsx"))?));
    }
    let mut write =
        |name: &str,
         fill: &dyn Fn(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>| {
            staging.write(&staged.join(name), &dir.join(name), fill)
        };
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
                    write(&format!("{name}.csv"), &|out| csv_out::write(out, &table))?;
                }
            }
            for (name, temp) in workbooks.iter().skip(1) {
                write_workbook(name, temp)?;
            }
            write("findings.csv", &|out| {
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
    write("summary.json", &|out| summary.write(out))
}
