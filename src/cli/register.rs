//! `register verify|checkpoint` and `status`: the pack's history and what needs doing.

use std::path::{Path, PathBuf};

use countersign::fsio::{self, Overwrite};
use countersign::register::{
    CHECKPOINTS_DIR, Checkpoint, REGISTER_FILE, Register, check_checkpoint, checkpoint_file_name,
    sign_checkpoint,
};
use countersign::status::status;
use countersign::verify::Status;

use super::keys::{SignerArgs, load_keyring, read_secret_key};
use super::sign::{load_register, manifest_of, read_signatures};
use super::{EXIT_OK, EXIT_VERIFY_FAILED, Failure, io_reason, load_pack, now, read_file};
use countersign::keyring::Keyring;
use countersign::sign::check_signer;

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
    /// The pack folder.
    #[arg(long, default_value = ".")]
    pack: PathBuf,
    #[command(flatten)]
    signer: SignerArgs,
}

/// Checks the register and every checkpoint; returns a summary or the failure.
pub fn verify_register(pack: &Path, keyring: &Keyring) -> Result<(Register, Vec<String>), Failure> {
    let register = load_register(pack)?;
    let mut checkpoints = Vec::new();
    let dir = pack.join(CHECKPOINTS_DIR);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    for path in files {
        let bytes = read_file(&path, "checkpoint")?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        match check_checkpoint(&bytes, keyring, &register) {
            Ok(cp) => checkpoints.push(format!("checkpoint {name}: {} vouched for the first {} records at {}", cp.organisation, cp.size, cp.signed_at)),
            Err(reason) => return Err(Failure::verify(format!("the checkpoint {name} fails: {reason}"), Some("restore the register from a copy that matches the checkpoint, and find out who changed it".into()))),
        }
    }
    Ok((register, checkpoints))
}

pub fn register(command: &RegisterCommand) -> Result<String, Failure> {
    match command {
        RegisterCommand::Verify(a) => {
            if !a.pack.join(REGISTER_FILE).exists() {
                return Ok(format!(
                    "the pack '{}' has no register yet: nothing has been assembled, signed or added to the keyring; `countersign assemble {}` starts it",
                    a.pack.display(),
                    a.pack.display()
                ));
            }
            let (register, checkpoints) = verify_register(&a.pack, &load_keyring(&a.pack)?)?;
            let (size, head) = register.head();
            let mut out = format!(
                "the register {} is intact: {size} record(s), head {}",
                a.pack.join(REGISTER_FILE).display(),
                &head[..16]
            );
            for c in checkpoints {
                out.push_str("\n  ");
                out.push_str(&c);
            }
            Ok(out)
        }
        RegisterCommand::Checkpoint(a) => {
            let data = load_pack(&a.pack)?;
            let keyring = load_keyring(&a.pack)?;
            let (register, _) = verify_register(&a.pack, &keyring)?;
            let key = read_secret_key(&a.signer.key, &a.signer.passphrase)?;
            let key_id = key.public().key_id();
            let at = now();
            let signer = &a.signer;
            check_signer(&keyring, &data, &key_id, &signer.org, &signer.signatory, &signer.role, &at)
                .map_err(|e| Failure::input(format!("cannot sign the checkpoint: {e}"), Some("check `countersign keys list` for your key's organisation, holder, roles and status".into())))?;
            let (size, head) = register.head();
            let checkpoint = Checkpoint {
                pack: data.framework.id.clone(),
                size,
                head,
                signed_at: at,
                organisation: a.signer.org.clone(),
                signatory: a.signer.signatory.clone(),
                role: a.signer.role.clone(),
                key_id: key_id.to_string(),
            };
            let dir = a.pack.join(CHECKPOINTS_DIR);
            std::fs::create_dir_all(&dir).map_err(|e| {
                Failure::input(
                    format!("cannot create '{}' ({})", dir.display(), io_reason(&e)),
                    None,
                )
            })?;
            let path = dir.join(checkpoint_file_name(size, &a.signer.org));
            fsio::write_atomic(
                &path,
                &sign_checkpoint(&checkpoint, &key),
                Overwrite::Refuse,
            )
            .map_err(|e| {
                Failure::input(
                    format!("cannot write the checkpoint: {e}"),
                    Some("each organisation signs a checkpoint of a given size once".into()),
                )
            })?;
            Ok(format!(
                "signed a checkpoint of the register at {size} record(s) for {}: {}",
                a.signer.org,
                path.display()
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
    json: bool,
}

pub fn run_status(args: &StatusArgs) -> Result<i32, Failure> {
    let data = load_pack(&args.pack)?;
    let manifest = manifest_of(&args.pack)?;
    let keyring = load_keyring(&args.pack)?;
    let register = load_register(&args.pack)?;
    let signatures = read_signatures(&args.pack)?;
    let today = now();
    let out = args.pack.join("out");
    let report = status(
        &data,
        &manifest,
        &keyring,
        &register,
        &signatures,
        &today,
        |file| std::fs::read(out.join(file)).ok(),
    );
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        );
    } else {
        let mut text = format!("pack {} on {}\n", report.pack, report.today);
        for d in &report.documents {
            let Some(r) = &d.report else {
                text.push_str(&format!(
                    "\n{}  MISSING from the output folder\n",
                    d.missing_file.as_deref().unwrap_or_default()
                ));
                continue;
            };
            let signed = r.signed_count();
            text.push_str(&format!(
                "\n{}  v{}  {}  sha256 {}  {}/{} signed{}\n",
                r.file,
                r.version.as_deref().unwrap_or("?"),
                if d.current { "current" } else { "superseded" },
                &r.sha256[..12],
                signed,
                r.parties.len(),
                if r.valid { "" } else { "  VERIFICATION FAILED" }
            ));
            for p in &r.parties {
                match (&p.status, &p.signed) {
                    (Status::Signed, Some(s)) => text.push_str(&format!(
                        "  signed       {}: {} ({}), {}\n",
                        p.name,
                        s.signatory,
                        s.role,
                        s.signed_at.get(..10).unwrap_or(&s.signed_at)
                    )),
                    (Status::OlderVersion, Some(s)) => text.push_str(&format!(
                        "  older        {}: signed version {} only\n",
                        p.name, s.version
                    )),
                    (Status::Failed, _) => text.push_str(&format!(
                        "  FAILED       {}: {}\n",
                        p.name,
                        p.reason.as_deref().unwrap_or_default()
                    )),
                    _ if d.current => text.push_str(&format!("  outstanding  {}\n", p.name)),
                    _ => {}
                }
            }
        }
        if report.reviews.is_empty() {
            text.push_str(&format!(
                "\nno review is due within {} days\n",
                countersign::status::REVIEW_WINDOW_DAYS
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
                    r.kind, r.title, r.id, r.review_by
                ));
            }
        }
        text.push_str(if report.needs_attention {
            "\nneeds attention: signatures outstanding, failing, or reviews due\n"
        } else {
            "\nnothing needs attention\n"
        });
        print!("{text}");
    }
    Ok(if report.needs_attention {
        EXIT_VERIFY_FAILED
    } else {
        EXIT_OK
    })
}
