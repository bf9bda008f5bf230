//! `bundle` and `verify FILE.zip`: making the circulation bundle and checking one offline.

use std::path::PathBuf;

use countersign::pack::Pack;
use countersign::pack::bundle;

use super::{EXIT_OK, EXIT_VERIFY_FAILED, Failure, clean, load_failure, now};

#[derive(clap::Args)]
pub struct BundleArgs {
    /// The pack folder.
    #[arg(default_value = ".")]
    pack: PathBuf,
    /// The zip file to write.
    #[arg(short, long, value_name = "FILE.zip")]
    output: PathBuf,
    /// Replace FILE.zip if it exists.
    #[arg(long)]
    force: bool,
}

fn register_failure(e: countersign::record::register::RegisterError) -> Failure {
    Failure::verify(
        format!("the register cannot be trusted: {e}"),
        Some("restore the register from a copy that matches the checkpoint, and find out who changed it".into()),
    )
    .coded("register-untrusted")
}

pub fn make_bundle(args: &BundleArgs) -> Result<String, Failure> {
    use bundle::MakeError as E;
    let made = bundle::make(&Pack::new(&args.pack), now()?).map_err(|e| match e {
        E::Load(e) => load_failure(e),
        E::Register(e) => register_failure(e),
        E::DocumentMissing(_) => Failure::verify(
            e.to_string(),
            Some("restore it from version control or a copy; a bundle must hold every document it lists".into()),
        ),
        E::NotAsAssembled(_) => Failure::input(
            e.to_string(),
            Some(format!(
                "run `countersign assemble {}` (it issues new versions where the documents change), then bundle again",
                args.pack.display()
            )),
        ),
        E::Template(_) => Failure::input(
            e.to_string(),
            Some("check that you may read the pack's templates/ folder".into()),
        ),
        E::Report(_) => Failure::input(
            e.to_string(),
            Some("fix the pack's own template named above (open it in Word or LibreOffice and save it as .docx), or remove it from templates/ to use the default".into()),
        ),
        E::Sheet(_) => Failure::input(
            e.to_string(),
            Some("fix the pack's own templates/signature-sheet.docx, or remove it to use the default".into()),
        ),
        E::Files(bundle::BundleError::SecretKey(_)) => Failure::input(
            e.to_string(),
            Some("move the secret key out of the pack (keep it on its holder's computer), then bundle again".into()),
        ),
        E::Files(_) => Failure::input(
            e.to_string(),
            Some("restore the file from version control or a copy, then bundle again".into()),
        ),
        _ => Failure::input(
            e.to_string(),
            Some("this is an internal fault: please report it with the pack".into()),
        ),
    })?;
    super::write_output(&args.output, &made.zip, args.force)?;
    let mut summary = format!(
        "wrote the bundle '{}' ({} files, {} bytes): {} documents, {} signatures, the keyring, the register ({} records), the signature report, the signature sheet and the verification page ({}); no secret key",
        args.output.display(),
        made.files,
        made.zip.len(),
        made.documents,
        made.signatures,
        made.register_records,
        countersign::pack::layout::PAGE_FILE
    );
    if !made.failing.is_empty() {
        summary.push_str(&format!(
            "\nwarning: {} fail verification and are reported as such in the bundle; run `countersign status {}` to see why (an organisation whose signature fails can sign again, and `countersign collect` sets the failing one aside)",
            made.failing.join(", "),
            args.pack.display()
        ));
    }
    Ok(summary)
}

#[derive(clap::Args)]
pub struct PageArgs {
    /// The file to write.
    #[arg(short, long, value_name = "FILE.html", default_value = countersign::pack::layout::PAGE_FILE)]
    output: PathBuf,
    /// Replace FILE.html if it exists.
    #[arg(long)]
    force: bool,
}

/// Writes the verification page.
pub fn write_page(args: &PageArgs) -> Result<String, Failure> {
    let page = countersign::verify::page::html();
    super::write_output(&args.output, page.as_bytes(), args.force)?;
    Ok(format!(
        "wrote the verification page '{}' ({} bytes): one self-contained file that checks a bundle in a current browser, offline; publish it beside your bundles, or send it with them",
        args.output.display(),
        page.len()
    ))
}

/// Verifies a bundle in memory: its files against its index, then everything in it
/// (countersign::verify::verdict::verify_bundle), and prints the verdict.
pub fn verify_bundle(args: &super::sign::VerifyArgs) -> Result<i32, Failure> {
    let (path, json, require_all) = (args.document.as_path(), args.json, args.require_all);
    let bytes = super::read_file(path, "bundle")?;
    let trusted = super::read_trusted(args.trust.as_deref())?;
    let verdict = countersign::verify::verdict::verify_bundle(
        &path.display().to_string(),
        &bytes,
        trusted
            .as_ref()
            .map(|(name, bytes)| countersign::verify::verdict::Trusted::named(name, bytes)),
        bundle::Asks {
            electronic_only: args.electronic_only,
        },
    )
    .map_err(super::refused)?;
    let confirmed = verdict.keys_confirmed;
    // One line per organisation whose key is not confirmed (or contradicts what you trust).
    let mut key_lines: std::collections::BTreeMap<String, String> =
        std::collections::BTreeMap::new();
    for r in &verdict.documents {
        for p in &r.parties {
            if let (Some(c), Some(s)) = (&p.key_confirmation, &p.signed) {
                key_lines
                    .entry(format!("{} {}", p.organisation, s.key_id))
                    .or_insert_with(|| {
                        format!(
                            "{} ({}), key {}: {}",
                            p.name,
                            p.organisation,
                            s.key_id,
                            c.words(&p.name)
                        )
                    });
            }
        }
    }
    let failed = !verdict.valid
        || (require_all && !verdict.outstanding.is_empty())
        || (args.require_trusted && !confirmed);
    if json {
        super::print_json(&verdict)?;
    } else {
        super::print_out(&describe_bundle(
            path,
            &verdict,
            &key_lines,
            args.require_trusted,
        ))?;
    }
    Ok(if failed { EXIT_VERIFY_FAILED } else { EXIT_OK })
}

/// The verdict on a bundle in words: the bundle, the register, each document, the keys, what
/// to look at, who is outstanding, and the result.
fn describe_bundle(
    path: &std::path::Path,
    verdict: &bundle::BundleVerdict,
    key_lines: &std::collections::BTreeMap<String, String>,
    require_trusted: bool,
) -> String {
    let (problems, outstanding, checkpoints) = (
        &verdict.problems,
        &verdict.outstanding,
        &verdict.register.checkpoints,
    );
    let mut text = format!(
        "bundle {} of pack {} made {}: every one of its {} files matches its index\n",
        path.display(),
        clean(&verdict.pack),
        clean(&verdict.created_at),
        verdict.files
    );
    text.push_str(&format!(
        "register: intact, {} records{}\n",
        verdict.register.records,
        if checkpoints.is_empty() {
            String::new()
        } else {
            format!(", {} checkpoint(s) verified", checkpoints.len())
        }
    ));
    for r in &verdict.documents {
        let paper = r.on_paper().len();
        text.push_str(&format!(
            "{}  {}  {}/{} approved{}\n",
            if r.valid { "ok    " } else { "FAILED" },
            clean(&r.file),
            r.approved_count(),
            r.parties.len(),
            if paper > 0 {
                format!(" ({paper} on paper)")
            } else {
                String::new()
            }
        ));
        for kept in &r.set_aside {
            text.push_str(&format!(
                "        set aside {}: {} (kept as evidence; not counted)\n",
                clean(&kept.signature_file),
                clean(&kept.reason)
            ));
        }
    }
    if !key_lines.is_empty() {
        text.push_str("signing keys:\n");
        for line in key_lines.values() {
            text.push_str(&format!("  {}\n", clean(line)));
        }
    }
    for note in &verdict.trust_notes {
        text.push_str(&format!("note: {}\n", clean(note)));
    }
    for p in problems {
        text.push_str(&format!("problem: {}\n", clean(&p.message)));
    }
    match verdict.page.status {
        "genuine" => {}
        "missing" => text.push_str(&format!("warning: the bundle carries no verification page ({}): check it with this command, or ask the coordinator for a bundle made by `countersign bundle`\n", countersign::pack::layout::PAGE_FILE)),
        "another-version" => text.push_str(&format!("note: the bundle's verification page ({}) was written by {}, not by this {}: it may check differently; this command's verdict is the one above\n", countersign::pack::layout::PAGE_FILE, clean(verdict.page.written_by.as_deref().unwrap_or("another version of countersign")), countersign::verify::page::written_by())),
        _ => text.push_str(&format!("warning: the bundle's verification page ({}) is not a page countersign wrote: it was changed after it was made, so do not rely on what it says; this command's verdict is the one above\n", countersign::pack::layout::PAGE_FILE)),
    }
    for f in &verdict.unexplained_files {
        text.push_str(&format!(
            "warning: {} is in the bundle but no part of a pack explains it; it was not checked\n",
            clean(f)
        ));
    }
    if !outstanding.is_empty() {
        text.push_str(&format!("outstanding ({}):\n", outstanding.len()));
        for o in outstanding {
            text.push_str(&format!("  {}\n", clean(o)));
        }
    }
    let any_signed = verdict.documents.iter().any(|r| r.signed_count() > 0);
    let signed = if outstanding.is_empty() {
        "every party has signed"
    } else {
        "some signatures are outstanding"
    };
    text.push_str(&super::headline(
        verdict.outcome,
        require_trusted,
        any_signed,
        verdict.trust,
        &verdict.unconfirmed,
        ("every document and signature verifies", signed),
    ));
    text
}
