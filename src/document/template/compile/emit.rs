//! The last stage of compiling a part: the part's bytes walked once, untouched subtrees copied
//! as they stand, text around tags escaped, each tag put where the scope stage placed it, and
//! the flat stream nested into the [`super::Program`]'s tree of raw bytes, outputs and blocks.

use std::collections::{BTreeSet, HashMap, HashSet};

use super::super::dom::{Element, Node};
use super::super::tag::{BlockKind, Expr, Tag};
use super::super::{PartKind, Problem};
use super::collect::Found;
use super::scope::{Collected, Placement, Scopes};
use super::{PNode, TagSite, problem};
use crate::document::xml::escape_text_into;

/// Blocks whose empty output would leave Word's structure invalid, by the site of their
/// opening tag, and what they render instead: a cell needs a paragraph, a table needs a row.
struct Fillers<'a> {
    paragraph: &'a HashSet<usize>,
    row: &'a HashSet<usize>,
}

/// Emits the part: the tree of raw bytes, outputs and blocks of its program.
pub(super) fn nodes(
    c: &Collected<'_>,
    scopes: &Scopes,
    placement: &Placement,
    problems: &mut Vec<Problem>,
) -> Vec<PNode> {
    let Collected {
        part,
        src,
        kind,
        root,
        paras,
        found,
        sites,
        ..
    } = *c;
    let Placement {
        para_tags,
        replaced,
        before_el,
        after_el,
        silent,
    } = placement;
    // Pieces of each text node that holds or crosses a tag.
    let mut pieces: HashMap<usize, Vec<Piece>> = HashMap::new();
    for (pi, para) in paras.iter().enumerate() {
        if para_tags[pi].is_empty() {
            continue;
        }
        let tags = &para_tags[pi];
        for (si, &(node, offset)) in para.segments.iter().enumerate() {
            let end = para.segments.get(si + 1).map_or(para.joined.len(), |s| s.1);
            let mut list = Vec::new();
            let mut pos = offset;
            for &t in tags {
                let (ts, te) = (found[t].start, found[t].end);
                if te <= offset || ts >= end {
                    continue;
                }
                if ts >= pos {
                    list.push(Piece::Lit(para.joined[pos..ts].to_string()));
                    list.push(Piece::Tag(t));
                }
                pos = te.min(end).max(pos);
            }
            if pos == offset && list.is_empty() {
                continue;
            }
            list.push(Piece::Lit(para.joined[pos..end].to_string()));
            pieces.insert(node, list);
        }
    }

    let touched = pieces.keys().copied().collect();
    let emitter = Emitter {
        src,
        kind,
        found,
        replaced,
        before_el,
        after_el,
        silent,
        pieces: &pieces,
        touched,
    };
    let mut flat = Vec::new();
    for child in &root.children {
        emitter.emit_node(child, &mut flat);
    }
    let fillers = Fillers {
        paragraph: &scopes.needs_paragraph,
        row: &scopes.needs_row,
    };
    build_tree(flat, found, sites, &fillers, &mut |site, message, hint| {
        problems.push(problem(part, site, message, hint))
    })
}

enum Piece {
    Lit(String),
    Tag(usize),
}

/// A flat token stream before blocks are nested.
enum Flat {
    Raw(Vec<u8>),
    Tag(usize),
}

struct Emitter<'a> {
    src: &'a str,
    kind: PartKind,
    found: &'a [Found],
    replaced: &'a HashMap<usize, Vec<usize>>,
    before_el: &'a HashMap<usize, Vec<usize>>,
    after_el: &'a HashMap<usize, Vec<usize>>,
    silent: &'a HashSet<usize>,
    pieces: &'a HashMap<usize, Vec<Piece>>,
    touched: BTreeSet<usize>,
}

fn push_raw(out: &mut Vec<Flat>, bytes: &[u8]) {
    if bytes.is_empty() {
        return;
    }
    if let Some(Flat::Raw(prev)) = out.last_mut() {
        prev.extend_from_slice(bytes);
    } else {
        out.push(Flat::Raw(bytes.to_vec()));
    }
}

impl Emitter<'_> {
    fn emit_node(&self, node: &Node, out: &mut Vec<Flat>) {
        match node {
            Node::Element(e) => self.emit_element(e, out),
            Node::Text(t) => match self.pieces.get(&t.range.start) {
                Some(list) => {
                    for piece in list {
                        match piece {
                            Piece::Lit(s) => {
                                let mut buf = Vec::with_capacity(s.len());
                                escape_text_into(&mut buf, s);
                                push_raw(out, &buf);
                            }
                            Piece::Tag(t) if self.silent.contains(t) => {}
                            Piece::Tag(t) => out.push(Flat::Tag(*t)),
                        }
                    }
                }
                None => push_raw(out, self.src[t.range.clone()].as_bytes()),
            },
            Node::Other(r) => push_raw(out, self.src[r.clone()].as_bytes()),
        }
    }

    fn emit_element(&self, el: &Element, out: &mut Vec<Flat>) {
        let key = el.start.start;
        if let Some(tags) = self.replaced.get(&key) {
            out.extend(
                tags.iter()
                    .filter(|t| self.found[**t].tag.is_block_marker())
                    .map(|t| Flat::Tag(*t)),
            );
            return;
        }
        if let Some(tags) = self.before_el.get(&key) {
            out.extend(tags.iter().map(|t| Flat::Tag(*t)));
        }
        let outer = el.outer();
        // A subtree with no tag in it is copied as it stands. Text nodes that only continue a
        // tag started in an earlier run hold no '{', hence the second test.
        if !self.src[outer.clone()].contains('{')
            && self.touched.range(outer.clone()).next().is_none()
        {
            push_raw(out, self.src[outer].as_bytes());
        } else {
            let rewrites_text = self.kind == PartKind::Word
                && el.is("w:t")
                && el.children.iter().any(
                    |c| matches!(c, Node::Text(t) if self.pieces.contains_key(&t.range.start)),
                );
            if rewrites_text {
                // Values may hold spaces at either end; Word drops them unless told to keep them.
                push_raw(out, b"<w:t xml:space=\"preserve\">");
            } else {
                push_raw(out, self.src[el.start.clone()].as_bytes());
            }
            for child in &el.children {
                self.emit_node(child, out);
            }
            push_raw(out, self.src[el.end.clone()].as_bytes());
        }
        if let Some(tags) = self.after_el.get(&key) {
            out.extend(tags.iter().map(|t| Flat::Tag(*t)));
        }
    }
}

fn build_tree(
    flat: Vec<Flat>,
    found: &[Found],
    sites: &[TagSite],
    fillers: &Fillers<'_>,
    report: &mut dyn FnMut(&TagSite, String, String),
) -> Vec<PNode> {
    struct Frame {
        kind: BlockKind,
        expr: Expr,
        site: usize,
        body: Vec<PNode>,
        alt: Vec<PNode>,
        in_alt: bool,
    }
    let mut root: Vec<PNode> = Vec::new();
    let mut stack: Vec<Frame> = Vec::new();
    fn current<'a>(root: &'a mut Vec<PNode>, stack: &'a mut [Frame]) -> &'a mut Vec<PNode> {
        match stack.last_mut() {
            Some(f) if f.in_alt => &mut f.alt,
            Some(f) => &mut f.body,
            None => root,
        }
    }
    for token in flat {
        match token {
            Flat::Raw(bytes) => {
                let list = current(&mut root, &mut stack);
                if let Some(PNode::Raw(prev)) = list.last_mut() {
                    prev.extend_from_slice(&bytes);
                } else {
                    list.push(PNode::Raw(bytes));
                }
            }
            Flat::Tag(t) => {
                let f = &found[t];
                match &f.tag {
                    Tag::Output(expr) => current(&mut root, &mut stack).push(PNode::Output {
                        expr: expr.clone(),
                        site: f.site,
                    }),
                    Tag::Open(kind, expr) => stack.push(Frame {
                        kind: *kind,
                        expr: expr.clone(),
                        site: f.site,
                        body: Vec::new(),
                        alt: Vec::new(),
                        in_alt: false,
                    }),
                    Tag::Else => match stack.last_mut() {
                        Some(frame) => frame.in_alt = true,
                        None => report(
                            &sites[f.site],
                            "{{else}} stands outside any block".into(),
                            "move it between the block's tags".into(),
                        ),
                    },
                    Tag::Close(kind) => match stack.pop() {
                        Some(frame) if frame.kind == *kind => {
                            let mut alt = frame.alt;
                            if alt.is_empty() && fillers.paragraph.contains(&frame.site) {
                                alt.push(PNode::Raw(b"<w:p/>".to_vec()));
                            }
                            if alt.is_empty() && fillers.row.contains(&frame.site) {
                                alt.push(PNode::Raw(b"<w:tr><w:tc><w:p/></w:tc></w:tr>".to_vec()));
                            }
                            let node = PNode::Block {
                                kind: frame.kind,
                                expr: frame.expr,
                                site: frame.site,
                                body: frame.body,
                                alt,
                            };
                            current(&mut root, &mut stack).push(node);
                        }
                        _ => {
                            report(
                                &sites[f.site],
                                "this block overlaps another block instead of nesting inside it".into(),
                                "make sure an inner block closes before the block around it, at the same level (paragraph, row)".into(),
                            );
                            return Vec::new();
                        }
                    },
                    Tag::Comment => {}
                }
            }
        }
    }
    if let Some(frame) = stack.last() {
        report(
            &sites[frame.site],
            "this block overlaps another block instead of nesting inside it".into(),
            "make sure an inner block closes before the block around it".into(),
        );
    }
    root
}
