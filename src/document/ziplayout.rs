//! The layout of a zip archive, checked before any entry is read: what a bundle, a DOCX and the
//! verification page all require of a zip (docs/SPEC.md, rules Z1 to Z7).
//!
//! A zip names its entries twice, in a local header before each entry's data and in the
//! central directory at the end; readers differ in which they believe, whether they look
//! before the first entry or after the directory, and which of two entries of the same name
//! they return. A file that two readers could read differently is refused here, so that what
//! countersign checks is what any person opening the file gets. Owns no inflating and no
//! names' meaning (see [`crate::document::package::is_safe_name`]); never allocates per byte of input.

/// Why a zip's layout is refused: each names the rule of docs/SPEC.md it breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LayoutError {
    /// Z1: no end-of-central-directory record ends the file.
    #[error("invalid Zip archive: Could not find EOCD")]
    NoEnd,
    /// Z1: bytes follow the end-of-central-directory record.
    #[error("{0} bytes follow the end of the zip's directory")]
    TrailingData(usize),
    /// Z2: an archive in the ZIP64 or multi-disk form, which no bundle or document uses.
    #[error("it is a ZIP64 or multi-part archive, which countersign does not read")]
    Zip64,
    /// Z3: the central directory is not where the end record says, or not right before it.
    #[error("the zip's directory is not where its end record says")]
    Directory,
    /// Z3: a central directory entry is cut short or has the wrong signature.
    #[error("the zip's directory entry {0} is damaged")]
    DirectoryEntry(usize),
    /// Z3: the end record counts a different number of entries than the directory holds.
    #[error("the zip's end record counts {declared} entries but its directory holds {found}")]
    Count {
        /// What the end record says.
        declared: usize,
        /// What the directory holds.
        found: usize,
    },
    /// Z4: two entries have the same name (compared without regard to ASCII case, as Windows
    /// and macOS unpack them).
    #[error("the entry '{0}' appears twice")]
    DuplicateName(String),
    /// Z5: bytes stand before the first entry.
    #[error("{0} bytes stand before the zip's first entry")]
    LeadingData(usize),
    /// Z5: bytes stand between two entries, or between the last entry and the directory.
    #[error("unexplained bytes stand before {0}")]
    Gap(String),
    /// Z6: an entry's local header disagrees with the directory (name, method, sizes, CRC).
    #[error(
        "the entry '{name}' is damaged (its local header says another {field} than the directory)"
    )]
    HeaderMismatch {
        /// The entry.
        name: String,
        /// Which field disagrees.
        field: &'static str,
    },
    /// Z6: an entry's local header or data runs past where it may.
    #[error("the entry '{0}' is damaged (it is cut short)")]
    Truncated(String),
    /// Z7: an entry is encrypted.
    #[error("the entry '{0}' is encrypted")]
    Encrypted(String),
}

impl LayoutError {
    /// The stable problem code (docs/SPEC.md) of this refusal.
    pub fn code(&self) -> &'static str {
        match self {
            LayoutError::DuplicateName(_) => "duplicate-zip-entry",
            LayoutError::LeadingData(_) | LayoutError::TrailingData(_) | LayoutError::Gap(_) => {
                "zip-unexplained-bytes"
            }
            LayoutError::HeaderMismatch { .. } => "zip-header-mismatch",
            _ => "zip-malformed",
        }
    }
}

const END_SIGNATURE: u32 = 0x0605_4b50;
const CENTRAL_SIGNATURE: u32 = 0x0201_4b50;
const LOCAL_SIGNATURE: u32 = 0x0403_4b50;
const DESCRIPTOR_SIGNATURE: u32 = 0x0807_4b50;
const END_LEN: usize = 22;
const CENTRAL_LEN: usize = 46;
const LOCAL_LEN: usize = 30;
/// Flag bit 0: encrypted.
const FLAG_ENCRYPTED: u16 = 1;
/// Flag bit 3: CRC and sizes follow the data, in a data descriptor (streamed writers).
const FLAG_DESCRIPTOR: u16 = 1 << 3;

fn u16_at(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

/// One entry as the central directory records it.
struct Central<'a> {
    name: &'a [u8],
    flags: u16,
    method: u16,
    crc: u32,
    packed: u32,
    size: u32,
    local: usize,
}

fn shown(name: &[u8]) -> String {
    String::from_utf8_lossy(name)
        .chars()
        .filter(|c| !c.is_control())
        .take(120)
        .collect()
}

/// Finds the end record: the last one whose comment ends exactly at the end of the file (Z1).
fn find_end(bytes: &[u8]) -> Result<usize, LayoutError> {
    if bytes.len() < END_LEN {
        return Err(LayoutError::NoEnd);
    }
    let lowest = bytes.len().saturating_sub(END_LEN + usize::from(u16::MAX));
    let mut candidate = None;
    for at in (lowest..=bytes.len() - END_LEN).rev() {
        if u32_at(bytes, at) == Some(END_SIGNATURE) {
            let comment = usize::from(u16_at(bytes, at + 20).unwrap_or(0));
            if at + END_LEN + comment == bytes.len() {
                return Ok(at);
            }
            candidate.get_or_insert(at);
        }
    }
    match candidate {
        Some(at) => {
            let comment = usize::from(u16_at(bytes, at + 20).unwrap_or(0));
            let end = at + END_LEN + comment;
            if end < bytes.len() {
                Err(LayoutError::TrailingData(bytes.len() - end))
            } else {
                Err(LayoutError::NoEnd)
            }
        }
        None => Err(LayoutError::NoEnd),
    }
}

/// Checks the whole layout of a zip (rules Z1 to Z7) and returns how many entries it holds.
/// Reads headers only: no entry is inflated.
// Why this is long: rules Z1 to Z7 of docs/SPEC.md over one walk of the zip's records, in the
// order the page's `checkLayout` takes them.
pub fn check(bytes: &[u8]) -> Result<usize, LayoutError> {
    let end = find_end(bytes)?;
    let field = |off: usize| u16_at(bytes, end + off).unwrap_or(0);
    let (disk, cd_disk, on_disk, total) = (field(4), field(6), field(8), field(10));
    let cd_size = u32_at(bytes, end + 12).unwrap_or(0);
    let cd_offset = u32_at(bytes, end + 16).unwrap_or(0);
    if disk != 0 || cd_disk != 0 || on_disk != total || total == u16::MAX || cd_offset == u32::MAX {
        return Err(LayoutError::Zip64);
    }
    let (cd_offset, cd_size) = (cd_offset as usize, cd_size as usize);
    if cd_offset.checked_add(cd_size) != Some(end) {
        // Where the directory really is, when bytes were put in front of the whole archive
        // (which shifts everything the end record and directory point at).
        let actual = end.checked_sub(cd_size);
        return Err(match actual {
            Some(actual)
                if actual > cd_offset && u32_at(bytes, actual) == Some(CENTRAL_SIGNATURE) =>
            {
                LayoutError::LeadingData(actual - cd_offset)
            }
            _ => LayoutError::Directory,
        });
    }
    let mut entries: Vec<Central<'_>> = Vec::with_capacity(usize::from(total));
    let mut at = cd_offset;
    while at < end {
        let n = entries.len();
        if at + CENTRAL_LEN > end || u32_at(bytes, at) != Some(CENTRAL_SIGNATURE) {
            return Err(LayoutError::DirectoryEntry(n + 1));
        }
        let h = |off: usize| u16_at(bytes, at + off).unwrap_or(0);
        let w = |off: usize| u32_at(bytes, at + off).unwrap_or(0);
        let name_len = usize::from(h(28));
        let next = at + CENTRAL_LEN + name_len + usize::from(h(30)) + usize::from(h(32));
        if next > end {
            return Err(LayoutError::DirectoryEntry(n + 1));
        }
        entries.push(Central {
            name: &bytes[at + CENTRAL_LEN..at + CENTRAL_LEN + name_len],
            flags: h(8),
            method: h(10),
            crc: w(16),
            packed: w(20),
            size: w(24),
            local: w(42) as usize,
        });
        at = next;
    }
    if entries.len() != usize::from(total) {
        return Err(LayoutError::Count {
            declared: usize::from(total),
            found: entries.len(),
        });
    }
    // Z4: one entry per name, as any unpacker would see it.
    let mut names: Vec<Vec<u8>> = entries
        .iter()
        .map(|e| e.name.to_ascii_lowercase())
        .collect();
    names.sort_unstable();
    if let Some(pair) = names.windows(2).find(|p| p[0] == p[1]) {
        let twice = entries
            .iter()
            .find(|e| e.name.eq_ignore_ascii_case(&pair[0]))
            .map_or_else(|| shown(&pair[0]), |e| shown(e.name));
        return Err(LayoutError::DuplicateName(twice));
    }
    // Z5, Z6: the entries follow one another from the first byte to the directory, each local
    // header agreeing with the directory.
    let mut expected = 0usize;
    for e in &entries {
        let name = || shown(e.name);
        if e.local != expected {
            return Err(if expected == 0 && e.local > 0 {
                LayoutError::LeadingData(e.local)
            } else {
                LayoutError::Gap(format!("the entry '{}'", name()))
            });
        }
        if e.flags & FLAG_ENCRYPTED != 0 {
            return Err(LayoutError::Encrypted(name()));
        }
        let l = e.local;
        if l + LOCAL_LEN > cd_offset || u32_at(bytes, l) != Some(LOCAL_SIGNATURE) {
            return Err(LayoutError::Truncated(name()));
        }
        let lh = |off: usize| u16_at(bytes, l + off).unwrap_or(0);
        let lw = |off: usize| u32_at(bytes, l + off).unwrap_or(0);
        let name_len = usize::from(lh(26));
        let data = l + LOCAL_LEN + name_len + usize::from(lh(28));
        if data > cd_offset {
            return Err(LayoutError::Truncated(name()));
        }
        let mismatch = |field| LayoutError::HeaderMismatch {
            name: name(),
            field,
        };
        if &bytes[l + LOCAL_LEN..l + LOCAL_LEN + name_len] != e.name {
            return Err(mismatch("name"));
        }
        if lh(6) != e.flags {
            return Err(mismatch("flags"));
        }
        if lh(6) & FLAG_DESCRIPTOR == 0 {
            if lh(8) != e.method {
                return Err(mismatch("compression method"));
            }
            if lw(14) != e.crc {
                return Err(mismatch("CRC"));
            }
            if lw(18) != e.packed || lw(22) != e.size {
                return Err(mismatch("size"));
            }
        } else if lh(8) != e.method {
            return Err(mismatch("compression method"));
        }
        let mut after = data
            .checked_add(e.packed as usize)
            .filter(|a| *a <= cd_offset)
            .ok_or_else(|| LayoutError::Truncated(name()))?;
        if e.flags & FLAG_DESCRIPTOR != 0 {
            // The descriptor: CRC, packed and full size, after an optional signature.
            let signed = u32_at(bytes, after) == Some(DESCRIPTOR_SIGNATURE);
            let fields = if signed { after + 4 } else { after };
            if fields + 12 > cd_offset {
                return Err(LayoutError::Truncated(name()));
            }
            let d = |off: usize| u32_at(bytes, fields + off).unwrap_or(0);
            if d(0) != e.crc {
                return Err(mismatch("CRC"));
            }
            if d(4) != e.packed || d(8) != e.size {
                return Err(mismatch("size"));
            }
            after = fields + 12;
        }
        expected = after;
    }
    if expected != cd_offset {
        return Err(if entries.is_empty() {
            LayoutError::LeadingData(cd_offset)
        } else {
            LayoutError::Gap("the zip's directory".into())
        });
    }
    Ok(entries.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Cursor, Write};
    use zip::ZipWriter;
    use zip::write::SimpleFileOptions;

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = ZipWriter::new(Cursor::new(Vec::new()));
        for (name, data) in entries {
            w.start_file(*name, SimpleFileOptions::default()).unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    /// Replaces the first occurrence of `from` (same length as `to`) in `bytes`.
    fn patch(bytes: &mut [u8], from: &[u8], to: &[u8], nth: usize) {
        let at = bytes
            .windows(from.len())
            .enumerate()
            .filter(|(_, w)| *w == from)
            .nth(nth)
            .unwrap()
            .0;
        bytes[at..at + to.len()].copy_from_slice(to);
    }

    #[test]
    fn a_plain_zip_passes_and_counts_its_entries() {
        let zip = zip_of(&[("a.txt", b"hello"), ("b/c.txt", b"world")]);
        assert_eq!(check(&zip), Ok(2));
        let empty = zip_of(&[]);
        assert_eq!(check(&empty), Ok(0));
    }

    #[test]
    fn bytes_before_or_after_are_refused() {
        let zip = zip_of(&[("a.txt", b"hello")]);
        let mut prefixed = vec![0u8; 512];
        prefixed.extend_from_slice(&zip);
        assert_eq!(check(&prefixed), Err(LayoutError::LeadingData(512)));
        let mut trailing = zip.clone();
        trailing.extend_from_slice(b"junk");
        assert_eq!(check(&trailing), Err(LayoutError::TrailingData(4)));
        assert_eq!(check(&zip[..zip.len() / 2]), Err(LayoutError::NoEnd));
    }

    #[test]
    fn two_entries_of_one_name_are_refused_whatever_their_case() {
        let zip = zip_of(&[("out/a.docx", b"altered"), ("out/b.docx", b"genuine")]);
        let mut twice = zip.clone();
        // Rename the second entry, in its local header and in the directory.
        patch(&mut twice, b"out/b.docx", b"out/a.docx", 0);
        patch(&mut twice, b"out/b.docx", b"out/a.docx", 0);
        assert_eq!(
            check(&twice),
            Err(LayoutError::DuplicateName("out/a.docx".into()))
        );
        let mut cased = zip;
        patch(&mut cased, b"out/b.docx", b"OUT/A.docx", 0);
        patch(&mut cased, b"out/b.docx", b"OUT/A.docx", 0);
        assert_eq!(
            check(&cased).map_err(|e| e.code()),
            Err("duplicate-zip-entry")
        );
    }

    #[test]
    fn a_local_header_that_disagrees_with_the_directory_is_refused() {
        let zip = zip_of(&[("a.txt", b"hello"), ("b.txt", b"world")]);
        // The local name only.
        let mut renamed = zip.clone();
        patch(&mut renamed, b"b.txt", b"c.txt", 0);
        assert_eq!(
            check(&renamed),
            Err(LayoutError::HeaderMismatch {
                name: "b.txt".into(),
                field: "name"
            })
        );
        // The size in the directory only (the entry's data then seems to end elsewhere).
        let mut sized = zip.clone();
        let cd = u32_at(&zip, zip.len() - 6).unwrap() as usize;
        sized[cd + 24] ^= 1;
        assert_eq!(
            check(&sized).map_err(|e| e.code()),
            Err("zip-header-mismatch")
        );
        // The CRC in the directory only.
        let mut crc = zip;
        crc[cd + 16] ^= 1;
        assert_eq!(
            check(&crc),
            Err(LayoutError::HeaderMismatch {
                name: "a.txt".into(),
                field: "CRC"
            })
        );
    }

    #[test]
    fn a_streamed_zip_with_data_descriptors_is_read() {
        // What a writer that cannot seek produces (flag bit 3, CRC and sizes after the data).
        let mut w = ZipWriter::new_stream(Vec::new());
        w.start_file("a.txt", SimpleFileOptions::default()).unwrap();
        w.write_all(b"hello streamed world").unwrap();
        w.start_file("b.txt", SimpleFileOptions::default()).unwrap();
        w.write_all(b"and another").unwrap();
        let zip = w.finish().unwrap().into_inner();
        assert_eq!(check(&zip), Ok(2));
    }

    #[test]
    fn hostile_headers_never_panic() {
        let zip = zip_of(&[("a.txt", b"hello"), ("b.txt", b"world")]);
        for i in 0..zip.len() {
            for v in [0u8, 0xff, 0x7f] {
                let mut z = zip.clone();
                z[i] = v;
                let _ = check(&z);
            }
            let _ = check(&zip[..i]);
        }
    }
}
