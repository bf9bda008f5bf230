#![no_main]
//! Fuzz target: see `countersign::fuzzing::returned_file`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| countersign::fuzzing::returned_file(data));
