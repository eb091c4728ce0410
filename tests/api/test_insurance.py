"""益鹭保 daily injury insurance over HTTP: products and versions,
enrollment (cover-days), cancellation, payment orders and the signed payment
callback, auto-renewal and the daily job, settlements and figures, and every
role's view of the rows."""

import datetime
import hashlib
import hmac
import json
import random
import re
import unittest

from egret_client import Server, assert_error, assert_status, unique

SECRET = "test-payment-secret-" + "x" * 12
S = None
_rng = random.Random()
_used = set()
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def setUpModule():
    global S
    S = Server(seed=True, env={"EGRET_SECURITY_PAYMENT_SECRET": SECRET})
    S.start()


def tearDownModule():
    if S is not None:
        S.stop()


# -- helpers -----------------------------------------------------------------

def today():
    return datetime.datetime.now(SHANGHAI).date()


def day_start(d):
    """00:00 Asia/Shanghai of date d as Unix seconds."""
    return int(datetime.datetime(d.year, d.month, d.day, tzinfo=SHANGHAI).timestamp())


def iso(d):
    return d.isoformat()


def rfc3339(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_instant(s):
    return int(datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ")
               .replace(tzinfo=datetime.timezone.utc).timestamp())


def now():
    return int(datetime.datetime.now(datetime.timezone.utc).timestamp())


def id_number(birth, region="350203"):
    """A valid resident ID number for a birth date, unique in this run."""
    while True:
        body = region + birth.strftime("%Y%m%d") + "%03d" % _rng.randrange(0, 1000)
        weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
        idn = body + "10X98765432"[sum(int(c) * w for c, w in zip(body, weights)) % 11]
        if idn not in _used:
            _used.add(idn)
            return idn


CC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code():
    body = "91350200" + "".join(_rng.choice(CC_CHARS) for _ in range(9))
    total = sum(CC_CHARS.index(c) * w for c, w in zip(body, CC_WEIGHTS))
    check = 31 - total % 31
    return body + CC_CHARS[0 if check == 31 else check]


def years_before(d, n):
    try:
        return d.replace(year=d.year - n)
    except ValueError:  # 29 February
        return d.replace(year=d.year - n, day=28)


def random_birth(min_age=20, max_age=50):
    return today() - datetime.timedelta(days=_rng.randrange(min_age * 366, max_age * 365))


def sign(raw):
    return hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()


def callback(order, amount=None, ref=None, paid_at=None, signature=None, extra=None):
    """Send a signed payment callback for order (a dict with id and amount_fen)."""
    body = {"order_id": order["id"], "channel_ref": ref or unique("CH"),
            "amount_fen": order["amount_fen"] if amount is None else amount,
            "paid_at": rfc3339(paid_at if paid_at is not None else now() - 5)}
    if extra:
        body.update(extra)
    raw = json.dumps(body).encode()
    sig = sign(raw) if signature is None else signature
    headers = {"X-Signature": sig} if sig else {}
    return S.request("POST", "/api/v1/payments/callback", raw=raw, headers=headers), body


_picked = set()  # (person, date) handed out by free_day in this run


def free_day(person, lo, span, n=1):
    """A date d in today()+lo … today()+lo+span-1 such that d … d+n-1 have no
    cover-day of person yet and were not handed out to another test: tests
    that enroll the same demo worker on random dates must not collide."""
    taken = {row[0] for row in S.sql("SELECT day FROM cover_days WHERE person_id = %d" % person)}
    for _ in range(1000):
        d = today() + datetime.timedelta(days=lo + _rng.randrange(0, span))
        run = [d + datetime.timedelta(days=i) for i in range(n)]
        if all(iso(x) not in taken and (person, x) not in _picked for x in run):
            _picked.update((person, x) for x in run)
            return d
    raise AssertionError("no free run of %d days for person %d" % (n, person))


def staff_enroll(people, dates=None, token=None, payer=None, **kw):
    body = {"people": people}
    if dates is not None:
        body["dates"] = [iso(d) if isinstance(d, datetime.date) else d for d in dates]
    if payer:
        body["payer_organisation_id"] = payer
    body.update(kw)
    return S.request("POST", "/api/v1/cover-days", body=body, token=token or S.login("insurer"))


def new_person(birth=None, dates=None, token=None):
    """Create a person by enrolling them (insurer, self-paid); returns (person_id, reply)."""
    birth = birth or random_birth()
    dates = dates or [today() + datetime.timedelta(days=30)]
    r = staff_enroll([{"id_number": id_number(birth), "name": unique("人")}], dates, token=token)
    assert_status(r, (200, 201))
    ids = {c["person_id"] for c in r.body["created"]} | {x.get("person_id") for x in r.body["refused"]}
    ids.discard(None)
    return (ids.pop() if ids else None), r


def new_platform():
    p = S.run_cli(["platform", "add", "--name", unique("平台"), "--credit-code", credit_code(),
                   "--sector", "food_delivery"], check=True)
    key = re.search(r"egk_[A-Za-z0-9_-]{43}", p.stdout).group(0)
    pid = int(re.search(r"platform_id=(\d+)", p.stdout).group(1))
    return pid, key


def put_on_roster(platform_id, person_id):
    S.sql("INSERT INTO mon_roster (platform_id, platform_worker_id, person_id, occupation, status, "
          "joined_on, batch_id, created_at, updated_at) VALUES (%d, '%s', %d, 'rider', 'active', "
          "'2024-01-01', 0, 0, 0)" % (platform_id, unique("w"), person_id))


def worker_person(login="worker"):
    r = S.request("GET", "/api/v1/me", token=S.login(login))
    assert_status(r, 200)
    return r.body["person_id"]


def cover_count(person_id, d):
    return int(S.sql("SELECT COUNT(*) FROM cover_days WHERE person_id = %d AND day = '%s'"
                     % (person_id, iso(d)))[0][0])


# -- products ----------------------------------------------------------------

class TestProducts(unittest.TestCase):
    def test_product_in_force_has_the_published_figures(self):
        for login in ("worker", "analyst", "mediator", "insurer"):
            r = S.request("GET", "/api/v1/insurance/products", token=S.login(login))
            assert_status(r, 200)
            p = [x for x in r.body["items"] if x["code"] == "yilubao"][0]
            v = p["in_force"]
            self.assertEqual(v["subsidy_bp"], 5000)
            self.assertEqual((v["min_age"], v["max_age"]), (16, 65))
            self.assertEqual(v["max_payout_fen"], 40000000)
            self.assertEqual(len(v["disability_bp"]), 10)
            self.assertIn("ASSUMPTION", v["note"])
        assert_error(S.request("GET", "/api/v1/insurance/products"), 401, "unauthenticated")

    def test_admin_adds_a_future_version_that_prices_later_days(self):
        admin = S.login("admin")
        far = today() + datetime.timedelta(days=200 + _rng.randrange(0, 100))
        r = S.request("POST", "/api/v1/insurance/products/yilubao/versions", token=admin,
                      body={"effective_from": iso(far), "daily_premium_fen": 61, "subsidy_bp": 3333,
                            "note": "raise"})
        assert_status(r, 201)
        self.assertEqual(r.body["effective_from"], iso(far))
        self.assertEqual(r.body["daily_premium_fen"], 61)
        self.assertEqual(r.body["max_payout_fen"], 40000000)  # copied from the version before
        lst = S.request("GET", "/api/v1/insurance/products/yilubao/versions", token=admin)
        assert_status(lst, 200)
        self.assertIn(iso(far), [v["effective_from"] for v in lst.body["items"]])
        self.assertNotEqual(lst.body["in_force"], r.body["version"])
        # the same date again is a duplicate
        assert_error(S.request("POST", "/api/v1/insurance/products/yilubao/versions", token=admin,
                               body={"effective_from": iso(far)}), 409, "duplicate", "effective_from")
        # a cover-day on that date uses the new premium and splits it exactly
        pid, _ = new_person(dates=[far - datetime.timedelta(days=1), far])
        rows = S.sql("SELECT day, premium_fen, subsidy_fen, payer_fen FROM cover_days "
                     "WHERE person_id = %d ORDER BY day" % pid)
        self.assertEqual([r[1:] for r in rows], [["40", "20", "20"], ["61", "20", "41"]])

    def test_version_refusals(self):
        admin = S.login("admin")
        url = "/api/v1/insurance/products/yilubao/versions"
        fut = iso(today() + datetime.timedelta(days=500 + _rng.randrange(0, 300)))
        before = S.sql("SELECT COUNT(*) FROM ins_product_versions")[0][0]
        for login in ("insurer", "worker", "supervisor", "analyst"):
            assert_error(S.request("POST", url, token=S.login(login), body={"effective_from": fut}),
                         403, "forbidden")
        assert_error(S.request("POST", url, token=admin, body={"effective_from": iso(today())}),
                     422, "unprocessable", "effective_from")
        assert_error(S.request("POST", url, token=admin, body={"effective_from": "2026-02-30"}),
                     400, "invalid_field", "effective_from")
        assert_error(S.request("POST", url, token=admin, body={}), 400, "missing_field",
                     "effective_from")
        assert_error(S.request("POST", url, token=admin, body={"effective_from": fut, "x": 1}),
                     400, "unknown_field", "x")
        assert_error(S.request("POST", url, token=admin,
                               body={"effective_from": fut, "subsidy_bp": 10001}),
                     400, "invalid_field", "subsidy_bp")
        assert_error(S.request("POST", url, token=admin,
                               body={"effective_from": fut, "disability_bp": [10000] * 9}),
                     400, "invalid_field", "disability_bp")
        assert_error(S.request("POST", url, token=admin,
                               body={"effective_from": fut, "min_age": 70}),
                     400, "invalid_field", "max_age")
        assert_error(S.request("POST", url, token=admin,
                               body={"effective_from": fut, "daily_premium_fen": 0}),
                     400, "invalid_field", "daily_premium_fen")
        assert_error(S.request("POST", url, token=admin, raw="{not json"), 400, "bad_json")
        assert_error(S.request("POST", "/api/v1/insurance/products/nope/versions", token=admin,
                               body={"effective_from": fut}), 404, "not_found")
        self.assertEqual(S.sql("SELECT COUNT(*) FROM ins_product_versions")[0][0], before)


# -- enrollment --------------------------------------------------------------

class TestEnrollment(unittest.TestCase):
    def test_worker_enrolls_once_and_the_second_attempt_merges(self):
        tok = S.login("worker2")
        d = free_day(worker_person("worker2"), 40, 200)
        r = S.request("POST", "/api/v1/cover-days", token=tok, body={"dates": [iso(d)]})
        assert_status(r, 201)
        self.assertEqual(r.body["created_count"], 1)
        self.assertEqual(len(r.body["orders"]), 1)
        self.assertEqual(r.body["orders"][0]["amount_fen"], 20)  # the payer's share
        self.assertEqual(r.body["orders"][0]["premium_fen"], 40)
        again = S.request("POST", "/api/v1/cover-days", token=tok, body={"dates": [iso(d), iso(d)]})
        assert_status(again, 200)
        self.assertEqual(again.body["created_count"], 0)
        self.assertEqual(again.body["already_covered_count"], 1)
        self.assertEqual(again.body["already_covered"][0]["id"], r.body["created"][0]["id"])
        self.assertEqual(again.body["orders"], [])
        self.assertEqual(cover_count(worker_person("worker2"), d), 1)

    def test_dates_refused_with_reasons(self):
        tok = S.login("worker2")
        d = free_day(worker_person("worker2"), 300, 60)
        r = S.request("POST", "/api/v1/cover-days", token=tok, body={
            "dates": [iso(d), "2026-02-30", iso(today() - datetime.timedelta(days=1)),
                      iso(today() + datetime.timedelta(days=400)), "<script>"]})
        assert_status(r, 201)
        reasons = sorted(x["reason"] for x in r.body["refused"])
        self.assertEqual(reasons, ["bad_date", "bad_date", "past_date", "too_far_ahead"])
        self.assertEqual(r.body["created_count"], 1)

    def test_range_and_bad_ranges(self):
        tok = S.login("worker2")
        a = today() + datetime.timedelta(days=150 + _rng.randrange(0, 100))
        r = S.request("POST", "/api/v1/cover-days", token=tok,
                      body={"from": iso(a), "to": iso(a + datetime.timedelta(days=2))})
        assert_status(r, 201)
        self.assertEqual(r.body["created_count"] + r.body["already_covered_count"], 3)
        assert_error(S.request("POST", "/api/v1/cover-days", token=tok, body={"from": iso(a)}),
                     400, "missing_field", "to")
        assert_error(S.request("POST", "/api/v1/cover-days", token=tok,
                               body={"from": iso(a), "to": iso(a - datetime.timedelta(days=1))}),
                     400, "invalid_field", "to")
        assert_error(S.request("POST", "/api/v1/cover-days", token=tok, body={"dates": []}),
                     400, "invalid_field", "dates")

    def test_dates_with_a_range_is_refused(self):
        tok = S.login("worker2")
        a = today() + datetime.timedelta(days=200 + _rng.randrange(0, 100))
        b = a + datetime.timedelta(days=40)
        before = int(S.sql("SELECT COUNT(*) FROM cover_days")[0][0])
        for extra in ({"from": iso(a), "to": iso(a + datetime.timedelta(days=1))}, {"from": iso(a)},
                      {"to": iso(a)}):
            body = dict(extra, dates=[iso(b)])
            err = assert_error(S.request("POST", "/api/v1/cover-days", token=tok, body=body),
                               400, "invalid_field", "dates")
            self.assertIn("not both", err["message"])
        self.assertEqual(int(S.sql("SELECT COUNT(*) FROM cover_days")[0][0]), before)

    def test_worker_enrolls_only_themself(self):
        tok = S.login("worker")
        assert_error(S.request("POST", "/api/v1/cover-days", token=tok,
                               body={"people": [{"person_id": 1}]}), 403, "forbidden", "people")
        assert_error(S.request("POST", "/api/v1/cover-days", token=tok,
                               body={"payer_organisation_id": 1}), 403, "forbidden")

    def test_age_edges_on_each_date(self):
        d = today() + datetime.timedelta(days=60)
        turns16 = years_before(d, 16)          # 16th birthday on d
        turns66 = years_before(d, 66)          # last day at 65 is d - 1
        r = staff_enroll([{"id_number": id_number(turns16), "name": "少年"},
                          {"id_number": id_number(turns66), "name": "老人"}],
                         [d - datetime.timedelta(days=1), d])
        assert_status(r, 201)
        created = {(c["date"]) for c in r.body["created"]}
        refused = [(x["index"], x["date"], x["reason"]) for x in r.body["refused"]]
        self.assertEqual(sorted(refused), [(0, iso(d - datetime.timedelta(days=1)), "age"),
                                           (1, iso(d), "age")])
        self.assertEqual(created, {iso(d), iso(d - datetime.timedelta(days=1))})
        self.assertEqual(r.body["created_count"], 2)

    def test_people_refused_with_reasons(self):
        d = today() + datetime.timedelta(days=70)
        unknown, fresh = id_number(random_birth()), id_number(random_birth())
        r = staff_enroll([{"id_number": "360426199101010072"},  # bad check character
                          {"id_number": unknown},               # unknown, no name
                          {"person_id": 999999999},             # no such person
                          {"id_number": fresh, "name": "新人"}], [d])
        assert_status(r, 201)
        got = sorted((x["index"], x["reason"]) for x in r.body["refused"])
        self.assertEqual(got, [(0, "bad_id_number"), (1, "unknown_person"), (2, "unknown_person")])
        self.assertEqual(r.body["created_count"], 1)
        # ID numbers are never echoed
        for idn in ("360426199101010072", unknown, fresh):
            self.assertNotIn(idn, r.raw.decode())

    def test_bad_input(self):
        tok = S.login("insurer")
        before = S.sql("SELECT COUNT(*) FROM cover_days")[0][0]
        url = "/api/v1/cover-days"
        assert_error(S.request("POST", url, token=tok, raw="{"), 400, "bad_json")
        assert_error(S.request("POST", url, token=tok, raw="[1]"), 400, "not_an_object")
        assert_error(S.request("POST", url, token=tok, body={"people": [], "zz": 1}), 400,
                     "unknown_field", "zz")
        assert_error(S.request("POST", url, token=tok, body={"people": "all"}), 400, "invalid_field",
                     "people")
        assert_error(S.request("POST", url, token=tok, body={}), 400, "missing_field", "people")
        assert_error(S.request("POST", url, token=tok,
                               body={"people": [{"person_id": 1, "id_number": "x"}]}),
                     400, "invalid_field", "people[0]")
        assert_error(S.request("POST", url, token=tok, body={"people": [{}]}), 400, "invalid_field",
                     "people[0]")
        assert_error(S.request("POST", url, token=tok, body={"people": [{"person_id": -3}]}), 400,
                     "invalid_field", "people[0].person_id")
        assert_error(S.request("POST", url, token=tok, body={"people": [{"person_id": 1}],
                                                            "product": "nope"}),
                     400, "invalid_field", "product")
        assert_error(S.request("POST", url, token=tok,
                               body={"people": [{"person_id": 1}], "payer_organisation_id": 99999999}),
                     400, "invalid_field", "payer_organisation_id")
        # too many person-days at once
        many = [{"person_id": 1}] * 1001
        d0 = today() + datetime.timedelta(days=1)
        assert_error(S.request("POST", url, token=tok, body={
            "people": many, "from": iso(d0), "to": iso(d0 + datetime.timedelta(days=199))}),
            413, "body_too_large", "people")
        # a body over the route's 16 MiB cap is refused from its Content-Length
        big = S.send_raw(("POST /api/v1/cover-days HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                          "Content-Length: %d\r\nConnection: close\r\n\r\n{" %
                          (tok, 17 * 1024 * 1024)).encode())
        assert_error(big, 413, "body_too_large")
        assert_error(S.request("POST", url, body={"people": []}), 401, "unauthenticated")
        for login in ("mediator", "analyst", "supervisor"):
            assert_error(S.request("POST", url, token=S.login(login), body={"people": []}), 403,
                         "forbidden")
        self.assertEqual(S.sql("SELECT COUNT(*) FROM cover_days")[0][0], before)

    def test_platform_enrolls_its_roster_and_pays(self):
        plat, key = new_platform()
        d = today() + datetime.timedelta(days=90)
        on, _ = new_person(dates=[d + datetime.timedelta(days=1)])
        off, _ = new_person(dates=[d + datetime.timedelta(days=1)])
        put_on_roster(plat, on)
        r = S.request("POST", "/api/v1/cover-days", token=key,
                      body={"people": [{"person_id": on}, {"person_id": off}], "dates": [iso(d)]})
        assert_status(r, 201)
        self.assertEqual([c["person_id"] for c in r.body["created"]], [on])
        self.assertEqual([(x["index"], x["reason"]) for x in r.body["refused"]], [(1, "not_on_roster")])
        order = r.body["orders"][0]
        o = S.request("GET", "/api/v1/payment-orders/%d" % order["id"], token=key)
        assert_status(o, 200)
        self.assertEqual(o.body["payer"], {"kind": "organisation", "person_id": None,
                                           "organisation_id": plat})
        # a platform names only people it knows: no one is created for it
        people_before = S.sql("SELECT COUNT(*) FROM people")[0][0]
        r2 = S.request("POST", "/api/v1/cover-days", token=key, body={
            "people": [{"id_number": id_number(random_birth()), "name": "路人"}], "dates": [iso(d)]})
        assert_status(r2, 200)
        self.assertEqual([x["reason"] for x in r2.body["refused"]], ["unknown_person"])
        self.assertEqual(S.sql("SELECT COUNT(*) FROM people")[0][0], people_before)
        # another platform cannot pay for it
        assert_error(S.request("POST", "/api/v1/cover-days", token=key,
                               body={"people": [{"person_id": on}], "payer_organisation_id": plat + 1}),
                     403, "forbidden", "payer_organisation_id")
        # the platform sees what it paid for, and nothing else
        cid = r.body["created"][0]["id"]
        assert_status(S.request("GET", "/api/v1/cover-days/%d" % cid, token=key), 200)
        lst = S.request("GET", "/api/v1/cover-days", token=key, query={"limit": 200})
        assert_status(lst, 200)
        self.assertEqual({c["payer"]["organisation_id"] for c in lst.body["items"]}, {plat})
        own = S.request("GET", "/api/v1/cover-days", token=S.login("worker"), query={"limit": 1})
        assert_error(S.request("GET", "/api/v1/cover-days/%d" % own.body["items"][0]["id"], token=key),
                     404, "not_found")


# -- cancelling --------------------------------------------------------------

class TestCancel(unittest.TestCase):
    def test_cancel_after_the_start_is_refused(self):
        tok = S.login("worker")
        lst = S.request("GET", "/api/v1/cover-days", token=tok,
                        query={"date": iso(today()), "state": "active"})
        assert_status(lst, 200)
        self.assertEqual(len(lst.body["items"]), 1, "the demo worker is covered today")
        cid = lst.body["items"][0]["id"]
        assert_error(S.request("POST", "/api/v1/cover-days/%d/cancel" % cid, token=tok), 409,
                     "conflict")
        again = S.request("GET", "/api/v1/cover-days/%d" % cid, token=tok)
        self.assertEqual(again.body["state"], "active")

    def test_cancel_paid_day_refunds_and_unpaid_day_shrinks_the_order(self):
        tok = S.login("worker2")
        d = today() + datetime.timedelta(days=20 + _rng.randrange(0, 300))
        while True:
            r = S.request("POST", "/api/v1/cover-days", token=tok,
                          body={"dates": [iso(d), iso(d + datetime.timedelta(days=1))]})
            if r.body["created_count"] == 2:
                break
            d += datetime.timedelta(days=3)
        order = r.body["orders"][0]
        first, second = r.body["created"][0]["id"], r.body["created"][1]["id"]
        # cancel one unpaid day: the order now owes one payer share
        c = S.request("POST", "/api/v1/cover-days/%d/cancel" % second, token=tok)
        assert_status(c, 200)
        self.assertEqual((c.body["state"], c.body["cancel_reason"], c.body["refund_fen"]),
                         ("cancelled", "requested", 0))
        o = S.request("GET", "/api/v1/payment-orders/%d" % order["id"], token=tok).body
        self.assertEqual((o["amount_fen"], o["cover_days"]), (20, 1))
        resp, _ = callback(order, amount=40)
        assert_error(resp, 422, "unprocessable", "amount_fen")
        resp, _ = callback(o)
        assert_status(resp, 200)
        self.assertEqual(S.request("GET", "/api/v1/cover-days/%d" % first, token=tok).body["state"],
                         "active")
        self.assertEqual(S.request("GET", "/api/v1/cover-days/%d" % second, token=tok).body["state"],
                         "cancelled")
        # cancel the paid day: refund booked in the ledger
        c = S.request("POST", "/api/v1/cover-days/%d/cancel" % first, token=tok)
        assert_status(c, 200)
        self.assertEqual(c.body["refund_fen"], 20)
        rows = S.sql("SELECT kind, premium_fen, subsidy_fen, payer_fen FROM ins_ledger "
                     "WHERE cover_day_id = %d ORDER BY id" % first)
        self.assertEqual(rows, [["premium", "40", "20", "20"], ["refund", "-40", "-20", "-20"]])
        o = S.request("GET", "/api/v1/payment-orders/%d" % order["id"], token=tok).body
        self.assertEqual(o["refunded_fen"], 20)
        assert_error(S.request("POST", "/api/v1/cover-days/%d/cancel" % first, token=tok), 409,
                     "conflict")
        # someone else's cover-day is not found; supervisors change nothing
        assert_error(S.request("POST", "/api/v1/cover-days/%d/cancel" % first,
                               token=S.login("worker")), 404, "not_found")
        assert_error(S.request("POST", "/api/v1/cover-days/%d/cancel" % first,
                               token=S.login("supervisor")), 403, "forbidden")
        assert_error(S.request("POST", "/api/v1/cover-days/999999999/cancel", token=tok), 404,
                     "not_found")
        assert_error(S.request("POST", "/api/v1/cover-days/abc/cancel", token=tok), 404,
                     "not_found")


    def test_only_the_payer_cancels(self):
        plat, key = new_platform()
        person = worker_person("worker2")
        put_on_roster(plat, person)
        d = today() + datetime.timedelta(days=30 + _rng.randrange(0, 300))
        while True:
            r = S.request("POST", "/api/v1/cover-days", token=key,
                          body={"people": [{"person_id": person}], "dates": [iso(d)]})
            assert_status(r, (200, 201))
            if r.body["created_count"] == 1:
                break
            d += datetime.timedelta(days=1)
        cid = r.body["created"][0]["id"]
        resp, _ = callback(r.body["orders"][0])
        assert_status(resp, 200)
        w = S.login("worker2")
        # the worker sees the day the platform paid for, but may not cancel it
        assert_status(S.request("GET", "/api/v1/cover-days/%d" % cid, token=w), 200)
        assert_error(S.request("POST", "/api/v1/cover-days/%d/cancel" % cid, token=w), 403, "forbidden")
        self.assertEqual(S.sql("SELECT state FROM cover_days WHERE id = %d" % cid), [["active"]])
        self.assertEqual(S.sql("SELECT COUNT(*) FROM ins_ledger WHERE cover_day_id = %d AND kind = "
                               "'refund'" % cid), [["0"]])
        # the payer may, and the refund goes to it
        c = S.request("POST", "/api/v1/cover-days/%d/cancel" % cid, token=key)
        assert_status(c, 200)
        self.assertEqual((c.body["state"], c.body["refund_fen"]), ("cancelled", 20))
        self.assertEqual(S.sql("SELECT payer_org_id FROM ins_ledger WHERE cover_day_id = %d AND "
                               "kind = 'refund'" % cid), [[str(plat)]])


# -- payments ----------------------------------------------------------------

class TestPayments(unittest.TestCase):
    def enroll_today_and_tomorrow(self):
        pid, r = new_person(dates=[today(), today() + datetime.timedelta(days=1)])
        self.assertEqual(r.body["created_count"], 2)
        return pid, r.body["orders"][0], [c["id"] for c in r.body["created"]]

    def test_good_callback_activates_and_repeats_idempotently(self):
        pid, order, ids = self.enroll_today_and_tomorrow()
        paid = now() - 30
        resp, body = callback(order, paid_at=paid)
        assert_status(resp, 200)
        self.assertEqual(resp.body["order"]["state"], "paid")
        self.assertEqual(resp.body["order"]["channel_ref"], body["channel_ref"])
        ins = S.login("insurer")
        days = sorted((S.request("GET", "/api/v1/cover-days/%d" % i, token=ins).body for i in ids),
                      key=lambda c: c["date"])
        self.assertEqual([c["state"] for c in days], ["active", "active"])
        # today's cover starts at the payment, tomorrow's at 00:00 Shanghai
        self.assertEqual(parse_instant(days[0]["cover_start_at"]), paid)
        self.assertEqual(parse_instant(days[1]["cover_start_at"]),
                         day_start(today() + datetime.timedelta(days=1)))
        self.assertEqual(parse_instant(days[1]["cover_end_at"]),
                         day_start(today() + datetime.timedelta(days=2)))
        ledger = S.sql("SELECT COUNT(*), SUM(premium_fen), SUM(subsidy_fen) + SUM(payer_fen) "
                       "FROM ins_ledger WHERE order_id = %d" % order["id"])
        self.assertEqual(ledger, [["2", "80", "80"]])
        # the same callback again: 200, the same result, nothing booked twice
        raw = json.dumps(body).encode()
        again = S.request("POST", "/api/v1/payments/callback", raw=raw,
                          headers={"X-Signature": sign(raw)})
        assert_status(again, 200)
        self.assertEqual(again.body, resp.body)
        self.assertEqual(S.sql("SELECT COUNT(*) FROM ins_ledger WHERE order_id = %d" % order["id"]),
                         [["2"]])
        # paid again under another reference: a conflict
        r2, _ = callback(order)
        assert_error(r2, 409, "conflict")

    def assert_pending(self, order):
        rows = S.sql("SELECT state, COALESCE(channel_ref, '') FROM payment_orders WHERE id = %d"
                     % order["id"])
        self.assertEqual(rows, [["pending", ""]])
        self.assertEqual(S.sql("SELECT COUNT(*) FROM ins_ledger WHERE order_id = %d" % order["id"]),
                         [["0"]])

    def test_forged_and_missing_signatures(self):
        _, order, _ = self.enroll_today_and_tomorrow()
        r, body = callback(order, signature="00" * 32)
        assert_error(r, 401, "bad_signature")
        r, _ = callback(order, signature="")
        assert_error(r, 401, "bad_signature")
        r, _ = callback(order, signature="zz")
        assert_error(r, 401, "bad_signature")
        # a good signature over a different body
        other = json.dumps(dict(body, amount_fen=1)).encode()
        raw = json.dumps(body).encode()
        r = S.request("POST", "/api/v1/payments/callback", raw=raw,
                      headers={"X-Signature": sign(other)})
        assert_error(r, 401, "bad_signature")
        # upper-case hex is the same signature
        r = S.request("POST", "/api/v1/payments/callback", raw=raw,
                      headers={"X-Signature": sign(raw).upper()})
        assert_status(r, 200)

    def test_replay_wrong_amount_unknown_order(self):
        _, a, _ = self.enroll_today_and_tomorrow()
        _, b, _ = self.enroll_today_and_tomorrow()
        ref = unique("REF")
        r, _ = callback(a, ref=ref)
        assert_status(r, 200)
        r, _ = callback(b, ref=ref)
        assert_error(r, 409, "replay", "channel_ref")
        self.assert_pending(b)
        r, _ = callback(b, amount=b["amount_fen"] + 1)
        assert_error(r, 422, "unprocessable", "amount_fen")
        self.assert_pending(b)
        r, _ = callback({"id": 999999999, "amount_fen": 40})
        assert_error(r, 404, "not_found")
        r, _ = callback(b, paid_at=now() + 3600)
        assert_error(r, 422, "unprocessable", "paid_at")
        self.assert_pending(b)
        # by order number instead of id
        raw = json.dumps({"order_no": b["order_no"], "channel_ref": unique("N"),
                          "amount_fen": b["amount_fen"], "paid_at": rfc3339(now())}).encode()
        r = S.request("POST", "/api/v1/payments/callback", raw=raw, headers={"X-Signature": sign(raw)})
        assert_status(r, 200)
        self.assertEqual(r.body["order"]["id"], b["id"])

    def test_bad_bodies_are_refused(self):
        _, order, _ = self.enroll_today_and_tomorrow()
        cases = [
            (b"{not json", 400, "bad_json", None),
            (b"[1,2]", 400, "not_an_object", None),
            (json.dumps({"order_id": order["id"]}).encode(), 400, "missing_field", "channel_ref"),
            (json.dumps({"order_id": order["id"], "channel_ref": "x", "amount_fen": "40",
                         "paid_at": rfc3339(now())}).encode(), 400, "invalid_field", "amount_fen"),
            (json.dumps({"channel_ref": "x", "amount_fen": 40, "paid_at": rfc3339(now())}).encode(),
             400, "missing_field", "order_id"),
            (json.dumps({"order_id": order["id"], "order_no": order["order_no"], "channel_ref": "x",
                         "amount_fen": 40, "paid_at": rfc3339(now())}).encode(),
             400, "invalid_field", "order_id"),
            (json.dumps({"order_id": order["id"], "channel_ref": "x", "amount_fen": 40,
                         "paid_at": "yesterday"}).encode(), 400, "invalid_field", "paid_at"),
            (json.dumps({"order_id": order["id"], "channel_ref": "x", "amount_fen": 40,
                         "paid_at": rfc3339(now()), "evil": 1}).encode(),
             400, "unknown_field", "evil"),
        ]
        for raw, status, code, field in cases:
            with self.subTest(raw=raw[:60]):
                r = S.request("POST", "/api/v1/payments/callback", raw=raw,
                              headers={"X-Signature": sign(raw)})
                assert_error(r, status, code, field)
        self.assert_pending(order)

    def test_an_expired_order_cannot_be_paid(self):
        _, order, ids = self.enroll_today_and_tomorrow()
        S.sql("UPDATE payment_orders SET expires_at = %d WHERE id = %d" % (now() - 60, order["id"]))
        r, _ = callback(order, paid_at=now() - 10)
        assert_error(r, 409, "conflict", "paid_at")
        self.assert_pending(order)
        # shown as expired at once; the next enrollment (or the daily job) lapses
        # it and cancels its days as unpaid
        o = S.request("GET", "/api/v1/payment-orders/%d" % order["id"], token=S.login("insurer"))
        self.assertEqual(o.body["state"], "expired")
        new_person()
        rows = S.sql("SELECT state, cancel_reason FROM cover_days WHERE order_id = %d" % order["id"])
        self.assertEqual(rows, [["cancelled", "unpaid"], ["cancelled", "unpaid"]])
        self.assertEqual(S.sql("SELECT state FROM payment_orders WHERE id = %d" % order["id"]),
                         [["expired"]])
        r, _ = callback(order, paid_at=now() - 10)
        assert_error(r, 409, "conflict")

    def test_order_views(self):
        w = S.login("worker2")
        mine = S.request("GET", "/api/v1/payment-orders", token=w, query={"limit": 200})
        assert_status(mine, 200)
        me = worker_person("worker2")
        self.assertTrue(mine.body["items"])
        self.assertEqual({o["payer"]["person_id"] for o in mine.body["items"]}, {me})
        other = S.request("GET", "/api/v1/payment-orders", token=S.login("worker"), query={"limit": 1})
        oid = other.body["items"][0]["id"]
        assert_error(S.request("GET", "/api/v1/payment-orders/%d" % oid, token=w), 404, "not_found")
        assert_status(S.request("GET", "/api/v1/payment-orders/%d" % oid, token=S.login("insurer")), 200)
        assert_status(S.request("GET", "/api/v1/payment-orders/%d" % oid,
                                token=S.login("supervisor")), 200)
        for login in ("mediator", "analyst"):
            assert_error(S.request("GET", "/api/v1/payment-orders", token=S.login(login)), 403,
                         "forbidden")
        assert_error(S.request("GET", "/api/v1/payment-orders", token=w, query={"state": "x"}),
                     400, "invalid_parameter", "state")


# -- views ---------------------------------------------------------------------

class TestViews(unittest.TestCase):
    def test_worker_sees_only_own_cover_days(self):
        w = S.login("worker")
        me = worker_person("worker")
        lst = S.request("GET", "/api/v1/cover-days", token=w, query={"limit": 200})
        assert_status(lst, 200)
        self.assertTrue(lst.body["items"])
        self.assertEqual({c["person_id"] for c in lst.body["items"]}, {me})
        other = S.request("GET", "/api/v1/cover-days", token=S.login("worker2"), query={"limit": 1})
        oid = other.body["items"][0]["id"]
        assert_error(S.request("GET", "/api/v1/cover-days/%d" % oid, token=w), 404, "not_found")
        # asking for someone else's list finds nothing
        theirs = S.request("GET", "/api/v1/cover-days", token=w,
                           query={"person_id": other.body["items"][0]["person_id"]})
        self.assertEqual(theirs.body["items"], [])

    def test_staff_views(self):
        oid = S.request("GET", "/api/v1/cover-days", token=S.login("worker"),
                        query={"limit": 1}).body["items"][0]["id"]
        for login in ("insurer", "supervisor", "admin"):
            assert_status(S.request("GET", "/api/v1/cover-days/%d" % oid, token=S.login(login)), 200)
        for login in ("mediator", "analyst", "mediator.hrss"):
            tok = S.login(login)
            assert_error(S.request("GET", "/api/v1/cover-days", token=tok), 403, "forbidden")
            assert_error(S.request("GET", "/api/v1/cover-days/%d" % oid, token=tok), 403, "forbidden")
            assert_error(S.request("GET", "/api/v1/claims", token=tok), 403, "forbidden")

    def test_pagination_and_bad_parameters(self):
        ins = S.login("insurer")
        p1 = S.request("GET", "/api/v1/cover-days", token=ins, query={"limit": 3})
        assert_status(p1, 200)
        self.assertEqual(len(p1.body["items"]), 3)
        p2 = S.request("GET", "/api/v1/cover-days", token=ins,
                       query={"limit": 3, "cursor": p1.body["next_cursor"]})
        ids1 = [c["id"] for c in p1.body["items"]]
        ids2 = [c["id"] for c in p2.body["items"]]
        self.assertFalse(set(ids1) & set(ids2))
        self.assertLess(max(ids2), min(ids1))
        for q, field in (({"state": "bogus"}, "state"), ({"limit": 0}, "limit"),
                         ({"limit": 201}, "limit"), ({"cursor": "abc"}, "cursor"),
                         ({"from": "2026-13-01"}, "from"), ({"date": "x"}, "date"),
                         ({"person_id": "1; DROP TABLE people"}, "person_id")):
            with self.subTest(q=q):
                assert_error(S.request("GET", "/api/v1/cover-days", token=ins, query=q), 400,
                             "invalid_parameter", field)
        st = S.request("GET", "/api/v1/cover-days", token=ins, query={"state": "expired", "limit": 5})
        self.assertEqual({c["state"] for c in st.body["items"]}, {"expired"})
        assert_error(S.request("GET", "/api/v1/cover-days"), 401, "unauthenticated")


# -- auto-renewal and the daily job -----------------------------------------------

class TestAutoRenew(unittest.TestCase):
    def test_auto_renew_setting(self):
        w = S.login("worker2")
        r = S.request("PUT", "/api/v1/cover-days/auto-renew", token=w, body={"enabled": True})
        assert_status(r, 200)
        self.assertTrue(r.body["enabled"])
        self.assertEqual(S.request("GET", "/api/v1/cover-days/auto-renew", token=w).body["enabled"], True)
        assert_error(S.request("PUT", "/api/v1/cover-days/auto-renew", token=w,
                               body={"enabled": "yes"}), 400, "invalid_field", "enabled")
        assert_error(S.request("PUT", "/api/v1/cover-days/auto-renew", token=w, body={}), 400,
                     "missing_field", "enabled")
        for login in ("insurer", "admin", "supervisor"):
            assert_error(S.request("PUT", "/api/v1/cover-days/auto-renew", token=S.login(login),
                                   body={"enabled": True}), 403, "forbidden")
        r = S.request("PUT", "/api/v1/cover-days/auto-renew", token=w, body={"enabled": False})
        self.assertFalse(r.body["enabled"])
        self.assertIsNone(r.body["next_renewal_date"])



class TestDailyJob(unittest.TestCase):
    """The job moves whole days, so it runs on a database of its own."""

    @classmethod
    def setUpClass(cls):
        cls.J = Server(seed=True, env={"EGRET_SECURITY_PAYMENT_SECRET": SECRET}, name="insurance_job")
        cls.J.start()

    @classmethod
    def tearDownClass(cls):
        cls.J.stop()

    def count(self, sql):
        return int(self.J.sql(sql)[0][0])

    def test_daily_job_rolls_renewals_once_and_closes_days(self):
        J = self.J
        w = J.login("worker")
        me = J.request("GET", "/api/v1/me", token=w).body["person_id"]
        self.assertTrue(J.request("GET", "/api/v1/cover-days/auto-renew", token=w).body["enabled"])
        # an unpaid day the day after tomorrow, and today's active cover
        d2 = today() + datetime.timedelta(days=2)
        r = J.request("POST", "/api/v1/cover-days", token=J.login("worker2"), body={"dates": [iso(d2)]})
        assert_status(r, 201)
        unpaid = r.body["created"][0]["id"]
        active_today = self.count("SELECT COUNT(*) FROM cover_days WHERE day = '%s' AND "
                                  "state = 'active'" % iso(today()))
        self.assertGreater(active_today, 0)
        d = today() + datetime.timedelta(days=3)
        nxt = d + datetime.timedelta(days=1)
        p = J.run_cli(["insurance", "daily", "--date", iso(d)])
        self.assertEqual(p.returncode, 0, p.stderr)
        m = re.search(r"days_closed=(\d+) renew_orders=(\d+) renew_days=(\d+)", p.stdout)
        self.assertTrue(m, p.stdout)
        self.assertGreaterEqual(int(m.group(1)), active_today)
        self.assertGreaterEqual(int(m.group(3)), 1)
        self.assertEqual(int(m.group(2)), int(m.group(3)))
        # finished days closed; the unpaid day of a past date cancelled as unpaid
        self.assertEqual(self.count("SELECT COUNT(*) FROM cover_days WHERE day < '%s' AND "
                                    "state IN ('active', 'awaiting_payment')" % iso(d)), 0)
        self.assertEqual(J.sql("SELECT state, cancel_reason FROM cover_days WHERE id = %d" % unpaid),
                         [["cancelled", "unpaid"]])
        # the worker's renewal for the next day awaits payment on an order of their own
        self.assertEqual(J.sql("SELECT state, source, payer_kind FROM cover_days WHERE person_id = "
                               "%d AND day = '%s'" % (me, iso(nxt))),
                         [["awaiting_payment", "auto_renew", "person"]])
        orders = self.count("SELECT COUNT(*) FROM payment_orders WHERE kind = 'auto_renew' AND "
                            "first_day = '%s'" % iso(nxt))
        days = self.count("SELECT COUNT(*) FROM cover_days WHERE day = '%s'" % iso(nxt))
        audit = self.count("SELECT COUNT(*) FROM audit_events")
        # twice: already done, nothing doubled, nothing written
        p2 = J.run_cli(["insurance", "daily", "--date", iso(d)])
        self.assertEqual(p2.returncode, 0)
        self.assertIn("already done", p2.stdout)
        self.assertEqual(self.count("SELECT COUNT(*) FROM audit_events"), audit)
        # an interrupted run is resumed without doubling
        J.sql("UPDATE ins_job_runs SET state = 'running' WHERE day = '%s'" % iso(d))
        p3 = J.run_cli(["insurance", "daily", "--date", iso(d)])
        self.assertEqual(p3.returncode, 0)
        self.assertIn("renew_days=0", p3.stdout)
        self.assertEqual(self.count("SELECT COUNT(*) FROM cover_days WHERE day = '%s'" % iso(nxt)),
                         days)
        self.assertEqual(self.count("SELECT COUNT(*) FROM payment_orders WHERE kind = 'auto_renew' "
                                    "AND first_day = '%s'" % iso(nxt)), orders)
        # the renewal is paid through the usual callback
        lst = J.request("GET", "/api/v1/cover-days", token=w, query={"date": iso(nxt)})
        self.assertEqual(len(lst.body["items"]), 1)
        order = J.request("GET", "/api/v1/payment-orders/%d" % lst.body["items"][0]["order_id"],
                          token=w).body
        self.assertEqual((order["kind"], order["amount_fen"]), ("auto_renew", 20))
        self.assertEqual(parse_instant(order["expires_at"]), day_start(nxt + datetime.timedelta(days=1)))
        raw = json.dumps({"order_id": order["id"], "channel_ref": unique("AR"), "amount_fen": 20,
                          "paid_at": rfc3339(now())}).encode()
        r = J.request("POST", "/api/v1/payments/callback", raw=raw, headers={"X-Signature": sign(raw)})
        assert_status(r, 200)
        self.assertEqual(J.sql("SELECT state, cover_start_at FROM cover_days WHERE person_id = %d "
                               "AND day = '%s'" % (me, iso(nxt))),
                         [["active", str(day_start(nxt))]])
        bad = J.run_cli(["insurance", "daily", "--date", "2026-02-30"])
        self.assertEqual(bad.returncode, 2)
        bad = J.run_cli(["insurance", "daily", "--bogus"])
        self.assertEqual(bad.returncode, 2)


# -- settlements and figures ---------------------------------------------------

class TestReports(unittest.TestCase):
    def test_settlement_sums_exactly_and_exports(self):
        ins = S.login("insurer")
        month = today().strftime("%Y-%m")
        r = S.request("GET", "/api/v1/insurance/settlements", token=ins, query={"month": month})
        assert_status(r, 200)
        self.assertTrue(r.body["rows"])
        for row in r.body["rows"]:
            self.assertEqual(row["subsidy_fen"] + row["payer_fen"], row["premium_fen"])
        t = r.body["total"]
        for k in ("person_days", "premium_fen", "subsidy_fen", "payer_fen"):
            self.assertEqual(t[k], sum(row[k] for row in r.body["rows"]))
        ledger = S.sql("SELECT SUM(premium_fen) FROM ins_ledger WHERE month = '%s'" % month)
        self.assertEqual(int(ledger[0][0]), t["premium_fen"])
        csv = S.request("GET", "/api/v1/insurance/settlements", token=ins,
                        query={"month": month, "format": "csv"})
        assert_status(csv, 200)
        self.assertTrue(csv.headers.get("Content-Type").startswith("text/csv"))
        self.assertIn("attachment", csv.headers.get("Content-Disposition"))
        text = csv.raw.decode("utf-8")
        self.assertTrue(text.startswith("\ufeffmonth,payer_kind,"))
        self.assertIn("%s,total,,合计 (total),,%d,%d," % (month, t["person_days"], t["premium_fen"]),
                      text)
        xl = S.request("GET", "/api/v1/insurance/settlements", token=S.login("admin"),
                       query={"month": month, "format": "xlsx"})
        assert_status(xl, 200)
        self.assertTrue(xl.raw.startswith(b"PK\x03\x04"))
        self.assertIn("spreadsheetml", xl.headers.get("Content-Type"))

    def test_settlement_refusals(self):
        ins = S.login("insurer")
        for q in ({}, {"month": "2026-13"}, {"month": "2026-1"}, {"month": "x" * 300}):
            assert_error(S.request("GET", "/api/v1/insurance/settlements", token=ins, query=q), 400,
                         "invalid_parameter", "month")
        assert_error(S.request("GET", "/api/v1/insurance/settlements", token=ins,
                               query={"month": "2026-11", "format": "pdf"}), 400,
                     "invalid_parameter", "format")
        for login in ("worker", "mediator", "analyst"):
            assert_error(S.request("GET", "/api/v1/insurance/settlements", token=S.login(login),
                                   query={"month": "2026-11"}), 403, "forbidden")
        empty = S.request("GET", "/api/v1/insurance/settlements", token=ins, query={"month": "1999-01"})
        assert_status(empty, 200)
        self.assertEqual((empty.body["rows"], empty.body["total"]["premium_fen"]), ([], 0))

    def test_figures(self):
        for login in ("analyst", "insurer", "supervisor", "admin"):
            r = S.request("GET", "/api/v1/insurance/figures", token=S.login(login))
            assert_status(r, 200)
        b = r.body
        self.assertGreater(b["person_days"], 1000)
        self.assertGreater(b["insured_people"], 100)
        self.assertGreater(b["coverage"]["covered_people"], 0)
        self.assertEqual(set(b["claims"]["by_state"]),
                         {"reported", "accepted", "assessed", "approved", "paid", "rejected"})
        for s in b["claims"]["by_state"].values():
            self.assertGreater(s, 0)
        self.assertIsInstance(b["loss_ratio_bp"], int)
        self.assertEqual(b["loss_ratio_bp"], b["payouts_fen"] * 10000 // b["premiums_fen"])
        self.assertIsInstance(b["time_to_pay"]["median_hours"], int)
        self.assertGreaterEqual(b["time_to_pay"]["paid_within_one_day"], 1)
        narrow = S.request("GET", "/api/v1/insurance/figures", token=S.login("analyst"),
                           query={"from": "1999-01-01", "to": "1999-01-31"})
        self.assertEqual((narrow.body["person_days"], narrow.body["loss_ratio_bp"]), (0, None))
        for q, field in (({"from": "x"}, "from"), ({"to": "2026-02-30"}, "to"),
                         ({"from": "2026-05-01", "to": "2026-04-01"}, "to"), ({"date": "1"}, "date")):
            assert_error(S.request("GET", "/api/v1/insurance/figures", token=S.login("analyst"),
                                   query=q), 400, "invalid_parameter", field)
        for login in ("worker", "mediator"):
            assert_error(S.request("GET", "/api/v1/insurance/figures", token=S.login(login)), 403,
                         "forbidden")


if __name__ == "__main__":
    unittest.main()
