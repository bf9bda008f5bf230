//! `collect`: the coordinator brings returned signature and checkpoint files into the pack.

use std::path::{Path, PathBuf};

use countersign::approval::collect::{CollectError, Outcome, collect_then};
use countersign::pack::Pack;

use super::{
    EXIT_OK, EXIT_VERIFY_FAILED, Failure, clean, load_failure, now, read_file, store_failure,
};

#[derive(clap::Args)]
pub struct CollectArgs {
    /// The pack folder.
    pack: PathBuf,
    /// The files sent back (signature or checkpoint files, whatever they are called now), or
    /// folders holding them (every .json file in the folder is taken).
    #[arg(required = true)]
    files: Vec<PathBuf>,
    /// Print the result as JSON (`countersign/collect/v1`) instead of words.
    #[arg(long)]
    pub(super) json: bool,
}

/// The files to collect: each file named, and the .json files of each folder named, by name.
fn gather(paths: &[PathBuf]) -> Result<Vec<(String, Vec<u8>)>, Failure> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut inside: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|e| {
                    Failure::input(
                        format!("cannot read the folder '{}' ({e})", path.display()),
                        Some("check the folder's name and that you may read it".into()),
                    )
                })?
                .flatten()
                .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                .map(|e| e.path())
                .filter(|p| {
                    p.extension()
                        .is_some_and(|x| x.eq_ignore_ascii_case("json"))
                })
                .collect();
            inside.sort();
            for p in inside {
                files.push((p.display().to_string(), read_file(&p, "returned file")?));
            }
        } else {
            files.push((
                path.display().to_string(),
                read_file(path, "returned file")?,
            ));
        }
    }
    Ok(files)
}

pub fn collect(args: &CollectArgs) -> Result<i32, Failure> {
    let files = gather(&args.files)?;
    if files.is_empty() {
        return Err(Failure::input(
            "there is nothing to collect: the folders named hold no .json files".into(),
            Some(
                "name the signature files that were sent back, or the folder you saved them in"
                    .into(),
            ),
        ));
    }
    let pack = Pack::new(&args.pack);
    let report = collect_then(&pack, &files, now()?, super::release_at_exit).map_err(|e| match e {
        CollectError::Load(e) => load_failure(e).after("nothing was collected"),
        CollectError::Store(e) => store_failure(e),
        CollectError::Register(e) => Failure::verify(
            format!("the pack's register cannot be trusted: {e}; nothing was collected"),
            Some(
                "run `countersign register verify` and restore the register before collecting"
                    .into(),
            ),
        ),
        other => Failure::input(other.to_string(), Some("run `countersign register verify` and `countersign status` on the pack for details".into())),
    })?;
    let refused = report.count(Outcome::Refused);
    if args.json {
        super::print_json(&report)?;
    } else {
        let mut text = String::new();
        for f in &report.files {
            let label = match f.outcome {
                Outcome::Collected => "collected   ",
                Outcome::AlreadyHeld => "already held",
                Outcome::OlderVersion => "older       ",
                Outcome::Refused => "REFUSED     ",
            };
            let filed = match (&f.filed_as, f.outcome) {
                (Some(p), Outcome::Collected | Outcome::OlderVersion) => {
                    let record = f
                        .register_record
                        .map(|n| format!(", register record {n}"))
                        .unwrap_or_default();
                    format!(" [filed as {p}{record}]")
                }
                _ => String::new(),
            };
            let name = Path::new(&f.source)
                .file_name()
                .map_or_else(|| f.source.clone(), |n| n.to_string_lossy().into_owned());
            text.push_str(&format!(
                "{label}  {}: {}{filed}\n",
                clean(&name),
                clean(&f.message)
            ));
        }
        for (old, kept) in &report.set_aside {
            text.push_str(&format!(
                "set aside     {old}: it failed, and a fresh signature replaced it; kept as evidence in {}/{}/{kept}\n",
                countersign::pack::layout::SIGNATURES_DIR,
                countersign::pack::layout::SET_ASIDE_DIR
            ));
        }
        text.push_str(&format!(
            "{} file(s): {} collected, {} already held, {} older version, {} refused\n",
            report.files.len(),
            report.count(Outcome::Collected),
            report.count(Outcome::AlreadyHeld),
            report.count(Outcome::OlderVersion),
            refused
        ));
        if refused > 0 {
            text.push_str("a refused file was not filed: tell its sender why (above), and ask them to sign again with a current bundle\n");
        }
        super::print_out(&text)?;
    }
    Ok(if refused > 0 {
        EXIT_VERIFY_FAILED
    } else {
        EXIT_OK
    })
}
