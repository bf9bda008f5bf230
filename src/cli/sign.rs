//! `sign` and `verify`: finding the pack of a document (or opening the bundle it came in),
//! and saying what was signed or what the verification found, in words or as JSON.

use std::path::{Path, PathBuf};

use countersign::fsio;
use countersign::pack::{LoadError, Pack};
use countersign::verify::{DocumentMatch, Status, VerifyReport};

use super::keys::{SignerArgs, read_secret_key};
use super::{
    EXIT_OK, EXIT_VERIFY_FAILED, Failure, clean, coordinator, is_bundle, load_failure, now,
    open_bundle, read_file, store_failure,
};

#[derive(clap::Args)]
pub struct SignArgs {
    /// The bundle you were sent (FILE.zip), or an assembled document in a pack folder.
    target: PathBuf,
    /// With a bundle: the document to sign, by its file name in the bundle, its id, or the
    /// DOCX you were sent. Leave it out to list what awaits your signature.
    document: Option<String>,
    #[command(flatten)]
    signer: SignerArgs,
    /// In a pack folder: the pack (default: found from the document's folder).
    #[arg(long)]
    pack: Option<PathBuf>,
    /// With a bundle: where to write the signature file (a file or a folder; default: the
    /// current folder).
    #[arg(short, long, value_name = "PATH")]
    output: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct VerifyArgs {
    /// The document to verify, or a circulation bundle (FILE.zip) to verify as a whole.
    pub document: PathBuf,
    /// The pack folder (default: found from the document's folder).
    #[arg(long)]
    pub pack: Option<PathBuf>,
    /// Print the result as JSON (schema in README.md) instead of words.
    #[arg(long)]
    pub json: bool,
    /// Fail (exit 1) while any organisation has not signed this version.
    #[arg(long)]
    pub require_all: bool,
    /// What you already trust, to confirm the signing keys against: a trust file (lines of
    /// organisation id and key id), an earlier bundle (FILE.zip) or keyring (keyring.json) that
    /// the keyring being verified must extend.
    #[arg(long, value_name = "FILE")]
    pub trust: Option<PathBuf>,
    /// Fail (exit 1) unless every signature's key is confirmed by --trust.
    #[arg(long)]
    pub require_trusted: bool,
    /// With --require-all: count only electronic signatures (an approval recorded on paper
    /// counts as outstanding).
    #[arg(long, requires = "require_all")]
    pub electronic_only: bool,
}

/// The pack a document belongs to ([`Pack::locate`]), or what to do when none is found.
pub fn locate(document: &Path, pack: Option<&PathBuf>) -> Result<Pack, Failure> {
    Pack::locate(document, pack.map(PathBuf::as_path)).ok_or_else(|| {
        Failure::input(
            format!("cannot tell which pack '{}' belongs to", document.display()),
            Some("name it with --pack PACK (the folder with framework.json, out/manifest.json, keys/ and signatures/); if you were sent a bundle (FILE.zip), give that instead".into()),
        )
    })
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

pub fn sign(args: &SignArgs) -> Result<String, Failure> {
    if is_bundle(&args.target) {
        return sign_from_bundle(args);
    }
    if args.document.is_some() {
        return Err(Failure::input(
            format!(
                "'{}' is not a bundle (.zip), so there is nothing to pick a document from",
                args.target.display()
            ),
            Some("give the bundle first and the document second: `countersign sign BUNDLE.zip DOCUMENT`".into()),
        ));
    }
    sign_in_pack(args)
}

fn key_failure(e: countersign::approval::sign::SignError, inside: &str) -> Failure {
    use countersign::approval::sign::SignError as E;
    let hint = match &e {
        E::NotInManifest(_) | E::DiffersFromManifest { .. } => format!("sign only the documents {inside} holds, as they were assembled; check with `countersign verify`"),
        E::NotAParty { .. } | E::UnknownOrganisation(_) => "check --org: it must be a party to this document".into(),
        E::KeyNotInKeyring(_) if inside.starts_with("the pack") => "the coordinator adds your public key with `countersign keys add`, after confirming its fingerprint with you".into(),
        E::KeyNotInKeyring(_) => format!("send your public key (the .pub file) to the coordinator and confirm its fingerprint with them by phone; once they have added it, use a bundle they made after that ({inside} was made before)"),
        E::RoleNotChosen { .. } => "add --role with one of the roles named".into(),
        E::Superseded { .. } => "sign the current version, named above".into(),
        _ => format!("check your key's organisation, holder, roles and status in {inside} (`countersign keys list`)"),
    };
    Failure::input(format!("cannot sign: {e}; nothing was signed"), Some(hint))
}

fn sign_from_bundle(args: &SignArgs) -> Result<String, Failure> {
    use countersign::approval::signing::{
        BundleSigningError as E, FromBundle, read_bundle_for_signing,
    };
    let (_, contents) = open_bundle(&args.target)?;
    let key = read_secret_key(&args.signer.key, &args.signer.passphrase)?;
    let inside = format!("the bundle '{}'", args.target.display());
    let failure = |e: E| match e {
        E::Refused(e) => key_failure(e, &inside),
        E::Untrusted(_) => Failure::verify(
            e.to_string(),
            Some("ask the coordinator for a fresh copy; do not sign from this one".into()),
        ),
        E::NoSuchDocument(_) => Failure::input(
            e.to_string(),
            Some(format!(
                "run `countersign sign {} --key KEY` to list what awaits your signature",
                args.target.display()
            )),
        ),
        other => Failure::verify(
            other.to_string(),
            Some("ask the coordinator for a complete bundle".into()),
        ),
    };
    let bundle = read_bundle_for_signing(&contents, &key.public().key_id(), args.signer.choice())
        .map_err(failure)?;
    let Some(wanted) = &args.document else {
        return Ok(awaiting(args, &bundle));
    };
    // The document: a DOCX you were sent, or one named in the bundle.
    let (file, bytes) = if Path::new(wanted).is_file() {
        let bytes = read_file(Path::new(wanted), "document")?;
        let file = bundle
            .file_of(&bytes)
            .unwrap_or_else(|| file_name(Path::new(wanted)));
        (file, bytes)
    } else {
        bundle.document(wanted).map_err(failure)?
    };
    let (statement, envelope, name) = match bundle
        .sign(&file, &bytes, &key, now()?)
        .map_err(failure)?
    {
        FromBundle::AlreadyApproved {
            organisation_name,
            by,
        } => {
            // No signature: the approval is on paper (one approval per organisation).
            let held = by.map_or_else(
                || "approval on paper".to_string(),
                |s| format!("signature (by {}, {})", s.signatory, s.signed_at),
            );
            return Ok(format!(
                "the bundle already holds {organisation_name}'s {held} of {file}: it is already approved, so there is nothing to sign"
            ));
        }
        FromBundle::Signed {
            statement,
            bytes,
            file_name,
        } => (statement, bytes, file_name),
    };
    let path = super::output_path(args.output.as_ref(), &name);
    fsio::write_atomic(&path, &envelope, fsio::Overwrite::Refuse).map_err(
        |e| match e {
            fsio::WriteError::Exists(p) => Failure::input(
                format!("'{}' already exists; nothing was signed", p.display()),
                Some("send that file if it is your signature of this document, or choose another name with -o".into()),
            ),
            other => Failure::input(format!("cannot write the signature: {other}; nothing was signed"), Some("check that the folder exists, that you may write to it, and that the disk is not full".into())),
        },
    )?;
    let p = &statement.predicate;
    Ok(format!(
        "signed '{}' ({file}), version {}\n  SHA-256 {}\n  for {} by {} ({}) at {}, key {}\nsignature file: {}\nnext: send this one file back to {}. It holds no secret, and nothing else is needed.",
        p.document.title,
        p.document.version,
        statement.subject[0].digest.sha256,
        p.organisation.name,
        p.signatory.name,
        p.signatory.role,
        p.signed_at,
        p.key_id,
        path.display(),
        coordinator(&contents.data)
    ))
}

/// Lists the current documents the signer's organisation is a party to and has not signed.
fn awaiting(
    args: &SignArgs,
    bundle: &countersign::approval::signing::BundleForSigning<'_>,
) -> String {
    let awaiting = bundle.awaiting();
    let org_name = &awaiting.organisation_name;
    if awaiting.documents.is_empty() {
        return format!(
            "{org_name} has signed every current document of this bundle it is a party to ({}); there is nothing to sign",
            awaiting.approved
        );
    }
    let lines: Vec<String> = awaiting
        .documents
        .iter()
        .map(|d| {
            format!(
                "  {}  {}, version {}",
                d.file,
                d.title,
                d.version.as_deref().unwrap_or("?")
            )
        })
        .collect();
    let signer = bundle.signer();
    format!(
        "{} document(s) of this bundle await {org_name}'s signature (as {}, {}):\n{}\nsign one with: countersign sign {} FILE --key {}",
        lines.len(),
        signer.signatory,
        signer.role,
        lines.join("\n"),
        args.target.display(),
        args.signer.key.display()
    )
}

fn sign_in_pack(args: &SignArgs) -> Result<String, Failure> {
    use countersign::approval::signing::SigningError;
    let bytes = read_file(&args.target, "document")?;
    let pack = locate(&args.target, args.pack.as_ref())?;
    let file = file_name(&args.target);
    let inside = format!("the pack '{}'", pack.root().display());
    let failure = |e: SigningError| {
        match e {
        SigningError::Load(LoadError::Register(e)) => Failure::input(
            format!("cannot record the signature in the register: {e}; nothing was signed"),
            Some("run `countersign register verify` and repair the register first".into()),
        ),
        SigningError::Load(other) => load_failure(other).after("nothing was signed"),
        SigningError::Refused(e) => key_failure(e, &inside),
        SigningError::Store(e) => store_failure(e),
        e @ SigningError::ApprovedOnPaper { .. } => Failure::input(
            e.to_string(),
            Some("nothing more is needed from this organisation for this document; `countersign verify` shows its paper approval".into()),
        ),
        other => Failure::input(
            other.to_string(),
            Some("a signature is never replaced; verify it with `countersign verify`".into()),
        ),
    }
    };
    // The pack first: a register that cannot take the signature is said before the passphrase
    // is asked for.
    let read = countersign::approval::signing::read_for_signing(&pack).map_err(failure)?;
    let key = read_secret_key(&args.signer.key, &args.signer.passphrase)?;
    let signed = read
        .sign(&file, &bytes, &key, args.signer.choice(), now()?)
        .map_err(failure)?;
    let p = &signed.statement.predicate;
    if signed.repaired {
        return Ok(format!(
            "{} had already signed {file} (by {}, {}), but the register had no record of it (an earlier run was stopped between the two): recorded it now as register record {}; no new signature was made\nsignature: {}",
            p.organisation.name,
            p.signatory.name,
            p.signed_at,
            signed.register_record,
            pack.signatures_dir().join(&signed.signature_file).display()
        ));
    }
    Ok(format!(
        "signed {file} (version {}, SHA-256 {}) for {} as {} ({}) at {} with key {}\nsignature: {} (register record {})",
        p.document.version,
        signed.statement.subject[0]
            .digest
            .sha256
            .get(..16)
            .unwrap_or_default(),
        p.organisation.name,
        p.signatory.name,
        p.signatory.role,
        p.signed_at,
        p.key_id,
        pack.signatures_dir().join(&signed.signature_file).display(),
        signed.register_record
    ))
}

pub fn verify(args: &VerifyArgs) -> Result<i32, Failure> {
    // The document first: a mistyped path is the likeliest mistake, and says so plainly.
    let bytes = read_file(&args.document, "document")?;
    let pack = locate(&args.document, args.pack.as_ref())?;
    let contents = pack.contents().map_err(|e| match e {
        LoadError::Register(_) | LoadError::Keyring { .. } => Failure::verify(
            e.to_string(),
            Some("run `countersign register verify` for details; restore the file from version control or another copy".into()),
        ),
        other => load_failure(other),
    })?;
    let trusted = super::read_trusted(args.trust.as_deref())?;
    let mut report = countersign::verify::verdict::verify_document(
        &contents,
        &file_name(&args.document),
        &bytes,
        trusted
            .as_ref()
            .map(|(name, bytes)| countersign::verify::verdict::Trusted::named(name, bytes)),
    )
    .map_err(super::refused)?;
    if args.electronic_only {
        report.outstanding.extend(report.on_paper());
    }
    let failed = !report.valid
        || (args.require_all && !report.outstanding.is_empty())
        || (args.require_trusted && !report.keys_confirmed);
    if args.json {
        super::print_json(&report)?;
    } else {
        super::print_out(&describe(&report, args.require_all, args.require_trusted))?;
    }
    Ok(if failed { EXIT_VERIFY_FAILED } else { EXIT_OK })
}

fn describe(r: &VerifyReport, require_all: bool, require_trusted: bool) -> String {
    let mut out = String::new();
    let what = match (&r.kind, &r.id, &r.version) {
        (Some(k), Some(id), Some(v)) => format!("{k} '{}', version {}", clean(id), clean(v)),
        _ => "no document of this pack".into(),
    };
    out.push_str(&format!("{}\n  SHA-256 {}\n", clean(&r.file), r.sha256));
    out.push_str(&match r.document {
        DocumentMatch::Exact => format!("  document: exactly the assembled {what}\n"),
        DocumentMatch::DiffersFromManifest => format!("  document: NOT the assembled {what}: its bytes differ from the manifest (edited, damaged or from elsewhere)\n"),
        DocumentMatch::Unknown => "  document: NOT a document of this pack's manifest\n".into(),
    });
    out.push_str(&format!(
        "signatures: {} of {} organisations have approved this version{}\n",
        r.approved_count(),
        r.parties.len(),
        super::paper_split(r)
    ));
    for p in &r.parties {
        let name = clean(&p.name);
        let line = match (&p.status, &p.signed) {
            (Status::Signed, Some(s)) => format!(
                "  signed       {name}: by {} ({}) at {}, key {}; signature valid; key listed for {name} by the pack's keyring; {}",
                clean(&s.signatory),
                clean(&s.role),
                clean(&s.signed_at),
                s.key_id,
                p.key_confirmation
                    .as_ref()
                    .map_or_else(String::new, |c| c.words(&name))
            ),
            (Status::SignedOnPaper, _) => {
                let paper = p.paper.as_ref();
                format!(
                    "  on paper     {name}: signed on paper by {} ({}) on {}, recorded by the coordinator on {} (scan SHA-256 {}); not a cryptographic signature",
                    clean(paper.map_or("", |x| x.signatory.as_str())),
                    clean(paper.map_or("", |x| x.role.as_str())),
                    clean(paper.map_or("", |x| x.signed_on.as_str())),
                    paper.map_or("", |x| x.recorded_at.get(..10).unwrap_or_default()),
                    paper.map_or("", |x| x.scan_sha256.as_str()),
                )
            }
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
                    Some(true) => format!("; key listed for {name} by the pack's keyring"),
                    Some(false) => format!("; key NOT listed for {name} by the pack's keyring"),
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
    out.push_str(&super::stray_lines(r));
    let signed = if r.outstanding.is_empty() {
        "every organisation has signed it".to_string()
    } else {
        format!("{} organisation(s) still to sign", r.outstanding.len())
    };
    if r.valid && require_all && !r.outstanding.is_empty() {
        out.push_str(&format!(
            "result: INCOMPLETE: every signature present is valid, but {} organisation(s) have not signed this version\n",
            r.outstanding.len()
        ));
        return out;
    }
    out.push_str(&super::headline(
        r.outcome,
        require_trusted,
        r.signed_count() > 0,
        r.trust,
        &r.unconfirmed,
        (
            "this is exactly the assembled document, every signature present is valid",
            &signed,
        ),
    ));
    out
}
