//! Arbitrary sheet XML through the native reader's row assembly, held to calamine's reading:
//! see `checks::sheet_rows`.
#![no_main]

#[allow(dead_code)]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::sheet_rows(data));
