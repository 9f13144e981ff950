#!/bin/bash
# weft-test: timeout=60
# A client that asks for a 16 MiB body and stops reading is disconnected
# after the send timeout (300 ms) and the server goes on serving others
# (http_peer_client stopread).
. "$(dirname "$0")/lib.sh"
start_server --send-timeout-ms 300
"$CLIENT" stopread "$PORT" 300 || die "stop-reading check failed"
stop_server TERM 10
echo "stopread: ok ($WEFT_BACKEND)"
