#!/bin/sh
# Builds the core (arch, core, backend layers) with tests/arch/ctx_smoke.c
# for another context-switch implementation and runs it:
#   sh tests/arch/cross.sh SOURCE_DIR aarch64    AArch64 assembly, under qemu-user
#   sh tests/arch/cross.sh SOURCE_DIR ucontext   the portable fallback, natively
# Exit 77 (skip) when the cross toolchain or qemu is not installed.
root=$1
arch=${2:-aarch64}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
common="$(ls $root/src/core/*.c $root/src/backend/*.c) $root/src/arch/ctx.c $root/tests/arch/ctx_smoke.c"
flags="-std=c17 -O2 -Wall -Wextra -Werror -Wno-unused-parameter -D_GNU_SOURCE -DWEFT_BUILDING=1 -I$root/include -I$root/src"
if [ "$arch" = ucontext ]; then
    cc $flags -DWEFT_CTX_UCONTEXT=1 -o "$out/ctx_smoke" $common "$root/src/arch/switch_ucontext.c" -lpthread || exit 1
    exec "$out/ctx_smoke"
fi
cc=$arch-linux-gnu-gcc
qemu=qemu-$arch
command -v $cc >/dev/null 2>&1 || { echo "skip: no $cc (apt-get install gcc-$arch-linux-gnu)"; exit 77; }
command -v $qemu >/dev/null 2>&1 || { echo "skip: no $qemu (apt-get install qemu-user)"; exit 77; }
$cc $flags -static -o "$out/ctx_smoke" $common "$root/src/arch/switch_$arch.S" -lpthread || exit 1
$qemu -L /usr/$arch-linux-gnu "$out/ctx_smoke"
