"""Several servers on one PostgreSQL database start and schedule at once.

Every server's unit runs `egret migrate` before `egret serve`, and every
server's timers fire the daily jobs: six migrations started together on an
empty database must all succeed and apply each migration once (an advisory
lock lets one migrate while the others wait), and a daily job whose lock
another connection holds must do nothing and exit 0, then run once the lock
is free.

PostgreSQL only: an SQLite database belongs to one server.
"""

import os
import subprocess
import threading
import unittest

from egret_client import EGRET, Server, _pg_create, postgres_only

S = None


def setUpModule():
    global S
    S = Server(seed=False, migrate=False)
    if S.pg_db:
        _pg_create(S.pg_db)


def tearDownModule():
    if S:
        S.cleanup()


class HeldLock:
    """A psql session holding the advisory lock name, as another server's
    job would, until release()."""

    def __init__(self, db, name):
        self.p = subprocess.Popen(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", db],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.p.stdin.write("SELECT pg_advisory_lock(hashtextextended('%s', 0));\n"
                           "\\echo held\n" % name)
        self.p.stdin.flush()
        while True:
            line = self.p.stdout.readline()
            if not line:
                raise AssertionError("psql ended before taking the lock")
            if line.strip() == "held":
                break

    def release(self):
        self.p.stdin.close()
        self.p.wait(timeout=30)


@postgres_only
class ConcurrentStart(unittest.TestCase):
    def test_1_six_migrations_at_once_apply_each_once(self):
        # No key file yet: the first migrate creates it (O_EXCL), the rest read it.
        self.assertFalse(os.path.exists(S.key_file))
        results = [None] * 6

        def run(i):
            results[i] = subprocess.run([EGRET, "migrate"], capture_output=True, text=True,
                                        env=S.env(), cwd=S.dir, timeout=300)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        applied = 0
        for p in results:
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn("schema at version", p.stdout)
            applied += int(p.stdout.split("(")[1].split()[0])
        versions = S.sql("SELECT version FROM schema_migrations ORDER BY version")
        self.assertEqual(applied, len(versions), "every migration applied exactly once")
        self.assertEqual(len(S.sql("SELECT 1 FROM key_check")), 1)
        verify = S.run_cli(["audit", "verify"])
        self.assertEqual(verify.returncode, 0, verify.stdout + verify.stderr)

    def test_2_daily_job_held_elsewhere_does_nothing(self):
        lock = HeldLock(S.db, "egret.job.monitoring.daily")
        try:
            p = S.run_cli(["monitoring", "daily"])
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn("another server is running it", p.stdout)
            self.assertEqual(S.sql("SELECT COUNT(*) FROM job_runs WHERE job = 'monitoring.daily'"),
                             [["0"]])
            # A different job is not held back by this one's lock.
            p = S.run_cli(["insurance", "daily"])
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertNotIn("another server", p.stdout)
        finally:
            lock.release()
        p = S.run_cli(["monitoring", "daily"])
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn("another server", p.stdout)
        self.assertEqual(S.sql("SELECT COUNT(*) FROM job_runs WHERE job = 'monitoring.daily'"),
                         [["1"]])

    def test_3_insurance_daily_held_elsewhere_does_nothing(self):
        lock = HeldLock(S.db, "egret.job.insurance.daily")
        try:
            p = S.run_cli(["insurance", "daily"])
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn("another server is running it", p.stdout)
        finally:
            lock.release()


if __name__ == "__main__":
    unittest.main()
