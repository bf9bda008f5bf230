//! National scale, as whole `countersign` processes on generated packs: N organisations (every
//! fourth an affiliate, with a core sponsor and assurance answers) and P protocols of 5 parties
//! each (copies of the full example's), every party of every document signing.
//!
//! Keys and most signatures are made in process through the library (fast and the same bytes
//! the command makes); what is timed is the commands people run: `assemble`, `keys add` and
//! `sign` (the last eleven, medians), `collect` (all returned signatures at once, per file, and
//! one more alone, a median of eleven), `status`, `verify` of the framework, `bundle` and `verify`
//! of the bundle (medians of three), each timed as the process its user starts; the peak memory
//! of each comes from one more run under `/usr/bin/time` (where present), untimed but for the
//! commands of hundreds of milliseconds (`assemble`, `collect` of all). After the table, how
//! each figure grows from one size to the next, what hashing the chains and data that collecting
//! one signature checks costs in process at each size (a floor no reading can go under), and how
//! late a second thread starts on the machine (the commands share the reading of a large pack
//! between two).
//!
//! Usage: bash scripts/bench-scale.sh [N:P ...]   (default 30:3 300:30 1000:300), or
//! cargo bench --bench scale [-- N:P ...]
//! With COUNTERSIGN_SCALE_KEEP=DIR, each pack is kept in DIR/N (for profiling a command on it).

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
use serde_json::{Value, json};

const NOW: i64 = 1_795_435_200;

/// A figure beside its target: what, the milliseconds measured, the milliseconds allowed.
type Target = (&'static str, f64, f64);

/// SHA-256 of what a command that adds a signature must check, hashed as the checks hash it:
/// the register and the keyring a line at a time (each line is a link of its chain), the
/// framework and the organisations whole. Returns the megabytes and the median milliseconds of
/// eleven passes, the files already read.
fn hashing_floor(pack: &Path) -> (f64, f64) {
    use sha2::{Digest, Sha256};
    let read = |rel: &str| std::fs::read(pack.join(rel)).unwrap_or_default();
    let chains = [read("register/register.jsonl"), read("keys/keyring.json")];
    let whole = [read("framework.json"), read("organisations.json")];
    let bytes: usize = chains.iter().chain(&whole).map(Vec::len).sum();
    // The lines are found before the clock starts: only the hashing is timed.
    let lines: Vec<&[u8]> = chains
        .iter()
        .flat_map(|chain| chain.split(|&b| b == b'\n'))
        .collect();
    let mut passes = Vec::new();
    for _ in 0..11 {
        let start = Instant::now();
        let mut last = [0u8; 32];
        for line in &lines {
            last = Sha256::digest(line).into();
        }
        for file in &whole {
            last = Sha256::digest(file).into();
        }
        std::hint::black_box(last);
        passes.push(start.elapsed().as_secs_f64() * 1e3);
    }
    (bytes as f64 / 1e6, median(passes))
}

/// Runs a command as its user runs it and returns how long the whole process took, in
/// milliseconds. The disk is synced first, so that no command pays for flushing what the one
/// before it wrote.
fn run(args: &[&str], dir: &Path) -> f64 {
    time(Command::new(env!("CARGO_BIN_EXE_countersign")), args, dir).0
}

/// Runs a command under `/usr/bin/time` (where present) for its peak memory in MB; also returns
/// its time, which then includes starting `/usr/bin/time` too (about a millisecond here): used
/// alone only for commands that take hundreds of milliseconds.
fn run_for_memory(args: &[&str], dir: &Path) -> (f64, Option<f64>) {
    let time_command = Path::new("/usr/bin/time");
    if !time_command.exists() {
        return (run(args, dir), None);
    }
    let mut c = Command::new(time_command);
    c.args(["-f", "%M"]).arg(env!("CARGO_BIN_EXE_countersign"));
    let (ms, stderr) = time(c, args, dir);
    let rss = stderr
        .lines()
        .last()
        .and_then(|l| l.trim().parse::<f64>().ok())
        .map(|kb| kb / 1024.0);
    (ms, rss)
}

fn time(mut c: Command, args: &[&str], dir: &Path) -> (f64, String) {
    sync_disk();
    c.args(args)
        .current_dir(dir)
        .env("SOURCE_DATE_EPOCH", NOW.to_string());
    let t = Instant::now();
    let out = c.output().expect("countersign runs");
    let ms = t.elapsed().as_secs_f64() * 1000.0;
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{args:?}: {stderr}"
    );
    (ms, stderr)
}

/// How late a new thread starts on this machine while the thread that started it works on (as
/// a command's does when it shares the parts of a pack): the delay of each of `tries`, in ms.
fn thread_start_delays(tries: usize) -> Vec<f64> {
    (0..tries)
        .map(|_| {
            let started = std::sync::Arc::new(std::sync::OnceLock::new());
            let t0 = Instant::now();
            let mark = started.clone();
            let helper = std::thread::spawn(move || {
                let _ = mark.set(t0.elapsed());
            });
            while started.get().is_none() && t0.elapsed().as_millis() < 50 {
                std::hint::spin_loop();
            }
            helper.join().unwrap();
            let delay = started.get().copied().unwrap_or_else(|| t0.elapsed());
            std::thread::sleep(std::time::Duration::from_millis(20));
            delay.as_secs_f64() * 1000.0
        })
        .collect()
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
    let mut checked: Vec<(usize, Vec<Target>, f64)> = Vec::new();
    let mut floors: Vec<(usize, (f64, f64), f64)> = Vec::new();
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
        let (assemble_ms, rss) = run_for_memory(&["assemble", "pack"], dir);
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
        // medians of eleven, so that a ratio between sizes says something; one more first,
        // under `/usr/bin/time` for its peak memory, untimed (the wrapper's own start would
        // count for a third of a small pack's command).
        let timed_keys = 12.min(n);
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
        for (j, (i, key)) in keys.iter().enumerate().skip(n - timed_keys).enumerate() {
            let org = &data.organisations()[i];
            let pub_path = dir.join(format!("private/{}.pub", org.id));
            std::fs::write(&pub_path, format!("{}\n", key.public().to_openssh(&org.id))).unwrap();
            std::fs::write(
                dir.join(format!("private/{}.key", org.id)),
                key.to_pem().unwrap().as_bytes(),
            )
            .unwrap();
            let args = [
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
            ];
            if j == 0 {
                note(run_for_memory(&args, dir).1);
            } else {
                add_ms.push(run(&args, dir));
            }
        }
        let keyring = pack.keyring().unwrap();
        // Signatures: every party of every document, made in process and returned to an inbox,
        // except one document per timed key, signed through `sign` in the pack.
        std::fs::create_dir_all(dir.join("inbox")).unwrap();
        std::fs::create_dir_all(dir.join("last")).unwrap();
        let mut sign_ms = Vec::new();
        let mut signed = 0;
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
                if i >= n - timed_keys && signed < timed_keys {
                    let (document, key) = (
                        format!("pack/out/{}", entry.file),
                        format!("private/{}.key", org.id),
                    );
                    let args = ["sign", &document, "--key", &key];
                    if signed == 0 {
                        note(run_for_memory(&args, dir).1);
                    } else {
                        sign_ms.push(run(&args, dir));
                    }
                    signed += 1;
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
        let (collect_ms, rss) = run_for_memory(&["collect", "pack", "inbox"], dir);
        note(rss);
        // One more returned signature alone: the median of eleven collections (after one for
        // its peak memory), the pack put back as it was before each but the last (its register
        // and signatures folder).
        let register = dir.join("pack/register/register.jsonl");
        let before = std::fs::read(&register).unwrap();
        let last = std::fs::read_dir(dir.join("last"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect::<Vec<_>>();
        let mut one = Vec::new();
        for round in 0..12 {
            if round > 0 {
                std::fs::write(&register, &before).unwrap();
                for name in &last {
                    std::fs::remove_file(dir.join("pack/signatures").join(name)).unwrap();
                }
            }
            let args = ["collect", "pack", "last"];
            if round == 0 {
                note(run_for_memory(&args, dir).1);
            } else {
                one.push(run(&args, dir));
            }
        }
        let one_ms = median(one);
        // The commands that read the whole pack: one run for the peak memory, then the median
        // of three.
        let mut repeat = |args: &[&str]| {
            note(run_for_memory(args, dir).1);
            median((0..3).map(|_| run(args, dir)).collect())
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
        let register_ms = repeat(&["register", "verify", "pack"]);
        let (add, sign) = (median(add_ms), median(sign_ms));
        checked.push((
            n,
            vec![
                ("keys add", add, 50.0),
                ("sign", sign, 50.0),
                ("collect of one file", one_ms, 50.0),
                ("status", status_ms, 1000.0),
                ("verify of a document", verify_ms, 1000.0),
                ("register verify", register_ms, 1000.0),
                ("bundle", bundle_ms, 1000.0),
                ("verify of a bundle", vb_ms, 1000.0),
                ("assemble", assemble_ms, 5000.0),
            ],
            peak,
        ));
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
        floors.push((n, hashing_floor(&dir.join("pack")), one_ms));
        growth.push((
            n,
            [
                add, sign, one_ms, status_ms, verify_ms, bundle_ms, vb_ms, peak,
            ],
        ));
    }
    // The targets at national scale (issue 33), each figure beside its own; a smaller pack
    // is held to the same.
    for (n, figures, peak) in &checked {
        println!("\nat {n} organisations, against the targets:");
        for (name, ms, target) in figures {
            let verdict = if ms < target { "met" } else { "MISSED" };
            println!("  {name}: {ms:.1} ms (target under {target:.0} ms) {verdict}");
        }
        let verdict = if *peak < 300.0 { "met" } else { "MISSED" };
        println!("  peak memory: {peak:.0} MB (target under 300 MB) {verdict}");
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
    // Collecting one signature checks the register's and the keyring's chains and the data
    // files: hashing alone sets a floor that grows with the pack, whatever else is saved.
    println!();
    let (smallest, one_there) = (floors[0].0, floors[0].2);
    for (n, (mb, ms), one) in &floors {
        // Against the smallest pack's whole collection: the share of a 2x budget it uses.
        let against_smallest = if *n == smallest {
            String::new()
        } else {
            format!(
                "; {:.1}x collecting one at {smallest} organisations",
                ms / one_there
            )
        };
        println!(
            "hashing what collecting one checks at {n} organisations: {mb:.2} MB in {ms:.2} ms in process ({:.0}% of collecting one there{against_smallest})",
            100.0 * ms / one,
        );
    }
    // Two threads share the reading of a large pack; how soon the second starts decides how
    // much that saves, and on a virtual machine it varies from one run to the next.
    let delays = thread_start_delays(25);
    let (prompt, late): (Vec<f64>, Vec<f64>) = delays.iter().partition(|&&ms| ms < 0.1);
    println!(
        "\nthis machine: a second thread started within 0.1 ms in {} of {} tries{}",
        prompt.len(),
        delays.len(),
        if late.is_empty() {
            String::new()
        } else {
            format!(", the others a median {:.1} ms late", median(late))
        }
    );
}
