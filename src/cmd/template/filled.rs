//! The template workbook, blank or holding rows: `cpbatch template` writes it blank, and
//! `cpbatch watch` writes its proposed batch in it (SPEC 7), so that a proposed batch has
//! the template's layout, formats and drop-down lists, and its values the cell types a
//! batch reader expects: IDs as text, dates as date cells.

use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Workbook, Worksheet, XlsxError};

use super::{Formats, batch_sheet, instructions, lists};
use crate::catalog::RULES_VERSION;
use crate::model::{CellFormat, Column};
use crate::reference::Reference;
use crate::report::lists::write_lists_sheet;

/// The workbook, titled `title`, created on `created` (fixed, so the same inputs give the
/// same bytes), with `rows` on its Batch sheet: each row's values in [`Column::ALL`] order,
/// dates as `YYYY-MM-DD`, blank for none.
pub fn build_filled(
    reference: &Reference,
    title: &str,
    created: (u16, u8, u8),
    rows: &[[&str; 18]],
) -> Result<Vec<u8>, XlsxError> {
    let formats = Formats::new();
    let lists = lists(reference);
    let mut workbook = Workbook::new();
    let (y, m, d) = created;
    workbook.set_properties(
        &DocProperties::new()
            .set_title(title)
            .set_comment(format!("cpbatch rules version {RULES_VERSION}"))
            .set_creation_datetime(&ExcelDateTime::from_ymd(y, m, d)?),
    );
    let sheet = workbook.add_worksheet();
    batch_sheet(sheet, &lists, &formats)?;
    write_rows(sheet, rows, &formats)?;
    instructions::write(workbook.add_worksheet(), &lists, &formats)?;
    write_lists_sheet(workbook.add_worksheet(), &lists, &formats.header)?;
    workbook.save_to_buffer()
}

fn write_rows(
    sheet: &mut Worksheet,
    rows: &[[&str; 18]],
    formats: &Formats,
) -> Result<(), XlsxError> {
    for (index, cells) in rows.iter().enumerate() {
        let row = index as u32 + 1;
        for (column, text) in Column::ALL.into_iter().zip(cells.iter().copied()) {
            let col = column as u16;
            if text.is_empty() {
                continue;
            }
            match column.cell_format() {
                CellFormat::Date => match NaiveDate::parse_from_str(text, "%Y-%m-%d") {
                    Ok(date) => {
                        let date = ExcelDateTime::from_ymd(
                            date.year() as u16,
                            date.month() as u8,
                            date.day() as u8,
                        )?;
                        sheet.write_datetime_with_format(row, col, &date, &formats.date)?
                    }
                    Err(_) => sheet.write_string_with_format(row, col, text, &formats.text)?,
                },
                CellFormat::Text => {
                    sheet.write_string_with_format(row, col, text, &formats.text)?
                }
                CellFormat::General => sheet.write_string(row, col, text)?,
            };
        }
    }
    Ok(())
}
