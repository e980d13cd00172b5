//! The index path (SPEC 2.4, 6): every line's member and offset, recorded while the batch
//! is read; afterwards only the batch members' lines are read, each where the index says.

use std::path::Path;

use super::chunk::{index_chunk, line_of, parse_line};
use super::pass::{TOO_LARGE_TO_HOLD, pass_within};
use super::{MemberId, Progress, Snapshot, parse, source};
use crate::error::FileError;

/// An index of a snapshot: every line's member ID, byte offset and line number. It is built
/// while the batch is read (the two inputs read at once, on two cores); then
/// [`Index::snapshot_of`] reads and parses only the lines of the members asked for, so rows
/// can be reconciled as soon as they are read.
pub struct Index {
    path: std::path::PathBuf,
    text: Text,
    layout: parse::SnapshotLayout,
    /// Every data line, sorted by member then offset (which is line order).
    entries: Vec<IndexedLine>,
    buckets: Buckets,
    /// Every data line of the snapshot.
    data_lines: u64,
    sha256: String,
}

/// Where each range of member IDs starts in the sorted entries: a lookup then searches a
/// few cache lines instead of the whole index.
struct Buckets {
    first: u64,
    span: u64,
    count: usize,
    /// Where each bucket starts, and the end of the last one.
    starts: Vec<u32>,
}

impl Buckets {
    const ENTRIES_PER_BUCKET: usize = 16;

    fn new(entries: &[IndexedLine]) -> Buckets {
        let first = entries.first().map_or(0, |e| e.member.value());
        let last = entries.last().map_or(0, |e| e.member.value());
        let count = (entries.len() / Self::ENTRIES_PER_BUCKET).max(1);
        let mut buckets = Buckets {
            first,
            span: last - first + 1,
            count,
            starts: Vec::with_capacity(count + 1),
        };
        let mut at = 0;
        for bucket in 0..count {
            while at < entries.len() && buckets.bucket(entries[at].member) < bucket {
                at += 1;
            }
            buckets.starts.push(u32::try_from(at).unwrap_or(u32::MAX));
        }
        buckets
            .starts
            .push(u32::try_from(entries.len()).unwrap_or(u32::MAX));
        buckets
    }

    fn bucket(&self, member: MemberId) -> usize {
        let offset = u128::from(member.value().saturating_sub(self.first));
        let bucket = offset * self.count as u128 / u128::from(self.span);
        usize::try_from(bucket).unwrap_or(usize::MAX)
    }

    /// The range of entries that holds `member`'s lines, if it has any.
    fn range(&self, member: MemberId) -> std::ops::Range<usize> {
        let bucket = self.bucket(member).min(self.count - 1);
        match (self.starts.get(bucket), self.starts.get(bucket + 1)) {
            (Some(start), Some(end)) => *start as usize..*end as usize,
            _ => 0..0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct IndexedLine {
    pub(super) member: MemberId,
    pub(super) offset: u64,
    pub(super) line: u64,
}

/// Where the indexed lines are read again.
enum Text {
    /// An uncompressed file, read at the offsets of the lines.
    File(std::fs::File),
    /// A gzip file's text, which cannot be read at an offset: kept, in the chunks it was
    /// read in, within the limit it was built with.
    Held(Held),
}

struct Held {
    /// Where each chunk starts in the text, in order.
    starts: Vec<u64>,
    chunks: Vec<Vec<u8>>,
}

impl Held {
    /// The line starting at `offset`, without its `\r\n` or `\n`.
    fn line_at(&self, offset: u64) -> Option<&[u8]> {
        let chunk = self
            .starts
            .partition_point(|start| *start <= offset)
            .checked_sub(1)?;
        let text = self.chunks.get(chunk)?;
        let rest = text.get(usize::try_from(offset - self.starts[chunk]).ok()?..)?;
        let line = &rest[..memchr::memchr(b'\n', rest).unwrap_or(rest.len())];
        Some(line.strip_suffix(b"\r").unwrap_or(line))
    }
}

impl Index {
    /// True when the snapshot can be indexed: a regular file (a pipe can be read only once:
    /// it is scanned, whatever `--evs-read` says). A gzip file is indexed holding its text
    /// ([`Index::build_within`]).
    pub fn possible(path: &Path) -> bool {
        source::indexable(path)
    }

    /// True when the snapshot is gzip-compressed: indexed, its text is held in memory.
    pub fn holds_text(path: &Path) -> bool {
        source::is_gzip_file(path)
    }

    /// What a gzip snapshot's text would take in memory, as its trailer says (a hint only).
    pub fn held_size_hint(path: &Path) -> Option<u64> {
        source::gzip_size_hint(path)
    }

    /// The index of the snapshot at `path`; a gzip snapshot's text is held whatever its size.
    pub fn build(path: &Path, workers: usize) -> Result<Index, FileError> {
        Self::build_within(path, workers, &|_| {}, u64::MAX)?.ok_or_else(|| FileError::Evs {
            path: path.display().to_string(),
            reason: TOO_LARGE_TO_HOLD.into(),
        })
    }

    /// [`Index::build`], calling `progress` with the bytes read so far, and giving up (`None`)
    /// once a gzip snapshot's text passes `held_limit` bytes: what it held is let go, and the
    /// snapshot is to be scanned.
    pub fn build_within(
        path: &Path,
        workers: usize,
        progress: Progress<'_>,
        held_limit: u64,
    ) -> Result<Option<Index>, FileError> {
        if path.exists() && !path.is_dir() && !source::is_regular(path) {
            return Err(FileError::Evs {
                path: path.display().to_string(),
                reason: "it is a pipe, which cannot be indexed; it can be scanned".into(),
            });
        }
        let file = std::fs::File::open(path).map_err(|e| FileError::Evs {
            path: path.display().to_string(),
            reason: crate::sys::io_reason(&e),
        })?;
        let hold = source::is_gzip_file(path);
        let limit = if hold { held_limit } else { u64::MAX };
        // Built behind a long workbook read: hash the file as it is read, not by a second read.
        let pass = pass_within(
            path,
            workers,
            progress,
            true,
            limit,
            |chunk, start, layout| {
                let mut indexed = index_chunk(&chunk, start, layout);
                if hold {
                    indexed.text = chunk;
                }
                indexed
            },
        )?;
        if !pass.whole {
            return Ok(None);
        }
        let data_lines = pass.chunks.iter().map(|c| c.data_lines).sum();
        let mut entries: Vec<IndexedLine> =
            Vec::with_capacity(pass.chunks.iter().map(|c| c.entries.len()).sum());
        let mut held = Held {
            starts: Vec::new(),
            chunks: Vec::new(),
        };
        // The header is line 1; each chunk starts where the previous one ended.
        let mut first_line = 2u64;
        for chunk in pass.chunks {
            entries.extend(chunk.entries.into_iter().map(|mut entry| {
                entry.line += first_line;
                entry
            }));
            first_line += chunk.lines;
            if hold {
                held.starts.push(chunk.start);
                held.chunks.push(chunk.text);
            }
        }
        entries.sort_unstable();
        if u32::try_from(entries.len()).is_err() {
            return Err(FileError::Evs {
                path: path.display().to_string(),
                reason: "it has more than 4 billion lines, more than cpbatch can index; run with --evs-read scan".into(),
            });
        }
        Ok(Some(Index {
            path: path.to_path_buf(),
            text: if hold {
                Text::Held(held)
            } else {
                Text::File(file)
            },
            layout: pass.layout,
            buckets: Buckets::new(&entries),
            entries,
            data_lines,
            sha256: pass.sha256.unwrap_or_default(),
        }))
    }

    /// Every data line of the snapshot.
    pub fn data_lines(&self) -> u64 {
        self.data_lines
    }

    /// The snapshot's totals, without members: for the summary, once every row has been
    /// reconciled against its [`Index::snapshot_of`]. `malformed` holds each batch member
    /// with malformed lines and how many (a member may be listed more than once).
    pub fn totals(&self, malformed: Vec<(MemberId, u64)>) -> Snapshot {
        Snapshot::totals(&self.path, self.sha256.clone(), self.data_lines, malformed)
    }

    /// The snapshot of these members: only their lines are read, each where the index says
    /// it is. `segments` is left 0: it counts the whole file, see [`Index::data_lines`].
    pub fn snapshot_of(&self, members: &mut Vec<MemberId>) -> Result<Snapshot, FileError> {
        members.sort_unstable();
        members.dedup();
        let found = match &self.text {
            Text::File(file) => self.lines_of(members, &mut LineReader::new(file)),
            Text::Held(held) => self.lines_of(members, &mut &*held),
        }
        .map_err(|e| FileError::Evs {
            path: self.path.display().to_string(),
            reason: format!("cannot be read ({})", crate::sys::io_reason(&e)),
        })?;
        debug_assert!(found.is_sorted_by_key(|(id, parsed)| (*id, line_of(parsed))));
        Ok(Snapshot::from_found(&self.path, found))
    }

    /// Every line of these members (sorted, distinct), parsed, in member then line order.
    fn lines_of(
        &self,
        members: &[MemberId],
        text: &mut impl LineSource,
    ) -> std::io::Result<Vec<super::chunk::Found>> {
        let mut record = csv::ByteRecord::new();
        let mut found = Vec::new();
        for member in members {
            let bucket = &self.entries[self.buckets.range(*member)];
            let from = bucket.partition_point(|e| e.member < *member);
            let lines = bucket[from..].iter().take_while(|e| e.member == *member);
            for entry in lines {
                let line = text.line_at(entry.offset)?;
                found.push((
                    *member,
                    parse_line(line, self.layout, entry.line, &mut record),
                ));
            }
        }
        Ok(found)
    }
}

/// Lines found again at the offsets the index recorded.
trait LineSource {
    fn line_at(&mut self, offset: u64) -> std::io::Result<&[u8]>;
}

impl LineSource for &Held {
    fn line_at(&mut self, offset: u64) -> std::io::Result<&[u8]> {
        Held::line_at(self, offset).ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "a line is not where it was indexed (an internal error)",
            )
        })
    }
}

impl LineSource for LineReader<'_> {
    fn line_at(&mut self, offset: u64) -> std::io::Result<&[u8]> {
        LineReader::line_at(self, offset)
    }
}

/// Reads lines at given offsets of a file through a small window, so the several lines of
/// one member usually cost one read.
struct LineReader<'f> {
    file: &'f std::fs::File,
    window: Vec<u8>,
    start: u64,
    at_end: bool,
}

impl<'f> LineReader<'f> {
    const WINDOW: usize = 1024;

    fn new(file: &'f std::fs::File) -> Self {
        LineReader {
            file,
            window: Vec::new(),
            start: 0,
            at_end: false,
        }
    }

    /// The line starting at `offset`, without its `\r\n` or `\n`.
    fn line_at(&mut self, offset: u64) -> std::io::Result<&[u8]> {
        let mut size = Self::WINDOW;
        loop {
            if let Some(range) = self.line_in_window(offset) {
                let line = &self.window[range];
                return Ok(line.strip_suffix(b"\r").unwrap_or(line));
            }
            if offset >= self.start && offset < self.start + self.window.len() as u64 {
                // The line starts in the window but goes past it.
                size = size.max(2 * (self.start + self.window.len() as u64 - offset) as usize);
            }
            self.fill(offset, size)?;
        }
    }

    fn line_in_window(&self, offset: u64) -> Option<std::ops::Range<usize>> {
        let at = usize::try_from(offset.checked_sub(self.start)?).ok()?;
        let rest = self.window.get(at..).filter(|rest| !rest.is_empty())?;
        match memchr::memchr(b'\n', rest) {
            Some(end) => Some(at..at + end),
            None if self.at_end => Some(at..self.window.len()),
            None => None,
        }
    }

    fn fill(&mut self, offset: u64, size: usize) -> std::io::Result<()> {
        self.window.resize(size, 0);
        let mut filled = 0;
        while filled < size {
            match read_at(
                self.file,
                &mut self.window[filled..],
                offset + filled as u64,
            ) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        self.window.truncate(filled);
        self.start = offset;
        self.at_end = filled < size;
        if filled == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the file changed while it was being read (it is shorter than when it was indexed)",
            ));
        }
        Ok(())
    }
}

#[cfg(unix)]
fn read_at(file: &std::fs::File, buffer: &mut [u8], offset: u64) -> std::io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(file, buffer, offset)
}

#[cfg(windows)]
fn read_at(file: &std::fs::File, buffer: &mut [u8], offset: u64) -> std::io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(file, buffer, offset)
}
