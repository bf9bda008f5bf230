#!/usr/bin/env bash
# Renders the first page of one document of each kind from the full example to PNG
# (docs/previews/), through LibreOffice and pdftoppm, so a person can look at the layout:
# the framework, a protocol, an assurance checklist, the signature sheet printed for paper
# signing and its first paper form, and a protocol's Data Sharing Code checklist annex.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/pack"
cp -r examples/cambs/framework.json examples/cambs/organisations.json examples/cambs/protocols "$work/pack/"
bin="cargo run --quiet --release --"
$bin assemble "$work/pack" 2>/dev/null
$bin signature-sheet "$work/pack" -o "$work/pack/out/signature-sheet.docx" 2>/dev/null
# The checklists are written beside the pack: validate never writes into a pack's own folders.
$bin validate "$work/pack" --code-checklist --docx "$work/checklists" >/dev/null 2>&1
cp "$work"/checklists/*.docx "$work/pack/out/"
mkdir -p docs/previews
for f in framework-v2.7 signature-sheet protocol-mash-v3.1 assurance-cwrc-v1.0 protocol-mash-v3.1-code-checklist; do
  soffice "-env:UserInstallation=file://$work/lo" --headless --convert-to pdf --outdir "$work" "$work/pack/out/$f.docx" >/dev/null 2>&1
  pdftoppm -r 60 -png -f 1 -l 1 -singlefile "$work/$f.pdf" "$work/$f"
  name=${f%-v[0-9]*}
  [ "$f" = protocol-mash-v3.1-code-checklist ] && name=code-checklist
  mv "$work/$f.png" "docs/previews/$name.png"
done
# The paper form: the sheet's first page that is a form (the first organisation still to sign).
page=1
until pdftotext -f "$page" -l "$page" "$work/signature-sheet.pdf" - | grep -q "Approval form:"; do
  page=$((page + 1))
done
pdftoppm -r 60 -png -f "$page" -l "$page" -singlefile "$work/signature-sheet.pdf" "$work/form"
mv "$work/form.png" docs/previews/paper-form.png
ls -l docs/previews
