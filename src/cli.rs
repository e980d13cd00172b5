//! The command line: clap definitions, turned into plain configuration values.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Parser, Subcommand, ValueEnum};

use crate::cmd::rules::RulesFormat;
use crate::rules::CheckConfig;
use crate::{Config, EvsRead, Formats};

const VALIDATE_HELP: &str = "\
Examples:
  cpbatch validate batch.xlsx --out out/
      check a batch before uploading it; fix it in out/rejected.xlsx
  cpbatch validate batch.xlsx --evs evs.csv.gz --as-of 2026-11-23 --out out/
      reconcile it with the EVS snapshot, as of a fixed day
  cpbatch validate incoming/*.xlsx --evs evs.csv --out nightly/ --quiet
      the nightly run: one snapshot scan, a report folder per batch
  cpbatch validate fixtures/*.csv --independent --junit junit.xml
      CI over fixtures that share members (no B003), a JUnit report

Exit status:
  0  every row accepted
  1  some row rejected, or a batch of several refused (reports written)
  2  usage or file-level error (F001-F007): nothing written";

const TEMPLATE_HELP: &str = "\
Examples:
  cpbatch template --out cp-batch-template.xlsx
      write the blank template (a file with data rows is never replaced without --force)
  cpbatch template --check templates/cp-batch-template.xlsx
      in CI: is the committed template the current one?

Exit status:
  0  written, or FILE is the current template
  1  FILE differs from the current template (the differences are listed)
  2  usage or file error: nothing written";

const RULES_HELP: &str = "\
Examples:
  cpbatch rules                 every rule, a code and its description each
  cpbatch rules S004 r010       the rules named
  cpbatch rules --format json   the catalog for scripts

Exit status:
  0  printed
  2  an unknown rule code (the closest one is named)";

#[derive(Parser, Debug)]
#[command(
    name = "cpbatch",
    version,
    about = "Validate MassHealth Community Partners batch files",
    after_help = "Run `cpbatch COMMAND --help` for a command's options, examples and exit statuses."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Validate one or more batch files and write the reports.
    #[command(after_help = VALIDATE_HELP)]
    Validate(ValidateArgs),
    /// Write the blank batch template, or check that a file is the current one.
    #[command(after_help = TEMPLATE_HELP)]
    Template(TemplateArgs),
    /// Watch members' eligibility in EVS: propose the disenrollments, list what to review.
    #[command(after_help = WATCH_HELP)]
    Watch(WatchArgs),
    /// Print the rule catalog, or the rules named.
    #[command(after_help = RULES_HELP)]
    Rules {
        /// Rule codes to print (any case), e.g. S004 R010; every rule when none is given.
        #[arg(value_name = "CODE")]
        codes: Vec<String>,
        #[arg(long, value_enum, default_value = "text")]
        format: RulesFormatArg,
    },
}

#[derive(clap::Args, Debug)]
pub struct ValidateArgs {
    /// Batch files (.xlsx, .xlsm, .xlsb, .xls, .ods or .csv).
    #[arg(required = true, value_name = "BATCH")]
    pub batches: Vec<PathBuf>,
    /// The EVS eligibility snapshot (delimited text, optionally gzip-compressed).
    #[arg(long, value_name = "FILE")]
    pub evs: Option<PathBuf>,
    /// Reference data directory (plans.csv, cps.csv, partnerships.csv, service_areas.csv);
    /// the built-in roster by default.
    #[arg(long, value_name = "DIR")]
    pub reference: Option<PathBuf>,
    /// The date taken as today (default: the local date).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_as_of)]
    pub as_of: Option<NaiveDate>,
    /// Write the reports into this directory (created if needed).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Report formats for the accepted, rejected and transfer reports.
    #[arg(long, value_name = "csv|xlsx|csv,xlsx", default_value = "csv,xlsx", value_parser = parse_formats)]
    pub format: Formats,
    /// The sheet to read (default: `Batch`, else the first visible sheet).
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,
    /// Worker threads, 1 to 256 (default: every core).
    #[arg(long, value_name = "N", value_parser = parse_threads)]
    pub threads: Option<u16>,
    /// How many days before the as-of date an Effective Date may be.
    #[arg(long, value_name = "N", default_value_t = 60)]
    pub max_retro_days: u32,
    /// How many days after the as-of date an Effective Date may be.
    #[arg(long, value_name = "N", default_value_t = 90)]
    pub max_future_days: u32,
    /// How to read the snapshot: `scan` it once the batches are read, or `index` it while
    /// they are read and reconcile rows as they come; `auto` indexes an uncompressed
    /// snapshot when the batches total 8 MB or more. The results are the same.
    #[arg(
        long,
        value_enum,
        value_name = "auto|scan|index",
        default_value = "auto"
    )]
    pub evs_read: EvsReadArg,
    /// Also write a JUnit XML report (one test case per data row) to FILE, for CI systems.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Judge each batch alone, without B003 (a member in two batches of the run): for CI
    /// runs over fixtures that share members.
    #[arg(long)]
    pub independent: bool,
    /// Print only the summary lines (no finding lines), and no progress bars.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum RulesFormatArg {
    Text,
    Markdown,
    Json,
}

impl From<RulesFormatArg> for RulesFormat {
    fn from(arg: RulesFormatArg) -> Self {
        match arg {
            RulesFormatArg::Text => RulesFormat::Text,
            RulesFormatArg::Markdown => RulesFormat::Markdown,
            RulesFormatArg::Json => RulesFormat::Json,
        }
    }
}

/// `--evs-read`, as clap parses it; [`EvsRead`] is the plain value below the command line.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum EvsReadArg {
    /// Index the snapshot while large batches are read; scan otherwise.
    Auto,
    /// Scan the snapshot once the batches are read.
    Scan,
    /// Index the snapshot while the batches are read (a gzip snapshot too large to hold in
    /// memory, or a pipe, is scanned).
    Index,
}

impl From<EvsReadArg> for EvsRead {
    fn from(arg: EvsReadArg) -> Self {
        match arg {
            EvsReadArg::Auto => EvsRead::Auto,
            EvsReadArg::Scan => EvsRead::Scan,
            EvsReadArg::Index => EvsRead::Index,
        }
    }
}

/// `--as-of`: a real day, as YYYY-MM-DD; a day that the calendar does not have
/// (`2026-11-31`) is told apart from a value in another form (`26-11-01`, `11/23/2026`).
pub fn parse_as_of(text: &str) -> Result<NaiveDate, String> {
    let shaped = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    if !shaped {
        return Err(format!("{text:?} is not a date as YYYY-MM-DD"));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("{text:?} is not a real calendar day"))
}

/// More threads than any machine cpbatch runs on has cores only stalls the run while they
/// are created (SPEC 4.4).
const MAX_THREADS: u16 = 256;

fn parse_threads(text: &str) -> Result<u16, String> {
    match text.trim().parse::<u64>() {
        Ok(n) if (1..=u64::from(MAX_THREADS)).contains(&n) => Ok(n as u16),
        _ => Err(format!(
            "{text:?} is not a thread count from 1 to {MAX_THREADS}"
        )),
    }
}

fn parse_formats(text: &str) -> Result<Formats, String> {
    let mut formats = Formats {
        csv: false,
        xlsx: false,
    };
    for part in text.split(',') {
        match part.trim().to_ascii_lowercase().as_str() {
            "csv" => formats.csv = true,
            "xlsx" => formats.xlsx = true,
            other => {
                return Err(format!(
                    "unknown format {other:?}; use csv, xlsx or csv,xlsx"
                ));
            }
        }
    }
    Ok(formats)
}

impl ValidateArgs {
    pub fn into_config(self) -> Config {
        Config {
            batches: self.batches,
            evs: self.evs,
            reference: self.reference,
            out: self.out,
            junit: self.junit,
            formats: self.format,
            sheet: self.sheet,
            threads: self.threads.map(usize::from),
            evs_read: self.evs_read.into(),
            quiet: self.quiet,
            independent: self.independent,
            progress: !self.quiet,
            check: CheckConfig {
                as_of: self
                    .as_of
                    .unwrap_or_else(|| chrono::Local::now().date_naive()),
                max_retro_days: self.max_retro_days.into(),
                max_future_days: self.max_future_days.into(),
            },
        }
    }
}

#[derive(clap::Args, Debug)]
pub struct TemplateArgs {
    /// Where to write the template (default: cp-batch-template.xlsx).
    #[arg(long, value_name = "FILE", conflicts_with = "check")]
    pub out: Option<PathBuf>,
    /// Check that FILE is the current template instead: exit 0 when it is, 1 listing the
    /// differences.
    #[arg(long, value_name = "FILE")]
    pub check: Option<PathBuf>,
    /// Reference data directory for the CP and plan lists (the built-in roster by default).
    #[arg(long, value_name = "DIR")]
    pub reference: Option<PathBuf>,
    /// Replace the --out file even when it holds data rows or is not a workbook (without
    /// --force, only a blank template is replaced; anything else is refused, exit 2).
    #[arg(long, conflicts_with = "check")]
    pub force: bool,
}

impl TemplateArgs {
    pub fn into_config(self) -> crate::cmd::template::Config {
        use crate::cmd::template::{Config, DEFAULT_FILE, Mode};
        let mode = match (self.check, self.out) {
            (Some(file), _) => Mode::Check { file },
            (None, out) => Mode::Write {
                out: out.unwrap_or_else(|| PathBuf::from(DEFAULT_FILE)),
                force: self.force,
            },
        };
        Config {
            mode,
            reference: self.reference,
        }
    }
}

const WATCH_HELP: &str = "\
Examples:
  cpbatch watch --evs evs.csv --as-of 2026-11-23 --out out/watch
      every member with a CP in EVS on the as-of date (MassHealth's view)
  cpbatch watch --evs evs.csv --roster roster.xlsx --submitter BHCP01 --out out/bhcp01
      a CP's daily check of its own roster
  cpbatch validate out/bhcp01/proposed.xlsx --evs evs.csv --as-of 2026-11-23
      the closed loop: the proposed batch is accepted whole

Exit status:
  0  nothing proposed and nothing to review (notices alone are 0)
  1  something proposed or to review; the reports are written with --out
  2  usage error, or a file-level error (F001-F005 for the roster, F006, F007);
     nothing written";

#[derive(clap::Args, Debug)]
pub struct WatchArgs {
    /// The EVS eligibility snapshot (delimited text, optionally gzip-compressed).
    #[arg(long, value_name = "FILE")]
    pub evs: PathBuf,
    /// The members to watch: a CP's or plan's roster (Member ID and CP ID columns; Last
    /// Name, First Name, Date of Birth and Plan ID optional), read like a batch. Without
    /// it, every member with a CP in EVS on the watch date.
    #[arg(long, value_name = "FILE")]
    pub roster: Option<PathBuf>,
    /// Who will submit the proposed batch: MASSHEALTH (default), a plan or a CP; only the
    /// members it may act on are watched.
    #[arg(long, value_name = "ID", default_value = "MASSHEALTH")]
    pub submitter: String,
    /// Reference data directory (plans.csv, cps.csv, partnerships.csv, service_areas.csv);
    /// the built-in roster by default.
    #[arg(long, value_name = "DIR")]
    pub reference: Option<PathBuf>,
    /// The date taken as today (default: the local date).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_as_of)]
    pub as_of: Option<NaiveDate>,
    /// The watch date, and the Effective Date of the proposed rows (default: the as-of
    /// date); within 60 days before to 90 days after the as-of date.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_as_of)]
    pub effective: Option<NaiveDate>,
    /// Write proposed.xlsx, proposed.csv, review.csv, review.xlsx and watch-summary.json
    /// into this directory (created if needed).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Formats of the proposed batch and the review list.
    #[arg(long, value_name = "csv|xlsx|csv,xlsx", default_value = "csv,xlsx", value_parser = parse_formats)]
    pub format: Formats,
    /// Worker threads, 1 to 256 (default: every core).
    #[arg(long, value_name = "N", value_parser = parse_threads)]
    pub threads: Option<u16>,
    /// Print only the summary line.
    #[arg(long, short)]
    pub quiet: bool,
}

impl WatchArgs {
    pub fn into_config(self) -> crate::cmd::watch::Config {
        crate::cmd::watch::Config {
            evs: self.evs,
            roster: self.roster,
            submitter: self.submitter,
            reference: self.reference,
            check: CheckConfig {
                as_of: self
                    .as_of
                    .unwrap_or_else(|| chrono::Local::now().date_naive()),
                max_retro_days: 60,
                max_future_days: 90,
            },
            effective: self.effective,
            out: self.out,
            formats: self.format,
            threads: self.threads.map(usize::from),
            quiet: self.quiet,
        }
    }
}
