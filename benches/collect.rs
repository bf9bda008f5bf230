//! Collecting returned signatures as a coordinator does, as whole `countersign collect`
//! processes, on generated packs of 30, 300 and 1,000 organisations (copies of the full
//! example's first member with new ids; the framework and its signature sheet).
//!
//! For each size: every organisation's key is in the keyring and every organisation has signed
//! the framework (keys and signatures made in process, through the library's signing path).
//! Measured: collecting all of them in one command (time per file), and collecting the last
//! one alone into a pack that already holds and records all the others (the cost of one
//! returned signature, which must not grow with what the pack holds).
//!
//! The last three columns are what loading the pack costs, command by command (the fixed
//! cost of any command on a pack of that size). Collecting one is a median of eleven, the
//! others of five, each after syncing the disk; collecting all is one run.
//!
//! Usage: cargo bench --bench collect [-- SIZES...]   (default 30 300 1000)

use std::path::Path;
use std::process::Command;
use std::time::Instant;

mod support;
use support::{median, sync_disk};

use countersign::approval::keyring::Keyring;
use countersign::approval::keys::SecretKey;
use countersign::approval::sign::{SignRequest, sign_document, signature_file_name};
use countersign::approval::signature::envelope_bytes;
use countersign::pack::Pack;
use countersign::time::Timestamp;

fn at() -> Timestamp {
    Timestamp::from_unix(1_795_435_200)
}

fn countersign() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_countersign"));
    c.env("SOURCE_DATE_EPOCH", "1795435200");
    c
}

fn run(c: &mut Command) -> f64 {
    sync_disk();
    let t = Instant::now();
    let out = c.output().expect("countersign runs");
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    ms
}

/// Writes a pack of `n` organisations into `dir` and assembles it.
fn generate(dir: &Path, n: usize) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/cambs");
    std::fs::create_dir_all(dir.join("protocols")).unwrap();
    std::fs::copy(root.join("framework.json"), dir.join("framework.json")).unwrap();
    let orgs: serde_json::Value =
        serde_json::from_slice(&std::fs::read(root.join("organisations.json")).unwrap()).unwrap();
    let first = orgs["organisations"][0].clone();
    let generated: Vec<serde_json::Value> = (0..n)
        .map(|i| {
            let mut o = first.clone();
            o["id"] = format!("org-{i:04}").into();
            o["name"] = format!("Organisation {i:04}").into();
            o
        })
        .collect();
    let mut file = orgs.clone();
    file["organisations"] = generated.into();
    std::fs::write(
        dir.join("organisations.json"),
        serde_json::to_vec_pretty(&file).unwrap(),
    )
    .unwrap();
    run(countersign().arg("assemble").arg(dir));
}

fn main() {
    let sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![30, 300, 1000]
    } else {
        sizes
    };
    println!(
        "| organisations | collect all (per file) | collect one into a full pack | validate | keys list | register verify | register records |"
    );
    println!("|---|---|---|---|---|---|---|");
    for n in sizes {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("pack");
        generate(&dir, n);
        let pack = Pack::new(&dir);
        let data = pack.data().unwrap();
        let manifest = pack.manifest().unwrap();
        let framework = manifest
            .documents
            .iter()
            .find(|d| d.kind.as_str() == "framework")
            .unwrap()
            .clone();
        let bytes = pack.document(&framework.file).unwrap();
        let mut keyring = Keyring::default();
        let keys: Vec<SecretKey> = (0..n)
            .map(|i| {
                let mut seed = [7u8; 32];
                seed[..8].copy_from_slice(&(i as u64).to_le_bytes());
                SecretKey::from_seed(&seed)
            })
            .collect();
        for (i, key) in keys.iter().enumerate() {
            keyring
                .add(
                    &key.public(),
                    &format!("org-{i:04}"),
                    &data.organisations()[i].signatory.name,
                    &[],
                    Timestamp::parse("2026-01-01").unwrap_or_else(at),
                    at(),
                )
                .unwrap();
        }
        let lock = pack.lock_keyring().unwrap();
        pack.save_keyring(&keyring, &lock).unwrap();
        drop(lock);
        let inbox = tmp.path().join("inbox");
        let last = tmp.path().join("last");
        std::fs::create_dir_all(&inbox).unwrap();
        std::fs::create_dir_all(&last).unwrap();
        for (i, key) in keys.iter().enumerate() {
            let org = &data.organisations()[i];
            let request = SignRequest {
                file: &framework.file,
                bytes: &bytes,
                organisation: &org.id,
                signatory: &org.signatory.name,
                role: &org.signatory.position,
                at: at(),
            };
            let (_, envelope) = sign_document(&request, &manifest, &data, &keyring, key).unwrap();
            let folder = if i + 1 == n { &last } else { &inbox };
            std::fs::write(
                folder.join(signature_file_name(&framework.file, &org.id)),
                envelope_bytes(&envelope),
            )
            .unwrap();
        }
        // Every file but the last in one command.
        let all = run(countersign().arg("collect").arg(&dir).arg(&inbox));
        // The last one alone, into a pack that holds all the others: a median of eleven, the
        // pack put back as it was (its register and signatures folder) before each but the last.
        let register_path = dir.join("register/register.jsonl");
        let before = std::fs::read(&register_path).unwrap();
        let last_file = signature_file_name(&framework.file, &data.organisations()[n - 1].id);
        let mut ones = Vec::new();
        for round in 0..11 {
            if round > 0 {
                std::fs::write(&register_path, &before).unwrap();
                std::fs::remove_file(dir.join("signatures").join(&last_file)).unwrap();
            }
            ones.push(run(countersign().arg("collect").arg(&dir).arg(&last)));
        }
        let one = median(ones);
        let records = std::fs::read_to_string(&register_path)
            .unwrap()
            .lines()
            .count();
        // What loading the pack costs, command by command (medians of five).
        let five = |c: &mut Command| median((0..5).map(|_| run(c)).collect());
        let validate = five(countersign().arg("validate").arg(&dir));
        let keys = five(countersign().args(["keys", "list", "--pack"]).arg(&dir));
        let register = five(countersign().args(["register", "verify"]).arg(&dir));
        println!(
            "| {n} | {:.1} ms ({:.2} ms a file) | {one:.1} ms | {validate:.1} ms | {keys:.1} ms | {register:.1} ms | {records} |",
            all,
            all / (n.saturating_sub(1).max(1)) as f64
        );
    }
}
