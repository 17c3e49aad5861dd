#!/usr/bin/env python3
"""
A private INN 2.7 for the benchmark against INN (tests/bench/run-vs-inn.sh),
started and stopped through tests/interop/inn.py.  Not in the load path:
it only starts INN, waits, and reports what INN holds at the end.

    python3 tests/bench/inn-bench.py [--group NAME]... [--reader]
        [--tls-cert PEM --tls-key PEM] [--max-seconds N]

Prints, once innd (and nnrpd) greet:

    inn port PORT pid PID                (innd: IHAVE, MODE STREAM)
    inn reader port PORT pid PID         (--reader: nnrpd -D, POST, reading)
    inn tls port PORT pid PID            (--tls-cert: nnrpd -D -S, TLS)
    inn greeting TEXT
    inn config storage=timehash overview=tradindexed history=hisv6 ...

then waits for SIGTERM or SIGINT (or --max-seconds, default 1800: it never
outlives a forgotten benchmark for long), flushes innd, prints

    inn history LINES accepted N refused N
    inn store articles=OCTETS/ALLOCATED overview=... history=... files=N

(history lines after `ctlinnd flush ''`; accepted / refused: the `+` and
`-` lines of innd's news log; store: apparent size and allocated size, in
octets, of spool/articles, spool/overview and db/history*), stops INN by
its PIDs (Inn.stop) and exits.  Exit status 3 (and a line "inn
unavailable: why") when INN cannot be run here: inn2 not installed, or
not root.  Standard library only.
"""

import argparse
import os
import re
import shutil
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "interop"))

from inn import INN_BIN, Inn, inn_available, free_port  # noqa: E402

_stop = False


def _on_signal(signum, frame):
    global _stop
    _stop = True


def _du(paths):
    """(apparent octets, allocated octets, files) under paths."""
    size = alloc = files = 0
    for top in paths:
        if os.path.isfile(top):
            st = os.lstat(top)
            size += st.st_size
            alloc += st.st_blocks * 512
            files += 1
            continue
        for root, dirs, names in os.walk(top):
            for n in names:
                try:
                    st = os.lstat(os.path.join(root, n))
                except OSError:
                    continue
                size += st.st_size
                alloc += st.st_blocks * 512
                files += 1
    return size, alloc, files


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--group", action="append", default=[])
    ap.add_argument("--reader", action="store_true")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--max-seconds", type=float, default=1800)
    a = ap.parse_args()
    groups = a.group or ["local.bench"]

    ok, why = inn_available()
    if ok and os.geteuid() != 0:
        ok, why = False, "not root (INN must run as user news)"
    if not ok:
        print("inn unavailable: %s" % why, flush=True)
        return 3

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    conf = {}
    tls_dir = None
    if a.tls_cert:
        # nnrpd reads the key as user news: copies it may read.
        import tempfile
        tls_dir = tempfile.mkdtemp(prefix="loominn-tls-")
        os.chmod(tls_dir, 0o755)
        cert = os.path.join(tls_dir, "cert.pem")
        key = os.path.join(tls_dir, "key.pem")
        shutil.copyfile(a.tls_cert, cert)
        shutil.copyfile(a.tls_key, key)
        import pwd
        pw = pwd.getpwnam("news")
        for p in (tls_dir, cert, key):
            os.chown(p, pw.pw_uid, pw.pw_gid)
        os.chmod(key, 0o600)
        conf.update({"tlscertfile": cert, "tlskeyfile": key,
                     "tlscapath": tls_dir})
    inn = Inn(groups=tuple(groups), reader=a.reader, conf=conf)
    tls = None
    try:
        print("inn port %d pid %d" % (inn.port, inn.pid), flush=True)
        if a.reader:
            print("inn reader port %d pid %d"
                  % (inn.reader_port, inn.reader_pid), flush=True)
        if a.tls_cert:
            tport = free_port()
            tls = inn._spawn([os.path.join(INN_BIN, "nnrpd"), "-D", "-f", "-n", "-S", "-p", str(tport),
                              "-b", inn.host], "nnrpd-tls.out")
            # A TLS listener does not greet in clear: wait for the port.
            import socket
            deadline = time.monotonic() + 20
            up = False
            while time.monotonic() < deadline and tls.poll() is None:
                try:
                    socket.create_connection((inn.host, tport), 1).close()
                    up = True
                    break
                except OSError:
                    time.sleep(0.1)
            if up:
                print("inn tls port %d pid %d" % (tport, tls.pid), flush=True)
            else:
                print("inn tls failed: %s"
                      % inn.log_text("nnrpd-tls.out")[-300:].replace("\n", " "),
                      flush=True)
        print("inn greeting %d %s" % inn.greeting, flush=True)
        c = {}
        with open(inn.innconf) as f:
            for line in f:
                m = re.match(r"(\w+):\s+(.*)", line)
                if m:
                    c[m.group(1)] = m.group(2).strip()
        print("inn config storage=timehash overview=%s history=%s "
              "wireformat=%s nnrpdcheckart=%s tmp=%s"
              % (c.get("ovmethod"), c.get("hismethod"), c.get("wireformat"),
                 c.get("nnrpdcheckart"), inn.tmp), flush=True)

        deadline = time.monotonic() + a.max_seconds
        while not _stop and time.monotonic() < deadline:
            if inn.innd.poll() is not None:
                print("inn innd exited with status %s" % inn.innd.returncode,
                      flush=True)
                break
            time.sleep(0.2)

        if inn.innd.poll() is None:
            inn.ctlinnd("flush", "")
        try:
            with open(os.path.join(inn.db, "history"), "rb") as f:
                hist = sum(1 for _ in f)
        except OSError:
            hist = -1
        acc = ref = 0
        for line in inn.log_text("innd.out").splitlines():
            # news log: "Mon DD HH:MM:SS.mmm + peer <id> sites" (or "-")
            w = line.split()
            if len(w) >= 4 and w[3] == "+":
                acc += 1
            elif len(w) >= 4 and w[3] == "-":
                ref += 1
        print("inn history %d accepted %d refused %d" % (hist, acc, ref),
              flush=True)
        if ref:
            bad = [l for l in inn.log_text("innd.out").splitlines()
                   if len(l.split()) >= 4 and l.split()[3] == "-"]
            for l in bad[:5]:
                print("inn refused: %s" % l, flush=True)
        art = _du([os.path.join(inn.spool, "articles")])
        ov = _du([os.path.join(inn.spool, "overview")])
        hi = _du([os.path.join(inn.db, n) for n in os.listdir(inn.db)
                  if n.startswith("history")])
        print("inn store articles=%d/%d overview=%d/%d history=%d/%d "
              "files=%d" % (art[0], art[1], ov[0], ov[1], hi[0], hi[1],
                            art[2] + ov[2] + hi[2]), flush=True)
    finally:
        if tls is not None:
            inn._stop_proc(tls, "nnrpd -S")
        problems = inn.stop()
        for p in problems:
            print("inn stop problem: %s" % p, file=sys.stderr, flush=True)
        if tls_dir:
            shutil.rmtree(tls_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
