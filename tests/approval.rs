//! Signing as partner organisations do: one approval per organisation per document, electronic
//! or on paper (recorded honestly), assurance checklists on their own cycle, and what each
//! organisation still has to sign.

mod support;

use std::path::Path;

use serde_json::Value;
use support::{COUNCIL, Desk, FRAMEWORK, HOSPITAL, copy_example, cs, read_docx};

fn run(args: &[&str], dir: &Path) -> (i32, String) {
    let out = cs().current_dir(dir).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

fn manifest(pack: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(pack.join("out/manifest.json")).unwrap()).unwrap()
}

#[test]
fn the_full_example_is_approved_with_one_signature_per_organisation_per_document() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    copy_example("cambs", &dir.join("pack"));
    assert_eq!(run(&["assemble", "pack"], dir).0, 0);
    let m = manifest(&dir.join("pack"));
    let docs: Vec<&Value> = m["documents"].as_array().unwrap().iter().collect();
    assert!(
        docs.iter().all(|d| d["kind"] != "signature-sheet"),
        "nobody signs the signature sheet electronically"
    );
    let orgs: Value =
        serde_json::from_slice(&std::fs::read(dir.join("pack/organisations.json")).unwrap())
            .unwrap();
    std::fs::create_dir_all(dir.join("private")).unwrap();
    std::fs::create_dir_all(dir.join("returned")).unwrap();
    let mut expected_signatures = 0;
    for org in orgs["organisations"].as_array().unwrap() {
        let id = org["id"].as_str().unwrap();
        let who = org["signatory"]["name"].as_str().unwrap();
        let (code, text) = run(
            &["keygen", "--org", id, "--no-passphrase", "--out", "private"],
            dir,
        );
        assert_eq!(code, 0, "{text}");
        let (code, text) = run(
            &[
                "keys",
                "add",
                &format!("private/{id}.pub"),
                "--org",
                id,
                "--signatory",
                who,
                "--pack",
                "pack",
            ],
            dir,
        );
        assert_eq!(code, 0, "{text}");
        for d in &docs {
            if !d["parties"].as_array().unwrap().iter().any(|p| p == id) {
                continue;
            }
            expected_signatures += 1;
            let file = d["file"].as_str().unwrap();
            let (code, text) = run(
                &[
                    "sign",
                    &format!("pack/out/{file}"),
                    "--key",
                    &format!("private/{id}.key"),
                ],
                dir,
            );
            assert_eq!(code, 0, "{text}");
        }
    }
    let signatures = std::fs::read_dir(dir.join("pack/signatures"))
        .unwrap()
        .count();
    assert_eq!(
        signatures, expected_signatures,
        "one signature per organisation per document"
    );
    assert_eq!(
        expected_signatures,
        27 + 8 + 5 + 4 + 10 * 2,
        "the framework (27), three protocols (8, 5, 4 parties), ten checklists (affiliate and sponsor)"
    );
    let out = cs()
        .current_dir(dir)
        .args(["status", "pack", "--json"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    for d in report["documents"].as_array().unwrap() {
        let parties = d["parties"].as_array().unwrap();
        assert!(
            parties.iter().all(|p| p["status"] == "signed"),
            "{}: {parties:?}",
            d["file"]
        );
    }
    for o in report["organisations"].as_array().unwrap() {
        assert_eq!(o["to_sign"], serde_json::json!([]), "{}", o["id"]);
    }
    let (code, text) = run(&["status", "pack"], dir);
    assert!(
        text.contains("framework-v2.7.docx  v2.7  current"),
        "{text}"
    );
    assert!(text.contains("27/27 approved"), "{text}");
    assert!(!text.contains("outstanding ("), "{text}");
    assert!(!text.contains("have something to sign"), "{text}");
    // Whatever is left is a review date, never a signature.
    if code != 0 {
        assert!(text.contains("reviews:"), "{text}");
    }
    let (code, text) = run(
        &["verify", "pack/out/framework-v2.7.docx", "--require-all"],
        dir,
    );
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("signatures: 27 of 27 organisations have approved this version"),
        "{text}"
    );
}

/// The small example, assembled, with the council's key in the keyring and its electronic
/// signature of the framework; the hospital signs on paper.
fn small_with_paper(dir: &Path) -> String {
    copy_example("small", &dir.join("pack"));
    let desk = Desk(dir);
    desk.ok(&["assemble", "pack"]);
    desk.add_key(COUNCIL, "Margaret O'Brien");
    desk.sign(FRAMEWORK, COUNCIL);
    // The coordinator prints the sheet; the hospital signs it by hand and returns a scan.
    let (code, text) = run(&["signature-sheet", "pack", "-o", "sheet.docx"], dir);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("1 organisation(s) signed electronically, 0 on paper, 1 to sign by hand"),
        "{text}"
    );
    let sheet = read_docx(&dir.join("sheet.docx"));
    let rows = sheet["tables"][0].as_array().unwrap();
    assert!(
        rows[1][4]
            .as_str()
            .unwrap()
            .starts_with("Signed electronically; key SHA256:"),
        "{sheet}"
    );
    assert_eq!(rows[2][4], "", "the hospital's box is left to sign by hand");
    desk.record_hospital_on_paper()
}

#[test]
fn a_paper_signature_is_recorded_and_shown_as_such() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let text = small_with_paper(dir);
    assert!(
        text.contains("recorded Riverside Hospitals NHS Foundation Trust's paper signature of framework-v1.0.docx (version 1.0): signed by Dr Peter Walsh (Caldicott Guardian) on 2026-11-23"),
        "{text}"
    );
    // Recorded once only.
    let (code, text) = run(&support::HOSPITAL_ON_PAPER, dir);
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains("has already approved framework-v1.0.docx (on paper)"),
        "{text}"
    );

    // Issue 35, 3: one approval per organisation per document, whichever came first: the
    // hospital's electronic signature is not made over its paper approval, nor collected.
    let desk = Desk(dir);
    let returned = dir.join("returned");
    std::fs::create_dir_all(&returned).unwrap();
    desk.ok(&["bundle", "pack", "-o", "returned/sent.zip"]);
    desk.add_key(HOSPITAL, "Dr Peter Walsh");
    let (code, text) = run(
        &[
            "sign",
            &format!("pack/out/{FRAMEWORK}"),
            "--key",
            &format!("private/{HOSPITAL}.key"),
        ],
        dir,
    );
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains("has already approved framework-v1.0.docx on paper (signed by Dr Peter Walsh on 2026-11-23")
            && text.contains("nothing was signed"),
        "{text}"
    );
    // From a bundle, which carries the paper record: already approved, nothing signed.
    desk.ok(&["bundle", "pack", "-o", "returned/with-key.zip"]);
    let (code, text) = run(
        &[
            "sign",
            "returned/with-key.zip",
            FRAMEWORK,
            "--key",
            &format!("private/{HOSPITAL}.key"),
        ],
        dir,
    );
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("already holds Riverside Hospitals NHS Foundation Trust's approval on paper of framework-v1.0.docx: it is already approved"),
        "{text}"
    );

    let (code, text) = run(
        &["verify", &format!("pack/out/{FRAMEWORK}"), "--require-all"],
        dir,
    );
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("signatures: 2 of 2 organisations have approved this version (1 electronically, 1 on paper)"),
        "{text}"
    );
    assert!(
        text.contains("on paper     Riverside Hospitals NHS Foundation Trust: signed on paper by Dr Peter Walsh (Caldicott Guardian) on 2026-11-23, recorded by the coordinator on 2026-11-23 (scan SHA-256 "),
        "{text}"
    );
    assert!(text.contains("not a cryptographic signature"), "{text}");
    // Paper can be told not to count.
    let (code, text) = run(
        &[
            "verify",
            &format!("pack/out/{FRAMEWORK}"),
            "--require-all",
            "--electronic-only",
        ],
        dir,
    );
    assert_eq!(code, 1, "{text}");
    let out = cs()
        .current_dir(dir)
        .args(["verify", &format!("pack/out/{FRAMEWORK}"), "--json"])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let hospital = report["parties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["organisation"] == HOSPITAL)
        .unwrap();
    assert_eq!(hospital["status"], "signed-on-paper");
    assert_eq!(hospital["paper"]["signed_on"], "2026-11-23");
    assert!(
        hospital.get("signed").is_none(),
        "no cryptographic signature is claimed"
    );

    // The bundle carries it, the sheet shows it, and the bundle verifies.
    let (code, text) = run(&["bundle", "pack", "-o", "b.zip"], dir);
    assert_eq!(code, 0, "{text}");
    let (code, text) = run(&["verify", "b.zip"], dir);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("framework-v1.0.docx  2/2 approved (1 on paper)"),
        "{text}"
    );
    let (code, _) = run(&["signature-sheet", "pack", "-o", "sheet2.docx"], dir);
    assert_eq!(code, 0);
    let sheet = read_docx(&dir.join("sheet2.docx"));
    assert_eq!(
        sheet["tables"][0][2][4],
        "Signed on paper; scan held by the coordinator"
    );

    // A scan that is not the one recorded fails, saying so.
    let scan = std::fs::read_dir(dir.join("pack/paper"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with(".pdf"))
        .unwrap();
    std::fs::write(&scan, b"%PDF-1.4 another sheet\n").unwrap();
    let (code, text) = run(&["verify", &format!("pack/out/{FRAMEWORK}")], dir);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("the scan of the paper signature is not the one recorded"),
        "{text}"
    );
}

#[test]
fn a_framework_revision_leaves_the_assurance_checklists_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let pack = dir.join("pack");
    copy_example("cambs", &pack);
    assert_eq!(run(&["assemble", "pack"], dir).0, 0);
    let before = manifest(&pack);
    let checklists = |m: &Value| -> Vec<Value> {
        m["documents"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["kind"] == "assurance-checklist")
            .cloned()
            .collect()
    };
    assert_eq!(checklists(&before).len(), 10);
    assert!(checklists(&before).iter().all(|d| d["version"] == "1.0"));

    // The framework is revised: only the framework is issued again.
    let path = pack.join("framework.json");
    let mut fw: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    fw["version"] = "2.8".into();
    fw["revisions"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"version": "2.8", "date": "2026-11-23", "description": "Contacts brought up to date."}));
    std::fs::write(&path, serde_json::to_vec_pretty(&fw).unwrap()).unwrap();
    let (code, text) = run(&["assemble", "pack"], dir);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("(1 new, 13 unchanged; 1 earlier version(s) kept)"),
        "{text}"
    );
    let after = manifest(&pack);
    assert_eq!(
        checklists(&after),
        checklists(&before),
        "no checklist was re-issued"
    );
    let framework = after["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["file"] == "framework-v2.8.docx")
        .unwrap();
    assert_eq!(
        framework["supersedes"], "2.7",
        "the manifest says why it was issued"
    );

    // An affiliate's own answers change: only its checklist is issued again, and says why.
    let path = pack.join("organisations.json");
    let mut orgs: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let cwrc = orgs["organisations"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|o| o["id"] == "cwrc")
        .unwrap();
    cwrc["assurance"]["cyber_essentials"] =
        serde_json::json!({"held": true, "evidence_seen": true, "reference": "CE-2026-0412"});
    let (code, text) = {
        std::fs::write(&path, serde_json::to_vec_pretty(&orgs).unwrap()).unwrap();
        run(&["assemble", "pack"], dir)
    };
    assert_eq!(
        code, 2,
        "changed answers under the same version are refused: {text}"
    );
    assert!(
        text.contains("assurance-cwrc-v1.0.docx already exists with different content"),
        "{text}"
    );
    let cwrc = orgs["organisations"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|o| o["id"] == "cwrc")
        .unwrap();
    cwrc["assurance"]["version"] = "1.1".into();
    std::fs::write(&path, serde_json::to_vec_pretty(&orgs).unwrap()).unwrap();
    let (code, text) = run(&["assemble", "pack"], dir);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("(1 new, 13 unchanged"), "{text}");
    let m = manifest(&pack);
    let reissued = m["documents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["file"] == "assurance-cwrc-v1.1.docx")
        .unwrap();
    assert_eq!(reissued["supersedes"], "1.0");
    let (code, text) = run(
        &[
            "changes",
            "pack",
            "--doc",
            "assurance-cwrc",
            "--from",
            "1.0",
        ],
        dir,
    );
    assert_eq!(code, 0, "{text}");
    assert!(text.to_lowercase().contains("cyber"), "{text}");
}

/// Issue 35, 3: a signature returned after the organisation's paper approval was recorded is
/// not filed: one approval per organisation per document, whichever came first.
#[test]
fn a_signature_returned_after_a_paper_approval_is_not_filed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let desk = support::assembled_small(dir);
    desk.add_key(HOSPITAL, "Dr Peter Walsh");
    desk.ok(&["bundle", "pack", "-o", "sent.zip"]);
    desk.ok(&[
        "sign",
        "sent.zip",
        FRAMEWORK,
        "--key",
        &format!("private/{HOSPITAL}.key"),
    ]);
    let returned = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.to_string_lossy()
                .ends_with(&format!(".{HOSPITAL}.dsse.json"))
        })
        .unwrap();
    desk.record_hospital_on_paper();
    let (code, text) = run(&["collect", "pack", returned.to_str().unwrap()], dir);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("already approved on paper (signed by Dr Peter Walsh on 2026-11-23")
            && text.contains("this signature was not filed"),
        "{text}"
    );
    let said = desk.ok(&["verify", &format!("pack/out/{FRAMEWORK}")]);
    assert!(said.contains("on paper     Riverside Hospitals"), "{said}");
}
