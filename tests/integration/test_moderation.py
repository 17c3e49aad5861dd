#!/usr/bin/env python3
"""Moderated groups (issue #15, first part): a post to a moderated group
by someone who is not its moderator waits in the store's moderation queue
(240 "awaiting moderation"); loomctl queue list/show/approve/reject; an
approved article goes in through loomd, keeps its Message-ID and threads;
Approved from a non-moderator is refused; a moderator's post goes straight
in; peers' articles for a moderated group need Approved; LIST MODERATORS
(RFC 6048); loomctl group set status=m shows in LIST ACTIVE at once."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Loomd, make_article, unique_msgid  # noqa: E402

PASSWORD = "moderation-pw-1"

CONF = """
[auth]
allow_plaintext = yes
[group mod.test]
[group mod.other]
[group local.general]

[moderators mod]
groups = mod.*
users = modder
submit = %s-submit@example.invalid
"""


def server():
    d = Loomd(config=CONF)
    for user in ("modder", "joe"):
        p = d.ctl("user", "add", user, input=PASSWORD + "\n")
        assert p.returncode == 0, p.stderr
    for g in ("mod.test", "mod.other"):
        p = d.ctl("group", "set", g, "status=m")
        assert p.returncode == 0, p.stderr
    return d


def login(d, user):
    c = d.connect()
    c.expect(381, "AUTHINFO USER " + user)
    c.expect(281, "AUTHINFO PASS " + PASSWORD)
    return c


def queue(d, group=None):
    """loomctl queue list as [[id, state, queued, submitter, groups, msgid,
    subject], ...]."""
    p = d.ctl("queue", "list", *([group] if group else []))
    assert p.returncode == 0, p.stderr
    return [l.split("\t") for l in p.stdout.splitlines()]


def count(c, group):
    code, text = c.cmd("GROUP " + group)
    assert code == 211, (code, text)
    return int(text.split()[0])


def wait_article(c, msgid, timeout=15.0):
    """Poll ARTICLE msgid until it is there (loomd stores approved entries
    on its next look at the queue); its lines."""
    end = time.monotonic() + harness.scaled(timeout)
    while True:
        code, text = c.cmd("ARTICLE " + msgid)
        if code == 220:
            return c.multiline()
        assert code == 430, (code, text)
        assert time.monotonic() < end, "approved %s never stored" % msgid
        time.sleep(0.2)


def header(lines, name):
    for l in lines:
        if l == "":
            break
        if l.lower().startswith(name.lower() + ":"):
            return l.split(":", 1)[1].strip()
    return None


def test_group_set_shows_in_list_active_at_once():
    with Loomd(config=CONF) as d:
        c = d.connect()
        _, lines = c.expect_multi(215, "LIST ACTIVE mod.test")
        assert lines[0].split()[3] == "y", lines
        p = d.ctl("group", "set", "mod.test", "status=m")
        assert p.returncode == 0, p.stderr
        _, lines = c.expect_multi(215, "LIST ACTIVE mod.test")
        assert lines[0].split()[3] == "m", lines
        p = d.ctl("group", "set", "mod.test", "status=n")
        assert p.returncode == 0, p.stderr
        _, lines = c.expect_multi(215, "LIST ACTIVE mod.test")
        assert lines[0].split()[3] == "n", lines
        p = d.ctl("group", "set", "mod.test", "status=x")
        assert p.returncode == 2, (p.returncode, p.stderr)
        p = d.ctl("group", "set", "no.such.group", "status=m")
        assert p.returncode == 1, (p.returncode, p.stderr)


def test_queue_round_trip_approve_and_reject():
    with server() as d:
        c = d.connect()
        mid = unique_msgid()
        code, text = c.post(make_article(newsgroups="mod.test",
                                         subject="Please moderate me",
                                         message_id=mid))
        assert code == 240 and "awaiting moderation" in text, (code, text)
        # Not in the group, not readable: only in the queue.
        assert count(c, "mod.test") == 0
        c.expect(430, "ARTICLE " + mid)
        q = queue(d)
        assert len(q) == 1, q
        assert q[0][1] == "waiting" and q[0][3] == "-", q
        assert q[0][4] == "mod.test" and q[0][5] == mid, q
        assert q[0][6] == "Please moderate me", q
        assert queue(d, "mod.other") == []
        assert len(queue(d, "mod.test")) == 1
        p = d.ctl("queue", "show", q[0][0])
        assert p.returncode == 0, p.stderr
        assert "Message-ID: " + mid in p.stdout, p.stdout
        assert "Hello." in p.stdout, p.stdout

        # A duplicate while queued is refused like any duplicate.
        code, text = c.post(make_article(newsgroups="mod.test",
                                         message_id=mid))
        assert code == 441 and "Duplicate" in text, (code, text)
        code, text = c.post(make_article(newsgroups="local.general",
                                         message_id=mid))
        assert code == 441 and "Duplicate" in text, (code, text)

        p = d.ctl("queue", "approve", q[0][0], "modder")
        assert p.returncode == 0, p.stderr
        lines = wait_article(c, mid)
        assert header(lines, "Message-ID") == mid, lines
        assert header(lines, "Approved") == "modder", lines
        assert header(lines, "Xref").split()[1].startswith("mod.test:"), lines
        assert count(c, "mod.test") == 1
        assert queue(d) == []
        # A reply threads under it, by its own Message-ID: the moderator
        # posts it (straight in).
        m = login(d, "modder")
        rid = unique_msgid()
        code, text = m.post(make_article(newsgroups="mod.test",
                                         subject="Re: Please moderate me",
                                         message_id=rid, references=mid))
        assert code == 240 and "moderation" not in text, (code, text)
        p = d.ctl("thread", mid)
        assert p.returncode == 0, p.stderr
        tree = p.stdout.splitlines()
        assert len(tree) == 2, tree
        assert tree[0].endswith("Please moderate me"), tree
        assert tree[1].startswith("  ") and \
            tree[1].endswith("Re: Please moderate me"), tree
        c.expect(211, "GROUP mod.test")
        _, lines = c.expect_multi(224, "OVER 1-2")
        assert len(lines) == 2 and rid in lines[1] and mid in lines[1], lines

        # Reject: removed, never stored.
        mid2 = unique_msgid()
        code, text = c.post(make_article(newsgroups="mod.test",
                                         message_id=mid2))
        assert code == 240 and "awaiting moderation" in text, (code, text)
        q = queue(d)
        assert len(q) == 1 and q[0][5] == mid2, q
        p = d.ctl("queue", "reject", q[0][0], "off topic")
        assert p.returncode == 0, p.stderr
        assert "off topic" in p.stdout, p.stdout
        assert queue(d) == []
        p = d.ctl("queue", "reject", q[0][0])
        assert p.returncode == 1, (p.returncode, p.stdout)
        p = d.ctl("queue", "approve", q[0][0])
        assert p.returncode == 1, (p.returncode, p.stdout)
        time.sleep(harness.scaled(1.5))
        c.expect(430, "ARTICLE " + mid2)
        assert count(c, "mod.test") == 2


def test_queue_survives_restart():
    with server() as d:
        c = d.connect()
        mid = unique_msgid()
        code, text = c.post(make_article(newsgroups="mod.test",
                                         message_id=mid))
        assert code == 240, (code, text)
        c.close()
        d.restart()
        q = queue(d)
        assert len(q) == 1 and q[0][5] == mid, q


def test_approved_from_non_moderator_refused():
    with server() as d:
        anon = d.connect()
        joe = login(d, "joe")
        for c in (anon, joe):
            for groups in ("mod.test", "local.general"):
                mid = unique_msgid()
                code, text = c.post(make_article(
                    newsgroups=groups, message_id=mid,
                    headers=[("Approved", "modder@example.invalid")]))
                assert code == 441 and "Approved" in text, (code, text)
                c.expect(430, "ARTICLE " + mid)
        assert queue(d) == []
        # A logged-in non-moderator without Approved is queued.
        code, text = joe.post(make_article(newsgroups="mod.test",
                                           message_id=True))
        assert code == 240 and "awaiting moderation" in text, (code, text)
        q = queue(d)
        assert len(q) == 1 and q[0][3] == "joe", q


def test_moderator_post_goes_straight_in():
    with server() as d:
        m = login(d, "modder")
        mid = unique_msgid()
        code, text = m.post(make_article(newsgroups="mod.test",
                                         message_id=mid))
        assert code == 240 and "moderation" not in text, (code, text)
        lines = wait_article(m, mid, timeout=1)
        # Approved is added, so peers take it.
        assert header(lines, "Approved") == "modder", lines
        mid = unique_msgid()
        code, text = m.post(make_article(
            newsgroups="mod.test", message_id=mid,
            headers=[("Approved", "Mod Erator <mod@example.invalid>")]))
        assert code == 240, (code, text)
        lines = wait_article(m, mid, timeout=1)
        assert header(lines, "Approved") == \
            "Mod Erator <mod@example.invalid>", lines
        assert queue(d) == []

        # Approval over NNTP: the moderator re-posts a queued article
        # with Approved (RFC 5537 3.5.1); it leaves the queue.
        c = d.connect()
        mid = unique_msgid()
        art = make_article(newsgroups="mod.test", message_id=mid,
                           subject="queued first")
        code, text = c.post(art)
        assert code == 240 and "awaiting moderation" in text, (code, text)
        assert len(queue(d)) == 1
        code, text = m.post(art.replace(
            "Subject:", "Approved: modder\nSubject:"))
        assert code == 240 and "moderation" not in text, (code, text)
        lines = wait_article(c, mid, timeout=1)
        assert header(lines, "Subject") == "queued first", lines
        assert queue(d) == []
        assert count(c, "mod.test") == 3


def test_crosspost_queued_whole():
    with server() as d:
        c = d.connect()
        mid = unique_msgid()
        code, text = c.post(make_article(
            newsgroups="local.general,mod.test", message_id=mid))
        assert code == 240 and "awaiting moderation" in text, (code, text)
        assert count(c, "local.general") == 0
        assert count(c, "mod.test") == 0
        q = queue(d)
        assert len(q) == 1 and q[0][4] == "local.general,mod.test", q
        assert len(queue(d, "local.general")) == 1
        p = d.ctl("queue", "approve", q[0][0], "modder")
        assert p.returncode == 0, p.stderr
        lines = wait_article(c, mid)
        xref = header(lines, "Xref").split()[1:]
        assert sorted(x.split(":")[0] for x in xref) == \
            ["local.general", "mod.test"], xref
        assert count(c, "local.general") == 1
        assert count(c, "mod.test") == 1
        # A moderator of mod.* cross-posting to mod.test and an unmoderated
        # group goes straight in too.
        m = login(d, "modder")
        code, text = m.post(make_article(
            newsgroups="local.general,mod.test", message_id=True))
        assert code == 240 and "moderation" not in text, (code, text)
        assert count(c, "local.general") == 2


def test_peers_need_approved():
    with server() as d:
        c = d.connect()
        mid = unique_msgid()
        code, text = c.ihave(mid, harness.relayed(mid, groups="mod.test"))
        assert code == 437 and "moderated" in text, (code, text)
        # Not remembered: the approved copy may follow.
        mid_ok = mid
        code, text = c.ihave(mid_ok, harness.relayed(
            mid_ok, groups="mod.test", extra=[("Approved", "mod@peer")]))
        assert code == 235, (code, text)
        # A cross-post that also names an unmoderated group: still refused.
        mid = unique_msgid()
        code, text = c.ihave(mid, harness.relayed(
            mid, groups="local.general,mod.test"))
        assert code == 437, (code, text)
        # An unmoderated group needs nothing.
        mid = unique_msgid()
        code, text = c.ihave(mid, harness.relayed(mid,
                                                  groups="local.general"))
        assert code == 235, (code, text)

        s = d.connect()
        s.expect(203, "MODE STREAM")
        bad, good = unique_msgid(), unique_msgid()
        for m, extra in ((bad, []), (good, [("Approved", "mod@peer")])):
            s.send(("TAKETHIS %s\r\n" % m).encode() + harness.wire(
                harness.relayed(m, groups="mod.other", extra=extra)))
        line = s.line()
        assert line == "439 " + bad or line.startswith("439 %s " % bad), line
        line = s.line()
        assert line.startswith("239 " + good), line
        assert count(c, "mod.other") == 1
        assert count(c, "mod.test") == 1
        assert queue(d) == []


def test_approved_article_fed_to_peer():
    """Approval takes the posted path: the article is fed to a peer, which
    (moderating the group too) takes it for its Approved header; while it
    waits in the queue nothing is fed."""
    peer_conf = "[server]\npathhost = b.test\n[group mod.test]\n"
    with Loomd(config=peer_conf) as b:
        p = b.ctl("group", "set", "mod.test", "status=m")
        assert p.returncode == 0, p.stderr
        conf = CONF + ("[server]\npathhost = a.test\n[peer b.test]\n"
                       "host = 127.0.0.1\nport = %d\npathhost = b.test\n"
                       "groups = mod.*\n" % b.port)
        a = Loomd(config=conf)
        with a:
            for g in ("mod.test", "mod.other"):
                assert a.ctl("group", "set", g, "status=m").returncode == 0
            c = a.connect()
            mid = unique_msgid()
            code, text = c.post(make_article(newsgroups="mod.test",
                                             message_id=mid))
            assert code == 240 and "awaiting moderation" in text, (code, text)
            p = a.ctl("--config", a.config_path, "peers")
            assert p.returncode == 0, p.stderr
            assert "\tqueued=0\t" in p.stdout, p.stdout
            q = queue(a)
            assert a.ctl("queue", "approve", q[0][0], "modder").returncode == 0
            cb = b.connect()
            lines = wait_article(cb, mid, timeout=45)
            assert header(lines, "Approved") == "modder", lines
            assert header(lines, "Path").startswith("b.test!a.test!"), lines
            assert count(cb, "mod.test") == 1


def test_list_moderators():
    with server() as d:
        c = d.connect()
        code, text = c.cmd("CAPABILITIES")
        assert code == 101
        caps = c.multiline()
        lst = [l for l in caps if l.startswith("LIST ")]
        assert lst and "MODERATORS" in lst[0].split(), caps
        _, lines = c.expect_multi(215, "LIST MODERATORS")
        assert lines == ["mod.*:%s-submit@example.invalid"], lines
    conf = CONF.replace("submit = %s-submit@example.invalid\n", "") + \
        "[server]\ndomain = news.example.invalid\n"
    with Loomd(config=conf) as d:
        c = d.connect()
        _, lines = c.expect_multi(215, "LIST MODERATORS")
        assert lines == ["mod.*:%s@news.example.invalid"], lines
    # A rule without users is a configuration error.
    bad = CONF.replace("users = modder\n", "")
    p = harness.run_loomd("--check-config", "--config", "/dev/stdin",
                          input=bad)
    assert p.returncode != 0, (p.returncode, p.stdout, p.stderr)
    assert "needs both groups and users" in p.stderr, p.stderr
    bad = CONF.replace("%s-submit", "%s%s-submit")
    p = harness.run_loomd("--check-config", "--config", "/dev/stdin",
                          input=bad)
    assert p.returncode != 0, (p.returncode, p.stdout, p.stderr)
    assert "bad address template" in p.stderr, p.stderr
    p = harness.run_loomd("--check-config", "--config", "/dev/stdin",
                          input=CONF)
    assert p.returncode == 0, (p.returncode, p.stdout, p.stderr)


if __name__ == "__main__":
    harness.main(globals())
