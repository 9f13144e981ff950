#!/usr/bin/env bash
# Heap allocations per request on weft serve's plaintext and json paths:
# runs the server under valgrind (memcheck's heap summary counts every
# malloc), sends N and then 2N requests on one keep-alive connection
# (curl with a config file of URLs), and prints (allocs(2N) - allocs(N)) / N
# per path. Connection set-up costs cancel out; what is left is per request.
# (The epoll backend: valgrind does not follow io_uring; the HTTP code is
# the same on both.)
#   bash bench/http_allocs.sh [N]          (default 2000)
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
N=${1:-2000}
WEFT=${BUILD:-build}/tools/weft/weft
[ -x "$WEFT" ] || { echo "build first (make)" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "valgrind is not installed" >&2; exit 1; }
WORK=$(mktemp -d); trap 'rm -rf "$WORK"' EXIT
PORT=${PORT:-18290}

allocs() { # path count -> total allocs of the server run
  local path=$1 n=$2
  WEFT_BACKEND=epoll valgrind --tool=memcheck --leak-check=no --log-file="$WORK/vg.txt" \
    "$WEFT" serve --port "$PORT" >/dev/null 2>&1 & local pid=$!
  for _ in $(seq 200); do curl -s -o /dev/null "http://127.0.0.1:$PORT/plaintext" && break; sleep 0.1; done
  : > "$WORK/urls"
  for ((i = 0; i < n; i++)); do echo "url = \"http://127.0.0.1:$PORT$path\"" >> "$WORK/urls"; echo 'output = "/dev/null"' >> "$WORK/urls"; done
  curl -s -K "$WORK/urls"
  kill -INT $pid; wait $pid 2>/dev/null
  sed -n 's/.*total heap usage: \([0-9,]*\) allocs.*/\1/p' "$WORK/vg.txt" | tr -d ,
}

echo "| path | allocs with $N requests | with $((2 * N)) | allocs per request |"
echo "|---|---|---|---|"
for p in /plaintext /json; do
  a=$(allocs $p $N); b=$(allocs $p $((2 * N)))
  echo "| $p | $a | $b | $(awk -v a="$a" -v b="$b" -v n="$N" 'BEGIN{printf "%.3f", (b-a)/n}') |"
done
