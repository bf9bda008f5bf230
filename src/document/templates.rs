//! The default templates' one table: every template name a pack can override in its
//! `templates/` folder, and the default DOCX shipped in the binary for each.
//!
//! The defaults are built from code (`tests/default_templates/`, with docx-rs, so their layout
//! is reviewable) and committed in `templates/`; a test proves the committed files are what that
//! code builds. Nothing here renders or lays out a document.

/// The framework.
pub const FRAMEWORK: &str = "framework.docx";
/// A protocol.
pub const PROTOCOL: &str = "protocol.docx";
/// The framework's signature sheet.
pub const SIGNATURE_SHEET: &str = "signature-sheet.docx";
/// An affiliate's member assurance checklist.
pub const ASSURANCE_CHECKLIST: &str = "assurance-checklist.docx";
/// The bundle's signature report.
pub const SIGNATURE_REPORT: &str = "signature-report.docx";
/// The summary of changes between two versions.
pub const CHANGES: &str = "changes.docx";
/// A protocol's Data Sharing Code checklist, an annex to circulate with it.
pub const CODE_CHECKLIST: &str = "code-checklist.docx";

/// Every template: (name, default bytes).
pub const DEFAULTS: [(&str, &[u8]); 7] = [
    (FRAMEWORK, include_bytes!("../../templates/framework.docx")),
    (PROTOCOL, include_bytes!("../../templates/protocol.docx")),
    (
        SIGNATURE_SHEET,
        include_bytes!("../../templates/signature-sheet.docx"),
    ),
    (
        ASSURANCE_CHECKLIST,
        include_bytes!("../../templates/assurance-checklist.docx"),
    ),
    (
        SIGNATURE_REPORT,
        include_bytes!("../../templates/signature-report.docx"),
    ),
    (CHANGES, include_bytes!("../../templates/changes.docx")),
    (
        CODE_CHECKLIST,
        include_bytes!("../../templates/code-checklist.docx"),
    ),
];

/// Every template name.
pub fn names() -> impl Iterator<Item = &'static str> {
    DEFAULTS.iter().map(|(name, _)| *name)
}

/// The default template with this name, as shipped in the binary.
pub fn default_bytes(name: &str) -> Option<&'static [u8]> {
    DEFAULTS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, bytes)| *bytes)
}
