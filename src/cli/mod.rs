//! Argument parsing, terminal output and exit codes. No XML, hashing or crypto logic here:
//! every command calls the library and turns its result into words and an exit code.

mod bundle;
mod changes;
mod collect;
mod keys;
mod paper;
mod register;
mod sign;

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};

use countersign::fsio::{self, Overwrite, WriteError};
use countersign::pack::PackContents;
use countersign::pack::bundle::BundleIndex;
use countersign::time::Timestamp;
use countersign::{Template, TemplateError};

/// Success.
pub const EXIT_OK: i32 = 0;
/// Verification failed (a document differs from what was assembled or signed).
pub const EXIT_VERIFY_FAILED: i32 = 1;
/// Bad usage, unreadable or invalid input; nothing was written.
pub const EXIT_INPUT: i32 = 2;

const EXIT_CODES: &str = "Exit codes:
  0  success
  1  verification failed (verify, assemble --check, register verify), or status found
     something that needs attention
  2  bad usage, or input that cannot be used (file missing, not a DOCX, bad JSON,
     template or data problems); nothing was written";

const VERIFY_EXIT_CODES: &str = "Exit codes:
  0  the document is exactly an assembled version and every signature present is valid
     (with --require-all: and every organisation has signed it)
  1  verification failed: the document differs, a signature fails, or (with
     --require-all) an organisation has not signed this version
  2  bad usage, or input that cannot be read";

#[derive(Parser)]
#[command(name = "countersign", version, about = "Assemble information-sharing agreement packs from data and DOCX templates, and countersign them.", after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Render a DOCX template with JSON data.
    ///
    /// Tags use handlebars syntax: {{field}}, {{#each list}}…{{/each}}, {{#if x}}…{{else}}…{{/if}},
    /// {{#unless x}}, {{#with x}}, {{this}}, @index/@first/@last, and the helpers date, join,
    /// upper, lower, default and count. See README.md for the full syntax.
    #[command(after_help = EXIT_CODES)]
    Render(RenderArgs),
    /// Check a pack's data (framework, organisations, protocols) without writing anything.
    ///
    /// Every problem is reported at once, with the file, the JSON path, line and column, and
    /// the fix. With --code-checklist, also read each protocol against the ICO's Data Sharing
    /// Code: each item covered, missing or not applicable (exit 1 when one is missing).
    #[command(after_help = EXIT_CODES)]
    Validate(ValidateArgs),
    /// Print the JSON Schema of the pack files, for editors that complete and check JSON.
    Schema(SchemaArgs),
    /// Render every document of a pack (framework, protocols, assurance checklists) into the
    /// output folder, with a manifest of their SHA-256 digests.
    ///
    /// The same data and templates always give the same bytes. An assembled document is never
    /// replaced by different content under the same version.
    #[command(after_help = ASSEMBLE_EXIT_CODES)]
    Assemble(AssembleArgs),
    /// Create a new pack in DIR from the bundled example, ready to edit.
    Init(InitArgs),
    /// Create an Ed25519 key pair for an organisation's signatory.
    ///
    /// The secret key is encrypted with a passphrase (asked for, or read from --passphrase-file
    /// or --passphrase-env) in encrypted PKCS#8 PEM, written with mode 0600 and never over an
    /// existing file. The public key is written beside it as an OpenSSH line (.pub) and SPKI
    /// PEM (.pem); its key id is the OpenSSH SHA256 fingerprint (`ssh-keygen -lf KEY.pub`).
    #[command(after_help = EXIT_CODES)]
    Keygen(keys::KeygenArgs),
    /// Manage the pack's keyring: which public keys belong to which organisation.
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// Countersign a document with your key: a detached signature (a DSSE envelope with an
    /// in-toto statement).
    ///
    /// From the bundle you were sent (`countersign sign BUNDLE.zip DOCUMENT --key KEY`): writes
    /// one signature file to the current folder (or -o) for you to send back to the
    /// coordinator, and nothing else anywhere. Without DOCUMENT, lists what awaits your
    /// signature. In the coordinator's pack folder (`countersign sign PACK/out/DOC.docx --key
    /// KEY`): files the signature in PACK/signatures/ and records it in the register. Your
    /// organisation, name and role come from the keyring's entry for your key.
    #[command(after_help = EXIT_CODES)]
    Sign(sign::SignArgs),
    /// Bring the signature and checkpoint files that signatories sent back into the pack
    /// (coordinators): each is checked in full, filed under its proper name whatever it was
    /// called, and recorded in the register with the time it was received.
    #[command(after_help = COLLECT_EXIT_CODES)]
    Collect(collect::CollectArgs),
    /// Record an organisation's approval signed on paper (coordinators): the scan of the signed
    /// sheet is kept in the pack's paper/ folder and recorded in the register. Verification
    /// shows it as signed on paper, never as an electronic signature.
    #[command(after_help = EXIT_CODES)]
    RecordPaper(paper::RecordPaperArgs),
    /// Print the framework's signature sheet for those who sign on paper: it lists who has
    /// signed electronically (with key fingerprints) or on paper, and leaves boxes for the rest.
    #[command(after_help = EXIT_CODES)]
    SignatureSheet(paper::SheetArgs),
    /// Check a document: is it exactly the assembled version, who signed it, who has not, and
    /// which signatures fail and why. Works offline.
    #[command(after_help = VERIFY_EXIT_CODES)]
    Verify(sign::VerifyArgs),
    /// The pack's register of what was issued and signed.
    #[command(subcommand)]
    Register(register::RegisterCommand),
    /// The pack at a glance: each document and version, how many approved it and who is
    /// outstanding, reviews due within 60 days or overdue; per organisation with
    /// --by-organisation.
    #[command(after_help = STATUS_EXIT_CODES)]
    Status(register::StatusArgs),
    /// Pack everything a recipient needs to verify offline into one zip: documents, manifest,
    /// data, signatures, keyring, register and checkpoints, and a signature report. Never a
    /// secret key; with the verification page (verify.html) that checks it in a browser.
    /// Check it with `countersign verify FILE.zip`, or open verify.html.
    #[command(after_help = EXIT_CODES)]
    Bundle(bundle::BundleArgs),
    /// Write the verification page (verify.html), for coordinators to publish: anyone opens it
    /// in a current browser, drops a bundle in, and gets what `countersign verify` says,
    /// offline, with nothing uploaded. Every bundle carries the same page.
    #[command(after_help = EXIT_CODES)]
    Page(bundle::PageArgs),
    /// List what changed between two versions of a document (sections, parties, lawful bases,
    /// data items, dates), in words, and optionally as a DOCX summary to circulate.
    #[command(after_help = EXIT_CODES)]
    Changes(changes::ChangesArgs),
}

const STATUS_EXIT_CODES: &str = "Exit codes (for scheduled reminders):
  0  nothing needs attention
  1  something does: a current document is not signed by every party, a signature or
     document fails verification, or a review is due within 60 days or overdue
  2  bad usage, or input that cannot be read";

const COLLECT_EXIT_CODES: &str = "Exit codes:
  0  every file was collected, was already held, or signs an older version (kept)
  1  a file was refused (it fails a check; it was not filed)
  2  bad usage, or a file or the pack cannot be read; nothing was filed";

const ASSEMBLE_EXIT_CODES: &str = "Exit codes:
  0  assembled (or, with --check, every document matches the manifest)
  1  --check found a document that differs from the manifest
  2  bad usage, or input that cannot be used; nothing was written";

#[derive(clap::Args)]
struct SchemaArgs {
    /// Write one schema file per kind of pack file into this folder instead of printing.
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
}

#[derive(clap::Args)]
struct AssembleArgs {
    /// The pack folder.
    #[arg(default_value = ".")]
    pack: PathBuf,
    /// The output folder (default: PACK/out).
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Re-assemble in memory and report any document whose bytes differ from the manifest;
    /// writes nothing.
    #[arg(long)]
    check: bool,
}

#[derive(clap::Args)]
struct InitArgs {
    /// The folder to create (it must not exist, or be empty).
    dir: PathBuf,
}

#[derive(clap::Args)]
struct ValidateArgs {
    /// The pack folder.
    #[arg(default_value = ".")]
    pack: PathBuf,
    /// Also print, per protocol, the ICO Data Sharing Code checklist.
    #[arg(long)]
    code_checklist: bool,
    /// With --code-checklist: write each protocol's checklist as a DOCX annex into this folder.
    #[arg(long, value_name = "DIR", requires = "code_checklist")]
    docx: Option<PathBuf>,
    /// With --code-checklist: print the checklists as JSON (`countersign/code-checklist/v1`).
    #[arg(long, requires = "code_checklist")]
    json: bool,
    /// With --docx: replace annexes already in the folder.
    #[arg(long, requires = "docx")]
    force: bool,
}

#[derive(clap::Args)]
struct PackArg {
    /// The pack folder.
    #[arg(default_value = ".")]
    pack: PathBuf,
}

#[derive(clap::Args)]
struct RenderArgs {
    /// The DOCX template.
    template: PathBuf,
    /// The JSON data.
    data: PathBuf,
    /// Where to write the rendered DOCX.
    #[arg(short, long, value_name = "OUT.docx")]
    output: PathBuf,
    /// Replace OUT.docx if it exists.
    #[arg(long)]
    force: bool,
}

/// A failure to report: what happened, and what to do next.
pub(crate) struct Failure {
    message: String,
    hint: Option<String>,
    code: i32,
    /// The problem's stable code (docs/SPEC.md), where the failure is a verifier's verdict.
    problem: Option<&'static str>,
}

impl Failure {
    fn input(message: String, hint: impl Into<Option<String>>) -> Failure {
        Failure {
            message,
            hint: hint.into(),
            code: EXIT_INPUT,
            problem: None,
        }
    }

    fn verify(message: String, hint: impl Into<Option<String>>) -> Failure {
        Failure {
            message,
            hint: hint.into(),
            code: EXIT_VERIFY_FAILED,
            problem: None,
        }
    }

    /// The same failure, saying first what the command did not do ("nothing was collected"):
    /// a reader of a message about some file should not have to wonder whether anything was
    /// half done.
    /// The same failure, with the problem code a verifier's JSON carries.
    fn coded(self, problem: &'static str) -> Failure {
        Failure {
            problem: Some(problem),
            ..self
        }
    }

    fn after(self, outcome: &str) -> Failure {
        Failure {
            message: format!("{outcome}: {}", self.message),
            ..self
        }
    }
}

/// The last lines of a verdict in words: the outcome (docs/SPEC.md V6) first, with what
/// qualifies it inside it. `what` is what verified and who signed, in words.
pub(crate) fn headline(
    outcome: countersign::verify::Outcome,
    require_trusted: bool,
    any_signed: bool,
    trust: &str,
    unconfirmed: &[String],
    (verified, signed): (&str, &str),
) -> String {
    use countersign::verify::Outcome;
    match outcome {
        Outcome::Failed => {
            "result: VERIFICATION FAILED: do not rely on it as it stands; the problems are listed above\n".to_string()
        }
        Outcome::Confirmed => format!(
            "result: VALID AND CONFIRMED: {verified}, every signing key is confirmed by what you trust, and {signed}\n"
        ),
        Outcome::ValidNotConfirmed if !any_signed => {
            format!("result: VALID: {verified}; {signed}; no key has signed yet, so there is none to confirm\n")
        }
        Outcome::ValidNotConfirmed => {
            let head = if require_trusted { "NOT CONFIRMED" } else { "VALID, KEYS NOT CONFIRMED" };
            let mut text = if trust == "none" {
                format!(
                    "result: {head}: {verified} and {signed}, but nothing you trust confirms the signing keys: they are the keys the pack's own keyring lists, and anyone can make a keyring. Give --trust with the organisations' published fingerprints, or a bundle you trusted before\n"
                )
            } else {
                format!(
                    "result: {head}: {verified} and {signed}, but these signatures rest on keys that what you trust does not confirm; confirm each fingerprint with its organisation before relying on it:\n"
                )
            };
            for line in unconfirmed {
                text.push_str(&format!("  - {}\n", clean(line)));
            }
            text
        }
    }
}

/// The current time in UTC: `SOURCE_DATE_EPOCH` (seconds) when set, so runs can be
/// reproduced, else the clock. The only place the clock is read. A variable that is set but is
/// not a number is an error: a reproducible run must not quietly stop being one.
#[allow(clippy::disallowed_methods)]
fn now() -> Result<Timestamp, Failure> {
    let seconds = match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(text) => text.trim().parse::<i64>().map_err(|_| {
            Failure::input(
                format!(
                    "SOURCE_DATE_EPOCH is set to '{}', which is not a number of seconds since 1970",
                    text.chars().filter(|c| !c.is_control()).take(40).collect::<String>()
                ),
                Some("set it to whole seconds (for example `date +%s`), or unset it to use the clock".into()),
            )
        })?,
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0),
    };
    Ok(Timestamp::from_unix(seconds))
}

/// Reads a time a person typed for `flag` (a date, or a UTC time).
pub(crate) fn parse_time(text: &str, flag: &str) -> Result<Timestamp, Failure> {
    Timestamp::parse(text).ok_or_else(|| {
        Failure::input(
            format!(
                "{flag} '{}' is not a date or a UTC time",
                text.chars().filter(|c| !c.is_control()).take(40).collect::<String>()
            ),
            Some("write YYYY-MM-DD (midnight UTC) or YYYY-MM-DDTHH:MM:SSZ, for example 2026-04-01 or 2026-04-01T09:30:00Z".into()),
        )
    })
}

/// Leaves what a command read from the pack to the end of the process instead of freeing it
/// piece by piece: the command is about to end, and at national scale the keyring, data and
/// manifest are tens of thousands of small allocations, a millisecond to free that the
/// operating system takes back at once. Never for anything secret: secret keys are zeroized
/// when dropped.
pub(crate) fn release_at_exit<T>(loaded: T) {
    std::mem::forget(loaded);
}

/// Prints a command's answer on standard output. A reader that went away (`| head`) ends the
/// command quietly; any other failure to write is an error.
pub(crate) fn print_out(text: &str) -> Result<(), Failure> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Failure::input(
            format!("cannot write the answer to standard output ({e})"),
            Some("check where the output goes (a full disk?)".into()),
        )),
    }
}

/// Prints a value as pretty JSON on standard output.
pub(crate) fn print_json(value: &impl serde::Serialize) -> Result<(), Failure> {
    let mut text = serde_json::to_string_pretty(value).map_err(|e| {
        Failure::input(
            format!("cannot write JSON ({e})"),
            Some("this is an internal fault: please report it".into()),
        )
    })?;
    text.push('\n');
    print_out(&text)
}

/// A pack that could not be loaded, with what to do about it.
pub(crate) fn load_failure(e: countersign::pack::LoadError) -> Failure {
    use countersign::document::validate::PackError;
    use countersign::pack::LoadError as E;
    let hint = match &e {
        E::Data(PackError::NotAPack(_)) => "run the command in a pack folder, name one, or create one with `countersign init DIR`".to_string(),
        E::Data(PackError::Invalid { .. }) => "fix the places listed above and run `countersign validate` again".to_string(),
        E::Data(_) | E::Read { .. } => "check that the file exists and that you may read it".to_string(),
        E::NotAssembled { pack, .. } => format!("run `countersign assemble {}` first", pack.display()),
        E::Manifest { .. } | E::ManifestInvalid { .. } => "restore out/manifest.json from version control, or assemble the pack again; do not use a manifest from elsewhere".to_string(),
        E::Keyring { .. } => "restore keys/keyring.json from version control, and find out who changed it".to_string(),
        E::Register(_) => "run `countersign register verify` for details; restore the register from version control or another copy".to_string(),
        _ => String::new(),
    };
    let code = match &e {
        E::Keyring { .. } | E::Register(_) => EXIT_VERIFY_FAILED,
        _ => EXIT_INPUT,
    };
    Failure {
        message: e.to_string(),
        hint: (!hint.is_empty()).then_some(hint),
        code,
        problem: None,
    }
}

/// Reads a UTF-8 text file, saying which file and what is wrong if it cannot.
pub(crate) fn read_text(path: &Path, what: &str) -> Result<String, Failure> {
    // The bytes move into the String: a secret read this way leaves no second copy.
    String::from_utf8(read_file(path, what)?).map_err(|_| {
        Failure::input(
            format!("the {what} '{}' is not text (UTF-8)", path.display()),
            Some(format!("check that '{}' is the right file", path.display())),
        )
    })
}

/// The most read of a file the user names, by what it is.
fn limit_for(what: &str) -> u64 {
    use countersign::fsio::limits;
    match what {
        "document" => limits::DOCUMENT,
        "template" => limits::TEMPLATE,
        "data file" => limits::DATA,
        "bundle" => limits::BUNDLE,
        "returned file" => limits::SIGNATURE,
        "scan" => countersign::approval::paper::MAX_SCAN_BYTES,
        _ => limits::SMALL_TEXT,
    }
}

/// Reads a file the user named (a regular file, within the limit for its kind), saying which
/// file and what is wrong if it cannot.
pub(crate) fn read_file(path: &Path, what: &str) -> Result<Vec<u8>, Failure> {
    use countersign::fsio::ReadError;
    countersign::fsio::read_limited(path, limit_for(what), true).map_err(|e| {
        let hint = match (&e, e.io_kind()) {
            (_, Some(std::io::ErrorKind::NotFound)) => format!("check the path of the {what}"),
            (_, Some(std::io::ErrorKind::PermissionDenied)) => {
                "check that you may read the file".to_string()
            }
            (ReadError::NotRegular, _) => {
                format!("name the {what} file itself (not a folder, a device or a pipe)")
            }
            (ReadError::TooLarge { .. }, _) => format!(
                "check that '{}' is the right file: no real {what} is this large",
                path.display()
            ),
            _ => format!("check that the {what} is a file you may read"),
        };
        let reason = match &e {
            ReadError::Io { source } => io_reason(source),
            other => other.to_string(),
        };
        Failure::input(
            format!("cannot read the {what} '{}' ({reason})", path.display()),
            Some(hint),
        )
    })
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::IsADirectory => "it is a folder".into(),
        _ => e.to_string(),
    }
}

fn render(args: &RenderArgs) -> Result<String, Failure> {
    let template_bytes = read_file(&args.template, "template")?;
    let data_bytes = read_file(&args.data, "data file")?;
    let data = countersign::document::data::parse_json(&data_bytes).map_err(|e| {
        Failure::input(
            format!("cannot use the data file '{}': {e}", args.data.display()),
            Some("fix the JSON at that place; a JSON-aware editor shows it".to_string()),
        )
    })?;
    let tpl_name = args.template.display();
    let template = Template::from_bytes(template_bytes)
        .map_err(|e| template_failure(&e, &format!("cannot use the template '{tpl_name}'")))?;
    let bytes = template.render(&data).map_err(|e| {
        template_failure(
            &e,
            &format!("cannot render '{tpl_name}' with '{}'", args.data.display()),
        )
    })?;
    write_output(&args.output, &bytes, args.force)?;
    Ok(format!(
        "rendered '{}' ({} bytes)",
        args.output.display(),
        bytes.len()
    ))
}

fn load_pack(pack: &Path) -> Result<countersign::document::validate::PackData, Failure> {
    countersign::document::validate::load_pack(pack).map_err(pack_failure)
}

fn pack_failure(e: countersign::document::validate::PackError) -> Failure {
    use countersign::document::validate::PackError;
    match e {
        PackError::NotAPack(_) => Failure::input(e.to_string(), Some("run the command in a pack folder, name one, or create one with `countersign init DIR`".to_string())),
        PackError::Invalid { .. } => Failure::input(e.to_string(), Some("fix the places listed above and run `countersign validate` again".to_string())),
        other => Failure::input(
            other.to_string(),
            Some("check that the files exist and that you may read them".into()),
        ),
    }
}

fn validate(args: &ValidateArgs) -> Result<i32, Failure> {
    let data = load_pack(&args.pack)?;
    let summary = format!(
        "the pack '{}' is valid: framework {} v{}, {} organisations, {} protocols",
        args.pack.display(),
        data.framework.id,
        data.framework.version,
        data.organisation_count(),
        data.protocols.len()
    );
    let pack = countersign::pack::Pack::new(&args.pack);
    let gaps = countersign::document::assemble::template_gaps(&pack).map_err(|e| {
        Failure::input(
            e.to_string(),
            Some("check that you may read the pack's templates/ folder and that each file in it is a DOCX saved there, not a link or a pipe; or remove it to use the default".into()),
        )
    })?;
    for (name, gap) in &gaps {
        print_err(&format!(
            "warning: templates/{name}: {} (its documents are not accessible to everyone); to fix it in Word: {}\n",
            gap.what, gap.fix
        ));
    }
    if !args.code_checklist {
        print_err(&format!("{summary}\n"));
        return Ok(EXIT_OK);
    }
    use countersign::document::code_checklist::{AnnexError, annex_docx, report};
    let report = report(&data);
    let any_missing = report.any_missing();
    let mut text = String::new();
    for (p, checked) in data.protocols.iter().zip(&report.protocols) {
        text.push_str(&format!(
            "\n{} ({}), version {}: {} covered, {} missing, {} not applicable\n",
            p.title, p.id, p.version, checked.covered, checked.missing, checked.not_applicable
        ));
        for i in &checked.items {
            text.push_str(&format!(
                "  {:<14}  {} ({})\n",
                i.status.label(),
                i.item,
                i.note
            ));
        }
        if let Some(dir) = &args.docx {
            let (name, bytes) =
                annex_docx(&pack, p, &data, &checked.items).map_err(|e| match e {
                    AnnexError::Render(e) => {
                        template_failure(&e, "cannot render the checklist annex")
                    }
                    other => Failure::input(
                        other.to_string(),
                        Some("check that you may read the pack's templates/ folder".into()),
                    ),
                })?;
            std::fs::create_dir_all(dir).map_err(|e| {
                Failure::input(
                    format!("cannot create '{}' ({})", dir.display(), io_reason(&e)),
                    Some("choose a folder you may write to with --docx".into()),
                )
            })?;
            refuse_pack_folder(&pack, dir)?;
            let path = dir.join(name);
            write_output(&path, &bytes, args.force)?;
            text.push_str(&format!("  annex: {}\n", path.display()));
        }
    }
    if args.json {
        print_json(&report)?;
    } else {
        print_out(&text)?;
    }
    print_err(&format!(
        "{summary}{}\n",
        if any_missing {
            "; a protocol misses an item of the Data Sharing Code (listed above)"
        } else {
            "; every protocol covers the Data Sharing Code's checklist"
        }
    ));
    Ok(if any_missing {
        EXIT_VERIFY_FAILED
    } else {
        EXIT_OK
    })
}

fn schema(args: &SchemaArgs) -> Result<String, Failure> {
    let Some(dir) = &args.out else {
        print_json(&countersign::document::validate::schemas())?;
        return Ok(String::new());
    };
    std::fs::create_dir_all(dir).map_err(|e| {
        Failure::input(
            format!("cannot create '{}' ({})", dir.display(), io_reason(&e)),
            Some("choose a folder you may write to with --out".into()),
        )
    })?;
    for (name, bytes) in countersign::pack::schema_files() {
        fsio::write_atomic(&dir.join(name), &bytes, Overwrite::Replace)
            .map_err(|e| Failure::input(e.to_string(), Some("check that the folder exists, that you may write to it, and that the disk is not full".into())))?;
    }
    Ok(format!("wrote the pack schemas to '{}'", dir.display()))
}

fn assemble(args: &AssembleArgs) -> Result<String, Failure> {
    use countersign::document::assemble as asm;
    let data = load_pack(&args.pack)?;
    let pack = match &args.out {
        Some(out) => countersign::pack::Pack::with_out(&args.pack, out),
        None => countersign::pack::Pack::new(&args.pack),
    };
    let out = pack.out_dir().to_path_buf();
    let interactive = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let mut progress = |done: usize, total: usize, file: &str| {
        if interactive && !file.is_empty() {
            print_err(&format!("\r\x1b[2K[{}/{total}] {file}", done + 1));
        } else if interactive {
            print_err("\r\x1b[2K");
        }
    };
    if args.check {
        let findings = asm::check(&pack, &data, &mut progress).map_err(assemble_failure)?;
        if findings.is_empty() {
            return Ok(format!(
                "every document in '{}' matches the manifest and re-assembles to the same bytes",
                out.display()
            ));
        }
        let mut message = format!(
            "{} document(s) do not match the manifest in '{}':",
            findings.len(),
            out.display()
        );
        for f in &findings {
            message.push_str(&format!("\n  - {}: {}", f.file, f.problem));
        }
        return Err(Failure { message, hint: Some("a document that differs is not the one the data and templates produce: do not circulate it; assemble again after raising its version".to_string()), code: EXIT_VERIFY_FAILED, problem: None });
    }
    let report = asm::assemble(&pack, &data, now()?, &mut progress).map_err(assemble_failure)?;
    let current = report
        .manifest
        .documents
        .iter()
        .filter(|d| d.current)
        .count();
    let earlier = report.manifest.documents.len() - current;
    if report.written.is_empty() {
        return Ok(format!(
            "nothing changed: the {current} documents in '{}' are already what the data and templates give (manifest: {})",
            out.display(),
            pack.manifest_path().display()
        ));
    }
    let mut summary = format!(
        "assembled {current} documents into '{}' ({} new, {} unchanged{}); manifest: {}",
        out.display(),
        report.written.len(),
        report.unchanged.len(),
        if earlier > 0 {
            format!("; {earlier} earlier version(s) kept")
        } else {
            String::new()
        },
        pack.manifest_path().display()
    );
    for d in report.manifest.documents.iter().filter(|d| d.current) {
        summary.push_str(&format!(
            "\n  {}  {}",
            d.sha256.get(..12).unwrap_or(&d.sha256),
            d.file
        ));
    }
    Ok(summary)
}

fn assemble_failure(e: countersign::document::assemble::AssembleError) -> Failure {
    use countersign::document::assemble::AssembleError as E;
    let hint = match &e {
        E::VersionNotRaised { .. } => {
            "raise its version in the data (and add a revision), then assemble again; documents already circulated and signed are never overwritten"
        }
        E::Template { source, .. }
            if matches!(
                **source,
                TemplateError::Package(_) | TemplateError::NotUtf8(_)
            ) =>
        {
            "open the template in Word or LibreOffice and save it as .docx, or remove it from the pack's templates/ folder to use the default"
        }
        E::Template { .. } => "fix the template or the data at the places listed above",
        E::RevisionMissing { .. } => {
            "put that version back in that file's revisions: the register shows it was issued"
        }
        E::ManifestUnreadable { .. } | E::ManifestMalformed { .. } => {
            "run `countersign assemble` first, or point --out at the folder with manifest.json"
        }
        _ => "",
    };
    Failure::input(e.to_string(), (!hint.is_empty()).then(|| hint.to_string()))
}

fn init(dir: &Path) -> Result<String, Failure> {
    countersign::pack::init(dir).map_err(|e| {
        Failure::input(
            format!("cannot create a pack in '{}': {e}", dir.display()),
            Some("choose a folder that does not exist yet".to_string()),
        )
    })?;
    Ok(format!(
        "created a pack in '{}' from the bundled example; edit its JSON files, then run `countersign validate {0}` and `countersign assemble {0}`",
        dir.display()
    ))
}

fn template_failure(e: &TemplateError, lead: &str) -> Failure {
    let hint = match e {
        TemplateError::Package(_) | TemplateError::NotUtf8(_) => {
            Some("open the template in Word or LibreOffice and save it as .docx".to_string())
        }
        TemplateError::Template(_) => {
            Some("fix the tags listed above in the template and save it again".to_string())
        }
        TemplateError::Data { .. } => Some(
            "fix the data (or the tags) at the places listed above; nothing was written"
                .to_string(),
        ),
        _ => Some("see the message above; if it names no cause you can fix, please report it with the template".to_string()),
    };
    Failure::input(format!("{lead}: {e}"), hint)
}

/// A verifier's refusal as the command reports it: exit 1 when something was changed, 2 when
/// what was given cannot be used.
pub(crate) fn refused(r: countersign::verify::verdict::Refusal) -> Failure {
    let failure = if r.failed_verification {
        Failure::verify(r.message, Some(r.hint))
    } else {
        Failure::input(r.message, Some(r.hint))
    };
    failure.coded(r.code)
}

/// What `--trust` names, read: its name as given (quoted in messages) and its bytes.
pub(crate) fn read_trusted(path: Option<&Path>) -> Result<Option<(String, Vec<u8>)>, Failure> {
    let Some(path) = path else {
        return Ok(None);
    };
    let what = if is_bundle(path) {
        "bundle"
    } else {
        "trust file"
    };
    Ok(Some((path.display().to_string(), read_file(path, what)?)))
}

/// " (N electronically, M on paper)" when some of a document's approvals are on paper.
pub(crate) fn paper_split(r: &countersign::verify::VerifyReport) -> String {
    match r.on_paper().len() {
        0 => String::new(),
        paper => format!(" ({} electronically, {paper} on paper)", r.signed_count()),
    }
}

/// Writes a file the user named with -o, whole or not at all, never over an existing file
/// unless `force`.
pub(crate) fn write_output(path: &Path, bytes: &[u8], force: bool) -> Result<(), Failure> {
    let overwrite = if force {
        Overwrite::Replace
    } else {
        Overwrite::Refuse
    };
    fsio::write_atomic(path, bytes, overwrite).map_err(|e| match e {
        WriteError::Exists(p) => Failure::input(
            format!("'{}' already exists; nothing was written", p.display()),
            Some("choose another output name, or add --force to replace it".to_string()),
        ),
        WriteError::NoFolder(p) => Failure::input(
            format!(
                "cannot write the output: the folder '{}' does not exist",
                p.display()
            ),
            Some("create the folder first".to_string()),
        ),
        other => Failure::input(format!("cannot write the output: {other}"), Some("check that the folder exists, that you may write to it, and that the disk is not full".into())),
    })
}

/// Refuses to write an output into a folder the pack keeps its own records in (its documents,
/// signatures, keys, register or paper approvals), where a stray file would be read as one.
fn refuse_pack_folder(pack: &countersign::pack::Pack, dir: &Path) -> Result<(), Failure> {
    let Ok(dir) = std::fs::canonicalize(dir) else {
        return Ok(());
    };
    let kept = [
        pack.out_dir().to_path_buf(),
        pack.signatures_dir(),
        pack.keys_dir(),
        pack.checkpoints_dir(),
        pack.paper_dir(),
    ];
    for folder in kept {
        if let Ok(folder) = std::fs::canonicalize(&folder)
            && dir.starts_with(&folder)
        {
            return Err(Failure::input(
                format!(
                    "'{}' is the pack's own {} folder: countersign keeps only its own files there",
                    dir.display(),
                    folder.display()
                ),
                Some("write the annexes to another folder with --docx".into()),
            ));
        }
    }
    Ok(())
}

/// Where a file a signatory sends back is written: `-o` (a file, or a folder to put it in), or
/// the current folder, under its proper name.
pub(crate) fn output_path(output: Option<&PathBuf>, name: &str) -> PathBuf {
    match output {
        Some(p) if p.is_dir() => p.join(name),
        Some(p) => p.clone(),
        None => PathBuf::from(name),
    }
}

/// Whether a path names a bundle (a .zip file).
pub(crate) fn is_bundle(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("zip"))
}

/// Opens a circulated bundle in memory and checks every file against its index.
pub(crate) fn open_bundle(path: &Path) -> Result<(BundleIndex, PackContents), Failure> {
    open_bundle_whole(path).map(|opened| (opened.index, opened.contents))
}

/// As [`open_bundle`], keeping what a bundle's verdict reports beyond the pack.
pub(crate) fn open_bundle_whole(
    path: &Path,
) -> Result<countersign::verify::verdict::Opened, Failure> {
    let bytes = read_file(path, "bundle")?;
    countersign::verify::verdict::open(&path.display().to_string(), &bytes).map_err(refused)
}

/// The coordinator to send things back to, in words.
pub(crate) fn coordinator(data: &countersign::document::validate::PackData) -> String {
    match &data.framework.document_control.coordinator {
        Some(c) => {
            let email = c
                .email
                .as_deref()
                .map(|e| format!(" <{e}>"))
                .unwrap_or_default();
            format!(
                "{}{email}, who coordinates '{}'",
                c.name, data.framework.title
            )
        }
        None => format!(
            "the coordinator of '{}' who sent you the bundle",
            data.framework.title
        ),
    }
}

pub(crate) fn store_failure(e: countersign::pack::StoreError) -> Failure {
    use countersign::pack::StoreError as E;
    let hint = match &e {
        E::Register(_) => "run `countersign register verify` and repair the register first",
        E::Lock { .. } => "check that you may write to the pack's keys/ folder",
        E::KeyringChanged(_) => {
            "find out who edited keys/keyring.json, check it with `countersign keys list`, then run the command again"
        }
        E::Write(_) => "check that you may write to the pack folder and that the disk is not full",
        _ => "",
    };
    Failure::input(
        format!("{e}; nothing was signed or filed"),
        (!hint.is_empty()).then(|| hint.to_string()),
    )
}

/// The lines for a document's signature files that count for nobody: those that failed without
/// naming a party, then those set aside; verify and status print them alike.
pub(crate) fn stray_lines(r: &countersign::verify::VerifyReport) -> String {
    let mut out = String::new();
    for problem in &r.other_problems {
        out.push_str(&format!(
            "  FAILED       {}: {}\n",
            clean(&problem.signature_file),
            clean(&problem.reason)
        ));
    }
    for kept in &r.set_aside {
        out.push_str(&format!(
            "  set aside    {}: {} (kept as evidence; not counted)\n",
            clean(&kept.signature_file),
            clean(&kept.reason)
        ));
    }
    out
}

/// Strips control characters from text that came from a file, before it reaches a terminal.
pub(crate) fn clean(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).collect()
}

/// Runs the command line and returns the process exit code.
pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_INPUT } else { EXIT_OK };
            // clap writes help to standard output and errors to standard error, and reports (not
            // panics on) a closed pipe.
            let _ = e.print();
            return code;
        }
    };
    let result = match &cli.command {
        Command::Render(args) => render(args),
        Command::Validate(args) => match validate(args) {
            Ok(code) => return code,
            Err(f) => Err(f),
        },
        Command::Schema(args) => schema(args),
        Command::Assemble(args) => assemble(args),
        Command::Init(args) => init(&args.dir),
        Command::Keygen(args) => keys::keygen(args),
        Command::Keys(command) => keys::keys(command),
        Command::Sign(args) => sign::sign(args),
        Command::Collect(args) => match collect::collect(args) {
            Ok(code) => return code,
            Err(f) => Err(f),
        },
        Command::Verify(args) if is_bundle(&args.document) => match bundle::verify_bundle(args) {
            Ok(code) => return code,
            Err(f) => Err(f),
        },
        Command::Verify(args) => match sign::verify(args) {
            Ok(code) => return code,
            Err(f) => Err(f),
        },
        Command::Register(command) => register::register(command),
        Command::RecordPaper(args) => paper::record_paper(args),
        Command::SignatureSheet(args) => paper::signature_sheet(args),
        Command::Bundle(args) => bundle::make_bundle(args),
        Command::Page(args) => bundle::write_page(args),
        Command::Changes(args) => changes::changes(args),
        Command::Status(args) => match register::run_status(args) {
            Ok(code) => return code,
            Err(f) => Err(f),
        },
    };
    match result {
        Ok(summary) => {
            if !summary.is_empty() {
                print_err(&format!("{summary}\n"));
            }
            EXIT_OK
        }
        Err(f) => {
            if let Some(format) = json_format(&cli.command) {
                print_failure_json(format, &f);
            }
            let mut text = format!("error: {}\n", f.message);
            if let Some(hint) = f.hint {
                text.push_str(&format!("hint: {hint}\n"));
            }
            print_err(&text);
            f.code
        }
    }
}

/// The JSON format a command was asked for with `--json`, if it was. A script reading standard
/// output then gets JSON whatever happens after the command line is parsed: where the command
/// fails, the failure in that format. (A command line clap cannot parse has no command yet to
/// ask this of; clap's usage message goes to standard error.)
fn json_format(command: &Command) -> Option<&'static str> {
    match command {
        Command::Verify(args) if args.json && is_bundle(&args.document) => {
            Some(countersign::pack::bundle::VERDICT_FORMAT)
        }
        Command::Verify(args) if args.json => Some(countersign::verify::REPORT_FORMAT),
        Command::Status(args) if args.json => Some(countersign::pack::status::STATUS_FORMAT),
        Command::Collect(args) if args.json => Some(countersign::approval::collect::COLLECT_FORMAT),
        Command::Keys(keys::KeysCommand::List(args)) if args.json => {
            Some(countersign::approval::keyring::KEY_LIST_FORMAT)
        }
        Command::Validate(args) if args.json => {
            Some(countersign::document::code_checklist::CODE_CHECKLIST_FORMAT)
        }
        _ => None,
    }
}

/// Prints a failure on standard output as `{format, error, hint, exit}`, the form the
/// verification page gives too (no `hint` where there is none).
fn print_failure_json(format: &str, failure: &Failure) {
    let mut json = serde_json::json!({ "format": format, "error": failure.message });
    if let Some(problem) = failure.problem {
        json["code"] = problem.into();
    }
    if let Some(hint) = &failure.hint {
        json["hint"] = hint.as_str().into();
    }
    json["exit"] = failure.code.into();
    // Standard error still says what failed if this cannot be written.
    let _ = print_json(&json);
}

/// Writes to standard error. If that fails (closed, or a full disk) there is nowhere left to
/// say so: the exit code still tells.
fn print_err(text: &str) {
    use std::io::Write as _;
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes()).and_then(|()| err.flush());
}
