//! What a template lacks that a published document needs to be accessible (the Public Sector
//! Bodies Accessibility Regulations 2018 apply to what councils publish): a marked header row
//! on every table, the document's language, a default paragraph style, headings in order,
//! alternative text on every image, and, for the framework, a contents field.
//!
//! Reads the template's parts with the one XML reader (the template engine's); it judges, it never
//! changes a template. `validate` prints what it finds as warnings: a coordinator's own
//! template may still be used as it is.

use super::dom::{Element, Node, parse};
use crate::document::package::{Limits, Package};

const DOCUMENT: &str = "word/document.xml";
const STYLES: &str = "word/styles.xml";

/// Something a template lacks, in words, with how to put it right in Word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gap {
    /// What is missing, e.g. "table 2 ('Organisation …') has no header row".
    pub what: String,
    /// How to add it in Word.
    pub fix: &'static str,
}

/// The gaps of a template package; `wants_contents` for a template that should carry a
/// contents field (the framework). A package that cannot be read has no gaps to report here:
/// rendering it reports why it cannot be read.
pub fn gaps(template: &[u8], wants_contents: bool) -> Vec<Gap> {
    let keep = |name: &str| name == DOCUMENT || name == STYLES;
    let Ok(package) = Package::read(template.to_vec(), Limits::default(), keep) else {
        return Vec::new();
    };
    let part = |name: &str| {
        package
            .entries()
            .iter()
            .find(|e| e.name == name)
            .and_then(|e| e.content.as_deref())
            .and_then(|bytes| std::str::from_utf8(bytes).ok())
            .map(str::to_string)
    };
    let (Some(document), styles) = (part(DOCUMENT), part(STYLES).unwrap_or_default()) else {
        return Vec::new();
    };
    let (Ok(body), styles_root) = (parse(&document), parse(&styles)) else {
        return Vec::new();
    };
    let mut gaps = Vec::new();
    let styles_root = styles_root.ok();
    style_gaps(styles_root.as_ref(), &styles, &mut gaps);
    let outline = styles_root
        .as_ref()
        .map(|root| heading_levels(root, &styles))
        .unwrap_or_default();
    body_gaps(&body, &document, &outline, wants_contents, &mut gaps);
    gaps
}

fn style_gaps(root: Option<&Element>, source: &str, gaps: &mut Vec<Gap>) {
    let language = root.is_some_and(|r| {
        descendants(r)
            .filter(|e| e.is("w:rPrDefault"))
            .flat_map(descendants)
            .any(|e| e.is("w:lang") && attribute(source, e, "w:val").is_some_and(|v| !v.is_empty()))
    });
    if !language {
        gaps.push(Gap {
            what: "no document language".into(),
            fix: "select all the text, choose Review > Language > Set Proofing Language, pick the language, and click Set As Default",
        });
    }
    let default_style = root.is_some_and(|r| {
        descendants(r).any(|e| {
            e.is("w:style")
                && attribute(source, e, "w:type").as_deref() == Some("paragraph")
                && matches!(
                    attribute(source, e, "w:default").as_deref(),
                    Some("1" | "true")
                )
        })
    });
    if !default_style {
        gaps.push(Gap {
            what: "no default paragraph style".into(),
            fix: "save the template from Word or LibreOffice, which mark Normal (Default Paragraph Style) as the default",
        });
    }
}

/// Paragraph style id -> heading level (1 for `w:outlineLvl` 0).
fn heading_levels(root: &Element, source: &str) -> Vec<(String, u32)> {
    descendants(root)
        .filter(|e| e.is("w:style"))
        .filter_map(|style| {
            let id = attribute(source, style, "w:styleId")?;
            let level = descendants(style)
                .find(|e| e.is("w:outlineLvl"))
                .and_then(|e| attribute(source, e, "w:val"))
                .and_then(|v| v.parse::<u32>().ok())?;
            Some((id, level + 1))
        })
        .collect()
}

fn body_gaps(
    root: &Element,
    source: &str,
    outline: &[(String, u32)],
    wants_contents: bool,
    gaps: &mut Vec<Gap>,
) {
    for (n, table) in descendants(root).filter(|e| e.is("w:tbl")).enumerate() {
        let first_row = children(table).find(|e| e.is("w:tr"));
        let marked = first_row.is_some_and(|row| {
            children(row)
                .filter(|e| e.is("w:trPr"))
                .flat_map(children)
                .any(|e| e.is("w:tblHeader"))
        });
        if !marked {
            gaps.push(Gap {
                what: format!("table {} ('{}') has no header row", n + 1, excerpt(table)),
                fix: "click in the table's first row, open Table Properties > Row and tick 'Repeat as header row at the top of each page'",
            });
        }
    }
    let mut previous = 0;
    for paragraph in descendants(root).filter(|e| e.is("w:p")) {
        let style = children(paragraph)
            .filter(|e| e.is("w:pPr"))
            .flat_map(children)
            .find(|e| e.is("w:pStyle"))
            .and_then(|e| attribute(source, e, "w:val"));
        let Some(level) =
            style.and_then(|s| outline.iter().find(|(id, _)| *id == s).map(|(_, l)| *l))
        else {
            continue;
        };
        if level > previous + 1 {
            gaps.push(Gap {
                what: format!(
                    "the heading '{}' is at level {level} after level {previous}",
                    excerpt(paragraph)
                ),
                fix: "give headings levels in order (Heading 1, then Heading 2 under it), so that a screen reader's list of headings makes sense",
            });
        }
        previous = level;
    }
    for picture in descendants(root).filter(|e| e.is("wp:docPr")) {
        if attribute(source, picture, "descr").is_none_or(|d| d.trim().is_empty()) {
            gaps.push(Gap {
                what: format!(
                    "the image '{}' has no alternative text",
                    attribute(source, picture, "name").unwrap_or_default()
                ),
                fix: "right-click the image, choose Edit Alt Text, and describe what it shows",
            });
        }
    }
    if wants_contents {
        let has_contents = descendants(root).any(|e| {
            (e.is("w:instrText") && text_of(e).split_whitespace().next() == Some("TOC"))
                || (e.is("w:fldSimple")
                    && attribute(source, e, "w:instr")
                        .is_some_and(|i| i.split_whitespace().next() == Some("TOC")))
        });
        if !has_contents {
            gaps.push(Gap {
                what: "no contents list".into(),
                fix: "put the cursor after the title and choose References > Table of Contents",
            });
        }
    }
}

fn children(e: &Element) -> impl Iterator<Item = &Element> {
    e.children.iter().filter_map(|c| match c {
        Node::Element(e) => Some(e),
        _ => None,
    })
}

/// Every element under `e`, in document order (depth is bounded by the parser).
fn descendants(e: &Element) -> Box<dyn Iterator<Item = &Element> + '_> {
    Box::new(children(e).flat_map(|c| std::iter::once(c).chain(descendants(c))))
}

fn text_of(e: &Element) -> String {
    let mut out = String::new();
    for c in &e.children {
        match c {
            Node::Text(t) => out.push_str(&t.value),
            Node::Element(child) => out.push_str(&text_of(child)),
            Node::Other(_) => {}
        }
    }
    out
}

fn excerpt(e: &Element) -> String {
    let text: String = text_of(e)
        .chars()
        .filter(|c| !c.is_control())
        .take(40)
        .collect();
    text.trim().to_string()
}

/// The value of an attribute of `e`'s start tag, unescaped.
fn attribute(source: &str, e: &Element, name: &str) -> Option<String> {
    let tag = source.get(e.start.clone())?;
    let inner = tag
        .strip_prefix('<')?
        .trim_end_matches('>')
        .trim_end_matches('/');
    let start = quick_xml::events::BytesStart::from_content(inner, e.name.len());
    start
        .attributes()
        .flatten()
        .find(|a| a.key.0 == name)
        .and_then(|a| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The default templates have every feature; an earlier signature report (before issue
    /// 32) lacks each one a report can lack.
    #[test]
    fn the_default_templates_have_no_gaps_and_an_earlier_one_has_them_all() {
        for name in crate::document::templates::names() {
            let bytes = crate::document::templates::default_bytes(name).unwrap_or_default();
            let wants = name == crate::document::templates::FRAMEWORK;
            assert_eq!(gaps(bytes, wants), Vec::new(), "{name}");
        }
        let earlier =
            include_bytes!("../../../tests/fixtures/publishable/signature-report-before.docx");
        let found: Vec<String> = gaps(earlier, true).into_iter().map(|g| g.what).collect();
        assert_eq!(
            found,
            vec![
                "no document language".to_string(),
                "no default paragraph style".into(),
                "table 1 ('OrganisationKey fingerprintSignatory and') has no header row".into(),
                "the heading '{{file}}' is at level 2 after level 0".into(),
                "no contents list".into(),
            ]
        );
    }
}
