//! Assembling a pack: every document the partners sign, rendered from the pack's data and
//! templates, with a manifest that records what each document is and what it came from.
//!
//! Everything is rendered in memory first; files are written only when every document
//! rendered, each atomically, the manifest last. A document already assembled is never
//! replaced by different bytes under the same version. The data each template sees (its
//! "context") is built here and documented in README.md.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::digest::sha256_hex;
use crate::fsio::{self, Overwrite, WriteError};
use crate::model::{
    Evidence, MembershipKind, Organisation, Protocol, article6_text, article9_text,
};
use crate::register::{self, Event};
use crate::template::{Template, TemplateError};
use crate::validate::{PackData, PackError};

/// The kind as written in manifests and statements (`signature-sheet`).
pub fn kind_name(kind: DocumentKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The manifest's file name in the output folder.
pub const MANIFEST_FILE: &str = "manifest.json";
/// The manifest format label.
pub const MANIFEST_FORMAT: &str = "countersign/manifest/v1";

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
    fn template(self) -> &'static str {
        match self {
            DocumentKind::Framework => "framework.docx",
            DocumentKind::SignatureSheet => "signature-sheet.docx",
            DocumentKind::Protocol => "protocol.docx",
            DocumentKind::AssuranceChecklist => "assurance-checklist.docx",
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
}

fn yes() -> bool {
    true
}

/// `manifest.json`: the pack's assembled documents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Always [`MANIFEST_FORMAT`].
    pub format: String,
    /// The pack's id (the framework's id).
    pub pack: String,
    /// The framework's version.
    pub pack_version: String,
    /// The documents, in a fixed order: framework, signature sheet, protocols, checklists.
    pub documents: Vec<ManifestEntry>,
}

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

/// The folder, inside the output folder, that keeps each document's data.
pub const DATA_DIR: &str = "data";

/// The data file kept for a document: `data/framework-v2.7.json`.
pub fn data_file_name(file: &str) -> String {
    format!("{DATA_DIR}/{}.json", file.trim_end_matches(".docx"))
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
        source: std::io::Error,
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
    /// The register shows a framework version was issued that the revision history omits.
    #[error(
        "the register shows framework version {version} was issued (record {record}), but framework.json's revisions do not list it"
    )]
    RevisionMissing {
        /// The version.
        version: String,
        /// The register record.
        record: u64,
    },
    /// The register cannot be trusted or appended to.
    #[error("the pack's register cannot be used: {0}")]
    Register(#[from] crate::register::RegisterError),
    /// The existing manifest cannot be read.
    #[error("the manifest '{}' cannot be read ({message})", path.display())]
    Manifest {
        /// The manifest file.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
}

/// Progress callback: (documents done, total, file being written).
pub type Progress<'a> = &'a mut dyn FnMut(usize, usize, &str);

struct Job {
    kind: DocumentKind,
    id: String,
    version: String,
    title: String,
    file: String,
    parties: Vec<String>,
    context: Value,
}

/// Plans every document of the pack, in the manifest's order.
fn plan(data: &PackData, issued: &std::collections::BTreeMap<String, String>) -> Vec<Job> {
    let fw = &data.framework;
    let orgs: Vec<Value> = data
        .organisations
        .iter()
        .map(|o| organisation_context(o, data))
        .collect();
    let core: Vec<Value> = data
        .organisations
        .iter()
        .zip(&orgs)
        .filter(|(o, _)| o.membership.kind == MembershipKind::Core)
        .map(|(_, v)| v.clone())
        .collect();
    let affiliates: Vec<Value> = data
        .organisations
        .iter()
        .zip(&orgs)
        .filter(|(o, _)| o.membership.kind == MembershipKind::Affiliate)
        .map(|(_, v)| v.clone())
        .collect();
    let framework = framework_context(data, issued);
    let all_ids: Vec<String> = data.organisations.iter().map(|o| o.id.clone()).collect();
    let all_signatories: Vec<Value> = data.organisations.iter().map(signatory_context).collect();
    let framework_file = format!("framework-v{}.docx", fw.version);
    let base = |document: Value, signatories: Vec<Value>| {
        json!({
            "document": document,
            "framework": framework,
            "organisations": orgs,
            "core_members": core,
            "affiliates": affiliates,
            "signatories": signatories,
        })
    };
    let mut jobs = Vec::new();
    let doc = |kind: DocumentKind, id: &str, version: &str, title: &str, file: &str, date: &str| json!({"kind": kind, "id": id, "version": version, "title": title, "file": file, "date": date, "framework_file": framework_file});
    jobs.push(Job {
        kind: DocumentKind::Framework,
        id: fw.id.clone(),
        version: fw.version.clone(),
        title: fw.title.clone(),
        file: framework_file.clone(),
        parties: all_ids.clone(),
        context: base(
            doc(
                DocumentKind::Framework,
                &fw.id,
                &fw.version,
                &fw.title,
                &framework_file,
                &fw.approved,
            ),
            all_signatories.clone(),
        ),
    });
    let sheet_title = format!("{}: signature sheet", fw.title);
    let sheet_file = format!("signature-sheet-v{}.docx", fw.version);
    let sheet_id = format!("{}-signature-sheet", fw.id);
    jobs.push(Job {
        kind: DocumentKind::SignatureSheet,
        id: sheet_id.clone(),
        version: fw.version.clone(),
        title: sheet_title.clone(),
        file: sheet_file.clone(),
        parties: all_ids,
        context: base(
            doc(
                DocumentKind::SignatureSheet,
                &sheet_id,
                &fw.version,
                &sheet_title,
                &sheet_file,
                &fw.approved,
            ),
            all_signatories,
        ),
    });
    for p in &data.protocols {
        let file = format!("protocol-{}-v{}.docx", p.id, p.version);
        let signatories: Vec<Value> = p
            .parties
            .iter()
            .filter_map(|id| data.organisation(id))
            .map(signatory_context)
            .collect();
        let mut context = base(
            doc(
                DocumentKind::Protocol,
                &p.id,
                &p.version,
                &p.title,
                &file,
                &p.approved,
            ),
            signatories,
        );
        context["protocol"] = protocol_context(p, data);
        jobs.push(Job {
            kind: DocumentKind::Protocol,
            id: p.id.clone(),
            version: p.version.clone(),
            title: p.title.clone(),
            file,
            parties: p.parties.clone(),
            context,
        });
    }
    for (org, value) in data.organisations.iter().zip(&orgs) {
        if org.membership.kind != MembershipKind::Affiliate {
            continue;
        }
        let id = format!("assurance-{}", org.id);
        let file = format!("{id}-v{}.docx", fw.version);
        let title = format!("Member assurance checklist: {}", org.name);
        let date = org
            .membership
            .joined
            .clone()
            .unwrap_or_else(|| fw.approved.clone());
        let mut parties = vec![org.id.clone()];
        parties.extend(org.membership.sponsor.clone());
        let signatories: Vec<Value> = parties
            .iter()
            .filter_map(|id| data.organisation(id))
            .map(signatory_context)
            .collect();
        let mut context = base(
            doc(
                DocumentKind::AssuranceChecklist,
                &id,
                &fw.version,
                &title,
                &file,
                &date,
            ),
            signatories,
        );
        let mut organisation = value.clone();
        organisation["sponsor"] = org
            .membership
            .sponsor
            .as_deref()
            .and_then(|s| data.organisation(s))
            .map(|s| organisation_context(s, data))
            .unwrap_or(Value::Null);
        context["organisation"] = organisation;
        jobs.push(Job {
            kind: DocumentKind::AssuranceChecklist,
            id,
            version: fw.version.clone(),
            title,
            file,
            parties,
            context,
        });
    }
    jobs
}

/// The framework's data for templates. Each revision says when the register recorded that
/// version's issue (`issued`), so the revision table cannot drift from what was issued; the
/// version being assembled is `current`.
fn framework_context(
    data: &PackData,
    issued: &std::collections::BTreeMap<String, String>,
) -> Value {
    let fw = &data.framework;
    let mut v = serde_json::to_value(fw).unwrap_or(Value::Null);
    if let Some(map) = v.as_object_mut() {
        map.remove("$schema");
        let revisions: Vec<Value> = fw
            .revisions
            .iter()
            .map(|r| {
                let current = r.version == fw.version;
                let issued = if current { String::new() } else { issued.get(&r.version).cloned().unwrap_or_default() };
                json!({"version": r.version, "date": r.date, "description": r.description, "issued": issued, "current": current})
            })
            .collect();
        map.insert("revisions".into(), Value::Array(revisions));
        map.insert("status_label".into(), json!(fw.status.label()));
        let sections: Vec<Value> = fw
            .sections
            .iter()
            .enumerate()
            .map(|(i, s)| json!({"number": i + 1, "heading": s.heading, "paragraphs": s.paragraphs, "bullets": s.bullets}))
            .collect();
        map.insert("sections".into(), Value::Array(sections));
        let dc = &fw.document_control;
        map.insert(
            "document_control".into(),
            json!({
                "lead_author": dc.lead_author, "developed_by": dc.developed_by, "approved_by": dc.approved_by,
                "ratified_by": dc.ratified_by, "dissemination": dc.dissemination.clone().unwrap_or_default(),
                "audit": dc.audit.clone().unwrap_or_default(),
            }),
        );
        let legislation: Vec<Value> = fw
            .legislation
            .iter()
            .map(|l| json!({"title": l.title, "url": l.url.clone().unwrap_or_default()}))
            .collect();
        map.insert("legislation".into(), Value::Array(legislation));
    }
    v
}

fn yes_no(b: bool) -> &'static str {
    if b { "Yes" } else { "No" }
}

fn evidence_context(e: &Evidence) -> Value {
    let seen = match (e.held, e.evidence_seen) {
        (false, _) => "Not held".to_string(),
        (true, true) => "Seen by the sponsor".to_string(),
        (true, false) => "Not yet seen".to_string(),
    };
    let evidence = match &e.reference {
        Some(r) if e.held => format!("{seen}; {r}"),
        _ => seen,
    };
    json!({"held": yes_no(e.held), "evidence_seen": yes_no(e.evidence_seen), "reference": e.reference.clone().unwrap_or_default(), "evidence": evidence})
}

fn organisation_context(o: &Organisation, data: &PackData) -> Value {
    let sponsor_name = o
        .membership
        .sponsor
        .as_deref()
        .and_then(|s| data.organisation(s))
        .map(|s| s.name.clone())
        .unwrap_or_default();
    let assurance = o.assurance.as_ref().map(|a| {
        json!({
            "health_or_social_care": yes_no(a.health_or_social_care),
            "dsp_toolkit": evidence_context(&a.dsp_toolkit),
            "cyber_essentials": evidence_context(&a.cyber_essentials),
            "cyber_essentials_plus": evidence_context(&a.cyber_essentials_plus),
            "iso27001": evidence_context(&a.iso27001),
            "psn": evidence_context(&a.psn),
            "other_measures": a.other_measures.clone().unwrap_or_default(),
        })
    });
    json!({
        "id": o.id,
        "name": o.name,
        "sector": o.sector,
        "sector_label": o.sector.label(),
        "public_authority": o.is_public_authority(),
        "membership": o.membership.kind,
        "sponsor_name": sponsor_name,
        "ico_registration": o.ico_registration,
        "ods_code": o.ods_code.clone().unwrap_or_default(),
        "chief_executive": {"name": o.chief_executive.name, "title": o.chief_executive.title.clone().unwrap_or_default()},
        "data_protection_officer": {
            "name": o.data_protection_officer.name,
            "role": o.data_protection_officer.role.clone().unwrap_or_default(),
            "email": o.data_protection_officer.email.clone().unwrap_or_default(),
            "phone": o.data_protection_officer.phone.clone().unwrap_or_default(),
        },
        "signatory": {"name": o.signatory.name, "position": o.signatory.position, "recommended_by": o.signatory.recommended_by.clone().unwrap_or_default()},
        "assurance": assurance,
    })
}

fn signatory_context(o: &Organisation) -> Value {
    // A Caldicott Guardian who signs need not recommend themselves.
    let recommended_by = o
        .signatory
        .recommended_by
        .clone()
        .filter(|r| r != &o.signatory.name)
        .unwrap_or_default();
    json!({"organisation_id": o.id, "organisation": o.name, "name": o.signatory.name, "position": o.signatory.position, "recommended_by": recommended_by})
}

fn protocol_context(p: &Protocol, data: &PackData) -> Value {
    let parties: Vec<Value> = p
        .parties
        .iter()
        .filter_map(|id| data.organisation(id))
        .map(|o| organisation_context(o, data))
        .collect();
    let requesting = data
        .organisation(&p.requesting_organisation)
        .map(|o| organisation_context(o, data))
        .unwrap_or(Value::Null);
    let article6: Vec<Value> = p.lawful_basis.article6.iter().map(|b| json!({"basis": b.basis, "text": article6_text(&b.basis).unwrap_or_default(), "detail": b.detail.clone().unwrap_or_default()})).collect();
    let article9: Vec<Value> = p.lawful_basis.article9.iter().map(|c| json!({"condition": c.condition, "text": article9_text(&c.condition).unwrap_or_default(), "schedule1": c.schedule1.clone().unwrap_or_default()})).collect();
    let items: Vec<Value> = p.data_items.iter().map(|d| json!({"item": d.item, "category": d.category, "category_label": d.category.label()})).collect();
    let contacts: Vec<Value> = p
        .breach_contacts
        .iter()
        .map(|c| {
            let org_name = data.organisation(&c.organisation).map(|o| o.name.clone()).unwrap_or_default();
            json!({"organisation": c.organisation, "organisation_name": org_name, "name": c.name, "email": c.email, "phone": c.phone.clone().unwrap_or_default()})
        })
        .collect();
    json!({
        "id": p.id,
        "title": p.title,
        "version": p.version,
        "status": p.status,
        "status_label": p.status.label(),
        "approved": p.approved,
        "review_by": p.review_by,
        "requesting": requesting,
        "parties": parties,
        "purpose": p.purpose,
        "sharing": p.sharing,
        "sharing_label": p.sharing.label(),
        "data_subjects": p.data_subjects,
        "data_items": items,
        "lawful_basis": {"article6": article6, "article9": article9, "article10": p.lawful_basis.article10.clone().unwrap_or_default()},
        "legal_powers": p.legal_powers,
        "consent": p.consent,
        "transfer": {"method": p.transfer.method, "security": p.transfer.security},
        "retention": {"period": p.retention.period, "destruction": p.retention.destruction},
        "access": p.access,
        "breach_contacts": contacts,
    })
}

/// The day each framework version was first recorded as issued: version to `YYYY-MM-DD`.
fn framework_issues(
    register: &crate::register::Register,
) -> std::collections::BTreeMap<String, String> {
    let mut issued = std::collections::BTreeMap::new();
    for r in &register.records {
        if let Event::DocumentAssembled { kind, version, .. } = &r.event
            && kind == "framework"
        {
            issued
                .entry(version.clone())
                .or_insert_with(|| r.at.chars().take(10).collect());
        }
    }
    issued
}

fn first_record(register: &crate::register::Register, version: &str) -> u64 {
    register.records.iter().find(|r| matches!(&r.event, Event::DocumentAssembled { kind, version: v, .. } if kind == "framework" && v == version)).map_or(0, |r| r.seq)
}

/// The default template with this name, as shipped in the binary.
pub fn default_template(name: &str) -> Option<&'static [u8]> {
    Some(match name {
        "framework.docx" => include_bytes!("../templates/framework.docx"),
        "protocol.docx" => include_bytes!("../templates/protocol.docx"),
        "signature-sheet.docx" => include_bytes!("../templates/signature-sheet.docx"),
        "assurance-checklist.docx" => include_bytes!("../templates/assurance-checklist.docx"),
        "signature-report.docx" => include_bytes!("../templates/signature-report.docx"),
        "changes.docx" => include_bytes!("../templates/changes.docx"),
        _ => return None,
    })
}

struct LoadedTemplate {
    record: TemplateRecord,
    template: Result<Template, TemplateError>,
}

fn load_template(pack: &Path, name: &str) -> Result<LoadedTemplate, AssembleError> {
    let own = pack.join("templates").join(name);
    let (bytes, source) = if own.is_file() {
        (
            std::fs::read(&own).map_err(|source| AssembleError::TemplateRead {
                path: own.clone(),
                source,
            })?,
            "pack",
        )
    } else {
        (
            default_template(name).unwrap_or_default().to_vec(),
            "default",
        )
    };
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
    pack: &Path,
    data: &PackData,
    progress: Progress<'_>,
) -> Result<Vec<AssembledDocument>, AssembleError> {
    let register = crate::register::Register::load(pack)?;
    let issued = framework_issues(&register);
    if let Some((version, seq)) = issued
        .iter()
        .filter(|(v, _)| !data.framework.revisions.iter().any(|r| &r.version == *v))
        .map(|(v, _)| (v.clone(), first_record(&register, v)))
        .next()
    {
        return Err(AssembleError::RevisionMissing {
            version,
            record: seq,
        });
    }
    let jobs = plan(data, &issued);
    let mut templates: Vec<(String, LoadedTemplate)> = Vec::new();
    let mut out = Vec::with_capacity(jobs.len());
    let total = jobs.len();
    for (done, job) in jobs.into_iter().enumerate() {
        progress(done, total, &job.file);
        let name = job.kind.template();
        if !templates.iter().any(|(n, _)| n == name) {
            templates.push((name.to_string(), load_template(pack, name)?));
        }
        let Some((_, loaded)) = templates.iter().find(|(n, _)| n == name) else {
            continue;
        };
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
        let template = loaded
            .template
            .as_ref()
            .map_err(|e| fail(clone_template_error(e)))?;
        let bytes = template.render(&job.context).map_err(fail)?;
        let context_bytes = serde_json::to_vec(&job.context).unwrap_or_default();
        let entry = ManifestEntry {
            file: job.file,
            kind: job.kind,
            id: job.id,
            version: job.version,
            title: job.title,
            sha256: sha256_hex(&bytes),
            size: bytes.len() as u64,
            template: loaded.record.clone(),
            data_sha256: sha256_hex(&context_bytes),
            parties: job.parties,
            current: true,
        };
        let mut context = serde_json::to_vec_pretty(&job.context).unwrap_or_default();
        context.push(b'\n');
        out.push(AssembledDocument {
            entry,
            bytes,
            context,
        });
    }
    progress(total, total, "");
    Ok(out)
}

fn clone_template_error(e: &TemplateError) -> TemplateError {
    match e {
        TemplateError::Template(p) => TemplateError::Template(p.clone()),
        TemplateError::NotUtf8(p) => TemplateError::NotUtf8(p.clone()),
        TemplateError::Data { problems, dropped } => TemplateError::Data {
            problems: problems.clone(),
            dropped: *dropped,
        },
        other => TemplateError::Output {
            part: String::new(),
            message: other.to_string(),
        },
    }
}

/// The manifest for assembled documents.
pub fn manifest_for(data: &PackData, documents: &[AssembledDocument]) -> Manifest {
    Manifest {
        format: MANIFEST_FORMAT.to_string(),
        pack: data.framework.id.clone(),
        pack_version: data.framework.version.clone(),
        documents: documents.iter().map(|d| d.entry.clone()).collect(),
    }
}

/// Serialises a manifest the same way every time.
pub fn manifest_bytes(manifest: &Manifest) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(manifest).unwrap_or_default();
    bytes.push(b'\n');
    bytes
}

/// Reads a manifest file.
pub fn read_manifest(path: &Path) -> Result<Manifest, AssembleError> {
    let bytes = std::fs::read(path).map_err(|e| AssembleError::Manifest {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    serde_json::from_slice(&bytes).map_err(|e| AssembleError::Manifest {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
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
/// register at time `at`; a register that cannot be trusted stops the assembly first.
pub fn assemble(
    pack: &Path,
    out: &Path,
    data: &PackData,
    at: &str,
    progress: Progress<'_>,
) -> Result<AssembleReport, AssembleError> {
    crate::register::Register::load(pack)?;
    let manifest_path = out.join(MANIFEST_FILE);
    let previous = if manifest_path.exists() {
        Some(read_manifest(&manifest_path)?)
    } else {
        None
    };
    let documents = assemble_in_memory(pack, data, progress)?;
    let mut written = Vec::new();
    let mut unchanged = Vec::new();
    for doc in &documents {
        let path = out.join(&doc.entry.file);
        if let Ok(existing) = std::fs::read(&path) {
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
    std::fs::create_dir_all(out).map_err(|source| WriteError::Io {
        path: out.to_path_buf(),
        source,
    })?;
    for doc in &documents {
        if unchanged.contains(&doc.entry.file) {
            continue;
        }
        std::fs::create_dir_all(out.join(DATA_DIR)).map_err(|source| WriteError::Io {
            path: out.join(DATA_DIR),
            source,
        })?;
        fsio::write_atomic(
            &out.join(data_file_name(&doc.entry.file)),
            &doc.context,
            Overwrite::Replace,
        )?;
        fsio::write_atomic(&out.join(&doc.entry.file), &doc.bytes, Overwrite::Refuse)?;
        written.push(doc.entry.file.clone());
    }
    let mut manifest = manifest_for(data, &documents);
    // Earlier versions stay listed: they were issued, and may have been signed.
    let mut events = Vec::new();
    for doc in documents.iter().filter(|d| written.contains(&d.entry.file)) {
        let e = &doc.entry;
        events.push(Event::DocumentAssembled {
            file: e.file.clone(),
            id: e.id.clone(),
            kind: kind_name(e.kind),
            version: e.version.clone(),
            sha256: e.sha256.clone(),
        });
    }
    if let Some(previous) = previous {
        for mut old in previous.documents {
            if manifest.documents.iter().any(|d| d.file == old.file) {
                continue;
            }
            if old.current
                && let Some(new) = manifest
                    .documents
                    .iter()
                    .find(|d| d.id == old.id && d.current)
            {
                events.push(Event::VersionSuperseded {
                    id: old.id.clone(),
                    version: old.version.clone(),
                    file: old.file.clone(),
                    by_version: new.version.clone(),
                    by_file: new.file.clone(),
                });
            }
            old.current = false;
            manifest.documents.push(old);
        }
    }
    fsio::write_atomic(
        &out.join(MANIFEST_FILE),
        &manifest_bytes(&manifest),
        Overwrite::Replace,
    )?;
    if !events.is_empty() {
        register::append(pack, at, events)?;
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
    pack: &Path,
    out: &Path,
    data: &PackData,
    progress: Progress<'_>,
) -> Result<Vec<CheckFinding>, AssembleError> {
    let manifest = read_manifest(&out.join(MANIFEST_FILE))?;
    let documents = assemble_in_memory(pack, data, progress)?;
    let mut findings = Vec::new();
    for doc in &documents {
        let file = doc.entry.file.clone();
        match manifest.documents.iter().find(|m| m.file == file) {
            None => findings.push(CheckFinding { file, problem: "is not in the manifest: the data has a document the manifest does not list (assemble again)".into() }),
            Some(m) if m.sha256 != doc.entry.sha256 => findings.push(CheckFinding {
                file,
                problem: format!(
                    "re-assembles to {} but the manifest says {}{}",
                    &doc.entry.sha256[..12],
                    &m.sha256[..m.sha256.len().min(12)],
                    if m.data_sha256 != doc.entry.data_sha256 { " (the data changed)" } else if m.template.sha256 != doc.entry.template.sha256 { " (the template changed)" } else { "" }
                ),
            }),
            Some(m) => match std::fs::read(out.join(&file)) {
                Ok(bytes) if sha256_hex(&bytes) == m.sha256 => {}
                Ok(_) => findings.push(CheckFinding { file, problem: "the file in the output folder differs from the manifest (it was edited or replaced)".into() }),
                Err(_) => findings.push(CheckFinding { file, problem: "is listed in the manifest but missing from the output folder".into() }),
            },
        }
    }
    for m in &manifest.documents {
        if !documents.iter().any(|d| d.entry.file == m.file) {
            findings.push(CheckFinding {
                file: m.file.clone(),
                problem: "is in the manifest but the data no longer produces it".into(),
            });
        }
    }
    Ok(findings)
}
