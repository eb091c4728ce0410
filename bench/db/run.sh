#!/usr/bin/env bash
# Storage benchmark: bulk-load a CSV of daily work records through egret's
# own storage layer (eg_db_*: prepared statements, batched transactions)
# into SQLite and into PostgreSQL in the same run, against each engine's
# native bulk loader on the same file (PostgreSQL COPY, the sqlite3 CLI's
# .import); then the heaviest read (GROUP BY date, platform over the whole
# table) through egret and through each engine's own client.
# See bench/db/README.md for how to read the result.
#
# Environment: BENCH_ROWS (1000000), BENCH_ROWS_PER_TX (10000),
# BENCH_MULTI (rows per multi-row INSERT, 100), BENCH_QUERY_REPEAT (3, best
# taken), BENCH_PG_URL (an existing server's database; default: a throwaway
# cluster from scripts/pg-cluster.sh), BENCH_BUILD_DIR (build),
# BENCH_MIN_PG_MULTI_RATIO (0.25), BENCH_MIN_SQLITE_MULTI_RATIO (0.25).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)

rows=${BENCH_ROWS:-1000000}
per_tx=${BENCH_ROWS_PER_TX:-10000}
multi=${BENCH_MULTI:-100}
repeat=${BENCH_QUERY_REPEAT:-3}
build=${BENCH_BUILD_DIR:-build}
min_pg=${BENCH_MIN_PG_MULTI_RATIO:-0.25}
min_sq=${BENCH_MIN_SQLITE_MULTI_RATIO:-0.25}

die() {
    echo "bench-db: $*" >&2
    exit 1
}
for tool in psql sqlite3 python3; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is not installed (run scripts/install-deps.sh)"
done

echo "bench-db: building $build/bench_db"
if [ ! -f "$build/CMakeCache.txt" ]; then
    cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$build" -j"$(nproc)" --target bench_db >/dev/null
bench=$root/$build/bench_db
[ -x "$bench" ] || die "$bench was not built"

tmp=$(mktemp -d /tmp/egret-bench-db.XXXXXX)
chmod 755 "$tmp" # the throwaway cluster lives inside: its server user must get through
pg_dir=""
# shellcheck disable=SC2317 # called by the trap
cleanup() {
    if [ -n "$pg_dir" ]; then
        bash scripts/pg-cluster.sh stop "$pg_dir" >/dev/null 2>&1 || true
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p bench/out
report=bench/out/db-$(date +%Y%m%d-%H%M%S).txt
exec > >(tee "$report") 2>&1

if [ -n "${BENCH_PG_URL:-}" ]; then
    pg=$BENCH_PG_URL
    echo "bench-db: PostgreSQL at the given BENCH_PG_URL"
else
    pg_dir=$tmp/pg
    pg=$(bash scripts/pg-cluster.sh start "$pg_dir")
    echo "bench-db: throwaway PostgreSQL 15 cluster (fsync off, synchronous_commit off)"
fi
sq=$tmp/egret.db
sq_ref=$tmp/import.db
csv=$tmp/work_records.csv

now() { echo "$EPOCHREALTIME"; }
since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }'; }
field() { # field KEY LINE: the value of KEY= in a "result …" line
    echo "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}
psql_q() { psql -X -q -v ON_ERROR_STOP=1 "$pg" "$@"; }

echo "bench-db: generating $rows rows"
"$bench" generate "$csv" "$rows" >/dev/null
echo "  $(wc -c <"$csv" | awk '{printf "%.1f MB", $1/1048576}') CSV, $(($(wc -l <"$csv") - 1)) rows"

declare -A secs
count_pg() { psql_q -At -c "SELECT COUNT(*) FROM bench_work_records"; }
count_sq() { sqlite3 "$1" "SELECT COUNT(*) FROM bench_work_records"; }
check_count() { # check_count WHAT N
    [ "$2" = "$rows" ] || die "$1 loaded $2 rows, expected $rows"
}

# ---------------------------------------------------------------- loads
echo "bench-db: PostgreSQL COPY (reference)"
"$bench" create "$pg"
t0=$(now)
psql_q -c "\\copy bench_work_records FROM '$csv' WITH (FORMAT csv, HEADER true)" >/dev/null
secs[pg_copy]=$(since "$t0")
check_count "COPY" "$(count_pg)"

for mode in 1 "$multi"; do
    echo "bench-db: PostgreSQL through eg_db ($mode row(s) per INSERT, $per_tx per transaction)"
    "$bench" create "$pg"
    line=$("$bench" load "$pg" "$csv" "$per_tx" "$mode")
    secs[pg_$mode]=$(field seconds "$line")
    check_count "egret (PostgreSQL, $mode)" "$(count_pg)"
done

echo "bench-db: sqlite3 .import (reference)"
"$bench" create "$sq_ref"
t0=$(now)
sqlite3 "$sq_ref" ".mode csv" ".import --skip 1 $csv bench_work_records"
secs[sq_import]=$(since "$t0")
check_count ".import" "$(count_sq "$sq_ref")"

for mode in 1 "$multi"; do
    echo "bench-db: SQLite through eg_db ($mode row(s) per INSERT, $per_tx per transaction)"
    rm -f "$sq" "$sq-wal" "$sq-shm"
    "$bench" create "$sq"
    line=$("$bench" load "$sq" "$csv" "$per_tx" "$mode")
    secs[sq_$mode]=$(field seconds "$line")
    check_count "egret (SQLite, $mode)" "$(count_sq "$sq")"
done

# ---------------------------------------------------------------- query
query="SELECT date, platform_id, COUNT(*), SUM(orders), SUM(online_minutes), SUM(order_minutes), SUM(income_fen), SUM(penalty_count), SUM(penalty_fen), SUM(CASE WHEN online_minutes > 720 THEN 1 ELSE 0 END) FROM bench_work_records GROUP BY date, platform_id ORDER BY date, platform_id"
psql_q -c "VACUUM ANALYZE bench_work_records" >/dev/null
sqlite3 "$sq" "ANALYZE"

echo "bench-db: the aggregate (best of $repeat)"
qpg=$("$bench" query "$pg" "$repeat")
qsq=$("$bench" query "$sq" "$repeat")
# The engines' own clients, timed by themselves (no process start-up or
# connection in the figure): psql's \timing, sqlite3's .timer; best run.
reps=()
for _ in $(seq 1 "$repeat"); do reps+=(-c "$query"); done
secs[q_psql]=$(psql_q -o /dev/null -c '\timing on' "${reps[@]}" |
    awk '/^Time:/ { t = $2 / 1000; if (best == "" || t < best) best = t } END { printf "%.3f", best }')
secs[q_sqlite3]=$(for _ in $(seq 1 "$repeat"); do echo "$query;"; done |
    sqlite3 -cmd ".timer on" "$sq" |
    awk '/^Run Time:/ { t = $4; if (best == "" || t < best) best = t } END { printf "%.3f", best }')
secs[q_pg]=$(field seconds "$qpg")
secs[q_sq]=$(field seconds "$qsq")

# ---------------------------------------------------------------- report
status=0
python3 - "$rows" "$multi" "$min_pg" "$min_sq" "$qpg" "$qsq" <<EOF || status=$?
import sys
rows, multi = int(sys.argv[1]), sys.argv[2]
min_pg, min_sq = float(sys.argv[3]), float(sys.argv[4])
qpg = dict(kv.split("=", 1) for kv in sys.argv[5].split()[1:])
qsq = dict(kv.split("=", 1) for kv in sys.argv[6].split()[1:])
s = {k: float(v) for k, v in dict(
    pg_copy="${secs[pg_copy]}", pg_1="${secs[pg_1]}", pg_m="${secs[pg_$multi]}",
    sq_import="${secs[sq_import]}", sq_1="${secs[sq_1]}", sq_m="${secs[sq_$multi]}",
    q_psql="${secs[q_psql]}", q_sqlite3="${secs[q_sqlite3]}", q_pg="${secs[q_pg]}",
    q_sq="${secs[q_sq]}").items()}
ok = True
print()
print("bulk load of %d work records" % rows)
print("  %-44s %9s %12s %10s %10s" % ("", "seconds", "rows/s", "vs COPY", "vs import"))
def line(name, key):
    t = s[key]
    print("  %-44s %9.2f %12.0f %10.2f %10.2f" % (name, t, rows / t, s["pg_copy"] / t,
                                                  s["sq_import"] / t))
line("PostgreSQL COPY (psql \\\\copy)", "pg_copy")
line("PostgreSQL eg_db, 1 row per INSERT", "pg_1")
line("PostgreSQL eg_db, %s rows per INSERT" % multi, "pg_m")
line("SQLite .import (sqlite3 CLI)", "sq_import")
line("SQLite eg_db, 1 row per INSERT", "sq_1")
line("SQLite eg_db, %s rows per INSERT" % multi, "sq_m")
print()
print("aggregate GROUP BY date, platform (%s groups)" % qpg["groups"])
print("  %-44s %9s %12s" % ("", "seconds", "rows/s"))
for name, key in (("PostgreSQL via psql", "q_psql"), ("PostgreSQL via eg_db", "q_pg"),
                  ("SQLite via sqlite3 CLI", "q_sqlite3"), ("SQLite via eg_db", "q_sq")):
    print("  %-44s %9.3f %12.0f" % (name, s[key], rows / s[key]))
print("  eg_db/psql %.2f   eg_db/sqlite3 %.2f   PostgreSQL/SQLite (eg_db) %.2f" %
      (s["q_pg"] / s["q_psql"], s["q_sq"] / s["q_sqlite3"], s["q_pg"] / s["q_sq"]))
print()
same = all(qpg[k] == qsq[k] for k in ("groups", "rows", "income_fen", "over_12h"))
print("%-60s %s" % ("both engines give the same aggregate (groups, rows, income)",
                    "PASS" if same else "FAIL"))
ok &= same
r = s["pg_copy"] / s["pg_m"]
print("%-60s %s" % ("PostgreSQL eg_db multi-row load %.2f of COPY (target >= %.2f)" % (r, min_pg),
                    "PASS" if r >= min_pg else "FAIL"))
ok &= r >= min_pg
r = s["sq_import"] / s["sq_m"]
print("%-60s %s" % ("SQLite eg_db multi-row load %.2f of .import (target >= %.2f)" % (r, min_sq),
                    "PASS" if r >= min_sq else "FAIL"))
ok &= r >= min_sq
sys.exit(0 if ok else 1)
EOF
echo
echo "bench-db: report in $report"
exit $status
