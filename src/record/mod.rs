//! What happened to a pack, in order: the append-only, hash-chained log, the register built on
//! it, and signed checkpoints that let anyone show later that the register was not rewritten.
//!
//! The register's order decides; nothing here reads the clock or judges a signature.

pub mod checkpoint;
pub mod log;
pub mod register;
