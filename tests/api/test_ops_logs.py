"""Logs: one key=value line per event to a file when [server] log_file is
set, reopened on SIGHUP after logrotate moved it (nothing lost, the server
goes on); a log file that cannot be opened stops start-up with a clear
message; the request id nginx sends (X-Request-Id) is the one logged; the
shipped logrotate configuration passes logrotate's own check."""
import grp
import os
import pwd
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

from egret_client import REPO, Server, assert_status

LINE = re.compile(r"^ts=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z level=(debug|info|warn|error) event=\S+")


def lines(path):
    with open(path, encoding="utf-8") as f:
        return f.read().splitlines()


def wait_for(path, needle, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if os.path.exists(path) and any(needle in l for l in lines(path)):
            return True
        time.sleep(0.05)
    return False


class TestLogFile(unittest.TestCase):
    def test_file_and_reopen_on_sighup(self):
        srv = Server(seed=False, name="logs_file")
        log = os.path.join(srv.dir, "log", "egret.log")
        os.makedirs(os.path.dirname(log))
        srv.extra_env["EGRET_SERVER_LOG_FILE"] = log
        srv.start()
        try:
            r = srv.request("GET", "/healthz", headers={"X-Request-Id": "before-rotate-1"})
            assert_status(r, 200)
            self.assertTrue(wait_for(log, "rid=before-rotate-1"))
            self.assertEqual(os.stat(log).st_mode & 0o777 & ~0o640, 0, "log file mode")
            for l in lines(log):
                self.assertRegex(l, LINE)
            # logrotate: move the file, then SIGHUP (the shipped postrotate).
            os.rename(log, log + ".1")
            srv.signal(signal.SIGHUP)
            self.assertTrue(wait_for(log, "event=log_reopened"), "no reopen after SIGHUP")
            r = srv.request("GET", "/healthz", headers={"X-Request-Id": "after-rotate-2"})
            assert_status(r, 200)
            self.assertEqual(r.header("X-Request-Id"), "after-rotate-2")
            self.assertTrue(wait_for(log, "rid=after-rotate-2"))
            old = "\n".join(lines(log + ".1"))
            self.assertIn("rid=before-rotate-1", old)
            self.assertNotIn("rid=after-rotate-2", old)
            # A second rotation works the same, and the server is still whole.
            os.rename(log, log + ".2")
            srv.signal(signal.SIGHUP)
            self.assertTrue(wait_for(log, "event=log_reopened"))
            assert_status(srv.request("GET", "/readyz"), 200)
        finally:
            srv.stop(cleanup=False)
        self.assertTrue(wait_for(log, "event=stopped"), "shutdown not logged to the file")
        srv.cleanup()

    def test_unopenable_log_file_stops_start_up(self):
        srv = Server(seed=False, name="logs_bad")
        srv.prepare()
        bad = os.path.join(srv.dir, "no-such-dir", "egret.log")
        r = srv.run_cli(["serve"], env={"EGRET_SERVER_LOG_FILE": bad, "EGRET_LISTEN": "127.0.0.1:0"},
                        timeout=30)
        self.assertEqual(r.returncode, 1)
        self.assertIn("cannot open the log file", r.stderr)
        self.assertIn(bad, r.stderr)
        srv.cleanup()


class TestLogrotateConfig(unittest.TestCase):
    def test_logrotate_accepts_the_shipped_file(self):
        lr = shutil.which("logrotate") or "/usr/sbin/logrotate"
        if not os.path.exists(lr):
            self.fail("logrotate is not installed: scripts/install-deps.sh")
        conf = os.path.join(REPO, "packaging", "logrotate", "egret")
        text = open(conf, encoding="utf-8").read()
        self.assertIn("/var/log/egret/", text)
        self.assertIn("--signal=HUP", text)
        # The egret user exists only where the package is installed: check
        # the file as this user's, otherwise unchanged.
        d = tempfile.mkdtemp(prefix="egret-logrotate-")
        self.addCleanup(shutil.rmtree, d, True)
        me = pwd.getpwuid(os.getuid()).pw_name
        group = grp.getgrgid(os.getgid()).gr_name
        self.assertIn("create 0640 egret egret", text)
        local = os.path.join(d, "egret")
        with open(local, "w", encoding="utf-8") as f:
            f.write(text.replace("create 0640 egret egret", "create 0640 %s %s" % (me, group)))
        # -d: debug (nothing is done); a syntax error makes it fail.
        state = os.path.join(d, "state")
        r = subprocess.run([lr, "-d", "-s", state, local], capture_output=True, text=True,
                           timeout=30)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertNotIn("error:", (r.stdout + r.stderr).lower())


if __name__ == "__main__":
    unittest.main()
