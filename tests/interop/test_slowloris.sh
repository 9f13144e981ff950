#!/bin/bash
# weft-test: timeout=60
# Slowloris: a head sent one byte at a time, slower than the header
# timeout (300 ms) allows, is answered 408 or closed within the timeout
# plus a margin, while a normal client is served (http_peer_client slowloris).
. "$(dirname "$0")/lib.sh"
start_server --header-timeout-ms 300
"$CLIENT" slowloris "$PORT" 300 || die "slowloris check failed"
stop_server TERM 10
echo "slowloris: ok ($WEFT_BACKEND)"
