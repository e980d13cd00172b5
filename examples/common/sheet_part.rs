//! What the floor examples share: a workbook's largest worksheet part.

/// The workbook at `path`, and the index of its largest worksheet part (the batch's sheet).
pub fn largest_sheet(path: &str) -> (zip::ZipArchive<std::io::BufReader<std::fs::File>>, usize) {
    let file = std::fs::File::open(path).expect("open the workbook");
    let mut archive = zip::ZipArchive::new(std::io::BufReader::new(file)).expect("a zip archive");
    let sheet = (0..archive.len())
        .filter_map(|i| {
            let entry = archive.by_index_raw(i).ok()?;
            let name = entry.name().ok()?.to_string();
            (name.starts_with("xl/worksheets/") && name.ends_with(".xml"))
                .then(|| (entry.size(), i))
        })
        .max()
        .map(|(_, i)| i)
        .expect("a worksheet part");
    (archive, sheet)
}
