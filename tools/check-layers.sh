#!/bin/sh
# Checks every #include "..." in the tree against the layer table of
# docs/design.md (lower layers never include upper ones):
#   arch    -> arch
#   util    -> util
#   core    -> core arch util
#   backend -> backend core arch util
#   sync    -> sync core arch util
#   io      -> io backend sync core arch util
#   net     -> net io backend sync core arch util
#   tls     -> tls net io backend sync core arch util
#   http    -> http tls net io backend sync core arch util
#   ws      -> ws http tls net io backend sync core arch util
#   pg      -> pg net io backend sync core arch util
# Public headers ("weft/...", "weft.h") may be included from anywhere.
# examples/, tools/ and bench/ may include only public headers and files of
# their own folder. Prints each violation; exits 1 if there is any.
# usage: check-layers.sh [ROOT]
root=${1:-.}
cd "$root" || exit 2

allowed() {
    case $1 in
    arch) echo "arch" ;;
    util) echo "util" ;;
    core) echo "core arch util" ;;
    backend) echo "backend core arch util" ;;
    sync) echo "sync core arch util" ;;
    io) echo "io backend sync core arch util" ;;
    net) echo "net io backend sync core arch util" ;;
    tls) echo "tls net io backend sync core arch util" ;;
    http) echo "http tls net io backend sync core arch util" ;;
    ws) echo "ws http tls net io backend sync core arch util" ;;
    pg) echo "pg net io backend sync core arch util" ;;
    *) echo "" ;;
    esac
}

bad=0
report() {
    echo "layer violation: $1:$2: includes \"$3\" ($4)"
    bad=1
}

check_file() { # file layer(or "" for programs)
    f=$1
    layer=$2
    dir=$(dirname "$f")
    grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" | while IFS= read -r line; do
        n=${line%%:*}
        inc=$(printf '%s\n' "$line" | sed 's/.*include[[:space:]]*"\([^"]*\)".*/\1/')
        case $inc in
        weft.h | weft/*) continue ;;
        esac
        case $inc in
        */*)
            top=${inc%%/*}
            if [ -z "$layer" ]; then
                [ -f "$dir/$inc" ] && continue
                report "$f" "$n" "$inc" "programs may include only <weft.h> and their own files"
                continue
            fi
            ok=0
            for a in $(allowed "$layer"); do [ "$a" = "$top" ] && ok=1; done
            [ $ok = 1 ] || report "$f" "$n" "$inc" "layer $layer may include: $(allowed "$layer")"
            ;;
        *)
            [ -f "$dir/$inc" ] || [ -f "include/weft/$inc" ] ||
                report "$f" "$n" "$inc" "not found beside the file"
            ;;
        esac
    done
}

tmp=$(mktemp)
{
    for d in src/*/; do
        layer=$(basename "$d")
        for f in "$d"*.c "$d"*.h; do [ -f "$f" ] && check_file "$f" "$layer"; done
    done
    for d in examples tools bench; do
        [ -d "$d" ] || continue
        find "$d" -name '*.[ch]' | while read -r f; do check_file "$f" ""; done
    done
    for f in include/weft/*.h include/weft.h; do
        [ -f "$f" ] || continue
        grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" | while IFS= read -r line; do
            inc=$(printf '%s\n' "$line" | sed 's/.*include[[:space:]]*"\([^"]*\)".*/\1/')
            case $inc in
            weft/*) [ -f "include/$inc" ] || echo "layer violation: $f: \"$inc\" is not a public header" ;;
            */*) echo "layer violation: $f: public header includes \"$inc\"" ;;
            *) [ -f "include/weft/$inc" ] || echo "layer violation: $f: \"$inc\" is not a public header" ;;
            esac
        done
    done
} > "$tmp"
if [ -s "$tmp" ]; then
    cat "$tmp"
    rm -f "$tmp"
    exit 1
fi
rm -f "$tmp"
echo "layers: every include respects the layer table"
exit 0
