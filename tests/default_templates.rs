//! The committed default templates (`templates/*.docx`, shipped in the binary) are exactly what
//! the layout code in `default_templates/layout.rs` builds, byte for byte. To update them after a
//! change to the layout: `COUNTERSIGN_WRITE_TEMPLATES=1 cargo test --test default_templates`.

#[path = "default_templates/layout.rs"]
mod layout;

#[test]
fn committed_templates_are_what_the_code_builds() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    let names: Vec<&str> = countersign::document::templates::names().collect();
    assert_eq!(names.len(), 7);
    for name in names {
        let built = layout::build(name)
            .unwrap_or_else(|| panic!("the layout code has no template {name}"))
            .unwrap();
        let again = layout::build(name).unwrap().unwrap();
        assert_eq!(built, again, "{name} is not reproducible");
        let path = dir.join(name);
        if std::env::var_os("COUNTERSIGN_WRITE_TEMPLATES").is_some() {
            std::fs::write(&path, &built).unwrap();
        }
        let committed = std::fs::read(&path).unwrap_or_default();
        assert!(
            committed == built,
            "templates/{name} is not what tests/default_templates/layout.rs builds; run COUNTERSIGN_WRITE_TEMPLATES=1 cargo test --test default_templates"
        );
        assert_eq!(
            countersign::document::templates::default_bytes(name),
            Some(committed.as_slice()),
            "the binary ships templates/{name}"
        );
    }
}
