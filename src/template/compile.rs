//! Compiles one XML part of a template into a [`Program`]: tags found across Word's runs,
//! block scopes moved to paragraph or table-row boundaries, everything else kept as raw bytes.
//!
//! Works on in-memory text only. It decides where each block tag's content starts and ends, so
//! that rendering is a plain walk that can never produce unbalanced XML.

use std::collections::{BTreeSet, HashMap, HashSet};

use super::dom::{self, Element, Node};
use super::tag::{BlockKind, Expr, Tag, parse_tag};
use super::{PartKind, Problem};
use crate::xml::escape_text_into;

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

/// A paragraph (or, in property parts, one text node) and the text a person typed in it.
struct Para {
    /// Start offset of the paragraph element: its identity.
    start: usize,
    /// Start offset of the parent element: paragraphs with the same parent are siblings.
    parent: usize,
    row: Option<usize>,
    cell: Option<usize>,
    table: Option<usize>,
    location: String,
    joined: String,
    /// Text nodes that make up `joined`: (text node start offset, offset in `joined`).
    segments: Vec<(usize, usize)>,
}

/// One tag found in a paragraph.
struct Found {
    para: usize,
    start: usize,
    end: usize,
    tag: Tag,
    site: usize,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Scope {
    Inline,
    Paragraphs,
    Row,
    Rows,
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

/// Finds `{{ … }}` spans in `text`. Errors carry the offending offset, message and hint.
/// A fault found while scanning text for tags: byte span, message, hint.
type ScanFault = (usize, usize, String, String);

fn scan_tags(text: &str) -> (Vec<(usize, usize)>, Vec<ScanFault>) {
    let mut spans = Vec::new();
    let mut errors = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let open = text[i..].find("{{").map(|o| o + i);
        let stray = text[i..].find("}}").map(|o| o + i);
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
                    let end = text[o..].find("}}}").map_or(text.len(), |e| o + e + 3);
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
                let close = text[o + 2..].find("}}").map(|c| c + o + 2);
                let next_open = text[o + 2..].find("{{").map(|n| n + o + 2);
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
    let mut collector = Collector {
        src,
        kind,
        paras: Vec::new(),
        tables: 0,
        loose_paras: 0,
        ctx: Vec::new(),
    };
    collector.visit(&root);
    let mut paras = collector.paras;
    let by_start: HashMap<usize, usize> = paras
        .iter()
        .enumerate()
        .map(|(i, p)| (p.start, i))
        .collect();
    if kind == PartKind::Word {
        assign_parents(&root, &by_start, &mut paras);
    }

    let problem = |site: &TagSite, message: String, hint: String| Problem {
        part: part.to_string(),
        location: site.location.clone(),
        tag: site.tag.clone(),
        context: site.context.clone(),
        message,
        hint,
    };

    // Find and parse every tag.
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
            problems.push(problem(&site, message, hint));
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
                Err((message, hint)) => problems.push(problem(&site, message, hint)),
            }
        }
    }
    if problems.len() > before {
        return Program::default();
    }

    // Pair block tags in document order: (open, else, close) indexes into `found`.
    let mut pairs: Vec<(usize, Option<usize>, usize)> = Vec::new();
    let mut stack: Vec<(usize, Option<usize>)> = Vec::new();
    for (i, f) in found.iter().enumerate() {
        let site = &sites[f.site];
        match &f.tag {
            Tag::Open(..) => stack.push((i, None)),
            Tag::Else => match stack.last_mut() {
                Some((_, els @ None)) => *els = Some(i),
                Some((_, Some(_))) => problems.push(problem(
                    site,
                    "this block already has an {{else}}".into(),
                    "remove one of the {{else}} tags".into(),
                )),
                None => problems.push(problem(
                    site,
                    "{{else}} stands outside any block".into(),
                    "put it between {{#if …}} and {{/if}}".into(),
                )),
            },
            Tag::Close(kind) => match stack.pop() {
                Some((open, els)) => {
                    let Tag::Open(open_kind, _) = &found[open].tag else {
                        continue;
                    };
                    if open_kind != kind {
                        problems.push(problem(
                            site,
                            format!(
                                "{{{{/{}}}}} closes {} opened as {{{{#{}}}}}",
                                kind.name(),
                                sites[found[open].site].tag,
                                open_kind.name()
                            ),
                            format!("close it with {{{{/{}}}}}", open_kind.name()),
                        ));
                    }
                    pairs.push((open, els, i));
                }
                None => problems.push(problem(
                    site,
                    format!("{{{{/{}}}}} has no opening tag before it", kind.name()),
                    format!("add {{{{#{} …}}}} before it, or delete it", kind.name()),
                )),
            },
            _ => {}
        }
    }
    for (open, _) in stack {
        let f = &found[open];
        let Tag::Open(kind, _) = &f.tag else { continue };
        problems.push(problem(
            &sites[f.site],
            "this block is never closed".into(),
            format!("add {{{{/{}}}}} where the block should end", kind.name()),
        ));
    }
    if problems.len() > before {
        return Program::default();
    }

    // Decide each block's scope from where its tags stand.
    let mut scope_of: HashMap<usize, Scope> = HashMap::new();
    let mut needs_paragraph: HashSet<usize> = HashSet::new();
    let mut needs_row: HashSet<usize> = HashSet::new();
    for &(open, els, close) in &pairs {
        let (po, pc) = (&paras[found[open].para], &paras[found[close].para]);
        let pe = els.map(|e| &paras[found[e].para]);
        let site = &sites[found[open].site];
        let scope = if found[open].para == found[close].para {
            if pe.is_some_and(|p| p.start != po.start) {
                problems.push(problem(
                    &sites[found[els.unwrap_or(open)].site],
                    "this {{else}} is in another paragraph than its block".into(),
                    "move it into the paragraph that holds the block".into(),
                ));
                continue;
            }
            Scope::Inline
        } else if po.parent == pc.parent && (kind == PartKind::Properties || po.cell == pc.cell) {
            if kind == PartKind::Properties {
                problems.push(problem(
                    site,
                    "a block in a document property must open and close in the same property"
                        .into(),
                    "keep the whole block inside one property".into(),
                ));
                continue;
            }
            if pe.is_some_and(|p| p.parent != po.parent) {
                problems.push(problem(
                    site,
                    "its {{else}} is not beside the block's paragraphs".into(),
                    "put {{else}} on a paragraph of its own between the block's tags".into(),
                ));
                continue;
            }
            // Word needs a paragraph at the end of every table cell: a block that ends its cell
            // gets an empty paragraph for when it renders nothing.
            if let Some(cell) = po.cell
                && let Some(cell_el) = find_element(&root, cell)
            {
                let after_close = cell_el
                    .children
                    .iter()
                    .skip_while(|c| !matches!(c, Node::Element(e) if e.start.start == pc.start))
                    .skip(1);
                let ends_cell = !after_close
                    .clone()
                    .any(|c| matches!(c, Node::Element(e) if e.is("w:p")));
                if ends_cell {
                    needs_paragraph.insert(found[open].site);
                }
            }
            Scope::Paragraphs
        } else if po.row.is_some() && po.row == pc.row {
            if po.cell == pc.cell {
                problems.push(problem(site, "the block opens and closes in different paragraph levels of one cell".into(), "put its tags on paragraphs of their own next to each other, or in different cells of the row to repeat the row".into()));
                continue;
            }
            if let Some(e) = els {
                problems.push(problem(&sites[found[e].site], "{{else}} cannot stand inside a block that repeats one table row".into(), "put the block's tags in rows of their own, with {{else}} in a row between them".into()));
                continue;
            }
            if table_has_only_rows(&root, po.table, po.row, pc.row) {
                needs_row.insert(found[open].site);
            }
            Scope::Row
        } else if po.table.is_some() && po.table == pc.table && po.row != pc.row {
            if pe.is_some_and(|p| p.table != po.table) {
                problems.push(problem(
                    site,
                    "its {{else}} is outside the block's table".into(),
                    "put {{else}} in a row of its own between the block's rows".into(),
                ));
                continue;
            }
            if table_has_only_rows(&root, po.table, po.row, pc.row) {
                needs_row.insert(found[open].site);
            }
            Scope::Rows
        } else {
            problems.push(problem(
                site,
                format!("the block's closing tag {} is in a different part of the document", sites[found[close].site].tag),
                "put both tags in one paragraph, on paragraphs of their own next to each other, or in the same table row or table".into(),
            ));
            continue;
        };
        for i in [Some(open), els, Some(close)].into_iter().flatten() {
            scope_of.insert(i, scope);
        }
    }
    if problems.len() > before {
        return Program::default();
    }

    // Whether a paragraph holds nothing but tags that move out of it (so it vanishes), and the
    // same for table rows.
    let mut para_tags: Vec<Vec<usize>> = vec![Vec::new(); paras.len()];
    for (i, f) in found.iter().enumerate() {
        para_tags[f.para].push(i);
    }
    let blank_outside_tags = |pi: usize| {
        let joined = &paras[pi].joined;
        let mut last = 0;
        let mut blank = true;
        for &t in &para_tags[pi] {
            blank &= joined[last..found[t].start].trim().is_empty();
            last = found[t].end;
        }
        blank && joined[last..].trim().is_empty()
    };
    let moves_out = |t: usize, scopes: &[Scope]| {
        matches!(found[t].tag, Tag::Comment) || scope_of.get(&t).is_some_and(|s| scopes.contains(s))
    };

    let mut replaced: HashMap<usize, Vec<usize>> = HashMap::new();
    let mut before_el: HashMap<usize, Vec<usize>> = HashMap::new();
    let mut after_el: HashMap<usize, Vec<usize>> = HashMap::new();
    let mut silent: HashSet<usize> = HashSet::new();

    for (pi, tags) in para_tags.iter().enumerate() {
        if tags
            .iter()
            .any(|&t| scope_of.get(&t) == Some(&Scope::Paragraphs))
        {
            let ok =
                blank_outside_tags(pi) && tags.iter().all(|&t| moves_out(t, &[Scope::Paragraphs]));
            if !ok {
                let t = tags
                    .iter()
                    .copied()
                    .find(|&t| scope_of.get(&t) == Some(&Scope::Paragraphs))
                    .unwrap_or(tags[0]);
                problems.push(problem(
                    &sites[found[t].site],
                    "this block tag shares its paragraph with other text or tags".into(),
                    "put each block tag on a paragraph of its own to repeat the paragraphs between, or put the opening and closing tags in one paragraph to repeat text inside it".into(),
                ));
                continue;
            }
            replaced.insert(paras[pi].start, tags.clone());
            silent.extend(tags.iter().copied());
        }
    }

    // Rows: a row whose paragraphs hold only tags of multi-row blocks (or comments) vanishes.
    let mut row_paras: HashMap<usize, Vec<usize>> = HashMap::new();
    for (pi, p) in paras.iter().enumerate() {
        if let Some(r) = p.row {
            row_paras.entry(r).or_default().push(pi);
        }
    }
    let row_is_marker_only = |row: usize| {
        let ps = &row_paras[&row];
        let tags: Vec<usize> = ps
            .iter()
            .flat_map(|&p| para_tags[p].iter().copied())
            .collect();
        !tags.is_empty()
            && tags.iter().all(|&t| moves_out(t, &[Scope::Rows]))
            && ps.iter().all(|&p| blank_outside_tags(p))
            && row_text_is_only_tags(&root, row, &paras)
    };
    for &(open, els, close) in &pairs {
        match scope_of.get(&open) {
            Some(Scope::Row) => {
                let row = paras[found[open].para].row.unwrap_or_default();
                before_el.entry(row).or_default().push(open);
                after_el.entry(row).or_default().push(close);
                silent.extend([open, close]);
            }
            Some(Scope::Rows) => {
                for (t, place) in [(Some(open), 0), (els, 1), (Some(close), 2)] {
                    let Some(t) = t else { continue };
                    let row = paras[found[t].para].row.unwrap_or_default();
                    if row_is_marker_only(row) {
                        replaced.entry(row).or_default().push(t);
                    } else if place == 0 {
                        before_el.entry(row).or_default().push(t);
                    } else if place == 2 {
                        after_el.entry(row).or_default().push(t);
                    } else {
                        problems.push(problem(
                            &sites[found[t].site],
                            "{{else}} in a table must be in a row of its own".into(),
                            "put {{else}} alone in a row between the block's rows".into(),
                        ));
                    }
                    silent.insert(t);
                }
            }
            _ => {}
        }
    }
    for (i, f) in found.iter().enumerate() {
        if matches!(f.tag, Tag::Comment) {
            silent.insert(i);
        }
    }
    for list in replaced
        .values_mut()
        .chain(before_el.values_mut())
        .chain(after_el.values_mut())
    {
        list.sort_unstable();
        list.dedup();
    }
    if problems.len() > before {
        return Program::default();
    }

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
        found: &found,
        replaced: &replaced,
        before_el: &before_el,
        after_el: &after_el,
        silent: &silent,
        pieces: &pieces,
        touched,
    };
    let mut flat = Vec::new();
    for child in &root.children {
        emitter.emit_node(child, &mut flat);
    }
    let fillers = Fillers {
        paragraph: &needs_paragraph,
        row: &needs_row,
    };
    let nodes = build_tree(
        flat,
        &found,
        &sites,
        &fillers,
        &mut |site, message, hint| problems.push(problem(site, message, hint)),
    );
    Program {
        nodes,
        sites,
        kind: Some(kind),
    }
}

/// Whether a row's cells hold no text other than in the paragraphs we collected (which are
/// the only ones with tags); used so that a row with untagged text is never dropped.
/// Blocks whose empty output would leave Word's structure invalid, by the site of their
/// opening tag, and what they render instead: a cell needs a paragraph, a table needs a row.
struct Fillers<'a> {
    paragraph: &'a HashSet<usize>,
    row: &'a HashSet<usize>,
}

/// Whether every row of a table lies between `first` and `last` (inclusive), so that a block
/// over those rows that renders nothing would leave a table with no row at all.
fn table_has_only_rows(
    root: &Element,
    table: Option<usize>,
    first: Option<usize>,
    last: Option<usize>,
) -> bool {
    let (Some(table), Some(first), Some(last)) = (table, first, last) else {
        return false;
    };
    let Some(tbl) = find_element(root, table) else {
        return false;
    };
    tbl.children
        .iter()
        .filter_map(|c| match c {
            Node::Element(e) if e.is("w:tr") => Some(e.start.start),
            _ => None,
        })
        .all(|row| row >= first && row <= last)
}

/// The element that starts at byte `start`.
fn find_element(el: &Element, start: usize) -> Option<&Element> {
    if el.start.start == start && !el.name.is_empty() {
        return Some(el);
    }
    el.children.iter().find_map(|c| match c {
        Node::Element(e) if e.start.start <= start && start < e.outer().end.max(e.start.end) => {
            find_element(e, start)
        }
        _ => None,
    })
}

fn row_text_is_only_tags(root: &Element, row: usize, paras: &[Para]) -> bool {
    fn has_untagged_text(el: &Element, tagged: &HashSet<usize>, in_text: bool) -> bool {
        if el.is("w:p") && tagged.contains(&el.start.start) {
            return false;
        }
        el.children.iter().any(|c| match c {
            Node::Element(e) => has_untagged_text(e, tagged, e.is("w:t")),
            Node::Text(t) => in_text && !t.value.trim().is_empty(),
            Node::Other(_) => false,
        })
    }
    let tagged: HashSet<usize> = paras
        .iter()
        .filter(|p| p.row == Some(row))
        .map(|p| p.start)
        .collect();
    find_element(root, row).is_some_and(|el| !has_untagged_text(el, &tagged, false))
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
