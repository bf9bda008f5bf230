#![no_main]
//! Fuzz target: see `countersign::fuzzing::render_data`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| countersign::fuzzing::render_data(data));
