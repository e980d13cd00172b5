//! The fuzz targets' bodies, one function each. The targets in this folder only call them,
//! and `tests/it/fuzz_regressions.rs` includes this file to replay the inputs that once failed
//! through exactly the same code.
//!
//! Every function takes arbitrary bytes and must neither panic nor fail an assertion.

use std::io::Write;
use std::path::PathBuf;
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate};
use cpbatch::evs::{IdSet, Index, MemberRecord};
use cpbatch::model::{
    Action, CoverageType, Dmh, MemberId, PlanType, Program, ReasonCode, Zip, excel_serial_date,
    parse_text_date, parse_yes_no,
};
use cpbatch::reference::Reference;
use cpbatch::rules::CheckConfig;
use zip::write::SimpleFileOptions;

// ---------------------------------------------------------------------------------------
// batch_xlsx, batch_csv
// ---------------------------------------------------------------------------------------

/// Arbitrary bytes as a workbook (`x.xlsx`): read, then every row checked.
pub fn batch_xlsx(data: &[u8]) {
    read_and_judge("x.xlsx", &xlsx_file(data));
}

/// The file an input of batch_xlsx stands for. A zip archive's CRCs stop most mutated XML
/// at the container, so an input that starts with `<` is the XML itself, zipped here into a
/// valid workbook: the worksheet, then optionally after NUL bytes the shared strings, the
/// styles and the workbook part. Any other input is the file as it is.
pub fn xlsx_file(data: &[u8]) -> Vec<u8> {
    if data.first() == Some(&b'<') {
        workbook(data)
    } else {
        data.to_vec()
    }
}

/// Arbitrary bytes as a CSV batch (`x.csv`): read, then every row checked.
pub fn batch_csv(data: &[u8]) {
    read_and_judge("x.csv", data);
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>"#;
const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#;
const SHARED_STRINGS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2" uniqueCount="2"><si><t>Action</t></si><si><t>ENROLL</t></si></sst>"#;
const STYLES: &str = r#"<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="164" formatCode="mm/dd/yyyy"/></numFmts><cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs></styleSheet>"#;
const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><workbookPr/><sheets><sheet name="Batch" sheetId="1" r:id="rId1"/></sheets></workbook>"#;

/// A workbook whose parts are the input's, or the defaults above where it has none.
fn workbook(data: &[u8]) -> Vec<u8> {
    let mut parts = data.split(|b| *b == 0);
    let sheet = parts.next().unwrap_or_default();
    let shared_strings = parts.next().unwrap_or(SHARED_STRINGS.as_bytes());
    let styles = parts.next().unwrap_or(STYLES.as_bytes());
    let workbook = parts.next().unwrap_or(WORKBOOK.as_bytes());
    let files: [(&str, &[u8]); 7] = [
        ("[Content_Types].xml", CONTENT_TYPES.as_bytes()),
        ("_rels/.rels", ROOT_RELS.as_bytes()),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.as_bytes()),
        ("xl/workbook.xml", workbook),
        ("xl/styles.xml", styles),
        ("xl/sharedStrings.xml", shared_strings),
        ("xl/worksheets/sheet1.xml", sheet),
    ];
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let stored = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, bytes) in files {
        zip.start_file(name, stored).expect("a zip entry starts");
        zip.write_all(bytes).expect("a zip entry is written");
    }
    zip.finish().expect("the zip is finished").into_inner()
}

struct Shared {
    reference: Reference,
    config: CheckConfig,
}

fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| {
        // One worker thread: the fuzzer runs one input at a time on a shared machine.
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build_global();
        Shared {
            reference: cpbatch::load_reference(None).expect("the built-in reference loads"),
            config: CheckConfig {
                as_of: NaiveDate::from_ymd_opt(2026, 1, 15).expect("a valid date"),
                max_retro_days: 90,
                max_future_days: 60,
            },
        }
    })
}

/// Reads `data` as the batch file `name` and checks every row: nothing may panic.
pub fn read_and_judge(name: &str, data: &[u8]) {
    let shared = shared();
    let file = Scratch::new(name, data);
    let Ok(batch) = cpbatch::batch::read_batch(&file.0, None) else {
        return;
    };
    let rows = batch.rows.len();
    let mut judged = cpbatch::judge(batch, &shared.reference, &shared.config, None);
    judged.finish();
    assert_eq!(judged.outcomes.len(), rows, "one outcome per row");
    assert_eq!(judged.accepted() + judged.rejected(), rows);
    for row in &judged.batch.rows {
        for col in 0..judged.batch.width {
            let _ = row.cell(col);
        }
    }
}

/// A scratch file holding an input, removed when dropped. Named per process and thread:
/// the regression tests replay inputs in parallel.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str, data: &[u8]) -> Scratch {
        static DIR: OnceLock<PathBuf> = OnceLock::new();
        let dir = DIR.get_or_init(|| {
            let dir = std::env::temp_dir().join("cpbatch-fuzz");
            std::fs::create_dir_all(&dir).expect("the scratch folder is made");
            dir
        });
        let thread = std::thread::current().id();
        let path = dir.join(format!("{}-{thread:?}-{name}", std::process::id()));
        std::fs::write(&path, data).expect("the scratch file is written");
        Scratch(path)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

// ---------------------------------------------------------------------------------------
// sheet_rows
// ---------------------------------------------------------------------------------------

/// Arbitrary bytes as the sheet XML of a workbook (after NUL bytes, the shared strings,
/// styles and workbook parts, as for batch_xlsx): the native reader's row assembly.
/// - Its rows are in strictly increasing source-row order, whatever the order of the XML:
///   no row merged, repeated or out of order (SPEC 4.4).
/// - When calamine reads the workbook too, both give the same raw rows (calamine is the
///   reference), unless the input holds one of the forms where calamine is known to read
///   wrong ([`calamine_misreads`]).
/// - The rows parsed from the bytes alone (as the parallel reader parses pieces of a sheet)
///   are whole: each row's cells by column, none twice, within Excel's grid.
/// - The sheet read in pieces (`xlsx::pieces`) of a size taken from the input (1 to 97
///   bytes: a cut before nearly every row tag), and the default read (pieces of 1 MiB),
///   give exactly what the one-thread read of the whole part gives: the same batch, or an
///   error of the same text.
pub fn sheet_rows(data: &[u8]) {
    let file = Scratch::new("sheet.xlsx", &workbook(data));
    let native = cpbatch::batch::read_batch(&file.0, None);
    let whole = cpbatch::batch::read_batch_in_pieces(&file.0, None, None);
    // The input's length, not its first byte, which is nearly always `<`.
    let piece_bytes = 1 + data.len() % 97;
    let pieces = cpbatch::batch::read_batch_in_pieces(&file.0, None, Some(piece_bytes));
    assert_eq!(
        outcome(&pieces),
        outcome(&whole),
        "read in pieces of {piece_bytes} bytes as read whole"
    );
    assert_eq!(
        outcome(&native),
        outcome(&whole),
        "the default read as read whole"
    );
    if let Ok(batch) = &native {
        assert!(
            batch
                .rows
                .windows(2)
                .all(|pair| pair[0].source_row < pair[1].source_row),
            "rows in source-row order, none twice"
        );
    }
    let sheet = data.split(|b| *b == 0).next().unwrap_or_default();
    let strings = cpbatch::batch::xlsx::SharedStrings::default();
    let styles = cpbatch::batch::xlsx::Styles::default();
    let ctx = cpbatch::batch::xlsx::Context {
        strings: &strings,
        styles: &styles,
        is_1904: false,
    };
    if let Ok(rows) = cpbatch::batch::xlsx::rows_of_xml(sheet) {
        for i in 0..rows.len() {
            let columns: Vec<u32> = rows.columns(i).collect();
            assert!(
                columns.windows(2).all(|pair| pair[0] < pair[1]),
                "a row's cells by column, none twice"
            );
            assert!(columns.iter().all(|col| *col < 16_384), "within column XFD");
            assert!(
                (1..=1_048_576).contains(&rows.number(i)),
                "within row 1,048,576"
            );
            if let Ok(typed) = rows.typed(i, &ctx) {
                assert!(typed.len() <= columns.len(), "typing adds no cell");
            }
        }
    }
    if calamine_misreads(data) {
        return;
    }
    let reference = cpbatch::batch::read_batch_with_calamine(&file.0, None);
    if let (Ok(native), Ok(reference)) = (&native, &reference) {
        assert_eq!(
            raw_rows(native),
            raw_rows(reference),
            "the native reader reads as calamine"
        );
    }
}

/// What a read gives, to compare whole: every field of the batch, or the error's text.
fn outcome(read: &Result<cpbatch::batch::Batch, cpbatch::FileError>) -> String {
    match read {
        Ok(batch) => format!("{batch:?}"),
        Err(error) => format!("error: {error}"),
    }
}

/// Forms of sheet XML calamine reads wrong, where the native reader is right: a value
/// written with a character or entity reference (`<v>&#49;</v>`: calamine reads only the
/// first text event, so nothing), a shared string index with spaces or junk (calamine reads
/// it as string 0), cells of several rows in one row element (calamine places each by its
/// own reference).
fn calamine_misreads(data: &[u8]) -> bool {
    data.contains(&b'&') || data.windows(5).any(|w| w == b"t=\"s\"")
}

/// A batch's raw rows, for comparing two reads.
fn raw_rows(batch: &cpbatch::batch::Batch) -> Vec<(u32, Vec<(cpbatch::batch::CellKind, String)>)> {
    batch
        .rows
        .iter()
        .map(|row| {
            let cells = (0..row.width())
                .map(|col| {
                    let cell = row.cell(col);
                    (cell.kind, cell.text.to_string())
                })
                .collect();
            (row.source_row, cells)
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// evs_line
// ---------------------------------------------------------------------------------------

/// Arbitrary bytes as an EVS snapshot: its header and lines parsed both ways, by the scan
/// with a wanted-set of every member ID found in the input, and through the index. The two
/// ways must agree (SPEC 2.4: every way gives the same results).
pub fn evs_line(data: &[u8]) {
    let file = Scratch::new("evs.csv", data);
    let path = &file.0;
    let ids = ids_in(data);
    let wanted: IdSet = ids.iter().copied().collect();
    let scanned = cpbatch::evs::scan(path, &wanted, 1, &|_| {});
    let day = NaiveDate::from_ymd_opt(2026, 1, 15).expect("a valid date");
    if let Ok(snapshot) = &scanned {
        for id in &wanted {
            if let Some(MemberRecord::Segments(segments)) = snapshot.member(*id) {
                let _ = MemberRecord::covering(segments, day);
                let _ = MemberRecord::latest_started(segments, day);
            }
        }
        let _ = snapshot.malformed_members().count();
    }
    if !Index::possible(path) {
        return;
    }
    let indexed = Index::build(path, 1).and_then(|index| {
        let mut members = ids.clone();
        let snapshot = index.snapshot_of(&mut members)?;
        Ok((index.data_lines(), snapshot))
    });
    match (&scanned, &indexed) {
        (Ok(scanned), Ok((data_lines, indexed))) => {
            assert_eq!(scanned.segments, *data_lines, "data lines");
            assert_eq!(
                scanned.malformed_lines, indexed.malformed_lines,
                "malformed lines"
            );
            for id in &wanted {
                assert_eq!(scanned.member(*id), indexed.member(*id), "member {id}");
            }
        }
        (Err(_), Err(_)) => {}
        (scanned, indexed) => panic!(
            "scan and index disagree: {:?} vs {:?}",
            scanned.as_ref().err(),
            indexed.as_ref().err()
        ),
    }
}

/// Every field of the input that reads as a member ID, whatever the delimiter.
fn ids_in(data: &[u8]) -> Vec<MemberId> {
    data.split(|b| matches!(b, b',' | b'|' | b'\t' | b'\n' | b'\r' | b'"'))
        .filter_map(|field| {
            MemberId::from_digits(field)
                .or_else(|| MemberId::parse_text(std::str::from_utf8(field).ok()?))
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// dates
// ---------------------------------------------------------------------------------------

/// Text dates and Excel serial dates (the first 8 bytes as an f64, both date systems): a
/// parsed date formatted as YYYY-MM-DD (and the other accepted forms) parses back to itself.
pub fn dates(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(date) = parse_text_date(text)
    {
        assert!((0..=9999).contains(&date.year()), "{text:?} gave {date}");
        round_trips(date);
    }
    if let Some(bytes) = data.get(..8) {
        let serial = f64::from_le_bytes(bytes.try_into().expect("8 bytes"));
        for is_1904 in [false, true] {
            if let Ok(date) = excel_serial_date(serial, is_1904) {
                assert!((1900..=9999).contains(&date.year()), "{serial} gave {date}");
                round_trips(date);
            }
        }
    }
}

fn round_trips(date: NaiveDate) {
    let text = date.format("%Y-%m-%d").to_string();
    assert_eq!(parse_text_date(&text), Ok(date), "{text}");
    // The forms a spreadsheet user types parse to the same date.
    let us = format!("{:02}/{:02}/{:04}", date.month(), date.day(), date.year());
    assert_eq!(parse_text_date(&us), Ok(date), "{us}");
    let compact = date.format("%Y%m%d").to_string();
    assert_eq!(parse_text_date(&compact), Ok(date), "{compact}");
}

// ---------------------------------------------------------------------------------------
// member_id
// ---------------------------------------------------------------------------------------

/// Member IDs from text, digits and numbers: a parsed ID shows as 12 digits that parse back
/// to it.
pub fn member_id(data: &[u8]) {
    if let Some(id) = MemberId::from_digits(data) {
        check_member_id(id);
    }
    if let Ok(text) = std::str::from_utf8(data)
        && let Some(id) = MemberId::parse_text(text)
    {
        check_member_id(id);
    }
    if let Some(bytes) = data.get(..8) {
        let value = f64::from_le_bytes(bytes.try_into().expect("8 bytes"));
        if let Some((id, padded)) = MemberId::from_number(value) {
            check_member_id(id);
            assert_eq!(id.value() as f64, value);
            assert_eq!(padded, id.value() < 100_000_000_000);
        }
    }
}

fn check_member_id(id: MemberId) {
    let shown = id.to_string();
    assert_eq!(shown.len(), 12, "{shown}");
    assert!(shown.bytes().all(|b| b.is_ascii_digit()), "{shown}");
    assert_eq!(MemberId::parse_text(&shown), Some(id), "{shown}");
    assert_eq!(MemberId::from_digits(shown.as_bytes()), Some(id), "{shown}");
    assert!(id.value() < 1_000_000_000_000);
}

// ---------------------------------------------------------------------------------------
// codes
// ---------------------------------------------------------------------------------------

macro_rules! round_trip {
    ($text:expr, $($parser:ty),*) => {$(
        if let Some(code) = <$parser>::parse($text) {
            assert_eq!(<$parser>::parse(code.as_str()), Some(code), "{:?}", $text);
        }
    )*};
}

/// The code parsers: a parsed code's canonical form parses back to it.
pub fn codes(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    round_trip!(
        text,
        Action,
        Program,
        CoverageType,
        Dmh,
        ReasonCode,
        PlanType
    );
    if let Some(zip) = Zip::parse_text(text) {
        assert_eq!(zip.as_str().len(), 5);
        assert_eq!(Zip::parse_text(zip.as_str()), Some(zip), "{text:?}");
    }
    if let Some(yes) = parse_yes_no(text) {
        assert_eq!(parse_yes_no(if yes { "Y" } else { "N" }), Some(yes));
    }
}
