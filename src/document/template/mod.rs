//! The template engine: merges JSON data into a DOCX template written by people in Word or
//! LibreOffice.
//!
//! A [`Template`] is compiled once from the template's bytes: the package is validated, every
//! part people put text in (body, headers, footers, footnotes, endnotes, document properties)
//! is parsed strictly, tags are found across Word's runs, and each block tag's scope is fixed
//! (inline, paragraphs, a table row, or table rows). Rendering then walks the compiled parts
//! with the data and writes a byte-reproducible package; every other part is copied unchanged.
//!
//! We do not hand the XML to the `handlebars` crate: it stops at the first error, reports
//! offsets in a flattened string rather than "table 2, row 3", and knows nothing of XML
//! context. The syntax is handlebars' own, so templates stay familiar.
//!
//! This module reads no files and never looks at the clock.

pub mod accessible;
mod compile;
mod dom;
mod eval;
mod tag;

use std::fmt;

use serde_json::Value;

use crate::document::package::{Limits, Package, PackageError};

/// How a part's text is treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartKind {
    /// WordprocessingML: text lives in `w:t` elements inside runs and paragraphs.
    Word,
    /// Document properties: text lives directly in elements such as `dc:title`.
    Properties,
}

/// Which parts of a package are rendered, and how; every other part is copied byte for byte.
pub fn part_kind(name: &str) -> Option<PartKind> {
    let numbered = |prefix: &str| {
        name.strip_prefix(prefix)
            .and_then(|rest| rest.strip_suffix(".xml"))
            .is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit()))
    };
    match name {
        "word/document.xml" | "word/footnotes.xml" | "word/endnotes.xml" => Some(PartKind::Word),
        "docProps/core.xml" | "docProps/app.xml" | "docProps/custom.xml" => {
            Some(PartKind::Properties)
        }
        _ if numbered("word/header") || numbered("word/footer") => Some(PartKind::Word),
        _ => None,
    }
}

/// One fault in a template or in the data it was rendered with, located for a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The package part, e.g. `word/document.xml`.
    pub part: String,
    /// Where in the part: `paragraph 4` or `table 1, row 2, cell 3, paragraph 1`.
    pub location: String,
    /// The tag as written, e.g. `{{#each members}}` (empty for faults of the part itself).
    pub tag: String,
    /// The text around the tag.
    pub context: String,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub hint: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}, {}: ", self.part, self.location)?;
        if !self.tag.is_empty() {
            write!(f, "{}: ", self.tag)?;
        }
        write!(f, "{}", self.message)?;
        if !self.context.is_empty() && self.context != self.tag {
            write!(f, "\n    text: {}", self.context)?;
        }
        if !self.hint.is_empty() {
            write!(f, "\n    hint: {}", self.hint)?;
        }
        Ok(())
    }
}

/// Why a template could not be compiled or rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TemplateError {
    /// The file is not a usable DOCX package.
    #[error(transparent)]
    Package(#[from] PackageError),
    /// A part people write in is not UTF-8 (Word and LibreOffice always write UTF-8).
    #[error("the part '{0}' is not UTF-8 text")]
    NotUtf8(String),
    /// The template itself has faults: malformed XML, unknown or unbalanced tags.
    #[error("{}", list("the template has", .0, 0))]
    Template(Vec<Problem>),
    /// The data does not fit the template: missing fields, wrong types, forbidden characters.
    #[error("{}", list("the data does not fit the template:", .problems, *.dropped))]
    Data {
        /// The problems found, in document order.
        problems: Vec<Problem>,
        /// How many more were found but not listed.
        dropped: usize,
    },
    /// A rendered part was not well-formed XML. This is a fault in countersign, not in the
    /// template or data; nothing is written.
    #[error(
        "rendering '{part}' produced malformed XML ({message}); nothing was written. Please report this with the template"
    )]
    Output {
        /// The part.
        part: String,
        /// What the XML check found.
        message: String,
    },
}

fn list(lead: &str, problems: &[Problem], dropped: usize) -> String {
    let mut s = if lead.ends_with(':') {
        format!("{lead} {} problem(s)", problems.len() + dropped)
    } else {
        format!("{lead} {} problem(s)", problems.len())
    };
    for p in problems {
        s.push_str("\n  - ");
        s.push_str(&p.to_string().replace('\n', "\n    "));
    }
    if dropped > 0 {
        s.push_str(&format!("\n  … and {dropped} more"));
    }
    s
}

struct CompiledPart {
    entry: usize,
    name: String,
    program: compile::Program,
}

/// A compiled DOCX template, ready to render any number of times.
pub struct Template {
    package: Package,
    parts: Vec<CompiledPart>,
}

impl fmt::Debug for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Template")
            .field(
                "parts",
                &self.parts.iter().map(|p| &p.name).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Template {
    /// Compiles a template from the bytes of a DOCX file, with the default size limits.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let docx = countersign::document::template::tests_support::minimal_docx("Hello {{name}}");
    /// let template = countersign::Template::from_bytes(docx)?;
    /// let out = template.render(&serde_json::json!({ "name": "Zoë & Sons" }))?;
    /// assert!(out.starts_with(b"PK"));
    /// # Ok(()) }
    /// ```
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Template, TemplateError> {
        Self::from_bytes_with_limits(bytes, Limits::default())
    }

    /// Compiles a template with explicit size limits.
    pub fn from_bytes_with_limits(
        bytes: Vec<u8>,
        limits: Limits,
    ) -> Result<Template, TemplateError> {
        let mut package = Package::read(bytes, limits, |name| part_kind(name).is_some())?;
        let mut problems = Vec::new();
        let mut parts = Vec::new();
        for (entry, e) in package.entries_mut().iter_mut().enumerate() {
            let (Some(kind), Some(content)) = (part_kind(&e.name), e.content.take()) else {
                continue;
            };
            let text =
                String::from_utf8(content).map_err(|_| TemplateError::NotUtf8(e.name.clone()))?;
            let program = compile::compile(&e.name, kind, &text, &mut problems);
            parts.push(CompiledPart {
                entry,
                name: e.name.clone(),
                program,
            });
        }
        if !problems.is_empty() {
            return Err(TemplateError::Template(problems));
        }
        Ok(Template { package, parts })
    }

    /// Renders the template with `data` and returns the bytes of the new DOCX.
    ///
    /// Nothing is returned unless every part rendered without a problem and re-parsed as
    /// well-formed XML.
    pub fn render(&self, data: &Value) -> Result<Vec<u8>, TemplateError> {
        let mut rendered: Vec<Option<Vec<u8>>> = vec![None; self.package.entries().len()];
        let mut problems = Vec::new();
        let mut dropped = 0;
        for part in &self.parts {
            let mut renderer = eval::Renderer::new(&part.name, &part.program, data);
            let mut out = Vec::with_capacity(
                part.program
                    .nodes
                    .iter()
                    .map(|n| match n {
                        compile::PNode::Raw(b) => b.len(),
                        _ => 64,
                    })
                    .sum::<usize>()
                    * 2,
            );
            renderer.render(&mut out);
            dropped += renderer.dropped;
            problems.extend(renderer.problems);
            rendered[part.entry] = Some(out);
        }
        if !problems.is_empty() {
            return Err(TemplateError::Data { problems, dropped });
        }
        for part in &self.parts {
            if let Some(bytes) = &rendered[part.entry]
                && let Err((message, offset)) = crate::document::xml::check_well_formed(bytes)
            {
                return Err(TemplateError::Output {
                    part: part.name.clone(),
                    message: format!("{message} at byte {offset}"),
                });
            }
        }
        Ok(self.package.write(|i| rendered[i].as_deref())?)
    }
}

#[doc(hidden)]
pub mod tests_support {
    //! Builds tiny packages for doc examples and unit tests.
    use std::io::{Cursor, Write};

    /// A minimal DOCX whose body is one paragraph holding `text` in a single run.
    pub fn minimal_docx(text: &str) -> Vec<u8> {
        let body = format!(
            "<w:p><w:r><w:t xml:space=\"preserve\">{}</w:t></w:r></w:p>",
            crate::document::xml::escape_text(text)
        );
        docx_with_body(&body)
    }

    /// A minimal DOCX with the given `w:body` content.
    pub fn docx_with_body(body: &str) -> Vec<u8> {
        let document = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{body}</w:body></w:document>"
        );
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default();
        let parts: [(&str, &str); 3] = [
            (
                "[Content_Types].xml",
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Override PartName=\"/word/document.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml\"/></Types>",
            ),
            (
                "_rels/.rels",
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"word/document.xml\"/></Relationships>",
            ),
            ("word/document.xml", &document),
        ];
        for (name, content) in parts {
            // Writing to memory cannot fail.
            let _ = w.start_file(name, opts);
            let _ = w.write_all(content.as_bytes());
        }
        w.finish().map(|c| c.into_inner()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests;
