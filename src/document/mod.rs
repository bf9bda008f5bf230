//! From agreement data to documents: the data's types, reading and checking them, templates
//! and rendering, byte-reproducible DOCX packages, the manifest, and assembling a pack's
//! documents; also what changed between versions, the ICO checklist and the signature sheet.
//!
//! Nothing here signs or verifies: a document's bytes and their SHA-256 are what the rest of
//! the crate builds on.

pub mod assemble;
pub mod changes;
pub mod code_checklist;
pub(crate) mod context;
pub mod data;
pub mod manifest;
pub mod model;
pub mod package;
pub mod sheet;
pub mod template;
pub mod templates;
pub mod validate;
pub mod xml;
pub mod ziplayout;
