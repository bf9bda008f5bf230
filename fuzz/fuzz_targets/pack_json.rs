#![no_main]
//! Fuzz target: see `countersign::fuzzing::pack_json`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| countersign::fuzzing::pack_json(data));
