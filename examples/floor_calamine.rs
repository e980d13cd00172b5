//! Benchmark floor (a): reads every cell of a workbook's first sheet with calamine's
//! streaming cell reader and does nothing else. `floor_calamine FILE.xlsx`
use calamine::{DataRef, Reader, Xlsx, open_workbook};

fn main() {
    let path = std::env::args().nth(1).expect("a workbook path");
    let mut book: Xlsx<_> = open_workbook(&path).expect("open the workbook");
    let name = book.sheet_names().last().cloned().expect("a sheet");
    let mut cells = book.worksheet_cells_reader(&name).expect("the sheet");
    let (mut count, mut bytes) = (0u64, 0usize);
    while let Some(cell) = cells.next_cell().expect("a cell") {
        count += 1;
        if let DataRef::SharedString(s) = cell.get_value() {
            bytes += s.len();
        }
    }
    println!("{count} cells, {bytes} bytes of text");
}
