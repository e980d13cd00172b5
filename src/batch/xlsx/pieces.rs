//! A sheet part read on every core: one thread inflates it and cuts the XML into pieces at
//! the start of row elements, worker threads parse the pieces (`parse_piece`, the
//! same parse as the whole part's), and the caller takes the parsed rows in piece order.
//!
//! A cut is made before a `<row` (or `<x:row`) tag. Outside the cell table's top level such
//! a tag can only be in a comment, a CDATA section, a processing instruction, an attribute
//! value or a deeper element: then the piece before the cut does not end between elements,
//! its parse fails, and the whole part is read again with the one-thread reader
//! ([`Stop::ReadWhole`]), which finds the rows, or says what is wrong, as it always did. So
//! does anything else a piece cannot settle alone: damage, a row whose number depends on
//! the rows before it, a cell table that does not end, a row longer than a piece can be.
//! Every piece's result is taken in order, so none of this depends on thread timing.
//!
//! Memory is bounded by the pieces in flight: a buffer is taken for each piece and given
//! back once its rows are taken, and there are a few buffers per worker.

use std::collections::BTreeMap;
use std::io::Read;
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};

use super::sheet::{ParsedRows, RowState, find_sheet_data, parse_rows};
use super::xml;

/// The size pieces are cut at, once a row element starts.
pub const PIECE_BYTES: usize = 1 << 20;
/// A piece with no row start in this many bytes (a row this long, or no rows at all) is not
/// cut: the part is read whole.
const MAX_PIECE_BYTES: usize = 64 << 20;

/// Why pieces stopped coming before the end of the cell table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// The part is to be read whole, by the one-thread reader.
    ReadWhole,
}

/// What the cutting thread hands the workers.
enum Job {
    /// The bytes of piece `seq`; `last` when the part ends with it.
    Piece {
        seq: usize,
        bytes: Vec<u8>,
        last: bool,
    },
    /// Piece `seq` could not be cut: the part could not be inflated, or no row starts in it.
    Uncut { seq: usize },
}

/// What a worker gives back, by piece number.
enum Parsed {
    Piece {
        piece: Option<Piece>,
        bytes: Vec<u8>,
        last: bool,
    },
    Uncut,
}

/// Reads the sheet part `part` in pieces of about `piece_bytes` on `workers` threads, and
/// calls `take` with the pieces' rows in order; `take` returns once it has what it needs
/// (at the end of the rows, on [`Stop::ReadWhole`], or on an error of its own), and the
/// threads stop then.
pub fn read<P: Read + Send, T>(
    part: P,
    piece_bytes: usize,
    workers: usize,
    take: impl FnOnce(&mut dyn Iterator<Item = Result<ParsedRows, Stop>>) -> T,
) -> T {
    let workers = workers.max(1);
    let buffers = 2 * workers + 2;
    let (free, free_rx) = sync_channel::<Vec<u8>>(buffers);
    for _ in 0..buffers {
        let _ = free.send(Vec::new());
    }
    // Never full: there are no more pieces than buffers.
    let (jobs, jobs_rx) = sync_channel::<Job>(buffers);
    let jobs_rx = Mutex::new(jobs_rx);
    let (done, done_rx) = channel::<(usize, Parsed)>();
    std::thread::scope(|scope| {
        scope.spawn(move || cut(part, piece_bytes.max(1), &free_rx, &jobs));
        for _ in 0..workers {
            let done = done.clone();
            let jobs = &jobs_rx;
            scope.spawn(move || parse(jobs, &done));
        }
        drop(done);
        let mut pieces = InOrder {
            done: done_rx,
            free,
            held: BTreeMap::new(),
            next: 0,
            sheet_data: None,
            over: false,
        };
        take(&mut pieces)
        // `pieces` is dropped here: the cutter's next wait for a buffer fails and it stops;
        // the workers stop once the pieces cut are parsed.
    })
}

/// The cutting thread: inflates the part into buffers and sends them cut before a row.
fn cut<P: Read>(mut part: P, piece_bytes: usize, free: &Receiver<Vec<u8>>, jobs: &SyncSender<Job>) {
    let Ok(mut buf) = free.recv() else { return };
    buf.clear();
    let mut seq = 0;
    let mut want = piece_bytes;
    // Where the search for a row start resumes: the bytes before hold none (but the last
    // few, whose tag may end in the bytes to come).
    let mut searched = 0;
    loop {
        let before = buf.len();
        let read = (&mut part)
            .take((want.saturating_sub(before)) as u64)
            .read_to_end(&mut buf);
        let ended = match read {
            Ok(n) => before + n < want,
            Err(_) => {
                let _ = jobs.send(Job::Uncut { seq });
                return;
            }
        };
        if ended {
            let _ = jobs.send(Job::Piece {
                seq,
                bytes: buf,
                last: true,
            });
            return;
        }
        match last_row_start(&buf, searched) {
            Some(at) => {
                let Ok(mut next) = free.recv() else { return };
                next.clear();
                next.extend_from_slice(&buf[at..]);
                buf.truncate(at);
                if jobs
                    .send(Job::Piece {
                        seq,
                        bytes: buf,
                        last: false,
                    })
                    .is_err()
                {
                    return;
                }
                seq += 1;
                buf = next;
                searched = 0;
                want = piece_bytes.max(buf.len() + piece_bytes / 2);
            }
            None if buf.len() >= MAX_PIECE_BYTES => {
                let _ = jobs.send(Job::Uncut { seq });
                return;
            }
            None => {
                searched = buf.len().saturating_sub(TAG_START);
                want = buf.len() + piece_bytes;
            }
        }
    }
}

/// The bytes of `row` and the byte after it, which tell a row tag.
const TAG_START: usize = 4;

/// Where the last row element of `buf` starts, after its first byte, its name at `from` or
/// later.
fn last_row_start(buf: &[u8], from: usize) -> Option<usize> {
    let from = from.min(buf.len());
    memchr::memmem::rfind_iter(&buf[from..], b"row").find_map(|at| row_tag_start(buf, from + at))
}

/// Where a cut may be made for the `row` at `at` in `buf`: the start of its tag, when it is
/// the name of a `<row` or `<prefix:row` tag (followed by a space or the end of the tag) that
/// does not start the buffer.
pub fn row_tag_start(buf: &[u8], at: usize) -> Option<usize> {
    let after = *buf.get(at + 3)?;
    if !matches!(after, b' ' | b'\t' | b'\r' | b'\n' | b'/' | b'>') {
        return None;
    }
    let mut start = at.checked_sub(1)?;
    if buf[start] == b':' {
        let name = buf[..start]
            .iter()
            .rev()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
            .count();
        if name == 0 {
            return None;
        }
        start = start.checked_sub(name + 1)?;
    }
    (buf[start] == b'<' && start > 0).then_some(start)
}

/// A worker: parses pieces until there are no more, or no one takes them.
fn parse(jobs: &Mutex<Receiver<Job>>, done: &Sender<(usize, Parsed)>) {
    loop {
        let job = match jobs.lock() {
            Ok(jobs) => jobs.recv(),
            Err(_) => return,
        };
        let sent = match job {
            Ok(Job::Piece { seq, bytes, last }) => {
                let piece = parse_piece(&bytes, seq == 0);
                done.send((seq, Parsed::Piece { piece, bytes, last }))
            }
            Ok(Job::Uncut { seq }) => done.send((seq, Parsed::Uncut)),
            Err(_) => return,
        };
        if sent.is_err() {
            return;
        }
    }
}

/// The parsed pieces, put back in order.
struct InOrder {
    done: Receiver<(usize, Parsed)>,
    free: SyncSender<Vec<u8>>,
    held: BTreeMap<usize, Parsed>,
    next: usize,
    /// The name of the `<sheetData>` tag, from the first piece.
    sheet_data: Option<String>,
    /// The cell table has ended, or the read stopped.
    over: bool,
}

impl InOrder {
    fn stop(&mut self) -> Option<Result<ParsedRows, Stop>> {
        self.over = true;
        Some(Err(Stop::ReadWhole))
    }
}

impl Iterator for InOrder {
    type Item = Result<ParsedRows, Stop>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.over {
            return None;
        }
        let parsed = loop {
            if let Some(parsed) = self.held.remove(&self.next) {
                break parsed;
            }
            match self.done.recv() {
                Ok((seq, parsed)) => {
                    self.held.insert(seq, parsed);
                }
                // Every thread gone before this piece came: a thread stopped.
                Err(_) => return self.stop(),
            }
        };
        let first = self.next == 0;
        self.next += 1;
        let Parsed::Piece { piece, bytes, last } = parsed else {
            return self.stop();
        };
        // The buffer goes back to the cutter; should it have stopped, it is dropped.
        let _ = self.free.try_send(bytes);
        let Some(piece) = piece else {
            return self.stop();
        };
        if first {
            self.sheet_data = piece.sheet_data;
        }
        match &piece.end {
            // The end of the cell table, or a stray end tag, which the whole read refuses.
            Some(end) if Some(end) != self.sheet_data.as_ref() => return self.stop(),
            Some(_) => self.over = true,
            // A part that ends inside its cell table is damaged.
            None if last => return self.stop(),
            None => {}
        }
        Some(Ok(piece.rows))
    }
}

/// A piece of a sheet part parsed apart from the rest.
#[derive(Debug, Default)]
pub struct Piece {
    pub rows: ParsedRows,
    /// The name of the `<sheetData>` tag, in the piece that starts the part.
    pub sheet_data: Option<String>,
    /// The name of the end tag that closed the cell table in this piece, if one did.
    pub end: Option<String>,
}

/// Parses a piece of a sheet part: the start of the part up to a row element (`head`), or a
/// run of row elements from the start of one. `None` when the piece cannot be read apart
/// from the rest of the part: it is damaged, it was cut inside an element (a `<row` in a
/// comment or in a cell), or a row's number depends on the rows before it. The part is then
/// read whole, which finds the rows (or says what is wrong) as it always does.
pub fn parse_piece(bytes: &[u8], head: bool) -> Option<Piece> {
    let mut xml = xml::Slice(xml::reader(bytes));
    // A piece after the first holds the end of `<sheetData>` but not its start: the caller
    // checks the name of a top-level end tag against the start's.
    xml.0.config_mut().allow_unmatched_ends = true;
    let sheet_data = if head {
        Some(find_sheet_data(&mut xml).ok()?)
    } else {
        None
    };
    let mut state = RowState::of_piece(head);
    let mut rows = ParsedRows::default();
    parse_rows(
        &mut xml,
        &mut state,
        &mut rows,
        usize::MAX,
        usize::MAX,
        true,
    )
    .ok()?;
    if state.depends {
        return None;
    }
    Some(Piece {
        rows,
        sheet_data,
        end: state.end,
    })
}

#[cfg(test)]
mod tests {
    use super::last_row_start;

    #[test]
    fn cuts_are_made_before_a_row_tag_only() {
        let xml = b"<sheetData><row r=\"1\"><c><v>1</v></c></row><row r=\"2\"/></sheetData>";
        assert_eq!(last_row_start(xml, 0), Some(43));
        assert_eq!(&xml[43..47], b"<row");
        assert_eq!(last_row_start(b"<x:sheetData><x:row r=\"1\">", 0), Some(13));
        assert_eq!(last_row_start(b"<a><row>", 0), Some(3));
        // Not a row tag: an end tag, another element, a row at the very start of the buffer,
        // a tag cut off after its name.
        assert_eq!(last_row_start(b"<a></row>", 0), None);
        assert_eq!(last_row_start(b"<a><rowBreaks>", 0), None);
        assert_eq!(last_row_start(b"<row r=\"1\">", 0), None);
        assert_eq!(last_row_start(b"<a><row", 0), None);
        assert_eq!(last_row_start(b"<a>:row ", 0), None);
        // Only names from `from` on: the bytes before were searched.
        assert_eq!(last_row_start(b"<a><row ><b>", 5), None);
        assert_eq!(last_row_start(b"<a><row ><b>", 4), Some(3));
        assert_eq!(last_row_start(b"<a><x:row ><b>", 6), Some(3));
    }
}
