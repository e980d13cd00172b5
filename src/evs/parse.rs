//! Parsing the snapshot: its header (delimiter and columns) and its lines.

use chrono::NaiveDate;

use super::{COLUMNS, Segment, SmallText};
use crate::model::{CoverageType, Dmh, MemberId, Zip, header_key, parse_text_date, parse_yes_no};

/// Where each column is and how lines are split.
#[derive(Clone, Copy)]
pub(super) struct SnapshotLayout {
    pub(super) delimiter: u8,
    pub(super) positions: [usize; 16],
    pub(super) fields: usize,
}

pub(super) fn parse_header(line: &[u8]) -> Result<SnapshotLayout, String> {
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
    let text =
        std::str::from_utf8(line).map_err(|_| "the header line is not UTF-8 text".to_string())?;
    let delimiter = [b',', b'|', b'\t']
        .into_iter()
        .max_by_key(|d| line.iter().filter(|b| *b == d).count())
        .unwrap_or(b',');
    let names: Vec<String> = text
        .split(delimiter as char)
        .map(|h| header_key(h.trim_matches('"')))
        .collect();
    let mut positions = [0; 16];
    let mut missing = Vec::new();
    let mut twice = Vec::new();
    for (slot, column) in positions.iter_mut().zip(COLUMNS) {
        let key = header_key(column);
        let mut matching = names.iter().enumerate().filter(|(_, n)| **n == key);
        match (matching.next(), matching.next()) {
            (None, _) => missing.push(column),
            (Some((p, _)), None) => *slot = p,
            // Which one holds the data cannot be known: using either could be wrong.
            (Some((p, _)), Some((q, _))) => {
                twice.push(format!("{column} (columns {} and {})", p + 1, q + 1))
            }
        }
    }
    if !missing.is_empty() {
        return Err(format!(
            "the header lacks required column(s): {}",
            missing.join(", ")
        ));
    }
    if !twice.is_empty() {
        return Err(format!(
            "the header has two columns for the same required name: {}",
            twice.join(", ")
        ));
    }
    // Any other name twice (SPEC 4.4): a snapshot must be whole, and one that repeats a
    // column is not what its maker meant to send. A blank header names no column.
    let repeated = names.iter().enumerate().find_map(|(q, name)| {
        let p = names[..q].iter().position(|n| n == name)?;
        (!name.is_empty()).then_some((p, q))
    });
    if let Some((p, q)) = repeated {
        // The header passed the required names, so this is a header, not a member's line.
        let name: String = text
            .split(delimiter as char)
            .nth(q)
            .unwrap_or("")
            .chars()
            .take(60)
            .collect();
        // `{:?}` quotes it with any control character escaped.
        return Err(format!(
            "the header has two columns of the same name: {:?} (columns {} and {})",
            name.trim(),
            p + 1,
            q + 1
        ));
    }
    Ok(SnapshotLayout {
        delimiter,
        positions,
        fields: names.len(),
    })
}

/// How many fields a line has, quoted fields read as a CSV reader reads them.
pub(super) fn field_count(line: &[u8], layout: SnapshotLayout) -> usize {
    if memchr::memchr(b'"', line).is_none() {
        return memchr::memchr_iter(layout.delimiter, line).count() + 1;
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .delimiter(layout.delimiter)
        .from_reader(line);
    let mut record = csv::ByteRecord::new();
    match reader.read_byte_record(&mut record) {
        Ok(true) => record.len(),
        _ => 0,
    }
}

/// The member ID of a line, reading only as far as its member_id field.
pub(super) fn member_id_of(line: &[u8], layout: SnapshotLayout, quoted: bool) -> Option<MemberId> {
    let position = layout.positions[0];
    if quoted {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .delimiter(layout.delimiter)
            .from_reader(line);
        let mut record = csv::ByteRecord::new();
        reader.read_byte_record(&mut record).ok()?;
        return record.get(position).and_then(parse_member_id);
    }
    let mut rest = line;
    for _ in 0..position {
        rest = &rest[memchr::memchr(layout.delimiter, rest)? + 1..];
    }
    let field = &rest[..memchr::memchr(layout.delimiter, rest).unwrap_or(rest.len())];
    parse_member_id(field)
}

pub(super) fn parse_member_id(field: &[u8]) -> Option<MemberId> {
    MemberId::from_digits(field).or_else(|| MemberId::parse_text(std::str::from_utf8(field).ok()?))
}

/// A full segment, or `None` when a field count, date or code is wrong.
pub(super) fn parse_segment(
    fields: &[&[u8]],
    layout: SnapshotLayout,
    line: u64,
) -> Option<Segment> {
    if fields.len() != layout.fields {
        return None;
    }
    let text = |i: usize| -> Option<&str> {
        std::str::from_utf8(fields[layout.positions[i]])
            .ok()
            .map(str::trim)
    };
    let date = |i: usize| -> Option<Option<NaiveDate>> {
        let t = text(i)?;
        if t.is_empty() {
            Some(None)
        } else {
            parse_text_date(t).ok().map(Some)
        }
    };
    let code = |i: usize, parse: &dyn Fn(&str) -> Option<()>| -> Option<()> {
        let t = text(i)?;
        if t.is_empty() { Some(()) } else { parse(t) }
    };
    fn optional<T>(t: &str, parse: impl Fn(&str) -> Option<T>) -> Option<Option<T>> {
        if t.is_empty() {
            Some(None)
        } else {
            parse(t).map(Some)
        }
    }
    code(0, &|_| Some(()))?;
    Some(Segment {
        line,
        last_name: SmallText::new(text(1)?),
        first_name: SmallText::new(text(2)?),
        date_of_birth: date(3)?,
        elig_start: date(4)?,
        elig_end: date(5)?,
        coverage: optional(text(6)?, CoverageType::parse)?,
        plan_id: SmallText::new(text(7)?),
        medicare: optional(text(8)?, parse_yes_no)?,
        other_insurance: optional(text(9)?, parse_yes_no)?,
        nursing_facility: optional(text(10)?, parse_yes_no)?,
        dmh: optional(text(11)?, Dmh::parse)?,
        zip: optional(text(12)?, Zip::parse_text)?,
        cp_id: SmallText::new(text(13)?),
        cp_start: date(14)?,
        date_of_death: date(15)?,
    })
}
