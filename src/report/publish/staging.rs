//! A staging directory: `.cpbatch-XXXXXXXXXX` beside the files it will replace, made new
//! (mkdir fails on any existing name, symlinks included) under a random name, mode 0700.
//! Every report of a run is written inside it; a commit renames them out of it.

use std::fs::File;
use std::io::BufWriter;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::live;
use crate::error::FileError;
use crate::report::output_error;

/// The prefix of every temporary name cpbatch makes; the next run removes what a killed
/// run left under it.
pub const TEMP_PREFIX: &str = ".cpbatch-";

pub struct Staging {
    dir: Option<tempfile::TempDir>,
    path: PathBuf,
    /// An flock on the staging directory itself, held while the run lives: another run's
    /// clean-up leaves a locked staging directory alone.
    _alive: File,
    /// Each staged file, by its path inside the staging directory, and where it goes.
    files: Vec<(PathBuf, PathBuf)>,
}

impl Staging {
    /// Makes a staging directory in `parent`, which must exist.
    pub fn new_in(parent: &Path) -> Result<Staging, FileError> {
        let mut live = live::lock();
        let dir = tempfile::Builder::new()
            .prefix(TEMP_PREFIX)
            .rand_bytes(10)
            .permissions(std::fs::Permissions::from_mode(0o700))
            .tempdir_in(parent)
            .map_err(|e| output_error(&parent.join(".cpbatch-…"), &e))?;
        let path = dir.path().to_path_buf();
        live.add_temp(&path);
        drop(live);
        let alive = File::open(&path).map_err(|e| output_error(&path, &e))?;
        alive.try_lock().map_err(|e| FileError::Output {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        Ok(Staging {
            dir: Some(dir),
            path,
            _alive: alive,
            files: Vec::new(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The staged path of a file that will become `target`; `staged` is relative to the
    /// staging directory (its folders are made). The caller creates the file with
    /// [`create_new`].
    pub fn file(&mut self, staged: &Path, target: &Path) -> Result<PathBuf, FileError> {
        let path = self.path.join(staged);
        if let Some(parent) = path.parent()
            && parent != self.path
        {
            live::making(|| std::fs::create_dir_all(parent))
                .map_err(|e| output_error(target, &e))?;
        }
        self.files.push((path.clone(), target.to_path_buf()));
        Ok(path)
    }

    /// Stages a file that will become `target`, filled by `write`.
    pub fn write(
        &mut self,
        staged: &Path,
        target: &Path,
        write: impl FnOnce(&mut BufWriter<File>) -> std::io::Result<()>,
    ) -> Result<(), FileError> {
        let path = self.file(staged, target)?;
        let result = create_new(&path).and_then(|file| {
            let mut out = BufWriter::new(file);
            write(&mut out)?;
            let file = out.into_inner().map_err(|e| e.into_error())?;
            file.sync_all()
        });
        result.map_err(|e| output_error(target, &e))
    }

    /// Every staged file and its target, in the order staged.
    pub fn files(&self) -> &[(PathBuf, PathBuf)] {
        &self.files
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let mut live = live::lock();
        if let Some(dir) = self.dir.take()
            && dir.close().is_err()
        {
            live::remove_tree(&self.path);
        }
        live.remove_temp(&self.path);
    }
}

/// Creates a file that must not exist yet: never opened through an existing file or a
/// symlink planted under its name. Made under the registry's lock (see [`live::making`]).
pub fn create_new(path: &Path) -> std::io::Result<File> {
    live::making(|| {
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
    })
}

/// Removes what killed runs left in `dir`: staging directories no live run holds (their
/// flock is free), and the `.NAME.PID.partial` files of earlier versions of cpbatch.
pub fn remove_leftovers(dir: &Path, reports: &[&str]) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let path = entry.path();
        if name.starts_with(TEMP_PREFIX) {
            let dead = File::open(&path).is_ok_and(|f| f.try_lock().is_ok());
            if dead {
                live::remove_tree(&path);
            }
        } else if is_old_partial(name, reports) {
            let _ = std::fs::remove_file(&path);
        }
    }
}

/// `.accepted.csv.1234.partial`: a temporary file of cpbatch 0.1.
fn is_old_partial(name: &str, reports: &[&str]) -> bool {
    let Some(rest) = name.strip_prefix('.') else {
        return false;
    };
    let Some(rest) = rest.strip_suffix(".partial") else {
        return false;
    };
    reports.iter().any(|report| {
        rest.strip_prefix(report)
            .and_then(|pid| pid.strip_prefix('.'))
            .is_some_and(|pid| !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The signal thread removes the temporary paths holding the registry's lock and ends
    /// the process without letting it go: while it is held, no writer may make a name, or
    /// a folder made inside a staging directory being removed brings it back.
    #[test]
    fn no_name_is_made_in_a_staging_directory_while_the_registry_is_locked() {
        let root = tempfile::tempdir().unwrap();
        let mut staging = Staging::new_in(root.path()).unwrap();
        let inside = staging.path().to_path_buf();
        let held = live::lock();
        let (made_tx, made_rx) = std::sync::mpsc::channel();
        let writer = std::thread::spawn(move || {
            let path = staging
                .file(Path::new("a/accepted.csv"), Path::new("unused"))
                .unwrap();
            create_new(&path).unwrap();
            made_tx.send(()).unwrap();
            staging
        });
        let waited = made_rx.recv_timeout(std::time::Duration::from_millis(300));
        assert!(
            waited.is_err(),
            "a name was made while the registry was locked"
        );
        assert!(!inside.join("a").exists());
        drop(held);
        made_rx.recv().unwrap();
        let staging = writer.join().unwrap();
        assert!(inside.join("a/accepted.csv").is_file());
        drop(staging);
        assert!(!inside.exists());
    }
}
