#!/bin/sh
# Installs the Debian packages weft needs, only those missing.
#   sh scripts/deps.sh [build|test|bench]   (default: test, which includes build)
# As root it runs apt-get itself; otherwise it prints the exact command and
# fails, so `make` never silently builds with a piece missing.
set -eu
what=${1:-test}

build_pkgs="gcc make cmake pkg-config libc6-dev libcmocka-dev liburing-dev libc-ares-dev
 libjansson-dev libssl-dev zlib1g-dev libpq-dev"
# clang + its runtime: the ASan/UBSan/TSan builds and the libFuzzer targets;
# curl, wrk, python3-aiohttp: the foreign peers of the interop tests.
test_pkgs="clang libclang-rt-14-dev llvm curl wrk python3-aiohttp valgrind
 gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user"
bench_pkgs="libhttp-parser-dev wrk time"

case $what in
build) pkgs=$build_pkgs ;;
test) pkgs="$build_pkgs $test_pkgs" ;;
bench) pkgs="$build_pkgs $bench_pkgs" ;;
*) echo "usage: $0 [build|test|bench]" >&2; exit 2 ;;
esac

missing=""
for p in $pkgs; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "weft: missing packages:$missing (no apt-get here: install them by hand)" >&2
    exit 1
fi
cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" != 0 ]; then
    echo "weft: missing Debian packages. Run as root:" >&2
    echo "  apt-get update && $cmd" >&2
    exit 1
fi
echo "weft: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# A fresh machine may have no package lists yet: update once if the install fails.
$cmd >/dev/null 2>&1 || { apt-get update >/dev/null && $cmd >/dev/null; } || {
    echo "weft: '$cmd' failed" >&2
    exit 1
}
