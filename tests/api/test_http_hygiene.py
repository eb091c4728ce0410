"""HTTP hygiene and hostile clients, against the real server: framing errors
(Host, Content-Length, Transfer-Encoding, NUL in the target), an endless
chunked body, total deadlines for headers and bodies, the per-address
connection cap, the client address behind a trusted proxy, personal data
kept out of the access log, the database file's mode, the configured QR
base URL, and text limits counted in characters."""

import os
import socket
import stat
import threading
import time
import unittest

from egret_client import (ResponseReader, Server, assert_error, assert_status, read_response,
                          sqlite_only)

S = None
PUBLIC_URL = "https://egret.example.cn"
HEADER_TIMEOUT_S = 2
PER_ADDRESS = 10
CONNECTION_LIMIT = 80


def setUpModule():
    global S
    S = Server(seed=True, env={
        "EGRET_SERVER_HEADER_TIMEOUT_S": str(HEADER_TIMEOUT_S),
        "EGRET_SERVER_BODY_TIMEOUT_S": "2",
        "EGRET_SERVER_CONNECTION_LIMIT": str(CONNECTION_LIMIT),
        "EGRET_SERVER_CONNECTIONS_PER_ADDRESS": str(PER_ADDRESS),
        "EGRET_SERVER_PUBLIC_URL": PUBLIC_URL,
        "EGRET_SERVER_TRUSTED_PROXIES": "127.0.0.9, 10.9.0.0/16",
    })
    S.start()


def tearDownModule():
    if S is not None:
        S.stop()


def raw(data, timeout=5.0, source=None):
    """Send data on a fresh connection; (response or None, seconds taken)."""
    s = socket.socket()
    if source:
        s.bind((source, 0))
    s.settimeout(timeout)
    s.connect(("127.0.0.1", S.port))
    t = time.monotonic()
    try:
        s.sendall(data)
        try:
            return read_response(s, method="POST"), time.monotonic() - t
        except (OSError, ValueError, EOFError):
            return None, time.monotonic() - t
    finally:
        s.close()


def closed_within(sock, seconds, trickle=None, every=0.5):
    """Whether the server closes sock within seconds (sending trickle bytes
    one at a time every `every` seconds meanwhile)."""
    deadline = time.monotonic() + seconds
    sock.settimeout(0.1)
    i = 0
    while time.monotonic() < deadline:
        if trickle is not None:
            try:
                sock.sendall(trickle[i % len(trickle):i % len(trickle) + 1])
            except OSError:
                return True
            i += 1
        t_end = time.monotonic() + every
        while time.monotonic() < t_end:
            try:
                if sock.recv(4096) == b"":
                    return True
            except socket.timeout:
                pass
            except OSError:
                return True
    return False


def healthy(source=None):
    r, took = raw(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", source=source)
    assert r is not None, "no answer to /healthz"
    assert_status(r, 200)


class TestFraming(unittest.TestCase):
    def test_http11_without_host_is_400(self):
        r, _ = raw(b"GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n")
        assert_error(r, 400, "bad_request")
        # HTTP/1.0 needs no Host.
        r, _ = raw(b"GET /healthz HTTP/1.0\r\n\r\n")
        assert_status(r, 200)

    def test_two_hosts_is_400(self):
        r, _ = raw(b"GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n")
        assert_error(r, 400, "bad_request")

    def test_conflicting_content_length_is_400(self):
        r, _ = raw(b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                   b"Content-Length: 2\r\nContent-Length: 5\r\nConnection: close\r\n\r\n{}")
        assert_error(r, 400, "bad_request")

    def test_content_length_with_transfer_encoding_is_400(self):
        r, _ = raw(b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                   b"Content-Length: 7\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
                   b"2\r\n{}\r\n0\r\n\r\n")
        assert_error(r, 400, "bad_request")

    def test_unknown_transfer_coding_is_501_at_once(self):
        r, took = raw(b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      b"Transfer-Encoding: gzip\r\nConnection: close\r\n\r\n{}", timeout=5)
        self.assertIsNotNone(r, "no answer to Transfer-Encoding: gzip")
        assert_error(r, 501, "not_implemented")
        self.assertLess(took, 2.0)

    def test_nul_in_target_is_400(self):
        r, _ = raw(b"GET /healthz\x00junk HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert_error(r, 400, "bad_request")
        r, _ = raw(b"GET /api/v1/me\x00 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert_error(r, 400, "bad_request")

    def test_plain_requests_still_work(self):
        r, _ = raw(b"GET /healthz?x=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        assert_status(r, 200)

    def test_endless_chunked_body_is_413_at_once(self):
        s = socket.create_connection(("127.0.0.1", S.port), timeout=10)
        stop = threading.Event()

        def writer():
            chunk = b"1000\r\n" + b"a" * 4096 + b"\r\n"
            try:
                s.sendall(b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\n"
                          b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
                while not stop.is_set():
                    s.sendall(chunk)
            except OSError:
                pass

        t0 = time.monotonic()
        th = threading.Thread(target=writer, daemon=True)
        th.start()
        try:
            r = read_response(s, method="POST")
        finally:
            stop.set()
            s.close()
            th.join(timeout=10)
        assert_error(r, 413, "body_too_large")
        self.assertLess(time.monotonic() - t0, 3.0)
        healthy()


class TestDeadlines(unittest.TestCase):
    def test_trickled_headers_are_cut_at_the_deadline(self):
        s = socket.create_connection(("127.0.0.1", S.port), timeout=5)
        try:
            s.sendall(b"GET /healthz HTTP/1.1\r\n")
            t0 = time.monotonic()
            cut = closed_within(s, HEADER_TIMEOUT_S + 4, trickle=b"X-Slow: aaaaaaaaaaaaaaaaaaaa")
            self.assertTrue(cut, "a header trickler outlived the header deadline")
            self.assertGreaterEqual(time.monotonic() - t0, HEADER_TIMEOUT_S - 0.5)
        finally:
            s.close()

    def test_trickled_body_is_cut_at_the_deadline(self):
        s = socket.create_connection(("127.0.0.1", S.port), timeout=5)
        try:
            s.sendall(b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\n"
                      b"Content-Type: application/json\r\nContent-Length: 2000\r\n\r\n")
            # body deadline: 2 s + 1 s per 64 KiB of the route's cap
            cut = closed_within(s, 8, trickle=b" ")
            self.assertTrue(cut, "a body trickler outlived the body deadline")
        finally:
            s.close()

    def test_keep_alive_connection_survives_between_requests(self):
        s = socket.create_connection(("127.0.0.1", S.port), timeout=10)
        try:
            rd = ResponseReader(s)
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            assert_status(rd.read(), 200)
            # idle longer than the header timeout: the idle timeout rules here
            time.sleep(HEADER_TIMEOUT_S + 1)
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
            assert_status(rd.read(), 200)
        finally:
            s.close()

    def test_many_tricklers_from_few_addresses_do_not_take_the_service_down(self):
        socks = []
        try:
            for a in range(2, 7):
                for _ in range(40):
                    c = socket.socket()
                    c.bind(("127.0.0.%d" % a, 0))
                    c.settimeout(2)
                    try:
                        c.connect(("127.0.0.1", S.port))
                        c.sendall(b"GET /")
                    except OSError:
                        c.close()
                        continue
                    socks.append(c)
            self.assertEqual(len(socks), 200)
            time.sleep(0.5)
            # The cap per address holds: most were closed at once.
            alive = 0
            for c in socks:
                c.setblocking(False)
                try:
                    if c.recv(16) != b"":
                        alive += 1
                except BlockingIOError:
                    alive += 1
                except OSError:
                    pass
            self.assertLessEqual(alive, 5 * PER_ADDRESS)
            for _ in range(5):
                healthy()
            # Keep trickling; the deadline ends the rest.
            for c in socks:
                try:
                    c.send(b"x")
                except OSError:
                    pass
            healthy()
        finally:
            for c in socks:
                c.close()


class TestClientAddress(unittest.TestCase):
    def _login_fail(self, source, xff=None):
        body = b'{"login":"nobody-%d","password":"wrong-password"}' % int(time.time() * 1000)
        head = (b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Content-Length: %d\r\nConnection: close\r\n" % len(body))
        if xff:
            head += b"X-Forwarded-For: " + xff.encode() + b"\r\n"
        r, _ = raw(head + b"\r\n" + body, source=source)
        self.assertIsNotNone(r)
        return r.header("X-Request-Id")

    def _logged_addr(self, rid):
        for _ in range(50):
            for line in S.log_tail(None).splitlines():
                if "event=http" in line and ("rid=%s " % rid) in line:
                    return dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
            time.sleep(0.05)
        self.fail("no access-log line for %s" % rid)

    def test_forwarded_for_from_a_trusted_proxy(self):
        rid = self._login_fail("127.0.0.9", "198.51.100.7, 10.9.1.1")
        kv = self._logged_addr(rid)
        self.assertEqual(kv["addr"], "198.51.100.7")
        self.assertEqual(kv.get("peer"), "127.0.0.9")

    def test_forwarded_for_from_anyone_else_is_ignored(self):
        rid = self._login_fail("127.0.0.8", "198.51.100.8")
        kv = self._logged_addr(rid)
        self.assertEqual(kv["addr"], "127.0.0.8")

    def test_garbage_hop_stops_the_walk(self):
        rid = self._login_fail("127.0.0.9", "198.51.100.9, not-an-address")
        self.assertEqual(self._logged_addr(rid)["addr"], "127.0.0.9")


class TestPersonalDataInLogs(unittest.TestCase):
    ID = "350206198108130356"
    PHONE = "13800138000"

    def test_access_log_masks_id_numbers_and_phones(self):
        for path in ("/api/v1/people/%s" % self.ID, "/api/v1/people/%s/x" % self.PHONE,
                     "/api/v1/people/138-0013-8000", "/no/such/%s" % self.ID,
                     "/api/v1/people?id_number=%s&phone=%s" % (self.ID, self.PHONE)):
            S.request("GET", path)
        time.sleep(0.2)
        log = S.log_tail(None)
        self.assertNotIn(self.ID, log)
        self.assertNotIn(self.PHONE, log)
        self.assertNotIn("138-0013-8000", log)
        self.assertIn("path=/api/v1/people/*", log)


class TestFiles(unittest.TestCase):
    @sqlite_only
    def test_database_files_are_0600(self):
        # A database egret creates itself (not a copy of the seeded template).
        srv = Server(seed=False)
        try:
            srv.start()
            assert_status(srv.request("GET", "/readyz"), 200)
            seen = 0
            for suffix in ("", "-wal", "-shm"):
                p = srv.db + suffix
                if suffix and not os.path.exists(p):
                    continue
                seen += 1
                mode = stat.S_IMODE(os.stat(p).st_mode)
                self.assertEqual(mode & 0o077, 0, "%s is %o" % (p, mode))
            self.assertGreaterEqual(seen, 1)
        finally:
            srv.stop()


    @sqlite_only
    def test_other_processes_see_every_write(self):
        # Creating the file 0600 must not disturb SQLite's locks: if opening
        # a pooled connection dropped the others' locks, the sqlite3 shell
        # would take the WAL for unused, delete it, and miss later writes.
        srv = Server(seed=True)
        try:
            srv.start()

            def logins(n):
                ths = [threading.Thread(target=srv.login, args=("admin",)) for _ in range(n)]
                for t in ths:
                    t.start()
                for t in ths:
                    t.join(timeout=60)

            for _ in range(3):
                before = int(srv.sql("SELECT COUNT(*) FROM sessions")[0][0])
                logins(6)
                after = int(srv.sql("SELECT COUNT(*) FROM sessions")[0][0])
                self.assertGreaterEqual(after, before + 6)
        finally:
            srv.stop()


class TestQrBase(unittest.TestCase):
    def test_default_base_is_configured_not_the_host_header(self):
        r = S.request("GET", "/api/v1/qr/intake.svg", headers={"Host": "evil.example"})
        assert_status(r, 200)
        same = S.request("GET", "/api/v1/qr/intake.svg", query={"base": PUBLIC_URL})
        self.assertEqual(r.raw, same.raw)
        evil = S.request("GET", "/api/v1/qr/intake.svg", query={"base": "http://evil.example"})
        self.assertNotEqual(r.raw, evil.raw)

    def test_without_public_url_base_is_required(self):
        srv = Server(seed=False)
        try:
            srv.start()
            r = srv.request("GET", "/api/v1/qr/intake.svg", headers={"Host": "evil.example"})
            assert_error(r, 400, "invalid_parameter", field="base")
        finally:
            srv.stop()


class TestTextLimits(unittest.TestCase):
    def test_limits_count_characters(self):
        admin = S.login("admin")
        uid = S.login_json("worker2")["user"]["id"]
        ok = "测" * 128
        r = S.request("PATCH", "/api/v1/users/%s" % uid, body={"display_name": ok}, token=admin)
        assert_status(r, 200)
        self.assertEqual(r.body["display_name"], ok)
        r = S.request("PATCH", "/api/v1/users/%s" % uid, body={"display_name": ok + "测"},
                      token=admin)
        assert_error(r, 400, "invalid_field", field="display_name")
        self.assertIn("128 characters", r.body["error"]["message"])
        r = S.request("POST", "/api/v1/users", token=admin,
                      body={"login": "u-%d" % int(time.time() * 1000), "password": "Long-enough-pw-9!",
                            "role": "analyst", "display_name": "名" * 129})
        assert_error(r, 400, "invalid_field", field="display_name")
        self.assertIn("characters", r.body["error"]["message"])


class TestCaseIntake(unittest.TestCase):
    """The case form: a 500-character Chinese matter fits, 501 do not; an ID
    number with a right check character but no such birth date says so."""

    @classmethod
    def setUpClass(cls):
        from test_cases_common import add_platform
        cls.platform = add_platform(S, "food_delivery", "鹭送外卖")[0]
        cls.worker = S.login("worker")
        cls.mediator = S.login("mediator")

    def body(self, **extra):
        b = {"type": "unpaid_pay", "respondent": {"organisation_id": self.platform},
             "matter": "拖欠劳务报酬", "facts": "平台拖欠上月配送劳务报酬。",
             "claims": [{"category": "pay", "amount_fen": 350000}]}
        b.update(extra)
        return b

    def test_matter_limit_in_characters(self):
        r = S.request("POST", "/api/v1/cases", body=self.body(matter="拖" * 500), token=self.worker)
        assert_status(r, 201)
        r = S.request("POST", "/api/v1/cases", body=self.body(matter="拖" * 501), token=self.worker)
        assert_error(r, 400, "invalid_field", field="matter")
        self.assertIn("500 characters", r.body["error"]["message"])

    def test_applicant_born_on_no_such_day(self):
        idn = "35020619810230035"
        weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        idn += "10X98765432"[sum(int(c) * w for c, w in zip(idn, weights)) % 11]
        r = S.request("POST", "/api/v1/cases", token=self.mediator, body=self.body(
            channel="window", applicant={"name": "王测试", "id_number": idn}))
        assert_error(r, 400, "invalid_field", field="applicant.id_number")
        self.assertIn("birth date that does not exist", r.body["error"]["message"])


class TestMessages(unittest.TestCase):
    def test_huge_number_names_its_field(self):
        body = b'{"login":"a","password":"b","n":999999999999999999999999}'
        r, _ = raw(b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                   b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)
        assert_error(r, 400, "invalid_field", field="n")

    def test_raw_nul_byte_is_named(self):
        body = b'{"login":"ad\x00min","password":"x"}'
        r, _ = raw(b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                   b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)
        assert_error(r, 400, "bad_json")
        self.assertIn("NUL", r.body["error"]["message"])

    def test_impossible_date_says_no_such_day(self):
        admin = S.login("admin")
        r = S.request("PUT", "/api/v1/calendar", token=admin,
                      body={"year": 2025, "days": [{"day": "2025-02-30", "kind": "holiday"}]})
        assert_error(r, 400, "invalid_field", field="days[0].day")
        self.assertIn("no such day", r.body["error"]["message"])
        r = S.request("PUT", "/api/v1/calendar", token=admin,
                      body={"year": 2025, "days": [{"day": "2025/02/03", "kind": "holiday"}]})
        assert_error(r, 400, "invalid_field", field="days[0].day")
        self.assertIn("YYYY-MM-DD", r.body["error"]["message"])
        # query parameters say the same
        r = S.request("GET", "/api/v1/cases", query={"from": "2025-02-30"}, token=admin)
        assert_error(r, 400, "invalid_parameter", field="from")
        self.assertIn("no such day", r.body["error"]["message"])

    def test_id_number_with_impossible_birth_date(self):
        # valid check character, born on 1981-02-30
        idn = "35020619810230" + "035"
        weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        idn += "10X98765432"[sum(int(c) * w for c, w in zip(idn, weights)) % 11]
        admin = S.login("admin")
        r = S.request("GET", "/api/v1/people", query={"id_number": idn}, token=admin)
        assert_error(r, 400, "invalid_parameter", field="id_number")
        self.assertIn("birth date", r.body["error"]["message"])


if __name__ == "__main__":
    unittest.main()
