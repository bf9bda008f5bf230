#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 60), from its committed seeds, with a
# 10-second limit per input (a hang fails) and a 2 GB memory limit (a blow-up fails). Any crash
# fails the run; libFuzzer writes the input to fuzz/artifacts/<target>/, to commit with its fix
# (cargo test replays it). Needs the nightly toolchain and cargo-fuzz (installed if missing).
# Usage: bash scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked
fi
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  mapfile -t targets < <(ls fuzz/fuzz_targets | sed 's/\.rs$//')
fi
(cd fuzz && cargo +nightly fuzz build -O)
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
status=0
for target in "${targets[@]}"; do
  mkdir -p "$corpus/$target"
  log="$corpus/$target.log"
  if (cd fuzz && cargo +nightly fuzz run -O "$target" "$corpus/$target" "seeds/$target" -- \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1) >"$log" 2>&1; then
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    rss=$(grep -o 'stat::peak_rss_mb: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    echo "fuzz $target: ${seconds}s, $runs executions, peak RSS ${rss} MB, no crash"
  else
    echo "fuzz $target: FAILED (the input is in fuzz/artifacts/$target/)"
    tail -40 "$log"
    status=1
  fi
done
exit $status
