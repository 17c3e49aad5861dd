#!/usr/bin/env python3
"""
A private INN 2.7 for the ingest benchmark (tests/bench/run-ingest.sh),
started and stopped through tests/interop/inn.py.

    python3 tests/bench/inn-ingest.py [--group local.bench] [--max-seconds N]

Prints, once innd greets:

    inn port PORT pid PID
    inn greeting TEXT
    inn config storage=timehash overview=tradindexed history=hisv6 ...

then waits for SIGTERM or SIGINT (or --max-seconds, default 1800: it never
outlives a forgotten benchmark for long), flushes innd, prints

    inn history LINES accepted N refused N

(history lines after `ctlinnd flush ''`; accepted / refused: the `+` and
`-` lines of innd's news log), stops innd by its PID (Inn.stop) and exits.
Exit status 3 (and a line "inn unavailable: why") when INN cannot be run
here: inn2 not installed, or not root.  Standard library only.
"""

import argparse
import os
import re
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "interop"))

from inn import Inn, inn_available  # noqa: E402

_stop = False


def _on_signal(signum, frame):
    global _stop
    _stop = True


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--group", default="local.bench")
    ap.add_argument("--max-seconds", type=float, default=1800)
    a = ap.parse_args()

    ok, why = inn_available()
    if ok and os.geteuid() != 0:
        ok, why = False, "not root (INN must run as user news)"
    if not ok:
        print("inn unavailable: %s" % why, flush=True)
        return 3

    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    inn = Inn(groups=(a.group,), reader=False)
    try:
        print("inn port %d pid %d" % (inn.port, inn.pid), flush=True)
        print("inn greeting %d %s" % inn.greeting, flush=True)
        conf = {}
        with open(inn.innconf) as f:
            for line in f:
                m = re.match(r"(\w+):\s+(.*)", line)
                if m:
                    conf[m.group(1)] = m.group(2).strip()
        print("inn config storage=timehash overview=%s history=%s "
              "wireformat=%s tmp=%s"
              % (conf.get("ovmethod"), conf.get("hismethod"),
                 conf.get("wireformat"), inn.tmp), flush=True)

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
    finally:
        problems = inn.stop()
        for p in problems:
            print("inn stop problem: %s" % p, file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
