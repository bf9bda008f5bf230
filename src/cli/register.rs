//! `register verify|checkpoint` and `status`: the pack's history and what needs doing.

use std::path::PathBuf;

use countersign::fsio::{self, Overwrite};
use countersign::pack::Pack;
use countersign::pack::layout::{SIGNATURE_SUFFIX, SIGNATURES_DIR};
use countersign::pack::status::status;
use countersign::record::checkpoint::{self, CheckpointSignError, RegisterCheckError};
use countersign::record::register::Register;
use countersign::verify::Status;

use super::keys::{SignerArgs, read_secret_key};
use super::{EXIT_OK, EXIT_VERIFY_FAILED, Failure, clean, load_failure, now};

#[derive(clap::Subcommand)]
pub enum RegisterCommand {
    /// Prove the register's chain: any edited, removed, reordered or inserted record, or a
    /// record cut short by a crash, is found and named; signed checkpoints are checked too.
    Verify(RegisterVerifyArgs),
    /// Sign a checkpoint of the register (its size and head hash), so that anyone holding it
    /// can later tell if the register was rewritten. Signatories may countersign the same
    /// checkpoint with their own keys.
    Checkpoint(CheckpointArgs),
}

#[derive(clap::Args)]
pub struct RegisterVerifyArgs {
    /// The pack folder.
    #[arg(default_value = ".")]
    pack: PathBuf,
}

#[derive(clap::Args)]
pub struct CheckpointArgs {
    /// The bundle you were sent (FILE.zip): sign a checkpoint of its register and send the
    /// file back to the coordinator. Leave out to sign in a pack folder (--pack).
    bundle: Option<PathBuf>,
    /// The pack folder (when no bundle is given).
    #[arg(long, default_value = ".")]
    pack: PathBuf,
    #[command(flatten)]
    signer: SignerArgs,
    /// With a bundle: where to write the checkpoint file (a file or a folder; default: the
    /// current folder).
    #[arg(short, long, value_name = "PATH")]
    output: Option<PathBuf>,
}

fn register_failure(e: countersign::record::register::RegisterError) -> Failure {
    Failure::verify(
        e.to_string(),
        Some("restore the register from a copy that matches the checkpoint, and find out who changed it".into()),
    )
}

/// Checks the register and every checkpoint; returns the register and the checkpoints in words.
pub fn verify_register(pack: &Pack) -> Result<(Register, Vec<String>), Failure> {
    let checked = checkpoint::verify_register(pack).map_err(|e| match e {
        RegisterCheckError::Load(e) => load_failure(e),
        RegisterCheckError::Register(e) => register_failure(e),
        other => Failure::input(other.to_string(), None),
    })?;
    let lines = checked
        .checkpoints
        .iter()
        .map(|(name, cp)| {
            format!(
                "checkpoint {name}: {}",
                checkpoint::describe(cp, &checked.keyring)
            )
        })
        .collect();
    Ok((checked.register, lines))
}

pub fn register(command: &RegisterCommand) -> Result<String, Failure> {
    match command {
        RegisterCommand::Verify(a) => {
            let pack = Pack::new(&a.pack);
            if !pack.register_path().exists() {
                return Ok(format!(
                    "the pack '{}' has no register yet: nothing has been assembled, signed or added to the keyring; `countersign assemble {}` starts it",
                    a.pack.display(),
                    a.pack.display()
                ));
            }
            let (register, checkpoints) = verify_register(&pack)?;
            let (size, head) = register.head();
            let mut out = format!(
                "the register {} is intact: {size} record(s), head {}",
                pack.register_path().display(),
                head.get(..16).unwrap_or_default()
            );
            for c in checkpoints {
                out.push_str("\n  ");
                out.push_str(&c);
            }
            Ok(out)
        }
        RegisterCommand::Checkpoint(a) => checkpoint(a),
    }
}

fn checkpoint(a: &CheckpointArgs) -> Result<String, Failure> {
    let (contents, pack) = match &a.bundle {
        Some(bundle) => (super::open_bundle(bundle)?.1, None),
        None => {
            let pack = Pack::new(&a.pack);
            let contents = pack.contents().map_err(load_failure)?;
            (contents, Some(pack))
        }
    };
    // The register first: one that does not hold is said before the passphrase is asked for.
    checkpoint::check_pack(&contents).map_err(register_failure)?;
    let key = read_secret_key(&a.signer.key, &a.signer.passphrase)?;
    let signed = checkpoint::sign(&contents, &key, a.signer.choice(), now()?).map_err(|e| match e {
        CheckpointSignError::Register(e) => register_failure(e),
        other => Failure::input(
            other.to_string(),
            Some("check `countersign keys list` for your key's organisation, holder, roles and status".into()),
        ),
    })?;
    let refuse = |e: countersign::pack::StoreError| {
        Failure::input(
            format!("cannot write the checkpoint: {e}"),
            Some("each organisation signs a checkpoint of a given size once".into()),
        )
    };
    let (size, organisation) = (signed.checkpoint.size, &signed.checkpoint.organisation);
    match pack {
        Some(pack) => {
            let path = pack
                .store_checkpoint(&signed.file_name, &signed.bytes)
                .map_err(refuse)?;
            Ok(format!(
                "signed a checkpoint of the register at {size} record(s) for {organisation}: {}",
                path.display()
            ))
        }
        None => {
            let path = super::output_path(a.output.as_ref(), &signed.file_name);
            fsio::write_atomic(&path, &signed.bytes, Overwrite::Refuse)
                .map_err(|e| refuse(e.into()))?;
            Ok(format!(
                "signed a checkpoint of the bundle's register at {size} record(s) for {organisation}: {}\nnext: send this file back to {}; it lets anyone show later that the register was not rewritten",
                path.display(),
                super::coordinator(&contents.data)
            ))
        }
    }
}

#[derive(clap::Args)]
pub struct StatusArgs {
    /// The pack folder.
    #[arg(default_value = ".")]
    pack: PathBuf,
    /// Print JSON (schema in README.md).
    #[arg(long)]
    pub(super) json: bool,
    /// For each organisation: what it has approved, what it still has to sign, and whom to
    /// write to (for reminders).
    #[arg(long, conflicts_with = "org")]
    by_organisation: bool,
    /// The same, for one organisation (its id).
    #[arg(long, value_name = "ID")]
    org: Option<String>,
}

/// How many outstanding organisations a document's line names before "and N more".
const NAMES_SHOWN: usize = 8;

fn names_compactly(names: &[&str]) -> String {
    let shown: Vec<&str> = names.iter().take(NAMES_SHOWN).copied().collect();
    let mut text = shown.join(", ");
    if names.len() > NAMES_SHOWN {
        text.push_str(&format!(", and {} more", names.len() - NAMES_SHOWN));
    }
    text
}

fn organisation_lines(o: &countersign::pack::status::OrganisationStatus) -> String {
    let mut text = format!(
        "\n{} ({})\n  signatory: {}, {}; data protection officer: {}{}\n",
        clean(&o.name),
        o.id,
        clean(&o.signatory),
        clean(&o.position),
        clean(&o.dpo),
        if o.dpo_email.is_empty() {
            String::new()
        } else {
            format!(" <{}>", clean(&o.dpo_email))
        }
    );
    if o.to_sign.is_empty() {
        text.push_str("  nothing to sign: every current document it is a party to is approved\n");
    }
    for d in &o.to_sign {
        let why = match d.state.as_str() {
            "older-version" => " (it signed an earlier version)".to_string(),
            "failed" => format!(
                " (its signature FAILS: {}; it can sign again)",
                clean(d.reason.as_deref().unwrap_or_default())
            ),
            _ => String::new(),
        };
        text.push_str(&format!(
            "  to sign   {}  {}, version {}{why}\n",
            d.file,
            clean(&d.title),
            d.version
        ));
    }
    for d in &o.approved {
        text.push_str(&format!(
            "  approved  {}  {} ({}{})\n",
            d.file,
            clean(&d.title),
            if d.state == "paper" {
                "on paper, "
            } else {
                "electronically, "
            },
            d.date.as_deref().map_or("", |t| t.get(..10).unwrap_or(t))
        ));
    }
    text
}

/// One document's lines in `status`: its version, state, digest and approvals, who is
/// outstanding (for the current version) and what fails.
fn document_lines(d: &countersign::pack::status::DocumentStatus) -> String {
    let mut text = String::new();
    let Some(r) = &d.report else {
        text.push_str(&format!(
            "\n{}  MISSING from the output folder\n",
            d.missing_file.as_deref().unwrap_or_default()
        ));
        return text;
    };
    text.push_str(&format!(
        "\n{}  v{}  {}  sha256 {}  {}/{} approved{}{}\n",
        r.file,
        r.version.as_deref().unwrap_or("?"),
        if d.current { "current" } else { "superseded" },
        r.sha256.get(..12).unwrap_or_default(),
        r.approved_count(),
        r.parties.len(),
        super::paper_split(r),
        if r.valid { "" } else { "  VERIFICATION FAILED" }
    ));
    if d.current {
        let outstanding: Vec<&str> = r
            .parties
            .iter()
            .filter(|p| matches!(p.status, Status::Outstanding | Status::OlderVersion))
            .map(|p| p.name.as_str())
            .collect();
        if !outstanding.is_empty() {
            text.push_str(&format!(
                "  outstanding ({}): {}\n",
                outstanding.len(),
                clean(&names_compactly(&outstanding))
            ));
        }
    }
    for p in r.parties.iter().filter(|p| p.status == Status::Failed) {
        text.push_str(&format!(
            "  FAILED       {}: {}\n",
            clean(&p.name),
            clean(p.reason.as_deref().unwrap_or_default())
        ));
    }
    text.push_str(&super::stray_lines(r));
    text
}

pub fn run_status(args: &StatusArgs) -> Result<i32, Failure> {
    let contents = Pack::new(&args.pack).contents().map_err(load_failure)?;
    let today = now()?;
    let mut report = status(&contents, today).map_err(register_failure)?;
    if let Some(id) = &args.org {
        report.organisations.retain(|o| &o.id == id);
        if report.organisations.is_empty() {
            return Err(Failure::input(
                format!("'{id}' is not an organisation of the pack"),
                Some("use an id from organisations.json".into()),
            ));
        }
    }
    if args.json {
        super::print_json(&report)?;
        return Ok(if report.needs_attention {
            EXIT_VERIFY_FAILED
        } else {
            EXIT_OK
        });
    }
    let mut text = format!("pack {} on {}\n", report.pack, report.today);
    if args.by_organisation || args.org.is_some() {
        for o in &report.organisations {
            text.push_str(&organisation_lines(o));
        }
        let waiting = report
            .organisations
            .iter()
            .filter(|o| !o.to_sign.is_empty())
            .count();
        text.push_str(&format!(
            "\n{waiting} of {} organisation(s) have something to sign\n",
            report.organisations.len()
        ));
        super::print_out(&text)?;
        return Ok(if report.needs_attention {
            EXIT_VERIFY_FAILED
        } else {
            EXIT_OK
        });
    }
    for d in &report.documents {
        text.push_str(&document_lines(d));
    }
    for name in &report.misnamed_signature_files {
        text.push_str(&format!(
            "\n{SIGNATURES_DIR}/{name} is not read (its name does not end in {SIGNATURE_SUFFIX}): if it is a returned signature, file it with `countersign collect {} FILE`\n",
            args.pack.display()
        ));
    }
    if report.reviews.is_empty() {
        text.push_str(&format!(
            "\nno review is due within {} days\n",
            countersign::pack::status::REVIEW_WINDOW_DAYS
        ));
    } else {
        text.push_str("\nreviews:\n");
        for r in &report.reviews {
            let when = if r.days_left < 0 {
                format!("OVERDUE by {} days", -r.days_left)
            } else {
                format!("due in {} days", r.days_left)
            };
            text.push_str(&format!(
                "  {when}: {} '{}' ({}), review by {}\n",
                r.kind,
                clean(&r.title),
                r.id,
                r.review_by
            ));
        }
    }
    text.push_str(&departure_lines(&report.departures));
    let waiting = report
        .organisations
        .iter()
        .filter(|o| !o.to_sign.is_empty())
        .count();
    if waiting > 0 {
        text.push_str(&format!(
            "\n{waiting} organisation(s) have something to sign: `countersign status {} --by-organisation` lists what each still has to sign, with whom to write to\n",
            args.pack.display()
        ));
    }
    text.push_str(if report.needs_attention {
        "\nneeds attention: signatures outstanding, failing, or reviews due\n"
    } else {
        "\nnothing needs attention\n"
    });
    super::print_out(&text)?;
    Ok(if report.needs_attention {
        EXIT_VERIFY_FAILED
    } else {
        EXIT_OK
    })
}

/// The departures on record (retired keys), in words; nothing when there are none.
fn departure_lines(departures: &[countersign::pack::status::Departure]) -> String {
    let mut text = String::new();
    if !departures.is_empty() {
        text.push_str("\nleft (keys retired; what they signed stays valid for those versions):\n");
        for d in departures {
            let who = if d.still_an_organisation {
                format!("{} ({})", clean(&d.name), clean(&d.signatory))
            } else {
                format!(
                    "{} ({}), no longer one of the pack's organisations",
                    clean(&d.name),
                    clean(&d.signatory)
                )
            };
            let date = countersign::time::long_date(&d.retired_on);
            let note = d
                .note
                .as_deref()
                .map(|n| format!(": {}", clean(n)))
                .unwrap_or_default();
            text.push_str(&format!("  {who}: key retired on {date}{note}\n"));
        }
    }
    text
}
