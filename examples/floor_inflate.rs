//! Benchmark floor (issue 13): inflates the largest worksheet part of a workbook (zip with
//! zlib-rs, as cpbatch's reader does) and counts its `<row` tags with memchr, and does
//! nothing else: the least any reader of the sheet must do. `floor_inflate FILE.xlsx`
use std::io::Read;

fn main() {
    let path = std::env::args().nth(1).expect("a workbook path");
    let file = std::fs::File::open(&path).expect("open the workbook");
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
    let mut part = archive.by_index(sheet).expect("the worksheet part");
    let finder = memchr::memmem::Finder::new(b"<row");
    let mut buf = vec![0u8; 1 << 20];
    let (mut rows, mut bytes, mut carry) = (0u64, 0u64, 0usize);
    loop {
        let n = part.read(&mut buf[carry..]).expect("inflate the part");
        if n == 0 {
            break;
        }
        let end = carry + n;
        bytes += n as u64;
        rows += finder.find_iter(&buf[..end]).count() as u64;
        // Keep the last three bytes: a tag cut by the block boundary is counted once.
        carry = end.min(3);
        buf.copy_within(end - carry..end, 0);
    }
    println!("{rows} rows, {bytes} bytes of sheet XML");
}
