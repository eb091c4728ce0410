"""Places over real HTTP: the nearest search (public, filters, distances in
order, bad coordinates), lists and one place, administrators adding,
changing and archiving places (never deleting them), workers checking in
(counted once per half hour), usage figures and Excel exports, and every
role's view."""

import datetime
import math
import unittest

from egret_client import Server, assert_error, assert_status, unique

S = None


def setUpModule():
    global S
    S = Server(seed=True)
    S.start()


def tearDownModule():
    if S is not None:
        S.stop()


def haversine(lat1, lng1, lat2, lng2):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371008.8 * math.asin(math.sqrt(min(1.0, h)))


def nearest(**q):
    r = S.request("GET", "/api/v1/places/nearest", query=q)
    assert_status(r, 200)
    return r.body["items"]


def all_places(**q):
    out, cursor = [], None
    while True:
        qq = dict(q, limit=200)
        if cursor:
            qq["cursor"] = cursor
        r = S.request("GET", "/api/v1/places", query=qq)
        assert_status(r, 200)
        out += r.body["items"]
        cursor = r.body["next_cursor"]
        if not cursor:
            return out


class TestDemoPlaces(unittest.TestCase):
    def test_checkin_counts_are_the_checkin_records(self):
        records = {int(pid): int(n) for pid, n in
                   S.sql("SELECT place_id, COUNT(*) FROM place_checkins GROUP BY place_id")}
        self.assertGreater(sum(records.values()), 0, "the demo has check-ins")
        places = all_places()
        self.assertTrue(places)
        for p in places:
            self.assertEqual(p["checkins"], records.get(p["id"], 0), p["name"])
        # one place, and its usage over the last year, say the same
        busiest = max(records, key=records.get)
        one = S.request("GET", "/api/v1/places/%d" % busiest)
        assert_status(one, 200)
        self.assertEqual(one.body["checkins"], records[busiest])
        shanghai = datetime.timezone(datetime.timedelta(hours=8))
        since = (datetime.datetime.now(shanghai).date() - datetime.timedelta(days=360)).isoformat()
        usage = S.request("GET", "/api/v1/places/%d/checkins" % busiest, token=S.login("analyst"),
                          query={"from": since})
        assert_status(usage, 200)
        self.assertEqual(usage.body["checkins"], records[busiest])

    def test_counts_and_coordinates(self):
        places = all_places()
        by_type = {}
        for p in places:
            by_type[p["type"]] = by_type.get(p["type"], 0) + 1
            self.assertTrue(24.4 <= p["lat"] <= 24.75 and 117.9 <= p["lng"] <= 118.35, p)
            self.assertEqual(p["lat_e6"], round(p["lat"] * 1e6))
            self.assertIn(p["district"], ("350203", "350205", "350206", "350211", "350212", "350213"))
        self.assertGreaterEqual(by_type["rest_station"], 100)
        self.assertGreaterEqual(by_type["rights_service_point"], 40)
        self.assertGreaterEqual(by_type["insurance_point"], 40)
        for t in ("love_meal", "water", "charging", "toilet"):
            self.assertGreater(by_type.get(t, 0), 0)


class TestNearest(unittest.TestCase):
    def test_matches_brute_force(self):
        places = all_places()
        for lat, lng, t, amen in ((24.48, 118.12, None, None), (24.60, 118.25, "rest_station", None),
                                  (24.70, 118.15, "insurance_point", None), (24.5, 118.0, None, "water"),
                                  (39.9, 116.4, "toilet", None), (-33.9, 151.2, None, None)):
            q = {"lat": lat, "lng": lng, "limit": 7}
            if t:
                q["type"] = t
            if amen:
                q["amenity"] = amen
            got = nearest(**q)
            cand = [p for p in places if (not t or p["type"] == t) and (not amen or amen in p["amenities"])]
            cand.sort(key=lambda p: (haversine(lat, lng, p["lat_e6"] / 1e6, p["lng_e6"] / 1e6), p["id"]))
            self.assertEqual([p["id"] for p in got], [p["id"] for p in cand[:7]], (lat, lng, t, amen))
            dists = [p["distance_m"] for p in got]
            self.assertEqual(dists, sorted(dists))
            for p in got:
                self.assertAlmostEqual(p["distance_m"], haversine(lat, lng, p["lat"], p["lng"]), delta=2)

    def test_signed_in_or_not(self):
        a = nearest(lat=24.5, lng=118.1, limit=3)
        r = S.request("GET", "/api/v1/places/nearest", token=S.login("worker"),
                      query={"lat": 24.5, "lng": 118.1, "limit": 3})
        assert_status(r, 200)
        self.assertEqual(a, r.body["items"])
        r = S.request("GET", "/api/v1/places/nearest", token="garbage",
                      query={"lat": 24.5, "lng": 118.1})
        assert_status(r, 200)

    def test_bad_input(self):
        for q, field in (({"lng": 118}, "lat"), ({"lat": 24}, "lng"), ({"lat": 91, "lng": 0}, "lat"),
                         ({"lat": 0, "lng": 181}, "lng"), ({"lat": "x", "lng": 0}, "lat"),
                         ({"lat": "nan", "lng": 0}, "lat"), ({"lat": "1e400", "lng": 0}, "lat"),
                         ({"lat": 0, "lng": 0, "type": "bar"}, "type"),
                         ({"lat": 0, "lng": 0, "amenity": "sauna"}, "amenity"),
                         ({"lat": 0, "lng": 0, "limit": 0}, "limit"),
                         ({"lat": 0, "lng": 0, "limit": 51}, "limit"),
                         ({"lat": "24.5;DROP", "lng": 0}, "lat")):
            r = S.request("GET", "/api/v1/places/nearest", query=q)
            assert_error(r, 400, "invalid_parameter", field=field)
        self.assertEqual(S.request("POST", "/api/v1/places/nearest", body={}).status, 405)


class TestAdmin(unittest.TestCase):
    def new_place(self, **kw):
        body = {"type": "rest_station", "name": unique("爱心驿站"), "district": "350206",
                "address": "厦门市湖里区枋湖路1号", "lat": 24.5123456, "lng": 118.1654321,
                "phone": "0592-5551234", "hours": "08:00-22:00",
                "amenities": ["water", "charging", "water"]}
        body.update(kw)
        r = S.request("POST", "/api/v1/places", token=S.login("admin"), body=body)
        assert_status(r, 201)
        return r.body

    def test_create_change_archive(self):
        p = self.new_place()
        self.assertEqual(p["lat_e6"], 24512346)
        self.assertEqual(p["lng_e6"], 118165432)
        self.assertEqual(p["amenities"], ["water", "charging"])
        got = nearest(lat=24.5123456, lng=118.1654321, limit=1)
        self.assertEqual(got[0]["id"], p["id"])
        self.assertEqual(got[0]["distance_m"], 0)
        tok = S.login("admin")
        r = S.request("PATCH", "/api/v1/places/%d" % p["id"], token=tok,
                      body={"hours": "24小时", "amenities": ["toilet"], "lat": 24.6})
        assert_status(r, 200)
        self.assertEqual((r.body["hours"], r.body["amenities"], r.body["lat_e6"]), ("24小时", ["toilet"], 24600000))
        # archive: gone from the public, still there for admins
        r = S.request("POST", "/api/v1/places/%d/archive" % p["id"], token=tok, body={"reason": "停用"})
        assert_status(r, 200)
        self.assertTrue(r.body["archived"])
        assert_status(S.request("POST", "/api/v1/places/%d/archive" % p["id"], token=tok), 200)
        assert_error(S.request("GET", "/api/v1/places/%d" % p["id"]), 404, "not_found")
        self.assertNotIn(p["id"], [x["id"] for x in nearest(lat=24.6, lng=118.1654321, limit=5)])
        assert_status(S.request("GET", "/api/v1/places/%d" % p["id"], token=tok), 200)
        r = S.request("GET", "/api/v1/places", token=tok, query={"archived": "true"})
        self.assertIn(p["id"], [x["id"] for x in r.body["items"]])
        assert_error(S.request("GET", "/api/v1/places", query={"archived": "true"}), 403, "forbidden")
        # never deleted
        self.assertEqual(S.request("DELETE", "/api/v1/places/%d" % p["id"], token=tok).status, 405)
        # back from the archive
        r = S.request("PATCH", "/api/v1/places/%d" % p["id"], token=tok, body={"archived": False})
        self.assertFalse(r.body["archived"])
        assert_status(S.request("GET", "/api/v1/places/%d" % p["id"]), 200)

    def test_list_filters(self):
        r = S.request("GET", "/api/v1/places", query={"type": "insurance_point", "district": "350212"})
        assert_status(r, 200)
        self.assertTrue(r.body["items"])
        for p in r.body["items"]:
            self.assertEqual((p["type"], p["district"]), ("insurance_point", "350212"))
        r = S.request("GET", "/api/v1/places", query={"amenity": "first_aid", "limit": 200})
        self.assertTrue(all("first_aid" in p["amenities"] for p in r.body["items"]))
        for q, field in (({"type": "spa"}, "type"), ({"district": "xx"}, "district"),
                         ({"amenity": "WATER"}, "amenity"), ({"limit": 900}, "limit"),
                         ({"cursor": "-3"}, "cursor"), ({"archived": "maybe"}, "archived"),
                         ({"format": "doc"}, "format")):
            assert_error(S.request("GET", "/api/v1/places", query=q), 400, "invalid_parameter", field=field)
        x = S.request("GET", "/api/v1/places", query={"format": "xlsx", "type": "water"})
        assert_status(x, 200)
        self.assertTrue(x.raw.startswith(b"PK"))

    def test_bad_input(self):
        tok = S.login("admin")
        base = {"type": "water", "name": "饮水点", "district": "350203", "lat": 24.45, "lng": 118.08}
        for change, code, field in (({"type": "spa"}, "invalid_field", "type"),
                                    ({"district": "110101"}, "invalid_field", "district"),
                                    ({"lat": 95}, "invalid_field", "lat"),
                                    ({"lng": "east"}, "invalid_field", "lng"),
                                    ({"amenities": ["sauna"]}, "invalid_field", "amenities"),
                                    ({"amenities": "water"}, "invalid_field", "amenities"),
                                    ({"phone": "call us"}, "invalid_field", "phone"),
                                    ({"name": "x\u0000y"}, ("invalid_field", "bad_json"), None),
                                    ({"hours": "x" * 200}, "invalid_field", "hours"),
                                    ({"rating": 5}, "unknown_field", "rating")):
            r = S.request("POST", "/api/v1/places", token=tok, body=dict(base, **change))
            assert_error(r, 400, code, field=field)
        for missing in ("type", "name", "district", "lat", "lng"):
            b = dict(base)
            del b[missing]
            assert_error(S.request("POST", "/api/v1/places", token=tok, body=b), 400, "missing_field",
                         field=missing)
        for login in ("analyst", "worker", "platform.luda", "mediator", "supervisor"):
            assert_error(S.request("POST", "/api/v1/places", token=S.login(login), body=base), 403, "forbidden")
        assert_error(S.request("POST", "/api/v1/places", body=base), 401, "unauthenticated")
        assert_error(S.request("PATCH", "/api/v1/places/999999", token=tok, body={"name": "x"}), 404, "not_found")
        assert_error(S.request("POST", "/api/v1/places/999999/archive", token=tok), 404, "not_found")
        assert_error(S.request("GET", "/api/v1/places/0"), 404, "not_found")


class TestCheckins(unittest.TestCase):
    def test_checkin_and_usage(self):
        place = nearest(lat=24.48, lng=118.12, type="rest_station", limit=1)[0]
        before = S.request("GET", "/api/v1/places/%d" % place["id"]).body["checkins"]
        tok = S.login("worker2")
        r = S.request("POST", "/api/v1/places/%d/checkins" % place["id"], token=tok)
        assert_status(r, 201)
        self.assertTrue(r.body["counted"])
        r2 = S.request("POST", "/api/v1/places/%d/checkins" % place["id"], token=tok)
        assert_status(r2, 200)  # within half an hour: counted once
        self.assertFalse(r2.body["counted"])
        self.assertEqual(r2.body["id"], r.body["id"])
        after = S.request("GET", "/api/v1/places/%d" % place["id"]).body["checkins"]
        self.assertEqual(after, before + 1)
        r = S.request("GET", "/api/v1/places/%d/checkins" % place["id"], token=S.login("analyst"))
        assert_status(r, 200)
        self.assertGreaterEqual(r.body["checkins"], 1)
        self.assertGreaterEqual(r.body["people"], 1)
        u = S.request("GET", "/api/v1/places/usage", token=S.login("supervisor"))
        assert_status(u, 200)
        self.assertIn(place["id"], [x["place_id"] for x in u.body["items"]])
        x = S.request("GET", "/api/v1/places/usage", token=S.login("admin"), query={"format": "xlsx"})
        self.assertTrue(x.raw.startswith(b"PK"))

    def test_checkin_rules(self):
        place = nearest(lat=24.6, lng=118.25, limit=1)[0]
        for login in ("admin", "analyst", "platform.luda"):
            r = S.request("POST", "/api/v1/places/%d/checkins" % place["id"], token=S.login(login))
            assert_error(r, 403, "forbidden")
        assert_error(S.request("POST", "/api/v1/places/%d/checkins" % place["id"]), 401, "unauthenticated")
        assert_error(S.request("POST", "/api/v1/places/999999/checkins", token=S.login("worker")), 404, "not_found")
        for login in ("worker", "platform.luda", "mediator"):
            assert_error(S.request("GET", "/api/v1/places/usage", token=S.login(login)), 403, "forbidden")
        tok = S.login("analyst")
        for q, field in (({"from": "2026-13-01"}, "from"), ({"type": "x"}, "type"),
                         ({"from": "2020-01-01"}, "from")):
            assert_error(S.request("GET", "/api/v1/places/usage", token=tok, query=q), 400,
                         "invalid_parameter", field=field)
        assert_error(S.request("GET", "/api/v1/places/%d/checkins" % place["id"], token=tok,
                               query={"from": "x"}), 400, "invalid_parameter", field="from")
        # an archived place takes no check-ins
        tok = S.login("admin")
        p = S.request("POST", "/api/v1/places", token=tok,
                      body={"type": "toilet", "name": unique("厕所"), "district": "350203",
                            "lat": 24.45, "lng": 118.09}).body
        S.request("POST", "/api/v1/places/%d/archive" % p["id"], token=tok)
        assert_error(S.request("POST", "/api/v1/places/%d/checkins" % p["id"], token=S.login("worker")),
                     404, "not_found")


if __name__ == "__main__":
    unittest.main()
