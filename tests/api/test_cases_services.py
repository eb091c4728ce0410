"""One-stop consultations and the working-day calendar over real HTTP:
requests by workers and companies, who sees them, requested → assigned →
done, ratings once; the holiday calendar's endpoints, and acceptance
deadlines that skip public holidays and count make-up working days."""

import datetime
import json
import unittest

from egret_client import Server, assert_error, assert_status
from test_cases_common import add_platform, count, person_id_of

S = None
T = {}
P1 = None


def setUpModule():
    global S, P1
    S = Server(seed=True, env={"EGRET_SECURITY_LOGIN_MAX_PER_ADDRESS": "100000"})
    S.start()
    for login in ("admin", "supervisor", "mediator", "mediator.hrss", "mediator.siming",
                  "worker", "worker2", "insurer", "analyst"):
        T[login] = S.login(login)
    P1 = add_platform(S, "food_delivery")


def tearDownModule():
    S.stop()


def shanghai_today():
    return (datetime.datetime.utcnow() + datetime.timedelta(hours=8)).date()


def ask(token, kind="legal_aid", **extra):
    body = {"kind": kind, "topic": "咨询拖欠报酬如何维权", "details": "平台拖欠两个月报酬"}
    body.update(extra)
    r = S.request("POST", "/api/v1/consultations", body=body, token=token)
    assert_status(r, 201)
    return r.body


class TestConsultations(unittest.TestCase):
    def test_request_assign_done_rate(self):
        k = ask(T["worker"], kind="skills_training",
                preferred_date=str(shanghai_today() + datetime.timedelta(days=3)))
        self.assertEqual(k["state"], "requested")
        self.assertEqual(k["department"]["code"], "hrss")
        self.assertEqual(k["kind_label"], "技能培训报名")
        self.assertEqual(k["person_id"], person_id_of(S, T["worker"]))
        path = "/api/v1/consultations/%d" % k["id"]
        # Not before it is done; and only along the chain.
        assert_error(S.request("POST", path + "/rating", body={"score": 5}, token=T["worker"]),
                     409, "conflict")
        r = S.request("POST", path + "/transitions", body={"to": "done", "outcome": "x"},
                      token=T["mediator.hrss"])
        err = assert_error(r, 409, "illegal_transition", "to")
        self.assertIn("allowed: assigned", err["message"])
        assert_error(S.request("POST", path + "/transitions", body={"to": "assigned"},
                               token=T["worker"]), 403, "forbidden")
        assert_error(S.request("POST", path + "/transitions", body={"to": "assigned"},
                               token=T["mediator.siming"]), 404, "not_found")
        assert_error(S.request("POST", path + "/transitions",
                               body={"to": "assigned", "assignee": "worker"},
                               token=T["mediator.hrss"]), 400, "invalid_field", "assignee")
        assert_error(S.request("POST", path + "/transitions",
                               body={"to": "assigned", "assignee": "nobody-here"},
                               token=T["mediator.hrss"]), 400, "invalid_field", "assignee")
        r = S.request("POST", path + "/transitions", body={"to": "assigned"},
                      token=T["mediator.hrss"])
        assert_status(r, 200)
        self.assertEqual(r.body["state"], "assigned")
        self.assertEqual(r.body["assignee"], "mediator.hrss")
        assert_error(S.request("POST", path + "/transitions", body={"to": "done"},
                               token=T["mediator.hrss"]), 400, "missing_field", "outcome")
        r = S.request("POST", path + "/transitions", body={"to": "done", "outcome": "已报名下期培训"},
                      token=T["mediator.hrss"])
        assert_status(r, 200)
        self.assertEqual(r.body["state"], "done")
        self.assertEqual(r.body["outcome"], "已报名下期培训")
        assert_error(S.request("POST", path + "/transitions", body={"to": "assigned"},
                               token=T["mediator.hrss"]), 409, "illegal_transition")
        for bad, code in [({"score": 6}, "invalid_field"), ({"score": 0}, "invalid_field"),
                          ({"score": "5"}, "invalid_field"), ({}, "missing_field"),
                          ({"score": 5, "x": 1}, "unknown_field")]:
            with self.subTest(bad=bad):
                assert_error(S.request("POST", path + "/rating", body=bad, token=T["worker"]), 400,
                             code)
        assert_error(S.request("POST", path + "/rating", body={"score": 5}, token=T["worker2"]),
                     404, "not_found")
        r = S.request("POST", path + "/rating", body={"score": 4, "comment": "很好"},
                      token=T["worker"])
        assert_status(r, 200)
        self.assertEqual(r.body["rating"], 4)
        assert_error(S.request("POST", path + "/rating", body={"score": 5}, token=T["worker"]),
                     409, "conflict")
        self.assertGreaterEqual(count(S, "SELECT COUNT(*) FROM audit_events WHERE entity = "
                                         "'consultation' AND entity_id = '%d'" % k["id"]), 4)

    def test_assign_to_another_mediator(self):
        k = ask(T["worker"], kind="legal_aid")
        self.assertEqual(k["department"]["code"], "justice")
        path = "/api/v1/consultations/%d" % k["id"]
        assert_error(S.request("GET", path, token=T["mediator.hrss"]), 404, "not_found")
        r = S.request("POST", path + "/transitions",
                      body={"to": "assigned", "assignee": "mediator.hrss"}, token=T["mediator"])
        assert_status(r, 200)
        self.assertEqual(r.body["department"]["code"], "hrss")
        # Now it is with hrss.
        assert_status(S.request("GET", path, token=T["mediator.hrss"]), 200)

    def test_assign_out_of_own_department(self):
        # A mediator hands an hrss consultation to another department's
        # mediator: the change commits, the answer says it left the caller's
        # sight (not 404), and the audit trail names the department move.
        k = ask(T["worker"], kind="skills_training")
        self.assertEqual(k["department"]["code"], "hrss")
        path = "/api/v1/consultations/%d" % k["id"]
        r = S.request("POST", path + "/transitions",
                      body={"to": "assigned", "assignee": "mediator.siming"},
                      token=T["mediator.hrss"])
        assert_status(r, 200)
        self.assertEqual(r.body["id"], k["id"])
        self.assertIs(r.body["visible"], False)
        self.assertEqual(r.body["state"], "assigned")
        self.assertEqual(r.body["department"], "siming")
        assert_error(S.request("GET", path, token=T["mediator.hrss"]), 404, "not_found")
        r = S.request("GET", path, token=T["mediator.siming"])
        assert_status(r, 200)
        self.assertEqual(r.body["assignee"], "mediator.siming")
        self.assertEqual(r.body["department"]["code"], "siming")
        rows = S.sql("SELECT summary FROM audit_events WHERE entity = 'consultation' AND "
                     "entity_id = '%d' AND action = 'consultation.transition'" % k["id"])
        self.assertEqual(len(rows), 1)
        summary = json.loads(rows[0][0])
        self.assertEqual(summary["from_department"], "hrss")
        self.assertEqual(summary["to_department"], "siming")
        self.assertEqual(summary["assignee"], "mediator.siming")
        self.assertEqual((summary["from"], summary["to"]), ("requested", "assigned"))

    def test_company_only_services_refused_to_workers(self):
        before = count(S, "SELECT COUNT(*) FROM consultations")
        for kind in ("pay_distribution", "employment_diagnosis"):
            with self.subTest(kind=kind):
                r = S.request("POST", "/api/v1/consultations",
                              body={"kind": kind, "topic": "薪酬分配"}, token=T["worker"])
                assert_error(r, 403, "company_only_service", "kind")
        self.assertEqual(count(S, "SELECT COUNT(*) FROM consultations"), before)
        # A company still may; a worker still may ask for the others.
        self.assertEqual(ask(P1[1], kind="employment_diagnosis")["kind"], "employment_diagnosis")
        self.assertEqual(ask(T["worker"], kind="collective_consultation")["state"], "requested")

    def test_company_requests(self):
        k = ask(P1[1], kind="pay_distribution")
        self.assertEqual(k["organisation_id"], P1[0])
        self.assertIsNone(k["person_id"])
        r = S.request("GET", "/api/v1/consultations", token=P1[1])
        assert_status(r, 200)
        self.assertTrue(all(x["organisation_id"] == P1[0] for x in r.body["items"]))
        self.assertIn(k["id"], [x["id"] for x in r.body["items"]])
        assert_error(S.request("GET", "/api/v1/consultations/%d" % k["id"], token=T["worker"]),
                     404, "not_found")

    def test_scopes_and_lists(self):
        mine = ask(T["worker"], kind="psychological")
        theirs = ask(T["worker2"], kind="psychological")
        r = S.request("GET", "/api/v1/consultations", token=T["worker"], query={"limit": 200})
        ids = [x["id"] for x in r.body["items"]]
        self.assertIn(mine["id"], ids)
        self.assertNotIn(theirs["id"], ids)
        assert_error(S.request("GET", "/api/v1/consultations/%d" % theirs["id"],
                               token=T["worker"]), 404, "not_found")
        r = S.request("GET", "/api/v1/consultations", token=T["admin"],
                      query={"kind": "psychological", "state": "requested", "limit": 1})
        assert_status(r, 200)
        self.assertEqual(len(r.body["items"]), 1)
        self.assertIsNotNone(r.body["next_cursor"])
        nxt = S.request("GET", "/api/v1/consultations", token=T["admin"],
                        query={"kind": "psychological", "state": "requested", "limit": 1,
                               "cursor": r.body["next_cursor"]})
        self.assertLess(nxt.body["items"][0]["id"], r.body["items"][0]["id"])
        for q, field in [({"state": "x"}, "state"), ({"kind": "x"}, "kind"),
                         ({"limit": "0"}, "limit"), ({"cursor": "abc"}, "cursor")]:
            assert_error(S.request("GET", "/api/v1/consultations", token=T["admin"], query=q),
                         400, "invalid_parameter", field)
        for login in ("insurer", "analyst"):
            assert_error(S.request("GET", "/api/v1/consultations", token=T[login]), 403,
                         "forbidden")
        assert_error(S.request("GET", "/api/v1/consultations"), 401, "unauthenticated")

    def test_bad_requests_store_nothing(self):
        before = count(S, "SELECT COUNT(*) FROM consultations")
        for body, code, field in [
                ({"kind": "astrology", "topic": "x"}, "invalid_field", "kind"),
                ({"kind": "legal_aid"}, "missing_field", "topic"),
                ({"kind": "legal_aid", "topic": ""}, ("missing_field", "invalid_field"), "topic"),
                ({"kind": "legal_aid", "topic": "x" * 201}, "invalid_field", "topic"),
                ({"kind": "legal_aid", "topic": "x", "preferred_date": "2020-01-01"},
                 "invalid_field", "preferred_date"),
                ({"kind": "legal_aid", "topic": "x", "preferred_date": "2026-02-30"},
                 "invalid_field", "preferred_date"),
                ({"kind": "legal_aid", "topic": "x", "person_id": 1}, "unknown_field",
                 "person_id")]:
            with self.subTest(body=body):
                assert_error(S.request("POST", "/api/v1/consultations", body=body,
                                       token=T["worker"]), 400, code, field)
        for login in ("mediator", "insurer", "supervisor"):
            assert_error(S.request("POST", "/api/v1/consultations",
                                   body={"kind": "legal_aid", "topic": "x"}, token=T[login]), 403,
                         "forbidden")
        self.assertEqual(count(S, "SELECT COUNT(*) FROM consultations"), before)
        assert_error(S.request("GET", "/api/v1/consultations/99999999", token=T["admin"]), 404,
                     "not_found")


class TestCalendarEndpoints(unittest.TestCase):
    def test_read_and_validate(self):
        year = shanghai_today().year
        r = S.request("GET", "/api/v1/calendar", token=T["mediator"])
        assert_status(r, 200)
        self.assertEqual(r.body["year"], year)
        if year in (2026, 2027):  # the built-in published calendars seeded by the demo
            self.assertTrue(any(d["kind"] == "holiday" and d["day"] == "%d-10-01" % year
                                for d in r.body["days"]))
        r = S.request("GET", "/api/v1/calendar", token=T["mediator"], query={"year": 2026})
        if year in (2025, 2026):
            days = {d["day"]: d["kind"] for d in r.body["days"]}
            self.assertEqual(days.get("2026-02-14"), "workday")
            self.assertEqual(days.get("2026-10-07"), "holiday")
        for q in ({"year": "1800"}, {"year": "twenty"}):
            assert_error(S.request("GET", "/api/v1/calendar", token=T["admin"], query=q), 400,
                         "invalid_parameter", "year")
        assert_error(S.request("GET", "/api/v1/calendar", token=T["worker"]), 403, "forbidden")

        ok = {"year": 2031, "days": [{"day": "2031-01-01", "kind": "holiday", "name": "元旦"},
                                     {"day": "2031-01-04", "kind": "workday", "name": "调休"}]}
        for bad, field in [
                (dict(ok, days=[{"day": "2031-01-06", "kind": "workday"}]), "days[0].day"),
                (dict(ok, days=[{"day": "2032-01-01", "kind": "holiday"}]), "days[0].day"),
                (dict(ok, days=[{"day": "2031-02-30", "kind": "holiday"}]), "days[0].day"),
                (dict(ok, days=[{"day": "2031-01-01", "kind": "holiday"},
                                {"day": "2031-01-01", "kind": "holiday"}]), "days[1].day"),
                (dict(ok, days=[{"day": "2031-01-01", "kind": "party"}]), "days[0].kind"),
                ({"days": []}, "year"), (dict(ok, year=3500), "year")]:
            with self.subTest(bad=bad):
                assert_error(S.request("PUT", "/api/v1/calendar", body=bad, token=T["admin"]),
                             400, ("invalid_field", "missing_field"), field)
        assert_error(S.request("PUT", "/api/v1/calendar", body=ok, token=T["mediator"]), 403,
                     "forbidden")
        self.assertEqual(count(S, "SELECT COUNT(*) FROM calendar_days WHERE day >= '2031-01-01' "
                                  "AND day <= '2031-12-31'"), 0)
        r = S.request("PUT", "/api/v1/calendar", body=ok, token=T["admin"])
        assert_status(r, 200)
        self.assertEqual([d["day"] for d in r.body["days"]], ["2031-01-01", "2031-01-04"])
        r = S.request("PUT", "/api/v1/calendar", body={"year": 2031, "days": []}, token=T["admin"])
        self.assertEqual(r.body["days"], [])


class TestWorkingDayDeadlines(unittest.TestCase):
    """Acceptance deadlines over weekends, holidays and make-up days, on a
    database of its own (the test rewrites a year of the calendar)."""

    @classmethod
    def setUpClass(cls):
        cls.srv = Server(seed=True, name="test_cases_services_calendar")
        cls.srv.start()
        cls.admin = cls.srv.login("admin")
        cls.med = cls.srv.login("mediator")
        cls.worker_person = person_id_of(cls.srv, cls.srv.login("worker"))
        cls.platform = add_platform(cls.srv, "food_delivery")[0]
        # A Friday in the last five weeks whose next days are in the same year.
        d = shanghai_today() - datetime.timedelta(days=7)
        while d.weekday() != 4 or (d + datetime.timedelta(days=4)).year != d.year:
            d -= datetime.timedelta(days=1)
        cls.friday = d

    @classmethod
    def tearDownClass(cls):
        cls.srv.stop()

    def set_calendar(self, days):
        r = self.srv.request("PUT", "/api/v1/calendar", token=self.admin,
                             body={"year": self.friday.year, "days": days})
        assert_status(r, 200)

    def intake_on_friday(self):
        # 10:00 in Shanghai on that Friday.
        at = datetime.datetime.combine(self.friday, datetime.time(2, 0))
        r = self.srv.request("POST", "/api/v1/cases", token=self.med, body={
            "type": "unpaid_pay", "applicant": {"person_id": self.worker_person},
            "respondent": {"organisation_id": self.platform}, "matter": "m", "facts": "f",
            "received_at": at.strftime("%Y-%m-%dT%H:%M:%SZ")})
        assert_status(r, 201)
        self.assertEqual(r.body["submitted_on"], str(self.friday))
        return r.body

    def test_deadlines(self):
        f = self.friday
        day = lambda n: str(f + datetime.timedelta(days=n))  # noqa: E731
        self.set_calendar([])
        self.assertEqual(self.intake_on_friday()["accept_due_on"], day(3))  # Monday
        self.set_calendar([{"day": day(1), "kind": "workday", "name": "调休"}])
        self.assertEqual(self.intake_on_friday()["accept_due_on"], day(1))  # Saturday worked
        self.set_calendar([{"day": day(3), "kind": "holiday", "name": "节日"}])
        self.assertEqual(self.intake_on_friday()["accept_due_on"], day(4))  # Tuesday
        self.set_calendar([{"day": day(3), "kind": "holiday"}, {"day": day(4), "kind": "holiday"},
                           {"day": day(2), "kind": "workday"}])
        self.assertEqual(self.intake_on_friday()["accept_due_on"], day(2))  # Sunday worked
        c = self.intake_on_friday()
        self.assertTrue(c["overdue"])  # a Friday a week or more ago
        self.assertTrue(c["arbitration_open"])


if __name__ == "__main__":
    unittest.main()
