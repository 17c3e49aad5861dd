#!/usr/bin/env python3
"""AUTHINFO USER/PASS (RFC 4643): every reply code, TLS first, the failed
login limit, and passwords or hashes never in the log."""
import os
import sys
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Loomd  # noqa: E402

warnings.simplefilter("ignore", DeprecationWarning)
import nntplib  # noqa: E402

PLAIN = "[auth]\nallow_plaintext = yes\n"
PASSWORD = "correct horse battery staple"

PAIR = harness.TLSPair()


def add_user(d, name, password=PASSWORD):
    p = d.ctl("user", "add", name, input=password + "\n")
    assert p.returncode == 0, p.stderr


def caps(c):
    return c.expect_multi(101, "CAPABILITIES")[1]


def login(c, name, password=PASSWORD):
    c.expect(381, "AUTHINFO USER " + name)
    return c.cmd("AUTHINFO PASS " + password)


def no_secrets_in_log(d, *secrets):
    log = d.log_text()
    assert "$scrypt$" not in log, "a password hash reached the log"
    for s in secrets:
        assert s not in log, "a password reached the log"


def test_login_and_reply_codes():
    with Loomd(config=PLAIN) as d:
        add_user(d, "alice")
        c = d.connect()
        assert "AUTHINFO USER" in caps(c)
        # 482: PASS before USER.
        c.expect(482, "AUTHINFO PASS " + PASSWORD)
        # 503: mechanisms Loom does not offer.
        c.expect(503, "AUTHINFO SASL PLAIN")
        c.expect(503, "AUTHINFO GENERIC md5")
        # 481: wrong password, unknown user (same reply, same path).
        assert login(c, "alice", "wrong")[0] == 481
        assert login(c, "mallory", PASSWORD)[0] == 481
        # A failure does not leave USER pending: PASS alone is 482.
        c.expect(482, "AUTHINFO PASS " + PASSWORD)
        code, text = login(c, "alice")
        assert code == 281, (code, text)
        # RFC 4643 2.1: AUTHINFO is no longer advertised; 502 on reuse.
        assert not any(l.startswith("AUTHINFO") for l in caps(c))
        c.expect(502, "AUTHINFO USER alice")
        c.expect(502, "AUTHINFO PASS x")
        c.expect(211, "GROUP local.test")
        d.wait_log(r"login user=alice")
        d.wait_log(r"login failed user=mallory")
        no_secrets_in_log(d, PASSWORD, "wrong")


def test_nntplib_login():
    with Loomd(config=PLAIN) as d:
        add_user(d, "bob", "s3cret-pw")
        n = nntplib.NNTP("127.0.0.1", d.port, user="bob",
                         password="s3cret-pw", usenetrc=False)
        assert "AUTHINFO" not in n.getcapabilities()
        resp, count, first, last, name = n.group("local.test")
        assert name == "local.test"
        n.quit()
        with_bad = None
        try:
            nntplib.NNTP("127.0.0.1", d.port, user="bob", password="nope",
                         usenetrc=False)
        except nntplib.NNTPTemporaryError as e:
            with_bad = str(e)
        assert with_bad is not None and with_bad.startswith("481"), with_bad


def test_plaintext_refused_until_tls():
    with Loomd(args=PAIR.args) as d:
        add_user(d, "carol")
        c = d.connect()
        # Bare AUTHINFO: the extension exists, USER is not usable yet.
        assert "AUTHINFO" in caps(c)
        assert "AUTHINFO USER" not in caps(c)
        code, text = c.cmd("AUTHINFO USER carol")
        assert code == 483 and "STARTTLS" in text, (code, text)
        c.expect(483, "AUTHINFO PASS " + PASSWORD)
        # nntplib: STARTTLS, then login, then STARTTLS is refused.
        ctx = PAIR.client_context()
        n = nntplib.NNTP("127.0.0.1", d.port)
        n.starttls(ctx)
        assert "USER" in n.getcapabilities().get("AUTHINFO", [])
        n.login("carol", PASSWORD, usenetrc=False)
        assert "AUTHINFO" not in n.getcapabilities()
        n.quit()
        # Implicit TLS: USER offered from the start.
        s = nntplib.NNTP_SSL("127.0.0.1", d.addrs[1][1], ssl_context=ctx)
        assert "USER" in s.getcapabilities().get("AUTHINFO", [])
        s.login("carol", PASSWORD, usenetrc=False)
        s.quit()
        no_secrets_in_log(d, PASSWORD)


def test_no_tls_configured_says_so():
    with Loomd() as d:
        c = d.connect()
        code, text = c.cmd("AUTHINFO USER anyone")
        assert code == 483 and "TLS port" in text, (code, text)


def test_failed_logins_limited_per_address():
    conf = PLAIN + "max_failures = 3\nfailure_window = 600\n"
    with Loomd(config=conf) as d:
        add_user(d, "dave")
        c = d.connect()
        for _ in range(3):
            assert login(c, "dave", "guess")[0] == 481
        # The limit: refused at USER already, the right password too.
        code, text = c.cmd("AUTHINFO USER dave")
        assert code == 481 and "Too many failed logins" in text, (code, text)
        other = d.connect()
        code, text = other.cmd("AUTHINFO USER dave")
        assert code == 481, (code, text)
        # Another address is not affected, and the server still serves
        # the limited one otherwise.
        good = d.connect(source="127.0.0.2")
        assert login(good, "dave")[0] == 281
        c.expect(211, "GROUP local.test")
        d.wait_log(r"login refused: too many failures from 127\.0\.0\.1")
        no_secrets_in_log(d, PASSWORD, "guess")


def parallel_logins(d, passwords, last=None):
    """One connection per password, every USER and PASS sent before any
    verdict is read: the guesses reach the server while earlier ones are
    still being checked.  `last` goes on one more connection once the
    server has read all the others (each answers its USER at once), as it
    reads ready connections in an order of its own.  Returns each
    connection's verdict, `last`'s at the end."""
    conns = [d.connect() for _ in passwords]
    for c, pw in zip(conns, passwords):
        c.send("AUTHINFO USER dave\r\nAUTHINFO PASS %s\r\n" % pw)
    first = {}
    if last is not None:
        first = {c: c.response(timeout=60) for c in conns}
        conns.append(d.connect())
        conns[-1].send("AUTHINFO USER dave\r\nAUTHINFO PASS %s\r\n" % last)
    codes = []
    for c in conns:
        # 381 then the verdict, or 481 at USER and 482 for the PASS.
        f = first[c] if c in first else c.response(timeout=60)
        assert f[0] in (381, 481), f
        v = c.response(timeout=60)
        codes.append(v[0] if f[0] == 381 else f[0])
        c.close()
    return codes


def test_parallel_guesses_checked_at_most_max_failures():
    conf = PLAIN + "max_failures = 5\nfailure_window = 600\n"
    with Loomd(config=conf) as d:
        add_user(d, "dave")
        codes = parallel_logins(d, ["guess%d" % i for i in range(40)])
        assert set(codes) == {481}, codes
        # Each check that ran logged its failure; the rest were refused
        # at once.
        checked = d.log_text().count("login failed user=dave")
        assert checked == 5, "%d of 40 parallel guesses were checked" % checked


def test_right_password_after_parallel_wrong_ones_is_refused():
    conf = PLAIN + "max_failures = 5\nfailure_window = 600\n"
    with Loomd(config=conf) as d:
        add_user(d, "dave")
        codes = parallel_logins(d, ["guess%d" % i for i in range(19)],
                                last=PASSWORD)
        assert codes[-1] == 481, codes
        assert "login user=dave" not in d.log_text()
        # The password was right: another address logs in with it.
        assert login(d.connect(source="127.0.0.2"), "dave")[0] == 281


def test_right_login_is_not_counted_as_a_failure():
    # Every guess is counted while it is checked; a right one is taken
    # back, so it does not use up the address's failures.
    conf = PLAIN + "max_failures = 2\nfailure_window = 600\n"
    with Loomd(config=conf) as d:
        add_user(d, "dave")
        assert login(d.connect(), "dave", "guess1")[0] == 481
        assert login(d.connect(), "dave")[0] == 281
        assert login(d.connect(), "dave", "guess2")[0] == 481
        assert d.log_text().count("login failed user=dave") == 2
        code, text = d.connect().cmd("AUTHINFO USER dave")
        assert code == 481 and "Too many failed logins" in text, (code, text)


def test_user_removed_cannot_log_in():
    with Loomd(config=PLAIN) as d:
        add_user(d, "erin")
        c = d.connect()
        assert login(c, "erin")[0] == 281
        p = d.ctl("user", "del", "erin")
        assert p.returncode == 0, p.stderr
        c2 = d.connect()
        assert login(c2, "erin")[0] == 481
        # A changed password applies to the next login.
        add_user(d, "erin", "new-password")
        assert login(d.connect(), "erin")[0] == 481
        assert login(d.connect(), "erin", "new-password")[0] == 281


def test_client_vanishing_during_check():
    """The session closes while its password is being hashed: the check
    is cancelled, the server goes on (ASan sees no leak or use after
    free)."""
    with Loomd(config=PLAIN) as d:
        add_user(d, "frank")
        for _ in range(5):
            c = d.connect()
            c.expect(381, "AUTHINFO USER frank")
            c.send("AUTHINFO PASS %s\r\n" % PASSWORD)
            c.close()
        # End of input does not cancel what was asked (a half-closed
        # client is still owed its answer): each guess counts until its
        # check is done, so wait for the five before logging in again.
        deadline = time.time() + 60
        while d.log_text().count("login user=frank") < 5:
            assert time.time() < deadline, "checks did not finish"
            time.sleep(0.05)
        c = d.connect()
        assert login(c, "frank")[0] == 281


def test_no_password_in_debug_log_whatever_the_spelling():
    """log_level = debug logs every command line; no spelling of AUTHINFO
    a client could send (case, leading blanks, tabs, unknown keywords,
    pipelined, over TLS) gets its argument into the log."""
    conf = ("[server]\nlog_level = debug\n" + PLAIN +
            "max_failures = 0\n")
    with Loomd(config=conf, args=PAIR.args) as d:
        add_user(d, "alice")
        secrets = []

        def spell(c, line_fmt, want=None):
            pw = "pw-%d-kept-out" % len(secrets)
            secrets.append(pw)
            c.expect(381, "AUTHINFO USER alice")
            code, text = c.cmd(line_fmt % pw)
            if want is not None:
                assert code == want, (line_fmt, code, text)

        c = d.connect()
        for fmt in ("AUTHINFO PASS %s", "authinfo pass %s",
                    " AUTHINFO PASS %s", "\tAUTHINFO PASS %s",
                    "AUTHINFO\tPASS\t%s", " \t AuThInFo   PaSs   %s  x",
                    "AUTHINFO PASSWORD %s", "AUTHINFO %s",
                    "AUTHINFO SASL PLAIN %s", "AUTHINFO GENERIC md5 %s"):
            spell(c, fmt)
        # Pipelined between other commands, all in one segment.
        pw = "pw-pipelined-kept-out"
        secrets.append(pw)
        c.send("DATE\r\nAUTHINFO USER alice\r\n AUTHINFO PASS %s\r\n"
               "DATE\r\n" % pw)
        assert [c.response()[0] for _ in range(4)] == [111, 381, 481, 111]
        # Over TLS: after STARTTLS, and on the implicit-TLS port, where
        # the right password with a leading blank logs in.
        t = d.connect()
        t.expect(382, "STARTTLS")
        t.sock = PAIR.client_context().wrap_socket(
            t.sock, server_hostname="localhost")
        spell(t, " AUTHINFO PASS %s", 481)
        i = d.connect(addr=d.addrs[1], greeting=False)
        i.sock = PAIR.client_context().wrap_socket(
            i.sock, server_hostname="localhost")
        i.greeting = i.response()
        spell(i, "\tauthinfo pass %s", 481)
        i.expect(381, "AUTHINFO USER alice")
        code, text = i.cmd(" AUTHINFO PASS " + PASSWORD)
        assert code == 281, (code, text)
        c.expect(205, "QUIT")
        d.wait_log(r"closed reason=quit")
        no_secrets_in_log(d, PASSWORD, *secrets)
        log = d.log_text()
        # The lines were logged, without their arguments.
        assert 'line=" AUTHINFO PASS" (arguments not logged)' in log, log
        assert 'line="\tauthinfo pass" (arguments not logged)' in log, log
        assert 'line="AUTHINFO" (arguments not logged)' in log, log
        assert 'line="DATE"' in log, log


if __name__ == "__main__":
    try:
        harness.main(globals())
    finally:
        PAIR.remove()
