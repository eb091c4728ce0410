#!/usr/bin/env python3
"""check-tables.py — no SQL in one pillar names another pillar's tables.

The pillars are the business modules: cases, insurance, monitoring, places.
A table belongs to the pillar whose name its migration file bears
(src/db/migrations/NNNN_<name>.sql: 0010_cases.sql, 0011_case_payment_states.sql
belong to cases …); the other migrations' tables (people, organisations,
users, departments, audit_events, calendar_days …) are shared
infrastructure that any module may read. A pillar asks another for what it
needs through that pillar's published functions (cases/lookup.h,
insurance/insurance.h, monitoring/monitoring.h).

The check reads the C string literals of every src/<pillar>/ file (adjacent
literals joined) and looks for FROM, JOIN, INTO, UPDATE and TABLE followed
by a table of another pillar. demo/, app/ and db/ are above or beside the
pillars and may name any table.

    scripts/check-tables.py [--root DIR]   check DIR/src (default: this repository)
    scripts/check-tables.py --self-test    a clean copy passes, a planted join fails

Exit 0 when clean, 1 with one line per violation (file:line, pillar, table,
owner), 2 on bad usage.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

PILLARS = ("cases", "insurance", "monitoring", "places")
# migration name word → pillar ("case_payment_states" → cases)
MIGRATION_PILLAR = (("case", "cases"), ("insurance", "insurance"),
                    ("monitoring", "monitoring"), ("places", "places"))

CREATE = re.compile(r"CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?([a-z_][a-z0-9_]*)", re.I)
NAMES = re.compile(r"\b(?:FROM|JOIN|INTO|UPDATE|TABLE)\s+([a-z_][a-z0-9_]*)", re.I)
LITERAL = re.compile(r'"((?:[^"\\\n]|\\.)*)"')


def owners(root):
    out = {}
    mdir = os.path.join(root, "src", "db", "migrations")
    for name in sorted(os.listdir(mdir)):
        if not name.endswith(".sql"):
            continue
        stem = name.split("_", 1)[1] if "_" in name else name
        pillar = next((p for word, p in MIGRATION_PILLAR if stem.startswith(word)), None)
        if pillar is None:
            continue
        with open(os.path.join(mdir, name), encoding="utf-8") as f:
            for m in CREATE.finditer(f.read()):
                out[m.group(1).lower()] = pillar
    return out


def statements(text):
    """(line, joined text) for each run of adjacent string literals."""
    runs, last_end = [], None
    for m in LITERAL.finditer(text):
        between = text[last_end:m.start()] if last_end is not None else None
        if runs and between is not None and re.fullmatch(r"[\s\\]*", between):
            runs[-1][1].append(m.group(1))
        else:
            runs.append((text.count("\n", 0, m.start()) + 1, [m.group(1)]))
        last_end = m.end()
    return [(line, " ".join(parts)) for line, parts in runs]


def check(root):
    own = owners(root)
    bad = []
    for pillar in PILLARS:
        pdir = os.path.join(root, "src", pillar)
        for dirpath, _, files in os.walk(pdir):
            for fn in sorted(files):
                if not fn.endswith((".c", ".h")):
                    continue
                path = os.path.join(dirpath, fn)
                with open(path, encoding="utf-8") as f:
                    text = f.read()
                for line, sql in statements(text):
                    for m in NAMES.finditer(sql):
                        t = m.group(1).lower()
                        o = own.get(t)
                        if o and o != pillar:
                            rel = os.path.relpath(path, root)
                            bad.append("%s:%d: %s names %s's table %s" % (rel, line, pillar, o, t))
    for b in bad:
        print(b)
    return 1 if bad else 0


def self_test(root):
    tmp = tempfile.mkdtemp(prefix="check-tables-")
    try:
        shutil.copytree(os.path.join(root, "src"), os.path.join(tmp, "src"))
        if check(tmp) != 0:
            print("check-tables self-test: the clean tree fails")
            return 1
        planted = os.path.join(tmp, "src", "places", "planted.c")
        with open(planted, "w") as f:
            f.write('static const char *q = "SELECT COUNT(*) FROM places p "\n'
                    '                       "JOIN cover_days c ON c.person_id = p.id";\n')
        out = subprocess.run([sys.executable, __file__, "--root", tmp],
                             capture_output=True, text=True)
        if out.returncode != 1 or "places/planted.c:1: places names insurance's table cover_days" \
                not in out.stdout:
            print("check-tables self-test: a planted join was not found:\n" + out.stdout)
            return 1
        print("check-tables self-test: a clean tree passes, a planted join is found")
        return 0
    finally:
        shutil.rmtree(tmp)


def main(argv):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if argv == ["--self-test"]:
        return self_test(root)
    if len(argv) == 2 and argv[0] == "--root":
        return check(argv[1])
    if argv:
        print(__doc__.split("\n\n")[-2], file=sys.stderr)
        return 2
    return check(root)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
