//! Collecting what signatories send back into the coordinator's pack: signature files and
//! register checkpoints, whatever a mail client renamed them to.
//!
//! Each returned file is checked in full before anything is written: a signature must verify
//! with the pack's keyring, be for a document and version the pack assembled, by a party to it,
//! with a key its holder may use for that role at the time of signing. What passes is filed
//! under its canonical name and recorded in the register with the time it was received; a
//! signature of a superseded version is kept and reported as such; what fails is refused and
//! never enters `signatures/`. A failing signature already held for the same organisation and
//! document is set aside (kept as evidence), so a fresh one can take its place. The same file
//! collected twice changes nothing. Never prints; the caller gives the time.

use serde::Serialize;

use crate::approval::sign::signature_file_name;
use crate::approval::signature::{Envelope, PAYLOAD_TYPE};
use crate::document::manifest::ManifestEntry;
use crate::pack::{LoadError, Pack, PackContents, StoreError};
use crate::record::checkpoint::{CHECKPOINT_PAYLOAD_TYPE, checkpoint_file_name};
use crate::record::register::Event;
use crate::time::Timestamp;
use crate::verify::{Evidence, Status, verify_signature};

/// The JSON report's format label.
pub const COLLECT_FORMAT: &str = "countersign/collect/v1";

/// What became of one returned file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Checked, filed and recorded.
    Collected,
    /// The pack already holds it (or a valid signature of the same organisation and document).
    AlreadyHeld,
    /// A valid signature of a superseded version: filed and recorded, but the organisation
    /// still has to sign the current version.
    OlderVersion,
    /// It failed a check and was not filed.
    Refused,
}

/// One returned file and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileResult {
    /// The file as it was given (its name when received).
    pub source: String,
    /// What became of it.
    pub outcome: Outcome,
    /// `signature` or `checkpoint`, when that could be told.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<&'static str>,
    /// The organisation it is from, when it could be read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub organisation: Option<String>,
    /// The document file it signs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
    /// The version it signs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Where it was filed in the pack.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filed_as: Option<String>,
    /// The register record of the signature.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub register_record: Option<u64>,
    /// What happened, in words, with what to do next where there is something to do.
    pub message: String,
}

/// Everything a collection did.
#[derive(Debug, Clone, Serialize)]
pub struct CollectReport {
    /// Always [`COLLECT_FORMAT`].
    pub format: &'static str,
    /// When the files were received.
    pub received_at: Timestamp,
    /// One result per file, in the order given.
    pub files: Vec<FileResult>,
    /// Signatures set aside as evidence because a fresh one replaced them: (old name, kept as).
    pub set_aside: Vec<(String, String)>,
}

impl CollectReport {
    /// How many files had this outcome.
    pub fn count(&self, outcome: Outcome) -> usize {
        self.files.iter().filter(|f| f.outcome == outcome).count()
    }
}

/// Why a collection could not run at all (nothing was filed).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CollectError {
    /// The pack could not be loaded.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// The pack's checkpoints do not hold: its register cannot be built on.
    #[error(transparent)]
    Register(#[from] crate::record::register::RegisterError),
    /// Writing into the pack failed; nothing was filed or recorded.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A file decided, before anything is written.
enum Decision {
    /// File this signature (and record it unless the register already has it).
    File {
        name: String,
        bytes: Vec<u8>,
        event: Option<Box<Event>>,
        set_aside_first: Option<(String, String)>,
    },
    /// File this checkpoint.
    Checkpoint { name: String, bytes: Vec<u8> },
    /// Nothing to write.
    Nothing,
}

/// Collects returned files, given as (name as received, bytes), into the pack at time `at`.
pub fn collect(
    pack: &Pack,
    files: &[(String, Vec<u8>)],
    at: Timestamp,
) -> Result<CollectReport, CollectError> {
    collect_then(pack, files, at, drop)
}

/// As [`collect`], handing what it loaded from the pack to `dispose` once the files are filed
/// and recorded. A command about to end can leave it to the process's end: at national scale
/// it is tens of thousands of small allocations, about a millisecond to free one by one.
// Why this is long: the order of a collection is its guarantee (lock, judge every file, set
// failing ones aside, file and record what passed, report): one sequence under one lock.
pub fn collect_then(
    pack: &Pack,
    files: &[(String, Vec<u8>)],
    at: Timestamp,
    dispose: impl FnOnce(PackContents),
) -> Result<CollectReport, CollectError> {
    // The pack is the single writer of its register and keyring: one collection at a time.
    let _lock = pack.lock_keyring()?;
    pack.clear_stale_temporaries(at);
    // A few returned files are judged against the register's chain, and its records are read
    // only if one of them may be on record; many, and every record is read at once.
    let read_all = files.len() > FEW_FILES;
    let contents = pack.contents_for_signing(read_all)?;
    let parsed = std::cell::OnceCell::new();
    let checkpoints = if contents.checkpoints.is_empty() {
        Vec::new()
    } else {
        crate::record::checkpoint::check_checkpoints(
            &contents.checkpoints,
            &contents.manifest.pack,
            &contents.keyring,
            full_register(&contents, read_all, &parsed)?,
        )?
    };
    let documents = &contents.manifest.documents;
    let mut versions = std::collections::HashMap::new();
    let mut current = std::collections::HashMap::new();
    for d in documents {
        versions
            .entry((d.id.as_str(), d.version.as_str()))
            .or_insert(d);
        if d.current {
            current.entry(d.id.as_str()).or_insert(d);
        }
    }
    let mut session = Session {
        pack,
        versions,
        current,
        held: std::collections::BTreeMap::new(),
        contents: &contents,
        read_all,
        parsed: &parsed,
        empty: crate::record::register::Register::default(),
        checkpoints: &checkpoints,
        filed: std::collections::BTreeMap::new(),
        checkpoints_filed: std::collections::BTreeSet::new(),
        received_at: at,
    };
    let mut results = Vec::with_capacity(files.len());
    let mut decisions = Vec::with_capacity(files.len());
    for (source, bytes) in files {
        let (result, decision) = session.decide(source, bytes)?;
        results.push(result);
        decisions.push(decision);
    }
    // Failing signatures go aside first, so the fresh ones can take their names.
    let mut set_aside = Vec::new();
    let mut to_store = Vec::new();
    let mut stored_at = Vec::new();
    for (i, decision) in decisions.into_iter().enumerate() {
        match decision {
            Decision::File {
                name,
                bytes,
                event,
                set_aside_first,
            } => {
                if let Some((old, reason)) = set_aside_first {
                    let kept_as = pack.set_aside(&old, reason, at)?;
                    set_aside.push((old, kept_as));
                }
                match event {
                    Some(event) => {
                        stored_at.push(i);
                        to_store.push((name, bytes, *event));
                    }
                    None => {
                        // Recorded already (its file had gone missing): file it again.
                        crate::fsio::write_atomic(
                            &pack.signatures_dir().join(&name),
                            &bytes,
                            crate::fsio::Overwrite::Refuse,
                        )
                        .map_err(StoreError::from)?;
                    }
                }
            }
            Decision::Checkpoint { name, bytes } => {
                pack.store_checkpoint(&name, &bytes)?;
            }
            Decision::Nothing => {}
        }
    }
    let records = pack.store_signatures(&to_store, at, contents.register_head.as_ref())?;
    for (i, record) in stored_at.into_iter().zip(records) {
        if let Some(r) = results.get_mut(i) {
            r.register_record = Some(record.seq);
        }
    }
    dispose(contents);
    Ok(CollectReport {
        format: COLLECT_FORMAT,
        received_at: at,
        files: results,
        set_aside,
    })
}

/// The pack a signature's statement names, read without verifying it (for advice only).
fn claimed_pack(bytes: &[u8]) -> Option<String> {
    use base64::Engine as _;
    let envelope: Envelope = crate::json::from_slice(bytes).ok()?;
    let payload = base64::engine::general_purpose::STANDARD
        .decode(envelope.payload)
        .ok()?;
    let statement: serde_json::Value = serde_json::from_slice(&payload).ok()?;
    statement["predicate"]["pack"].as_str().map(str::to_string)
}

/// Up to how many returned files a collection reads the register's records only when one of
/// them needs them (see [`Session::register_for`]).
const FEW_FILES: usize = 16;

/// Every record of the register: as loaded, or read once from the file whose chain was
/// checked (refused if it changed since).
fn full_register<'a>(
    contents: &'a PackContents,
    read_all: bool,
    parsed: &'a std::cell::OnceCell<crate::record::register::Register>,
) -> Result<&'a crate::record::register::Register, crate::record::register::RegisterError> {
    if read_all {
        return Ok(&contents.register);
    }
    if let Some(register) = parsed.get() {
        return Ok(register);
    }
    let register = match &contents.register_head {
        Some(head) => head.parse()?,
        None => crate::record::register::Register::default(),
    };
    Ok(parsed.get_or_init(|| register))
}

struct Session<'a> {
    pack: &'a Pack,
    contents: &'a PackContents,
    /// Whether `contents.register` holds every record.
    read_all: bool,
    /// Every record, once read (when not `read_all`).
    parsed: &'a std::cell::OnceCell<crate::record::register::Register>,
    /// A register with no records, for a signature that provably none concerns.
    empty: crate::record::register::Register,
    /// The manifest's documents by (id, version), and each id's current version: found once,
    /// not searched per returned file.
    versions: std::collections::HashMap<(&'a str, &'a str), &'a ManifestEntry>,
    current: std::collections::HashMap<&'a str, &'a ManifestEntry>,
    /// The signature files the pack holds that this collection looked at, by name (None: the
    /// pack holds none of that name), each read once.
    held: std::collections::BTreeMap<String, Option<Vec<u8>>>,
    checkpoints: &'a [crate::record::checkpoint::Checkpoint],
    /// Signature names filed in this collection, with their bytes.
    filed: std::collections::BTreeMap<String, Vec<u8>>,
    checkpoints_filed: std::collections::BTreeSet<String>,
    /// When the files were received: a signature that claims a later time is flagged.
    received_at: Timestamp,
}

fn refused(source: &str, kind: Option<&'static str>, message: String) -> (FileResult, Decision) {
    (
        FileResult {
            source: source.to_string(),
            outcome: Outcome::Refused,
            kind,
            organisation: None,
            document: None,
            version: None,
            filed_as: None,
            register_record: None,
            message,
        },
        Decision::Nothing,
    )
}

impl Session<'_> {
    fn full_register(&self) -> Result<&crate::record::register::Register, CollectError> {
        Ok(full_register(self.contents, self.read_all, self.parsed)?)
    }

    /// The register a returned signature is judged against. Its records bear on the judgement
    /// only through the record of that very signature (found by its statement's digest) and,
    /// for an earlier version or a revoked key, through what happened since; so when neither
    /// applies and no record may mention the statement ([`crate::record::register::ChainHead::may_mention`]),
    /// a register without records gives the same judgement as reading them all.
    fn register_for(
        &self,
        statement_sha256: &str,
        key: Option<&crate::approval::keyring::KeyRecord>,
        current: bool,
    ) -> Result<&crate::record::register::Register, CollectError> {
        match &self.contents.register_head {
            Some(head)
                if !self.read_all
                    && current
                    && key.is_some_and(|k| k.revoked.is_none())
                    && !head.may_mention(statement_sha256) =>
            {
                Ok(&self.empty)
            }
            _ => self.full_register(),
        }
    }

    fn decide(
        &mut self,
        source: &str,
        bytes: &[u8],
    ) -> Result<(FileResult, Decision), CollectError> {
        if crate::approval::keys::looks_like_secret_key(bytes) {
            return Ok(refused(
                source,
                None,
                "it is a SECRET KEY, not a signature: it was not filed. Whoever sent it has exposed it; they must stop using it, and the coordinator revokes it (`countersign keys revoke KEY-ID --reason compromised`) before they make a new key; delete every copy of this file".into(),
            ));
        }
        let envelope: Envelope = match crate::json::from_slice(bytes) {
            Ok(e) => e,
            Err(e) => {
                return Ok(refused(
                    source,
                    None,
                    format!("it is not a countersign signature or checkpoint ({e})"),
                ));
            }
        };
        Ok(match envelope.payload_type.as_str() {
            PAYLOAD_TYPE => return self.decide_signature(source, bytes),
            CHECKPOINT_PAYLOAD_TYPE => {
                // A checkpoint is checked against every record (borrowed from the contents,
                // not through `self`, which filing the checkpoint changes).
                let register = full_register(self.contents, self.read_all, self.parsed)?;
                self.decide_checkpoint(source, bytes, register)
            }
            other => refused(
                source,
                None,
                format!(
                    "it is not a countersign signature or checkpoint (payload type '{}')",
                    other
                        .chars()
                        .filter(|c| !c.is_control())
                        .take(60)
                        .collect::<String>()
                ),
            ),
        })
    }

    /// Verifies one signature file against its document's manifest entry.
    fn judge(
        &self,
        entry: &ManifestEntry,
        name: &str,
        bytes: &[u8],
        organisation: &str,
        register: &crate::record::register::Register,
    ) -> Result<crate::verify::PartyResult, String> {
        let c = self.contents;
        let party = verify_signature(
            entry,
            name,
            bytes,
            &Evidence {
                manifest: &c.manifest,
                data: &c.data,
                keyring: &c.keyring,
                signatures: &[],
                set_aside: &[],
                register: Some(register),
                checkpoints: self.checkpoints,
                paper: &[],
            },
        )?;
        if party.organisation != organisation {
            return Err(format!(
                "it is signed for {}, not {organisation}",
                party.organisation
            ));
        }
        Ok(party)
    }

    // Why this is long: the checks a returned signature passes, in the order a person is told of
    // the first that fails (its envelope, its pack and document, its signer, a copy already held,
    // the register, the verdict), each returning early with what to tell them.
    fn decide_signature(
        &mut self,
        source: &str,
        bytes: &[u8],
    ) -> Result<(FileResult, Decision), CollectError> {
        let c = self.contents;
        let kind = Some("signature");
        let verified = match crate::approval::signature::open(bytes, |id| {
            c.keyring
                .get(&crate::approval::keys::KeyId::from_text(id))
                .map(|k| k.public)
        }) {
            Ok(v) => v,
            Err(crate::approval::signature::EnvelopeError::UnknownKey(key)) => {
                // Read unverified, only to give the right advice: a signature of another pack
                // belongs to that pack's coordinator, and its key does not belong here.
                if let Some(other) = claimed_pack(bytes).filter(|p| *p != c.manifest.pack) {
                    return Ok(refused(
                        source,
                        kind,
                        format!(
                            "it says it signs a document of the pack '{}', not of this pack ('{}'), and was made with a key this pack does not hold: it was sent to the wrong coordinator; send it back to its signatory (or to the coordinator of '{}'), and do not add its key to this pack",
                            other
                                .chars()
                                .filter(|c| !c.is_control())
                                .take(80)
                                .collect::<String>(),
                            c.manifest.pack,
                            other
                                .chars()
                                .filter(|c| !c.is_control())
                                .take(80)
                                .collect::<String>()
                        ),
                    ));
                }
                return Ok(refused(
                    source,
                    kind,
                    format!(
                        "it was made with the key {key}, which the pack's keyring does not hold: add the signatory's public key with `countersign keys add` (after confirming its fingerprint with them), then collect this file again"
                    ),
                ));
            }
            Err(e) => return Ok(refused(source, kind, e.to_string())),
        };
        let p = &verified.statement.predicate;
        if p.pack != c.manifest.pack {
            return Ok(refused(
                source,
                kind,
                format!(
                    "it signs a document of the pack '{}', not of this pack ('{}')",
                    p.pack, c.manifest.pack
                ),
            ));
        }
        let Some(entry) = self
            .versions
            .get(&(p.document.id.as_str(), p.document.version.as_str()))
            .copied()
        else {
            return Ok(refused(
                source,
                kind,
                format!(
                    "it signs '{}' version {}, which this pack never assembled",
                    p.document.id, p.document.version
                ),
            ));
        };
        let org = p.organisation.id.clone();
        let name = signature_file_name(&entry.file, &org);
        let mut result = FileResult {
            source: source.to_string(),
            outcome: Outcome::Refused,
            kind,
            organisation: Some(org.clone()),
            document: Some(entry.file.clone()),
            version: Some(entry.version.clone()),
            filed_as: None,
            register_record: None,
            message: String::new(),
        };
        let who = format!(
            "{} ({}, {})",
            p.organisation.name, p.signatory.name, p.signatory.role
        );
        let Some(signed_at) = Timestamp::parse_exact(&p.signed_at) else {
            result.message = format!(
                "{who}'s signature of {} has a malformed time of signing",
                entry.file
            );
            return Ok((result, Decision::Nothing));
        };
        let key = match crate::approval::sign::check_holder(
            &c.keyring,
            &c.data,
            &verified.key_id,
            &org,
            &p.signatory.name,
            &p.signatory.role,
        ) {
            Ok(key) => key,
            Err(e) => {
                result.message = format!("{who} signed {}, but {e}", entry.file);
                return Ok((result, Decision::Nothing));
            }
        };
        // The same bytes already filed, now or before: nothing to do.
        if !self.held.contains_key(&name) {
            let on_disk = self.pack.signature(&name)?;
            self.held.insert(name.clone(), on_disk);
        }
        let held = self
            .filed
            .get(&name)
            .or_else(|| self.held.get(&name).and_then(Option::as_ref))
            .cloned();
        // Held but never recorded: a run stopped between filing it and recording it. It is
        // judged like any returned file and recorded now (its file is kept as it is).
        let mut unrecorded = false;
        if held.as_deref() == Some(bytes) {
            unrecorded = !self.filed.contains_key(&name)
                && self
                    .full_register()?
                    .signature(&verified.statement_sha256, verified.key_id.as_str())
                    .is_none();
            if !unrecorded {
                result.outcome = Outcome::AlreadyHeld;
                result.filed_as = Some(format!("{}/{name}", crate::pack::layout::SIGNATURES_DIR));
                result.message = format!("the pack already holds this signature of {}", entry.file);
                return Ok((result, Decision::Nothing));
            }
        }
        let mut set_aside_first = None;
        if let Some(held) = held.filter(|_| !unrecorded) {
            // Judging the signature already held may need any record of the register.
            match self.judge(entry, &name, &held, &org, self.full_register()?) {
                Ok(party) if party.status != Status::Failed => {
                    let by = party
                        .signed
                        .map(|s| format!(" (by {}, {})", s.signatory, s.signed_at))
                        .unwrap_or_default();
                    result.outcome = Outcome::AlreadyHeld;
                    result.filed_as =
                        Some(format!("{}/{name}", crate::pack::layout::SIGNATURES_DIR));
                    result.message = format!(
                        "the pack already holds a valid signature of {} for {}{by}; this second one was not filed",
                        p.organisation.name, entry.file
                    );
                    return Ok((result, Decision::Nothing));
                }
                Ok(party) => {
                    set_aside_first = Some((
                        name.clone(),
                        party.reason.unwrap_or_else(|| "it fails".into()),
                    ));
                }
                Err(reason) => set_aside_first = Some((name.clone(), reason)),
            }
            if self.filed.contains_key(&name) {
                // Two different signatures of one organisation in one collection: keep the first.
                result.outcome = Outcome::AlreadyHeld;
                result.message = format!(
                    "another signature of {} for {} was collected just before this one; this one was not filed",
                    p.organisation.name, entry.file
                );
                return Ok((result, Decision::Nothing));
            }
        }
        let register = self.register_for(
            &verified.statement_sha256,
            c.keyring.get(&verified.key_id),
            entry.current,
        )?;
        // docs/SPEC.md S6: received after its key's revocation was recorded, a signature
        // cannot count, whatever time it claims.
        if let Some(revoked) = key.revoked.as_ref()
            && let Some(record) = register.key_revoked(verified.key_id.as_str())
            && register
                .signature(&verified.statement_sha256, verified.key_id.as_str())
                .is_none()
        {
            result.message = match revoked.reason {
                crate::approval::keyring::RevocationReason::Compromised => format!(
                    "{who}'s signature of {} was made with a key reported compromised on {} (register record {}), and arrived after that, so it cannot count whatever time it claims: it was not filed. Ask {} to make a new key, send its public key to you, and sign again",
                    entry.file,
                    crate::time::long_date(&record.at.date()),
                    record.seq,
                    p.signatory.name
                ),
                crate::approval::keyring::RevocationReason::Retired => format!(
                    "{who}'s signature of {} was made with a key retired on {} (register record {}: its holder or organisation no longer signs), and arrived after that, so it cannot count whatever time it claims: it was not filed. If they should sign, add a key for their current signatory and ask them to sign with it",
                    entry.file,
                    crate::time::long_date(&record.at.date()),
                    record.seq,
                ),
                _ => format!(
                    "{who}'s signature of {} was made with a key replaced on {} (register record {}), and arrived after that, so it cannot count whatever time it claims: it was not filed. Ask {} to sign again with their new key",
                    entry.file,
                    crate::time::long_date(&record.at.date()),
                    record.seq,
                    p.signatory.name
                ),
            };
            return Ok((result, Decision::Nothing));
        }
        let party = match self.judge(entry, &name, bytes, &org, register) {
            Ok(party) => party,
            Err(reason) => {
                result.message = reason;
                return Ok((result, Decision::Nothing));
            }
        };
        if party.status == Status::Failed {
            result.message = format!(
                "{who}'s signature of {} fails: {}",
                entry.file,
                party.reason.unwrap_or_default()
            );
            return Ok((result, Decision::Nothing));
        }
        if let Some(paper) = crate::approval::paper::approved_on_paper(
            self.pack.paper_of(&entry.file, &org)?.as_slice(),
            &entry.sha256,
            &org,
        ) {
            result.message = format!(
                "{who} signed {}, which {} already approved on paper (signed by {} on {}, recorded by the coordinator): an organisation approves a document once, so this signature was not filed",
                entry.file, p.organisation.name, paper.signatory, paper.signed_on
            );
            return Ok((result, Decision::Nothing));
        }
        let recorded = register.signature(&verified.statement_sha256, verified.key_id.as_str());
        let event = recorded.is_none().then(|| {
            Box::new(Event::SignatureRecorded {
                file: entry.file.clone(),
                id: entry.id.clone(),
                version: entry.version.clone(),
                sha256: entry.sha256.clone(),
                organisation: org.clone(),
                key_id: verified.key_id.to_string(),
                statement_sha256: verified.statement_sha256.clone(),
                signature_file: name.clone(),
            })
        });
        result.register_record = recorded.map(|r| r.seq);
        result.filed_as = Some(format!("{}/{name}", crate::pack::layout::SIGNATURES_DIR));
        // The signer's time is evidence, not the rule: one later than its receipt is said.
        let future = (signed_at.unix() > self.received_at.unix() + crate::verify::CLOCK_TOLERANCE_SECONDS)
            .then(|| {
                format!(
                    "; note: it says it was signed at {signed_at}, later than it was received ({}): the signatory's computer clock is probably wrong, so ask them to check it",
                    self.received_at
                )
            });
        if entry.current {
            result.outcome = Outcome::Collected;
            result.message = format!(
                "{who} signed {} (version {}) at {}",
                entry.file, entry.version, p.signed_at
            );
            if unrecorded {
                result.message.push_str(
                    "; the pack held this file but the register had no record of it (an earlier run was stopped between the two): recorded it now",
                );
            }
        } else {
            result.outcome = Outcome::OlderVersion;
            let current = self.current.get(entry.id.as_str()).copied();
            let when = register
                .superseded(&entry.id, &entry.version)
                .map(|r| format!(" on {}", crate::time::long_date(&r.at.date())))
                .unwrap_or_default();
            result.message = match current {
                Some(cur) => format!(
                    "{who} signed {} version {}, superseded by {}{when}: kept, but ask them to sign {} ({})",
                    entry.id, entry.version, cur.version, cur.version, cur.file
                ),
                None => format!(
                    "{who} signed {} version {}, which is no longer current: kept",
                    entry.id, entry.version
                ),
            };
        }
        if let Some(future) = future {
            result.message.push_str(&future);
        }
        // Before the document was assembled: only a claim earlier than its receipt can be, and
        // only the register says when the document was assembled.
        if signed_at.unix() + crate::verify::CLOCK_TOLERANCE_SECONDS < self.received_at.unix()
            && let Some(assembled) = self.full_register()?.assembled(&entry.sha256)
            && signed_at.unix() + crate::verify::CLOCK_TOLERANCE_SECONDS < assembled.at.unix()
        {
            result.message.push_str(&format!(
                "; note: it says it was signed at {signed_at}, before the document was assembled ({}): the signatory's computer clock is probably wrong, so ask them to check it; the register's order is what counts",
                assembled.at
            ));
        }
        if signed_at.unix() + crate::verify::CLOCK_TOLERANCE_SECONDS < key.valid_from.unix() {
            result.message.push_str(&format!(
                "; note: it says it was signed at {signed_at}, before its key counts from ({}): the signatory's computer clock is probably wrong, so ask them to check it; the register's order is what counts",
                key.valid_from
            ));
        }
        self.filed.insert(name.clone(), bytes.to_vec());
        Ok((
            result,
            Decision::File {
                name,
                bytes: bytes.to_vec(),
                event,
                set_aside_first,
            },
        ))
    }

    fn decide_checkpoint(
        &mut self,
        source: &str,
        bytes: &[u8],
        register: &crate::record::register::Register,
    ) -> (FileResult, Decision) {
        let c = self.contents;
        let kind = Some("checkpoint");
        let cp = match crate::record::checkpoint::check_checkpoint(bytes, &c.keyring, register) {
            Ok(cp) => cp,
            Err(e) => {
                return refused(
                    source,
                    kind,
                    format!(
                        "the register checkpoint does not hold against this pack's register: {e}"
                    ),
                );
            }
        };
        if cp.pack != c.manifest.pack {
            return refused(
                source,
                kind,
                format!(
                    "it is a checkpoint of the pack '{}', not of this one",
                    cp.pack
                ),
            );
        }
        let name = checkpoint_file_name(cp.size, &cp.organisation);
        let mut result = FileResult {
            source: source.to_string(),
            outcome: Outcome::Collected,
            kind,
            organisation: Some(cp.organisation.clone()),
            document: None,
            version: None,
            filed_as: Some(format!("{}/{name}", crate::pack::layout::CHECKPOINTS_DIR)),
            register_record: None,
            message: format!(
                "{} ({}) vouched for the register's first {} records at {}",
                cp.organisation, cp.signatory, cp.size, cp.signed_at
            ),
        };
        let held = c.checkpoints.iter().find(|(n, _)| n == &name);
        if self.checkpoints_filed.contains(&name) || held.is_some() {
            result.outcome = Outcome::AlreadyHeld;
            result.message = if held.is_some_and(|(_, b)| b == bytes) {
                "the pack already holds this checkpoint".to_string()
            } else {
                format!(
                    "the pack already holds a checkpoint of {} records by {}; this one was not filed",
                    cp.size, cp.organisation
                )
            };
            return (result, Decision::Nothing);
        }
        self.checkpoints_filed.insert(name.clone());
        (
            result,
            Decision::Checkpoint {
                name,
                bytes: bytes.to_vec(),
            },
        )
    }
}
