//! The verification page (verify.html) against the command: a corpus of bundles (genuine,
//! outstanding, older version, on paper, revoked key, forged keyring, tampered document,
//! signature and register, malformed zip, a document checked beside its bundle) is verified by
//! `countersign verify --json` and by the page in Debian's Chromium, headless, loaded through its
//! file inputs as a person would; the two verdicts must be equal. The page also has to be
//! usable from the keyboard alone, say plainly when a browser cannot check Ed25519, and make no
//! network request.
//!
//! Needs node, tests/browser/node_modules (playwright-core) and /usr/bin/chromium, which
//! `scripts/install-test-deps.sh` installs. Set COUNTERSIGN_PAGE_CORPUS=DIR to keep the corpus
//! (scripts/bench-page.sh does), and COUNTERSIGN_PAGE_SCREENSHOTS=DIR to write the screenshots
//! committed under docs/.

mod support;

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use support::corpus::build_corpus;
use support::{COUNCIL, Desk, FRAMEWORK, HOSPITAL, root};

fn run(args: &[&str], dir: &Path) -> (i32, String, String) {
    Desk(dir).run(args)
}

fn ok(args: &[&str], dir: &Path) -> String {
    Desk(dir).ok(args)
}

/// What the command says for a case, in the page's form: its JSON, or {error, hint, exit}.
fn command_verdict(c: &Path, case: &Value) -> Value {
    let mut args = vec![
        "verify".to_string(),
        case["bundle"].as_str().unwrap().to_string(),
        "--json".to_string(),
    ];
    if let Some(t) = case["trust"].as_str() {
        args.extend(["--trust".to_string(), t.to_string()]);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let (code, out, err) = run(&args, c);
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out} {err}"));
    if v.get("error").is_some() {
        // A failure: the same words on standard output, as JSON, as on standard error.
        let message = err
            .strip_prefix("error: ")
            .and_then(|e| e.split_once("\nhint: "))
            .unwrap_or_else(|| panic!("{err}"));
        let mut said = json!({
            "format": "countersign/bundle-verify/v1",
            "error": message.0,
            "hint": message.1.trim_end(),
            "exit": code,
        });
        // The problem's code is the JSON's alone (standard error has the words).
        if let Some(problem) = v.get("code") {
            said["code"] = problem.clone();
        }
        assert_eq!(v, said, "{out}");
    } else {
        assert_eq!(code, if v["valid"] == true { 0 } else { 1 }, "{out}");
    }
    v
}

/// JSON texts, well formed and not, that the page's reader and the library's must read alike:
/// each refusal in the same words (docs/SPEC.md J7).
const JSON_TEXTS: &[&str] = &[
    "",
    " ",
    "{",
    "[",
    "{\"a\"",
    "{\"a\":",
    "{\"a\":1",
    "{\"a\":1,",
    "{\"a\":1,}",
    "[1,]",
    "[1",
    "[1,",
    "[1 2]",
    "{\"a\" 1}",
    "{\"a\":1 \"b\":2}",
    "{a:1}",
    "{\"a\":1}}",
    "[]]",
    "tru",
    "trux",
    "nul",
    "nulx",
    "fals",
    "-",
    "-x",
    "01",
    "1.",
    "1.x",
    "1e",
    "1e+",
    "1ex",
    "1e999",
    "-1e999",
    "1e-999",
    "\"abc",
    "\"a\\",
    "\"a\\q\"",
    "\"\\u12\"",
    "\"\\u12",
    "\"\\ud800\"",
    "\"\\ud800\\n\"",
    "\"\\udc00\"",
    "\"\\ud800\\udc00\"",
    "\"tab\there\"",
    "{\"a\":1,\"a\":2}",
    "{\"a\":{\"b\":1,\"b\":1}}",
    "[[[[[[[[[[1]]]]]]]]]]",
    "1 2",
    "{} x",
    "\u{feff}{}",
    "{\"\\u0061\":1,\"a\":2}",
    "9007199254740993",
    "-0",
    "0.5",
    "1E5",
    "[true,false,null]",
    "x",
];

/// The known-answer vectors of tests/vectors/ as the page is given them (each envelope and the
/// vectors' public key), and what the library says of each: the key and statement digest it
/// verified, or the code and words it failed with.
fn known_answer_vectors() -> (Vec<Value>, Value) {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let dir = root().join("tests/vectors");
    let seed = std::fs::read_to_string(dir.join("TEST-ONLY-secret-seed.hex")).unwrap();
    let seed: [u8; 32] = (0..32)
        .map(|i| u8::from_str_radix(&seed.trim()[2 * i..2 * i + 2], 16).unwrap())
        .collect::<Vec<_>>()
        .try_into()
        .unwrap();
    let key = countersign::approval::keys::SecretKey::from_seed(&seed).public();
    let key_id = key.key_id().to_string();
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".dsse.json"))
        .collect();
    names.sort();
    assert!(names.len() >= 8, "{names:?}");
    let mut given = Vec::new();
    let mut verdicts = serde_json::Map::new();
    for name in names {
        let bytes = std::fs::read(dir.join(&name)).unwrap();
        let verdict = match countersign::approval::signature::open(&bytes, |id| {
            (id == key_id).then_some(key)
        }) {
            Ok(v) => {
                json!({"key_id": v.key_id.to_string(), "statement_sha256": v.statement_sha256})
            }
            Err(e) => json!({"code": e.code(), "message": e.to_string()}),
        };
        verdicts.insert(name.clone(), verdict);
        given.push(json!({
            "name": name,
            "envelope": b64.encode(&bytes),
            "key": b64.encode(key.as_bytes()),
            "key_id": key_id,
        }));
    }
    (given, Value::Object(verdicts))
}

fn tool(path: &str) -> bool {
    Path::new(path).exists()
}

#[test]
fn the_page_gives_the_commands_verdict_on_every_bundle_of_the_corpus() {
    let node_modules = root().join("tests/browser/node_modules/playwright-core");
    assert!(
        tool("/usr/bin/chromium") && node_modules.is_dir(),
        "the page is tested in Debian's Chromium with playwright-core: run `bash scripts/install-test-deps.sh` (it installs both)"
    );
    let keep = std::env::var_os("COUNTERSIGN_PAGE_CORPUS").map(PathBuf::from);
    let tmp = tempfile::tempdir().unwrap();
    let c = keep.clone().unwrap_or_else(|| tmp.path().to_path_buf());
    if keep.is_some() {
        let _ = std::fs::remove_dir_all(&c);
    }
    std::fs::create_dir_all(&c).unwrap();
    let mut cases = build_corpus(&c);
    for case in &mut cases {
        if case["name"] == "genuine-trusted" {
            case["screenshot"] = "page-genuine.png".into();
        }
        if case["name"] == "tampered-signature" {
            case["screenshot"] = "page-tampered.png".into();
        }
        if [
            "genuine-trusted",
            "tampered-signature",
            "tampered-document",
            "altered-document",
        ]
        .contains(&case["name"].as_str().unwrap_or_default())
        {
            case["audit"] = true.into();
        }
    }
    // Bundles altered at random (tests/support/mutants.rs), from a fixed seed unless one is
    // given: COUNTERSIGN_MUTANT_SEED=N COUNTERSIGN_MUTANTS=COUNT try others.
    let seed = std::env::var("COUNTERSIGN_MUTANT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(29);
    let count = std::env::var("COUNTERSIGN_MUTANTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(80);
    let mutants = support::mutants::mutants(&c, &c.join("genuine.zip"), seed, count);
    cases.extend(mutants.iter().cloned());
    // The conformance suite (tests/conformance/), each case by its committed name.
    let suite: Value = serde_json::from_slice(
        &std::fs::read(root().join("tests/conformance/cases.json")).unwrap(),
    )
    .unwrap();
    let suite_cases = suite["cases"].as_array().unwrap().clone();
    let suite_files = root().join("tests/conformance/files");
    std::fs::create_dir_all(c.join("conformance")).unwrap();
    for case in &suite_cases {
        let name = case["name"].as_str().unwrap();
        let file = case["bundle"].as_str().unwrap();
        std::fs::create_dir_all(c.join("conformance").join(name)).unwrap();
        let bundle = format!("conformance/{name}/{file}");
        std::fs::write(
            c.join(&bundle),
            support::corpus::conformance_bundle(&suite_files, case),
        )
        .unwrap();
        let mut given = json!({"name": format!("conformance/{name}"), "bundle": bundle});
        if let Some(t) = case["trust"].as_str() {
            std::fs::copy(
                suite_files.join(t),
                c.join("conformance").join(name).join(t),
            )
            .unwrap();
            given["trust"] = format!("conformance/{name}/{t}").into();
        }
        cases.push(given);
    }
    let (vectors, vector_verdicts) = known_answer_vectors();
    std::fs::write(
        c.join("cases.json"),
        serde_json::to_vec_pretty(
            &json!({"cases": cases, "keyboard_case": "genuine", "vectors": vectors, "json_texts": JSON_TEXTS}),
        )
        .unwrap(),
    )
    .unwrap();
    ok(&["page", "-o", "verify.html"], &c);
    // Every bundle carries the same page, listed in its index like any other file.
    let page_bytes = std::fs::read(c.join("verify.html")).unwrap();
    let (index, files) =
        countersign::pack::bundle::open(&std::fs::read(c.join("genuine.zip")).unwrap()).unwrap();
    assert!(index.files.iter().any(|f| f.path == "verify.html"));
    assert!(
        files
            .iter()
            .any(|(p, b)| p == "verify.html" && *b == page_bytes),
        "the bundle's verify.html is not the page `countersign page` writes"
    );
    // The page is never written over a file by accident.
    let (code, _, err) = run(&["page", "-o", "verify.html"], &c);
    assert_eq!(code, 2);
    assert!(err.contains("already exists; nothing was written"), "{err}");

    let mut node = std::process::Command::new("node");
    node.arg(root().join("tests/browser/check.mjs"))
        .arg(c.join("verify.html"))
        .arg(c.join("cases.json"))
        .arg(c.join("page-results.json"));
    if let Some(dir) = std::env::var_os("COUNTERSIGN_PAGE_SCREENSHOTS") {
        node.arg("--screenshots").arg(dir);
    }
    let out = node.output().expect("node runs");
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let page: Value =
        serde_json::from_slice(&std::fs::read(c.join("page-results.json")).unwrap()).unwrap();

    assert_eq!(page["ready"], "yes", "this Chromium checks Ed25519");
    assert_eq!(
        page["requests"],
        json!([]),
        "the page made network requests"
    );

    // The known-answer vectors: the page opens each envelope as the library does, and fails
    // each damaged one with the library's code and words.
    assert_eq!(
        page["vectors"], vector_verdicts,
        "the page opens the known-answer vectors otherwise than the library"
    );

    // The page's JSON reader refuses what the library's refuses, in the same words (J7).
    let mut read_otherwise = Vec::new();
    for (i, text) in JSON_TEXTS.iter().enumerate() {
        let library = countersign::json::from_slice::<Value>(text.as_bytes())
            .map_err(|e| countersign::json::reason(&e));
        let page_read = &page["json_texts"][i];
        let same = match &library {
            Ok(_) => page_read.get("ok").is_some(),
            Err(words) => page_read["error"] == *words,
        };
        if !same {
            read_otherwise.push(format!("{text:?}: library {library:?}, page {page_read}"));
        }
    }
    assert!(
        read_otherwise.is_empty(),
        "the page reads JSON otherwise than the library:\n{}",
        read_otherwise.join("\n")
    );

    // Each case of the conformance suite: the page gives the committed verdict, exactly.
    let mut differ = Vec::new();
    for case in &suite_cases {
        let name = format!("conformance/{}", case["name"].as_str().unwrap());
        let got = page["cases"][&name]["json"].clone();
        let expected = case["verdict"].clone();
        if got != expected {
            differ.push(format!(
                "{name}\npage:  {}\nsuite: {}",
                serde_json::to_string(&got).unwrap(),
                serde_json::to_string(&expected).unwrap()
            ));
        }
    }
    assert!(
        differ.is_empty(),
        "the page does not give the conformance suite's verdict on {} case(s):\n{}",
        differ.len(),
        differ.join("\n")
    );

    // On every mutant the page and the command agree, and neither says VALID unless the change
    // is one no rule forbids (a byte order mark, CRLF, a byte of the zip no rule reads, an
    // optional field left out) or one the verdict itself flags (keys not confirmed).
    let mut disagree = Vec::new();
    let mut valid = Vec::new();
    for case in &mutants {
        let name = case["name"].as_str().unwrap();
        let what = case["mutation"].as_str().unwrap();
        let expected = command_verdict(&c, case);
        let got = &page["cases"][name]["json"];
        if *got != expected {
            disagree.push(format!(
                "{name} ({what})\npage:    {}\ncommand: {}",
                serde_json::to_string(got).unwrap(),
                serde_json::to_string(&expected).unwrap()
            ));
        }
        // A keyring's last change has nothing after it to chain it: without a trust anchor an
        // edit there is found only by confirming the keys, which the verdict says it did not.
        let unanchored_keyring =
            what.starts_with("keys/keyring.json") && expected["keys_confirmed"] == false;
        if expected["valid"] == true && !unanchored_keyring {
            valid.push(what.to_string());
        }
    }
    assert!(
        disagree.is_empty(),
        "the page and the command disagree on {} of {} mutants (seed {seed}):\n{}",
        disagree.len(),
        mutants.len(),
        disagree.join("\n")
    );
    let harmless = |what: &str| {
        what.ends_with(": a byte order mark")
            && !what.starts_with("keys/")
            && !what.starts_with("register/register")
            || what.ends_with(": CRLF")
                && !what.starts_with("keys/")
                && !what.starts_with("register/register")
            || what.starts_with("byte ")
            || what.ends_with("/current")
            || what.ends_with("/note")
            // Read by no rule and shown by neither verifier: the manifest's record of the
            // pack's version and of each document's template.
            || what.starts_with("out/manifest.json: /pack_version")
            || (what.starts_with("out/manifest.json: documents/") && what.contains("/template"))
    };
    let false_valid: Vec<&String> = valid.iter().filter(|w| !harmless(w)).collect();
    assert!(
        false_valid.is_empty(),
        "VALID for mutants a rule forbids (seed {seed}): {false_valid:?}"
    );
    eprintln!(
        "mutants: {} (seed {seed}), page and command agree on all; VALID for {}: {valid:?}",
        mutants.len(),
        valid.len()
    );

    // The page's verdict is the command's, case by case.
    let mut commands = serde_json::Map::new();
    for case in cases.iter().filter(|c| {
        let name = c["name"].as_str().unwrap();
        !name.starts_with("conformance/") && !name.starts_with("mutant-")
    }) {
        let name = case["name"].as_str().unwrap();
        let expected = command_verdict(&c, case);
        let mut got = page["cases"][name]["json"].clone();
        assert!(got.is_object(), "{name}: {page}");
        if let Some(obj) = got.as_object_mut() {
            obj.remove("your_document");
        }
        assert_eq!(
            got,
            expected,
            "{name}: the page and `countersign verify --json` disagree\npage: {}\ncommand: {}",
            serde_json::to_string_pretty(&got).unwrap(),
            serde_json::to_string_pretty(&expected).unwrap()
        );
        commands.insert(name.to_string(), expected);
    }

    // And the verdicts are the right ones (so that two equal wrong answers cannot pass).
    let doc = |name: &str, file: &str| {
        commands[name]["documents"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["file"] == file)
            .cloned()
            .unwrap_or_else(|| panic!("{name}: no {file}"))
    };
    let status = |name: &str, file: &str, org: &str| {
        doc(name, file)["parties"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["organisation"] == org)
            .map(|p| p["status"].clone())
            .unwrap()
    };
    assert_eq!(commands["genuine"]["valid"], true);
    assert_eq!(
        commands["genuine"]["page"],
        json!({"status": "genuine", "written_by": countersign::verify::page::written_by()})
    );
    // docs/SPEC.md Z1-Z7: a zip two readers could unpack differently is refused (exit 2).
    for (name, words) in [
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
            "its local header says another size than the directory",
        ),
    ] {
        assert_eq!(commands[name]["exit"], 2, "{name}: {}", commands[name]);
        assert!(
            commands[name]["error"].as_str().unwrap().contains(words),
            "{name}: {}",
            commands[name]
        );
    }
    // J1-J3: a field named twice fails whichever copy a reader would keep; a BOM is nothing.
    assert_eq!(status("payload-twice", FRAMEWORK, COUNCIL), "failed");
    assert_eq!(
        doc("payload-twice", FRAMEWORK)["parties"][0]["code"],
        "signature-malformed"
    );
    assert_eq!(
        doc("kept-data-changed", FRAMEWORK)["other_problems"][0]["code"],
        "kept-data-mismatch"
    );
    assert_eq!(
        doc("tampered-signature", FRAMEWORK)["parties"][0]["code"],
        "signature-invalid"
    );
    assert!(
        doc("payload-twice", FRAMEWORK)["parties"][0]["reason"]
            .as_str()
            .unwrap()
            .starts_with("the signature file is malformed ("),
        "{}",
        commands["payload-twice"]
    );
    for (name, code, words) in [
        (
            "manifest-digest-twice",
            "bundle-malformed",
            "its manifest is malformed (",
        ),
        (
            "size-with-fraction",
            "bundle-malformed",
            "its manifest is malformed (",
        ),
        (
            "organisations-bom",
            "data-not-as-assembled",
            "organisations.json is not the file the current documents were assembled from",
        ),
        (
            "data-not-as-assembled",
            "data-not-as-assembled",
            "organisations.json is not the file the current documents were assembled from",
        ),
    ] {
        assert_eq!(commands[name]["exit"], 1, "{name}: {}", commands[name]);
        assert_eq!(commands[name]["code"], code, "{name}");
        assert!(
            commands[name]["error"].as_str().unwrap().contains(words),
            "{name}: {}",
            commands[name]
        );
    }
    for name in [
        "manifest-bom",
        "unexplained-file",
        "page-replaced",
        "page-removed",
    ] {
        assert_eq!(commands[name]["valid"], true, "{name}");
    }
    assert_eq!(commands["genuine-trusted-notepad"]["keys_confirmed"], true);
    assert_eq!(
        commands["genuine-trusted-notepad"]["documents"],
        commands["genuine-trusted"]["documents"]
    );
    // D1, B4, P1: what a bundle carries beyond documents and signatures is accounted for.
    assert_eq!(commands["kept-data-changed"]["valid"], false);
    assert_eq!(
        doc("kept-data-changed", FRAMEWORK)["other_problems"][0]["signature_file"],
        "out/data/framework-v1.0.json"
    );
    assert_eq!(
        commands["page-replaced"]["page"],
        json!({"status": "altered"})
    );
    assert_eq!(
        commands["page-removed"]["page"],
        json!({"status": "missing"})
    );
    assert_eq!(
        commands["unexplained-file"]["unexplained_files"],
        json!(["notes/readme.txt", "signatures/framework-v1.0.note.txt"])
    );
    assert_eq!(status("genuine", FRAMEWORK, COUNCIL), "signed");
    assert_eq!(status("genuine", FRAMEWORK, HOSPITAL), "signed");
    assert_eq!(status("outstanding", FRAMEWORK, HOSPITAL), "outstanding");
    assert_eq!(commands["genuine-trusted"]["keys_confirmed"], true);
    assert_eq!(
        commands["genuine-after-earlier-bundle"]["trust"],
        "earlier-keyring"
    );
    assert_eq!(
        commands["genuine-after-earlier-bundle"]["keys_confirmed"],
        true
    );
    assert_eq!(commands["tampered-document"]["exit"], 1);
    assert!(
        commands["tampered-document"]["error"]
            .as_str()
            .unwrap()
            .contains("out/framework-v1.0.docx was altered: its SHA-256 differs from the index"),
        "{}",
        commands["tampered-document"]
    );
    assert_eq!(
        doc("tampered-document-reindexed", FRAMEWORK)["document"],
        "differs-from-manifest"
    );
    assert_eq!(commands["tampered-document-reindexed"]["valid"], false);
    for name in ["tampered-signature", "malleated-signature"] {
        assert_eq!(status(name, FRAMEWORK, COUNCIL), "failed", "{name}");
        assert_eq!(status(name, FRAMEWORK, HOSPITAL), "signed", "{name}");
    }
    assert!(
        commands["rewritten-register"]["error"]
            .as_str()
            .unwrap()
            .contains("its register cannot be trusted: record 3 does not follow from record 2"),
        "{}",
        commands["rewritten-register"]
    );
    assert_eq!(commands["first-format-keyring"]["valid"], true);
    assert_eq!(status("first-format-keyring", FRAMEWORK, COUNCIL), "signed");
    assert_eq!(
        commands["genuine-after-kept-first-format-keyring"]["trust"],
        "earlier-keyring"
    );
    assert_eq!(
        commands["genuine-after-kept-first-format-keyring"]["keys_confirmed"],
        true
    );
    assert!(
        commands["torn-keyring"]["error"]
            .as_str()
            .unwrap()
            .contains("(line 3) is incomplete"),
        "{}",
        commands["torn-keyring"]
    );
    assert_eq!(commands["malformed-zip"]["exit"], 2);
    assert_eq!(
        commands["checkpointed"]["register"]["checkpoints"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "{}",
        commands["checkpointed"]
    );
    assert!(
        commands["rechained-register"]["error"]
            .as_str()
            .unwrap()
            .contains("records are not the ones it vouched for: the register was rewritten"),
        "{}",
        commands["rechained-register"]
    );
    assert!(
        commands["prototype-register"]["error"]
            .as_str()
            .unwrap()
            .contains("record 1 (line 1) is not a valid register record ("),
        "{}",
        commands["prototype-register"]
    );
    assert!(
        commands["added-file"]["error"].as_str().unwrap().contains(
            "signatures/framework-v1.0.riverside-extra.dsse.json was added: it is not in the index"
        ),
        "{}",
        commands["added-file"]
    );
    assert!(
        commands["climbing-name"]["error"]
            .as_str()
            .unwrap()
            .contains("the entry '../outside.txt' has a name that is not allowed"),
        "{}",
        commands["climbing-name"]
    );
    assert_eq!(status("revoked-key", FRAMEWORK, COUNCIL), "failed");
    assert_eq!(
        status("older-version", "framework-v1.1.docx", HOSPITAL),
        "older-version"
    );
    assert_eq!(
        status("older-version", "framework-v1.1.docx", COUNCIL),
        "signed"
    );
    assert_eq!(
        status("signed-on-paper", FRAMEWORK, HOSPITAL),
        "signed-on-paper"
    );
    assert_eq!(status("forged-keyring", FRAMEWORK, COUNCIL), "failed");
    assert_eq!(
        doc("forged-keyring", FRAMEWORK)["parties"][0]["key_confirmation"]["result"],
        "not-the-trusted-key"
    );
    assert_eq!(commands["forged-keyring-untrusted"]["valid"], true);
    assert_eq!(
        commands["forged-keyring-untrusted"]["keys_confirmed"],
        false
    );
    let full = &commands["full-signed"];
    assert_eq!(full["valid"], true);
    assert_eq!(full["outstanding"], json!([]));
    let signatures: usize = full["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["parties"].as_array().unwrap().len())
        .sum();
    assert_eq!(signatures, 64);

    // A document checked beside its bundle: the one-line answer, and the same report.
    let with_doc = &page["cases"]["genuine-with-document"];
    assert!(
        with_doc["answer"]
            .as_str()
            .unwrap()
            .contains("Yes: framework-v1.0.docx is exactly version 1.0 of"),
        "{with_doc}"
    );
    let mut yours = with_doc["json"]["your_document"].clone();
    let obj = yours.as_object_mut().unwrap();
    obj.remove("title");
    obj.remove("current");
    assert_eq!(yours, commands["genuine"]["documents"][0]);
    let altered = &page["cases"]["altered-document"];
    assert!(
        altered["answer"]
            .as_str()
            .unwrap()
            .starts_with("✗ No: framework-v1.0.docx is NOT the signed version."),
        "{altered}"
    );
    // The command says the same of the altered copy, checked against the coordinator's pack.
    let (code, out, _) = run(
        &[
            "verify",
            &format!("altered/{FRAMEWORK}"),
            "--pack",
            "coordinator/pack",
            "--json",
        ],
        &c,
    );
    assert_eq!(code, 1);
    let command: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(command["document"], "differs-from-manifest");
    assert_eq!(
        altered["json"]["your_document"]["document"],
        "differs-from-manifest"
    );
    assert_eq!(
        altered["json"]["your_document"]["parties"],
        command["parties"]
    );

    // Keyboard only: Tab to the bundle box, Space opens it, Tab to Check, Enter; the result
    // takes the focus so a screen reader reads it.
    let keyboard = &page["keyboard"];
    assert_eq!(
        keyboard["steps"],
        json!(["bundle", "check-button"]),
        "{keyboard}"
    );
    assert_eq!(keyboard["focus_after"], "result-heading", "{keyboard}");
    assert!(
        keyboard["verdict"]
            .as_str()
            .unwrap()
            .contains("VALID, KEYS NOT CONFIRMED: every document and signature verifies"),
        "{keyboard}"
    );

    // Printed, the result stands alone.
    assert_eq!(
        page["print"],
        json!({"form_visible": false, "verdict_visible": true, "table_visible": true})
    );
    // A bundle dropped on the page is taken as the bundle and checked.
    let drop = &page["drop"];
    assert_eq!(
        drop["dropped"],
        "Added: genuine.zip. Press “Check” when ready."
    );
    assert!(
        drop["verdict"].as_str().unwrap().contains("VALID"),
        "{drop}"
    );
    // WCAG 2.2 A and AA as axe-core checks automatically: the empty page, four results (valid
    // with trust, a failing signature, a tampered bundle, an altered document) and the notice.
    let audits = page["audits"].as_object().unwrap();
    assert_eq!(audits.len(), 6, "{audits:?}");
    for (name, audit) in audits {
        assert_eq!(audit["violations"], json!([]), "{name}: {audit}");
        assert!(audit["passes"].as_u64().unwrap() > 10, "{name}: {audit}");
    }

    // Without Ed25519 in WebCrypto, the page says so and checks nothing.
    let unsupported = &page["unsupported"];
    assert_eq!(unsupported["ready"], "unsupported");
    assert_eq!(unsupported["notice"], true);
    assert_eq!(unsupported["button_disabled"], true);
    assert!(
        unsupported["notice_text"]
            .as_str()
            .unwrap()
            .contains("This browser cannot check the signatures."),
        "{unsupported}"
    );
}
