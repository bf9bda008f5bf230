#![no_main]
//! Fuzz target: see `countersign::fuzzing::tag_syntax`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| countersign::fuzzing::tag_syntax(data));
