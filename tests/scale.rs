//! What keeps adding a key or a signature cheap in a large pack, proven through the binary:
//! data unchanged since assembly is read without being checked again, but data changed since
//! is checked in full; a pack large enough to be read on two threads gives the same answers
//! (and reports the same problem first) as one read on one.

mod support;

use std::path::Path;

use serde_json::{Value, json};
use support::{Desk, copy_example};

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn write_json(path: &Path, value: &Value) {
    std::fs::write(path, serde_json::to_vec_pretty(value).unwrap()).unwrap();
}

/// The first document the pack's manifest lists (the framework), by file name.
fn framework_file(pack: &Path) -> String {
    let manifest = read_json(&pack.join("out/manifest.json"));
    manifest["documents"][0]["file"]
        .as_str()
        .unwrap()
        .to_string()
}

/// A desk with the small example assembled in `pack`.
fn assembled_small_pack() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_example("small", &dir.path().join("pack"));
    Desk(dir.path()).ok(&["assemble", "pack"]);
    dir
}

/// Makes the small example's hospital a key and tries to add it to the pack's keyring.
fn try_to_add_the_hospitals_key(desk: &Desk) -> (i32, String, String) {
    std::fs::create_dir_all(desk.0.join("private")).unwrap();
    desk.ok(&[
        "keygen",
        "--org",
        "riverside-hospital",
        "--no-passphrase",
        "--out",
        "private",
    ]);
    desk.run(&[
        "keys",
        "add",
        "private/riverside-hospital.pub",
        "--org",
        "riverside-hospital",
        "--signatory",
        "Dr Peter Walsh",
        "--pack",
        "pack",
    ])
}

#[test]
fn the_manifest_records_the_data_and_data_changed_since_is_checked_in_full() {
    let dir = assembled_small_pack();
    let desk = Desk(dir.path());
    let pack = dir.path().join("pack");

    // Every data file, by its path in the pack, with the SHA-256 of its bytes.
    let manifest = read_json(&pack.join("out/manifest.json"));
    let inputs = manifest["inputs"].as_array().unwrap();
    let mut expected = vec![
        "framework.json".to_string(),
        "organisations.json".to_string(),
    ];
    let mut protocols: Vec<String> = std::fs::read_dir(pack.join("protocols"))
        .unwrap()
        .map(|e| format!("protocols/{}", e.unwrap().file_name().to_string_lossy()))
        .collect();
    protocols.sort();
    expected.extend(protocols);
    let listed: Vec<&str> = inputs.iter().map(|i| i["file"].as_str().unwrap()).collect();
    assert_eq!(listed, expected);
    for input in inputs {
        let bytes = std::fs::read(pack.join(input["file"].as_str().unwrap())).unwrap();
        assert_eq!(
            input["sha256"],
            countersign::digest::sha256_hex(&bytes).as_str()
        );
    }

    // Unchanged: a key is added as usual.
    desk.add_key("riverside-council", "Amira Shah");

    // Changed since assembly in a way the model still reads, but a rule refuses (an
    // organisation listed twice): the next key is refused with the finding, not added.
    let orgs_path = pack.join("organisations.json");
    let mut orgs = read_json(&orgs_path);
    let list = orgs["organisations"].as_array_mut().unwrap();
    let twin = list[0].clone();
    list.push(twin);
    write_json(&orgs_path, &orgs);
    let (code, out, err) = try_to_add_the_hospitals_key(&desk);
    assert_ne!(code, 0, "{out}{err}");
    assert!(err.contains("error: no key was added: "), "{err}");
    assert!(err.contains("organisations.json"), "{err}");
    assert!(err.contains("riverside-council"), "{err}");
    assert_eq!(support::keyring_changes(&pack).len(), 1);
    // And signing is refused the same way, with nothing written.
    let framework = framework_file(&pack);
    let doc = format!("pack/out/{framework}");
    let (code, out, err) = desk.run(&["sign", &doc, "--key", "private/riverside-council.key"]);
    assert_ne!(code, 0, "{out}{err}");
    assert!(err.contains("error: nothing was signed: "), "{err}");
    assert!(err.contains("organisations.json"), "{err}");
    // Collecting a returned file is refused the same way.
    std::fs::write(dir.path().join("returned.json"), b"{}").unwrap();
    let (code, out, err) = desk.run(&["collect", "pack", "returned.json"]);
    assert_ne!(code, 0, "{out}{err}");
    assert!(err.contains("error: nothing was collected: "), "{err}");
    assert!(err.contains("organisations.json"), "{err}");
    assert!(
        !pack.join("signatures").exists()
            || std::fs::read_dir(pack.join("signatures"))
                .unwrap()
                .next()
                .is_none()
    );

    // Put right, it signs; and a manifest written before it recorded its data (no `inputs`)
    // is read as before, everything checked in full.
    let list = orgs["organisations"].as_array_mut().unwrap();
    list.pop();
    write_json(&orgs_path, &orgs);
    let mut older = manifest.clone();
    older.as_object_mut().unwrap().remove("inputs");
    write_json(&pack.join("out/manifest.json"), &older);
    desk.sign(&framework, "riverside-council");
    let report: Value = serde_json::from_str(&desk.run(&["verify", &doc, "--json"]).1).unwrap();
    let council = report["parties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["organisation"] == "riverside-council")
        .unwrap();
    assert_eq!(council["status"], "signed", "{report}");
}

/// The full example with `extra` more core members (copies of its first, with new ids and
/// names), enough for its organisations' file to be read on a second thread.
fn large_pack(pack: &Path, extra: usize) {
    copy_example("cambs", pack);
    let path = pack.join("organisations.json");
    let mut orgs = read_json(&path);
    let list = orgs["organisations"].as_array_mut().unwrap();
    let core = list
        .iter()
        .find(|o| o["membership"]["kind"] == "core")
        .unwrap()
        .clone();
    for i in 0..extra {
        let mut o = core.clone();
        o["id"] = json!(format!("member-{i:04}"));
        o["name"] = json!(format!(
            "Member Organisation {i:04} – Ysbyty & \"Partners\""
        ));
        list.push(o);
    }
    write_json(&path, &orgs);
}

#[test]
fn a_pack_read_on_two_threads_gives_the_same_answers_and_the_same_first_problem() {
    let dir = tempfile::tempdir().unwrap();
    let desk = Desk(dir.path());
    let pack = dir.path().join("pack");
    large_pack(&pack, 520);
    // Large enough that the data is checked beside the keyring (the threshold is 256 KiB).
    assert!(
        std::fs::metadata(pack.join("organisations.json"))
            .unwrap()
            .len()
            > 256 * 1024
    );
    desk.ok(&["assemble", "pack"]);
    let framework = framework_file(&pack);
    let doc = format!("pack/out/{framework}");

    desk.add_key("member-0519", "Alex Example");
    desk.add_key("member-0000", "Sam Example");
    desk.sign(&framework, "member-0519");
    // A signature made elsewhere and returned by email is collected in the large pack.
    let returned = dir.path().join("returned");
    std::fs::create_dir_all(&returned).unwrap();
    let signed = desk.ok(&["sign", &doc, "--key", "private/member-0000.key"]);
    assert!(signed.contains("register record"), "{signed}");
    let name = format!(
        "{}.member-0000.dsse.json",
        framework.trim_end_matches(".docx")
    );
    std::fs::rename(
        pack.join("signatures").join(&name),
        returned.join("from-member-0000.json"),
    )
    .unwrap();
    let collected = desk.ok(&["collect", "pack", "returned/from-member-0000.json"]);
    assert!(collected.contains("1 collected"), "{collected}");

    let report: Value = serde_json::from_str(&desk.run(&["verify", &doc, "--json"]).1).unwrap();
    let signed: Vec<&str> = report["parties"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["status"] == "signed")
        .map(|p| p["organisation"].as_str().unwrap())
        .collect();
    assert_eq!(signed, ["member-0000", "member-0519"], "{report}");
    desk.ok(&["register", "verify", "pack"]);

    // Broken data and a broken keyring at once: the data's problem is reported, as when the
    // two are read one after the other, and nothing is signed.
    let orgs_path = pack.join("organisations.json");
    let mut orgs = read_json(&orgs_path);
    orgs["organisations"][5]["membership"]["kind"] = json!("partner");
    write_json(&orgs_path, &orgs);
    let mut keyring = support::keyring_changes(&pack);
    keyring[0]["prev"] = json!("1".repeat(64));
    support::write_keyring_changes(&pack, &keyring);
    let records = std::fs::read(pack.join("register/register.jsonl")).unwrap();
    let (code, out, err) = desk.run(&["sign", &doc, "--key", "private/member-0519.key"]);
    assert_ne!(code, 0, "{out}{err}");
    assert!(
        err.contains("organisations.json") && err.contains("organisations[5]"),
        "{err}"
    );
    assert!(!err.contains("keyring"), "{err}");
    assert_eq!(
        std::fs::read(pack.join("register/register.jsonl")).unwrap(),
        records
    );
}

#[test]
fn a_key_is_not_added_when_the_register_could_not_record_it() {
    let dir = assembled_small_pack();
    let desk = Desk(dir.path());
    let pack = dir.path().join("pack");
    desk.add_key("riverside-council", "Amira Shah");
    // An edited register record: its chain no longer holds.
    let register = pack.join("register/register.jsonl");
    let text = std::fs::read_to_string(&register).unwrap();
    std::fs::write(&register, text.replacen("framework", "frame-work", 1)).unwrap();
    let keyring = std::fs::read(pack.join("keys/keyring.json")).unwrap();
    let (code, out, err) = try_to_add_the_hospitals_key(&desk);
    assert_ne!(code, 0, "{out}{err}");
    assert!(err.contains("register"), "{err}");
    assert!(err.contains("countersign register verify"), "{err}");
    assert_eq!(
        std::fs::read(pack.join("keys/keyring.json")).unwrap(),
        keyring
    );
}

#[test]
fn a_recorded_signature_whose_file_was_lost_is_filed_again_without_a_second_record() {
    let dir = assembled_small_pack();
    let desk = Desk(dir.path());
    let pack = dir.path().join("pack");
    desk.add_key("riverside-council", "Amira Shah");
    let framework = framework_file(&pack);
    desk.sign(&framework, "riverside-council");
    let register = pack.join("register/register.jsonl");
    let records = |p: &Path| std::fs::read_to_string(p).unwrap().lines().count();
    let before = records(&register);
    // The signature file is lost from the pack; the signatory sends their copy again.
    let name = format!(
        "{}.riverside-council.dsse.json",
        framework.trim_end_matches(".docx")
    );
    let returned = dir.path().join("returned");
    std::fs::create_dir_all(&returned).unwrap();
    std::fs::rename(
        pack.join("signatures").join(&name),
        returned.join("copy.json"),
    )
    .unwrap();
    let out = desk.ok(&["collect", "pack", "returned/copy.json"]);
    assert!(out.contains("1 collected"), "{out}");
    assert!(out.contains(&format!("register record {before}")), "{out}");
    assert_eq!(records(&register), before, "recorded once, not twice");
    assert!(pack.join("signatures").join(&name).is_file());

    // Many files at once (every record read up front): the same file under 17 names is held
    // already, and nothing is recorded.
    let mut args = vec!["collect".to_string(), "pack".to_string()];
    for i in 0..17 {
        let copy = format!("returned/copy-{i}.json");
        std::fs::copy(returned.join("copy.json"), dir.path().join(&copy)).unwrap();
        args.push(copy);
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = desk.ok(&args);
    assert!(
        out.contains("17 file(s): 0 collected, 17 already held"),
        "{out}"
    );
    assert_eq!(records(&register), before);
}

#[test]
fn a_collection_hands_what_it_loaded_to_its_caller_once_the_files_are_filed() {
    use countersign::approval::collect::{Outcome, collect_then};
    use countersign::pack::Pack;
    use countersign::time::Timestamp;
    let dir = assembled_small_pack();
    let desk = Desk(dir.path());
    let pack_dir = dir.path().join("pack");
    desk.add_key("riverside-council", "Amira Shah");
    let framework = framework_file(&pack_dir);
    desk.sign(&framework, "riverside-council");
    let name = format!(
        "{}.riverside-council.dsse.json",
        framework.trim_end_matches(".docx")
    );
    // The pack's copy is lost; the signatory's copy comes back.
    let filed = pack_dir.join("signatures").join(&name);
    let returned = vec![("copy.json".to_string(), std::fs::read(&filed).unwrap())];
    std::fs::remove_file(&filed).unwrap();
    let pack = Pack::new(&pack_dir);
    let at = Timestamp::from_unix(1_795_435_200);
    let pack_id = read_json(&pack_dir.join("out/manifest.json"))["pack"]
        .as_str()
        .unwrap()
        .to_string();

    let mut handed = Vec::new();
    let report = collect_then(&pack, &returned, at, |c| handed.push(c.manifest.pack)).unwrap();
    assert_eq!(report.files[0].outcome, Outcome::Collected);
    assert!(filed.is_file());
    assert_eq!(handed, std::slice::from_ref(&pack_id), "handed over once");

    // Held already: nothing filed, and what was loaded is still handed over.
    let report = collect_then(&pack, &returned, at, |c| handed.push(c.manifest.pack)).unwrap();
    assert_eq!(report.files[0].outcome, Outcome::AlreadyHeld);
    assert_eq!(handed, [pack_id.clone(), pack_id]);

    // A pack that cannot be loaded (its keyring edited) is refused; nothing is handed over.
    let mut keyring = support::keyring_changes(&pack_dir);
    keyring[0]["prev"] = json!("1".repeat(64));
    support::write_keyring_changes(&pack_dir, &keyring);
    let err = collect_then(&pack, &returned, at, |c| handed.push(c.manifest.pack)).unwrap_err();
    assert!(err.to_string().contains("keyring"), "{err}");
    assert_eq!(handed.len(), 2);
}
