//! Ed25519 keys: generation, key ids, and the standard file forms.
//!
//! Secret keys are encrypted PKCS#8 PEM (scrypt and AES-256-CBC, which OpenSSL opens), or plain
//! PKCS#8 v1 PEM when the caller asks for no passphrase. Public keys are written as an OpenSSH
//! line (`ssh-ed25519 AAAA… comment`) and as SPKI PEM; the key id is the OpenSSH `SHA256:`
//! fingerprint, so `ssh-keygen -lf` prints the same id. Secrets live only in types that zeroize
//! on drop and never print. This module never chooses paths and never prints.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, KeypairBytes};
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// Why a key could not be made, read or used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// The secret key is encrypted and no passphrase was given.
    #[error("the secret key is encrypted and needs its passphrase")]
    NeedsPassphrase,
    /// Decryption failed.
    #[error("the passphrase is wrong (or the key file is damaged)")]
    WrongPassphrase,
    /// The text is not a key in a form we read.
    #[error("it is not an Ed25519 key in a form countersign reads ({0})")]
    Malformed(String),
    /// The public key is a weak (small-order) point that would let signatures be forged.
    #[error("it is a weak Ed25519 key (a small-order point) that cannot be trusted")]
    Weak,
    /// The system's random number generator failed.
    #[error("the system's random number generator failed ({0})")]
    Random(String),
}

/// A key id: the OpenSSH `SHA256:` fingerprint of the public key.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
#[serde(transparent)]
pub struct KeyId(String);

impl KeyId {
    /// A key id as written somewhere (compared, never trusted).
    pub fn from_text(text: &str) -> KeyId {
        KeyId(text.to_string())
    }

    /// The id as text, e.g. `SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s`.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl KeyId {
    #[cfg(test)]
    pub(crate) fn default_for_tests() -> KeyId {
        KeyId("SHA256:none".into())
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A public key: 32 bytes that are never a weak (small-order) point. Whether they are a point
/// on the curve at all is checked when a key comes from outside ([`PublicKey::from_bytes`],
/// [`PublicKey::parse`]) and again by every verification; replaying a keyring checks only the
/// weak encodings ([`PublicKey::parse_recorded`]), so that a thousand keys cost a hash each, not
/// a curve-point decompression each. A recorded key that is no point verifies nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublicKey([u8; 32]);

const SSH_TYPE: &str = "ssh-ed25519";

/// Every 32-byte encoding that decodes to a point of small order (the eight torsion points,
/// both signs, and the non-canonical forms of 0 and 1): the keys `is_weak` refuses, found
/// without decompressing. The verification page holds the same list (src/verify/page.rs checks it).
pub const SMALL_ORDER_ENCODINGS: [&str; 14] = [
    "0000000000000000000000000000000000000000000000000000000000000000",
    "0000000000000000000000000000000000000000000000000000000000000080",
    "0100000000000000000000000000000000000000000000000000000000000000",
    "0100000000000000000000000000000000000000000000000000000000000080",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
];

fn is_small_order_encoding(bytes: &[u8; 32]) -> bool {
    // Compared as hex digits on the stack: a keyring's replay asks once per key.
    let digits = crate::digest::hex_digits(bytes);
    SMALL_ORDER_ENCODINGS
        .iter()
        .any(|weak| weak.as_bytes() == digits)
}

impl PublicKey {
    /// From the 32 raw bytes, refusing what is not a point on the curve and weak keys.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<PublicKey, KeyError> {
        let key = VerifyingKey::from_bytes(bytes)
            .map_err(|_| KeyError::Malformed("not a point on the curve".into()))?;
        if key.is_weak() {
            return Err(KeyError::Weak);
        }
        Ok(PublicKey(*bytes))
    }

    /// Reads an OpenSSH public key line or SPKI PEM, refusing what is not a point on the curve
    /// and weak keys: for a key that comes from outside.
    pub fn parse(text: &str) -> Result<PublicKey, KeyError> {
        let text = text.trim();
        if text.starts_with("-----BEGIN PUBLIC KEY-----") {
            let key = VerifyingKey::from_public_key_pem(text)
                .map_err(|e| KeyError::Malformed(e.to_string()))?;
            return PublicKey::from_bytes(key.as_bytes());
        }
        PublicKey::from_bytes(&openssh_key_bytes(text)?)
    }

    /// Reads a key as a keyring recorded it (OpenSSH line or SPKI PEM), refusing weak keys by
    /// their encodings without decompressing the point (see the type's documentation).
    pub fn parse_recorded(text: &str) -> Result<PublicKey, KeyError> {
        let text = text.trim();
        let bytes = if text.starts_with("-----BEGIN PUBLIC KEY-----") {
            spki_pem_bytes(text)
                .ok_or_else(|| KeyError::Malformed("the PEM is not an Ed25519 public key".into()))?
        } else {
            openssh_key_bytes(text)?
        };
        if is_small_order_encoding(&bytes) {
            return Err(KeyError::Weak);
        }
        Ok(PublicKey(bytes))
    }

    /// The raw 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    fn wire(&self) -> [u8; WIRE_LEN] {
        // Two SSH strings: the key type, then the 32 key bytes, each after its length.
        let mut wire = [0; WIRE_LEN];
        let (kind, key) = wire.split_at_mut(4 + SSH_TYPE.len());
        kind[..4].copy_from_slice(&(SSH_TYPE.len() as u32).to_be_bytes());
        kind[4..].copy_from_slice(SSH_TYPE.as_bytes());
        key[..4].copy_from_slice(&32u32.to_be_bytes());
        key[4..].copy_from_slice(&self.0);
        wire
    }

    /// The key id: `SHA256:` and the unpadded base64 SHA-256 of the SSH wire encoding.
    pub fn key_id(&self) -> KeyId {
        KeyId(format!(
            "SHA256:{}",
            STANDARD_NO_PAD.encode(Sha256::digest(self.wire()))
        ))
    }

    /// The OpenSSH public key line.
    pub fn to_openssh(&self, comment: &str) -> String {
        let comment: String = comment.chars().filter(|c| !c.is_control()).collect();
        format!("{SSH_TYPE} {} {comment}", STANDARD.encode(self.wire()))
            .trim_end()
            .to_string()
    }

    /// SPKI PEM (`-----BEGIN PUBLIC KEY-----`), which OpenSSL reads.
    pub fn to_pem(&self) -> String {
        // SubjectPublicKeyInfo for Ed25519 (RFC 8410): a fixed prefix, then the key; one line
        // of base64, as the pkcs8 crate writes it (a test holds the two equal).
        let mut der = SPKI_PREFIX.to_vec();
        der.extend_from_slice(&self.0);
        format!(
            "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
            STANDARD.encode(der)
        )
    }

    /// Whether the 32 bytes are a point of the curve: false for a recorded key that was
    /// edited by hand (it verifies nothing). One decompression: for listing, not for replaying.
    pub fn is_curve_point(&self) -> bool {
        VerifyingKey::from_bytes(&self.0).is_ok()
    }

    /// Strict verification: rejects non-canonical signatures and weak keys.
    pub fn verify_strict(&self, message: &[u8], signature: &[u8]) -> bool {
        let Ok(bytes) = <[u8; 64]>::try_from(signature) else {
            return false;
        };
        // A recorded key is decompressed here; bytes that are no point verify nothing.
        let Ok(key) = VerifyingKey::from_bytes(&self.0) else {
            return false;
        };
        key.verify_strict(message, &Signature::from_bytes(&bytes))
            .is_ok()
    }
}

/// SubjectPublicKeyInfo for Ed25519 (RFC 8410): a fixed 12-byte prefix, then the key.
const SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

/// The key bytes of an OpenSSH line (`ssh-ed25519 AAAA… comment`), the point not checked.
fn openssh_key_bytes(text: &str) -> Result<[u8; 32], KeyError> {
    let mut parts = text.split_whitespace();
    let (Some(kind), Some(blob)) = (parts.next(), parts.next()) else {
        return Err(KeyError::Malformed(
            "expected an OpenSSH line 'ssh-ed25519 AAAA…' or a PEM public key".into(),
        ));
    };
    if kind != SSH_TYPE {
        return Err(KeyError::Malformed(format!(
            "the key type is '{kind}', not ssh-ed25519"
        )));
    }
    let wire = STANDARD
        .decode(blob)
        .map_err(|e| KeyError::Malformed(format!("bad base64 ({e})")))?;
    let expected_prefix = ssh_string(SSH_TYPE.as_bytes());
    wire.strip_prefix(expected_prefix.as_slice())
        .and_then(|rest| rest.strip_prefix(&32u32.to_be_bytes()[..]))
        .and_then(|k| <[u8; 32]>::try_from(k).ok())
        .ok_or_else(|| KeyError::Malformed("the OpenSSH key blob is not an Ed25519 key".into()))
}

/// The raw 32 key bytes of an Ed25519 SPKI PEM (`-----BEGIN PUBLIC KEY-----`), read without
/// decompressing the point; `None` if it is not exactly that.
pub fn spki_pem_bytes(text: &str) -> Option<[u8; 32]> {
    let body: String = text
        .trim()
        .strip_prefix("-----BEGIN PUBLIC KEY-----")?
        .strip_suffix("-----END PUBLIC KEY-----")?
        .split_whitespace()
        .collect();
    let der = STANDARD.decode(body).ok()?;
    let key = der.strip_prefix(&SPKI_PREFIX[..])?;
    <[u8; 32]>::try_from(key).ok()
}

/// The comment `countersign keygen` writes on a public key's OpenSSH line: the organisation and
/// when the key was created (`riverside-council created=2026-11-23T12:00:00Z`), so that the
/// coordinator who adds the key can count it from then, not from when they added it.
pub fn openssh_comment(organisation: &str, created: crate::time::Timestamp) -> String {
    format!("{organisation} created={created}")
}

/// When a key was created, from the comment of its OpenSSH line, if it says.
///
/// A `created=` that is not a time is an error (its text, cleaned, for the message): a key
/// file altered by hand should not be counted from a time nobody can read.
pub fn created_at(public_key_text: &str) -> Result<Option<crate::time::Timestamp>, String> {
    let Some(claim) = public_key_text
        .split_whitespace()
        .find_map(|word| word.strip_prefix("created="))
    else {
        return Ok(None);
    };
    crate::time::Timestamp::parse_exact(claim)
        .map(Some)
        .ok_or_else(|| claim.chars().filter(|c| !c.is_control()).take(40).collect())
}

/// The length of an Ed25519 public key's SSH wire encoding.
const WIRE_LEN: usize = 4 + SSH_TYPE.len() + 4 + 32;

fn ssh_string(bytes: &[u8]) -> Vec<u8> {
    let mut out = (bytes.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(bytes);
    out
}

/// A secret signing key. Zeroized on drop; its `Debug` shows only the key id.
pub struct SecretKey(SigningKey);

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey({})", self.public().key_id())
    }
}

impl SecretKey {
    /// Generates a new key from the operating system's random number generator.
    pub fn generate() -> Result<SecretKey, KeyError> {
        let mut seed = Zeroizing::new([0u8; 32]);
        getrandom::fill(seed.as_mut()).map_err(|e| KeyError::Random(e.to_string()))?;
        Ok(SecretKey(SigningKey::from_bytes(&seed)))
    }

    /// From a 32-byte seed (for test vectors).
    pub fn from_seed(seed: &[u8; 32]) -> SecretKey {
        SecretKey(SigningKey::from_bytes(seed))
    }

    /// The public half.
    pub fn public(&self) -> PublicKey {
        PublicKey(self.0.verifying_key().to_bytes())
    }

    /// Signs `message` (Ed25519 is deterministic: the same message gives the same signature).
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.0.sign(message).to_bytes()
    }

    fn keypair_bytes(&self) -> KeypairBytes {
        // Without the public key: OpenSSL 3.0 refuses PKCS#8 v2.
        KeypairBytes {
            secret_key: self.0.to_bytes(),
            public_key: None,
        }
    }

    /// Encrypted PKCS#8 PEM (`-----BEGIN ENCRYPTED PRIVATE KEY-----`), scrypt + AES-256-CBC.
    pub fn to_encrypted_pem(&self, passphrase: &[u8]) -> Result<Zeroizing<String>, KeyError> {
        self.keypair_bytes()
            .to_pkcs8_encrypted_pem(passphrase, LineEnding::LF)
            .map_err(|e| KeyError::Random(e.to_string()))
    }

    /// Unencrypted PKCS#8 v1 PEM (`-----BEGIN PRIVATE KEY-----`).
    pub fn to_pem(&self) -> Result<Zeroizing<String>, KeyError> {
        self.keypair_bytes()
            .to_pkcs8_pem(LineEnding::LF)
            .map_err(|e| KeyError::Malformed(e.to_string()))
    }

    /// Reads a secret key file's text; `passphrase` is needed when it is encrypted.
    pub fn from_pem(text: &str, passphrase: Option<&[u8]>) -> Result<SecretKey, KeyError> {
        let text = text.trim();
        let keypair = if text.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----") {
            let passphrase = passphrase.ok_or(KeyError::NeedsPassphrase)?;
            KeypairBytes::from_pkcs8_encrypted_pem(text, passphrase).map_err(|e| match e {
                ed25519_dalek::pkcs8::Error::EncryptedPrivateKey(_) => KeyError::WrongPassphrase,
                // A wrong passphrase usually decrypts to bytes that are not valid DER.
                ed25519_dalek::pkcs8::Error::Asn1(_) => KeyError::WrongPassphrase,
                other => KeyError::Malformed(other.to_string()),
            })?
        } else if text.starts_with("-----BEGIN PRIVATE KEY-----") {
            KeypairBytes::from_pkcs8_pem(text).map_err(|e| KeyError::Malformed(e.to_string()))?
        } else {
            return Err(KeyError::Malformed(
                "expected a PEM private key ('-----BEGIN ENCRYPTED PRIVATE KEY-----')".into(),
            ));
        };
        let key = SecretKey(SigningKey::from_bytes(&keypair.secret_key));
        if key.0.verifying_key().is_weak() {
            return Err(KeyError::Weak);
        }
        Ok(key)
    }
}

/// Whether `bytes` look like a secret key (a PEM `PRIVATE KEY` block, encrypted or not): such
/// a file is refused wherever it could be shared (a bundle, a paper scan, a returned file), and
/// one that was sent must be treated as exposed.
pub fn looks_like_secret_key(bytes: &[u8]) -> bool {
    bytes.windows(11).any(|w| w == b"PRIVATE KEY")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> SecretKey {
        SecretKey::from_seed(&[7u8; 32])
    }

    #[test]
    fn openssh_and_pem_round_trip_with_the_same_key_id() {
        let public = sample().public();
        let line = public.to_openssh("cambs-cc");
        assert!(
            line.starts_with("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI"),
            "{line}"
        );
        assert_eq!(PublicKey::parse(&line).unwrap(), public);
        assert_eq!(PublicKey::parse(&public.to_pem()).unwrap(), public);
        assert!(public.key_id().as_str().starts_with("SHA256:"));
        assert_eq!(public.key_id().as_str().len(), 7 + 43);
    }

    #[test]
    fn encrypted_keys_need_the_right_passphrase() {
        let key = sample();
        let pem = key.to_encrypted_pem(b"correct horse").unwrap();
        assert!(pem.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
        assert!(matches!(
            SecretKey::from_pem(&pem, None),
            Err(KeyError::NeedsPassphrase)
        ));
        assert!(matches!(
            SecretKey::from_pem(&pem, Some(b"wrong")),
            Err(KeyError::WrongPassphrase)
        ));
        let back = SecretKey::from_pem(&pem, Some(b"correct horse")).unwrap();
        assert_eq!(back.public(), key.public());
        let plain = key.to_pem().unwrap();
        assert_eq!(
            SecretKey::from_pem(&plain, None).unwrap().public(),
            key.public()
        );
    }

    #[test]
    fn weak_keys_are_refused() {
        // The identity point: a small-order point that verifies forged signatures.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        assert!(matches!(
            PublicKey::from_bytes(&identity),
            Err(KeyError::Weak)
        ));
    }

    #[test]
    fn the_pem_is_the_pkcs8_crates() {
        use ed25519_dalek::pkcs8::EncodePublicKey as _;
        let key = sample();
        let theirs = key
            .0
            .verifying_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap();
        assert_eq!(key.public().to_pem(), theirs);
    }

    /// The weak encodings are exactly those `from_bytes` refuses as weak; a recorded key is
    /// checked against them without decompressing, and bytes that are no point verify nothing.
    #[test]
    fn recorded_keys_refuse_the_weak_encodings_and_verify_only_on_the_curve() {
        for text in SMALL_ORDER_ENCODINGS {
            let bytes: [u8; 32] = hex::decode(text).unwrap().try_into().unwrap();
            assert!(
                matches!(PublicKey::from_bytes(&bytes), Err(KeyError::Weak)),
                "{text}"
            );
            let line = format!(
                "ssh-ed25519 {}",
                STANDARD.encode([ssh_string(SSH_TYPE.as_bytes()), ssh_string(&bytes)].concat())
            );
            assert!(
                matches!(PublicKey::parse_recorded(&line), Err(KeyError::Weak)),
                "{text}"
            );
        }
        // Every weak key is one of them: the weak points' encodings, both signs, are all listed.
        let mut flipped = 0;
        for text in SMALL_ORDER_ENCODINGS {
            let mut bytes: [u8; 32] = hex::decode(text).unwrap().try_into().unwrap();
            bytes[31] ^= 0x80;
            assert!(is_small_order_encoding(&bytes) || PublicKey::from_bytes(&bytes).is_err());
            flipped += 1;
        }
        assert_eq!(flipped, 14);
        let good = sample().public();
        let recorded = PublicKey::parse_recorded(&good.to_openssh("x")).unwrap();
        assert_eq!(recorded, good);
        let message = b"a statement";
        assert!(recorded.verify_strict(message, &sample().sign(message)));
        // Bytes that are not a point: refused from outside, accepted as recorded, verify nothing.
        let off_curve = (2u8..64)
            .map(|y| {
                let mut b = [0u8; 32];
                b[0] = y;
                b
            })
            .find(|b| VerifyingKey::from_bytes(b).is_err())
            .unwrap();
        assert!(matches!(
            PublicKey::from_bytes(&off_curve),
            Err(KeyError::Malformed(_))
        ));
        let line = format!(
            "ssh-ed25519 {}",
            STANDARD.encode([ssh_string(SSH_TYPE.as_bytes()), ssh_string(&off_curve)].concat())
        );
        let odd = PublicKey::parse_recorded(&line).unwrap();
        assert!(!odd.verify_strict(message, &sample().sign(message)));
    }

    #[test]
    fn spki_pem_bytes_are_the_key() {
        let key = sample().public();
        assert_eq!(spki_pem_bytes(&key.to_pem()), Some(*key.as_bytes()));
        assert_eq!(
            spki_pem_bytes("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"),
            None
        );
        assert_eq!(spki_pem_bytes(&key.to_openssh("x")), None);
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let key = sample();
        let shown = format!("{key:?}");
        assert!(shown.starts_with("SecretKey(SHA256:"), "{shown}");
        // The secret seed is 32 bytes of 7: as Rust's Debug prints bytes, and as hex.
        let as_debug = format!("{:?}", &[7u8; 32][..]);
        assert!(!shown.contains(&as_debug[1..20]), "{shown}");
        assert!(!shown.contains("07070707"), "{shown}");
        assert!(!shown.contains("[7, 7"), "{shown}");
    }

    #[test]
    fn signing_keys_zeroize_on_drop() {
        fn assert_zeroize_on_drop<T: zeroize::ZeroizeOnDrop>() {}
        assert_zeroize_on_drop::<SigningKey>();
    }
}
