#!/bin/sh
# Thread crossings: weft against asyncio and uvloop (same figures, same run).
#   to_thread_roundtrip         one task, one empty job at a time (the median
#                               single round trip, us)
#   to_thread_64_tasks          64 tasks each looping on empty jobs (jobs/s)
#   call_threadsafe             a foreign thread makes N calls; each runs a task
#                               on the loop (calls/s)
#   spawn_threadsafe_roundtrip  a foreign thread: submit, wait for the result
#                               (run_coroutine_threadsafe(...).result()) (median
#                               single round trip, us)
# The whole process runs on CPUs 0-1 (the crossings need two threads);
# every figure is the median of RUNS runs (default 3), min-max beside it.
# Prints a markdown table with weft's ratio to each peer (higher is better
# for weft in every ratio column). Peers need /usr/bin/python3 (uvloop
# optional); without them only weft's figures are printed, and the script
# says so.
# usage: sh bench/run_threads.sh [N]       (BUILD=build, RUNS=3)
set -u
cd "$(dirname "$0")/.."
N=${1:-100000}
RUNS=${RUNS:-3}
BUILD=${BUILD:-build}
CPUS=${CPUS:-0,1}
bin=$BUILD/bench/threads_bench
if [ ! -x "$bin" ]; then
    cmake -S . -B "$BUILD" >/dev/null && cmake --build "$BUILD" -j2 --target threads_bench >/dev/null || exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

run_peer() { # name, command...
    name=$1; shift
    i=0
    while [ $i -lt "$RUNS" ]; do
        taskset -c "$CPUS" "$@" >>"$tmp/$name" 2>"$tmp/$name.err" || { echo "$name failed:" >&2; cat "$tmp/$name.err" >&2; return 1; }
        i=$((i + 1))
    done
}

peers="weft"
run_peer weft "$bin" "$N" || exit 1
PY=/usr/bin/python3
# asyncio's crossings are ~5x slower: fewer rounds keep its runs short
PYN=$((N / 5))
if [ -x "$PY" ]; then
    run_peer asyncio "$PY" bench/peers_local/threads_asyncio.py "$PYN" asyncio && peers="$peers asyncio"
    if "$PY" -c 'import uvloop' 2>/dev/null; then
        run_peer uvloop "$PY" bench/peers_local/threads_asyncio.py "$PYN" uvloop && peers="$peers uvloop"
    else
        echo "note: uvloop is not installed for $PY: no uvloop column" >&2
    fi
else
    echo "note: $PY not found: weft's figures only, no peers" >&2
fi

# median and range of one figure for one peer: "median min max"
stat() { # peer figure
    awk -v f="$2" '$1 == f { print $2 }' "$tmp/$1" | sort -g | awk '
        { v[NR] = $1 } END { if (NR == 0) { print "- - -"; exit } print v[int((NR + 1) / 2)], v[1], v[NR] }'
}

printf '\n%s, %s, %s runs, N=%s (peers N/5)\n\n' "$(date -u +%Y-%m-%d)" "$(nproc) CPUs ($CPUS)" "$RUNS" "$N"
printf '| figure | unit |'
for p in $peers; do printf ' %s median | min-max |' "$p"; done
for p in $peers; do [ "$p" = weft ] || printf ' weft vs %s |' "$p"; done
printf '\n|---|---|'
for p in $peers; do printf -- '---:|---|'; done
for p in $peers; do [ "$p" = weft ] || printf -- '---:|'; done
printf '\n'
for fig in to_thread_roundtrip to_thread_64_tasks call_threadsafe spawn_threadsafe_roundtrip; do
    unit=$(awk -v f="$fig" '$1 == f { print $3; exit }' "$tmp/weft")
    printf '| %s | %s |' "$fig" "$unit"
    for p in $peers; do
        set -- $(stat "$p" "$fig")
        printf ' %s | %s-%s |' "$1" "$2" "$3"
    done
    w=$(stat weft "$fig" | cut -d' ' -f1)
    for p in $peers; do
        [ "$p" = weft ] && continue
        o=$(stat "$p" "$fig" | cut -d' ' -f1)
        # us: lower is better (peer/weft); per second: higher is better (weft/peer)
        awk -v w="$w" -v o="$o" -v u="$unit" 'BEGIN {
            if (o == "-" || w == 0 || o == 0) { printf " - |"; exit }
            r = (u == "us") ? o / w : w / o; printf " %.1fx |", r }'
    done
    printf '\n'
done
