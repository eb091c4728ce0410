"""Platforms (registration with a checked credit code, details, archive),
the data dictionary (districts, the occupation catalogue and every code
list; administrators edit), workers' certificates and trainings, and
Fairwork-style scorecards from data and evidence — with bad input and every
role's view."""

import datetime
import secrets
import unittest

from egret_client import Server, assert_error, assert_status, unique

S = None
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
CC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def today():
    return datetime.datetime.now(SHANGHAI).date()


def day(n):
    return (today() - datetime.timedelta(days=n)).isoformat()


def credit_code():
    body = "91350200MA" + "".join(secrets.choice(CC_CHARS[:30]) for _ in range(7))
    s = sum(CC_CHARS.index(c) * w for c, w in zip(body, CC_WEIGHTS))
    return body + CC_CHARS[(31 - s % 31) % 31]


def setUpModule():
    global S
    S = Server(seed=True)
    S.start()


def tearDownModule():
    if S is not None:
        S.stop()


def platform_id(name):
    r = S.request("GET", "/api/v1/platforms", token=S.login("admin"), query={"limit": 200})
    return [p["id"] for p in r.body["items"] if p["name"] == name][0]


class TestPlatforms(unittest.TestCase):
    def test_register_and_change(self):
        tok = S.login("admin")
        code = credit_code()
        body = {"name": unique("岛风"), "credit_code": code.lower(), "sector": "courier",
                "code": unique("p").lower()[:20], "contact_name": "王经理",
                "contact_phone": "0592-1234567", "contact_email": "ops@example.cn",
                "address": "厦门市湖里区", "appeal_channel": "客服热线"}
        r = S.request("POST", "/api/v1/platforms", token=tok, body=body)
        assert_status(r, 201)
        p = r.body
        self.assertEqual(p["credit_code"], code)  # normalised to upper case
        self.assertEqual(p["sector"], "courier")
        self.assertEqual(p["keys"], [])
        self.assertEqual(p["active_workers"], 0)
        again = S.request("POST", "/api/v1/platforms", token=tok, body=dict(body, code=None))
        assert_error(again, 409, "duplicate", field="credit_code")
        r = S.request("PATCH", "/api/v1/platforms/%d" % p["id"], token=tok,
                      body={"appeal_channel": "App 申诉", "sector": "food_delivery"})
        assert_status(r, 200)
        self.assertEqual((r.body["appeal_channel"], r.body["sector"]), ("App 申诉", "food_delivery"))
        r = S.request("PATCH", "/api/v1/platforms/%d" % p["id"], token=tok, body={"archived": True})
        self.assertTrue(r.body["archived"])
        r = S.request("GET", "/api/v1/platforms", token=tok, query={"archived": "true"})
        self.assertIn(p["id"], [x["id"] for x in r.body["items"]])
        r = S.request("GET", "/api/v1/platforms", token=tok, query={"sector": "ride_hailing"})
        self.assertEqual([x["name"] for x in r.body["items"]], ["白鹭出行"])
        # an archived platform's key issues nothing new
        assert_error(S.request("POST", "/api/v1/platforms/%d/keys" % p["id"], token=tok, body={}),
                     404, "not_found")

    def test_bad_registrations(self):
        tok = S.login("admin")
        base = {"name": "x", "credit_code": credit_code(), "sector": "courier"}
        for change, code, field in (
                ({"credit_code": "91350100M000100Y44"}, "invalid_field", "credit_code"),
                ({"credit_code": "123"}, "invalid_field", "credit_code"),
                ({"sector": "mining"}, "invalid_field", "sector"),
                ({"code": "Bad Code"}, "invalid_field", "code"),
                ({"contact_email": "nope"}, "invalid_field", "contact_email"),
                ({"contact_phone": "call me"}, "invalid_field", "contact_phone"),
                ({"name": "a\u0001b"}, "invalid_field", "name"),
                ({"name": "x" * 300}, "invalid_field", "name"),
                ({"kind": "platform"}, "unknown_field", "kind"),
                ({"name": 5}, "invalid_field", "name")):
            r = S.request("POST", "/api/v1/platforms", token=tok, body=dict(base, **change))
            assert_error(r, 400, code, field=field)
        r = S.request("POST", "/api/v1/platforms", token=tok, body={"name": "x"})
        assert_error(r, 400, "missing_field")
        r = S.request("POST", "/api/v1/platforms", token=tok, raw="[1]")
        assert_error(r, 400, "not_an_object")
        r = S.request("POST", "/api/v1/platforms", token=tok,
                      body=dict(base, name="x" * 100000))
        assert_error(r, 413, "body_too_large")
        for login in ("analyst", "supervisor", "platform.luda", "worker", "mediator"):
            r = S.request("POST", "/api/v1/platforms", token=S.login(login), body=base)
            assert_error(r, 403, "forbidden")
        assert_error(S.request("PATCH", "/api/v1/platforms/999999", token=tok, body={"name": "y"}),
                     404, "not_found")
        assert_error(S.request("GET", "/api/v1/platforms/abc", token=tok), 404, "not_found")
        self.assertEqual(S.request("DELETE", "/api/v1/platforms/1", token=tok).status, 405)

    def test_roles_view(self):
        luda = platform_id("鹭达外卖")
        for login in ("admin", "supervisor", "analyst", "mediator", "insurer"):
            r = S.request("GET", "/api/v1/platforms/%d" % luda, token=S.login(login))
            assert_status(r, 200)
            if login in ("admin", "supervisor"):
                self.assertIn("keys", r.body)
            else:
                self.assertNotIn("keys", r.body)
        assert_error(S.request("GET", "/api/v1/platforms", token=S.login("worker")), 403, "forbidden")
        own = S.request("GET", "/api/v1/platforms/%d" % luda, token=S.login("platform.luda"))
        assert_status(own, 200)
        other = platform_id("白鹭出行")
        assert_error(S.request("GET", "/api/v1/platforms/%d" % other, token=S.login("platform.luda")),
                     404, "not_found")
        r = S.request("GET", "/api/v1/platforms/%d/workers" % luda, token=S.login("platform.luda"),
                      query={"limit": 5})
        assert_status(r, 200)
        self.assertEqual(len(r.body["items"]), 5)
        self.assertIsNotNone(r.body["next_cursor"])
        assert_error(S.request("GET", "/api/v1/platforms/%d/workers" % luda, token=S.login("worker")),
                     403, "forbidden")
        assert_error(S.request("GET", "/api/v1/platforms/%d/workers" % luda, token=S.login("admin"),
                               query={"status": "x"}), 400, "invalid_parameter", field="status")


class TestDictionary(unittest.TestCase):
    def test_lists(self):
        tok = S.login("platform.luda")
        r = S.request("GET", "/api/v1/dictionary", token=tok)
        assert_status(r, 200)
        lists = {x["list"]: x for x in r.body["items"]}
        for name in ("sector", "occupation", "district", "amenity", "place_type", "alert_level",
                     "indicator", "roster_status", "certificate_kind", "training_kind"):
            self.assertIn(name, lists)
        self.assertGreaterEqual(lists["district"]["count"], 6)
        r = S.request("GET", "/api/v1/dictionary/district", token=tok)
        codes = {x["code"]: x for x in r.body["items"]}
        self.assertTrue({"350203", "350205", "350206", "350211", "350212", "350213"} <= set(codes))
        self.assertEqual(codes["350206"]["label"], "湖里区")
        self.assertTrue(24.4 < codes["350212"]["lat"] < 24.8)
        r = S.request("GET", "/api/v1/dictionary/occupation", token=tok)
        occ = {x["code"]: x for x in r.body["items"]}
        self.assertIn("外卖骑手", occ["online_delivery"]["aliases"])
        self.assertEqual(occ["online_delivery"]["label"], "网约配送员")
        for code in ("courier", "ride_hailing_driver", "internet_marketer", "freight_driver"):
            self.assertIn(code, occ)
        r = S.request("GET", "/api/v1/dictionary/indicator", token=tok)
        self.assertIn("fatigue_share", [x["code"] for x in r.body["items"]])
        assert_error(S.request("GET", "/api/v1/dictionary/nope", token=tok), 404, "not_found")
        assert_error(S.request("GET", "/api/v1/dictionary"), 401, "unauthenticated")

    def test_admin_edits(self):
        tok = S.login("admin")
        code = unique("s").lower()[:20]
        r = S.request("PUT", "/api/v1/dictionary/sector", token=tok,
                      body={"items": [{"code": code, "label": "共享单车运维", "label_en": "Bike ops", "sort": 9}]})
        assert_status(r, 200)
        self.assertIn(code, [x["code"] for x in r.body["items"]])
        # a new sector is usable at once
        r = S.request("POST", "/api/v1/platforms", token=tok,
                      body={"name": unique("单车"), "credit_code": credit_code(), "sector": code})
        assert_status(r, 201)
        # retire it
        r = S.request("PUT", "/api/v1/dictionary/sector", token=tok,
                      body={"items": [{"code": code, "label": "共享单车运维", "active": False}]})
        self.assertFalse([x for x in r.body["items"] if x["code"] == code][0]["active"])
        # fixed lists: labels only
        r = S.request("PUT", "/api/v1/dictionary/alert_level", token=tok,
                      body={"items": [{"code": "red", "label": "红色预警"}]})
        assert_status(r, 200)
        r = S.request("PUT", "/api/v1/dictionary/alert_level", token=tok,
                      body={"items": [{"code": "black", "label": "黑色"}]})
        assert_error(r, 400, "invalid_field", field="items[0].code")
        assert_error(S.request("PUT", "/api/v1/dictionary/indicator", token=tok,
                               body={"items": [{"code": "x", "label": "x"}]}), 409, "conflict")
        # districts with coordinates, occupations with aliases
        r = S.request("PUT", "/api/v1/dictionary/district", token=tok,
                      body={"items": [{"code": "350299", "label": "测试区", "lat": 24.5, "lng": 118.1}]})
        assert_status(r, 200)
        r = S.request("PUT", "/api/v1/dictionary/occupation", token=tok,
                      body={"items": [{"code": "bike_ops", "label": "共享单车运维员",
                                       "category": "instant_delivery", "aliases": ["单车运维"]}]})
        assert_status(r, 200)
        for body, code, field in (
                ({"items": [{"code": "350299", "label": "x", "lat": 95, "lng": 1}]}, "invalid_field", "items[0].lat"),
                ({"items": [{"code": "12", "label": "x", "lat": 1, "lng": 1}]}, "invalid_field", "items[0].code"),
                ({"items": [{"code": "350298", "label": "x", "lat": 1}]}, "invalid_field", "items[0].lng")):
            assert_error(S.request("PUT", "/api/v1/dictionary/district", token=tok, body=body), 400, code,
                         field=field)
        for body, code, field in (
                ({"items": [{"code": "Bad", "label": "x"}]}, "invalid_field", "items[0].code"),
                ({"items": [{"code": "ok", "label": ""}]}, "invalid_field", "items[0].label"),
                ({"items": [{"code": "ok", "label": "x", "lat": 1}]}, "unknown_field", "items[0].lat"),
                ({"items": [{"code": "ok"}]}, "missing_field", "items[0].label"),
                ({"items": "x"}, "invalid_field", "items"),
                ({}, "missing_field", "items")):
            assert_error(S.request("PUT", "/api/v1/dictionary/amenity", token=tok, body=body), 400, code,
                         field=field)
        for login in ("analyst", "supervisor", "platform.luda"):
            r = S.request("PUT", "/api/v1/dictionary/sector", token=S.login(login),
                          body={"items": [{"code": "x", "label": "x"}]})
            assert_error(r, 403, "forbidden")


class TestQualifications(unittest.TestCase):
    def worker_person(self):
        me = S.request("GET", "/api/v1/me", token=S.login("worker"))
        return me.body["person_id"]

    def test_certificates_and_trainings(self):
        pid = self.worker_person()
        # the demo worker 张伟 rides for 鹭达外卖: its account may record for him
        r = S.request("POST", "/api/v1/workers/%d/certificates" % pid, token=S.login("platform.luda"),
                      body={"kind": "skill_level", "name": "网约配送员 四级", "level": 4,
                            "number": "XM2026-0001", "issuer": "厦门市人社局",
                            "issued_on": day(100)})
        assert_status(r, 201)
        self.assertEqual(r.body["level"], 4)
        r = S.request("POST", "/api/v1/workers/%d/trainings" % pid, token=S.login("mediator"),
                      body={"kind": "traffic_safety", "title": "电动自行车安全骑行", "hours": 4,
                            "provider": "市交警支队", "completed_on": day(10)})
        assert_status(r, 201)
        # the worker sees his own; staff see them; another platform does not
        for login in ("worker", "admin", "analyst", "supervisor", "platform.luda"):
            r = S.request("GET", "/api/v1/workers/%d/certificates" % pid, token=S.login(login))
            assert_status(r, 200)
            self.assertTrue(r.body["items"])
            r = S.request("GET", "/api/v1/workers/%d/trainings" % pid, token=S.login(login))
            self.assertTrue(r.body["items"])
        for login in ("worker2", "platform.bailu"):
            assert_error(S.request("GET", "/api/v1/workers/%d/certificates" % pid, token=S.login(login)),
                         404, "not_found")
        r = S.request("POST", "/api/v1/workers/%d/trainings" % pid, token=S.login("platform.bailu"),
                      body={"kind": "skills", "title": "x", "hours": 1, "completed_on": day(1)})
        assert_error(r, 404, "not_found")
        for login in ("worker", "analyst", "supervisor"):
            r = S.request("POST", "/api/v1/workers/%d/trainings" % pid, token=S.login(login),
                          body={"kind": "skills", "title": "x", "hours": 1, "completed_on": day(1)})
            assert_error(r, 403, "forbidden")

    def test_bad_input(self):
        pid = self.worker_person()
        tok = S.login("admin")
        url = "/api/v1/workers/%d/certificates" % pid
        base = {"kind": "safety", "name": "安全培训合格证", "issued_on": day(3)}
        for change, code, field in (
                ({"kind": "magic"}, "invalid_field", "kind"),
                ({"issued_on": (today() + datetime.timedelta(days=3)).isoformat()}, "invalid_field", "issued_on"),
                ({"issued_on": "2026-02-30"}, "invalid_field", "issued_on"),
                ({"expires_on": day(10)}, "invalid_field", "expires_on"),
                ({"level": 9}, "invalid_field", "level"),
                ({"name": "a\u0007"}, "invalid_field", "name"),
                ({"colour": "red"}, "unknown_field", "colour")):
            assert_error(S.request("POST", url, token=tok, body=dict(base, **change)), 400, code, field=field)
        r = S.request("POST", "/api/v1/workers/%d/trainings" % pid, token=tok,
                      body={"kind": "skills", "title": "x", "hours": 0, "completed_on": day(1)})
        assert_error(r, 400, "invalid_field", field="hours")
        assert_error(S.request("GET", "/api/v1/workers/999999/certificates", token=tok), 404, "not_found")
        assert_error(S.request("POST", "/api/v1/workers/999999/certificates", token=tok, body=base),
                     404, "not_found")


class TestScorecards(unittest.TestCase):
    def test_compute_and_history(self):
        tok = S.login("analyst")
        wy = platform_id("五缘外卖")
        r = S.request("POST", "/api/v1/platforms/%d/scorecards" % wy, token=tok,
                      body={"from": day(30), "to": day(1)})
        assert_status(r, 201)
        sc = r.body
        points = {(p["principle"], p["point"]): p for p in sc["points"]}
        self.assertEqual(len(points), 10)
        # the demo's low payer fails pay on data
        self.assertFalse(points[("pay", "basic")]["met"])
        self.assertEqual(points[("pay", "basic")]["basis"], "data")
        self.assertEqual(sc["score"], sum(p["met"] for p in sc["points"]))
        # evidence decides contracts
        r = S.request("POST", "/api/v1/platforms/%d/scorecard/evidence" % wy, token=tok,
                      body={"principle": "contracts", "point": "basic", "met": True,
                            "note": "协议文本已公示", "source": "检查记录 2026-01", "effective_on": day(60)})
        assert_status(r, 201)
        r = S.request("POST", "/api/v1/platforms/%d/scorecards" % wy, token=tok,
                      body={"from": day(30), "to": day(1)})
        points = {(p["principle"], p["point"]): p for p in r.body["points"]}
        self.assertTrue(points[("contracts", "basic")]["met"])
        self.assertEqual(points[("contracts", "basic")]["basis"], "evidence")
        self.assertEqual(r.body["score"], sc["score"] + 1)
        hist = S.request("GET", "/api/v1/platforms/%d/scorecards" % wy, token=S.login("platform.wuyuan"))
        assert_status(hist, 200)
        self.assertEqual(hist.body["items"][0]["score"], r.body["score"])
        ev = S.request("GET", "/api/v1/platforms/%d/scorecard/evidence" % wy, token=tok)
        self.assertEqual(ev.body["items"][0]["note"], "协议文本已公示")
        # the platform that names no appeal channel fails management on data
        hf = platform_id("海风跑腿")
        r = S.request("POST", "/api/v1/platforms/%d/scorecards" % hf, token=tok, body={})
        points = {(p["principle"], p["point"]): p for p in r.body["points"]}
        self.assertFalse(points[("management", "basic")]["met"])

    def test_scorecard_bad_input_and_roles(self):
        tok = S.login("analyst")
        wy = platform_id("五缘外卖")
        url = "/api/v1/platforms/%d/scorecard/evidence" % wy
        base = {"principle": "pay", "point": "basic", "met": True, "note": "x"}
        for change, code, field in (({"principle": "luck"}, "invalid_field", "principle"),
                                    ({"point": "gold"}, "invalid_field", "point"),
                                    ({"met": "yes"}, "invalid_field", "met"),
                                    ({"note": ""}, "invalid_field", "note"),
                                    ({"expires_on": "2000-01-01"}, "invalid_field", "expires_on")):
            assert_error(S.request("POST", url, token=tok, body=dict(base, **change)), 400, code, field=field)
        for login in ("worker", "platform.wuyuan", "mediator", "supervisor"):
            assert_error(S.request("POST", url, token=S.login(login), body=base), 403, "forbidden")
        assert_error(S.request("POST", "/api/v1/platforms/999999/scorecards", token=tok, body={}), 404, "not_found")
        assert_error(S.request("POST", "/api/v1/platforms/%d/scorecards" % wy, token=tok,
                               body={"from": day(1), "to": day(5)}), 400, "invalid_field")
        # another platform's scorecards are not found
        assert_error(S.request("GET", "/api/v1/platforms/%d/scorecards" % wy, token=S.login("platform.luda")),
                     404, "not_found")
        assert_error(S.request("GET", "/api/v1/platforms/%d/scorecards" % wy, token=S.login("worker")),
                     403, "forbidden")

    def test_demo_history(self):
        """The demo computed scorecards for last month and the last 30 days."""
        tok = S.login("supervisor")
        bl = platform_id("白鹭出行")
        r = S.request("GET", "/api/v1/platforms/%d/scorecards" % bl, token=tok)
        assert_status(r, 200)
        self.assertGreaterEqual(len(r.body["items"]), 2)
        last = r.body["items"][0]
        points = {(p["principle"], p["point"]): p for p in last["points"]}
        self.assertFalse(points[("conditions", "basic")]["met"])  # long hours
        x = S.request("GET", "/api/v1/platforms/%d/scorecards" % bl, token=tok, query={"format": "xlsx"})
        assert_status(x, 200)
        self.assertTrue(x.raw.startswith(b"PK"))


if __name__ == "__main__":
    unittest.main()
