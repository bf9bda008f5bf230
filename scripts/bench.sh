#!/usr/bin/env bash
# Side-by-side render benchmark: countersign, docxtpl and docxtemplater on the same
# 200-member signature template from ../shared/bench-peers, in one run on one machine.
# Prints each tool's median milliseconds per document (full cycle: template bytes in, DOCX
# bytes out) and countersign's ratio to each peer, then checks every output with python-docx,
# then measures the whole CLI process and peak memory as the data grows.
#
# Usage: bash scripts/bench.sh [N]      (N iterations per tool, default 200)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-200}
PEERS=${PEERS:-../shared/bench-peers}
WORK=bench/work
rm -rf "$WORK" && mkdir -p "$WORK" && cp -r "$PEERS"/. "$WORK"
(
  cd "$WORK"
  python3 -m venv venv >/dev/null
  venv/bin/pip install -q docxtpl==0.20.2 python-docx==1.2.0
  (cd js && npm install --silent >/dev/null 2>&1)
  venv/bin/python make_templates.py >/dev/null
)
cargo build --release --quiet --bench render 2>/dev/null || true
cargo build --release --quiet
BIN=target/release/countersign

echo "== full cycle per document, $N iterations each, 200 members"
CS=$(cargo bench --quiet --bench render -- "$WORK/tpl_handlebars.docx" "$WORK/data.json" "$N" 2>/dev/null)
CS_EMPTY=$(cargo bench --quiet --bench render -- "$WORK/tpl_handlebars.docx" "$WORK/data_empty.json" "$N" 2>/dev/null)
TPL=$(cd "$WORK" && venv/bin/python bench_docxtpl.py "$N")
DTR=$(cd "$WORK/js" && node bench_docxtemplater.js "$N")
echo "$CS"; echo "$TPL"; echo "$DTR"
echo "countersign with members=[] (fixed cost per document): $CS_EMPTY"

"$BIN" render "$WORK/tpl_handlebars.docx" "$WORK/data.json" -o "$WORK/out/countersign.docx" --force 2>/dev/null
"$WORK/venv/bin/python" - "$CS" "$TPL" "$DTR" <<'PY'
import json, sys
cs, tpl, dtr = (json.loads(a) for a in sys.argv[1:4])
print()
print(f"{'tool':<15}{'median ms':>10}{'countersign is':>18}")
for r in (cs, tpl, dtr):
    ratio = r["median_ms"] / cs["median_ms"]
    note = "" if r is cs else f"{ratio:.1f}x faster"
    print(f"{r['tool']:<15}{r['median_ms']:>10.2f}{note:>18}")
PY

echo
echo "== independent reader on every output"
(cd "$WORK" && venv/bin/python check_docx.py out/*.docx)

echo
echo "== whole CLI process (startup, file reads, atomic write), 50 runs"
"$WORK/venv/bin/python" - "$BIN" "$WORK" <<'PY'
import statistics, subprocess, sys, time
binary, work = sys.argv[1:3]
times = []
for i in range(50):
    t = time.perf_counter()
    subprocess.run([binary, "render", f"{work}/tpl_handlebars.docx", f"{work}/data.json",
                    "-o", f"{work}/out/cli.docx", "--force"], check=True, capture_output=True)
    times.append((time.perf_counter() - t) * 1000)
print(f"countersign render (process): median {statistics.median(times):.2f} ms")
PY

echo
echo "== peak memory of the CLI as the data grows"
"$WORK/venv/bin/python" - "$BIN" "$WORK" <<'PY'
import json, resource, subprocess, sys
binary, work = sys.argv[1:3]
data = json.load(open(f"{work}/data.json"))
base = data["members"]
print(f"{'members':>8}{'data KB':>9}{'output KB':>11}{'peak RSS MB':>13}")
for n in (200, 2000, 20000, 100000):
    d = dict(data, members=[base[i % len(base)] for i in range(n)])
    path = f"{work}/data_{n}.json"
    json.dump(d, open(path, "w"))
    out = f"{work}/out/mem_{n}.docx"
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    subprocess.run(["/usr/bin/time", "-f", "%M", "-o", f"{work}/rss", binary, "render",
                    f"{work}/tpl_handlebars.docx", path, "-o", out, "--force"], check=True, capture_output=True)
    rss_kb = int(open(f"{work}/rss").read().split()[-1])
    import os
    print(f"{n:>8}{os.path.getsize(path)//1024:>9}{os.path.getsize(out)//1024:>11}{rss_kb/1024:>13.1f}")
PY
