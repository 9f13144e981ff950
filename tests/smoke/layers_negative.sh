#!/bin/sh
# The layer checker must reject a tree where core includes a backend header.
root=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/src/core" "$tmp/src/backend" "$tmp/include/weft"
printf '#include "backend/x.h"\n' > "$tmp/src/core/bad.c"
printf '/* x */\n' > "$tmp/src/backend/x.h"
if sh "$root/tools/check-layers.sh" "$tmp" > "$tmp/out" 2>&1; then
    echo "FAIL: the checker accepted core -> backend"; cat "$tmp/out"; exit 1
fi
grep -q 'src/core/bad.c:1: includes "backend/x.h"' "$tmp/out" || { echo "FAIL: wrong report"; cat "$tmp/out"; exit 1; }
# and accepts the same include from a layer allowed to make it
mkdir -p "$tmp/src/io" && mv "$tmp/src/core/bad.c" "$tmp/src/io/ok.c"
sh "$root/tools/check-layers.sh" "$tmp" || { echo "FAIL: rejected io -> backend"; exit 1; }
echo "ok: the checker rejects a wrong include"
