//! The pack's keyring (`keys/keyring.json`): which public keys belong to which organisation,
//! for which signatory roles, from when, and whether and why they were revoked.
//!
//! The keyring is an append-only list of changes, each holding the SHA-256 of the one before,
//! and the current state is derived by replaying them: there is no separate state that could be
//! edited to swap a key silently, and an edited, removed or reordered change breaks the chain.
//! Holds public keys only; never a secret.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::digest::{GENESIS, GENESIS_DIGITS};
use crate::keys::{KeyError, KeyId, PublicKey};
use crate::time::Timestamp;

/// Where the keyring lives in a pack.
pub const KEYRING_FILE: &str = "keys/keyring.json";
/// The keyring's format label.
pub const KEYRING_FORMAT: &str = "countersign/keyring/v1";

/// Why a key was revoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RevocationReason {
    /// Replaced by a newer key; signatures made before remain good.
    Superseded,
    /// The secret key may be known to someone else.
    Compromised,
}

impl RevocationReason {
    /// The word used in messages.
    pub fn label(self) -> &'static str {
        match self {
            RevocationReason::Superseded => "superseded",
            RevocationReason::Compromised => "compromised",
        }
    }
}

/// One change to the keyring. Written with its `action` tag; read through `ChangeAsRead`,
/// which holds the rules for which fields each action has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "kebab-case", try_from = "ChangeAsRead")]
pub enum KeyChange {
    /// A key was added for an organisation.
    Added {
        /// The key id.
        key_id: KeyId,
        /// The organisation's id.
        organisation: String,
        /// The signatory who holds it.
        signatory: String,
        /// The roles it may sign as (empty: any role).
        roles: Vec<String>,
        /// From when signatures with it count.
        valid_from: Timestamp,
        /// The public key, as an OpenSSH line (`ssh-keygen -lf` prints its key id).
        public_key: String,
        /// The same key as SPKI PEM (what `openssl pkeyutl -verify` reads).
        public_key_pem: String,
    },
    /// A key was revoked.
    Revoked {
        /// The key id.
        key_id: KeyId,
        /// Why.
        reason: RevocationReason,
        /// From when signatures with it no longer count.
        effective: Timestamp,
        /// A note for people.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// The time from which a key counts was corrected (for example to when its holder created
    /// it, which the coordinator learnt later).
    ValidFromCorrected {
        /// The key id.
        key_id: KeyId,
        /// From when signatures with it count.
        valid_from: Timestamp,
        /// A note for people.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
}

/// A change as read: every field any action has, each checked against the action after.
/// Serde reads an internally tagged enum by first copying the whole object into a buffer of
/// its own (it cannot know the variant before the `action` field); at a thousand keys that
/// copy was a sixth of a keyring's replay. The rules are the enum's: each action's fields
/// present, no field of another action, no unknown field, none twice.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChangeAsRead {
    action: Action,
    key_id: KeyId,
    organisation: Option<String>,
    signatory: Option<String>,
    roles: Option<Vec<String>>,
    valid_from: Option<Timestamp>,
    public_key: Option<String>,
    public_key_pem: Option<String>,
    reason: Option<RevocationReason>,
    effective: Option<Timestamp>,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
enum Action {
    Added,
    Revoked,
    ValidFromCorrected,
}

impl TryFrom<ChangeAsRead> for KeyChange {
    type Error = String;

    fn try_from(read: ChangeAsRead) -> Result<KeyChange, String> {
        let (action, allowed): (&str, &[&str]) = match read.action {
            Action::Added => (
                "added",
                &[
                    "key_id",
                    "organisation",
                    "signatory",
                    "roles",
                    "valid_from",
                    "public_key",
                    "public_key_pem",
                ],
            ),
            Action::Revoked => ("revoked", &["key_id", "reason", "effective", "note"]),
            Action::ValidFromCorrected => {
                ("valid-from-corrected", &["key_id", "valid_from", "note"])
            }
        };
        let present = [
            ("organisation", read.organisation.is_some()),
            ("signatory", read.signatory.is_some()),
            ("roles", read.roles.is_some()),
            ("valid_from", read.valid_from.is_some()),
            ("public_key", read.public_key.is_some()),
            ("public_key_pem", read.public_key_pem.is_some()),
            ("reason", read.reason.is_some()),
            ("effective", read.effective.is_some()),
            ("note", read.note.is_some()),
        ];
        if let Some((field, _)) = present
            .iter()
            .find(|(field, here)| *here && !allowed.contains(field))
        {
            return Err(format!(
                "unknown field `{field}` for a change with action '{action}', expected one of {}",
                allowed
                    .iter()
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        let missing = |field: &str| format!("missing field `{field}` (action '{action}')");
        Ok(match read.action {
            Action::Added => KeyChange::Added {
                key_id: read.key_id,
                organisation: read.organisation.ok_or_else(|| missing("organisation"))?,
                signatory: read.signatory.ok_or_else(|| missing("signatory"))?,
                roles: read.roles.ok_or_else(|| missing("roles"))?,
                valid_from: read.valid_from.ok_or_else(|| missing("valid_from"))?,
                public_key: read.public_key.ok_or_else(|| missing("public_key"))?,
                public_key_pem: read
                    .public_key_pem
                    .ok_or_else(|| missing("public_key_pem"))?,
            },
            Action::Revoked => KeyChange::Revoked {
                key_id: read.key_id,
                reason: read.reason.ok_or_else(|| missing("reason"))?,
                effective: read.effective.ok_or_else(|| missing("effective"))?,
                note: read.note,
            },
            Action::ValidFromCorrected => KeyChange::ValidFromCorrected {
                key_id: read.key_id,
                valid_from: read.valid_from.ok_or_else(|| missing("valid_from"))?,
                note: read.note,
            },
        })
    }
}

/// A change with its place in the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyEvent {
    /// 1 for the first change, then one more each time.
    pub seq: u64,
    /// SHA-256 of the previous change's JSON (zeros for the first).
    pub prev: String,
    /// When the change was recorded.
    pub at: Timestamp,
    /// What changed.
    pub change: KeyChange,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyringFile {
    format: String,
    events: Vec<KeyEvent>,
}

/// The same file for writing, borrowing the history instead of copying every change.
#[derive(Serialize)]
struct KeyringFileOut<'a> {
    format: &'a str,
    events: &'a [KeyEvent],
}

/// A revocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revocation {
    /// Why.
    pub reason: RevocationReason,
    /// From when signatures no longer count.
    pub effective: Timestamp,
    /// When it was recorded.
    pub recorded: Timestamp,
    /// A note.
    pub note: Option<String>,
}

/// A key as the keyring holds it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRecord {
    /// The key id.
    pub key_id: KeyId,
    /// The public key.
    pub public: PublicKey,
    /// The organisation's id.
    pub organisation: String,
    /// The signatory who holds it.
    pub signatory: String,
    /// The roles it may sign as (empty: any).
    pub roles: Vec<String>,
    /// From when signatures count.
    pub valid_from: Timestamp,
    /// When it was added.
    pub added: Timestamp,
    /// Its revocation, if revoked.
    pub revoked: Option<Revocation>,
}

/// Why a key does not count at a given time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyNotValid {
    /// The time is before the key's holder created it (or the coordinator's `valid_from`).
    #[error("the key is valid only from {valid_from}")]
    NotYet {
        /// From when it counts.
        valid_from: Timestamp,
    },
    /// The key was revoked before that time.
    #[error("the key was revoked ({}) from {effective}", reason.label())]
    Revoked {
        /// Why.
        reason: RevocationReason,
        /// From when.
        effective: Timestamp,
    },
}

impl KeyRecord {
    /// Whether a signature made at `time` counts: on or after `valid_from` and before any
    /// revocation takes effect.
    pub fn valid_at(&self, time: Timestamp) -> Result<(), KeyNotValid> {
        if time < self.valid_from {
            return Err(KeyNotValid::NotYet {
                valid_from: self.valid_from,
            });
        }
        if let Some(r) = &self.revoked
            && time >= r.effective
        {
            return Err(KeyNotValid::Revoked {
                reason: r.reason,
                effective: r.effective,
            });
        }
        Ok(())
    }

    /// Whether the key was revoked as compromised.
    pub fn compromised(&self) -> Option<&Revocation> {
        self.revoked
            .as_ref()
            .filter(|r| r.reason == RevocationReason::Compromised)
    }
}

/// Why the keyring could not be read or changed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyringError {
    /// The file is not a keyring.
    #[error("it is not a countersign keyring ({0})")]
    Malformed(String),
    /// The chain of changes is broken.
    #[error("its history was altered: change {seq} {problem}")]
    Broken {
        /// The change where the break was found.
        seq: u64,
        /// What is wrong.
        problem: String,
    },
    /// A public key in it (or being added) is not usable.
    #[error("the key {key_id} is not usable: {source}")]
    BadKey {
        /// The key id as recorded.
        key_id: String,
        /// Why.
        source: KeyError,
    },
    /// The key is already in the keyring.
    #[error("the key {0} is already in the keyring")]
    Duplicate(KeyId),
    /// No such key.
    #[error("the keyring has no key {0}")]
    Unknown(String),
    /// The key is already revoked.
    #[error("the key {0} is already revoked")]
    AlreadyRevoked(KeyId),
    /// A time is not in the accepted form.
    #[error("'{0}' is not a date (YYYY-MM-DD) or UTC time (YYYY-MM-DDTHH:MM:SSZ)")]
    BadTime(String),
}

/// The keyring: its history, and the keys it gives.
#[derive(Debug, Clone, Default)]
pub struct Keyring {
    events: Vec<KeyEvent>,
    keys: Vec<KeyRecord>,
    /// Where each key is in `keys`.
    index: std::collections::HashMap<KeyId, usize>,
}

/// What the next change names as `prev`: the SHA-256 of this one as serialised, in hex digits.
/// `buffer` is cleared and reused, so a replay serialises every change into one allocation.
fn event_hash(event: &KeyEvent, buffer: &mut Vec<u8>) -> [u8; 64] {
    buffer.clear();
    // Writing a derived struct into memory cannot fail; an empty buffer would hash to a
    // digest no change names, so a failure could only break the chain, never forge it.
    let _ = serde_json::to_writer(&mut *buffer, event);
    crate::digest::hex_digits(&Sha256::digest(&buffer[..]).into())
}

impl Keyring {
    /// Reads a keyring, checking the chain and replaying every change.
    pub fn from_bytes(bytes: &[u8]) -> Result<Keyring, KeyringError> {
        let file: KeyringFile =
            serde_json::from_slice(bytes).map_err(|e| KeyringError::Malformed(e.to_string()))?;
        if file.format != KEYRING_FORMAT {
            return Err(KeyringError::Malformed(format!(
                "the format is '{}', not '{KEYRING_FORMAT}'",
                file.format
            )));
        }
        // Most changes add a key: room for all of them, made once.
        let mut ring = Keyring {
            events: Vec::with_capacity(file.events.len()),
            keys: Vec::with_capacity(file.events.len()),
            index: std::collections::HashMap::with_capacity(file.events.len()),
        };
        // Each change names the SHA-256 of the one before as serialised; one buffer serves
        // every change, and digests are compared as hex digits without a string each.
        let mut expected_prev = GENESIS_DIGITS;
        let mut serialised = Vec::new();
        for event in file.events {
            let seq = event.seq;
            if seq != ring.events.len() as u64 + 1 {
                return Err(KeyringError::Broken {
                    seq,
                    problem: format!(
                        "is numbered {seq} where {} was expected (a change was removed, inserted or reordered)",
                        ring.events.len() + 1
                    ),
                });
            }
            if event.prev.as_bytes() != expected_prev {
                return Err(KeyringError::Broken {
                    seq,
                    problem: "does not follow from the change before it (that change was edited)"
                        .into(),
                });
            }
            if let Some(last) = ring.events.last()
                && event.at < last.at
            {
                return Err(KeyringError::Broken {
                    seq,
                    problem: "is dated before the change before it".into(),
                });
            }
            ring.apply(&event).map_err(|e| KeyringError::Broken {
                seq,
                problem: format!("cannot be applied: {e}"),
            })?;
            expected_prev = event_hash(&event, &mut serialised);
            ring.events.push(event);
        }
        Ok(ring)
    }

    /// The keyring as JSON, one change per array entry.
    pub fn to_bytes(&self) -> Vec<u8> {
        let file = KeyringFileOut {
            format: KEYRING_FORMAT,
            events: &self.events,
        };
        let mut bytes = serde_json::to_vec_pretty(&file).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }

    fn apply(&mut self, event: &KeyEvent) -> Result<(), KeyringError> {
        match &event.change {
            KeyChange::Added {
                key_id,
                organisation,
                signatory,
                roles,
                valid_from,
                public_key,
                public_key_pem,
            } => {
                // As recorded: weak keys refused by their encodings, the curve point not
                // decompressed (it was most of a replay's cost per key; every verification
                // decompresses it, and bytes that are no point verify nothing).
                let public = PublicKey::parse_recorded(public_key).map_err(|source| {
                    KeyringError::BadKey {
                        key_id: key_id.to_string(),
                        source,
                    }
                })?;
                // The PEM copy must hold the same 32 bytes.
                let same_pem = crate::keys::spki_pem_bytes(public_key_pem)
                    .is_some_and(|raw| &raw == public.as_bytes());
                if &public.key_id() != key_id || !same_pem {
                    return Err(KeyringError::Malformed(format!(
                        "the key recorded as {key_id} is really {}",
                        public.key_id()
                    )));
                }
                if self.get(key_id).is_some() {
                    return Err(KeyringError::Duplicate(key_id.clone()));
                }
                self.index.insert(key_id.clone(), self.keys.len());
                self.keys.push(KeyRecord {
                    key_id: key_id.clone(),
                    public,
                    organisation: organisation.clone(),
                    signatory: signatory.clone(),
                    roles: roles.clone(),
                    valid_from: *valid_from,
                    added: event.at,
                    revoked: None,
                });
            }
            KeyChange::Revoked {
                key_id,
                reason,
                effective,
                note,
            } => {
                let record = self
                    .index
                    .get(key_id)
                    .and_then(|&i| self.keys.get_mut(i))
                    .ok_or_else(|| KeyringError::Unknown(key_id.to_string()))?;
                if record.revoked.is_some() {
                    return Err(KeyringError::AlreadyRevoked(key_id.clone()));
                }
                record.revoked = Some(Revocation {
                    reason: *reason,
                    effective: *effective,
                    recorded: event.at,
                    note: note.clone(),
                });
            }
            KeyChange::ValidFromCorrected {
                key_id, valid_from, ..
            } => {
                let record = self
                    .index
                    .get(key_id)
                    .and_then(|&i| self.keys.get_mut(i))
                    .ok_or_else(|| KeyringError::Unknown(key_id.to_string()))?;
                record.valid_from = *valid_from;
            }
        }
        Ok(())
    }

    fn record(&mut self, at: Timestamp, change: KeyChange) -> Result<&KeyEvent, KeyringError> {
        let prev = self.events.last().map_or_else(
            || GENESIS.to_string(),
            |last| crate::digest::hex_text(&event_hash(last, &mut Vec::new())),
        );
        let event = KeyEvent {
            seq: self.events.len() as u64 + 1,
            prev,
            at,
            change,
        };
        if let Some(last) = self.events.last()
            && event.at < last.at
        {
            return Err(KeyringError::BadTime(format!(
                "{} (before the last change, {})",
                event.at, last.at
            )));
        }
        self.apply(&event)?;
        self.events.push(event);
        Ok(self
            .events
            .last()
            .unwrap_or_else(|| unreachable!("just pushed")))
    }

    /// Adds a key for an organisation.
    pub fn add(
        &mut self,
        public: &PublicKey,
        organisation: &str,
        signatory: &str,
        roles: &[String],
        valid_from: Timestamp,
        at: Timestamp,
    ) -> Result<&KeyEvent, KeyringError> {
        self.record(
            at,
            KeyChange::Added {
                key_id: public.key_id(),
                organisation: organisation.to_string(),
                signatory: signatory.to_string(),
                roles: roles.to_vec(),
                valid_from,
                public_key: public.to_openssh(organisation),
                public_key_pem: public.to_pem(),
            },
        )
    }

    /// Revokes a key from `effective` on.
    pub fn revoke(
        &mut self,
        key_id: &KeyId,
        reason: RevocationReason,
        effective: Timestamp,
        note: Option<&str>,
        at: Timestamp,
    ) -> Result<&KeyEvent, KeyringError> {
        self.record(
            at,
            KeyChange::Revoked {
                key_id: key_id.clone(),
                reason,
                effective,
                note: note.map(str::to_string),
            },
        )
    }

    /// Corrects the time from which a key counts.
    pub fn correct_valid_from(
        &mut self,
        key_id: &KeyId,
        valid_from: Timestamp,
        note: Option<&str>,
        at: Timestamp,
    ) -> Result<&KeyEvent, KeyringError> {
        self.record(
            at,
            KeyChange::ValidFromCorrected {
                key_id: key_id.clone(),
                valid_from,
                note: note.map(str::to_string),
            },
        )
    }

    /// The key with this id.
    pub fn get(&self, key_id: &KeyId) -> Option<&KeyRecord> {
        self.index.get(key_id).and_then(|&i| self.keys.get(i))
    }

    /// Finds a key by its full id or a unique prefix of it (as people copy them).
    pub fn find(&self, id: &str) -> Result<&KeyRecord, KeyringError> {
        let matches: Vec<&KeyRecord> = self
            .keys
            .iter()
            .filter(|k| k.key_id.as_str() == id || k.key_id.as_str().starts_with(id))
            .collect();
        match matches.as_slice() {
            [one] => Ok(one),
            _ => Err(KeyringError::Unknown(id.to_string())),
        }
    }

    /// Every key, in the order added.
    pub fn keys(&self) -> &[KeyRecord] {
        &self.keys
    }

    /// The history.
    pub fn events(&self) -> &[KeyEvent] {
        &self.events
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::SecretKey;

    fn t(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    fn ring() -> (Keyring, KeyId) {
        let mut ring = Keyring::default();
        let public = SecretKey::from_seed(&[1; 32]).public();
        ring.add(
            &public,
            "cambs-cc",
            "Helen Ashworth",
            &["Chief Executive".into()],
            t("2026-04-01"),
            t("2026-04-01T09:00:00Z"),
        )
        .unwrap();
        ring.add(
            &SecretKey::from_seed(&[2; 32]).public(),
            "fenland",
            "Paul Meadows",
            &[],
            t("2026-04-01"),
            t("2026-04-02T09:00:00Z"),
        )
        .unwrap();
        (ring, public.key_id())
    }

    #[test]
    fn round_trips_and_replays() {
        let (mut ring, id) = ring();
        ring.revoke(
            &id,
            RevocationReason::Compromised,
            t("2026-05-01"),
            Some("laptop stolen"),
            t("2026-05-01T10:00:00Z"),
        )
        .unwrap();
        let again = Keyring::from_bytes(&ring.to_bytes()).unwrap();
        assert_eq!(again.keys(), ring.keys());
        let record = again.get(&id).unwrap();
        assert!(record.valid_at(t("2026-04-15T00:00:00Z")).is_ok());
        assert_eq!(
            record
                .valid_at(t("2026-05-02T00:00:00Z"))
                .unwrap_err()
                .to_string(),
            "the key was revoked (compromised) from 2026-05-01T00:00:00Z"
        );
        assert_eq!(
            record
                .valid_at(t("2026-03-01T00:00:00Z"))
                .unwrap_err()
                .to_string(),
            "the key is valid only from 2026-04-01T00:00:00Z"
        );
    }

    #[test]
    fn an_edited_removed_or_reordered_change_breaks_the_chain() {
        let (ring, _) = ring();
        let text = String::from_utf8(ring.to_bytes()).unwrap();
        let edited = text.replace("cambs-cc\"", "fenland\"");
        assert!(
            matches!(
                Keyring::from_bytes(edited.as_bytes()),
                Err(KeyringError::Broken { seq: 2, .. })
            ),
            "editing change 1 shows at change 2"
        );
        let mut file: serde_json::Value = serde_json::from_str(&text).unwrap();
        file["events"].as_array_mut().unwrap().remove(0);
        assert!(matches!(
            Keyring::from_bytes(&serde_json::to_vec(&file).unwrap()),
            Err(KeyringError::Broken { seq: 2, .. })
        ));
        let mut file: serde_json::Value = serde_json::from_str(&text).unwrap();
        file["events"].as_array_mut().unwrap().swap(0, 1);
        assert!(Keyring::from_bytes(&serde_json::to_vec(&file).unwrap()).is_err());
    }

    #[test]
    fn duplicates_and_unknown_keys_are_refused() {
        let (mut ring, id) = ring();
        let public = SecretKey::from_seed(&[1; 32]).public();
        assert!(matches!(
            ring.add(&public, "x", "y", &[], t("2026-04-01"), t("2026-06-01")),
            Err(KeyringError::Duplicate(_))
        ));
        assert!(matches!(
            ring.revoke(
                &KeyId::default_for_tests(),
                RevocationReason::Superseded,
                t("2026-06-01"),
                None,
                t("2026-06-01")
            ),
            Err(KeyringError::Unknown(_))
        ));
        ring.revoke(
            &id,
            RevocationReason::Superseded,
            t("2026-06-01"),
            None,
            t("2026-06-01"),
        )
        .unwrap();
        assert!(matches!(
            ring.revoke(
                &id,
                RevocationReason::Superseded,
                t("2026-06-01"),
                None,
                t("2026-06-02")
            ),
            Err(KeyringError::AlreadyRevoked(_))
        ));
    }

    #[test]
    fn each_action_reads_its_own_fields_and_no_other() {
        let (mut ring, id) = ring();
        ring.correct_valid_from(
            &id,
            t("2026-03-01"),
            Some("created earlier"),
            t("2026-04-03"),
        )
        .unwrap();
        ring.revoke(
            &id,
            RevocationReason::Superseded,
            t("2026-05-01"),
            None,
            t("2026-05-01"),
        )
        .unwrap();
        // Every action read back is the change written, whatever the order of its fields.
        for event in &ring.events {
            let text = serde_json::to_string(&event.change).unwrap();
            let read: KeyChange = serde_json::from_str(&text).unwrap();
            assert_eq!(read, event.change);
            let mut fields: Vec<(String, serde_json::Value)> =
                match serde_json::from_str::<serde_json::Value>(&text).unwrap() {
                    serde_json::Value::Object(map) => map.into_iter().collect(),
                    _ => unreachable!(),
                };
            // Written by hand, `action` last: a map would sort the fields again.
            fields.reverse();
            let reversed = fields
                .iter()
                .map(|(k, v)| format!("{}:{v}", serde_json::to_string(k).unwrap()))
                .collect::<Vec<_>>()
                .join(",");
            assert!(!reversed.starts_with("\"action\""), "{reversed}");
            let read: KeyChange = serde_json::from_str(&format!("{{{reversed}}}")).unwrap();
            assert_eq!(read, event.change);
        }
        let added = serde_json::to_value(&ring.events[0].change).unwrap();
        let refused = |edit: &dyn Fn(&mut serde_json::Value)| {
            let mut change = added.clone();
            edit(&mut change);
            serde_json::from_value::<KeyChange>(change)
                .unwrap_err()
                .to_string()
        };
        assert!(
            refused(&|c| c["reason"] = "compromised".into()).contains("unknown field `reason`")
        );
        assert!(refused(&|c| c["colour"] = "red".into()).contains("unknown field `colour`"));
        assert!(
            refused(&|c| {
                c.as_object_mut().unwrap().remove("public_key_pem");
            })
            .contains("missing field `public_key_pem`")
        );
        assert!(refused(&|c| c["action"] = "deleted".into()).contains("unknown variant"));
        assert!(
            refused(&|c| {
                c.as_object_mut().unwrap().remove("action");
            })
            .contains("missing field `action`")
        );
        let twice = serde_json::to_string(&added).unwrap().replacen(
            "{",
            "{\"signatory\":\"Someone Else\",",
            1,
        );
        assert!(
            serde_json::from_str::<KeyChange>(&twice)
                .unwrap_err()
                .to_string()
                .contains("duplicate field `signatory`")
        );
    }
}
