#!/usr/bin/env bash
# Browser tests of the web app: each role's main journey in headless
# Chromium (Debian's /usr/bin/chromium driven by playwright-core; no browser
# is downloaded) against a real egret with a fresh small demo city.
#
#   scripts/test-browser.sh            build what is missing, run tests/browser/
#
# Environment:
#   EGRET_BIN        the egret program (default build/egret; built when missing)
#   EGRET_CHROMIUM   the browser (default /usr/bin/chromium)
# Screenshots and the server log go to tests/artifacts/browser/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

sudo_cmd=""
if [ "$(id -u)" -ne 0 ]; then sudo_cmd="sudo"; fi

# Chromium, Node and npm (the Debian packages) when missing; a CJK font so
# that screenshots show Chinese text (optional: the tests do not need it).
need=()
command -v chromium >/dev/null 2>&1 || [ -x "${EGRET_CHROMIUM:-/usr/bin/chromium}" ] || need+=(chromium)
command -v node >/dev/null 2>&1 || need+=(nodejs)
command -v npm >/dev/null 2>&1 || need+=(npm)
if [ ${#need[@]} -gt 0 ]; then
    echo "test-browser: installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    $sudo_cmd apt-get update -qq
    $sudo_cmd apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
if ! fc-list 2>/dev/null | grep -qiE 'wqy|noto sans cjk|droid sans fallback'; then
    DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends fonts-wqy-microhei \
        >/dev/null 2>&1 || echo "test-browser: no CJK font (screenshots will show boxes for Chinese text)"
fi

# The server program.
bin=${EGRET_BIN:-$root/build/egret}
if [ ! -x "$bin" ]; then
    echo "test-browser: building $bin"
    cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build build -j"${EGRET_JOBS:-$(nproc)}" --target egret
    bin=$root/build/egret
fi
export EGRET_BIN=$bin

# The web app (and playwright-core, one of its dev dependencies), rebuilt
# when anything it is made of is newer than the last build.
stale=0
if [ ! -f web/dist/index.html ] || [ ! -d web/node_modules/playwright-core ]; then
    stale=1
elif [ -n "$(find web/src web/public web/index.html web/vite.config.js web/package.json web/package-lock.json -newer web/dist/index.html -print -quit 2>/dev/null)" ]; then
    stale=1
fi
if [ $stale -eq 1 ]; then
    bash scripts/build-web.sh
fi

mkdir -p tests/artifacts/browser
rm -f tests/artifacts/browser/*.png tests/artifacts/browser/egret-serve.log
echo "test-browser: node --test tests/browser/ (egret: $bin)"
node --test --test-concurrency=1 tests/browser/
