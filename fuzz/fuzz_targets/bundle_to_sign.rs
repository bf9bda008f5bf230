#![no_main]
//! Fuzz target: see `countersign::fuzzing::bundle_to_sign`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| countersign::fuzzing::bundle_to_sign(data));
