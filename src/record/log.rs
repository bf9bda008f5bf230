//! Append-only, hash-chained JSON-lines files, whatever they hold: the keyring (`keys/`) and
//! the register (`register/`) both sit on this. Owns how such a file is opened for appending
//! (never through a link), how an append knows the file is still as it was read (its length
//! and the digest of its last line), and how lines are appended (one write of whole lines,
//! then to disk). Reading the lines and linking each to the one before is
//! [`crate::digest::chain_lines`] / [`crate::digest::read_lines`]; what a line holds is the
//! keyring's or the register's.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use sha2::Digest as _;

/// A chained file as it was read: enough for an append to know nothing changed since.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AsRead {
    /// Its length in bytes.
    pub len: u64,
    /// The SHA-256 of its last line (without the newline), as hex digits; anything for an
    /// empty file.
    pub last_line: [u8; 64],
}

/// Opens a chained file for reading and appending (creating it and its folder when `create`),
/// after refusing a linked folder or a file that is not a regular file: nothing is written
/// through a link. Without `create`, a file that is gone is an error, not a new empty file.
pub fn open_for_append(path: &Path, create: bool) -> std::io::Result<File> {
    if let Some(dir) = path.parent() {
        let not_regular = std::fs::symlink_metadata(path).is_ok_and(|m| !m.is_file());
        if crate::fsio::is_symlink(dir) || not_regular {
            return Err(std::io::Error::other(
                "it is a symbolic link or not a regular file; countersign does not follow links inside a pack",
            ));
        }
        if create {
            std::fs::create_dir_all(dir)?;
        }
    }
    std::fs::OpenOptions::new()
        .read(true)
        .append(true)
        .create(create)
        .open(path)
}

/// Whether the open file is still the one read as `read`, as far as an append can tell
/// without reading it again: the same length, and a last line with the same digest. Other
/// appends change the length; an edit elsewhere meanwhile is left for the next full reading,
/// which names it, since an append only adds after it.
pub fn still_as_read(file: &mut File, read: &AsRead) -> std::io::Result<bool> {
    if file.metadata()?.len() != read.len {
        return Ok(false);
    }
    if read.len == 0 {
        return Ok(true);
    }
    Ok(last_line_digest(file, read.len)? == read.last_line)
}

/// Appends whole lines (each ending in a newline) in one write, then to disk: a write cut
/// short leaves a torn last line, which the next reading names.
pub fn append(file: &mut File, lines: &[u8]) -> std::io::Result<()> {
    file.write_all(lines)?;
    file.sync_all()
}

/// The SHA-256 (hex digits) of the last line of a file `len` bytes long that ends in a
/// newline, reading back from its end only as far as that line goes.
fn last_line_digest(file: &mut File, len: u64) -> std::io::Result<[u8; 64]> {
    let mut window: u64 = 4096;
    loop {
        let start = len.saturating_sub(window);
        file.seek(SeekFrom::Start(start))?;
        let mut tail = Vec::new();
        Read::by_ref(file)
            .take(len - start)
            .read_to_end(&mut tail)?;
        let body = tail.strip_suffix(b"\n").unwrap_or(&tail);
        match body.iter().rposition(|&b| b == b'\n') {
            Some(newline) => {
                let line = body.get(newline + 1..).unwrap_or_default();
                return Ok(crate::digest::hex_digits(
                    &sha2::Sha256::digest(line).into(),
                ));
            }
            None if start == 0 => {
                return Ok(crate::digest::hex_digits(
                    &sha2::Sha256::digest(body).into(),
                ));
            }
            None => window = window.saturating_mul(4),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn digest(line: &[u8]) -> [u8; 64] {
        crate::digest::hex_digits(&sha2::Sha256::digest(line).into())
    }

    #[test]
    fn an_append_knows_whether_the_file_is_as_it_was_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log/chain.jsonl");
        let mut file = open_for_append(&path, true).unwrap();
        let empty = AsRead {
            len: 0,
            last_line: [b'0'; 64],
        };
        assert!(still_as_read(&mut file, &empty).unwrap());
        // A last line longer than the first window read back.
        let long = vec![b'x'; 10_000];
        let mut lines = b"{\"a\":1}\n".to_vec();
        lines.extend_from_slice(&long);
        lines.push(b'\n');
        append(&mut file, &lines).unwrap();
        let read = AsRead {
            len: lines.len() as u64,
            last_line: digest(&long),
        };
        assert!(still_as_read(&mut file, &read).unwrap());
        assert!(!still_as_read(&mut file, &empty).unwrap());
        // The same length, another last line: not as read.
        let mut edited = lines.clone();
        let at = edited.len() - 2;
        edited[at] = b'y';
        std::fs::write(&path, &edited).unwrap();
        let mut file = open_for_append(&path, true).unwrap();
        assert!(!still_as_read(&mut file, &read).unwrap());
    }

    #[cfg(unix)]
    #[test]
    fn nothing_is_opened_through_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("log")).unwrap();
        assert!(open_for_append(&dir.path().join("log/chain.jsonl"), true).is_err());
        let target = outside.path().join("target.jsonl");
        std::fs::write(&target, b"").unwrap();
        std::os::unix::fs::symlink(&target, dir.path().join("linked.jsonl")).unwrap();
        assert!(open_for_append(&dir.path().join("linked.jsonl"), true).is_err());
        // Without leave to create, a file that is not there is not made.
        assert!(open_for_append(&dir.path().join("gone.jsonl"), false).is_err());
        assert!(!dir.path().join("gone.jsonl").exists());
    }
}
