"""Shared tools for egret's API tests: start the real server, speak HTTP to it.

A test module usually looks like this:

    import unittest
    from egret_client import Server, assert_error, assert_status

    S = None

    def setUpModule():
        global S
        S = Server(seed=True)      # fresh database, migrated and seeded
        S.start()

    def tearDownModule():
        S.stop()                   # SIGTERM; fails if the exit is not clean

    class TestThings(unittest.TestCase):
        def test_me(self):
            token = S.login("admin")
            r = S.request("GET", "/api/v1/me", token=token)
            assert_status(r, 200)
            self.assertEqual(r.body["user"]["role"], "admin")

Only the Python standard library is used. See tests/api/README.md.
"""

import atexit
import datetime
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# The binary under test and the database engine; run.py sets these.
EGRET = os.environ.get("EGRET_TEST_BIN") or os.path.join(REPO, "build", "egret")
ENGINE = os.environ.get("EGRET_TEST_ENGINE") or "sqlite"
ARTIFACTS = os.environ.get("EGRET_TEST_ARTIFACTS") or os.path.join(REPO, "tests", "artifacts", ENGINE)

# The one demo password; the C side has it as EG_DEMO_PASSWORD (src/core/demo.h).
DEMO_PASSWORD = "egret-city-demo"
SMS_STANDIN = os.path.join(REPO, "scripts", "sms-standin.py")
DEMO_LOGINS = (
    "admin", "supervisor", "mediator", "mediator.siming", "mediator.hrss",
    "insurer", "analyst", "worker", "worker2",
)

# Lines that mean a sanitizer found a bug (in serve's or a CLI's stderr).
SANITIZER_PATTERNS = (
    "ERROR: AddressSanitizer",
    "ERROR: LeakSanitizer",
    "runtime error:",
    "WARNING: ThreadSanitizer",
)

START_TIMEOUT_S = float(os.environ.get("EGRET_TEST_START_TIMEOUT", "60"))
STOP_TIMEOUT_S = float(os.environ.get("EGRET_TEST_STOP_TIMEOUT", "40"))
CLI_TIMEOUT_S = float(os.environ.get("EGRET_TEST_CLI_TIMEOUT", "600"))

sqlite_only = None  # replaced below (decorator), defined after imports of unittest
postgres_only = None


def _unittest_decorators():
    import unittest

    global sqlite_only, postgres_only
    sqlite_only = unittest.skipUnless(ENGINE == "sqlite", "sqlite only")
    postgres_only = unittest.skipUnless(ENGINE == "postgres", "postgres only")


_unittest_decorators()


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def unique(prefix="t"):
    """A short unique string for names, logins and batch ids."""
    return "%s%s" % (prefix, secrets.token_hex(5))


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_issued_ids = set()


def valid_id_number(region="350203"):
    """A valid resident ID number (GB 11643 check character), unique in this run."""
    rng = secrets.SystemRandom()
    while True:
        d = datetime.date(1970, 1, 1) + datetime.timedelta(days=rng.randrange(0, 12000))
        body = region + d.strftime("%Y%m%d") + "%03d" % rng.randrange(0, 1000)
        idn = body + "10X98765432"[sum(int(c) * w for c, w in zip(body, _ID_WEIGHTS)) % 11]
        if idn not in _issued_ids:
            _issued_ids.add(idn)
            return idn


_CC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def valid_credit_code():
    """A valid unified social credit code (GB 32100 check character)."""
    rng = secrets.SystemRandom()
    body = "91350200" + "".join(rng.choice(_CC_CHARS) for _ in range(9))
    check = 31 - sum(_CC_CHARS.index(c) * w for c, w in zip(body, _CC_WEIGHTS)) % 31
    return body + _CC_CHARS[0 if check == 31 else check]


def sanitizer_lines(text):
    """The lines of text that report a sanitizer finding."""
    return [ln for ln in text.splitlines() if any(p in ln for p in SANITIZER_PATTERNS)]


# --------------------------------------------------------------------------
# Responses and assertions


class Response(tuple):
    """(status, headers, body): unpack it as a triple or use the attributes.

    headers is an http.client.HTTPMessage (case-insensitive .get()).
    body is the parsed JSON when the reply says application/json and parses,
    otherwise the raw bytes. .raw always holds the bytes.
    """

    def __new__(cls, status, headers, body, raw):
        self = tuple.__new__(cls, (status, headers, body))
        self.raw = raw
        return self

    status = property(lambda self: self[0])
    headers = property(lambda self: self[1])
    body = property(lambda self: self[2])

    def header(self, name, default=None):
        return self[1].get(name, default)

    def __repr__(self):
        raw = self.raw if len(self.raw) <= 600 else self.raw[:600] + b"..."
        return "<Response %d %r>" % (self[0], raw)


def _describe(resp):
    return "HTTP %s, body %r" % (resp[0], getattr(resp, "raw", resp[2])[:800])


def assert_status(resp, status):
    """Fail unless resp has this status (or one of a tuple of statuses)."""
    ok = resp[0] in status if isinstance(status, (tuple, list, set)) else resp[0] == status
    if not ok:
        raise AssertionError("expected HTTP %s, got %s" % (status, _describe(resp)))
    return resp


def assert_error(resp, status, code, field=None):
    """Fail unless resp is the standard error reply.

    Checks the status, a JSON content type, the shape
    {"error":{"code","message","field"?}} with nothing else at the top
    level, the code, a non-empty message and (when given) the field.
    status and code may be tuples of accepted values.
    """
    assert_status(resp, status)
    ctype = resp[1].get("Content-Type", "")
    if not ctype.startswith("application/json"):
        raise AssertionError("error reply is not JSON (Content-Type %r): %s" % (ctype, _describe(resp)))
    body = resp[2]
    if not isinstance(body, dict) or set(body) != {"error"} or not isinstance(body["error"], dict):
        raise AssertionError("not the error shape: %s" % _describe(resp))
    err = body["error"]
    extra = set(err) - {"code", "message", "field"}
    if extra:
        raise AssertionError("unexpected keys %s in error: %s" % (sorted(extra), _describe(resp)))
    codes = code if isinstance(code, (tuple, list, set)) else (code,)
    if err.get("code") not in codes:
        raise AssertionError("expected error code %s, got %s" % (code, _describe(resp)))
    if not isinstance(err.get("message"), str) or not err["message"]:
        raise AssertionError("error without a message: %s" % _describe(resp))
    if "field" in err and not isinstance(err["field"], str):
        raise AssertionError("error field is not a string: %s" % _describe(resp))
    if field is not None:
        fields = field if isinstance(field, (tuple, list, set)) else (field,)
        if err.get("field") not in fields:
            raise AssertionError("expected error field %s, got %s" % (field, _describe(resp)))
    return err


def _parse(status, headers, raw):
    body = raw
    ctype = headers.get("Content-Type", "") or ""
    if ctype.startswith("application/json") and raw:
        try:
            body = json.loads(raw.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            body = raw
    return Response(status, headers, body, raw)


def _encode_body(body, raw, headers):
    """The bytes to send and the headers to add for request()'s body/raw."""
    hdrs = {}
    data = None
    if raw is not None:
        data = raw.encode("utf-8") if isinstance(raw, str) else bytes(raw)
        hdrs["Content-Type"] = "application/json"
    elif body is not None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        hdrs["Content-Type"] = "application/json"
    lower = {k.lower() for k in (headers or {})}
    hdrs = {k: v for k, v in hdrs.items() if k.lower() not in lower}
    hdrs.update(headers or {})
    return data, hdrs


# --------------------------------------------------------------------------
# Connections


class Client:
    """One keep-alive HTTP/1.1 connection to a server (not thread-safe:
    use one Client per thread)."""

    def __init__(self, host, port, timeout=60):
        self.host = host
        self.port = port
        self.timeout = timeout
        self.conn = None
        self.requests_on_conn = 0

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def _connect(self):
        self.close()
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        self.requests_on_conn = 0

    def request(self, method, path, body=None, token=None, headers=None, raw=None, query=None):
        """Send one request; return a Response (status, headers, body).

        body: a Python value sent as JSON (Content-Type application/json).
        raw: bytes (or str) sent verbatim, Content-Type application/json
             unless headers say otherwise.
        token: sent as Authorization: Bearer <token>.
        headers: extra headers (they win over the defaults).
        query: a dict (or list of pairs) appended as the query string.
        """
        if query:
            path = path + ("&" if "?" in path else "?") + urllib.parse.urlencode(query)
        data, hdrs = _encode_body(body, raw, headers)
        if token is not None and not any(k.lower() == "authorization" for k in hdrs):
            hdrs["Authorization"] = "Bearer " + token
        for attempt in (0, 1):
            if self.conn is None:
                self._connect()
            reused = self.requests_on_conn > 0
            try:
                self.conn.request(method, path, body=data, headers=hdrs)
                r = self.conn.getresponse()
                raw_body = r.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError,
                    http.client.CannotSendRequest, http.client.BadStatusLine):
                # The server closed an idle keep-alive connection between our
                # requests: retry once on a new connection. A failure on a
                # fresh connection is the server's fault and is raised.
                self.close()
                if attempt == 0 and reused:
                    continue
                raise
            self.requests_on_conn += 1
            if r.will_close:
                self.close()
            return _parse(r.status, r.headers, raw_body)
        raise AssertionError("unreachable")


class _KeptFile:
    """A socket's buffered reader that survives HTTPResponse closing it."""

    def __init__(self, f):
        self.f = f

    def __getattr__(self, name):
        return getattr(self.f, name)

    def close(self):
        pass


class ResponseReader:
    """Reads successive responses from one socket (pipelining, keep-alive
    over a raw socket): read-ahead bytes of the next response are kept."""

    def __init__(self, sock):
        self.fp = _KeptFile(sock.makefile("rb"))

    def makefile(self, *args, **kwargs):
        return self.fp

    def read(self, method="GET"):
        r = http.client.HTTPResponse(self, method=method)
        r.begin()
        raw = r.read()
        return _parse(r.status, r.headers, raw)


def read_response(sock, method="GET"):
    """Read one HTTP response from a connected socket: a Response. To read
    several from the same socket, use one ResponseReader(sock)."""
    return ResponseReader(sock).read(method)


# --------------------------------------------------------------------------
# Seeded templates: seeding once per run and copying is much faster than
# seeding for every module. A template is made on first use and removed at
# exit.

_templates = {}
_templates_lock = threading.Lock()


def _cleanup_templates():
    for key, tpl in list(_templates.items()):
        try:
            if tpl.get("pg_db"):
                _pg_drop(tpl["pg_db"])
            shutil.rmtree(tpl["dir"], ignore_errors=True)
        except Exception:  # noqa: BLE001 - best effort at exit
            pass
    _templates.clear()


atexit.register(_cleanup_templates)


def _pg_base_url():
    url = os.environ.get("EGRET_TEST_PG_URL")
    if not url:
        raise RuntimeError("EGRET_TEST_PG_URL is not set (a postgres:// URL of a throwaway cluster)")
    return url


def _pg_url_for(dbname):
    u = urllib.parse.urlsplit(_pg_base_url())
    return urllib.parse.urlunsplit((u.scheme, u.netloc, "/" + dbname, u.query, u.fragment))


def _psql(sql):
    p = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", _pg_base_url(), "-c", sql],
                       capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        raise RuntimeError("psql %r failed: %s" % (sql, p.stderr.strip()))
    return p.stdout


def _pg_create(dbname, template=None):
    sql = 'CREATE DATABASE "%s"' % dbname
    if template:
        sql += ' TEMPLATE "%s"' % template
    _psql(sql)


def _pg_drop(dbname):
    _psql('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % dbname)


# --------------------------------------------------------------------------
# The server


class Server:
    """The real `egret serve` on a free loopback port with a fresh database.

    Server(seed=True, env=None, args=None, name=None, engine=None,
           migrate=True, static_files=None, fresh_seed=False)

    seed:         run `egret seed-demo` (EGRET_DEMO_SCALE=small) before serving.
    env:          extra environment for every egret command (wins over ours).
    args:         extra arguments for `egret serve`.
    name:         names the log file (default: the calling test module).
    migrate:      run `egret migrate` first (False: an empty database).
    static_files: {relative path: bytes or str} written into the static dir.
    fresh_seed:   seed this database itself instead of copying the run's
                  seeded template (only for tests of seeding itself).
    sms:          start the SMS gateway stand-in (scripts/sms-standin.py)
                  and point the server at it; read what it got with
                  sms_messages().

    Attributes after construction: dir (temp dir), db (EGRET_DB value),
    static_dir, key_file, log_path, engine; after start(): port, base_url,
    proc.
    """

    def __init__(self, seed=True, env=None, args=None, name=None, engine=None, migrate=True,
                 static_files=None, fresh_seed=False, sms=False):
        self.seed = seed
        self.sms = sms
        self.sms_proc = None
        self.sms_log = None
        self.extra_env = dict(env or {})
        self.args = list(args or [])
        self.engine = engine or ENGINE
        self.migrate = migrate
        self.fresh_seed = fresh_seed
        if name is None:
            name = sys._getframe(1).f_globals.get("__name__", "server").split(".")[-1]
        self.name = name
        self.dir = tempfile.mkdtemp(prefix="egret-test-")
        self.static_dir = os.path.join(self.dir, "static")
        self.files_dir = os.path.join(self.dir, "files")
        self.key_file = os.path.join(self.dir, "egret.key")
        os.makedirs(self.static_dir)
        os.makedirs(self.files_dir)
        for rel, content in (static_files or {}).items():
            self.write_static(rel, content)
        self.pg_db = None
        self.demo_today = None  # after prepare() with seed: the demo's Shanghai date
        if self.engine == "sqlite":
            self.db = os.path.join(self.dir, "egret.db")
        elif self.engine == "postgres":
            self.pg_db = "egret_t" + secrets.token_hex(6)
            self.db = _pg_url_for(self.pg_db)
        else:
            raise ValueError("unknown engine %r" % self.engine)
        os.makedirs(ARTIFACTS, exist_ok=True)
        self.log_path = self._log_name()
        self.proc = None
        self.port = None
        self.base_url = None
        self._log = None
        self._local = threading.local()
        self._prepared = False
        self._clients = []
        self._clients_lock = threading.Lock()
        self._cleaned = False
        _servers.append(self)

    def _log_name(self):
        n = 0
        while True:
            suffix = "" if n == 0 else "-%d" % n
            path = os.path.join(ARTIFACTS, "%s%s.log" % (self.name, suffix))
            if not os.path.exists(path) or os.path.getmtime(path) < _RUN_STARTED:
                open(path, "w").close()  # claim it (truncating one left from an earlier run)
                return path
            n += 1

    # -- environment and commands -----------------------------------------

    def env(self, extra=None):
        """The environment egret commands of this server run with."""
        e = {k: v for k, v in os.environ.items() if not k.startswith("EGRET_")}
        e.update({
            "EGRET_DB": self.db,
            "EGRET_SECURITY_KEY_FILE": self.key_file,
            "EGRET_SERVER_STATIC_DIR": self.static_dir,
            "EGRET_FILES_DATA_DIR": self.files_dir,
            "EGRET_PWHASH_FAST": "1",
            "EGRET_DEMO_SCALE": "small",
            # Suites register many workers from one address; the throttle
            # has its own tests (test_auth_registration.py).
            "EGRET_SECURITY_REGISTER_MAX_PER_ADDRESS": "1000000",
            "EGRET_SECURITY_REGISTER_MAX_PER_ID": "1000000",
            "TZ": "UTC",
        })
        if self.sms_url:
            e.update({"EGRET_SMS_URL": self.sms_url, "EGRET_SMS_ACCOUNT": "egret-test",
                      "EGRET_SMS_SECRET": "sms-test-secret"})
        if self.port is not None:
            e["EGRET_LISTEN"] = "127.0.0.1:%d" % self.port
        e.update(self.extra_env)
        e.update(extra or {})
        return e

    def egret_db(self):
        """The database URL `egret serve` gets: self.db plus egret's own
        query parameters from EGRET_TEST_PG_EGRET_PARAMS (pool_mode=…),
        which psql and the tests' own SQL would refuse. Commands get
        self.db: migrations and daily jobs need a session (docs/deploy.md)."""
        extra = os.environ.get("EGRET_TEST_PG_EGRET_PARAMS", "")
        if not extra or not self.db.startswith("postgres"):
            return self.db
        return self.db + ("&" if "?" in self.db else "?") + extra

    def _logline(self, text):
        with open(self.log_path, "a", encoding="utf-8") as f:
            f.write(text if text.endswith("\n") else text + "\n")

    def run_cli(self, args, stdin=None, env=None, timeout=None, check=False):
        """Run `egret ARGS` against this server's database.

        Returns subprocess.CompletedProcess with text stdout/stderr (and
        .returncode). stdin is a str (or bytes). check=True raises on a
        non-zero exit. Fails (AssertionError) on any sanitizer report.
        """
        if isinstance(args, str):
            args = args.split()
        binary = isinstance(stdin, (bytes, bytearray))
        p = subprocess.run([EGRET] + list(args), input=stdin, capture_output=True,
                           text=not binary, env=self.env(env), cwd=self.dir,
                           timeout=timeout or CLI_TIMEOUT_S)
        out = p.stdout if not binary else p.stdout.decode("utf-8", "replace")
        err = p.stderr if not binary else p.stderr.decode("utf-8", "replace")
        self._logline("$ egret %s  -> exit %d\n%s" % (" ".join(args), p.returncode, err))
        bad = sanitizer_lines(err)
        if bad:
            raise AssertionError("sanitizer report from `egret %s`:\n%s\n(full stderr in %s)"
                                 % (" ".join(args), "\n".join(bad[:20]), self.log_path))
        if check and p.returncode != 0:
            raise AssertionError("`egret %s` exited %d:\n%s%s" % (" ".join(args), p.returncode, out, err))
        return p

    def prepare(self):
        """Create, migrate and (optionally) seed the database; idempotent."""
        if self._prepared:
            return
        self._prepared = True
        if self.seed and self.migrate and not self.fresh_seed:
            self._copy_template()
            return
        if self.pg_db:
            _pg_create(self.pg_db)
        if self.migrate:
            self.run_cli(["migrate"], check=True)
        if self.seed:
            self.run_cli(["seed-demo"], check=True)
            self.demo_today = self._seeded_day()

    def _seeded_day(self):
        """The Shanghai date the demo was seeded on: its work records end the
        day before. Tests of demo data use it rather than today, which has
        moved on when a run crosses midnight in Shanghai (16:00 UTC)."""
        last = self.sql("SELECT MAX(day) FROM mon_daily")[0][0]
        return datetime.date.fromisoformat(last) + datetime.timedelta(days=1)

    def _copy_template(self):
        key = (self.engine, EGRET)
        with _templates_lock:
            tpl = _templates.get(key)
            if tpl is None:
                tpl = _make_template(self.engine)
                _templates[key] = tpl
        self.demo_today = tpl["demo_today"]
        if os.path.exists(tpl["key_file"]):
            shutil.copyfile(tpl["key_file"], self.key_file)
            os.chmod(self.key_file, 0o600)
        if self.pg_db:
            _pg_create(self.pg_db, template=tpl["pg_db"])
        else:
            for suffix in ("", "-wal", "-shm"):
                src = tpl["db"] + suffix
                if os.path.exists(src):
                    shutil.copyfile(src, self.db + suffix)

    def sql(self, statement):
        """Run SQL directly on this server's database (sqlite3 or psql) and
        return its output rows as lists of strings ("|"-separated columns).
        For tests that must reach around the API (expire a session, break
        the schema); write SQL that runs on both engines."""
        if self.engine == "sqlite":
            cmd = ["sqlite3", "-batch", "-cmd", ".timeout 10000", self.db, statement]
        else:
            cmd = ["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", self.db, "-c", statement]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if p.returncode != 0:
            raise AssertionError("SQL failed (%s): %s\n%s" % (cmd[0], statement, p.stderr))
        return [ln.split("|") for ln in p.stdout.splitlines() if ln]

    # -- static files -------------------------------------------------------

    def write_static(self, rel, content):
        """Write a file under the static dir (rel like "assets/app.js")."""
        path = os.path.join(self.static_dir, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(content.encode("utf-8") if isinstance(content, str) else content)
        return path

    # -- lifecycle ------------------------------------------------------------

    def start(self, wait=True):
        """Prepare the database and start `egret serve`; wait for /healthz.
        On failure the process, database and temp dir are cleaned up (the
        log stays) and AssertionError says why."""
        try:
            return self._start(wait)
        except BaseException:
            self.kill()
            self.proc = None
            if self._log is not None:
                self._log.close()
                self._log = None
            self.cleanup()
            raise

    sms_url = None

    def _start_sms(self):
        """Start the SMS stand-in once (it outlives restarts of the server)."""
        if not self.sms or self.sms_proc is not None:
            return
        self.sms_log = os.path.join(self.dir, "sms.jsonl")
        open(self.sms_log, "w").close()
        self.sms_proc = subprocess.Popen(
            [sys.executable, SMS_STANDIN, "--log", self.sms_log, "--secret", "sms-test-secret"],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        line = self.sms_proc.stdout.readline()
        if not line.startswith("listening "):
            raise AssertionError("the SMS stand-in did not start: %r" % line)
        self.sms_url = "http://127.0.0.1:%d/send" % int(line.split()[1])

    def _stop_sms(self):
        if self.sms_proc is not None:
            self.sms_proc.kill()
            self.sms_proc.wait()
            self.sms_proc.stdout.close()
            self.sms_proc = None

    def sms_messages(self):
        """Every message the SMS stand-in received, oldest first (dicts with
        to, template, params, signature, account, signed)."""
        if not self.sms_log or not os.path.exists(self.sms_log):
            return []
        with open(self.sms_log, encoding="utf-8") as f:
            return [json.loads(ln) for ln in f if ln.strip()]

    def _start(self, wait):
        self._start_sms()
        self.prepare()
        last_err = None
        for _ in range(3):
            self.port = free_port()
            self.base_url = "http://127.0.0.1:%d" % self.port
            self._log = open(self.log_path, "ab")
            self._log.write(("$ egret serve %s (port %d)\n" % (" ".join(self.args), self.port)).encode())
            self._log.flush()
            env = self.env()
            if "EGRET_DB" not in self.extra_env:
                env["EGRET_DB"] = self.egret_db()
            self.proc = subprocess.Popen([EGRET, "serve"] + self.args, env=env, cwd=self.dir,
                                         stdin=subprocess.DEVNULL, stdout=self._log,
                                         stderr=self._log)
            if not wait:
                return self
            try:
                self.wait_ready()
                return self
            except _EarlyExit as e:
                last_err = e
                self._log.close()
                self._log = None
                self.proc = None
                if "in use" not in self.log_tail(2000).lower():
                    break
        raise AssertionError("egret serve did not start: %s\nlog %s:\n%s"
                             % (last_err, self.log_path, self.log_tail()))

    def wait_ready(self, timeout=START_TIMEOUT_S, path="/healthz"):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            rc = self.proc.poll()
            if rc is not None:
                raise _EarlyExit("exited with %d before answering" % rc)
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=2) as s:
                    s.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
                               % path).encode())
                    s.settimeout(5)
                    r = read_response(s)
                    if r.status == 200:
                        return
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.05)
        self.kill()
        raise AssertionError("egret serve did not answer %s within %ss; log %s:\n%s"
                             % (path, timeout, self.log_path, self.log_tail()))

    def signal(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)

    def wait_exit(self, timeout=STOP_TIMEOUT_S):
        """Wait for the process to end; return its exit code (None if it did not)."""
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stop(self, expect_exit=0, cleanup=True):
        """SIGTERM the server, check it exits with expect_exit and reported
        no sanitizer finding, then drop the database and temp dir.
        Raises AssertionError otherwise (after cleaning up)."""
        problems = []
        self.close_clients()
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                rc = self.wait_exit()
                if rc is None:
                    problems.append("did not exit within %ss of SIGTERM (killed)" % STOP_TIMEOUT_S)
                    self.kill()
                elif expect_exit is not None and rc != expect_exit:
                    problems.append("exited with %d after SIGTERM, expected %d" % (rc, expect_exit))
            else:
                rc = self.proc.returncode
                if expect_exit is not None and rc != expect_exit:
                    problems.append("had already exited with %d" % rc)
            self.proc = None
        if self._log is not None:
            self._log.close()
            self._log = None
        bad = sanitizer_lines(self.log_tail(None))
        if bad:
            problems.append("sanitizer reports:\n" + "\n".join(bad[:20]))
        if cleanup:
            self.cleanup()
        if problems:
            raise AssertionError("egret serve (%s): %s\nlog: %s\n%s"
                                 % (self.name, "; ".join(problems), self.log_path, self.log_tail()))

    def cleanup(self):
        self._cleaned = True
        self._stop_sms()
        if self.pg_db:
            try:
                _pg_drop(self.pg_db)
            except Exception as e:  # noqa: BLE001
                sys.stderr.write("warning: could not drop %s: %s\n" % (self.pg_db, e))
        shutil.rmtree(self.dir, ignore_errors=True)

    def twin(self, name, env=None):
        """Another server (not started) on this server's database and key,
        with its own port and files; this one owns (and drops) the database."""
        other = Server(seed=False, migrate=False, name=name, env=env)
        other.db = self.db
        other.pg_db = None
        shutil.copyfile(self.key_file, other.key_file)
        os.chmod(other.key_file, 0o600)
        return other

    def restart(self):
        """Stop (checking a clean exit) and start again on the same database."""
        self.stop(cleanup=False)
        self.start()

    def log_tail(self, limit=4000):
        try:
            with open(self.log_path, "rb") as f:
                data = f.read()
        except OSError:
            return ""
        text = data.decode("utf-8", "replace")
        return text if limit is None else text[-limit:]

    # -- HTTP -----------------------------------------------------------------

    def client(self, timeout=60):
        """A new keep-alive connection (a Client) to this server."""
        c = Client("127.0.0.1", self.port, timeout)
        with self._clients_lock:
            self._clients.append(c)
        return c

    def close_clients(self):
        with self._clients_lock:
            for c in self._clients:
                c.close()
            self._clients = []
        self._local = threading.local()

    def _thread_client(self):
        c = getattr(self._local, "client", None)
        if c is None or c.port != self.port:
            c = self.client()
            self._local.client = c
        return c

    def request(self, method, path, body=None, token=None, headers=None, raw=None, query=None):
        """One request on this thread's keep-alive connection: a Response
        (status, headers, body). See Client.request for the arguments."""
        return self._thread_client().request(method, path, body=body, token=token,
                                             headers=headers, raw=raw, query=query)

    def connect(self, timeout=30):
        """A raw TCP socket to the server (for hand-written HTTP)."""
        s = socket.create_connection(("127.0.0.1", self.port), timeout=timeout)
        return s

    def send_raw(self, data, timeout=30, method="GET"):
        """Send bytes on a new connection and read one response."""
        with self.connect(timeout) as s:
            s.sendall(data if isinstance(data, bytes) else data.encode("utf-8"))
            return read_response(s, method=method)

    def login_json(self, login, password=DEMO_PASSWORD):
        """POST /api/v1/auth/login; the whole reply body (asserts 200)."""
        r = self.request("POST", "/api/v1/auth/login", body={"login": login, "password": password})
        if r.status != 200 or not isinstance(r.body, dict) or "token" not in r.body:
            raise AssertionError("login %r failed: %s" % (login, _describe(r)))
        return r.body

    def login(self, login, password=DEMO_PASSWORD):
        """Sign in; return the bearer token."""
        return self.login_json(login, password)["token"]

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False


class _EarlyExit(Exception):
    pass


# Every Server made in this process, so that one a test forgot to stop is
# still killed and its database and temp dir removed at exit.
_servers = []


def _cleanup_servers():
    for srv in _servers:
        if srv._cleaned:
            continue
        if srv.proc is not None:
            sys.stderr.write("egret_client: a Server (%s) was never stopped; killing it\n" % srv.name)
        try:
            srv.kill()
            srv.cleanup()
        except Exception:  # noqa: BLE001 - best effort at exit
            pass


atexit.register(_cleanup_servers)  # runs before the templates are removed


_RUN_STARTED = time.time() - 1


def _make_template(engine):
    """Migrate and seed one database for copying into every seeded Server."""
    srv = Server(seed=True, fresh_seed=True, name="seed-template", engine=engine)
    srv.prepare()
    tpl = {"dir": srv.dir, "db": srv.db, "key_file": srv.key_file, "pg_db": srv.pg_db,
           "demo_today": srv.demo_today}
    return tpl
