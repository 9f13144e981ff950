#!/bin/bash
# weft-test: timeout=60
# A client that reads slowly but never stops (16 KiB every 2 ms, a 32 MiB
# body, send timeout 1 s) must get the whole body: streamed (GET /bytes)
# and whole (GET /big) alike (http_peer_client slowread).
#
# KNOWN BUG, so skipped unless WEFT_TEST_KNOWN_BUGS=1: a whole response's
# send timeout is a deadline for the entire flush (serve_one ->
# weft__http_flush in src/http/conn.c and response.c), not for a stall, and
# the close flushes again under a second one: the /big transfer is cut off
# after about two send timeouts although the client keeps reading. (The
# streamed body, whose every write gets its own deadline, arrives whole.)
. "$(dirname "$0")/lib.sh"
[ "${WEFT_TEST_KNOWN_BUGS:-0}" = 1 ] ||
    skip "known bug: whole bodies cut off after 2 send timeouts (WEFT_TEST_KNOWN_BUGS=1 runs it)"
start_server --send-timeout-ms 1000
"$CLIENT" slowread "$PORT" 1000 || die "slow-reader check failed"
stop_server TERM 10
echo "slowread: ok ($WEFT_BACKEND)"
