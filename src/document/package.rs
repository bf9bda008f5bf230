//! DOCX packages: reading a template's zip container safely and writing a rendered package
//! byte-reproducibly.
//!
//! Owns every decision about the zip container: which entry names are safe, how large an entry
//! may inflate, entry order, timestamps, permissions and compression. It does not interpret
//! the XML inside the parts and never looks at the clock.

use std::io::{Cursor, Read, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipArchive, ZipWriter};

/// The part every package must list first, by convention and for tools that sniff the type.
pub const CONTENT_TYPES_PART: &str = "[Content_Types].xml";
/// The main document part of a Word package.
pub const MAIN_DOCUMENT_PART: &str = "word/document.xml";

/// Permission bits written for every entry, so the package does not depend on the umask.
const ENTRY_MODE: u32 = 0o644;
/// Deflate level for rewritten parts. Fixed so that the same input always compresses to the
/// same bytes (the compressor itself is pinned by Cargo.lock).
const DEFLATE_LEVEL: i64 = 6;

/// Size limits that keep a hostile package from exhausting memory.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest number of bytes one entry may inflate to.
    pub max_entry_bytes: u64,
    /// Largest number of bytes all entries together may inflate to.
    pub max_total_bytes: u64,
    /// Largest number of entries in the package.
    pub max_entries: usize,
    /// Largest number of bytes one part that is parsed and rendered (XML) may inflate to.
    /// Real parts are a few megabytes; the parsed tree costs several times the text.
    pub max_part_bytes: u64,
    /// Largest number of bytes all parsed parts together may inflate to.
    pub max_parts_total: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_entry_bytes: 256 * 1024 * 1024,
            max_total_bytes: 512 * 1024 * 1024,
            max_entries: 10_000,
            max_part_bytes: 32 * 1024 * 1024,
            max_parts_total: 64 * 1024 * 1024,
        }
    }
}

/// Why a package could not be read.
// Causes are kept as text: a template's error is cloned into every document rendered from it,
// and the zip reader's errors cannot be cloned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PackageError {
    /// The bytes are not a zip archive at all.
    #[error("it is not a DOCX file: it cannot be read as a zip archive ({0})")]
    NotZip(String),
    /// The archive is a zip but lacks a part every Word document has.
    #[error("it is not a Word document: the part '{0}' is missing")]
    MissingPart(&'static str),
    /// An entry name would escape the folder it is extracted to, or is not a plain path.
    #[error(
        "the entry '{0}' has a name that is not allowed in a package (absolute, '..', backslash or empty)"
    )]
    UnsafeName(String),
    /// Two entries share a name, so readers disagree about which one counts.
    #[error("the entry '{0}' appears more than once")]
    DuplicateName(String),
    /// An entry is encrypted; Word templates never are.
    #[error("the entry '{0}' is encrypted")]
    Encrypted(String),
    /// An entry or the whole package inflates beyond the limits.
    #[error("the entry '{name}' inflates to more than {limit} bytes, far beyond any real document")]
    TooLarge {
        /// The entry name.
        name: String,
        /// The limit that was passed.
        limit: u64,
    },
    /// The package has more entries than any real document.
    #[error("it has {0} entries, far more than any real document")]
    TooManyEntries(usize),
    /// An entry's data is damaged.
    #[error("the entry '{name}' is damaged ({cause})")]
    Corrupt {
        /// The entry name.
        name: String,
        /// What the zip reader said.
        cause: String,
    },
    /// Writing the output archive failed (only on an internal fault; output is in memory).
    #[error("could not write the package ({0})")]
    Write(String),
}

/// One entry of a package, in the order the template stored it.
#[derive(Debug, Clone)]
pub struct PackageEntry {
    /// The entry name, e.g. `word/document.xml`.
    pub name: String,
    /// Its position in the source archive.
    index: usize,
    /// The inflated content, kept only for the parts the caller asked for.
    pub content: Option<Vec<u8>>,
}

/// A validated DOCX package held in memory.
#[derive(Debug, Clone)]
pub struct Package {
    source: Vec<u8>,
    entries: Vec<PackageEntry>,
}

/// Whether a zip entry name is a plain relative path that cannot escape the folder it is
/// extracted to.
pub fn is_safe_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('/')
        && !name.contains('\\')
        && !name.contains('\0')
        && !name.contains(':')
        && name.split('/').all(|seg| seg != ".." && seg != ".")
}

impl Package {
    /// Reads and validates a package: names, sizes, encryption, the parts every DOCX has. The
    /// entries for which `keep` returns true are inflated (checking their CRC) and kept.
    // Why this is long: the checks of a DOCX package in the order a reader meets them (the
    // layout, each entry's name, size, encryption and method, then the parts every DOCX has),
    // each refusing with its own error.
    pub fn read(
        source: Vec<u8>,
        limits: Limits,
        keep: impl Fn(&str) -> bool,
    ) -> Result<Package, PackageError> {
        // One reading of the layout for every zip countersign reads (docs/SPEC.md Z1-Z7): an
        // entry listed twice, bytes outside the entries, or headers that disagree are refused
        // before any entry is read, so what is checked is what every reader would unpack.
        crate::document::ziplayout::check(&source).map_err(|e| match e {
            crate::document::ziplayout::LayoutError::DuplicateName(name) => {
                PackageError::DuplicateName(name)
            }
            other => PackageError::NotZip(other.to_string()),
        })?;
        let mut archive = ZipArchive::new(Cursor::new(source.as_slice()))
            .map_err(|e| PackageError::NotZip(e.to_string()))?;
        if archive.len() > limits.max_entries {
            return Err(PackageError::TooManyEntries(archive.len()));
        }
        let mut kept_total: u64 = 0;
        let mut entries: Vec<PackageEntry> = Vec::with_capacity(archive.len());
        let mut seen = std::collections::BTreeSet::new();
        let mut total: u64 = 0;
        for index in 0..archive.len() {
            let mut file = archive.by_index(index).map_err(|e| PackageError::Corrupt {
                name: format!("#{index}"),
                cause: e.to_string(),
            })?;
            let name = String::from_utf8_lossy(file.name_raw()).into_owned();
            if !is_safe_name(&name) {
                return Err(PackageError::UnsafeName(name));
            }
            if !seen.insert(name.clone()) {
                return Err(PackageError::DuplicateName(name));
            }
            if file.encrypted() {
                return Err(PackageError::Encrypted(name));
            }
            if file.size() > limits.max_entry_bytes {
                return Err(PackageError::TooLarge {
                    name,
                    limit: limits.max_entry_bytes,
                });
            }
            total += file.size();
            if total > limits.max_total_bytes {
                return Err(PackageError::TooLarge {
                    name,
                    limit: limits.max_total_bytes,
                });
            }
            // Only the parts the caller asked for are kept inflated; the others are copied into
            // the output still compressed, so their size never costs memory (only the time of
            // inflating each once, below, to check it).
            let content = if keep(&name) {
                // The declared size may lie, so inflate through a limit as well.
                let limit = limits
                    .max_part_bytes
                    .min(limits.max_parts_total - kept_total);
                let mut content = Vec::with_capacity(file.size().min(limit) as usize);
                let read = (&mut file)
                    .take(limit + 1)
                    .read_to_end(&mut content)
                    .map_err(|e| PackageError::Corrupt {
                        name: name.clone(),
                        cause: e.to_string(),
                    })? as u64;
                if read > limit {
                    return Err(PackageError::TooLarge {
                        name,
                        limit: if limit == limits.max_part_bytes {
                            limits.max_part_bytes
                        } else {
                            limits.max_parts_total
                        },
                    });
                }
                kept_total += read;
                Some(content)
            } else {
                // Copied as stored, but inflated once here so that a damaged entry (its CRC
                // fails) is refused rather than passed on into a document people sign.
                let read = std::io::copy(
                    &mut (&mut file).take(limits.max_entry_bytes + 1),
                    &mut std::io::sink(),
                )
                .map_err(|e| PackageError::Corrupt {
                    name: name.clone(),
                    cause: e.to_string(),
                })?;
                if read > limits.max_entry_bytes {
                    return Err(PackageError::TooLarge {
                        name,
                        limit: limits.max_entry_bytes,
                    });
                }
                None
            };
            entries.push(PackageEntry {
                name,
                index,
                content,
            });
        }
        drop(archive);
        for required in [CONTENT_TYPES_PART, MAIN_DOCUMENT_PART] {
            if !entries.iter().any(|e| e.name == required) {
                return Err(PackageError::MissingPart(required));
            }
        }
        Ok(Package { source, entries })
    }

    /// The entries in template order.
    pub fn entries(&self) -> &[PackageEntry] {
        &self.entries
    }

    /// The entries in template order, to take their kept content.
    pub fn entries_mut(&mut self) -> &mut [PackageEntry] {
        &mut self.entries
    }

    /// Writes the package with some parts replaced, byte-reproducibly: `[Content_Types].xml`
    /// first, then the template's order; one timestamp (1980-01-01, the zip epoch), one
    /// permission value; replaced parts deflated at a fixed level; the others copied as
    /// compressed in the template.
    ///
    /// `replacement(i)` gives the new content of entry `i`, or `None` to copy it unchanged.
    pub fn write<'a>(
        &self,
        replacement: impl Fn(usize) -> Option<&'a [u8]>,
    ) -> Result<Vec<u8>, PackageError> {
        let werr = |e: zip::result::ZipError| PackageError::Write(e.to_string());
        let mut archive = ZipArchive::new(Cursor::new(self.source.as_slice())).map_err(werr)?;
        let capacity = self.source.len() + self.source.len() / 2;
        let mut writer = ZipWriter::new(Cursor::new(Vec::with_capacity(capacity)));
        let options = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .compression_level(Some(DEFLATE_LEVEL))
            .last_modified_time(DateTime::default())
            .unix_permissions(ENTRY_MODE);
        let content_types_first = self
            .entries
            .iter()
            .enumerate()
            .filter(|(_, e)| e.name == CONTENT_TYPES_PART)
            .chain(
                self.entries
                    .iter()
                    .enumerate()
                    .filter(|(_, e)| e.name != CONTENT_TYPES_PART),
            );
        for (i, entry) in content_types_first {
            match replacement(i) {
                Some(bytes) => {
                    writer
                        .start_file(entry.name.as_str(), options)
                        .map_err(werr)?;
                    writer
                        .write_all(bytes)
                        .map_err(|e| PackageError::Write(e.to_string()))?;
                }
                None => {
                    let file = archive.by_index_raw(entry.index).map_err(werr)?;
                    writer
                        .raw_copy_file_touch(file, DateTime::default(), Some(ENTRY_MODE))
                        .map_err(werr)?;
                }
            }
        }
        Ok(writer.finish().map_err(werr)?.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = ZipWriter::new(Cursor::new(Vec::new()));
        for (name, data) in entries {
            w.start_file(*name, SimpleFileOptions::default()).unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn unsafe_names_are_refused() {
        for bad in ["../evil.xml", "/abs.xml", "word\\x.xml", "a/../../b", "C:x"] {
            let zip = zip_of(&[
                (CONTENT_TYPES_PART, b"<x/>"),
                (MAIN_DOCUMENT_PART, b"<x/>"),
                (bad, b""),
            ]);
            let err = Package::read(zip, Limits::default(), |_| false).unwrap_err();
            assert!(
                matches!(err, PackageError::UnsafeName(ref n) if n == bad),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn missing_main_part_and_non_zip_are_refused() {
        let zip = zip_of(&[(CONTENT_TYPES_PART, b"<x/>")]);
        let err = Package::read(zip, Limits::default(), |_| false).unwrap_err();
        assert_eq!(
            err.to_string(),
            "it is not a Word document: the part 'word/document.xml' is missing"
        );
        let err = Package::read(b"hello".to_vec(), Limits::default(), |_| false).unwrap_err();
        assert!(matches!(err, PackageError::NotZip(_)));
    }

    #[test]
    fn inflation_beyond_the_limit_is_refused() {
        let big = vec![0u8; 100_000];
        let zip = zip_of(&[(CONTENT_TYPES_PART, b"<x/>"), (MAIN_DOCUMENT_PART, &big)]);
        let limits = Limits {
            max_entry_bytes: 50_000,
            ..Limits::default()
        };
        let err = Package::read(zip, limits, |_| false).unwrap_err();
        assert!(
            matches!(err, PackageError::TooLarge { ref name, .. } if name == MAIN_DOCUMENT_PART)
        );
    }

    #[test]
    fn content_types_comes_first_and_output_is_reproducible() {
        let zip = zip_of(&[
            (MAIN_DOCUMENT_PART, b"<a/>"),
            (CONTENT_TYPES_PART, b"<t/>"),
            ("x.bin", b"raw"),
        ]);
        let pkg = Package::read(zip, Limits::default(), |n| n == MAIN_DOCUMENT_PART).unwrap();
        assert!(
            pkg.entries()[2].content.is_none(),
            "entries not asked for are not inflated"
        );
        let new_doc: &[u8] = b"<b/>";
        let out1 = pkg.write(|i| (i == 0).then_some(new_doc)).unwrap();
        let out2 = pkg.write(|i| (i == 0).then_some(new_doc)).unwrap();
        assert_eq!(out1, out2);
        let reread = Package::read(out1, Limits::default(), |_| true).unwrap();
        let names: Vec<_> = reread.entries().iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, [CONTENT_TYPES_PART, MAIN_DOCUMENT_PART, "x.bin"]);
        assert_eq!(reread.entries()[1].content.as_deref(), Some(new_doc));
        assert_eq!(reread.entries()[2].content.as_deref(), Some(&b"raw"[..]));
    }
}
