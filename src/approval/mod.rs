//! Approvals: the signatories' keys and the keyring that says whose they are, the signed
//! statement and its envelope, signing a document, collecting returned signatures, and
//! approvals signed on paper.
//!
//! Every signature enters a pack through [`signing`] (signed in the pack) or [`collect`]
//! (returned from a bundle); every key change through [`key_changes`]. What was done is
//! recorded by [`crate::record`]; whether it counts is [`crate::verify`]'s question.

pub mod collect;
pub mod key_changes;
pub mod key_files;
pub mod keyring;
pub mod keys;
pub mod paper;
pub mod paper_approval;
pub mod sign;
pub mod signature;
pub mod signing;
