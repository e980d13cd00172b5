//! `cpbatch template` (SPEC 5): the blank batch workbook, and `--check`, which tells whether
//! a file is still the current template.
//!
//! Everything in the workbook is generated from the column table (`model::Column`), the code
//! lists of `model`, the reference roster and the rule catalog, so the template, the checks
//! and the docs cannot drift apart. The workbook is built in memory and carries a fixed
//! creation date: the same inputs give the same bytes on every run.

mod check;
mod filled;
mod instructions;
mod look;
mod package;
mod replace;

use std::io::Write;
use std::path::{Path, PathBuf};

use rust_xlsxwriter::{Format, FormatAlign, Worksheet, XlsxError};

use crate::error::FileError;
use crate::model::{CellFormat, Column};
use crate::reference::Reference;

/// The file `cpbatch template` writes when `--out` is not given.
pub const DEFAULT_FILE: &str = "cp-batch-template.xlsx";

pub const BATCH_SHEET: &str = "Batch";
pub const INSTRUCTIONS_SHEET: &str = "Instructions";
// The drop-down lists are shared with `rejected.xlsx`, which the report layer writes.
use crate::report::lists::{LAST_ROW, drop_down, list_letter};
pub use crate::report::lists::{LISTS_SHEET, List, ListColumn, list_of, lists};
pub use filled::build_filled;

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

/// The formats of the template.
pub(super) struct Formats {
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
    filled::build_filled(reference, "Community Partners batch template", CREATED, &[])
}

pub(super) fn batch_sheet(
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
        if let Some(validation) = drop_down(lists, column, not_in_list_message)? {
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
}
