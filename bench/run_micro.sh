#!/usr/bin/env bash
# Runtime micro-benchmarks: weft's bench/micro against the peers' micro
# programs (asyncio, uvloop, Go with GOMAXPROCS=1, Node) from
# ../shared/bench/peers/micro, same tests, same run, each in a fresh process
# pinned to CPU 0 under /usr/bin/time -v; plus the machine's floor (the
# bare asm switch) for the switch ratio.
#   bash bench/run_micro.sh [TEST...]      (RUNS=3, PEERS_RT="asyncio uvloop go node")
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TESTS=${*:-"noop spawn spawn_warm sleep1000 sleep10000 sleep100000 sleep100000w alive100000 gather100k switch deadline queue pingpong sem lock"}
PEERS_RT=${PEERS_RT:-"asyncio uvloop go node"}
MICRO=$BUILD/bench/micro
[ -x "$MICRO" ] || { echo "build first (make)" >&2; exit 1; }

peer_ok=0
if have_peers; then
  peer_ok=1
  need_pkgs time golang-go python3-uvloop nodejs >/dev/null || true
  if [[ " $PEERS_RT " == *" go "* ]]; then
    (cd "$PEERS/micro" && GOFLAGS= GOCACHE="$WORK/gocache" go build -o "$WORK/micro_go" micro.go) >&2 || PEERS_RT=${PEERS_RT/go/}
  fi
  cc -O2 -o "$WORK/floor" "$PEERS/floor/floor.c"
fi

# the peers' tests that have no counterpart
peer_has() { case $1 in spawn_warm|sleep100000w|alive100000|gather100k|switch|deadline|lock|spawn1m) return 1 ;; esac; return 0; }

cmd_for() {
  case $1 in
  weft) CMD=("$MICRO" "$2") ;;
  asyncio|uvloop) CMD=("$PY" "$PEERS/micro/micro.py" "$1" "$2") ;;
  go) CMD=(env GOMAXPROCS=1 "$WORK/micro_go" "$2") ;;
  node) CMD=(node "$PEERS/micro/micro.js" "$2") ;;
  esac
}

declare -A VAL RSS UNIT
measure() { # runtime test
  local r=$1 t=$2 i out vals=() rss=()
  cmd_for "$r" "$t"
  for ((i = 0; i < RUNS; i++)); do
    if ! out=$(taskset -c "$SERVER_CPU" /usr/bin/time -v -o "$WORK/time.txt" "${CMD[@]}" 2>/dev/null); then
      out="value=nan unit=failed"
    fi
    vals+=("$(sed -n 's/.*value=\([^ ]*\).*/\1/p' <<< "$out")")
    UNIT[$r.$t]=$(sed -n 's/.*unit=\([^ ]*\).*/\1/p' <<< "$out")
    rss+=("$(awk -F': ' '/Maximum resident set size/{printf "%.1f", $2/1024}' "$WORK/time.txt")")
  done
  VAL[$r.$t]=$(median "${vals[@]}")
  RSS[$r.$t]=$(median "${rss[@]}")
}

echo "# weft micro-benchmarks, $(date -u +%F), $(nproc) CPUs ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)), pinned to CPU $SERVER_CPU, median of $RUNS"
((peer_ok)) || say_no_peers
echo
rts="weft"
((peer_ok)) && rts="weft $PEERS_RT"
hdr="| test | unit | weft |"; sep="|---|---|---|"
for r in $PEERS_RT; do ((peer_ok)) && { hdr+=" $r | $r/weft |"; sep+="---|---|"; }; done
echo "$hdr"; echo "$sep"
for t in $TESTS; do
  for r in $rts; do
    if [ "$r" != weft ] && ! peer_has "$t"; then VAL[$r.$t]=nan; continue; fi
    echo "bench: $r $t" >&2
    measure "$r" "$t"
  done
  line="| $t | ${UNIT[weft.$t]:-} | ${VAL[weft.$t]} |"
  for r in $PEERS_RT; do
    ((peer_ok)) || continue
    line+=" ${VAL[$r.$t]} | $(ratio "${VAL[$r.$t]}" "${VAL[weft.$t]}") |"
  done
  echo "$line"
done

echo
echo "Peak RSS (MiB) and RSS per task for the sleep tests: (peak - noop) / N"
echo
echo "| test | runtime | peak RSS MiB | KiB per task |"
echo "|---|---|---|---|"
for t in sleep10000 sleep100000 sleep100000w alive100000; do
  [[ " $TESTS " == *" $t "* ]] || continue
  n=${t#sleep}; n=${n#alive}; n=${n%w}
  for r in $rts; do
    [ "${VAL[$r.$t]:-nan}" = nan ] && continue
    [ -n "${RSS[$r.noop]:-}" ] || continue
    per=$(awk -v p="${RSS[$r.$t]}" -v z="${RSS[$r.noop]}" -v n="$n" 'BEGIN{printf "%.2f", (p-z)*1024/n}')
    echo "| $t | $r | ${RSS[$r.$t]} | $per |"
  done
done

if ((peer_ok)); then
  echo
  echo "Floor (../shared/bench/peers/floor): $(taskset -c "$SERVER_CPU" "$WORK/floor" | tr '\n' ' ')"
fi
