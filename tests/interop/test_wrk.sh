#!/bin/bash
# weft-test: timeout=60 serial
# wrk -t1 -c8 -d2s against /plaintext: some requests, no socket errors, no
# non-2xx answers (a correctness check under load, not a benchmark).
. "$(dirname "$0")/lib.sh"
need wrk
start_server
timeout -k 5 30 wrk -t1 -c8 -d2s --timeout 5s "http://127.0.0.1:$PORT/plaintext" >"$tmp/wrk.out" 2>&1
st=$?
cat "$tmp/wrk.out"
[ "$st" = 0 ] || die "wrk exit status $st"
n=$(sed -n 's/^ *\([0-9][0-9]*\) requests in .*/\1/p' "$tmp/wrk.out")
[ -n "$n" ] && [ "$n" -gt 0 ] || die "no requests counted"
if grep -q 'Non-2xx or 3xx responses' "$tmp/wrk.out"; then
    die "non-2xx responses: $(grep 'Non-2xx' "$tmp/wrk.out")"
fi
if grep -q 'Socket errors' "$tmp/wrk.out"; then
    grep -q 'Socket errors: connect 0, read 0, write 0, timeout 0' "$tmp/wrk.out" ||
        die "$(grep 'Socket errors' "$tmp/wrk.out")"
fi
stop_server TERM 10
echo "wrk: $n requests, all 2xx, no socket errors ($WEFT_BACKEND)"
