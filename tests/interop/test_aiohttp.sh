#!/bin/bash
# weft-test: timeout=120
# aiohttp's client against http_peer_server: 100 concurrent uploads
# (POST /upload, each answer "LEN SHA256" checked) and a 2 MB chunked
# download checked against its X-SHA256 header. The checker lives in the
# shared conformance folder: WEFT_SHARED_DIR, else ../shared beside the
# repository.
. "$(dirname "$0")/lib.sh"
shared=${WEFT_SHARED_DIR:-$SRC/../shared}
check=$shared/conformance/interop/http_client_aiohttp_check.py
[ -f "$check" ] || skip "no $check (set WEFT_SHARED_DIR)"
[ -x /usr/bin/python3 ] || skip "no /usr/bin/python3"
/usr/bin/python3 -c 'import aiohttp' 2>/dev/null || skip "/usr/bin/python3 has no aiohttp (python3-aiohttp)"
start_server --max-body 67108864
timeout -k 5 90 /usr/bin/python3 "$check" "http://127.0.0.1:$PORT" 100 >"$tmp/py.out" 2>&1
st=$?
cat "$tmp/py.out"
[ "$st" = 124 ] && die "the aiohttp client did not finish within 90 s"
[ "$st" = 0 ] || die "the aiohttp client failed (exit $st)"
grep -q "100 concurrent uploads + 2 MB chunked download verified" "$tmp/py.out" ||
    die "unexpected aiohttp client output"
stop_server TERM 10
echo "aiohttp: ok ($WEFT_BACKEND)"
