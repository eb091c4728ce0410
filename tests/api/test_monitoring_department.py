"""The departments' feeds in monitoring, over real HTTP: traffic incidents and
social-insurance records posted by department keys become indicators per
platform and district (traffic_incidents, traffic_injuries, uncovered_injuries,
social_insurance_coverage), feed alert rules, and an injured rider with no
cover in force and no claim is listed as a finding (a covered one is not).
Also: an alert's "resolved" history note states the negated comparison."""

import datetime
import hashlib
import hmac
import json
import secrets
import time
import unittest

from egret_client import Server, assert_error, assert_status, unique

SECRET = "test-payment-secret-" + "y" * 12
S = None
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
CC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
ROSTER_HEAD = "platform_worker_id,name,id_number,phone,occupation,status,joined_on,district\n"
WORK_HEAD = ("platform_worker_id,date,orders,online_minutes,order_minutes,income_fen,"
             "penalty_count,penalty_fen\n")
TRAFFIC_HEAD = "id_number,occurred_at,district,kind,severity,vehicle,reference\n"
NAMES = "traffic_incidents,traffic_injuries,uncovered_injuries,social_insurance_coverage"


def today():
    return datetime.datetime.now(SHANGHAI).date()


def day(n):
    return (today() - datetime.timedelta(days=n)).isoformat()


def rfc3339(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def credit_code():
    body = "91350200MA" + "".join(secrets.choice(CC_CHARS[:30]) for _ in range(7))
    s = sum(CC_CHARS.index(c) * w for c, w in zip(body, CC_WEIGHTS))
    return body + CC_CHARS[(31 - s % 31) % 31]


_n = [secrets.randbelow(4000)]


def id_number():
    _n[0] += 1
    birth = datetime.date(1984, 5, 1) + datetime.timedelta(days=_n[0] % 6000)
    body = "350203%s%03d" % (birth.strftime("%Y%m%d"), 300 + (_n[0] // 6000) % 200)
    s = sum(int(c) * w for c, w in zip(body, ID_WEIGHTS))
    return body + "10X98765432"[s % 11]


def setUpModule():
    global S
    S = Server(seed=True, env={"EGRET_SECURITY_PAYMENT_SECRET": SECRET})
    S.start()


def tearDownModule():
    if S is not None:
        S.stop()


def post(feed, key, data, ctype="text/csv"):
    r = S.request("POST", "/api/v1/feeds/" + feed, token=key, raw=data.encode("utf-8"),
                  headers={"Content-Type": ctype, "Idempotency-Key": unique("b")})
    assert_status(r, 201)
    return r.body


def new_platform(n_workers):
    """A platform with n_workers riders in 思明区; returns (id, key, [id numbers])."""
    tok = S.login("admin")
    r = S.request("POST", "/api/v1/platforms", token=tok,
                  body={"name": unique("交通平台"), "credit_code": credit_code(),
                        "sector": "food_delivery"})
    assert_status(r, 201)
    pid = r.body["id"]
    key = S.request("POST", "/api/v1/platforms/%d/keys" % pid, token=tok, body={}).body["key"]
    ids = [id_number() for _ in range(n_workers)]
    post("roster", key, ROSTER_HEAD + "".join(
        "R%d,骑手%d,%s,,骑手,active,2023-01-01,350203\n" % (i, i, idn) for i, idn in enumerate(ids)))
    return pid, key, ids


def department_key(code):
    r = S.request("POST", "/api/v1/department-keys", token=S.login("admin"),
                  body={"department": code, "label": unique("部门")})
    assert_status(r, 201)
    return r.body["key"]


def pay(order, paid_at):
    body = {"order_id": order["id"], "channel_ref": unique("CH"),
            "amount_fen": order["amount_fen"], "paid_at": rfc3339(paid_at)}
    raw = json.dumps(body).encode()
    sig = hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    r = S.request("POST", "/api/v1/payments/callback", raw=raw, headers={"X-Signature": sig})
    assert_status(r, 200)


def indicators(pid, date):
    r = S.request("GET", "/api/v1/indicators", token=S.login("analyst"),
                  query={"scope": "platform", "id": str(pid), "from": date, "to": date,
                         "names": NAMES})
    assert_status(r, 200)
    return r.body["series"][0]["values"]


def findings(tok=None, **q):
    r = S.request("GET", "/api/v1/monitoring/uncovered-injuries", token=tok or S.login("analyst"),
                  query=q)
    assert_status(r, 200)
    return r.body


class TestTrafficAndSocialInsurance(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.police = department_key("traffic_police")
        cls.hrss = department_key("hrss")
        # riders: 0 hurt and uninsured, 1 hurt but covered, 2 in a collision without injury
        cls.pid, cls.key, cls.ids = new_platform(3)
        t0 = int(time.time())
        cls.date = datetime.datetime.fromtimestamp(t0, SHANGHAI).date().isoformat()
        post("work-records", cls.key, WORK_HEAD + "".join(
            "R%d,%s,20,480,300,30000,0,0\n" % (i, cls.date) for i in range(3)))
        # rider 1 enrolls for today and pays: covered from the payment on
        r = S.request("POST", "/api/v1/cover-days", token=S.login("insurer"),
                      body={"people": [{"id_number": cls.ids[1], "name": "骑手1"}],
                            "dates": [cls.date]})
        assert_status(r, (200, 201))
        pay(r.body["orders"][0], t0 - 30)
        time.sleep(2)
        at = int(time.time()) - 1
        cls.refs = ["JJ-%s-%d" % (unique(), i) for i in range(3)]
        severity = ["minor", "serious", "none"]
        post("traffic-incidents", cls.police, TRAFFIC_HEAD + "".join(
            "%s,%s,350203,collision,%s,e_bike,%s\n" % (cls.ids[i], rfc3339(at), severity[i],
                                                      cls.refs[i]) for i in range(3)))
        month = cls.date[:7]
        post("social-insurance", cls.hrss, json.dumps([
            {"id_number": cls.ids[0], "month": month, "scheme": "occupational_injury",
             "status": "paid", "payer_credit_code": None},
            {"id_number": cls.ids[1], "month": month, "scheme": "pension", "status": "arrears",
             "payer_credit_code": None}]), ctype="application/json")
        r = S.request("POST", "/api/v1/indicators/refresh", token=S.login("admin"),
                      body={"from": cls.date, "to": cls.date})
        assert_status(r, 200)

    def test_indicators_per_platform(self):
        v = indicators(self.pid, self.date)
        self.assertEqual(v["traffic_incidents"], 3)
        self.assertEqual(v["traffic_injuries"], 2)
        self.assertEqual(v["uncovered_injuries"], 1)  # rider 1 was covered
        self.assertAlmostEqual(v["social_insurance_coverage"], 1 / 3, places=4)

    def test_catalogue_and_breakdown(self):
        r = S.request("GET", "/api/v1/dictionary/indicator", token=S.login("analyst"))
        assert_status(r, 200)
        codes = {x["code"] for x in r.body["items"]}
        for name in NAMES.split(",") + ["traffic_injuries_per_million_orders"]:
            self.assertIn(name, codes)
        r = S.request("GET", "/api/v1/dashboard/breakdown", token=S.login("analyst"),
                      query={"by": "platform", "indicator": "traffic_incidents", "date": self.date})
        assert_status(r, 200)
        row = [x for x in r.body["rows"] if x["key"] == str(self.pid)]
        self.assertEqual(len(row), 1, r.body["rows"])
        self.assertEqual(row[0]["value"], 3)
        r = S.request("GET", "/api/v1/dashboard/breakdown", token=S.login("analyst"),
                      query={"by": "district", "indicator": "traffic_injuries", "date": self.date})
        row = [x for x in r.body["rows"] if x["key"] == "350203"]
        self.assertGreaterEqual(row[0]["value"], 2)

    def test_finding_for_the_uncovered_rider_only(self):
        items = findings(platform_id=str(self.pid), **{"from": self.date, "to": self.date})["items"]
        self.assertEqual([x["reference"] for x in items], [self.refs[0]])
        f = items[0]
        self.assertEqual(f["severity"], "minor")
        self.assertEqual(f["platform"]["id"], self.pid)
        self.assertEqual(f["district"]["code"], "350203")
        self.assertEqual(f["department"], "traffic_police")
        # masked: never the raw ID number
        self.assertNotIn(self.ids[0], json.dumps(items))
        self.assertTrue(f["person"]["id_number_masked"].endswith(self.ids[0][-4:]))
        # the city-wide list holds it too, and pages by cursor
        all_refs, cursor = [], None
        while True:
            q = {"from": self.date, "to": self.date, "limit": "1"}
            if cursor:
                q["cursor"] = cursor
            b = findings(**q)
            all_refs += [x["reference"] for x in b["items"]]
            cursor = b["next_cursor"]
            if not cursor:
                break
        self.assertIn(self.refs[0], all_refs)
        self.assertNotIn(self.refs[1], all_refs)
        self.assertNotIn(self.refs[2], all_refs)
        self.assertEqual(len(all_refs), len(set(all_refs)))

    def test_findings_roles_and_parameters(self):
        assert_status(S.request("GET", "/api/v1/monitoring/uncovered-injuries",
                                token=S.login("supervisor")), 200)
        for login in ("worker", "platform.luda", "mediator", "insurer"):
            assert_error(S.request("GET", "/api/v1/monitoring/uncovered-injuries",
                                   token=S.login(login)), 403, "forbidden")
        assert_error(S.request("GET", "/api/v1/monitoring/uncovered-injuries", token=self.police),
                     403, "forbidden")
        tok = S.login("analyst")
        for q, field in (({"from": "nope"}, "from"), ({"from": day(0), "to": day(1)}, "from"),
                         ({"from": "2020-01-01", "to": day(0)}, "from"),
                         ({"platform_id": "x"}, "platform_id"), ({"limit": "0"}, "limit")):
            assert_error(S.request("GET", "/api/v1/monitoring/uncovered-injuries", token=tok,
                                   query=q), 400, "invalid_parameter", field=field)

    def test_alert_rules_use_them(self):
        tok = S.login("admin")
        rules = S.request("GET", "/api/v1/alert-rules", token=tok).body["items"]
        built = {x["indicator"]: x for x in rules if x["builtin"]}
        self.assertIn("traffic_injuries", built)
        self.assertEqual(built["traffic_injuries"]["mode"], "pct_change")
        self.assertIn("uncovered_injuries", built)
        r = S.request("POST", "/api/v1/alert-rules", token=tok,
                      body={"name": unique("伤亡"), "indicator": "uncovered_injuries",
                            "scope": "platform", "scope_id": str(self.pid), "op": "gt",
                            "threshold": 0, "level": "red", "department": "traffic_police",
                            "pending_periods": 1})
        assert_status(r, 201)
        rule = r.body["id"]
        r = S.request("POST", "/api/v1/alerts/evaluate", token=S.login("analyst"),
                      body={"date": self.date})
        assert_status(r, 200)
        alerts = S.request("GET", "/api/v1/alerts", token=S.login("analyst"),
                           query={"rule": str(rule)}).body["items"]
        self.assertEqual(len(alerts), 1, alerts)
        self.assertEqual(alerts[0]["state"], "firing")
        self.assertEqual(alerts[0]["value"], 1)
        self.assertIn("uncovered_injuries", alerts[0]["message"])


class TestResolvedNote(unittest.TestCase):
    def test_resolution_states_the_negated_comparison(self):
        pid, key, _ = new_platform(2)
        r = S.request("POST", "/api/v1/alert-rules", token=S.login("admin"),
                      body={"name": unique("单量"), "indicator": "orders", "scope": "platform",
                            "scope_id": str(pid), "op": "ge", "threshold": 30, "level": "blue",
                            "department": "hrss", "pending_periods": 1})
        assert_status(r, 201)
        rule = r.body["id"]
        # 40 orders on one day (fires: ≥ 30), 20 the next (resolves: < 30)
        post("work-records", key, WORK_HEAD + "R0,%s,20,300,200,9000,0,0\nR1,%s,20,300,200,9000,0,0\n"
             % (day(5), day(5)))
        post("work-records", key, WORK_HEAD + "R0,%s,10,300,200,9000,0,0\nR1,%s,10,300,200,9000,0,0\n"
             % (day(4), day(4)))
        a = S.request("GET", "/api/v1/alerts", token=S.login("analyst"),
                      query={"rule": str(rule)}).body["items"]
        self.assertEqual(len(a), 1, a)
        self.assertEqual(a[0]["state"], "resolved")
        r = S.request("GET", "/api/v1/alerts/%d" % a[0]["id"], token=S.login("analyst"))
        assert_status(r, 200)
        notes = {e["kind"]: e["note"] for e in r.body["history"]}
        self.assertIn("= 40 on %s (≥ 30)" % day(5), notes["opened"])
        self.assertIn("= 20 on %s (< 30)" % day(4), notes["resolved"])
        self.assertNotIn("≥", notes["resolved"])


if __name__ == "__main__":
    unittest.main()
