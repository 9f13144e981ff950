#!/bin/sh
# Smoke test of examples/echo_server: start it on a free loopback port,
# round-trip data through it with bash's /dev/tcp (a small line, then
# 256 KiB of random bytes), stop it by PID with SIGTERM and check that it
# shut down cleanly (exit status 0).
# usage: echo_server.sh PATH_TO_ECHO_SERVER
set -u
server=$1
tmp=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
"$server" 0 127.0.0.1 >"$tmp/out" 2>&1 &
pid=$!
port=""
for _ in $(seq 100); do
    port=$(sed -n 's/^Serving on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/out")
    [ -n "$port" ] && break
    sleep 0.05
done
[ -n "$port" ] || { echo "server did not start"; cat "$tmp/out"; exit 1; }
head -c 262144 /dev/urandom >"$tmp/data"
bash -c '
exec 3<>/dev/tcp/127.0.0.1/$1 || exit 1
printf "hello weft\n" >&3
IFS= read -r line <&3
[ "$line" = "hello weft" ] || { echo "line echo: [$line]"; exit 1; }
exec 3<&-
exec 4<>/dev/tcp/127.0.0.1/$1 || exit 1
{ cat "$2" >&4; } &
head -c 262144 <&4 >"$3"
wait
' sh "$port" "$tmp/data" "$tmp/back" || { echo "round trip failed"; exit 1; }
cmp "$tmp/data" "$tmp/back" || { echo "echoed bytes differ"; exit 1; }
kill -TERM "$pid"
wait "$pid"
st=$?
[ "$st" -eq 0 ] || { echo "server exit status $st"; cat "$tmp/out"; exit 1; }
echo "echo_server: round trips ok on port $port"
