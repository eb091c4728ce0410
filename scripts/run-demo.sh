#!/usr/bin/env bash
# `make run`: serve the demo city on http://127.0.0.1:8080.
#
# Creates var/ (database, key, uploaded files), migrates the database, seeds
# the demo city the first time (when the database is new), prints the demo
# logins, starts the SMS stand-in (scripts/sms-standin.py, messages in
# var/sms.jsonl) unless a gateway is configured, and runs `build/egret serve`
# in the foreground (Ctrl-C stops it gracefully). A var/ seeded before the
# demo password became egret-city-demo keeps the old one: delete var/.
# EGRET_DB and EGRET_LISTEN override the defaults (var/egret.db,
# 127.0.0.1:8080), as for every egret command.
set -euo pipefail
cd "$(dirname "$0")/.."

egret=build/egret
[ -x "$egret" ] || { echo "run-demo: $egret is missing; run 'make build' first" >&2; exit 1; }

mkdir -p var var/files
db=${EGRET_DB:-var/egret.db}
listen=${EGRET_LISTEN:-127.0.0.1:8080}

# Seed when the database is new. A marker next to a database file records a
# finished seeding, so an interrupted first run seeds again next time; a
# PostgreSQL database is always offered to seed-demo, which leaves an
# already seeded one alone.
new=0
marker=""
case "$db" in
postgres://* | postgresql://*) new=1 ;;
*)
    marker=$db.demo-seeded
    if [ ! -e "$db" ] || [ ! -e "$marker" ]; then
        [ -e "$db" ] && [ ! -e "$marker" ] && echo "egret: $db was not seeded completely; seeding again"
        new=1
    fi
    ;;
esac

echo "egret: migrating $db"
"$egret" migrate
if [ "$new" -eq 1 ]; then
    echo "egret: seeding the demo city (takes a little while the first time)"
    "$egret" seed-demo
    [ -n "$marker" ] && : >"$marker"
fi

if [ ! -f web/dist/index.html ]; then
    echo "egret: the web app is not built (web/dist/); only the API is served"
fi

host=${listen%:*}
port=${listen##*:}
case "$host" in '' | 0.0.0.0 | '*') host=127.0.0.1 ;; esac

echo
echo "  egret is starting at  http://$host:$port"
echo
echo "  Demo logins (password egret-city-demo for all):"
if logins=$("$egret" demo-logins 2>/dev/null) && [ -n "$logins" ]; then
    printf '%s\n' "$logins" | sed 's/^/    /'
else
    printf '    %-18s %s\n' \
        admin "administrator (users, departments, places, products, rules)" \
        supervisor "oversight: read-only on everything, audit trail" \
        mediator "rights-protection centre mediator" \
        mediator.siming "Siming district sub-centre mediator" \
        mediator.hrss "human resources and social security bureau mediator" \
        insurer "insurance operator (enrollment, premiums, claims)" \
        analyst "labour-relations monitoring (indicators, alerts)" \
        worker "a delivery rider" \
        worker2 "a ride-hailing driver"
    echo "    (and one account per demo platform: see 'build/egret demo-logins')"
fi

# Text messages (one-time registration codes) go to a local stand-in for the
# SMS gateway that only writes them to var/sms.jsonl, unless a gateway is
# configured (EGRET_SMS_URL or [sms] url in egret.ini).
standin=""
if [ -z "${EGRET_SMS_URL:-}" ] && ! grep -qs '^[[:space:]]*url[[:space:]]*=[[:space:]]*[^[:space:];]' \
    <(sed -n '/^\[sms\]/,/^\[/p' egret.ini 2>/dev/null); then
    sms_port_file=$(mktemp)
    python3 scripts/sms-standin.py --log var/sms.jsonl >"$sms_port_file" &
    standin=$!
    for _ in $(seq 50); do grep -q listening "$sms_port_file" && break; sleep 0.1; done
    sms_port=$(awk '/listening/ {print $2}' "$sms_port_file")
    rm -f "$sms_port_file"
    export EGRET_SMS_URL="http://127.0.0.1:$sms_port/send"
    echo "  Text messages (registration codes) are written to var/sms.jsonl"
fi
echo
echo "  Stop with Ctrl-C. Data lives in var/ (delete it to start over)."
echo

if [ -n "$standin" ]; then
    trap 'kill "$standin" 2>/dev/null' EXIT
    "$egret" serve
else
    exec "$egret" serve
fi
