//! A pack's organisations as [`super::PackData`] holds them: parsed all at once when the file
//! is checked, or, for a command that adds a key or a signature to a pack whose file is exactly
//! as assembled, only located, and each one parsed when it is first asked for.
//!
//! At national scale (a thousand organisations, 0.8 MB) parsing every organisation into the
//! model costs several times what finding where each one lies does, and `sign`, `keys add` and
//! `collect` use only the few organisations they name. This module owns that choice and
//! nothing else: it reads no file and checks no rule.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;
use std::sync::OnceLock;

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::value::RawValue;

use crate::document::model::Organisation;

/// The organisations, in file order.
#[derive(Debug, Clone)]
pub(super) enum Organisations {
    /// Every organisation parsed (and checked, by whoever built the data), with where each
    /// is by id, indexed on first use.
    Parsed(Vec<Organisation>, OnceLock<HashMap<String, usize>>),
    /// Where each organisation lies in the organisations' file, parsed when first asked for.
    Located(Located),
}

impl Organisations {
    /// Organisations parsed all at once.
    pub(super) fn parsed(all: Vec<Organisation>) -> Organisations {
        Organisations::Parsed(all, OnceLock::new())
    }

    /// Where the organisation with this id stands.
    pub(super) fn position(&self, id: &str) -> Option<usize> {
        match self {
            Organisations::Parsed(all, index) => index
                .get_or_init(|| {
                    // Ids are unique (validation checks it); the first is kept regardless.
                    let mut index = HashMap::with_capacity(all.len());
                    for (i, o) in all.iter().enumerate() {
                        index.entry(o.id.clone()).or_insert(i);
                    }
                    index
                })
                .get(id)
                .copied(),
            Organisations::Located(located) => located.position(id),
        }
    }
}

/// Where each organisation lies in the organisations' file, as found by a skim that builds no
/// organisation.
#[derive(Debug, Clone)]
pub(super) struct Located {
    /// Each organisation's object, as a byte range of the file.
    spans: Vec<Range<usize>>,
    /// Each organisation by id: its place in `spans`.
    ids: HashMap<String, usize>,
    /// Each organisation parsed, once asked for (`None` if it does not read as one).
    one: Vec<OnceLock<Option<Box<Organisation>>>>,
    /// All of them, once asked for.
    all: OnceLock<Vec<Organisation>>,
}

/// The organisations' file with each organisation left unparsed.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Skimmed<'a> {
    #[serde(rename = "$schema", default)]
    _schema: Option<IgnoredAny>,
    #[serde(borrow)]
    organisations: Vec<&'a RawValue>,
}

/// An organisation's id, everything else passed over.
#[derive(Deserialize)]
struct IdOnly<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
}

impl Located {
    /// Finds each organisation in `bytes` (the organisations' file) without building any.
    /// `None` if the file does not have the shape of one: the caller then checks it in full.
    pub(super) fn find(bytes: &[u8]) -> Option<Located> {
        let skimmed: Skimmed = serde_json::from_slice(bytes).ok()?;
        let start = bytes.as_ptr() as usize;
        let mut spans = Vec::with_capacity(skimmed.organisations.len());
        let mut ids = HashMap::with_capacity(skimmed.organisations.len());
        for (i, raw) in skimmed.organisations.iter().enumerate() {
            // A borrowed raw value is a slice of `bytes`: its place is its distance from the
            // start.
            let text = raw.get();
            let from = (text.as_ptr() as usize).checked_sub(start)?;
            spans.push(from..from + text.len());
            let id = match leading_id(text) {
                Some(id) => id.to_string(),
                None => serde_json::from_str::<IdOnly>(text).ok()?.id.into_owned(),
            };
            // Ids are unique in a file that was checked; the first of any others is kept, as a
            // parsed list's index keeps it.
            ids.entry(id).or_insert(i);
        }
        let one = std::iter::repeat_with(OnceLock::new)
            .take(spans.len())
            .collect();
        Some(Located {
            spans,
            ids,
            one,
            all: OnceLock::new(),
        })
    }

    /// How many organisations the file holds.
    pub(super) fn len(&self) -> usize {
        self.spans.len()
    }

    /// Where the organisation with this id stands.
    pub(super) fn position(&self, id: &str) -> Option<usize> {
        self.ids.get(id).copied()
    }

    /// The organisation at `i`, parsed from `bytes` (the same file) the first time.
    pub(super) fn get<'s>(&'s self, i: usize, bytes: &[u8]) -> Option<&'s Organisation> {
        self.one
            .get(i)?
            .get_or_init(|| parse(bytes, self.spans.get(i)?).map(Box::new))
            .as_deref()
    }

    /// Every organisation, parsed from `bytes` (the same file) the first time.
    pub(super) fn all(&self, bytes: &[u8]) -> &[Organisation] {
        self.all
            .get_or_init(|| self.spans.iter().filter_map(|s| parse(bytes, s)).collect())
    }
}

/// The id of an organisation's object (valid JSON) when it is written as its first field with
/// a plain string (no escape), as countersign's examples and most people write it: read
/// without a second pass over the object. Any other object is read for its id. A second `id`
/// in the same object is no concern here: such a file fails the full check at assembly, so
/// no manifest records it, and a file not as recorded is checked in full.
fn leading_id(object: &str) -> Option<&str> {
    const SPACE: &[char] = &[' ', '\t', '\n', '\r'];
    let rest = object.strip_prefix('{')?.trim_start_matches(SPACE);
    let rest = rest.strip_prefix("\"id\"")?.trim_start_matches(SPACE);
    let rest = rest.strip_prefix(':')?.trim_start_matches(SPACE);
    let rest = rest.strip_prefix('"')?;
    let end = rest.find(['"', '\\'])?;
    (rest.as_bytes().get(end) == Some(&b'"')).then(|| &rest[..end])
}

/// One organisation's object. It was checked at assembly (the file is as the manifest
/// records it), so this reads; a file altered under a matching record yields `None`.
fn parse(bytes: &[u8], span: &Range<usize>) -> Option<Organisation> {
    serde_json::from_slice(bytes.get(span.clone())?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"{
  "$schema": "schemas/organisations.schema.json",
  "organisations": [ {"id": "a-council", "name": "A \"Council\" & Co", "sector": "local-authority"},
    {"name": "B Trust", "id": "b-trust", "extra": [1, {"id": "not-this"}]} ]
}"#;

    #[test]
    fn finds_each_organisation_and_its_id_whatever_the_order_of_fields() {
        let located = Located::find(FILE.as_bytes()).unwrap();
        assert_eq!(located.len(), 2);
        assert_eq!(located.position("a-council"), Some(0));
        assert_eq!(located.position("b-trust"), Some(1));
        // An id nested inside another field is not an organisation's.
        assert_eq!(located.position("not-this"), None);
        let text = |i: usize| &FILE[located.spans[i].clone()];
        assert!(text(0).starts_with("{\"id\": \"a-council\"") && text(0).ends_with('}'));
        assert!(text(1).starts_with("{\"name\": \"B Trust\"") && text(1).ends_with("}]}"));
    }

    #[test]
    fn an_id_written_first_is_read_as_the_full_read_reads_it() {
        for (object, id) in [
            (r#"{"id":"a","name":"A"}"#, Some("a")),
            ("{ \n\t\"id\" :\r\n \"b-2\" , \"name\": \"B\"}", Some("b-2")),
            (r#"{"id":"Dŵr Cymru","name":"W"}"#, Some("Dŵr Cymru")),
            // An escape, another field first, or an id not a string: read in full.
            (r#"{"id":"c\u0064","name":"C"}"#, None),
            (r#"{"name":"D","id":"d"}"#, None),
            (r#"{"id":5}"#, None),
            (r#"{"idx":"e"}"#, None),
        ] {
            assert_eq!(leading_id(object), id, "{object}");
            if let Some(id) = id {
                let full: IdOnly = serde_json::from_str(object).unwrap();
                assert_eq!(full.id, id);
            }
        }
        let escaped = r#"{"organisations": [{"id": "c\u0064", "name": "C"}]}"#;
        assert_eq!(
            Located::find(escaped.as_bytes()).unwrap().position("cd"),
            Some(0)
        );
    }

    #[test]
    fn refuses_what_is_not_an_organisations_file() {
        for bad in [
            "",
            "[]",
            r#"{"organisations": {}}"#,
            r#"{"organisations": [{"name": "no id"}]}"#,
            r#"{"organisations": [], "other": 1}"#,
            r#"{"organisations": [{"id": 5}]}"#,
        ] {
            assert!(Located::find(bad.as_bytes()).is_none(), "{bad}");
        }
    }
}
