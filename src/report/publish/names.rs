//! Names a run derives from its inputs: the report folder of each batch, the batches named
//! more than once, and the identity (device and inode) of every input.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use super::staging::TEMP_PREFIX;

/// The folder name of a batch in a run of several (SPEC 5.1): its file stem, made safe.
/// Path separators and control characters become `_`, and so do leading dots: `..xlsx`
/// (stem `.`) and `...xlsx` (stem `..`) can never name `--out` or its parent, and no folder
/// is hidden or taken for a staging directory.
pub fn safe_stem(path: &Path) -> String {
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut safe: String = stem
        .chars()
        .map(|c| {
            if c == '/' || c == '\\' || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    let dots = safe.len() - safe.trim_start_matches('.').len();
    safe.replace_range(..dots, &"_".repeat(dots));
    if safe.is_empty() {
        safe = "batch".into();
    }
    safe
}

/// A folder name read back from an earlier `run-summary.json` that cpbatch could have made:
/// one plain name, never a path, never hidden.
pub fn is_folder_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && !name.starts_with(TEMP_PREFIX)
        && !name.contains(['/', '\\'])
        && !name.chars().any(char::is_control)
}

/// The folder of each batch, in argument order: a name already taken (by an earlier batch,
/// or by `taken`) gets `-2`, `-3`, …, the first that is free, so `a.xlsx a.csv a-2.csv`
/// get `a`, `a-2` and `a-2-2`. Names differing only in case are the same name: they are one
/// folder on the file systems of Windows and macOS.
pub fn folders(batches: &[PathBuf], taken: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = Vec::with_capacity(batches.len());
    for batch in batches {
        let base = safe_stem(batch);
        let same = |a: &str, b: &str| a.to_lowercase() == b.to_lowercase();
        let free = |name: &str| {
            !taken.iter().any(|t| same(t, name)) && !names.iter().any(|n| same(n, name))
        };
        let name = if free(&base) {
            base
        } else {
            (2..)
                .map(|n| format!("{base}-{n}"))
                .find(|name| free(name))
                .unwrap_or(base)
        };
        names.push(name);
    }
    names
}

/// A file's identity: its device and inode.
pub type Identity = (u64, u64);

pub fn identity(path: &Path) -> Option<Identity> {
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

/// The identity of the entry itself, a symlink not followed.
pub fn link_identity(path: &Path) -> Option<Identity> {
    std::fs::symlink_metadata(path)
        .ok()
        .map(|m| (m.dev(), m.ino()))
}

/// The batches of the run, each file once, and each repeat with the path it repeats: the
/// same file, however its path is written (same device and inode, symlinks followed).
pub fn distinct(batches: &[PathBuf]) -> (Vec<PathBuf>, Vec<(PathBuf, PathBuf)>) {
    let mut seen: Vec<(Identity, PathBuf)> = Vec::new();
    let mut kept = Vec::new();
    let mut repeats = Vec::new();
    for batch in batches {
        match identity(batch) {
            Some(id) => match seen.iter().find(|(other, _)| *other == id) {
                Some((_, first)) => repeats.push((batch.clone(), first.clone())),
                None => {
                    seen.push((id, batch.clone()));
                    kept.push(batch.clone());
                }
            },
            // A batch that cannot be read is refused on its own.
            None => kept.push(batch.clone()),
        }
    }
    (kept, repeats)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folders_of(names: &[&str]) -> Vec<String> {
        let paths: Vec<PathBuf> = names.iter().map(PathBuf::from).collect();
        folders(&paths, &["run-summary.json"])
    }

    #[test]
    fn folder_names_are_safe() {
        for (name, folder) in [
            ("..xlsx", "_"),
            ("...xlsx", "__"),
            ("in/....csv", "___"),
            (".hidden.csv", "_hidden"),
            (".cpbatch-x.csv", "_cpbatch-x"),
            ("a\u{1b}[2J.csv", "a_[2J"),
            ("new\nline.csv", "new_line"),
            ("back\\slash.csv", "back_slash"),
            ("plain.xlsx", "plain"),
        ] {
            assert_eq!(safe_stem(Path::new(name)), folder, "{name:?}");
        }
    }

    #[test]
    fn two_batches_never_share_a_folder() {
        assert_eq!(
            folders_of(&["a.xlsx", "a.csv", "a-2.csv"]),
            ["a", "a-2", "a-2-2"]
        );
        assert_eq!(
            folders_of(&["a-2.csv", "a.xlsx", "a.csv"]),
            ["a-2", "a", "a-3"]
        );
        assert_eq!(
            folders_of(&["run-summary.json.csv", "x/..csv", "y/_.csv"]),
            ["run-summary.json-2", "_", "_-2"]
        );
        // One folder on a file system that ignores case: not two batches' folders.
        assert_eq!(
            folders_of(&["A.csv", "a.csv", "x/Run-Summary.JSON.csv", "É.csv", "é.csv"]),
            ["A", "a-2", "Run-Summary.JSON-2", "É", "é-2"]
        );
    }
}
