#!/usr/bin/env bash
# HTTP benchmark (`make bench-http`): egret answering GET /api/v1/me (token
# check, one database read, JSON reply) against nginx serving the very same
# bytes as a static file. See bench/README.md for how to read the result.
#
# Environment: BENCH_DURATION (seconds, default 10), BENCH_CONNECTIONS (64),
# BENCH_THREADS (wrk threads, default 2), BENCH_SERVER_THREADS (egret
# threads = nginx workers, default 2), BENCH_MIN_RATIO (0.6),
# BENCH_MAX_IDLE_RSS_KB (20480), EGRET_BUILD_DIR (build), BENCH_SKIP_BUILD
# (set: use the binary as it is).
#
# The load average before and after the run is printed with the figures: on
# a busy machine the ratio swings widely between runs. bench/http/callgrind.sh
# counts instructions per request instead, which load hardly moves.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

duration=${BENCH_DURATION:-10}
connections=${BENCH_CONNECTIONS:-64}
wrk_threads=${BENCH_THREADS:-2}
server_threads=${BENCH_SERVER_THREADS:-2}
min_ratio=${BENCH_MIN_RATIO:-0.6}
max_rss_kb=${BENCH_MAX_IDLE_RSS_KB:-20480}
build_dir=${EGRET_BUILD_DIR:-build}
egret=$root/$build_dir/egret
nginx=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}

die() {
    echo "bench-http: $*" >&2
    exit 1
}
for tool in wrk curl python3; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is not installed (run scripts/install-deps.sh)"
done
[ -x "$nginx" ] || die "nginx is not installed (Debian nginx-light; run scripts/install-deps.sh)"

if [ -z "${BENCH_SKIP_BUILD:-}" ]; then
    echo "bench-http: building $build_dir/egret"
    [ -f "$build_dir/CMakeCache.txt" ] ||
        cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build "$build_dir" -j"$(nproc)" --target egret >/dev/null
fi
[ -x "$egret" ] || die "$egret was not built"

tmp=$(mktemp -d /tmp/egret-bench.XXXXXX)
chmod 755 "$tmp" # nginx workers may run as another user
egret_pid=""
nginx_pid=""
cleanup() {
    if [ -n "$egret_pid" ] && kill -0 "$egret_pid" 2>/dev/null; then
        kill -TERM "$egret_pid" 2>/dev/null || true
        wait "$egret_pid" 2>/dev/null || true
    fi
    if [ -n "$nginx_pid" ] && kill -0 "$nginx_pid" 2>/dev/null; then
        kill -QUIT "$nginx_pid" 2>/dev/null || true
        wait "$nginx_pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

wait_http() { # wait_http URL: until it answers (10 s)
    local i
    for i in $(seq 1 200); do
        curl -s -o /dev/null "$1" && return 0
        sleep 0.05
    done
    return 1
}

rss_kb() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# ------------------------------------------------------------------ egret
export EGRET_DB=$tmp/egret.db
export EGRET_SECURITY_KEY_FILE=$tmp/egret.key
export EGRET_SERVER_STATIC_DIR=$tmp/static
export EGRET_FILES_DATA_DIR=$tmp/files
export EGRET_DEMO_SCALE=small
export EGRET_SERVER_ACCESS_LOG=0
export EGRET_SERVER_LOG_LEVEL=warn
export EGRET_SERVER_THREADS=$server_threads
mkdir -p "$tmp/static" "$tmp/files"
egret_port=$(free_port)
export EGRET_LISTEN=127.0.0.1:$egret_port

echo "bench-http: seeding a small demo database"
(cd "$tmp" && "$egret" migrate >"$tmp/setup.log" 2>&1 && "$egret" seed-demo >>"$tmp/setup.log" 2>&1) ||
    { cat "$tmp/setup.log" >&2; die "migrate/seed-demo failed"; }

(cd "$tmp" && exec "$egret" serve >"$tmp/egret.log" 2>&1) &
egret_pid=$!
wait_http "http://127.0.0.1:$egret_port/healthz" || { cat "$tmp/egret.log" >&2; die "egret did not start"; }
sleep 1
rss_start=$(rss_kb "$egret_pid")

login=$(curl -s -H 'Content-Type: application/json' \
    -d '{"login":"admin","password":"egret-city-demo"}' "http://127.0.0.1:$egret_port/api/v1/auth/login")
token=$(printf '%s' "$login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])') ||
    die "login as admin failed: $login"
mkdir -p "$tmp/www"
status=$(curl -s -o "$tmp/www/me.json" -w '%{http_code}' -H "Authorization: Bearer $token" \
    "http://127.0.0.1:$egret_port/api/v1/me")
[ "$status" = 200 ] || die "GET /api/v1/me answered $status: $(cat "$tmp/www/me.json")"
chmod 644 "$tmp/www/me.json"
chmod 755 "$tmp/www"

# ------------------------------------------------------------------ nginx
nginx_port=$(free_port)
mkdir -p "$tmp/nginx"
user_line=""
[ "$(id -u)" -eq 0 ] && user_line="user root;"
cat >"$tmp/nginx/nginx.conf" <<CONF
$user_line
worker_processes $server_threads;
daemon off;
pid $tmp/nginx/nginx.pid;
error_log $tmp/nginx/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    keepalive_requests 100000000;
    client_body_temp_path $tmp/nginx/body;
    proxy_temp_path $tmp/nginx/proxy;
    fastcgi_temp_path $tmp/nginx/fastcgi;
    uwsgi_temp_path $tmp/nginx/uwsgi;
    scgi_temp_path $tmp/nginx/scgi;
    server {
        listen 127.0.0.1:$nginx_port;
        root $tmp/www;
        location = /api/v1/me {
            types { }
            default_type application/json;
            try_files /me.json =404;
        }
    }
}
CONF
"$nginx" -e "$tmp/nginx/error.log" -p "$tmp/nginx" -c "$tmp/nginx/nginx.conf" &
nginx_pid=$!
wait_http "http://127.0.0.1:$nginx_port/api/v1/me" ||
    { cat "$tmp/nginx/error.log" >&2; die "nginx did not start"; }
cmp -s <(curl -s "http://127.0.0.1:$nginx_port/api/v1/me") "$tmp/www/me.json" ||
    die "nginx does not serve the same body"

# ------------------------------------------------------------------ wrk
# run_wrk NAME URL SECONDS: prints requests/s; fails on errors or non-2xx.
run_wrk() {
    local name=$1 url=$2 secs=$3 out
    out=$(wrk -t"$wrk_threads" -c"$connections" -d"${secs}s" --latency \
        -H "Authorization: Bearer $token" "$url")
    echo "$out" >"$tmp/wrk-$name.txt"
    if grep -q 'Non-2xx or 3xx responses' <<<"$out"; then
        echo "$out" >&2
        die "$name answered with errors under load"
    fi
    awk '/^Requests\/sec:/ {print $2}' <<<"$out"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "bench-http: warming up"
run_wrk egret-warm "http://127.0.0.1:$egret_port/api/v1/me" 2 >/dev/null
run_wrk nginx-warm "http://127.0.0.1:$nginx_port/api/v1/me" 2 >/dev/null

echo "bench-http: wrk -t$wrk_threads -c$connections -d${duration}s, GET /api/v1/me"
egret_rps=$(run_wrk egret "http://127.0.0.1:$egret_port/api/v1/me" "$duration")
nginx_rps=$(run_wrk nginx "http://127.0.0.1:$nginx_port/api/v1/me" "$duration")
kill -0 "$egret_pid" 2>/dev/null || die "egret exited during the run"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
sleep 2
rss_after=$(rss_kb "$egret_pid")

latency() { awk '/^     99%/ {print $2}' "$tmp/wrk-$1.txt"; }

verdict=$(python3 - "$egret_rps" "$nginx_rps" "$rss_start" "$rss_after" "$min_ratio" "$max_rss_kb" \
    "$(latency egret)" "$(latency nginx)" "$(wc -c <"$tmp/www/me.json")" <<'PY'
import sys
e, n, rs, ra, minr, maxrss, le, ln, size = sys.argv[1:]
e, n, rs, ra, minr, maxrss = float(e), float(n), int(rs), int(ra), float(minr), int(maxrss)
ratio = e / n if n else 0.0
ok_ratio = ratio >= minr
ok_start = rs < maxrss
ok_after = ra < maxrss
mark = lambda ok: "PASS" if ok else "FAIL"
print("  body               %s bytes of JSON (GET /api/v1/me as admin)" % size)
print("  egret              %10.0f requests/s   p99 %s" % (e, le))
print("  nginx (static)     %10.0f requests/s   p99 %s" % (n, ln))
print("  ratio egret/nginx  %10.2f     target >= %.2f   %s" % (ratio, minr, mark(ok_ratio)))
print("  egret idle RSS     %7.1f MB after start-up   target < %.1f MB   %s"
      % (rs / 1024, maxrss / 1024, mark(ok_start)))
print("  egret idle RSS     %7.1f MB after the run    target < %.1f MB   %s"
      % (ra / 1024, maxrss / 1024, mark(ok_after)))
print("RESULT " + mark(ok_ratio and ok_start and ok_after))
PY
)

mkdir -p bench/out
report=bench/out/http-$(date -u +%Y%m%dT%H%M%SZ).txt
{
    echo "egret HTTP benchmark $(date -u +%FT%TZ) on $(nproc) CPU(s)"
    echo "wrk -t$wrk_threads -c$connections -d${duration}s; egret threads = nginx workers = $server_threads"
    echo "load average before: $load_before; after: $load_after"
    echo "$verdict"
    echo
    echo "--- wrk egret"
    cat "$tmp/wrk-egret.txt"
    echo "--- wrk nginx"
    cat "$tmp/wrk-nginx.txt"
} >"$report"

echo
echo "$verdict" | sed '$d'
echo "  load average       $load_before before, $load_after after ($(nproc) CPUs)"
echo
result=$(echo "$verdict" | tail -1)
echo "bench-http: ${result#RESULT } (details in $report)"
[ "$result" = "RESULT PASS" ]
