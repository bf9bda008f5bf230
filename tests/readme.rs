//! The README's countersigning walk-through, run exactly as written: its lines between the
//! `walkthrough` markers, with `countersign` on the PATH, in an empty folder.

mod support;

use std::path::Path;

/// The walk-through's commands: the indented lines between the markers, unindented.
fn walkthrough() -> String {
    let readme = std::fs::read_to_string(support::root().join("README.md")).unwrap();
    let start = readme
        .find("<!-- walkthrough:start -->")
        .expect("README has the walk-through's start marker");
    let end = readme
        .find("<!-- walkthrough:end -->")
        .expect("README has the walk-through's end marker");
    readme[start..end]
        .lines()
        .skip(1)
        .map(|l| l.strip_prefix("    ").unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn the_readme_walkthrough_runs_as_written() {
    let script = walkthrough();
    assert!(script.contains("countersign collect"), "{script}");
    let dir = tempfile::tempdir().unwrap();
    let binary = assert_cmd::cargo::cargo_bin("countersign");
    let bin_dir = binary.parent().unwrap();
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = std::process::Command::new("bash")
        .args(["-euo", "pipefail", "-c", &script])
        .current_dir(dir.path())
        .env("PATH", path)
        .env("PASSPHRASE", "correct horse battery staple")
        .env("SOURCE_DATE_EPOCH", support::NOW)
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the walk-through failed:\n{text}");
    // Each signatory's computer holds its key, the bundle and the signature it sent: nothing
    // else was written there, and no secret key reached the coordinator.
    for (org, who) in [
        ("council", "riverside-council"),
        ("hospital", "riverside-hospital"),
    ] {
        let mut held: Vec<String> = std::fs::read_dir(dir.path().join(org))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        held.sort();
        let mut expected = vec![
            format!("framework-v1.0.{who}.dsse.json"),
            format!("{who}.key"),
            format!("{who}.pem"),
            format!("{who}.pub"),
            "riverside-2026-11.zip".to_string(),
        ];
        expected.sort();
        assert_eq!(held, expected, "{org}'s computer");
    }
    assert!(!has_secret(&dir.path().join("coordinator")));
    assert!(text.contains("2 file(s): 2 collected"), "{text}");
    assert!(
        text.contains("result: VALID, KEYS NOT CONFIRMED: this is exactly the assembled document, every signature present is valid and every organisation has signed it, but nothing you trust confirms the signing keys"),
        "{text}"
    );
    assert!(
        text.contains("ok      framework-v1.0.docx  2/2 approved")
            && text.contains(
                "result: VALID, KEYS NOT CONFIRMED: every document and signature verifies"
            ),
        "{text}"
    );
}

fn has_secret(dir: &Path) -> bool {
    std::fs::read_dir(dir).unwrap().any(|e| {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            has_secret(&e.path())
        } else {
            std::fs::read(e.path())
                .map(|b| b.windows(11).any(|w| w == b"PRIVATE KEY"))
                .unwrap_or(false)
        }
    })
}
