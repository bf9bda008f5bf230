//! A bundle's verdict from its bytes: the one path `countersign verify BUNDLE.zip`, the
//! conformance suite and any other caller take (docs/SPEC.md sections 2 to 11), and the one the
//! page mirrors function for function (`loadBundle`, `trustAnchor`, `verifyBundle` in
//! page/verify.js).
//!
//! Owns opening a bundle whole, loading what the verifier trusts (a trust file, an earlier
//! bundle or a kept keyring) and putting the verdict together, with the words and the code of
//! every refusal. It reads only the bytes it is given: the caller reads files and prints.

use crate::pack::PackContents;
use crate::pack::bundle::{Asks, BundleIndex, BundleVerdict};
use crate::verify::trust::Anchor;

/// Why no verdict could be given: the words, what to do, and the problem's code. `tampered`
/// refusals mean the bundle was changed (the command exits 1); the others that what was given
/// cannot be used (exit 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// What happened, naming the file.
    pub message: String,
    /// What to do next.
    pub hint: String,
    /// The stable code (docs/SPEC.md, "Problem codes").
    pub code: &'static str,
    /// True when the bundle or keyring was changed (verification failed), false when what was
    /// given cannot be read as what it should be.
    pub failed_verification: bool,
}

impl Refusal {
    fn unusable(message: String, hint: &str, code: &'static str) -> Refusal {
        Refusal {
            message,
            hint: hint.to_string(),
            code,
            failed_verification: false,
        }
    }

    fn failed(message: String, hint: &str, code: &'static str) -> Refusal {
        Refusal {
            message,
            hint: hint.to_string(),
            code,
            failed_verification: true,
        }
    }
}

const FRESH_COPY: &str = "ask the coordinator for a fresh copy; do not rely on this one";

/// A bundle read whole: its index, the pack it carries, its verification page (if any) and
/// the paths of files no rule explains (docs/SPEC.md B4).
pub struct Opened {
    /// The bundle's index.
    pub index: BundleIndex,
    /// The pack, read strictly.
    pub contents: PackContents,
    /// The bytes of its `verify.html`, when it has one.
    pub page: Option<Vec<u8>>,
    /// Files no part of a pack explains.
    pub unexplained: Vec<String>,
}

/// Opens the bundle `name` (its name as the verifier gave it, quoted in messages) from its
/// bytes: its layout, every file against its index, then the pack it holds (docs/SPEC.md Z, B,
/// M, D).
pub fn open(name: &str, bytes: &[u8]) -> Result<Opened, Refusal> {
    use crate::pack::bundle::BundleError;
    let (index, files) = match crate::pack::bundle::open(bytes) {
        Ok(opened) => opened,
        Err(e @ BundleError::Mismatch(_)) => {
            return Err(Refusal::failed(
                format!("the bundle '{name}' was tampered with: {e}"),
                FRESH_COPY,
                e.code(),
            ));
        }
        Err(e) => {
            return Err(Refusal::unusable(
                format!("cannot use '{name}': {e}"),
                "check that this is the bundle (.zip) the coordinator sent, as it arrived",
                e.code(),
            ));
        }
    };
    let paths: Vec<String> = files.iter().map(|(p, _)| p.clone()).collect();
    let page = files
        .iter()
        .find(|(p, _)| p == crate::pack::layout::PAGE_FILE)
        .map(|(_, b)| b.clone());
    let contents = crate::pack::bundle::contents(files).map_err(|e| {
        Refusal::failed(
            format!("cannot use the bundle '{name}': {e}"),
            FRESH_COPY,
            e.code(),
        )
    })?;
    let unexplained = crate::pack::bundle::unexplained(&paths, &contents);
    Ok(Opened {
        index,
        contents,
        page,
        unexplained,
    })
}

/// What the verifier gave to trust, as read from where they keep it.
#[derive(Debug, Clone, Copy)]
pub enum Trusted<'a> {
    /// An earlier bundle (a `.zip`): its keyring is what is trusted.
    Bundle {
        /// Its name, quoted in messages.
        name: &'a str,
        /// Its bytes.
        bytes: &'a [u8],
    },
    /// A trust file of published fingerprints, or a kept keyring file (told apart by whether
    /// it names a keyring format, docs/SPEC.md T1).
    File {
        /// Its name, quoted in messages.
        name: &'a str,
        /// Its bytes.
        bytes: &'a [u8],
    },
}

impl<'a> Trusted<'a> {
    /// What was given under `name`: a bundle when the name ends `.zip` (ASCII case ignored),
    /// as both verifiers decide.
    pub fn named(name: &'a str, bytes: &'a [u8]) -> Trusted<'a> {
        let is_zip = name.len() >= 4
            && name
                .get(name.len() - 4..)
                .is_some_and(|end| end.eq_ignore_ascii_case(".zip"));
        if is_zip {
            Trusted::Bundle { name, bytes }
        } else {
            Trusted::File { name, bytes }
        }
    }
}

/// What the verifier trusts, loaded, with notes on what it shows.
pub struct TrustAnchor {
    /// The anchor, when something was given.
    pub anchor: Option<Anchor>,
    /// Keys the bundle's keyring added after the keyring trusted, in words.
    pub notes: Vec<String>,
}

/// Loads what the verifier trusts and, for an earlier keyring, checks that `keyring` extends
/// it, and for an earlier bundle that `register` extends its register: history rewritten is
/// refused here (docs/SPEC.md T1 to T4).
pub fn trust_anchor(
    trusted: Option<Trusted<'_>>,
    keyring: &crate::approval::keyring::Keyring,
    register: &crate::record::register::Register,
) -> Result<TrustAnchor, Refusal> {
    use crate::verify::trust::{TrustFile, extends};
    let mut earlier_register = None;
    let earlier = match trusted {
        None => {
            return Ok(TrustAnchor {
                anchor: None,
                notes: Vec::new(),
            });
        }
        Some(Trusted::Bundle { name, bytes }) => {
            let earlier = open(name, bytes)?.contents;
            earlier_register = Some((name, earlier.register));
            earlier.keyring
        }
        Some(Trusted::File { name, bytes })
            if crate::approval::keyring::names_a_keyring_format(bytes) =>
        {
            crate::approval::keyring::Keyring::from_bytes(bytes).map_err(|e| {
                Refusal::unusable(
                    format!("the keyring you trust, '{name}', cannot be used: {e}"),
                    "give the keyring (or bundle) exactly as you kept it",
                    "trusted-keyring-unreadable",
                )
            })?
        }
        Some(Trusted::File { name, bytes }) => {
            const FORM: &str =
                "a trust file has one line per key: ORGANISATION SHA256:… [from=DATE] [until=DATE]";
            let text = std::str::from_utf8(bytes).map_err(|_| {
                Refusal::unusable(
                    format!("the trust file '{name}' is not text (UTF-8)"),
                    FORM,
                    "trust-file-invalid",
                )
            })?;
            let file = TrustFile::parse(text).map_err(|errors| {
                let mut message = format!(
                    "the trust file '{name}' has {} line(s) that cannot be used, so nothing in it is trusted:",
                    errors.len()
                );
                for e in &errors {
                    message.push_str(&format!("\n  - {name}:{}: {}", e.line, e.problem));
                }
                Refusal::unusable(
                    message,
                    "each line is ORGANISATION SHA256:… [from=DATE] [until=DATE]; `countersign keys fingerprint KEY.pub --org ID` prints one",
                    "trust-file-invalid",
                )
            })?;
            return Ok(TrustAnchor {
                anchor: Some(Anchor::Pinned(file)),
                notes: Vec::new(),
            });
        }
    };
    let added = extends(&earlier, keyring).map_err(|e| {
        Refusal::failed(
            e.to_string(),
            "do not rely on this keyring: ask the coordinator why its history differs from the copy you trust",
            "keyring-history-rewritten",
        )
    })?;
    if let Some((name, earlier)) = &earlier_register {
        register_extends(name, earlier, register)?;
    }
    let notes = added
        .iter()
        .map(|k| {
            let org = keyring
                .get(k)
                .map_or_else(String::new, |r| r.organisation.clone());
            format!("the key {k} for {org} was added after the keyring you trust: confirm its fingerprint with {org} before relying on it")
        })
        .collect();
    Ok(TrustAnchor {
        anchor: Some(Anchor::EarlierKeyring(Box::new(earlier))),
        notes,
    })
}

/// The verdict on the bundle `name`: opened whole, every document verified, the keys checked
/// against what the verifier trusts (docs/SPEC.md V1 to V5). What `verify BUNDLE.zip --json`
/// prints, and what the page gives for the same files.
pub fn verify_bundle(
    name: &str,
    bytes: &[u8],
    trusted: Option<Trusted<'_>>,
    asks: Asks,
) -> Result<BundleVerdict, Refusal> {
    let opened = open(name, bytes)?;
    let mut verification =
        crate::verify::verify_pack(&opened.contents).map_err(register_untrusted)?;
    let anchor = trust_anchor(trusted, &opened.contents.keyring, &opened.contents.register)?;
    for report in &mut verification.reports {
        report.confirm_keys(anchor.anchor.as_ref());
    }
    Ok(crate::pack::bundle::verdict(
        &opened.index,
        &opened.contents,
        &verification,
        (anchor.anchor.as_ref(), anchor.notes),
        (
            crate::verify::page::check(opened.page.as_deref()),
            opened.unexplained,
        ),
        asks,
    ))
}

/// The verdict on one document `file` (its bytes as the verifier holds them) against a pack's
/// contents: the checkpoints first, then the document and its signatures, its kept data, the
/// keys against what the verifier trusts (docs/SPEC.md V1 to V5). What `verify DOCUMENT
/// --json` prints. Notes on keys added since the trusted keyring, and files in `signatures/`
/// that are not read, are the report's warnings.
pub fn verify_document(
    contents: &PackContents,
    file: &str,
    bytes: &[u8],
    trusted: Option<Trusted<'_>>,
) -> Result<crate::verify::VerifyReport, Refusal> {
    use crate::verify::{Evidence, check_kept_data, verify_with};
    crate::verify::check_keyring_agrees(&contents.keyring, &contents.register)
        .map_err(register_untrusted)?;
    let checkpoints = crate::record::checkpoint::check_checkpoints(
        &contents.checkpoints,
        &contents.manifest.pack,
        &contents.keyring,
        &contents.register,
    )
    .map_err(register_untrusted)?;
    let mut report = verify_with(
        file,
        bytes,
        &Evidence {
            manifest: &contents.manifest,
            data: &contents.data,
            keyring: &contents.keyring,
            signatures: &contents.signatures.active,
            set_aside: &contents.signatures.set_aside,
            register: Some(&contents.register),
            checkpoints: &checkpoints,
            paper: &contents.paper,
        },
    );
    if let Some(entry) =
        contents.manifest.documents.iter().find(|d| {
            report.id.as_ref() == Some(&d.id) && report.version.as_ref() == Some(&d.version)
        })
    {
        let kept = contents.document(&crate::document::manifest::data_file_name(&entry.file));
        check_kept_data(&mut report, entry, kept.as_deref());
    }
    for name in &contents.signatures.misnamed {
        report.warnings.push(format!(
            "{}/{name} is not read (its name does not end in {}): if it is a returned signature, file it with `countersign collect`",
            crate::pack::layout::SIGNATURES_DIR,
            crate::pack::layout::SIGNATURE_SUFFIX
        ));
    }
    let anchor = trust_anchor(trusted, &contents.keyring, &contents.register)?;
    report.warnings.extend(anchor.notes);
    report.confirm_keys(anchor.anchor.as_ref());
    Ok(report)
}

fn register_untrusted(e: crate::record::register::RegisterError) -> Refusal {
    let hint = match e {
        crate::record::register::RegisterError::KeyringDisagrees { .. } => {
            "do not rely on this pack: ask the coordinator for a copy whose keyring and register agree, and find out who changed them"
        }
        _ => {
            "restore the register from a copy that matches the checkpoint, and find out who changed it"
        }
    };
    Refusal::failed(
        format!("the register cannot be trusted: {e}"),
        hint,
        "register-untrusted",
    )
}

/// docs/SPEC.md T4: the register of a bundle the verifier trusted before must be the first
/// records of the register shown now, line for line.
fn register_extends(
    name: &str,
    earlier: &crate::record::register::Register,
    register: &crate::record::register::Register,
) -> Result<(), Refusal> {
    let hint = "do not rely on this bundle: ask the coordinator why its register differs from the copy you trust";
    for (i, line) in earlier.line_hashes.iter().enumerate() {
        let seq = i + 1;
        match register.line_hashes.get(i) {
            None => {
                return Err(Refusal::failed(
                    format!(
                        "the register does not extend the register of the bundle you trust ('{name}'): it holds {} record(s), and the one you trust holds {}; records were removed, so its history was rewritten",
                        register.line_hashes.len(),
                        earlier.line_hashes.len()
                    ),
                    hint,
                    "register-history-rewritten",
                ));
            }
            Some(now) if now != line => {
                return Err(Refusal::failed(
                    format!(
                        "the register does not extend the register of the bundle you trust ('{name}'): record {seq} differs, so its history was rewritten"
                    ),
                    hint,
                    "register-history-rewritten",
                ));
            }
            Some(_) => {}
        }
    }
    Ok(())
}
