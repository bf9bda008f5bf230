#!/usr/bin/env bash
# The verification page's speed and size, beside the command's: builds the corpus of
# tests/page.rs (release build), then verifies the full example's bundle (14 documents, every
# party signed: 64 signatures) RUNS times in the page in headless Chromium (the time from
# pressing Check to the result on screen, as the page measures it) and RUNS times with
# `countersign verify BUNDLE.zip` (whole processes), and prints the medians and sizes.
#
# bash scripts/bench-page.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-21}
root=$PWD
corpus=${TMPDIR:-/tmp}/countersign-page-corpus
bash scripts/install-test-deps.sh
COUNTERSIGN_PAGE_CORPUS=$corpus cargo test --locked --release --test page -q >/dev/null
cargo build --locked --release -q
node tests/browser/check.mjs "$corpus/verify.html" "$corpus/cases.json" "$corpus/bench.json" --bench full-signed "$runs"
times=()
for _ in $(seq "$runs"); do
  start=$(date +%s%N)
  (cd "$corpus" && "$root/target/release/countersign" verify full-signed.zip >/dev/null) || true
  times+=($(( ($(date +%s%N) - start) / 1000000 )))
done
command_median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
python3 - "$corpus" "$command_median" <<'PY'
import json, os, sys
corpus, command = sys.argv[1], int(sys.argv[2])
bench = json.load(open(os.path.join(corpus, "bench.json")))["bench"]
page = os.path.getsize(os.path.join(corpus, "verify.html"))
bundle = os.path.getsize(os.path.join(corpus, "full-signed.zip"))
print(f"full example bundle: {bundle:,} bytes, 14 documents, 64 signatures")
print(f"verification page: {page:,} bytes (one file, nothing else loaded)")
print(f"page, headless Chromium: median {bench['median_ms']} ms over {bench['runs']} runs (min {bench['min_ms']}, max {bench['max_ms']})")
print(f"countersign verify BUNDLE.zip (whole process): median {command} ms over the same number of runs")
print(f"page / command: {bench['median_ms'] / max(command, 1):.2f}")
PY
