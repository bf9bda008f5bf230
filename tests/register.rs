//! The register, `status`, `changes` and the circulation bundle through the real binary.

mod support;
use support::{COUNCIL, FRAMEWORK, HOSPITAL, NOW, copy_example, cs, read_docx};

use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

use assert_cmd::Command;
use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;
use serde_json::Value;

fn run(args: &[&str], pack: &Path) -> (i32, String) {
    let out = cs().args(args).arg(pack).output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

struct World {
    _tmp: tempfile::TempDir,
    pack: PathBuf,
    private: PathBuf,
}

impl World {
    /// The small example, assembled, with keys for both organisations in the keyring.
    fn new() -> World {
        let tmp = tempfile::tempdir().unwrap();
        let pack = tmp.path().join("pack");
        let private = tmp.path().join("private");
        copy_example("small", &pack);
        std::fs::create_dir_all(&private).unwrap();
        cs().arg("assemble").arg(&pack).assert().success();
        let w = World {
            _tmp: tmp,
            pack,
            private,
        };
        for (org, who) in [(COUNCIL, "Margaret O'Brien"), (HOSPITAL, "Dr Peter Walsh")] {
            cs().args(["keygen", "--org", org, "--no-passphrase", "--out"])
                .arg(&w.private)
                .assert()
                .success();
            cs().args(["keys", "add"])
                .arg(w.private.join(format!("{org}.pub")))
                .args([
                    "--org",
                    org,
                    "--signatory",
                    who,
                    "--valid-from",
                    "2026-04-01",
                    "--pack",
                ])
                .arg(&w.pack)
                .assert()
                .success();
        }
        w
    }

    fn sign_cmd(&self, file: &str, org: &str) -> Command {
        let who = if org == COUNCIL {
            "Margaret O'Brien"
        } else {
            "Dr Peter Walsh"
        };
        let mut c = cs();
        c.arg("sign")
            .arg(self.pack.join("out").join(file))
            .arg("--key")
            .arg(self.private.join(format!("{org}.key")))
            .args([
                "--org",
                org,
                "--signatory",
                who,
                "--role",
                "Chief Executive",
            ]);
        c
    }

    fn register_path(&self) -> PathBuf {
        self.pack.join("register/register.jsonl")
    }

    fn lines(&self) -> Vec<String> {
        std::fs::read_to_string(self.register_path())
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect()
    }

    fn write_lines(&self, lines: &[String]) {
        std::fs::write(
            self.register_path(),
            lines.iter().map(|l| format!("{l}\n")).collect::<String>(),
        )
        .unwrap();
    }
}

fn event_types(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["event"]["type"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

#[test]
fn assemble_keys_and_sign_append_to_the_register_and_it_verifies() {
    let w = World::new();
    w.sign_cmd(FRAMEWORK, COUNCIL)
        .assert()
        .success()
        .stderr(contains("(register record 5)"));
    assert_eq!(
        event_types(&w.lines()),
        [
            "document-assembled",
            "document-assembled",
            "key-added",
            "key-added",
            "signature-recorded"
        ]
    );
    let signature: Value = serde_json::from_str(&w.lines()[4]).unwrap();
    assert_eq!(signature["event"]["organisation"], COUNCIL);
    assert!(
        signature["event"]["statement_sha256"]
            .as_str()
            .unwrap()
            .len()
            == 64
    );
    assert!(
        signature["event"]["key_id"]
            .as_str()
            .unwrap()
            .starts_with("SHA256:")
    );
    let (code, text) = run(&["register", "verify"], &w.pack);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("is intact: 5 record(s)"), "{text}");
    let verify = cs()
        .arg("verify")
        .arg(w.pack.join("out").join(FRAMEWORK))
        .arg("--json")
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&verify.stdout).unwrap();
    assert_eq!(report["parties"][0]["signed"]["register_record"], 5);
    assert_eq!(report["warnings"], serde_json::json!([]));
}

#[test]
fn every_kind_of_register_damage_is_found_and_named() {
    let w = World::new();
    w.sign_cmd(FRAMEWORK, COUNCIL).assert().success();
    let lines = w.lines();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            {
                let mut l = lines.clone();
                l[1] = l[1].replace("hospital-discharge", "hospital-dischargf");
                l
            },
            "record 3 does not follow from record 2: record 2 was edited",
        ),
        (
            {
                let mut l = lines.clone();
                l.remove(2);
                l
            },
            "line 3 holds record 4 where record 3 was expected: records were removed, inserted or reordered",
        ),
        (
            {
                let mut l = lines.clone();
                l.swap(3, 4);
                l
            },
            "line 4 holds record 5 where record 4 was expected",
        ),
        (
            {
                let mut l = lines.clone();
                let copy = l[2].clone();
                l.insert(3, copy);
                l
            },
            "line 4 holds record 3 where record 4 was expected",
        ),
    ];
    for (damaged, expected) in cases {
        w.write_lines(&damaged);
        let (code, text) = run(&["register", "verify"], &w.pack);
        assert_eq!(code, 1, "{text}");
        assert!(text.contains(expected), "expected {expected:?} in {text}");
        let verify = cs()
            .arg("verify")
            .arg(w.pack.join("out").join(FRAMEWORK))
            .assert()
            .code(1);
        assert!(
            String::from_utf8_lossy(&verify.get_output().stderr)
                .contains("register (register/register.jsonl) cannot be trusted")
        );
    }
}

#[test]
fn a_record_torn_by_a_crash_is_reported_and_never_built_upon() {
    let w = World::new();
    let text = std::fs::read_to_string(w.register_path()).unwrap();
    let torn = &text[..text.len() - 20];
    std::fs::write(w.register_path(), torn).unwrap();
    let (code, out) = run(&["register", "verify"], &w.pack);
    assert_eq!(code, 1);
    assert!(
        out.contains("the last record (line 4) is incomplete: a write was interrupted"),
        "{out}"
    );
    w.sign_cmd(FRAMEWORK, COUNCIL).assert().code(2).stderr(
        contains("cannot record the signature in the register").and(contains("nothing was signed")),
    );
    assert!(
        !w.pack
            .join("signatures/framework-v1.0.riverside-council.dsse.json")
            .exists(),
        "no unrecorded signature is left behind"
    );
    assert_eq!(std::fs::read_to_string(w.register_path()).unwrap(), torn);
}

#[test]
fn two_signatures_at_once_are_both_recorded_without_interleaving() {
    let w = World::new();
    let spawn = |file: &str, org: &str| {
        let who = if org == COUNCIL {
            "Margaret O'Brien"
        } else {
            "Dr Peter Walsh"
        };
        StdCommand::new(assert_cmd::cargo::cargo_bin("countersign"))
            .env("SOURCE_DATE_EPOCH", NOW)
            .arg("sign")
            .arg(w.pack.join("out").join(file))
            .arg("--key")
            .arg(w.private.join(format!("{org}.key")))
            .args([
                "--org",
                org,
                "--signatory",
                who,
                "--role",
                "Chief Executive",
            ])
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap()
    };
    let mut a = spawn(FRAMEWORK, COUNCIL);
    let mut b = spawn(FRAMEWORK, HOSPITAL);
    let mut c = spawn("protocol-hospital-discharge-v1.0.docx", COUNCIL);
    assert!(
        a.wait().unwrap().success() && b.wait().unwrap().success() && c.wait().unwrap().success()
    );
    let (code, text) = run(&["register", "verify"], &w.pack);
    assert_eq!(code, 0, "{text}");
    assert_eq!(
        event_types(&w.lines())
            .iter()
            .filter(|t| *t == "signature-recorded")
            .count(),
        3
    );
    let (code, _) = (
        cs().arg("verify")
            .arg(w.pack.join("out").join(FRAMEWORK))
            .arg("--require-all")
            .output()
            .unwrap()
            .status
            .code()
            .unwrap(),
        (),
    );
    assert_eq!(code, 0);
}

#[test]
fn a_checkpoint_exposes_a_rewritten_register() {
    let w = World::new();
    cs().args(["register", "checkpoint", "--pack"])
        .arg(&w.pack)
        .arg("--key")
        .arg(w.private.join(format!("{COUNCIL}.key")))
        .args([
            "--org",
            COUNCIL,
            "--signatory",
            "Margaret O'Brien",
            "--role",
            "Chief Executive",
        ])
        .assert()
        .success()
        .stderr(contains(
            "signed a checkpoint of the register at 4 record(s)",
        ));
    let (code, text) = run(&["register", "verify"], &w.pack);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("vouched for the first 4 records"), "{text}");
    // Rewrite history consistently: a whole new chain with one record changed.
    let mut records: Vec<Value> = w
        .lines()
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    records[3]["event"]["signatory"] = Value::String("Mallory".into());
    let mut prev = "0".repeat(64);
    let mut rewritten = Vec::new();
    for r in &mut records {
        r["prev"] = Value::String(prev.clone());
        let line = serde_json::to_string(r).unwrap();
        prev = countersign::digest::sha256_hex(line.as_bytes());
        rewritten.push(line);
    }
    w.write_lines(&rewritten);
    let (code, text) = run(&["register", "verify"], &w.pack);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("the checkpoint 000004.riverside-council.dsse.json fails: the register's first 4 records are not the ones it vouched for: the register was rewritten"), "{text}");
}

#[test]
fn status_shows_signed_outstanding_older_versions_and_reviews() {
    let w = World::new();
    w.sign_cmd("protocol-hospital-discharge-v1.0.docx", COUNCIL)
        .assert()
        .success();
    let path = w.pack.join("protocols/hospital-discharge.json");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("\"version\": \"1.0\"", "\"version\": \"1.1\"")
        .replace(
            "\"review_by\": \"2027-04-15\"",
            "\"review_by\": \"2026-12-20\"",
        );
    std::fs::write(&path, text).unwrap();
    cs().arg("assemble")
        .arg(&w.pack)
        .assert()
        .success()
        .stderr(contains("1 earlier version(s) kept"));
    w.sign_cmd(FRAMEWORK, COUNCIL).assert().success();
    w.sign_cmd(FRAMEWORK, HOSPITAL).assert().success();

    let (code, out) = run(&["status"], &w.pack);
    assert_eq!(code, 1, "{out}");
    for expected in [
        "framework-v1.0.docx  v1.0  current",
        "2/2 approved",
        "protocol-hospital-discharge-v1.1.docx  v1.1  current",
        "outstanding (2): Riverside Borough Council, Riverside Hospitals NHS Foundation Trust",
        "protocol-hospital-discharge-v1.0.docx  v1.0  superseded",
        "due in 27 days: protocol 'Hospital Discharge to Social Care' (hospital-discharge), review by 2026-12-20",
        "needs attention",
    ] {
        assert!(out.contains(expected), "expected {expected:?} in:\n{out}");
    }
    // Per organisation: what each has approved and still has to sign, and whom to write to.
    let (code, out) = run(&["status", "--by-organisation"], &w.pack);
    assert_eq!(code, 1, "{out}");
    for expected in [
        "Riverside Borough Council (riverside-council)",
        "to sign   protocol-hospital-discharge-v1.1.docx  Hospital Discharge to Social Care, version 1.1 (it signed an earlier version)",
        "approved  framework-v1.0.docx  Riverside Information Sharing Framework (electronically, 2026-11-23)",
        "2 of 2 organisation(s) have something to sign",
    ] {
        assert!(out.contains(expected), "expected {expected:?} in:\n{out}");
    }
    let (_, one) = run(&["status", "--org", HOSPITAL], &w.pack);
    assert!(
        one.contains("Riverside Hospitals NHS Foundation Trust (riverside-hospital)"),
        "{one}"
    );
    assert!(!one.contains("(riverside-council)"), "{one}");
    let json = cs()
        .arg("status")
        .arg(&w.pack)
        .arg("--json")
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(report["format"], "countersign/status/v1");
    let council = &report["organisations"][0];
    assert_eq!(council["id"], COUNCIL);
    assert_eq!(council["approved"][0]["state"], "electronic");
    assert_eq!(council["to_sign"][0]["state"], "older-version");
    assert_eq!(report["needs_attention"], true);
    assert_eq!(report["reviews"][0]["state"], "due");
    assert_eq!(report["reviews"][0]["days_left"], 27);
    // Overdue after the date.
    let later = cs()
        .env("SOURCE_DATE_EPOCH", "1798761600")
        .arg("status")
        .arg(&w.pack)
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&later.stdout).contains("OVERDUE by"),
        "{}",
        String::from_utf8_lossy(&later.stdout)
    );
}

#[test]
fn status_is_quiet_when_everything_is_signed_and_no_review_is_due() {
    let w = World::new();
    for file in [FRAMEWORK, "protocol-hospital-discharge-v1.0.docx"] {
        w.sign_cmd(file, COUNCIL).assert().success();
        w.sign_cmd(file, HOSPITAL).assert().success();
    }
    let (code, out) = run(&["status"], &w.pack);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("nothing needs attention"), "{out}");
}

#[test]
fn changes_between_versions_in_words_and_as_a_docx() {
    let w = World::new();
    let path = w.pack.join("protocols/hospital-discharge.json");
    let mut p: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    p["version"] = "1.1".into();
    p["data_items"].as_array_mut().unwrap().push(
        serde_json::json!({"item": "Medication on discharge", "category": "special-category"}),
    );
    p["lawful_basis"]["article6"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"basis": "c", "detail": "Care Act 2014 discharge duties"}));
    std::fs::write(&path, serde_json::to_vec_pretty(&p).unwrap()).unwrap();
    cs().arg("assemble").arg(&w.pack).assert().success();
    let docx = w.pack.join("changes.docx");
    let out = cs()
        .args([
            "changes",
            "--doc",
            "hospital-discharge",
            "--from",
            "1.0",
            "--docx",
        ])
        .arg(&docx)
        .arg(&w.pack)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(
        text.contains(
            "changes in 'Hospital Discharge to Social Care' from version 1.0 to version 1.1:"
        ),
        "{text}"
    );
    assert!(
        text.contains("Information shared: added: Medication on discharge (Special category data)"),
        "{text}"
    );
    assert!(text.contains("Lawful basis: added: Article 6(1)(c): necessary to comply with a legal obligation: Care Act 2014 discharge duties"), "{text}");
    let seen = read_docx(&docx);
    assert_eq!(
        seen["tables"][0][1],
        serde_json::json!([
            "Information shared",
            "added: Medication on discharge (Special category data)"
        ])
    );
    assert_eq!(seen["tags_left"], serde_json::json!([]));
    cs().args(["changes", "--from", "0.9"])
        .arg(&w.pack)
        .assert()
        .code(2)
        .stderr(contains(
            "has no assembled version 0.9; the versions are 1.0",
        ));
}

/// The revision table of a version 1.1 whose 1.0 the register issued at the tests' fixed time:
/// 1.0 with its issue date, then 1.1 as "this version".
fn assert_first_issue_then_this_version(docx: &std::path::Path) {
    let seen = read_docx(docx);
    let revisions = seen["tables"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t[0][0] == "Version")
        .unwrap();
    assert_eq!(
        revisions[1],
        serde_json::json!(["1.0", "First issue.", "1 April 2026", "23 November 2026"])
    );
    assert_eq!(
        revisions[2],
        serde_json::json!(["1.1", "Rewritten.", "1 November 2026", "this version"])
    );
}

#[test]
fn the_revision_history_cannot_drift_from_what_was_issued() {
    let w = World::new();
    // Version 1.0 was issued; a later edit that drops it from the revisions is refused.
    let path = w.pack.join("framework.json");
    let mut f: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    f["version"] = "1.1".into();
    f["revisions"] =
        serde_json::json!([{"version": "1.1", "date": "2026-11-01", "description": "Rewritten."}]);
    std::fs::write(&path, serde_json::to_vec_pretty(&f).unwrap()).unwrap();
    cs().arg("assemble").arg(&w.pack).assert().code(2).stderr(contains("the register shows version 1.0 was issued (record 1), but the revisions in framework.json do not list it"));
    // With the history kept, the table says when 1.0 was issued.
    f["revisions"] = serde_json::json!([{"version": "1.0", "date": "2026-04-01", "description": "First issue."}, {"version": "1.1", "date": "2026-11-01", "description": "Rewritten."}]);
    std::fs::write(&path, serde_json::to_vec_pretty(&f).unwrap()).unwrap();
    cs().arg("assemble").arg(&w.pack).assert().success();
    assert_first_issue_then_this_version(&w.pack.join("out/framework-v1.1.docx"));
}

/// A protocol may carry a revision history too (issue 32): held to what the register issued
/// once it has one, shown with its issue dates, and listed by `changes`. A protocol without one
/// says so in words.
#[test]
fn a_protocols_revision_history_is_held_to_what_was_issued() {
    let w = World::new();
    let first = read_docx(&w.pack.join("out/protocol-hospital-discharge-v1.0.docx"));
    assert!(
        first["paragraphs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p == "Earlier versions of this protocol are not recorded here."),
        "{first}"
    );
    let path = w.pack.join("protocols/hospital-discharge.json");
    let mut p: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    p["version"] = "1.1".into();
    // A history without the version being issued is refused by validation, at its place.
    p["revisions"] = serde_json::json!([{"version": "1.0", "date": "2026-04-01", "description": "First issue."}]);
    std::fs::write(&path, serde_json::to_vec_pretty(&p).unwrap()).unwrap();
    cs().arg("assemble")
        .arg(&w.pack)
        .assert()
        .code(2)
        .stderr(contains("protocols/hospital-discharge.json"))
        .stderr(contains(
            "the revision history has no row for version 1.1, the version being issued",
        ));
    // A history that drops the issued 1.0 is refused by the register.
    p["revisions"] =
        serde_json::json!([{"version": "1.1", "date": "2026-11-01", "description": "Rewritten."}]);
    std::fs::write(&path, serde_json::to_vec_pretty(&p).unwrap()).unwrap();
    cs().arg("assemble")
        .arg(&w.pack)
        .assert()
        .code(2)
        .stderr(contains(
            "but the revisions in protocols/hospital-discharge.json do not list it",
        ));
    p["revisions"] = serde_json::json!([{"version": "1.0", "date": "2026-04-01", "description": "First issue."}, {"version": "1.1", "date": "2026-11-01", "description": "Rewritten."}]);
    std::fs::write(&path, serde_json::to_vec_pretty(&p).unwrap()).unwrap();
    cs().arg("assemble").arg(&w.pack).assert().success();
    assert_first_issue_then_this_version(&w.pack.join("out/protocol-hospital-discharge-v1.1.docx"));
    let out = cs()
        .args(["changes", "--doc", "hospital-discharge", "--from", "1.0"])
        .arg(&w.pack)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("Revision history: added: version 1.0: First issue.")
            && text.contains("version 1.1: Rewritten."),
        "{text}"
    );
}

#[test]
fn a_bundle_verifies_offline_and_any_tampering_is_named() {
    let w = World::new();
    w.sign_cmd(FRAMEWORK, COUNCIL).assert().success();
    std::fs::write(
        w.pack.join("keys/stray.key"),
        "-----BEGIN PRIVATE KEY-----\nnot for bundles\n",
    )
    .unwrap();
    let zip = w.pack.parent().unwrap().join("bundle.zip");
    cs().arg("bundle")
        .arg(&w.pack)
        .arg("-o")
        .arg(&zip)
        .assert()
        .success()
        .stderr(contains("no secret key"));
    let bytes = std::fs::read(&zip).unwrap();
    assert!(
        !bytes.windows(11).any(|w| w == b"PRIVATE KEY"),
        "a secret key got into the bundle"
    );
    let out = cs().arg("verify").arg(&zip).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("every one of its 14 files matches its index"),
        "{text}"
    );
    assert!(
        text.contains("ok      framework-v1.0.docx  1/2 approved"),
        "{text}"
    );
    cs().arg("verify")
        .arg(&zip)
        .arg("--require-all")
        .assert()
        .code(1);

    // The signature report is a DOCX with the digest and the signature.
    let dir = tempfile::tempdir().unwrap();
    StdCommand::new("unzip")
        .arg("-q")
        .arg(&zip)
        .arg("-d")
        .arg(dir.path())
        .status()
        .unwrap();
    let seen = read_docx(&dir.path().join("signature-report.docx"));
    assert_eq!(seen["tables"][0][1][0], "Riverside Borough Council");
    assert_eq!(seen["tables"][0][1][4], "5");
    assert!(
        seen["tables"][0][1][1]
            .as_str()
            .unwrap()
            .starts_with("SHA256:"),
        "the report shows the key's fingerprint beside the organisation: {seen}"
    );
    // The bundle's signature sheet lists who signed electronically, with the key, and leaves
    // the others to sign by hand.
    let sheet = read_docx(&dir.path().join("signature-sheet.docx"));
    let rows = sheet["tables"][0].as_array().unwrap();
    assert_eq!(rows[1][0], "Riverside Borough Council");
    assert!(
        rows[1][4]
            .as_str()
            .unwrap()
            .starts_with("Signed electronically; key SHA256:"),
        "{sheet}"
    );
    assert_eq!(rows[2][0], "Riverside Hospitals NHS Foundation Trust");
    assert_eq!(rows[2][4], "");
    assert!(
        seen["paragraphs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p.as_str().unwrap().contains("SHA-256: "))
    );

    // Added, removed, altered: each named.
    let rezip = |edit: &dyn Fn(&Path)| {
        let work = tempfile::tempdir().unwrap();
        StdCommand::new("unzip")
            .arg("-q")
            .arg(&zip)
            .arg("-d")
            .arg(work.path())
            .status()
            .unwrap();
        edit(work.path());
        let out = work.path().join("t.zip");
        StdCommand::new("bash")
            .arg("-c")
            .arg("cd \"$0\" && zip -q -r t.zip . -x t.zip")
            .arg(work.path())
            .status()
            .unwrap();
        let result = cs().arg("verify").arg(&out).output().unwrap();
        (
            result.status.code().unwrap(),
            String::from_utf8_lossy(&result.stderr).into_owned()
                + &String::from_utf8_lossy(&result.stdout),
        )
    };
    let (code, text) =
        rezip(&|d| std::fs::write(d.join("signatures/extra.dsse.json"), "{}").unwrap());
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("signatures/extra.dsse.json was added: it is not in the index"),
        "{text}"
    );
    let (code, text) = rezip(&|d| std::fs::remove_file(d.join("keys/keyring.json")).unwrap());
    assert_eq!(code, 1);
    assert!(
        text.contains("keys/keyring.json was removed: the index lists it"),
        "{text}"
    );
    let (code, text) = rezip(&|d| {
        let p = d.join("out/framework-v1.0.docx");
        let mut b = std::fs::read(&p).unwrap();
        b[50] ^= 1;
        std::fs::write(&p, b).unwrap();
    });
    assert_eq!(code, 1);
    assert!(
        text.contains("out/framework-v1.0.docx was altered: its SHA-256 differs from the index"),
        "{text}"
    );
}
