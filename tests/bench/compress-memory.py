#!/usr/bin/env python3
"""Memory per idle connection, plain and with COMPRESS DEFLATE.

For each kind a fresh loomd (build/loomd, or $LOOMD) gets 200 articles,
then N connections on 127.0.0.1 each select the group, read its overview
(~50 KiB, so both zlib states have worked) and stay open.  loomd's RSS
(/proc/PID/status) is read before, right after the last reply, and again
once the compress layers have released their idle state (2 s without
output; the bench waits 4).  It reports; it never fails on a figure.

glibc keeps freed heap for reuse, so after N connections were active at
once RSS does not fall when their deflate states go: the "compress" run
shows that peak (every connection active at the same moment).  The
"paced" run opens them in batches of BATCH (25) and waits for each batch
to go idle before the next, so later batches reuse what earlier ones
freed, as on a server where readers come and go: its last column is the
cost of an idle compressed reader (plus at most one batch's active
states, spread over N).

    python3 tests/bench/compress-memory.py [N]      (default 500)
"""
import os
import resource
import sys
import time
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))
import harness  # noqa: E402
from harness import Loomd, make_article, unique_msgid  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else 500
CONF = ("[server]\nmax_connections = 100000\nmax_connections_per_host = "
        "100000\n[limits]\ncommands_per_second = 0\n")


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def load(d, n):
    c = d.connect()
    c.expect(203, "MODE STREAM")
    buf = []
    for i in range(n):
        m = unique_msgid()
        art = make_article(message_id=m, subject="Subject number %d" % i,
                           date=harness.now_date(),
                           body="Some body text, line %d.\n" % i * 5,
                           headers=[("Path", "src.test!not-for-mail")])
        buf.append("TAKETHIS %s\r\n%s.\r\n" % (m, art.replace("\n", "\r\n")))
    c.send("".join(buf))
    for _ in range(n):
        assert c.line().startswith("239 ")
    c.cmd("QUIT")


class Z:
    """Just enough of a compressed client."""

    def __init__(self, c):
        self.c, self.co = c, zlib.compressobj(6, zlib.DEFLATED, -15)
        self.de, self.buf = zlib.decompressobj(-15), b""

    def cmd(self, line):
        self.c.sock.sendall(self.co.compress(line.encode() + b"\r\n") +
                            self.co.flush(zlib.Z_SYNC_FLUSH))

    def until(self, end):
        while not self.buf.endswith(end):
            chunk = self.c.sock.recv(65536)
            if not chunk:
                raise RuntimeError("closed")
            self.buf += self.de.decompress(chunk)
        self.buf = b""


BATCH = 25


def run(kind):
    with Loomd(config=CONF) as d:
        load(d, 200)
        warm = d.connect()
        warm.expect(211, "GROUP local.test")
        warm.expect_multi(224, "OVER 1-")
        time.sleep(0.5)
        before = rss_kib(d.pid())
        conns = []
        for k in range(N):
            if kind == "paced" and k > 0 and k % BATCH == 0:
                time.sleep(2.5)
            c = d.connect()
            if kind == "plain":
                c.expect(211, "GROUP local.test")
                c.expect_multi(224, "OVER 1-")
            else:
                c.expect(206, "COMPRESS DEFLATE")
                z = Z(c)
                z.cmd("GROUP local.test")
                z.cmd("OVER 1-")
                z.until(b"\r\n.\r\n")
            conns.append(c)
        active = rss_kib(d.pid())
        time.sleep(4)
        idle = rss_kib(d.pid())
        for c in conns:
            c.close()
        return before, active, idle


def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4 * N + 1024),
                                                hard))
    print("%d idle connections each; loomd RSS in KiB" % N)
    print("%-10s %8s %8s %8s %14s %14s" % ("kind", "before", "replied",
                                          "idle", "per conn now",
                                          "per conn idle"))
    for kind in ("plain", "compress", "paced"):
        b, a, i = run(kind)
        print("%-10s %8d %8d %8d %11.1f KiB %11.1f KiB"
              % (kind, b, a, i, (a - b) / N, (i - b) / N))

if __name__ == "__main__":
    main()
