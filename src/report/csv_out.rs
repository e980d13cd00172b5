//! CSV rendering of a report table: blocks of rows are rendered in parallel and written in
//! order, so output is the same bytes whatever the thread count.

use std::io::Write;

use rayon::prelude::*;

use super::tables::{Table, Value};

/// Rows per block, and blocks rendered at once: bounds the memory in flight.
const BLOCK: usize = 4096;
const BLOCKS_AT_ONCE: usize = 32;

pub fn write(out: &mut impl Write, table: &Table<'_>) -> std::io::Result<()> {
    let mut header = csv::Writer::from_writer(Vec::new());
    header.write_record(&table.headers)?;
    out.write_all(&header.into_inner().map_err(|e| e.into_error())?)?;
    let blocks: Vec<usize> = (0..table.len).step_by(BLOCK).collect();
    for group in blocks.chunks(BLOCKS_AT_ONCE) {
        let rendered: Vec<std::io::Result<Vec<u8>>> = group
            .par_iter()
            .map(|start| render(table, *start..(*start + BLOCK).min(table.len)))
            .collect();
        for bytes in rendered {
            out.write_all(&bytes?)?;
        }
    }
    out.flush()
}

fn render(table: &Table<'_>, rows: std::ops::Range<usize>) -> std::io::Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::with_capacity(rows.len() * 128));
    let mut field = String::new();
    for index in rows {
        for value in &table.row(index) {
            match value {
                Value::Text(text) | Value::Id(text) => writer.write_field(text.as_bytes())?,
                _ => {
                    field.clear();
                    value.write_text(&mut field);
                    writer.write_field(&field)?;
                }
            }
        }
        writer.write_record(None::<&[u8]>)?;
    }
    writer.into_inner().map_err(|e| e.into_error())
}
