//! cpbatch's integration tests, in one test binary (one link, one process for the tests
//! that run in-process). One module per subject; `common` and `raw` are the shared helpers.

mod check;
mod common;
mod raw;
mod xml;

/// The fuzz targets' checks, replayed by `fuzz_regressions` and used by `differential`.
#[path = "../../fuzz/fuzz_targets/checks.rs"]
mod checks;

mod commands;
mod demo;
mod differential;
mod faults;
mod fuzz_regressions;
mod headers;
mod hostile;
mod hostile_evs;
mod hostile_sheets;
mod junit;
mod messages;
mod pieces;
mod privacy;
mod properties;
mod reading;
mod reconcile;
mod rejected_sheet;
mod rules;
mod template;
mod terminal;
mod text_batches;
mod watch;
mod xlsx_reports;
