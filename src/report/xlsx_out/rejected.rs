//! `rejected.xlsx` (SPEC 4.2, 3.8): the batch as submitted, ready to fix and upload again:
//! its own columns and values, then `Source Row` and `Errors`; every cell with an error is
//! filled and carries a note with its messages, every cell is top-aligned, and the coded
//! columns keep the template's drop-down lists.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::NaiveDate;
use rust_xlsxwriter::{Format, Note, Worksheet, XlsxError};

use super::{
    MAX_CELL_CHARS, MAX_COLUMNS, MAX_ROWS, Styles, clip, errors_height, excel_date, guarded,
    header_row, page_name, save, widths, workbook,
};
use crate::Judged;
use crate::batch::CellKind;
use crate::model::{CellFormat, Column};
use crate::reference::Reference;
use crate::report::lists::{
    LAST_ROW, LISTS_SHEET, List, ListColumn, drop_down, lists, write_lists_sheet,
};

/// A cell's note: its messages, one a line, within what a note can hold.
fn note(messages: &[String]) -> Note {
    // A note holds a little less than a cell (its author takes some room).
    let text = messages.join("\n");
    let text: String = text.chars().take(MAX_CELL_CHARS / 2 - 100).collect();
    Note::new(text).set_author("cpbatch").set_width(320)
}

/// The width of the Errors column, in characters.
const ERRORS_WIDTH: f64 = 80.0;

/// Rows of a workbook whose cells carry notes (and whose height fits their Errors cell), at
/// most: the first this many rejected rows. rust_xlsxwriter keeps notes and row heights in
/// memory until the workbook is saved, about 10 KB for each row that has notes, and Excel
/// slows to a crawl on sheets with tens of thousands of comments. Past these rows, bad cells
/// are still filled and every message is in the Errors column.
pub const MAX_NOTED_ROWS: usize = 5_000;

/// The header of the column that gives each rejected row's number in the batch as
/// submitted, which the messages cite (SPEC 4.2, 3.8).
pub const SOURCE_ROW_HEADER: &str = "Source Row";
/// The header of the column that holds each rejected row's errors.
pub const ERRORS_HEADER: &str = "Errors";

/// What a drop-down of `rejected.xlsx` says when a value is not in its list.
fn not_in_list_message(column: Column, list: List) -> String {
    let header = column.header();
    match list {
        List::CpId | List::PlanId | List::SubmitterId => format!(
            "This {header} is not in the roster the batch was checked against (the \
             {LISTS_SHEET} sheet), so cpbatch may reject the row again. Keep it anyway?"
        ),
        _ => format!(
            "{header} takes one of the values in the list, or one of the aliases of the \
             template's Instructions sheet; cpbatch rejects anything else. Keep it anyway?"
        ),
    }
}

/// The columns of `rejected.xlsx`: the batch's own (not the `Source Row` and `Errors` of a
/// rejected workbook checked again), then `Source Row` and `Errors`, written afresh.
struct RejectedColumns {
    /// The batch position of each of the sheet's own columns, in order.
    own: Vec<usize>,
    /// For each batch position, its sheet column, if the sheet has it.
    sheet_col: Vec<Option<usize>>,
    headers: Vec<String>,
    source_col: usize,
    errors_col: usize,
}

impl RejectedColumns {
    fn of(batch: &crate::batch::Batch) -> RejectedColumns {
        let mut own = crate::report::tables::own_columns(batch);
        // A CSV batch can be wider than a sheet: keep room for the two added columns.
        own.truncate(MAX_COLUMNS - 2);
        let mut sheet_col = vec![None; batch.width];
        for (col, position) in own.iter().enumerate() {
            sheet_col[*position] = Some(col);
        }
        let mut headers: Vec<String> = own
            .iter()
            .map(|i| batch.layout.headers.get(*i).cloned().unwrap_or_default())
            .collect();
        headers.push(SOURCE_ROW_HEADER.into());
        headers.push(ERRORS_HEADER.into());
        RejectedColumns {
            source_col: own.len(),
            errors_col: own.len() + 1,
            own,
            sheet_col,
            headers,
        }
    }

    /// The sheet column of a canonical column, when the batch has it.
    fn of_column(&self, layout: &crate::batch::Layout, column: Column) -> Option<usize> {
        layout
            .position(column)
            .and_then(|p| self.sheet_col.get(p).copied().flatten())
    }
}

/// Gives each coded column of the sheet the template's drop-down list, so a fix is picked,
/// not typed; and every column a top-aligned format, so cells typed in later line up too.
fn coded_columns(
    sheet: &mut Worksheet,
    columns: &RejectedColumns,
    layout: &crate::batch::Layout,
    lists: &[ListColumn],
    styles: &Styles,
    text_columns: &[usize],
) -> Result<(), XlsxError> {
    for col in 0..columns.headers.len() {
        let format = if col == columns.source_col {
            &styles.whole
        } else if col == columns.errors_col {
            &styles.wrap
        } else if text_columns.contains(&col) {
            &styles.text
        } else {
            &styles.plain
        };
        sheet.set_column_format(col as u16, format)?;
    }
    for column in Column::ALL {
        let Some(col) = columns.of_column(layout, column) else {
            continue;
        };
        if let Some(validation) = drop_down(lists, column, not_in_list_message)? {
            let c = col as u16;
            sheet.add_data_validation(1, c, LAST_ROW, c, &validation)?;
        }
    }
    Ok(())
}

/// Writes a text cell, cut to what a cell holds, in `format` or else in its column's.
fn write_text(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    text: &str,
    format: Option<&Format>,
) -> Result<(), XlsxError> {
    let text = clip(text);
    match format {
        Some(format) => sheet.write_string_with_format(row, col, text.as_ref(), format)?,
        None => sheet.write_string(row, col, text.as_ref())?,
    };
    Ok(())
}

/// Writes `rejected.xlsx`: the rejected rows as submitted, marked where they are wrong, with
/// their source row, the template's drop-down lists, and a hidden Lists sheet they refer to.
pub fn write_rejected(
    path: &Path,
    judged: &Judged,
    reference: &Reference,
    as_of: NaiveDate,
) -> Result<(), XlsxError> {
    guarded(path, || rejected_workbook(path, judged, reference, as_of))
}

fn rejected_workbook(
    path: &Path,
    judged: &Judged,
    reference: &Reference,
    as_of: NaiveDate,
) -> Result<(), XlsxError> {
    let styles = Styles::top_aligned();
    let batch = &judged.batch;
    let layout = &batch.layout;
    let columns = RejectedColumns::of(batch);
    let (source_col, errors_col) = (columns.source_col, columns.errors_col);
    let headers = &columns.headers;
    // Member ID and ZIP stay text so Excel cannot drop leading zeros when the file is fixed.
    let text_columns: Vec<usize> = Column::ALL
        .into_iter()
        .filter(|c| c.cell_format() == CellFormat::Text)
        .filter_map(|c| columns.of_column(layout, c))
        .collect();
    let rejected: Vec<usize> = (0..judged.outcomes.len())
        .filter(|i| judged.outcomes[*i].is_rejected())
        .collect();
    let lists = lists(reference);

    let mut workbook = workbook(as_of, path)?;
    let sample = rejected.iter().map(|i| {
        let raw = &batch.rows[*i];
        columns
            .own
            .iter()
            .map(|c| raw.cell(*c).text.to_string())
            .collect()
    });
    let mut column_widths = widths(headers, sample);
    column_widths[errors_col] = ERRORS_WIDTH;

    let mut noted_rows = 0;
    let pages = rejected.len().div_ceil(MAX_ROWS).max(1);
    for page in 0..pages {
        let sheet = workbook.add_worksheet_with_constant_memory()?;
        sheet.set_name(page_name("Rejected", page))?;
        header_row(sheet, headers, &column_widths, &styles)?;
        coded_columns(sheet, &columns, layout, &lists, &styles, &text_columns)?;
        let on_page = &rejected[page * MAX_ROWS..((page + 1) * MAX_ROWS).min(rejected.len())];
        for (n, index) in on_page.iter().enumerate() {
            let (raw, outcome) = (&batch.rows[*index], &judged.outcomes[*index]);
            let r = n as u32 + 1;
            // Every error, so the row reads on its own; a row-level one marks the Errors cell.
            let all: Vec<String> = outcome
                .findings
                .iter()
                .filter(|f| f.is_error())
                .map(|f| format!("{}: {}", f.code, f.message))
                .collect();
            let with_notes = noted_rows < MAX_NOTED_ROWS;
            // Row heights, like notes, stay in memory until the workbook is saved.
            if with_notes && (all.len() > 1 || all.iter().any(|l| l.len() > ERRORS_WIDTH as usize))
            {
                sheet.set_row_height(r, errors_height(&all, ERRORS_WIDTH))?;
            }
            // The messages of each marked cell; errors with no column in the batch go to Errors.
            let mut marks: BTreeMap<usize, Vec<String>> = BTreeMap::new();
            let mut row_errors: Vec<String> = Vec::new();
            for finding in outcome.findings.iter().filter(|f| f.is_error()) {
                let line = format!("{}: {}", finding.code, finding.message);
                match finding.column.and_then(|c| columns.of_column(layout, c)) {
                    Some(col) => marks.entry(col).or_default().push(line.clone()),
                    None => row_errors.push(line.clone()),
                }
            }
            noted_rows += usize::from(!marks.is_empty() || !row_errors.is_empty());
            for (col, position) in columns.own.iter().enumerate() {
                let cell = raw.cell(*position);
                let marked = marks.contains_key(&col);
                let as_text = text_columns.contains(&col);
                let c = col as u16;
                // A cell of the column's own format is written with none: the column's
                // applies, and rust_xlsxwriter looks a cell's format up by hashing all of it.
                let (plain, text, date) = if marked {
                    (
                        Some(&styles.error),
                        Some(&styles.error_text),
                        &styles.error_date,
                    )
                } else {
                    (None, None, &styles.date)
                };
                let column_format = if as_text { text } else { plain };
                match cell.kind {
                    CellKind::Empty if marked => {
                        sheet.write_blank(r, c, &styles.error)?;
                    }
                    CellKind::Empty => {}
                    CellKind::Number if !as_text => match cell.text.parse::<f64>() {
                        Ok(number) => {
                            match plain {
                                Some(format) => {
                                    sheet.write_number_with_format(r, c, number, format)?
                                }
                                None => sheet.write_number(r, c, number)?,
                            };
                        }
                        Err(_) => write_text(sheet, r, c, cell.text, plain)?,
                    },
                    CellKind::Date if !as_text => match crate::model::parse_text_date(cell.text) {
                        Ok(day) => {
                            sheet.write_datetime_with_format(r, c, excel_date(day)?, date)?;
                        }
                        Err(_) => write_text(sheet, r, c, cell.text, plain)?,
                    },
                    CellKind::Bool if !as_text => {
                        let value = cell.text == "TRUE";
                        match plain {
                            Some(format) => sheet.write_boolean_with_format(r, c, value, format)?,
                            None => sheet.write_boolean(r, c, value)?,
                        };
                    }
                    _ => write_text(sheet, r, c, cell.text, column_format)?,
                }
                if let Some(messages) = marks.get(&col).filter(|_| with_notes) {
                    sheet.insert_note(r, c, &note(messages))?;
                }
            }
            // Both columns have these formats as their own (`coded_columns`).
            sheet.write_number(r, source_col as u16, f64::from(raw.source_row))?;
            let errors_format = (!row_errors.is_empty()).then_some(&styles.error_wrap);
            write_text(sheet, r, errors_col as u16, &all.join("\n"), errors_format)?;
            if !row_errors.is_empty() && with_notes {
                sheet.insert_note(r, errors_col as u16, &note(&row_errors))?;
            }
        }
        sheet.autofilter(0, 0, on_page.len() as u32, errors_col as u16)?;
    }
    // The lists the drop-downs refer to, out of the submitter's way.
    let lists_sheet = workbook.add_worksheet();
    write_lists_sheet(lists_sheet, &lists, &styles.header)?;
    lists_sheet.set_hidden(true);
    save(&mut workbook, path)
}
