"""The master key is never silently replaced: `egret migrate` creates it only
for an empty database and stores its key check value; every command that
loads the key (serve, migrate, seed-demo, user add, ...) refuses a missing
key file or a key that does not match the stored check value, with a clear
message and without touching the key file; a database that predates the
check value gets it at its first start with the right key."""

import os
import secrets
import subprocess
import unittest

from egret_client import Server, free_port

SERVE_TIMEOUT_S = 20


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def write_key(path, data):
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, 0o600)


def check_values(srv):
    return [row[0] for row in srv.sql("SELECT check_value FROM key_check")]


def user_count(srv):
    return int(srv.sql("SELECT COUNT(*) FROM users")[0][0])


class KeyCase(unittest.TestCase):
    """Each test gets a fresh, migrated database of its own (no demo)."""

    def setUp(self):
        self.srv = Server(seed=False, name="test_master_key")
        self.srv.prepare()  # egret migrate: creates the key
        self.key = read_bytes(self.srv.key_file)

    def tearDown(self):
        if self.srv.proc is not None:
            self.srv.stop()
        else:
            self.srv.cleanup()

    def serve_refused(self, needle):
        """`egret serve` must exit at once, non-zero, saying needle."""
        env = {"EGRET_LISTEN": "127.0.0.1:%d" % free_port()}
        try:
            p = self.srv.run_cli(["serve"], env=env, timeout=SERVE_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.fail("egret serve started instead of refusing the key")
        self.assertNotEqual(p.returncode, 0, p.stderr)
        self.assertIn(needle, p.stderr)
        return p

    def add_user(self, login):
        return self.srv.run_cli(["user", "add", "--login", login, "--role", "analyst"],
                                stdin="correct horse battery staple 1\n")


class TestMigrateCreatesTheKey(KeyCase):
    def test_migrate_on_an_empty_database_creates_key_and_check(self):
        st = os.stat(self.srv.key_file)
        self.assertEqual(st.st_mode & 0o777, 0o600)
        self.assertEqual(len(self.key), 32)
        values = check_values(self.srv)
        self.assertEqual(len(values), 1)
        self.assertRegex(values[0], r"^[0-9a-f]{64}$")
        self.assertNotEqual(values[0], self.key.hex())  # never the key itself
        # Migrating again keeps the key and the check value.
        self.srv.run_cli(["migrate"], check=True)
        self.assertEqual(read_bytes(self.srv.key_file), self.key)
        self.assertEqual(check_values(self.srv), values)
        # The creation is on the audit trail.
        rows = self.srv.sql("SELECT COUNT(*) FROM audit_events WHERE action = 'key_check.create'")
        self.assertEqual(rows[0][0], "1")
        self.assertEqual(self.srv.run_cli(["audit", "verify"]).returncode, 0)

    def test_the_right_key_starts(self):
        self.srv.start()
        r = self.srv.request("GET", "/healthz")
        self.assertEqual(r.status, 200)
        self.assertEqual(read_bytes(self.srv.key_file), self.key)


class TestMissingKey(KeyCase):
    def test_serve_refuses_and_creates_no_key(self):
        os.unlink(self.srv.key_file)
        p = self.serve_refused("is missing")
        self.assertIn(self.srv.key_file, p.stderr)
        self.assertFalse(os.path.exists(self.srv.key_file))

    def test_other_commands_refuse_too(self):
        self.assertEqual(self.add_user("before").returncode, 0)
        os.unlink(self.srv.key_file)
        for args in (["migrate"], ["seed-demo"], ["audit", "verify"]):
            p = self.srv.run_cli(args)
            self.assertNotEqual(p.returncode, 0, "egret %s: %s" % (args, p.stdout))
            self.assertIn("is missing", p.stderr)
            self.assertFalse(os.path.exists(self.srv.key_file), args)
        p = self.add_user("after")
        self.assertNotEqual(p.returncode, 0)
        self.assertEqual(user_count(self.srv), 1)
        self.assertFalse(os.path.exists(self.srv.key_file))

    def test_database_without_check_value_but_with_data_refuses(self):
        # A database from before the check value: accounts, no key_check row.
        self.assertEqual(self.add_user("old").returncode, 0)
        self.srv.sql("DELETE FROM key_check")
        os.unlink(self.srv.key_file)
        self.serve_refused("is missing")
        p = self.srv.run_cli(["migrate"])
        self.assertNotEqual(p.returncode, 0)
        self.assertFalse(os.path.exists(self.srv.key_file))
        self.assertEqual(check_values(self.srv), [])


class TestWrongKey(KeyCase):
    def test_serve_refuses_a_wrong_32_byte_key(self):
        wrong = secrets.token_bytes(32)
        write_key(self.srv.key_file, wrong)
        self.serve_refused("does not match")
        self.assertEqual(read_bytes(self.srv.key_file), wrong)  # left alone

    def test_commands_refuse_a_wrong_key_and_change_nothing(self):
        before = check_values(self.srv)
        wrong = secrets.token_bytes(32)
        write_key(self.srv.key_file, wrong)
        for args in (["migrate"], ["seed-demo"]):
            p = self.srv.run_cli(args)
            self.assertNotEqual(p.returncode, 0, "egret %s: %s" % (args, p.stdout))
            self.assertIn("does not match", p.stderr)
        p = self.add_user("intruder")
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("does not match", p.stderr)
        self.assertEqual(user_count(self.srv), 0)
        self.assertEqual(check_values(self.srv), before)
        self.assertEqual(read_bytes(self.srv.key_file), wrong)

    def test_a_wrong_master_key_in_the_configuration_is_refused(self):
        env = {"EGRET_SECURITY_MASTER_KEY": secrets.token_hex(32)}
        p = self.srv.run_cli(["audit", "verify"], env=env)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("does not match", p.stderr)
        # The same key given as hex is accepted.
        p = self.srv.run_cli(["audit", "verify"], env={"EGRET_SECURITY_MASTER_KEY": self.key.hex()})
        self.assertEqual(p.returncode, 0, p.stderr)


class TestDatabaseBeforeTheCheckValue(KeyCase):
    def test_first_start_with_the_key_stores_the_check_value(self):
        expected = check_values(self.srv)
        self.assertEqual(self.add_user("old").returncode, 0)
        self.srv.sql("DELETE FROM key_check")
        self.srv.start()
        self.assertEqual(check_values(self.srv), expected)
        self.srv.stop(cleanup=False)
        # From then on a wrong key is refused.
        write_key(self.srv.key_file, secrets.token_bytes(32))
        self.serve_refused("does not match")
        write_key(self.srv.key_file, self.key)
        self.srv.proc = None
        self.srv.start()


if __name__ == "__main__":
    unittest.main()
