//! `countersign assemble`, `init` and `schema` through the real binary, with every document
//! read back by independent readers (python-docx, LibreOffice).

mod support;
use support::{copy_example, read_docx};

use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

use assert_cmd::Command;
use serde_json::{Value, json};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn countersign() -> Command {
    Command::cargo_bin("countersign").expect("binary built")
}

/// A copy of an example pack in a temporary folder.
fn example(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join(name);
    copy_example(name, &pack);
    (dir, pack)
}

fn assemble(pack: &Path) -> String {
    let out = countersign().arg("assemble").arg(pack).assert().success();
    String::from_utf8_lossy(&out.get_output().stderr).into_owned()
}

fn manifest(pack: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(pack.join("out/manifest.json")).unwrap()).unwrap()
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect()
}

/// Checks that hold for every assembled document: the manifest's digest and size are the
/// file's, no tag is left, and no empty paragraph remains where a block tag stood.
fn check_common(pack: &Path, entry: &Value) -> Value {
    let file = pack.join("out").join(entry["file"].as_str().unwrap());
    let bytes = std::fs::read(&file).unwrap();
    assert_eq!(
        entry["sha256"].as_str().unwrap(),
        countersign::digest::sha256_hex(&bytes)
    );
    assert_eq!(entry["size"].as_u64().unwrap(), bytes.len() as u64);
    let seen = read_docx(&file);
    assert_eq!(seen["tags_left"], json!([]), "{}", file.display());
    assert!(
        !strings(&seen["paragraphs"]).iter().any(|p| p.is_empty()),
        "an empty paragraph was left in {}",
        file.display()
    );
    seen
}

fn table_column(table: &Value, column: usize) -> Vec<String> {
    table
        .as_array()
        .unwrap()
        .iter()
        .skip(1)
        .map(|row| row[column].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_small_example_assembles_and_reads_back() {
    let (_tmp, pack) = example("small");
    let stderr = assemble(&pack);
    assert!(stderr.contains("assembled 2 documents"), "{stderr}");
    let m = manifest(&pack);
    assert_eq!(m["format"], "countersign/manifest/v1");
    assert_eq!(m["pack"], "riverside-isf");
    let files: Vec<&str> = m["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["file"].as_str().unwrap())
        .collect();
    assert_eq!(
        files,
        [
            "framework-v1.0.docx",
            "protocol-hospital-discharge-v1.0.docx"
        ],
        "the signature sheet is not assembled: it is printed on demand"
    );

    let fw = check_common(&pack, &m["documents"][0]);
    let paragraphs = strings(&fw["paragraphs"]);
    for heading in [
        "Riverside Information Sharing Framework",
        "Document control",
        "Revision history",
        "1. Purpose of this framework",
        "2. Principles",
        "Legislation and guidance",
        "Appendix A: core members",
        "Appendix B: affiliate partners",
        "No affiliate partners have joined yet.",
        "Appendix C: glossary",
        "Agreement",
    ] {
        assert!(
            paragraphs.iter().any(|p| p == heading),
            "missing {heading:?} in {paragraphs:?}"
        );
    }
    assert!(
        paragraphs
            .contains(&"limited to the least information that meets the purpose;".to_string())
    );
    let tables = fw["tables"].as_array().unwrap();
    let signature = tables.last().unwrap();
    assert_eq!(
        table_column(signature, 0),
        [
            "Riverside Borough Council",
            "Riverside Hospitals NHS Foundation Trust"
        ]
    );
    assert_eq!(
        table_column(signature, 1),
        ["Margaret O'Brien", "Dr Peter Walsh"]
    );
    assert_eq!(
        table_column(signature, 2),
        ["Chief Executive", "Caldicott Guardian"]
    );
    assert_eq!(
        fw["headers"],
        json!(["Riverside Information Sharing Framework, version 1.0"])
    );
    assert_eq!(fw["title"], "Riverside Information Sharing Framework");

    let protocol = check_common(&pack, &m["documents"][1]);
    let text = strings(&protocol["paragraphs"]);
    for expected in [
        "Article 6(1)(e): necessary for a task in the public interest or in the exercise of official authority: Care Act 2014: assessing and meeting needs for care and support.",
        "Article 9(2)(h): health or social care, with the Data Protection Act 2018, Schedule 1, Part 1, paragraph 2: health or social care purposes.",
        "The power or duty to share comes from: Care Act 2014, sections 9 and 18; Health and Social Care Act 2012, section 251B.",
    ] {
        assert!(
            text.iter().any(|p| p == expected),
            "missing {expected:?} in {text:?}"
        );
    }
    let parties = &protocol["tables"][1];
    assert_eq!(
        table_column(parties, 0),
        [
            "Riverside Borough Council",
            "Riverside Hospitals NHS Foundation Trust"
        ]
    );
    let signature = protocol["tables"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(
        table_column(&signature, 0),
        [
            "Riverside Borough Council",
            "Riverside Hospitals NHS Foundation Trust"
        ]
    );
}

#[test]
fn the_full_example_has_every_member_in_its_tables() {
    let (_tmp, pack) = example("cambs");
    assemble(&pack);
    let m = manifest(&pack);
    let docs = m["documents"].as_array().unwrap();
    assert_eq!(
        docs.len(),
        14,
        "framework, 3 protocols, 10 assurance checklists"
    );
    let organisations: Value =
        serde_json::from_slice(&std::fs::read(pack.join("organisations.json")).unwrap()).unwrap();
    let orgs = organisations["organisations"].as_array().unwrap();
    let names = |kind: &str| -> Vec<String> {
        orgs.iter()
            .filter(|o| o["membership"]["kind"] == kind)
            .map(|o| o["name"].as_str().unwrap().to_string())
            .collect()
    };
    let all: Vec<String> = orgs
        .iter()
        .map(|o| o["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names("core").len(), 17);

    let fw = check_common(&pack, &docs[0]);
    let tables = fw["tables"].as_array().unwrap();
    let find = |header: &str| {
        tables
            .iter()
            .find(|t| t[0][0] == header && t[0].as_array().unwrap().len() > 2)
            .cloned()
    };
    assert_eq!(
        table_column(&find("Organisation").unwrap(), 0),
        names("core"),
        "Appendix A lists the 17 core members"
    );
    let affiliates = tables
        .iter()
        .find(|t| t[0].as_array().unwrap().len() == 4 && t[0][3] == "Sponsor")
        .unwrap();
    assert_eq!(table_column(affiliates, 0), names("affiliate"));
    assert_eq!(
        table_column(tables.last().unwrap(), 0),
        all,
        "the agreement's signature table has every organisation"
    );

    for doc in docs {
        let seen = check_common(&pack, doc);
        let signature = seen["tables"].as_array().unwrap().last().unwrap().clone();
        let parties: Vec<String> = strings(&doc["parties"]);
        let expected: Vec<String> = parties
            .iter()
            .map(|id| {
                orgs.iter().find(|o| o["id"] == id.as_str()).unwrap()["name"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect();
        if doc["kind"] == "assurance-checklist" {
            let confirm = table_column(&signature, 0);
            assert_eq!(
                confirm,
                [
                    format!("{} (applying)", expected[0]),
                    format!("{} (sponsor)", expected[1])
                ]
            );
        } else {
            assert_eq!(
                table_column(&signature, 0),
                expected,
                "signature table of {}",
                doc["file"]
            );
        }
    }
    let mash = check_common(&pack, docs.iter().find(|d| d["id"] == "mash").unwrap());
    let text = strings(&mash["paragraphs"]).join("\n");
    assert!(text.contains("Article 9(2)(g): substantial public interest, with the Data Protection Act 2018, Schedule 1, Part 2, paragraph 18: safeguarding of children and of individuals at risk."), "{text}");
    assert!(text.contains("For criminal offence data (Article 10): Data Protection Act 2018, Schedule 1, Part 2, paragraph 18"), "{text}");
    let cwrc = check_common(
        &pack,
        docs.iter().find(|d| d["id"] == "assurance-cwrc").unwrap(),
    );
    assert!(strings(&cwrc["paragraphs"]).iter().any(|p| {
        p.starts_with("Other measures in place: Data protection policy reviewed annually")
    }));
}

#[test]
fn assembling_again_gives_the_same_bytes_and_check_confirms_them() {
    let (_tmp, pack) = example("small");
    assemble(&pack);
    let first: Vec<(String, Vec<u8>)> = std::fs::read_dir(pack.join("out"))
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_file())
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    let stderr = assemble(&pack);
    assert!(
        stderr.contains("nothing changed: the 2 documents"),
        "{stderr}"
    );
    for (name, bytes) in &first {
        assert_eq!(
            &std::fs::read(pack.join("out").join(name)).unwrap(),
            bytes,
            "{name} changed"
        );
    }
    // Another folder, another process: the same bytes.
    let other = tempfile::tempdir().unwrap();
    countersign()
        .arg("assemble")
        .arg(&pack)
        .arg("--out")
        .arg(other.path())
        .assert()
        .success();
    for (name, bytes) in &first {
        assert_eq!(
            &std::fs::read(other.path().join(name)).unwrap(),
            bytes,
            "{name} differs in another folder"
        );
    }
    countersign()
        .arg("assemble")
        .arg(&pack)
        .arg("--check")
        .assert()
        .success()
        .stderr(predicates::str::contains("every document in"));
}

#[test]
fn check_reports_an_edited_document_and_changed_data() {
    let (_tmp, pack) = example("small");
    assemble(&pack);
    let doc = pack.join("out/protocol-hospital-discharge-v1.0.docx");
    let mut bytes = std::fs::read(&doc).unwrap();
    let last = bytes.len() - 30;
    bytes[last] ^= 1;
    std::fs::write(&doc, &bytes).unwrap();
    countersign()
        .arg("assemble").arg(&pack).arg("--check")
        .assert()
        .code(1)
        .stderr(predicates::str::contains("1 document(s) do not match the manifest").and(predicates::str::contains("protocol-hospital-discharge-v1.0.docx: the file in the output folder differs from the manifest")));

    let (_tmp2, pack) = example("small");
    assemble(&pack);
    let path = pack.join("protocols/hospital-discharge.json");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("longer than they need to", "longer than needed");
    std::fs::write(&path, text).unwrap();
    countersign()
        .arg("assemble")
        .arg(&pack)
        .arg("--check")
        .assert()
        .code(1)
        .stderr(
            predicates::str::contains("protocol-hospital-discharge-v1.0.docx: re-assembles to")
                .and(predicates::str::contains("(the data changed)")),
        );
}

#[test]
fn changed_content_under_the_same_version_is_refused_and_nothing_is_overwritten() {
    let (_tmp, pack) = example("small");
    assemble(&pack);
    let before = std::fs::read(pack.join("out/protocol-hospital-discharge-v1.0.docx")).unwrap();
    let manifest_before = std::fs::read(pack.join("out/manifest.json")).unwrap();
    let path = pack.join("protocols/hospital-discharge.json");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("longer than they need to", "longer than needed");
    std::fs::write(&path, &text).unwrap();
    countersign()
        .arg("assemble").arg(&pack)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("protocol-hospital-discharge-v1.0.docx already exists with different content: the protocol 'hospital-discharge' changed but its version is still 1.0").and(predicates::str::contains("hint: raise its version")));
    assert_eq!(
        std::fs::read(pack.join("out/protocol-hospital-discharge-v1.0.docx")).unwrap(),
        before
    );
    assert_eq!(
        std::fs::read(pack.join("out/manifest.json")).unwrap(),
        manifest_before
    );
    // Raising the version assembles a new document beside the old one.
    std::fs::write(
        &path,
        text.replace("\"version\": \"1.0\"", "\"version\": \"1.1\""),
    )
    .unwrap();
    assemble(&pack);
    assert!(
        pack.join("out/protocol-hospital-discharge-v1.1.docx")
            .exists()
    );
    assert_eq!(
        std::fs::read(pack.join("out/protocol-hospital-discharge-v1.0.docx")).unwrap(),
        before
    );
}

#[test]
fn a_pack_template_overrides_the_default_and_its_faults_are_reported() {
    let (_tmp, pack) = example("small");
    std::fs::create_dir_all(pack.join("templates")).unwrap();
    std::fs::copy(
        root().join("templates/protocol.docx"),
        pack.join("templates/protocol.docx"),
    )
    .unwrap();
    assemble(&pack);
    let m = manifest(&pack);
    assert_eq!(m["documents"][1]["template"]["source"], "pack");
    assert_eq!(m["documents"][0]["template"]["source"], "default");
    assert_eq!(
        m["documents"][1]["template"]["sha256"],
        countersign::digest::sha256_hex(
            &std::fs::read(root().join("templates/protocol.docx")).unwrap()
        )
    );

    let (_tmp, pack) = example("small");
    std::fs::create_dir_all(pack.join("templates")).unwrap();
    std::fs::copy(
        root().join("tests/fixtures/render/bad/bad-tags.docx"),
        pack.join("templates/protocol.docx"),
    )
    .unwrap();
    countersign()
        .arg("assemble").arg(&pack)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("the protocol template 'protocol.docx' (the pack's own) cannot be used for protocol-hospital-discharge-v1.0.docx").and(predicates::str::contains("'joined' is not a helper")));
    assert!(
        !pack.join("out").exists(),
        "nothing is written when a document fails"
    );

    let (_tmp, pack) = example("small");
    std::fs::create_dir_all(pack.join("templates")).unwrap();
    std::fs::write(pack.join("templates/protocol.docx"), "not a document").unwrap();
    countersign()
        .arg("assemble")
        .arg(&pack)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("the protocol template 'protocol.docx' (the pack's own) cannot be used for protocol-hospital-discharge-v1.0.docx: it is not a DOCX file").and(predicates::str::contains("hint: open the template in Word or LibreOffice")));
}

#[test]
fn init_creates_a_pack_that_validates_and_assembles() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("my-pack");
    countersign()
        .arg("init")
        .arg(&pack)
        .assert()
        .success()
        .stderr(predicates::str::contains("created a pack"));
    for file in [
        "framework.json",
        "organisations.json",
        "protocols/hospital-discharge.json",
        "schema/framework.schema.json",
        ".gitignore",
    ] {
        assert!(pack.join(file).exists(), "{file}");
    }
    countersign().arg("validate").arg(&pack).assert().success();
    assemble(&pack);
    countersign()
        .arg("init")
        .arg(&pack)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("already exists"));
}

#[test]
fn schema_prints_one_schema_per_kind_of_file() {
    let out = countersign().arg("schema").assert().success();
    let schemas: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let keys: Vec<&String> = schemas.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        ["framework.json", "organisations.json", "protocols/*.json"]
    );
    assert_eq!(
        schemas["framework.json"]["properties"]["approved"]["format"],
        "date"
    );
}

/// LibreOffice lays out one document of each kind and prints it to PDF; the text must be there.
#[test]
fn libreoffice_converts_every_kind_of_document_to_pdf() {
    let (tmp, pack) = example("cambs");
    assemble(&pack);
    let out = pack.join("out");
    countersign()
        .args(["signature-sheet"])
        .arg(&pack)
        .arg("-o")
        .arg(out.join("signature-sheet.docx"))
        .assert()
        .success();
    let files = [
        "framework-v2.7.docx",
        "signature-sheet.docx",
        "protocol-mash-v3.1.docx",
        "assurance-cwrc-v1.0.docx",
    ];
    let status = StdCommand::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            tmp.path().join("lo-profile").display()
        ))
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(&out)
        .args(files.iter().map(|f| out.join(f)))
        .output()
        .expect("LibreOffice (soffice) is installed");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let expectations = [
        ("framework-v2.7.pdf", "Appendix A: core members"),
        ("signature-sheet.pdf", "Helen Ashworth"),
        ("protocol-mash-v3.1.pdf", "Multi-Agency Safeguarding Hub"),
        ("assurance-cwrc-v1.0.pdf", "Member assurance checklist"),
    ];
    for (pdf, text) in expectations {
        let out = StdCommand::new("pdftotext")
            .arg(out.join(pdf))
            .arg("-")
            .output()
            .expect("pdftotext is installed");
        let body = String::from_utf8_lossy(&out.stdout);
        assert!(body.contains(text), "{pdf} lacks {text:?}");
        assert!(body.contains("Page 1 of"), "{pdf} lacks its page footer");
        assert!(!body.contains("{{"), "{pdf} has a tag left");
    }
}

use predicates::prelude::PredicateBooleanExt;

/// A reproducible build must not quietly stop being one: a `SOURCE_DATE_EPOCH` that is not a
/// number is an error naming the variable, and nothing is written.
#[test]
fn a_bad_source_date_epoch_is_an_error_naming_the_variable() {
    let (_tmp, pack) = example("small");
    let out = countersign()
        .arg("assemble")
        .arg(&pack)
        .env("SOURCE_DATE_EPOCH", "last tuesday")
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        stderr.contains("SOURCE_DATE_EPOCH is set to 'last tuesday', which is not a number")
            && stderr.contains("hint: set it to whole seconds"),
        "{stderr}"
    );
    assert!(!pack.join("out").exists(), "nothing was written");
    assert!(!pack.join("register").exists(), "nothing was recorded");
}

#[test]
fn check_passes_after_a_new_version_and_still_checks_the_earlier_one() {
    // Issue 31, 7: a new version is ordinary; the earlier one is not what today's data gives,
    // but it must still be the file that was issued.
    let (_tmp, pack) = example("small");
    assemble(&pack);
    let path = pack.join("protocols/hospital-discharge.json");
    let mut protocol: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    protocol["version"] = "1.1".into();
    std::fs::write(&path, serde_json::to_vec_pretty(&protocol).unwrap()).unwrap();
    assemble(&pack);
    countersign()
        .arg("assemble")
        .arg(&pack)
        .arg("--check")
        .assert()
        .success()
        .stderr(predicates::str::contains("every document in"));
    // The earlier version edited after it was issued is still found.
    let earlier = pack.join("out/protocol-hospital-discharge-v1.0.docx");
    let mut bytes = std::fs::read(&earlier).unwrap();
    let last = bytes.len() - 30;
    bytes[last] ^= 1;
    std::fs::write(&earlier, &bytes).unwrap();
    countersign()
        .arg("assemble")
        .arg(&pack)
        .arg("--check")
        .assert()
        .code(1)
        .stderr(predicates::str::contains(
            "protocol-hospital-discharge-v1.0.docx: is an earlier version, but the file in the output folder differs",
        ));
}
