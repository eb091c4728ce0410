"""The HTTP layer's promises, against the real server: health and readiness,
routing (404/405), request ids, body caps, JSON checking, authentication,
keep-alive, static files, hostile paths, graceful shutdown and load."""

import base64
import json
import os
import secrets
import signal
import socket
import subprocess
import threading
import time
import unittest

from egret_client import (DEMO_PASSWORD, ResponseReader, Server, assert_error, assert_status,
                          read_response, sqlite_only, unique)

S = None
SECRET = "egret-secret-%s" % secrets.token_hex(8)

INDEX_HTML = "<!doctype html><title>egret</title><div id=app>index-%s</div>" % secrets.token_hex(4)
STATIC = {
    "index.html": INDEX_HTML,
    "assets/app.js": "console.log('egret');\n",
    "assets/app.css": "body { color: #123; }\n",
    "assets/logo.svg": '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>',
    "data/config.json": '{"city":"xm"}',
    "page.html": "<!doctype html><p>page</p>",
}

LOGIN = "/api/v1/auth/login"


def setUpModule():
    global S
    S = Server(seed=True, static_files=STATIC)
    # A file next to the static dir that no URL may reach.
    with open(os.path.join(S.dir, "secret.txt"), "w") as f:
        f.write(SECRET)
    S.start()


def tearDownModule():
    if S is not None:
        S.stop()


def raw_request(method, path, headers=None, body=None, version="HTTP/1.1", close=True):
    """Bytes of a hand-written request (the path is sent exactly as given)."""
    lines = ["%s %s %s" % (method, path, version), "Host: 127.0.0.1"]
    for k, v in (headers or {}).items():
        lines.append("%s: %s" % (k, v))
    if body is not None and not any(k.lower() in ("content-length", "transfer-encoding")
                                    for k in (headers or {})):
        lines.append("Content-Length: %d" % len(body))
    if close:
        lines.append("Connection: close")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
    return head + (body or b"")


def send_while_reading(sock, chunks, pause=0.0):
    """Write chunks from a thread (ignoring a server that stops reading and
    closes) while this thread reads the response; return the Response."""
    def writer():
        try:
            for c in chunks:
                sock.sendall(c)
                if pause:
                    time.sleep(pause)
        except OSError:
            pass

    t = threading.Thread(target=writer, daemon=True)
    t.start()
    try:
        return read_response(sock, method="POST")
    finally:
        t.join(timeout=30)


def healthy():
    r = S.client(timeout=10).request("GET", "/healthz")
    assert_status(r, 200)
    assert S.proc.poll() is None, "egret serve exited"


class TestHealth(unittest.TestCase):
    def test_healthz(self):
        assert_status(S.request("GET", "/healthz"), 200)

    def test_healthz_with_query_string(self):
        assert_status(S.request("GET", "/healthz?probe=1"), 200)

    def test_readyz_when_migrated(self):
        assert_status(S.request("GET", "/readyz"), 200)

    @sqlite_only
    def test_readyz_503_when_schema_behind(self):
        srv = Server(seed=False)
        try:
            srv.prepare()
            p = subprocess.run(["sqlite3", srv.db, "DELETE FROM schema_migrations WHERE version = "
                                "(SELECT MAX(version) FROM schema_migrations)"],
                               capture_output=True, text=True)
            self.assertEqual(p.returncode, 0, p.stderr)
            srv.start()
            r = srv.request("GET", "/readyz")
            assert_error(r, 503, "unavailable")
            # Liveness is not readiness: the process still answers.
            assert_status(srv.request("GET", "/healthz"), 200)
        finally:
            srv.stop()


class TestRouting(unittest.TestCase):
    def test_unknown_api_path_is_404_json(self):
        for path in ("/api/v1/no-such-thing", "/api/v1/cases/1/no-such-thing", "/api/v2/healthz",
                     "/api/v1/"):
            with self.subTest(path=path):
                assert_error(S.request("GET", path), 404, "not_found")

    def test_wrong_method_is_405_with_allow(self):
        r = S.request("DELETE", "/healthz")
        assert_error(r, 405, "method_not_allowed")
        allow = [m.strip() for m in r.headers.get("Allow", "").split(",")]
        self.assertIn("GET", allow)
        self.assertNotIn("DELETE", allow)

        r = S.request("GET", LOGIN)
        assert_error(r, 405, "method_not_allowed")
        allow = [m.strip() for m in r.headers.get("Allow", "").split(",")]
        self.assertIn("POST", allow)
        self.assertNotIn("GET", allow)

        r = S.request("PUT", "/api/v1/me", body={})
        assert_error(r, 405, "method_not_allowed")
        self.assertIn("GET", r.headers.get("Allow", ""))

    def test_405_comes_before_authentication(self):
        # The method is wrong whoever asks: no token needed to learn that.
        r = S.request("DELETE", "/api/v1/me")
        assert_error(r, 405, "method_not_allowed")

    def test_unknown_method(self):
        r = S.send_raw(raw_request("BREW", "/healthz"))
        self.assertIn(r.status, (400, 405, 501))
        healthy()

    def test_malformed_percent_encoding(self):
        for path in ("/api/v1/users/%zz", "/api/v1/users/%00", "/api/v1/users/%", "/api/v1/%c0%ae"):
            with self.subTest(path=path):
                r = S.send_raw(raw_request("GET", path))
                self.assertIn(r.status, (400, 401, 404), r)
        healthy()


class TestRequestId(unittest.TestCase):
    def test_present_on_every_reply(self):
        seen = set()
        for method, path in (("GET", "/healthz"), ("GET", "/api/v1/nope"), ("DELETE", "/healthz"),
                             ("GET", "/api/v1/me"), ("GET", "/readyz")):
            r = S.request(method, path)
            rid = r.headers.get("X-Request-Id")
            self.assertTrue(rid, "%s %s: no X-Request-Id" % (method, path))
            seen.add(rid)
        self.assertEqual(len(seen), 5, "request ids are not unique: %s" % seen)

    def test_client_id_is_echoed(self):
        rid = secrets.token_hex(16)
        r = S.request("GET", "/healthz", headers={"X-Request-Id": rid})
        self.assertEqual(r.headers.get("X-Request-Id"), rid)
        r = S.request("GET", "/api/v1/nope", headers={"X-Request-Id": rid})
        assert_error(r, 404, "not_found")
        self.assertEqual(r.headers.get("X-Request-Id"), rid)

    def test_hostile_client_id_is_not_echoed_verbatim(self):
        for bad in ("x" * 4000, "a b<script>", "é" * 10):
            with self.subTest(bad=bad[:20]):
                r = S.send_raw(raw_request("GET", "/healthz",
                                           headers={"X-Request-Id": bad.encode("utf-8").decode("latin-1")}))
                assert_status(r, 200)
                rid = r.headers.get("X-Request-Id", "")
                self.assertTrue(rid)
                self.assertLessEqual(len(rid), 128)
                self.assertNotIn("<", rid)
                self.assertNotIn(" ", rid)


class TestBodyLimits(unittest.TestCase):
    BIG = 2 * 1024 * 1024

    def test_413_with_content_length(self):
        body = b'{"login":"' + b"a" * self.BIG + b'","password":"x"}'
        head = raw_request("POST", LOGIN, headers={"Content-Type": "application/json",
                                                   "Content-Length": str(len(body))})
        with S.connect() as s:
            chunks = [head] + [body[i:i + 65536] for i in range(0, len(body), 65536)]
            r = send_while_reading(s, chunks)
        assert_error(r, 413, "body_too_large")
        healthy()

    def test_413_chunked(self):
        head = raw_request("POST", LOGIN, headers={"Content-Type": "application/json",
                                                   "Transfer-Encoding": "chunked"})
        chunks = [head, b"a\r\n" + b'{"login":"' + b"\r\n"]
        piece = b"a" * 32768
        for _ in range(self.BIG // len(piece)):
            chunks.append(b"%x\r\n%s\r\n" % (len(piece), piece))
        chunks.append(b"0\r\n\r\n")
        with S.connect() as s:
            r = send_while_reading(s, chunks)
        assert_error(r, 413, "body_too_large")
        healthy()

    def test_large_login_body(self):
        # 60 KiB: over the login route's limit, or parsed and refused;
        # either way a JSON error, never a crash or a hang.
        body = json.dumps({"login": "a" * 60000, "password": "x"}).encode()
        r = S.request("POST", LOGIN, raw=body)
        assert_error(r, (400, 401, 413), ("invalid_field", "bad_credentials", "body_too_large"))


class TestJsonInput(unittest.TestCase):
    def post_login(self, raw, ctype="application/json"):
        return S.request("POST", LOGIN, raw=raw, headers={"Content-Type": ctype})

    def test_malformed(self):
        cases = {
            "truncated": b'{"login":"admin","pass',
            "trailing garbage": b'{"login":"admin","password":"x"} garbage',
            "two objects": b'{"login":"a","password":"b"}{"login":"a","password":"b"}',
            "empty": b"",
            "bare word": b"admin",
            "single quotes": b"{'login':'admin','password':'x'}",
            "trailing comma": b'{"login":"admin","password":"x",}',
            "deep nesting": b"[" * 2000 + b"]" * 2000,
        }
        for name, raw in cases.items():
            with self.subTest(case=name):
                assert_error(self.post_login(raw), 400, ("bad_json", "not_an_object"))

    def test_not_an_object(self):
        for raw in (b'"hello"', b"42", b"null", b"true"):
            with self.subTest(raw=raw):
                assert_error(self.post_login(raw), 400, ("not_an_object", "bad_json"))
        assert_error(self.post_login(b'[{"login":"admin","password":"x"}]'), 400, "not_an_object")

    def test_invalid_utf8(self):
        for raw in (b'{"login":"\xff\xfe","password":"x"}', b'{"login":"ad\xc0\xafmin","password":"x"}',
                    b'{"login":"\xed\xa0\x80","password":"x"}', b'{"lo\x80gin":"a","password":"x"}'):
            with self.subTest(raw=raw):
                assert_error(self.post_login(raw), 400, ("bad_utf8", "bad_json"))

    def test_nul_in_string(self):
        r = self.post_login(b'{"login":"ad\\u0000min","password":"' + DEMO_PASSWORD.encode() + b'"}')
        assert_error(r, 400, ("bad_json", "invalid_field", "bad_utf8"))
        r = self.post_login(b'{"login":"admin","password":"egret-city-demo\\u0000x"}')
        assert_error(r, 400, ("bad_json", "invalid_field", "bad_utf8"))

    def test_duplicate_keys(self):
        r = self.post_login(b'{"login":"nobody","login":"admin","password":"egret-city-demo"}')
        assert_error(r, 400, ("bad_json", "invalid_field"))

    def test_wrong_types(self):
        for body, field in (({"login": 5, "password": "x"}, "login"),
                            ({"login": "admin", "password": ["egret-city-demo"]}, "password"),
                            ({"login": None, "password": "x"}, "login"),
                            ({"login": {"$ne": ""}, "password": "x"}, "login"),
                            ({"login": True, "password": "x"}, "login")):
            with self.subTest(body=body):
                r = S.request("POST", LOGIN, body=body)
                assert_error(r, 400, ("invalid_field", "missing_field"), field=field)

    def test_unknown_field_is_named(self):
        r = S.request("POST", LOGIN, body={"login": "admin", "password": "x", "remember_me": True})
        assert_error(r, 400, "unknown_field", field="remember_me")

    def test_missing_field_is_named(self):
        assert_error(S.request("POST", LOGIN, body={"login": "admin"}), 400, "missing_field",
                     field="password")
        assert_error(S.request("POST", LOGIN, body={"password": "x"}), 400, "missing_field",
                     field="login")
        assert_error(S.request("POST", LOGIN, body={}), 400, "missing_field",
                     field=("login", "password"))

    def test_415_for_other_content_types(self):
        body = json.dumps({"login": "admin", "password": DEMO_PASSWORD})
        for ctype in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data",
                      "application/jsonx"):
            with self.subTest(ctype=ctype):
                assert_error(self.post_login(body, ctype), 415, "unsupported_media_type")

    def test_json_with_charset_is_accepted(self):
        body = json.dumps({"login": "admin", "password": DEMO_PASSWORD})
        r = self.post_login(body, "application/json; charset=utf-8")
        assert_status(r, 200)
        self.assertIn("token", r.body)


class TestHeaders(unittest.TestCase):
    def test_oversized_header(self):
        r = S.send_raw(raw_request("GET", "/healthz", headers={"X-Big": "a" * 65536}))
        self.assertIn(r.status, (413, 431), r)
        healthy()

    def test_many_headers(self):
        headers = {"X-H%d" % i: "v" * 100 for i in range(2000)}
        r = S.send_raw(raw_request("GET", "/healthz", headers=headers))
        self.assertIn(r.status, (400, 413, 431), r)
        healthy()

    def test_very_long_url(self):
        r = S.send_raw(raw_request("GET", "/api/v1/" + "a" * 100000))
        self.assertIn(r.status, (400, 404, 413, 414, 431), r)
        healthy()

    def test_oversized_authorization(self):
        r = S.request("GET", "/api/v1/me", headers={"Authorization": "Bearer " + "A" * 20000})
        self.assertIn(r.status, (401, 413, 431), r)
        if r.status == 401:
            assert_error(r, 401, "unauthenticated")
        healthy()


class TestAuthentication(unittest.TestCase):
    def test_login_and_me(self):
        j = S.login_json("admin")
        self.assertTrue(j["token"])
        self.assertIn("expires_at", j)
        self.assertEqual(j["user"]["role"], "admin")
        r = S.request("GET", "/api/v1/me", token=j["token"])
        assert_status(r, 200)

    def test_missing_token(self):
        assert_error(S.request("GET", "/api/v1/me"), 401, "unauthenticated")

    def test_garbage_tokens(self):
        good = S.login("admin")
        forged = "egs_" + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
        flipped = good[:-1] + ("A" if good[-1] != "A" else "B")
        for auth in ("Bearer", "Bearer ", "Bearer garbage", "Bearer " + forged, "Bearer " + flipped,
                     "Bearer egk_" + secrets.token_hex(20), "Basic YWRtaW46ZWdyZXQtZGVtbw==",
                     good, "Bearer " + good + " extra", "Bearer " + good + "x",
                     "Bearer " + good[:-4], "Bearer ' OR '1'='1"):
            with self.subTest(auth=auth[:40]):
                r = S.request("GET", "/api/v1/me", headers={"Authorization": auth})
                assert_error(r, 401, ("unauthenticated", "token_expired"))
        # The good token still works after all that.
        assert_status(S.request("GET", "/api/v1/me", token=good), 200)

    def test_logout_ends_the_session(self):
        tok = S.login("supervisor")
        assert_status(S.request("GET", "/api/v1/me", token=tok), 200)
        r = S.request("POST", "/api/v1/auth/logout", token=tok)
        assert_status(r, (200, 204))
        assert_error(S.request("GET", "/api/v1/me", token=tok), 401, ("unauthenticated", "token_expired"))

    def test_bad_password(self):
        r = S.request("POST", LOGIN, body={"login": "admin", "password": "wrong-" + unique()})
        assert_error(r, 401, "bad_credentials")
        self.assertNotIn("token", r.raw.decode("utf-8", "replace"))

    def test_expired_token(self):
        tok = S.login("analyst")
        assert_status(S.request("GET", "/api/v1/me", token=tok), 200)
        # The session just made is the newest; move its expiry into the past.
        S.sql("UPDATE sessions SET expires_at = created_at - 1 WHERE id = (SELECT MAX(id) FROM sessions)")
        r = S.request("GET", "/api/v1/me", token=tok)
        assert_error(r, 401, "token_expired")


class TestKeepAlive(unittest.TestCase):
    def test_many_requests_on_one_connection(self):
        c = S.client()
        tok = S.login("admin")
        sock = None
        for i in range(12):
            kind = i % 4
            if kind == 0:
                r = c.request("GET", "/healthz")
                assert_status(r, 200)
            elif kind == 1:
                r = c.request("GET", "/api/v1/me", token=tok)
                assert_status(r, 200)
            elif kind == 2:
                # An error with a body that the server must read and discard.
                r = c.request("POST", LOGIN, body={"login": "admin", "password": "x", "junk": "y" * 3000})
                assert_error(r, 400, "unknown_field")
            else:
                assert_error(c.request("GET", "/api/v1/nope"), 404, "not_found")
            if sock is None:
                sock = c.conn.sock
            self.assertIs(c.conn.sock, sock, "the connection was not kept alive (request %d)" % i)
        self.assertEqual(c.requests_on_conn, 12)
        c.close()

    def test_pipelined_requests(self):
        with S.connect() as s:
            req = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
            s.sendall(req * 3)
            reader = ResponseReader(s)
            for _ in range(3):
                r = reader.read()
                assert_status(r, 200)

    def test_http10_closes(self):
        with S.connect() as s:
            s.sendall(b"GET /healthz HTTP/1.0\r\n\r\n")
            r = read_response(s)
            assert_status(r, 200)
            s.settimeout(5)
            self.assertEqual(s.recv(1), b"", "HTTP/1.0 connection left open")


class TestStatic(unittest.TestCase):
    def get(self, path):
        return S.send_raw(raw_request("GET", path))

    def test_content_types(self):
        expect = {
            "/index.html": ("text/html",),
            "/assets/app.js": ("application/javascript", "text/javascript"),
            "/assets/app.css": ("text/css",),
            "/assets/logo.svg": ("image/svg+xml",),
            "/data/config.json": ("application/json",),
            "/page.html": ("text/html",),
        }
        for path, types in expect.items():
            with self.subTest(path=path):
                r = self.get(path)
                assert_status(r, 200)
                ctype = r.headers.get("Content-Type", "")
                self.assertTrue(ctype.startswith(types), "%s: Content-Type %r" % (path, ctype))
                self.assertEqual(r.raw, STATIC[path[1:]].encode())

    def test_root_is_index(self):
        r = self.get("/")
        assert_status(r, 200)
        self.assertIn(INDEX_HTML.encode(), r.raw)

    def test_spa_fallback(self):
        for path in ("/some/page", "/cases/123", "/login?next=/cases"):
            with self.subTest(path=path):
                r = self.get(path)
                assert_status(r, 200)
                self.assertTrue(r.headers.get("Content-Type", "").startswith("text/html"))
                self.assertEqual(r.raw, INDEX_HTML.encode())

    def test_missing_asset_is_404(self):
        for path in ("/assets/x.js", "/assets/nope.css", "/favicon-nope.svg"):
            with self.subTest(path=path):
                r = self.get(path)
                self.assertEqual(r.status, 404, r)
                self.assertNotIn(INDEX_HTML.encode(), r.raw)

    def test_api_paths_never_fall_back(self):
        r = self.get("/api/v1/some/page")
        assert_error(r, 404, "not_found")

    def test_path_traversal(self):
        paths = [
            "/../../etc/passwd", "/../secret.txt", "/%2e%2e/%2e%2e/etc/passwd", "/%2e%2e/secret.txt",
            "/%2E%2E/secret.txt", "/assets/..%2f..%2fetc/passwd", "/assets/..%2f..%2fsecret.txt",
            "/assets/%2e%2e%2f%2e%2e%2fsecret.txt", "/..\\secret.txt", "/assets\\..\\..\\secret.txt",
            "/..%5csecret.txt", "/assets/..%5c..%5csecret.txt", "/%252e%252e/secret.txt",
            "/....//secret.txt", "/.%2e/secret.txt", "/assets/../../secret.txt",
            "//etc/passwd", "/%2fetc%2fpasswd", "/index.html%00.js", "/assets/app.js%00",
            "/%c0%ae%c0%ae/secret.txt", "/./../secret.txt", "/static/../../secret.txt",
        ]
        for path in paths:
            with self.subTest(path=path):
                r = self.get(path)
                self.assertNotIn(SECRET.encode(), r.raw)
                self.assertNotIn(b"root:x:0:0", r.raw)
                self.assertIn(r.status, (200, 400, 403, 404), r)
                if r.status == 200:
                    # Only ever the SPA's index, never another file.
                    self.assertEqual(r.raw, INDEX_HTML.encode(), path)
        healthy()

    def test_no_directory_listing(self):
        r = self.get("/assets/")
        self.assertNotIn(b"app.js", r.raw)
        self.assertNotIn(b"app.css", r.raw)


class TestShutdown(unittest.TestCase):
    def test_in_flight_request_completes(self):
        srv = Server(seed=True)
        srv.start()
        try:
            body = json.dumps({"login": "admin", "password": DEMO_PASSWORD}).encode()
            head = raw_request("POST", LOGIN, headers={"Content-Type": "application/json",
                                                       "Content-Length": str(len(body))})
            with srv.connect(timeout=30) as s:
                s.sendall(head + body[:10])
                time.sleep(0.3)
                srv.signal(signal.SIGTERM)
                time.sleep(0.7)
                self.assertIsNone(srv.proc.poll(), "exited with a request in flight")
                s.sendall(body[10:])
                r = read_response(s, method="POST")
            assert_status(r, 200)
            self.assertIn("token", r.body)
            rc = srv.wait_exit(30)
            self.assertEqual(rc, 0, "exit code after SIGTERM")
        finally:
            srv.stop()

    def test_idle_connection_does_not_hold_shutdown(self):
        srv = Server(seed=False)
        srv.start()
        try:
            c = srv.client()
            assert_status(c.request("GET", "/healthz"), 200)  # leaves the connection open
            t0 = time.monotonic()
            srv.signal(signal.SIGTERM)
            rc = srv.wait_exit(20)
            self.assertEqual(rc, 0)
            self.assertLess(time.monotonic() - t0, 20)
            c.close()
        finally:
            srv.stop()


class TestLoad(unittest.TestCase):
    def test_flood_of_quick_requests(self):
        c = S.client()
        for i in range(500):
            kind = i % 3
            if kind == 0:
                r = c.request("GET", "/healthz")
                assert_status(r, 200)
            elif kind == 1:
                assert_error(c.request("GET", "/api/v1/me"), 401, "unauthenticated")
            else:
                assert_error(c.request("GET", "/api/v1/nope/%d" % i), 404, "not_found")
        c.close()
        healthy()

    def test_parallel_connections(self):
        tok = S.login("admin")
        n = 50
        barrier = threading.Barrier(n)
        results = []
        lock = threading.Lock()

        def worker(i):
            c = S.client(timeout=60)
            got = []
            try:
                barrier.wait(timeout=30)
                for j in range(5):
                    if (i + j) % 2:
                        r = c.request("GET", "/api/v1/me", token=tok)
                    else:
                        r = c.request("GET", "/healthz")
                    got.append(r.status)
            except Exception as e:  # noqa: BLE001 - reported below
                got.append(repr(e))
            finally:
                c.close()
            with lock:
                results.extend(got)

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        self.assertEqual(len(results), n * 5)
        bad = [x for x in results if x != 200]
        self.assertEqual(bad, [], "non-200 answers under 50 parallel connections")
        healthy()

    def test_half_open_connections_do_not_block_others(self):
        socks = []
        try:
            for _ in range(20):
                s = S.connect()
                s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # never finished
                socks.append(s)
            healthy()
        finally:
            for s in socks:
                s.close()


class TestHostileStrings(unittest.TestCase):
    NAMES = ("'; DROP TABLE users; --", "Robert'); --", "x\" OR \"1\"=\"1", "%_\\", "名字 ☃ \U0001F600",
             "<script>alert(1)</script>")

    def test_sql_metacharacters_stored_verbatim(self):
        uid = S.login_json("worker2")["user"]["id"]
        admin = S.login("admin")
        for name in self.NAMES:
            with self.subTest(name=name):
                r = S.request("PATCH", "/api/v1/users/%s" % uid, body={"display_name": name}, token=admin)
                assert_status(r, 200)
                r = S.request("GET", "/api/v1/users/%s" % uid, token=admin)
                assert_status(r, 200)
                user = r.body.get("user", r.body)
                self.assertEqual(user["display_name"], name)
        # The users table is still there and works.
        self.assertTrue(S.login("admin"))
        p = S.run_cli(["audit", "verify"])
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def test_sql_metacharacters_in_login(self):
        for login in ("admin' --", "admin' OR '1'='1", "' OR 1=1; --"):
            with self.subTest(login=login):
                r = S.request("POST", LOGIN, body={"login": login, "password": "x' OR '1'='1"})
                assert_error(r, (400, 401), ("bad_credentials", "invalid_field"))


if __name__ == "__main__":
    unittest.main()
