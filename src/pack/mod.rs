//! A pack on disk: where its files are ([`layout`] names them; [`Pack`] joins them onto the
//! pack's folder), loading what it
//! holds, the keyring's lock, and writing signatures into it; creating a new pack from the
//! bundled example, and the schema files editors use to complete and check its JSON.
//!
//! Every path inside a pack comes from here and nowhere else. What a pack holds, once loaded, is a
//! [`PackContents`]: the same value whether it was read from a folder or from a circulated
//! bundle in memory, so that signing, verifying and collecting work the same on both. The
//! coordinator's pack is the single writer of its register and keyring: nothing here writes
//! into a bundle or into a signatory's folder.
//!
//! Beside it: [`bundle`] (the pack in one zip for partners) and [`status`] (the pack at a
//! glance).

pub mod bundle;
pub mod layout;
pub mod status;

use crate::pack::layout::{
    FRAMEWORK_FILE, GITIGNORE_FILE, KEYRING_LOCK, KEYS_DIR, MANIFEST_FILE, ORGANISATIONS_FILE,
    OUT_DIR, PROTOCOLS_DIR, REGISTER_FILE, SCHEMA_DIR, SET_ASIDE_DIR, TEMPLATES_DIR,
    TEMPLATES_README,
};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::approval::keyring::{Keyring, KeyringError};
use crate::document::manifest::Manifest;
use crate::document::validate::{FileKind, PackData};
use crate::fsio::{self, Overwrite, WriteError};
use crate::record::register::{Register, RegisterError};

/// How old a temporary file must be before a command that holds the keyring's lock removes
/// it as left by a killed write.
const STALE_TEMPORARY: std::time::Duration = std::time::Duration::from_secs(60 * 60);

/// A signature (or checkpoint) file: its name and exact bytes.
pub type SignatureFile = (String, Vec<u8>);

/// A pack folder and where each of its parts lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pack {
    root: PathBuf,
    out: PathBuf,
}

/// Why a pack's files could not be loaded.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// The data (framework, organisations, protocols) is missing or invalid.
    #[error(transparent)]
    Data(#[from] crate::document::validate::PackError),
    /// `assemble` has not been run.
    #[error("the pack '{}' has not been assembled yet: '{}' does not exist", pack.display(), manifest.display())]
    NotAssembled {
        /// The pack folder.
        pack: PathBuf,
        /// Where the manifest should be.
        manifest: PathBuf,
    },
    /// The manifest cannot be read.
    #[error("the manifest '{}' cannot be used ({source})", path.display())]
    Manifest {
        /// The manifest file.
        path: PathBuf,
        /// What the parser found.
        source: serde_json::Error,
    },
    /// The manifest holds something no manifest countersign writes may hold.
    #[error("the manifest '{}' cannot be used: {problem}", path.display())]
    ManifestInvalid {
        /// The manifest file.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
    /// The keyring's history does not hold together.
    #[error("the keyring '{}' cannot be trusted: {source}", path.display())]
    Keyring {
        /// The keyring file.
        path: PathBuf,
        /// Why.
        source: KeyringError,
    },
    /// The register's chain does not hold together.
    #[error("the pack's register ({REGISTER_FILE}) cannot be trusted: {0}")]
    Register(#[from] RegisterError),
    /// A file could not be read: missing, unreadable, not a regular file, a symbolic link inside
    /// the pack, or larger than any real one.
    #[error("cannot read '{}' ({source})", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: crate::fsio::ReadError,
    },
    /// A folder of the pack is a symbolic link: countersign would read or write somewhere else.
    #[error("'{}' is a symbolic link: countersign does not follow links inside a pack", .0.display())]
    Symlink(PathBuf),
}

/// Why something could not be written into a pack.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A file could not be written.
    #[error(transparent)]
    Write(#[from] WriteError),
    /// The register could not be appended to.
    #[error("the register cannot be appended to: {0}")]
    Register(#[from] RegisterError),
    /// The keyring was changed, outside countersign, while a command held its lock.
    #[error(
        "the keyring '{}' changed while this command was changing it (an edit made outside countersign?): nothing was written",
        .0.display()
    )]
    KeyringChanged(PathBuf),
    /// The keyring's lock could not be taken.
    #[error("cannot lock the keyring in '{}' ({source})", path.display())]
    Lock {
        /// The keys folder.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
}

/// Appends the changes `keyring` made since it was read to its file, if the file is as read.
fn append_to_keyring(
    path: &Path,
    keyring: &Keyring,
    read: crate::approval::keyring::AsRead,
) -> Result<(), StoreError> {
    let io = |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = crate::record::log::open_for_append(path, false).map_err(io)?;
    let as_read = crate::record::log::AsRead {
        len: read.len,
        last_line: read.last_line,
    };
    if !crate::record::log::still_as_read(&mut file, &as_read).map_err(io)? {
        return Err(StoreError::KeyringChanged(path.to_path_buf()));
    }
    crate::record::log::append(&mut file, &keyring.lines_from(read.changes)).map_err(io)?;
    Ok(())
}

/// Held while the keyring is read, changed and written, so two changes at once cannot lose
/// one. Released when dropped.
#[derive(Debug)]
pub struct KeyringLock {
    _file: std::fs::File,
}

impl Pack {
    /// The pack in `root`, with its documents in `root/out`.
    pub fn new(root: impl Into<PathBuf>) -> Pack {
        let root = root.into();
        Pack {
            out: root.join(OUT_DIR),
            root,
        }
    }

    /// The pack in `root`, with its documents in another folder (`assemble --out DIR`).
    pub fn with_out(root: impl Into<PathBuf>, out: impl Into<PathBuf>) -> Pack {
        Pack {
            root: root.into(),
            out: out.into(),
        }
    }

    /// The pack a document belongs to: `pack` when given, else the folder above the
    /// document's folder, else the document's folder itself (whichever holds the pack's
    /// framework). Its documents are read from the document's own folder when that holds a
    /// manifest (`assemble --out DIR`), else from the pack's `out/`. None when no folder is a
    /// pack.
    pub fn locate(document: &Path, pack: Option<&Path>) -> Option<Pack> {
        let folder = document
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let own_manifest = folder.join(MANIFEST_FILE).is_file();
        let with_out = |root: PathBuf| {
            if own_manifest {
                Pack::with_out(root, folder)
            } else {
                Pack::new(root)
            }
        };
        if let Some(p) = pack {
            return Some(with_out(p.to_path_buf()));
        }
        let above = folder
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(|| folder.join(".."), Path::to_path_buf);
        [above, folder.to_path_buf()]
            .into_iter()
            .find(|candidate| {
                candidate
                    .join(crate::pack::layout::FRAMEWORK_FILE)
                    .is_file()
            })
            .map(with_out)
    }

    /// The pack folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the documents, the manifest and the kept data are.
    pub fn out_dir(&self) -> &Path {
        &self.out
    }

    /// The manifest.
    pub fn manifest_path(&self) -> PathBuf {
        self.out.join(MANIFEST_FILE)
    }

    /// An assembled document.
    pub fn document_path(&self, file: &str) -> PathBuf {
        self.out.join(file)
    }

    /// The folder of the data each document was rendered with.
    pub fn data_dir(&self) -> PathBuf {
        self.out.join(crate::pack::layout::DATA_DIR)
    }

    /// The pack's own template of this name, which replaces the default one.
    pub fn template_path(&self, name: &str) -> PathBuf {
        self.root.join(TEMPLATES_DIR).join(name)
    }

    /// The data a document was rendered with.
    pub fn data_path(&self, file: &str) -> PathBuf {
        self.out
            .join(crate::document::manifest::data_file_name(file))
    }

    /// The folder of signature files.
    pub fn signatures_dir(&self) -> PathBuf {
        self.root.join(crate::pack::layout::SIGNATURES_DIR)
    }

    /// The folder of failing signatures kept as evidence.
    pub fn set_aside_dir(&self) -> PathBuf {
        self.signatures_dir().join(SET_ASIDE_DIR)
    }

    /// The keys folder.
    pub fn keys_dir(&self) -> PathBuf {
        self.root.join(KEYS_DIR)
    }

    /// The keyring.
    pub fn keyring_path(&self) -> PathBuf {
        self.root.join(crate::pack::layout::KEYRING_FILE)
    }

    /// The register.
    pub fn register_path(&self) -> PathBuf {
        self.root.join(crate::pack::layout::REGISTER_FILE)
    }

    /// The folder of paper signatures (records and scans).
    pub fn paper_dir(&self) -> PathBuf {
        self.root.join(crate::pack::layout::PAPER_DIR)
    }

    /// Reads the paper signatures: each record with its scan, when the pack holds it.
    pub fn paper(&self) -> Result<Vec<crate::approval::paper::PaperFile>, LoadError> {
        let (records, _) = read_folder(&self.paper_dir(), crate::pack::layout::RECORD_SUFFIX)?;
        Ok(records
            .into_iter()
            .map(|(name, bytes)| self.with_scan(name, bytes))
            .collect())
    }

    /// The paper signature of the document `file` by `organisation`, with its scan, if the
    /// pack holds one: one record read, not every record and scan (what signing and
    /// collecting check before they add an electronic signature).
    pub fn paper_of(
        &self,
        file: &str,
        organisation: &str,
    ) -> Result<Option<crate::approval::paper::PaperFile>, LoadError> {
        let name = crate::approval::paper::record_name(file, organisation);
        let path = self.paper_dir().join(&name);
        match crate::fsio::read_limited(&path, crate::fsio::limits::SIGNATURE, false) {
            Ok(bytes) => Ok(Some(self.with_scan(name, bytes))),
            Err(e) if e.io_kind() == Some(std::io::ErrorKind::NotFound) => Ok(None),
            Err(source) => Err(LoadError::Read { path, source }),
        }
    }

    /// A paper record with the scan it names, when the pack holds that scan.
    fn with_scan(&self, name: String, bytes: Vec<u8>) -> crate::approval::paper::PaperFile {
        let scan = crate::json::from_slice::<crate::approval::paper::PaperRecord>(&bytes)
            .ok()
            .filter(|r| crate::approval::paper::is_plain_name(&r.scan))
            .and_then(|r| {
                crate::fsio::read_limited(
                    &self.paper_dir().join(r.scan),
                    crate::approval::paper::MAX_SCAN_BYTES,
                    false,
                )
                .ok()
            });
        crate::approval::paper::PaperFile { name, bytes, scan }
    }

    /// Keeps a paper signature: the scan and its record in `paper/`, and the record in the
    /// register, all or nothing.
    pub fn store_paper(
        &self,
        record: &crate::approval::paper::PaperRecord,
        scan: &[u8],
        at: crate::time::Timestamp,
    ) -> Result<Vec<crate::record::register::Record>, StoreError> {
        let dir = self.paper_dir();
        std::fs::create_dir_all(&dir).map_err(|source| WriteError::Io {
            path: dir.clone(),
            source,
        })?;
        let name = crate::approval::paper::record_name(&record.file, &record.organisation);
        let bytes = crate::approval::paper::record_bytes(record);
        let scan_path = dir.join(&record.scan);
        let record_path = dir.join(&name);
        // Filed already by a run stopped before its register record: the same approval (all
        // but the time it was recorded) with the same scan is recorded now, as it was filed.
        if let Some(filed) = self.paper_filed_unrecorded(record, &record_path, &scan_path) {
            let event = paper_event(&filed.0, name, &filed.1);
            return Ok(crate::record::register::append(
                &self.register_path(),
                at,
                vec![event],
            )?);
        }
        fsio::write_atomic(&scan_path, scan, Overwrite::Refuse)?;
        if let Err(e) = fsio::write_atomic(&record_path, &bytes, Overwrite::Refuse) {
            let _ = std::fs::remove_file(&scan_path);
            return Err(e.into());
        }
        fsio::stop_point("paper-filed");
        let event = paper_event(record, name, &bytes);
        match crate::record::register::append(&self.register_path(), at, vec![event]) {
            Ok(records) => Ok(records),
            Err(e) => {
                let _ = std::fs::remove_file(&scan_path);
                let _ = std::fs::remove_file(&record_path);
                Err(e.into())
            }
        }
    }

    /// The paper record (and its bytes) a stopped run filed for the same approval as `record`
    /// with the same scan, if the register has no record of it.
    fn paper_filed_unrecorded(
        &self,
        record: &crate::approval::paper::PaperRecord,
        record_path: &Path,
        scan_path: &Path,
    ) -> Option<(crate::approval::paper::PaperRecord, Vec<u8>)> {
        let bytes = fsio::read_limited(record_path, fsio::limits::SIGNATURE, false).ok()?;
        let filed: crate::approval::paper::PaperRecord = crate::json::from_slice(&bytes).ok()?;
        let same = crate::approval::paper::PaperRecord {
            recorded_at: filed.recorded_at,
            ..record.clone()
        };
        let scan =
            fsio::read_limited(scan_path, crate::approval::paper::MAX_SCAN_BYTES, false).ok()?;
        let register = self.register().ok()?;
        (same == filed
            && crate::digest::sha256_hex(&scan) == filed.scan_sha256
            && register.paper(&crate::digest::sha256_hex(&bytes)).is_none())
        .then_some((filed, bytes))
    }

    /// The folder of register checkpoints.
    pub fn checkpoints_dir(&self) -> PathBuf {
        self.root.join(crate::pack::layout::CHECKPOINTS_DIR)
    }

    /// Reads and checks the pack's data.
    pub fn data(&self) -> Result<PackData, crate::document::validate::PackError> {
        crate::document::validate::load_pack(&self.root)
    }

    /// Reads and checks the framework and organisations only ([`crate::document::validate::load_parties`]):
    /// for commands that add a key or a signature. Files unchanged since the manifest's
    /// documents were assembled from them are not checked again.
    pub fn parties(&self) -> Result<PackData, crate::document::validate::PackError> {
        let read = crate::document::validate::read_parties(&self.root)?;
        Self::parties_as_assembled(read, self.manifest_inputs().as_deref())
    }

    fn parties_as_assembled(
        read: crate::document::validate::PartiesRead,
        inputs: Option<&[crate::document::manifest::InputRecord]>,
    ) -> Result<PackData, crate::document::validate::PackError> {
        // Without a manifest that reads, everything is checked in full.
        read.check(inputs.unwrap_or_default())
    }

    /// The data files the manifest records the documents were assembled from, its documents
    /// skimmed, not read ([`crate::document::manifest::inputs_of`]); None without a manifest that reads.
    fn manifest_inputs(&self) -> Option<Vec<crate::document::manifest::InputRecord>> {
        let path = self.manifest_path();
        let bytes = crate::fsio::read_limited(&path, crate::fsio::limits::MANIFEST, false).ok()?;
        crate::document::manifest::inputs_of(&bytes)
    }

    /// Reads the manifest.
    pub fn manifest(&self) -> Result<Manifest, LoadError> {
        let path = self.manifest_path();
        let bytes = match crate::fsio::read_limited(&path, crate::fsio::limits::MANIFEST, false) {
            Ok(b) => b,
            Err(e) if e.io_kind() == Some(std::io::ErrorKind::NotFound) => {
                return Err(LoadError::NotAssembled {
                    pack: self.root.clone(),
                    manifest: path,
                });
            }
            Err(source) => return Err(LoadError::Read { path, source }),
        };
        let manifest: Manifest =
            crate::json::from_slice(&bytes).map_err(|source| LoadError::Manifest {
                path: path.clone(),
                source,
            })?;
        manifest
            .check()
            .map_err(|problem| LoadError::ManifestInvalid { path, problem })?;
        Ok(manifest)
    }

    /// Reads and checks the keyring (none yet: an empty one).
    pub fn keyring(&self) -> Result<Keyring, LoadError> {
        let path = self.keyring_path();
        let limit = crate::fsio::limits::KEYRING;
        let (file, size) = match crate::fsio::open_limited(&path, limit, false) {
            Ok(opened) => opened,
            Err(e) if e.io_kind() == Some(std::io::ErrorKind::NotFound) => {
                return Ok(Keyring::default());
            }
            Err(source) => return Err(LoadError::Read { path, source }),
        };
        Keyring::from_file(&file, size, limit).map_err(|e| match e {
            crate::approval::keyring::KeyringFileError::Read(source) => {
                LoadError::Read { path, source }
            }
            crate::approval::keyring::KeyringFileError::Keyring(source) => {
                LoadError::Keyring { path, source }
            }
        })
    }

    /// Reads and checks the register (none yet: an empty one).
    pub fn register(&self) -> Result<Register, LoadError> {
        Ok(Register::load(&self.register_path())?)
    }

    /// Reads the signature files: those in use, those set aside, and any file whose name
    /// countersign does not read (renamed by a mail client, say).
    pub fn signatures(&self) -> Result<SignatureFiles, LoadError> {
        let mut files = SignatureFiles::default();
        let (active, misnamed) = read_folder(
            &self.signatures_dir(),
            crate::pack::layout::SIGNATURE_SUFFIX,
        )?;
        files.active = active;
        files.misnamed = misnamed;
        files.set_aside =
            read_folder(&self.set_aside_dir(), crate::pack::layout::SIGNATURE_SUFFIX)?.0;
        Ok(files)
    }

    /// Reads the signature file `name` in use, if the pack holds one: what a command that adds
    /// one signature needs, instead of every signature of the pack.
    pub fn signature(&self, name: &str) -> Result<Option<Vec<u8>>, LoadError> {
        let dir = self.signatures_dir();
        if crate::fsio::is_symlink(&dir) {
            return Err(LoadError::Symlink(dir));
        }
        let path = dir.join(name);
        match crate::fsio::read_limited(&path, crate::fsio::limits::SIGNATURE, false) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.io_kind() == Some(std::io::ErrorKind::NotFound) => Ok(None),
            Err(source) => Err(LoadError::Read { path, source }),
        }
    }

    /// Reads the checkpoint files.
    pub fn checkpoints(&self) -> Result<Vec<SignatureFile>, LoadError> {
        Ok(read_folder(
            &self.checkpoints_dir(),
            crate::pack::layout::SIGNATURE_SUFFIX,
        )?
        .0)
    }

    /// Reads an assembled document.
    pub fn document(&self, file: &str) -> Result<Vec<u8>, LoadError> {
        let path = self.document_path(file);
        crate::fsio::read_limited(&path, crate::fsio::limits::DOCUMENT, false)
            .map_err(|source| LoadError::Read { path, source })
    }

    /// Refuses a pack whose own folders or files are symbolic links: reading or writing
    /// through them would touch files outside the pack.
    pub fn check_no_links(&self) -> Result<(), LoadError> {
        for path in [
            self.out.clone(),
            self.data_dir(),
            self.manifest_path(),
            self.signatures_dir(),
            self.set_aside_dir(),
            self.keys_dir(),
            self.keyring_path(),
            self.root.join(crate::pack::layout::REGISTER_DIR),
            self.register_path(),
            self.checkpoints_dir(),
            self.paper_dir(),
        ] {
            if crate::fsio::is_symlink(&path) {
                return Err(LoadError::Symlink(path));
            }
        }
        Ok(())
    }

    /// Loads everything needed to sign, verify or collect: data, manifest, keyring, register,
    /// signatures and checkpoints. Documents are read when asked for.
    pub fn contents(&self) -> Result<PackContents, LoadError> {
        self.check_no_links()?;
        let data = Part::new(|| self.data());
        let manifest = Part::new(|| self.manifest());
        let keyring = Part::new(|| self.keyring());
        let register = Part::new(|| self.register());
        let signatures = Part::new(|| self.signatures());
        let checkpoints = Part::new(|| self.checkpoints());
        let paper = Part::new(|| self.paper());
        self.share(&[
            &data,
            &signatures,
            &register,
            &keyring,
            &manifest,
            &checkpoints,
            &paper,
        ]);
        Ok(PackContents {
            data: data.take()?,
            manifest: manifest.take()?,
            keyring: keyring.take()?,
            register: register.take()?,
            register_head: None,
            signatures: signatures.take()?,
            checkpoints: checkpoints.take()?,
            paper: paper.take()?,
            documents: Documents::Folder(self.out.clone()),
        })
    }

    /// What a command that adds signatures needs (`sign` in the pack, `collect`): as
    /// [`Pack::contents`], but without reading the signature files (`signatures` is left
    /// empty; such a command reads only the files it would write, with [`Pack::signature`]),
    /// the paper records, the protocols' data ([`Pack::parties`]), or, unless `with_register`,
    /// the register (left empty, its chain checked as an append checks it). At national scale those
    /// are most of what a pack holds; one returned signature should not cost reading them all.
    pub fn contents_for_signing(&self, with_register: bool) -> Result<PackContents, LoadError> {
        self.check_no_links()?;
        let parties = Part::new(|| crate::document::validate::read_parties(&self.root));
        let manifest = Part::new(|| self.manifest());
        let keyring = Part::new(|| self.keyring());
        let register = Part::new(|| {
            if with_register {
                Register::load_with_head(&self.register_path())
            } else {
                // Its chain checked as an append checks it: a hash per record.
                crate::record::register::check_chain(&self.register_path())
                    .map(|head| (Register::default(), head))
            }
        });
        // The costliest part first: at national scale the register read in full, otherwise
        // the keyring's replay.
        if with_register {
            self.share(&[&register, &keyring, &parties, &manifest]);
        } else {
            self.share(&[&keyring, &register, &parties, &manifest]);
        }
        // Problems are reported in the order the parts would be read one after the other.
        let (parties, manifest) = (parties.take(), manifest.take());
        let inputs = manifest.as_ref().ok().map(|m| &m.inputs[..]);
        let data = Self::parties_as_assembled(parties?, inputs)?;
        let (manifest, keyring) = (manifest?, keyring.take()?);
        let (register, register_head) = register.take()?;
        let checkpoints = self.checkpoints()?;
        Ok(PackContents {
            data,
            manifest,
            keyring,
            register,
            register_head: Some(register_head),
            signatures: SignatureFiles::default(),
            checkpoints,
            paper: Vec::new(),
            documents: Documents::Folder(self.out.clone()),
        })
    }

    /// What adding a key needs: the parties (checked only if changed since assembly), the
    /// keyring, and the register's head, its chain checked before the keyring changes so that
    /// no key is added that the register could not record.
    pub fn for_adding_a_key(
        &self,
    ) -> Result<(PackData, Keyring, crate::record::register::ChainHead), LoadError> {
        self.check_no_links()?;
        let parties = Part::new(|| crate::document::validate::read_parties(&self.root));
        let inputs = Part::new(|| self.manifest_inputs());
        let keyring = Part::new(|| self.keyring());
        let head = Part::new(|| crate::record::register::check_chain(&self.register_path()));
        self.share(&[&keyring, &head, &parties, &inputs]);
        let data = Self::parties_as_assembled(parties.take()?, inputs.take().as_deref())?;
        let head = head.take()?;
        Ok((data, keyring.take()?, head))
    }

    /// Runs each part, the costliest first, on whichever of two threads is free: each reads and
    /// checks a part of the pack that does not depend on the others', and at national scale
    /// each costs a millisecond or more. A second thread can start late (on a busy or virtual
    /// machine, milliseconds late); until it does, this one goes on to the next part, so
    /// that a late start costs nothing. A small pack (its organisations' file under 256 KiB)
    /// is read on one thread: there a second costs more than it saves.
    fn share(&self, parts: &[&dyn Run]) {
        const WORTH_A_THREAD: u64 = 256 * 1024;
        let organisations = self.root.join(crate::pack::layout::ORGANISATIONS_FILE);
        if std::fs::metadata(organisations).map_or(true, |m| m.len() < WORTH_A_THREAD) {
            parts.iter().for_each(|part| part.run());
            return;
        }
        let next = std::sync::atomic::AtomicUsize::new(0);
        let work = || {
            while let Some(part) =
                parts.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
            {
                part.run();
            }
        };
        std::thread::scope(|scope| {
            let helper = std::thread::Builder::new()
                .name("pack part".into())
                .spawn_scoped(scope, work);
            // Without a second thread, this one runs every part.
            work();
            if let Ok(helper) = helper {
                helper
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            }
        });
    }

    /// Takes the keyring's lock, creating the keys folder if needed.
    pub fn lock_keyring(&self) -> Result<KeyringLock, StoreError> {
        let dir = self.keys_dir();
        let fail = |source| StoreError::Lock {
            path: dir.clone(),
            source,
        };
        crate::fsio::refuse_link(&dir).map_err(fail)?;
        std::fs::create_dir_all(&dir).map_err(fail)?;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join(KEYRING_LOCK))
            .map_err(fail)?;
        file.lock().map_err(fail)?;
        Ok(KeyringLock { _file: file })
    }

    /// Clears what killed writes left in the pack's folders: temporary files last written an
    /// hour or more before `at` (so never another command's write in progress). Called by the
    /// commands that write into the pack, with their own time.
    pub fn clear_stale_temporaries(&self, at: crate::time::Timestamp) {
        let Some(before) = u64::try_from(at.unix())
            .ok()
            .and_then(|s| s.checked_sub(STALE_TEMPORARY.as_secs()))
            .map(|s| std::time::UNIX_EPOCH + std::time::Duration::from_secs(s))
        else {
            return;
        };
        for folder in [
            self.out.clone(),
            self.data_dir(),
            self.signatures_dir(),
            self.set_aside_dir(),
            self.keys_dir(),
            self.checkpoints_dir(),
            self.paper_dir(),
        ] {
            crate::fsio::remove_stale_temporaries(&folder, before);
        }
    }

    /// Writes the keyring, while its lock is held: a keyring read in the current format gets
    /// the lines of its new changes appended, once the file is found as it was read (the same
    /// length, the same last line); any other is written whole. The lock is taken before the
    /// keyring is read, so only an edit made outside countersign can change it meanwhile, and
    /// then nothing is written.
    pub fn save_keyring(&self, keyring: &Keyring, _lock: &KeyringLock) -> Result<(), StoreError> {
        let dir = self.keys_dir();
        std::fs::create_dir_all(&dir).map_err(|source| WriteError::Io { path: dir, source })?;
        let path = self.keyring_path();
        match keyring.as_read() {
            Some(read) => append_to_keyring(&path, keyring, read),
            None => Ok(fsio::write_atomic(
                &path,
                &keyring.to_bytes(),
                Overwrite::Replace,
            )?),
        }
    }

    /// Files new signature files under their canonical names and records them in the
    /// register, all or nothing: if the register cannot record them, the files are removed
    /// again, since a signature nobody recorded is a signature nobody can place. `read` is the
    /// register as the command read it ([`PackContents::register_head`]), if it did.
    pub fn store_signatures(
        &self,
        files: &[(String, Vec<u8>, crate::record::register::Event)],
        at: crate::time::Timestamp,
        read: Option<&crate::record::register::ChainHead>,
    ) -> Result<Vec<crate::record::register::Record>, StoreError> {
        if files.is_empty() {
            return Ok(Vec::new());
        }
        let dir = self.signatures_dir();
        std::fs::create_dir_all(&dir).map_err(|source| WriteError::Io {
            path: dir.clone(),
            source,
        })?;
        let mut written: Vec<PathBuf> = Vec::new();
        let undo = |written: &[PathBuf]| {
            for path in written {
                let _ = std::fs::remove_file(path);
            }
        };
        for (name, bytes, _) in files {
            let path = dir.join(name);
            // Filed already by a run stopped before its record: recorded now, kept if not.
            let held = fsio::read_limited(&path, fsio::limits::SIGNATURE, false);
            if held.as_deref().is_ok_and(|held| held == bytes.as_slice()) {
                continue;
            }
            if let Err(e) = fsio::write_atomic(&path, bytes, Overwrite::Refuse) {
                undo(&written);
                return Err(e.into());
            }
            written.push(path);
        }
        fsio::stop_point("signatures-filed");
        let events = files.iter().map(|(_, _, e)| e.clone()).collect();
        crate::record::register::append_after(&self.register_path(), read, at, events)
            .inspect_err(|_| undo(&written))
            .map_err(StoreError::from)
    }

    /// Moves a failing signature file aside (kept as evidence, never deleted) so that the
    /// organisation can sign again, and records why in the register. Returns its new name
    /// inside the set-aside folder. Every setting aside (by `sign` or `collect`) comes here.
    pub fn set_aside(
        &self,
        name: &str,
        reason: String,
        at: crate::time::Timestamp,
    ) -> Result<String, StoreError> {
        let kept_as = self.move_aside(name, at)?;
        crate::record::register::append(
            &self.register_path(),
            at,
            vec![crate::record::register::Event::SignatureSetAside {
                signature_file: name.to_string(),
                kept_as: kept_as.clone(),
                reason,
            }],
        )?;
        Ok(kept_as)
    }

    fn move_aside(&self, name: &str, at: crate::time::Timestamp) -> Result<String, StoreError> {
        let dir = self.set_aside_dir();
        std::fs::create_dir_all(&dir).map_err(|source| WriteError::Io {
            path: dir.clone(),
            source,
        })?;
        let stem = name.trim_end_matches(crate::pack::layout::SIGNATURE_SUFFIX);
        let stamp: String = at
            .to_string()
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        let mut target = format!("{stem}.{stamp}{}", crate::pack::layout::SIGNATURE_SUFFIX);
        let mut n = 1;
        while dir.join(&target).exists() {
            n += 1;
            target = format!(
                "{stem}.{stamp}-{n}{}",
                crate::pack::layout::SIGNATURE_SUFFIX
            );
        }
        let from = self.signatures_dir().join(name);
        let to = dir.join(&target);
        // A hard link then an unlink: the file is never missing from both places, and an
        // existing file is never replaced.
        std::fs::hard_link(&from, &to)
            .and_then(|()| std::fs::remove_file(&from))
            .map_err(|source| WriteError::Io { path: from, source })?;
        Ok(target)
    }

    /// Files a checkpoint under its canonical name (never over another).
    pub fn store_checkpoint(&self, name: &str, bytes: &[u8]) -> Result<PathBuf, StoreError> {
        let dir = self.checkpoints_dir();
        std::fs::create_dir_all(&dir).map_err(|source| WriteError::Io {
            path: dir.clone(),
            source,
        })?;
        let path = dir.join(name);
        fsio::write_atomic(&path, bytes, Overwrite::Refuse)?;
        Ok(path)
    }
}

/// One part of a pack to read and check, with what it gave once run.
struct Part<T, F> {
    read: F,
    done: std::sync::OnceLock<T>,
}

/// A part that can run on either thread.
trait Run: Sync {
    fn run(&self);
}

impl<T, F: Fn() -> T> Part<T, F> {
    fn new(read: F) -> Self {
        Part {
            read,
            done: std::sync::OnceLock::new(),
        }
    }

    /// What the part gave (read now, had it not run).
    fn take(self) -> T {
        let Part { read, done } = self;
        done.into_inner().unwrap_or_else(read)
    }
}

impl<T: Send + Sync, F: Fn() -> T + Sync> Run for Part<T, F> {
    fn run(&self) {
        self.done.get_or_init(&self.read);
    }
}

/// Reads the regular files of a folder whose names end with `suffix`, sorted by name; also
/// returns the names of other regular files there. A missing folder holds nothing.
fn read_folder(dir: &Path, suffix: &str) -> Result<(Vec<SignatureFile>, Vec<String>), LoadError> {
    if crate::fsio::is_symlink(dir) {
        return Err(LoadError::Symlink(dir.to_path_buf()));
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Default::default()),
        Err(source) => {
            return Err(LoadError::Read {
                path: dir.to_path_buf(),
                source: crate::fsio::ReadError::Io { source },
            });
        }
    };
    let mut files = Vec::new();
    let mut others = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let kind = entry.file_type();
        if kind.as_ref().is_ok_and(|t| t.is_dir()) || name.starts_with('.') {
            continue;
        }
        if name.ends_with(suffix) {
            // A link or a pipe here is named, never followed or read.
            let path = entry.path();
            let bytes = crate::fsio::read_limited(&path, crate::fsio::limits::SIGNATURE, false)
                .map_err(|source| LoadError::Read { path, source })?;
            files.push((name, bytes));
        } else {
            others.push(name);
        }
    }
    files.sort();
    others.sort();
    Ok((files, others))
}

/// The signature files of a pack.
#[derive(Debug, Clone, Default)]
pub struct SignatureFiles {
    /// Those in use, by canonical name.
    pub active: Vec<SignatureFile>,
    /// Failing signatures kept as evidence after a fresh one replaced them.
    pub set_aside: Vec<SignatureFile>,
    /// Files in `signatures/` whose names countersign does not read.
    pub misnamed: Vec<String>,
}

/// Where a pack's documents are read from.
#[derive(Debug, Clone)]
pub enum Documents {
    /// A folder on disk.
    Folder(PathBuf),
    /// Files in memory (from a bundle), by file name.
    Memory(BTreeMap<String, Vec<u8>>),
}

/// Everything a pack holds, loaded and checked: from a folder or from a bundle.
#[derive(Debug, Clone)]
pub struct PackContents {
    /// The data.
    pub data: PackData,
    /// The manifest.
    pub manifest: Manifest,
    /// The keyring.
    pub keyring: Keyring,
    /// The register.
    pub register: Register,
    /// The register as read, for a command that appends to it ([`Pack::store_signatures`]):
    /// loaded by [`Pack::contents_for_signing`], None otherwise.
    pub register_head: Option<crate::record::register::ChainHead>,
    /// The signatures.
    pub signatures: SignatureFiles,
    /// The register's checkpoints.
    pub checkpoints: Vec<SignatureFile>,
    /// The paper signatures the coordinator recorded.
    pub paper: Vec<crate::approval::paper::PaperFile>,
    /// The documents.
    pub documents: Documents,
}

impl PackContents {
    /// An assembled document's bytes, if the pack holds it.
    pub fn document(&self, file: &str) -> Option<Vec<u8>> {
        match &self.documents {
            Documents::Folder(dir) => {
                crate::fsio::read_limited(&dir.join(file), crate::fsio::limits::DOCUMENT, false)
                    .ok()
            }
            Documents::Memory(map) => map.get(file).cloned(),
        }
    }
}

/// The bundled small example, written by `countersign init`: (file name, contents); the
/// protocol (the last) goes in the protocols folder.
const EXAMPLE: [(&str, &str); 3] = [
    (
        FRAMEWORK_FILE,
        include_str!("../../examples/small/framework.json"),
    ),
    (
        ORGANISATIONS_FILE,
        include_str!("../../examples/small/organisations.json"),
    ),
    (
        "hospital-discharge.json",
        include_str!("../../examples/small/protocols/hospital-discharge.json"),
    ),
];

fn pack_gitignore() -> String {
    format!(
        "# Secret keys never belong in a pack.\n*.key\n*.key.pem\n# Held only while the keyring is being changed.\n{KEYS_DIR}/{KEYRING_LOCK}\n"
    )
}

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

fn templates_readme() -> String {
    let names: Vec<&str> = crate::document::templates::names().collect();
    format!(
        "Put a DOCX here named {} to use it instead of countersign's default template of that name.\n",
        names.join(", ")
    )
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
    for sub in [PROTOCOLS_DIR, SCHEMA_DIR, TEMPLATES_DIR, KEYS_DIR] {
        std::fs::create_dir_all(dir.join(sub)).map_err(io(&dir.join(sub)))?;
    }
    for (i, (name, text)) in EXAMPLE.into_iter().enumerate() {
        let path = if i + 1 == EXAMPLE.len() {
            dir.join(PROTOCOLS_DIR).join(name)
        } else {
            dir.join(name)
        };
        fsio::write_atomic(&path, text.as_bytes(), Overwrite::Refuse)?;
    }
    for (name, bytes) in schema_files() {
        fsio::write_atomic(&dir.join(SCHEMA_DIR).join(name), &bytes, Overwrite::Refuse)?;
    }
    fsio::write_atomic(
        &dir.join(GITIGNORE_FILE),
        pack_gitignore().as_bytes(),
        Overwrite::Refuse,
    )?;
    fsio::write_atomic(
        &dir.join(TEMPLATES_DIR).join(TEMPLATES_README),
        templates_readme().as_bytes(),
        Overwrite::Refuse,
    )?;
    Ok(())
}

/// The register's record of a paper approval filed as `name` with these bytes.
fn paper_event(
    record: &crate::approval::paper::PaperRecord,
    name: String,
    bytes: &[u8],
) -> crate::record::register::Event {
    crate::record::register::Event::PaperSignatureRecorded {
        file: record.file.clone(),
        id: record.id.clone(),
        version: record.version.clone(),
        organisation: record.organisation.clone(),
        signatory: record.signatory.clone(),
        role: record.role.clone(),
        signed_on: record.signed_on.clone(),
        scan_sha256: record.scan_sha256.clone(),
        record_file: name,
        record_sha256: crate::digest::sha256_hex(bytes),
    }
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
    fn every_part_runs_once_on_one_thread_or_two() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let dir = tempfile::tempdir().unwrap();
        let pack = Pack::new(dir.path());
        // A small pack is read on one thread, a large one (by its organisations' file) on two.
        for size in [10, 300 * 1024] {
            let orgs = dir.path().join(crate::pack::layout::ORGANISATIONS_FILE);
            std::fs::write(&orgs, vec![b' '; size]).unwrap();
            let runs: Vec<AtomicUsize> = (0..6).map(|_| AtomicUsize::new(0)).collect();
            let parts: Vec<_> = (0..6)
                .map(|i| {
                    let runs = &runs;
                    Part::new(move || {
                        runs[i].fetch_add(1, Ordering::SeqCst);
                        i * 10
                    })
                })
                .collect();
            let shared: Vec<&dyn Run> = parts.iter().map(|p| p as &dyn Run).collect();
            pack.share(&shared);
            let given: Vec<usize> = parts.into_iter().map(Part::take).collect();
            assert_eq!(given, [0, 10, 20, 30, 40, 50]);
            assert!(runs.iter().all(|r| r.load(Ordering::SeqCst) == 1), "{size}");
        }
        // A part never run is read when taken.
        assert_eq!(Part::new(|| 7).take(), 7);
    }

    #[test]
    fn a_keyring_change_is_appended_only_to_the_file_as_read() {
        use crate::approval::keys::SecretKey;
        use crate::time::Timestamp;
        let at = |text| Timestamp::parse(text).unwrap();
        let add = |ring: &mut Keyring, seed: u8, org: &str| {
            ring.add(
                &SecretKey::from_seed(&[seed; 32]).public(),
                org,
                "A Signatory",
                &[],
                at("2026-04-01"),
                at("2026-04-01T09:00:00Z"),
            )
            .map(|_| ())
        };
        let dir = tempfile::tempdir().unwrap();
        let pack = Pack::new(dir.path());
        let lock = pack.lock_keyring().unwrap();
        // No keyring yet: written whole.
        let mut ring = pack.keyring().unwrap();
        add(&mut ring, 1, "riverside-council").unwrap();
        pack.save_keyring(&ring, &lock).unwrap();
        let first = std::fs::read(pack.keyring_path()).unwrap();

        // Read back: the next change is one line appended, the rest of the file untouched.
        let mut ring = pack.keyring().unwrap();
        add(&mut ring, 2, "riverside-hospital").unwrap();
        pack.save_keyring(&ring, &lock).unwrap();
        let second = std::fs::read(pack.keyring_path()).unwrap();
        assert!(second.starts_with(&first));
        assert_eq!(second, ring.to_bytes());
        assert_eq!(pack.keyring().unwrap().keys(), ring.keys());

        // Changed under the reader (same length, another last line; or longer): nothing is
        // written.
        let mut ring = pack.keyring().unwrap();
        add(&mut ring, 3, "riverside-police").unwrap();
        let swapped = String::from_utf8(second.clone()).unwrap().replacen(
            "riverside-hospital",
            "riverside-hospitak",
            1,
        );
        std::fs::write(pack.keyring_path(), &swapped).unwrap();
        assert!(matches!(
            pack.save_keyring(&ring, &lock),
            Err(StoreError::KeyringChanged(_))
        ));
        assert_eq!(
            std::fs::read(pack.keyring_path()).unwrap(),
            swapped.as_bytes()
        );
        let mut longer = second.clone();
        longer.extend_from_slice(b"{}\n");
        std::fs::write(pack.keyring_path(), &longer).unwrap();
        assert!(matches!(
            pack.save_keyring(&ring, &lock),
            Err(StoreError::KeyringChanged(_))
        ));
        assert_eq!(std::fs::read(pack.keyring_path()).unwrap(), longer);
    }

    #[test]
    fn init_writes_a_pack_and_refuses_a_folder_in_use() {
        let dir = tempfile::tempdir().unwrap();
        let pack = dir.path().join("new-pack");
        init(&pack).unwrap();
        assert!(crate::document::validate::load_pack(&pack).is_ok());
        assert!(matches!(init(&pack), Err(WriteError::Exists(_))));
    }
}
