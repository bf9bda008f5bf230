//! The second stage of compiling a part: block tags paired in document order, each block's
//! scope decided from where its tags stand (inside one paragraph, over whole paragraphs, over
//! the cells of one table row, or over whole rows), and where each tag goes: which paragraphs
//! and rows vanish because they hold only tags, and which tags move before or after an element.
//! Every misplaced tag is reported with its place and a fix. Emits nothing.

use std::collections::{HashMap, HashSet};

use super::super::dom::{Element, Node};
use super::super::tag::Tag;
use super::super::{PartKind, Problem};
use super::collect::{Found, Para};
use super::{TagSite, problem};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Scope {
    Inline,
    Paragraphs,
    Row,
    Rows,
}

/// A block: its opening tag, its `{{else}}` if any, and its closing tag (indexes of found tags).
pub(super) type Pair = (usize, Option<usize>, usize);

/// Each block's scope, and the blocks whose empty output needs a filler.
pub(super) struct Scopes {
    pub(super) scope_of: HashMap<usize, Scope>,
    pub(super) needs_paragraph: HashSet<usize>,
    pub(super) needs_row: HashSet<usize>,
}

/// Where each tag goes when the part is emitted, by the start offset of the element concerned.
pub(super) struct Placement {
    /// The tags of each paragraph, by paragraph.
    pub(super) para_tags: Vec<Vec<usize>>,
    /// Elements that vanish, replaced by their block tags.
    pub(super) replaced: HashMap<usize, Vec<usize>>,
    /// Tags that move before an element.
    pub(super) before_el: HashMap<usize, Vec<usize>>,
    /// Tags that move after an element.
    pub(super) after_el: HashMap<usize, Vec<usize>>,
    /// Tags that leave no text where they stood.
    pub(super) silent: HashSet<usize>,
}

/// How deep blocks may nest inside one another.
pub(super) const MAX_BLOCK_DEPTH: usize = 64;

/// Pairs block tags in document order. Every fault is reported; `None` when there was one.
pub(super) fn pair_blocks(
    part: &str,
    found: &[Found],
    sites: &[TagSite],
    problems: &mut Vec<Problem>,
) -> Option<Vec<Pair>> {
    let before = problems.len();
    let mut pairs: Vec<(usize, Option<usize>, usize)> = Vec::new();
    let mut stack: Vec<(usize, Option<usize>)> = Vec::new();
    for (i, f) in found.iter().enumerate() {
        let site = &sites[f.site];
        match &f.tag {
            Tag::Open(..) if stack.len() >= MAX_BLOCK_DEPTH => {
                problems.push(problem(
                    part,
                    site,
                    format!("blocks nest more than {MAX_BLOCK_DEPTH} deep"),
                    "close some blocks before opening more inside them".into(),
                ));
                return None;
            }
            Tag::Open(..) => stack.push((i, None)),
            Tag::Else => match stack.last_mut() {
                Some((_, els @ None)) => *els = Some(i),
                Some((_, Some(_))) => problems.push(problem(
                    part,
                    site,
                    "this block already has an {{else}}".into(),
                    "remove one of the {{else}} tags".into(),
                )),
                None => problems.push(problem(
                    part,
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
                            part,
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
                    part,
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
            part,
            &sites[f.site],
            "this block is never closed".into(),
            format!("add {{{{/{}}}}} where the block should end", kind.name()),
        ));
    }
    (problems.len() == before).then_some(pairs)
}

/// A part as the collect stage leaves it: what the later stages read.
#[derive(Clone, Copy)]
pub(super) struct Collected<'a> {
    pub(super) part: &'a str,
    pub(super) src: &'a str,
    pub(super) kind: PartKind,
    pub(super) root: &'a Element,
    pub(super) elements: &'a Elements<'a>,
    pub(super) paras: &'a [Para],
    pub(super) found: &'a [Found],
    pub(super) sites: &'a [TagSite],
}

/// Decides each block's scope from where its tags stand.
// Why this is long: one pass over a template's tags with a stack of open blocks; the cases
// (paragraph, table row, cell, across cells) share that stack, so splitting them would pass it
// through every part.
pub(super) fn decide_scopes(
    c: &Collected<'_>,
    pairs: &[Pair],
    problems: &mut Vec<Problem>,
) -> Option<Scopes> {
    let Collected {
        part,
        kind,
        elements,
        paras,
        found,
        sites,
        ..
    } = *c;
    let before = problems.len();
    let mut scope_of: HashMap<usize, Scope> = HashMap::new();
    let mut needs_paragraph: HashSet<usize> = HashSet::new();
    let mut needs_row: HashSet<usize> = HashSet::new();
    for &(open, els, close) in pairs {
        let (po, pc) = (&paras[found[open].para], &paras[found[close].para]);
        let pe = els.map(|e| &paras[found[e].para]);
        let site = &sites[found[open].site];
        let scope = if found[open].para == found[close].para {
            if pe.is_some_and(|p| p.start != po.start) {
                problems.push(problem(
                    part,
                    &sites[found[els.unwrap_or(open)].site],
                    "this {{else}} is in another paragraph than its block".into(),
                    "move it into the paragraph that holds the block".into(),
                ));
                continue;
            }
            // Repeating part of a paragraph is only sound between runs of one container: a
            // block opened inside a hyperlink (or a tracked change, a field) and closed outside
            // it would repeat half of that element.
            let container = |tag: usize| {
                let f = &found[tag];
                let para = &paras[f.para];
                let at = |pos: usize| {
                    para.segments
                        .iter()
                        .rev()
                        .find(|(_, offset)| *offset <= pos)
                        .map(|(node, _)| *node)
                };
                // The text nodes just inside the tag's braces: where the block's body starts
                // (after an opening tag) or ends (before a closing tag).
                let pos = if tag == close {
                    f.start
                } else {
                    f.end.saturating_sub(1)
                };
                at(pos).and_then(|node| elements.run_container(node))
            };
            let mut tags = vec![open, close];
            tags.extend(els);
            let containers: Vec<Option<usize>> = tags.iter().map(|&t| container(t)).collect();
            if containers.iter().any(|c| *c != containers[0]) {
                problems.push(problem(
                    part,
                    site,
                    "this block starts and ends in different parts of the paragraph (one inside a hyperlink, a tracked change or a field, the other outside it)".into(),
                    "put the block's tags both inside the hyperlink (or other element), or both outside it".into(),
                ));
                continue;
            }
            Scope::Inline
        } else if po.parent == pc.parent && (kind == PartKind::Properties || po.cell == pc.cell) {
            if kind == PartKind::Properties {
                problems.push(problem(
                    part,
                    site,
                    "a block in a document property must open and close in the same property"
                        .into(),
                    "keep the whole block inside one property".into(),
                ));
                continue;
            }
            if pe.is_some_and(|p| p.parent != po.parent) {
                problems.push(problem(
                    part,
                    site,
                    "its {{else}} is not beside the block's paragraphs".into(),
                    "put {{else}} on a paragraph of its own between the block's tags".into(),
                ));
                continue;
            }
            // Word needs a paragraph at the end of every table cell: a block that ends its cell
            // gets an empty paragraph for when it renders nothing.
            if let Some(cell) = po.cell
                && let Some(cell_el) = elements.get(cell)
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
                problems.push(problem(part, site, "the block opens and closes in different paragraph levels of one cell".into(), "put its tags on paragraphs of their own next to each other, or in different cells of the row to repeat the row".into()));
                continue;
            }
            if let Some(e) = els {
                problems.push(problem(part, &sites[found[e].site], "{{else}} cannot stand inside a block that repeats one table row".into(), "put the block's tags in rows of their own, with {{else}} in a row between them".into()));
                continue;
            }
            if elements.table_has_only_rows(po.table, po.row, pc.row) {
                needs_row.insert(found[open].site);
            }
            Scope::Row
        } else if po.table.is_some() && po.table == pc.table && po.row != pc.row {
            if pe.is_some_and(|p| p.table != po.table) {
                problems.push(problem(
                    part,
                    site,
                    "its {{else}} is outside the block's table".into(),
                    "put {{else}} in a row of its own between the block's rows".into(),
                ));
                continue;
            }
            if elements.table_has_only_rows(po.table, po.row, pc.row) {
                needs_row.insert(found[open].site);
            }
            Scope::Rows
        } else {
            problems.push(problem(
                part,
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
    (problems.len() == before).then_some(Scopes {
        scope_of,
        needs_paragraph,
        needs_row,
    })
}

/// Decides where each tag goes: paragraphs and rows that hold only tags vanish, and tags of
/// blocks over rows move before or after their rows.
// Why this is long: one pass that moves or removes each tag's runs with the positions of every
// other tag in view; its cases share those positions.
pub(super) fn place_tags(
    c: &Collected<'_>,
    pairs: &[Pair],
    scopes: &Scopes,
    problems: &mut Vec<Problem>,
) -> Option<Placement> {
    let Collected {
        part,
        elements,
        paras,
        found,
        sites,
        ..
    } = *c;
    let before = problems.len();
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
    let moves_out = |t: usize, allowed: &[Scope]| {
        matches!(found[t].tag, Tag::Comment)
            || scopes.scope_of.get(&t).is_some_and(|s| allowed.contains(s))
    };

    let mut replaced: HashMap<usize, Vec<usize>> = HashMap::new();
    let mut before_el: HashMap<usize, Vec<usize>> = HashMap::new();
    let mut after_el: HashMap<usize, Vec<usize>> = HashMap::new();
    let mut silent: HashSet<usize> = HashSet::new();

    for (pi, tags) in para_tags.iter().enumerate() {
        if tags
            .iter()
            .any(|&t| scopes.scope_of.get(&t) == Some(&Scope::Paragraphs))
        {
            let ok =
                blank_outside_tags(pi) && tags.iter().all(|&t| moves_out(t, &[Scope::Paragraphs]));
            if !ok {
                let t = tags
                    .iter()
                    .copied()
                    .find(|&t| scopes.scope_of.get(&t) == Some(&Scope::Paragraphs))
                    .unwrap_or(tags[0]);
                problems.push(problem(
                    part,
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
            && row_text_is_only_tags(elements, row, &ps.iter().map(|&p| paras[p].start).collect())
    };
    for &(open, els, close) in pairs {
        match scopes.scope_of.get(&open) {
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
                            part,
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
    (problems.len() == before).then_some(Placement {
        para_tags,
        replaced,
        before_el,
        after_el,
        silent,
    })
}

/// Every element of a part by where it starts, and each table's first and last row: built
/// once, so deciding scopes costs the same per block however large the part.
pub(super) struct Elements<'a> {
    by_start: HashMap<usize, &'a Element>,
    table_rows: HashMap<usize, (usize, usize)>,
    /// The element that directly holds each element or text node, by start offset.
    parent: HashMap<usize, usize>,
}

impl<'a> Elements<'a> {
    /// Indexes the tree (iteratively: the tree's depth is bounded, but the walk needs no stack).
    pub(super) fn new(root: &'a Element) -> Elements<'a> {
        let mut by_start = HashMap::new();
        let mut table_rows = HashMap::new();
        let mut parent = HashMap::new();
        let mut pending: Vec<&'a Element> = vec![root];
        while let Some(el) = pending.pop() {
            if !el.name.is_empty() {
                by_start.insert(el.start.start, el);
            }
            if el.is("w:tbl") {
                let rows = el.children.iter().filter_map(|c| match c {
                    Node::Element(e) if e.is("w:tr") => Some(e.start.start),
                    _ => None,
                });
                let (first, last) =
                    rows.fold((usize::MAX, 0), |(lo, hi), r| (lo.min(r), hi.max(r)));
                if first != usize::MAX {
                    table_rows.insert(el.start.start, (first, last));
                }
            }
            for child in &el.children {
                match child {
                    Node::Element(e) => {
                        parent.insert(e.start.start, el.start.start);
                        pending.push(e);
                    }
                    Node::Text(t) => {
                        parent.insert(t.range.start, el.start.start);
                    }
                    Node::Other(_) => {}
                }
            }
        }
        Elements {
            by_start,
            table_rows,
            parent,
        }
    }

    /// The element holding the run of a text node (the text's `w:t`, its `w:r`, then that run's
    /// container: the paragraph, a hyperlink, a tracked change…), by start offset.
    fn run_container(&self, text: usize) -> Option<usize> {
        let mut at = *self.parent.get(&text)?;
        while let Some(el) = self.get(at) {
            let up = *self.parent.get(&at)?;
            if el.is("w:r") {
                return Some(up);
            }
            at = up;
        }
        None
    }

    /// The element that starts at byte `start`.
    pub(super) fn get(&self, start: usize) -> Option<&'a Element> {
        self.by_start.get(&start).copied()
    }

    /// Whether every row of a table lies between `first` and `last` (inclusive), so that a
    /// block over those rows that renders nothing would leave a table with no row at all.
    fn table_has_only_rows(
        &self,
        table: Option<usize>,
        first: Option<usize>,
        last: Option<usize>,
    ) -> bool {
        let (Some(table), Some(first), Some(last)) = (table, first, last) else {
            return false;
        };
        self.table_rows
            .get(&table)
            .is_some_and(|&(lo, hi)| lo >= first && hi <= last)
    }
}

/// Whether a row's cells hold no text other than in its tagged paragraphs (`tagged`, their
/// start offsets); used so that a row with untagged text is never dropped.
fn row_text_is_only_tags(elements: &Elements<'_>, row: usize, tagged: &HashSet<usize>) -> bool {
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
    elements
        .get(row)
        .is_some_and(|el| !has_untagged_text(el, tagged, false))
}
