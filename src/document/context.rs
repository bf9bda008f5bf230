//! The data each template sees (its "context"): the pack's data arranged for one document,
//! with the words people read (sector names, lawful bases in full, Yes/No answers) and no
//! optional field left out, so templates need no defaults.
//!
//! Decides what goes into every document of a pack and under which file name; it renders and
//! writes nothing. README.md documents these fields for people writing their own templates.

use serde_json::{Value, json};

use crate::document::manifest::DocumentKind;
use crate::document::model::{
    Evidence, MembershipKind, Organisation, Protocol, article6_text, article9_text,
};
use crate::document::validate::PackData;

/// One document to render: what it is, where it goes, and its data.
pub(crate) struct Job {
    pub(crate) kind: DocumentKind,
    pub(crate) id: String,
    pub(crate) version: String,
    pub(crate) title: String,
    pub(crate) file: String,
    pub(crate) parties: Vec<String>,
    pub(crate) context: Value,
}

/// Plans every document of the pack, in the manifest's order.
// Why this is long: one plan per kind of document (framework, protocols, checklists, sheet), each
// naming its template and data in the manifest's order: one list of what a pack assembles.
pub(crate) fn plan(data: &PackData, issued: &Issues) -> Vec<Job> {
    let fw = &data.framework;
    let orgs: Vec<Value> = data
        .organisations()
        .iter()
        .map(|o| organisation_context(o, data))
        .collect();
    let members = |kind: MembershipKind| -> Vec<Value> {
        data.organisations()
            .iter()
            .zip(&orgs)
            .filter(|(o, _)| o.membership.kind == kind)
            .map(|(_, v)| v.clone())
            .collect()
    };
    let (core, affiliates) = (
        members(MembershipKind::Core),
        members(MembershipKind::Affiliate),
    );
    let framework = framework_context(data, &issued.framework);
    let framework_summary = json!({
        "id": fw.id, "title": fw.title, "area": fw.area, "version": fw.version,
        "approved": fw.approved, "status_label": fw.status.label(),
        "document_control": {"lead_author": fw.document_control.lead_author},
    });
    let all_ids: Vec<String> = data.organisations().iter().map(|o| o.id.clone()).collect();
    // The signature sheet is not assembled: it is a rendition for signing on paper, made when
    // it is printed or bundled, listing who has signed electronically (see `sheet`).
    let all_signatories: Vec<Value> = data.organisations().iter().map(signatory_context).collect();
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
    for p in &data.protocols {
        let file = format!("protocol-{}-v{}.docx", p.id, p.version);
        let signatories: Vec<Value> = p
            .parties
            .iter()
            .filter_map(|id| data.organisation(id))
            .map(signatory_context)
            .collect();
        // A protocol's kept data holds what the protocol shows: its parties, not the whole
        // membership, and the framework's name, not its text; the pack holds those once.
        let context = json!({
            "document": doc(
                DocumentKind::Protocol,
                &p.id,
                &p.version,
                &p.title,
                &file,
                &p.approved,
            ),
            "framework": framework_summary,
            "signatories": signatories,
            "protocol": protocol_context(p, data, issued.protocols.get(&p.id)),
        });
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
    for (org, value) in data.organisations().iter().zip(&orgs) {
        if org.membership.kind != MembershipKind::Affiliate {
            continue;
        }
        let Some(assurance) = &org.assurance else {
            continue;
        };
        let id = format!("assurance-{}", org.id);
        let file = format!("{id}-v{}.docx", assurance.version);
        let title = format!("Member assurance checklist: {}", org.name);
        let mut parties = vec![org.id.clone()];
        parties.extend(org.membership.sponsor.clone());
        let signatories: Vec<Value> = parties
            .iter()
            .filter_map(|id| data.organisation(id))
            .map(signatory_context)
            .collect();
        let mut organisation = value.clone();
        organisation["sponsor"] = org
            .membership
            .sponsor
            .as_deref()
            .and_then(|s| data.organisation(s))
            .map(|s| organisation_context(s, data))
            .unwrap_or(Value::Null);
        // The checklist has its own cycle: it sees only what it shows, so revising the
        // framework or changing another organisation leaves it (and its kept data) unchanged.
        let context = json!({
            "document": {
                "kind": DocumentKind::AssuranceChecklist, "id": id, "version": assurance.version,
                "title": title, "file": file, "date": assurance.completed,
            },
            "framework": {
                "title": fw.title, "area": fw.area,
                "document_control": {"lead_author": fw.document_control.lead_author},
            },
            "organisation": organisation,
            "signatories": signatories,
        });
        jobs.push(Job {
            kind: DocumentKind::AssuranceChecklist,
            id,
            version: assurance.version.clone(),
            title,
            file,
            parties,
            context,
        });
    }
    jobs
}

/// When the register recorded each version's first issue (version -> date), for the framework
/// and for each protocol by its id.
#[derive(Debug, Default)]
pub(crate) struct Issues {
    pub(crate) framework: std::collections::BTreeMap<String, String>,
    pub(crate) protocols:
        std::collections::BTreeMap<String, std::collections::BTreeMap<String, String>>,
}

/// A revision history for templates. Each revision says when the register recorded that
/// version's issue (`issued`), so the revision table cannot drift from what was issued; the
/// version being assembled is `current`.
fn revisions_context(
    revisions: &[crate::document::model::Revision],
    version: &str,
    issued: Option<&std::collections::BTreeMap<String, String>>,
) -> Value {
    revisions
        .iter()
        .map(|r| {
            let current = r.version == version;
            let issued = match issued {
                Some(issued) if !current => issued.get(&r.version).cloned().unwrap_or_default(),
                _ => String::new(),
            };
            json!({"version": r.version, "date": r.date, "description": r.description, "issued": issued, "current": current})
        })
        .collect()
}

/// The framework's data for templates, its revisions as [`revisions_context`] gives them.
fn framework_context(
    data: &PackData,
    issued: &std::collections::BTreeMap<String, String>,
) -> Value {
    let fw = &data.framework;
    let mut v = serde_json::to_value(fw).unwrap_or(Value::Null);
    if let Some(map) = v.as_object_mut() {
        map.remove("$schema");
        let revisions = revisions_context(&fw.revisions, &fw.version, Some(issued));
        map.insert("revisions".into(), revisions);
        map.insert("status_label".into(), json!(fw.status.label()));
        map.insert(
            "status_phrase".into(),
            json!(fw.status.phrase(&fw.approved)),
        );
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
            "version": a.version,
            "completed": a.completed,
            "review_by": a.review_by,
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
    let recommended_by = o.signatory.recommender();
    json!({"organisation_id": o.id, "organisation": o.name, "name": o.signatory.name, "position": o.signatory.position, "recommended_by": recommended_by})
}

fn protocol_context(
    p: &Protocol,
    data: &PackData,
    issued: Option<&std::collections::BTreeMap<String, String>>,
) -> Value {
    let name = |id: &str| {
        data.organisation(id)
            .map_or_else(|| id.to_string(), |o| o.name.clone())
    };
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
        "status_phrase": p.status.phrase(&p.approved),
        "revisions": revisions_context(&p.revisions, &p.version, issued),
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
        "involves_children": yes_no(p.involves_children),
        "dpia": dpia_context(&p.dpia),
        "roles": roles_context(p, data),
        "transparency": p.transparency.iter().map(|t| json!({"organisation": t.organisation, "organisation_name": name(&t.organisation), "notice": t.notice})).collect::<Vec<_>>(),
        "individual_rights": {
            "point_of_contact": p.individual_rights.point_of_contact,
            "point_of_contact_name": name(&p.individual_rights.point_of_contact),
            "contact": p.individual_rights.contact,
            "process": p.individual_rights.process,
        },
        "accuracy": p.accuracy,
        "international_transfers": p.international_transfers.iter().map(|t| json!({"country": t.country, "recipient": t.recipient, "safeguard": t.safeguard.clone().unwrap_or_default()})).collect::<Vec<_>>(),
        "termination": {
            "party_leaves": p.termination.party_leaves,
            "sharing_ends": p.termination.sharing_ends,
            "data_already_shared": p.termination.data_already_shared,
        },
    })
}

/// The DPIA in words, so a template needs one field.
fn dpia_context(d: &crate::document::model::Dpia) -> Value {
    let summary = if d.carried_out {
        format!(
            "A data protection impact assessment ({}) was completed on {}. {}",
            d.reference.clone().unwrap_or_default(),
            crate::time::long_date(d.completed.as_deref().unwrap_or_default()),
            d.outcome.clone().unwrap_or_default()
        )
    } else {
        format!(
            "No data protection impact assessment was needed: {}",
            d.not_needed_because.clone().unwrap_or_default()
        )
    };
    json!({
        "carried_out": yes_no(d.carried_out),
        "reference": d.reference.clone().unwrap_or_default(),
        "completed": d.completed.clone().unwrap_or_default(),
        "outcome": d.outcome.clone().unwrap_or_default(),
        "not_needed_because": d.not_needed_because.clone().unwrap_or_default(),
        "summary": summary,
    })
}

fn roles_context(p: &Protocol, data: &PackData) -> Value {
    use crate::document::model::ControllerRelationship;
    let name = |id: &str| {
        data.organisation(id)
            .map_or_else(|| id.to_string(), |o| o.name.clone())
    };
    let joint = p.roles.relationship == ControllerRelationship::Joint;
    let label = if joint {
        "The parties are joint controllers: they decide together why and how the information is used (UK GDPR Article 26)."
    } else {
        "Each party is a separate controller of the information it holds and receives: it decides for itself why and how it uses it, within this protocol."
    };
    json!({
        "relationship": p.roles.relationship,
        "joint": joint,
        "relationship_label": label,
        "article26_arrangement": p.roles.article26_arrangement.clone().unwrap_or_default(),
        "responsibilities": p.roles.responsibilities.iter().map(|r| json!({"organisation": r.organisation, "organisation_name": name(&r.organisation), "responsibility": r.responsibility})).collect::<Vec<_>>(),
    })
}
