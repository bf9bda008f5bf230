//! `keygen` and `keys add|list|revoke`: where key files go, passphrases, and what is printed.

use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use countersign::approval::key_changes::{KeyChangeError, NewKey};
use countersign::approval::keyring::{Keyring, RevocationReason};
use countersign::approval::keys::{PublicKey, SecretKey};
use countersign::fsio::{self, Overwrite};

use countersign::pack::Pack;

use super::{Failure, clean, load_failure, now, parse_time, read_text};

/// Where a passphrase comes from.
#[derive(clap::Args, Clone, Default)]
pub struct PassphraseArgs {
    /// Read the passphrase from the first line of this file (for automation).
    #[arg(long, value_name = "FILE", conflicts_with = "passphrase_env")]
    pub passphrase_file: Option<PathBuf>,
    /// Read the passphrase from this environment variable (for automation).
    #[arg(long, value_name = "VAR")]
    pub passphrase_env: Option<String>,
}

/// Gets a passphrase from the file, the variable, or by asking (twice when `confirm`).
pub fn passphrase(args: &PassphraseArgs, confirm: bool) -> Result<Zeroizing<String>, Failure> {
    // A new key's passphrase is at least 8 characters, however it is given.
    let long_enough = |p: &str| -> Result<(), Failure> {
        if confirm && p.chars().count() < 8 {
            return Err(Failure::input(
                "the passphrase is shorter than 8 characters; nothing was written".into(),
                Some("choose a longer passphrase: a few words work well".into()),
            ));
        }
        Ok(())
    };
    if let Some(path) = &args.passphrase_file {
        let text = Zeroizing::new(read_text(path, "passphrase file")?);
        let line = Zeroizing::new(text.lines().next().unwrap_or_default().to_string());
        if line.is_empty() {
            return Err(Failure::input(
                format!("the passphrase file '{}' is empty", path.display()),
                Some("put the passphrase on its first line".into()),
            ));
        }
        long_enough(&line)?;
        return Ok(line);
    }
    if let Some(var) = &args.passphrase_env {
        let value = Zeroizing::new(std::env::var(var).map_err(|_| {
            Failure::input(
                format!("the environment variable {var} is not set"),
                Some(format!(
                    "set {var} to the passphrase, or leave out --passphrase-env to be asked"
                )),
            )
        })?);
        long_enough(&value)?;
        if value.is_empty() {
            return Err(Failure::input(
                format!("the environment variable {var} is empty"),
                Some(format!(
                    "set {var} to the passphrase, or leave out --passphrase-env to be asked"
                )),
            ));
        }
        return Ok(value);
    }
    if !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
        return Err(Failure::input(
            "there is no terminal to ask for the passphrase".into(),
            Some("use --passphrase-file FILE or --passphrase-env VAR".into()),
        ));
    }
    let first = Zeroizing::new(rpassword::prompt_password("Passphrase: ").map_err(|e| {
        Failure::input(
            format!("cannot read the passphrase ({e})"),
            Some("use --passphrase-file FILE or --passphrase-env VAR".into()),
        )
    })?);
    if confirm {
        if first.chars().count() < 8 {
            return Err(Failure::input(
                "the passphrase is shorter than 8 characters".into(),
                Some("choose a longer passphrase: a few words work well".into()),
            ));
        }
        let second = Zeroizing::new(rpassword::prompt_password("Passphrase again: ").map_err(
            |e| {
                Failure::input(
                    format!("cannot read the passphrase ({e})"),
                    Some("use --passphrase-file FILE or --passphrase-env VAR".into()),
                )
            },
        )?);
        if *first != *second {
            return Err(Failure::input(
                "the two passphrases differ; nothing was written".into(),
                Some("run keygen again".into()),
            ));
        }
    }
    Ok(first)
}

/// Who signs, and with which key: shared by every command that makes a signature.
#[derive(clap::Args)]
pub struct SignerArgs {
    /// Your secret key file (from `countersign keygen`).
    #[arg(long, value_name = "FILE")]
    pub key: PathBuf,
    /// The id of the organisation you sign for (default: the keyring's entry for your key).
    #[arg(long)]
    pub org: Option<String>,
    /// Your name, as the keyring records it (default: the keyring's entry for your key).
    #[arg(long)]
    pub signatory: Option<String>,
    /// The role you sign in, e.g. "Chief Executive" (default: your key's one role, or your
    /// organisation's signatory position; needed when your key may sign in several roles).
    #[arg(long)]
    pub role: Option<String>,
    #[command(flatten)]
    pub passphrase: PassphraseArgs,
}

impl SignerArgs {
    /// Who the signer says they are; what is left out the library finds from the keyring.
    pub fn choice(&self) -> countersign::approval::sign::SignerChoice<'_> {
        countersign::approval::sign::SignerChoice {
            organisation: self.org.as_deref(),
            signatory: self.signatory.as_deref(),
            role: self.role.as_deref(),
        }
    }
}

/// Reads a secret key file, asking for its passphrase when it is encrypted.
pub fn read_secret_key(path: &Path, args: &PassphraseArgs) -> Result<SecretKey, Failure> {
    let text = Zeroizing::new(read_text(path, "secret key")?);
    let key = if text.contains("ENCRYPTED PRIVATE KEY") {
        let pass = passphrase(args, false)?;
        SecretKey::from_pem(&text, Some(pass.as_bytes()))
    } else {
        SecretKey::from_pem(&text, None)
    };
    key.map_err(|e| {
        Failure::input(
            format!("cannot use the secret key '{}': {e}", path.display()),
            Some("check the key file and passphrase; nothing was signed".into()),
        )
    })
}

#[derive(clap::Args)]
pub struct KeygenArgs {
    /// The organisation the key is for (its id in the pack).
    #[arg(long)]
    org: String,
    /// The folder for the key files. Keep it outside any pack: secret keys never enter a pack.
    #[arg(long, value_name = "DIR", default_value = ".")]
    out: PathBuf,
    /// The file name stem (default: the organisation id).
    #[arg(long)]
    name: Option<String>,
    /// Write the secret key unencrypted (only for throwaway keys, e.g. tests).
    #[arg(long, conflicts_with_all = ["passphrase_file", "passphrase_env"])]
    no_passphrase: bool,
    #[command(flatten)]
    passphrase: PassphraseArgs,
}

pub fn keygen(args: &KeygenArgs) -> Result<String, Failure> {
    use countersign::approval::key_files::{KeyFiles, KeyFilesError as E};
    const DISK: &str =
        "check that the folder exists, that you may write to it, and that the disk is not full";
    let failure = |e: E| {
        let hint = match &e {
            E::NoFolder(_) => "create it first, or choose another with --out",
            E::InsidePack { .. } => {
                "write the key to a private folder outside the pack with --out; then add its .pub file to the pack with `countersign keys add`"
            }
            E::BadName(_) => "use the organisation id, e.g. --org cambs-cc",
            E::Exists(_) => "keys are never overwritten: choose another --name or --out",
            E::Key(countersign::approval::keys::KeyError::Random(_)) => {
                "the system's random number generator failed: try again, and report it if it persists"
            }
            E::Write { .. } => DISK,
            _ => "this is an internal fault: please report it; nothing was written",
        };
        Failure::input(e.to_string(), Some(hint.into()))
    };
    let name = args.name.as_deref().unwrap_or(&args.org);
    let files = KeyFiles::plan(&args.out, name).map_err(failure)?;
    let pass = if args.no_passphrase {
        None
    } else {
        Some(passphrase(&args.passphrase, true)?)
    };
    let created = now()?;
    let made = files
        .write(&args.org, pass.as_ref().map(|p| p.as_bytes()), created)
        .map_err(failure)?;
    let f = &made.files;
    Ok(format!(
        "created an Ed25519 key for '{}' at {created}\n  key id:      {} (its fingerprint)\n  secret key:  {} ({}, readable only by you: keep it private and backed up; it never leaves your computer)\n  public key:  {} and {}\nnext: send the public key {} (never the .key file) to the coordinator of your pack, and confirm the fingerprint above with them by another channel (a phone call, or read it out at a meeting): it is how they know the key is yours",
        args.org,
        made.key_id,
        f.secret.display(),
        if made.encrypted {
            "encrypted with your passphrase"
        } else {
            "NOT encrypted"
        },
        f.openssh.display(),
        f.pem.display(),
        f.openssh.display(),
    ))
}

#[derive(clap::Subcommand)]
pub enum KeysCommand {
    /// Add a public key to the pack's keyring for an organisation's signatory.
    Add(KeysAddArgs),
    /// List the keys in the pack's keyring.
    List(KeysListArgs),
    /// Revoke a key (superseded by a new one, retired when its holder or organisation leaves,
    /// or compromised).
    Revoke(KeysRevokeArgs),
    /// Correct the time from which a key counts (recorded in the keyring; the key's earlier
    /// value stays in its history).
    ValidFrom(KeysValidFromArgs),
    /// Print a public key's trust-file line (organisation id and key id), for an organisation
    /// to publish on its website or read out on the phone.
    Fingerprint(KeysFingerprintArgs),
    /// Export the pack's keys, for verifiers to pin with `verify --trust`.
    Export(KeysExportArgs),
}

#[derive(clap::Args)]
pub struct KeysFingerprintArgs {
    /// The public key file (.pub or .pem).
    public_key: PathBuf,
    /// The organisation's id in the pack.
    #[arg(long)]
    org: String,
}

#[derive(clap::Args)]
pub struct KeysExportArgs {
    /// Export as a trust file (one line per key: organisation id, key id, validity).
    #[arg(long, required = true)]
    trust_file: bool,
    /// The pack folder.
    #[arg(long, default_value = ".")]
    pack: PathBuf,
    /// Write to this file instead of printing.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct KeysValidFromArgs {
    /// The key id (SHA256:…), or a unique start of it.
    key_id: String,
    /// From when signatures with it count (YYYY-MM-DD or UTC time).
    #[arg(long = "from", value_name = "TIME")]
    from: String,
    /// A note for the record (why it changed).
    #[arg(long)]
    note: Option<String>,
    /// The pack folder.
    #[arg(long, default_value = ".")]
    pack: PathBuf,
}

#[derive(clap::Args)]
pub struct KeysAddArgs {
    /// The public key file (.pub OpenSSH line, or .pem).
    public_key: PathBuf,
    /// The organisation's id.
    #[arg(long)]
    org: String,
    /// The signatory who holds the key.
    #[arg(long)]
    signatory: String,
    /// A role the key may sign as (repeat for several; none means any role).
    #[arg(long = "role")]
    roles: Vec<String>,
    /// From when signatures count (YYYY-MM-DD or UTC time; default: when the key was created,
    /// as its .pub file says, else now).
    #[arg(long)]
    valid_from: Option<String>,
    /// The pack folder.
    #[arg(long, default_value = ".")]
    pack: PathBuf,
}

#[derive(clap::Args)]
pub struct KeysListArgs {
    /// The pack folder.
    #[arg(long, default_value = ".")]
    pack: PathBuf,
    /// Print JSON.
    #[arg(long)]
    pub(super) json: bool,
}

#[derive(clap::Args)]
pub struct KeysRevokeArgs {
    /// The key id (SHA256:…), or a unique start of it.
    key_id: String,
    /// Why: superseded (replaced by a new key), retired (its holder or organisation left) or
    /// compromised (it may be in someone else's hands). For the first two, every signature the
    /// register received before stays good.
    #[arg(long, value_enum)]
    reason: ReasonArg,
    /// From when signatures no longer count (default: now). For a compromised key, the time it
    /// may first have been exposed.
    #[arg(long)]
    effective: Option<String>,
    /// A note for the record.
    #[arg(long)]
    note: Option<String>,
    /// The pack folder.
    #[arg(long, default_value = ".")]
    pack: PathBuf,
    /// Show which signatures held would fail, and record nothing.
    #[arg(long)]
    dry_run: bool,
}

#[derive(clap::ValueEnum, Clone, Copy)]
pub enum ReasonArg {
    Superseded,
    Compromised,
    Retired,
}

/// Reads a public key file (.pub or .pem), refusing a secret key given by mistake. Returns the
/// file's text (its comment says when the key was created) and the key.
fn read_public_key(path: &Path) -> Result<(String, PublicKey), Failure> {
    let text = read_text(path, "public key")?;
    if countersign::approval::keys::looks_like_secret_key(text.as_bytes()) {
        return Err(Failure::input(
            format!(
                "'{}' is a secret key: never give it to anyone, and never put it in a pack",
                path.display()
            ),
            Some("use the .pub file that keygen wrote beside it".into()),
        ));
    }
    let public = PublicKey::parse(&text).map_err(|e| {
        Failure::input(
            format!("cannot use '{}' as a public key: {e}", path.display()),
            Some("give the .pub or .pem file that `countersign keygen` wrote".into()),
        )
    })?;
    Ok((text, public))
}

pub fn load_keyring(pack: &Path) -> Result<Keyring, Failure> {
    Pack::new(pack).keyring().map_err(load_failure)
}

/// What to tell a person when a change to the keyring was not made (or not recorded).
fn key_change_failure(e: KeyChangeError, not_done: &str) -> Failure {
    use countersign::pack::StoreError;
    const TIMES: &str = "see the keys held with `countersign keys list`; times are YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ";
    if let KeyChangeError::Load(load) = e {
        return load_failure(load).after(not_done);
    }
    let hint = match &e {
        KeyChangeError::Lock(_) => "check that you may write to the pack's keys/ folder",
        KeyChangeError::UnknownOrganisation(_) => "use an id from organisations.json",
        KeyChangeError::CreatedInFuture { .. } => {
            "check the date on the computer that made the key, and make the key again there; or give the time it counts from with --valid-from"
        }
        KeyChangeError::NoSuchKey(_) => "see the ids with `countersign keys list`",
        KeyChangeError::Refused { .. } => TIMES,
        KeyChangeError::Save(StoreError::KeyringChanged(_)) => {
            "find out who edited keys/keyring.json, check it with `countersign keys list`, then run the command again"
        }
        KeyChangeError::Save(_) => {
            "check that the folder exists, that you may write to it, and that the disk is not full"
        }
        KeyChangeError::Record(_) => "run `countersign register verify` and repair the register",
        _ => "",
    };
    Failure::input(e.to_string(), (!hint.is_empty()).then(|| hint.to_string()))
}

pub fn keys(command: &KeysCommand) -> Result<String, Failure> {
    match command {
        KeysCommand::Add(a) => add(a),
        KeysCommand::List(a) => list(a),
        KeysCommand::Revoke(a) => revoke(a),
        KeysCommand::Fingerprint(a) => fingerprint(a),
        KeysCommand::Export(a) => export(a),
        KeysCommand::ValidFrom(a) => valid_from(a),
    }
}

fn add(a: &KeysAddArgs) -> Result<String, Failure> {
    let (text, public) = read_public_key(&a.public_key)?;
    let valid_from = match &a.valid_from {
        Some(text) => Some(parse_time(text, "--valid-from")?),
        None => None,
    };
    let created = countersign::approval::keys::created_at(&text).or_else(|claim| {
        if valid_from.is_some() {
            // The time it counts from is given: what the file claims does not matter.
            return Ok(None);
        }
        Err(claim)
    });
    let created = created.map_err(|claim| {
        Failure::input(
            format!(
                "'{}' says the key was created at '{claim}', which is not a time (YYYY-MM-DDTHH:MM:SSZ); nothing was added",
                a.public_key.display()
            ),
            Some("use the .pub file exactly as `countersign keygen` wrote it, or give the time the key counts from with --valid-from".into()),
        )
    })?;
    let added = countersign::approval::key_changes::add_key(
        &Pack::new(&a.pack),
        NewKey {
            organisation: &a.org,
            signatory: &a.signatory,
            roles: &a.roles,
            public_key: public,
            created,
            valid_from,
        },
        now()?,
    )
    .map_err(|e| key_change_failure(e, "no key was added"))?;
    if added.repaired {
        return Ok(format!(
            "the key {} for {} ({}) was already in the keyring, but the register had no record of its addition (an earlier run was stopped between the two): recorded it now; it counts from {}",
            added.key_id, added.organisation_name, a.org, added.valid_from
        ));
    }
    Ok(format!(
        "added the key for {} ({}), held by {}{}, counting from {}{}\n  fingerprint: {}\nconfirm this fingerprint with {} by another channel (a phone call) before relying on the key; if it differs, revoke it with `countersign keys revoke {} --reason compromised`",
        added.organisation_name,
        a.org,
        a.signatory,
        if a.roles.is_empty() {
            String::new()
        } else {
            format!(", to sign as {}", a.roles.join(" or "))
        },
        added.valid_from,
        if a.valid_from.is_none() && created.is_some() {
            " (when it was created)"
        } else {
            ""
        },
        added.key_id,
        a.signatory,
        added.key_id
    ))
}

fn list(a: &KeysListArgs) -> Result<String, Failure> {
    let keyring = load_keyring(&a.pack)?;
    if a.json {
        super::print_json(&keyring.listing())?;
        return Ok(String::new());
    }
    if keyring.keys().is_empty() {
        return Ok("the keyring has no keys yet; add one with `countersign keys add`".into());
    }
    let mut text = String::new();
    for k in keyring.keys() {
        let status = match &k.revoked {
            _ if !k.public.is_curve_point() => "NOT A USABLE KEY: it is not an Ed25519 public key (the keyring was edited by hand), so nothing verifies with it; revoke it and add the signatory's real public key".to_string(),
            Some(r) => format!("REVOKED ({}) from {}", r.reason.label(), r.effective),
            None => format!("valid from {}", k.valid_from),
        };
        let roles = if k.roles.is_empty() {
            "any role".to_string()
        } else {
            k.roles.join(", ")
        };
        text.push_str(&format!(
            "{}  {}  {} ({})  {}\n",
            k.key_id, k.organisation, k.signatory, roles, status
        ));
    }
    super::print_out(&text)?;
    Ok(format!(
        "{} key(s); {} change(s) recorded",
        keyring.keys().len(),
        keyring.events().len()
    ))
}

fn revoke(a: &KeysRevokeArgs) -> Result<String, Failure> {
    let effective = match &a.effective {
        Some(text) => Some(parse_time(text, "--effective")?),
        None => None,
    };
    let reason = match a.reason {
        ReasonArg::Superseded => RevocationReason::Superseded,
        ReasonArg::Compromised => RevocationReason::Compromised,
        ReasonArg::Retired => RevocationReason::Retired,
    };
    let pack = Pack::new(&a.pack);
    let at = now()?;
    let effects = countersign::approval::key_changes::revocation_effects(
        &pack, &a.key_id, reason, effective, at,
    )
    .map_err(|e| key_change_failure(e, "no key was revoked"))?;
    let changes = effects_in_words(&effects);
    if a.dry_run {
        return Ok(format!(
            "revoking {} ({}) from {} would change this (nothing was recorded):\n{changes}",
            a.key_id,
            reason.label(),
            effective.unwrap_or(at)
        ));
    }
    let revoked = countersign::approval::key_changes::revoke_key(
        &pack,
        &a.key_id,
        reason,
        effective,
        a.note.as_deref(),
        at,
    )
    .map_err(|e| key_change_failure(e, "no key was revoked"))?;
    let (record, effective) = (&revoked.key, revoked.effective);
    if revoked.repaired {
        return Ok(format!(
            "the key {} of {} was already revoked in the keyring from {effective}, but the register had no record of it (an earlier run was stopped between the two): recorded it now",
            record.key_id, record.organisation
        ));
    }
    let kept = match reason {
        RevocationReason::Superseded | RevocationReason::Retired => {
            "every signature the register received before now stays good, whatever time it claims; one that arrives later is refused"
        }
        RevocationReason::Compromised => {
            "only signatures the register recorded before then still count; any other signature made with it fails verification"
        }
    };
    Ok(format!(
        "revoked the key {} of {} ({}) from {effective}: {kept}\n{changes}",
        record.key_id,
        record.organisation,
        reason.label(),
    ))
}

/// What a revocation changes, one line per signature that would fail.
fn effects_in_words(effects: &countersign::approval::key_changes::RevocationEffects) -> String {
    let mut text = String::new();
    if let Some(why) = &effects.register {
        text.push_str(&format!(
            "  the register would no longer be trusted: {}\n",
            clean(why)
        ));
    }
    if effects.signatures.is_empty() && effects.register.is_none() {
        text.push_str("  no signature the pack holds stops counting\n");
    }
    for w in &effects.signatures {
        let by = w
            .signed
            .as_ref()
            .map(|s| format!(" (by {}, {})", clean(&s.signatory), s.signed_at))
            .unwrap_or_default();
        text.push_str(&format!(
            "  {}: {}'s signature{by} would fail: {}\n",
            w.file,
            clean(&w.organisation),
            clean(&w.reason)
        ));
    }
    text.trim_end().to_string()
}

fn fingerprint(a: &KeysFingerprintArgs) -> Result<String, Failure> {
    let (_, public) = read_public_key(&a.public_key)?;
    if !countersign::verify::trust::is_organisation_id(&a.org) {
        return Err(Failure::input(
            format!("'{}' is not an organisation id", a.org),
            Some("use the organisation's id in the pack, e.g. riverside-council".into()),
        ));
    }
    super::print_out(&format!(
        "{}\n",
        countersign::verify::trust::TrustFile::line_for(&a.org, &public.key_id(), None, None)
    ))?;
    Ok(String::new())
}

fn export(a: &KeysExportArgs) -> Result<String, Failure> {
    let keyring = load_keyring(&a.pack)?;
    let text = countersign::verify::trust::TrustFile::from_keyring(&keyring);
    match &a.output {
        None => {
            super::print_out(&text)?;
            Ok(String::new())
        }
        Some(path) => {
            fsio::write_atomic(path, text.as_bytes(), Overwrite::Refuse).map_err(|e| {
                Failure::input(
                    format!("cannot write the trust file: {e}"),
                    Some("choose a new file name with -o".into()),
                )
            })?;
            Ok(format!(
                "wrote the trust file '{}' ({} key(s)): publish it where verifiers can fetch it from you, not only inside the bundle",
                path.display(),
                keyring.keys().len()
            ))
        }
    }
}

fn valid_from(a: &KeysValidFromArgs) -> Result<String, Failure> {
    let from = parse_time(&a.from, "--from")?;
    let (record, now_from) = countersign::approval::key_changes::correct_valid_from(
        &Pack::new(&a.pack),
        &a.key_id,
        from,
        a.note.as_deref(),
        now()?,
    )
    .map_err(|e| key_change_failure(e, "the key was not changed"))?;
    Ok(format!(
        "the key {} of {} now counts from {now_from} (it counted from {}); the change is recorded in the keyring",
        record.key_id, record.organisation, record.valid_from
    ))
}
