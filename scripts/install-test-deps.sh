#!/usr/bin/env bash
# Installs the independent readers the tests check DOCX output with, if they are missing:
# python-docx (PyPI) and LibreOffice + pdftotext (Debian). Safe to run again.
set -euo pipefail
if ! python3 -c "import docx" >/dev/null 2>&1; then
  pip install --quiet python-docx==1.2.0
fi
if ! command -v soffice >/dev/null 2>&1 || ! command -v pdftotext >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends libreoffice-writer-nogui poppler-utils >/dev/null
fi
