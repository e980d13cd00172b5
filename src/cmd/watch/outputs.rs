//! What `cpbatch watch` shows and writes (SPEC 7): a console line per finding and the
//! summary line; `proposed.xlsx` (the template, with the rows), `proposed.csv`,
//! `review.csv`, `review.xlsx` and `watch-summary.json`, published whole (SPEC 4.2).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use chrono::Datelike;
use serde::Serialize;

use super::Config;
use super::find::{Found, RosterInput};
use crate::catalog::{Code, RULES_VERSION, Severity};
use crate::error::FileError;
use crate::model::Column;
use crate::reference::Reference;
use crate::report::publish::Publisher;
use crate::report::summary::{EvsInput, TOOL, Tool};
use crate::report::tables::{Table, Value};
use crate::report::{csv_out, output_error, xlsx_out};
use crate::rules::watch::{Judgement, ProposedRow, Source, WatchFinding};

/// The columns of review.csv, in order.
pub const REVIEW_COLUMNS: [&str; 9] = [
    "member_id",
    "last_name",
    "first_name",
    "date_of_birth",
    "cp_id",
    "plan_id",
    "code",
    "message",
    "candidates",
];

/// Where the outputs go, checked and made ready before any input is read.
pub(super) fn start(config: &Config) -> Result<Publisher, FileError> {
    let as_validate = crate::Config {
        batches: config.roster.iter().cloned().collect(),
        evs: Some(config.evs.clone()),
        reference: config.reference.clone(),
        out: config.out.clone(),
        junit: None,
        formats: config.formats,
        sheet: None,
        threads: config.threads,
        evs_read: crate::EvsRead::Scan,
        independent: false,
        quiet: config.quiet,
        progress: false,
        check: config.check.clone(),
    };
    Publisher::start(&as_validate, &[])
}

/// True for the findings that make a member one to review (M004–M008, M010).
fn is_review(code: Code) -> bool {
    code.severity() == Severity::Review
}

/// The console lines, the summary line, then the outputs. Returns the exit status.
pub(super) fn emit(
    stdout: &mut dyn Write,
    mut publisher: Publisher,
    found: &Found,
    reference: &Reference,
    config: &Config,
) -> Result<i32, FileError> {
    let proposed = proposed_rows(found);
    let review = found
        .judgements
        .iter()
        .filter(|j| j.findings.iter().any(|f| is_review(f.code)))
        .count();
    let mut print = || -> std::io::Result<()> {
        let mut out = std::io::BufWriter::new(&mut *stdout);
        if !config.quiet {
            for judgement in &found.judgements {
                for finding in &judgement.findings {
                    writeln!(out, "{}", console_line(judgement, finding))?;
                }
            }
        }
        writeln!(
            out,
            "{} members watched: {} to disenroll, {review} to review",
            found.watched,
            proposed.len()
        )?;
        out.flush()
    };
    // A closed pipe (`cpbatch watch … | head`) has seen enough: the outputs are still written.
    match print() {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            return Err(output_error(Path::new("stdout"), &e));
        }
        _ => {}
    }
    if let Some(to) = publisher.reports(None) {
        let summary = WatchSummary::new(found, reference, config, proposed.len(), review);
        let (staging, dir) = (to.staging, to.dir);
        let mut write = |name: &str,
                         fill: &dyn Fn(
            &mut std::io::BufWriter<std::fs::File>,
        ) -> std::io::Result<()>| {
            staging.write(Path::new(name), &dir.join(name), fill)
        };
        let review_table = review_table(found);
        if config.formats.csv {
            write("proposed.csv", &|out| {
                csv_out::write(out, &proposed_table(&proposed))
            })?;
            write("review.csv", &|out| csv_out::write(out, &review_table))?;
        }
        if config.formats.xlsx {
            let as_of = config.check.as_of;
            let created = (as_of.year() as u16, as_of.month() as u8, as_of.day() as u8);
            let rows: Vec<[&str; 18]> = proposed.iter().map(|r| r.cells()).collect();
            let title = "Community Partners batch proposed by cpbatch watch";
            let bytes = crate::cmd::template::build_filled(reference, title, created, &rows)
                .map_err(|e| xlsx_error(&dir, "proposed.xlsx", e))?;
            write("proposed.xlsx", &|out| out.write_all(&bytes))?;
            let path = staging.file(Path::new("review.xlsx"), &dir.join("review.xlsx"))?;
            xlsx_out::write_table(&path, "Review", &review_table, as_of)
                .map_err(|e| xlsx_error(&dir, "review.xlsx", e))?;
        }
        staging.write(
            Path::new("watch-summary.json"),
            &dir.join("watch-summary.json"),
            |out| {
                serde_json::to_writer_pretty(&mut *out, &summary)?;
                writeln!(out)
            },
        )?;
    }
    publisher.commit()?;
    Ok(i32::from(!proposed.is_empty() || review > 0))
}

fn xlsx_error(dir: &Path, name: &str, e: rust_xlsxwriter::XlsxError) -> FileError {
    FileError::Output {
        path: dir.join(name).display().to_string(),
        reason: e.to_string(),
    }
}

/// `SOURCE: CODE outcome MEMBER_ID message`, control characters escaped.
fn console_line(judgement: &Judgement, finding: &WatchFinding) -> String {
    let source = match judgement.source {
        Source::Roster(row) => format!("ROSTER:{row}"),
        Source::Evs(line) => format!("EVS:{line}"),
    };
    let member = match judgement.member_text.as_str() {
        "" => "(blank)",
        text => text,
    };
    let line = format!(
        "{source}: {} {} {member} {}",
        finding.code,
        finding.code.severity().as_str(),
        finding.message
    );
    crate::shown::escaped(&line).into_owned()
}

/// The proposed rows, by Member ID.
fn proposed_rows(found: &Found) -> Vec<&ProposedRow> {
    let mut rows: Vec<&ProposedRow> = found
        .judgements
        .iter()
        .filter_map(|j| j.proposal.as_deref())
        .collect();
    rows.sort_by_key(|r| r.member);
    rows
}

fn proposed_table<'a>(rows: &'a [&'a ProposedRow]) -> Table<'a> {
    let headers = Column::ALL.iter().map(|c| c.header().to_string()).collect();
    Table::new(headers, rows.len(), move |i| {
        rows[i]
            .cells()
            .into_iter()
            .map(|text| match text {
                "" => Value::Blank,
                text => Value::Text(text.into()),
            })
            .collect()
    })
}

/// review.csv: one line per M004–M010 finding, by member_id (as text) then code.
fn review_table(found: &Found) -> Table<'_> {
    let mut lines: Vec<(&Judgement, &WatchFinding)> = found
        .judgements
        .iter()
        .flat_map(|j| j.findings.iter().map(move |f| (j, f)))
        .filter(|(_, f)| f.code >= Code::M004)
        .collect();
    lines.sort_by(|a, b| {
        (a.0.member_text.as_str(), a.1.code, a.0.source).cmp(&(
            b.0.member_text.as_str(),
            b.1.code,
            b.0.source,
        ))
    });
    let headers = REVIEW_COLUMNS.iter().map(|h| h.to_string()).collect();
    Table::new(headers, lines.len(), move |i| {
        let (j, f) = lines[i];
        let text = |t: &str| match t {
            "" => Value::Blank,
            t => Value::Text(t.to_string().into()),
        };
        vec![
            Value::Id(j.member_text.clone().into()),
            text(&j.last_name),
            text(&j.first_name),
            // Excel has no date before 1900: such a date stays text.
            j.date_of_birth.map_or(Value::Blank, |d| match d.year() {
                ..1900 => Value::Text(d.to_string().into()),
                _ => Value::Date(d),
            }),
            Value::Id(j.cp_id.clone().into()),
            Value::Id(j.plan_id.clone().into()),
            text(f.code.as_str()),
            text(&f.message),
            text(&f.candidates),
        ]
    })
}

/// watch-summary.json (SPEC 7).
#[derive(Serialize)]
struct WatchSummary<'a> {
    tool: Tool,
    rules_version: &'static str,
    as_of: String,
    effective: String,
    inputs: Inputs<'a>,
    counts: Counts,
}

#[derive(Serialize)]
struct Inputs<'a> {
    evs: &'a EvsInput,
    roster: Option<&'a RosterInput>,
    reference: String,
    submitter: String,
}

#[derive(Serialize)]
struct Counts {
    watched: usize,
    proposed: usize,
    review: usize,
    by_code: BTreeMap<&'static str, usize>,
}

impl<'a> WatchSummary<'a> {
    fn new(
        found: &'a Found,
        reference: &Reference,
        config: &Config,
        proposed: usize,
        review: usize,
    ) -> WatchSummary<'a> {
        let mut by_code = BTreeMap::new();
        for finding in found.judgements.iter().flat_map(|j| &j.findings) {
            *by_code.entry(finding.code.as_str()).or_default() += 1;
        }
        let submitter = reference.submitter(&config.submitter).map_or_else(
            || config.submitter.clone(),
            |s| match s {
                crate::reference::Submitter::MassHealth => crate::reference::MASSHEALTH.into(),
                crate::reference::Submitter::Plan(p) => p.id.clone(),
                crate::reference::Submitter::Cp(c) => c.id.clone(),
            },
        );
        WatchSummary {
            tool: TOOL,
            rules_version: RULES_VERSION,
            as_of: config.check.as_of.to_string(),
            effective: config.date().to_string(),
            inputs: Inputs {
                evs: &found.evs,
                roster: found.roster.as_ref(),
                reference: reference.source.clone(),
                submitter,
            },
            counts: Counts {
                watched: found.watched,
                proposed,
                review,
                by_code,
            },
        }
    }
}
