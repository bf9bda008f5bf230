//! `sign` and `verify`: finding the pack of a document, reading its files, and saying what the
//! verification found in words, or as JSON.

use std::path::{Path, PathBuf};

use countersign::assemble::{MANIFEST_FILE, Manifest, read_manifest};
use countersign::fsio;
use countersign::register::{self, Event, REGISTER_FILE, Register};
use countersign::sign::{
    SIGNATURE_SUFFIX, SIGNATURES_DIR, SignRequest, sign_document, signature_file_name,
};
use countersign::signature::envelope_bytes;
use countersign::verify::{DocumentMatch, Status, VerifyReport, verify_document};

use super::keys::{SignerArgs, load_keyring, read_secret_key};
use super::{EXIT_OK, EXIT_VERIFY_FAILED, Failure, io_reason, load_pack, now, read_file};

#[derive(clap::Args)]
pub struct SignArgs {
    /// The assembled document to sign.
    document: PathBuf,
    #[command(flatten)]
    signer: SignerArgs,
    /// The pack folder (default: found from the document's folder).
    #[arg(long)]
    pack: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct VerifyArgs {
    /// The document to verify, or a circulation bundle (FILE.zip) to verify as a whole.
    document: PathBuf,
    /// The pack folder (default: found from the document's folder).
    #[arg(long)]
    pack: Option<PathBuf>,
    /// Print the result as JSON (schema in README.md) instead of words.
    #[arg(long)]
    json: bool,
    /// Fail (exit 1) while any organisation has not signed this version.
    #[arg(long)]
    require_all: bool,
}

/// The pack a document belongs to: `--pack`, or the folder above the document's `out/` folder.
fn find_pack(document: &Path, pack: Option<&PathBuf>) -> Result<PathBuf, Failure> {
    if let Some(p) = pack {
        return Ok(p.clone());
    }
    let folder = document
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let above = folder
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map_or_else(|| folder.join(".."), Path::to_path_buf);
    for candidate in [above, folder.to_path_buf()] {
        if candidate
            .join(countersign::validate::FRAMEWORK_FILE)
            .is_file()
        {
            return Ok(candidate);
        }
    }
    Err(Failure::input(
        format!("cannot tell which pack '{}' belongs to", document.display()),
        Some("name it with --pack PACK (the folder with framework.json, out/manifest.json, keys/ and signatures/)".into()),
    ))
}

pub fn manifest_of(pack: &Path) -> Result<Manifest, Failure> {
    let path = pack.join("out").join(MANIFEST_FILE);
    if !path.exists() {
        return Err(Failure::input(
            format!(
                "the pack '{}' has not been assembled yet: '{}' does not exist",
                pack.display(),
                path.display()
            ),
            Some(format!(
                "run `countersign assemble {}` first",
                pack.display()
            )),
        ));
    }
    read_manifest(&path).map_err(|e| {
        Failure::input(
            e.to_string(),
            Some(
                "restore out/manifest.json from version control, or assemble the pack again".into(),
            ),
        )
    })
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// A document and the pack files needed to sign or verify it.
struct Opened {
    pack: PathBuf,
    data: countersign::validate::PackData,
    manifest: Manifest,
    keyring: countersign::keyring::Keyring,
    bytes: Vec<u8>,
}

fn open_document(document: &Path, pack: Option<&PathBuf>) -> Result<Opened, Failure> {
    // The document first: a mistyped path is the likeliest mistake, and says so plainly.
    let bytes = read_file(document, "document")?;
    let pack = find_pack(document, pack)?;
    let data = load_pack(&pack)?;
    let manifest = manifest_of(&pack)?;
    let keyring = load_keyring(&pack)?;
    Ok(Opened {
        pack,
        data,
        manifest,
        keyring,
        bytes,
    })
}

pub fn sign(args: &SignArgs) -> Result<String, Failure> {
    let Opened {
        pack,
        data,
        manifest,
        keyring,
        bytes,
    } = open_document(&args.document, args.pack.as_ref())?;
    let key = read_secret_key(&args.signer.key, &args.signer.passphrase)?;
    let file = file_name(&args.document);
    let at = now();
    let request = SignRequest {
        file: &file,
        bytes: &bytes,
        organisation: &args.signer.org,
        signatory: &args.signer.signatory,
        role: &args.signer.role,
        at: &at,
    };
    let (statement, envelope) = sign_document(&request, &manifest, &data, &keyring, &key).map_err(|e| {
        use countersign::sign::SignError as E;
        let hint = match &e {
            E::NotInManifest(_) | E::DiffersFromManifest { .. } => "sign only the documents `countersign assemble` wrote; check with `countersign assemble --check`",
            E::NotAParty { .. } | E::UnknownOrganisation(_) => "check --org: it must be a party to this document",
            E::KeyNotInKeyring(_) => "the coordinator adds your public key with `countersign keys add`",
            _ => "check `countersign keys list` for your key's organisation, holder, roles and status",
        };
        Failure::input(format!("cannot sign: {e}; nothing was signed"), Some(hint.into()))
    })?;
    let dir = pack.join(SIGNATURES_DIR);
    std::fs::create_dir_all(&dir).map_err(|e| {
        Failure::input(
            format!("cannot create '{}' ({})", dir.display(), io_reason(&e)),
            None,
        )
    })?;
    let path = dir.join(signature_file_name(&file, &args.signer.org));
    fsio::write_atomic(&path, &envelope_bytes(&envelope), fsio::Overwrite::Refuse).map_err(
        |e| match e {
            fsio::WriteError::Exists(p) => Failure::input(
                format!(
                    "{} has already signed {file}: '{}' exists; nothing was signed",
                    args.signer.org,
                    p.display()
                ),
                Some("a signature is never replaced; verify it with `countersign verify`".into()),
            ),
            other => Failure::input(other.to_string(), None),
        },
    )?;
    let p = &statement.predicate;
    let payload_sha256 =
        countersign::digest::sha256_hex(&serde_json::to_vec(&statement).unwrap_or_default());
    let event = Event::SignatureRecorded {
        file: file.clone(),
        id: p.document.id.clone(),
        version: p.document.version.clone(),
        sha256: statement.subject[0].digest.sha256.clone(),
        organisation: p.organisation.id.clone(),
        key_id: p.key_id.to_string(),
        statement_sha256: payload_sha256,
        signature_file: file_name(&path),
    };
    let recorded = match register::append(&pack, &at, vec![event]) {
        Ok(records) => records.first().map_or(0, |r| r.seq),
        Err(e) => {
            // A signature that is not in the register would be a signature nobody can place.
            let _ = std::fs::remove_file(&path);
            return Err(Failure::input(
                format!("cannot record the signature in the register: {e}; nothing was signed"),
                Some("run `countersign register verify` and repair the register first".into()),
            ));
        }
    };
    Ok(format!(
        "signed {file} (version {}, SHA-256 {}) for {} as {} ({}) at {} with key {}\nsignature: {} (register record {recorded})",
        p.document.version,
        &statement.subject[0].digest.sha256[..16],
        p.organisation.name,
        p.signatory.name,
        p.signatory.role,
        p.signed_at,
        p.key_id,
        path.display()
    ))
}

/// The pack's register, checked; a register that cannot be trusted fails verification.
pub fn load_register(pack: &Path) -> Result<Register, Failure> {
    Register::load(pack).map_err(|e| {
        Failure::verify(
            format!("the pack's register ({REGISTER_FILE}) cannot be trusted: {e}"),
            Some("run `countersign register verify` for details; restore the register from version control or another copy".into()),
        )
    })
}

pub fn read_signatures(pack: &Path) -> Result<Vec<(String, Vec<u8>)>, Failure> {
    let dir = pack.join(SIGNATURES_DIR);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(Vec::new());
    };
    let mut files = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(SIGNATURE_SUFFIX) {
            let bytes = read_file(&entry.path(), "signature file")?;
            files.push((name, bytes));
        }
    }
    files.sort();
    Ok(files)
}

/// Strips control characters from text that came from a file, before it reaches a terminal.
fn clean(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).collect()
}

pub fn verify(args: &VerifyArgs) -> Result<i32, Failure> {
    if args
        .document
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("zip"))
    {
        return super::bundle::verify_bundle(&args.document, args.json, args.require_all);
    }
    let Opened {
        pack,
        data,
        manifest,
        keyring,
        bytes,
    } = open_document(&args.document, args.pack.as_ref())?;
    let signatures = read_signatures(&pack)?;
    let register = load_register(&pack)?;
    let report = verify_document(
        &file_name(&args.document),
        &bytes,
        &manifest,
        &data,
        &keyring,
        &signatures,
        Some(&register),
    );
    let failed = !report.valid || (args.require_all && !report.outstanding.is_empty());
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        );
    } else {
        print!("{}", describe(&report, args.require_all));
    }
    Ok(if failed { EXIT_VERIFY_FAILED } else { EXIT_OK })
}

fn describe(r: &VerifyReport, require_all: bool) -> String {
    let mut out = String::new();
    let what = match (&r.kind, &r.id, &r.version) {
        (Some(k), Some(id), Some(v)) => format!("{k} '{id}', version {v}"),
        _ => "no document of this pack".into(),
    };
    out.push_str(&format!("{}\n  SHA-256 {}\n", clean(&r.file), r.sha256));
    out.push_str(&match r.document {
        DocumentMatch::Exact => format!("  document: exactly the assembled {what}\n"),
        DocumentMatch::DiffersFromManifest => format!("  document: NOT the assembled {what}: its bytes differ from the manifest (edited, damaged or from elsewhere)\n"),
        DocumentMatch::Unknown => "  document: NOT a document of this pack's manifest\n".into(),
    });
    let signed = r.signed_count();
    out.push_str(&format!(
        "signatures: {signed} of {} organisations have signed this version\n",
        r.parties.len()
    ));
    for p in &r.parties {
        let name = clean(&p.name);
        let line = match (&p.status, &p.signed) {
            (Status::Signed, Some(s)) => format!(
                "  signed       {name}: by {} ({}) at {}, key {}; signature valid; key belongs to {name}",
                clean(&s.signatory),
                clean(&s.role),
                clean(&s.signed_at),
                s.key_id
            ),
            (Status::OlderVersion, _) => format!(
                "  older        {name}: {}",
                clean(p.reason.as_deref().unwrap_or("signed an older version"))
            ),
            (Status::Failed, _) => {
                let valid = match p.signature_valid {
                    Some(true) => "signature valid",
                    Some(false) => "signature NOT valid",
                    None => "signature unreadable",
                };
                let belongs = match p.key_belongs_to_organisation {
                    Some(true) => format!("; key belongs to {name}"),
                    Some(false) => format!("; key does NOT belong to {name}"),
                    None => String::new(),
                };
                format!(
                    "  FAILED       {name}: {} ({valid}{belongs})",
                    clean(p.reason.as_deref().unwrap_or(""))
                )
            }
            _ => format!("  outstanding  {name}: not signed yet"),
        };
        out.push_str(&line);
        out.push('\n');
    }
    for warning in &r.warnings {
        out.push_str(&format!("  note: {}\n", clean(warning)));
    }
    for problem in &r.other_problems {
        out.push_str(&format!(
            "  FAILED       {}: {}\n",
            clean(&problem.signature_file),
            clean(&problem.reason)
        ));
    }
    let verdict = if !r.valid {
        "result: VERIFICATION FAILED: do not rely on this document or its signatures as they stand"
            .to_string()
    } else if r.outstanding.is_empty() {
        "result: VALID: this is exactly the assembled document, and every organisation has signed it".to_string()
    } else if require_all {
        format!(
            "result: INCOMPLETE: every signature present is valid, but {} organisation(s) have not signed this version",
            r.outstanding.len()
        )
    } else {
        format!(
            "result: VALID: this is exactly the assembled document and every signature present is valid; {} organisation(s) still to sign",
            r.outstanding.len()
        )
    };
    out.push_str(&verdict);
    out.push('\n');
    out
}
