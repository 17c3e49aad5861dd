#!/usr/bin/env python3
"""
Retention (issue #17): [expire NAME] rules (group wildmat, days,
max_articles; the last matching rule wins) applied by loomd itself every
[expire] interval, and by `loomctl expire` on demand; `--dry-run` says what
would go and removes nothing.  The unit test tests/unit/test_retention.c
covers the history purge and the moderation queue's age limit, which need
arrival times in the past.

    python3 tests/integration/test_retention.py [name-substring...]
"""

import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Loomd, TestFailure, make_article  # noqa: E402

RULES = """
[group ret.go]
[group ret.keep]
[group ret.max]
[group other.none]

# Everything under ret.* goes once it arrived (days = 0) ...
[expire all]
groups = ret.*
days = 0

# ... except ret.keep (a later rule wins) ...
[expire keep]
groups = ret.keep
days = 30

# ... and ret.max keeps its newest two, whatever their age.
[expire max]
groups = ret.max
max_articles = 2
"""

GROUPS = ("ret.go", "ret.keep", "ret.max", "other.none")


def check(cond, msg):
    if not cond:
        raise TestFailure(msg)


def count(c, group):
    code, text = c.cmd("GROUP " + group)
    check(code == 211, "GROUP %s -> %d %s" % (group, code, text))
    return int(text.split()[0])


def fill(c, tag):
    """Five articles in each group; their Message-IDs by group."""
    ids = {}
    for g in GROUPS:
        ids[g] = []
        for i in range(5):
            msgid = "<%s.%d.%s.%d@ret.test>" % (tag, i, g, os.getpid())
            code, text = c.post(make_article(newsgroups=g, message_id=msgid))
            check(code == 240, "POST to %s -> %d %s" % (g, code, text))
            ids[g].append(msgid)
    return ids


def present(c, msgid):
    code, _ = c.cmd("STAT " + msgid)
    check(code in (223, 430), "STAT %s -> %d" % (msgid, code))
    return code == 223


def expect_kept(c, ids):
    check(count(c, "ret.keep") == 5, "ret.keep lost articles")
    check(count(c, "other.none") == 5, "other.none (no rule) lost articles")
    check(count(c, "ret.go") == 0, "ret.go not emptied")
    check(count(c, "ret.max") == 2, "ret.max does not hold 2")
    check(not present(c, ids["ret.go"][0]), "ret.go article still there")
    check(not present(c, ids["ret.max"][2]), "ret.max's third still there")
    check(present(c, ids["ret.max"][3]) and present(c, ids["ret.max"][4]),
          "ret.max lost its newest two")
    check(present(c, ids["ret.keep"][0]), "ret.keep article gone")


def test_scheduled_pass_applies_the_rules():
    with Loomd(config="[expire]\ninterval = 1\n" + RULES) as d:
        c = d.connect()
        ids = fill(c, "sched")
        # A pass every second: wait for one that starts after the last post
        # arrived (days = 0 takes what arrived before the pass's second).
        end = time.monotonic() + harness.scaled(30)
        while count(c, "ret.go") != 0 or count(c, "ret.max") != 2:
            check(time.monotonic() < end, "no pass emptied ret.go: "
                  + harness.tail(d.log_text()))
            time.sleep(0.3)
        expect_kept(c, ids)
        d.wait_log(r"expire: \d+ groups, \d+ overview entries")
        # Expired articles are still refused as duplicates (history kept).
        code, _ = c.cmd("IHAVE " + ids["ret.go"][0])
        check(code == 435, "IHAVE of an expired article -> %d" % code)


def test_loomctl_dry_run_then_expire():
    with Loomd(config="[expire]\ninterval = 0\n" + RULES) as d:
        c = d.connect()
        ids = fill(c, "ctl")
        time.sleep(1.2)     # days = 0: arrived before this second
        p = d.ctl("--config", d.config_path, "expire", "--dry-run")
        check(p.returncode == 0, p.stderr)
        out = p.stdout
        check(re.search(r"^would expire ret\.go: 5 overview entries, 5 "
                        r"articles$", out, re.M), out)
        check(re.search(r"^would expire ret\.max: 3 overview entries", out,
                        re.M), out)
        check("ret.keep" not in out and "other.none" not in out, out)
        check(re.search(r"^dry run, would expire in \d+ groups: 8 overview "
                        r"entries", out, re.M), out)
        # Nothing went.
        for g in GROUPS:
            check(count(c, g) == 5, "dry run removed from %s" % g)
        check(present(c, ids["ret.go"][0]), "dry run removed an article")

        p = d.ctl("--config", d.config_path, "expire")
        check(p.returncode == 0, p.stderr)
        check(re.search(r"^expired \d+ groups: 8 overview entries, 8 "
                        r"articles removed", p.stdout, re.M), p.stdout)
        expect_kept(c, ids)
        # Again: nothing more to do.
        p = d.ctl("--config", d.config_path, "expire", "--dry-run")
        check(re.search(r"would expire in \d+ groups: 0 overview", p.stdout),
              p.stdout)


def check_config(text):
    d = Loomd(config=text, start=False)
    try:
        return harness.run_loomd("--config", d.config_path, "--data", d.data,
                                 "--check-config")
    finally:
        d.close(expect_status=None)


def test_config_rejects_bad_rules():
    p = check_config("[expire]\ninterval = 60\nmoderation_queue_days = 7\n"
                     + RULES)
    check(p.returncode == 0, "good rules refused: %s" % p.stderr)
    for bad in ("[expire x]\ngroups = a.[\n", "[expire x]\ndays = -1\n",
                "[expire x]\nmax_articles = lots\n", "[expire x]\nkeep = 1\n",
                "[expire]\ninterval = soon\n"):
        p = check_config(bad)
        check(p.returncode != 0, "accepted %r: %s" % (bad, p.stdout))


def test_ad_hoc_days_and_wildmat_still_work():
    with Loomd(config=RULES) as d:
        c = d.connect()
        fill(c, "adhoc")
        time.sleep(1.2)
        p = d.ctl("expire", "0", "other.*")
        check(p.returncode == 0, p.stderr)
        check(count(c, "other.none") == 0, "expire 0 other.* kept articles")
        check(count(c, "ret.go") == 5, "expire 0 other.* touched ret.go")


if __name__ == "__main__":
    harness.main(globals())
