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
        # the short row names the first column it lacks
        self.assertEqual(got, {(2, "date"), (3, "orders"), (4, "order_minutes"), (5, "penalty_fen"),
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
        # an occupation outside the catalogue is no error (stored as other, with a warning);
        # Z4 twice is listed with the other bad rows
        self.assertEqual(fields, {(2, "id_number"), (4, "district"), (6, "platform_worker_id")})
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


def masked_phone(phone):
    return phone[:3] + "****" + phone[-4:]


def roster_entry(pid, worker):
    """What the platform's roster entry holds: name, masked phone, occupation, occupation as sent."""
    rows = S.sql("SELECT name, phone_masked, occupation, occupation_sent FROM mon_roster "
                 "WHERE platform_id = %d AND platform_worker_id = '%s'" % (pid, worker))
    return tuple(rows[0]) if rows else None


def person_of(pid, worker):
    """The shared person record of a platform's worker: (name, masked phone)."""
    rows = S.sql("SELECT p.name, p.phone_masked FROM people p JOIN mon_roster r ON r.person_id = p.id "
                 "WHERE r.platform_id = %d AND r.platform_worker_id = '%s'" % (pid, worker))
    return tuple(rows[0]) if rows else None


class TestBatchCorrections(unittest.TestCase):
    """Resends of large batches, roster corrections and who wins on the person
    record, every bad row in one answer, the occupation fallback."""

    def test_large_batch_replayed(self):
        """A body past the writer's start (and the 2 MB spool) is replayed, not refused."""
        pid, key = new_platform()
        ids = ["H%05d" % i for i in range(1, 2001)]
        assert_status(post("roster", key, roster_csv(ids)), 201)
        body = WORK_HEAD + "".join("%s,%s,10,480,400,14400,0,0\n" % (w, day(d))
                                   for d in range(45, 0, -1) for w in ids)
        self.assertGreater(len(body), 3 * 1024 * 1024)
        batch = unique("big")
        first = post("work-records", key, body, batch=batch)
        assert_status(first, 201)
        self.assertEqual(first.body["inserted"], 90000)
        counted = count_records(pid)
        again = post("work-records", key, body, batch=batch)
        assert_status(again, 200)
        self.assertEqual(again.body, first.body)
        self.assertEqual(again.header("Idempotency-Replayed"), "true")
        self.assertEqual(count_records(pid), counted)
        other = post("work-records", key, body.replace(",10,480,", ",11,480,", 1), batch=batch)
        assert_error(other, 409, "conflict", field="Idempotency-Key")
        self.assertEqual(count_records(pid), counted)

    def test_roster_correction_applied(self):
        pid, key = new_platform()
        idn = id_number()
        line = "C1,%s,%s,13900000011,外卖骑手,active,2023-05-01,350206\n"
        r = post("roster", key, ROSTER_HEAD + line % ("陈一", idn))
        assert_status(r, 201)
        self.assertEqual((r.body["inserted"], r.body["updated"], r.body["unchanged"]), (1, 0, 0))
        # the same entry resent as it was: nothing changed, nothing said to be updated
        r = post("roster", key, ROSTER_HEAD + line % ("陈一", idn))
        assert_status(r, 201)
        self.assertEqual((r.body["inserted"], r.body["updated"], r.body["unchanged"]), (0, 0, 1))
        # a corrected name is stored, on the entry and on the person record
        r = post("roster", key, ROSTER_HEAD + line % ("陈二", idn))
        assert_status(r, 201)
        self.assertEqual((r.body["inserted"], r.body["updated"], r.body["unchanged"]), (0, 1, 0))
        self.assertEqual(roster_entry(pid, "C1")[0], "陈二")
        self.assertEqual(person_of(pid, "C1")[0], "陈二")
        w = S.request("GET", "/api/v1/platforms/%d/workers" % pid, token=key)
        self.assertEqual([x["name"] for x in w.body["items"]], ["陈二"])

    def test_two_platforms_most_recent_wins(self):
        a_pid, a_key = new_platform()
        b_pid, b_key = new_platform()
        idn = id_number()
        line = "T1,%s,%s,%s,外卖骑手,active,2023-05-01,350206\n"
        assert_status(post("roster", a_key, ROSTER_HEAD + line % ("吴甲", idn, "13900000021")), 201)
        assert_status(post("roster", b_key, ROSTER_HEAD + line % ("吴乙", idn, "13900000022")), 201)
        # the person record follows the most recent roster value, name and phone alike
        self.assertEqual(person_of(a_pid, "T1"), ("吴乙", masked_phone("13900000022")))
        self.assertEqual(person_of(b_pid, "T1"), ("吴乙", masked_phone("13900000022")))
        # each platform's entry keeps what that platform sent
        self.assertEqual(roster_entry(a_pid, "T1")[:2], ("吴甲", masked_phone("13900000021")))
        self.assertEqual(roster_entry(b_pid, "T1")[:2], ("吴乙", masked_phone("13900000022")))
        # A resending its entry unchanged does not flip the record back; a change of A's does
        r = post("roster", a_key, ROSTER_HEAD + line % ("吴甲", idn, "13900000021"))
        self.assertEqual(r.body["unchanged"], 1)
        self.assertEqual(person_of(a_pid, "T1"), ("吴乙", masked_phone("13900000022")))
        r = post("roster", a_key, ROSTER_HEAD + line % ("吴丙", idn, "13900000021"))
        self.assertEqual(r.body["updated"], 1)
        self.assertEqual(person_of(a_pid, "T1"), ("吴丙", masked_phone("13900000022")))

    def test_verified_source_wins(self):
        """A person entered by staff keeps his name and phone whatever a roster says."""
        idn = id_number()
        r = S.request("POST", "/api/v1/people", token=S.login("mediator"),
                      body={"name": "郑真", "id_number": idn, "phone": "13900000031"})
        assert_status(r, 201)
        pid, key = new_platform()
        r = post("roster", key, ROSTER_HEAD + "V1,郑假,%s,13900000032,外卖骑手,active,2023-05-01,\n" % idn)
        assert_status(r, 201)
        self.assertEqual(person_of(pid, "V1"), ("郑真", masked_phone("13900000031")))
        self.assertEqual(roster_entry(pid, "V1")[:2], ("郑假", masked_phone("13900000032")))

    def test_repeats_listed_with_other_bad_rows(self):
        pid, key = new_platform()
        assert_status(post("roster", key, roster_csv(["P1", "P2", "P3"])), 201)
        csv = (WORK_HEAD + "P1,%s,1,60,60,2100,0,0\nP2,%s,x,60,60,2100,0,0\n"
               "P1,%s,2,60,60,2100,0,0\nP3,%s,1,60,60,2100,0\n" % (day(2), day(2), day(2), day(2)))
        err = rejected(post("work-records", key, csv))
        self.assertEqual([(e["line"], e["field"]) for e in err["errors"]],
                         [(3, "orders"), (4, "date"), (5, "penalty_fen")])
        self.assertEqual(err["error_count"], 3)
        self.assertEqual(count_records(pid), (0, 0))
        err = rejected(post("roster", key, ROSTER_HEAD +
                            "Q1,张三,%s,,骑手,active,2020-01-01,999999\n"
                            "Q2,张三,%s,,骑手,active,2020-01-01,\n"
                            "Q2,李四,%s,,骑手,active,2020-01-01,\n" % (id_number(), id_number(), id_number())))
        self.assertEqual([(e["line"], e["field"]) for e in err["errors"]],
                         [(2, "district"), (4, "platform_worker_id")])
        at = "%sT10:00:00+08:00" % day(2)
        err = rejected(post("penalties", key,
                            "platform_worker_id,occurred_at,reason,amount_fen,appealed\n"
                            "P1,%s,超时,100,0\nP1,%s,超时,100,0\nP2,%s,超时,-1,0\n" % (at, at, at)))
        self.assertEqual({(e["line"], e["field"]) for e in err["errors"]},
                         {(3, "occurred_at"), (4, "amount_fen")})
        r = S.request("GET", "/api/v1/platforms/%d/workers" % pid, token=key)
        self.assertNotIn("Q2", [w["platform_worker_id"] for w in r.body["items"]])

    def test_occupation_other_fallback(self):
        pid, key = new_platform()
        r = post("roster", key, ROSTER_HEAD +
                 "O1,周一,%s,,外卖骑手,active,2023-05-01,\n"
                 "O2,周二,%s,,宠物托运员,active,2023-05-01,\n"
                 "O3,周三,%s,,other,active,2023-05-01,\n" % (id_number(), id_number(), id_number()))
        assert_status(r, 201)
        self.assertEqual(r.body["inserted"], 3)
        self.assertEqual(r.body["warning_count"], 1)
        self.assertEqual([(w["line"], w["row"], w["field"]) for w in r.body["warnings"]],
                         [(3, 2, "occupation")])
        self.assertIn("宠物托运员", r.body["warnings"][0]["reason"])
        self.assertEqual(roster_entry(pid, "O2")[2:], ("other", "宠物托运员"))
        self.assertEqual(roster_entry(pid, "O3")[2:], ("other", ""))
        self.assertEqual(roster_entry(pid, "O1")[2:], ("online_delivery", ""))


def stall(server, key, feed="work-records"):
    """A feed upload that sends its headers and a few bytes, then nothing: the socket."""
    s = server.connect()
    s.sendall(("POST /api/v1/feeds/%s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
               "Content-Type: text/csv\r\nIdempotency-Key: %s\r\nContent-Length: 1000000\r\n\r\n"
               "platform_worker_id,da" % (feed, key, unique("stall"))).encode())
    return s


def timed(server, path, token=None, body=None, ctype="text/csv"):
    """One request on a new connection, answered within 5 s or failing: (Response, seconds)."""
    import socket
    import time
    from egret_client import read_response
    head = "%s %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" % ("POST" if body is not None else "GET", path)
    if token:
        head += "Authorization: Bearer %s\r\n" % token
    data = b""
    if body is not None:
        data = body.encode()
        head += "Content-Type: %s\r\nIdempotency-Key: %s\r\nContent-Length: %d\r\n" % (
            ctype, unique("t"), len(data))
    t0 = time.monotonic()
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        s.sendall((head + "\r\n").encode() + data)
        try:
            r = read_response(s, "POST" if body is not None else "GET")
        except socket.timeout:
            raise AssertionError("%s: no answer within 5 s" % path)
    return r, time.monotonic() - t0


class TestStalledUploads(unittest.TestCase):
    """Uploads that stall mid-body hold no pooled connection and no thread:
    the server keeps answering, streams are capped per platform and in all
    (429), and SIGTERM still stops it."""

    def test_stalled_uploads(self):
        import time
        srv = Server(seed=True, env={"EGRET_SERVER_THREADS": "2", "EGRET_DB_POOL": "3"})
        srv.start()
        socks = []
        try:
            tok = srv.login("admin")
            keys = []
            for _ in range(5):
                r = srv.request("POST", "/api/v1/platforms", token=tok,
                                body={"name": unique("平台"), "credit_code": credit_code(),
                                      "sector": "food_delivery"})
                assert_status(r, 201)
                k = srv.request("POST", "/api/v1/platforms/%d/keys" % r.body["id"], token=tok,
                                body={"label": "feeds"})
                assert_status(k, 201)
                keys.append(k.body["key"])
            r, _ = timed(srv, "/api/v1/feeds/roster", keys[2], ROSTER_HEAD +
                         "S1,孙一,%s,,外卖骑手,active,2023-05-01,\n" % id_number())
            assert_status(r, 201)
            # six stalled uploads: more than the pool (3) and the threads (2)
            socks += [stall(srv, keys[0]) for _ in range(3)] + [stall(srv, keys[1]) for _ in range(3)]
            time.sleep(0.5)
            for _ in range(3):
                r, t = timed(srv, "/healthz")
                assert_status(r, 200)
                self.assertLess(t, 2)
                r, t = timed(srv, "/api/v1/platforms", keys[2])
                assert_status(r, 200)
                self.assertLess(t, 2)
            # a complete upload still goes through beside them
            r, t = timed(srv, "/api/v1/feeds/work-records", keys[2],
                         WORK_HEAD + "S1,%s,1,60,60,2100,0,0\n" % day(1))
            assert_status(r, 201)
            # a platform's fifth upload at once is refused
            socks.append(stall(srv, keys[0]))
            time.sleep(0.3)
            r, _ = timed(srv, "/api/v1/feeds/work-records", keys[0], WORK_HEAD)
            assert_error(r, 429, "too_many_requests")
            self.assertIn("This platform", r.body["error"]["message"])
            self.assertTrue(r.header("Retry-After"))
            # sixteen in all: the next one, from a platform with none, is refused too
            socks += [stall(srv, keys[1])] + [stall(srv, keys[k]) for k in (2, 3) for _ in range(4)]
            time.sleep(0.5)
            r, _ = timed(srv, "/api/v1/feeds/work-records", keys[4], WORK_HEAD)
            assert_error(r, 429, "too_many_requests")
            self.assertIn("16 feed uploads", r.body["error"]["message"])
            r, t = timed(srv, "/api/v1/platforms", keys[4])
            assert_status(r, 200)
            self.assertLess(t, 2)
            # SIGTERM stops the server with every upload still stalled (stop() checks the exit code)
            t0 = time.monotonic()
            srv.stop()
            srv = None
            self.assertLess(time.monotonic() - t0, 25)
        finally:
            for s in socks:
                s.close()
            if srv is not None:
                srv.kill()
                srv.cleanup()


if __name__ == "__main__":
    unittest.main()
