#!/bin/sh
# Builds the HTTP parser (src/http, libc only) for another CPU with
# tests/http/smoke.c and runs it under qemu-user: the scalar build, which
# x86 builds only reach through weft__http_set_isa, compiled as it is on
# such CPUs (-Werror, the project's warnings).
#   sh tests/http/cross.sh SOURCE_DIR [aarch64]
# Exit 77 (skip) when the cross compiler or qemu is not installed.
root=$1
arch=${2:-aarch64}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cc=$arch-linux-gnu-gcc
qemu=qemu-$arch
command -v $cc >/dev/null 2>&1 || { echo "skip: no $cc (apt-get install gcc-$arch-linux-gnu)"; exit 77; }
command -v $qemu >/dev/null 2>&1 || { echo "skip: no $qemu (apt-get install qemu-user)"; exit 77; }
flags="-std=c17 -O2 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
  -Wno-unused-parameter -Wpointer-arith -Wvla -D_GNU_SOURCE -DWEFT_BUILDING=1
  -I$root/include -I$root/src"
# only the parser's files ("(http, pure)" on their first line): the server's
# need the rest of the library
srcs=$(grep -l '^/\* Layer 6 (http, pure)' "$root"/src/http/*.c)
$cc $flags -static -o "$out/http_smoke" $srcs "$root/tests/http/smoke.c" || exit 1
$qemu -L /usr/$arch-linux-gnu "$out/http_smoke"
