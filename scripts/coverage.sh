#!/usr/bin/env bash
# `make coverage`: build build-coverage/ with gcc --coverage (EGRET_COVERAGE=ON),
# run the unit tests and the API tests on SQLite, and print line and branch
# coverage of src/ (gcovr). A report only: no threshold. The HTML report is
# left in build-coverage/coverage/index.html.
#
#   scripts/coverage.sh [-- ctest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${EGRET_COVERAGE_DIR:-build-coverage}
jobs=${EGRET_JOBS:-$(nproc)}
ctest_extra=()
if [ "${1:-}" = "--" ]; then
    shift
    ctest_extra=("$@")
fi

if ! command -v gcovr >/dev/null 2>&1; then
    echo "coverage.sh: gcovr is not installed (run scripts/install-deps.sh)" >&2
    exit 1
fi

unset EGRET_TEST_PG
cmake -S . -B "$dir" -DCMAKE_C_COMPILER=gcc -DCMAKE_BUILD_TYPE=Debug -DEGRET_COVERAGE=ON >/dev/null
cmake --build "$dir" -j"$jobs"
# Counters from an earlier run would add up with this one.
find "$dir" -name '*.gcda' -delete
# A failing test still leaves its counters; the figure is printed either way.
rc=0
ctest --test-dir "$dir" --output-on-failure -j"$jobs" -E '^api\.postgres$' "${ctest_extra[@]}" || rc=$?

mkdir -p "$dir/coverage"
gcovr --root . --filter 'src/' --object-directory "$dir" -j"$jobs" --gcov-ignore-parse-errors \
    --html-details "$dir/coverage/index.html" --print-summary --txt "$dir/coverage/summary.txt" \
    >"$dir/coverage/gcovr.log"
grep -E '^(lines|branches|functions):' "$dir/coverage/gcovr.log" | sed 's/^/coverage: /'
echo "coverage: per-file figures in $dir/coverage/summary.txt, HTML in $dir/coverage/index.html"
if [ $rc -ne 0 ]; then
    echo "coverage.sh: some tests failed (exit $rc)" >&2
fi
exit $rc
