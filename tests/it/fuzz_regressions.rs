//! Inputs the fuzzers (`fuzz/`) found or that guard what they found, replayed through the
//! very code of the fuzz targets: `fuzz/fuzz_targets/checks.rs` is included here, so CI checks
//! every committed input without running a fuzzer.
//!
//! Each input lives in `tests/fuzz/<target>/`; a file there is replayed by
//! [`every_committed_input_replays_cleanly`], and the named tests below say what each bug was.

#[allow(dead_code)]
use crate::checks;

use std::path::{Path, PathBuf};

fn inputs_of(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|entries| entries.filter_map(|e| Some(e.ok()?.path())).collect())
        .unwrap_or_default();
    files.sort();
    files
}

fn input(target: &str, name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fuzz")
        .join(target)
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Reads an input of the batch_xlsx target as the batch file it stands for.
fn read_xlsx_input(name: &str) -> Result<cpbatch::batch::Batch, cpbatch::FileError> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("x.xlsx");
    std::fs::write(&path, checks::xlsx_file(&input("batch_xlsx", name))).expect("written");
    cpbatch::batch::read_batch(&path, None)
}

/// A fuzz target's body.
type Target = fn(&[u8]);

#[test]
fn every_committed_input_replays_cleanly() {
    let targets: [(&str, Target); 7] = [
        ("batch_xlsx", checks::batch_xlsx),
        ("sheet_rows", checks::sheet_rows),
        ("batch_csv", checks::batch_csv),
        ("evs_line", checks::evs_line),
        ("dates", checks::dates),
        ("member_id", checks::member_id),
        ("codes", checks::codes),
    ];
    let mut replayed = 0;
    for (target, check) in targets {
        for path in inputs_of(target) {
            let data = std::fs::read(&path).expect("input read");
            check(&data);
            replayed += 1;
        }
    }
    assert!(replayed > 0, "no committed fuzz input found");
}

/// A cell one column past XFD, the last a sheet can have, is a damaged workbook.
#[test]
fn xlsx_cell_past_the_last_column_is_a_damaged_workbook() {
    let error = read_xlsx_input("cell-past-column-xfd.xml").expect_err("rejected");
    let message = error.to_string();
    assert!(
        message.contains("beyond column XFD") && message.contains("(in column 16385)"),
        "{message}"
    );
}

/// Found by batch_xlsx: a cell reference of many letters (`NNsiinlinD4`) put the cell at a
/// column in the billions, and rows are built dense from the first column, so reading the
/// row asked for gigabytes. `ZZZZZZ` (column 321,272,406) is the largest such reference that
/// does not also overflow calamine's own arithmetic in a debug build.
#[test]
fn xlsx_cell_at_a_column_in_the_millions_is_an_error_not_gigabytes() {
    let error = read_xlsx_input("cell-at-column-zzzzzz.xml").expect_err("rejected");
    assert!(
        error.to_string().contains("(in column 321272406)"),
        "{error}"
    );
}

/// A row number past 1,048,576 is a damaged workbook too (and `u32::MAX` would overflow the
/// 1-based row number).
#[test]
fn xlsx_cell_in_a_row_past_the_last_is_a_damaged_workbook() {
    let error = read_xlsx_input("cell-in-row-4294967295.xml").expect_err("rejected");
    assert!(
        error
            .to_string()
            .contains("a row 4294967295, beyond row 1,048,576"),
        "{error}"
    );
}

/// Found by sheet_rows once it read the sheet in pieces too (issue 13): a header row the
/// assembler refuses (row 3: `Action` and `Member ID` only, F004's missing columns) before
/// damage in the next row (`<x:row r="4"><</eet>`), within the whole read's first batch of
/// rows. Read whole, the rows of that batch were dropped with the damage: "its XML is
/// malformed". Read in pieces (3 bytes, from the input's length), the header row's piece was
/// assembled first: "missing required column(s)". Now both say the first error in row order,
/// F004.
#[test]
fn sheet_rows_a_refused_header_row_before_damage_reads_alike_in_pieces() {
    let data = input("sheet_rows", "header-refused-before-damage.xml");
    checks::sheet_rows(&data);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("x.xlsx");
    std::fs::write(&path, checks::xlsx_file(&data)).expect("written");
    let error = cpbatch::batch::read_batch(&path, None).expect_err("refused");
    assert!(
        error.to_string().contains("missing required column(s)"),
        "{error}"
    );
}
