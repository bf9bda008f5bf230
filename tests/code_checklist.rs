//! Protocols against the ICO's Data Sharing Code: the new sections in the assembled protocols
//! (read back by python-docx), the checklist for the full example (nothing missing), a missing
//! item reported, the checklist as a DOCX annex, and `changes` reporting the new sections.

mod support;

use std::path::Path;

use serde_json::Value;
use support::{copy_example, cs, read_docx};

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

#[test]
fn both_examples_assemble_with_the_codes_sections() {
    for (example, file, dpia) in [
        (
            "small",
            "protocol-hospital-discharge-v1.0.docx",
            "RBC-DPIA-2026-03",
        ),
        ("cambs", "protocol-mash-v3.1.docx", "CPSCP-MASH-DPIA-04"),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        let pack = tmp.path().join(example);
        copy_example(example, &pack);
        cs().arg("assemble").arg(&pack).assert().success();
        let seen = read_docx(&pack.join("out").join(file));
        let paragraphs = strings(&seen["paragraphs"]);
        for heading in [
            "5. Roles of the parties",
            "6. Data protection impact assessment",
            "7. Telling people about the sharing",
            "8. Individuals' rights",
            "9. Keeping the information accurate",
            "12. Transfers outside the UK",
            "15. When a party leaves or the sharing ends",
        ] {
            assert!(
                paragraphs.iter().any(|p| p == heading),
                "{example}: {heading} missing"
            );
        }
        assert!(
            paragraphs.iter().any(|p| p.starts_with(&format!(
                "A data protection impact assessment ({dpia}) was completed on "
            ))),
            "{example}: {paragraphs:?}"
        );
        assert!(
            paragraphs.iter().any(|p| p
                == "No information shared under this protocol is transferred outside the United Kingdom."),
            "{example}"
        );
    }
    // The MASH partners are joint controllers: the split of responsibilities is a table.
    let tmp = tempfile::tempdir().unwrap();
    let pack = tmp.path().join("cambs");
    copy_example("cambs", &pack);
    cs().arg("assemble").arg(&pack).assert().success();
    let seen = read_docx(&pack.join("out/protocol-mash-v3.1.docx"));
    let tables = seen["tables"].as_array().unwrap();
    let split = tables
        .iter()
        .find(|t| t[0][1] == "Responsible for")
        .expect("a table of responsibilities");
    assert_eq!(
        split.as_array().unwrap().len(),
        9,
        "a row per party and the header"
    );
    assert_eq!(split[1][0], "Cambridgeshire County Council");
}

fn checklist(pack: &Path) -> (i32, Value) {
    let out = cs()
        .args(["validate", "--code-checklist", "--json"])
        .arg(pack)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        serde_json::from_slice(&out.stdout).unwrap(),
    )
}

#[test]
fn the_full_example_covers_the_codes_checklist() {
    let tmp = tempfile::tempdir().unwrap();
    let pack = tmp.path().join("cambs");
    copy_example("cambs", &pack);
    let (code, report) = checklist(&pack);
    assert_eq!(code, 0, "{report}");
    assert_eq!(report["format"], "countersign/code-checklist/v1");
    let protocols = report["protocols"].as_array().unwrap();
    assert_eq!(protocols.len(), 3);
    for p in protocols {
        assert_eq!(p["missing"], 0, "{p}");
        assert!(p["covered"].as_u64().unwrap() >= 18, "{p}");
    }
    let mash = protocols.iter().find(|p| p["protocol"] == "mash").unwrap();
    let joint = mash["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["item"].as_str().unwrap().starts_with("Joint controllers"))
        .unwrap();
    assert_eq!(joint["status"], "covered");

    // The annex, read back by python-docx.
    let annexes = tmp.path().join("annexes");
    let out = cs()
        .args(["validate", "--code-checklist", "--docx"])
        .arg(&annexes)
        .arg(&pack)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let annex = read_docx(&annexes.join("protocol-police-disclosure-v1.0-code-checklist.docx"));
    // Its document control first: which version of the protocol it checked, and when to
    // review it.
    let control = annex["tables"][0].as_array().unwrap();
    assert_eq!(control[1][0], "Protocol version checked");
    assert_eq!(control[1][1], "1.0");
    assert_eq!(control[3][0], "Review by");
    let rows = annex["tables"][1].as_array().unwrap();
    assert_eq!(rows[0][0], "What the Code expects");
    assert_eq!(rows.len(), 22, "the header and 21 items");
    assert!(
        rows.iter()
            .any(|r| r[0].as_str().unwrap().starts_with("Joint controllers")
                && r[1] == "not applicable"),
        "{annex}"
    );
}

#[test]
fn a_missing_item_is_reported_and_fails() {
    let tmp = tempfile::tempdir().unwrap();
    let pack = tmp.path().join("small");
    copy_example("small", &pack);
    // Public bodies that name no legal power to share.
    let path = pack.join("protocols/hospital-discharge.json");
    let mut p: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    p["legal_powers"] = serde_json::json!([]);
    std::fs::write(&path, serde_json::to_vec_pretty(&p).unwrap()).unwrap();
    let out = cs()
        .args(["validate", "--code-checklist"])
        .arg(&pack)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("MISSING         Public bodies have the legal power to share"),
        "{text}"
    );
    assert!(
        text.contains("18 covered, 1 missing, 2 not applicable"),
        "{text}"
    );
}

#[test]
fn changes_reports_the_codes_sections() {
    let tmp = tempfile::tempdir().unwrap();
    let pack = tmp.path().join("small");
    copy_example("small", &pack);
    cs().arg("assemble").arg(&pack).assert().success();
    let path = pack.join("protocols/hospital-discharge.json");
    let mut p: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    p["version"] = "1.1".into();
    p["accuracy"] = "Checked against the NHS Spine before each referral.".into();
    p["individual_rights"]["point_of_contact"] = "riverside-hospital".into();
    std::fs::write(&path, serde_json::to_vec_pretty(&p).unwrap()).unwrap();
    cs().arg("assemble").arg(&pack).assert().success();
    let out = cs()
        .args(["changes"])
        .arg(&pack)
        .args(["--doc", "hospital-discharge", "--from", "1.0"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Accuracy: How accuracy is kept reworded"),
        "{text}"
    );
    assert!(
        text.contains("Individuals' rights: The point of contact changed from \"Riverside Borough Council\" to \"Riverside Hospitals NHS Foundation Trust\""),
        "{text}"
    );
}
