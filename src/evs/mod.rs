//! The EVS eligibility snapshot (SPEC 2.4): scanned, not loaded. Two ways, same result:
//!
//! - [`scan`]: with the batch's member IDs known, worker threads scan chunks of the file in
//!   parallel, reading each line's member_id field and parsing whole lines only for batch
//!   members.
//! - [`Index`]: while a large batch is still being read, one thread records every line's
//!   (member, offset); afterwards only the batch members' lines are read and parsed.
//!
//! Either way only batch members' segments are kept: memory follows the batch.

mod parse;
mod pass;

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::path::Path;

use chrono::NaiveDate;

use crate::error::FileError;
use crate::model::{CoverageType, Dmh, MemberId, Zip};
use pass::{Filter, assemble, index_chunk, is_gzip, pass, scan_chunk};

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
