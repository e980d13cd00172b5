//! Hand-made workbooks: zip archives of raw XML parts, for what rust_xlsxwriter will not
//! write (the 1904 date system, damaged or hostile files), and zip bombs built in small memory.
#![allow(dead_code)]

use std::io::Write;
use std::path::Path;

const MAIN: &str = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
const REL: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const PKG_REL: &str = "http://schemas.openxmlformats.org/package/2006/relationships";

/// The path of the sheet part in [`xlsx_parts`].
pub const SHEET_PART: &str = "xl/worksheets/sheet1.xml";
/// The path of the shared strings part in [`xlsx_parts`].
pub const SHARED_PART: &str = "xl/sharedStrings.xml";

/// Escapes text for XML.
pub fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The column letters of a 0-based column: 0 → A, 26 → AA, 16383 → XFD.
pub fn column_name(mut col: u32) -> String {
    let mut name = Vec::new();
    loop {
        name.push(b'A' + (col % 26) as u8);
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    name.reverse();
    String::from_utf8(name).unwrap()
}

/// A raw cell of a hand-made sheet.
pub enum RawXml {
    /// An inline string.
    Text(String),
    /// A number, plain.
    Number(f64),
    /// A number with the built-in date format (numFmtId 14): a date cell.
    Date(f64),
}

/// The XML of a sheet of rows (1-based row numbers from 1, columns from A).
pub fn sheet_xml(rows: &[Vec<RawXml>]) -> String {
    let mut xml = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="{MAIN}"><sheetData>"#
    );
    for (r, row) in rows.iter().enumerate() {
        xml.push_str(&format!(r#"<row r="{}">"#, r + 1));
        for (c, cell) in row.iter().enumerate() {
            let at = format!("{}{}", column_name(c as u32), r + 1);
            xml.push_str(&match cell {
                RawXml::Text(s) => format!(
                    r#"<c r="{at}" t="inlineStr"><is><t>{}</t></is></c>"#,
                    xml_escape(s)
                ),
                RawXml::Number(n) => format!(r#"<c r="{at}"><v>{n}</v></c>"#),
                RawXml::Date(n) => format!(r#"<c r="{at}" s="1"><v>{n}</v></c>"#),
            });
        }
        xml.push_str("</row>");
    }
    xml.push_str("</sheetData></worksheet>");
    xml
}

/// Every part of a one-sheet (`Batch`) workbook but the sheet itself, whose path is
/// [`SHEET_PART`]; with a shared strings part when `shared` is given.
pub fn xlsx_parts(date1904: bool, shared: bool) -> Vec<(String, Vec<u8>)> {
    let pr = if date1904 {
        r#"<workbookPr date1904="1"/>"#
    } else {
        "<workbookPr/>"
    };
    let shared_type = if shared {
        r#"<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>"#
    } else {
        ""
    };
    let shared_rel = if shared {
        format!(
            r#"<Relationship Id="rId3" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>"#
        )
    } else {
        String::new()
    };
    [
        (
            "[Content_Types].xml",
            format!(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>{shared_type}</Types>"#),
        ),
        (
            "_rels/.rels",
            format!(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{PKG_REL}"><Relationship Id="rId1" Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#),
        ),
        (
            "xl/workbook.xml",
            format!(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="{MAIN}" xmlns:r="{REL}">{pr}<sheets><sheet name="Batch" sheetId="1" r:id="rId1"/></sheets></workbook>"#),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            format!(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="{PKG_REL}"><Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{REL}/styles" Target="styles.xml"/>{shared_rel}</Relationships>"#),
        ),
        (
            "xl/styles.xml",
            format!(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet xmlns="{MAIN}"><fonts count="1"><font/></fonts><fills count="1"><fill/></fills><borders count="1"><border/></borders><cellStyleXfs count="1"><xf/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>"#),
        ),
    ]
    .into_iter()
    .map(|(name, text)| (name.to_string(), text.into_bytes()))
    .collect()
}

/// Writes a zip archive of the given parts, deflated, with the zip crate.
pub fn write_zip(path: &Path, parts: &[(String, Vec<u8>)]) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in parts {
        zip.start_file(name.as_str(), options).unwrap();
        zip.write_all(data).unwrap();
    }
    zip.finish().unwrap();
}

/// Writes a one-sheet xlsx of the given sheet XML (and shared strings XML).
pub fn write_raw_xlsx(path: &Path, sheet: &str, shared: Option<&str>, date1904: bool) {
    let mut parts = xlsx_parts(date1904, shared.is_some());
    parts.push((SHEET_PART.to_string(), sheet.as_bytes().to_vec()));
    if let Some(shared) = shared {
        parts.push((SHARED_PART.to_string(), shared.as_bytes().to_vec()));
    }
    write_zip(path, &parts);
}

/// A part whose content is `head`, then `chunk` repeated `repeats` times, then `tail`: the
/// bomb of [`write_bomb`].
pub struct Repeated<'a> {
    pub name: &'a str,
    pub head: &'a [u8],
    pub chunk: &'a [u8],
    pub repeats: u32,
    pub tail: &'a [u8],
}

impl Repeated<'_> {
    pub fn inflated_len(&self) -> u64 {
        (self.head.len() + self.tail.len()) as u64
            + self.chunk.len() as u64 * u64::from(self.repeats)
    }
}

/// Writes a zip archive of `parts` (stored) and one deflated part that inflates to
/// gigabytes. The bomb is built in small memory and time: each piece is deflated once with
/// a full flush (no reference to what came before), so the deflated chunk can simply be
/// written again and again; its CRC-32 is combined by doubling. The archive is a valid zip:
/// inflated whole, the part matches its declared size and CRC. Below 4 GiB (no zip64).
pub fn write_bomb(path: &Path, parts: &[(String, Vec<u8>)], bomb: &Repeated<'_>) {
    use flate2::{Compress, Compression, Crc, FlushCompress};
    assert!(
        bomb.inflated_len() < u64::from(u32::MAX),
        "the bomb must stay below 4 GiB"
    );
    let deflate = |data: &[u8], last: bool| -> Vec<u8> {
        let mut compress = Compress::new(Compression::best(), false);
        let mut out = Vec::with_capacity(data.len() / 2 + 1024);
        let flush = if last {
            FlushCompress::Finish
        } else {
            FlushCompress::Full
        };
        compress.compress_vec(data, &mut out, flush).unwrap();
        assert_eq!(compress.total_in() as usize, data.len());
        out
    };
    let crc_of = |data: &[u8]| {
        let mut crc = Crc::new();
        crc.update(data);
        crc
    };
    let (head, chunk, tail) = (
        deflate(bomb.head, false),
        deflate(bomb.chunk, false),
        deflate(bomb.tail, true),
    );
    // CRC of head + chunk × repeats + tail.
    let mut crc = crc_of(bomb.head);
    let mut power = crc_of(bomb.chunk);
    let mut n = bomb.repeats;
    while n > 0 {
        if n & 1 == 1 {
            crc.combine(&power);
        }
        let mut doubled = Crc::new();
        doubled.combine(&power);
        doubled.combine(&power);
        power = doubled;
        n >>= 1;
    }
    crc.combine(&crc_of(bomb.tail));
    let compressed =
        (head.len() + tail.len()) as u64 + chunk.len() as u64 * u64::from(bomb.repeats);

    let mut zip = ZipBuilder::new(path);
    for (name, data) in parts {
        zip.entry(
            name,
            0,
            crc_of(data).sum(),
            data.len() as u64,
            data.len() as u64,
        );
        zip.write(data);
    }
    zip.entry(bomb.name, 8, crc.sum(), compressed, bomb.inflated_len());
    zip.write(&head);
    for _ in 0..bomb.repeats {
        zip.write(&chunk);
    }
    zip.write(&tail);
    zip.finish();
}

/// A zip writer for sizes known in advance.
struct ZipBuilder {
    out: std::io::BufWriter<std::fs::File>,
    written: u64,
    central: Vec<u8>,
    entries: u16,
}

impl ZipBuilder {
    fn new(path: &Path) -> ZipBuilder {
        ZipBuilder {
            out: std::io::BufWriter::new(std::fs::File::create(path).unwrap()),
            written: 0,
            central: Vec::new(),
            entries: 0,
        }
    }

    fn write(&mut self, data: &[u8]) {
        self.out.write_all(data).unwrap();
        self.written += data.len() as u64;
    }

    /// Starts an entry: its local header now, its central directory record for later.
    fn entry(&mut self, name: &str, method: u16, crc: u32, compressed: u64, size: u64) {
        let (compressed, size) = (
            u32::try_from(compressed).unwrap(),
            u32::try_from(size).unwrap(),
        );
        let offset = u32::try_from(self.written).unwrap();
        let mut local = le(&[
            (0x0403_4b50, 4),
            (20, 2),
            (0, 2),
            (u32::from(method), 2),
            (0, 2),
            (0x21, 2),
            (crc, 4),
            (compressed, 4),
            (size, 4),
            (name.len() as u32, 2),
            (0, 2),
        ]);
        local.extend_from_slice(name.as_bytes());
        self.write(&local);
        self.central.extend(le(&[
            (0x0201_4b50, 4),
            (20, 2),
            (20, 2),
            (0, 2),
            (u32::from(method), 2),
            (0, 2),
            (0x21, 2),
            (crc, 4),
            (compressed, 4),
            (size, 4),
            (name.len() as u32, 2),
            (0, 2),
            (0, 2),
            (0, 2),
            (0, 2),
            (0, 4),
            (offset, 4),
        ]));
        self.central.extend_from_slice(name.as_bytes());
        self.entries += 1;
    }

    fn finish(mut self) {
        let offset = u32::try_from(self.written).unwrap();
        let central = std::mem::take(&mut self.central);
        self.write(&central);
        let end = le(&[
            (0x0605_4b50, 4),
            (0, 2),
            (0, 2),
            (u32::from(self.entries), 2),
            (u32::from(self.entries), 2),
            (central.len() as u32, 4),
            (offset, 4),
            (0, 2),
        ]);
        self.write(&end);
        self.out.flush().unwrap();
    }
}

/// Little-endian fields of the given widths in bytes.
fn le(fields: &[(u32, usize)]) -> Vec<u8> {
    fields
        .iter()
        .flat_map(|(value, width)| value.to_le_bytes()[..*width].to_vec())
        .collect()
}
