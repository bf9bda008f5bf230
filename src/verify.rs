//! Verifying a circulated document against the pack: is it exactly an assembled version, who
//! signed it (by whom, in what role, when, with which key), who has not, and what fails and why.
//!
//! Order of checks, per signature file: strict signature verification over the DSSE PAE with
//! the keyring's key; the statement parsed from the verified bytes only; the statement's key id
//! is the verifying key; the keyring gives that key to the statement's organisation; the key was
//! valid and not revoked when signed; the statement is for this document, version and digest.
//! "The signature is valid" and "the key belongs to the organisation" are separate results.
//! Pure over its inputs: no files, no printing.

use serde::Serialize;

use crate::assemble::{Manifest, ManifestEntry};
use crate::digest::sha256_hex;
use crate::keyring::Keyring;
use crate::register::Register;
use crate::sign::SIGNATURE_SUFFIX;
use crate::signature::{self, EnvelopeError};
use crate::validate::PackData;

/// The JSON report's format label.
pub const REPORT_FORMAT: &str = "countersign/verify/v1";

/// Whether the document is one the pack assembled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DocumentMatch {
    /// Its bytes are exactly those of an assembled document.
    Exact,
    /// A document of that name was assembled, with other bytes.
    DiffersFromManifest,
    /// No document of that name or digest was assembled.
    Unknown,
}

/// Who signed and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignedBy {
    /// The signatory's name.
    pub signatory: String,
    /// The role they signed as.
    pub role: String,
    /// When.
    pub signed_at: String,
    /// The key id.
    pub key_id: String,
    /// The document version the signature is for.
    pub version: String,
    /// The signature file.
    pub signature_file: String,
    /// The register record of the signature (its position), when recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub register_record: Option<u64>,
    /// SHA-256 of the signed statement.
    pub statement_sha256: String,
}

/// The status of one signing organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Signed this exact document.
    Signed,
    /// No signature yet.
    Outstanding,
    /// Signed an earlier version only.
    OlderVersion,
    /// A signature is present and fails.
    Failed,
}

/// The result for one organisation that signs the document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartyResult {
    /// The organisation's id.
    pub organisation: String,
    /// Its name.
    pub name: String,
    /// Its status.
    pub status: Status,
    /// The signature's details, when one verified.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signed: Option<SignedBy>,
    /// Whether the signature is mathematically valid (None: no signature).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature_valid: Option<bool>,
    /// Whether the keyring gives the signing key to this organisation (None: not known).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_belongs_to_organisation: Option<bool>,
    /// Why it failed, or what the older version was, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A signature problem that concerns this document but no party of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StrayProblem {
    /// The signature file.
    pub signature_file: String,
    /// What is wrong.
    pub reason: String,
}

/// The whole verification result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// Always [`REPORT_FORMAT`].
    pub format: &'static str,
    /// The document's file name.
    pub file: String,
    /// Its SHA-256.
    pub sha256: String,
    /// Whether the pack assembled exactly these bytes.
    pub document: DocumentMatch,
    /// The assembled document it matches (or was meant to be).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Its kind.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Its version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// One result per signing organisation, in the manifest's order.
    pub parties: Vec<PartyResult>,
    /// Problems with signatures that name no party.
    pub other_problems: Vec<StrayProblem>,
    /// True when the document is exactly an assembled version and every signature present is
    /// valid.
    pub valid: bool,
    /// Ids of organisations that have not signed this version.
    pub outstanding: Vec<String>,
    /// Things worth knowing that do not make the verification fail.
    pub warnings: Vec<String>,
}

impl VerifyReport {
    /// How many parties signed this exact version.
    pub fn signed_count(&self) -> usize {
        self.parties
            .iter()
            .filter(|p| p.status == Status::Signed)
            .count()
    }
}

struct Candidate {
    organisation: String,
    status: Status,
    signed: Option<SignedBy>,
    signature_valid: Option<bool>,
    key_belongs: Option<bool>,
    reason: Option<String>,
}

fn rank(status: &Status) -> u8 {
    match status {
        Status::Signed => 3,
        Status::Failed => 2,
        Status::OlderVersion => 1,
        Status::Outstanding => 0,
    }
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
    let sha256 = sha256_hex(bytes);
    let (entry, document): (Option<&ManifestEntry>, DocumentMatch) =
        match manifest.documents.iter().find(|d| d.sha256 == sha256) {
            Some(e) => (Some(e), DocumentMatch::Exact),
            None => match manifest.documents.iter().find(|d| d.file == file) {
                Some(e) => (Some(e), DocumentMatch::DiffersFromManifest),
                None => (None, DocumentMatch::Unknown),
            },
        };
    let name_of = |id: &str| {
        data.organisation(id)
            .map_or_else(|| id.to_string(), |o| o.name.clone())
    };
    let mut candidates: Vec<Candidate> = Vec::new();
    let mut other_problems = Vec::new();
    let mut warnings = Vec::new();
    let stem = entry.map(|e| e.file.trim_end_matches(".docx").to_string());

    for (sig_file, sig_bytes) in signatures {
        // The organisation a file is named for: a hint only, used when its content cannot be trusted.
        let named_org = stem
            .as_deref()
            .and_then(|s| sig_file.strip_prefix(s))
            .and_then(|r| r.strip_prefix('.'))
            .and_then(|r| r.strip_suffix(SIGNATURE_SUFFIX))
            .map(str::to_string);
        let verified = signature::open(sig_bytes, |id| {
            keyring
                .get(&crate::keys::KeyId::from_text(id))
                .map(|k| k.public)
        });
        let verified = match verified {
            Ok(v) => v,
            Err(e) => {
                if let Some(org) = named_org {
                    let valid = match e {
                        EnvelopeError::BadSignature => Some(false),
                        _ => None,
                    };
                    candidates.push(Candidate {
                        organisation: org,
                        status: Status::Failed,
                        signed: None,
                        signature_valid: valid,
                        key_belongs: None,
                        reason: Some(e.to_string()),
                    });
                }
                continue;
            }
        };
        let st = &verified.statement;
        let p = &st.predicate;
        let Some(entry) = entry else {
            continue;
        };
        if p.document.id != entry.id || p.pack != manifest.pack {
            // A signature of another document; if it is named for this one, say so.
            if let Some(org) = named_org {
                candidates.push(Candidate {
                    organisation: org,
                    status: Status::Failed,
                    signed: None,
                    signature_valid: Some(true),
                    key_belongs: None,
                    reason: Some(format!(
                        "the signature is for another document ('{}' of pack '{}'), not this one",
                        p.document.id, p.pack
                    )),
                });
            }
            continue;
        }
        let signed = SignedBy {
            signatory: p.signatory.name.clone(),
            role: p.signatory.role.clone(),
            signed_at: p.signed_at.clone(),
            key_id: verified.key_id.to_string(),
            version: p.document.version.clone(),
            signature_file: sig_file.clone(),
            register_record: None,
            statement_sha256: verified.statement_sha256.clone(),
        };
        let mut signed = signed;
        let recorded = register
            .and_then(|r| r.signature(&verified.statement_sha256, verified.key_id.as_str()));
        signed.register_record = recorded.map(|r| r.seq);
        if register.is_some() && recorded.is_none() {
            warnings.push(format!(
                "{sig_file} is not recorded in the register (it was not made with `countersign sign` on this pack, or the register is older)"
            ));
        }
        // The later of the claimed and the recorded time: a key revoked before either fails.
        let when = recorded.map_or_else(
            || p.signed_at.clone(),
            |r| r.at.clone().max(p.signed_at.clone()),
        );
        let org = p.organisation.id.clone();
        let record = keyring.get(&verified.key_id);
        let key_belongs = record.is_some_and(|r| r.organisation == org);
        let fail = |reason: String, key_belongs: Option<bool>| Candidate {
            organisation: org.clone(),
            status: Status::Failed,
            signed: Some(signed.clone()),
            signature_valid: Some(true),
            key_belongs,
            reason: Some(reason),
        };
        let revoked_unrecorded =
            register.is_some() && recorded.is_none() && record.is_some_and(|r| r.revoked.is_some());
        let candidate = if crate::time::normalise(&p.signed_at).as_deref()
            != Some(p.signed_at.as_str())
        {
            fail(
                format!(
                    "the statement's time of signing is malformed ('{}')",
                    p.signed_at
                        .chars()
                        .filter(|c| !c.is_control())
                        .take(40)
                        .collect::<String>()
                ),
                None,
            )
        } else if revoked_unrecorded {
            // The signer's own clock cannot be trusted once the key is revoked: only the
            // register shows when the signature was really made.
            fail("the key has been revoked and the register has no record of this signature, so it cannot be shown that it was made before the revocation".to_string(), Some(true))
        } else if p.key_id != verified.key_id {
            fail(
                format!(
                    "the statement names the key {} but was signed with {}",
                    p.key_id, verified.key_id
                ),
                Some(key_belongs),
            )
        } else if !key_belongs {
            let owner = record.map_or_else(|| "nobody".to_string(), |r| name_of(&r.organisation));
            fail(
                format!(
                    "the key {} does not belong to {}: the keyring gives it to {owner}",
                    verified.key_id,
                    name_of(&org)
                ),
                Some(false),
            )
        } else if let Some(Err(reason)) = record.map(|r| r.valid_at(&when)) {
            let how = if recorded.is_some_and(|r| r.at > p.signed_at) {
                "recorded"
            } else {
                "made"
            };
            let text = if reason.contains("revoked") {
                format!("{reason}, before the signature was {how} ({when})")
            } else {
                format!("{reason}; the signature is dated {when}")
            };
            fail(text, Some(true))
        } else if st.subject[0].digest.sha256 == sha256 && p.document.version == entry.version {
            Candidate {
                organisation: org.clone(),
                status: Status::Signed,
                signed: Some(signed.clone()),
                signature_valid: Some(true),
                key_belongs: Some(true),
                reason: None,
            }
        } else if p.document.version != entry.version {
            Candidate {
                organisation: org.clone(),
                status: Status::OlderVersion,
                signed: Some(signed.clone()),
                signature_valid: Some(true),
                key_belongs: Some(true),
                reason: Some(format!(
                    "signed version {}, not this version ({})",
                    p.document.version, entry.version
                )),
            }
        } else {
            fail(
                "the document differs from what was signed".to_string(),
                Some(true),
            )
        };
        if !entry.parties.contains(&candidate.organisation) {
            other_problems.push(StrayProblem {
                signature_file: sig_file.clone(),
                reason: format!(
                    "signed by {}, which is not a party to this document",
                    name_of(&candidate.organisation)
                ),
            });
            continue;
        }
        candidates.push(candidate);
    }

    let parties: Vec<PartyResult> = entry
        .map(|e| e.parties.clone())
        .unwrap_or_default()
        .into_iter()
        .map(|org| {
            let best = candidates
                .iter()
                .filter(|c| c.organisation == org)
                .max_by_key(|c| rank(&c.status));
            match best {
                Some(c) => PartyResult {
                    name: name_of(&org),
                    organisation: org,
                    status: c.status.clone(),
                    signed: c.signed.clone(),
                    signature_valid: c.signature_valid,
                    key_belongs_to_organisation: c.key_belongs,
                    reason: c.reason.clone(),
                },
                None => PartyResult {
                    name: name_of(&org),
                    organisation: org,
                    status: Status::Outstanding,
                    signed: None,
                    signature_valid: None,
                    key_belongs_to_organisation: None,
                    reason: None,
                },
            }
        })
        .collect();
    // A failing signature is reported even when the same organisation also has a good one.
    for c in &candidates {
        if c.status == Status::Failed
            && parties
                .iter()
                .any(|p| p.organisation == c.organisation && p.status != Status::Failed)
        {
            other_problems.push(StrayProblem {
                signature_file: c
                    .signed
                    .as_ref()
                    .map(|s| s.signature_file.clone())
                    .unwrap_or_default(),
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
    let outstanding = parties
        .iter()
        .filter(|p| matches!(p.status, Status::Outstanding | Status::OlderVersion))
        .map(|p| p.organisation.clone())
        .collect();
    VerifyReport {
        format: REPORT_FORMAT,
        file: file.to_string(),
        sha256,
        valid: document == DocumentMatch::Exact && !any_failed,
        document,
        id: entry.map(|e| e.id.clone()),
        kind: entry.map(|e| e.kind.as_str().to_string()),
        version: entry.map(|e| e.version.clone()),
        parties,
        other_problems,
        outstanding,
        warnings,
    }
}
