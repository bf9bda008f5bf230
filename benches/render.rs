//! In-process render benchmark, measured the way the peers are (see scripts/bench.sh): each
//! iteration is the full cycle, template bytes in memory to DOCX bytes out (package read and
//! checked, parts compiled, data rendered, zip written with DEFLATE).
//!
//! Usage: cargo bench --bench render -- TEMPLATE.docx DATA.json [N]
//! Prints one JSON line like the peers' scripts.

use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let [template, data, rest @ ..] = args.as_slice() else {
        eprintln!("usage: cargo bench --bench render -- TEMPLATE.docx DATA.json [N]");
        std::process::exit(2);
    };
    let n: usize = rest.first().and_then(|s| s.parse().ok()).unwrap_or(200);
    let template_bytes = std::fs::read(template).expect("read template");
    let data: serde_json::Value =
        serde_json::from_slice(&std::fs::read(data).expect("read data")).expect("parse data");

    let render = || {
        let tpl = countersign::Template::from_bytes(template_bytes.clone()).expect("compile");
        tpl.render(&data).expect("render")
    };
    let first = render();
    let mut times = Vec::with_capacity(n);
    let all = Instant::now();
    for _ in 0..n {
        let t = Instant::now();
        std::hint::black_box(render());
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let total = all.elapsed().as_secs_f64();
    let mean = times.iter().sum::<f64>() / n as f64;
    times.sort_by(f64::total_cmp);
    let median = if n % 2 == 1 {
        times[n / 2]
    } else {
        (times[n / 2 - 1] + times[n / 2]) / 2.0
    };
    let p95 = times[(n * 95 / 100).saturating_sub(1)];
    println!(
        "{{\"tool\": \"countersign\", \"n\": {n}, \"total_s\": {total:.3}, \"mean_ms\": {mean:.3}, \"median_ms\": {median:.3}, \"p95_ms\": {p95:.3}, \"out_bytes\": {}}}",
        first.len()
    );
}
