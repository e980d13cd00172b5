//! A cell's value as SPEC 2.2 reads it, from its type (`t`), its style (`s`: a date format
//! makes a number a date) and its `<v>` or `<is>`: the text kept for the reports and its
//! kind. Numbers, dates and booleans are written as calamine's values are
//! (`workbook::write_cell`), so both readers give the same text.

use calamine::{DataRef, ExcelDateTime, ExcelDateTimeType};

use super::sheet::Context;
use super::styles::NumberKind;
use super::xml;
use crate::batch::raw::CellKind;
use crate::batch::workbook::write_cell;

/// A cell's type, by its `t`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CellType {
    Number,
    Shared,
    Inline,
    Str,
    Bool,
    Error,
    Date,
    Unknown,
    /// A formula with no saved value (SPEC 2.2): blank, of kind `CellKind::Formula`.
    UncachedFormula,
}

/// A cell as written: where, its type and style, and which value elements it had (their
/// text is in the buffers).
pub struct RawXmlCell {
    /// Row (1-based) and column (0-based) of its reference.
    pub reference: Option<(u32, u64)>,
    pub kind: CellType,
    pub style: Option<usize>,
    /// The cell has a `t` (`t="n"` makes a number that must parse as one).
    pub typed: bool,
    pub has_value: bool,
    pub has_inline: bool,
    /// The cell has a formula (`<f>`).
    pub has_formula: bool,
}

/// A non-empty cell as parsed, to be typed: its type, style and where its text came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawValue {
    pub kind: CellType,
    pub typed: bool,
    /// Its text is an inline string (`<is>`), not a `<v>`.
    pub inline: bool,
    /// Its style (`s`), or `u32::MAX` for none.
    pub style: u32,
}

impl RawXmlCell {
    /// The value to keep, and the text it is read from; `None` for an empty cell: no value,
    /// or an empty one. A formula with no saved value is kept, as `UncachedFormula` with no
    /// text (SPEC 2.2: blank, and its S001 says so).
    pub fn value<'t>(&self, value: &'t str, inline: &'t str) -> Option<(RawValue, &'t str)> {
        let raw = RawValue {
            kind: self.kind,
            typed: self.typed,
            inline: self.has_inline,
            style: self
                .style
                .and_then(|s| u32::try_from(s).ok())
                .unwrap_or(u32::MAX),
        };
        if self.has_inline {
            return Some((raw, inline));
        }
        let empty = !self.has_value
            || match self.kind {
                CellType::Inline => true,
                CellType::Shared | CellType::Error | CellType::Bool => value.trim().is_empty(),
                CellType::Number => value.is_empty(),
                CellType::Str | CellType::Date | CellType::Unknown | CellType::UncachedFormula => {
                    false
                }
            };
        // A formula with no saved value, or an empty text one (what a program writes for a
        // formula it did not compute): blank, but its S001 says why (SPEC 2.2).
        let uncached =
            self.has_formula && (empty || self.kind == CellType::Str && value.is_empty());
        if uncached {
            let kind = CellType::UncachedFormula;
            return Some((RawValue { kind, ..raw }, ""));
        }
        (!empty).then_some((raw, value))
    }
}

/// Appends a cell's text to `out` and returns its kind; or what is wrong with its value.
pub fn type_cell(
    ctx: &Context<'_>,
    raw: RawValue,
    value: &str,
    out: &mut String,
) -> Result<CellKind, &'static str> {
    if raw.inline {
        out.push_str(value);
        return Ok(CellKind::Text);
    }
    let style = (raw.style != u32::MAX).then_some(raw.style as usize);
    let cell = match raw.kind {
        CellType::Inline => return Ok(CellKind::Empty),
        CellType::UncachedFormula => return Ok(CellKind::Formula),
        CellType::Shared => {
            if value.trim().is_empty() {
                return Ok(CellKind::Empty);
            }
            let text = value
                .trim()
                .parse::<usize>()
                .ok()
                .and_then(|i| ctx.strings.get(i))
                .ok_or("refers to a shared string that the workbook does not have")?;
            out.push_str(text);
            return Ok(CellKind::Text);
        }
        CellType::Str => {
            out.push_str(&xml::unescape_ooxml(value));
            return Ok(CellKind::Text);
        }
        CellType::Error => {
            // Any error value, known today or not (SPEC 4.4): an invalid value of its column.
            let error = value.trim();
            if error.is_empty() {
                return Ok(CellKind::Empty);
            }
            out.push_str(error);
            return Ok(CellKind::Error);
        }
        CellType::Bool => match value.trim() {
            "" => return Ok(CellKind::Empty),
            "0" => DataRef::Bool(false),
            "1" => DataRef::Bool(true),
            v if v.eq_ignore_ascii_case("false") => DataRef::Bool(false),
            v if v.eq_ignore_ascii_case("true") => DataRef::Bool(true),
            _ => return Err("is a TRUE/FALSE cell that holds neither"),
        },
        CellType::Date => DataRef::DateTimeIso(value.to_string()),
        CellType::Number => {
            if value.is_empty() {
                return Ok(CellKind::Empty);
            }
            match value.parse::<f64>() {
                Ok(n) => match ctx.styles.kind(style) {
                    NumberKind::Plain => DataRef::Float(n),
                    NumberKind::Date => DataRef::DateTime(ExcelDateTime::new(
                        n,
                        ExcelDateTimeType::DateTime,
                        ctx.is_1904,
                    )),
                    NumberKind::Duration => DataRef::DateTime(ExcelDateTime::new(
                        n,
                        ExcelDateTimeType::TimeDelta,
                        ctx.is_1904,
                    )),
                },
                // A value with no type that is no number is text (as calamine reads it).
                Err(_) if !raw.typed => {
                    out.push_str(value);
                    return Ok(CellKind::Text);
                }
                Err(_) => return Err("is a number cell that holds no number"),
            }
        }
        CellType::Unknown => return Err("has a type that no workbook uses"),
    };
    Ok(write_cell(&cell, out))
}
