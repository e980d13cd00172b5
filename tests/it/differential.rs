//! The native `.xlsx` reader (src/batch/xlsx) against calamine's, the reference: on every
//! committed workbook (fixtures, fuzz seeds), on workbooks the tests generate (every kind of
//! cell rust_xlsxwriter writes, hand-made XML with shared strings, styles, the 1904 system,
//! Strict Open XML and prefixed elements, the template), and on generated workbooks, both
//! give the same raw rows: the same source rows, cell kinds and texts, the same header row
//! and sheet.
//!
//! And the native reader against itself: the sheet read in pieces (`xlsx::pieces`, cut
//! before row tags and parsed on every core) at every size in [`PIECE_SIZES`] gives exactly
//! what the one-thread read of the whole part gives, and what the default read gives: the
//! same batch, or an error of the same text. (Hostile sheet XML in pieces: `pieces.rs`.)

use crate::common;
use crate::raw;

use std::path::{Path, PathBuf};

use common::*;
use cpbatch::FileError;
use cpbatch::batch::{Batch, read_batch, read_batch_in_pieces, read_batch_with_calamine};
use proptest::prelude::*;
use raw::RawXml;

/// What a read gives, in a form to compare.
fn summary(batch: &Batch) -> String {
    let mut out = format!(
        "sheet {:?}, 1904 {}, width {}, header row {}, headers {:?}\n",
        batch.sheet, batch.is_1904, batch.width, batch.layout.header_row, batch.layout.headers
    );
    for row in &batch.rows {
        out.push_str(&format!("{}:", row.source_row));
        for col in 0..row.width() {
            let cell = row.cell(col);
            out.push_str(&format!(" {:?}={:?}", cell.kind, cell.text));
        }
        out.push('\n');
    }
    out
}

/// The sizes the native reader cuts a sheet into pieces of (`None`: the part read whole, on
/// one thread). 1 byte cuts before every row tag; 4096 puts several rows in a piece.
pub const PIECE_SIZES: [Option<usize>; 8] = [
    Some(1),
    Some(2),
    Some(5),
    Some(17),
    Some(64),
    Some(301),
    Some(4096),
    None,
];

/// What a read gives, to compare whole: the batch's summary, or the error's text.
pub fn outcome(read: &Result<Batch, FileError>) -> String {
    match read {
        Ok(batch) => summary(batch),
        Err(error) => format!("error: {error}"),
    }
}

/// The native reader reads `path` alike however the sheet is cut: the default read, and the
/// read in pieces of every size of [`PIECE_SIZES`], give the same outcome. Returns it.
pub fn assert_pieces_alike(path: &Path, sheet: Option<&str>) -> Result<Batch, FileError> {
    let default = read_batch(path, sheet);
    let expected = outcome(&default);
    for size in PIECE_SIZES {
        let pieces = outcome(&read_batch_in_pieces(path, sheet, size));
        assert_eq!(
            pieces,
            expected,
            "{}: read in pieces of {size:?} bytes, against the default read",
            path.display()
        );
    }
    default
}

/// Both readers read `path` alike: both succeed with the same rows; and the native reader
/// gives them whatever the pieces.
fn assert_same(path: &Path) {
    let native = assert_pieces_alike(path, None)
        .unwrap_or_else(|e| panic!("{}: native: {e}", path.display()));
    let reference = read_batch_with_calamine(path, None)
        .unwrap_or_else(|e| panic!("{}: calamine: {e}", path.display()));
    assert_eq!(summary(&native), summary(&reference), "{}", path.display());
}

/// When calamine reads a file, the native reader reads it alike (it may refuse what calamine
/// cannot read, and read what calamine refuses); whatever it gives, a batch or an error, it
/// gives whatever the pieces.
fn assert_same_if_read(path: &Path) {
    let native = assert_pieces_alike(path, None);
    if let (Ok(native), Ok(reference)) = (native, read_batch_with_calamine(path, None)) {
        assert_eq!(summary(&native), summary(&reference), "{}", path.display());
    }
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// Every `.xlsx` under `folder`, at any depth, in order.
fn workbooks_under(folder: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut folders = vec![folder.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "xlsx") {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// Every committed workbook (the fixtures and the template) reads alike in pieces of every
/// size, and (the demo batch) as calamine reads it; a workbook that is no batch (the demo
/// roster, the blank template) is refused with the same message whatever the pieces.
#[test]
fn committed_fixtures_and_template_read_alike_in_pieces() {
    let mut workbooks = workbooks_under(&repo("fixtures"));
    workbooks.extend(workbooks_under(&repo("templates")));
    assert!(workbooks.len() >= 3, "{workbooks:?}");
    for workbook in &workbooks {
        assert_same_if_read(workbook);
    }
    // Read by its Lists sheet, a header-less sheet of codes: the same F003 in every case.
    let template = repo("templates/cp-batch-template.xlsx");
    let lists = assert_pieces_alike(&template, Some("Lists"));
    assert!(lists.is_err(), "{}", outcome(&lists));
}

#[test]
fn committed_workbooks_read_alike() {
    assert_same(&repo("fixtures/demo/batch.xlsx"));
    let dir = tempfile::tempdir().unwrap();
    let mut seeds = 0;
    for folder in [
        "fuzz/corpus/batch_xlsx",
        "fuzz/corpus/sheet_rows",
        "tests/fuzz/batch_xlsx",
    ] {
        let Ok(entries) = std::fs::read_dir(repo(folder)) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            // Seeds that are sheet XML stand for the workbook the fuzz target makes of them.
            let batch = dir.path().join(format!("seed-{seeds}.xlsx"));
            std::fs::write(&batch, fuzz_workbook(&data)).unwrap();
            assert_same_if_read(&batch);
            seeds += 1;
        }
    }
    assert!(seeds >= 7, "{seeds} seeds");
}

#[allow(dead_code)]
use crate::checks;

fn fuzz_workbook(data: &[u8]) -> Vec<u8> {
    checks::xlsx_file(data)
}

#[test]
fn every_kind_of_cell_reads_alike() {
    let dir = tempfile::tempdir().unwrap();
    let mut header = text_rows(&[])[0].clone();
    header.push(t("Notes"));
    let row = |cells: Vec<Cell>| {
        let mut row = text_rows(&[good_row()])[1].clone();
        row.extend(cells);
        row
    };
    let rows = vec![
        vec![t("Community Partners enrollment batch")],
        vec![],
        header,
        row(vec![Cell::Number(100000000001.0), Cell::Bool(true)]),
        row(vec![Cell::Date(2026, 12, 1), Cell::Bool(false)]),
        row(vec![Cell::Formula("=1+1".into(), "2".into())]),
        row(vec![Cell::Formula("=A1".into(), "ENROLL".into())]),
        row(vec![Cell::Error("#N/A".into())]),
        row(vec![Cell::Error("#DIV/0!".into())]),
        row(vec![
            Cell::Number(1.5e-7),
            Cell::Number(-0.0),
            Cell::Number(1e21),
        ]),
        row(vec![t("  spaced  out "), t("Ünïcödé 東京"), t("a\r\nb")]),
        row(vec![Cell::Blank, Cell::Blank, t("far")]),
    ];
    let batch = dir.path().join("kinds.xlsx");
    write_xlsx(
        &batch,
        &[("Instructions", vec![vec![t("Read me")]]), ("Batch", rows)],
    );
    assert_same(&batch);
}

#[test]
fn hand_made_workbooks_read_alike() {
    let dir = tempfile::tempdir().unwrap();
    let mut rows = vec![
        HEADERS
            .iter()
            .map(|h| RawXml::Text(h.to_string()))
            .collect::<Vec<_>>(),
    ];
    let mut good: Vec<RawXml> = HEADERS
        .iter()
        .map(|h| RawXml::Text(good_row()[h].clone()))
        .collect();
    good[4] = RawXml::Date(29313.0);
    good[14] = RawXml::Number(2118.0);
    good[15] = RawXml::Date(46357.5);
    rows.push(good);
    let sheet = raw::sheet_xml(&rows);
    for (name, date1904) in [("1900.xlsx", false), ("1904.xlsx", true)] {
        let batch = dir.path().join(name);
        raw::write_raw_xlsx(&batch, &sheet, None, date1904);
        assert_same(&batch);
    }

    // Shared strings (rich text, phonetic runs, Excel's escapes), and cells without `r`.
    let strings: Vec<String> = HEADERS
        .iter()
        .map(|h| format!("<si><t>{h}</t></si>"))
        .collect();
    let shared = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{}<si><r><rPr><b/></rPr><t>Riv</t></r><r><t xml:space="preserve">era </t></r></si><si><t>Ana</t><rPh sb="0" eb="1"><t>アナ</t></rPh></si><si><t>x_x000D_y</t></si></sst>"#,
        strings.concat()
    );
    let n = HEADERS.len();
    let header: String = (0..n)
        .map(|i| format!(r#"<c t="s"><v>{i}</v></c>"#))
        .collect();
    let values: String = HEADERS
        .iter()
        .enumerate()
        .map(|(i, h)| match *h {
            "Last Name" => format!(r#"<c t="s"><v>{n}</v></c>"#),
            "First Name" => format!(r#"<c t="s"><v>{}</v></c>"#, n + 1),
            "Reason Code" => format!(r#"<c t="s"><v>{}</v></c>"#, n + 2),
            "Medicare" => r#"<c t="b"><v>0</v></c>"#.to_string(),
            "ZIP Code" => r#"<c t="str"><f>TEXT(2118,"00000")</f><v>02118</v></c>"#.to_string(),
            "Effective Date" => r#"<c t="d"><v>2026-12-01T00:00:00</v></c>"#.to_string(),
            "Other Insurance" => r#"<c t="e"><f>NA()</f><v>#N/A</v></c>"#.to_string(),
            "Nursing Facility" => r#"<c><f>1+1</f></c>"#.to_string(),
            _ => format!(
                r#"<c t="inlineStr"><is><t>{}</t></is></c>"#,
                raw::xml_escape(&good_row()[h])
            )
            .replace("<c ", &format!("<c data-i=\"{i}\" ")),
        })
        .collect();
    let sheet = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:R3"/><sheetData><row>{header}</row><row r="3" spans="1:18">{values}</row></sheetData></worksheet>"#
    );
    let batch = dir.path().join("shared.xlsx");
    raw::write_raw_xlsx(&batch, &sheet, Some(&shared), false);
    assert_same(&batch);

    // Prefixed elements, as some producers write them.
    let prefixed = sheet
        .replace("<worksheet xmlns=", "<x:worksheet xmlns:x=")
        .replace("</worksheet>", "</x:worksheet>")
        .replace("<sheetData>", "<x:sheetData>")
        .replace("</sheetData>", "</x:sheetData>")
        .replace("<row", "<x:row")
        .replace("</row>", "</x:row>")
        .replace("<c ", "<x:c ")
        .replace("<c>", "<x:c>")
        .replace("</c>", "</x:c>")
        .replace("<v>", "<x:v>")
        .replace("</v>", "</x:v>")
        .replace("<f>", "<x:f>")
        .replace("</f>", "</x:f>")
        .replace("<is>", "<x:is>")
        .replace("</is>", "</x:is>")
        .replace("<t>", "<x:t>")
        .replace("</t>", "</x:t>");
    let batch = dir.path().join("prefixed.xlsx");
    raw::write_raw_xlsx(&batch, &prefixed, Some(&shared), false);
    assert_same(&batch);

    // Strict Open XML: other namespaces, other relationship types.
    let strict = |text: &str| {
        text.replace(
            "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
            "http://purl.oclc.org/ooxml/spreadsheetml/main",
        )
        .replace(
            "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
            "http://purl.oclc.org/ooxml/officeDocument/relationships",
        )
    };
    let mut parts: Vec<(String, Vec<u8>)> = raw::xlsx_parts(false, true)
        .into_iter()
        .map(|(name, data)| (name, strict(&String::from_utf8(data).unwrap()).into_bytes()))
        .collect();
    parts.push((raw::SHEET_PART.into(), strict(&prefixed).into_bytes()));
    parts.push((raw::SHARED_PART.into(), strict(&shared).into_bytes()));
    let batch = dir.path().join("strict.xlsx");
    raw::write_zip(&batch, &parts);
    assert_same(&batch);
    assert_eq!(read_batch(&batch, None).unwrap().rows.len(), 1);
}

#[test]
fn the_template_reads_alike() {
    let dir = tempfile::tempdir().unwrap();
    let batch = dir.path().join("template.xlsx");
    let reference = cpbatch::reference::Reference::built_in().unwrap();
    std::fs::write(&batch, cpbatch::cmd::template::build(&reference).unwrap()).unwrap();
    assert_same(&batch);
}

/// A generated cell.
fn any_cell() -> impl Strategy<Value = Cell> {
    prop_oneof![
        Just(Cell::Blank),
        "[ A-Za-z0-9'./-]{0,12}".prop_map(Cell::Text),
        any::<f64>()
            .prop_filter("finite", |n| n.is_finite())
            .prop_map(Cell::Number),
        (0u64..1_000_000_000_000).prop_map(|n| Cell::Number(n as f64)),
        any::<bool>().prop_map(Cell::Bool),
        (1900u16..2100, 1u8..13, 1u8..29).prop_map(|(y, m, d)| Cell::Date(y, m, d)),
        prop_oneof![Just("#N/A"), Just("#REF!"), Just("#VALUE!"), Just("#NUM!")]
            .prop_map(|e| Cell::Error(e.to_string())),
        "[A-Z0-9]{0,6}".prop_map(|v| Cell::Formula("=A1".into(), v)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Generated workbooks: the header row below title rows, then rows of any cells.
    #[test]
    fn generated_workbooks_read_alike(
        titles in 0usize..3,
        rows in prop::collection::vec(prop::collection::vec(any_cell(), 0..22), 0..12),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut sheet: Vec<Vec<Cell>> = (0..titles).map(|i| vec![t(&format!("Title {i}"))]).collect();
        sheet.push(text_rows(&[])[0].clone());
        sheet.extend(rows);
        let batch = dir.path().join("generated.xlsx");
        write_xlsx(&batch, &[("Batch", sheet)]);
        assert_same(&batch);
    }
}
