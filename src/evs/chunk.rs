//! What the workers do with a chunk of whole lines: the scan parses the lines of batch
//! members, the index records every line's member and offset. Line numbers count from the
//! chunk's first line, 0; [`assemble`] and the index add where each chunk starts.

use std::path::Path;

use super::parse::{SnapshotLayout, member_id_of, parse_segment};
use super::{IdSet, IndexedLine, MemberId, Segment, Snapshot};

/// What every chunk's result tells: how many data (non-blank) lines it holds.
pub(super) trait DataLines {
    fn data_lines(&self) -> u64;
}

/// Builds the snapshot from the chunk results of a pass, in file order.
pub(super) fn assemble(path: &Path, chunks: Vec<ChunkResult>) -> Snapshot {
    let (mut found, segments) = numbered(
        chunks
            .into_iter()
            .map(|c| (c.lines, c.data_lines, c.found))
            .collect(),
    );
    // Group by member, keeping line order within a member.
    found.sort_unstable_by_key(|(id, parsed)| (*id, line_of(parsed)));
    let mut snapshot = Snapshot::from_found(path, found);
    snapshot.segments = segments;
    snapshot
}

/// What chunks found, `(lines, data lines, lines found)` in file order, with each line
/// numbered in the file (the header is line 1; each chunk starts where the previous one
/// ended); and the data lines of every chunk.
pub(super) fn numbered(chunks: Vec<(u64, u64, Vec<Found>)>) -> (Vec<Found>, u64) {
    // Sized once: a million members' lines are not copied as the vector grows.
    let mut found: Vec<Found> = Vec::with_capacity(chunks.iter().map(|c| c.2.len()).sum());
    let mut first_line = 2u64;
    let mut segments = 0;
    for (lines, data_lines, chunk_found) in chunks {
        segments += data_lines;
        let base = first_line;
        first_line += lines;
        found.extend(chunk_found.into_iter().map(|(id, parsed)| {
            let parsed = parsed
                .map(|mut segment| {
                    segment.line += base;
                    segment
                })
                .map_err(|offset| offset + base);
            (id, parsed)
        }));
    }
    (found, segments)
}

/// A line of a wanted member: its segment, or its line number when it is malformed.
pub(super) type Found = (MemberId, Result<Segment, u64>);

/// The line a parsed line came from.
pub(super) fn line_of(parsed: &Result<Segment, u64>) -> u64 {
    match parsed {
        Ok(segment) => segment.line,
        Err(line) => *line,
    }
}

#[derive(Default)]
pub(super) struct ChunkResult {
    /// Physical lines in the chunk, to number the lines of later chunks.
    pub(super) lines: u64,
    pub(super) data_lines: u64,
    /// Batch members' lines: the segment, or the line's number in the chunk when malformed.
    pub(super) found: Vec<Found>,
}

impl DataLines for ChunkResult {
    fn data_lines(&self) -> u64 {
        self.data_lines
    }
}

/// A line's segment, or its line number when it is malformed.
pub(super) fn parse_line(
    line: &[u8],
    layout: SnapshotLayout,
    number: u64,
    record: &mut csv::ByteRecord,
) -> Result<Segment, u64> {
    let segment = if memchr::memchr(b'"', line).is_some() {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .delimiter(layout.delimiter)
            .from_reader(line);
        match reader.read_byte_record(record) {
            Ok(true) => parse_segment(&record.iter().collect::<Vec<_>>(), layout, number),
            _ => None,
        }
    } else {
        let fields: Vec<&[u8]> = line.split(|b| *b == layout.delimiter).collect();
        parse_segment(&fields, layout, number)
    };
    segment.ok_or(number)
}

/// Parses the lines of a chunk whose member is wanted; line numbers count from the chunk's
/// first line, 0.
pub(super) fn scan_chunk(chunk: &[u8], layout: SnapshotLayout, wanted: &IdSet) -> ChunkResult {
    let mut result = ChunkResult::default();
    let mut record = csv::ByteRecord::new();
    for (number, line) in lines(chunk) {
        result.lines = number + 1;
        if line.is_empty() {
            continue;
        }
        result.data_lines += 1;
        let quoted = memchr::memchr(b'"', line).is_some();
        match member_id_of(line, layout, quoted) {
            Some(id) if wanted.contains(&id) => result
                .found
                .push((id, parse_line(line, layout, number, &mut record))),
            _ => {}
        }
    }
    result
}

/// The lines of a chunk with their number in it (from 0), without their `\r\n` or `\n`.
pub(super) fn lines(chunk: &[u8]) -> impl Iterator<Item = (u64, &[u8])> {
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

/// One chunk's part of an [`Index`]: line numbers count from the chunk's first line, 0.
pub(super) struct IndexChunk {
    pub(super) entries: Vec<IndexedLine>,
    pub(super) lines: u64,
    pub(super) data_lines: u64,
    /// Where the chunk starts in the text.
    pub(super) start: u64,
    /// The chunk's bytes, when the index holds the text (a gzip snapshot); else empty.
    pub(super) text: Vec<u8>,
}

impl DataLines for IndexChunk {
    fn data_lines(&self) -> u64 {
        self.data_lines
    }
}

pub(super) fn index_chunk(chunk: &[u8], start: u64, layout: SnapshotLayout) -> IndexChunk {
    let mut result = IndexChunk {
        entries: Vec::with_capacity(chunk.len() / 64),
        lines: 0,
        data_lines: 0,
        start,
        text: Vec::new(),
    };
    let base = chunk.as_ptr() as usize;
    for (number, line) in lines(chunk) {
        result.lines = number + 1;
        if line.is_empty() {
            continue;
        }
        result.data_lines += 1;
        let quoted = memchr::memchr(b'"', line).is_some();
        if let Some(member) = member_id_of(line, layout, quoted) {
            result.entries.push(IndexedLine {
                member,
                offset: start + (line.as_ptr() as usize - base) as u64,
                line: number,
            });
        }
    }
    result
}
