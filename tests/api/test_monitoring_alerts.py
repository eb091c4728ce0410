"""Early warning over real HTTP: rule CRUD and validation (admin only), the
life of an alert over evaluated dates (pending → firing → resolved, a value
that is not there yet changing nothing), % change rules, acknowledging and
silencing with history, built-in backlog rules, and who sees which alert."""

import datetime
import secrets
import unittest

from egret_client import Server, assert_error, assert_status, unique

S = None
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
CC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
WORK_HEAD = ("platform_worker_id,date,orders,online_minutes,order_minutes,income_fen,"
             "penalty_count,penalty_fen\n")


def today():
    return datetime.datetime.now(SHANGHAI).date()


def day(n):
    return (today() - datetime.timedelta(days=n)).isoformat()


def credit_code():
    body = "91350200MA" + "".join(secrets.choice(CC_CHARS[:30]) for _ in range(7))
    s = sum(CC_CHARS.index(c) * w for c, w in zip(body, CC_WEIGHTS))
    return body + CC_CHARS[(31 - s % 31) % 31]


_n = [secrets.randbelow(4000)]


def id_number():
    _n[0] += 1
    birth = datetime.date(1982, 3, 1) + datetime.timedelta(days=_n[0] % 6000)
    body = "350212%s%03d" % (birth.strftime("%Y%m%d"), 700 + (_n[0] // 6000) % 200)
    s = sum(int(c) * w for c, w in zip(body, ID_WEIGHTS))
    return body + "10X98765432"[s % 11]


def setUpModule():
    global S
    S = Server(seed=True)
    S.start()


def tearDownModule():
    if S is not None:
        S.stop()


def post(feed, key, text):
    r = S.request("POST", "/api/v1/feeds/" + feed, token=key, raw=text.encode(),
                  headers={"Content-Type": "text/csv", "Idempotency-Key": unique("b")})
    assert_status(r, 201)
    return r


def new_platform():
    tok = S.login("admin")
    r = S.request("POST", "/api/v1/platforms", token=tok,
                  body={"name": unique("预警平台"), "credit_code": credit_code(),
                        "sector": "courier"})
    assert_status(r, 201)
    key = S.request("POST", "/api/v1/platforms/%d/keys" % r.body["id"], token=tok, body={}).body["key"]
    roster = "platform_worker_id,name,id_number,phone,occupation,status,joined_on\n"
    roster += "".join("A%d,工人,%s,,快递员,active,2022-01-01\n" % (i, id_number()) for i in range(1, 4))
    post("roster", key, roster)
    return r.body["id"], key


def tired_day(key, n, tired):
    """Three couriers on day n; `tired` of them online 13 hours."""
    post("work-records", key, WORK_HEAD + "".join(
        "A%d,%s,20,%d,300,30000,0,0\n" % (i, day(n), 780 if i <= tired else 480)
        for i in range(1, 4)))


def evaluate(n):
    r = S.request("POST", "/api/v1/alerts/evaluate", token=S.login("analyst"), body={"date": day(n)})
    assert_status(r, 200)
    return r.body


def alerts_of(rule, tok=None):
    r = S.request("GET", "/api/v1/alerts", token=tok or S.login("analyst"), query={"rule": rule})
    assert_status(r, 200)
    return r.body["items"]


def new_rule(**kw):
    body = {"name": unique("rule"), "indicator": "fatigue_share", "scope": "platform",
            "op": "gt", "threshold": 0.3, "level": "red", "department": "siming",
            "pending_periods": 2}
    body.update(kw)
    r = S.request("POST", "/api/v1/alert-rules", token=S.login("admin"), body=body)
    assert_status(r, 201)
    return r.body


class TestRules(unittest.TestCase):
    def test_crud(self):
        tok = S.login("admin")
        rule = new_rule(window_days=7, threshold=0.15)
        self.assertEqual(rule["threshold"], 0.15)
        self.assertEqual(rule["department"]["code"], "siming")
        self.assertFalse(rule["builtin"])
        r = S.request("PATCH", "/api/v1/alert-rules/%d" % rule["id"], token=tok,
                      body={"threshold": 25, "level": "orange", "enabled": False})
        assert_status(r, 200)
        self.assertEqual((r.body["threshold"], r.body["level"], r.body["enabled"]), (25, "orange", False))
        r = S.request("GET", "/api/v1/alert-rules/%d" % rule["id"], token=S.login("analyst"))
        assert_status(r, 200)
        r = S.request("DELETE", "/api/v1/alert-rules/%d" % rule["id"], token=tok)
        self.assertEqual(r.status, 204)
        assert_error(S.request("GET", "/api/v1/alert-rules/%d" % rule["id"], token=tok), 404, "not_found")
        assert_error(S.request("DELETE", "/api/v1/alert-rules/%d" % rule["id"], token=tok), 404, "not_found")
        rules = S.request("GET", "/api/v1/alert-rules", token=tok).body["items"]
        self.assertNotIn(rule["id"], [x["id"] for x in rules])

    def test_builtin_rules(self):
        tok = S.login("admin")
        rules = S.request("GET", "/api/v1/alert-rules", token=tok).body["items"]
        built = [x for x in rules if x["builtin"]]
        self.assertEqual({x["indicator"] for x in built},
                         {"overdue_cases", "overdue_claims", "traffic_injuries", "uncovered_injuries"})
        b = built[0]
        assert_error(S.request("DELETE", "/api/v1/alert-rules/%d" % b["id"], token=tok), 409, "conflict")
        r = S.request("PATCH", "/api/v1/alert-rules/%d" % b["id"], token=tok, body={"indicator": "orders"})
        assert_error(r, 400, "invalid_field", field="indicator")
        r = S.request("PATCH", "/api/v1/alert-rules/%d" % b["id"], token=tok, body={"level": "red"})
        assert_status(r, 200)
        # the demo's backlogs trip them: overdue cases and claims exist
        alerts = S.request("GET", "/api/v1/alerts", token=tok, query={"state": "firing"}).body["items"]
        self.assertTrue(any(a["rule"]["indicator"] == "overdue_cases" for a in alerts))

    def test_validation(self):
        tok = S.login("admin")
        base = {"name": "x", "indicator": "fatigue_share", "scope": "city", "op": "gt",
                "threshold": 1, "level": "red", "department": "hrss"}
        for change, code, field in (
                ({"indicator": "happiness"}, "invalid_field", "indicator"),
                ({"scope": "galaxy"}, "invalid_field", "scope"),
                ({"op": "eq"}, "invalid_field", "op"),
                ({"level": "purple"}, "invalid_field", "level"),
                ({"threshold": "high"}, "invalid_field", "threshold"),
                ({"threshold": 1e20}, "invalid_field", "threshold"),
                ({"department": "nope"}, "invalid_field", "department"),
                ({"scope_id": "3"}, "invalid_field", "scope_id"),
                ({"scope": "platform", "scope_id": "999999"}, "invalid_field", "scope_id"),
                ({"scope": "sector", "scope_id": "mining"}, "invalid_field", "scope_id"),
                ({"scope": "district", "scope_id": "999999"}, "invalid_field", "scope_id"),
                ({"window_days": 0}, "invalid_field", "window_days"),
                ({"pending_periods": 31}, "invalid_field", "pending_periods"),
                ({"indicator": "overdue_claims", "scope": "platform"}, "invalid_field", "scope"),
                ({"indicator": "overdue_cases", "mode": "pct_change"}, "invalid_field", "mode"),
                ({"name": ""}, "invalid_field", "name"),
                ({"extra": 1}, "unknown_field", "extra")):
            r = S.request("POST", "/api/v1/alert-rules", token=tok, body=dict(base, **change))
            assert_error(r, 400, code, field=field)
        for missing in ("name", "indicator", "threshold", "department"):
            b = dict(base)
            del b[missing]
            assert_error(S.request("POST", "/api/v1/alert-rules", token=tok, body=b), 400,
                         "missing_field", field=missing)
        assert_error(S.request("POST", "/api/v1/alert-rules", token=tok, raw=b"{", headers={}), 400, "bad_json")
        for login in ("analyst", "supervisor", "mediator", "platform.luda", "worker"):
            r = S.request("POST", "/api/v1/alert-rules", token=S.login(login), body=base)
            assert_error(r, 403, "forbidden")
        for login in ("worker", "platform.luda", "insurer", "mediator"):
            assert_error(S.request("GET", "/api/v1/alert-rules", token=S.login(login)), 403, "forbidden")
        assert_error(S.request("PATCH", "/api/v1/alert-rules/999999", token=tok, body={"level": "red"}),
                     404, "not_found")


class TestAlertLife(unittest.TestCase):
    def test_pending_firing_resolved(self):
        """Each batch is followed by an evaluation of its last date."""
        pid, key = new_platform()
        rule = new_rule(scope_id=str(pid))
        tired_day(key, 30, 2)  # 2/3 over 12 h
        a = alerts_of(rule["id"])
        self.assertEqual(len(a), 1, a)
        self.assertEqual(a[0]["state"], "pending")
        self.assertEqual(a[0]["consecutive"], 1)
        evaluate(30)  # the same date again: not counted twice
        self.assertEqual(alerts_of(rule["id"])[0]["consecutive"], 1)
        evaluate(31)  # an older date: ignored
        self.assertEqual(alerts_of(rule["id"])[0]["state"], "pending")
        tired_day(key, 29, 2)
        a = alerts_of(rule["id"])[0]
        self.assertEqual(a["state"], "firing")
        self.assertAlmostEqual(a["value"], 0.6667, places=4)
        self.assertIn("0.6667", a["message"])
        self.assertEqual(a["platform_id"], pid)
        self.assertEqual(a["level"], "red")
        evaluate(27)  # no data for that day yet: nothing changes
        self.assertEqual(alerts_of(rule["id"])[0]["state"], "firing")
        tired_day(key, 26, 0)
        a = alerts_of(rule["id"])[0]
        self.assertEqual(a["state"], "resolved")
        self.assertIsNotNone(a["resolved_at"])
        self.assertIn("0.6667", a["message"])  # the message keeps the value that fired it
        hist = S.request("GET", "/api/v1/alerts/%d" % a["id"], token=S.login("analyst")).body["history"]
        self.assertEqual([h["kind"] for h in hist], ["opened", "fired", "resolved"])
        self.assertEqual([h["to_state"] for h in hist], ["pending", "firing", "resolved"])
        # dates up to the resolution open nothing new; a later one is a new alert
        evaluate(29)
        self.assertEqual(len(alerts_of(rule["id"])), 1)
        tired_day(key, 24, 3)
        a = alerts_of(rule["id"])
        self.assertEqual([x["state"] for x in a], ["pending", "resolved"])

    def test_pct_change(self):
        pid, key = new_platform()
        rule = new_rule(scope_id=str(pid), indicator="orders", mode="pct_change", window_days=1,
                        threshold=50, pending_periods=1, level="yellow")
        post("work-records", key, WORK_HEAD + "A1,%s,10,300,200,9000,0,0\n" % day(41) +
             "A1,%s,16,300,200,9000,0,0\n" % day(40))
        evaluate(40)  # +60 % > 50 %
        a = alerts_of(rule["id"])[0]
        self.assertEqual(a["state"], "firing")
        self.assertEqual(a["value"], 60)
        self.assertIn("60%", a["message"])

    def test_ack_and_silence(self):
        pid, key = new_platform()
        rule = new_rule(scope_id=str(pid), pending_periods=1)
        tired_day(key, 50, 3)
        evaluate(50)
        a = alerts_of(rule["id"])[0]
        aid = a["id"]
        self.assertFalse(a["acked"])
        r = S.request("POST", "/api/v1/alerts/%d/ack" % aid, token=S.login("analyst"),
                      body={"comment": "已约谈平台"})
        assert_status(r, 200)
        self.assertTrue(r.body["acked"])
        self.assertEqual(r.body["acked_by"], "analyst")
        self.assertEqual(r.body["ack_comment"], "已约谈平台")
        self.assertEqual(r.body["state"], "firing")  # acknowledging does not change the state
        until = (today() + datetime.timedelta(days=7)).isoformat()
        r = S.request("POST", "/api/v1/alerts/%d/silence" % aid, token=S.login("mediator.siming"),
                      body={"until": until, "comment": "整改期"})
        assert_status(r, 200)
        self.assertEqual(r.body["silenced_until"], until)
        self.assertTrue(r.body["silenced"])
        self.assertEqual([h["kind"] for h in r.body["history"]], ["opened", "ack", "silence"])
        ids = [x["id"] for x in S.request("GET", "/api/v1/alerts", token=S.login("analyst"),
                                          query={"silenced": "false", "rule": rule["id"]}).body["items"]]
        self.assertNotIn(aid, ids)
        r = S.request("POST", "/api/v1/alerts/%d/silence" % aid, token=S.login("admin"), body={"until": None})
        assert_status(r, 200)
        self.assertIsNone(r.body["silenced_until"])
        # bad input
        tok = S.login("analyst")
        for body, code, field in (({}, "missing_field", "comment"), ({"comment": ""}, "invalid_field", "comment"),
                                  ({"comment": "\x01"}, "invalid_field", "comment"),
                                  ({"comment": "x" * 600}, "invalid_field", "comment")):
            assert_error(S.request("POST", "/api/v1/alerts/%d/ack" % aid, token=tok, body=body), 400,
                         (code, "invalid_field"), field=field)
        for body, code in (({}, "missing_field"), ({"until": "2020-01-01"}, "invalid_field"),
                           ({"until": "tomorrow"}, "invalid_field")):
            assert_error(S.request("POST", "/api/v1/alerts/%d/silence" % aid, token=tok, body=body), 400,
                         code, field="until")
        # a resolved alert cannot be acknowledged
        tired_day(key, 49, 0)
        evaluate(49)
        r = S.request("POST", "/api/v1/alerts/%d/ack" % aid, token=tok, body={"comment": "late"})
        assert_error(r, 409, "illegal_transition")
        assert_error(S.request("POST", "/api/v1/alerts/999999/ack", token=tok, body={"comment": "x"}),
                     404, "not_found")

    def test_who_sees_alerts(self):
        pid, key = new_platform()
        rule = new_rule(scope_id=str(pid), pending_periods=1)  # notifies the Siming sub-centre
        tired_day(key, 60, 3)
        evaluate(60)
        aid = alerts_of(rule["id"])[0]["id"]
        for login in ("analyst", "supervisor", "admin", "mediator", "mediator.siming"):
            tok = S.login(login)
            assert_status(S.request("GET", "/api/v1/alerts/%d" % aid, token=tok), 200)
            self.assertIn(aid, [a["id"] for a in alerts_of(rule["id"], tok)])
        tok = S.login("mediator.hrss")
        assert_error(S.request("GET", "/api/v1/alerts/%d" % aid, token=tok), 404, "not_found")
        self.assertEqual(alerts_of(rule["id"], tok), [])
        assert_error(S.request("POST", "/api/v1/alerts/%d/ack" % aid, token=tok, body={"comment": "x"}),
                     404, "not_found")
        for login in ("worker", "insurer"):
            assert_error(S.request("GET", "/api/v1/alerts", token=S.login(login)), 403, "forbidden")
        assert_error(S.request("GET", "/api/v1/alerts", token=key), 403, "forbidden")
        assert_error(S.request("POST", "/api/v1/alerts/%d/ack" % aid, token=S.login("supervisor"),
                               body={"comment": "x"}), 403, "forbidden")
        assert_error(S.request("POST", "/api/v1/alerts/evaluate", token=S.login("mediator"), body={}),
                     403, "forbidden")

    def test_list_filters(self):
        tok = S.login("analyst")
        r = S.request("GET", "/api/v1/alerts", token=tok, query={"state": "open", "level": "red", "limit": 3})
        assert_status(r, 200)
        for a in r.body["items"]:
            self.assertIn(a["state"], ("pending", "firing"))
            self.assertEqual(a["level"], "red")
        if r.body["next_cursor"]:
            r2 = S.request("GET", "/api/v1/alerts", token=tok,
                           query={"state": "open", "level": "red", "cursor": r.body["next_cursor"]})
            self.assertTrue(set(a["id"] for a in r2.body["items"]).isdisjoint(a["id"] for a in r.body["items"]))
        r = S.request("GET", "/api/v1/alerts", token=tok, query={"department": "hrss"})
        self.assertTrue(all(a["department"]["code"] == "hrss" for a in r.body["items"]))
        luda = [p["id"] for p in S.request("GET", "/api/v1/platforms", token=tok).body["items"]
                if p["name"] == "五缘外卖"][0]
        r = S.request("GET", "/api/v1/alerts", token=tok, query={"platform": luda})
        self.assertTrue(r.body["items"])
        self.assertTrue(all(a["platform_id"] == luda for a in r.body["items"]))
        for q, field in (({"state": "sleeping"}, "state"), ({"level": "pink"}, "level"),
                         ({"department": "nope"}, "department"), ({"platform": "x"}, "platform"),
                         ({"rule": "-1"}, "rule"), ({"silenced": "maybe"}, "silenced"),
                         ({"limit": "0"}, "limit")):
            assert_error(S.request("GET", "/api/v1/alerts", token=tok, query=q), 400,
                         "invalid_parameter", field=field)
        r = S.request("POST", "/api/v1/alerts/evaluate", token=tok,
                      body={"date": (today() + datetime.timedelta(days=1)).isoformat()})
        assert_error(r, 400, "invalid_field", field="date")


if __name__ == "__main__":
    unittest.main()
