#!/usr/bin/env python3
"""Latency of dashboard calls for the monitoring benchmark (run.sh).

    latency.py BASE_URL TOKEN REQUESTS PATH...

Each PATH (with its query) is asked REQUESTS times on one keep-alive
connection after 20 warm-up requests; prints one line per path:
    <p50 ms> <p99 ms> <max ms> <path>
and exits non-zero if any answer is not 200. Standard library only.
"""
import http.client
import sys
import time
import urllib.parse


def main():
    base, token, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    u = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
    headers = {"Authorization": "Bearer " + token}
    bad = 0
    for path in sys.argv[4:]:
        times = []
        for i in range(20 + n):
            t0 = time.perf_counter()
            conn.request("GET", path, headers=headers)
            r = conn.getresponse()
            r.read()
            dt = (time.perf_counter() - t0) * 1000
            if r.status != 200:
                print("HTTP %d for %s" % (r.status, path), file=sys.stderr)
                bad += 1
                break
            if i >= 20:
                times.append(dt)
        if not times:
            continue
        times.sort()
        p = lambda q: times[min(len(times) - 1, int(round(q * len(times))) - 1)]
        print("%.2f %.2f %.2f %s" % (p(0.50), p(0.99), times[-1], path))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
