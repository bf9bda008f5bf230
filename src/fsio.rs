//! The only module that writes files. Outputs are written atomically (a temporary file in the
//! same folder, flushed, then renamed into place), so a crash or an error never leaves a
//! half-written document, and an existing file is replaced only when the caller says so.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Why a file could not be written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WriteError {
    /// The file exists and the caller did not allow replacing it.
    #[error("'{0}' already exists")]
    Exists(PathBuf),
    /// The folder to write into does not exist.
    #[error("the folder '{0}' does not exist")]
    NoFolder(PathBuf),
    /// The operating system refused.
    #[error("could not write '{path}' ({source})")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// Whether an existing file may be replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overwrite {
    /// Refuse if the file exists.
    Refuse,
    /// Replace it atomically.
    Replace,
}

/// Writes `bytes` to `path` atomically: readers see the old file or the whole new one.
pub fn write_atomic(path: &Path, bytes: &[u8], overwrite: Overwrite) -> Result<(), WriteError> {
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !folder.is_dir() {
        return Err(WriteError::NoFolder(folder));
    }
    if overwrite == Overwrite::Refuse && path.exists() {
        return Err(WriteError::Exists(path.to_path_buf()));
    }
    let io = |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".countersign-")
        .suffix(".tmp")
        .tempfile_in(&folder)
        .map_err(io)?;
    tmp.write_all(bytes).map_err(io)?;
    tmp.as_file().sync_all().map_err(io)?;
    set_public_mode(tmp.as_file()).map_err(io)?;
    match overwrite {
        Overwrite::Replace => tmp.persist(path).map(|_| ()).map_err(|e| io(e.error)),
        // persist_noclobber closes the race between the check above and the rename.
        Overwrite::Refuse => tmp.persist_noclobber(path).map(|_| ()).map_err(|e| {
            if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                WriteError::Exists(path.to_path_buf())
            } else {
                io(e.error)
            }
        }),
    }
}

/// Creates `path` new, readable and writable only by its owner (mode 0600 on Unix), and writes
/// a secret into it. Never replaces an existing file; removes the file again if writing fails.
pub fn write_secret_new(path: &Path, bytes: &[u8]) -> Result<(), WriteError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let io = |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            WriteError::Exists(path.to_path_buf())
        } else {
            io(e)
        }
    })?;
    let written = file.write_all(bytes).and_then(|()| file.sync_all());
    if let Err(e) = written {
        let _ = std::fs::remove_file(path);
        return Err(io(e));
    }
    Ok(())
}

#[cfg(unix)]
fn set_public_mode(file: &std::fs::File) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    // tempfile creates files 0600; documents are for circulation.
    file.set_permissions(std::fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn set_public_mode(_file: &std::fs::File) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_to_overwrite_unless_told_and_leaves_no_temp_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.docx");
        write_atomic(&path, b"one", Overwrite::Refuse).unwrap();
        assert!(matches!(
            write_atomic(&path, b"two", Overwrite::Refuse),
            Err(WriteError::Exists(_))
        ));
        assert_eq!(std::fs::read(&path).unwrap(), b"one");
        write_atomic(&path, b"two", Overwrite::Replace).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        let missing = dir.path().join("nope/out.docx");
        assert!(matches!(
            write_atomic(&missing, b"x", Overwrite::Refuse),
            Err(WriteError::NoFolder(_))
        ));
    }
}
