//! Signed checkpoints of the register: a statement of its size and head hash, signed by the
//! coordinator or any party, so that anyone holding one can tell later whether the register was
//! rewritten before that point.
//!
//! Owns the checkpoint's statement and envelope, checking checkpoints against a register, and
//! signing one as an operation ([`sign`]: the signer checked against the pack, the statement
//! made). It never reads or writes files: the pack stores what it returns
//! ([`crate::pack::Pack::store_checkpoint`]).

use serde::{Deserialize, Serialize};

use crate::record::register::{CheckpointError, GENESIS, Register, RegisterError};
use crate::time::Timestamp;

/// The DSSE payload type of a checkpoint: distinct from approvals, so neither can pass for the other.
pub const CHECKPOINT_PAYLOAD_TYPE: &str = "application/vnd.countersign.register-checkpoint+json";

/// A signed statement of the register's size and head: anyone holding it can tell whether the
/// register was later rewritten before that point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(expecting = "an object")]
pub struct Checkpoint {
    /// The pack's id.
    pub pack: String,
    /// How many records the register had.
    #[serde(deserialize_with = "crate::json::whole")]
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
    format!(
        "{size:06}.{organisation}{}",
        crate::pack::layout::SIGNATURE_SUFFIX
    )
}

/// Signs a checkpoint as a DSSE envelope.
pub fn sign_checkpoint(checkpoint: &Checkpoint, key: &crate::approval::keys::SecretKey) -> Vec<u8> {
    use base64::Engine as _;
    let payload = serde_json::to_vec(checkpoint).unwrap_or_default();
    let signature = key.sign(&crate::approval::signature::pae(
        CHECKPOINT_PAYLOAD_TYPE,
        &payload,
    ));
    let envelope = crate::approval::signature::Envelope {
        payload_type: CHECKPOINT_PAYLOAD_TYPE.to_string(),
        payload: base64::engine::general_purpose::STANDARD.encode(&payload),
        signatures: vec![crate::approval::signature::EnvelopeSignature {
            keyid: key.public().key_id().to_string(),
            sig: base64::engine::general_purpose::STANDARD.encode(signature),
        }],
    };
    crate::approval::signature::envelope_bytes(&envelope)
}

/// Verifies a checkpoint envelope with the keyring and checks it against the register: the
/// signature, the key's owner, and that the register's line `size` still hashes to `head`.
/// A checkpoint of a prefix of the register (a signatory's copy before later records) holds.
pub fn check_checkpoint(
    bytes: &[u8],
    keyring: &crate::approval::keyring::Keyring,
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
    keyring: &crate::approval::keyring::Keyring,
) -> Result<Checkpoint, CheckpointError> {
    use base64::Engine as _;
    let envelope: crate::approval::signature::Envelope = crate::json::from_slice(bytes)
        .map_err(|e| CheckpointError::Malformed(crate::json::reason(&e)))?;
    if envelope.payload_type != CHECKPOINT_PAYLOAD_TYPE {
        return Err(CheckpointError::NotACheckpoint);
    }
    let [sig] = envelope.signatures.as_slice() else {
        return Err(CheckpointError::SignatureCount);
    };
    let payload = base64::engine::general_purpose::STANDARD
        .decode(&envelope.payload)
        .map_err(|_| CheckpointError::Malformed("its payload is not standard base64".into()))?;
    let raw = base64::engine::general_purpose::STANDARD
        .decode(&sig.sig)
        .map_err(|_| CheckpointError::Malformed("its signature is not standard base64".into()))?;
    let record = keyring
        .get(&crate::approval::keys::KeyId::from_text(&sig.keyid))
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
        &crate::approval::signature::pae(CHECKPOINT_PAYLOAD_TYPE, &payload),
        &raw,
    ) {
        return Err(CheckpointError::BadSignature);
    }
    let cp: Checkpoint = crate::json::from_slice(&payload).map_err(|e| {
        CheckpointError::Malformed(format!(
            "its statement is malformed ({})",
            crate::json::reason(&e)
        ))
    })?;
    if cp.key_id != record.key_id.as_str() || cp.organisation != record.organisation {
        return Err(CheckpointError::KeyMismatch {
            organisation: cp.organisation,
            key_id: cp.key_id,
            owner: record.organisation.clone(),
        });
    }
    // No time rule here: a checkpoint made before its signer's key was revoked keeps counting
    // (docs/SPEC.md C2), and the time it claims is the signer's clock, which decides nothing.
    Ok(cp)
}

/// Checks every checkpoint file of a pack against its register; the first that fails is
/// named. Returns the checkpoints that hold, in file order, leaving out those dated after
/// their key was compromised.
pub fn check_checkpoints(
    files: &[(String, Vec<u8>)],
    pack_id: &str,
    keyring: &crate::approval::keyring::Keyring,
    register: &Register,
) -> Result<Vec<Checkpoint>, RegisterError> {
    Ok(checked(files, pack_id, keyring, register)?
        .into_iter()
        .map(|(_, cp)| cp)
        .collect())
}

/// As [`check_checkpoints`], each with its file name.
fn checked(
    files: &[(String, Vec<u8>)],
    pack_id: &str,
    keyring: &crate::approval::keyring::Keyring,
    register: &Register,
) -> Result<Vec<(String, Checkpoint)>, RegisterError> {
    let mut held = Vec::with_capacity(files.len());
    for (name, bytes) in files {
        // A checkpoint dated after its key was compromised may be anyone's: it is not relied
        // on, for or against the register (docs/SPEC.md C2).
        if let Ok(cp) = open_checkpoint(bytes, keyring)
            && keyring
                .get(&crate::approval::keys::KeyId::from_text(&cp.key_id))
                .and_then(|k| k.compromised())
                .is_some_and(|r| cp.signed_at >= r.effective)
        {
            continue;
        }
        let checked = check_checkpoint(bytes, keyring, register).and_then(|cp| {
            if cp.pack == pack_id {
                Ok(cp)
            } else {
                Err(CheckpointError::OtherPack(cp.pack))
            }
        });
        match checked {
            Ok(cp) => held.push((name.clone(), cp)),
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

/// A checkpoint that holds, in words: who vouched for how much of the register and when, and
/// when their key has since been revoked, that it was (docs/SPEC.md C2).
pub fn describe(cp: &Checkpoint, keyring: &crate::approval::keyring::Keyring) -> String {
    let revoked = keyring
        .get(&crate::approval::keys::KeyId::from_text(&cp.key_id))
        .and_then(|k| k.revoked.as_ref())
        .map(|r| format!(", with a key since revoked ({})", r.reason.label()))
        .unwrap_or_default();
    format!(
        "{} vouched for the first {} records at {}{revoked}",
        cp.organisation, cp.size, cp.signed_at
    )
}

/// Checks every checkpoint a pack holds (a folder's or a bundle's) against its register.
pub fn check_pack(contents: &crate::pack::PackContents) -> Result<Vec<Checkpoint>, RegisterError> {
    check_checkpoints(
        &contents.checkpoints,
        &contents.manifest.pack,
        &contents.keyring,
        &contents.register,
    )
}

/// A checkpoint signed: the statement, the file name it is kept under and the envelope's bytes.
#[derive(Debug, Clone)]
pub struct SignedCheckpoint {
    /// What was signed.
    pub checkpoint: Checkpoint,
    /// Its file name in `register/checkpoints/`.
    pub file_name: String,
    /// The DSSE envelope.
    pub bytes: Vec<u8>,
}

/// Why a checkpoint was not signed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CheckpointSignError {
    /// The register, or a checkpoint already held, does not hold: nothing may be built on it.
    #[error("{0}")]
    Register(#[from] RegisterError),
    /// The key may not sign for the pack (not in its keyring, revoked, not a party's).
    #[error("cannot sign the checkpoint: {0}")]
    Signer(#[from] crate::approval::sign::SignError),
}

/// Signs a checkpoint of the register `contents` holds (a pack folder's or a bundle's) with
/// `key` at `at`: the register and its checkpoints checked first, then the signer resolved and
/// checked against the keyring as for a signature; nothing written.
pub fn sign(
    contents: &crate::pack::PackContents,
    key: &crate::approval::keys::SecretKey,
    choice: crate::approval::sign::SignerChoice<'_>,
    at: Timestamp,
) -> Result<SignedCheckpoint, CheckpointSignError> {
    check_pack(contents)?;
    let key_id = key.public().key_id();
    let signer = crate::approval::sign::resolve_signer(
        &contents.keyring,
        &contents.data,
        &key_id,
        choice.organisation,
        choice.signatory,
        choice.role,
    )?;
    crate::approval::sign::check_signer(
        &contents.keyring,
        &contents.data,
        &key_id,
        &signer.organisation,
        &signer.signatory,
        &signer.role,
        at,
    )?;
    let (size, head) = contents.register.head();
    let checkpoint = Checkpoint {
        pack: contents.manifest.pack.clone(),
        size,
        head,
        signed_at: at,
        organisation: signer.organisation,
        signatory: signer.signatory,
        role: signer.role,
        key_id: key_id.to_string(),
    };
    Ok(SignedCheckpoint {
        file_name: checkpoint_file_name(size, &checkpoint.organisation),
        bytes: sign_checkpoint(&checkpoint, key),
        checkpoint,
    })
}

/// A pack's register proven: its chain, and each checkpoint file with what it vouches for.
#[derive(Debug)]
pub struct RegisterCheck {
    /// The register, every record chained.
    pub register: Register,
    /// Each checkpoint file's name and its statement, every one of which holds.
    pub checkpoints: Vec<(String, Checkpoint)>,
    /// The keyring the checkpoints were checked with.
    pub keyring: crate::approval::keyring::Keyring,
}

/// Why a pack's register could not be proven.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegisterCheckError {
    /// A file could not be read (the keyring, the register or a checkpoint).
    #[error("{0}")]
    Load(#[from] crate::pack::LoadError),
    /// A checkpoint does not hold.
    #[error("{0}")]
    Register(#[from] RegisterError),
}

/// Proves a pack folder's register: the chain (read whole) and every checkpoint against it.
/// Needs no manifest: a pack not yet assembled is named by its framework's id.
pub fn verify_register(pack: &crate::pack::Pack) -> Result<RegisterCheck, RegisterCheckError> {
    let keyring = pack.keyring()?;
    let register = pack.register()?;
    let pack_id = pack
        .manifest()
        .map(|m| m.pack)
        .or_else(|_| pack.data().map(|d| d.framework.id))
        .unwrap_or_default();
    let files = pack.checkpoints()?;
    let checkpoints = checked(&files, &pack_id, &keyring, &register)?;
    Ok(RegisterCheck {
        register,
        checkpoints,
        keyring,
    })
}
