#!/usr/bin/env bash
# `make install`: build build/ (or EGRET_INSTALL_BUILD_DIR) and install it.
#
#   PREFIX    where to install (default /usr/local): PREFIX/bin/egret,
#             PREFIX/share/egret/…, units in PREFIX/lib/systemd/system
#             (/lib/systemd/system when PREFIX=/usr)
#   DESTDIR   a staging root put before every path (packages, tests)
#   EGRET_UNITDIR, EGRET_SYSUSERSDIR, EGRET_SYSCONFDIR
#             override the unit, sysusers.d and /etc folders
#   EGRET_INSTALL_NO_BUILD=1
#             install the build dir as it is, without scripts/build.sh
#             (tests: they must not rebuild the binary they are testing)
#
# What goes where: packaging/install.cmake; docs/operations.md, "Install".
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=${PREFIX:-/usr/local}
dir=${EGRET_INSTALL_BUILD_DIR:-build}
if [ "${EGRET_INSTALL_NO_BUILD:-}" != 1 ]; then
    bash scripts/build.sh "$dir"
elif [ ! -f "$dir/cmake_install.cmake" ]; then
    echo "install: $dir is not a built tree (no cmake_install.cmake)" >&2
    exit 1
fi
if [ ! -f web/dist/index.html ]; then
    echo "install: the web app is not built (run 'make web' first to install it)"
fi
DESTDIR=${DESTDIR:-} cmake --install "$dir" --prefix "$prefix"
if [ -z "${DESTDIR:-}" ]; then
    echo
    echo "install: next, as root: systemd-sysusers; systemctl daemon-reload;"
    echo "         systemctl enable --now egret.service egret-insurance-daily.timer \\"
    echo "           egret-monitoring-daily.timer egret-backup.timer egret-doctor.timer"
    echo "         and, once 'egret audit keygen' made the anchor key, egret-audit-anchor.timer"
    echo "         (see docs/operations.md, \"Install\")"
fi
