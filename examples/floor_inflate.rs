//! Benchmark floor (issue 13): inflates the largest worksheet part of a workbook (zip with
//! zlib-rs, as cpbatch's reader does) and counts its `<row` tags with memchr, and does
//! nothing else: the least any reader of the sheet must do. `floor_inflate FILE.xlsx`
#[path = "common/sheet_part.rs"]
mod sheet_part;

use std::io::Read;

fn main() {
    let path = std::env::args().nth(1).expect("a workbook path");
    let (mut archive, sheet) = sheet_part::largest_sheet(&path);
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
