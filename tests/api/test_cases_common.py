"""Shared helpers of the cases API tests (test_cases*.py; this module has no
tests of its own): valid synthetic identity numbers and credit codes, platform
API keys, and filing cases."""

import datetime
import random

from egret_client import assert_status, unique

_rng = random.Random()
_used = set()

CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code():
    """A valid 统一社会信用代码 (GB 32100 mod-31 check), unique in this run."""
    while True:
        body = "91350200" + "".join(_rng.choice(CREDIT_CHARS) for _ in range(9))
        s = sum(CREDIT_CHARS.index(c) * w for c, w in zip(body, CREDIT_WEIGHTS))
        c = 31 - s % 31
        code = body + CREDIT_CHARS[0 if c == 31 else c]
        if code not in _used:
            _used.add(code)
            return code


def bad_credit_code():
    """A credit code with a wrong check character."""
    code = credit_code()
    last = CREDIT_CHARS[(CREDIT_CHARS.index(code[-1]) + 1) % 31]
    return code[:-1] + last


def id_number(region="350206"):
    """A valid resident ID number (GB 11643 check character), unique in this run."""
    while True:
        d = datetime.date(1970, 1, 1) + datetime.timedelta(days=_rng.randrange(0, 12000))
        body = region + d.strftime("%Y%m%d") + "%03d" % _rng.randrange(0, 1000)
        weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
        total = sum(int(c) * w for c, w in zip(body, weights))
        idn = body + "10X98765432"[total % 11]
        if idn not in _used:
            _used.add(idn)
            return idn


def add_platform(server, sector, name=None):
    """Register a platform with the CLI: (organisation id, API key)."""
    p = server.run_cli(["platform", "add", "--name", name or unique("平台"), "--credit-code",
                        credit_code(), "--sector", sector], check=True)
    vals = dict(line.split("=", 1) for line in p.stdout.split() if "=" in line)
    return int(vals["platform_id"]), vals["api_key"]


def person_id_of(server, token):
    """The person id behind a worker's token (from /api/v1/me)."""
    r = server.request("GET", "/api/v1/me", token=token)
    assert_status(r, 200)
    body = r.body
    user = body.get("user", body)
    return user["person_id"]


def file_case(server, token, platform_id, type_="unpaid_pay", claims=None, **extra):
    """A worker files a case online against a platform: the case JSON."""
    body = {
        "type": type_,
        "respondent": {"organisation_id": platform_id},
        "matter": "拖欠劳务报酬",
        "facts": "平台拖欠上月配送劳务报酬。",
        "claims": claims if claims is not None else [{"category": "pay", "amount_fen": 350000}],
    }
    body.update(extra)
    r = server.request("POST", "/api/v1/cases", body=body, token=token)
    assert_status(r, 201)
    return r.body


def staff_case(server, token, platform_id=None, type_="unpaid_pay", person_id=None, **extra):
    """Staff take a complaint at the window on a worker's behalf: the case JSON."""
    body = {
        "channel": "window",
        "type": type_,
        "applicant": {"person_id": person_id} if person_id else
                     {"name": "王测试", "id_number": id_number()},
        "respondent": {"organisation_id": platform_id},
        "matter": "平台扣款",
        "facts": "平台以超时为由扣款。",
    }
    body.update(extra)
    r = server.request("POST", "/api/v1/cases", body=body, token=token)
    assert_status(r, 201)
    return r.body


def move(server, token, case_id, to, status=200, **extra):
    """POST a transition and check its status; the response."""
    body = {"to": to}
    body.update(extra)
    r = server.request("POST", "/api/v1/cases/%d/transitions" % case_id, body=body, token=token)
    assert_status(r, status)
    return r


def count(server, sql):
    """The single integer a COUNT query returns."""
    return int(server.sql(sql)[0][0])
