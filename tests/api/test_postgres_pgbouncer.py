"""egret through pgbouncer in transaction pooling mode.

A city runs many egret servers, each with its own connection pool, in front
of one PostgreSQL: pgbouncer (Debian's 1.18, which has no protocol-level
prepared statements) multiplexes their transactions over a few server
connections. Two servers with pools of 8 go through a pgbouncer allowed 3
server connections for the database; egret's URL carries
pool_mode=transaction, so it prepares no named statement and sets nothing
on the session. Racing writes and reads through both must all succeed, with
every row exactly once, the audit chain intact, and PostgreSQL never seeing
more than pgbouncer's 3 connections for the database.

PostgreSQL only.
"""

import os
import shutil
import subprocess
import tempfile
import threading
import time
import unittest

from egret_client import ENGINE, REPO, Server, assert_status, postgres_only, unique
from test_cases_common import add_platform, file_case

A = B = None
BOUNCER_DIR = None
POOL = 3
PASSWORD = "bouncer-pass-4242"


def bouncer(*args):
    p = subprocess.run(["bash", os.path.join(REPO, "scripts", "pgbouncer.sh")] + list(args),
                       capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        raise AssertionError("pgbouncer.sh %s: %s" % (args[0], p.stderr))
    return p.stdout.strip()


def setUpModule():
    global A, B, BOUNCER_DIR
    if ENGINE != "postgres":
        return
    BOUNCER_DIR = os.path.join(tempfile.mkdtemp(prefix="egret-pgb-"), "bouncer")
    url = bouncer("start", BOUNCER_DIR, os.environ["EGRET_TEST_PG_URL"], str(POOL))
    A = Server(seed=True, name="test_postgres_pgbouncer-a", env={"EGRET_DB_POOL": "8"})
    A.prepare()  # the database is made directly; egret then only goes through pgbouncer
    A.direct_db = A.db
    A.db = url.rsplit("/", 1)[0] + "/" + A.pg_db + "?pool_mode=transaction"
    A.start()
    B = A.twin("test_postgres_pgbouncer-b", env={"EGRET_DB_POOL": "8"})
    B.start()


def tearDownModule():
    for s in (B, A):  # A's cleanup drops the database over a direct connection
        if s is not None:
            s.stop()
    if BOUNCER_DIR:
        bouncer("stop", BOUNCER_DIR)
        shutil.rmtree(os.path.dirname(BOUNCER_DIR), ignore_errors=True)


def direct_sql(sql):
    p = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", A.direct_db,
                        "-c", sql], capture_output=True, text=True, timeout=60)
    if p.returncode != 0:
        raise AssertionError("psql: %s" % p.stderr)
    return p.stdout.splitlines()


@postgres_only
class ThroughPgbouncer(unittest.TestCase):
    def test_racing_writes_and_reads_on_few_server_connections(self):
        prefix = unique("pgb")
        tokens = [A.login("admin"), B.login("admin")]
        peak = [0]
        done = threading.Event()

        def sample():  # what PostgreSQL itself sees for this database
            while not done.is_set():
                n = int(direct_sql("SELECT COUNT(*) FROM pg_stat_activity WHERE datname = '%s' "
                                   "AND backend_type = 'client backend' AND pid <> "
                                   "pg_backend_pid()" % A.pg_db)[0])
                peak[0] = max(peak[0], n)
                time.sleep(0.05)

        results, errors = [], []

        def work(t):
            srv = (A, B)[t % 2]
            client = srv.client()
            try:
                for k in range(20):
                    login = "%s-%d-%d" % (prefix, t, k)
                    r = client.request("POST", "/api/v1/users", token=tokens[t % 2], body={
                        "login": login, "password": PASSWORD, "role": "analyst"})
                    results.append((login, r.status))
                    r = client.request("GET", "/api/v1/users", token=tokens[t % 2],
                                       query={"limit": "5"})
                    results.append(("list", r.status))
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append(e)
            finally:
                client.close()

        sampler = threading.Thread(target=sample)
        sampler.start()
        threads = [threading.Thread(target=work, args=(t,)) for t in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
        done.set()
        sampler.join()
        self.assertEqual(errors, [])
        bad = [(what, status) for what, status in results if status not in (200, 201)]
        self.assertEqual(bad, [], "every request through pgbouncer succeeds")
        rows = direct_sql("SELECT COUNT(*) FROM users WHERE login LIKE '%s-%%'" % prefix)
        self.assertEqual(rows, ["240"], "every account exactly once")
        self.assertLessEqual(peak[0], POOL, "PostgreSQL saw at most pgbouncer's pool")
        self.assertGreater(peak[0], 0, "the sampler saw the load")
        p = A.run_cli(["audit", "verify"])
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def test_a_case_filed_and_read_through_both_servers(self):
        # Statements that the server cannot type on their own (`? IS NULL`)
        # are typed by their values in one round trip: a case's whole path.
        platform_id, _ = add_platform(A, "delivery")
        worker = A.login("worker")
        case = file_case(A, worker, platform_id)
        r = B.request("GET", "/api/v1/cases/%s" % case["id"], token=B.login("worker"))
        assert_status(r, 200)
        self.assertEqual(r.body["id"], case["id"])
        r = B.request("GET", "/api/v1/cases", token=B.login("mediator"), query={"limit": "20"})
        assert_status(r, 200)

    def test_migrate_and_jobs_refuse_the_pooled_url(self):
        # Their advisory locks would stay behind on a server connection that
        # pgbouncer lends to others: they say to use a direct URL instead.
        for args in (["migrate"], ["monitoring", "daily"], ["insurance", "daily"]):
            p = A.run_cli(args)
            self.assertNotEqual(p.returncode, 0, args)
            self.assertIn("direct connection", p.stderr, args)
        p = A.run_cli(["migrate"], env={"EGRET_DB": A.direct_db})
        self.assertEqual(p.returncode, 0, p.stderr)


if __name__ == "__main__":
    unittest.main()
