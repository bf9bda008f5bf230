//! Signing a document of a coordinator's pack as one operation: the pack read (its register's
//! chain checked first), the signer worked out from the key, the statement signed, a failing
//! signature already held set aside as evidence, and the new one written and recorded.
//!
//! Owns the order of those steps; the rules of a signing request are [`crate::approval::sign`]'s, where
//! files go is [`crate::pack`]'s, and what a held signature says is [`crate::verify`]'s. The
//! caller gives the document's bytes, the key and the time, and tells people what happened.

use crate::approval::keys::SecretKey;
use crate::approval::sign::{
    SignError, SignRequest, Signer, SignerChoice, resolve_signer, sign_document,
    signature_file_name,
};
use crate::approval::signature::{Envelope, Statement, envelope_bytes};
use crate::pack::{LoadError, Pack, StoreError};
use crate::record::register::Event;
use crate::time::Timestamp;
use crate::verify::{Evidence, Status, verify_with};

/// A signature made and recorded.
#[derive(Debug, Clone)]
pub struct Signed {
    /// The statement signed.
    pub statement: Statement,
    /// The signature file's name, in the pack's `signatures/`.
    pub signature_file: String,
    /// The register record of the signature.
    pub register_record: u64,
    /// Where a failing signature held under the same name was kept, if one was.
    pub set_aside: Option<String>,
    /// True when the signature was the one already filed, valid, whose record a stopped run
    /// had not made: recorded now, and no new signature was made.
    pub repaired: bool,
}

/// Why nothing was signed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SigningError {
    /// The pack could not be read (a register that cannot be trusted among them).
    #[error(transparent)]
    Load(#[from] LoadError),
    /// The key, the signer or the document does not allow this signature.
    #[error(transparent)]
    Refused(#[from] SignError),
    /// The organisation has a valid signature of this document already; it is never replaced.
    #[error(
        "{organisation} has already signed {file}: '{signature_file}' exists; nothing was signed"
    )]
    AlreadySigned {
        /// The organisation's id.
        organisation: String,
        /// The document.
        file: String,
        /// The signature held.
        signature_file: String,
    },
    /// The organisation approved this document on paper already (docs/SPEC.md W1): one
    /// approval per organisation per document.
    #[error(
        "{organisation} has already approved {file} on paper (signed by {signatory} on {signed_on}, recorded by the coordinator); an organisation approves a document once, so nothing was signed"
    )]
    ApprovedOnPaper {
        /// The organisation's id.
        organisation: String,
        /// The document.
        file: String,
        /// Who signed the sheet.
        signatory: String,
        /// The date on the sheet.
        signed_on: String,
    },
    /// The signature could not be written or recorded.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A pack read for signing: its register's chain checked, so that a signatory is told of a
/// pack that cannot take a signature before being asked for their key's passphrase.
pub struct ReadForSigning<'p> {
    pack: &'p Pack,
    contents: crate::pack::PackContents,
}

/// Reads `pack` for signing. One file is to be added: the register's chain is checked once,
/// its records read only to judge a signature already held under that name, and the append
/// builds on that check.
pub fn read_for_signing(pack: &Pack) -> Result<ReadForSigning<'_>, SigningError> {
    Ok(ReadForSigning {
        pack,
        contents: pack.contents_for_signing(false)?,
    })
}

/// Signs the document `file` (its exact `bytes`) of `pack` with `key`, at `at`: the pack read
/// ([`read_for_signing`]), then [`ReadForSigning::sign`].
pub fn sign_in_pack(
    pack: &Pack,
    file: &str,
    bytes: &[u8],
    key: &SecretKey,
    choice: SignerChoice,
    at: Timestamp,
) -> Result<Signed, SigningError> {
    read_for_signing(pack)?.sign(file, bytes, key, choice, at)
}

impl ReadForSigning<'_> {
    /// Signs the document `file` (its exact `bytes`) with `key`, at `at`. A valid signature of
    /// the same organisation already held is never replaced; a failing one is set aside (and
    /// the setting aside recorded) so that the organisation can sign again.
    pub fn sign(
        self,
        file: &str,
        bytes: &[u8],
        key: &SecretKey,
        choice: SignerChoice,
        at: Timestamp,
    ) -> Result<Signed, SigningError> {
        let (pack, contents) = (self.pack, &self.contents);
        let signer = resolve_signer(
            &contents.keyring,
            &contents.data,
            &key.public().key_id(),
            choice.organisation,
            choice.signatory,
            choice.role,
        )?;
        let (statement, envelope) = sign_as(contents, &signer, file, bytes, key, at)?;
        not_approved_on_paper(pack, &signer.organisation, file, bytes)?;
        let name = signature_file_name(file, &signer.organisation);
        pack.clear_stale_temporaries(at);
        let mut set_aside = None;
        if let Some(held) = pack.signature(&name)? {
            // Its records, read once from the file whose chain was checked (refused if it changed).
            let register = match &contents.register_head {
                Some(head) => head.parse().map_err(LoadError::from)?,
                None => pack.register()?,
            };
            let report = verify_with(
                file,
                bytes,
                &Evidence {
                    manifest: &contents.manifest,
                    data: &contents.data,
                    keyring: &contents.keyring,
                    signatures: &[(name.clone(), held.clone())],
                    set_aside: &[],
                    register: Some(&register),
                    checkpoints: &[],
                    paper: &[],
                },
            );
            let failed = report
                .parties
                .iter()
                .find(|p| p.organisation == signer.organisation)
                .filter(|p| p.status == Status::Failed);
            let Some(failed) = failed else {
                // Valid but never recorded: a run stopped between filing it and recording it.
                // It is recorded now, as it was filed; it is never replaced.
                if let Some(repaired) = record_held(pack, contents, &name, &held, &register, at)? {
                    return Ok(repaired);
                }
                return Err(SigningError::AlreadySigned {
                    organisation: signer.organisation,
                    file: file.to_string(),
                    signature_file: pack.signatures_dir().join(&name).display().to_string(),
                });
            };
            let reason = failed.reason.clone().unwrap_or_default();
            set_aside = Some(pack.set_aside(&name, reason, at)?);
        }
        let p = &statement.predicate;
        let event = Event::SignatureRecorded {
            file: file.to_string(),
            id: p.document.id.clone(),
            version: p.document.version.clone(),
            sha256: statement.subject[0].digest.sha256.clone(),
            organisation: p.organisation.id.clone(),
            key_id: p.key_id.to_string(),
            statement_sha256: crate::digest::sha256_hex(
                &serde_json::to_vec(&statement).unwrap_or_default(),
            ),
            signature_file: name.clone(),
        };
        let records = pack.store_signatures(
            &[(name.clone(), envelope_bytes(&envelope), event)],
            at,
            contents.register_head.as_ref(),
        )?;
        Ok(Signed {
            register_record: records.first().map_or(0, |r| r.seq),
            statement,
            signature_file: name,
            set_aside,
            repaired: false,
        })
    }
}

/// Signs `file` (its `bytes`) for `signer` with `key` at `at`, against what `contents` holds
/// (a pack folder's or a bundle's): the request checked and the statement signed, nothing
/// written.
pub fn sign_as(
    contents: &crate::pack::PackContents,
    signer: &Signer,
    file: &str,
    bytes: &[u8],
    key: &SecretKey,
    at: Timestamp,
) -> Result<(Statement, Envelope), SignError> {
    let request = SignRequest {
        file,
        bytes,
        organisation: &signer.organisation,
        signatory: &signer.signatory,
        role: &signer.role,
        at,
    };
    sign_document(
        &request,
        &contents.manifest,
        &contents.data,
        &contents.keyring,
        key,
    )
}

/// Records a valid signature `held` under `name` that the register has no record of, and
/// returns it as signed (repaired); `None` when it is on record (or does not open).
fn record_held(
    pack: &Pack,
    contents: &crate::pack::PackContents,
    name: &str,
    held: &[u8],
    register: &crate::record::register::Register,
    at: Timestamp,
) -> Result<Option<Signed>, SigningError> {
    let Ok(verified) = crate::approval::signature::open(held, |id| {
        contents
            .keyring
            .get(&crate::approval::keys::KeyId::from_text(id))
            .map(|k| k.public)
    }) else {
        return Ok(None);
    };
    if register
        .signature(&verified.statement_sha256, verified.key_id.as_str())
        .is_some()
    {
        return Ok(None);
    }
    let p = &verified.statement.predicate;
    let Some(entry) = contents
        .manifest
        .documents
        .iter()
        .find(|d| d.id == p.document.id && d.version == p.document.version)
    else {
        return Ok(None);
    };
    let event = Event::SignatureRecorded {
        file: entry.file.clone(),
        id: entry.id.clone(),
        version: entry.version.clone(),
        sha256: entry.sha256.clone(),
        organisation: p.organisation.id.clone(),
        key_id: verified.key_id.to_string(),
        statement_sha256: verified.statement_sha256.clone(),
        signature_file: name.to_string(),
    };
    let records = pack.store_signatures(
        &[(name.to_string(), held.to_vec(), event)],
        at,
        contents.register_head.as_ref(),
    )?;
    Ok(Some(Signed {
        register_record: records.last().map_or(0, |r| r.seq),
        statement: verified.statement,
        signature_file: name.to_string(),
        set_aside: None,
        repaired: true,
    }))
}

/// A bundle read for signing by a signatory: its register and checkpoints proven, every
/// document verified, and the signer worked out from their key. Nothing is written into a
/// bundle: a signature made from one is a file the signatory sends back.
pub struct BundleForSigning<'c> {
    contents: &'c crate::pack::PackContents,
    reports: Vec<crate::verify::VerifyReport>,
    signer: Signer,
}

/// Why a bundle cannot be signed from.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BundleSigningError {
    /// The bundle's register, or a checkpoint, does not hold: nothing in it may be signed.
    #[error("the bundle's register cannot be trusted: {0}")]
    Untrusted(#[from] crate::record::register::RegisterError),
    /// The key, the signer or the document does not allow this signature.
    #[error(transparent)]
    Refused(#[from] SignError),
    /// No document of the bundle has that file name or id.
    #[error("the bundle holds no document called '{0}'")]
    NoSuchDocument(String),
    /// The manifest lists the document but the bundle does not carry it.
    #[error("the bundle lists {0} but does not hold it")]
    NotHeld(String),
}

/// A current document that awaits the signer's organisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwaitingDocument {
    /// Its file name.
    pub file: String,
    /// Its title.
    pub title: String,
    /// Its version, as verified.
    pub version: Option<String>,
}

/// What a signatory's organisation has still to sign in a bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Awaiting {
    /// The organisation's name.
    pub organisation_name: String,
    /// The current documents it is a party to and has not approved, in the manifest's order.
    pub documents: Vec<AwaitingDocument>,
    /// How many current documents it has approved (electronically or on paper).
    pub approved: usize,
}

/// What signing from a bundle gave.
#[derive(Debug, Clone)]
pub enum FromBundle {
    /// The signer's organisation already approved this exact document: nothing was signed.
    AlreadyApproved {
        /// The organisation's name.
        organisation_name: String,
        /// Who signed and when (none for an approval on paper).
        by: Option<crate::verify::SignedBy>,
    },
    /// Signed: the statement, its envelope and the file name to send it back under.
    Signed {
        /// The statement signed.
        statement: Box<Statement>,
        /// The envelope, as the file's bytes.
        bytes: Vec<u8>,
        /// The signature file's name.
        file_name: String,
    },
}

/// Reads `contents` (a bundle's) for the holder of the key `key_id` to sign: every document
/// verified (a register that does not hold refuses the whole bundle), the signer found from
/// the keyring and `choice`.
pub fn read_bundle_for_signing<'c>(
    contents: &'c crate::pack::PackContents,
    key_id: &crate::approval::keys::KeyId,
    choice: SignerChoice,
) -> Result<BundleForSigning<'c>, BundleSigningError> {
    let signer = resolve_signer(
        &contents.keyring,
        &contents.data,
        key_id,
        choice.organisation,
        choice.signatory,
        choice.role,
    )?;
    let reports = crate::verify::verify_pack(contents)?.reports;
    Ok(BundleForSigning {
        contents,
        reports,
        signer,
    })
}

impl BundleForSigning<'_> {
    /// Who signs.
    pub fn signer(&self) -> &Signer {
        &self.signer
    }

    fn organisation_name(&self) -> String {
        self.contents
            .data
            .organisation(&self.signer.organisation)
            .map_or_else(|| self.signer.organisation.clone(), |o| o.name.clone())
    }

    /// The current documents the signer's organisation is a party to and has not approved.
    pub fn awaiting(&self) -> Awaiting {
        let titles: std::collections::HashMap<&str, &str> = self
            .contents
            .manifest
            .documents
            .iter()
            .filter(|d| d.current)
            .map(|d| (d.file.as_str(), d.title.as_str()))
            .collect();
        let mut documents = Vec::new();
        let mut approved = 0;
        for r in &self.reports {
            let Some(title) = titles.get(r.file.as_str()) else {
                continue;
            };
            let Some(party) = r
                .parties
                .iter()
                .find(|p| p.organisation == self.signer.organisation)
            else {
                continue;
            };
            if matches!(party.status, Status::Signed | Status::SignedOnPaper) {
                approved += 1;
            } else {
                documents.push(AwaitingDocument {
                    file: r.file.clone(),
                    title: (*title).to_string(),
                    version: r.version.clone(),
                });
            }
        }
        Awaiting {
            organisation_name: self.organisation_name(),
            documents,
            approved,
        }
    }

    /// The document `wanted` names: its file name (with or without `out/`), else the id of a
    /// current document. Returns its file name and bytes.
    pub fn document(&self, wanted: &str) -> Result<(String, Vec<u8>), BundleSigningError> {
        let documents = &self.contents.manifest.documents;
        let name = wanted
            .strip_prefix(crate::pack::layout::OUT_DIR)
            .and_then(|rest| rest.strip_prefix('/'))
            .unwrap_or(wanted);
        let entry = documents
            .iter()
            .find(|d| d.file == name)
            .or_else(|| documents.iter().find(|d| d.current && d.id == name))
            .ok_or_else(|| BundleSigningError::NoSuchDocument(wanted.to_string()))?;
        let bytes = self
            .contents
            .document(&entry.file)
            .ok_or_else(|| BundleSigningError::NotHeld(entry.file.clone()))?;
        Ok((entry.file.clone(), bytes))
    }

    /// The file name the bundle gives a document with these exact bytes, if it holds one.
    pub fn file_of(&self, bytes: &[u8]) -> Option<String> {
        let digest = crate::digest::sha256_hex(bytes);
        self.contents
            .manifest
            .documents
            .iter()
            .find(|d| d.sha256 == digest)
            .map(|d| d.file.clone())
    }

    /// Signs `file` (its exact `bytes`) with `key` at `at`, unless the signer's organisation
    /// already approved that exact document; nothing written.
    pub fn sign(
        &self,
        file: &str,
        bytes: &[u8],
        key: &SecretKey,
        at: Timestamp,
    ) -> Result<FromBundle, BundleSigningError> {
        let done = self
            .reports
            .iter()
            .filter(|r| r.file == file && r.document == crate::verify::DocumentMatch::Exact)
            .flat_map(|r| &r.parties)
            .find(|p| {
                p.organisation == self.signer.organisation
                    && matches!(p.status, Status::Signed | Status::SignedOnPaper)
            });
        if let Some(done) = done {
            return Ok(FromBundle::AlreadyApproved {
                organisation_name: done.name.clone(),
                by: done.signed.clone(),
            });
        }
        let (statement, envelope) = sign_as(self.contents, &self.signer, file, bytes, key, at)?;
        Ok(FromBundle::Signed {
            statement: Box::new(statement),
            bytes: envelope_bytes(&envelope),
            file_name: signature_file_name(file, &self.signer.organisation),
        })
    }
}

/// Refuses to sign over a paper approval of the same document by the same organisation:
/// one approval per organisation per document, whichever came first. Signing reads no paper
/// records up front (a national pack need not): the one record that could stand in the way
/// is read here.
fn not_approved_on_paper(
    pack: &Pack,
    organisation: &str,
    file: &str,
    bytes: &[u8],
) -> Result<(), SigningError> {
    match crate::approval::paper::approved_on_paper(
        pack.paper_of(file, organisation)?.as_slice(),
        &crate::digest::sha256_hex(bytes),
        organisation,
    ) {
        Some(paper) => Err(SigningError::ApprovedOnPaper {
            organisation: organisation.to_string(),
            file: file.to_string(),
            signatory: paper.signatory,
            signed_on: paper.signed_on,
        }),
        None => Ok(()),
    }
}
