//! countersign assembles information-sharing agreement packs from structured data and records
//! each organisation's approval as a verifiable Ed25519 signature.
//!
//! # The pipeline
//!
//! A pack is a folder of agreement data. The modules follow what happens to it, in order:
//!
//! 1. **[`document`]**: data to documents. The agreement data's types ([`document::model`]) are
//!    read and checked ([`document::validate`]), merged into DOCX templates made in Word or
//!    LibreOffice ([`document::template`]), packaged byte-reproducibly
//!    ([`document::package`]) and listed with their SHA-256 in the manifest
//!    ([`document::manifest`]); [`document::assemble`] does all of it for a pack.
//! 2. **[`approval`]**: who approves, with which key. Keys ([`approval::keys`]) and the keyring
//!    that says whose they are ([`approval::keyring`], changed by [`approval::key_changes`]);
//!    the signed statement ([`approval::signature`]), signing ([`approval::signing`]),
//!    collecting returned signatures ([`approval::collect`]) and approvals on paper
//!    ([`approval::paper_approval`]).
//! 3. **[`record`]**: what happened, in order. The append-only, hash-chained log
//!    ([`record::log`]) under the keyring and the register ([`record::register`]), and signed
//!    checkpoints of the register ([`record::checkpoint`]).
//! 4. **[`verify`]**: the verdict. A document and every signature of it ([`verify`]), what the
//!    verifier trusts ([`verify::trust`]), a bundle's verdict ([`verify::verdict`]) and the
//!    page that gives the same verdict in a browser ([`verify::page`]).
//! 5. **[`pack`]**: the pack on disk and in transit. Its layout ([`pack::layout`]: every
//!    path), loading and storing ([`pack::Pack`]), the pack at a glance ([`pack::status`]) and
//!    the bundle that carries it to partners ([`pack::bundle`]).
//!
//! Beneath them: [`digest`] (SHA-256 over exact bytes), [`json`] (the one strict JSON reading),
//! [`time`] (the one time type) and [`fsio`] (the one place files are written: atomically,
//! never over a file by accident).
//!
//! The library never prints, prompts, exits or reads the clock; the `countersign` binary (the
//! `cli` feature) does. Without that feature the library builds without the command line's
//! dependencies.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod approval;
pub mod digest;
pub mod document;
pub mod fsio;
#[doc(hidden)]
pub mod fuzzing;
pub mod json;
pub mod pack;
pub mod record;
pub mod time;
pub mod verify;

pub use document::template::{Problem, Template, TemplateError};
