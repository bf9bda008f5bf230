//! The register (`register/register.jsonl`): an append-only, hash-chained record of what the
//! pack issued and who signed it: documents assembled, versions superseded, signatures
//! recorded, keys added and revoked.
//!
//! One JSON record per line; each holds the SHA-256 of the previous line's exact bytes, so an
//! edited, removed, reordered or inserted record breaks the chain and is named. Appends take an
//! exclusive lock on the file, so two processes cannot interleave; a last line left incomplete
//! by a crash is reported and never built upon. Signatures are indexed by statement hash and
//! key id, never by signature bytes (Ed25519 signatures are not unique). Nothing here rewrites
//! a past record.

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use sha2::{Digest, Sha256};

use crate::digest::sha256_hex;
use crate::time::Timestamp;

/// The `prev` of the first record.
pub const GENESIS: &str = crate::digest::GENESIS;

/// What a record says happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
#[serde(expecting = "an object")]
pub enum Event {
    /// A document was assembled and written.
    DocumentAssembled {
        /// The file name.
        file: String,
        /// The document id.
        id: String,
        /// Its kind.
        kind: String,
        /// Its version.
        version: String,
        /// Its SHA-256.
        sha256: String,
    },
    /// A document version was replaced by a newer one.
    VersionSuperseded {
        /// The document id.
        id: String,
        /// The old version.
        version: String,
        /// The old file.
        file: String,
        /// The new version.
        by_version: String,
        /// The new file.
        by_file: String,
    },
    /// A signature was recorded.
    SignatureRecorded {
        /// The signed document's file.
        file: String,
        /// The document id.
        id: String,
        /// The version signed.
        version: String,
        /// The document's SHA-256.
        sha256: String,
        /// The organisation.
        organisation: String,
        /// The key id.
        key_id: String,
        /// SHA-256 of the signed statement (the DSSE payload).
        statement_sha256: String,
        /// The signature file.
        signature_file: String,
    },
    /// A failing signature was set aside (kept as evidence) so a fresh one could replace it.
    SignatureSetAside {
        /// Its name in `signatures/`.
        signature_file: String,
        /// Its name in `signatures/set-aside/`.
        kept_as: String,
        /// Why it fails.
        reason: String,
    },
    /// A signature on paper was recorded by the coordinator.
    PaperSignatureRecorded {
        /// The signed document's file.
        file: String,
        /// The document id.
        id: String,
        /// The version signed.
        version: String,
        /// The organisation.
        organisation: String,
        /// Who signed.
        signatory: String,
        /// In what role.
        role: String,
        /// The date on the sheet.
        signed_on: String,
        /// SHA-256 of the scan.
        scan_sha256: String,
        /// The record's file in `paper/`.
        record_file: String,
        /// SHA-256 of the record's exact bytes.
        record_sha256: String,
    },
    /// A key was added to the keyring.
    KeyAdded {
        /// The key id.
        key_id: String,
        /// The organisation.
        organisation: String,
        /// The holder.
        signatory: String,
    },
    /// A key was revoked.
    KeyRevoked {
        /// The key id.
        key_id: String,
        /// Why.
        reason: String,
        /// From when.
        effective: Timestamp,
    },
}

/// One line of the register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(expecting = "an object")]
pub struct Record {
    /// 1 for the first record, then one more each time.
    #[serde(deserialize_with = "crate::json::whole")]
    pub seq: u64,
    /// SHA-256 of the previous line's exact bytes (zeros for the first).
    pub prev: String,
    /// When it was recorded (UTC).
    pub at: Timestamp,
    /// What happened.
    pub event: Event,
}

/// Why the register cannot be trusted or appended to.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegisterError {
    /// A line is not a record.
    #[error(
        "record {line} (line {line}) is not a valid register record ({})",
        crate::json::reason(.source)
    )]
    Malformed {
        /// 1-based line number.
        line: u64,
        /// What the parser found.
        source: serde_json::Error,
    },
    /// The last line was cut short.
    #[error(
        "the last record (line {line}) is incomplete: a write was interrupted (a crash or a full disk?)"
    )]
    Torn {
        /// 1-based line number.
        line: u64,
    },
    /// A record is out of place: removed, inserted or reordered records.
    #[error(
        "line {line} holds record {found} where record {line} was expected: records were removed, inserted or reordered"
    )]
    OutOfSequence {
        /// The line.
        line: u64,
        /// The seq found there.
        found: u64,
    },
    /// A record does not follow from the one before: it or the one before was edited.
    #[error("record {line} does not follow from record {}: record {} was edited, or a record was inserted", .line - 1, .line - 1)]
    Broken {
        /// The line whose `prev` does not match.
        line: u64,
    },
    /// The first record does not start the chain.
    #[error("record 1 does not start the chain: records before it were removed")]
    BadStart,
    /// A checkpoint disagrees with the register.
    #[error("the checkpoint {file} fails: {source}")]
    Checkpoint {
        /// The checkpoint file.
        file: String,
        /// Why.
        source: CheckpointError,
    },
    /// The register records a key change the keyring does not hold (docs/SPEC.md K5).
    #[error(
        "record {seq} records that {what}, but the keyring {keyring}: one of them was rewritten"
    )]
    KeyringDisagrees {
        /// The record.
        seq: u64,
        /// What it records.
        what: String,
        /// What the keyring holds instead.
        keyring: String,
    },
    /// The register changed while a command was using it (another command appended, or it
    /// was edited).
    #[error(
        "'{}' changed while this command was reading it (another countersign command, or an edit); run the command again",
        path.display()
    )]
    Changed {
        /// The register file.
        path: PathBuf,
    },
    /// The file could not be read: not a regular file, a link inside the pack, or too large.
    #[error("cannot read '{}' ({source})", path.display())]
    Read {
        /// The register file.
        path: PathBuf,
        /// Why.
        source: crate::fsio::ReadError,
    },
    /// The file could not be read or written.
    #[error("cannot use '{}' ({source})", path.display())]
    Io {
        /// The register file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
}

/// The register as read and checked.
#[derive(Debug, Clone, Default)]
pub struct Register {
    /// The records in order.
    pub records: Vec<Record>,
    /// SHA-256 of each line's exact bytes (without its newline), in order.
    pub line_hashes: Vec<String>,
    /// Where each recorded signature is, by (statement hash, key id).
    signatures: std::collections::HashMap<(String, String), usize>,
    /// Where each document was first recorded as assembled, by its digest.
    assembled: std::collections::HashMap<String, usize>,
    /// Where each paper signature was recorded, by the SHA-256 of its record.
    paper: std::collections::HashMap<String, usize>,
    /// Where each document version was first recorded as superseded, by (id, version).
    superseded: std::collections::HashMap<(String, String), usize>,
    /// Where each key was first recorded as added, by key id.
    keys_added: std::collections::HashMap<String, usize>,
    /// Where each key was first recorded as revoked, by key id.
    keys_revoked: std::collections::HashMap<String, usize>,
}

impl Register {
    /// Parses and checks register text: every line a record, in sequence, each following from
    /// the one before, and the last line complete.
    pub fn parse(text: &[u8]) -> Result<Register, RegisterError> {
        let mut register = Register::default();
        for line in lines(text) {
            let (number, line) = line?;
            let record: Record =
                crate::json::from_line(line).map_err(|source| RegisterError::Malformed {
                    line: number,
                    source,
                })?;
            let expected = register.line_hashes.last().map_or(GENESIS, String::as_str);
            check_link(
                number,
                record.seq,
                record.prev.as_bytes(),
                expected.as_bytes(),
            )?;
            register.line_hashes.push(sha256_hex(line));
            register.index(record);
        }
        Ok(register)
    }

    fn index(&mut self, record: Record) {
        let at = self.records.len();
        match &record.event {
            Event::SignatureRecorded {
                statement_sha256,
                key_id,
                ..
            } => {
                self.signatures
                    .entry((statement_sha256.clone(), key_id.clone()))
                    .or_insert(at);
            }
            Event::DocumentAssembled { sha256, .. } => {
                self.assembled.entry(sha256.clone()).or_insert(at);
            }
            Event::PaperSignatureRecorded { record_sha256, .. } => {
                self.paper.entry(record_sha256.clone()).or_insert(at);
            }
            Event::VersionSuperseded { id, version, .. } => {
                self.superseded
                    .entry((id.clone(), version.clone()))
                    .or_insert(at);
            }
            Event::KeyAdded { key_id, .. } => {
                self.keys_added.entry(key_id.clone()).or_insert(at);
            }
            Event::KeyRevoked { key_id, .. } => {
                self.keys_revoked.entry(key_id.clone()).or_insert(at);
            }
            _ => {}
        }
        self.records.push(record);
    }

    /// Reads and checks the register at `path` (a pack's is [`crate::pack::Pack::register_path`]);
    /// an absent register is empty.
    pub fn load(path: &Path) -> Result<Register, RegisterError> {
        Register::parse(&read_bytes(path)?)
    }

    /// As [`Register::load`], with the head an append can build on ([`append_after`]).
    pub fn load_with_head(path: &Path) -> Result<(Register, ChainHead), RegisterError> {
        let path = path.to_path_buf();
        let bytes = read_file(&path)?;
        let register = Register::parse(&bytes)?;
        let head = ChainHead::of_parsed(path, &bytes, &register);
        Ok((register, head))
    }

    /// The head: the number of records and the hash of the last line.
    pub fn head(&self) -> (u64, String) {
        (
            self.records.len() as u64,
            self.line_hashes
                .last()
                .cloned()
                .unwrap_or_else(|| GENESIS.to_string()),
        )
    }

    /// The record of a signature, by statement hash and key id.
    pub fn signature(&self, statement_sha256: &str, key_id: &str) -> Option<&Record> {
        self.signatures
            .get(&(statement_sha256.to_string(), key_id.to_string()))
            .and_then(|&i| self.records.get(i))
    }

    /// The first record of a document's assembly, by its digest.
    pub fn assembled(&self, sha256: &str) -> Option<&Record> {
        self.assembled
            .get(sha256)
            .and_then(|&i| self.records.get(i))
    }

    /// The record of a paper signature, by the SHA-256 of its record file.
    pub fn paper(&self, record_sha256: &str) -> Option<&Record> {
        self.paper
            .get(record_sha256)
            .and_then(|&i| self.records.get(i))
    }

    /// The record of a key's addition to the keyring, if the register holds one (a key added
    /// before countersign recorded key changes has none).
    pub fn key_added(&self, key_id: &str) -> Option<&Record> {
        self.keys_added
            .get(key_id)
            .and_then(|&i| self.records.get(i))
    }

    /// The record of a key's revocation, if the register holds one: from it on, the key's
    /// signatures no longer count (docs/SPEC.md S6).
    pub fn key_revoked(&self, key_id: &str) -> Option<&Record> {
        self.keys_revoked
            .get(key_id)
            .and_then(|&i| self.records.get(i))
    }

    /// Appends `event` in memory as the coordinator's register would record it at `at`: what
    /// a change would do, judged before it is made ([`crate::approval::key_changes::revocation_effects`]).
    pub fn with_appended(&self, at: Timestamp, event: Event) -> Register {
        let mut register = self.clone();
        let (size, head) = self.head();
        let record = Record {
            seq: size + 1,
            prev: head,
            at,
            event,
        };
        let line = serde_json::to_vec(&record).unwrap_or_default();
        register.line_hashes.push(sha256_hex(&line));
        register.index(record);
        register
    }

    /// When a document version was superseded, if it was.
    pub fn superseded(&self, id: &str, version: &str) -> Option<&Record> {
        self.superseded
            .get(&(id.to_string(), version.to_string()))
            .and_then(|&i| self.records.get(i))
    }
}

/// The head of the register's chain as a command checked it (the number of records, the
/// SHA-256 of the last line), where that line stands in the file, and the statements the
/// records name: what [`append_after`] builds on when, under the lock, it finds the file as
/// checked, and what tells a command whether it need read the records at all. None of the
/// register's bytes are kept: at national scale it is megabytes, walked a block at a time.
#[derive(Debug, Clone, Default)]
pub struct ChainHead {
    path: PathBuf,
    records: u64,
    head: String,
    /// The file's length as checked.
    len: u64,
    /// The statements the records name (their SHA-256 as recorded), sorted.
    statements: Vec<String>,
}

impl ChainHead {
    /// The number of records and the SHA-256 of the last line (as [`Register::head`]).
    pub fn head(&self) -> (u64, String) {
        (self.records, self.head.clone())
    }

    /// Reads every record of the register, for a command that finds it needs them after all:
    /// the file as checked, or with records appended since (its chain checked again, record by
    /// record), but refused if what was checked is no longer there as it was.
    pub fn parse(&self) -> Result<Register, RegisterError> {
        let register = Register::parse(&read_file(&self.path)?)?;
        let extends = match self.records.checked_sub(1) {
            None => true,
            Some(last) => register.line_hashes.get(last as usize) == Some(&self.head),
        };
        if !extends {
            return Err(RegisterError::Changed {
                path: self.path.clone(),
            });
        }
        Ok(register)
    }

    /// Whether a record names the statement whose SHA-256 is `text`: when none does, a
    /// command knows without reading the records again that none concerns it.
    pub fn may_mention(&self, text: &str) -> bool {
        self.statements
            .binary_search_by(|named| named.as_str().cmp(text))
            .is_ok()
    }

    /// Whether the open register is still the file whose chain was checked
    /// ([`crate::record::log::still_as_read`]: the same length, a last line that hashes to the head).
    fn still_holds(&self, file: &mut std::fs::File) -> std::io::Result<bool> {
        let Ok(last_line) = <[u8; 64]>::try_from(self.head.as_bytes()) else {
            return Ok(false);
        };
        crate::record::log::still_as_read(
            file,
            &crate::record::log::AsRead {
                len: self.len,
                last_line,
            },
        )
    }

    /// The head of a register read whole and parsed (`bytes`, giving `register`).
    fn of_parsed(path: PathBuf, bytes: &[u8], register: &Register) -> ChainHead {
        let (records, head) = register.head();
        let mut statements = Vec::new();
        for record in &register.records {
            note_statement(&record.event, &mut statements);
        }
        statements.sort_unstable();
        ChainHead {
            path,
            records,
            head,
            len: bytes.len() as u64,
            statements,
        }
    }
}

/// Notes the statement an event names, if it names one.
fn note_statement(event: &Event, statements: &mut Vec<String>) {
    if let Event::SignatureRecorded {
        statement_sha256, ..
    } = event
    {
        statements.push(statement_sha256.clone());
    }
}

fn read_file(path: &Path) -> Result<Vec<u8>, RegisterError> {
    match crate::fsio::read_limited(path, crate::fsio::limits::REGISTER, false) {
        Ok(bytes) => Ok(bytes),
        Err(e) if e.io_kind() == Some(std::io::ErrorKind::NotFound) => Ok(Vec::new()),
        Err(source) => Err(RegisterError::Read {
            path: path.to_path_buf(),
            source,
        }),
    }
}

fn read_bytes(path: &Path) -> Result<Vec<u8>, RegisterError> {
    read_file(path)
}

/// Checks the pack's register as an append would (every record read and its chain
/// followed), without appending: so that a command refuses before it signs, not after.
/// No register yet is fine. The head it returns lets the append skip walking it again.
pub fn check_chain(path: &Path) -> Result<ChainHead, RegisterError> {
    let path = path.to_path_buf();
    let limit = crate::fsio::limits::REGISTER;
    let file = match crate::fsio::open_limited(&path, limit, false) {
        Ok((file, _)) => file,
        Err(e) if e.io_kind() == Some(std::io::ErrorKind::NotFound) => {
            return Ok(ChainHead {
                path,
                head: GENESIS.to_string(),
                ..ChainHead::default()
            });
        }
        Err(source) => return Err(RegisterError::Read { path, source }),
    };
    walk_chain(file, path)
}

/// Walks the chain of the register open as `file` from where it stands, a block at a time
/// (see [`ChainHead`]): every line a whole, valid record, in sequence and following from the
/// one before, and no torn line. Each line is read by the one reader of register records
/// ([`crate::json::from_line`]); only the records' statements are kept, so memory stays small
/// in a register of many thousands.
pub(crate) fn walk_chain(file: impl Read, path: PathBuf) -> Result<ChainHead, RegisterError> {
    use crate::digest::LinesError;
    let limit = crate::fsio::limits::REGISTER;
    let mut walk = Walk::new();
    let read =
        crate::digest::read_lines(file, limit, |line| walk.line(line)).map_err(|e| match e {
            LinesError::Line(e) => e,
            LinesError::TooLarge => RegisterError::Read {
                path: path.clone(),
                source: crate::fsio::ReadError::TooLarge { limit },
            },
            LinesError::Io(source) => RegisterError::Io {
                path: path.clone(),
                source,
            },
        })?;
    if read.torn {
        // The line before the torn one is not the last: it is checked as any other.
        if walk.number > 0 {
            walk.check()?;
        }
        return Err(RegisterError::Torn {
            line: walk.number + 1,
        });
    }
    walk.finish()?;
    walk.statements.sort_unstable();
    Ok(ChainHead {
        path,
        records: walk.number,
        head: crate::digest::hex_text(&walk.head),
        len: read.len,
        statements: walk.statements,
    })
}

/// A walk along the chain, a line at a time. Each line is checked once the next is found, so
/// that the last is known as the last and read in full.
struct Walk {
    /// Lines walked, and the hash of the last one checked.
    number: u64,
    head: [u8; 64],
    /// The last line found, not yet checked.
    pending: Vec<u8>,
    statements: Vec<String>,
}

impl Walk {
    fn new() -> Walk {
        Walk {
            number: 0,
            head: crate::digest::GENESIS_DIGITS,
            pending: Vec::new(),
            statements: Vec::new(),
        }
    }

    /// A whole line (without its newline).
    fn line(&mut self, line: &[u8]) -> Result<(), RegisterError> {
        if self.number > 0 {
            self.check()?;
        }
        self.number += 1;
        self.pending.clear();
        self.pending.extend_from_slice(line);
        Ok(())
    }

    /// Checks the pending line: a whole record, following from the chain so far.
    fn check(&mut self) -> Result<(), RegisterError> {
        let record: Record =
            crate::json::from_line(&self.pending).map_err(|source| RegisterError::Malformed {
                line: self.number,
                source,
            })?;
        check_link(self.number, record.seq, record.prev.as_bytes(), &self.head)?;
        note_statement(&record.event, &mut self.statements);
        self.head = crate::digest::hex_digits(&Sha256::digest(&self.pending).into());
        Ok(())
    }

    /// Checks the last line, if there is one.
    fn finish(&mut self) -> Result<(), RegisterError> {
        if self.number > 0 {
            self.check()?;
        }
        Ok(())
    }
}

/// The register's lines, numbered from 1, as a full read walks them: a last line without its
/// newline is a write that was interrupted, reported when it is reached.
fn lines(text: &[u8]) -> impl Iterator<Item = Result<(u64, &[u8]), RegisterError>> {
    crate::digest::chain_lines(text).map(|line| line.map_err(|line| RegisterError::Torn { line }))
}

/// Whether record `number` (numbered `seq`, naming `prev` before it) follows from a chain whose
/// last line hashes to `expected` (hex digits).
fn check_link(number: u64, seq: u64, prev: &[u8], expected: &[u8]) -> Result<(), RegisterError> {
    if seq != number {
        return Err(RegisterError::OutOfSequence {
            line: number,
            found: seq,
        });
    }
    if prev != expected {
        return Err(if number == 1 {
            RegisterError::BadStart
        } else {
            RegisterError::Broken { line: number }
        });
    }
    Ok(())
}

/// Checks, before anything else is written, that the register can be appended to: its folder
/// and file are not links, and the file opens for appending.
pub fn check_appendable(path: &Path) -> Result<(), RegisterError> {
    open_for_append(path).map(drop)
}

/// Opens the register for reading and appending ([`crate::record::log::open_for_append`]).
fn open_for_append(path: &Path) -> Result<std::fs::File, RegisterError> {
    crate::record::log::open_for_append(path, true).map_err(|source| RegisterError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Appends records to a pack's register under an exclusive lock, after checking the whole
/// chain and that the last line is complete. Each event gets the time `at`. Returns the
/// records written.
pub fn append(
    path: &Path,
    at: Timestamp,
    events: Vec<Event>,
) -> Result<Vec<Record>, RegisterError> {
    append_after(path, None, at, events)
}

/// As [`append`], for a command that checked the register already (`read`): if, under the
/// lock, the file is still the one it checked (see [`ChainHead`]: the same length and last
/// line), the append builds on the head it found; otherwise (another command appended
/// meanwhile, say) the chain is walked again.
pub fn append_after(
    path: &Path,
    read: Option<&ChainHead>,
    at: Timestamp,
    events: Vec<Event>,
) -> Result<Vec<Record>, RegisterError> {
    let path = path.to_path_buf();
    let io = |source: std::io::Error| RegisterError::Io {
        path: path.clone(),
        source,
    };
    let mut file = open_for_append(&path)?;
    // Held until `file` is dropped: concurrent appenders wait here, so lines never interleave.
    file.lock().map_err(io)?;
    let (mut seq, mut prev) = match read {
        Some(read) if read.still_holds(&mut file).map_err(io)? => (read.records, read.head.clone()),
        _ => {
            file.seek(SeekFrom::Start(0)).map_err(io)?;
            let walked = walk_chain(&file, path.clone())?;
            (walked.records, walked.head)
        }
    };
    let mut out = Vec::new();
    let mut written = Vec::new();
    for event in events {
        seq += 1;
        let record = Record {
            seq,
            prev: prev.clone(),
            at,
            event,
        };
        let line = serde_json::to_vec(&record).map_err(|e| RegisterError::Io {
            path: path.clone(),
            source: std::io::Error::other(e),
        })?;
        prev = sha256_hex(&line);
        out.extend_from_slice(&line);
        out.push(b'\n');
        written.push(record);
    }
    crate::record::log::append(&mut file, &out).map_err(io)?;
    Ok(written)
}

/// Why a checkpoint does not vouch for the register.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CheckpointError {
    /// Not a DSSE envelope.
    #[error("it is malformed ({0})")]
    Malformed(String),
    /// A DSSE envelope of something else.
    #[error("it is not a register checkpoint")]
    NotACheckpoint,
    /// Countersign writes exactly one signature per checkpoint.
    #[error("it must hold exactly one signature")]
    SignatureCount,
    /// The key is not in the keyring.
    #[error("it was signed with a key the keyring does not hold ({0})")]
    UnknownKey(String),
    /// The signature does not verify.
    #[error("its signature is not valid")]
    BadSignature,
    /// The statement names another organisation or key than the keyring gives.
    #[error(
        "it claims {organisation} with key {key_id}, but the keyring gives that key to {owner}"
    )]
    KeyMismatch {
        /// The organisation claimed.
        organisation: String,
        /// The key claimed.
        key_id: String,
        /// The key's organisation in the keyring.
        owner: String,
    },
    /// A checkpoint of another pack.
    #[error("it is a checkpoint of the pack '{0}', not of this one")]
    OtherPack(String),
    /// The register is shorter than the checkpoint.
    #[error(
        "it vouches for {size} records, but the register has only {records}: records were removed"
    )]
    Ahead {
        /// The checkpoint's size.
        size: u64,
        /// The register's size.
        records: u64,
    },
    /// The register's first records are not the ones vouched for.
    #[error(
        "the register's first {size} records are not the ones it vouched for: the register was rewritten"
    )]
    Rewritten {
        /// The checkpoint's size.
        size: u64,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pack::layout::REGISTER_FILE;

    /// The head an append finds walking `text` (records, SHA-256 of the last line).
    fn chain_head(text: &[u8]) -> Result<(u64, String), RegisterError> {
        walk_chain(text, PathBuf::new()).map(|head| (head.records, head.head))
    }

    fn t(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    fn event(n: u32) -> Event {
        Event::KeyAdded {
            key_id: format!("SHA256:{n}"),
            organisation: "org".into(),
            signatory: "s".into(),
        }
    }

    #[test]
    fn an_append_builds_on_the_head_it_read_only_while_the_file_is_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        // No register yet: the head is the start of a chain.
        let empty = check_chain(&dir.path().join(REGISTER_FILE)).unwrap();
        assert_eq!((empty.records, empty.head.as_str()), (0, GENESIS));
        append_after(
            &dir.path().join(REGISTER_FILE),
            Some(&empty),
            t("2026-01-01T00:00:00Z"),
            vec![event(1)],
        )
        .unwrap();
        let read = check_chain(&dir.path().join(REGISTER_FILE)).unwrap();
        let (register, loaded) = Register::load_with_head(&dir.path().join(REGISTER_FILE)).unwrap();
        assert_eq!((read.records, &read.head), (loaded.records, &loaded.head));
        // Walked or read whole, the length is the same, and the file is found as checked.
        assert_eq!(read.len, loaded.len);
        let mut file = std::fs::File::open(dir.path().join(REGISTER_FILE)).unwrap();
        assert!(read.still_holds(&mut file).unwrap());
        assert_eq!(register.head(), (read.records, read.head.clone()));
        // Another command appends meanwhile: the head read before is stale, and the append
        // walks the chain again instead of building on it.
        append(
            &dir.path().join(REGISTER_FILE),
            t("2026-01-02T00:00:00Z"),
            vec![event(2)],
        )
        .unwrap();
        let written = append_after(
            &dir.path().join(REGISTER_FILE),
            Some(&read),
            t("2026-01-03T00:00:00Z"),
            vec![event(3)],
        )
        .unwrap();
        assert_eq!(written[0].seq, 3);
        let text = std::fs::read(dir.path().join(REGISTER_FILE)).unwrap();
        let register = Register::parse(&text).unwrap();
        assert_eq!(register.records.len(), 3);
        // Unchanged since read: it builds on the head, and the chain still holds.
        let read = check_chain(&dir.path().join(REGISTER_FILE)).unwrap();
        append_after(
            &dir.path().join(REGISTER_FILE),
            Some(&read),
            t("2026-01-04T00:00:00Z"),
            vec![event(4)],
        )
        .unwrap();
        let text = std::fs::read(dir.path().join(REGISTER_FILE)).unwrap();
        assert_eq!(Register::parse(&text).unwrap().records.len(), 4);
        assert_eq!(chain_head(&text).unwrap().0, 4);
    }

    #[test]
    fn an_edit_of_the_last_line_is_not_built_on_and_an_earlier_one_is_named_by_the_next_check() {
        let dir = tempfile::tempdir().unwrap();
        let at = t("2026-01-01T00:00:00Z");
        append(
            &dir.path().join(REGISTER_FILE),
            at,
            (0..600).map(event).collect(),
        )
        .unwrap();
        let path = dir.path().join(REGISTER_FILE);
        let as_checked = std::fs::read(&path).unwrap();
        let read = check_chain(&dir.path().join(REGISTER_FILE)).unwrap();
        assert_eq!((read.records, read.len), (600, as_checked.len() as u64));
        // The last line edited, its length the same: the head read before is not built on,
        // and walking the chain again finds the edit.
        let mut bytes = as_checked.clone();
        let last = bytes.windows(10).rposition(|w| w == b"SHA256:599").unwrap();
        bytes[last + 9] = b'8';
        std::fs::write(&path, &bytes).unwrap();
        assert!(
            read.parse().is_err(),
            "a changed register is not read as checked"
        );
        let written = append_after(
            &dir.path().join(REGISTER_FILE),
            Some(&read),
            at,
            vec![event(600)],
        )
        .unwrap();
        let edited_line = bytes[..bytes.len() - 1]
            .rsplit(|&b| b == b'\n')
            .next()
            .unwrap();
        assert_eq!(written[0].seq, 601);
        assert_eq!(
            written[0].prev,
            sha256_hex(edited_line),
            "built on the line as edited"
        );
        assert_ne!(written[0].prev, read.head);
        let after = std::fs::read(&path).unwrap();
        assert_eq!(
            &after[..bytes.len()],
            &bytes[..],
            "nothing before was rewritten"
        );
        // An earlier record edited meanwhile (the length and last line the same): the append
        // adds after it, and the next full check names it.
        std::fs::write(&path, &as_checked).unwrap();
        let mut bytes = as_checked.clone();
        let record_500 = bytes.windows(10).position(|w| w == b"SHA256:499").unwrap();
        bytes[record_500 + 9] = b'8';
        std::fs::write(&path, &bytes).unwrap();
        append_after(
            &dir.path().join(REGISTER_FILE),
            Some(&read),
            at,
            vec![event(600)],
        )
        .unwrap();
        assert!(matches!(
            Register::load(&dir.path().join(REGISTER_FILE)).unwrap_err(),
            RegisterError::Broken { line: 501 }
        ));
        // Put back as read: the append builds on it and the chain holds.
        std::fs::write(&path, &as_checked).unwrap();
        let written = append_after(
            &dir.path().join(REGISTER_FILE),
            Some(&read),
            at,
            vec![event(600)],
        )
        .unwrap();
        assert_eq!(written[0].seq, 601);
        assert_eq!(chain_head(&std::fs::read(&path).unwrap()).unwrap().0, 601);
        // Records appended since the check: read with them, what was checked being there as it
        // was.
        assert_eq!(read.parse().unwrap().records.len(), 601);
    }

    #[test]
    fn a_digest_no_record_holds_is_known_without_reading_the_records() {
        let dir = tempfile::tempdir().unwrap();
        let recorded = Event::SignatureRecorded {
            file: "f.docx".into(),
            id: "f".into(),
            version: "1".into(),
            sha256: "a".repeat(64),
            organisation: "org".into(),
            key_id: "SHA256:k".into(),
            statement_sha256: "b".repeat(64),
            signature_file: "f.org.dsse.json".into(),
        };
        append(
            &dir.path().join(REGISTER_FILE),
            t("2026-01-01T00:00:00Z"),
            vec![recorded],
        )
        .unwrap();
        let head = check_chain(&dir.path().join(REGISTER_FILE)).unwrap();
        assert!(head.may_mention(&"b".repeat(64)));
        assert!(!head.may_mention(&"c".repeat(64)));
        assert_eq!(head.parse().unwrap().records.len(), 1);
        // Read whole, the register answers the same.
        let (_, loaded) = Register::load_with_head(&dir.path().join(REGISTER_FILE)).unwrap();
        assert!(loaded.may_mention(&"b".repeat(64)));
        assert!(!loaded.may_mention(&"c".repeat(64)));
        // A digest is found as written.
        assert!(!head.may_mention(&"B".repeat(64)));
        // The field's name in another place (a signatory so named) or an escape is just text:
        // each record is read, so the answer is exact.
        let named = Event::KeyAdded {
            key_id: "SHA256:n".into(),
            organisation: "org".into(),
            signatory: "statement_sha256".into(),
        };
        let quoted = Event::KeyAdded {
            key_id: "SHA256:q".into(),
            organisation: "org".into(),
            signatory: "Dr \"Pat\" Example".into(),
        };
        let other = tempfile::tempdir().unwrap();
        append(
            &other.path().join(REGISTER_FILE),
            t("2026-01-01T00:00:00Z"),
            vec![named, quoted],
        )
        .unwrap();
        assert!(
            !check_chain(&other.path().join(REGISTER_FILE))
                .unwrap()
                .may_mention(&"c".repeat(64))
        );
        assert!(
            !Register::load_with_head(&other.path().join(REGISTER_FILE))
                .unwrap()
                .1
                .may_mention(&"c".repeat(64))
        );
        // A digest two digits short, then the next field: the short one is what is named (a
        // scan by bytes once took `...","` for a digest; found by fuzzing).
        let short = Event::SignatureRecorded {
            statement_sha256: "d".repeat(62),
            signature_file: "f.org.dsse.json".into(),
            file: "f.docx".into(),
            id: "f".into(),
            version: "1".into(),
            sha256: "a".repeat(64),
            organisation: "org".into(),
            key_id: "SHA256:k".into(),
        };
        let third = tempfile::tempdir().unwrap();
        append(
            &third.path().join(REGISTER_FILE),
            t("2026-01-01T00:00:00Z"),
            vec![short],
        )
        .unwrap();
        let head = check_chain(&third.path().join(REGISTER_FILE)).unwrap();
        assert!(head.may_mention(&"d".repeat(62)));
        let bytes = std::fs::read(third.path().join(REGISTER_FILE)).unwrap();
        crate::fuzzing::register(&bytes);
    }

    #[test]
    fn appends_chain_and_every_kind_of_damage_is_named() {
        let dir = tempfile::tempdir().unwrap();
        append(
            &dir.path().join(REGISTER_FILE),
            t("2026-01-01T00:00:00Z"),
            vec![event(1), event(2)],
        )
        .unwrap();
        append(
            &dir.path().join(REGISTER_FILE),
            t("2026-01-02T00:00:00Z"),
            vec![event(3), event(4)],
        )
        .unwrap();
        let path = dir.path().join(REGISTER_FILE);
        let text = std::fs::read_to_string(&path).unwrap();
        let reg = Register::parse(text.as_bytes()).unwrap();
        assert_eq!(reg.records.len(), 4);
        let lines: Vec<&str> = text.lines().collect();
        let join = |ls: &[&str]| ls.iter().map(|l| format!("{l}\n")).collect::<String>();

        let edited = join(&[
            lines[0],
            &lines[1].replace("SHA256:2", "SHA256:X"),
            lines[2],
            lines[3],
        ]);
        assert!(matches!(
            Register::parse(edited.as_bytes()).unwrap_err(),
            RegisterError::Broken { line: 3 }
        ));
        let removed = join(&[lines[0], lines[2], lines[3]]);
        assert!(matches!(
            Register::parse(removed.as_bytes()).unwrap_err(),
            RegisterError::OutOfSequence { line: 2, found: 3 }
        ));
        let reordered = join(&[lines[0], lines[2], lines[1], lines[3]]);
        assert!(matches!(
            Register::parse(reordered.as_bytes()).unwrap_err(),
            RegisterError::OutOfSequence { line: 2, found: 3 }
        ));
        let inserted = join(&[lines[0], lines[1], lines[1], lines[2], lines[3]]);
        assert!(matches!(
            Register::parse(inserted.as_bytes()).unwrap_err(),
            RegisterError::OutOfSequence { line: 3, found: 2 }
        ));
        let first_gone = join(&[lines[1], lines[2], lines[3]]);
        assert!(matches!(
            Register::parse(first_gone.as_bytes()).unwrap_err(),
            RegisterError::OutOfSequence { line: 1, found: 2 }
        ));
        let torn = &text[..text.len() - 10];
        assert!(matches!(
            Register::parse(torn.as_bytes()).unwrap_err(),
            RegisterError::Torn { line: 4 }
        ));

        // A time that is not a UTC time is not a record.
        let bad_time = join(&[&lines[0].replace("2026-01-01T00:00:00Z", "yesterday")]);
        assert!(matches!(
            Register::parse(bad_time.as_bytes()).unwrap_err(),
            RegisterError::Malformed { line: 1, .. }
        ));

        // An append checks the chain as a full read does: the same damage, named the same.
        for damaged in [
            &edited,
            &removed,
            &reordered,
            &inserted,
            &first_gone,
            &torn.to_string(),
        ] {
            let full = Register::parse(damaged.as_bytes()).unwrap_err().to_string();
            let quick = chain_head(damaged.as_bytes()).unwrap_err().to_string();
            assert_eq!(quick, full);
        }
        assert_eq!(chain_head(text.as_bytes()).unwrap(), reg.head());
        // A last record that is not a record is refused, even with a good seq and prev.
        let mut last_bad = join(&lines[..3]);
        last_bad.push_str(&lines[3].replacen("\"event\":", "\"evnt\":", 1));
        last_bad.push('\n');
        assert!(matches!(
            chain_head(last_bad.as_bytes()).unwrap_err(),
            RegisterError::Malformed { line: 4, .. }
        ));

        // A torn register is never built upon.
        std::fs::write(&path, torn).unwrap();
        assert!(matches!(
            append(
                &dir.path().join(REGISTER_FILE),
                t("2026-01-03T00:00:00Z"),
                vec![event(5)]
            )
            .unwrap_err(),
            RegisterError::Torn { line: 4 }
        ));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), torn);
    }
}
