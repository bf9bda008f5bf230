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

/// The page, script inlined: nothing it needs is fetched from anywhere.
pub fn html() -> String {
    HTML.replacen(SCRIPT_SLOT, SCRIPT, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(page.len() < 100 * 1024, "{} bytes", page.len());
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
