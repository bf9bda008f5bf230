//! The framework's signature sheet: a rendition for those who sign on paper, not a document
//! everyone signs. It lists every organisation of the framework: those that signed
//! electronically (who, when, and the key's fingerprint), those whose paper signature the
//! coordinator recorded, and blank boxes for the others to sign by hand. Made when it is printed
//! or bundled, from the pack's verification; writes no file.

use crate::pack::layout::SHEET_FILE;

use serde_json::{Value, json};

use crate::document::manifest::DocumentKind;
use crate::pack::PackContents;
use crate::time::Timestamp;
use crate::verify::{PartyResult, Status, VerifyReport};

/// How the framework's organisations stand on the sheet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SheetCounts {
    /// Signed electronically.
    pub electronic: usize,
    /// Signed on paper (recorded).
    pub paper: usize,
    /// Still to sign by hand.
    pub outstanding: usize,
}

/// The data the signature sheet template sees.
pub fn context(
    contents: &PackContents,
    reports: &[VerifyReport],
    at: Timestamp,
) -> (Value, SheetCounts) {
    let fw = &contents.data.framework;
    let framework_entry = contents
        .manifest
        .documents
        .iter()
        .find(|d| d.current && d.kind == DocumentKind::Framework);
    let framework_file = framework_entry.map_or_else(String::new, |e| e.file.clone());
    let report = reports.iter().find(|r| r.file == framework_file);
    // Indexed once: a national framework has hundreds of parties.
    let parties: std::collections::HashMap<&str, &PartyResult> = report
        .map(|r| {
            r.parties
                .iter()
                .map(|p| (p.organisation.as_str(), p))
                .collect()
        })
        .unwrap_or_default();
    let mut counts = SheetCounts::default();
    let mut to_sign = Vec::new();
    let signatories: Vec<Value> = contents
        .data
        .organisations()
        .iter()
        .map(|o| {
            let party = parties.get(o.id.as_str()).copied();
            let recommended_by = o.signatory.recommender();
            let (state, name, position, date, signature) =
                match party.map(|p| (&p.status, &p.signed, &p.paper)) {
                    Some((Status::Signed, Some(s), _)) => {
                        counts.electronic += 1;
                        (
                            "electronic",
                            s.signatory.clone(),
                            s.role.clone(),
                            s.signed_at.get(..10).unwrap_or_default().to_string(),
                            format!("Signed electronically; key {}", s.key_id),
                        )
                    }
                    Some((Status::SignedOnPaper, _, Some(paper))) => {
                        counts.paper += 1;
                        (
                            "paper",
                            paper.signatory.clone(),
                            paper.role.clone(),
                            paper.signed_on.clone(),
                            "Signed on paper; scan held by the coordinator".to_string(),
                        )
                    }
                    _ => {
                        counts.outstanding += 1;
                        to_sign.push(o);
                        (
                            "outstanding",
                            o.signatory.name.clone(),
                            o.signatory.position.clone(),
                            String::new(),
                            String::new(),
                        )
                    }
                };
            json!({
                "organisation_id": o.id, "organisation": o.name, "name": name, "position": position,
                "recommended_by": if state == "outstanding" { recommended_by } else { String::new() },
                "state": state, "date_signed": date, "signature": signature,
            })
        })
        .collect();
    let forms = forms(&to_sign);
    let paper_form = fw.paper_form_or_default();
    let title = format!("{}: signature sheet", fw.title);
    let value = json!({
        "document": {
            "kind": DocumentKind::SignatureSheet, "id": format!("{}-signature-sheet", fw.id),
            "version": fw.version, "title": title, "file": SHEET_FILE, "date": at.date(),
            "framework_file": framework_file,
            "sha256": framework_entry.map_or_else(String::new, |e| e.sha256.clone()),
        },
        "framework": {
            "title": fw.title, "version": fw.version, "approved": fw.approved, "area": fw.area,
            "document_control": {"lead_author": fw.document_control.lead_author},
        },
        "signatories": signatories,
        "forms": forms,
        "paper_form": {"declaration": paper_form.declaration, "return_to": paper_form.return_to},
        "counts": {"electronic": counts.electronic, "paper": counts.paper, "outstanding": counts.outstanding},
        "generated_at": at,
    });
    (value, counts)
}

/// One form per organisation still to sign: who recommends (a Caldicott Guardian, where the
/// organisation's practice has one) and who signs, each with a box to sign in.
fn forms(to_sign: &[&crate::document::model::Organisation]) -> Vec<Value> {
    to_sign
        .iter()
        .map(|o| {
            let mut rows = Vec::new();
            let recommender = o.signatory.recommender();
            if !recommender.is_empty() {
                rows.push(json!({"role": "Recommended by", "name": recommender, "position": "Caldicott Guardian"}));
            }
            rows.push(json!({"role": "Signed by", "name": o.signatory.name, "position": o.signatory.position}));
            json!({"organisation": o.name, "rows": rows})
        })
        .collect()
}

/// Renders the sheet with the pack's template (its own `templates/signature-sheet.docx`, or
/// the default).
pub fn render(
    pack: &crate::pack::Pack,
    contents: &PackContents,
    reports: &[VerifyReport],
    at: Timestamp,
) -> Result<(Vec<u8>, SheetCounts), crate::document::assemble::AssembleError> {
    let (template, _) = crate::document::assemble::template_bytes(
        pack,
        crate::document::templates::SIGNATURE_SHEET,
    )?;
    let (value, counts) = context(contents, reports, at);
    let bytes = crate::document::template::Template::from_bytes(template)
        .and_then(|t| t.render(&value))
        .map_err(
            |source| crate::document::assemble::AssembleError::Template {
                kind: "signature sheet",
                template: crate::document::templates::SIGNATURE_SHEET.to_string(),
                source_label: "the pack's or the default",
                file: SHEET_FILE.to_string(),
                source: Box::new(source),
            },
        )?;
    Ok((bytes, counts))
}

/// Why a pack's signature sheet was not made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SheetError {
    /// The pack could not be read.
    #[error("{0}")]
    Load(#[from] crate::pack::LoadError),
    /// The register, or a checkpoint, does not hold: who signed cannot be said.
    #[error("the pack's register cannot be trusted: {0}")]
    Untrusted(#[from] crate::record::register::RegisterError),
    /// The template could not be read or rendered.
    #[error("cannot make the signature sheet: {0}")]
    Template(#[from] crate::document::assemble::AssembleError),
}

/// The signature sheet of a pack as it stands at `at`: every document verified, then the
/// sheet rendered with who signed electronically, who on paper, and who still has to sign.
pub fn make(pack: &crate::pack::Pack, at: Timestamp) -> Result<(Vec<u8>, SheetCounts), SheetError> {
    let contents = pack.contents()?;
    let verification = crate::verify::verify_pack(&contents)?;
    Ok(render(pack, &contents, &verification.reports, at)?)
}
