//! Entry points for the fuzz targets (`fuzz/`, run with `cargo +nightly fuzz`), one per kind of
//! input that comes from other people. Each takes arbitrary bytes and must return without
//! panicking, aborting, hanging or exhausting memory, whatever they are; the corpora and every
//! crash input found are replayed on stable by `cargo test` (`tests/fuzz_corpora.rs`).
//!
//! Not part of the library's interface: hidden from its documentation, and may change.

use std::io::Write as _;

use crate::approval::keys::SecretKey;

/// The kinds of input, by the name of their fuzz target.
pub const TARGETS: [&str; 13] = [
    "template_package",
    "tag_syntax",
    "render_data",
    "pack_json",
    "dsse_envelope",
    "keyring",
    "register",
    "checkpoint",
    "bundle_zip",
    "trust_file",
    "paper_record",
    "bundle_to_sign",
    "returned_file",
];

/// Runs the fuzz target `name` on `data` (for replaying corpora).
pub fn run(name: &str, data: &[u8]) {
    match name {
        "template_package" => template_package(data),
        "tag_syntax" => tag_syntax(data),
        "render_data" => render_data(data),
        "pack_json" => pack_json(data),
        "dsse_envelope" => dsse_envelope(data),
        "keyring" => keyring(data),
        "register" => register(data),
        "checkpoint" => checkpoint(data),
        "bundle_zip" => bundle_zip(data),
        "trust_file" => trust_file(data),
        "paper_record" => paper_record(data),
        "bundle_to_sign" => bundle_to_sign(data),
        "returned_file" => returned_file(data),
        _ => {}
    }
}

fn sample_data() -> serde_json::Value {
    serde_json::json!({
        "title": "T", "a": "x", "b": true, "n": 3,
        "list": [{"name": "A & B", "x": 1}, {"name": "<C>", "x": 2}],
        "document": {"title": "D", "version": "1.0", "date": "2026-01-01"},
    })
}

/// A template package (any bytes as a DOCX) compiled and rendered with a fixed data set.
pub fn template_package(data: &[u8]) {
    if let Ok(template) = crate::Template::from_bytes(data.to_vec()) {
        let _ = template.render(&sample_data());
    }
}

/// A DOCX of one paragraph holding `text` (escaped), for the tag-syntax target.
fn paragraph_docx(text: &str) -> Option<Vec<u8>> {
    let mut bytes = Vec::with_capacity(text.len());
    crate::document::xml::escape_text_into(&mut bytes, text);
    let escaped = String::from_utf8_lossy(&bytes);
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t xml:space="preserve">{escaped}</w:t></w:r></w:p><w:tbl><w:tr><w:tc><w:p><w:r><w:t>{escaped}</w:t></w:r></w:p></w:tc></w:tr></w:tbl></w:body></w:document>"#
    );
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    w.start_file(crate::document::package::CONTENT_TYPES_PART, options)
        .ok()?;
    w.write_all(br#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>"#)
        .ok()?;
    w.start_file(crate::document::package::MAIN_DOCUMENT_PART, options)
        .ok()?;
    w.write_all(document.as_bytes()).ok()?;
    Some(w.finish().ok()?.into_inner())
}

/// Tag syntax: any text typed into a paragraph and a table cell, compiled and rendered.
pub fn tag_syntax(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let text: String = text
        .chars()
        .filter(|c| crate::document::xml::is_xml_char(*c))
        .collect();
    if let Some(docx) = paragraph_docx(&text)
        && let Ok(template) = crate::Template::from_bytes(docx)
    {
        let _ = template.render(&sample_data());
    }
}

/// Data: any bytes as the JSON a template is rendered with (the default framework template).
pub fn render_data(data: &[u8]) {
    let Ok(value) = crate::document::data::parse_json(data) else {
        return;
    };
    let Some(bytes) =
        crate::document::templates::default_bytes(crate::document::templates::FRAMEWORK)
    else {
        return;
    };
    if let Ok(template) = crate::Template::from_bytes(bytes.to_vec()) {
        let _ = template.render(&value);
    }
}

/// A pack's JSON: the first byte picks which file the rest replaces in the small example.
pub fn pack_json(data: &[u8]) {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let mut files = vec![
        crate::document::validate::DataFile {
            name: crate::pack::layout::FRAMEWORK_FILE.into(),
            bytes: include_bytes!("../examples/small/framework.json").to_vec(),
        },
        crate::document::validate::DataFile {
            name: crate::pack::layout::ORGANISATIONS_FILE.into(),
            bytes: include_bytes!("../examples/small/organisations.json").to_vec(),
        },
        crate::document::validate::DataFile {
            name: format!(
                "{}/hospital-discharge.json",
                crate::pack::layout::PROTOCOLS_DIR
            ),
            bytes: include_bytes!("../examples/small/protocols/hospital-discharge.json").to_vec(),
        },
    ];
    let i = usize::from(which) % files.len();
    files[i].bytes = rest.to_vec();
    // The same bytes as data recorded at assembly (a manifest edited to match them): read
    // without a check, each organisation located and parsed on demand.
    let parties = files[..2].to_vec();
    let recorded: Vec<_> = parties
        .iter()
        .map(|f| crate::document::manifest::InputRecord {
            file: f.name.clone(),
            sha256: crate::digest::sha256_hex(&f.bytes),
        })
        .collect();
    if let Ok(data) = crate::document::validate::PartiesRead::from_files(parties).check(&recorded) {
        let ids: Vec<String> = data.organisations().iter().map(|o| o.id.clone()).collect();
        for id in ids.iter().take(64) {
            let _ = data.organisation(id);
        }
        let _ = data.organisation_count();
    }
    let _ = crate::document::validate::check_files(files);
}

fn fixed_key() -> SecretKey {
    SecretKey::from_seed(&[42; 32])
}

fn fixed_keyring() -> crate::approval::keyring::Keyring {
    let mut ring = crate::approval::keyring::Keyring::default();
    let t = crate::time::Timestamp::from_unix(1_767_225_600);
    let _ = ring.add(&fixed_key().public(), "org-a", "A Person", &[], t, t);
    ring
}

/// A signature file: any bytes as a DSSE envelope, opened with a fixed key.
pub fn dsse_envelope(data: &[u8]) {
    let key = fixed_key().public();
    let _ =
        crate::approval::signature::open(data, |id| (id == key.key_id().as_str()).then_some(key));
}

/// A keyring file, as written or edited by hand: read and extended. Whatever is read is read
/// the same with its line ends made CRLF (docs/SPEC.md K2: a Windows editor changes no change).
pub fn keyring(data: &[u8]) {
    if let Ok(ring) = crate::approval::keyring::Keyring::from_bytes(data) {
        let _ = ring.to_bytes();
        let _ = crate::verify::trust::extends(&fixed_keyring(), &ring);
        if data.starts_with(b"{\"format\":\"countersign/keyring/v2\"}\n") && !data.contains(&b'\r')
        {
            let crlf: Vec<u8> = data
                .iter()
                .flat_map(|&b| {
                    if b == b'\n' {
                        vec![b'\r', b'\n']
                    } else {
                        vec![b]
                    }
                })
                .collect();
            let again = crate::approval::keyring::Keyring::from_bytes(&crlf)
                .unwrap_or_else(|e| panic!("a keyring read with LF is read with CRLF: {e}"));
            assert_eq!(again.events(), ring.events());
        }
    }
}

/// A register file, read whole and walked a block at a time as an append walks it: whatever
/// a full read accepts, the walk accepts with the same head, and every statement a record
/// names is one the walk says may be named (else a collection would judge a signature
/// against no records when one concerns it).
pub fn register(data: &[u8]) {
    let walked = crate::record::register::walk_chain(data, std::path::PathBuf::new());
    if let Ok(register) = crate::record::register::Register::parse(data) {
        let head = walked.unwrap_or_else(|e| panic!("a register read whole is walked: {e}"));
        assert_eq!(register.head(), head.head());
        for record in &register.records {
            if let crate::record::register::Event::SignatureRecorded {
                statement_sha256, ..
            } = &record.event
            {
                assert!(head.may_mention(statement_sha256));
            }
        }
    }
}

/// A checkpoint file, checked against a fixed keyring and register.
pub fn checkpoint(data: &[u8]) {
    let register = crate::record::register::Register::default();
    let _ = crate::record::checkpoint::check_checkpoint(data, &fixed_keyring(), &register);
}

/// A bundle: opened, its files checked against its index, and everything in it verified.
pub fn bundle_zip(data: &[u8]) {
    let Ok((_, files)) = crate::pack::bundle::open(data) else {
        return;
    };
    if let Ok(contents) = crate::pack::bundle::contents(files) {
        let _ = crate::verify::verify_pack(&contents);
    }
}

/// A trust file.
pub fn trust_file(data: &[u8]) {
    let _ = crate::verify::trust::TrustFile::parse(&String::from_utf8_lossy(data));
}

/// A paper approval's record (any bytes, with a scan beside it), checked as a verifier checks
/// one before it judges the approval.
pub fn paper_record(data: &[u8]) {
    let file = crate::approval::paper::PaperFile {
        name: format!("framework-v1.0.org-a{}", crate::pack::layout::RECORD_SUFFIX),
        bytes: data.to_vec(),
        scan: Some(b"%PDF-1.4 a scanned sheet\n".to_vec()),
    };
    let _ = crate::approval::paper::check(&file);
}

/// A bundle a signatory was sent, read as `sign BUNDLE.zip` reads it with the key of the
/// keyring's first holder: what awaits them, and each document they might name.
pub fn bundle_to_sign(data: &[u8]) {
    let Ok((_, files)) = crate::pack::bundle::open(data) else {
        return;
    };
    let Ok(contents) = crate::pack::bundle::contents(files) else {
        return;
    };
    let Some(key_id) = contents.keyring.keys().first().map(|k| k.key_id.clone()) else {
        return;
    };
    if let Ok(bundle) = crate::approval::signing::read_bundle_for_signing(
        &contents,
        &key_id,
        crate::approval::sign::SignerChoice::default(),
    ) {
        let _ = bundle.awaiting();
        for d in &contents.manifest.documents {
            let _ = bundle.document(&d.file);
        }
        let _ = bundle.document("../outside.docx");
    }
}

/// When the pack a returned file is collected into was assembled, and its key added.
const RETURNED_PACK_ASSEMBLED: i64 = 1_795_000_000;

/// The small example assembled in a folder of its own, with the fixed key enrolled for its
/// first organisation: the pack `returned_file` collects into. Made afresh for each process
/// and whenever a collection changed it, so that every input meets the same pack.
fn returned_file_pack() -> Option<crate::pack::Pack> {
    use crate::time::Timestamp;
    static COUNT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let root = std::env::temp_dir().join(format!(
        "countersign-fuzz-returned-{}-{n}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&root);
    crate::pack::init(&root).ok()?;
    let pack = crate::pack::Pack::new(&root);
    let data = pack.data().ok()?;
    let organisation = data.organisations().first()?.id.clone();
    let at = Timestamp::from_unix(RETURNED_PACK_ASSEMBLED);
    crate::document::assemble::assemble(&pack, &data, at, &mut |_, _, _| {}).ok()?;
    crate::approval::key_changes::add_key(
        &pack,
        crate::approval::key_changes::NewKey {
            organisation: &organisation,
            signatory: "A Person",
            roles: &[],
            public_key: fixed_key().public(),
            created: Some(at),
            valid_from: None,
        },
        at,
    )
    .ok()?;
    Some(pack)
}

/// A file returned by a signatory (any bytes, as a signature or a checkpoint), collected into
/// a pack as `collect` does. Whatever is filed, the pack still verifies without a failure, and
/// a file is filed only once.
pub fn returned_file(data: &[u8]) {
    collect_returned(data);
}

/// [`returned_file`]'s work: how many signatures the file was filed as.
fn collect_returned(data: &[u8]) -> usize {
    use std::sync::Mutex;
    static PACK: Mutex<Option<crate::pack::Pack>> = Mutex::new(None);
    let mut held = PACK.lock().unwrap_or_else(|e| e.into_inner());
    if held.is_none() {
        *held = returned_file_pack();
    }
    let Some(pack) = held.as_ref() else {
        return 0;
    };
    let at = crate::time::Timestamp::from_unix(RETURNED_PACK_ASSEMBLED + 3600);
    let files = [("returned.dsse.json".to_string(), data.to_vec())];
    let Ok(report) = crate::approval::collect::collect(pack, &files, at) else {
        return 0;
    };
    use crate::approval::collect::Outcome;
    let filed = report.count(Outcome::Collected) + report.count(Outcome::OlderVersion);
    if filed > 0 || !report.set_aside.is_empty() {
        let contents = pack
            .contents()
            .unwrap_or_else(|e| panic!("a pack a file was collected into loads: {e}"));
        let verified = crate::verify::verify_pack(&contents)
            .unwrap_or_else(|e| panic!("a pack a file was collected into keeps its register: {e}"));
        for report in &verified.reports {
            assert!(
                report.valid,
                "a collected file leaves the pack verifying: {report:?}"
            );
        }
        let again = crate::approval::collect::collect(pack, &files, at)
            .unwrap_or_else(|e| panic!("a second collection runs: {e}"));
        assert_eq!(
            again.count(Outcome::Collected),
            0,
            "a file is filed only once"
        );
        let _ = std::fs::remove_dir_all(pack.root());
        *held = returned_file_pack();
    }
    filed
}

/// A signature the pack `returned_file` collects into would file: the current framework signed
/// with the fixed key by its organisation (the seed the fuzzer starts from, committed as
/// `fuzz/seeds/returned_file/valid.dsse.json`; a test holds the two the same).
pub fn returned_file_seed() -> Option<Vec<u8>> {
    let pack = returned_file_pack()?;
    let manifest = pack.manifest().ok()?;
    let document = manifest.documents.iter().find(|d| d.current)?;
    let bytes = pack.document(&document.file).ok()?;
    let signed = crate::approval::signing::sign_in_pack(
        &pack,
        &document.file,
        &bytes,
        &fixed_key(),
        crate::approval::sign::SignerChoice::default(),
        crate::time::Timestamp::from_unix(RETURNED_PACK_ASSEMBLED + 600),
    )
    .ok()?;
    let seed = std::fs::read(pack.signatures_dir().join(&signed.signature_file)).ok();
    let _ = std::fs::remove_dir_all(pack.root());
    seed
}

#[cfg(test)]
mod tests {
    /// The committed seed of `returned_file` is a signature the fixed pack files, so that the
    /// fuzzer starts from the path that writes into the pack, not only from refusals. After a
    /// change to the default templates: `COUNTERSIGN_WRITE_SEEDS=1 cargo test --lib fuzzing`.
    #[test]
    fn the_returned_file_seed_reaches_filing() {
        let seed = super::returned_file_seed().expect("the seed is made");
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fuzz/seeds/returned_file/valid.dsse.json");
        if std::env::var_os("COUNTERSIGN_WRITE_SEEDS").is_some() {
            std::fs::write(&path, &seed).expect("the seed is written");
        }
        assert!(
            std::fs::read(&path).ok() == Some(seed.clone()),
            "{} is not the signature the pack files now: run COUNTERSIGN_WRITE_SEEDS=1 cargo test --lib fuzzing",
            path.display()
        );
        assert_eq!(super::collect_returned(&seed), 1);
        // The pack was made afresh: the same file is filed again.
        assert_eq!(super::collect_returned(&seed), 1);
        let edited = include_bytes!("../fuzz/seeds/returned_file/fail_edited_statement.dsse.json");
        assert_eq!(super::collect_returned(edited), 0);
        let key = include_bytes!("../fuzz/seeds/returned_file/secret-key.txt");
        assert_eq!(super::collect_returned(key), 0);
    }
}
