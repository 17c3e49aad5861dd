#!/usr/bin/env python3
"""Connection limits: one address cannot take every slot."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Loomd  # noqa: E402


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


if __name__ == "__main__":
    harness.main(globals())
