//! XML text handling shared by every module that writes XML: escaping of user data, the
//! XML 1.0 character rules, and the well-formedness check run on every rendered part.
//!
//! No other module turns user data into XML without going through [`escape_text_into`]. This
//! module knows nothing of Word, zip files or templates.

use quick_xml::Reader;
use quick_xml::events::Event;

/// Whether XML 1.0 can hold this character at all (the `Char` production of the spec).
///
/// Control characters other than tab, newline and carriage return cannot appear in an XML 1.0
/// document even as character references, so data holding them must be refused, not escaped.
pub fn is_xml_char(c: char) -> bool {
    matches!(c,
        '\u{9}' | '\u{A}' | '\u{D}'
        | '\u{20}'..='\u{D7FF}'
        | '\u{E000}'..='\u{FFFD}'
        | '\u{10000}'..='\u{10FFFF}')
}

/// The first character of `text` that XML 1.0 cannot hold, if any.
pub fn first_forbidden_char(text: &str) -> Option<char> {
    text.chars().find(|c| !is_xml_char(*c))
}

/// Appends `text` to `out` with the five XML special characters escaped.
///
/// All five are escaped, not just `&` and `<`, so that the result is safe in attribute values
/// as well as in element text. The caller must have refused forbidden characters first.
pub fn escape_text_into(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    let mut start = 0;
    for (i, b) in bytes.iter().enumerate() {
        let replacement: &[u8] = match b {
            b'&' => b"&amp;",
            b'<' => b"&lt;",
            b'>' => b"&gt;",
            b'"' => b"&quot;",
            b'\'' => b"&apos;",
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        out.extend_from_slice(replacement);
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
}

/// Returns `text` XML-escaped as a new string.
pub fn escape_text(text: &str) -> String {
    let mut out = Vec::with_capacity(text.len());
    escape_text_into(&mut out, text);
    // Escaping only ever replaces ASCII bytes with ASCII bytes, so UTF-8 is preserved.
    String::from_utf8(out).unwrap_or_default()
}

/// Checks that `xml` is a well-formed document: balanced, correctly nested elements,
/// valid references and no forbidden characters. Returns a description and byte offset of
/// the first fault.
pub fn check_well_formed(xml: &[u8]) -> Result<(), (String, u64)> {
    let text = std::str::from_utf8(xml)
        .map_err(|e| (format!("not valid UTF-8 ({e})"), e.valid_up_to() as u64))?;
    if let Some(c) = first_forbidden_char(text) {
        let at = text.find(c).unwrap_or(0) as u64;
        return Err((
            format!(
                "holds the character U+{:04X}, which XML 1.0 forbids",
                c as u32
            ),
            at,
        ));
    }
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut depth: usize = 0;
    let mut roots = 0;
    loop {
        match reader.read_event() {
            Ok(Event::Start(_)) => {
                if depth == 0 {
                    roots += 1;
                }
                depth += 1;
            }
            Ok(Event::End(_)) => depth = depth.saturating_sub(1),
            Ok(Event::Empty(_)) if depth == 0 => roots += 1,
            Ok(Event::GeneralRef(r)) => {
                let name: &str = &r;
                if r.is_char_ref() {
                    match r.resolve_char_ref() {
                        Ok(Some(c)) if is_xml_char(c) => {}
                        _ => {
                            return Err((
                                format!("bad character reference &{name};"),
                                reader.buffer_position(),
                            ));
                        }
                    }
                } else if !matches!(name, "amp" | "lt" | "gt" | "quot" | "apos") {
                    return Err((
                        format!("undefined entity &{name};"),
                        reader.buffer_position(),
                    ));
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => return Err((e.to_string(), reader.error_position())),
        }
    }
    if depth != 0 {
        return Err((
            "ends before every element is closed".into(),
            xml.len() as u64,
        ));
    }
    if roots != 1 {
        return Err((format!("has {roots} root elements instead of one"), 0));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_all_five_specials_and_keeps_unicode() {
        assert_eq!(
            escape_text(r#"Smith & Sons <Ltd> "Q" 'x' Zoë ]]>"#),
            "Smith &amp; Sons &lt;Ltd&gt; &quot;Q&quot; &apos;x&apos; Zoë ]]&gt;"
        );
    }

    #[test]
    fn control_characters_are_forbidden_but_whitespace_is_not() {
        assert_eq!(first_forbidden_char("a\tb\nc\rd"), None);
        assert_eq!(first_forbidden_char("bell\u{7}"), Some('\u{7}'));
        assert_eq!(first_forbidden_char("\u{FFFE}"), Some('\u{FFFE}'));
    }

    #[test]
    fn well_formedness_check_finds_faults() {
        assert!(check_well_formed(b"<a><b/>x &amp; y</a>").is_ok());
        assert!(check_well_formed(b"<a><b></a>").is_err());
        assert!(check_well_formed(b"<a>&nbsp;</a>").is_err());
        assert!(check_well_formed(b"<a>&#1;</a>").is_err());
        assert!(check_well_formed(b"<a></a><b/>").is_err());
        assert!(check_well_formed(b"<a>").is_err());
    }
}
