"""The Debian package (scripts/build-deb.sh): it builds with dpkg-deb from
the binary under test, holds the binary, units, configuration and site in
their places, marks /etc as conffiles, never changes / itself, depends on
installable Debian packages for every library the binary links, and its
maintainer scripts are valid shell."""
import os
import re
import shutil
import stat
import subprocess
import tempfile
import unittest

from egret_client import EGRET, ENGINE, REPO

BUILD_DIR = os.path.dirname(os.path.abspath(EGRET))
skip_reason = None
if ENGINE != "sqlite":
    skip_reason = "sqlite only"
elif not os.path.exists(os.path.join(BUILD_DIR, "cmake_install.cmake")):
    skip_reason = "%s is not a CMake build tree" % BUILD_DIR
elif shutil.which("dpkg-deb") is None:
    skip_reason = "dpkg-deb is not installed"

DEB = None
TMP = None


def setUpModule():
    global DEB, TMP
    if skip_reason:
        return
    TMP = tempfile.mkdtemp(prefix="egret-deb-")
    env = dict(os.environ, EGRET_INSTALL_BUILD_DIR=BUILD_DIR, EGRET_INSTALL_NO_BUILD="1",
               EGRET_DEB_NO_WEB="1")
    r = subprocess.run(["bash", os.path.join(REPO, "scripts", "build-deb.sh"), TMP], env=env,
                       capture_output=True, text=True, timeout=300, cwd=REPO)
    if r.returncode != 0:
        raise AssertionError("build-deb.sh failed:\n" + r.stdout + r.stderr)
    DEB = r.stdout.strip().splitlines()[-1]


def tearDownModule():
    if TMP:
        shutil.rmtree(TMP, True)


def field(name):
    return subprocess.run(["dpkg-deb", "--field", DEB, name], capture_output=True, text=True,
                          check=True).stdout.strip()


@unittest.skipIf(skip_reason, skip_reason or "")
class TestPackage(unittest.TestCase):
    def test_control(self):
        self.assertEqual(field("Package"), "egret")
        self.assertRegex(field("Version"), r"^\d+\.\d+\.\d+$")
        self.assertEqual(field("Architecture"),
                         subprocess.run(["dpkg", "--print-architecture"], capture_output=True,
                                        text=True).stdout.strip())
        self.assertTrue(os.path.basename(DEB).startswith("egret_" + field("Version") + "_"))

    def test_depends_cover_every_linked_library(self):
        deps = [d.strip() for d in field("Depends").split(",")]
        names = {re.match(r"^([a-z0-9.+-]+)", d).group(1) for d in deps}
        for want in ("libc6", "libmicrohttpd12", "libjansson4", "libsqlite3-0", "libsodium23",
                     "libpq5", "libcurl4"):
            self.assertIn(want, names)
        for n in names:  # each is a real package (installed here, since the binary runs)
            r = subprocess.run(["dpkg-query", "-W", "-f=${Status}", n], capture_output=True,
                               text=True)
            self.assertIn("installed", r.stdout, n)

    def test_contents_and_modes(self):
        out = TMP + "/x"
        subprocess.run(["dpkg-deb", "-x", DEB, out], check=True)
        listing = subprocess.run(["dpkg-deb", "-c", DEB], capture_output=True, text=True,
                                 check=True).stdout.splitlines()
        first = listing[0].split()
        self.assertEqual(first[-1], "./")
        self.assertEqual(first[0], "drwxr-xr-x", "the package would change the mode of /")
        self.assertEqual(first[1], "root/root")
        for rel, mode in (("usr/bin/egret", 0o755), ("lib/systemd/system/egret.service", 0o644),
                          ("lib/systemd/system/egret-backup.timer", 0o644),
                          ("usr/lib/sysusers.d/egret.conf", 0o644),
                          ("usr/share/egret/nginx/egret.conf", 0o644),
                          ("etc/egret/egret.ini", 0o640), ("etc/logrotate.d/egret", 0o644),
                          ("usr/share/doc/egret/operations.md", 0o644)):
            p = os.path.join(out, rel)
            self.assertTrue(os.path.isfile(p), rel)
            self.assertEqual(stat.S_IMODE(os.stat(p).st_mode), mode, rel)
        with open(os.path.join(out, "usr/bin/egret"), "rb") as a, open(EGRET, "rb") as b:
            self.assertEqual(a.read(), b.read(), "the packaged binary is not the one built")
        unit = open(os.path.join(out, "lib/systemd/system/egret.service")).read()
        self.assertIn("ExecStart=/usr/bin/egret serve", unit)
        self.assertNotIn("@", re.sub(r"^#.*$", "", unit, flags=re.M).replace("%d", ""))
        self.assertNotIn(TMP, unit)

    def test_conffiles_and_scripts(self):
        ctl = TMP + "/ctl"
        subprocess.run(["dpkg-deb", "-e", DEB, ctl], check=True)
        conffiles = open(os.path.join(ctl, "conffiles")).read().split()
        self.assertIn("/etc/egret/egret.ini", conffiles)
        self.assertIn("/etc/logrotate.d/egret", conffiles)
        for script in ("postinst", "postrm"):
            p = os.path.join(ctl, script)
            self.assertTrue(os.access(p, os.X_OK), script)
            r = subprocess.run(["sh", "-n", p], capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("systemd-sysusers egret.conf", open(os.path.join(ctl, "postinst")).read())


if __name__ == "__main__":
    unittest.main()
