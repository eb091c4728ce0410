"""A fresh installation (`egret migrate`, no demo) has the shipped reference
data: the holiday calendar of the years shipped (2025, 2026, 2027), the
reference city's districts, the occupation catalogue and the dictionary;
so deadlines skip public holidays and department feeds that name a
district are accepted from the first day."""

import datetime
import unittest

from egret_client import Server, assert_status, unique

S = None
T = {}
PASSWORD = "fresh-install-password-1"
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
DISTRICTS = {"350203": "思明区", "350206": "湖里区", "350211": "集美区",
             "350205": "海沧区", "350212": "同安区", "350213": "翔安区"}
RECEIVED_MAX_AGE = datetime.timedelta(days=89)  # the intake accepts 90 days back


def id_number(serial):
    body = "350203199001%02d%03d" % (1 + serial % 28, 100 + serial % 800)
    s = sum(int(c) * w for c, w in zip(body, ID_WEIGHTS))
    return body + "10X98765432"[s % 11]


def credit_code():
    import secrets
    body = "91350200MA" + "".join(secrets.choice(CC_CHARS[:30]) for _ in range(7))
    s = sum(CC_CHARS.index(c) * w for c, w in zip(body, CC_WEIGHTS))
    return body + CC_CHARS[(31 - s % 31) % 31]


def add_user(login, role, *extra):
    S.run_cli(["user", "add", "--login", login, "--role", role] + list(extra),
              stdin=PASSWORD + "\n", check=True)
    T[login] = S.login(login, PASSWORD)


def setUpModule():
    global S
    S = Server(seed=False)  # `egret migrate` only
    S.start()
    add_user("admin", "admin")
    add_user("mediator", "mediator", "--department", "hrss")
    add_user("rider", "worker", "--name", "李骑手", "--id-number", id_number(11))


def tearDownModule():
    if S is not None:
        S.stop()


class TestShippedReferenceData(unittest.TestCase):
    def test_calendar_years_are_loaded_by_migrate(self):
        for year, holiday, workday in ((2025, "2025-10-08", "2025-09-28"),
                                       (2026, "2026-10-07", "2026-10-10"),
                                       (2027, "2027-10-01", None)):
            r = S.request("GET", "/api/v1/calendar", token=T["mediator"], query={"year": year})
            assert_status(r, 200)
            days = {d["day"]: d["kind"] for d in r.body["days"]}
            self.assertEqual(days.get("%d-10-01" % year), "holiday", year)
            self.assertEqual(days.get(holiday), "holiday", year)
            if workday:
                self.assertEqual(days.get(workday), "workday", year)
        rows = S.sql("SELECT COUNT(*) FROM audit_events WHERE action = 'calendar.seed'")
        self.assertEqual(rows[0][0], "3")  # one audited load per year
        # Migrating again adds nothing.
        before = S.sql("SELECT COUNT(*) FROM calendar_days")
        S.run_cli(["migrate"], check=True)
        self.assertEqual(S.sql("SELECT COUNT(*) FROM calendar_days"), before)

    def test_districts_and_catalogues(self):
        r = S.request("GET", "/api/v1/dictionary/district", token=T["admin"])
        assert_status(r, 200)
        got = {e["code"]: e["label"] for e in r.body["items"]}
        self.assertEqual(got, DISTRICTS)
        r = S.request("GET", "/api/v1/dictionary/occupation", token=T["admin"])
        assert_status(r, 200)
        self.assertGreater(len(r.body["items"]), 0)
        r = S.request("GET", "/api/v1/dictionary/sector", token=T["admin"])
        assert_status(r, 200)
        self.assertGreater(len(r.body["items"]), 0)

    def test_server_warns_when_the_calendar_lacks_a_year(self):
        year = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).year
        srv = Server(seed=False, name="test_reference_fresh-calendar")
        try:
            srv.prepare()
            srv.sql("DELETE FROM calendar_days WHERE day >= '%d-01-01' AND day <= '%d-12-31'"
                    % (year + 1, year + 1))
            srv.start()
            with open(srv.log_path, encoding="utf-8") as f:
                log = f.read()
            self.assertIn("event=calendar_missing year=%d" % (year + 1), log)
            if year in (2025, 2026, 2027):  # shipped: no warning for this year
                self.assertNotIn("event=calendar_missing year=%d" % year, log)
        finally:
            srv.stop()


class TestDeadlinesOnAFreshInstall(unittest.TestCase):
    def test_case_received_before_national_day_is_due_after_it(self):
        received = datetime.datetime(2026, 9, 30, 2, 0, tzinfo=datetime.timezone.utc)  # 10:00 Shanghai
        if datetime.datetime.now(datetime.timezone.utc) - received > RECEIVED_MAX_AGE:
            self.skipTest("2026-09-30 is past the intake's received_at window")
        r = S.request("POST", "/api/v1/cases", token=T["mediator"], body={
            "channel": "window", "type": "unpaid_pay",
            "applicant": {"name": "王新装", "id_number": id_number(7)},
            "respondent": {"credit_code": credit_code(), "name": "厦门新装配送站",
                           "sector": "food_delivery"},
            "matter": "拖欠报酬", "facts": "国庆节前一天到窗口投诉。",
            "received_at": received.strftime("%Y-%m-%dT%H:%M:%SZ")})
        assert_status(r, 201)
        self.assertEqual(r.body["submitted_on"], "2026-09-30")
        # 1-7 October are the National Day holiday; 8 October is the first working day.
        self.assertEqual(r.body["accept_due_on"], "2026-10-08")


class TestDepartmentFeedOnAFreshInstall(unittest.TestCase):
    def test_traffic_incident_with_a_district_is_accepted(self):
        r = S.request("POST", "/api/v1/department-keys", token=T["admin"],
                      body={"department": "traffic_police", "label": unique("交警")})
        assert_status(r, 201)
        key = r.body["key"]
        at = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=2))
        csv = ("id_number,occurred_at,district,kind,severity,vehicle,reference\n"
               "%s,%s,350203,collision,minor,e_bike,%s\n"
               % (id_number(11), at.strftime("%Y-%m-%dT%H:%M:%SZ"), unique("ref")))
        r = S.request("POST", "/api/v1/feeds/traffic-incidents", token=key,
                      raw=csv.encode("utf-8"),
                      headers={"Content-Type": "text/csv", "Idempotency-Key": unique("b")})
        assert_status(r, 201)


if __name__ == "__main__":
    unittest.main()
