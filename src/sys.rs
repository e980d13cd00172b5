//! Small system helpers every reader needs: I/O reasons, hashing, thread priority. A leaf:
//! it names no other module of the crate.

use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

/// Lowers the calling thread's scheduling priority. Reading a workbook keeps one core busy
/// and sets the pace of the whole run; the threads that work behind it (assembling rows,
/// checking them, indexing the snapshot) have the rest of the machine, and should take the
/// reader's core only when it is idle. Elsewhere than Linux, threads keep their priority.
pub fn work_behind_the_reader() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority and gettid only read their integer arguments; on Linux a thread ID
    // names that one thread. A failure (no permission) just leaves the priority as it was.
    unsafe {
        libc::setpriority(libc::PRIO_PROCESS, libc::gettid() as libc::id_t, 10);
    }
}

/// Why an I/O operation failed, in the words the messages use.
pub fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

/// The SHA-256 of a file, as lower-case hex.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut hasher = Sha256::new();
    let mut file = std::fs::File::open(path)?;
    let mut buffer = vec![0; 1 << 16];
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

/// Bytes as lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The bytes free to an unprivileged writer on the file system of `dir`, if it can be told.
pub fn free_bytes(dir: &Path) -> Option<u64> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let path = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
        let mut stats = std::mem::MaybeUninit::<libc::statvfs>::uninit();
        // SAFETY: `path` is a NUL-terminated string that outlives the call, and `stats` is
        // writable memory of the struct's size; it is read only when the call succeeded.
        let stats = unsafe {
            if libc::statvfs(path.as_ptr(), stats.as_mut_ptr()) != 0 {
                return None;
            }
            stats.assume_init()
        };
        #[allow(clippy::useless_conversion)] // u32 fields on some platforms
        Some(u64::from(stats.f_bavail).saturating_mul(u64::from(stats.f_frsize)))
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        None
    }
}
