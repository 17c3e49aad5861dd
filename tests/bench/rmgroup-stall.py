#!/usr/bin/env python3
"""
The longest stall a reader sees while loomd acts on an rmgroup control
message for a big group.  Fills bench.big with N articles (`loomctl import
rnews` of a generated batch, straight into the store), then a reader loops
DATE and measures each reply while a peer sends `rmgroup bench.big`
([control] rmgroup = * * doit): latency p50/p99/max before the message
(baseline, 3 s) and from the IHAVE until the "removed group" log line.
Reports, never fails on a time.

    python3 tests/bench/rmgroup-stall.py [N]      (default 50000; with
                                                  QUICK=1 5000)

LOOMD and LOOMCTL choose the binaries (default: build/ of this tree), so
one can compare two builds.
"""

import os
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import harness  # noqa: E402
from harness import Loomd, relayed  # noqa: E402

CONF = """
[group bench.big]
[group bench.read]
[storage]
map_size = 2G
[control]
pseudo_groups = yes
rmgroup = * * doit
"""


def rnews_batch(n):
    date = harness.now_date()
    out = []
    for i in range(n):
        a = ("Path: peer.example!not-for-mail\nFrom: B <b@example.invalid>\n"
             "Newsgroups: bench.big\nSubject: article %d\nDate: %s\n"
             "Message-ID: <r%d.%d@rmstall.test>\n\n%s\n"
             % (i, date, i, os.getpid(), "x" * 200)).encode()
        out.append(b"#! rnews %d\n" % len(a) + a)
    return b"".join(out)


class Reader(threading.Thread):
    def __init__(self, d):
        super().__init__(daemon=True)
        self.d = d
        self.lat = []           # (start time, seconds)
        self.stop = False

    def run(self):
        c = self.d.connect()
        while not self.stop:
            t0 = time.perf_counter()
            c.cmd("DATE")
            self.lat.append((t0, time.perf_counter() - t0))


def summary(name, lat):
    lat = sorted(lat)
    if not lat:
        print("%s: no samples" % name)
        return
    p = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000
    print("%s: %d commands, p50 %.3f ms, p99 %.3f ms, max %.3f ms"
          % (name, len(lat), p(0.50), p(0.99), lat[-1] * 1000))


def main():
    quick = os.environ.get("QUICK") == "1"
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000 if quick else 50000
    with Loomd(config=CONF) as d:
        tmp = tempfile.mkdtemp(prefix="rmstall-")
        path = os.path.join(tmp, "batch")
        with open(path, "wb") as f:
            f.write(rnews_batch(n))
        t0 = time.monotonic()
        p = d.ctl("import", "rnews", path, timeout=1800)
        os.unlink(path)
        os.rmdir(tmp)
        if p.returncode != 0:
            raise SystemExit("import: %s" % p.stderr)
        print("imported %d articles in %.1f s: %s"
              % (n, time.monotonic() - t0, p.stdout.strip()))

        r = Reader(d)
        r.start()
        time.sleep(3)
        summary("baseline (3 s)", [x for _, x in r.lat])

        c = d.connect()
        since = d.log_size()
        mid = harness.unique_msgid()
        art = relayed(mid, groups="bench.big", subject="cmsg rmgroup",
                      body="Remove it.\n",
                      extra=[("Control", "rmgroup bench.big")])
        t0 = time.perf_counter()
        code, text = c.ihave(mid, art)
        if code != 235:
            raise SystemExit("IHAVE: %d %s" % (code, text))
        d.wait_log(r"removed group bench\.big|cannot remove group",
                   since=since, timeout=1800)
        t1 = time.perf_counter()
        r.stop = True
        r.join()
        print("rmgroup of %d articles acted on in %.1f s from the IHAVE"
              % (n, t1 - t0))
        summary("during the removal",
                [x for s, x in r.lat if s + x >= t0 and s <= t1])


if __name__ == "__main__":
    main()
