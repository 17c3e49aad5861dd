#!/usr/bin/env python3
"""TLS: STARTTLS (RFC 4642) and implicit TLS, with real clients."""
import os
import socket
import ssl
import subprocess
import sys
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Loomd  # noqa: E402

warnings.simplefilter("ignore", DeprecationWarning)
import nntplib  # noqa: E402

PAIR = harness.TLSPair()
CERT, KEY, TLS_ARGS = PAIR.cert, PAIR.key, PAIR.args


def client_ctx():
    return ssl.create_default_context(cafile=CERT)


def tls_port(d):
    """The implicit-TLS port: the second address loomd listens on."""
    assert len(d.addrs) == 2, d.addrs
    return d.addrs[1][1]


def caps(c):
    return c.expect_multi(101, "CAPABILITIES")[1]


def test_starttls_with_nntplib():
    with Loomd(args=TLS_ARGS) as d:
        n = nntplib.NNTP("127.0.0.1", d.port)
        assert "STARTTLS" in n.getcapabilities()
        n.starttls(client_ctx())
        # RFC 4642 2.2.2: not offered once active.
        assert "STARTTLS" not in n.getcapabilities()
        resp, count, first, last, name = n.group("local.test")
        assert name == "local.test"
        assert n.quit().startswith("205")


def test_implicit_tls_with_nntplib():
    with Loomd(args=TLS_ARGS) as d:
        n = nntplib.NNTP_SSL("127.0.0.1", tls_port(d),
                             ssl_context=client_ctx())
        assert n.getwelcome().startswith("200")
        assert "STARTTLS" not in n.getcapabilities()
        assert n.quit().startswith("205")


def test_starttls_codes_and_plaintext_discarded():
    with Loomd(args=TLS_ARGS) as d:
        s = socket.create_connection(("127.0.0.1", d.port), timeout=10)
        f = s.makefile("rb")
        assert f.readline().startswith(b"200")
        s.sendall(b"STARTTLS extra\r\n")
        assert f.readline().startswith(b"501")
        # A command sent in the clear after STARTTLS must not run.
        s.sendall(b"STARTTLS\r\nDATE\r\n")
        assert f.readline().startswith(b"382")
        t = client_ctx().wrap_socket(s, server_hostname="localhost")
        tf = t.makefile("rb")
        t.sendall(b"STARTTLS\r\n")
        line = tf.readline()
        assert line.startswith(b"502"), line
        t.sendall(b"DATE\r\n")
        assert tf.readline().startswith(b"111")
        t.close()


def test_starttls_unconfigured_is_580():
    with Loomd() as d:
        c = d.connect()
        assert "STARTTLS" not in caps(c)
        c.expect(580, "STARTTLS")
        c.expect(111, "DATE")


def test_plaintext_client_on_tls_port_is_dropped():
    with Loomd(args=TLS_ARGS) as d:
        s = socket.create_connection(("127.0.0.1", tls_port(d)), timeout=10)
        s.sendall(b"DATE\r\n")
        try:
            data = s.recv(100)
        except ConnectionResetError:
            data = b""
        assert not data.startswith(b"111"), data
        # The server goes on serving others.
        d.connect().expect(111, "DATE")
        assert "tls error" in d.log_text()


def test_certificate_mismatch_refused_by_client():
    with Loomd(args=TLS_ARGS) as d:
        raw = socket.create_connection(("127.0.0.1", tls_port(d)),
                                       timeout=10)
        try:
            client_ctx().wrap_socket(raw, server_hostname="wrong.example")
            raise AssertionError("handshake with the wrong name succeeded")
        except ssl.SSLCertVerificationError:
            pass
        d.connect().expect(111, "DATE")


def test_openssl_s_client_and_versions():
    with Loomd(args=TLS_ARGS) as d:
        p = subprocess.run(["openssl", "s_client", "-connect",
                            "127.0.0.1:%d" % tls_port(d), "-CAfile", CERT,
                            "-verify_return_error", "-quiet"],
                           input=b"DATE\r\nQUIT\r\n", capture_output=True,
                           timeout=20)
        out = p.stdout.decode(errors="replace")
        assert "200 " in out and "111 " in out and "205 " in out, out
        p = subprocess.run(["openssl", "s_client", "-connect",
                            "127.0.0.1:%d" % d.port, "-starttls", "nntp",
                            "-CAfile", CERT, "-verify_return_error",
                            "-quiet"], input=b"DATE\r\nQUIT\r\n",
                           capture_output=True, timeout=20)
        out = p.stdout.decode(errors="replace")
        assert "111 " in out and "205 " in out, (out, p.stderr[-300:])
        # TLS 1.1 and older are refused.
        p = subprocess.run(["openssl", "s_client", "-connect",
                            "127.0.0.1:%d" % tls_port(d), "-tls1_1"],
                           input=b"", capture_output=True, timeout=20)
        assert p.returncode != 0


def test_missing_key_refused_at_start():
    p = harness.run_loomd("--check-config", "--tls-cert", CERT)
    assert p.returncode != 0 and "key" in p.stderr, p.stderr


if __name__ == "__main__":
    try:
        harness.main(globals())
    finally:
        PAIR.remove()
