#!/usr/bin/env python3
"""
Foundation integration tests: start-up, the session basics of RFC 3977
(greeting, CAPABILITIES, MODE READER, DATE, HELP, QUIT, 500/501), line
limits and hostile input, idle timeout, signals, the config file and
loomctl's group commands.
"""

import datetime
import os
import re
import select
import socket
import sys
import tempfile
import shutil
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Loomd, Conn, loomctl, groups, run_loomd, have_ipv6, skip  # noqa: E402

DEFAULT_GROUPS = ("local.general", "local.test")


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def capabilities(c):
    text = c.expect(101, "CAPABILITIES")
    return c.multiline()


def cap_labels(lines):
    return [l.split()[0].upper() for l in lines if l.split()]


# ---------------------------------------------------------------- start-up


def test_start_without_config_creates_default_groups():
    with Loomd() as d:
        assert d.config_path is None
        c = d.connect()
        assert c.greeting[0] == 200, "greeting %r" % (c.greeting,)
        g = groups(d.data)          # while loomd runs on the same data
        for name in DEFAULT_GROUPS:
            assert name in g, "%s missing from loomctl groups: %r" % (name, sorted(g))
            assert g[name]["count"] >= 0 and g[name]["low"] >= 0 and g[name]["high"] >= 0, g[name]
        rc = d.stop()
        assert rc == 0, "loomd exited %s on SIGTERM" % rc
        g2 = groups(d.data)         # and after it stopped
        assert set(DEFAULT_GROUPS) <= set(g2), sorted(g2)
        # A second start on the same data keeps the groups, once each.
        d.start()
        g3 = groups(d.data)
        assert set(DEFAULT_GROUPS) <= set(g3), sorted(g3)
        assert len(loomctl(d.data, "groups").stdout.splitlines()) == len(g2)


def test_listen_twice_ipv4():
    with Loomd(listen=["127.0.0.1:0", "127.0.0.1:0"]) as d:
        assert len(d.addrs) == 2, "listening lines: %r" % d.addrs
        assert d.addrs[0][1] != d.addrs[1][1], d.addrs
        for addr in d.addrs:
            c = d.connect(addr)
            assert c.greeting[0] == 200, (addr, c.greeting)
            c.expect(111, "DATE")


def test_listen_ipv4_and_ipv6():
    if not have_ipv6():
        skip("::1 is not available")
    with Loomd(listen=["127.0.0.1:0", "[::1]:0"]) as d:
        hosts = sorted(h for h, p in d.addrs)
        assert hosts == ["127.0.0.1", "::1"], "listening on %r" % d.addrs
        for addr in d.addrs:
            c = d.connect(addr)
            assert c.greeting[0] == 200, (addr, c.greeting)
            c.expect(111, "DATE")
            c.expect(205, "QUIT")


# ---------------------------------------------------------------- basics


def test_greeting_posting_allowed():
    with Loomd() as d:
        c = d.connect()
        code, text = c.greeting
        assert code == 200, "greeting %d %s" % (code, text)


def test_capabilities():
    with Loomd() as d:
        c = d.connect()
        lines = capabilities(c)
        assert lines, "empty capability list"
        assert lines[0] == "VERSION 2", "first capability line %r" % lines[0]
        labels = cap_labels(lines)
        assert len(labels) == len(set(labels)), "duplicate labels: %r" % lines
        for l in lines:
            assert re.match(r"^[A-Za-z][A-Za-z0-9.\-]{2,}( |$)", l), "bad capability line %r" % l
        assert "READER" in labels, lines
        impl = [l for l in lines if l.upper().startswith("IMPLEMENTATION")]
        assert impl and re.match(r"^IMPLEMENTATION Loom\b", impl[0]), "IMPLEMENTATION: %r" % impl
        assert "MODE-READER" not in labels, "a mixed server must not list MODE-READER: %r" % lines
        assert "STARTTLS" not in labels, "STARTTLS listed without TLS configured: %r" % lines
        # Case-insensitive verb, same answer; the session is still fine.
        c.expect(101, "capabilities")
        assert c.multiline() == lines
        c.expect(111, "DATE")


def test_mode_reader():
    with Loomd() as d:
        c = d.connect()
        c.expect(200, "MODE READER")
        c.expect(200, "mode reader")
        # Capabilities after MODE READER: still version 2 and READER.
        lines = capabilities(c)
        assert lines[0] == "VERSION 2" and "READER" in cap_labels(lines), lines
        c.expect(111, "DATE")


def test_date():
    with Loomd() as d:
        c = d.connect()
        before = utcnow()
        text = c.expect(111, "DATE")
        after = utcnow()
        assert re.fullmatch(r"\d{14}", text), "DATE text %r is not yyyymmddhhmmss" % text
        t = datetime.datetime.strptime(text, "%Y%m%d%H%M%S").replace(
            tzinfo=datetime.timezone.utc)
        slack = datetime.timedelta(seconds=5)
        assert before - slack <= t <= after + slack, \
            "DATE %s is not the current UTC time (%s .. %s)" % (text, before, after)


def test_help():
    with Loomd() as d:
        c = d.connect()
        text, lines = c.expect_multi(100, "HELP")
        words = set(w.upper() for l in lines for w in re.split(r"[\s,;|\[\]]+", l) if w)
        for verb in ("CAPABILITIES", "DATE", "HELP", "MODE", "QUIT"):
            assert verb in words, "HELP does not list %s: %r" % (verb, lines)
        c.expect(111, "DATE")     # the block was terminated where we think
        c.expect(100, "help")
        c.multiline()


def test_quit():
    with Loomd() as d:
        c = d.connect()
        c.expect(205, "QUIT")
        assert c.closed(5), "connection still open after 205"
        assert c.pending_lines() == [], "data after 205: %r" % c.pending_lines()
        c2 = d.connect()
        c2.expect(205, "qUiT")
        assert c2.closed(5), "connection still open after qUiT/205"


def test_unknown_verbs_500():
    with Loomd() as d:
        c = d.connect()
        for line in ("FROBNICATE", "CAPA", "DAT", "DATEX", "HEL", "QUI",
                     "XYZZY a b c", "MODEREADER"):
            code, text = c.cmd(line)
            assert code == 500, "%r -> %d %s, want 500" % (line, code, text)
        c.expect(111, "DATE")


def test_case_insensitive_verbs():
    with Loomd() as d:
        c = d.connect()
        c.expect(111, "date")
        c.expect(111, "DaTe")
        c.expect(100, "hElP")
        c.multiline()
        c.expect(200, "Mode Reader")
        c.expect(101, "CaPaBiLiTiEs")
        c.multiline()


def test_wrong_arguments_501():
    with Loomd() as d:
        c = d.connect()
        for line in ("DATE x", "MODE FOO", "MODE", "QUIT now", "GROUP",
                     "HELP me", "MODE READER extra", "DATE 1 2 3"):
            code, text = c.cmd(line)
            assert code == 501, "%r -> %d %s, want 501" % (line, code, text)
        # QUIT with an argument must not have ended the session.
        c.expect(111, "DATE")


def test_tab_separates_arguments():
    # RFC 3977 3.1: words are separated by one or more SPACE or TAB.
    with Loomd() as d:
        c = d.connect()
        c.expect(200, "MODE\tREADER")
        c.expect(200, "MODE  \t READER")
        c.expect(501, "DATE\tx")


# ---------------------------------------------------------- line limits


def line_of(total):
    """An unknown command line of exactly `total` octets with its CRLF,
    made of a verb and two arguments each within 497 octets."""
    body = total - 2
    verb = "XYZZY "
    a = "a" * 250
    b = "b" * (body - len(verb) - len(a) - 1)
    s = verb + a + " " + b
    assert len(s) + 2 == total
    return s + "\r\n"


def test_line_length_boundary():
    # 512 octets with CRLF is allowed: an unknown verb gets 500.  513 is too
    # long: 501 (RFC 3977 3.1, 3.2.1).
    with Loomd() as d:
        c = d.connect()
        code, text = c.cmd(line_of(512))
        assert code == 500, "512-octet unknown command -> %d %s, want 500" % (code, text)
        code, text = c.cmd(line_of(513))
        assert code == 501, "513-octet command line -> %d %s, want 501" % (code, text)
        c.expect(111, "DATE")


def test_long_line_600():
    with Loomd() as d:
        c = d.connect()
        code, text = c.cmd("A" * 600)
        assert code == 501, "600-octet line -> %d %s" % (code, text)
        c.expect(111, "DATE")
        # A valid verb with an over-long argument is too long as well.
        code, text = c.cmd("DATE " + "x" * 600)
        assert code == 501, "DATE + 600 octets -> %d %s" % (code, text)
        c.expect(111, "DATE")


def test_long_line_100k():
    with Loomd() as d:
        c = d.connect()
        c.send(b"B" * (100 * 1024) + b"\r\nDATE\r\n")
        code, text = c.response()
        assert code == 501, "100 KiB line -> %d %s" % (code, text)
        code, text = c.response()
        assert code == 111, "after one 501 for the long line, want 111 for DATE, got %d %s" % (code, text)
        c.expect(111, "DATE")
        c.expect(100, "HELP")
        c.multiline()


def test_nul_byte():
    with Loomd() as d:
        c = d.connect()
        for line in (b"DATE\x00\r\n", b"\x00\r\n", b"HE\x00LP\r\n", b"MODE READER\x00x\r\n"):
            c.send(line)
            code, text = c.response()
            assert code == 501, "%r -> %d %s, want 501" % (line, code, text)
        c.expect(111, "DATE")


def test_endless_garbage_closes_only_that_client():
    with Loomd() as d:
        bad = d.connect()
        good = d.connect()
        chunk = bytes(range(0x21, 0x7f)) * 700          # no CR, no LF
        total = 2 * 1024 * 1024
        sent = 0
        stopped = None
        bad.sock.setblocking(False)
        next_probe = 256 * 1024
        for _ in range(10000):                           # bounded
            if sent >= total:
                break
            _, w, _ = select.select([], [bad.sock], [], 5.0)
            if not w:
                stopped = "socket not writable for 5 s after %d octets" % sent
                break
            try:
                n = bad.sock.send(chunk)
            except (BrokenPipeError, ConnectionResetError) as e:
                stopped = "%s after %d octets" % (type(e).__name__, sent)
                break
            except BlockingIOError:
                continue
            sent += n
            if sent >= next_probe:
                next_probe += 256 * 1024
                good.expect(111, "DATE")    # served while the flood goes on
        harness.diag("garbage: sent %d octets; %s" % (sent, stopped or "all sent"))
        good.expect(111, "DATE")
        bad.sock.setblocking(True)
        assert bad.closed(15), \
            "server kept the connection open after %d octets without a line end" % sent
        got = bad.pending_lines()
        assert all(l.startswith("400") for l in got), \
            "before closing, server sent %r (only a 400 is allowed)" % got[:5]
        good.expect(111, "DATE")
        c3 = d.connect()
        c3.expect(111, "DATE")


def test_many_bad_lines():
    with Loomd() as d:
        bad = d.connect()
        good = d.connect()
        n = 1000
        bad.send(b"\x01\x02garbage\r\n" * n)
        codes = []
        closed = False
        for _ in range(n):
            try:
                code, text = bad.response(timeout=10)
            except harness.ConnectionClosed:
                closed = True
                break
            codes.append(code)
            if code == 400:
                closed = bad.closed(10)
                assert closed, "400 sent but connection kept open"
                break
        assert codes, "no reply at all to a bad line"
        assert codes[0] in (500, 501), "first bad line -> %d" % codes[0]
        before = codes[:-1] if codes[-1] == 400 else codes
        odd = [c for c in before if c not in (500, 501)]
        assert not odd, "bad lines got %r" % sorted(set(odd))
        if closed:
            assert codes[-1] == 400, \
                "connection closed after %d replies without a 400 first" % len(codes)
            harness.diag("closed after %d bad lines" % (len(codes) - 1))
        else:
            assert len(codes) == n, len(codes)
            bad.expect(111, "DATE")
        good.expect(111, "DATE")
        d.connect().expect(111, "DATE")


def test_pipelining():
    with Loomd() as d:
        c = d.connect()
        c.send("DATE\r\nHELP\r\nDATE\r\n")
        assert c.response()[0] == 111
        code, _ = c.response()
        assert code == 100, "second reply %d, want 100" % code
        c.multiline()
        assert c.response()[0] == 111
        # A longer pipeline, mixing replies of different kinds.
        c.send("DATE\r\n" * 50 + "CAPABILITIES\r\nFOO\r\nDATE x\r\nQUIT\r\n")
        for i in range(50):
            code, text = c.response()
            assert code == 111, "pipelined DATE %d -> %d %s" % (i, code, text)
        assert c.response()[0] == 101
        caps = c.multiline()
        assert caps[0] == "VERSION 2", caps[:1]
        assert c.response()[0] == 500
        assert c.response()[0] == 501
        assert c.response()[0] == 205
        assert c.closed(5)


def test_half_command_then_disconnect():
    with Loomd() as d:
        a = d.connect()
        a.send("DA")
        a.close()
        b = d.connect()
        b.send("HELP\r\nDATE")        # one whole command and a half one
        b.close()
        c = Conn(d.host, d.port, greeting=False)   # gone before the greeting
        c.close()
        e = d.connect()
        e.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        e.send("DATE\r\nHEL")
        e.close()                      # RST
        for _ in range(3):
            f = d.connect()
            f.expect(111, "DATE")
            f.expect(205, "QUIT")
        assert d.running()


def test_idle_timeout():
    with Loomd(config="[server]\nidle_timeout = 2\n") as d:
        idle = d.connect()
        busy = d.connect()
        # Activity keeps a session alive past the idle timeout.
        for _ in range(16):               # ~4 s, a command every 0.25 s
            busy.expect(111, "DATE")
            time.sleep(0.25)
        assert idle.closed(10), "idle client still connected (idle_timeout = 2)"
        got = idle.pending_lines()
        assert all(l.startswith("400") for l in got), \
            "idle client got %r before the close (only 400 allowed)" % got
        busy.expect(111, "DATE")
        t0 = time.monotonic()
        assert busy.closed(10), "client idle for 10 s still connected"
        harness.diag("idle close after %.1f s" % (time.monotonic() - t0))
        d.connect().expect(111, "DATE")


# ---------------------------------------------------------------- signals


def test_sighup_reloads_and_keeps_serving():
    with Loomd(config="[server]\nidle_timeout = 300\n") as d:
        a = d.connect()
        a.expect(111, "DATE")
        for i in range(2):
            off = d.log_size()
            d.sighup()
            d.wait_log(r"reload", since=off, timeout=10)
            assert d.running(), "loomd exited after SIGHUP"
            a.expect(111, "DATE")
            b = d.connect()
            assert b.greeting[0] == 200, b.greeting
            b.expect(111, "DATE")
            b.expect(205, "QUIT")
        assert d.running()


def test_sigterm_clean_exit_and_session_log():
    with Loomd() as d:
        idle = d.connect()
        idle.expect(111, "DATE")
        q = d.connect()
        q.expect(205, "QUIT")
        assert q.closed(5)
        r = d.connect()
        r.expect(111, "DATE")
        r.close()
        time.sleep(0.2)
        rc = d.stop()
        assert rc == 0, "exit status %s after SIGTERM, want 0" % rc
        assert idle.closed(5), "idle connection still open after loomd exited"
        got = idle.pending_lines()
        assert all(l.startswith("400") for l in got), "at shutdown the idle client got %r" % got
        log = d.log_text()
        assert re.search(r"shut\s*down|shutting|exiting", log, re.I), \
            "no shutdown line in log:\n" + harness.tail(log)
        closed = [l for l in log.splitlines() if re.search(r"\bclosed\b", l)]
        sess = [l for l in closed if "session=" in l]
        assert len(sess) == 3, "want one 'closed' session line per connection (3), got:\n%s" \
            % "\n".join(closed)
        for l in sess:
            assert re.search(r"\b\w+=\d+\b", l), "no counters in %r" % l


# ---------------------------------------------------------------- config file


def check_config(text):
    tmp = tempfile.mkdtemp(prefix="loomcfg-")
    try:
        path = os.path.join(tmp, "loom.conf")
        with open(path, "w") as f:
            f.write(text.replace("@TMP@", tmp))
        p = run_loomd("--check-config", "--config", path)
        return path, p
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


GOOD_CONFIG = """\
# a complete [server] section
; with both kinds of comment
[server]
listen = 127.0.0.1:1119
listen = [::1]:1119
data = @TMP@
pathhost = news.example.test
domain = example.test
log_level = debug
idle_timeout = 300
max_connections = 50
posting = yes
"""


def test_check_config_good():
    path, p = check_config(GOOD_CONFIG)
    assert p.returncode == 0, "good config rejected (%d): %s%s" % (p.returncode, p.stdout, p.stderr)
    path, p = check_config("")
    assert p.returncode == 0, "empty config rejected (%d): %s%s" % (p.returncode, p.stdout, p.stderr)
    path, p = check_config("[server]\nposting = no\nlog_level = warn\n")
    assert p.returncode == 0, p.stderr


def assert_config_error(text, lines):
    path, p = check_config(text)
    out = p.stdout + p.stderr
    assert p.returncode != 0, "bad config accepted:\n%s" % text
    assert path in out, "message does not name %s: %r" % (path, out)
    m = re.search(re.escape(path) + r":(\d+)", out) or re.search(r"line (\d+)", out)
    assert m, "no line number in %r" % out
    assert int(m.group(1)) in lines, "line %s, want %s: %r" % (m.group(1), lines, out)


def test_check_config_errors():
    assert_config_error("; comment\n[server]\nbogus = 1\n", (3,))
    assert_config_error("[server]\n\nidle_timeout = abc\n", (3,))
    assert_config_error("[server]\nidle_timeout = 5\n[nosuchsection]\nfoo = 1\n", (3, 4))
    assert_config_error("[server]\nlog_level = loud\n", (2,))
    assert_config_error("[server]\nposting = maybe\n", (2,))
    assert_config_error("[server]\nlisten = not-an-address\n", (2,))
    assert_config_error("[server]\nidle_timeout = -3\n", (2,))


def test_check_config_missing_file():
    tmp = tempfile.mkdtemp(prefix="loomcfg-")
    try:
        path = os.path.join(tmp, "nonexistent.conf")
        p = run_loomd("--check-config", "--config", path)
        assert p.returncode != 0, "missing config file accepted"
        assert path in p.stdout + p.stderr, p.stderr
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_bad_config_refuses_to_start():
    tmp = tempfile.mkdtemp(prefix="loomcfg-")
    try:
        path = os.path.join(tmp, "loom.conf")
        with open(path, "w") as f:
            f.write("[server]\nbogus = 1\n")
        p = run_loomd("--foreground", "--listen", "127.0.0.1:0",
                      "--data", tmp, "--config", path, timeout=20)
        assert p.returncode != 0, "loomd started with an unknown key"
        assert path in p.stdout + p.stderr, p.stderr
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_config_posting_no():
    with Loomd(config="[server]\nposting = no\n") as d:
        c = d.connect()
        assert c.greeting[0] == 201, "greeting %r with posting = no" % (c.greeting,)
        c.expect(201, "MODE READER")
        # RFC 3977 5.1.1/5.2: 201 means posting will not be allowed in this
        # session, so POST is not advertised, and POST itself gets 440.
        labels = cap_labels(capabilities(c))
        assert "POST" not in labels, "POST advertised with posting = no: %r" % labels
        c.expect(440, "POST")
        c.expect(111, "DATE")


def test_config_listen_from_file():
    with Loomd(config="[server]\nlisten = 127.0.0.1:0\n", listen=()) as d:
        assert len(d.addrs) == 1 and d.host == "127.0.0.1", d.addrs
        d.connect().expect(111, "DATE")


def test_config_max_connections():
    with Loomd(config="[server]\nmax_connections = 2\n") as d:
        a = d.connect()
        b = d.connect()
        a.expect(111, "DATE")
        b.expect(111, "DATE")
        # One too many: RFC 3977 5.1.1, 400 and the server closes.
        c = d.connect(greeting=False)
        code, text = c.response()
        assert code == 400, "third connection with max_connections = 2: %d %s" % (code, text)
        assert c.closed(5), "refused connection left open"
        a.expect(111, "DATE")
        # A freed slot is usable again.
        b.expect(205, "QUIT")
        assert b.closed(5)
        e = None
        for _ in range(50):             # the server notices b's close soon
            e = d.connect(greeting=False)
            code, text = e.response()
            if code == 200:
                break
            assert code == 400, (code, text)
            time.sleep(0.1)
        assert code == 200, "no slot after a client quit: %d %s" % (code, text)
        e.expect(111, "DATE")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def test_command_line_overrides_file():
    port = free_port()
    conf = "[server]\nlisten = 127.0.0.1:%d\ndata = @TMP@/filedata\n" % port
    with Loomd(config=conf) as d:
        assert all(p != port for h, p in d.addrs), \
            "file's listen used although --listen was given: %r" % d.addrs
        try:
            Conn("127.0.0.1", port, timeout=3).close()
            raise AssertionError("something listens on the file's port %d" % port)
        except (ConnectionRefusedError, socket.timeout):
            pass
        g = groups(d.data)
        assert set(DEFAULT_GROUPS) <= set(g), sorted(g)
        filedata = os.path.join(d.tmp, "filedata")
        assert not os.path.exists(filedata) or not os.listdir(filedata), \
            "file's data dir used although --data was given: %r" % os.listdir(filedata)
    # Without --data the file's data directory is used.
    with Loomd(config="[server]\ndata = @TMP@/filedata\n", data_arg=False) as d:
        filedata = os.path.join(d.tmp, "filedata")
        assert os.path.isdir(filedata) and os.listdir(filedata), "file's data dir unused"
        g = groups(filedata)
        assert set(DEFAULT_GROUPS) <= set(g), sorted(g)
        d.connect().expect(111, "DATE")


# ---------------------------------------------------------------- loomctl


def test_loomctl_version():
    p = loomctl(None, "version")
    assert p.returncode == 0, "loomctl version exited %d: %s" % (p.returncode, p.stderr)
    assert re.search(r"[Ll]oom", p.stdout) and re.search(r"\d+\.\d+", p.stdout), \
        "version output %r" % p.stdout


def test_loomctl_newgroup_and_groups():
    with Loomd() as d:
        p = d.ctl("newgroup", "local.foo", "Foo", "discussion", "here")
        assert p.returncode == 0, "newgroup while running: %d %s" % (p.returncode, p.stderr)
        g = groups(d.data)
        assert "local.foo" in g, sorted(g)
        assert g["local.foo"]["description"] == "Foo discussion here", g["local.foo"]
        assert g["local.foo"]["status"] == "y", g["local.foo"]
        assert g["local.foo"]["count"] == 0, g["local.foo"]
        assert d.running()
        d.connect().expect(111, "DATE")
        rc = d.stop()
        assert rc == 0, rc
        # While stopped.
        p = d.ctl("newgroup", "local.bar")
        assert p.returncode == 0, "newgroup while stopped: %d %s" % (p.returncode, p.stderr)
        g = groups(d.data)
        assert {"local.foo", "local.bar"} <= set(g), sorted(g)
        d.start()
        g = groups(d.data)
        assert {"local.foo", "local.bar"} | set(DEFAULT_GROUPS) <= set(g), sorted(g)
        d.connect().expect(111, "DATE")


def test_loomctl_newgroup_existing_fails():
    with Loomd() as d:
        p = d.ctl("newgroup", "local.dup", "first")
        assert p.returncode == 0, p.stderr
        before = loomctl(d.data, "groups").stdout
        p = d.ctl("newgroup", "local.dup", "second")
        assert p.returncode != 0, "newgroup of an existing group succeeded"
        assert (p.stderr + p.stdout).strip(), "no message for an existing group"
        p = d.ctl("newgroup", "local.general")
        assert p.returncode != 0, "newgroup of a default group succeeded"
        assert loomctl(d.data, "groups").stdout == before, "groups changed"
        assert groups(d.data)["local.dup"]["description"] == "first"


def test_loomctl_newgroup_invalid_names():
    with Loomd() as d:
        before = loomctl(d.data, "groups").stdout
        for name in ("bad name", "*", "", "comp.lang.*", "a,b", "a?b", "x[y]",
                     "tab\tname", "bang!", "back\\slash", "new\nline"):
            p = d.ctl("newgroup", name)
            assert p.returncode != 0, "newgroup %r succeeded" % name
            assert (p.stderr + p.stdout).strip(), "no message refusing %r" % name
        assert loomctl(d.data, "groups").stdout == before, "groups changed"


def test_loomctl_newgroup_refuses_what_post_refuses():
    # One syntax for group names: what loomctl creates, POST can name.
    with Loomd() as d:
        before = loomctl(d.data, "groups").stdout
        for name in ("comp.caf\u00e9", "a..b", ".a", "a.", "a/b", "a:b",
                     "a..b/c"):
            p = d.ctl("newgroup", name)
            assert p.returncode != 0, "newgroup %r succeeded" % name
            assert "bad group name" in p.stderr, \
                "no message refusing %r: %s" % (name, p.stderr)
        assert loomctl(d.data, "groups").stdout == before, "groups changed"
        p = d.ctl("newgroup", "comp.lang.c++")
        assert p.returncode == 0, "newgroup comp.lang.c++: %s" % p.stderr


if __name__ == "__main__":
    harness.main(globals())
