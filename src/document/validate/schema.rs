//! The JSON Schema pass: each kind of pack file's schema (derived from the model's types), and
//! its errors translated into findings people can act on (dotted JSON paths, plain messages,
//! hints). No files, no rules between fields.

use crate::pack::layout::{FRAMEWORK_FILE, ORGANISATIONS_FILE};
use serde_json::Value;

use super::positions::{Positions, positions};
use super::{DataFile, Finding};
use crate::document::model::{Framework, OrganisationsFile, Protocol};

/// The kinds of data file in a pack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// `framework.json`.
    Framework,
    /// `organisations.json`.
    Organisations,
    /// `protocols/<id>.json`.
    Protocol,
}

impl FileKind {
    /// Every kind, in the order a pack's files are read.
    pub const ALL: [FileKind; 3] = [
        FileKind::Framework,
        FileKind::Organisations,
        FileKind::Protocol,
    ];

    /// Where files of this kind live in a pack.
    pub fn pattern(self) -> &'static str {
        match self {
            FileKind::Framework => FRAMEWORK_FILE,
            FileKind::Organisations => ORGANISATIONS_FILE,
            FileKind::Protocol => crate::pack::layout::PROTOCOL_FILES,
        }
    }

    /// The name of its schema file (`countersign schema --out`).
    pub fn schema_file(self) -> &'static str {
        match self {
            FileKind::Framework => "framework.schema.json",
            FileKind::Organisations => "organisations.schema.json",
            FileKind::Protocol => "protocol.schema.json",
        }
    }

    /// Its JSON Schema, derived from the model's types.
    pub fn schema(self) -> schemars::Schema {
        match self {
            FileKind::Framework => schemars::schema_for!(Framework),
            FileKind::Organisations => schemars::schema_for!(OrganisationsFile),
            FileKind::Protocol => schemars::schema_for!(Protocol),
        }
    }
}

/// The JSON Schema of each kind of pack file, as `countersign schema` prints it.
pub fn schemas() -> Value {
    Value::Object(
        FileKind::ALL
            .iter()
            .map(|k| {
                (
                    k.pattern().to_string(),
                    serde_json::to_value(k.schema()).unwrap_or(Value::Null),
                )
            })
            .collect(),
    )
}

pub(super) fn parse_and_check_schema(
    file: &DataFile,
    validator: &jsonschema::Validator,
    findings: &mut Vec<Finding>,
) -> Option<Value> {
    let value = match crate::document::data::parse_json(&file.bytes) {
        Ok(v) => v,
        Err(e) => {
            findings.push(Finding {
                file: file.name.clone(),
                path: String::new(),
                position: Some((e.line, e.column)),
                message: format!("it is not valid JSON: {}", e.message),
                hint: "fix the JSON at that place; a JSON-aware editor shows it".into(),
            });
            return None;
        }
    };
    // A valid file (the usual case) is checked once, stopping at nothing; only a file with
    // problems is walked again to collect and describe every one. Where each value is in the
    // text is needed only to point at a finding: a valid file is never scanned for it.
    if validator.is_valid(&value) {
        return Some(value);
    }
    let mut pos: Option<Positions> = None;
    let before = findings.len();
    for error in validator.iter_errors(&value) {
        let mut path = dotted_path(&value, &error.instance_path().to_string());
        let (message, hint) = describe(&error, &path);
        // Point at the unknown field itself, not at the object holding it.
        if let jsonschema::error::ValidationErrorKind::AdditionalProperties { unexpected } =
            error.kind()
            && let Some(first) = unexpected.first()
        {
            path = if path.is_empty() {
                first.clone()
            } else {
                format!("{path}.{first}")
            };
        }
        let pos = pos.get_or_insert_with(|| positions(&String::from_utf8_lossy(&file.bytes)));
        findings.push(Finding {
            file: file.name.clone(),
            position: pos.get(&path).copied(),
            path,
            message,
            hint,
        });
    }
    (findings.len() == before).then_some(value)
}

/// Turns a JSON pointer into the dotted form people read: `organisations[3].name`.
fn dotted_path(root: &Value, pointer: &str) -> String {
    let mut out = String::new();
    let mut node = Some(root);
    for raw in pointer.split('/').skip(1) {
        let seg = raw.replace("~1", "/").replace("~0", "~");
        match node {
            Some(Value::Array(items)) => {
                out.push_str(&format!("[{seg}]"));
                node = seg.parse::<usize>().ok().and_then(|i| items.get(i));
            }
            other => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(&seg);
                node = other.and_then(|v| v.get(&seg));
            }
        }
    }
    out
}

fn describe(error: &jsonschema::ValidationError<'_>, path: &str) -> (String, String) {
    use jsonschema::error::ValidationErrorKind as K;
    let field = path
        .rsplit(['.', '['])
        .next()
        .unwrap_or(path)
        .trim_end_matches(']');
    match error.kind() {
        K::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            (
                format!("the field \"{name}\" is missing"),
                format!("add \"{name}\" here; `countersign schema` describes it"),
            )
        }
        K::AdditionalProperties { unexpected } => (
            format!("unknown field(s): {}", unexpected.join(", ")),
            "check the spelling against `countersign schema`, or remove the field".into(),
        ),
        K::Enum { options } => {
            let list: Vec<String> = options
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str())
                        .map(|s| format!("\"{s}\""))
                        .collect()
                })
                .unwrap_or_default();
            (
                format!("{} is not one of the allowed values", error.instance()),
                format!("use one of {}", list.join(", ")),
            )
        }
        K::Format { format } if format == "date" => (
            format!("{} is not a date", error.instance()),
            "write dates as YYYY-MM-DD, for example \"2026-03-31\"".into(),
        ),
        K::Pattern { pattern } => (
            format!("{} is not in the expected form", error.instance()),
            crate::document::model::forms::hint(pattern)
                .unwrap_or("see `countersign schema` for the form expected")
                .into(),
        ),
        K::Type { .. } => (
            error.to_string(),
            format!("give \"{field}\" a value of the type `countersign schema` shows"),
        ),
        K::MinItems { .. } => (
            "the list is empty".into(),
            format!("add at least one entry to \"{field}\""),
        ),
        K::MinLength { .. } => ("the text is empty".into(), format!("fill in \"{field}\"")),
        _ => (
            error.to_string(),
            "see `countersign schema` for what is expected".into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_become_dotted_paths() {
        let v = serde_json::json!({"organisations": [{"membership": {"sponsor": 1}}]});
        assert_eq!(
            dotted_path(&v, "/organisations/0/membership/sponsor"),
            "organisations[0].membership.sponsor"
        );
        assert_eq!(dotted_path(&v, ""), "");
    }
}
