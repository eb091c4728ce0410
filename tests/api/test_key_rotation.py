"""`egret key rotate` replaces the master key while the server runs: a
rotation killed midway resumes where it stopped; meanwhile and afterwards
every ID number and phone reads back through the running server, look-ups
by ID number find people under either key, nobody is created twice, and
sessions and platform API keys keep working; afterwards a server started
with the new key alone reads everything (so every value was re-encrypted),
the old key is refused, and no ID number or phone lies in the database in
the clear. A rotation whose new key file went missing stops the server
with a clear message instead of serving unreadable data."""

import os
import random
import re
import signal
import subprocess
import time
import unittest

import egret_client
from egret_client import (Server, assert_error, assert_status, free_port, valid_credit_code,
                           valid_id_number)

_rng = random.Random()


def phone():
    return "139" + "%08d" % _rng.randrange(0, 10 ** 8)


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


class RotationCase(unittest.TestCase):
    def setUp(self):
        self.srv = Server(seed=True, name="test_key_rotation",
                          env={"EGRET_SECURITY_KEY_REFRESH_S": "1"})
        self.srv.start()
        self.old_key = read_bytes(self.srv.key_file)
        self.next_file = self.srv.key_file + ".next"

    def tearDown(self):
        if self.srv.proc is not None:
            self.srv.stop()
        else:
            self.srv.cleanup()

    def rotate_in_background(self, *args):
        log = open(self.srv.log_path, "a")
        return subprocess.Popen([egret_client.EGRET, "key", "rotate"] + list(args), env=self.srv.env(),
                                stdout=log, stderr=subprocess.STDOUT)

    def rotation_row(self):
        rows = self.srv.sql("SELECT state, step, after_id FROM key_rotation")
        return rows[0] if rows else None

    def wait_for(self, pred, what, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if pred():
                return
            time.sleep(0.05)
        self.fail("timed out waiting for " + what)

    def add_person(self, token, idn, ph, status=201):
        r = self.srv.request("POST", "/api/v1/people", token=token,
                             body={"name": "陈" + idn[-4:], "id_number": idn, "phone": ph})
        assert_status(r, status)
        return r.body["id"]

    def assert_reads(self, token, people):
        for pid, idn, ph in people:
            r = self.srv.request("GET", "/api/v1/people/%d/identity" % pid, token=token)
            assert_status(r, 200)
            self.assertEqual((r.body["id_number"], r.body["phone"]), (idn, ph), pid)
            f = self.srv.request("GET", "/api/v1/people", token=token, query={"id_number": idn})
            assert_status(f, 200)
            self.assertIn(pid, [p["id"] for p in f.body.get("items", [f.body])], idn)

    def platform_key(self):
        p = self.srv.run_cli(["platform", "add", "--name", "轮换测试平台%d" % _rng.randrange(10 ** 6),
                              "--credit-code", valid_credit_code(), "--sector", "ride_hailing"])
        self.assertEqual(p.returncode, 0, p.stderr)
        return re.search(r"egk_[A-Za-z0-9_-]{43}", p.stdout).group(0)


class TestRotation(RotationCase):
    def test_killed_rotation_resumes_while_the_server_serves(self):
        srv = self.srv
        tok = srv.login("mediator")
        api_key = self.platform_key()
        people = []
        for _ in range(30):
            idn, ph = valid_id_number(), phone()
            people.append((self.add_person(tok, idn, ph), idn, ph))
        check_before = srv.sql("SELECT check_value FROM key_check")[0][0]

        # Small, slow batches, killed once the people table is partly done.
        p = self.rotate_in_background("--batch", "5", "--pause-ms", "200", "--settle-s", "2")
        try:
            self.wait_for(lambda: (self.rotation_row() or ("", "", 0))[2] not in (0, "0"),
                          "the rotation's first batch")
        finally:
            p.send_signal(signal.SIGKILL)
            p.wait()
        state, step, after = self.rotation_row()
        self.assertEqual((state, step), ("running", "people"))
        self.assertTrue(os.path.exists(self.next_file))
        self.assertEqual(read_bytes(srv.key_file), self.old_key)  # kept until the end

        # Half rotated: old and new values read, nobody is made twice.
        self.assert_reads(tok, people)
        first, last = people[0], people[-1]
        self.assertEqual(self.add_person(tok, first[1], first[2], status=200), first[0])
        self.assertEqual(self.add_person(tok, last[1], last[2], status=200), last[0])
        idn, ph = valid_id_number(), phone()
        people.append((self.add_person(tok, idn, ph), idn, ph))  # written under the new key
        assert_status(srv.request("GET", "/api/v1/me", token=api_key), 200)

        done = srv.run_cli(["key", "rotate", "--settle-s", "2"])
        self.assertEqual(done.returncode, 0, done.stderr + done.stdout)
        self.assertIn("resuming the rotation at people", done.stdout)
        self.assertIn("rotation finished", done.stdout)

        new_key = read_bytes(srv.key_file)
        self.assertEqual(len(new_key), 64)
        self.assertNotEqual(new_key[:32], self.old_key)
        self.assertEqual(os.stat(srv.key_file).st_mode & 0o777, 0o600)
        self.assertFalse(os.path.exists(self.next_file))
        retired = [f for f in os.listdir(srv.dir) if f.startswith("egret.key.retired-")]
        self.assertEqual(len(retired), 1, os.listdir(srv.dir))
        self.assertEqual(read_bytes(os.path.join(srv.dir, retired[0])), self.old_key)
        self.assertNotEqual(srv.sql("SELECT check_value FROM key_check")[0][0], check_before)
        self.assertEqual(self.rotation_row()[0], "finished")

        # The running server, never restarted, reads everything; tokens hold.
        self.assert_reads(tok, people)
        assert_status(srv.request("GET", "/api/v1/me", token=api_key), 200)
        actions = [r[0] for r in srv.sql(
            "SELECT action FROM audit_events WHERE action LIKE 'key.rotation%' ORDER BY seq")]
        self.assertEqual(actions, ["key.rotation_start", "key.rotation_finish"])
        self.assertEqual(srv.run_cli(["audit", "verify"]).returncode, 0)

        # With the new key alone (a restart) every value still opens.
        srv.restart()
        tok = srv.login("mediator")
        self.assert_reads(tok, people)
        assert_status(srv.request("GET", "/api/v1/me", token=api_key), 200)
        ids = srv.sql("SELECT COUNT(*) FROM people")[0][0]
        self.assertGreater(int(ids), 30)

        # Nothing in the clear: not in the rows, not in the SQLite files.
        dump = "\n".join("|".join(map(str, r)) for r in srv.sql(
            "SELECT id_number_enc, phone_enc, id_number_idx, phone_idx FROM people"))
        for _, idn, ph in people:
            self.assertNotIn(idn, dump)
            self.assertNotIn(ph, dump)
        if srv.engine == "sqlite":
            raw = b""
            for suffix in ("", "-wal"):
                if os.path.exists(srv.db + suffix):
                    raw += read_bytes(srv.db + suffix)
            for _, idn, ph in people:
                self.assertNotIn(idn.encode(), raw)
                self.assertNotIn(ph.encode(), raw)

        # The old key no longer opens this database.
        srv.stop(cleanup=False)
        os.rename(srv.key_file, srv.key_file + ".new")
        os.rename(os.path.join(srv.dir, retired[0]), srv.key_file)
        p = srv.run_cli(["serve"], env={"EGRET_LISTEN": "127.0.0.1:%d" % free_port()}, timeout=20)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("does not match this database", p.stderr)
        os.rename(srv.key_file + ".new", srv.key_file)

    def test_a_second_rotation_follows_the_first(self):
        srv = self.srv
        tok = srv.login("mediator")
        idn, ph = valid_id_number(), phone()
        people = [(self.add_person(tok, idn, ph), idn, ph)]
        for _ in range(2):
            p = srv.run_cli(["key", "rotate", "--settle-s", "2"])
            self.assertEqual(p.returncode, 0, p.stderr)
        self.assert_reads(tok, people)
        retired = [f for f in os.listdir(srv.dir) if f.startswith("egret.key.retired-")]
        self.assertEqual(len(retired), 2)
        st = srv.run_cli(["key", "status"])
        self.assertRegex(st.stdout, r"rotation: finished")


class TestRotationRefusals(RotationCase):
    def test_missing_new_key_file_stops_the_server(self):
        srv = self.srv
        p = self.rotate_in_background("--settle-s", "3600")
        try:
            self.wait_for(lambda: self.rotation_row() is not None, "the rotation to start")
        finally:
            p.send_signal(signal.SIGKILL)
            p.wait()
        srv.stop(cleanup=False)
        saved = read_bytes(self.next_file)
        os.unlink(self.next_file)
        r = srv.run_cli(["serve"], env={"EGRET_LISTEN": "127.0.0.1:%d" % free_port()}, timeout=20)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("new key file", r.stderr)
        self.assertIn("is missing", r.stderr)
        # A wrong file in its place is refused too.
        with open(self.next_file, "wb") as f:
            f.write(os.urandom(64))
        os.chmod(self.next_file, 0o600)
        r = srv.run_cli(["serve"], env={"EGRET_LISTEN": "127.0.0.1:%d" % free_port()}, timeout=20)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("not the new key", r.stderr)
        # The right one back: the rotation finishes.
        with open(self.next_file, "wb") as f:
            f.write(saved)
        r = srv.run_cli(["key", "rotate", "--settle-s", "0"])
        self.assertEqual(r.returncode, 0, r.stderr)
        srv.start()
        assert_status(srv.request("GET", "/api/v1/me", token=srv.login("mediator")), 200)

    def test_master_key_in_configuration_and_bad_options(self):
        srv = self.srv
        r = srv.run_cli(["key", "rotate"], env={"EGRET_SECURITY_MASTER_KEY": self.old_key.hex()})
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("security.master_key is set", r.stderr)
        for bad in (["--batch", "0"], ["--batch", "x"], ["--pause-ms", "-1"], ["--nope"]):
            r = srv.run_cli(["key", "rotate"] + bad)
            self.assertEqual(r.returncode, 2, bad)
        self.assertEqual(srv.sql("SELECT COUNT(*) FROM key_rotation")[0][0] in (0, "0"), True)
        self.assertFalse(os.path.exists(self.next_file))
        assert_error(srv.request("GET", "/api/v1/me"), 401, "unauthenticated")


if __name__ == "__main__":
    unittest.main()
