//! countersign assembles information-sharing agreement packs from structured data and records
//! each organisation's approval as a verifiable signature.
//!
//! The pipeline, one module per step:
//!
//! - [`data`]: JSON data in, with errors that give line and column;
//! - [`template`]: a DOCX template written in Word or LibreOffice is compiled once and rendered
//!   with the data (tags found across Word's runs, rows and paragraphs repeated);
//! - [`package`]: the DOCX zip container, read safely and written byte-reproducibly, so the
//!   same inputs always give the same bytes and a signature over them stays checkable;
//! - [`xml`]: escaping and well-formedness, the one place user data becomes XML;
//! - [`fsio`]: the one place files are written: atomically, never over a file by accident.
//!
//! The library never prints, prompts, exits or reads the clock; the `countersign` binary does.

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod assemble;
pub mod bundle;
pub mod changes;
pub mod collect;
mod context;
pub mod data;
pub mod digest;
pub mod fsio;
pub mod keyring;
pub mod keys;
pub mod manifest;
pub mod model;
pub mod pack;
pub mod package;
pub mod register;
pub mod sign;
pub mod signature;
pub mod status;
pub mod template;
pub mod templates;
pub mod time;
pub mod validate;
pub mod verify;
pub mod xml;

pub use template::{Problem, Template, TemplateError};
