#!/usr/bin/env python3
"""Withdrawing and editing posts (issue #15): Cancel-Lock on every injected
post, cancels and Supersedes honoured for a matching Cancel-Key, the
poster's own account, a moderator of all the target's groups or an
administrator ([posting] cancel_admins), refused with 441 otherwise; a
cancelled article leaves its groups (its number is not reused) and stays
a placeholder in its thread; a superseding article takes the old one's
place; a peer's cancel that comes before its target is kept and applied
when the target comes; loomctl cancel.

The clients' locks and keys come from Debian's canlock command (package
canlock), so loomd's libcanlock calls are checked against another
program."""
import http.client
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Loomd, make_article, relayed, unique_msgid, wire  # noqa: E402

PASSWORD = "cancel-pw-1"

CONF = """
[auth]
allow_plaintext = yes
[posting]
anonymous_groups = anon.*
cancel_admins = boss
[group local.test]
[group local.other]
[group mod.test]
[group anon.talk]

[moderators mod]
groups = mod.*
users = modder
"""

USERS = ("alice", "bob", "modder", "boss")


def canlock(flag, arg, secret):
    """Debian's canlock: -l/-k make a lock/key for arg with secret on
    standard input; -c key,lock verifies (exit status)."""
    exe = shutil.which("canlock")
    if exe is None:
        harness.missing_dependency("canlock (Debian package canlock; "
                                   "scripts/deps.sh installs it)")
    p = subprocess.run([exe, flag, arg], input=secret.encode(),
                       capture_output=True, timeout=30)
    if flag == "-c":
        return p.returncode == 0
    assert p.returncode == 0, p.stderr
    return p.stdout.decode().strip()


def server(extra=""):
    d = Loomd(config=CONF + extra)
    for user in USERS:
        p = d.ctl("user", "add", user, input=PASSWORD + "\n")
        assert p.returncode == 0, p.stderr
    return d


def login(d, user):
    c = d.connect()
    c.expect(381, "AUTHINFO USER " + user)
    c.expect(281, "AUTHINFO PASS " + PASSWORD)
    return c


def header(lines, name):
    for l in lines:
        if l == "":
            break
        if l.lower().startswith(name.lower() + ":"):
            return l.split(":", 1)[1].strip()
    return None


def head(c, msgid):
    _, lines = c.expect_multi(221, "HEAD " + msgid)
    return lines


def group(c, name="local.test"):
    """(count, low, high) of GROUP name."""
    code, text = c.cmd("GROUP " + name)
    assert code == 211, (code, text)
    n, lo, hi = text.split()[:3]
    return int(n), int(lo), int(hi)


def post(c, groups="local.test", **kw):
    mid = kw.pop("message_id", None) or unique_msgid()
    code, text = c.post(make_article(newsgroups=groups, message_id=mid, **kw))
    assert code == 240, (code, text)
    return mid


def cancel_article(target, groups="local.test", key=None, mid=None):
    h = [("Control", "cancel " + target)]
    if key:
        h.append(("Cancel-Key", key))
    return make_article(newsgroups=groups, subject="cmsg cancel " + target,
                        message_id=mid or unique_msgid(), headers=h)


def xtree(c, msgid):
    _, lines = c.expect_multi(224, "XTREE " + msgid)
    return [(int(l.split("\t")[0]), l.split("\t")[5]) for l in lines]


def test_injected_posts_carry_cancel_lock_and_keep_the_clients():
    with server() as d:
        c = d.connect()
        anon_mid = post(c, subject="not logged in")
        locks = header(head(c, anon_mid), "Cancel-Lock").split()
        # The server's lock only: there is no account to derive from.
        assert len(locks) == 1 and locks[0].startswith("sha256:"), locks

        a = login(d, "alice")
        mid = post(a, subject="logged in")
        locks = header(head(a, mid), "Cancel-Lock").split()
        assert len(locks) == 2, locks
        assert all(l.startswith("sha256:") for l in locks), locks

        # The client's own lock is kept, first, and ours follow.
        mid2 = unique_msgid()
        own = canlock("-l", mid2, "client secret")
        post(a, message_id=mid2, headers=[("Cancel-Lock", own)])
        locks = header(head(a, mid2), "Cancel-Lock").split()
        assert locks[0] == own and len(locks) == 3, locks
        # One Cancel-Lock field, not two.
        assert sum(1 for l in head(a, mid2)
                   if l.lower().startswith("cancel-lock:")) == 1


def test_cancel_by_owner_removes_and_numbers_are_not_reused():
    with server() as d:
        a = login(d, "alice")
        keep = post(a, subject="stays")
        mid = post(a, subject="to be withdrawn")
        n, lo, hi = group(a)
        assert (n, hi) == (2, 2), (n, lo, hi)
        _, lines = a.expect_multi(220, "ARTICLE 2")
        assert header(lines, "Message-ID") == mid

        cmid = unique_msgid()
        code, text = a.post(cancel_article(mid, mid=cmid))
        assert code == 240, (code, text)
        a.expect(430, "ARTICLE " + mid)
        a.expect(430, "STAT " + mid)
        a.expect(430, "HEAD " + mid)
        group(a)
        a.expect(423, "ARTICLE 2")
        a.expect(423, "HEAD 2")
        a.expect(423, "STAT 2")
        # The cancel itself is an article, filed in control.cancel as
        # INN files it, not in local.test; the target's number stays
        # used.
        assert group(a, "control.cancel")[0] == 1
        n, lo, hi = group(a)
        assert (n, hi) == (1, 2), (n, lo, hi)
        _, over = a.expect_multi(224, "OVER 1-")
        assert not any(l.split("\t")[4] == mid for l in over), over
        later = post(a, subject="after the cancel")
        _, lines = a.expect_multi(220, "ARTICLE 3")
        assert header(lines, "Message-ID") == later
        a.expect(223, "STAT " + keep)
        # The server signed the cancel with the poster's key, so peers
        # can check it: Debian's canlock agrees with libcanlock's lock.
        _, clines = a.expect_multi(221, "HEAD " + cmid)
        key = header(clines, "Cancel-Key")
        assert key and key.startswith("sha256:"), clines
        # Offered again by a peer: already gone, refused.
        a.expect(435, "IHAVE " + mid)
        d.wait_log(r"withdraws %s: by its poster" % mid)


def test_poster_key_verifies_with_canlock_command():
    with server() as d:
        a = login(d, "alice")
        mid = post(a)
        locks = header(head(a, mid), "Cancel-Lock").split()
        code, text = a.post(cancel_article(mid, mid=(cmid := unique_msgid())))
        assert code == 240, (code, text)
        key = header(head(a, cmid), "Cancel-Key")
        assert any(canlock("-c", "%s,%s" % (key, l), "") for l in locks), \
            (key, locks)
        assert not canlock("-c", "%s,%s" % (key, canlock(
            "-l", mid, "another secret")), "")


def test_owner_cancel_in_a_moderated_group_is_not_queued():
    with server() as d:
        m = login(d, "modder")
        mid = post(m, groups="mod.test")
        a = login(d, "alice")
        # alice's post to mod.test is queued; her cancel of modder's
        # post is refused; modder's own cancel acts at once.
        code, text = a.post(cancel_article(mid, groups="mod.test"))
        assert code == 441, (code, text)
        code, text = m.post(cancel_article(mid, groups="mod.test"))
        assert code == 240 and "moderation" not in text, (code, text)
        m.expect(430, "STAT " + mid)
        p = d.ctl("queue", "list")
        assert p.returncode == 0 and p.stdout.strip() == "", p.stdout


def test_stranger_refused_441_and_logged():
    with server() as d:
        a = login(d, "alice")
        mid = post(a)
        b = login(d, "bob")
        code, text = b.post(cancel_article(mid))
        assert code == 441 and "Not allowed to cancel" in text, (code, text)
        anon = d.connect()
        code, text = anon.post(cancel_article(mid))
        assert code == 441, (code, text)
        b.expect(223, "STAT " + mid)
        d.wait_log(r"post refused: Not allowed to cancel %s" % mid)
        # A Supersedes from a stranger: refused as well.
        code, text = b.post(make_article(
            message_id=True, headers=[("Supersedes", mid)]))
        assert code == 441 and "Not allowed to supersede" in text, \
            (code, text)
        # A malformed cancel is refused with its reason.
        code, text = b.post(make_article(
            message_id=True, headers=[("Control", "cancel not-an-id")]))
        assert code == 441 and "message-id" in text, (code, text)


def test_moderator_and_admin_may_cancel():
    with server() as d:
        a = login(d, "alice")
        in_mod = post(a, groups="mod.test")
        in_local = post(a)
        crossed = post(a, groups="mod.test,local.test")
        m = login(d, "modder")
        # A moderator of every group of the article: yes.
        code, text = m.post(cancel_article(in_mod, groups="mod.test"))
        assert code == 240, (code, text)
        m.expect(430, "STAT " + in_mod)
        # Not of local.test: no.
        code, text = m.post(cancel_article(in_local, groups="mod.test"))
        assert code == 441, (code, text)
        code, text = m.post(cancel_article(crossed, groups="mod.test"))
        assert code == 441, (code, text)
        boss = login(d, "boss")
        code, text = boss.post(cancel_article(crossed))
        assert code == 240, (code, text)
        boss.expect(430, "STAT " + crossed)
        # Both cancels are in control.cancel, none in mod.test.
        assert group(boss, "mod.test")[0] == 0
        assert group(boss, "control.cancel")[0] == 2
        d.wait_log(r"withdraws %s: by an administrator" % crossed)
        d.wait_log(r"withdraws %s: by a moderator" % in_mod)


def test_cancel_key_from_canlock_matching_and_wrong():
    with server() as d:
        c = d.connect()
        mid = unique_msgid()
        post(c, message_id=mid,
             headers=[("Cancel-Lock", canlock("-l", mid, "my secret"))])
        wrong = canlock("-k", mid, "not my secret")
        code, text = c.post(cancel_article(mid, key=wrong))
        assert code == 441, (code, text)
        c.expect(223, "STAT " + mid)
        # With a comment around it, as RFC 8315 allows.
        right = canlock("-k", mid, "my secret")
        code, text = c.post(cancel_article(mid, key="(mine) " + right))
        assert code == 240, (code, text)
        c.expect(430, "STAT " + mid)

        # Supersedes with the key: the new one stands in the old one's
        # place.
        old = unique_msgid()
        post(c, message_id=old,
             headers=[("Cancel-Lock", canlock("-l", old, "s2"))])
        new = unique_msgid()
        code, text = c.post(make_article(
            message_id=new, subject="corrected",
            headers=[("Supersedes", old),
                     ("Cancel-Key", canlock("-k", old, "s2"))]))
        assert code == 240, (code, text)
        c.expect(430, "STAT " + old)
        c.expect(223, "STAT " + new)


def test_anonymous_post_cancelled_by_its_author_only():
    with server() as d:
        a = login(d, "alice")
        # The server gives an anonymous post its own Message-ID.
        code, text = a.post(make_article(
            newsgroups="anon.talk", headers=[("X-Loom-Anonymous", "yes")]))
        assert code == 240, (code, text)
        mid = text.split()[2]
        lines = head(a, mid)
        assert len(header(lines, "Cancel-Lock").split()) == 2, lines
        assert "alice" not in "\n".join(lines).lower(), lines
        b = login(d, "bob")
        code, text = b.post(cancel_article(mid, groups="anon.talk"))
        assert code == 441, (code, text)
        code, text = a.post(cancel_article(mid, groups="anon.talk"))
        assert code == 240, (code, text)
        a.expect(430, "STAT " + mid)


def test_supersede_keeps_the_threads_shape():
    with server() as d:
        a = login(d, "alice")
        root = post(a, subject="root")
        mid_a = post(a, subject="Re: root", references=root)
        mid_b = post(a, subject="Re: a", references="%s %s" % (root, mid_a))
        mid_c = post(a, subject="Re: b", references="%s %s %s" %
                     (root, mid_a, mid_b))
        assert xtree(a, root) == [(0, root), (1, mid_a), (2, mid_b),
                                  (3, mid_c)]
        new = unique_msgid()
        code, text = a.post(make_article(
            subject="Re: root (corrected)", message_id=new, references=root,
            headers=[("Supersedes", mid_a)]))
        assert code == 240, (code, text)
        a.expect(430, "STAT " + mid_a)
        # The old one's replies hang under the new one; nothing else
        # moved, and the old one is no placeholder.
        assert xtree(a, mid_c) == [(0, root), (1, new), (2, mid_b),
                                   (3, mid_c)]
        # References of the stored replies are unchanged.
        assert mid_a in header(head(a, mid_b), "References")


def xroots(c, grp="local.test"):
    """(root, replies) of XROOTS grp, most recently active first."""
    _, lines = c.expect_multi(224, "XROOTS " + grp)
    return [(l.split("\t")[0], int(l.split("\t")[4])) for l in lines]


def web_get(d, path):
    """(status, Location) of one GET on loomd's web listener."""
    m = re.search(r"web: http://127\.0\.0\.1:(\d+)/", d.log_text())
    assert m, "no web listener in the log"
    h = http.client.HTTPConnection("127.0.0.1", int(m.group(1)),
                                   timeout=harness.scaled(10))
    try:
        h.request("GET", path)
        r = h.getresponse()
        body = r.read().decode("utf-8", "replace")
        return r.status, r.getheader("Location"), body
    finally:
        h.close()


def test_supersede_of_a_root_leaves_one_thread():
    d = Loomd(config=CONF, args=("--http", "127.0.0.1:0"))
    with d:
        for user in USERS:
            p = d.ctl("user", "add", user, input=PASSWORD + "\n")
            assert p.returncode == 0, p.stderr
        a = login(d, "alice")
        root = post(a, subject="root")
        mid_a = post(a, subject="Re: root", references=root)
        mid_b = post(a, subject="Re: a", references="%s %s" % (root, mid_a))
        other = post(a, subject="another thread")
        a.cmd("GROUP local.test")
        assert xroots(a) == [(other, 0), (root, 2)]
        new = unique_msgid()
        code, text = a.post(make_article(
            subject="root (corrected)", message_id=new,
            headers=[("Supersedes", root)]))
        assert code == 240, (code, text)
        a.expect(430, "STAT " + root)
        # One thread, under the new root, with both replies, and the
        # latest activity (the new version's).
        assert xroots(a) == [(new, 2), (other, 0)]
        _, lines = a.expect_multi(224, "XROOTS local.test")
        assert lines[0].split("\t")[1] == "root (corrected)", lines
        tree = [(0, new), (1, mid_a), (2, mid_b)]
        # The same tree from the new root, a reply, and the old root's
        # Message-ID (which leads to the new one).
        for m in (new, mid_a, mid_b, root):
            assert xtree(a, m) == tree, m
        # A late reply to the old root hangs under the new one.
        late = post(a, subject="Re: root", references=root)
        assert xtree(a, root) == tree + [(1, late)]
        assert xroots(a) == [(new, 3), (other, 0)]
        # The web: the thread page from the new root and from a reply
        # shows all of it; the old permalink moves to the new one.
        for m in (new, mid_b):
            st, _, body = web_get(d, "/t/" + urllib.parse.quote(m, safe=""))
            assert st == 200, (st, m)
            for x in (new, mid_a, mid_b, late):
                assert urllib.parse.quote(x, safe="") in body, (m, x)
        st, where, _ = web_get(d, "/t/" + urllib.parse.quote(root, safe=""))
        assert st == 301, st
        assert where == "/t/" + urllib.parse.quote(new, safe=""), where


def test_supersede_of_a_reply_keeps_the_count():
    with server() as d:
        a = login(d, "alice")
        root = post(a, subject="root")
        mid_a = post(a, subject="Re: root", references=root)
        mid_b = post(a, subject="Re: a", references="%s %s" % (root, mid_a))
        # The new version names no References: it takes the old one's
        # place all the same, so the thread counts it once.
        new = unique_msgid()
        code, text = a.post(make_article(
            subject="Re: root (corrected)", message_id=new,
            headers=[("Supersedes", mid_a)]))
        assert code == 240, (code, text)
        a.cmd("GROUP local.test")
        assert xroots(a) == [(root, 2)]
        assert xtree(a, mid_a) == [(0, root), (1, new), (2, mid_b)]


def test_kept_cancel_reaches_an_article_waiting_for_moderation():
    """The cancel comes while its target waits in the moderation queue
    (not stored, so the cancel is kept): the approved article is
    refused, not stored."""
    with server() as d:
        q = d.ctl("group", "set", "mod.test", "status=m")
        assert q.returncode == 0, q.stderr
        c = d.connect()
        target = unique_msgid()
        code, text = c.post(make_article(
            newsgroups="mod.test", message_id=target,
            headers=[("Cancel-Lock", canlock("-l", target, "poster"))]))
        assert code == 240 and "moderation" in text, (code, text)
        p = d.connect()
        cmid = unique_msgid()
        code, text = p.ihave(cmid, relayed(cmid, extra=[
            ("Control", "cancel " + target),
            ("Cancel-Key", canlock("-k", target, "poster"))]))
        assert code == 235, (code, text)
        d.wait_log(r"msgid=%s withdraws %s: kept for its target" %
                   (re.escape(cmid), re.escape(target)))
        # What the store did, as the writer reported it back.
        d.wait_log(r"msgid=%s keeps a cancel for %s" %
                   (re.escape(cmid), re.escape(target)))
        q = d.ctl("queue", "list")
        assert q.returncode == 0 and target in q.stdout, q.stdout
        entry = q.stdout.split()[0]
        q = d.ctl("queue", "approve", entry, "modder")
        assert q.returncode == 0, q.stderr
        d.wait_log(r"approved entry %s msgid=%s cancelled while it waited"
                   % (entry, re.escape(target)))
        # The store's check named the cancel that refused it.
        d.wait_log(r"msgid=%s refused: cancelled by %s before it came"
                   % (re.escape(target), re.escape(cmid)))
        c.expect(430, "STAT " + target)
        c.expect(435, "IHAVE " + target)
        q = d.ctl("queue", "list")
        assert q.returncode == 0 and q.stdout.strip() == "", q.stdout


def test_cancelled_article_with_replies_is_a_placeholder():
    with server() as d:
        a = login(d, "alice")
        root = post(a, subject="root")
        reply = post(a, subject="Re: root", references=root)
        code, text = a.post(cancel_article(root))
        assert code == 240, (code, text)
        _, lines = a.expect_multi(224, "XTREE " + reply)
        assert [l.split("\t")[5] for l in lines] == [root, reply], lines
        # The root is a placeholder line: number 0, no subject.
        assert lines[0].split("\t")[1:3] == ["0", ""], lines


def test_peer_cancel_needs_a_matching_key():
    with server() as d:
        c = d.connect()
        mid = unique_msgid()
        code, text = c.ihave(mid, relayed(
            mid, extra=[("Cancel-Lock", canlock("-l", mid, "peer s"))]))
        assert code == 235, (code, text)
        # No key: stored, not acted on (as INN does).
        cmid = unique_msgid()
        art = relayed(cmid, extra=[("Control", "cancel " + mid)])
        code, text = c.ihave(cmid, art)
        assert code == 235, (code, text)
        c.expect(223, "STAT " + mid)
        d.wait_log(r"withdraws nothing: no matching Cancel-Key")
        # With it: acted on.
        cmid = unique_msgid()
        art = relayed(cmid, extra=[("Control", "cancel " + mid),
                                   ("Cancel-Key", canlock("-k", mid,
                                                          "peer s"))])
        code, text = c.ihave(cmid, art)
        assert code == 235, (code, text)
        c.expect(430, "STAT " + mid)


def test_cancel_before_target_over_ihave_and_takethis():
    with server() as d:
        c = d.connect()
        for streaming in (False, True):
            target = unique_msgid()
            cmid = unique_msgid()
            cancel = relayed(cmid, extra=[
                ("Control", "cancel " + target),
                ("Cancel-Key", canlock("-k", target, "early"))])
            art = relayed(target, extra=[
                ("Cancel-Lock", canlock("-l", target, "early"))])
            if not streaming:
                code, text = c.ihave(cmid, cancel)
                assert code == 235, (code, text)
                code, text = c.ihave(target, art)
                assert code == 437 and "Cancelled" in text, (code, text)
                # Remembered: not offered again.
                c.expect(435, "IHAVE " + target)
            else:
                c.expect(203, "MODE STREAM")
                c.send(("TAKETHIS %s\r\n" % cmid).encode() + wire(cancel))
                code, text = c.response()
                assert code == 239, (code, text)
                c.send(("TAKETHIS %s\r\n" % target).encode() + wire(art))
                code, text = c.response()
                assert code == 439 and "Cancelled" in text, (code, text)
                code, text = c.cmd("CHECK " + target)
                assert code == 438, (code, text)
            c.expect(430, "STAT " + target)
            # Neither the target nor the cancel is in local.test; the
            # cancels are in control.cancel.
            assert group(c)[0] == 0
            assert group(c, "control.cancel")[0] == (2 if streaming else 1)
            d.wait_log(r"msgid=%s refused: cancelled by %s" % (target, cmid))

        # The target POSTed (its own Message-ID and lock) after the
        # cancel: 441.
        target = unique_msgid()
        cmid = unique_msgid()
        code, text = c.ihave(cmid, relayed(cmid, extra=[
            ("Control", "cancel " + target),
            ("Cancel-Key", canlock("-k", target, "poster"))]))
        assert code == 235, (code, text)
        p = d.connect()
        code, text = p.post(make_article(
            message_id=target,
            headers=[("Cancel-Lock", canlock("-l", target, "poster"))]))
        assert code == 441 and "Cancelled" in text, (code, text)
        p.expect(430, "STAT " + target)

        # A kept cancel whose key does not match the target's lock: the
        # target is taken.
        c2 = d.connect()
        target = unique_msgid()
        cmid = unique_msgid()
        code, text = c2.ihave(cmid, relayed(cmid, extra=[
            ("Control", "cancel " + target),
            ("Cancel-Key", canlock("-k", target, "someone else"))]))
        assert code == 235, (code, text)
        code, text = c2.ihave(target, relayed(target, extra=[
            ("Cancel-Lock", canlock("-l", target, "the poster"))]))
        assert code == 235, (code, text)
        c2.expect(223, "STAT " + target)


def test_cancel_travels_to_a_peer_and_acts_there():
    """alice posts on a, a feeds b; her cancel on a gets her key, which b
    checks against the post's lock without a's secret."""
    b = Loomd(config="[server]\npathhost = b.test\n[group local.test]\n")
    with b:
        with server("[server]\npathhost = a.test\n"
                    "[peer b.test]\nhost = 127.0.0.1\nport = %d\n"
                    "pathhost = b.test\ngroups = local.*\n" % b.port) as a:
            ca = login(a, "alice")
            mid = post(ca)
            cb = b.connect()
            end = time.monotonic() + harness.scaled(45)
            while cb.cmd("STAT " + mid)[0] != 223:
                assert time.monotonic() < end, "never fed"
                time.sleep(0.1)
            code, text = ca.post(cancel_article(mid))
            assert code == 240, (code, text)
            while cb.cmd("STAT " + mid)[0] != 430:
                assert time.monotonic() < end, "cancel never acted on b"
                time.sleep(0.1)
            b.wait_log(r"withdraws %s: Cancel-Key matches" % mid)


def test_peer_cancels_none_never_acts():
    with server("[posting]\npeer_cancels = none\n") as d:
        c = d.connect()
        mid = unique_msgid()
        code, text = c.ihave(mid, relayed(
            mid, extra=[("Cancel-Lock", canlock("-l", mid, "s"))]))
        assert code == 235, (code, text)
        cmid = unique_msgid()
        code, text = c.ihave(cmid, relayed(cmid, extra=[
            ("Control", "cancel " + mid),
            ("Cancel-Key", canlock("-k", mid, "s"))]))
        assert code == 235, (code, text)
        c.expect(223, "STAT " + mid)


def test_loomctl_cancel():
    with server() as d:
        a = login(d, "alice")
        root = post(a, subject="root")
        reply = post(a, subject="Re: root", references=root)
        p = d.ctl("cancel", root, "spam")
        assert p.returncode == 0, p.stderr
        assert "cancelled " + root in p.stdout, p.stdout
        a.expect(430, "STAT " + root)
        assert xtree(a, reply) == [(0, root), (1, reply)]
        n, lo, hi = group(a)
        assert (n, hi) == (1, 2), (n, lo, hi)
        p = d.ctl("cancel", root)
        assert p.returncode == 1, (p.returncode, p.stderr)
        p = d.ctl("cancel")
        assert p.returncode == 2, (p.returncode, p.stderr)
        # Gone for peers too.
        a.expect(435, "IHAVE " + root)


if __name__ == "__main__":
    harness.main(globals())
