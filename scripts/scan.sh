#!/usr/bin/env bash
# scan-build (the clang static analyzer, Debian package clang-tools) over
# the whole program build in build-scan/; exit 1 on any finding, with the
# findings printed and the HTML report left in build-scan/report/.
# A finding is fixed, or, when it is false, the code gets a comment saying
# why next to an analyzer hint (e.g. an assert() of what the analyzer
# cannot see).
#
#   scripts/scan.sh              analyse the tree
#   scripts/scan.sh --self-test  analyse a scratch file with a planted NULL
#                                dereference and show the check fails on it
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${EGRET_SCAN_DIR:-build-scan}
jobs=${EGRET_JOBS:-$(nproc)}

if ! command -v scan-build >/dev/null 2>&1; then
    echo "scan.sh: scan-build is not installed (run scripts/install-deps.sh)" >&2
    exit 1
fi

if [ "${1:-}" = "--self-test" ]; then
    scratch=$(mktemp -d /tmp/egret-scan.XXXXXX)
    trap 'rm -rf "$scratch"' EXIT
    cat >"$scratch/planted.c" <<'C'
#include <stddef.h>
int planted(int flag);
int planted(int flag)
{
    int *p = NULL;
    if (flag)
        return 0;
    return *p; /* planted: NULL dereference */
}
C
    if scan-build --status-bugs -o "$scratch/report" clang -c "$scratch/planted.c" \
        -o "$scratch/planted.o" >"$scratch/log" 2>&1; then
        echo "scan.sh self-test: the planted NULL dereference was NOT found" >&2
        cat "$scratch/log" >&2
        exit 1
    fi
    grep -q 'core.NullDereference' "$scratch/log" || {
        echo "scan.sh self-test: scan-build failed without the planted finding:" >&2
        cat "$scratch/log" >&2
        exit 1
    }
    echo "scan.sh self-test: a planted NULL dereference is found"
    exit 0
fi

# A fresh tree each time: scan-build sees only what it compiles.
rm -rf "$dir"
scan-build -o "$dir/report" cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Debug >/dev/null
log=$dir/scan.log
if scan-build --status-bugs -o "$dir/report" cmake --build "$dir" -j"$jobs" --target egret >"$log" 2>&1; then
    echo "scan.sh: scan-build found nothing"
    exit 0
fi
echo "scan.sh: scan-build findings (report in $dir/report/):" >&2
grep -E 'warning:|error:' "$log" | sort -u >&2 || tail -40 "$log" >&2
exit 1
