"""GET /metrics: the Prometheus text format, who may scrape it, counters that
move with the requests, feeds and jobs they count; a real Prometheus
(Debian's prometheus) scraping egret on loopback and answering a query;
the shipped alert rules (promtool) and Grafana dashboard naming only series
egret writes."""
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest
import urllib.parse
import urllib.request

from egret_client import REPO, Server, assert_error, assert_status, free_port, unique, \
    valid_credit_code, valid_id_number

S = None
TOKEN = "metrics-" + "a1b2c3d4" * 4
DOCS = os.path.join(REPO, "docs", "monitoring")

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{((?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*)\})? '
                    r'(-?[0-9.e+-]+|\+Inf|NaN)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse(text):
    """The exposition as {(name, frozenset(labels)): value}; fails on a bad line."""
    out, types = {}, {}
    for line in text.splitlines():
        if line.startswith("# HELP "):
            continue
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ")
            assert name not in types, "TYPE twice for " + name
            types[name] = kind
            continue
        m = SAMPLE.match(line)
        assert m, "not a sample line: %r" % line
        labels = frozenset(LABEL.findall(m.group(3) or ""))
        key = (m.group(1), labels)
        assert key not in out, "sample twice: %r" % line
        out[key] = float(m.group(4))
    return out, types


def value(samples, name, **labels):
    want = set(labels.items())
    hits = [v for (n, ls), v in samples.items() if n == name and want <= set(ls)]
    return sum(hits) if hits else None


def setUpModule():
    global S
    S = Server(seed=True, env={"EGRET_METRICS_TOKEN": TOKEN})
    S.start()


def tearDownModule():
    if S is not None:
        S.stop()


def scrape(server=None, token=None, headers=None):
    h = dict(headers or {})
    if token:
        h["Authorization"] = "Bearer " + token
    r = (server or S).request("GET", "/metrics", headers=h)
    return r


class TestExposition(unittest.TestCase):
    def test_format_and_families(self):
        r = scrape()
        assert_status(r, 200)
        self.assertTrue(r.header("Content-Type").startswith("text/plain; version=0.0.4"))
        samples, types = parse(r.raw.decode("utf-8"))
        for name, kind in (("egret_http_requests_total", "counter"),
                           ("egret_http_request_duration_seconds", "histogram"),
                           ("egret_http_requests_in_flight", "gauge"),
                           ("egret_db_pool_connections", "gauge"),
                           ("egret_db_pool_waits_total", "counter"),
                           ("egret_db_pool_wait_seconds", "histogram"),
                           ("egret_db_statement_duration_seconds", "histogram"),
                           ("egret_db_transactions_total", "counter"),
                           ("egret_db_transaction_retries_total", "counter"),
                           ("egret_feed_batches_total", "counter"),
                           ("egret_feed_rows_total", "counter"),
                           ("egret_job_last_run_timestamp_seconds", "gauge"),
                           ("egret_audit_chain_length", "gauge"),
                           ("egret_build_info", "gauge")):
            self.assertEqual(types.get(name), kind, name)
        self.assertGreaterEqual(value(samples, "egret_http_requests_in_flight"), 1)
        self.assertGreater(value(samples, "egret_audit_chain_length"), 0)

    def test_requests_counted_by_route_pattern_and_status(self):
        tok = S.login("admin")
        before, _ = parse(scrape().raw.decode())
        for _ in range(3):
            assert_status(S.request("GET", "/api/v1/me", token=tok), 200)
        assert_error(S.request("GET", "/api/v1/cases/999999999", token=tok), 404, "not_found")
        S.request("GET", "/no/such/path/350206198108130356")
        after, _ = parse(scrape().raw.decode())

        def delta(**labels):
            a = value(after, "egret_http_requests_total", **labels) or 0
            b = value(before, "egret_http_requests_total", **labels) or 0
            return a - b
        self.assertEqual(delta(route="/api/v1/me", method="GET", status="200"), 3)
        self.assertEqual(delta(route="/api/v1/cases/{id}", method="GET", status="404"), 1)
        # Paths that match no route share one label: no ID number, no unbounded series.
        text = scrape().raw.decode()
        self.assertNotIn("350206198108130356", text)
        self.assertNotIn("/no/such", text)
        count = value(after, "egret_http_request_duration_seconds_count", route="/api/v1/me")
        inf = value(after, "egret_http_request_duration_seconds_bucket", route="/api/v1/me", le="+Inf")
        self.assertEqual(count, inf)
        self.assertGreaterEqual(count, 3)
        # A write transaction: the login above and the audit chain grew.
        self.assertGreater(value(after, "egret_db_transactions_total", outcome="committed"), 0)

    def test_feed_batches_and_rows(self):
        tok = S.login("admin")
        r = S.request("POST", "/api/v1/platforms", token=tok,
                      body={"name": unique("指标平台"), "credit_code": valid_credit_code(),
                            "sector": "food_delivery", "appeal_channel": "App 申诉"})
        assert_status(r, 201)
        k = S.request("POST", "/api/v1/platforms/%d/keys" % r.body["id"], token=tok,
                      body={"label": "feeds"})
        assert_status(k, 201)
        key = k.body["key"]
        head = "platform_worker_id,name,id_number,phone,occupation,status,joined_on,district\n"
        rows = "".join("m%d,骑手%d,%s,1380000%04d,rider,active,2026-01-05,350206\n"
                       % (i, i, valid_id_number("350206"), i) for i in range(4))
        before, _ = parse(scrape().raw.decode())
        batch = unique("mb")
        for expect in (201, 200):  # stored, then replayed under the same batch id
            p = S.request("POST", "/api/v1/feeds/roster", token=key, raw=(head + rows).encode(),
                          headers={"Content-Type": "text/csv", "Idempotency-Key": batch})
            assert_status(p, expect)
        bad = S.request("POST", "/api/v1/feeds/roster", token=key,
                        raw=(head + rows + "m9,x,123,1,rider,active,2026-01-05,350206\n").encode(),
                        headers={"Content-Type": "text/csv", "Idempotency-Key": unique("mb")})
        assert_status(bad, 422)
        after, _ = parse(scrape().raw.decode())

        def delta(name, **labels):
            return (value(after, name, **labels) or 0) - (value(before, name, **labels) or 0)
        self.assertEqual(delta("egret_feed_batches_total", feed="roster", outcome="stored"), 1)
        self.assertEqual(delta("egret_feed_batches_total", feed="roster", outcome="replayed"), 1)
        self.assertEqual(delta("egret_feed_batches_total", feed="roster", outcome="rejected"), 1)
        self.assertEqual(delta("egret_feed_rows_total", feed="roster", outcome="inserted"), 4)
        self.assertGreaterEqual(delta("egret_feed_rows_total", feed="roster", outcome="rejected"), 1)

    def test_job_runs_from_the_database(self):
        S.run_cli(["insurance", "daily"], check=True)
        samples, _ = parse(scrape().raw.decode())
        ok = value(samples, "egret_job_last_run_ok", task="insurance.daily")
        self.assertEqual(ok, 1)
        at = value(samples, "egret_job_last_success_timestamp_seconds", task="insurance.daily")
        self.assertLess(abs(at - time.time()), 600)


class TestAccess(unittest.TestCase):
    def test_token_from_anywhere_and_peer_list(self):
        # The test server allows loopback (the default) and has a token.
        assert_status(scrape(token=TOKEN), 200)
        assert_status(scrape(token="wrong"), 200)  # loopback is allowed anyway

    def test_closed_without_the_address_or_token(self):
        srv = Server(seed=False, name="metrics_closed",
                     env={"EGRET_METRICS_ALLOW": "10.0.0.0/8", "EGRET_METRICS_TOKEN": TOKEN,
                          "EGRET_SERVER_TRUSTED_PROXIES": "127.0.0.1"})
        srv.start()
        try:
            assert_error(scrape(srv), 403, "forbidden")
            assert_error(scrape(srv, token="wrong-" + TOKEN), 403, "forbidden")
            assert_error(scrape(srv, token=TOKEN[:-1]), 403, "forbidden")
            # X-Forwarded-For is the client's claim, even from a trusted proxy: the
            # socket's peer decides.
            assert_error(scrape(srv, headers={"X-Forwarded-For": "10.1.2.3"}), 403, "forbidden")
            assert_status(scrape(srv, token=TOKEN), 200)
        finally:
            srv.stop()

    def test_bad_allow_list_stops_start_up(self):
        srv = Server(seed=False, name="metrics_bad_allow")
        srv.prepare()
        try:
            for bad, entry in (("127.0.0.1, 10.0.0.0/33", "entry 2"), ("localhost", "entry 1"),
                               ("::1/129", "entry 1")):
                r = srv.run_cli(["serve"], env={"EGRET_METRICS_ALLOW": bad,
                                                "EGRET_LISTEN": "127.0.0.1:0"}, timeout=30)
                self.assertEqual(r.returncode, 2, bad)
                self.assertIn("[metrics] allow: " + entry, r.stderr)
        finally:
            srv.cleanup()

    def test_empty_allow_and_no_token_is_closed(self):
        srv = Server(seed=False, name="metrics_none", env={"EGRET_METRICS_ALLOW": ""})
        srv.start()
        try:
            assert_error(scrape(srv), 403, "forbidden")
            assert_error(scrape(srv, token="x"), 403, "forbidden")
        finally:
            srv.stop()


def metric_names(expr):
    return set(re.findall(r"\b(egret_[a-z0-9_]+)", expr))


def is_known(name, known):
    """A family egret writes, or a histogram's _bucket/_sum/_count series."""
    return name in known or re.sub(r"_(bucket|sum|count)$", "", name) in known


class TestShippedMonitoring(unittest.TestCase):
    def known(self):
        _, types = parse(scrape().raw.decode())
        return set(types)

    def test_alert_rules_check_and_name_real_series(self):
        promtool = shutil.which("promtool")
        if promtool is None:
            self.fail("promtool (Debian prometheus) is not installed: scripts/install-deps.sh")
        r = subprocess.run([promtool, "check", "rules", os.path.join(DOCS, "egret-alerts.yml")],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        known = self.known()
        text = open(os.path.join(DOCS, "egret-alerts.yml"), encoding="utf-8").read()
        exprs = re.findall(r"expr: (?:\|\n)?((?:.+\n)+?)\s+(?:for|labels):", text)
        self.assertGreaterEqual(len(exprs), 8)
        for e in exprs:
            for n in metric_names(e):
                self.assertTrue(is_known(n, known), "alert rule names %s, which egret does not write" % n)

    def test_grafana_dashboard_names_real_series(self):
        dash = json.load(open(os.path.join(DOCS, "grafana-egret.json"), encoding="utf-8"))
        known = self.known()
        targets = [t["expr"] for p in dash["panels"] for t in p["targets"]]
        self.assertGreaterEqual(len(targets), 10)
        for e in targets:
            for n in metric_names(e):
                self.assertTrue(is_known(n, known), "dashboard names %s, which egret does not write" % n)


class TestPrometheusScrape(unittest.TestCase):
    def test_real_prometheus_scrapes_and_answers_a_query(self):
        prom = shutil.which("prometheus")
        if prom is None:
            self.fail("prometheus (Debian) is not installed: scripts/install-deps.sh")
        d = tempfile.mkdtemp(prefix="egret-prom-")
        self.addCleanup(shutil.rmtree, d, True)
        shutil.copy(os.path.join(DOCS, "egret-alerts.yml"), d)
        port = free_port()
        with open(os.path.join(d, "prometheus.yml"), "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                    "rule_files:\n  - egret-alerts.yml\n"
                    "scrape_configs:\n  - job_name: egret\n    metrics_path: /metrics\n"
                    "    authorization:\n      credentials: %s\n"
                    "    static_configs:\n      - targets: ['127.0.0.1:%d']\n" % (TOKEN, S.port))
        log = open(os.path.join(d, "prometheus.log"), "w")
        p = subprocess.Popen([prom, "--config.file=" + os.path.join(d, "prometheus.yml"),
                              "--storage.tsdb.path=" + os.path.join(d, "data"),
                              "--web.listen-address=127.0.0.1:%d" % port],
                             stdout=log, stderr=subprocess.STDOUT, cwd=d)

        def stop():
            p.terminate()
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
            log.close()
        self.addCleanup(stop)
        tok = S.login("admin")
        assert_status(S.request("GET", "/api/v1/me", token=tok), 200)

        def query(q):
            url = "http://127.0.0.1:%d/api/v1/query?%s" % (port, urllib.parse.urlencode({"query": q}))
            with urllib.request.urlopen(url, timeout=5) as r:
                return json.loads(r.read())["data"]["result"]
        deadline = time.time() + 90
        result, err = [], None
        while time.time() < deadline:
            try:
                result = query('egret_http_requests_total{route="/api/v1/me",status="200"}')
                up = query('up{job="egret"}')
                if result and up and up[0]["value"][1] == "1":
                    break
            except OSError as e:
                err = e
            self.assertIsNone(p.poll(), "prometheus exited: " + open(os.path.join(d, "prometheus.log")).read()[-2000:])
            time.sleep(0.5)
        self.assertTrue(result, "no series from egret after 90 s (last error %r): %s"
                        % (err, open(os.path.join(d, "prometheus.log")).read()[-2000:]))
        self.assertEqual(result[0]["metric"]["job"], "egret")
        self.assertGreaterEqual(float(result[0]["value"][1]), 1)
        # The rules loaded, and none is broken.
        with urllib.request.urlopen("http://127.0.0.1:%d/api/v1/rules" % port, timeout=5) as r:
            groups = json.loads(r.read())["data"]["groups"]
        rules = [x for g in groups for x in g["rules"]]
        self.assertGreaterEqual(len(rules), 8)
        for x in rules:
            self.assertNotEqual(x.get("health"), "err", x)


if __name__ == "__main__":
    unittest.main()
