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

/// Why [`read_lines`] stopped.
#[derive(Debug)]
pub enum LinesError<E> {
    /// Reading failed.
    Io(std::io::Error),
    /// More than the limit.
    TooLarge,
    /// What the caller's `line` said of a line.
    Line(E),
}

/// What [`read_lines`] found: how many whole lines and bytes, and whether a last line lacked
/// its newline (a write that was interrupted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LinesRead {
    /// Whole lines, each ending in a newline.
    pub lines: u64,
    /// Their bytes, newlines included: where a torn line starts.
    pub len: u64,
    /// Whether bytes without a newline followed them.
    pub torn: bool,
}

/// Hands each whole line of `reader` (without its newline) to `line`, a block at a time, so
/// that a hash-chained file of megabytes is walked without being held (nor paged in) whole;
/// refuses more than `limit` bytes however much the file grows meanwhile. A line is copied
/// only where it spans two blocks.
pub fn read_lines<E>(
    reader: impl std::io::Read,
    limit: u64,
    mut line: impl FnMut(&[u8]) -> Result<(), E>,
) -> Result<LinesRead, LinesError<E>> {
    use std::io::BufRead as _;
    let mut reader = std::io::BufReader::with_capacity(64 * 1024, reader.take(limit + 1));
    let mut read = LinesRead {
        lines: 0,
        len: 0,
        torn: false,
    };
    // The start of a line a block ended in, until a later block ends it.
    let mut partial = Vec::new();
    loop {
        let block = reader.fill_buf().map_err(LinesError::Io)?;
        if block.is_empty() {
            break;
        }
        let taken = block.len();
        if read.len + (partial.len() + taken) as u64 > limit {
            return Err(LinesError::TooLarge);
        }
        let mut start = 0;
        for end in memchr::memchr_iter(b'\n', block) {
            let whole = if partial.is_empty() {
                &block[start..end]
            } else {
                partial.extend_from_slice(&block[start..end]);
                &partial[..]
            };
            line(whole).map_err(LinesError::Line)?;
            read.lines += 1;
            read.len += (whole.len() + 1) as u64;
            partial.clear();
            start = end + 1;
        }
        partial.extend_from_slice(&block[start..]);
        reader.consume(taken);
    }
    read.torn = !partial.is_empty();
    Ok(read)
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

    #[test]
    fn lines_read_a_block_at_a_time_are_the_lines_of_the_whole() {
        // Lines longer than a block and lines across block ends, then a torn last line.
        let mut text = Vec::new();
        for n in 0..2_000u32 {
            let width = (n as usize * 37) % 700 + if n % 500 == 0 { 70_000 } else { 0 };
            text.extend(std::iter::repeat_n(b'a' + (n % 26) as u8, width));
            text.push(b'\n');
        }
        let whole: Vec<&[u8]> = super::chain_lines(&text).map(|l| l.unwrap().1).collect();
        let mut seen = Vec::new();
        let read = super::read_lines(&text[..], u64::MAX - 1, |line| {
            seen.push(line.to_vec());
            Ok::<_, ()>(())
        })
        .unwrap();
        assert_eq!(seen, whole);
        assert_eq!(
            (read.lines, read.len, read.torn),
            (2_000, text.len() as u64, false)
        );
        text.extend_from_slice(b"{\"seq\":2001");
        let read = super::read_lines(&text[..], u64::MAX - 1, |_| Ok::<_, ()>(())).unwrap();
        assert_eq!((read.lines, read.torn), (2_000, true));
        // The limit holds however the file is cut, and a line's refusal stops the walk.
        assert!(matches!(
            super::read_lines(&text[..], text.len() as u64 - 1, |_| Ok::<_, ()>(())),
            Err(super::LinesError::TooLarge)
        ));
        let mut count = 0;
        let stopped = super::read_lines(&text[..], u64::MAX - 1, |_| {
            count += 1;
            if count == 3 { Err("third") } else { Ok(()) }
        });
        assert!(matches!(stopped, Err(super::LinesError::Line("third"))));
        assert_eq!(count, 3);
    }
}
