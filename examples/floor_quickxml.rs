//! Benchmark floor (issue 13): quick-xml's bare event loop over the largest worksheet part of
//! a workbook, on every core, and nothing else. One thread inflates the part (zip with
//! zlib-rs) and cuts it into pieces of about 1 MiB before a `<row` tag, as cpbatch's reader
//! does; one thread per core reads each piece's events with quick-xml's borrowing reader
//! (cpbatch's settings) and counts its row elements. No cell is looked at: this is the least
//! a reader bound to quick-xml spends on the sheet. `floor_quickxml FILE.xlsx`
#[path = "common/sheet_part.rs"]
mod sheet_part;

use std::io::Read;
use std::sync::Mutex;
use std::sync::mpsc::{Receiver, sync_channel};

const PIECE: usize = 1 << 20;

fn main() {
    let path = std::env::args().nth(1).expect("a workbook path");
    let (mut archive, sheet) = sheet_part::largest_sheet(&path);
    let mut part = archive.by_index(sheet).expect("the worksheet part");
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let (pieces, jobs) = sync_channel::<Vec<u8>>(2 * workers);
    let jobs = Mutex::new(jobs);
    let rows: u64 = std::thread::scope(|scope| {
        let counters: Vec<_> = (0..workers)
            .map(|_| scope.spawn(|| count_rows(&jobs)))
            .collect();
        let finder = memchr::memmem::FinderRev::new(b"<row");
        let mut buf: Vec<u8> = Vec::with_capacity(2 * PIECE);
        loop {
            let before = buf.len();
            let n = (&mut part)
                .take((PIECE.saturating_sub(before) + 4096) as u64)
                .read_to_end(&mut buf)
                .expect("inflate the part");
            if n == 0 {
                pieces.send(std::mem::take(&mut buf)).unwrap();
                break;
            }
            // Cut before the last row tag found past the first byte; keep the rest.
            if let Some(cut) = finder.rfind(&buf[1..]).map(|i| i + 1) {
                let rest = buf[cut..].to_vec();
                buf.truncate(cut);
                pieces.send(std::mem::replace(&mut buf, rest)).unwrap();
            }
        }
        drop(pieces);
        counters.into_iter().map(|c| c.join().unwrap()).sum()
    });
    println!("{rows} rows");
}

/// The row elements of every piece taken, by quick-xml's event loop.
fn count_rows(jobs: &Mutex<Receiver<Vec<u8>>>) -> u64 {
    let mut rows = 0;
    loop {
        let piece = match jobs.lock().unwrap().recv() {
            Ok(piece) => piece,
            Err(_) => return rows,
        };
        let mut reader = quick_xml::Reader::from_reader(piece.as_slice());
        let config = reader.config_mut();
        config.expand_empty_elements = true;
        config.trim_text(false);
        config.check_comments = false;
        loop {
            match reader.read_event() {
                Ok(quick_xml::events::Event::Start(e)) if e.local_name().as_ref() == b"row" => {
                    rows += 1
                }
                // A piece's end (or the part's end tags, whose starts are in the first piece).
                Ok(quick_xml::events::Event::Eof) | Err(_) => break,
                Ok(_) => {}
            }
        }
    }
}
