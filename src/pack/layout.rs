//! A pack's layout: the name of every file and folder countersign reads or writes in a pack,
//! and in a bundle, which carries the same layout plus its own index, report, sheet and page.
//!
//! Owns names only. [`crate::pack::Pack`] joins them onto a pack's folder; no other module
//! spells a path of the pack. A rename here is a change of format: a verifier, the page
//! (`page/verify.js` is given these names when it is built) and earlier bundles depend on them.
//!
//! ```text
//! framework.json, organisations.json, protocols/*.json   the agreement data
//! out/*.docx, out/manifest.json, out/data/*.data.json      what assemble wrote
//! keys/keyring.json                                       who holds which key
//! register/register.jsonl, register/checkpoints/          what happened, in order
//! signatures/*.dsse.json, signatures/set-aside/           returned signatures
//! paper/*.paper.json and scans                            approvals signed on paper
//! ```

/// The framework's file.
pub const FRAMEWORK_FILE: &str = "framework.json";
/// The organisations' file.
pub const ORGANISATIONS_FILE: &str = "organisations.json";
/// The folder of protocol files.
pub const PROTOCOLS_DIR: &str = "protocols";

/// The folder `assemble` writes into.
pub const OUT_DIR: &str = "out";
/// The manifest's file name in the output folder.
pub const MANIFEST_FILE: &str = "manifest.json";
/// The folder, inside the output folder, that keeps the data each document was rendered with.
pub const DATA_DIR: &str = "data";

/// The folder of the keyring and its lock.
pub const KEYS_DIR: &str = "keys";
/// Where the keyring lives.
pub const KEYRING_FILE: &str = "keys/keyring.json";

/// The folder of the register and its checkpoints.
pub const REGISTER_DIR: &str = "register";
/// Where the register lives.
pub const REGISTER_FILE: &str = "register/register.jsonl";
/// Where checkpoints of the register live.
pub const CHECKPOINTS_DIR: &str = "register/checkpoints";

/// Where signature files live.
pub const SIGNATURES_DIR: &str = "signatures";
/// The ending of a signature (or checkpoint) file's name.
pub const SIGNATURE_SUFFIX: &str = ".dsse.json";
/// The folder, inside `signatures/`, where a failing signature is kept as evidence once a
/// fresh one replaces it.
pub const SET_ASIDE_DIR: &str = "set-aside";

/// Where approvals signed on paper are kept (their records and scans).
pub const PAPER_DIR: &str = "paper";
/// The ending of a paper record's file name.
pub const RECORD_SUFFIX: &str = ".paper.json";

/// A bundle's index.
pub const INDEX_FILE: &str = "bundle-index.json";
/// A bundle's signature report.
pub const REPORT_FILE: &str = crate::document::templates::SIGNATURE_REPORT;
/// A bundle's signature sheet.
pub const SHEET_FILE: &str = "signature-sheet.docx";
/// A bundle's verification page (and its name by default on disk).
pub const PAGE_FILE: &str = "verify.html";

/// The keyring's lock, held only while the keyring is being changed (inside [`KEYS_DIR`]).
pub const KEYRING_LOCK: &str = ".keyring.lock";
/// The folder of a pack's own templates, which replace the default ones of the same name.
pub const TEMPLATES_DIR: &str = "templates";
/// The folder `init` writes the JSON schemas into, for editors that check data as it is typed.
pub const SCHEMA_DIR: &str = "schema";
/// The file `init` writes so that version control never takes in a secret key or the lock.
pub const GITIGNORE_FILE: &str = ".gitignore";
/// The protocol files, as a pattern people read.
pub const PROTOCOL_FILES: &str = "protocols/*.json";
/// The note `init` leaves in the templates folder on how to make a pack's own templates.
pub const TEMPLATES_README: &str = "README.md";
