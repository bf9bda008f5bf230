#!/usr/bin/env bash
# Installs what the tests check outputs with, if it is missing: python-docx (PyPI); LibreOffice,
# pdftotext, jq, openssl, ssh-keygen, zip, unzip and Chromium (Debian); playwright-core (npm,
# the version tests/browser/package-lock.json pins), which drives Chromium to test the
# verification page. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! python3 -c "import docx" >/dev/null 2>&1; then
  pip install --quiet python-docx==1.2.0
fi
# LibreOffice and pdftotext read DOCX independently; jq, openssl, ssh-keygen, zip and unzip
# are the stock tools the tests check signatures and bundles with; GNU time measures memory.
missing=0
for tool in soffice pdftotext jq openssl ssh-keygen zip unzip chromium; do
  command -v "$tool" >/dev/null 2>&1 || missing=1
done
# GNU time measures a command's peak memory (tests/hostile.rs, the bundle budget).
[ -x /usr/bin/time ] || missing=1
if [ "$missing" = 1 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends libreoffice-writer-nogui poppler-utils jq openssl openssh-client zip unzip chromium time >/dev/null
fi
# playwright-core only: it drives the Chromium above and downloads no browser of its own.
if [ ! -d tests/browser/node_modules/playwright-core ]; then
  (cd tests/browser && npm ci --no-audit --no-fund --silent)
fi
