#!/bin/sh
# Smoke test of examples/echo_client against examples/echo_server (built
# beside it): the server starts on a free loopback port, the client
# round-trips 1,000 x 1 KiB and 20 x 1 MiB through "localhost" (its IPv6
# address is refused, so Happy Eyeballs falls through to 127.0.0.1), then
# the server is stopped by PID.
# usage: echo_client.sh PATH_TO_ECHO_CLIENT
set -u
client=$1
server=$(dirname "$client")/echo_server
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
"$client" "$port" localhost 1000 1024 || exit 1
"$client" "$port" 127.0.0.1 20 1048576 || exit 1
kill -TERM "$pid"
wait "$pid" || { echo "server exit status $?"; exit 1; }
