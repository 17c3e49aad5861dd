#!/usr/bin/env python3
"""
loomctl import rnews / mbox and export (docs/admin.md, "Moving an INN site
to Loom"; docs/loomctl.8): rnews batches in and out byte for byte (a round
trip through a fresh store gives the same batch), gzip batches, mbox
archives (mboxrd unescaping, threads from References and In-Reply-To,
stable Message-IDs for messages without one), mbox export (mboxrd
escaping), ranges, refusals, and resuming an interrupted import without
duplicates.  The INN spool import is tests/interop/test_inn_import.py.

    python3 tests/integration/test_import.py [name-substring...]
"""

import gzip
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Loomd, TestFailure  # noqa: E402


def check(cond, msg):
    if not cond:
        raise TestFailure(msg)


class Store:
    """A data directory for loomctl, removed afterwards."""

    def __init__(self, groups=("local.a", "local.b")):
        self.dir = tempfile.mkdtemp(prefix="loomimport-")
        for g in groups:
            p = harness.loomctl(self.dir, "newgroup", g, "Group", g)
            check(p.returncode == 0, "newgroup %s: %s" % (g, p.stderr))

    def ctl(self, *args, input=None, env=None):
        cmd = [harness.LOOMCTL, "--data", self.dir] + list(args)
        e = dict(os.environ)
        e.update(env or {})
        p = subprocess.run(cmd, input=input, capture_output=True, timeout=120,
                           env=e, stdin=None if input is not None else subprocess.DEVNULL)
        rep = harness.sanitizer_report(p.stderr.decode("utf-8", "replace"))
        if rep:
            raise TestFailure("sanitizer report from loomctl %s: %s" % (args, rep))
        return p

    def ok(self, *args, input=None):
        p = self.ctl(*args, input=input)
        check(p.returncode == 0, "loomctl %s exited %d: %s"
              % (" ".join(args), p.returncode, p.stderr.decode(errors="replace")))
        return p

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def summary(p):
    out = p.stdout.decode()
    m = re.search(r": (\d+) articles stored, (\d+) already there.*?, (\d+) in no "
                  r"group here, (\d+) refused", out)
    check(m, "no summary in %r / %r" % (out, p.stderr))
    return tuple(int(x) for x in m.groups())


def article(i, groups="local.a", refs=None, xref=False, extra=""):
    msgid = "<imp.%d@test.example>" % i
    head = ["Path: far.example!not-for-mail",
            "From: Poster %d <p%d@test.example>" % (i, i),
            "Newsgroups: %s" % groups,
            "Subject: article %d" % i,
            "Date: Mon, 01 Jan 2024 00:%02d:00 +0000" % (i % 60),
            "Message-ID: %s" % msgid]
    if refs:
        head.append("References: %s" % refs)
    if xref:
        head.append("Xref: far.example %s:%d" % (groups.split(",")[0], 900 + i))
    if extra:
        head.append(extra)
    body = ("Line one of %d.\n.A line with a leading dot\n..two dots\n"
            "From the start of a line\n>From quoted\n\n"
            "trailing spaces   \n" % i)
    return msgid, ("\n".join(head) + "\n\n" + body).encode()


def batch(arts):
    return b"".join(b"#! rnews %d\n" % len(a) + a for a in arts)


def parse_batch(data):
    out = []
    pos = 0
    while pos < len(data):
        nl = data.index(b"\n", pos)
        m = re.match(rb"#! rnews (\d+)$", data[pos:nl])
        check(m, "bad rnews line at %d: %r" % (pos, data[pos:nl][:80]))
        n = int(m.group(1))
        out.append(data[nl + 1:nl + 1 + n])
        check(len(out[-1]) == n, "batch cut short")
        pos = nl + 1 + n
    return out


def without_xref(a):
    head, _, body = a.partition(b"\n\n")
    lines = [l for l in head.split(b"\n") if not l.lower().startswith(b"xref:")]
    return b"\n".join(lines) + b"\n\n" + body


def sample():
    arts = []
    for i in range(1, 31):
        groups = "local.a,local.b" if i % 5 == 0 else ("local.b" if i % 7 == 0 else "local.a")
        refs = "<imp.1@test.example>" if i in (2, 3) else (
            "<imp.1@test.example> <imp.2@test.example>" if i == 4 else None)
        arts.append(article(i, groups, refs, xref=(i % 3 == 0)))
    # A group this site does not carry.
    arts.append(article(99, "elsewhere.misc"))
    return arts


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def test_rnews_import_export_round_trip():
    arts = sample()
    tmp = tempfile.mkdtemp(prefix="loomrnews-")
    try:
        b = os.path.join(tmp, "batch")
        write(b, batch([a for _, a in arts]))
        with Store() as s1, Store() as s2:
            p = s1.ok("import", "rnews", b)
            check(summary(p) == (30, 0, 1, 0), "summary %r" % (summary(p),))
            gs = harness.groups(s1.dir)
            want_a = [a for m, a in arts if b"local.a" in a.split(b"\n\n")[0]]
            want_b = [a for m, a in arts if b"local.b" in a.split(b"\n\n")[0]]
            check(gs["local.a"]["count"] == len(want_a), "local.a %r" % gs["local.a"])
            check(gs["local.b"]["count"] == len(want_b), "local.b %r" % gs["local.b"])
            ea = s1.ok("export", "local.a", "--format", "rnews").stdout
            got = parse_batch(ea)
            check(got == [without_xref(a) for a in want_a],
                  "export differs from the batch:\n%r\n%r" % (got[:2], want_a[:2]))
            eb = s1.ok("export", "local.b", "--format", "rnews").stdout
            # Into a fresh store, from standard input; the cross-posts come
            # twice and are stored once.
            p = s2.ok("import", "rnews", "-", input=ea + eb)
            check(summary(p) == (30, len(want_a) + len(want_b) - 30, 0, 0),
                  "second store summary %r" % (summary(p),))
            check(s2.ok("export", "local.a", "--format", "rnews").stdout == ea,
                  "round trip changed local.a")
            # local.b's own articles came after local.a's this time:
            # numbered in that order, the same articles.
            check(sorted(parse_batch(s2.ok("export", "local.b", "--format",
                                           "rnews").stdout)) == sorted(parse_batch(eb)),
                  "round trip changed local.b")
            # Numbers and threads in the fresh store.
            with Loomd(data=s2.dir) as loom:
                c = harness.Conn(loom.host, loom.port)
                try:
                    _, lines = c.expect_multi(224, "XTREE <imp.1@test.example>")
                    tree = [(int(l.split("\t")[0]), l.split("\t")[5]) for l in lines]
                    check(tree == [(0, "<imp.1@test.example>"), (1, "<imp.2@test.example>"),
                                   (2, "<imp.4@test.example>"), (1, "<imp.3@test.example>")],
                          "thread %r" % tree)
                    c.expect(211, "GROUP local.a")
                    _, lg = c.expect_multi(211, "LISTGROUP local.a")
                    check(lg == [str(i) for i in range(1, len(want_a) + 1)],
                          "numbers %r" % lg)
                finally:
                    c.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_rnews_gzip_and_bad_batches():
    arts = sample()[:5]
    tmp = tempfile.mkdtemp(prefix="loomrnews-")
    try:
        g = os.path.join(tmp, "batch.gz")
        write(g, gzip.compress(batch([a for _, a in arts])))
        with Store() as s:
            p = s.ok("import", "rnews", g)
            check(summary(p)[0] == 5, "gzip batch: %r" % (summary(p),))
            bad = os.path.join(tmp, "bad")
            write(bad, batch([arts[0][1]]) + b"#! rnews 999\nshort\n")
            p = s.ctl("import", "rnews", bad)
            check(p.returncode == 1 and b"runs past the end" in p.stderr,
                  "truncated batch: %d %r" % (p.returncode, p.stderr))
            write(bad, b"#! cunbatch\n\x1f\x9d\x90")
            p = s.ctl("import", "rnews", bad)
            check(p.returncode == 1 and b"cunbatch" in p.stderr,
                  "cunbatch: %d %r" % (p.returncode, p.stderr))
            p = s.ctl("import", "rnews", os.path.join(tmp, "missing"))
            check(p.returncode == 1, "missing file: %d" % p.returncode)
            p = s.ctl("import", "rnews")
            check(p.returncode == 2, "usage: %d" % p.returncode)
            p = s.ctl("export", "local.a", "--format", "tar")
            check(p.returncode == 2, "bad format: %d" % p.returncode)
            p = s.ctl("export", "no.such.group")
            check(p.returncode == 1, "missing group: %d" % p.returncode)
            p = s.ctl("export", "local.a", "x-y")
            check(p.returncode == 2, "bad range: %d" % p.returncode)
            got = parse_batch(s.ok("export", "local.a", "2-3", "--format", "rnews").stdout)
            check(got == [without_xref(arts[1][1]), without_xref(arts[2][1])],
                  "range 2-3: %r" % got)
            got = parse_batch(s.ok("export", "local.a", "4-", "--format", "rnews").stdout)
            check(got == [without_xref(arts[3][1]), without_xref(arts[4][1])],
                  "range 4-: %r" % got)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_rnews_resume_after_kill():
    arts = [article(i) for i in range(1, 61)]
    tmp = tempfile.mkdtemp(prefix="loomrnews-")
    try:
        b = os.path.join(tmp, "batch")
        write(b, batch([a for _, a in arts]))
        with Store() as s:
            p = s.ctl("import", "rnews", b, env={"LOOM_IMPORT_BATCH": "7",
                                                 "LOOM_IMPORT_KILL_AFTER": "3"})
            check(p.returncode == -9, "expected SIGKILL, got %d" % p.returncode)
            check(harness.groups(s.dir)["local.a"]["count"] == 21,
                  "after 3 batches of 7: %r" % harness.groups(s.dir)["local.a"])
            p = s.ok("import", "rnews", b)
            check(summary(p) == (39, 21, 0, 0), "resumed: %r" % (summary(p),))
            g = harness.groups(s.dir)["local.a"]
            check(g["count"] == 60 and g["high"] == 60, "after resuming: %r" % g)
            got = parse_batch(s.ok("export", "local.a", "--format", "rnews").stdout)
            check(got == [a for _, a in arts], "articles differ after resuming")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


MBOX = (b"From alice@list.example Mon Jan  1 10:00:00 2024\n"
        b"From: Alice <alice@list.example>\n"
        b"To: list@list.example\n"
        b"Subject: Hello list\n"
        b"Date: Mon, 01 Jan 2024 10:00:00 +0000\n"
        b"Message-ID: <root@list.example>\n"
        b"Received: from a by b; Mon, 01 Jan 2024 10:00:00 +0000\n"
        b"Received: from c by d; Mon, 01 Jan 2024 10:00:00 +0000\n"
        b"\n"
        b"First post.\n"
        b">From here on, mboxrd escaped.\n"
        b">>From twice escaped.\n"
        b"\n"
        b"From bob@list.example Mon Jan  1 11:00:00 2024\n"
        b"From: Bob <bob@list.example>\n"
        b"Subject: Re: Hello list\n"
        b"Date: Mon, 01 Jan 2024 11:00:00 +0000\n"
        b"Message-ID: <bob1@list.example>\n"
        b"In-Reply-To: <root@list.example> (Alice's message)\n"
        b"\n"
        b"A reply by In-Reply-To only.\n"
        b"\n"
        b"From carol@list.example Mon Jan  1 12:00:00 2024\n"
        b"From: Carol <carol@list.example>\n"
        b"Subject: Re: Hello list\n"
        b"Date: Mon, 01 Jan 2024 12:00:00 +0000\n"
        b"Message-ID: <carol1@list.example>\n"
        b"References: <root@list.example> <bob1@list.example>\n"
        b"Newsgroups: some.other.group\n"
        b"\n"
        b"A reply by References.\n"
        b"\n"
        b"From dave@list.example Mon Jan  1 13:00:00 2024\n"
        b"From: Dave <dave@list.example>\n"
        b"Subject: No id\n"
        b"\n"
        b"A message without Message-ID or Date.\n")


def loom_article(c, spec):
    c.send("ARTICLE %s\r\n" % spec)
    code, _ = harness.parse_status(c.line())
    check(code == 220, "ARTICLE %s: %d" % (spec, code))
    return b"".join(l + b"\r\n" for l in c.multiline_bytes())


def test_mbox_import_threads_and_unescapes():
    tmp = tempfile.mkdtemp(prefix="loommbox-")
    try:
        m = os.path.join(tmp, "list.mbox")
        write(m, MBOX)
        with Store(groups=("local.list",)) as s:
            p = s.ok("import", "mbox", m, "local.list")
            check(summary(p) == (4, 0, 0, 0), "summary %r" % (summary(p),))
            p = s.ok("import", "mbox", m, "local.list")
            check(summary(p) == (0, 4, 0, 0), "rerun: %r (Message-ID not stable?)"
                  % (summary(p),))
            p = s.ctl("import", "mbox", m, "no.such.group")
            check(p.returncode == 1, "missing group: %d" % p.returncode)
            with Loomd(data=s.dir) as loom:
                c = harness.Conn(loom.host, loom.port)
                try:
                    _, lines = c.expect_multi(224, "XTREE <root@list.example>")
                    tree = [(int(l.split("\t")[0]), l.split("\t")[5]) for l in lines]
                    check(tree == [(0, "<root@list.example>"), (1, "<bob1@list.example>"),
                                   (2, "<carol1@list.example>")], "thread %r" % tree)
                    a = loom_article(c, "<root@list.example>")
                    check(b"\r\nFrom here on, mboxrd escaped.\r\n" in a, "not unescaped: %r" % a)
                    check(b"\r\n>From twice escaped.\r\n" in a, ">>From: %r" % a)
                    check(a.count(b"\r\nReceived: ") == 2, "Received lines: %r" % a)
                    check(a.startswith(b"Path: loom.invalid!not-for-mail\r\n"), "Path: %r" % a[:80])
                    check(b"\r\nNewsgroups: local.list\r\n" in a, "Newsgroups: %r" % a)
                    b = loom_article(c, "<bob1@list.example>")
                    check(b"\r\nReferences: <root@list.example>\r\n" in b,
                          "References from In-Reply-To: %r" % b)
                    cc = loom_article(c, "<carol1@list.example>")
                    check(b"some.other.group" not in cc, "old Newsgroups kept: %r" % cc)
                    c.expect(211, "GROUP local.list")
                    _, over = c.expect_multi(224, "OVER 4")
                    f = over[0].split("\t")
                    check(re.match(r"<mbox\.[0-9a-f]{32}@loom\.invalid>$", f[4]),
                          "generated Message-ID %r" % f[4])
                    check(f[3] == "Mon, 1 Jan 2024 13:00:00 +0000", "Date from From_ line: %r" % f[3])
                finally:
                    c.close()
            # Export as mbox: mboxrd escaping, From_ lines; a second store
            # made from it exports the same bytes.
            e1 = s.ok("export", "local.list", "--format", "mbox").stdout
            check(e1.count(b"\nFrom ") + e1.startswith(b"From ") == 4,
                  "From_ lines: %r" % e1)
            check(e1.startswith(b"From alice@list.example Mon Jan  1 10:00:00 2024\n"),
                  "first From_ line: %r" % e1[:80])
            check(b"\n>From here on, mboxrd escaped.\n" in e1, "escaping: %r" % e1)
            check(b"\n>>From twice escaped.\n" in e1, "escaping >>: %r" % e1)
            m2 = os.path.join(tmp, "again.mbox")
            write(m2, e1)
            with Store(groups=("local.list",)) as s2:
                p = s2.ok("import", "mbox", m2, "local.list")
                check(summary(p) == (4, 0, 0, 0), "re-import: %r" % (summary(p),))
                e2 = s2.ok("export", "local.list", "--format", "mbox").stdout
                check(e2 == e1, "mbox round trip differs:\n%r\n%r" % (e1, e2))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_import_while_loomd_runs():
    """loomctl writes the store loomd serves (LMDB serialises the
    writers): a group created and filled meanwhile is there at once."""
    tmp = tempfile.mkdtemp(prefix="loommbox-")
    try:
        m = os.path.join(tmp, "list.mbox")
        write(m, MBOX)
        with Store(groups=()) as s, Loomd(data=s.dir) as loom:
            c = harness.Conn(loom.host, loom.port)
            try:
                c.expect(411, "GROUP local.list")
                s.ok("newgroup", "local.list")
                p = s.ok("import", "mbox", m, "local.list")
                check(summary(p) == (4, 0, 0, 0), "summary %r" % (summary(p),))
                text = c.expect(211, "GROUP local.list")
                check(text.split()[:3] == ["4", "1", "4"], "GROUP: %r" % text)
                a = loom_article(c, "<bob1@list.example>")
                check(b"A reply by In-Reply-To only." in a, "article: %r" % a)
            finally:
                c.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    harness.main(globals())
