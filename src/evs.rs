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
    let pass = pass(path, workers, progress, |chunk, _, layout| {
        scan_chunk(chunk, layout, &Filter::Ids(wanted))
    })?;
    Ok(assemble(path, pass.chunks))
}

/// An index of an uncompressed snapshot: every line's member ID and byte offset, 16 bytes a
/// line. It is built while the batch is read (the two inputs read at once, on two cores),
/// then [`Index::resolve`] parses only the batch members' lines.
pub struct Index {
    path: std::path::PathBuf,
    /// (member, byte offset of the line), sorted.
    entries: Vec<(MemberId, u64)>,
    /// Every data line of the snapshot.
    data_lines: u64,
}

impl Index {
    /// True when the snapshot can be indexed: it is not compressed (a gzip stream cannot be
    /// read at an offset, and the index would cost more than the scan it saves).
    pub fn possible(path: &Path) -> bool {
        !is_gzip(path)
    }

    pub fn build(path: &Path, workers: usize) -> Result<Index, FileError> {
        let pass = pass(path, workers, &|_| {}, index_chunk)?;
        let data_lines = pass.chunks.iter().map(|c| c.data_lines).sum();
        let mut entries: Vec<(MemberId, u64)> =
            Vec::with_capacity(pass.chunks.iter().map(|c| c.entries.len()).sum());
        for chunk in pass.chunks {
            entries.extend(chunk.entries);
        }
        entries.sort_unstable();
        Ok(Index {
            path: path.to_path_buf(),
            entries,
            data_lines,
        })
    }

    /// The snapshot of the members in `wanted`: a second pass that jumps from one wanted
    /// line to the next instead of reading every line's member ID.
    pub fn resolve(
        self,
        wanted: &IdSet,
        workers: usize,
        progress: Progress<'_>,
    ) -> Result<Snapshot, FileError> {
        use rayon::prelude::*;
        // The wanted lines in (member, offset) order, the order the snapshot keeps them in:
        // each one's rank is the slot its segment goes to, so no sort of segments is needed.
        let wanted_lines: Vec<(MemberId, u64)> = self
            .entries
            .into_par_iter()
            .filter(|(id, _)| wanted.contains(id))
            .collect();
        let mut offsets: Vec<(u64, MemberId, u32)> = wanted_lines
            .iter()
            .enumerate()
            .map(|(slot, (id, offset))| (*offset, *id, slot as u32))
            .collect();
        drop(wanted_lines);
        offsets.par_sort_unstable();
        let pass = pass(&self.path, workers, progress, |chunk, start, layout| {
            scan_chunk(
                chunk,
                layout,
                &Filter::Offsets {
                    start,
                    offsets: &offsets,
                },
            )
        })?;
        let mut snapshot = assemble(&self.path, pass.chunks);
        snapshot.segments = self.data_lines;
        Ok(snapshot)
    }
}

/// A `.gz` name, or gzip's magic bytes.
fn is_gzip(path: &Path) -> bool {
    let mut magic = [0u8; 2];
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"))
        || (std::fs::File::open(path)
            .and_then(|mut f| f.read_exact(&mut magic))
            .is_ok()
            && magic == [0x1F, 0x8B])
}

/// Which lines a scan parses fully.
enum Filter<'a> {
    /// Lines whose member is in the set.
    Ids(&'a IdSet),
    /// The lines at these byte offsets (sorted), with their member and the slot their
    /// segment goes to; `start` is the chunk's offset.
    Offsets {
        start: u64,
        offsets: &'a [(u64, MemberId, u32)],
    },
}

/// One chunked pass over the snapshot.
struct Pass<R> {
    chunks: Vec<R>,
}

/// Reads the snapshot's header, then hands chunks of whole lines to `workers` threads through
/// a bounded queue (at most a few chunks in memory, whatever the file's size), calling
/// `per_chunk(bytes, byte offset in the (decompressed) stream, layout)`. Results come back in
/// file order.
fn pass<R: Send>(
    path: &Path,
    workers: usize,
    progress: Progress<'_>,
    per_chunk: impl Fn(&[u8], u64, Layout) -> R + Sync,
) -> Result<Pass<R>, FileError> {
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
    let mut reader: Box<dyn Read + Send> = if is_gzip(path) {
        Box::new(flate2::read::MultiGzDecoder::new(
            std::io::BufReader::with_capacity(1 << 20, counting),
        ))
    } else {
        Box::new(counting)
    };

    // The header line.
    let mut buffer = Vec::with_capacity(CHUNK + 4096);
    let header_end = loop {
        if let Some(end) = memchr::memchr(b'\n', &buffer) {
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
    let header_bytes = (header_end + 1).min(buffer.len());
    buffer.drain(..header_bytes);

    let results: Mutex<Vec<(usize, R)>> = Mutex::new(Vec::new());
    let mut read_error = None;
    let (work_tx, work_rx) = std::sync::mpsc::sync_channel::<(usize, u64, Vec<u8>)>(workers);
    let work_rx = Mutex::new(work_rx);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let (work_rx, results, per_chunk) = (&work_rx, &results, &per_chunk);
            scope.spawn(move || {
                loop {
                    let next = work_rx.lock().ok().and_then(|rx| rx.recv().ok());
                    let Some((index, start, chunk)) = next else {
                        break;
                    };
                    let result = per_chunk(&chunk, start, layout);
                    if let Ok(mut all) = results.lock() {
                        all.push((index, result));
                    }
                }
            });
        }
        let mut index = 0;
        let mut offset = header_bytes as u64;
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
            let length = chunk.len() as u64;
            if work_tx.send((index, offset, chunk)).is_err() {
                break;
            }
            offset += length;
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
    Ok(Pass {
        chunks: chunks.into_iter().map(|(_, r)| r).collect(),
    })
}

/// Builds the snapshot from the chunk results of a pass, in file order.
fn assemble(path: &Path, chunks: Vec<ChunkResult>) -> Snapshot {
    let mut snapshot = Snapshot {
        path: path.display().to_string(),
        ..Snapshot::default()
    };
    // Line numbers: the header is line 1; each chunk starts where the previous one ended.
    let mut found: Vec<(MemberId, Result<Segment, u64>)> =
        Vec::with_capacity(chunks.iter().map(|c| c.found.len()).sum());
    let mut slots: Vec<u32> = Vec::new();
    let mut first_line = 2u64;
    for chunk in chunks {
        slots.extend(chunk.slots);
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
    if slots.len() == found.len() && !found.is_empty() {
        permute_in_place(&mut found, &mut slots);
    } else {
        found.sort_unstable_by_key(|(id, parsed)| (*id, line(parsed)));
    }
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
    snapshot
}

/// Moves each item to the index its slot names (slots are a permutation), in place: one
/// swap per misplaced item and no second copy of the items.
fn permute_in_place<T>(items: &mut [T], slots: &mut [u32]) {
    for i in 0..items.len() {
        while slots[i] as usize != i {
            let j = slots[i] as usize;
            items.swap(i, j);
            slots.swap(i, j);
        }
    }
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
    /// Physical lines in the chunk, to number the lines of later chunks.
    lines: u64,
    data_lines: u64,
    /// Batch members' lines: the segment, or the line's offset in the chunk when malformed.
    found: Vec<(MemberId, Result<Segment, u64>)>,
    /// With an index: where each of `found` goes in (member, line) order.
    slots: Vec<u32>,
}

fn scan_chunk(chunk: &[u8], layout: Layout, filter: &Filter<'_>) -> ChunkResult {
    let mut result = ChunkResult::default();
    let mut owned = csv::ByteRecord::new();
    let mut parse = |line: &[u8], quoted: bool, number: u64| -> Result<Segment, u64> {
        let segment = if quoted {
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .delimiter(layout.delimiter)
                .from_reader(line);
            match reader.read_byte_record(&mut owned) {
                Ok(true) => parse_segment(&owned.iter().collect::<Vec<_>>(), layout, number),
                _ => None,
            }
        } else {
            let fields: Vec<&[u8]> = line.split(|b| *b == layout.delimiter).collect();
            parse_segment(&fields, layout, number)
        };
        segment.ok_or(number)
    };
    match filter {
        Filter::Ids(wanted) => {
            for (number, line) in lines(chunk) {
                result.lines = number + 1;
                if line.is_empty() {
                    continue;
                }
                result.data_lines += 1;
                let quoted = memchr::memchr(b'"', line).is_some();
                match member_id_of(line, layout, quoted) {
                    Some(id) if wanted.contains(&id) => {
                        result.found.push((id, parse(line, quoted, number)))
                    }
                    _ => {}
                }
            }
        }
        Filter::Offsets { start, offsets } => {
            let end = start + chunk.len() as u64;
            let from = offsets.partition_point(|(o, ..)| o < start);
            let to = offsets.partition_point(|(o, ..)| *o < end);
            let (mut position, mut number) = (0usize, 0u64);
            for (offset, id, slot) in &offsets[from..to] {
                result.slots.push(*slot);
                let at = (offset - start) as usize;
                number += memchr::memchr_iter(b'\n', &chunk[position..at]).count() as u64;
                position = at;
                let line_end = memchr::memchr(b'\n', &chunk[at..]).map_or(chunk.len(), |p| at + p);
                let line = &chunk[at..line_end];
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                let quoted = memchr::memchr(b'"', line).is_some();
                result.found.push((*id, parse(line, quoted, number)));
            }
            result.lines = memchr::memchr_iter(b'\n', chunk).count() as u64
                + u64::from(!chunk.is_empty() && !chunk.ends_with(b"\n"));
        }
    }
    result
}

/// The lines of a chunk with their number in it (from 0), without their `\r\n` or `\n`.
fn lines(chunk: &[u8]) -> impl Iterator<Item = (u64, &[u8])> {
    let mut start = 0;
    let mut number = 0u64;
    std::iter::from_fn(move || {
        if start >= chunk.len() {
            return None;
        }
        let end = memchr::memchr(b'\n', &chunk[start..]).map_or(chunk.len(), |p| start + p);
        let line = &chunk[start..end];
        let item = (number, line.strip_suffix(b"\r").unwrap_or(line));
        start = end + 1;
        number += 1;
        Some(item)
    })
}

/// One chunk's part of an [`Index`].
struct IndexChunk {
    entries: Vec<(MemberId, u64)>,
    data_lines: u64,
}

fn index_chunk(chunk: &[u8], start: u64, layout: Layout) -> IndexChunk {
    let mut entries = Vec::with_capacity(chunk.len() / 64);
    let mut data_lines = 0;
    let base = chunk.as_ptr() as usize;
    for (_, line) in lines(chunk) {
        if line.is_empty() {
            continue;
        }
        data_lines += 1;
        let quoted = memchr::memchr(b'"', line).is_some();
        if let Some(id) = member_id_of(line, layout, quoted) {
            entries.push((id, start + (line.as_ptr() as usize - base) as u64));
        }
    }
    IndexChunk {
        entries,
        data_lines,
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u64) -> MemberId {
        MemberId::parse_text(&format!("{n:012}")).unwrap()
    }

    /// A snapshot with everything a pass must get right: several segments per member,
    /// quoted fields, CRLF, blank lines, malformed lines, and enough lines for many chunks.
    fn snapshot_text() -> String {
        let mut text = COLUMNS.join(",") + "\n";
        for n in 0..60_000u64 {
            let member = n % 25_000;
            let last = if n % 97 == 0 {
                "\"Smith, Jr\"".to_string()
            } else {
                format!("Last{member}")
            };
            let start = if n < 25_000 {
                "2020-01-01"
            } else {
                "2025-06-01"
            };
            let line = match n {
                777 => format!("{member:012},broken line"),
                31_339 => format!(
                    "{member:012},A,B,1980-01-01,2020-13-45,,STANDARD,ACPP01,N,N,N,NONE,02118,,,"
                ),
                _ => format!(
                    "{member:012},{last},First,1980-01-01,{start},,STANDARD,ACPP01,N,N,N,NONE,02118,BHCP01,2024-01-01,"
                ),
            };
            text.push_str(&line);
            text.push_str(if n % 5 == 0 { "\r\n" } else { "\n" });
            if n % 1_000 == 0 {
                text.push('\n');
            }
        }
        text
    }

    #[test]
    fn the_index_resolves_exactly_what_the_scan_finds() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("evs.csv");
        std::fs::write(&path, snapshot_text()).unwrap();
        let wanted: IdSet = (0..25_000).step_by(3).map(id).collect();
        let scanned = scan(&path, &wanted, 2, &|_| {}).unwrap();
        assert!(Index::possible(&path));
        let resolved = Index::build(&path, 1)
            .unwrap()
            .resolve(&wanted, 2, &|_| {})
            .unwrap();
        assert_eq!(resolved.segments, scanned.segments);
        assert_eq!(resolved.malformed_lines, scanned.malformed_lines);
        assert_eq!(
            scanned.malformed_lines, 2,
            "lines of members 777 and 6339 are malformed"
        );
        for member in (0..25_000).map(id) {
            assert_eq!(resolved.member(member), scanned.member(member), "{member}");
        }
        // Physical line numbers: header is line 1, blank lines count.
        let first = scanned.member(id(3)).unwrap();
        let MemberRecord::Segments(segments) = first else {
            panic!("{first:?}")
        };
        assert_eq!(segments[0].line, 6, "line 3 is blank");
        assert_eq!(segments[0].last_name.as_str(), "Last3");
    }

    #[test]
    fn gzip_snapshots_are_scanned_not_indexed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("evs.csv");
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, snapshot_text().as_bytes()).unwrap();
        std::fs::write(&path, gz.finish().unwrap()).unwrap();
        assert!(!Index::possible(&path));
        let wanted: IdSet = [id(3)].into_iter().collect();
        let snapshot = scan(&path, &wanted, 2, &|_| {}).unwrap();
        assert!(matches!(snapshot.member(id(3)), Some(MemberRecord::Segments(s)) if s.len() == 3));
    }
}
