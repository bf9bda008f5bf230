//! Loading a pack's data files and checking every rule before anything is written.
//!
//! Three passes, each reporting all it finds: JSON syntax (line and column), the JSON Schema
//! derived from [`crate::document::model`] (types, required fields, formats, unknown fields:
//! `schema.rs`), and the rules that tie fields and files together (lawful bases, references
//! between organisations and protocols, unique ids, date order: `rules.rs`, the part a
//! data-protection expert edits). Every finding names the file, the JSON path, the line and
//! column where there is one (`positions.rs`), and the fix. This module loads the files and
//! runs the passes; it reads files and writes nothing.

mod organisations;
mod positions;
mod rules;
mod schema;

pub use schema::{FileKind, schemas};

use crate::pack::layout::{FRAMEWORK_FILE, ORGANISATIONS_FILE, PROTOCOLS_DIR};
use organisations::{Located, Organisations};
use rules::Rules;
use schema::parse_and_check_schema;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::document::model::{Framework, Organisation, OrganisationsFile, Protocol};

/// One problem in a pack's data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The file, relative to the pack, e.g. `protocols/mash.json`.
    pub file: String,
    /// The JSON path, e.g. `organisations[3].membership.sponsor` (empty for the whole file).
    pub path: String,
    /// 1-based line and column of the value, where known.
    pub position: Option<(usize, usize)>,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub hint: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some((line, column)) = self.position {
            write!(f, ":{line}:{column}")?;
        }
        if !self.path.is_empty() {
            write!(f, ": {}", self.path)?;
        }
        write!(f, ": {}", self.message)?;
        if !self.hint.is_empty() {
            write!(f, "\n    hint: {}", self.hint)?;
        }
        Ok(())
    }
}

/// Why a pack could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PackError {
    /// The folder is not a pack.
    #[error("'{}' is not a pack: it has no {FRAMEWORK_FILE}", .0.display())]
    NotAPack(PathBuf),
    /// A file could not be read.
    #[error("cannot read '{}' ({source})", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A data file is not a regular file within the limit (a link, a pipe, far too large).
    #[error("cannot read '{}' ({source})", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: crate::fsio::ReadError,
    },
    /// The data has problems.
    #[error("{}", list_findings(.findings, *.rules_checked))]
    Invalid {
        /// Every problem found.
        findings: Vec<Finding>,
        /// Whether the rules between fields and files were checked too. They are checked only
        /// once every file parses and has the shape the schema asks for.
        rules_checked: bool,
    },
}

fn list_findings(findings: &[Finding], rules_checked: bool) -> String {
    let mut s = format!("the pack's data has {} problem(s):", findings.len());
    for f in findings {
        s.push_str("\n  - ");
        s.push_str(&f.to_string().replace('\n', "\n    "));
    }
    if !rules_checked {
        s.push_str("\n(the rules between files, such as lawful bases and references between organisations, are checked once these are fixed)");
    }
    s
}

/// A data file as read, kept so that outputs can record what they came from.
#[derive(Debug, Clone)]
pub struct DataFile {
    /// Path relative to the pack, with `/` separators.
    pub name: String,
    /// The exact bytes.
    pub bytes: Vec<u8>,
}

/// A pack's data, loaded and checked.
#[derive(Debug, Clone)]
pub struct PackData {
    /// The framework.
    pub framework: Framework,
    /// The organisations, in file order: see [`PackData::organisations`].
    organisations: Organisations,
    /// The protocols, ordered by file name.
    pub protocols: Vec<Protocol>,
    /// The files they came from: see [`PackData::files`].
    files: Vec<DataFile>,
}

impl PackData {
    fn new(
        framework: Framework,
        organisations: Organisations,
        protocols: Vec<Protocol>,
        files: Vec<DataFile>,
    ) -> PackData {
        PackData {
            framework,
            organisations,
            protocols,
            files,
        }
    }

    /// The organisations, in file order. Data loaded for adding a key or a signature
    /// ([`load_parties`]) parses them here, the first time, if it has not yet.
    pub fn organisations(&self) -> &[Organisation] {
        match &self.organisations {
            Organisations::Parsed(all, _) => all,
            Organisations::Located(located) => located.all(self.organisations_file()),
        }
    }

    /// How many organisations there are, without parsing any.
    pub fn organisation_count(&self) -> usize {
        match &self.organisations {
            Organisations::Parsed(all, _) => all.len(),
            Organisations::Located(located) => located.len(),
        }
    }

    /// The organisation with this id.
    pub fn organisation(&self, id: &str) -> Option<&Organisation> {
        let i = self.position(id)?;
        match &self.organisations {
            Organisations::Parsed(all, _) => all.get(i),
            Organisations::Located(located) => located.get(i, self.organisations_file()),
        }
    }

    /// Where the organisation with this id stands in [`PackData::organisations`].
    pub fn position(&self, id: &str) -> Option<usize> {
        self.organisations.position(id)
    }

    /// The data files as read: the framework, the organisations, then any protocols by name.
    pub fn files(&self) -> &[DataFile] {
        &self.files
    }

    fn organisations_file(&self) -> &[u8] {
        self.files.get(1).map_or(&[][..], |f| &f.bytes[..])
    }
}

fn read(root: &Path, name: &str) -> Result<DataFile, PackError> {
    let path = root.join(name);
    let bytes = crate::fsio::read_limited(&path, crate::fsio::limits::DATA, false)
        .map_err(|source| PackError::Read { path, source })?;
    Ok(DataFile {
        name: name.to_string(),
        bytes,
    })
}

/// Reads and checks the pack in `root`. Returns every finding at once.
pub fn load_pack(root: &Path) -> Result<PackData, PackError> {
    if !root.join(FRAMEWORK_FILE).is_file() {
        return Err(PackError::NotAPack(root.to_path_buf()));
    }
    let mut files = vec![read(root, FRAMEWORK_FILE)?, read(root, ORGANISATIONS_FILE)?];
    let protocols_dir = root.join(PROTOCOLS_DIR);
    if protocols_dir.is_dir() {
        let entries = std::fs::read_dir(&protocols_dir).map_err(|source| PackError::Io {
            path: protocols_dir.clone(),
            source,
        })?;
        let mut names = BTreeSet::new();
        for entry in entries {
            let entry = entry.map_err(|source| PackError::Io {
                path: protocols_dir.clone(),
                source,
            })?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".json") {
                names.insert(name);
            }
        }
        for name in names {
            files.push(read(root, &format!("{PROTOCOLS_DIR}/{name}"))?);
        }
    }
    check_files(files)
}

/// Reads and checks the framework and the organisations only, with every rule between them,
/// and not the protocols (`protocols` is left empty): what a command needs that adds a key or
/// a signature, which uses no protocol. At national scale the protocols are most of the data;
/// `validate` and `assemble` check them.
///
/// `assembled` is what the manifest recorded of the data the current documents were assembled
/// from ([`crate::document::manifest::Manifest::inputs`]), each file checked in full then. When both files
/// are, byte for byte, as recorded, they are not checked again, and each organisation is
/// parsed only when first asked for ([`PackData::organisation`]): at national scale checking,
/// or even parsing, every organisation is most of what adding one signature costs. Any
/// difference, or a file the model cannot read, and they are checked in full.
pub fn load_parties(
    root: &Path,
    assembled: &[crate::document::manifest::InputRecord],
) -> Result<PackData, PackError> {
    read_parties(root)?.check(assembled)
}

/// The framework's and organisations' files as [`read_parties`] found them, not yet compared
/// with what the manifest recorded.
#[derive(Debug)]
pub struct PartiesRead {
    files: Vec<DataFile>,
    /// The SHA-256 of each file, in hex.
    digests: Vec<String>,
    /// The framework parsed and each organisation located, if the files read as such.
    quick: Option<(Framework, Located)>,
}

/// Reads the framework's and organisations' files and does what does not depend on the
/// manifest (hashing them, parsing the framework, locating each organisation), so that this
/// can run beside reading the manifest; [`PartiesRead::check`] finishes [`load_parties`].
pub fn read_parties(root: &Path) -> Result<PartiesRead, PackError> {
    if !root.join(FRAMEWORK_FILE).is_file() {
        return Err(PackError::NotAPack(root.to_path_buf()));
    }
    let files = vec![read(root, FRAMEWORK_FILE)?, read(root, ORGANISATIONS_FILE)?];
    Ok(PartiesRead::from_files(files))
}

impl PartiesRead {
    /// The framework's and organisations' files (in that order), already in memory.
    pub(crate) fn from_files(files: Vec<DataFile>) -> PartiesRead {
        let digests = files
            .iter()
            .map(|f| crate::digest::sha256_hex(&f.bytes))
            .collect();
        let quick = match &files[..] {
            [framework, organisations] => serde_json::from_slice::<Framework>(&framework.bytes)
                .ok()
                .zip(Located::find(&organisations.bytes)),
            _ => None,
        };
        PartiesRead {
            files,
            digests,
            quick,
        }
    }

    /// The parties' data: as read, if both files are as `assembled` records; otherwise checked
    /// in full (see [`load_parties`]).
    pub fn check(
        self,
        assembled: &[crate::document::manifest::InputRecord],
    ) -> Result<PackData, PackError> {
        let as_assembled = self.files.iter().zip(&self.digests).all(|(file, digest)| {
            assembled
                .iter()
                .any(|input| input.file == file.name && &input.sha256 == digest)
        });
        match self.quick {
            Some((framework, located)) if as_assembled => Ok(PackData::new(
                framework,
                Organisations::Located(located),
                Vec::new(),
                self.files,
            )),
            _ => check_files(self.files),
        }
    }
}

fn build_validator(kind: FileKind) -> Result<jsonschema::Validator, PackError> {
    let schema = serde_json::to_value(kind.schema()).unwrap_or(Value::Null);
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .map_err(|e| PackError::Invalid {
            findings: vec![Finding {
                file: kind.pattern().into(),
                path: String::new(),
                position: None,
                message: format!("internal schema error: {e}"),
                hint: "please report this".into(),
            }],
            rules_checked: false,
        })
}

/// Checks data files already in memory (the first two must be the framework and the
/// organisations' file, the rest protocols).
pub fn check_files(files: Vec<DataFile>) -> Result<PackData, PackError> {
    let mut findings = Vec::new();
    let mut typed_framework = None;
    let mut typed_orgs = None;
    let mut protocols = Vec::new();
    // One validator per kind of file, built when the first file of that kind is checked and
    // once however many protocols there are (a command that checks no protocol builds none).
    let mut validators: [Option<jsonschema::Validator>; FileKind::ALL.len()] =
        std::array::from_fn(|_| None);
    for (i, file) in files.iter().enumerate() {
        let kind = match i {
            0 => FileKind::Framework,
            1 => FileKind::Organisations,
            _ => FileKind::Protocol,
        };
        let validator = match &mut validators[kind as usize] {
            Some(built) => built,
            slot => slot.insert(build_validator(kind)?),
        };
        let Some(value) = parse_and_check_schema(file, validator, &mut findings) else {
            continue;
        };
        let typed = match kind {
            FileKind::Framework => {
                serde_json::from_value::<Framework>(value).map(|f| typed_framework = Some(f))
            }
            FileKind::Organisations => serde_json::from_value::<OrganisationsFile>(value)
                .map(|o| typed_orgs = Some(o.organisations)),
            FileKind::Protocol => serde_json::from_value::<Protocol>(value)
                .map(|p| protocols.push((file.name.clone(), p))),
        };
        if let Err(e) = typed {
            findings.push(Finding {
                file: file.name.clone(),
                path: String::new(),
                position: None,
                message: e.to_string(),
                hint: "check the field against `countersign schema`".into(),
            });
        }
    }
    let mut rules_checked = false;
    if let (true, Some(framework), Some(organisations)) =
        (findings.is_empty(), typed_framework, typed_orgs)
    {
        rules_checked = true;
        let mut rules = Rules {
            findings: &mut findings,
            files: &files,
            positions: BTreeMap::new(),
        };
        rules.check(&framework, &organisations, &protocols);
        if findings.is_empty() {
            return Ok(PackData::new(
                framework,
                Organisations::parsed(organisations),
                protocols.into_iter().map(|(_, p)| p).collect(),
                files,
            ));
        }
    }
    Err(PackError::Invalid {
        findings,
        rules_checked,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::document::manifest::InputRecord;

    fn example() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/cambs")
    }

    fn recorded(root: &Path) -> Vec<InputRecord> {
        [FRAMEWORK_FILE, ORGANISATIONS_FILE]
            .iter()
            .map(|file| InputRecord {
                file: file.to_string(),
                sha256: crate::digest::sha256_hex(&std::fs::read(root.join(file)).unwrap()),
            })
            .collect()
    }

    fn as_json(o: &Organisation) -> Value {
        serde_json::to_value(o).unwrap()
    }

    #[test]
    fn parties_as_assembled_give_what_a_full_check_gives_one_by_one_or_all_at_once() {
        let root = example();
        let full = load_pack(&root).unwrap();
        let quick = load_parties(&root, &recorded(&root)).unwrap();
        assert!(matches!(quick.organisations, Organisations::Located(_)));
        assert!(quick.protocols.is_empty());
        assert_eq!(quick.framework.id, full.framework.id);
        assert_eq!(quick.organisation_count(), full.organisation_count());
        // One by one, last first: each is the organisation a full check reads, at its place.
        for (i, o) in full.organisations().iter().enumerate().rev() {
            assert_eq!(quick.position(&o.id), Some(i));
            assert_eq!(as_json(quick.organisation(&o.id).unwrap()), as_json(o));
        }
        assert!(quick.organisation("no-such-organisation").is_none());
        // All at once, in file order.
        let all: Vec<Value> = quick.organisations().iter().map(as_json).collect();
        let expected: Vec<Value> = full.organisations().iter().map(as_json).collect();
        assert_eq!(all, expected);
        assert_eq!(quick.files().len(), 2);
    }

    #[test]
    fn parties_not_as_recorded_are_checked_in_full() {
        let root = example();
        let mut records = recorded(&root);
        records[1].sha256 = "0".repeat(64);
        for assembled in [&records[..], &[]] {
            let data = load_parties(&root, assembled).unwrap();
            assert!(matches!(data.organisations, Organisations::Parsed(..)));
        }
        // A file that breaks a rule is refused when it is not as recorded, never read quietly.
        let dir = tempfile::tempdir().unwrap();
        for file in [FRAMEWORK_FILE, ORGANISATIONS_FILE] {
            std::fs::copy(root.join(file), dir.path().join(file)).unwrap();
        }
        let path = dir.path().join(ORGANISATIONS_FILE);
        let mut orgs: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let list = orgs["organisations"].as_array_mut().unwrap();
        let twin = list[0].clone();
        list.push(twin);
        std::fs::write(&path, serde_json::to_vec_pretty(&orgs).unwrap()).unwrap();
        let err = load_parties(dir.path(), &records).unwrap_err().to_string();
        assert!(err.contains(ORGANISATIONS_FILE), "{err}");
    }
}
