//! `cpbatch template` (SPEC 5): the blank batch workbook, and `--check`, which tells whether
//! a file is still the current template.
//!
//! Everything in the workbook is generated from the column table (`model::Column`), the code
//! lists of `model`, the reference roster and the rule catalog, so the template, the checks
//! and the docs cannot drift apart. The workbook is built in memory and carries a fixed
//! creation date: the same inputs give the same bytes on every run.

mod check;
mod instructions;
mod package;
mod replace;

use std::io::Write;
use std::path::{Path, PathBuf};

use rust_xlsxwriter::{
    DataValidation, DataValidationErrorStyle, DocProperties, ExcelDateTime, Format, FormatAlign,
    Formula, Workbook, Worksheet, XlsxError, column_number_to_name,
};

use crate::catalog::RULES_VERSION;
use crate::error::FileError;
use crate::model::{
    Action, CellFormat, Column, CoverageType, Dmh, NO_WORDS, Program, ReasonCode, YES_WORDS,
};
use crate::reference::{MASSHEALTH, Reference};

/// The file `cpbatch template` writes when `--out` is not given.
pub const DEFAULT_FILE: &str = "cp-batch-template.xlsx";

pub const BATCH_SHEET: &str = "Batch";
pub const INSTRUCTIONS_SHEET: &str = "Instructions";
pub const LISTS_SHEET: &str = "Lists";

/// The last row (0-based) the drop-down lists and formats cover: the whole sheet. A range
/// costs the same few bytes in the file whatever its size, so there is no reason to stop short.
const LAST_ROW: u32 = 1_048_575;

/// The workbook's creation date, fixed so that the template is the same bytes on every run.
const CREATED: (u16, u8, u8) = (2026, 1, 1);

/// What `cpbatch template` is asked to do.
#[derive(Debug, Clone)]
pub enum Mode {
    /// Write the template to this file; `force` replaces a file that is not a blank batch
    /// workbook.
    Write { out: PathBuf, force: bool },
    /// Compare this file with the current template.
    Check { file: PathBuf },
}

/// Everything `cpbatch template` needs, free of any command-line types.
#[derive(Debug, Clone)]
pub struct Config {
    pub mode: Mode,
    /// Reference data directory; the built-in roster when `None`.
    pub reference: Option<PathBuf>,
}

/// Runs `cpbatch template`: returns the exit status (0 written or matching, 1 differences).
pub fn run(config: &Config, stdout: &mut dyn Write) -> Result<i32, FileError> {
    let reference = crate::load_reference(config.reference.as_deref())?;
    let print = |stdout: &mut dyn Write, line: &str| {
        writeln!(stdout, "{}", crate::shown::escaped(line))
            .map_err(|e| crate::report::output_error(Path::new("stdout"), &e))
    };
    match &config.mode {
        Mode::Write { out, force } => {
            let written = write(out, &reference, *force)?;
            print(
                stdout,
                &format!(
                    "wrote {}: {} columns, {} CPs and {} plans from {}",
                    written.display(),
                    Column::ALL.len(),
                    reference.cps().count(),
                    reference.plans().count(),
                    roster_name(&reference),
                ),
            )?;
            Ok(0)
        }
        Mode::Check { file } => {
            let differences = check::check(file, &reference)?;
            for line in &differences {
                print(stdout, line)?;
            }
            let summary = match differences.len() {
                0 => format!("{}: the current template", file.display()),
                1 => format!("{}: 1 difference from the current template", file.display()),
                n => format!(
                    "{}: {n} differences from the current template",
                    file.display()
                ),
            };
            print(stdout, &summary)?;
            Ok(i32::from(!differences.is_empty()))
        }
    }
}

/// `the built-in roster`, or `the roster in DIR`.
fn roster_name(reference: &Reference) -> String {
    match reference.source.as_str() {
        "built-in" => "the built-in roster".to_string(),
        dir => format!("the roster in {dir}"),
    }
}

/// Writes the template to `out` (into `out/cp-batch-template.xlsx` when `out` is a
/// directory) under a temporary name, renamed into place once complete. Returns the path.
/// An existing file is replaced only when it is a blank batch workbook, or with `force`.
pub fn write(out: &Path, reference: &Reference, force: bool) -> Result<PathBuf, FileError> {
    let path = if out.is_dir() {
        out.join(DEFAULT_FILE)
    } else {
        out.to_path_buf()
    };
    if path.file_name().is_none() {
        return Err(FileError::Usage(format!(
            "--out {}: not a usable file name",
            out.display()
        )));
    }
    if !force {
        replace::refuse_to_replace(&path)?;
    }
    let bytes = build(reference).map_err(|e| FileError::Output {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    crate::report::publish::write_file(&path, |file| file.write_all(&bytes))?;
    Ok(path)
}

/// A drop-down list of the Lists sheet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum List {
    Action,
    Program,
    CoverageType,
    Dmh,
    ReasonCode,
    YesNo,
    CpId,
    PlanId,
    SubmitterId,
}

/// The drop-down list a Batch column takes, if any. Every column must be decided here, so a
/// new column cannot be forgotten.
pub fn list_of(column: Column) -> Option<List> {
    match column {
        Column::Action => Some(List::Action),
        Column::CpProgram => Some(List::Program),
        Column::CpId | Column::FromCpId => Some(List::CpId),
        Column::PlanId => Some(List::PlanId),
        Column::CoverageType => Some(List::CoverageType),
        Column::Medicare | Column::OtherInsurance | Column::NursingFacility => Some(List::YesNo),
        Column::DmhAffiliation => Some(List::Dmh),
        Column::ReasonCode => Some(List::ReasonCode),
        Column::SubmitterId => Some(List::SubmitterId),
        Column::MemberId
        | Column::LastName
        | Column::FirstName
        | Column::DateOfBirth
        | Column::ZipCode
        | Column::EffectiveDate => None,
    }
}

/// One column of the Lists sheet: a drop-down list, or a column describing its neighbour
/// (a CP's name and program, a plan's name and type).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListColumn {
    pub header: &'static str,
    pub values: Vec<String>,
    pub list: Option<List>,
}

/// The columns of the Lists sheet, in order: the code lists, then the roster.
pub fn lists(reference: &Reference) -> Vec<ListColumn> {
    fn column(header: &'static str, values: Vec<String>, list: Option<List>) -> ListColumn {
        ListColumn {
            header,
            values,
            list,
        }
    }
    fn codes<T: Copy>(all: &[T], name: fn(T) -> &'static str) -> Vec<String> {
        all.iter().map(|c| name(*c).to_string()).collect()
    }
    let cps: Vec<_> = reference.cps().collect();
    let plans: Vec<_> = reference.plans().collect();
    let submitters = std::iter::once(MASSHEALTH.to_string())
        .chain(plans.iter().map(|p| p.id.clone()))
        .chain(cps.iter().map(|c| c.id.clone()))
        .collect();
    vec![
        column(
            "Action",
            codes(Action::ALL, Action::as_str),
            Some(List::Action),
        ),
        column(
            "CP Program",
            codes(Program::ALL, Program::as_str),
            Some(List::Program),
        ),
        column(
            "Coverage Type",
            codes(CoverageType::ALL, CoverageType::as_str),
            Some(List::CoverageType),
        ),
        column(
            "DMH Affiliation",
            codes(Dmh::ALL, Dmh::as_str),
            Some(List::Dmh),
        ),
        column(
            "Reason Code",
            codes(ReasonCode::ALL, ReasonCode::as_str),
            Some(List::ReasonCode),
        ),
        column(
            "Y/N",
            vec![YES_WORDS[0].to_string(), NO_WORDS[0].to_string()],
            Some(List::YesNo),
        ),
        column(
            "CP ID",
            cps.iter().map(|c| c.id.clone()).collect(),
            Some(List::CpId),
        ),
        column(
            "Program",
            cps.iter().map(|c| c.program.as_str().to_string()).collect(),
            None,
        ),
        column(
            "CP Name",
            cps.iter().map(|c| c.name.clone()).collect(),
            None,
        ),
        column(
            "Plan ID",
            plans.iter().map(|p| p.id.clone()).collect(),
            Some(List::PlanId),
        ),
        column(
            "Plan Type",
            plans
                .iter()
                .map(|p| p.plan_type.as_str().to_string())
                .collect(),
            None,
        ),
        column(
            "Plan Name",
            plans.iter().map(|p| p.name.clone()).collect(),
            None,
        ),
        column("Submitter ID", submitters, Some(List::SubmitterId)),
    ]
}

/// The Lists column letter of a list.
fn list_letter(lists: &[ListColumn], list: List) -> Option<String> {
    let position = lists.iter().position(|c| c.list == Some(list))?;
    Some(column_number_to_name(position as u16))
}

/// The range a drop-down list refers to, as `Lists!$G$2:$G$28`. An empty list still refers
/// to one (blank) cell, so that every coded column keeps its drop-down.
fn list_range(lists: &[ListColumn], list: List) -> Option<String> {
    let letter = list_letter(lists, list)?;
    let length = lists
        .iter()
        .find(|c| c.list == Some(list))
        .map_or(1, |c| c.values.len().max(1));
    Some(format!(
        "{LISTS_SHEET}!${letter}$2:${letter}${}",
        length + 1
    ))
}

/// The formats of the template.
struct Formats {
    header: Format,
    title: Format,
    section: Format,
    text: Format,
    date: Format,
    wrap: Format,
}

impl Formats {
    fn new() -> Formats {
        Formats {
            header: Format::new().set_bold().set_background_color("#D9E1F2"),
            title: Format::new().set_bold().set_font_size(14),
            section: Format::new().set_bold().set_font_size(12),
            text: Format::new().set_num_format("@"),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            wrap: Format::new().set_text_wrap().set_align(FormatAlign::Top),
        }
    }
}

/// The number format a Batch column carries, if any.
fn column_format(column: Column, formats: &Formats) -> Option<&Format> {
    match column.cell_format() {
        CellFormat::Text => Some(&formats.text),
        CellFormat::Date => Some(&formats.date),
        CellFormat::General => None,
    }
}

/// The template workbook as bytes.
pub fn build(reference: &Reference) -> Result<Vec<u8>, XlsxError> {
    let formats = Formats::new();
    let lists = lists(reference);
    let mut workbook = Workbook::new();
    let (y, m, d) = CREATED;
    workbook.set_properties(
        &DocProperties::new()
            .set_title("Community Partners batch template")
            .set_comment(format!("cpbatch rules version {RULES_VERSION}"))
            .set_creation_datetime(&ExcelDateTime::from_ymd(y, m, d)?),
    );
    batch_sheet(workbook.add_worksheet(), &lists, &formats)?;
    instructions::write(workbook.add_worksheet(), &lists, &formats)?;
    lists_sheet(workbook.add_worksheet(), &lists, &formats)?;
    workbook.save_to_buffer()
}

fn batch_sheet(
    sheet: &mut Worksheet,
    lists: &[ListColumn],
    formats: &Formats,
) -> Result<(), XlsxError> {
    sheet.set_name(BATCH_SHEET)?;
    for (col, column) in Column::ALL.into_iter().enumerate() {
        let c = col as u16;
        let header = column.header();
        // Room for the header and the drop-down arrow, or for the values themselves.
        let content = match column.cell_format() {
            CellFormat::Text => 14,
            CellFormat::Date => 12,
            CellFormat::General => 8,
        };
        sheet.set_column_width(c, (header.chars().count() + 4).max(content) as f64)?;
        if let Some(format) = column_format(column, formats) {
            sheet.set_column_format(c, format)?;
        }
        sheet.write_string_with_format(0, c, header, &formats.header)?;
        let Some(list) = list_of(column) else {
            continue;
        };
        if let Some(range) = list_range(lists, list) {
            // A warning, not a stop: aliases and IDs newer than this roster are still allowed.
            let validation = DataValidation::new()
                .allow_list_formula(Formula::new(range))
                .set_error_style(DataValidationErrorStyle::Warning)
                .set_error_title("Not in the list")?
                .set_error_message(not_in_list_message(column, list))?;
            sheet.add_data_validation(1, c, LAST_ROW, c, &validation)?;
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

/// What the drop-down's warning says when a value is not in its list (at most 255 chars).
fn not_in_list_message(column: Column, list: List) -> String {
    let header = column.header();
    match list {
        List::CpId | List::PlanId | List::SubmitterId => format!(
            "This {header} is not in the roster this template was made from (the {LISTS_SHEET} \
             sheet), so cpbatch may reject the row. Keep it anyway?"
        ),
        _ => format!(
            "{header} takes one of the values in the list, or one of the aliases on the \
             {INSTRUCTIONS_SHEET} sheet; cpbatch rejects anything else. Keep it anyway?"
        ),
    }
}

fn lists_sheet(
    sheet: &mut Worksheet,
    lists: &[ListColumn],
    formats: &Formats,
) -> Result<(), XlsxError> {
    sheet.set_name(LISTS_SHEET)?;
    for (col, list) in lists.iter().enumerate() {
        let c = col as u16;
        let widest = list
            .values
            .iter()
            .map(|v| v.chars().count())
            .chain(std::iter::once(list.header.chars().count()))
            .max()
            .unwrap_or(0);
        sheet.set_column_width(c, (widest + 2).clamp(8, 50) as f64)?;
        sheet.write_string_with_format(0, c, list.header, &formats.header)?;
        for (row, value) in list.values.iter().enumerate() {
            sheet.write_string(row as u32 + 1, c, value)?;
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The committed template, `templates/cp-batch-template.xlsx`.
    const COMMITTED: &[u8] = include_bytes!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/templates/cp-batch-template.xlsx"
    ));

    #[test]
    fn the_committed_template_is_current() {
        let current = build(&Reference::built_in().unwrap()).unwrap();
        assert!(
            COMMITTED == current.as_slice(),
            "templates/cp-batch-template.xlsx is stale: run \
             `cargo run -- template --out templates/cp-batch-template.xlsx`"
        );
    }

    #[test]
    fn every_coded_column_refers_to_a_list_on_the_lists_sheet() {
        let lists = lists(&Reference::built_in().unwrap());
        for column in Column::ALL {
            if let Some(list) = list_of(column) {
                let range = list_range(&lists, list).unwrap();
                assert!(range.starts_with("Lists!$"), "{column:?}: {range}");
            }
        }
        assert_eq!(
            list_range(&lists, List::Action).as_deref(),
            Some("Lists!$A$2:$A$4")
        );
    }
}
