#!/bin/sh
# The quality gate run by `make test` (and so by CI):
#   1. gcc, -O2, -Werror: the whole suite, each backend-dependent test once
#      per backend (labels name the backend)
#   2. clang, ASan + UBSan, -Werror: the whole suite again, leak checks on
#   3. clang, TSan: the tests labelled "threads"
#   4. each libFuzzer target for FUZZ_SECONDS (default 60) under ASan+UBSan
# Every step runs even if an earlier one failed; the summary at the end
# says which failed, and the exit status is non-zero if any did.
set -u
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)
failed=""
step() { printf '\n==== %s\n' "$*"; }

configure_build() { # dir, then cmake args
    dir=$1; shift
    cmake -S . -B "$dir" -UWEFT_TEST_BACKENDS -DWEFT_WERROR=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >"$dir.configure.log" 2>&1 ||
        { cat "$dir.configure.log"; return 1; }
    cmake --build "$dir" -j"$jobs" >"$dir.build.log" 2>&1 || {
        grep -E 'error|warning|Error' "$dir.build.log" | head -50
        return 1
    }
}

mkdir -p build-test
step "1/4 gcc release build + ctest"
if CC=gcc configure_build build-test/gcc -DCMAKE_C_COMPILER=gcc; then
    (cd build-test/gcc && ctest --output-on-failure -j"$jobs") || failed="$failed gcc"
else
    failed="$failed gcc-build"
fi

step "2/4 clang ASan+UBSan build + ctest"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:detect_stack_use_after_return=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
if configure_build build-test/asan -DCMAKE_C_COMPILER=clang -DWEFT_SANITIZE=address,undefined \
    -DWEFT_SHARED=OFF -DWEFT_FUZZ=ON; then
    (cd build-test/asan && ctest --output-on-failure -j"$jobs") || failed="$failed asan"
else
    failed="$failed asan-build"
fi

step "3/4 clang TSan build + ctest -L threads"
if configure_build build-test/tsan -DCMAKE_C_COMPILER=clang -DWEFT_SANITIZE=thread -DWEFT_SHARED=OFF \
    -DWEFT_EXAMPLES=OFF -DWEFT_BENCH=OFF; then
    (cd build-test/tsan && TSAN_OPTIONS="halt_on_error=1" ctest --output-on-failure -j"$jobs" -L threads --no-tests=ignore) ||
        failed="$failed tsan"
else
    failed="$failed tsan-build"
fi

step "4/4 fuzz targets, ${FUZZ_SECONDS:-60} s each"
if [ -d build-test/asan/fuzz ]; then
    sh scripts/fuzz.sh "${FUZZ_SECONDS:-60}" build-test/asan || failed="$failed fuzz"
else
    echo "no fuzz targets built yet"
fi

echo
if [ -n "$failed" ]; then
    echo "make test: FAILED:$failed"
    exit 1
fi
echo "make test: all steps passed"
