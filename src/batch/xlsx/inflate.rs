//! The sheet part inflated on a thread of its own, a block ahead of the XML parse, which sets
//! the pace of the whole read: the parse reads the blocks through [`Blocks`], a `BufRead`.
//! A few blocks are in flight at most, so memory stays a few megabytes whatever the sheet.

use std::io::{BufRead, Read};
use std::sync::mpsc::{Receiver, Sender, SyncSender};

/// Inflated bytes are handed over in blocks of this size.
const BLOCK: usize = 1 << 20;
/// Blocks in flight between the threads.
const AHEAD: usize = 4;

/// The parse's side: the blocks in order, then the end (or the read's error).
pub struct Blocks {
    full: Receiver<std::io::Result<Vec<u8>>>,
    empty: Sender<Vec<u8>>,
    current: Vec<u8>,
    at: usize,
    done: bool,
}

/// Runs `parse` over the inflated bytes of `part`, inflated on a second thread.
pub fn with_blocks<P: Read + Send, T>(part: P, parse: impl FnOnce(Blocks) -> T) -> T {
    let (full_tx, full) = std::sync::mpsc::sync_channel(AHEAD);
    let (empty, empty_rx) = std::sync::mpsc::channel();
    std::thread::scope(|scope| {
        scope.spawn(move || inflate(part, &full_tx, &empty_rx));
        parse(Blocks {
            full,
            empty,
            current: Vec::new(),
            at: 0,
            done: false,
        })
        // `Blocks` is dropped here: should the parse stop early, the inflater's next send
        // fails and it stops too.
    })
}

fn inflate<P: Read>(
    mut part: P,
    full: &SyncSender<std::io::Result<Vec<u8>>>,
    empty: &Receiver<Vec<u8>>,
) {
    loop {
        let mut block = empty.try_recv().unwrap_or_else(|_| vec![0; BLOCK]);
        block.resize(BLOCK, 0);
        let mut filled = 0;
        while filled < BLOCK {
            match part.read(&mut block[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    let _ = full.send(Err(e));
                    return;
                }
            }
        }
        block.truncate(filled);
        if filled == 0 || full.send(Ok(block)).is_err() {
            return;
        }
    }
}

impl BufRead for Blocks {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        while self.at == self.current.len() && !self.done {
            match self.full.recv() {
                Ok(Ok(block)) => {
                    let used = std::mem::replace(&mut self.current, block);
                    let _ = self.empty.send(used);
                    self.at = 0;
                }
                Ok(Err(e)) => return Err(e),
                Err(_) => self.done = true,
            }
        }
        Ok(&self.current[self.at..])
    }

    fn consume(&mut self, amount: usize) {
        self.at = (self.at + amount).min(self.current.len());
    }
}

impl Read for Blocks {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_give_back_every_byte_in_order() {
        let data: Vec<u8> = (0..3 * BLOCK + 17).map(|i| (i % 251) as u8).collect();
        let read = with_blocks(data.as_slice(), |mut blocks| {
            let mut all = Vec::new();
            blocks.read_to_end(&mut all).unwrap();
            all
        });
        assert_eq!(read, data);
        // A parse that stops early leaves no thread behind.
        let first = with_blocks(data.as_slice(), |mut blocks| blocks.fill_buf().unwrap()[0]);
        assert_eq!(first, 0);
    }
}
