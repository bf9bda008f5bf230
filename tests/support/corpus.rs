//! The shared corpus of bundles: made with the command as a coordinator, signatories and a
//! forger would, then altered by hand as docs/SPEC.md's rules foresee. tests/page.rs runs it
//! through the page; tests/conformance.rs writes it, with the library's verdicts, into
//! tests/conformance/.

use std::path::{Path, PathBuf};

use super::{COUNCIL, Desk, FRAMEWORK, HOSPITAL, copy_example};
use serde_json::{Value, json};

fn run(args: &[&str], dir: &Path) -> (i32, String, String) {
    Desk(dir).run(args)
}

fn ok(args: &[&str], dir: &Path) -> String {
    Desk(dir).ok(args)
}

/// A coordinator's folder `dir/name` holding the small example, assembled, with a key for each
/// organisation in `dir/name/private`.
fn small_pack(dir: &Path, name: &str) -> PathBuf {
    let home = dir.join(name);
    copy_example("small", &home.join("pack"));
    let desk = Desk(&home);
    desk.ok(&["assemble", "pack"]);
    desk.add_seeded_key(COUNCIL, "Margaret O'Brien");
    desk.add_seeded_key(HOSPITAL, "Dr Peter Walsh");
    home
}

fn sign(home: &Path, file: &str, org: &str) {
    Desk(home).sign(file, org);
}

fn bundle(home: &Path, to: &Path) {
    ok(&["bundle", "pack", "-o", to.to_str().unwrap()], home);
}

/// A copy of a bundle with its files edited and its index made again to match (what someone
/// who edits a bundle and knows the format would do).
pub fn reindexed(from: &Path, to: &Path, edit: impl FnOnce(&mut Vec<(String, Vec<u8>)>)) {
    let (index, mut files) =
        countersign::pack::bundle::open(&std::fs::read(from).unwrap()).unwrap();
    edit(&mut files);
    let at = countersign::time::Timestamp::parse_exact(&index.created_at).unwrap();
    std::fs::write(
        to,
        countersign::pack::bundle::build(&index.pack, at, &files).unwrap(),
    )
    .unwrap();
}

/// A copy of a bundle with one file's bytes changed and the index left as it was.
fn tampered(from: &Path, to: &Path, path: &str, change: impl FnOnce(&mut Vec<u8>)) {
    use std::io::{Read, Write};
    let mut archive =
        zip::ZipArchive::new(std::io::Cursor::new(std::fs::read(from).unwrap())).unwrap();
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let mut change = Some(change);
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        if name == path {
            (change.take().unwrap())(&mut bytes);
        }
        writer
            .start_file(name.as_str(), super::fixed_zip_options())
            .unwrap();
        writer.write_all(&bytes).unwrap();
    }
    assert!(change.is_none(), "{path} is not in the bundle");
    std::fs::write(to, writer.finish().unwrap().into_inner()).unwrap();
}

/// Runs countersign in `home` at [`super::NOW`] plus `seconds`: a computer whose clock is
/// ahead (or behind).
fn at_time(home: &Path, seconds: i64, args: &[&str]) {
    let time = (super::NOW.parse::<i64>().unwrap() + seconds).to_string();
    super::cs()
        .env("SOURCE_DATE_EPOCH", time)
        .current_dir(home)
        .args(args)
        .assert()
        .success();
}

/// The key id of `org`'s key in the desk's `private/` folder.
fn key_id_of(home: &Path, org: &str) -> String {
    let line = ok(
        &[
            "keys",
            "fingerprint",
            &format!("private/{org}.pub"),
            "--org",
            org,
        ],
        home,
    );
    line.split_whitespace().nth(1).unwrap().to_string()
}

/// A signature of the framework by `org`'s key, made with the library and dated `at`, never
/// collected: what someone holding the key can make on their own.
fn signed_elsewhere(home: &Path, org: &str, signatory: &str, role: &str, at: &str) -> Vec<u8> {
    let pack = home.join("pack");
    let data = countersign::document::validate::load_pack(&pack).unwrap();
    let manifest =
        countersign::document::assemble::read_manifest(&pack.join("out/manifest.json")).unwrap();
    let keyring = countersign::approval::keyring::Keyring::from_bytes(
        &std::fs::read(pack.join("keys/keyring.json")).unwrap(),
    )
    .unwrap();
    let key = countersign::approval::keys::SecretKey::from_pem(
        &std::fs::read_to_string(home.join(format!("private/{org}.key"))).unwrap(),
        None,
    )
    .unwrap();
    // Dated before the revocation took effect, so the library signs it as the signer would.
    let bytes = std::fs::read(pack.join("out").join(FRAMEWORK)).unwrap();
    let request = countersign::approval::sign::SignRequest {
        file: FRAMEWORK,
        bytes: &bytes,
        organisation: org,
        signatory,
        role,
        at: countersign::time::Timestamp::parse(at).unwrap(),
    };
    let (_, envelope) =
        countersign::approval::sign::sign_document(&request, &manifest, &data, &keyring, &key)
            .unwrap();
    countersign::approval::signature::envelope_bytes(&envelope)
}

fn file_of<'a>(files: &'a mut [(String, Vec<u8>)], path: &str) -> &'a mut Vec<u8> {
    &mut files.iter_mut().find(|(p, _)| p == path).unwrap().1
}

/// Builds the corpus in `c` and returns its cases: {name, bundle, document?, trust?}.
pub fn build_corpus(c: &Path) -> Vec<Value> {
    let mut cases = Vec::new();
    let mut case = |name: &str, bundle: &str, document: Option<&str>, trust: Option<&str>| {
        let mut v = json!({"name": name, "bundle": bundle});
        if let Some(d) = document {
            v["document"] = d.into();
        }
        if let Some(t) = trust {
            v["trust"] = t.into();
        }
        cases.push(v);
    };

    // The coordinator's pack: the council signs first (the hospital is outstanding), then both.
    let small = small_pack(c, "coordinator");
    sign(&small, FRAMEWORK, COUNCIL);
    bundle(&small, &c.join("outstanding.zip"));
    sign(&small, FRAMEWORK, HOSPITAL);
    bundle(&small, &c.join("genuine.zip"));
    case("outstanding", "outstanding.zip", None, None);
    case("genuine", "genuine.zip", None, None);
    // Each organisation's published fingerprint, kept by the verifier in one file.
    let mut trust = String::from("# fingerprints the organisations published\n");
    for org in [COUNCIL, HOSPITAL] {
        trust.push_str(&ok(
            &[
                "keys",
                "fingerprint",
                &format!("private/{org}.pub"),
                "--org",
                org,
            ],
            &small,
        ));
    }
    std::fs::write(c.join("published.trust"), trust).unwrap();
    case(
        "genuine-trusted",
        "genuine.zip",
        None,
        Some("published.trust"),
    );
    case(
        "genuine-after-earlier-bundle",
        "genuine.zip",
        None,
        Some("outstanding.zip"),
    );
    std::fs::copy(small.join("pack/out").join(FRAMEWORK), c.join(FRAMEWORK)).unwrap();
    case(
        "genuine-with-document",
        "genuine.zip",
        Some(FRAMEWORK),
        None,
    );
    std::fs::create_dir_all(c.join("altered")).unwrap();
    let mut docx = std::fs::read(c.join(FRAMEWORK)).unwrap();
    let last = docx.len() - 30;
    docx[last] ^= 0x20;
    std::fs::write(c.join("altered").join(FRAMEWORK), docx).unwrap();
    case(
        "altered-document",
        "genuine.zip",
        Some(&format!("altered/{FRAMEWORK}")),
        None,
    );

    // Tampering: a document changed inside the bundle, with and without a new index; a
    // signed statement edited; a signature malleated (S + L); a register record edited.
    let genuine = c.join("genuine.zip");
    let doc_path = format!("out/{FRAMEWORK}");
    tampered(&genuine, &c.join("tampered-document.zip"), &doc_path, |b| {
        b.push(0)
    });
    case("tampered-document", "tampered-document.zip", None, None);
    reindexed(
        &genuine,
        &c.join("tampered-document-reindexed.zip"),
        |files| file_of(files, &doc_path).push(0),
    );
    case(
        "tampered-document-reindexed",
        "tampered-document-reindexed.zip",
        None,
        None,
    );
    let council_sig = format!("signatures/framework-v1.0.{COUNCIL}.dsse.json");
    reindexed(&genuine, &c.join("tampered-signature.zip"), |files| {
        let bytes = file_of(files, &council_sig);
        let mut envelope: Value = serde_json::from_slice(bytes).unwrap();
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD;
        let payload = String::from_utf8(b64.decode(envelope["payload"].as_str().unwrap()).unwrap())
            .unwrap()
            .replace("Margaret O'Brien", "Someone Else");
        envelope["payload"] = b64.encode(payload).into();
        *bytes = serde_json::to_vec_pretty(&envelope).unwrap();
    });
    case("tampered-signature", "tampered-signature.zip", None, None);
    reindexed(&genuine, &c.join("malleated-signature.zip"), |files| {
        let bytes = file_of(files, &council_sig);
        let mut envelope: Value = serde_json::from_slice(bytes).unwrap();
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD;
        let mut sig = b64
            .decode(envelope["signatures"][0]["sig"].as_str().unwrap())
            .unwrap();
        super::add_group_order(&mut sig[32..]);
        envelope["signatures"][0]["sig"] = b64.encode(sig).into();
        *bytes = serde_json::to_vec_pretty(&envelope).unwrap();
    });
    case("malleated-signature", "malleated-signature.zip", None, None);
    reindexed(&genuine, &c.join("rewritten-register.zip"), |files| {
        let bytes = file_of(files, "register/register.jsonl");
        let text = String::from_utf8(bytes.clone()).unwrap();
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        lines[1] = lines[1].replacen("2026-11-23T12:00:00Z", "2026-11-22T12:00:00Z", 1);
        *bytes = (lines.join("\n") + "\n").into_bytes();
    });
    case("rewritten-register", "rewritten-register.zip", None, None);
    // The keyring in the first format (one JSON document), as a pack made before the current
    // one holds it; the same file kept by a verifier as the keyring they trust; and a keyring
    // whose last line was cut short.
    let first_format = |bytes: &[u8]| {
        let text = String::from_utf8(bytes.to_vec()).unwrap();
        let changes: Vec<Value> = text
            .lines()
            .skip(1)
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        serde_json::to_vec_pretty(&json!({"format": "countersign/keyring/v1", "events": changes}))
            .unwrap()
    };
    reindexed(&genuine, &c.join("first-format-keyring.zip"), |files| {
        let bytes = file_of(files, "keys/keyring.json");
        *bytes = first_format(bytes);
    });
    case(
        "first-format-keyring",
        "first-format-keyring.zip",
        None,
        None,
    );
    let kept = first_format(&std::fs::read(small.join("pack/keys/keyring.json")).unwrap());
    std::fs::write(c.join("kept-keyring.json"), kept).unwrap();
    case(
        "genuine-after-kept-first-format-keyring",
        "genuine.zip",
        None,
        Some("kept-keyring.json"),
    );
    reindexed(&genuine, &c.join("torn-keyring.zip"), |files| {
        let bytes = file_of(files, "keys/keyring.json");
        bytes.truncate(bytes.len() - 12);
    });
    case("torn-keyring", "torn-keyring.zip", None, None);
    // A record with a field named as a method every JavaScript object has: still a field no
    // record has.
    reindexed(&genuine, &c.join("prototype-register.zip"), |files| {
        let bytes = file_of(files, "register/register.jsonl");
        let text = String::from_utf8(bytes.clone()).unwrap();
        assert!(text.contains("\"event\":{\"type\":"));
        *bytes = text
            .replacen(
                "\"event\":{\"type\":",
                "\"event\":{\"toString\":1,\"type\":",
                1,
            )
            .into_bytes();
    });
    case("prototype-register", "prototype-register.zip", None, None);
    // The hospital vouches for the register with a signed checkpoint; then someone rewrites a
    // record and makes the chain whole again, which only the checkpoint can show.
    ok(
        &[
            "register",
            "checkpoint",
            "--pack",
            "pack",
            "--key",
            &format!("private/{HOSPITAL}.key"),
        ],
        &small,
    );
    bundle(&small, &c.join("checkpointed.zip"));
    case("checkpointed", "checkpointed.zip", None, None);
    reindexed(
        &c.join("checkpointed.zip"),
        &c.join("rechained-register.zip"),
        |files| {
            let bytes = file_of(files, "register/register.jsonl");
            let text = String::from_utf8(bytes.clone()).unwrap();
            let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
            lines[1] = lines[1].replacen("2026-11-23T12:00:00Z", "2026-11-22T12:00:00Z", 1);
            for i in 2..lines.len() {
                let prev = countersign::digest::sha256_hex(lines[i - 1].as_bytes());
                let at = lines[i].find("\"prev\":\"").unwrap() + 8;
                lines[i].replace_range(at..at + 64, &prev);
            }
            *bytes = (lines.join("\n") + "\n").into_bytes();
        },
    );
    case("rechained-register", "rechained-register.zip", None, None);
    let zip = std::fs::read(&genuine).unwrap();
    std::fs::write(c.join("malformed.zip"), &zip[..zip.len() / 2]).unwrap();
    case("malformed-zip", "malformed.zip", None, None);
    // Hostile zips: a file added that the index does not list, and an entry named to climb
    // out of the folder it would be unpacked into.
    {
        use std::io::{Read, Write};
        let rewrite = |to: &str, extra: (&str, &[u8])| {
            let mut archive =
                zip::ZipArchive::new(std::io::Cursor::new(std::fs::read(&genuine).unwrap()))
                    .unwrap();
            let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
            let options = super::fixed_zip_options();
            for i in 0..archive.len() {
                let mut entry = archive.by_index(i).unwrap();
                let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
                let mut bytes = Vec::new();
                entry.read_to_end(&mut bytes).unwrap();
                writer.start_file(name.as_str(), options).unwrap();
                writer.write_all(&bytes).unwrap();
            }
            writer.start_file(extra.0, options).unwrap();
            writer.write_all(extra.1).unwrap();
            std::fs::write(c.join(to), writer.finish().unwrap().into_inner()).unwrap();
        };
        rewrite(
            "added-file.zip",
            ("signatures/framework-v1.0.riverside-extra.dsse.json", b"{}"),
        );
        rewrite("climbing-name.zip", ("../outside.txt", b"x"));
    }
    case("added-file", "added-file.zip", None, None);
    case("climbing-name", "climbing-name.zip", None, None);
    // Zips two readers could unpack differently (docs/SPEC.md Z1-Z7): the altered document
    // listed first and the genuine one second under the same name (what `unzip -p` shows is the
    // altered one); 512 bytes in front; bytes after the end; a size in the directory that its
    // local header contradicts.
    {
        let zip = std::fs::read(&genuine).unwrap();
        for (name, bytes) in super::hostile_zips(&zip, &doc_path) {
            std::fs::write(c.join(format!("{name}.zip")), bytes).unwrap();
            case(name, &format!("{name}.zip"), None, None);
        }
    }

    // JSON two readers could read differently, and files saved by Windows tools (docs/SPEC.md
    // J1-J3), each re-indexed as someone who knows the format would: an envelope naming its
    // payload twice (an unsigned statement first), a manifest naming a document's digest twice,
    // a manifest with a byte order mark, a size written `2116.0`, and an organisations file
    // saved with a byte order mark (which its recorded digest then no longer matches).
    let sig_text = |files: &mut Vec<(String, Vec<u8>)>| {
        String::from_utf8(file_of(files, &council_sig).clone()).unwrap()
    };
    reindexed(&genuine, &c.join("payload-twice.zip"), |files| {
        let text = sig_text(files);
        use base64::Engine as _;
        let unsigned = base64::engine::general_purpose::STANDARD.encode(br#"{"_type":"unsigned"}"#);
        let twice = text.replacen(
            "\"payload\":",
            &format!("\"payload\": \"{unsigned}\",\n  \"payload\":"),
            1,
        );
        assert_ne!(twice, text);
        *file_of(files, &council_sig) = twice.into_bytes();
    });
    case("payload-twice", "payload-twice.zip", None, None);
    let manifest_text = |files: &mut Vec<(String, Vec<u8>)>| {
        String::from_utf8(file_of(files, "out/manifest.json").clone()).unwrap()
    };
    reindexed(&genuine, &c.join("manifest-digest-twice.zip"), |files| {
        let text = manifest_text(files);
        let twice = text.replacen(
            "\"sha256\":",
            &format!("\"sha256\": \"{}\",\n      \"sha256\":", "0".repeat(64)),
            1,
        );
        *file_of(files, "out/manifest.json") = twice.into_bytes();
    });
    case(
        "manifest-digest-twice",
        "manifest-digest-twice.zip",
        None,
        None,
    );
    reindexed(&genuine, &c.join("manifest-bom.zip"), |files| {
        file_of(files, "out/manifest.json").splice(0..0, *b"\xef\xbb\xbf");
    });
    case("manifest-bom", "manifest-bom.zip", None, None);
    reindexed(&genuine, &c.join("size-with-fraction.zip"), |files| {
        let text = manifest_text(files);
        let at = text.find("\"size\": ").unwrap() + 8;
        let end = at + text[at..].find(',').unwrap();
        let fraction = format!("{}{}.0{}", &text[..at], &text[at..end], &text[end..]);
        *file_of(files, "out/manifest.json") = fraction.into_bytes();
    });
    case("size-with-fraction", "size-with-fraction.zip", None, None);
    reindexed(&genuine, &c.join("organisations-bom.zip"), |files| {
        file_of(files, "organisations.json").splice(0..0, *b"\xef\xbb\xbf");
    });
    case("organisations-bom", "organisations-bom.zip", None, None);
    // The published fingerprints as Notepad saves them: a byte order mark and CRLF.
    let published = std::fs::read_to_string(c.join("published.trust")).unwrap();
    std::fs::write(
        c.join("published-notepad.trust"),
        format!("\u{feff}{}", published.replace('\n', "\r\n")),
    )
    .unwrap();
    case(
        "genuine-trusted-notepad",
        "genuine.zip",
        None,
        Some("published-notepad.trust"),
    );
    // What a bundle carries beyond documents and signatures (docs/SPEC.md D1, B4, P1): its
    // kept data changed, its page replaced by one that always says VALID, its page removed, a
    // file no rule explains, and data changed after assembly.
    reindexed(&genuine, &c.join("kept-data-changed.zip"), |files| {
        let path = "out/data/framework-v1.0.json";
        let text = String::from_utf8(file_of(files, path).clone()).unwrap();
        let changed = text.replacen("Riverside", "Riverbank", 1);
        assert_ne!(changed, text);
        *file_of(files, path) = changed.into_bytes();
    });
    case("kept-data-changed", "kept-data-changed.zip", None, None);
    reindexed(&genuine, &c.join("page-replaced.zip"), |files| {
        *file_of(files, "verify.html") =
            b"<!doctype html><title>Check</title><p>VALID: every party has signed</p>".to_vec();
    });
    case("page-replaced", "page-replaced.zip", None, None);
    reindexed(&genuine, &c.join("page-removed.zip"), |files| {
        files.retain(|(p, _)| p != "verify.html");
    });
    case("page-removed", "page-removed.zip", None, None);
    reindexed(&genuine, &c.join("unexplained-file.zip"), |files| {
        files.push(("notes/readme.txt".into(), b"hello".to_vec()));
        files.push(("signatures/framework-v1.0.note.txt".into(), b"hi".to_vec()));
    });
    case("unexplained-file", "unexplained-file.zip", None, None);
    reindexed(&genuine, &c.join("data-not-as-assembled.zip"), |files| {
        let path = "organisations.json";
        let text = String::from_utf8(file_of(files, path).clone()).unwrap();
        *file_of(files, path) = text.replacen("Riverside", "Riverbank", 1).into_bytes();
    });
    case(
        "data-not-as-assembled",
        "data-not-as-assembled.zip",
        None,
        None,
    );

    // A key revoked as compromised from the moment it signed.
    let revoked = small_pack(c, "revoking");
    sign(&revoked, FRAMEWORK, COUNCIL);
    sign(&revoked, FRAMEWORK, HOSPITAL);
    let line = ok(
        &[
            "keys",
            "fingerprint",
            &format!("private/{COUNCIL}.pub"),
            "--org",
            COUNCIL,
        ],
        &revoked,
    );
    let key_id = line.split_whitespace().nth(1).unwrap().to_string();
    ok(
        &[
            "keys",
            "revoke",
            &key_id,
            "--reason",
            "compromised",
            "--effective",
            "2026-11-23T11:00:00Z",
            "--pack",
            "pack",
        ],
        &revoked,
    );
    bundle(&revoked, &c.join("revoked.zip"));
    case("revoked-key", "revoked.zip", None, None);

    // S6, the register's order: the council signs with a clock twenty minutes fast, the
    // coordinator records it, then supersedes the key at a time before the signature claims.
    let fast = small_pack(c, "fast-clock");
    let returned = signed_elsewhere(
        &fast,
        COUNCIL,
        "Margaret O'Brien",
        "Chief Executive",
        "2026-11-23T12:20:00Z",
    );
    std::fs::write(fast.join("returned.json"), returned).unwrap();
    ok(&["collect", "pack", "returned.json"], &fast);
    sign(&fast, FRAMEWORK, HOSPITAL);
    let council_key = key_id_of(&fast, COUNCIL);
    ok(
        &[
            "keys",
            "revoke",
            &council_key,
            "--reason",
            "superseded",
            "--pack",
            "pack",
        ],
        &fast,
    );
    bundle(&fast, &c.join("fast-clock-then-superseded.zip"));
    case(
        "fast-clock-then-superseded",
        "fast-clock-then-superseded.zip",
        None,
        None,
    );
    // The reverse: after the supersession, a signature made with the old key and dated a day
    // before it, put in the pack without the register receiving it.
    let backdated = small_pack(c, "backdated");
    sign(&backdated, FRAMEWORK, HOSPITAL);
    let council_key = key_id_of(&backdated, COUNCIL);
    at_time(
        &backdated,
        3600,
        &[
            "keys",
            "revoke",
            &council_key,
            "--reason",
            "superseded",
            "--pack",
            "pack",
        ],
    );
    let envelope = signed_elsewhere(
        &backdated,
        COUNCIL,
        "Margaret O'Brien",
        "Chief Executive",
        "2026-11-23T12:01:00Z",
    );
    bundle(&backdated, &c.join("backdated-base.zip"));
    reindexed(
        &c.join("backdated-base.zip"),
        &c.join("backdated-after-supersession.zip"),
        |files| {
            files.push((
                format!("signatures/framework-v1.0.{COUNCIL}.dsse.json"),
                envelope,
            ));
        },
    );
    case(
        "backdated-after-supersession",
        "backdated-after-supersession.zip",
        None,
        None,
    );
    // C2: the hospital signs and vouches for the register an hour before its key leaks; the
    // key is revoked as compromised from then, and the checkpoint keeps counting.
    let leaked = small_pack(c, "leaked-checkpointer");
    sign(&leaked, FRAMEWORK, COUNCIL);
    sign(&leaked, FRAMEWORK, HOSPITAL);
    ok(
        &[
            "register",
            "checkpoint",
            "--pack",
            "pack",
            "--key",
            &format!("private/{HOSPITAL}.key"),
        ],
        &leaked,
    );
    let hospital_key = key_id_of(&leaked, HOSPITAL);
    at_time(
        &leaked,
        3600,
        &[
            "keys",
            "revoke",
            &hospital_key,
            "--reason",
            "compromised",
            "--pack",
            "pack",
        ],
    );
    bundle(&leaked, &c.join("checkpoint-by-revoked-key.zip"));
    case(
        "checkpoint-by-revoked-key",
        "checkpoint-by-revoked-key.zip",
        None,
        None,
    );
    // S8: an organisation that signed version 1.0 leaves; version 1.1 is issued without it.
    let leaving = c.join("leaving");
    copy_example("small", &leaving.join("pack"));
    let orgs_path = leaving.join("pack/organisations.json");
    let orgs: Value = serde_json::from_slice(&std::fs::read(&orgs_path).unwrap()).unwrap();
    let mut joined = orgs.clone();
    let mut affiliate = orgs["organisations"][0].clone();
    affiliate["id"] = "riverside-carers".into();
    affiliate["name"] = "Riverside Carers' Trust".into();
    affiliate["sector"] = "charity".into();
    affiliate["ico_registration"] = "Z5550001".into();
    joined["organisations"]
        .as_array_mut()
        .unwrap()
        .push(affiliate);
    std::fs::write(&orgs_path, serde_json::to_vec_pretty(&joined).unwrap()).unwrap();
    let desk = Desk(&leaving);
    desk.ok(&["assemble", "pack"]);
    desk.add_seeded_key(COUNCIL, "Margaret O'Brien");
    desk.add_seeded_key(HOSPITAL, "Dr Peter Walsh");
    desk.add_seeded_key("riverside-carers", "Margaret O'Brien");
    for org in [COUNCIL, HOSPITAL, "riverside-carers"] {
        sign(&leaving, FRAMEWORK, org);
    }
    std::fs::write(&orgs_path, serde_json::to_vec_pretty(&orgs).unwrap()).unwrap();
    let path = leaving.join("pack/framework.json");
    let mut fw: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    fw["version"] = "1.1".into();
    fw["revisions"].as_array_mut().unwrap().push(
        json!({"version": "1.1", "date": "2026-11-23", "description": "Riverside Carers' Trust left the partnership."}),
    );
    std::fs::write(&path, serde_json::to_vec_pretty(&fw).unwrap()).unwrap();
    desk.ok(&["assemble", "pack"]);
    let carers_key = key_id_of(&leaving, "riverside-carers");
    desk.ok(&[
        "keys",
        "revoke",
        &carers_key,
        "--reason",
        "retired",
        "--note",
        "left the partnership",
        "--pack",
        "pack",
    ]);
    sign(&leaving, "framework-v1.1.docx", COUNCIL);
    sign(&leaving, "framework-v1.1.docx", HOSPITAL);
    bundle(&leaving, &c.join("departed-party.zip"));
    case("departed-party", "departed-party.zip", None, None);
    // K5: the keyring's revocation dropped (the chain is whole without its last line), the
    // register's record of it kept.
    reindexed(
        &c.join("revoked.zip"),
        &c.join("keyring-drops-revocation.zip"),
        |files| {
            let bytes = file_of(files, "keys/keyring.json");
            let text = String::from_utf8(bytes.clone()).unwrap();
            let mut lines: Vec<&str> = text.lines().collect();
            assert!(lines.last().unwrap().contains("\"revoked\""));
            lines.pop();
            *bytes = (lines.join("\n") + "\n").into_bytes();
        },
    );
    case(
        "keyring-drops-revocation",
        "keyring-drops-revocation.zip",
        None,
        None,
    );
    // T4: a later bundle whose register dropped a record the earlier one held, re-linked.
    reindexed(
        &c.join("genuine.zip"),
        &c.join("register-dropped-record.zip"),
        |files| {
            let bytes = file_of(files, "register/register.jsonl");
            *bytes = rechained(bytes, |line| !line.contains("\"seq\":2,"));
        },
    );
    case(
        "register-dropped-after-earlier-bundle",
        "register-dropped-record.zip",
        None,
        Some("outstanding.zip"),
    );
    // V6: after the earlier bundle, a new key for the hospital (an organisation the earlier
    // keyring vouched for) signs: valid, but not confirmed by what the verifier kept.
    let rekeyed = small_pack(c, "rekeyed");
    sign(&rekeyed, FRAMEWORK, COUNCIL);
    bundle(&rekeyed, &c.join("before-new-key.zip"));
    Desk(&rekeyed).add_seeded_key_numbered(HOSPITAL, "Dr Peter Walsh", 2);
    sign(&rekeyed, FRAMEWORK, HOSPITAL);
    bundle(&rekeyed, &c.join("new-key-after-earlier-bundle.zip"));
    case(
        "new-key-after-earlier-bundle",
        "new-key-after-earlier-bundle.zip",
        None,
        Some("before-new-key.zip"),
    );

    // A new version: both signed 1.0, the council has signed 1.1, the hospital only 1.0.
    let older = small_pack(c, "revising");
    sign(&older, FRAMEWORK, COUNCIL);
    sign(&older, FRAMEWORK, HOSPITAL);
    let path = older.join("pack/framework.json");
    let mut fw: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    fw["version"] = "1.1".into();
    fw["revisions"].as_array_mut().unwrap().push(
        json!({"version": "1.1", "date": "2026-11-23", "description": "Contacts brought up to date."}),
    );
    std::fs::write(&path, serde_json::to_vec_pretty(&fw).unwrap()).unwrap();
    ok(&["assemble", "pack"], &older);
    sign(&older, "framework-v1.1.docx", COUNCIL);
    bundle(&older, &c.join("older-version.zip"));
    case("older-version", "older-version.zip", None, None);

    // The hospital signs on paper; the coordinator records the scan.
    let paper = small_pack(c, "paper");
    sign(&paper, FRAMEWORK, COUNCIL);
    Desk(&paper).record_hospital_on_paper();
    bundle(&paper, &c.join("paper.zip"));
    case("signed-on-paper", "paper.zip", None, None);

    // A forger: the same data, their own keys; checked against the published fingerprints.
    let forger = small_pack(c, "forger");
    sign(&forger, FRAMEWORK, COUNCIL);
    sign(&forger, FRAMEWORK, HOSPITAL);
    bundle(&forger, &c.join("forged.zip"));
    case(
        "forged-keyring",
        "forged.zip",
        None,
        Some("published.trust"),
    );
    case("forged-keyring-untrusted", "forged.zip", None, None);

    // The full example, every party of every document signed (64 signatures).
    let full = c.join("full");
    copy_example("cambs", &full.join("pack"));
    ok(&["assemble", "pack"], &full);
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(full.join("pack/out/manifest.json")).unwrap())
            .unwrap();
    let orgs: Value =
        serde_json::from_slice(&std::fs::read(full.join("pack/organisations.json")).unwrap())
            .unwrap();
    for org in orgs["organisations"].as_array().unwrap() {
        let id = org["id"].as_str().unwrap();
        Desk(&full).add_seeded_key(id, org["signatory"]["name"].as_str().unwrap());
        for d in manifest["documents"].as_array().unwrap() {
            if d["parties"].as_array().unwrap().iter().any(|p| p == id) {
                sign(&full, d["file"].as_str().unwrap(), id);
            }
        }
    }
    bundle(&full, &c.join("full-signed.zip"));
    case("full-signed", "full-signed.zip", None, None);

    // More of docs/SPEC.md's failing forms, each made from a genuine bundle.
    let genuine = c.join("genuine.zip");
    // J5: nesting deeper than any reader agrees on.
    reindexed(&genuine, &c.join("deep-nesting.zip"), |files| {
        let text = String::from_utf8(file_of(files, "out/manifest.json").clone()).unwrap();
        let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
        *file_of(files, "out/manifest.json") = text
            .replacen('{', &format!("{{\"deep\": {deep},"), 1)
            .into_bytes();
    });
    case("deep-nesting", "deep-nesting.zip", None, None);
    // B1: an index of another format.
    tampered(
        &genuine,
        &c.join("index-format.zip"),
        "bundle-index.json",
        |b| {
            let text = String::from_utf8(b.clone()).unwrap();
            let other = text.replacen("countersign/bundle/v1", "countersign/bundle/v9", 1);
            assert_ne!(other, text);
            *b = other.into_bytes();
        },
    );
    case("index-format", "index-format.zip", None, None);
    // M2: a manifest naming a document outside the folder.
    reindexed(&genuine, &c.join("manifest-climbing-name.zip"), |files| {
        let text = String::from_utf8(file_of(files, "out/manifest.json").clone()).unwrap();
        let climbing = text.replacen(
            &format!("\"file\": \"{FRAMEWORK}\""),
            "\"file\": \"../framework.docx\"",
            1,
        );
        assert_ne!(climbing, text);
        *file_of(files, "out/manifest.json") = climbing.into_bytes();
    });
    case(
        "manifest-climbing-name",
        "manifest-climbing-name.zip",
        None,
        None,
    );
    // K3: a keyring of the first format with a field no change has.
    reindexed(
        &genuine,
        &c.join("first-format-unknown-field.zip"),
        |files| {
            let bytes = file_of(files, "keys/keyring.json");
            let text = String::from_utf8(bytes.clone()).unwrap();
            let changes: Vec<Value> = text
                .lines()
                .skip(1)
                .map(|l| serde_json::from_str(l).unwrap())
                .collect();
            let mut file = json!({"format": "countersign/keyring/v1", "events": changes});
            file["events"][0]["change"]["colour"] = "blue".into();
            *bytes = serde_json::to_vec_pretty(&file).unwrap();
        },
    );
    case(
        "first-format-unknown-field",
        "first-format-unknown-field.zip",
        None,
        None,
    );
    // K4: a keyring change edited, the chain left as it was.
    reindexed(&genuine, &c.join("edited-keyring.zip"), |files| {
        let bytes = file_of(files, "keys/keyring.json");
        let text = String::from_utf8(bytes.clone()).unwrap();
        let edited = text.replacen("Margaret O'Brien", "Someone Else", 1);
        assert_ne!(edited, text);
        *bytes = edited.into_bytes();
    });
    case("edited-keyring", "edited-keyring.zip", None, None);
    // T1: a trust file with a line that names no key.
    std::fs::write(
        c.join("unusable.trust"),
        format!("{COUNCIL} not-a-fingerprint\n"),
    )
    .unwrap();
    case(
        "trust-file-unusable",
        "genuine.zip",
        None,
        Some("unusable.trust"),
    );
    // K2: the keyring saved by a Windows editor (CRLF line ends) with a blank line at its end.
    reindexed(&genuine, &c.join("keyring-crlf.zip"), |files| {
        let bytes = file_of(files, "keys/keyring.json");
        let text = String::from_utf8(bytes.clone()).unwrap();
        *bytes = (text.replace('\n', "\r\n") + "\r\n").into_bytes();
    });
    case("keyring-crlf", "keyring-crlf.zip", None, None);
    // T1: the council's key given to the hospital too.
    let council_line = published
        .lines()
        .find(|l| l.starts_with(COUNCIL))
        .unwrap()
        .to_string();
    std::fs::write(
        c.join("one-key-two-organisations.trust"),
        format!(
            "{published}{}\n",
            council_line.replacen(COUNCIL, HOSPITAL, 1)
        ),
    )
    .unwrap();
    case(
        "trust-file-one-key-two-organisations",
        "genuine.zip",
        None,
        Some("one-key-two-organisations.trust"),
    );
    // T2: a bundle whose keyring does not extend the one the verifier kept.
    case(
        "keyring-not-extended",
        "forged.zip",
        None,
        Some("genuine.zip"),
    );
    // Z2, Z3: an end record claiming the ZIP64 form, and one pointing its directory elsewhere.
    {
        let zip = std::fs::read(&genuine).unwrap();
        let end = zip.len() - 22;
        assert_eq!(&zip[end..end + 4], b"PK\x05\x06");
        let mut zip64 = zip.clone();
        zip64[end + 8..end + 12].copy_from_slice(&[0xff; 4]);
        std::fs::write(c.join("zip64-marker.zip"), zip64).unwrap();
        case("zip64-marker", "zip64-marker.zip", None, None);
        let mut moved = zip.clone();
        let offset = u32::from_le_bytes(moved[end + 16..end + 20].try_into().unwrap());
        moved[end + 16..end + 20].copy_from_slice(&(offset - 46).to_le_bytes());
        std::fs::write(c.join("directory-moved.zip"), moved).unwrap();
        case("directory-moved", "directory-moved.zip", None, None);
    }
    // W1: the scan of a paper approval changed after it was recorded.
    reindexed(
        &c.join("paper.zip"),
        &c.join("paper-scan-changed.zip"),
        |files| {
            let scan = files
                .iter_mut()
                .find(|(p, _)| p.starts_with("paper/") && !p.ends_with(".json"))
                .unwrap();
            scan.1.push(b'!');
        },
    );
    case("paper-scan-changed", "paper-scan-changed.zip", None, None);
    // C1: a checkpoint that is not an envelope.
    reindexed(
        &c.join("checkpointed.zip"),
        &c.join("checkpoint-not-envelope.zip"),
        |files| {
            let checkpoint = files
                .iter_mut()
                .find(|(p, _)| p.starts_with("register/checkpoints/"))
                .unwrap();
            checkpoint.1 = b"{\"hello\": 1}".to_vec();
        },
    );
    case(
        "checkpoint-not-envelope",
        "checkpoint-not-envelope.zip",
        None,
        None,
    );

    // J1: the published fingerprints saved as Notepad's "Unicode" (UTF-16 with its mark),
    // which is not UTF-8.
    let utf16: Vec<u8> = [0xfeff_u16]
        .into_iter()
        .chain(published.encode_utf16())
        .flat_map(u16::to_le_bytes)
        .collect();
    std::fs::write(c.join("published-utf16.trust"), utf16).unwrap();
    case(
        "trust-file-not-utf8",
        "genuine.zip",
        None,
        Some("published-utf16.trust"),
    );
    // Z7: an entry marked encrypted, in its local header and its directory entry alike.
    {
        let mut zip = std::fs::read(&genuine).unwrap();
        let end = zip.len() - 22;
        let directory = u32::from_le_bytes(zip[end + 16..end + 20].try_into().unwrap()) as usize;
        assert_eq!(&zip[..4], b"PK\x03\x04");
        assert_eq!(&zip[directory..directory + 4], b"PK\x01\x02");
        zip[6] |= 1;
        zip[directory + 8] |= 1;
        std::fs::write(c.join("encrypted-entry.zip"), zip).unwrap();
        case("encrypted-entry", "encrypted-entry.zip", None, None);
    }
    // M4: the register without the framework's assembly, its chain made whole again.
    reindexed(&genuine, &c.join("assembly-not-recorded.zip"), |files| {
        let bytes = file_of(files, "register/register.jsonl");
        *bytes = rechained(bytes, |line| {
            !(line.contains("\"type\":\"document-assembled\"")
                && line.contains(&format!("\"file\":\"{FRAMEWORK}\"")))
        });
    });
    case(
        "assembly-not-recorded",
        "assembly-not-recorded.zip",
        None,
        None,
    );
    // D3: a bundle from before inputs were recorded (the manifest lists none), whose
    // organisations file names an organisation without its signatory.
    reindexed(&genuine, &c.join("organisations-invalid.zip"), |files| {
        let manifest = file_of(files, "out/manifest.json");
        let mut value: Value = serde_json::from_slice(manifest).unwrap();
        value.as_object_mut().unwrap().remove("inputs").unwrap();
        *manifest = serde_json::to_vec_pretty(&value).unwrap();
        let organisations = file_of(files, "organisations.json");
        let mut value: Value = serde_json::from_slice(organisations).unwrap();
        value["organisations"][1]
            .as_object_mut()
            .unwrap()
            .remove("signatory")
            .unwrap();
        *organisations = serde_json::to_vec_pretty(&value).unwrap();
    });
    case(
        "organisations-invalid",
        "organisations-invalid.zip",
        None,
        None,
    );
    // K1: a key of small order added to the keyring, its chain whole and its id its own: a key
    // that would verify forged signatures.
    reindexed(&genuine, &c.join("small-order-key.zip"), |files| {
        let bytes = file_of(files, "keys/keyring.json");
        key_added_by_hand(bytes, [0u8; 32]);
    });
    case("small-order-key", "small-order-key.zip", None, None);
    // S2: a keyring edited by hand with 32 bytes that are no point of the curve (y = 2), the
    // council's signature naming it: the reason names the key, which is the keyring's fault.
    reindexed(&genuine, &c.join("key-not-a-point.zip"), |files| {
        let mut point = [0u8; 32];
        point[0] = 2;
        let key_id = key_added_by_hand(file_of(files, "keys/keyring.json"), point);
        let bytes = file_of(files, &council_sig);
        let mut envelope: Value = serde_json::from_slice(bytes).unwrap();
        envelope["signatures"][0]["keyid"] = key_id.into();
        *bytes = serde_json::to_vec_pretty(&envelope).unwrap();
    });
    case("key-not-a-point", "key-not-a-point.zip", None, None);
    // Signatures a signatory or a forger holding a key could send (docs/SPEC.md S3 to S8).
    let council_key = small.join(format!("private/{COUNCIL}.key"));
    let hospital_key = small.join(format!("private/{HOSPITAL}.key"));
    let hospital_sig = format!("signatures/framework-v1.0.{HOSPITAL}.dsse.json");
    // S3: a statement with a field no statement has, signed.
    reindexed(&genuine, &c.join("statement-unknown-field.zip"), |files| {
        let bytes = file_of(files, &council_sig);
        *bytes = resigned(&council_key, bytes, |statement| {
            statement["predicate"]["colour"] = "blue".into();
        });
    });
    case(
        "statement-unknown-field",
        "statement-unknown-field.zip",
        None,
        None,
    );
    // S5: the council's own key signs a statement whose subject name climbs out of the
    // folder and whose title the pack never had.
    reindexed(&genuine, &c.join("statement-claims.zip"), |files| {
        let bytes = file_of(files, &council_sig);
        *bytes = resigned(&council_key, bytes, |statement| {
            statement["subject"][0]["name"] = "../../../../etc/evil.docx".into();
            statement["predicate"]["document"]["title"] = "A framework nobody wrote".into();
        });
    });
    case(
        "statement-claims-mismatch",
        "statement-claims.zip",
        None,
        None,
    );
    // S4: the hospital's key signs the council's approval (its own key id in the statement).
    reindexed(
        &genuine,
        &c.join("key-of-another-organisation.zip"),
        |files| {
            let hospital_key_id = {
                let envelope: Value =
                    serde_json::from_slice(file_of(files, &hospital_sig)).unwrap();
                envelope["signatures"][0]["keyid"]
                    .as_str()
                    .unwrap()
                    .to_string()
            };
            let bytes = file_of(files, &council_sig);
            *bytes = resigned(&hospital_key, bytes, |statement| {
                statement["predicate"]["key_id"] = hospital_key_id.into();
            });
        },
    );
    case(
        "key-of-another-organisation",
        "key-of-another-organisation.zip",
        None,
        None,
    );
    // S5: the council's approval of the framework, sent again as its approval of the protocol.
    reindexed(&genuine, &c.join("signature-replayed.zip"), |files| {
        let bytes = file_of(files, &council_sig).clone();
        files.push((
            format!("signatures/protocol-hospital-discharge-v1.0.{COUNCIL}.dsse.json"),
            bytes,
        ));
    });
    case("signature-replayed", "signature-replayed.zip", None, None);
    // S8: the hospital's signature on a framework whose manifest no longer lists it as a party.
    reindexed(&genuine, &c.join("not-a-party.zip"), |files| {
        let manifest = file_of(files, "out/manifest.json");
        let mut value: Value = serde_json::from_slice(manifest).unwrap();
        value["documents"][0]["parties"] = json!([COUNCIL]);
        *manifest = serde_json::to_vec_pretty(&value).unwrap();
    });
    case("not-a-party", "not-a-party.zip", None, None);
    // W2: a paper approval the register does not record, its chain made whole again.
    reindexed(
        &c.join("paper.zip"),
        &c.join("paper-not-recorded.zip"),
        |files| {
            let bytes = file_of(files, "register/register.jsonl");
            *bytes = rechained(bytes, |line| {
                !line.contains("\"type\":\"paper-signature-recorded\"")
            });
        },
    );
    case("paper-not-recorded", "paper-not-recorded.zip", None, None);
    // V2: the council, which has signed, also has a paper record that fails (the hospital's
    // record copied under its name): the signature counts, the failing record is reported.
    reindexed(
        &c.join("paper.zip"),
        &c.join("failing-file-beside-signature.zip"),
        |files| {
            let (path, record) = files
                .iter()
                .find(|(p, _)| p.ends_with(".paper.json"))
                .cloned()
                .unwrap();
            let mut value: Value = serde_json::from_slice(&record).unwrap();
            value["organisation"] = COUNCIL.into();
            files.push((
                path.replace(HOSPITAL, COUNCIL),
                serde_json::to_vec_pretty(&value).unwrap(),
            ));
        },
    );
    case(
        "failing-file-beside-signature",
        "failing-file-beside-signature.zip",
        None,
        None,
    );
    // M4: the manifest says the framework is another version than the register recorded.
    reindexed(&genuine, &c.join("manifest-version-edited.zip"), |files| {
        let manifest = file_of(files, "out/manifest.json");
        let mut value: Value = serde_json::from_slice(manifest).unwrap();
        value["documents"][0]["version"] = "1.1".into();
        *manifest = serde_json::to_vec_pretty(&value).unwrap();
    });
    case(
        "manifest-version-edited",
        "manifest-version-edited.zip",
        None,
        None,
    );
    // J6: a register event written as the list of its values (serde's derived types would
    // take it), its chain made whole again.
    reindexed(&genuine, &c.join("event-as-list.zip"), |files| {
        let bytes = file_of(files, "register/register.jsonl");
        let text = String::from_utf8(bytes.clone()).unwrap();
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        let at = lines
            .iter()
            .position(|l| l.contains("\"type\":\"key-added\""))
            .unwrap();
        let mut record: Value = serde_json::from_str(&lines[at]).unwrap();
        let values: Vec<Value> = record["event"]
            .as_object()
            .unwrap()
            .values()
            .cloned()
            .collect();
        record["event"] = Value::Array(values);
        lines[at] = serde_json::to_string(&record).unwrap();
        for i in at + 1..lines.len() {
            let prev = countersign::digest::sha256_hex(lines[i - 1].as_bytes());
            let from = lines[i].find("\"prev\":\"").unwrap() + 8;
            lines[i].replace_range(from..from + 64, &prev);
        }
        *bytes = (lines.join("\n") + "\n").into_bytes();
    });
    case("event-as-list", "event-as-list.zip", None, None);
    // J3, J6: numbers and strings two readers could read differently: a size above 2^53 - 1
    // (JavaScript cannot hold it exactly), a negative size, a size written as text, and a title
    // holding half of a surrogate pair (no Unicode text has one).
    for (name, edit) in [
        ("size-above-2-53", "9007199254740993"),
        ("size-negative", "-1"),
        ("size-as-text", "\"2116\""),
        ("title-lone-surrogate", ""),
    ] {
        reindexed(&genuine, &c.join(format!("{name}.zip")), |files| {
            let text = manifest_text(files);
            let changed = if edit.is_empty() {
                text.replacen("\"title\": \"", "\"title\": \"\\ud800", 1)
            } else {
                let at = text.find("\"size\": ").unwrap() + 8;
                let end = at + text[at..].find(',').unwrap();
                format!("{}{edit}{}", &text[..at], &text[end..])
            };
            assert_ne!(changed, text);
            *file_of(files, "out/manifest.json") = changed.into_bytes();
        });
        case(name, &format!("{name}.zip"), None, None);
    }
    cases
}

/// A register with the lines `keep` refuses dropped, each line after renumbered and linked to
/// the one before it again: a rewrite only a checkpoint can show.
pub fn rechained(register: &[u8], keep: impl Fn(&str) -> bool) -> Vec<u8> {
    let text = std::str::from_utf8(register).unwrap();
    let mut lines: Vec<String> = Vec::new();
    for line in text.lines().filter(|l| keep(l)) {
        let rest = &line[line.find(",\"at\":").unwrap()..];
        let prev = match lines.last() {
            Some(before) => countersign::digest::sha256_hex(before.as_bytes()),
            None => "0".repeat(64),
        };
        lines.push(format!(
            "{{\"seq\":{},\"prev\":\"{prev}\"{rest}",
            lines.len() + 1
        ));
    }
    assert!(lines.len() < text.lines().count(), "no line was dropped");
    (lines.join("\n") + "\n").into_bytes()
}

/// A signature file whose statement is edited and signed again with the key in `key_file`.
fn resigned(key_file: &Path, envelope: &[u8], edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD;
    let envelope: Value = serde_json::from_slice(envelope).unwrap();
    let mut statement: Value =
        serde_json::from_slice(&b64.decode(envelope["payload"].as_str().unwrap()).unwrap())
            .unwrap();
    edit(&mut statement);
    let payload = serde_json::to_vec(&statement).unwrap();
    let key = countersign::approval::keys::SecretKey::from_pem(
        &std::fs::read_to_string(key_file).unwrap(),
        None,
    )
    .unwrap();
    let signature = key.sign(&countersign::approval::signature::pae(
        countersign::approval::signature::PAYLOAD_TYPE,
        &payload,
    ));
    let signed = countersign::approval::signature::Envelope {
        payload_type: countersign::approval::signature::PAYLOAD_TYPE.to_string(),
        payload: b64.encode(&payload),
        signatures: vec![countersign::approval::signature::EnvelopeSignature {
            keyid: key.public().key_id().to_string(),
            sig: b64.encode(signature),
        }],
    };
    countersign::approval::signature::envelope_bytes(&signed)
}

/// A case's bundle as the verifier is given it: committed bundles carry no verification page
/// (a page written by an earlier build would be "another-version"), except a case marked
/// `current_page`, which is given the page this build writes, its index made again to match.
pub fn conformance_bundle(files: &Path, case: &Value) -> Vec<u8> {
    let bytes = std::fs::read(files.join(case["bundle"].as_str().unwrap())).unwrap();
    if case["current_page"] != true {
        return bytes;
    }
    let (index, mut contents) = countersign::pack::bundle::open(&bytes).unwrap();
    contents.push((
        countersign::pack::layout::PAGE_FILE.to_string(),
        countersign::verify::page::html().into_bytes(),
    ));
    let at = countersign::time::Timestamp::parse_exact(&index.created_at).unwrap();
    countersign::pack::bundle::build(&index.pack, at, &contents).unwrap()
}

/// Appends to a keyring, its chain kept whole, a key with these 32 bytes added for the council,
/// as an editor by hand would (no check that they are a usable key); returns its key id.
fn key_added_by_hand(keyring: &mut Vec<u8>, point: [u8; 32]) -> String {
    use base64::Engine as _;
    let text = String::from_utf8(keyring.clone()).unwrap();
    let last = text.lines().last().unwrap();
    let seq = text.lines().count();
    let mut wire = Vec::new();
    for part in [&b"ssh-ed25519"[..], &point[..]] {
        wire.extend((part.len() as u32).to_be_bytes());
        wire.extend(part);
    }
    let b64 = base64::engine::general_purpose::STANDARD;
    let id = base64::engine::general_purpose::STANDARD_NO_PAD
        .encode(<sha2::Sha256 as sha2::Digest>::digest(&wire));
    let mut spki = vec![
        0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
    ];
    spki.extend(point);
    let key_id = format!("SHA256:{id}");
    let change = json!({
        "seq": seq,
        "prev": countersign::digest::sha256_hex(last.as_bytes()),
        "at": "2026-11-23T12:00:00Z",
        "change": {
            "action": "added",
            "key_id": key_id,
            "organisation": COUNCIL,
            "signatory": "Margaret O'Brien",
            "roles": [],
            "valid_from": "2026-11-23T12:00:00Z",
            "public_key": format!("ssh-ed25519 {} {COUNCIL}", b64.encode(&wire)),
            "public_key_pem": format!(
                "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
                b64.encode(&spki)
            ),
        }
    });
    keyring.extend(serde_json::to_vec(&change).unwrap());
    keyring.push(b'\n');
    key_id
}
