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
    let (tmp_path, mut tmp) = create_temporary(&folder).map_err(io)?;
    let written = tmp
        .write_all(bytes)
        .and_then(|()| tmp.sync_all())
        .and_then(|()| set_public_mode(&tmp));
    drop(tmp);
    let placed = written.and_then(|()| match overwrite {
        Overwrite::Replace => std::fs::rename(&tmp_path, path),
        // A hard link fails if the name exists: no race between the check above and here.
        Overwrite::Refuse => std::fs::hard_link(&tmp_path, path),
    });
    let cleanup = match overwrite {
        Overwrite::Replace if placed.is_ok() => Ok(()),
        _ => std::fs::remove_file(&tmp_path),
    };
    match placed {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            Err(WriteError::Exists(path.to_path_buf()))
        }
        Err(e) => Err(io(e)),
        Ok(()) => cleanup.or(Ok(())),
    }
}

/// A new, empty file with an unguessable name in `folder` (`.countersign-<hex>.tmp`), created
/// exclusively, so no other file is ever opened or replaced by accident.
fn create_temporary(folder: &Path) -> std::io::Result<(PathBuf, std::fs::File)> {
    let mut last = None;
    for _ in 0..16 {
        let mut random = [0u8; 8];
        getrandom::fill(&mut random).map_err(|e| std::io::Error::other(e.to_string()))?;
        let path = folder.join(format!(".countersign-{}.tmp", hex::encode(random)));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        match options.open(&path) {
            Ok(file) => return Ok((path, file)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no free temporary name")))
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
    // Temporary files are created 0600; documents are for circulation.
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
