//! Delimited text as spreadsheet programs write it (SPEC 2.1): the encoding (UTF-8 with or
//! without a BOM, UTF-16 LE or BE with a BOM, else Windows-1252) and the delimiter (`,`,
//! `;` or tab, whichever splits the header line into the most recognised headers).

use std::borrow::Cow;

use super::header::HEADER_SEARCH_ROWS;
use crate::model::Column;

/// The encoding a text batch was read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    Utf8,
    Utf16Le,
    Utf16Be,
    /// The bytes were not UTF-8: read as Windows-1252, Excel's "CSV" on Windows (W006).
    Windows1252,
}

impl TextEncoding {
    pub fn name(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Utf16Le => "UTF-16 LE",
            TextEncoding::Utf16Be => "UTF-16 BE",
            TextEncoding::Windows1252 => "Windows-1252",
        }
    }
}

/// The file's text as UTF-8, its byte order mark removed, and the encoding it was in; or
/// why it cannot be text (a UTF-16 file that is not well formed).
pub(crate) fn decode(bytes: &[u8]) -> Result<(Cow<'_, str>, TextEncoding), &'static str> {
    let utf16 = match bytes {
        [0xFF, 0xFE, ..] => Some((encoding_rs::UTF_16LE, TextEncoding::Utf16Le)),
        [0xFE, 0xFF, ..] => Some((encoding_rs::UTF_16BE, TextEncoding::Utf16Be)),
        _ => None,
    };
    if let Some((encoding, which)) = utf16 {
        return encoding
            .decode_without_bom_handling_and_without_replacement(&bytes[2..])
            .map(|text| (text, which))
            .ok_or("it starts as UTF-16 text but is not well-formed UTF-16 (is it damaged?)");
    }
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(body) {
        Ok(text) => Ok((Cow::Borrowed(text), TextEncoding::Utf8)),
        // Every byte is a character of Windows-1252: this never fails.
        Err(_) => Ok((
            encoding_rs::WINDOWS_1252
                .decode_without_bom_handling(body)
                .0,
            TextEncoding::Windows1252,
        )),
    }
}

/// The delimiters tried, the first winning a tie.
const DELIMITERS: [u8; 3] = [b',', b';', b'\t'];

/// The delimiter that splits one of the first non-empty lines (where the header row must
/// be) into the most recognised headers; a comma when none recognises any.
pub(crate) fn delimiter(text: &str) -> u8 {
    let mut best = (0, DELIMITERS[0]);
    for delimiter in DELIMITERS {
        let score = recognised_headers(text, delimiter);
        if score > best.0 {
            best = (score, delimiter);
        }
    }
    best.1
}

/// The most recognised headers in any of the first non-empty records split by `delimiter`.
fn recognised_headers(text: &str, delimiter: u8) -> usize {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut best = 0;
    let mut record = csv::ByteRecord::new();
    let mut non_empty = 0;
    while non_empty < HEADER_SEARCH_ROWS && matches!(reader.read_byte_record(&mut record), Ok(true))
    {
        if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        non_empty += 1;
        let recognised = record
            .iter()
            .filter_map(|field| std::str::from_utf8(field).ok())
            .filter(|field| Column::from_header(field).is_some())
            .count();
        best = best.max(recognised);
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_with_a_bom_either_way_and_1252_are_decoded() {
        let text = "Action\tMember ID\r\nENROLL\tMüller\r\n";
        let le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain(text.encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        assert_eq!(decode(&le).unwrap(), (text.into(), TextEncoding::Utf16Le));
        assert_eq!(decode(&be).unwrap(), (text.into(), TextEncoding::Utf16Be));
        let cp1252 = b"Last Name\r\nM\xFCller \x96 O\x92Brien\r\n";
        assert_eq!(
            decode(cp1252).unwrap(),
            (
                "Last Name\r\nMüller – O’Brien\r\n".into(),
                TextEncoding::Windows1252
            )
        );
        assert_eq!(
            decode("\u{FEFF}Action,Müller".as_bytes()).unwrap(),
            ("Action,Müller".into(), TextEncoding::Utf8)
        );
        // An odd byte out: not UTF-16.
        assert!(decode(&le[..le.len() - 1]).is_err());
    }

    #[test]
    fn the_delimiter_is_the_one_that_finds_the_most_headers() {
        assert_eq!(delimiter("Action,Member ID,Last Name\n"), b',');
        assert_eq!(
            delimiter("Title; of the file\nAction;Member ID;Last Name\n"),
            b';'
        );
        assert_eq!(delimiter("Action\tMember ID\tLast Name, First\n"), b'\t');
        // A semicolon batch whose names hold commas.
        assert_eq!(
            delimiter("Action;Member ID;Last Name;First Name\nENROLL;1;Smith, Jr;Al\n"),
            b';'
        );
        assert_eq!(delimiter("nothing, here\n"), b',');
    }
}
