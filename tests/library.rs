//! The library used as a program that embeds it would use it: pack operations called from
//! Rust, with no code of the binary's. What they leave behind is then read by the command, as a
//! coordinator would read it.

mod support;

use countersign::key_changes::{self, KeyChangeError, NewKey};
use countersign::keyring::RevocationReason;
use countersign::keys::SecretKey;
use countersign::register::{Event, Register};
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
        &pack,
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
        &pack,
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
        &pack,
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
        &pack,
        &key.key_id().to_string()[..16],
        t("2026-11-21T00:00:00Z"),
        Some("the date on the form"),
        t("2026-11-24T09:00:00Z"),
    )
    .unwrap();
    assert_eq!(was.valid_from, t("2026-11-20T09:00:00Z"));
    assert_eq!(now_from, t("2026-11-21T00:00:00Z"));

    let (revoked, effective) = key_changes::revoke_key(
        &pack,
        &key.key_id().to_string(),
        RevocationReason::Superseded,
        None,
        None,
        t("2026-11-25T10:00:00Z"),
    )
    .unwrap();
    assert_eq!(revoked.key_id, key.key_id());
    assert_eq!(effective, t("2026-11-25T10:00:00Z"));
    let missing = key_changes::revoke_key(
        &pack,
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
    let register = Register::load(&pack).unwrap();
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
