//! Known-answer vectors (tests/vectors/) and tamper tests: a fixed key, document and statement
//! must give exactly the committed signature; every damaged envelope must fail for its stated
//! reason; every byte of a small signed document, and of its signature file, flipped in turn
//! must fail verification.

mod support;
use support::add_group_order;

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use countersign::approval::keyring::Keyring;
use countersign::approval::keys::SecretKey;
use countersign::approval::sign::{SignRequest, sign_document};
use countersign::approval::signature::{
    self, Approval, DocumentRef, EnvelopeError, OrganisationRef, SignatoryRef, Statement,
};
use countersign::digest::sha256_hex;
use countersign::document::manifest::{DocumentKind, Manifest, ManifestEntry, TemplateRecord};
use countersign::time::Timestamp;
use countersign::verify::{Status, verify_document};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
}

fn test_key() -> SecretKey {
    let hex_seed = std::fs::read_to_string(dir().join("TEST-ONLY-secret-seed.hex")).unwrap();
    let seed: [u8; 32] = hex::decode(hex_seed.trim()).unwrap().try_into().unwrap();
    SecretKey::from_seed(&seed)
}

fn statement(document: &[u8], key: &SecretKey) -> Statement {
    Statement::new(
        "framework-v1.0.docx",
        &sha256_hex(document),
        Approval {
            pack: "riverside-isf".into(),
            pack_version: "1.0".into(),
            document: DocumentRef {
                id: "riverside-isf".into(),
                kind: "framework".into(),
                version: "1.0".into(),
                title: "Riverside Information Sharing Framework".into(),
            },
            organisation: OrganisationRef {
                id: "riverside-council".into(),
                name: "Riverside Borough Council".into(),
            },
            signatory: SignatoryRef {
                name: "Margaret O'Brien".into(),
                role: "Chief Executive".into(),
            },
            signed_at: "2026-11-23T12:00:00Z".into(),
            key_id: key.public().key_id(),
        },
    )
}

/// A damaged envelope: its file name, its JSON, and the reason verification must give.
type Damaged = (&'static str, Value, fn(&EnvelopeError) -> bool);

/// The damaged envelopes.
fn damaged(good: &Value) -> Vec<Damaged> {
    let mut malleated = good.clone();
    let mut sig = STANDARD
        .decode(good["signatures"][0]["sig"].as_str().unwrap())
        .unwrap();
    add_group_order(&mut sig[32..]);
    malleated["signatures"][0]["sig"] = json!(STANDARD.encode(&sig));
    let mut edited = good.clone();
    let payload = String::from_utf8(STANDARD.decode(good["payload"].as_str().unwrap()).unwrap())
        .unwrap()
        .replace("1.0", "1.1");
    edited["payload"] = json!(STANDARD.encode(payload));
    let mut wrong_type = good.clone();
    wrong_type["payloadType"] = json!("application/json");
    let mut two = good.clone();
    let first = good["signatures"][0].clone();
    two["signatures"] = json!([first.clone(), first]);
    let mut unknown_field = good.clone();
    unknown_field["note"] = json!("added");
    // The payload's last digit before its padding with a bit set that no byte uses (S1).
    let mut stray_bits = good.clone();
    let text = good["payload"].as_str().unwrap();
    let body = text.trim_end_matches('=');
    let (head, last) = body.split_at(body.len() - 1);
    assert_eq!(
        last, "Q",
        "the payload's last digit changed: pick another stray bit"
    );
    stray_bits["payload"] = json!(format!("{head}R{}", &text[body.len()..]));
    vec![
        ("fail_malleated_s_plus_l.dsse.json", malleated, |e| {
            *e == EnvelopeError::BadSignature
        }),
        ("fail_edited_statement.dsse.json", edited, |e| {
            *e == EnvelopeError::BadSignature
        }),
        ("fail_wrong_payload_type.dsse.json", wrong_type, |e| {
            matches!(e, EnvelopeError::WrongPayloadType(_))
        }),
        ("fail_two_signatures.dsse.json", two, |e| {
            matches!(e, EnvelopeError::Malformed(_))
        }),
        ("fail_unknown_field.dsse.json", unknown_field, |e| {
            matches!(e, EnvelopeError::Malformed(_))
        }),
        ("fail_payload_stray_bits.dsse.json", stray_bits, |e| {
            matches!(e, EnvelopeError::Malformed(_))
        }),
    ]
}

#[test]
fn known_answer_vectors() {
    let key = test_key();
    let document = std::fs::read(dir().join("document.bin")).unwrap();
    let st = statement(&document, &key);
    let envelope = signature::sign(&st, &key);
    let envelope_bytes = signature::envelope_bytes(&envelope);
    let payload = STANDARD.decode(&envelope.payload).unwrap();
    let good: Value = serde_json::from_slice(&envelope_bytes).unwrap();
    let write = std::env::var_os("COUNTERSIGN_WRITE_VECTORS").is_some();
    if write {
        std::fs::write(dir().join("statement.json"), &payload).unwrap();
        std::fs::write(dir().join("pass_approval.dsse.json"), &envelope_bytes).unwrap();
        for (name, value, _) in damaged(&good) {
            std::fs::write(dir().join(name), serde_json::to_vec_pretty(&value).unwrap()).unwrap();
        }
        let truncated = &envelope_bytes[..envelope_bytes.len() / 2];
        std::fs::write(dir().join("fail_truncated.dsse.json"), truncated).unwrap();
    }
    assert_eq!(
        std::fs::read(dir().join("statement.json")).unwrap(),
        payload,
        "the statement's bytes changed"
    );
    assert_eq!(
        std::fs::read(dir().join("pass_approval.dsse.json")).unwrap(),
        envelope_bytes,
        "the signature for fixed inputs changed"
    );

    let lookup = |id: &str| (id == key.public().key_id().as_str()).then(|| key.public());
    let opened = signature::open(
        &std::fs::read(dir().join("pass_approval.dsse.json")).unwrap(),
        lookup,
    )
    .unwrap();
    assert_eq!(opened.statement, st);
    assert_eq!(
        opened.statement.subject[0].digest.sha256,
        sha256_hex(&document)
    );

    let mut checked = 0;
    for (name, _, expected) in damaged(&good) {
        let err = signature::open(&std::fs::read(dir().join(name)).unwrap(), lookup).unwrap_err();
        assert!(expected(&err), "{name}: {err}");
        checked += 1;
    }
    let err = signature::open(
        &std::fs::read(dir().join("fail_truncated.dsse.json")).unwrap(),
        lookup,
    )
    .unwrap_err();
    assert!(matches!(err, EnvelopeError::Malformed(_)), "{err}");
    let on_disk = std::fs::read_dir(dir())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("fail_")
        })
        .count();
    assert_eq!(on_disk, checked + 1, "every fail_ vector is checked");
}

/// A small document signed through the real signing path, with its manifest and keyring.
/// A signed document and everything needed to verify it.
struct Signed {
    document: Vec<u8>,
    manifest: Manifest,
    data: countersign::document::validate::PackData,
    keyring: Keyring,
    signatures: Vec<(String, Vec<u8>)>,
}

fn signed_small_document() -> Signed {
    let data = countersign::document::validate::load_pack(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/small"),
    )
    .unwrap();
    let document = std::fs::read(dir().join("document.bin")).unwrap();
    let manifest = Manifest {
        format: countersign::document::manifest::MANIFEST_FORMAT.into(),
        pack: "riverside-isf".into(),
        pack_version: "1.0".into(),
        inputs: Vec::new(),
        documents: vec![ManifestEntry {
            file: "framework-v1.0.docx".into(),
            kind: DocumentKind::Framework,
            id: "riverside-isf".into(),
            version: "1.0".into(),
            title: "Riverside Information Sharing Framework".into(),
            sha256: sha256_hex(&document),
            size: document.len() as u64,
            template: TemplateRecord {
                name: "framework.docx".into(),
                source: "default".into(),
                sha256: String::new(),
            },
            data_sha256: String::new(),
            parties: vec!["riverside-council".into(), "riverside-hospital".into()],
            current: true,
            supersedes: None,
        }],
    };
    let key = test_key();
    let mut keyring = Keyring::default();
    keyring
        .add(
            &key.public(),
            "riverside-council",
            "Margaret O'Brien",
            &[],
            Timestamp::parse("2026-04-01").unwrap(),
            Timestamp::parse("2026-04-01").unwrap(),
        )
        .unwrap();
    let request = SignRequest {
        file: "framework-v1.0.docx",
        bytes: &document,
        organisation: "riverside-council",
        signatory: "Margaret O'Brien",
        role: "Chief Executive",
        at: Timestamp::parse("2026-11-23T12:00:00Z").unwrap(),
    };
    let (_, envelope) = sign_document(&request, &manifest, &data, &keyring, &key).unwrap();
    let signatures = vec![(
        "framework-v1.0.riverside-council.dsse.json".to_string(),
        signature::envelope_bytes(&envelope),
    )];
    Signed {
        document,
        manifest,
        data,
        keyring,
        signatures,
    }
}

#[test]
fn every_byte_of_the_document_flipped_fails_verification() {
    let Signed {
        document,
        manifest,
        data,
        keyring,
        signatures,
    } = signed_small_document();
    let report = verify_document(
        "framework-v1.0.docx",
        &document,
        &manifest,
        &data,
        &keyring,
        &signatures,
        None,
    );
    assert!(report.valid);
    assert_eq!(report.parties[0].status, Status::Signed);
    for i in 0..document.len() {
        for bit in [0x01u8, 0x80] {
            let mut tampered = document.clone();
            tampered[i] ^= bit;
            let report = verify_document(
                "framework-v1.0.docx",
                &tampered,
                &manifest,
                &data,
                &keyring,
                &signatures,
                None,
            );
            assert!(!report.valid, "byte {i} flipped ({bit:#x}) still verifies");
            assert_eq!(report.parties[0].status, Status::Failed, "byte {i}");
            assert_eq!(
                report.parties[0].reason.as_deref(),
                Some("the document differs from what was signed")
            );
        }
    }
}

#[test]
fn every_byte_of_the_signature_file_flipped_fails_verification() {
    let Signed {
        document,
        manifest,
        data,
        keyring,
        signatures,
    } = signed_small_document();
    let (name, envelope) = &signatures[0];
    for i in 0..envelope.len() {
        let mut tampered = envelope.clone();
        tampered[i] ^= 0x01;
        let report = verify_document(
            "framework-v1.0.docx",
            &document,
            &manifest,
            &data,
            &keyring,
            &[(name.clone(), tampered)],
            None,
        );
        assert_ne!(
            report.parties[0].status,
            Status::Signed,
            "signature byte {i} flipped still verifies"
        );
        assert!(!report.valid, "byte {i}");
    }
}
