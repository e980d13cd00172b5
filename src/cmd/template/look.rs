//! How the template's Batch sheet looks, as far as `--check` compares it (SPEC 5.1): the
//! number format of each column (Member ID and ZIP as text, the dates as dates: lose the text
//! format and Excel drops a Member ID's leading zeros), the frozen header row, and its bold
//! cells. Widths are not compared: Excel rewrites them. Formats are compared by their codes,
//! so a workbook saved again by another program (which renumbers its styles) still matches.

use std::collections::BTreeMap;
use std::io::{Read, Seek};

use zip::ZipArchive;

use super::package::{self, XmlEvent, attribute, column_of};

/// The look of a sheet: what a cell format gives each column and the header cells.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Look {
    /// The number format code of each column (0-based) that has a format of its own.
    pub column_formats: BTreeMap<u32, String>,
    /// The header cells (row 1, 0-based column) that are bold.
    pub bold_header: Vec<u32>,
    /// True when the first row is frozen.
    pub frozen_header: bool,
}

/// A cell format: its number format code, and whether its font is bold.
#[derive(Debug, Clone, Default)]
struct CellFormat {
    code: String,
    bold: bool,
}

impl Look {
    /// The look of the sheet in `part`, with the cell formats of the workbook's styles.
    pub fn read<R: Read + Seek>(zip: &mut ZipArchive<R>, part: &str) -> Result<Look, String> {
        let formats = match package::workbook_part(zip, "styles")? {
            Some(styles) => cell_formats(zip, &styles)?,
            None => Vec::new(),
        };
        let format = |style: Option<String>| -> Option<&CellFormat> {
            formats.get(style?.trim().parse::<usize>().ok()?)
        };
        let mut look = Look::default();
        package::walk(zip, part, |event| {
            let (XmlEvent::Open(element) | XmlEvent::Empty(element)) = event else {
                return Ok(());
            };
            match element.local_name().as_ref() {
                b"pane" => {
                    let frozen = attribute(element, "state")?
                        .is_some_and(|s| s == "frozen" || s == "frozenSplit");
                    let rows = attribute(element, "ySplit")?;
                    look.frozen_header |= frozen && rows.as_deref().map(str::trim) == Some("1");
                }
                b"col" => {
                    let Some(cell) = format(attribute(element, "style")?) else {
                        return Ok(());
                    };
                    let bound = |value: Option<String>| value?.trim().parse::<u32>().ok();
                    let min = bound(attribute(element, "min")?).unwrap_or(1).max(1);
                    // A column range no sheet has (the whole sheet is 16,384 columns).
                    let max = bound(attribute(element, "max")?).unwrap_or(min).min(16_384);
                    for col in min..=max {
                        look.column_formats.insert(col - 1, cell.code.clone());
                    }
                }
                b"c" => {
                    let reference = attribute(element, "r")?.unwrap_or_default();
                    if let Some(col) = header_column(&reference)
                        && format(attribute(element, "s")?).is_some_and(|f| f.bold)
                    {
                        look.bold_header.push(col);
                    }
                }
                _ => {}
            }
            Ok(())
        })?;
        look.bold_header.sort_unstable();
        look.bold_header.dedup();
        Ok(look)
    }
}

/// The 0-based column of a cell reference in row 1 (`C1`), or `None`.
fn header_column(reference: &str) -> Option<u32> {
    let row = reference.trim_start_matches(|c: char| c.is_ascii_alphabetic());
    (row == "1").then(|| column_of(reference)).flatten()
}

/// Every cell format (`cellXfs/xf`) of a styles part, by index.
fn cell_formats<R: Read + Seek>(
    zip: &mut ZipArchive<R>,
    part: &str,
) -> Result<Vec<CellFormat>, String> {
    let mut custom: BTreeMap<u32, String> = BTreeMap::new();
    let mut bold_fonts: Vec<bool> = Vec::new();
    let mut xfs: Vec<(u32, usize)> = Vec::new();
    let (mut in_fonts, mut in_xfs) = (false, false);
    package::walk(zip, part, |event| {
        let number = |value: Option<String>| value.and_then(|v| v.trim().parse::<u32>().ok());
        match event {
            XmlEvent::Open(element) | XmlEvent::Empty(element) => {
                let opens = matches!(event, XmlEvent::Open(_));
                match element.local_name().as_ref() {
                    b"numFmt" => {
                        if let (Some(id), Some(code)) = (
                            number(attribute(element, "numFmtId")?),
                            attribute(element, "formatCode")?,
                        ) {
                            custom.insert(id, code);
                        }
                    }
                    b"fonts" => in_fonts = opens,
                    b"font" if in_fonts => bold_fonts.push(false),
                    b"b" if in_fonts => {
                        let on = attribute(element, "val")?
                            .is_none_or(|v| !matches!(v.trim(), "0" | "false"));
                        if let Some(bold) = bold_fonts.last_mut() {
                            *bold = on;
                        }
                    }
                    b"cellXfs" => in_xfs = opens,
                    b"xf" if in_xfs => xfs.push((
                        number(attribute(element, "numFmtId")?).unwrap_or(0),
                        number(attribute(element, "fontId")?).unwrap_or(0) as usize,
                    )),
                    _ => {}
                }
            }
            XmlEvent::Close(b"fonts") => in_fonts = false,
            XmlEvent::Close(b"cellXfs") => in_xfs = false,
            _ => {}
        }
        Ok(())
    })?;
    Ok(xfs
        .into_iter()
        .map(|(id, font)| CellFormat {
            code: custom.get(&id).cloned().unwrap_or_else(|| builtin_code(id)),
            bold: bold_fonts.get(font).copied().unwrap_or(false),
        })
        .collect())
}

/// The code of a built-in number format (ECMA-376 18.8.30), as Excel shows it.
fn builtin_code(id: u32) -> String {
    let code = match id {
        0 => "General",
        1 => "0",
        2 => "0.00",
        3 => "#,##0",
        4 => "#,##0.00",
        9 => "0%",
        10 => "0.00%",
        11 => "0.00E+00",
        12 => "# ?/?",
        13 => "# ??/??",
        14 => "mm-dd-yy",
        15 => "d-mmm-yy",
        16 => "d-mmm",
        17 => "mmm-yy",
        18 => "h:mm AM/PM",
        19 => "h:mm:ss AM/PM",
        20 => "h:mm",
        21 => "h:mm:ss",
        22 => "m/d/yy h:mm",
        37 => "#,##0 ;(#,##0)",
        38 => "#,##0 ;[Red](#,##0)",
        39 => "#,##0.00;(#,##0.00)",
        40 => "#,##0.00;[Red](#,##0.00)",
        45 => "mm:ss",
        46 => "[h]:mm:ss",
        47 => "mmss.0",
        48 => "##0.0E+0",
        49 => "@",
        other => return format!("built-in format {other}"),
    };
    code.to_string()
}

/// The differences in look between the current template's Batch sheet and FILE's, with the
/// Batch headers of the current template to name the columns.
pub fn differences(want: &Look, have: &Look, headers: &[String], out: &mut Vec<String>) {
    let name = |col: u32| {
        let letter = rust_xlsxwriter::column_number_to_name(col as u16);
        match headers.get(col as usize) {
            Some(header) => format!("column {letter} ({header})"),
            None => format!("column {letter}"),
        }
    };
    // In Excel's words (Format Cells → Number).
    let shown = |code: Option<&String>| match code.map(String::as_str) {
        None | Some("General") => "the General format".to_string(),
        Some("@") => "the Text format (@)".to_string(),
        Some(code) => format!("the format {code:?}"),
    };
    let columns: std::collections::BTreeSet<u32> = want
        .column_formats
        .keys()
        .chain(have.column_formats.keys())
        .copied()
        .collect();
    for col in columns {
        let (w, h) = (want.column_formats.get(&col), have.column_formats.get(&col));
        let general = |c: Option<&String>| c.is_none_or(|c| c == "General");
        if w != h && !(general(w) && general(h)) {
            out.push(format!(
                "Batch {} has {}, not {}",
                name(col),
                shown(h),
                shown(w)
            ));
        }
    }
    if want.frozen_header && !have.frozen_header {
        out.push("the Batch header row is not frozen".into());
    }
    let not_bold: Vec<String> = want
        .bold_header
        .iter()
        .filter(|col| !have.bold_header.contains(col))
        .map(|col| name(*col))
        .collect();
    if not_bold.len() == want.bold_header.len() && !not_bold.is_empty() {
        out.push("the Batch header row is not bold".into());
    } else if !not_bold.is_empty() {
        out.push(format!("Batch header not bold in {}", not_bold.join(", ")));
    }
}

#[cfg(test)]
mod tests {
    use super::header_column;

    #[test]
    fn header_cells_are_those_of_row_1() {
        assert_eq!(header_column("A1"), Some(0));
        assert_eq!(header_column("R1"), Some(17));
        assert_eq!(header_column("AA1"), Some(26));
        assert_eq!(header_column("A11"), None);
        assert_eq!(header_column("A2"), None);
        assert_eq!(header_column("1"), None);
        assert_eq!(header_column("A"), None);
        assert_eq!(header_column("A01"), None);
    }
}
