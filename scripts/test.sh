#!/usr/bin/env bash
# The test command: installs what the tests need (if missing), then runs every test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-test-deps.sh
cargo test --locked
