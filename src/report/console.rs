//! Console output (SPEC 4.1): one finding a line, as compilers print them, then a summary.

use std::io::Write;

use crate::Judged;
use crate::error::FileError;
use crate::rules::Finding;
use crate::shown::escaped;

/// `FILE:ROW: CODE severity [Column] message`; a file-level finding has no row.
pub fn finding_line(path: &str, finding: &Finding) -> String {
    let location = match finding.source_row {
        Some(row) => format!("{path}:{row}:"),
        None => format!("{path}:"),
    };
    format!("{location} {}", finding_text(finding))
}

/// `CODE severity [Column] message`: a finding without its location.
pub fn finding_text(finding: &Finding) -> String {
    let column = finding
        .column
        .map(|c| format!(" [{}]", c.header()))
        .unwrap_or_default();
    format!(
        "{} {}{column} {}",
        finding.code,
        finding.severity().as_str(),
        finding.message
    )
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
        for finding in all {
            writeln!(out, "{}", escaped(&finding_line(path, finding)))?;
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
