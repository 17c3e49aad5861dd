#!/usr/bin/env python3
"""
Smoke test of the private-INN harness (tests/interop/inn.py): INN 2.7 on
loopback takes IHAVE and streaming offers, serves them through nnrpd, feeds
local.* out (file feed + innxmit, and innfeed) to a dummy receiver, and
stops leaving no process.

Every test SKIPs when inn2 is not installed (scripts/install-inn.sh, run as
root, installs it; this test never installs anything), and fails instead
when CI is set (harness.missing_dependency).

    python3 tests/interop/test_inn_smoke.py [name-substring...]
"""

import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))

import harness                               # noqa: E402
from harness import TestFailure              # noqa: E402
import inn as innmod                         # noqa: E402
from inn import Inn, FeedReceiver, Nntp      # noqa: E402

_seq = [0]


def check(cond, msg):
    if not cond:
        raise TestFailure(msg)


def new_article(groups="local.test", path="peer.test!not-for-mail"):
    _seq[0] += 1
    msgid = "<smoke.%d.%d.%d@loom.test>" % (os.getpid(), int(time.time() * 1000), _seq[0])
    date = time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime())
    art = ("Path: %s\n"
           "From: Smoke Test <smoke@loom.test>\n"
           "Newsgroups: %s\n"
           "Subject: interop smoke %d\n"
           "Message-ID: %s\n"
           "Date: %s\n"
           "\n"
           "Hello INN.\n"
           ".A line starting with a dot.\n"
           "Bye.\n" % (path, groups, _seq[0], msgid, date))
    return msgid, art


def listening_addrs(pid):
    """[(family, ip_hex, port)] of the LISTEN sockets held by pid."""
    inodes = set()
    fd_dir = "/proc/%d/fd" % pid
    for fd in os.listdir(fd_dir):
        try:
            t = os.readlink(os.path.join(fd_dir, fd))
        except OSError:
            continue
        if t.startswith("socket:["):
            inodes.add(t[8:-1])
    out = []
    for fam in ("tcp", "tcp6"):
        try:
            with open("/proc/net/" + fam) as f:
                rows = f.read().splitlines()[1:]
        except OSError:
            continue
        for r in rows:
            p = r.split()
            if p[3] == "0A" and p[9] in inodes:
                ip, port = p[1].split(":")
                out.append((fam, ip, int(port, 16)))
    return out


def alive(pid):
    """True if pid exists and is not a zombie."""
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except OSError:
        return False


# --------------------------------------------------------------------------

def test_inn_starts_on_loopback():
    innmod.need_inn()
    t0 = time.monotonic()
    with Inn(pathhost="inn.test") as inn:
        harness.diag("innd pid %d port %d, nnrpd pid %d port %d, started in %.2f s"
                     % (inn.pid, inn.port, inn.reader_pid, inn.reader_port,
                        time.monotonic() - t0))
        check(inn.greeting[0] == 200, "innd greeting %r" % (inn.greeting,))
        check(inn.reader_greeting[0] == 200, "nnrpd greeting %r" % (inn.reader_greeting,))
        for pid, port in ((inn.pid, inn.port), (inn.reader_pid, inn.reader_port)):
            la = listening_addrs(pid)
            check(la, "pid %d has no listening socket" % pid)
            # 0100007F is 127.0.0.1 in /proc/net/tcp's little-endian hex.
            check(all(fam == "tcp" and ip == "0100007F" and p == port
                      for fam, ip, p in la),
                  "pid %d listens beyond 127.0.0.1:%d: %r" % (pid, port, la))
        r = inn.ctlinnd("mode")
        check(r.returncode == 0 and "running" in r.stdout.lower(),
              "ctlinnd mode: %r %r" % (r.stdout, r.stderr))


def test_ihave_accepted_and_readable():
    innmod.need_inn()
    with Inn(pathhost="inn.test") as inn:
        msgid, art = new_article()
        code, text = inn.ihave(msgid, art)
        check(code == 235, "IHAVE: %d %s" % (code, text))
        got = inn.article(msgid)
        check(got is not None, "ARTICLE %s via nnrpd: not found" % msgid)
        check(b"\r\nMessage-ID: " + msgid.encode() + b"\r\n" in b"\r\n" + got,
              "wrong article: %r" % got[:300])
        check(got.startswith(b"Path: inn.test!peer.test!"), "Path: %r" % got[:80])
        check(b"\r\n.A line starting with a dot.\r\n" in got,
              "dot-stuffing lost: %r" % got)
        check(inn.history_has(msgid, stored=True), "not in history")
        check(not inn.history_has("<never.seen@loom.test>"),
              "history_has says yes for an unknown id")
        # Also by group and number.
        with inn.connect(reader=True) as c:
            code, text = c.cmd("GROUP local.test")
            check(code == 211 and text.split()[0] == "1", "GROUP: %d %s" % (code, text))
            code, text = c.cmd("NEWNEWS local.* 20000101 000000 GMT")
            check(code == 230, "NEWNEWS (RPNA): %d %s" % (code, text))
            ids = c.block().split()
            check(msgid.encode() in ids, "NEWNEWS lacks %s: %r" % (msgid, ids))


def test_duplicate_ihave_435():
    innmod.need_inn()
    with Inn() as inn:
        msgid, art = new_article()
        code, text = inn.ihave(msgid, art)
        check(code == 235, "IHAVE: %d %s" % (code, text))
        code, text = inn.ihave(msgid, art)
        check(code == 435, "second IHAVE: %d %s" % (code, text))


def test_stream_check_takethis():
    innmod.need_inn()
    with Inn() as inn:
        msgid, art = new_article()
        with inn.connect() as c:
            code, text = c.cmd("MODE STREAM")
            check(code == 203, "MODE STREAM: %d %s" % (code, text))
            code, text = c.cmd("CHECK %s" % msgid)
            check(code == 238 and text.split()[0] == msgid, "CHECK: %d %s" % (code, text))
            c.send(("TAKETHIS %s\r\n" % msgid).encode() + Nntp.encode_article(art))
            code, text = c.status()
            check(code == 239 and text.split()[0] == msgid, "TAKETHIS: %d %s" % (code, text))
            code, text = c.cmd("CHECK %s" % msgid)
            check(code == 438, "CHECK after TAKETHIS: %d %s" % (code, text))
            c.send(("TAKETHIS %s\r\n" % msgid).encode() + Nntp.encode_article(art))
            code, text = c.status()
            check(code == 439, "duplicate TAKETHIS: %d %s" % (code, text))
            # Pipelined: two CHECKs and a TAKETHIS in one write.
            m2, a2 = new_article()
            m3, a3 = new_article()
            c.send(("CHECK %s\r\nCHECK %s\r\nTAKETHIS %s\r\n" % (m2, msgid, m3)).encode()
                   + Nntp.encode_article(a3))
            got = [c.status() for _ in range(3)]
            check([g[0] for g in got] == [238, 438, 239], "pipelined: %r" % got)
        check(inn.article(msgid) is not None, "streamed article not readable")
        check(inn.article(m3) is not None, "pipelined TAKETHIS article not readable")


def test_file_feed_and_innxmit():
    innmod.need_inn()
    with FeedReceiver() as rx, \
            Inn(feeds={"loom": ("127.0.0.1", rx.port, "local.*")}) as inn:
        msgid, art = new_article()
        other, oart = new_article(groups="junk.elsewhere")
        code, text = inn.ihave(msgid, art)
        check(code == 235, "IHAVE: %d %s" % (code, text))
        code, text = inn.ihave(other, oart)      # unwanted group: not fed
        check(code in (235, 437), "IHAVE other: %d %s" % (code, text))
        entries = inn.batch_entries("loom")
        check(len(entries) == 1 and entries[0].endswith(" " + msgid)
              and entries[0].startswith("@"),
              "batch %s: %r" % (inn.batch_path("loom"), entries))
        r = inn.innxmit("127.0.0.1", rx.port, site="loom")
        check(r.returncode == 0, "innxmit rc %d\n%s%s" % (r.returncode, r.stdout, r.stderr))
        check(rx.wait_for(msgid, 10), "receiver did not get %s; saw %r\ninnxmit: %s"
              % (msgid, rx.commands, r.stderr))
        check(other not in rx.articles, "article outside local.* was fed")
        check(b"Path: inn.test!peer.test!" in rx.articles[msgid],
              "fed article: %r" % rx.articles[msgid][:200])
        harness.diag("innxmit said: %r" % rx.commands)
        check(not os.path.exists(inn.batch_path("loom") + ".work"),
              "innxmit left the .work batch")


def test_innfeed_streams_to_receiver():
    innmod.need_inn()
    with FeedReceiver() as rx, \
            Inn(feeds={"loom": ("127.0.0.1", rx.port, "local.*", "innfeed")}) as inn:
        msgid, art = new_article(groups="local.general")
        t0 = time.monotonic()
        code, text = inn.ihave(msgid, art)
        check(code == 235, "IHAVE: %d %s" % (code, text))
        got = rx.wait_for(msgid, 30)
        check(got, "innfeed did not deliver %s within 30 s; receiver saw %r\n"
              "innfeed.log: %s" % (msgid, rx.commands, inn.log_text("innfeed.log")[-2000:]))
        harness.diag("innfeed delivered in %.2f s: %r" % (time.monotonic() - t0, rx.commands))
        check("MODE STREAM" in rx.commands, "innfeed did not stream: %r" % rx.commands)
        check("TAKETHIS %s" % msgid in rx.commands, "no TAKETHIS: %r" % rx.commands)


def test_pullnews_between_two_inns():
    innmod.need_inn()
    with Inn(pathhost="up.test") as up, Inn(pathhost="down.test") as down:
        ids = []
        for _ in range(3):
            msgid, art = new_article()
            check(up.ihave(msgid, art)[0] == 235, "IHAVE to upstream failed")
            ids.append(msgid)
        r = down.pullnews("127.0.0.1", up.reader_port, groups=("local.test",))
        check(r.returncode == 0, "pullnews rc %d: %s%s\n%s" % (
            r.returncode, r.stdout, r.stderr, down.log_text("pullnews.log")[-2000:]))
        for msgid in ids:
            got = down.article(msgid)
            check(got is not None, "pulled %s not readable downstream; log:\n%s"
                  % (msgid, down.log_text("pullnews.log")[-2000:]))
            check(got.startswith(b"Path: down.test!up.test!"), "Path: %r" % got[:80])


def test_stop_is_clean():
    innmod.need_inn()
    inn = Inn(feeds={"f": ("127.0.0.1", 9, "local.*", "innfeed")})
    try:
        msgid, art = new_article()
        check(inn.ihave(msgid, art)[0] == 235, "IHAVE failed")
        c = inn.connect(reader=True)            # leaves an nnrpd worker
        check(c.cmd("GROUP local.test")[0] == 211, "GROUP failed")
        pids = inn.instance_pids()
        check(inn.pid in pids and inn.reader_pid in pids, "pids %r" % pids)
        check(len(pids) >= 3, "expected innd, nnrpd, worker/innfeed: %r" % pids)
        tmp = inn.tmp
        t0 = time.monotonic()
        problems = inn.stop()
        dt = time.monotonic() - t0
        c.close()
        harness.diag("stop took %.2f s; pids were %r; swept (nnrpd worker of the "
                     "open connection) %r" % (dt, pids, inn.stop_swept))
        check(not problems, "stop problems: %r" % problems)
        # Only the nnrpd worker serving the still-open connection needed
        # the sweep; innd, the nnrpd daemon and innfeed stopped by
        # themselves.
        check(all(p not in inn.stop_swept for p in (inn.pid, inn.reader_pid)),
              "innd/nnrpd swept: %r" % inn.stop_swept)
        check(len(inn.stop_swept) <= 1, "swept more than the worker: %r" % inn.stop_swept)
        check(dt < 10, "stop took %.1f s" % dt)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(alive(p) for p in pids):
            time.sleep(0.1)
        check(not any(alive(p) for p in pids),
              "still alive: %r" % [p for p in pids if alive(p)])
        check(not inn.instance_pids(), "instance processes: %r" % inn.instance_pids())
        if not innmod.KEEP_TMP:
            check(not os.path.exists(tmp), "temp dir %s not removed" % tmp)
    finally:
        inn.stop(check=False)


if __name__ == "__main__":
    harness.main(globals())
