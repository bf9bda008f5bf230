//! Replays every fuzz target's committed inputs on stable: the seeds each run starts from
//! (`fuzz/seeds/<target>/`), the corpus a run kept (`fuzz/corpus/<target>/`, when present), and
//! every crash input found (`fuzz/artifacts/<target>/`, committed with its fix). None may panic.

use std::path::Path;

fn inputs(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<(String, Vec<u8>)> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    files.sort();
    files
}

#[test]
fn every_committed_fuzz_input_is_handled_without_panicking() {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut replayed = 0;
    for target in countersign::fuzzing::TARGETS {
        assert!(
            fuzz.join("fuzz_targets")
                .join(format!("{target}.rs"))
                .is_file(),
            "the fuzz target {target} has no source"
        );
        let seeds = inputs(&fuzz.join("seeds").join(target));
        assert!(!seeds.is_empty(), "the fuzz target {target} has no seeds");
        for folder in ["seeds", "corpus", "artifacts"] {
            for (name, bytes) in inputs(&fuzz.join(folder).join(target)) {
                let outcome =
                    std::panic::catch_unwind(|| countersign::fuzzing::run(target, &bytes));
                assert!(
                    outcome.is_ok(),
                    "{target} panicked on {folder}/{target}/{name}"
                );
                replayed += 1;
            }
        }
    }
    assert!(replayed >= countersign::fuzzing::TARGETS.len());
}
