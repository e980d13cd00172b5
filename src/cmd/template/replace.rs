//! What `cpbatch template` may replace (SPEC 5): a blank template, never someone's work.

use std::path::Path;

use crate::error::FileError;

/// Refuses to replace a file that is not a blank batch workbook (SPEC 5): a filled batch,
/// or anything that is not a workbook, is someone's work.
pub(super) fn refuse_to_replace(path: &Path) -> Result<(), FileError> {
    if std::fs::symlink_metadata(path).is_err() {
        return Ok(());
    }
    let refuse = |what: String| {
        Err(FileError::Usage(format!(
            "{} {what}: it is not replaced (use --force to replace it)",
            path.display()
        )))
    };
    if !is_zip(path) {
        return refuse("is not a workbook".into());
    }
    match crate::batch::read_batch(path, None) {
        Ok(batch) if batch.rows.is_empty() => Ok(()),
        Ok(batch) => match batch.rows.len() {
            1 => refuse("holds 1 data row".into()),
            n => refuse(format!("holds {n} data rows")),
        },
        Err(_) => refuse("is not a blank batch template".into()),
    }
}

/// Whether a file starts as a zip archive (an xlsx workbook) does.
fn is_zip(path: &Path) -> bool {
    use std::io::Read;
    let mut magic = [0u8; 4];
    std::fs::File::open(path)
        .and_then(|mut file| file.read_exact(&mut magic))
        .is_ok_and(|()| magic == *b"PK\x03\x04")
}
