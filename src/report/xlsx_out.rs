//! Workbook reports (SPEC 4.2) with rust_xlsxwriter, in constant-memory mode so a million-row
//! report does not sit in memory: bold frozen header, autofilter, sized columns, IDs as text,
//! dates as dates. `rejected.xlsx` is the batch as submitted, ready to fix and upload again:
//! its own columns and values, then `Source Row` and `Errors`; every cell with an error is
//! filled and carries a note with its messages, every cell is top-aligned, and the coded
//! columns keep the template's drop-down lists.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;

use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Note, Workbook, Worksheet,
    XlsxError,
};

use super::lists::{LAST_ROW, LISTS_SHEET, List, ListColumn, drop_down, lists, write_lists_sheet};
use super::tables::{Table, Value};
use crate::Judged;
use crate::batch::CellKind;
use crate::model::{CellFormat, Column};
use crate::reference::Reference;

/// Excel's limits: data rows under the header on one sheet, columns, characters in a cell.
const MAX_ROWS: usize = 1_048_575;
const MAX_COLUMNS: usize = 16_384;
const MAX_CELL_CHARS: usize = 32_767;

/// Text cut to what an Excel cell holds, saying so, rather than refusing the whole report.
fn clip(text: &str) -> Cow<'_, str> {
    const MARK: &str = " [cut at Excel's cell limit]";
    match text.char_indices().nth(MAX_CELL_CHARS / 2) {
        // Cheap test first; UTF-16 units can be twice the chars, so the cut is conservative.
        None => Cow::Borrowed(text),
        Some(_) if text.encode_utf16().count() <= MAX_CELL_CHARS => Cow::Borrowed(text),
        Some((cut, _)) => Cow::Owned(format!("{}{MARK}", &text[..cut])),
    }
}

/// Sheet names of a report that spans several sheets: `Accepted`, `Accepted (2)`, …
fn page_name(name: &str, page: usize) -> String {
    if page == 0 {
        name.to_string()
    } else {
        format!("{name} ({})", page + 1)
    }
}

/// The cell styles every report shares.
struct Styles {
    header: Format,
    text: Format,
    date: Format,
    error: Format,
    error_text: Format,
    error_date: Format,
    wrap: Format,
    error_wrap: Format,
    whole: Format,
    /// A cell with no number format of its own.
    plain: Format,
}

impl Styles {
    fn new() -> Styles {
        let error = Format::new()
            .set_background_color("#FFC7CE")
            .set_border(FormatBorder::Thin)
            .set_border_color("#C00000");
        Styles {
            header: Format::new().set_bold().set_background_color("#D9E1F2"),
            text: Format::new().set_num_format("@"),
            date: Format::new().set_num_format("yyyy-mm-dd"),
            error_text: error.clone().set_num_format("@"),
            error_date: error.clone().set_num_format("yyyy-mm-dd"),
            error_wrap: error.clone().set_text_wrap().set_align(FormatAlign::Top),
            error,
            wrap: Format::new().set_text_wrap().set_align(FormatAlign::Top),
            whole: Format::new().set_num_format("0"),
            plain: Format::new(),
        }
    }

    /// The same styles, every one top-aligned: the rows of `rejected.xlsx` are as tall as
    /// their Errors cell, and a value at the bottom of a tall row reads as the next row's.
    fn top_aligned() -> Styles {
        let top = |format: Format| format.set_align(FormatAlign::Top);
        let styles = Styles::new();
        Styles {
            header: top(styles.header),
            text: top(styles.text),
            date: top(styles.date),
            error: top(styles.error),
            error_text: top(styles.error_text),
            error_date: top(styles.error_date),
            wrap: styles.wrap,
            error_wrap: styles.error_wrap,
            whole: top(styles.whole),
            plain: top(styles.plain),
        }
    }
}

/// A workbook whose creation time is the as-of date, so reruns are byte-identical.
fn workbook(as_of: NaiveDate) -> Result<Workbook, XlsxError> {
    let mut workbook = Workbook::new();
    // Deflate's fastest level: a million-row report compresses in a third of the time of the
    // default level, for files about a quarter larger.
    workbook.set_zip_compression_level(1);
    let created =
        ExcelDateTime::from_ymd(as_of.year() as u16, as_of.month() as u8, as_of.day() as u8)?;
    workbook.set_properties(&DocProperties::new().set_creation_datetime(&created));
    Ok(workbook)
}

fn excel_date(date: NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    ExcelDateTime::from_ymd(date.year() as u16, date.month() as u8, date.day() as u8)
}

/// Column widths that fit the header and the first rows' content, within reason.
fn widths(headers: &[String], sample: impl Iterator<Item = Vec<String>>) -> Vec<f64> {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count() + 2).collect();
    for row in sample.take(1000) {
        for (width, text) in widths.iter_mut().zip(row) {
            *width = (*width).max(text.chars().count() + 1);
        }
    }
    widths.into_iter().map(|w| w.clamp(6, 60) as f64).collect()
}

fn header_row(
    sheet: &mut Worksheet,
    headers: &[String],
    widths: &[f64],
    styles: &Styles,
) -> Result<(), XlsxError> {
    for (col, (header, width)) in headers.iter().zip(widths).enumerate() {
        sheet.set_column_width(col as u16, *width)?;
        sheet.write_string_with_format(0, col as u16, header, &styles.header)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    // Printed: landscape, one page wide, the header on every page.
    sheet.set_landscape();
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_repeat_rows(0, 0)?;
    Ok(())
}

/// The height of a row whose Errors cell holds these lines, wrapped at its width: spreadsheet
/// programs that do not size rows on opening (LibreOffice) would otherwise show one line.
fn errors_height(lines: &[String], width: f64) -> f64 {
    const LINE_POINTS: f64 = 15.0;
    const MAX_POINTS: f64 = 409.0;
    let per_line = (width as usize).max(1);
    let wrapped: usize = lines
        .iter()
        .map(|l| l.chars().count().div_ceil(per_line).max(1))
        .sum();
    (wrapped.max(1) as f64 * LINE_POINTS).min(MAX_POINTS)
}

/// Writes a report table (accepted, transfers) as a workbook.
pub fn write_table(
    path: &Path,
    name: &str,
    table: &Table<'_>,
    as_of: NaiveDate,
) -> Result<(), XlsxError> {
    let styles = Styles::new();
    let mut workbook = workbook(as_of)?;
    let sample = table
        .rows()
        .map(|row| row.iter().map(Value::to_text).collect());
    let column_widths = widths(&table.headers, sample);
    // Columns of IDs or of dates get that format as the column's, so their cells need none
    // of their own: looking a cell's format up costs more than writing the cell.
    let column_kinds: Vec<Option<Kind>> = (0..table.headers.len())
        .map(|col| column_kind(table.rows().take(1000).map(|row| Kind::of(&row[col]))))
        .collect();
    let last_col = table.headers.len().saturating_sub(1) as u16;
    let pages = table.len.div_ceil(MAX_ROWS).max(1);
    for page in 0..pages {
        let sheet = workbook.add_worksheet_with_constant_memory()?;
        sheet.set_name(page_name(name, page))?;
        header_row(sheet, &table.headers, &column_widths, &styles)?;
        for (col, kind) in column_kinds.iter().enumerate() {
            match kind {
                Some(Kind::Id) => sheet.set_column_format(col as u16, &styles.text)?,
                Some(Kind::Date) => sheet.set_column_format(col as u16, &styles.date)?,
                _ => sheet,
            };
        }
        let rows = page * MAX_ROWS..((page + 1) * MAX_ROWS).min(table.len);
        let count = rows.len() as u32;
        for (n, index) in rows.enumerate() {
            let r = n as u32 + 1;
            for (col, value) in table.row(index).iter().enumerate() {
                let c = col as u16;
                let column_has = |kind| column_kinds[col] == Some(kind);
                match value {
                    Value::Blank => {}
                    Value::Text(text) => {
                        sheet.write_string(r, c, clip(text).as_ref())?;
                    }
                    Value::Id(text) if column_has(Kind::Id) => {
                        sheet.write_string(r, c, clip(text).as_ref())?;
                    }
                    Value::Id(text) => {
                        sheet.write_string_with_format(r, c, clip(text).as_ref(), &styles.text)?;
                    }
                    // A bare number would take a date column's format and show as a date.
                    Value::Int(n) if column_has(Kind::Date) => {
                        sheet.write_number_with_format(r, c, *n as f64, &styles.whole)?;
                    }
                    Value::Int(n) => {
                        sheet.write_number(r, c, *n as f64)?;
                    }
                    Value::Date(date) if column_has(Kind::Date) => {
                        sheet.write_datetime(r, c, excel_date(*date)?)?;
                    }
                    Value::Date(date) => {
                        sheet.write_datetime_with_format(r, c, excel_date(*date)?, &styles.date)?;
                    }
                }
            }
        }
        sheet.autofilter(0, 0, count, last_col)?;
    }
    save(&mut workbook, path)
}

/// Saves a workbook into a new file. After a write fails (a full disk), rust_xlsxwriter's zip
/// writer tries again when dropped and prints its failure on stderr: here every write after
/// the first failure is swallowed, and that first one is reported.
fn save(workbook: &mut Workbook, path: &Path) -> Result<(), XlsxError> {
    let mut writer = FirstFailure {
        inner: std::io::BufWriter::new(crate::report::publish::create_new(path)?),
        failure: None,
    };
    let saved = workbook.save_to_writer(&mut writer);
    let flushed =
        std::io::Write::flush(&mut writer).and_then(|()| writer.inner.get_ref().sync_all());
    match writer.failure.take() {
        Some(failure) => Err(failure.into()),
        None => saved.and(flushed.map_err(XlsxError::from)),
    }
}

/// A writer that keeps its first failure and, after it, accepts and drops everything.
struct FirstFailure<W> {
    inner: W,
    failure: Option<std::io::Error>,
}

impl<W> FirstFailure<W> {
    fn guard<T>(
        &mut self,
        done: T,
        call: impl FnOnce(&mut W) -> std::io::Result<T>,
    ) -> std::io::Result<T> {
        if self.failure.is_some() {
            return Ok(done);
        }
        call(&mut self.inner).inspect_err(|e| {
            self.failure = Some(std::io::Error::new(e.kind(), e.to_string()));
        })
    }
}

impl<W: std::io::Write> std::io::Write for FirstFailure<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.guard(buf.len(), |w| w.write(buf))
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.guard((), |w| w.flush())
    }
}

impl<W: std::io::Seek> std::io::Seek for FirstFailure<W> {
    fn seek(&mut self, pos: std::io::SeekFrom) -> std::io::Result<u64> {
        self.guard(0, |w| w.seek(pos))
    }
}

/// The kinds of value that need a format of their own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Id,
    Date,
    Other,
}

impl Kind {
    fn of(value: &Value<'_>) -> Option<Kind> {
        match value {
            Value::Blank => None,
            Value::Id(_) => Some(Kind::Id),
            Value::Date(_) => Some(Kind::Date),
            Value::Text(_) | Value::Int(_) => Some(Kind::Other),
        }
    }
}

/// The kind every non-blank value of a column sample has, if they all have the same.
fn column_kind(sample: impl Iterator<Item = Option<Kind>>) -> Option<Kind> {
    let mut kinds = sample.flatten();
    let first = kinds.next()?;
    kinds.all(|k| k == first).then_some(first)
}

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
        let mut own = super::tables::own_columns(batch);
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
        let format = if text_columns.contains(&col) {
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

/// Writes `rejected.xlsx`: the rejected rows as submitted, marked where they are wrong, with
/// their source row, the template's drop-down lists, and a hidden Lists sheet they refer to.
pub fn write_rejected(
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

    let mut workbook = workbook(as_of)?;
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
                let (plain, text, date) = if marked {
                    (&styles.error, &styles.error_text, &styles.error_date)
                } else {
                    (&styles.plain, &styles.text, &styles.date)
                };
                match cell.kind {
                    CellKind::Empty if marked => {
                        sheet.write_blank(r, c, plain)?;
                    }
                    CellKind::Empty => {}
                    CellKind::Number if !as_text => match cell.text.parse::<f64>() {
                        Ok(number) => {
                            sheet.write_number_with_format(r, c, number, plain)?;
                        }
                        Err(_) => {
                            sheet.write_string_with_format(
                                r,
                                c,
                                clip(cell.text).as_ref(),
                                plain,
                            )?;
                        }
                    },
                    CellKind::Date if !as_text => match crate::model::parse_text_date(cell.text) {
                        Ok(day) => {
                            sheet.write_datetime_with_format(r, c, excel_date(day)?, date)?;
                        }
                        Err(_) => {
                            sheet.write_string_with_format(
                                r,
                                c,
                                clip(cell.text).as_ref(),
                                plain,
                            )?;
                        }
                    },
                    CellKind::Bool if !as_text => {
                        sheet.write_boolean_with_format(r, c, cell.text == "TRUE", plain)?;
                    }
                    _ if as_text => {
                        sheet.write_string_with_format(r, c, clip(cell.text).as_ref(), text)?;
                    }
                    _ => {
                        sheet.write_string_with_format(r, c, clip(cell.text).as_ref(), plain)?;
                    }
                }
                if let Some(messages) = marks.get(&col).filter(|_| with_notes) {
                    sheet.insert_note(r, c, &note(messages))?;
                }
            }
            sheet.write_number_with_format(
                r,
                source_col as u16,
                f64::from(raw.source_row),
                &styles.whole,
            )?;
            let errors_format = if row_errors.is_empty() {
                &styles.wrap
            } else {
                &styles.error_wrap
            };
            sheet.write_string_with_format(
                r,
                errors_col as u16,
                clip(&all.join("\n")).as_ref(),
                errors_format,
            )?;
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
