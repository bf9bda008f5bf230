//! Renders a compiled [`Program`] with JSON data: path lookup, blocks, helpers, and the
//! conversion of values into Word text (escaping, line breaks, tabs).
//!
//! Strict by design: a missing field is an error unless the template asks for a default; every
//! problem found while rendering is collected, so one run reports them all.

use std::borrow::Cow;

use serde_json::Value;

use super::compile::{PNode, Program, TagSite};
use super::tag::{BlockKind, DataVar, Expr, Helper, Path};
use super::{PartKind, Problem};
use crate::document::xml::{escape_text_into, is_xml_char};

/// Stop collecting after this many problems: past it the list no longer helps anyone.
const MAX_PROBLEMS: usize = 100;

struct Frame<'p, 'd> {
    value: &'d Value,
    label: Label<'p, 'd>,
    /// Set on frames created by `#each`.
    item: Option<Item<'d>>,
}

#[derive(Clone, Copy)]
enum Label<'p, 'd> {
    Root,
    Field(&'p str),
    Index(&'p str, usize),
    Key(&'p str, &'d str),
}

#[derive(Clone, Copy)]
struct Item<'d> {
    index: usize,
    len: usize,
    key: Option<&'d str>,
}

struct EvalError {
    message: String,
    hint: String,
}

fn err(message: String, hint: impl Into<String>) -> EvalError {
    EvalError {
        message,
        hint: hint.into(),
    }
}

pub(crate) struct Renderer<'p, 'd> {
    part: &'p str,
    program: &'p Program,
    frames: Vec<Frame<'p, 'd>>,
    pub problems: Vec<Problem>,
    pub dropped: usize,
}

impl<'p, 'd> Renderer<'p, 'd> {
    pub fn new(part: &'p str, program: &'p Program, data: &'d Value) -> Self {
        Renderer {
            part,
            program,
            frames: vec![Frame {
                value: data,
                label: Label::Root,
                item: None,
            }],
            problems: Vec::new(),
            dropped: 0,
        }
    }

    pub fn render(&mut self, out: &mut Vec<u8>) {
        let program = self.program;
        self.nodes(&program.nodes, out);
    }

    fn word(&self) -> bool {
        self.program.kind == Some(PartKind::Word)
    }

    /// Where in the data we are, e.g. `members[3]`, for messages.
    fn data_path(&self) -> String {
        let mut path = String::new();
        for frame in &self.frames {
            let piece = match frame.label {
                Label::Root => continue,
                Label::Field(f) => f.to_string(),
                Label::Index(f, i) => format!("{f}[{i}]"),
                Label::Key(f, k) => format!("{f}.{k}"),
            };
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(&piece);
        }
        path
    }

    fn report(&mut self, site: usize, e: EvalError) {
        if self.problems.len() >= MAX_PROBLEMS {
            self.dropped += 1;
            return;
        }
        let TagSite {
            tag,
            location,
            context,
        } = &self.program.sites[site];
        let at = self.data_path();
        let message = if at.is_empty() {
            e.message
        } else {
            format!("{} (in {at})", e.message)
        };
        self.problems.push(Problem {
            part: self.part.to_string(),
            location: location.clone(),
            tag: tag.clone(),
            context: context.clone(),
            message,
            hint: e.hint,
        });
    }

    fn nodes(&mut self, nodes: &'p [PNode], out: &mut Vec<u8>) {
        for node in nodes {
            match node {
                PNode::Raw(bytes) => out.extend_from_slice(bytes),
                PNode::Output { expr, site } => match self
                    .eval(expr, false)
                    .and_then(|v| self.write_value(expr, &v, out))
                {
                    Ok(()) => {}
                    Err(e) => self.report(*site, e),
                },
                PNode::Block {
                    kind,
                    expr,
                    site,
                    body,
                    alt,
                } => self.block(*kind, expr, *site, body, alt, out),
            }
        }
    }

    fn block(
        &mut self,
        kind: BlockKind,
        expr: &'p Expr,
        site: usize,
        body: &'p [PNode],
        alt: &'p [PNode],
        out: &mut Vec<u8>,
    ) {
        let lenient = matches!(kind, BlockKind::If | BlockKind::Unless);
        let value = match self.eval(expr, lenient) {
            Ok(v) => v,
            Err(e) => return self.report(site, e),
        };
        match kind {
            BlockKind::If | BlockKind::Unless => {
                let chosen = if truthy(&value) == (kind == BlockKind::If) {
                    body
                } else {
                    alt
                };
                self.nodes(chosen, out);
            }
            BlockKind::With => match value {
                Cow::Borrowed(v @ Value::Object(_)) => {
                    self.frames.push(Frame {
                        value: v,
                        label: Label::Field(expr_text(expr)),
                        item: None,
                    });
                    self.nodes(body, out);
                    self.frames.pop();
                }
                Cow::Borrowed(Value::Null) => self.nodes(alt, out),
                _ => self.report(
                    site,
                    err(
                        format!("'{}' is not a group of fields", expr_text(expr)),
                        "use {{#with}} only on a field that holds named fields",
                    ),
                ),
            },
            BlockKind::Each => {
                let field = expr_text(expr);
                match value {
                    Cow::Borrowed(Value::Array(items)) if !items.is_empty() => {
                        let len = items.len();
                        for (index, v) in items.iter().enumerate() {
                            self.frames.push(Frame {
                                value: v,
                                label: Label::Index(field, index),
                                item: Some(Item {
                                    index,
                                    len,
                                    key: None,
                                }),
                            });
                            self.nodes(body, out);
                            self.frames.pop();
                        }
                    }
                    Cow::Borrowed(Value::Object(map)) if !map.is_empty() => {
                        let len = map.len();
                        for (index, (k, v)) in map.iter().enumerate() {
                            self.frames.push(Frame {
                                value: v,
                                label: Label::Key(field, k),
                                item: Some(Item {
                                    index,
                                    len,
                                    key: Some(k),
                                }),
                            });
                            self.nodes(body, out);
                            self.frames.pop();
                        }
                    }
                    Cow::Borrowed(Value::Array(_) | Value::Object(_) | Value::Null) => {
                        self.nodes(alt, out)
                    }
                    _ => self.report(
                        site,
                        err(
                            format!("'{field}' is not a list"),
                            "use {{#each}} on a field that holds a list ([...] in the data)",
                        ),
                    ),
                }
            }
        }
    }

    fn lookup(&self, path: &'p Path, lenient: bool) -> Result<Cow<'d, Value>, EvalError> {
        if path.up >= self.frames.len() {
            return Err(err(
                format!("'{}' goes above the top of the data", path.text),
                "remove one '../'",
            ));
        }
        let base = if path.root {
            0
        } else {
            self.frames.len() - 1 - path.up
        };
        if let Some(var) = path.var {
            let Some(item) = self.frames[..=base].iter().rev().find_map(|f| f.item) else {
                return Err(err(
                    format!("'{}' is only available inside {{{{#each}}}}", path.text),
                    "move the tag inside a {{#each}} block",
                ));
            };
            return Ok(Cow::Owned(match var {
                DataVar::Index => Value::from(item.index),
                DataVar::First => Value::Bool(item.index == 0),
                DataVar::Last => Value::Bool(item.index + 1 == item.len),
                DataVar::Key => match item.key {
                    Some(k) => Value::String(k.to_string()),
                    None => Value::from(item.index),
                },
            }));
        }
        let mut value = self.frames[base].value;
        for (i, key) in path.keys.iter().enumerate() {
            let next = match value {
                Value::Object(map) => map.get(key),
                Value::Array(items) => key.parse::<usize>().ok().and_then(|i| items.get(i)),
                _ => None,
            };
            match next {
                Some(v) => value = v,
                None if lenient => return Ok(Cow::Owned(Value::Null)),
                None => {
                    let missing = path.keys[..=i].join(".");
                    let mut hint = format!(
                        "add \"{}\" to the data, or write {{{{default {} \"…\"}}}} in the template for an optional field",
                        key, path.text
                    );
                    if !path.root
                        && base != 0
                        && lookup_keys(self.frames[0].value, &path.keys).is_some()
                    {
                        hint = format!(
                            "inside a block, fields of the top level are reached as @root.{}",
                            path.keys.join(".")
                        );
                    }
                    return Err(err(
                        format!("the field '{missing}' is missing from the data"),
                        hint,
                    ));
                }
            }
        }
        Ok(Cow::Borrowed(value))
    }

    fn eval(&self, expr: &'p Expr, lenient: bool) -> Result<Cow<'d, Value>, EvalError> {
        match expr {
            Expr::Path(p) => self.lookup(p, lenient),
            Expr::Str(s) => Ok(Cow::Owned(Value::String(s.clone()))),
            Expr::Num(n) => Ok(Cow::Owned(Value::Number(n.clone()))),
            Expr::Bool(b) => Ok(Cow::Owned(Value::Bool(*b))),
            Expr::Null => Ok(Cow::Owned(Value::Null)),
            Expr::Call(helper, args) => self.call(*helper, args).map(Cow::Owned),
        }
    }

    fn call(&self, helper: Helper, args: &'p [Expr]) -> Result<Value, EvalError> {
        let arg_text = |i: usize| args.get(i).map(expr_text).unwrap_or_default();
        match helper {
            Helper::Default => {
                let v = self.eval(&args[0], true)?;
                if is_blank(&v) {
                    Ok(self.eval(&args[1], false)?.into_owned())
                } else {
                    Ok(v.into_owned())
                }
            }
            Helper::Upper | Helper::Lower => {
                let v = self.eval(&args[0], false)?;
                let text = scalar_text(&v).ok_or_else(|| not_text(arg_text(0), &v))?;
                Ok(Value::String(if helper == Helper::Upper {
                    text.to_uppercase()
                } else {
                    text.to_lowercase()
                }))
            }
            Helper::Count => match self.eval(&args[0], false)?.as_ref() {
                Value::Array(a) => Ok(Value::from(a.len())),
                Value::Object(m) => Ok(Value::from(m.len())),
                Value::Null => Ok(Value::from(0)),
                _ => Err(err(
                    format!("'{}' is not a list, so it cannot be counted", arg_text(0)),
                    "use {{count}} on a field that holds a list",
                )),
            },
            Helper::Join => {
                let list = self.eval(&args[0], false)?;
                let sep = match args.get(1) {
                    Some(e) => text_arg(self.eval(e, false)?.as_ref(), "separator")?,
                    None => ", ".to_string(),
                };
                let last = match args.get(2) {
                    Some(e) => text_arg(self.eval(e, false)?.as_ref(), "last separator")?,
                    None => sep.clone(),
                };
                let items = match list.as_ref() {
                    Value::Array(items) => items,
                    Value::Null => return Ok(Value::String(String::new())),
                    _ => {
                        return Err(err(
                            format!("'{}' is not a list, so it cannot be joined", arg_text(0)),
                            "use {{join}} on a field that holds a list of texts",
                        ));
                    }
                };
                let mut texts = Vec::with_capacity(items.len());
                for (i, item) in items.iter().enumerate() {
                    texts.push(scalar_text(item).ok_or_else(|| {
                        err(
                            format!("item {i} of '{}' is not a piece of text", arg_text(0)),
                            "join works on a list of texts; use {{#each}} for a list of records",
                        )
                    })?);
                }
                let mut joined = String::new();
                for (i, t) in texts.iter().enumerate() {
                    if i > 0 {
                        joined.push_str(if i + 1 == texts.len() { &last } else { &sep });
                    }
                    joined.push_str(t);
                }
                Ok(Value::String(joined))
            }
            Helper::Date => {
                let v = self.eval(&args[0], false)?;
                let Value::String(text) = v.as_ref() else {
                    return Err(not_text(arg_text(0), &v));
                };
                let style = match args.get(1) {
                    Some(e) => text_arg(self.eval(e, false)?.as_ref(), "date style")?,
                    None => "long".to_string(),
                };
                let (y, m, d) = crate::time::parse_date(text).ok_or_else(|| {
                    err(
                        format!(
                            "'{}' holds \"{text}\", which is not a date in the form YYYY-MM-DD",
                            arg_text(0)
                        ),
                        "write dates in the data as 2026-03-31",
                    )
                })?;
                format_uk_date(y, m, d, &style)
                    .map(Value::String)
                    .ok_or_else(|| err(format!("\"{style}\" is not a date style"), "use \"long\" (31 March 2026), \"short\" (31/03/2026) or \"month\" (March 2026)"))
            }
        }
    }

    fn write_value(&self, expr: &Expr, value: &Value, out: &mut Vec<u8>) -> Result<(), EvalError> {
        let text: Cow<str> = match value {
            Value::String(s) => Cow::Borrowed(s.as_str()),
            Value::Number(n) => Cow::Owned(n.to_string()),
            Value::Bool(b) => Cow::Borrowed(if *b { "Yes" } else { "No" }),
            Value::Null => {
                return Err(err(
                    format!("the field '{}' is empty (null)", expr_text(expr)),
                    format!(
                        "give it a value in the data, or write {{{{default {} \"…\"}}}}",
                        expr_text(expr)
                    ),
                ));
            }
            Value::Array(_) => {
                return Err(err(
                    format!("'{}' is a list, not a piece of text", expr_text(expr)),
                    "use {{#each}} … {{/each}} or {{join …}} for lists",
                ));
            }
            Value::Object(_) => {
                return Err(err(
                    format!(
                        "'{}' is a group of fields, not a piece of text",
                        expr_text(expr)
                    ),
                    "name one of its fields, for example {{field.name}}",
                ));
            }
        };
        if let Some((pos, c)) = text.char_indices().find(|(_, c)| !is_xml_char(*c)) {
            return Err(err(
                format!(
                    "the value of '{}' holds the control character U+{:04X} at character {}, which a Word document cannot hold",
                    expr_text(expr),
                    c as u32,
                    text[..pos].chars().count() + 1
                ),
                "remove the character from the data",
            ));
        }
        if self.word() {
            write_word_text(out, &text);
        } else {
            escape_text_into(out, &text);
        }
        Ok(())
    }
}

/// Writes text into a `w:t` element, turning line breaks and tabs into Word's own elements.
fn write_word_text(out: &mut Vec<u8>, text: &str) {
    if !text.contains(['\n', '\r', '\t']) {
        escape_text_into(out, text);
        return;
    }
    let mut rest = text;
    while let Some(i) = rest.find(['\n', '\r', '\t']) {
        escape_text_into(out, &rest[..i]);
        let c = rest.as_bytes()[i];
        out.extend_from_slice(if c == b'\t' {
            b"</w:t><w:tab/><w:t xml:space=\"preserve\">"
        } else {
            b"</w:t><w:br/><w:t xml:space=\"preserve\">"
        });
        let skip = if rest[i..].starts_with("\r\n") { 2 } else { 1 };
        rest = &rest[i + skip..];
    }
    escape_text_into(out, rest);
}

fn expr_text(expr: &Expr) -> &str {
    match expr {
        Expr::Path(p) => &p.text,
        Expr::Call(h, _) => h.name(),
        _ => "value",
    }
}

fn lookup_keys<'v>(mut value: &'v Value, keys: &[String]) -> Option<&'v Value> {
    for key in keys {
        value = value.get(key)?;
    }
    Some(value)
}

fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(_) => true,
    }
}

fn is_blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(if *b { "Yes" } else { "No" }.to_string()),
        _ => None,
    }
}

fn not_text(field: &str, v: &Value) -> EvalError {
    let what = match v {
        Value::Null => "empty (null)",
        Value::Array(_) => "a list",
        Value::Object(_) => "a group of fields",
        _ => "not a piece of text",
    };
    err(
        format!("'{field}' is {what}, not a piece of text"),
        "give the helper a field that holds text",
    )
}

fn text_arg(v: &Value, what: &str) -> Result<String, EvalError> {
    scalar_text(v).ok_or_else(|| {
        err(
            format!("the {what} is not a piece of text"),
            "write it in quotes, for example \", \"",
        )
    })
}

use crate::time::MONTHS;

fn format_uk_date(y: u32, m: u32, d: u32, style: &str) -> Option<String> {
    let month = MONTHS[(m - 1) as usize];
    Some(match style {
        "long" => format!("{d} {month} {y}"),
        "short" => format!("{d:02}/{m:02}/{y}"),
        "month" => format!("{month} {y}"),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_written_as_in_the_uk() {
        let (y, m, d) = crate::time::parse_date("2024-02-29").unwrap();
        assert_eq!(format_uk_date(y, m, d, "long").unwrap(), "29 February 2024");
        assert_eq!(format_uk_date(y, m, d, "short").unwrap(), "29/02/2024");
        assert_eq!(format_uk_date(y, m, d, "month").unwrap(), "February 2024");
        assert!(crate::time::parse_date("2023-02-29").is_none());
        assert!(crate::time::parse_date("2023-13-01").is_none());
        assert!(crate::time::parse_date("1/2/2023").is_none());
        assert_eq!(
            crate::time::parse_date("2026-11-23T10:00:00Z"),
            Some((2026, 11, 23))
        );
    }

    #[test]
    fn word_text_turns_breaks_and_tabs_into_elements() {
        let mut out = Vec::new();
        write_word_text(&mut out, "a\r\nb\tc<");
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "a</w:t><w:br/><w:t xml:space=\"preserve\">b</w:t><w:tab/><w:t xml:space=\"preserve\">c&lt;"
        );
    }
}
