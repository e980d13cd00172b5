//! Rows in source-row order (SPEC 4.4): the sheet's rows go to the assembler by row number,
//! whatever the order of their elements, and a row number met twice is a damaged workbook.
//!
//! Every producer writes rows in order, so rows are passed on as they are parsed; the first
//! row out of order stops that read ([`Failure::OutOfOrder`]), and the sheet is read again
//! with every row held and sorted before any is passed on.

use super::damage::Damage;
use super::sheet::{Context, ParsedRows};
use crate::batch::{Assembler, Failure, RowCells};
use crate::error::FileError;

/// How the rows of a sheet reach the assembler.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RowOrder {
    /// As parsed; a row out of order fails the read with [`Failure::OutOfOrder`].
    AsRead,
    /// All held, then sorted by row number.
    Sorted,
}

/// How a sheet is read: the order its rows are passed on in, and whether it is cut in pieces
/// of about so many bytes parsed on every core (`super::pieces`) or read whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plan {
    pub order: RowOrder,
    pub pieces: Option<usize>,
}

/// Types the parsed rows' cells and passes the rows to the assembler in row order.
pub fn assemble(
    batches: impl Iterator<Item = Result<ParsedRows, Failure>>,
    ctx: &Context<'_>,
    asm: &mut Assembler<'_>,
    order: RowOrder,
    damaged: &dyn Fn(Damage) -> FileError,
) -> Result<(), Failure> {
    let mut cells = RowCells::default();
    let mut push = |rows: &ParsedRows, i: usize| -> Result<(), Failure> {
        rows.type_row(i, ctx, &mut cells).map_err(damaged)?;
        Ok(asm.push_row(rows.number(i), cells.iter())?)
    };
    match order {
        RowOrder::AsRead => {
            let mut last: Option<u32> = None;
            for rows in batches {
                let rows = rows?;
                for i in 0..rows.len() {
                    let row = rows.number(i);
                    match last {
                        Some(before) if row == before => {
                            return Err(damaged(Damage::RepeatedRow { row }).into());
                        }
                        Some(before) if row < before => return Err(Failure::OutOfOrder),
                        _ => {}
                    }
                    last = Some(row);
                    push(&rows, i)?;
                }
            }
            Ok(())
        }
        RowOrder::Sorted => {
            let held: Vec<ParsedRows> = batches.collect::<Result<_, _>>()?;
            let mut index: Vec<(u32, u32, u32)> = Vec::new();
            for (b, rows) in held.iter().enumerate() {
                index.extend((0..rows.len()).map(|i| (rows.number(i), b as u32, i as u32)));
            }
            index.sort_unstable();
            if let Some(pair) = index.windows(2).find(|pair| pair[0].0 == pair[1].0) {
                return Err(damaged(Damage::RepeatedRow { row: pair[0].0 }).into());
            }
            for (_, b, i) in index {
                push(&held[b as usize], i as usize)?;
            }
            Ok(())
        }
    }
}
