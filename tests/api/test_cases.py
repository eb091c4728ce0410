"""Rights-protection cases over real HTTP: intake by every channel, routing,
each role's view, every transition of the state machine, deadlines and
overdue cases, sessions, answers, the agreement and its confirmations,
payments and fulfilment, ratings, reassignment and co-handling, stats,
public figures — and bad input on every endpoint, with the database read
back afterwards to show nothing was stored."""

import datetime
import re
import threading
import unittest

from egret_client import Server, assert_error, assert_status, unique
from test_cases_common import (add_platform, bad_credit_code, count, credit_code, file_case,
                               id_number, move, person_id_of, staff_case)

S = None
T = {}          # login -> token
P1 = P2 = None  # (organisation id, API key): a food-delivery and a ride-hailing platform
WORKER_PERSON = WORKER2_PERSON = None

LOGINS = ("admin", "supervisor", "mediator", "mediator.siming", "mediator.hrss", "insurer",
          "analyst", "worker", "worker2")


def setUpModule():
    global S, P1, P2, WORKER_PERSON, WORKER2_PERSON
    S = Server(seed=True, env={"EGRET_SECURITY_LOGIN_MAX_PER_ADDRESS": "100000"})
    S.start()
    for login in LOGINS:
        T[login] = S.login(login)
    P1 = add_platform(S, "food_delivery", "鹭送外卖")
    P2 = add_platform(S, "ride_hailing", "鹭行出行")
    WORKER_PERSON = person_id_of(S, T["worker"])
    WORKER2_PERSON = person_id_of(S, T["worker2"])


def tearDownModule():
    S.stop()


def today():
    # Business dates are Asia/Shanghai (UTC+8, no daylight saving).
    return (datetime.datetime.utcnow() + datetime.timedelta(hours=8)).date()


def case_count():
    return count(S, "SELECT COUNT(*) FROM cases")


def get_case(cid, token):
    r = S.request("GET", "/api/v1/cases/%d" % cid, token=token)
    assert_status(r, 200)
    return r.body


class TestIntake(unittest.TestCase):
    def test_worker_files_online(self):
        c = file_case(S, T["worker"], P1[0], incident_date=str(today() - datetime.timedelta(days=3)))
        self.assertRegex(c["number"], r"^XM-\d{4}-\d{6}$")
        self.assertEqual(c["number"][3:7], str(today().year))
        self.assertEqual(c["state"], "submitted")
        self.assertEqual(c["channel"], "online")
        self.assertEqual(c["type"], "unpaid_pay")
        self.assertEqual(c["applicant"]["person_id"], WORKER_PERSON)
        self.assertEqual(c["respondent"]["id"], P1[0])
        self.assertEqual(c["department"]["code"], "hrss")  # unpaid pay -> human resources
        self.assertEqual(c["claims"], [{"category": "pay", "amount_fen": 350000}])
        self.assertEqual(c["claimed_total_fen"], 350000)
        self.assertFalse(c["incident_over_one_year"])
        self.assertFalse(c["overdue"])
        self.assertGreaterEqual(c["accept_due_on"], c["submitted_on"])
        self.assertEqual(c["allowed_transitions"], ["withdrawn"])
        ev = S.request("GET", "/api/v1/cases/%d/events" % c["id"], token=T["worker"])
        assert_status(ev, 200)
        kinds = [e["kind"] for e in ev.body["items"]]
        self.assertEqual(kinds[:2], ["submitted", "routed"])
        # The audit trail has the intake too.
        self.assertGreaterEqual(count(S, "SELECT COUNT(*) FROM audit_events WHERE entity = 'case' "
                                         "AND entity_id = '%d'" % c["id"]), 2)

    def test_qr_channel_is_online_form(self):
        c = file_case(S, T["worker"], P1[0], channel="qr")
        self.assertEqual(c["channel"], "qr")

    def test_numbers_unique_under_concurrency(self):
        numbers, errors = [], []

        def one():
            cl = S.client()
            try:
                for _ in range(4):
                    r = cl.request("POST", "/api/v1/cases", token=T["worker2"], body={
                        "type": "other", "respondent": {"organisation_id": P2[0]},
                        "matter": "押金", "facts": "押金未退"})
                    if r.status != 201:
                        errors.append(r)
                    else:
                        numbers.append(r.body["number"])
            finally:
                cl.close()

        threads = [threading.Thread(target=one) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        self.assertEqual(len(numbers), 24)
        self.assertEqual(len(set(numbers)), 24)
        seqs = sorted(int(n.split("-")[2]) for n in numbers)
        self.assertEqual(seqs, list(range(seqs[0], seqs[0] + 24)))  # no gaps between them

    def test_routing_by_type_and_sector(self):
        a = staff_case(S, T["mediator"], P1[0], type_="penalty")
        b = staff_case(S, T["mediator"], P2[0], type_="penalty")
        c = staff_case(S, T["mediator"], P2[0], type_="safety")
        d = staff_case(S, T["mediator"], P1[0], type_="occupational_injury")
        self.assertEqual(a["department"]["code"], "market")
        self.assertEqual(b["department"]["code"], "transport")
        self.assertEqual(c["department"]["code"], "traffic_police")
        self.assertEqual(d["department"]["code"], "hrss")
        self.assertEqual(a["channel"], "window")

    def test_staff_window_creates_person(self):
        idn = id_number()
        before = count(S, "SELECT COUNT(*) FROM people")
        c = staff_case(S, T["mediator.hrss"], P1[0],
                       applicant={"name": "陈新", "id_number": idn, "phone": "13812345678"})
        self.assertEqual(count(S, "SELECT COUNT(*) FROM people"), before + 1)
        self.assertEqual(c["applicant"]["name"], "陈新")
        self.assertEqual(c["applicant"]["id_number_masked"], idn[:4] + "*" * 10 + idn[-4:])
        self.assertNotIn(idn, c.__repr__())
        # The same ID number again finds the person rather than creating one.
        c2 = staff_case(S, T["mediator.hrss"], P1[0], applicant={"name": "陈新", "id_number": idn})
        self.assertEqual(c2["applicant"]["person_id"], c["applicant"]["person_id"])
        self.assertEqual(count(S, "SELECT COUNT(*) FROM people"), before + 1)

    def test_oral_complaint_at_window(self):
        r = S.request("POST", "/api/v1/cases", token=T["mediator"], body={
            "channel": "window", "oral": True, "type": "unpaid_pay",
            "applicant": {"person_id": WORKER_PERSON},
            "respondent": {"organisation_id": P1[0]}, "matter": "口头申请：拖欠报酬"})
        assert_error(r, 400, "missing_field", "reasons")
        r = S.request("POST", "/api/v1/cases", token=T["mediator"], body={
            "channel": "hotline", "oral": True, "type": "unpaid_pay",
            "applicant": {"person_id": WORKER_PERSON}, "reasons": "x",
            "respondent": {"organisation_id": P1[0]}, "matter": "口头申请"})
        assert_error(r, 400, "invalid_field", "oral")
        c = staff_case(S, T["mediator"], P1[0], person_id=WORKER_PERSON, oral=True,
                       reasons="平台拖欠两个月报酬，要求支付。", facts="")
        self.assertTrue(c["oral"])
        self.assertEqual(c["reasons"], "平台拖欠两个月报酬，要求支付。")
        self.assertTrue(c["submitted_at"].endswith("Z"))
        # The worker sees the case taken on their behalf.
        self.assertEqual(get_case(c["id"], T["worker"])["number"], c["number"])

    def test_hotline_and_referral(self):
        c = staff_case(S, T["mediator"], P1[0], person_id=WORKER2_PERSON, channel="hotline")
        self.assertEqual(c["channel"], "hotline")
        r = S.request("POST", "/api/v1/cases", token=T["mediator"], body={
            "channel": "referral", "type": "other", "applicant": {"person_id": WORKER2_PERSON},
            "respondent": {"organisation_id": P1[0]}, "matter": "转办", "facts": "信访局转来"})
        assert_error(r, 400, "missing_field", "referred_from")
        r = S.request("POST", "/api/v1/cases", token=T["mediator"], body={
            "channel": "referral", "referred_from": "nosuchdept", "type": "other",
            "applicant": {"person_id": WORKER2_PERSON},
            "respondent": {"organisation_id": P1[0]}, "matter": "转办", "facts": "信访局转来"})
        assert_error(r, 400, "invalid_field", "referred_from")
        c = staff_case(S, T["mediator"], P1[0], person_id=WORKER2_PERSON, channel="referral",
                       referred_from="petitions")
        self.assertEqual(c["channel"], "referral")
        self.assertEqual(c["referred_from"]["code"], "petitions")
        r = S.request("POST", "/api/v1/cases", token=T["mediator"], body={
            "channel": "window", "referred_from": "petitions", "type": "other",
            "applicant": {"person_id": WORKER2_PERSON},
            "respondent": {"organisation_id": P1[0]}, "matter": "x", "facts": "y"})
        assert_error(r, 400, "invalid_field", "referred_from")

    def test_partner_company_by_credit_code(self):
        code = credit_code()
        c = file_case(S, T["worker"], None, respondent={
            "credit_code": code, "name": "厦门测试配送站", "sector": "food_delivery"})
        self.assertEqual(c["respondent"]["kind"], "company")
        self.assertEqual(c["respondent"]["credit_code"], code)
        # Known the second time: the same organisation.
        c2 = file_case(S, T["worker"], None, respondent={"credit_code": code})
        self.assertEqual(c2["respondent"]["id"], c["respondent"]["id"])
        self.assertEqual(count(S, "SELECT COUNT(*) FROM organisations WHERE credit_code = '%s'"
                              % code), 1)

    def test_incident_over_a_year_warns(self):
        old = today() - datetime.timedelta(days=400)
        c = file_case(S, T["worker"], P1[0], incident_date=str(old))
        self.assertTrue(c["incident_over_one_year"])

    def test_bad_input_stores_nothing(self):
        base = {"type": "unpaid_pay", "respondent": {"organisation_id": P1[0]},
                "matter": "m", "facts": "f"}
        cases = [
            ({"nope": 1}, 400, "unknown_field", "nope"),
            ({"respondent": {"organisation_id": P1[0], "x": 1}}, 400, "unknown_field",
             "respondent.x"),
            ({"type": 5}, 400, "invalid_field", "type"),
            ({"type": "murder"}, 400, "invalid_field", "type"),
            ({"matter": ""}, 400, ("missing_field", "invalid_field"), "matter"),
            ({"matter": "x" * 501}, 400, "invalid_field", "matter"),
            ({"facts": ""}, 400, "missing_field", "facts"),
            ({"claims": [{"category": "pay", "amount_fen": -1}]}, 400, "invalid_field",
             "claims[0].amount_fen"),
            ({"claims": [{"category": "pay", "amount_fen": 12.5}]}, 400, "invalid_field",
             "claims[0].amount_fen"),
            ({"claims": [{"category": "pay", "amount_fen": "100"}]}, 400, "invalid_field",
             "claims[0].amount_fen"),
            ({"claims": [{"category": "pay", "amount_fen": 0}]}, 400, "invalid_field",
             "claims[0].amount_fen"),
            ({"claims": [{"category": "pay", "amount_fen": 10 ** 15}]}, 400, "invalid_field",
             "claims[0].amount_fen"),
            ({"claims": [{"category": "pay", "amount_fen": 1},
                         {"category": "pay", "amount_fen": 2}]}, 400, "invalid_field",
             "claims[1].category"),
            ({"claims": [{"category": "bribe", "amount_fen": 1}]}, 400, "invalid_field",
             "claims[0].category"),
            ({"claims": {"pay": 1}}, 400, "invalid_field", "claims"),
            ({"incident_date": "2026-02-30"}, 400, "invalid_field", "incident_date"),
            ({"incident_date": "yesterday"}, 400, "invalid_field", "incident_date"),
            ({"incident_date": str(today() + datetime.timedelta(days=2))}, 400, "invalid_field",
             "incident_date"),
            ({"respondent": {}}, 400, "missing_field", "respondent.organisation_id"),
            ({"respondent": {"organisation_id": 99999999}}, 400, "invalid_field",
             "respondent.organisation_id"),
            ({"respondent": {"credit_code": bad_credit_code(), "name": "x"}}, 400,
             "invalid_field", "respondent.credit_code"),
            ({"respondent": {"credit_code": "91350100M000100Y4"}}, 400, "invalid_field",
             "respondent.credit_code"),
            ({"respondent": {"credit_code": credit_code()}}, 400, "missing_field",
             "respondent.name"),
            ({"respondent": {"organisation_id": P1[0], "credit_code": credit_code()}}, 400,
             "invalid_field", "respondent"),
            ({"channel": "window"}, 400, "invalid_field", "channel"),
            ({"applicant": {"person_id": WORKER2_PERSON}}, 400, "invalid_field", "applicant"),
            ({"received_at": "2026-01-01T00:00:00Z"}, 400, "invalid_field", "received_at"),
            ({"matter": "\u0000"}, 400, ("invalid_field", "bad_json", "bad_utf8"), None),
        ]
        before = case_count()
        orgs = count(S, "SELECT COUNT(*) FROM organisations")
        for change, status, code, field in cases:
            body = dict(base)
            body.update(change)
            with self.subTest(change=change):
                r = S.request("POST", "/api/v1/cases", body=body, token=T["worker"])
                assert_error(r, status, code, field)
        # The insurer's organisation is no respondent.
        insurer_org = count(S, "SELECT id FROM organisations WHERE kind = 'insurer'")
        r = S.request("POST", "/api/v1/cases", token=T["worker"], body=dict(
            base, respondent={"organisation_id": insurer_org}))
        assert_error(r, 400, "invalid_field", "respondent.organisation_id")
        # Not JSON, wrong content type, too large.
        r = S.request("POST", "/api/v1/cases", raw=b"{not json", token=T["worker"])
        assert_error(r, 400, "bad_json")
        r = S.request("POST", "/api/v1/cases", raw=b"type=x", token=T["worker"],
                      headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert_error(r, 415, "unsupported_media_type")
        big = dict(base, facts="长" * 50000)
        r = S.request("POST", "/api/v1/cases", body=big, token=T["worker"])
        assert_error(r, 413, "body_too_large")
        self.assertEqual(case_count(), before)
        self.assertEqual(count(S, "SELECT COUNT(*) FROM organisations"), orgs)

    def test_staff_bad_applicant(self):
        before = case_count()
        people = count(S, "SELECT COUNT(*) FROM people")
        for app, code, field in [
            ({"name": "x", "id_number": "350206199001011234"}, "invalid_field",
             "applicant.id_number"),
            ({"name": "x"}, "missing_field", "applicant.id_number"),
            ({"id_number": id_number()}, "missing_field", "applicant.name"),
            ({"name": "x", "id_number": id_number(), "phone": "12345"}, "invalid_field",
             "applicant.phone"),
            ({"person_id": 99999999}, "invalid_field", "applicant.person_id"),
            ({"person_id": WORKER_PERSON, "name": "x"}, "invalid_field", "applicant"),
            ({"person_id": "1"}, "invalid_field", "applicant.person_id"),
        ]:
            with self.subTest(app=app):
                r = S.request("POST", "/api/v1/cases", token=T["mediator"], body={
                    "type": "other", "applicant": app, "respondent": {"organisation_id": P1[0]},
                    "matter": "m", "facts": "f"})
                assert_error(r, 400, code, field)
        r = S.request("POST", "/api/v1/cases", token=T["mediator"], body={
            "type": "other", "respondent": {"organisation_id": P1[0]}, "matter": "m",
            "facts": "f"})
        assert_error(r, 400, "missing_field", "applicant")
        r = S.request("POST", "/api/v1/cases", token=T["mediator"], body={
            "type": "other", "channel": "online", "applicant": {"person_id": WORKER_PERSON},
            "respondent": {"organisation_id": P1[0]}, "matter": "m", "facts": "f"})
        assert_error(r, 400, "invalid_field", "channel")
        self.assertEqual(case_count(), before)
        self.assertEqual(count(S, "SELECT COUNT(*) FROM people"), people)

    def test_roles_that_may_not_file(self):
        body = {"type": "other", "respondent": {"organisation_id": P1[0]}, "matter": "m",
                "facts": "f"}
        for login in ("insurer", "analyst", "supervisor"):
            with self.subTest(login=login):
                assert_error(S.request("POST", "/api/v1/cases", body=body, token=T[login]), 403,
                             "forbidden")
        assert_error(S.request("POST", "/api/v1/cases", body=body, token=P1[1]), 403, "forbidden")
        assert_error(S.request("POST", "/api/v1/cases", body=body), 401, "unauthenticated")
        assert_error(S.request("POST", "/api/v1/cases", body=body, token="egs_forged"), 401,
                     ("unauthenticated", "token_expired"))


class TestVisibility(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.mine = file_case(S, T["worker"], P1[0])                     # hrss, against P1
        cls.theirs = file_case(S, T["worker2"], P2[0])                  # hrss, against P2
        cls.market = file_case(S, T["worker2"], P1[0], type_="penalty")  # market, against P1

    def test_worker_sees_only_own(self):
        assert_error(S.request("GET", "/api/v1/cases/%d" % self.theirs["id"], token=T["worker"]),
                     404, "not_found")
        for sub in ("events", "evidence", "sessions", "responses", "payments", "agreement",
                    "rating", "agreement.pdf"):
            with self.subTest(sub=sub):
                r = S.request("GET", "/api/v1/cases/%d/%s" % (self.theirs["id"], sub),
                              token=T["worker"])
                assert_error(r, 404, "not_found")
        seen, cursor = [], None
        while True:
            r = S.request("GET", "/api/v1/cases", token=T["worker"],
                          query={"limit": 7, **({"cursor": cursor} if cursor else {})})
            assert_status(r, 200)
            seen += r.body["items"]
            cursor = r.body["next_cursor"]
            if not cursor:
                break
        self.assertTrue(seen)
        self.assertTrue(all(c["applicant"]["person_id"] == WORKER_PERSON for c in seen))
        self.assertIn(self.mine["id"], [c["id"] for c in seen])
        ids = [c["id"] for c in seen]
        self.assertEqual(ids, sorted(ids, reverse=True))
        self.assertEqual(len(ids), len(set(ids)))
        # Stats and export are staff views.
        assert_error(S.request("GET", "/api/v1/cases/stats", token=T["worker"]), 403, "forbidden")
        assert_error(S.request("GET", "/api/v1/cases/export.xlsx", token=T["worker"]), 403,
                     "forbidden")

    def test_platform_sees_only_cases_against_it(self):
        get_case(self.mine["id"], P1[1])
        assert_error(S.request("GET", "/api/v1/cases/%d" % self.theirs["id"], token=P1[1]), 404,
                     "not_found")
        r = S.request("GET", "/api/v1/cases", token=P1[1], query={"limit": 200})
        assert_status(r, 200)
        self.assertTrue(r.body["items"])
        self.assertTrue(all(c["respondent"]["id"] == P1[0] for c in r.body["items"]))
        # The respondent sees the applicant's name, not their identity.
        c = get_case(self.mine["id"], P1[1])
        self.assertNotIn("id_number_masked", c["applicant"])
        self.assertEqual(c["allowed_transitions"], [])

    def test_department_sees_own_and_co_handled(self):
        get_case(self.mine["id"], T["mediator.hrss"])
        assert_error(S.request("GET", "/api/v1/cases/%d" % self.market["id"],
                               token=T["mediator.hrss"]), 404, "not_found")
        assert_error(S.request("GET", "/api/v1/cases/%d" % self.mine["id"],
                               token=T["mediator.siming"]), 404, "not_found")
        r = S.request("GET", "/api/v1/cases", token=T["mediator.hrss"], query={"limit": 200})
        assert_status(r, 200)
        self.assertNotIn(self.market["id"], [c["id"] for c in r.body["items"]])
        # The centre (and below) sees every member department's cases.
        get_case(self.market["id"], T["mediator"])
        # Co-handling makes the market case visible to hrss.
        c = S.request("POST", "/api/v1/cases/%d/co-departments" % self.market["id"],
                      token=T["mediator"], body={"department": "hrss", "reason": "联合调解"})
        assert_status(c, 201)
        self.assertIn("hrss", [d["code"] for d in c.body["co_departments"]])
        got = get_case(self.market["id"], T["mediator.hrss"])
        self.assertIn("accepted", got["allowed_transitions"])
        r = S.request("GET", "/api/v1/cases", token=T["mediator.hrss"],
                      query={"type": "penalty", "limit": 200})
        self.assertIn(self.market["id"], [x["id"] for x in r.body["items"]])
        # Twice is a conflict; the handling department itself too; unknown code 400.
        r = S.request("POST", "/api/v1/cases/%d/co-departments" % self.market["id"],
                      token=T["mediator"], body={"department": "hrss"})
        assert_error(r, 409, "duplicate", "department")
        r = S.request("POST", "/api/v1/cases/%d/co-departments" % self.market["id"],
                      token=T["mediator"], body={"department": "market"})
        assert_error(r, 409, "conflict")
        r = S.request("POST", "/api/v1/cases/%d/co-departments" % self.market["id"],
                      token=T["mediator"], body={"department": "nope"})
        assert_error(r, 400, "invalid_field", "department")
        r = S.request("POST", "/api/v1/cases/%d/co-departments" % self.market["id"],
                      token=T["mediator.siming"], body={"department": "union"})
        assert_error(r, 404, "not_found")
        # Removing it hides the case again.
        r = S.request("DELETE", "/api/v1/cases/%d/co-departments/hrss" % self.market["id"],
                      token=T["mediator"])
        assert_status(r, 200)
        assert_error(S.request("GET", "/api/v1/cases/%d" % self.market["id"],
                               token=T["mediator.hrss"]), 404, "not_found")
        r = S.request("DELETE", "/api/v1/cases/%d/co-departments/hrss" % self.market["id"],
                      token=T["mediator"])
        assert_error(r, 404, "not_found")

    def test_supervisor_reads_everything_changes_nothing(self):
        get_case(self.theirs["id"], T["supervisor"])
        move(S, T["supervisor"], self.theirs["id"], "accepted", status=403)
        r = S.request("GET", "/api/v1/cases/stats", token=T["supervisor"])
        assert_status(r, 200)

    def test_insurer_and_analyst_see_no_cases(self):
        for login in ("insurer", "analyst"):
            for path in ("/api/v1/cases", "/api/v1/cases/%d" % self.mine["id"],
                         "/api/v1/cases/stats", "/api/v1/cases/%d/events" % self.mine["id"]):
                with self.subTest(login=login, path=path):
                    assert_error(S.request("GET", path, token=T[login]), 403, "forbidden")
        assert_error(S.request("GET", "/api/v1/cases"), 401, "unauthenticated")

    def test_unknown_and_malformed_ids(self):
        for path in ("/api/v1/cases/99999999", "/api/v1/cases/abc", "/api/v1/cases/-1",
                     "/api/v1/cases/0", "/api/v1/cases/1%2F2"):
            with self.subTest(path=path):
                assert_error(S.request("GET", path, token=T["admin"]), 404, "not_found")


class TestFilters(unittest.TestCase):
    def test_filters_and_bad_parameters(self):
        c = staff_case(S, T["mediator"], P2[0], type_="deactivation", channel="hotline",
                       person_id=WORKER_PERSON)
        r = S.request("GET", "/api/v1/cases", token=T["admin"], query={
            "state": "submitted", "type": "deactivation", "department": "transport",
            "platform": P2[0], "channel": "hotline", "from": str(today()), "to": str(today())})
        assert_status(r, 200)
        self.assertIn(c["id"], [x["id"] for x in r.body["items"]])
        for x in r.body["items"]:
            self.assertEqual((x["state"], x["type"], x["department"]["code"],
                              x["respondent"]["id"], x["channel"]),
                             ("submitted", "deactivation", "transport", P2[0], "hotline"))
        r = S.request("GET", "/api/v1/cases", token=T["admin"],
                      query={"state": "closed,rejected", "limit": 200})
        self.assertTrue(r.body["items"])
        self.assertTrue(all(x["state"] in ("closed", "rejected") for x in r.body["items"]))
        r = S.request("GET", "/api/v1/cases", token=T["admin"],
                      query={"to": str(today() - datetime.timedelta(days=1000))})
        self.assertEqual(r.body["items"], [])
        for q, field in [({"state": "nope"}, "state"), ({"state": ""}, "state"),
                         ({"type": "x"}, "type"), ({"channel": "fax"}, "channel"),
                         ({"department": "nope"}, "department"), ({"platform": "abc"}, "platform"),
                         ({"platform": "-3"}, "platform"), ({"overdue": "maybe"}, "overdue"),
                         ({"from": "2026-13-01"}, "from"), ({"to": "x"}, "to"),
                         ({"from": "2026-05-02", "to": "2026-05-01"}, "to"),
                         ({"limit": "0"}, "limit"), ({"limit": "201"}, "limit"),
                         ({"limit": "ten"}, "limit"), ({"cursor": "-5"}, "cursor"),
                         ({"cursor": "x"}, "cursor")]:
            with self.subTest(q=q):
                for path in ("/api/v1/cases", "/api/v1/cases/stats"):
                    if path.endswith("stats") and field in ("limit", "cursor"):
                        continue
                    assert_error(S.request("GET", path, token=T["admin"], query=q), 400,
                                 "invalid_parameter", field)

    def test_pagination_covers_everything_once(self):
        total = count(S, "SELECT COUNT(*) FROM cases")
        seen, cursor, pages = [], None, 0
        while True:
            q = {"limit": 13}
            if cursor:
                q["cursor"] = cursor
            r = S.request("GET", "/api/v1/cases", token=T["admin"], query=q)
            assert_status(r, 200)
            self.assertLessEqual(len(r.body["items"]), 13)
            seen += [x["id"] for x in r.body["items"]]
            cursor = r.body["next_cursor"]
            pages += 1
            if not cursor:
                break
        self.assertGreaterEqual(len(seen), total)  # others may add cases meanwhile
        self.assertEqual(len(seen), len(set(seen)))
        self.assertGreater(pages, 1)

    def test_stats_in_scope(self):
        r = S.request("GET", "/api/v1/cases/stats", token=T["admin"])
        assert_status(r, 200)
        b = r.body
        self.assertEqual(sum(b["by_state"].values()), b["total"])
        self.assertEqual(b["total"], count(S, "SELECT COUNT(*) FROM cases"))
        self.assertEqual(sum(d["total"] for d in b["departments"]), b["total"])
        self.assertGreater(b["overdue"], 0)  # the demo has overdue cases
        self.assertEqual(b["recovered_fen"],
                         count(S, "SELECT COALESCE(SUM(amount_fen), 0) FROM case_payments "
                                  "WHERE state = 'confirmed'"))
        h = S.request("GET", "/api/v1/cases/stats", token=T["mediator.hrss"]).body
        self.assertLess(h["total"], b["total"])
        listed = S.request("GET", "/api/v1/cases", token=T["mediator.hrss"],
                           query={"limit": 200}).body
        if not listed["next_cursor"]:
            self.assertEqual(h["total"], len(listed["items"]))
        o = S.request("GET", "/api/v1/cases/stats", token=T["admin"],
                      query={"overdue": "true"}).body
        self.assertEqual(o["total"], b["overdue"])


class TestStateMachine(unittest.TestCase):
    def test_illegal_transition_names_allowed(self):
        c = file_case(S, T["worker"], P1[0])
        r = move(S, T["mediator.hrss"], c["id"], "closed", status=409)
        err = assert_error(r, 409, "illegal_transition")
        self.assertIn("allowed: accepted, rejected, withdrawn", err["message"])
        r = move(S, T["mediator.hrss"], c["id"], "fulfilled", status=409)
        assert_error(r, 409, "illegal_transition")
        self.assertEqual(get_case(c["id"], T["admin"])["state"], "submitted")

    def test_bad_transition_bodies(self):
        c = file_case(S, T["worker"], P1[0])
        path = "/api/v1/cases/%d/transitions" % c["id"]
        for body, code, field in [({}, "missing_field", "to"), ({"to": "heaven"}, "invalid_field",
                                                                 "to"),
                                  ({"to": "accepted", "x": 1}, "unknown_field", "x"),
                                  ({"to": 3}, "invalid_field", "to"),
                                  ({"to": "accepted", "reason": 5}, "invalid_field", "reason"),
                                  ({"to": "accepted", "referral": "court"}, "invalid_field",
                                   "referral"),
                                  ({"to": "accepted", "referral": "litigation"}, "invalid_field",
                                   "referral")]:
            with self.subTest(body=body):
                assert_error(S.request("POST", path, body=body, token=T["mediator.hrss"]), 400,
                             code, field)
        assert_error(S.request("POST", path, raw=b"", token=T["mediator.hrss"]), 400, "bad_json")
        assert_error(S.request("POST", "/api/v1/cases/99999999/transitions",
                               body={"to": "accepted"}, token=T["admin"]), 404, "not_found")
        self.assertEqual(get_case(c["id"], T["admin"])["state"], "submitted")

    def test_reject_needs_reason(self):
        c = file_case(S, T["worker"], P1[0])
        assert_error(move(S, T["mediator.hrss"], c["id"], "rejected", status=400), 400,
                     "missing_field", "reason")
        r = move(S, T["mediator.hrss"], c["id"], "rejected", reason="不属于受理范围")
        self.assertEqual(r.body["state"], "rejected")
        self.assertEqual(r.body["reject_reason"], "不属于受理范围")
        self.assertIsNotNone(r.body["closed_at"])
        self.assertIsNone(r.body["due_on"])
        self.assertEqual(r.body["allowed_transitions"], [])
        assert_error(move(S, T["admin"], c["id"], "accepted", status=409), 409,
                     "illegal_transition")

    def test_roles_on_transitions(self):
        c = file_case(S, T["worker"], P1[0])
        assert_error(move(S, T["worker"], c["id"], "accepted", status=403), 403, "forbidden")
        assert_error(move(S, T["worker2"], c["id"], "withdrawn", status=404), 404, "not_found")
        assert_error(move(S, P1[1], c["id"], "withdrawn", status=403), 403, "forbidden")
        for login in ("insurer", "analyst", "supervisor"):
            assert_error(move(S, T[login], c["id"], "accepted", status=403), 403, "forbidden")
        assert_error(move(S, T["mediator.siming"], c["id"], "accepted", status=404), 404,
                     "not_found")
        self.assertEqual(get_case(c["id"], T["admin"])["state"], "submitted")
        # The applicant withdraws.
        r = move(S, T["worker"], c["id"], "withdrawn")
        self.assertEqual(r.body["state"], "withdrawn")

    def test_withdraw_from_every_open_state(self):
        for upto in ("submitted", "accepted", "mediating", "failed"):
            with self.subTest(upto=upto):
                c = file_case(S, T["worker"], P1[0])
                path = {"submitted": [], "accepted": ["accepted"],
                        "mediating": ["accepted", "mediating"],
                        "failed": ["accepted", "mediating", "failed"]}[upto]
                for to in path:
                    move(S, T["mediator.hrss"], c["id"], to, reason="调解不成")
                who = T["worker"] if upto != "failed" else T["mediator.hrss"]
                r = move(S, who, c["id"], "withdrawn", reason="自行和解")
                self.assertEqual(r.body["state"], "withdrawn")
                assert_error(move(S, T["worker"], c["id"], "withdrawn", status=409), 409,
                             "illegal_transition")

    def test_bad_bodies_on_case_endpoints(self):
        c = file_case(S, T["worker"], P1[0])
        m = T["mediator.hrss"]
        base = "/api/v1/cases/%d" % c["id"]
        for path, body, code, field in [
                ("/agreement/confirm", {"party": "judge"}, "invalid_field", "party"),
                ("/agreement/confirm", {"x": 1}, "unknown_field", "x"),
                ("/agreement/confirm", [], "not_an_object", None),
                ("/responses", {"body": 5}, "invalid_field", "body"),
                ("/responses", {}, "missing_field", "body"),
                ("/sessions", {"starts_at": 5, "mode": "online"}, "invalid_field", "starts_at"),
                ("/assignment", {"department": 7}, "invalid_field", "department"),
                ("/co-departments", {"department": "x" * 33}, "invalid_field", "department"),
                ("/extension", {"days": 1.5, "applicant_consent": True,
                                "respondent_consent": True}, "invalid_field", "days"),
                ("/payments", {"category": "pay", "amount_fen": -100, "paid_on": "2026-01-01"},
                 "invalid_field", "amount_fen"),
                ("/rating", {"speed": 1, "attitude": 1, "result": 1, "extra": True},
                 "unknown_field", "extra")]:
            with self.subTest(path=path, body=body):
                tok = T["worker"] if path in ("/rating",) else m
                r = S.request("POST", base + path, body=body, token=tok)
                assert_error(r, 400, code, field)
        for path in ("/agreement/confirm", "/responses", "/payments", "/transitions"):
            r = S.request("POST", base + path, raw=b'{"to": "accepted",', token=m)
            assert_error(r, 400, "bad_json")
        r = S.request("POST", "/api/v1/public/figures", body={})
        assert_error(r, 405, "method_not_allowed")
        self.assertEqual(get_case(c["id"], T["admin"])["state"], "submitted")
        self.assertEqual(count(S, "SELECT COUNT(*) FROM case_events WHERE case_id = %d"
                               % c["id"]), 2)  # submitted and routed, nothing else

    def test_withdraw_after_agreement(self):
        m = T["mediator.hrss"]
        c = file_case(S, T["worker"], P1[0])
        move(S, m, c["id"], "accepted")
        move(S, m, c["id"], "mediating")
        assert_status(S.request("POST", "/api/v1/cases/%d/agreement" % c["id"], token=m, body={
            "terms": [{"category": "pay", "amount_fen": 1000}],
            "pay_by": str(today() + datetime.timedelta(days=3)), "pay_method": "转账"}), 201)
        for tok in (T["worker"], P1[1], m):
            assert_status(S.request("POST", "/api/v1/cases/%d/agreement/confirm" % c["id"],
                                    body={}, token=tok), 200)
        self.assertEqual(get_case(c["id"], T["worker"])["allowed_transitions"], ["withdrawn"])
        r = move(S, T["worker"], c["id"], "withdrawn", reason="已私下结清")
        self.assertEqual(r.body["state"], "withdrawn")
        # Nothing can be paid on a withdrawn case.
        assert_error(S.request("POST", "/api/v1/cases/%d/payments" % c["id"], token=m, body={
            "category": "pay", "amount_fen": 1000, "paid_on": str(today())}), 409, "conflict")

    def test_failed_referred_closed(self):
        c = file_case(S, T["worker"], P1[0])
        move(S, T["mediator.hrss"], c["id"], "accepted")
        r = move(S, T["mediator.hrss"], c["id"], "mediating")
        self.assertEqual(r.body["state"], "mediating")
        assert_error(move(S, T["mediator.hrss"], c["id"], "failed", status=400), 400,
                     "missing_field", "reason")
        r = move(S, T["mediator.hrss"], c["id"], "failed", reason="双方分歧较大")
        self.assertTrue(r.body["arbitration_open"])
        self.assertIsNotNone(r.body["arbitration_notice"])
        assert_error(move(S, T["mediator.hrss"], c["id"], "referred", status=400), 400,
                     "missing_field", "referral")
        r = move(S, T["mediator.hrss"], c["id"], "referred", referral="arbitration",
                 note="已移送劳动人事争议仲裁委员会")
        self.assertEqual(r.body["referral"], "arbitration")
        self.assertEqual(r.body["referral_note"], "已移送劳动人事争议仲裁委员会")
        r = move(S, T["mediator.hrss"], c["id"], "closed")
        self.assertEqual(r.body["state"], "closed")
        ev = S.request("GET", "/api/v1/cases/%d/events" % c["id"], token=T["admin"]).body["items"]
        moves = [(e["from"], e["to"]) for e in ev if e["kind"] == "transition"]
        self.assertEqual(moves, [("submitted", "accepted"), ("accepted", "mediating"),
                                 ("mediating", "failed"), ("failed", "referred"),
                                 ("referred", "closed")])
        self.assertEqual(count(S, "SELECT COUNT(*) FROM audit_events WHERE action = "
                                  "'case.transition' AND entity_id = '%d'" % c["id"]), 5)
        # The worker reads the timeline without staff logins.
        ev = S.request("GET", "/api/v1/cases/%d/events" % c["id"], token=T["worker"]).body
        self.assertNotIn("mediator.hrss", repr(ev))

    def test_agreed_and_fulfilled_need_their_facts(self):
        c = file_case(S, T["worker"], P1[0])
        move(S, T["mediator.hrss"], c["id"], "accepted")
        move(S, T["mediator.hrss"], c["id"], "mediating")
        assert_error(move(S, T["mediator.hrss"], c["id"], "agreed", status=422), 422,
                     "unprocessable")
        self.assertEqual(get_case(c["id"], T["admin"])["state"], "mediating")


class TestLifecycle(unittest.TestCase):
    """One case from intake to rating, every step over HTTP."""

    def test_full_path(self):
        m = T["mediator.hrss"]
        c = file_case(S, T["worker"], P1[0], claims=[
            {"category": "pay", "amount_fen": 500000},
            {"category": "deposit_refund", "amount_fen": 30000}])
        cid = c["id"]
        base = "/api/v1/cases/%d" % cid
        figures0 = S.request("GET", "/api/v1/public/figures").body["cases"]

        r = move(S, m, cid, "accepted")
        accepted = r.body
        self.assertEqual(accepted["mediation_due_on"],
                         str(today() + datetime.timedelta(days=15)))
        self.assertEqual(accepted["due_on"], accepted["mediation_due_on"])
        self.assertEqual(set(accepted["allowed_transitions"]), {"mediating", "withdrawn"})

        # Sessions only while accepted or mediating; bad bodies refused.
        sess = {"starts_at": "2026-12-01T02:00:00Z", "mode": "in_person", "place": "调解室一",
                "participants": ["张伟", "平台代表", "调解员"], "minutes": "首次调解"}
        r = S.request("POST", base + "/sessions", body=sess, token=m)
        assert_status(r, 201)
        sid = r.body["id"]
        self.assertEqual(r.body["participants"], ["张伟", "平台代表", "调解员"])
        for bad, code, field in [({"mode": "in_person"}, "missing_field", "starts_at"),
                                 ({"starts_at": "tomorrow", "mode": "online"}, "invalid_field",
                                  "starts_at"),
                                 ({"starts_at": "2026-12-01T02:00:00Z", "mode": "pigeon"},
                                  "invalid_field", "mode"),
                                 ({"starts_at": "2026-12-01T02:00:00Z", "mode": "in_person"},
                                  "missing_field", "place"),
                                 ({"starts_at": "2026-12-01T02:00:00Z", "mode": "online",
                                   "participants": [1]}, "invalid_field", "participants[0]"),
                                 ({"starts_at": "2026-12-01T02:00:00Z", "mode": "online",
                                   "x": 1}, "unknown_field", "x")]:
            with self.subTest(bad=bad):
                assert_error(S.request("POST", base + "/sessions", body=bad, token=m), 400, code,
                             field)
        assert_error(S.request("POST", base + "/sessions", body=sess, token=T["worker"]), 403,
                     "forbidden")
        assert_error(S.request("POST", base + "/sessions", body=sess, token=P1[1]), 403,
                     "forbidden")
        r = S.request("PATCH", base + "/sessions/%d" % sid, token=m,
                      body={"minutes": "双方同意继续协商"})
        assert_status(r, 200)
        self.assertEqual(r.body["minutes"], "双方同意继续协商")
        assert_error(S.request("PATCH", base + "/sessions/99999", token=m,
                               body={"minutes": "x"}), 404, "not_found")
        assert_error(S.request("PATCH", base + "/sessions/%d" % sid, token=m, body={}), 400,
                     "missing_field")

        # The respondent answers; another platform cannot.
        r = S.request("POST", base + "/responses", token=P1[1],
                      body={"body": "同意协商，愿支付部分报酬。", "proposal_fen": 300000})
        assert_status(r, 201)
        self.assertEqual(r.body["author_role"], "platform")
        assert_error(S.request("POST", base + "/responses", token=P2[1], body={"body": "x"}), 404,
                     "not_found")
        assert_error(S.request("POST", base + "/responses", token=T["worker"], body={"body": "x"}),
                     403, "forbidden")
        assert_error(S.request("POST", base + "/responses", token=P1[1],
                               body={"body": "x", "proposal_fen": -5}), 400, "invalid_field",
                     "proposal_fen")
        r = S.request("GET", base + "/responses", token=T["worker"])
        self.assertEqual(len(r.body["items"]), 1)

        # No agreement before mediating.
        terms = {"terms": [{"category": "pay", "amount_fen": 400000},
                           {"category": "deposit_refund", "amount_fen": 30000}],
                 "pay_by": str(today() + datetime.timedelta(days=10)), "pay_method": "银行转账",
                 "respondent_position": "同意支付"}
        assert_error(S.request("POST", base + "/agreement", body=terms, token=m), 409, "conflict")
        move(S, m, cid, "mediating")

        for bad, code, field in [
                ({"terms": [{"category": "pay", "amount_fen": -1}]}, "invalid_field",
                 "terms[0].amount_fen"),
                ({"terms": [{"category": "pay", "amount_fen": 1.5}]}, "invalid_field",
                 "terms[0].amount_fen"),
                ({"terms": [{"category": "pay", "amount_fen": 100}]}, "missing_field", "pay_by"),
                ({"terms": [{"category": "pay", "amount_fen": 100}], "pay_by": "2020-01-01",
                  "pay_method": "x"}, "invalid_field", "pay_by"),
                ({"terms": [{"category": "pay", "amount_fen": 100}], "pay_by": "2026-02-31",
                  "pay_method": "x"}, "invalid_field", "pay_by"),
                ({"terms": []}, "missing_field", "terms"),
                ({"terms": [{"category": "pay", "amount_fen": 1},
                            {"category": "pay", "amount_fen": 1}], "pay_by": str(today()),
                  "pay_method": "x"}, "invalid_field", "terms[1].category")]:
            with self.subTest(bad=bad):
                assert_error(S.request("POST", base + "/agreement", body=bad, token=m), 400, code,
                             field)
        r = S.request("POST", base + "/agreement", body=terms, token=m)
        assert_status(r, 201)
        self.assertEqual(r.body["total_fen"], 430000)
        self.assertFalse(r.body["effective"])
        self.assertEqual(r.body["version"], 1)

        # Confirmations: each party once; wrong parties refused.
        confirm = base + "/agreement/confirm"
        assert_error(S.request("POST", confirm, body={}, token=T["worker2"]), 404, "not_found")
        assert_error(S.request("POST", confirm, body={"party": "mediator"}, token=T["worker"]),
                     403, "forbidden", "party")
        r = S.request("POST", confirm, body={}, token=T["worker"])
        assert_status(r, 200)
        self.assertIsNotNone(r.body["confirmations"]["applicant"])
        assert_error(S.request("POST", confirm, body={}, token=T["worker"]), 409, "conflict")
        r = S.request("POST", confirm, body={}, token=P1[1])
        assert_status(r, 200)
        self.assertFalse(r.body["effective"])
        self.assertEqual(get_case(cid, T["admin"])["state"], "mediating")
        # A replacement clears the confirmations.
        r = S.request("POST", base + "/agreement", body=terms, token=m)
        self.assertEqual(r.body["version"], 2)
        self.assertIsNone(r.body["confirmations"]["applicant"])
        for tok in (T["worker"], P1[1]):
            assert_status(S.request("POST", confirm, body={}, token=tok), 200)
        r = S.request("POST", confirm, body={}, token=m)
        assert_status(r, 200)
        self.assertTrue(r.body["effective"])
        self.assertEqual(r.body["case_state"], "agreed")
        agreed = get_case(cid, T["worker"])
        self.assertEqual(agreed["state"], "agreed")
        self.assertEqual(agreed["agreed_total_fen"], 430000)
        self.assertIsNone(agreed["due_on"])
        assert_error(S.request("POST", base + "/agreement", body=terms, token=m), 409, "conflict")

        # Payments: integer fen, never more than owed, only agreed categories.
        pay = base + "/payments"
        for bad, status, code, field in [
                ({"category": "pay", "amount_fen": 0, "paid_on": str(today())}, 400,
                 "invalid_field", "amount_fen"),
                ({"category": "pay", "amount_fen": 10.5, "paid_on": str(today())}, 400,
                 "invalid_field", "amount_fen"),
                ({"category": "pay", "amount_fen": 100, "paid_on": "2026-02-30"}, 400,
                 "invalid_field", "paid_on"),
                ({"category": "pay", "amount_fen": 100,
                  "paid_on": str(today() + datetime.timedelta(days=3))}, 400, "invalid_field",
                 "paid_on"),
                ({"category": "fine_refund", "amount_fen": 100, "paid_on": str(today())}, 422,
                 "unprocessable", "category"),
                ({"category": "pay", "amount_fen": 400001, "paid_on": str(today())}, 422,
                 "unprocessable", "amount_fen"),
                ({"category": "pay", "amount_fen": 1, "paid_on": str(today()), "y": 1}, 400,
                 "unknown_field", "y")]:
            with self.subTest(bad=bad):
                assert_error(S.request("POST", pay, body=bad, token=m), status, code, field)
        assert_error(S.request("POST", pay, token=T["worker2"], body={
            "category": "pay", "amount_fen": 1, "paid_on": str(today())}), 404, "not_found")
        # The respondent's payment waits for the worker's confirmation.
        r = S.request("POST", pay, token=P1[1], body={
            "category": "pay", "amount_fen": 250000, "paid_on": str(today()),
            "method": "银行转账", "reference": "TX1"})
        assert_status(r, 201)
        self.assertEqual(r.body["state"], "recorded")
        self.assertEqual(r.body["owed_fen"], 430000)
        self.assertEqual(r.body["pending_fen"], 250000)
        self.assertEqual(r.body["case_state"], "agreed")
        r = S.request("POST", pay + "/%d/confirm" % r.body["id"], body={}, token=T["worker"])
        assert_status(r, 200)
        self.assertEqual(r.body["state"], "confirmed")
        self.assertEqual(r.body["owed_fen"], 180000)
        assert_error(move(S, m, cid, "fulfilled", status=422), 422, "unprocessable")
        r = S.request("POST", pay, token=m, body={"category": "pay", "amount_fen": 150000,
                                                  "paid_on": str(today())})
        self.assertEqual(r.body["owed_fen"], 30000)
        r = S.request("POST", pay, token=m, body={"category": "deposit_refund",
                                                  "amount_fen": 30000, "paid_on": str(today())})
        assert_status(r, 201)
        self.assertEqual(r.body["owed_fen"], 0)
        self.assertEqual(r.body["case_state"], "fulfilled")
        c = get_case(cid, T["worker"])
        self.assertEqual(c["state"], "fulfilled")
        self.assertEqual(c["paid_total_fen"], 430000)
        pays = S.request("GET", pay, token=T["worker"]).body
        self.assertEqual(pays["paid_total_fen"], 430000)
        self.assertEqual(len(pays["items"]), 3)
        assert_error(S.request("POST", pay, token=m, body={"category": "pay", "amount_fen": 1,
                                                           "paid_on": str(today())}),
                     409, "conflict")

        # Rating only once closed, by the applicant, once.
        rating = {"speed": 5, "attitude": 4, "result": 5, "comment": "很满意"}
        assert_error(S.request("POST", base + "/rating", body=rating, token=T["worker"]), 409,
                     "conflict")
        move(S, m, cid, "closed")
        for bad, field in [({"speed": 0, "attitude": 4, "result": 5}, "speed"),
                           ({"speed": 5, "attitude": 6, "result": 5}, "attitude"),
                           ({"speed": 5, "attitude": 4, "result": "5"}, "result"),
                           ({"speed": 5, "attitude": 4}, "result"),
                           ({"speed": 5, "attitude": 4, "result": 5, "comment": "x" * 1001},
                            "comment")]:
            with self.subTest(bad=bad):
                assert_error(S.request("POST", base + "/rating", body=bad, token=T["worker"]),
                             400, ("invalid_field", "missing_field"), field)
        assert_error(S.request("POST", base + "/rating", body=rating, token=m), 403, "forbidden")
        assert_error(S.request("POST", base + "/rating", body=rating, token=T["worker2"]), 404,
                     "not_found")
        r = S.request("POST", base + "/rating", body=rating, token=T["worker"])
        assert_status(r, 201)
        assert_error(S.request("POST", base + "/rating", body=rating, token=T["worker"]), 409,
                     "conflict")
        self.assertEqual(S.request("GET", base + "/rating", token=m).body["speed"], 5)
        self.assertTrue(get_case(cid, T["worker"])["rated"])
        roll = S.request("GET", "/api/v1/ratings/departments", token=T["analyst"])
        assert_status(roll, 200)
        hrss = [x for x in roll.body["items"] if x["department"]["code"] == "hrss"]
        self.assertEqual(len(hrss), 1)
        self.assertGreaterEqual(hrss[0]["ratings"], 1)
        self.assertTrue(1 <= hrss[0]["speed_avg"] <= 5)
        assert_error(S.request("GET", "/api/v1/ratings/departments", token=T["worker"]), 403,
                     "forbidden")

        figures = S.request("GET", "/api/v1/public/figures").body["cases"]
        self.assertEqual(figures["recovered_fen"] - figures0["recovered_fen"], 430000)
        self.assertGreaterEqual(figures["resolved"], figures0["resolved"] + 1)

        kinds = [e["kind"] for e in
                 S.request("GET", base + "/events", token=T["admin"]).body["items"]]
        for k in ("submitted", "routed", "transition", "session", "session_updated", "response",
                  "agreement", "agreement_confirmed", "agreement_effective", "payment",
                  "rating"):
            self.assertIn(k, kinds)
        p = S.run_cli(["audit", "verify"])
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)

    def test_agreement_without_money_and_paper_confirmations(self):
        m = T["mediator"]
        c = staff_case(S, m, P1[0], type_="deactivation")
        cid = c["id"]
        move(S, m, cid, "accepted")
        move(S, m, cid, "mediating")
        r = S.request("POST", "/api/v1/cases/%d/agreement" % cid, token=m,
                      body={"terms": [], "other_terms": "平台于三日内解封申请人账号。"})
        assert_status(r, 201)
        # Staff record the parties' signed paper confirmations, then their own.
        for party in ("applicant", "respondent"):
            assert_status(S.request("POST", "/api/v1/cases/%d/agreement/confirm" % cid, token=m,
                                    body={"party": party}), 200)
        r = S.request("POST", "/api/v1/cases/%d/agreement/confirm" % cid, token=m, body={})
        self.assertTrue(r.body["effective"])
        self.assertEqual(get_case(cid, m)["state"], "agreed")
        # Nothing to pay: the mediator marks it fulfilled once the account is restored.
        r = move(S, m, cid, "fulfilled")
        self.assertEqual(r.body["state"], "fulfilled")
        self.assertEqual(move(S, m, cid, "closed").body["state"], "closed")


class TestDeadlines(unittest.TestCase):
    def test_overdue_acceptance_and_arbitration_notice(self):
        received = (datetime.datetime.utcnow() - datetime.timedelta(days=12)).strftime(
            "%Y-%m-%dT%H:%M:%SZ")
        c = staff_case(S, T["mediator.hrss"], P1[0], person_id=WORKER_PERSON,
                       received_at=received)
        self.assertTrue(c["overdue"])
        self.assertGreater(c["days_overdue"], 0)
        self.assertTrue(c["arbitration_open"])
        self.assertIn("仲裁", c["arbitration_notice"])
        # The worker is told too.
        mine = get_case(c["id"], T["worker"])
        self.assertTrue(mine["arbitration_open"])
        r = S.request("GET", "/api/v1/cases", token=T["mediator.hrss"],
                      query={"overdue": "true", "limit": 200})
        self.assertIn(c["id"], [x["id"] for x in r.body["items"]])
        self.assertTrue(all(x["overdue"] for x in r.body["items"]))
        r = S.request("GET", "/api/v1/cases", token=T["mediator.hrss"],
                      query={"overdue": "false", "limit": 200})
        self.assertNotIn(c["id"], [x["id"] for x in r.body["items"]])
        self.assertFalse(any(x["overdue"] for x in r.body["items"]))
        # Accepting it starts the mediation clock: no longer overdue.
        r = move(S, T["mediator.hrss"], c["id"], "accepted")
        self.assertFalse(r.body["overdue"])
        for bad in ((datetime.datetime.utcnow() - datetime.timedelta(days=120)),
                    (datetime.datetime.utcnow() + datetime.timedelta(days=2))):
            r = S.request("POST", "/api/v1/cases", token=T["mediator"], body={
                "type": "other", "applicant": {"person_id": WORKER_PERSON},
                "respondent": {"organisation_id": P1[0]}, "matter": "m", "facts": "f",
                "received_at": bad.strftime("%Y-%m-%dT%H:%M:%SZ")})
            assert_error(r, 400, "invalid_field", "received_at")

    def test_demo_has_overdue_mediation(self):
        r = S.request("GET", "/api/v1/cases", token=T["admin"],
                      query={"overdue": "true", "state": "mediating,accepted", "limit": 200})
        assert_status(r, 200)
        for x in r.body["items"]:
            self.assertTrue(x["overdue"])
            self.assertLess(x["mediation_due_on"], str(today()))

    def test_extension_once_with_consent(self):
        m = T["mediator.hrss"]
        c = file_case(S, T["worker"], P1[0])
        ext = "/api/v1/cases/%d/extension" % c["id"]
        ok = {"days": 10, "applicant_consent": True, "respondent_consent": True,
              "reason": "需补充证据"}
        assert_error(S.request("POST", ext, body=ok, token=m), 409, "conflict")  # not accepted
        accepted = move(S, m, c["id"], "accepted").body
        move(S, m, c["id"], "mediating")
        for bad, status, code, field in [
                (dict(ok, days=16), 400, "invalid_field", "days"),
                (dict(ok, days=0), 400, "invalid_field", "days"),
                (dict(ok, days="5"), 400, "invalid_field", "days"),
                (dict(ok, respondent_consent=False), 422, "unprocessable", "respondent_consent"),
                (dict(ok, applicant_consent=False), 422, "unprocessable", "applicant_consent"),
                ({"days": 5}, 400, "missing_field", "applicant_consent")]:
            with self.subTest(bad=bad):
                assert_error(S.request("POST", ext, body=bad, token=m), status, code, field)
        assert_error(S.request("POST", ext, body=ok, token=T["worker"]), 403, "forbidden")
        r = S.request("POST", ext, body=ok, token=m)
        assert_status(r, 200)
        due = datetime.date.fromisoformat(accepted["mediation_due_on"])
        self.assertEqual(r.body["mediation_due_on"], str(due + datetime.timedelta(days=10)))
        self.assertEqual(r.body["extension_days"], 10)
        assert_error(S.request("POST", ext, body=dict(ok, days=1), token=m), 409, "conflict")


class TestAssignment(unittest.TestCase):
    def test_reassign(self):
        c = file_case(S, T["worker"], P1[0])
        path = "/api/v1/cases/%d/assignment" % c["id"]
        assert_error(S.request("POST", path, body={"department": "hrss"}, token=T["mediator"]),
                     409, "conflict", "department")
        assert_error(S.request("POST", path, body={"department": "nope"}, token=T["mediator"]),
                     400, "invalid_field", "department")
        assert_error(S.request("POST", path, body={}, token=T["mediator"]), 400, "missing_field",
                     "department")
        assert_error(S.request("POST", path, body={"department": "siming"}, token=T["worker"]),
                     403, "forbidden")
        r = S.request("POST", path, body={"department": "siming", "reason": "属地处理"},
                      token=T["mediator.hrss"])
        assert_status(r, 200)
        self.assertFalse(r.body.get("visible", True))  # out of hrss's sight now
        got = get_case(c["id"], T["mediator.siming"])
        self.assertEqual(got["department"]["code"], "siming")
        assert_error(S.request("GET", "/api/v1/cases/%d" % c["id"], token=T["mediator.hrss"]),
                     404, "not_found")
        ev = S.request("GET", "/api/v1/cases/%d/events" % c["id"], token=T["admin"]).body
        assigned = [e for e in ev["items"] if e["kind"] == "assigned"]
        self.assertEqual(assigned[0]["detail"]["to_department"], "siming")
        self.assertEqual(assigned[0]["detail"]["from_department"], "hrss")
        move(S, T["mediator.siming"], c["id"], "rejected", reason="重复申请")
        r = S.request("POST", path, body={"department": "hrss"}, token=T["admin"])
        assert_error(r, 409, "conflict")


class TestRoutingRules(unittest.TestCase):
    def test_get_and_replace(self):
        r = S.request("GET", "/api/v1/case-routing-rules", token=T["mediator"])
        assert_status(r, 200)
        rules = r.body["items"]
        self.assertIn({"case_type": "safety", "sector": "*", "department": "traffic_police"},
                      [{k: x[k] for k in ("case_type", "sector", "department")} for x in rules])
        keep = [{k: x[k] for k in ("case_type", "sector", "department")} for x in rules]
        for bad, field in [([{"case_type": "x", "sector": "*", "department": "hrss"}],
                            "rules[0].case_type"),
                           ([{"case_type": "other", "sector": "Bad Sector", "department": "hrss"}],
                            "rules[0].sector"),
                           ([{"case_type": "other", "sector": "*", "department": "nope"}],
                            "rules[0].department"),
                           ([{"case_type": "other", "sector": "*", "department": "hrss"},
                             {"case_type": "other", "sector": "*", "department": "union"}],
                            "rules[1]"),
                           ([{"case_type": "other", "sector": "*"}], "rules[0].department")]:
            with self.subTest(bad=bad):
                r = S.request("PUT", "/api/v1/case-routing-rules", body={"rules": bad},
                              token=T["admin"])
                assert_error(r, 400, ("invalid_field", "missing_field"), field)
        assert_error(S.request("PUT", "/api/v1/case-routing-rules", body={"rules": keep},
                               token=T["mediator"]), 403, "forbidden")
        self.assertEqual(count(S, "SELECT COUNT(*) FROM case_routing_rules"), len(keep))
        # Route "other" to the union for a moment.
        changed = [x for x in keep if x["case_type"] != "other"] + [
            {"case_type": "other", "sector": "*", "department": "union"}]
        r = S.request("PUT", "/api/v1/case-routing-rules", body={"rules": changed},
                      token=T["admin"])
        assert_status(r, 200)
        try:
            c = file_case(S, T["worker"], P1[0], type_="other")
            self.assertEqual(c["department"]["code"], "union")
        finally:
            r = S.request("PUT", "/api/v1/case-routing-rules", body={"rules": keep},
                          token=T["admin"])
            assert_status(r, 200)
        c = file_case(S, T["worker"], P1[0], type_="other")
        self.assertEqual(c["department"]["code"], "centre")


class TestPublicFigures(unittest.TestCase):
    def test_figures(self):
        r = S.request("GET", "/api/v1/public/figures")
        assert_status(r, 200)
        f = r.body["cases"]
        self.assertGreaterEqual(f["received"], f["handled"])
        self.assertGreaterEqual(f["handled"], f["resolved"])
        self.assertGreater(f["recovered_fen"], 0)
        self.assertIsInstance(f["recovered_fen"], int)
        self.assertEqual(f["received"], count(S, "SELECT COUNT(*) FROM cases"))
        self.assertRegex(r.body["as_of"], r"^\d{4}-\d{2}-\d{2}$")
        self.assertFalse(re.search(r"\d{17}[\dX]", r.raw.decode()))  # no ID numbers


class TestPaymentConfirmation(unittest.TestCase):
    """A payment the respondent records counts only once the worker (or the
    mediator, on evidence) confirms it; the worker may dispute it."""

    def agreed(self, amount):
        cid = TestConcurrency.agreement(self, amount)
        for tok in (T["worker"], P1[1], T["mediator.hrss"]):
            assert_status(S.request("POST", "/api/v1/cases/%d/agreement/confirm" % cid, body={},
                                    token=tok), 200)
        return cid

    def test_respondent_payment_waits_for_the_worker(self):
        cid = self.agreed(10000)
        pay = "/api/v1/cases/%d/payments" % cid
        r = S.request("POST", pay, token=P1[1], body={"category": "pay", "amount_fen": 10000,
                                                      "paid_on": str(today())})
        assert_status(r, 201)
        self.assertEqual(r.body["state"], "recorded")
        self.assertEqual(r.body["case_state"], "agreed")  # not fulfilled by itself
        self.assertEqual(r.body["owed_fen"], 10000)
        pid = r.body["id"]
        c = get_case(cid, T["worker"])
        self.assertEqual((c["state"], c["paid_total_fen"]), ("agreed", 0))
        # Nothing more may be recorded while it waits; no direct move to fulfilled.
        assert_error(S.request("POST", pay, token=T["mediator.hrss"], body={
            "category": "pay", "amount_fen": 1, "paid_on": str(today())}), 422, "unprocessable",
            "amount_fen")
        assert_error(move(S, T["mediator.hrss"], cid, "fulfilled", status=422), 422,
                     "unprocessable")
        # The respondent cannot confirm its own payment; others' workers see nothing.
        assert_error(S.request("POST", pay + "/%d/confirm" % pid, body={}, token=P1[1]), 403,
                     "forbidden")
        assert_error(S.request("POST", pay + "/%d/confirm" % pid, body={}, token=T["worker2"]),
                     404, "not_found")
        assert_error(S.request("POST", pay + "/99999999/confirm", body={}, token=T["worker"]),
                     404, "not_found")
        # A mediator confirms only on evidence.
        assert_error(S.request("POST", pay + "/%d/confirm" % pid, body={},
                               token=T["mediator.hrss"]), 400, "missing_field", "evidence_id")
        r = S.request("POST", pay + "/%d/confirm" % pid, body={"note": "收到"}, token=T["worker"])
        assert_status(r, 200)
        self.assertEqual(r.body["state"], "confirmed")
        self.assertEqual(r.body["decided_by"], "worker")
        self.assertEqual(r.body["case_state"], "fulfilled")
        self.assertEqual(r.body["owed_fen"], 0)
        c = get_case(cid, T["worker"])
        self.assertEqual((c["state"], c["paid_total_fen"]), ("fulfilled", 10000))
        assert_error(S.request("POST", pay + "/%d/dispute" % pid, body={"reason": "x"},
                               token=T["worker"]), 409, "conflict")
        kinds = [e["kind"] for e in S.request("GET", "/api/v1/cases/%d/events" % cid,
                                              token=T["admin"]).body["items"]]
        self.assertIn("payment_confirmed", kinds)
        self.assertEqual(count(S, "SELECT COUNT(*) FROM audit_events WHERE action = "
                                  "'case.payment_confirmed' AND summary LIKE '%%\"payment_id\":%d%%'"
                                  % pid), 1)

    def test_worker_disputes_and_mediator_confirms_on_evidence(self):
        cid = self.agreed(10000)
        pay = "/api/v1/cases/%d/payments" % cid
        body = {"category": "pay", "amount_fen": 6000, "paid_on": str(today())}
        r = S.request("POST", pay, token=P1[1], body=body)
        assert_status(r, 201)
        first = r.body["id"]
        assert_error(S.request("POST", pay + "/%d/dispute" % first, body={}, token=T["worker"]),
                     400, "missing_field", "reason")
        r = S.request("POST", pay + "/%d/dispute" % first, body={"reason": "没有收到转账"},
                      token=T["worker"])
        assert_status(r, 200)
        self.assertEqual(r.body["state"], "disputed")
        self.assertEqual(r.body["decision_note"], "没有收到转账")
        self.assertEqual(r.body["pending_fen"], 0)
        # A disputed payment counts for nothing: the respondent records again.
        r = S.request("POST", pay, token=P1[1], body=dict(body, amount_fen=10000))
        assert_status(r, 201)
        second = r.body["id"]
        ev = S.request("POST", "/api/v1/cases/%d/evidence" % cid, token=T["mediator.hrss"],
                       raw=b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n",
                       headers={"Content-Type": "application/pdf", "X-Filename": "receipt.pdf"})
        assert_status(ev, 201)
        assert_error(S.request("POST", pay + "/%d/confirm" % second, body={"evidence_id": 99999999},
                               token=T["mediator.hrss"]), 400, "invalid_field", "evidence_id")
        r = S.request("POST", pay + "/%d/confirm" % second, body={"evidence_id": ev.body["id"]},
                      token=T["mediator.hrss"])
        assert_status(r, 200)
        self.assertEqual((r.body["state"], r.body["evidence_id"]), ("confirmed", ev.body["id"]))
        self.assertEqual(r.body["case_state"], "fulfilled")
        pays = S.request("GET", pay, token=T["worker"]).body
        self.assertEqual(pays["paid_total_fen"], 10000)
        self.assertEqual([p["state"] for p in pays["items"]], ["disputed", "confirmed"])
        self.assertEqual(count(S, "SELECT COUNT(*) FROM audit_events WHERE action = "
                                  "'case.payment_disputed'"), 1)

    def test_worker_and_staff_payments_count_at_once(self):
        cid = self.agreed(10000)
        pay = "/api/v1/cases/%d/payments" % cid
        r = S.request("POST", pay, token=T["worker"], body={"category": "pay", "amount_fen": 4000,
                                                            "paid_on": str(today())})
        assert_status(r, 201)
        self.assertEqual((r.body["state"], r.body["owed_fen"]), ("confirmed", 6000))
        assert_error(S.request("POST", pay + "/%d/confirm" % r.body["id"], body={},
                               token=T["worker"]), 409, "conflict")
        r = S.request("POST", pay, token=T["mediator.hrss"], body={
            "category": "pay", "amount_fen": 6000, "paid_on": str(today())})
        self.assertEqual((r.body["state"], r.body["case_state"]), ("confirmed", "fulfilled"))

    def test_paid_on_is_bounded(self):
        cid = self.agreed(10000)
        pay = "/api/v1/cases/%d/payments" % cid
        for on in (today() - datetime.timedelta(days=1), today() + datetime.timedelta(days=1),
                   datetime.date(2000, 1, 1)):
            with self.subTest(on=on):
                assert_error(S.request("POST", pay, token=P1[1], body={
                    "category": "pay", "amount_fen": 100, "paid_on": str(on)}), 400,
                    "invalid_field", "paid_on")
        self.assertEqual(count(S, "SELECT COUNT(*) FROM case_payments WHERE case_id = %d" % cid), 0)


class TestConcurrency(unittest.TestCase):
    """Changes to one case never interleave: the case row is locked first."""

    def agreement(self, amount):
        m = T["mediator.hrss"]
        c = file_case(S, T["worker"], P1[0], claims=[{"category": "pay", "amount_fen": amount}])
        move(S, m, c["id"], "accepted")
        move(S, m, c["id"], "mediating")
        r = S.request("POST", "/api/v1/cases/%d/agreement" % c["id"], token=m, body={
            "terms": [{"category": "pay", "amount_fen": amount}],
            "pay_by": str(today() + datetime.timedelta(days=5)), "pay_method": "转账"})
        assert_status(r, 201)
        return c["id"]

    @staticmethod
    def parallel(calls):
        out = [None] * len(calls)

        def run(i, fn):
            cl = S.client()
            try:
                out[i] = fn(cl)
            finally:
                cl.close()

        ts = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        return out

    def test_three_confirmations_at_once(self):
        for _ in range(3):
            cid = self.agreement(10000)
            path = "/api/v1/cases/%d/agreement/confirm" % cid
            rs = self.parallel([lambda cl, t=t: cl.request("POST", path, body={}, token=t)
                                for t in (T["worker"], P1[1], T["mediator.hrss"])])
            self.assertEqual([r.status for r in rs], [200, 200, 200], rs)
            self.assertEqual(get_case(cid, T["admin"])["state"], "agreed")
            ag = S.request("GET", "/api/v1/cases/%d/agreement" % cid, token=T["admin"]).body
            self.assertTrue(ag["effective"])

    def test_payments_at_once_never_overpay(self):
        cid = self.agreement(10000)
        for tok in (T["worker"], P1[1], T["mediator.hrss"]):
            assert_status(S.request("POST", "/api/v1/cases/%d/agreement/confirm" % cid, body={},
                                    token=tok), 200)
        path = "/api/v1/cases/%d/payments" % cid
        body = {"category": "pay", "amount_fen": 4000, "paid_on": str(today())}
        rs = self.parallel([lambda cl: cl.request("POST", path, body=body,
                                                  token=T["mediator.hrss"])] * 4)
        ok = [r for r in rs if r.status == 201]
        self.assertEqual(len(ok), 2, rs)  # 4000 + 4000 fits 10000; a third would not
        for r in rs:
            if r.status != 201:
                assert_error(r, 422, "unprocessable", "amount_fen")
        c = get_case(cid, T["admin"])
        self.assertEqual(c["paid_total_fen"], 8000)
        self.assertEqual(count(S, "SELECT COALESCE(SUM(amount_fen), 0) FROM case_payments "
                                  "WHERE case_id = %d" % cid), 8000)


if __name__ == "__main__":
    unittest.main()
