#!/usr/bin/env python3
"""
System calls loomd makes to post comments from the web (docs/web.md, "The
same path as NNTP POST"): loads the comment page fixture, logs a member
in, attaches `strace -f -c` to loomd, posts N comments through /post and
prints strace's table.  Deterministic enough to compare builds; reports,
never judges.

    LOOMD=build/loomd N=50 python3 tests/bench/web-post-syscalls.py
"""

import os
import signal
import subprocess
import sys
import tempfile
import time

TOP = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(TOP, "tests", "integration"))
import harness  # noqa: E402
from harness import Loomd  # noqa: E402
import test_webpost as tw  # noqa: E402
from test_web import ROOT, post_page, web  # noqa: E402

N = int(os.environ.get("N", "50"))


def main():
    out = tempfile.NamedTemporaryFile(suffix=".strace", delete=False).name
    with Loomd(args=tw.ARGS) as d:
        post_page(d)
        tw.add_user(d, "alice")
        w = web(d)
        cookie = tw.logged_in(w)
        csrf, _ = tw.thread_csrf(w, cookie)
        st = subprocess.Popen(["strace", "-f", "-c", "-o", out, "-p",
                               str(d.proc.pid)])
        time.sleep(1)
        for i in range(N):
            code, _, _ = tw.comment(w, cookie, csrf, ROOT, "comment %d" % i)
            assert code == 303, code
        time.sleep(0.5)
        st.send_signal(signal.SIGINT)
        st.wait()
    with open(out, encoding="utf-8") as f:
        print("web: system calls of loomd for %d comments posted from the "
              "web" % N)
        sys.stdout.write(f.read())
    os.unlink(out)


if __name__ == "__main__":
    main()
