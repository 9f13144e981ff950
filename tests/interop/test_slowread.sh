#!/bin/bash
# weft-test: timeout=60
# A client that reads slowly but never stops (16 KiB every 2 ms, a 32 MiB
# body, send timeout 1 s) must get the whole body: streamed (GET /bytes)
# and whole (GET /big) alike (http_peer_client slowread).
#
# The send timeout bounds a stall, not the transfer: each period in which
# the client took something starts a new one (weft__http_flush in
# src/http/response.c); a regression test for the bug where whole bodies
# were cut off after about two send timeouts although the client kept
# reading.
. "$(dirname "$0")/lib.sh"
start_server --send-timeout-ms 1000
"$CLIENT" slowread "$PORT" 1000 || die "slow-reader check failed"
stop_server TERM 10
echo "slowread: ok ($WEFT_BACKEND)"
