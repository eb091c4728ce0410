#!/usr/bin/env python3
"""Synthetic feed files for the monitoring benchmark (bench/monitoring/run.sh).

    gen.py roster N FILE            a roster of N workers (W0000001 …)
    gen.py work N DAYS FIRST FILE   daily work records of workers 1..N for DAYS
                                    days from FIRST (YYYY-MM-DD), sorted by date
                                    then worker, as platforms export them

Everything is deterministic (fixed seed) and uses only the standard library.
"""
import datetime
import random
import sys

WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
CHECKS = "10X98765432"
REGIONS = ["350203", "350206", "350211", "350212", "350500", "360100", "430400", "511300"]
DISTRICTS = ["350203", "350205", "350206", "350211", "350212", "350213"]


def id_number(n):
    """A valid resident ID number, unique for n < 14,000,000."""
    birth = datetime.date(1968, 1, 1) + datetime.timedelta(days=(n * 7919) % 14000)
    body = "%s%s%03d" % (REGIONS[n % len(REGIONS)], birth.strftime("%Y%m%d"), 100 + n // 14000 % 900)
    s = sum(int(c) * w for c, w in zip(body, WEIGHTS))
    return body + CHECKS[s % 11]


def roster(n, path):
    rnd = random.Random(1)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("platform_worker_id,name,id_number,phone,occupation,status,joined_on,district\n")
        for i in range(1, n + 1):
            f.write("W%07d,骑手%d,%s,1%d%09d,网约配送员,active,2024-%02d-%02d,%s\n" % (
                i, i, id_number(i), rnd.randint(3, 9), rnd.randint(0, 999999999),
                rnd.randint(1, 12), rnd.randint(1, 28), DISTRICTS[i % len(DISTRICTS)]))


def work(n, days, first, path):
    rnd = random.Random(2)
    start = datetime.date.fromisoformat(first)
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("platform_worker_id,date,orders,online_minutes,order_minutes,income_fen,"
                "penalty_count,penalty_fen\n")
        for d in range(days):
            day = (start + datetime.timedelta(days=d)).isoformat()
            lines = []
            for i in range(1, n + 1):
                online = rnd.randint(60, 780)
                orders = online // 25 + rnd.randint(0, 3)
                pen = 1 if rnd.random() < 0.08 else 0
                lines.append("W%07d,%s,%d,%d,%d,%d,%d,%d\n" % (
                    i, day, orders, online, online * 7 // 10, online * rnd.randint(30, 60),
                    pen, pen * 2000))
            f.write("".join(lines))


if __name__ == "__main__":
    if sys.argv[1] == "roster":
        roster(int(sys.argv[2]), sys.argv[3])
    elif sys.argv[1] == "work":
        work(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5])
    else:
        sys.exit("usage: gen.py roster N FILE | gen.py work N DAYS FIRST FILE")
