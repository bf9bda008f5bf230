//! Recording an approval signed on paper as one operation: the document and organisation
//! checked (the current version, a party to it, not already approved), the scan kept with its
//! SHA-256, and the record written and entered in the register.
//!
//! Owns the order of those steps; what a paper record holds is [`crate::approval::paper`]'s, where it
//! goes is [`crate::pack`]'s, and whether an organisation has approved is [`crate::verify`]'s.
//! The caller gives the scan's bytes and the time, and tells people what happened.

use crate::approval::paper::{MAX_SCAN_BYTES, PAPER_FORMAT, PaperRecord, scan_name};
use crate::pack::{LoadError, Pack, StoreError};
use crate::time::Timestamp;
use crate::verify::{Status, verify_pack};

/// An approval signed on paper, as the coordinator records it.
#[derive(Debug, Clone, Copy)]
pub struct PaperApproval<'a> {
    /// The document: its file name, or the id of its current version.
    pub document: &'a str,
    /// The organisation's id.
    pub organisation: &'a str,
    /// Who signed the sheet.
    pub signatory: &'a str,
    /// In what role.
    pub role: &'a str,
    /// The date written on the sheet.
    pub signed_on: Timestamp,
    /// The scan of the signed sheet.
    pub scan: &'a [u8],
    /// The scan's file name extension (`pdf`), kept on the name it is stored under.
    pub scan_extension: &'a str,
}

/// An approval recorded.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// The record written (in the pack's `paper/`).
    pub record: PaperRecord,
    /// The organisation's name.
    pub organisation_name: String,
    /// The register record of it.
    pub register_record: u64,
}

/// Why nothing was recorded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PaperError {
    /// The pack could not be read.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// No document of the pack has that file name, nor a current version that id.
    #[error("the pack has no document '{0}'")]
    NoSuchDocument(String),
    /// The document is an earlier version.
    #[error(
        "{0} is an earlier version; a paper signature is recorded for the current version only"
    )]
    EarlierVersion(String),
    /// The organisation is not the pack's.
    #[error("'{0}' is not an organisation of the pack")]
    UnknownOrganisation(String),
    /// The organisation is not a party to the document.
    #[error("{organisation} is not a party to {file}")]
    NotAParty {
        /// The organisation's name.
        organisation: String,
        /// The document.
        file: String,
    },
    /// The sheet gives no signatory's name, or no role.
    #[error("the sheet's {0} is empty: a paper approval names who signed and in what role")]
    Unnamed(&'static str),
    /// The date on the sheet is after the day it is recorded.
    #[error("the date on the sheet ({0}) is after today")]
    DatedLater(String),
    /// The date on the sheet is before the document was assembled (by more than a day, for
    /// time zones): the sheet cannot have been signed for this version.
    #[error(
        "the date on the sheet ({signed_on}) is before {file} was assembled ({assembled}): a sheet cannot approve a document that did not exist yet; check the date on the sheet, and that it is the sheet of this version"
    )]
    DatedBeforeAssembly {
        /// The date on the sheet.
        signed_on: String,
        /// The document.
        file: String,
        /// The day it was assembled.
        assembled: String,
    },
    /// The register's checkpoints do not hold.
    #[error("the pack's register cannot be trusted: {0}")]
    Register(crate::record::register::RegisterError),
    /// The organisation has approved the document already.
    #[error("{organisation} has already approved {file} ({how}); nothing was recorded")]
    AlreadyApproved {
        /// The organisation's name.
        organisation: String,
        /// The document.
        file: String,
        /// `electronically` or `on paper`.
        how: &'static str,
    },
    /// The scan is a secret key given by mistake: never kept, and to be treated as exposed.
    #[error("the file given as the scan is a SECRET KEY, not a scan; nothing was recorded")]
    ScanIsSecretKey,
    /// The scan is empty or too large.
    #[error("the scan is {0} bytes; a scan must hold something and be at most {max} MB", max = MAX_SCAN_BYTES / (1024 * 1024))]
    ScanSize(usize),
    /// The record or scan could not be written or entered in the register.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Records `approval` in `pack` on the day `today`.
pub fn record(
    pack: &Pack,
    approval: PaperApproval,
    today: Timestamp,
) -> Result<Recorded, PaperError> {
    if crate::approval::keys::looks_like_secret_key(approval.scan) {
        return Err(PaperError::ScanIsSecretKey);
    }
    for (what, given) in [("signatory", approval.signatory), ("role", approval.role)] {
        if given.trim().is_empty() {
            return Err(PaperError::Unnamed(what));
        }
    }
    let contents = pack.contents()?;
    let documents = &contents.manifest.documents;
    let entry = documents
        .iter()
        .find(|d| d.file == approval.document)
        .or_else(|| {
            documents
                .iter()
                .find(|d| d.current && d.id == approval.document)
        })
        .ok_or_else(|| PaperError::NoSuchDocument(approval.document.to_string()))?;
    if !entry.current {
        return Err(PaperError::EarlierVersion(entry.file.clone()));
    }
    let org = contents
        .data
        .organisation(approval.organisation)
        .ok_or_else(|| PaperError::UnknownOrganisation(approval.organisation.to_string()))?;
    if !entry.parties.contains(&org.id) {
        return Err(PaperError::NotAParty {
            organisation: org.name.clone(),
            file: entry.file.clone(),
        });
    }
    if approval.signed_on.days() > today.days() {
        return Err(PaperError::DatedLater(approval.signed_on.date()));
    }
    if let Some(assembled) = contents.register.assembled(&entry.sha256)
        && approval.signed_on.days() + 1 < assembled.at.days()
    {
        return Err(PaperError::DatedBeforeAssembly {
            signed_on: crate::time::long_date(&approval.signed_on.date()),
            file: entry.file.clone(),
            assembled: crate::time::long_date(&assembled.at.date()),
        });
    }
    let verification = verify_pack(&contents).map_err(PaperError::Register)?;
    if let Some(done) = verification
        .reports
        .iter()
        .filter(|r| r.file == entry.file)
        .flat_map(|r| &r.parties)
        .find(|p| {
            p.organisation == org.id && matches!(p.status, Status::Signed | Status::SignedOnPaper)
        })
    {
        return Err(PaperError::AlreadyApproved {
            organisation: org.name.clone(),
            file: entry.file.clone(),
            how: if done.status == Status::Signed {
                "electronically"
            } else {
                "on paper"
            },
        });
    }
    if approval.scan.is_empty() || approval.scan.len() as u64 > MAX_SCAN_BYTES {
        return Err(PaperError::ScanSize(approval.scan.len()));
    }
    let record = PaperRecord {
        format: PAPER_FORMAT.into(),
        file: entry.file.clone(),
        id: entry.id.clone(),
        version: entry.version.clone(),
        sha256: entry.sha256.clone(),
        organisation: org.id.clone(),
        signatory: approval.signatory.to_string(),
        role: approval.role.to_string(),
        signed_on: approval.signed_on.date(),
        scan: scan_name(&entry.file, &org.id, approval.scan_extension),
        scan_sha256: crate::digest::sha256_hex(approval.scan),
        recorded_at: today,
    };
    pack.clear_stale_temporaries(today);
    let records = pack.store_paper(&record, approval.scan, today)?;
    Ok(Recorded {
        organisation_name: org.name.clone(),
        register_record: records.first().map_or(0, |r| r.seq),
        record,
    })
}
