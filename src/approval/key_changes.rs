//! Changes to a pack's keyring as whole operations: adding a key, revoking one and correcting
//! when one counts from. Each takes the keyring's lock, reads what it needs, makes the change,
//! saves the keyring and records the change in the register, so that every program that
//! changes a keyring (the command, or one that embeds this library) does it the one way.
//!
//! Owns the order of those steps, not the rules of a change (the keyring's) nor where files
//! live (the pack's). The caller gives the time (the library reads no clock) and tells people
//! what happened: each operation returns what it did.

use crate::approval::keyring::{KeyRecord, Keyring, KeyringError, RevocationReason};
use crate::approval::keys::{KeyId, PublicKey};
use crate::pack::{LoadError, Pack, StoreError};
use crate::record::register::{Event, RegisterError};
use crate::time::Timestamp;

/// Why a change to the keyring was not made (or, for [`KeyChangeError::Record`], made but not
/// recorded).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyChangeError {
    /// The keyring's lock could not be taken.
    #[error("{0}")]
    Lock(StoreError),
    /// The pack could not be read.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// The organisation named is not one of the pack's.
    #[error("'{0}' is not an organisation of the pack")]
    UnknownOrganisation(String),
    /// No key has the id given (or a prefix names more than one).
    #[error("{0}")]
    NoSuchKey(KeyringError),
    /// The public key file says the key was made later than now (beyond a day's difference
    /// between clocks), and no time to count it from was given: counting it from then would
    /// silently refuse every signature until then.
    #[error(
        "the public key file says the key was made on {created}, which is later than now ({now}); nothing was added"
    )]
    CreatedInFuture {
        /// When the file says it was made.
        created: Timestamp,
        /// Now, as the caller gave it.
        now: Timestamp,
    },
    /// The keyring's rules refuse the change.
    #[error("cannot {action} the key: {source}")]
    Refused {
        /// What was asked: `add`, `revoke` or `change`.
        action: &'static str,
        /// Why the keyring refused it.
        source: KeyringError,
    },
    /// The keyring could not be written; nothing changed.
    #[error("cannot write the keyring: {0}")]
    Save(StoreError),
    /// The keyring changed, but the register could not record it.
    #[error("the keyring changed, but the change could not be recorded in the register: {0}")]
    Record(RegisterError),
}

/// A key to add, held by a signatory of an organisation.
#[derive(Debug, Clone)]
pub struct NewKey<'a> {
    /// The organisation's id.
    pub organisation: &'a str,
    /// Who holds the key.
    pub signatory: &'a str,
    /// The roles it may sign as (none: any).
    pub roles: &'a [String],
    /// The public key.
    pub public_key: PublicKey,
    /// When the key was made, if its public key file says (`keys::created_at`).
    pub created: Option<Timestamp>,
    /// When it counts from, if the coordinator says; else from when it was made, else from
    /// when it is added.
    pub valid_from: Option<Timestamp>,
}

/// A key added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyAdded {
    /// Its id (fingerprint), to confirm with its holder by another channel.
    pub key_id: KeyId,
    /// The organisation's name.
    pub organisation_name: String,
    /// When it counts from.
    pub valid_from: Timestamp,
    /// True when the key was in the keyring already and only its record was missing (a run
    /// stopped between saving the keyring and recording the change): recorded now.
    pub repaired: bool,
}

/// Adds a key to the pack's keyring and records it in the register. The register's chain is
/// checked before the keyring changes, so that no key is added the register could not record.
pub fn add_key(pack: &Pack, key: NewKey, at: Timestamp) -> Result<KeyAdded, KeyChangeError> {
    let lock = pack.lock_keyring().map_err(KeyChangeError::Lock)?;
    pack.clear_stale_temporaries(at);
    let (data, mut keyring, register) = pack.for_adding_a_key()?;
    let organisation_name = data
        .organisation(key.organisation)
        .ok_or_else(|| KeyChangeError::UnknownOrganisation(key.organisation.to_string()))?
        .name
        .clone();
    // A day's difference between the signatory's clock and the coordinator's is tolerated.
    const CLOCKS_DIFFER_BY: i64 = 24 * 60 * 60;
    if key.valid_from.is_none()
        && let Some(created) = key.created
        && created.unix() > at.unix() + CLOCKS_DIFFER_BY
    {
        return Err(KeyChangeError::CreatedInFuture { created, now: at });
    }
    let valid_from = key.valid_from.or(key.created).unwrap_or(at);
    let key_id = key.public_key.key_id();
    let added = keyring
        .add(
            &key.public_key,
            key.organisation,
            key.signatory,
            key.roles,
            valid_from,
            at,
        )
        .map(drop);
    let event = Event::KeyAdded {
        key_id: key_id.to_string(),
        organisation: key.organisation.to_string(),
        signatory: key.signatory.to_string(),
    };
    match added {
        Ok(_) => {}
        // In the keyring but not in the register: a run stopped between the two. The same key
        // for the same holder is recorded now; anything else is refused as before.
        Err(KeyringError::Duplicate(_))
            if keyring.get(&key_id).is_some_and(|k| {
                k.organisation == key.organisation && k.signatory == key.signatory
            }) && !on_record(pack, Some(&register), &event)? =>
        {
            let held = keyring.get(&key_id).map_or(valid_from, |k| k.valid_from);
            crate::record::register::append_after(
                &pack.register_path(),
                Some(&register),
                at,
                vec![event],
            )
            .map_err(KeyChangeError::Record)?;
            return Ok(KeyAdded {
                key_id,
                organisation_name,
                valid_from: held,
                repaired: true,
            });
        }
        Err(source) => {
            return Err(KeyChangeError::Refused {
                action: "add",
                source,
            });
        }
    }
    pack.save_keyring(&keyring, &lock)
        .map_err(KeyChangeError::Save)?;
    crate::fsio::stop_point("key-added:keyring-saved");
    crate::record::register::append_after(&pack.register_path(), Some(&register), at, vec![event])
        .map_err(KeyChangeError::Record)?;
    Ok(KeyAdded {
        key_id,
        organisation_name,
        valid_from,
        repaired: false,
    })
}

/// Whether the register holds a record of `event` (a key added or revoked): read whole, only
/// on the rare path where the keyring shows a change the register may have missed.
/// `read` is the register's head as the command checked it, when it did: its records are then
/// read from the file whose chain was checked rather than walked again.
fn on_record(
    pack: &Pack,
    read: Option<&crate::record::register::ChainHead>,
    event: &Event,
) -> Result<bool, KeyChangeError> {
    let register = match read {
        Some(head) => head.parse(),
        None => crate::record::register::Register::load(&pack.register_path()),
    }
    .map_err(KeyChangeError::Record)?;
    Ok(register.records.iter().any(|r| match (&r.event, event) {
        (Event::KeyAdded { key_id: a, .. }, Event::KeyAdded { key_id: b, .. }) => a == b,
        (Event::KeyRevoked { key_id: a, .. }, Event::KeyRevoked { key_id: b, .. }) => a == b,
        _ => false,
    }))
}

/// Revokes the key `key_id` (its id or a unique prefix) from `effective` (default: `at`) and
/// records it in the register. The revocation is saved in the keyring even when the register
/// cannot take it (then [`KeyChangeError::Record`] says so): stopping the use of a compromised
/// key comes first.
///
/// A key the keyring shows revoked but the register does not (a run stopped between saving
/// the one and recording in the other) has its revocation, as the keyring holds it, recorded
/// now ([`Revoked::repaired`]).
pub fn revoke_key(
    pack: &Pack,
    key_id: &str,
    reason: RevocationReason,
    effective: Option<Timestamp>,
    note: Option<&str>,
    at: Timestamp,
) -> Result<Revoked, KeyChangeError> {
    let effective = effective.unwrap_or(at);
    let changed = change_key(pack, key_id, "revoke", |keyring, key| {
        keyring.revoke(key, reason, effective, note, at).map(drop)
    });
    let record = match changed {
        Ok((record, _)) => record,
        Err(KeyChangeError::Refused {
            source: KeyringError::AlreadyRevoked(id),
            action,
        }) => {
            // Under the keyring's lock, as every change is: two reruns record it once.
            let _lock = pack.lock_keyring().map_err(KeyChangeError::Lock)?;
            let keyring = pack.keyring()?;
            let Some((record, held)) = keyring
                .get(&id)
                .and_then(|k| k.revoked.clone().map(|r| (k.clone(), r)))
            else {
                return Err(KeyChangeError::Refused {
                    source: KeyringError::AlreadyRevoked(id),
                    action,
                });
            };
            let event = Event::KeyRevoked {
                key_id: id.to_string(),
                reason: held.reason.label().to_string(),
                effective: held.effective,
            };
            if on_record(pack, None, &event)? {
                return Err(KeyChangeError::Refused {
                    source: KeyringError::AlreadyRevoked(id),
                    action,
                });
            }
            crate::record::register::append_after(&pack.register_path(), None, at, vec![event])
                .map_err(KeyChangeError::Record)?;
            return Ok(Revoked {
                key: record,
                effective: held.effective,
                repaired: true,
            });
        }
        Err(e) => return Err(e),
    };
    crate::fsio::stop_point("key-revoked:keyring-saved");
    crate::record::register::append_after(
        &pack.register_path(),
        None,
        at,
        vec![Event::KeyRevoked {
            key_id: record.key_id.to_string(),
            reason: reason.label().to_string(),
            effective,
        }],
    )
    .map_err(KeyChangeError::Record)?;
    Ok(Revoked {
        key: record,
        effective,
        repaired: false,
    })
}

/// A key revoked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Revoked {
    /// The key as it was before.
    pub key: KeyRecord,
    /// When the revocation takes effect.
    pub effective: Timestamp,
    /// True when the keyring showed it revoked already and only the register's record was
    /// missing: recorded now.
    pub repaired: bool,
}

/// Corrects when the key `key_id` counts from (a key added with the wrong date). The keyring
/// records the correction as a change of its own. Returns the key as it was and when it now
/// counts from.
pub fn correct_valid_from(
    pack: &Pack,
    key_id: &str,
    from: Timestamp,
    note: Option<&str>,
    at: Timestamp,
) -> Result<(KeyRecord, Timestamp), KeyChangeError> {
    let (record, keyring) = change_key(pack, key_id, "change", |keyring, key| {
        keyring.correct_valid_from(key, from, note, at).map(drop)
    })?;
    let now_from = keyring.get(&record.key_id).map_or(from, |k| k.valid_from);
    Ok((record, now_from))
}

/// Changes the key `key_id` (its id or a unique prefix) with `change`, under the keyring's
/// lock, and saves the keyring. Returns the key as it was and the keyring as saved.
fn change_key(
    pack: &Pack,
    key_id: &str,
    action: &'static str,
    change: impl FnOnce(&mut Keyring, &KeyId) -> Result<(), KeyringError>,
) -> Result<(KeyRecord, Keyring), KeyChangeError> {
    let lock = pack.lock_keyring().map_err(KeyChangeError::Lock)?;
    let mut keyring = pack.keyring()?;
    let record = keyring
        .find(key_id)
        .cloned()
        .map_err(KeyChangeError::NoSuchKey)?;
    change(&mut keyring, &record.key_id)
        .map_err(|source| KeyChangeError::Refused { action, source })?;
    pack.save_keyring(&keyring, &lock)
        .map_err(KeyChangeError::Save)?;
    Ok((record, keyring))
}

/// A signature that counts today and would fail once a key is revoked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WouldFail {
    /// The document.
    pub file: String,
    /// The organisation's name.
    pub organisation: String,
    /// Who signed, and when they say they signed.
    pub signed: Option<crate::verify::SignedBy>,
    /// Why it would fail.
    pub reason: String,
}

/// What a revocation would change.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RevocationEffects {
    /// Signatures that count now and would fail.
    pub signatures: Vec<WouldFail>,
    /// When the register's checkpoints would no longer hold, why (a checkpoint is never
    /// undone by revoking its signer's key: docs/SPEC.md C2, so this is a register that
    /// already has a problem).
    pub register: Option<String>,
}

/// What revoking the key `key_id` (its id or a unique prefix) from `effective` (default: `at`)
/// would change, before anything is recorded: every signature held that counts now and would
/// fail after, and whether the register's checkpoints would still hold. The pack is read, not
/// changed.
pub fn revocation_effects(
    pack: &Pack,
    key_id: &str,
    reason: RevocationReason,
    effective: Option<Timestamp>,
    at: Timestamp,
) -> Result<RevocationEffects, KeyChangeError> {
    use crate::verify::Status;
    let contents = pack.contents()?;
    let key = contents
        .keyring
        .find(key_id)
        .map_err(KeyChangeError::NoSuchKey)?
        .key_id
        .clone();
    let mut after = contents.clone();
    let effective = effective.unwrap_or(at);
    match after.keyring.revoke(&key, reason, effective, None, at) {
        Ok(_) => {
            // As `revoke_key` records it: the register's record is where it takes effect.
            after.register = after.register.with_appended(
                at,
                Event::KeyRevoked {
                    key_id: key.to_string(),
                    reason: reason.label().to_string(),
                    effective,
                },
            );
        }
        // Revoked already: revoking again changes nothing (and `revoke_key` says why, or
        // records a revocation a stopped run did not).
        Err(KeyringError::AlreadyRevoked(_)) => return Ok(RevocationEffects::default()),
        Err(source) => {
            return Err(KeyChangeError::Refused {
                action: "revoke",
                source,
            });
        }
    }
    let now = crate::verify::verify_pack(&contents)
        .map_err(|e| KeyChangeError::Load(LoadError::Register(e)))?
        .reports;
    let then = match crate::verify::verify_pack(&after) {
        Ok(v) => v.reports,
        Err(e) => {
            return Ok(RevocationEffects {
                signatures: Vec::new(),
                register: Some(e.to_string()),
            });
        }
    };
    let mut effects = RevocationEffects::default();
    for (before, report) in now.iter().zip(&then) {
        for party in &report.parties {
            let held = before.parties.iter().find(|p| {
                p.organisation == party.organisation
                    && matches!(p.status, Status::Signed | Status::OlderVersion)
            });
            if let Some(held) = held
                && party.status == Status::Failed
            {
                effects.signatures.push(WouldFail {
                    file: report.file.clone(),
                    organisation: party.name.clone(),
                    signed: held.signed.clone(),
                    reason: party.reason.clone().unwrap_or_default(),
                });
            }
        }
    }
    Ok(effects)
}
