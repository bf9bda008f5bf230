//! Where a verifier's trust in a key comes from. A bundle's keyring says which key is whose,
//! but anyone can make a keyring: a key is believed only because the verifier pinned it (a
//! trust file of organisation and key id lines, published by each organisation or exported by
//! the coordinator) or because it was already in a keyring the verifier trusted before, which
//! the keyring being verified must extend change for change.
//!
//! This module parses trust files, checks that one keyring extends another, and says whether
//! a key is confirmed ([`confirm`]); [`crate::verify`] marks each signature of a report with it. Pure over its inputs.

use serde::Serialize;

use crate::approval::keyring::{KeyEvent, Keyring};
use crate::approval::keys::KeyId;
use crate::time::Timestamp;

/// The first line a trust file may start with (any comment will do; this one says what it is).
pub const TRUST_FILE_HEADER: &str =
    "# countersign trust file: organisation id, key id (SHA256:…), optional from=DATE until=DATE";

/// One pinned key: this organisation signs with this key (within these dates).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PinnedKey {
    /// The organisation's id.
    pub organisation: String,
    /// The key id (the OpenSSH SHA256 fingerprint).
    pub key_id: KeyId,
    /// Signatures count from this time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<Timestamp>,
    /// Signatures count until (before) this time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until: Option<Timestamp>,
    /// The line of the trust file.
    pub line: usize,
}

/// A trust file, parsed: every line well formed, or nothing is trusted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustFile {
    /// The pinned keys, in file order.
    pub keys: Vec<PinnedKey>,
}

/// A line of a trust file that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {problem}")]
pub struct TrustFileError {
    /// The 1-based line number.
    pub line: usize,
    /// What is wrong with it.
    pub problem: String,
}

/// Whether `text` has the form of an organisation id in a pack (lower-case letters, digits and
/// hyphens, starting with a letter or digit), as a trust file line needs it.
pub fn is_organisation_id(text: &str) -> bool {
    let mut chars = text.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn is_key_id(text: &str) -> bool {
    use base64::Engine as _;
    text.strip_prefix("SHA256:").is_some_and(|b64| {
        b64.len() == 43
            && base64::engine::general_purpose::STANDARD_NO_PAD
                .decode(b64)
                .is_ok_and(|d| d.len() == 32)
    })
}

fn shown(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).take(60).collect()
}

impl TrustFile {
    /// Parses a trust file. Blank lines and lines starting with `#` are ignored; every other
    /// line is `ORGANISATION KEY_ID [from=DATE] [until=DATE]`. Any malformed line is an error
    /// naming every bad line, so a typo never trusts (or drops) a key by accident.
    pub fn parse(text: &str) -> Result<TrustFile, Vec<TrustFileError>> {
        let mut keys = Vec::new();
        let mut errors = Vec::new();
        // Saved by Notepad: a byte order mark first, CRLF line ends (which `lines` takes).
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let content = raw.trim();
            if content.is_empty() || content.starts_with('#') {
                continue;
            }
            let mut fail = |problem: String| errors.push(TrustFileError { line, problem });
            let fields: Vec<&str> = content.split_whitespace().collect();
            let (Some(org), Some(key)) = (fields.first(), fields.get(1)) else {
                fail(format!(
                    "'{}' is not 'ORGANISATION KEY_ID': the key id is missing",
                    shown(content)
                ));
                continue;
            };
            if !is_organisation_id(org) {
                fail(format!(
                    "'{}' is not an organisation id (lower-case letters, digits and hyphens)",
                    shown(org)
                ));
                continue;
            }
            if !is_key_id(key) {
                fail(format!(
                    "'{}' is not a key id (SHA256: followed by 43 characters, as `ssh-keygen -lf KEY.pub` prints it)",
                    shown(key)
                ));
                continue;
            }
            let mut pinned = PinnedKey {
                organisation: (*org).to_string(),
                key_id: KeyId::from_text(key),
                from: None,
                until: None,
                line,
            };
            let mut ok = true;
            for extra in &fields[2..] {
                let (slot, value) = match extra.split_once('=') {
                    Some(("from", v)) => (&mut pinned.from, v),
                    Some(("until", v)) => (&mut pinned.until, v),
                    _ => {
                        fail(format!("'{}' is not from=DATE or until=DATE", shown(extra)));
                        ok = false;
                        continue;
                    }
                };
                match Timestamp::parse(value) {
                    Some(t) if slot.is_none() => *slot = Some(t),
                    Some(_) => {
                        fail(format!("'{}' is given twice", shown(extra)));
                        ok = false;
                    }
                    None => {
                        fail(format!(
                            "'{}' is not a date (YYYY-MM-DD) or UTC time (YYYY-MM-DDTHH:MM:SSZ)",
                            shown(value)
                        ));
                        ok = false;
                    }
                }
            }
            if let (Some(from), Some(until)) = (pinned.from, pinned.until)
                && until <= from
            {
                fail("until= is not after from=".to_string());
                ok = false;
            }
            // One key belongs to one organisation: a key given to two would confirm either.
            if let Some(other) = keys.iter().find(|k: &&PinnedKey| {
                k.key_id == pinned.key_id && k.organisation != pinned.organisation
            }) {
                fail(format!(
                    "the key {} is given to '{}' here and to '{}' on line {}: a key belongs to one organisation",
                    pinned.key_id, pinned.organisation, other.organisation, other.line
                ));
                ok = false;
            }
            if ok {
                keys.push(pinned);
            }
        }
        if errors.is_empty() {
            Ok(TrustFile { keys })
        } else {
            Err(errors)
        }
    }

    /// The trust file line of one key.
    pub fn line_for(
        organisation: &str,
        key_id: &KeyId,
        from: Option<Timestamp>,
        until: Option<Timestamp>,
    ) -> String {
        let mut line = format!("{organisation} {key_id}");
        if let Some(f) = from {
            line.push_str(&format!(" from={f}"));
        }
        if let Some(u) = until {
            line.push_str(&format!(" until={u}"));
        }
        line
    }

    /// A trust file of every key in a keyring (revoked keys until their revocation took effect).
    pub fn from_keyring(keyring: &Keyring) -> String {
        let mut out = format!("{TRUST_FILE_HEADER}\n");
        for k in keyring.keys() {
            out.push_str(&TrustFile::line_for(
                &k.organisation,
                &k.key_id,
                Some(k.valid_from),
                k.revoked.as_ref().map(|r| r.effective),
            ));
            out.push('\n');
        }
        out
    }
}

/// How the keyring being verified departs from the trusted one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the keyring does not extend the keyring you trust: change {seq} {problem}; its history was rewritten"
)]
pub struct KeyringDiverges {
    /// The first change that differs.
    pub seq: u64,
    /// How.
    pub problem: String,
}

fn describe_change(event: &KeyEvent) -> String {
    use crate::approval::keyring::KeyChange;
    match &event.change {
        KeyChange::Added {
            key_id,
            organisation,
            ..
        } => format!("adds the key {key_id} for {organisation}"),
        KeyChange::Revoked { key_id, reason, .. } => {
            format!("revokes the key {key_id} ({})", reason.label())
        }
        KeyChange::ValidFromCorrected {
            key_id, valid_from, ..
        } => format!("makes the key {key_id} count from {valid_from}"),
    }
}

/// Checks that `keyring` extends `trusted`: every change of the trusted keyring present, in
/// order and unchanged. Returns the keys added since.
pub fn extends(trusted: &Keyring, keyring: &Keyring) -> Result<Vec<KeyId>, KeyringDiverges> {
    let (old, new) = (trusted.events(), keyring.events());
    for (i, t) in old.iter().enumerate() {
        match new.get(i) {
            None => {
                return Err(KeyringDiverges {
                    seq: t.seq,
                    problem: format!("({}) is missing", describe_change(t)),
                });
            }
            Some(n) if n != t => {
                return Err(KeyringDiverges {
                    seq: t.seq,
                    problem: format!(
                        "differs: you trust a keyring where it {}, this one {}",
                        describe_change(t),
                        describe_change(n)
                    ),
                });
            }
            Some(_) => {}
        }
    }
    let mut added = Vec::new();
    for n in &new[old.len()..] {
        if let crate::approval::keyring::KeyChange::Added { key_id, .. } = &n.change {
            added.push(key_id.clone());
        }
    }
    Ok(added)
}

/// What the verifier trusts.
#[derive(Debug, Clone)]
pub enum Anchor {
    /// Keys pinned in a trust file.
    Pinned(TrustFile),
    /// A keyring trusted before (from an earlier bundle, or a keyring file), which the keyring
    /// being verified was checked to extend.
    EarlierKeyring(Box<Keyring>),
}

/// Whether a signing key is confirmed by what the verifier trusts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "result")]
pub enum Confirmation {
    /// No trust file or earlier keyring was given: the key is listed by the keyring that came
    /// with the document only.
    NoAnchor,
    /// The trust file pins this key for this organisation.
    ConfirmedByTrustFile {
        /// The trust file's line.
        line: usize,
    },
    /// The earlier keyring you trust holds this key for this organisation.
    ConfirmedByEarlierKeyring,
    /// The key was added after the keyring you trust: confirm it with its organisation.
    AddedAfterTrustedKeyring,
    /// The trust file does not mention the organisation.
    OrganisationNotInTrustFile,
    /// The trust file pins other keys for the organisation, not this one.
    NotTheTrustedKey,
    /// The trust file pins this key, but not at the time of signing.
    OutsideTrustedDates,
}

impl Confirmation {
    /// Whether the key was independently confirmed.
    pub fn confirmed(&self) -> bool {
        matches!(
            self,
            Confirmation::ConfirmedByTrustFile { .. } | Confirmation::ConfirmedByEarlierKeyring
        )
    }

    /// Whether the key contradicts what the verifier trusts (the signature must not count).
    pub fn contradicts(&self) -> bool {
        matches!(
            self,
            Confirmation::NotTheTrustedKey | Confirmation::OutsideTrustedDates
        )
    }

    /// In words, for a report line.
    pub fn words(&self, organisation: &str) -> String {
        match self {
            Confirmation::NoAnchor => "key NOT independently confirmed (give --trust)".into(),
            Confirmation::ConfirmedByTrustFile { line } => {
                format!("key confirmed by your trust file (line {line})")
            }
            Confirmation::ConfirmedByEarlierKeyring => {
                "key confirmed by the earlier keyring you trust".into()
            }
            Confirmation::AddedAfterTrustedKeyring => format!(
                "key added after the keyring you trust: confirm its fingerprint with {organisation}"
            ),
            Confirmation::OrganisationNotInTrustFile => {
                format!("key NOT confirmed: your trust file has no key for {organisation}")
            }
            Confirmation::NotTheTrustedKey => {
                format!("this is NOT the key your trust file gives for {organisation}")
            }
            Confirmation::OutsideTrustedDates => format!(
                "your trust file gives this key to {organisation}, but not at the time of signing"
            ),
        }
    }
}

/// Confirms one signing key against the anchor.
pub fn confirm(
    anchor: Option<&Anchor>,
    organisation: &str,
    key_id: &KeyId,
    signed_at: Option<Timestamp>,
) -> Confirmation {
    match anchor {
        None => Confirmation::NoAnchor,
        Some(Anchor::EarlierKeyring(trusted)) => match trusted.get(key_id) {
            Some(k) if k.organisation == organisation => Confirmation::ConfirmedByEarlierKeyring,
            Some(_) => Confirmation::NotTheTrustedKey,
            None => Confirmation::AddedAfterTrustedKeyring,
        },
        Some(Anchor::Pinned(file)) => {
            let for_org: Vec<&PinnedKey> = file
                .keys
                .iter()
                .filter(|k| k.organisation == organisation)
                .collect();
            if for_org.is_empty() {
                return Confirmation::OrganisationNotInTrustFile;
            }
            let mut matching = for_org.iter().filter(|k| &k.key_id == key_id).peekable();
            if matching.peek().is_none() {
                return Confirmation::NotTheTrustedKey;
            }
            let within = |k: &PinnedKey| match signed_at {
                Some(t) => k.from.is_none_or(|f| t >= f) && k.until.is_none_or(|u| t < u),
                None => k.from.is_none() && k.until.is_none(),
            };
            match matching.find(|k| within(k)) {
                Some(k) => Confirmation::ConfirmedByTrustFile { line: k.line },
                None => Confirmation::OutsideTrustedDates,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "SHA256:lL2vJc7yJdTgnqUcKXrl2Y6d3mQwq3mJ0aHo5yK1bXY";

    #[test]
    fn a_trust_file_parses_with_comments_and_dates() {
        const OTHER: &str = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        let text = format!(
            "{TRUST_FILE_HEADER}\n\n# Riverside, read out on the phone\nriverside-council {KEY} from=2026-04-01\n  riverside-hospital {OTHER} until=2027-01-01T00:00:00Z  \n"
        );
        let file = TrustFile::parse(&text).unwrap();
        assert_eq!(file.keys.len(), 2);
        assert_eq!(file.keys[0].organisation, "riverside-council");
        assert_eq!(file.keys[0].line, 4);
        assert_eq!(
            file.keys[0].from.map(|t| t.to_string()).as_deref(),
            Some("2026-04-01T00:00:00Z")
        );
        assert_eq!(
            file.keys[1].until.map(|t| t.date()).as_deref(),
            Some("2027-01-01")
        );
    }

    #[test]
    fn every_malformed_line_is_named_and_nothing_is_trusted() {
        let text = format!(
            "riverside-council\nRiverside {KEY}\nriverside-council SHA256:short\nriverside-council {KEY} from=yesterday\nriverside-council {KEY} valid=2026\nriverside-council {KEY} from=2026-05-01 until=2026-04-01\nriverside-council {KEY} from=2026-01-01 from=2026-02-01\nok-org {KEY}\n"
        );
        let errors = TrustFile::parse(&text).unwrap_err();
        let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [1, 2, 3, 4, 5, 6, 7]);
        assert!(
            errors[0].to_string().starts_with("line 1: "),
            "{}",
            errors[0]
        );
        assert!(
            errors[2].problem.contains("is not a key id"),
            "{}",
            errors[2]
        );
        assert!(
            errors[3].problem.contains("'yesterday' is not a date"),
            "{}",
            errors[3]
        );
        assert!(errors[6].problem.contains("given twice"), "{}", errors[6]);
    }

    #[test]
    fn confirmation_follows_the_trust_file() {
        let file =
            TrustFile::parse(&format!("a-org {KEY} from=2026-01-01 until=2026-06-01\n")).unwrap();
        let anchor = Anchor::Pinned(file);
        let key = KeyId::from_text(KEY);
        let other = KeyId::from_text("SHA256:AAAAJc7yJdTgnqUcKXrl2Y6d3mQwq3mJ0aHo5yK1bXY");
        let t = |s: &str| Timestamp::parse(s);
        assert!(confirm(Some(&anchor), "a-org", &key, t("2026-03-01")).confirmed());
        assert_eq!(
            confirm(Some(&anchor), "a-org", &key, t("2026-07-01")),
            Confirmation::OutsideTrustedDates
        );
        assert_eq!(
            confirm(Some(&anchor), "a-org", &other, t("2026-03-01")),
            Confirmation::NotTheTrustedKey
        );
        assert_eq!(
            confirm(Some(&anchor), "b-org", &key, t("2026-03-01")),
            Confirmation::OrganisationNotInTrustFile
        );
        assert_eq!(confirm(None, "a-org", &key, None), Confirmation::NoAnchor);
    }
}
