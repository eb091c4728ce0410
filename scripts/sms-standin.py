#!/usr/bin/env python3
"""A local stand-in for the HTTP SMS gateway (config [sms]), for tests and the demo.

    python3 scripts/sms-standin.py --log messages.jsonl [--port 0] [--secret S]

Listens on 127.0.0.1, prints "listening PORT" on stdout once ready, and for
every POST appends one JSON line to the log file:

    {"id", "to", "template", "params", "signature", "account", "signed", "at"}

where "signed" says whether X-Egret-Signature is the HMAC-SHA256 under
--secret of "<X-Egret-Timestamp>.<body>". It answers {"id": "standin-N"}.
Nothing is sent anywhere: read the log to see the messages (the demo's
one-time codes are there). Only the Python standard library is used.
"""

import argparse
import hashlib
import hmac
import http.server
import json
import sys
import threading
import time


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--log", required=True, help="JSON-lines file the messages are appended to")
    ap.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0 = any free one)")
    ap.add_argument("--secret", default="", help="the sms.secret egret signs with")
    ap.add_argument("--status", type=int, default=200, help="HTTP status to answer (tests of failures)")
    args = ap.parse_args()
    lock = threading.Lock()
    counter = [0]

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            n = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(min(n, 65536))
            ts = self.headers.get("X-Egret-Timestamp", "")
            mac = hmac.new(args.secret.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
            signed = hmac.compare_digest(mac, self.headers.get("X-Egret-Signature", ""))
            try:
                msg = json.loads(body.decode("utf-8"))
            except ValueError:
                msg = {"unparsed": body.decode("utf-8", "replace")}
            with lock:
                counter[0] += 1
                ref = "standin-%d" % counter[0]
                rec = {"id": ref, "to": msg.get("to"), "template": msg.get("template"),
                       "params": msg.get("params"), "signature": msg.get("signature"),
                       "account": self.headers.get("X-Egret-Account", ""), "signed": signed,
                       "at": int(time.time())}
                with open(args.log, "a", encoding="utf-8") as f:
                    f.write(json.dumps(rec, ensure_ascii=False) + "\n")
            out = json.dumps({"id": ref} if args.status < 300 else {"error": "refused"}).encode()
            self.send_response(args.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

        def log_message(self, fmt, *a):  # quiet: the log file is the record
            pass

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print("listening %d" % srv.server_address[1], flush=True)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
