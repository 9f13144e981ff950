#!/usr/bin/env bash
# TCP echo benchmark: weft's examples/echo_server (io_uring and epoll
# backends) against asyncio (streams and protocol), uvloop (protocol), Go
# (GOMAXPROCS=1) and Node, same load generator, same run: the peers'
# echo_client (../shared/bench/peers/echo_client.c, the method of
# echo_bench.sh): 64 connections, each sending one message and waiting for
# its whole echo before the next; 1 KiB and 64 KiB messages; 1 s warm-up,
# then DUR (5) s measured; server on CPU 0, client on CPU 1; runs of all
# servers interleaved.
#
# The client's core saturates near 90k msg/s here, so besides msgs/s the
# table gives the server's CPU time per message: the sum of the run time
# of all its threads (/proc/PID/task/*/schedstat, which counts kernel time
# and is not tick-based) over the measured window, divided by the messages
# echoed in it.
#
#   bash bench/run_echo.sh [SERVER...]
#     servers: weft-io_uring weft-epoll asyncio-streams asyncio-protocol
#              uvloop-protocol go node   (default: all)
#   env: RUNS (3), DUR (5), CONNS (64), SIZES ("1024 65536"), BASE_PORT (18190)
#   BASE_BUILD=DIR: servers base-io_uring / base-epoll are that build's
#   echo_server (a before/after in one run, e.g. SERVERS: weft-io_uring base-io_uring)
#
# Without ../shared/bench/peers: says so, measures weft only, with
# bench/echo_load (a weft client of the same closed-loop shape).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DUR=${DUR:-5}
CONNS=${CONNS:-64}
SIZES=${SIZES:-"1024 65536"}
PORT=${BASE_PORT:-18190}
ALL="weft-io_uring weft-epoll asyncio-streams asyncio-protocol uvloop-protocol go node"
SERVERS=${*:-$ALL}
SERVER_BIN=$BUILD/examples/echo_server
[ -x "$SERVER_BIN" ] || { echo "build first (make)" >&2; exit 1; }
ulimit -n 65536 2>/dev/null || true

peer_ok=0
if have_peers; then
  peer_ok=1
  need_pkgs python3-uvloop golang-go nodejs >/dev/null || true
  cc -O2 -o "$WORK/echo_client" "$PEERS/echo_client.c"
  CLIENT=("$WORK/echo_client")
else
  SERVERS=$(tr ' ' '\n' <<< "$SERVERS" | grep -E '^(weft|base)-' | tr '\n' ' ')
  [ -x "$BUILD/bench/echo_load" ] || { echo "build first (make)" >&2; exit 1; }
  CLIENT=("$BUILD/bench/echo_load")
fi

SERVER_PID=
start() { # name
  local name=$1
  case $name in
  base-*) WEFT_BACKEND=${name#base-} taskset -c "$SERVER_CPU" "$BASE_BUILD/examples/echo_server" "$PORT" \
            127.0.0.1 > "$WORK/$name.log" 2>&1 & ;;
  weft-*) WEFT_BACKEND=${name#weft-} taskset -c "$SERVER_CPU" "$SERVER_BIN" "$PORT" 127.0.0.1 \
            > "$WORK/$name.log" 2>&1 & ;;
  asyncio-*|uvloop-*) taskset -c "$SERVER_CPU" "$PY" "$PEERS/servers/echo_asyncio.py" "${name%-*}" \
            "${name#*-}" "$PORT" > "$WORK/$name.log" 2>&1 & ;;
  go)
    [ -x "$WORK/echo_go" ] || (cd "$PEERS/servers" && GOFLAGS= GOCACHE="$WORK/gocache" \
                                 go build -o "$WORK/echo_go" echo_go.go) >&2 || return 1
    GOMAXPROCS=1 taskset -c "$SERVER_CPU" "$WORK/echo_go" "$PORT" > "$WORK/$name.log" 2>&1 & ;;
  node) taskset -c "$SERVER_CPU" node "$PEERS/servers/echo_node.js" "$PORT" > "$WORK/$name.log" 2>&1 & ;;
  *) echo "unknown server $name" >&2; return 1 ;;
  esac
  SERVER_PID=$!
  wait_port "$PORT" "$name" "$WORK/$name.log"
}

stop() {
  [ -n "$SERVER_PID" ] || return 0
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  local i
  for ((i = 0; i < 100; i++)); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.05; done
  kill -KILL "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=
}
trap 'stop; rm -rf "$WORK"' EXIT

# one run: prints "msgs_per_s mib_per_s cpu_us_per_msg"
one_run() { # size
  local size=$1 out c0 c1 msgs
  taskset -c "$CLIENT_CPU" "${CLIENT[@]}" -p "$PORT" -c "$CONNS" -s "$size" -d "$DUR" -w 1 \
    > "$WORK/client.out" 2>&1 &
  local cpid=$!
  sleep 1                        # the client's warm-up
  c0=$(cpu_ns "$SERVER_PID")
  wait "$cpid" || { echo "0 0 nan"; return; }
  c1=$(cpu_ns "$SERVER_PID")
  out=$(cat "$WORK/client.out")
  msgs=$(sed -n 's/.*msgs=\([0-9]*\).*/\1/p' <<< "$out")
  awk -v o="$out" -v m="$msgs" -v c="$((c1 - c0))" 'BEGIN{
    split(o, f, " "); for (i in f) { split(f[i], kv, "="); v[kv[1]] = kv[2] }
    printf "%s %s %.2f\n", v["msgs_per_s"], v["mib_per_s"], (m > 0 ? c / m / 1000 : "nan") }'
}

echo "# TCP echo, $(date -u +%F), $(nproc) CPUs ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)), kernel $(uname -r)"
echo "# $CONNS connections, ${DUR} s measured after 1 s warm-up, median of $RUNS; server on CPU $SERVER_CPU, client on CPU $CLIENT_CPU"
((peer_ok)) || say_no_peers
echo
# The runs are interleaved (run 1 of every server, then run 2 ...), each
# server started afresh for each one: load from elsewhere on the machine
# then spreads over all servers instead of skewing whichever ran last.
declare -A M B C MPS MIB CPU
for ((r = 0; r < RUNS; r++)); do
  for size in $SIZES; do
    for s in $SERVERS; do
      if ! start "$s"; then stop; M[$s.$size]+=" 0"; B[$s.$size]+=" 0"; C[$s.$size]+=" nan"; continue; fi
      read -r x y z < <(one_run "$size")
      stop
      M[$s.$size]+=" $x"; B[$s.$size]+=" $y"; C[$s.$size]+=" $z"
      echo "run $((r + 1)) $s $size: $x msg/s, $z us/msg" >&2
    done
  done
done
echo "| server | msg bytes | msgs/s | min-max | MiB/s | server CPU us/msg | min-max |"
echo "|---|---|---|---|---|---|---|"
for s in $SERVERS; do
  for size in $SIZES; do
    read -ra m <<< "${M[$s.$size]}"; read -ra b <<< "${B[$s.$size]}"; read -ra c <<< "${C[$s.$size]}"
    MPS[$s.$size]=$(median "${m[@]}"); MIB[$s.$size]=$(median "${b[@]}"); CPU[$s.$size]=$(median "${c[@]}")
    printf '| %s | %s | %.0f | %s | %.1f | %.2f | %s |\n' "$s" "$size" "${MPS[$s.$size]}" \
      "$(minmax %.0f "${m[@]}")" "${MIB[$s.$size]}" "${CPU[$s.$size]}" "$(minmax %.2f "${c[@]}")"
  done
done

# ratios against the peers and the targets of issue 6
has() { [[ " $SERVERS " == *" $1 "* ]]; }
echo
echo "| msg bytes | weft backend | vs | msgs/s ratio | CPU/msg ratio (weft/peer) |"
echo "|---|---|---|---|---|"
for size in $SIZES; do
  for be in weft-io_uring weft-epoll; do
    has "$be" || continue
    for p in base-${be#weft-} uvloop-protocol go asyncio-protocol asyncio-streams node weft-epoll; do
      has "$p" && [ "$p" != "$be" ] || continue
      echo "| $size | ${be#weft-} | $p | $(ratio "${MPS[$be.$size]}" "${MPS[$p.$size]}") | $(ratio "${CPU[$be.$size]}" "${CPU[$p.$size]}") |"
    done
  done
done
if has weft-io_uring && has uvloop-protocol && has go; then
  k=1024; w=weft-io_uring
  echo
  echo "Targets (1 KiB: CPU/msg <= 0.5x uvloop-protocol and <= 0.75x Go, msgs/s >= both; 64 KiB: MiB/s >= Go; io_uring not slower than epoll):"
  echo "- 1 KiB CPU/msg vs uvloop-protocol: $(ratio "${CPU[$w.$k]}" "${CPU[uvloop-protocol.$k]}") (target <= 0.50)"
  echo "- 1 KiB CPU/msg vs Go: $(ratio "${CPU[$w.$k]}" "${CPU[go.$k]}") (target <= 0.75)"
  echo "- 1 KiB msgs/s vs uvloop-protocol / Go: $(ratio "${MPS[$w.$k]}" "${MPS[uvloop-protocol.$k]}") / $(ratio "${MPS[$w.$k]}" "${MPS[go.$k]}") (target >= 1)"
  [[ " $SIZES " == *" 65536 "* ]] &&
    echo "- 64 KiB MiB/s vs Go: $(ratio "${MIB[$w.65536]}" "${MIB[go.65536]}") (target >= 1)"
  has weft-epoll && echo "- io_uring vs epoll msgs/s, 1 KiB: $(ratio "${MPS[$w.$k]}" "${MPS[weft-epoll.$k]}") (target >= 1)"
fi
