//! A signatory's key files, made together: the secret key (mode 0600, encrypted with their
//! passphrase unless they choose otherwise) and its public key as an OpenSSH line and as PEM.
//!
//! Owns where the three files go and the rules that keep a secret safe there: never inside a
//! pack (a pack is shared; a secret key in one is exposed), never over an existing file, and all
//! three or none. The caller asks for the passphrase between [`KeyFiles::plan`] and
//! [`KeyFiles::write`], so a person is not asked for one before a mistake that stops the run.

use std::path::{Path, PathBuf};

use crate::approval::keys::{KeyError, KeyId, SecretKey};
use crate::fsio::{self, Overwrite, WriteError};
use crate::time::Timestamp;

/// The three files of a new key, checked and not yet written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyFiles {
    /// The secret key (`NAME.key`).
    pub secret: PathBuf,
    /// The public key as an OpenSSH line (`NAME.pub`), which carries when it was made.
    pub openssh: PathBuf,
    /// The public key as SPKI PEM (`NAME.pem`).
    pub pem: PathBuf,
}

/// Why no key was made (nothing was written, or what was written was removed again).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyFilesError {
    /// The folder does not exist.
    #[error("the folder '{}' does not exist", .0.display())]
    NoFolder(PathBuf),
    /// The folder is a pack or inside one.
    #[error("'{}' is inside the pack '{}': secret keys never go in a pack", folder.display(), pack.display())]
    InsidePack {
        /// The folder given.
        folder: PathBuf,
        /// The pack it is in.
        pack: PathBuf,
    },
    /// The name cannot be a file name.
    #[error("'{0}' cannot be a file name")]
    BadName(String),
    /// One of the files exists: keys are never overwritten.
    #[error("'{}' already exists; nothing was written", .0.display())]
    Exists(PathBuf),
    /// The key could not be made or encoded.
    #[error("{0}")]
    Key(#[from] KeyError),
    /// A file could not be written.
    #[error("cannot write the {what}: {source}")]
    Write {
        /// "secret key" or "public key".
        what: &'static str,
        /// Why.
        source: WriteError,
    },
}

/// A key made and written.
#[derive(Debug, Clone)]
pub struct MadeKey {
    /// Where its files are.
    pub files: KeyFiles,
    /// Its id (fingerprint).
    pub key_id: KeyId,
    /// Whether the secret key is encrypted with a passphrase.
    pub encrypted: bool,
}

/// The pack `folder` is in (or is), if any: a folder with the framework's file.
fn enclosing_pack(folder: &Path) -> Option<PathBuf> {
    let folder = std::fs::canonicalize(folder).ok()?;
    folder
        .ancestors()
        .find(|d| d.join(crate::pack::layout::FRAMEWORK_FILE).is_file())
        .map(Path::to_path_buf)
}

impl KeyFiles {
    /// The files `NAME.key`, `NAME.pub` and `NAME.pem` in `folder`, checked: the folder exists
    /// and is in no pack, the name is a plain file name, and none of the files exists.
    pub fn plan(folder: &Path, name: &str) -> Result<KeyFiles, KeyFilesError> {
        if !folder.is_dir() {
            return Err(KeyFilesError::NoFolder(folder.to_path_buf()));
        }
        if let Some(pack) = enclosing_pack(folder) {
            return Err(KeyFilesError::InsidePack {
                folder: folder.to_path_buf(),
                pack,
            });
        }
        if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
            return Err(KeyFilesError::BadName(name.to_string()));
        }
        let files = KeyFiles {
            secret: folder.join(format!("{name}.key")),
            openssh: folder.join(format!("{name}.pub")),
            pem: folder.join(format!("{name}.pem")),
        };
        if let Some(existing) = files.all().into_iter().find(|p| p.exists()) {
            return Err(KeyFilesError::Exists(existing.to_path_buf()));
        }
        Ok(files)
    }

    fn all(&self) -> [&Path; 3] {
        [&self.secret, &self.openssh, &self.pem]
    }

    /// Makes a new key for `organisation` at `created` and writes its three files, the secret
    /// encrypted with `passphrase` when one is given. All three or none: a secret key left
    /// without its public key would block a rerun.
    pub fn write(
        self,
        organisation: &str,
        passphrase: Option<&[u8]>,
        created: Timestamp,
    ) -> Result<MadeKey, KeyFilesError> {
        let key = SecretKey::generate()?;
        let secret = match passphrase {
            Some(pass) => key.to_encrypted_pem(pass)?,
            None => key.to_pem()?,
        };
        let public = key.public();
        fsio::write_secret_new(&self.secret, secret.as_bytes()).map_err(|source| {
            KeyFilesError::Write {
                what: "secret key",
                source,
            }
        })?;
        let openssh = format!(
            "{}\n",
            public.to_openssh(&crate::approval::keys::openssh_comment(
                organisation,
                created
            ))
        );
        let written = fsio::write_atomic(&self.openssh, openssh.as_bytes(), Overwrite::Refuse)
            .and_then(|()| {
                fsio::write_atomic(&self.pem, public.to_pem().as_bytes(), Overwrite::Refuse)
            });
        if let Err(source) = written {
            for path in self.all() {
                let _ = std::fs::remove_file(path);
            }
            return Err(KeyFilesError::Write {
                what: "public key",
                source,
            });
        }
        Ok(MadeKey {
            files: self,
            key_id: public.key_id(),
            encrypted: passphrase.is_some(),
        })
    }
}
