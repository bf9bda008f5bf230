//! What a verification says: the report for one document (who signed, who has not, what fails
//! and why), its statuses and problem codes, and every document of a pack verified. These are
//! the shapes `verify --json` prints and the page gives (docs/SPEC.md, "The report"); the rules
//! that fill them in are the parent module's.

use serde::Serialize;

use crate::record::checkpoint::Checkpoint;
use crate::time::Timestamp;

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

/// A paper signature as the coordinator recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PaperSigned {
    /// Who signed, as written on the sheet.
    pub signatory: String,
    /// In what role.
    pub role: String,
    /// The date on the sheet.
    pub signed_on: String,
    /// When the coordinator recorded it.
    pub recorded_at: String,
    /// SHA-256 of the scan kept in the pack.
    pub scan_sha256: String,
    /// The record's file in `paper/`.
    pub record_file: String,
    /// The register record.
    pub register_record: u64,
}

/// The status of one signing organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Signed this exact document electronically.
    Signed,
    /// Signed this version on paper, as the coordinator recorded (not a cryptographic
    /// signature: the record, its scan and the register entry are what was checked).
    SignedOnPaper,
    /// No signature yet.
    Outstanding,
    /// Signed an earlier version only.
    OlderVersion,
    /// A signature is present and fails.
    Failed,
}

/// The verdict's headline: three answers a person can tell apart at a glance (docs/SPEC.md V6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// Valid, and every signing key is confirmed by what the verifier trusts.
    Confirmed,
    /// Valid, but nothing was given to trust, or some signatures rest on keys that what was
    /// given does not confirm (listed in `unconfirmed`).
    ValidNotConfirmed,
    /// Verification failed.
    Failed,
}

impl Outcome {
    /// The outcome of a verdict that is `valid` or not, checked against what the verifier
    /// trusts (`anchored`) with every key confirmed or not.
    pub fn of(valid: bool, anchored: bool, keys_confirmed: bool) -> Outcome {
        match (valid, anchored && keys_confirmed) {
            (false, _) => Outcome::Failed,
            (true, true) => Outcome::Confirmed,
            (true, false) => Outcome::ValidNotConfirmed,
        }
    }
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
    /// The paper signature's details, when the approval was on paper.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paper: Option<PaperSigned>,
    /// Whether the signature is mathematically valid (None: no signature).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature_valid: Option<bool>,
    /// Whether the keyring gives the signing key to this organisation (None: not known).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_belongs_to_organisation: Option<bool>,
    /// Why it failed, as a stable code (docs/SPEC.md, "Problem codes"); none unless failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<&'static str>,
    /// Why it failed, or what the older version was, in words.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Whether the signing key is confirmed by what the verifier trusts (a trust file or an
    /// earlier keyring), apart from the keyring that came with the document; set by
    /// [`VerifyReport::confirm_keys`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_confirmation: Option<crate::verify::trust::Confirmation>,
}

/// A signature problem that concerns this document but no party of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StrayProblem {
    /// The signature file.
    pub signature_file: String,
    /// What is wrong, as a stable code (docs/SPEC.md, "Problem codes").
    pub code: &'static str,
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
    /// Failing signatures kept as evidence after a fresh one replaced them: listed, never
    /// counted.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub set_aside: Vec<StrayProblem>,
    /// True when the document is exactly an assembled version and every signature present is
    /// valid.
    pub valid: bool,
    /// Ids of organisations that have not signed this version.
    pub outstanding: Vec<String>,
    /// Things worth knowing that do not make the verification fail.
    pub warnings: Vec<String>,
    /// What the signing keys were checked against besides the keyring that came with the
    /// document: `none`, `trust-file` or `earlier-keyring`.
    pub trust: &'static str,
    /// True when every signature present has a key confirmed by what the verifier trusts.
    pub keys_confirmed: bool,
    /// The headline (docs/SPEC.md V6).
    pub outcome: Outcome,
    /// With something to trust given, each signature whose key it does not confirm, in words.
    pub unconfirmed: Vec<String>,
}

impl VerifyReport {
    /// How many parties signed this exact version electronically.
    pub fn signed_count(&self) -> usize {
        self.parties
            .iter()
            .filter(|p| p.status == Status::Signed)
            .count()
    }

    /// How many parties approved this exact version: electronically or on paper, each
    /// organisation counted once.
    pub fn approved_count(&self) -> usize {
        self.parties
            .iter()
            .filter(|p| matches!(p.status, Status::Signed | Status::SignedOnPaper))
            .count()
    }

    /// Ids of organisations whose approval of this version is on paper only.
    pub fn on_paper(&self) -> Vec<String> {
        self.parties
            .iter()
            .filter(|p| p.status == Status::SignedOnPaper)
            .map(|p| p.organisation.clone())
            .collect()
    }

    /// Marks every signed party of a report with whether its key is confirmed; a key that
    /// contradicts the anchor turns the party into a failure (the signature does not count).
    pub fn confirm_keys(&mut self, anchor: Option<&crate::verify::trust::Anchor>) {
        let report = self;
        let mut contradicted = false;
        for party in &mut report.parties {
            let Some(signed) = &party.signed else {
                continue;
            };
            if !matches!(party.status, Status::Signed | Status::OlderVersion) {
                continue;
            }
            let key_id = crate::approval::keys::KeyId::from_text(&signed.key_id);
            let c = crate::verify::trust::confirm(
                anchor,
                &party.organisation,
                &key_id,
                Timestamp::parse_exact(&signed.signed_at),
            );
            if c.contradicts() {
                contradicted = true;
                party.status = Status::Failed;
                party.reason = Some(c.words(&party.name));
            }
            party.key_confirmation = Some(c);
        }
        report.trust = match anchor {
            None => "none",
            Some(crate::verify::trust::Anchor::Pinned(_)) => "trust-file",
            Some(crate::verify::trust::Anchor::EarlierKeyring(_)) => "earlier-keyring",
        };
        report.keys_confirmed = all_confirmed(report);
        report.unconfirmed = match anchor {
            None => Vec::new(),
            Some(_) => unconfirmed(report),
        };
        if contradicted {
            report.valid = false;
            let failed: std::collections::HashSet<String> = report
                .parties
                .iter()
                .filter(|p| {
                    p.key_confirmation
                        .as_ref()
                        .is_some_and(crate::verify::trust::Confirmation::contradicts)
                })
                .map(|p| p.organisation.clone())
                .collect();
            report.outstanding.retain(|o| !failed.contains(o));
        }
        report.settle_outcome();
    }

    /// Sets the headline from what the report now says: called whenever `valid` or the keys'
    /// confirmation change.
    pub fn settle_outcome(&mut self) {
        self.outcome = Outcome::of(self.valid, self.trust != "none", self.keys_confirmed);
    }
}

/// Each signature of this version whose key what the verifier trusts does not confirm, as
/// `<organisation name>: key <id> <why>`.
fn unconfirmed(report: &VerifyReport) -> Vec<String> {
    report
        .parties
        .iter()
        .filter(|p| p.status == Status::Signed)
        .filter_map(|p| {
            let c = p.key_confirmation.as_ref()?;
            let s = p.signed.as_ref()?;
            (!c.confirmed()).then(|| format!("{}: key {}: {}", p.name, s.key_id, c.words(&p.name)))
        })
        .collect()
}

/// Whether every signature of the report has a confirmed key.
fn all_confirmed(report: &VerifyReport) -> bool {
    report
        .parties
        .iter()
        .filter(|p| p.status == Status::Signed)
        .all(|p| {
            p.key_confirmation
                .as_ref()
                .is_some_and(crate::verify::trust::Confirmation::confirmed)
        })
}

/// Every problem code a verifier gives (docs/SPEC.md, "Problem codes"), in the table's order.
pub const PROBLEM_CODES: [&str; 39] = [
    "zip-malformed",
    "duplicate-zip-entry",
    "zip-unexplained-bytes",
    "zip-header-mismatch",
    "bundle-index-mismatch",
    "bundle-not-made",
    "data-not-as-assembled",
    "bundle-malformed",
    "data-invalid",
    "keyring-untrusted",
    "register-untrusted",
    "trust-file-invalid",
    "trusted-keyring-unreadable",
    "keyring-history-rewritten",
    "register-history-rewritten",
    "document-missing",
    "document-fails",
    "not-recorded-as-assembled",
    "kept-data-mismatch",
    "signature-malformed",
    "payload-type-wrong",
    "key-unknown",
    "signature-invalid",
    "statement-malformed",
    "statement-key-mismatch",
    "key-not-for-organisation",
    "signature-for-another-document",
    "statement-claims-mismatch",
    "signed-at-malformed",
    "key-not-yet-valid",
    "key-revoked",
    "digest-mismatch",
    "not-a-party",
    "paper-record-invalid",
    "paper-not-recorded",
    "signature-fails",
    "verifies",
    "older-version",
    "earlier-version-fails",
];

/// Every document of a pack verified, with the register's checkpoints.
#[derive(Debug, Clone)]
pub struct PackVerification {
    /// One report per document the manifest lists and the pack holds, in the manifest's order.
    pub reports: Vec<VerifyReport>,
    /// Documents the manifest lists that the pack does not hold.
    pub missing: Vec<String>,
    /// The checkpoints, every one of which holds.
    pub checkpoints: Vec<Checkpoint>,
    /// Files in `signatures/` whose names countersign does not read.
    pub misnamed: Vec<String>,
}
