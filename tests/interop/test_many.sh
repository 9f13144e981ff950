#!/bin/bash
# weft-test: timeout=180 serial
# 5,000 concurrent keep-alive connections, 3 checked requests each, from a
# client in another process (http_peer_client many); both raise their fd
# limit to the hard limit (the server needs 5,001 descriptors and more).
. "$(dirname "$0")/lib.sh"
[ "$(ulimit -Hn)" = unlimited ] || [ "$(ulimit -Hn)" -ge 10100 ] ||
    skip "fd hard limit $(ulimit -Hn) is below 10,100"
start_server --max-conns 6000
t0=$(now_ms)
"$CLIENT" many "$PORT" 5000 || die "5,000 connections check failed"
echo "many: $(($(now_ms) - t0)) ms"
stop_server TERM 10
echo "many: ok ($WEFT_BACKEND)"
