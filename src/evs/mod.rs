//! The EVS eligibility snapshot (SPEC 2.4): scanned, not loaded. Two ways, same result:
//!
//! - [`scan`]: with the batch's member IDs known, worker threads scan chunks of the file in
//!   parallel, reading each line's member_id field and parsing whole lines only for batch
//!   members.
//! - [`Index`]: while a large batch is still being read, one thread records every line's
//!   (member, offset); afterwards only the batch members' lines are read and parsed.
//!
//! Either way only batch members' segments are kept: memory follows the batch.

mod chunk;
mod index;
mod parse;
mod pass;
mod source;
mod watch;

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::NaiveDate;

use crate::error::FileError;
use crate::model::{CoverageType, Dmh, MemberId, Zip};
use chunk::{assemble, scan_chunk};
pub use index::Index;
use index::IndexedLine;
use pass::pass;
pub use watch::{CpMembers, scan_cp_members};

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

/// Member IDs hashed with rustc's Fx hash (one multiply per ID), much faster than SipHash on
/// the scan's hot path. Nothing is printed in a set's order: outputs stay deterministic.
pub type IdSet = rustc_hash::FxHashSet<MemberId>;
type IdMap<V> = rustc_hash::FxHashMap<MemberId, V>;

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
    /// The file's, as stored (compressed or not).
    pub sha256: String,
    /// Every data line of the snapshot.
    pub segments: u64,
    /// Malformed lines of batch members.
    pub malformed_lines: u64,
    /// How many malformed lines each batch member with any has, by member.
    malformed_counts: Vec<(MemberId, u64)>,
    /// Every batch member's good segments, grouped by member in line order: one vector, so
    /// a million members cost no allocation each.
    store: Vec<Segment>,
    members: IdMap<MemberEntry>,
}

#[derive(Debug, Clone, Copy)]
enum MemberEntry {
    Segments {
        start: usize,
        len: usize,
    },
    /// `line` is the first malformed line, `count` how many there are.
    Malformed {
        line: u64,
        count: u32,
    },
}

impl Snapshot {
    pub fn member(&self, id: MemberId) -> Option<MemberRecord<'_>> {
        Some(match *self.members.get(&id)? {
            MemberEntry::Segments { start, len } => {
                MemberRecord::Segments(&self.store[start..start + len])
            }
            MemberEntry::Malformed { line, .. } => MemberRecord::Malformed { line },
        })
    }

    /// The members with malformed lines, with how many lines each.
    pub fn malformed_members(&self) -> impl Iterator<Item = (MemberId, u64)> + '_ {
        self.malformed_counts.iter().copied()
    }

    /// The malformed lines of these members, each member counted once: a batch's own
    /// `malformed_lines` when several batches were reconciled together (SPEC 3.7, 5.1).
    pub fn malformed_lines_of(&self, members: impl IntoIterator<Item = MemberId>) -> u64 {
        if self.malformed_counts.is_empty() {
            return 0;
        }
        let mut members: Vec<MemberId> = members.into_iter().collect();
        members.sort_unstable();
        members.dedup();
        members
            .iter()
            .filter_map(|id| {
                let at = self.malformed_counts.binary_search_by_key(id, |(m, _)| *m);
                at.ok().map(|at| self.malformed_counts[at].1)
            })
            .sum()
    }

    /// The totals of a snapshot read through its index: no member's lines are kept, only
    /// how many lines are malformed for each member that has any (each member once).
    pub(crate) fn totals(
        path: &Path,
        sha256: String,
        segments: u64,
        mut malformed: Vec<(MemberId, u64)>,
    ) -> Snapshot {
        malformed.sort_unstable();
        malformed.dedup_by_key(|(id, _)| *id);
        Snapshot {
            path: path.display().to_string(),
            sha256,
            segments,
            malformed_lines: malformed.iter().map(|(_, lines)| lines).sum(),
            malformed_counts: malformed,
            ..Snapshot::default()
        }
    }

    /// The snapshot of the lines found, which come grouped by member in line order.
    fn from_found(path: &Path, found: Vec<(MemberId, Result<Segment, u64>)>) -> Snapshot {
        let mut snapshot = Snapshot {
            path: path.display().to_string(),
            malformed_lines: found.iter().filter(|(_, p)| p.is_err()).count() as u64,
            ..Snapshot::default()
        };
        let mut stored = 0;
        for group in found.chunk_by(|a, b| a.0 == b.0) {
            let malformed = group.iter().filter_map(|(_, p)| p.as_ref().err());
            let entry = match malformed.clone().next() {
                Some(line) => MemberEntry::Malformed {
                    line: *line,
                    count: u32::try_from(malformed.count()).unwrap_or(u32::MAX),
                },
                None => MemberEntry::Segments {
                    start: stored,
                    len: group.len(),
                },
            };
            if let MemberEntry::Segments { len, .. } = entry {
                stored += len;
            }
            if let MemberEntry::Malformed { count, .. } = entry {
                snapshot
                    .malformed_counts
                    .push((group[0].0, u64::from(count)));
            }
            snapshot.members.insert(group[0].0, entry);
        }
        snapshot.malformed_counts.sort_unstable();
        // Collected in place (the standard library reuses `found`'s allocation): no second
        // copy.
        let members = &snapshot.members;
        snapshot.store = found
            .into_iter()
            .filter_map(|(id, parsed)| match members.get(&id) {
                Some(MemberEntry::Segments { .. }) => parsed.ok(),
                _ => None,
            })
            .collect();
        snapshot
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
    let (chunks, sha256) = hashed_pass(path, workers, progress, |chunk, _, layout| {
        scan_chunk(chunk, layout, wanted)
    })?;
    let mut snapshot = assemble(path, chunks);
    snapshot.sha256 = sha256;
    Ok(snapshot)
}

/// One pass over the snapshot ([`pass`]), and the file's SHA-256.
fn hashed_pass<R: Send + chunk::DataLines>(
    path: &Path,
    workers: usize,
    progress: Progress<'_>,
    per_chunk: impl Fn(&[u8], u64, parse::SnapshotLayout) -> R + Sync,
) -> Result<(Vec<R>, String), FileError> {
    // The scan is bound by its reading thread: a regular file is hashed on another one
    // meanwhile; a pipe can be read only once, and is hashed as it is read.
    let piped = !source::is_regular(path);
    let stop = AtomicBool::new(false);
    let (pass, sha256) = std::thread::scope(|scope| {
        let sha256 = (!piped).then(|| scope.spawn(|| source::sha256_file(path, &stop)));
        let pass = pass(path, workers, progress, piped, per_chunk);
        if pass.is_err() {
            stop.store(true, Ordering::Relaxed);
        }
        (pass, sha256.map(|thread| thread.join()))
    });
    let pass = pass?;
    let sha256 = match sha256 {
        None => pass.sha256,
        Some(Ok(Ok(sha256))) => sha256,
        Some(_) => None,
    };
    let Some(sha256) = sha256 else {
        return Err(FileError::Evs {
            path: path.display().to_string(),
            reason: "cannot be read to compute its SHA-256".into(),
        });
    };
    Ok((pass.chunks, sha256))
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

    /// The index of the snapshot at `path` resolves exactly what its scan finds.
    fn assert_index_matches_scan(path: &Path) {
        let wanted: IdSet = (0..25_000).step_by(3).map(id).collect();
        let scanned = scan(path, &wanted, 2, &|_| {}).unwrap();
        assert!(Index::possible(path));
        let index = Index::build(path, 1).unwrap();
        let resolved = index
            .snapshot_of(&mut wanted.iter().copied().collect())
            .unwrap();
        assert_eq!(index.data_lines(), scanned.segments);
        assert_eq!(index.totals(Vec::new()).sha256, scanned.sha256);
        assert_eq!(resolved.malformed_lines, scanned.malformed_lines);
        assert_eq!(
            scanned.malformed_lines, 2,
            "lines of members 777 and 6339 are malformed"
        );
        for member in (0..25_000).map(id) {
            assert_eq!(resolved.member(member), scanned.member(member), "{member}");
        }
        // Members the snapshot lacks: below, inside and above its range of IDs.
        let absent = index
            .snapshot_of(&mut vec![id(999_999), id(25_000), id(0), id(7)])
            .unwrap();
        assert!(absent.member(id(25_000)).is_none());
        assert!(absent.member(id(0)).is_some() && absent.member(id(7)).is_some());
        // Physical line numbers: header is line 1, blank lines count.
        let first = scanned.member(id(3)).unwrap();
        let MemberRecord::Segments(segments) = first else {
            panic!("{first:?}")
        };
        assert_eq!(segments[0].line, 6, "line 3 is blank");
        assert_eq!(segments[0].last_name.as_str(), "Last3");
    }

    fn gzip(text: &str) -> Vec<u8> {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut gz, text.as_bytes()).unwrap();
        gz.finish().unwrap()
    }

    #[test]
    fn the_index_resolves_exactly_what_the_scan_finds() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("evs.csv");
        std::fs::write(&path, snapshot_text()).unwrap();
        assert!(!Index::holds_text(&path));
        assert_index_matches_scan(&path);
    }

    #[test]
    fn a_gzip_snapshot_is_indexed_holding_its_text() {
        let dir = tempfile::tempdir().unwrap();
        let text = snapshot_text();
        // Known by its name, and by its first bytes only.
        for name in ["evs.csv.gz", "evs.csv"] {
            let path = dir.path().join(name);
            std::fs::write(&path, gzip(&text)).unwrap();
            assert!(Index::holds_text(&path), "{name}");
            assert_eq!(Index::held_size_hint(&path), Some(text.len() as u64));
            assert_index_matches_scan(&path);
        }
    }

    #[test]
    fn a_gzip_text_past_the_limit_is_let_go() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("evs.csv.gz");
        let text = snapshot_text();
        std::fs::write(&path, gzip(&text)).unwrap();
        let limit = text.len() as u64 / 2;
        assert!(
            Index::build_within(&path, 1, &|_| {}, limit)
                .unwrap()
                .is_none()
        );
        let whole = Index::build_within(&path, 1, &|_| {}, text.len() as u64).unwrap();
        assert!(whole.is_some());
        // A plain file's text is read again where the index says: no limit applies.
        let plain = dir.path().join("evs.txt");
        std::fs::write(&plain, &text).unwrap();
        assert!(
            Index::build_within(&plain, 1, &|_| {}, 1)
                .unwrap()
                .is_some()
        );
    }
}
