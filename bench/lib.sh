# bench/lib.sh: helpers shared by the bench/run_*.sh scripts (bash).
# Conventions: the program measured runs on CPU $SERVER_CPU (0), a load
# generator on $CLIENT_CPU (1); each figure is the median of $RUNS (3) runs;
# every script prints markdown tables on stdout, progress on stderr, and
# stops only processes it started, by PID.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$BENCH_DIR/.." && pwd)"
BUILD=${BUILD:-$ROOT/build}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
RUNS=${RUNS:-3}
PY=/usr/bin/python3
PEERS=${PEERS_DIR:-$ROOT/../shared/bench/peers}
WORK=${WORK:-$(mktemp -d /tmp/weft-bench.XXXXXX)}
trap 'rm -rf "$WORK"' EXIT

have_peers() { [ -d "$PEERS" ]; }
say_no_peers() {
  echo "> ../shared/bench/peers is not here: peers are not measured, weft's own figures only." 
}

need_pkgs() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  if [ "$(id -u)" != 0 ]; then
    echo "bench: missing packages: ${missing[*]} (run as root, or install them)" >&2
    return 1
  fi
  echo "bench: apt-get install ${missing[*]}" >&2
  local made_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; made_policy=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2 ||
    { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2; }
  [ $made_policy = 1 ] && rm -f /usr/sbin/policy-rc.d
  return 0
}

median() {
  printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END{ if (NR%2) print a[(NR+1)/2]; else printf "%.6g\n", (a[NR/2]+a[NR/2+1])/2 }'
}
minmax() {
  local fmt=$1; shift
  printf '%s\n' "$@" | sort -g | awk -v f="$fmt" 'NR==1{lo=$1} {hi=$1} END{printf f "-" f "\n", lo, hi}'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN{ if (b+0 == 0 || a == "nan" || b == "nan") print "-"; else printf "%.2f\n", a/b }'; }

# cpu_ns PID: total run time (ns) of every thread of PID so far, from schedstat
# (tick-based utime/stime undercount some servers here by up to 6x).
cpu_ns() {
  local pid=$1 t sum=0 v
  for t in /proc/"$pid"/task/*/schedstat; do
    read -r v _ < "$t" 2>/dev/null || continue
    sum=$((sum + v))
  done
  echo "$sum"
}

# wait_port PORT NAME LOG: waits (up to 10 s) until something accepts on
# 127.0.0.1:PORT, as long as $SERVER_PID lives; else shows LOG and fails.
wait_port() {
  local port=$1 name=$2 log=$3 i
  for ((i = 0; i < 200; i++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.05
  done
  echo "$name did not start:" >&2; cat "$log" >&2
  return 1
}
