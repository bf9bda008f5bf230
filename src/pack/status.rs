//! The pack at a glance: for each assembled document and version, who signed, who is
//! outstanding, who signed only an older version, and which reviews are due or overdue.
//!
//! Built from the same verification as `verify`, so the two never disagree. Pure over its
//! inputs; the time comes from the caller.

use serde::Serialize;

use crate::verify::{Status, VerifyReport};

/// The JSON report's format label.
pub const STATUS_FORMAT: &str = "countersign/status/v1";
/// Reviews due within this many days are reported.
pub const REVIEW_WINDOW_DAYS: i64 = 60;

/// One document and version.
#[derive(Debug, Clone, Serialize)]
pub struct DocumentStatus {
    /// False for an earlier, superseded version.
    pub current: bool,
    /// Its title.
    pub title: String,
    /// The verification of the file in the output folder (None when the file is missing).
    #[serde(flatten)]
    pub report: Option<VerifyReport>,
    /// The file name, when the file is missing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub missing_file: Option<String>,
}

/// A review date that needs attention.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewDue {
    /// `framework` or `protocol`.
    pub kind: String,
    /// The id.
    pub id: String,
    /// The title.
    pub title: String,
    /// The review date.
    pub review_by: String,
    /// Days from today (negative: overdue).
    pub days_left: i64,
    /// `overdue` or `due`.
    pub state: String,
}

/// The whole status.
#[derive(Debug, Clone, Serialize)]
pub struct StatusReport {
    /// Always [`STATUS_FORMAT`].
    pub format: &'static str,
    /// The pack's id.
    pub pack: String,
    /// The day the status was taken.
    pub today: String,
    /// Every document in the manifest, current versions first.
    pub documents: Vec<DocumentStatus>,
    /// Reviews due within [`REVIEW_WINDOW_DAYS`] days, or overdue.
    pub reviews: Vec<ReviewDue>,
    /// Files in `signatures/` that countersign does not read (renamed by a mail client?).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub misnamed_signature_files: Vec<String>,
    /// For each organisation: what it has approved, what it still has to sign, and whom to
    /// write to; ready to turn into reminders.
    pub organisations: Vec<OrganisationStatus>,
    /// Keys retired because their holder or organisation left: the departures on record.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub departures: Vec<Departure>,
    /// Whether anything needs someone to act: a current document not fully signed, a failing
    /// signature or document, or a review due or overdue.
    pub needs_attention: bool,
}

/// A key retired because its holder or organisation left (`keys revoke --reason retired`).
#[derive(Debug, Clone, Serialize)]
pub struct Departure {
    /// The organisation's id.
    pub organisation: String,
    /// Its name, while it is in the pack's data; else its id.
    pub name: String,
    /// Whether it is still one of the pack's organisations (a signatory left, not the
    /// organisation).
    pub still_an_organisation: bool,
    /// The key's holder.
    pub signatory: String,
    /// The key.
    pub key_id: String,
    /// The day the retirement was recorded.
    pub retired_on: String,
    /// The coordinator's note.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Every retired key of the keyring, in the keyring's order.
fn departures(contents: &crate::pack::PackContents) -> Vec<Departure> {
    use crate::approval::keyring::RevocationReason;
    contents
        .keyring
        .keys()
        .iter()
        .filter_map(|k| {
            let r = k
                .revoked
                .as_ref()
                .filter(|r| r.reason == RevocationReason::Retired)?;
            let org = contents.data.organisation(&k.organisation);
            Some(Departure {
                organisation: k.organisation.clone(),
                name: org.map_or_else(|| k.organisation.clone(), |o| o.name.clone()),
                still_an_organisation: org.is_some(),
                signatory: k.signatory.clone(),
                key_id: k.key_id.to_string(),
                retired_on: r.recorded.date(),
                note: r.note.clone(),
            })
        })
        .collect()
}

/// Takes the status of a pack (from a folder or a bundle) on the day `today`. Fails only when
/// the register's checkpoints do not hold.
pub fn status(
    contents: &crate::pack::PackContents,
    today: crate::time::Timestamp,
) -> Result<StatusReport, crate::record::register::RegisterError> {
    let verification = crate::verify::verify_pack(contents)?;
    let manifest = &contents.manifest;
    let data = &contents.data;
    let mut reports: std::collections::BTreeMap<&str, &VerifyReport> = verification
        .reports
        .iter()
        .map(|r| (r.file.as_str(), r))
        .collect();
    let mut documents: Vec<DocumentStatus> = Vec::new();
    let mut attention = !verification.misnamed.is_empty();
    for entry in manifest
        .documents
        .iter()
        .filter(|d| d.current)
        .chain(manifest.documents.iter().filter(|d| !d.current))
    {
        match reports.remove(entry.file.as_str()) {
            Some(report) => {
                let failing = !report.valid;
                let incomplete = entry.current
                    && report
                        .parties
                        .iter()
                        .any(|p| !matches!(p.status, Status::Signed | Status::SignedOnPaper));
                attention |= failing || incomplete;
                documents.push(DocumentStatus {
                    current: entry.current,
                    title: entry.title.clone(),
                    report: Some(report.clone()),
                    missing_file: None,
                });
            }
            None => {
                attention = true;
                documents.push(DocumentStatus {
                    current: entry.current,
                    title: entry.title.clone(),
                    report: None,
                    missing_file: Some(entry.file.clone()),
                });
            }
        }
    }
    let reviews = reviews_due(data, today);
    attention |= !reviews.is_empty();
    let organisations = by_organisation(data, &documents);
    Ok(StatusReport {
        format: STATUS_FORMAT,
        pack: manifest.pack.clone(),
        today: today.date(),
        documents,
        reviews,
        organisations,
        misnamed_signature_files: verification.misnamed,
        departures: departures(contents),
        needs_attention: attention,
    })
}

/// The framework's, each protocol's and each assurance checklist's review dates that fall
/// within [`REVIEW_WINDOW_DAYS`] of `today`, or have passed.
fn reviews_due(
    data: &crate::document::validate::PackData,
    today: crate::time::Timestamp,
) -> Vec<ReviewDue> {
    let today_days = today.days();
    let mut reviews = Vec::new();
    let mut consider = |kind: &str, id: &str, title: &str, review_by: &str| {
        if let Some(d) = crate::time::days(review_by) {
            let left = d - today_days;
            if left <= REVIEW_WINDOW_DAYS {
                reviews.push(ReviewDue {
                    kind: kind.into(),
                    id: id.into(),
                    title: title.into(),
                    review_by: review_by.into(),
                    days_left: left,
                    state: if left < 0 {
                        "overdue".into()
                    } else {
                        "due".into()
                    },
                });
            }
        }
    };
    consider(
        "framework",
        &data.framework.id,
        &data.framework.title,
        &data.framework.review_by,
    );
    for p in &data.protocols {
        consider("protocol", &p.id, &p.title, &p.review_by);
    }
    for o in data.organisations() {
        if let Some(a) = &o.assurance {
            consider(
                "assurance checklist",
                &format!("assurance-{}", o.id),
                &format!("Member assurance checklist: {}", o.name),
                &a.review_by,
            );
        }
    }
    reviews
}

/// A document an organisation approved, or still has to sign.
#[derive(Debug, Clone, Serialize)]
pub struct OrganisationDocument {
    /// The file.
    pub file: String,
    /// Its title.
    pub title: String,
    /// Its version.
    pub version: String,
    /// `electronic` or `paper` for an approval; for an outstanding document, `outstanding`,
    /// `older-version` (it signed an earlier one) or `failed`.
    pub state: String,
    /// When (the time of signing, or the date on the paper sheet), for an approval.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// Why, for a failure or an older version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// One organisation's part in the pack's current documents.
#[derive(Debug, Clone, Serialize)]
pub struct OrganisationStatus {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// Its signatory's name.
    pub signatory: String,
    /// The signatory's position.
    pub position: String,
    /// Its data protection officer.
    pub dpo: String,
    /// The DPO's email, where known.
    pub dpo_email: String,
    /// Current documents it has approved.
    pub approved: Vec<OrganisationDocument>,
    /// Current documents it still has to sign (or sign again).
    pub to_sign: Vec<OrganisationDocument>,
}

/// What each organisation has approved and still has to sign, over the current documents, in
/// the order of organisations.json. One pass over the reports.
fn by_organisation(
    data: &crate::document::validate::PackData,
    documents: &[DocumentStatus],
) -> Vec<OrganisationStatus> {
    let mut out: Vec<OrganisationStatus> = data
        .organisations()
        .iter()
        .map(|o| OrganisationStatus {
            id: o.id.clone(),
            name: o.name.clone(),
            signatory: o.signatory.name.clone(),
            position: o.signatory.position.clone(),
            dpo: o.data_protection_officer.name.clone(),
            dpo_email: o.data_protection_officer.email.clone().unwrap_or_default(),
            approved: Vec::new(),
            to_sign: Vec::new(),
        })
        .collect();
    for d in documents.iter().filter(|d| d.current) {
        let Some(report) = &d.report else { continue };
        for p in &report.parties {
            let Some(i) = data.position(&p.organisation) else {
                continue;
            };
            let (state, date) = match (&p.status, &p.signed, &p.paper) {
                (Status::Signed, Some(s), _) => ("electronic", Some(s.signed_at.clone())),
                (Status::SignedOnPaper, _, Some(paper)) => ("paper", Some(paper.signed_on.clone())),
                (Status::OlderVersion, _, _) => ("older-version", None),
                (Status::Failed, _, _) => ("failed", None),
                _ => ("outstanding", None),
            };
            let entry = OrganisationDocument {
                file: report.file.clone(),
                title: d.title.clone(),
                version: report.version.clone().unwrap_or_default(),
                state: state.to_string(),
                date,
                reason: p.reason.clone(),
            };
            match state {
                "electronic" | "paper" => out[i].approved.push(entry),
                _ => out[i].to_sign.push(entry),
            }
        }
    }
    out
}
