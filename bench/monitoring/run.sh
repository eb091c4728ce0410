#!/usr/bin/env bash
# Monitoring benchmark: feed ingest against the sqlite3 CLI's .import of the
# same file, egret's peak memory while ingesting, rebuilding a day's
# indicators, and dashboard latency over 90 days of a big platform.
# See bench/monitoring/README.md for how to read the result.
#
# Environment: EGRET_BIN (default build/egret, built if missing), BENCH_WORKERS
# (200000), BENCH_ROUNDS (ingest rounds, 3; each a fresh 1,000,000-row file:
# 200,000 workers × 5 days), BENCH_DAYS (days of data for the dashboard, 90),
# BENCH_MIN_RATIO (1.0), BENCH_MAX_HWM_KB (65536), BENCH_MAX_RECOMPUTE_MS
# (1000), BENCH_MAX_P99_MS (20), BENCH_REQUESTS (per dashboard call, 300),
# BENCH_SERVER_THREADS (2).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

workers=${BENCH_WORKERS:-200000}
rounds=${BENCH_ROUNDS:-3}
days_total=${BENCH_DAYS:-90}
min_ratio=${BENCH_MIN_RATIO:-1.0}
max_hwm_kb=${BENCH_MAX_HWM_KB:-65536}
max_recompute_ms=${BENCH_MAX_RECOMPUTE_MS:-1000}
max_p99_ms=${BENCH_MAX_P99_MS:-20}
requests=${BENCH_REQUESTS:-300}
server_threads=${BENCH_SERVER_THREADS:-2}
egret=${EGRET_BIN:-$root/build/egret}

die() {
    echo "bench-monitoring: $*" >&2
    exit 1
}
for tool in sqlite3 curl python3; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is not installed"
done
if [ -z "${EGRET_BIN:-}" ]; then
    echo "bench-monitoring: building"
    bash scripts/build.sh build >/dev/null
fi
[ -x "$egret" ] || die "$egret was not built"

tmp=$(mktemp -d /tmp/egret-bench-mon.XXXXXX)
egret_pid=""
cleanup() {
    if [ -n "$egret_pid" ] && kill -0 "$egret_pid" 2>/dev/null; then
        kill -TERM "$egret_pid" 2>/dev/null || true
        wait "$egret_pid" 2>/dev/null || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_http() {
    local i
    for i in $(seq 1 400); do
        curl -s -o /dev/null "$1" && return 0
        sleep 0.05
    done
    return 1
}
now_s() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now_s)" 'BEGIN { printf "%.3f\n", b - a }'; }
day() { TZ=Asia/Shanghai date -d "$1 days ago" +%F; } # business dates are Shanghai's
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

export EGRET_DB=$tmp/egret.db
export EGRET_SECURITY_KEY_FILE=$tmp/egret.key
export EGRET_SERVER_STATIC_DIR=$tmp/static
export EGRET_FILES_DATA_DIR=$tmp/files
export EGRET_SERVER_ACCESS_LOG=0
export EGRET_SERVER_LOG_LEVEL=warn
export EGRET_SERVER_THREADS=$server_threads
export EGRET_PWHASH_FAST=1
mkdir -p "$tmp/static" "$tmp/files"
port=$(free_port)
export EGRET_LISTEN=127.0.0.1:$port
base=http://127.0.0.1:$port

echo "bench-monitoring: a fresh database, an administrator and a platform"
(cd "$tmp" && "$egret" migrate >"$tmp/setup.log" 2>&1) || { cat "$tmp/setup.log" >&2; die "migrate failed"; }
printf 'bench-password\n' | (cd "$tmp" && "$egret" user add --login benchadmin --role admin >>"$tmp/setup.log" 2>&1) ||
    die "user add failed"
key=$(cd "$tmp" && "$egret" platform add --name 基准平台 --credit-code 91350100M000100Y43 \
    --sector food_delivery 2>>"$tmp/setup.log" | awk -F= '/^api_key=/ {print $2}')
[ -n "$key" ] || { cat "$tmp/setup.log" >&2; die "platform add failed"; }

(cd "$tmp" && exec "$egret" serve >"$tmp/egret.log" 2>&1) &
egret_pid=$!
wait_http "$base/healthz" || { cat "$tmp/egret.log" >&2; die "egret did not start"; }
token=$(curl -s -H 'Content-Type: application/json' -d '{"login":"benchadmin","password":"bench-password"}' \
    "$base/api/v1/auth/login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
curl -s -o /dev/null -X PUT -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d '{"items":[{"code":"350203","label":"思明区","lat":24.4543,"lng":118.082},
                  {"code":"350205","label":"海沧区","lat":24.4846,"lng":118.0327},
                  {"code":"350206","label":"湖里区","lat":24.5126,"lng":118.1464},
                  {"code":"350211","label":"集美区","lat":24.5759,"lng":118.097},
                  {"code":"350212","label":"同安区","lat":24.7231,"lng":118.152},
                  {"code":"350213","label":"翔安区","lat":24.6185,"lng":118.2479}]}' \
    "$base/api/v1/dictionary/district"

# post FEED FILE KEY: the reply in $tmp/reply.json; fails unless 201. The
# file is streamed from disk as it is sent (-T), as a platform's uploader
# would, rather than read whole into curl's memory first (--data-binary @).
post() {
    local code
    code=$(curl -s -o "$tmp/reply.json" -w '%{http_code}' -X POST -H "Authorization: Bearer $key" \
        -H 'Content-Type: text/csv' -H "Idempotency-Key: $3" -T "$2" \
        "$base/api/v1/feeds/$1")
    [ "$code" = 201 ] || { head -c 600 "$tmp/reply.json" >&2; echo >&2; die "POST $1 answered $code"; }
}

echo "bench-monitoring: a roster of $workers workers"
python3 bench/monitoring/gen.py roster "$workers" "$tmp/roster.csv"
t0=$(now_s)
post roster "$tmp/roster.csv" roster-1
roster_s=$(since "$t0")

python3 bench/monitoring/gen.py work "$workers" 5 2000-01-01 "$tmp/template.csv"
rows=$((workers * 5))
# make_batch FIRST_OFFSET FILE: the template with its 5 dates moved to
# day(FIRST_OFFSET), day(FIRST_OFFSET-1), … (oldest first)
make_batch() {
    local args=() i
    for i in 0 1 2 3 4; do
        args+=(-e "s/,2000-01-0$((i + 1)),/,$(day $(($1 - i))),/")
    done
    sed "${args[@]}" "$tmp/template.csv" >"$2"
}

echo "bench-monitoring: ingest, $rounds rounds of $rows rows (sqlite3 .import, then egret)"
import_s=()
egret_s=()
newest=$((rounds * 5 - 1))
for r in $(seq 1 "$rounds"); do
    first=$((newest - (r - 1) * 5))
    make_batch "$first" "$tmp/batch.csv"
    rm -f "$tmp/import.db"
    t0=$(now_s)
    sqlite3 "$tmp/import.db" ".import --csv $tmp/batch.csv t"
    import_s+=("$(since "$t0")")
    t0=$(now_s)
    post work-records "$tmp/batch.csv" "bench-$r"
    egret_s+=("$(since "$t0")")
    inserted=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["inserted"])' "$tmp/reply.json")
    [ "$inserted" = "$rows" ] || die "round $r inserted $inserted rows, not $rows"
    echo "  round $r: sqlite3 .import ${import_s[-1]} s, egret ${egret_s[-1]} s"
done
hwm_kb=$(awk '/^VmHWM:/ {print $2}' "/proc/$egret_pid/status")
rm -f "$tmp/import.db"

echo "bench-monitoring: loading the rest of $days_total days"
t0=$(now_s)
offset=$((newest + 1))
n=0
while [ "$offset" -le $((days_total - 1)) ]; do
    make_batch $((offset + 4)) "$tmp/batch.csv"
    t1=$(now_s)
    post work-records "$tmp/batch.csv" "fill-$offset"
    echo "  days $(day $((offset + 4)))…$(day "$offset"): $(since "$t1") s"
    offset=$((offset + 5))
    n=$((n + 1))
done
fill_s=$(since "$t0")
records=$(sqlite3 "$tmp/egret.db" 'SELECT COUNT(*) FROM mon_work_records')

echo "bench-monitoring: rebuilding one day's indicators ($workers workers)"
recompute_ms=()
d=$(day 1)
for i in 1 2 3; do
    out=$(cd "$tmp" && "$egret" monitoring recompute --from "$d" --to "$d" 2>>"$tmp/setup.log")
    s=$(sed -n 's/.* in \([0-9.]*\) s$/\1/p' <<<"$out")
    [ -n "$s" ] || die "recompute printed: $out"
    recompute_ms+=("$(python3 -c "print(round(float('$s') * 1000))")")
done

echo "bench-monitoring: dashboard latency ($requests requests per call)"
from=$(day $((days_total - 1)))
to=$(day 0)
python3 bench/monitoring/latency.py "$base" "$token" "$requests" \
    "/api/v1/dashboard/overview" \
    "/api/v1/dashboard/trends?indicator=fatigue_share&from=$from&to=$to" \
    "/api/v1/dashboard/trends?indicator=hourly_income_median_fen&from=$from&to=$to" \
    "/api/v1/dashboard/breakdown?by=district&indicator=below_min_wage_share&from=$from&to=$to" \
    "/api/v1/dashboard/breakdown?by=platform&indicator=active_workers&date=$(day 1)" \
    "/api/v1/indicators?scope=city&period=week&from=$from&to=$to" \
    "/api/v1/alerts?state=open" >"$tmp/latency.txt" || die "a dashboard call failed"
kill -0 "$egret_pid" 2>/dev/null || die "egret exited during the run"

verdict=$(python3 - "$rows" "$roster_s" "$fill_s" "$records" "$min_ratio" "$max_hwm_kb" "$hwm_kb" \
    "$max_recompute_ms" "$max_p99_ms" "$(median "${import_s[@]}")" "$(median "${egret_s[@]}")" \
    "$(median "${recompute_ms[@]}")" "$workers" "$tmp/latency.txt" <<'PY'
import sys
(rows, roster_s, fill_s, records, min_ratio, max_hwm, hwm, max_rc, max_p99, imp, eg, rc,
 workers, lat) = sys.argv[1:]
rows, records, workers = int(rows), int(records), int(workers)
imp, eg, rc = float(imp), float(eg), float(rc)
ratio = imp / eg if eg else 0.0
mark = lambda ok: "PASS" if ok else "FAIL"
ok_ratio = ratio >= float(min_ratio)
ok_hwm = int(hwm) < int(max_hwm)
ok_rc = rc < float(max_rc)
print("  roster of %d workers          %8.1f s (with people through the blind index)" % (workers, float(roster_s)))
print("  sqlite3 .import %d rows  %8.2f s   %9.0f rows/s (median)" % (rows, imp, rows / imp))
print("  egret feed      %d rows  %8.2f s   %9.0f rows/s (median, real HTTP)" % (rows, eg, rows / eg))
print("  ratio egret/.import (rate)    %8.2f     target >= %.2f   %s" % (ratio, float(min_ratio), mark(ok_ratio)))
print("  egret peak memory (VmHWM)     %8.1f MB  target < %.1f MB   %s" % (int(hwm) / 1024, int(max_hwm) / 1024, mark(ok_hwm)))
print("  days loaded in total          %8d work records (%.1f s for the rest)" % (records, float(fill_s)))
print("  one day rebuilt, %d workers %6.0f ms   target < %s ms   %s" % (workers, rc, max_rc, mark(ok_rc)))
ok_lat = True
for line in open(lat):
    p50, p99, mx, path = line.split(None, 3)
    ok = float(p99) < float(max_p99)
    ok_lat = ok_lat and ok
    print("  p50 %6.2f  p99 %6.2f ms  %s  %s" % (float(p50), float(p99), mark(ok), path.strip()[:90]))
print("RESULT " + mark(ok_ratio and ok_hwm and ok_rc and ok_lat))
PY
)

mkdir -p bench/out
report=bench/out/monitoring-$(date -u +%Y%m%dT%H%M%SZ).txt
{
    echo "egret monitoring benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) CPUs"
    echo "$verdict"
    echo
    echo "== rounds (seconds): import ${import_s[*]} | egret ${egret_s[*]}"
    echo "== recompute (ms): ${recompute_ms[*]}"
    echo "== egret log (warnings and errors)"
    tail -n 50 "$tmp/egret.log"
} >"$report"
echo
echo "$verdict"
echo "(report: $report)"
grep -q '^RESULT PASS' <<<"$verdict"
