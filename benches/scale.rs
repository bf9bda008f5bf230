//! National scale, as whole `countersign` processes on generated packs: N organisations (every
//! fourth an affiliate, with a core sponsor and assurance answers) and P protocols of 5 parties
//! each (copies of the full example's), every party of every document signing.
//!
//! Keys and most signatures are made in process through the library (fast and the same bytes
//! the command makes); what is timed is the commands people run: `assemble`, `keys add` and
//! `sign` (the last eleven, medians), `collect` (all returned signatures at once, per file, and
//! one more alone, a median of eleven), `status`, `verify` of the framework, `bundle` and `verify`
//! of the bundle (medians of three), each with its peak memory (`/usr/bin/time`, where
//! present). After the table, how each figure grows from one size to the next.
//!
//! Usage: bash scripts/bench-scale.sh [N:P ...]   (default 30:3 300:30 1000:300), or
//! cargo bench --bench scale [-- N:P ...]
//! With COUNTERSIGN_SCALE_KEEP=DIR, each pack is kept in DIR/N (for profiling a command on it).

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use countersign::keyring::Keyring;
use countersign::keys::SecretKey;
use countersign::pack::Pack;
use countersign::sign::{SignRequest, sign_document, signature_file_name};
use countersign::signature::envelope_bytes;
use countersign::time::Timestamp;
use serde_json::{Value, json};

const NOW: i64 = 1_795_435_200;

/// Runs a command; returns (milliseconds, peak RSS in MB when measurable). The disk is synced
/// first, so that no command pays for flushing what the one before it wrote.
fn run(args: &[&str], dir: &Path) -> (f64, Option<f64>) {
    let _ = Command::new("sync").status();
    let time = Path::new("/usr/bin/time");
    let mut c = if time.exists() {
        let mut c = Command::new(time);
        c.args(["-f", "%M"]).arg(env!("CARGO_BIN_EXE_countersign"));
        c
    } else {
        Command::new(env!("CARGO_BIN_EXE_countersign"))
    };
    c.args(args)
        .current_dir(dir)
        .env("SOURCE_DATE_EPOCH", NOW.to_string());
    let t = Instant::now();
    let out = c.output().expect("countersign runs");
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{args:?}: {stderr}"
    );
    let rss = stderr
        .lines()
        .last()
        .and_then(|l| l.trim().parse::<f64>().ok())
        .map(|kb| kb / 1024.0);
    (ms, rss)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn generate(dir: &Path, n: usize, p: usize) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/cambs");
    let read = |f: &str| -> Value {
        serde_json::from_slice(&std::fs::read(root.join(f)).unwrap()).unwrap()
    };
    std::fs::create_dir_all(dir.join("protocols")).unwrap();
    std::fs::copy(root.join("framework.json"), dir.join("framework.json")).unwrap();
    let orgs = read("organisations.json");
    let list = orgs["organisations"].as_array().unwrap();
    let core = list
        .iter()
        .find(|o| o["membership"]["kind"] == "core")
        .unwrap();
    let affiliate = list
        .iter()
        .find(|o| o["membership"]["kind"] == "affiliate")
        .unwrap();
    let id = |i: usize| format!("org-{i:04}");
    let generated: Vec<Value> = (0..n)
        .map(|i| {
            let mut o = if i % 4 == 3 {
                let mut a = affiliate.clone();
                a["membership"]["sponsor"] = id(i - 1).into();
                a
            } else {
                core.clone()
            };
            o["id"] = id(i).into();
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
    let mash = read("protocols/mash.json");
    for k in 0..p {
        let parties: Vec<String> = (0..5).map(|j| id((k * 7 + j * 3) % n)).collect();
        let mut proto = mash.clone();
        proto["id"] = format!("p-{k:04}").into();
        proto["requesting_organisation"] = parties[0].clone().into();
        proto["parties"] = json!(parties);
        proto["breach_contacts"] = parties
            .iter()
            .map(|o| json!({"organisation": o, "name": "Information governance", "email": "ig@example.org"}))
            .collect();
        proto["transparency"] = parties
            .iter()
            .map(|o| json!({"organisation": o, "notice": "Its privacy notice"}))
            .collect();
        proto["roles"] = json!({"relationship": "separate"});
        proto["individual_rights"]["point_of_contact"] = parties[0].clone().into();
        std::fs::write(
            dir.join(format!("protocols/p-{k:04}.json")),
            serde_json::to_vec_pretty(&proto).unwrap(),
        )
        .unwrap();
    }
}

fn main() {
    let sizes: Vec<(usize, usize)> = std::env::args()
        .skip(1)
        .filter_map(|a| {
            let (n, p) = a.split_once(':')?;
            Some((n.parse().ok()?, p.parse().ok()?))
        })
        .collect();
    let sizes = if sizes.is_empty() {
        vec![(30, 3), (300, 30), (1000, 300)]
    } else {
        sizes
    };
    println!(
        "| organisations, protocols, signatures | assemble (documents) | keys add | sign | collect (per file; one alone) | status | verify framework | bundle (size) | verify bundle | peak memory |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    // Per size: the figures whose growth is reported after the table.
    let mut growth: Vec<(usize, [f64; 8])> = Vec::new();
    for (n, p) in sizes {
        let tmp = tempfile::tempdir().unwrap();
        let kept = std::env::var_os("COUNTERSIGN_SCALE_KEEP")
            .map(|d| std::path::PathBuf::from(d).join(n.to_string()));
        if let Some(k) = &kept {
            let _ = std::fs::remove_dir_all(k);
            std::fs::create_dir_all(k).unwrap();
        }
        let dir = kept.as_deref().unwrap_or(tmp.path());
        generate(&dir.join("pack"), n, p);
        let mut peak: f64 = 0.0;
        let mut note = |rss: Option<f64>| peak = peak.max(rss.unwrap_or(0.0));
        let (assemble_ms, rss) = run(&["assemble", "pack"], dir);
        note(rss);
        let pack = Pack::new(dir.join("pack"));
        let data = pack.data().unwrap();
        let manifest = pack.manifest().unwrap();
        let at = Timestamp::from_unix(NOW);
        // Keys: all but the last few added in process, the last few through `keys add`.
        let keys: Vec<SecretKey> = (0..n)
            .map(|i| {
                let mut seed = [9u8; 32];
                seed[..8].copy_from_slice(&(i as u64).to_le_bytes());
                SecretKey::from_seed(&seed)
            })
            .collect();
        // A single command takes milliseconds and varies by one or two on a virtual machine:
        // medians of eleven, so that a ratio between sizes says something.
        let timed_keys = 11.min(n);
        let mut keyring = Keyring::default();
        for (i, key) in keys.iter().enumerate().take(n - timed_keys) {
            keyring
                .add(
                    &key.public(),
                    &data.organisations()[i].id,
                    &data.organisations()[i].signatory.name,
                    &[],
                    Timestamp::from_unix(NOW - 86_400),
                    at,
                )
                .unwrap();
        }
        let lock = pack.lock_keyring().unwrap();
        pack.save_keyring(&keyring, &lock).unwrap();
        drop(lock);
        std::fs::create_dir_all(dir.join("private")).unwrap();
        let mut add_ms = Vec::new();
        for (i, key) in keys.iter().enumerate().skip(n - timed_keys) {
            let org = &data.organisations()[i];
            let pub_path = dir.join(format!("private/{}.pub", org.id));
            std::fs::write(&pub_path, format!("{}\n", key.public().to_openssh(&org.id))).unwrap();
            std::fs::write(
                dir.join(format!("private/{}.key", org.id)),
                key.to_pem().unwrap().as_bytes(),
            )
            .unwrap();
            let (ms, rss) = run(
                &[
                    "keys",
                    "add",
                    pub_path.to_str().unwrap(),
                    "--org",
                    &org.id,
                    "--signatory",
                    &org.signatory.name,
                    "--valid-from",
                    "2026-01-01",
                    "--pack",
                    "pack",
                ],
                dir,
            );
            note(rss);
            add_ms.push(ms);
        }
        let keyring = pack.keyring().unwrap();
        // Signatures: every party of every document, made in process and returned to an inbox,
        // except one document per timed key, signed through `sign` in the pack.
        std::fs::create_dir_all(dir.join("inbox")).unwrap();
        std::fs::create_dir_all(dir.join("last")).unwrap();
        let mut sign_ms = Vec::new();
        let mut total = 0usize;
        let mut last_one = false;
        for entry in &manifest.documents {
            let bytes = pack.document(&entry.file).unwrap();
            for party in &entry.parties {
                let i = data
                    .position(party)
                    .expect("every party is a generated organisation");
                let org = &data.organisations()[i];
                total += 1;
                if i >= n - timed_keys && sign_ms.len() < timed_keys {
                    let (ms, rss) = run(
                        &[
                            "sign",
                            &format!("pack/out/{}", entry.file),
                            "--key",
                            &format!("private/{}.key", org.id),
                        ],
                        dir,
                    );
                    note(rss);
                    sign_ms.push(ms);
                    continue;
                }
                let request = SignRequest {
                    file: &entry.file,
                    bytes: &bytes,
                    organisation: &org.id,
                    signatory: &org.signatory.name,
                    role: &org.signatory.position,
                    at,
                };
                let (_, envelope) =
                    sign_document(&request, &manifest, &data, &keyring, &keys[i]).unwrap();
                let folder = if last_one { "inbox" } else { "last" };
                last_one = true;
                std::fs::write(
                    dir.join(folder)
                        .join(signature_file_name(&entry.file, &org.id)),
                    envelope_bytes(&envelope),
                )
                .unwrap();
            }
        }
        let returned = std::fs::read_dir(dir.join("inbox")).unwrap().count();
        let (collect_ms, rss) = run(&["collect", "pack", "inbox"], dir);
        note(rss);
        // One more returned signature alone: the median of eleven collections, the pack put
        // back as it was before each but the last (its register and signatures folder).
        let register = dir.join("pack/register/register.jsonl");
        let before = std::fs::read(&register).unwrap();
        let last = std::fs::read_dir(dir.join("last"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect::<Vec<_>>();
        let mut one = Vec::new();
        for round in 0..11 {
            if round > 0 {
                std::fs::write(&register, &before).unwrap();
                for name in &last {
                    std::fs::remove_file(dir.join("pack/signatures").join(name)).unwrap();
                }
            }
            let (ms, rss) = run(&["collect", "pack", "last"], dir);
            note(rss);
            one.push(ms);
        }
        let one_ms = median(one);
        // The commands that read the whole pack: medians of three runs.
        let mut repeat = |args: &[&str]| {
            let mut times = Vec::new();
            for _ in 0..3 {
                let (ms, rss) = run(args, dir);
                note(rss);
                times.push(ms);
            }
            median(times)
        };
        let status_ms = repeat(&["status", "pack"]);
        let framework = manifest
            .documents
            .iter()
            .find(|d| d.kind.as_str() == "framework")
            .unwrap();
        let verify_ms = repeat(&["verify", &format!("pack/out/{}", framework.file)]);
        let _ = std::fs::remove_file(dir.join("b.zip"));
        let bundle_ms = repeat(&["bundle", "pack", "-o", "b.zip", "--force"]);
        let size = std::fs::metadata(dir.join("b.zip")).unwrap().len();
        let vb_ms = repeat(&["verify", "b.zip"]);
        let (add, sign) = (median(add_ms), median(sign_ms));
        println!(
            "| {n}, {p}, {total} | {:.0} ms ({}) | {:.1} ms | {:.1} ms | {:.0} ms ({:.2} ms; {:.1} ms) | {:.0} ms | {:.0} ms | {:.0} ms ({:.1} MB) | {:.0} ms | {peak:.0} MB |",
            assemble_ms,
            manifest.documents.len(),
            add,
            sign,
            collect_ms,
            collect_ms / returned.max(1) as f64,
            one_ms,
            status_ms,
            verify_ms,
            bundle_ms,
            size as f64 / 1e6,
            vb_ms
        );
        growth.push((
            n,
            [
                add, sign, one_ms, status_ms, verify_ms, bundle_ms, vb_ms, peak,
            ],
        ));
    }
    // How each figure grows from one size to the next (linear growth: about the size ratio).
    for pair in growth.windows(2) {
        let ((a, fa), (b, fb)) = (&pair[0], &pair[1]);
        let names = [
            "keys add",
            "sign",
            "collect one",
            "status",
            "verify framework",
            "bundle",
            "verify bundle",
            "peak memory",
        ];
        let ratios: Vec<String> = names
            .iter()
            .zip(fa.iter().zip(fb))
            .map(|(name, (x, y))| format!("{name} {:.1}x", y / x))
            .collect();
        println!(
            "\nfrom {a} to {b} organisations ({:.1}x): {}",
            *b as f64 / *a as f64,
            ratios.join(", ")
        );
    }
}
