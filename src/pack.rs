//! A pack on disk: creating a new one from the bundled example, and the schema files editors
//! use to complete and check its JSON.

use std::path::Path;

use crate::fsio::{self, Overwrite, WriteError};
use crate::validate::FileKind;

/// The bundled small example, written by `countersign init`: (path in the pack, contents).
const EXAMPLE: [(&str, &str); 3] = [
    (
        "framework.json",
        include_str!("../examples/small/framework.json"),
    ),
    (
        "organisations.json",
        include_str!("../examples/small/organisations.json"),
    ),
    (
        "protocols/hospital-discharge.json",
        include_str!("../examples/small/protocols/hospital-discharge.json"),
    ),
];

const PACK_GITIGNORE: &str = "# Secret keys never belong in a pack.\n*.key\n*.key.pem\n# Held only while the keyring is being changed.\nkeys/.keyring.lock\n";

/// The schema files: (file name, pretty JSON).
pub fn schema_files() -> Vec<(&'static str, Vec<u8>)> {
    FileKind::ALL
        .iter()
        .map(|kind| {
            let mut bytes = serde_json::to_vec_pretty(&kind.schema()).unwrap_or_default();
            bytes.push(b'\n');
            (kind.schema_file(), bytes)
        })
        .collect()
}

/// Creates a new pack in `dir` (which must not exist, or be empty) from the bundled example.
pub fn init(dir: &Path) -> Result<(), WriteError> {
    if dir.exists()
        && std::fs::read_dir(dir)
            .map(|mut d| d.next().is_some())
            .unwrap_or(true)
    {
        return Err(WriteError::Exists(dir.to_path_buf()));
    }
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| WriteError::Io { path, source }
    };
    for sub in ["protocols", "schema", "templates", "keys"] {
        std::fs::create_dir_all(dir.join(sub)).map_err(io(&dir.join(sub)))?;
    }
    for (name, text) in EXAMPLE {
        fsio::write_atomic(&dir.join(name), text.as_bytes(), Overwrite::Refuse)?;
    }
    for (name, bytes) in schema_files() {
        fsio::write_atomic(&dir.join("schema").join(name), &bytes, Overwrite::Refuse)?;
    }
    fsio::write_atomic(
        &dir.join(".gitignore"),
        PACK_GITIGNORE.as_bytes(),
        Overwrite::Refuse,
    )?;
    fsio::write_atomic(
        &dir.join("templates").join("README.md"),
        b"Put a DOCX here named framework.docx, protocol.docx, signature-sheet.docx or\nassurance-checklist.docx to use it instead of countersign's default template.\n",
        Overwrite::Refuse,
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The schema files committed with the examples are the ones the code derives. To update
    /// them: `countersign schema --out examples/<pack>/schema`.
    #[test]
    fn committed_example_schemas_are_current() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        for pack in ["examples/small", "examples/cambs"] {
            for (name, bytes) in schema_files() {
                let committed =
                    std::fs::read(root.join(pack).join("schema").join(name)).unwrap_or_default();
                assert!(
                    committed == bytes,
                    "{pack}/schema/{name} is out of date: run countersign schema --out {pack}/schema"
                );
            }
        }
    }

    #[test]
    fn init_writes_a_pack_and_refuses_a_folder_in_use() {
        let dir = tempfile::tempdir().unwrap();
        let pack = dir.path().join("new-pack");
        init(&pack).unwrap();
        assert!(crate::validate::load_pack(&pack).is_ok());
        assert!(matches!(init(&pack), Err(WriteError::Exists(_))));
    }
}
