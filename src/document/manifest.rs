//! The manifest (`out/manifest.json`): what each assembled document is (kind, id, version,
//! title, parties), what it came from (template, data) and its SHA-256. Everything that signs,
//! verifies or collects reads it; only `assemble` writes it. No rendering, no files.

use crate::pack::layout::DATA_DIR;
use serde::{Deserialize, Serialize};

/// The manifest format label.
pub const MANIFEST_FORMAT: &str = "countersign/manifest/v1";

/// Whether `name` is a plain file name: no folder, no way out of the folder it is read from.
pub fn is_plain_file_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && !name.starts_with('.')
        && !name.contains(['/', '\\', '\0', ':'])
        && !name.chars().any(char::is_control)
}

fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

impl Manifest {
    /// Checks what a manifest from elsewhere (a bundle, a pack someone sent) must hold before
    /// anything uses it: every file a plain name (never a path outside the folder it is read
    /// from), every digest 64 hex digits, no file listed twice. (Data files are named only to
    /// be compared with the names a pack's files are read by, never opened by these names.)
    pub fn check(&self) -> Result<(), String> {
        // docs/SPEC.md M1: a manifest of another format may mean other things by the same fields.
        if self.format != MANIFEST_FORMAT {
            return Err(format!(
                "its format is '{}', not '{MANIFEST_FORMAT}'",
                shown(&self.format)
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        for d in &self.documents {
            if !is_plain_file_name(&d.file) || !d.file.ends_with(".docx") {
                return Err(format!(
                    "it lists a document named '{}', which is not a plain .docx file name",
                    shown(&d.file)
                ));
            }
            if !is_sha256_hex(&d.sha256) {
                return Err(format!("the SHA-256 of {} is not 64 hex digits", d.file));
            }
            if !seen.insert(d.file.as_str()) {
                return Err(format!("it lists {} twice", d.file));
            }
        }
        if let Some(input) = self.inputs.iter().find(|i| !is_sha256_hex(&i.sha256)) {
            return Err(format!(
                "the SHA-256 of the data file {} is not 64 hex digits",
                shown(&input.file)
            ));
        }
        Ok(())
    }
}

/// A name from a manifest someone sent, fit to quote in a message: no control characters, at
/// most 80 of the rest.
fn shown(name: &str) -> String {
    name.chars().filter(|c| !c.is_control()).take(80).collect()
}

/// The kinds of document a pack produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DocumentKind {
    /// The overarching framework.
    Framework,
    /// The framework's signature sheet.
    SignatureSheet,
    /// A specific information sharing protocol.
    Protocol,
    /// The member assurance checklist of an affiliate.
    AssuranceChecklist,
}

impl DocumentKind {
    /// The template this kind of document is rendered from.
    pub fn template(self) -> &'static str {
        match self {
            DocumentKind::Framework => crate::document::templates::FRAMEWORK,
            DocumentKind::SignatureSheet => crate::document::templates::SIGNATURE_SHEET,
            DocumentKind::Protocol => crate::document::templates::PROTOCOL,
            DocumentKind::AssuranceChecklist => crate::document::templates::ASSURANCE_CHECKLIST,
        }
    }

    /// The kind as manifests, statements and the register write it (`signature-sheet`).
    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::Framework => "framework",
            DocumentKind::SignatureSheet => "signature-sheet",
            DocumentKind::Protocol => "protocol",
            DocumentKind::AssuranceChecklist => "assurance-checklist",
        }
    }

    /// The word used in messages.
    pub fn label(self) -> &'static str {
        match self {
            DocumentKind::Framework => "framework",
            DocumentKind::SignatureSheet => "signature sheet",
            DocumentKind::Protocol => "protocol",
            DocumentKind::AssuranceChecklist => "assurance checklist",
        }
    }
}

/// Where a template came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(expecting = "an object")]
pub struct TemplateRecord {
    /// Its file name, e.g. `protocol.docx`.
    pub name: String,
    /// `pack` when the pack's `templates/` folder overrides it, `default` otherwise.
    pub source: String,
    /// SHA-256 of the template's bytes.
    pub sha256: String,
}

/// One assembled document, as the manifest records it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(expecting = "an object")]
pub struct ManifestEntry {
    /// The output file name.
    pub file: String,
    /// What kind of document it is.
    pub kind: DocumentKind,
    /// Its id: the framework's or protocol's id, or derived for sheets and checklists.
    pub id: String,
    /// Its version.
    pub version: String,
    /// Its title.
    pub title: String,
    /// SHA-256 of the document's bytes.
    pub sha256: String,
    /// Size in bytes.
    #[serde(deserialize_with = "crate::json::whole")]
    pub size: u64,
    /// The template it was rendered from.
    pub template: TemplateRecord,
    /// SHA-256 of the data it was rendered with (the JSON context, as rendered).
    pub data_sha256: String,
    /// The ids of the organisations that sign it.
    pub parties: Vec<String>,
    /// False for an earlier version kept from a previous assembly: the current data and
    /// templates no longer produce it, but it was issued and may have been signed.
    #[serde(default = "yes")]
    pub current: bool,
    /// Why this version was issued: the version of the same document it replaced (its own
    /// data changed: `countersign changes` lists how). Absent for a first issue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supersedes: Option<String>,
}

fn yes() -> bool {
    true
}

/// A data file the current documents were assembled from, as it was then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(expecting = "an object")]
pub struct InputRecord {
    /// Its path in the pack, with `/` separators: `organisations.json`, `protocols/mash.json`.
    pub file: String,
    /// SHA-256 of its bytes.
    pub sha256: String,
}

/// What a command that adds a key needs of a manifest: the data files the documents were
/// assembled from ([`Manifest::inputs`]), the documents skimmed, not read (at national scale
/// they are hundreds). Any manifest [`Manifest`] reads, this reads too.
pub fn inputs_of(bytes: &[u8]) -> Option<Vec<InputRecord>> {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct InputsOnly {
        #[serde(rename = "format")]
        _format: serde::de::IgnoredAny,
        #[serde(rename = "pack")]
        _pack: serde::de::IgnoredAny,
        #[serde(rename = "pack_version")]
        _pack_version: serde::de::IgnoredAny,
        #[serde(default)]
        inputs: Vec<InputRecord>,
        #[serde(rename = "documents")]
        _documents: serde::de::IgnoredAny,
    }
    let read: InputsOnly = serde_json::from_slice(bytes).ok()?;
    read.inputs
        .iter()
        .all(|input| is_sha256_hex(&input.sha256))
        .then_some(read.inputs)
}

/// `manifest.json`: the pack's assembled documents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(expecting = "an object")]
pub struct Manifest {
    /// Always [`MANIFEST_FORMAT`].
    pub format: String,
    /// The pack's id (the framework's id).
    pub pack: String,
    /// The framework's version.
    pub pack_version: String,
    /// The data files the current documents were assembled from, each checked in full then:
    /// a command that finds one unchanged need not check it again. Absent in manifests written
    /// before it was kept (everything is then checked).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inputs: Vec<InputRecord>,
    /// The documents, in a fixed order: framework, signature sheet, protocols, checklists.
    pub documents: Vec<ManifestEntry>,
}

/// The data file kept for a document: `data/framework-v2.7.json`.
pub fn data_file_name(file: &str) -> String {
    format!("{DATA_DIR}/{}.json", file.trim_end_matches(".docx"))
}

/// The digest the manifest records as a document's `data_sha256`, of a kept data file
/// (`out/data/`, written pretty-printed): the SHA-256 of the file with the JSON whitespace
/// outside strings removed, which is the compact form the digest was taken of (docs/SPEC.md
/// D1). Works on the bytes alone, so every verifier gets the same answer without
/// re-serialising.
pub fn kept_data_sha256(bytes: &[u8]) -> String {
    let mut compact = Vec::with_capacity(bytes.len());
    let (mut in_string, mut escaped) = (false, false);
    for &b in bytes {
        if in_string {
            compact.push(b);
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else if !matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
            if b == b'"' {
                in_string = true;
            }
            compact.push(b);
        }
    }
    crate::digest::sha256_hex(&compact)
}

/// Serialises a manifest the same way every time.
pub fn manifest_bytes(manifest: &Manifest) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(manifest).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

#[cfg(test)]
mod tests {
    use super::{DocumentKind, InputRecord, MANIFEST_FORMAT, Manifest};

    #[test]
    fn a_data_file_digest_that_is_not_hex_is_refused() {
        let mut manifest = Manifest {
            format: MANIFEST_FORMAT.into(),
            pack: "p".into(),
            pack_version: "1".into(),
            inputs: vec![InputRecord {
                file: "organisations.json".into(),
                sha256: "ab".repeat(32),
            }],
            documents: Vec::new(),
        };
        assert_eq!(manifest.check(), Ok(()));
        manifest.inputs[0].sha256 = "AB".repeat(32);
        assert_eq!(
            manifest.check(),
            Err("the SHA-256 of the data file organisations.json is not 64 hex digits".into())
        );
        // Written before data files were recorded: none listed, nothing to check.
        let older: Manifest = serde_json::from_str(
            r#"{"format":"countersign/manifest/v1","pack":"p","pack_version":"1","documents":[]}"#,
        )
        .unwrap();
        assert!(older.inputs.is_empty());
        assert!(
            !String::from_utf8(super::manifest_bytes(&older))
                .unwrap()
                .contains("inputs")
        );
    }

    #[test]
    fn the_inputs_read_alone_are_the_inputs_of_the_manifest() {
        let manifest = Manifest {
            format: MANIFEST_FORMAT.into(),
            pack: "p".into(),
            pack_version: "1".into(),
            inputs: vec![
                InputRecord {
                    file: "framework.json".into(),
                    sha256: "ab".repeat(32),
                },
                InputRecord {
                    file: "organisations.json".into(),
                    sha256: "cd".repeat(32),
                },
            ],
            documents: Vec::new(),
        };
        let text = String::from_utf8(super::manifest_bytes(&manifest)).unwrap();
        assert_eq!(
            super::inputs_of(text.as_bytes()),
            Some(manifest.inputs.clone())
        );
        // The documents are skimmed: whatever they hold, the inputs are what they are.
        let skimmed = text.replacen("\"documents\": []", "\"documents\": [{\"file\": 1}]", 1);
        assert_ne!(skimmed, text);
        assert_eq!(super::inputs_of(skimmed.as_bytes()), Some(manifest.inputs));
        // A digest that is not hex, an unknown field, a missing part, or no manifest: none.
        for bad in [
            text.replacen(&"cd".repeat(32), &"CD".repeat(32), 1),
            text.replacen("\"pack\":", "\"pack_id\":", 1),
            text.replacen("\"documents\":", "\"docs\":", 1),
            "[]".to_string(),
            String::new(),
        ] {
            assert_ne!(bad, text);
            assert_eq!(super::inputs_of(bad.as_bytes()), None, "{bad:.80}");
        }
        // Written before data files were recorded: none listed.
        let older =
            r#"{"format":"countersign/manifest/v1","pack":"p","pack_version":"1","documents":[]}"#;
        assert_eq!(super::inputs_of(older.as_bytes()), Some(Vec::new()));
    }

    #[test]
    fn kept_data_hashes_to_the_digest_of_its_compact_form() {
        let value = serde_json::json!({"a b": "x \" y\n", "n": [1, 2, {"t": "\\"}], "e": "\u{e9}"});
        let compact = serde_json::to_vec(&value).unwrap();
        let mut pretty = serde_json::to_vec_pretty(&value).unwrap();
        pretty.push(b'\n');
        assert_eq!(
            super::kept_data_sha256(&pretty),
            crate::digest::sha256_hex(&compact)
        );
        // A space inside a string counts: a changed value does not hash the same.
        let changed = String::from_utf8(pretty).unwrap().replace("a b", "a  b");
        assert_ne!(
            super::kept_data_sha256(changed.as_bytes()),
            crate::digest::sha256_hex(&compact)
        );
    }

    #[test]
    fn kind_names_are_the_serialised_names() {
        for kind in [
            DocumentKind::Framework,
            DocumentKind::SignatureSheet,
            DocumentKind::Protocol,
            DocumentKind::AssuranceChecklist,
        ] {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
    }
}
