"""Monitoring feeds over real HTTP: rosters, work records, penalties and
deactivations from platforms, traffic incidents and social-insurance records
from departments; CSV and JSON alike; batch ids (resends, conflicts);
all-or-nothing batches with every bad row listed; keys acting only for their
own platform; revoked keys; malformed, oversized and hostile bodies."""

import datetime
import json
import secrets
import unittest

from egret_client import Server, assert_error, assert_status, unique

S = None
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
CC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]

ROSTER_HEAD = "platform_worker_id,name,id_number,phone,occupation,status,joined_on,district\n"
WORK_HEAD = ("platform_worker_id,date,orders,online_minutes,order_minutes,income_fen,"
             "penalty_count,penalty_fen\n")


def today():
    return datetime.datetime.now(SHANGHAI).date()


def day(n):
    """The date n days ago, as text."""
    return (today() - datetime.timedelta(days=n)).isoformat()


def credit_code():
    body = "91350200MA" + "".join(secrets.choice(CC_CHARS[:30]) for _ in range(7))
    s = sum(CC_CHARS.index(c) * w for c, w in zip(body, CC_WEIGHTS))
    return body + CC_CHARS[(31 - s % 31) % 31]


_next_person = [secrets.randbelow(4000)]


def id_number():
    """A valid resident ID number no demo person has (sequence 500–999)."""
    _next_person[0] += 1
    n = _next_person[0]
    birth = datetime.date(1975, 6, 1) + datetime.timedelta(days=n % 6000)
    body = "350206%s%03d" % (birth.strftime("%Y%m%d"), 500 + (n // 6000) % 500)
    s = sum(int(c) * w for c, w in zip(body, ID_WEIGHTS))
    return body + "10X98765432"[s % 11]


def setUpModule():
    global S
    S = Server(seed=True)
    S.start()


def tearDownModule():
    if S is not None:
        S.stop()


def admin():
    return S.login("admin")


def new_platform(sector="food_delivery"):
    """A new platform and a key for it: (platform id, key)."""
    tok = admin()
    r = S.request("POST", "/api/v1/platforms", token=tok,
                  body={"name": unique("平台"), "credit_code": credit_code(), "sector": sector,
                        "appeal_channel": "App 申诉"})
    assert_status(r, 201)
    pid = r.body["id"]
    k = S.request("POST", "/api/v1/platforms/%d/keys" % pid, token=tok, body={"label": "feeds"})
    assert_status(k, 201)
    return pid, k.body["key"]


def post(feed, key, data, batch=None, ctype="text/csv", headers=None):
    h = {"Content-Type": ctype}
    if batch is not False:
        h["Idempotency-Key"] = batch or unique("b")
    h.update(headers or {})
    if isinstance(data, str):
        data = data.encode("utf-8")
    return S.request("POST", "/api/v1/feeds/" + feed, token=key, raw=data, headers=h)


def roster_csv(ids, district="350206"):
    return ROSTER_HEAD + "".join(
        "%s,工人%s,%s,139%08d,外卖骑手,active,2023-05-01,%s\n" % (w, w, id_number(), i, district)
        for i, w in enumerate(ids))


def rejected(r):
    """The batch_rejected error with its list of bad rows."""
    assert_status(r, 422)
    err = r.body["error"]
    if err.get("code") != "batch_rejected":
        raise AssertionError("expected batch_rejected, got %r" % (r.body,))
    assert isinstance(err.get("errors"), list) and err["message"]
    return err


def count_records(pid):
    """Work records of a platform, through the indicators (worker-days over 90 days)."""
    r = S.request("GET", "/api/v1/indicators", token=S.login("analyst"),
                  query={"scope": "platform", "id": pid, "from": day(90), "to": day(0),
                         "period": "week", "names": "worker_days,orders"})
    assert_status(r, 200)
    return (sum(s["values"]["worker_days"] or 0 for s in r.body["series"]),
            sum(s["values"]["orders"] or 0 for s in r.body["series"]))


class TestRosterAndWork(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pid, cls.key = new_platform()
        cls.workers = ["R%03d" % i for i in range(1, 6)]
        r = post("roster", cls.key, roster_csv(cls.workers))
        assert_status(r, 201)
        assert r.body["inserted"] == 5, r.body

    def test_roster_visible_masked(self):
        r = S.request("GET", "/api/v1/platforms/%d/workers" % self.pid, token=self.key)
        assert_status(r, 200)
        self.assertEqual(len(r.body["items"]), 5)
        for w in r.body["items"]:
            self.assertRegex(w["id_number_masked"], r"^\d{4}\*{10}\d{3}[\dX]$")
            self.assertNotIn("id_number", w)
            self.assertEqual(w["occupation"], "online_delivery")  # 外卖骑手 mapped
        # analysts see the roster masked too, never raw ID numbers
        r = S.request("GET", "/api/v1/platforms/%d/workers" % self.pid, token=S.login("analyst"))
        assert_status(r, 200)
        self.assertNotIn("id_number", json.dumps(r.body).replace("id_number_masked", ""))

    def test_csv_and_json_identical(self):
        pid, key = new_platform()
        post_ok = post("roster", key, roster_csv(["A1", "A2"]))
        assert_status(post_ok, 201)
        rows = [("A1", day(3), 20, 600, 400, 30000, 1, 2000), ("A2", day(3), 5, 130, 90, 2000, 0, 0)]
        csv = WORK_HEAD + "".join("%s,%s,%d,%d,%d,%d,%d,%d\n" % r for r in rows)
        names = WORK_HEAD.strip().split(",")
        js = json.dumps([dict(zip(names, r)) for r in rows])
        a = post("work-records", key, csv)
        assert_status(a, 201)
        before = count_records(pid)
        # the same rows as JSON under another batch id: corrections with the same values
        b = post("work-records", key, js, ctype="application/json")
        assert_status(b, 201)
        self.assertEqual((a.body["rows"], a.body["inserted"]), (2, 2))
        self.assertEqual((b.body["rows"], b.body["updated"], b.body["inserted"]), (2, 2, 0))
        self.assertEqual(count_records(pid), before)
        self.assertEqual(before, (2, 25))

    def test_resend_same_batch_changes_nothing(self):
        csv = WORK_HEAD + "R001,%s,10,300,200,9000,0,0\nR002,%s,8,240,200,7000,1,500\n" % (day(5), day(5))
        batch = unique("w")
        first = post("work-records", self.key, csv, batch=batch)
        assert_status(first, 201)
        counted = count_records(self.pid)
        again = post("work-records", self.key, csv, batch=batch)
        assert_status(again, 200)
        self.assertEqual(again.body, first.body)
        self.assertEqual(again.header("Idempotency-Replayed"), "true")
        self.assertEqual(count_records(self.pid), counted)
        # the same id with other bytes is a conflict, and changes nothing
        other = post("work-records", self.key, csv.replace(",10,300,", ",11,300,"), batch=batch)
        assert_error(other, 409, "conflict", field="Idempotency-Key")
        self.assertEqual(count_records(self.pid), counted)
        # a JSON body under the CSV batch's id differs too
        js = post("work-records", self.key, "[]", batch=batch, ctype="application/json")
        assert_error(js, 409, "conflict")

    def test_unknown_and_foreign_workers_rejected(self):
        other_pid, other_key = new_platform()
        assert_status(post("roster", other_key, roster_csv(["X9"])), 201)
        counted = count_records(self.pid)
        csv = (WORK_HEAD + "R001,%s,1,60,60,2100,0,0\nX9,%s,1,60,60,2100,0,0\n"
               "NOBODY,%s,1,60,60,2100,0,0\n" % (day(1), day(1), day(1)))
        err = rejected(post("work-records", self.key, csv))
        bad = {(e["line"], e["field"]) for e in err["errors"]}
        self.assertEqual(bad, {(3, "platform_worker_id"), (4, "platform_worker_id")})
        self.assertEqual(err["error_count"], 2)
        self.assertEqual(count_records(self.pid), counted)  # nothing stored, not even R001
        # the other platform's own key sends its worker fine
        assert_status(post("work-records", other_key, WORK_HEAD + "X9,%s,1,60,60,2100,0,0\n" % day(1)), 201)

    def test_every_bad_row_listed(self):
        csv = (WORK_HEAD +
               "R001,2020-02-30,1,60,60,2100,0,0\n"       # not a date
               "R002,%s,abc,60,60,2100,0,0\n"             # not a number
               "R003,%s,1,60,61,2100,0,0\n"               # order minutes > online
               "R004,%s,1,60,60,2100,0\n"                 # a field short
               "R005,%s,1,60,60,-5,0,0\n"                 # negative money
               % (day(1), day(1), day(1), day(1)))
        err = rejected(post("work-records", self.key, csv))
        got = {(e["line"], e["field"]) for e in err["errors"]}
        self.assertEqual(got, {(2, "date"), (3, "orders"), (4, "order_minutes"), (5, ""),
                               (6, "income_fen")})
        for e in err["errors"]:
            self.assertTrue(e["reason"])
            self.assertIn("row", e)

    def test_error_list_capped(self):
        csv = WORK_HEAD + "".join("R001,%s,x,60,60,2100,0,0\n" % day(1) for _ in range(1200))
        err = rejected(post("work-records", self.key, csv))
        self.assertEqual(len(err["errors"]), 1000)
        self.assertEqual(err["error_count"], 1200)
        self.assertEqual(err["errors_omitted"], 200)

    def test_twice_in_one_batch(self):
        csv = WORK_HEAD + "R003,%s,1,60,60,2100,0,0\nR003,%s,2,60,60,2100,0,0\n" % (day(20), day(20))
        counted = count_records(self.pid)
        err = rejected(post("work-records", self.key, csv))
        self.assertEqual(err["errors"][0]["line"], 3)
        self.assertEqual(count_records(self.pid), counted)

    def test_bom_crlf_and_quotes(self):
        body = ("\ufeff" + WORK_HEAD.replace("\n", "\r\n") +
                '"R004",%s,3,90,80,3600,0,0\r\n\r\n' % day(7)).encode("utf-8")
        r = post("work-records", self.key, body)
        assert_status(r, 201)
        self.assertEqual(r.body["inserted"], 1)

    def test_malformed_csv(self):
        r = post("work-records", self.key, WORK_HEAD + 'R001,%s,1,6"0,60,2100,0,0\n' % day(1))
        assert_error(r, 400, "bad_csv")
        self.assertIn("line 2", r.body["error"]["message"])
        r = post("work-records", self.key, "")
        assert_error(r, 400, "bad_csv")
        err = rejected(post("work-records", self.key, WORK_HEAD))
        self.assertIn("no data rows", err["errors"][0]["reason"])
        err = rejected(post("work-records", self.key, WORK_HEAD.replace(",penalty_fen", "") +
                            "R001,%s,1,60,60,2100,0\n" % day(1)))
        self.assertEqual(err["errors"][0]["field"], "penalty_fen")
        err = rejected(post("work-records", self.key, WORK_HEAD.strip() + ",bonus\n"))
        self.assertEqual(err["errors"][0]["field"], "bonus")
        # GBK bytes are refused per field
        gbk = ROSTER_HEAD.encode() + ("G1,%s,%s,,外卖骑手,active,2023-01-01,350206\n" % (
            "张三", id_number())).encode("gbk")
        err = rejected(post("roster", self.key, gbk))
        self.assertTrue(any(e["field"] in ("name", "occupation") and "UTF-8" in e["reason"]
                            for e in err["errors"]))
        # a field over 4 KiB is a row error; over 64 KiB stops the parse
        err = rejected(post("work-records", self.key, WORK_HEAD + "R001,%s,1,60,60,2100,0,%s\n" % (
            day(1), "9" * 5000)))
        self.assertIn("4096", err["errors"][0]["reason"])
        r = post("work-records", self.key, WORK_HEAD + "R001," + "x" * 70000 + "\n")
        assert_error(r, 400, "bad_csv")

    def test_malformed_json(self):
        for body in ('{"platform_worker_id":"R001"}', "[1,2]", "[{},]", "[", "nope"):
            r = post("work-records", self.key, body, ctype="application/json")
            assert_error(r, 400, "bad_json")
        err = rejected(post("work-records", self.key, json.dumps([{
            "platform_worker_id": "R001", "date": day(1), "orders": "1", "online_minutes": 60,
            "order_minutes": 60, "income_fen": 2100, "penalty_count": 0, "penalty_fen": 0,
            "extra": True}]), ctype="application/json"))
        self.assertEqual({e["field"] for e in err["errors"]}, {"orders", "extra"})

    def test_headers_and_types(self):
        r = post("work-records", self.key, WORK_HEAD, batch=False)
        assert_error(r, 400, "missing_idempotency_key")
        r = post("work-records", self.key, WORK_HEAD, batch="bad key with spaces")
        assert_error(r, 400, "invalid_parameter", field="Idempotency-Key")
        r = post("work-records", self.key, WORK_HEAD, batch="x" * 200)
        assert_error(r, 400, "invalid_parameter")
        for ctype in ("text/plain", "application/xml", "text/csv; charset=gbk", "multipart/form-data"):
            r = post("work-records", self.key, WORK_HEAD, ctype=ctype)
            assert_error(r, 415, "unsupported_media_type")
        r = post("work-records", self.key, WORK_HEAD + "R001,%s,1,60,60,2100,0,0\n" % day(2),
                 ctype="text/csv; charset=utf-8")
        assert_status(r, 201)

    def test_future_dates_and_limits(self):
        tomorrow = (today() + datetime.timedelta(days=1)).isoformat()
        err = rejected(post("work-records", self.key,
                            WORK_HEAD + "R001,%s,1,60,60,2100,0,0\nR002,%s,1,1441,60,2100,0,0\n" % (
                                tomorrow, day(1))))
        self.assertEqual({e["field"] for e in err["errors"]}, {"date", "online_minutes"})

    def test_penalties_and_deactivations(self):
        at = "%sT10:00:00+08:00" % day(2)
        r = post("penalties", self.key,
                 "platform_worker_id,occurred_at,reason,amount_fen,appealed\n"
                 "R001,%s,超时送达,2000,true\nR002,%s,\"差评, 严重\",500,0\n" % (at, at))
        assert_status(r, 201)
        self.assertEqual(r.body["inserted"], 2)
        r = post("deactivations", self.key,
                 "platform_worker_id,occurred_at,reason,appeal_channel\nR005,%s,多次违规,\n" % at)
        assert_status(r, 201)
        w = S.request("GET", "/api/v1/platforms/%d/workers" % self.pid, token=self.key,
                      query={"status": "deactivated"})
        self.assertEqual([x["platform_worker_id"] for x in w.body["items"]], ["R005"])
        err = rejected(post("penalties", self.key,
                            "platform_worker_id,occurred_at,reason,amount_fen,appealed\n"
                            "R001,yesterday,x,1,maybe\n"))
        self.assertEqual({e["field"] for e in err["errors"]}, {"occurred_at", "appealed"})

    def test_roster_rules(self):
        err = rejected(post("roster", self.key, ROSTER_HEAD +
                            "Z1,张三,360426199101010072,,外卖骑手,active,2020-01-01,\n"
                            "Z2,张三,%s,,宇航员,active,2020-01-01,\n"
                            "Z3,张三,%s,,骑手,active,2020-01-01,999999\n"
                            "Z4,张三,%s,,骑手,active,2020-01-01,\n"
                            "Z4,张三,%s,,骑手,active,2020-01-01,\n" % (
                                id_number(), id_number(), id_number(), id_number())))
        fields = {(e["line"], e["field"]) for e in err["errors"]}
        self.assertIn((2, "id_number"), fields)
        self.assertIn((3, "occupation"), fields)
        self.assertIn((4, "district"), fields)
        # Z4 twice is only found once the other rows are fine
        err = rejected(post("roster", self.key, ROSTER_HEAD +
                            "Z4,张三,%s,,骑手,active,2020-01-01,\nZ4,李四,%s,,骑手,active,2020-01-01,\n" % (
                                id_number(), id_number())))
        self.assertEqual(err["errors"][0]["field"], "platform_worker_id")
        r = S.request("GET", "/api/v1/platforms/%d/workers" % self.pid, token=self.key)
        self.assertNotIn("Z4", [w["platform_worker_id"] for w in r.body["items"]])

    def test_large_batch(self):
        pid, key = new_platform()
        ids = ["L%05d" % i for i in range(1, 2001)]
        assert_status(post("roster", key, roster_csv(ids)), 201)
        lines = [WORK_HEAD]
        for d in range(1, 4):
            for w in ids:
                lines.append("%s,%s,12,480,400,14400,0,0\n" % (w, day(d)))
        r = post("work-records", key, "".join(lines))
        assert_status(r, 201)
        self.assertEqual(r.body["inserted"], 6000)
        self.assertEqual(r.body["first_day"], day(3))
        self.assertEqual(r.body["last_day"], day(1))
        self.assertEqual(count_records(pid), (6000, 72000))

    def test_large_batches_repeats_and_corrections(self):
        """Big batches stream in groups: a repeat deep inside is still found
        (its line named, nothing stored); a later batch over some of the same
        days corrects those records and adds the rest; the sums follow."""
        pid, key = new_platform()
        ids = ["M%05d" % i for i in range(1, 2001)]
        assert_status(post("roster", key, roster_csv(ids)), 201)

        def rows(days, orders):
            return ["%s,%s,%d,480,400,14400,0,0\n" % (w, day(d), orders) for d in days for w in ids]

        bad = rows(range(30, 0, -1), 10)           # 60,000 rows, some 2 MB
        bad[40000] = bad[39990]
        err = rejected(post("work-records", key, WORK_HEAD + "".join(bad)))
        self.assertEqual(err["error_count"], 1)
        self.assertEqual(err["errors"][0]["line"], 40002)
        self.assertEqual(count_records(pid), (0, 0))

        r = post("work-records", key, WORK_HEAD + "".join(rows(range(20, 10, -1), 10)))
        assert_status(r, 201)
        self.assertEqual((r.body["inserted"], r.body["updated"]), (20000, 0))
        r = post("work-records", key, WORK_HEAD + "".join(rows(range(15, 5, -1), 7)))
        assert_status(r, 201)
        self.assertEqual((r.body["inserted"], r.body["updated"]), (10000, 10000))
        # days 20..16 at 10 orders, days 15..6 at 7
        self.assertEqual(count_records(pid), (30000, 2000 * (5 * 10 + 10 * 7)))


class TestAbortedUploads(unittest.TestCase):
    """A client that goes away mid-body leaves nothing stored and nothing held."""

    def abort_after(self, key, pid, nbytes):
        ids = ["U%05d" % i for i in range(1, 3001)]
        lines = [WORK_HEAD]
        d = 0
        while sum(len(x) for x in lines) < nbytes:
            d += 1
            lines.extend("%s,%s,12,480,400,14400,0,0\n" % (w, day(d)) for w in ids)
        body = "".join(lines).encode()[:nbytes]
        head = ("POST /api/v1/feeds/work-records HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                "Content-Type: text/csv\r\nIdempotency-Key: %s\r\nContent-Length: %d\r\n\r\n" % (
                    key, unique("abort"), nbytes * 2)).encode()
        s = S.connect()
        s.sendall(head + body)
        s.close()
        return ids

    def test_abort_small_and_large(self):
        pid, key = new_platform()
        ids = ["U%05d" % i for i in range(1, 3001)]
        assert_status(post("roster", key, roster_csv(ids)), 201)
        self.abort_after(key, pid, 200000)      # before the writer starts
        self.abort_after(key, pid, 6 * 1024 * 1024)  # after it started (it rolls back)
        # the server is fine, nothing was stored, and a full batch goes through
        import time
        time.sleep(0.5)
        self.assertEqual(count_records(pid), (0, 0))
        r = post("work-records", key, WORK_HEAD + "U00001,%s,1,60,60,2100,0,0\n" % day(1))
        assert_status(r, 201)
        self.assertEqual(count_records(pid), (1, 1))


class TestKeysAndRoles(unittest.TestCase):
    def test_key_acts_for_own_platform_only(self):
        a_pid, a_key = new_platform()
        b_pid, b_key = new_platform()
        r = S.request("GET", "/api/v1/platforms/%d" % b_pid, token=a_key)
        assert_error(r, 404, "not_found")
        r = S.request("GET", "/api/v1/platforms", token=a_key)
        assert_status(r, 200)
        self.assertEqual([p["id"] for p in r.body["items"]], [a_pid])
        r = S.request("GET", "/api/v1/platforms/%d/workers" % b_pid, token=a_key)
        assert_error(r, 404, "not_found")
        # batches: each platform sees its own
        assert_status(post("roster", b_key, roster_csv(["B1"])), 201)
        r = S.request("GET", "/api/v1/feeds/batches", token=a_key)
        self.assertEqual(r.body["items"], [])
        r = S.request("GET", "/api/v1/feeds/batches", token=b_key)
        self.assertEqual(len(r.body["items"]), 1)
        bid = r.body["items"][0]["id"]
        assert_error(S.request("GET", "/api/v1/feeds/batches/%d" % bid, token=a_key), 404, "not_found")
        assert_status(S.request("GET", "/api/v1/feeds/batches/%d" % bid, token=b_key), 200)
        # a key cannot issue keys or change platforms
        r = S.request("POST", "/api/v1/platforms/%d/keys" % a_pid, token=a_key, body={})
        assert_error(r, 403, "forbidden")

    def test_revoked_key(self):
        pid, key = new_platform()
        tok = admin()
        p = S.request("GET", "/api/v1/platforms/%d" % pid, token=tok)
        kid = p.body["keys"][0]["id"]
        self.assertNotIn("key", p.body["keys"][0])
        r = S.request("DELETE", "/api/v1/platforms/%d/keys/%d" % (pid, kid), token=tok)
        self.assertEqual(r.status, 204)
        assert_error(post("roster", key, roster_csv(["Q1"])), 401, "unauthenticated")
        assert_error(S.request("GET", "/api/v1/platforms", token=key), 401, "unauthenticated")
        # another platform's key id under this platform is not found
        other_pid, _ = new_platform()
        other = S.request("GET", "/api/v1/platforms/%d" % other_pid, token=tok).body["keys"][0]["id"]
        r = S.request("DELETE", "/api/v1/platforms/%d/keys/%d" % (pid, other), token=tok)
        assert_error(r, 404, "not_found")

    def test_platform_user_account_feeds(self):
        tok = S.login("platform.luda")
        me = S.request("GET", "/api/v1/me", token=tok)
        assert_status(me, 200)
        r = post("work-records", tok, WORK_HEAD + "LD000001,%s,5,120,100,6000,0,0\n" % day(0))
        assert_status(r, 201)

    def test_roles_cannot_send_feeds(self):
        for login in ("admin", "analyst", "worker", "mediator", "supervisor", "insurer"):
            r = post("work-records", S.login(login), WORK_HEAD)
            assert_error(r, 403, "forbidden")
        assert_error(post("work-records", None, WORK_HEAD), 401, "unauthenticated")
        assert_error(post("work-records", "egk_" + "x" * 43, WORK_HEAD), 401, "unauthenticated")
        # a platform may not send department feeds
        _, key = new_platform()
        assert_error(post("traffic-incidents", key, "id_number\n"), 403, "forbidden")


class TestDepartmentFeeds(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        tok = admin()
        r = S.request("POST", "/api/v1/department-keys", token=tok,
                      body={"department": "traffic_police", "label": "交警数据"})
        assert_status(r, 201)
        cls.police = r.body["key"]
        cls.police_id = r.body["id"]
        r = S.request("POST", "/api/v1/department-keys", token=tok, body={"department": "hrss"})
        cls.hrss = r.body["key"]
        r = S.request("POST", "/api/v1/department-keys", token=tok, body={"department": "culture"})
        cls.culture = r.body["key"]
        # a known worker
        pid, key = new_platform()
        cls.idn = id_number()
        assert_status(post("roster", key, ROSTER_HEAD + "D1,王五,%s,,骑手,active,2022-01-01,350203\n" % cls.idn), 201)

    def test_traffic(self):
        at = "%sT20:15:00+08:00" % day(3)
        body = ("id_number,occurred_at,district,kind,severity,vehicle,reference\n"
                "%s,%s,350203,collision,minor,e_bike,JJ-T-%s\n" % (self.idn, at, unique()))
        r = post("traffic-incidents", self.police, body)
        assert_status(r, 201)
        self.assertEqual(r.body["inserted"], 1)
        # an unknown person, a bad district, a bad severity
        err = rejected(post("traffic-incidents", self.police,
                            "id_number,occurred_at,district,kind,severity,vehicle,reference\n"
                            "%s,%s,350203,collision,minor,e_bike,R1\n"
                            "%s,%s,123456,collision,minor,e_bike,R2\n"
                            "%s,%s,350203,collision,awful,e_bike,R3\n" % (
                                id_number(), at, self.idn, at, self.idn, at)))
        self.assertEqual({e["field"] for e in err["errors"]}, {"id_number", "district", "severity"})

    def test_social_insurance(self):
        month = (today().replace(day=1) - datetime.timedelta(days=1)).strftime("%Y-%m")
        body = [{"id_number": self.idn, "month": month, "scheme": "occupational_injury",
                 "status": "paid", "payer_credit_code": None}]
        r = post("social-insurance", self.hrss, json.dumps(body), ctype="application/json")
        assert_status(r, 201)
        r = post("social-insurance", self.hrss, json.dumps(body), ctype="application/json")
        assert_status(r, 201)
        self.assertEqual(r.body["updated"], 1)

    def test_wrong_department(self):
        r = post("traffic-incidents", self.culture, "id_number\n")
        assert_error(r, 403, "forbidden")
        r = post("traffic-incidents", self.hrss, "id_number\n")
        assert_error(r, 403, "forbidden")
        r = post("work-records", self.police, WORK_HEAD)
        assert_error(r, 403, "forbidden")

    def test_department_keys_admin_only(self):
        r = S.request("GET", "/api/v1/department-keys", token=admin())
        assert_status(r, 200)
        self.assertTrue(any(k["department"]["code"] == "traffic_police" for k in r.body["items"]))
        for login in ("analyst", "supervisor", "platform.luda"):
            assert_error(S.request("GET", "/api/v1/department-keys", token=S.login(login)), 403, "forbidden")
        r = S.request("POST", "/api/v1/department-keys", token=admin(), body={"department": "nope"})
        assert_error(r, 400, "invalid_field", field="department")
        r = S.request("POST", "/api/v1/department-keys", token=admin(), body={"department": "hrss", "x": 1})
        assert_error(r, 400, "unknown_field", field="x")
        # revoke
        k = S.request("POST", "/api/v1/department-keys", token=admin(), body={"department": "tax"})
        r = S.request("DELETE", "/api/v1/department-keys/%d" % k.body["id"], token=admin())
        self.assertEqual(r.status, 204)
        assert_error(post("social-insurance", k.body["key"], "id_number\n"), 401, "unauthenticated")
        assert_error(S.request("DELETE", "/api/v1/department-keys/999999", token=admin()), 404, "not_found")


class TestBatchList(unittest.TestCase):
    def test_staff_see_all_with_filters(self):
        tok = S.login("analyst")
        r = S.request("GET", "/api/v1/feeds/batches", token=tok, query={"limit": 2})
        assert_status(r, 200)
        self.assertLessEqual(len(r.body["items"]), 2)
        r = S.request("GET", "/api/v1/feeds/batches", token=tok, query={"feed": "roster"})
        self.assertTrue(all(b["feed"] == "roster" for b in r.body["items"]))
        for q in ({"feed": "nope"}, {"limit": 0}, {"limit": 500}, {"cursor": "x"}, {"format": "pdf"}):
            assert_error(S.request("GET", "/api/v1/feeds/batches", token=tok, query=q), 400,
                         ("invalid_parameter",))
        x = S.request("GET", "/api/v1/feeds/batches", token=tok, query={"format": "xlsx"})
        assert_status(x, 200)
        self.assertTrue(x.raw.startswith(b"PK"))
        assert_error(S.request("GET", "/api/v1/feeds/batches", token=S.login("worker")), 403, "forbidden")
        assert_error(S.request("GET", "/api/v1/feeds/batches/abc", token=tok), 404, "not_found")
        self.assertEqual(S.request("GET", "/api/v1/feeds/roster", token=tok).status, 405)


if __name__ == "__main__":
    unittest.main()
