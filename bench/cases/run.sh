#!/usr/bin/env bash
# Case list benchmark: with a million cases in the database, how long does a
# filtered page of GET /api/v1/cases take over real HTTP? The filter is the
# one staff use all day — state + handling department + submission date
# range, limit 50 — and the target is a 99th-percentile latency under 50 ms.
# See bench/cases/README.md.
#
#   bench/cases/run.sh                     SQLite
#   BENCH_ENGINE=postgres bench/cases/run.sh   a throwaway PostgreSQL cluster
#
# Environment: BENCH_ENGINE (sqlite), BENCH_CASES (1000000), BENCH_DURATION
# (15 s), BENCH_CONNECTIONS (4), BENCH_THREADS (wrk threads, 2),
# BENCH_MAX_P99_MS (50), BENCH_BUILD_DIR (build), BENCH_PG_URL (an existing
# database instead of a throwaway cluster), BENCH_KEEP (set: keep the temp
# dir, database and throwaway cluster for a look afterwards).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

engine=${BENCH_ENGINE:-sqlite}
cases=${BENCH_CASES:-1000000}
duration=${BENCH_DURATION:-15}
conns=${BENCH_CONNECTIONS:-4}
threads=${BENCH_THREADS:-2}
max_p99=${BENCH_MAX_P99_MS:-50}
build=${BENCH_BUILD_DIR:-build}

die() {
    echo "bench-cases: $*" >&2
    exit 1
}
for tool in wrk python3 curl; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is not installed (run scripts/install-deps.sh)"
done
case "$engine" in
sqlite) command -v sqlite3 >/dev/null 2>&1 || die "sqlite3 is not installed" ;;
postgres) command -v psql >/dev/null 2>&1 || die "psql is not installed" ;;
*) die "BENCH_ENGINE must be sqlite or postgres" ;;
esac

echo "bench-cases: building $build/egret"
if [ ! -f "$build/CMakeCache.txt" ]; then
    cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build" -j"$(nproc)" --target egret >/dev/null
egret=$root/$build/egret
[ -x "$egret" ] || die "$egret was not built"

tmp=$(mktemp -d /tmp/egret-bench-cases.XXXXXX)
chmod 755 "$tmp"
pg_dir=""
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    if [ -n "${BENCH_KEEP:-}" ]; then
        echo "bench-cases: kept $tmp"
        return
    fi
    if [ -n "$pg_dir" ]; then
        bash scripts/pg-cluster.sh stop "$pg_dir" >/dev/null 2>&1 || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p bench/out
report=bench/out/cases-$engine-$(date +%Y%m%d-%H%M%S).txt
exec > >(tee "$report") 2>&1

if [ "$engine" = postgres ]; then
    if [ -n "${BENCH_PG_URL:-}" ]; then
        db=$BENCH_PG_URL
    else
        pg_dir=$tmp/pg
        base=$(bash scripts/pg-cluster.sh start "$pg_dir" | tail -1)
        psql -X -q "$base" -c "CREATE DATABASE egret_bench" >/dev/null
        db=${base%/*}/egret_bench
    fi
    sql() { psql -X -q -A -t -v ON_ERROR_STOP=1 "$db" "$@"; }
else
    db=$tmp/egret.db
    sql() { sqlite3 -batch -bail "$db" "$@"; }
fi

export EGRET_DB=$db
export EGRET_SECURITY_KEY_FILE=$tmp/egret.key
export EGRET_FILES_DATA_DIR=$tmp/files
export EGRET_SERVER_STATIC_DIR=$tmp/static
export EGRET_DEMO_SCALE=small
export EGRET_PWHASH_FAST=1
export TZ=UTC

echo "bench-cases: engine $engine, $cases cases, database in $tmp"
"$egret" migrate >/dev/null 2>&1 || die "egret migrate failed"
"$egret" seed-demo >"$tmp/seed.log" 2>&1 || die "egret seed-demo failed (see $tmp/seed.log)"

# Helper tables: 730 business days ending today (dates are computed here,
# not in SQL), the departments, respondents, applicants, states and types
# numbered from 0 so that the generator can pick them by n modulo their count.
python3 - "$tmp/helpers.sql" <<'EOF'
import datetime, sys
today = (datetime.datetime.utcnow() + datetime.timedelta(hours=8)).date()
with open(sys.argv[1], "w") as f:
    f.write("CREATE TABLE bench_days (k INTEGER PRIMARY KEY, day TEXT NOT NULL, at BIGINT NOT NULL);\n")
    rows = []
    for k in range(730):
        d = today - datetime.timedelta(days=729 - k)
        at = int(datetime.datetime(d.year, d.month, d.day).timestamp()) - 8 * 3600 + 9 * 3600
        rows.append("(%d, '%s', %d)" % (k, d.isoformat(), at))
    for i in range(0, len(rows), 100):
        f.write("INSERT INTO bench_days (k, day, at) VALUES %s;\n" % ", ".join(rows[i:i + 100]))
    states = ["submitted", "accepted", "rejected", "mediating", "agreed", "fulfilled", "failed",
              "referred", "closed", "withdrawn"]
    f.write("CREATE TABLE bench_states (k INTEGER PRIMARY KEY, state TEXT NOT NULL, open INTEGER NOT NULL);\n")
    f.write("INSERT INTO bench_states (k, state, open) VALUES %s;\n" % ", ".join(
        "(%d, '%s', %d)" % (i, s, 1 if s in ("submitted", "accepted", "mediating") else 0)
        for i, s in enumerate(states)))
    types = ["unpaid_pay", "penalty", "deactivation", "occupational_injury", "labour_relation",
             "social_insurance", "safety", "other"]
    f.write("CREATE TABLE bench_types (k INTEGER PRIMARY KEY, t TEXT NOT NULL);\n")
    f.write("INSERT INTO bench_types (k, t) VALUES %s;\n" % ", ".join(
        "(%d, '%s')" % (i, t) for i, t in enumerate(types)))
    for name, sql in (("depts", "SELECT id FROM departments"),
                      ("orgs", "SELECT id FROM organisations WHERE kind IN ('platform', 'company')"),
                      ("people", "SELECT id FROM people")):
        f.write("CREATE TABLE bench_%s (k INTEGER PRIMARY KEY, id BIGINT NOT NULL);\n" % name)
        f.write("INSERT INTO bench_%s (k, id) SELECT ROW_NUMBER() OVER (ORDER BY id) - 1, id "
                "FROM (%s) x;\n" % (name, sql))
EOF
sql <"$tmp/helpers.sql" >/dev/null

# One INSERT … SELECT over a recursive sequence, in portable SQL.
cat >"$tmp/load.sql" <<EOF
INSERT INTO cases (number, channel, oral, case_type, state, applicant_person_id,
    respondent_org_id, department_id, matter, facts, reasons, incident_on, claimed_total_fen,
    submitted_at, submitted_on, accept_due_on, due_on, created_at, updated_at)
WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < $cases)
SELECT 'BM-' || CAST(seq.n AS TEXT), 'online', 0, ty.t, st.state, pe.id, og.id, dp.id,
    '拖欠劳务报酬', '平台拖欠上月配送劳务报酬，经多次催要无果。', '', dy.day,
    (seq.n % 5000) * 100 + 100, dy.at + seq.n % 28800, dy.day, dy.day,
    CASE WHEN st.open = 1 THEN dy.day ELSE NULL END, dy.at, dy.at
FROM seq
JOIN bench_days dy ON dy.k = seq.n % 730
JOIN bench_states st ON st.k = (seq.n / 7) % 10
JOIN bench_types ty ON ty.k = (seq.n / 3) % 8
JOIN bench_depts dp ON dp.k = seq.n % (SELECT COUNT(*) FROM bench_depts)
JOIN bench_orgs og ON og.k = (seq.n / 11) % (SELECT COUNT(*) FROM bench_orgs)
JOIN bench_people pe ON pe.k = (seq.n / 13) % (SELECT COUNT(*) FROM bench_people);
EOF
echo "bench-cases: loading $cases cases"
t0=$(date +%s.%N)
if [ "$engine" = sqlite ]; then
    (echo "PRAGMA journal_mode=WAL; BEGIN;"; cat "$tmp/load.sql"; echo "COMMIT;") | sql >/dev/null
else
    sql <"$tmp/load.sql" >/dev/null
fi
t1=$(date +%s.%N)
sql <<'EOF' >/dev/null
DROP TABLE bench_days;
DROP TABLE bench_states;
DROP TABLE bench_types;
DROP TABLE bench_depts;
DROP TABLE bench_orgs;
DROP TABLE bench_people;
EOF
# What a deployment's maintenance does after a bulk load: statistics for the
# planner, and on PostgreSQL the visibility map that index-only scans need
# (autovacuum would get there on its own, later).
# A checkpoint then writes the load out, so that it does not happen in the
# middle of the measurement.
if [ "$engine" = postgres ]; then
    sql -c "VACUUM ANALYZE" >/dev/null
    sql -c "CHECKPOINT" >/dev/null 2>&1 || echo "bench-cases: CHECKPOINT not allowed here; continuing"
else
    echo "ANALYZE; PRAGMA wal_checkpoint(TRUNCATE);" | sql >/dev/null
fi
t2=$(date +%s.%N)
total=$(echo "SELECT COUNT(*) FROM cases;" | sql)
printf 'bench-cases: loaded in %.1f s, analysed in %.1f s; %s cases in the database\n' \
    "$(echo "$t1 - $t0" | bc)" "$(echo "$t2 - $t1" | bc)" "$total"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export EGRET_LISTEN=127.0.0.1:$port
export EGRET_SERVER_ACCESS_LOG=0
export EGRET_SERVER_LOG_LEVEL=warn
"$egret" serve >"$tmp/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    sleep 0.1
done
curl -fs "http://127.0.0.1:$port/healthz" >/dev/null || die "egret serve did not start (see $tmp/serve.log)"

login() {
    curl -fs -X POST "http://127.0.0.1:$port/api/v1/auth/login" -H 'Content-Type: application/json' \
        -d "{\"login\":\"$1\",\"password\":\"egret-city-demo\"}" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}
admin=$(login admin)
mediator=$(login mediator.hrss)

# The queries: busy departments, open states, date ranges of a week to a
# quarter ending on various days in the two years of data.
python3 - "$tmp/paths.txt" <<'EOF'
import datetime, random, sys
rnd = random.Random(7)
today = (datetime.datetime.utcnow() + datetime.timedelta(hours=8)).date()
depts = ["hrss", "market", "transport", "centre", "union", "postal", "siming", "traffic_police"]
states = ["submitted", "accepted", "mediating", "agreed", "closed", "mediating,accepted"]
with open(sys.argv[1], "w") as f:
    for _ in range(200):
        end = today - datetime.timedelta(days=rnd.randrange(0, 700))
        start = end - datetime.timedelta(days=rnd.choice((7, 30, 90)))
        f.write("/api/v1/cases?state=%s&department=%s&from=%s&to=%s&limit=50\n" % (
            rnd.choice(states), rnd.choice(depts), start, end))
EOF
first=$(head -1 "$tmp/paths.txt")
n_items=$(curl -fs "http://127.0.0.1:$port$first" -H "Authorization: Bearer $admin" |
    python3 -c 'import json,sys; print(len(json.load(sys.stdin)["items"]))')
echo "bench-cases: sample page $first -> $n_items items"
[ "$n_items" -gt 0 ] || die "the sample page is empty"

cat >"$tmp/cases.lua" <<EOF
local paths = {}
for line in io.lines("$tmp/paths.txt") do paths[#paths + 1] = line end
local i = 0
local token = os.getenv("BENCH_TOKEN")
request = function()
    i = i % #paths + 1
    return wrk.format("GET", paths[i], {["Authorization"] = "Bearer " .. token})
end
local bad = 0
response = function(status, headers, body)
    if status ~= 200 then bad = bad + 1 end
end
done = function(summary, latency, requests)
    io.write(string.format("RESULT requests=%d non2xx=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d\n",
        summary.requests, summary.errors.status, latency:percentile(50), latency:percentile(90),
        latency:percentile(99), latency.max))
end
EOF

run() { # $1 label, $2 token
    # Warm up: every query of the run once (their pages into the caches),
    # then two seconds of load.
    while read -r path; do
        curl -fs -o /dev/null "http://127.0.0.1:$port$path" -H "Authorization: Bearer $2" || true
    done <"$tmp/paths.txt"
    BENCH_TOKEN=$2 wrk -t1 -c1 -d2s -s "$tmp/cases.lua" "http://127.0.0.1:$port" >/dev/null 2>&1 || true
    BENCH_TOKEN=$2 wrk -t"$threads" -c"$conns" -d"${duration}s" --latency -s "$tmp/cases.lua" \
        "http://127.0.0.1:$port" >"$tmp/wrk-$1.txt" 2>&1 || die "wrk failed: $(cat "$tmp/wrk-$1.txt")"
    cat "$tmp/wrk-$1.txt"
}

fail=0
for who in admin mediator; do
    token=$admin
    [ "$who" = mediator ] && token=$mediator
    echo
    echo "== $who: filtered list pages (state + department + date range, limit 50), $conns connections, ${duration}s"
    run "$who" "$token"
    line=$(grep '^RESULT' "$tmp/wrk-$who.txt" || true)
    [ -n "$line" ] || die "no result from wrk"
    p99_us=$(echo "$line" | sed -E 's/.*p99_us=([0-9]+).*/\1/')
    non2xx=$(echo "$line" | sed -E 's/.*non2xx=([0-9]+).*/\1/')
    reqs=$(echo "$line" | sed -E 's/.*requests=([0-9]+).*/\1/')
    p99_ms=$(echo "scale=1; $p99_us / 1000" | bc)
    verdict=PASS
    if [ "$non2xx" -ne 0 ] || [ "$(echo "$p99_ms >= $max_p99" | bc)" -eq 1 ]; then
        verdict=FAIL
        fail=1
    fi
    printf 'cases list p99 (%s, %s)   %6.1f ms   target < %s ms   %s   (%s requests, %s non-2xx)\n' \
        "$engine" "$who" "$p99_ms" "$max_p99" "$verdict" "$reqs" "$non2xx"
done
echo "report: $report"
exit $fail
