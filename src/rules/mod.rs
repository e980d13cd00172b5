//! The checks, one file per stage (SPEC 3). A row is read into a typed [`Record`] by the
//! format stage, then checked against the roster, eligibility and the rest of the batch.

pub(crate) mod batch;
pub(crate) mod eligibility;
pub mod format;
pub(crate) mod reconcile;
mod record;
pub(crate) mod reference;
pub mod watch;

use chrono::NaiveDate;
use serde::Serialize;

pub use record::Record;
// The catalog is a leaf below every stage; `rules::catalog` keeps its old path working.
pub use crate::catalog::{self, Code, RULES, RULES_VERSION, Rule, Severity};

use crate::batch::{Layout, RawRow};
use crate::evs::Snapshot;
use crate::model::{Action, Column, MemberId};
use crate::reference::Reference;

/// One finding: a rule broken (or warned) on a row, or on the file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// The spreadsheet row, or `None` for a file-level finding.
    pub source_row: Option<u32>,
    pub column: Option<Column>,
    pub code: Code,
    pub message: String,
}

impl Finding {
    pub fn severity(&self) -> Severity {
        self.code.severity()
    }

    pub fn is_error(&self) -> bool {
        self.severity() == Severity::Error
    }
}

/// Collects one row's findings: every stage pushes through it.
pub(crate) struct RowSink<'a> {
    pub row: u32,
    pub out: &'a mut Vec<Finding>,
}

impl RowSink<'_> {
    /// A finding about one column (named even when the batch lacks it).
    pub fn push(&mut self, column: Column, code: Code, message: String) {
        self.push_in(Some(column), code, message);
    }

    pub fn push_in(&mut self, column: Option<Column>, code: Code, message: String) {
        self.out.push(Finding {
            source_row: Some(self.row),
            column,
            code,
            message,
        });
    }
}

/// A value read from a cell: blank, present but invalid, or valid.
#[derive(Debug, Clone, PartialEq)]
pub enum Val<T> {
    Blank,
    Invalid,
    Ok(T),
}

impl<T> Val<T> {
    pub fn ok(&self) -> Option<&T> {
        match self {
            Val::Ok(v) => Some(v),
            _ => None,
        }
    }

    pub fn is_blank(&self) -> bool {
        matches!(self, Val::Blank)
    }
}

impl<T> Val<T> {
    /// A value that is present or blank (EVS values were validated when the line was read).
    pub fn from_option(value: Option<T>) -> Val<T> {
        value.map_or(Val::Blank, Val::Ok)
    }
}

impl<T: Copy> Val<T> {
    pub fn get(&self) -> Option<T> {
        self.ok().copied()
    }
}

/// The path through which an ENROLL or TRANSFER row is eligible (SPEC 3.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EligibilityPath {
    AcoMco,
    Dmh,
}

impl EligibilityPath {
    pub fn as_str(self) -> &'static str {
        match self {
            EligibilityPath::AcoMco => "ACO_MCO",
            EligibilityPath::Dmh => "DMH",
        }
    }
}

/// What every check of one run shares.
#[derive(Debug, Clone)]
pub struct CheckConfig {
    pub as_of: NaiveDate,
    pub max_retro_days: i64,
    pub max_future_days: i64,
}

pub struct Context<'a> {
    pub reference: &'a Reference,
    pub config: &'a CheckConfig,
    pub layout: &'a Layout,
    pub is_1904: bool,
    /// The EVS snapshot, with `--evs`.
    pub evs: Option<&'a Snapshot>,
}

/// The identity of a row for the within-batch checks: Action, CP ID and Effective Date.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RowKey {
    /// The action, or its text when unknown.
    pub action: Result<Action, Box<str>>,
    pub cp_id: Box<str>,
    /// The date, or its text when blank or invalid.
    pub effective: Result<NaiveDate, Box<str>>,
}

/// The verdict on one row.
#[derive(Debug, Clone)]
pub struct RowOutcome {
    pub source_row: u32,
    pub findings: Vec<Finding>,
    pub path: Option<EligibilityPath>,
    pub action: Option<Action>,
    pub member_id: Option<MemberId>,
    pub key: RowKey,
}

impl RowOutcome {
    pub fn is_rejected(&self) -> bool {
        self.findings.iter().any(Finding::is_error)
    }

    pub fn is_accepted_transfer(&self) -> bool {
        !self.is_rejected() && self.action == Some(Action::Transfer)
    }
}

/// Runs every row-level stage on one row.
pub(crate) fn check_row(raw: &RawRow, ctx: &Context<'_>) -> RowOutcome {
    let mut findings = Vec::new();
    let record = format::parse_row(raw, ctx, &mut findings);
    // With --evs the facts are the applicable segment's, and a member not found (or with a
    // malformed line, or no covering segment) has none: no E code is judged then.
    let lookup = ctx
        .evs
        .and_then(|snapshot| reconcile::lookup(&record, snapshot));
    let (facts, judge_eligibility) = match (ctx.evs, &lookup) {
        (None, _) => (
            Some(eligibility::Facts::attested(&record, ctx.reference)),
            true,
        ),
        (Some(_), Some(lookup)) => (
            lookup.facts(ctx.reference).map(|facts| eligibility::Facts {
                plan_named: record.plan_id_known(ctx.reference),
                ..facts
            }),
            lookup.allows_eligibility(),
        ),
        (Some(_), None) => (None, false),
    };
    reference::check(&record, facts.as_ref(), ctx, &mut findings);
    let path = match facts.as_ref().filter(|_| judge_eligibility) {
        Some(facts) => eligibility::check(&record, facts, ctx, &mut findings),
        None => None,
    };
    if let Some(lookup) = &lookup {
        reconcile::check(&record, lookup, ctx.reference, &mut findings);
    }
    RowOutcome {
        source_row: raw.source_row,
        findings,
        path,
        action: record.action.get(),
        member_id: record.member_id.get(),
        key: record.key(),
    }
}

/// Puts a row's findings in column order (the batch's), keeping check order within a column.
pub(crate) fn sort_findings(findings: &mut [Finding], layout: &Layout) {
    findings.sort_by_key(|f| layout.order_key(f.column));
}

/// W001 (SPEC 3.2): the file-level warnings of a batch, one per unrecognised header.
pub(crate) fn file_findings(layout: &Layout) -> Vec<Finding> {
    layout
        .unrecognised
        .iter()
        .map(|(_, header)| Finding {
            source_row: None,
            column: None,
            code: Code::W001,
            message: match layout.meant(header) {
                Some(column) => format!(
                    "column header {header:?} is not recognised (did you mean {:?}?); its values are kept in the rejected report but not checked",
                    column.header()
                ),
                None => format!(
                    "column header {header:?} is not recognised; its values are kept in the rejected report but not checked"
                ),
            },
        })
        .collect()
}

/// W006 (SPEC 2.1, 3.2): a text batch that was not UTF-8, read as Windows-1252; once.
pub fn encoding_findings(encoding: Option<crate::batch::text::TextEncoding>) -> Vec<Finding> {
    use crate::batch::text::TextEncoding;
    match encoding {
        Some(TextEncoding::Windows1252) => vec![Finding {
            source_row: None,
            column: None,
            code: Code::W006,
            message: "the file is not UTF-8 text: it was read as Windows-1252, as Excel saves \"CSV\" on Windows; check that accented names read right, or save it as \"CSV UTF-8\"".into(),
        }],
        _ => Vec::new(),
    }
}
