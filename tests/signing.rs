//! `keygen`, `keys`, `sign` and `verify` through the real binary: every outcome with its exit
//! code and message, tamper cases, and an independent check with jq, coreutils and openssl.

mod support;
use support::{COUNCIL, FRAMEWORK, HOSPITAL, NOW, add_group_order, copy_example, cs, root};

use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;
use serde_json::{Value, json};

/// An assembled copy of an example pack, with a private folder for secret keys beside it.
struct World {
    _tmp: tempfile::TempDir,
    pack: PathBuf,
    private: PathBuf,
}

impl World {
    fn new(example: &str) -> World {
        let tmp = tempfile::tempdir().unwrap();
        let pack = tmp.path().join("pack");
        let private = tmp.path().join("private");
        copy_example(example, &pack);
        std::fs::create_dir_all(&private).unwrap();
        cs().arg("assemble").arg(&pack).assert().success();
        World {
            _tmp: tmp,
            pack,
            private,
        }
    }

    fn doc(&self, file: &str) -> PathBuf {
        self.pack.join("out").join(file)
    }

    /// Makes an unencrypted key for `org` and adds it to the keyring for `signatory`.
    fn key(&self, org: &str, signatory: &str, roles: &[&str]) -> PathBuf {
        cs().args(["keygen", "--org", org, "--no-passphrase", "--out"])
            .arg(&self.private)
            .assert()
            .success();
        let mut add = cs();
        add.args(["keys", "add"])
            .arg(self.private.join(format!("{org}.pub")))
            .args([
                "--org",
                org,
                "--signatory",
                signatory,
                "--valid-from",
                "2026-04-01",
                "--pack",
            ])
            .arg(&self.pack);
        for r in roles {
            add.args(["--role", r]);
        }
        add.assert().success();
        self.private.join(format!("{org}.key"))
    }

    fn sign(
        &self,
        file: &str,
        key: &Path,
        org: &str,
        signatory: &str,
        role: &str,
    ) -> assert_cmd::assert::Assert {
        cs().arg("sign")
            .arg(self.doc(file))
            .arg("--key")
            .arg(key)
            .args(["--org", org, "--signatory", signatory, "--role", role])
            .assert()
    }

    fn verify(&self, file: &str, extra: &[&str]) -> (i32, String) {
        let out = cs()
            .arg("verify")
            .arg(self.doc(file))
            .args(extra)
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            String::from_utf8_lossy(&out.stdout).into_owned()
                + &String::from_utf8_lossy(&out.stderr),
        )
    }

    fn verify_json(&self, file: &str) -> (i32, Value) {
        let out = cs()
            .arg("verify")
            .arg(self.doc(file))
            .arg("--json")
            .output()
            .unwrap();
        (
            out.status.code().unwrap(),
            serde_json::from_slice(&out.stdout).unwrap(),
        )
    }

    fn signature(&self, file: &str, org: &str) -> PathBuf {
        self.pack.join("signatures").join(format!(
            "{}.{org}.dsse.json",
            file.trim_end_matches(".docx")
        ))
    }

    /// Two keys, and the council's signature on the framework.
    fn signed_by_council() -> (World, PathBuf, PathBuf) {
        let w = World::new("small");
        let council = w.key(COUNCIL, "Margaret O'Brien", &["Chief Executive"]);
        let hospital = w.key(HOSPITAL, "Dr Peter Walsh", &[]);
        w.sign(
            FRAMEWORK,
            &council,
            COUNCIL,
            "Margaret O'Brien",
            "Chief Executive",
        )
        .success();
        (w, council, hospital)
    }
}

fn party<'a>(report: &'a Value, org: &str) -> &'a Value {
    report["parties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["organisation"] == org)
        .unwrap()
}

#[test]
fn signing_and_verifying_with_two_organisations() {
    let (w, _council, hospital) = World::signed_by_council();
    let (code, text) = w.verify(FRAMEWORK, &[]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("document: exactly the assembled framework 'riverside-isf', version 1.0"),
        "{text}"
    );
    assert!(
        text.contains("signatures: 1 of 2 organisations have approved this version"),
        "{text}"
    );
    assert!(text.contains("signed       Riverside Borough Council: by Margaret O'Brien (Chief Executive) at 2026-11-23T12:00:00Z"), "{text}");
    assert!(
        text.contains("signature valid; key listed for Riverside Borough Council by the pack's keyring; key NOT independently confirmed (give --trust)"),
        "{text}"
    );
    assert!(
        text.contains("outstanding  Riverside Hospitals NHS Foundation Trust: not signed yet"),
        "{text}"
    );
    // No --trust: valid, and the headline itself says the keys are not confirmed.
    assert!(text.contains("result: VALID, KEYS NOT CONFIRMED: this is exactly the assembled document, every signature present is valid and 1 organisation(s) still to sign, but nothing you trust confirms the signing keys"), "{text}");
    let (code, text) = w.verify(FRAMEWORK, &["--require-all"]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("result: INCOMPLETE"), "{text}");

    w.sign(
        FRAMEWORK,
        &hospital,
        HOSPITAL,
        "Dr Peter Walsh",
        "Caldicott Guardian",
    )
    .success()
    .stderr(contains("signed framework-v1.0.docx (version 1.0"));
    let (code, text) = w.verify(FRAMEWORK, &["--require-all"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("result: VALID, KEYS NOT CONFIRMED: this is exactly the assembled document, every signature present is valid and every organisation has signed it"), "{text}");

    let (code, report) = w.verify_json(FRAMEWORK);
    assert_eq!(code, 0);
    assert_eq!(report["format"], "countersign/verify/v1");
    assert_eq!(report["document"], "exact");
    assert_eq!(report["valid"], true);
    assert_eq!(report["outstanding"], json!([]));
    let council = party(&report, COUNCIL);
    assert_eq!(council["status"], "signed");
    assert_eq!(council["signature_valid"], true);
    assert_eq!(council["key_belongs_to_organisation"], true);
    assert_eq!(council["signed"]["role"], "Chief Executive");
    assert_eq!(council["signed"]["signed_at"], "2026-11-23T12:00:00Z");
    assert!(
        council["signed"]["key_id"]
            .as_str()
            .unwrap()
            .starts_with("SHA256:")
    );
}

#[test]
fn keygen_writes_a_private_encrypted_key_and_never_overwrites() {
    let w = World::new("small");
    let pass = w.private.join("pass");
    std::fs::write(&pass, "correct horse battery staple\n").unwrap();
    cs().args(["keygen", "--org", COUNCIL, "--passphrase-file"])
        .arg(&pass)
        .arg("--out")
        .arg(&w.private)
        .assert()
        .success()
        .stderr(contains("key id:      SHA256:"));
    let key = w.private.join(format!("{COUNCIL}.key"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&key).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    let text = std::fs::read_to_string(&key).unwrap();
    assert!(text.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
    // Standard tools open it: OpenSSL with the passphrase, ssh-keygen for the key id.
    let openssl = StdCommand::new("openssl")
        .args(["pkey", "-noout", "-passin"])
        .arg(format!("file:{}", pass.display()))
        .arg("-in")
        .arg(&key)
        .output()
        .unwrap();
    assert!(
        openssl.status.success(),
        "{}",
        String::from_utf8_lossy(&openssl.stderr)
    );
    let fingerprint = StdCommand::new("ssh-keygen")
        .arg("-lf")
        .arg(w.private.join(format!("{COUNCIL}.pub")))
        .output()
        .unwrap();
    let fingerprint = String::from_utf8_lossy(&fingerprint.stdout)
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_string();
    cs().args(["keys", "add"])
        .arg(w.private.join(format!("{COUNCIL}.pub")))
        .args(["--org", COUNCIL, "--signatory", "M", "--pack"])
        .arg(&w.pack)
        .assert()
        .success()
        .stderr(contains(fingerprint.as_str()));

    cs().args(["keygen", "--org", COUNCIL, "--no-passphrase", "--out"])
        .arg(&w.private)
        .assert()
        .code(2)
        .stderr(contains("already exists; nothing was written"));
    assert_eq!(std::fs::read_to_string(&key).unwrap(), text);
    cs().args(["keygen", "--org", COUNCIL, "--no-passphrase", "--out"])
        .arg(w.pack.join("keys"))
        .assert()
        .code(2)
        .stderr(contains("secret keys never go in a pack"));
    cs().args(["keygen", "--org", COUNCIL, "--out"])
        .arg(&w.private)
        .arg("--name")
        .arg("other")
        .assert()
        .code(2)
        .stderr(contains("no terminal to ask for the passphrase"));
    assert!(!w.private.join("other.key").exists());
}

#[test]
fn a_wrong_passphrase_signs_nothing() {
    let w = World::new("small");
    let pass = w.private.join("pass");
    std::fs::write(&pass, "correct horse battery staple").unwrap();
    cs().args(["keygen", "--org", COUNCIL, "--passphrase-file"])
        .arg(&pass)
        .arg("--out")
        .arg(&w.private)
        .assert()
        .success();
    cs().args(["keys", "add"])
        .arg(w.private.join(format!("{COUNCIL}.pub")))
        .args([
            "--org",
            COUNCIL,
            "--signatory",
            "M",
            "--valid-from",
            "2026-01-01",
            "--pack",
        ])
        .arg(&w.pack)
        .assert()
        .success();
    let key = w.private.join(format!("{COUNCIL}.key"));
    cs().arg("sign")
        .arg(w.doc(FRAMEWORK))
        .arg("--key")
        .arg(&key)
        .args([
            "--org",
            COUNCIL,
            "--signatory",
            "M",
            "--role",
            "CEO",
            "--passphrase-env",
            "CS_TEST_PASS",
        ])
        .env("CS_TEST_PASS", "Tr0ub4dor&3")
        .assert()
        .code(2)
        .stderr(contains("the passphrase is wrong"));
    assert!(!w.signature(FRAMEWORK, COUNCIL).exists());
    cs().arg("sign")
        .arg(w.doc(FRAMEWORK))
        .arg("--key")
        .arg(&key)
        .args([
            "--org",
            COUNCIL,
            "--signatory",
            "M",
            "--role",
            "CEO",
            "--passphrase-env",
            "CS_TEST_PASS",
        ])
        .env("CS_TEST_PASS", "correct horse battery staple")
        .assert()
        .success();
}

#[test]
fn signing_refuses_what_it_must_not_sign() {
    let w = World::new("cambs");
    let police = w.key(
        "cambs-police",
        "Jon Hutchinson",
        &["Deputy Chief Constable"],
    );
    let cuh = w.key("cuh", "Dr Nadia Farouk", &[]);
    let disclosure = "protocol-police-disclosure-v1.0.docx";
    w.sign(disclosure, &cuh, "cuh", "Dr Nadia Farouk", "Caldicott Guardian").code(2).stderr(contains("Cambridge University Hospitals NHS Foundation Trust ('cuh') is not a party to protocol-police-disclosure-v1.0.docx; its parties are: cambs-police, cambs-cc, peterborough, hunts"));
    w.sign(disclosure, &cuh, "cambs-police", "Dr Nadia Farouk", "Caldicott Guardian").code(2).stderr(contains("belongs to Cambridge University Hospitals NHS Foundation Trust in the keyring, not to Cambridgeshire Constabulary"));
    w.sign(
        disclosure,
        &police,
        "cambs-police",
        "Someone Else",
        "Deputy Chief Constable",
    )
    .code(2)
    .stderr(contains(
        "is held by Jon Hutchinson in the keyring, not by Someone Else",
    ));
    w.sign(
        disclosure,
        &police,
        "cambs-police",
        "Jon Hutchinson",
        "Chief Constable",
    )
    .code(2)
    .stderr(contains(
        "may sign only as Deputy Chief Constable, not as Chief Constable",
    ));
    w.sign(
        disclosure,
        &police,
        "nobody",
        "Jon Hutchinson",
        "Deputy Chief Constable",
    )
    .code(2)
    .stderr(contains("'nobody' is not an organisation of this pack"));

    // A document that is not the assembled one.
    let copy = w.doc("copy.docx");
    std::fs::copy(w.doc(disclosure), &copy).unwrap();
    w.sign(
        "copy.docx",
        &police,
        "cambs-police",
        "Jon Hutchinson",
        "Deputy Chief Constable",
    )
    .code(2)
    .stderr(contains(
        "'copy.docx' is not a document of this pack's manifest",
    ));
    let mut bytes = std::fs::read(w.doc(disclosure)).unwrap();
    let n = bytes.len() - 10;
    bytes[n] ^= 0xff;
    let edited = w.pack.join("edited");
    std::fs::create_dir_all(edited.join("x")).unwrap();
    std::fs::write(w.doc(disclosure), &bytes).unwrap();
    w.sign(
        disclosure,
        &police,
        "cambs-police",
        "Jon Hutchinson",
        "Deputy Chief Constable",
    )
    .code(2)
    .stderr(
        contains("is not the assembled document: its SHA-256 is")
            .and(contains("nothing was signed")),
    );

    // A key the keyring does not hold, and a revoked key.
    cs().args(["keygen", "--org", "stranger", "--no-passphrase", "--out"])
        .arg(&w.private)
        .assert()
        .success();
    w.sign(
        "framework-v2.7.docx",
        &w.private.join("stranger.key"),
        "cuh",
        "Dr Nadia Farouk",
        "Caldicott Guardian",
    )
    .code(2)
    .stderr(contains("is not in the pack's keyring").and(contains("countersign keys add")));
    let id = cs()
        .args(["keys", "list", "--json", "--pack"])
        .arg(&w.pack)
        .output()
        .unwrap();
    let keys: Value = serde_json::from_slice(&id.stdout).unwrap();
    let cuh_id = keys["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["organisation"] == "cuh")
        .unwrap()["key_id"]
        .as_str()
        .unwrap()
        .to_string();
    cs().args([
        "keys",
        "revoke",
        &cuh_id[..20],
        "--reason",
        "compromised",
        "--effective",
        "2026-06-01",
        "--note",
        "laptop lost",
        "--pack",
    ])
    .arg(&w.pack)
    .assert()
    .success()
    .stderr(contains("revoked the key"));
    w.sign(
        "framework-v2.7.docx",
        &cuh,
        "cuh",
        "Dr Nadia Farouk",
        "Caldicott Guardian",
    )
    .code(2)
    .stderr(contains(
        "cannot sign now: the key was revoked (compromised) from 2026-06-01T00:00:00Z",
    ));
    // Signing twice never replaces a signature.
    w.sign(
        "framework-v2.7.docx",
        &police,
        "cambs-police",
        "Jon Hutchinson",
        "Deputy Chief Constable",
    )
    .success();
    w.sign(
        "framework-v2.7.docx",
        &police,
        "cambs-police",
        "Jon Hutchinson",
        "Deputy Chief Constable",
    )
    .code(2)
    .stderr(contains("has already signed framework-v2.7.docx"));
}

#[test]
fn a_tampered_document_fails_verification() {
    let (w, _, _) = World::signed_by_council();
    let mut bytes = std::fs::read(w.doc(FRAMEWORK)).unwrap();
    let n = bytes.len() / 2;
    bytes[n] ^= 1;
    std::fs::write(w.doc(FRAMEWORK), &bytes).unwrap();
    let (code, text) = w.verify(FRAMEWORK, &[]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("document: NOT the assembled framework 'riverside-isf', version 1.0: its bytes differ from the manifest"), "{text}");
    assert!(text.contains("FAILED       Riverside Borough Council: the document differs from what was signed (signature valid; key listed for Riverside Borough Council by the pack's keyring)"), "{text}");
    assert!(text.contains("result: VERIFICATION FAILED"), "{text}");
}

fn edit_payload(sig: &Path, edit: impl Fn(&mut Value)) {
    let mut envelope: Value = serde_json::from_slice(&std::fs::read(sig).unwrap()).unwrap();
    let mut statement: Value = serde_json::from_slice(
        &STANDARD
            .decode(envelope["payload"].as_str().unwrap())
            .unwrap(),
    )
    .unwrap();
    edit(&mut statement);
    envelope["payload"] = json!(STANDARD.encode(serde_json::to_vec(&statement).unwrap()));
    std::fs::write(sig, serde_json::to_vec_pretty(&envelope).unwrap()).unwrap();
}

#[test]
fn an_edited_statement_fails() {
    let (w, _, _) = World::signed_by_council();
    edit_payload(&w.signature(FRAMEWORK, COUNCIL), |s| {
        s["predicate"]["signatory"]["role"] = json!("Chair")
    });
    let (code, report) = w.verify_json(FRAMEWORK);
    assert_eq!(code, 1);
    let council = party(&report, COUNCIL);
    assert_eq!(council["status"], "failed");
    assert_eq!(council["signature_valid"], false);
    assert_eq!(
        council["reason"],
        "the signature is not valid: the signed statement was altered, or the signature was made with another key"
    );
}

#[test]
fn a_signature_moved_to_another_organisation_fails() {
    let (w, _, _) = World::signed_by_council();
    // The council's signature file renamed as the hospital's: it still names the council.
    std::fs::rename(
        w.signature(FRAMEWORK, COUNCIL),
        w.signature(FRAMEWORK, HOSPITAL),
    )
    .unwrap();
    let (code, report) = w.verify_json(FRAMEWORK);
    assert_eq!(
        code, 0,
        "the council's signature stays the council's, wherever the file is"
    );
    assert_eq!(party(&report, COUNCIL)["status"], "signed");
    assert_eq!(party(&report, HOSPITAL)["status"], "outstanding");

    // A statement that claims the hospital, signed with the council's key.
    let (w, council_key, _) = World::signed_by_council();
    let key = countersign::approval::keys::SecretKey::from_pem(
        &std::fs::read_to_string(&council_key).unwrap(),
        None,
    )
    .unwrap();
    let envelope: Value =
        serde_json::from_slice(&std::fs::read(w.signature(FRAMEWORK, COUNCIL)).unwrap()).unwrap();
    let mut statement: countersign::approval::signature::Statement = serde_json::from_slice(
        &STANDARD
            .decode(envelope["payload"].as_str().unwrap())
            .unwrap(),
    )
    .unwrap();
    statement.predicate.organisation = countersign::approval::signature::OrganisationRef {
        id: HOSPITAL.into(),
        name: "Riverside Hospitals NHS Foundation Trust".into(),
    };
    let forged = countersign::approval::signature::sign(&statement, &key);
    std::fs::write(
        w.signature(FRAMEWORK, HOSPITAL),
        countersign::approval::signature::envelope_bytes(&forged),
    )
    .unwrap();
    let (code, text) = w.verify(FRAMEWORK, &[]);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("FAILED       Riverside Hospitals NHS Foundation Trust: the key SHA256:"),
        "{text}"
    );
    assert!(text.contains("is not listed for Riverside Hospitals NHS Foundation Trust: the pack's keyring lists it for Riverside Borough Council (signature valid; key NOT listed for Riverside Hospitals NHS Foundation Trust by the pack's keyring)"), "{text}");
}

#[test]
fn a_signature_replayed_onto_the_next_version_shows_as_an_older_version() {
    let w = World::new("small");
    let council = w.key(COUNCIL, "Margaret O'Brien", &[]);
    let protocol = "protocol-hospital-discharge-v1.0.docx";
    w.sign(
        protocol,
        &council,
        COUNCIL,
        "Margaret O'Brien",
        "Chief Executive",
    )
    .success();
    let path = w.pack.join("protocols/hospital-discharge.json");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("\"version\": \"1.0\"", "\"version\": \"1.1\"")
        .replace("longer than they need to", "longer than needed");
    std::fs::write(&path, text).unwrap();
    cs().arg("assemble").arg(&w.pack).assert().success();
    let next = "protocol-hospital-discharge-v1.1.docx";
    std::fs::copy(w.signature(protocol, COUNCIL), w.signature(next, COUNCIL)).unwrap();
    let (code, text) = w.verify(next, &[]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains(
            "older        Riverside Borough Council: signed version 1.0, not this version (1.1)"
        ),
        "{text}"
    );
    assert!(
        text.contains("signatures: 0 of 2 organisations have approved this version"),
        "{text}"
    );
    let (code, _) = w.verify(next, &["--require-all"]);
    assert_eq!(code, 1);
    // The old version is still exactly what was signed.
    let (code, text) = w.verify(protocol, &[]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("signed       Riverside Borough Council"),
        "{text}"
    );
}

#[test]
fn a_malleated_or_truncated_signature_fails() {
    let (w, _, _) = World::signed_by_council();
    let sig = w.signature(FRAMEWORK, COUNCIL);
    let mut envelope: Value = serde_json::from_slice(&std::fs::read(&sig).unwrap()).unwrap();
    let mut raw = STANDARD
        .decode(envelope["signatures"][0]["sig"].as_str().unwrap())
        .unwrap();
    add_group_order(&mut raw[32..]);
    envelope["signatures"][0]["sig"] = json!(STANDARD.encode(&raw));
    std::fs::write(&sig, serde_json::to_vec(&envelope).unwrap()).unwrap();
    let (code, text) = w.verify(FRAMEWORK, &[]);
    assert_eq!(code, 1);
    assert!(
        text.contains("FAILED       Riverside Borough Council: the signature is not valid"),
        "{text}"
    );

    let (w, _, _) = World::signed_by_council();
    let sig = w.signature(FRAMEWORK, COUNCIL);
    let bytes = std::fs::read(&sig).unwrap();
    std::fs::write(&sig, &bytes[..bytes.len() / 2]).unwrap();
    let (code, text) = w.verify(FRAMEWORK, &[]);
    assert_eq!(code, 1);
    assert!(
        text.contains("FAILED       Riverside Borough Council: the signature file is malformed"),
        "{text}"
    );
}

#[test]
fn a_key_revoked_before_the_signature_fails_and_one_superseded_after_does_not() {
    let (w, _, _) = World::signed_by_council();
    w.revoke_first_key("superseded", "2026-12-01");
    let (code, text) = w.verify(FRAMEWORK, &[]);
    assert_eq!(code, 0, "signed before the key was superseded: {text}");

    let (w, _, _) = World::signed_by_council();
    w.revoke_first_key("compromised", "2026-10-01");
    let (code, text) = w.verify(FRAMEWORK, &[]);
    assert_eq!(code, 1);
    // The compromise is dated before the signature was recorded: the register's record shows
    // it arrived after the key may have been in other hands.
    assert!(text.contains("FAILED       Riverside Borough Council: the key was revoked (compromised) from 2026-10-01T00:00:00Z, before the signature was recorded (2026-11-23T12:00:00Z)"), "{text}");
}

impl World {
    /// Revokes the first key of the keyring.
    fn revoke_first_key(&self, reason: &str, effective: &str) {
        cs().args([
            "keys",
            "revoke",
            &id_of(self),
            "--reason",
            reason,
            "--effective",
            effective,
            "--pack",
        ])
        .arg(&self.pack)
        .assert()
        .success();
    }
}

fn id_of(w: &World) -> String {
    let keys: Value = serde_json::from_slice(
        &cs()
            .args(["keys", "list", "--json", "--pack"])
            .arg(&w.pack)
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    keys["keys"][0]["key_id"].as_str().unwrap().to_string()
}

#[test]
fn an_altered_keyring_is_not_trusted() {
    let (w, _, _) = World::signed_by_council();
    let path = w.pack.join("keys/keyring.json");
    let text =
        std::fs::read_to_string(&path)
            .unwrap()
            .replacen("\"Margaret O'Brien\"", "\"Mallory\"", 1);
    std::fs::write(&path, text).unwrap();
    let (code, text) = w.verify(FRAMEWORK, &[]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("cannot be trusted: its history was altered: change 2 does not follow from the change before it"), "{text}");
}

#[test]
fn weak_or_malformed_public_keys_are_refused() {
    let w = World::new("small");
    let weak = w.private.join("weak.pub");
    let mut blob = vec![0, 0, 0, 11];
    blob.extend(b"ssh-ed25519");
    blob.extend([0, 0, 0, 32]);
    let mut identity = [0u8; 32];
    identity[0] = 1;
    blob.extend(identity);
    std::fs::write(
        &weak,
        format!("ssh-ed25519 {} weak", STANDARD.encode(&blob)),
    )
    .unwrap();
    cs().args(["keys", "add"])
        .arg(&weak)
        .args(["--org", COUNCIL, "--signatory", "M", "--pack"])
        .arg(&w.pack)
        .assert()
        .code(2)
        .stderr(contains("it is a weak Ed25519 key"));
    std::fs::write(&weak, "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ x").unwrap();
    cs().args(["keys", "add"])
        .arg(&weak)
        .args(["--org", COUNCIL, "--signatory", "M", "--pack"])
        .arg(&w.pack)
        .assert()
        .code(2)
        .stderr(contains("the key type is 'ssh-rsa', not ssh-ed25519"));
    cs().args(["keygen", "--org", COUNCIL, "--no-passphrase", "--out"])
        .arg(&w.private)
        .assert()
        .success();
    cs().args(["keys", "add"])
        .arg(w.private.join(format!("{COUNCIL}.key")))
        .args(["--org", COUNCIL, "--signatory", "M", "--pack"])
        .arg(&w.pack)
        .assert()
        .code(2)
        .stderr(contains("is a secret key"));
}

/// The README's independent check: jq, base64, sha256sum and openssl, no countersign.
#[test]
fn stock_tools_verify_a_signature_and_reject_a_tampered_document() {
    let (w, _, _) = World::signed_by_council();
    let script = root().join("tests/support/verify_with_openssl.sh");
    let run = || {
        StdCommand::new("bash")
            .arg(&script)
            .arg(w.doc(FRAMEWORK))
            .arg(w.signature(FRAMEWORK, COUNCIL))
            .arg(w.private.join(format!("{COUNCIL}.pub")))
            .output()
            .unwrap()
    };
    // A key that is not the organisation's published one does not verify the signature.
    cs().args(["keygen", "--org", "impostor", "--no-passphrase", "--out"])
        .arg(&w.private)
        .assert()
        .success();
    let other = StdCommand::new("bash")
        .arg(&script)
        .arg(w.doc(FRAMEWORK))
        .arg(w.signature(FRAMEWORK, COUNCIL))
        .arg(w.private.join("impostor.pub"))
        .output()
        .unwrap();
    assert!(!other.status.success());
    assert!(String::from_utf8_lossy(&other.stdout).contains("the statement names another key"));
    let ok = run();
    let stdout = String::from_utf8_lossy(&ok.stdout);
    assert!(
        ok.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(
        stdout.contains("Signature Verified Successfully"),
        "{stdout}"
    );
    assert!(stdout.contains("signed by Riverside Borough Council (Margaret O'Brien, Chief Executive) for framework-v1.0.docx"), "{stdout}");
    let mut bytes = std::fs::read(w.doc(FRAMEWORK)).unwrap();
    bytes[100] ^= 1;
    std::fs::write(w.doc(FRAMEWORK), &bytes).unwrap();
    let bad = run();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stdout).contains("is not the signed"));
}

/// The passphrase prompt on a real terminal (a pty made by `script`): asked twice, never
/// echoed, and two different answers write nothing.
#[test]
fn keygen_asks_for_the_passphrase_on_a_terminal_without_echoing_it() {
    let dir = tempfile::tempdir().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("countersign");
    let run = |name: &str, first: &str, second: &str| {
        let command = format!(
            "{} keygen --org riverside-council --name {name} --out {}",
            bin.display(),
            dir.path().display()
        );
        let feed = format!(
            "sleep 1; printf '%s\\n' '{first}'; sleep 1; printf '%s\\n' '{second}'; sleep 1"
        );
        let out = StdCommand::new("bash")
            .arg("-c")
            .arg(format!("({feed}) | script -qec \"$0\" /dev/null"))
            .arg(command)
            .output()
            .expect("script (util-linux) runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let shown = run("typed", "correct horse battery", "correct horse battery");
    assert!(
        shown.contains("Passphrase: ") && shown.contains("Passphrase again: "),
        "{shown}"
    );
    assert!(
        !shown.contains("correct horse"),
        "the passphrase was echoed: {shown}"
    );
    let key = dir.path().join("typed.key");
    let pass = dir.path().join("pass");
    std::fs::write(&pass, "correct horse battery\n").unwrap();
    let openssl = StdCommand::new("openssl")
        .args(["pkey", "-noout", "-passin"])
        .arg(format!("file:{}", pass.display()))
        .arg("-in")
        .arg(&key)
        .output()
        .unwrap();
    assert!(
        openssl.status.success(),
        "{}",
        String::from_utf8_lossy(&openssl.stderr)
    );
    let shown = run("mismatch", "correct horse battery", "battery staple horse");
    assert!(
        shown.contains("the two passphrases differ; nothing was written"),
        "{shown}"
    );
    assert!(!dir.path().join("mismatch.key").exists());
}

/// Keyring changes made at the same moment are all kept.
#[test]
fn concurrent_keyring_changes_are_all_kept() {
    let w = World::new("cambs");
    let orgs = ["cambs-cc", "peterborough", "fenland", "hunts", "cuh"];
    for org in orgs {
        cs().args(["keygen", "--org", org, "--no-passphrase", "--out"])
            .arg(&w.private)
            .assert()
            .success();
    }
    let children: Vec<_> = orgs
        .iter()
        .map(|org| {
            StdCommand::new(assert_cmd::cargo::cargo_bin("countersign"))
                .env("SOURCE_DATE_EPOCH", NOW)
                .args(["keys", "add"])
                .arg(w.private.join(format!("{org}.pub")))
                .args(["--org", org, "--signatory", "Someone", "--pack"])
                .arg(&w.pack)
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    let list = cs()
        .args(["keys", "list", "--json", "--pack"])
        .arg(&w.pack)
        .output()
        .unwrap();
    let keys: Value = serde_json::from_slice(&list.stdout).unwrap();
    assert_eq!(keys["keys"].as_array().unwrap().len(), orgs.len());
    cs().args(["register", "verify"])
        .arg(&w.pack)
        .assert()
        .success()
        .stderr(contains("intact: 19 record(s)"));
}

/// A signer who holds a compromised key cannot backdate a signature past its revocation: once
/// the key is revoked, only a signature the register recorded in time counts.
#[test]
fn a_backdated_unrecorded_signature_with_a_revoked_key_fails() {
    let w = World::new("small");
    let council = w.key(COUNCIL, "Margaret O'Brien", &[]);
    let data = countersign::document::validate::load_pack(&w.pack).unwrap();
    let manifest =
        countersign::document::assemble::read_manifest(&w.pack.join("out/manifest.json")).unwrap();
    let keyring = countersign::approval::keyring::Keyring::from_bytes(
        &std::fs::read(w.pack.join("keys/keyring.json")).unwrap(),
    )
    .unwrap();
    let key = countersign::approval::keys::SecretKey::from_pem(
        &std::fs::read_to_string(&council).unwrap(),
        None,
    )
    .unwrap();
    let bytes = std::fs::read(w.doc(FRAMEWORK)).unwrap();
    let request = countersign::approval::sign::SignRequest {
        file: FRAMEWORK,
        bytes: &bytes,
        organisation: COUNCIL,
        signatory: "Margaret O'Brien",
        role: "Chief Executive",
        at: countersign::time::Timestamp::parse("2026-05-01T00:00:00Z").unwrap(),
    };
    let (_, envelope) =
        countersign::approval::sign::sign_document(&request, &manifest, &data, &keyring, &key)
            .unwrap();
    std::fs::create_dir_all(w.pack.join("signatures")).unwrap();
    std::fs::write(
        w.signature(FRAMEWORK, COUNCIL),
        countersign::approval::signature::envelope_bytes(&envelope),
    )
    .unwrap();
    let (code, text) = w.verify(FRAMEWORK, &[]);
    assert_eq!(
        code, 0,
        "before revocation an unrecorded signature is only a warning: {text}"
    );
    assert!(
        text.contains(
            "note: framework-v1.0.riverside-council.dsse.json is not recorded in the register"
        ),
        "{text}"
    );
    w.revoke_first_key("compromised", "2026-10-01");
    let (code, text) = w.verify(FRAMEWORK, &[]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("FAILED       Riverside Borough Council: the key was revoked (compromised) at register record 4, and the register has no record of receiving this signature, so nothing shows it came before that"), "{text}");
}

/// The README's first command leaves `out/`, `register/` (and, once someone signs, `keys/` and
/// `signatures/`) in the example; a test's copy of the pack takes its data only.
#[test]
fn a_pack_copy_takes_the_data_and_nothing_a_command_wrote() {
    let w = World::new("cambs");
    let key = w.key("cambs-cc", "Stephen Moreland", &[]);
    w.sign(
        "framework-v2.7.docx",
        &key,
        "cambs-cc",
        "Stephen Moreland",
        "Chief Executive",
    )
    .success();
    for written in ["out", "register", "signatures", "keys"] {
        assert!(w.pack.join(written).is_dir(), "{written} was not written");
    }
    let copy = w._tmp.path().join("copy");
    support::copy_pack(&w.pack, &copy);
    for written in ["out", "register", "signatures", "keys"] {
        assert!(!copy.join(written).exists(), "the copy holds {written}/");
    }
    for data in [
        "framework.json",
        "organisations.json",
        "protocols",
        "schema",
    ] {
        assert!(copy.join(data).exists(), "the copy lacks {data}");
    }
    assert_eq!(
        std::fs::read_dir(copy.join("protocols")).unwrap().count(),
        3,
        "every protocol is copied"
    );
    // The copy starts its own history: its register holds only what its own assembly recorded.
    cs().arg("assemble").arg(&copy).assert().success();
    cs().args(["register", "verify"])
        .arg(&copy)
        .assert()
        .success()
        .stderr(predicates::str::contains("intact: 14 record(s)"));
}

/// Adding a key or a signature reads the framework and the organisations, not the protocols: a
/// protocol being edited (here, broken) does not stop an organisation's approval from being
/// recorded, and `validate` and `verify` still name the broken protocol.
#[test]
fn keys_and_signatures_are_added_while_a_protocol_is_being_edited() {
    let w = World::new("small");
    let protocol = w.pack.join("protocols/hospital-discharge.json");
    let text = std::fs::read_to_string(&protocol).unwrap();
    std::fs::write(&protocol, text.replacen('{', "{\"unknown_field\": 1,", 1)).unwrap();
    cs().arg("validate")
        .arg(&w.pack)
        .assert()
        .code(2)
        .stderr(contains("unknown_field"));
    let council = w.key(COUNCIL, "Margaret O'Brien", &["Chief Executive"]);
    w.sign(
        FRAMEWORK,
        &council,
        COUNCIL,
        "Margaret O'Brien",
        "Chief Executive",
    )
    .success()
    .stderr(contains("signed framework-v1.0.docx"));
    assert!(w.signature(FRAMEWORK, COUNCIL).is_file());
    // Organisations still come from the checked organisations file: an unknown one is refused.
    cs().args(["keys", "add"])
        .arg(w.private.join(format!("{COUNCIL}.pub")))
        .args(["--org", "nobody", "--signatory", "X", "--pack"])
        .arg(&w.pack)
        .assert()
        .code(2)
        .stderr(contains("'nobody' is not an organisation of the pack"));
    // Verifying reads the whole pack, and says what is wrong with it.
    let (code, text) = w.verify(FRAMEWORK, &[]);
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("unknown_field"), "{text}");
}

/// A secret key dropped into the pack's public folders (here, saved over as a signature file)
/// stops the bundle, naming the file; nothing is written.
#[test]
fn a_secret_key_in_the_pack_stops_the_bundle() {
    let (w, council, _) = World::signed_by_council();
    let misplaced = w.signature(FRAMEWORK, HOSPITAL);
    std::fs::copy(&council, &misplaced).unwrap();
    let zip = w.pack.parent().unwrap().join("b.zip");
    cs().arg("bundle")
        .arg(&w.pack)
        .arg("-o")
        .arg(&zip)
        .assert()
        .code(2)
        .stderr(contains(
            "'signatures/framework-v1.0.riverside-hospital.dsse.json' looks like a secret key",
        ));
    assert!(!zip.exists(), "no bundle is written");
}

/// A script that asked for JSON gets JSON on standard output whatever happens once its command
/// line is understood: where the command fails, `{format, error, hint, exit}` with the words
/// standard error gives.
#[test]
fn json_output_stays_json_when_the_command_fails() {
    let tmp = tempfile::tempdir().unwrap();
    let empty = tmp.path().join("empty");
    std::fs::create_dir_all(empty.join("keys")).unwrap();
    std::fs::write(empty.join("keys/keyring.json"), "not a keyring").unwrap();
    let missing = |name: &str| tmp.path().join(name).display().to_string();
    let empty_dir = empty.display().to_string();
    let cases: [(Vec<String>, &str, i32); 6] = [
        (
            vec![
                "validate".into(),
                missing("no-pack"),
                "--code-checklist".into(),
                "--json".into(),
            ],
            "countersign/code-checklist/v1",
            2,
        ),
        (
            vec!["verify".into(), missing("nowhere.docx"), "--json".into()],
            "countersign/verify/v1",
            2,
        ),
        (
            vec!["verify".into(), missing("nowhere.zip"), "--json".into()],
            "countersign/bundle-verify/v1",
            2,
        ),
        (
            vec!["status".into(), empty_dir.clone(), "--json".into()],
            "countersign/status/v1",
            2,
        ),
        (
            vec![
                "collect".into(),
                empty_dir.clone(),
                missing("returned.dsse.json"),
                "--json".into(),
            ],
            "countersign/collect/v1",
            2,
        ),
        (
            vec![
                "keys".into(),
                "list".into(),
                "--pack".into(),
                empty_dir,
                "--json".into(),
            ],
            // A keyring that cannot be trusted: verification failed.
            "countersign/keys/v1",
            1,
        ),
    ];
    for (args, format, code) in cases {
        let out = cs().args(&args).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {stderr}");
        let v: Value = serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {stdout:?} {stderr}"));
        assert_eq!(v["format"], format, "{args:?}");
        assert_eq!(v["exit"], code, "{args:?}");
        let error = v["error"].as_str().unwrap();
        let hint = v["hint"].as_str().unwrap();
        assert!(!error.is_empty() && !hint.is_empty(), "{args:?}: {v}");
        assert_eq!(
            stderr,
            format!("error: {error}\nhint: {hint}\n"),
            "{args:?}: standard error says the same"
        );
        // Without --json, standard output stays empty.
        let words: Vec<&String> = args.iter().filter(|a| *a != "--json").collect();
        let out = cs().args(words).output().unwrap();
        assert_eq!(out.status.code(), Some(code), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
    }
}

#[test]
fn keys_revoke_says_which_signatures_will_fail_and_dry_run_records_nothing() {
    // Issue 30, 6: a revocation lists what it will change before it is recorded.
    let dir = tempfile::tempdir().unwrap();
    support::copy_example("small", &dir.path().join("pack"));
    let desk = support::Desk(dir.path());
    desk.ok(&["assemble", "pack"]);
    desk.add_seeded_key(support::COUNCIL, "Margaret O'Brien");
    desk.sign(support::FRAMEWORK, support::COUNCIL);
    let listed: serde_json::Value =
        serde_json::from_str(&desk.ok(&["keys", "list", "--pack", "pack", "--json"])).unwrap();
    let key_id = listed["keys"][0]["key_id"].as_str().unwrap().to_string();
    let register = std::fs::read(dir.path().join("pack/register/register.jsonl")).unwrap();
    let keyring = std::fs::read(dir.path().join("pack/keys/keyring.json")).unwrap();
    // Compromised from before the signature: it would fail, and the dry run says so.
    let revoke = [
        "keys",
        "revoke",
        &key_id,
        "--reason",
        "compromised",
        "--effective",
        "2026-11-01",
        "--pack",
        "pack",
    ];
    let mut dry = revoke.to_vec();
    dry.push("--dry-run");
    let said = desk.ok(&dry);
    assert!(said.contains("nothing was recorded"), "{said}");
    assert!(
        said.contains(&format!(
            "{}: Riverside Borough Council's signature",
            support::FRAMEWORK
        )),
        "{said}"
    );
    assert!(said.contains("would fail"), "{said}");
    assert_eq!(
        std::fs::read(dir.path().join("pack/register/register.jsonl")).unwrap(),
        register
    );
    assert_eq!(
        std::fs::read(dir.path().join("pack/keys/keyring.json")).unwrap(),
        keyring
    );
    // Superseded now, in the same second as the signature was recorded: the register received
    // the signature first, so it stays good, and the dry run says so.
    let superseded = [
        "keys",
        "revoke",
        &key_id,
        "--reason",
        "superseded",
        "--pack",
        "pack",
        "--dry-run",
    ];
    let said = desk.ok(&superseded);
    assert!(
        said.contains("no signature the pack holds stops counting"),
        "{said}"
    );
    // Recorded for real: the same list, then the revocation.
    let said = desk.ok(&revoke);
    assert!(said.contains("revoked the key"), "{said}");
    assert!(said.contains("would fail"), "{said}");
}

#[test]
fn collect_says_when_a_signature_claims_a_time_after_it_was_received() {
    // Issue 30, 6: the signer's time is evidence; one in the future is flagged, not silent.
    let dir = tempfile::tempdir().unwrap();
    support::copy_example("small", &dir.path().join("pack"));
    let desk = support::Desk(dir.path());
    desk.ok(&["assemble", "pack"]);
    desk.add_seeded_key(support::HOSPITAL, "Dr Peter Walsh");
    desk.ok(&["bundle", "pack", "-o", "sent.zip"]);
    // The hospital's computer is a day fast.
    let tomorrow = (support::NOW.parse::<i64>().unwrap() + 86_400).to_string();
    let out = support::cs()
        .current_dir(dir.path())
        .env("SOURCE_DATE_EPOCH", &tomorrow)
        .args(["sign", "sent.zip", support::FRAMEWORK, "--key"])
        .arg(format!("private/{}.key", support::HOSPITAL))
        .args(["-o", "returned.dsse.json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = desk.ok(&["collect", "pack", "returned.dsse.json"]);
    assert!(said.contains("later than it was received"), "{said}");
    assert!(said.contains("clock"), "{said}");
}
