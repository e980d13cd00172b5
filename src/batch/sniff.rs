//! The format of a batch, decided from its first bytes whatever its extension says.

use super::workbook;

pub(crate) enum Sniffed {
    Workbook(workbook::Container),
    Text,
}

/// Decides the format from the file's first bytes, whatever its extension says.
pub(crate) fn sniff(head: &[u8]) -> Result<Sniffed, &'static str> {
    const OLE: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    if head.is_empty() {
        return Err("the file is empty");
    }
    if head.starts_with(b"PK\x03\x04") {
        return Ok(Sniffed::Workbook(workbook::Container::Zip));
    }
    if head.starts_with(OLE) {
        return Ok(Sniffed::Workbook(workbook::Container::Ole));
    }
    if head.starts_with(b"PK") {
        return Err("an empty or damaged zip archive, not a workbook");
    }
    if head.starts_with(b"%PDF") {
        return Err("a PDF document, not a spreadsheet");
    }
    if head.starts_with(&[0x1F, 0x8B]) {
        return Err("a gzip archive, not a spreadsheet");
    }
    // UTF-16 with a byte order mark: Excel's "Unicode Text" (SPEC 2.1).
    if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        return Ok(Sniffed::Text);
    }
    if head.contains(&0) {
        return Err(
            "a binary file that is not a supported workbook (.xlsx, .xlsm, .xlsb, .xls, .ods) or delimited text",
        );
    }
    // Text: UTF-8, or else read as Windows-1252 (W006).
    Ok(Sniffed::Text)
}
