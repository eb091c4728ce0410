#!/usr/bin/env bash
# bench/insurance/run.sh [EGRET] — the insurance pillar's two heavy paths,
# each timed against a reference on the same machine in the same run:
#
#   1. enrolling 100,000 person-days (10,000 people × 10 dates) in one
#      POST /api/v1/cover-days, against the sqlite3 command-line shell
#      loading the same 100,000 cover-day rows from a CSV file into a copy
#      of the same database (read into a staging table, then one INSERT …
#      SELECT into the real table with its indexes);
#   2. the daily job (`egret insurance daily`) over 500,000 people — close
#      500,000 finished cover-days, roll 500,000 auto-renewals (an order and
#      a cover-day each) — against sqlite3 loading the same 500,000 orders
#      and 500,000 cover-days from CSV and closing the same days.
#
# Both sides run with SQLite's WAL journal and synchronous=NORMAL (egret's
# settings). Prints the times and egret's time as a multiple of the
# reference's. BENCH_ENROLL_PEOPLE, BENCH_ENROLL_DAYS and BENCH_JOB_PEOPLE
# shrink the runs; BENCH_KEEP=1 keeps the work directory.
# Needs sqlite3, curl and python3; SQLite only. EGRET defaults to build/egret.
set -euo pipefail

cd "$(dirname "$0")/../.."
EGRET=$(realpath "${1:-${EGRET:-build/egret}}")
PEOPLE_ENROLL=${BENCH_ENROLL_PEOPLE:-10000}
DAYS_ENROLL=${BENCH_ENROLL_DAYS:-10}
PEOPLE_JOB=${BENCH_JOB_PEOPLE:-500000}

WORK=$(mktemp -d /tmp/egret-bench-ins.XXXXXX)
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
    [ -n "${BENCH_KEEP:-}" ] && echo "kept $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT

export EGRET_DB=$WORK/egret.db
export EGRET_SECURITY_KEY_FILE=$WORK/egret.key
export EGRET_FILES_DATA_DIR=$WORK/files
export EGRET_PWHASH_FAST=1
export EGRET_SERVER_ACCESS_LOG=0
export EGRET_SERVER_LOG_LEVEL=warn

secs() { python3 -c "import time; print('%.3f' % time.monotonic())"; }
ratio() { python3 -c "print('%.2f' % ($1 / $2))"; }

echo "== setup: schema, $PEOPLE_JOB people"
"$EGRET" migrate >/dev/null
N=$PEOPLE_JOB
[ "$N" -lt "$PEOPLE_ENROLL" ] && N=$PEOPLE_ENROLL
sqlite3 "$EGRET_DB" <<SQL
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $N)
INSERT INTO people (name, id_number_enc, id_number_idx, id_number_masked, birth_date, gender,
                    created_at)
SELECT 'bench' || i, 'x', 'bench-' || i, '3502**********0000',
       date('1970-01-01', '+' || (i % 10000) || ' days'), 'male', 0 FROM n;
INSERT INTO organisations (name, credit_code, kind, created_at)
VALUES ('bench platform', '91350100M000100Y43', 'platform', 0);
COMMIT;
SQL
ORG=$(sqlite3 "$EGRET_DB" "SELECT MAX(id) FROM organisations")
printf 'bench-password\n' | "$EGRET" user add --login benchadmin --role admin --department centre >/dev/null 2>&1 \
  || printf 'bench-password\n' | "$EGRET" user add --login benchadmin --role admin >/dev/null
sqlite3 "$EGRET_DB" ".backup $WORK/base.db"

# ---- 1. enrollment ---------------------------------------------------------
echo "== 1. enroll $((PEOPLE_ENROLL * DAYS_ENROLL)) person-days in one request"
FIRST=$(python3 -c "
import datetime
d = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).date()
print((d + datetime.timedelta(days=7)).isoformat())")
python3 - "$WORK" "$PEOPLE_ENROLL" "$DAYS_ENROLL" "$FIRST" "$ORG" <<'PY'
import csv, datetime, json, sys
work, people, days, first, org = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
d0 = datetime.date.fromisoformat(first)
dates = [(d0 + datetime.timedelta(days=k)).isoformat() for k in range(days)]
with open(work + "/enroll.json", "w") as f:
    json.dump({"people": [{"person_id": i} for i in range(1, people + 1)], "dates": dates,
               "payer_organisation_id": org}, f)
sh = datetime.timezone(datetime.timedelta(hours=8))
def start(day):
    return int(datetime.datetime.combine(day, datetime.time(), sh).timestamp())
# the same rows as the reference loads them: every column of cover_days
with open(work + "/enroll.csv", "w", newline="") as f:
    w = csv.writer(f)
    n = 0
    for i in range(1, people + 1):
        for k in range(days):
            n += 1
            day = d0 + datetime.timedelta(days=k)
            w.writerow([10000000 + n, i, day.isoformat(), 1, 1, "awaiting_payment", "organisation", "",
                        org, 40, 20, 20, 1, start(day), "", start(day + datetime.timedelta(days=1)),
                        "staff", "benchadmin", "", 0, "", ""])
PY
sqlite3 "$EGRET_DB" ".backup $WORK/ref1.db"

PORT=$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1])")
EGRET_LISTEN=127.0.0.1:$PORT "$EGRET" serve >"$WORK/serve.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
TOKEN=$(curl -fs -X POST "http://127.0.0.1:$PORT/api/v1/auth/login" -H 'Content-Type: application/json' \
        -d '{"login":"benchadmin","password":"bench-password"}' | python3 -c "import json,sys; print(json.load(sys.stdin)['token'])")
T=$(curl -s -o "$WORK/enroll.out" -w '%{http_code} %{time_total}' -X POST \
      "http://127.0.0.1:$PORT/api/v1/cover-days" -H "Authorization: Bearer $TOKEN" \
      -H 'Content-Type: application/json' --data-binary @"$WORK/enroll.json")
CODE=${T% *}
EGRET_ENROLL=${T#* }
CREATED=$(python3 -c "import json; print(json.load(open('$WORK/enroll.out'))['created_count'])" 2>/dev/null || echo "?")
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""
if [ "$CODE" != 201 ] || [ "$CREATED" != $((PEOPLE_ENROLL * DAYS_ENROLL)) ]; then
    echo "enrollment failed: HTTP $CODE, created $CREATED"; head -c 400 "$WORK/enroll.out"; echo; exit 1
fi
t0=$(secs)
sqlite3 "$WORK/ref1.db" <<SQL
PRAGMA synchronous = NORMAL;
CREATE TABLE stage_cover AS SELECT * FROM cover_days WHERE 0;
.mode csv
.import $WORK/enroll.csv stage_cover
INSERT INTO cover_days SELECT * FROM stage_cover;
SQL
t1=$(secs)
REF_ENROLL=$(python3 -c "print('%.3f' % ($t1 - $t0))")
REF_ROWS=$(sqlite3 "$WORK/ref1.db" "SELECT COUNT(*) FROM cover_days WHERE source = 'staff'")
echo "egret   POST /api/v1/cover-days, $CREATED person-days: ${EGRET_ENROLL}s (HTTP $CODE)"
echo "sqlite3 .import of the same $REF_ROWS rows from CSV:     ${REF_ENROLL}s"
echo "ratio egret/reference: $(ratio "$EGRET_ENROLL" "$REF_ENROLL")"

# ---- 2. the daily job ------------------------------------------------------
echo "== 2. daily job over $PEOPLE_JOB people"
export EGRET_DB=$WORK/job.db
cp "$WORK/base.db" "$EGRET_DB"
JOBDAY=$(python3 -c "
import datetime
d = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).date()
print((d + datetime.timedelta(days=400)).isoformat())")
PREV=$(python3 -c "import datetime; print((datetime.date.fromisoformat('$JOBDAY') - datetime.timedelta(days=1)).isoformat())")
NEXT=$(python3 -c "import datetime; print((datetime.date.fromisoformat('$JOBDAY') + datetime.timedelta(days=1)).isoformat())")
PREV_START=$(python3 -c "
import datetime; sh = datetime.timezone(datetime.timedelta(hours=8))
print(int(datetime.datetime.combine(datetime.date.fromisoformat('$PREV'), datetime.time(), sh).timestamp()))")
# everyone renews daily and was covered (paid) yesterday
sqlite3 "$EGRET_DB" <<SQL
BEGIN;
INSERT INTO ins_auto_renew (person_id, enabled, product_id, updated_at)
SELECT id, 1, 1, 0 FROM people WHERE id <= $PEOPLE_JOB;
INSERT INTO cover_days (person_id, day, product_id, version_id, state, payer_kind, payer_person_id,
    premium_fen, subsidy_fen, payer_fen, day_start_at, cover_start_at, cover_end_at, source,
    enrolled_by, created_at, activated_at)
SELECT id, '$PREV', 1, 1, 'active', 'person', id, 40, 20, 20, $PREV_START, $PREV_START,
    $PREV_START + 86400, 'auto_renew', 'system', 0, 0 FROM people WHERE id <= $PEOPLE_JOB;
COMMIT;
SQL
python3 - "$WORK" "$PEOPLE_JOB" "$NEXT" <<'PY'
import csv, datetime, sys
work, n, nxt = sys.argv[1], int(sys.argv[2]), datetime.date.fromisoformat(sys.argv[3])
sh = datetime.timezone(datetime.timedelta(hours=8))
s = int(datetime.datetime.combine(nxt, datetime.time(), sh).timestamp())
compact = nxt.strftime("%Y%m%d")
with open(work + "/orders.csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(["id", "order_no", "kind", "payer_kind", "payer_person_id", "payer_org_id", "amount_fen",
                "premium_fen", "subsidy_fen", "cover_days", "first_day", "last_day", "state",
                "created_by", "created_at", "expires_at", "paid_at", "channel_ref", "confirmed_at",
                "refunded_fen", "closed_at"])
    for i in range(1, n + 1):
        w.writerow([20000000 + i, "AR%s-%d" % (compact, i), "auto_renew", "person", i, "", 20, 40, 20, 1,
                    nxt.isoformat(), nxt.isoformat(), "pending", "system", 0, s + 86400, "", "", "", 0, ""])
with open(work + "/renew.csv", "w", newline="") as f:
    w = csv.writer(f)
    for i in range(1, n + 1):
        w.writerow([30000000 + i, i, nxt.isoformat(), 1, 1, "awaiting_payment", "person", i, "", 40, 20, 20,
                    20000000 + i, s, "", s + 86400, "auto_renew", "system", "", 0, "", ""])
PY
sqlite3 "$EGRET_DB" ".backup $WORK/ref2.db"
t0=$(secs)
OUT=$("$EGRET" insurance daily --date "$JOBDAY" 2>"$WORK/job.log")
t1=$(secs)
EGRET_JOB=$(python3 -c "print('%.3f' % ($t1 - $t0))")
echo "egret insurance daily: $OUT"
t0=$(secs)
sqlite3 "$WORK/ref2.db" <<SQL
PRAGMA synchronous = NORMAL;
.mode csv
CREATE TABLE stage_cover AS SELECT * FROM cover_days WHERE 0;
.import $WORK/orders.csv orders_csv
.import $WORK/renew.csv stage_cover
INSERT INTO payment_orders SELECT id, order_no, kind, payer_kind, payer_person_id,
    NULLIF(payer_org_id, ''), amount_fen, premium_fen, subsidy_fen, cover_days, first_day, last_day,
    state, created_by, created_at, expires_at, NULLIF(paid_at, ''), NULLIF(channel_ref, ''),
    NULLIF(confirmed_at, ''), refunded_fen, NULLIF(closed_at, '') FROM orders_csv;
INSERT INTO cover_days SELECT * FROM stage_cover;
UPDATE cover_days SET state = 'expired' WHERE state = 'active' AND day < '$JOBDAY';
SQL
t1=$(secs)
REF_JOB=$(python3 -c "print('%.3f' % ($t1 - $t0))")
REF_DAYS=$(sqlite3 "$WORK/ref2.db" "SELECT COUNT(*) FROM cover_days WHERE day = '$NEXT'")
echo "egret   daily job, $PEOPLE_JOB people:                  ${EGRET_JOB}s"
echo "sqlite3 .import of the same rows ($REF_DAYS renewals) + close: ${REF_JOB}s"
echo "ratio egret/reference: $(ratio "$EGRET_JOB" "$REF_JOB")"
case "$OUT" in
*"days_closed=$PEOPLE_JOB "*"renew_days=$PEOPLE_JOB"*) ;;
*) echo "the daily job did not do the expected work"; exit 1 ;;
esac
