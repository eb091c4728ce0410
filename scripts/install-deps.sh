#!/usr/bin/env bash
# Installs the Debian packages egret needs to build, run, test and benchmark.
# Skips what is already present; uses sudo when not root. Safe to run often.
set -euo pipefail

packages=(
  build-essential cmake pkg-config clang llvm libclang-rt-14-dev
  libmicrohttpd-dev libjansson-dev libsqlite3-dev sqlite3 libsodium-dev
  libinih-dev libpq-dev postgresql-15 postgresql-client-15 pgbouncer libcurl4-openssl-dev
  libcsv-dev libqrencode-dev libxlsxwriter-dev libhpdf-dev zlib1g-dev libpng-dev
  libcmocka-dev python3 curl wrk nginx-light poppler-utils poppler-data fonts-wqy-microhei
  nodejs npm chromium
  clang-format clang-tools gcovr
  openssl systemd prometheus logrotate
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed'; then
    missing+=("$p")
  fi
done

# Node and npm may come from outside Debian (a newer Node.js image); accept them.
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  filtered=()
  for p in "${missing[@]}"; do
    case "$p" in nodejs|npm) ;; *) filtered+=("$p") ;; esac
  done
  missing=("${filtered[@]+"${filtered[@]}"}")
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "egret: installing Debian packages: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
