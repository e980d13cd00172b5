//! The Instructions sheet: every column (when it is required, what it means, what it may
//! hold) and every rule, generated from the column table, the code lists and the catalog.

use rust_xlsxwriter::{Format, Worksheet, XlsxError};

use super::{BATCH_SHEET, Formats, INSTRUCTIONS_SHEET, LISTS_SHEET, List, ListColumn, list_letter};
use crate::catalog::{RULES, RULES_VERSION};
use crate::model::{Action, Column, CoverageType, Dmh, NO_WORDS, Program, ReasonCode, YES_WORDS};
use crate::reference::MASSHEALTH;

/// The widths of the sheet's columns, in characters.
const WIDTHS: [usize; 5] = [18, 28, 50, 70, 36];
/// The height of one line of text, in points.
const LINE_HEIGHT: f64 = 15.0;

/// The text forms of a date that cpbatch reads (SPEC 2.2).
const DATE_FORMS: &str = "a date, or text as YYYY-MM-DD, YYYYMMDD, MM/DD/YYYY, M/D/YYYY or MM-DD-YYYY (four-digit years)";

pub(super) fn write(
    sheet: &mut Worksheet,
    lists: &[ListColumn],
    formats: &Formats,
) -> Result<(), XlsxError> {
    sheet.set_name(INSTRUCTIONS_SHEET)?;
    // Printed, it reads one page wide.
    sheet.set_landscape();
    sheet.set_print_fit_to_pages(1, 0);
    for (col, width) in WIDTHS.into_iter().enumerate() {
        sheet.set_column_width(col as u16, width as f64)?;
    }
    sheet.write_string_with_format(0, 0, "Community Partners batch template", &formats.title)?;
    let intro = [
        format!(
            "Fill in one row per request on the {BATCH_SHEET} sheet, under its header row. Keep \
             the header row as it is."
        ),
        format!(
            "Coded columns have drop-down lists. The {LISTS_SHEET} sheet holds the codes and the \
             CP and plan IDs of the reference roster; codes are matched ignoring case, spaces, \
             hyphens and underscores, and the aliases below are accepted too."
        ),
        "Member ID and ZIP Code are formatted as text so that Excel keeps their leading zeros."
            .to_string(),
        "Check the file before uploading it: cpbatch validate FILE. Every problem is reported \
         with one of the rule codes listed below."
            .to_string(),
        format!("Rules version {RULES_VERSION}."),
    ];
    let mut row = 0;
    for line in &intro {
        row += 1;
        sheet.write_string(row, 0, line)?;
    }

    row += 2;
    sheet.write_string_with_format(row, 0, "Columns", &formats.section)?;
    row += 1;
    let headers = [
        "Column",
        "Required",
        "Meaning",
        "Allowed values",
        "Also accepted as header",
    ];
    table_row(sheet, row, &headers, &formats.header)?;
    for column in Column::ALL {
        row += 1;
        let cells = [
            column.header().to_string(),
            column.requirement().describe().to_string(),
            column.meaning().to_string(),
            allowed_values(column, lists),
            column.aliases().join(", "),
        ];
        table_row(sheet, row, &cells, &formats.wrap)?;
    }

    row += 2;
    sheet.write_string_with_format(row, 0, "Rules", &formats.section)?;
    row += 1;
    let headers = ["Code", "Severity", "Title", "Description"];
    table_row(sheet, row, &headers, &formats.header)?;
    for rule in RULES {
        row += 1;
        let cells = [
            rule.code.as_str(),
            rule.severity.as_str(),
            rule.title,
            rule.description,
        ];
        table_row(sheet, row, &cells, &formats.wrap)?;
    }
    Ok(())
}

/// Writes one row of a table, tall enough for its wrapped text: spreadsheet programs do not
/// all fit a row's height to wrapped text when they open a file.
fn table_row(
    sheet: &mut Worksheet,
    row: u32,
    cells: &[impl AsRef<str>],
    format: &Format,
) -> Result<(), XlsxError> {
    let mut lines = 1;
    for (col, text) in cells.iter().enumerate() {
        let text = text.as_ref();
        sheet.write_string_with_format(row, col as u16, text, format)?;
        lines = lines.max(wrapped_lines(text, WIDTHS[col]));
    }
    if lines > 1 {
        sheet.set_row_height(row, LINE_HEIGHT * lines as f64)?;
    }
    Ok(())
}

/// How many lines `text` takes when wrapped at word boundaries to `width` characters.
fn wrapped_lines(text: &str, width: usize) -> usize {
    let mut lines = 1;
    let mut used = 0;
    for word in text.split_whitespace() {
        let length = word.chars().count();
        if used > 0 && used + 1 + length > width {
            lines += 1;
            used = 0;
        }
        used += if used > 0 { 1 } else { 0 } + length;
    }
    lines
}

/// What a value of a column may be, in words, for the Instructions sheet.
pub(super) fn allowed_values(column: Column, lists: &[ListColumn]) -> String {
    let on_lists = |list: List| {
        list_letter(lists, list).map_or_else(String::new, |letter| {
            format!(" (Lists sheet, column {letter})")
        })
    };
    match column {
        Column::Action => codes_with_aliases(Action::ALL.iter().map(|c| (c.as_str(), c.aliases()))),
        Column::MemberId => "12 digits; spaces and hyphens are ignored. The column is formatted \
                             as text so that Excel keeps leading zeros."
            .to_string(),
        Column::LastName | Column::FirstName => "letters (any script), spaces, hyphens, \
                                                 apostrophes and periods; at most 50 characters"
            .to_string(),
        Column::DateOfBirth => {
            format!("{DATE_FORMS}; from 1900-01-01, not after the Effective Date")
        }
        Column::EffectiveDate => format!(
            "{DATE_FORMS}; how far before or after the day of the check it may be: see S008"
        ),
        Column::CpProgram => {
            codes_with_aliases(Program::ALL.iter().map(|c| (c.as_str(), c.aliases())))
        }
        Column::CpId | Column::FromCpId => {
            format!("a CP ID of the roster{}", on_lists(List::CpId))
        }
        Column::PlanId => format!("a plan ID of the roster{}", on_lists(List::PlanId)),
        Column::CoverageType => {
            codes_with_aliases(CoverageType::ALL.iter().map(|c| (c.as_str(), c.aliases())))
        }
        Column::Medicare | Column::OtherInsurance | Column::NursingFacility => format!(
            "{} or {} (also {}); blank when not known",
            YES_WORDS[0],
            NO_WORDS[0],
            or_list(
                YES_WORDS[1..]
                    .iter()
                    .zip(&NO_WORDS[1..])
                    .flat_map(|(yes, no)| [*yes, *no])
            )
        ),
        Column::DmhAffiliation => {
            codes_with_aliases(Dmh::ALL.iter().map(|c| (c.as_str(), c.aliases())))
        }
        Column::ZipCode => "5 digits, or ZIP+4 as 02118-1234".to_string(),
        Column::ReasonCode => Action::ALL
            .iter()
            .map(|action| {
                // Reason Code is required on DISENROLL and TRANSFER rows only.
                let optional = if *action == Action::Enroll {
                    " (optional)"
                } else {
                    ""
                };
                format!(
                    "{action}{optional}: {}",
                    or_list(ReasonCode::allowed_for(*action).iter().map(|r| r.as_str()))
                )
            })
            .collect::<Vec<_>>()
            .join("; "),
        Column::SubmitterId => format!(
            "{MASSHEALTH}, or a plan or CP ID of the roster{}",
            on_lists(List::SubmitterId)
        ),
    }
}

/// `A, B or C`.
fn or_list<'a>(items: impl Iterator<Item = &'a str>) -> String {
    let items: Vec<&str> = items.collect();
    match items.split_last() {
        None => String::new(),
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

/// `ENROLL (also ENROLLMENT, ADD), DISENROLL or TRANSFER (also XFER)`.
fn codes_with_aliases(
    codes: impl Iterator<Item = (&'static str, &'static [&'static str])>,
) -> String {
    let described: Vec<String> = codes
        .map(|(code, aliases)| match aliases {
            [] => code.to_string(),
            aliases => format!("{code} (also {})", aliases.join(", ")),
        })
        .collect();
    or_list(described.iter().map(String::as_str))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::template::lists;
    use crate::reference::Reference;

    #[test]
    fn allowed_values_come_from_the_code_lists() {
        let lists = lists(&Reference::built_in().unwrap());
        assert_eq!(
            allowed_values(Column::Action, &lists),
            "ENROLL (also ENROLLMENT, ADD), DISENROLL (also DISENROLLMENT, TERM, TERMINATE) \
             or TRANSFER (also XFER)"
        );
        assert_eq!(
            allowed_values(Column::Medicare, &lists),
            "Y or N (also YES, NO, TRUE, FALSE, 1 or 0); blank when not known"
        );
        assert!(
            allowed_values(Column::ReasonCode, &lists)
                .starts_with("ENROLL (optional): ASSIGNED or REFERRAL; DISENROLL: DECLINED,")
        );
        assert_eq!(
            allowed_values(Column::CpId, &lists),
            "a CP ID of the roster (Lists sheet, column G)"
        );
    }

    #[test]
    fn wrapped_lines_break_at_words() {
        assert_eq!(wrapped_lines("", 10), 1);
        assert_eq!(wrapped_lines("one two three", 13), 1);
        assert_eq!(wrapped_lines("one two three", 12), 2);
        assert_eq!(wrapped_lines("a-very-long-word", 5), 1);
    }
}
