//! The program's organizations (SPEC 2.5): plans, CPs, partnerships and service areas. A
//! fictional roster is built into the binary; `--reference DIR` replaces it.

use std::path::Path;

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use crate::error::FileError;
use crate::model::{PlanType, Program, Zip, header_key, is_space_byte};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub id: String,
    pub name: String,
    pub plan_type: PlanType,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cp {
    pub id: String,
    pub name: String,
    pub program: Program,
}

/// Who a Submitter ID is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Submitter<'a> {
    MassHealth,
    Plan(&'a Plan),
    Cp(&'a Cp),
}

#[derive(Debug, Default)]
pub struct Reference {
    /// `built-in` or the directory given.
    pub source: String,
    plans: HashMap<String, Plan>,
    cps: HashMap<String, Cp>,
    /// Plan key → the keys of its partner CPs.
    partnerships: HashMap<String, HashSet<String>>,
    /// CP key → 5-digit ZIPs and 3-digit prefixes.
    service_areas: HashMap<String, Vec<String>>,
    plan_order: Vec<String>,
    cp_order: Vec<String>,
}

/// The submitter ID of MassHealth itself, which may submit any row.
pub(crate) const MASSHEALTH: &str = "MASSHEALTH";

/// Organisation IDs match ignoring case, spaces and hyphens (SPEC 2.2): `bhcp-10` is
/// `BHCP10`.
pub(crate) fn id_key(id: &str) -> String {
    if id.is_ascii() {
        // The same key, byte by byte: ASCII upper-cases to ASCII.
        let mut key = String::with_capacity(id.len());
        key.extend(
            id.bytes()
                .filter(|b| !is_space_byte(*b) && *b != b'-')
                .map(|b| char::from(b.to_ascii_uppercase())),
        );
        return key;
    }
    key_chars(id).collect()
}

/// The characters of an ID's key: upper case, without spaces or hyphens.
fn key_chars(id: &str) -> impl Iterator<Item = char> + '_ {
    id.chars()
        .filter(|c| !ignored_in_id(*c))
        .flat_map(char::to_uppercase)
}

fn ignored_in_id(c: char) -> bool {
    c.is_whitespace() || c == '-'
}

/// True when two IDs are the same, ignoring case, spaces and hyphens.
pub(crate) fn same_id(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim(), b.trim());
    if a.is_ascii() && b.is_ascii() && !a.contains(ignored_in_id) && !b.contains(ignored_in_id) {
        a.eq_ignore_ascii_case(b)
    } else {
        key_chars(a).eq(key_chars(b))
    }
}

/// `id_key` without allocating when the ID is already in that form, as it almost always is.
fn lookup_key(id: &str) -> std::borrow::Cow<'_, str> {
    let trimmed = id.trim();
    let is_key = trimmed
        .bytes()
        .all(|b| b.is_ascii() && !(b.is_ascii_lowercase() || b.is_ascii_whitespace() || b == b'-'));
    if is_key {
        std::borrow::Cow::Borrowed(trimmed)
    } else {
        std::borrow::Cow::Owned(id_key(trimmed))
    }
}

/// The ID among `candidates` nearest to `id` (SPEC 2.2: within two edits of the
/// normalised text, for "did you mean"); on a tie, the first in alphabetical order.
fn closest<'a>(id: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    const NEAR: usize = 2;
    let key = id_key(id);
    candidates
        .map(|candidate| (strsim::levenshtein(&key, &id_key(candidate)), candidate))
        .filter(|(distance, _)| *distance <= NEAR)
        .min()
        .map(|(_, candidate)| candidate)
}

const FILES: [(&str, &str); 4] = [
    ("plans.csv", include_str!("reference/roster/plans.csv")),
    ("cps.csv", include_str!("reference/roster/cps.csv")),
    (
        "partnerships.csv",
        include_str!("reference/roster/partnerships.csv"),
    ),
    (
        "service_areas.csv",
        include_str!("reference/roster/service_areas.csv"),
    ),
];

impl Reference {
    /// The roster compiled into the binary.
    pub fn built_in() -> Result<Reference, FileError> {
        let texts: Vec<(String, Vec<u8>)> = FILES
            .iter()
            .map(|(name, text)| (format!("built-in/{name}"), text.as_bytes().to_vec()))
            .collect();
        Reference::parse("built-in", &texts)
    }

    /// The four files of a directory.
    pub fn load(dir: &Path) -> Result<Reference, FileError> {
        let mut texts = Vec::new();
        for (name, _) in FILES {
            let path = dir.join(name);
            let bytes = std::fs::read(&path).map_err(|e| FileError::Reference {
                path: path.display().to_string(),
                reason: crate::sys::io_reason(&e),
            })?;
            texts.push((path.display().to_string(), bytes));
        }
        Reference::parse(&dir.display().to_string(), &texts)
    }

    fn parse(source: &str, files: &[(String, Vec<u8>)]) -> Result<Reference, FileError> {
        let mut reference = Reference {
            source: source.to_string(),
            ..Reference::default()
        };
        let [plans, cps, partnerships, areas] = files else {
            unreachable!("four reference files")
        };
        for (line, [id, name, plan_type]) in records(plans, ["plan_id", "plan_name", "plan_type"])?
        {
            let bad = |reason: String| bad_line(&plans.0, line, reason);
            let plan_type = PlanType::parse(&plan_type).ok_or_else(|| {
                bad(format!(
                    "plan_type {plan_type:?} is not {}",
                    PlanType::choices()
                ))
            })?;
            let key = nonblank_key(&id, || bad("plan_id is blank".into()))?;
            if reference.plans.contains_key(&key) {
                return Err(bad(format!("plan {id:?} is defined twice")));
            }
            reference.plan_order.push(key.clone());
            reference.plans.insert(
                key,
                Plan {
                    id: id.trim().to_string(),
                    name,
                    plan_type,
                },
            );
        }
        for (line, [id, name, program]) in records(cps, ["cp_id", "cp_name", "program"])? {
            let bad = |reason: String| bad_line(&cps.0, line, reason);
            let program = Program::parse(&program)
                .ok_or_else(|| bad(format!("program {program:?} is not BH or LTSS")))?;
            let key = nonblank_key(&id, || bad("cp_id is blank".into()))?;
            if reference.cps.contains_key(&key) || reference.plans.contains_key(&key) {
                return Err(bad(format!(
                    "CP {id:?} is defined twice, or is also a plan ID"
                )));
            }
            reference.cp_order.push(key.clone());
            reference.cps.insert(
                key,
                Cp {
                    id: id.trim().to_string(),
                    name,
                    program,
                },
            );
        }
        for (line, [plan, cp]) in records(partnerships, ["plan_id", "cp_id"])? {
            let bad = |reason: String| bad_line(&partnerships.0, line, reason);
            if !reference.plans.contains_key(&id_key(&plan)) {
                return Err(bad(format!("plan {plan:?} is not in plans.csv")));
            }
            if !reference.cps.contains_key(&id_key(&cp)) {
                return Err(bad(format!("CP {cp:?} is not in cps.csv")));
            }
            reference
                .partnerships
                .entry(id_key(&plan))
                .or_default()
                .insert(id_key(&cp));
        }
        for (line, [cp, zip]) in records(areas, ["cp_id", "zip"])? {
            let bad = |reason: String| bad_line(&areas.0, line, reason);
            if !reference.cps.contains_key(&id_key(&cp)) {
                return Err(bad(format!("CP {cp:?} is not in cps.csv")));
            }
            let zip = zip.trim();
            if !(matches!(zip.len(), 3 | 5) && zip.bytes().all(|b| b.is_ascii_digit())) {
                return Err(bad(format!(
                    "zip {zip:?} is not a 5-digit ZIP or a 3-digit prefix"
                )));
            }
            reference
                .service_areas
                .entry(id_key(&cp))
                .or_default()
                .push(zip.to_string());
        }
        Ok(reference)
    }

    pub fn plan(&self, id: &str) -> Option<&Plan> {
        self.plans.get(lookup_key(id).as_ref())
    }

    pub fn cp(&self, id: &str) -> Option<&Cp> {
        self.cps.get(lookup_key(id).as_ref())
    }

    pub(crate) fn submitter(&self, id: &str) -> Option<Submitter<'_>> {
        if lookup_key(id) == MASSHEALTH {
            return Some(Submitter::MassHealth);
        }
        self.plan(id)
            .map(Submitter::Plan)
            .or_else(|| self.cp(id).map(Submitter::Cp))
    }

    /// The CP ID nearest to an unknown one (C001's "did you mean"), in the roster's form.
    pub(crate) fn closest_cp(&self, id: &str) -> Option<&str> {
        closest(id, self.cps().map(|cp| cp.id.as_str()))
    }

    /// The plan ID nearest to an unknown one (C003's "did you mean").
    pub(crate) fn closest_plan(&self, id: &str) -> Option<&str> {
        closest(id, self.plans().map(|plan| plan.id.as_str()))
    }

    /// The submitter nearest to an unknown one: a plan, a CP or MASSHEALTH (C006).
    pub(crate) fn closest_submitter(&self, id: &str) -> Option<&str> {
        let plans = self.plans().map(|plan| plan.id.as_str());
        let cps = self.cps().map(|cp| cp.id.as_str());
        closest(id, plans.chain(cps).chain([MASSHEALTH]))
    }

    pub fn has_partnership(&self, plan: &Plan, cp: &Cp) -> bool {
        self.partnerships
            .get(lookup_key(&plan.id).as_ref())
            .is_some_and(|cps| cps.contains(lookup_key(&cp.id).as_ref()))
    }

    /// True when the ZIP is one of the CP's ZIPs or starts with one of its prefixes.
    pub fn serves(&self, cp: &Cp, zip: &Zip) -> bool {
        self.service_areas
            .get(lookup_key(&cp.id).as_ref())
            .is_some_and(|areas| areas.iter().any(|a| zip.as_str().starts_with(a.as_str())))
    }

    /// The CP's service area: 5-digit ZIPs and 3-digit prefixes.
    pub fn service_area(&self, cp: &Cp) -> &[String] {
        self.service_areas
            .get(lookup_key(&cp.id).as_ref())
            .map_or(&[], Vec::as_slice)
    }

    /// Plans in roster order.
    pub fn plans(&self) -> impl Iterator<Item = &Plan> {
        self.plan_order.iter().filter_map(|k| self.plans.get(k))
    }

    /// CPs in roster order.
    pub fn cps(&self) -> impl Iterator<Item = &Cp> {
        self.cp_order.iter().filter_map(|k| self.cps.get(k))
    }
}

fn bad_line(path: &str, line: u64, reason: String) -> FileError {
    FileError::Reference {
        path: path.to_string(),
        reason: format!("line {line}: {reason}"),
    }
}

fn nonblank_key(id: &str, blank: impl Fn() -> FileError) -> Result<String, FileError> {
    match id_key(id) {
        key if key.is_empty() => Err(blank()),
        key => Ok(key),
    }
}

/// The records of a reference CSV as `(line, [values of the named columns])`.
fn records<const N: usize>(
    (path, bytes): &(String, Vec<u8>),
    columns: [&str; N],
) -> Result<Vec<(u64, [String; N])>, FileError> {
    let error = |reason: String| FileError::Reference {
        path: path.clone(),
        reason,
    };
    let mut reader = csv::ReaderBuilder::new().from_reader(bytes.as_slice());
    let headers = reader.headers().map_err(|e| error(e.to_string()))?.clone();
    let mut positions = [0; N];
    for (slot, column) in positions.iter_mut().zip(columns) {
        *slot = headers
            .iter()
            .position(|h| header_key(h.trim_start_matches('\u{feff}')) == header_key(column))
            .ok_or_else(|| error(format!("missing column {column}")))?;
    }
    let mut out = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| error(e.to_string()))?;
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let values = positions.map(|p| record.get(p).unwrap_or("").trim().to_string());
        out.push((line, values));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn the_ascii_id_key_is_the_character_key(id in "[ a-zA-Z0-9\t\n\x0b\x0c\r_.-]{0,12}|\\PC{0,6}") {
            prop_assert_eq!(id_key(&id), key_chars(&id).collect::<String>());
        }
    }

    #[test]
    fn built_in_roster_loads_with_the_required_mix() {
        let r = Reference::built_in().unwrap();
        let bh = r.cps().filter(|c| c.program == Program::Bh).count();
        let ltss = r.cps().filter(|c| c.program == Program::Ltss).count();
        assert_eq!((bh, ltss), (18, 9));
        for t in PlanType::ALL {
            assert!(r.plans().any(|p| p.plan_type == *t), "{t}");
        }
        assert!(matches!(
            r.submitter("masshealth"),
            Some(Submitter::MassHealth)
        ));
        assert!(r.cp("bhcp01").is_some());
    }

    #[test]
    fn ids_match_ignoring_case_spaces_and_hyphens() {
        let r = Reference::built_in().unwrap();
        assert_eq!(r.cp("bhcp-10").map(|c| c.id.as_str()), Some("BHCP10"));
        assert_eq!(r.plan(" Acpp 01 ").map(|p| p.id.as_str()), Some("ACPP01"));
        assert!(matches!(
            r.submitter("Mass-Health"),
            Some(Submitter::MassHealth)
        ));
        assert!(same_id("bhcp-10", "BHCP10"));
        assert!(same_id("BHCP 10", "bhcp10"));
        assert!(!same_id("BHCP10", "BHCP01"));
        assert_eq!(id_key("bhcp - 1ö"), "BHCP1Ö");
    }

    #[test]
    fn the_closest_id_is_within_two_edits_and_ties_go_alphabetically() {
        let r = Reference::built_in().unwrap();
        // BHCP08 and BHCP18 are both one edit from BHCP8.
        assert_eq!(r.closest_cp("BHCP8"), Some("BHCP08"));
        assert_eq!(r.closest_cp("bhcp-8"), Some("BHCP08"));
        assert_eq!(r.closest_cp("XYZ"), None);
        assert_eq!(r.closest_plan("ACP01"), Some("ACPP01"));
        assert_eq!(r.closest_submitter("MASHEALT"), Some("MASSHEALTH"));
        assert_eq!(r.closest_submitter("LTCP1"), Some("LTCP01"));
    }

    fn write_dir(partnerships: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("plans.csv"),
            "plan_id,plan_name,plan_type\nP1,Plan One,ACPP\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("cps.csv"),
            "cp_id,cp_name,program\nC1,CP One,BH\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("partnerships.csv"), partnerships).unwrap();
        std::fs::write(dir.path().join("service_areas.csv"), "cp_id,zip\nC1,021\n").unwrap();
        dir
    }

    #[test]
    fn a_directory_replaces_the_roster() {
        let dir = write_dir("plan_id,cp_id\nP1,C1\n");
        let r = Reference::load(dir.path()).unwrap();
        assert_eq!(r.plans().count(), 1);
        let zip = Zip::parse_text("02118").unwrap();
        assert!(r.serves(r.cp("C1").unwrap(), &zip));
    }

    #[test]
    fn f007_on_a_partnership_with_an_unknown_cp() {
        let dir = write_dir("plan_id,cp_id\nP1,C9\n");
        let err = Reference::load(dir.path()).unwrap_err();
        assert!(
            err.to_string()
                .contains("line 2: CP \"C9\" is not in cps.csv"),
            "{err}"
        );
    }

    #[test]
    fn f007_on_a_missing_file() {
        let dir = write_dir("plan_id,cp_id\n");
        std::fs::remove_file(dir.path().join("cps.csv")).unwrap();
        assert!(matches!(
            Reference::load(dir.path()),
            Err(FileError::Reference { .. })
        ));
    }
}
