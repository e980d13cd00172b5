//! Arbitrary bytes as a workbook, read and checked: see `checks::batch_xlsx`.
#![no_main]

#[allow(dead_code)]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::batch_xlsx(data));
