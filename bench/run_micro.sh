#!/usr/bin/env bash
# Runtime micro-benchmarks: weft's bench/micro against the peers' micro
# programs (asyncio, uvloop, Go with GOMAXPROCS=1, Node) from
# ../shared/bench/peers/micro, same tests, same run, each in a fresh process
# pinned to CPU 0 under /usr/bin/time -v; plus the machine's floor (the
# bare asm switch) for the switch ratio. Ends with the performance targets
# (weft's issue), each "met", "missed" or "not measured" (a test not run,
# or its peer or the floor missing), computed from the tables printed.
#   bash bench/run_micro.sh [TEST...]      (RUNS=3, PEERS_RT="asyncio uvloop go node")
# BASE_BUILD=DIR adds "base", the same tests from another build (say the
# previous commit's), to every table: a before/after in one run.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TESTS=${*:-"noop spawn spawn_warm spawn1m sleep1000 sleep10000 sleep100000 sleep100000w alive100000 gather100k switch deadline queue pingpong sem lock"}
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
  base) CMD=("$BASE_BUILD/bench/micro" "$2") ;;
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
others=""
[ -n "${BASE_BUILD:-}" ] && others="base"
((peer_ok)) && others+=" $PEERS_RT"
rts="weft $others"
hdr="| test | unit | weft |"; sep="|---|---|---|"
for r in $others; do hdr+=" $r | $r/weft |"; sep+="---|---|"; done
echo "$hdr"; echo "$sep"
for t in $TESTS; do
  for r in $rts; do
    if [ "$r" != weft ] && [ "$r" != base ] && ! peer_has "$t"; then VAL[$r.$t]=nan; continue; fi
    echo "bench: $r $t" >&2
    measure "$r" "$t"
  done
  line="| $t | ${UNIT[weft.$t]:-} | ${VAL[weft.$t]} |"
  for r in $others; do
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

FLOOR_SWITCH=nan
if ((peer_ok)); then
  floor_out=$(taskset -c "$SERVER_CPU" "$WORK/floor")
  FLOOR_SWITCH=$(sed -n 's/^asm_switch_ns=//p' <<< "$floor_out")
  echo
  echo "Floor (../shared/bench/peers/floor): $(tr '\n' ' ' <<< "$floor_out")"
fi

# ------------------------------------------------------------- targets
# v R T: the median of runtime R on test T, or nan when not measured.
v() { local x=${VAL[$1.$2]:-nan}; echo "${x:-nan}"; }
# ratio_of X Y: X/Y to 3 digits ("2.5x"), or "-".
ratio_of() { awk -v a="$1" -v b="$2" 'BEGIN{ if (a == "nan" || b == "nan" || b+0 == 0) print "-"; else printf "%.3gx\n", a/b }'; }
# num X: X, or "-" when not measured.
num() { [ "$1" = nan ] && echo - || echo "$1"; }
# target NAME GOAL MEASURED COND X Y: one line of the table; COND is an awk
# condition over x and y.
target() {
  local name=$1 goal=$2 shown=$3 cond=$4 x=${5:-nan} y=${6:-nan} verdict
  if [ "$x" = nan ] || [ "$y" = nan ]; then
    verdict="not measured"
  elif awk -v x="$x" -v y="$y" "BEGIN{ exit !($cond) }"; then
    verdict=met
  else
    verdict=missed
  fi
  echo "| $name | $shown | $goal | $verdict |"
}

rss_per_task=nan
if [ "$(v weft alive100000)" != nan ] && [ -n "${RSS[weft.alive100000]:-}" ] && [ -n "${RSS[weft.noop]:-}" ]; then
  rss_per_task=$(awk -v p="${RSS[weft.alive100000]}" -v z="${RSS[weft.noop]}" 'BEGIN{printf "%.2f", (p-z)*1024/100000}')
fi

echo
echo "Targets (times: lower is better; queue is a rate: higher is better)"
echo
echo "| target | measured | goal | verdict |"
echo "|---|---|---|---|"
sw=$(v weft switch)
target "switch vs the floor's asm switch" "<= 1.5x" "$(num "$sw") / $(num "$FLOOR_SWITCH") ns = $(ratio_of "$sw" "$FLOOR_SWITCH")" \
  'x <= 1.5 * y' "$sw" "$FLOOR_SWITCH"
sp=$(v weft spawn)
target "spawn vs uvloop" ">= 20x faster" "uvloop/weft = $(ratio_of "$(v uvloop spawn)" "$sp")" \
  'x >= 20 * y' "$(v uvloop spawn)" "$sp"
target "spawn vs Go" ">= 2x faster" "Go/weft = $(ratio_of "$(v go spawn)" "$sp")" \
  'x >= 2 * y' "$(v go spawn)" "$sp"
target "sleep100000 vs Go" "<= Go" "$(num "$(v weft sleep100000)") vs $(num "$(v go sleep100000)") ms" \
  'x <= y' "$(v weft sleep100000)" "$(v go sleep100000)"
target "sleep100000w vs Go's sleep100000" ">= 3x faster" \
  "Go/weft = $(ratio_of "$(v go sleep100000)" "$(v weft sleep100000w)")" \
  'x >= 3 * y' "$(v go sleep100000)" "$(v weft sleep100000w)"
target "RSS per sleeping task (alive100000)" "<= 8 KiB" "$(num "$rss_per_task") KiB" 'x <= y' "$rss_per_task" 8
target "deadline push + pop" "<= 50 ns" "$(num "$(v weft deadline)") ns" 'x <= y' "$(v weft deadline)" 50
target "gather100k vs sleep100000" "<= 1.1x" \
  "$(ratio_of "$(v weft gather100k)" "$(v weft sleep100000)")" \
  'x <= 1.1 * y' "$(v weft gather100k)" "$(v weft sleep100000)"
q=$(v weft queue)
target "queue vs uvloop" ">= 10x" "weft/uvloop = $(ratio_of "$q" "$(v uvloop queue)")" \
  'x >= 10 * y' "$q" "$(v uvloop queue)"
target "queue vs Go" ">= Go" "weft/Go = $(ratio_of "$q" "$(v go queue)")" 'x >= y' "$q" "$(v go queue)"
target "pingpong vs switch" "<= 2x" "$(ratio_of "$(v weft pingpong)" "$sw")" \
  'x <= 2 * y' "$(v weft pingpong)" "$sw"
target "sem (10,000 tasks, 100 permits, 1 ms each)" "<= 120 ms" "$(num "$(v weft sem)") ms" \
  'x <= y' "$(v weft sem)" 120
target "lock acquire + release" "<= 5 ns" "$(num "$(v weft lock)") ns" 'x <= y' "$(v weft lock)" 5
