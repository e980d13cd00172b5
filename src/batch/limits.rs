//! Bounds on what a workbook may make cpbatch read, so that a hostile or damaged file is
//! refused (F001) instead of exhausting memory.
//!
//! A workbook is a zip archive of XML parts, and a reader inflates a part as it parses it: a
//! few megabytes of deflated repetition (a "zip bomb") would become gigabytes of rows, or one
//! cell gigabytes long, all held in memory. The archive's directory says how large each part
//! is once inflated, and the zip reader refuses to inflate a part past that size, so checking
//! the directory before any part is read bounds every part, at no cost to real files. Every
//! part counts (SPEC 4.4): each alone, all together, and the shared strings against the
//! sheets that can use them, by their inflated size here and by what they take in memory as
//! they are read (`shared_strings_budget`).

use std::path::Path;

/// Excel's last row: a sheet cannot have more (SPEC 6: a full sheet is 1,048,575 data rows).
pub const MAX_ROWS: u32 = 1_048_576;
/// Excel's last column (XFD): a sheet cannot be wider.
pub const MAX_COLUMNS: u32 = 16_384;

/// The most a part may inflate to. A full 1,048,575-row batch written with inline strings
/// is about 0.9 GB of sheet XML.
pub const MAX_PART_BYTES: u64 = 2 << 30;
/// How many times its deflated size a large part may inflate to. Real sheets compress about
/// 10 times (13 for a sheet of identical rows); repeated bytes compress up to 1,032 times.
pub const MAX_RATIO: u64 = 100;
/// Parts up to this size are never refused for their ratio: inflated, they are harmless.
pub const RATIO_FROM_BYTES: u64 = 64 << 20;

/// The most all the parts of a workbook may inflate to together. A full sheet with shared
/// strings is about 1.2 GB of XML in all, one with inline strings about 0.9 GB.
pub const MAX_TOTAL_BYTES: u64 = 3 << 30;
/// Shared strings up to this size in memory are never refused: they are harmless.
pub const SHARED_FROM_BYTES: u64 = 64 << 20;
/// How many times the XML of the workbook's sheets its shared strings may take in memory.
/// A cell that uses a shared string takes at least about 20 bytes of sheet XML
/// (`<c t="s"><v>7</v></c>`); a full 1,048,575 × 18 sheet of distinct strings holds about
/// 0.5 GB of strings for 0.8 GB of sheet XML. Four times leaves room for long texts.
pub const SHARED_PER_SHEET_BYTE: u64 = 4;
/// The same bound on the shared strings part's inflated size, checked before it is read:
/// XML takes more than its strings (tags, rich-text formatting), so it is looser.
pub const SHARED_XML_PER_SHEET_BYTE: u64 = 16;

/// Checks the declared size of every part of a zip workbook, alone and together; the reason
/// when one is too large.
pub fn check_zip(path: &Path) -> Result<(), String> {
    let file = std::fs::File::open(path).map_err(|e| crate::sys::io_reason(&e))?;
    // An archive the zip reader cannot list is left to the reader, which says what is wrong.
    let Ok(mut archive) = zip::ZipArchive::new(std::io::BufReader::new(file)) else {
        return Ok(());
    };
    let mut parts = Vec::with_capacity(archive.len());
    for index in 0..archive.len() {
        let Ok(part) = archive.by_index_raw(index) else {
            continue;
        };
        let name = part.name().map(|n| n.into_owned()).unwrap_or_default();
        parts.push((name, part.size(), part.compressed_size()));
    }
    check_parts(&parts)
}

/// Judges the parts of an archive by their inflated and deflated sizes: each alone, all
/// together, and the shared strings against the sheets that use them.
fn check_parts(parts: &[(String, u64, u64)]) -> Result<(), String> {
    for (name, size, compressed) in parts {
        check_part(name, *size, *compressed)?;
    }
    let total = parts.iter().map(|p| p.1).fold(0u64, u64::saturating_add);
    if total > MAX_TOTAL_BYTES {
        return Err(format!(
            "its parts would inflate to {} in all, more than the {} a batch can need (a full 1,048,575-row workbook is about 1.2 GB); it is not read",
            bytes(total),
            bytes(MAX_TOTAL_BYTES)
        ));
    }
    let sheets = parts
        .iter()
        .filter(|p| is_sheet(&p.0))
        .map(|p| p.1)
        .fold(0u64, u64::saturating_add);
    let shared = parts
        .iter()
        .filter(|p| is_shared_strings(&p.0))
        .map(|p| p.1)
        .fold(0u64, u64::saturating_add);
    let allowed = SHARED_FROM_BYTES.max(sheets.saturating_mul(SHARED_XML_PER_SHEET_BYTE));
    if shared > allowed {
        return Err(format!(
            "its shared strings would inflate to {}, more than its sheets ({} of XML) could ever use; this is a zip bomb or a damaged file, and it is not read",
            bytes(shared),
            bytes(sheets)
        ));
    }
    Ok(())
}

/// A worksheet part (`xl/worksheets/sheet1.xml`, or `.bin` in an `.xlsb`).
fn is_sheet(name: &str) -> bool {
    name.to_ascii_lowercase()
        .replace('\\', "/")
        .contains("worksheets/")
}

/// A shared strings part (`xl/sharedStrings.xml`, or `.bin`).
fn is_shared_strings(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name.ends_with("sharedstrings.xml") || name.ends_with("sharedstrings.bin")
}

/// The declared inflated size of the worksheet parts of an archive, together.
pub fn sheet_bytes<R: std::io::Read + std::io::Seek>(archive: &mut zip::ZipArchive<R>) -> u64 {
    (0..archive.len())
        .filter_map(|i| {
            archive
                .by_index_raw(i)
                .ok()
                .map(|p| (p.name().map(|n| is_sheet(&n)).unwrap_or(false), p.size()))
        })
        .filter(|(sheet, _)| *sheet)
        .map(|(_, size)| size)
        .fold(0u64, u64::saturating_add)
}

/// What the shared strings of a workbook whose sheets are `sheets` bytes of XML may take in
/// memory: its text and an offset per string.
pub fn shared_strings_budget(sheets: u64) -> u64 {
    SHARED_FROM_BYTES
        .max(sheets.saturating_mul(SHARED_PER_SHEET_BYTE))
        .min(MAX_PART_BYTES)
}

/// The refusal of shared strings that went past their budget.
pub fn shared_strings_refusal(budget: u64, sheets: u64) -> String {
    format!(
        "its shared strings would take more than {} in memory, more than its sheets ({} of XML) could ever use; this is a zip bomb or a damaged file, and it is not read",
        bytes(budget),
        bytes(sheets)
    )
}

/// Judges one part by its inflated and deflated sizes.
fn check_part(name: &str, size: u64, compressed: u64) -> Result<(), String> {
    if size > MAX_PART_BYTES {
        return Err(format!(
            "its part {name} would inflate to {}, more than the {} a batch can need (a full 1,048,575-row sheet is about 1 GB); it is not read",
            bytes(size),
            bytes(MAX_PART_BYTES)
        ));
    }
    if size > RATIO_FROM_BYTES && size / compressed.max(1) > MAX_RATIO {
        return Err(format!(
            "its part {name} would inflate from {} to {}, {} times its size; real workbooks compress about 10 times, so this is a zip bomb or a damaged file, and it is not read",
            bytes(compressed),
            bytes(size),
            size / compressed.max(1)
        ));
    }
    Ok(())
}

/// A count for a message, as Excel shows it: `16,384`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A byte count for a message: `1.5 GiB`, `12.0 MiB`, `3.2 KiB`.
fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["bytes", "KiB", "MiB", "GiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} bytes")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_batch_sheet_passes() {
        // The benchmark's 1,048,575-row sheet: 922 MB deflated to 89 MB.
        assert!(check_part("xl/worksheets/sheet2.xml", 921_880_429, 89_053_573).is_ok());
        // Small parts may compress any amount.
        assert!(check_part("xl/styles.xml", RATIO_FROM_BYTES, 1).is_ok());
    }

    #[test]
    fn a_part_beyond_the_size_limit_is_refused_whatever_its_ratio() {
        let reason = check_part("xl/worksheets/sheet1.xml", 3 << 30, 1 << 30).unwrap_err();
        assert!(
            reason.contains(
                "xl/worksheets/sheet1.xml would inflate to 3.0 GiB, more than the 2.0 GiB"
            ),
            "{reason}"
        );
    }

    fn part(name: &str, size: u64) -> (String, u64, u64) {
        (name.to_string(), size, size / 10)
    }

    #[test]
    fn a_full_sheet_of_shared_strings_passes() {
        // 1,048,575 rows × 18 distinct strings: about 0.8 GB of sheet, 0.6 GB of strings.
        let parts = [
            part("xl/worksheets/sheet1.xml", 820 << 20),
            part("xl/sharedStrings.xml", 600 << 20),
            part("xl/styles.xml", 4 << 10),
        ];
        assert!(check_parts(&parts).is_ok());
        assert!(shared_strings_budget(820 << 20) >= 600 << 20);
        // A small sheet may have up to 64 MiB of strings (an instructions sheet, notes).
        assert!(
            check_parts(&[
                part("xl/worksheets/sheet1.xml", 10 << 10),
                part("xl/sharedStrings.xml", 60 << 20)
            ])
            .is_ok()
        );
    }

    #[test]
    fn shared_strings_beyond_what_the_sheets_can_use_are_refused() {
        // The reported bomb: 1.86 GiB of strings at a ratio of 39, for a 300-row sheet.
        let parts = [
            part("xl/worksheets/sheet1.xml", 120 << 10),
            (
                "xl/sharedStrings.xml".to_string(),
                1_997_159_219,
                51_209_211,
            ),
        ];
        let reason = check_parts(&parts).unwrap_err();
        assert!(reason.contains("its shared strings would inflate to 1.9 GiB, more than its sheets (120.0 KiB of XML) could ever use"), "{reason}");
        assert_eq!(shared_strings_budget(120 << 10), SHARED_FROM_BYTES);
        assert_eq!(shared_strings_budget(1 << 40), MAX_PART_BYTES);
    }

    #[test]
    fn parts_beyond_the_total_are_refused_together() {
        let parts = [
            part("xl/worksheets/sheet1.xml", 1100 << 20),
            part("xl/worksheets/sheet2.xml", 1100 << 20),
            part("xl/worksheets/sheet3.xml", 1100 << 20),
        ];
        let reason = check_parts(&parts).unwrap_err();
        assert!(
            reason.contains("its parts would inflate to 3.2 GiB in all, more than the 3.0 GiB"),
            "{reason}"
        );
        assert!(check_parts(&parts[..2]).is_ok());
    }

    #[test]
    fn a_large_part_that_compresses_like_a_bomb_is_refused() {
        let reason = check_part("xl/sharedStrings.xml", 1 << 30, 1 << 20).unwrap_err();
        assert!(
            reason.contains("from 1.0 MiB to 1.0 GiB, 1024 times"),
            "{reason}"
        );
        assert!(check_part("xl/sharedStrings.xml", 1 << 30, 11 << 20).is_ok());
    }
}
