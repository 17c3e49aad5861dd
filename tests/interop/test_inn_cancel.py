#!/usr/bin/env python3
"""
Cancel-Lock between Loom and INN 2.7 (Debian's inn2, built with
libcanlock) on loopback, INN set to `docancels: require-auth` (it acts on
a cancel only when the target carries a Cancel-Lock and the cancel a
Cancel-Key matching it):

  1. Loom to INN: a post a logged-in user makes on Loom carries the
     Cancel-Lock Loom adds, and INN takes it; a forged cancel fed to INN
     (no key, a wrong key) leaves it there; the poster's cancel, posted
     on Loom (which adds the poster's Cancel-Key), fed to INN makes INN
     remove it.
  2. INN to Loom: an article with a Cancel-Lock made by Debian's canlock
     command reaches Loom through INN's feed (innxmit); a cancel with the
     matching Cancel-Key (canlock -k) injected into INN removes it there
     and, fed on, here; one with a wrong key removes it nowhere.

Every test SKIPs when inn2 or canlock is missing, or when not run as root
(INN runs as user news), and fails instead when CI is set.

    LOOMD=... LOOMCTL=... python3 tests/interop/test_inn_cancel.py [name...]
"""

import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))

import harness                               # noqa: E402
from harness import Loomd, TestFailure       # noqa: E402
import inn as innmod                         # noqa: E402
from inn import Inn                          # noqa: E402

LOOM = "loom.test"
INN = "inn.test"
ORIGIN = "origin.test"
WAIT = 30.0
PASSWORD = "interop-cancel-pw"
INN_CONF = {"docancels": "require-auth"}

_seq = [0]


def need_deps():
    innmod.need_inn()
    if shutil.which("canlock") is None:
        harness.missing_dependency("canlock (Debian package canlock; "
                                   "scripts/deps.sh installs it)")


def check(cond, msg):
    if not cond:
        raise TestFailure(msg)


def wait_until(pred, timeout=WAIT, step=0.2):
    deadline = time.monotonic() + harness.scaled(timeout)
    while True:
        v = pred()
        if v or time.monotonic() >= deadline:
            return v
        time.sleep(step)


def canlock(flag, msgid, secret):
    """Debian's canlock: -l a lock, -k a key for msgid from the secret
    on standard input."""
    p = subprocess.run([shutil.which("canlock"), flag, msgid],
                       input=secret.encode(), capture_output=True,
                       timeout=30)
    check(p.returncode == 0, "canlock %s: %r" % (flag, p.stderr))
    return p.stdout.decode().strip()


def new_msgid(tag):
    _seq[0] += 1
    return "<%s.%d.%d.%d@%s>" % (tag, os.getpid(), int(time.time() * 1000),
                                 _seq[0], ORIGIN)


def make(msgid, subject, headers=(), path=ORIGIN + "!not-for-mail",
         groups="local.test", body="A body.\n"):
    h = []
    if path is not None:
        h.append("Path: %s" % path)
    h += ["From: Interop Tester <tester@origin.test>",
          "Newsgroups: %s" % groups,
          "Subject: %s" % subject,
          "Message-ID: %s" % msgid,
          "Date: %s" % time.strftime("%a, %d %b %Y %H:%M:%S +0000",
                                     time.gmtime())]
    h += ["%s: %s" % kv for kv in headers]
    return ("\r\n".join(h) + "\r\n\r\n" + body.replace("\n", "\r\n")).encode()


def cancel_of(target, cmid, key=None, path=ORIGIN + "!not-for-mail"):
    h = [("Control", "cancel " + target)]
    if key is not None:
        h.append(("Cancel-Key", key))
    return make(cmid, "cmsg cancel " + target, headers=h, path=path,
                body="Cancelled.\n")


def header(art, name):
    """A field's value (unfolded) from an article in bytes, or None."""
    head = art.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace")
    head = re.sub(r"\r\n[ \t]+", " ", head)
    for l in head.split("\r\n"):
        if l.lower().startswith(name.lower() + ":"):
            return l.split(":", 1)[1].strip()
    return None


def loom_conf(peer_port=None):
    text = ("[server]\npathhost = %s\ndomain = %s\n"
            "[auth]\nallow_plaintext = yes\n"
            "[group local.test]\ndescription = Test\n" % (LOOM, LOOM))
    if peer_port is not None:
        text += ("[peer %s]\nhost = 127.0.0.1\nport = %d\n"
                 "groups = local.*\npathhost = %s\n"
                 % (INN, peer_port, INN))
    return text


def loom_stat(loom, msgid):
    c = loom.connect()
    try:
        code, _ = c.cmd("STAT " + msgid)
        return code
    finally:
        c.close()


def inn_stored(inn, msgid):
    """INN's history token says stored (not only remembered)."""
    return inn.history_has(msgid, stored=True)


def test_loom_post_and_owner_cancel_act_on_inn():
    need_deps()
    with Inn(pathhost=INN, groups=("local.test",), conf=INN_CONF) as inn, \
            Loomd(config=loom_conf(inn.port)) as loom:
        p = loom.ctl("user", "add", "alice", input=PASSWORD + "\n")
        check(p.returncode == 0, "loomctl user add: %s" % p.stderr)
        c = loom.connect()
        c.expect(381, "AUTHINFO USER alice")
        c.expect(281, "AUTHINFO PASS " + PASSWORD)
        target = new_msgid("lpost")
        code, text = c.post(make(target, "to be cancelled", path=None))
        check(code == 240, "Loom POST: %d %s" % (code, text))
        check(wait_until(lambda: inn_stored(inn, target)),
              "INN never stored %s\nLoom log:\n%s"
              % (target, harness.tail(loom.log_text())))
        got = inn.article(target)
        check(got is not None, "INN's nnrpd lacks %s" % target)
        lock = header(got, "Cancel-Lock")
        # The server's lock and the poster's: two sha256 c-locks.
        check(lock is not None and len(re.findall(r"sha256:\S+", lock)) == 2,
              "INN's copy: Cancel-Lock %r" % lock)

        # Forged cancels, straight into INN: none acts.
        for key in (None, canlock("-k", target, "not loom's secret")):
            cmid = new_msgid("forged")
            code, text = inn.ihave(cmid, cancel_of(target, cmid, key))
            check(code == 235, "IHAVE forged cancel to INN: %d %s"
                  % (code, text))
        check(inn.article(target) is not None,
              "a forged cancel removed %s from INN" % target)

        # alice's own cancel, posted on Loom: Loom adds her key, INN
        # verifies it against the lock Loom made.
        cmid = new_msgid("lcancel")
        code, text = c.post(cancel_of(target, cmid, path=None))
        check(code == 240, "Loom POST cancel: %d %s" % (code, text))
        c.expect(430, "STAT " + target)
        c.close()
        loom.wait_log(r"withdraws %s: by its poster" % re.escape(target))
        check(wait_until(lambda: inn_stored(inn, cmid)),
              "INN never got the cancel %s" % cmid)
        check(wait_until(lambda: inn.article(target) is None),
              "INN kept %s after its poster's cancel\ninnd:\n%s"
              % (target, inn.log_text()[-2000:]))


def test_inn_cancel_with_matching_key_acts_on_loom():
    need_deps()
    with Loomd(config=loom_conf()) as loom, \
            Inn(pathhost=INN, groups=("local.test",), conf=INN_CONF,
                feeds={LOOM: ("127.0.0.1", loom.port, "local.*")}) as inn:
        secret = "the poster's own secret"
        kept, gone = new_msgid("ikept"), new_msgid("igone")
        for m in (kept, gone):
            code, text = inn.ihave(m, make(m, "locked on INN", headers=[
                ("Cancel-Lock", canlock("-l", m, secret))]))
            check(code == 235, "IHAVE %s to INN: %d %s" % (m, code, text))
        r = inn.innxmit("127.0.0.1", loom.port, site=LOOM)
        check(r.returncode == 0, "innxmit: %s" % (r.stdout + r.stderr))
        for m in (kept, gone):
            check(loom_stat(loom, m) == 223, "Loom lacks %s" % m)

        # A wrong key: INN does not act, Loom (fed the cancel) neither.
        wrong = new_msgid("iwrong")
        code, text = inn.ihave(wrong, cancel_of(
            kept, wrong, canlock("-k", kept, "someone else's secret")))
        check(code == 235, "IHAVE cancel to INN: %d %s" % (code, text))
        # The matching key (made by canlock from the poster's secret).
        right = new_msgid("iright")
        code, text = inn.ihave(right, cancel_of(
            gone, right, canlock("-k", gone, secret)))
        check(code == 235, "IHAVE cancel to INN: %d %s" % (code, text))
        check(inn.article(gone) is None, "INN kept %s" % gone)
        check(inn.article(kept) is not None, "INN lost %s" % kept)
        r = inn.innxmit("127.0.0.1", loom.port, site=LOOM)
        check(r.returncode == 0, "innxmit: %s" % (r.stdout + r.stderr))
        loom.wait_log(r"msgid=%s withdraws %s: Cancel-Key matches"
                      % (re.escape(right), re.escape(gone)))
        loom.wait_log(r"msgid=%s withdraws nothing: no matching "
                      r"Cancel-Key" % re.escape(wrong))
        check(loom_stat(loom, gone) == 430, "Loom kept %s" % gone)
        check(loom_stat(loom, kept) == 223, "Loom lost %s" % kept)
        # Both cancels were stored (and would be fed on) all the same.
        for m in (wrong, right):
            check(loom_stat(loom, m) == 223, "Loom lacks the cancel %s" % m)


if __name__ == "__main__":
    harness.main(globals())
