#!/usr/bin/env bash
# National scale: generates packs of N organisations (every fourth an affiliate) and P
# protocols of 5 parties, takes each through assemble, keys add, sign (every party of every
# document), collect, status, verify, bundle and verification of the bundle as whole
# processes, and prints a table with peak memory, then how each figure grows between sizes.
# Usage: bash scripts/bench-scale.sh [N:P ...]   (default 30:3 300:30 1000:300)
# COUNTERSIGN_SCALE_KEEP=DIR keeps each generated pack in DIR/N.
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo bench --quiet --bench scale -- "$@"
