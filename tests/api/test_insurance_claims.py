"""Claims over HTTP: cover at the incident's instant (just inside and just
outside), duplicates, materials (type sniffing, caps, who may see them), the
claim states and their illegal moves, assessment by the product schedule with
overrides, caps per incident and per person per year, dispute-case links,
and every role's view."""

import datetime
import hashlib
import hmac
import json
import random
import unittest

from egret_client import Server, assert_error, assert_status, unique

SECRET = "claims-payment-secret-0123456789"
S = None
_rng = random.Random()
_used = set()
SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def setUpModule():
    global S
    S = Server(seed=True, env={"EGRET_SECURITY_PAYMENT_SECRET": SECRET})
    S.start()


def tearDownModule():
    if S is not None:
        S.stop()


def today():
    return datetime.datetime.now(SHANGHAI).date()


def day_start(d):
    return int(datetime.datetime(d.year, d.month, d.day, tzinfo=SHANGHAI).timestamp())


def now():
    return int(datetime.datetime.now(datetime.timezone.utc).timestamp())


def rfc3339(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def id_number(birth):
    while True:
        body = "350203" + birth.strftime("%Y%m%d") + "%03d" % _rng.randrange(0, 1000)
        weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
        idn = body + "10X98765432"[sum(int(c) * w for c, w in zip(body, weights)) % 11]
        if idn not in _used:
            _used.add(idn)
            return idn


def ins():
    return S.login("insurer")


def covered_today(paid_ago=250):
    """A new person covered today from a payment paid_ago seconds ago (a
    payment may be dated at most 300 s before its order; never before
    today's 00:00); returns (person_id, paid_at)."""
    birth = today() - datetime.timedelta(days=_rng.randrange(25 * 366, 45 * 365))
    r = S.request("POST", "/api/v1/cover-days", token=ins(), body={
        "people": [{"id_number": id_number(birth), "name": unique("伤")}], "dates": [today().isoformat()]})
    assert_status(r, 201)
    order = r.body["orders"][0]
    paid = max(now() - paid_ago, day_start(today()) + 60)
    raw = json.dumps({"order_id": order["id"], "channel_ref": unique("C"), "amount_fen": order["amount_fen"],
                      "paid_at": rfc3339(paid)}).encode()
    sig = hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
    assert_status(S.request("POST", "/api/v1/payments/callback", raw=raw, headers={"X-Signature": sig}), 200)
    return r.body["created"][0]["person_id"], paid


def report(person_id, at, token=None, **kw):
    body = {"incident_at": rfc3339(at), "place": "湖滨南路", "description": "送餐途中摔倒",
            "injury_type": "fracture", "hospital": "中山医院"}
    if person_id is not None:
        body["person_id"] = person_id
    body.update(kw)
    return S.request("POST", "/api/v1/claims", body=body, token=token or ins())


def upload(claim_id, data=PDF, kind="medical_record", token=None, ctype="application/pdf", name="x.pdf"):
    return S.request("POST", "/api/v1/claims/%d/materials" % claim_id, raw=data, token=token or ins(),
                     query={"kind": kind, "name": name}, headers={"Content-Type": ctype})


def move(claim_id, to, token=None, **kw):
    body = {"to": to}
    body.update(kw)
    return S.request("POST", "/api/v1/claims/%d/transitions" % claim_id, body=body, token=token or ins())


def assess(claim_id, items, token=None, **kw):
    body = {"items": items}
    body.update(kw)
    return S.request("POST", "/api/v1/claims/%d/assessment" % claim_id, body=body, token=token or ins())


def accepted_claim(person_id, at):
    r = report(person_id, at)
    assert_status(r, 201)
    cid = r.body["id"]
    assert_status(upload(cid), 201)
    assert_status(move(cid, "accepted"), 200)
    return cid


def claims_count():
    return int(S.sql("SELECT COUNT(*) FROM claims")[0][0])


class TestCover(unittest.TestCase):
    def test_not_covered_is_refused_and_nothing_stored(self):
        before = claims_count()
        r = report(None, now() - 400 * 86400, token=S.login("worker"))
        err = assert_error(r, 422, "unprocessable", "incident_at")
        self.assertTrue(err["message"].startswith("not_covered"), err)
        unknown = id_number(datetime.date(1990, 1, 1))
        r = report(None, now() - 60, id_number=unknown)
        assert_error(r, 422, "unprocessable", "incident_at")
        r = report(999999999, now() - 60)
        assert_error(r, 422, "unprocessable", "incident_at")
        self.assertEqual(claims_count(), before)

    def test_cover_starts_at_the_payment(self):
        if now() - day_start(today()) < 400:
            self.skipTest("too close to midnight in Shanghai")
        pid, paid = covered_today()
        before = claims_count()
        assert_error(report(pid, paid - 60), 422, "unprocessable", "incident_at")
        assert_error(report(pid, paid - 1), 422, "unprocessable", "incident_at")
        self.assertEqual(claims_count(), before)
        r = report(pid, paid)
        assert_status(r, 201)
        self.assertEqual(r.body["state"], "reported")
        self.assertTrue(r.body["claim_no"].startswith("XM-CL-"))
        # the same person and instant again is a duplicate
        assert_error(report(pid, paid), 409, "duplicate", "incident_at")
        assert_status(report(pid, paid + 60), 201)

    def test_cover_ends_at_midnight(self):
        rows = S.sql("SELECT c.person_id, c.cover_end_at FROM cover_days c WHERE c.state = 'expired' "
                     "AND NOT EXISTS (SELECT 1 FROM cover_days d WHERE d.person_id = c.person_id "
                     "AND d.day_start_at = c.cover_end_at AND d.state IN ('active', 'expired')) "
                     "AND NOT EXISTS (SELECT 1 FROM claims x WHERE x.person_id = c.person_id) "
                     "ORDER BY c.id LIMIT 1")
        self.assertTrue(rows, "the demo has a covered day followed by an uncovered one")
        pid, end = int(rows[0][0]), int(rows[0][1])
        assert_error(report(pid, end), 422, "unprocessable", "incident_at")
        r = report(pid, end - 1)
        assert_status(r, 201)
        self.assertEqual(r.body["incident_date"],
                         datetime.datetime.fromtimestamp(end - 1, SHANGHAI).date().isoformat())


class TestLifecycle(unittest.TestCase):
    def test_worker_reports_and_the_insurer_pays(self):
        w = S.login("worker")
        at = max(now() - 900, day_start(today()) + 1)
        r = report(None, at, token=w)
        assert_status(r, 201)
        cid = r.body["id"]
        self.assertEqual(r.body["materials_due"], (today() + datetime.timedelta(days=30)).isoformat())
        self.assertIsNone(r.body["decision_due"])
        self.assertEqual(r.body["next_states"], ["accepted", "rejected"])
        # nothing can be assessed or approved before acceptance
        assert_error(assess(cid, [{"kind": "medical", "costs_fen": 1000}]), 409, "illegal_transition")
        assert_error(move(cid, "approved"), 409, "illegal_transition", "to")
        assert_error(move(cid, "accepted"), 422, "unprocessable", "to")  # no materials yet
        # materials: by content, not by the declared type
        m = upload(cid, token=w)
        assert_status(m, 201)
        self.assertEqual((m.body["content_type"], m.body["size_bytes"]), ("application/pdf", len(PDF)))
        self.assertEqual(m.body["sha256"], hashlib.sha256(PDF).hexdigest())
        img = upload(cid, PNG, kind="photo", token=w, ctype="application/pdf", name="../../etc/passwd")
        assert_status(img, 201)
        self.assertEqual((img.body["content_type"], img.body["name"]), ("image/png", "passwd"))
        got = S.request("GET", "/api/v1/claims/%d/materials/%d" % (cid, m.body["id"]), token=w)
        assert_status(got, 200)
        self.assertEqual(got.raw, PDF)
        self.assertEqual(got.headers.get("Content-Type"), "application/pdf")
        self.assertIn("attachment", got.headers.get("Content-Disposition"))
        assert_status(S.request("GET", "/api/v1/claims/%d/materials/%d" % (cid, m.body["id"]),
                                token=S.login("supervisor")), 200)
        assert_error(S.request("GET", "/api/v1/claims/%d/materials/%d" % (cid, m.body["id"]),
                               token=S.login("worker2")), 404, "not_found")
        assert_error(S.request("GET", "/api/v1/claims/%d/materials/%d" % (cid, m.body["id"]),
                               token=S.login("mediator")), 403, "forbidden")
        assert_error(S.request("GET", "/api/v1/claims/%d/materials/999999" % cid, token=w), 404,
                     "not_found")
        # accept: the decision is due in 10 working days
        a = move(cid, "accepted", note="材料齐全")
        assert_status(a, 200)
        self.assertEqual(a.body["state"], "accepted")
        self.assertIsNotNone(a.body["decision_due"])
        self.assertGreaterEqual(a.body["decision_due"], (today() + datetime.timedelta(days=12)).isoformat())
        # assess: each item by the schedule of the version in force; an override with its reason
        s = assess(cid, [
            {"kind": "medical", "costs_fen": 791889},
            {"kind": "hospital", "days": 200},
            {"kind": "disability", "grade": 10, "override_fen": 3500000, "override_reason": "鉴定意见"},
        ], note="首次核定")
        assert_status(s, 200)
        items = {i["kind"]: i for i in s.body["items"]}
        self.assertEqual(items["medical"]["computed_fen"], 703700)       # (7918.89 - 100) × 90 %
        self.assertEqual(items["hospital"]["computed_fen"], 1800000)     # 180 days at most
        self.assertEqual(items["disability"]["computed_fen"], 4000000)   # grade 10: 10 %
        self.assertEqual(items["disability"]["final_fen"], 3500000)
        self.assertEqual(items["disability"]["override_reason"], "鉴定意见")
        self.assertEqual(s.body["assessed_total_fen"], 703700 + 1800000 + 3500000)
        self.assertEqual((s.body["payout_fen"], s.body["capped_by"]), (6003700, "none"))
        ev = [e for e in s.body["events"] if e["action"] == "assessment"]
        self.assertEqual(ev[-1]["reason"], "override")
        # re-assess replaces the items (round 2)
        s2 = assess(cid, [{"kind": "medical", "costs_fen": 791889}])
        assert_status(s2, 200)
        self.assertEqual((s2.body["assessment_round"], s2.body["payout_fen"]), (2, 703700))
        self.assertEqual(len(s2.body["items"]), 1)
        # approve and pay
        ap = move(cid, "approved")
        assert_status(ap, 200)
        self.assertEqual(ap.body["payout_fen"], 703700)
        assert_error(upload(cid, token=w), 409, "conflict")
        pd = move(cid, "paid", payout_ref="BANK-1")
        assert_status(pd, 200)
        self.assertEqual((pd.body["state"], pd.body["payout_ref"]), ("paid", "BANK-1"))
        self.assertIsNotNone(pd.body["paid_at"])
        self.assertEqual(pd.body["next_states"], [])
        assert_error(move(cid, "rejected", reason="duplicate"), 409, "illegal_transition", "to")
        # the worker sees it all; the timeline names every step
        mine = S.request("GET", "/api/v1/claims/%d" % cid, token=w)
        assert_status(mine, 200)
        self.assertEqual([e["to_state"] for e in mine.body["events"] if e["action"] in
                          ("reported", "transition")], ["reported", "accepted", "approved", "paid"])
        audit = S.sql("SELECT action FROM audit_events WHERE entity = 'claim' AND entity_id = '%d' "
                      "ORDER BY seq" % cid)
        self.assertEqual([a[0] for a in audit][:1], ["insurance.claim.report"])
        self.assertIn("insurance.claim.assess", [a[0] for a in audit])

    def test_rejection_needs_a_reason_code(self):
        pid, paid = covered_today()
        r = report(pid, paid + 10)
        assert_status(r, 201)
        cid = r.body["id"]
        assert_error(move(cid, "rejected"), 400, "missing_field", "reason")
        assert_error(move(cid, "rejected", reason="because"), 400, "invalid_field", "reason")
        assert_error(move(cid, "closed"), 400, "invalid_field", "to")
        assert_error(move(cid, "assessed"), 409, "illegal_transition", "to")
        rj = move(cid, "rejected", reason="not_work_related", note="下班途中")
        assert_status(rj, 200)
        self.assertEqual((rj.body["state"], rj.body["reject_reason"]), ("rejected", "not_work_related"))
        assert_error(upload(cid), 409, "conflict")
        assert_error(move(cid, "accepted"), 409, "illegal_transition")
        # a rejected claim is no duplicate: the incident may be reported again
        assert_status(report(pid, paid + 10), 201)


def approved_claim(cost=500000):
    pid, paid = covered_today()
    cid = accepted_claim(pid, paid + _rng.randrange(1, 200))
    assert_status(assess(cid, [{"kind": "medical", "costs_fen": cost}]), 200)
    ap = move(cid, "approved")
    assert_status(ap, 200)
    return cid, ap.body


class TestRounds(unittest.TestCase):
    def test_overrides_on_the_timeline_and_earlier_rounds_kept(self):
        pid, paid = covered_today()
        cid = accepted_claim(pid, paid + 3)
        s1 = assess(cid, [
            {"kind": "medical", "costs_fen": 791889, "override_fen": 600000, "override_reason": "发票部分不符"},
            {"kind": "hospital", "days": 3},
        ], note="首轮核定")
        assert_status(s1, 200)
        ov = [e for e in s1.body["events"] if e["action"] == "override"]
        self.assertEqual(len(ov), 1, s1.body["events"])
        self.assertEqual((ov[0]["round"], ov[0]["item"], ov[0]["computed_fen"], ov[0]["override_fen"],
                          ov[0]["reason"]), (1, "medical", 703700, 600000, "发票部分不符"))
        a1 = [e for e in s1.body["events"] if e["action"] == "assessment"][-1]
        self.assertEqual((a1["round"], a1["total_fen"], a1["payout_fen"], a1["reason"]),
                         (1, 630000, 630000, "override"))
        # a second round: the first stays readable, items, totals and all
        s2 = assess(cid, [{"kind": "medical", "costs_fen": 791889}], note="复核")
        assert_status(s2, 200)
        self.assertEqual(s2.body["assessment_round"], 2)
        self.assertEqual([i["kind"] for i in s2.body["items"]], ["medical"])
        got = S.request("GET", "/api/v1/claims/%d" % cid, token=S.login("supervisor"))
        assert_status(got, 200)
        rounds = got.body["rounds"]
        self.assertEqual([r["round"] for r in rounds], [1, 2])
        r1, r2 = rounds
        self.assertEqual((r1["total_fen"], r1["payout_fen"], r1["capped_by"], r1["note"]),
                         (630000, 630000, "none", "首轮核定"))
        self.assertEqual({i["kind"]: (i["computed_fen"], i["override_fen"], i["final_fen"],
                                      i["override_reason"]) for i in r1["items"]},
                         {"medical": (703700, 600000, 600000, "发票部分不符"),
                          "hospital": (30000, None, 30000, None)})
        self.assertEqual((r2["total_fen"], r2["payout_fen"], len(r2["items"])), (703700, 703700, 1))
        self.assertIsNone(r2["items"][0]["override_fen"])
        self.assertEqual([(e["round"], e["total_fen"]) for e in got.body["events"]
                          if e["action"] == "assessment"], [(1, 630000), (2, 703700)])
        self.assertEqual(S.sql("SELECT round, total_fen FROM claim_rounds WHERE claim_id = %d "
                               "ORDER BY round" % cid), [["1", "630000"], ["2", "703700"]])


class TestApprovedBeforePayment(unittest.TestCase):
    def test_an_approved_claim_is_rejected_with_a_reason(self):
        cid, ap = approved_claim()
        self.assertEqual(set(ap["next_states"]), {"paid", "rejected", "accepted"})
        assert_error(move(cid, "rejected"), 400, "missing_field", "reason")
        assert_error(move(cid, "rejected", reason="fraud"), 400, "missing_field", "note")
        assert_error(move(cid, "rejected", reason="stolen", note="x"), 400, "invalid_field", "reason")
        rj = move(cid, "rejected", reason="fraud", note="事故视频显示为下班后")
        assert_status(rj, 200)
        self.assertEqual((rj.body["state"], rj.body["reject_reason"], rj.body["reject_note"]),
                         ("rejected", "fraud", "事故视频显示为下班后"))
        last = rj.body["events"][-1]
        self.assertEqual((last["action"], last["from_state"], last["to_state"], last["reason"], last["note"]),
                         ("transition", "approved", "rejected", "fraud", "事故视频显示为下班后"))
        audit = S.sql("SELECT summary FROM audit_events WHERE entity = 'claim' AND entity_id = '%d' "
                      "AND action = 'insurance.claim.transition' ORDER BY seq" % cid)
        self.assertIn('"from":"approved","to":"rejected"', audit[-1][0])
        assert_error(move(cid, "paid", payout_ref="BANK-9"), 409, "illegal_transition", "to")

    def test_an_approved_claim_is_reopened_and_assessed_again(self):
        cid, ap = approved_claim(cost=300000)
        assert_error(move(cid, "accepted"), 400, "missing_field", "note")
        ro = move(cid, "accepted", note="医院补充发票")
        assert_status(ro, 200)
        self.assertEqual(ro.body["state"], "accepted")
        self.assertIsNone(ro.body["approved_at"])
        self.assertIsNotNone(ro.body["decision_due"])
        self.assertIn("assessed", ro.body["next_states"])
        last = ro.body["events"][-1]
        self.assertEqual((last["from_state"], last["to_state"], last["reason"], last["note"]),
                         ("approved", "accepted", "reopened", "医院补充发票"))
        assert_error(move(cid, "approved"), 409, "illegal_transition", "to")  # assess first
        assert_status(assess(cid, [{"kind": "medical", "costs_fen": 400000}]), 200)
        ap2 = move(cid, "approved")
        assert_status(ap2, 200)
        self.assertEqual(ap2.body["payout_fen"], 351000)
        self.assertEqual([r["round"] for r in ap2.body["rounds"]], [1, 2])
        assert_status(move(cid, "paid", payout_ref="BANK-7"), 200)
        # once paid, neither is possible
        assert_error(move(cid, "accepted", note="再看看"), 409, "illegal_transition", "to")
        assert_error(move(cid, "rejected", reason="fraud", note="晚了"), 409, "illegal_transition", "to")


class TestCaps(unittest.TestCase):
    def test_caps_per_incident_and_per_year(self):
        pid, paid = covered_today()
        a = accepted_claim(pid, paid + 60)
        s = assess(a, [{"kind": "death"}, {"kind": "disability", "grade": 1}])
        assert_status(s, 200)
        self.assertEqual(s.body["assessed_total_fen"], 80000000)
        self.assertEqual((s.body["payout_fen"], s.body["capped_by"]), (40000000, "incident"))
        b = accepted_claim(pid, paid + 120)
        s = assess(b, [{"kind": "medical", "costs_fen": 100000}])
        self.assertEqual((s.body["payout_fen"], s.body["capped_by"]), (81000, "none"))
        assert_status(move(a, "approved"), 200)
        # the other claim's approval sees the year's maximum used up
        ap = move(b, "approved")
        assert_status(ap, 200)
        self.assertEqual((ap.body["payout_fen"], ap.body["capped_by"]), (0, "year"))


class TestBadInput(unittest.TestCase):
    def test_report_refusals(self):
        before = claims_count()
        w = S.login("worker")
        at = now() - 60
        assert_error(report(5, at, token=w), 403, "forbidden", "person_id")
        assert_error(report(None, at), 400, "missing_field", "person_id")
        assert_error(report(5, at, id_number="360426199101010071"), 400, "invalid_field", "person_id")
        assert_error(report(None, at, token=w, injury_type="sadness"), 400, "invalid_field",
                     "injury_type")
        assert_error(report(None, at, token=w, description="x" * 4001), 400, "invalid_field",
                     "description")
        assert_error(report(None, at, token=w, place=""), 400, "invalid_field", "place")
        assert_error(report(None, now() + 3600, token=w), 422, "unprocessable", "incident_at")
        assert_error(S.request("POST", "/api/v1/claims", token=w, body={"incident_at": "soon",
                     "place": "x", "description": "y", "injury_type": "other"}), 400, "invalid_field",
                     "incident_at")
        assert_error(S.request("POST", "/api/v1/claims", token=w, body={"place": "x"}), 400,
                     "missing_field", "incident_at")
        assert_error(report(None, at, token=w, extra=1), 400, "unknown_field", "extra")
        assert_error(S.request("POST", "/api/v1/claims", token=w, raw="{\"place\":"), 400, "bad_json")
        assert_error(S.request("POST", "/api/v1/claims", body={}), 401, "unauthenticated")
        for login in ("mediator", "analyst", "supervisor"):
            assert_error(report(None, at, token=S.login(login)), 403, "forbidden")
        self.assertEqual(claims_count(), before)

    def test_material_refusals(self):
        pid, paid = covered_today()
        r = report(pid, paid + 30)
        cid = r.body["id"]
        before = S.sql("SELECT COUNT(*) FROM claim_materials WHERE claim_id = %d" % cid)
        assert_error(upload(cid, b"<html><script>alert(1)</script>", ctype="text/html"), 415,
                     "unsupported_media_type")
        assert_error(upload(cid, b"MZ\x90\x00" + b"\x00" * 100, ctype="application/pdf"), 415,
                     "unsupported_media_type")
        assert_error(upload(cid, b"", ctype="application/pdf"), 415, "unsupported_media_type")
        assert_error(upload(cid, kind="selfie"), 400, "invalid_parameter", "kind")
        assert_error(S.request("POST", "/api/v1/claims/%d/materials" % cid, raw=PDF, token=ins(),
                               headers={"Content-Type": "application/pdf"}), 400, "invalid_parameter",
                     "kind")
        big = S.send_raw(("POST /api/v1/claims/%d/materials?kind=photo HTTP/1.1\r\nHost: x\r\n"
                          "Authorization: Bearer %s\r\nContent-Type: image/png\r\n"
                          "Content-Length: %d\r\nConnection: close\r\n\r\n" %
                          (cid, ins(), 10 * 1024 * 1024 + 1)).encode())
        assert_error(big, 413, "body_too_large")
        assert_error(upload(cid, token=S.login("worker")), 404, "not_found")
        assert_error(upload(cid, token=S.login("mediator")), 403, "forbidden")
        assert_error(upload(cid, token=S.login("supervisor")), 403, "forbidden")
        assert_error(upload(999999999), 404, "not_found")
        self.assertEqual(S.sql("SELECT COUNT(*) FROM claim_materials WHERE claim_id = %d" % cid), before)

    def test_assessment_refusals(self):
        pid, paid = covered_today()
        cid = accepted_claim(pid, paid + 45)
        cases = [
            ({"items": []}, 400, "invalid_field", "items"),
            ({}, 400, "missing_field", "items"),
            ({"items": [{"kind": "disability"}]}, 400, "missing_field", "items[0].grade"),
            ({"items": [{"kind": "medical"}]}, 400, "missing_field", "items[0].costs_fen"),
            ({"items": [{"kind": "hospital"}]}, 400, "missing_field", "items[0].days"),
            ({"items": [{"kind": "disability", "grade": 11}]}, 400, "invalid_field", "items[0].grade"),
            ({"items": [{"kind": "broken_heart"}]}, 400, "invalid_field", "items[0].kind"),
            ({"items": [{"kind": "death", "override_fen": 5}]}, 400, "missing_field",
             "items[0].override_reason"),
            ({"items": [{"kind": "death", "override_reason": "x"}]}, 400, "invalid_field",
             "items[0].override_reason"),
            ({"items": [{"kind": "death"}, {"kind": "death"}]}, 400, "invalid_field", "items[1].kind"),
            ({"items": [{"kind": "death"}] * 5}, 400, "invalid_field", "items"),
            ({"items": [{"kind": "medical", "costs_fen": -1}]}, 400, "invalid_field",
             "items[0].costs_fen"),
            ({"items": [{"kind": "death", "x": 1}]}, 400, "unknown_field", "items[0].x"),
        ]
        for body, status, code, field in cases:
            with self.subTest(body=body):
                r = S.request("POST", "/api/v1/claims/%d/assessment" % cid, body=body, token=ins())
                assert_error(r, status, code, field)
        self.assertEqual(S.sql("SELECT state, assessment_round FROM claims WHERE id = %d" % cid),
                         [["accepted", "0"]])
        for login in ("worker", "supervisor", "analyst"):
            assert_error(assess(cid, [{"kind": "death"}], token=S.login(login)), 403, "forbidden")
        assert_error(assess(999999999, [{"kind": "death"}]), 404, "not_found")


class TestCaseLink(unittest.TestCase):
    def test_link_and_unlink_a_dispute_case(self):
        pid, paid = covered_today()
        cid = report(pid, paid + 20).body["id"]
        case_id = S.sql("SELECT COALESCE(MIN(id), 0) FROM cases")[0][0]
        url = "/api/v1/claims/%d" % cid
        if int(case_id) > 0:
            r = S.request("PATCH", url, token=ins(), body={"case_id": int(case_id)})
            assert_status(r, 200)
            self.assertEqual(r.body["case_id"], int(case_id))
            lst = S.request("GET", "/api/v1/claims", token=ins(), query={"case_id": case_id})
            self.assertIn(cid, [c["id"] for c in lst.body["items"]])
        assert_error(S.request("PATCH", url, token=ins(), body={"case_id": 999999999}), 422,
                     "unprocessable", "case_id")
        assert_error(S.request("PATCH", url, token=ins(), body={}), 400, "missing_field", "case_id")
        assert_error(S.request("PATCH", url, token=ins(), body={"case_id": "7"}), 400, "invalid_field",
                     "case_id")
        assert_error(S.request("PATCH", url, token=ins(), body={"case_id": 0}), 400, "invalid_field",
                     "case_id")
        for login in ("worker", "supervisor", "mediator"):
            assert_error(S.request("PATCH", url, token=S.login(login), body={"case_id": None}), 403,
                         "forbidden")
        r = S.request("PATCH", url, token=S.login("admin"), body={"case_id": None})
        assert_status(r, 200)
        self.assertIsNone(r.body["case_id"])
        assert_error(S.request("PATCH", "/api/v1/claims/999999999", token=ins(),
                               body={"case_id": None}), 404, "not_found")


class TestViews(unittest.TestCase):
    def test_worker_sees_only_own_claims(self):
        w = S.login("worker")
        me = S.request("GET", "/api/v1/me", token=w).body["person_id"]
        lst = S.request("GET", "/api/v1/claims", token=w, query={"limit": 200})
        assert_status(lst, 200)
        self.assertTrue(lst.body["items"], "the demo worker has a claim")
        self.assertEqual({c["person_id"] for c in lst.body["items"]}, {me})
        other = S.sql("SELECT MIN(id) FROM claims WHERE person_id <> %d" % me)[0][0]
        assert_error(S.request("GET", "/api/v1/claims/%s" % other, token=w), 404, "not_found")
        for login in ("insurer", "supervisor", "admin"):
            assert_status(S.request("GET", "/api/v1/claims/%s" % other, token=S.login(login)), 200)
        for login in ("mediator", "analyst"):
            assert_error(S.request("GET", "/api/v1/claims/%s" % other, token=S.login(login)), 403,
                         "forbidden")
        assert_error(S.request("POST", "/api/v1/claims/%s/transitions" % other,
                               token=S.login("supervisor"), body={"to": "accepted"}), 403, "forbidden")

    def test_filters(self):
        tok = ins()
        paid = S.request("GET", "/api/v1/claims", token=tok, query={"state": "paid", "limit": 200})
        assert_status(paid, 200)
        self.assertTrue(paid.body["items"])
        self.assertEqual({c["state"] for c in paid.body["items"]}, {"paid"})
        od = S.request("GET", "/api/v1/claims", token=tok, query={"overdue": 1, "limit": 200})
        assert_status(od, 200)
        self.assertTrue(od.body["items"], "the demo has overdue claims")
        self.assertTrue(all(c["overdue"] for c in od.body["items"]))
        fig = S.request("GET", "/api/v1/insurance/figures", token=S.login("analyst"))
        self.assertGreaterEqual(fig.body["claims"]["overdue"], len(od.body["items"]))
        for q, field in (({"state": "lost"}, "state"), ({"overdue": 2}, "overdue"),
                         ({"cursor": "-1"}, "cursor"), ({"to": "2026-99-01"}, "to")):
            assert_error(S.request("GET", "/api/v1/claims", token=tok, query=q), 400,
                         "invalid_parameter", field)
        p1 = S.request("GET", "/api/v1/claims", token=tok, query={"limit": 2})
        p2 = S.request("GET", "/api/v1/claims", token=tok, query={"limit": 2, "cursor": p1.body["next_cursor"]})
        self.assertFalse({c["id"] for c in p1.body["items"]} & {c["id"] for c in p2.body["items"]})


if __name__ == "__main__":
    unittest.main()


class TestClaimEventsReachMonitoring(unittest.TestCase):
    """A claim reported or moved queues its incident day for monitoring's
    refresh (core/events.h, wired by the program), in the claim's own
    transaction; monitoring's daily job refreshes a queued day older than
    the week it refreshes anyway, and forgets it."""

    def queued(self, day):
        return S.sql("SELECT first_reason FROM mon_refresh_days WHERE day = '%s'" % day.isoformat())

    def test_report_and_move_queue_the_incident_day(self):
        S.sql("DELETE FROM mon_refresh_days")
        pid, paid = covered_today()
        r = report(pid, paid + 30)
        assert_status(r, 201)
        self.assertEqual(self.queued(today()), [["claim.reported"]])
        assert_status(move(r.body["id"], "rejected", reason="not_work_related"), 200)
        # the day is queued once, under the event that queued it first
        self.assertEqual(self.queued(today()), [["claim.reported"]])

    def test_refused_report_queues_nothing(self):
        S.sql("DELETE FROM mon_refresh_days")
        pid, paid = covered_today()
        # an hour before the cover-day: refused, nothing stored, nothing queued
        assert_error(report(pid, day_start(today()) - 3600), 422, "unprocessable", "incident_at")
        self.assertEqual(S.sql("SELECT COUNT(*) FROM mon_refresh_days"), [["0"]])

    def test_daily_job_refreshes_an_old_queued_day(self):
        old = today() - datetime.timedelta(days=40)
        S.sql("DELETE FROM mon_refresh_days")
        S.sql("INSERT INTO mon_refresh_days (day, first_reason, queued_at) VALUES "
              "('%s', 'claim.reported', 0), ('%s', 'case.filed', 0)"
              % (old.isoformat(), (today() + datetime.timedelta(days=1)).isoformat()))
        p = S.run_cli(["monitoring", "daily", "--date", (today() - datetime.timedelta(days=1)).isoformat()],
                      check=True)
        self.assertIn("and 1 earlier day,", p.stdout)
        left = S.sql("SELECT day FROM mon_refresh_days ORDER BY day")
        # the old day is done; tomorrow's waits for a later run
        self.assertEqual(left, [[(today() + datetime.timedelta(days=1)).isoformat()]])
