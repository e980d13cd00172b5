//! The outputs of `validate`: the batches as the run takes them (each file once, each with
//! its report folder), and the reports staged and published whole (SPEC 4.2, 5.1).

use std::path::{Path, PathBuf};

use super::Checked;
use crate::Config;
use crate::error::FileError;
use crate::evs::Snapshot;
use crate::report::publish::{self, Publisher};
use crate::report::{self, summary};

/// The run's configuration with each batch file once (SPEC 5.1: a batch named twice is
/// read once; stderr says so), and each batch's report folder, in argument order.
pub(super) fn plan(config: &Config) -> Result<(Config, Vec<String>), FileError> {
    // Excel's lock file of an open workbook, caught by a glob: no batch (SPEC 2.1).
    let (locks, named): (Vec<&PathBuf>, Vec<&PathBuf>) =
        config.batches.iter().partition(|path| is_lock_file(path));
    for lock in &locks {
        eprintln!(
            "cpbatch: {} is Excel's lock file of an open workbook, not a batch: skipped",
            crate::shown::escaped(&lock.display().to_string())
        );
    }
    if named.is_empty() {
        return Err(FileError::Usage(
            "no batch to read: every file named is an Excel lock file (~$…)".into(),
        ));
    }
    let named: Vec<PathBuf> = named.into_iter().cloned().collect();
    let (batches, repeats) = publish::distinct(&named);
    for (repeat, first) in &repeats {
        eprintln!(
            "cpbatch: {} is the same file as {}: it is read once",
            crate::shown::escaped(&repeat.display().to_string()),
            crate::shown::escaped(&first.display().to_string())
        );
    }
    let stems = match batches.as_slice() {
        [one] => vec![publish::safe_stem(one)],
        several => publish::folders(several, &[publish::RUN_SUMMARY]),
    };
    let config = Config {
        batches,
        ..config.clone()
    };
    Ok((config, stems))
}

/// `~$name.xlsx`: the file Excel keeps beside a workbook while it is open.
fn is_lock_file(path: &Path) -> bool {
    path.file_name()
        .and_then(|name| name.to_str())
        .is_some_and(|name| name.starts_with("~$"))
}

pub(super) struct ReportContext<'a> {
    pub reference: &'a crate::reference::Reference,
    pub config: &'a Config,
    pub snapshot: Option<&'a Snapshot>,
}

/// Stages every report of the run (the batch's, or each batch's and `run-summary.json`; the
/// `--junit` file), then publishes them whole.
pub(super) fn publish(
    mut publisher: Publisher,
    runs: &[Checked],
    ctx: &ReportContext<'_>,
) -> Result<(), FileError> {
    if let [run] = runs {
        if let (Ok(judged), Some(to)) = (&run.verdict, publisher.reports(None)) {
            report::write_all(to, judged, ctx.reference, ctx.config, ctx.snapshot)?;
        }
    } else {
        write_run(&mut publisher, runs, ctx)?;
    }
    if let Some((staging, file)) = publisher.junit() {
        use report::junit::{Suite, Verdict};
        let suites: Vec<Suite<'_>> = runs
            .iter()
            .map(|run| Suite {
                path: run.path.as_path(),
                stem: run.stem.as_str(),
                verdict: match &run.verdict {
                    Ok(judged) => Verdict::Judged(judged),
                    Err(error) => Verdict::Refused(error),
                },
            })
            .collect();
        report::junit::write(staging, file, &suites, ctx.config)?;
    }
    publisher.commit()
}

/// Stages the reports of a run of several batches: each processed batch's into its folder,
/// and `run-summary.json`.
fn write_run(
    publisher: &mut Publisher,
    runs: &[Checked],
    ctx: &ReportContext<'_>,
) -> Result<(), FileError> {
    let mut batches = Vec::new();
    for run in runs {
        let path = run.path.display().to_string();
        match &run.verdict {
            Ok(judged) => {
                if let Some(to) = publisher.reports(Some(&run.stem)) {
                    report::write_all(to, judged, ctx.reference, ctx.config, ctx.snapshot)?;
                }
                batches.push(summary::RunBatch::processed(path, &run.stem, judged));
            }
            Err(error) => batches.push(summary::RunBatch::refused(path, &run.stem, error)),
        }
    }
    let run_summary = summary::RunSummary::new(ctx.config, ctx.snapshot, batches);
    if let Some(to) = publisher.reports(None) {
        let name = Path::new(publish::RUN_SUMMARY);
        to.staging
            .write(name, &to.dir.join(name), |out| run_summary.write(out))?;
    }
    Ok(())
}
