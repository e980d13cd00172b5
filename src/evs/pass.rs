//! Chunked passes over the snapshot: one thread reads, worker threads handle chunks of whole
//! lines, and results come back in file order.
//!
//! Whatever the file holds, the reading stays linear and bounded (SPEC 4.4): the header must
//! end within 64 KiB; a line is never split between chunks (a chunk grows to hold a long
//! one, up to [`MAX_LINE`]); each byte is searched for a line end once.

use std::io::Read;
use std::path::Path;
use std::sync::mpsc::Sender;

use sha2::{Digest, Sha256};

use super::chunk::DataLines;
use super::parse::{SnapshotLayout, field_count, parse_header};
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
    pub(super) layout: SnapshotLayout,
    pub(super) chunks: Vec<R>,
    /// With `hash`, the SHA-256 of the file as stored, computed as it was read.
    pub(super) sha256: Option<String>,
    /// False when the pass stopped at its text limit ([`pass_within`]): `chunks` then
    /// hold only the start of the file, and nothing is known of the rest.
    pub(super) whole: bool,
}

/// Why a snapshot whose text passed the limit it was read with is not held (`Stop::Limit`).
pub(super) const TOO_LARGE_TO_HOLD: &str = "it is larger than cpbatch may hold in memory";

/// Why reading stopped.
enum Stop {
    Io(std::io::Error),
    /// What is wrong with the file, in plain words.
    Refused(String),
    /// The text passed the pass's limit: nothing is wrong with the file.
    Limit,
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
            Stop::Limit => TOO_LARGE_TO_HOLD.into(),
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

/// A chunk's index and result, on its way back to the reader.
type Done<R> = Option<(usize, R)>;

/// Sends a task's [`Done`] when the task ends, even by a panic (then with no result): the
/// reader counts every chunk done, and rayon raises the panic once the scope ends.
struct SendWhenDone<R> {
    sender: Sender<Done<R>>,
    result: Done<R>,
}

impl<R> Drop for SendWhenDone<R> {
    fn drop(&mut self) {
        let _ = self.sender.send(self.result.take());
    }
}

/// Reads the snapshot's header, then hands chunks of whole lines to a pool of `workers` threads
/// (at most two chunks a worker in memory, whatever the file's size), calling
/// `per_chunk(bytes, byte offset in the (decompressed) stream, layout)`. Results come back in
/// file order. With `hash`, the reading thread also hashes the file. The file is opened and
/// read once: it may be a pipe.
pub(super) fn pass<R: Send + DataLines>(
    path: &Path,
    workers: usize,
    progress: Progress<'_>,
    hash: bool,
    per_chunk: impl Fn(&[u8], u64, SnapshotLayout) -> R + Sync,
) -> Result<Pass<R>, FileError> {
    pass_within(
        path,
        workers,
        progress,
        hash,
        u64::MAX,
        |chunk, start, layout| per_chunk(&chunk, start, layout),
    )
}

/// [`pass`], handing each chunk over whole (`per_chunk` may keep it), and stopping once the
/// (decompressed) text passes `text_limit` bytes: the pass is then not [`Pass::whole`].
pub(super) fn pass_within<R: Send + DataLines>(
    path: &Path,
    workers: usize,
    progress: Progress<'_>,
    hash: bool,
    text_limit: u64,
    per_chunk: impl Fn(Vec<u8>, u64, SnapshotLayout) -> R + Sync,
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

    // A pool of its own: `workers` threads for this pass (--threads, or one behind a workbook
    // read, at that thread's lowered priority, which threads inherit), while this thread reads.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(workers)
        .build()
        .map_err(|e| fail(format!("cannot start the threads that read it ({e})")))?;
    let (done_tx, done_rx) = std::sync::mpsc::channel::<Done<R>>();
    let mut chunks = Vec::new();
    let stopped = pool.in_place_scope(|scope| {
        // At most two chunks a worker are queued or worked on, whatever the file's size: the
        // reader waits for one to be done before it reads further.
        let mut in_flight = 0;
        let mut offset = header_bytes as u64;
        for index in 0.. {
            let (chunk, eof) = match next_chunk(&mut *text, &mut carry, layout) {
                Ok(next) => next,
                Err(stop) => return Some(stop),
            };
            while in_flight >= 2 * workers {
                let Ok(done) = done_rx.recv() else { break };
                chunks.extend(done);
                in_flight -= 1;
            }
            let start = offset;
            offset += chunk.len() as u64;
            if offset > text_limit {
                return Some(Stop::Limit);
            }
            let (done_tx, per_chunk) = (done_tx.clone(), &per_chunk);
            scope.spawn(move |_| {
                let mut done = SendWhenDone {
                    sender: done_tx,
                    result: None,
                };
                done.result = Some((index, per_chunk(chunk, start, layout)));
            });
            in_flight += 1;
            if eof {
                break;
            }
        }
        None
    });
    drop(done_tx);
    chunks.extend(done_rx.into_iter().flatten());
    let whole = match stopped {
        None => true,
        Some(Stop::Limit) => false,
        Some(stop) => return Err(fail(stop.reason(gzip))),
    };
    drop(text);
    chunks.sort_by_key(|(i, _)| *i);
    if !whole {
        return Ok(Pass {
            layout,
            chunks: chunks.into_iter().map(|(_, r)| r).collect(),
            sha256: None,
            whole,
        });
    }
    if chunks.iter().all(|(_, chunk)| chunk.data_lines() == 0) {
        return Err(fail(
            "it has a header but no data line: a snapshot lists every member's segments".into(),
        ));
    }
    Ok(Pass {
        layout,
        chunks: chunks.into_iter().map(|(_, r)| r).collect(),
        sha256: hasher.map(|h| crate::sys::hex(&h.finalize())),
        whole,
    })
}

/// Reads the header line, which must end within [`MAX_HEADER`] bytes; returns the layout,
/// the bytes read after the header, and the header's length with its line end.
fn read_header(text: &mut dyn Read) -> Result<(SnapshotLayout, Vec<u8>, usize), Stop> {
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
    layout: SnapshotLayout,
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
fn check_last_line(chunk: &[u8], layout: SnapshotLayout) -> Result<(), Stop> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evs::COLUMNS;

    impl DataLines for (u64, u64) {
        fn data_lines(&self) -> u64 {
            self.1
        }
    }

    /// A snapshot of several chunks: `lines` lines of about 100 bytes.
    fn snapshot(lines: usize) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("evs.csv");
        let mut text = COLUMNS.join(",") + "\n";
        for n in 0..lines {
            text.push_str(&format!(
                "{n:012},Last,First,1980-01-01,2020-01-01,,STANDARD,ACPP01,N,N,N,NONE,02118,,,\n"
            ));
        }
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    fn count_lines(chunk: &[u8], start: u64, _: SnapshotLayout) -> (u64, u64) {
        (start, memchr::memchr_iter(b'\n', chunk).count() as u64)
    }

    #[test]
    fn chunks_come_back_in_file_order_whatever_the_workers() {
        let (_dir, path) = snapshot(200_000);
        for workers in [1, 2, 5] {
            let pass = pass(&path, workers, &|_| {}, true, count_lines).unwrap();
            assert!(
                pass.chunks.len() > 2,
                "more chunks than one worker may have in flight"
            );
            let lines: u64 = pass.chunks.iter().map(|c| c.1).sum();
            assert_eq!(lines, 200_000);
            // Each chunk starts where the one before it ended.
            let starts: Vec<u64> = pass.chunks.iter().map(|c| c.0).collect();
            assert!(starts.windows(2).all(|w| w[0] < w[1]), "{starts:?}");
            assert_eq!(pass.sha256, Some(crate::sys::sha256_file(&path).unwrap()));
        }
    }

    #[test]
    fn a_chunk_that_panics_stops_the_pass_with_its_panic_not_a_hang() {
        let (_dir, path) = snapshot(200_000);
        // One worker and more chunks than may be in flight: the reader must be told that the
        // panicking chunk is done, or it would wait for it forever.
        let result = std::panic::catch_unwind(|| {
            pass(&path, 1, &|_| {}, false, |chunk, start, layout| {
                assert!(start > 200, "the first chunk panics");
                count_lines(chunk, start, layout)
            })
        });
        assert!(result.is_err());
    }
}
