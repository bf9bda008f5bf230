//! The tag language: what may stand between `{{` and `}}`, parsed into [`Tag`]s.
//!
//! Handlebars syntax, kept to what agreement documents need: paths, `#each`, `#if`, `#unless`,
//! `#with`, `else`, comments, and a few helpers. Anything that would bypass escaping or that we
//! do not implement (`{{{raw}}}`, partials, whitespace control) is refused with a hint, never
//! silently printed. Knows nothing of XML or data.

use serde_json::Number;

/// The block helpers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BlockKind {
    Each,
    If,
    Unless,
    With,
}

impl BlockKind {
    pub fn name(self) -> &'static str {
        match self {
            BlockKind::Each => "each",
            BlockKind::If => "if",
            BlockKind::Unless => "unless",
            BlockKind::With => "with",
        }
    }

    fn from_name(name: &str) -> Option<BlockKind> {
        Some(match name {
            "each" => BlockKind::Each,
            "if" => BlockKind::If,
            "unless" => BlockKind::Unless,
            "with" => BlockKind::With,
            _ => return None,
        })
    }
}

/// The inline helpers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Helper {
    /// `date VALUE [long|short|month]`: an ISO date as people in the UK write it.
    Date,
    /// `join LIST [SEPARATOR] [LAST_SEPARATOR]`.
    Join,
    Upper,
    Lower,
    /// `default VALUE FALLBACK`: FALLBACK when VALUE is missing, null or empty.
    Default,
    /// `count LIST`: the number of items.
    Count,
}

pub(crate) const HELPER_NAMES: &str = "date, join, upper, lower, default, count";

impl Helper {
    fn from_name(name: &str) -> Option<Helper> {
        Some(match name {
            "date" => Helper::Date,
            "join" => Helper::Join,
            "upper" => Helper::Upper,
            "lower" => Helper::Lower,
            "default" => Helper::Default,
            "count" => Helper::Count,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Helper::Date => "date",
            Helper::Join => "join",
            Helper::Upper => "upper",
            Helper::Lower => "lower",
            Helper::Default => "default",
            Helper::Count => "count",
        }
    }

    /// Allowed argument counts.
    fn arity(self) -> (usize, usize) {
        match self {
            Helper::Date => (1, 2),
            Helper::Join => (1, 3),
            Helper::Upper | Helper::Lower | Helper::Count => (1, 1),
            Helper::Default => (2, 2),
        }
    }
}

/// Data variables available inside `#each`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DataVar {
    Index,
    First,
    Last,
    Key,
}

/// A reference into the data: `../` steps, an optional `@root`, an optional data variable,
/// then keys.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Path {
    pub up: usize,
    pub root: bool,
    pub var: Option<DataVar>,
    pub keys: Vec<String>,
    /// The path as the template wrote it, for messages.
    pub text: String,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Expr {
    Path(Path),
    Str(String),
    Num(Number),
    Bool(bool),
    Null,
    Call(Helper, Vec<Expr>),
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tag {
    Output(Expr),
    Open(BlockKind, Expr),
    Else,
    Close(BlockKind),
    Comment,
}

impl Tag {
    pub fn is_block_marker(&self) -> bool {
        matches!(self, Tag::Open(..) | Tag::Else | Tag::Close(_))
    }
}

/// Parses the text between `{{` and `}}`. Errors are a message followed by a hint.
pub(crate) fn parse_tag(inner: &str) -> Result<Tag, (String, String)> {
    let body = inner.trim();
    if let Some(rest) = body.strip_prefix('!') {
        let _ = rest;
        return Ok(Tag::Comment);
    }
    if body.is_empty() {
        return Err((
            "the tag is empty".into(),
            "write a field name between {{ and }}, for example {{title}}".into(),
        ));
    }
    if let Some(rest) = body.strip_prefix('#') {
        let rest = rest.trim_start();
        let (name, args) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        let kind = BlockKind::from_name(name).ok_or_else(|| {
            (
                format!("'#{name}' is not a block this engine knows"),
                "use #each, #if, #unless or #with".to_string(),
            )
        })?;
        if args.trim().is_empty() {
            return Err((
                format!("'#{name}' needs a value to test or loop over"),
                format!("write it as {{{{#{name} field}}}}"),
            ));
        }
        if args.contains(" as |") {
            return Err((
                "block parameters ('as |x|') are not supported".into(),
                "use {{this}} and the field names inside the block".into(),
            ));
        }
        return Ok(Tag::Open(kind, parse_expr(args)?));
    }
    if let Some(rest) = body.strip_prefix('/') {
        let name = rest.trim();
        let kind = BlockKind::from_name(name).ok_or_else(|| {
            (
                format!("'/{name}' closes no block this engine knows"),
                "close a block with {{/each}}, {{/if}}, {{/unless}} or {{/with}}".to_string(),
            )
        })?;
        return Ok(Tag::Close(kind));
    }
    if body == "else" {
        return Ok(Tag::Else);
    }
    if body.starts_with("else ") {
        return Err((
            "'else' with a condition is not supported".into(),
            "nest another {{#if}} inside the {{else}} part".into(),
        ));
    }
    match body.chars().next() {
        Some('>') => {
            return Err((
                "partials ({{> name}}) are not supported".into(),
                "put the text in the template itself".into(),
            ));
        }
        Some('^') => {
            return Err((
                "inverted sections ({{^x}}) are not supported".into(),
                "use {{#unless x}} ... {{/unless}}".into(),
            ));
        }
        Some('&') => {
            return Err((
                "unescaped output ({{& x}}) is not allowed".into(),
                "use {{x}}: values are always escaped for Word".into(),
            ));
        }
        Some('~') => {
            return Err((
                "whitespace control ({{~ x}}) is not supported".into(),
                "remove the ~".into(),
            ));
        }
        _ => {}
    }
    if body.ends_with('~') {
        return Err((
            "whitespace control ({{x ~}}) is not supported".into(),
            "remove the ~".into(),
        ));
    }
    Ok(Tag::Output(parse_expr(body)?))
}

#[derive(Debug, PartialEq)]
enum Token {
    Open,
    Close,
    Str(String),
    Word(String),
}

fn closing_quote(open: char) -> Option<char> {
    // Word turns typed quotes into curly ones as people type; accept both.
    match open {
        '"' => Some('"'),
        '\'' => Some('\''),
        '\u{201C}' => Some('\u{201D}'),
        '\u{2018}' => Some('\u{2019}'),
        _ => None,
    }
}

fn tokenize(text: &str) -> Result<Vec<Token>, (String, String)> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c.is_whitespace() {
            continue;
        }
        if c == '(' {
            tokens.push(Token::Open);
        } else if c == ')' {
            tokens.push(Token::Close);
        } else if let Some(close) = closing_quote(c) {
            let mut value = String::new();
            let mut closed = false;
            for (_, d) in chars.by_ref() {
                if d == close || (close == '\u{201D}' && d == '\u{201C}') {
                    closed = true;
                    break;
                }
                value.push(d);
            }
            if !closed {
                return Err((
                    format!("the text starting at '{}' has no closing quote", &text[i..]),
                    "close the quoted text with the same kind of quote".into(),
                ));
            }
            tokens.push(Token::Str(value));
        } else {
            let mut end = i + c.len_utf8();
            while let Some(&(j, d)) = chars.peek() {
                if d.is_whitespace() || d == '(' || d == ')' || closing_quote(d).is_some() {
                    break;
                }
                end = j + d.len_utf8();
                chars.next();
            }
            tokens.push(Token::Word(text[i..end].to_string()));
        }
    }
    Ok(tokens)
}

/// How deep helper calls may nest in brackets (`{{upper (lower (…))}}`).
const MAX_NESTING: usize = 32;

fn parse_expr(text: &str) -> Result<Expr, (String, String)> {
    let tokens = tokenize(text)?;
    let mut depth = 0usize;
    for t in &tokens {
        match t {
            Token::Open => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err((
                        format!("brackets nest more than {MAX_NESTING} deep"),
                        "call fewer helpers inside one another".into(),
                    ));
                }
            }
            Token::Close => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    let mut pos = 0;
    let expr = parse_call(&tokens, &mut pos, text)?;
    if pos != tokens.len() {
        return Err((
            format!("unexpected ')' in '{text}'"),
            "check that brackets are balanced".into(),
        ));
    }
    Ok(expr)
}

/// call := atom+ ; several atoms only when the first names a helper.
fn parse_call(tokens: &[Token], pos: &mut usize, text: &str) -> Result<Expr, (String, String)> {
    let mut atoms: Vec<(Expr, Option<String>)> = Vec::new();
    while *pos < tokens.len() {
        match &tokens[*pos] {
            Token::Close => break,
            Token::Open => {
                *pos += 1;
                let inner = parse_call(tokens, pos, text)?;
                if tokens.get(*pos) != Some(&Token::Close) {
                    return Err((
                        format!("a '(' in '{text}' is not closed"),
                        "add the missing ')'".into(),
                    ));
                }
                *pos += 1;
                atoms.push((inner, None));
            }
            Token::Str(s) => {
                atoms.push((Expr::Str(s.clone()), None));
                *pos += 1;
            }
            Token::Word(w) => {
                atoms.push((parse_atom(w)?, Some(w.clone())));
                *pos += 1;
            }
        }
    }
    let mut atoms = atoms.into_iter();
    let Some((first, first_word)) = atoms.next() else {
        return Err((
            format!("'{text}' has an empty bracket"),
            "put a helper call inside the brackets".into(),
        ));
    };
    let args: Vec<Expr> = atoms.map(|(e, _)| e).collect();
    // Every helper takes a value, so a helper's name standing alone is a field of that name
    // (a signature sheet's `{{date}}` column, say).
    let helper = first_word
        .as_deref()
        .and_then(Helper::from_name)
        .filter(|_| !args.is_empty());
    match helper {
        Some(helper) => {
            let (min, max) = helper.arity();
            if args.len() < min || args.len() > max {
                let usage = match helper {
                    Helper::Date => "{{date field}} or {{date field \"short\"}}",
                    Helper::Join => "{{join list}} or {{join list \", \" \" and \"}}",
                    Helper::Upper => "{{upper field}}",
                    Helper::Lower => "{{lower field}}",
                    Helper::Default => "{{default field \"fallback text\"}}",
                    Helper::Count => "{{count list}}",
                };
                return Err((
                    format!("the helper '{}' got {} value(s)", helper.name(), args.len()),
                    format!("write it as {usage}"),
                ));
            }
            Ok(Expr::Call(helper, args))
        }
        None if args.is_empty() => Ok(first),
        None => Err((
            format!("'{}' is not a helper", first_word.unwrap_or_default()),
            format!(
                "a tag holds one field name, or a helper ({HELPER_NAMES}) followed by its values"
            ),
        )),
    }
}

fn parse_atom(word: &str) -> Result<Expr, (String, String)> {
    match word {
        "true" => return Ok(Expr::Bool(true)),
        "false" => return Ok(Expr::Bool(false)),
        "null" => return Ok(Expr::Null),
        _ => {}
    }
    if word.starts_with(|c: char| c.is_ascii_digit() || c == '-')
        && let Ok(n) = word.parse::<Number>()
    {
        return Ok(Expr::Num(n));
    }
    parse_path(word).map(Expr::Path)
}

fn parse_path(word: &str) -> Result<Path, (String, String)> {
    let bad = || {
        (
            format!("'{word}' is not a valid field name"),
            "write field names like title, framework.title, ../title or @root.title".to_string(),
        )
    };
    let mut rest = word;
    let mut up = 0;
    while let Some(r) = rest.strip_prefix("../") {
        up += 1;
        rest = r;
    }
    let mut root = false;
    let mut var = None;
    if let Some(r) = rest.strip_prefix('@') {
        let (name, tail) = r.split_once('.').unwrap_or((r, ""));
        match name {
            "root" => root = true,
            "index" => var = Some(DataVar::Index),
            "first" => var = Some(DataVar::First),
            "last" => var = Some(DataVar::Last),
            "key" => var = Some(DataVar::Key),
            _ => {
                return Err((
                    format!("'@{name}' is not a known variable"),
                    "use @index, @first, @last, @key or @root".into(),
                ));
            }
        }
        if var.is_some() && !tail.is_empty() {
            return Err(bad());
        }
        rest = tail;
    } else if rest == "this" || rest == "." {
        rest = "";
    } else if let Some(r) = rest
        .strip_prefix("this.")
        .or_else(|| rest.strip_prefix("./"))
    {
        rest = r;
    }
    let keys: Vec<String> = if rest.is_empty() {
        Vec::new()
    } else {
        rest.split('.').map(str::to_string).collect()
    };
    if keys
        .iter()
        .any(|k| k.is_empty() || k.contains('/') || k.contains('{') || k.contains('}'))
    {
        return Err(bad());
    }
    Ok(Path {
        up,
        root,
        var,
        keys,
        text: word.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(text: &str) -> Expr {
        Expr::Path(parse_path(text).unwrap())
    }

    #[test]
    fn parses_paths_blocks_and_helpers() {
        assert_eq!(
            parse_tag(" framework.title ").unwrap(),
            Tag::Output(path("framework.title"))
        );
        assert_eq!(
            parse_tag("#each members").unwrap(),
            Tag::Open(BlockKind::Each, path("members"))
        );
        assert_eq!(parse_tag("/each").unwrap(), Tag::Close(BlockKind::Each));
        assert_eq!(parse_tag("else").unwrap(), Tag::Else);
        assert_eq!(parse_tag("! a note").unwrap(), Tag::Comment);
        assert_eq!(
            parse_tag("default dpo.name “not appointed”").unwrap(),
            Tag::Output(Expr::Call(
                Helper::Default,
                vec![path("dpo.name"), Expr::Str("not appointed".into())]
            ))
        );
        assert_eq!(
            parse_tag("upper (default x 'n/a')").unwrap(),
            Tag::Output(Expr::Call(
                Helper::Upper,
                vec![Expr::Call(
                    Helper::Default,
                    vec![path("x"), Expr::Str("n/a".into())]
                )]
            ))
        );
        let p = parse_path("a..b").unwrap_err();
        assert!(
            p.0.contains("not a valid") || p.0.contains("not a known"),
            "{p:?}"
        );
        let p = parse_path("../name").unwrap();
        assert_eq!((p.up, p.keys), (1, vec!["name".to_string()]));
    }

    #[test]
    fn refuses_what_would_bypass_escaping_or_is_unknown() {
        for bad in [
            "&x",
            "> partial",
            "#loop x",
            "/loop",
            "foo bar",
            "join a b c d",
            "else if x",
            "",
            "#each",
            "x.",
            "@nope",
        ] {
            assert!(parse_tag(bad).is_err(), "{bad} should be refused");
        }
        assert_eq!(
            parse_tag("date").unwrap(),
            Tag::Output(path("date")),
            "a helper's name alone is a field"
        );
    }
}
