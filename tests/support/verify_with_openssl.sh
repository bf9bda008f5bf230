#!/usr/bin/env bash
# Checks a countersign signature with stock tools only (jq, base64, sha256sum, ssh-keygen,
# openssl), exactly as README.md shows. The public key is the organisation's own published
# .pub file, never the copy inside a bundle.
# Usage: verify_with_openssl.sh DOCUMENT SIGNATURE.dsse.json ORGANISATION.pub
# Exit 0 when the signature verifies with that key and names this document's SHA-256; 1 otherwise.
set -euo pipefail
doc=$1 sig=$2 pub=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# 1. The signed bytes: DSSE's pre-authentication encoding of the payload.
jq -r .payload "$sig" | base64 -d > "$work/payload.json"
type=$(jq -r .payloadType "$sig")
printf 'DSSEv1 %d %s %d ' "${#type}" "$type" "$(stat -c %s "$work/payload.json")" > "$work/pae.bin"
cat "$work/payload.json" >> "$work/pae.bin"
jq -r '.signatures[0].sig' "$sig" | base64 -d > "$work/sig.bin"

# 2. The organisation's published key: its fingerprint is the one they published, and the
#    statement names it. Its last 32 bytes are the Ed25519 key; a fixed prefix makes it DER.
fingerprint=$(ssh-keygen -lf "$pub" | cut -d' ' -f2)
echo "key fingerprint: $fingerprint"
if [ "$(jq -r .predicate.key_id "$work/payload.json")" != "$fingerprint" ]; then
  echo "the statement names another key than $fingerprint"
  exit 1
fi
{ printf '\x30\x2a\x30\x05\x06\x03\x2b\x65\x70\x03\x21\x00'; cut -d' ' -f2 "$pub" | base64 -d | tail -c 32; } > "$work/key.der"

# 3. The signature, then the document's digest.
openssl pkeyutl -verify -pubin -keyform DER -inkey "$work/key.der" -rawin -in "$work/pae.bin" -sigfile "$work/sig.bin"
signed=$(jq -r '.subject[0].digest.sha256' "$work/payload.json")
actual=$(sha256sum "$doc" | cut -d' ' -f1)
if [ "$signed" != "$actual" ]; then
  echo "the document's SHA-256 $actual is not the signed $signed"
  exit 1
fi
echo "signed by $(jq -r '.predicate.organisation.name + " (" + .predicate.signatory.name + ", " + .predicate.signatory.role + ")"' "$work/payload.json") for $(jq -r .subject[0].name "$work/payload.json")"
