#!/usr/bin/env python3
"""Run egret's API tests against the real server.

    run.py --egret PATH --engine sqlite|postgres [-k PATTERN] [-v] [--failfast] [files...]

Finds tests/api/test_*.py (or runs the files given), prints one line per
test and ends with exactly "N passed, N failed" (", N skipped" when some
were skipped). Exits 1 if anything failed, 2 on a usage problem.
See tests/api/README.md.
"""

import argparse
import faulthandler
import glob
import importlib
import os
import sys
import time
import traceback
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


class LineResult(unittest.TestResult):
    """Prints one line per test as it finishes; keeps the failures."""

    def __init__(self, stream, verbose, test_timeout):
        super().__init__()
        self.stream = stream
        self.verbose = verbose
        self.test_timeout = test_timeout
        self.passed = 0
        self.started = 0.0
        self.problems = []  # (label, test id, traceback text)

    def _arm(self):
        if self.test_timeout > 0:
            faulthandler.dump_traceback_later(self.test_timeout, exit=True, file=sys.stderr)

    def _line(self, label, test, extra=""):
        took = time.monotonic() - self.started if self.started else 0.0
        self.stream.write("%-5s %s  %.2fs%s\n" % (label, _name(test), took, extra))
        self.stream.flush()

    def startTest(self, test):
        super().startTest(test)
        self.started = time.monotonic()
        self._arm()

    def stopTest(self, test):
        super().stopTest(test)
        self.started = 0.0
        self._arm()  # module set-up and tear-down also get the limit

    def addSuccess(self, test):
        super().addSuccess(test)
        self.passed += 1
        self._line("PASS", test)

    def _problem(self, label, test, err):
        text = self._exc_info_to_string(err, test)
        self.problems.append((label, _name(test), text))
        self._line(label, test)
        if self.verbose:
            self.stream.write(_indent(text))
            self.stream.flush()

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._problem("FAIL", test, err)

    def addError(self, test, err):
        super().addError(test, err)
        self._problem("ERROR", test, err)

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self._line("SKIP", test, "  (%s)" % reason)

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self.passed += 1
        self._line("PASS", test, "  (expected failure)")

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self.problems.append(("FAIL", _name(test), "unexpected success\n"))
        self._line("FAIL", test, "  (unexpected success)")

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            label = "FAIL" if issubclass(err[0], test.failureException) else "ERROR"
            self.problems.append((label, _name(subtest), self._exc_info_to_string(err, test)))
            self._line(label, subtest)

    def n_failed(self):
        # A test with failing subtests is counted once.
        failed_ids = {t.id() if not hasattr(t, "test_case") else t.test_case.id()
                      for t, _ in self.failures + self.errors}
        return len(failed_ids) + len(self.unexpectedSuccesses)


def _name(test):
    # Module set-up/tear-down errors come as _ErrorHolder with a description.
    if isinstance(test, unittest.case._SubTest):
        return test.id()
    desc = getattr(test, "description", None)
    return desc if desc else test.id()


def _indent(text):
    return "".join("      " + ln + "\n" for ln in text.rstrip("\n").split("\n"))


def main():
    ap = argparse.ArgumentParser(description="egret API tests")
    ap.add_argument("--egret", required=True, help="the egret binary")
    ap.add_argument("--engine", required=True, choices=("sqlite", "postgres"))
    ap.add_argument("-k", action="append", default=[], metavar="PATTERN",
                    help="only tests whose id contains PATTERN (repeatable, * wildcards)")
    ap.add_argument("-v", "--verbose", action="store_true", help="print tracebacks as they happen")
    ap.add_argument("--failfast", action="store_true", help="stop at the first failure")
    ap.add_argument("--test-timeout", type=float,
                    default=float(os.environ.get("EGRET_TEST_TIMEOUT", "600")),
                    help="seconds one test (or module set-up) may take before the run is "
                         "aborted with a stack dump (0 = no limit)")
    ap.add_argument("files", nargs="*", help="test files (default: tests/api/test_*.py)")
    args = ap.parse_args()

    egret = os.path.abspath(args.egret)
    if not (os.path.isfile(egret) and os.access(egret, os.X_OK)):
        print("run.py: %s is not an executable egret binary" % egret, file=sys.stderr)
        return 2
    if args.engine == "postgres" and not os.environ.get("EGRET_TEST_PG_URL"):
        print("run.py: --engine postgres needs EGRET_TEST_PG_URL (a throwaway cluster's "
              "postgres:// URL; scripts/pg-cluster.sh start DIR prints one)", file=sys.stderr)
        return 2

    # egret_client reads these when imported.
    os.environ["EGRET_TEST_BIN"] = egret
    os.environ["EGRET_TEST_ENGINE"] = args.engine
    sys.path.insert(0, HERE)

    files = args.files or sorted(glob.glob(os.path.join(HERE, "test_*.py")))
    loader = unittest.TestLoader()
    if args.k:
        loader.testNamePatterns = [p if "*" in p else "*%s*" % p for p in args.k]
    suite = unittest.TestSuite()
    load_errors = []
    for f in files:
        path = os.path.abspath(f)
        if not os.path.isfile(path):
            print("run.py: no such test file: %s" % f, file=sys.stderr)
            return 2
        d = os.path.dirname(path)
        if d not in sys.path:
            sys.path.insert(0, d)
        modname = os.path.splitext(os.path.basename(path))[0]
        try:
            mod = importlib.import_module(modname)
        except Exception:  # noqa: BLE001 - a broken module is a failure, not a crash
            load_errors.append((modname, traceback.format_exc()))
            continue
        suite.addTests(loader.loadTestsFromModule(mod))

    out = sys.stdout
    out.write("egret API tests: %s, engine %s, %d test(s) in %d file(s)\n"
              % (egret, args.engine, suite.countTestCases(), len(files)))
    out.flush()
    result = LineResult(out, args.verbose, args.test_timeout)
    result.failfast = args.failfast
    for modname, tb in load_errors:
        out.write("ERROR import %s\n" % modname)
        result.problems.append(("ERROR", "import " + modname, tb))
    t0 = time.monotonic()
    suite.run(result)
    faulthandler.cancel_dump_traceback_later()

    if result.problems and not args.verbose:
        out.write("\n")
        for label, name, text in result.problems:
            out.write("==== %s %s\n%s\n" % (label, name, text.rstrip("\n")))
    failed = result.n_failed() + len(load_errors)
    skipped = len(result.skipped)
    out.write("\n(%.1fs; server logs in tests/artifacts/%s/)\n" % (time.monotonic() - t0, args.engine))
    line = "%d passed, %d failed" % (result.passed, failed)
    if skipped:
        line += ", %d skipped" % skipped
    out.write(line + "\n")
    out.flush()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
