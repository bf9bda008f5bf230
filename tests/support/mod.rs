//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod corpus;
pub mod mutants;

use std::path::Path;
use std::process::Command;

/// The time every signing test runs at (`SOURCE_DATE_EPOCH`): 2026-11-23T12:00:00Z.
pub const NOW: &str = "1795435200";
/// The small example's organisations and framework document.
pub const COUNCIL: &str = "riverside-council";
pub const HOSPITAL: &str = "riverside-hospital";
pub const FRAMEWORK: &str = "framework-v1.0.docx";

/// The repository's root.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The countersign binary, at the fixed time [`NOW`].
pub fn cs() -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("countersign").expect("binary built");
    c.env("SOURCE_DATE_EPOCH", NOW);
    c
}

/// What a pack holds as data: the only entries a test takes from an example pack. Everything
/// else there (`out/`, `register/`, `signatures/`, `keys/`) is what a command wrote, perhaps a
/// user running the README's first command in this checkout, and belongs to each test.
pub const PACK_DATA: [&str; 5] = [
    "framework.json",
    "organisations.json",
    "protocols",
    "templates",
    "schema",
];

/// Copies an example pack's data (and nothing a command wrote) into `to`.
pub fn copy_pack(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for name in PACK_DATA {
        let source = from.join(name);
        if source.is_dir() {
            copy_tree(&source, &to.join(name));
        } else if source.is_file() {
            std::fs::copy(&source, to.join(name)).unwrap();
        }
    }
}

/// A desk in `dir` holding the small example in `dir/pack`, assembled: where most tests start.
pub fn assembled_small(dir: &Path) -> Desk<'_> {
    copy_example("small", &dir.join("pack"));
    let desk = Desk(dir);
    desk.ok(&["assemble", "pack"]);
    desk
}

/// Copies one of the bundled example packs' data into `to`.
pub fn copy_example(name: &str, to: &Path) {
    copy_pack(&root().join("examples").join(name), to);
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Opens a DOCX with the independent reader (python-docx and Python's strict XML parser) and
/// returns what it saw.
pub fn read_docx(path: &Path) -> serde_json::Value {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/read_docx.py");
    let out = Command::new("python3")
        .arg(script)
        .arg(path)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "the independent reader could not open {}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the reader prints JSON")
}

/// Adds the group order L to the little-endian scalar S of an Ed25519 signature: the same
/// signature to a lax verifier, a malleated one to a strict verifier.
pub fn add_group_order(s: &mut [u8]) {
    const L: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    let mut carry = 0u16;
    for (b, l) in s.iter_mut().zip(L) {
        let sum = *b as u16 + l as u16 + carry;
        *b = sum as u8;
        carry = sum >> 8;
    }
}

/// A coordinator's desk, as the tests play it: `dir/pack` (the pack) and `dir/private` (the
/// signatories' unencrypted secret keys), every command run in `dir` at [`NOW`].
pub struct Desk<'a>(pub &'a Path);

impl Desk<'_> {
    /// Runs countersign in the desk's folder: (exit code, standard output, standard error).
    pub fn run(&self, args: &[&str]) -> (i32, String, String) {
        let out = cs().current_dir(self.0).args(args).output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Runs countersign and requires success; returns what it printed.
    pub fn ok(&self, args: &[&str]) -> String {
        let (code, out, err) = self.run(args);
        assert_eq!(code, 0, "{args:?}: {out}{err}");
        out + &err
    }

    /// Makes `org`'s key and adds it to the pack's keyring, held by `who`.
    pub fn add_key(&self, org: &str, who: &str) {
        std::fs::create_dir_all(self.0.join("private")).unwrap();
        self.ok(&[
            "keygen",
            "--org",
            org,
            "--no-passphrase",
            "--out",
            "private",
        ]);
        self.add_public_key(org, who);
    }

    /// Adds `private/{org}.pub` to the pack's keyring, held by `who`.
    fn add_public_key(&self, org: &str, who: &str) {
        self.ok(&[
            "keys",
            "add",
            &format!("private/{org}.pub"),
            "--org",
            org,
            "--signatory",
            who,
            "--pack",
            "pack",
        ]);
    }

    /// As `add_key`, with a key made from a seed derived from this desk's folder name and
    /// `org` rather than by `keygen`: the same every time, so that files made with it (the
    /// conformance suite) are the same each time they are made again.
    pub fn add_seeded_key(&self, org: &str, who: &str) {
        self.add_seeded_key_numbered(org, who, 1);
    }

    /// As `add_seeded_key`, the organisation's `n`th key (a replacement when `n` > 1).
    pub fn add_seeded_key_numbered(&self, org: &str, who: &str, n: u32) {
        use sha2::Digest as _;
        let private = self.0.join("private");
        std::fs::create_dir_all(&private).unwrap();
        let home = self.0.file_name().unwrap().to_string_lossy();
        let label = if n == 1 {
            format!("{home}/{org}")
        } else {
            format!("{home}/{org}/{n}")
        };
        let seed: [u8; 32] = sha2::Sha256::digest(label).into();
        let key = countersign::approval::keys::SecretKey::from_seed(&seed);
        std::fs::write(
            private.join(format!("{org}.key")),
            key.to_pem().unwrap().as_bytes(),
        )
        .unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(
                private.join(format!("{org}.key")),
                std::fs::Permissions::from_mode(0o600),
            )
            .unwrap();
        }
        let created = countersign::time::Timestamp::parse_exact("2026-11-23T12:00:00Z").unwrap();
        let comment = countersign::approval::keys::openssh_comment(org, created);
        std::fs::write(
            private.join(format!("{org}.pub")),
            key.public().to_openssh(&comment) + "\n",
        )
        .unwrap();
        self.add_public_key(org, who);
    }

    /// Signs the pack's document `file` with `org`'s key.
    pub fn sign(&self, file: &str, org: &str) {
        let (doc, key) = (format!("pack/out/{file}"), format!("private/{org}.key"));
        self.ok(&["sign", &doc, "--key", &key]);
    }

    /// Records the hospital's approval of the small example's framework, signed on paper on
    /// 23 November 2026 and returned as a scan.
    pub fn record_hospital_on_paper(&self) -> String {
        std::fs::write(self.0.join("scan.pdf"), b"%PDF-1.4 signed sheet, scanned\n").unwrap();
        self.ok(&HOSPITAL_ON_PAPER)
    }
}

/// The `record-paper` command for the hospital's approval on paper (run in a desk's folder).
pub const HOSPITAL_ON_PAPER: [&str; 13] = [
    "record-paper",
    "pack",
    FRAMEWORK,
    "--org",
    HOSPITAL,
    "--signatory",
    "Dr Peter Walsh",
    "--role",
    "Caldicott Guardian",
    "--signed-on",
    "2026-11-23",
    "--scan",
    "scan.pdf",
];

/// The changes a pack's keyring holds, one JSON value per change: the file is a header line,
/// then one change per line.
pub fn keyring_changes(pack: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(pack.join("keys/keyring.json")).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(r#"{"format":"countersign/keyring/v2"}"#),
        "the keyring's header line"
    );
    lines.map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// Writes a pack's keyring with these changes as given (no link is mended): how a test edits
/// a keyring as someone outside countersign might.
pub fn write_keyring_changes(pack: &Path, changes: &[serde_json::Value]) {
    let mut text = String::from("{\"format\":\"countersign/keyring/v2\"}\n");
    for change in changes {
        text.push_str(&serde_json::to_string(change).unwrap());
        text.push('\n');
    }
    std::fs::write(pack.join("keys/keyring.json"), text).unwrap();
}

/// Options for writing a zip entry with a fixed time (the zip crate's default is now), so that
/// zips made again are the same bytes.
pub fn fixed_zip_options() -> zip::write::SimpleFileOptions {
    zip::write::SimpleFileOptions::default()
        .last_modified_time(zip::DateTime::from_date_and_time(2026, 11, 23, 12, 0, 0).unwrap())
}

/// Copies of a genuine bundle (or any zip) that two zip readers could unpack differently, each
/// named for the rule of docs/SPEC.md it breaks: `path` listed twice (an altered copy first,
/// the genuine one second, the index untouched), bytes in front, bytes after the end, and a
/// size in the directory that the entry's local header contradicts.
pub fn hostile_zips(zip: &[u8], path: &str) -> Vec<(&'static str, Vec<u8>)> {
    use std::io::{Read, Write};
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = fixed_zip_options();
    // The same name with its last byte changed, renamed back once written (a zip writer will not
    // write one name twice).
    let mut stand_in = path.as_bytes().to_vec();
    *stand_in.last_mut().unwrap() ^= 1;
    let stand_in = String::from_utf8(stand_in).unwrap();
    let mut genuine_copy = Vec::new();
    archive
        .by_name(path)
        .unwrap()
        .read_to_end(&mut genuine_copy)
        .unwrap();
    let mut altered = genuine_copy.clone();
    let at = altered.len() - 30;
    altered[at] ^= 0x20;
    writer.start_file(stand_in.as_str(), options).unwrap();
    writer.write_all(&altered).unwrap();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).unwrap();
        let name = String::from_utf8_lossy(entry.name_raw()).into_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        writer.start_file(name.as_str(), options).unwrap();
        writer.write_all(&bytes).unwrap();
    }
    let mut twice = writer.finish().unwrap().into_inner();
    let mut renamed = 0;
    let mut i = 0;
    while i + stand_in.len() <= twice.len() {
        if &twice[i..i + stand_in.len()] == stand_in.as_bytes() {
            twice[i..i + stand_in.len()].copy_from_slice(path.as_bytes());
            renamed += 1;
        }
        i += 1;
    }
    assert_eq!(
        renamed, 2,
        "the stand-in name is in the local header and the directory"
    );

    let mut prefixed = vec![0u8; 512];
    prefixed.extend_from_slice(zip);
    let mut trailing = zip.to_vec();
    trailing.extend_from_slice(&[0u8; 64]);
    // The first directory entry's uncompressed size, one more than its local header says.
    let cd = u32::from_le_bytes(zip[zip.len() - 6..zip.len() - 2].try_into().unwrap()) as usize;
    let mut sized = zip.to_vec();
    let size = u32::from_le_bytes(sized[cd + 24..cd + 28].try_into().unwrap()) + 1;
    sized[cd + 24..cd + 28].copy_from_slice(&size.to_le_bytes());
    vec![
        ("duplicate-entry", twice),
        ("junk-before", prefixed),
        ("junk-after", trailing),
        ("wrong-size-field", sized),
    ]
}
