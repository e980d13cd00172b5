//! Reading `.xlsx`/`.xlsm` workbooks with quick-xml, part by part: the package (sheets,
//! date system), the styles (which numbers are dates), the shared strings (bounded by what
//! the sheets can use), then the chosen sheet streamed row by row into the assembler.
//!
//! calamine reads these workbooks too, and stays the reference (the differential test in
//! `tests/it/differential.rs`), but its cell stream hides the row elements (a repeated row would
//! be merged into one) and it refuses a whole workbook for one error value it does not know
//! (`#SPILL!`). Here every row element is seen, rows are passed on in row order
//! (`order`), and any error value is a cell's value.

mod damage;
mod inflate;
mod order;
mod package;
mod pieces;
mod shared;
pub mod sheet;
mod styles;
mod value;
mod xml;

use std::fs::File;
use std::io::BufReader;

use zip::ZipArchive;

pub use damage::{Damage, XmlProblem};
pub use order::{Plan, RowOrder};
pub use package::ZipKind;
pub use pieces::{PIECE_BYTES, Piece, parse_piece, row_tag_start};
pub use shared::SharedStrings;
pub use sheet::{Context, ParsedRows, rows_of_xml};
pub use styles::Styles;

use super::workbook::{SheetMeta, WorkbookInfo, candidates, first_with_header, no_such_sheet};
use super::{Assembler, Failure, limits};
use crate::error::FileError;

/// What kind of workbook a zip archive holds, by its parts.
pub(crate) fn package_kind(archive: &mut ZipArchive<BufReader<File>>) -> ZipKind {
    package::kind(archive)
}

/// Rows go to the assembler in batches of this many, or of this much text.
const BATCH_ROWS: usize = 4096;
const BATCH_TEXT: usize = 8 << 20;

pub(crate) fn read(
    mut archive: ZipArchive<BufReader<File>>,
    workbook: &str,
    display: &str,
    wanted_sheet: Option<&str>,
    asm: &mut Assembler<'_>,
    plan: Plan,
) -> Result<WorkbookInfo, Failure> {
    let unreadable = |reason: String| FileError::Unreadable {
        path: display.to_string(),
        reason,
    };
    let package = package::read(&mut archive, workbook).map_err(|e| {
        unreadable(match e.damage {
            Some(damage) => format!("{} cannot be read: {damage}", e.part),
            None => format!("{} is missing or cannot be inflated", e.part),
        })
    })?;
    let metas: Vec<SheetMeta> = package
        .sheets
        .iter()
        .map(|s| SheetMeta {
            name: s.name.clone(),
            worksheet: s.worksheet,
            visible: s.visible,
        })
        .collect();
    let names = candidates(&metas, wanted_sheet)
        .ok_or_else(|| no_such_sheet(display, &metas, wanted_sheet))?;
    asm.set_1904(package.is_1904);

    let styles = match package
        .styles
        .as_deref()
        .and_then(|p| package::part_index(&archive, p))
    {
        None => Styles::default(),
        Some(index) => {
            let mut styles = Styles::default();
            package::walk_part(&mut archive, index, |xml| {
                styles = Styles::read(xml)?;
                Ok(())
            })
            .map_err(|damage| unreadable(part_problem("its styles", damage)))?;
            styles
        }
    };
    let strings =
        read_shared_strings(&mut archive, package.shared_strings.as_deref(), &unreadable)?;

    let ctx = Context {
        strings: &strings,
        styles: &styles,
        is_1904: package.is_1904,
    };
    let sheet = first_with_header(&names, asm, |name, asm| {
        let part = package
            .sheets
            .iter()
            .find(|s| s.name == name)
            .and_then(|s| s.part.as_deref())
            .and_then(|part| package::part_index(&archive, part))
            .ok_or_else(|| {
                unreadable(format!(
                    "sheet {name:?} has no part in the archive: the workbook is damaged"
                ))
            })?;
        let damaged = |damage: Damage| match damage {
            Damage::Xml(problem) => unreadable(format!("sheet {name:?} cannot be read: {problem}")),
            damage => unreadable(damage.to_string()),
        };
        let file = archive.by_index(part).map_err(|_| {
            unreadable(format!(
                "sheet {name:?} cannot be inflated: the archive is damaged"
            ))
        })?;
        match plan.pieces {
            Some(piece_bytes) => pieces::read(file, piece_bytes, workers(), |pieces| {
                let rows = pieces.map(|rows| rows.map_err(|_| Failure::ReadWhole));
                order::assemble(rows, &ctx, asm, plan.order, &damaged)
            }),
            None => inflate::with_blocks(file, |blocks| {
                let mut xml = xml::reader(blocks);
                sheet::find_sheet_data(&mut xml).map_err(damaged)?;
                stream_rows(&mut xml, &ctx, asm, plan.order, &damaged)
            }),
        }
    })?;
    Ok(WorkbookInfo {
        sheet,
        is_1904: package.is_1904,
    })
}

/// The threads that parse a sheet's pieces: one per core.
fn workers() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get().min(16))
}

/// Why a part was not read, in a message.
fn part_problem(what: &str, damage: Option<Damage>) -> String {
    match damage {
        Some(damage) => format!("{what} cannot be read: {damage}"),
        None => format!("{what} cannot be inflated: the archive is damaged"),
    }
}

fn read_shared_strings(
    archive: &mut ZipArchive<BufReader<File>>,
    part: Option<&str>,
    unreadable: &dyn Fn(String) -> FileError,
) -> Result<SharedStrings, FileError> {
    let Some(index) = part.and_then(|p| package::part_index(archive, p)) else {
        return Ok(SharedStrings::default());
    };
    let sheets = limits::sheet_bytes(archive);
    let budget = limits::shared_strings_budget(sheets);
    let mut strings = SharedStrings::default();
    let mut over = None;
    package::walk_part(archive, index, |xml| {
        match SharedStrings::read(xml, budget) {
            Ok(read) => {
                strings = read;
                Ok(())
            }
            Err(shared::SharedError::Damaged(damage)) => Err(damage),
            Err(shared::SharedError::OverBudget { budget }) => {
                over = Some(budget);
                Ok(())
            }
        }
    })
    .map_err(|damage| unreadable(part_problem("its shared strings", damage)))?;
    match over {
        Some(budget) => Err(unreadable(limits::shared_strings_refusal(budget, sheets))),
        None => Ok(strings),
    }
}

/// Parses the sheet's rows on this thread (the XML parse sets the pace of the run) while a
/// second thread puts them in order and assembles them.
fn stream_rows<R: std::io::BufRead>(
    xml: &mut quick_xml::Reader<R>,
    ctx: &Context<'_>,
    asm: &mut Assembler<'_>,
    order: RowOrder,
    damaged: &(dyn Fn(Damage) -> FileError + Sync),
) -> Result<(), Failure> {
    let (sender, receiver) = std::sync::mpsc::sync_channel::<ParsedRows>(4);
    std::thread::scope(|scope| {
        let assembler = scope.spawn(move || {
            crate::sys::work_behind_the_reader();
            order::assemble(receiver.into_iter().map(Ok), ctx, asm, order, damaged)
        });
        let mut state = sheet::RowState::default();
        let parsed = loop {
            let mut rows = ParsedRows::default();
            match sheet::parse_rows(xml, &mut state, &mut rows, BATCH_ROWS, BATCH_TEXT, false) {
                Ok(more) => {
                    // A send fails when the assembler stopped on an error: it reports it.
                    if (!rows.is_empty() && sender.send(rows).is_err()) || !more {
                        break Ok(());
                    }
                }
                // The rows before the damage are assembled first: should one of them be
                // refused, that is the file's first error, as it is when the rows are read
                // in pieces (and whatever the batches).
                Err(damage) => {
                    if !rows.is_empty() {
                        let _ = sender.send(rows);
                    }
                    break Err(damage);
                }
            }
        };
        drop(sender);
        let assembled = assembler.join().unwrap_or_else(|_| {
            Err(Failure::File(damaged(Damage::Xml(
                damage::XmlProblem::Syntax,
            ))))
        });
        // The assembler's error comes first: it was met in an earlier row.
        assembled?;
        parsed.map_err(|damage| Failure::File(damaged(damage)))
    })
}
