//! Countersigning an assembled document: the checks before a signature is made, and the
//! signature file's place in the pack.
//!
//! Refuses a document that is not the assembled one, an organisation that is not a party, and a
//! key the keyring does not hold for that organisation, signatory and role at that time. Pure
//! over its inputs; the CLI reads and writes the files.

use crate::approval::keyring::{KeyRecord, Keyring};
use crate::approval::keys::KeyId;
use crate::approval::keys::SecretKey;
use crate::approval::signature::{
    self, Approval, DocumentRef, Envelope, OrganisationRef, SignatoryRef, Statement,
};
use crate::digest::sha256_hex;
use crate::document::manifest::{Manifest, ManifestEntry};
use crate::document::validate::PackData;
use crate::pack::layout::SIGNATURE_SUFFIX;
use crate::time::Timestamp;

/// The signature file of `organisation` for the document `file`:
/// `framework-v2.7.cambs-cc.dsse.json`.
pub fn signature_file_name(file: &str, organisation: &str) -> String {
    format!(
        "{}.{organisation}{SIGNATURE_SUFFIX}",
        file.trim_end_matches(".docx")
    )
}

/// Why a document could not be signed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SignError {
    /// No document of that name was assembled.
    #[error("'{0}' is not a document of this pack's manifest")]
    NotInManifest(String),
    /// The bytes differ from what was assembled.
    #[error(
        "'{file}' is not the assembled document: its SHA-256 is {actual}, the manifest says {expected}"
    )]
    DiffersFromManifest {
        /// The file.
        file: String,
        /// The manifest's digest.
        expected: String,
        /// The file's digest.
        actual: String,
    },
    /// The document is an earlier version.
    #[error("'{file}' is an earlier version, superseded{newer}; sign the current version")]
    Superseded {
        /// The file.
        file: String,
        /// The newer document, in words.
        newer: String,
    },
    /// The organisation is unknown.
    #[error("'{0}' is not an organisation of this pack")]
    UnknownOrganisation(String),
    /// The organisation does not sign this document.
    #[error("{name} ('{id}') is not a party to {file}; its parties are: {parties}")]
    NotAParty {
        /// The organisation id.
        id: String,
        /// Its name.
        name: String,
        /// The document.
        file: String,
        /// The parties' ids.
        parties: String,
    },
    /// The key is not in the keyring.
    #[error("the key {0} is not in the pack's keyring")]
    KeyNotInKeyring(String),
    /// The key belongs to someone else.
    #[error("the key {key_id} belongs to {owner} in the keyring, not to {organisation}")]
    KeyOfAnotherOrganisation {
        /// The key id.
        key_id: String,
        /// The organisation it belongs to.
        owner: String,
        /// The organisation asked for.
        organisation: String,
    },
    /// The key is held by another signatory.
    #[error("the key {key_id} is held by {holder} in the keyring, not by {signatory}")]
    KeyOfAnotherSignatory {
        /// The key id.
        key_id: String,
        /// Its holder.
        holder: String,
        /// The signatory asked for.
        signatory: String,
    },
    /// The role is not one the key may sign as.
    #[error("the key {key_id} may sign only as {roles}, not as {role}")]
    RoleNotAllowed {
        /// The key id.
        key_id: String,
        /// The role asked for.
        role: String,
        /// The roles allowed.
        roles: String,
    },
    /// The key may sign in several roles and none was named.
    #[error("the key {key_id} may sign as {roles}: say which")]
    RoleNotChosen {
        /// The key id.
        key_id: String,
        /// The roles allowed.
        roles: String,
    },
    /// The key is revoked or not yet valid.
    #[error("the key {key_id} cannot sign now: {reason}")]
    KeyNotValid {
        /// The key id.
        key_id: String,
        /// Why.
        reason: crate::approval::keyring::KeyNotValid,
    },
}

/// What to sign, and as whom.
#[derive(Debug, Clone)]
pub struct SignRequest<'a> {
    /// The document's file name.
    pub file: &'a str,
    /// The document's bytes.
    pub bytes: &'a [u8],
    /// The organisation's id.
    pub organisation: &'a str,
    /// The signatory's name.
    pub signatory: &'a str,
    /// The signatory's role.
    pub role: &'a str,
    /// The time of signing (UTC, `YYYY-MM-DDTHH:MM:SSZ`).
    pub at: Timestamp,
}

/// Who signs: the organisation, the signatory's name and the role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signer {
    /// The organisation's id.
    pub organisation: String,
    /// The signatory's name.
    pub signatory: String,
    /// The role.
    pub role: String,
}

/// Who signs, as far as the signatory says: what is left out comes from the keyring's entry
/// for the key (see [`resolve_signer`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct SignerChoice<'a> {
    /// The organisation's id.
    pub organisation: Option<&'a str>,
    /// The signatory's name.
    pub signatory: Option<&'a str>,
    /// The role signed in.
    pub role: Option<&'a str>,
}

/// Works out who signs with `key_id` from the keyring's entry for it, so a signatory needs
/// little more than their key: what is given must agree with the keyring (checked by
/// [`check_signer`]); what is left out comes from the entry. The role comes from the entry's one
/// role, or, when the key may sign in any role, from the organisation's named signatory's
/// position; a key with several roles needs the role named.
pub fn resolve_signer(
    keyring: &Keyring,
    data: &PackData,
    key_id: &KeyId,
    organisation: Option<&str>,
    signatory: Option<&str>,
    role: Option<&str>,
) -> Result<Signer, SignError> {
    let record = keyring
        .get(key_id)
        .ok_or_else(|| SignError::KeyNotInKeyring(key_id.to_string()))?;
    let organisation = organisation.unwrap_or(&record.organisation).to_string();
    let signatory = signatory.unwrap_or(&record.signatory).to_string();
    let role = match (role, record.roles.as_slice()) {
        (Some(r), _) => r.to_string(),
        (None, [one]) => one.clone(),
        (None, []) => data
            .organisation(&organisation)
            .map(|o| o.signatory.position.clone())
            .ok_or_else(|| SignError::UnknownOrganisation(organisation.clone()))?,
        (None, several) => {
            return Err(SignError::RoleNotChosen {
                key_id: key_id.to_string(),
                roles: several.join(" or "),
            });
        }
    };
    Ok(Signer {
        organisation,
        signatory,
        role,
    })
}

/// Checks that the keyring holds `key_id` for this organisation, held by this signatory, for
/// this role, and valid at `at`. Every signature countersign makes (approvals and register
/// checkpoints) passes through here.
pub fn check_signer<'k>(
    keyring: &'k Keyring,
    data: &PackData,
    key_id: &KeyId,
    organisation: &str,
    signatory: &str,
    role: &str,
    at: Timestamp,
) -> Result<&'k KeyRecord, SignError> {
    let record = check_holder(keyring, data, key_id, organisation, signatory, role)?;
    record
        .valid_at(at)
        .map_err(|reason| SignError::KeyNotValid {
            key_id: key_id.to_string(),
            reason,
        })?;
    Ok(record)
}

/// Checks that the keyring holds `key_id` for this organisation, held by this signatory, for
/// this role, whenever it was used: what a returned signature is checked for before the
/// register's order judges its time (docs/SPEC.md S4, S6).
pub fn check_holder<'k>(
    keyring: &'k Keyring,
    data: &PackData,
    key_id: &KeyId,
    organisation: &str,
    signatory: &str,
    role: &str,
) -> Result<&'k KeyRecord, SignError> {
    let org_name = |id: &str| {
        data.organisation(id)
            .map_or_else(|| id.to_string(), |o| o.name.clone())
    };
    let record = keyring
        .get(key_id)
        .ok_or_else(|| SignError::KeyNotInKeyring(key_id.to_string()))?;
    if record.organisation != organisation {
        return Err(SignError::KeyOfAnotherOrganisation {
            key_id: key_id.to_string(),
            owner: org_name(&record.organisation),
            organisation: org_name(organisation),
        });
    }
    if record.signatory != signatory {
        return Err(SignError::KeyOfAnotherSignatory {
            key_id: key_id.to_string(),
            holder: record.signatory.clone(),
            signatory: signatory.to_string(),
        });
    }
    if !record.roles.is_empty() && !record.roles.iter().any(|r| r == role) {
        return Err(SignError::RoleNotAllowed {
            key_id: key_id.to_string(),
            role: role.to_string(),
            roles: record.roles.join(", "),
        });
    }
    Ok(record)
}

/// Checks the request against the manifest, the pack and the keyring, then signs.
pub fn sign_document(
    request: &SignRequest<'_>,
    manifest: &Manifest,
    data: &PackData,
    keyring: &Keyring,
    key: &SecretKey,
) -> Result<(Statement, Envelope), SignError> {
    let entry: &ManifestEntry = manifest
        .documents
        .iter()
        .find(|d| d.file == request.file)
        .ok_or_else(|| SignError::NotInManifest(request.file.to_string()))?;
    if !entry.current {
        let newer = manifest
            .documents
            .iter()
            .find(|d| d.current && d.id == entry.id)
            .map_or_else(String::new, |d| {
                format!(" by {} (version {})", d.file, d.version)
            });
        return Err(SignError::Superseded {
            file: entry.file.clone(),
            newer,
        });
    }
    let actual = sha256_hex(request.bytes);
    if actual != entry.sha256 {
        return Err(SignError::DiffersFromManifest {
            file: request.file.to_string(),
            expected: entry.sha256.clone(),
            actual,
        });
    }
    let org = data
        .organisation(request.organisation)
        .ok_or_else(|| SignError::UnknownOrganisation(request.organisation.to_string()))?;
    if !entry.parties.iter().any(|p| p == request.organisation) {
        return Err(SignError::NotAParty {
            id: org.id.clone(),
            name: org.name.clone(),
            file: entry.file.clone(),
            parties: entry.parties.join(", "),
        });
    }
    let key_id = key.public().key_id();
    check_signer(
        keyring,
        data,
        &key_id,
        &org.id,
        request.signatory,
        request.role,
        request.at,
    )?;
    let kind = entry.kind.as_str().to_string();
    let statement = Statement::new(
        &entry.file,
        &entry.sha256,
        Approval {
            pack: manifest.pack.clone(),
            pack_version: manifest.pack_version.clone(),
            document: DocumentRef {
                id: entry.id.clone(),
                kind,
                version: entry.version.clone(),
                title: entry.title.clone(),
            },
            organisation: OrganisationRef {
                id: org.id.clone(),
                name: org.name.clone(),
            },
            signatory: SignatoryRef {
                name: request.signatory.to_string(),
                role: request.role.to_string(),
            },
            signed_at: request.at.to_string(),
            key_id,
        },
    );
    let envelope = signature::sign(&statement, key);
    Ok((statement, envelope))
}
