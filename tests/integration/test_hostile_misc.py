#!/usr/bin/env python3
"""Hostile clients (issue #11): stalled TLS handshakes, parallel password
guessing, Message-IDs blocked by a lying feeder, floods of refused
connections, and what POST does with bare LF line ends."""
import os
import re
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Conn, Loomd  # noqa: E402

PAIR = harness.TLSPair()


def tls_port(d):
    """The implicit-TLS port: the second address loomd listens on."""
    assert len(d.addrs) == 2, d.addrs
    return d.addrs[1]


def count(d, pattern):
    return len(re.findall(pattern, d.log_text()))


def wait_count(d, pattern, n, timeout=20.0):
    """Wait (bounded) until the log holds at least n matches of pattern."""
    d.wait_log("(?s)" + "".join(["%s.*" % pattern] * n), timeout=timeout)


# -- TLS handshakes that never finish ------------------------------------


def test_silent_tls_clients_are_closed_and_free_their_slots():
    # idle_timeout is the only bound here, as in the report: before the
    # fix the timeout queued a 400 behind the unfinished handshake and
    # stopped reading, so the sockets stayed in CLOSE-WAIT for ever.
    conf = "[server]\nidle_timeout = 1\nmax_connections = 3\n"
    with Loomd(config=conf, args=PAIR.args) as d:
        silent = [Conn(*tls_port(d), greeting=False) for _ in range(3)]
        for c in silent:
            assert c.closed(timeout=20), "server kept a silent TLS client"
        wait_count(d, r"closed reason=tls handshake timeout", 3)
        # Gone from the client side too: nothing may linger.
        for c in silent:
            c.close()
        d.connect().expect(111, "DATE")
        t = PAIR.client_context().wrap_socket(
            socket.create_connection(tls_port(d), timeout=10),
            server_hostname="localhost")
        assert t.makefile("rb").readline().startswith(b"200")
        t.close()


def test_tls_handshake_is_bounded_as_a_whole():
    # A client trickling its ClientHello restarts every idle timer; the
    # handshake timeout bounds the whole handshake.
    conf = "[tls]\nhandshake_timeout = 1\n"
    with Loomd(config=conf, args=PAIR.args) as d:
        c = Conn(*tls_port(d), greeting=False)
        hello = b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\0" * 64
        gone = False
        for b in hello:
            try:
                c.send(bytes([b]))
            except OSError:
                gone = True
                break
            if c.closed(timeout=0.3):
                gone = True
                break
        assert gone or c.closed(timeout=20), "trickled handshake never ended"
        d.wait_log(r"closed reason=tls handshake timeout")


def test_stalled_starttls_handshake_is_bounded():
    conf = "[tls]\nhandshake_timeout = 1\n"
    with Loomd(config=conf, args=PAIR.args) as d:
        c = d.connect()
        c.expect(382, "STARTTLS")
        assert c.closed(timeout=20), "stalled STARTTLS handshake kept open"
        d.wait_log(r"closed reason=tls handshake timeout")


def test_tls_client_leaving_mid_handshake_is_freed_at_once():
    conf = "[server]\nmax_connections = 3\n"
    with Loomd(config=conf, args=PAIR.args) as d:
        silent = [Conn(*tls_port(d), greeting=False) for _ in range(3)]
        wait_count(d, r"session=\w+ connect ", 3)
        silent[0].send(b"\x16\x03\x01")      # half a record header
        for c in silent:
            c.close()
        # idle_timeout is 600 s: only noticing the close frees them.
        wait_count(d, r"session=\w+ closed ", 3)
        d.connect().expect(111, "DATE")


# -- refused connections ---------------------------------------------------------


SUMMARY_RE = (r"refused (\d+) more connections in the last \d+ s "
              r"\(max_connections reached: (\d+), max_connections_per_host "
              r"reached: (\d+), shutting down: (\d+)\)")


def test_refused_connections_do_not_flood_the_log():
    conf = "[server]\nmax_connections = 3\nmax_connections_per_host = 1\n"
    with Loomd(config=conf) as d:
        held = [d.connect(source="127.0.0.1"), d.connect(source="127.0.0.2")]
        for _ in range(10):
            c = Conn(d.host, d.port, source="127.0.0.1")
            assert c.greeting[0] == 400, c.greeting
            c.close()
        held.append(d.connect(source="127.0.0.3"))
        for _ in range(20):
            c = Conn(d.host, d.port, source="127.0.0.4")
            assert c.greeting[0] == 400, c.greeting
            c.close()
        for c in held:
            c.expect(111, "DATE")
        # The rest of the interval is summed up at the latest on exit.
        assert d.stop() == 0
        log = d.log_text()
        single = re.findall(r"refused connection from (\S+): (.*)", log)
        assert len(single) == 5, single
        for peer, why in single:
            assert peer.startswith("127.0.0.1:"), single
            assert why == "max_connections_per_host reached", single
        sums = [tuple(int(x) for x in m)
                for m in re.findall(SUMMARY_RE, log)]
        assert sums, "no summary line:\n" + harness.tail(log)
        total = [sum(s[i] for s in sums) for i in range(4)]
        # 30 refused: 5 logged alone (per host, the first ones), 25 summed.
        assert total == [25, 20, 5, 0], (total, sums)


if __name__ == "__main__":
    try:
        harness.main(globals())
    finally:
        PAIR.remove()
