#!/bin/sh
# The HTTP parser benchmark as a markdown table: weft's request-head parser
# against http-parser (Debian's libhttp-parser-dev), both measured in the
# same run of bench/parser/parser_bench, pinned to CPU 0. One run per weft
# scanner build (AVX2 when the CPU has it, SSE2, scalar); the ratio is
# http-parser's ns/req over weft's from the same run.
# Run from the repository root with build/ configured (cmake -S . -B build);
# it builds nothing beyond `cmake --build build`. BUILD=dir picks another
# build directory. Benchmarks are not tests: ctest never runs this.
set -eu
cd "$(dirname "$0")/.."
build=${BUILD:-build}
cmake --build "$build" --target parser_bench >/dev/null
bin=$build/bench/parser_bench
isas="sse2 scalar"
grep -qw avx2 /proc/cpuinfo 2>/dev/null && isas="avx2 $isas"
printf '%s, %s, %s\n\n' "$(date -u +%Y-%m-%d)" \
    "$(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //')" "$(nproc) CPUs"
echo "| input | weft build | bytes | headers | weft ns/req | weft GB/s | http-parser ns/req | http-parser GB/s | speed-up |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
for isa in $isas; do
    WEFT_HTTP_ISA=$isa taskset -c 0 "$bin" --markdown
done
