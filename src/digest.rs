//! SHA-256 over exact bytes, in the lower-case hex form used in manifests and statements, and
//! what the two hash-chained files (the keyring and the register) share: the first link and
//! the walk over their lines.
//!
//! Knows nothing of keys, records or paths.

use sha2::{Digest, Sha256};

/// The `prev` of the first link of a chain (the keyring's and the register's alike): 64 zero
/// digits.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// [`GENESIS`] as [`hex_digits`] gives a digest, for a chain walked without allocating.
pub const GENESIS_DIGITS: [u8; 64] = [b'0'; 64];

/// The SHA-256 of `bytes` as 64 lower-case hex digits.
pub fn sha256_hex(bytes: &[u8]) -> String {
    to_hex(&Sha256::digest(bytes))
}

/// Bytes as lower-case hex digits. Registers and keyrings hash every record, so this is on
/// the path of every replay: a table, not a character iterator.
pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = Vec::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)]);
        out.push(DIGITS[usize::from(b & 0x0f)]);
    }
    // Only ASCII digits and letters were pushed.
    String::from_utf8(out).unwrap_or_default()
}

/// A SHA-256 digest as its 64 lower-case hex digits, on the stack: for comparing a chain's
/// links without allocating a string per record.
pub fn hex_digits(digest: &[u8; 32]) -> [u8; 64] {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = [0; 64];
    for (i, b) in digest.iter().enumerate() {
        out[2 * i] = DIGITS[usize::from(b >> 4)];
        out[2 * i + 1] = DIGITS[usize::from(b & 0x0f)];
    }
    out
}

/// Digits from [`hex_digits`] as a string.
pub fn hex_text(digits: &[u8; 64]) -> String {
    digits.iter().map(|&d| char::from(d)).collect()
}

/// The lines of a hash-chained file, numbered from 1, without their newlines, found with
/// memchr (a national pack's register is megabytes). A last line without its newline is a
/// write that was interrupted: `Err(its number)` when it is reached, and nothing after it.
pub fn chain_lines(text: &[u8]) -> impl Iterator<Item = Result<(u64, &[u8]), u64>> {
    let mut rest = text;
    let mut number = 0;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        number += 1;
        Some(match memchr::memchr(b'\n', rest) {
            Some(end) => {
                let line = &rest[..end];
                rest = &rest[end + 1..];
                Ok((number, line))
            }
            None => {
                rest = &[];
                Err(number)
            }
        })
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_first_link_reads_the_same_as_text_and_as_digits() {
        assert_eq!(super::GENESIS.as_bytes(), &super::GENESIS_DIGITS[..]);
        assert_eq!(super::hex_text(&super::GENESIS_DIGITS), super::GENESIS);
        let digest = [0xa5; 32];
        assert_eq!(
            super::hex_text(&super::hex_digits(&digest)),
            super::to_hex(&digest)
        );
    }

    #[test]
    fn hex_is_the_hex_crates() {
        let bytes: Vec<u8> = (0..=255).collect();
        assert_eq!(super::to_hex(&bytes), hex::encode(&bytes));
        let digest: [u8; 32] = std::array::from_fn(|i| (i * 8 + 7) as u8);
        assert_eq!(super::hex_digits(&digest), hex::encode(digest).as_bytes());
    }

    #[test]
    fn chain_lines_are_numbered_and_a_torn_last_line_ends_the_walk() {
        let walked: Vec<_> = super::chain_lines(b"a\n\nbc\nd").collect();
        assert_eq!(
            walked,
            vec![
                Ok((1, &b"a"[..])),
                Ok((2, &b""[..])),
                Ok((3, &b"bc"[..])),
                Err(4)
            ]
        );
        assert_eq!(super::chain_lines(b"").count(), 0);
    }

    #[test]
    fn known_answer() {
        assert_eq!(
            super::sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
