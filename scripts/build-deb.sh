#!/usr/bin/env bash
# `make deb`: a Debian 12 package of egret, built with dpkg-deb from what
# `make install PREFIX=/usr` stages (scripts/install.sh with DESTDIR).
#
#   bash scripts/build-deb.sh [OUTDIR]     (default: dist/)
#
# The web app is built first when web/dist is missing (scripts/build-web.sh);
# EGRET_DEB_NO_WEB=1 packages the API alone (the tests do, for speed).
#
# The package: /usr/bin/egret, /usr/share/egret (web app, nginx site,
# example configuration), the systemd units, sysusers.d and logrotate
# files; /etc/egret/egret.ini as a conffile (an upgrade keeps the
# operator's edits). Depends: the Debian packages of the shared libraries
# the binary links, found with dpkg -S. postinst makes the egret user
# (systemd-sysusers) and reloads systemd; nothing is enabled or started:
# docs/operations.md, "Install", says what to enable.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-dist}
dir=${EGRET_INSTALL_BUILD_DIR:-build}
version=$(sed -n 's/^project(egret VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
arch=$(dpkg --print-architecture)
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
chmod 0755 "$root" # the package's "./" is the machine's /: never 0700

if [ ! -f web/dist/index.html ] && [ "${EGRET_DEB_NO_WEB:-}" != 1 ]; then
    bash scripts/build-web.sh
fi
EGRET_INSTALL_BUILD_DIR=$dir PREFIX=/usr DESTDIR="$root" bash scripts/install.sh >/dev/null

# One Debian package per shared library the binary links directly (its
# NEEDED entries, the C library included; what those need is their
# packages' business), with the installed version as the least.
deps=()
while read -r lib; do
    # Debian 12 merged /lib into /usr/lib; dpkg knows a file by the path its
    # package shipped it under, so ask for both spellings.
    pkg=""
    for path in "$lib" "$(readlink -f "$lib")"; do
        for p in "$path" "${path#/usr}" "/usr$path"; do
            pkg=$(dpkg -S "$p" 2>/dev/null | head -n1 | cut -d: -f1 || true)
            [ -n "$pkg" ] && break 2
        done
    done
    if [ -z "$pkg" ]; then
        echo "build-deb: no Debian package holds $lib" >&2
        exit 1
    fi
    ver=$(dpkg-query -W -f='${Version}' "$pkg")
    deps+=("$pkg (>= $ver)")
done < <(needed=$(readelf -d "$dir/egret" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
         ldd "$dir/egret" | awk -v n="$needed" 'BEGIN { split(n, a, "\n"); for (i in a) want[a[i]] = 1 }
                                                 $1 in want && $3 ~ /^\// { print $3 }')
depends=$(printf '%s\n' "${deps[@]}" | sort -u | paste -sd, | sed 's/,/, /g')

mkdir -p "$root/DEBIAN"
size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
cat > "$root/DEBIAN/control" <<CONTROL
Package: egret
Version: $version
Architecture: $arch
Maintainer: egret developers <egret@example.org>
Installed-Size: $size
Depends: $depends
Recommends: nginx-light | nginx, logrotate
Suggests: postgresql-15, pgbouncer, prometheus
Section: net
Priority: optional
Homepage: https://example.org/egret
Description: service, protection and monitoring for gig workers
 egret is the platform on which a city runs its service, protection and
 monitoring system for delivery riders, couriers, ride-hailing drivers and
 other gig workers: one window for complaints and mediation, a daily
 occupational-injury insurance, and labour indicators from the platforms'
 feeds, with early warnings and a dashboard.
CONTROL
# Everything under /etc is the operator's: dpkg keeps local edits.
(cd "$root" && find etc -type f | sed 's|^|/|') > "$root/DEBIAN/conffiles"
cat > "$root/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
    if command -v systemd-sysusers >/dev/null 2>&1; then
        systemd-sysusers egret.conf
    elif ! getent passwd egret >/dev/null; then
        adduser --system --group --home /var/lib/egret --no-create-home egret
    fi
    if [ -d /run/systemd/system ]; then
        systemctl daemon-reload || true
    fi
fi
POSTINST
cat > "$root/DEBIAN/postrm" <<'POSTRM'
#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then
    systemctl daemon-reload || true
fi
POSTRM
chmod 0755 "$root/DEBIAN/postinst" "$root/DEBIAN/postrm"
mkdir -p "$out"
deb="$out/egret_${version}_${arch}.deb"
dpkg-deb --root-owner-group --build "$root" "$deb" >/dev/null
echo "$deb"
