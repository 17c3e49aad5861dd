#!/usr/bin/env python3
"""
The longest stall a reader sees while loomd's scheduled expiry pass runs
(issue #17).  Fills a store through TAKETHIS (N articles to bench.go, which
the pass empties, and a few to bench.read, which it keeps), then a reader
loops GROUP bench.read + ARTICLE while loomd expires bench.go: first with
no pass (baseline), then with one started by a reload that sets
[expire] interval = 1.  Prints latency p50/p99/max for both.  Reports,
never fails on a time.

    python3 tests/bench/expire-stall.py [N]      (default 50000)
    python3 tests/bench/expire-stall.py N ctl    (the pass by `loomctl
                                                  expire 0 bench.go` instead)
"""

import os
import re
import socket
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import harness  # noqa: E402
from harness import Loomd, relayed, wire  # noqa: E402

BASE = """
[group bench.go]
[group bench.read]
[storage]
map_size = 1G
"""
RULES = """
[expire]
interval = 1
[expire go]
groups = bench.go
days = 0
"""


def fill(d, n):
    s = socket.create_connection((d.host, d.port))
    f = s.makefile("rb")
    f.readline()
    body = "x" * 200 + "\n"
    pending = 0
    sent = 0
    for i in range(n + 100):
        g = "bench.read" if i < 100 else "bench.go"
        mid = "<b%d.%d@stall.test>" % (i, os.getpid())
        s.sendall(("TAKETHIS %s\r\n" % mid).encode()
                  + wire(relayed(mid, groups=g, body=body)))
        pending += 1
        sent += 1
        # Keep a bounded window of replies outstanding.
        while pending > 200:
            line = f.readline()
            if not line.startswith(b"239"):
                raise SystemExit("TAKETHIS: %r" % line)
            pending -= 1
    while pending:
        line = f.readline()
        if not line.startswith(b"239"):
            raise SystemExit("TAKETHIS: %r" % line)
        pending -= 1
    s.close()
    return sent


class Reader(threading.Thread):
    def __init__(self, d):
        super().__init__(daemon=True)
        self.d = d
        self.lat = []
        self.stop = False

    def run(self):
        c = self.d.connect()
        n = 0
        while not self.stop:
            n = n % 100 + 1
            for cmd in ("GROUP bench.read", "ARTICLE %d" % n):
                t0 = time.perf_counter()
                code, _ = c.cmd(cmd)
                if code == 220:
                    c.multiline()
                self.lat.append(time.perf_counter() - t0)


def summary(name, lat):
    lat = sorted(lat)
    if not lat:
        print("%s: no samples" % name)
        return
    p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000
    print("%s: %d commands, p50 %.3f ms, p99 %.3f ms, max %.3f ms"
          % (name, len(lat), p(0.50), p(0.99), lat[-1] * 1000))


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50000
    ctl = len(sys.argv) > 2 and sys.argv[2] == "ctl"
    with Loomd(config=BASE) as d:
        t0 = time.monotonic()
        fill(d, n)
        print("filled %d articles in %.1f s" % (n + 100, time.monotonic() - t0))
        time.sleep(1.1)     # days = 0 takes what arrived before the pass

        r = Reader(d)
        r.start()
        time.sleep(5)
        base = list(r.lat)
        summary("baseline (no expiry, 5 s)", base)

        mark = len(r.lat)
        if ctl:
            t0 = time.monotonic()
            p = d.ctl("expire", "0", "bench.go")
            took = time.monotonic() - t0
            during = r.lat[mark:]
            r.stop = True
            r.join()
            print("pass: loomctl %s (%.1f s)" % (p.stdout.strip(), took))
            summary("during loomctl expire", during)
            return
        since = d.log_size()
        with open(d.config_path, "w") as f:
            f.write(BASE + RULES)
        d.sighup()
        t0 = time.monotonic()
        d.wait_log(r"expire: \d+ groups", since=since, timeout=600)
        took = time.monotonic() - t0
        during = r.lat[mark:]
        r.stop = True
        r.join()
        m = re.findall(r"expire: \d+ groups.*", d.log_text()[since:])
        print("pass: %s (%.1f s from the reload)" % (m[0] if m else "?",
                                                       took))
        summary("during the expiry pass", during)


if __name__ == "__main__":
    main()
