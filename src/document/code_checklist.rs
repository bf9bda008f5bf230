//! The ICO's Data Sharing Code of Practice (in force since 5 October 2021, made under section
//! 121 of the Data Protection Act 2018) as a checklist: for each protocol, each thing the Code
//! expects a data sharing agreement to settle, and whether the protocol covers it, misses it,
//! or does not need it (no special category data, no joint controllers…), with the protocol
//! section that covers it. Pure over the data; the CLI prints it and renders it as an annex.

use serde::Serialize;
use serde_json::{Value, json};

use crate::document::model::{ControllerRelationship, DataCategory, Protocol};
use crate::document::validate::PackData;

/// Whether the protocol covers an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ItemStatus {
    /// The protocol settles it.
    Covered,
    /// The Code expects it and the protocol does not settle it.
    Missing,
    /// It does not arise for this sharing.
    NotApplicable,
}

impl ItemStatus {
    /// In words.
    pub fn label(self) -> &'static str {
        match self {
            ItemStatus::Covered => "covered",
            ItemStatus::Missing => "MISSING",
            ItemStatus::NotApplicable => "not applicable",
        }
    }
}

/// One item of the checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChecklistItem {
    /// What the Code expects.
    pub item: &'static str,
    /// Whether the protocol covers it.
    pub status: ItemStatus,
    /// Where the protocol covers it (its section), or why it does not apply.
    pub note: String,
}

fn blank(text: &str) -> bool {
    text.trim().is_empty()
}

/// The checklist of one protocol.
// Why this is long: one entry per item of the ICO Data Sharing Code's checklist, in the Code's
// order (rustfmt spreads each over several lines): one list to hold against the Code.
pub fn checklist(p: &Protocol, data: &PackData) -> Vec<ChecklistItem> {
    let mut items = Vec::new();
    let mut add = |item: &'static str, status: ItemStatus, note: &str| {
        items.push(ChecklistItem {
            item,
            status,
            note: note.to_string(),
        });
    };
    let covered = |ok: bool| {
        if ok {
            ItemStatus::Covered
        } else {
            ItemStatus::Missing
        }
    };
    let has = |c: DataCategory| p.data_items.iter().any(|d| d.category == c);
    add(
        "The purpose of the sharing is set out",
        covered(p.purpose.iter().any(|s| !blank(s))),
        "section 2, Purpose",
    );
    add(
        "The organisations involved are identified, with their data protection contacts",
        covered(!p.parties.is_empty()),
        "section 1, Parties",
    );
    add(
        "A data protection impact assessment was carried out, or the reason none was needed is recorded",
        covered(if p.dpia.carried_out {
            p.dpia.reference.as_deref().is_some_and(|r| !blank(r))
                && p.dpia.completed.is_some()
                && p.dpia.outcome.as_deref().is_some_and(|o| !blank(o))
        } else {
            p.dpia
                .not_needed_because
                .as_deref()
                .is_some_and(|r| !blank(r))
        }),
        "section 6, Data protection impact assessment",
    );
    add(
        "Each party's role as a controller (separate or joint) is clear",
        ItemStatus::Covered,
        "section 5, Roles of the parties",
    );
    if p.roles.relationship == ControllerRelationship::Joint {
        add(
            "Joint controllers have an Article 26 arrangement that splits their responsibilities",
            covered(
                p.roles
                    .article26_arrangement
                    .as_deref()
                    .is_some_and(|a| !blank(a))
                    && !p.roles.responsibilities.is_empty(),
            ),
            "section 5, Roles of the parties",
        );
    } else {
        add(
            "Joint controllers have an Article 26 arrangement that splits their responsibilities",
            ItemStatus::NotApplicable,
            "the parties are separate controllers",
        );
    }
    add(
        "The lawful basis under UK GDPR Article 6 is identified",
        covered(!p.lawful_basis.article6.is_empty()),
        "section 4, Lawful basis",
    );
    if has(DataCategory::SpecialCategory) {
        add(
            "A condition for special category data (Article 9) is identified",
            covered(!p.lawful_basis.article9.is_empty()),
            "section 4, Lawful basis",
        );
    } else {
        add(
            "A condition for special category data (Article 9) is identified",
            ItemStatus::NotApplicable,
            "no special category data is shared",
        );
    }
    if has(DataCategory::CriminalOffence) {
        add(
            "A condition for criminal offence data (Article 10, DPA 2018 Schedule 1) is identified",
            covered(
                p.lawful_basis
                    .article10
                    .as_deref()
                    .is_some_and(|a| !blank(a)),
            ),
            "section 4, Lawful basis",
        );
    } else {
        add(
            "A condition for criminal offence data (Article 10, DPA 2018 Schedule 1) is identified",
            ItemStatus::NotApplicable,
            "no criminal offence data is shared",
        );
    }
    let public = p
        .parties
        .iter()
        .filter_map(|id| data.organisation(id))
        .any(|o| o.is_public_authority());
    add(
        "Public bodies have the legal power to share",
        if !p.legal_powers.is_empty() {
            ItemStatus::Covered
        } else if public {
            ItemStatus::Missing
        } else {
            ItemStatus::NotApplicable
        },
        if public {
            "section 4, Lawful basis (powers and duties)"
        } else {
            "no party is a public authority"
        },
    );
    add(
        "The data shared is identified and limited to what the purpose needs",
        covered(!p.data_items.is_empty()),
        "section 3, Whose information and what is shared",
    );
    add(
        "How consent is dealt with (or why it is not the basis) is explained",
        covered(!blank(&p.consent)),
        "section 4, Lawful basis (consent)",
    );
    add(
        "People are told about the sharing: each party's privacy information (Articles 13 and 14)",
        covered(p.parties.iter().all(|id| {
            p.transparency
                .iter()
                .any(|t| &t.organisation == id && !blank(&t.notice))
        })),
        "section 7, Telling people about the sharing",
    );
    add(
        "Individuals' rights are handled across the parties, through a single point of contact",
        covered(
            p.parties.contains(&p.individual_rights.point_of_contact)
                && !blank(&p.individual_rights.contact)
                && !blank(&p.individual_rights.process),
        ),
        "section 8, Individuals' rights",
    );
    add(
        "The data is kept accurate and up to date",
        covered(!blank(&p.accuracy)),
        "section 9, Keeping the information accurate",
    );
    add(
        "Security: how the data moves and is protected",
        covered(!p.transfer.security.is_empty() && !blank(&p.transfer.method)),
        "section 10, How information moves and is kept secure",
    );
    add(
        "Access: who may see the shared data",
        covered(!p.access.is_empty()),
        "section 11, Who may see it",
    );
    add(
        "Transfers outside the UK are identified, each with a safeguard",
        covered(
            p.international_transfers
                .iter()
                .all(|t| t.safeguard.as_deref().is_some_and(|s| !blank(s))),
        ),
        "section 12, Transfers outside the UK",
    );
    add(
        "Retention periods and secure destruction are set",
        covered(!blank(&p.retention.period) && !blank(&p.retention.destruction)),
        "section 13, Retention and destruction",
    );
    add(
        "Breaches are reported between the parties, with a contact for each",
        covered(
            p.parties
                .iter()
                .all(|id| p.breach_contacts.iter().any(|c| &c.organisation == id)),
        ),
        "section 14, Breaches",
    );
    add(
        "What happens when a party leaves or the sharing ends, and to data already shared",
        covered(
            !blank(&p.termination.party_leaves)
                && !blank(&p.termination.sharing_ends)
                && !blank(&p.termination.data_already_shared),
        ),
        "section 15, When a party leaves or the sharing ends",
    );
    add(
        "The sharing is reviewed regularly",
        covered(!blank(&p.review_by)),
        "section 16, Review",
    );
    items
}

/// How many items have each status: (covered, missing, not applicable).
pub fn counts(items: &[ChecklistItem]) -> (usize, usize, usize) {
    let n = |s: ItemStatus| items.iter().filter(|i| i.status == s).count();
    (
        n(ItemStatus::Covered),
        n(ItemStatus::Missing),
        n(ItemStatus::NotApplicable),
    )
}

/// The data the checklist annex template sees.
pub fn context(p: &Protocol, data: &PackData, items: &[ChecklistItem]) -> Value {
    let (covered, missing, not_applicable) = counts(items);
    let title = format!("{}: Data Sharing Code checklist", p.title);
    json!({
        "document": {"kind": "code-checklist", "id": format!("{}-code-checklist", p.id), "version": p.version, "title": title, "date": p.approved},
        "framework": {"title": data.framework.title, "area": data.framework.area, "document_control": {"lead_author": data.framework.document_control.lead_author}},
        "protocol": {"id": p.id, "title": p.title, "version": p.version, "approved": p.approved, "review_by": p.review_by, "file": format!("protocol-{}-v{}.docx", p.id, p.version)},
        "items": items.iter().map(|i| json!({"item": i.item, "status": i.status, "status_label": i.status.label(), "note": i.note})).collect::<Vec<_>>(),
        "counts": {"covered": covered, "missing": missing, "not_applicable": not_applicable},
    })
}

/// The format label of the checklists as `validate --code-checklist --json` prints them.
pub const CODE_CHECKLIST_FORMAT: &str = "countersign/code-checklist/v1";

/// One protocol's checklist with its counts.
#[derive(Debug, Clone, Serialize)]
pub struct ProtocolChecklist {
    /// The protocol's id.
    pub protocol: String,
    /// Its title.
    pub title: String,
    /// Its version.
    pub version: String,
    /// Items the protocol records.
    pub covered: usize,
    /// Items it misses.
    pub missing: usize,
    /// Items that do not apply to it.
    pub not_applicable: usize,
    /// Every item, in the Code's order.
    pub items: Vec<ChecklistItem>,
}

/// Every protocol's checklist, as `validate --code-checklist --json` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct ChecklistReport {
    /// Always [`CODE_CHECKLIST_FORMAT`].
    pub format: &'static str,
    /// One per protocol, in the pack's order.
    pub protocols: Vec<ProtocolChecklist>,
}

impl ChecklistReport {
    /// Whether any protocol misses an item.
    pub fn any_missing(&self) -> bool {
        self.protocols.iter().any(|p| p.missing > 0)
    }
}

/// The checklist of every protocol of a pack.
pub fn report(data: &PackData) -> ChecklistReport {
    let protocols = data
        .protocols
        .iter()
        .map(|p| {
            let items = checklist(p, data);
            let (covered, missing, not_applicable) = counts(&items);
            ProtocolChecklist {
                protocol: p.id.clone(),
                title: p.title.clone(),
                version: p.version.clone(),
                covered,
                missing,
                not_applicable,
                items,
            }
        })
        .collect();
    ChecklistReport {
        format: CODE_CHECKLIST_FORMAT,
        protocols,
    }
}

/// Why a checklist annex was not made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AnnexError {
    /// The template could not be read.
    #[error("{0}")]
    Template(#[from] crate::document::assemble::AssembleError),
    /// The annex could not be rendered.
    #[error("cannot render the checklist annex: {0}")]
    Render(#[from] crate::TemplateError),
}

/// The checklist of one protocol as a DOCX annex, from the pack's own template or the default
/// one; with the file name it is given (`protocol-ID-vVERSION-code-checklist.docx`).
pub fn annex_docx(
    pack: &crate::pack::Pack,
    protocol: &Protocol,
    data: &PackData,
    items: &[ChecklistItem],
) -> Result<(String, Vec<u8>), AnnexError> {
    let (template, _) = crate::document::assemble::template_bytes(
        pack,
        crate::document::templates::CODE_CHECKLIST,
    )?;
    let bytes = crate::Template::from_bytes(template)
        .and_then(|t| t.render(&context(protocol, data, items)))?;
    let name = format!(
        "protocol-{}-v{}-code-checklist.docx",
        protocol.id, protocol.version
    );
    Ok((name, bytes))
}
