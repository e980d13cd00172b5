//! The snapshot side of `cpbatch watch` without a roster (SPEC 7): one parallel pass over
//! the whole snapshot that keeps every line of each member who has a CP on some line, and
//! nothing of the others (about 2 % of the lines are kept: memory follows the CP members).
//!
//! Whether a member is watched depends on all of its lines (a later segment with no CP
//! may be the one on the watch date), and a chunk cannot know another chunk's members. So
//! each chunk keeps, fully parsed, the lines of the members with a CP on one of its lines
//! and of its first and last member (who may go on in the next or previous chunk); of the
//! other lines it keeps only the member ID. A snapshot that lists each member's lines
//! together (as extracts do) is then read once. A member with a CP whose other lines are
//! elsewhere in the file is read again in a second pass of just those members; a snapshot
//! given as a pipe cannot be read twice, and is refused then (F006).

use std::path::Path;

use rayon::prelude::*;

use super::chunk::{Found, lines, numbered, parse_line, scan_chunk};
use super::parse::{SnapshotLayout as Layout, parse_member_id};
use super::pass::pass;
use super::{IdSet, MemberId, Progress, Segment, Snapshot, hashed_pass, source};
use crate::error::FileError;

/// The members of the snapshot who have a CP (a `cp_id`) on at least one line.
#[derive(Debug, Default)]
pub struct CpMembers {
    /// Their lines, looked up as `validate` looks a member up; `segments` counts every data
    /// line of the file, `malformed_lines` every malformed line of these members.
    pub snapshot: Snapshot,
    /// Their IDs, in order.
    pub members: Vec<MemberId>,
    /// The well-formed segments of those who also have a malformed line, by member (the
    /// snapshot gives only the malformed line of such a member).
    malformed: Vec<(MemberId, Vec<Segment>)>,
}

impl CpMembers {
    /// The well-formed segments of a member with a malformed line (none for the others).
    pub fn good_segments(&self, id: MemberId) -> &[Segment] {
        match self.malformed.binary_search_by_key(&id, |(m, _)| *m) {
            Ok(at) => &self.malformed[at].1,
            Err(_) => &[],
        }
    }
}

/// What a chunk of the pass found.
#[derive(Default)]
struct WatchChunk {
    lines: u64,
    data_lines: u64,
    /// The kept lines (line numbers count from the chunk's first line, 0).
    found: Vec<Found>,
    /// The members with a CP on a line of this chunk, sorted.
    with_cp: Vec<MemberId>,
    /// The members of the lines not kept, sorted.
    others: Vec<MemberId>,
}

impl super::chunk::DataLines for WatchChunk {
    fn data_lines(&self) -> u64 {
        self.data_lines
    }
}

/// Scans the whole snapshot for the members with a CP on some line, on `workers` threads.
pub fn scan_cp_members(
    path: &Path,
    workers: usize,
    progress: Progress<'_>,
) -> Result<CpMembers, FileError> {
    let (chunks, sha256) = hashed_pass(path, workers, progress, |chunk, _, layout| {
        watch_chunk(chunk, layout)
    })?;
    let mut with_cp: Vec<MemberId> = chunks.iter().flat_map(|c| c.with_cp.clone()).collect();
    with_cp.par_sort_unstable();
    with_cp.dedup();
    // Members with a CP whose other lines a chunk did not keep.
    let mut apart: Vec<MemberId> = chunks
        .par_iter()
        .flat_map_iter(|c| intersection(&c.others, &with_cp))
        .collect();
    apart.par_sort_unstable();
    apart.dedup();
    let kept =
        |id: &MemberId| with_cp.binary_search(id).is_ok() && apart.binary_search(id).is_err();
    let (mut found, segments) = numbered(
        chunks
            .into_iter()
            .map(|mut c| {
                c.found.retain(|(id, _)| kept(id));
                (c.lines, c.data_lines, c.found)
            })
            .collect(),
    );
    if !apart.is_empty() {
        found.extend(read_again(path, &apart, workers)?);
    }
    found.par_sort_unstable_by_key(|(id, parsed)| (*id, super::chunk::line_of(parsed)));
    let mut malformed = Vec::new();
    for group in found.chunk_by(|a, b| a.0 == b.0) {
        if group.iter().any(|(_, parsed)| parsed.is_err()) {
            let good = group.iter().filter_map(|(_, p)| p.as_ref().ok().cloned());
            malformed.push((group[0].0, good.collect()));
        }
    }
    let mut snapshot = Snapshot::from_found(path, found);
    snapshot.segments = segments;
    snapshot.sha256 = sha256;
    Ok(CpMembers {
        members: with_cp,
        snapshot,
        malformed,
    })
}

/// The IDs of both sorted lists.
fn intersection(a: &[MemberId], b: &[MemberId]) -> Vec<MemberId> {
    let (mut i, mut j, mut both) = (0, 0, Vec::new());
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                both.push(a[i]);
                i += 1;
                j += 1;
            }
        }
    }
    both
}

/// Every line of the members given, from a second pass (numbered in the file).
fn read_again(path: &Path, members: &[MemberId], workers: usize) -> Result<Vec<Found>, FileError> {
    if !source::is_regular(path) {
        return Err(FileError::Evs {
            path: path.display().to_string(),
            reason: "the lines of some members with a CP are not together, so the snapshot must \
                     be read twice, and a pipe can be read only once: give the snapshot as a \
                     file, or list each member's lines together"
                .into(),
        });
    }
    let wanted: IdSet = members.iter().copied().collect();
    let again = pass(path, workers, &|_| {}, false, |chunk, _, layout| {
        scan_chunk(chunk, layout, &wanted)
    })?;
    Ok(numbered(
        again
            .chunks
            .into_iter()
            .map(|c| (c.lines, c.data_lines, c.found))
            .collect(),
    )
    .0)
}

/// The member and whether the line names a CP, reading only the fields needed.
fn member_and_cp(
    line: &[u8],
    layout: Layout,
    record: &mut csv::ByteRecord,
) -> (Option<MemberId>, bool) {
    let (id_at, cp_at) = (layout.positions[0], layout.positions[13]);
    let blank = |field: &[u8]| field.iter().all(u8::is_ascii_whitespace);
    if memchr::memchr(b'"', line).is_some() {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .delimiter(layout.delimiter)
            .from_reader(line);
        if !matches!(reader.read_byte_record(record), Ok(true)) {
            return (None, false);
        }
        let id = record.get(id_at).and_then(parse_member_id);
        return (id, record.get(cp_at).is_some_and(|f| !blank(f)));
    }
    // The fields' bounds from the delimiters' positions (memchr), only as far as needed.
    let field = |at: usize| -> &[u8] {
        let mut bounds = std::iter::once(0)
            .chain(memchr::memchr_iter(layout.delimiter, line).map(|p| p + 1))
            .skip(at);
        let start = bounds.next().unwrap_or(line.len());
        let end =
            memchr::memchr(layout.delimiter, &line[start..]).map_or(line.len(), |p| start + p);
        &line[start..end]
    };
    let id = parse_member_id(field(id_at));
    let cp = !blank(field(cp_at));
    (id, cp)
}

/// One chunk: its lines in runs of one member's consecutive lines. A run is kept whole
/// when its member has a CP on a line of the chunk, and so are the chunk's first and last
/// runs (their member may go on in the neighbouring chunk); of any other run only the member
/// is noted. A member with a CP whose lines are also in another chunk is then among both
/// the members with a CP and the others: read again whole.
fn watch_chunk(chunk: &[u8], layout: Layout) -> WatchChunk {
    let mut result = WatchChunk::default();
    let mut record = csv::ByteRecord::new();
    let mut lines_read: Vec<(u64, &[u8])> = Vec::with_capacity(chunk.len() / 128);
    // (member, first line, end) of each run, in order.
    let mut runs: Vec<(MemberId, usize, usize)> = Vec::new();
    for (number, line) in lines(chunk) {
        result.lines = number + 1;
        if line.is_empty() {
            continue;
        }
        result.data_lines += 1;
        let (id, cp) = member_and_cp(line, layout, &mut record);
        let Some(id) = id else { continue };
        if cp {
            result.with_cp.push(id);
        }
        match runs.last_mut() {
            Some((member, _, end)) if *member == id => *end += 1,
            _ => runs.push((id, lines_read.len(), lines_read.len() + 1)),
        }
        lines_read.push((number, line));
    }
    result.with_cp.sort_unstable();
    result.with_cp.dedup();
    let last = runs.len().saturating_sub(1);
    for (n, (id, start, end)) in runs.into_iter().enumerate() {
        if n == 0 || n == last || result.with_cp.binary_search(&id).is_ok() {
            for (number, line) in &lines_read[start..end] {
                let parsed = parse_line(line, layout, *number, &mut record);
                result.found.push((id, parsed));
            }
        } else {
            result.others.push(id);
        }
    }
    result.others.sort_unstable();
    result.others.dedup();
    // Held until the pass ends: no spare capacity.
    result.others.shrink_to_fit();
    result.found.shrink_to_fit();
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evs::{COLUMNS, MemberRecord};

    fn id(n: u64) -> MemberId {
        MemberId::parse_text(&format!("{n:012}")).unwrap()
    }

    fn line(member: u64, cp: &str, start: &str) -> String {
        format!("{member:012},L,F,1980-01-01,{start},,STANDARD,ACPP01,N,N,N,NONE,02118,{cp},,\n")
    }

    /// Members 0..n, every seventh with a CP; `apart` puts each member's second line at the
    /// end of the file instead of beside its first.
    fn snapshot(n: u64, apart: bool) -> String {
        let mut text = COLUMNS.join(",") + "\n";
        let mut tail = String::new();
        for m in 0..n {
            let cp = if m % 7 == 0 { "BHCP01" } else { "" };
            text.push_str(&line(m, cp, "2020-01-01"));
            let second = line(m, "", "2025-01-01");
            if apart {
                tail.push_str(&second)
            } else {
                text.push_str(&second)
            }
        }
        text + &tail
    }

    fn check(text: &str) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("evs.csv");
        std::fs::write(&path, text).unwrap();
        let found = scan_cp_members(&path, 2, &|_| {}).unwrap();
        let wanted: IdSet = (0..60_000).filter(|m| m % 7 == 0).map(id).collect();
        let scanned = crate::evs::scan(&path, &wanted, 2, &|_| {}).unwrap();
        assert_eq!(found.members.len(), wanted.len());
        assert_eq!(found.snapshot.segments, scanned.segments);
        assert_eq!(found.snapshot.sha256, scanned.sha256);
        for m in &found.members {
            assert!(wanted.contains(m));
            let Some(MemberRecord::Segments(s)) = found.snapshot.member(*m) else {
                panic!("{m}")
            };
            assert_eq!(s.len(), 2, "{m}: both lines, wherever they are");
            assert_eq!(found.snapshot.member(*m), scanned.member(*m));
        }
        assert!(found.snapshot.member(id(1)).is_none());
    }

    #[test]
    fn members_with_a_cp_are_kept_whole_in_one_pass_or_two() {
        check(&snapshot(60_000, false));
        check(&snapshot(60_000, true));
    }
}
