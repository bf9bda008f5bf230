//! Assembling a pack: every document the partners sign, rendered from the pack's data and
//! templates, with a manifest that records what each document is and what it came from.
//!
//! Everything is rendered in memory first; files are written only when every document
//! rendered, each atomically, the manifest last. A document already assembled is never
//! replaced by different bytes under the same version. The data each template sees (its
//! "context") is built here and documented in README.md.

use crate::pack::Pack;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::digest::sha256_hex;
use crate::document::context::{Issues, Job, plan};
use crate::document::manifest::{
    MANIFEST_FORMAT, Manifest, ManifestEntry, TemplateRecord, manifest_bytes,
};
use crate::document::template::{Template, TemplateError};
use crate::document::validate::{PackData, PackError};
use crate::fsio::{self, Overwrite, WriteError};
use crate::record::register::{self, Event};

/// An assembled document in memory.
#[derive(Debug, Clone)]
pub struct AssembledDocument {
    /// Its manifest entry.
    pub entry: ManifestEntry,
    /// Its bytes.
    pub bytes: Vec<u8>,
    /// The data it was rendered with (its context), as JSON: kept beside the document so that
    /// later versions can be compared with it (`countersign changes`).
    pub context: Vec<u8>,
}

/// Why a pack could not be assembled.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AssembleError {
    /// The pack's data could not be loaded or is invalid.
    #[error(transparent)]
    Pack(#[from] PackError),
    /// A template could not be read.
    #[error("cannot read the template '{}' ({source})", path.display())]
    TemplateRead {
        /// The template file.
        path: PathBuf,
        /// The cause.
        source: crate::fsio::ReadError,
    },
    /// A template could not be used or rendered.
    #[error(
        "the {kind} template '{template}' ({source_label}) cannot be used for {file}: {source}"
    )]
    Template {
        /// The document kind.
        kind: &'static str,
        /// The template name.
        template: String,
        /// `the pack's own` or `the default`.
        source_label: &'static str,
        /// The document being rendered.
        file: String,
        /// The cause.
        source: Box<TemplateError>,
    },
    /// A document's content changed but its version did not.
    #[error(
        "{file} already exists with different content: the {kind} '{id}' changed but its version is still {version}"
    )]
    VersionNotRaised {
        /// The file.
        file: String,
        /// The document kind.
        kind: &'static str,
        /// The document id.
        id: String,
        /// Its version.
        version: String,
    },
    /// An output could not be written.
    #[error(transparent)]
    Write(#[from] WriteError),
    /// The register shows a version was issued that the document's revision history omits.
    #[error(
        "the register shows version {version} was issued (record {record}), but the revisions in {file} do not list it"
    )]
    RevisionMissing {
        /// The data file whose revisions omit it.
        file: String,
        /// The version.
        version: String,
        /// The register record.
        record: u64,
    },
    /// The register cannot be trusted or appended to.
    #[error("the pack's register cannot be used: {0}")]
    Register(#[from] crate::record::register::RegisterError),
    /// The existing manifest cannot be read.
    #[error("the manifest '{}' cannot be read ({source})", path.display())]
    ManifestUnreadable {
        /// The manifest file.
        path: PathBuf,
        /// Why.
        source: crate::fsio::ReadError,
    },
    /// The existing manifest is not a manifest.
    #[error("the manifest '{}' is damaged ({source})", path.display())]
    ManifestMalformed {
        /// The manifest file.
        path: PathBuf,
        /// What the parser found.
        source: serde_json::Error,
    },
}

/// Progress callback: (documents done, total, file being written).
pub type Progress<'a> = &'a mut dyn FnMut(usize, usize, &str);

/// The day each framework version was first recorded as issued: version to `YYYY-MM-DD`.
/// When the register first recorded each version of the framework and of each protocol.
fn document_issues(register: &crate::record::register::Register) -> Issues {
    let mut issues = Issues::default();
    for r in &register.records {
        if let Event::DocumentAssembled {
            kind, id, version, ..
        } = &r.event
        {
            let versions = match kind.as_str() {
                "framework" => &mut issues.framework,
                "protocol" => issues.protocols.entry(id.clone()).or_default(),
                _ => continue,
            };
            versions
                .entry(version.clone())
                .or_insert_with(|| r.at.date());
        }
    }
    issues
}

/// The first register record of an issue of this version of a document.
fn first_record(
    register: &crate::record::register::Register,
    of: &str,
    id: Option<&str>,
    version: &str,
) -> u64 {
    register.records.iter().find(|r| matches!(&r.event, Event::DocumentAssembled { kind, id: i, version: v, .. } if kind == of && id.is_none_or(|id| id == i) && v == version)).map_or(0, |r| r.seq)
}

/// A version the register shows was issued that the document's revision history omits (a
/// protocol without a revision history has nothing to omit).
fn revision_missing(
    data: &PackData,
    register: &crate::record::register::Register,
    issues: &Issues,
) -> Option<AssembleError> {
    let listed = |revisions: &[crate::document::model::Revision], v: &str| {
        revisions.iter().any(|r| r.version == v)
    };
    if let Some(version) = issues
        .framework
        .keys()
        .find(|v| !listed(&data.framework.revisions, v))
    {
        return Some(AssembleError::RevisionMissing {
            file: crate::pack::layout::FRAMEWORK_FILE.to_string(),
            record: first_record(register, "framework", None, version),
            version: version.clone(),
        });
    }
    for p in data.protocols.iter().filter(|p| !p.revisions.is_empty()) {
        let issued = issues
            .protocols
            .get(&p.id)
            .into_iter()
            .flat_map(|i| i.keys());
        if let Some(version) = issued.into_iter().find(|v| !listed(&p.revisions, v)) {
            return Some(AssembleError::RevisionMissing {
                file: format!("{}/{}.json", crate::pack::layout::PROTOCOLS_DIR, p.id),
                record: first_record(register, "protocol", Some(&p.id), version),
                version: version.clone(),
            });
        }
    }
    None
}

/// The default template with this name, as shipped in the binary.
pub fn default_template(name: &str) -> Option<&'static [u8]> {
    crate::document::templates::default_bytes(name)
}

struct LoadedTemplate {
    record: TemplateRecord,
    template: Result<Template, TemplateError>,
}

/// The bytes of the template `name` for a pack: the pack's own (`templates/NAME`) when it has
/// one, else the default; with `"pack"` or `"default"` to say which.
pub fn template_bytes(pack: &Pack, name: &str) -> Result<(Vec<u8>, &'static str), AssembleError> {
    let own = pack.template_path(name);
    // A link or pipe named like a template is refused, not silently replaced by the default.
    if std::fs::symlink_metadata(&own).is_ok() {
        let bytes = crate::fsio::read_limited(&own, crate::fsio::limits::TEMPLATE, false).map_err(
            |source| AssembleError::TemplateRead {
                path: own.clone(),
                source,
            },
        )?;
        return Ok((bytes, "pack"));
    }
    Ok((
        default_template(name).unwrap_or_default().to_vec(),
        "default",
    ))
}

/// What the pack's own templates lack for their documents to be accessible, template by
/// template (the defaults lack nothing; a test holds them to that). For `validate` to warn.
pub fn template_gaps(
    pack: &Pack,
) -> Result<Vec<(&'static str, crate::document::template::accessible::Gap)>, AssembleError> {
    let mut found = Vec::new();
    for name in crate::document::templates::names() {
        let (bytes, source) = template_bytes(pack, name)?;
        if source == "pack" {
            let wants_contents = name == crate::document::templates::FRAMEWORK;
            for gap in crate::document::template::accessible::gaps(&bytes, wants_contents) {
                found.push((name, gap));
            }
        }
    }
    Ok(found)
}

fn load_template(pack: &Pack, name: &str) -> Result<LoadedTemplate, AssembleError> {
    let (bytes, source) = template_bytes(pack, name)?;
    let record = TemplateRecord {
        name: name.to_string(),
        source: source.to_string(),
        sha256: sha256_hex(&bytes),
    };
    Ok(LoadedTemplate {
        record,
        template: Template::from_bytes(bytes),
    })
}

/// Renders every document of a pack in memory, in the manifest's order.
pub fn assemble_in_memory(
    pack: &Pack,
    data: &PackData,
    progress: Progress<'_>,
) -> Result<Vec<AssembledDocument>, AssembleError> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    assemble_on(pack, data, progress, threads)
}

/// [`assemble_in_memory`] on at most `threads` threads.
fn assemble_on(
    pack: &Pack,
    data: &PackData,
    progress: Progress<'_>,
    threads: usize,
) -> Result<Vec<AssembledDocument>, AssembleError> {
    let register = crate::record::register::Register::load(&pack.register_path())?;
    let issued = document_issues(&register);
    if let Some(missing) = revision_missing(data, &register, &issued) {
        return Err(missing);
    }
    let jobs = plan(data, &issued);
    // Each template is read and compiled once, before any rendering.
    let mut templates: Vec<(&'static str, LoadedTemplate)> = Vec::new();
    for job in &jobs {
        let name = job.kind.template();
        if !templates.iter().any(|(n, _)| *n == name) {
            templates.push((name, load_template(pack, name)?));
        }
    }
    let total = jobs.len();
    let render = |job: &Job| -> Result<AssembledDocument, AssembleError> {
        let name = job.kind.template();
        let loaded = templates
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| t)
            .ok_or_else(|| AssembleError::TemplateRead {
                path: pack.template_path(name),
                source: crate::fsio::ReadError::NotRegular,
            })?;
        render_job(job, name, loaded)
    };
    // Many documents are rendered on every core; the results are put back in the plan's
    // order, so the output is byte for byte what one thread gives.
    let results: Vec<Result<AssembledDocument, AssembleError>> =
        if threads > 1 && total >= PARALLEL_FROM {
            let chunk = total.div_ceil(threads);
            let rendered: Vec<Vec<Result<AssembledDocument, AssembleError>>> =
                std::thread::scope(|scope| {
                    let handles: Vec<_> = jobs
                        .chunks(chunk)
                        .map(|part| scope.spawn(|| part.iter().map(render).collect::<Vec<_>>()))
                        .collect();
                    handles
                        .into_iter()
                        .map(|h| h.join().unwrap_or_default())
                        .collect()
                });
            rendered.into_iter().flatten().collect()
        } else {
            jobs.iter()
                .enumerate()
                .map(|(done, job)| {
                    progress(done, total, &job.file);
                    render(job)
                })
                .collect()
        };
    if results.len() != total {
        return Err(AssembleError::Write(WriteError::Io {
            path: pack.root().to_path_buf(),
            source: std::io::Error::other("a rendering thread stopped"),
        }));
    }
    let mut out = Vec::with_capacity(total);
    for (done, result) in results.into_iter().enumerate() {
        progress(done, total, jobs.get(done).map_or("", |j| j.file.as_str()));
        out.push(result?);
    }
    progress(total, total, "");
    Ok(out)
}

/// From how many documents `assemble` renders on several threads.
const PARALLEL_FROM: usize = 16;

fn render_job(
    job: &Job,
    name: &'static str,
    loaded: &LoadedTemplate,
) -> Result<AssembledDocument, AssembleError> {
    let fail = |source: TemplateError| AssembleError::Template {
        source: Box::new(source),
        kind: job.kind.label(),
        template: name.to_string(),
        source_label: if loaded.record.source == "pack" {
            "the pack's own"
        } else {
            "the default"
        },
        file: job.file.clone(),
    };
    let template = loaded.template.as_ref().map_err(|e| fail(e.clone()))?;
    let bytes = template.render(&job.context).map_err(fail)?;
    let context_bytes = serde_json::to_vec(&job.context).unwrap_or_default();
    let entry = ManifestEntry {
        file: job.file.clone(),
        kind: job.kind,
        id: job.id.clone(),
        version: job.version.clone(),
        title: job.title.clone(),
        sha256: sha256_hex(&bytes),
        size: bytes.len() as u64,
        template: loaded.record.clone(),
        data_sha256: sha256_hex(&context_bytes),
        parties: job.parties.clone(),
        current: true,
        supersedes: None,
    };
    let mut context = serde_json::to_vec_pretty(&job.context).unwrap_or_default();
    context.push(b'\n');
    Ok(AssembledDocument {
        entry,
        bytes,
        context,
    })
}

/// The manifest for assembled documents.
pub fn manifest_for(data: &PackData, documents: &[AssembledDocument]) -> Manifest {
    Manifest {
        format: MANIFEST_FORMAT.to_string(),
        pack: data.framework.id.clone(),
        pack_version: data.framework.version.clone(),
        inputs: data
            .files()
            .iter()
            .map(|f| crate::document::manifest::InputRecord {
                file: f.name.clone(),
                sha256: sha256_hex(&f.bytes),
            })
            .collect(),
        documents: documents.iter().map(|d| d.entry.clone()).collect(),
    }
}

/// Reads a manifest file.
pub fn read_manifest(path: &Path) -> Result<Manifest, AssembleError> {
    let bytes = crate::fsio::read_limited(path, crate::fsio::limits::MANIFEST, false).map_err(
        |source| AssembleError::ManifestUnreadable {
            path: path.to_path_buf(),
            source,
        },
    )?;
    let manifest: Manifest =
        crate::json::from_slice(&bytes).map_err(|source| AssembleError::ManifestMalformed {
            path: path.to_path_buf(),
            source,
        })?;
    manifest
        .check()
        .map_err(|problem| AssembleError::ManifestMalformed {
            path: path.to_path_buf(),
            source: serde::de::Error::custom(problem),
        })?;
    Ok(manifest)
}

/// What `assemble` wrote.
#[derive(Debug, Clone)]
pub struct AssembleReport {
    /// The manifest written.
    pub manifest: Manifest,
    /// Files written new.
    pub written: Vec<String>,
    /// Files already there with identical bytes.
    pub unchanged: Vec<String>,
}

/// Assembles the pack into `out`: renders everything first, refuses to replace an existing
/// document with different bytes under the same version, then writes each new document
/// atomically and the manifest last.
///
/// Every document written, and every version it supersedes, is recorded in the pack's
/// register at time `at`; a register that cannot be trusted stops the assembly before
/// anything is written (rendering reads it for the revision history).
// Why this is long: its steps are the guarantee it gives (render all, check every refusal, then
// write documents, kept data and the manifest, then record): kept in one place so that nothing is
// written before everything that can refuse has been checked.
pub fn assemble(
    pack: &Pack,
    data: &PackData,
    at: crate::time::Timestamp,
    progress: Progress<'_>,
) -> Result<AssembleReport, AssembleError> {
    let manifest_path = pack.manifest_path();
    let previous = if manifest_path.exists() {
        Some(read_manifest(&manifest_path)?)
    } else {
        None
    };
    let documents = assemble_in_memory(pack, data, progress)?;
    // Everything that can fail is checked before anything is written: links where the pack is
    // written, and whether the register can be appended to.
    for folder in [pack.out_dir().to_path_buf(), pack.data_dir()] {
        fsio::refuse_link(&folder).map_err(|source| {
            AssembleError::Write(WriteError::Io {
                path: folder.clone(),
                source,
            })
        })?;
    }
    register::check_appendable(&pack.register_path())?;
    pack.clear_stale_temporaries(at);
    let recorded = crate::record::register::Register::load(&pack.register_path())?;
    let mut written = Vec::new();
    let mut unchanged = Vec::new();
    for doc in &documents {
        let path = pack.document_path(&doc.entry.file);
        if let Ok(existing) = fsio::read_limited(&path, fsio::limits::DOCUMENT, false) {
            if existing == doc.bytes {
                unchanged.push(doc.entry.file.clone());
                continue;
            }
            return Err(AssembleError::VersionNotRaised {
                file: doc.entry.file.clone(),
                kind: doc.entry.kind.label(),
                id: doc.entry.id.clone(),
                version: doc.entry.version.clone(),
            });
        }
    }
    std::fs::create_dir_all(pack.out_dir()).map_err(|source| WriteError::Io {
        path: pack.out_dir().to_path_buf(),
        source,
    })?;
    for doc in &documents {
        let kept = pack.data_path(&doc.entry.file);
        if unchanged.contains(&doc.entry.file) {
            // The same document from other data (a field its template does not show, such as
            // the framework's version in a protocol's context): the manifest records this
            // data's digest, so the kept data must be this data too (docs/SPEC.md D1).
            let as_kept = fsio::read_limited(&kept, fsio::limits::DOCUMENT, false).ok();
            if as_kept.as_deref() != Some(doc.context.as_slice()) {
                std::fs::create_dir_all(pack.data_dir()).map_err(|source| WriteError::Io {
                    path: pack.data_dir(),
                    source,
                })?;
                fsio::write_atomic(&kept, &doc.context, Overwrite::Replace)?;
            }
            continue;
        }
        std::fs::create_dir_all(pack.data_dir()).map_err(|source| WriteError::Io {
            path: pack.data_dir(),
            source,
        })?;
        fsio::write_atomic(&kept, &doc.context, Overwrite::Replace)?;
        fsio::write_atomic(
            &pack.document_path(&doc.entry.file),
            &doc.bytes,
            Overwrite::Refuse,
        )?;
        written.push(doc.entry.file.clone());
    }
    let mut manifest = manifest_for(data, &documents);
    // Why each version was issued: the version of the same document it replaced.
    if let Some(previous) = &previous {
        // Reversed so that, as with a search from the start, the first listed wins.
        let by_file: HashMap<&str, &ManifestEntry> = previous
            .documents
            .iter()
            .rev()
            .map(|d| (d.file.as_str(), d))
            .collect();
        let current_by_id: HashMap<&str, &ManifestEntry> = previous
            .documents
            .iter()
            .rev()
            .filter(|d| d.current)
            .map(|d| (d.id.as_str(), d))
            .collect();
        for entry in &mut manifest.documents {
            entry.supersedes = match by_file.get(entry.file.as_str()) {
                Some(same) => same.supersedes.clone(),
                None => current_by_id
                    .get(entry.id.as_str())
                    .map(|d| d.version.clone()),
            };
        }
    }
    // Earlier versions stay listed: they were issued, and may have been signed.
    let mut events = Vec::new();
    // A document written by an earlier run that stopped before recording it is recorded now.
    let written_now: HashSet<&str> = written.iter().map(String::as_str).collect();
    for doc in documents.iter().filter(|d| {
        written_now.contains(d.entry.file.as_str()) || recorded.assembled(&d.entry.sha256).is_none()
    }) {
        let e = &doc.entry;
        events.push(Event::DocumentAssembled {
            file: e.file.clone(),
            id: e.id.clone(),
            kind: e.kind.as_str().to_string(),
            version: e.version.clone(),
            sha256: e.sha256.clone(),
        });
    }
    if let Some(previous) = previous {
        // By file, and the current version by id: found once, not searched per earlier document.
        let files: HashSet<String> = manifest.documents.iter().map(|d| d.file.clone()).collect();
        let mut current: HashMap<String, (String, String)> = HashMap::new();
        for d in manifest.documents.iter().filter(|d| d.current) {
            current
                .entry(d.id.clone())
                .or_insert_with(|| (d.version.clone(), d.file.clone()));
        }
        for mut old in previous.documents {
            if files.contains(&old.file) {
                continue;
            }
            if old.current
                && let Some((by_version, by_file)) = current.get(&old.id)
            {
                events.push(Event::VersionSuperseded {
                    id: old.id.clone(),
                    version: old.version.clone(),
                    file: old.file.clone(),
                    by_version: by_version.clone(),
                    by_file: by_file.clone(),
                });
            }
            old.current = false;
            manifest.documents.push(old);
        }
    }
    fsio::write_atomic(
        &pack.manifest_path(),
        &manifest_bytes(&manifest),
        Overwrite::Replace,
    )?;
    fsio::stop_point("assembled:manifest-written");
    if !events.is_empty() {
        register::append(&pack.register_path(), at, events)?;
    }
    Ok(AssembleReport {
        manifest,
        written,
        unchanged,
    })
}

/// A difference found by [`check`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckFinding {
    /// The document file.
    pub file: String,
    /// What differs.
    pub problem: String,
}

/// Re-assembles in memory and compares with the manifest and the files in `out`.
pub fn check(
    pack: &Pack,
    data: &PackData,
    progress: Progress<'_>,
) -> Result<Vec<CheckFinding>, AssembleError> {
    let manifest = read_manifest(&pack.manifest_path())?;
    let documents = assemble_in_memory(pack, data, progress)?;
    let listed: HashMap<&str, &ManifestEntry> = manifest
        .documents
        .iter()
        .rev()
        .map(|m| (m.file.as_str(), m))
        .collect();
    let mut findings = Vec::new();
    for doc in &documents {
        let file = doc.entry.file.clone();
        match listed.get(file.as_str()).copied() {
            None => findings.push(CheckFinding { file, problem: "is not in the manifest: the data has a document the manifest does not list (assemble again)".into() }),
            Some(m) if m.sha256 != doc.entry.sha256 => findings.push(CheckFinding {
                file,
                problem: format!(
                    "re-assembles to {} but the manifest says {}{}",
                    doc.entry.sha256.chars().take(12).collect::<String>(),
                    m.sha256.chars().filter(|c| !c.is_control()).take(12).collect::<String>(),
                    if m.data_sha256 != doc.entry.data_sha256 { " (the data changed)" } else if m.template.sha256 != doc.entry.template.sha256 { " (the template changed)" } else { "" }
                ),
            }),
            Some(m) => match pack.document(&file) {
                Ok(bytes) if sha256_hex(&bytes) == m.sha256 => {}
                Ok(_) => findings.push(CheckFinding { file, problem: "the file in the output folder differs from the manifest (it was edited or replaced)".into() }),
                Err(_) => findings.push(CheckFinding { file, problem: "is listed in the manifest but missing from the output folder".into() }),
            },
        }
    }
    let produced: HashSet<&str> = documents.iter().map(|d| d.entry.file.as_str()).collect();
    for m in &manifest.documents {
        if produced.contains(m.file.as_str()) {
            continue;
        }
        // An earlier version is not what today's data gives, by design: it must still be the
        // file that was issued.
        let problem = if m.current {
            "is in the manifest but the data no longer produces it"
        } else {
            match pack.document(&m.file) {
                Ok(bytes) if sha256_hex(&bytes) == m.sha256 => continue,
                Ok(_) => {
                    "is an earlier version, but the file in the output folder differs from the manifest (it was edited or replaced)"
                }
                Err(_) => {
                    "is an earlier version listed in the manifest but missing from the output folder"
                }
            }
        };
        findings.push(CheckFinding {
            file: m.file.clone(),
            problem: problem.into(),
        });
    }
    Ok(findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rendering on several threads gives exactly the documents, in exactly the order, that
    /// one thread gives.
    #[test]
    fn parallel_assembly_is_byte_identical_to_serial() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/cambs");
        let read = |name: &str| crate::document::validate::DataFile {
            name: name.to_string(),
            bytes: std::fs::read(root.join(name)).unwrap(),
        };
        let mut files = vec![read("framework.json"), read("organisations.json")];
        for name in ["hospital-discharge", "mash", "police-disclosure"] {
            files.push(read(&format!("protocols/{name}.json")));
        }
        // More protocols, so that there are enough documents to share out.
        let mash =
            String::from_utf8(std::fs::read(root.join("protocols/mash.json")).unwrap()).unwrap();
        for i in 2..8 {
            files.push(crate::document::validate::DataFile {
                name: format!("protocols/mash-{i}.json"),
                bytes: mash
                    .replace("\"id\": \"mash\"", &format!("\"id\": \"mash-{i}\""))
                    .into_bytes(),
            });
        }
        let data = crate::document::validate::check_files(files).unwrap();
        let empty = tempfile::tempdir().unwrap();
        let serial = assemble_on(&Pack::new(empty.path()), &data, &mut |_, _, _| {}, 1).unwrap();
        let parallel = assemble_on(&Pack::new(empty.path()), &data, &mut |_, _, _| {}, 4).unwrap();
        assert!(serial.len() >= PARALLEL_FROM, "{} documents", serial.len());
        assert_eq!(serial.len(), parallel.len());
        for (a, b) in serial.iter().zip(&parallel) {
            assert_eq!(a.entry, b.entry);
            assert!(a.bytes == b.bytes, "{} differs", a.entry.file);
            assert_eq!(a.context, b.context);
        }
    }
}
