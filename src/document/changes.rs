//! What changed between two versions of a document, in words a signatory understands:
//! sections added, removed or reworded, parties added or removed, lawful bases and data items
//! changed, dates moved.
//!
//! Compares the data each version was rendered with (kept by `assemble` beside each document),
//! not the DOCX bytes, so the answer speaks of the agreement and not of its layout. [`compare`]
//! is pure; [`between`] reads two versions' kept data from a pack, and [`summary_docx`]
//! renders the result.

use serde::Serialize;
use serde_json::Value;

/// One change, for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Change {
    /// The part of the document, e.g. "Parties" or "Section: Principles".
    pub area: String,
    /// What changed.
    pub change: String,
}

fn text_at<'a>(v: &'a Value, path: &[&str]) -> &'a str {
    let mut node = v;
    for key in path {
        node = &node[*key];
    }
    node.as_str().unwrap_or_default()
}

/// Items of a list, each turned into a line of text.
fn lines(v: &Value, path: &[&str], each: impl Fn(&Value) -> String) -> Vec<String> {
    let mut node = v;
    for key in path {
        node = &node[*key];
    }
    node.as_array()
        .map(|a| a.iter().map(each).collect())
        .unwrap_or_default()
}

fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

struct Diff<'a> {
    old: &'a Value,
    new: &'a Value,
    out: Vec<Change>,
}

impl Diff<'_> {
    fn push(&mut self, area: &str, change: String) {
        self.out.push(Change {
            area: area.to_string(),
            change,
        });
    }

    fn field(&mut self, area: &str, label: &str, path: &[&str]) {
        let (a, b) = (text_at(self.old, path), text_at(self.new, path));
        if a != b {
            if a.len() + b.len() < 120 {
                self.push(area, format!("{label} changed from \"{a}\" to \"{b}\""));
            } else {
                self.push(area, format!("{label} reworded"));
            }
        }
    }

    fn list(&mut self, area: &str, path: &[&str], each: impl Fn(&Value) -> String + Copy) {
        let (a, b) = (lines(self.old, path, each), lines(self.new, path, each));
        // Sets, so that long lists (a national pack's members) compare in linear time.
        let (in_a, in_b): (
            std::collections::HashSet<&String>,
            std::collections::HashSet<&String>,
        ) = (a.iter().collect(), b.iter().collect());
        for added in b.iter().filter(|x| !in_a.contains(x)) {
            self.push(area, format!("added: {added}"));
        }
        for removed in a.iter().filter(|x| !in_b.contains(x)) {
            self.push(area, format!("removed: {removed}"));
        }
    }
}

/// Compares the data of two versions of one document.
pub fn compare(old: &Value, new: &Value) -> Vec<Change> {
    let mut d = Diff {
        old,
        new,
        out: Vec::new(),
    };
    match text_at(new, &["document", "kind"]) {
        "protocol" => protocol_changes(&mut d),
        "assurance-checklist" => checklist_changes(&mut d),
        _ => framework_changes(&mut d),
    }
    d.out
}

/// A protocol's fields, in the order the protocol prints them.
// Why this is long: one statement per field the protocol prints, in the template's order (rustfmt
// spreads each over several lines): one list to hold against the template.
fn protocol_changes(d: &mut Diff<'_>) {
    let p = |k: &'static str| ["protocol", k];
    d.field("Details", "The title", &p("title"));
    d.field("Details", "The type of sharing", &p("sharing_label"));
    d.field("Details", "The review date", &p("review_by"));
    d.list("Parties", &p("parties"), |o| plain(&o["name"]));
    d.list("Purpose", &p("purpose"), plain);
    d.list("Whose information", &p("data_subjects"), plain);
    d.list("Information shared", &p("data_items"), |i| {
        format!("{} ({})", plain(&i["item"]), plain(&i["category_label"]))
    });
    d.list(
        "Lawful basis",
        &["protocol", "lawful_basis", "article6"],
        |b| {
            format!(
                "{}{}",
                plain(&b["text"]),
                if plain(&b["detail"]).is_empty() {
                    String::new()
                } else {
                    format!(": {}", plain(&b["detail"]))
                }
            )
        },
    );
    d.list(
        "Lawful basis",
        &["protocol", "lawful_basis", "article9"],
        |c| {
            format!(
                "{}{}",
                plain(&c["text"]),
                if plain(&c["schedule1"]).is_empty() {
                    String::new()
                } else {
                    format!(", Schedule 1 {}", plain(&c["schedule1"]))
                }
            )
        },
    );
    d.field(
        "Lawful basis",
        "The criminal offence data condition",
        &["protocol", "lawful_basis", "article10"],
    );
    d.list("Legal powers", &p("legal_powers"), plain);
    d.field("Consent", "The consent approach", &p("consent"));
    d.field(
        "Security",
        "How information moves",
        &["protocol", "transfer", "method"],
    );
    d.list("Security", &["protocol", "transfer", "security"], plain);
    d.list("Access", &p("access"), plain);
    d.field(
        "Retention",
        "The retention period",
        &["protocol", "retention", "period"],
    );
    d.field(
        "Retention",
        "How information is destroyed",
        &["protocol", "retention", "destruction"],
    );
    d.list("Breach contacts", &p("breach_contacts"), |c| {
        format!(
            "{}: {} ({})",
            plain(&c["organisation_name"]),
            plain(&c["name"]),
            plain(&c["email"])
        )
    });
    d.field(
        "Data protection impact assessment",
        "The DPIA",
        &["protocol", "dpia", "summary"],
    );
    d.field(
        "Roles of the parties",
        "The parties' roles",
        &["protocol", "roles", "relationship_label"],
    );
    d.field(
        "Roles of the parties",
        "The Article 26 arrangement",
        &["protocol", "roles", "article26_arrangement"],
    );
    d.list(
        "Roles of the parties",
        &["protocol", "roles", "responsibilities"],
        |r| {
            format!(
                "{}: {}",
                plain(&r["organisation_name"]),
                plain(&r["responsibility"])
            )
        },
    );
    d.list("Telling people", &p("transparency"), |t| {
        format!(
            "{}: {}",
            plain(&t["organisation_name"]),
            plain(&t["notice"])
        )
    });
    d.field(
        "Individuals' rights",
        "The point of contact",
        &["protocol", "individual_rights", "point_of_contact_name"],
    );
    d.field(
        "Individuals' rights",
        "How requests are passed between the parties",
        &["protocol", "individual_rights", "process"],
    );
    d.field(
        "Accuracy",
        "How accuracy is kept",
        &["protocol", "accuracy"],
    );
    d.list("Revision history", &p("revisions"), |r| {
        format!(
            "version {}: {}",
            plain(&r["version"]),
            plain(&r["description"])
        )
    });
    d.list(
        "Transfers outside the UK",
        &p("international_transfers"),
        |t| {
            format!(
                "{} ({}), safeguard: {}",
                plain(&t["country"]),
                plain(&t["recipient"]),
                plain(&t["safeguard"])
            )
        },
    );
    for (label, key) in [
        ("When a party leaves", "party_leaves"),
        ("When the sharing ends", "sharing_ends"),
        (
            "What happens to information already shared",
            "data_already_shared",
        ),
    ] {
        d.field(
            "Ending the sharing",
            label,
            &["protocol", "termination", key],
        );
    }
}

/// An assurance checklist's fields.
fn checklist_changes(d: &mut Diff<'_>) {
    for (label, key) in [
        ("DSP Toolkit", "dsp_toolkit"),
        ("Cyber Essentials", "cyber_essentials"),
        ("Cyber Essentials Plus", "cyber_essentials_plus"),
        ("ISO 27001", "iso27001"),
        ("PSN", "psn"),
    ] {
        d.field(
            "Assurance",
            label,
            &["organisation", "assurance", key, "evidence"],
        );
    }
    d.field(
        "Assurance",
        "Other measures",
        &["organisation", "assurance", "other_measures"],
    );
}

/// The framework's fields, in the order the framework prints them.
fn framework_changes(d: &mut Diff<'_>) {
    let f = |k: &'static str| ["framework", k];
    d.field("Details", "The title", &f("title"));
    d.field("Details", "The status", &f("status_label"));
    d.field("Details", "The approval date", &f("approved"));
    d.field("Details", "The date it takes effect", &f("valid_from"));
    d.field("Details", "The review date", &f("review_by"));
    let headings = |v: &Value| lines(v, &["framework", "sections"], |s| plain(&s["heading"]));
    let (old, new) = (d.old, d.new);
    let (a, b) = (headings(old), headings(new));
    let (in_a, in_b): (
        std::collections::HashSet<&String>,
        std::collections::HashSet<&String>,
    ) = (a.iter().collect(), b.iter().collect());
    for h in b.iter().filter(|h| !in_a.contains(h)) {
        d.push("Sections", format!("added: {h}"));
    }
    for h in a.iter().filter(|h| !in_b.contains(h)) {
        d.push("Sections", format!("removed: {h}"));
    }
    let section = |v: &Value, h: &str| {
        v["framework"]["sections"]
            .as_array()
            .and_then(|s| s.iter().find(|x| plain(&x["heading"]) == h))
            .map(|x| (x["paragraphs"].clone(), x["bullets"].clone()))
    };
    for h in b.iter().filter(|h| in_a.contains(h)) {
        if section(old, h) != section(new, h) {
            d.push("Sections", format!("reworded: {h}"));
        }
    }
    d.list("Core members", &["core_members"], |o| plain(&o["name"]));
    d.list("Affiliate partners", &["affiliates"], |o| plain(&o["name"]));
    d.list("Signatories", &["signatories"], |s| {
        format!(
            "{}: {} ({})",
            plain(&s["organisation"]),
            plain(&s["name"]),
            plain(&s["position"])
        )
    });
    d.list("Legislation", &["framework", "legislation"], |l| {
        plain(&l["title"])
    });
    d.list("Glossary", &["framework", "glossary"], |g| {
        format!("{}: {}", plain(&g["term"]), plain(&g["definition"]))
    });
    d.list("Revision history", &["framework", "revisions"], |r| {
        format!(
            "version {}: {}",
            plain(&r["version"]),
            plain(&r["description"])
        )
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn protocol_changes_are_described_in_words() {
        let old = json!({"document": {"kind": "protocol"}, "protocol": {"title": "A", "review_by": "2026-01-01", "parties": [{"name": "Council"}, {"name": "Trust"}],
            "data_items": [{"item": "Name", "category_label": "Personal data"}], "lawful_basis": {"article6": [{"text": "Article 6(1)(e): public task", "detail": ""}], "article9": []}}});
        let new = json!({"document": {"kind": "protocol"}, "protocol": {"title": "A", "review_by": "2027-01-01", "parties": [{"name": "Council"}, {"name": "Police"}],
            "data_items": [{"item": "Name", "category_label": "Personal data"}, {"item": "Health", "category_label": "Special category data"}],
            "lawful_basis": {"article6": [{"text": "Article 6(1)(e): public task", "detail": ""}], "article9": [{"text": "Article 9(2)(h): health or social care", "schedule1": "Part 1, paragraph 2"}]}}});
        let changes: Vec<String> = compare(&old, &new)
            .into_iter()
            .map(|c| format!("{}: {}", c.area, c.change))
            .collect();
        assert_eq!(
            changes,
            [
                "Details: The review date changed from \"2026-01-01\" to \"2027-01-01\"",
                "Parties: added: Police",
                "Parties: removed: Trust",
                "Information shared: added: Health (Special category data)",
                "Lawful basis: added: Article 9(2)(h): health or social care, Schedule 1 Part 1, paragraph 2",
            ]
        );
    }

    /// A national pack's membership list: compared in linear time (sets), so 40,000 members on
    /// each side take milliseconds, and the one change is still found.
    #[test]
    fn long_member_lists_compare_in_linear_time() {
        let members = |n: usize, extra: &str| {
            let mut list: Vec<Value> = (0..n)
                .map(|i| json!({"name": format!("Organisation {i}")}))
                .collect();
            list.push(json!({"name": extra}));
            json!({"document": {"kind": "framework"}, "framework": {"sections": []}, "core_members": list})
        };
        let changes: Vec<String> = compare(&members(40_000, "Old"), &members(40_000, "New"))
            .into_iter()
            .map(|c| format!("{}: {}", c.area, c.change))
            .collect();
        assert_eq!(
            changes,
            ["Core members: added: New", "Core members: removed: Old"]
        );
    }
}

/// Two versions of one document of a pack, compared from the data each was rendered with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comparison {
    /// The document's id.
    pub id: String,
    /// The newer version's title.
    pub title: String,
    /// The earlier version.
    pub from: String,
    /// The newer version.
    pub to: String,
    /// What changed, in the order the document prints it.
    pub changes: Vec<Change>,
}

/// Why two versions could not be compared.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ChangesError {
    /// The manifest could not be read, or the pack's folders are links to elsewhere.
    #[error("{0}")]
    Load(crate::pack::LoadError),
    /// No assembled document has this id.
    #[error("the pack has no assembled document with the id '{0}'")]
    NoSuchDocument(String),
    /// The document has no such version.
    #[error("'{id}' has no assembled version {version}; the versions are {versions}")]
    NoSuchVersion {
        /// The document.
        id: String,
        /// The version asked for.
        version: String,
        /// The versions it has, in words.
        versions: String,
    },
    /// No version is current.
    #[error("'{0}' has no current version")]
    NoCurrentVersion(String),
    /// A version's kept data could not be read (not kept by an earlier release, or unreadable).
    #[error("the data {file} was assembled with is not there to compare: {source}")]
    DataUnreadable {
        /// The document file.
        file: String,
        /// Why.
        source: crate::pack::LoadError,
    },
    /// A version's kept data is not what it was assembled with.
    #[error("the data kept for {file} ('{}') {}", path.display(), crate::verify::KEPT_DATA_CHANGED.trim_start_matches("its kept data "))]
    DataChanged {
        /// The document file.
        file: String,
        /// Where its data is kept.
        path: std::path::PathBuf,
    },
    /// A version's kept data is not JSON.
    #[error("the data of {file} is damaged ({reason})")]
    DataDamaged {
        /// The document file.
        file: String,
        /// Why.
        reason: String,
    },
    /// The summary's template could not be read.
    #[error("{0}")]
    Template(crate::document::assemble::AssembleError),
    /// The summary could not be rendered.
    #[error("cannot render the summary: {0}")]
    Render(crate::TemplateError),
}

/// Compares version `from` of the document `id` of `pack` with version `to` (default: the
/// current one), from the data kept beside each when it was assembled (checked against the
/// manifest first: changed data would show differences the documents do not have).
pub fn between(
    pack: &crate::pack::Pack,
    id: &str,
    from: &str,
    to: Option<&str>,
) -> Result<Comparison, ChangesError> {
    use crate::document::manifest::ManifestEntry;
    // Kept data is read only from inside the pack: a folder that is a link is refused.
    pack.check_no_links().map_err(ChangesError::Load)?;
    let manifest = pack.manifest().map_err(ChangesError::Load)?;
    let versions: Vec<&ManifestEntry> = manifest.documents.iter().filter(|d| d.id == id).collect();
    if versions.is_empty() {
        return Err(ChangesError::NoSuchDocument(id.to_string()));
    }
    let find = |version: &str| {
        versions
            .iter()
            .find(|d| d.version == version)
            .copied()
            .ok_or_else(|| ChangesError::NoSuchVersion {
                id: id.to_string(),
                version: version.to_string(),
                versions: versions
                    .iter()
                    .map(|d| d.version.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    };
    let older = find(from)?;
    let newer = match to {
        Some(v) => find(v)?,
        None => versions
            .iter()
            .find(|d| d.current)
            .copied()
            .ok_or_else(|| ChangesError::NoCurrentVersion(id.to_string()))?,
    };
    let read = |entry: &ManifestEntry| -> Result<Value, ChangesError> {
        let name = crate::document::manifest::data_file_name(&entry.file);
        let bytes = pack
            .document(&name)
            .map_err(|source| ChangesError::DataUnreadable {
                file: entry.file.clone(),
                source,
            })?;
        if crate::document::manifest::kept_data_sha256(&bytes) != entry.data_sha256 {
            return Err(ChangesError::DataChanged {
                file: entry.file.clone(),
                path: pack.data_path(&entry.file),
            });
        }
        crate::json::from_slice(&bytes).map_err(|e| ChangesError::DataDamaged {
            file: entry.file.clone(),
            reason: e.to_string(),
        })
    };
    Ok(Comparison {
        id: id.to_string(),
        title: newer.title.clone(),
        from: older.version.clone(),
        to: newer.version.clone(),
        changes: compare(&read(older)?, &read(newer)?),
    })
}

/// The summary of a comparison as a DOCX, from the pack's own `changes.docx` template or the
/// default one.
pub fn summary_docx(
    pack: &crate::pack::Pack,
    data: &crate::document::validate::PackData,
    comparison: &Comparison,
) -> Result<Vec<u8>, ChangesError> {
    let context = serde_json::json!({
        "document": {"title": comparison.title, "kind": "summary-of-changes", "id": comparison.id, "version": comparison.to, "date": data.framework.approved},
        "framework": {"area": data.framework.area, "document_control": {"lead_author": data.framework.document_control.lead_author}},
        "from": comparison.from, "to": comparison.to, "changes": comparison.changes,
    });
    let (template, _) =
        crate::document::assemble::template_bytes(pack, crate::document::templates::CHANGES)
            .map_err(ChangesError::Template)?;
    crate::Template::from_bytes(template)
        .and_then(|t| t.render(&context))
        .map_err(ChangesError::Render)
}
