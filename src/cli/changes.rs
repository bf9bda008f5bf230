//! `changes`: what changed between two versions of a document, in words or as a DOCX.

use std::path::PathBuf;

use countersign::fsio::{self, Overwrite};

use countersign::pack::Pack;

use super::{Failure, load_failure, load_pack};

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
    use countersign::document::changes::{ChangesError as E, between, summary_docx};
    let data = load_pack(&args.pack)?;
    let pack = Pack::new(&args.pack);
    let id = args.doc.as_deref().unwrap_or(&data.framework.id);
    let failure = |e: E| {
        match e {
        E::Load(e) => load_failure(e),
        E::NoSuchDocument(_) => Failure::input(
            e.to_string(),
            Some("use --doc with a protocol id (e.g. mash), or leave it out for the framework".into()),
        ),
        E::NoSuchVersion { .. } => Failure::input(
            e.to_string(),
            Some("give one of those versions with --from (and --to)".into()),
        ),
        E::NoCurrentVersion(_) => Failure::input(
            e.to_string(),
            Some("name the newer version with --to, or assemble the pack again".into()),
        ),
        E::DataUnreadable { .. } => Failure::input(
            e.to_string(),
            Some("the data of each version is kept by `countersign assemble`; versions assembled before it kept data cannot be compared".into()),
        ),
        E::DataChanged { .. } => Failure::verify(
            e.to_string(),
            Some("restore out/data/ from version control or a copy; the differences it would show are not the documents'".into()),
        ),
        E::DataDamaged { .. } => Failure::input(
            e.to_string(),
            Some("restore out/data/ from version control or a copy".into()),
        ),
        E::Template(_) => Failure::input(
            e.to_string(),
            Some("check that you may read the pack's templates/ folder".into()),
        ),
        _ => Failure::input(
            e.to_string(),
            Some("fix the pack's own template named above (open it in Word or LibreOffice and save it as .docx), or remove it from templates/ to use the default".into()),
        ),
    }
    };
    let comparison = between(&pack, id, &args.from, args.to.as_deref()).map_err(failure)?;
    let mut text = format!(
        "changes in '{}' from version {} to version {}:\n",
        comparison.title, comparison.from, comparison.to
    );
    if comparison.changes.is_empty() {
        text.push_str("  the content is unchanged\n");
    }
    for c in &comparison.changes {
        text.push_str(&format!("  {}: {}\n", c.area, c.change));
    }
    super::print_out(&text)?;
    let Some(out) = &args.docx else {
        return Ok(String::new());
    };
    let bytes = summary_docx(&pack, &data, &comparison).map_err(failure)?;
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
