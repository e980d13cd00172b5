//! The EVS eligibility snapshot (SPEC 2.4): scanned, not loaded. The batch's member IDs are
//! collected first; the snapshot is then read in large chunks that worker threads scan in
//! parallel, looking only at each line's member_id field and parsing the rest only for batch
//! members. Memory follows the batch, not the snapshot.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::io::Read;
use std::path::Path;
use std::sync::Mutex;

use chrono::NaiveDate;

use crate::batch::io_reason;
use crate::error::FileError;
use crate::model::{CoverageType, Dmh, MemberId, Zip, header_key, parse_text_date, parse_yes_no};

/// The sixteen columns a snapshot must have, in SPEC order.
pub const COLUMNS: [&str; 16] = [
    "member_id",
    "last_name",
    "first_name",
    "date_of_birth",
    "elig_start",
    "elig_end",
    "coverage_type",
    "plan_id",
    "medicare",
    "other_insurance",
    "nursing_facility",
    "dmh_affiliation",
    "zip",
    "cp_id",
    "cp_start",
    "date_of_death",
];

/// Member IDs are already well mixed; a multiply-shift hash is enough and much faster than
/// SipHash on the scan's hot path.
#[derive(Default)]
pub struct IdHasher(u64);

impl Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x100_0000_01B3);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (n ^ (n >> 29)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        self.0 ^= self.0 >> 32;
    }
}

pub type IdSet = HashSet<MemberId, BuildHasherDefault<IdHasher>>;
type IdMap<V> = HashMap<MemberId, V, BuildHasherDefault<IdHasher>>;

/// Short text stored inline (names and IDs almost always fit), else on the heap: a
/// million-member batch keeps millions of these.
#[derive(Clone, PartialEq, Eq)]
pub enum SmallText {
    Inline { len: u8, bytes: [u8; 22] },
    Heap(Box<str>),
}

impl SmallText {
    pub fn new(text: &str) -> SmallText {
        let mut bytes = [0u8; 22];
        match bytes.get_mut(..text.len()) {
            Some(slot) => {
                slot.copy_from_slice(text.as_bytes());
                SmallText::Inline {
                    len: text.len() as u8,
                    bytes,
                }
            }
            None => SmallText::Heap(text.into()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            // Inline bytes were copied from a &str, whole: always valid UTF-8.
            SmallText::Inline { len, bytes } => {
                std::str::from_utf8(&bytes[..usize::from(*len)]).unwrap_or_default()
            }
            SmallText::Heap(text) => text,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.as_str().is_empty()
    }
}

impl std::ops::Deref for SmallText {
    type Target = str;
    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl std::fmt::Debug for SmallText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

/// One eligibility segment of one member.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    /// Physical line number in the snapshot (the header is line 1).
    pub line: u64,
    pub last_name: SmallText,
    pub first_name: SmallText,
    pub date_of_birth: Option<NaiveDate>,
    pub elig_start: Option<NaiveDate>,
    pub elig_end: Option<NaiveDate>,
    pub coverage: Option<CoverageType>,
    pub plan_id: SmallText,
    pub medicare: Option<bool>,
    pub other_insurance: Option<bool>,
    pub nursing_facility: Option<bool>,
    pub dmh: Option<Dmh>,
    pub zip: Option<Zip>,
    pub cp_id: SmallText,
    pub cp_start: Option<NaiveDate>,
    pub date_of_death: Option<NaiveDate>,
}

impl Segment {
    pub fn covers(&self, date: NaiveDate) -> bool {
        self.elig_start.is_none_or(|s| s <= date) && self.elig_end.is_none_or(|e| date <= e)
    }
}

/// What the snapshot says of one batch member.
#[derive(Debug, Clone, PartialEq)]
pub enum MemberRecord<'s> {
    Segments(&'s [Segment]),
    /// A line of this member is malformed (the first such line): none of its lines are used.
    Malformed {
        line: u64,
    },
}

impl MemberRecord<'_> {
    /// The segment covering `date`: the one with the latest start among those that cover it.
    pub fn covering(segments: &[Segment], date: NaiveDate) -> Option<&Segment> {
        segments
            .iter()
            .filter(|s| s.covers(date))
            .max_by_key(|s| (s.elig_start, s.line))
    }

    /// The latest segment that started on or before `date` (the DISENROLL fallback).
    pub fn latest_started(segments: &[Segment], date: NaiveDate) -> Option<&Segment> {
        segments
            .iter()
            .filter(|s| s.elig_start.is_none_or(|start| start <= date))
            .max_by_key(|s| (s.elig_start, s.line))
    }
}

/// The parts of a snapshot that concern the batch members.
#[derive(Debug, Default)]
pub struct Snapshot {
    pub path: String,
    /// Filled in by the caller, which hashes the file on another thread during the scan.
    pub sha256: String,
    /// Every data line of the snapshot.
    pub segments: u64,
    /// Malformed lines of batch members.
    pub malformed_lines: u64,
    /// Every batch member's good segments, grouped by member in line order: one vector, so
    /// a million members cost no allocation each.
    store: Vec<Segment>,
    members: IdMap<Entry>,
}

#[derive(Debug, Clone, Copy)]
enum Entry {
    Segments { start: usize, len: usize },
    Malformed { line: u64 },
}

impl Snapshot {
    pub fn member(&self, id: MemberId) -> Option<MemberRecord<'_>> {
        Some(match *self.members.get(&id)? {
            Entry::Segments { start, len } => {
                MemberRecord::Segments(&self.store[start..start + len])
            }
            Entry::Malformed { line } => MemberRecord::Malformed { line },
        })
    }
}

const CHUNK: usize = 4 << 20;

/// Where each column is and how lines are split.
#[derive(Clone, Copy)]
struct Layout {
    delimiter: u8,
    positions: [usize; 16],
    fields: usize,
}

/// Progress callback: bytes of the file read so far.
pub type Progress<'a> = &'a (dyn Fn(u64) + Sync);

/// Scans the snapshot for the members in `wanted`, on `workers` threads.
pub fn scan(
    path: &Path,
    wanted: &IdSet,
    workers: usize,
    progress: Progress<'_>,
) -> Result<Snapshot, FileError> {
    let workers = workers.max(1);
    let display = path.display().to_string();
    let fail = |reason: String| FileError::Evs {
        path: display.clone(),
        reason,
    };
    if path.is_dir() {
        return Err(fail("it is a directory, not a file".into()));
    }
    let file = std::fs::File::open(path).map_err(|e| fail(io_reason(&e)))?;
    let counting = ProgressReader {
        file,
        read: 0,
        progress,
    };
    let mut magic = [0u8; 2];
    let gz = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"))
        || {
            let mut probe = std::fs::File::open(path).map_err(|e| fail(io_reason(&e)))?;
            probe.read(&mut magic).map_err(|e| fail(io_reason(&e)))? == 2 && magic == [0x1F, 0x8B]
        };
    let mut reader: Box<dyn Read + Send> = if gz {
        Box::new(flate2::read::MultiGzDecoder::new(
            std::io::BufReader::with_capacity(1 << 20, counting),
        ))
    } else {
        Box::new(counting)
    };

    // The header line.
    let mut buffer = Vec::with_capacity(CHUNK + 4096);
    let header_end = loop {
        if let Some(end) = buffer.iter().position(|b| *b == b'\n') {
            break end;
        }
        let read =
            read_some(&mut reader, &mut buffer, 64 << 10).map_err(|e| fail(e.to_string()))?;
        if read == 0 {
            if buffer.is_empty() {
                return Err(fail("the file is empty".into()));
            }
            break buffer.len();
        }
    };
    let layout = parse_header(&buffer[..header_end]).map_err(fail)?;
    buffer.drain(..(header_end + 1).min(buffer.len()));

    let results: Mutex<Vec<(usize, ChunkResult)>> = Mutex::new(Vec::new());
    let mut read_error = None;
    // The reader (this thread) hands chunks to `workers` scanning threads through a bounded
    // queue, so at most a few chunks are in memory at once whatever the file's size.
    let (work_tx, work_rx) = std::sync::mpsc::sync_channel::<(usize, Vec<u8>)>(workers);
    let work_rx = Mutex::new(work_rx);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let (work_rx, results) = (&work_rx, &results);
            scope.spawn(move || {
                loop {
                    let next = work_rx.lock().ok().and_then(|rx| rx.recv().ok());
                    let Some((index, chunk)) = next else { break };
                    let result = scan_chunk(&chunk, layout, wanted);
                    if let Ok(mut all) = results.lock() {
                        all.push((index, result));
                    }
                }
            });
        }
        let mut index = 0;
        loop {
            let eof = match fill_chunk(&mut reader, &mut buffer) {
                Ok(eof) => eof,
                Err(e) => {
                    read_error = Some(e.to_string());
                    break;
                }
            };
            let cut = if eof {
                buffer.len()
            } else {
                memchr::memrchr(b'\n', &buffer).map_or(buffer.len(), |p| p + 1)
            };
            let mut rest = Vec::with_capacity(CHUNK + 4096);
            rest.extend_from_slice(&buffer[cut..]);
            buffer.truncate(cut);
            let chunk = std::mem::replace(&mut buffer, rest);
            if work_tx.send((index, chunk)).is_err() {
                break;
            }
            index += 1;
            if eof {
                break;
            }
        }
        drop(work_tx);
    });
    if let Some(e) = read_error {
        return Err(fail(format!("cannot be read ({e})")));
    }
    let mut chunks = results.into_inner().unwrap_or_default();
    chunks.sort_by_key(|(i, _)| *i);
    let mut snapshot = Snapshot {
        path: display,
        ..Snapshot::default()
    };
    // Line numbers: the header is line 1; each chunk starts where the previous one ended.
    let mut found: Vec<(MemberId, Result<Segment, u64>)> =
        Vec::with_capacity(chunks.iter().map(|(_, c)| c.found.len()).sum());
    let mut first_line = 2u64;
    for (_, chunk) in chunks {
        snapshot.segments += chunk.data_lines;
        let base = first_line;
        first_line += chunk.lines;
        found.extend(chunk.found.into_iter().map(|(id, parsed)| {
            let parsed = parsed
                .map(|mut segment| {
                    segment.line += base;
                    segment
                })
                .map_err(|offset| offset + base);
            (id, parsed)
        }));
    }
    // Group by member, keeping line order within a member.
    let line = |parsed: &Result<Segment, u64>| match parsed {
        Ok(segment) => segment.line,
        Err(line) => *line,
    };
    found.sort_unstable_by_key(|(id, parsed)| (*id, line(parsed)));
    snapshot.malformed_lines = found.iter().filter(|(_, p)| p.is_err()).count() as u64;
    let mut stored = 0;
    for group in found.chunk_by(|a, b| a.0 == b.0) {
        let entry = match group.iter().find_map(|(_, p)| p.as_ref().err()) {
            Some(line) => Entry::Malformed { line: *line },
            None => Entry::Segments {
                start: stored,
                len: group.len(),
            },
        };
        if let Entry::Segments { len, .. } = entry {
            stored += len;
        }
        snapshot.members.insert(group[0].0, entry);
    }
    // Collected in place (the standard library reuses `found`'s allocation): no second copy.
    let members = &snapshot.members;
    snapshot.store = found
        .into_iter()
        .filter_map(|(id, parsed)| match members.get(&id) {
            Some(Entry::Segments { .. }) => parsed.ok(),
            _ => None,
        })
        .collect();
    Ok(snapshot)
}

/// Reads up to `want` more bytes onto the end of `buffer`; returns how many were read.
fn read_some(reader: &mut dyn Read, buffer: &mut Vec<u8>, want: usize) -> std::io::Result<usize> {
    let start = buffer.len();
    buffer.resize(start + want, 0);
    let read = loop {
        match reader.read(&mut buffer[start..]) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            other => break other,
        }
    };
    buffer.truncate(start + *read.as_ref().unwrap_or(&0));
    read
}

/// Fills `buffer` to about CHUNK bytes; returns true at end of file.
fn fill_chunk(reader: &mut dyn Read, buffer: &mut Vec<u8>) -> std::io::Result<bool> {
    while buffer.len() < CHUNK {
        if read_some(reader, buffer, CHUNK - buffer.len())? == 0 {
            return Ok(true);
        }
    }
    Ok(false)
}

fn parse_header(line: &[u8]) -> Result<Layout, String> {
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
    for (slot, column) in positions.iter_mut().zip(COLUMNS) {
        match names.iter().position(|n| *n == header_key(column)) {
            Some(p) => *slot = p,
            None => missing.push(column),
        }
    }
    if !missing.is_empty() {
        return Err(format!(
            "the header lacks required column(s): {}",
            missing.join(", ")
        ));
    }
    Ok(Layout {
        delimiter,
        positions,
        fields: names.len(),
    })
}

#[derive(Default)]
struct ChunkResult {
    /// Physical lines in the chunk (newlines), to number the lines of later chunks.
    lines: u64,
    data_lines: u64,
    /// Batch members' lines: the segment, or the line's offset in the chunk when malformed.
    found: Vec<(MemberId, Result<Segment, u64>)>,
}

fn scan_chunk(chunk: &[u8], layout: Layout, wanted: &IdSet) -> ChunkResult {
    let mut result = ChunkResult::default();
    let mut fields: Vec<&[u8]> = Vec::with_capacity(layout.fields);
    let mut owned = csv::ByteRecord::new();
    let mut start = 0;
    let mut offset = 0u64;
    while start < chunk.len() {
        let end = memchr::memchr(b'\n', &chunk[start..]).map_or(chunk.len(), |p| start + p);
        let line = &chunk[start..end];
        let line_offset = offset;
        start = end + 1;
        offset += 1;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        result.data_lines += 1;
        let quoted = memchr::memchr(b'"', line).is_some();
        let Some(id) = member_id_of(line, layout, quoted) else {
            continue;
        };
        if !wanted.contains(&id) {
            continue;
        }
        let segment = if quoted {
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .delimiter(layout.delimiter)
                .from_reader(line);
            match reader.read_byte_record(&mut owned) {
                Ok(true) => parse_segment(&owned.iter().collect::<Vec<_>>(), layout, line_offset),
                _ => None,
            }
        } else {
            fields.clear();
            fields.extend(line.split(|b| *b == layout.delimiter));
            parse_segment(&fields, layout, line_offset)
        };
        result.found.push((id, segment.ok_or(line_offset)));
    }
    result.lines = offset;
    result
}

/// The member ID of a line, reading only as far as its member_id field.
fn member_id_of(line: &[u8], layout: Layout, quoted: bool) -> Option<MemberId> {
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

fn parse_member_id(field: &[u8]) -> Option<MemberId> {
    MemberId::from_digits(field).or_else(|| MemberId::parse_text(std::str::from_utf8(field).ok()?))
}

/// A full segment, or `None` when a field count, date or code is wrong.
fn parse_segment(fields: &[&[u8]], layout: Layout, line: u64) -> Option<Segment> {
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

/// Reports how many bytes of the file have been read.
struct ProgressReader<'p> {
    file: std::fs::File,
    read: u64,
    progress: Progress<'p>,
}

impl Read for ProgressReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.file.read(buf)?;
        self.read += n as u64;
        (self.progress)(self.read);
        Ok(n)
    }
}
