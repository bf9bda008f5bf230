//! countersign assembles information-sharing agreement packs from structured data and records
//! each organisation's approval as a verifiable Ed25519 signature.
//!
//! # The pipeline
//!
//! A pack is a folder of agreement data; what happens to it, step by step, and where each step
//! lives:
//!
//! 1. **Data.** [`model`] holds the types of a pack's files (framework, organisations,
//!    protocols); [`validate`] loads them ([`data`] parses JSON with line and column) and checks
//!    the schema and the rules between fields and files, reporting every finding at once;
//!    [`code_checklist`] reads each protocol against the ICO's Data Sharing Code.
//! 2. **Render.** [`template`] compiles a DOCX template made in Word or LibreOffice once (tags
//!    found across Word's runs, blocks over paragraphs and table rows) and renders it with data;
//!    [`xml`] is the one place user data becomes XML; [`templates`] names the default templates.
//! 3. **Package.** [`package`] reads DOCX zips safely and writes them byte-reproducibly, so the
//!    same inputs always give the same bytes; [`assemble`] renders every document of a pack
//!    (the data each template sees is built in a private `context` module) and writes the
//!    [`manifest`].
//! 4. **Digest.** [`digest`] is SHA-256 over a document's exact bytes.
//! 5. **Sign.** [`keys`] makes and reads Ed25519 keys; [`keyring`] says which key belongs to
//!    which organisation, from when, and whether it was revoked, and [`key_changes`] changes a
//!    pack's keyring as whole operations (lock, change, save, record); [`signature`] is the signed
//!    statement and its envelope (DSSE, in-toto); [`sign`] checks a request before signing, and
//!    [`signing`] signs a document of a pack as one operation.
//! 6. **Record.** [`log`] is the append-only, hash-chained file the keyring and the register
//!    both sit on; [`register`] is the pack's register of what was issued and signed, with
//!    signed checkpoints; [`pack`] owns a pack's layout on disk, loads what it
//!    holds, and writes signatures into it; [`collect`] brings returned signatures in.
//! 7. **Verify.** [`verify`] checks a document and every signature of it, per organisation;
//!    [`trust`] says whether each signing key is confirmed by what the verifier already trusts
//!    (a trust file, or an earlier keyring this one extends); [`status`] is the pack at a
//!    glance; [`changes`] compares two versions.
//!    Not every signatory holds a key: [`paper`] is the record of an approval signed on paper
//!    and [`paper_approval`] records one in a pack, and
//!    [`sheet`] prints the signature sheet for them, listing who signed electronically.
//! 8. **Exchange.** [`bundle`] packs everything a recipient needs into one zip and reads one
//!    back in memory, as the same [`pack::PackContents`] a folder gives; [`page`] is the
//!    verification page every bundle carries, which checks it in a browser, offline.
//!
//! [`time`] is the one time type; [`fsio`] is the one place files are written (atomically,
//! never over a file by accident).
//!
//! The library never prints, prompts, exits or reads the clock; the `countersign` binary (the
//! `cli` feature) does. Without that feature the library builds without the command line's
//! dependencies.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod assemble;
pub mod bundle;
pub mod changes;
pub mod checkpoint;
pub mod code_checklist;
pub mod collect;
mod context;
pub mod data;
pub mod digest;
pub mod fsio;
#[doc(hidden)]
pub mod fuzzing;
pub mod json;
pub mod key_changes;
pub mod key_files;
pub mod keyring;
pub mod keys;
pub mod layout;
pub mod log;
pub mod manifest;
pub mod model;
pub mod pack;
pub mod package;
pub mod page;
pub mod paper;
pub mod paper_approval;
pub mod register;
pub mod sheet;
pub mod sign;
pub mod signature;
pub mod signing;
pub mod status;
pub mod template;
pub mod templates;
pub mod time;
pub mod trust;
pub mod validate;
pub mod verdict;
pub mod verify;
pub mod xml;
pub mod ziplayout;

pub use template::{Problem, Template, TemplateError};
