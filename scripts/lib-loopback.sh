# lib-loopback.sh — helpers for the scripts that start throwaway servers on
# loopback for tests (pg-cluster.sh, pgbouncer.sh). Sourced, not run.

# Run a server program as the postgres system user when we are root (the
# PostgreSQL tools and pgbouncer refuse to run as root), else as ourselves.
as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

# A TCP port on 127.0.0.1 that nothing listens on, from a range away from
# the usual service ports, picked at random so parallel runs rarely collide.
free_port() {
    python3 - <<'EOF'
import random, socket
for _ in range(200):
    port = random.randint(20000, 59999)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        continue
    finally:
        s.close()
    print(port)
    break
else:
    raise SystemExit("no free port found")
EOF
}
