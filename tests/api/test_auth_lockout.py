"""Signing in under attack: failed logins never lock the rightful owner out.

Strangers get growing waits (429 with Retry-After, counted from the last
failure) and then a proof-of-work challenge; an owner on a known device (the
"device" token of an earlier login) is judged only by that device's own
failures. A disabled account answers exactly like a wrong password. The
password hash runs on a bounded pool off the HTTP threads: a flood of
failed logins leaves authenticated requests fast, and a full queue answers
429 server_busy at once.

Every request here comes from 127.0.0.1, so attacker and owner share one
address, as everyone behind one proxy does. A long attack is simulated by
writing failure rows directly, and time is moved on by shifting them into
the past, rather than by sleeping.
"""

import hashlib
import statistics
import threading
import time
import unittest

from egret_client import DEMO_PASSWORD, Server, assert_error, assert_status, unique

LOGIN = "/api/v1/auth/login"
S = None


def setUpModule():
    global S
    # Per account 3; the per-address limit is tested on a server of its own.
    S = Server(seed=True, env={"EGRET_SECURITY_LOGIN_MAX_PER_ACCOUNT": "3",
                               "EGRET_SECURITY_LOGIN_MAX_PER_ADDRESS": "100000"})
    S.start()


def tearDownModule():
    S.stop()


def login(srv, login, password, **extra):
    body = {"login": login, "password": password}
    body.update(extra)
    return srv.request("POST", LOGIN, body=body)


def make_user(srv, role="analyst"):
    """A fresh account, created by admin."""
    admin = login(srv, "admin", DEMO_PASSWORD)
    assert_status(admin, 200)
    password = "pw-" + unique() + "-long-enough"
    r = srv.request("POST", "/api/v1/users", token=admin.body["token"],
                    body={"login": unique("lk."), "password": password, "role": role})
    assert_status(r, 201)
    return r.body, password


def attack(srv, login_name, n):
    """n failed sign-ins on login_name, as a long attack from many addresses leaves them."""
    now = int(time.time())
    values = ", ".join("('account', '%s', %d)" % (login_name, now) for _ in range(n))
    srv.sql("INSERT INTO login_failures (kind, key, at) VALUES " + values)


def move_on(srv, seconds):
    """Let seconds pass for the throttle (every failure row moves into the past)."""
    srv.sql("UPDATE login_failures SET at = at - %d" % seconds)


def solve(challenge, bits):
    """A solution: SHA-256(challenge || solution) starts with bits zero bits."""
    prefix = challenge.encode()
    i = 0
    while True:
        s = str(i).encode()
        h = int.from_bytes(hashlib.sha256(prefix + s).digest(), "big")
        if h >> (256 - bits) == 0:
            return s.decode()
        i += 1


def assert_challenge(testcase, r):
    testcase.assertEqual(r.status, 429, r.body)
    testcase.assertEqual(r.body["error"]["code"], "challenge_required", r.body)
    testcase.assertTrue(r.body["error"]["message"])
    ch = r.body["challenge"]
    testcase.assertEqual(ch["algorithm"], "sha256")
    testcase.assertGreaterEqual(ch["bits"], 1)
    testcase.assertTrue(ch["value"].startswith("p1."))
    return ch


class TestKnownDevice(unittest.TestCase):
    def test_owner_on_known_device_signs_in_during_an_attack(self):
        user, pw = make_user(S)
        r = login(S, user["login"], pw)
        assert_status(r, 200)
        device = r.body["device"]
        self.assertTrue(device.startswith("egd_"))
        # A long attack on the account.
        attack(S, user["login"], 40)
        # A stranger (no device token) is held back, even with the right password.
        r = login(S, user["login"], pw)
        self.assertEqual(r.status, 429, r.body)
        self.assertIn(r.body["error"]["code"], ("too_many_requests", "challenge_required"))
        # The owner on the known device gets in, again and again, while the
        # attacker keeps failing.
        for _ in range(3):
            r = login(S, user["login"], pw, device=device)
            assert_status(r, 200)
            device = r.body["device"]
            assert_status(S.request("GET", "/api/v1/me", token=r.body["token"]), 200)
            self.assertEqual(login(S, user["login"], "wrong-" + pw).status, 429)
            attack(S, user["login"], 5)
        # The owner's own typo on the device is a plain wrong password.
        assert_error(login(S, user["login"], "typo-" + pw, device=device), 401, "bad_credentials")
        assert_status(login(S, user["login"], pw, device=device), 200)

    def test_device_token_is_bound_to_its_user_and_unforgeable(self):
        user, pw = make_user(S)
        other, other_pw = make_user(S)
        r = login(S, other["login"], other_pw)
        assert_status(r, 200)
        others_device = r.body["device"]
        attack(S, user["login"], 40)
        # Someone else's device token, or a forged one, makes you a stranger.
        forged = others_device[:-1] + ("0" if others_device[-1] != "0" else "1")
        for dev in (others_device, forged, "egd_1.1.x.y", "nonsense"):
            with self.subTest(device=dev):
                r = login(S, user["login"], pw, device=dev)
                self.assertEqual(r.status, 429, r.body)
        # No session was made for the attacked account.
        rows = S.sql("SELECT COUNT(*) FROM sessions s JOIN users u ON u.id = s.user_id "
                     "WHERE u.login = '%s'" % user["login"])
        self.assertEqual(rows[0][0], "0")

    def test_address_failures_do_not_block_another_owner_on_a_known_device(self):
        srv = Server(seed=True, env={"EGRET_SECURITY_LOGIN_MAX_PER_ACCOUNT": "3",
                                     "EGRET_SECURITY_LOGIN_MAX_PER_ADDRESS": "3"})
        try:
            srv.start()
            r = login(srv, "analyst", DEMO_PASSWORD)
            assert_status(r, 200)
            device = r.body["device"]
            # Failures on logins that do not exist, from the shared address.
            for _ in range(3):
                assert_error(login(srv, unique("nobody."), "wrong"), 401, "bad_credentials")
            # The address is now held back for strangers…
            r = login(srv, "supervisor", DEMO_PASSWORD)
            assert_error(r, 429, "too_many_requests")
            self.assertTrue(int(r.headers.get("Retry-After")) >= 1)
            # …but not for the analyst on a known device.
            assert_status(login(srv, "analyst", DEMO_PASSWORD, device=device), 200)
            assert_error(login(srv, "analyst", "nope", device=device), 401, "bad_credentials")
        finally:
            srv.stop()


class TestStranger(unittest.TestCase):
    def test_waits_grow_then_proof_of_work_lets_the_right_password_in(self):
        srv = Server(seed=True, env={"EGRET_SECURITY_LOGIN_MAX_PER_ACCOUNT": "2",
                                     "EGRET_SECURITY_LOGIN_MAX_PER_ADDRESS": "100000",
                                     "EGRET_SECURITY_LOGIN_DELAY_S": "2",
                                     "EGRET_SECURITY_LOGIN_POW_AFTER": "2",
                                     "EGRET_SECURITY_LOGIN_POW_BITS": "10"})
        try:
            srv.start()
            for _ in range(2):
                assert_error(login(srv, "analyst", "wrong-pw"), 401, "bad_credentials")
            # Past the limit: wait (2 s from the last failure), right password or not.
            r = login(srv, "analyst", DEMO_PASSWORD)
            assert_error(r, 429, "too_many_requests")
            first = int(r.headers.get("Retry-After"))
            self.assertIn(first, (1, 2))
            move_on(srv, 10)
            assert_error(login(srv, "analyst", "wrong-pw"), 401, "bad_credentials")
            r = login(srv, "analyst", DEMO_PASSWORD)
            assert_error(r, 429, "too_many_requests")
            second = int(r.headers.get("Retry-After"))
            self.assertIn(second, (3, 4))
            self.assertGreater(second, first)
            move_on(srv, 10)
            assert_error(login(srv, "analyst", "wrong-pw"), 401, "bad_credentials")
            # Now proof of work instead of waiting.
            ch = assert_challenge(self, login(srv, "analyst", DEMO_PASSWORD))
            self.assertEqual(ch["bits"], 10)
            # A wrong solution is not accepted (and the password is not looked at).
            bad = "0"
            while solve(ch["value"], 10) == bad:
                bad += "0"
            assert_challenge(self, login(srv, "analyst", DEMO_PASSWORD, challenge=ch["value"],
                                         solution=bad))
            # A forged challenge (another difficulty) is not accepted either.
            forged = ch["value"].replace(".10.", ".1.", 1)
            assert_challenge(self, login(srv, "analyst", DEMO_PASSWORD, challenge=forged,
                                         solution=solve(forged, 1)))
            # Solved: the attempt is checked; a wrong password still fails…
            sol = solve(ch["value"], ch["bits"])
            assert_error(login(srv, "analyst", "wrong-pw", challenge=ch["value"], solution=sol),
                         401, "bad_credentials")
            # …and a challenge works once only.
            ch2 = assert_challenge(self, login(srv, "analyst", DEMO_PASSWORD, challenge=ch["value"],
                                               solution=sol))
            r = login(srv, "analyst", DEMO_PASSWORD, challenge=ch2["value"],
                      solution=solve(ch2["value"], ch2["bits"]))
            assert_status(r, 200)
            assert_status(srv.request("GET", "/api/v1/me", token=r.body["token"]), 200)
            # The success cleared the account's failures: no challenge now.
            assert_status(login(srv, "analyst", DEMO_PASSWORD), 200)
        finally:
            srv.stop()

    def test_challenge_is_bound_to_the_login(self):
        srv = Server(seed=True, env={"EGRET_SECURITY_LOGIN_MAX_PER_ACCOUNT": "1",
                                     "EGRET_SECURITY_LOGIN_MAX_PER_ADDRESS": "100000",
                                     "EGRET_SECURITY_LOGIN_POW_AFTER": "1",
                                     "EGRET_SECURITY_LOGIN_POW_BITS": "8"})
        try:
            srv.start()
            attack(srv, "analyst", 5)
            attack(srv, "insurer", 5)
            ch = assert_challenge(self, login(srv, "analyst", DEMO_PASSWORD))
            sol = solve(ch["value"], ch["bits"])
            assert_challenge(self, login(srv, "insurer", DEMO_PASSWORD, challenge=ch["value"],
                                         solution=sol))
            assert_status(login(srv, "analyst", DEMO_PASSWORD, challenge=ch["value"], solution=sol),
                          200)
        finally:
            srv.stop()


class TestDisabled(unittest.TestCase):
    def test_disabled_account_answers_like_a_wrong_password(self):
        user, pw = make_user(S)
        admin_tok = S.login("admin")
        r = S.request("PATCH", "/api/v1/users/%d" % user["id"], body={"disabled": True},
                      token=admin_tok)
        assert_status(r, 200)
        right = login(S, user["login"], pw)
        wrong = login(S, user["login"], pw + "x")
        unknown = login(S, unique("nobody."), pw)
        for r in (right, wrong, unknown):
            assert_error(r, 401, "bad_credentials")
        self.assertEqual(right.body, wrong.body)
        self.assertEqual(right.body, unknown.body)
        # Re-enabled, the right password works again.
        r = S.request("PATCH", "/api/v1/users/%d" % user["id"], body={"disabled": False},
                      token=admin_tok)
        assert_status(r, 200)
        assert_status(login(S, user["login"], pw), 200)


class TestHashingPool(unittest.TestCase):
    """Full-cost password hashing; one hashing thread, one waiting place."""

    def test_failed_login_flood_leaves_authenticated_requests_fast(self):
        srv = Server(seed=True, env={"EGRET_PWHASH_FAST": "0",
                                     "EGRET_SECURITY_LOGIN_MAX_PER_ACCOUNT": "1000000",
                                     "EGRET_SECURITY_LOGIN_MAX_PER_ADDRESS": "1000000",
                                     "EGRET_SECURITY_HASH_WORKERS": "1",
                                     "EGRET_SECURITY_HASH_QUEUE": "1"})
        try:
            srv.start()
            token = srv.login("analyst")
            me = srv.client()
            assert_status(me.request("GET", "/api/v1/me", token=token), 200)
            stop = threading.Event()
            results = []
            lock = threading.Lock()

            def flood():
                c = srv.client()
                n = 0
                while not stop.is_set() and n < 400:
                    r = c.request("POST", LOGIN, body={"login": unique("flood."), "password": "x" * 12})
                    with lock:
                        results.append((r.status, r.body["error"]["code"] if isinstance(r.body, dict) else None,
                                        r.headers.get("Retry-After")))
                    n += 1

            threads = [threading.Thread(target=flood) for _ in range(4)]
            for t in threads:
                t.start()
            time.sleep(0.5)  # the flood is under way
            times = []
            deadline = time.monotonic() + 4
            while time.monotonic() < deadline:
                t0 = time.monotonic()
                r = me.request("GET", "/api/v1/me", token=token)
                times.append(time.monotonic() - t0)
                assert_status(r, 200)
                time.sleep(0.02)
            stop.set()
            for t in threads:
                t.join(60)
            self.assertFalse(any(t.is_alive() for t in threads))
            median_ms = statistics.median(times) * 1000
            self.assertLess(median_ms, 50, "median GET /api/v1/me %.1f ms under a login flood" % median_ms)
            codes = {(s, c) for s, c, _ in results}
            self.assertTrue(codes <= {(401, "bad_credentials"), (429, "server_busy")}, codes)
            busy = [ra for s, c, ra in results if c == "server_busy"]
            self.assertTrue(busy, "the hashing queue never answered 429")
            self.assertTrue(all(ra and int(ra) >= 1 for ra in busy))
            self.assertIn((401, "bad_credentials"), codes)
        finally:
            srv.stop()


if __name__ == "__main__":
    unittest.main()
