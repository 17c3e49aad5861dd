#!/usr/bin/env python3
"""
Reader accounts through loomctl: `user add`, `user passwd`, `user del`,
`user list`.  The password comes from standard input, one line, or from a
terminal (asked twice with echo off); `list` shows name, creation time and
flags, never the hash.  loomd does not check passwords yet: these tests
only look at what loomctl stores and shows, with and without a running
loomd on the same data.
"""

import datetime
import os
import pty
import re
import select
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Loomd, TestFailure, LOOMCTL, sanitizer_report, tail  # noqa: E402

LIST_RE = re.compile(r"^([!-~]+)\t(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)\t(\S+)$")


def users(d):
    """{name: (created datetime, flags)} from `loomctl user list`; fails on
    a malformed line."""
    p = d.ctl("user", "list")
    assert p.returncode == 0, "user list: %d %s" % (p.returncode, p.stderr)
    out = {}
    for line in p.stdout.splitlines():
        m = LIST_RE.match(line)
        assert m, "malformed user list line %r" % line
        when = datetime.datetime.strptime(m.group(2), "%Y-%m-%dT%H:%M:%SZ")
        out[m.group(1)] = (when.replace(tzinfo=datetime.timezone.utc), m.group(3))
    return out, p.stdout


def ok(p, what):
    assert p.returncode == 0, "%s: exit %d, stderr %r" % (what, p.returncode, p.stderr)
    return p


def refused(p, what, word=None):
    assert p.returncode != 0, "%s succeeded: %r" % (what, p.stdout)
    assert p.stderr.strip(), "%s failed without a message" % what
    if word:
        assert word in p.stderr.lower(), "%s: %r does not say %r" % (what, p.stderr, word)
    return p


def test_add_list_passwd_del():
    with Loomd(start=False) as d:
        before = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        ok(d.ctl("user", "add", "alice", input="Secret-1\n"), "add alice")
        ok(d.ctl("user", "add", "bob.b@example", input="hunter2\r\n"), "add bob")
        after = datetime.datetime.now(datetime.timezone.utc)
        u, _ = users(d)
        assert sorted(u) == ["alice", "bob.b@example"], sorted(u)
        for name, (created, flags) in u.items():
            assert before <= created <= after, (name, created, before, after)
            assert flags == "0", (name, flags)
        created = u["alice"][0]
        ok(d.ctl("user", "passwd", "alice", input="Another-2\n"), "passwd alice")
        u2, _ = users(d)
        assert u2["alice"][0] == created, "passwd changed the creation time"
        ok(d.ctl("user", "del", "alice"), "del alice")
        u3, _ = users(d)
        assert sorted(u3) == ["bob.b@example"], sorted(u3)
        ok(d.ctl("user", "del", "bob.b@example"), "del bob")
        p = ok(d.ctl("user", "list"), "list when empty")
        assert p.stdout == "", repr(p.stdout)


def test_list_never_shows_hash_or_password():
    pw = "pa55-word-nobody-guesses"
    with Loomd(start=False) as d:
        ok(d.ctl("user", "add", "carol", input=pw + "\n"), "add")
        ok(d.ctl("user", "passwd", "carol", input=pw + "x\n"), "passwd")
        p = ok(d.ctl("user", "list"), "list")
        for text in (p.stdout, p.stderr):
            assert "$scrypt$" not in text, text
            assert "scrypt" not in text, text
            assert pw not in text, text
        assert p.stdout.startswith("carol\t"), p.stdout
        # Nor do the other commands echo it.
        for args, inp in ((("user", "add", "dave"), pw + "\n"),
                          (("user", "passwd", "dave"), pw + "\n")):
            q = ok(d.ctl(*args, input=inp), " ".join(args))
            assert pw not in q.stdout + q.stderr, q.stdout + q.stderr
            assert "$scrypt$" not in q.stdout + q.stderr


def test_duplicate_add_and_missing_user_fail():
    with Loomd(start=False) as d:
        ok(d.ctl("user", "add", "erin", input="first\n"), "add")
        refused(d.ctl("user", "add", "erin", input="second\n"), "second add", "exists")
        refused(d.ctl("user", "del", "nobody"), "del of a missing user", "no user")
        refused(d.ctl("user", "passwd", "nobody", input="pw\n"),
                "passwd of a missing user", "no user")
        u, _ = users(d)
        assert sorted(u) == ["erin"], sorted(u)
        ok(d.ctl("user", "del", "erin"), "del")
        refused(d.ctl("user", "del", "erin"), "second del", "no user")


def test_unacceptable_passwords_refused():
    with Loomd(start=False) as d:
        for inp, why in (("", "empty stdin"), ("\n", "empty line"),
                         ("\r\n", "empty CRLF line"), ("a\rb\n", "CR inside"),
                         ("a\x00b\n", "NUL inside"), ("x" * 256 + "\n", "256 octets")):
            refused(d.ctl("user", "add", "frank", input=inp),
                        "add with %s" % why, "password")
        u, _ = users(d)
        assert u == {}, "a refused add left %r" % sorted(u)
        # passwd refuses the same way and keeps the old password's user.
        ok(d.ctl("user", "add", "frank", input="x" * 255 + "\n"), "255 octets")
        refused(d.ctl("user", "passwd", "frank", input="\n"), "empty passwd", "empty")
        u, _ = users(d)
        assert list(u) == ["frank"], sorted(u)


def test_bad_names_refused():
    with Loomd(start=False) as d:
        for name in ("", "a b", "a:b", "tab\there", "x" * 65, "caf\u00e9", "nl\n"):
            refused(d.ctl("user", "add", name, input="pw\n"), "add %r" % name, "name")
        ok(d.ctl("user", "add", "x" * 64, input="pw\n"), "64-octet name")
        ok(d.ctl("user", "add", "!#~", input="pw\n"), "punctuation name")
        u, _ = users(d)
        assert sorted(u) == ["!#~", "x" * 64], sorted(u)


def test_usage_errors():
    with Loomd(start=False) as d:
        for args in (("user",), ("user", "add"), ("user", "list", "x"),
                     ("user", "rename", "a"), ("user", "add", "a", "b")):
            p = d.ctl(*args, input="pw\n")
            assert p.returncode == 2, "%r: exit %d" % (args, p.returncode)
        u, _ = users(d)
        assert u == {}, sorted(u)


def test_user_added_while_running():
    with Loomd() as d:
        ok(d.ctl("user", "add", "grace", input="while-running\n"), "add while running")
        u, _ = users(d)
        assert "grace" in u, sorted(u)
        c = d.connect()
        c.expect(111, "DATE")       # the server is unaffected
        d.stop()
        u, _ = users(d)             # and it is in the store for good
        assert "grace" in u, sorted(u)


# ---------------------------------------------------------------- terminal

class Tty:
    """loomctl with a pseudo-terminal as standard input; stderr (the
    prompts) and stdout on pipes."""

    def __init__(self, data, *args):
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen([LOOMCTL, "--data", data] + list(args),
                                     stdin=slave, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        os.close(slave)
        self.err = b""
        self.echo = b""

    def wait_prompt(self, prompt, timeout=20.0):
        deadline = time.monotonic() + timeout
        while prompt not in self.err:
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None and not self._ready(0):
                raise TestFailure("no %r prompt; stderr %r" % (prompt, self.err))
            if self._ready(min(left, 0.5)):
                chunk = os.read(self.proc.stderr.fileno(), 4096)
                if not chunk:
                    raise TestFailure("stderr closed before %r; %r" % (prompt, self.err))
                self.err += chunk
        self.err = self.err.split(prompt, 1)[1]

    def _ready(self, timeout):
        r, _, _ = select.select([self.proc.stderr], [], [], timeout)
        return bool(r)

    def type(self, text):
        os.write(self.master, text)

    def finish(self, timeout=30):
        try:
            out, err = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.communicate()
            raise TestFailure("loomctl did not finish; stderr %r" % self.err)
        self.err += err
        # What the terminal showed: only echoes of our typing would be here.
        while True:
            r, _, _ = select.select([self.master], [], [], 0)
            if not r:
                break
            try:
                chunk = os.read(self.master, 4096)
            except OSError:
                break
            if not chunk:
                break
            self.echo += chunk
        os.close(self.master)
        text = self.err.decode("utf-8", "replace")
        rep = sanitizer_report(text)
        if rep:
            raise TestFailure("sanitizer report from loomctl: %s\n%s" % (rep, tail(text)))
        return self.proc.returncode, out.decode(), text


def test_terminal_prompts_twice_without_echo():
    with Loomd(start=False) as d:
        t = Tty(d.data, "user", "add", "heidi")
        t.wait_prompt(b"Password: ")
        t.type(b"tty-secret\n")
        t.wait_prompt(b"Again: ")
        t.type(b"tty-secret\n")
        rc, out, err = t.finish()
        assert rc == 0, "tty add: %d %r" % (rc, err)
        assert b"tty-secret" not in t.echo, "the password was echoed: %r" % t.echo
        u, _ = users(d)
        assert "heidi" in u, sorted(u)


def test_terminal_mismatch_refused():
    with Loomd(start=False) as d:
        t = Tty(d.data, "user", "add", "ivan")
        t.wait_prompt(b"Password: ")
        t.type(b"one-thing\n")
        t.wait_prompt(b"Again: ")
        t.type(b"another\n")
        rc, out, err = t.finish()
        assert rc != 0, "mismatched passwords accepted"
        assert "differ" in err, err
        assert b"one-thing" not in t.echo and b"another" not in t.echo, t.echo
        u, _ = users(d)
        assert u == {}, sorted(u)


if __name__ == "__main__":
    harness.main(globals())
