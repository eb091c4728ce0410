"""Two egret servers on one PostgreSQL database, as behind a load balancer.

A token issued by one server works on the other (sessions live in the
database) and a logout on one ends it on both. Hundreds of racing writes
through both servers at once — distinct creates, creates of the same
logins, renames of the same account — must leave every row exactly once,
exactly one winner per duplicate login (the rest 409), no lost update (one
audit event per successful write, the final name one that was written and
the one the last event records) and an audit chain that verifies.

PostgreSQL only: SQLite serves one process.
"""

import json
import subprocess
import threading
import unittest

from egret_client import (ENGINE, Server, assert_error, assert_status, postgres_only,
                          unique)

A = B = None
PASSWORD = "cluster-pass-42"


def psql(sql):
    p = subprocess.run(["psql", "-X", "-q", "-At", "-F", "\x1f", "-v", "ON_ERROR_STOP=1", A.db,
                        "-c", sql], capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        raise AssertionError("psql failed: %s" % p.stderr)
    return [line.split("\x1f") for line in p.stdout.splitlines()]


def setUpModule():
    global A, B
    if ENGINE != "postgres":
        return
    A = Server(seed=True, name="test_postgres_cluster-a")
    A.start()
    # The second server: the same database and key, its own port and files.
    B = A.twin("test_postgres_cluster-b")
    B.start()


def tearDownModule():
    if B is not None:
        B.stop()
    if A is not None:
        A.stop()


def run_threads(n, fn):
    """Run fn(i) for i in range(n) on n threads; return the results in order."""
    out = [None] * n
    errors = []

    def work(i):
        try:
            out[i] = fn(i)
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    if errors:
        raise errors[0]
    return out


def audit_verify_ok(testcase):
    p = A.run_cli(["audit", "verify"])
    testcase.assertEqual(p.returncode, 0, p.stdout + p.stderr)
    testcase.assertIn("intact", p.stdout)
    # The chain has no gaps and its head is the last event.
    (n, lo, hi), = psql("SELECT COUNT(*), MIN(seq), MAX(seq) FROM audit_events")
    (head,), = psql("SELECT seq FROM audit_head WHERE id = 1")
    testcase.assertEqual(int(lo), 1)
    testcase.assertEqual(int(hi), int(n))
    testcase.assertEqual(int(head), int(n))


@postgres_only
class TestTwoServers(unittest.TestCase):
    def test_servers_are_distinct_processes_on_one_database(self):
        self.assertNotEqual(A.port, B.port)
        self.assertEqual(A.db, B.db)
        for s in (A, B):
            assert_status(s.request("GET", "/readyz"), 200)

    def test_token_from_one_server_works_on_the_other(self):
        reply = A.login_json("admin")
        tok = reply["token"]
        r = B.request("GET", "/api/v1/me", token=tok)
        assert_status(r, 200)
        self.assertEqual(r.body["login"], "admin")
        self.assertEqual(r.body["id"], reply["user"]["id"])
        # Logging out on B ends the session on A too.
        assert_status(B.request("POST", "/api/v1/auth/logout", token=tok), (200, 204))
        assert_error(A.request("GET", "/api/v1/me", token=tok), 401,
                     ("unauthenticated", "token_expired"))
        assert_error(B.request("GET", "/api/v1/me", token=tok), 401,
                     ("unauthenticated", "token_expired"))

    def test_garbage_token_refused_on_both(self):
        for s in (A, B):
            assert_error(s.request("GET", "/api/v1/me", token="egs_" + "x" * 40), 401,
                         ("unauthenticated", "token_expired"))


@postgres_only
class TestRacingWrites(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tok_a = A.login("admin")
        cls.tok_b = A.login("admin")  # issued by A, used on B

    def server(self, i):
        return (A, self.tok_a) if i % 2 == 0 else (B, self.tok_b)

    def test_distinct_creates_through_both_servers(self):
        prefix = unique("race")
        per_thread, threads = 25, 8  # 200 accounts

        def work(t):
            srv, tok = self.server(t)
            client = srv.client()
            got = []
            for k in range(per_thread):
                login = "%s-%d-%d" % (prefix, t, k)
                r = client.request("POST", "/api/v1/users", token=tok, body={
                    "login": login, "password": PASSWORD, "role": "analyst"})
                got.append((login, r.status, r.body.get("id") if isinstance(r.body, dict) else None))
            client.close()
            return got

        results = [x for chunk in run_threads(threads, work) for x in chunk]
        bad = [(login, status) for login, status, _ in results if status != 201]
        self.assertEqual(bad, [], "every distinct create succeeds")
        ids = [i for _, _, i in results]
        self.assertEqual(len(set(ids)), per_thread * threads, "ids are unique")
        rows = psql("SELECT login, id FROM users WHERE login LIKE '%s-%%'" % prefix)
        self.assertEqual(len(rows), per_thread * threads, "every row exactly once")
        self.assertEqual(sorted((login, str(i)) for login, _, i in results),
                         sorted((r[0], r[1]) for r in rows))
        events = psql("SELECT entity_id FROM audit_events WHERE action = 'user.create' AND "
                      "entity_id IN (SELECT CAST(id AS TEXT) FROM users WHERE login LIKE '%s-%%')"
                      % prefix)
        self.assertEqual(len(events), per_thread * threads, "one audit event per create")
        audit_verify_ok(self)

    def test_duplicate_logins_racing(self):
        logins = [unique("dup") for _ in range(8)]
        attempts = 12  # per login, half through each server

        def work(i):
            login = logins[i // attempts]
            srv, tok = self.server(i)
            r = srv.client().request("POST", "/api/v1/users", token=tok, body={
                "login": login, "password": PASSWORD, "role": "analyst"})
            return login, r

        results = run_threads(len(logins) * attempts, work)
        for login in logins:
            mine = [r for lg, r in results if lg == login]
            created = [r for r in mine if r.status == 201]
            self.assertEqual(len(created), 1, "exactly one 201 for %s: %s"
                             % (login, sorted(r.status for r in mine)))
            for r in mine:
                if r.status != 201:
                    assert_error(r, 409, "duplicate", field="login")
            rows = psql("SELECT id FROM users WHERE login = '%s'" % login)
            self.assertEqual(len(rows), 1)
            self.assertEqual(int(rows[0][0]), created[0].body["id"])
            ev = psql("SELECT COUNT(*) FROM audit_events WHERE action = 'user.create' AND "
                      "entity_id = '%s'" % rows[0][0])
            self.assertEqual(int(ev[0][0]), 1)
        audit_verify_ok(self)

    def test_racing_updates_of_one_row_lose_nothing(self):
        login = unique("hot")
        r = A.request("POST", "/api/v1/users", token=self.tok_a, body={
            "login": login, "password": PASSWORD, "role": "analyst"})
        assert_status(r, 201)
        uid = r.body["id"]
        per_thread, threads = 30, 8  # 240 renames of the same account

        def work(t):
            srv, tok = self.server(t)
            client = srv.client()
            out = []
            for k in range(per_thread):
                name = "名字-%d-%d" % (t, k)
                rr = client.request("PATCH", "/api/v1/users/%d" % uid, token=tok,
                                    body={"display_name": name})
                out.append((name, rr.status))
            client.close()
            return out

        results = [x for chunk in run_threads(threads, work) for x in chunk]
        ok = [name for name, status in results if status == 200]
        others = sorted({status for _, status in results if status != 200})
        # Retries absorb the contention; a 503 would only be acceptable as an
        # honest "busy" that wrote nothing, and there must be next to none.
        self.assertTrue(set(others) <= {503}, others)
        self.assertGreaterEqual(len(ok), len(results) * 0.95)
        events = psql("SELECT seq, summary FROM audit_events WHERE action = 'user.update' AND "
                      "entity_id = '%d' ORDER BY seq" % uid)
        self.assertEqual(len(events), len(ok), "one audit event per successful write")
        written = [json.loads(s)["changes"]["display_name"] for _, s in events]
        self.assertEqual(sorted(written), sorted(ok), "every successful write is recorded once")
        (final,), = psql("SELECT display_name FROM users WHERE id = %d" % uid)
        self.assertIn(final, ok)
        self.assertEqual(final, written[-1], "the row holds the last recorded write")
        for srv, tok in ((A, self.tok_a), (B, self.tok_b)):
            r = srv.request("GET", "/api/v1/users/%d" % uid, token=tok)
            assert_status(r, 200)
            self.assertEqual(r.body["display_name"], final)
        audit_verify_ok(self)

    def test_mixed_creates_and_updates_on_both_servers(self):
        prefix = unique("mix")
        login = unique("mixhot")
        r = B.request("POST", "/api/v1/users", token=self.tok_b, body={
            "login": login, "password": PASSWORD, "role": "analyst"})
        assert_status(r, 201)
        uid = r.body["id"]
        before = int(psql("SELECT COUNT(*) FROM audit_events")[0][0])

        def work(t):
            srv, tok = self.server(t)
            client = srv.client()
            statuses = []
            for k in range(15):
                if k % 2:
                    rr = client.request("PATCH", "/api/v1/users/%d" % uid, token=tok,
                                        body={"display_name": "m-%d-%d" % (t, k)})
                else:
                    rr = client.request("POST", "/api/v1/users", token=tok, body={
                        "login": "%s-%d-%d" % (prefix, t, k), "password": PASSWORD,
                        "role": "analyst"})
                statuses.append(rr.status)
            client.close()
            return statuses

        statuses = [s for chunk in run_threads(8, work) for s in chunk]
        writes = sum(1 for s in statuses if s in (200, 201))
        self.assertGreaterEqual(writes, len(statuses) * 0.95, sorted(set(statuses)))
        after = int(psql("SELECT COUNT(*) FROM audit_events")[0][0])
        # Other tests in this module may write meanwhile only if run in parallel; they are not.
        self.assertEqual(after - before, writes, "one event per successful write, none lost")
        created = int(psql("SELECT COUNT(*) FROM users WHERE login LIKE '%s-%%'" % prefix)[0][0])
        self.assertEqual(created, sum(1 for s in statuses if s == 201))
        audit_verify_ok(self)


if __name__ == "__main__":
    unittest.main()
