//! The circulation bundle: one zip holding everything a recipient needs to verify a pack
//! offline (documents, manifest, data, signatures, keyring, register and checkpoints, and a
//! signature report), with an index of every file's SHA-256 so that any file added, removed or
//! altered is found and named.
//!
//! Never holds a secret key: files are picked by name from the pack's public folders, and any
//! file that looks like a private key stops the bundle. Writes the zip reproducibly.

use crate::pack::layout::{
    INDEX_FILE, OUT_DIR, REPORT_FILE, SET_ASIDE_DIR, SIGNATURE_SUFFIX, SIGNATURES_DIR,
};
use std::io::{Cursor, Read, Write};

use serde::{Deserialize, Serialize};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipArchive, ZipWriter};

use crate::digest::sha256_hex;

/// The index's format label.
pub const INDEX_FORMAT: &str = "countersign/bundle/v1";
/// The most a bundle may inflate to: what a verifier holds of it at once, whatever the input
/// (a national pack's bundle, 1,000 organisations, inflates to about 15 MiB).
pub const MAX_BUNDLE_BYTES: u64 = 256 * 1024 * 1024;
// The compressed read limit is the budget and room for the zip's records (fsio sits below
// this module, so it states the figure and this holds them together).
const _: () = assert!(crate::fsio::limits::BUNDLE == MAX_BUNDLE_BYTES + 32 * 1024 * 1024);
/// The most files a bundle holds, its index included: a zip without the ZIP64 form counts
/// entries in 16 bits, and no verifier reads that form (docs/SPEC.md Z2).
pub const MAX_BUNDLE_FILES: usize = 65_534;

/// One file of the bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(expecting = "an object")]
pub struct IndexEntry {
    /// Its path inside the bundle (and the pack).
    pub path: String,
    /// Its SHA-256.
    pub sha256: String,
    /// Its size in bytes.
    #[serde(deserialize_with = "crate::json::whole")]
    pub size: u64,
}

/// `bundle-index.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(expecting = "an object")]
pub struct BundleIndex {
    /// Always [`INDEX_FORMAT`].
    pub format: String,
    /// The pack's id.
    pub pack: String,
    /// When the bundle was made.
    pub created_at: String,
    /// Every other file of the bundle.
    pub files: Vec<IndexEntry>,
}

/// Why a bundle could not be made or trusted.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BundleError {
    /// A file to bundle could not be read.
    #[error("cannot read '{path}' ({source})")]
    Read {
        /// The file, as the bundle names it.
        path: String,
        /// Why: the system's reason, or a link, pipe or device inside the pack.
        source: crate::fsio::ReadError,
    },
    /// A file looks like a secret key.
    #[error(
        "'{0}' looks like a secret key: secret keys never go in a bundle; remove it from the pack"
    )]
    SecretKey(String),
    /// The zip cannot be read.
    #[error("it is not a countersign bundle ({0})")]
    NotABundle(String),
    /// The zip reads, but what it holds is not a bundle: no index, or an index, manifest or
    /// data files that cannot be used.
    #[error("it is not a countersign bundle ({0})")]
    Malformed(String),
    /// The zip's layout could be read two ways (docs/SPEC.md Z1-Z7).
    #[error("it is not a countersign bundle ({0})")]
    Layout(crate::document::ziplayout::LayoutError),
    /// The bundle's data is invalid.
    #[error("its data is not a valid pack: {0}")]
    Data(crate::document::validate::PackError),
    /// The bundle's keyring cannot be trusted.
    #[error("its keyring cannot be trusted: {0}")]
    Keyring(crate::approval::keyring::KeyringError),
    /// The bundle's register cannot be trusted.
    #[error("its register cannot be trusted: {0}")]
    Register(crate::record::register::RegisterError),
    /// The bundle's data files are not those its current documents were assembled from.
    #[error("its data is not what its documents were assembled from:{}", .0.iter().map(|p| format!("\n  - {p}")).collect::<String>())]
    NotAsAssembled(Vec<String>),
    /// More files than a bundle can hold without the ZIP64 form.
    #[error(
        "the pack has {0} files to bundle, more than the {MAX_BUNDLE_FILES} a bundle can hold; bundle a pack with fewer signatures set aside, or split it"
    )]
    TooManyFiles(usize),
    /// More bytes than a verifier holds of a bundle.
    #[error(
        "the pack's files come to {} MiB, more than the {} MiB a bundle may hold; keep large scans out of the pack, or split it",
        .0 / (1024 * 1024),
        MAX_BUNDLE_BYTES / (1024 * 1024)
    )]
    TooLarge(u64),
    /// The files do not match the index.
    #[error("the bundle's files do not match its index:{}", .0.iter().map(|p| format!("\n  - {p}")).collect::<String>())]
    Mismatch(Vec<String>),
}

impl BundleError {
    /// The stable problem code (docs/SPEC.md, "Problem codes").
    pub fn code(&self) -> &'static str {
        match self {
            BundleError::Layout(e) => e.code(),
            BundleError::NotABundle(_) => "zip-malformed",
            BundleError::Malformed(_) => "bundle-malformed",
            BundleError::Mismatch(_) => "bundle-index-mismatch",
            BundleError::NotAsAssembled(_) => "data-not-as-assembled",
            BundleError::Data(_) => "data-invalid",
            BundleError::Keyring(_) => "keyring-untrusted",
            BundleError::Register(_) => "register-untrusted",
            BundleError::Read { .. }
            | BundleError::SecretKey(_)
            | BundleError::TooManyFiles(_)
            | BundleError::TooLarge(_) => "bundle-not-made",
        }
    }
}

/// Collects the pack's public files to bundle, as (path in the bundle, bytes), in a fixed
/// order. Failing signatures set aside as evidence go too. What `contents` already holds (the
/// data files, signatures, checkpoints, paper records and scans) is taken from it, not read
/// again; the manifest, documents and their kept data, keyring and register are read here.
pub fn collect(
    pack: &crate::pack::Pack,
    contents: &crate::pack::PackContents,
) -> Result<Vec<(String, Vec<u8>)>, BundleError> {
    // Never through a link, a pipe or a device: a bundle carries only the pack's own files.
    let read = |path: String, on_disk: std::path::PathBuf, limit: u64| {
        crate::fsio::read_limited(&on_disk, limit, false)
            .map(|bytes| (path.clone(), bytes))
            .map_err(|source| BundleError::Read { path, source })
    };
    let present = |path: &std::path::Path| std::fs::symlink_metadata(path).is_ok();
    use crate::fsio::limits;
    // Framework, organisations, then protocols by name: the order validation read them in.
    let mut files: Vec<(String, Vec<u8>)> = contents
        .data
        .files()
        .iter()
        .map(|f| (f.name.clone(), f.bytes.clone()))
        .collect();
    files.push(read(
        format!("{OUT_DIR}/{}", crate::pack::layout::MANIFEST_FILE),
        pack.manifest_path(),
        limits::MANIFEST,
    )?);
    for d in &contents.manifest.documents {
        files.push(read(
            format!("{OUT_DIR}/{}", d.file),
            pack.document_path(&d.file),
            limits::DOCUMENT,
        )?);
        let data = pack.data_path(&d.file);
        if present(&data) {
            files.push(read(
                format!(
                    "{OUT_DIR}/{}",
                    crate::document::manifest::data_file_name(&d.file)
                ),
                data,
                limits::DATA,
            )?);
        }
    }
    for (inside, on_disk, limit) in [
        (
            crate::pack::layout::KEYRING_FILE,
            pack.keyring_path(),
            limits::KEYRING,
        ),
        (
            crate::pack::layout::REGISTER_FILE,
            pack.register_path(),
            limits::REGISTER,
        ),
    ] {
        if present(&on_disk) {
            files.push(read(inside.to_string(), on_disk, limit)?);
        }
    }
    let held = |inside: &str, list: &[crate::pack::SignatureFile]| {
        list.iter()
            .map(|(name, bytes)| (format!("{inside}/{name}"), bytes.clone()))
            .collect::<Vec<_>>()
    };
    files.extend(held(SIGNATURES_DIR, &contents.signatures.active));
    files.extend(held(
        &format!("{SIGNATURES_DIR}/{SET_ASIDE_DIR}"),
        &contents.signatures.set_aside,
    ));
    files.extend(held(
        crate::pack::layout::CHECKPOINTS_DIR,
        &contents.checkpoints,
    ));
    // Paper signatures: each record, and the scan it names.
    for paper in &contents.paper {
        files.push((
            format!("{}/{}", crate::pack::layout::PAPER_DIR, paper.name),
            paper.bytes.clone(),
        ));
        let scan = crate::json::from_slice::<crate::approval::paper::PaperRecord>(&paper.bytes)
            .ok()
            .map(|r| r.scan)
            .filter(|s| crate::approval::paper::is_plain_name(s));
        if let (Some(name), Some(bytes)) = (scan, &paper.scan) {
            files.push((
                format!("{}/{name}", crate::pack::layout::PAPER_DIR),
                bytes.clone(),
            ));
        }
    }
    if let Some((path, _)) = files
        .iter()
        .find(|(_, bytes)| crate::approval::keys::looks_like_secret_key(bytes))
    {
        return Err(BundleError::SecretKey(path.clone()));
    }
    Ok(files)
}

/// docs/SPEC.md B4: the files of a bundle that no rule explains, as their paths: anything but
/// the pack's data, the manifest, each document it lists and that document's kept data, the
/// keyring, the register and its checkpoints, signature files (`.dsse.json`), the failing ones
/// set aside, paper records and the scans they name, the signature report and sheet, and the
/// page. `paths` are the bundle's files (its index aside), `contents` what was read of them.
pub fn unexplained(paths: &[String], contents: &crate::pack::PackContents) -> Vec<String> {
    let mut known: std::collections::BTreeSet<String> = [
        crate::pack::layout::FRAMEWORK_FILE.to_string(),
        crate::pack::layout::ORGANISATIONS_FILE.to_string(),
        format!("{OUT_DIR}/{}", crate::pack::layout::MANIFEST_FILE),
        crate::pack::layout::KEYRING_FILE.to_string(),
        crate::pack::layout::REGISTER_FILE.to_string(),
        REPORT_FILE.to_string(),
        crate::pack::layout::SHEET_FILE.to_string(),
        crate::pack::layout::PAGE_FILE.to_string(),
    ]
    .into_iter()
    .collect();
    for d in &contents.manifest.documents {
        known.insert(format!("{OUT_DIR}/{}", d.file));
        known.insert(format!(
            "{OUT_DIR}/{}",
            crate::document::manifest::data_file_name(&d.file)
        ));
    }
    for paper in &contents.paper {
        // Any record that names a scan explains it (whether the record holds is the
        // document's verdict).
        if let Ok(record) = crate::json::from_slice::<serde_json::Value>(&paper.bytes)
            && let Some(scan) = record.get("scan").and_then(|s| s.as_str())
        {
            known.insert(format!("{}/{scan}", crate::pack::layout::PAPER_DIR));
        }
    }
    let protocols = format!("{}/", crate::pack::layout::PROTOCOLS_DIR);
    let checkpoints = format!("{}/", crate::pack::layout::CHECKPOINTS_DIR);
    let set_aside = format!("{SIGNATURES_DIR}/{SET_ASIDE_DIR}/");
    let signatures = format!("{SIGNATURES_DIR}/");
    let paper = format!("{}/", crate::pack::layout::PAPER_DIR);
    paths
        .iter()
        .filter(|p| {
            let single = |prefix: &str| {
                p.strip_prefix(prefix)
                    .is_some_and(|rest| !rest.is_empty() && !rest.contains('/'))
            };
            !(known.contains(p.as_str())
                || (single(&protocols) && p.ends_with(".json"))
                || single(&checkpoints)
                || single(&set_aside)
                || (single(&signatures) && p.ends_with(SIGNATURE_SUFFIX))
                || (single(&paper) && p.ends_with(crate::pack::layout::RECORD_SUFFIX)))
        })
        .cloned()
        .collect()
}

/// What D2 says of a manifest that records no inputs.
pub const NO_INPUTS_RECORDED: &str = "the manifest does not record the data files the documents were assembled from (an earlier countersign wrote it); assembling the pack again records them";

/// docs/SPEC.md D2: a bundle's data files (framework, organisations, protocols) are exactly the
/// ones its current documents were assembled from, as the manifest's `inputs` record them.
/// Returns every difference, in the manifest's order then the files'. A manifest written
/// before inputs were recorded lists none: then nothing pins the data, and that is the
/// difference (both verifiers would otherwise read data no one can show was assembled).
pub fn not_as_assembled(
    inputs: &[crate::document::manifest::InputRecord],
    data_files: &[crate::document::validate::DataFile],
) -> Vec<String> {
    if inputs.is_empty() {
        return vec![NO_INPUTS_RECORDED.to_string()];
    }
    let mut problems = Vec::new();
    for input in inputs {
        match data_files.iter().find(|f| f.name == input.file) {
            None => problems.push(format!(
                "{} is missing: the current documents were assembled from it",
                input.file
            )),
            Some(f) if sha256_hex(&f.bytes) != input.sha256 => problems.push(format!(
                "{} is not the file the current documents were assembled from (its SHA-256 differs from the manifest's)",
                f.name
            )),
            Some(_) => {}
        }
    }
    for f in data_files {
        if !inputs.iter().any(|i| i.file == f.name) {
            problems.push(format!(
                "{} was not among the files the current documents were assembled from",
                f.name
            ));
        }
    }
    problems
}

/// Writes the bundle: the index first, then the files in the order given; one timestamp, one
/// mode, fixed compression.
pub fn build(
    pack_id: &str,
    created_at: crate::time::Timestamp,
    files: &[(String, Vec<u8>)],
) -> Result<Vec<u8>, BundleError> {
    let index = BundleIndex {
        format: INDEX_FORMAT.into(),
        pack: pack_id.into(),
        created_at: created_at.to_string(),
        files: files
            .iter()
            .map(|(p, b)| IndexEntry {
                path: p.clone(),
                sha256: sha256_hex(b),
                size: b.len() as u64,
            })
            .collect(),
    };
    if files.len() + 1 > MAX_BUNDLE_FILES {
        return Err(BundleError::TooManyFiles(files.len() + 1));
    }
    let mut index_bytes = serde_json::to_vec_pretty(&index).unwrap_or_default();
    index_bytes.push(b'\n');
    let total = files.iter().map(|(_, b)| b.len() as u64).sum::<u64>() + index_bytes.len() as u64;
    if total > MAX_BUNDLE_BYTES {
        return Err(BundleError::TooLarge(total));
    }
    let werr = |e: zip::result::ZipError| BundleError::NotABundle(e.to_string());
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(6))
        .last_modified_time(DateTime::default())
        .unix_permissions(0o644);
    for (path, bytes) in std::iter::once((INDEX_FILE, index_bytes.as_slice()))
        .chain(files.iter().map(|(p, b)| (p.as_str(), b.as_slice())))
    {
        writer.start_file(path, options).map_err(werr)?;
        writer
            .write_all(bytes)
            .map_err(|e| BundleError::NotABundle(e.to_string()))?;
    }
    Ok(writer.finish().map_err(werr)?.into_inner())
}

/// A file of a bundle: its path and bytes.
pub type BundleFile = (String, Vec<u8>);

/// Reads a bundle and checks every file against the index. Returns the index and the files.
pub fn open(bytes: &[u8]) -> Result<(BundleIndex, Vec<BundleFile>), BundleError> {
    // docs/SPEC.md Z1-Z7: the layout first, so that no entry is read from a zip that two
    // readers could unpack differently (two entries of one name: one verified, one opened).
    crate::document::ziplayout::check(bytes).map_err(BundleError::Layout)?;
    let mut archive =
        ZipArchive::new(Cursor::new(bytes)).map_err(|e| BundleError::NotABundle(e.to_string()))?;
    let mut files: Vec<BundleFile> = Vec::new();
    let mut index_bytes = None;
    let mut total = 0u64;
    for i in 0..archive.len() {
        let mut file = archive
            .by_index(i)
            .map_err(|e| BundleError::NotABundle(e.to_string()))?;
        let name = String::from_utf8_lossy(file.name_raw()).into_owned();
        if !crate::document::package::is_safe_name(name.trim_end_matches('/')) {
            return Err(BundleError::NotABundle(format!(
                "the entry '{name}' has a name that is not allowed"
            )));
        }
        // Folder entries carry no content (zip tools add them when a bundle is re-packed).
        if file.is_dir() {
            continue;
        }
        // Room for what the entry says it holds, within the budget: growing by doubling would
        // hold twice the budget at the moment of copying.
        let budget_left = MAX_BUNDLE_BYTES - total;
        let mut content = Vec::with_capacity(file.size().min(budget_left + 1) as usize);
        let read = (&mut file)
            // Never more than what is left of the budget (and one byte to see it exceeded).
            .take(budget_left + 1)
            .read_to_end(&mut content)
                        // One wording for every way an entry's content fails (Z7), whichever part of the
            // reader finds it: the page words it the same.
            .map_err(|_| {
                BundleError::NotABundle(format!(
                    "the entry '{name}' is damaged (it does not inflate to its recorded size and CRC-32)"
                ))
            })?
            as u64;
        total += read;
        if total > MAX_BUNDLE_BYTES {
            return Err(BundleError::NotABundle(format!(
                "it inflates to more than {} MiB",
                MAX_BUNDLE_BYTES / (1024 * 1024)
            )));
        }
        if name == INDEX_FILE {
            index_bytes = Some(content);
        } else {
            files.push((name, content));
        }
    }
    let index_bytes =
        index_bytes.ok_or_else(|| BundleError::Malformed(format!("it has no {INDEX_FILE}")))?;
    let index: BundleIndex = crate::json::from_slice(&index_bytes).map_err(|e| {
        BundleError::Malformed(format!(
            "its index is malformed ({})",
            crate::json::reason(&e)
        ))
    })?;
    if index.format != INDEX_FORMAT {
        return Err(BundleError::Malformed(format!(
            "its index has the format '{}'",
            index.format
        )));
    }
    let mut problems = Vec::new();
    let listed: std::collections::BTreeMap<&str, &IndexEntry> =
        index.files.iter().map(|e| (e.path.as_str(), e)).collect();
    let held: std::collections::BTreeSet<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    for (name, content) in &files {
        match listed.get(name.as_str()) {
            None => problems.push(format!("{name} was added: it is not in the index")),
            Some(e) if e.sha256 != sha256_hex(content) || e.size != content.len() as u64 => {
                problems.push(format!(
                    "{name} was altered: its SHA-256 differs from the index"
                ))
            }
            Some(_) => {}
        }
    }
    for e in &index.files {
        if !held.contains(e.path.as_str()) {
            problems.push(format!("{} was removed: the index lists it", e.path));
        }
    }
    if !problems.is_empty() {
        return Err(BundleError::Mismatch(problems));
    }
    Ok((index, files))
}

/// What a bundle holds, as a pack's contents in memory (nothing is written to disk): its data
/// checked as `validate` checks a pack, its manifest, keyring, register, signatures,
/// checkpoints and documents.
// Why this is long: one sorting of a bundle's files into a pack's contents, path by path, with
// the rule each path kind obeys (docs/SPEC.md B and M) beside its case.
pub fn contents(files: Vec<BundleFile>) -> Result<crate::pack::PackContents, BundleError> {
    use crate::pack::{Documents, PackContents, SignatureFiles};

    let not_a_bundle = |what: String| BundleError::Malformed(what);
    let mut data_files = Vec::new();
    let mut protocols = Vec::new();
    let mut manifest = None;
    let mut keyring = None;
    let mut register = None;
    let mut signatures = SignatureFiles::default();
    let mut checkpoints = Vec::new();
    let mut paper_files: std::collections::BTreeMap<String, Vec<u8>> =
        std::collections::BTreeMap::new();
    let mut documents = std::collections::BTreeMap::new();
    let paper_prefix = format!("{}/", crate::pack::layout::PAPER_DIR);
    let protocols_prefix = format!("{}/", crate::pack::layout::PROTOCOLS_DIR);
    let signatures_prefix = format!("{SIGNATURES_DIR}/");
    let set_aside_prefix = format!("{SIGNATURES_DIR}/{SET_ASIDE_DIR}/");
    let checkpoints_prefix = format!("{}/", crate::pack::layout::CHECKPOINTS_DIR);
    let manifest_path = format!(
        "{}/{}",
        crate::pack::layout::OUT_DIR,
        crate::pack::layout::MANIFEST_FILE
    );
    let out_prefix = format!("{}/", crate::pack::layout::OUT_DIR);
    for (path, bytes) in files {
        if path == crate::pack::layout::FRAMEWORK_FILE
            || path == crate::pack::layout::ORGANISATIONS_FILE
        {
            data_files.push(crate::document::validate::DataFile { name: path, bytes });
        } else if path.starts_with(&protocols_prefix) && path.ends_with(".json") {
            protocols.push(crate::document::validate::DataFile { name: path, bytes });
        } else if path == manifest_path {
            manifest = Some(bytes);
        } else if path == crate::pack::layout::KEYRING_FILE {
            keyring = Some(bytes);
        } else if path == crate::pack::layout::REGISTER_FILE {
            register = Some(bytes);
        } else if let Some(name) = path.strip_prefix(&set_aside_prefix) {
            signatures.set_aside.push((name.to_string(), bytes));
        } else if let Some(name) = path.strip_prefix(&signatures_prefix) {
            if name.ends_with(SIGNATURE_SUFFIX) && !name.contains('/') {
                signatures.active.push((name.to_string(), bytes));
            }
        } else if let Some(name) = path.strip_prefix(&paper_prefix) {
            paper_files.insert(name.to_string(), bytes);
        } else if let Some(name) = path.strip_prefix(&checkpoints_prefix) {
            checkpoints.push((name.to_string(), bytes));
        } else if let Some(name) = path.strip_prefix(&out_prefix) {
            documents.insert(name.to_string(), bytes);
        }
    }
    data_files.sort_by(|a, b| {
        (a.name != crate::pack::layout::FRAMEWORK_FILE)
            .cmp(&(b.name != crate::pack::layout::FRAMEWORK_FILE))
    });
    if data_files.len() != 2 {
        return Err(not_a_bundle(format!(
            "it lacks {} or {}",
            crate::pack::layout::FRAMEWORK_FILE,
            crate::pack::layout::ORGANISATIONS_FILE
        )));
    }
    protocols.sort_by(|a, b| a.name.cmp(&b.name));
    data_files.extend(protocols);
    let manifest: crate::document::manifest::Manifest = crate::json::from_slice(
        &manifest.ok_or_else(|| not_a_bundle(format!("it has no {manifest_path}")))?,
    )
    .map_err(|e| {
        not_a_bundle(format!(
            "its manifest is malformed ({})",
            crate::json::reason(&e)
        ))
    })?;
    manifest
        .check()
        .map_err(|e| not_a_bundle(format!("its manifest cannot be used: {e}")))?;
    let changed = not_as_assembled(&manifest.inputs, &data_files);
    if !changed.is_empty() {
        return Err(BundleError::NotAsAssembled(changed));
    }
    let data = crate::document::validate::check_files(data_files).map_err(BundleError::Data)?;
    let keyring = match keyring {
        Some(bytes) => {
            crate::approval::keyring::Keyring::from_bytes(&bytes).map_err(BundleError::Keyring)?
        }
        None => crate::approval::keyring::Keyring::default(),
    };
    let register = match register {
        Some(bytes) => {
            crate::record::register::Register::parse(&bytes).map_err(BundleError::Register)?
        }
        None => crate::record::register::Register::default(),
    };
    signatures.active.sort();
    signatures.set_aside.sort();
    checkpoints.sort();
    let paper = paper_files
        .iter()
        .filter(|(name, _)| name.ends_with(crate::pack::layout::RECORD_SUFFIX))
        .map(|(name, bytes)| {
            let scan = crate::json::from_slice::<crate::approval::paper::PaperRecord>(bytes)
                .ok()
                .and_then(|r| paper_files.get(&r.scan).cloned());
            crate::approval::paper::PaperFile {
                name: name.clone(),
                bytes: bytes.clone(),
                scan,
            }
        })
        .collect();
    Ok(PackContents {
        data,
        manifest,
        keyring,
        register,
        register_head: None,
        signatures,
        checkpoints,
        paper,
        documents: Documents::Memory(documents),
    })
}

/// Why a bundle was not made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MakeError {
    /// The pack could not be read.
    #[error(transparent)]
    Load(#[from] crate::pack::LoadError),
    /// The register's checkpoints do not hold.
    #[error("the register cannot be trusted: {0}")]
    Register(crate::record::register::RegisterError),
    /// A document the manifest lists is not in the pack.
    #[error("{0} is listed in the manifest but the pack does not hold it")]
    DocumentMissing(String),
    /// The data changed since the documents were assembled (D2).
    #[error("the pack's data has changed since it was last assembled, so a bundle of it would not verify:{}", .0.iter().map(|c| format!("\n  - {c}")).collect::<String>())]
    NotAsAssembled(Vec<String>),
    /// The signature report's template cannot be read.
    #[error(transparent)]
    Template(crate::document::assemble::AssembleError),
    /// The signature sheet could not be made from the pack's own template.
    #[error("cannot make the signature sheet: {0}")]
    Sheet(crate::document::assemble::AssembleError),
    /// The signature report could not be rendered with the pack's own template.
    #[error("cannot make the signature report: {0}")]
    Report(crate::document::template::TemplateError),
    /// A file to bundle could not be read, or would put a secret key in the bundle.
    #[error(transparent)]
    Files(BundleError),
    /// The zip could not be made.
    #[error("{0}")]
    Zip(BundleError),
}

/// A bundle made: its bytes, and what it holds.
#[derive(Debug, Clone)]
pub struct Made {
    /// The zip.
    pub zip: Vec<u8>,
    /// How many files it holds, its index included.
    pub files: usize,
    /// The documents the manifest lists.
    pub documents: usize,
    /// The signatures that verify.
    pub signatures: usize,
    /// The register's records.
    pub register_records: usize,
    /// The documents that fail verification (they are reported as such inside).
    pub failing: Vec<String>,
}

/// Makes the circulation bundle of `pack` at `at`: the pack verified, refused if a listed
/// document is missing or the data changed since assembly, and the signature report, the
/// signature sheet and the verification page added to its files. Writes nothing.
pub fn make(pack: &crate::pack::Pack, at: crate::time::Timestamp) -> Result<Made, MakeError> {
    let contents = pack.contents()?;
    let verification = crate::verify::verify_pack(&contents).map_err(MakeError::Register)?;
    if let Some(missing) = verification.missing.first() {
        return Err(MakeError::DocumentMissing(missing.clone()));
    }
    let changed = not_as_assembled(&contents.manifest.inputs, contents.data.files());
    if !changed.is_empty() {
        return Err(MakeError::NotAsAssembled(changed));
    }
    let context = report_context(
        &contents.data,
        &contents.manifest,
        &contents.register,
        &verification.reports,
        at,
    );
    let (template, _) = crate::document::assemble::template_bytes(pack, REPORT_FILE)
        .map_err(MakeError::Template)?;
    let report = crate::document::template::Template::from_bytes(template)
        .and_then(|t| t.render(&context))
        .map_err(MakeError::Report)?;
    let mut files = collect(pack, &contents).map_err(MakeError::Files)?;
    files.push((REPORT_FILE.to_string(), report));
    let (sheet, _) = crate::document::sheet::render(pack, &contents, &verification.reports, at)
        .map_err(MakeError::Sheet)?;
    files.push((crate::pack::layout::SHEET_FILE.to_string(), sheet));
    files.push((
        crate::pack::layout::PAGE_FILE.to_string(),
        crate::verify::page::html().into_bytes(),
    ));
    let zip = build(&contents.data.framework.id, at, &files).map_err(MakeError::Zip)?;
    Ok(Made {
        zip,
        files: files.len() + 1,
        documents: contents.manifest.documents.len(),
        signatures: verification.reports.iter().map(|r| r.signed_count()).sum(),
        register_records: contents.register.records.len(),
        failing: verification
            .reports
            .iter()
            .filter(|r| !r.valid)
            .map(|r| r.file.clone())
            .collect(),
    })
}

/// The data the signature report template is rendered with: per document its digest and each
/// signature as verified, with its place in the register.
pub fn report_context(
    data: &crate::document::validate::PackData,
    manifest: &crate::document::manifest::Manifest,
    register: &crate::record::register::Register,
    reports: &[crate::verify::VerifyReport],
    generated_at: crate::time::Timestamp,
) -> serde_json::Value {
    use crate::verify::Status;
    // Reversed so that, as with a search from the start, the first listed wins.
    let by_file: std::collections::HashMap<&str, &crate::document::manifest::ManifestEntry> =
        manifest
            .documents
            .iter()
            .rev()
            .map(|d| (d.file.as_str(), d))
            .collect();
    let documents: Vec<serde_json::Value> = reports
        .iter()
        .map(|r| {
            let entry = by_file.get(r.file.as_str()).copied();
            let signatures: Vec<serde_json::Value> = r
                .parties
                .iter()
                .filter_map(|p| match (&p.status, &p.signed, &p.paper) {
                    (Status::Signed, Some(s), _) => Some(serde_json::json!({
                        "organisation": p.name, "signatory": s.signatory, "role": s.role, "signed_at": s.signed_at,
                        "key_id": s.key_id, "register_record": s.register_record.map_or_else(|| "not recorded".to_string(), |n| n.to_string()),
                    })),
                    (Status::SignedOnPaper, _, Some(paper)) => Some(serde_json::json!({
                        "organisation": p.name, "signatory": paper.signatory, "role": paper.role,
                        "signed_at": format!("{} (on paper)", paper.signed_on),
                        "key_id": format!("signed on paper, recorded by the coordinator on {}; scan SHA-256 {}", paper.recorded_at.get(..10).unwrap_or_default(), paper.scan_sha256),
                        "register_record": paper.register_record.to_string(),
                    })),
                    _ => None,
                })
                .collect();
            let outstanding: Vec<String> = r.parties.iter().filter(|p| !matches!(p.status, Status::Signed | Status::SignedOnPaper)).map(|p| p.name.clone()).collect();
            serde_json::json!({
                "file": r.file,
                "title": entry.map(|e| e.title.clone()).unwrap_or_default(),
                "version": r.version.clone().unwrap_or_default(),
                "state": if entry.is_some_and(|e| e.current) { "current version" } else { "earlier version" },
                "sha256": r.sha256,
                "signatures": signatures,
                "outstanding": outstanding,
            })
        })
        .collect();
    let (records, head) = register.head();
    serde_json::json!({
        "document": {"title": format!("{}: signature report", data.framework.title), "kind": "signature-report", "id": data.framework.id, "version": data.framework.version, "date": generated_at.date()},
        "framework": {"area": data.framework.area, "document_control": {"lead_author": data.framework.document_control.lead_author}},
        "pack": {"id": data.framework.id, "title": data.framework.title, "version": data.framework.version},
        "generated_at": generated_at,
        "documents": documents,
        "register": {"records": records, "head": head},
    })
}

/// The format of a bundle's verdict (`verify BUNDLE.zip --json`, and the page's).
pub const VERDICT_FORMAT: &str = "countersign/bundle-verify/v1";

/// One problem that makes a bundle fail, with its stable code (docs/SPEC.md, "Problem codes").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The stable, machine-readable code.
    pub code: &'static str,
    /// What is wrong, in words.
    pub message: String,
}

/// The register as a bundle's verdict shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegisterSummary {
    /// How many records it holds.
    pub records: u64,
    /// The SHA-256 of its last record (its head).
    pub head: String,
    /// Each checkpoint that holds, in words.
    pub checkpoints: Vec<String>,
}

/// The verdict on a whole bundle: what `verify BUNDLE.zip --json` prints and the page gives,
/// field for field (docs/SPEC.md V1 to V6).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BundleVerdict {
    /// Always [`VERDICT_FORMAT`].
    pub format: &'static str,
    /// The pack the index names.
    pub pack: String,
    /// When the bundle was made, as the index says.
    pub created_at: String,
    /// How many files the index lists.
    pub files: usize,
    /// The register.
    pub register: RegisterSummary,
    /// One report per document the bundle holds.
    pub documents: Vec<crate::verify::VerifyReport>,
    /// What makes the bundle fail.
    pub problems: Vec<Problem>,
    /// Who has not approved a current document, as "file: organisation".
    pub outstanding: Vec<String>,
    /// True when there is no problem.
    pub valid: bool,
    /// What the keys were checked against: `none`, `trust-file` or `earlier-keyring`.
    pub trust: &'static str,
    /// True when every signing key is confirmed by what the verifier trusts.
    pub keys_confirmed: bool,
    /// The headline (docs/SPEC.md V6): `confirmed`, `valid-not-confirmed` or `failed`.
    pub outcome: crate::verify::Outcome,
    /// With something to trust given, each signature whose key it does not confirm, in
    /// words, once per organisation and key.
    pub unconfirmed: Vec<String>,
    /// What the verifier should know about the keys.
    pub trust_notes: Vec<String>,
    /// Whether the bundle's `verify.html` is the page this verifier writes.
    pub page: crate::verify::page::PageCheck,
    /// Files of the bundle that no rule explains (reported, not counted).
    pub unexplained_files: Vec<String>,
}

/// What a verifier asks of a bundle beyond its own checks.
#[derive(Debug, Clone, Copy, Default)]
pub struct Asks {
    /// An approval on paper does not count as signed (`--electronic-only`).
    pub electronic_only: bool,
}

/// Builds a bundle's verdict from what was read and verified: the one place its fields,
/// problems and their codes are decided (the command prints it; the page builds the same).
/// `anchor` and its notes are what the verifier trusts; `page` and `unexplained_files` what
/// the bundle carries beyond the pack.
// Why this is long: the one place a bundle verdict's fields, problems and codes are decided, in
// the order of docs/SPEC.md V1 to V5 and of `verifyBundle` in page/verify.js.
pub fn verdict(
    index: &BundleIndex,
    contents: &crate::pack::PackContents,
    verification: &crate::verify::PackVerification,
    (anchor, trust_notes): (Option<&crate::verify::trust::Anchor>, Vec<String>),
    (page, unexplained_files): (crate::verify::page::PageCheck, Vec<String>),
    asks: Asks,
) -> BundleVerdict {
    use crate::verify::Status;
    let register = &contents.register;
    let mut problems = Vec::new();
    for missing in &verification.missing {
        problems.push(Problem {
            code: "document-missing",
            message: format!("{missing} is listed in the manifest but missing"),
        });
    }
    for r in &verification.reports {
        if !r.valid {
            problems.push(Problem {
                code: "document-fails",
                message: format!("{} fails verification", r.file),
            });
        }
        // M4: recorded, and recorded as the manifest lists it (the manifest is not signed; the
        // register's record of the assembly is what names the document).
        match register.assembled(&r.sha256).map(|record| &record.event) {
            None => problems.push(Problem {
                code: "not-recorded-as-assembled",
                message: format!("{} is not recorded in the register as assembled", r.file),
            }),
            Some(crate::record::register::Event::DocumentAssembled {
                file,
                id,
                kind,
                version,
                ..
            }) if (file, Some(id), Some(kind), Some(version))
                != (&r.file, r.id.as_ref(), r.kind.as_ref(), r.version.as_ref()) =>
            {
                problems.push(Problem {
                    code: "not-recorded-as-assembled",
                    message: format!(
                        "{} is recorded in the register as assembled as {file} ({kind} '{id}', version {version}), not as the manifest lists it",
                        r.file
                    ),
                });
            }
            Some(_) => {}
        }
    }
    let current: std::collections::HashSet<&str> = contents
        .manifest
        .documents
        .iter()
        .filter(|d| d.current)
        .map(|d| d.file.as_str())
        .collect();
    let mut outstanding: Vec<String> = verification
        .reports
        .iter()
        .filter(|r| current.contains(r.file.as_str()))
        .flat_map(|r| {
            r.parties
                .iter()
                .filter(|p| !matches!(p.status, Status::Signed | Status::SignedOnPaper))
                .map(move |p| format!("{}: {}", r.file, p.name))
        })
        .collect();
    if asks.electronic_only {
        for r in &verification.reports {
            for org in r.on_paper() {
                outstanding.push(format!("{}: {org} (on paper only)", r.file));
            }
        }
    }
    let (records, head) = register.head();
    let keys_confirmed = verification.reports.iter().all(|r| r.keys_confirmed);
    let problems_empty = problems.is_empty();
    let mut seen = std::collections::HashSet::new();
    let unconfirmed: Vec<String> = verification
        .reports
        .iter()
        .flat_map(|r| &r.unconfirmed)
        .filter(|line| seen.insert(line.as_str()))
        .cloned()
        .collect();
    BundleVerdict {
        format: VERDICT_FORMAT,
        pack: index.pack.clone(),
        created_at: index.created_at.clone(),
        files: index.files.len(),
        register: RegisterSummary {
            records,
            head,
            checkpoints: verification
                .checkpoints
                .iter()
                .map(|c| crate::record::checkpoint::describe(c, &contents.keyring))
                .collect(),
        },
        documents: verification.reports.clone(),
        valid: problems.is_empty(),
        problems,
        outstanding,
        trust: match anchor {
            None => "none",
            Some(crate::verify::trust::Anchor::Pinned(_)) => "trust-file",
            Some(crate::verify::trust::Anchor::EarlierKeyring(_)) => "earlier-keyring",
        },
        keys_confirmed,
        outcome: crate::verify::Outcome::of(problems_empty, anchor.is_some(), keys_confirmed),
        unconfirmed,
        trust_notes,
        page,
        unexplained_files,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A bundle of 60,000 indexed files: its files are matched to the index by name in one
    /// pass (it took 30 s when each file searched the whole index), and damage is still named.
    #[test]
    fn a_large_bundle_is_checked_against_its_index_in_linear_time() {
        let files: Vec<(String, Vec<u8>)> = (0..60_000)
            .map(|i| (format!("signatures/f{i}.dsse.json"), vec![(i % 251) as u8]))
            .collect();
        let zip = build("p", crate::time::Timestamp::from_unix(0), &files).unwrap();
        let (index, opened) = open(&zip).unwrap();
        assert_eq!(index.files.len(), 60_000);
        assert_eq!(opened.len(), 60_000);
        let mut damaged = files.clone();
        damaged[59_999].1 = vec![0xff, 0xff];
        let mut zip = build("p", crate::time::Timestamp::from_unix(0), &damaged).unwrap();
        // Put the original index back: the last file no longer matches it.
        let good = build("p", crate::time::Timestamp::from_unix(0), &files).unwrap();
        let (good_index, _) = open(&good).unwrap();
        let mut index_bytes = serde_json::to_vec_pretty(&good_index).unwrap();
        index_bytes.push(b'\n');
        zip = rebuild_with_index(&zip, &index_bytes);
        match open(&zip) {
            Err(BundleError::Mismatch(problems)) => {
                assert_eq!(
                    problems,
                    ["signatures/f59999.dsse.json was altered: its SHA-256 differs from the index"]
                );
            }
            other => panic!("{other:?}"),
        }
    }

    fn rebuild_with_index(zip: &[u8], index: &[u8]) -> Vec<u8> {
        let mut archive = ZipArchive::new(Cursor::new(zip)).unwrap();
        let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
        let options = SimpleFileOptions::default();
        for i in 0..archive.len() {
            let mut file = archive.by_index(i).unwrap();
            let name = String::from_utf8_lossy(file.name_raw()).into_owned();
            let mut bytes = Vec::new();
            file.read_to_end(&mut bytes).unwrap();
            writer.start_file(name.as_str(), options).unwrap();
            if name == INDEX_FILE {
                writer.write_all(index).unwrap();
            } else {
                writer.write_all(&bytes).unwrap();
            }
        }
        writer.finish().unwrap().into_inner()
    }
}
