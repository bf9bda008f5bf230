//! Compiles one XML part of a template into a [`Program`]: tags found across Word's runs,
//! block scopes moved to paragraph or table-row boundaries, everything else kept as raw bytes.
//!
//! Three stages, one file each: `collect` (the paragraphs a person typed, and the tags in
//! them), `scope` (blocks paired, each block's scope decided, each tag placed) and `emit`
//! (the part walked once into a program). Works on in-memory text only. It decides where each
//! block tag's content starts and ends, so that rendering is a plain walk that can never
//! produce unbalanced XML.

mod collect;
mod emit;
mod scope;

use super::dom;
use super::tag::{BlockKind, Expr};
use super::{PartKind, Problem};

/// Where a tag stands, for messages.
#[derive(Debug, Clone)]
pub(crate) struct TagSite {
    pub tag: String,
    pub location: String,
    pub context: String,
}

/// A compiled part: a tree of raw bytes, outputs and blocks.
#[derive(Debug, Default)]
pub(crate) struct Program {
    pub nodes: Vec<PNode>,
    pub sites: Vec<TagSite>,
    pub kind: Option<PartKind>,
}

#[derive(Debug)]
pub(crate) enum PNode {
    Raw(Vec<u8>),
    Output {
        expr: Expr,
        site: usize,
    },
    Block {
        kind: BlockKind,
        expr: Expr,
        site: usize,
        body: Vec<PNode>,
        alt: Vec<PNode>,
    },
}

/// A problem at a tag's site.
fn problem(part: &str, site: &TagSite, message: String, hint: String) -> Problem {
    Problem {
        part: part.to_string(),
        location: site.location.clone(),
        tag: site.tag.clone(),
        context: site.context.clone(),
        message,
        hint,
    }
}

/// Compiles one part. `problems` receives every fault found; the program is only usable when
/// none were added.
pub(crate) fn compile(
    part: &str,
    kind: PartKind,
    src: &str,
    problems: &mut Vec<Problem>,
) -> Program {
    let root = match dom::parse(src) {
        Ok(root) => root,
        Err((message, offset)) => {
            problems.push(Problem {
                part: part.to_string(),
                location: format!("byte {offset}"),
                tag: String::new(),
                context: String::new(),
                message: format!("the XML is malformed ({message})"),
                hint: "open the template in Word or LibreOffice and save it again".into(),
            });
            return Program::default();
        }
    };
    let paras = collect::paragraphs(src, kind, &root);
    let Some((sites, found)) = collect::tags(part, &paras, problems) else {
        return Program::default();
    };
    let Some(pairs) = scope::pair_blocks(part, &found, &sites, problems) else {
        return Program::default();
    };
    let elements = scope::Elements::new(&root);
    let collected = scope::Collected {
        part,
        src,
        kind,
        root: &root,
        elements: &elements,
        paras: &paras,
        found: &found,
        sites: &sites,
    };
    let Some(scopes) = scope::decide_scopes(&collected, &pairs, problems) else {
        return Program::default();
    };
    let Some(placement) = scope::place_tags(&collected, &pairs, &scopes, problems) else {
        return Program::default();
    };
    let nodes = emit::nodes(&collected, &scopes, &placement, problems);
    Program {
        nodes,
        sites,
        kind: Some(kind),
    }
}
