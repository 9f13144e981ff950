#!/usr/bin/env bash
# HTTP/1.1 server benchmark: `weft serve` (tools/weft) on each backend
# (weft-io_uring, weft-epoll: WEFT_BACKEND) against the peers of
# ../shared/bench/peers, with the method of its http_bench.sh: nginx (1
# worker, return 200), h2o (1 thread, file.file), aiohttp on asyncio and on
# uvloop, Go net/http (GOMAXPROCS=1), Node (http, one process).
#
#   plaintext  weft GET /plaintext, peers GET /: 'Hello, World!' text/plain
#   pipeline   the same, PIPELINE (16) requests per write (pipeline.lua)
#   json       GET /json: {"message":"Hello, World!"} application/json
#              (nginx and h2o have none)
#
# Load: wrk -t1 --latency, -c64 and -c256 (-c64 pipelined); 1 s warm-up,
# then DUR (5) s measured; server on CPU 0, wrk on CPU 1, all on 127.0.0.1.
# Each run starts the server afresh and checks its response with curl (body
# and Content-Type) before loading it; the runs of all servers are
# interleaved (run 1 of every server and bench, then run 2 ...): load from
# elsewhere then spreads over all servers instead of skewing the last one.
#
# wrk's core is the limit for the fast servers here, so besides req/s and
# p99 the tables give the server's CPU time per request: the run time of all
# threads of the server and of its child processes (nginx's worker) from
# /proc/PID/task/*/schedstat (kernel time included; utime/stime are
# tick-based and undercount), read right before and right after the measured
# window, divided by the requests wrk completed in it.
#
#   bash bench/run_http.sh
#   BASE_BUILD=DIR: servers base-io_uring / base-epoll are that build's
#   `weft serve` (a before/after in one run)
#   env: SERVERS ("weft-io_uring weft-epoll nginx h2o aiohttp-asyncio
#        aiohttp-uvloop go node"), BENCHES ("plaintext json pipeline"),
#        CONNS ("64 256"), PIPE_CONNS (64), PIPELINE (16), DUR (5), RUNS (3),
#        BASE_PORT (18180)
#
# A server that cannot run (weft without `serve` or not built, a package
# the mirror lacks) is reported as "not run"; the others are measured.
# Without ../shared/bench/peers: says so, measures weft only.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DUR=${DUR:-5}
CONNS=${CONNS:-"64 256"}
PIPE_CONNS=${PIPE_CONNS:-64}
export PIPELINE=${PIPELINE:-16}
BENCHES=${BENCHES:-"plaintext json pipeline"}
PORT=${BASE_PORT:-18180}
SERVERS=${SERVERS:-"weft-io_uring weft-epoll nginx h2o aiohttp-asyncio aiohttp-uvloop go node"}
WEFT=$BUILD/tools/weft/weft
HELLO='Hello, World!'
JSON='{"message":"Hello, World!"}'
ulimit -n 65536 2>/dev/null || true
chmod 755 "$WORK"               # h2o's worker runs as nobody and reads a file in it
need_pkgs wrk curl || { echo "bench: wrk and curl are needed" >&2; exit 1; }

declare -A WHY                  # server -> why it is not run
peer_ok=0
if have_peers; then
  peer_ok=1; LUA=$PEERS/pipeline.lua
else                            # weft only; the same wrk script as the peers'
  for s in $SERVERS; do [[ $s == weft-* || $s == base-* ]] || WHY[$s]="no ../shared/bench/peers"; done
  LUA=$WORK/pipeline.lua
  cat > "$LUA" <<'EOF'
local depth = tonumber(os.getenv("PIPELINE") or "16")
init = function(args) local r = {} for i = 1, depth do r[i] = wrk.format() end batch = table.concat(r) end
request = function() return batch end
EOF
fi

# prepare SERVER: install or build what it needs, write its config
prepare() {
  case $1 in
  weft-*) [ -x "$WEFT" ] || { echo "no $WEFT (build first)" >&2; return 1; } ;;
  base-*) [ -x "${BASE_BUILD:-}/tools/weft/weft" ] || { echo "no base build (BASE_BUILD)" >&2; return 1; } ;;
  nginx)
    need_pkgs nginx-light; [ -x /usr/sbin/nginx ] || return 1
    mkdir -p "$WORK/nginx"
    cat > "$WORK/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
master_process on;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 100000000;
  keepalive_timeout 65;
  server {
    listen 127.0.0.1:$PORT backlog=1024;
    location / { default_type text/plain; return 200 "$HELLO"; }
  }
}
EOF
    ;;
  h2o)
    need_pkgs h2o; [ -x /usr/bin/h2o ] || return 1
    mkdir -p "$WORK/h2o"; chmod 755 "$WORK/h2o"
    printf '%s' "$HELLO" > "$WORK/h2o/hello.txt"; chmod 644 "$WORK/h2o/hello.txt"
    printf 'num-threads: 1\nuser: nobody\nerror-log: %s\nlisten:\n  host: 127.0.0.1\n  port: %s\nhosts:\n  default:\n    paths:\n      /:\n        file.file: %s\n' \
      "$WORK/h2o/error.log" "$PORT" "$WORK/h2o/hello.txt" > "$WORK/h2o/h2o.conf" ;;
  aiohttp-asyncio) need_pkgs python3-aiohttp; "$PY" -c 'import aiohttp' ;;
  aiohttp-uvloop) need_pkgs python3-aiohttp python3-uvloop; "$PY" -c 'import aiohttp, uvloop' ;;
  go)
    need_pkgs golang-go
    (cd "$PEERS/servers" && GOFLAGS='' GOCACHE="$WORK/gocache" go build -o "$WORK/http_go" http_go.go) ;;
  node) [ -x /usr/bin/node ] || need_pkgs nodejs; [ -x /usr/bin/node ] ;;
  *) echo "unknown server $1" >&2; return 1 ;;
  esac
}

SERVER_PID=
launch() { taskset -c "$SERVER_CPU" "$@" > "$WORK/$s.log" 2>&1 & SERVER_PID=$!; }
start() { # SERVER: start it on CPU 0, wait for its port
  local s=$1
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
    echo "port $PORT is already in use: set BASE_PORT" >&2; return 1
  fi
  case $s in
  weft-*) launch env WEFT_BACKEND="${s#weft-}" "$WEFT" serve --host 127.0.0.1 --port "$PORT" ;;
  base-*) launch env WEFT_BACKEND="${s#base-}" "$BASE_BUILD/tools/weft/weft" serve --host 127.0.0.1 \
            --port "$PORT" ;;
  nginx) launch /usr/sbin/nginx -p "$WORK/nginx" -e "$WORK/nginx/error.log" -c "$WORK/nginx/nginx.conf" ;;
  h2o) launch /usr/bin/h2o -m worker -c "$WORK/h2o/h2o.conf" ;;
  aiohttp-*) launch "$PY" "$PEERS/servers/http_aiohttp.py" "${s#aiohttp-}" "$PORT" ;;
  go) launch env GOMAXPROCS=1 "$WORK/http_go" "$PORT" ;;
  node) launch /usr/bin/node "$PEERS/servers/http_node.js" "$PORT" ;;
  esac
  wait_port "$PORT" "$s" "$WORK/$s.log"
}

tree() { # PID: it and its descendants (nginx's master, then its worker)
  local c
  echo "$1"
  for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do tree "$c"; done
}
alive() { local p; for p; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }
tree_cpu_ns() { # PID: run time (ns) of all threads of it and its descendants
  local p sum=0
  for p in $(tree "$1"); do sum=$((sum + $(cpu_ns "$p"))); done
  echo "$sum"
}

stop() { # TERM to the server, then KILL whatever of its process tree is left after 5 s
  [ -n "$SERVER_PID" ] || return 0
  local pids i p
  pids=$(tree "$SERVER_PID")
  kill -TERM "$SERVER_PID" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do alive $pids || break; sleep 0.05; done
  for p in $pids; do kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null; done
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=
}
trap 'stop; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

serves() { [ "$2" != json ] || [[ $1 != nginx && $1 != h2o ]]; }       # SERVER BENCH
path_of() { # SERVER BENCH
  if [ "$2" = json ]; then echo /json; elif [[ $1 == weft-* || $1 == base-* ]]; then echo /plaintext; else echo /; fi
}
check() { # SERVER BENCH: curl the bench's path, compare body and Content-Type
  local body=$HELLO ctype=text/plain path got
  [ "$2" = json ] && body=$JSON ctype=application/json
  path=$(path_of "$1" "$2")
  got=$(curl -s -m 5 -D "$WORK/hdr" "http://127.0.0.1:$PORT$path") || true
  [ "$got" = "$body" ] && grep -qi "^content-type: *$ctype" "$WORK/hdr" && return 0
  echo "$1: wrong response on GET $path: [$got]" >&2; cat "$WORK/hdr" >&2 2>/dev/null
  return 1
}

# one run on the started server: prints "req_per_s p99_ms cpu_us_per_req errors"
one_run() { # BENCH CONNS PATH
  local lua=() url="http://127.0.0.1:$PORT$3" out c0 c1
  [ "$1" = pipeline ] && lua=(-s "$LUA")
  taskset -c "$CLIENT_CPU" wrk -t1 -c"$2" -d1s "${lua[@]}" "$url" > /dev/null 2>&1 || true
  c0=$(tree_cpu_ns "$SERVER_PID")
  out=$(taskset -c "$CLIENT_CPU" wrk -t1 -c"$2" -d"${DUR}s" --latency "${lua[@]}" "$url" 2>&1) || true
  c1=$(tree_cpu_ns "$SERVER_PID")
  awk -v cpu=$((c1 - c0)) '
    / requests in / { n = $1 }
    /^Requests\/sec:/ { rps = $2 }
    $1 == "99%" { p = $2 + 0; if ($2 ~ /us$/) p /= 1000; else if ($2 ~ /[0-9]s$/) p *= 1000 }
    /Socket errors:/ { gsub(/,/, ""); e += $4 + $6 + $8 + $10 }
    /Non-2xx/ { e += $NF }
    END { printf "%.0f %.3f %s %d\n", rps, p, (n > 0 ? sprintf("%.3f", cpu / n / 1000) : "nan"), e }' <<< "$out"
}

mapfile -t CELLS < <(for b in $BENCHES; do
  case $b in
  plaintext|json) for c in $CONNS; do echo "$b $c"; done ;;
  pipeline) for c in $PIPE_CONNS; do echo "$b $c"; done ;;
  *) echo "unknown bench $b (plaintext json pipeline)" >&2 ;;
  esac
done)

# Install, start and check each server once; those that fail are "not run".
RUN=
for s in $SERVERS; do
  [ -z "${WHY[$s]:-}" ] || continue
  if ! prepare "$s" >&2; then WHY[$s]="cannot be installed or built here"; continue; fi
  if ! start "$s"; then stop; WHY[$s]="does not start"; continue; fi
  ok=1
  for b in $BENCHES; do if serves "$s" "$b"; then check "$s" "$b" || ok=0; fi; done
  [ "$s" != aiohttp-uvloop ] || { sleep 0.2; grep -q '^loop: uvloop' "$WORK/$s.log" || ok=0; }
  stop
  if ((ok)); then RUN+=" $s"; else WHY[$s]="wrong response"; fi
done
for s in $SERVERS; do [ -z "${WHY[$s]:-}" ] || echo "bench: $s not run: ${WHY[$s]}" >&2; done

echo "# HTTP server, $(date -u +%F), $(nproc) CPUs ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)), kernel $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# wrk -t1 --latency, 1 s warm-up + ${DUR} s measured, median of $RUNS interleaved runs; server on CPU $SERVER_CPU, wrk on CPU $CLIENT_CPU"
echo "# $(dpkg-query -W -f='${Package} ${Version}; ' wrk nginx-light h2o golang-go python3-aiohttp python3-uvloop 2>/dev/null || true)node $(/usr/bin/node --version 2>/dev/null || echo -)"
((peer_ok)) || say_no_peers

declare -A R P C E F MR MP MC
for ((r = 1; r <= RUNS; r++)); do
  for cell in "${CELLS[@]}"; do
    read -r b c <<< "$cell"
    for s in $RUN; do
      serves "$s" "$b" || continue
      k=$b.$c.$s; x=0 p=- u=nan e=0
      if start "$s" && check "$s" "$b"; then read -r x p u e <<< "$(one_run "$b" "$c" "$(path_of "$s" "$b")")"; fi
      stop
      if [ "$u" != nan ]; then
        R[$k]+=" $x"; P[$k]+=" $p"; C[$k]+=" $u"; E[$k]=$((${E[$k]:-0} + e))
      else
        F[$k]=$((${F[$k]:-0} + 1))
      fi
      echo "run $r $b -c$c $s: $x req/s, p99 $p ms, $u us/req, $e errors" >&2
    done
  done
done

for cell in "${CELLS[@]}"; do
  read -r b c <<< "$cell"
  echo
  if [ "$b" = pipeline ]; then
    echo "### plaintext pipelined x$PIPELINE, $c connections (no p99: wrk times batches, not requests)"
  else
    echo "### $b, $c connections"
  fi
  echo
  echo "| server | req/s median | min-max | p99 ms | server CPU us/req median | min-max | errors |"
  echo "|---|---|---|---|---|---|---|"
  for s in $SERVERS; do
    serves "$s" "$b" || continue
    k=$b.$c.$s
    if [ -n "${WHY[$s]:-}" ]; then echo "| $s | not run (${WHY[$s]}) | | | | | |"; continue; fi
    if [ -z "${R[$k]:-}" ]; then echo "| $s | failed (${F[$k]:-0} runs) | | | | | |"; continue; fi
    read -ra rr <<< "${R[$k]}"; read -ra pp <<< "${P[$k]}"; read -ra cc <<< "${C[$k]}"
    MR[$k]=$(median "${rr[@]}"); MP[$k]=$(median "${pp[@]}"); MC[$k]=$(median "${cc[@]}")
    errs=${E[$k]}; [ -z "${F[$k]:-}" ] || errs+=", ${F[$k]} failed runs"
    p99=$(printf %.2f "${MP[$k]}"); [ "$b" != pipeline ] || p99=-
    printf '| %s | %.0f | %s | %s | %.2f | %s | %s |\n' "$s" "${MR[$k]}" "$(minmax %.0f "${rr[@]}")" \
      "$p99" "${MC[$k]}" "$(minmax %.2f "${cc[@]}")" "$errs"
  done
done

# ratios against the peers, and the issue's targets
echo
echo "| bench | conns | weft backend | vs | req/s ratio | CPU/req ratio (weft/peer) | p99 ratio |"
echo "|---|---|---|---|---|---|---|"
[[ " ${!MR[*]}" == *".weft-"* ]] || echo "| (weft not measured) | | | | | | |"
for cell in "${CELLS[@]}"; do
  read -r b c <<< "$cell"
  for be in weft-io_uring weft-epoll; do
    [ -n "${MR[$b.$c.$be]:-}" ] || continue
    for p in base-${be#weft-} nginx h2o go aiohttp-uvloop node; do
      [ -n "${MR[$b.$c.$p]:-}" ] || continue
      echo "| $b | $c | ${be#weft-} | $p | $(ratio "${MR[$b.$c.$be]}" "${MR[$b.$c.$p]}") |" \
           "$(ratio "${MC[$b.$c.$be]}" "${MC[$b.$c.$p]}") | $([ "$b" = pipeline ] && echo - || ratio "${MP[$b.$c.$be]}" "${MP[$b.$c.$p]}") |"
    done
  done
done
verdict() { # A B OP LIMIT: the ratio A/B against the target
  awk -v r="$([ -n "$1" ] && [ -n "$2" ] && ratio "$1" "$2" || echo -)" -v op="$3" -v l="$4" 'BEGIN{
    if (r == "-") v = "not measured"; else if (op == "<=" ? r + 0 <= l + 0 : r + 0 >= l + 0) v = "met"; else v = "**missed**"
    printf "%s (target %s %s: %s)", r, op, l, v }'
}
echo
echo "Targets: /plaintext CPU/req <= 0.8x nginx's with req/s >= nginx's and p99 no worse; /json CPU/req <= 0.5x Go's and <= 0.1x aiohttp-uvloop's; io_uring and epoll both reported."
for be in weft-io_uring weft-epoll; do
  [[ " $SERVERS " == *" $be "* ]] || continue
  for cell in "${CELLS[@]}"; do
    read -r b c <<< "$cell"
    w=$b.$c.$be
    case $b in
    plaintext) echo "- ${be#weft-}, plaintext -c$c vs nginx: CPU/req $(verdict "${MC[$w]:-}" "${MC[$b.$c.nginx]:-}" '<=' 0.8)," \
                    "req/s $(verdict "${MR[$w]:-}" "${MR[$b.$c.nginx]:-}" '>=' 1), p99 $(verdict "${MP[$w]:-}" "${MP[$b.$c.nginx]:-}" '<=' 1)" ;;
    json) echo "- ${be#weft-}, json -c$c: CPU/req vs Go $(verdict "${MC[$w]:-}" "${MC[$b.$c.go]:-}" '<=' 0.5)," \
               "vs aiohttp-uvloop $(verdict "${MC[$w]:-}" "${MC[$b.$c.aiohttp-uvloop]:-}" '<=' 0.1)" ;;
    esac
  done
done
