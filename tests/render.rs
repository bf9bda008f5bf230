//! `countersign render` through the real binary, with every output opened by an independent
//! reader (python-docx and Python's strict XML parser, in tests/support/read_docx.py).

mod support;
use support::read_docx;

use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

use assert_cmd::Command;
use serde_json::{Value, json};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/render")
        .join(name)
}

fn countersign() -> Command {
    Command::cargo_bin("countersign").expect("binary built")
}

fn render_ok(template: &Path, data: &Path, out: &Path) {
    countersign()
        .arg("render")
        .arg(template)
        .arg(data)
        .arg("-o")
        .arg(out)
        .assert()
        .success();
}

fn write_json(dir: &Path, name: &str, value: &Value) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec_pretty(value).unwrap()).unwrap();
    path
}

const TITLE: &str = "Smith & Sons <Ltd> \"Q\" 'framework' ]]>";

fn expected_basic() -> Value {
    json!({
        "paragraphs": [
            TITLE,
            "Area: Cambridgeshire & Peterborough. Partners: Zoë Council, Łukasz Trust, Police.",
            "Signatories",
            "Principles",
            "0. Share only what is needed",
            "1. Keep it secure",
            "Review by 31 March 2027.",
            "Contact: not named",
            "End of document."
        ],
        "tables": [[
            ["Organisation", "Signatory", "Position"],
            ["Zoë Council", "Zoë Brontë", "Chief Executive"],
            ["Łukasz NHS Trust", "Łukasz Żółć", "SIRO"],
            ["Smith & Sons <Ltd>", "Ann \"Q\" O'Neil", "Caldicott Guardian"]
        ]],
        "headers": [format!("{TITLE} (version 2.6)")],
        "footers": ["Cambridgeshire & Peterborough: issued 31 March 2026"],
        "title": TITLE,
        "subject": "Cambridgeshire & Peterborough information sharing",
        "tags_left": []
    })
}

fn assert_matches(seen: &Value, expected: &Value) {
    for (key, want) in expected.as_object().unwrap() {
        assert_eq!(&seen[key], want, "{key} differs");
    }
}

#[test]
fn renders_a_python_docx_template_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("basic.docx");
    render_ok(&fixture("basic.docx"), &fixture("basic.json"), &out);
    assert_matches(&read_docx(&out), &expected_basic());
}

#[test]
fn renders_a_template_saved_by_libreoffice() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("lo.docx");
    render_ok(&fixture("libreoffice.docx"), &fixture("basic.json"), &out);
    assert_matches(&read_docx(&out), &expected_basic());
}

#[test]
fn renders_footnotes_and_endnotes() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("notes.docx");
    render_ok(&fixture("notes.docx"), &fixture("basic.json"), &out);
    let seen = read_docx(&out);
    assert_eq!(
        seen["footnotes"],
        json!(["Footnote for Cambridgeshire & Peterborough."])
    );
    assert_eq!(seen["endnotes"], json!(["Endnote: 2.6"]));
    assert_eq!(seen["tags_left"], json!([]));
}

#[test]
fn tags_split_over_runs_with_proof_marks_and_bookmarks_are_rendered() {
    let dir = tempfile::tempdir().unwrap();
    let data = write_json(
        dir.path(),
        "d.json",
        &json!({
            "organisation": {"name": "Zoë & Co"}, "signed": "2026-01-02", "id": "ISA-1", "version": "1.0", "parties": ["A", "B", "C"]
        }),
    );
    let out = dir.path().join("split.docx");
    render_ok(&fixture("split.docx"), &data, &out);
    let seen = read_docx(&out);
    assert_eq!(
        seen["paragraphs"],
        json!(["Agreed by Zoë & Co on 2 January 2026.", "A, B, C"])
    );
    assert_eq!(seen["headers"], json!(["Protocol ISA-1"]));
    assert_eq!(seen["footers"], json!(["Version 1.0"]));
}

#[test]
fn loop_tags_in_rows_of_their_own_repeat_the_rows_between() {
    let dir = tempfile::tempdir().unwrap();
    let data = write_json(
        dir.path(),
        "d.json",
        &json!({"members": [{"name": "Council", "sector": "Local authority"}, {"name": "Trust", "sector": "NHS"}]}),
    );
    let out = dir.path().join("rows.docx");
    render_ok(&fixture("doctpl_rows.docx"), &data, &out);
    let seen = read_docx(&out);
    assert_eq!(
        seen["tables"],
        json!([[
            ["Member", "Sector"],
            ["Council", "Local authority"],
            ["Trust", "NHS"]
        ]])
    );
}

fn signatories(n: usize) -> Vec<Value> {
    (0..n).map(|i| json!({"organisation": format!("Org {i}"), "name": format!("Name {i}"), "position": "DPO"})).collect()
}

#[test]
fn hostile_data_comes_out_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let long = "Ł&<>\"' ".repeat(100_000 / 7 + 1)[..100_000].to_string();
    let mut data: Value =
        serde_json::from_slice(&std::fs::read(fixture("basic.json")).unwrap()).unwrap();
    data["area"] = json!(long.clone());
    data["signatories"] = json!(signatories(10_000));
    data["principles"] = json!([]);
    data["contact"] = json!("]]> & <![CDATA[ x");
    let path = write_json(dir.path(), "d.json", &data);
    let out = dir.path().join("hostile.docx");
    render_ok(&fixture("basic.docx"), &path, &out);
    let seen = read_docx(&out);
    let table = seen["tables"][0].as_array().unwrap();
    assert_eq!(table.len(), 10_001);
    assert_eq!(table[10_000], json!(["Org 9999", "Name 9999", "DPO"]));
    assert_eq!(
        seen["paragraphs"][1].as_str().unwrap(),
        format!("Area: {long}. Partners: Zoë Council, Łukasz Trust, Police.")
    );
    assert_eq!(
        seen["footers"][0].as_str().unwrap(),
        format!("{long}: issued 31 March 2026")
    );
    assert_eq!(
        seen["paragraphs"],
        json!([
            TITLE,
            format!("Area: {long}. Partners: Zoë Council, Łukasz Trust, Police."),
            "Signatories",
            "Principles",
            "Review by 31 March 2027.",
            "Contact: ]]> & <![CDATA[ x",
            "End of document."
        ]),
        "an empty list leaves no paragraph behind"
    );
}

#[test]
fn a_control_character_is_refused_naming_the_field_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let mut data: Value =
        serde_json::from_slice(&std::fs::read(fixture("basic.json")).unwrap()).unwrap();
    data["signatories"][1]["name"] = json!("Bad\u{1}Name");
    let path = write_json(dir.path(), "d.json", &data);
    let out = dir.path().join("out.docx");
    let assert = countersign()
        .arg("render")
        .arg(fixture("basic.docx"))
        .arg(&path)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(stderr.contains("word/document.xml, table 1, row 2, cell 2, paragraph 1: {{name}}: the value of 'name' holds the control character U+0001 at character 4"), "{stderr}");
    assert!(stderr.contains("(in signatories[1])"), "{stderr}");
    assert!(!out.exists());
}

#[test]
fn every_missing_field_is_reported_at_once_with_part_and_place() {
    let dir = tempfile::tempdir().unwrap();
    let data = write_json(
        dir.path(),
        "d.json",
        &json!({"title": "T", "partners": [], "signatories": [{"organisation": "A"}], "principles": []}),
    );
    let out = dir.path().join("out.docx");
    let assert = countersign()
        .arg("render")
        .arg(fixture("basic.docx"))
        .arg(&data)
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    for expected in [
        "the data does not fit the template: 7 problem(s)",
        "word/document.xml, paragraph 2: {{area}}: the field 'area' is missing from the data",
        "word/document.xml, table 1, row 2, cell 2, paragraph 1: {{name}}: the field 'name' is missing from the data (in signatories[0])",
        "word/document.xml, table 1, row 2, cell 3, paragraph 1: {{position}}: the field 'position' is missing from the data (in signatories[0])",
        "word/header1.xml, paragraph 1: {{version}}: the field 'version' is missing from the data",
        "word/footer1.xml, paragraph 1: {{date issued}}: the field 'issued' is missing from the data",
        "docProps/core.xml, property dc:subject: {{area}}",
        "hint: add \"area\" to the data, or write {{default area \"…\"}} in the template for an optional field",
    ] {
        assert!(
            stderr.contains(expected),
            "missing {expected:?} in:\n{stderr}"
        );
    }
    assert!(!out.exists());
}

#[test]
fn template_tag_errors_are_all_reported_with_place_and_text() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.docx");
    let assert = countersign()
        .arg("render")
        .arg(fixture("bad/bad-tags.docx"))
        .arg(fixture("basic.json"))
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
    assert!(stderr.contains("the template has 2 problem(s)"), "{stderr}");
    assert!(
        stderr.contains(
            "word/document.xml, paragraph 2: {{joined partners}}: 'joined' is not a helper"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("text: Area: {{area}}. Partners: {{joined partners}}."),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "word/document.xml, paragraph 12: {{/fi}}: '/fi' closes no block this engine knows"
        ),
        "{stderr}"
    );
    assert!(!out.exists());
}

#[test]
fn broken_and_hostile_packages_are_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "not-a-zip.docx",
            "it is not a DOCX file: it cannot be read as a zip archive",
        ),
        (
            "no-document.docx",
            "it is not a Word document: the part 'word/document.xml' is missing",
        ),
        ("malformed-xml.docx", "word/document.xml, byte"),
        (
            "escaping-name.docx",
            "the entry '../../outside.txt' has a name that is not allowed",
        ),
        (
            "bomb.docx",
            // Its directory claims a small size that its local header contradicts: refused
            // before anything is inflated (docs/SPEC.md Z6).
            "the entry 'word/media/bomb.bin' is damaged (its local header says another size than the directory)",
        ),
    ];
    for (file, message) in cases {
        let out = dir.path().join(format!("{file}.out"));
        let assert = countersign()
            .arg("render")
            .arg(fixture(&format!("bad/{file}")))
            .arg(fixture("basic.json"))
            .arg("-o")
            .arg(&out)
            .assert()
            .code(2);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).to_string();
        assert!(
            stderr.contains("cannot use the template '"),
            "{file}: {stderr}"
        );
        assert!(
            stderr.contains(message),
            "{file}: expected {message:?} in {stderr}"
        );
        assert!(stderr.contains("hint: "), "{file}: {stderr}");
        assert!(!stderr.contains("panicked"), "{file}: {stderr}");
        assert!(!out.exists(), "{file}: output written");
    }
}

#[test]
fn invalid_json_is_reported_with_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("d.json");
    std::fs::write(&data, "{\n  \"title\": \"x\",\n  \"area\": ,\n}").unwrap();
    countersign()
        .arg("render")
        .arg(fixture("basic.docx"))
        .arg(&data)
        .arg("-o")
        .arg(dir.path().join("o.docx"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "it is not valid JSON: expected value at line 3, column 11",
        ));
}

#[test]
fn missing_files_and_existing_outputs_are_refused_without_writing() {
    let dir = tempfile::tempdir().unwrap();
    countersign()
        .arg("render")
        .arg(dir.path().join("nope.docx"))
        .arg(fixture("basic.json"))
        .arg("-o")
        .arg(dir.path().join("o.docx"))
        .assert()
        .code(2)
        .stderr(
            predicates::str::contains("cannot read the template")
                .and(predicates::str::contains("no such file")),
        );
    let out = dir.path().join("exists.docx");
    std::fs::write(&out, b"keep me").unwrap();
    countersign()
        .arg("render")
        .arg(fixture("basic.docx"))
        .arg(fixture("basic.json"))
        .arg("-o")
        .arg(&out)
        .assert()
        .code(2)
        .stderr(
            predicates::str::contains("already exists; nothing was written")
                .and(predicates::str::contains("--force")),
        );
    assert_eq!(std::fs::read(&out).unwrap(), b"keep me");
    render_ok_force(&out);
    assert_ne!(std::fs::read(&out).unwrap(), b"keep me");
    countersign()
        .arg("render")
        .arg(fixture("basic.docx"))
        .arg(fixture("basic.json"))
        .arg("-o")
        .arg(dir.path().join("no/such/folder/o.docx"))
        .assert()
        .code(2)
        .stderr(predicates::str::contains("does not exist"));
    countersign().arg("render").assert().code(2);
}

fn render_ok_force(out: &Path) {
    countersign()
        .arg("render")
        .arg(fixture("basic.docx"))
        .arg(fixture("basic.json"))
        .arg("-o")
        .arg(out)
        .arg("--force")
        .assert()
        .success();
}

use predicates::prelude::PredicateBooleanExt;

/// The SHA-256 of basic.docx rendered with basic.json, as produced on the machine that wrote
/// this test. Any machine must produce the same bytes; change it only with the engine.
const BASIC_SHA256: &str = include_str!("fixtures/render/basic.sha256");

#[test]
fn output_is_byte_identical_across_processes_and_machines() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.docx"), dir.path().join("b.docx"));
    render_ok(&fixture("basic.docx"), &fixture("basic.json"), &a);
    render_ok(&fixture("basic.docx"), &fixture("basic.json"), &b);
    let (a, b) = (std::fs::read(a).unwrap(), std::fs::read(b).unwrap());
    assert_eq!(a, b);
    let digest = StdCommand::new("sha256sum")
        .arg(dir.path().join("a.docx"))
        .output()
        .unwrap();
    let digest = String::from_utf8_lossy(&digest.stdout);
    assert_eq!(digest.split_whitespace().next(), Some(BASIC_SHA256.trim()));
}

/// LibreOffice, a second independent reader, lays the rendered document out and prints it to
/// PDF; the text it finds must be the data.
#[test]
fn libreoffice_converts_the_rendered_document_to_pdf_with_the_data_in_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("rendered.docx");
    render_ok(&fixture("libreoffice.docx"), &fixture("basic.json"), &out);
    let profile = dir.path().join("lo-profile");
    let status = StdCommand::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(dir.path())
        .arg(&out)
        .output()
        .expect("LibreOffice (soffice) is installed: apt-get install libreoffice-writer-nogui");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let text = StdCommand::new("pdftotext")
        .arg("-layout")
        .arg(dir.path().join("rendered.pdf"))
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is installed");
    let text = String::from_utf8_lossy(&text.stdout);
    for expected in [
        "Smith & Sons <Ltd> \"Q\" 'framework' ]]>",
        "Łukasz Żółć",
        "Ann \"Q\" O'Neil",
        "Review by 31 March 2027.",
        "Cambridgeshire & Peterborough: issued 31 March 2026",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} not in the PDF text:\n{text}"
        );
    }
    assert!(!text.contains("{{"), "a tag was left in:\n{text}");
}
