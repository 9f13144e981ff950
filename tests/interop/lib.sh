# Helpers for the interop scripts (bash; sourced by each test_*.sh).
#   usage: test_X.sh SOURCE_DIR PEER_SERVER PEER_CLIENT WEFT_COMMAND
# Servers listen on 127.0.0.1 on a port they pick; every process a script
# starts is stopped by its PID (an EXIT trap kills what is left). Exit
# status 77 means "skipped" (a tool is missing).
set -u
SRC=$1
SERVER=$2
CLIENT=$3
WEFT=$4
tmp=$(mktemp -d)
SRV_PID=""
EXTRA_PIDS=() # other background processes a script started and has not waited for
PORT=""

cleanup() {
    # only the script itself: a forked child killed before it exec'd its
    # command runs the trap too, and must not clean up on its way out
    [ "$BASHPID" = "$$" ] || return 0
    local p
    for p in $SRV_PID "${EXTRA_PIDS[@]}"; do
        { kill -KILL "$p" && wait "$p"; } 2>/dev/null
    done
    rm -rf "$tmp"
}
trap cleanup EXIT

skip() {
    echo "SKIP: $*"
    exit 77
}

die() {
    echo "FAIL: $*" >&2
    if [ -s "$tmp/srv.err" ]; then
        echo "--- server stderr (last lines):" >&2
        tail -n 20 "$tmp/srv.err" >&2
    fi
    exit 1
}

need() {
    command -v "$1" >/dev/null 2>&1 || skip "$1 is not installed (sh scripts/deps.sh test installs it)"
}

# Wall-clock milliseconds (for bounds of seconds).
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# launch CMD ARGS...: runs it in the background with stdout on a FIFO and
# stderr in $tmp/srv.err; waits (at most 20 s) for its first stdout line,
# which goes into FIRST_LINE. Sets SRV_PID. Its stdout stays readable on
# fd 3 (drained when it stops).
launch() {
    rm -f "$tmp/srv.fifo" "$tmp/srv.out"
    mkfifo "$tmp/srv.fifo"
    "$@" >"$tmp/srv.fifo" 2>"$tmp/srv.err" &
    SRV_PID=$!
    exec 3<"$tmp/srv.fifo"
    FIRST_LINE=""
    if ! IFS= read -r -t 20 FIRST_LINE <&3; then
        server_exit 5 && [ "$WAIT_ST" = 77 ] && skip "$(cat "$tmp/srv.err")"
        die "$1 did not start (no first line within 20 s)"
    fi
}

# start_server ARGS...: the peer server on a free port; sets PORT.
start_server() {
    launch "$SERVER" --port 0 "$@"
    case $FIRST_LINE in
    PORT=[0-9]*) PORT=${FIRST_LINE#PORT=} ;;
    *) die "server said: $FIRST_LINE" ;;
    esac
}

# server_exit SECONDS: waits, at most SECONDS, for the server to exit (its
# stdout, fd 3, reaches end of file when it does; what it printed goes to
# $tmp/srv.out). Returns 0 and sets WAIT_ST to its exit status, or kills it
# and returns 1 on the timeout.
server_exit() {
    local end=$(($(now_ms) + $1 * 1000)) left line rc
    while :; do
        left=$((end - $(now_ms)))
        if [ "$left" -le 0 ]; then rc=142; else
            IFS= read -r -t "$((left / 1000)).$(printf %03d $((left % 1000)))" line <&3
            rc=$?
        fi
        if [ "$rc" = 0 ]; then
            printf '%s\n' "$line" >>"$tmp/srv.out"
        elif [ "$rc" -gt 128 ]; then
            kill -KILL "$SRV_PID" 2>/dev/null
            wait "$SRV_PID" 2>/dev/null
            SRV_PID=""
            exec 3<&-
            return 1
        else
            [ -n "$line" ] && printf '%s\n' "$line" >>"$tmp/srv.out"
            break
        fi
    done
    exec 3<&-
    wait "$SRV_PID"
    WAIT_ST=$?
    SRV_PID=""
    return 0
}

# stop_server [SIGNAL] [SECONDS]: signals the server (TERM by default) and
# requires it to exit 0 within SECONDS (default 10).
stop_server() {
    local sig=${1:-TERM} secs=${2:-10}
    kill -"$sig" "$SRV_PID" || die "server (pid $SRV_PID) is gone before SIG$sig"
    server_exit "$secs" || die "server did not exit within ${secs} s of SIG$sig"
    [ "$WAIT_ST" -eq 0 ] || die "server exit status $WAIT_ST after SIG$sig"
}
