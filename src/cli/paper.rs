//! `record-paper` and `signature-sheet`: approvals on paper, recorded by the coordinator, and
//! the sheet printed for those who sign by hand.

use std::path::PathBuf;

use countersign::pack::Pack;
use countersign::paper::{MAX_SCAN_BYTES, PAPER_FORMAT, PaperRecord, scan_name};
use countersign::verify::{Status, verify_pack};

use super::{EXIT_OK, Failure, clean, load_failure, now, parse_time, read_file, store_failure};

#[derive(clap::Args)]
pub struct RecordPaperArgs {
    /// The pack folder.
    pack: PathBuf,
    /// The document signed on paper: its file name (e.g. framework-v2.7.docx) or its id (the
    /// current version).
    document: String,
    /// The organisation that signed (its id).
    #[arg(long)]
    org: String,
    /// Who signed, as written on the sheet.
    #[arg(long)]
    signatory: String,
    /// In what role, as written on the sheet.
    #[arg(long)]
    role: String,
    /// The date written on the sheet (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    signed_on: String,
    /// The scan of the signed sheet (PDF or image); kept in the pack's paper/ folder.
    #[arg(long, value_name = "FILE")]
    scan: PathBuf,
}

pub fn record_paper(args: &RecordPaperArgs) -> Result<String, Failure> {
    let pack = Pack::new(&args.pack);
    let contents = pack.contents().map_err(load_failure)?;
    let entry = contents
        .manifest
        .documents
        .iter()
        .find(|d| d.file == args.document)
        .or_else(|| {
            contents
                .manifest
                .documents
                .iter()
                .find(|d| d.current && d.id == args.document)
        })
        .ok_or_else(|| {
            Failure::input(
                format!("the pack has no document '{}'", args.document),
                Some("give a document's file name from out/ or its id; `countersign status` lists them".into()),
            )
        })?;
    if !entry.current {
        return Err(Failure::input(
            format!(
                "{} is an earlier version; a paper signature is recorded for the current version only",
                entry.file
            ),
            Some(
                "send the signatory the current version's sheet (`countersign signature-sheet`)"
                    .into(),
            ),
        ));
    }
    let org = contents.data.organisation(&args.org).ok_or_else(|| {
        Failure::input(
            format!("'{}' is not an organisation of the pack", args.org),
            Some("use an id from organisations.json".into()),
        )
    })?;
    if !entry.parties.contains(&org.id) {
        return Err(Failure::input(
            format!("{} is not a party to {}", org.name, entry.file),
            Some("check the document and --org".into()),
        ));
    }
    let signed_on = parse_time(&args.signed_on, "--signed-on")?;
    let today = now()?;
    if signed_on.days() > today.days() {
        return Err(Failure::input(
            format!(
                "the date on the sheet ({}) is after today",
                signed_on.date()
            ),
            Some("give the date written on the sheet, YYYY-MM-DD".into()),
        ));
    }
    let verification = verify_pack(&contents).map_err(|e| {
        Failure::verify(
            format!("the pack's register cannot be trusted: {e}"),
            Some("run `countersign register verify` and restore the register first".into()),
        )
    })?;
    if let Some(done) = verification
        .reports
        .iter()
        .filter(|r| r.file == entry.file)
        .flat_map(|r| &r.parties)
        .find(|p| {
            p.organisation == org.id && matches!(p.status, Status::Signed | Status::SignedOnPaper)
        })
    {
        return Err(Failure::input(
            format!(
                "{} has already approved {} ({}); nothing was recorded",
                org.name,
                entry.file,
                if done.status == Status::Signed {
                    "electronically"
                } else {
                    "on paper"
                }
            ),
            Some("an organisation approves each document once".into()),
        ));
    }
    let scan = read_file(&args.scan, "scan")?;
    if scan.is_empty() || scan.len() as u64 > MAX_SCAN_BYTES {
        return Err(Failure::input(
            format!(
                "the scan '{}' is {} bytes; a scan must hold something and be at most {} MB",
                args.scan.display(),
                scan.len(),
                MAX_SCAN_BYTES / (1024 * 1024)
            ),
            Some("scan the signed sheet to PDF at a normal resolution".into()),
        ));
    }
    let extension = args
        .scan
        .extension()
        .map(|e| e.to_string_lossy().into_owned())
        .unwrap_or_default();
    let record = PaperRecord {
        format: PAPER_FORMAT.into(),
        file: entry.file.clone(),
        id: entry.id.clone(),
        version: entry.version.clone(),
        sha256: entry.sha256.clone(),
        organisation: org.id.clone(),
        signatory: args.signatory.clone(),
        role: args.role.clone(),
        signed_on: signed_on.date(),
        scan: scan_name(&entry.file, &org.id, &extension),
        scan_sha256: countersign::digest::sha256_hex(&scan),
        recorded_at: today,
    };
    let records = pack
        .store_paper(&record, &scan, today)
        .map_err(store_failure)?;
    Ok(format!(
        "recorded {}'s paper signature of {} (version {}): signed by {} ({}) on {}\n  scan: {} (SHA-256 {})\n  register record {}\nverification shows it as signed on paper, recorded by you; keep the paper original as your organisation's records policy says",
        org.name,
        entry.file,
        entry.version,
        clean(&args.signatory),
        clean(&args.role),
        record.signed_on,
        pack.paper_dir().join(&record.scan).display(),
        record.scan_sha256,
        records.first().map_or(0, |r| r.seq)
    ))
}

#[derive(clap::Args)]
pub struct SheetArgs {
    /// The pack folder.
    #[arg(default_value = ".")]
    pack: PathBuf,
    /// Where to write the sheet (DOCX).
    #[arg(short, long, value_name = "FILE.docx")]
    output: PathBuf,
    /// Replace the file if it exists.
    #[arg(long)]
    force: bool,
}

pub fn signature_sheet(args: &SheetArgs) -> Result<String, Failure> {
    let pack = Pack::new(&args.pack);
    let contents = pack.contents().map_err(load_failure)?;
    let verification = verify_pack(&contents).map_err(|e| {
        Failure::verify(
            format!("the pack's register cannot be trusted: {e}"),
            Some("run `countersign register verify` and restore the register first".into()),
        )
    })?;
    let at = now()?;
    let (bytes, counts) =
        countersign::sheet::render(pack.root(), &contents, &verification.reports, at).map_err(
            |e| {
                Failure::input(
                    format!("cannot make the signature sheet: {e}"),
                    Some("fix the pack's own templates/signature-sheet.docx, or remove it to use the default".into()),
                )
            },
        )?;
    super::write_output(&args.output, &bytes, args.force)?;
    let _ = EXIT_OK;
    Ok(format!(
        "wrote the signature sheet '{}': {} organisation(s) signed electronically, {} on paper, {} to sign by hand",
        args.output.display(),
        counts.electronic,
        counts.paper,
        counts.outstanding
    ))
}
