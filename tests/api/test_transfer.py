"""`egret transfer`: a whole deployment from SQLite into PostgreSQL and back.

A seeded SQLite deployment gets more writes through the API, is stopped
and copied into an empty PostgreSQL database; every table must arrive with
the same rows, the audit chain must verify there, and a server on the copy
must accept the old passwords and continue ids where they stopped. Then
the copy goes back into a new SQLite file. Refusals: a target that already
holds a deployment, the same database twice, a missing source, bad usage.

Needs EGRET_TEST_PG_URL (a throwaway cluster); skipped without it.
"""

import os
import shutil
import sqlite3
import subprocess
import unittest

from egret_client import Server, assert_error, assert_status, unique

HAVE_PG = bool(os.environ.get("EGRET_TEST_PG_URL"))
PASSWORD = "transfer-pass-42"


def sqlite_tables(path):
    with sqlite3.connect(path) as c:
        return sorted(r[0] for r in c.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"))


def sqlite_counts(path):
    with sqlite3.connect(path) as c:
        return {t: c.execute('SELECT COUNT(*) FROM "%s"' % t).fetchone()[0]
                for t in sqlite_tables(path)}


def sqlite_rows(path, sql):
    with sqlite3.connect(path) as c:
        return [tuple("" if v is None else str(v) for v in r) for r in c.execute(sql)]


def psql(url, sql):
    p = subprocess.run(["psql", "-X", "-q", "-At", "-F", "\x1f", "-v", "ON_ERROR_STOP=1", url,
                        "-c", sql], capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        raise AssertionError("psql failed: %s" % p.stderr)
    return [tuple(line.split("\x1f")) for line in p.stdout.splitlines()]


def pg_tables(url):
    return sorted(r[0] for r in psql(
        url, "SELECT table_name FROM information_schema.tables WHERE table_schema = "
             "current_schema() AND table_type = 'BASE TABLE'"))


def pg_counts(url):
    tables = pg_tables(url)
    sql = " UNION ALL ".join("SELECT '%s', COUNT(*) FROM \"%s\"" % (t, t) for t in tables)
    return {name: int(n) for name, n in psql(url, sql)}


AUDIT_SQL = ("SELECT seq, at, actor_user_id, actor, actor_role, action, entity, entity_id, "
             "summary, address, request_id, prev_hash, hash FROM audit_events ORDER BY seq")
MIGRATIONS_SQL = "SELECT version, name, applied_at FROM schema_migrations ORDER BY version"
USERS_SQL = ("SELECT id, login, password_hash, role, display_name, department_id, disabled, "
             "created_at, updated_at FROM users ORDER BY id")

SRC = PG = None
SNAP = {}


def setUpModule():
    global SRC, PG
    if not HAVE_PG:
        return
    SRC = Server(seed=True, engine="sqlite", name="test_transfer-sqlite")
    SRC.start()
    tok = SRC.login("admin")
    # More history through the API: accounts, renames, a department, an organisation.
    created = []
    for i in range(12):
        login = unique("tr")
        r = SRC.request("POST", "/api/v1/users", token=tok, body={
            "login": login, "password": PASSWORD, "role": "analyst",
            "display_name": "迁移用户 %d" % i})
        assert_status(r, 201)
        created.append((r.body["id"], login))
    for uid, _ in created[:6]:
        assert_status(SRC.request("PATCH", "/api/v1/users/%d" % uid, token=tok,
                                  body={"display_name": "改名 '%d' \"q\"" % uid}), 200)
    SNAP["created"] = created
    SRC.stop(cleanup=False)
    SNAP["src_counts"] = sqlite_counts(SRC.db)

    PG = Server(seed=False, migrate=False, engine="postgres", name="test_transfer-postgres")
    PG.prepare()  # an empty database
    shutil.copyfile(SRC.key_file, PG.key_file)
    os.chmod(PG.key_file, 0o600)
    p = PG.run_cli(["transfer", "--from", SRC.db, "--to", PG.db])
    SNAP["transfer"] = p
    if p.returncode == 0:
        SNAP["pg_counts"] = pg_counts(PG.db)
        SNAP["pg_audit"] = psql(PG.db, AUDIT_SQL)
        SNAP["pg_users"] = psql(PG.db, USERS_SQL)
        SNAP["pg_head"] = psql(PG.db, "SELECT seq, hash FROM audit_head")
        SNAP["pg_migrations"] = psql(PG.db, MIGRATIONS_SQL)


def tearDownModule():
    if PG is not None:
        PG.stop()
    if SRC is not None:
        SRC.cleanup()


@unittest.skipUnless(HAVE_PG, "needs EGRET_TEST_PG_URL")
class TestTransferToPostgres(unittest.TestCase):
    def test_transfer_succeeded_and_reported_every_table(self):
        p = SNAP["transfer"]
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        for table in SNAP["src_counts"]:
            self.assertIn(table, p.stdout)
        self.assertIn("done: %d tables" % len(SNAP["src_counts"]), p.stdout)
        self.assertNotIn("postgres://", p.stdout + p.stderr.replace(PG.db, ""))

    def test_every_table_has_the_same_rows(self):
        src, dst = SNAP["src_counts"], SNAP.get("pg_counts")
        self.assertIsNotNone(dst, "the transfer failed")
        self.assertEqual(sorted(src), sorted(dst))
        self.assertIn("schema_migrations", dst)
        self.assertIn("audit_events", dst)
        for table, n in src.items():
            self.assertEqual(dst[table], n, "table %s" % table)
        self.assertGreaterEqual(src["users"], len(DEMO_MIN_USERS) + 12)
        self.assertGreaterEqual(src["audit_events"], 18)

    def test_values_are_identical(self):
        self.assertEqual(SNAP["pg_audit"], sqlite_rows(SRC.db, AUDIT_SQL))
        self.assertEqual(SNAP["pg_users"], sqlite_rows(SRC.db, USERS_SQL))
        self.assertEqual(SNAP["pg_head"], sqlite_rows(SRC.db, "SELECT seq, hash FROM audit_head"))
        self.assertEqual(SNAP["pg_head"][0][0], str(SNAP["src_counts"]["audit_events"]))
        self.assertEqual(SNAP["pg_migrations"], sqlite_rows(SRC.db, MIGRATIONS_SQL))

    def test_audit_verify_on_the_copy(self):
        p = PG.run_cli(["audit", "verify"])
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("intact", p.stdout)
        self.assertIn(str(SNAP["src_counts"]["audit_events"]), p.stdout)

    def test_server_on_the_copy_accepts_old_accounts_and_continues_ids(self):
        if PG.proc is None:
            PG.start()
        admin = PG.login("admin")
        r = PG.request("GET", "/api/v1/me", token=admin)
        assert_status(r, 200)
        self.assertEqual(r.body["login"], "admin")
        # An account created through the API on SQLite signs in on PostgreSQL.
        uid, login = SNAP["created"][0]
        tok = PG.login(login, PASSWORD)
        r = PG.request("GET", "/api/v1/me", token=tok)
        assert_status(r, 200)
        self.assertEqual(r.body["id"], uid)
        self.assertEqual(r.body["display_name"], "改名 '%d' \"q\"" % uid)
        # A new row gets the next id, not one that collides with a copied row.
        max_id = max(int(row[0]) for row in SNAP["pg_users"])
        r = PG.request("POST", "/api/v1/users", token=admin, body={
            "login": unique("after"), "password": PASSWORD, "role": "analyst"})
        assert_status(r, 201)
        self.assertGreater(r.body["id"], max_id)
        p = PG.run_cli(["audit", "verify"])
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def test_refuses_a_target_that_holds_a_deployment(self):
        before = pg_counts(PG.db)
        p = PG.run_cli(["transfer", "--from", SRC.db, "--to", PG.db])
        self.assertEqual(p.returncode, 1)
        self.assertIn("already holds a deployment", p.stderr)
        self.assertEqual(pg_counts(PG.db), before)

    def test_back_into_sqlite(self):
        back = Server(seed=False, migrate=False, engine="sqlite", name="test_transfer-back")
        try:
            back.prepare()
            before = pg_counts(PG.db)
            p = back.run_cli(["transfer", "--from", PG.db, "--to", back.db])
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
            after = sqlite_counts(back.db)
            self.assertEqual(after, before)
            self.assertEqual(sqlite_rows(back.db, AUDIT_SQL)[:len(SNAP["pg_audit"])],
                             SNAP["pg_audit"])
            shutil.copyfile(SRC.key_file, back.key_file)
            os.chmod(back.key_file, 0o600)
            p = back.run_cli(["audit", "verify"])
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        finally:
            back.cleanup()


@unittest.skipUnless(HAVE_PG, "needs EGRET_TEST_PG_URL")
class TestTransferUsage(unittest.TestCase):
    def test_help_names_both_directions(self):
        p = SRC.run_cli(["transfer", "--help"])
        self.assertEqual(p.returncode, 0)
        self.assertIn("--to URL", p.stdout)
        self.assertIn("PostgreSQL", p.stdout)

    def test_missing_target(self):
        p = SRC.run_cli(["transfer"])
        self.assertEqual(p.returncode, 2)
        self.assertIn("--to", p.stderr)

    def test_unknown_option(self):
        p = SRC.run_cli(["transfer", "--to", "x.db", "--force"])
        self.assertEqual(p.returncode, 2)
        self.assertIn("--force", p.stderr)

    def test_same_database(self):
        p = SRC.run_cli(["transfer", "--from", SRC.db, "--to", SRC.db])
        self.assertEqual(p.returncode, 1)
        self.assertIn("same database", p.stderr)

    def test_missing_source_file_is_not_created(self):
        ghost = os.path.join(SRC.dir, "no-such.db")
        target = os.path.join(SRC.dir, unique("t") + ".db")
        p = SRC.run_cli(["transfer", "--from", ghost, "--to", target])
        self.assertEqual(p.returncode, 1)
        self.assertIn("does not exist", p.stderr)
        self.assertFalse(os.path.exists(ghost))
        self.assertFalse(os.path.exists(target))

    def test_unreachable_target(self):
        target = "postgres://egret@127.0.0.1:1/none?connect_timeout=3"
        p = SRC.run_cli(["transfer", "--from", SRC.db, "--to", target])
        self.assertEqual(p.returncode, 1)
        self.assertIn("cannot open the target", p.stderr)

    def test_source_without_schema(self):
        empty = os.path.join(SRC.dir, unique("empty") + ".db")
        sqlite3.connect(empty).close()
        target = os.path.join(SRC.dir, unique("t") + ".db")
        p = SRC.run_cli(["transfer", "--from", empty, "--to", target])
        self.assertEqual(p.returncode, 1)
        self.assertIn("no egret schema", p.stderr)


DEMO_MIN_USERS = ("admin", "supervisor", "mediator", "insurer", "analyst", "worker")

if __name__ == "__main__":
    unittest.main()
