//! Workbook reports (SPEC 4.2) with rust_xlsxwriter, in constant-memory mode so a million-row
//! report does not sit in memory: bold frozen header, autofilter, sized columns, IDs as text,
//! dates as dates. `rejected.xlsx` is the batch as submitted, ready to fix and upload again:
//! its own columns and values, then `Source Row` and `Errors`; every cell with an error is
//! filled and carries a note with its messages, every cell is top-aligned, and the coded
//! columns keep the template's drop-down lists.

use std::borrow::Cow;
use std::path::Path;

use chrono::{Datelike, NaiveDate};
use rust_xlsxwriter::{
    DocProperties, ExcelDateTime, Format, FormatAlign, FormatBorder, Workbook, Worksheet, XlsxError,
};

use super::tables::{Table, Value};

mod rejected;
pub use rejected::{ERRORS_HEADER, MAX_NOTED_ROWS, SOURCE_ROW_HEADER, write_rejected};

/// Excel's limits: data rows under the header on one sheet, columns, characters in a cell.
const MAX_ROWS: usize = 1_048_575;
const MAX_COLUMNS: usize = 16_384;
const MAX_CELL_CHARS: usize = 32_767;

/// Text cut to what an Excel cell holds (32,767 UTF-16 units), saying so, rather than
/// refusing the whole report.
pub(crate) fn clip(text: &str) -> Cow<'_, str> {
    const MARK: &str = " [cut at Excel's cell limit]";
    // A char takes at least as many UTF-8 bytes as UTF-16 units: a short text fits.
    if text.len() <= MAX_CELL_CHARS || text.encode_utf16().count() <= MAX_CELL_CHARS {
        return Cow::Borrowed(text);
    }
    // A char is at most two UTF-16 units: this many chars and the mark fit.
    let keep = (MAX_CELL_CHARS - MARK.len()) / 2;
    let cut = text
        .char_indices()
        .nth(keep)
        .map_or(text.len(), |(at, _)| at);
    Cow::Owned(format!("{}{MARK}", &text[..cut]))
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

/// A workbook whose creation time is the as-of date, so reruns are byte-identical, to be
/// saved as `path`. Its sheets' rows wait in unnamed temporary files (constant-memory mode)
/// beside it, in the run's staging directory: on the disk the reports go to, not in a
/// `/tmp` that may be small or in memory.
fn workbook(as_of: NaiveDate, path: &Path) -> Result<Workbook, XlsxError> {
    let mut workbook = Workbook::new();
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        workbook.set_tempdir(dir)?;
    }
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
        sheet.write_string_with_format(0, col as u16, clip(header).as_ref(), &styles.header)?;
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

/// Writes a report table (accepted, transfers, watch's review) as a workbook.
pub fn write_table(
    path: &Path,
    name: &str,
    table: &Table<'_>,
    as_of: NaiveDate,
) -> Result<(), XlsxError> {
    guarded(path, || table_workbook(path, name, table, as_of))
}

/// Runs the writing of the workbook `path`. rust_xlsxwriter panics when a write to a sheet's
/// temporary file fails (a full disk): that is this workbook's failure, in cpbatch's words
/// (the panic's message is a library's, never shown).
fn guarded(path: &Path, write: impl FnOnce() -> Result<(), XlsxError>) -> Result<(), XlsxError> {
    let dir = path.parent().unwrap_or(path);
    crate::panics::catching(dir, write).unwrap_or_else(|caught| {
        const ROOM: u64 = 1 << 20;
        let stopped = match caught.free_bytes {
            // The disk had no room left as the writer stopped.
            Some(free) if free < ROOM => std::io::Error::new(
                std::io::ErrorKind::StorageFull,
                "No space left on device (the workbook's rows could not be written)",
            ),
            _ => std::io::Error::other("the workbook writer stopped unexpectedly"),
        };
        Err(XlsxError::IoError(stopped))
    })
}

fn table_workbook(
    path: &Path,
    name: &str,
    table: &Table<'_>,
    as_of: NaiveDate,
) -> Result<(), XlsxError> {
    let styles = Styles::new();
    let mut workbook = workbook(as_of, path)?;
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

#[cfg(test)]
mod tests {
    use super::{MAX_CELL_CHARS, clip};
    use std::borrow::Cow;

    #[test]
    fn clip_keeps_what_a_cell_holds_and_cuts_the_rest_with_a_mark() {
        let fits = "A".repeat(MAX_CELL_CHARS);
        assert!(matches!(clip(&fits), Cow::Borrowed(_)));
        // Two UTF-16 units each: 16,383 of them fit, 20,000 do not.
        let wide_fits = "\u{1F600}".repeat(MAX_CELL_CHARS / 2);
        assert!(matches!(clip(&wide_fits), Cow::Borrowed(_)));
        for long in ["A".repeat(MAX_CELL_CHARS + 1), "\u{1F600}".repeat(20_000)] {
            let cut = clip(&long);
            assert!(
                cut.encode_utf16().count() <= MAX_CELL_CHARS,
                "{}",
                cut.len()
            );
            assert!(cut.ends_with(" [cut at Excel's cell limit]"));
        }
    }
}
