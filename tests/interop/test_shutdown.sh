#!/bin/bash
# weft-test: timeout=60
# Graceful shutdown (SIGTERM) with requests in progress:
#  1. grace 5 s, GET /slow?ms=1000 under way: new connections are refused,
#     the slow request still gets its 200 (with Connection: close, as
#     weft_http_server_shutdown promises), and the server exits 0 as soon
#     as it is done, not after the grace or a send timeout.
#  2. grace 300 ms, GET /hold under way: the grace runs out, the handler is
#     cancelled, and the server exits 0 promptly; the held request never
#     gets a 200.
. "$(dirname "$0")/lib.sh"
need curl
c=(curl -sS --http1.1 --max-time 10)

start_server --grace-ms 5000
base=http://127.0.0.1:$PORT
"${c[@]}" -D "$tmp/slow.h" -o "$tmp/slow.b" -w '%{http_code}' "$base/slow?ms=1000" \
    >"$tmp/slow.code" 2>"$tmp/slow.err" &
cpid=$!
EXTRA_PIDS+=("$cpid")
out=$("${c[@]}" "$base/stats?slow=1&timeout_ms=10000") || die "stats failed"
case $out in *slow_started=1*) ;; *) die "slow request not started: '$out'" ;; esac
t0=$(now_ms)
kill -TERM "$SRV_PID"
# the listener closes at once: a new connection is refused (bounded retries:
# the signal is handled asynchronously)
refused=0
for _ in $(seq 50); do
    "${c[@]}" -o /dev/null "$base/plaintext" 2>/dev/null
    [ $? = 7 ] && { refused=1; break; }
done
[ "$refused" = 1 ] || die "new connections still accepted after SIGTERM"
wait "$cpid" # bounded by curl's --max-time
st=$?
EXTRA_PIDS=()
[ "$st" = 0 ] || die "the slow request failed: curl exit $st: $(cat "$tmp/slow.err")"
[ "$(cat "$tmp/slow.code")" = 200 ] && [ "$(cat "$tmp/slow.b")" = "slept 1000" ] ||
    die "slow request: $(cat "$tmp/slow.code") '$(cat "$tmp/slow.b")'"
grep -qi '^connection: close' "$tmp/slow.h" ||
    die "the response finished during shutdown has no Connection: close: $(cat "$tmp/slow.h")"
server_exit 10 || die "server did not exit"
ms=$(($(now_ms) - t0))
[ "$WAIT_ST" = 0 ] || die "server exit status $WAIT_ST"
[ "$ms" -lt 3000 ] || die "shutdown took $ms ms with a 1 s request in progress (grace 5 s)"
grep -q 'every request finished' "$tmp/srv.err" || die "server: $(cat "$tmp/srv.err")"
echo "shutdown: the request in progress finished (200, Connection: close); exit 0 after $ms ms"

start_server --grace-ms 300
base=http://127.0.0.1:$PORT
"${c[@]}" -o "$tmp/hold.b" -w '%{http_code}' "$base/hold" >"$tmp/hold.code" 2>/dev/null &
cpid=$!
EXTRA_PIDS+=("$cpid")
out=$("${c[@]}" "$base/stats?started=1&timeout_ms=10000") || die "stats failed"
case $out in hold_started=1\ *) ;; *) die "hold not started: '$out'" ;; esac
t0=$(now_ms)
stop_server TERM 10
ms=$(($(now_ms) - t0))
[ "$ms" -lt 3000 ] || die "shutdown with a held request took $ms ms (grace 300 ms)"
grep -q 'grace expired' "$tmp/srv.err" || die "server: $(cat "$tmp/srv.err")"
wait "$cpid" # bounded by curl's --max-time
EXTRA_PIDS=()
[ "$(cat "$tmp/hold.code")" != 200 ] || die "the held request got a 200 at shutdown"
echo "shutdown: ok, a held request cancelled after the grace, exit 0 after $ms ms ($WEFT_BACKEND)"
