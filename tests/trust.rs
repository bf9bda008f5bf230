//! Who vouches for the keys: a verifier believes a key because they pinned it (a trust file)
//! or because it was already in a keyring they trusted, never because a bundle says so.
//! Played as the genuine coordinator, a forger with the same data and their own keys, and a
//! verifier who holds only what each sent them.

mod support;

use std::path::{Path, PathBuf};

use support::{COUNCIL, Desk, FRAMEWORK, HOSPITAL, copy_example, cs};

fn run(args: &[&str], dir: &Path) -> (i32, String) {
    run_at(args, dir, support::NOW)
}

/// Runs at `time` (seconds since 1970, as `SOURCE_DATE_EPOCH`).
fn run_at(args: &[&str], dir: &Path, time: &str) -> (i32, String) {
    let out = cs()
        .current_dir(dir)
        .env("SOURCE_DATE_EPOCH", time)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

/// A pack (the small example) in `dir/pack`, assembled, with a key for each organisation
/// (secret keys in `dir/private`) and both signatures of the framework; returns the bundle.
fn signed_pack(dir: &Path, name: &str) -> PathBuf {
    copy_example("small", &dir.join("pack"));
    let desk = Desk(dir);
    desk.ok(&["assemble", "pack"]);
    for (org, who) in [(COUNCIL, "Margaret O'Brien"), (HOSPITAL, "Dr Peter Walsh")] {
        desk.add_key(org, who);
        desk.sign(FRAMEWORK, org);
    }
    desk.ok(&["bundle", "pack", "-o", name]);
    dir.join(name)
}

/// Each organisation publishes its own line; the verifier keeps them in one file.
fn published_trust_file(dir: &Path, verifier: &Path) -> PathBuf {
    let mut text = String::from("# fingerprints read out by each organisation on the phone\n");
    for org in [COUNCIL, HOSPITAL] {
        let (code, line) = run(
            &[
                "keys",
                "fingerprint",
                &format!("private/{org}.pub"),
                "--org",
                org,
            ],
            dir,
        );
        assert_eq!(code, 0, "{line}");
        assert!(line.starts_with(&format!("{org} SHA256:")), "{line}");
        text.push_str(&line);
    }
    let path = verifier.join("riverside.trust");
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn a_forged_bundle_is_not_confirmed_and_fails_against_the_published_keys() {
    let tmp = tempfile::tempdir().unwrap();
    let (genuine, forger, verifier) = (
        tmp.path().join("genuine"),
        tmp.path().join("forger"),
        tmp.path().join("verifier"),
    );
    for d in [&genuine, &forger, &verifier] {
        std::fs::create_dir_all(d).unwrap();
    }
    let real = signed_pack(&genuine, "riverside.zip");
    // The forger takes the same data, makes their own keys "for" each organisation, and signs.
    let fake = signed_pack(&forger, "riverside.zip");
    let trust = published_trust_file(&genuine, &verifier);
    std::fs::copy(&real, verifier.join("genuine.zip")).unwrap();
    std::fs::copy(&fake, verifier.join("forged.zip")).unwrap();

    // Without --trust the forgery verifies mathematically, and says plainly that no key was
    // independently confirmed.
    let (code, text) = run(&["verify", "forged.zip"], &verifier);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("key NOT independently confirmed"), "{text}");
    assert!(
        text.contains("result: VALID, KEYS NOT CONFIRMED")
            && text.contains("nothing you trust confirms the signing keys"),
        "{text}"
    );
    let (code, text) = run(&["verify", "forged.zip", "--require-trusted"], &verifier);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("result: NOT CONFIRMED"), "{text}");

    // With the organisations' own published fingerprints, it fails, naming each of them.
    let (code, text) = run(
        &["verify", "forged.zip", "--trust", trust.to_str().unwrap()],
        &verifier,
    );
    assert_eq!(code, 1, "{text}");
    for name in [
        "Riverside Borough Council",
        "Riverside Hospitals NHS Foundation Trust",
    ] {
        assert!(
            text.contains(&format!(
                "this is NOT the key your trust file gives for {name}"
            )),
            "{name}: {text}"
        );
    }
    assert!(text.contains("result: VERIFICATION FAILED"), "{text}");
    // The genuine bundle is confirmed by the same file.
    let (code, text) = run(
        &[
            "verify",
            "genuine.zip",
            "--trust",
            trust.to_str().unwrap(),
            "--require-trusted",
        ],
        &verifier,
    );
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("key confirmed by your trust file (line 2)"),
        "{text}"
    );
    // And a document checked inside the genuine pack, the same way, in JSON.
    let (code, text) = run(
        &[
            "verify",
            &format!("pack/out/{FRAMEWORK}"),
            "--json",
            "--trust",
            trust.to_str().unwrap(),
        ],
        &genuine,
    );
    assert_eq!(code, 0, "{text}");
    let report: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(report["trust"], "trust-file");
    assert_eq!(report["keys_confirmed"], true);
    assert_eq!(
        report["parties"][0]["key_confirmation"]["result"],
        "confirmed-by-trust-file"
    );
    // The coordinator's export confirms the same keys.
    let (code, exported) = run(
        &["keys", "export", "--trust-file", "--pack", "pack"],
        &genuine,
    );
    assert_eq!(code, 0, "{exported}");
    std::fs::write(verifier.join("exported.trust"), &exported).unwrap();
    let (code, text) = run(
        &[
            "verify",
            "genuine.zip",
            "--trust",
            "exported.trust",
            "--require-trusted",
        ],
        &verifier,
    );
    assert_eq!(code, 0, "{text}");
}

#[test]
fn a_later_bundle_must_extend_the_keyring_you_trust() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("coordinator");
    std::fs::create_dir_all(&dir).unwrap();
    let earlier = signed_pack(&dir, "earlier.zip");
    let verifier = tmp.path().join("verifier");
    std::fs::create_dir_all(&verifier).unwrap();
    std::fs::copy(&earlier, verifier.join("earlier.zip")).unwrap();

    // A day later: the council's key is rotated and the new key signs the protocol.
    let later = (support::NOW.parse::<i64>().unwrap() + 86_400).to_string();
    let council_id = {
        support::keyring_changes(&dir.join("pack"))[0]["change"]["key_id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (code, text) = run_at(
        &[
            "keys",
            "revoke",
            &council_id,
            "--reason",
            "superseded",
            "--pack",
            "pack",
        ],
        &dir,
        &later,
    );
    assert_eq!(code, 0, "{text}");
    add_a_second_council_key(&dir, &later);
    let (code, text) = run_at(
        &[
            "sign",
            "pack/out/protocol-hospital-discharge-v1.0.docx",
            "--key",
            "private/council-2027.key",
        ],
        &dir,
        &later,
    );
    assert_eq!(code, 0, "{text}");
    let (code, text) = run_at(&["bundle", "pack", "-o", "later.zip"], &dir, &later);
    assert_eq!(code, 0, "{text}");
    std::fs::copy(dir.join("later.zip"), verifier.join("later.zip")).unwrap();
    let (code, text) = run(
        &["verify", "later.zip", "--trust", "earlier.zip"],
        &verifier,
    );
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains(
            "was added after the keyring you trust: confirm its fingerprint with riverside-council"
        ),
        "{text}"
    );
    assert!(
        text.contains("key confirmed by the earlier keyring you trust"),
        "{text}"
    );
    // The new key is not confirmed until the council confirms it.
    let (code, _) = run(
        &[
            "verify",
            "later.zip",
            "--trust",
            "earlier.zip",
            "--require-trusted",
        ],
        &verifier,
    );
    assert_eq!(code, 1);

    // A keyring whose history was rewritten (the keys added again, in another order) fails,
    // naming the first change that differs.
    let rewritten = tmp.path().join("rewritten");
    std::fs::create_dir_all(&rewritten).unwrap();
    copy_example("small", &rewritten.join("pack"));
    std::fs::create_dir_all(rewritten.join("private")).unwrap();
    assert_eq!(run(&["assemble", "pack"], &rewritten).0, 0);
    for (org, who) in [(HOSPITAL, "Dr Peter Walsh"), (COUNCIL, "Margaret O'Brien")] {
        std::fs::copy(
            dir.join(format!("private/{org}.pub")),
            rewritten.join(format!("private/{org}.pub")),
        )
        .unwrap();
        let (code, text) = run(
            &[
                "keys",
                "add",
                &format!("private/{org}.pub"),
                "--org",
                org,
                "--signatory",
                who,
                "--pack",
                "pack",
            ],
            &rewritten,
        );
        assert_eq!(code, 0, "{text}");
    }
    let (code, text) = run(&["bundle", "pack", "-o", "rewritten.zip"], &rewritten);
    assert_eq!(code, 0, "{text}");
    std::fs::copy(
        rewritten.join("rewritten.zip"),
        verifier.join("rewritten.zip"),
    )
    .unwrap();
    let (code, text) = run(
        &["verify", "rewritten.zip", "--trust", "earlier.zip"],
        &verifier,
    );
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("the keyring does not extend the keyring you trust: change 1 differs"),
        "{text}"
    );
}

#[test]
fn a_malformed_trust_file_trusts_nothing_and_names_each_line() {
    let tmp = tempfile::tempdir().unwrap();
    let bundle = signed_pack(tmp.path(), "riverside.zip");
    let trust = tmp.path().join("bad.trust");
    std::fs::write(
        &trust,
        "# published keys\nriverside-council\nriverside-hospital SHA256:not-a-key\n",
    )
    .unwrap();
    let (code, text) = run(
        &[
            "verify",
            bundle.to_str().unwrap(),
            "--trust",
            trust.to_str().unwrap(),
        ],
        tmp.path(),
    );
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains("has 2 line(s) that cannot be used, so nothing in it is trusted"),
        "{text}"
    );
    assert!(
        text.contains("bad.trust:2: 'riverside-council' is not 'ORGANISATION KEY_ID'")
            && text.contains("bad.trust:3: 'SHA256:not-a-key' is not a key id"),
        "{text}"
    );
}

/// A pack from before the keyring's current format: its keyring (one JSON document) is read,
/// trusted, and rewritten in the current format when it next changes, every change kept as it
/// was, so a verifier who kept the old keyring still finds the new one extends it.
#[test]
fn a_keyring_in_the_first_format_is_read_trusted_and_extended() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("coordinator");
    std::fs::create_dir_all(&dir).unwrap();
    signed_pack(&dir, "current.zip");
    let pack = dir.join("pack");
    let changes = support::keyring_changes(&pack);
    let compact: Vec<String> = std::fs::read_to_string(pack.join("keys/keyring.json"))
        .unwrap()
        .lines()
        .skip(1)
        .map(str::to_owned)
        .collect();
    let v1 = serde_json::to_vec_pretty(&serde_json::json!({
        "format": "countersign/keyring/v1",
        "events": changes,
    }))
    .unwrap();
    std::fs::write(pack.join("keys/keyring.json"), &v1).unwrap();

    // The old pack bundles and verifies as it did; the verifier keeps its keyring.
    let verifier = tmp.path().join("verifier");
    std::fs::create_dir_all(&verifier).unwrap();
    let trust = published_trust_file(&dir, &verifier);
    let (code, text) = run(&["bundle", "pack", "-o", "old.zip"], &dir);
    assert_eq!(code, 0, "{text}");
    std::fs::copy(dir.join("old.zip"), verifier.join("old.zip")).unwrap();
    let (code, text) = run(
        &[
            "verify",
            "old.zip",
            "--trust",
            trust.to_str().unwrap(),
            "--require-trusted",
        ],
        &verifier,
    );
    assert_eq!(code, 0, "{text}");
    std::fs::write(verifier.join("kept-keyring.json"), &v1).unwrap();

    // A new key: the keyring is written in the current format, the old changes line for line.
    let later = (support::NOW.parse::<i64>().unwrap() + 86_400).to_string();
    add_a_second_council_key(&dir, &later);
    let rewritten = std::fs::read_to_string(pack.join("keys/keyring.json")).unwrap();
    let lines: Vec<&str> = rewritten.lines().collect();
    assert_eq!(lines[0], r#"{"format":"countersign/keyring/v2"}"#);
    assert_eq!(lines[1..=compact.len()], compact[..]);
    assert_eq!(lines.len(), compact.len() + 2, "{rewritten}");

    let (code, text) = run_at(&["bundle", "pack", "-o", "later.zip"], &dir, &later);
    assert_eq!(code, 0, "{text}");
    std::fs::copy(dir.join("later.zip"), verifier.join("later.zip")).unwrap();
    let (code, text) = run(
        &["verify", "later.zip", "--trust", "kept-keyring.json"],
        &verifier,
    );
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("key confirmed by the earlier keyring you trust"),
        "{text}"
    );
    assert!(
        text.contains("was added after the keyring you trust"),
        "{text}"
    );
}

/// A change whose writing was cut short (a crash, a full disk) leaves a torn last line: the
/// pack says so and how to mend it, and adds nothing after it.
#[test]
fn a_torn_keyring_line_is_named_with_its_mend() {
    let tmp = tempfile::tempdir().unwrap();
    signed_pack(tmp.path(), "pack.zip");
    let path = tmp.path().join("pack/keys/keyring.json");
    let whole = std::fs::read(&path).unwrap();
    let torn = &whole[..whole.len() - 20];
    std::fs::write(&path, torn).unwrap();
    let public_key = format!("private/{COUNCIL}.pub");
    let (code, text) = run(&council_keys_add(&public_key), tmp.path());
    assert_ne!(code, 0, "{text}");
    assert!(text.contains("keyring.json"), "{text}");
    assert!(
        text.contains("line 3 is incomplete") || text.contains("(line 3) is incomplete"),
        "{text}"
    );
    assert!(text.contains("remove that line"), "{text}");
    assert_eq!(std::fs::read(&path).unwrap(), torn, "nothing was written");
}

/// The council's signatory makes a second key (`private/council-2027.*`) and the coordinator
/// adds it to the pack's keyring, both at `at`.
fn add_a_second_council_key(dir: &Path, at: &str) {
    let keygen = [
        "keygen",
        "--org",
        COUNCIL,
        "--name",
        "council-2027",
        "--no-passphrase",
        "--out",
        "private",
    ];
    let keys_add = council_keys_add("private/council-2027.pub");
    for args in [&keygen[..], &keys_add[..]] {
        let (code, text) = run_at(args, dir, at);
        assert_eq!(code, 0, "{text}");
    }
}

/// `keys add` of `public_key` for the council's signatory, in the pack `pack`.
fn council_keys_add(public_key: &str) -> [&str; 9] {
    [
        "keys",
        "add",
        public_key,
        "--org",
        COUNCIL,
        "--signatory",
        "Margaret O'Brien",
        "--pack",
        "pack",
    ]
}
