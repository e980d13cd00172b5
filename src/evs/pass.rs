//! Chunked passes over the snapshot: one thread reads, worker threads handle chunks of whole
//! lines, and results come back in file order.
//!
//! Whatever the file holds, the reading stays linear and bounded (SPEC 4.4): the header must
//! end within 64 KiB; a line is never split between chunks (a chunk grows to hold a long
//! one, up to [`MAX_LINE`]); each byte is searched for a line end once.

use std::io::Read;
use std::path::Path;
use std::sync::Mutex;

use sha2::{Digest, Sha256};

use super::chunk::DataLines;
use super::parse::{Layout, field_count, parse_header};
use super::{Progress, source};
use crate::error::FileError;
use crate::sys::io_reason;

/// The bytes a chunk holds, unless one line is longer.
const CHUNK: usize = 4 << 20;
/// The longest header line (SPEC 4.4).
const MAX_HEADER: usize = 64 << 10;
/// The longest data line: a snapshot's lines are a few hundred bytes; a file with no line
/// end in this many is not one, and would otherwise be held whole.
const MAX_LINE: usize = 64 << 20;

const LONE_CR: &str = "its lines end in a carriage return alone (CR, as old Mac files do); \
cpbatch reads lines that end in LF or CRLF: convert the file's line ends";

/// One chunked pass over the snapshot.
pub(super) struct Pass<R> {
    pub(super) layout: Layout,
    pub(super) chunks: Vec<R>,
    /// With `hash`, the SHA-256 of the file as stored, computed as it was read.
    pub(super) sha256: Option<String>,
}

/// Why reading stopped.
enum Stop {
    Io(std::io::Error),
    /// What is wrong with the file, in plain words.
    Refused(String),
}

impl From<std::io::Error> for Stop {
    fn from(e: std::io::Error) -> Stop {
        Stop::Io(e)
    }
}

impl Stop {
    fn reason(self, gzip: bool) -> String {
        match self {
            Stop::Refused(reason) => reason,
            Stop::Io(e) if gzip && e.kind() == std::io::ErrorKind::UnexpectedEof => {
                "the gzip stream is cut off: the file ends before its compressed data does \
                 (was it cut off in transfer?)"
                    .into()
            }
            // flate2's own text is not shown: stderr is built from what cpbatch knows.
            Stop::Io(e) if gzip && e.kind() == std::io::ErrorKind::InvalidInput => {
                "it is not valid gzip data: its compressed stream is damaged".into()
            }
            Stop::Io(e) => format!("cannot be read ({})", io_reason(&e)),
        }
    }
}

/// Reads the snapshot's header, then hands chunks of whole lines to `workers` threads through
/// a bounded queue (at most a few chunks in memory, whatever the file's size), calling
/// `per_chunk(bytes, byte offset in the (decompressed) stream, layout)`. Results come back in
/// file order. With `hash`, the reading thread also hashes the file. The file is opened and
/// read once: it may be a pipe.
pub(super) fn pass<R: Send + DataLines>(
    path: &Path,
    workers: usize,
    progress: Progress<'_>,
    hash: bool,
    per_chunk: impl Fn(&[u8], u64, Layout) -> R + Sync,
) -> Result<Pass<R>, FileError> {
    let workers = workers.max(1);
    let fail = |reason: String| FileError::Evs {
        path: path.display().to_string(),
        reason,
    };
    if path.is_dir() {
        return Err(fail("it is a directory, not a file".into()));
    }
    let mut hasher = hash.then(Sha256::new);
    let source::Source { mut text, gzip } =
        source::open(path, progress, hasher.as_mut()).map_err(|e| fail(io_reason(&e)))?;
    let (layout, mut carry, header_bytes) =
        read_header(&mut *text).map_err(|stop| fail(stop.reason(gzip)))?;

    let results: Mutex<Vec<(usize, R)>> = Mutex::new(Vec::new());
    let mut stopped = None;
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
            let (chunk, eof) = match next_chunk(&mut *text, &mut carry, layout) {
                Ok(next) => next,
                Err(stop) => {
                    stopped = Some(stop);
                    break;
                }
            };
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
    if let Some(stop) = stopped {
        return Err(fail(stop.reason(gzip)));
    }
    drop(text);
    let mut chunks = results.into_inner().unwrap_or_default();
    if chunks.iter().all(|(_, chunk)| chunk.data_lines() == 0) {
        return Err(fail(
            "it has a header but no data line: a snapshot lists every member's segments".into(),
        ));
    }
    chunks.sort_by_key(|(i, _)| *i);
    Ok(Pass {
        layout,
        chunks: chunks.into_iter().map(|(_, r)| r).collect(),
        sha256: hasher.map(|h| crate::sys::hex(&h.finalize())),
    })
}

/// Reads the header line, which must end within [`MAX_HEADER`] bytes; returns the layout,
/// the bytes read after the header, and the header's length with its line end.
fn read_header(text: &mut dyn Read) -> Result<(Layout, Vec<u8>, usize), Stop> {
    let mut buffer = Vec::with_capacity(CHUNK + 4096);
    let mut searched = 0;
    let end = loop {
        if let Some(at) = memchr::memchr(b'\n', &buffer[searched..]) {
            break searched + at;
        }
        searched = buffer.len();
        if searched >= MAX_HEADER {
            break searched;
        }
        if !fill(text, &mut buffer, searched + MAX_HEADER)? {
            continue;
        }
        if buffer.is_empty() {
            return Err(Stop::Refused("the file is empty".into()));
        }
        // A header with no line end, and nothing after it.
        if memchr::memchr(b'\n', &buffer[searched..]).is_none() {
            break buffer.len();
        }
    };
    let header = &buffer[..end.min(buffer.len())];
    if header
        .strip_suffix(b"\r")
        .unwrap_or(header)
        .contains(&b'\r')
    {
        return Err(Stop::Refused(LONE_CR.into()));
    }
    if end >= MAX_HEADER {
        return Err(Stop::Refused(
            "the header line does not end within 64 KiB: a snapshot starts with one line of \
             column names"
                .into(),
        ));
    }
    let layout = parse_header(header).map_err(Stop::Refused)?;
    let header_bytes = (end + 1).min(buffer.len());
    buffer.drain(..header_bytes);
    Ok((layout, buffer, header_bytes))
}

/// The next chunk of whole lines: about [`CHUNK`] bytes, more when a line is longer, so that
/// no line is ever split. `carry` holds what was read after the previous chunk (the start of
/// a line, or after the header whatever came with it) and is left holding the start of the
/// next line. At the end of the text the chunk
/// is all that is left, and the flag is true.
fn next_chunk(
    text: &mut dyn Read,
    carry: &mut Vec<u8>,
    layout: Layout,
) -> Result<(Vec<u8>, bool), Stop> {
    let mut chunk = std::mem::take(carry);
    // Each byte is searched for a line end once as the chunk grows (and the carried start of
    // a line once more): linear, however long a line is.
    let mut searched = 0;
    let mut want = CHUNK;
    loop {
        let eof = fill(text, &mut chunk, want)?;
        let cut = memchr::memrchr(b'\n', &chunk[searched..]).map(|at| searched + at + 1);
        // Without a line end in what was read, the line being read is the whole chunk.
        if chunk.len() - cut.unwrap_or(0) > MAX_LINE {
            return Err(Stop::Refused(if memchr::memchr(b'\r', &chunk).is_some() {
                LONE_CR.into()
            } else {
                "a line does not end within 64 MiB: a snapshot's lines are a few hundred bytes"
                    .into()
            }));
        }
        if eof {
            check_last_line(&chunk, layout)?;
            return Ok((chunk, true));
        }
        if let Some(cut) = cut {
            *carry = Vec::with_capacity(CHUNK + 4096);
            carry.extend_from_slice(&chunk[cut..]);
            chunk.truncate(cut);
            return Ok((chunk, false));
        }
        searched = chunk.len();
        want = searched + CHUNK;
    }
}

/// At the end of the text: a last line with no line end and the wrong number of fields was
/// cut off in transfer (SPEC 2.4).
fn check_last_line(chunk: &[u8], layout: Layout) -> Result<(), Stop> {
    if chunk.last().is_none_or(|b| *b == b'\n') {
        return Ok(());
    }
    let line = &chunk[memchr::memrchr(b'\n', chunk).map_or(0, |at| at + 1)..];
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let fields = field_count(line, layout);
    if line.is_empty() || fields == layout.fields {
        return Ok(());
    }
    Err(Stop::Refused(format!(
        "the snapshot ends in the middle of a line: its last line has no line end and {fields} \
         field(s) where the header has {} (was the file cut off in transfer?)",
        layout.fields
    )))
}

/// Reads onto the end of `buffer` until it holds `want` bytes; returns true at the end of
/// the text. The new space is zeroed once, however many reads fill it (a pipe gives 64 KiB
/// a read).
fn fill(text: &mut dyn Read, buffer: &mut Vec<u8>, want: usize) -> std::io::Result<bool> {
    let mut filled = buffer.len();
    if filled >= want {
        return Ok(false);
    }
    buffer.resize(want, 0);
    let result = loop {
        if filled == want {
            break Ok(false);
        }
        match text.read(&mut buffer[filled..]) {
            Ok(0) => break Ok(true),
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => break Err(e),
        }
    };
    buffer.truncate(filled);
    result
}
