#!/usr/bin/env bash
# Renders the first page of one document of each kind from the full example to PNG
# (docs/previews/), through LibreOffice and pdftoppm, so a person can look at the layout.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r examples/cambs "$work/pack"
rm -rf "$work/pack/out"
cargo run --quiet --release -- assemble "$work/pack" 2>/dev/null
mkdir -p docs/previews
for f in framework-v2.7 signature-sheet-v2.7 protocol-mash-v3.1 assurance-cwrc-v2.7; do
  soffice "-env:UserInstallation=file://$work/lo" --headless --convert-to pdf --outdir "$work" "$work/pack/out/$f.docx" >/dev/null 2>&1
  pdftoppm -r 60 -png -f 1 -l 1 "$work/$f.pdf" "$work/$f"
  mv "$work/$f"-1.png "docs/previews/${f%-v*}.png"
done
ls -l docs/previews
