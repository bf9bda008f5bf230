//! The verification page: one self-contained HTML file (`verify.html`) that checks a bundle in
//! any current browser, offline, as `countersign verify BUNDLE.zip` does. Its source is
//! `page/verify.html` and `page/verify.js` (plain JavaScript, no build step, no dependency);
//! this module joins them into the page the binary writes and every bundle carries.
//!
//! Owns the page's bytes only. What the page checks mirrors [`crate::bundle`], [`crate::verify`]
//! and [`crate::trust`]; `tests/page.rs` runs the page in a browser on a shared corpus and holds
//! its JSON verdict equal to `verify --json`.

/// The page's file name, in a bundle and by default on disk.
pub const PAGE_FILE: &str = "verify.html";

const HTML: &str = include_str!("../page/verify.html");
const SCRIPT: &str = include_str!("../page/verify.js");
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

    /// The page refuses the same weak keys as the command: each listed encoding is one the
    /// command refuses as a small-order point.
    #[test]
    fn the_pages_weak_keys_are_the_commands() {
        let listed: Vec<[u8; 32]> = SCRIPT
            .split("const WEAK_KEYS = new Set([")
            .nth(1)
            .and_then(|rest| rest.split("]);").next())
            .map(|list| {
                list.split('\'')
                    .filter(|s| s.len() == 64)
                    .map(|h| {
                        let v = hex::decode(h).unwrap();
                        <[u8; 32]>::try_from(v.as_slice()).unwrap()
                    })
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(listed.len(), 14);
        let commands: Vec<String> = crate::keys::SMALL_ORDER_ENCODINGS
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(
            listed.iter().map(hex::encode).collect::<Vec<_>>(),
            commands,
            "the page's list is the command's"
        );
        for bytes in listed {
            assert!(
                matches!(
                    crate::keys::PublicKey::from_bytes(&bytes),
                    Err(crate::keys::KeyError::Weak)
                ),
                "{}",
                hex::encode(bytes)
            );
        }
    }
}
