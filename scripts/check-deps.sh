#!/usr/bin/env bash
# check-deps.sh — every `#include "module/..."` in src/ must follow the module
# order in src/layers.txt: a module includes its own headers and those of the
# modules before it, never one after it. app/ and the files at the top of
# src/ (main.c) may include anything. A folder of src/ that is not in the
# order fails too, so a new module has to take its place first. A line
# `upward FROM TO` in src/layers.txt lets FROM include TO against the order:
# a known debt, named on every run until it is paid.
#
#   scripts/check-deps.sh [--root DIR]   check DIR/src (default: this repository)
#   scripts/check-deps.sh --self-test    prove the check passes a clean tree and
#                                        fails a planted upward include
#
# Exit 0 when every include follows the order, 1 with one line per violation
# (file:line, the including module, the included one), 2 on bad usage.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)

usage() {
    echo "usage: $0 [--root DIR] | --self-test" >&2
    exit 2
}

# check ROOT: print the violations under ROOT/src; status 1 if there are any.
check() {
    local root=$1 order_file=$1/src/layers.txt
    if [ ! -f "$order_file" ]; then
        echo "check-deps: $order_file is missing" >&2
        return 2
    fi
    local order upward
    order=$(sed 's/#.*//' "$order_file" | grep -v '^[[:space:]]*upward[[:space:]]' | tr -s ' \t\n' ' ')
    upward=$(sed 's/#.*//' "$order_file" | awk '$1 == "upward" && NF == 3 { printf "%s>%s ", $2, $3 }')
    (
        cd "$root"
        # Every module folder must have a place in the order.
        for dir in src/*/; do
            dir=${dir%/}
            case " $order " in
            *" ${dir#src/} "*) ;;
            *) echo "$dir/: module '${dir#src/}' is not in src/layers.txt ($order)" ;;
            esac
        done
        find src -name '*.[ch]' -print0 | sort -z |
            xargs -0 grep -Hn '^[[:space:]]*#[[:space:]]*include[[:space:]]*"[^"/]*/' |
            awk -v order="$order" -v upward="$upward" '
                BEGIN {
                    m = split(upward, pairs, " ")
                    for (i = 1; i <= m; i++) allowed[pairs[i]] = 1
                    n = split(order, names, " ")
                    for (i = 1; i <= n; i++) rank[names[i]] = i
                    chain = names[1]
                    for (i = 2; i <= n; i++) chain = chain " < " names[i]
                }
                {
                    # src/<module>/...:<line>:#include "<included>/..."
                    split($0, part, ":")
                    file = part[1]; line = part[2]
                    from = (split(file, path, "/") > 2) ? path[2] : "app"
                    inc = $0
                    sub(/^[^"]*"/, "", inc)
                    sub(/".*$/, "", inc)
                    to = inc
                    sub(/\/.*$/, "", to)
                    if (from == "app" || from == to || !(from in rank))
                        next
                    if (!(to in rank))
                        printf "%s:%s: module %s includes \"%s\": %s is not a module of src/layers.txt\n", file, line, from, inc, to
                    else if (rank[to] > rank[from] && (from ">" to) in allowed)
                        used[from ">" to] = 1
                    else if (rank[to] > rank[from])
                        printf "%s:%s: module %s includes \"%s\" of module %s, which comes after it (%s)\n", file, line, from, inc, to, chain
                }
                END {
                    for (i = 1; i <= m; i++) {
                        split(pairs[i], ft, ">")
                        if (pairs[i] in used)
                            printf "check-deps: allowed upward (src/layers.txt): %s includes %s\n", ft[1], ft[2] > "/dev/stderr"
                        else
                            printf "check-deps: upward %s %s in src/layers.txt is no longer used: remove it there and in CMakeLists.txt\n", ft[1], ft[2] > "/dev/stderr"
                    }
                }'
    ) >"$tmp_out"
    if [ -s "$tmp_out" ]; then
        cat "$tmp_out"
        echo "check-deps: $(wc -l <"$tmp_out") include(s) against the module order" >&2
        return 1
    fi
    return 0
}

# A small tree: core, http and a pillar that include only downwards.
make_tree() {
    local t=$1
    mkdir -p "$t/src/core" "$t/src/http" "$t/src/cases" "$t/src/app"
    printf '# lowest first\ncore http cases app\n' >"$t/src/layers.txt"
    printf '#include "core/status.h"\n' >"$t/src/core/status.c"
    printf '#include "http/http.h"\n#include "core/status.h"\n' >"$t/src/http/reply.c"
    printf '#include "cases/store.h"\n#include "http/http.h"\n' >"$t/src/cases/api.c"
    printf '#include "cases/store.h"\n#include "http/http.h"\n' >"$t/src/app/routes.c"
    printf '#include "app/cli.h"\n' >"$t/src/main.c"
}

# expect WANT ROOT WHAT [PATTERN]: run check on ROOT; status WANT (0 or 1)
# and, when given, an output line matching PATTERN.
expect() {
    local want=$1 root=$2 what=$3 pattern=${4:-} rc=0
    check "$root" >"$tmp_self" 2>/dev/null || rc=$?
    if [ "$rc" -ne "$want" ]; then
        echo "check-deps self-test: $what: exit $rc, expected $want" >&2
        cat "$tmp_self" >&2
        return 1
    fi
    if [ -n "$pattern" ] && ! grep -q -- "$pattern" "$tmp_self"; then
        echo "check-deps self-test: $what: no line matching '$pattern' in:" >&2
        cat "$tmp_self" >&2
        return 1
    fi
    echo "check-deps self-test: ok  $what"
}

self_test() {
    local t=$work/tree
    make_tree "$t"
    expect 0 "$t" "a tree that includes only downwards passes"
    printf '#include "core/status.h"\n#include "http/http.h"\n' >"$t/src/core/planted.c"
    expect 1 "$t" "core including http fails, naming file and line" \
        'src/core/planted.c:2: module core includes "http/http.h" of module http'
    rm "$t/src/core/planted.c"
    printf '\n  #  include "cases/cases.h"\n' >>"$t/src/http/reply.c"
    expect 1 "$t" "an indented include upwards fails too" 'src/http/reply.c:4: module http includes "cases/cases.h"'
    make_tree "$t"
    printf '#include "http/http.h"\n' >"$t/src/http/reply.c"
    mkdir -p "$t/src/extra"
    expect 1 "$t" "a module folder missing from the order fails" "src/extra/: module 'extra' is not in"
    rm -r "$t/src/extra"
    expect 0 "$t" "the tree passes again once the violations are gone"
    printf '#include "cases/cases.h"\n' >"$t/src/http/planted.c"
    printf 'upward http cases # a known debt\n' >>"$t/src/layers.txt"
    expect 0 "$t" "an upward include declared in the order file passes"
    printf '#include "app/cli.h"\n' >>"$t/src/http/planted.c"
    expect 1 "$t" "an upward include beside the declared one still fails" \
        'src/http/planted.c:2: module http includes "app/cli.h"'
}

work=$(mktemp -d "${TMPDIR:-/tmp}/check-deps.XXXXXX")
trap 'rm -rf "$work"' EXIT
tmp_out=$work/out
tmp_self=$work/self

case "${1:-}" in
--self-test)
    [ $# -eq 1 ] || usage
    self_test
    ;;
--root)
    [ $# -eq 2 ] || usage
    check "$2"
    ;;
"")
    check "$here/.."
    ;;
*) usage ;;
esac
