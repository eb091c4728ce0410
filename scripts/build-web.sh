#!/usr/bin/env bash
# Build the web app (web/ → web/dist/) when it is present. Installs the npm
# dependencies only when the lock file changed since the last install.
set -euo pipefail
cd "$(dirname "$0")/../web" 2>/dev/null || { echo "build-web: no web/ directory; skipping"; exit 0; }

if [ ! -f package.json ]; then
    echo "build-web: the web app is not present (no web/package.json); skipping — only the API will be served"
    exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
    echo "build-web: npm is not installed (run scripts/install-deps.sh)" >&2
    exit 1
fi

if [ -f package-lock.json ]; then
    if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
        echo "build-web: npm ci"
        npm ci --no-audit --no-fund
    fi
else
    if [ ! -d node_modules ] || [ package.json -nt node_modules ]; then
        echo "build-web: npm install (no package-lock.json)"
        npm install --no-audit --no-fund
        touch node_modules
    fi
fi
echo "build-web: npm run build"
npm run build
[ -f dist/index.html ] || { echo "build-web: the build did not produce web/dist/index.html" >&2; exit 1; }
