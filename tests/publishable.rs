//! Every document countersign writes for people to read is fit to publish (issue 32): checked
//! by an independent reader (tests/support/check_publishable.py, python-docx and Python's own
//! XML parser) for what accessibility needs (a marked header row on every table, the document's
//! language, a default paragraph style, headings in order, alternative text, link text, one size
//! in the footer, a contents field in the framework) and for anything of the tool showing
//! through (a command, a file name, an id, a backtick, the tool's name).

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use support::{Desk, copy_example};

/// Every id the pack's data gives (organisations, protocols, the framework): none may show.
fn ids(pack: &Path) -> Vec<String> {
    let read =
        |p: PathBuf| -> Value { serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap() };
    let mut ids: Vec<String> = read(pack.join("organisations.json"))["organisations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_string())
        .collect();
    for entry in std::fs::read_dir(pack.join("protocols")).unwrap() {
        ids.push(
            read(entry.unwrap().path())["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    ids.push(
        read(pack.join("framework.json"))["id"]
            .as_str()
            .unwrap()
            .to_string(),
    );
    ids
}

fn check(documents: &[PathBuf], contents: &[PathBuf], ids: &[String]) -> (bool, String) {
    let mut command = Command::new("python3");
    command.arg(support::root().join("tests/support/check_publishable.py"));
    for id in ids {
        command.args(["--slug", id]);
    }
    for c in contents {
        command.arg("--contents").arg(c);
    }
    command.args(documents);
    let out = command.output().expect("python3 runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

fn unzip(bundle: &Path, name: &str, to: &Path) -> PathBuf {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(bundle).unwrap()).unwrap();
    let mut entry = archive.by_name(name).unwrap();
    let path = to.join(name.rsplit('/').next().unwrap());
    std::io::copy(&mut entry, &mut std::fs::File::create(&path).unwrap()).unwrap();
    path
}

/// The full example, taken through a coordinator's year: assembled, signed by one partner,
/// a new version issued with its summary of changes, the signature sheet printed, the Data
/// Sharing Code checklists written and the pack bundled. Every DOCX made on the way is checked.
#[test]
fn every_document_of_the_full_example_is_accessible_and_shows_nothing_of_the_tool() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("pack");
    copy_example("cambs", &pack);
    let desk = Desk(dir.path());
    desk.ok(&["assemble", "pack"]);
    let ids = ids(&pack);
    let council = ids[0].clone();
    desk.add_seeded_key(&council, "A Signatory");
    desk.sign("framework-v2.7.docx", &council);

    // A new version of the framework, and what changed.
    let path = pack.join("framework.json");
    let mut framework: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    framework["version"] = "2.8".into();
    framework["revisions"].as_array_mut().unwrap().push(serde_json::json!({
        "version": "2.8", "date": "2026-11-30", "description": "Breach reporting within 24 hours."
    }));
    framework["sections"][0]["paragraphs"]
        .as_array_mut()
        .unwrap()
        .push("Partners report a breach to each other within 24 hours.".into());
    std::fs::write(&path, serde_json::to_vec_pretty(&framework).unwrap()).unwrap();
    desk.ok(&["assemble", "pack"]);
    desk.ok(&["changes", "pack", "--from", "2.7", "--docx", "changes.docx"]);
    desk.ok(&["signature-sheet", "pack", "-o", "sheet.docx"]);
    desk.ok(&[
        "validate",
        "pack",
        "--code-checklist",
        "--docx",
        "checklists",
    ]);
    desk.ok(&["bundle", "pack", "-o", "pack.zip"]);
    let bundle = dir.path().join("pack.zip");

    let mut documents: Vec<PathBuf> = std::fs::read_dir(pack.join("out"))
        .unwrap()
        .chain(std::fs::read_dir(dir.path().join("checklists")).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "docx"))
        .collect();
    documents.sort();
    let frameworks: Vec<PathBuf> = documents
        .iter()
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("framework-")
        })
        .cloned()
        .collect();
    assert_eq!(frameworks.len(), 2, "{documents:?}");
    documents.push(dir.path().join("changes.docx"));
    documents.push(dir.path().join("sheet.docx"));
    documents.push(unzip(&bundle, "signature-report.docx", dir.path()));
    // 2 frameworks, 3 protocols, 10 assurance checklists, 3 Code checklists, the summary of
    // changes, the signature sheet and the signature report.
    assert_eq!(documents.len(), 21, "{documents:?}");

    let (fit, report) = check(&documents, &frameworks, &ids);
    assert!(fit, "{report}");
    assert!(report.contains("21 documents fit to publish"), "{report}");
}

/// The checker is not a formality: the default templates as they were before issue 32 fail it
/// on each count the issue names.
#[test]
fn the_check_finds_what_the_earlier_templates_got_wrong() {
    let earlier = support::root().join("tests/fixtures/publishable/signature-report-before.docx");
    let (fit, report) = check(&[earlier], &[], &["mash".to_string()]);
    assert!(!fit, "{report}");
    for problem in [
        "no document language",
        "no default paragraph style",
        "has no marked header row",
        "is level 2 after level 0",
        "runs of one paragraph in sizes",
        "a backtick in the text",
        "the tool's name",
    ] {
        assert!(report.contains(problem), "{problem}: {report}");
    }
}

/// A coordinator's own template is checked by `validate`: each gap is a warning naming the
/// template, what is missing and how to add it in Word; the pack stays valid (exit 0). A copy
/// of a default template has no gap.
#[test]
fn validate_warns_where_a_coordinators_template_is_not_accessible() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("pack");
    copy_example("small", &pack);
    std::fs::create_dir_all(pack.join("templates")).unwrap();
    std::fs::copy(
        support::root().join("templates/protocol.docx"),
        pack.join("templates/protocol.docx"),
    )
    .unwrap();
    let quiet = Desk(dir.path()).ok(&["validate", "pack"]);
    assert!(!quiet.contains("warning"), "{quiet}");

    std::fs::copy(
        support::root().join("tests/fixtures/publishable/signature-report-before.docx"),
        pack.join("templates/framework.docx"),
    )
    .unwrap();
    let (code, _, err) = Desk(dir.path()).run(&["validate", "pack"]);
    assert_eq!(code, 0, "{err}");
    for warning in [
        "warning: templates/framework.docx: no document language",
        "warning: templates/framework.docx: no default paragraph style",
        "warning: templates/framework.docx: table 1 ('OrganisationKey fingerprintSignatory and') has no header row",
        "warning: templates/framework.docx: the heading '{{file}}' is at level 2 after level 0",
        "warning: templates/framework.docx: no contents list",
        "Repeat as header row at the top of each page",
    ] {
        assert!(err.contains(warning), "{warning}: {err}");
    }
    assert!(!err.contains("templates/protocol.docx"), "{err}");
    assert!(err.contains("is valid"), "{err}");
}

/// The paper form (issue 32): after a summary of who has signed, one page per organisation
/// still to sign, with the framework's declaration, the SHA-256 of exactly what is approved,
/// where to send it, and a box at least 2.5 cm tall for each person who signs (a Caldicott
/// Guardian who recommends, then the signatory). Read with python-docx; the sheet, printed
/// to PDF by LibreOffice as a scanner would return it, is then recorded by `record-paper`.
#[test]
fn the_paper_form_has_a_page_per_organisation_with_the_declaration_the_digest_and_boxes_to_sign() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("pack");
    copy_example("cambs", &pack);
    let desk = Desk(dir.path());
    desk.ok(&["assemble", "pack"]);
    desk.add_seeded_key("cambridge-city", "Helen Ashworth");
    desk.sign("framework-v2.7.docx", "cambridge-city");
    desk.ok(&["signature-sheet", "pack", "-o", "sheet.docx"]);
    let sha256 = countersign::digest::sha256_hex(
        &std::fs::read(pack.join("out/framework-v2.7.docx")).unwrap(),
    );

    let script = r#"
import json, sys
from docx import Document
from docx.enum.table import WD_ROW_HEIGHT_RULE
d = Document(sys.argv[1])
forms = []
for p in d.paragraphs:
    if p.style.name.lower() == "heading 1" and p.text.startswith("Approval form: "):
        forms.append({"organisation": p.text[len("Approval form: "):],
                      "page_break_before": bool(p.paragraph_format.page_break_before), "text": []})
    elif forms:
        forms[-1]["text"].append(p.text)
boxes = []
for t in d.tables[1:]:
    rows = []
    for r in t.rows[1:]:
        rows.append({"who": r.cells[0].text, "name": r.cells[1].text,
                     "cm": r.height.cm if r.height is not None else 0,
                     "at_least": r.height_rule == WD_ROW_HEIGHT_RULE.AT_LEAST})
    boxes.append(rows)
print(json.dumps({"forms": forms, "boxes": boxes}))
"#;
    let out = Command::new("python3")
        .args(["-c", script])
        .arg(dir.path().join("sheet.docx"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let read: Value = serde_json::from_slice(&out.stdout).unwrap();
    let forms = read["forms"].as_array().unwrap();
    // 27 organisations, one signed electronically: 26 forms, each on a page of its own.
    assert_eq!(forms.len(), 26);
    assert!(
        !forms
            .iter()
            .any(|f| f["organisation"] == "Cambridge City Council")
    );
    let framework: Value =
        serde_json::from_slice(&std::fs::read(pack.join("framework.json")).unwrap()).unwrap();
    let declaration = framework["paper_form"]["declaration"].as_str().unwrap();
    for form in forms {
        assert_eq!(form["page_break_before"], true, "{form}");
        let text = form["text"].to_string();
        assert!(text.contains(declaration), "{form}");
        assert!(text.contains(&sha256), "{form}");
        assert!(text.contains("New Shire Hall"), "{form}");
    }
    let boxes = read["boxes"].as_array().unwrap();
    assert_eq!(boxes.len(), 26);
    for rows in boxes {
        for row in rows.as_array().unwrap() {
            assert!(row["cm"].as_f64().unwrap() >= 2.5, "{row}");
            assert_eq!(row["at_least"], true, "{row}");
        }
    }
    // A trust whose Caldicott Guardian recommends and whose SIRO signs has two boxes.
    let icb = forms
        .iter()
        .position(|f| f["organisation"] == "Cambridgeshire and Peterborough Integrated Care Board")
        .unwrap();
    let who: Vec<&str> = boxes[icb]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["who"].as_str().unwrap())
        .collect();
    assert_eq!(who, ["Recommended by", "Signed by"]);

    // Printed and scanned: the coordinator records the scan of exactly that form.
    let pdf = Command::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}/lo",
            dir.path().display()
        ))
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(dir.path())
        .arg(dir.path().join("sheet.docx"))
        .output()
        .expect("LibreOffice is installed (bash scripts/install-test-deps.sh)");
    assert!(
        pdf.status.success(),
        "{}",
        String::from_utf8_lossy(&pdf.stderr)
    );
    let said = desk.ok(&[
        "record-paper",
        "pack",
        "framework-v2.7.docx",
        "--org",
        "cp-icb",
        "--signatory",
        "Dr Owen Price",
        "--role",
        "Senior Information Risk Owner",
        "--signed-on",
        "2026-11-23",
        "--scan",
        "sheet.pdf",
    ]);
    assert!(said.contains("recorded"), "{said}");
    let verified = desk.ok(&["verify", "pack/out/framework-v2.7.docx"]);
    assert!(verified.contains("on paper"), "{verified}");
}
