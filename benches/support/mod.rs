//! What the whole-process benchmarks share: how a sample of timings is summarised and how a
//! timed command starts from a quiet disk. Not a benchmark itself (a folder's `mod.rs`, which
//! cargo does not take as a bench target).

use std::process::Command;

/// The median of the samples (the upper one of an even count).
pub fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

/// Flushes the disk, so that no timed command pays for writing what the one before it wrote.
pub fn sync_disk() {
    let _ = Command::new("sync").status();
}
