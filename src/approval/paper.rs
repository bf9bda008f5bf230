//! Paper signatures, recorded honestly. Not every signatory holds a key: some return a signed,
//! scanned signature sheet. The coordinator records each one (who signed, in what role, the
//! date on the sheet, and the scan's SHA-256) in `paper/` beside the scan, and in the register.
//! Verification shows it as what it is, "signed on paper, recorded by the coordinator", never as
//! a cryptographic signature, and checks that the scan is the one recorded.
//!
//! Builds and checks records; the pack writes them and the CLI asks for them.

use crate::pack::layout::RECORD_SUFFIX;
use serde::{Deserialize, Serialize};

use crate::time::Timestamp;

/// The record format label.
pub const PAPER_FORMAT: &str = "countersign/paper-signature/v1";
/// The largest scan accepted.
pub const MAX_SCAN_BYTES: u64 = 50 * 1024 * 1024;

/// One paper signature, as the coordinator recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(expecting = "an object")]
pub struct PaperRecord {
    /// Always [`PAPER_FORMAT`].
    pub format: String,
    /// The signed document's file.
    pub file: String,
    /// Its id.
    pub id: String,
    /// Its version.
    pub version: String,
    /// Its SHA-256 (the version the sheet was for).
    pub sha256: String,
    /// The organisation that signed.
    pub organisation: String,
    /// Who signed, as written on the sheet.
    pub signatory: String,
    /// In what role.
    pub role: String,
    /// The date written on the sheet (`YYYY-MM-DD`).
    pub signed_on: String,
    /// The scan's file name, inside `paper/`.
    pub scan: String,
    /// The scan's SHA-256.
    pub scan_sha256: String,
    /// When the coordinator recorded it.
    pub recorded_at: Timestamp,
}

/// A paper signature as a pack or bundle holds it: the record's file name and bytes, and the
/// scan's bytes if it is there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaperFile {
    /// The record's file name, inside `paper/`.
    pub name: String,
    /// The record's exact bytes.
    pub bytes: Vec<u8>,
    /// The scan's bytes, when the pack holds the scan the record names.
    pub scan: Option<Vec<u8>>,
}

/// The record file of an organisation's paper signature of a document.
pub fn record_name(file: &str, organisation: &str) -> String {
    format!(
        "{}.{organisation}{RECORD_SUFFIX}",
        file.trim_end_matches(".docx")
    )
}

/// The scan file kept with it, with the scan's own extension (letters and digits only).
pub fn scan_name(file: &str, organisation: &str, extension: &str) -> String {
    let ext: String = extension
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(8)
        .collect::<String>()
        .to_ascii_lowercase();
    let ext = if ext.is_empty() { "scan".into() } else { ext };
    format!(
        "{}.{organisation}.scan.{ext}",
        file.trim_end_matches(".docx")
    )
}

/// The record as written: pretty JSON, one trailing newline.
pub fn record_bytes(record: &PaperRecord) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(record).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// A scan's name must be a plain file name inside `paper/`: never a path elsewhere.
pub fn is_plain_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

/// Reads a record and checks it against its scan. Returns the record, or why it cannot count.
pub fn check(file: &PaperFile) -> Result<PaperRecord, String> {
    let record: PaperRecord = crate::json::from_slice(&file.bytes).map_err(|e| {
        format!(
            "the paper signature record is malformed ({})",
            crate::json::reason(&e)
        )
    })?;
    if record.format != PAPER_FORMAT {
        return Err("the paper signature record has an unknown format".into());
    }
    if !is_plain_name(&record.scan) {
        return Err("the paper signature record names a scan outside paper/".into());
    }
    let Some(scan) = &file.scan else {
        return Err(format!(
            "the scan of the paper signature ({}) is missing",
            record.scan
        ));
    };
    let actual = crate::digest::sha256_hex(scan);
    if actual != record.scan_sha256 {
        return Err(format!(
            "the scan of the paper signature is not the one recorded (recorded SHA-256 {}, the scan's is {actual})",
            record.scan_sha256
        ));
    }
    Ok(record)
}

/// The paper approval of the document `sha256` by `organisation` among `files` (all of a
/// pack's, or the one [`crate::pack::Pack::paper_of`] reads), if one holds
/// (docs/SPEC.md W1): one approval per organisation per document, whichever came first, so an
/// electronic signature is not made or filed over it.
pub fn approved_on_paper(
    files: &[PaperFile],
    sha256: &str,
    organisation: &str,
) -> Option<PaperRecord> {
    files
        .iter()
        .filter_map(|f| check(f).ok())
        .find(|r| r.sha256 == sha256 && r.organisation == organisation)
}
