//! A minimal, lossless XML tree over a part's source text.
//!
//! Every node remembers the byte range it came from, so anything the engine does not touch is
//! written back exactly as the template had it. Parsing is strict: mismatched end tags,
//! duplicate attributes, `<` in an attribute value, undefined entities, a second root element
//! and text outside the root are errors, never repaired. Elements nest at most [`MAX_DEPTH`]
//! deep, so nothing that walks the tree (or drops it) can exhaust the stack.

use std::ops::Range;

use quick_xml::Reader;
use quick_xml::events::Event;

use crate::document::xml::is_xml_char;

/// An element with its source ranges.
#[derive(Debug)]
pub(crate) struct Element {
    /// Qualified name as written, e.g. `w:p`.
    pub name: String,
    /// The start tag (or the whole empty-element tag).
    pub start: Range<usize>,
    /// The end tag; empty for `<x/>`.
    pub end: Range<usize>,
    pub children: Vec<Node>,
}

impl Element {
    /// The whole element, start tag to end tag.
    pub fn outer(&self) -> Range<usize> {
        self.start.start..self.end.end.max(self.start.end)
    }

    pub fn is(&self, name: &str) -> bool {
        self.name == name
    }
}

/// Character data with its decoded value.
#[derive(Debug)]
pub(crate) struct Text {
    pub range: Range<usize>,
    pub value: String,
}

#[derive(Debug)]
pub(crate) enum Node {
    Element(Element),
    Text(Text),
    /// Declarations, comments, processing instructions, CDATA: copied verbatim.
    Other(Range<usize>),
}

/// How deep elements may nest. Word documents nest a few dozen levels; a table inside a table
/// adds four. Deeper input is refused rather than risk the stack.
pub(crate) const MAX_DEPTH: usize = 256;

/// Checks a start tag's attributes: well-formed, none given twice, no `<` in a value.
fn check_attributes(e: &quick_xml::events::BytesStart<'_>) -> Result<(), String> {
    for attribute in e.attributes().with_checks(true) {
        let attribute = attribute.map_err(|err| format!("a malformed attribute ({err})"))?;
        if attribute.value.contains('<') {
            return Err(format!(
                "the attribute {} holds a '<'",
                attribute.key.as_ref()
            ));
        }
    }
    Ok(())
}

/// Parses `source` into a synthetic root element (empty name) holding the top-level nodes.
/// On error returns the message and the byte offset.
pub(crate) fn parse(source: &str) -> Result<Element, (String, usize)> {
    let mut reader = Reader::from_str(source);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Element> = vec![Element {
        name: String::new(),
        start: 0..0,
        end: source.len()..source.len(),
        children: Vec::new(),
    }];
    loop {
        let before = reader.buffer_position() as usize;
        let event = reader
            .read_event()
            .map_err(|e| (e.to_string(), reader.error_position() as usize))?;
        let after = reader.buffer_position() as usize;
        let depth = stack.len();
        let Some(parent) = stack.last_mut() else {
            return Err(("unbalanced elements".into(), before));
        };
        match event {
            Event::Start(e) => {
                check_attributes(&e).map_err(|m| (m, before))?;
                if depth > MAX_DEPTH {
                    return Err((format!("elements nest more than {MAX_DEPTH} deep"), before));
                }
                if depth == 1 && has_root_element(parent) {
                    return Err(("a second root element".into(), before));
                }
                let name = e.name().as_ref().to_owned();
                stack.push(Element {
                    name,
                    start: before..after,
                    end: after..after,
                    children: Vec::new(),
                });
            }
            Event::End(_) => {
                // The synthetic root (index 0) is never closed by the document.
                if stack.len() < 2 {
                    return Err(("unexpected end tag".into(), before));
                }
                let mut element = stack
                    .pop()
                    .ok_or_else(|| ("unexpected end tag".to_string(), before))?;
                element.end = before..after;
                if let Some(parent) = stack.last_mut() {
                    parent.children.push(Node::Element(element));
                }
            }
            Event::Empty(e) => {
                check_attributes(&e).map_err(|m| (m, before))?;
                if depth == 1 && has_root_element(parent) {
                    return Err(("a second root element".into(), before));
                }
                let name = e.name().as_ref().to_owned();
                parent.children.push(Node::Element(Element {
                    name,
                    start: before..after,
                    end: after..after,
                    children: Vec::new(),
                }));
            }
            Event::Text(_) => {
                let text = &source[before..after];
                if depth == 1 && !text.trim().is_empty() {
                    return Err(("text outside the root element".into(), before));
                }
                push_text(parent, before..after, text);
            }
            Event::GeneralRef(r) => {
                let name = (*r).to_owned();
                let c = if r.is_char_ref() {
                    match r.resolve_char_ref() {
                        Ok(Some(c)) if is_xml_char(c) => c,
                        _ => return Err((format!("bad character reference &{name};"), before)),
                    }
                } else {
                    match name.as_str() {
                        "amp" => '&',
                        "lt" => '<',
                        "gt" => '>',
                        "quot" => '"',
                        "apos" => '\'',
                        _ => return Err((format!("undefined entity &{name};"), before)),
                    }
                };
                push_text(parent, before..after, c.encode_utf8(&mut [0; 4]));
            }
            Event::Eof => break,
            _ => parent.children.push(Node::Other(before..after)),
        }
    }
    if stack.len() != 1 {
        return Err((
            "the part ends before every element is closed".into(),
            source.len(),
        ));
    }
    stack.pop().ok_or_else(|| ("empty part".to_string(), 0))
}

fn has_root_element(root: &Element) -> bool {
    root.children.iter().any(|c| matches!(c, Node::Element(_)))
}

/// Appends decoded text, merging with the previous text node so that entity references do not
/// split what a person sees as one piece of text.
fn push_text(parent: &mut Element, range: Range<usize>, value: &str) {
    if let Some(Node::Text(prev)) = parent.children.last_mut()
        && prev.range.end == range.start
    {
        prev.range.end = range.end;
        prev.value.push_str(value);
        return;
    }
    parent.children.push(Node::Text(Text {
        range,
        value: value.to_string(),
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_ranges_and_decodes_text() {
        let src = r#"<?xml version="1.0"?><w:p a="1"><w:t>A &amp; B&#233;</w:t><w:br/></w:p>"#;
        let root = parse(src).unwrap();
        let Node::Element(p) = &root.children[1] else {
            panic!("no element")
        };
        assert_eq!(&src[p.outer()], &src[21..]);
        let Node::Element(t) = &p.children[0] else {
            panic!("no w:t")
        };
        let Node::Text(text) = &t.children[0] else {
            panic!("no text")
        };
        assert_eq!(text.value, "A & Bé");
        assert_eq!(&src[text.range.clone()], "A &amp; B&#233;");
    }

    #[test]
    fn refuses_malformed_xml() {
        assert!(parse("<a><b></a>").is_err());
        assert!(parse("<a>&bogus;</a>").is_err());
        assert!(parse("<a>").is_err());
        assert!(parse(r#"<a x="1" x="2"/>"#).is_err(), "duplicate attribute");
        assert!(parse(r#"<a x="<"/>"#).is_err(), "'<' in a value");
        assert!(parse("<a/>junk").is_err(), "text after the root");
        assert!(parse("<a/><b/>").is_err(), "a second root");
        let deep = "<a>".repeat(MAX_DEPTH + 1) + &"</a>".repeat(MAX_DEPTH + 1);
        assert!(parse(&deep).unwrap_err().0.contains("nest more than"));
        let fine = "<a>".repeat(MAX_DEPTH - 1) + &"</a>".repeat(MAX_DEPTH - 1);
        assert!(parse(&fine).is_ok());
    }
}
