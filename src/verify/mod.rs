//! Verifying a circulated document against the pack: is it exactly an assembled version, who
//! signed it (by whom, in what role, when, with which key), who has not, and what fails and why.
//!
//! Order of checks, per signature file: strict signature verification over the DSSE PAE with
//! the keyring's key; the statement parsed from the verified bytes only; the statement's key id
//! is the verifying key; the keyring gives that key to the statement's organisation; the key was
//! valid and not revoked when signed; the statement is for this document, version and digest.
//! "The signature is valid" and "the keyring lists the key for the organisation" are separate
//! results; whether the verifier independently trusts that key is [`crate::verify::trust`]'s question.
//! Pure over its inputs: no files, no printing.
//!
//! Beside it: [`trust`] (what the verifier already trusts), [`verdict`] (the one path from a
//! bundle's or a pack's bytes to a verdict, which docs/SPEC.md writes down) and [`page`] (the
//! page that gives the same verdict in a browser).

pub mod page;
mod report;
pub mod trust;
pub mod verdict;

pub use report::{
    DocumentMatch, Outcome, PROBLEM_CODES, PackVerification, PaperSigned, PartyResult,
    REPORT_FORMAT, SignedBy, Status, StrayProblem, VerifyReport,
};

use crate::pack::layout::{SET_ASIDE_DIR, SIGNATURE_SUFFIX};

use crate::approval::keyring::{Keyring, RevocationReason};
use crate::approval::signature::{self, EnvelopeError};
use crate::digest::sha256_hex;
use crate::document::manifest::{Manifest, ManifestEntry};
use crate::document::validate::PackData;
use crate::record::checkpoint::Checkpoint;
use crate::record::register::Register;
use crate::time::Timestamp;

struct Candidate {
    organisation: String,
    status: Status,
    signed: Option<SignedBy>,
    paper: Option<PaperSigned>,
    signature_valid: Option<bool>,
    key_belongs: Option<bool>,
    code: Option<&'static str>,
    reason: Option<String>,
}

fn rank(status: &Status) -> u8 {
    match status {
        Status::Signed => 4,
        Status::SignedOnPaper => 3,
        Status::Failed => 2,
        Status::OlderVersion => 1,
        Status::Outstanding => 0,
    }
}

/// What a document is checked against: the pack's manifest, data and keyring, its signature
/// files, and, when known, its register and the checkpoints that hold.
#[derive(Debug, Clone, Copy)]
pub struct Evidence<'a> {
    /// The manifest.
    pub manifest: &'a Manifest,
    /// The data.
    pub data: &'a PackData,
    /// The keyring.
    pub keyring: &'a Keyring,
    /// The signature files in use, as (file name, bytes).
    pub signatures: &'a [(String, Vec<u8>)],
    /// Failing signatures set aside as evidence.
    pub set_aside: &'a [(String, Vec<u8>)],
    /// The register.
    pub register: Option<&'a Register>,
    /// The register checkpoints that hold.
    pub checkpoints: &'a [Checkpoint],
    /// Paper signatures the coordinator recorded.
    pub paper: &'a [crate::approval::paper::PaperFile],
}

/// Verifies `bytes` (a document called `file`) against the pack's manifest, keyring and the
/// signature files given as (file name, bytes).
///
/// With a register, each signature's record is found by statement hash and key id, and its
/// recorded time (not only the time the signer claims) is checked against key revocations.
pub fn verify_document(
    file: &str,
    bytes: &[u8],
    manifest: &Manifest,
    data: &PackData,
    keyring: &Keyring,
    signatures: &[(String, Vec<u8>)],
    register: Option<&Register>,
) -> VerifyReport {
    verify_with(
        file,
        bytes,
        &Evidence {
            manifest,
            data,
            keyring,
            signatures,
            set_aside: &[],
            register,
            checkpoints: &[],
            paper: &[],
        },
    )
}

/// The organisations that sign a document, looked up once per signature (a national
/// framework has a thousand).
type Parties<'a> = std::collections::HashSet<&'a str>;

fn parties_of(entry: Option<&ManifestEntry>) -> Parties<'_> {
    entry
        .map(|e| e.parties.iter().map(String::as_str).collect())
        .unwrap_or_default()
}

/// What one signature file says about the document being verified.
enum Judgement {
    /// It concerns a party of this document.
    Party(Box<Candidate>),
    /// It concerns this document but no party of it.
    Stray(StrayProblem),
    /// Worth knowing, but it does not make this document's verification fail.
    Note(String),
    /// It concerns another document.
    Elsewhere,
}

impl Judgement {
    /// Files the judgement where the report keeps it: a party's candidate, a problem naming
    /// no party, or a warning.
    fn sort_into(
        self,
        candidates: &mut Vec<Candidate>,
        other_problems: &mut Vec<StrayProblem>,
        warnings: &mut Vec<String>,
    ) {
        match self {
            Judgement::Party(c) => candidates.push(*c),
            Judgement::Stray(p) => other_problems.push(p),
            Judgement::Note(n) => warnings.push(n),
            Judgement::Elsewhere => {}
        }
    }
}

/// How far a signer's claimed time may differ from the coordinator's before it is pointed out:
/// two computers' clocks are rarely the same, and a few minutes is ordinary.
pub const CLOCK_TOLERANCE_SECONDS: i64 = 10 * 60;

/// The time rules for a key (docs/SPEC.md S6). The register's order decides: a key counts
/// from its `key-added` record, and a revocation takes effect at its `key-revoked` record, so a
/// signature counts when the register received it between the two, whatever time the signer's
/// clock put on it. A key revoked as compromised also loses what the register received after
/// the compromise's `effective` time, when that is earlier than the revocation's record, as the
/// coordinator's record (or a checkpoint that covers it) shows.
///
/// A key or a revocation the register does not record (a pack from before countersign
/// recorded key changes, or a run stopped between the keyring and the register) falls back to
/// the times: `valid_from`, and the revocation's `effective` against the claimed time (and,
/// for a compromise, the time the signature was recorded).
fn key_time_problem(
    key: &crate::approval::keyring::KeyRecord,
    signed_at: Timestamp,
    recorded: Option<&crate::record::register::Record>,
    ev: &Evidence<'_>,
) -> Option<(&'static str, String)> {
    let key_id = key.key_id.as_str();
    match ev.register.and_then(|r| r.key_added(key_id)) {
        Some(added) => {
            if let Some(record) = recorded
                && record.seq < added.seq
            {
                return Some((
                    "key-not-yet-valid",
                    format!(
                        "the register received this signature (record {}) before the key was added (record {})",
                        record.seq, added.seq
                    ),
                ));
            }
        }
        None if signed_at < key.valid_from => {
            return Some((
                "key-not-yet-valid",
                format!(
                    "the key is valid only from {}; the signature is dated {signed_at}",
                    key.valid_from
                ),
            ));
        }
        None => {}
    }
    let revocation = key.revoked.as_ref()?;
    let effective = revocation.effective;
    let reason = revocation.reason.label();
    if let Some(revoked) = ev.register.and_then(|r| r.key_revoked(key_id)) {
        let Some(record) = recorded else {
            return Some((
                "key-revoked",
                format!(
                    "the key was revoked ({reason}) at register record {}, and the register has no record of receiving this signature, so nothing shows it came before that",
                    revoked.seq
                ),
            ));
        };
        if record.seq > revoked.seq {
            return Some((
                "key-revoked",
                format!(
                    "the register received this signature (record {}) after the key was revoked ({reason}, record {})",
                    record.seq, revoked.seq
                ),
            ));
        }
    } else if signed_at >= effective {
        return Some((
            "key-revoked",
            format!(
                "the key was revoked ({reason}) from {effective}, before the signature was made ({signed_at})"
            ),
        ));
    }
    if revocation.reason != RevocationReason::Compromised {
        return None;
    }
    let Some(record) = recorded else {
        return Some((
            "key-revoked",
            format!(
                "the key was revoked as compromised from {effective}, and the register has no record of this signature, so it cannot be shown that it was made before the revocation"
            ),
        ));
    };
    // The earliest independent proof that the signature existed: its record, or a checkpoint
    // signed over a register that already held it by a key not itself compromised (whoever
    // holds a compromised key can date a checkpoint as they please).
    let proven = ev
        .checkpoints
        .iter()
        .filter(|c| c.size >= record.seq)
        .filter(|c| {
            ev.keyring
                .get(&crate::approval::keys::KeyId::from_text(&c.key_id))
                .is_some_and(|k| k.compromised().is_none())
        })
        .map(|c| c.signed_at)
        .chain(std::iter::once(record.at))
        .min()
        .unwrap_or(record.at);
    if proven >= effective {
        return Some((
            "key-revoked",
            format!(
                "the key was revoked (compromised) from {effective}, before the signature was recorded ({proven})"
            ),
        ));
    }
    None
}

/// What the signer's claimed time says beside the register's record, in words, when it is
/// out of the ordinary (docs/SPEC.md S9): later than the register received it, earlier than
/// the key counts from, or earlier than the document was assembled, each by more than
/// [`CLOCK_TOLERANCE_SECONDS`]. Evidence to point out, never a reason to fail.
fn claimed_time_notes(
    sig_file: &str,
    signed_at: Timestamp,
    key: &crate::approval::keyring::KeyRecord,
    recorded: Option<&crate::record::register::Record>,
    sha256: &str,
    ev: &Evidence<'_>,
) -> Vec<String> {
    let Some(register) = ev.register else {
        return Vec::new();
    };
    let t = signed_at.unix();
    let mut notes = Vec::new();
    if let Some(record) = recorded
        && t > record.at.unix() + CLOCK_TOLERANCE_SECONDS
    {
        notes.push(format!(
            "{sig_file} says it was signed at {signed_at}, after the register received it (record {}, {}): the signatory's computer clock may be wrong; the register's order is what counts",
            record.seq, record.at
        ));
    }
    if register.key_added(key.key_id.as_str()).is_some()
        && t + CLOCK_TOLERANCE_SECONDS < key.valid_from.unix()
    {
        notes.push(format!(
            "{sig_file} says it was signed at {signed_at}, before its key counts from ({}): the signatory's computer clock may be wrong",
            key.valid_from
        ));
    }
    if let Some(assembled) = register.assembled(sha256)
        && t + CLOCK_TOLERANCE_SECONDS < assembled.at.unix()
    {
        notes.push(format!(
            "{sig_file} says it was signed at {signed_at}, before the document was assembled ({}): the signatory's computer clock may be wrong",
            assembled.at
        ));
    }
    notes
}

/// docs/SPEC.md S5: a statement's subject name, document kind and title must be the file,
/// kind and title the manifest gives the version it signs (`entry`, or an earlier version of
/// the same document); the words of the mismatch otherwise.
fn claims_problem(
    name: &str,
    kind: &str,
    title: &str,
    version: &str,
    entry: &ManifestEntry,
    manifest: &Manifest,
) -> Option<String> {
    let shown =
        |text: &str| -> String { text.chars().filter(|c| !c.is_control()).take(80).collect() };
    let assembled = if entry.version == version {
        Some(entry)
    } else {
        manifest
            .documents
            .iter()
            .find(|d| d.id == entry.id && d.version == version)
    };
    let Some(assembled) = assembled else {
        return Some(format!(
            "the statement signs version {} of '{}', which the pack never assembled",
            shown(version),
            entry.id
        ));
    };
    if name == assembled.file && kind == assembled.kind.as_str() && title == assembled.title {
        return None;
    }
    Some(format!(
        "the signed statement describes the document as '{}' ({}) titled '{}', but the pack assembled version {} as '{}' ({}) titled '{}'",
        shown(name),
        shown(kind),
        shown(title),
        assembled.version,
        assembled.file,
        assembled.kind.as_str(),
        assembled.title
    ))
}

// Why this is long: rules S1 to S8 of docs/SPEC.md in the order the specification and the page's
// `judge` (page/verify.js) take them, each returning the first failure; one sequence, so the two
// verifiers can be read side by side.
fn judge(
    sig_file: &str,
    sig_bytes: &[u8],
    entry: Option<&ManifestEntry>,
    parties: &Parties<'_>,
    sha256: &str,
    ev: &Evidence<'_>,
    warnings: &mut Vec<String>,
) -> Judgement {
    let name_of = |id: &str| {
        ev.data
            .organisation(id)
            .map_or_else(|| id.to_string(), |o| o.name.clone())
    };
    let Some(entry) = entry else {
        return Judgement::Elsewhere;
    };
    let stem = entry.file.trim_end_matches(".docx");
    // The organisation a file is named for: a hint only, used when its content cannot be trusted.
    let named_org = sig_file
        .strip_prefix(stem)
        .and_then(|r| r.strip_prefix('.'))
        .and_then(|r| r.strip_suffix(SIGNATURE_SUFFIX))
        .map(str::to_string);
    // docs/SPEC.md S1-S3: the envelope, strict verification, the statement from verified bytes.
    let verified = signature::open(sig_bytes, |id| {
        ev.keyring
            .get(&crate::approval::keys::KeyId::from_text(id))
            .map(|k| k.public)
    });
    let verified = match verified {
        Ok(v) => v,
        Err(e) => {
            let Some(org) = named_org else {
                return Judgement::Elsewhere;
            };
            return Judgement::Party(Box::new(Candidate {
                organisation: org,
                status: Status::Failed,
                signed: None,
                paper: None,
                signature_valid: match e {
                    EnvelopeError::BadSignature | EnvelopeError::NotAKey(_) => Some(false),
                    _ => None,
                },
                key_belongs: None,
                code: Some(e.code()),
                reason: Some(e.to_string()),
            }));
        }
    };
    let st = &verified.statement;
    let p = &st.predicate;
    if p.document.id != entry.id || p.pack != ev.manifest.pack {
        // S5: a signature of another document; if it is named for this one, say so.
        return match named_org {
            Some(org) => Judgement::Party(Box::new(Candidate {
                organisation: org,
                status: Status::Failed,
                signed: None,
                paper: None,
                signature_valid: Some(true),
                key_belongs: None,
                code: Some("signature-for-another-document"),
                reason: Some(format!(
                    "the signature is for another document ('{}' of pack '{}'), not this one",
                    p.document.id, p.pack
                )),
            })),
            None => Judgement::Elsewhere,
        };
    }
    let recorded = ev
        .register
        .and_then(|r| r.signature(&verified.statement_sha256, verified.key_id.as_str()));
    let signed = SignedBy {
        signatory: p.signatory.name.clone(),
        role: p.signatory.role.clone(),
        signed_at: p.signed_at.clone(),
        key_id: verified.key_id.to_string(),
        version: p.document.version.clone(),
        signature_file: sig_file.to_string(),
        register_record: recorded.map(|r| r.seq),
        statement_sha256: verified.statement_sha256.clone(),
    };
    let org = p.organisation.id.clone();
    let record = ev.keyring.get(&verified.key_id);
    let key_belongs = record.is_some_and(|r| r.organisation == org);
    // S4, S6: the statement's key is the verifying key and the organisation's; the time rules.
    // The time of signing, parsed once from the verified statement.
    let signed_at = Timestamp::parse_exact(&p.signed_at);
    let problem: Option<(&'static str, String, Option<bool>)> = if let Some(signed_at) = signed_at
        && p.key_id == verified.key_id
        && key_belongs
    {
        record
            .and_then(|r| key_time_problem(r, signed_at, recorded, ev))
            .map(|(code, reason)| (code, reason, Some(true)))
    } else if signed_at.is_none() {
        Some((
            "signed-at-malformed",
            format!(
                "the statement's time of signing is malformed ('{}')",
                p.signed_at
                    .chars()
                    .filter(|c| !c.is_control())
                    .take(40)
                    .collect::<String>()
            ),
            None,
        ))
    } else if p.key_id != verified.key_id {
        Some((
            "statement-key-mismatch",
            format!(
                "the statement names the key {} but was signed with {}",
                p.key_id, verified.key_id
            ),
            Some(key_belongs),
        ))
    } else if !key_belongs {
        let owner = record.map_or_else(|| "nobody".to_string(), |r| name_of(&r.organisation));
        Some((
            "key-not-for-organisation",
            format!(
                "the key {} is not listed for {}: the pack's keyring lists it for {owner}",
                verified.key_id,
                name_of(&org)
            ),
            Some(false),
        ))
    } else {
        None
    };
    let older = p.document.version != entry.version;
    // S5: what the statement says of the document is what the pack assembled as that version.
    let problem = problem.or_else(|| {
        claims_problem(
            &st.subject[0].name,
            &p.document.kind,
            &p.document.title,
            &p.document.version,
            entry,
            ev.manifest,
        )
        .map(|reason| ("statement-claims-mismatch", reason, Some(true)))
    });
    if ev.register.is_some() && recorded.is_none() && !older {
        warnings.push(format!(
            "{sig_file} is not recorded in the register (collect it with `countersign collect`, or the register is older)"
        ));
    }
    if !older
        && problem.is_none()
        && let (Some(signed_at), Some(key)) = (signed_at, record)
    {
        warnings.extend(claimed_time_notes(
            sig_file, signed_at, key, recorded, sha256, ev,
        ));
    }
    // S7: the version signed, and the digest signed.
    let candidate = match (problem, older) {
        // A failing signature of an earlier version says nothing about this one.
        (Some((_, reason, _)), true) => {
            return Judgement::Note(format!(
                "{sig_file}: {}'s signature of the earlier version {} fails ({reason}); it does not affect this version",
                name_of(&org),
                p.document.version
            ));
        }
        (Some((code, reason, key_belongs)), false) => Candidate {
            organisation: org.clone(),
            status: Status::Failed,
            signed: Some(signed),
            paper: None,
            signature_valid: Some(true),
            key_belongs,
            code: Some(code),
            reason: Some(reason),
        },
        (None, true) => Candidate {
            organisation: org.clone(),
            status: Status::OlderVersion,
            signed: Some(signed),
            paper: None,
            signature_valid: Some(true),
            key_belongs: Some(true),
            code: None,
            reason: Some(format!(
                "signed version {}, not this version ({})",
                p.document.version, entry.version
            )),
        },
        (None, false) if st.subject[0].digest.sha256 == sha256 => Candidate {
            organisation: org.clone(),
            status: Status::Signed,
            signed: Some(signed),
            paper: None,
            signature_valid: Some(true),
            key_belongs: Some(true),
            code: None,
            reason: None,
        },
        (None, false) => Candidate {
            organisation: org.clone(),
            status: Status::Failed,
            signed: Some(signed),
            paper: None,
            signature_valid: Some(true),
            key_belongs: Some(true),
            code: Some("digest-mismatch"),
            reason: Some("the document differs from what was signed".to_string()),
        },
    };
    if !parties.contains(candidate.organisation.as_str()) {
        // S8. An organisation that signed an earlier version and is not a party to this one
        // left (or was taken off it): its signature is history of that version, and counts
        // neither for nor against this one.
        if candidate.status == Status::OlderVersion {
            // Its name as it signed: a departed organisation is no longer in the data.
            let name = ev
                .data
                .organisation(&candidate.organisation)
                .map_or_else(|| p.organisation.name.clone(), |o| o.name.clone());
            return Judgement::Note(departed_note(&name, &p.document.version));
        }
        return Judgement::Stray(StrayProblem {
            signature_file: sig_file.to_string(),
            code: "not-a-party",
            reason: format!(
                "signed by {}, which is not a party to this document",
                name_of(&candidate.organisation)
            ),
        });
    }
    Judgement::Party(Box::new(candidate))
}

/// The words for an approval of an earlier version by an organisation that is not a party to
/// the version being verified (docs/SPEC.md S8).
fn departed_note(organisation: &str, version: &str) -> String {
    format!(
        "{organisation} approved version {version} and is not a party to this version: that approval stands for version {version} only"
    )
}

/// What a paper signature says about the document being verified (`None`: another document):
/// docs/SPEC.md W1-W3.
// Why this is long: rules W1 to W4 of docs/SPEC.md for a paper record, in the order the
// specification and the page's `judgePaper` take them.
fn judge_paper(
    file: &crate::approval::paper::PaperFile,
    entry: &ManifestEntry,
    parties: &Parties<'_>,
    sha256: &str,
    ev: &Evidence<'_>,
) -> Option<Judgement> {
    let stem = entry.file.trim_end_matches(".docx");
    let named_org = file
        .name
        .strip_prefix(stem)
        .and_then(|r| r.strip_prefix('.'))
        .and_then(|r| r.strip_suffix(crate::pack::layout::RECORD_SUFFIX))
        .map(str::to_string);
    let failed = |organisation: String, (code, reason): (&'static str, String)| Candidate {
        organisation,
        status: Status::Failed,
        signed: None,
        paper: None,
        signature_valid: None,
        key_belongs: None,
        code: Some(code),
        reason: Some(reason),
    };
    let record = match crate::approval::paper::check(file) {
        Ok(r) => r,
        Err(reason) => {
            return named_org.map(|org| {
                Judgement::Party(Box::new(failed(org, ("paper-record-invalid", reason))))
            });
        }
    };
    if record.id != entry.id {
        return None;
    }
    let name_of = |id: &str| {
        ev.data
            .organisation(id)
            .map_or_else(|| id.to_string(), |o| o.name.clone())
    };
    if !parties.contains(record.organisation.as_str()) {
        if record.version != entry.version {
            return Some(Judgement::Note(departed_note(
                &name_of(&record.organisation),
                &record.version,
            )));
        }
        return Some(Judgement::Stray(StrayProblem {
            signature_file: format!("{}/{}", crate::pack::layout::PAPER_DIR, file.name),
            code: "not-a-party",
            reason: format!(
                "a paper signature of {}, which is not a party to this document",
                name_of(&record.organisation)
            ),
        }));
    }
    let recorded = ev
        .register
        .and_then(|r| r.paper(&crate::digest::sha256_hex(&file.bytes)));
    let older = record.version != entry.version;
    let problem = if ev.register.is_some() && recorded.is_none() {
        Some(("paper-not-recorded", "the register has no record of this paper signature, so nothing shows the coordinator recorded it as it stands".to_string()))
    } else if !older && record.sha256 != sha256 {
        Some((
            "digest-mismatch",
            "the document differs from the version the paper signature was recorded for"
                .to_string(),
        ))
    } else {
        None
    };
    let paper = PaperSigned {
        signatory: record.signatory.clone(),
        role: record.role.clone(),
        signed_on: record.signed_on.clone(),
        recorded_at: record.recorded_at.to_string(),
        scan_sha256: record.scan_sha256.clone(),
        record_file: file.name.clone(),
        register_record: recorded.map_or(0, |r| r.seq),
    };
    Some(match (problem, older) {
        (Some((_, reason)), true) => Judgement::Note(format!(
            "{}'s paper signature of the earlier version {} cannot be relied on ({reason}); it does not affect this version",
            name_of(&record.organisation),
            record.version
        )),
        (Some(problem), false) => Judgement::Party(Box::new(failed(record.organisation, problem))),
        (None, true) => Judgement::Party(Box::new(Candidate {
            organisation: record.organisation,
            status: Status::OlderVersion,
            signed: None,
            paper: Some(paper),
            signature_valid: None,
            key_belongs: None,
            code: None,
            reason: Some(format!(
                "signed version {} on paper, not this version ({})",
                record.version, entry.version
            )),
        })),
        (None, false) => Judgement::Party(Box::new(Candidate {
            organisation: record.organisation,
            status: Status::SignedOnPaper,
            signed: None,
            paper: Some(paper),
            signature_valid: None,
            key_belongs: None,
            code: None,
            reason: None,
        })),
    })
}

/// Verifies one signature file against one assembled document as the manifest records it
/// (its digest, not its bytes), with the same rules as [`verify_with`]: what collecting a
/// returned file needs, at a cost that does not grow with the number of parties.
pub fn verify_signature(
    entry: &ManifestEntry,
    sig_file: &str,
    sig_bytes: &[u8],
    ev: &Evidence<'_>,
) -> Result<PartyResult, String> {
    let mut notes = Vec::new();
    match judge(
        sig_file,
        sig_bytes,
        Some(entry),
        &parties_of(Some(entry)),
        &entry.sha256,
        ev,
        &mut notes,
    ) {
        Judgement::Party(c) => Ok(PartyResult {
            name: ev
                .data
                .organisation(&c.organisation)
                .map_or_else(|| c.organisation.clone(), |o| o.name.clone()),
            organisation: c.organisation,
            status: c.status,
            signed: c.signed,
            paper: c.paper,
            signature_valid: c.signature_valid,
            key_belongs_to_organisation: c.key_belongs,
            code: c.code,
            reason: c.reason,
            key_confirmation: None,
        }),
        Judgement::Stray(p) => Err(p.reason),
        Judgement::Note(n) => Err(n),
        Judgement::Elsewhere => Err(format!("it is not a signature of {}", entry.file)),
    }
}

/// Verifies `bytes` (a document called `file`) against the evidence.
pub fn verify_with(file: &str, bytes: &[u8], ev: &Evidence<'_>) -> VerifyReport {
    verify_known(file, bytes, None, ev)
}

/// As [`verify_with`]; `known` is the manifest entry the document is expected to be (a pack
/// verifying its own copy), taken without searching the manifest when the bytes match it.
// Why this is long: the steps of a document's verification in docs/SPEC.md's order (V1 the
// document, each signature, the set-aside files, V2 the best per organisation, paper, what is
// outstanding), mirrored by `verifyWith` in page/verify.js.
fn verify_known(
    file: &str,
    bytes: &[u8],
    known: Option<&ManifestEntry>,
    ev: &Evidence<'_>,
) -> VerifyReport {
    let sha256 = sha256_hex(bytes);
    let manifest = ev.manifest;
    let (entry, document): (Option<&ManifestEntry>, DocumentMatch) = match known {
        Some(e) if e.sha256 == sha256 => (Some(e), DocumentMatch::Exact),
        _ => match manifest.documents.iter().find(|d| d.sha256 == sha256) {
            Some(e) => (Some(e), DocumentMatch::Exact),
            None => match manifest.documents.iter().find(|d| d.file == file) {
                Some(e) => (Some(e), DocumentMatch::DiffersFromManifest),
                None => (None, DocumentMatch::Unknown),
            },
        },
    };
    let name_of = |id: &str| {
        ev.data
            .organisation(id)
            .map_or_else(|| id.to_string(), |o| o.name.clone())
    };
    let parties = parties_of(entry);
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut other_problems = Vec::new();
    let mut warnings = Vec::new();
    for (sig_file, sig_bytes) in ev.signatures {
        let j = judge(
            sig_file,
            sig_bytes,
            entry,
            &parties,
            &sha256,
            ev,
            &mut warnings,
        );
        j.sort_into(&mut candidates, &mut other_problems, &mut warnings);
    }
    if let Some(entry) = entry {
        for file in ev.paper {
            if let Some(j) = judge_paper(file, entry, &parties, &sha256, ev) {
                j.sort_into(&mut candidates, &mut other_problems, &mut warnings);
            }
        }
    }
    let mut set_aside = Vec::new();
    for (sig_file, sig_bytes) in ev.set_aside {
        let mut ignored = Vec::new();
        // What a set-aside file would say now, coded as any problem is; one that holds is
        // `verifies` (or `older-version`), one of an earlier version that fails
        // `earlier-version-fails`.
        let (code, reason) = match judge(
            sig_file,
            sig_bytes,
            entry,
            &parties,
            &sha256,
            ev,
            &mut ignored,
        ) {
            Judgement::Party(c) => (
                c.code.unwrap_or(if c.status == Status::OlderVersion {
                    "older-version"
                } else {
                    "verifies"
                }),
                c.reason.unwrap_or_else(|| "it verifies".into()),
            ),
            Judgement::Stray(p) => (p.code, p.reason),
            Judgement::Note(n) => ("earlier-version-fails", n),
            Judgement::Elsewhere => continue,
        };
        set_aside.push(StrayProblem {
            signature_file: format!("{SET_ASIDE_DIR}/{sig_file}"),
            code,
            reason,
        });
    }

    // V2: the best candidate of each organisation, found in one pass (first of equal rank wins).
    let mut best_of: std::collections::HashMap<&str, &Candidate> = std::collections::HashMap::new();
    for c in &candidates {
        let slot = best_of.entry(c.organisation.as_str()).or_insert(c);
        if rank(&c.status) > rank(&slot.status) {
            *slot = c;
        }
    }
    let parties: Vec<PartyResult> = entry
        .map(|e| e.parties.clone())
        .unwrap_or_default()
        .into_iter()
        .map(|org| {
            let best = best_of.get(org.as_str()).copied();
            match best {
                Some(c) => PartyResult {
                    name: name_of(&org),
                    organisation: org,
                    status: c.status.clone(),
                    signed: c.signed.clone(),
                    paper: c.paper.clone(),
                    signature_valid: c.signature_valid,
                    key_belongs_to_organisation: c.key_belongs,
                    code: c.code,
                    reason: c.reason.clone(),
                    key_confirmation: None,
                },
                None => PartyResult {
                    name: name_of(&org),
                    organisation: org,
                    status: Status::Outstanding,
                    signed: None,
                    paper: None,
                    signature_valid: None,
                    key_belongs_to_organisation: None,
                    code: None,
                    reason: None,
                    key_confirmation: None,
                },
            }
        })
        .collect();
    // A failing signature is reported even when the same organisation also has a good one.
    let standing: std::collections::HashMap<&str, &Status> = parties
        .iter()
        .map(|p| (p.organisation.as_str(), &p.status))
        .collect();
    for c in &candidates {
        if c.status == Status::Failed
            && standing
                .get(c.organisation.as_str())
                .is_some_and(|s| **s != Status::Failed)
        {
            other_problems.push(StrayProblem {
                signature_file: c
                    .signed
                    .as_ref()
                    .map(|s| s.signature_file.clone())
                    .unwrap_or_default(),
                code: c.code.unwrap_or("signature-fails"),
                reason: format!(
                    "{}: {}",
                    name_of(&c.organisation),
                    c.reason.clone().unwrap_or_default()
                ),
            });
        }
    }
    let any_failed =
        parties.iter().any(|p| p.status == Status::Failed) || !other_problems.is_empty();
    let valid = document == DocumentMatch::Exact && !any_failed;
    let outstanding = parties
        .iter()
        .filter(|p| matches!(p.status, Status::Outstanding | Status::OlderVersion))
        .map(|p| p.organisation.clone())
        .collect();
    VerifyReport {
        format: REPORT_FORMAT,
        file: file.to_string(),
        sha256,
        valid,
        document,
        id: entry.map(|e| e.id.clone()),
        kind: entry.map(|e| e.kind.as_str().to_string()),
        version: entry.map(|e| e.version.clone()),
        parties,
        other_problems,
        set_aside,
        outstanding,
        warnings,
        trust: "none",
        keys_confirmed: false,
        outcome: Outcome::of(valid, false, false),
        unconfirmed: Vec::new(),
    }
}

/// The reason given when a document's kept data is not what it was assembled with.
pub const KEPT_DATA_CHANGED: &str = "its kept data is not the data it was assembled with (its SHA-256 differs from the manifest's data_sha256): the file was changed after assembly, so it cannot be relied on to show what the document says or what changed between versions";

/// docs/SPEC.md D1: the data a document was rendered with, kept beside it (`out/data/`), must
/// be what the manifest says it was; a changed file fails the document's report. A document
/// assembled before data was kept has none, which is not a problem.
pub fn check_kept_data(report: &mut VerifyReport, entry: &ManifestEntry, kept: Option<&[u8]>) {
    let Some(kept) = kept else { return };
    if crate::document::manifest::kept_data_sha256(kept) != entry.data_sha256 {
        report.other_problems.push(StrayProblem {
            signature_file: format!(
                "{}/{}",
                crate::pack::layout::OUT_DIR,
                crate::document::manifest::data_file_name(&entry.file)
            ),
            code: "kept-data-mismatch",
            reason: KEPT_DATA_CHANGED.to_string(),
        });
        report.valid = false;
        report.settle_outcome();
    }
}

/// docs/SPEC.md K5: every key change the register records is in the keyring as recorded (a
/// key added for its organisation; a key revoked for the same reason from the same time). A
/// keyring rewritten to drop a revocation would otherwise make a compromised key's
/// signatures count again.
pub fn check_keyring_agrees(
    keyring: &Keyring,
    register: &Register,
) -> Result<(), crate::record::register::RegisterError> {
    use crate::record::register::{Event, RegisterError};
    for record in &register.records {
        let disagrees = |what: String, keyring: String| {
            Err(RegisterError::KeyringDisagrees {
                seq: record.seq,
                what,
                keyring,
            })
        };
        match &record.event {
            Event::KeyAdded {
                key_id,
                organisation,
                ..
            } => match keyring.get(&crate::approval::keys::KeyId::from_text(key_id)) {
                None => {
                    return disagrees(
                        format!("the key {key_id} was added for {organisation}"),
                        "does not hold it".into(),
                    );
                }
                Some(k) if k.organisation != *organisation => {
                    return disagrees(
                        format!("the key {key_id} was added for {organisation}"),
                        format!("gives it to {}", k.organisation),
                    );
                }
                Some(_) => {}
            },
            Event::KeyRevoked {
                key_id,
                reason,
                effective,
            } => {
                let what = format!("the key {key_id} was revoked ({reason}) from {effective}");
                match keyring
                    .get(&crate::approval::keys::KeyId::from_text(key_id))
                    .map(|k| k.revoked.as_ref())
                {
                    None => return disagrees(what, "does not hold that key".into()),
                    Some(None) => return disagrees(what, "does not revoke it".into()),
                    Some(Some(r)) if r.reason.label() != reason || r.effective != *effective => {
                        return disagrees(
                            what,
                            format!("revokes it ({}) from {}", r.reason.label(), r.effective),
                        );
                    }
                    Some(Some(_)) => {}
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Verifies every document of a pack (from a folder or a bundle): the checkpoints first (a
/// checkpoint that fails means the register was rewritten, and nothing built on it counts),
/// then each document against its signatures.
pub fn verify_pack(
    contents: &crate::pack::PackContents,
) -> Result<PackVerification, crate::record::register::RegisterError> {
    check_keyring_agrees(&contents.keyring, &contents.register)?;
    let checkpoints = crate::record::checkpoint::check_checkpoints(
        &contents.checkpoints,
        &contents.manifest.pack,
        &contents.keyring,
        &contents.register,
    )?;
    // Each file is considered only for the documents it is named for (the same document id,
    // any version), so the cost grows with the signatures, not documents times signatures.
    // A file whose name places it nowhere is considered for every document.
    let stems: std::collections::HashMap<&str, &str> = contents
        .manifest
        .documents
        .iter()
        .map(|d| (d.file.trim_end_matches(".docx"), d.id.as_str()))
        .collect();
    let place = |name: &str, suffix: &str| -> Option<String> {
        let mut rest = name.strip_suffix(suffix)?;
        // `<stem>.<org>` (or, set aside, `<stem>.<org>.<when>`): org ids hold no dot.
        for _ in 0..2 {
            rest = rest.rsplit_once('.')?.0;
            if let Some(id) = stems.get(rest) {
                return Some((*id).to_string());
            }
        }
        None
    };
    type Files = std::collections::HashMap<Option<String>, Vec<(String, Vec<u8>)>>;
    let group = |files: &[(String, Vec<u8>)], suffix: &str| -> Files {
        let mut by: Files = std::collections::HashMap::new();
        for (name, bytes) in files {
            by.entry(place(name, suffix))
                .or_default()
                .push((name.clone(), bytes.clone()));
        }
        by
    };
    let suffix = crate::pack::layout::SIGNATURE_SUFFIX;
    let active = group(&contents.signatures.active, suffix);
    let set_aside = group(&contents.signatures.set_aside, suffix);
    let mut paper: std::collections::HashMap<
        Option<String>,
        Vec<crate::approval::paper::PaperFile>,
    > = std::collections::HashMap::new();
    for f in &contents.paper {
        paper
            .entry(place(&f.name, crate::pack::layout::RECORD_SUFFIX))
            .or_default()
            .push(f.clone());
    }
    let for_id = |by: &Files, id: &str| -> Vec<(String, Vec<u8>)> {
        let mut files = by.get(&Some(id.to_string())).cloned().unwrap_or_default();
        files.extend(by.get(&None).cloned().unwrap_or_default());
        files
    };
    let mut reports = Vec::with_capacity(contents.manifest.documents.len());
    let mut missing = Vec::new();
    for entry in &contents.manifest.documents {
        let Some(bytes) = contents.document(&entry.file) else {
            missing.push(entry.file.clone());
            continue;
        };
        let signatures = for_id(&active, &entry.id);
        let aside = for_id(&set_aside, &entry.id);
        let mut papers = paper
            .get(&Some(entry.id.clone()))
            .cloned()
            .unwrap_or_default();
        papers.extend(paper.get(&None).cloned().unwrap_or_default());
        let evidence = Evidence {
            manifest: &contents.manifest,
            data: &contents.data,
            keyring: &contents.keyring,
            signatures: &signatures,
            set_aside: &aside,
            register: Some(&contents.register),
            checkpoints: &checkpoints,
            paper: &papers,
        };
        let mut report = verify_known(&entry.file, &bytes, Some(entry), &evidence);
        let kept = contents.document(&crate::document::manifest::data_file_name(&entry.file));
        check_kept_data(&mut report, entry, kept.as_deref());
        reports.push(report);
    }
    Ok(PackVerification {
        reports,
        missing,
        checkpoints,
        misnamed: contents.signatures.misnamed.clone(),
    })
}
