//! The first stage of compiling a part: the paragraphs a person typed (their text joined across
//! Word's runs, with where each piece came from and where the paragraph stands: table, row,
//! cell), and every `{{ … }}` tag in them, parsed. Decides nothing about block scopes.

use std::collections::HashMap;

use super::super::dom::{Element, Node};
use super::super::tag::{Tag, parse_tag};
use super::super::{PartKind, Problem};
use super::{TagSite, problem};

/// A paragraph (or, in property parts, one text node) and the text a person typed in it.
pub(super) struct Para {
    /// Start offset of the paragraph element: its identity.
    pub(super) start: usize,
    /// Start offset of the parent element: paragraphs with the same parent are siblings.
    pub(super) parent: usize,
    pub(super) row: Option<usize>,
    pub(super) cell: Option<usize>,
    pub(super) table: Option<usize>,
    pub(super) location: String,
    pub(super) joined: String,
    /// Text nodes that make up `joined`: (text node start offset, offset in `joined`).
    pub(super) segments: Vec<(usize, usize)>,
}

/// One tag found in a paragraph.
pub(super) struct Found {
    pub(super) para: usize,
    pub(super) start: usize,
    pub(super) end: usize,
    pub(super) tag: Tag,
    pub(super) site: usize,
}

struct TableCtx {
    number: usize,
    start: usize,
    row: usize,
    row_start: usize,
    cell: usize,
    cell_start: usize,
    para: usize,
}

struct Collector<'a> {
    src: &'a str,
    kind: PartKind,
    paras: Vec<Para>,
    tables: usize,
    loose_paras: usize,
    ctx: Vec<TableCtx>,
}

impl Collector<'_> {
    fn visit(&mut self, el: &Element) {
        let text = &self.src[el.outer()];
        if !text.contains('{') && !text.contains("}}") && self.kind == PartKind::Word {
            // Still count tables and paragraphs so that locations match what a person sees.
            self.count_only(el);
            return;
        }
        match (self.kind, el.name.as_str()) {
            (PartKind::Word, "w:tbl") => {
                self.tables += 1;
                self.ctx.push(TableCtx {
                    number: self.tables,
                    start: el.start.start,
                    row: 0,
                    row_start: 0,
                    cell: 0,
                    cell_start: 0,
                    para: 0,
                });
                self.visit_children(el);
                self.ctx.pop();
            }
            (PartKind::Word, "w:tr") => {
                if let Some(t) = self.ctx.last_mut() {
                    t.row += 1;
                    t.cell = 0;
                    t.row_start = el.start.start;
                }
                self.visit_children(el);
            }
            (PartKind::Word, "w:tc") => {
                if let Some(t) = self.ctx.last_mut() {
                    t.cell += 1;
                    t.para = 0;
                    t.cell_start = el.start.start;
                }
                self.visit_children(el);
            }
            (PartKind::Word, "w:p") => {
                let location = self.next_location();
                let mut para = Para {
                    start: el.start.start,
                    parent: 0,
                    row: self.ctx.last().map(|t| t.row_start),
                    cell: self.ctx.last().map(|t| t.cell_start),
                    table: self.ctx.last().map(|t| t.start),
                    location,
                    joined: String::new(),
                    segments: Vec::new(),
                };
                let mut nested = Vec::new();
                collect_runs_text(el, false, &mut para, &mut nested);
                self.paras.push(para);
                for inner in nested {
                    self.visit(inner);
                }
            }
            (PartKind::Properties, _) => {
                for child in &el.children {
                    match child {
                        Node::Element(e) => self.visit(e),
                        Node::Text(t) if t.value.contains('{') => self.paras.push(Para {
                            start: t.range.start,
                            parent: el.start.start,
                            row: None,
                            cell: None,
                            table: None,
                            location: format!("property {}", el.name),
                            joined: t.value.clone(),
                            segments: vec![(t.range.start, 0)],
                        }),
                        _ => {}
                    }
                }
            }
            _ => self.visit_children(el),
        }
    }

    fn visit_children(&mut self, el: &Element) {
        for child in &el.children {
            if let Node::Element(e) = child {
                self.visit(e);
            }
        }
    }

    /// Advances the counters for a subtree that holds no tags.
    fn count_only(&mut self, el: &Element) {
        match el.name.as_str() {
            "w:p" => {
                let _ = self.next_location_counters();
            }
            "w:tbl" => self.tables += 1,
            "w:tr" => {
                if let Some(t) = self.ctx.last_mut() {
                    t.row += 1;
                    t.cell = 0;
                }
            }
            "w:tc" => {
                if let Some(t) = self.ctx.last_mut() {
                    t.cell += 1;
                    t.para = 0;
                }
            }
            _ => self.visit_children_count(el),
        }
    }

    fn visit_children_count(&mut self, el: &Element) {
        for child in &el.children {
            if let Node::Element(e) = child {
                self.count_only(e);
            }
        }
    }

    fn next_location_counters(&mut self) -> Option<(usize, usize, usize, usize)> {
        match self.ctx.last_mut() {
            Some(t) => {
                t.para += 1;
                Some((t.number, t.row, t.cell, t.para))
            }
            None => {
                self.loose_paras += 1;
                None
            }
        }
    }

    fn next_location(&mut self) -> String {
        match self.next_location_counters() {
            Some((table, row, cell, para)) => {
                format!("table {table}, row {row}, cell {cell}, paragraph {para}")
            }
            None => format!("paragraph {}", self.loose_paras),
        }
    }
}

/// Joins the text of `w:t` elements under a paragraph, in order, skipping nested paragraphs
/// (text boxes), which are paragraphs of their own.
fn collect_runs_text<'e>(
    el: &'e Element,
    in_text: bool,
    para: &mut Para,
    nested: &mut Vec<&'e Element>,
) {
    for child in &el.children {
        match child {
            Node::Element(e) if e.is("w:p") => nested.push(e),
            Node::Element(e) => collect_runs_text(e, e.is("w:t"), para, nested),
            Node::Text(t) if in_text => {
                para.segments.push((t.range.start, para.joined.len()));
                para.joined.push_str(&t.value);
            }
            _ => {}
        }
    }
}

/// Sets every paragraph's parent: the element that directly contains it.
fn assign_parents(el: &Element, paras_by_start: &HashMap<usize, usize>, paras: &mut [Para]) {
    for child in &el.children {
        if let Node::Element(e) = child {
            if let Some(&i) = paras_by_start.get(&e.start.start) {
                paras[i].parent = el.start.start;
            }
            assign_parents(e, paras_by_start, paras);
        }
    }
}

fn context_around(joined: &str, start: usize, end: usize) -> String {
    const AROUND: usize = 30;
    let mut from = start.saturating_sub(AROUND);
    while !joined.is_char_boundary(from) {
        from -= 1;
    }
    let mut to = (end + AROUND).min(joined.len());
    while !joined.is_char_boundary(to) {
        to += 1;
    }
    format!(
        "{}{}{}",
        if from > 0 { "…" } else { "" },
        &joined[from..to],
        if to < joined.len() { "…" } else { "" }
    )
}

/// Collects the paragraphs of a parsed part, each with its parent set (Word parts).
pub(super) fn paragraphs(src: &str, kind: PartKind, root: &Element) -> Vec<Para> {
    let mut collector = Collector {
        src,
        kind,
        paras: Vec::new(),
        tables: 0,
        loose_paras: 0,
        ctx: Vec::new(),
    };
    collector.visit(root);
    let mut paras = collector.paras;
    let by_start: HashMap<usize, usize> = paras
        .iter()
        .enumerate()
        .map(|(i, p)| (p.start, i))
        .collect();
    if kind == PartKind::Word {
        assign_parents(root, &by_start, &mut paras);
    }
    paras
}

/// Finds and parses every tag of every paragraph. Every fault is reported; `None` when there
/// was one.
pub(super) fn tags(
    part: &str,
    paras: &[Para],
    problems: &mut Vec<Problem>,
) -> Option<(Vec<TagSite>, Vec<Found>)> {
    let mut sites = Vec::new();
    let mut found: Vec<Found> = Vec::new();
    let before = problems.len();
    for (pi, para) in paras.iter().enumerate() {
        let (spans, errors) = scan_tags(&para.joined);
        for (s, e, message, hint) in errors {
            let site = TagSite {
                tag: para.joined[s..e].to_string(),
                location: para.location.clone(),
                context: context_around(&para.joined, s, e),
            };
            problems.push(problem(part, &site, message, hint));
        }
        for (s, e) in spans {
            let site = TagSite {
                tag: para.joined[s..e].to_string(),
                location: para.location.clone(),
                context: context_around(&para.joined, s, e),
            };
            match parse_tag(&para.joined[s + 2..e - 2]) {
                Ok(tag) => {
                    sites.push(site);
                    found.push(Found {
                        para: pi,
                        start: s,
                        end: e,
                        tag,
                        site: sites.len() - 1,
                    });
                }
                Err((message, hint)) => problems.push(problem(part, &site, message, hint)),
            }
        }
    }
    (problems.len() == before).then_some((sites, found))
}

/// A fault found while scanning text for tags: byte span, message, hint.
type ScanFault = (usize, usize, String, String);

/// Finds `{{ … }}` spans in `text`. Errors carry the offending offset, message and hint.
/// Linear in the text: the next `{{` and the next `}}` are each searched for once and
/// remembered until passed, so text made of thousands of stray braces costs no more than prose.
fn scan_tags(text: &str) -> (Vec<(usize, usize)>, Vec<ScanFault>) {
    // The next occurrence of `pat` at or after `from`, remembered in `cache`.
    fn next(
        text: &str,
        pat: &str,
        from: usize,
        cache: &mut Option<Option<usize>>,
    ) -> Option<usize> {
        if let Some(Some(at)) = *cache
            && at >= from
        {
            return Some(at);
        }
        if let Some(None) = *cache {
            return None;
        }
        let found = text.get(from..).and_then(|t| t.find(pat)).map(|o| o + from);
        *cache = Some(found);
        found
    }
    let mut spans = Vec::new();
    let mut errors = Vec::new();
    let (mut open_cache, mut close_cache, mut triple_cache) = (None, None, None);
    let mut i = 0;
    while i < text.len() {
        let open = next(text, "{{", i, &mut open_cache);
        let stray = next(text, "}}", i, &mut close_cache);
        match (open, stray) {
            (_, Some(c)) if open.is_none_or(|o| c < o) => {
                errors.push((
                    c,
                    c + 2,
                    "'}}' closes no tag".into(),
                    "delete it, or add the missing '{{' before it".into(),
                ));
                i = c + 2;
            }
            (Some(o), _) => {
                if text[o + 2..].starts_with('{') {
                    let end = next(text, "}}}", o, &mut triple_cache).map_or(text.len(), |e| e + 3);
                    errors.push((
                        o,
                        end,
                        "triple braces {{{ }}} would insert unescaped text and are not allowed"
                            .into(),
                        "use two braces: {{field}}".into(),
                    ));
                    i = end;
                    continue;
                }
                let close = next(text, "}}", o + 2, &mut close_cache);
                let next_open = next(text, "{{", o + 2, &mut open_cache);
                match close {
                    Some(c) if next_open.is_none_or(|n| c < n) => {
                        spans.push((o, c + 2));
                        i = c + 2;
                    }
                    _ => {
                        let end = next_open.unwrap_or(text.len());
                        errors.push((
                            o,
                            end,
                            "this tag is not closed".into(),
                            "add '}}' at the end of the tag".into(),
                        ));
                        i = end;
                    }
                }
            }
            (None, _) => break,
        }
    }
    (spans, errors)
}
