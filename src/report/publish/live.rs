//! What a signal must not leave behind: every temporary path this process has made, and the
//! directories it created for the run, in one registry. A commit holds the registry's lock
//! while it renames, so SIGINT or SIGTERM lands before a commit or after it, never inside.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// The temporary paths of the run, and the directories it created (parents first).
#[derive(Default)]
pub struct Live {
    temps: Vec<PathBuf>,
    created: Vec<PathBuf>,
}

static LIVE: Mutex<Live> = Mutex::new(Live {
    temps: Vec::new(),
    created: Vec::new(),
});

/// The registry, locked. A thread that makes a temporary path registers it before it lets
/// the lock go, so that no signal can come between the two.
pub fn lock() -> MutexGuard<'static, Live> {
    LIVE.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Makes a name (a file, a folder) under the registry's lock. The signal thread takes the
/// lock and never lets it go, so once it has begun to remove the run's temporary paths no
/// writer can make a name again: a folder made by `create_dir_all` inside a staging
/// directory being removed would otherwise bring the staging directory back.
pub fn making<T>(make: impl FnOnce() -> std::io::Result<T>) -> std::io::Result<T> {
    let _live = lock();
    make()
}

impl Live {
    pub fn add_temp(&mut self, path: &Path) {
        self.temps.push(path.to_path_buf());
    }

    pub fn remove_temp(&mut self, path: &Path) {
        self.temps.retain(|p| p != path);
    }

    pub fn add_created(&mut self, dir: &Path) {
        self.created.push(dir.to_path_buf());
    }

    /// Forgets created directories: the run published into them, or removed them.
    pub fn forget_created(&mut self, dirs: &[PathBuf]) {
        self.created.retain(|d| !dirs.contains(d));
    }

    /// Removes every temporary path, then every created directory left empty.
    fn remove_all(&mut self) {
        for temp in self.temps.drain(..) {
            remove_tree(&temp);
        }
        for dir in self.created.drain(..).rev() {
            let _ = std::fs::remove_dir(dir);
        }
    }
}

/// Removes a file or a directory tree. Names are made under the registry's lock, which the
/// remover holds, so the tree cannot grow; a few tries cover a file system that is slow to
/// let an entry go.
pub fn remove_tree(path: &Path) {
    for _ in 0..50 {
        let removed = match std::fs::symlink_metadata(path) {
            Err(_) => return,
            Ok(meta) if meta.is_dir() => std::fs::remove_dir_all(path),
            Ok(_) => std::fs::remove_file(path),
        };
        if removed.is_ok() {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
}

/// Watches for SIGINT and SIGTERM on a thread of its own: on either, once no commit is in
/// progress, removes every temporary path and created directory, and ends the process with
/// status 130 or 143, as a shell reports a process stopped by that signal.
pub fn clean_up_on_signals() -> std::io::Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])?;
    std::thread::Builder::new()
        .name("cpbatch-signals".into())
        .spawn(move || {
            if let Some(signal) = signals.forever().next() {
                // Waits for a commit in progress: the lock is held until it has finished.
                let mut live = lock();
                live.remove_all();
                std::process::exit(128 + signal);
            }
        })?;
    Ok(())
}
