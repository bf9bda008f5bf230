//! Loading a pack's data files and checking every rule before anything is written.
//!
//! Three passes, each reporting all it finds: JSON syntax (line and column), the JSON Schema
//! derived from [`crate::model`] (types, required fields, formats, unknown fields), and the
//! rules that tie fields and files together (lawful bases, references between organisations
//! and protocols, unique ids, date order). Every finding names the file, the JSON path, the
//! line and column where there is one, and the fix. Reads files; writes nothing.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::model::{
    DataCategory, Framework, MembershipKind, NEEDS_SCHEDULE1, Organisation, OrganisationsFile,
    Protocol, parse_date,
};

/// The framework's file in a pack.
pub const FRAMEWORK_FILE: &str = "framework.json";
/// The organisations' file in a pack.
pub const ORGANISATIONS_FILE: &str = "organisations.json";
/// The folder of protocol files in a pack.
pub const PROTOCOLS_DIR: &str = "protocols";

/// One problem in a pack's data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The file, relative to the pack, e.g. `protocols/mash.json`.
    pub file: String,
    /// The JSON path, e.g. `organisations[3].membership.sponsor` (empty for the whole file).
    pub path: String,
    /// 1-based line and column of the value, where known.
    pub position: Option<(usize, usize)>,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub hint: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some((line, column)) = self.position {
            write!(f, ":{line}:{column}")?;
        }
        if !self.path.is_empty() {
            write!(f, ": {}", self.path)?;
        }
        write!(f, ": {}", self.message)?;
        if !self.hint.is_empty() {
            write!(f, "\n    hint: {}", self.hint)?;
        }
        Ok(())
    }
}

/// Why a pack could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PackError {
    /// The folder is not a pack.
    #[error("'{}' is not a pack: it has no {FRAMEWORK_FILE}", .0.display())]
    NotAPack(PathBuf),
    /// A file could not be read.
    #[error("cannot read '{}' ({source})", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The data has problems.
    #[error("{}", list_findings(.findings, *.rules_checked))]
    Invalid {
        /// Every problem found.
        findings: Vec<Finding>,
        /// Whether the rules between fields and files were checked too. They are checked only
        /// once every file parses and has the shape the schema asks for.
        rules_checked: bool,
    },
}

fn list_findings(findings: &[Finding], rules_checked: bool) -> String {
    let mut s = format!("the pack's data has {} problem(s):", findings.len());
    for f in findings {
        s.push_str("\n  - ");
        s.push_str(&f.to_string().replace('\n', "\n    "));
    }
    if !rules_checked {
        s.push_str("\n(the rules between files, such as lawful bases and references between organisations, are checked once these are fixed)");
    }
    s
}

/// A data file as read, kept so that outputs can record what they came from.
#[derive(Debug, Clone)]
pub struct DataFile {
    /// Path relative to the pack, with `/` separators.
    pub name: String,
    /// The exact bytes.
    pub bytes: Vec<u8>,
}

/// A pack's data, loaded and checked.
#[derive(Debug, Clone)]
pub struct PackData {
    /// Where each organisation is, by id.
    index: std::sync::OnceLock<std::collections::HashMap<String, usize>>,
    /// The framework.
    pub framework: Framework,
    /// The organisations, in file order.
    pub organisations: Vec<Organisation>,
    /// The protocols, ordered by file name.
    pub protocols: Vec<Protocol>,
    /// The files they came from.
    pub files: Vec<DataFile>,
}

impl PackData {
    /// The organisation with this id.
    pub fn organisation(&self, id: &str) -> Option<&Organisation> {
        // Ids are unique (validation checks it); the index is built once, on first use.
        let index = self.index.get_or_init(|| {
            self.organisations
                .iter()
                .enumerate()
                .map(|(i, o)| (o.id.clone(), i))
                .collect()
        });
        index.get(id).and_then(|&i| self.organisations.get(i))
    }
}

fn read(root: &Path, name: &str) -> Result<DataFile, PackError> {
    let path = root.join(name);
    let bytes = std::fs::read(&path).map_err(|source| PackError::Io { path, source })?;
    Ok(DataFile {
        name: name.to_string(),
        bytes,
    })
}

/// Reads and checks the pack in `root`. Returns every finding at once.
pub fn load_pack(root: &Path) -> Result<PackData, PackError> {
    if !root.join(FRAMEWORK_FILE).is_file() {
        return Err(PackError::NotAPack(root.to_path_buf()));
    }
    let mut files = vec![read(root, FRAMEWORK_FILE)?, read(root, ORGANISATIONS_FILE)?];
    let protocols_dir = root.join(PROTOCOLS_DIR);
    if protocols_dir.is_dir() {
        let entries = std::fs::read_dir(&protocols_dir).map_err(|source| PackError::Io {
            path: protocols_dir.clone(),
            source,
        })?;
        let mut names = BTreeSet::new();
        for entry in entries {
            let entry = entry.map_err(|source| PackError::Io {
                path: protocols_dir.clone(),
                source,
            })?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".json") {
                names.insert(name);
            }
        }
        for name in names {
            files.push(read(root, &format!("{PROTOCOLS_DIR}/{name}"))?);
        }
    }
    check_files(files)
}

/// Checks data files already in memory (the first two must be the framework and the
/// organisations' file, the rest protocols).
pub fn check_files(files: Vec<DataFile>) -> Result<PackData, PackError> {
    let mut findings = Vec::new();
    let mut typed_framework = None;
    let mut typed_orgs = None;
    let mut protocols = Vec::new();
    let mut positions: BTreeMap<String, Positions> = BTreeMap::new();
    // One validator per kind of file, built once however many protocols there are.
    let mut validators = Vec::with_capacity(FileKind::ALL.len());
    for kind in FileKind::ALL {
        let schema = serde_json::to_value(kind.schema()).unwrap_or(Value::Null);
        let validator = jsonschema::options()
            .should_validate_formats(true)
            .build(&schema)
            .map_err(|e| PackError::Invalid {
                findings: vec![Finding {
                    file: kind.pattern().into(),
                    path: String::new(),
                    position: None,
                    message: format!("internal schema error: {e}"),
                    hint: "please report this".into(),
                }],
                rules_checked: false,
            })?;
        validators.push(validator);
    }
    for (i, file) in files.iter().enumerate() {
        let kind = match i {
            0 => FileKind::Framework,
            1 => FileKind::Organisations,
            _ => FileKind::Protocol,
        };
        let Some((value, pos)) =
            parse_and_check_schema(file, &validators[kind as usize], &mut findings)
        else {
            continue;
        };
        let typed = match kind {
            FileKind::Framework => {
                serde_json::from_value::<Framework>(value).map(|f| typed_framework = Some(f))
            }
            FileKind::Organisations => serde_json::from_value::<OrganisationsFile>(value)
                .map(|o| typed_orgs = Some(o.organisations)),
            FileKind::Protocol => serde_json::from_value::<Protocol>(value)
                .map(|p| protocols.push((file.name.clone(), p))),
        };
        if let Err(e) = typed {
            findings.push(Finding {
                file: file.name.clone(),
                path: String::new(),
                position: None,
                message: e.to_string(),
                hint: "check the field against `countersign schema`".into(),
            });
        }
        positions.insert(file.name.clone(), pos);
    }
    let mut rules_checked = false;
    if let (true, Some(framework), Some(organisations)) =
        (findings.is_empty(), typed_framework, typed_orgs)
    {
        rules_checked = true;
        let mut rules = Rules {
            findings: &mut findings,
            positions: &positions,
        };
        rules.check(&framework, &organisations, &protocols);
        if findings.is_empty() {
            return Ok(PackData {
                index: std::sync::OnceLock::new(),
                framework,
                organisations,
                protocols: protocols.into_iter().map(|(_, p)| p).collect(),
                files,
            });
        }
    }
    Err(PackError::Invalid {
        findings,
        rules_checked,
    })
}

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
            FileKind::Protocol => "protocols/*.json",
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

fn parse_and_check_schema(
    file: &DataFile,
    validator: &jsonschema::Validator,
    findings: &mut Vec<Finding>,
) -> Option<(Value, Positions)> {
    let value = match crate::data::parse_json(&file.bytes) {
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
    let text = String::from_utf8_lossy(&file.bytes);
    let pos = positions(&text);
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
        findings.push(Finding {
            file: file.name.clone(),
            position: pos.get(&path).copied(),
            path,
            message,
            hint,
        });
    }
    (findings.len() == before).then_some((value, pos))
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
        K::Pattern { pattern } => {
            let hint = match pattern.as_str() {
                p if p.starts_with("^[a-z0-9]") => {
                    "ids use lower-case letters, digits and hyphens, for example \"cambs-cc\""
                }
                p if p.starts_with("^[0-9]+") => {
                    "write versions as numbers with dots, for example \"2.6\""
                }
                p if p.starts_with("^Z") => {
                    "ICO registration numbers have 8 characters and start with Z, for example \"Z5735887\""
                }
                p if p.starts_with("^[A-Z0-9]{3") => {
                    "ODS codes have 3 to 5 capital letters or digits, for example \"RGT\""
                }
                p if p.starts_with("^[^@") => {
                    "write a whole email address, for example \"dpo@example.gov.uk\""
                }
                "^[a-f]$" => "use one letter of Article 6(1), from \"a\" to \"f\"",
                "^[a-j]$" => "use one letter of Article 9(2), from \"a\" to \"j\"",
                _ => "see `countersign schema` for the form expected",
            };
            (
                format!("{} is not in the expected form", error.instance()),
                hint.into(),
            )
        }
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

/// Dotted JSON path to the 1-based (line, column) of its value.
type Positions = BTreeMap<String, (usize, usize)>;

/// Maps each dotted JSON path of `text` to the 1-based line and column where its value starts.
/// The text is known to be valid JSON.
fn positions(text: &str) -> Positions {
    struct Scanner<'a> {
        bytes: &'a [u8],
        at: usize,
        line: usize,
        line_start: usize,
        out: BTreeMap<String, (usize, usize)>,
    }
    impl Scanner<'_> {
        fn ws(&mut self) {
            while let Some(&b) = self.bytes.get(self.at) {
                match b {
                    b'\n' => {
                        self.line += 1;
                        self.at += 1;
                        self.line_start = self.at;
                    }
                    b' ' | b'\t' | b'\r' => self.at += 1,
                    _ => break,
                }
            }
        }
        fn column(&self) -> usize {
            // Columns count characters, as editors do.
            String::from_utf8_lossy(&self.bytes[self.line_start..self.at])
                .chars()
                .count()
                + 1
        }
        fn string(&mut self) -> String {
            let start = self.at;
            self.at += 1;
            while let Some(&b) = self.bytes.get(self.at) {
                self.at += 1;
                match b {
                    b'\\' => self.at += 1,
                    b'"' => break,
                    _ => {}
                }
            }
            serde_json::from_slice(&self.bytes[start..self.at]).unwrap_or_default()
        }
        fn value(&mut self, path: &str) {
            self.ws();
            let here = (self.line, self.column());
            self.out.insert(path.to_string(), here);
            match self.bytes.get(self.at) {
                Some(b'{') => {
                    self.at += 1;
                    loop {
                        self.ws();
                        match self.bytes.get(self.at) {
                            Some(b'}') | None => {
                                self.at += 1;
                                break;
                            }
                            Some(b',') => self.at += 1,
                            Some(b'"') => {
                                let key = self.string();
                                self.ws();
                                self.at += 1; // the colon
                                let child = if path.is_empty() {
                                    key
                                } else {
                                    format!("{path}.{key}")
                                };
                                self.value(&child);
                            }
                            Some(_) => self.at += 1,
                        }
                    }
                }
                Some(b'[') => {
                    self.at += 1;
                    let mut index = 0;
                    loop {
                        self.ws();
                        match self.bytes.get(self.at) {
                            Some(b']') | None => {
                                self.at += 1;
                                break;
                            }
                            Some(b',') => self.at += 1,
                            Some(_) => {
                                self.value(&format!("{path}[{index}]"));
                                index += 1;
                            }
                        }
                    }
                }
                Some(b'"') => {
                    self.string();
                }
                Some(_) => {
                    while let Some(&b) = self.bytes.get(self.at) {
                        if matches!(b, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t') {
                            break;
                        }
                        self.at += 1;
                    }
                }
                None => {}
            }
        }
    }
    let mut s = Scanner {
        bytes: text.as_bytes(),
        at: 0,
        line: 1,
        line_start: 0,
        out: BTreeMap::new(),
    };
    s.value("");
    s.out
}

struct Rules<'a> {
    findings: &'a mut Vec<Finding>,
    positions: &'a BTreeMap<String, Positions>,
}

impl Rules<'_> {
    fn add(
        &mut self,
        file: &str,
        path: impl Into<String>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        let path = path.into();
        // A path may point at a field that is absent; fall back to its parent's position.
        let mut probe = path.as_str();
        let position = loop {
            if let Some(p) = self.positions.get(file).and_then(|m| m.get(probe)) {
                break Some(*p);
            }
            match probe.rfind(['.', '[']) {
                Some(i) => probe = &probe[..i],
                None => break self.positions.get(file).and_then(|m| m.get("")).copied(),
            }
        };
        self.findings.push(Finding {
            file: file.to_string(),
            path,
            position,
            message: message.into(),
            hint: hint.into(),
        });
    }

    fn date_order(
        &mut self,
        file: &str,
        earlier: (&str, &str),
        later: (&str, &str),
        strictly: bool,
    ) {
        let (Some(a), Some(b)) = (parse_date(earlier.1), parse_date(later.1)) else {
            return;
        };
        if b < a || (strictly && b == a) {
            self.add(
                file,
                later.0,
                format!(
                    "{} {} is {} {} {}",
                    later.0,
                    later.1,
                    if strictly { "not after" } else { "before" },
                    earlier.0,
                    earlier.1
                ),
                format!("set {} to a date after {}", later.0, earlier.1),
            );
        }
    }

    fn check(
        &mut self,
        framework: &Framework,
        organisations: &[Organisation],
        protocols: &[(String, Protocol)],
    ) {
        let fw = FRAMEWORK_FILE;
        self.date_order(
            fw,
            ("approved", &framework.approved),
            ("review_by", &framework.review_by),
            true,
        );
        self.date_order(
            fw,
            ("approved", &framework.approved),
            ("valid_from", &framework.valid_from),
            false,
        );
        if !framework
            .revisions
            .iter()
            .any(|r| r.version == framework.version)
        {
            self.add(fw, "revisions", format!("the revision history has no row for version {}, the version being issued", framework.version), format!("add {{\"version\": \"{}\", \"date\": \"…\", \"description\": \"…\"}} to \"revisions\"", framework.version));
        }
        let mut seen_versions = BTreeMap::new();
        for (i, r) in framework.revisions.iter().enumerate() {
            if let Some(first) = seen_versions.insert(r.version.clone(), i) {
                self.add(
                    fw,
                    format!("revisions[{i}].version"),
                    format!(
                        "version {} is listed twice (also at revisions[{first}])",
                        r.version
                    ),
                    "keep one row per version",
                );
            }
        }

        let of = ORGANISATIONS_FILE;
        let mut ids: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, org) in organisations.iter().enumerate() {
            if let Some(first) = ids.insert(&org.id, i) {
                self.add(
                    of,
                    format!("organisations[{i}].id"),
                    format!(
                        "the id \"{}\" is already used by organisations[{first}]",
                        org.id
                    ),
                    "give every organisation its own id",
                );
            }
        }
        for (i, org) in organisations.iter().enumerate() {
            let at = format!("organisations[{i}]");
            match (org.membership.kind, &org.membership.sponsor) {
                (MembershipKind::Affiliate, None) => self.add(
                    of,
                    format!("{at}.membership.sponsor"),
                    format!("the affiliate \"{}\" has no sponsor", org.name),
                    "name the id of the core member that sponsors it",
                ),
                (MembershipKind::Affiliate, Some(s)) => {
                    match organisations.iter().find(|o| &o.id == s) {
                        None => self.add(
                            of,
                            format!("{at}.membership.sponsor"),
                            format!("the sponsor \"{s}\" is not an organisation of this pack"),
                            "use the id of a core member from organisations.json",
                        ),
                        Some(o) if o.membership.kind != MembershipKind::Core => self.add(
                            of,
                            format!("{at}.membership.sponsor"),
                            format!("the sponsor \"{s}\" is not a core member"),
                            "affiliates are sponsored by a core member",
                        ),
                        Some(_) => {}
                    }
                }
                (MembershipKind::Core, Some(_)) => self.add(
                    of,
                    format!("{at}.membership.sponsor"),
                    "a core member has no sponsor",
                    "remove \"sponsor\", or make the organisation an affiliate",
                ),
                (MembershipKind::Core, None) => {}
            }
            if org.membership.kind == MembershipKind::Affiliate {
                match &org.assurance {
                    None => self.add(
                        of,
                        format!("{at}.assurance"),
                        format!("the affiliate \"{}\" has no assurance answers", org.name),
                        "fill in \"assurance\" from the member assurance checklist",
                    ),
                    Some(a) => {
                        let any = [
                            &a.dsp_toolkit,
                            &a.cyber_essentials,
                            &a.cyber_essentials_plus,
                            &a.iso27001,
                            &a.psn,
                        ]
                        .iter()
                        .any(|e| e.held);
                        if !any
                            && a.other_measures
                                .as_deref()
                                .is_none_or(|s| s.trim().is_empty())
                        {
                            self.add(of, format!("{at}.assurance.other_measures"), "none of the certifications is held and no other measures are described", "describe what is in place to meet data protection and cyber security requirements");
                        }
                    }
                }
            }
            if let Some(a) = &org.assurance {
                for (name, e) in [
                    ("dsp_toolkit", &a.dsp_toolkit),
                    ("cyber_essentials", &a.cyber_essentials),
                    ("cyber_essentials_plus", &a.cyber_essentials_plus),
                    ("iso27001", &a.iso27001),
                    ("psn", &a.psn),
                ] {
                    if e.evidence_seen && !e.held {
                        self.add(of, format!("{at}.assurance.{name}.evidence_seen"), "evidence is marked as seen for something the organisation does not hold", "set \"held\" to true, or \"evidence_seen\" to false");
                    }
                }
            }
        }

        let mut protocol_ids: BTreeMap<&str, &str> = BTreeMap::new();
        for (file, p) in protocols {
            if let Some(other) = protocol_ids.insert(&p.id, file) {
                self.add(
                    file,
                    "id",
                    format!("the protocol id \"{}\" is also used in {other}", p.id),
                    "give every protocol its own id",
                );
            }
            let stem = file
                .trim_start_matches(&format!("{PROTOCOLS_DIR}/"))
                .trim_end_matches(".json");
            if stem != p.id {
                self.add(
                    file,
                    "id",
                    format!(
                        "the id \"{}\" does not match the file name \"{stem}.json\"",
                        p.id
                    ),
                    format!("rename the file to {}.json, or change the id", p.id),
                );
            }
            self.check_protocol(file, p, organisations);
        }
    }

    fn check_protocol(&mut self, file: &str, p: &Protocol, organisations: &[Organisation]) {
        let org = |id: &str| organisations.iter().find(|o| o.id == id);
        self.date_order(
            file,
            ("approved", &p.approved),
            ("review_by", &p.review_by),
            true,
        );
        let mut parties = BTreeSet::new();
        for (i, id) in p.parties.iter().enumerate() {
            if org(id).is_none() {
                self.add(
                    file,
                    format!("parties[{i}]"),
                    format!("\"{id}\" is not an organisation of this pack"),
                    "use an id from organisations.json, or add the organisation there",
                );
            }
            if !parties.insert(id.as_str()) {
                self.add(
                    file,
                    format!("parties[{i}]"),
                    format!("\"{id}\" is listed twice"),
                    "list each party once",
                );
            }
        }
        if org(&p.requesting_organisation).is_none() {
            self.add(
                file,
                "requesting_organisation",
                format!(
                    "\"{}\" is not an organisation of this pack",
                    p.requesting_organisation
                ),
                "use an id from organisations.json",
            );
        } else if !parties.contains(p.requesting_organisation.as_str()) {
            self.add(
                file,
                "requesting_organisation",
                format!(
                    "\"{}\" is not one of the parties",
                    p.requesting_organisation
                ),
                "add it to \"parties\"",
            );
        }
        let mut contacted = BTreeSet::new();
        for (i, c) in p.breach_contacts.iter().enumerate() {
            if !parties.contains(c.organisation.as_str()) {
                self.add(
                    file,
                    format!("breach_contacts[{i}].organisation"),
                    format!("\"{}\" is not a party to this protocol", c.organisation),
                    "give breach contacts for the parties only",
                );
            }
            contacted.insert(c.organisation.as_str());
        }
        for (i, id) in p.parties.iter().enumerate() {
            if org(id).is_some() && !contacted.contains(id.as_str()) {
                self.add(
                    file,
                    format!("parties[{i}]"),
                    format!("the party \"{id}\" has no breach contact"),
                    "add an entry for it to \"breach_contacts\"",
                );
            }
        }

        let lb = &p.lawful_basis;
        let special = p
            .data_items
            .iter()
            .any(|d| d.category == DataCategory::SpecialCategory);
        let criminal = p
            .data_items
            .iter()
            .any(|d| d.category == DataCategory::CriminalOffence);
        if lb.article6.is_empty() {
            let message = if lb.article9.is_empty() {
                "there is no Article 6 lawful basis"
            } else {
                "an Article 9 condition needs an Article 6 basis as well, and there is none"
            };
            self.add(file, "lawful_basis.article6", message, "add the UK GDPR Article 6(1) basis relied on, for example {\"basis\": \"e\"} for a public task");
        }
        let mut letters = BTreeSet::new();
        for (i, b) in lb.article6.iter().enumerate() {
            if !letters.insert(b.basis.as_str()) {
                self.add(
                    file,
                    format!("lawful_basis.article6[{i}]"),
                    format!("Article 6(1)({}) is listed twice", b.basis),
                    "list each basis once",
                );
            }
        }
        if let Some(i) = lb.article6.iter().position(|b| b.basis == "f") {
            let public: Vec<&str> = p
                .parties
                .iter()
                .filter_map(|id| org(id))
                .filter(|o| o.is_public_authority())
                .map(|o| o.name.as_str())
                .collect();
            if !public.is_empty() {
                self.add(
                    file,
                    format!("lawful_basis.article6[{i}].basis"),
                    format!(
                        "legitimate interests (Article 6(1)(f)) cannot be relied on by public authorities for their public tasks, and {} {}",
                        public.join(", "),
                        if public.len() == 1 { "is a public authority" } else { "are public authorities" }
                    ),
                    "use Article 6(1)(e) public task (or (c) legal obligation) for public authorities",
                );
            }
        }
        if special && lb.article9.is_empty() {
            let i = p
                .data_items
                .iter()
                .position(|d| d.category == DataCategory::SpecialCategory)
                .unwrap_or(0);
            self.add(
                file,
                format!("data_items[{i}].category"),
                "special category data is shared but there is no Article 9 condition",
                "add the Article 9(2) condition relied on to \"lawful_basis.article9\"",
            );
        }
        let mut letters = BTreeSet::new();
        for (i, c) in lb.article9.iter().enumerate() {
            if !letters.insert(c.condition.as_str()) {
                self.add(
                    file,
                    format!("lawful_basis.article9[{i}]"),
                    format!("Article 9(2)({}) is listed twice", c.condition),
                    "list each condition once",
                );
            }
            if NEEDS_SCHEDULE1.contains(&c.condition.as_str())
                && c.schedule1.as_deref().is_none_or(|s| s.trim().is_empty())
            {
                self.add(
                    file,
                    format!("lawful_basis.article9[{i}].schedule1"),
                    format!("Article 9(2)({}) needs a condition from Schedule 1 of the Data Protection Act 2018", c.condition),
                    "add \"schedule1\", for example \"Part 1, paragraph 2: health or social care purposes\"",
                );
            }
        }
        if criminal && lb.article10.as_deref().is_none_or(|s| s.trim().is_empty()) {
            let i = p
                .data_items
                .iter()
                .position(|d| d.category == DataCategory::CriminalOffence)
                .unwrap_or(0);
            self.add(file, format!("data_items[{i}].category"), "criminal offence data is shared but no Schedule 1 condition is given for it (Article 10)", "add \"lawful_basis.article10\", for example \"Part 2, paragraph 10: preventing or detecting unlawful acts\"");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_point_at_values() {
        let text = "{\n  \"a\": [1, {\"b\": \"x\"}],\n  \"ü\": true\n}";
        let pos = positions(text);
        assert_eq!(pos["a"], (2, 8));
        assert_eq!(pos["a[1].b"], (2, 18));
        assert_eq!(pos["ü"], (3, 8));
    }

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
