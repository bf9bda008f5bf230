//! The signed approval: an in-toto Statement v1 in a DSSE envelope, and the pure functions that
//! make and check it.
//!
//! What is signed is a small statement, not the raw document: the document's file name and
//! SHA-256 (the in-toto subject), and a predicate naming the pack, the document's id, kind and
//! version, the organisation, the signatory's name and role, the time of signing and the key id.
//! DSSE signs `PAE(payloadType, payload)` over the exact payload bytes, so no canonical JSON is
//! needed, and the payload type and predicate type keep these signatures apart from any other use
//! of the key. No printing, no files.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use crate::approval::keys::{KeyId, PublicKey, SecretKey};

/// The DSSE payload type: an in-toto statement.
pub const PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";
/// The in-toto statement type.
pub const STATEMENT_TYPE: &str = "https://in-toto.io/Statement/v1";
/// The predicate type of a countersign approval.
pub const PREDICATE_TYPE: &str = "https://countersign.dev/approval/v1";

/// The DSSE pre-authentication encoding: what the signature is over.
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "DSSEv1 {} {} {} ",
        payload_type.len(),
        payload_type,
        payload.len()
    )
    .into_bytes();
    out.extend_from_slice(payload);
    out
}

/// The document digests of an in-toto subject.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(expecting = "an object")]
pub struct SubjectDigest {
    /// SHA-256 of the document, lower-case hex.
    pub sha256: String,
}

/// An in-toto subject: the signed document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(expecting = "an object")]
pub struct Subject {
    /// The document's file name.
    pub name: String,
    /// Its digest.
    pub digest: SubjectDigest,
}

/// Which document was approved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(expecting = "an object")]
pub struct DocumentRef {
    /// The document's id.
    pub id: String,
    /// Its kind (`framework`, `protocol`, …).
    pub kind: String,
    /// Its version.
    pub version: String,
    /// Its title.
    pub title: String,
}

/// Which organisation approved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(expecting = "an object")]
pub struct OrganisationRef {
    /// The organisation's id.
    pub id: String,
    /// Its name.
    pub name: String,
}

/// Who signed for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(expecting = "an object")]
pub struct SignatoryRef {
    /// Full name.
    pub name: String,
    /// Role, e.g. "Chief Executive".
    pub role: String,
}

/// The approval predicate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(expecting = "an object")]
pub struct Approval {
    /// The pack's id.
    pub pack: String,
    /// The pack's (framework's) version.
    pub pack_version: String,
    /// The document.
    pub document: DocumentRef,
    /// The organisation.
    pub organisation: OrganisationRef,
    /// The signatory.
    pub signatory: SignatoryRef,
    /// When it was signed (UTC).
    pub signed_at: String,
    /// The signing key's id.
    pub key_id: KeyId,
}

/// An in-toto Statement v1 carrying an approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(expecting = "an object")]
pub struct Statement {
    /// Always [`STATEMENT_TYPE`].
    #[serde(rename = "_type")]
    pub statement_type: String,
    /// The signed document (exactly one).
    pub subject: Vec<Subject>,
    /// Always [`PREDICATE_TYPE`].
    #[serde(rename = "predicateType")]
    pub predicate_type: String,
    /// The approval.
    pub predicate: Approval,
}

impl Statement {
    /// A statement approving one document.
    pub fn new(file_name: &str, sha256: &str, approval: Approval) -> Statement {
        Statement {
            statement_type: STATEMENT_TYPE.to_string(),
            subject: vec![Subject {
                name: file_name.to_string(),
                digest: SubjectDigest {
                    sha256: sha256.to_string(),
                },
            }],
            predicate_type: PREDICATE_TYPE.to_string(),
            predicate: approval,
        }
    }
}

/// One signature of a DSSE envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(expecting = "an object")]
pub struct EnvelopeSignature {
    /// The key id (a hint: it is not covered by the signature; the statement's own key id is).
    pub keyid: String,
    /// The signature, base64.
    pub sig: String,
}

/// A DSSE envelope, as written to a signature file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(expecting = "an object")]
pub struct Envelope {
    /// The payload type.
    #[serde(rename = "payloadType")]
    pub payload_type: String,
    /// The statement's exact bytes, base64.
    pub payload: String,
    /// The signatures (countersign writes exactly one).
    pub signatures: Vec<EnvelopeSignature>,
}

/// Signs a statement: serialises it once and signs those exact bytes.
pub fn sign(statement: &Statement, key: &SecretKey) -> Envelope {
    let payload = serde_json::to_vec(statement).unwrap_or_default();
    let signature = key.sign(&pae(PAYLOAD_TYPE, &payload));
    Envelope {
        payload_type: PAYLOAD_TYPE.to_string(),
        payload: STANDARD.encode(&payload),
        signatures: vec![EnvelopeSignature {
            keyid: key.public().key_id().to_string(),
            sig: STANDARD.encode(signature),
        }],
    }
}

/// The envelope as the text of a signature file.
pub fn envelope_bytes(envelope: &Envelope) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(envelope).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// Why an envelope did not yield a verified statement.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EnvelopeError {
    /// The file is not a DSSE envelope.
    #[error("the signature file is malformed ({0})")]
    Malformed(String),
    /// The payload type is not the one countersign signs.
    #[error("the signature is for something else (payload type '{0}')")]
    WrongPayloadType(String),
    /// The envelope names a key the keyring does not hold.
    #[error("it was made with a key the keyring does not hold ({0})")]
    UnknownKey(String),
    /// The signature does not verify.
    #[error(
        "the signature is not valid: the signed statement was altered, or the signature was made with another key"
    )]
    BadSignature,
    /// The key the envelope names is no point of the curve (a keyring edited by hand): no
    /// signature can verify with it, so the reason names the key, not the statement.
    #[error(
        "the signature is not valid: the key it names ({0}) is not an Ed25519 public key, so nothing verifies with it; the coordinator revokes that key and adds the signatory's real public key"
    )]
    NotAKey(String),
    /// The verified payload is not an approval statement.
    #[error("the signed statement is malformed ({0})")]
    MalformedStatement(String),
}

impl EnvelopeError {
    /// The stable problem code (docs/SPEC.md, "Problem codes").
    pub fn code(&self) -> &'static str {
        match self {
            EnvelopeError::Malformed(_) => "signature-malformed",
            EnvelopeError::WrongPayloadType(_) => "payload-type-wrong",
            EnvelopeError::UnknownKey(_) => "key-unknown",
            EnvelopeError::BadSignature | EnvelopeError::NotAKey(_) => "signature-invalid",
            EnvelopeError::MalformedStatement(_) => "statement-malformed",
        }
    }
}

/// A statement whose signature verified, with the key that verified it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The statement, parsed from the verified bytes only.
    pub statement: Statement,
    /// The key that verified it.
    pub key_id: KeyId,
    /// SHA-256 of the verified payload: how the register indexes the signature.
    pub statement_sha256: String,
}

/// Checks an envelope: exact payload type, strict Ed25519 verification over the PAE with the
/// key `lookup` gives for the envelope's key id, then parses only the verified bytes (unknown
/// or duplicate fields refused).
pub fn open(
    bytes: &[u8],
    lookup: impl Fn(&str) -> Option<PublicKey>,
) -> Result<Verified, EnvelopeError> {
    let envelope: Envelope = crate::json::from_slice(bytes)
        .map_err(|e| EnvelopeError::Malformed(crate::json::reason(&e)))?;
    if envelope.payload_type != PAYLOAD_TYPE {
        return Err(EnvelopeError::WrongPayloadType(
            envelope
                .payload_type
                .chars()
                .filter(|c| !c.is_control())
                .take(80)
                .collect(),
        ));
    }
    let [signature] = envelope.signatures.as_slice() else {
        return Err(EnvelopeError::Malformed(format!(
            "it holds {} signatures instead of one",
            envelope.signatures.len()
        )));
    };
    let payload = STANDARD
        .decode(&envelope.payload)
        .map_err(|_| EnvelopeError::Malformed("the payload is not standard base64".into()))?;
    let sig = STANDARD
        .decode(&signature.sig)
        .map_err(|_| EnvelopeError::Malformed("the signature is not standard base64".into()))?;
    if sig.len() != 64 {
        return Err(EnvelopeError::Malformed(format!(
            "the signature has {} bytes instead of 64",
            sig.len()
        )));
    }
    let key = lookup(&signature.keyid).ok_or_else(|| {
        EnvelopeError::UnknownKey(
            signature
                .keyid
                .chars()
                .filter(|c| !c.is_control())
                .take(60)
                .collect(),
        )
    })?;
    if !key.verify_strict(&pae(PAYLOAD_TYPE, &payload), &sig) {
        // Decompressing again only on failure: a routine verification pays for one.
        return Err(if key.is_curve_point() {
            EnvelopeError::BadSignature
        } else {
            EnvelopeError::NotAKey(signature.keyid.clone())
        });
    }
    let statement: Statement = crate::json::from_slice(&payload)
        .map_err(|e| EnvelopeError::MalformedStatement(crate::json::reason(&e)))?;
    if statement.statement_type != STATEMENT_TYPE || statement.predicate_type != PREDICATE_TYPE {
        return Err(EnvelopeError::MalformedStatement(format!(
            "it is a '{}' statement, not a countersign approval",
            statement.predicate_type
        )));
    }
    if statement.subject.len() != 1 {
        return Err(EnvelopeError::MalformedStatement(format!(
            "it names {} documents instead of one",
            statement.subject.len()
        )));
    }
    Ok(Verified {
        statement,
        key_id: key.key_id(),
        statement_sha256: crate::digest::sha256_hex(&payload),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn approval(key: &SecretKey) -> Approval {
        Approval {
            pack: "riverside-isf".into(),
            pack_version: "1.0".into(),
            document: DocumentRef {
                id: "riverside-isf".into(),
                kind: "framework".into(),
                version: "1.0".into(),
                title: "Riverside".into(),
            },
            organisation: OrganisationRef {
                id: "riverside-council".into(),
                name: "Riverside Borough Council".into(),
            },
            signatory: SignatoryRef {
                name: "Margaret O'Brien".into(),
                role: "Chief Executive".into(),
            },
            signed_at: "2026-05-01T10:00:00Z".into(),
            key_id: key.public().key_id(),
        }
    }

    #[test]
    fn pae_matches_the_dsse_specification() {
        // The example from the DSSE protocol description.
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world"
        );
    }

    #[test]
    fn sign_then_open_and_tamper() {
        let key = SecretKey::from_seed(&[9; 32]);
        let statement = Statement::new("framework-v1.0.docx", &"ab".repeat(32), approval(&key));
        let envelope = sign(&statement, &key);
        let bytes = envelope_bytes(&envelope);
        let lookup = |id: &str| (id == key.public().key_id().as_str()).then(|| key.public());
        assert_eq!(open(&bytes, lookup).unwrap().statement, statement);

        let mut edited = envelope.clone();
        let payload = String::from_utf8(STANDARD.decode(&edited.payload).unwrap())
            .unwrap()
            .replace("riverside-council", "riverside-hospital");
        edited.payload = STANDARD.encode(payload);
        assert_eq!(
            open(&envelope_bytes(&edited), lookup),
            Err(EnvelopeError::BadSignature)
        );

        let mut other_type = envelope.clone();
        other_type.payload_type = "text/plain".into();
        assert!(matches!(
            open(&envelope_bytes(&other_type), lookup),
            Err(EnvelopeError::WrongPayloadType(_))
        ));

        assert!(matches!(
            open(&bytes[..bytes.len() / 2], lookup),
            Err(EnvelopeError::Malformed(_))
        ));
        assert!(matches!(
            open(&bytes, |_| None),
            Err(EnvelopeError::UnknownKey(_))
        ));
    }

    /// S + L is the same signature to a lax verifier; strict verification refuses it.
    #[test]
    fn a_malleated_signature_is_refused() {
        let key = SecretKey::from_seed(&[9; 32]);
        let envelope = sign(
            &Statement::new("a.docx", &"00".repeat(32), approval(&key)),
            &key,
        );
        let mut sig = STANDARD.decode(&envelope.signatures[0].sig).unwrap();
        add_group_order(&mut sig[32..]);
        let mut malleated = envelope.clone();
        malleated.signatures[0].sig = STANDARD.encode(&sig);
        let lookup = |_: &str| Some(key.public());
        assert_eq!(
            open(&envelope_bytes(&malleated), lookup),
            Err(EnvelopeError::BadSignature)
        );
    }

    /// Adds the group order L to a little-endian 256-bit scalar.
    pub(crate) fn add_group_order(s: &mut [u8]) {
        const L: [u8; 32] = [
            0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9,
            0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
        ];
        let mut carry = 0u16;
        for (b, l) in s.iter_mut().zip(L) {
            let sum = *b as u16 + l as u16 + carry;
            *b = sum as u8;
            carry = sum >> 8;
        }
    }
}
