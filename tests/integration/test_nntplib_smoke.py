#!/usr/bin/env python3
"""Smoke test with Python's own NNTP client (nntplib, deprecated in 3.11)."""

import datetime
import os
import sys
import warnings

warnings.filterwarnings("ignore", category=DeprecationWarning)
import nntplib  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Loomd  # noqa: E402


def test_nntplib_session():
    with Loomd() as d:
        s = nntplib.NNTP(d.host, d.port, timeout=10)
        try:
            welcome = s.getwelcome()
            assert welcome.startswith("200"), "welcome %r" % welcome
            caps = s.getcapabilities()
            assert caps.get("VERSION") == ["2"], "VERSION %r" % caps.get("VERSION")
            assert "READER" in caps, sorted(caps)
            now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
            resp, when = s.date()
            assert resp.startswith("111"), resp
            assert isinstance(when, datetime.datetime), when
            assert abs((when - now).total_seconds()) < 30, "date() %s, now %s" % (when, now)
            resp = s.quit()
            assert resp.startswith("205"), resp
        finally:
            try:
                s.sock.close()
            except Exception:
                pass


def test_nntplib_readermode_flag():
    # readermode=True sends MODE READER: a mixed server answers 200 again.
    with Loomd() as d:
        s = nntplib.NNTP(d.host, d.port, readermode=True, timeout=10)
        try:
            assert s.getwelcome().startswith("200"), s.getwelcome()
            assert "READER" in s.getcapabilities()
            resp, when = s.date()
            assert resp.startswith("111"), resp
            s.quit()
        finally:
            try:
                s.sock.close()
            except Exception:
                pass


if __name__ == "__main__":
    harness.main(globals())
