"""docs/openapi.yaml and the server's route table describe the same API, and
the server serves that document."""

import os
import re
import unittest

from egret_client import REPO, Server, assert_status

DOC = os.path.join(REPO, "docs", "openapi.yaml")
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

S = None


def setUpModule():
    global S
    S = Server(seed=False)
    S.start()


def tearDownModule():
    if S is not None:
        S.stop()


def parse_paths(text):
    """The operations under `paths:` as {(METHOD, path): line number}, and a
    list of problems (duplicates, operations without a summary).

    No YAML library: the block is read by indentation — path keys at two
    spaces, method keys at four, an operation's fields at six."""
    ops = {}
    problems = []
    in_paths = False
    path = None
    op = None  # (key, line) of the operation being read
    has_summary = False

    def close_op():
        if op is not None and not has_summary:
            problems.append("line %d: %s %s has no summary" % (op[1], op[0][0], op[0][1]))

    for n, line in enumerate(text.splitlines(), 1):
        if not in_paths:
            if line.rstrip() == "paths:":
                in_paths = True
            continue
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(line) - len(line.lstrip(" "))
        if indent == 0:
            break  # the next top-level key ends the block
        if indent == 2:
            close_op()
            op = None
            m = re.match(r"^  ('?)(/[^:']*)\1:\s*(#.*)?$", line)
            if not m:
                problems.append("line %d: not a path key: %r" % (n, line))
                path = None
                continue
            path = m.group(2)
            if any(p == path for (_, p) in ops):
                problems.append("line %d: path %s appears twice" % (n, path))
        elif indent == 4 and path is not None:
            m = re.match(r"^    ([a-z]+):", line)
            if m and m.group(1) in METHODS:
                close_op()
                key = (m.group(1).upper(), path)
                if key in ops:
                    problems.append("line %d: %s %s appears twice" % (n, key[0], path))
                ops[key] = n
                op = (key, n)
                has_summary = "summary:" in line
            else:
                close_op()
                op = None  # parameters:, servers: … at path level
        elif indent == 6 and op is not None and stripped.startswith("summary:"):
            has_summary = True
    close_op()
    return ops, problems


def server_routes():
    p = S.run_cli(["routes"])
    if p.returncode != 0:
        raise AssertionError("`egret routes` exited %d: %s" % (p.returncode, p.stderr))
    routes = set()
    for line in p.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0].isupper() and parts[1].startswith("/"):
            routes.add((parts[0], parts[1]))
    return routes


class TestOpenApi(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        with open(DOC, encoding="utf-8") as f:
            cls.text = f.read()
        cls.ops, cls.problems = parse_paths(cls.text)

    def test_document_parses(self):
        self.assertTrue(self.text.startswith("openapi: 3."), "not an OpenAPI 3 document")
        self.assertIn(("GET", "/healthz"), self.ops)
        self.assertEqual(self.problems, [], "\n".join(self.problems))

    def test_routes_match_document(self):
        routes = server_routes()
        self.assertIn(("GET", "/healthz"), routes, "`egret routes` printed no routes")
        documented = set(self.ops)
        undocumented = sorted(routes - documented)
        missing = sorted(documented - routes)
        msg = []
        if undocumented:
            msg.append("served but not in docs/openapi.yaml:\n" +
                       "\n".join("  %s %s" % r for r in undocumented))
        if missing:
            msg.append("in docs/openapi.yaml but not served:\n" +
                       "\n".join("  %s %s (line %d)" % (m, p, self.ops[(m, p)]) for m, p in missing))
        if msg:
            self.fail("\n".join(msg))

    def test_served_document_equals_file(self):
        r = S.request("GET", "/api/v1/openapi.yaml")
        assert_status(r, 200)
        ctype = r.headers.get("Content-Type", "")
        self.assertTrue("yaml" in ctype or ctype.startswith("text/plain"), "Content-Type %r" % ctype)
        with open(DOC, "rb") as f:
            self.assertEqual(r.raw, f.read(), "the served document differs from docs/openapi.yaml "
                                              "(rebuild egret after editing it)")

    def test_document_is_public(self):
        # No token needed, and a token does not change it.
        r1 = S.request("GET", "/api/v1/openapi.yaml")
        r2 = S.request("GET", "/api/v1/openapi.yaml", token="garbage")
        assert_status(r1, 200)
        self.assertIn(r2.status, (200, 401))


class TestParser(unittest.TestCase):
    """The indentation parser itself, on a small document."""

    def test_parse(self):
        doc = ("openapi: 3.0.3\npaths:\n  # --- x\n  /a:\n    get:\n      summary: A.\n"
               "    post:\n      responses: {}\n  '/b/{id}':\n    parameters: []\n"
               "    delete: {summary: D}\n  /a:\n    get:\n      summary: again\n"
               "components:\n  /c:\n    get: {}\n")
        ops, problems = parse_paths(doc)
        self.assertEqual(set(ops), {("GET", "/a"), ("POST", "/a"), ("DELETE", "/b/{id}")})
        self.assertTrue(any("POST /a has no summary" in p for p in problems), problems)
        self.assertTrue(any("appears twice" in p for p in problems), problems)


if __name__ == "__main__":
    unittest.main()
