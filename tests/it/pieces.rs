//! Hostile sheet XML read in pieces (issue 13): the reader of `xlsx::pieces` cuts the
//! inflated part before every `<row`/`<x:row` tag it sees, whatever that tag is inside, and
//! reads the part whole again (one thread) whenever a piece cannot settle its rows alone.
//! Each sheet here is read in pieces of every size of `differential::PIECE_SIZES` (1 byte
//! cuts before every row tag) and must give exactly what the whole read gives: the same
//! batch, or an error of the same text.
//!
//! Each test holds at least one sheet that the pieces cannot settle alone
//! ([`assert_needs_the_whole_read`]) and whose reading without the whole read would differ
//! from the whole read (said in a comment at each): with the fallback removed, the test
//! fails.

use crate::common::*;
use crate::differential::{assert_pieces_alike, outcome};
use crate::raw;

use cpbatch::FileError;
use cpbatch::batch::xlsx::rows_of_xml;
use cpbatch::batch::xlsx::{parse_piece, row_tag_start};
use cpbatch::batch::{Batch, read_batch, read_batch_in_pieces};
use proptest::prelude::*;
use raw::RawXml;

/// The canonical header row then a good row per Member ID, as a sheet's `<row>` elements
/// (rows 1, 2, 3, 4 for three IDs), and the XML before and after them.
struct Sheet {
    head: String,
    rows: Vec<String>,
    tail: String,
}

const IDS: [&str; 3] = ["100000000001", "100000000002", "100000000003"];

fn sheet() -> Sheet {
    let rows: Vec<Vec<RawXml>> = good_grid(&IDS)
        .into_iter()
        .map(|row| row.into_iter().map(RawXml::Text).collect())
        .collect();
    let xml = raw::sheet_xml(&rows);
    let start = xml.find("<row").unwrap();
    let end = xml.rfind("</row>").unwrap() + "</row>".len();
    Sheet {
        head: xml[..start].to_string(),
        rows: xml[start..end]
            .split_inclusive("</row>")
            .map(str::to_string)
            .collect(),
        tail: xml[end..].to_string(),
    }
}

impl Sheet {
    /// The sheet with `parts` (rows, or anything else) in place of its rows.
    fn with(&self, parts: &[&str]) -> String {
        format!("{}{}{}", self.head, parts.concat(), self.tail)
    }

    /// The rows, as `&str`.
    fn rows(&self) -> Vec<&str> {
        self.rows.iter().map(String::as_str).collect()
    }
}

/// A row element with neither its `r` nor its cells' references.
fn unnumbered(row: &str) -> String {
    let row = match row.find('>') {
        Some(end) if row.starts_with("<row ") => format!("<row{}", &row[end..]),
        _ => row.to_string(),
    };
    without_cell_references(&row)
}

/// A row element without its cells' references (`<c r="B2" …>` becomes `<c …>`).
fn without_cell_references(row: &str) -> String {
    let mut out = String::with_capacity(row.len());
    let mut rest = row;
    while let Some(at) = rest.find("<c r=\"") {
        out.push_str(&rest[..at + 2]);
        let after = &rest[at + "<c r=\"".len()..];
        rest = &after[after.find('"').unwrap() + 1..];
    }
    out.push_str(rest);
    out
}

/// Where the pieces reader may cut `xml`: before every `<row` or `<prefix:row` tag (followed
/// by a space, `/` or `>`) after the first byte, which it does at a piece size of 1 byte.
fn cuts(xml: &[u8]) -> Vec<usize> {
    memchr::memmem::find_iter(xml, b"row")
        .filter_map(|at| row_tag_start(xml, at))
        .collect()
}

/// The pieces of `xml`, cut before every row tag.
fn pieces(xml: &str) -> Vec<&str> {
    let mut from = 0;
    let mut pieces = Vec::new();
    for cut in cuts(xml.as_bytes()) {
        pieces.push(&xml[from..cut]);
        from = cut;
    }
    pieces.push(&xml[from..]);
    pieces
}

/// Whether the pieces of `xml` cut before every row tag settle its rows alone, as the
/// pieces reader takes them: each parses apart from the rest (`xlsx::parse_piece`), and
/// the cell table ends in one of them with the end tag of its start. When they do not, the
/// reader must read the part whole: without that, it would take rows that are no rows, or
/// number rows wrong, or end where the whole read refuses the part.
fn settled_in_pieces(xml: &str) -> bool {
    let pieces = pieces(xml);
    let mut sheet_data = None;
    for (i, piece) in pieces.iter().enumerate() {
        let Some(parsed) = parse_piece(piece.as_bytes(), i == 0) else {
            return false;
        };
        if i == 0 {
            sheet_data = parsed.sheet_data;
        }
        match parsed.end {
            Some(end) => return Some(end) == sheet_data,
            None if i + 1 == pieces.len() => return false,
            None => {}
        }
    }
    false
}

/// `xml` is one the pieces cannot settle alone: the pieces reader reads it whole.
fn assert_needs_the_whole_read(xml: &str) {
    assert!(
        !settled_in_pieces(xml),
        "the pieces settle this sheet alone, so it does not test the whole read: {xml}"
    );
}

/// Writes `xml` as the sheet of a workbook and reads it whole and in pieces of every size:
/// all the same (a batch, or an error of the same text). Returns the whole read.
fn read_alike(dir: &tempfile::TempDir, name: &str, xml: &str) -> Result<Batch, FileError> {
    let path = dir.path().join(format!("{name}.xlsx"));
    raw::write_raw_xlsx(&path, xml, None, false);
    let whole = read_batch_in_pieces(&path, None, None);
    // The default read, and the read in pieces of every size, against the default read.
    let default = assert_pieces_alike(&path, None);
    assert_eq!(outcome(&default), outcome(&whole), "{name}: default read");
    whole
}

/// The source rows of a read that must succeed.
fn source_rows(name: &str, read: &Result<Batch, FileError>) -> Vec<u32> {
    match read {
        Ok(batch) => batch.rows.iter().map(|r| r.source_row).collect(),
        Err(e) => panic!("{name}: {e}"),
    }
}

/// The text of a read's error, for one that must fail.
fn error_text(name: &str, read: &Result<Batch, FileError>) -> String {
    match read {
        Ok(_) => panic!("{name}: read, where it must be refused"),
        Err(e) => e.to_string(),
    }
}

/// A good row numbered `n` (1-based), cells referenced, with Member ID `id`.
fn good_row_xml(n: u32, id: &str) -> String {
    let mut grid = good_grid(&[id]);
    let cells: String = grid
        .remove(1)
        .into_iter()
        .enumerate()
        .map(|(c, text)| {
            format!(
                r#"<c r="{}{n}" t="inlineStr"><is><t>{}</t></is></c>"#,
                raw::column_name(c as u32),
                raw::xml_escape(&text)
            )
        })
        .collect();
    format!(r#"<row r="{n}">{cells}</row>"#)
}

// ---------------------------------------------------------------------------------------
// Row tags that are no rows
// ---------------------------------------------------------------------------------------

#[test]
fn a_row_tag_in_a_comment_cdata_pi_or_attribute_is_no_row_in_pieces() {
    let dir = tempfile::tempdir().unwrap();
    let s = sheet();
    let r = s.rows();
    let fake = good_row_xml(9, "100000000009");
    let comment = format!("<!-- {fake} -->");
    let cdata = format!("<![CDATA[{fake}]]>");
    let pi = format!("<?cpbatch {fake}?>");
    let attribute = format!(r#"<ext a="{}"/>"#, fake.replace('"', "'"));
    let in_row_attribute = r[2].replacen("<row ", r#"<row x="<row y='1'>" "#, 1);
    let in_cell_attribute = r[2].replacen("<c ", r#"<c x="<row r='9'>" "#, 1);
    let comment_in_row = r[2].replacen("</row>", &format!("{comment}</row>"), 1);
    for (name, xml) in [
        ("comment", s.with(&[r[0], r[1], &comment, r[2], r[3]])),
        ("cdata", s.with(&[r[0], r[1], &cdata, r[2], r[3]])),
        ("pi", s.with(&[r[0], r[1], &pi, r[2], r[3]])),
        ("attribute", s.with(&[r[0], r[1], &attribute, r[2], r[3]])),
        (
            "row-attribute",
            s.with(&[r[0], r[1], &in_row_attribute, r[3]]),
        ),
        (
            "cell-attribute",
            s.with(&[r[0], r[1], &in_cell_attribute, r[3]]),
        ),
        (
            "comment-in-row",
            s.with(&[r[0], r[1], &comment_in_row, r[3]]),
        ),
        ("comment-last", s.with(&[r[0], r[1], r[2], r[3], &comment])),
    ] {
        let read = read_alike(&dir, name, &xml);
        // Whatever quick-xml makes of `<` in an attribute value, the pieces make the same;
        // the rest are well-formed, and row 9 is in none of them.
        if !name.ends_with("attribute") {
            assert_eq!(source_rows(name, &read), [2, 3, 4], "{name}");
        }
        assert_needs_the_whole_read(&xml);
    }
    // Without the whole read: the piece after the cut inside the comment, read alone, is
    // row 9, which is no row of the sheet.
    let xml = s.with(&[r[0], r[1], &comment, r[2], r[3]]);
    let after = &xml[xml.find("<row r=\"9\"").unwrap()..];
    let alone = parse_piece(after.as_bytes(), false).expect("the piece parses alone");
    assert_eq!(alone.rows.number(0), 9);
}

#[test]
fn a_row_nested_in_a_cell_or_an_unknown_element_is_no_row_in_pieces() {
    let dir = tempfile::tempdir().unwrap();
    let s = sheet();
    let r = s.rows();
    let fake = good_row_xml(9, "100000000009");
    let in_element = format!("<extra>{fake}</extra>");
    let in_nested = format!("<extra><more>{fake}</more><row/></extra>");
    let in_cell = r[2].replacen("</c>", &format!("{fake}</c>"), 1);
    let in_inline = r[2].replacen("</t></is>", &format!("</t>{fake}</is>"), 1);
    let in_row = r[2].replacen("</row>", &format!("{in_element}</row>"), 1);
    let in_value = r[2].replacen(
        r#"t="inlineStr"><is><t>ENROLL</t></is>"#,
        &format!(r#"t="str"><v>ENROLL{fake}</v>"#),
        1,
    );
    for (name, xml) in [
        ("element", s.with(&[r[0], r[1], &in_element, r[2], r[3]])),
        ("nested", s.with(&[r[0], r[1], &in_nested, r[2], r[3]])),
        ("cell", s.with(&[r[0], r[1], &in_cell, r[3]])),
        ("inline", s.with(&[r[0], r[1], &in_inline, r[3]])),
        ("row", s.with(&[r[0], r[1], &in_row, r[3]])),
        ("value", s.with(&[r[0], r[1], &in_value, r[3]])),
        ("first", s.with(&[&in_element, r[0], r[1], r[2], r[3]])),
    ] {
        let read = read_alike(&dir, name, &xml);
        assert_eq!(source_rows(name, &read), [2, 3, 4], "{name}");
        assert_needs_the_whole_read(&xml);
    }
    // Without the whole read: the rows of `<extra>` cut at its row tag would be rows 2, 9,
    // 3, 4, where the whole read skips the unknown element and its row.
    let xml = s.with(&[r[0], r[1], &in_element, r[2], r[3]]);
    let naive: Vec<u32> = pieces(&xml)[1..]
        .iter()
        .filter_map(|piece| parse_piece(piece.as_bytes(), false))
        .flat_map(|piece| (0..piece.rows.len()).map(move |i| piece.rows.number(i)))
        .collect();
    assert!(naive.contains(&9), "{naive:?}");
}

// ---------------------------------------------------------------------------------------
// Rows numbered by the rows before them
// ---------------------------------------------------------------------------------------

#[test]
fn rows_and_cells_without_r_are_numbered_as_the_whole_read_numbers_them() {
    let dir = tempfile::tempdir().unwrap();
    let s = sheet();
    let r = s.rows();
    let bare: Vec<String> = s.rows.iter().map(|row| unnumbered(row)).collect();
    let b: Vec<&str> = bare.iter().map(String::as_str).collect();
    let cells_bare: Vec<String> = s
        .rows
        .iter()
        .map(|row| without_cell_references(row))
        .collect();
    // A row without `r` whose first cell has a reference: numbered by its cell.
    let by_cell: Vec<String> = s
        .rows
        .iter()
        .map(|row| {
            let end = row.find('>').unwrap();
            format!("<row{}", &row[end..])
        })
        .collect();
    let cases: Vec<(&str, String, Option<Vec<u32>>)> = vec![
        ("all", s.with(&b), Some(vec![2, 3, 4])),
        (
            "after-numbered",
            s.with(&[r[0], r[1], b[2], b[3]]),
            Some(vec![2, 3, 4]),
        ),
        (
            "gap",
            s.with(&[r[0], &good_row_xml(5, IDS[0]), b[2], b[3]]),
            Some(vec![5, 6, 7]),
        ),
        (
            "empty-rows",
            s.with(&[b[0], "<row/>", b[1], "<row></row>", b[2], b[3]]),
            Some(vec![3, 5, 6]),
        ),
        (
            "cells",
            s.with(&cells_bare.iter().map(String::as_str).collect::<Vec<_>>()),
            Some(vec![2, 3, 4]),
        ),
        (
            "by-cell",
            s.with(&by_cell.iter().map(String::as_str).collect::<Vec<_>>()),
            Some(vec![2, 3, 4]),
        ),
        // An unnumbered row after row 4 is row 5; one before it, row 4 again: F001.
        (
            "repeat",
            s.with(&[r[0], r[1], r[3], b[2]]),
            Some(vec![2, 4, 5]),
        ),
        (
            "repeat-before",
            s.with(&[r[0], r[1], r[2], b[1], r[3]]),
            None,
        ),
    ];
    for (name, xml, rows) in &cases {
        let read = read_alike(&dir, name, xml);
        match rows {
            Some(rows) => assert_eq!(&source_rows(name, &read), rows, "{name}"),
            None => assert!(error_text(name, &read).contains("row 4 twice"), "{name}"),
        }
    }
    // Without the whole read: an unnumbered row at the start of a piece, read alone, is row
    // 1, where the whole read makes it row 3 (after row 2).
    let xml = &cases[1].1;
    assert_needs_the_whole_read(xml);
    let piece = pieces(xml)[3];
    assert!(piece.starts_with("<row>"), "{piece}");
    assert_eq!(rows_of_xml(piece.as_bytes()).unwrap().number(0), 1);
    // The rows numbered by their cells settle alone: the pieces read them, no whole read.
    assert!(settled_in_pieces(&cases[5].1));
}

// ---------------------------------------------------------------------------------------
// Prefixed and Strict sheets
// ---------------------------------------------------------------------------------------

/// `xml` with its elements prefixed `x:` (the namespace declared as `xmlns:x`).
fn prefixed(xml: &str, prefix: &str) -> String {
    let mut out = xml.replace(
        "<worksheet xmlns=",
        &format!("<{prefix}:worksheet xmlns:{prefix}="),
    );
    for name in ["worksheet", "sheetData", "row", "c", "is", "t", "v", "f"] {
        out = out
            .replace(&format!("</{name}>"), &format!("</{prefix}:{name}>"))
            .replace(&format!("<{name}>"), &format!("<{prefix}:{name}>"))
            .replace(&format!("<{name} "), &format!("<{prefix}:{name} "))
            .replace(&format!("<{name}/>"), &format!("<{prefix}:{name}/>"));
    }
    out
}

#[test]
fn prefixed_and_strict_sheets_are_cut_before_their_prefixed_rows() {
    let dir = tempfile::tempdir().unwrap();
    let s = sheet();
    let r = s.rows();
    let plain = s.with(&r);
    let x = prefixed(&plain, "x");
    let strict = x.replace(
        "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
        "http://purl.oclc.org/ooxml/spreadsheetml/main",
    );
    let long_prefix = prefixed(&plain, "ss.main-1_a");
    let fake = prefixed(&good_row_xml(9, "100000000009"), "x");
    let in_comment = x.replacen(
        "<x:row r=\"3\"",
        &format!("<!-- {fake} --><x:row r=\"3\""),
        1,
    );
    let bare_rows = prefixed(
        &s.with(&[r[0], r[1], &unnumbered(r[2]), &unnumbered(r[3])]),
        "x",
    );
    for (name, xml) in [
        ("x", &x),
        ("strict", &strict),
        ("long-prefix", &long_prefix),
        ("comment", &in_comment),
        ("unnumbered", &bare_rows),
    ] {
        let read = read_alike(&dir, name, xml);
        assert_eq!(source_rows(name, &read), [2, 3, 4], "{name}");
    }
    // The prefixed rows are cut before and settle alone: the pieces read them...
    assert_eq!(cuts(x.as_bytes()).len(), 4);
    assert!(settled_in_pieces(&x) && settled_in_pieces(&strict) && settled_in_pieces(&long_prefix));
    // ...but not a prefixed row in a comment, nor unnumbered ones: without the whole read,
    // row 9 would be read, and the unnumbered rows numbered 1.
    assert_needs_the_whole_read(&in_comment);
    assert_needs_the_whole_read(&bare_rows);
}

// ---------------------------------------------------------------------------------------
// Where the cell table ends
// ---------------------------------------------------------------------------------------

#[test]
fn the_cell_table_ends_at_its_end_tag_in_pieces() {
    let dir = tempfile::tempdir().unwrap();
    let s = sheet();
    let r = s.rows();
    let fake = good_row_xml(9, "100000000009");
    let after_end = format!(
        "{}</sheetData>{fake}<sheetData>{fake}</sheetData></worksheet>",
        s.head.clone() + &r.concat()
    );
    let after_worksheet = format!("{}{}{fake}", s.with(&r), fake);
    let end_in_comment = s.with(&[
        r[0],
        r[1],
        &format!("<!-- </sheetData>{fake} -->"),
        r[2],
        r[3],
    ]);
    for (name, xml) in [
        ("after-end", &after_end),
        ("after-worksheet", &after_worksheet),
        ("end-in-comment", &end_in_comment),
    ] {
        let read = read_alike(&dir, name, xml);
        assert_eq!(source_rows(name, &read), [2, 3, 4], "{name}");
    }
    // No rows at all: F003 in every way.
    let head = s.head.trim_end_matches("<sheetData>");
    for (name, xml) in [
        ("empty", format!("{head}<sheetData/></worksheet>")),
        (
            "empty-pair",
            format!("{head}<sheetData></sheetData></worksheet>"),
        ),
        (
            "empty-then-rows",
            format!("{head}<sheetData/>{}</worksheet>", r.concat()),
        ),
        (
            "x-empty",
            prefixed(&format!("{head}<sheetData/></worksheet>"), "x"),
        ),
    ] {
        let read = read_alike(&dir, name, &xml);
        let error = error_text(name, &read);
        assert!(
            error.contains("F003") || error.contains("header"),
            "{name}: {error}"
        );
    }
    // Without the whole read: the piece after the cut inside the comment holds row 9 and an
    // end tag of the cell table that is no end.
    assert_needs_the_whole_read(&end_in_comment);
    // Rows after the end tag are cut into pieces too, and never read.
    assert!(settled_in_pieces(&after_end));
    assert_eq!(cuts(after_end.as_bytes()).len(), 6);
}

#[test]
fn a_damaged_cell_table_is_refused_alike_in_pieces() {
    let dir = tempfile::tempdir().unwrap();
    let s = sheet();
    let r = s.rows();
    let all = s.head.clone() + &r.concat();
    let mid_row = &all[..all.rfind("</c>").unwrap() + "</c>".len()];
    let mid_cell = &all[..all.len() - 40];
    let mid_tag = &all[..all.rfind("<row").unwrap() + 6];
    let stray = s.with(&[r[0], r[1], "</foo>", r[2], r[3]]);
    let stray_row_end = s.with(&[r[0], r[1], "</row>", r[2], r[3]]);
    let stray_first = s.with(&[r[0], "</foo>", r[1], r[2], r[3]]);
    let mismatched = format!("{all}</x:sheetData></worksheet>");
    let mismatched_x = prefixed(&s.with(&r), "x").replace("</x:sheetData>", "</sheetData>");
    let no_sheet_data = s.with(&r).replace("sheetData>", "cells>");
    let cases = [
        (
            "mid-row",
            mid_row.to_string(),
            "its XML ends in the middle of an element",
        ),
        ("mid-cell", mid_cell.to_string(), "cannot be read"),
        ("mid-tag", mid_tag.to_string(), "cannot be read"),
        (
            "between-rows",
            all.clone(),
            "its XML ends in the middle of an element",
        ),
        ("stray", stray.clone(), "cannot be read"),
        ("stray-row-end", stray_row_end, "cannot be read"),
        ("stray-first", stray_first, "cannot be read"),
        ("mismatched", mismatched.clone(), "cannot be read"),
        ("mismatched-x", mismatched_x, "cannot be read"),
        ("no-sheet-data", no_sheet_data, ""),
    ];
    for (name, xml, says) in &cases {
        let read = read_alike(&dir, name, xml);
        let error = error_text(name, &read);
        assert!(error.contains(says), "{name}: {error}");
    }
    // Without the whole read, each of these would be read as rows 2-4 (or 2): every piece
    // parses alone, and the cell table "ends" at the stray or mismatched end tag, or at the
    // end of the part.
    for xml in [&all, &stray, &mismatched] {
        assert_needs_the_whole_read(xml);
        assert!(
            pieces(xml)
                .iter()
                .enumerate()
                .all(|(i, p)| parse_piece(p.as_bytes(), i == 0).is_some())
        );
    }
}

/// A sheet part whose bytes fail its CRC-32 (one letter of a name changed in the stored
/// part: the XML is still well-formed): the zip reader says so only at the end of the part.
/// Read in pieces, the cutter inflates to the end and meets it; the whole read stops at
/// `</sheetData>` and meets it only if it reaches the last block. Either way, the same: the
/// short part is refused (it cannot be inflated), the part with 3 MiB after its cell table
/// is read (the whole read never gets to the end, the pieces read falls back to it).
#[test]
fn a_sheet_part_that_fails_its_crc_is_refused_alike_in_pieces() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let s = sheet();
    let r = s.rows();
    // After the cell table, nothing; or 3 MiB of a comment, beyond the whole read's blocks.
    let tail = format!("<!-- {} -->", "x".repeat(3 << 20));
    for (name, xml) in [
        ("crc", s.with(&r)),
        (
            "crc-long-tail",
            s.with(&r)
                .replace("</worksheet>", &format!("{tail}</worksheet>")),
        ),
    ] {
        let path = dir.path().join(format!("{name}.xlsx"));
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
        let stored = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        let mut parts = raw::xlsx_parts(false, false);
        parts.push((raw::SHEET_PART.into(), xml.into_bytes()));
        for (part, data) in &parts {
            zip.start_file(part.as_str(), stored).unwrap();
            zip.write_all(data).unwrap();
        }
        zip.finish().unwrap();
        let mut bytes = std::fs::read(&path).unwrap();
        let at = memchr::memmem::find(&bytes, b"Rivera").expect("a stored name");
        bytes[at] = b'Q';
        std::fs::write(&path, bytes).unwrap();
        let whole = read_batch_in_pieces(&path, None, None);
        if name == "crc" {
            assert_eq!(outcome(&assert_pieces_alike(&path, None)), outcome(&whole));
        } else {
            // Not the smallest pieces: the cutter looks for a row tag in all it holds each
            // time it grows a piece by the piece size, and 3 MiB without one grown a byte at a
            // time is 10^12 bytes looked at.
            for size in [Some(4096), Some(1 << 20), None] {
                let pieces = read_batch_in_pieces(&path, None, size);
                assert_eq!(outcome(&pieces), outcome(&whole), "{name}: {size:?}");
            }
            assert_eq!(outcome(&read_batch(&path, None)), outcome(&whole), "{name}");
        }
    }
}

// ---------------------------------------------------------------------------------------
// Rows out of order: the sorted re-read
// ---------------------------------------------------------------------------------------

/// The source rows a read gives, or what its error says.
type Expected = Result<Vec<u32>, &'static str>;

#[test]
fn rows_out_of_order_or_repeated_read_alike_in_pieces() {
    let dir = tempfile::tempdir().unwrap();
    let s = sheet();
    let r = s.rows();
    let fake = good_row_xml(9, "100000000009");
    let comment = format!("<!-- {fake} -->");
    let (b2, b3) = (unnumbered(r[2]), unnumbered(r[3]));
    let cases: Vec<(&str, String, Expected)> = vec![
        (
            "reversed",
            s.with(&[r[3], r[2], r[1], r[0]]),
            Ok(vec![2, 3, 4]),
        ),
        (
            "one-late",
            s.with(&[r[0], r[2], r[3], r[1]]),
            Ok(vec![2, 3, 4]),
        ),
        (
            "header-last",
            s.with(&[r[1], r[2], r[3], r[0]]),
            Ok(vec![2, 3, 4]),
        ),
        // Out of order first (the sorted re-read in pieces), then what the pieces cannot
        // settle: a comment, an unnumbered row (row 3, after row 2).
        (
            "late-and-comment",
            s.with(&[r[0], r[2], r[1], &comment, r[3]]),
            Ok(vec![2, 3, 4]),
        ),
        (
            "late-and-unnumbered",
            s.with(&[r[0], r[3], r[1], &b2]),
            Ok(vec![2, 3, 4]),
        ),
        // Row 4 unnumbered after row 3 (its number from the row before), then row 2.
        (
            "unnumbered-then-late",
            s.with(&[r[0], r[2], &b3, r[1]]),
            Ok(vec![2, 3, 4]),
        ),
        (
            "repeated",
            s.with(&[r[0], r[1], r[2], r[2], r[3]]),
            Err("row 3 twice"),
        ),
        (
            "repeated-apart",
            s.with(&[r[0], r[1], r[2], r[3], r[2]]),
            Err("row 3 twice"),
        ),
        (
            "repeated-out-of-order",
            s.with(&[r[0], r[2], r[1], r[3], r[2]]),
            Err("row 3 twice"),
        ),
    ];
    for (name, xml, expected) in &cases {
        let read = read_alike(&dir, name, xml);
        match expected {
            Ok(rows) => assert_eq!(&source_rows(name, &read), rows, "{name}"),
            Err(says) => assert!(error_text(name, &read).contains(says), "{name}"),
        }
    }
    // Without the whole read, the sorted re-read in pieces would take row 9 from the
    // comment, or number the unnumbered row 1 (and find row 1 twice).
    assert_needs_the_whole_read(&cases[3].1);
    assert_needs_the_whole_read(&cases[4].1);
}

// ---------------------------------------------------------------------------------------
// An earlier row's error against a later damage
// ---------------------------------------------------------------------------------------

/// A row the assembler refuses (row 2 twice; a TRUE/FALSE cell of 7; 21 rows of a first
/// sheet with no header row, where the second sheet has one) before damage that only the
/// parse of the XML finds (a stray end tag, the part cut off mid-row), within the whole
/// read's first batch of rows (4,096, `xlsx::stream_rows`) or beyond it. Both reads say the
/// file's first error in row order: the earlier row's (and of the two sheets, they read the
/// second). The whole read once dropped the rows parsed in a batch with the damage found in
/// it, and said the damage, or the earlier row's error, by where its batches ended.
#[test]
fn an_earlier_rows_error_reads_alike_before_damage_in_pieces() {
    let dir = tempfile::tempdir().unwrap();
    let s = sheet();
    let r = s.rows();
    let bad = r[2].replacen(r#"t="inlineStr"><is><t>N</t></is>"#, r#"t="b"><v>7</v>"#, 1);
    let cut = |xml: String| xml[..xml.len() - 60].to_string();
    for (name, xml) in [
        (
            "repeated-stray",
            s.with(&[r[0], r[1], r[1], r[2], "</foo>", r[3]]),
        ),
        ("repeated-cut", cut(s.with(&[r[0], r[1], r[1], r[2], r[3]]))),
        (
            "bad-value-stray",
            s.with(&[r[0], r[1], &bad, r[3], "</foo>"]),
        ),
        ("bad-value-cut", cut(s.with(&[r[0], r[1], &bad, r[3]]))),
        (
            "many-repeated-cut",
            cut(s.with(&[
                r[0],
                r[1],
                r[1],
                &(3..5000)
                    .map(|n| good_row_xml(n, IDS[0]))
                    .collect::<String>(),
            ])),
        ),
    ] {
        let _ = read_alike(&dir, name, &xml);
    }
    // Two sheets: the first without a header row in its first 20 rows, then damaged; the
    // whole read refuses the first sheet's damage, the pieces read goes on to the second.
    let filler: Vec<String> = (1..=21)
        .map(|n| format!(r#"<row r="{n}"><c r="A{n}"><v>{n}</v></c></row>"#))
        .collect();
    let mut first: Vec<&str> = filler.iter().map(String::as_str).collect();
    first.push("</foo>");
    let mut parts = raw::xlsx_parts(false, false);
    for (name, data) in &mut parts {
        let text = String::from_utf8(data.clone()).unwrap();
        let text = match name.as_str() {
            "xl/workbook.xml" => text.replace(
                r#"<sheet name="Batch" sheetId="1" r:id="rId1"/>"#,
                r#"<sheet name="Notes" sheetId="1" r:id="rId1"/><sheet name="Rows" sheetId="2" r:id="rId9"/>"#,
            ),
            "xl/_rels/workbook.xml.rels" => text.replace(
                "</Relationships>",
                r#"<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet2.xml"/></Relationships>"#,
            ),
            "[Content_Types].xml" => text.replace(
                "</Types>",
                r#"<Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
            ),
            _ => text,
        };
        *data = text.into_bytes();
    }
    let two_sheets = |name: &str, first: &[&str]| {
        let mut parts = parts.clone();
        parts.push((raw::SHEET_PART.into(), s.with(first).into_bytes()));
        parts.push(("xl/worksheets/sheet2.xml".into(), s.with(&r).into_bytes()));
        let path = dir.path().join(name);
        raw::write_zip(&path, &parts);
        path
    };
    let path = two_sheets("two-sheets.xlsx", &first);
    let whole = read_batch_in_pieces(&path, None, None);
    assert_eq!(outcome(&assert_pieces_alike(&path, None)), outcome(&whole));
    // The same at the size every run cuts pieces at (1 MiB), with 40 rows of 60 KB before
    // the damage: `cpbatch validate` reads the second sheet (exit 0), and with
    // CPBATCH_SHEET_READER=whole refuses the file (F001, exit 2).
    let long = "x".repeat(60_000);
    let filler: Vec<String> = (1..=40)
        .map(|n| {
            format!(r#"<row r="{n}"><c r="A{n}" t="inlineStr"><is><t>{long}</t></is></c></row>"#)
        })
        .collect();
    let mut first: Vec<&str> = filler.iter().map(String::as_str).collect();
    first.push("</foo>");
    let path = two_sheets("two-long-sheets.xlsx", &first);
    let whole = read_batch_in_pieces(&path, None, None);
    assert_eq!(outcome(&read_batch(&path, None)), outcome(&whole));
}

// ---------------------------------------------------------------------------------------
// Generated hostile sheets
// ---------------------------------------------------------------------------------------

/// A piece of a generated sheet: a row (numbered or not, its cells referenced or not, good
/// or with a value no reader can type), or something a cut before a row tag can land in.
#[derive(Clone, Copy, Debug)]
enum Fragment {
    /// A good row, `r` and cell references (Member ID `IDS[_]`).
    Row(usize),
    /// A good row with neither `r` nor cell references: numbered by the row before.
    Unnumbered(usize),
    /// A good row with `r`, its cells without references.
    BareCells(usize),
    /// A good row without `r`, numbered by its first cell's reference.
    ByCell(usize),
    /// `<row/>`: no cells, but the next unnumbered row comes after it.
    Empty,
    /// A row with a TRUE/FALSE cell of 7: refused when its cells are typed.
    BadValue,
    /// A row tag in a comment, a CDATA section, a processing instruction, an unknown
    /// element, a cell.
    Comment,
    Cdata,
    Pi,
    Unknown,
    InCell,
    /// The end of the cell table, before the rest.
    End,
    /// A stray end tag: the part is damaged.
    Stray,
}

impl Fragment {
    /// Its XML, as row `n` where it is a numbered row.
    fn xml(self, n: u32) -> String {
        let fake = 9;
        match self {
            Fragment::Row(id) => good_row_xml(n, IDS[id]),
            Fragment::Unnumbered(id) => unnumbered(&good_row_xml(n, IDS[id])),
            Fragment::BareCells(id) => without_cell_references(&good_row_xml(n, IDS[id])),
            Fragment::ByCell(id) => {
                good_row_xml(n, IDS[id]).replacen(&format!(" r=\"{n}\""), "", 1)
            }
            Fragment::Empty => "<row/>".into(),
            Fragment::BadValue => format!(r#"<row r="{n}"><c r="C{n}" t="b"><v>7</v></c></row>"#),
            Fragment::Comment => format!("<!-- {} -->", good_row_xml(fake, IDS[0])),
            Fragment::Cdata => format!("<![CDATA[<row r=\"{fake}\">]]>"),
            Fragment::Pi => format!("<?pi <row r=\"{fake}\"/>?>"),
            Fragment::Unknown => {
                format!("<extra><row r=\"{fake}\"><c><v>1</v></c></row></extra>")
            }
            Fragment::InCell => {
                format!("<row r=\"{n}\"><c r=\"A{n}\"><row r=\"{fake}\"/><v>1</v></c></row>")
            }
            Fragment::End => "</sheetData>".into(),
            Fragment::Stray => "</foo>".into(),
        }
    }
}

/// Any fragment; `refusals`: also rows the assembler refuses (a bad value), `damage`: also
/// a stray end tag.
fn fragment(refusals: bool, damage: bool) -> impl Strategy<Value = Fragment> {
    let id = 0usize..IDS.len();
    prop_oneof![
        6 => id.clone().prop_map(Fragment::Row),
        2 => id.clone().prop_map(Fragment::Unnumbered),
        1 => id.clone().prop_map(Fragment::BareCells),
        1 => id.prop_map(Fragment::ByCell),
        1 => Just(Fragment::Empty),
        1 => Just(Fragment::BadValue),
        1 => Just(Fragment::Comment),
        1 => Just(Fragment::Cdata),
        1 => Just(Fragment::Pi),
        1 => Just(Fragment::Unknown),
        1 => Just(Fragment::InCell),
        1 => Just(Fragment::End),
        1 => Just(Fragment::Stray),
    ]
    .prop_map(move |fragment| match fragment {
        Fragment::BadValue if !refusals => Fragment::Row(0),
        Fragment::Stray if !damage => Fragment::Row(1),
        fragment => fragment,
    })
}

/// The sheet of the header row (at `header_at`) and the fragments, numbered rows taking
/// `numbers` in turn, cut off at `cut` (a byte after `<sheetData>`) if given.
fn generated_sheet(
    fragments: &[Fragment],
    numbers: &[u32],
    header_at: usize,
    cut: Option<prop::sample::Index>,
) -> String {
    let s = sheet();
    let mut parts: Vec<String> = fragments
        .iter()
        .zip(numbers.iter().cycle())
        .map(|(fragment, &n)| fragment.xml(n))
        .collect();
    parts.insert(header_at.min(parts.len()), s.rows[0].clone());
    let mut xml = s.with(&parts.iter().map(String::as_str).collect::<Vec<_>>());
    if let Some(cut) = cut {
        let from = s.head.len();
        let mut at = from + cut.index(xml.len() - from);
        while !xml.is_char_boundary(at) {
            at -= 1;
        }
        xml.truncate(at);
    }
    xml
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Sheets of the header row and any undamaged fragments, rows numbered anyhow (out of
    /// order, repeated): every read in pieces gives the whole read's outcome.
    #[test]
    fn generated_hostile_sheets_read_alike_in_pieces(
        fragments in prop::collection::vec(fragment(true, false), 0..8),
        numbers in prop::collection::vec(1u32..7, 8),
        header_at in 0usize..8,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let _ = read_alike(&dir, "generated", &generated_sheet(&fragments, &numbers, header_at, None));
    }

    /// Damaged sheets (a stray end tag, the part cut off at any byte) of rows the assembler
    /// takes (the header row first, numbered rows apart, out of order, unnumbered rows after
    /// them): every read in pieces gives the whole read's outcome.
    #[test]
    fn generated_damaged_sheets_read_alike_in_pieces(
        fragments in prop::collection::vec(fragment(false, true), 0..8),
        numbers in Just((1..=8).map(|n| n * 10).collect::<Vec<u32>>()).prop_shuffle(),
        cut in prop::option::of(any::<prop::sample::Index>()),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let _ = read_alike(&dir, "damaged", &generated_sheet(&fragments, &numbers, 0, cut));
    }

    /// Every fragment, damage and refusals together (see
    /// `an_earlier_rows_error_reads_alike_before_damage_in_pieces`).
    #[test]
    fn generated_sheets_of_every_fragment_read_alike_in_pieces(
        fragments in prop::collection::vec(fragment(true, true), 0..8),
        numbers in prop::collection::vec(1u32..7, 8),
        header_at in 0usize..8,
        cut in prop::option::of(any::<prop::sample::Index>()),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let _ = read_alike(&dir, "any", &generated_sheet(&fragments, &numbers, header_at, cut));
    }
}
