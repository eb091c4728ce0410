#!/usr/bin/env bash
# Restore drill: prove that the newest backup can be restored.
#
#   scripts/restore-drill.sh [--egret BIN] [--dir BACKUPS] [--compare-source] [--keep-scratch]
#
# Takes the newest egret-backup-* in BACKUPS (default: egret's [backup] dir,
# read from EGRET_BACKUP_DIR, else var/backups), checks it with
# `egret backup verify`, restores it into a scratch database — a temporary
# SQLite file, or on PostgreSQL a new database egret_drill_<pid> in the
# source's cluster, dropped afterwards — runs `egret audit verify` on the
# copy and compares the row counts of the main tables with those recorded in
# the backup (counted in the same snapshot as the copy; the live source has
# moved on since). With --compare-source the live source database (EGRET_DB)
# must hold the same counts too: for a source that has not been written to
# since the backup (servers stopped, or a test). The configuration (EGRET_* environment or egret.ini) is
# the deployment's: the same master key, and for PostgreSQL EGRET_DB names
# the source database whose cluster hosts the scratch one.
#
# Exits 0 when everything agrees, 1 on any difference or failure.
set -euo pipefail

EGRET=${EGRET_BIN:-egret}
DIR=${EGRET_BACKUP_DIR:-var/backups}
KEEP_SCRATCH=0
COMPARE_SOURCE=0
while [ $# -gt 0 ]; do
    case "$1" in
    --egret) EGRET=$2; shift 2 ;;
    --dir) DIR=$2; shift 2 ;;
    --keep-scratch) KEEP_SCRATCH=1; shift ;;
    --compare-source) COMPARE_SOURCE=1; shift ;;
    *) echo "usage: $0 [--egret BIN] [--dir BACKUPS] [--compare-source] [--keep-scratch]" >&2; exit 2 ;;
    esac
done

fail() {
    echo "restore-drill: FAILED: $*" >&2
    exit 1
}

LATEST=$(find "$DIR" -mindepth 1 -maxdepth 1 -type d -name 'egret-backup-*' 2>/dev/null | sort | tail -n 1)
[ -n "$LATEST" ] || fail "no backup in $DIR"
echo "restore-drill: backup $LATEST"
"$EGRET" backup verify "$LATEST" || fail "the backup does not verify"

SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/egret-drill.XXXXXX")
PG_SCRATCH=""
PG_ADMIN=""
cleanup() {
    if [ -n "$PG_SCRATCH" ] && [ "$KEEP_SCRATCH" -eq 0 ]; then
        psql -X -q "$PG_ADMIN" -c "DROP DATABASE IF EXISTS \"$PG_SCRATCH\" WITH (FORCE)" >/dev/null 2>&1 || true
    fi
    [ "$KEEP_SCRATCH" -eq 1 ] || rm -rf "$SCRATCH"
}
trap cleanup EXIT

# count TABLE: rows of TABLE in the scratch database
if [ -f "$LATEST/database.sqlite" ]; then
    TARGET="$SCRATCH/egret.db"
    cp "$LATEST/database.sqlite" "$TARGET"
    count() { sqlite3 "$TARGET" "SELECT COUNT(*) FROM $1"; }
    source_count() { sqlite3 "${EGRET_DB:-var/egret.db}" "SELECT COUNT(*) FROM $1"; }
elif [ -f "$LATEST/database.pgdump" ]; then
    SOURCE=${EGRET_DB:-}
    case "$SOURCE" in
    postgres://* | postgresql://*) ;;
    *) fail "a PostgreSQL backup needs EGRET_DB set to the source database's URL" ;;
    esac
    PG_SCRATCH="egret_drill_$$"
    # The same cluster and credentials, another database name.
    base=${SOURCE%%\?*}
    query=""
    [ "$base" = "$SOURCE" ] || query="?${SOURCE#*\?}"
    # psql and pg_restore refuse egret's own pool_mode parameter; egret keeps it.
    tool_query=$(printf '%s' "$query" | sed -E 's/(^\?|&)pool_mode=[a-z]*/\1/; s/\?&/?/; s/&&/\&/; s/[?&]$//')
    PG_ADMIN="$base$tool_query"
    TARGET="${base%/*}/$PG_SCRATCH$query"
    TOOL_TARGET="${base%/*}/$PG_SCRATCH$tool_query"
    TOOL_SOURCE="$base$tool_query"
    psql -X -q -v ON_ERROR_STOP=1 "$PG_ADMIN" -c "CREATE DATABASE \"$PG_SCRATCH\"" >/dev/null ||
        fail "cannot create the scratch database $PG_SCRATCH"
    pg_restore --no-owner --exit-on-error --dbname "$TOOL_TARGET" "$LATEST/database.pgdump" ||
        fail "pg_restore failed"
    count() { psql -X -q -At -v ON_ERROR_STOP=1 "$TOOL_TARGET" -c "SELECT COUNT(*) FROM $1"; }
    source_count() { psql -X -q -At -v ON_ERROR_STOP=1 "$TOOL_SOURCE" -c "SELECT COUNT(*) FROM $1"; }
else
    fail "the backup holds no database copy"
fi
echo "restore-drill: restored into a scratch database"

EGRET_DB="$TARGET" "$EGRET" audit verify || fail "the audit trail of the restored copy does not verify"

differences=0
while read -r table recorded; do
    [ -n "$table" ] || continue
    restored=$(count "$table") || fail "cannot count $table in the restored copy"
    if [ "$restored" != "$recorded" ]; then
        echo "restore-drill: $table: $restored rows restored, $recorded in the backup's source" >&2
        differences=$((differences + 1))
    else
        echo "restore-drill: $table: $restored rows"
    fi
    if [ "$COMPARE_SOURCE" -eq 1 ]; then
        live=$(source_count "$table") || fail "cannot count $table in the source"
        if [ "$live" != "$restored" ]; then
            echo "restore-drill: $table: $restored rows restored, $live in the source now" >&2
            differences=$((differences + 1))
        fi
    fi
done <"$LATEST/counts.txt"
[ "$differences" -eq 0 ] || fail "$differences table(s) differ"
echo "restore-drill: OK"
