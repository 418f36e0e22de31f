#!/usr/bin/env bash
# Downloads axe-core (the accessibility engine the browser tests run in Chromium) from the npm
# registry into target/axe/axe.min.js, checking the registry's published SHA-1. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=4.14.1
SHA1=14d8a6f3f085afd126b8b5ca1e42e50e17fb1d99
OUT=target/axe/axe.min.js
if [ -s "$OUT" ] && [ "$(cat target/axe/VERSION 2>/dev/null)" = "$VERSION" ]; then
  exit 0
fi
mkdir -p target/axe
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
curl -fsSL --retry 3 -o "$TMP/axe.tgz" "https://registry.npmjs.org/axe-core/-/axe-core-$VERSION.tgz"
echo "$SHA1  $TMP/axe.tgz" | sha1sum -c --quiet -
tar -xzf "$TMP/axe.tgz" -C "$TMP" package/axe.min.js
mv "$TMP/package/axe.min.js" "$OUT"
echo "$VERSION" > target/axe/VERSION
echo "axe-core $VERSION in $OUT"
