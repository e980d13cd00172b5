//! Sheet XML into rows: each `<row>` with its number (its `r`, the row of its first cell's
//! reference, or the row after the last), each `<c>` with its column (its reference, or the
//! column after the last) and its value typed as SPEC 2.2 reads it. Rows come out in XML
//! order, each whole: a row's cells are checked for a repeated reference or a cell of
//! another row, and the caller checks the order of the rows (`super::order`).
//!
//! The parser works on any `BufRead`, a slice of the sheet's XML as well as the inflating
//! part, so that a later reader can cut the part at row boundaries and parse the pieces on
//! several threads ([`rows_of_xml`]).

use quick_xml::events::{BytesStart, Event};

use super::damage::{Damage, XmlProblem};
use super::shared::SharedStrings;
use super::styles::Styles;
use super::value::{self, CellType, RawValue, RawXmlCell};
use super::xml::{self, Source};
use crate::batch::RowCells;
use crate::batch::limits::{MAX_COLUMNS, MAX_ROWS};
use crate::batch::raw::CellKind;

/// What cells are read with: the shared strings, the styles, the date system.
pub struct Context<'a> {
    pub strings: &'a SharedStrings,
    pub styles: &'a Styles,
    pub is_1904: bool,
}

/// Rows as parsed, in XML order: the text of every cell in one buffer.
#[derive(Debug, Default)]
pub struct ParsedRows {
    text: String,
    /// Column (0-based), value to type, start and end of its text.
    cells: Vec<(u32, RawValue, u32, u32)>,
    /// Row number (1-based) and the end of its cells.
    rows: Vec<(u32, u32)>,
}

impl ParsedRows {
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The spreadsheet row number of row `i`.
    pub fn number(&self, i: usize) -> u32 {
        self.rows[i].0
    }

    /// The cells of row `i`, by column: (0-based column, value to type, its text).
    fn raw_cells(&self, i: usize) -> impl Iterator<Item = (u32, RawValue, &str)> {
        let start = i.checked_sub(1).map_or(0, |before| self.rows[before].1) as usize;
        let end = self.rows[i].1 as usize;
        self.cells[start..end]
            .iter()
            .map(|&(col, value, from, to)| {
                // Offsets are those of whole texts pushed as &str.
                (
                    col,
                    value,
                    self.text
                        .get(from as usize..to as usize)
                        .unwrap_or_default(),
                )
            })
    }

    /// The columns (0-based) of the non-empty cells of row `i`, in order.
    pub fn columns(&self, i: usize) -> impl Iterator<Item = u32> + '_ {
        self.raw_cells(i).map(|(col, ..)| col)
    }

    /// Types the cells of row `i` (SPEC 2.2) into `cells`. Typing is apart from the parse so
    /// that it runs on another thread than the XML parse, which sets the pace.
    pub(crate) fn type_row(
        &self,
        i: usize,
        ctx: &Context<'_>,
        cells: &mut RowCells,
    ) -> Result<(), Damage> {
        cells.clear();
        let row = self.number(i);
        for (col, value, text) in self.raw_cells(i) {
            cells
                .try_push_with(col as usize, |out| value::type_cell(ctx, value, text, out))
                .map_err(|what| Damage::BadValue { row, col, what })?;
        }
        Ok(())
    }

    /// The typed cells of row `i`: (0-based column, kind, text).
    pub fn typed(
        &self,
        i: usize,
        ctx: &Context<'_>,
    ) -> Result<Vec<(usize, CellKind, String)>, Damage> {
        let mut cells = RowCells::default();
        self.type_row(i, ctx, &mut cells)?;
        Ok(cells
            .iter()
            .map(|(col, cell)| (col, cell.kind, cell.text.to_string()))
            .collect())
    }

    /// The bytes of text held, to cut batches of rows by size.
    pub fn text_len(&self) -> usize {
        self.text.len()
    }
}

/// Where the parse of a sheet stands between rows.
#[derive(Debug, Default)]
pub struct RowState {
    /// The number of the last row element read.
    last: Option<u32>,
    /// A piece parsed apart from the rows before it: while `last` is `None`, it is unknown.
    unknown_before: bool,
    /// A row's number was taken from the unknown rows before (`unknown_before`).
    pub(super) depends: bool,
    /// The name of the end tag that closed the cell table, once met.
    pub(super) end: Option<String>,
}

impl RowState {
    /// The state at the start of a piece: the part's first (`head`), or one after rows
    /// parsed apart.
    pub(super) fn of_piece(head: bool) -> RowState {
        RowState {
            unknown_before: !head,
            ..RowState::default()
        }
    }

    /// The number of a row element with no number of its own: the row after the last.
    fn following(&mut self) -> u64 {
        if self.last.is_none() && self.unknown_before {
            self.depends = true;
        }
        self.last.map_or(1, |n| u64::from(n) + 1)
    }
}

/// The buffers a parse reuses: one per level of elements, so that an element's start is
/// read in place while what is inside it is read (no copy of it per cell).
#[derive(Default)]
struct Buffers {
    row: Vec<u8>,
    event: Vec<u8>,
    cell: CellBuffers,
}

/// The buffers of one cell's parse.
#[derive(Default)]
struct CellBuffers {
    event: Vec<u8>,
    inner: Vec<u8>,
    value: String,
    inline: String,
    scratch: String,
}

/// Reads to the start of the cell table, `<sheetData>`: the name of its tag.
pub fn find_sheet_data<'i>(xml: &mut impl Source<'i>) -> Result<String, Damage> {
    let mut buf = Vec::new();
    loop {
        match xml::next(xml, &mut buf)? {
            Event::Start(e) if xml::local(e.name()) == b"sheetData" => {
                return Ok(String::from_utf8_lossy(e.name().as_ref()).into_owned());
            }
            Event::Eof => return Err(Damage::NoSheetData),
            _ => {}
        }
    }
}

/// Parses row elements into `out` until it holds `max_rows` rows or `max_text` bytes of text
/// (true: there is more), or the cell table ends (false). A `piece` of XML (a run of
/// `<row>` elements) may end anywhere between rows; a whole part only with `</sheetData>`.
/// On damage, `out` holds the whole rows before it.
pub fn parse_rows<'i>(
    xml: &mut impl Source<'i>,
    state: &mut RowState,
    out: &mut ParsedRows,
    max_rows: usize,
    max_text: usize,
    piece: bool,
) -> Result<bool, Damage> {
    let mut bufs = Buffers::default();
    while out.len() < max_rows && out.text.len() < max_text {
        match xml::next(xml, &mut bufs.row)? {
            Event::Start(e) if xml::local(e.name()) == b"row" => {
                parse_row(xml, &e, state, out, &mut bufs.event, &mut bufs.cell)?;
            }
            Event::Start(e) => xml::skip(xml, &e, &mut bufs.event)?,
            // The end of `sheetData` (in a whole part the reader checks that it is; in a
            // piece, the caller does, by its name).
            Event::End(e) => {
                state.end = Some(String::from_utf8_lossy(e.name().as_ref()).into_owned());
                return Ok(false);
            }
            // The end of a piece of rows; in a whole part, rows lost.
            Event::Eof if piece => return Ok(false),
            Event::Eof => return Err(Damage::Xml(XmlProblem::Truncated)),
            _ => {}
        }
    }
    Ok(true)
}

/// Every row of a piece of sheet XML (the whole part, or a run of `<row>` elements).
pub fn rows_of_xml(bytes: &[u8]) -> Result<ParsedRows, Damage> {
    let mut xml = xml::reader(bytes);
    let whole = memchr::memmem::find(bytes, b"sheetData").is_some();
    if whole {
        find_sheet_data(&mut xml)?;
    }
    let mut out = ParsedRows::default();
    let mut state = RowState::default();
    parse_rows(
        &mut xml,
        &mut state,
        &mut out,
        usize::MAX,
        usize::MAX,
        !whole,
    )?;
    Ok(out)
}

fn parse_row<'i>(
    xml: &mut impl Source<'i>,
    start: &BytesStart<'_>,
    state: &mut RowState,
    out: &mut ParsedRows,
    event: &mut Vec<u8>,
    bufs: &mut CellBuffers,
) -> Result<(), Damage> {
    let declared = match xml::attribute(start, b"r")? {
        Some(r) => Some(
            r.trim()
                .parse::<u64>()
                .ok()
                .filter(|&n| n >= 1)
                .ok_or(Damage::BadRowNumber { after: state.last })?,
        ),
        None => None,
    };
    let mut number: Option<u32> = declared.map(checked_row).transpose()?;
    let (cells_from, text_from) = (out.cells.len(), out.text.len());
    let mut next_col: u64 = 0;
    loop {
        let raw = match xml::next(xml, event)? {
            Event::Start(e) if xml::local(e.name()) == b"c" => read_cell(xml, &e, bufs),
            Event::Start(e) => {
                xml::skip(xml, &e, &mut bufs.event)?;
                continue;
            }
            Event::End(_) => break,
            Event::Eof => return Err(Damage::Xml(XmlProblem::Truncated)),
            _ => continue,
        };
        let raw = raw.map_err(|damage| match damage {
            Damage::BadReference { .. } => Damage::BadReference {
                row: number.unwrap_or(state.following().min(u64::from(MAX_ROWS)) as u32),
            },
            damage => damage,
        })?;
        // The row's number is fixed by its first cell when the row element has none.
        let (row, col) = match raw.reference {
            Some((cell_row, col)) => {
                let row = *number.get_or_insert(cell_row);
                if cell_row != row {
                    return Err(Damage::CellOutsideRow { row, cell_row });
                }
                (row, col)
            }
            None => match number {
                Some(row) => (row, next_col),
                None => (*number.insert(checked_row(state.following())?), next_col),
            },
        };
        if col >= u64::from(MAX_COLUMNS) {
            return Err(Damage::ColumnBeyond { row, col });
        }
        next_col = col + 1;
        let col = col as u32;
        let Some((value, text)) = raw.value(&bufs.value, &bufs.inline) else {
            continue;
        };
        let text_start = out.text.len();
        out.text.push_str(text);
        if out.cells.len() - cells_from >= MAX_COLUMNS as usize {
            return Err(Damage::TooManyCells { row });
        }
        let offset = |n: usize| u32::try_from(n).map_err(|_| Damage::TooLarge);
        out.cells
            .push((col, value, offset(text_start)?, offset(out.text.len())?));
    }
    let row = match number {
        Some(row) => row,
        None => checked_row(state.following())?,
    };
    state.last = Some(row);
    if out.cells.len() == cells_from {
        out.text.truncate(text_from);
        return Ok(());
    }
    let cells = &mut out.cells[cells_from..];
    if !cells.windows(2).all(|pair| pair[0].0 < pair[1].0) {
        cells.sort_by_key(|cell| cell.0);
        if let Some(pair) = cells.windows(2).find(|pair| pair[0].0 == pair[1].0) {
            return Err(Damage::RepeatedCell {
                row,
                col: pair[0].0,
            });
        }
    }
    out.rows.push((row, out.cells.len() as u32));
    Ok(())
}

/// A 1-based row number within Excel's grid.
fn checked_row(row: u64) -> Result<u32, Damage> {
    if row > u64::from(MAX_ROWS) {
        return Err(Damage::RowBeyond(row));
    }
    Ok(row as u32)
}

fn read_cell<'i>(
    xml: &mut impl Source<'i>,
    cell: &BytesStart<'_>,
    bufs: &mut CellBuffers,
) -> Result<RawXmlCell, Damage> {
    let mut raw = RawXmlCell {
        reference: None,
        kind: CellType::Number,
        style: None,
        typed: false,
        has_value: false,
        has_inline: false,
        has_formula: false,
    };
    for attr in cell.attributes().with_checks(false) {
        let attr = attr.map_err(|_| Damage::Xml(XmlProblem::Attribute))?;
        let value: &[u8] = &attr.value;
        match xml::local(attr.key) {
            b"r" => raw.reference = Some(parse_reference(value)?),
            b"s" => {
                raw.style = std::str::from_utf8(value)
                    .ok()
                    .and_then(|v| v.trim().parse().ok())
            }
            b"t" => {
                raw.typed = true;
                raw.kind = match value {
                    b"n" => CellType::Number,
                    b"s" => CellType::Shared,
                    b"inlineStr" | b"is" => CellType::Inline,
                    b"str" => CellType::Str,
                    b"b" => CellType::Bool,
                    b"e" => CellType::Error,
                    b"d" => CellType::Date,
                    _ => CellType::Unknown,
                }
            }
            _ => {}
        }
    }
    bufs.value.clear();
    bufs.inline.clear();
    loop {
        match xml::next(xml, &mut bufs.event)? {
            Event::Start(e) => match xml::local(e.name()) {
                b"v" => {
                    bufs.value.clear();
                    xml::read_text(xml, &mut bufs.inner, &mut bufs.value, usize::MAX)?;
                    raw.has_value = true;
                }
                b"is" => {
                    bufs.inline.clear();
                    xml::read_rich(
                        xml,
                        &mut bufs.inner,
                        &mut bufs.scratch,
                        &mut bufs.inline,
                        usize::MAX,
                    )?;
                    raw.has_inline = true;
                }
                // A formula, or anything else: its cached value is in `<v>`.
                name => {
                    raw.has_formula |= name == b"f";
                    xml::skip(xml, &e, &mut bufs.inner)?;
                }
            },
            Event::End(_) => return Ok(raw),
            Event::Eof => return Err(Damage::Xml(XmlProblem::Truncated)),
            _ => {}
        }
    }
}

/// A reference such as `B4`: its row (1-based) and column (0-based). Columns beyond XFD are
/// kept (as far as a u64 goes) for the caller to refuse with the row.
fn parse_reference(reference: &[u8]) -> Result<(u32, u64), Damage> {
    let bytes = match reference {
        // As written by every producer: no spaces to trim.
        bytes @ [first, .., last]
            if first.is_ascii_alphanumeric() && last.is_ascii_alphanumeric() =>
        {
            bytes
        }
        _ => std::str::from_utf8(reference)
            .map_err(|_| Damage::BadReference { row: 0 })?
            .trim()
            .as_bytes(),
    };
    let letters = bytes.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    let (name, digits) = bytes.split_at(letters);
    let bad = Damage::BadReference { row: 0 };
    if name.is_empty() || digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(bad);
    }
    let col = name.iter().fold(0u64, |col, b| {
        col.saturating_mul(26)
            .saturating_add(u64::from(b.to_ascii_uppercase() - b'A') + 1)
    });
    let row = digits.iter().fold(0u64, |row, b| {
        row.saturating_mul(10).saturating_add(u64::from(b - b'0'))
    });
    if row == 0 {
        return Err(bad);
    }
    Ok((checked_row(row)?, col - 1))
}
