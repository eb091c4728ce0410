#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for tests and benchmarks.
#
#   scripts/pg-cluster.sh start DIR   create and start a cluster in DIR; prints
#                                     one line: postgres://egret@127.0.0.1:PORT/postgres
#   scripts/pg-cluster.sh stop DIR    stop it and remove DIR
#   scripts/pg-cluster.sh url DIR     print the URL of a running cluster again
#   scripts/pg-cluster.sh standby PRIMARY DIR
#                                     a streaming standby of the cluster in
#                                     PRIMARY (pg_basebackup -R), named
#                                     after DIR's last part as its
#                                     application_name; prints its URL
#   scripts/pg-cluster.sh promote DIR make a standby the primary
#   scripts/pg-cluster.sh kill DIR    SIGKILL the server and its backends, as
#                                     when its machine dies
#
# The cluster listens on 127.0.0.1 only, on a free port chosen here, with its
# Unix socket inside DIR and trust authentication for loopback connections;
# fsync and synchronous_commit are off (speed over durability: the data is
# thrown away). It never touches the system cluster that the Debian package
# runs on port 5432.
#
# PostgreSQL refuses to run as root. When this script runs as root (as CI
# does), the server programs run as the `postgres` system user and DIR is
# owned by it; otherwise they run as the calling user.
#
# Environment: PG_BIN (default /usr/lib/postgresql/15/bin), PG_PORT (a port
# to use instead of searching for a free one).
set -euo pipefail

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}

die() {
    echo "pg-cluster: $*" >&2
    exit 1
}

usage() {
    echo "usage: $0 start DIR | stop DIR | url DIR | standby PRIMARY DIR | promote DIR | kill DIR" >&2
    exit 2
}

# as_owner, free_port
. "$(dirname "$0")/lib-loopback.sh"

# Make DIR (empty) for a cluster owned by the server user; prints its absolute path.
prepare_dir() {
    local dir=$1
    if [ -e "$dir" ] && [ -n "$(ls -A "$dir" 2>/dev/null)" ]; then
        die "$dir exists and is not empty"
    fi
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || die "running as root needs the postgres system user"
        chown postgres: "$dir"
        # The server user must be able to reach DIR through its parents.
        local p=$dir
        while [ "$p" != "/" ]; do
            p=$(dirname "$p")
            if ! runuser -u postgres -- test -x "$p"; then
                chmod o+x "$p"
            fi
        done
    fi
    chmod 700 "$dir"
    echo "$dir"
}

start() {
    local dir=$1
    [ -x "$PG_BIN/initdb" ] || die "no PostgreSQL 15 server in $PG_BIN (run scripts/install-deps.sh)"
    dir=$(prepare_dir "$dir")

    as_owner "$PG_BIN/initdb" -D "$dir/data" -U postgres -E UTF8 --locale=C.UTF-8 \
        --auth-local=trust --auth-host=reject >"$dir/initdb.log" 2>&1 ||
        {
            cat "$dir/initdb.log" >&2
            die "initdb failed"
        }

    # Trust on loopback only; everything else is refused (--auth-host=reject
    # above already wrote the catch-all lines).
    as_owner sh -c "cat > '$dir/data/pg_hba.conf'" <<'EOF'
# TYPE  DATABASE  USER  ADDRESS        METHOD
local   all       all                  trust
host    all       all   127.0.0.1/32   trust
host    all       all   ::1/128        trust
host    replication all 127.0.0.1/32   trust
host    all       all   0.0.0.0/0      reject
host    all       all   ::/0           reject
EOF

    local port attempt
    for attempt in 1 2 3 4 5; do
        port=${PG_PORT:-$(free_port)}
        as_owner sh -c "cat >> '$dir/data/postgresql.conf'" <<EOF

# scripts/pg-cluster.sh (attempt $attempt)
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 200
shared_buffers = 128MB
fsync = off
synchronous_commit = off
full_page_writes = off
log_timezone = 'UTC'
timezone = 'UTC'
logging_collector = off
EOF
        if as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
            >/dev/null 2>&1; then
            break
        fi
        # Most likely the port was taken between choosing and binding it.
        port=""
        [ -n "${PG_PORT:-}" ] && break
    done
    if [ -z "$port" ]; then
        cat "$dir/server.log" >&2 || true
        die "the server did not start"
    fi
    echo "$port" >"$dir/port" 2>/dev/null || as_owner sh -c "echo $port > '$dir/port'"

    as_owner "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres \
        -d postgres -c "CREATE ROLE egret LOGIN SUPERUSER" >/dev/null ||
        die "could not create the egret role"

    echo "postgres://egret@127.0.0.1:$port/postgres"
}

standby() {
    local primary=$1 dir=$2 pport port name
    [ -f "$primary/port" ] || die "no cluster in $primary"
    pport=$(cat "$primary/port")
    dir=$(prepare_dir "$dir")
    name=$(basename "$dir")
    as_owner "$PG_BIN/pg_basebackup" -h 127.0.0.1 -p "$pport" -U egret -D "$dir/data" -R \
        -X stream -c fast >"$dir/basebackup.log" 2>&1 ||
        {
            cat "$dir/basebackup.log" >&2
            die "pg_basebackup failed"
        }
    port=${PG_PORT:-$(free_port)}
    # Later lines win: the copied configuration names the primary's port and socket.
    as_owner sh -c "cat >> '$dir/data/postgresql.conf'" <<EOF

# scripts/pg-cluster.sh standby of $primary
port = $port
unix_socket_directories = '$dir'
EOF
    as_owner sh -c "cat >> '$dir/data/postgresql.auto.conf'" <<EOF
primary_conninfo = 'host=127.0.0.1 port=$pport user=egret application_name=$name'
EOF
    as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null 2>&1 ||
        {
            cat "$dir/server.log" >&2
            die "the standby did not start"
        }
    echo "$port" >"$dir/port" 2>/dev/null || as_owner sh -c "echo $port > '$dir/port'"
    echo "postgres://egret@127.0.0.1:$port/postgres"
}

promote() {
    as_owner "$PG_BIN/pg_ctl" -D "$1/data" -w -t 60 promote >/dev/null
}

kill_cluster() {
    local pid
    pid=$(head -1 "$1/data/postmaster.pid" 2>/dev/null) || die "no running server in $1"
    # The backends first: left alone they would finish the statement in hand.
    pkill -KILL -P "$pid" 2>/dev/null || true
    kill -KILL "$pid"
}

stop() {
    local dir=$1
    [ -d "$dir" ] || exit 0
    if [ -f "$dir/data/PG_VERSION" ]; then
        as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w -t 60 stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
}

url() {
    local dir=$1
    [ -f "$dir/port" ] || die "no cluster in $dir"
    echo "postgres://egret@127.0.0.1:$(cat "$dir/port")/postgres"
}

case "$#:${1:-}" in
2:start) start "$2" ;;
2:stop) stop "$2" ;;
2:url) url "$2" ;;
3:standby) standby "$2" "$3" ;;
2:promote) promote "$2" ;;
2:kill) kill_cluster "$2" ;;
*) usage ;;
esac
