//! Files in and out. Outputs are written atomically (a temporary file in the same folder,
//! flushed, then renamed into place), so a crash or an error never leaves a half-written
//! document, and an existing file is replaced only when the caller says so. Inputs are read
//! only from regular files (never a FIFO or a device, which could block or never end), up to a
//! limit per kind of file; inside a pack, a symbolic link is refused rather than followed.

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

/// The most countersign reads of each kind of file. Real packs are far smaller; the limits
/// exist so that a hostile file cannot exhaust memory.
pub mod limits {
    /// A pack's JSON data file (framework, organisations, a protocol), or a JSON data file given
    /// to `render`.
    pub const DATA: u64 = 64 * 1024 * 1024;
    /// A DOCX template.
    pub const TEMPLATE: u64 = 64 * 1024 * 1024;
    /// An assembled document.
    pub const DOCUMENT: u64 = 256 * 1024 * 1024;
    /// A manifest.
    pub const MANIFEST: u64 = 64 * 1024 * 1024;
    /// A signature or checkpoint file.
    pub const SIGNATURE: u64 = 1024 * 1024;
    /// The keyring.
    pub const KEYRING: u64 = 128 * 1024 * 1024;
    /// The register.
    pub const REGISTER: u64 = 512 * 1024 * 1024;
    /// A key file, passphrase file or trust file.
    pub const SMALL_TEXT: u64 = 16 * 1024 * 1024;
    /// A circulation bundle (compressed): its inflated budget (`pack::bundle::MAX_BUNDLE_BYTES`,
    /// 256 MiB, which checks this) and room for the zip's own records (at most 65,534 entries).
    pub const BUNDLE: u64 = (256 + 32) * 1024 * 1024;
}

/// Why a file could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// The file is not there, or the system refused.
    #[error("{source}")]
    Io {
        /// What the system said.
        source: std::io::Error,
    },
    /// A FIFO, device, socket or folder: reading it could block or never end.
    #[error("it is not a regular file (a folder, a device or a pipe)")]
    NotRegular,
    /// A symbolic link where one is not followed (inside a pack).
    #[error("it is a symbolic link, which countersign does not follow inside a pack")]
    Symlink,
    /// Larger than the limit for its kind.
    #[error("it is larger than {limit} bytes, the most countersign reads for this kind of file")]
    TooLarge {
        /// The limit.
        limit: u64,
    },
}

impl ReadError {
    /// The system's error kind, when there is one (for "no such file" and the like).
    pub fn io_kind(&self) -> Option<std::io::ErrorKind> {
        match self {
            ReadError::Io { source } => Some(source.kind()),
            _ => None,
        }
    }
}

/// Reads a regular file of at most `limit` bytes. `follow` says whether a symbolic link is
/// followed (a path the user named) or refused (a path inside a pack).
pub fn read_limited(path: &Path, limit: u64, follow: bool) -> Result<Vec<u8>, ReadError> {
    let (file, len) = open_limited(path, limit, follow)?;
    read_open_limited(file, len, limit)
}

/// Opens a regular file of at most `limit` bytes for reading, with its length, as
/// [`read_limited`] does, for a reader that goes through it a block at a time instead of
/// holding it whole: it must still stop at `limit` (`take(limit + 1)`), as the file may grow.
pub fn open_limited(
    path: &Path,
    limit: u64,
    follow: bool,
) -> Result<(std::fs::File, u64), ReadError> {
    let io = |source| ReadError::Io { source };
    let meta = std::fs::symlink_metadata(path).map_err(io)?;
    if meta.file_type().is_symlink() && !follow {
        return Err(ReadError::Symlink);
    }
    // Checked before opening: opening a FIFO blocks until someone writes to it.
    let meta = if meta.file_type().is_symlink() {
        std::fs::metadata(path).map_err(io)?
    } else {
        meta
    };
    if !meta.is_file() {
        return Err(ReadError::NotRegular);
    }
    if meta.len() > limit {
        return Err(ReadError::TooLarge { limit });
    }
    let file = std::fs::File::open(path).map_err(io)?;
    // The file may have been swapped since: check what was opened.
    if !file.metadata().map_err(io)?.is_file() {
        return Err(ReadError::NotRegular);
    }
    Ok((file, meta.len()))
}

/// Reads an open file from where it stands to its end, refusing more than `limit` bytes
/// however much it grows meanwhile; `expected` (its size when last looked at) sizes the buffer.
pub fn read_open_limited(
    file: impl std::io::Read,
    expected: u64,
    limit: u64,
) -> Result<Vec<u8>, ReadError> {
    use std::io::Read as _;
    let mut bytes = Vec::with_capacity(expected.min(limit) as usize);
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|source| ReadError::Io { source })?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge { limit });
    }
    Ok(bytes)
}

/// Whether `path` exists as a symbolic link (a pack refuses them where it reads or writes).
pub fn is_symlink(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

/// Refuses `path` when it is a symbolic link, before anything is written through it, with the
/// same words as reading one.
pub fn refuse_link(path: &Path) -> std::io::Result<()> {
    if is_symlink(path) {
        return Err(std::io::Error::other(ReadError::Symlink));
    }
    Ok(())
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
    stop_point("written:before-placing");
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

/// Removes the temporary files ([`write_atomic`]'s `.countersign-<hex>.tmp`) that a process
/// killed in the middle of a write left in `folder`, when last written before `before` (the
/// caller's time less a margin: a younger one may be another command's write in progress).
/// Returns how many were removed; a folder that cannot be read is left alone.
pub fn remove_stale_temporaries(folder: &Path, before: std::time::SystemTime) -> usize {
    let Ok(entries) = std::fs::read_dir(folder) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if !(name.starts_with(".countersign-") && name.ends_with(".tmp")) {
            continue;
        }
        let stale = entry
            .metadata()
            .ok()
            .filter(std::fs::Metadata::is_file)
            .and_then(|m| m.modified().ok())
            .is_some_and(|written| written < before);
        if stale && std::fs::remove_file(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// The environment variable that names a point at which a command stops dead, as if killed
/// (tests of crash consistency only; see [`stop_point`]).
pub const STOP_AT_ENV: &str = "COUNTERSIGN_TEST_STOP_AT";

/// A named point between two writes of a command (e.g. after a signature file is written and
/// before its register record). When [`STOP_AT_ENV`] names it, the process aborts there, with no
/// clean-up, as a killed process would: the fault-injection tests stop a command at each such
/// point and check that the next run loses nothing. Otherwise it does nothing.
pub fn stop_point(name: &str) {
    if std::env::var_os(STOP_AT_ENV).is_some_and(|at| at == name) {
        std::process::abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporaries_a_killed_write_left_are_removed_once_stale() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join(".countersign-0a1b.tmp");
        let fresh = dir.path().join(".countersign-2c3d.tmp");
        let other = dir.path().join("framework-v1.0.docx");
        for path in [&old, &fresh, &other] {
            std::fs::write(path, b"x").unwrap();
        }
        // Written in 2001; the caller's time less its margin is 2002; the fresh one is now.
        let at = |seconds| std::time::UNIX_EPOCH + std::time::Duration::from_secs(seconds);
        for path in [&old, &other] {
            std::fs::File::options()
                .write(true)
                .open(path)
                .unwrap()
                .set_modified(at(1_000_000_000))
                .unwrap();
        }
        let before = at(1_030_000_000);
        assert_eq!(remove_stale_temporaries(dir.path(), before), 1);
        assert!(!old.exists());
        assert!(
            fresh.exists(),
            "a write that may be in progress is left alone"
        );
        assert!(other.exists(), "only countersign's temporaries are removed");
        assert_eq!(
            remove_stale_temporaries(&dir.path().join("absent"), before),
            0
        );
    }

    #[test]
    fn reads_only_regular_files_within_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        std::fs::write(&path, b"12345").unwrap();
        assert_eq!(read_limited(&path, 5, false).unwrap(), b"12345");
        assert!(matches!(
            read_limited(&path, 4, false),
            Err(ReadError::TooLarge { limit: 4 })
        ));
        // An open file that grew past what was expected of it is still refused at the limit.
        assert_eq!(read_open_limited(&b"12345"[..], 2, 5).unwrap(), b"12345");
        assert!(matches!(
            read_open_limited(&b"123456"[..], 2, 5),
            Err(ReadError::TooLarge { limit: 5 })
        ));
        assert!(matches!(
            read_limited(dir.path(), 10, true),
            Err(ReadError::NotRegular)
        ));
        assert!(matches!(
            read_limited(Path::new("/dev/zero"), 10, true),
            Err(ReadError::NotRegular)
        ));
        #[cfg(unix)]
        {
            let link = dir.path().join("link.json");
            std::os::unix::fs::symlink(&path, &link).unwrap();
            assert!(matches!(
                read_limited(&link, 10, false),
                Err(ReadError::Symlink)
            ));
            assert_eq!(read_limited(&link, 10, true).unwrap(), b"12345");
        }
    }

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
