#!/usr/bin/env bash
# Build the libFuzzer targets (tests/fuzz/fuzz_*.c) in build-fuzz/ with clang,
# AddressSanitizer and UndefinedBehaviorSanitizer, then run each one for
# SECONDS (default 15).
#
#   scripts/fuzz.sh [SECONDS] [NAME...]     e.g. scripts/fuzz.sh 300 fuzz_json
#
# Each target keeps a growing corpus in build-fuzz/corpus/<name>/ and also
# reads the seed corpus in tests/fuzz/corpus/<name>/ (or the name without the
# fuzz_ prefix) when there is one, and tests/fuzz/<name>.dict as a
# dictionary. A crash leaves its input in build-fuzz/artifacts/ and stops
# the script with a non-zero exit; rerun a crash with
# build-fuzz/<name> build-fuzz/artifacts/<name>-crash-….
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-${EGRET_FUZZ_SECONDS:-15}}
shift || true
case "$seconds" in '' | *[!0-9]*)
    echo "fuzz.sh: SECONDS must be a whole number, got '$seconds'" >&2
    exit 2
    ;;
esac
dir=${EGRET_FUZZ_DIR:-build-fuzz}
jobs=${EGRET_JOBS:-$(nproc)}

shopt -s nullglob
sources=(tests/fuzz/fuzz_*.c)
if [ ${#sources[@]} -eq 0 ]; then
    echo "fuzz.sh: no fuzz targets in tests/fuzz/ — nothing to do"
    exit 0
fi
names=()
if [ $# -gt 0 ]; then
    names=("$@")
else
    for s in "${sources[@]}"; do
        n=${s##*/}
        names+=("${n%.c}")
    done
fi

if ! command -v clang >/dev/null 2>&1; then
    echo "fuzz.sh: clang is not installed (run scripts/install-deps.sh)" >&2
    exit 1
fi

echo "== fuzz: configuring $dir (clang, -DEGRET_FUZZ=ON)"
if [ ! -f "$dir/CMakeCache.txt" ]; then
    CC=clang cmake -S . -B "$dir" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
        -DEGRET_FUZZ=ON >/dev/null
else
    cmake -S . -B "$dir" >/dev/null
fi
echo "== fuzz: building ${names[*]}"
cmake --build "$dir" -j"$jobs" --target "${names[@]}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
mkdir -p "$dir/artifacts"
failed=()
for name in "${names[@]}"; do
    bin="$dir/$name"
    [ -x "$bin" ] || { echo "fuzz.sh: $bin was not built" >&2; exit 1; }
    corpus="$dir/corpus/$name"
    mkdir -p "$corpus"
    dirs=("$corpus")
    for seed in "tests/fuzz/corpus/$name" "tests/fuzz/corpus/${name#fuzz_}"; do
        [ -d "$seed" ] && dirs+=("$seed") && break
    done
    extra=()
    for d in "tests/fuzz/$name.dict" "tests/fuzz/${name#fuzz_}.dict"; do
        [ -f "$d" ] && extra+=("-dict=$d") && break
    done
    log="$dir/artifacts/$name.log"
    echo "== fuzz: $name for ${seconds}s (corpus ${dirs[*]})"
    if "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -print_final_stats=1 -artifact_prefix="$dir/artifacts/$name-" "${extra[@]}" \
        "${dirs[@]}" >"$log" 2>&1; then
        grep -E '^stat::number_of_executed_units|^Done [0-9]+ runs' "$log" | tail -1 |
            sed "s/^/   $name: /" || true
    else
        echo "!! fuzz: $name FAILED — last lines of $log:" >&2
        tail -40 "$log" >&2
        ls -1 "$dir/artifacts/$name-"* 2>/dev/null | grep -v '\.log$' | sed 's/^/   input: /' >&2 || true
        failed+=("$name")
        break
    fi
done

if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz.sh: ${failed[*]} found a bug" >&2
    exit 1
fi
echo "fuzz.sh: ${#names[@]} target(s) ran ${seconds}s each without a finding"
