"""Indicators and the dashboard over real HTTP: values checked by hand for a
platform fed known data, the city and district views moving by exactly that
data, weeks as sums of days, the dashboard's overview, trends and breakdowns,
Excel exports, rebuilding days, and who may see what (analysts never see raw
ID numbers; platforms their own platform only)."""

import datetime
import json
import secrets
import unittest
import zipfile
import io

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
    birth = datetime.date(1980, 1, 1) + datetime.timedelta(days=_n[0] % 6000)
    body = "350211%s%03d" % (birth.strftime("%Y%m%d"), 600 + (_n[0] // 6000) % 300)
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
    return S.request("POST", "/api/v1/feeds/" + feed, token=key, raw=text.encode(),
                     headers={"Content-Type": "text/csv", "Idempotency-Key": unique("b")})


def indicators(tok, **q):
    r = S.request("GET", "/api/v1/indicators", token=tok, query=q)
    assert_status(r, 200)
    return r.body


class TestIndicators(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        tok = S.login("admin")
        r = S.request("POST", "/api/v1/platforms", token=tok,
                      body={"name": unique("指标平台"), "credit_code": credit_code(),
                            "sector": "freight"})
        assert_status(r, 201)
        cls.pid = r.body["id"]
        cls.key = S.request("POST", "/api/v1/platforms/%d/keys" % cls.pid, token=tok,
                            body={}).body["key"]
        cls.analyst = S.login("analyst")
        cls.before = indicators(cls.analyst, scope="city", **{"from": day(6), "to": day(5)},
                                names="worker_days,income_fen,orders")
        roster = "platform_worker_id,name,id_number,phone,occupation,status,joined_on,district\n"
        roster += "".join("I%d,工人,%s,,网约货车司机,active,2022-01-01,350213\n" % (i, id_number())
                          for i in range(1, 4))
        assert_status(post("roster", cls.key, roster), 201)
        # day 6: three drivers; day 5: one, in another district for the day
        work = WORK_HEAD + (
            "I1,{d6},20,600,400,30000,1,2000\n"   # 10 h, 30 yuan/h
            "I2,{d6},30,780,500,26000,0,0\n"      # 13 h, 20 yuan/h: fatigue, below minimum
            "I3,{d6},4,120,100,4200,2,1000\n"     # 2 h, 21 yuan/h: not below
            "I1,{d5},10,300,200,9000,0,0\n"       # 5 h, 18 yuan/h
        ).format(d6=day(6), d5=day(5))
        assert_status(post("work-records", cls.key, work), 201)
        at = "%sT09:00:00+08:00" % day(6)
        assert_status(post("deactivations", cls.key,
                           "platform_worker_id,occurred_at,reason,appeal_channel\n"
                           "I3,%s,违规,App\n" % at), 201)

    def test_platform_values_by_hand(self):
        b = indicators(self.analyst, scope="platform", id=self.pid, **{"from": day(6), "to": day(5)})
        self.assertEqual(b["name"][:4], "指标平台")
        d6, d5 = b["series"]
        v = d6["values"]
        self.assertEqual(d6["start"], day(6))
        self.assertEqual(v["active_workers"], 3)
        self.assertEqual(v["worker_days"], 3)
        self.assertEqual(v["orders"], 54)
        self.assertEqual(v["income_fen"], 60200)
        self.assertEqual(v["online_hours"], 25)
        self.assertAlmostEqual(v["fatigue_share"], 1 / 3, places=4)
        self.assertAlmostEqual(v["below_min_wage_share"], 1 / 3, places=4)
        self.assertEqual(v["hourly_income_mean_fen"], 2408)       # 60200 fen / 25 h
        self.assertEqual(v["hourly_income_median_fen"], 2125)     # 21 yuan/h's bucket [2100, 2150)
        self.assertAlmostEqual(v["penalties_per_100_orders"], 300 / 54, places=4)
        self.assertEqual(v["penalties_per_worker"], 1)
        self.assertAlmostEqual(v["deactivations_per_1000_workers"], 1000 / 3, places=3)
        self.assertEqual(v["deactivation_appeal_channel_share"], 1)
        self.assertIsNone(v["penalty_appeal_share"])               # no penalty events
        self.assertEqual(d5["values"]["worker_days"], 1)
        self.assertEqual(d5["values"]["below_min_wage_share"], 1)
        # a week holding both days: sums of the days; active workers a mean per day
        w = indicators(self.analyst, scope="platform", id=self.pid, period="week",
                       **{"from": day(6), "to": day(5)})
        total = {}
        for s in w["series"]:
            total["worker_days"] = total.get("worker_days", 0) + s["values"]["worker_days"]
            self.assertLessEqual(s["days"], 2)
        self.assertEqual(total["worker_days"], 4)
        if len(w["series"]) == 1:
            self.assertEqual(w["series"][0]["values"]["active_workers"], 2)
            self.assertEqual(w["series"][0]["values"]["income_fen"], 69200)

    def test_city_and_district_move_by_exactly_the_batch(self):
        after = indicators(self.analyst, scope="city", names="worker_days,income_fen,orders",
                           **{"from": day(6), "to": day(5)})
        for b, a, added in zip(self.before["series"], after["series"], ((3, 60200, 54), (1, 9000, 10))):
            self.assertEqual(a["values"]["worker_days"] - (b["values"]["worker_days"] or 0), added[0])
            self.assertEqual(a["values"]["income_fen"] - (b["values"]["income_fen"] or 0), added[1])
            self.assertEqual(a["values"]["orders"] - (b["values"]["orders"] or 0), added[2])
        s = indicators(self.analyst, scope="sector", id="freight", names="worker_days",
                       **{"from": day(6), "to": day(6)})
        self.assertGreaterEqual(s["series"][0]["values"]["worker_days"], 3)
        d = indicators(self.analyst, scope="district", id="350213", names="worker_days",
                       **{"from": day(6), "to": day(6)})
        self.assertGreaterEqual(d["series"][0]["values"]["worker_days"], 3)

    def test_names_and_catalogue(self):
        b = indicators(self.analyst, names="fatigue_share,orders", **{"from": day(3), "to": day(1)})
        self.assertEqual(sorted(b["series"][0]["values"]), ["fatigue_share", "orders"])
        self.assertEqual({i["name"] for i in b["indicators"]}, {"fatigue_share", "orders"})
        self.assertEqual(len(b["series"]), 3)
        full = indicators(self.analyst)
        self.assertEqual(len(full["series"]), 30)
        self.assertGreaterEqual(len(full["indicators"]), 20)

    def test_bad_parameters(self):
        tok = self.analyst
        for q, field in (({"scope": "galaxy"}, "scope"),
                         ({"scope": "platform"}, "id"),
                         ({"scope": "city", "id": "3"}, "id"),
                         ({"period": "month"}, "period"),
                         ({"names": "nope"}, "names"),
                         ({"names": ",,"}, "names"),
                         ({"from": "2026-13-01"}, "from"),
                         ({"to": "yesterday"}, "to"),
                         ({"from": day(1), "to": day(3)}, "from"),
                         ({"from": "2020-01-01", "to": day(0)}, "from"),
                         ({"format": "csv"}, "format")):
            r = S.request("GET", "/api/v1/indicators", token=tok, query=q)
            assert_error(r, 400, "invalid_parameter", field=field)
        for q in ({"scope": "platform", "id": "999999"}, {"scope": "platform", "id": "x"},
                  {"scope": "sector", "id": "mining"}, {"scope": "district", "id": "110101"}):
            assert_error(S.request("GET", "/api/v1/indicators", token=tok, query=q), 404, "not_found")

    def test_who_sees_indicators(self):
        for login in ("analyst", "supervisor", "admin", "mediator"):
            assert_status(S.request("GET", "/api/v1/indicators", token=S.login(login)), 200)
        for login in ("worker", "insurer"):
            assert_error(S.request("GET", "/api/v1/indicators", token=S.login(login)), 403, "forbidden")
        assert_error(S.request("GET", "/api/v1/indicators"), 401, "unauthenticated")
        # a platform sees its own platform, nothing wider, no other platform
        r = S.request("GET", "/api/v1/indicators", token=self.key,
                      query={"scope": "platform", "id": self.pid})
        assert_status(r, 200)
        assert_error(S.request("GET", "/api/v1/indicators", token=self.key), 403, "forbidden")
        other = S.request("GET", "/api/v1/platforms", token=self.analyst).body["items"][0]["id"]
        r = S.request("GET", "/api/v1/indicators", token=self.key, query={"scope": "platform", "id": other})
        assert_error(r, 404, "not_found")

    def test_excel_exports(self):
        for path, q in (("/api/v1/indicators", {"period": "week"}),
                        ("/api/v1/dashboard/overview", {}),
                        ("/api/v1/dashboard/trends", {"indicator": "orders"}),
                        ("/api/v1/dashboard/breakdown", {"by": "platform", "indicator": "orders"}),
                        ("/api/v1/alerts", {}), ("/api/v1/alert-rules", {}),
                        ("/api/v1/platforms", {}), ("/api/v1/dictionary/sector", {})):
            q = dict(q, format="xlsx")
            r = S.request("GET", path, token=S.login("admin"), query=q)
            assert_status(r, 200)
            self.assertTrue(r.header("Content-Type").startswith(
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), path)
            self.assertIn("attachment", r.header("Content-Disposition"))
            z = zipfile.ZipFile(io.BytesIO(r.raw))
            sheet = z.read("xl/worksheets/sheet1.xml")
            self.assertIn(b"<row", sheet, path)

    def test_refresh(self):
        tok = S.login("admin")
        r = S.request("POST", "/api/v1/indicators/refresh", token=tok, body={"from": day(6), "to": day(5)})
        assert_status(r, 200)
        self.assertEqual(r.body["days"], 2)
        self.assertGreaterEqual(r.body["records"], 4)
        # the rebuilt figures are the incremental ones
        b = indicators(self.analyst, scope="platform", id=self.pid, **{"from": day(6), "to": day(6)})
        self.assertEqual(b["series"][0]["values"]["income_fen"], 60200)
        self.assertAlmostEqual(b["series"][0]["values"]["deactivations_per_1000_workers"], 1000 / 3,
                               places=3)
        for body in ({"from": day(5), "to": day(6)}, {"from": "2019-01-01", "to": day(0)},
                     {"to": (today() + datetime.timedelta(days=2)).isoformat()}):
            assert_error(S.request("POST", "/api/v1/indicators/refresh", token=tok, body=body), 400,
                         "invalid_field")
        assert_error(S.request("POST", "/api/v1/indicators/refresh", token=tok, body={"from": "x"}),
                     400, "invalid_field", field="from")
        assert_error(S.request("POST", "/api/v1/indicators/refresh", token=self.analyst, body={}),
                     403, "forbidden")


class TestDashboard(unittest.TestCase):
    def test_overview(self):
        tok = S.login("analyst")
        r = S.request("GET", "/api/v1/dashboard/overview", token=tok)
        assert_status(r, 200)
        # The demo's data ends the day before it was seeded (see test_breakdown).
        demo_last = (S.demo_today - datetime.timedelta(days=1)).isoformat()
        r = S.request("GET", "/api/v1/dashboard/overview", token=tok, query={"date": demo_last})
        assert_status(r, 200)
        b = r.body
        self.assertEqual(b["date"], demo_last)
        for k in ("date", "day", "week", "alerts", "cases", "claims", "platforms", "indicators"):
            self.assertIn(k, b)
        self.assertGreater(b["day"]["values"]["active_workers"], 0)
        self.assertIn("fatigue_share", b["week"]["change_pct"])
        self.assertGreaterEqual(b["platforms"], 9)
        self.assertEqual(set(b["alerts"]["by_level"]), {"red", "orange", "yellow", "blue"})
        self.assertGreaterEqual(b["alerts"]["firing"], 1)
        self.assertNotIn("id_number", json.dumps(b))
        r = S.request("GET", "/api/v1/dashboard/overview", token=tok, query={"date": day(20)})
        self.assertEqual(r.body["date"], day(20))
        assert_error(S.request("GET", "/api/v1/dashboard/overview", token=tok, query={"date": "nope"}),
                     400, "invalid_parameter", field="date")
        for login in ("worker", "platform.luda", "mediator", "insurer"):
            assert_error(S.request("GET", "/api/v1/dashboard/overview", token=S.login(login)), 403,
                         "forbidden")

    def test_trends(self):
        tok = S.login("analyst")
        r = S.request("GET", "/api/v1/dashboard/trends", token=tok,
                      query={"indicator": "fatigue_share", "scope": "sector", "id": "ride_hailing"})
        assert_status(r, 200)
        self.assertEqual(len(r.body["points"]), 90)
        pts = [p for p in r.body["points"] if p["value"] is not None]
        self.assertGreater(len(pts), 60)
        # the ride-hailing sector works too long in the demo
        self.assertGreater(sum(p["window_7d"] for p in pts) / len(pts), 0.15)
        for q in ({}, {"indicator": "x"}, {"indicator": "orders", "scope": "x"}):
            assert_error(S.request("GET", "/api/v1/dashboard/trends", token=tok, query=q), 400,
                         "invalid_parameter")

    def test_breakdown(self):
        tok = S.login("analyst")
        r = S.request("GET", "/api/v1/dashboard/breakdown", token=tok,
                      query={"by": "platform", "indicator": "below_min_wage_share"})
        assert_status(r, 200)
        rows = r.body["rows"]
        self.assertGreaterEqual(len(rows), 9)
        defined = [x["value"] for x in rows if x["value"] is not None]
        self.assertEqual(defined, sorted(defined, reverse=True))
        self.assertEqual(rows[0]["name"], "五缘外卖")  # the demo's low payer
        # The demo's last day of work records is the day before it was seeded,
        # not "yesterday": the run's seeded template may be from before
        # midnight in Shanghai.
        demo_last = (S.demo_today - datetime.timedelta(days=1)).isoformat()
        r = S.request("GET", "/api/v1/dashboard/breakdown", token=tok,
                      query={"by": "district", "indicator": "active_workers", "date": demo_last})
        assert_status(r, 200)
        self.assertEqual(r.body["from"], demo_last)
        self.assertTrue(any(x["name"] == "思明区" for x in r.body["rows"]))
        r = S.request("GET", "/api/v1/dashboard/breakdown", token=tok,
                      query={"by": "sector", "indicator": "fatigue_share"})
        self.assertEqual(r.body["rows"][0]["key"], "ride_hailing")
        for q in ({"by": "city", "indicator": "orders"}, {"by": "platform"},
                  {"by": "platform", "indicator": "orders", "date": "2026-02-30"}):
            assert_error(S.request("GET", "/api/v1/dashboard/breakdown", token=tok, query=q), 400,
                         "invalid_parameter")


if __name__ == "__main__":
    unittest.main()
