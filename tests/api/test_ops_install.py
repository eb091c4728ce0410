"""`make install` (scripts/install.sh) and what it installs: files, modes,
systemd units that systemd-analyze accepts without a word, timers whose
calendars parse, a service user sysusers can create, and `egret serve`
telling systemd READY=1 once it answers.

The install runs twice: with PREFIX=<tmp>/prefix and no DESTDIR (so the
units name real paths and `systemd-analyze verify` can check them), and
with PREFIX=/usr DESTDIR=<tmp>/root (the packagers' way), run again to show
an edited egret.ini is kept. EGRET_INSTALL_NO_BUILD=1: the binary under
test is installed as it is, never rebuilt by the test.

SQLite only (nothing here depends on the engine).
"""

import glob
import os
import re
import shutil
import socket
import stat
import subprocess
import tempfile
import unittest

from egret_client import EGRET, ENGINE, REPO, Server, assert_status, unique

BUILD_DIR = os.path.dirname(os.path.abspath(EGRET))
WORK = None          # temp dir of this module
PREFIX = None        # the no-DESTDIR install's prefix
DESTROOT = None      # the DESTDIR install's root
UNIT_NAMES = ("egret.service", "egret-insurance-daily", "egret-monitoring-daily",
              "egret-audit-anchor", "egret-backup", "egret-doctor")

skip_reason = None
if ENGINE != "sqlite":
    skip_reason = "sqlite only"
elif not os.path.exists(os.path.join(BUILD_DIR, "cmake_install.cmake")):
    skip_reason = "%s is not a CMake build tree" % BUILD_DIR
elif shutil.which("systemd-analyze") is None:
    skip_reason = "systemd-analyze is not installed"


def install(prefix, destdir=None):
    env = dict(os.environ, PREFIX=prefix, EGRET_INSTALL_BUILD_DIR=BUILD_DIR,
               EGRET_INSTALL_NO_BUILD="1")
    env.pop("DESTDIR", None)
    for k in ("EGRET_UNITDIR", "EGRET_SYSUSERSDIR", "EGRET_SYSCONFDIR"):
        env.pop(k, None)
    if destdir:
        env["DESTDIR"] = destdir
    p = subprocess.run(["bash", os.path.join(REPO, "scripts", "install.sh")], env=env,
                       capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        raise AssertionError("install.sh (PREFIX=%s DESTDIR=%s) exited %d:\n%s%s"
                             % (prefix, destdir, p.returncode, p.stdout, p.stderr))
    return p


def setUpModule():
    global WORK, PREFIX, DESTROOT
    if skip_reason:
        return
    WORK = tempfile.mkdtemp(prefix="egret-install-")
    PREFIX = os.path.join(WORK, "prefix")
    DESTROOT = os.path.join(WORK, "root")
    install(PREFIX)
    install("/usr", DESTROOT)


def tearDownModule():
    if WORK:
        shutil.rmtree(WORK, ignore_errors=True)


def analyze_verify(paths):
    """systemd-analyze verify: (exit code, every line it printed)."""
    p = subprocess.run(["systemd-analyze", "verify", "--man=no", "--generators=no"] + list(paths),
                       capture_output=True, text=True, timeout=120,
                       env=dict(os.environ, SYSTEMD_LOG_COLOR="0", SYSTEMD_PAGER=""))
    lines = [ln for ln in (p.stdout + p.stderr).splitlines() if ln.strip()]
    # Nothing is filtered: in this container (no systemd as PID 1, root)
    # systemd 252 prints nothing for the installed units. Should a host
    # need a filter, name exactly the line and why here.
    return p.returncode, lines


def units_in(d):
    return sorted(glob.glob(os.path.join(d, "egret*.service")) + glob.glob(os.path.join(d, "egret*.timer")))


@unittest.skipIf(skip_reason, skip_reason or "")
class TestInstallFiles(unittest.TestCase):
    def test_destdir_layout(self):
        want = {
            "usr/bin/egret": 0o755,
            "lib/systemd/system/egret.service": 0o644,
            "etc/egret/egret.ini": 0o640,
            "usr/share/egret/nginx/egret.conf": 0o644,
            "usr/lib/sysusers.d/egret.conf": 0o644,
            "usr/share/egret/egret.example.ini": 0o644,
            "etc/logrotate.d/egret": 0o644,
        }
        for rel, mode in want.items():
            path = os.path.join(DESTROOT, rel)
            self.assertTrue(os.path.isfile(path), "%s not installed" % rel)
            self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), mode, "mode of %s" % rel)
        for name in UNIT_NAMES:
            n = name if name.endswith(".service") else name + ".service"
            self.assertTrue(os.path.isfile(os.path.join(DESTROOT, "lib/systemd/system", n)), n)
            if not name.endswith(".service"):
                self.assertTrue(os.path.isfile(os.path.join(DESTROOT, "lib/systemd/system",
                                                            name + ".timer")), name)
        # Nothing is written outside DESTDIR's usr, lib and etc.
        self.assertEqual(sorted(os.listdir(DESTROOT)), ["etc", "lib", "usr"])
        with open(os.path.join(DESTROOT, "usr/bin/egret"), "rb") as a, open(EGRET, "rb") as b:
            self.assertTrue(a.read() == b.read(), "the installed binary is not the one built")

    def test_destdir_paths_are_final(self):
        # DESTDIR is staging only: the installed files name /usr and /etc.
        unit = open(os.path.join(DESTROOT, "lib/systemd/system/egret.service")).read()
        self.assertIn("ExecStart=/usr/bin/egret serve\n", unit)
        self.assertIn("ExecStartPre=/usr/bin/egret migrate\n", unit)
        self.assertIn("LoadCredential=egret.ini:/etc/egret/egret.ini\n", unit)
        self.assertNotIn("@", re.sub(r"(?m)^#.*$", "", unit), "a placeholder is left")
        for path in glob.glob(os.path.join(DESTROOT, "lib/systemd/system/*")):
            self.assertNotIn(DESTROOT, open(path).read(), path)
            self.assertNotRegex(open(path).read(), r"@[A-Z_0-9]+@", "a placeholder is left in %s" % path)
        anchor = open(os.path.join(DESTROOT, "lib/systemd/system/egret-audit-anchor.service")).read()
        self.assertIn("\nConditionPathExists=/etc/egret/anchor.key\n", anchor)
        self.assertIn("\nLoadCredential=anchor.key:/etc/egret/anchor.key\n", anchor)
        ini = open(os.path.join(DESTROOT, "etc/egret/egret.ini")).read()
        self.assertNotIn(DESTROOT, ini)
        self.assertRegex(ini, r"(?m)^url = /var/lib/egret/egret\.db")
        self.assertRegex(ini, r"(?m)^key_file = /var/lib/egret/egret\.key")
        self.assertRegex(ini, r"(?m)^static_dir = /usr/share/egret/web")
        self.assertRegex(ini, r"(?m)^trusted_proxies = 127\.0\.0\.1, ::1")
        site = open(os.path.join(DESTROOT, "usr/share/egret/nginx/egret.conf")).read()
        self.assertNotRegex(site, r"@[A-Z_0-9]+@", "a placeholder is left in the nginx site")
        self.assertIn("root /usr/share/egret/web;", site)

    def test_installed_ini_is_valid_config(self):
        # The installed configuration is one egret accepts (paths apart).
        ini = os.path.join(DESTROOT, "etc/egret/egret.ini")
        env = {k: v for k, v in os.environ.items() if not k.startswith("EGRET_")}
        env["EGRET_CONFIG"] = ini
        # Its paths are the service's (/var/lib/egret): point them here.
        env["EGRET_DB"] = os.path.join(WORK, "cfgcheck.db")
        env["EGRET_SECURITY_KEY_FILE"] = os.path.join(WORK, "cfgcheck.key")
        env["EGRET_FILES_DATA_DIR"] = os.path.join(WORK, "cfgcheck-files")
        env["EGRET_BACKUP_DIR"] = os.path.join(WORK, "cfgcheck-backups")
        env["EGRET_SERVER_STATIC_DIR"] = os.path.join(WORK, "cfgcheck-web")
        env["EGRET_SERVER_LOG_FILE"] = ""
        p = subprocess.run([EGRET, "migrate"], env=env, capture_output=True, text=True,
                           timeout=300, cwd=WORK)
        self.assertEqual(p.returncode, 0, "egret migrate with the installed egret.ini:\n%s%s"
                         % (p.stdout, p.stderr))
        self.assertFalse(os.path.exists("/var/lib/egret/egret.key") and
                         os.path.getmtime("/var/lib/egret/egret.key") > os.path.getmtime(ini),
                         "the check wrote to /var/lib/egret")

    def test_reinstall_keeps_edited_ini(self):
        root = os.path.join(WORK, "root2")
        install("/usr", root)
        ini = os.path.join(root, "etc/egret/egret.ini")
        marker = "; edited by the operator %s\n" % unique()
        with open(ini, "a") as f:
            f.write(marker)
        os.chmod(ini, 0o600)
        p = install("/usr", root)
        self.assertTrue(open(ini).read().endswith(marker), "the edited egret.ini was replaced")
        self.assertEqual(stat.S_IMODE(os.stat(ini).st_mode), 0o600, "mode of the kept egret.ini")
        self.assertIn("exists, left as it is", p.stdout + p.stderr)

    def test_prefix_install(self):
        for rel in ("bin/egret", "etc/egret/egret.ini", "lib/sysusers.d/egret.conf",
                    "share/egret/nginx/egret.conf", "lib/systemd/system/egret.service"):
            self.assertTrue(os.path.isfile(os.path.join(PREFIX, rel)), rel)
        unit = open(os.path.join(PREFIX, "lib/systemd/system/egret.service")).read()
        self.assertIn("ExecStart=%s/bin/egret serve\n" % PREFIX, unit)
        ini = open(os.path.join(PREFIX, "etc/egret/egret.ini")).read()
        self.assertRegex(ini, r"(?m)^url = %s/var/lib/egret/egret\.db" % re.escape(PREFIX))
        # The install stages its rendered files in the build tree, not in the
        # source tree (install.sh runs cmake --install from there).
        self.assertFalse(os.path.exists(os.path.join(REPO, "egret-install-stage")))
        self.assertTrue(os.path.isdir(os.path.join(BUILD_DIR, "egret-install-stage")))

    def test_sysusers_creates_the_user(self):
        # systemd-sysusers on a scratch root: the user and group the units run as.
        if shutil.which("systemd-sysusers") is None:
            self.skipTest("systemd-sysusers is not installed")
        root = os.path.join(WORK, "sysusers-root")
        os.makedirs(os.path.join(root, "etc"))
        conf = os.path.join(DESTROOT, "usr/lib/sysusers.d/egret.conf")
        p = subprocess.run(["systemd-sysusers", "--root=" + root, conf], capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        passwd = open(os.path.join(root, "etc/passwd")).read()
        self.assertRegex(passwd, r"(?m)^egret:x:\d+:\d+:[^:]*:/var/lib/egret:/usr/sbin/nologin$")
        self.assertRegex(open(os.path.join(root, "etc/group")).read(), r"(?m)^egret:x:\d+:")
        for unit in units_in(os.path.join(DESTROOT, "lib/systemd/system")):
            if unit.endswith(".service"):
                text = open(unit).read()
                self.assertIn("\nUser=egret\n", text, unit)
                self.assertIn("\nGroup=egret\n", text, unit)


@unittest.skipIf(skip_reason, skip_reason or "")
class TestUnits(unittest.TestCase):
    def unitdir(self):
        return os.path.join(PREFIX, "lib/systemd/system")

    def test_verify_is_silent(self):
        units = units_in(self.unitdir())
        self.assertEqual(len(units), 11, units)
        rc, lines = analyze_verify(units)
        self.assertEqual((rc, lines), (0, []), "systemd-analyze verify is not clean")

    def test_verify_catches_a_misspelt_key(self):
        # The check above can fail: a misspelt key (exit 0 all the same).
        d = os.path.join(WORK, "bad-units")
        os.makedirs(d, exist_ok=True)
        text = open(os.path.join(self.unitdir(), "egret.service")).read()
        self.assertIn("\nProtectSystem=strict\n", text)
        bad = os.path.join(d, "egret.service")
        with open(bad, "w") as f:
            f.write(text.replace("\nProtectSystem=strict\n", "\nProtectSytem=strict\n"))
        rc, lines = analyze_verify([bad])
        self.assertTrue(any("ProtectSytem" in ln for ln in lines),
                        "no word about the misspelt key (exit %d): %r" % (rc, lines))

    def test_verify_catches_a_missing_binary(self):
        d = os.path.join(WORK, "bad-units2")
        os.makedirs(d, exist_ok=True)
        text = open(os.path.join(self.unitdir(), "egret.service")).read()
        bad = os.path.join(d, "egret.service")
        with open(bad, "w") as f:
            f.write(text.replace("%s/bin/egret serve" % PREFIX, "/nonexistent/egret serve"))
        rc, lines = analyze_verify([bad])
        self.assertTrue(lines, "no word about a missing ExecStart binary (exit %d)" % rc)

    def test_main_service(self):
        text = open(os.path.join(self.unitdir(), "egret.service")).read()
        self.assertIn("\nType=notify\n", text)
        self.assertIn("\nExecStartPre=%s/bin/egret migrate\n" % PREFIX, text)
        self.assertIn("\nWantedBy=multi-user.target\n", text)

    def test_every_oneshot_has_a_timer_that_parses(self):
        d = self.unitdir()
        oneshots = []
        for svc in sorted(glob.glob(os.path.join(d, "egret*.service"))):
            if re.search(r"(?m)^Type=oneshot$", open(svc).read()):
                oneshots.append(os.path.basename(svc))
        self.assertEqual(len(oneshots), 5, oneshots)
        timers = sorted(glob.glob(os.path.join(d, "egret*.timer")))
        started = {}
        for t in timers:
            text = open(t).read()
            m = re.search(r"(?m)^Unit=(\S+)$", text)
            unit = m.group(1) if m else os.path.basename(t)[:-len(".timer")] + ".service"
            started[unit] = os.path.basename(t)
            cals = re.findall(r"(?m)^OnCalendar=(.+)$", text)
            self.assertTrue(cals, "%s has no OnCalendar" % t)
            for cal in cals:
                p = subprocess.run(["systemd-analyze", "calendar", cal], capture_output=True,
                                   text=True, timeout=30)
                self.assertEqual(p.returncode, 0, "%s: OnCalendar=%s: %s" % (t, cal, p.stderr))
                self.assertIn("Next elapse:", p.stdout)
            self.assertRegex(text, r"(?m)^WantedBy=timers\.target$", t)
        for svc in oneshots:
            self.assertIn(svc, started, "%s has no timer" % svc)
        for unit in started:
            self.assertIn(unit, oneshots, "a timer starts %s, not a oneshot service here" % unit)


@unittest.skipIf(skip_reason, skip_reason or "")
class TestSdNotify(unittest.TestCase):
    def run_with(self, address, bind_to):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.addCleanup(sock.close)
        sock.bind(bind_to)
        sock.settimeout(90)
        srv = Server(seed=False, name="test_ops_install-notify", env={"NOTIFY_SOCKET": address})
        self.addCleanup(lambda: srv.proc is not None and srv.stop())
        srv.start(wait=False)
        msg = sock.recv(4096).decode("utf-8", "replace")
        self.assertIn("READY=1", msg.split("\n"), "datagram %r" % msg)
        # READY=1 means it answers now, not eventually.
        with socket.create_connection(("127.0.0.1", srv.port), timeout=10) as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            s.settimeout(10)
            data = b""
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        self.assertTrue(data.startswith(b"HTTP/1.1 200"), data[:200])
        assert_status(srv.request("GET", "/healthz"), 200)
        srv.stop()

    def test_ready_on_a_path_socket(self):
        d = tempfile.mkdtemp(prefix="egret-notify-")
        self.addCleanup(shutil.rmtree, d, True)
        path = os.path.join(d, "notify.sock")
        self.run_with(path, path)

    def test_ready_on_an_abstract_socket(self):
        name = "egret-test-notify-" + unique()
        self.run_with("@" + name, "\0" + name)

    def test_no_notify_socket_is_fine(self):
        srv = Server(seed=False, name="test_ops_install-nonotify")
        srv.start()
        try:
            assert_status(srv.request("GET", "/healthz"), 200)
        finally:
            srv.stop()
