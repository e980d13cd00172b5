//! Arbitrary bytes as an EVS snapshot, scanned and indexed: see `checks::evs_line`.
#![no_main]

#[allow(dead_code)]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::evs_line(data));
