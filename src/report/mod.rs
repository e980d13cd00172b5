//! Report files (SPEC 4.2). Every file is written into the run's staging directory and
//! renamed into place only when all of them are complete ([`publish`]), so a reader never
//! sees half a report, nor half a run.

pub mod console;
pub mod csv_out;
pub mod junit;
pub mod lists;
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

/// The three row reports, each a CSV file and a workbook of the same name.
#[derive(Clone, Copy, PartialEq, Eq)]
enum RowReport {
    Accepted,
    Rejected,
    Transfers,
}

impl RowReport {
    const ALL: [RowReport; 3] = [
        RowReport::Accepted,
        RowReport::Rejected,
        RowReport::Transfers,
    ];

    /// The report's file name with `extension` (`csv` or `xlsx`).
    fn file_name(self, extension: &str) -> String {
        format!("{}.{extension}", self.stem())
    }

    fn stem(self) -> &'static str {
        match self {
            RowReport::Accepted => "accepted",
            RowReport::Rejected => "rejected",
            RowReport::Transfers => "transfers",
        }
    }

    fn sheet_name(self) -> &'static str {
        match self {
            RowReport::Accepted => "Accepted",
            RowReport::Rejected => "Rejected",
            RowReport::Transfers => "Transfers",
        }
    }

    fn table<'a>(
        self,
        judged: &'a Judged,
        ctx: &'a crate::rules::Context<'a>,
    ) -> tables::Table<'a> {
        match self {
            RowReport::Accepted => tables::accepted(judged, ctx),
            RowReport::Rejected => tables::rejected(judged),
            RowReport::Transfers => tables::transfers(judged, ctx),
        }
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
    let mut workbooks: Vec<(RowReport, PathBuf)> = Vec::new();
    for report in RowReport::ALL.into_iter().filter(|_| config.formats.xlsx) {
        workbooks.push((report, stage(&report.file_name("xlsx"))?));
    }
    let mut write =
        |name: &str,
         fill: &dyn Fn(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>| {
            staging.write(&staged.join(name), &dir.join(name), fill)
        };
    let write_workbook = |report: RowReport, temp: &Path| {
        match report {
            RowReport::Rejected => {
                xlsx_out::write_rejected(temp, judged, reference, config.check.as_of)
            }
            _ => xlsx_out::write_table(
                temp,
                report.sheet_name(),
                &report.table(judged, &ctx),
                config.check.as_of,
            ),
        }
        .map_err(|e| FileError::Output {
            path: dir.join(report.file_name("xlsx")).display().to_string(),
            reason: e.to_string(),
        })
    };
    std::thread::scope(|scope| {
        // rust_xlsxwriter writes a workbook on one thread, and the accepted one is the
        // longest report to write: start it first, and write every other report meanwhile.
        let accepted = workbooks
            .first()
            .map(|(report, temp)| scope.spawn(|| write_workbook(*report, temp)));
        let mut rest = || -> Result<(), FileError> {
            if config.formats.csv {
                for report in RowReport::ALL {
                    let table = report.table(judged, &ctx);
                    write(&report.file_name("csv"), &|out| csv_out::write(out, &table))?;
                }
            }
            for (report, temp) in workbooks.iter().skip(1) {
                write_workbook(*report, temp)?;
            }
            write("findings.csv", &|out| {
                csv_out::write(out, &tables::findings(judged))
            })
        };
        let rest = rest();
        let accepted = accepted.map_or(Ok(()), |handle| {
            handle.join().unwrap_or_else(|_| {
                Err(FileError::Output {
                    path: dir
                        .join(RowReport::Accepted.file_name("xlsx"))
                        .display()
                        .to_string(),
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
