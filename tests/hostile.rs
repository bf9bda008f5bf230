//! Hostile input, through the real binary: each class of attack found by the hostile-input
//! campaign ends in a clear refusal (exit 2 or 1, with the file and the reason), never a panic,
//! an abort, a hang, or a document built from damaged input.

mod support;

use std::io::Write as _;
use std::path::{Path, PathBuf};

use support::{copy_example, cs};

/// A minimal DOCX whose body is `body` (WordprocessingML inside `<w:body>`).
fn docx(body: &str) -> Vec<u8> {
    docx_parts(&[(
        "word/document.xml",
        format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>"#
        )
        .into_bytes(),
    )])
}

fn docx_parts(parts: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    w.start_file("[Content_Types].xml", options).unwrap();
    w.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#).unwrap();
    for (name, bytes) in parts {
        w.start_file(*name, options).unwrap();
        w.write_all(bytes).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn para(text: &str) -> String {
    format!("<w:p><w:r><w:t>{text}</w:t></w:r></w:p>")
}

/// Renders `template` with `data`; returns the exit code and stderr.
fn render(dir: &Path, template: &[u8], data: &str) -> (i32, String) {
    let t = dir.join("t.docx");
    let d = dir.join("d.json");
    std::fs::write(&t, template).unwrap();
    std::fs::write(&d, data).unwrap();
    let out = cs()
        .arg("render")
        .arg(&t)
        .arg(&d)
        .arg("-o")
        .arg(dir.join("out.docx"))
        .arg("--force")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn refused(dir: &Path, template: &[u8], data: &str, expected: &str) {
    let (code, text) = render(dir, template, data);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains(expected), "expected {expected:?} in {text}");
    assert!(!text.contains("panicked"), "{text}");
}

#[test]
fn deep_nesting_is_refused_not_a_stack_overflow() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // 90,000 nested elements with no tag at all.
    let deep = "<w:sdt>".repeat(90_000) + &"</w:sdt>".repeat(90_000);
    refused(dir, &docx(&deep), "{}", "elements nest more than 256 deep");
    // 6,900 nested tables.
    let table =
        "<w:tbl><w:tr><w:tc>".repeat(6_900) + "<w:p/>" + &"</w:tc></w:tr></w:tbl>".repeat(6_900);
    refused(dir, &docx(&table), "{}", "elements nest more than 256 deep");
    // 14,700 nested blocks in one paragraph.
    let ifs = "{{#if a}}".repeat(14_700) + &"{{/if}}".repeat(14_700);
    refused(
        dir,
        &docx(&para(&ifs)),
        r#"{"a": true}"#,
        "blocks nest more than 64 deep",
    );
    // 12,800 nested brackets in one helper call.
    let calls =
        "{{upper ".to_string() + &"(upper ".repeat(12_800) + "a" + &")".repeat(12_800) + "}}";
    refused(
        dir,
        &docx(&para(&calls)),
        r#"{"a": "x"}"#,
        "brackets nest more than 32 deep",
    );
}

#[test]
fn long_runs_of_braces_are_scanned_in_linear_time() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // These took 13.5 s and over a minute when the scan was quadratic; linear, they take
    // milliseconds (measured in the note, not timed here).
    refused(
        dir,
        &docx(&para(&"}}".repeat(500_000))),
        "{}",
        "'}}' closes no tag",
    );
    refused(
        dir,
        &docx(&para(&"{{a".repeat(200_000))),
        "{}",
        "this tag is not closed",
    );
    // 20,000 blocks, each over rows of its own in one table.
    let mut rows = String::new();
    for _ in 0..20_000 {
        rows.push_str("<w:tr><w:tc><w:p><w:r><w:t>{{#each x}}</w:t></w:r></w:p></w:tc></w:tr>");
        rows.push_str("<w:tr><w:tc><w:p><w:r><w:t>{{this}}</w:t></w:r></w:p></w:tc></w:tr>");
        rows.push_str("<w:tr><w:tc><w:p><w:r><w:t>{{/each}}</w:t></w:r></w:p></w:tc></w:tr>");
    }
    let (code, text) = render(
        dir,
        &docx(&format!("<w:tbl>{rows}</w:tbl><w:p/>")),
        r#"{"x": ["a"]}"#,
    );
    assert_eq!(code, 0, "{text}");
}

#[test]
fn malformed_xml_and_damaged_packages_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    for (body, what) in [
        (r#"<w:p w:a="1" w:a="2"/>"#, "a malformed attribute"),
        (r#"<w:p w:a="<"/>"#, "holds a '<'"),
    ] {
        refused(dir, &docx(body), "{}", what);
    }
    let junk = docx_parts(&[(
        "word/document.xml",
        br#"<w:document xmlns:w="x"><w:body/></w:document>junk"#.to_vec(),
    )]);
    refused(dir, &junk, "{}", "text outside the root element");
    // The same part twice: which one a reader takes differs, so neither is used.
    // Zip writers refuse a name twice, so the second name is patched in place (same length).
    let mut twice = docx_parts(&[
        (
            "word/document.xml",
            br#"<w:document xmlns:w="x"><w:body><w:p/></w:body></w:document>"#.to_vec(),
        ),
        (
            "word/documenT.xml",
            br#"<w:document xmlns:w="x"><w:body/></w:document>"#.to_vec(),
        ),
    ]);
    while let Some(at) = find(&twice, b"word/documenT.xml") {
        twice[at + 12] = b't';
    }
    let (code, text) = render(dir, &twice, "{}");
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains("the entry 'word/document.xml' appears more than once"),
        "{text}"
    );
    // An untouched part whose bytes were damaged after it was stored (its CRC fails).
    let mut damaged = docx_parts(&[
        ("word/document.xml", docx_body("<w:p/>")),
        ("word/media/image1.png", vec![7u8; 4096]),
    ]);
    let at = find(&damaged, b"word/media/image1.png").unwrap();
    // The stored data follows the local header: flip a byte well inside it.
    let data = at + "word/media/image1.png".len() + 10;
    damaged[data] ^= 0xff;
    let (code, text) = render(dir, &damaged, "{}");
    assert_eq!(code, 2, "{text}");
    assert!(!text.contains("panicked"), "{text}");
}

fn docx_body(body: &str) -> Vec<u8> {
    format!(r#"<w:document xmlns:w="x"><w:body>{body}</w:body></w:document>"#).into_bytes()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[test]
fn a_block_across_a_hyperlink_is_refused_with_its_place() {
    let tmp = tempfile::tempdir().unwrap();
    let body = r#"<w:p><w:hyperlink w:anchor="a"><w:r><w:t>{{#each x}}A</w:t></w:r></w:hyperlink><w:r><w:t>B{{/each}}</w:t></w:r></w:p>"#;
    let (code, text) = render(tmp.path(), &docx(body), r#"{"x": [1, 2]}"#);
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains("paragraph 1") && text.contains("inside a hyperlink"),
        "{text}"
    );
    assert!(!text.contains("please report this"), "{text}");
}

#[test]
fn pipes_devices_and_links_are_never_read() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    // A device given as a document: refused at once, never read until memory runs out.
    let pack = dir.join("pack");
    copy_example("small", &pack);
    cs().arg("assemble").arg(&pack).assert().success();
    let out = cs()
        .args(["verify", "/dev/zero", "--pack"])
        .arg(&pack)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("not a regular file"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A FIFO where the pack keeps its keyring, a signature or a protocol: named, never opened.
    let fifo = |path: &Path| {
        let status = std::process::Command::new("mkfifo")
            .arg(path)
            .status()
            .unwrap();
        assert!(status.success());
    };
    std::fs::create_dir_all(pack.join("keys")).unwrap();
    fifo(&pack.join("keys/keyring.json"));
    let out = cs().arg("status").arg(&pack).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("keyring.json"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::remove_file(pack.join("keys/keyring.json")).unwrap();
    std::fs::create_dir_all(pack.join("signatures")).unwrap();
    fifo(&pack.join("signatures/framework-v1.0.riverside-council.dsse.json"));
    let out = cs().arg("status").arg(&pack).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a regular file"));
    std::fs::remove_file(pack.join("signatures/framework-v1.0.riverside-council.dsse.json"))
        .unwrap();
    fifo(&pack.join("protocols/extra.json"));
    let out = cs().arg("validate").arg(&pack).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("protocols/extra.json"));
    std::fs::remove_file(pack.join("protocols/extra.json")).unwrap();

    // Links inside a pack: assembling through an out/ link, or appending to a linked
    // register, would write somewhere else.
    let elsewhere = dir.join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    let linked = dir.join("linked");
    copy_example("small", &linked);
    std::os::unix::fs::symlink(&elsewhere, linked.join("out")).unwrap();
    let out = cs().arg("assemble").arg(&linked).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("symbolic link"));
    assert_eq!(
        std::fs::read_dir(&elsewhere).unwrap().count(),
        0,
        "nothing written through it"
    );
    std::fs::remove_file(linked.join("out")).unwrap();
    std::fs::create_dir_all(linked.join("register")).unwrap();
    std::fs::write(elsewhere.join("other.jsonl"), "").unwrap();
    std::os::unix::fs::symlink(
        elsewhere.join("other.jsonl"),
        linked.join("register/register.jsonl"),
    )
    .unwrap();
    let out = cs().arg("assemble").arg(&linked).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        !linked.join("out/framework-v1.0.docx").exists(),
        "nothing written"
    );
    assert_eq!(std::fs::read(elsewhere.join("other.jsonl")).unwrap(), b"");
}

#[test]
fn assembly_checks_the_register_before_writing_anything() {
    let tmp = tempfile::tempdir().unwrap();
    let pack = tmp.path().join("pack");
    copy_example("small", &pack);
    // A register that cannot be appended to (here a folder where the file should be).
    std::fs::create_dir_all(pack.join("register/register.jsonl")).unwrap();
    let out = cs().arg("assemble").arg(&pack).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        !pack.join("out").exists() || std::fs::read_dir(pack.join("out")).unwrap().count() == 0,
        "no document is written when the register cannot record it"
    );
    // Documents an interrupted run wrote, but never recorded, are recorded by the next run.
    std::fs::remove_dir(pack.join("register/register.jsonl")).unwrap();
    cs().arg("assemble").arg(&pack).assert().success();
    std::fs::remove_file(pack.join("register/register.jsonl")).unwrap();
    cs().arg("assemble").arg(&pack).assert().success();
    let register = std::fs::read_to_string(pack.join("register/register.jsonl")).unwrap();
    assert_eq!(
        register.matches("document-assembled").count(),
        2,
        "{register}"
    );
}

#[test]
fn a_bundle_cannot_name_a_path_outside_itself() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let pack = dir.join("pack");
    copy_example("small", &pack);
    cs().arg("assemble").arg(&pack).assert().success();
    cs().arg("bundle")
        .arg(&pack)
        .arg("-o")
        .arg(dir.join("b.zip"))
        .assert()
        .success();
    // Rewrite the bundle with a manifest that lists /etc/passwd as a document.
    let work = dir.join("work");
    std::process::Command::new("unzip")
        .args(["-q"])
        .arg(dir.join("b.zip"))
        .arg("-d")
        .arg(&work)
        .status()
        .unwrap();
    let manifest_path = work.join("out/manifest.json");
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&manifest_path).unwrap()).unwrap();
    manifest["documents"][0]["file"] = "/etc/passwd".into();
    std::fs::write(&manifest_path, serde_json::to_vec(&manifest).unwrap()).unwrap();
    let files = walk(&work);
    let index = serde_json::json!({
        "format": "countersign/bundle/v1", "pack": "riverside-isf", "created_at": "2026-11-23T12:00:00Z",
        "files": files.iter().filter(|(n, _)| n != "bundle-index.json").map(|(n, b)| serde_json::json!({
            "path": n, "sha256": countersign::digest::sha256_hex(b), "size": b.len()
        })).collect::<Vec<_>>(),
    });
    std::fs::write(
        work.join("bundle-index.json"),
        serde_json::to_vec(&index).unwrap(),
    )
    .unwrap();
    let forged = dir.join("forged.zip");
    std::process::Command::new("bash")
        .arg("-c")
        .arg("cd \"$0\" && zip -q -r \"$1\" .")
        .arg(&work)
        .arg(&forged)
        .status()
        .unwrap();
    let out = cs().arg("verify").arg(&forged).output().unwrap();
    let text = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("not a plain .docx file name"), "{text}");
    assert!(!text.contains("root:"), "{text}");
}

fn walk(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut pending: Vec<PathBuf> = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                pending.push(p);
            } else {
                let name = p.strip_prefix(dir).unwrap().display().to_string();
                out.push((name, std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn a_manifest_with_text_where_a_digest_belongs_does_not_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let pack = tmp.path().join("pack");
    copy_example("small", &pack);
    cs().arg("assemble").arg(&pack).assert().success();
    let path = pack.join("out/manifest.json");
    let text = std::fs::read_to_string(&path).unwrap();
    let mut manifest: serde_json::Value = serde_json::from_str(&text).unwrap();
    manifest["documents"][0]["sha256"] = "ééééééééééééééééé".into();
    std::fs::write(&path, serde_json::to_vec(&manifest).unwrap()).unwrap();
    let out = cs()
        .args(["assemble", "--check"])
        .arg(&pack)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(matches!(out.status.code(), Some(1 | 2)), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn closed_pipes_and_full_disks_end_cleanly() {
    let bin = assert_cmd::cargo::cargo_bin("countersign");
    let out = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!(
            "'{}' schema | head -1; echo \"exit ${{PIPESTATUS[0]}}\"",
            bin.display()
        ))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("exit 0"), "{text}");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = std::process::Command::new(&bin)
        .arg("schema")
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot write the answer"));
}

#[test]
fn a_short_passphrase_is_refused_however_it_is_given() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("pass");
    std::fs::write(&file, "short\n").unwrap();
    let out = cs()
        .args(["keygen", "--org", "x", "--out"])
        .arg(tmp.path())
        .arg("--passphrase-file")
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("shorter than 8 characters"));
    assert!(!tmp.path().join("x.key").exists());
    let out = cs()
        .args(["keygen", "--org", "x", "--out"])
        .arg(tmp.path())
        .args(["--passphrase-env", "PW"])
        .env("PW", "1234567")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(!tmp.path().join("x.key").exists());
}

/// docs/SPEC.md Z1-Z7: a bundle that zip readers could unpack differently is refused by
/// `verify`, whichever way it differs; the same bundle re-zipped by Info-ZIP, as a stream (data
/// descriptors, what tools that cannot seek write), still verifies.
#[test]
fn a_bundle_two_zip_readers_would_unpack_differently_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let pack = dir.join("pack");
    copy_example("small", &pack);
    cs().arg("assemble").arg(&pack).assert().success();
    let bundle = dir.join("b.zip");
    cs().arg("bundle")
        .arg(&pack)
        .arg("-o")
        .arg(&bundle)
        .assert()
        .success();
    let doc = "out/framework-v1.0.docx";
    let genuine_doc = std::fs::read(pack.join(doc)).unwrap();
    let expected = [
        (
            "duplicate-entry",
            "the entry 'out/framework-v1.0.docx' appears twice",
        ),
        (
            "junk-before",
            "512 bytes stand before the zip's first entry",
        ),
        (
            "junk-after",
            "64 bytes follow the end of the zip's directory",
        ),
        (
            "wrong-size-field",
            "the entry 'bundle-index.json' is damaged (its local header says another size than the directory)",
        ),
    ];
    let hostile = support::hostile_zips(&std::fs::read(&bundle).unwrap(), doc);
    assert_eq!(hostile.len(), expected.len());
    for ((name, bytes), (named, words)) in hostile.iter().zip(expected) {
        assert_eq!(*name, named);
        let path = dir.join(format!("{name}.zip"));
        std::fs::write(&path, bytes).unwrap();
        if *name == "duplicate-entry" {
            // What a person unpacking the file gets first is the altered copy.
            let shown = std::process::Command::new("unzip")
                .arg("-p")
                .arg(&path)
                .arg(doc)
                .output()
                .unwrap();
            assert!(shown.stdout.len() >= genuine_doc.len());
            assert_ne!(shown.stdout[..genuine_doc.len()], genuine_doc[..]);
        }
        let out = cs().arg("verify").arg(&path).output().unwrap();
        let text = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {text}");
        assert!(
            text.contains(&format!("it is not a countersign bundle ({words})")),
            "{name}: {text}"
        );
        assert!(out.stdout.is_empty(), "{name}");
    }
    // Forgiving where people are: unpacked and zipped again as a stream, it still verifies.
    let work = dir.join("work");
    let unzip = std::process::Command::new("unzip")
        .arg("-q")
        .arg(&bundle)
        .arg("-d")
        .arg(&work)
        .status()
        .unwrap();
    assert!(unzip.success());
    let streamed = dir.join("streamed.zip");
    let zipped = std::process::Command::new("bash")
        .arg("-c")
        .arg("cd \"$0\" && zip -q -r -D - . | cat > \"$1\"")
        .arg(&work)
        .arg(&streamed)
        .status()
        .unwrap();
    assert!(zipped.success());
    let bytes = std::fs::read(&streamed).unwrap();
    let flags = u16::from_le_bytes([bytes[6], bytes[7]]);
    assert_ne!(flags & 8, 0, "Info-ZIP wrote data descriptors");
    cs().arg("verify").arg(&streamed).assert().success();
}

#[test]
fn kept_data_is_read_only_from_inside_the_pack() {
    // Issue 31, 1 and 2: `changes` and `bundle` read out/data/: a link there, a FIFO or a
    // folder that is a link is named and refused, never followed, opened or grown into memory.
    let tmp = tempfile::tempdir().unwrap();
    let pack = tmp.path().join("pack");
    copy_example("small", &pack);
    cs().arg("assemble").arg(&pack).assert().success();
    let kept = pack.join("out/data/framework-v1.0.json");
    let changes = || {
        cs().args(["changes"])
            .arg(&pack)
            .args(["--from", "1.0", "--to", "1.0"])
            .timeout(std::time::Duration::from_secs(20))
            .output()
            .unwrap()
    };
    let said = |out: &std::process::Output| String::from_utf8_lossy(&out.stderr).into_owned();
    // As assembled: the same version compared with itself, nothing changed.
    let out = changes();
    assert_eq!(out.status.code(), Some(0), "{}", said(&out));

    // A secret outside the pack, linked in place of the kept data.
    let secret = tmp.path().join("credentials.json");
    std::fs::write(&secret, std::fs::read(&kept).unwrap()).unwrap();
    let original = std::fs::read(&kept).unwrap();
    std::fs::remove_file(&kept).unwrap();
    std::os::unix::fs::symlink(&secret, &kept).unwrap();
    let out = changes();
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    assert!(said(&out).contains("framework-v1.0"), "{}", said(&out));
    assert!(said(&out).contains("symbolic link"), "{}", said(&out));

    // Issue 31, 1: `bundle` does not carry the linked file to every partner.
    let out = cs()
        .arg("bundle")
        .arg(&pack)
        .arg("-o")
        .arg(tmp.path().join("sent.zip"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    assert!(
        said(&out).contains("out/data/framework-v1.0.json"),
        "{}",
        said(&out)
    );
    assert!(said(&out).contains("symbolic link"), "{}", said(&out));
    assert!(
        !tmp.path().join("sent.zip").exists(),
        "no bundle was written"
    );

    // /dev/zero behind a link, and a FIFO: refused at once.
    std::fs::remove_file(&kept).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &kept).unwrap();
    let out = changes();
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    std::fs::remove_file(&kept).unwrap();
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&kept)
            .status()
            .unwrap()
            .success()
    );
    let out = changes();
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    assert!(said(&out).contains("not a regular file"), "{}", said(&out));
    std::fs::remove_file(&kept).unwrap();

    // The whole data folder a link to elsewhere.
    let elsewhere = tmp.path().join("elsewhere");
    std::fs::rename(pack.join("out/data"), &elsewhere).unwrap();
    std::fs::write(elsewhere.join("framework-v1.0.json"), &original).unwrap();
    std::os::unix::fs::symlink(&elsewhere, pack.join("out/data")).unwrap();
    let out = changes();
    assert_eq!(out.status.code(), Some(2), "{}", said(&out));
    assert!(said(&out).contains("symbolic link"), "{}", said(&out));
}

#[test]
fn a_secret_key_is_never_kept_as_a_scan_or_collected_as_a_signature() {
    // Issue 31, 4: a secret key given by mistake as a paper scan, or sent back as if it were a
    // signature, is refused and named as a secret key that must be treated as exposed.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    copy_example("small", &dir.join("pack"));
    let desk = support::Desk(dir);
    desk.ok(&["assemble", "pack"]);
    std::fs::create_dir_all(dir.join("private")).unwrap();
    desk.ok(&[
        "keygen",
        "--org",
        support::HOSPITAL,
        "--no-passphrase",
        "--out",
        "private",
    ]);
    let key = format!("private/{}.key", support::HOSPITAL);
    let mut paper = support::HOSPITAL_ON_PAPER.to_vec();
    let scan = paper.len() - 1;
    paper[scan] = &key;
    let (code, _, err) = desk.run(&paper);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("SECRET KEY"), "{err}");
    assert!(err.contains("exposed"), "{err}");
    assert!(!dir.join("pack/paper").exists(), "nothing kept");

    let (code, out, err) = desk.run(&["collect", "pack", &key]);
    assert_ne!(code, 0, "{out}{err}");
    let said = out + &err;
    assert!(said.contains("SECRET KEY"), "{said}");
    assert!(said.contains("revoke"), "{said}");
    let signatures = dir.join("pack/signatures");
    assert!(
        !signatures.exists() || std::fs::read_dir(&signatures).unwrap().count() == 0,
        "nothing filed"
    );
}

#[test]
fn small_claims_are_checked_where_they_enter() {
    // Issue 31, 8: a key file claiming to be made in 2099, a paper approval with no signatory,
    // and checklist annexes written over files or into the pack's own folders.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    copy_example("small", &dir.join("pack"));
    let desk = support::Desk(dir);
    desk.ok(&["assemble", "pack"]);
    std::fs::create_dir_all(dir.join("private")).unwrap();
    desk.ok(&[
        "keygen",
        "--org",
        support::COUNCIL,
        "--no-passphrase",
        "--out",
        "private",
    ]);
    let public = dir.join(format!("private/{}.pub", support::COUNCIL));
    let text = std::fs::read_to_string(&public).unwrap();
    let at = text.find("created=").unwrap() + "created=".len();
    let future = format!("{}2099{}", &text[..at], &text[at + 4..]);
    std::fs::write(&public, future).unwrap();
    let add = [
        "keys",
        "add",
        "private/riverside-council.pub",
        "--org",
        support::COUNCIL,
        "--signatory",
        "Margaret O'Brien",
        "--pack",
        "pack",
    ];
    let (code, _, err) = desk.run(&add);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("2099") && err.contains("later than now"),
        "{err}"
    );
    // A created= that is not a time is refused too, not silently ignored.
    let garbage = format!("{}garbage{}", &text[..at], &text[at + 20..]);
    std::fs::write(&public, &garbage).unwrap();
    let (code, _, err) = desk.run(&add);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("'garbage'") && err.contains("not a time"),
        "{err}"
    );
    let future = format!("{}2099{}", &text[..at], &text[at + 4..]);
    std::fs::write(&public, future).unwrap();
    // Given the time it counts from, the same key is added.
    let mut with_from = add.to_vec();
    with_from.extend(["--valid-from", "2026-11-01"]);
    desk.ok(&with_from);

    std::fs::write(dir.join("scan.pdf"), b"%PDF-1.4 signed sheet, scanned\n").unwrap();
    let mut unnamed = support::HOSPITAL_ON_PAPER.to_vec();
    let who = unnamed.iter().position(|a| *a == "--signatory").unwrap() + 1;
    unnamed[who] = "  ";
    let (code, _, err) = desk.run(&unnamed);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("signatory is empty"), "{err}");

    let annexes = ["validate", "pack", "--code-checklist", "--docx", "annexes"];
    desk.ok(&annexes);
    let (code, _, err) = desk.run(&annexes);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("already exists"), "{err}");
    let mut forced = annexes.to_vec();
    forced.push("--force");
    desk.ok(&forced);
    let (code, _, err) = desk.run(&["validate", "pack", "--code-checklist", "--docx", "pack/out"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("the pack's own"), "{err}");
}

#[test]
fn a_signature_of_another_pack_is_sent_back_not_its_key_added() {
    // Issue 30, 6: collecting a signature made for another pack used to advise adding the
    // signer's key to this keyring, which is the wrong advice.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let desk = support::Desk(dir);
    // Another partnership's pack, with its own id, signed there.
    copy_example("small", &dir.join("pack"));
    let framework = dir.join("pack/framework.json");
    let text = std::fs::read_to_string(&framework).unwrap();
    std::fs::write(
        &framework,
        text.replace("\"riverside-isf\"", "\"elsewhere-isf\""),
    )
    .unwrap();
    desk.ok(&["assemble", "pack"]);
    desk.add_seeded_key(support::COUNCIL, "Margaret O'Brien");
    desk.sign("framework-v1.0.docx", support::COUNCIL);
    let signed = dir.join("pack/signatures/framework-v1.0.riverside-council.dsse.json");
    let returned = dir.join("returned.dsse.json");
    std::fs::copy(&signed, &returned).unwrap();
    // This partnership's pack, which never held that key.
    std::fs::remove_dir_all(dir.join("pack")).unwrap();
    copy_example("small", &dir.join("pack"));
    desk.ok(&["assemble", "pack"]);
    let (code, out, err) = desk.run(&["collect", "pack", "returned.dsse.json"]);
    assert_ne!(code, 0, "{out}{err}");
    let said = out + &err;
    assert!(said.contains("'elsewhere-isf'"), "{said}");
    assert!(said.contains("do not add its key"), "{said}");
    assert!(!said.contains("keys add"), "{said}");
}

#[test]
fn a_keyring_saved_by_windows_a_backdated_sheet_and_a_key_given_twice() {
    // Issue 31, 8: a keyring with CRLF line ends and a blank line at its end is read (and
    // added to); a paper sheet dated before its document existed is refused; a trust file
    // that gives one key to two organisations trusts nothing.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let desk = support::assembled_small(dir);
    desk.add_seeded_key(support::COUNCIL, "Margaret O'Brien");
    desk.sign(support::FRAMEWORK, support::COUNCIL);
    let keyring = dir.join("pack/keys/keyring.json");
    let text = std::fs::read_to_string(&keyring).unwrap();
    std::fs::write(&keyring, text.replace('\n', "\r\n") + "\r\n").unwrap();
    let listed = desk.ok(&["keys", "list", "--pack", "pack"]);
    assert!(listed.contains("Margaret O'Brien"), "{listed}");
    desk.ok(&["verify", &format!("pack/out/{}", support::FRAMEWORK)]);
    // Added to as it stands: the new line follows the last change, and all of it reads.
    desk.add_seeded_key(support::HOSPITAL, "Dr Peter Walsh");
    desk.sign(support::FRAMEWORK, support::HOSPITAL);
    let said = desk.ok(&["verify", &format!("pack/out/{}", support::FRAMEWORK)]);
    assert!(said.contains("2 of 2 organisations"), "{said}");
    desk.ok(&["register", "verify", "pack"]);

    std::fs::write(dir.join("scan.pdf"), b"%PDF-1.4 signed sheet, scanned\n").unwrap();
    let mut early = support::HOSPITAL_ON_PAPER.to_vec();
    let on = early.iter().position(|a| *a == "--signed-on").unwrap() + 1;
    early[on] = "1999-01-04";
    let (code, _, err) = desk.run(&early);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("the date on the sheet (4 January 1999) is before framework-v1.0.docx was assembled (23 November 2026)"),
        "{err}"
    );

    let line = desk.ok(&[
        "keys",
        "fingerprint",
        &format!("private/{}.pub", support::COUNCIL),
        "--org",
        support::COUNCIL,
    ]);
    let twice = format!(
        "{line}{}",
        line.replacen(support::COUNCIL, support::HOSPITAL, 1)
    );
    std::fs::write(dir.join("twice.trust"), twice).unwrap();
    desk.ok(&["bundle", "pack", "-o", "b.zip"]);
    let (code, out, err) = desk.run(&["verify", "b.zip", "--trust", "twice.trust"]);
    assert_eq!(code, 2, "{out}{err}");
    assert!(
        err.contains("twice.trust:2: the key") && err.contains("a key belongs to one organisation"),
        "{err}"
    );
}

#[test]
fn a_key_that_is_no_curve_point_is_shown_as_unusable() {
    // Issue 31, 8: a keyring edited by hand to hold 32 bytes that are not an Ed25519 point
    // (its key id made to match) is listed as unusable, and nothing verifies with it.
    use base64::Engine as _;
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let desk = support::assembled_small(dir);
    let off_curve = (2u8..64)
        .map(|y| {
            let mut b = [0u8; 32];
            b[0] = y;
            b
        })
        .find(|b| countersign::approval::keys::PublicKey::from_bytes(b).is_err())
        .unwrap();
    let ssh = |bytes: &[u8]| [&(bytes.len() as u32).to_be_bytes()[..], bytes].concat();
    let line = format!(
        "ssh-ed25519 {}",
        base64::engine::general_purpose::STANDARD
            .encode([ssh(b"ssh-ed25519"), ssh(&off_curve)].concat())
    );
    let odd = countersign::approval::keys::PublicKey::parse_recorded(&line).unwrap();
    let mut keyring = countersign::approval::keyring::Keyring::default();
    let at = countersign::time::Timestamp::parse("2026-11-23T12:00:00Z").unwrap();
    keyring
        .add(&odd, support::COUNCIL, "Margaret O'Brien", &[], at, at)
        .unwrap();
    std::fs::create_dir_all(dir.join("pack/keys")).unwrap();
    std::fs::write(dir.join("pack/keys/keyring.json"), keyring.to_bytes()).unwrap();
    let listed = desk.ok(&["keys", "list", "--pack", "pack"]);
    assert!(
        listed.contains("NOT A USABLE KEY: it is not an Ed25519 public key"),
        "{listed}"
    );
}

/// Issue 31, item 5: a small bundle that inflates past the budget is refused having held no
/// more than the budget (docs/SPEC.md Z7, README "Limits"), measured with /usr/bin/time.
#[test]
fn a_bundle_that_inflates_past_the_budget_is_refused_within_it() {
    use std::io::Write as _;
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("bomb.zip");
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    writer.start_file("bundle-index.json", deflated).unwrap();
    writer.write_all(b"{}").unwrap();
    writer.start_file("out/zeros.docx", deflated).unwrap();
    let block = vec![0u8; 1 << 20];
    for _ in 0..300 {
        writer.write_all(&block).unwrap();
    }
    let bytes = writer.finish().unwrap().into_inner();
    assert!(bytes.len() < 2 << 20, "a bomb: {} bytes", bytes.len());
    std::fs::write(&path, &bytes).unwrap();
    let binary = assert_cmd::cargo::cargo_bin("countersign");
    let measured = std::path::Path::new("/usr/bin/time").exists();
    let out = if measured {
        std::process::Command::new("/usr/bin/time")
            .args(["-f", "peak-kb=%M"])
            .arg(&binary)
            .arg("verify")
            .arg(&path)
            .output()
            .unwrap()
    } else {
        std::process::Command::new(&binary)
            .arg("verify")
            .arg(&path)
            .output()
            .unwrap()
    };
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("it inflates to more than 256 MiB"), "{err}");
    if measured {
        let peak_kb: u64 = err
            .lines()
            .find_map(|l| l.strip_prefix("peak-kb="))
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        // The budget (256 MiB) and the program itself; never the 300 MiB the entry claims.
        assert!(peak_kb < 300 * 1024, "peak {peak_kb} kB: {err}");
    }
}
