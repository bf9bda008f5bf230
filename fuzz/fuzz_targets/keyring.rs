#![no_main]
//! Fuzz target: see `countersign::fuzzing::keyring`.

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| countersign::fuzzing::keyring(data));
