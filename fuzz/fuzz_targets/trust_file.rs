#![no_main]
//! Fuzz target: see `countersign::fuzzing::trust_file`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| countersign::fuzzing::trust_file(data));
