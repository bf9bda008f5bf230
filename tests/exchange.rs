//! Countersigning between organisations that never share a folder, played as separate
//! machines: a coordinator's folder and one folder per organisation. Only what the README says
//! to send passes between them: the `.pub` file to the coordinator, the bundle out, and one
//! signature (or checkpoint) file back. Secret keys never leave their owner's folder.

mod support;

use std::path::{Path, PathBuf};

use predicates::str::contains;
use serde_json::Value;
use support::corpus::{rechained, reindexed};
use support::{COUNCIL, Desk, NOW, copy_example};

/// A time `minutes` after [`NOW`], as `SOURCE_DATE_EPOCH`.
fn at(minutes: i64) -> String {
    (NOW.parse::<i64>().unwrap() + minutes * 60).to_string()
}

/// The countersign binary run in `dir` (each machine runs commands in its own folder), at `time`.
fn cs_in(dir: &Path, time: &str) -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("countersign").expect("binary built");
    c.current_dir(dir).env("SOURCE_DATE_EPOCH", time);
    c
}

fn output(c: &mut assert_cmd::Command) -> (i32, String) {
    let out = c.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr),
    )
}

/// One organisation's computer: its own folder, with its secret key inside.
struct Org {
    id: &'static str,
    name: &'static str,
    dir: PathBuf,
}

impl Org {
    fn key(&self) -> PathBuf {
        self.dir.join("private").join(format!("{}.key", self.id))
    }

    /// Receives a file by email: copies it into this machine's folder under `name`.
    fn receive(&self, from: &Path, name: &str) -> PathBuf {
        let to = self.dir.join(name);
        std::fs::copy(from, &to).unwrap();
        to
    }

    /// Signs a document of the bundle it was sent; returns the signature file it wrote.
    fn sign(&self, bundle: &str, document: &str, time: &str) -> PathBuf {
        let before = self.files();
        cs_in(&self.dir, time)
            .args(["sign", bundle, document, "--key"])
            .arg(self.key())
            .assert()
            .success()
            .stderr(contains("next: send this one file back to"));
        let mut new: Vec<String> = self
            .files()
            .into_iter()
            .filter(|f| !before.contains(f))
            .collect();
        assert_eq!(new.len(), 1, "signing writes exactly one file: {new:?}");
        self.dir.join(new.remove(0))
    }

    /// Every file on this machine, as paths relative to its folder.
    fn files(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut stack = vec![self.dir.clone()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let e = e.unwrap();
                if e.file_type().unwrap().is_dir() {
                    stack.push(e.path());
                } else {
                    out.push(
                        e.path()
                            .strip_prefix(&self.dir)
                            .unwrap()
                            .display()
                            .to_string(),
                    );
                }
            }
        }
        out.sort();
        out
    }
}

/// The coordinator's pack (the full example) and three organisations, each with a key the
/// coordinator added from the `.pub` file it was sent.
struct World {
    tmp: tempfile::TempDir,
    pack: PathBuf,
    orgs: Vec<Org>,
}

const FRAMEWORK: &str = "framework-v2.7.docx";

impl World {
    fn new() -> World {
        let tmp = tempfile::tempdir().unwrap();
        let pack = tmp.path().join("coordinator").join("pack");
        copy_example("cambs", &pack);
        cs_in(tmp.path(), &at(0))
            .arg("assemble")
            .arg(&pack)
            .assert()
            .success();
        let mut orgs = Vec::new();
        for (id, name) in [
            ("cambs-cc", "Stephen Moreland"),
            ("cambridge-city", "Helen Ashworth"),
            ("cuh", "Dr Nadia Farouk"),
        ] {
            let dir = tmp.path().join(id);
            std::fs::create_dir_all(dir.join("private")).unwrap();
            // The key is made at minute 1 on the organisation's own machine.
            cs_in(&dir, &at(1))
                .args(["keygen", "--org", id, "--no-passphrase", "--out", "private"])
                .assert()
                .success()
                .stderr(contains("send the public key").and(contains("confirm the fingerprint")))
                .stderr(contains("countersign keys add").not());
            orgs.push(Org { id, name, dir });
        }
        let w = World { tmp, pack, orgs };
        // The .pub files travel to the coordinator, who adds them at minute 10.
        for org in &w.orgs {
            let inbox = w.coordinator().join(format!("{}.pub", org.id));
            std::fs::copy(
                org.dir.join("private").join(format!("{}.pub", org.id)),
                &inbox,
            )
            .unwrap();
            cs_in(&w.coordinator(), &at(10))
                .args(["keys", "add"])
                .arg(&inbox)
                .args(["--org", org.id, "--signatory", org.name, "--pack"])
                .arg(&w.pack)
                .assert()
                .success()
                .stderr(contains("fingerprint: SHA256:").and(contains("when it was created")));
        }
        w
    }

    fn coordinator(&self) -> PathBuf {
        self.tmp.path().join("coordinator")
    }

    /// Makes a bundle at `time` and sends it to every organisation as `pack.zip`.
    fn circulate(&self, time: &str, name: &str) -> PathBuf {
        let zip = self.coordinator().join(name);
        cs_in(&self.coordinator(), time)
            .args(["bundle", "pack", "-o"])
            .arg(&zip)
            .assert()
            .success();
        for org in &self.orgs {
            org.receive(&zip, "pack.zip");
        }
        zip
    }

    /// The coordinator collects files it was sent (copied into its inbox under `names`).
    fn collect(&self, files: &[(&Path, &str)], time: &str) -> (i32, String) {
        let inbox = self.coordinator().join("inbox");
        std::fs::create_dir_all(&inbox).unwrap();
        let mut c = cs_in(&self.coordinator(), time);
        c.args(["collect", "pack"]);
        for (from, name) in files {
            let to = inbox.join(name);
            std::fs::copy(from, &to).unwrap();
            c.arg(&to);
        }
        output(&mut c)
    }

    fn run(&self, args: &[&str], time: &str) -> (i32, String) {
        output(cs_in(&self.coordinator(), time).args(args))
    }

    fn register_records(&self) -> usize {
        std::fs::read_to_string(self.pack.join("register/register.jsonl"))
            .unwrap()
            .lines()
            .count()
    }

    fn party(&self, file: &str, org: &str, time: &str) -> Value {
        let out = cs_in(&self.coordinator(), time)
            .args(["verify", &format!("pack/out/{file}"), "--json"])
            .output()
            .unwrap();
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        report["parties"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["organisation"] == org)
            .cloned()
            .unwrap()
    }

    /// Raises the framework to 2.8 and assembles it at `time`.
    fn issue_framework_2_8(&self, time: &str) {
        let path = self.pack.join("framework.json");
        let mut framework: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        framework["version"] = "2.8".into();
        framework["revisions"].as_array_mut().unwrap().push(serde_json::json!({
            "version": "2.8", "date": "2026-11-23", "description": "Contacts brought up to date."
        }));
        std::fs::write(&path, serde_json::to_vec_pretty(&framework).unwrap()).unwrap();
        cs_in(&self.coordinator(), time)
            .args(["assemble", "pack"])
            .assert()
            .success();
    }

    /// After every scenario: the register is intact (never forked), and the pack and its
    /// bundle verify as expected.
    fn check_whole(&self, time: &str) {
        let (code, text) = self.run(&["register", "verify", "pack"], time);
        assert_eq!(code, 0, "{text}");
        // Outstanding signatures remain (27 organisations), so status asks for attention.
        let (code, text) = self.run(&["status", "pack"], time);
        assert_eq!(code, 1, "{text}");
        assert!(text.contains("framework-v2."), "{text}");
        let zip = self.coordinator().join("check.zip");
        let _ = std::fs::remove_file(&zip);
        let (code, text) = self.run(&["bundle", "pack", "-o", "check.zip"], time);
        assert_eq!(code, 0, "{text}");
        let (code, text) = self.run(&["verify", "check.zip"], time);
        assert_eq!(code, 0, "{text}");
        assert!(text.contains("result: VALID"), "{text}");
    }
}

use predicates::prelude::PredicateBooleanExt;

#[test]
fn three_organisations_sign_in_parallel_from_the_bundle_and_the_coordinator_collects() {
    let w = World::new();
    w.circulate(&at(20), "pack-2026-11.zip");
    let cc = &w.orgs[0];
    // Without a document, the signatory sees what awaits their signature.
    let (code, text) = output(
        cs_in(&cc.dir, &at(30))
            .args(["sign", "pack.zip", "--key"])
            .arg(cc.key()),
    );
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains(
            "await Cambridgeshire County Council's signature (as Stephen Moreland, Chief Executive)"
        ) && text.contains(FRAMEWORK),
        "{text}"
    );
    let before = cc.files();
    // All three sign the same bundle at the same time, on their own machines.
    let signed: Vec<PathBuf> = w
        .orgs
        .iter()
        .map(|o| o.sign("pack.zip", FRAMEWORK, &at(30)))
        .collect();
    let after = cc.files();
    assert_eq!(
        after.len(),
        before.len() + 1,
        "signing wrote nothing but the signature file: {after:?}"
    );
    assert_eq!(
        signed[0].file_name().unwrap(),
        "framework-v2.7.cambs-cc.dsse.json"
    );
    let records = w.register_records();
    // One arrives renamed by a mail client.
    let (code, text) = w.collect(
        &[
            (&signed[0], "framework-v2.7.cambs-cc.dsse.json"),
            (&signed[1], "framework-v2.7.cambridge-city.dsse (1).json"),
            (&signed[2], "signature.json"),
        ],
        &at(60),
    );
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("3 file(s): 3 collected, 0 already held, 0 older version, 0 refused"),
        "{text}"
    );
    assert!(
        text.contains("[filed as signatures/framework-v2.7.cambridge-city.dsse.json"),
        "the renamed file is filed under its proper name: {text}"
    );
    assert_eq!(
        w.register_records(),
        records + 3,
        "each signature recorded once"
    );
    // The same file collected twice changes nothing.
    let (code, text) = w.collect(&[(&signed[0], "again.json")], &at(61));
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("1 already held"), "{text}");
    assert_eq!(w.register_records(), records + 3);
    for org in &w.orgs {
        let party = w.party(FRAMEWORK, org.id, &at(62));
        assert_eq!(party["status"], "signed", "{party}");
        assert_eq!(party["signed"]["signatory"], org.name);
        assert!(party["signed"]["register_record"].as_u64().unwrap() > records as u64);
    }
    // The coordinator's status and report show them; a second bundle verifies.
    let (_, text) = w.run(&["status", "pack"], &at(63));
    assert!(
        text.contains("framework-v2.7.docx  v2.7  current"),
        "{text}"
    );
    assert!(text.contains("3/27 approved"), "{text}");
    w.check_whole(&at(64));
    let (code, text) = w.run(&["verify", "check.zip", "--json"], &at(65));
    assert_eq!(code, 0, "{text}");
    // A returned file dropped into signatures/ by hand under a mail client's name is not
    // silently ignored: status and verify say how to file it.
    std::fs::copy(
        &signed[0],
        w.pack
            .join("signatures/framework-v2.7.cambs-cc.dsse (1).json"),
    )
    .unwrap();
    let (_, text) = w.run(&["status", "pack"], &at(66));
    assert!(
        text.contains("signatures/framework-v2.7.cambs-cc.dsse (1).json is not read")
            && text.contains("countersign collect"),
        "{text}"
    );
    let (_, text) = w.run(&["verify", "pack/out/framework-v2.7.docx"], &at(66));
    assert!(
        text.contains("is not read (its name does not end in .dsse.json)"),
        "{text}"
    );
}

#[test]
fn what_a_signatory_cannot_sign_is_refused_and_bad_returns_are_never_filed() {
    let w = World::new();
    w.circulate(&at(20), "pack.zip");
    let cc = &w.orgs[0];
    // A document that is not in the bundle, and a protocol cambs-cc is no party to.
    let (code, text) = output(
        cs_in(&cc.dir, &at(30))
            .args(["sign", "pack.zip", "nope.docx", "--key"])
            .arg(cc.key()),
    );
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains("the bundle holds no document called 'nope.docx'"),
        "{text}"
    );
    // A returned file that was tampered with in transit is refused and not filed.
    let sig = cc.sign("pack.zip", FRAMEWORK, &at(30));
    let tampered = w.coordinator().join("tampered.json");
    let text = std::fs::read_to_string(&sig).unwrap();
    let mut envelope: Value = serde_json::from_str(&text).unwrap();
    envelope["payload"] =
        Value::String(envelope["payload"].as_str().unwrap().replacen('e', "f", 1));
    std::fs::write(&tampered, serde_json::to_vec(&envelope).unwrap()).unwrap();
    let (code, text) = w.collect(&[(&tampered, "tampered.json")], &at(40));
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("REFUSED") && text.contains("1 refused"),
        "{text}"
    );
    assert!(
        !w.pack
            .join("signatures/framework-v2.7.cambs-cc.dsse.json")
            .exists(),
        "a refused file never enters signatures/"
    );
    // Not a signature at all.
    let junk = w.coordinator().join("junk.json");
    std::fs::write(&junk, b"{\"hello\": 1}").unwrap();
    let (code, text) = w.collect(&[(&junk, "junk.json")], &at(41));
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("not a countersign signature or checkpoint"),
        "{text}"
    );
    w.check_whole(&at(42));
}

#[test]
fn a_stale_bundle_or_a_signature_in_transit_is_kept_as_an_older_version() {
    let w = World::new();
    w.circulate(&at(20), "pack.zip");
    // One signs before the new version is issued (in transit), one after (stale bundle).
    let in_transit = w.orgs[0].sign("pack.zip", FRAMEWORK, &at(30));
    w.issue_framework_2_8(&at(40));
    let stale = w.orgs[1].sign("pack.zip", FRAMEWORK, &at(50));
    let (code, text) = w.collect(&[(&in_transit, "a.json"), (&stale, "b.json")], &at(60));
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("2 older version"), "{text}");
    assert!(
        text.contains("superseded by 2.8 on 23 November 2026: kept, but ask them to sign 2.8"),
        "{text}"
    );
    let party = w.party("framework-v2.8.docx", "cambs-cc", &at(61));
    assert_eq!(party["status"], "older-version", "{party}");
    let party = w.party(FRAMEWORK, "cambs-cc", &at(61));
    assert_eq!(party["status"], "signed", "{party}");
    w.check_whole(&at(62));
}

#[test]
fn a_key_counts_from_its_creation_so_a_signature_made_before_it_was_added_holds() {
    let w = World::new();
    w.circulate(&at(20), "pack.zip");
    // The organisation's clock is behind: its signature is dated minute 5, after the key was
    // created (minute 1) but before the coordinator added it (minute 10).
    let sig = w.orgs[2].sign("pack.zip", FRAMEWORK, &at(5));
    let (code, text) = w.collect(&[(&sig, "cuh.json")], &at(30));
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("1 collected"), "{text}");
    assert_eq!(w.party(FRAMEWORK, "cuh", &at(31))["status"], "signed");
    // A signature dated before the key existed cannot be made.
    let city = &w.orgs[1];
    let (code, text) = output(
        cs_in(&city.dir, &at(0))
            .args(["sign", "pack.zip", FRAMEWORK, "--key"])
            .arg(city.key()),
    );
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains("the key is valid only from 2026-11-23T12:01:00Z"),
        "{text}"
    );
    // The coordinator can correct when a key counts from; the change is recorded in the
    // keyring, and the next bundle carries it.
    let id = keyring_id(&w.pack, "cambridge-city");
    let (code, text) = w.run(
        &[
            "keys",
            "valid-from",
            &id,
            "--from",
            "2026-11-23",
            "--pack",
            "pack",
        ],
        &at(33),
    );
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("now counts from 2026-11-23T00:00:00Z"),
        "{text}"
    );
    w.circulate(&at(34), "pack-2.zip");
    let early = city.sign("pack.zip", FRAMEWORK, &at(0));
    let (code, text) = w.collect(&[(&early, "early.json")], &at(34));
    assert_eq!(code, 0, "{text}");
    assert_eq!(
        w.party(FRAMEWORK, "cambridge-city", &at(35))["status"],
        "signed"
    );
    w.check_whole(&at(35));
}

fn keyring_id(pack: &Path, org: &str) -> String {
    support::keyring_changes(pack)
        .iter()
        .find(|e| e["change"]["organisation"] == org)
        .unwrap()["change"]["key_id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn a_superseded_key_keeps_its_signatures_and_a_compromised_one_keeps_only_proven_ones() {
    let w = World::new();
    w.circulate(&at(20), "pack.zip");
    let (cc, city) = (&w.orgs[0], &w.orgs[2]);
    // Both sign the framework and a protocol each at minute 30; only the framework signatures
    // reach the coordinator before the keys are revoked.
    let cc_framework = cc.sign("pack.zip", FRAMEWORK, &at(30));
    let city_framework = city.sign("pack.zip", FRAMEWORK, &at(30));
    let protocol = "protocol-mash-v3.1.docx";
    let cc_protocol = cc.sign("pack.zip", protocol, &at(30));
    let city_protocol = city.sign("pack.zip", protocol, &at(30));
    let (code, text) = w.collect(
        &[(&cc_framework, "1.json"), (&city_framework, "2.json")],
        &at(40),
    );
    assert_eq!(code, 0, "{text}");
    // cambs-cc rotates its key (superseded); cuh's key leaked (compromised), both
    // from minute 50.
    let effective = "2026-11-23T12:50:00Z";
    for (org, reason) in [("cambs-cc", "superseded"), ("cuh", "compromised")] {
        let id = keyring_id(&w.pack, org);
        let (code, text) = w.run(
            &[
                "keys",
                "revoke",
                &id,
                "--reason",
                reason,
                "--effective",
                effective,
                "--pack",
                "pack",
            ],
            &at(60),
        );
        assert_eq!(code, 0, "{text}");
    }
    // Collected signatures of both stay good.
    assert_eq!(w.party(FRAMEWORK, "cambs-cc", &at(61))["status"], "signed");
    assert_eq!(w.party(FRAMEWORK, "cuh", &at(61))["status"], "signed");
    // A superseded key's signature that arrives after the supersession was recorded is
    // refused, whatever time it claims (issue 30, item 2): the register's order decides.
    let (code, text) = w.collect(&[(&cc_protocol, "3.json")], &at(70));
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("made with a key replaced on 23 November 2026")
            && text.contains("cannot count whatever time it claims")
            && text.contains("sign again with their new key"),
        "{text}"
    );
    assert_eq!(
        w.party(protocol, "cambs-cc", &at(71))["status"],
        "outstanding"
    );
    // So is a compromised key's, with the advice to make a new key.
    let (code, text) = w.collect(&[(&city_protocol, "4.json")], &at(72));
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("a key reported compromised") && text.contains("make a new key"),
        "{text}"
    );
    w.check_whole(&at(73));
}

#[test]
fn a_failing_signature_is_set_aside_and_never_blocks() {
    let w = World::new();
    w.circulate(&at(20), "pack.zip");
    let cc = &w.orgs[0];
    let sig = cc.sign("pack.zip", FRAMEWORK, &at(30));
    let (code, _) = w.collect(&[(&sig, "a.json")], &at(40));
    assert_eq!(code, 0);
    // The filed signature is damaged (a disk error, an edit): it now fails.
    let filed = w.pack.join("signatures/framework-v2.7.cambs-cc.dsse.json");
    let text = std::fs::read_to_string(&filed).unwrap();
    let mut envelope: Value = serde_json::from_str(&text).unwrap();
    let sig_text = envelope["signatures"][0]["sig"]
        .as_str()
        .unwrap()
        .to_string();
    let flipped = if sig_text.starts_with('A') { "B" } else { "A" };
    envelope["signatures"][0]["sig"] = Value::String(format!("{flipped}{}", &sig_text[1..]));
    std::fs::write(&filed, serde_json::to_vec_pretty(&envelope).unwrap()).unwrap();
    let (code, text) = w.run(&["status", "pack"], &at(41));
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("FAILED       Cambridgeshire County Council"),
        "{text}"
    );
    // It does not stop a bundle.
    let (code, text) = w.run(&["bundle", "pack", "-o", "failing.zip"], &at(42));
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("fail verification"), "{text}");
    // The organisation signs again; collecting sets the failing one aside as evidence.
    cc.receive(&w.coordinator().join("failing.zip"), "pack2.zip");
    std::fs::remove_file(&sig).unwrap();
    let again = cc.sign("pack2.zip", FRAMEWORK, &at(50));
    let (code, text) = w.collect(&[(&again, "again.json")], &at(60));
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("set aside") && text.contains("1 collected"),
        "{text}"
    );
    let aside: Vec<_> = std::fs::read_dir(w.pack.join("signatures/set-aside"))
        .unwrap()
        .collect();
    assert_eq!(aside.len(), 1, "the failing signature is kept, not deleted");
    assert_eq!(w.party(FRAMEWORK, "cambs-cc", &at(61))["status"], "signed");
    let (code, text) = w.run(&["verify", "pack/out/framework-v2.7.docx"], &at(62));
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("set aside    set-aside/framework-v2.7.cambs-cc."),
        "{text}"
    );
    w.check_whole(&at(63));
}

#[test]
fn a_failing_signature_of_an_older_version_does_not_fail_the_current_one() {
    let w = World::new();
    w.circulate(&at(20), "pack.zip");
    let sig = w.orgs[0].sign("pack.zip", FRAMEWORK, &at(30));
    w.collect(&[(&sig, "a.json")], &at(40));
    w.issue_framework_2_8(&at(50));
    // The old version's signature is then damaged.
    let filed = w.pack.join("signatures/framework-v2.7.cambs-cc.dsse.json");
    let mut envelope: Value = serde_json::from_slice(&std::fs::read(&filed).unwrap()).unwrap();
    envelope["signatures"][0]["sig"] = Value::String("A".repeat(86) + "==");
    std::fs::write(&filed, serde_json::to_vec_pretty(&envelope).unwrap()).unwrap();
    let (code, text) = w.run(&["verify", "pack/out/framework-v2.8.docx"], &at(60));
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("result: VALID"), "{text}");
    let (code, _) = w.run(&["verify", "pack/out/framework-v2.7.docx"], &at(60));
    assert_eq!(
        code, 1,
        "the old version itself still reports its failing signature"
    );
}

#[test]
fn checkpoints_from_two_organisations_are_collected_and_hold_as_the_register_grows() {
    let w = World::new();
    w.circulate(&at(20), "pack.zip");
    let mut returned = Vec::new();
    for org in &w.orgs[..2] {
        let (code, text) = output(
            cs_in(&org.dir, &at(30))
                .args(["register", "checkpoint", "pack.zip", "--key"])
                .arg(org.key()),
        );
        assert_eq!(code, 0, "{text}");
        assert!(
            text.contains("next: send this file back to Daniel Okafor"),
            "{text}"
        );
        let name = std::fs::read_dir(&org.dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| {
                p.to_string_lossy()
                    .ends_with(&format!(".{}.dsse.json", org.id))
            })
            .unwrap();
        returned.push(name);
    }
    // The register grows before the checkpoints come back.
    let sig = w.orgs[2].sign("pack.zip", FRAMEWORK, &at(30));
    w.collect(&[(&sig, "s.json")], &at(40));
    let (code, text) = w.collect(
        &[(&returned[0], "cp1.json"), (&returned[1], "cp2.json")],
        &at(50),
    );
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("2 collected"), "{text}");
    let (code, text) = w.run(&["register", "verify", "pack"], &at(51));
    assert_eq!(code, 0, "{text}");
    assert_eq!(text.matches("vouched for the first").count(), 2, "{text}");
    // A register rewritten before the checkpoints is caught.
    let path = w.pack.join("register/register.jsonl");
    let original = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, original.replacen("cambs-cc", "cambs-cx", 1)).unwrap();
    let (code, _) = w.run(&["register", "verify", "pack"], &at(52));
    assert_eq!(code, 1);
    std::fs::write(&path, original).unwrap();
    w.check_whole(&at(53));
}

/// The small example's framework document.
const SMALL_FRAMEWORK: &str = support::FRAMEWORK;

/// docs/SPEC.md J1, D1, D2: files a person saved with Windows tools read as they were meant,
/// and data changed after assembly is named before anyone relies on it. A signatory's returned
/// signature saved with a byte order mark and CRLF is collected and verifies; data saved that
/// way before assembly is simply the data; `bundle` refuses a pack whose data changed since it
/// was assembled, and `changes` and `verify` refuse kept data changed after assembly.
#[test]
fn windows_saved_files_are_read_and_changed_data_is_named() {
    let tmp = tempfile::tempdir().unwrap();
    let desk = Desk(tmp.path());
    copy_example("small", &tmp.path().join("pack"));
    // The coordinator's organisations file saved by Notepad, before assembly.
    let orgs = tmp.path().join("pack/organisations.json");
    let text = std::fs::read_to_string(&orgs).unwrap();
    std::fs::write(&orgs, format!("\u{feff}{}", text.replace('\n', "\r\n"))).unwrap();
    desk.ok(&["validate", "pack"]);
    desk.ok(&["assemble", "pack"]);
    desk.add_key(COUNCIL, "Margaret O'Brien");
    desk.ok(&["bundle", "pack", "-o", "sent.zip"]);
    // The council signs from the bundle; its mail client saves the file with a BOM and CRLF.
    desk.ok(&[
        "sign",
        "sent.zip",
        SMALL_FRAMEWORK,
        "--key",
        &format!("private/{COUNCIL}.key"),
        "-o",
        "returned.dsse.json",
    ]);
    let returned = std::fs::read_to_string(tmp.path().join("returned.dsse.json")).unwrap();
    std::fs::write(
        tmp.path().join("returned.dsse.json"),
        format!("\u{feff}{}", returned.replace('\n', "\r\n")),
    )
    .unwrap();
    let said = desk.ok(&["collect", "pack", "returned.dsse.json"]);
    assert!(said.contains("collected"), "{said}");
    desk.ok(&["verify", &format!("pack/out/{SMALL_FRAMEWORK}")]);
    desk.ok(&["bundle", "pack", "-o", "signed.zip"]);
    let verdict = desk.ok(&["verify", "signed.zip"]);
    assert!(verdict.contains("result: VALID"), "{verdict}");

    // The organisations file edited after assembly: no bundle until it is assembled again.
    std::fs::write(&orgs, text.replacen("Riverside", "Riverbank", 1)).unwrap();
    let (code, _, err) = desk.run(&["bundle", "pack", "-o", "changed.zip"]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("the pack's data has changed since it was last assembled")
            && err.contains(
                "organisations.json is not the file the current documents were assembled from"
            )
            && err.contains("run `countersign assemble pack`"),
        "{err}"
    );
    assert!(!tmp.path().join("changed.zip").exists());
    std::fs::write(&orgs, format!("\u{feff}{}", text.replace('\n', "\r\n"))).unwrap();

    // The kept data changed after assembly: `changes` and `verify` say so.
    let kept = tmp.path().join("pack/out/data/framework-v1.0.json");
    let data = std::fs::read_to_string(&kept).unwrap();
    std::fs::write(&kept, data.replacen("Riverside", "Riverbank", 1)).unwrap();
    let (code, out, err) = desk.run(&["verify", &format!("pack/out/{SMALL_FRAMEWORK}"), "--json"]);
    assert_eq!(code, 1, "{out}{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["valid"], false);
    assert_eq!(
        report["other_problems"][0]["signature_file"],
        "out/data/framework-v1.0.json"
    );
    let (code, _, err) = desk.run(&["changes", "pack", "--from", "1.0", "--to", "1.0"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("is not the data it was assembled with"),
        "{err}"
    );
}

// Issue 30: time and history, played across separate folders. The register's order decides;
// a signer's clock is evidence; leaving, rotating and revoking are routine.

impl World {
    /// The coordinator revokes `org`'s first key at `time` (from `effective` when given).
    fn revoke(
        &self,
        org: &str,
        reason: &str,
        time: &str,
        effective: Option<&str>,
    ) -> (i32, String) {
        let id = keyring_id(&self.pack, org);
        let mut args = vec![
            "keys",
            "revoke",
            id.as_str(),
            "--reason",
            reason,
            "--pack",
            "pack",
        ];
        if let Some(e) = effective {
            args.extend(["--effective", e]);
        }
        self.run(&args, time)
    }

    /// An organisation of the pack gets its own computer and a key (made there at `time`),
    /// which the coordinator adds a minute later.
    fn enrol(&self, id: &'static str, name: &'static str, time: i64) -> Org {
        let dir = self.tmp.path().join(id);
        std::fs::create_dir_all(dir.join("private")).unwrap();
        cs_in(&dir, &at(time))
            .args(["keygen", "--org", id, "--no-passphrase", "--out", "private"])
            .assert()
            .success();
        let (code, text) = self.run(
            &[
                "keys",
                "add",
                dir.join(format!("private/{id}.pub")).to_str().unwrap(),
                "--org",
                id,
                "--signatory",
                name,
                "--pack",
                "pack",
            ],
            &at(time + 1),
        );
        assert_eq!(code, 0, "{text}");
        Org { id, name, dir }
    }

    /// Makes a bundle at `time` as `name` in the coordinator's folder.
    fn bundle_as(&self, name: &str, time: &str) -> PathBuf {
        let (code, text) = self.run(&["bundle", "pack", "-o", name], time);
        assert_eq!(code, 0, "{text}");
        self.coordinator().join(name)
    }

    /// Files `sig` in the pack by hand, as someone with access to the folder could, without
    /// the register receiving it.
    fn file_by_hand(&self, sig: &Path, file: &str, org: &str) -> PathBuf {
        let folder = self.pack.join("signatures");
        std::fs::create_dir_all(&folder).unwrap();
        let to = folder.join(format!(
            "{}.{org}.dsse.json",
            file.trim_end_matches(".docx")
        ));
        std::fs::copy(sig, &to).unwrap();
        to
    }
}

/// Item 1: a clock two minutes fast, and a supersession in the same second as a collection,
/// lose nothing; a clock twenty minutes fast is pointed out, not held against the signature.
#[test]
fn a_fast_clock_or_the_same_second_never_loses_a_signature_received_before_the_supersession() {
    let w = World::new();
    w.circulate(&at(20), "pack.zip");
    let (cc, city, cuh) = (&w.orgs[0], &w.orgs[1], &w.orgs[2]);
    // cambs-cc signs at real minute 30 with a clock two minutes fast; the coordinator
    // collects it at 30 (record), then supersedes the key at 30 (the next record).
    let fast = cc.sign("pack.zip", FRAMEWORK, &at(32));
    let (code, text) = w.collect(&[(&fast, "cc.json")], &at(30));
    assert_eq!(code, 0, "{text}");
    let (code, text) = w.revoke("cambs-cc", "superseded", &at(30), None);
    assert_eq!(code, 0, "{text}");
    // cambridge-city's signature is collected and its key superseded in the same second.
    let city_sig = city.sign("pack.zip", FRAMEWORK, &at(31));
    let (code, text) = w.collect(&[(&city_sig, "city.json")], &at(31));
    assert_eq!(code, 0, "{text}");
    let (code, text) = w.revoke("cambridge-city", "superseded", &at(31), None);
    assert_eq!(code, 0, "{text}");
    // cuh's clock is twenty minutes fast: collected, and the time pointed out.
    let late = cuh.sign("pack.zip", FRAMEWORK, &at(52));
    let (code, text) = w.collect(&[(&late, "cuh.json")], &at(32));
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("later than it was received"), "{text}");
    // A clock twenty minutes slow on a version assembled at minute 35: dated before the
    // document was assembled; collected, and said.
    w.issue_framework_2_8(&at(35));
    w.circulate(&at(36), "pack-2.zip");
    let slow = cuh.sign("pack.zip", "framework-v2.8.docx", &at(17));
    let (code, text) = w.collect(&[(&slow, "slow.json")], &at(37));
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("before the document was assembled"), "{text}");
    let (_, text) = w.run(&["verify", "pack/out/framework-v2.8.docx"], &at(38));
    assert!(text.contains("before the document was assembled"), "{text}");
    for org in ["cambs-cc", "cambridge-city", "cuh"] {
        assert_eq!(
            w.party(FRAMEWORK, org, &at(40))["status"],
            "signed",
            "{org}"
        );
    }
    let (code, text) = w.run(&["verify", &format!("pack/out/{FRAMEWORK}")], &at(40));
    assert_eq!(code, 0, "{text}");
    assert!(!text.contains("FAILED"), "{text}");
    assert!(
        text.contains("after the register received it") && text.contains("clock may be wrong"),
        "{text}"
    );
    w.check_whole(&at(41));
}

/// Item 2: after a supersession, a signature made with the old key and dated before it is
/// refused by `collect`, and fails (that signature alone) if filed by hand.
#[test]
fn a_signature_backdated_past_a_supersession_is_refused_whatever_it_claims() {
    let w = World::new();
    w.circulate(&at(20), "pack.zip");
    let cc = &w.orgs[0];
    let (code, text) = w.revoke("cambs-cc", "superseded", &at(30), None);
    assert_eq!(code, 0, "{text}");
    // Whoever still holds the old key sets the clock back to minute 25 and signs.
    let backdated = cc.sign("pack.zip", FRAMEWORK, &at(25));
    let (code, text) = w.collect(&[(&backdated, "late.json")], &at(35));
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("made with a key replaced on")
            && text.contains("cannot count whatever time it claims")
            && text.contains("sign again with their new key"),
        "{text}"
    );
    assert_eq!(
        w.party(FRAMEWORK, "cambs-cc", &at(36))["status"],
        "outstanding"
    );
    // Filed by hand, it fails, and only that organisation's line fails.
    let filed = w.file_by_hand(&backdated, FRAMEWORK, "cambs-cc");
    let party = w.party(FRAMEWORK, "cambs-cc", &at(37));
    assert_eq!(party["status"], "failed", "{party}");
    assert_eq!(party["code"], "key-revoked", "{party}");
    assert!(
        party["reason"]
            .as_str()
            .unwrap()
            .contains("the register has no record of receiving this signature"),
        "{party}"
    );
    std::fs::remove_file(filed).unwrap();
    w.check_whole(&at(38));
}

/// Item 3: an organisation leaves a protocol's new version, another leaves the partnership
/// and a new framework version is issued without it: both are routine, and what they signed
/// stays valid history of the versions they signed.
#[test]
fn an_organisation_leaving_is_routine_and_its_signatures_stay_history() {
    let w = World::new();
    let fenland = w.enrol("fenland", "Paul Medd", 12);
    w.circulate(&at(20), "pack.zip");
    fenland.receive(&w.coordinator().join("pack.zip"), "pack.zip");
    let cuh = &w.orgs[2];
    let mash = "protocol-mash-v3.1.docx";
    let signed = [
        cuh.sign("pack.zip", mash, &at(30)),
        cuh.sign("pack.zip", FRAMEWORK, &at(30)),
        fenland.sign("pack.zip", FRAMEWORK, &at(30)),
    ];
    let (code, text) = w.collect(
        &[
            (&signed[0], "a.json"),
            (&signed[1], "b.json"),
            (&signed[2], "c.json"),
        ],
        &at(31),
    );
    assert_eq!(code, 0, "{text}");
    // cuh leaves the MASH protocol: version 3.2 without it.
    let path = w.pack.join("protocols/mash.json");
    let mut protocol: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    without_organisation(&mut protocol, "cuh");
    protocol["version"] = "3.2".into();
    protocol["revisions"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "version": "3.2", "date": "2026-11-23", "description": "Addenbrooke's leaves the hub."
        }));
    std::fs::write(&path, serde_json::to_vec_pretty(&protocol).unwrap()).unwrap();
    // Fenland leaves the partnership: framework 2.8 without it.
    let path = w.pack.join("organisations.json");
    let mut orgs: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    without_organisation(&mut orgs, "fenland");
    std::fs::write(&path, serde_json::to_vec_pretty(&orgs).unwrap()).unwrap();
    w.issue_framework_2_8(&at(40));
    // Its departure on record: its signatory's key retired, with a note.
    let fenland_key = keyring_id(&w.pack, "fenland");
    let (code, text) = w.run(
        &[
            "keys",
            "revoke",
            &fenland_key,
            "--reason",
            "retired",
            "--note",
            "left the partnership",
            "--pack",
            "pack",
        ],
        &at(41),
    );
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("(retired)") && text.contains("stays good"),
        "{text}"
    );
    for (file, org, version) in [
        (
            "protocol-mash-v3.2.docx",
            "Cambridge University Hospitals",
            "3.1",
        ),
        ("framework-v2.8.docx", "Fenland District Council", "2.7"),
    ] {
        let (code, text) = w.run(&["verify", &format!("pack/out/{file}")], &at(42));
        assert_eq!(code, 0, "{file}: {text}");
        assert!(!text.contains("FAILED"), "{text}");
        assert!(
            text.contains(&format!(
                "approved version {version} and is not a party to this version"
            )),
            "{text}"
        );
        assert!(text.contains(org), "{text}");
    }
    // What they signed still verifies as the versions they signed.
    assert_eq!(w.party(mash, "cuh", &at(43))["status"], "signed");
    assert_eq!(w.party(FRAMEWORK, "fenland", &at(43))["status"], "signed");
    let (code, text) = w.run(&["status", "pack"], &at(44));
    assert!(!text.contains("FAILED"), "{code} {text}");
    assert!(
        text.contains("left (keys retired")
            && text.contains("fenland (Paul Medd), no longer one of the pack's organisations: key retired on 23 November 2026: left the partnership"),
        "{text}"
    );
    // A signatory leaves an organisation that stays: retired the same way, and a signature
    // made with that key afterwards is refused, whatever its date.
    w.circulate(&at(45), "pack-2.zip");
    let cc = &w.orgs[0];
    let cc_key = keyring_id(&w.pack, "cambs-cc");
    let (code, text) = w.run(
        &[
            "keys",
            "revoke",
            &cc_key,
            "--reason",
            "retired",
            "--note",
            "Stephen Moreland left the council",
            "--pack",
            "pack",
        ],
        &at(46),
    );
    assert_eq!(code, 0, "{text}");
    let late = cc.sign("pack.zip", "framework-v2.8.docx", &at(44));
    let (code, text) = w.collect(&[(&late, "late.json")], &at(47));
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("made with a key retired on 23 November 2026"),
        "{text}"
    );
    let (_, text) = w.run(&["status", "pack"], &at(48));
    assert!(
        text.contains("Cambridgeshire County Council (Stephen Moreland): key retired on 23 November 2026: Stephen Moreland left the council"),
        "{text}"
    );
    w.bundle_as("after-leaving.zip", &at(45));
    let (code, text) = w.run(&["verify", "after-leaving.zip"], &at(46));
    assert_eq!(code, 0, "{text}");
    assert!(
        !text.contains("FAILED") && text.contains("result: VALID"),
        "{text}"
    );
}

/// Drops `org` from every list in `value`: as a party, and every entry that names it.
fn without_organisation(value: &mut Value, org: &str) {
    match value {
        Value::Array(items) => {
            items.retain(|v| {
                v != org
                    && v.get("organisation").is_none_or(|o| o != org)
                    && v.get("id").is_none_or(|o| o != org)
            });
            items.iter_mut().for_each(|v| without_organisation(v, org));
        }
        Value::Object(map) => map.values_mut().for_each(|v| without_organisation(v, org)),
        _ => {}
    }
}

/// Item 4: an organisation that vouched for the register has its key revoked (compromised
/// from now, as the README advises for a leaked key); nothing about the pack breaks, and the
/// checkpoint is shown as made by a since-revoked key.
#[test]
fn revoking_a_checkpoint_signers_key_leaves_the_pack_usable() {
    let w = World::new();
    w.circulate(&at(20), "pack.zip");
    let cuh = &w.orgs[2];
    let sig = cuh.sign("pack.zip", FRAMEWORK, &at(30));
    let (code, text) = w.collect(&[(&sig, "s.json")], &at(31));
    assert_eq!(code, 0, "{text}");
    w.circulate(&at(32), "pack-2.zip");
    let (code, text) = output(
        cs_in(&cuh.dir, &at(33))
            .args(["register", "checkpoint", "pack.zip", "--key"])
            .arg(cuh.key()),
    );
    assert_eq!(code, 0, "{text}");
    let checkpoint = std::fs::read_dir(&cuh.dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.to_string_lossy().ends_with(".cuh.dsse.json") && p.to_string_lossy().contains("0000")
        })
        .unwrap();
    let (code, text) = w.collect(&[(&checkpoint, "cp.json")], &at(34));
    assert_eq!(code, 0, "{text}");
    let (code, text) = w.revoke("cuh", "compromised", &at(60), None);
    assert_eq!(code, 0, "{text}");
    let (code, text) = w.run(&["register", "verify", "pack"], &at(61));
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("with a key since revoked (compromised)"),
        "{text}"
    );
    let (code, text) = w.run(&["verify", &format!("pack/out/{FRAMEWORK}")], &at(61));
    assert_eq!(code, 0, "{text}");
    assert_eq!(w.party(FRAMEWORK, "cuh", &at(61))["status"], "signed");
    w.check_whole(&at(62));
}

/// Item 5: what the verifier kept is compared with what it is shown.
#[test]
fn a_later_bundle_is_held_to_the_history_of_the_one_the_verifier_kept() {
    let w = World::new();
    let verifier = w.tmp.path().join("verifier");
    std::fs::create_dir_all(&verifier).unwrap();
    let earlier = w.circulate(&at(20), "pack.zip");
    std::fs::copy(&earlier, verifier.join("earlier.zip")).unwrap();
    let (cc, cuh) = (&w.orgs[0], &w.orgs[2]);
    let sig = cc.sign("pack.zip", FRAMEWORK, &at(30));
    w.collect(&[(&sig, "s.json")], &at(31));
    let later = w.bundle_as("later.zip", &at(32));
    std::fs::copy(&later, verifier.join("later.zip")).unwrap();
    let verify = |args: &[&str]| output(cs_in(&verifier, &at(40)).arg("verify").args(args));
    // The genuine later bundle: confirmed by what the verifier kept.
    let (code, text) = verify(&["later.zip", "--trust", "earlier.zip"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("result: VALID AND CONFIRMED"), "{text}");
    // With nothing kept, the headline itself says the keys are not confirmed.
    let (code, text) = verify(&["later.zip"]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("result: VALID, KEYS NOT CONFIRMED") && text.contains("nothing you trust"),
        "{text}"
    );
    // Records the earlier bundle held, dropped and the chain re-linked.
    reindexed(&later, &verifier.join("dropped.zip"), |files| {
        let register = &mut files
            .iter_mut()
            .find(|(p, _)| p == "register/register.jsonl")
            .unwrap()
            .1;
        *register = rechained(register, |l| !l.starts_with("{\"seq\":2,"));
    });
    let (code, text) = verify(&["dropped.zip", "--trust", "earlier.zip"]);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("the register does not extend the register of the bundle you trust"),
        "{text}"
    );
    // A revocation the register records, dropped from the keyring.
    let (code, text) = w.revoke("cambridge-city", "compromised", &at(50), None);
    assert_eq!(code, 0, "{text}");
    let revoked = w.bundle_as("revoked.zip", &at(51));
    reindexed(&revoked, &verifier.join("unrevoked.zip"), |files| {
        let keyring = &mut files
            .iter_mut()
            .find(|(p, _)| p == "keys/keyring.json")
            .unwrap()
            .1;
        let text = String::from_utf8(keyring.clone()).unwrap();
        let mut lines: Vec<&str> = text.lines().collect();
        assert!(lines.pop().unwrap().contains("\"revoked\""));
        *keyring = (lines.join("\n") + "\n").into_bytes();
    });
    let (code, text) = verify(&["unrevoked.zip", "--trust", "earlier.zip"]);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("but the keyring does not revoke it"),
        "{text}"
    );
    // A new key for cuh (which the earlier keyring vouched for) signs in its name.
    let forger = w.tmp.path().join("forger");
    std::fs::create_dir_all(&forger).unwrap();
    output(cs_in(&forger, &at(55)).args([
        "keygen",
        "--org",
        "cuh",
        "--no-passphrase",
        "--out",
        ".",
    ]));
    let (code, text) = w.run(
        &[
            "keys",
            "add",
            forger.join("cuh.pub").to_str().unwrap(),
            "--org",
            "cuh",
            "--signatory",
            cuh.name,
            "--pack",
            "pack",
        ],
        &at(56),
    );
    assert_eq!(code, 0, "{text}");
    let replaced = w.bundle_as("replaced.zip", &at(57));
    let (code, text) = output(
        cs_in(&forger, &at(58))
            .args(["sign"])
            .arg(&replaced)
            .args([FRAMEWORK, "--key"])
            .arg(forger.join("cuh.key")),
    );
    assert_eq!(code, 0, "{text}");
    let returned = std::fs::read_dir(&forger)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with(".cuh.dsse.json"))
        .unwrap();
    let (code, text) = w.collect(&[(&returned, "f.json")], &at(59));
    assert_eq!(code, 0, "{text}");
    let shown = w.bundle_as("shown.zip", &at(60));
    std::fs::copy(&shown, verifier.join("shown.zip")).unwrap();
    let (code, text) = verify(&["shown.zip", "--trust", "earlier.zip"]);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("result: VALID, KEYS NOT CONFIRMED")
            && text.contains("these signatures rest on keys that what you trust does not confirm")
            && text.contains("Cambridge University Hospitals")
            && text.contains("added after the keyring you trust"),
        "{text}"
    );
    let (code, text) = verify(&["shown.zip", "--trust", "earlier.zip", "--require-trusted"]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("result: NOT CONFIRMED"), "{text}");
    let out = cs_in(&verifier, &at(40))
        .args(["verify", "shown.zip", "--trust", "earlier.zip", "--json"])
        .output()
        .unwrap();
    let verdict: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(verdict["outcome"], "valid-not-confirmed", "{verdict}");
    assert_eq!(
        verdict["unconfirmed"].as_array().unwrap().len(),
        1,
        "{verdict}"
    );
}

/// Item 6: a revocation lists what it will stop counting before it is recorded, and a
/// signature made for another pack is sent back, not taken in with its key.
#[test]
fn a_revocation_says_what_it_changes_and_another_packs_signature_goes_back() {
    let w = World::new();
    w.circulate(&at(20), "pack.zip");
    let cc = &w.orgs[0];
    let sig = cc.sign("pack.zip", FRAMEWORK, &at(30));
    let (code, text) = w.collect(&[(&sig, "s.json")], &at(31));
    assert_eq!(code, 0, "{text}");
    let records = w.register_records();
    let id = keyring_id(&w.pack, "cambs-cc");
    let dry = |reason: &str, effective: &str| {
        w.run(
            &[
                "keys",
                "revoke",
                &id,
                "--reason",
                reason,
                "--effective",
                effective,
                "--pack",
                "pack",
                "--dry-run",
            ],
            &at(40),
        )
    };
    // A leak from before the signature was received: that signature would fail.
    let (code, text) = dry("compromised", "2026-11-23T12:25:00Z");
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("Cambridgeshire County Council's signature") && text.contains("would fail"),
        "{text}"
    );
    // A replacement now: received before, so it keeps counting.
    let (code, text) = dry("superseded", "2026-11-23T12:40:00Z");
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("no signature the pack holds stops counting"),
        "{text}"
    );
    assert_eq!(w.register_records(), records, "a dry run records nothing");
    // A signature of another partnership's pack reaches this coordinator by mistake.
    let other = w.tmp.path().join("other");
    copy_example("small", &other.join("pack"));
    let desk = Desk(&other);
    desk.ok(&["assemble", "pack"]);
    desk.add_seeded_key(COUNCIL, "Margaret O'Brien");
    desk.ok(&["bundle", "pack", "-o", "sent.zip"]);
    desk.ok(&[
        "sign",
        "sent.zip",
        support::FRAMEWORK,
        "--key",
        &format!("private/{COUNCIL}.key"),
    ]);
    let stray = std::fs::read_dir(&other)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.to_string_lossy()
                .ends_with(&format!(".{COUNCIL}.dsse.json"))
        })
        .unwrap();
    let (code, text) = w.collect(&[(&stray, "stray.json")], &at(45));
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("sent to the wrong coordinator")
            && text.contains("do not add its key to this pack"),
        "{text}"
    );
    w.check_whole(&at(46));
}

/// A partnership's year (issue 30, done when): two rounds of versions, a key rotation, a
/// compromise, two departures, an affiliate joining and checkpoints by three organisations.
/// No version ever gives a false FAILED, and a rewritten history never passes
/// `--trust EARLIER.zip`.
// Why this is long: one year of one partnership, event after event, each checked where it
// happens; split, the events would lose the order that is the point of the test.
#[test]
fn a_partnership_year_never_gives_a_false_failed_and_never_passes_a_rewritten_history() {
    let w = World::new();
    let fenland = w.enrol("fenland", "Paul Medd", 12);
    let verifier = w.tmp.path().join("verifier");
    std::fs::create_dir_all(&verifier).unwrap();
    let send = |name: &str, time: i64| {
        let zip = w.circulate(&at(time), name);
        fenland.receive(&zip, "pack.zip");
        std::fs::copy(&zip, verifier.join(name)).unwrap();
    };
    let (cc, city, cuh) = (&w.orgs[0], &w.orgs[1], &w.orgs[2]);
    let mash = "protocol-mash-v3.1.docx";
    let no_false_failed = |time: i64| {
        for file in std::fs::read_dir(w.pack.join("out")).unwrap() {
            let file = file.unwrap().file_name().to_string_lossy().into_owned();
            if !file.ends_with(".docx") {
                continue;
            }
            let (code, text) = w.run(&["verify", &format!("pack/out/{file}")], &at(time));
            assert_eq!(code, 0, "{file} at minute {time}: {text}");
            assert!(!text.contains("FAILED"), "{file} at minute {time}: {text}");
        }
        let (_, text) = w.run(&["status", "pack"], &at(time));
        assert!(!text.contains("FAILED"), "status at minute {time}: {text}");
        let (code, text) = w.run(&["register", "verify", "pack"], &at(time));
        assert_eq!(code, 0, "register at minute {time}: {text}");
    };

    // Round one: the framework 2.7 and the MASH protocol 3.1.
    send("round-1.zip", 20);
    let mut returned = vec![
        cc.sign("pack.zip", FRAMEWORK, &at(30)),
        cc.sign("pack.zip", mash, &at(30)),
        city.sign("pack.zip", FRAMEWORK, &at(31)),
        cuh.sign("pack.zip", FRAMEWORK, &at(29)),
        cuh.sign("pack.zip", mash, &at(29)),
        fenland.sign("pack.zip", FRAMEWORK, &at(33)),
    ];
    let named: Vec<(PathBuf, String)> = returned
        .drain(..)
        .enumerate()
        .map(|(i, p)| (p, format!("r1-{i}.json")))
        .collect();
    let files: Vec<(&Path, &str)> = named
        .iter()
        .map(|(p, n)| (p.as_path(), n.as_str()))
        .collect();
    let (code, text) = w.collect(&files, &at(32));
    assert_eq!(code, 0, "{text}");
    no_false_failed(33);

    // Three organisations vouch for the register.
    send("round-1b.zip", 35);
    let mut checkpoints = Vec::new();
    for org in [cc, city, cuh] {
        let (code, text) = output(
            cs_in(&org.dir, &at(36))
                .args(["register", "checkpoint", "pack.zip", "--key"])
                .arg(org.key()),
        );
        assert_eq!(code, 0, "{text}");
        let file = std::fs::read_dir(&org.dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| {
                let n = p.file_name().unwrap().to_string_lossy().into_owned();
                n.starts_with("0000") && n.ends_with(&format!(".{}.dsse.json", org.id))
            })
            .unwrap();
        checkpoints.push((file, format!("cp-{}.json", org.id)));
    }
    let files: Vec<(&Path, &str)> = checkpoints
        .iter()
        .map(|(p, n)| (p.as_path(), n.as_str()))
        .collect();
    let (code, text) = w.collect(&files, &at(40));
    assert_eq!(code, 0, "{text}");
    no_false_failed(41);

    // Cambridge City rotates its key: the new one is made on its computer, the old superseded.
    std::fs::rename(city.dir.join("private"), city.dir.join("old-private")).unwrap();
    std::fs::create_dir_all(city.dir.join("private")).unwrap();
    cs_in(&city.dir, &at(50))
        .args([
            "keygen",
            "--org",
            city.id,
            "--no-passphrase",
            "--out",
            "private",
        ])
        .assert()
        .success();
    let old_city = keyring_id(&w.pack, city.id);
    let (code, text) = w.run(
        &[
            "keys",
            "add",
            city.dir
                .join("private/cambridge-city.pub")
                .to_str()
                .unwrap(),
            "--org",
            city.id,
            "--signatory",
            city.name,
            "--pack",
            "pack",
        ],
        &at(51),
    );
    assert_eq!(code, 0, "{text}");
    let (code, text) = w.run(
        &[
            "keys",
            "revoke",
            &old_city,
            "--reason",
            "superseded",
            "--pack",
            "pack",
        ],
        &at(51),
    );
    assert_eq!(code, 0, "{text}");
    no_false_failed(52);

    // cuh's key leaked, from minute 55 at the earliest; revoked at 60; a new key at 65.
    let (code, text) = w.revoke("cuh", "compromised", &at(60), Some("2026-11-23T12:55:00Z"));
    assert_eq!(code, 0, "{text}");
    no_false_failed(61);
    std::fs::rename(cuh.dir.join("private"), cuh.dir.join("leaked")).unwrap();
    std::fs::create_dir_all(cuh.dir.join("private")).unwrap();
    cs_in(&cuh.dir, &at(65))
        .args([
            "keygen",
            "--org",
            cuh.id,
            "--no-passphrase",
            "--out",
            "private",
        ])
        .assert()
        .success();
    let (code, text) = w.run(
        &[
            "keys",
            "add",
            cuh.dir.join("private/cuh.pub").to_str().unwrap(),
            "--org",
            cuh.id,
            "--signatory",
            cuh.name,
            "--pack",
            "pack",
        ],
        &at(66),
    );
    assert_eq!(code, 0, "{text}");

    // Fenland leaves; an affiliate joins, sponsored by the county council; cuh leaves the
    // MASH protocol. The framework 2.8 and the protocol 3.2 are issued.
    let path = w.pack.join("organisations.json");
    let mut orgs: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    without_organisation(&mut orgs, "fenland");
    let list = orgs["organisations"].as_array_mut().unwrap();
    let mut affiliate = list.iter().find(|o| o["id"] == "cwrc").unwrap().clone();
    affiliate["id"] = "ely-foodbank".into();
    affiliate["name"] = "Ely Foodbank".into();
    affiliate["ico_registration"] = "Z9990001".into();
    affiliate["membership"]["sponsor"] = "cambs-cc".into();
    affiliate["membership"]["joined"] = "2026-11-23".into();
    list.push(affiliate);
    std::fs::write(&path, serde_json::to_vec_pretty(&orgs).unwrap()).unwrap();
    let path = w.pack.join("protocols/mash.json");
    let mut protocol: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    without_organisation(&mut protocol, "cuh");
    protocol["version"] = "3.2".into();
    protocol["revisions"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "version": "3.2", "date": "2026-11-23", "description": "Addenbrooke's leaves the hub."
        }));
    std::fs::write(&path, serde_json::to_vec_pretty(&protocol).unwrap()).unwrap();
    w.issue_framework_2_8(&at(70));
    let (code, text) = w.revoke("fenland", "superseded", &at(71), None);
    assert_eq!(code, 0, "{text}");
    let foodbank = w.enrol("ely-foodbank", "Stef Martinsen-Barker", 72);
    no_false_failed(74);

    // Round two.
    send("round-2.zip", 80);
    foodbank.receive(&w.coordinator().join("round-2.zip"), "pack.zip");
    let framework = "framework-v2.8.docx";
    let round_two = [
        cc.sign("pack.zip", framework, &at(81)),
        cc.sign("pack.zip", "protocol-mash-v3.2.docx", &at(81)),
        city.sign("pack.zip", framework, &at(82)),
        cuh.sign("pack.zip", framework, &at(83)),
        foodbank.sign("pack.zip", framework, &at(84)),
    ];
    let named: Vec<(PathBuf, String)> = round_two
        .into_iter()
        .enumerate()
        .map(|(i, p)| (p, format!("r2-{i}.json")))
        .collect();
    let files: Vec<(&Path, &str)> = named
        .iter()
        .map(|(p, n)| (p.as_path(), n.as_str()))
        .collect();
    let (code, text) = w.collect(&files, &at(90));
    assert_eq!(code, 0, "{text}");
    // The leaked key cannot add approvals, whatever date it puts on them.
    let thief = w.tmp.path().join("thief");
    std::fs::create_dir_all(&thief).unwrap();
    std::fs::copy(verifier.join("round-1.zip"), thief.join("pack.zip")).unwrap();
    let (code, text) = output(
        cs_in(&thief, &at(30))
            .args([
                "sign",
                "pack.zip",
                "protocol-hospital-discharge-v1.2.docx",
                "--key",
            ])
            .arg(cuh.dir.join("leaked/cuh.key")),
    );
    assert_eq!(code, 0, "{text}");
    let forged = std::fs::read_dir(&thief)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with(".cuh.dsse.json"))
        .unwrap();
    let (code, text) = w.collect(&[(&forged, "forged.json")], &at(91));
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("a key reported compromised"), "{text}");
    no_false_failed(92);
    for (file, org) in [
        (FRAMEWORK, "cuh"),
        (FRAMEWORK, "fenland"),
        (FRAMEWORK, "cambridge-city"),
        (mash, "cuh"),
    ] {
        assert_eq!(
            w.party(file, org, &at(93))["status"],
            "signed",
            "{file} {org}"
        );
    }
    for org in ["cambs-cc", "cambridge-city", "cuh", "ely-foodbank"] {
        assert_eq!(
            w.party(framework, org, &at(93))["status"],
            "signed",
            "{org}"
        );
    }

    // The year's last bundle, checked against what a partner kept from each round.
    let last = w.bundle_as("year-end.zip", &at(95));
    std::fs::copy(&last, verifier.join("year-end.zip")).unwrap();
    let verify = |args: &[&str]| output(cs_in(&verifier, &at(96)).arg("verify").args(args));
    let (code, text) = verify(&["year-end.zip", "--trust", "round-1.zip"]);
    assert_eq!(code, 0, "{text}");
    assert!(!text.contains("FAILED"), "{text}");
    assert!(
        text.contains("result: VALID, KEYS NOT CONFIRMED") && text.contains("Ely Foodbank"),
        "{text}"
    );
    let (code, text) = verify(&["year-end.zip", "--trust", "round-2.zip"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("result: VALID AND CONFIRMED"), "{text}");
    assert!(text.contains("3 checkpoint(s) verified"), "{text}");
    // Rewritten: a record dropped and the chain re-linked; the compromise dropped from the
    // keyring. Neither passes what a partner kept.
    reindexed(&last, &verifier.join("dropped.zip"), |files| {
        let register = &mut files
            .iter_mut()
            .find(|(p, _)| p == "register/register.jsonl")
            .unwrap()
            .1;
        *register = rechained(register, |l| !l.contains("\"key-revoked\""));
    });
    let (code, text) = verify(&["dropped.zip", "--trust", "round-2.zip"]);
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("does not extend"), "{text}");
    w.check_whole(&at(97));
}
