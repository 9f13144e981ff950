#!/bin/sh
# Runs every libFuzzer target for SECONDS (default 60) from its seed corpus,
# two at a time (this machine has 2 cores). Crashes land in fuzz/artifacts/.
#   sh scripts/fuzz.sh [SECONDS] [BUILD_DIR]
set -u
cd "$(dirname "$0")/.."
secs=${1:-60}
dir=${2:-build-fuzz}
if [ ! -d "$dir/fuzz" ]; then
    cmake -S . -B "$dir" -DCMAKE_C_COMPILER=clang -DWEFT_SANITIZE=address,undefined -DWEFT_FUZZ=ON \
        -DWEFT_SHARED=OFF >/dev/null && cmake --build "$dir" -j2 >/dev/null || exit 1
fi
mkdir -p fuzz/artifacts
targets=$(find "$dir/fuzz" -maxdepth 1 -type f -name 'fuzz_*' -perm -u+x | sort)
[ -n "$targets" ] || { echo "no fuzz targets"; exit 0; }
rc=0
run_one() {
    t=$1
    name=$(basename "$t")
    corpus=fuzz/corpus/${name#fuzz_}
    work=$(mktemp -d)
    [ -d "$corpus" ] && cp -r "$corpus"/. "$work"/ 2>/dev/null
    dict=""
    [ -f "fuzz/dict/${name#fuzz_}.dict" ] && dict="-dict=fuzz/dict/${name#fuzz_}.dict"
    if "$t" -max_total_time="$secs" -artifact_prefix=fuzz/artifacts/ -print_final_stats=1 $dict "$work" \
        >"$work.log" 2>&1; then
        echo "fuzz $name: ok ($(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work.log" | grep -o '[0-9]*$') runs in ${secs}s)"
        rm -rf "$work" "$work.log"
        return 0
    fi
    echo "fuzz $name: FAILED"; tail -40 "$work.log"
    rm -rf "$work"
    return 1
}
set -- $targets
while [ $# -gt 0 ]; do
    a=$1; shift
    if [ $# -gt 0 ]; then
        b=$1; shift
        run_one "$a" & pa=$!
        run_one "$b" || rc=1
        wait $pa || rc=1
    else
        run_one "$a" || rc=1
    fi
done
exit $rc
