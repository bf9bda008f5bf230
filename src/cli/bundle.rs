//! `bundle` and `verify FILE.zip`: making the circulation bundle and checking one offline.

use std::path::{Path, PathBuf};

use countersign::bundle::{self, REPORT_FILE};
use countersign::fsio::{self, Overwrite};
use countersign::template::Template;
use countersign::verify::{Status, verify_document};

use super::keys::load_keyring;
use super::register::verify_register;
use super::sign::{manifest_of, read_signatures};
use super::{EXIT_OK, EXIT_VERIFY_FAILED, Failure, io_reason, load_pack, now, read_file};

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

/// Everything about a pack that verification found.
struct Verified {
    data: countersign::validate::PackData,
    manifest: countersign::assemble::Manifest,
    register: countersign::register::Register,
    checkpoints: Vec<String>,
    reports: Vec<countersign::verify::VerifyReport>,
}

fn verify_all(pack: &Path) -> Result<Verified, Failure> {
    let data = load_pack(pack)?;
    let manifest = manifest_of(pack)?;
    let keyring = load_keyring(pack)?;
    let (register, checkpoints) = verify_register(pack, &keyring)?;
    let signatures = read_signatures(pack)?;
    let mut reports = Vec::new();
    for entry in &manifest.documents {
        let path = pack.join("out").join(&entry.file);
        let bytes = std::fs::read(&path).map_err(|e| {
            Failure::verify(
                format!(
                    "{} is listed in the manifest but cannot be read ({})",
                    entry.file,
                    io_reason(&e)
                ),
                None,
            )
        })?;
        reports.push(verify_document(
            &entry.file,
            &bytes,
            &manifest,
            &data,
            &keyring,
            &signatures,
            Some(&register),
        ));
    }
    Ok(Verified {
        data,
        manifest,
        register,
        checkpoints,
        reports,
    })
}

pub fn make_bundle(args: &BundleArgs) -> Result<String, Failure> {
    let Verified {
        data,
        manifest,
        register,
        reports,
        ..
    } = verify_all(&args.pack)?;
    if let Some(bad) = reports.iter().find(|r| !r.valid) {
        return Err(Failure::verify(
            format!(
                "{} fails verification; a bundle is made only of documents and signatures that verify",
                bad.file
            ),
            Some(format!(
                "run `countersign verify {}/out/{}` to see why",
                args.pack.display(),
                bad.file
            )),
        ));
    }
    let at = now();
    let context = bundle::report_context(&data, &manifest, &register, &reports, &at);
    let (template_bytes, _) = countersign::assemble::template_bytes(&args.pack, REPORT_FILE)
        .map_err(|e| Failure::input(e.to_string(), None))?;
    let report = Template::from_bytes(template_bytes)
        .and_then(|t| t.render(&context))
        .map_err(|e| Failure::input(format!("cannot make the signature report: {e}"), None))?;
    let mut files =
        bundle::collect(&args.pack, &manifest).map_err(|e| Failure::input(e.to_string(), None))?;
    files.push((REPORT_FILE.to_string(), report));
    let zip = bundle::build(&data.framework.id, &at, &files)
        .map_err(|e| Failure::input(e.to_string(), None))?;
    let overwrite = if args.force {
        Overwrite::Replace
    } else {
        Overwrite::Refuse
    };
    fsio::write_atomic(&args.output, &zip, overwrite).map_err(|e| match e {
        fsio::WriteError::Exists(p) => Failure::input(
            format!("'{}' already exists; nothing was written", p.display()),
            Some("choose another name, or add --force".into()),
        ),
        other => Failure::input(other.to_string(), None),
    })?;
    let signatures = reports.iter().map(|r| r.signed_count()).sum::<usize>();
    Ok(format!(
        "wrote the bundle '{}' ({} files, {} bytes): {} documents, {signatures} signatures, the keyring, the register ({} records) and the signature report; no secret key",
        args.output.display(),
        files.len() + 1,
        zip.len(),
        manifest.documents.len(),
        register.records.len()
    ))
}

/// Verifies a bundle: its files against its index, then everything in it.
pub fn verify_bundle(path: &Path, json: bool, require_all: bool) -> Result<i32, Failure> {
    let bytes = read_file(path, "bundle")?;
    let (index, files) = match bundle::open(&bytes) {
        Ok(x) => x,
        Err(e @ bundle::BundleError::Mismatch(_)) => {
            return Err(Failure::verify(
                format!("the bundle '{}' was tampered with: {e}", path.display()),
                Some("ask the coordinator for a fresh copy; do not rely on this one".into()),
            ));
        }
        Err(e) => {
            return Err(Failure::input(
                format!("cannot use '{}': {e}", path.display()),
                None,
            ));
        }
    };
    let dir = tempfile::tempdir()
        .map_err(|e| Failure::input(format!("cannot make a working folder ({e})"), None))?;
    for (name, content) in &files {
        let target = dir.path().join(name);
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| Failure::input(e.to_string(), None))?;
        }
        std::fs::write(&target, content).map_err(|e| Failure::input(e.to_string(), None))?;
    }
    let Verified {
        manifest,
        register,
        checkpoints,
        reports,
        ..
    } = verify_all(dir.path())?;
    let mut problems = Vec::new();
    for r in &reports {
        if !r.valid {
            problems.push(format!("{} fails verification", r.file));
        }
        if register.assembled(&r.sha256).is_none() {
            problems.push(format!(
                "{} is not recorded in the register as assembled",
                r.file
            ));
        }
    }
    let outstanding: Vec<String> = reports
        .iter()
        .filter(|r| {
            manifest
                .documents
                .iter()
                .any(|d| d.file == r.file && d.current)
        })
        .flat_map(|r| {
            r.parties
                .iter()
                .filter(|p| p.status != Status::Signed)
                .map(move |p| format!("{}: {}", r.file, p.name))
        })
        .collect();
    let failed = !problems.is_empty() || (require_all && !outstanding.is_empty());
    if json {
        let value = serde_json::json!({
            "format": "countersign/bundle-verify/v1", "pack": index.pack, "created_at": index.created_at, "files": files.len(),
            "register": {"records": register.records.len(), "head": register.head().1, "checkpoints": checkpoints},
            "documents": reports, "problems": problems, "outstanding": outstanding, "valid": problems.is_empty(),
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&value).unwrap_or_default()
        );
    } else {
        let mut text = format!(
            "bundle {} of pack {} made {}: every one of its {} files matches its index\n",
            path.display(),
            index.pack,
            index.created_at,
            files.len()
        );
        text.push_str(&format!(
            "register: intact, {} records{}\n",
            register.records.len(),
            if checkpoints.is_empty() {
                String::new()
            } else {
                format!(", {} checkpoint(s) verified", checkpoints.len())
            }
        ));
        for r in &reports {
            let signed = r.signed_count();
            text.push_str(&format!(
                "{}  {}  {}/{} signed\n",
                if r.valid { "ok    " } else { "FAILED" },
                r.file,
                signed,
                r.parties.len()
            ));
        }
        for p in &problems {
            text.push_str(&format!("problem: {p}\n"));
        }
        if !outstanding.is_empty() {
            text.push_str(&format!("outstanding ({}):\n", outstanding.len()));
            for o in &outstanding {
                text.push_str(&format!("  {o}\n"));
            }
        }
        text.push_str(if !problems.is_empty() {
            "result: VERIFICATION FAILED\n"
        } else if outstanding.is_empty() {
            "result: VALID: every document and signature verifies, and every party has signed\n"
        } else {
            "result: VALID: every document and signature verifies; some signatures are outstanding\n"
        });
        print!("{text}");
    }
    Ok(if failed { EXIT_VERIFY_FAILED } else { EXIT_OK })
}
