"""Accounts, sessions and the audit trail over real HTTP: signing in and
out, throttling, expired and forged tokens, registration, people and their
personal data, users, departments, organisations and the audit endpoints.
Every endpoint also gets bad input: unknown fields, wrong roles, hostile
strings; and afterwards the tests read back that nothing was stored."""

import datetime
import random
import re
import unittest

from egret_client import Server, assert_error, assert_status, unique

S = None
LOGIN = "/api/v1/auth/login"

# A lot of failed sign-ins happen here on purpose: keep the per-address
# limit out of the way of the tests that are not about it.
MAIN_ENV = {
    "EGRET_SECURITY_LOGIN_MAX_PER_ADDRESS": "100000",
    "EGRET_SECURITY_SESSION_TTL_S": "3600",
}


def setUpModule():
    global S
    S = Server(seed=True, env=MAIN_ENV)
    S.start()


def tearDownModule():
    S.stop()


# ---------------------------------------------------------------- helpers

_rng = random.Random()
_used_ids = set()


def id_number(region="350203", birth=None, seq=None):
    """A valid resident ID number (GB 11643 check character), unique in this run."""
    while True:
        if birth is None:
            d = datetime.date(1970, 1, 1) + datetime.timedelta(days=_rng.randrange(0, 12000))
            b = d.strftime("%Y%m%d")
        else:
            b = birth
        s = "%03d" % (seq if seq is not None else _rng.randrange(0, 1000))
        body = region + b + s
        weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
        total = sum(int(c) * w for c, w in zip(body, weights))
        idn = body + "10X98765432"[total % 11]
        if idn not in _used_ids:
            _used_ids.add(idn)
            return idn


def wrong_check(idn):
    """The same ID number with a different (wrong) check character."""
    last = idn[-1]
    return idn[:-1] + ("1" if last != "1" else "2")


CC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code():
    """A valid unified social credit code (GB 32100 check character)."""
    body = "91350200" + "".join(_rng.choice(CC_CHARS) for _ in range(9))
    total = sum(CC_CHARS.index(c) * w for c, w in zip(body, CC_WEIGHTS))
    check = 31 - total % 31
    return body + CC_CHARS[0 if check == 31 else check]


def phone():
    return "139" + "%08d" % _rng.randrange(0, 10 ** 8)


def parse_instant(s):
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", s), s
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)


def admin():
    return S.login("admin")


def make_user(role="analyst", department=None, password=None, **extra):
    """Create an account through the API; returns (user, password)."""
    password = password or "pw-" + unique()
    body = {"login": unique(role[:3] + "."), "password": password, "role": role}
    if department:
        body["department"] = department
    body.update(extra)
    r = S.request("POST", "/api/v1/users", body=body, token=admin())
    assert_status(r, 201)
    return r.body, password


def register(**overrides):
    body = {"login": unique("w."), "password": "pw-" + unique(), "name": "王" + unique()[-4:],
            "id_number": id_number(), "phone": phone()}
    body.update(overrides)
    return body, S.request("POST", "/api/v1/auth/register", body=body)


def audit_events(**filters):
    r = S.request("GET", "/api/v1/audit", token=S.login("supervisor"), query=filters)
    assert_status(r, 200)
    return r.body["items"]


def user_count(login):
    r = S.request("GET", "/api/v1/users", token=admin(), query={"q": login})
    assert_status(r, 200)
    return len([u for u in r.body["items"] if u["login"] == login])


# ---------------------------------------------------------------- sign in

class TestLogin(unittest.TestCase):
    def test_success_shape(self):
        before = datetime.datetime.now(datetime.timezone.utc)
        j = S.login_json("mediator.siming")
        self.assertTrue(j["token"].startswith("egs_"))
        self.assertEqual(len(j["token"]), 47)
        expires = parse_instant(j["expires_at"])
        ttl = (expires - before).total_seconds()
        self.assertTrue(3590 <= ttl <= 3610, ttl)
        u = j["user"]
        self.assertEqual(u["login"], "mediator.siming")
        self.assertEqual(u["role"], "mediator")
        self.assertIsInstance(u["id"], int)
        self.assertEqual(u["department"]["code"], "siming")
        self.assertEqual(u["department"]["name"], "思明区分中心")
        self.assertTrue(re.match(r"^/\d+/\d+/$", u["department"]["path"]))
        self.assertIsNone(u["organisation_id"])
        self.assertIsNone(u["person_id"])
        self.assertNotIn("password_hash", u)

    def test_each_demo_account_signs_in(self):
        roles = {"admin": "admin", "supervisor": "supervisor", "mediator": "mediator",
                 "mediator.hrss": "mediator", "insurer": "insurer", "analyst": "analyst",
                 "worker": "worker", "worker2": "worker"}
        for login, role in roles.items():
            with self.subTest(login=login):
                j = S.login_json(login)
                self.assertEqual(j["user"]["role"], role)
        self.assertIsInstance(S.login_json("insurer")["user"]["organisation_id"], int)
        self.assertIsInstance(S.login_json("worker")["user"]["person_id"], int)

    def test_wrong_password_and_unknown_login_look_alike(self):
        a = S.request("POST", LOGIN, body={"login": "admin", "password": "not-the-password"})
        b = S.request("POST", LOGIN, body={"login": unique("nobody"), "password": "not-the-password"})
        ea = assert_error(a, 401, "bad_credentials")
        eb = assert_error(b, 401, "bad_credentials")
        self.assertEqual(ea, eb)
        self.assertNotIn("token", a.raw.decode())

    def test_failures_are_audited_without_the_password(self):
        secret = "Secret-" + unique()
        login = unique("ghost")
        assert_error(S.request("POST", LOGIN, body={"login": login, "password": secret}), 401,
                     "bad_credentials")
        events = audit_events(action="auth.login_failed")
        mine = [e for e in events if e["summary"].get("login") == login]
        self.assertEqual(len(mine), 1)
        self.assertEqual(mine[0]["address"], "127.0.0.1")
        self.assertNotIn(secret, str(events))

    def test_success_is_audited(self):
        j = S.login_json("worker2")
        events = audit_events(action="auth.login", actor="worker2")
        self.assertTrue(events)
        self.assertEqual(events[0]["actor_role"], "worker")
        self.assertEqual(events[0]["actor_user_id"], j["user"]["id"])

    def test_bad_bodies(self):
        cases = [
            ({"login": "admin"}, 400, "missing_field", "password"),
            ({"password": "x"}, 400, "missing_field", "login"),
            ({"login": "admin", "password": "egret-city-demo", "remember": True}, 400, "unknown_field", "remember"),
            ({"login": 5, "password": "egret-city-demo"}, 400, "invalid_field", "login"),
            ({"login": "admin", "password": ["egret-city-demo"]}, 400, "invalid_field", "password"),
            ({"login": "x" * 5000, "password": "egret-city-demo"}, 400, "invalid_field", "login"),
        ]
        for body, status, code, field in cases:
            with self.subTest(body=str(body)[:60]):
                assert_error(S.request("POST", LOGIN, body=body), status, code, field=field)
        assert_error(S.request("POST", LOGIN, raw="[1,2]"), 400, "not_an_object")
        assert_error(S.request("POST", LOGIN, raw="{\"login\":"), 400, "bad_json")

    def test_sql_in_login_is_just_a_wrong_login(self):
        for login in ("admin' --", "' OR '1'='1", "admin\"; DROP TABLE users; --"):
            with self.subTest(login=login):
                r = S.request("POST", LOGIN, body={"login": login, "password": "' OR '1'='1"})
                assert_error(r, 401, "bad_credentials")
        self.assertTrue(S.login("admin"))

    def test_disabled_account(self):
        user, pw = make_user("analyst", department="hrss")
        tok = S.login(user["login"], pw)
        r = S.request("PATCH", "/api/v1/users/%d" % user["id"], body={"disabled": True}, token=admin())
        assert_status(r, 200)
        self.assertTrue(r.body["disabled"])
        # A disabled account answers like a wrong password, whatever the
        # password: the answer says nothing about it.
        r = S.request("POST", LOGIN, body={"login": user["login"], "password": pw})
        assert_error(r, 401, "bad_credentials")
        r = S.request("POST", LOGIN, body={"login": user["login"], "password": pw + "x"})
        assert_error(r, 401, "bad_credentials")
        # Its session ended with it.
        assert_error(S.request("GET", "/api/v1/me", token=tok), (401, 403),
                     ("unauthenticated", "account_disabled"))
        r = S.request("PATCH", "/api/v1/users/%d" % user["id"], body={"disabled": False}, token=admin())
        assert_status(r, 200)
        assert_status(S.request("GET", "/api/v1/me", token=S.login(user["login"], pw)), 200)

    def test_success_clears_the_account_failures(self):
        # Default per-account limit is 5: 4 failures, a success, 4 more — never 429.
        user, pw = make_user("analyst")
        for _ in range(4):
            assert_error(S.request("POST", LOGIN, body={"login": user["login"], "password": "nope-nope"}),
                         401, "bad_credentials")
        S.login(user["login"], pw)
        for _ in range(4):
            assert_error(S.request("POST", LOGIN, body={"login": user["login"], "password": "nope-nope"}),
                         401, "bad_credentials")
        S.login(user["login"], pw)


class TestThrottling(unittest.TestCase):
    """A server of its own with small limits (per account 3, per address 6)."""

    def test_per_account_then_per_address(self):
        srv = Server(seed=True, env={"EGRET_SECURITY_LOGIN_MAX_PER_ACCOUNT": "3",
                                     "EGRET_SECURITY_LOGIN_MAX_PER_ADDRESS": "6"})
        try:
            srv.start()
            for _ in range(3):
                assert_error(srv.request("POST", LOGIN, body={"login": "analyst", "password": "wrong-pw"}),
                             401, "bad_credentials")
            # Throttled: even the right password is not checked.
            r = srv.request("POST", LOGIN, body={"login": "analyst", "password": "egret-city-demo"})
            assert_error(r, 429, "too_many_requests")
            self.assertTrue(r.headers.get("Retry-After"))
            r = srv.request("POST", LOGIN, body={"login": "analyst", "password": "wrong-pw"})
            assert_error(r, 429, "too_many_requests")
            # Other accounts from the same address still sign in (3 < 6).
            assert_status(srv.request("POST", LOGIN, body={"login": "admin", "password": "egret-city-demo"}), 200)
            # Now per address: three more failures on logins that do not exist.
            for i in range(3):
                assert_error(srv.request("POST", LOGIN, body={"login": unique("x"), "password": "wrong"}),
                             401, "bad_credentials")
            r = srv.request("POST", LOGIN, body={"login": "supervisor", "password": "egret-city-demo"})
            assert_error(r, 429, "too_many_requests")
            # Throttled attempts did not count or sign in: no session for supervisor.
            rows = srv.sql("SELECT COUNT(*) FROM sessions s JOIN users u ON u.id = s.user_id "
                           "WHERE u.login = 'supervisor'")
            self.assertEqual(rows[0][0], "0")
        finally:
            srv.stop()


# ---------------------------------------------------------------- tokens

class TestTokens(unittest.TestCase):
    def test_expired_token(self):
        tok = S.login("mediator.hrss")
        assert_status(S.request("GET", "/api/v1/me", token=tok), 200)
        S.sql("UPDATE sessions SET expires_at = created_at - 1 WHERE id = (SELECT MAX(id) FROM sessions)")
        assert_error(S.request("GET", "/api/v1/me", token=tok), 401, "token_expired")
        assert_error(S.request("GET", "/api/v1/users", token=tok), 401, "token_expired")

    def test_forged_and_garbage_tokens(self):
        good = S.login("admin")
        import base64
        import secrets
        forged = "egs_" + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
        key = "egk_" + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode().rstrip("=")
        for tok in (forged, key, good[:-1] + ("A" if good[-1] != "A" else "B"), good[:-2],
                    good + "A", "egs_" + "A" * 43, "egx_" + good[4:], good.replace("egs_", "egk_"),
                    "garbage", "egs_" + "é" * 43, "egs_' OR '1'='1"):
            with self.subTest(tok=tok[:30]):
                assert_error(S.request("GET", "/api/v1/me", token=tok), 401, "unauthenticated")
        assert_status(S.request("GET", "/api/v1/me", token=good), 200)

    def test_logout_then_reuse(self):
        tok = S.login("analyst")
        r = S.request("POST", "/api/v1/auth/logout", token=tok)
        assert_status(r, 204)
        assert_error(S.request("GET", "/api/v1/me", token=tok), 401, "unauthenticated")
        assert_error(S.request("POST", "/api/v1/auth/logout", token=tok), 401, "unauthenticated")
        assert_error(S.request("POST", "/api/v1/auth/logout"), 401, "unauthenticated")
        # Other sessions of the same account live on.
        other = S.login("analyst")
        assert_status(S.request("GET", "/api/v1/me", token=other), 200)
        self.assertTrue(audit_events(action="auth.logout", actor="analyst"))

    def test_tokens_are_stored_hashed(self):
        tok = S.login("analyst")
        rows = S.sql("SELECT COUNT(*) FROM sessions WHERE token_hash = '%s'" % tok)
        self.assertEqual(rows[0][0], "0")

    def test_password_change_ends_sessions(self):
        user, pw = make_user("supervisor")
        tok = S.login(user["login"], pw)
        new = "new-" + unique()
        r = S.request("POST", "/api/v1/users/%d/password" % user["id"], body={"password": new},
                      token=admin())
        assert_status(r, 204)
        assert_error(S.request("GET", "/api/v1/me", token=tok), 401, "unauthenticated")
        assert_error(S.request("POST", LOGIN, body={"login": user["login"], "password": pw}), 401,
                     "bad_credentials")
        assert_status(S.request("GET", "/api/v1/me", token=S.login(user["login"], new)), 200)
        r = S.request("POST", "/api/v1/users/%d/password" % user["id"], body={"password": "short"},
                      token=admin())
        assert_error(r, 400, "invalid_field", field="password")
        r = S.request("POST", "/api/v1/users/99999999/password", body={"password": "long-enough-pw"},
                      token=admin())
        assert_error(r, 404, "not_found")
        r = S.request("POST", "/api/v1/users/%d/password" % user["id"], body={"password": "long-enough-pw"},
                      token=S.login("supervisor"))
        assert_error(r, 403, "forbidden")


# ---------------------------------------------------------------- register and me

class TestRegister(unittest.TestCase):
    def test_register_then_sign_in(self):
        body, r = register(name="陈静")
        assert_status(r, 201)
        u = r.body
        self.assertEqual(u["login"], body["login"])
        self.assertEqual(u["role"], "worker")
        self.assertIsInstance(u["person_id"], int)
        p = u["person"]
        self.assertEqual(p["name"], "陈静")
        self.assertEqual(p["id_number_masked"], body["id_number"][:4] + "*" * 10 + body["id_number"][-4:])
        self.assertEqual(p["phone_masked"], body["phone"][:3] + "****" + body["phone"][-4:])
        self.assertNotIn("id_number", p)
        self.assertNotIn(body["id_number"], r.raw.decode())
        self.assertNotIn(body["phone"], r.raw.decode())
        tok = S.login(body["login"], body["password"])
        me = S.request("GET", "/api/v1/me", token=tok)
        assert_status(me, 200)
        self.assertEqual(me.body["id"], u["id"])
        self.assertEqual(me.body["person"]["id"], u["person_id"])
        self.assertNotIn(body["id_number"], me.raw.decode())
        # Stored encrypted: the ID number is nowhere in the people table.
        rows = S.sql("SELECT id_number_enc, id_number_idx, phone_enc FROM people WHERE id = %d" % u["person_id"])
        self.assertNotIn(body["id_number"], "".join(rows[0]))
        self.assertNotIn(body["phone"], "".join(rows[0]))

    def test_bad_check_character(self):
        good = id_number()
        body, r = register(id_number=wrong_check(good))
        assert_error(r, 400, "invalid_field", field="id_number")
        self.assertEqual(user_count(body["login"]), 0)
        assert_error(S.request("POST", LOGIN, body={"login": body["login"], "password": body["password"]}),
                     401, "bad_credentials")

    def test_bad_fields(self):
        cases = [
            ({"id_number": "3502031990051700"}, "invalid_field", "id_number"),       # too short
            ({"id_number": id_number(birth="20991231")}, "invalid_field", "id_number"),  # born in the future
            ({"phone": "12345"}, "invalid_field", "phone"),
            ({"password": "short"}, "invalid_field", "password"),
            ({"login": "a b"}, "invalid_field", "login"),
            ({"login": "x" * 64}, "invalid_field", "login"),
            ({"login": "ab"}, "invalid_field", "login"),
            ({"name": "bad\u0001name"}, "invalid_field", "name"),
            ({"name": ""}, "invalid_field", "name"),
            ({"nickname": "x"}, "unknown_field", "nickname"),
        ]
        for overrides, code, field in cases:
            with self.subTest(overrides=str(overrides)[:50]):
                body, r = register(**overrides)
                assert_error(r, 400, code, field=field)
                self.assertEqual(user_count(body["login"]), 0)
        r = S.request("POST", "/api/v1/auth/register", body={"login": unique("w."), "password": "long-enough-pw"})
        assert_error(r, 400, "missing_field")

    def test_duplicates(self):
        body, r = register()
        assert_status(r, 201)
        # The same login again.
        again, r = register(login=body["login"])
        assert_error(r, 409, "duplicate", field="login")
        # The same ID number under another login (also with a lower-case x).
        again, r = register(id_number=body["id_number"])
        assert_error(r, 409, "duplicate", field="id_number")
        self.assertEqual(user_count(again["login"]), 0)
        # Nothing half-made: no second person for that ID number.
        r = S.request("GET", "/api/v1/people", token=S.login("mediator"), query={"id_number": body["id_number"]})
        assert_status(r, 200)
        self.assertEqual(r.body["id"], S.login_json(body["login"], body["password"])["user"]["person_id"])

    def test_lower_case_x_is_the_same_person(self):
        while True:
            idn = id_number()
            if idn.endswith("X"):
                break
        body, r = register(id_number=idn.lower())
        assert_status(r, 201)
        again, r = register(id_number=idn)
        assert_error(r, 409, "duplicate", field="id_number")

    def test_registration_is_audited(self):
        body, r = register()
        assert_status(r, 201)
        ev = audit_events(action="user.create", entity="user", entity_id=str(r.body["id"]))
        self.assertEqual(len(ev), 1)
        self.assertEqual(ev[0]["summary"]["login"], body["login"])
        ev = audit_events(action="person.create", entity_id=str(r.body["person_id"]))
        self.assertEqual(len(ev), 1)
        self.assertNotIn(body["id_number"], str(ev))
        self.assertNotIn(body["phone"], str(ev))


# ---------------------------------------------------------------- people

class TestPeople(unittest.TestCase):
    def test_worker_sees_only_themself(self):
        w1 = S.login_json("worker")
        w2 = S.login_json("worker2")
        tok = w1["token"]
        r = S.request("GET", "/api/v1/people/%d" % w1["user"]["person_id"], token=tok)
        assert_status(r, 200)
        self.assertEqual(r.body["name"], "张伟")
        self.assertNotIn("id_number", r.body)
        assert_error(S.request("GET", "/api/v1/people/%d" % w2["user"]["person_id"], token=tok), 404, "not_found")
        assert_error(S.request("GET", "/api/v1/people/99999999", token=tok), 404, "not_found")
        assert_error(S.request("GET", "/api/v1/people/%d/identity" % w1["user"]["person_id"], token=tok),
                     403, "forbidden")

    def test_worker_cannot_administer(self):
        tok = S.login("worker")
        for method, path, body in (("GET", "/api/v1/users", None), ("POST", "/api/v1/users", {}),
                                   ("GET", "/api/v1/users/1", None), ("GET", "/api/v1/audit", None),
                                   ("GET", "/api/v1/departments", None),
                                   ("GET", "/api/v1/organisations", None),
                                   ("POST", "/api/v1/people", {"name": "x", "id_number": id_number()}),
                                   ("GET", "/api/v1/audit/verify", None)):
            with self.subTest(path=path, method=method):
                assert_error(S.request(method, path, body=body, token=tok), 403, "forbidden")

    def test_identity_roles_and_audit(self):
        person = S.login_json("worker2")["user"]["person_id"]
        assert_error(S.request("GET", "/api/v1/people/%d/identity" % person, token=S.login("analyst")),
                     403, "forbidden")
        assert_error(S.request("GET", "/api/v1/people/%d/identity" % person, token=S.login("supervisor")),
                     403, "forbidden")
        # The analyst may see the masked person, never the full one.
        r = S.request("GET", "/api/v1/people/%d" % person, token=S.login("analyst"))
        assert_status(r, 200)
        self.assertNotIn("id_number", r.body)
        before = len(audit_events(action="person.pii_read", entity_id=str(person)))
        r = S.request("GET", "/api/v1/people/%d/identity" % person, token=S.login("mediator"))
        assert_status(r, 200)
        self.assertEqual(len(r.body["id_number"]), 18)
        self.assertEqual(r.body["id_number"][:4] + "*" * 10 + r.body["id_number"][-4:], r.body["id_number_masked"])
        self.assertEqual(r.body["phone"], "13900000002")
        self.assertEqual(r.body["gender"], "female")
        self.assertEqual(r.body["birth_date"], "1998-08-21")
        events = audit_events(action="person.pii_read", entity_id=str(person))
        self.assertEqual(len(events), before + 1)
        self.assertEqual(events[0]["actor"], "mediator")
        self.assertEqual(events[0]["entity"], "person")
        self.assertNotIn(r.body["id_number"], str(events))
        assert_error(S.request("GET", "/api/v1/people/99999999/identity", token=S.login("mediator")),
                     404, "not_found")

    def test_window_intake_and_lookup(self):
        tok = S.login("mediator")
        idn = id_number(birth="19850704", seq=_rng.randrange(0, 500) * 2)  # even: female
        r = S.request("POST", "/api/v1/people", body={"name": "林芳", "id_number": idn, "phone": phone()}, token=tok)
        assert_status(r, 201)
        pid = r.body["id"]
        self.assertEqual(r.body["gender"], "female")
        self.assertEqual(r.body["birth_date"], "1985-07-04")
        self.assertIsInstance(r.body["age"], int)
        self.assertNotIn(idn, r.raw.decode())
        r = S.request("POST", "/api/v1/people", body={"name": "林芳", "id_number": idn}, token=S.login("insurer"))
        assert_status(r, 200)
        self.assertEqual(r.body["id"], pid)
        r = S.request("GET", "/api/v1/people", token=tok, query={"id_number": idn})
        assert_status(r, 200)
        self.assertEqual(r.body["id"], pid)
        assert_error(S.request("GET", "/api/v1/people", token=tok, query={"id_number": id_number()}), 404, "not_found")
        assert_error(S.request("GET", "/api/v1/people", token=tok, query={"id_number": wrong_check(idn)}),
                     400, "invalid_parameter", field="id_number")
        assert_error(S.request("GET", "/api/v1/people", token=tok), 400, "invalid_parameter", field="id_number")
        assert_error(S.request("GET", "/api/v1/people", token=S.login("analyst"), query={"id_number": idn}),
                     403, "forbidden")

    def test_intake_bad_input(self):
        tok = S.login("mediator")
        before = S.sql("SELECT COUNT(*) FROM people")[0][0]
        for body, code, field in (({"name": "x", "id_number": wrong_check(id_number())}, "invalid_field", "id_number"),
                                  ({"name": "x", "id_number": id_number(), "phone": "0591-1234"}, "invalid_field", "phone"),
                                  ({"name": "x", "id_number": id_number(), "address": "y"}, "unknown_field", "address"),
                                  ({"id_number": id_number()}, "missing_field", "name"),
                                  ({"name": "x" * 101, "id_number": id_number()}, "invalid_field", "name")):
            with self.subTest(body=str(body)[:50]):
                assert_error(S.request("POST", "/api/v1/people", body=body, token=tok), 400, code, field=field)
        self.assertEqual(S.sql("SELECT COUNT(*) FROM people")[0][0], before)


# ---------------------------------------------------------------- users

class TestUsers(unittest.TestCase):
    def test_create_get_patch(self):
        tok = admin()
        user, pw = make_user("mediator", department="justice", display_name="司法调解员")
        self.assertEqual(user["department"]["code"], "justice")
        self.assertTrue(user["scope_below"])
        self.assertEqual(user["display_name"], "司法调解员")
        r = S.request("GET", "/api/v1/users/%d" % user["id"], token=S.login("supervisor"))
        assert_status(r, 200)
        self.assertEqual(r.body["login"], user["login"])
        r = S.request("PATCH", "/api/v1/users/%d" % user["id"],
                      body={"department": "siming", "scope_below": False, "role": "analyst"}, token=tok)
        assert_status(r, 200)
        self.assertEqual(r.body["department"]["code"], "siming")
        self.assertFalse(r.body["scope_below"])
        self.assertEqual(r.body["role"], "analyst")
        me = S.request("GET", "/api/v1/me", token=S.login(user["login"], pw))
        self.assertEqual(me.body["role"], "analyst")
        ev = audit_events(action="user.update", entity_id=str(user["id"]))
        self.assertEqual(ev[0]["summary"]["changes"]["department"], "siming")
        self.assertEqual(ev[0]["actor"], "admin")

    def test_create_rules(self):
        tok = admin()
        org = S.request("GET", "/api/v1/organisations", token=tok, query={"kind": "insurer"}).body["items"][0]["id"]
        cases = [
            ({"role": "mediator"}, 400, "invalid_field", "department"),
            ({"role": "mediator", "department": "no_such"}, 400, "invalid_field", "department"),
            ({"role": "worker"}, 400, "invalid_field", "person_id"),
            ({"role": "worker", "person_id": 99999999}, 400, "invalid_field", "person_id"),
            ({"role": "platform"}, 400, "invalid_field", "organisation_id"),
            ({"role": "analyst", "organisation_id": org}, 400, "invalid_field", "organisation_id"),
            ({"role": "worker", "department": "hrss"}, 400, "invalid_field", ("department", "person_id")),
            ({"role": "department"}, 400, "invalid_field", "role"),
            ({"role": "root"}, 400, "invalid_field", "role"),
            ({"role": "admin", "password": "short"}, 400, "invalid_field", "password"),
            ({"role": "admin", "login": "bad login"}, 400, "invalid_field", "login"),
            ({"role": "admin", "login": "admin"}, 409, "duplicate", "login"),
            ({"role": "admin", "superuser": True}, 400, "unknown_field", "superuser"),
            ({"role": "admin", "person_id": "1"}, 400, "invalid_field", "person_id"),
        ]
        for extra, status, code, field in cases:
            with self.subTest(extra=extra):
                body = {"login": unique("u."), "password": "long-enough-pw"}
                body.update(extra)
                assert_error(S.request("POST", "/api/v1/users", body=body, token=tok), status, code, field=field)
                if body["login"] != "admin":
                    self.assertEqual(user_count(body["login"]), 0)
        # An insurer may belong to the insurer organisation.
        user, _ = make_user("insurer", organisation_id=org)
        self.assertEqual(user["organisation_id"], org)
        # A worker account for a person who has none yet.
        r = S.request("POST", "/api/v1/people", body={"name": "赵敏", "id_number": id_number()}, token=tok)
        assert_status(r, 201)
        user, _ = make_user("worker", person_id=r.body["id"])
        self.assertEqual(user["person_id"], r.body["id"])
        body = {"login": unique("u."), "password": "long-enough-pw", "role": "worker", "person_id": r.body["id"]}
        assert_error(S.request("POST", "/api/v1/users", body=body, token=tok), 409, "duplicate", field="person_id")

    def test_sql_metacharacters_in_display_names(self):
        tok = admin()
        names = ("Robert'); DROP TABLE users; --", "x\" OR \"1\"=\"1", "%_\\", "名字 ☃ \U0001F600",
                 "<script>alert(1)</script>", "' UNION SELECT password_hash FROM users --")
        for name in names:
            with self.subTest(name=name):
                user, _ = make_user("analyst", display_name=name)
                self.assertEqual(user["display_name"], name)
                r = S.request("PATCH", "/api/v1/users/%d" % user["id"], body={"display_name": name[::-1]}, token=tok)
                assert_status(r, 200)
                r = S.request("GET", "/api/v1/users/%d" % user["id"], token=tok)
                self.assertEqual(r.body["display_name"], name[::-1])
        # q is taken literally, % and _ included.
        r = S.request("GET", "/api/v1/users", token=tok, query={"q": "%"})
        assert_status(r, 200)
        self.assertEqual(r.body["items"], [])
        self.assertTrue(S.login("admin"))

    def test_patch_rules(self):
        tok = admin()
        me = S.login_json("admin")["user"]
        assert_error(S.request("PATCH", "/api/v1/users/%d" % me["id"], body={"disabled": True}, token=tok),
                     409, "conflict", field="disabled")
        assert_error(S.request("PATCH", "/api/v1/users/%d" % me["id"], body={"role": "analyst"}, token=tok),
                     409, "conflict", field="role")
        worker = S.login_json("worker")["user"]
        assert_error(S.request("PATCH", "/api/v1/users/%d" % worker["id"], body={"role": "admin"}, token=tok),
                     400, "invalid_field", field="role")
        user, _ = make_user("analyst")
        for body, status, code, field in (({"department": "nope"}, 400, "invalid_field", "department"),
                                          ({"role": "mediator"}, 400, "invalid_field", "role"),
                                          ({"display_name": ""}, 400, "invalid_field", "display_name"),
                                          ({"password": "long-enough-pw"}, 400, "unknown_field", "password"),
                                          ({"disabled": "yes"}, 400, "invalid_field", "disabled")):
            with self.subTest(body=body):
                assert_error(S.request("PATCH", "/api/v1/users/%d" % user["id"], body=body, token=tok),
                             status, code, field=field)
        r = S.request("GET", "/api/v1/users/%d" % user["id"], token=tok)
        self.assertEqual(r.body["role"], "analyst")
        self.assertIsNone(r.body["department"])
        assert_error(S.request("PATCH", "/api/v1/users/99999999", body={"disabled": True}, token=tok), 404, "not_found")
        assert_error(S.request("PATCH", "/api/v1/users/abc", body={"disabled": True}, token=tok), 404, "not_found")
        assert_error(S.request("PATCH", "/api/v1/users/%d" % user["id"], body={"disabled": True},
                               token=S.login("supervisor")), 403, "forbidden")

    def test_list_filters_and_pages(self):
        tok = admin()
        r = S.request("GET", "/api/v1/users", token=tok, query={"role": "mediator", "limit": 200})
        assert_status(r, 200)
        logins = {u["login"] for u in r.body["items"]}
        self.assertTrue({"mediator", "mediator.siming", "mediator.hrss"} <= logins)
        self.assertTrue(all(u["role"] == "mediator" for u in r.body["items"]))
        r = S.request("GET", "/api/v1/users", token=tok, query={"department": "hrss", "limit": 200})
        self.assertTrue({"mediator.hrss", "analyst"} <= {u["login"] for u in r.body["items"]})
        self.assertTrue(all(u["department"]["code"] == "hrss" for u in r.body["items"]))
        r = S.request("GET", "/api/v1/users", token=tok, query={"q": "MEDIATOR.S"})
        self.assertEqual([u["login"] for u in r.body["items"]], ["mediator.siming"])
        # Pages of two, following next_cursor, cover everything exactly once.
        seen, cursor = [], None
        for _ in range(500):
            q = {"limit": 2}
            if cursor:
                q["cursor"] = cursor
            r = S.request("GET", "/api/v1/users", token=tok, query=q)
            assert_status(r, 200)
            self.assertLessEqual(len(r.body["items"]), 2)
            seen += [u["id"] for u in r.body["items"]]
            cursor = r.body["next_cursor"]
            if cursor is None:
                break
        self.assertEqual(len(seen), len(set(seen)))
        self.assertEqual(seen, sorted(seen))
        r = S.request("GET", "/api/v1/users", token=tok, query={"limit": 200})
        if r.body["next_cursor"] is None:
            self.assertEqual(seen, [u["id"] for u in r.body["items"]])
        for q, field in (({"limit": 0}, "limit"), ({"limit": 201}, "limit"), ({"limit": "x"}, "limit"),
                         ({"cursor": "-1"}, "cursor"), ({"cursor": "abc"}, "cursor"),
                         ({"role": "root"}, "role"), ({"department": "nope"}, "department"),
                         ({"q": "x" * 65}, "q")):
            with self.subTest(q=q):
                assert_error(S.request("GET", "/api/v1/users", token=tok, query=q), 400, "invalid_parameter",
                             field=field)


# ---------------------------------------------------------------- departments, organisations

class TestDepartments(unittest.TestCase):
    def test_tree(self):
        r = S.request("GET", "/api/v1/departments", token=S.login("analyst"))
        assert_status(r, 200)
        items = r.body["items"]
        by_code = {d["code"]: d for d in items}
        centre = by_code["centre"]
        self.assertIsNone(centre["parent_id"])
        self.assertEqual(centre["kind"], "centre")
        self.assertTrue(centre["name"].endswith("新就业形态劳动者权益保障服务中心"))
        self.assertEqual(centre["path"], "/%d/" % centre["id"])
        members = [d for d in items if d["kind"] == "member" and d["parent_id"] == centre["id"]]
        districts = [d for d in items if d["kind"] == "district" and d["parent_id"] == centre["id"]]
        self.assertGreaterEqual(len(members), 27)
        self.assertGreaterEqual(len(districts), 6)
        for code, name in (("hrss", "人社局"), ("union", "总工会"), ("traffic_police", "公安交警"),
                           ("siming", "思明区分中心"), ("xiangan", "翔安区分中心")):
            self.assertEqual(by_code[code]["name"], name)
            self.assertEqual(by_code[code]["path"], "/%d/%d/" % (centre["id"], by_code[code]["id"]))
            self.assertTrue(by_code[code]["name_en"])

    def test_create_and_patch(self):
        tok = admin()
        hrss = [d for d in S.request("GET", "/api/v1/departments", token=tok).body["items"] if d["code"] == "hrss"][0]
        code = unique("unit_")
        r = S.request("POST", "/api/v1/departments",
                      body={"code": code, "name": "劳动监察支队", "name_en": "Labour Inspection", "kind": "member",
                            "parent_id": hrss["id"]}, token=tok)
        assert_status(r, 201)
        dept = r.body
        self.assertEqual(dept["path"], hrss["path"] + "%d/" % dept["id"])
        self.assertEqual(dept["parent_id"], hrss["id"])
        for body, status, code_, field in (
                ({"code": code, "name": "x", "kind": "member", "parent_id": hrss["id"]}, 409, "duplicate", "code"),
                ({"code": "Bad Code", "name": "x", "kind": "member", "parent_id": hrss["id"]}, 400, "invalid_field", "code"),
                ({"code": unique("u_"), "name": "x", "kind": "centre", "parent_id": hrss["id"]}, 400, "invalid_field", "kind"),
                ({"code": unique("u_"), "name": "x", "kind": "member", "parent_id": 99999999}, 400, "invalid_field", "parent_id"),
                ({"code": unique("u_"), "name": "x", "kind": "member"}, 400, "missing_field", "parent_id"),
                ({"code": unique("u_"), "name": "x", "kind": "member", "parent_id": 1, "path": "/1/"}, 400, "unknown_field", "path")):
            with self.subTest(body=body):
                assert_error(S.request("POST", "/api/v1/departments", body=body, token=tok), status, code_, field=field)
        r = S.request("PATCH", "/api/v1/departments/%d" % dept["id"], body={"name": "劳动保障监察支队", "archived": True},
                      token=tok)
        assert_status(r, 200)
        self.assertEqual(r.body["name"], "劳动保障监察支队")
        self.assertTrue(r.body["archived"])
        self.assertEqual(r.body["path"], dept["path"])
        # No children under an archived department.
        r = S.request("POST", "/api/v1/departments",
                      body={"code": unique("u_"), "name": "x", "kind": "member", "parent_id": dept["id"]}, token=tok)
        assert_error(r, 400, "invalid_field", field="parent_id")
        assert_error(S.request("PATCH", "/api/v1/departments/%d" % dept["id"], body={"code": "x"}, token=tok),
                     400, "unknown_field", field="code")
        assert_error(S.request("PATCH", "/api/v1/departments/99999999", body={"name": "x"}, token=tok), 404, "not_found")
        assert_error(S.request("PATCH", "/api/v1/departments/%d" % dept["id"], body={"name": "x"},
                               token=S.login("mediator")), 403, "forbidden")
        ev = audit_events(entity="department", entity_id=str(dept["id"]))
        self.assertEqual({e["action"] for e in ev}, {"department.create", "department.update"})


class TestOrganisations(unittest.TestCase):
    def test_create_list_get(self):
        tok = admin()
        cc = credit_code()
        r = S.request("POST", "/api/v1/organisations",
                      body={"name": "鹭岛配送站", "credit_code": cc, "kind": "company", "sector": "food_delivery"},
                      token=tok)
        assert_status(r, 201)
        org = r.body
        self.assertEqual(org["credit_code"], cc)
        r = S.request("POST", "/api/v1/organisations",
                      body={"name": "另一家", "credit_code": cc.lower(), "kind": "company"}, token=tok)
        assert_error(r, 409, "duplicate", field="credit_code")
        bad = cc[:-1] + ("0" if cc[-1] != "0" else "1")
        for body, code, field in (({"name": "x", "credit_code": bad, "kind": "company"}, "invalid_field", "credit_code"),
                                  ({"name": "x", "kind": "platform"}, "invalid_field", "credit_code"),
                                  ({"name": "x", "credit_code": credit_code(), "kind": "bank"}, "invalid_field", "kind"),
                                  ({"name": "x", "credit_code": credit_code(), "kind": "company", "api_key": "y"},
                                   "unknown_field", "api_key")):
            with self.subTest(body=body):
                assert_error(S.request("POST", "/api/v1/organisations", body=body, token=tok), 400, code, field=field)
        r = S.request("GET", "/api/v1/organisations", token=S.login("mediator"), query={"sector": "food_delivery", "limit": 200})
        assert_status(r, 200)
        self.assertIn(org["id"], [o["id"] for o in r.body["items"]])
        self.assertTrue(all(o["sector"] == "food_delivery" for o in r.body["items"]))
        r = S.request("GET", "/api/v1/organisations", token=tok, query={"kind": "insurer"})
        self.assertIn("91350200MA2Y000X0H", [o["credit_code"] for o in r.body["items"]])
        r = S.request("GET", "/api/v1/organisations/%d" % org["id"], token=S.login("analyst"))
        assert_status(r, 200)
        self.assertEqual(r.body["name"], "鹭岛配送站")
        assert_error(S.request("GET", "/api/v1/organisations", token=tok, query={"kind": "bank"}), 400,
                     "invalid_parameter", field="kind")
        assert_error(S.request("GET", "/api/v1/organisations/99999999", token=tok), 404, "not_found")
        assert_error(S.request("POST", "/api/v1/organisations", body={"name": "x", "kind": "other"},
                               token=S.login("supervisor")), 403, "forbidden")

    def test_platform_key_sees_only_its_own(self):
        code = credit_code()
        p = S.run_cli(["platform", "add", "--name", unique("平台"), "--credit-code", code, "--sector", "ride_hailing"])
        if p.returncode != 0:
            self.skipTest("egret platform add unavailable: %s" % p.stderr.strip()[:200])
        key = re.search(r"egk_[A-Za-z0-9_-]{43}", p.stdout).group(0)
        me = S.request("GET", "/api/v1/me", token=key)
        assert_status(me, 200)
        self.assertEqual(me.body["role"], "platform")
        self.assertTrue(me.body["login"].startswith("key:egk_"))
        own = me.body["organisation_id"]
        assert_status(S.request("GET", "/api/v1/organisations/%d" % own, token=key), 200)
        insurer = S.request("GET", "/api/v1/organisations", token=admin(), query={"kind": "insurer"}).body["items"][0]["id"]
        assert_error(S.request("GET", "/api/v1/organisations/%d" % insurer, token=key), 404, "not_found")
        assert_error(S.request("GET", "/api/v1/users", token=key), 403, "forbidden")
        assert_error(S.request("POST", "/api/v1/auth/logout", token=key), 422, "unprocessable")
        rows = S.sql("SELECT COUNT(*) FROM api_keys WHERE key_hash = '%s' OR prefix = '%s'" % (key, key))
        self.assertEqual(rows[0][0], "0")


# ---------------------------------------------------------------- audit

class TestAudit(unittest.TestCase):
    def test_verify(self):
        r = S.request("GET", "/api/v1/audit/verify", token=S.login("supervisor"))
        assert_status(r, 200)
        self.assertEqual(r.body["ok"], True)
        self.assertIsNone(r.body["first_bad"])
        self.assertGreater(r.body["events"], 10)
        for login in ("analyst", "mediator", "insurer", "worker"):
            with self.subTest(login=login):
                assert_error(S.request("GET", "/api/v1/audit/verify", token=S.login(login)), 403, "forbidden")
                assert_error(S.request("GET", "/api/v1/audit", token=S.login(login)), 403, "forbidden")

    def test_list_shape_filters_and_pages(self):
        tok = S.login("admin")
        r = S.request("GET", "/api/v1/audit", token=tok, query={"limit": 3})
        assert_status(r, 200)
        items = r.body["items"]
        self.assertEqual(len(items), 3)
        self.assertEqual([e["seq"] for e in items], sorted([e["seq"] for e in items], reverse=True))
        self.assertEqual(items[1]["hash"], items[0]["prev_hash"])
        for k in ("seq", "at", "actor_user_id", "actor", "actor_role", "action", "entity", "entity_id",
                  "summary", "address", "request_id", "prev_hash", "hash"):
            self.assertIn(k, items[0])
        parse_instant(items[0]["at"])
        r2 = S.request("GET", "/api/v1/audit", token=tok, query={"limit": 3, "cursor": r.body["next_cursor"]})
        self.assertEqual(r2.body["items"][0]["seq"], items[-1]["seq"] - 1)
        # Seeding happened as the system.
        ev = S.request("GET", "/api/v1/audit", token=tok, query={"actor": "system", "action": "department.create",
                                                                 "limit": 200}).body["items"]
        self.assertGreaterEqual(len(ev), 34)
        self.assertTrue(all(e["actor_role"] == "system" for e in ev))
        # A time window in the future is empty; one covering now is not.
        future = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.assertEqual(S.request("GET", "/api/v1/audit", token=tok, query={"from": future}).body["items"], [])
        self.assertTrue(S.request("GET", "/api/v1/audit", token=tok, query={"to": future}).body["items"])
        for q, field in (({"from": "yesterday"}, "from"), ({"to": "2026-13-01T00:00:00Z"}, "to"),
                         ({"limit": 1000}, "limit"), ({"cursor": "x"}, "cursor"), ({"actor": "x" * 300}, "actor")):
            with self.subTest(q=q):
                assert_error(S.request("GET", "/api/v1/audit", token=tok, query=q), 400, "invalid_parameter", field=field)

    def test_writes_are_audited_with_request_ids(self):
        r = S.request("POST", "/api/v1/users", token=admin(),
                      body={"login": unique("aud."), "password": "long-enough-pw", "role": "supervisor"})
        assert_status(r, 201)
        ev = audit_events(action="user.create", entity_id=str(r.body["id"]))
        self.assertEqual(len(ev), 1)
        self.assertEqual(ev[0]["actor"], "admin")
        self.assertEqual(ev[0]["actor_role"], "admin")
        self.assertEqual(ev[0]["request_id"], r.headers.get("X-Request-Id"))
        self.assertNotIn("long-enough-pw", str(ev))


if __name__ == "__main__":
    unittest.main()
