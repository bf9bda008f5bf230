#!/usr/bin/env bash
# Whole-process timings of the pack commands on the full example (17 core members, 10
# affiliates, 3 protocols): assemble (14 documents), sign, verify, status, bundle and
# verify of the bundle. Prints the median of N runs of each, in milliseconds.
# Usage: bash scripts/bench-pack.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-20}
cargo build --release --quiet
BIN=$PWD/target/release/countersign
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r examples/cambs "$work/pack"
rm -rf "$work/pack/out" "$work/pack/register" "$work/pack/signatures" "$work/pack/keys"
mkdir -p "$work/private"
export SOURCE_DATE_EPOCH=1795435200
"$BIN" assemble "$work/pack" >/dev/null 2>&1
"$BIN" keygen --org cambs-cc --no-passphrase --out "$work/private" >/dev/null 2>&1
"$BIN" keys add "$work/private/cambs-cc.pub" --org cambs-cc --signatory "Stephen Moreland" --valid-from 2026-01-01 --pack "$work/pack" >/dev/null 2>&1
python3 - "$BIN" "$work" "$N" <<'PY'
import os, shutil, statistics, subprocess, sys, time
binary, work, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
pack = f"{work}/pack"
def timed(args, before=None):
    times = []
    for _ in range(n):
        if before:
            before()
        t = time.perf_counter()
        subprocess.run([binary] + args, check=False, capture_output=True)
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)
def fresh_out():
    shutil.rmtree(f"{work}/out2", ignore_errors=True)
def unsign():
    for f in os.listdir(f"{pack}/signatures") if os.path.isdir(f"{pack}/signatures") else []:
        os.remove(f"{pack}/signatures/{f}")
rows = [
    ("assemble (14 documents, fresh folder)", timed(["assemble", pack, "--out", f"{work}/out2"], fresh_out)),
    ("assemble --check (re-render, compare)", timed(["assemble", pack, "--check"])),
    ("sign framework", timed(["sign", f"{pack}/out/framework-v2.7.docx", "--key", f"{work}/private/cambs-cc.key", "--org", "cambs-cc", "--signatory", "Stephen Moreland", "--role", "Chief Executive"], unsign)),
]
subprocess.run([binary, "sign", f"{pack}/out/framework-v2.7.docx", "--key", f"{work}/private/cambs-cc.key", "--org", "cambs-cc", "--signatory", "Stephen Moreland", "--role", "Chief Executive"], capture_output=True)
rows += [
    ("verify framework (27 parties)", timed(["verify", f"{pack}/out/framework-v2.7.docx"])),
    ("status (14 documents)", timed(["status", pack])),
    ("register verify", timed(["register", "verify", pack])),
]
subprocess.run([binary, "bundle", pack, "-o", f"{work}/b.zip", "--force"], capture_output=True)
rows += [
    ("bundle", timed(["bundle", pack, "-o", f"{work}/b.zip", "--force"])),
    ("verify bundle", timed(["verify", f"{work}/b.zip"])),
]
print(f"{'command':<42}{'median ms':>10}")
for name, ms in rows:
    print(f"{name:<42}{ms:>10.1f}")
print(f"bundle size: {os.path.getsize(work + '/b.zip') // 1024} KiB")
PY
