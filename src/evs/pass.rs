//! Chunked passes over the snapshot: one thread reads, worker threads handle chunks of whole
//! lines, and results come back in file order.

use std::io::Read;
use std::path::Path;
use std::sync::Mutex;

use sha2::{Digest, Sha256};

use super::parse::{Layout, member_id_of, parse_header, parse_segment};
use super::{IdSet, IndexedLine, MemberId, Progress, Segment, Snapshot};
use crate::batch::io_reason;
use crate::error::FileError;

const CHUNK: usize = 4 << 20;

/// A `.gz` name, or gzip's magic bytes.
pub(super) fn is_gzip(path: &Path) -> bool {
    let mut magic = [0u8; 2];
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"))
        || (std::fs::File::open(path)
            .and_then(|mut f| f.read_exact(&mut magic))
            .is_ok()
            && magic == [0x1F, 0x8B])
}

/// One chunked pass over the snapshot.
pub(super) struct Pass<R> {
    pub(super) layout: Layout,
    pub(super) chunks: Vec<R>,
    /// With `hash`, the SHA-256 of the file as stored, computed as it was read.
    pub(super) sha256: Option<String>,
}

/// Reads the snapshot's header, then hands chunks of whole lines to `workers` threads through
/// a bounded queue (at most a few chunks in memory, whatever the file's size), calling
/// `per_chunk(bytes, byte offset in the (decompressed) stream, layout)`. Results come back in
/// file order. With `hash`, the reading thread also hashes the file.
pub(super) fn pass<R: Send>(
    path: &Path,
    workers: usize,
    progress: Progress<'_>,
    hash: bool,
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
    let mut hasher = hash.then(Sha256::new);
    let counting = ProgressReader {
        file,
        read: 0,
        progress,
        hasher: hasher.as_mut(),
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
    drop(reader);
    let mut chunks = results.into_inner().unwrap_or_default();
    chunks.sort_by_key(|(i, _)| *i);
    Ok(Pass {
        layout,
        chunks: chunks.into_iter().map(|(_, r)| r).collect(),
        sha256: hasher.map(|h| crate::batch::hex(&h.finalize())),
    })
}

/// Builds the snapshot from the chunk results of a pass, in file order.
pub(super) fn assemble(path: &Path, chunks: Vec<ChunkResult>) -> Snapshot {
    // Line numbers: the header is line 1; each chunk starts where the previous one ended.
    let mut found: Vec<(MemberId, Result<Segment, u64>)> =
        Vec::with_capacity(chunks.iter().map(|c| c.found.len()).sum());
    let mut first_line = 2u64;
    let mut segments = 0;
    for chunk in chunks {
        segments += chunk.data_lines;
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
    found.sort_unstable_by_key(|(id, parsed)| (*id, line_of(parsed)));
    let mut snapshot = Snapshot::from_found(path, found);
    snapshot.segments = segments;
    snapshot
}

/// The line a parsed line came from.
pub(super) fn line_of(parsed: &Result<Segment, u64>) -> u64 {
    match parsed {
        Ok(segment) => segment.line,
        Err(line) => *line,
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

#[derive(Default)]
pub(super) struct ChunkResult {
    /// Physical lines in the chunk, to number the lines of later chunks.
    lines: u64,
    data_lines: u64,
    /// Batch members' lines: the segment, or the line's number in the chunk when malformed.
    found: Vec<(MemberId, Result<Segment, u64>)>,
}

/// A line's segment, or its line number when it is malformed.
pub(super) fn parse_line(
    line: &[u8],
    layout: Layout,
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
pub(super) fn scan_chunk(chunk: &[u8], layout: Layout, wanted: &IdSet) -> ChunkResult {
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

/// One chunk's part of an [`Index`]: line numbers count from the chunk's first line, 0.
pub(super) struct IndexChunk {
    pub(super) entries: Vec<IndexedLine>,
    pub(super) lines: u64,
    pub(super) data_lines: u64,
}

pub(super) fn index_chunk(chunk: &[u8], start: u64, layout: Layout) -> IndexChunk {
    let mut result = IndexChunk {
        entries: Vec::with_capacity(chunk.len() / 64),
        lines: 0,
        data_lines: 0,
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

/// Reports how many bytes of the file have been read, and hashes them: the snapshot is read
/// once, not once more for its SHA-256.
struct ProgressReader<'p> {
    file: std::fs::File,
    read: u64,
    progress: Progress<'p>,
    hasher: Option<&'p mut Sha256>,
}

impl Read for ProgressReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.file.read(buf)?;
        if let Some(hasher) = self.hasher.as_mut() {
            hasher.update(&buf[..n]);
        }
        self.read += n as u64;
        (self.progress)(self.read);
        Ok(n)
    }
}
