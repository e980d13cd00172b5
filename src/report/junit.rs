//! The JUnit XML report (`--junit FILE`, SPEC 5): one test suite per batch, one test case
//! per data row, so that a CI system shows a batch's rejected rows as failed tests.
//!
//! - suite `name`: the batch path as given; test case `name`: `row N` (the spreadsheet row),
//!   `classname`: the batch's file stem with dots made underscores (Jenkins splits a class
//!   name at its last dot into package and class, and `batch.xlsx` would become class `xlsx`);
//! - a rejected row is a `<failure>` whose `message` lists its error codes and whose text has
//!   every finding of the row, one a line as the console prints them; an accepted row's
//!   warnings go in its `<system-out>`;
//! - a refused batch (F001–F005, several batches) is a suite of one `<error>` test case;
//! - no timestamps, host names or durations (`time="0"`): reruns are byte-identical.
//!
//! Values are escaped by the XML writer; characters that XML 1.0 cannot carry at all (most
//! control characters) are replaced with U+FFFD.
//!
//! Why quick-xml and not quick-junit (0.8.0): its `XmlString` deletes control characters
//! and strips ANSI escape sequences, so a value would silently lose text (a file name
//! `a\x1b]]>.csv` becomes `a`, ESC starting an OSC sequence that runs to the end) instead
//! of showing U+FFFD where a character was; it lets U+FFFE and U+FFFF through, which makes
//! a document xmllint rejects; and its fixed layout (4-space indent, `skipped` before
//! `failures`, `time="0.000"`) would change every report's bytes.

use std::borrow::Cow;
use std::io::Write;
use std::path::Path;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};

use crate::error::FileError;
use crate::report::console::{finding_text, summary_line};
use crate::report::{Staging, summary::TOOL};
use crate::rules::{Finding, RULES_VERSION, RowOutcome};
use crate::{Config, Judged};

/// One batch of the run, as the report shows it.
pub struct Suite<'a> {
    /// The batch path as given on the command line.
    pub path: &'a Path,
    /// The batch's file stem, unique in the run (`batch`, `batch-2`, …).
    pub stem: &'a str,
    pub verdict: Verdict<'a>,
}

pub enum Verdict<'a> {
    Judged(&'a Judged),
    /// A file-level error refused the batch.
    Refused(&'a FileError),
}

type Xml<'w> = Writer<&'w mut dyn Write>;

/// Stages the report that will become `file`. Inside the staging directory it has a short
/// name of its own, so a long `--junit` name (up to the 255 bytes a name may have) works.
pub fn write(
    staging: &mut Staging,
    file: &Path,
    suites: &[Suite<'_>],
    config: &Config,
) -> Result<(), FileError> {
    staging.write(Path::new("junit.xml"), file, |out| {
        write_xml(out, suites, config)
    })
}

/// The whole document.
pub fn write_xml(
    out: &mut dyn Write,
    suites: &[Suite<'_>],
    config: &Config,
) -> std::io::Result<()> {
    let (mut tests, mut failures, mut errors) = (0, 0, 0);
    for suite in suites {
        let tally = Tally::of(&suite.verdict);
        tests += tally.tests;
        failures += tally.failures;
        errors += tally.errors;
    }
    let mut xml: Xml<'_> = Writer::new_with_indent(out, b' ', 2);
    xml.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    xml.create_element("testsuites")
        .with_attributes([
            ("name", "cpbatch validate"),
            ("tests", tests.to_string().as_str()),
            ("failures", failures.to_string().as_str()),
            ("errors", errors.to_string().as_str()),
            ("time", "0"),
        ])
        .write_inner_content(|xml| {
            suites
                .iter()
                .try_for_each(|suite| write_suite(xml, suite, config))
        })?;
    writeln!(xml.get_mut())
}

/// A suite's tally: one test per data row, or one erroring test for a refused batch.
struct Tally {
    tests: usize,
    failures: usize,
    errors: usize,
}

impl Tally {
    fn of(verdict: &Verdict<'_>) -> Tally {
        match verdict {
            Verdict::Judged(judged) => Tally {
                tests: judged.outcomes.len(),
                failures: judged.rejected(),
                errors: 0,
            },
            Verdict::Refused(_) => Tally {
                tests: 1,
                failures: 0,
                errors: 1,
            },
        }
    }
}

fn write_suite(xml: &mut Xml<'_>, suite: &Suite<'_>, config: &Config) -> std::io::Result<()> {
    let tally = Tally::of(&suite.verdict);
    let name = clean(&suite.path.display().to_string()).into_owned();
    let classname = clean(&suite.stem.replace('.', "_")).into_owned();
    xml.create_element("testsuite")
        .with_attributes([
            ("name", name.as_str()),
            ("tests", tally.tests.to_string().as_str()),
            ("failures", tally.failures.to_string().as_str()),
            ("errors", tally.errors.to_string().as_str()),
            ("skipped", "0"),
            ("time", "0"),
        ])
        .write_inner_content(|xml| match suite.verdict {
            Verdict::Judged(judged) => write_rows(xml, judged, &classname, config),
            Verdict::Refused(error) => write_refused(xml, error, &classname),
        })?;
    Ok(())
}

fn write_rows(
    xml: &mut Xml<'_>,
    judged: &Judged,
    classname: &str,
    config: &Config,
) -> std::io::Result<()> {
    let as_of = config.check.as_of.to_string();
    xml.create_element("properties")
        .write_inner_content(|xml| {
            for (name, value) in [
                ("cpbatch_version", TOOL.version),
                ("rules_version", RULES_VERSION),
                ("as_of", as_of.as_str()),
                ("batch_sha256", judged.batch.sha256.as_str()),
            ] {
                xml.create_element("property")
                    .with_attributes([("name", name), ("value", value)])
                    .write_empty()?;
            }
            Ok(())
        })?;
    for outcome in &judged.outcomes {
        write_row(xml, outcome, classname)?;
    }
    // The file-level findings (W001) and the summary line, as the console ends a batch.
    let mut out = lines(&judged.file_findings);
    out.push(summary_line(judged));
    xml.create_element("system-out")
        .write_text_content(text(&out.join("\n")))?;
    Ok(())
}

fn write_row(xml: &mut Xml<'_>, outcome: &RowOutcome, classname: &str) -> std::io::Result<()> {
    let name = format!("row {}", outcome.source_row);
    let case = xml.create_element("testcase").with_attributes([
        ("name", name.as_str()),
        ("classname", classname),
        ("time", "0"),
    ]);
    if outcome.is_rejected() {
        let codes: Vec<&str> = outcome
            .findings
            .iter()
            .filter(|f| f.is_error())
            .map(|f| f.code.as_str())
            .collect();
        let message = codes.join(", ");
        case.write_inner_content(|xml| {
            xml.create_element("failure")
                .with_attributes([("message", message.as_str()), ("type", "rejected")])
                .write_text_content(text(&lines(&outcome.findings).join("\n")))?;
            Ok(())
        })?;
    } else if outcome.findings.is_empty() {
        case.write_empty()?;
    } else {
        case.write_inner_content(|xml| {
            xml.create_element("system-out")
                .write_text_content(text(&lines(&outcome.findings).join("\n")))?;
            Ok(())
        })?;
    }
    Ok(())
}

fn write_refused(xml: &mut Xml<'_>, error: &FileError, classname: &str) -> std::io::Result<()> {
    let kind = error.code().map_or("error", |c| c.as_str());
    let message = clean(&error.to_string()).into_owned();
    xml.create_element("testcase")
        .with_attributes([
            ("name", "batch file"),
            ("classname", classname),
            ("time", "0"),
        ])
        .write_inner_content(|xml| {
            xml.create_element("error")
                .with_attributes([("message", message.as_str()), ("type", kind)])
                .write_text_content(text(&error.display_with_code()))?;
            Ok(())
        })?;
    Ok(())
}

/// Findings as the console prints them, without the location.
fn lines(findings: &[Finding]) -> Vec<String> {
    findings.iter().map(finding_text).collect()
}

/// Text content, cleaned of what XML cannot carry; the writer escapes the rest.
fn text(content: &str) -> BytesText<'static> {
    BytesText::new(&clean(content)).into_owned()
}

/// `value` with every character that XML 1.0 forbids replaced by U+FFFD: the C0 controls
/// other than tab, line feed and carriage return, and U+FFFE and U+FFFF. Escaping cannot
/// help here: not even `&#1;` is allowed.
pub fn clean(value: &str) -> Cow<'_, str> {
    if value.chars().all(allowed) {
        Cow::Borrowed(value)
    } else {
        Cow::Owned(
            value
                .chars()
                .map(|c| if allowed(c) { c } else { '\u{FFFD}' })
                .collect(),
        )
    }
}

fn allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | ' '..='\u{FFFD}' | '\u{10000}'..)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_replaces_only_what_xml_forbids() {
        assert_eq!(clean("a\tb\nc\rd é 😀"), "a\tb\nc\rd é 😀");
        assert!(matches!(clean("plain"), Cow::Borrowed(_)));
        assert_eq!(
            clean("a\u{0}b\u{1}c\u{1b}d\u{7}"),
            "a\u{FFFD}b\u{FFFD}c\u{FFFD}d\u{FFFD}"
        );
        assert_eq!(clean("\u{FFFE}\u{FFFF}"), "\u{FFFD}\u{FFFD}");
        // DEL and the C1 controls are allowed by XML 1.0.
        assert_eq!(clean("\u{7f}\u{85}"), "\u{7f}\u{85}");
    }
}
