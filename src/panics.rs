//! Panics and stderr. A panic's message is a library's text, and may quote what it was
//! given (a cell, a line): cpbatch never prints it. An unexpected panic prints one line of
//! cpbatch's own, with where it happened; a panic that cpbatch expects from a library and
//! turns into an error of its own ([`catching`]) prints nothing.

use std::cell::{Cell, RefCell};
use std::path::{Path, PathBuf};

thread_local! {
    /// How many [`catching`] calls this thread is inside.
    static CATCHING: Cell<u32> = const { Cell::new(0) };
    /// The directory whose free space a caught panic notes, and what it was then.
    static WATCHED: RefCell<Option<PathBuf>> = const { RefCell::new(None) };
    static FREE_AT_PANIC: Cell<Option<u64>> = const { Cell::new(None) };
}

/// A panic caught by [`catching`]: the bytes free, when it happened, on the file system of
/// the directory watched (before unwinding gave any temporary space back).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caught {
    pub free_bytes: Option<u64>,
}

/// Replaces the default panic message (the library's text and a backtrace) with a line of
/// cpbatch's own. With `RUST_BACKTRACE` set, a developer asking for the details gets them.
pub fn install_hook() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if CATCHING.with(Cell::get) > 0 {
            let free = WATCHED.with(|dir| dir.borrow().as_deref().and_then(crate::sys::free_bytes));
            FREE_AT_PANIC.with(|f| f.set(free));
            return;
        }
        if std::env::var_os("RUST_BACKTRACE").is_some() {
            default(info);
            return;
        }
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!("cpbatch: internal error{at} (please report it)");
    }));
}

/// Runs `work`, turning a panic inside it into [`Caught`], silently: for library code that
/// panics on a failure cpbatch reports itself (rust_xlsxwriter on a failed write to its
/// temporary files in `dir`).
pub fn catching<T>(dir: &Path, work: impl FnOnce() -> T) -> Result<T, Caught> {
    let outer = WATCHED.with(|w| w.replace(Some(dir.to_path_buf())));
    CATCHING.with(|c| c.set(c.get() + 1));
    FREE_AT_PANIC.with(|f| f.set(None));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
    CATCHING.with(|c| c.set(c.get() - 1));
    WATCHED.with(|w| w.replace(outer));
    result.map_err(|_| Caught {
        free_bytes: FREE_AT_PANIC.with(Cell::take),
    })
}

#[cfg(test)]
mod tests {
    use super::catching;

    #[test]
    fn a_panic_inside_catching_is_an_error_and_the_count_goes_back() {
        let dir = std::env::temp_dir();
        assert_eq!(catching(&dir, || 7), Ok(7));
        let caught = catching(&dir, || panic!("a library's words"));
        assert!(caught.is_err());
        assert_eq!(super::CATCHING.with(std::cell::Cell::get), 0);
    }
}
