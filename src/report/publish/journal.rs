//! The commit: a journal of renames within one filesystem. Each step is recorded with the
//! step that undoes it; when one fails, the steps done are undone in reverse, so a reader
//! finds the previous run whole. An old file that a step replaces or removes is first kept
//! in the staging directory (a hard link, or a rename where links are not supported), which
//! is how it can be put back.

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

/// One step of a commit.
#[derive(Debug, Clone)]
pub enum Step {
    /// Make a report folder, unless it is there.
    Folder(PathBuf),
    /// Put a staged file in place of whatever file is at `to`.
    Place { from: PathBuf, to: PathBuf },
    /// Take away a report of an earlier run (a file; never a directory).
    Remove(PathBuf),
    /// Remove a folder of an earlier run once empty; a folder that holds a file cpbatch did
    /// not write stays.
    FolderIfEmpty(PathBuf),
}

/// How to undo a step that was done.
enum Undo {
    RemoveFolder(PathBuf),
    /// Rename `from` back to `to`.
    Rename {
        from: PathBuf,
        to: PathBuf,
    },
    MakeFolder(PathBuf),
}

/// A step that failed: the path it concerned, and why.
#[derive(Debug)]
pub struct Failure {
    pub path: PathBuf,
    pub error: std::io::Error,
    /// False when undoing the steps done failed too.
    pub undone: bool,
}

/// Does every step, or none: on a failure, what was done is undone. Steps come in groups,
/// each with the directory where the old files it replaces are kept (a staging directory on
/// the same filesystem as the group's targets).
pub fn run(groups: &[(&[Step], &Path)]) -> Result<(), Failure> {
    let mut done: Vec<Undo> = Vec::new();
    let mut kept = 0usize;
    for (steps, keep) in groups {
        for step in *steps {
            if let Err((path, error)) = apply(step, keep, &mut kept, &mut done) {
                let undone = undo(done);
                return Err(Failure {
                    path,
                    error,
                    undone,
                });
            }
        }
    }
    Ok(())
}

type StepError = (PathBuf, std::io::Error);

fn apply(
    step: &Step,
    keep: &Path,
    kept: &mut usize,
    done: &mut Vec<Undo>,
) -> Result<(), StepError> {
    let at = |path: &Path| {
        let path = path.to_path_buf();
        move |error| (path, error)
    };
    match step {
        Step::Folder(dir) => match std::fs::create_dir(dir) {
            Ok(()) => done.push(Undo::RemoveFolder(dir.clone())),
            // A real directory: never a symlink, through which reports would leave --out.
            Err(e) if e.kind() == ErrorKind::AlreadyExists && is_real_dir(dir) => {}
            Err(e) if e.kind() == ErrorKind::AlreadyExists => {
                return Err((dir.clone(), ErrorKind::NotADirectory.into()));
            }
            Err(e) => return Err((dir.clone(), e)),
        },
        Step::Place { from, to } => {
            match old_file(to) {
                Some(()) => {
                    let backup = backup_name(keep, kept);
                    if std::fs::hard_link(to, &backup).is_ok() {
                        // The old file stays under its name until the new one replaces it.
                        std::fs::rename(from, to).map_err(at(to))?;
                    } else {
                        std::fs::rename(to, &backup).map_err(at(to))?;
                        if let Err(e) = std::fs::rename(from, to) {
                            let _ = std::fs::rename(&backup, to);
                            return Err((to.clone(), e));
                        }
                    }
                    done.push(Undo::Rename {
                        from: backup,
                        to: to.clone(),
                    });
                }
                None => {
                    std::fs::rename(from, to).map_err(at(to))?;
                    done.push(Undo::Rename {
                        from: to.clone(),
                        to: from.clone(),
                    });
                }
            }
        }
        Step::Remove(path) => {
            if old_file(path).is_some() {
                let backup = backup_name(keep, kept);
                std::fs::rename(path, &backup).map_err(at(path))?;
                done.push(Undo::Rename {
                    from: backup,
                    to: path.clone(),
                });
            }
        }
        Step::FolderIfEmpty(dir) => {
            if std::fs::remove_dir(dir).is_ok() {
                done.push(Undo::MakeFolder(dir.clone()));
            }
        }
    }
    Ok(())
}

/// `Some` when `path` is a file (or a symlink) that a step may replace or take away; a
/// directory, or nothing, is `None`.
fn old_file(path: &Path) -> Option<()> {
    std::fs::symlink_metadata(path)
        .ok()
        .filter(|meta| !meta.is_dir())
        .map(|_| ())
}

/// A directory itself, not a symlink to one.
pub fn is_real_dir(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|meta| meta.is_dir())
}

fn backup_name(keep: &Path, kept: &mut usize) -> PathBuf {
    *kept += 1;
    keep.join(format!("old-{kept}"))
}

/// Undoes the steps done, last first; false when one could not be undone.
fn undo(done: Vec<Undo>) -> bool {
    let mut whole = true;
    for step in done.into_iter().rev() {
        let undone = match step {
            Undo::RemoveFolder(dir) => std::fs::remove_dir(dir),
            Undo::Rename { from, to } => std::fs::rename(from, to),
            Undo::MakeFolder(dir) => std::fs::create_dir(dir),
        };
        whole &= undone.is_ok();
    }
    whole
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<(String, String)> {
        let mut names: Vec<(String, String)> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .map(|p| {
                let text = std::fs::read_to_string(&p).unwrap_or_else(|_| "<dir>".into());
                (p.file_name().unwrap().to_string_lossy().into_owned(), text)
            })
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_failed_step_undoes_the_steps_before_it() {
        let root = tempfile::tempdir().unwrap();
        let (out, new, keep) = (
            root.path().join("out"),
            root.path().join("new"),
            root.path().join("keep"),
        );
        for dir in [&out, &new, &keep] {
            std::fs::create_dir(dir).unwrap();
        }
        std::fs::write(out.join("a"), "old a").unwrap();
        std::fs::write(out.join("stale"), "old stale").unwrap();
        std::fs::create_dir(out.join("c")).unwrap();
        for name in ["a", "b", "c"] {
            std::fs::write(new.join(name), format!("new {name}")).unwrap();
        }
        let before = names(&out);
        let place = |name: &str| Step::Place {
            from: new.join(name),
            to: out.join(name),
        };
        let steps = [
            Step::Remove(out.join("stale")),
            place("a"),
            place("b"),
            place("c"),
        ];
        let failure = run(&[(&steps, &keep)]).unwrap_err();
        assert_eq!(failure.path, out.join("c"));
        assert!(failure.undone);
        assert_eq!(names(&out), before);
    }
}
