//! Opening the snapshot: once, whatever it is (a regular file, a pipe, a FIFO), so that a
//! snapshot given as `--evs <(zcat …)` is read once and hashed as read (SPEC 4.4). Gzip is
//! told from the name or from the first two bytes, which are kept for the reader.

use std::io::{BufReader, Cursor, Read};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use sha2::{Digest, Sha256};

use super::Progress;

const GZIP_MAGIC: &[u8] = &[0x1F, 0x8B];

/// A regular file can be read twice, and at offsets; a pipe or a FIFO only once, in order.
pub(super) fn is_regular(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| m.is_file())
}

fn has_gz_name(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"))
}

/// True when the snapshot can be indexed: a regular file (its lines are found again where
/// the index says). A pipe is never opened here: the bytes sniffed would be lost to the pass
/// that reads it.
pub(super) fn indexable(path: &Path) -> bool {
    is_regular(path)
}

/// True when the snapshot is gzip-compressed (by its name, or its first two bytes); false for
/// a pipe, which is not opened here.
pub(super) fn is_gzip_file(path: &Path) -> bool {
    if has_gz_name(path) {
        return true;
    }
    if !is_regular(path) {
        return false;
    }
    let mut magic = [0u8; 2];
    let read = std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut magic));
    read.is_ok() && magic == GZIP_MAGIC
}

/// The size of a gzip file's text as its trailer gives it (of its last member, modulo 4 GiB):
/// a hint only, which a file may belie.
pub(super) fn gzip_size_hint(path: &Path) -> Option<u64> {
    use std::io::{Seek, SeekFrom};
    let mut file = std::fs::File::open(path).ok()?;
    file.seek(SeekFrom::End(-4)).ok()?;
    let mut size = [0u8; 4];
    file.read_exact(&mut size).ok()?;
    Some(u64::from(u32::from_le_bytes(size)))
}

/// The snapshot's text, decompressed if need be, from one opening of the file.
pub(super) struct Source<'p> {
    pub(super) text: Box<dyn Read + Send + 'p>,
    pub(super) gzip: bool,
}

/// Opens the snapshot once; every byte read from the file goes through `hasher` (when
/// given) and is reported to `progress`.
pub(super) fn open<'p>(
    path: &Path,
    progress: Progress<'p>,
    hasher: Option<&'p mut Sha256>,
) -> std::io::Result<Source<'p>> {
    let file = std::fs::File::open(path)?;
    let mut raw = Counting {
        file,
        read: 0,
        progress,
        hasher,
    };
    // The first two bytes, however few a pipe hands over at a time; read again below.
    let mut head = Vec::with_capacity(GZIP_MAGIC.len());
    (&mut raw)
        .take(GZIP_MAGIC.len() as u64)
        .read_to_end(&mut head)?;
    let gzip = has_gz_name(path) || head == GZIP_MAGIC;
    let raw = Cursor::new(head).chain(raw);
    let text: Box<dyn Read + Send + 'p> = if gzip {
        Box::new(flate2::read::MultiGzDecoder::new(BufReader::with_capacity(
            1 << 20,
            raw,
        )))
    } else {
        Box::new(raw)
    };
    Ok(Source { text, gzip })
}

/// The SHA-256 of a regular file, read on its own beside the scan (which is bound by its
/// reading thread); `None` once `stop` is set: the scan failed, the hash is not wanted.
pub(super) fn sha256_file(path: &Path, stop: &AtomicBool) -> std::io::Result<Option<String>> {
    let mut hasher = Sha256::new();
    let mut file = std::fs::File::open(path)?;
    let mut buffer = vec![0; 64 << 10];
    loop {
        if stop.load(Ordering::Relaxed) {
            return Ok(None);
        }
        let n = match file.read(&mut buffer) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            return Ok(Some(crate::sys::hex(&hasher.finalize())));
        }
        hasher.update(&buffer[..n]);
    }
}

/// Reports how many bytes of the file have been read, and hashes them: the snapshot is read
/// once, not once more for its SHA-256.
struct Counting<'p> {
    file: std::fs::File,
    read: u64,
    progress: Progress<'p>,
    hasher: Option<&'p mut Sha256>,
}

impl Read for Counting<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.file.read(buf)?;
        if let Some(hasher) = self.hasher.as_mut() {
            hasher.update(&buf[..n]);
        }
        self.read += n as u64;
        (self.progress)(self.read);
        Ok(n)
    }
}
