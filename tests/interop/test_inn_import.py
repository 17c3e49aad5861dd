#!/usr/bin/env python3
"""
Moving an INN site to Loom (loomctl import inn, docs/admin.md): a private
INN 2.7 with a tradspool spool gets the seed thread
(tests/data/comment-thread.json), a cross-post, a moderated group's
article and a cancelled one; `loomctl import inn` then reads its spool,
active, newsgroups and history into a fresh store, and a loomd on that
store must serve every article byte for byte as INN has it (but Xref,
which is Loom's; Path is kept as INN had it), numbered as INN numbered it,
threaded as posted, with INN's groups, statuses and descriptions.

SKIPs without inn2 or when not root (fails instead with CI set).

    python3 tests/interop/test_inn_import.py [name-substring...]
"""

import json
import os
import re
import subprocess
import sys
import tempfile
import shutil
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))

import harness                               # noqa: E402
from harness import Loomd, TestFailure       # noqa: E402
import inn as innmod                         # noqa: E402
from inn import Inn                          # noqa: E402

with open(os.path.join(harness.TESTDATA, "comment-thread.json"),
          encoding="utf-8") as _f:
    PAGE = json.load(_f)["comments"]
BYID = {p["msgid"]: p for p in PAGE}
INDEX = {p["msgid"]: i for i, p in enumerate(PAGE)}
PARENTS = {p["parent"] for p in PAGE if p["parent"]}
# A leaf in the middle of the page: cancelled in INN, so the import sees
# a gap in the numbers and a history entry without an article.
CANCELLED = [p["msgid"] for p in PAGE[5:] if p["msgid"] not in PARENTS][0]
# A reply cross-posted to local.test as well.
CROSSPOSTED = [p["msgid"] for p in PAGE[3:] if p["msgid"] != CANCELLED][0]

GROUPS = [("local.general", "y"), ("local.test", "y"), ("local.mod", "m"),
          ("local.readonly", "n")]
DESCRIPTIONS = {
    "local.general": "General talk, imported from INN",
    "local.test": "Tests\twith a tab",
    "local.mod": "A moderated group (Moderated)",
    "local.readonly": "Announcements only",
}

BASE = (int(time.time()) // 60) * 60 - 3 * 3600
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
           "Oct", "Nov", "Dec")


def rfc5322_date(t):
    g = time.gmtime(t)
    return "%s, %d %s %d %02d:%02d:%02d +0000" % (
        _DAYS[g.tm_wday], g.tm_mday, _MONTHS[g.tm_mon - 1], g.tm_year,
        g.tm_hour, g.tm_min, g.tm_sec)


class TradInn(Inn):
    """The private INN with a tradspool spool (one file per group and
    number), the layout loomctl import inn reads."""

    def _storage_conf(self):
        return ("method tradspool {\n"
                "    newsgroups: *\n"
                "    class: 0\n"
                "}\n")


def check(cond, msg):
    if not cond:
        raise TestFailure(msg)


def chain(msgid):
    out = []
    q = BYID[msgid]["parent"]
    while q is not None:
        out.append(q)
        q = BYID[q]["parent"]
    return out[::-1]


def seed_article(msgid):
    p = BYID[msgid]
    groups = "local.general,local.test" if msgid == CROSSPOSTED else "local.general"
    refs = chain(msgid)
    head = ["Path: seed.example!not-for-mail",
            "From: %s" % p["from"],
            "Newsgroups: %s" % groups,
            "Subject: %s" % p["subject"],
            "Date: %s" % rfc5322_date(BASE + 60 * INDEX[msgid]),
            "Message-ID: %s" % msgid]
    if refs:
        head.append("References: %s" % " ".join(refs))
    # A line starting with a dot (un-stuffing) and one "From " line.
    body = p["body"] + ".signature line with a dot\nFrom the seed.\n"
    return "\n".join(head) + "\n\n" + body


def extra_article(msgid, groups, subject, extra=()):
    head = ["Path: seed.example!not-for-mail",
            "From: Filler <filler@seed.example>",
            "Newsgroups: %s" % groups,
            "Subject: %s" % subject,
            "Date: %s" % rfc5322_date(BASE),
            "Message-ID: %s" % msgid] + list(extra)
    return "\n".join(head) + "\n\nBody of %s\n" % subject


def strip_xref(raw):
    """(article bytes without the Xref field, Xref value or None)."""
    head, sep, body = raw.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    out, xref = [], None
    for l in lines:
        if l.lower().startswith(b"xref:"):
            xref = l[5:].strip().decode()
            continue
        out.append(l)
    return b"\r\n".join(out) + sep + body, xref


def xref_pairs(xref):
    return sorted(xref.split()[1:])


def loom_article(c, msgid):
    c.send("ARTICLE %s\r\n" % msgid)
    code, text = harness.parse_status(c.line())
    if code != 220:
        return None
    return b"".join(l + b"\r\n" for l in c.multiline_bytes())


def import_inn(inn, data, env=None, spool=None):
    e = dict(os.environ)
    e.update(env or {})
    p = subprocess.run([harness.LOOMCTL, "--data", data, "import", "inn",
                        "--spool", spool or os.path.join(inn.spool, "articles"),
                        "--active", os.path.join(inn.db, "active"),
                        "--newsgroups", os.path.join(inn.db, "newsgroups"),
                        "--history", os.path.join(inn.db, "history")],
                       capture_output=True, text=True, timeout=120, env=e,
                       stdin=subprocess.DEVNULL)
    rep = harness.sanitizer_report(p.stderr)
    if rep:
        raise TestFailure("sanitizer report from loomctl import: %s\n%s"
                          % (rep, harness.tail(p.stderr)))
    return p


def stored_count(out):
    m = re.search(r"import inn: (\d+) articles stored, (\d+) already", out)
    check(m, "no summary line in %r" % out)
    return int(m.group(1)), int(m.group(2))


def seeded_inn(conf=None):
    """A running TradInn holding the seed thread and the extras; returns
    (inn, {msgid: INN's article bytes})."""
    inn = TradInn(groups=GROUPS, conf=conf)
    try:
        # Fillers first, so INN's numbers differ between the groups.
        for i in range(3):
            mid = "<filler.%d@seed.example>" % i
            code, text = inn.ihave(mid, extra_article(mid, "local.test",
                                                      "filler %d" % i))
            check(code == 235, "INN refused filler: %d %s" % (code, text))
        for p in PAGE:
            code, text = inn.ihave(p["msgid"], seed_article(p["msgid"]))
            check(code == 235, "INN refused %s: %d %s" % (p["msgid"], code, text))
        mid = "<moderated.1@seed.example>"
        code, text = inn.ihave(mid, extra_article(
            mid, "local.mod", "approved post",
            ["Approved: moderator@seed.example"]))
        check(code == 235, "INN refused the moderated article: %d %s" % (code, text))
        r = inn.ctlinnd("cancel", CANCELLED)
        check(r.returncode == 0, "ctlinnd cancel: %s%s" % (r.stdout, r.stderr))
        inn.ctlinnd_ok("flush", "")
        # INN's descriptions (a tab inside one: Loom makes it a space).
        ng = os.path.join(inn.db, "newsgroups")
        with open(ng) as f:
            keep = [l for l in f if l.split("\t")[0] not in DESCRIPTIONS]
        with open(ng, "w") as f:
            f.writelines(keep)
            for g, d in DESCRIPTIONS.items():
                f.write("%s\t%s\n" % (g, d))
        arts = {}
        for mid in [p["msgid"] for p in PAGE] + \
                ["<filler.%d@seed.example>" % i for i in range(3)] + \
                ["<moderated.1@seed.example>"]:
            a = inn.article(mid)
            if mid == CANCELLED:
                check(a is None, "INN still serves the cancelled %s" % mid)
                continue
            check(a is not None, "INN does not serve %s" % mid)
            arts[mid] = a
        return inn, arts
    except BaseException:
        inn.stop(check=False)
        raise


def read_active(inn):
    out = {}
    with open(os.path.join(inn.db, "active")) as f:
        for line in f:
            name, high, low, flag = line.split()
            out[name] = (int(high), int(low), flag)
    return out


def test_import_inn_spool_byte_identical_numbered_threaded():
    """INN's spool in wire format (wireformat: true, Debian's default):
    CRLF, dot-stuffed."""
    import_and_check(None)


def test_import_inn_native_spool():
    """wireformat: false: LF line ends, no dot-stuffing."""
    import_and_check({"wireformat": False})


def import_and_check(conf):
    innmod.need_inn()
    inn, arts = seeded_inn(conf)
    data = tempfile.mkdtemp(prefix="loomimport-")
    try:
        active = read_active(inn)
        with open(os.path.join(inn.spool, "articles", "local", "general", "1"), "rb") as f:
            crlf = b"\r\n" in f.read()
        check(crlf == (conf is None), "spool file format: CRLF %s with conf %r"
              % (crlf, conf))
        # Age the spool files: the arrival times must come from INN's
        # history, not from the files.
        old = 978307200    # 2001-01-01
        for root, dirs, files in os.walk(os.path.join(inn.spool, "articles")):
            for n in files:
                os.utime(os.path.join(root, n), (old, old))
        p = import_inn(inn, data)
        check(p.returncode == 0, "import inn exited %d: %s%s"
              % (p.returncode, p.stdout, p.stderr))
        stored, dups = stored_count(p.stdout)
        check(stored == len(arts), "stored %d, INN has %d: %s%s"
              % (stored, len(arts), p.stdout, p.stderr))
        # The cross-post's second spool file is a copy of the first.
        check(dups == 1, "expected 1 copy skipped, got %d" % dups)
        check("history" in p.stdout and "not carried" in p.stdout,
              "the cancelled id in INN's history is not reported: %s" % p.stdout)
        gs = harness.groups(data)
        for g, flag in GROUPS:
            check(g in gs, "group %s not created: %r" % (g, gs))
            check(gs[g]["status"] == flag, "%s: status %s, INN has %s"
                  % (g, gs[g]["status"], flag))
            check(gs[g]["description"] == DESCRIPTIONS[g].replace("\t", " "),
                  "%s: description %r" % (g, gs[g]["description"]))
            high, low, _ = active[g]
            check(gs[g]["high"] == high, "%s: high %d, INN's %d"
                  % (g, gs[g]["high"], high))
            check(gs[g]["low"] == low, "%s: low %d, INN's %d"
                  % (g, gs[g]["low"], low))
        for g in ("control", "control.cancel", "junk"):
            check(g in gs, "INN's %s not created" % g)
        with Loomd(data=data) as loom:
            c = loom.connect() if hasattr(loom, "connect") else \
                harness.Conn(loom.host, loom.port)
            try:
                for mid, inn_bytes in arts.items():
                    got = loom_article(c, mid)
                    check(got is not None, "Loom lacks %s" % mid)
                    mine, my_xref = strip_xref(got)
                    theirs, inn_xref = strip_xref(inn_bytes)
                    check(mine == theirs, "%s differs:\nINN:  %r\nLoom: %r"
                          % (mid, theirs[:600], mine[:600]))
                    check(my_xref is not None and inn_xref is not None,
                          "%s: Xref missing (Loom %r, INN %r)" % (mid, my_xref, inn_xref))
                    check(xref_pairs(my_xref) == xref_pairs(inn_xref),
                          "%s numbered %s, INN %s" % (mid, my_xref, inn_xref))
                    check(my_xref.split()[0] != "inn.test",
                          "%s: Xref host is INN's: %s" % (mid, my_xref))
                check(loom_article(c, CANCELLED) is None,
                      "the cancelled %s came back" % CANCELLED)
                # The thread as posted (the cancelled leaf is gone).
                c.expect(211, "GROUP local.general")
                _, lines = c.expect_multi(224, "XTREE %s" % PAGE[0]["msgid"])
                tree = [(int(l.split("\t")[0]), l.split("\t")[5]) for l in lines]
                want = [(p["depth"], p["msgid"]) for p in PAGE
                        if p["msgid"] != CANCELLED]
                check(tree == want, "thread differs:\n%r\nwant\n%r" % (tree, want))
                # Arrivals from INN's history: NEWNEWS sees them as new
                # today, not as of the files' 2001 times.
                since = time.strftime("%Y%m%d %H%M%S", time.gmtime(time.time() - 3600))
                _, new = c.expect_multi(230, "NEWNEWS local.* %s GMT" % since)
                check(set(new) == set(arts), "NEWNEWS: %d of %d (arrival times "
                      "not taken from history?)" % (len(set(new) & set(arts)), len(arts)))
                # Statuses and descriptions as LIST shows them.
                _, act = c.expect_multi(215, "LIST ACTIVE local.*")
                flags = {l.split()[0]: l.split()[3] for l in act}
                for g, flag in GROUPS:
                    check(flags.get(g) == flag, "LIST ACTIVE %s: %r" % (g, flags.get(g)))
            finally:
                c.close()
        # Run again: nothing new, nothing twice.
        p = import_inn(inn, data)
        check(p.returncode == 0, "second import exited %d: %s" % (p.returncode, p.stderr))
        stored, dups = stored_count(p.stdout)
        check(stored == 0 and dups == len(arts) + 1,
              "rerun stored %d, skipped %d" % (stored, dups))
        gs2 = harness.groups(data)
        check(gs2 == gs, "groups changed on rerun:\n%r\n%r" % (gs, gs2))
    finally:
        inn.stop(check=False)
        shutil.rmtree(data, ignore_errors=True)


def test_import_inn_resumes_after_kill():
    innmod.need_inn()
    inn, arts = seeded_inn()
    data = tempfile.mkdtemp(prefix="loomimport-")
    try:
        # Batches of 4 articles; the import kills itself (SIGKILL) after
        # the second batch committed, as `kill -9 PID` would.
        p = import_inn(inn, data, {"LOOM_IMPORT_BATCH": "4",
                                   "LOOM_IMPORT_KILL_AFTER": "2"})
        check(p.returncode == -9, "expected death by SIGKILL, got %d: %s"
              % (p.returncode, p.stderr))
        gs = harness.groups(data)
        partial = sum(g["count"] for g in gs.values())
        check(0 < partial < sum(1 for _ in arts) + 1,
              "after the kill %d numbered articles" % partial)
        # A real kill by PID at whatever point it lands.
        e = dict(os.environ, LOOM_IMPORT_BATCH="2")
        proc = subprocess.Popen([harness.LOOMCTL, "--data", data, "import", "inn",
                                 "--spool", os.path.join(inn.spool, "articles"),
                                 "--active", os.path.join(inn.db, "active"),
                                 "--newsgroups", os.path.join(inn.db, "newsgroups"),
                                 "--history", os.path.join(inn.db, "history")],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                stdin=subprocess.DEVNULL, env=e)
        time.sleep(0.05)
        os.kill(proc.pid, 9)
        proc.wait()
        p = import_inn(inn, data)
        check(p.returncode == 0, "resumed import exited %d: %s" % (p.returncode, p.stderr))
        gs = harness.groups(data)
        # Every article exactly once in each of its groups, numbered as
        # INN numbered it.
        want = {}
        for mid, a in arts.items():
            _, x = strip_xref(a)
            for pair in xref_pairs(x):
                g, n = pair.split(":")
                want.setdefault(g, set()).add(int(n))
        with Loomd(data=data) as loom:
            c = harness.Conn(loom.host, loom.port)
            try:
                for g, nums in want.items():
                    c.expect(211, "GROUP %s" % g)
                    _, lg = c.expect_multi(211, "LISTGROUP %s" % g)
                    got = [int(x) for x in lg]
                    check(sorted(got) == sorted(nums) and len(got) == len(set(got)),
                          "%s: numbers %r, INN's %r" % (g, got, sorted(nums)))
                    check(gs[g]["count"] == len(nums), "%s count %d, want %d"
                          % (g, gs[g]["count"], len(nums)))
                for mid in arts:
                    check(loom_article(c, mid) is not None, "lost %s" % mid)
            finally:
                c.close()
    finally:
        inn.stop(check=False)
        shutil.rmtree(data, ignore_errors=True)


def test_import_rnews_from_inn_sm():
    """A spool import inn cannot read (timehash): the groups from INN's
    files (no spool), the articles as an rnews batch written by INN's own
    sm -S from the history's tokens, filed by their Xref (--xref)."""
    innmod.need_inn()
    inn = Inn(groups=GROUPS)
    data = tempfile.mkdtemp(prefix="loomimport-")
    try:
        arts = {}
        for i in range(2):
            mid = "<filler.%d@seed.example>" % i
            code, _ = inn.ihave(mid, extra_article(mid, "local.test", "filler %d" % i))
            check(code == 235, "INN refused filler %d" % i)
        for p in PAGE[:6]:
            code, text = inn.ihave(p["msgid"], seed_article(p["msgid"]))
            check(code == 235, "INN refused %s: %d %s" % (p["msgid"], code, text))
        inn.ctlinnd_ok("flush", "")
        for mid in [p["msgid"] for p in PAGE[:6]] + ["<filler.0@seed.example>",
                                                     "<filler.1@seed.example>"]:
            arts[mid] = inn.article(mid)
            check(arts[mid] is not None, "INN lacks %s" % mid)
        with open(os.path.join(inn.db, "history")) as f:
            tokens = "".join(l.split("\t")[2].strip() + "\n" for l in f
                             if l.count("\t") == 2)
        # Bytes: the articles are UTF-8, the batch counts octets.
        r = subprocess.run([os.path.join(innmod.INN_BIN, "sm"), "-S"],
                           input=tokens.encode(), capture_output=True,
                           timeout=60, **inn._popen_kw())
        check(r.returncode == 0 and r.stdout.startswith(b"#! rnews "),
              "sm -S: %d %r %r" % (r.returncode, r.stdout[:100], r.stderr))
        batch = os.path.join(data, "..", os.path.basename(data) + ".rnews")
        with open(batch, "wb") as f:
            f.write(r.stdout)
        p = import_inn(inn, data, spool="/nonexistent")
        check(p.returncode == 0, "import inn without spool: %s" % p.stderr)
        p = subprocess.run([harness.LOOMCTL, "--data", data, "import", "rnews",
                            "--xref", batch], capture_output=True, text=True,
                           timeout=120, stdin=subprocess.DEVNULL)
        os.unlink(batch)
        check(p.returncode == 0, "import rnews: %s%s" % (p.stdout, p.stderr))
        check(re.search(r"rnews: %d articles stored" % len(arts), p.stdout),
              "summary: %s" % p.stdout)
        with Loomd(data=data) as loom:
            c = harness.Conn(loom.host, loom.port)
            try:
                for mid, inn_bytes in arts.items():
                    mine, my_xref = strip_xref(loom_article(c, mid))
                    theirs, inn_xref = strip_xref(inn_bytes)
                    check(mine == theirs, "%s differs:\n%r\n%r" % (mid, theirs[:300], mine[:300]))
                    check(xref_pairs(my_xref) == xref_pairs(inn_xref),
                          "%s numbered %s, INN %s" % (mid, my_xref, inn_xref))
            finally:
                c.close()
    finally:
        inn.stop(check=False)
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    harness.main(globals())
