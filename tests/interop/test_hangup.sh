#!/bin/bash
# weft-test: timeout=60
# A client that hangs up cancels its handler: curl waits on GET /hold and
# is killed; the handler's wait must then return -ECANCELED so its cleanup
# runs (GET /stats?cancelled=1 waits server-side, on an event, for the
# count to move) and the server goes on serving.
. "$(dirname "$0")/lib.sh"
need curl
start_server
base=http://127.0.0.1:$PORT
c=(curl -sS --http1.1 --max-time 30)

"${c[@]}" -o /dev/null "$base/hold" 2>/dev/null &
cpid=$!
EXTRA_PIDS+=("$cpid")
out=$("${c[@]}" -w ' %{http_code}' "$base/stats?started=1&timeout_ms=10000") || die "stats failed"
[ "$out" = "hold_started=1 hold_cancelled=0 hold_other=0 slow_started=0 conns=2
 200" ] || die "while held: '$out'"
kill -TERM "$cpid"
wait "$cpid" # curl ends on the signal
EXTRA_PIDS=()
out=$("${c[@]}" -w ' %{http_code}' "$base/stats?cancelled=1&timeout_ms=10000") || die "stats failed"
case $out in
"hold_started=1 hold_cancelled=1 hold_other=0 slow_started=0 conns="*" 200") ;;
*) die "after the hang-up: '$out' (want the handler's wait cancelled)" ;;
esac
[ "$("${c[@]}" "$base/plaintext")" = "Hello, World!" ] || die "not serving after the hang-up"
stop_server TERM 10
echo "hangup: the handler was cancelled and its cleanup ran ($WEFT_BACKEND)"
