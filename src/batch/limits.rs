//! Bounds on what a workbook may make cpbatch read, so that a hostile or damaged file is
//! refused (F001) instead of exhausting memory.
//!
//! A workbook is a zip archive of XML parts, and calamine inflates a part as it parses it: a
//! few megabytes of deflated repetition (a "zip bomb") would become gigabytes of rows, or one
//! cell gigabytes long, all held in memory. The archive's directory says how large each part
//! is once inflated, and the zip reader refuses to inflate a part past that size, so checking
//! the directory before calamine opens the file bounds every part, at no cost to real files.

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

/// Checks the declared size of every part of a zip workbook; the reason when one is too large.
pub fn check_zip(path: &Path) -> Result<(), String> {
    let file = std::fs::File::open(path).map_err(|e| super::io_reason(&e))?;
    // An archive the zip reader cannot list is left to calamine, which says what is wrong.
    let Ok(mut archive) = zip::ZipArchive::new(std::io::BufReader::new(file)) else {
        return Ok(());
    };
    for index in 0..archive.len() {
        let Ok(part) = archive.by_index_raw(index) else {
            continue;
        };
        let name = part.name().map(|n| n.into_owned()).unwrap_or_default();
        check_part(&name, part.size(), part.compressed_size())?;
    }
    Ok(())
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
