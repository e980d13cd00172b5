//! Arbitrary bytes as a CSV batch, read and checked: see `checks::batch_csv`.
#![no_main]

#[allow(dead_code)]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::batch_csv(data));
