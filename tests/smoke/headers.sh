#!/bin/sh
# The public headers must compile in a strict program: <weft.h> and each
# header under weft/ on its own, with -std=c17 -D_POSIX_C_SOURCE=200809L
# -pedantic and in the default GNU dialect, warning-free; strict -std=c17
# without a POSIX feature macro must stop at weft's own #error (not at an
# obscure "unknown type name"); and <weft.h> must compile as C++17
# (extern "C") under g++ and clang++ where they are installed.
# usage: headers.sh CC INCLUDE_DIR
set -u
cc=$1 inc=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
warn="-Wall -Wextra -Werror"
status=0
fail() { echo "FAIL: $*"; status=1; }

cat >"$tmp/all.c" <<'C'
#include <weft.h>
int main(void)
{
    weft_options o = WEFT_OPTIONS_INIT;
    weft_lock l = WEFT_LOCK_INIT;
    int (*run)(weft_fn, void *) = weft_run;
    (void)l;
    (void)run;
    return o.debug + (int)WEFT_MS(0);
}
C
for h in "$inc"/weft/*.h; do
    printf '#include <weft/%s>\n#include <weft/%s>\nint weft_test_dummy;\n' \
        "$(basename "$h")" "$(basename "$h")" >"$tmp/h_$(basename "$h" .h).c"
done

for std in "-std=c17 -D_POSIX_C_SOURCE=200809L" "-std=gnu17"; do
    for f in "$tmp"/all.c "$tmp"/h_*.c; do
        $cc $std $warn -pedantic -fsyntax-only -I"$inc" "$f" >"$tmp/log" 2>&1 ||
            { fail "$cc $std -pedantic: $(head -1 "$f")"; cat "$tmp/log"; }
    done
done

if $cc -std=c17 $warn -fsyntax-only -I"$inc" "$tmp/all.c" >"$tmp/log" 2>&1; then
    echo "ok: strict -std=c17 without a feature macro compiles (sigset_t visible)"
else
    grep -q 'weft requires POSIX.1-2008' "$tmp/log" ||
        { fail "strict -std=c17 fails without weft's #error first"; cat "$tmp/log"; }
    first=$(grep -m1 'error' "$tmp/log")
    case $first in
    *"weft requires POSIX.1-2008"*) ;;
    *) fail "the first error under strict -std=c17 is not weft's: $first" ;;
    esac
fi

cp "$tmp/all.c" "$tmp/all.cpp"
ncxx=0
for cxx in g++ clang++; do
    command -v $cxx >/dev/null 2>&1 || continue
    ncxx=$((ncxx + 1))
    $cxx -std=c++17 $warn -fsyntax-only -I"$inc" "$tmp/all.cpp" >"$tmp/log" 2>&1 ||
        { fail "$cxx -std=c++17"; cat "$tmp/log"; }
done
[ "$ncxx" -gt 0 ] || echo "note: no C++ compiler (g++, clang++) installed: C++ check not run"

[ "$status" -eq 0 ] && echo "ok: the public headers compile strictly (C17, POSIX.1-2008, $ncxx C++ compiler(s))"
exit $status
