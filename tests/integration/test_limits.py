#!/usr/bin/env python3
"""Limits: each one tripped once, with a second, well-behaved client
still served while it holds."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Loomd, make_article  # noqa: E402

# Readers only: loopback clients would otherwise count as feeding peers,
# which commands_per_second exempts.
READERS = "[server]\nloopback_feeds = no\n"


def test_max_connections_per_host():
    conf = "[server]\nmax_connections_per_host = 3\nmax_connections = 100\n"
    with Loomd(config=conf) as d:
        held = [d.connect() for _ in range(3)]
        extra = d.connect(greeting=False)
        code, text = extra.response()
        assert code == 400, (code, text)
        assert extra.closed(5), "refused connection left open"
        assert "max_connections_per_host" in d.log_text()
        # The three already in still work; a freed slot can be taken.
        for c in held:
            c.expect(111, "DATE")
        held[0].expect(205, "QUIT")
        assert held[0].closed(5)
        for _ in range(50):
            again = d.connect(greeting=False)
            code, text = again.response()
            if code == 200:
                break
        assert code == 200, (code, text)
        again.expect(111, "DATE")


def test_commands_per_second_slows_not_refuses():
    conf = READERS + "[limits]\ncommands_per_second = 20\ncommand_burst = 5\n"
    with Loomd(config=conf) as d:
        fast = d.connect()
        t0 = time.monotonic()
        fast.send("DATE\r\n" * 45)
        # A second client is served while the first is held back.
        other = d.connect(source="127.0.0.2")
        other.expect(111, "DATE")
        for _ in range(45):
            assert fast.response()[0] == 111
        # 40 commands past the burst at 20/s cannot take less than 2 s:
        # a lower bound the bucket guarantees, not a timing guess.
        assert time.monotonic() - t0 >= 1.9
        fast.expect(205, "QUIT")
        d.wait_log(r"closed reason=quit .* throttled=[1-9]")


def test_posts_per_minute():
    conf = "[limits]\nposts_per_minute = 2\n"
    with Loomd(config=conf) as d:
        c = d.connect()
        for i in range(2):
            code, text = c.post(make_article(subject="p%d" % i))
            assert code == 240, (code, text)
        code, text = c.post(make_article(subject="p2"))
        assert code == 441 and "too fast" in text, (code, text)
        other = d.connect(source="127.0.0.2")
        code, text = other.post(make_article(subject="other"))
        assert code == 240, (code, text)
        c.expect(111, "DATE")


def test_article_timeout():
    conf = "[limits]\narticle_timeout = 2\n"
    with Loomd(config=conf) as d:
        slow = d.connect()
        slow.expect(340, "POST")
        slow.send("From: a@b.example\r\nSubject: slow\r\n")
        other = d.connect(source="127.0.0.2")
        other.expect(111, "DATE")
        code, text = slow.response(timeout=30)
        assert code == 400 and "not received" in text, (code, text)
        assert slow.closed(5)
        other.expect(111, "DATE")
        d.wait_log(r"closed reason=article timeout")


def test_header_size_and_count():
    conf = "[posting]\nmax_header_size = 1K\nmax_headers = 10\n"
    with Loomd(config=conf) as d:
        c = d.connect()
        code, text = c.post(make_article(headers=[("X-Long", "x" * 2000)]))
        assert code == 441, (code, text)
        many = [("X-H%d" % i, "v") for i in range(12)]
        code, text = c.post(make_article(headers=many))
        assert code == 441, (code, text)
        other = d.connect(source="127.0.0.2")
        code, text = other.post(make_article(headers=[("X-Short", "y" * 500)]))
        assert code == 240, (code, text)
        # A peer's article is held to the same limits: 437.
        mid = harness.unique_msgid()
        art = harness.relayed(mid, extra=[("X-Long", "x" * 2000)])
        code, text = c.ihave(mid, art)
        assert code == 437, (code, text)


if __name__ == "__main__":
    harness.main(globals())
