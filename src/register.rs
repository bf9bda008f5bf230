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

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use sha2::{Digest, Sha256};

use crate::digest::sha256_hex;
use crate::time::Timestamp;

/// Where the register lives in a pack.
pub const REGISTER_FILE: &str = "register/register.jsonl";
/// The `prev` of the first record.
pub const GENESIS: &str = crate::digest::GENESIS;

/// What a record says happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
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
pub struct Record {
    /// 1 for the first record, then one more each time.
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
    #[error("record {line} (line {line}) is not a valid register record ({source})")]
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
}

impl Register {
    /// Parses and checks register text: every line a record, in sequence, each following from
    /// the one before, and the last line complete.
    pub fn parse(text: &[u8]) -> Result<Register, RegisterError> {
        let mut register = Register::default();
        for line in lines(text) {
            let (number, line) = line?;
            let record: Record =
                serde_json::from_slice(line).map_err(|source| RegisterError::Malformed {
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
            _ => {}
        }
        self.records.push(record);
    }

    /// Reads and checks the register of a pack (an absent register is empty).
    pub fn load(pack: &Path) -> Result<Register, RegisterError> {
        Register::parse(&read_bytes(pack)?)
    }

    /// As [`Register::load`], with the head an append can build on ([`append_after`]).
    pub fn load_with_head(pack: &Path) -> Result<(Register, ChainHead), RegisterError> {
        let bytes = read_bytes(pack)?;
        let register = Register::parse(&bytes)?;
        let (records, head) = register.head();
        Ok((
            register,
            ChainHead {
                bytes,
                records,
                head,
            },
        ))
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

    /// When a document version was superseded, if it was.
    pub fn superseded(&self, id: &str, version: &str) -> Option<&Record> {
        self.superseded
            .get(&(id.to_string(), version.to_string()))
            .and_then(|&i| self.records.get(i))
    }
}

/// The register's bytes as a command read them, with the head of their chain (the number of
/// records and the SHA-256 of the last line): what [`append_after`] builds on when, under the
/// lock, it finds the file unchanged, instead of walking the chain a second time.
#[derive(Debug, Clone, Default)]
pub struct ChainHead {
    bytes: Vec<u8>,
    records: u64,
    head: String,
}

impl ChainHead {
    /// Reads every record of the bytes whose chain was checked ([`Register::parse`]), for a
    /// command that finds it needs them after all: the register is not read a second time.
    pub fn parse(&self) -> Result<Register, RegisterError> {
        Register::parse(&self.bytes)
    }

    /// Whether any record may hold `text` (a digest's hex digits): false only when no line
    /// holds it as written and no line has an escape (`\`) that could spell it otherwise, so
    /// that a command may then know, without reading every record, that none concerns it.
    pub fn may_mention(&self, text: &str) -> bool {
        memchr::memchr(b'\\', &self.bytes).is_some()
            || memchr::memmem::find(&self.bytes, text.as_bytes()).is_some()
    }
}

fn read_bytes(pack: &Path) -> Result<Vec<u8>, RegisterError> {
    let path = pack.join(REGISTER_FILE);
    match crate::fsio::read_limited(&path, crate::fsio::limits::REGISTER, false) {
        Ok(bytes) => Ok(bytes),
        Err(e) if e.io_kind() == Some(std::io::ErrorKind::NotFound) => Ok(Vec::new()),
        Err(source) => Err(RegisterError::Read { path, source }),
    }
}

/// Checks the pack's register as an append would (its chain, hashing each line; the last
/// record in full), without appending: so that a command refuses before it signs, not after.
/// No register yet is fine. The head it returns lets the append skip walking it again.
pub fn check_chain(pack: &Path) -> Result<ChainHead, RegisterError> {
    let bytes = read_bytes(pack)?;
    let (records, head) = chain_head(&bytes)?;
    Ok(ChainHead {
        bytes,
        records,
        head,
    })
}

/// The head of the chain (records, SHA-256 of the last line), checked as an append needs it:
/// every line in sequence and following from the one before (its `seq` and `prev` read, its
/// bytes hashed), the last one a whole, valid record, and no torn line. Reading every record in
/// full is [`Register::parse`]'s (`register verify`, `status`, `verify`); an append costs a
/// hash per record, compared as bytes with nothing allocated, so appending stays cheap in a
/// register of many thousands.
fn chain_head(text: &[u8]) -> Result<(u64, String), RegisterError> {
    let mut head = crate::digest::GENESIS_DIGITS;
    let mut count = 0;
    let mut walk = lines(text).peekable();
    while let Some(line) = walk.next() {
        let (number, line) = line?;
        let last = walk.peek().is_none();
        match seq_and_prev(line) {
            Some((seq, prev)) if !last => check_link(number, seq, prev, &head)?,
            _ => {
                let record: Record =
                    serde_json::from_slice(line).map_err(|source| RegisterError::Malformed {
                        line: number,
                        source,
                    })?;
                check_link(number, record.seq, record.prev.as_bytes(), &head)?;
            }
        }
        head = crate::digest::hex_digits(&Sha256::digest(line).into());
        count = number;
    }
    Ok((count, crate::digest::hex_text(&head)))
}

/// The register's lines, numbered from 1, as a full read and an append both walk them: a last
/// line without its newline is a write that was interrupted, reported when it is reached.
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

/// `seq` and `prev` (its hex digits) from the start of a line as countersign writes it
/// (`{"seq":12,"prev":"<64 hex>",...`); None for any other form, which is then parsed in full.
fn seq_and_prev(line: &[u8]) -> Option<(u64, &[u8])> {
    let rest = line.strip_prefix(b"{\"seq\":")?;
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    // JSON allows no leading zero; leave such a line to the parser, which refuses it.
    if digits == 0 || digits > 19 || (digits > 1 && rest[0] == b'0') {
        return None;
    }
    let seq = std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()?;
    let rest = rest[digits..].strip_prefix(b",\"prev\":\"")?;
    let hash = rest.get(..64)?;
    // Only lower-case digits can equal a hash as written; anything else goes to the parser.
    if rest.get(64) != Some(&b'"') || !hash.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    Some((seq, hash))
}

/// Checks, before anything else is written, that the register can be appended to: its folder
/// and file are not links, and the file opens for appending.
pub fn check_appendable(pack: &Path) -> Result<(), RegisterError> {
    open_for_append(&pack.join(REGISTER_FILE)).map(drop)
}

/// Opens the register for reading and appending, creating it and its folder, after refusing a
/// linked folder or a file that is not a regular file (nothing is written through a link).
fn open_for_append(path: &Path) -> Result<std::fs::File, RegisterError> {
    let io = |source: std::io::Error| RegisterError::Io {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent() {
        let not_regular = std::fs::symlink_metadata(path).is_ok_and(|m| !m.is_file());
        if crate::fsio::is_symlink(dir) || not_regular {
            return Err(io(std::io::Error::other(
                "it is a symbolic link or not a regular file; countersign does not follow links inside a pack",
            )));
        }
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    std::fs::OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .open(path)
        .map_err(io)
}

/// Appends records to a pack's register under an exclusive lock, after checking the whole
/// chain and that the last line is complete. Each event gets the time `at`. Returns the
/// records written.
pub fn append(
    pack: &Path,
    at: Timestamp,
    events: Vec<Event>,
) -> Result<Vec<Record>, RegisterError> {
    append_after(pack, None, at, events)
}

/// As [`append`], for a command that checked the register already (`read`): if, under the
/// lock, the file holds exactly the bytes it checked, the append builds on the head it found;
/// anything else (another command appended meanwhile, say) and the chain is walked again.
pub fn append_after(
    pack: &Path,
    read: Option<&ChainHead>,
    at: Timestamp,
    events: Vec<Event>,
) -> Result<Vec<Record>, RegisterError> {
    let path = pack.join(REGISTER_FILE);
    let io = |source: std::io::Error| RegisterError::Io {
        path: path.clone(),
        source,
    };
    let mut file = open_for_append(&path)?;
    // Held until `file` is dropped: concurrent appenders wait here, so lines never interleave.
    file.lock().map_err(io)?;
    let (mut seq, mut prev) = match read {
        Some(read) if holds_exactly(&mut file, &read.bytes).map_err(io)? => {
            (read.records, read.head.clone())
        }
        _ => {
            file.seek(SeekFrom::Start(0)).map_err(io)?;
            let size = file.metadata().map_err(io)?.len();
            let bytes = crate::fsio::read_open_limited(&file, size, crate::fsio::limits::REGISTER)
                .map_err(|source| RegisterError::Read {
                    path: path.clone(),
                    source,
                })?;
            chain_head(&bytes)?
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
    // One write of whole lines; a crash part-way leaves a torn last line, which is detected.
    file.write_all(&out).map_err(io)?;
    file.sync_all().map_err(io)?;
    Ok(written)
}

/// Whether the open register holds exactly `expected`, compared a block at a time: at national
/// scale the register is a megabyte or more, and a second copy of it would be read only to be
/// compared and dropped.
fn holds_exactly(file: &mut std::fs::File, expected: &[u8]) -> std::io::Result<bool> {
    if file.metadata()?.len() != expected.len() as u64 {
        return Ok(false);
    }
    file.seek(SeekFrom::Start(0))?;
    let mut block = vec![0; 64 * 1024];
    let mut at = 0;
    loop {
        let n = file.read(&mut block)?;
        if n == 0 {
            return Ok(at == expected.len());
        }
        if expected.get(at..at + n) != block.get(..n) {
            return Ok(false);
        }
        at += n;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let empty = check_chain(dir.path()).unwrap();
        assert_eq!((empty.records, empty.head.as_str()), (0, GENESIS));
        append_after(
            dir.path(),
            Some(&empty),
            t("2026-01-01T00:00:00Z"),
            vec![event(1)],
        )
        .unwrap();
        let read = check_chain(dir.path()).unwrap();
        let (register, loaded) = Register::load_with_head(dir.path()).unwrap();
        assert_eq!((read.records, &read.head), (loaded.records, &loaded.head));
        assert_eq!(register.head(), (read.records, read.head.clone()));
        // Another command appends meanwhile: the head read before is stale, and the append
        // walks the chain again instead of building on it.
        append(dir.path(), t("2026-01-02T00:00:00Z"), vec![event(2)]).unwrap();
        let written = append_after(
            dir.path(),
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
        let read = check_chain(dir.path()).unwrap();
        append_after(
            dir.path(),
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
    fn an_edit_of_the_same_length_is_not_built_on() {
        let dir = tempfile::tempdir().unwrap();
        let at = t("2026-01-01T00:00:00Z");
        append(dir.path(), at, (0..600).map(event).collect()).unwrap();
        let path = dir.path().join(REGISTER_FILE);
        let read = check_chain(dir.path()).unwrap();
        assert!(
            read.bytes.len() > 64 * 1024,
            "spans more than one block compared"
        );
        // One byte changed past the first block, the length the same: the head read before
        // is not built on, and walking the chain again finds the edit.
        let mut bytes = std::fs::read(&path).unwrap();
        let record_500 = bytes.windows(10).position(|w| w == b"SHA256:499").unwrap();
        assert!(record_500 > 64 * 1024);
        bytes[record_500 + 9] = b'8';
        std::fs::write(&path, &bytes).unwrap();
        assert!(append_after(dir.path(), Some(&read), at, vec![event(600)]).is_err());
        assert_eq!(std::fs::read(&path).unwrap(), bytes, "nothing was appended");
        // Put back as read: the append builds on it and the chain holds.
        std::fs::write(&path, &read.bytes).unwrap();
        let written = append_after(dir.path(), Some(&read), at, vec![event(600)]).unwrap();
        assert_eq!(written[0].seq, 601);
        assert_eq!(chain_head(&std::fs::read(&path).unwrap()).unwrap().0, 601);
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
        append(dir.path(), t("2026-01-01T00:00:00Z"), vec![recorded]).unwrap();
        let head = check_chain(dir.path()).unwrap();
        assert!(head.may_mention(&"b".repeat(64)));
        assert!(!head.may_mention(&"c".repeat(64)));
        assert_eq!(head.parse().unwrap().records.len(), 1);
        // An escape anywhere could spell a digest otherwise: then any digest may be there.
        let quoted = Event::KeyAdded {
            key_id: "SHA256:q".into(),
            organisation: "org".into(),
            signatory: "Dr \"Pat\" Example".into(),
        };
        append(dir.path(), t("2026-01-02T00:00:00Z"), vec![quoted]).unwrap();
        assert!(
            check_chain(dir.path())
                .unwrap()
                .may_mention(&"c".repeat(64))
        );
    }

    #[test]
    fn appends_chain_and_every_kind_of_damage_is_named() {
        let dir = tempfile::tempdir().unwrap();
        append(
            dir.path(),
            t("2026-01-01T00:00:00Z"),
            vec![event(1), event(2)],
        )
        .unwrap();
        append(
            dir.path(),
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
            append(dir.path(), t("2026-01-03T00:00:00Z"), vec![event(5)]).unwrap_err(),
            RegisterError::Torn { line: 4 }
        ));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), torn);
    }
}

/// Where checkpoints live in a pack.
pub const CHECKPOINTS_DIR: &str = "register/checkpoints";
/// The DSSE payload type of a checkpoint: distinct from approvals, so neither can pass for the other.
pub const CHECKPOINT_PAYLOAD_TYPE: &str = "application/vnd.countersign.register-checkpoint+json";

/// A signed statement of the register's size and head: anyone holding it can tell whether the
/// register was later rewritten before that point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checkpoint {
    /// The pack's id.
    pub pack: String,
    /// How many records the register had.
    pub size: u64,
    /// SHA-256 of the last of those records' line.
    pub head: String,
    /// When it was signed.
    pub signed_at: Timestamp,
    /// Who signed: organisation id.
    pub organisation: String,
    /// Signatory name.
    pub signatory: String,
    /// Signatory role.
    pub role: String,
    /// The signing key.
    pub key_id: String,
}

/// The checkpoint file name for a size and organisation.
pub fn checkpoint_file_name(size: u64, organisation: &str) -> String {
    format!("{size:06}.{organisation}.dsse.json")
}

/// Signs a checkpoint as a DSSE envelope.
pub fn sign_checkpoint(checkpoint: &Checkpoint, key: &crate::keys::SecretKey) -> Vec<u8> {
    use base64::Engine as _;
    let payload = serde_json::to_vec(checkpoint).unwrap_or_default();
    let signature = key.sign(&crate::signature::pae(CHECKPOINT_PAYLOAD_TYPE, &payload));
    let envelope = crate::signature::Envelope {
        payload_type: CHECKPOINT_PAYLOAD_TYPE.to_string(),
        payload: base64::engine::general_purpose::STANDARD.encode(&payload),
        signatures: vec![crate::signature::EnvelopeSignature {
            keyid: key.public().key_id().to_string(),
            sig: base64::engine::general_purpose::STANDARD.encode(signature),
        }],
    };
    crate::signature::envelope_bytes(&envelope)
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
    /// The key did not count when the checkpoint was signed.
    #[error("{0}")]
    KeyNotValid(crate::keyring::KeyNotValid),
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

/// Verifies a checkpoint envelope with the keyring and checks it against the register: the
/// signature, the key's owner, and that the register's line `size` still hashes to `head`.
/// A checkpoint of a prefix of the register (a signatory's copy before later records) holds.
pub fn check_checkpoint(
    bytes: &[u8],
    keyring: &crate::keyring::Keyring,
    register: &Register,
) -> Result<Checkpoint, CheckpointError> {
    let cp = open_checkpoint(bytes, keyring)?;
    let records = register.records.len() as u64;
    if cp.size > records {
        return Err(CheckpointError::Ahead {
            size: cp.size,
            records,
        });
    }
    let at = match cp.size.checked_sub(1) {
        None => GENESIS,
        Some(i) => register
            .line_hashes
            .get(i as usize)
            .map_or(GENESIS, String::as_str),
    };
    if at != cp.head {
        return Err(CheckpointError::Rewritten { size: cp.size });
    }
    Ok(cp)
}

/// Verifies a checkpoint envelope's signature and signer with the keyring, without a register.
pub fn open_checkpoint(
    bytes: &[u8],
    keyring: &crate::keyring::Keyring,
) -> Result<Checkpoint, CheckpointError> {
    use base64::Engine as _;
    let envelope: crate::signature::Envelope =
        serde_json::from_slice(bytes).map_err(|e| CheckpointError::Malformed(e.to_string()))?;
    if envelope.payload_type != CHECKPOINT_PAYLOAD_TYPE {
        return Err(CheckpointError::NotACheckpoint);
    }
    let [sig] = envelope.signatures.as_slice() else {
        return Err(CheckpointError::SignatureCount);
    };
    let payload = base64::engine::general_purpose::STANDARD
        .decode(&envelope.payload)
        .map_err(|e| CheckpointError::Malformed(format!("its payload is not base64 ({e})")))?;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(&sig.sig)
        .map_err(|e| CheckpointError::Malformed(format!("its signature is not base64 ({e})")))?;
    let record = keyring
        .get(&crate::keys::KeyId::from_text(&sig.keyid))
        .ok_or_else(|| {
            CheckpointError::UnknownKey(
                sig.keyid
                    .chars()
                    .filter(|c| !c.is_control())
                    .take(60)
                    .collect(),
            )
        })?;
    if !record.public.verify_strict(
        &crate::signature::pae(CHECKPOINT_PAYLOAD_TYPE, &payload),
        &raw,
    ) {
        return Err(CheckpointError::BadSignature);
    }
    let cp: Checkpoint = serde_json::from_slice(&payload)
        .map_err(|e| CheckpointError::Malformed(format!("its statement is malformed ({e})")))?;
    if cp.key_id != record.key_id.as_str() || cp.organisation != record.organisation {
        return Err(CheckpointError::KeyMismatch {
            organisation: cp.organisation,
            key_id: cp.key_id,
            owner: record.organisation.clone(),
        });
    }
    record
        .valid_at(cp.signed_at)
        .map_err(CheckpointError::KeyNotValid)?;
    Ok(cp)
}

/// Checks every checkpoint file of a pack against its register; the first that fails is
/// named. Returns the checkpoints that hold, in file order.
pub fn check_checkpoints(
    files: &[(String, Vec<u8>)],
    pack_id: &str,
    keyring: &crate::keyring::Keyring,
    register: &Register,
) -> Result<Vec<Checkpoint>, RegisterError> {
    let mut held = Vec::with_capacity(files.len());
    for (name, bytes) in files {
        let checked = check_checkpoint(bytes, keyring, register).and_then(|cp| {
            if cp.pack == pack_id {
                Ok(cp)
            } else {
                Err(CheckpointError::OtherPack(cp.pack))
            }
        });
        match checked {
            Ok(cp) => held.push(cp),
            Err(source) => {
                return Err(RegisterError::Checkpoint {
                    file: name.clone(),
                    source,
                });
            }
        }
    }
    Ok(held)
}
