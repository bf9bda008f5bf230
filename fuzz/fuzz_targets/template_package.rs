#![no_main]
//! Fuzz target: see `countersign::fuzzing::template_package`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| countersign::fuzzing::template_package(data));
