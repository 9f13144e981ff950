#!/bin/bash
# weft-test: timeout=90
# curl against http_peer_server: keep-alive reuse (two URLs, one
# connection), a chunked upload checked by SHA-256, Expect: 100-continue
# (answered at once: no waiting out curl's 10 s expect timeout), and SSE
# with curl -N (exactly N events, each with its data: line, then the end).
. "$(dirname "$0")/lib.sh"
need curl
need sha256sum
start_server --max-body 67108864
base=http://127.0.0.1:$PORT
c=(curl -sS --http1.1 --max-time 30)

# 1. keep-alive: the second transfer reuses the first one's connection
out=$("${c[@]}" -v -o "$tmp/a1" -o "$tmp/a2" -w '%{http_code}:%{num_connects} ' \
    "$base/plaintext" "$base/plaintext?again" 2>"$tmp/ka.v") || die "curl keep-alive failed"
[ "$out" = "200:1 200:0 " ] || die "keep-alive: http_code:num_connects = '$out' (want '200:1 200:0 ')"
grep -q "Re-using existing connection" "$tmp/ka.v" || die "curl did not reuse the connection"
[ "$(cat "$tmp/a1")" = "Hello, World!" ] && [ "$(cat "$tmp/a2")" = "Hello, World!" ] ||
    die "keep-alive bodies: '$(cat "$tmp/a1")' '$(cat "$tmp/a2")'"
echo "keep-alive: 2 requests, 1 connection"

# 1b. a request that ends the connection gets its answer at once
out=$("${c[@]}" -H 'Connection: close' -w ' %{http_code} %{time_total}' "$base/plaintext") ||
    die "curl with Connection: close failed (exit $?)"
set -- $out
[ "$1 $2 $3" = "Hello, World! 200" ] || die "Connection: close: '$out'"
awk -v t="$4" 'BEGIN { exit !(t < 2) }' || die "Connection: close: answered after $4 s"
out=$("${c[@]}" --http1.0 -w ' %{http_code}' "$base/plaintext") || die "curl --http1.0 failed (exit $?)"
[ "$out" = "Hello, World! 200" ] || die "HTTP/1.0: '$out'"

# 2. chunked upload, 3 MB, to /sha and to /upload
head -c 3000000 /dev/urandom >"$tmp/up.bin"
want=$(sha256sum <"$tmp/up.bin" | cut -d' ' -f1)
got=$("${c[@]}" -v -H 'Transfer-Encoding: chunked' --data-binary @"$tmp/up.bin" \
    "$base/sha" 2>"$tmp/ch.v") || die "curl chunked upload failed"
grep -qi '^> Transfer-Encoding: chunked' "$tmp/ch.v" || die "curl did not send a chunked body"
[ "$got" = "$want" ] || die "chunked /sha: got '$got', want '$want'"
got=$("${c[@]}" -H 'Transfer-Encoding: chunked' --data-binary @"$tmp/up.bin" "$base/upload") ||
    die "curl chunked /upload failed"
[ "$got" = "3000000 $want" ] || die "chunked /upload: got '$got'"
echo "chunked upload: 3000000 bytes, sha256 $want"

# 3. Expect: 100-continue: the server must answer 100 when the handler
# starts reading, so curl sends the body at once instead of waiting 10 s
head -c 200000 /dev/urandom >"$tmp/exp.bin"
want=$(sha256sum <"$tmp/exp.bin" | cut -d' ' -f1)
out=$("${c[@]}" -v --expect100-timeout 10 -H 'Expect: 100-continue' \
    --data-binary @"$tmp/exp.bin" -w '\n%{time_total}' "$base/upload" 2>"$tmp/exp.v") ||
    die "curl Expect upload failed"
grep -qi '^> Expect: 100-continue' "$tmp/exp.v" || die "curl did not send Expect"
grep -q '^< HTTP/1.1 100 Continue' "$tmp/exp.v" || die "no 100 Continue from the server"
body=$(printf '%s\n' "$out" | head -n 1)
t=$(printf '%s\n' "$out" | tail -n 1)
[ "$body" = "200000 $want" ] || die "Expect upload: got '$body'"
awk -v t="$t" 'BEGIN { exit !(t < 5) }' || die "Expect upload took $t s (100 Continue late?)"
echo "expect 100-continue: body arrived, ${t}s"

# 4. SSE: exactly 5 events with their data, then the stream ends cleanly
"${c[@]}" -N -D "$tmp/sse.h" "$base/sse?count=5" >"$tmp/sse.out" || die "curl SSE failed (exit $?)"
grep -qi '^content-type: text/event-stream' "$tmp/sse.h" || die "SSE content type: $(cat "$tmp/sse.h")"
n=$(awk 'BEGIN { RS = "" } { n++ } END { print n + 0 }' "$tmp/sse.out")
[ "$n" = 5 ] || die "SSE: $n events, want 5: $(cat "$tmp/sse.out")"
for i in 1 2 3 4 5; do
    grep -qx "data: event $i of 5" "$tmp/sse.out" || die "SSE: no 'data: event $i of 5'"
done
[ "$(grep -c '^data: ' "$tmp/sse.out")" = 5 ] || die "SSE: data lines: $(cat "$tmp/sse.out")"
echo "sse: 5 events"

stop_server INT 10 # SIGINT: graceful shutdown, exit 0
echo "curl: ok on port $PORT ($WEFT_BACKEND)"
