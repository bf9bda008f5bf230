#!/usr/bin/env bash
# Checks a countersign signature with stock tools only (jq, base64, sha256sum, openssl), exactly
# as README.md shows. Usage: verify_with_openssl.sh DOCUMENT SIGNATURE.dsse.json KEYRING.json
# Exit 0 when the signature verifies and names this document's SHA-256; 1 otherwise.
set -euo pipefail
doc=$1 sig=$2 keyring=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# 1. The signed bytes: DSSE's pre-authentication encoding of the payload.
jq -r .payload "$sig" | base64 -d > "$work/payload.json"
type=$(jq -r .payloadType "$sig")
printf 'DSSEv1 %d %s %d ' "${#type}" "$type" "$(stat -c %s "$work/payload.json")" > "$work/pae.bin"
cat "$work/payload.json" >> "$work/pae.bin"
jq -r '.signatures[0].sig' "$sig" | base64 -d > "$work/sig.bin"

# 2. The public key the keyring gives for the statement's key id.
key_id=$(jq -r .predicate.key_id "$work/payload.json")
jq -r --arg k "$key_id" '.events[] | select(.change.action == "added" and .change.key_id == $k) | .change.public_key_pem' "$keyring" > "$work/key.pem"

# 3. The signature, then the document's digest.
openssl pkeyutl -verify -pubin -inkey "$work/key.pem" -rawin -in "$work/pae.bin" -sigfile "$work/sig.bin"
signed=$(jq -r '.subject[0].digest.sha256' "$work/payload.json")
actual=$(sha256sum "$doc" | cut -d' ' -f1)
if [ "$signed" != "$actual" ]; then
  echo "the document's SHA-256 $actual is not the signed $signed"
  exit 1
fi
echo "signed by $(jq -r '.predicate.organisation.name + " (" + .predicate.signatory.name + ", " + .predicate.signatory.role + ")"' "$work/payload.json") for $(jq -r .subject[0].name "$work/payload.json")"
