"""Self-registration over real HTTP: an ID number already on file never
gets an account without proof — the one-time code sent (through the SMS
stand-in, scripts/sms-standin.py) to the phone ON FILE, or a staff member's
check of the ID card at a window — plus the registration throttle and the
password policy (at least 12 characters, not a common password)."""
import datetime
import random
import re
import unittest

from egret_client import Server, assert_error, assert_status, unique

S = None
REGISTER = "/api/v1/auth/register"
VERIFY = "/api/v1/auth/register/verify"
RESEND = "/api/v1/auth/register/resend"
LOGIN = "/api/v1/auth/login"


def setUpModule():
    global S
    S = Server(seed=True, sms=True)
    S.start()


def tearDownModule():
    S.stop()


_rng = random.Random()
_used = set()


def id_number():
    """A valid resident ID number (GB 11643), unique in this run."""
    while True:
        d = datetime.date(1970, 1, 1) + datetime.timedelta(days=_rng.randrange(0, 12000))
        body = "350203" + d.strftime("%Y%m%d") + "%03d" % _rng.randrange(0, 1000)
        weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
        idn = body + "10X98765432"[sum(int(c) * w for c, w in zip(body, weights)) % 11]
        if idn not in _used:
            _used.add(idn)
            return idn


def phone():
    return "139" + "%08d" % _rng.randrange(0, 10 ** 8)


def password():
    return "pw-" + unique() + "-x"


def on_file(srv=None, with_phone=True):
    """A person taken at the window (no account): (person, id_number, phone)."""
    srv = srv or S
    idn, ph = id_number(), (phone() if with_phone else None)
    r = srv.request("POST", "/api/v1/people", token=srv.login("mediator"),
                    body={"name": "林" + unique()[-4:], "id_number": idn, "phone": ph})
    assert_status(r, 201)
    return r.body, idn, ph


def register(srv=None, **fields):
    srv = srv or S
    body = {"login": unique("w."), "password": password(), "name": "王" + unique()[-4:],
            "id_number": id_number(), "phone": phone()}
    body.update(fields)
    return body, srv.request("POST", REGISTER, body=body)


def codes_to(ph):
    """The one-time codes the SMS stand-in received for phone ph, oldest first."""
    return [m["params"]["code"] for m in S.sms_messages()
            if m["to"] == ph and m["template"] == "register_code"]


def users_named(login):
    return S.sql("SELECT id, person_id FROM users WHERE login = '%s'" % login)


def audit(**filters):
    r = S.request("GET", "/api/v1/audit", token=S.login("supervisor"), query=filters)
    assert_status(r, 200)
    return r.body["items"]


class TestTakeover(unittest.TestCase):
    def test_takeover_refused_then_rightful_code_links(self):
        person, idn, ph = on_file()
        # The impostor knows the ID number and gives his own name and phone.
        intruder, r = register(id_number=idn, name="冒名者", phone=phone())
        assert_status(r, 202)
        self.assertEqual(r.body["status"], "verification_required")
        self.assertTrue(r.body["code_sent"])
        reg_id = r.body["registration_id"]
        raw = r.raw.decode()
        for secret in (person["name"], person["id_number_masked"], person["phone_masked"],
                       person["birth_date"], ph, idn, str(person["id"])):
            self.assertNotIn(secret, raw)
        self.assertNotIn("person", r.body)
        # No account: he cannot sign in, so he sees nothing of the record.
        self.assertEqual(users_named(intruder["login"]), [])
        assert_error(S.request("POST", LOGIN, body={"login": intruder["login"],
                                                    "password": intruder["password"]}),
                     401, "bad_credentials")
        # The record is untouched: the phone on file stays, the name too.
        mine = S.request("GET", "/api/v1/people/%d/identity" % person["id"], token=S.login("mediator"))
        assert_status(mine, 200)
        self.assertEqual(mine.body["phone"], ph)
        self.assertEqual(mine.body["name"], person["name"])
        # The code went to the phone on file, never to the phone he gave.
        self.assertEqual(len(codes_to(ph)), 1)
        self.assertEqual(codes_to(intruder["phone"]), [])
        msg = [m for m in S.sms_messages() if m["to"] == ph][0]
        self.assertTrue(msg["signed"])
        self.assertRegex(msg["params"]["code"], r"^\d{6}$")
        # Guessing fails.
        guess = "000000" if codes_to(ph)[0] != "000000" else "111111"
        assert_error(S.request("POST", VERIFY, body={"registration_id": reg_id, "code": guess}),
                     400, "bad_code", field="code")
        # The rightful person registers and confirms the code his phone got.
        owner, r = register(id_number=idn, phone=None)
        assert_status(r, 202)
        own_id = r.body["registration_id"]
        code = codes_to(ph)[-1]
        r = S.request("POST", VERIFY, body={"registration_id": own_id, "code": code})
        assert_status(r, 201)
        self.assertEqual(r.body["person_id"], person["id"])
        self.assertEqual(r.body["login"], owner["login"])
        tok = S.login(owner["login"], owner["password"])
        me = S.request("GET", "/api/v1/me", token=tok)
        assert_status(me, 200)
        self.assertEqual(me.body["person"]["id"], person["id"])
        # The impostor's pending registration can no longer be completed.
        r = S.request("POST", VERIFY, body={"registration_id": reg_id, "code": codes_to(ph)[0]})
        assert_error(r, 409, "duplicate", field="id_number")
        self.assertEqual(users_named(intruder["login"]), [])
        ev = audit(action="registration.verify", entity_id=str(own_id))
        self.assertEqual(len(ev), 1)
        self.assertEqual(ev[0]["summary"]["method"], "sms")
        self.assertNotIn(code, str(audit(entity="registration")))
        # Neither the code nor the phone is in the server log.
        self.assertNotIn(code, S.log_tail(None))
        self.assertNotIn(ph, S.log_tail(None))

    def test_new_id_number_registers_at_once(self):
        body, r = register()
        assert_status(r, 201)
        self.assertIsInstance(r.body["person_id"], int)
        self.assertEqual(codes_to(body["phone"]), [])


class TestCodes(unittest.TestCase):
    def pending(self):
        person, idn, ph = on_file()
        body, r = register(id_number=idn)
        assert_status(r, 202)
        return body, r.body["registration_id"], ph

    def test_wrong_codes_lock_and_resend_unlocks(self):
        body, reg, ph = self.pending()
        code = codes_to(ph)[-1]
        wrong = "%06d" % ((int(code) + 1) % 1000000)
        for _ in range(5):
            assert_error(S.request("POST", VERIFY, body={"registration_id": reg, "code": wrong}),
                         400, "bad_code")
        # Five wrong tries: even the right code no longer works.
        assert_error(S.request("POST", VERIFY, body={"registration_id": reg, "code": code}),
                     410, "code_expired")
        # A new code is throttled right after the last one...
        r = S.request("POST", RESEND, body={"registration_id": reg})
        assert_error(r, 429, "too_many_requests")
        self.assertTrue(int(r.header("Retry-After")) > 0)
        # ... and allowed once the wait is over.
        S.sql("UPDATE pending_registrations SET code_sent_at = code_sent_at - 120 WHERE id = %d" % reg)
        r = S.request("POST", RESEND, body={"registration_id": reg})
        assert_status(r, 202)
        new = codes_to(ph)[-1]
        self.assertEqual(len(codes_to(ph)), 2)
        if new != code:
            assert_error(S.request("POST", VERIFY, body={"registration_id": reg, "code": code}),
                         400, "bad_code")
        r = S.request("POST", VERIFY, body={"registration_id": reg, "code": new})
        assert_status(r, 201)
        # Single use.
        assert_error(S.request("POST", VERIFY, body={"registration_id": reg, "code": new}),
                     410, "code_expired")

    def test_expired_code_refused(self):
        body, reg, ph = self.pending()
        S.sql("UPDATE pending_registrations SET code_expires_at = code_expires_at - 601 WHERE id = %d" % reg)
        assert_error(S.request("POST", VERIFY, body={"registration_id": reg, "code": codes_to(ph)[-1]}),
                     410, "code_expired")
        self.assertEqual(users_named(body["login"]), [])

    def test_bad_input(self):
        body, reg, ph = self.pending()
        for code in ("12345", "1234567", "abcdef", ""):
            assert_error(S.request("POST", VERIFY, body={"registration_id": reg, "code": code}),
                         400, "invalid_field", field="code")
        assert_error(S.request("POST", VERIFY, body={"registration_id": 99999999, "code": "123456"}),
                     404, "not_found")
        assert_error(S.request("POST", VERIFY, body={"registration_id": reg}), 400, "missing_field")


class TestInPerson(unittest.TestCase):
    def test_staff_verification_is_audited(self):
        person, idn, _ = on_file(with_phone=False)
        body, r = register(id_number=idn)
        assert_status(r, 202)
        self.assertFalse(r.body["code_sent"])
        reg = r.body["registration_id"]
        path = "/api/v1/people/%d/verify-account" % person["id"]
        # The window sees who claims the person.
        r = S.request("GET", "/api/v1/people/%d/registrations" % person["id"], token=S.login("mediator"))
        assert_status(r, 200)
        self.assertEqual([i["login"] for i in r.body["items"]], [body["login"]])
        # Only window staff may verify.
        for who in ("analyst", "worker", "insurer"):
            assert_error(S.request("POST", path, body={"registration_id": reg}, token=S.login(who)),
                         403, "forbidden")
        assert_error(S.request("POST", path, body={"registration_id": reg}), 401, "unauthenticated")
        # Another person's id does not reach this registration.
        other, _, _ = on_file()
        assert_error(S.request("POST", "/api/v1/people/%d/verify-account" % other["id"],
                               body={"registration_id": reg}, token=S.login("mediator")),
                     404, "not_found")
        self.assertEqual(users_named(body["login"]), [])
        r = S.request("POST", path, body={"registration_id": reg}, token=S.login("mediator"))
        assert_status(r, 201)
        self.assertEqual(r.body["person_id"], person["id"])
        S.login(body["login"], body["password"])
        ev = audit(action="registration.verify", entity_id=str(reg))
        self.assertEqual(len(ev), 1)
        self.assertEqual(ev[0]["summary"]["method"], "in_person")
        self.assertEqual(ev[0]["actor"], "mediator")
        self.assertEqual(ev[0]["actor_role"], "mediator")
        assert_error(S.request("POST", path, body={"registration_id": reg}, token=S.login("mediator")),
                     409, "conflict")


class TestThrottle(unittest.TestCase):
    def test_per_id_number_and_per_address(self):
        srv = Server(seed=True, env={"EGRET_SECURITY_REGISTER_MAX_PER_ADDRESS": "4",
                                     "EGRET_SECURITY_REGISTER_MAX_PER_ID": "2"})
        srv.start()
        try:
            idn = id_number()
            _, r = register(srv, id_number=idn)
            assert_status(r, 201)
            _, r = register(srv, id_number=idn)
            assert_error(r, 409, "duplicate", field="id_number")
            _, r = register(srv, id_number=idn)
            assert_error(r, 429, "too_many_requests")
            self.assertTrue(int(r.header("Retry-After")) > 0)
            # Other ID numbers from the same address: two more, then 429.
            for _ in range(2):
                _, r = register(srv)
                assert_status(r, 201)
            body, r = register(srv)
            assert_error(r, 429, "too_many_requests")
            self.assertEqual(srv.sql("SELECT id FROM users WHERE login = '%s'" % body["login"]), [])
        finally:
            srv.stop()


class TestPasswordPolicy(unittest.TestCase):
    def test_short_and_common_passwords_refused(self):
        cases = [
            ("elevenchars", "invalid_field"),     # 11 characters
            ("密码密码密码密码密码密", "invalid_field"),  # 11 characters, 33 bytes
            ("password1234", "weak_password"),
            ("qwertyuiop123", "weak_password"),
            ("Password2026!", "weak_password"),
            ("iloveyou1234", "weak_password"),
            ("woaini131452", "weak_password"),
            ("aaaaaaaaaaaaaaa", "weak_password"),
        ]
        admin = S.login("admin")
        r = S.request("POST", "/api/v1/users", token=admin,
                      body={"login": unique("an."), "password": password(), "role": "analyst"})
        assert_status(r, 201)
        uid = r.body["id"]
        for pw, code in cases:
            with self.subTest(pw=pw):
                body, r = register(password=pw)
                assert_error(r, 400, code, field="password")
                self.assertEqual(users_named(body["login"]), [])
                r = S.request("POST", "/api/v1/users", token=admin,
                              body={"login": unique("an."), "password": pw, "role": "analyst"})
                assert_error(r, 400, code, field="password")
                r = S.request("POST", "/api/v1/users/%d/password" % uid, token=admin, body={"password": pw})
                assert_error(r, 400, code, field="password")
        login = unique("same.")
        _, r = register(login=login, password=login)
        assert_error(r, 400, ("weak_password", "invalid_field"), field="password")
        # Twelve characters that are nobody's favourite are fine.
        _, r = register(password="tide-kite-42")
        assert_status(r, 201)


if __name__ == "__main__":
    unittest.main()
