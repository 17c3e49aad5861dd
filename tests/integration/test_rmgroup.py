#!/usr/bin/env python3
"""
Groups come and go while loomd runs: loomctl newgroup and rmgroup take
effect at once for LIST, GROUP and NEWGROUPS; removing a group removes its
articles from it (a cross-post stays in its other groups, an article only
there goes, its thread node a placeholder while it has replies); the name
can be created again with numbers after the old ones; the defaults do not
come back once every group was removed.

    python3 tests/integration/test_rmgroup.py [name-substring...]
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Loomd, TestFailure, make_article, relayed  # noqa: E402

GONE = "local.gone"


def check(cond, msg):
    if not cond:
        raise TestFailure(msg)


def active(c, wildmat=None):
    """LIST ACTIVE -> {name: (high, low, status)}."""
    _, lines = c.expect_multi(215, "LIST ACTIVE" + (" " + wildmat if wildmat
                                                     else ""))
    out = {}
    for l in lines:
        name, high, low, status = l.split()
        out[name] = (int(high), int(low), status)
    return out


def newgroups(c, since):
    _, lines = c.expect_multi(231, "NEWGROUPS %s GMT" % since)
    return [l.split()[0] for l in lines]


def post(c, msgid, groups, references=None):
    code, text = c.post(make_article(newsgroups=groups, message_id=msgid,
                                     references=references))
    check(code == 240, "POST %s to %s -> %d %s" % (msgid, groups, code, text))


def xref(c, msgid):
    _, lines = c.expect_multi(220, "ARTICLE %s" % msgid)
    return [l for l in lines if l.lower().startswith("xref:")][0]


def test_rmgroup_while_running():
    since = time.strftime("%Y%m%d %H%M%S", time.gmtime(time.time() - 60))
    with Loomd() as d:
        c = d.connect()
        p = d.ctl("newgroup", GONE, "Comes and goes")
        check(p.returncode == 0, p.stderr)
        # Created behind loomd's back, visible at once.
        check(GONE in active(c), active(c))
        check(GONE in newgroups(c, since), newgroups(c, since))
        c.expect(211, "GROUP %s" % GONE)

        only = "<only.%d@rm.test>" % os.getpid()
        cross = "<cross.%d@rm.test>" % os.getpid()
        reply = "<reply.%d@rm.test>" % os.getpid()
        lone = "<lone.%d@rm.test>" % os.getpid()
        post(c, only, GONE)                          # local.gone:1
        post(c, cross, GONE + ",local.test")         # local.gone:2
        post(c, reply, "local.test", references=only)
        post(c, lone, GONE)                          # local.gone:3
        old_xref = xref(c, cross)
        check(GONE + ":2" in old_xref, old_xref)

        # A reader sits in the group while it goes.
        r = d.connect()
        r.expect(211, "GROUP %s" % GONE)
        r.expect(223, "STAT 1")

        p = d.ctl("rmgroup", GONE)
        check(p.returncode == 0, (p.returncode, p.stdout, p.stderr))
        check(p.stdout.strip() == "removed %s (3 articles)" % GONE, p.stdout)

        # No restart: LIST, LIST ACTIVE wildmat, GROUP, NEWGROUPS.
        check(GONE not in active(c), active(c))
        check(active(c, GONE) == {}, active(c, GONE))
        c.expect(411, "GROUP %s" % GONE)
        check(GONE not in newgroups(c, since), newgroups(c, since))
        check(GONE not in harness.groups(d.data), harness.groups(d.data))

        # Only there: gone.  Cross-posted: still in local.test.  History
        # keeps both, so peers cannot feed them back.
        for m in (only, lone):
            c.expect(430, "STAT %s" % m)
            c.expect(435, "IHAVE %s" % m)
        c.expect(223, "STAT %s" % cross)
        c.expect(211, "GROUP local.test")
        _, nums = c.expect_multi(211, "LISTGROUP local.test")
        check(len(nums) == 2, nums)
        # The reply's parent is a placeholder now: the thread keeps its
        # shape.
        _, tree = c.expect_multi(224, "XTREE %s" % reply)
        check(len(tree) == 2, tree)
        f = tree[0].split("\t")
        check(f[0] == "0" and f[1] == "0" and f[5] == only and f[2] == "",
              tree[0])
        check(tree[1].split("\t")[0] == "1", tree)

        # The reader that had the group selected.
        r.expect(423, "STAT 1")
        r.expect(411, "LISTGROUP")
        r.expect(412, "STAT 1")
        r.expect(211, "GROUP local.test")

        # Removing it again, or a group that never was: exit 1, a reason.
        for name in (GONE, "no.such.group"):
            p = d.ctl("rmgroup", name)
            check(p.returncode == 1, (name, p.returncode, p.stdout))
            check(p.stderr.strip() == "loomctl: no group %s" % name,
                  p.stderr)
        p = d.ctl("rmgroup")
        check(p.returncode == 2, (p.returncode, p.stderr))

        # Created again: fresh, numbered after the old articles, so the
        # stale "local.gone:2" in the cross-post's Xref names nothing new.
        p = d.ctl("newgroup", GONE)
        check(p.returncode == 0, p.stderr)
        check(GONE in newgroups(c, since), newgroups(c, since))
        text = c.expect(211, "GROUP %s" % GONE)
        check(text == "0 4 3 %s" % GONE, text)
        again = "<again.%d@rm.test>" % os.getpid()
        post(c, again, GONE)
        check(xref(c, again).endswith(" %s:4" % GONE), xref(c, again))
        check(active(c)[GONE] == (4, 4, "y"), active(c))
        check(xref(c, cross) == old_xref, xref(c, cross))

        # And all of it survives a restart.
        d.restart()
        c = d.connect()
        check(active(c)[GONE] == (4, 4, "y"), active(c))
        c.expect(430, "STAT %s" % only)
        c.expect(223, "STAT %s" % again)


def test_rmgroup_every_group_stays_empty():
    """The default groups are for a fresh store: once the administrator
    removed every group, neither a restart nor SIGHUP brings them back."""
    with Loomd(config="[server]\npathhost = rm.test\n") as d:
        check(sorted(harness.groups(d.data)) == ["local.general",
                                                  "local.test"],
              harness.groups(d.data))
        for g in ("local.general", "local.test"):
            p = d.ctl("rmgroup", g)
            check(p.returncode == 0, p.stderr)
        since = d.log_size()
        d.sighup()
        d.wait_log(r"reloaded", since=since)
        check(harness.groups(d.data) == {}, harness.groups(d.data))
        d.restart()
        check(harness.groups(d.data) == {}, harness.groups(d.data))
        c = d.connect()
        check(active(c) == {}, active(c))
        c.expect(411, "GROUP local.test")


def test_rmgroup_warns_about_a_config_group():
    """A group the config names is created again by loomd at its next
    start: loomctl says so when it is given that config."""
    conf = "[group local.cfg]\ndescription = from the config\n"
    with Loomd(config=conf) as d:
        check("local.cfg" in harness.groups(d.data), harness.groups(d.data))
        p = harness.loomctl(None, "-c", d.config_path, "-d", d.data,
                            "rmgroup", "local.cfg")
        check(p.returncode == 0, (p.returncode, p.stderr))
        check("[group local.cfg]" in p.stderr and "SIGHUP" in p.stderr,
              p.stderr)
        check("local.cfg" not in harness.groups(d.data),
              harness.groups(d.data))
        d.restart()
        check("local.cfg" in harness.groups(d.data), harness.groups(d.data))


if __name__ == "__main__":
    harness.main(globals())
