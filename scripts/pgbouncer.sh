#!/usr/bin/env bash
# A throwaway pgbouncer in transaction pooling mode, for tests and benchmarks.
#
#   scripts/pgbouncer.sh start DIR PG_URL [POOL_SIZE]
#                                  start pgbouncer in DIR in front of the
#                                  PostgreSQL server of PG_URL (as printed by
#                                  scripts/pg-cluster.sh); every database of
#                                  that server is reachable through it, with at
#                                  most POOL_SIZE (default 10) server
#                                  connections per database; prints one line:
#                                  postgres://egret@127.0.0.1:PORT/postgres
#   scripts/pgbouncer.sh stop DIR  stop it and remove DIR
#
# Loopback only, trust authentication, pool_mode = transaction (what a city
# deployment runs so that many egret servers share few PostgreSQL
# connections). egret reaches it with pool_mode=transaction in its URL (see
# docs/deploy.md). pgbouncer refuses to run as root: as root (as in CI) it
# runs as the postgres system user, as scripts/pg-cluster.sh does.
set -euo pipefail

die() {
    echo "pgbouncer.sh: $*" >&2
    exit 1
}

# as_owner, free_port
. "$(dirname "$0")/lib-loopback.sh"

start() {
    local dir=$1 url=$2 pool=${3:-10} hostport port pgport
    command -v pgbouncer >/dev/null || die "pgbouncer is not installed (run scripts/install-deps.sh)"
    [ -e "$dir" ] && die "$dir exists"
    hostport=${url#*@}
    hostport=${hostport%%/*}
    pgport=${hostport##*:}
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres: "$dir"
        # The daemon's user must reach DIR through its parents.
        local p=$dir
        while [ "$p" != "/" ]; do
            p=$(dirname "$p")
            runuser -u postgres -- test -x "$p" || chmod o+x "$p"
        done
    fi
    local attempt
    for attempt in 1 2 3 4 5; do
        port=$(free_port)
        as_owner sh -c "cat > '$dir/pgbouncer.ini'" <<EOF
[databases]
* = host=127.0.0.1 port=$pgport

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = trust
auth_file = $dir/userlist.txt
admin_users = egret
pool_mode = transaction
default_pool_size = $pool
max_client_conn = 2000
server_reset_query =
ignore_startup_parameters = extra_float_digits
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
EOF
        as_owner sh -c "echo '\"egret\" \"\"' > '$dir/userlist.txt'"
        if as_owner pgbouncer -d -q "$dir/pgbouncer.ini"; then
            # -d returns once the daemon forked; wait until it accepts.
            local i
            for i in $(seq 1 50); do
                if python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 0.2)" \
                    2>/dev/null; then
                    echo "$port" >"$dir/port"
                    echo "postgres://egret@127.0.0.1:$port/postgres"
                    return 0
                fi
                sleep 0.1
            done
        fi
        stop_daemon "$dir"
    done
    cat "$dir/pgbouncer.log" >&2 2>/dev/null || true
    die "pgbouncer did not start"
}

stop_daemon() {
    local pid
    pid=$(cat "$1/pgbouncer.pid" 2>/dev/null) || return 0
    kill "$pid" 2>/dev/null || true
    local i
    for i in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || return 0
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
}

stop() {
    [ -d "$1" ] || exit 0
    stop_daemon "$1"
    rm -rf "$1"
}

case "$#:${1:-}" in
3:start | 4:start) start "$2" "$3" "${4:-10}" ;;
2:stop) stop "$2" ;;
*)
    echo "usage: $0 start DIR PG_URL [POOL_SIZE] | stop DIR" >&2
    exit 2
    ;;
esac
