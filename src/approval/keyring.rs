//! The pack's keyring (`keys/keyring.json`): which public keys belong to which organisation,
//! for which signatory roles, from when, and whether and why they were revoked.
//!
//! The keyring is an append-only list of changes, each holding the SHA-256 of the one before,
//! and the current state is derived by replaying them: there is no separate state that could be
//! edited to swap a key silently, and an edited, removed or reordered change breaks the chain.
//! Holds public keys only; never a secret.
//!
//! The file (format `countersign/keyring/v2`) is a header line, `{"format":"countersign/keyring/v2"}`,
//! then one change per line as compact JSON; each change's `prev` is the SHA-256 of the line
//! before it as written (zeros for the first). A change is added by appending its line, as the
//! register is, so adding a key writes one line however many keys the pack holds, and a replay
//! hashes each line as read instead of serialising it again. The first format,
//! `countersign/keyring/v1` (one JSON document, the changes in an array), is still read: its
//! links are the SHA-256 of each change serialised compactly, which are the very lines v2
//! writes, so a v1 keyring is rewritten as v2 with every link kept the next time it changes.
//! This module reads and writes the bytes; where the file lives and its lock are
//! [`crate::pack`]'s.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::approval::keys::{KeyError, KeyId, PublicKey};
use crate::digest::GENESIS_DIGITS;
use crate::time::Timestamp;

/// The keyring's format label, as its header line names it.
pub const KEYRING_FORMAT: &str = "countersign/keyring/v2";
/// The first format's label (one JSON document), still read.
pub const KEYRING_FORMAT_V1: &str = "countersign/keyring/v1";

/// Whether `bytes` name a keyring format countersign reads (v2's header line, or v1's
/// `format` field), whatever else they hold: how a file given as something to trust is told
/// apart from a trust file.
pub fn names_a_keyring_format(bytes: &[u8]) -> bool {
    let first_line = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    if serde_json::from_slice::<Header>(first_line).is_ok_and(|h| h.format == KEYRING_FORMAT) {
        return true;
    }
    #[derive(Deserialize)]
    struct AnyFormat {
        format: String,
    }
    crate::json::from_slice::<AnyFormat>(bytes).is_ok_and(|f| f.format == KEYRING_FORMAT_V1)
}

/// The header line of a v2 keyring.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Header {
    format: String,
}

/// Why a key was revoked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RevocationReason {
    /// Replaced by a newer key; signatures made before remain good.
    Superseded,
    /// The secret key may be known to someone else.
    Compromised,
    /// Its holder, or their organisation, no longer signs (they left); signatures the register
    /// received before remain good, as for a superseded key.
    Retired,
}

impl RevocationReason {
    /// The word used in messages.
    pub fn label(self) -> &'static str {
        match self {
            RevocationReason::Superseded => "superseded",
            RevocationReason::Compromised => "compromised",
            RevocationReason::Retired => "retired",
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
#[serde(expecting = "an object")]
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
        let allowed: &[&str] = match read.action {
            Action::Added => &[
                "key_id",
                "organisation",
                "signatory",
                "roles",
                "valid_from",
                "public_key",
                "public_key_pem",
            ],
            Action::Revoked => &["key_id", "reason", "effective", "note"],
            Action::ValidFromCorrected => &["key_id", "valid_from", "note"],
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
            // As serde words a field its type does not have (the page words it the same).
            return Err(format!("unknown field `{field}`"));
        }
        let missing = |field: &str| format!("missing field `{field}`");
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
#[serde(expecting = "an object")]
pub struct KeyEvent {
    /// 1 for the first change, then one more each time.
    #[serde(deserialize_with = "crate::json::whole")]
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
#[serde(expecting = "an object")]
struct KeyringFile {
    format: String,
    events: Vec<KeyEvent>,
}

/// A revocation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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

/// The format label of a keyring's listing.
pub const KEY_LIST_FORMAT: &str = "countersign/keys/v1";

/// A keyring's keys as they stand, for people and programs (`keys list --json`).
#[derive(Debug, Serialize)]
pub struct KeyListing<'k> {
    /// Always [`KEY_LIST_FORMAT`].
    pub format: &'static str,
    /// Every key, in the order added.
    pub keys: &'k [KeyRecord],
}

/// A key as the keyring holds it now (as `keys list --json` prints it, without the key itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct KeyRecord {
    /// The key id.
    pub key_id: KeyId,
    /// The public key.
    #[serde(skip)]
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

/// Why a keyring file could not be read ([`Keyring::from_file`]).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyringFileError {
    /// The file could not be read, or is larger than the limit.
    #[error(transparent)]
    Read(crate::fsio::ReadError),
    /// What it holds is not a keyring that can be trusted.
    #[error(transparent)]
    Keyring(KeyringError),
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
    /// The last line was cut short: a change was being added when the write stopped.
    #[error(
        "its last line (line {line}) is incomplete: adding a change was interrupted (a crash or a full disk?), so that change was never made; remove that line and make the change again"
    )]
    Incomplete {
        /// The line, counting the header as line 1.
        line: u64,
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
#[derive(Debug, Clone)]
pub struct Keyring {
    events: Vec<KeyEvent>,
    keys: Vec<KeyRecord>,
    /// Where each key is in `keys`.
    index: std::collections::HashMap<KeyId, usize>,
    /// What the next change names as `prev`: the SHA-256 of the last change as written.
    head: [u8; 64],
    /// The file as read, when it was read in the current format: changes made since are
    /// appended after it.
    as_read: Option<AsRead>,
}

impl Default for Keyring {
    fn default() -> Keyring {
        Keyring {
            events: Vec::new(),
            keys: Vec::new(),
            index: std::collections::HashMap::new(),
            head: GENESIS_DIGITS,
            as_read: None,
        }
    }
}

/// A keyring file as it was read in the current format: enough to append to it while it is
/// unchanged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AsRead {
    /// Its length in bytes.
    pub len: u64,
    /// How many changes it held.
    pub changes: usize,
    /// The SHA-256 of its last line (the header's, if it held no change), as hex digits.
    pub last_line: [u8; 64],
}

/// What the next change names as `prev`: the SHA-256 of this one serialised compactly (the
/// line written for it), in hex digits. `buffer` is cleared and reused, so a replay of the
/// first format serialises every change into one allocation.
fn event_hash(event: &KeyEvent, buffer: &mut Vec<u8>) -> [u8; 64] {
    buffer.clear();
    // Writing a derived struct into memory cannot fail; an empty buffer would hash to a
    // digest no change names, so a failure could only break the chain, never forge it.
    let _ = serde_json::to_writer(&mut *buffer, event);
    hex_sha256(buffer)
}

fn hex_sha256(bytes: &[u8]) -> [u8; 64] {
    crate::digest::hex_digits(&Sha256::digest(bytes).into())
}

impl Keyring {
    /// Reads a keyring (either format), checking the chain and replaying every change.
    pub fn from_bytes(bytes: &[u8]) -> Result<Keyring, KeyringError> {
        let first_line = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
        match serde_json::from_slice::<Header>(first_line) {
            Ok(header) if header.format == KEYRING_FORMAT => Self::from_lines(bytes),
            Ok(header) => Err(KeyringError::Malformed(format!(
                "the format is '{}', not '{KEYRING_FORMAT}'",
                header.format
            ))),
            Err(_) => Self::from_document(bytes),
        }
    }

    /// Reads the current format: the header line, then a change per line, each line's
    /// SHA-256 the next one's `prev`.
    fn from_lines(bytes: &[u8]) -> Result<Keyring, KeyringError> {
        // In memory already: no limit but its length, and nothing to fail in reading.
        match Self::replay_lines(bytes, bytes.len() as u64, u64::MAX - 1) {
            Ok(Some(ring)) => Ok(ring),
            // The header was found whole by the caller: only a torn one is not read.
            Ok(None) => Err(KeyringError::Incomplete { line: 1 }),
            Err(crate::digest::LinesError::Line(e)) => Err(e),
            Err(e) => Err(KeyringError::Malformed(format!("{e:?}"))),
        }
    }

    /// Reads a keyring file open as `file` (`size` bytes when looked at, at most `limit`
    /// read): in the current format a line at a time, so that a national keyring is never
    /// held whole; a keyring in the first format (one JSON document) is read whole.
    pub fn from_file(
        file: &std::fs::File,
        size: u64,
        limit: u64,
    ) -> Result<Keyring, KeyringFileError> {
        use crate::digest::LinesError;
        use crate::fsio::ReadError;
        use std::io::Seek as _;
        let io = |source| KeyringFileError::Read(ReadError::Io { source });
        match Self::replay_lines(file, size, limit) {
            Ok(Some(ring)) => Ok(ring),
            Ok(None) => {
                let mut file = file;
                file.seek(std::io::SeekFrom::Start(0)).map_err(io)?;
                let bytes = crate::fsio::read_open_limited(file, size, limit)
                    .map_err(KeyringFileError::Read)?;
                Keyring::from_bytes(&bytes).map_err(KeyringFileError::Keyring)
            }
            Err(LinesError::Line(e)) => Err(KeyringFileError::Keyring(e)),
            Err(LinesError::TooLarge) => Err(KeyringFileError::Read(ReadError::TooLarge { limit })),
            Err(LinesError::Io(source)) => Err(io(source)),
        }
    }

    /// Replays the current format from `reader` a line at a time; None when its first line is
    /// not a whole header (the first format, or nothing), for the caller to read otherwise.
    fn replay_lines(
        reader: impl std::io::Read,
        size: u64,
        limit: u64,
    ) -> Result<Option<Keyring>, crate::digest::LinesError<KeyringError>> {
        // Room for the changes, made once: a change that adds a key is about 550 bytes.
        let mut ring = Keyring::with_room((size / 512).min(1 << 20) as usize);
        let mut last_line = GENESIS_DIGITS;
        let mut number = 0u64;
        let mut other_format = false;
        let read = crate::digest::read_lines(reader, limit, |raw| {
            number += 1;
            // What an append checks the file against: the last line exactly as written.
            last_line = hex_sha256(raw);
            // Line ends converted to CRLF (a Windows editor, a mail client) and blank lines
            // change no change: a line is hashed and read without its CR, and a blank line is
            // skipped (docs/SPEC.md K2).
            let json = raw.strip_suffix(b"\r").unwrap_or(raw);
            if json.iter().all(u8::is_ascii_whitespace) && number > 1 {
                return Ok(());
            }
            if number == 1 {
                match serde_json::from_slice::<Header>(json) {
                    Ok(header) if header.format == KEYRING_FORMAT => {}
                    Ok(header) => {
                        return Err(KeyringError::Malformed(format!(
                            "the format is '{}', not '{KEYRING_FORMAT}'",
                            header.format
                        )));
                    }
                    Err(_) => {
                        other_format = true;
                        return Err(KeyringError::Malformed(String::new()));
                    }
                }
                return Ok(());
            }
            let event = crate::json::from_line(json).map_err(|e| {
                KeyringError::Malformed(format!("line {number}: {}", crate::json::reason(&e)))
            })?;
            ring.replay(event)?;
            ring.head = hex_sha256(json);
            Ok(())
        });
        let read = match read {
            Err(crate::digest::LinesError::Line(_)) if other_format => return Ok(None),
            other => other?,
        };
        if read.lines == 0 {
            return Ok(None);
        }
        if read.torn {
            return Err(crate::digest::LinesError::Line(KeyringError::Incomplete {
                line: read.lines + 1,
            }));
        }
        ring.as_read = Some(AsRead {
            len: read.len,
            changes: ring.events.len(),
            last_line,
        });
        Ok(Some(ring))
    }

    /// Reads the first format: one document, the changes in an array, each linked by the
    /// SHA-256 of the one before serialised compactly (the line v2 writes for it).
    fn from_document(bytes: &[u8]) -> Result<Keyring, KeyringError> {
        let file: KeyringFile = crate::json::from_slice(bytes)
            .map_err(|e| KeyringError::Malformed(crate::json::reason(&e)))?;
        if file.format != KEYRING_FORMAT_V1 {
            return Err(KeyringError::Malformed(format!(
                "the format is '{}', not '{KEYRING_FORMAT}'",
                file.format
            )));
        }
        let mut ring = Keyring::with_room(file.events.len());
        // One buffer serves every change.
        let mut serialised = Vec::new();
        for event in file.events {
            let head = event_hash(&event, &mut serialised);
            ring.replay(event)?;
            ring.head = head;
        }
        Ok(ring)
    }

    /// Room for `changes` changes, made once: most changes add a key.
    fn with_room(changes: usize) -> Keyring {
        Keyring {
            events: Vec::with_capacity(changes),
            keys: Vec::with_capacity(changes),
            index: std::collections::HashMap::with_capacity(changes),
            ..Keyring::default()
        }
    }

    /// Checks that a change as read follows from the last (its number, its link and its time)
    /// and applies it.
    fn replay(&mut self, event: KeyEvent) -> Result<(), KeyringError> {
        let seq = event.seq;
        if seq != self.events.len() as u64 + 1 {
            return Err(KeyringError::Broken {
                seq,
                problem: format!(
                    "is numbered {seq} where {} was expected (a change was removed, inserted or reordered)",
                    self.events.len() + 1
                ),
            });
        }
        if event.prev.as_bytes() != self.head {
            return Err(KeyringError::Broken {
                seq,
                problem: "does not follow from the change before it (that change was edited)"
                    .into(),
            });
        }
        if let Some(last) = self.events.last()
            && event.at < last.at
        {
            return Err(KeyringError::Broken {
                seq,
                problem: "is dated before the change before it".into(),
            });
        }
        self.apply(&event).map_err(|e| KeyringError::Broken {
            seq,
            problem: format!("cannot be applied: {e}"),
        })?;
        self.events.push(event);
        Ok(())
    }

    /// The whole keyring in the current format.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::new();
        // Writing derived structs into memory cannot fail.
        let _ = serde_json::to_writer(
            &mut bytes,
            &Header {
                format: KEYRING_FORMAT.into(),
            },
        );
        bytes.push(b'\n');
        bytes.extend_from_slice(&self.lines_from(0));
        bytes
    }

    /// The lines of the changes from the `first` (counting from 0) on, each ending in a
    /// newline: what is appended to the file as read ([`Keyring::as_read`]) to give this
    /// keyring.
    pub fn lines_from(&self, first: usize) -> Vec<u8> {
        let mut bytes = Vec::new();
        for event in self.events.get(first..).unwrap_or_default() {
            let _ = serde_json::to_writer(&mut bytes, event);
            bytes.push(b'\n');
        }
        bytes
    }

    /// The file this keyring was read from, if it was in the current format: a change made
    /// since can be appended to it while it is unchanged. A keyring read in the first format,
    /// or made new, is written whole.
    pub fn as_read(&self) -> Option<AsRead> {
        self.as_read
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
                let same_pem = crate::approval::keys::spki_pem_bytes(public_key_pem)
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
        let prev = crate::digest::hex_text(&self.head);
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
        self.head = event_hash(&event, &mut Vec::new());
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

    /// The keys as `keys list --json` prints them ([`KEY_LIST_FORMAT`]).
    pub fn listing(&self) -> KeyListing<'_> {
        KeyListing {
            format: KEY_LIST_FORMAT,
            keys: &self.keys,
        }
    }

    /// The history.
    pub fn events(&self) -> &[KeyEvent] {
        &self.events
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::approval::keys::SecretKey;

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

    /// The keyring's lines: the header, then one per change.
    fn lines(ring: &Keyring) -> Vec<String> {
        String::from_utf8(ring.to_bytes())
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    fn joined(lines: &[String]) -> Vec<u8> {
        lines
            .iter()
            .flat_map(|l| format!("{l}\n").into_bytes())
            .collect()
    }

    #[test]
    fn an_edited_removed_or_reordered_change_breaks_the_chain() {
        let (ring, _) = ring();
        let lines = lines(&ring);
        assert_eq!(lines.len(), 3, "a header and two changes: {lines:?}");
        assert_eq!(lines[0], r#"{"format":"countersign/keyring/v2"}"#);

        let mut edited = lines.clone();
        edited[1] = edited[1].replace("cambs-cc\"", "fenland\"");
        assert!(
            matches!(
                Keyring::from_bytes(&joined(&edited)),
                Err(KeyringError::Broken { seq: 2, .. })
            ),
            "editing change 1 shows at change 2"
        );
        // Even a change of spacing alone is an edit: the link is to the line as written.
        let mut respaced = lines.clone();
        respaced[1] = respaced[1].replacen(':', ": ", 1);
        assert!(serde_json::from_str::<serde_json::Value>(&respaced[1]).is_ok());
        assert!(matches!(
            Keyring::from_bytes(&joined(&respaced)),
            Err(KeyringError::Broken { seq: 2, .. })
        ));
        let removed = [lines[0].clone(), lines[2].clone()];
        assert!(matches!(
            Keyring::from_bytes(&joined(&removed)),
            Err(KeyringError::Broken { seq: 2, .. })
        ));
        let swapped = [lines[0].clone(), lines[2].clone(), lines[1].clone()];
        assert!(Keyring::from_bytes(&joined(&swapped)).is_err());
        let mut other_format = lines.clone();
        other_format[0] = r#"{"format":"countersign/keyring/v9"}"#.into();
        let error = Keyring::from_bytes(&joined(&other_format)).unwrap_err();
        assert!(
            error.to_string().contains("countersign/keyring/v9"),
            "{error}"
        );
    }

    #[test]
    fn a_first_format_keyring_is_read_and_rewritten_with_every_link_kept() {
        let (ring, id) = ring();
        let v1 = serde_json::to_vec_pretty(&serde_json::json!({
            "format": KEYRING_FORMAT_V1,
            "events": ring.events,
        }))
        .unwrap();
        assert!(names_a_keyring_format(&v1));
        let mut read = Keyring::from_bytes(&v1).unwrap();
        assert_eq!(read.keys(), ring.keys());
        assert_eq!(read.as_read(), None, "a v1 keyring is written whole");
        read.revoke(
            &id,
            RevocationReason::Superseded,
            t("2026-06-01"),
            None,
            t("2026-06-01"),
        )
        .unwrap();
        let rewritten = read.to_bytes();
        let again = Keyring::from_bytes(&rewritten).unwrap();
        assert_eq!(again.keys(), read.keys());
        // The first two lines are exactly the changes v1 held, links unchanged.
        assert_eq!(lines(&again)[1..3], lines(&ring)[1..3]);
    }

    #[test]
    fn a_change_is_appended_as_one_line_after_the_file_as_read() {
        let (ring, _) = ring();
        let bytes = ring.to_bytes();
        assert!(names_a_keyring_format(&bytes));
        let mut read = Keyring::from_bytes(&bytes).unwrap();
        let as_read = read.as_read().unwrap();
        assert_eq!(as_read.len, bytes.len() as u64);
        assert_eq!(as_read.changes, 2);
        let last = lines(&ring).pop().unwrap();
        assert_eq!(as_read.last_line, hex_sha256(last.as_bytes()));
        read.add(
            &SecretKey::from_seed(&[3; 32]).public(),
            "peterborough",
            "Amara Okafor",
            &[],
            t("2026-04-01"),
            t("2026-04-03T09:00:00Z"),
        )
        .unwrap();
        let appended = read.lines_from(as_read.changes);
        assert_eq!(appended.iter().filter(|&&b| b == b'\n').count(), 1);
        let mut file = bytes.clone();
        file.extend_from_slice(&appended);
        assert_eq!(file, read.to_bytes(), "appending gives the whole file");
        assert_eq!(Keyring::from_bytes(&file).unwrap().keys(), read.keys());
    }

    #[test]
    fn a_file_read_a_line_at_a_time_reads_as_its_bytes_read_whole() {
        let (ring, _) = ring();
        let v2 = ring.to_bytes();
        let v1 = serde_json::to_vec_pretty(&serde_json::json!({
            "format": KEYRING_FORMAT_V1,
            "events": ring.events,
        }))
        .unwrap();
        let header = &v2[..=v2.iter().position(|&b| b == b'\n').unwrap()];
        let torn = &v2[..v2.len() - 10];
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keyring.json");
        let cases: [&[u8]; 8] = [
            &v2,
            &v1,
            header,
            &header[..header.len() - 1],
            torn,
            b"",
            br#"{"format":"countersign/trust/v1"}"#,
            b"\n\n",
        ];
        for bytes in cases {
            std::fs::write(&path, bytes).unwrap();
            let file = std::fs::File::open(&path).unwrap();
            let from_file = Keyring::from_file(&file, bytes.len() as u64, 1 << 20);
            match (Keyring::from_bytes(bytes), from_file) {
                (Ok(whole), Ok(lines)) => {
                    assert_eq!(lines.keys(), whole.keys());
                    assert_eq!(lines.events(), whole.events());
                    assert_eq!((lines.head, lines.as_read()), (whole.head, whole.as_read()));
                }
                (Err(whole), Err(KeyringFileError::Keyring(lines))) => {
                    assert_eq!(lines.to_string(), whole.to_string());
                }
                (whole, lines) => panic!("{whole:?} read whole, {lines:?} a line at a time"),
            }
        }
        // The limit holds for either format.
        for bytes in [&v2, &v1] {
            std::fs::write(&path, bytes).unwrap();
            let file = std::fs::File::open(&path).unwrap();
            let limit = bytes.len() as u64 - 1;
            assert!(matches!(
                Keyring::from_file(&file, bytes.len() as u64, limit),
                Err(KeyringFileError::Read(
                    crate::fsio::ReadError::TooLarge { .. }
                ))
            ));
        }
    }

    #[test]
    fn a_torn_last_line_is_named_and_nothing_else_is_read_as_a_keyring() {
        let (ring, _) = ring();
        let bytes = ring.to_bytes();
        let torn = &bytes[..bytes.len() - 10];
        let error = Keyring::from_bytes(torn).unwrap_err();
        assert!(
            matches!(error, KeyringError::Incomplete { line: 3 }),
            "{error:?}"
        );
        assert!(error.to_string().contains("remove that line"), "{error}");
        let header_only = &bytes[..bytes.iter().position(|&b| b == b'\n').unwrap()];
        assert!(matches!(
            Keyring::from_bytes(header_only),
            Err(KeyringError::Incomplete { line: 1 })
        ));
        for other in [
            &b""[..],
            b"{}",
            br#"{"format":"countersign/trust/v1"}"#,
            b"\n\n",
        ] {
            assert!(!names_a_keyring_format(other));
            assert!(Keyring::from_bytes(other).is_err());
        }
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
