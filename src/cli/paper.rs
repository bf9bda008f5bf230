//! `record-paper` and `signature-sheet`: approvals on paper, recorded by the coordinator, and
//! the sheet printed for those who sign by hand.

use std::path::PathBuf;

use countersign::pack::Pack;

use super::{Failure, clean, load_failure, now, parse_time, read_file, store_failure};

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
    use countersign::approval::paper_approval::{PaperApproval, PaperError as E};
    let signed_on = parse_time(&args.signed_on, "--signed-on")?;
    let scan = read_file(&args.scan, "scan")?;
    let extension = args
        .scan
        .extension()
        .map(|e| e.to_string_lossy().into_owned())
        .unwrap_or_default();
    let pack = Pack::new(&args.pack);
    let approval = PaperApproval {
        document: &args.document,
        organisation: &args.org,
        signatory: &args.signatory,
        role: &args.role,
        signed_on,
        scan: &scan,
        scan_extension: &extension,
    };
    let recorded = countersign::approval::paper_approval::record(&pack, approval, now()?).map_err(|e| match e {
        E::Load(load) => load_failure(load),
        E::Store(store) => store_failure(store),
        E::Register(_) => Failure::verify(
            e.to_string(),
            Some("run `countersign register verify` and restore the register first".into()),
        ),
        E::ScanIsSecretKey => Failure::input(
            format!("'{}': {e}", args.scan.display()),
            Some("give the scan of the signed sheet (PDF or image); keep the key private, and if it was sent to anyone, treat it as exposed: stop using it and have it revoked (`countersign keys revoke KEY-ID --reason compromised`)".into()),
        ),
        E::ScanSize(_) => Failure::input(
            format!("'{}': {e}", args.scan.display()),
            Some("scan the signed sheet to PDF at a normal resolution".into()),
        ),
        other => {
            let hint = match &other {
                E::NoSuchDocument(_) => "give a document's file name from out/ or its id; `countersign status` lists them",
                E::EarlierVersion(_) => "send the signatory the current version's sheet (`countersign signature-sheet`)",
                E::UnknownOrganisation(_) => "use an id from organisations.json",
                E::NotAParty { .. } => "check the document and --org",
                E::DatedLater(_) => "give the date written on the sheet, YYYY-MM-DD",
                E::Unnamed(_) => "give --signatory and --role as written on the sheet",
                E::AlreadyApproved { .. } => "an organisation approves each document once",
                _ => "",
            };
            Failure::input(other.to_string(), (!hint.is_empty()).then(|| hint.to_string()))
        }
    })?;
    let record = &recorded.record;
    Ok(format!(
        "recorded {}'s paper signature of {} (version {}): signed by {} ({}) on {}\n  scan: {} (SHA-256 {})\n  register record {}\nverification shows it as signed on paper, recorded by you; keep the paper original as your organisation's records policy says",
        recorded.organisation_name,
        record.file,
        record.version,
        clean(&args.signatory),
        clean(&args.role),
        record.signed_on,
        pack.paper_dir().join(&record.scan).display(),
        record.scan_sha256,
        recorded.register_record
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
    use countersign::document::sheet::{SheetError as E, make};
    let (bytes, counts) = make(&Pack::new(&args.pack), now()?).map_err(|e| match e {
        E::Load(e) => load_failure(e),
        E::Untrusted(_) => Failure::verify(
            e.to_string(),
            Some("run `countersign register verify` and restore the register first".into()),
        ),
        other => Failure::input(
            other.to_string(),
            Some("fix the pack's own templates/signature-sheet.docx, or remove it to use the default".into()),
        ),
    })?;
    super::write_output(&args.output, &bytes, args.force)?;
    Ok(format!(
        "wrote the signature sheet '{}': {} organisation(s) signed electronically, {} on paper, {} to sign by hand",
        args.output.display(),
        counts.electronic,
        counts.paper,
        counts.outstanding
    ))
}
