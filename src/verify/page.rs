//! The verification page: one self-contained HTML file (`verify.html`) that checks a bundle in
//! any current browser, offline, as `countersign verify BUNDLE.zip` does. Its source is
//! `page/verify.html` and `page/verify.js` (plain JavaScript, no build step, no dependency);
//! this module joins them into the page the binary writes and every bundle carries.
//!
//! Owns the page's bytes only. What the page checks mirrors [`crate::pack::bundle`], [`crate::verify`]
//! and [`crate::verify::trust`]; `tests/page.rs` runs the page in a browser on a shared corpus and holds
//! its JSON verdict equal to `verify --json`.

const HTML: &str = include_str!("../../page/verify.html");
const SCRIPT: &str = include_str!("../../page/verify.js");
const SCRIPT_SLOT: &str = "/*countersign:verify.js*/";
const WRITTEN_BY_SLOT: &str = "/*countersign:written-by*/";
/// Where the page names its own digest: the 64 hex digits that follow (docs/SPEC.md P1).
const DIGEST_MARKER: &str = "const PAGE_SHA256 = '";
const DIGEST_SLOT: &str = "/*countersign:page-sha256*/";

/// Which countersign wrote a page: `countersign 0.1.0`.
pub fn written_by() -> String {
    format!("countersign {}", env!("CARGO_PKG_VERSION"))
}

/// The page, script inlined: nothing it needs is fetched from anywhere. It names the
/// countersign that wrote it and its own SHA-256 (taken with those 64 digits written as
/// zeros), so that any verifier, the page included, can tell whether a bundle's page is the
/// one it would write.
pub fn html() -> String {
    let page = HTML
        .replacen(SCRIPT_SLOT, SCRIPT, 1)
        .replacen(WRITTEN_BY_SLOT, &written_by(), 1)
        .replacen(
            &format!("{DIGEST_MARKER}{DIGEST_SLOT}"),
            &format!("{DIGEST_MARKER}{}", "0".repeat(64)),
            1,
        );
    let digest = crate::digest::sha256_hex(page.as_bytes());
    page.replacen(
        &format!("{DIGEST_MARKER}{}", "0".repeat(64)),
        &format!("{DIGEST_MARKER}{digest}"),
        1,
    )
}

/// What a bundle's `verify.html` is (docs/SPEC.md P1, P2).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PageCheck {
    /// `genuine`: byte for byte the page this verifier writes; `another-version`: whole as
    /// written, but by another version of countersign (which it names; nothing confirms it);
    /// `altered`: changed after it was written; `missing`: the bundle has none.
    pub status: &'static str,
    /// Which countersign the page says wrote it, when it says so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub written_by: Option<String>,
}

/// The 64 digits a page names as its own digest, and where they start.
fn named_digest(page: &[u8]) -> Option<(usize, &str)> {
    let marker = DIGEST_MARKER.as_bytes();
    let at = page.windows(marker.len()).position(|w| w == marker)? + marker.len();
    let digits = std::str::from_utf8(page.get(at..at + 64)?).ok()?;
    digits
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        .then_some((at, digits))
}

/// Checks a bundle's page against the one this version of countersign writes.
pub fn check(page: Option<&[u8]>) -> PageCheck {
    let Some(page) = page else {
        return PageCheck {
            status: "missing",
            written_by: None,
        };
    };
    let mine = html();
    if page == mine.as_bytes() {
        return PageCheck {
            status: "genuine",
            written_by: Some(written_by()),
        };
    }
    let whole = named_digest(page).is_some_and(|(at, digits)| {
        let mut zeroed = page.to_vec();
        zeroed[at..at + 64].fill(b'0');
        crate::digest::sha256_hex(&zeroed) == digits
    });
    let marker = b"const PAGE_WRITTEN_BY = '";
    let written_by = page
        .windows(marker.len())
        .position(|w| w == marker)
        .and_then(|at| {
            let rest = &page[at + marker.len()..];
            let end = rest.iter().take(80).position(|&b| b == b'\'')?;
            std::str::from_utf8(&rest[..end]).ok()
        })
        .map(|w| w.chars().filter(|c| !c.is_control()).collect::<String>());
    PageCheck {
        status: if whole { "another-version" } else { "altered" },
        written_by,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_names_its_own_digest_and_is_told_apart_when_changed() {
        let page = html();
        assert!(!page.contains(DIGEST_SLOT) && !page.contains(WRITTEN_BY_SLOT));
        assert_eq!(check(Some(page.as_bytes())).status, "genuine");
        assert_eq!(check(Some(page.as_bytes())).written_by, Some(written_by()));
        assert_eq!(check(None).status, "missing");
        // One that always says VALID.
        let liar = page.replacen("result: VALID", "result: VALID!", 1);
        let liar = if liar == page {
            page.replacen("<title>", "<title>VALID ", 1)
        } else {
            liar
        };
        assert_eq!(check(Some(liar.as_bytes())).status, "altered");
        // Another version's page: whole as written (its digest re-taken), naming its writer.
        let other = page
            .replacen(&written_by(), "countersign 9.9.9", 1)
            .replacen(
                &format!(
                    "{DIGEST_MARKER}{}",
                    named_digest(page.as_bytes()).unwrap().1
                ),
                &format!("{DIGEST_MARKER}{}", "0".repeat(64)),
                1,
            );
        let digest = crate::digest::sha256_hex(other.as_bytes());
        let other = other.replacen(
            &format!("{DIGEST_MARKER}{}", "0".repeat(64)),
            &format!("{DIGEST_MARKER}{digest}"),
            1,
        );
        assert_eq!(
            check(Some(other.as_bytes())),
            PageCheck {
                status: "another-version",
                written_by: Some("countersign 9.9.9".into())
            }
        );
    }

    #[test]
    fn the_page_is_one_file_that_loads_nothing() {
        let page = html();
        assert!(!page.contains(SCRIPT_SLOT));
        assert!(page.contains("async function verifyBundle("));
        // The inlined script cannot end its own element early.
        assert!(!SCRIPT.to_ascii_lowercase().contains("</script"));
        // No address the browser could fetch: no src=, href= to a host, url(), @import, fetch.
        let lower = page.to_ascii_lowercase();
        for banned in [
            " src=",
            "href=\"http",
            "url(",
            "@import",
            "fetch(",
            "xmlhttprequest",
            "websocket",
            "sendbeacon",
            "<link",
            "<iframe",
            "<img",
        ] {
            assert!(!lower.contains(banned), "the page contains '{banned}'");
        }
        assert!(lower.contains("content-security-policy"));
        assert!(lower.contains("default-src 'none'"));
        // Small enough to mail and read at a glance; it grew past 100 KiB with its own strict
        // zip layout and JSON readers (docs/SPEC.md Z and J rules).
        assert!(page.len() < 128 * 1024, "{} bytes", page.len());
    }

    /// The values page/verify.js shares with the library, as the JavaScript that stands
    /// between its GENERATED markers. Field lists are read from the library's own types: each
    /// event and key change is serialised with every field present and again with every
    /// optional one absent.
    fn shared_constants() -> String {
        use crate::approval::keyring::{KeyChange, RevocationReason};
        use crate::approval::keys::KeyId;
        use crate::record::register::Event;
        use serde_json::Value;

        let text = |value: &str| serde_json::to_string(value).unwrap_or_default();
        let mut js = String::new();
        for (name, value) in [
            ("INDEX_FILE", crate::pack::layout::INDEX_FILE),
            ("INDEX_FORMAT", crate::pack::bundle::INDEX_FORMAT),
            (
                "MANIFEST_FORMAT",
                crate::document::manifest::MANIFEST_FORMAT,
            ),
            ("KEYRING_FORMAT", crate::approval::keyring::KEYRING_FORMAT),
            (
                "KEYRING_FORMAT_V1",
                crate::approval::keyring::KEYRING_FORMAT_V1,
            ),
            ("GENESIS", crate::digest::GENESIS),
            ("PAYLOAD_TYPE", crate::approval::signature::PAYLOAD_TYPE),
            ("STATEMENT_TYPE", crate::approval::signature::STATEMENT_TYPE),
            ("PREDICATE_TYPE", crate::approval::signature::PREDICATE_TYPE),
            (
                "CHECKPOINT_PAYLOAD_TYPE",
                crate::record::checkpoint::CHECKPOINT_PAYLOAD_TYPE,
            ),
            ("SIGNATURE_SUFFIX", crate::pack::layout::SIGNATURE_SUFFIX),
            ("PAPER_FORMAT", crate::approval::paper::PAPER_FORMAT),
            ("RECORD_SUFFIX", crate::pack::layout::RECORD_SUFFIX),
            ("REPORT_FORMAT", crate::verify::REPORT_FORMAT),
            ("VERDICT_FORMAT", crate::pack::bundle::VERDICT_FORMAT),
            ("KEPT_DATA_CHANGED", crate::verify::KEPT_DATA_CHANGED),
            (
                "NO_INPUTS_RECORDED",
                crate::pack::bundle::NO_INPUTS_RECORDED,
            ),
        ] {
            js.push_str(&format!("const {name} = {};\n", text(value)));
        }
        js.push_str(&format!(
            "const MAX_BUNDLE_BYTES = {};\n",
            crate::pack::bundle::MAX_BUNDLE_BYTES
        ));
        js.push_str(&format!(
            "const CLOCK_TOLERANCE_SECONDS = {};\n",
            crate::verify::CLOCK_TOLERANCE_SECONDS
        ));
        let set = |name: &str, items: &[&str]| {
            let mut out = format!("const {name} = new Set([\n");
            for item in items {
                out.push_str(&format!("  {},\n", text(item)));
            }
            out.push_str("]);\n");
            out
        };
        // The encodings of points of small order, which `verify_strict` refuses as weak keys.
        js.push_str(&set(
            "WEAK_KEYS",
            &crate::approval::keys::SMALL_ORDER_ENCODINGS,
        ));
        js.push_str(&set("PROBLEM_CODES", &crate::verify::PROBLEM_CODES));

        // Each field in the order written, with its kind: s text, t a UTC time, as a list of
        // text, and ? when it may be absent.
        let at = crate::time::Timestamp::from_unix(1_000_000_000);
        let at_text = at.to_string();
        let fields = |tag: &str, full: Value, bare: Value| {
            let (Value::Object(full), Value::Object(bare)) = (full, bare) else {
                panic!("not an object");
            };
            let name = full[tag].as_str().unwrap_or_default().to_string();
            let listed: Vec<String> = full
                .iter()
                .map(|(field, value)| {
                    let kind = match value {
                        Value::String(s) if *s == at_text => "t",
                        Value::String(_) => "s",
                        Value::Array(_) => "as",
                        other => panic!("{field}: {other}"),
                    };
                    let optional = if bare.contains_key(field) { "" } else { "?" };
                    format!("{field}: '{kind}{optional}'")
                })
                .collect();
            format!("  {}: {{ {} }},\n", text(&name), listed.join(", "))
        };
        let id = || KeyId::from_text("SHA256:key");
        let word = || "word".to_string();
        js.push_str("const CHANGE_FIELDS = {\n");
        for (full, bare) in [
            (
                KeyChange::Added {
                    key_id: id(),
                    organisation: word(),
                    signatory: word(),
                    roles: vec![word()],
                    valid_from: at,
                    public_key: word(),
                    public_key_pem: word(),
                },
                None,
            ),
            (
                KeyChange::Revoked {
                    key_id: id(),
                    reason: RevocationReason::Superseded,
                    effective: at,
                    note: Some(word()),
                },
                Some(KeyChange::Revoked {
                    key_id: id(),
                    reason: RevocationReason::Superseded,
                    effective: at,
                    note: None,
                }),
            ),
            (
                KeyChange::ValidFromCorrected {
                    key_id: id(),
                    valid_from: at,
                    note: Some(word()),
                },
                Some(KeyChange::ValidFromCorrected {
                    key_id: id(),
                    valid_from: at,
                    note: None,
                }),
            ),
        ] {
            let full_json = serde_json::to_value(&full).unwrap_or_default();
            let bare_json = bare
                .map(|b| serde_json::to_value(&b).unwrap_or_default())
                .unwrap_or_else(|| full_json.clone());
            js.push_str(&fields("action", full_json, bare_json));
        }
        js.push_str("};\n");
        js.push_str("const EVENT_FIELDS = {\n");
        let w = word;
        for event in [
            Event::DocumentAssembled {
                file: w(),
                id: w(),
                kind: w(),
                version: w(),
                sha256: w(),
            },
            Event::VersionSuperseded {
                id: w(),
                version: w(),
                file: w(),
                by_version: w(),
                by_file: w(),
            },
            Event::SignatureRecorded {
                file: w(),
                id: w(),
                version: w(),
                sha256: w(),
                organisation: w(),
                key_id: w(),
                statement_sha256: w(),
                signature_file: w(),
            },
            Event::SignatureSetAside {
                signature_file: w(),
                kept_as: w(),
                reason: w(),
            },
            Event::PaperSignatureRecorded {
                file: w(),
                id: w(),
                version: w(),
                organisation: w(),
                signatory: w(),
                role: w(),
                signed_on: w(),
                scan_sha256: w(),
                record_file: w(),
                record_sha256: w(),
            },
            Event::KeyAdded {
                key_id: w(),
                organisation: w(),
                signatory: w(),
            },
            Event::KeyRevoked {
                key_id: w(),
                reason: w(),
                effective: at,
            },
        ] {
            let json = serde_json::to_value(&event).unwrap_or_default();
            js.push_str(&fields("type", json.clone(), json));
        }
        js.push_str("};\n");
        js
    }

    const BEGIN_GENERATED: &str = "// BEGIN GENERATED from the library by src/verify/page.rs (shared_constants): do not edit here;\n// COUNTERSIGN_WRITE_PAGE_CONSTANTS=1 cargo test --lib page:: writes it again.\n";
    const END_GENERATED: &str = "// END GENERATED\n";

    /// Every constant the page shares with the library (formats, payload types, suffixes,
    /// limits, weak keys, problem codes, the register's and keyring's field lists) is what the
    /// library would generate: a value changed in Rust and not in the page fails here.
    #[test]
    fn the_pages_shared_constants_are_generated_from_the_library() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/page/verify.js");
        let script = std::fs::read_to_string(path).unwrap();
        let (before, rest) = script
            .split_once(BEGIN_GENERATED)
            .expect("page/verify.js has no BEGIN GENERATED marker");
        let (block, after) = rest
            .split_once(END_GENERATED)
            .expect("page/verify.js has no END GENERATED marker");
        let generated = shared_constants();
        if block != generated && std::env::var_os("COUNTERSIGN_WRITE_PAGE_CONSTANTS").is_some() {
            std::fs::write(
                path,
                format!("{before}{BEGIN_GENERATED}{generated}{END_GENERATED}{after}"),
            )
            .unwrap();
            return;
        }
        assert_eq!(
            block, generated,
            "page/verify.js's shared constants are not the library's: run COUNTERSIGN_WRITE_PAGE_CONSTANTS=1 cargo test --lib page::"
        );
        // Nothing generated is defined a second time by hand.
        for line in generated.lines().filter(|l| l.starts_with("const ")) {
            let name = line.split_whitespace().nth(1).unwrap_or_default();
            assert_eq!(
                script.matches(&format!("const {name} =")).count(),
                1,
                "{name} is defined outside the generated block"
            );
        }
    }

    /// The codes the library lists are exactly those docs/SPEC.md's table documents, in order.
    #[test]
    fn the_problem_codes_are_the_specifications() {
        let spec = include_str!("../../docs/SPEC.md");
        let table = spec
            .split("## 13. Problem codes")
            .nth(1)
            .and_then(|rest| rest.split("\n## ").next())
            .unwrap_or_default();
        let documented: Vec<&str> = table
            .lines()
            .filter(|line| line.starts_with("| `"))
            .filter_map(|line| line.split('|').nth(1))
            .flat_map(|cell| cell.split('`').skip(1).step_by(2))
            .collect();
        assert_eq!(documented, crate::verify::PROBLEM_CODES);
    }

    /// Each weak key listed is one the command refuses as a small-order point.
    #[test]
    fn the_weak_keys_are_refused() {
        for text in crate::approval::keys::SMALL_ORDER_ENCODINGS {
            let bytes = <[u8; 32]>::try_from(hex::decode(text).unwrap().as_slice()).unwrap();
            assert!(
                matches!(
                    crate::approval::keys::PublicKey::from_bytes(&bytes),
                    Err(crate::approval::keys::KeyError::Weak)
                ),
                "{text}"
            );
        }
    }
}
