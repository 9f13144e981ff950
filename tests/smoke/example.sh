#!/bin/sh
# An example's smoke test on the backend $WEFT_BACKEND names: skipped
# (exit 77) when that backend cannot start here, else the command's own
# status.
# usage: example.sh BACKEND_PROBE COMMAND [ARGS...]
probe=$1
shift
"$probe"
st=$?
[ "$st" -eq 77 ] && exit 77
[ "$st" -eq 0 ] || { echo "backend probe failed (status $st)"; exit 1; }
exec "$@"
