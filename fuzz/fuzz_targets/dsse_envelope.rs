#![no_main]
//! Fuzz target: see `countersign::fuzzing::dsse_envelope`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| countersign::fuzzing::dsse_envelope(data));
