//! Text and serial dates: see `checks::dates`.
#![no_main]

#[allow(dead_code)]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::dates(data));
