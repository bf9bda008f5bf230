//! Crash consistency (issue 31, 3): a command stopped dead between writing a file and recording
//! it in the register (`COUNTERSIGN_TEST_STOP_AT` names the point; the process aborts there,
//! as a killed one would) loses nothing: the next run finds the file without its record,
//! records it, and says so; the register then holds every change and the pack verifies.

mod support;

use countersign::record::register::{Event, Register};
use support::{COUNCIL, Desk, FRAMEWORK, HOSPITAL, copy_example};

/// Runs countersign with a stop point: it must end by the abort, not finish.
fn stopped_at(desk: &Desk<'_>, point: &str, args: &[&str]) {
    let out = support::cs()
        .current_dir(desk.0)
        .env(countersign::fsio::STOP_AT_ENV, point)
        .args(args)
        .output()
        .unwrap();
    assert!(
        !out.status.success() && out.status.code().is_none(),
        "{args:?} should have stopped at {point}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn register(desk: &Desk<'_>) -> Register {
    Register::load(&countersign::pack::Pack::new(desk.0.join("pack")).register_path()).unwrap()
}

fn a_pack(dir: &std::path::Path) -> Desk<'_> {
    support::assembled_small(dir)
}

#[test]
fn a_key_added_by_a_stopped_run_is_recorded_by_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let desk = a_pack(dir.path());
    std::fs::create_dir_all(dir.path().join("private")).unwrap();
    desk.ok(&[
        "keygen",
        "--org",
        COUNCIL,
        "--no-passphrase",
        "--out",
        "private",
    ]);
    let add = [
        "keys",
        "add",
        "private/riverside-council.pub",
        "--org",
        COUNCIL,
        "--signatory",
        "Margaret O'Brien",
        "--pack",
        "pack",
    ];
    stopped_at(&desk, "key-added:keyring-saved", &add);
    // The keyring took the key; the register did not record it.
    assert!(
        desk.ok(&["keys", "list", "--pack", "pack"])
            .contains(COUNCIL)
    );
    let added = |r: &Register| {
        r.records
            .iter()
            .filter(|r| matches!(r.event, Event::KeyAdded { .. }))
            .count()
    };
    assert_eq!(added(&register(&desk)), 0);
    // The next run records it, and says what happened.
    let said = desk.ok(&add);
    assert!(said.contains("recorded it now"), "{said}");
    assert_eq!(added(&register(&desk)), 1);
    // And a third is refused as before: the key is in the keyring and on record.
    let (code, _, err) = desk.run(&add);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("already in the keyring"), "{err}");
    desk.ok(&["register", "verify", "pack"]);
}

#[test]
fn a_revocation_by_a_stopped_run_is_recorded_by_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let desk = a_pack(dir.path());
    desk.add_seeded_key(COUNCIL, "Margaret O'Brien");
    let listed: serde_json::Value =
        serde_json::from_str(&desk.ok(&["keys", "list", "--pack", "pack", "--json"])).unwrap();
    let key_id = listed["keys"][0]["key_id"].as_str().unwrap().to_string();
    let revoke = [
        "keys",
        "revoke",
        &key_id,
        "--reason",
        "compromised",
        "--pack",
        "pack",
    ];
    stopped_at(&desk, "key-revoked:keyring-saved", &revoke);
    let revoked = |r: &Register| {
        r.records
            .iter()
            .filter(|r| matches!(r.event, Event::KeyRevoked { .. }))
            .count()
    };
    assert_eq!(revoked(&register(&desk)), 0);
    assert!(
        desk.ok(&["keys", "list", "--pack", "pack"])
            .contains("REVOKED")
    );
    let said = desk.ok(&revoke);
    assert!(said.contains("recorded it now"), "{said}");
    assert_eq!(revoked(&register(&desk)), 1);
    let (code, _, err) = desk.run(&revoke);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("already revoked"), "{err}");
    desk.ok(&["register", "verify", "pack"]);
}

#[test]
fn a_signature_collected_by_a_stopped_run_is_recorded_by_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let desk = a_pack(dir.path());
    desk.add_seeded_key(HOSPITAL, "Dr Peter Walsh");
    desk.ok(&["bundle", "pack", "-o", "sent.zip"]);
    // The hospital signs from the bundle, on its own computer, and sends the file back.
    std::fs::create_dir_all(dir.path().join("returned")).unwrap();
    desk.ok(&[
        "sign",
        "sent.zip",
        FRAMEWORK,
        "--key",
        &format!("private/{HOSPITAL}.key"),
        "-o",
        "returned",
    ]);
    let returned = std::fs::read_dir(dir.path().join("returned"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let returned = returned.to_string_lossy().into_owned();
    stopped_at(&desk, "signatures-filed", &["collect", "pack", &returned]);
    let recorded = |r: &Register| {
        r.records
            .iter()
            .filter(|r| matches!(r.event, Event::SignatureRecorded { .. }))
            .count()
    };
    // Filed, not recorded: verify names the file and says how to put it right.
    assert_eq!(recorded(&register(&desk)), 0);
    let (_, out, err) = desk.run(&["verify", &format!("pack/out/{FRAMEWORK}")]);
    assert!(
        (out.clone() + &err).contains("is not recorded in the register"),
        "{out}{err}"
    );
    // Collected again: recorded now, with the file kept as it was.
    let said = desk.ok(&["collect", "pack", &returned]);
    assert!(said.contains("recorded it now"), "{said}");
    assert_eq!(recorded(&register(&desk)), 1);
    let said = desk.ok(&["collect", "pack", &returned]);
    assert!(said.contains("already holds this signature"), "{said}");
    assert_eq!(recorded(&register(&desk)), 1);
    let report: serde_json::Value =
        serde_json::from_str(&desk.ok(&["verify", &format!("pack/out/{FRAMEWORK}"), "--json"]))
            .unwrap();
    let hospital = report["parties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["organisation"] == HOSPITAL)
        .unwrap();
    assert_eq!(hospital["status"], "signed");
    assert!(
        report["warnings"].as_array().unwrap().is_empty(),
        "{report}"
    );
}

#[test]
fn a_paper_approval_recorded_by_a_stopped_run_is_recorded_by_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let desk = a_pack(dir.path());
    std::fs::write(
        dir.path().join("scan.pdf"),
        b"%PDF-1.4 signed sheet, scanned\n",
    )
    .unwrap();
    stopped_at(&desk, "paper-filed", &support::HOSPITAL_ON_PAPER);
    let on_paper = |r: &Register| {
        r.records
            .iter()
            .filter(|r| matches!(r.event, Event::PaperSignatureRecorded { .. }))
            .count()
    };
    assert_eq!(on_paper(&register(&desk)), 0);
    // Filed, not recorded: the approval does not count yet.
    let report: serde_json::Value = serde_json::from_str(
        &desk
            .run(&["verify", &format!("pack/out/{FRAMEWORK}"), "--json"])
            .1,
    )
    .unwrap();
    let hospital = |r: &serde_json::Value| {
        r["parties"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["organisation"] == HOSPITAL)
            .unwrap()["status"]
            .clone()
    };
    assert_ne!(hospital(&report), "signed-on-paper");
    // Recorded again: the filed record is recorded as it was filed, and counts.
    desk.ok(&support::HOSPITAL_ON_PAPER);
    assert_eq!(on_paper(&register(&desk)), 1);
    let report: serde_json::Value =
        serde_json::from_str(&desk.ok(&["verify", &format!("pack/out/{FRAMEWORK}"), "--json"]))
            .unwrap();
    assert_eq!(hospital(&report), "signed-on-paper");
    let (code, _, err) = desk.run(&support::HOSPITAL_ON_PAPER);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("already approved"), "{err}");
}

#[test]
fn an_assembly_stopped_before_its_record_is_recorded_by_the_next() {
    let dir = tempfile::tempdir().unwrap();
    copy_example("small", &dir.path().join("pack"));
    let desk = Desk(dir.path());
    stopped_at(&desk, "assembled:manifest-written", &["assemble", "pack"]);
    assert!(dir.path().join("pack/out").join(FRAMEWORK).is_file());
    let assembled = |r: &Register| {
        r.records
            .iter()
            .filter(|r| matches!(r.event, Event::DocumentAssembled { .. }))
            .count()
    };
    assert_eq!(assembled(&register(&desk)), 0);
    desk.ok(&["assemble", "pack"]);
    assert_eq!(assembled(&register(&desk)), 2);
    let said = desk.ok(&["assemble", "pack"]);
    assert!(said.contains("nothing changed"), "{said}");
    assert_eq!(assembled(&register(&desk)), 2);
    desk.ok(&["verify", &format!("pack/out/{FRAMEWORK}")]);
}

#[test]
fn a_signature_made_by_a_stopped_run_is_recorded_by_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let desk = a_pack(dir.path());
    desk.add_seeded_key(COUNCIL, "Margaret O'Brien");
    let (doc, key) = (
        format!("pack/out/{FRAMEWORK}"),
        format!("private/{COUNCIL}.key"),
    );
    let sign = ["sign", doc.as_str(), "--key", key.as_str()];
    stopped_at(&desk, "signatures-filed", &sign);
    let filed = std::fs::read_dir(dir.path().join("pack/signatures"))
        .unwrap()
        .count();
    assert_eq!(filed, 1);
    let said = desk.ok(&sign);
    assert!(said.contains("recorded it now"), "{said}");
    assert!(said.contains("no new signature was made"), "{said}");
    let recorded = register(&desk)
        .records
        .iter()
        .filter(|r| matches!(r.event, Event::SignatureRecorded { .. }))
        .count();
    assert_eq!(recorded, 1);
    let (code, _, err) = desk.run(&sign);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("already signed"), "{err}");
    let said = desk.ok(&["verify", &format!("pack/out/{FRAMEWORK}")]);
    assert!(!said.contains("not recorded"), "{said}");
}

#[test]
fn temporaries_left_by_a_killed_write_are_cleared_by_the_next_command() {
    let dir = tempfile::tempdir().unwrap();
    let desk = a_pack(dir.path());
    let signatures = dir.path().join("pack/signatures");
    std::fs::create_dir_all(&signatures).unwrap();
    let stale = signatures.join(".countersign-5e5e.tmp");
    let fresh = signatures.join(".countersign-6f6f.tmp");
    std::fs::write(&stale, b"half a signature").unwrap();
    std::fs::write(&fresh, b"a write in progress").unwrap();
    // The commands run at the tests' fixed time: two hours before it is stale, ten minutes
    // before it may be a write in progress.
    let now: u64 = support::NOW.parse().unwrap();
    for (path, ago) in [(&stale, 7200), (&fresh, 600)] {
        std::fs::File::options()
            .write(true)
            .open(path)
            .unwrap()
            .set_modified(std::time::UNIX_EPOCH + std::time::Duration::from_secs(now - ago))
            .unwrap();
    }
    desk.add_seeded_key(COUNCIL, "Margaret O'Brien");
    assert!(!stale.exists(), "an hour-old temporary is removed");
    assert!(fresh.exists(), "a young one may be another command's write");
    desk.ok(&["verify", &format!("pack/out/{FRAMEWORK}")]);
}

/// Every file countersign writes whole (a bundle, a checkpoint, a manifest, a signature) is
/// written to a temporary and then put in place: a run stopped between the two leaves the old
/// state and a temporary, never half a file, and the same command run again does the job.
#[test]
fn a_write_stopped_before_it_is_put_in_place_leaves_nothing_half_done() {
    let dir = tempfile::tempdir().unwrap();
    let desk = a_pack(dir.path());
    desk.add_seeded_key(COUNCIL, "Margaret O'Brien");
    desk.add_seeded_key(HOSPITAL, "Dr Peter Walsh");
    desk.sign(FRAMEWORK, COUNCIL);
    let point = "written:before-placing";
    // How many files of a folder have names that pass `named` (none when it does not exist).
    let count = |folder: &std::path::Path, named: fn(&str) -> bool| {
        std::fs::read_dir(folder).map_or(0, |r| {
            r.filter(|e| named(&e.as_ref().unwrap().file_name().to_string_lossy()))
                .count()
        })
    };
    let temporaries = |folder: &std::path::Path| count(folder, |n| n.starts_with(".countersign-"));
    // A bundle: no bundle, a temporary beside where it would be; made whole the second time.
    stopped_at(&desk, point, &["bundle", "pack", "-o", "b.zip"]);
    assert!(!dir.path().join("b.zip").exists());
    assert_eq!(temporaries(dir.path()), 1);
    desk.ok(&["bundle", "pack", "-o", "b.zip"]);
    desk.ok(&["verify", "b.zip"]);
    // A checkpoint: none held after the stop; signed and held on the second run.
    let records = register(&desk).records.len();
    let key = format!("private/{HOSPITAL}.key");
    let checkpoint = ["register", "checkpoint", "--pack", "pack", "--key", &key];
    stopped_at(&desk, point, &checkpoint);
    let checkpoints = dir.path().join("pack/register/checkpoints");
    let held = |d: &std::path::Path| count(d, |n| n.ends_with(".dsse.json"));
    assert_eq!(held(&checkpoints), 0);
    desk.ok(&checkpoint);
    assert_eq!(held(&checkpoints), 1);
    let said = desk.ok(&["register", "verify", "pack"]);
    assert!(said.contains("vouched for the first"), "{said}");
    assert_eq!(
        register(&desk).records.len(),
        records,
        "a checkpoint adds no record"
    );
    // A signature: stopped before it is in place, nothing is recorded; signed the second time.
    stopped_at(
        &desk,
        point,
        &[
            "sign",
            &format!("pack/out/{FRAMEWORK}"),
            "--key",
            &format!("private/{HOSPITAL}.key"),
        ],
    );
    assert_eq!(
        register(&desk).records.len(),
        records,
        "nothing recorded without its file"
    );
    desk.sign(FRAMEWORK, HOSPITAL);
    let said = desk.ok(&["verify", &format!("pack/out/{FRAMEWORK}")]);
    assert!(said.contains("2 of 2 organisations"), "{said}");
}
