"""Bulk enrollment over HTTP: thousands of people × several dates in one
request and one transaction, paid by one order; sending it again doubles
nothing. (The 100,000 person-day case is in bench/insurance/run.sh.)"""

import datetime
import hashlib
import hmac
import json
import random
import re
import time
import unittest

from egret_client import Server, assert_error, assert_status, unique

SECRET = "bulk-payment-secret-0123456789ab"
S = None
_rng = random.Random()
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
PEOPLE = 3000
DAYS = 3


def setUpModule():
    global S
    S = Server(seed=True, env={"EGRET_SECURITY_PAYMENT_SECRET": SECRET})
    S.start()


def tearDownModule():
    if S is not None:
        S.stop()


def today():
    return datetime.datetime.now(SHANGHAI).date()


def id_numbers(n):
    out, seen = [], set()
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    while len(out) < n:
        birth = datetime.date(1975, 1, 1) + datetime.timedelta(days=_rng.randrange(0, 9000))
        body = "350211" + birth.strftime("%Y%m%d") + "%03d" % _rng.randrange(0, 1000)
        idn = body + "10X98765432"[sum(int(c) * w for c, w in zip(body, weights)) % 11]
        if idn not in seen:
            seen.add(idn)
            out.append(idn)
    return out


CC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code():
    body = "91350200" + "".join(_rng.choice(CC_CHARS) for _ in range(9))
    check = 31 - sum(CC_CHARS.index(c) * w for c, w in zip(body, CC_WEIGHTS)) % 31
    return body + CC_CHARS[0 if check == 31 else check]


def pay(order):
    raw = json.dumps({"order_id": order["id"], "channel_ref": unique("BULK"),
                      "amount_fen": order["amount_fen"],
                      "paid_at": datetime.datetime.now(datetime.timezone.utc)
                      .strftime("%Y-%m-%dT%H:%M:%SZ")}).encode()
    sig = hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    return S.request("POST", "/api/v1/payments/callback", raw=raw, headers={"X-Signature": sig})


class TestBulk(unittest.TestCase):
    def test_thousands_of_person_days_in_one_request(self):
        admin = S.login("admin")
        org = int(S.sql("SELECT MIN(id) FROM organisations")[0][0])
        first = today() + datetime.timedelta(days=10)
        dates = [(first + datetime.timedelta(days=k)).isoformat() for k in range(DAYS)]
        people = [{"id_number": idn, "name": "工%d" % i} for i, idn in enumerate(id_numbers(PEOPLE))]
        body = {"people": people, "dates": dates, "payer_organisation_id": org}
        t0 = time.monotonic()
        r = S.request("POST", "/api/v1/cover-days", token=admin, body=body)
        took = time.monotonic() - t0
        assert_status(r, 201)
        self.assertEqual(r.body["created_count"], PEOPLE * DAYS)
        self.assertEqual(r.body["refused_count"], 0)
        self.assertEqual(len(r.body["orders"]), 1)
        order = r.body["orders"][0]
        self.assertEqual(order["cover_days"], PEOPLE * DAYS)
        self.assertEqual(order["amount_fen"], 20 * PEOPLE * DAYS)
        self.assertLess(took, 120, "enrolling %d person-days took %.1fs" % (PEOPLE * DAYS, took))
        n = S.sql("SELECT COUNT(*) FROM cover_days WHERE order_id = %d" % order["id"])
        self.assertEqual(int(n[0][0]), PEOPLE * DAYS)
        # one audit event for the enrollment (plus one per person created)
        ev = S.sql("SELECT COUNT(*) FROM audit_events WHERE action = 'insurance.enroll' "
                   "AND summary LIKE '%%\"created\":%d,%%'" % (PEOPLE * DAYS))
        self.assertEqual(ev, [["1"]])
        # paid by one callback: every day active, every share booked once
        assert_status(pay(order), 200)
        rows = S.sql("SELECT state, COUNT(*) FROM cover_days WHERE order_id = %d GROUP BY state"
                     % order["id"])
        self.assertEqual(rows, [["active", str(PEOPLE * DAYS)]])
        led = S.sql("SELECT COUNT(*), SUM(premium_fen), SUM(subsidy_fen), SUM(payer_fen) FROM "
                    "ins_ledger WHERE order_id = %d" % order["id"])
        self.assertEqual(led, [[str(PEOPLE * DAYS), str(40 * PEOPLE * DAYS), str(20 * PEOPLE * DAYS),
                                str(20 * PEOPLE * DAYS)]])
        # the same request again: all merged, nothing new, no order
        again = S.request("POST", "/api/v1/cover-days", token=admin, body=body)
        assert_status(again, 200)
        self.assertEqual((again.body["created_count"], again.body["already_covered_count"]),
                         (0, PEOPLE * DAYS))
        self.assertEqual(again.body["orders"], [])
        n2 = S.sql("SELECT COUNT(*) FROM cover_days WHERE day IN ('%s')" % "','".join(dates))
        self.assertGreaterEqual(int(n2[0][0]), PEOPLE * DAYS)
        self.assertEqual(int(S.sql("SELECT COUNT(*) FROM cover_days WHERE order_id = %d"
                                   % order["id"])[0][0]), PEOPLE * DAYS)

    def test_platform_bulk_is_limited_to_its_roster(self):
        p = S.run_cli(["platform", "add", "--name", unique("平台"), "--credit-code", credit_code(),
                       "--sector", "courier"], check=True)
        key = re.search(r"egk_[A-Za-z0-9_-]{43}", p.stdout).group(0)
        plat = int(re.search(r"platform_id=(\d+)", p.stdout).group(1))
        ids = [int(r[0]) for r in S.sql("SELECT id FROM people ORDER BY id LIMIT 400")]
        on, off = ids[:300], ids[300:]
        values = ",".join("(%d, 'b%d', %d, 'rider', 'active', '2024-01-01', 0, 0, 0)" % (plat, i, i)
                          for i in on)
        S.sql("INSERT INTO mon_roster (platform_id, platform_worker_id, person_id, occupation, status, "
              "joined_on, batch_id, created_at, updated_at) VALUES " + values)
        d = today() + datetime.timedelta(days=5)
        r = S.request("POST", "/api/v1/cover-days", token=key, body={
            "people": [{"person_id": i} for i in ids],
            "from": (d + datetime.timedelta(days=40)).isoformat(),
            "to": (d + datetime.timedelta(days=44)).isoformat()})
        assert_status(r, 201)
        created_people = {c["person_id"] for c in r.body["created"]}
        self.assertTrue(created_people <= set(on))
        refused = {x["person_id"] for x in r.body["refused"] if x["reason"] == "not_on_roster"}
        self.assertEqual(refused, set(off))
        self.assertEqual(r.body["created_count"] + r.body["already_covered_count"] +
                         sum(1 for x in r.body["refused"] if x["reason"] == "age"), 300 * 5)
        assert_error(S.request("POST", "/api/v1/cover-days", token=key,
                               body={"people": [{"person_id": 1}] * 100001}), 400, "invalid_field",
                     "people")


if __name__ == "__main__":
    unittest.main()
