//! `changes`: what changed between two versions of a document, in words or as a DOCX.

use std::path::PathBuf;

use countersign::document::assemble::template_bytes;
use countersign::document::changes::compare;
use countersign::document::manifest::ManifestEntry;
use countersign::document::template::Template;
use countersign::fsio::{self, Overwrite};

use countersign::pack::Pack;

use super::{Failure, io_reason, load_failure, load_pack};

#[derive(clap::Args)]
pub struct ChangesArgs {
    /// The pack folder.
    #[arg(default_value = ".")]
    pack: PathBuf,
    /// The version signatories last signed.
    #[arg(long, value_name = "VERSION")]
    from: String,
    /// The new version (default: the current one).
    #[arg(long, value_name = "VERSION")]
    to: Option<String>,
    /// The document's id (default: the framework). Protocols use their own id, e.g. mash.
    #[arg(long, value_name = "ID")]
    doc: Option<String>,
    /// Also write the summary as a DOCX to circulate with the new version.
    #[arg(long, value_name = "OUT.docx")]
    docx: Option<PathBuf>,
}

pub fn changes(args: &ChangesArgs) -> Result<String, Failure> {
    let data = load_pack(&args.pack)?;
    let pack = Pack::new(&args.pack);
    let manifest = pack.manifest().map_err(load_failure)?;
    let id = args
        .doc
        .clone()
        .unwrap_or_else(|| data.framework.id.clone());
    let versions: Vec<&ManifestEntry> = manifest.documents.iter().filter(|d| d.id == id).collect();
    if versions.is_empty() {
        return Err(Failure::input(
            format!("the pack has no assembled document with the id '{id}'"),
            Some(
                "use --doc with a protocol id (e.g. mash), or leave it out for the framework"
                    .into(),
            ),
        ));
    }
    let list = versions
        .iter()
        .map(|d| d.version.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let find = |version: &str| {
        versions
            .iter()
            .find(|d| d.version == version)
            .copied()
            .ok_or_else(|| {
                Failure::input(
                    format!("'{id}' has no assembled version {version}; the versions are {list}"),
                    Some("give one of those versions with --from (and --to)".into()),
                )
            })
    };
    let from = find(&args.from)?;
    let to = match &args.to {
        Some(v) => find(v)?,
        None => versions
            .iter()
            .find(|d| d.current)
            .copied()
            .ok_or_else(|| {
                Failure::input(
                    format!("'{id}' has no current version"),
                    Some("name the newer version with --to, or assemble the pack again".into()),
                )
            })?,
    };
    let read = |entry: &ManifestEntry| -> Result<serde_json::Value, Failure> {
        let path = pack.data_path(&entry.file);
        let bytes = std::fs::read(&path).map_err(|e| Failure::input(format!("cannot read the data of {} ('{}': {})", entry.file, path.display(), io_reason(&e)), Some("the data of each version is kept by `countersign assemble`; versions assembled before it kept data cannot be compared".into())))?;
        if countersign::document::manifest::kept_data_sha256(&bytes) != entry.data_sha256 {
            return Err(Failure::verify(
                format!(
                    "the data kept for {} ('{}') {}",
                    entry.file,
                    path.display(),
                    countersign::verify::KEPT_DATA_CHANGED.trim_start_matches("its kept data ")
                ),
                Some("restore out/data/ from version control or a copy; the differences it would show are not the documents'".into()),
            ));
        }
        countersign::json::from_slice(&bytes).map_err(|e| {
            Failure::input(
                format!("the data of {} is damaged ({e})", entry.file),
                Some("restore out/data/ from version control or a copy".into()),
            )
        })
    };
    let changes = compare(&read(from)?, &read(to)?);
    let mut text = format!(
        "changes in '{}' from version {} to version {}:\n",
        to.title, from.version, to.version
    );
    if changes.is_empty() {
        text.push_str("  the content is unchanged\n");
    }
    for c in &changes {
        text.push_str(&format!("  {}: {}\n", c.area, c.change));
    }
    super::print_out(&text)?;
    let Some(out) = &args.docx else {
        return Ok(String::new());
    };
    let context = serde_json::json!({
        "document": {"title": to.title, "kind": "summary-of-changes", "id": id, "version": to.version, "date": data.framework.approved},
        "framework": {"area": data.framework.area, "document_control": {"lead_author": data.framework.document_control.lead_author}},
        "from": from.version, "to": to.version, "changes": changes,
    });
    let (template, _) = template_bytes(
        &countersign::pack::Pack::new(&args.pack),
        countersign::document::templates::CHANGES,
    )
    .map_err(|e| {
        Failure::input(
            e.to_string(),
            Some("check that you may read the pack's templates/ folder".into()),
        )
    })?;
    let bytes = Template::from_bytes(template)
        .and_then(|t| t.render(&context))
        .map_err(|e| Failure::input(format!("cannot render the summary: {e}"), Some("fix the pack's own template named above (open it in Word or LibreOffice and save it as .docx), or remove it from templates/ to use the default".into())))?;
    fsio::write_atomic(out, &bytes, Overwrite::Refuse).map_err(|e| {
        Failure::input(
            format!("cannot write the summary: {e}"),
            Some("choose a file name that does not exist yet".into()),
        )
    })?;
    Ok(format!(
        "wrote the summary of changes to '{}'",
        out.display()
    ))
}
