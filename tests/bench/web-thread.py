#!/usr/bin/env python3
"""
Web page benchmark (issue #16): how long loomd takes to serve the /t/ page
of a 1,000-comment thread, as a client on loopback sees it (request sent
to last byte read).  Reports the median and range; never fails on a
figure, only when something did not work.

    python3 tests/bench/web-thread.py          # build/loomd
    LOOMD=/path/to/loomd QUICK=1 python3 tests/bench/web-thread.py

Environment: LOOMD (default build/loomd), QUICK=1 (200 comments, 7 runs),
COMMENTS (1000), RUNS (21), SEED (1).

loomd runs on 127.0.0.1 with ephemeral ports and a temp data dir with
[storage] nosync = yes (loading speed only: nothing durable is measured),
and is stopped by PID on exit.
"""

import http.client
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

TOP = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
LOOMD = os.environ.get("LOOMD", os.path.join(TOP, "build", "loomd"))
QUICK = os.environ.get("QUICK") == "1"
N = int(os.environ.get("COMMENTS", "200" if QUICK else "1000"))
RUNS = int(os.environ.get("RUNS", "7" if QUICK else "21"))
SEED = int(os.environ.get("SEED", "1"))
WORDS = ("thread reply news server loom comment quoted text about the "
         "and of a to in that it is was for on are with as they be at "
         "one have this from or had by hot word but what some we can "
         "out other were all there when up use your how said an each").split()


def wait_log(path, pattern, proc, timeout=20):
    end = time.time() + timeout
    while time.time() < end:
        with open(path, encoding="utf-8", errors="replace") as f:
            m = re.search(pattern, f.read())
        if m:
            return m
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    sys.exit("web-thread: loomd did not start (see %s)" % path)


def line(f):
    s = f.readline()
    if not s:
        sys.exit("web-thread: loomd closed the connection")
    return s.decode("utf-8", "replace").rstrip("\r\n")


def main():
    rnd = random.Random(SEED)
    tmp = tempfile.mkdtemp(prefix="loomwebbench-")
    data = os.path.join(tmp, "data")
    os.mkdir(data)
    conf = os.path.join(tmp, "loom.conf")
    with open(conf, "w") as f:
        f.write("[storage]\nnosync = yes\n[http]\nthread_max = %d\n"
                "requests_per_minute = 0\n" % max(2000, N))
    log = os.path.join(tmp, "loomd.log")
    with open(log, "w") as lf:
        proc = subprocess.Popen([LOOMD, "--foreground", "--config", conf,
                                 "--data", data, "--listen", "127.0.0.1:0",
                                 "--http", "127.0.0.1:0"],
                                stdout=lf, stderr=subprocess.STDOUT)
    try:
        m = wait_log(log, r"listening on 127\.0\.0\.1:(\d+)", proc)
        nntp = int(m.group(1))
        web = int(wait_log(log, r"web: http://127\.0\.0\.1:(\d+)/",
                           proc).group(1))
        wait_log(log, r"ready to accept connections", proc)

        # A random recursive tree: each reply's parent a random earlier
        # comment no deeper than 32.
        ids, refs, depth = [], [], []
        base = int(time.time()) - N - 3600
        s = socket.create_connection(("127.0.0.1", nntp), timeout=60)
        f = s.makefile("rwb")
        line(f)
        t0 = time.time()
        for i in range(N):
            mid = "<c%d.%d@webbench.loom>" % (i, SEED)
            if i == 0:
                r, d = [], 0
            else:
                p = rnd.randrange(i)
                while depth[p] >= 32:
                    p = rnd.randrange(i)
                r, d = refs[p] + [ids[p]], depth[p] + 1
            ids.append(mid)
            refs.append(r)
            depth.append(d)
            body = []
            if r:
                body.append("> " + " ".join(rnd.choice(WORDS)
                                            for _ in range(10)))
            for _ in range(rnd.randint(2, 7)):
                body.append(" ".join(rnd.choice(WORDS) for _ in range(12)))
            hdr = ["From: Poster %d <p%d@webbench.loom>" % (i % 50, i % 50),
                   "Newsgroups: local.test",
                   "Subject: %sthe benchmark thread" % ("Re: " if r else ""),
                   "Message-ID: " + mid,
                   "Date: " + time.strftime("%a, %d %b %Y %H:%M:%S +0000",
                                            time.gmtime(base + i))]
            if r:
                hdr.append("References: " + " ".join(r))
            art = "\r\n".join(hdr) + "\r\n\r\n" + "\r\n".join(body) + "\r\n"
            f.write(b"POST\r\n")
            f.flush()
            if not line(f).startswith("340"):
                sys.exit("web-thread: POST refused")
            f.write(art.encode() + b".\r\n")
            f.flush()
            resp = line(f)
            if not resp.startswith("240"):
                sys.exit("web-thread: article refused: " + resp)
        f.write(b"QUIT\r\n")
        f.flush()
        s.close()
        load = time.time() - t0

        path = "/t/" + urllib.parse.quote(ids[0], safe="")
        c = http.client.HTTPConnection("127.0.0.1", web, timeout=60)
        times, size = [], 0
        for i in range(RUNS + 1):
            t = time.perf_counter()
            c.request("GET", path)
            r = c.getresponse()
            body = r.read()
            el = time.perf_counter() - t
            if r.status != 200:
                sys.exit("web-thread: GET %s: %d" % (path, r.status))
            n = body.count(b'<article class="c"')
            if n != N:
                sys.exit("web-thread: the page shows %d comments, not %d"
                         % (n, N))
            size = len(body)
            if i > 0:       # the first run warms the cache
                times.append(el * 1000)
        c.close()
        print("web: /t/ page of a %d-comment thread (depth %d): median "
              "%.2f ms (min %.2f, max %.2f) over %d runs, %d KiB; "
              "loaded in %.1f s%s" % (
                  N, max(depth), statistics.median(times), min(times),
                  max(times), RUNS, size // 1024, load,
                  " (QUICK=1)" if QUICK else ""))
        print("web: wall time on loopback, request to last byte; the "
              "machine's load shows in it (reported, never judged)")
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if os.environ.get("BENCH_KEEP") != "1":
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print("web: kept", tmp)
    return 0


if __name__ == "__main__":
    sys.exit(main())
