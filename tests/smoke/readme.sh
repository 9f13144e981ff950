#!/bin/sh
# The C program in README.md must stay short, compile warning-free the way
# the README tells a user to build it (cc -Wall -Wextra -Werror, the
# compiler's default dialect) and run: this extracts the README's first
# ```c block, compiles it against the built library and runs it.
# usage: readme.sh README.md CC INCLUDE_DIR [compiler and linker arguments...]
set -u
readme=$1 cc=$2 inc=$3
shift 3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
awk '/^```c$/ { on = 1; next } on && /^```$/ { exit } on { print }' "$readme" >"$tmp/readme.c"
[ -s "$tmp/readme.c" ] || { echo "FAIL: no \`\`\`c block in $readme"; exit 1; }
lines=$(grep -c . "$tmp/readme.c")
[ "$lines" -le 16 ] || { echo "FAIL: README's program has $lines non-blank lines (keep it to about 15)"; exit 1; }
"$cc" -Wall -Wextra -Werror -I"$inc" -o "$tmp/readme" "$tmp/readme.c" "$@" ||
    { echo "FAIL: README's program does not compile cleanly"; cat -n "$tmp/readme.c"; exit 1; }
"$tmp/readme" >"$tmp/out" 2>&1
st=$?
cat "$tmp/out"
[ "$st" -eq 0 ] || { echo "FAIL: README's program exited with status $st"; exit 1; }
grep -q '^0 failed, [0-9.]* ms$' "$tmp/out" || { echo "FAIL: unexpected output"; exit 1; }
echo "ok: README's program ($lines lines) compiles cleanly and runs"
