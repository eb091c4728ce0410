#!/usr/bin/env bash
# The C files under src/, tests/ and tools/ in the house format
# (.clang-format): `clang-format --dry-run -Werror` on each, listing the
# files that differ. Fix one with `clang-format -i FILE`.
#
#   scripts/check-format.sh              check the tree (exit 1 on a difference)
#   scripts/check-format.sh --self-test  plant a mis-formatted line in a scratch
#                                        copy and show the check fails on it
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v clang-format >/dev/null 2>&1; then
    echo "check-format.sh: clang-format is not installed (run scripts/install-deps.sh)" >&2
    exit 1
fi

# check DIR: every tracked-or-new C file under DIR's src/ tests/ tools/
check() {
    local dir=$1 out bad roots=() r
    for r in src tests tools; do [ -d "$dir/$r" ] && roots+=("$r"); done
    # One clang-format for all files: it names each differing file as
    # "FILE:LINE:COL: error: code should be clang-formatted".
    out=$(cd "$dir" && find "${roots[@]}" -name '*.[ch]' -type f -print0 | sort -z |
        xargs -0 -r clang-format --dry-run -Werror 2>&1) && return 0
    bad=$(printf '%s\n' "$out" | sed -n 's/^\([^:]*\.[ch]\):[0-9]*:[0-9]*: error:.*/\1/p' | sort -u)
    if [ -z "$bad" ]; then
        printf '%s\n' "$out" | head -20
        echo "check-format.sh: clang-format failed"
        return 1
    fi
    echo "check-format.sh: $(printf '%s\n' "$bad" | wc -l) file(s) not in the house format (clang-format -i FILE):"
    printf '  %s\n' $bad
    return 1
}

if [ "${1:-}" = "--self-test" ]; then
    scratch=$(mktemp -d /tmp/egret-format.XXXXXX)
    trap 'rm -rf "$scratch"' EXIT
    mkdir -p "$scratch/src/core"
    cp .clang-format "$scratch/" # clang-format finds it above each file
    printf '#include <stdio.h>\n\nint main(void)\n{\n    return 0;\n}\n' >"$scratch/src/core/ok.c"
    check "$scratch" >/dev/null || { echo "self-test: a formatted file was refused" >&2; exit 1; }
    printf 'int planted(int a,int b){return a+b;}\n' >"$scratch/src/core/planted.c"
    if out=$(check "$scratch"); then
        echo "self-test: the mis-formatted src/core/planted.c was NOT caught" >&2
        exit 1
    fi
    case "$out" in *src/core/planted.c*) ;; *)
        echo "self-test: the check failed without naming src/core/planted.c:" >&2
        echo "$out" >&2
        exit 1
        ;;
    esac
    echo "check-format.sh self-test: a planted mis-formatted line is caught"
    exit 0
fi

check "$(pwd)" || exit 1
echo "check-format.sh: every C file under src/ tests/ tools/ is formatted"
