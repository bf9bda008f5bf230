#![no_main]
//! Fuzz target: see `countersign::fuzzing::paper_record`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| countersign::fuzzing::paper_record(data));
