//! The library used as a program that embeds it would use it: pack operations called from
//! Rust, with no code of the binary's. What they leave behind is then read by the command, as a
//! coordinator would read it.

mod support;

use countersign::approval::key_changes::{self, KeyChangeError, NewKey};
use countersign::approval::keyring::RevocationReason;
use countersign::approval::keys::SecretKey;
use countersign::record::register::{Event, Register};
use countersign::time::Timestamp;
use support::{COUNCIL, Desk, copy_example};

fn t(text: &str) -> Timestamp {
    Timestamp::parse_exact(text).unwrap()
}

#[test]
fn keys_are_added_corrected_and_revoked_through_the_library_alone() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("pack");
    copy_example("small", &pack);
    Desk(dir.path()).ok(&["assemble", "pack"]);

    let key = SecretKey::from_seed(&[7; 32]).public();
    let added = key_changes::add_key(
        &countersign::pack::Pack::new(&pack),
        NewKey {
            organisation: COUNCIL,
            signatory: "Margaret O'Brien",
            roles: &[],
            public_key: key,
            created: Some(t("2026-11-20T09:00:00Z")),
            valid_from: None,
        },
        t("2026-11-23T12:00:00Z"),
    )
    .unwrap();
    assert_eq!(added.key_id, key.key_id());
    assert_eq!(added.organisation_name, "Riverside Borough Council");
    // Counted from when the key was made, not from when it was added.
    assert_eq!(added.valid_from, t("2026-11-20T09:00:00Z"));

    // The same key again, and an organisation the pack does not have: refused, nothing written.
    let keyring_before = std::fs::read(pack.join("keys/keyring.json")).unwrap();
    let again = key_changes::add_key(
        &countersign::pack::Pack::new(&pack),
        NewKey {
            organisation: COUNCIL,
            signatory: "Margaret O'Brien",
            roles: &[],
            public_key: key,
            created: None,
            valid_from: None,
        },
        t("2026-11-23T12:01:00Z"),
    );
    assert!(
        matches!(again, Err(KeyChangeError::Refused { action: "add", .. })),
        "{again:?}"
    );
    let stranger = key_changes::add_key(
        &countersign::pack::Pack::new(&pack),
        NewKey {
            organisation: "nowhere-council",
            signatory: "Nobody",
            roles: &[],
            public_key: SecretKey::from_seed(&[8; 32]).public(),
            created: None,
            valid_from: None,
        },
        t("2026-11-23T12:01:00Z"),
    );
    assert!(
        matches!(&stranger, Err(KeyChangeError::UnknownOrganisation(org)) if org == "nowhere-council"),
        "{stranger:?}"
    );
    assert_eq!(
        std::fs::read(pack.join("keys/keyring.json")).unwrap(),
        keyring_before
    );

    let (was, now_from) = key_changes::correct_valid_from(
        &countersign::pack::Pack::new(&pack),
        &key.key_id().to_string()[..16],
        t("2026-11-21T00:00:00Z"),
        Some("the date on the form"),
        t("2026-11-24T09:00:00Z"),
    )
    .unwrap();
    assert_eq!(was.valid_from, t("2026-11-20T09:00:00Z"));
    assert_eq!(now_from, t("2026-11-21T00:00:00Z"));

    let key_changes::Revoked {
        key: revoked,
        effective,
        repaired,
    } = key_changes::revoke_key(
        &countersign::pack::Pack::new(&pack),
        &key.key_id().to_string(),
        RevocationReason::Superseded,
        None,
        None,
        t("2026-11-25T10:00:00Z"),
    )
    .unwrap();
    assert_eq!(revoked.key_id, key.key_id());
    assert_eq!(effective, t("2026-11-25T10:00:00Z"));
    assert!(!repaired);
    let missing = key_changes::revoke_key(
        &countersign::pack::Pack::new(&pack),
        "SHA256:nothing",
        RevocationReason::Compromised,
        None,
        None,
        t("2026-11-25T10:00:00Z"),
    );
    assert!(
        matches!(missing, Err(KeyChangeError::NoSuchKey(_))),
        "{missing:?}"
    );

    // The register recorded the key's addition and revocation, in order, at the times given.
    let register = Register::load(&countersign::pack::Pack::new(&pack).register_path()).unwrap();
    let keys: Vec<(&Event, String)> = register
        .records
        .iter()
        .filter(|r| matches!(r.event, Event::KeyAdded { .. } | Event::KeyRevoked { .. }))
        .map(|r| (&r.event, r.at.to_string()))
        .collect();
    assert_eq!(keys.len(), 2, "{keys:?}");
    assert!(matches!(keys[0].0, Event::KeyAdded { organisation, .. } if organisation == COUNCIL));
    assert_eq!(keys[0].1, "2026-11-23T12:00:00Z");
    assert!(matches!(keys[1].0, Event::KeyRevoked { reason, .. } if reason == "superseded"));

    // And the command reads what the library wrote.
    let listed = Desk(dir.path()).ok(&["keys", "list", "--pack", "pack"]);
    assert!(listed.contains(&key.key_id().to_string()), "{listed}");
    assert!(
        listed.contains("REVOKED (superseded) from 2026-11-25T10:00:00Z"),
        "{listed}"
    );
    Desk(dir.path()).ok(&["register", "verify", "pack"]);
}

#[test]
fn a_document_is_signed_bundled_and_verified_through_the_library_alone() {
    use countersign::approval::sign::SignerChoice;
    use countersign::approval::signing::{self, SigningError};
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("pack");
    copy_example("small", &pack);
    Desk(dir.path()).ok(&["assemble", "pack"]);
    let secret = SecretKey::from_seed(&[9; 32]);
    key_changes::add_key(
        &countersign::pack::Pack::new(&pack),
        NewKey {
            organisation: COUNCIL,
            signatory: "Margaret O'Brien",
            roles: &[],
            public_key: secret.public(),
            created: None,
            valid_from: None,
        },
        t("2026-11-23T12:00:00Z"),
    )
    .unwrap();
    let located =
        countersign::pack::Pack::locate(&pack.join("out").join(support::FRAMEWORK), None).unwrap();
    assert_eq!(located.root(), pack.as_path());
    let bytes = std::fs::read(pack.join("out").join(support::FRAMEWORK)).unwrap();
    let signed = signing::sign_in_pack(
        &located,
        support::FRAMEWORK,
        &bytes,
        &secret,
        SignerChoice::default(),
        t("2026-11-23T13:00:00Z"),
    )
    .unwrap();
    assert_eq!(signed.statement.predicate.organisation.id, COUNCIL);
    assert_eq!(signed.statement.predicate.signed_at, "2026-11-23T13:00:00Z");
    assert_eq!(signed.set_aside, None);
    assert!(
        pack.join("signatures")
            .join(&signed.signature_file)
            .is_file()
    );
    // A valid signature is never replaced.
    let again = signing::sign_in_pack(
        &located,
        support::FRAMEWORK,
        &bytes,
        &secret,
        SignerChoice::default(),
        t("2026-11-23T14:00:00Z"),
    );
    assert!(
        matches!(again, Err(SigningError::AlreadySigned { .. })),
        "{again:?}"
    );
    // The register recorded it, and the command verifies it.
    let register = Register::load(&countersign::pack::Pack::new(&pack).register_path()).unwrap();
    assert_eq!(register.records.len() as u64, signed.register_record);
    let said = Desk(dir.path()).ok(&[
        "verify",
        &format!("pack/out/{}", support::FRAMEWORK),
        "--json",
    ]);
    let report: serde_json::Value = serde_json::from_str(said.trim()).unwrap();
    let council = report["parties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["organisation"] == COUNCIL)
        .unwrap();
    assert_eq!(council["status"], "signed");
    assert_eq!(council["signed"]["register_record"], signed.register_record);

    // Bundled and the bundle verified, through the library alone.
    let made = countersign::pack::bundle::make(&located, t("2026-11-23T15:00:00Z")).unwrap();
    assert_eq!((made.documents, made.signatures), (2, 1));
    assert!(made.failing.is_empty());
    let verdict = countersign::verify::verdict::verify_bundle(
        "riverside.zip",
        &made.zip,
        None,
        countersign::pack::bundle::Asks::default(),
    )
    .unwrap();
    assert!(verdict.valid);
    let json = serde_json::to_value(&verdict).unwrap();
    assert_eq!(json["page"]["status"], "genuine");
    assert_eq!(json["documents"][0]["parties"][0]["status"], "signed");
    // The same bundle, made again from the same pack at the same time: the same bytes.
    let again = countersign::pack::bundle::make(&located, t("2026-11-23T15:00:00Z")).unwrap();
    assert_eq!(again.zip, made.zip);
}

#[test]
fn an_approval_on_paper_is_recorded_through_the_library_alone() {
    use countersign::approval::paper_approval::{self, PaperApproval, PaperError};
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("pack");
    copy_example("small", &pack);
    Desk(dir.path()).ok(&["assemble", "pack"]);
    let located = countersign::pack::Pack::new(&pack);
    let scan = b"%PDF-1.4 signed sheet, scanned\n";
    let approval = PaperApproval {
        document: "riverside-isf",
        organisation: support::HOSPITAL,
        signatory: "Dr Peter Walsh",
        role: "Caldicott Guardian",
        signed_on: t("2026-11-23T00:00:00Z"),
        scan,
        scan_extension: "pdf",
    };
    // A date on the sheet after the day it is recorded: refused, nothing written.
    let early = paper_approval::record(&located, approval, t("2026-11-19T12:00:00Z"));
    assert!(matches!(early, Err(PaperError::DatedLater(_))), "{early:?}");
    assert!(!pack.join("paper").exists());
    let recorded = paper_approval::record(&located, approval, t("2026-11-23T12:00:00Z")).unwrap();
    assert_eq!(recorded.record.file, support::FRAMEWORK);
    assert_eq!(recorded.record.signed_on, "2026-11-23");
    assert!(pack.join("paper").join(&recorded.record.scan).is_file());
    let again = paper_approval::record(&located, approval, t("2026-11-23T12:05:00Z"));
    assert!(
        matches!(
            again,
            Err(PaperError::AlreadyApproved {
                how: "on paper",
                ..
            })
        ),
        "{again:?}"
    );
    let said = Desk(dir.path()).ok(&[
        "verify",
        &format!("pack/out/{}", support::FRAMEWORK),
        "--json",
    ]);
    let report: serde_json::Value = serde_json::from_str(said.trim()).unwrap();
    let hospital = report["parties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["organisation"] == support::HOSPITAL)
        .unwrap();
    assert_eq!(hospital["status"], "signed-on-paper");
}

#[test]
fn a_signatory_signs_from_a_bundle_and_the_coordinator_collects_through_the_library_alone() {
    use countersign::approval::collect::{Outcome, collect};
    use countersign::approval::sign::SignerChoice;
    use countersign::approval::signing::{BundleSigningError, FromBundle, read_bundle_for_signing};
    use countersign::record::checkpoint::{self, CheckpointSignError};
    let dir = tempfile::tempdir().unwrap();
    let pack_dir = dir.path().join("pack");
    copy_example("small", &pack_dir);
    Desk(dir.path()).ok(&["assemble", "pack"]);
    let pack = countersign::pack::Pack::new(&pack_dir);
    let (council, hospital) = (
        SecretKey::from_seed(&[11; 32]),
        SecretKey::from_seed(&[12; 32]),
    );
    for (org, signatory, key) in [
        (COUNCIL, "Margaret O'Brien", &council),
        (support::HOSPITAL, "Dr Peter Walsh", &hospital),
    ] {
        key_changes::add_key(
            &pack,
            NewKey {
                organisation: org,
                signatory,
                roles: &[],
                public_key: key.public(),
                created: None,
                valid_from: None,
            },
            t("2026-11-23T12:00:00Z"),
        )
        .unwrap();
    }
    let made = countersign::pack::bundle::make(&pack, t("2026-11-23T15:00:00Z")).unwrap();

    // The hospital's signatory, with only the bundle: what awaits them, then a signature.
    let opened = countersign::verify::verdict::open("riverside.zip", &made.zip).unwrap();
    let bundle = read_bundle_for_signing(
        &opened.contents,
        &hospital.public().key_id(),
        SignerChoice::default(),
    )
    .unwrap();
    assert_eq!(bundle.signer().organisation, support::HOSPITAL);
    let awaiting = bundle.awaiting();
    assert_eq!(awaiting.approved, 0);
    assert!(
        awaiting
            .documents
            .iter()
            .any(|d| d.file == support::FRAMEWORK && d.version.as_deref() == Some("1.0")),
        "{awaiting:?}"
    );
    let unknown = bundle.document("no-such-document");
    assert!(
        matches!(unknown, Err(BundleSigningError::NoSuchDocument(_))),
        "{unknown:?}"
    );
    let (file, bytes) = bundle.document("riverside-isf").unwrap();
    assert_eq!(file, support::FRAMEWORK);
    assert_eq!(bundle.file_of(&bytes).as_deref(), Some(support::FRAMEWORK));
    let FromBundle::Signed {
        bytes: envelope,
        file_name,
        statement,
    } = bundle
        .sign(&file, &bytes, &hospital, t("2026-11-24T09:00:00Z"))
        .unwrap()
    else {
        panic!("the hospital had not signed, so a signature is made")
    };
    assert_eq!(statement.predicate.organisation.id, support::HOSPITAL);
    assert!(file_name.ends_with(".dsse.json"), "{file_name}");

    // A checkpoint of the bundle's register, signed by the hospital; a stranger's key is refused.
    let signed_checkpoint = checkpoint::sign(
        &opened.contents,
        &hospital,
        SignerChoice::default(),
        t("2026-11-24T09:01:00Z"),
    )
    .unwrap();
    assert_eq!(
        signed_checkpoint.checkpoint.size,
        opened.contents.register.head().0
    );
    let stranger = checkpoint::sign(
        &opened.contents,
        &SecretKey::from_seed(&[13; 32]),
        SignerChoice::default(),
        t("2026-11-24T09:01:00Z"),
    );
    assert!(
        matches!(stranger, Err(CheckpointSignError::Signer(_))),
        "{stranger:?}"
    );

    // The coordinator collects both files; again, they are already held.
    let returned = vec![
        (file_name.clone(), envelope.clone()),
        (
            signed_checkpoint.file_name.clone(),
            signed_checkpoint.bytes.clone(),
        ),
    ];
    let report = collect(&pack, &returned, t("2026-11-24T10:00:00Z")).unwrap();
    assert_eq!(report.count(Outcome::Collected), 2, "{:?}", report.files);
    let again = collect(&pack, &returned, t("2026-11-24T10:05:00Z")).unwrap();
    assert_eq!(again.count(Outcome::AlreadyHeld), 2, "{:?}", again.files);

    // Signed from the bundle a second time: nothing to sign.
    let reopened = countersign::verify::verdict::open(
        "riverside.zip",
        &countersign::pack::bundle::make(&pack, t("2026-11-24T11:00:00Z"))
            .unwrap()
            .zip,
    )
    .unwrap();
    let bundle = read_bundle_for_signing(
        &reopened.contents,
        &hospital.public().key_id(),
        SignerChoice::default(),
    )
    .unwrap();
    assert!(matches!(
        bundle.sign(&file, &bytes, &hospital, t("2026-11-24T11:01:00Z")),
        Ok(FromBundle::AlreadyApproved { .. })
    ));

    // The document verified in the pack through the library: the hospital signed, the
    // checkpoint holds, and a trust file naming another key for the hospital contradicts it.
    let contents = pack.contents().unwrap();
    let report =
        countersign::verify::verdict::verify_document(&contents, support::FRAMEWORK, &bytes, None)
            .unwrap();
    let party = |r: &countersign::verify::VerifyReport, org: &str| {
        r.parties
            .iter()
            .find(|p| p.organisation == org)
            .unwrap()
            .status
            .clone()
    };
    assert_eq!(
        party(&report, support::HOSPITAL),
        countersign::verify::Status::Signed
    );
    assert_eq!(
        checkpoint::verify_register(&pack)
            .unwrap()
            .checkpoints
            .len(),
        1
    );
    let trust = format!(
        "{} {}\n",
        support::HOSPITAL,
        SecretKey::from_seed(&[14; 32]).public().key_id()
    );
    let pinned = countersign::verify::verdict::verify_document(
        &contents,
        support::FRAMEWORK,
        &bytes,
        Some(countersign::verify::verdict::Trusted::named(
            "trust.txt",
            trust.as_bytes(),
        )),
    )
    .unwrap();
    assert!(!pinned.valid);
    assert_eq!(
        party(&pinned, support::HOSPITAL),
        countersign::verify::Status::Failed
    );
    // The command agrees.
    let said = Desk(dir.path()).ok(&["register", "verify", "pack"]);
    assert!(said.contains("vouched for the first"), "{said}");
}

#[test]
fn versions_are_compared_and_sheets_and_checklists_made_through_the_library_alone() {
    use countersign::document::changes::{ChangesError, between, summary_docx};
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("pack");
    copy_example("small", &root);
    Desk(dir.path()).ok(&["assemble", "pack"]);
    // A second version of the framework: a paragraph added, and a revision.
    let path = root.join("framework.json");
    let mut framework: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    framework["version"] = "1.1".into();
    framework["sections"][0]["paragraphs"]
        .as_array_mut()
        .unwrap()
        .push("Partners in Riverside & District review it together each year.".into());
    framework["revisions"].as_array_mut().unwrap().push(
        serde_json::json!({"version": "1.1", "date": "2026-05-01", "description": "A yearly review added."}),
    );
    std::fs::write(&path, serde_json::to_vec_pretty(&framework).unwrap()).unwrap();
    Desk(dir.path()).ok(&["assemble", "pack"]);

    let pack = countersign::pack::Pack::new(&root);
    let id = framework["id"].as_str().unwrap();
    let comparison = between(&pack, id, "1.0", None).unwrap();
    assert_eq!(
        (comparison.from.as_str(), comparison.to.as_str()),
        ("1.0", "1.1")
    );
    assert!(
        comparison
            .changes
            .iter()
            .any(|c| c.change == "reworded: Purpose of this framework"),
        "{:?}",
        comparison.changes
    );
    let missing = between(&pack, id, "0.9", None);
    assert!(
        matches!(&missing, Err(ChangesError::NoSuchVersion { versions, .. }) if versions == "1.1, 1.0"),
        "{missing:?}"
    );
    // Kept data edited after assembly is refused, not compared.
    let kept = pack.data_path("framework-v1.0.docx");
    let original = std::fs::read(&kept).unwrap();
    std::fs::write(
        &kept,
        String::from_utf8(original.clone())
            .unwrap()
            .replace("Riverside", "Elsewhere"),
    )
    .unwrap();
    assert!(matches!(
        between(&pack, id, "1.0", None),
        Err(ChangesError::DataChanged { .. })
    ));
    std::fs::write(&kept, &original).unwrap();
    let data = countersign::document::validate::load_pack(&root).unwrap();
    let summary = summary_docx(&pack, &data, &comparison).unwrap();
    assert!(summary.starts_with(b"PK"));

    // The signature sheet: nobody has signed, so every party is still to sign by hand.
    let (sheet, counts) =
        countersign::document::sheet::make(&pack, t("2026-11-23T12:00:00Z")).unwrap();
    assert!(sheet.starts_with(b"PK"));
    assert_eq!((counts.electronic, counts.paper), (0, 0));
    assert!(counts.outstanding > 0);

    // The ICO checklist of every protocol, and one annex.
    let report = countersign::document::code_checklist::report(&data);
    assert_eq!(report.protocols.len(), data.protocols.len());
    let first = &report.protocols[0];
    assert_eq!(
        first.covered + first.missing + first.not_applicable,
        first.items.len()
    );
    let (name, annex) = countersign::document::code_checklist::annex_docx(
        &pack,
        &data.protocols[0],
        &data,
        &first.items,
    )
    .unwrap();
    assert!(name.ends_with("-code-checklist.docx"), "{name}");
    assert!(annex.starts_with(b"PK"));
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["format"], "countersign/code-checklist/v1");
}
