//! Bundles altered at random, as someone who did not write the conformance suite would alter
//! them: a byte of the zip flipped, or a JSON file of the bundle changed in one place (a field
//! removed, added, named twice, given another type or another value; a byte order mark, CRLF, a
//! cut) and the index made again to match. tests/page.rs runs them through the command and the
//! page, which must agree on every one. The choices come from a fixed seed, so a run that finds
//! a difference finds it again.

use std::path::Path;

use serde_json::{Value, json};

/// A small deterministic generator (xorshift64*): the same seed, the same mutants.
pub struct Dice(u64);

impl Dice {
    pub fn new(seed: u64) -> Dice {
        Dice(seed.max(1))
    }

    pub fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n.max(1)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Every path to an object or array in `value` (as JSON pointer segments).
fn containers(value: &Value, at: Vec<String>, out: &mut Vec<Vec<String>>) {
    match value {
        Value::Object(map) => {
            out.push(at.clone());
            for (k, v) in map {
                let mut next = at.clone();
                next.push(k.clone());
                containers(v, next, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                let mut next = at.clone();
                next.push(i.to_string());
                containers(v, next, out);
            }
        }
        _ => {}
    }
}

fn at_path<'a>(value: &'a mut Value, path: &[String]) -> &'a mut Value {
    path.iter().fold(value, |v, segment| match v {
        Value::Array(items) => &mut items[segment.parse::<usize>().unwrap()],
        other => &mut other[segment.as_str()],
    })
}

/// Another value of another kind, or the same kind changed.
fn other_value(dice: &mut Dice, old: &Value) -> Value {
    let choices = [
        json!(null),
        json!(true),
        json!("x"),
        json!(7),
        json!(-1),
        json!([]),
        json!({}),
        json!(9_007_199_254_740_993_u64),
    ];
    match (dice.below(3), old) {
        (0, Value::String(s)) => Value::String(format!("{s}\u{e9}")),
        (0, Value::Number(n)) => Value::String(n.to_string()),
        _ => dice.pick(&choices).clone(),
    }
}

/// One JSON text changed in one place; `compact` writes it on one line (a chained file's line).
fn mutate_json(dice: &mut Dice, text: &str, compact: bool) -> Option<(String, String)> {
    let mut value: Value = serde_json::from_str(text).ok()?;
    let mut paths = Vec::new();
    containers(&value, Vec::new(), &mut paths);
    let objects: Vec<Vec<String>> = paths
        .into_iter()
        .filter(|p| at_path(&mut value.clone(), p).is_object())
        .collect();
    let path = dice.pick(&objects).clone();
    let target = at_path(&mut value, &path);
    let map = target.as_object_mut()?;
    let keys: Vec<String> = map.keys().cloned().collect();
    let what;
    let mut duplicate = None;
    match dice.below(4) {
        0 if !keys.is_empty() => {
            let key = dice.pick(&keys).clone();
            map.shift_remove(&key);
            what = format!("removed {}/{key}", path.join("/"));
        }
        1 => {
            map.insert("unexpected".into(), json!(1));
            what = format!("added {}/unexpected", path.join("/"));
        }
        2 if !keys.is_empty() => {
            let key = dice.pick(&keys).clone();
            duplicate = Some(key.clone());
            what = format!("named {}/{key} twice", path.join("/"));
        }
        _ if !keys.is_empty() => {
            let key = dice.pick(&keys).clone();
            let new = other_value(dice, &map[&key]);
            what = format!("{}/{key} = {new}", path.join("/"));
            map.insert(key, new);
        }
        _ => return None,
    }
    let mut written = if compact {
        serde_json::to_string(&value).ok()?
    } else {
        serde_json::to_string_pretty(&value).ok()? + "\n"
    };
    if let Some(key) = duplicate {
        // The same field again, first, with another value: the reader that keeps the last
        // sees the genuine one.
        let needle = format!("\"{key}\":");
        let at = written.find(&needle)?;
        written.insert_str(at, &format!("\"{key}\": \"other\","));
    }
    Some((what, written))
}

/// `count` altered copies of the bundle `genuine`, written into `dir`; returns their cases.
pub fn mutants(dir: &Path, genuine: &Path, seed: u64, count: usize) -> Vec<Value> {
    let bytes = std::fs::read(genuine).unwrap();
    let (index, files) = countersign::pack::bundle::open(&bytes).unwrap();
    let at = countersign::time::Timestamp::parse_exact(&index.created_at).unwrap();
    let mut dice = Dice::new(seed);
    let mut cases = Vec::new();
    while cases.len() < count {
        let n = cases.len();
        let name = format!("mutant-{n:03}");
        let (what, zip) = if dice.below(5) == 0 {
            let mut zip = bytes.clone();
            let at = dice.below(zip.len());
            let bit = 1u8 << dice.below(8);
            zip[at] ^= bit;
            (format!("byte {at} of the zip ^ {bit}"), zip)
        } else {
            let json_files: Vec<usize> = files
                .iter()
                .enumerate()
                .filter(|(_, (p, _))| p.ends_with(".json") || p.ends_with(".jsonl"))
                .map(|(i, _)| i)
                .collect();
            let which = *dice.pick(&json_files);
            let (path, content) = &files[which];
            let text = String::from_utf8(content.clone()).unwrap();
            let chained = path.ends_with(".jsonl") || text.starts_with("{\"format\":");
            let changed = match dice.below(8) {
                0 => Some(("a byte order mark".to_string(), format!("\u{feff}{text}"))),
                1 => Some(("CRLF".to_string(), text.replace('\n', "\r\n"))),
                2 => {
                    let cut = dice.below(text.len());
                    let cut = (0..=cut).rev().find(|i| text.is_char_boundary(*i)).unwrap();
                    Some((format!("cut at {cut}"), text[..cut].to_string()))
                }
                _ if chained => {
                    let lines: Vec<&str> = text.lines().collect();
                    let line = dice.below(lines.len());
                    mutate_json(&mut dice, lines[line], true).map(|(what, new)| {
                        let mut all: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
                        all[line] = new;
                        (format!("line {}: {what}", line + 1), all.join("\n") + "\n")
                    })
                }
                _ => mutate_json(&mut dice, &text, false),
            };
            let Some((what, new)) = changed else {
                continue;
            };
            if new.as_bytes() == content.as_slice() {
                continue;
            }
            let mut edited = files.clone();
            edited[which].1 = new.into_bytes();
            let zip = countersign::pack::bundle::build(&index.pack, at, &edited).unwrap();
            (format!("{path}: {what}"), zip)
        };
        let file = format!("{name}.zip");
        std::fs::write(dir.join(&file), zip).unwrap();
        cases.push(json!({"name": name, "bundle": file, "mutation": what}));
    }
    cases
}
