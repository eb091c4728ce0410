#!/usr/bin/env bash
# Instructions per request of GET /api/v1/me (bench/http/run.sh's request),
# counted by valgrind's callgrind: unlike requests per second, the count
# hardly moves with machine load, so it shows what a change to the request
# path costs or saves even on a busy machine. Only user-space instructions
# are counted: system calls (the WAL read lock's fcntl, send, receive) cost
# one instruction each here, so compare their number with strace -c.
#
# Usage: bench/http/callgrind.sh [REQUESTS]   (default 2000)
# Environment: EGRET_BUILD_DIR (build), BENCH_SKIP_BUILD (set: use the
# binary as it is), BENCH_SERVER_THREADS (2).
#
# It seeds a small demo database in a temp dir, starts `egret serve` under
# callgrind with instrumentation off, signs in as admin, warms up with 200
# requests, then counts REQUESTS keep-alive requests on one connection and
# prints the total divided by REQUESTS. The callgrind profile is kept in
# bench/out/ for callgrind_annotate.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

requests=${1:-2000}
build_dir=${EGRET_BUILD_DIR:-build}
egret=$root/$build_dir/egret

die() {
    echo "bench-http-callgrind: $*" >&2
    exit 1
}
for tool in valgrind callgrind_control callgrind_annotate curl python3; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is not installed"
done
case "$requests" in
'' | *[!0-9]*) die "REQUESTS must be a positive number" ;;
esac
[ "$requests" -gt 0 ] || die "REQUESTS must be a positive number"

if [ -z "${BENCH_SKIP_BUILD:-}" ]; then
    echo "bench-http-callgrind: building $build_dir/egret"
    [ -f "$build_dir/CMakeCache.txt" ] ||
        cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$build_dir" -j"$(nproc)" --target egret >/dev/null
fi
[ -x "$egret" ] || die "$egret was not built"

tmp=$(mktemp -d /tmp/egret-bench-cg.XXXXXX)
vg_pid=""
cleanup() {
    if [ -n "$vg_pid" ] && kill -0 "$vg_pid" 2>/dev/null; then
        kill -TERM "$vg_pid" 2>/dev/null || true
        wait "$vg_pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export EGRET_DB=$tmp/egret.db
export EGRET_SECURITY_KEY_FILE=$tmp/egret.key
export EGRET_SERVER_STATIC_DIR=$tmp/static
export EGRET_FILES_DATA_DIR=$tmp/files
export EGRET_DEMO_SCALE=small
export EGRET_SERVER_ACCESS_LOG=0
export EGRET_SERVER_LOG_LEVEL=warn
export EGRET_SERVER_THREADS=${BENCH_SERVER_THREADS:-2}
mkdir -p "$tmp/static" "$tmp/files"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export EGRET_LISTEN=127.0.0.1:$port

echo "bench-http-callgrind: seeding a small demo database"
(cd "$tmp" && "$egret" migrate >"$tmp/setup.log" 2>&1 && "$egret" seed-demo >>"$tmp/setup.log" 2>&1) ||
    { cat "$tmp/setup.log" >&2; die "migrate/seed-demo failed"; }

(cd "$tmp" && exec valgrind --tool=callgrind --instr-atstart=no \
    --callgrind-out-file="$tmp/callgrind.out" "$egret" serve >"$tmp/egret.log" 2>&1) &
vg_pid=$!
for _ in $(seq 1 600); do
    curl -s -o /dev/null "http://127.0.0.1:$port/healthz" && break
    kill -0 "$vg_pid" 2>/dev/null || { cat "$tmp/egret.log" >&2; die "egret did not start"; }
    sleep 0.1
done
login=$(curl -s -H 'Content-Type: application/json' \
    -d '{"login":"admin","password":"egret-city-demo"}' "http://127.0.0.1:$port/api/v1/auth/login")
token=$(printf '%s' "$login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])') ||
    die "login as admin failed: $login"

# send N: N keep-alive GETs on one connection, each must answer 200.
send() {
    python3 - "$port" "$token" "$1" <<'PY'
import http.client, sys
port, token, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
c = http.client.HTTPConnection("127.0.0.1", port)
for _ in range(n):
    c.request("GET", "/api/v1/me", headers={"Authorization": "Bearer " + token})
    r = c.getresponse()
    body = r.read()
    if r.status != 200:
        sys.exit("GET /api/v1/me answered %d: %r" % (r.status, body[:200]))
PY
}

echo "bench-http-callgrind: warming up, then counting $requests requests"
send 200 || die "warm-up failed"
callgrind_control -i on "$vg_pid" >/dev/null
send "$requests" || die "the counted requests failed"
callgrind_control -i off "$vg_pid" >/dev/null
kill -TERM "$vg_pid"
wait "$vg_pid" || true
vg_pid=""

total=$(callgrind_annotate "$tmp/callgrind.out" 2>/dev/null |
    awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}')
[ -n "$total" ] || die "no callgrind totals"
mkdir -p bench/out
out=bench/out/http-callgrind-$(date -u +%Y%m%dT%H%M%SZ).out
cp "$tmp/callgrind.out" "$out"
echo
printf '  instructions per request   %d   (%d requests, GET /api/v1/me as admin)\n' \
    "$((total / requests))" "$requests"
echo "  profile: $out (callgrind_annotate --inclusive=yes $out)"
