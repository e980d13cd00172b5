//! Console output (SPEC 4.1): one finding a line, as compilers print them, then a summary.

use std::io::Write;

use crate::Judged;
use crate::error::FileError;
use crate::rules::Finding;
use crate::shown::escaped;

/// `FILE:ROW: CODE severity [Column] message`; a file-level finding has no row.
pub fn finding_line(path: &str, finding: &Finding) -> String {
    let mut line = String::new();
    push_finding_line(&mut line, path, finding);
    line
}

/// Appends [`finding_line`] to `out`: the console writes a line for every finding of a
/// million-row batch, into one buffer.
fn push_finding_line(out: &mut String, path: &str, finding: &Finding) {
    out.push_str(path);
    out.push(':');
    if let Some(row) = finding.source_row {
        crate::report::tables::push_decimal(out, row.into(), 1);
        out.push(':');
    }
    out.push(' ');
    push_finding_text(out, finding);
}

/// `CODE severity [Column] message`: a finding without its location.
pub fn finding_text(finding: &Finding) -> String {
    let mut text = String::new();
    push_finding_text(&mut text, finding);
    text
}

fn push_finding_text(out: &mut String, finding: &Finding) {
    use std::fmt::Write as _;
    // Writing to a String cannot fail.
    let _ = write!(out, "{} {}", finding.code, finding.severity().as_str());
    if let Some(column) = finding.column {
        out.push_str(" [");
        out.push_str(column.header());
        out.push(']');
    }
    out.push(' ');
    out.push_str(&finding.message);
}

/// `N rows: A accepted, R rejected (T transfers)`.
pub fn summary_line(judged: &Judged) -> String {
    format!(
        "{} rows: {} accepted, {} rejected ({} transfers)",
        judged.outcomes.len(),
        judged.accepted(),
        judged.rejected(),
        judged.transfers()
    )
}

/// A batch's findings (unless `quiet`), then its summary line; with `named` (a run of
/// several batches, SPEC 5.1) the summary line begins with the batch's path as given.
pub fn print(
    out: &mut dyn Write,
    judged: &Judged,
    quiet: bool,
    named: bool,
) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(out);
    if !quiet {
        let path = &judged.batch.path;
        let all = judged
            .file_findings
            .iter()
            .chain(judged.outcomes.iter().flat_map(|o| o.findings.iter()));
        let mut line = String::new();
        for finding in all {
            line.clear();
            push_finding_line(&mut line, path, finding);
            out.write_all(escaped(&line).as_bytes())?;
            out.write_all(b"\n")?;
        }
    }
    let summary = summary_line(judged);
    let summary = if named {
        format!("{}: {summary}", judged.batch.path)
    } else {
        summary
    };
    writeln!(out, "{}", escaped(&summary))?;
    out.flush()
}

/// The stdout line of a batch refused in a run of several (SPEC 5.1):
/// `acme.xlsx: refused: F004 missing required column(s): CP ID (header row 1)`.
pub fn refused_line(path: &str, error: &FileError) -> String {
    let code = error.code().map(|c| format!("{c} ")).unwrap_or_default();
    format!("{path}: refused: {code}{}", error.detail())
}
