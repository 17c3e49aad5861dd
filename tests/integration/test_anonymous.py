#!/usr/bin/env python3
"""Anonymous posting by members (issue #15, "House rules"): a logged-in
user sends "X-Loom-Anonymous: yes" to a group [posting] anonymous_groups
allows; the stored article's From is anonymous_from, nothing in it names
the user or their address, and Injection-Info's logging-data is a token,
stable per user and group, that `loomctl trace TOKEN` maps back to the
user.  Not logged in, or a group that does not allow it: 441.  The post
counts toward the user's posts_per_minute."""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Loomd, make_article, unique_msgid  # noqa: E402

PASSWORD = "anonymous-pw-1"
ANON_FROM = "Anonymous Coward <ac@example.invalid>"

CONF = """
[auth]
allow_plaintext = yes
[posting]
anonymous_groups = anon.*
anonymous_from = %s
[group anon.talk]
[group anon.other]
[group local.general]
""" % ANON_FROM


def server(extra=""):
    d = Loomd(config=CONF + extra)
    for user in ("alice", "bob"):
        p = d.ctl("user", "add", user, input=PASSWORD + "\n")
        assert p.returncode == 0, p.stderr
    return d


def login(d, user):
    c = d.connect()
    c.expect(381, "AUTHINFO USER " + user)
    c.expect(281, "AUTHINFO PASS " + PASSWORD)
    return c


def anon_article(groups="anon.talk", subject="anon", extra=(), **kw):
    h = [("X-Loom-Anonymous", "yes"), ("Sender", "alice@example.org"),
         ("Reply-To", "alice@home.example.org"),
         ("Organization", "Alice Corp"),
         ("User-Agent", "TestReader/1.0"),
         ("X-Face", "abcdef"),
         ("Path", "alice-laptop!not-for-mail")] + list(extra)
    return make_article(newsgroups=groups, subject=subject, headers=h,
                        from_="Alice Liddell <alice@example.org>", **kw)


def fetch(c, msgid):
    code, text = c.cmd("ARTICLE " + msgid)
    assert code == 220, (code, text)
    lines = c.multiline()
    return lines[:lines.index("")]


def header(head, name):
    vals = [l.split(":", 1)[1].strip() for l in head
            if l.lower().startswith(name.lower() + ":")]
    return vals


def posted_msgid(text):
    m = re.search(r"<[^>]+>", text)
    assert m, text
    return m.group(0)


def token_of(head):
    info = header(head, "Injection-Info")
    assert len(info) == 1, head
    m = re.search(r'logging-data="([^"]*)"', info[0])
    assert m, info
    return m.group(1), info[0]


def test_anonymous_post_hides_the_poster():
    with server() as d:
        c = login(d, "alice")
        code, text = c.post(anon_article(message_id="<alice.1@alice-laptop.example.org>"))
        assert code == 240, (code, text)
        msgid = posted_msgid(text)
        assert "alice" not in msgid, msgid
        # Not even the session number (it would link posts of one
        # connection across groups): loom.TIME.RANDOM@domain.
        assert re.fullmatch(r"<loom\.[0-9a-f]+\.[0-9a-f]{16}@[^>]+>",
                            msgid), msgid
        reader = d.connect()
        head = fetch(reader, msgid)
        whole = "\n".join(head).lower()
        assert header(head, "From") == [ANON_FROM], head
        for name in ("Sender", "Reply-To", "Organization", "X-Face",
                     "X-Loom-Anonymous", "NNTP-Posting-Host"):
            assert header(head, name) == [], (name, head)
        # Nothing names the user, their address or their machine.
        for leak in ("alice", "127.0.0.1", "posting-account",
                     "posting-host"):
            assert leak not in whole, (leak, head)
        path = header(head, "Path")[0]
        assert path.endswith("!.POSTED!not-for-mail"), path
        # Kept: it names software, not a person (docs/security.md).
        assert header(head, "User-Agent") == ["TestReader/1.0"], head
        token, info = token_of(head)
        assert re.fullmatch(r"[a-z2-7]{16}", token), info

        # The administrator can trace it; readers cannot.
        p = d.ctl("trace", token)
        assert p.returncode == 0, p.stderr
        assert p.stdout.split("\n")[0].split("\t") == \
            [token, "alice", "anon.talk"], p.stdout
        p = d.ctl("trace", token.upper())
        assert p.returncode == 0 and "\talice\t" in p.stdout, p.stdout
        p = d.ctl("trace", "a" * 16)
        assert p.returncode == 1, p.stdout
        p = d.ctl("trace", "short")
        assert p.returncode == 1, p.stdout


def test_token_stable_per_user_and_group():
    with server() as d:
        alice = login(d, "alice")
        bob = login(d, "bob")
        reader = d.connect()

        def post(c, groups):
            code, text = c.post(anon_article(groups=groups))
            assert code == 240, (code, text)
            return token_of(fetch(reader, posted_msgid(text)))[0]

        a1 = post(alice, "anon.talk")
        a2 = post(alice, "anon.talk")
        a3 = post(alice, "anon.other")
        b1 = post(bob, "anon.talk")
        assert a1 == a2, (a1, a2)
        assert a1 != a3, "token must differ per group"
        assert a1 != b1, "token must differ per user"
        # Cross-post: the first group's token.
        assert post(alice, "anon.other,anon.talk") == a3
        # Stable across a restart: the secret is kept in the store.
        d.restart()
        alice = login(d, "alice")
        reader = d.connect()
        assert post(alice, "anon.talk") == a1
        p = d.ctl("trace", b1)
        assert p.returncode == 0 and p.stdout.split("\t")[1] == "bob", \
            p.stdout


def test_refusals():
    with server() as d:
        anon = d.connect()
        code, text = anon.post(anon_article())
        assert code == 441 and "logged-in" in text, (code, text)
        c = login(d, "alice")
        code, text = c.post(anon_article(groups="local.general"))
        assert code == 441 and "not allowed in local.general" in text, \
            (code, text)
        # One group that does not allow it refuses the cross-post.
        code, text = c.post(anon_article(groups="anon.talk,local.general"))
        assert code == 441 and "not allowed in local.general" in text, \
            (code, text)
        code, text = c.post(make_article(
            newsgroups="anon.talk", headers=[("X-Loom-Anonymous", "maybe")]))
        assert code == 441 and "X-Loom-Anonymous" in text, (code, text)
        # "no" is an ordinary post under the user's name; the request
        # header is not stored.
        code, text = c.post(make_article(
            newsgroups="anon.talk", from_="Alice <alice@example.org>",
            headers=[("X-Loom-Anonymous", "no")]))
        assert code == 240, (code, text)
        head = fetch(c, posted_msgid(text))
        assert header(head, "From") == ["Alice <alice@example.org>"], head
        assert header(head, "X-Loom-Anonymous") == [], head
        assert 'posting-account="alice"' in token_of(head)[1], head


def test_none_allowed_by_default():
    conf = "[auth]\nallow_plaintext = yes\n[group anon.talk]\n"
    with Loomd(config=conf) as d:
        p = d.ctl("user", "add", "alice", input=PASSWORD + "\n")
        assert p.returncode == 0, p.stderr
        c = login(d, "alice")
        code, text = c.post(anon_article())
        assert code == 441 and "not allowed" in text, (code, text)


def test_counts_toward_rate_limit():
    with server("[limits]\nposts_per_minute = 2\n") as d:
        c = login(d, "alice")
        code, text = c.post(make_article(newsgroups="anon.talk"))
        assert code == 240, (code, text)
        code, text = c.post(anon_article())
        assert code == 240, (code, text)
        code, text = c.post(anon_article())
        assert code == 441 and "too fast" in text, (code, text)
        # Another user is not held back by alice's posts.
        code, text = login(d, "bob").post(anon_article())
        assert code == 240, (code, text)


def test_config_checked():
    p = harness.run_loomd("--check-config", "--config", "/dev/stdin",
                          input=CONF.replace(ANON_FROM, "not a mailbox"))
    assert p.returncode != 0 and "anonymous_from" in p.stderr, \
        (p.returncode, p.stdout, p.stderr)
    p = harness.run_loomd("--check-config", "--config", "/dev/stdin",
                          input=CONF)
    assert p.returncode == 0, (p.returncode, p.stdout, p.stderr)


def test_web_form_checkbox():
    """The web's comment form offers it where the groups allow it, and
    posts through the same NNTP POST with the header."""
    import urllib.parse
    import test_webpost as wp
    from test_web import ROOT, post_page, q, web
    conf = "[posting]\nanonymous_groups = local.*\nanonymous_from = %s\n" \
        % ANON_FROM
    with Loomd(args=wp.ARGS, config=conf) as d:
        post_page(d)
        wp.add_user(d, "alice")
        w = web(d)
        cookie = wp.logged_in(w)
        csrf, body = wp.thread_csrf(w, cookie)
        # Every form: the comment form under the thread and each
        # comment's reply form (test_webpost.py checks it per group).
        forms = body.count(b'action="/post"')
        assert forms > 1 and body.count(b'name="anonymous"') == forms, forms
        st, h, _ = wp.request(w, "/post", "POST", urllib.parse.urlencode(
            {"csrf": csrf, "parent": ROOT, "body": "who am I",
             "anonymous": "yes"}), dict(wp.FORM, Cookie=cookie))
        assert st == 303, st
        msgid = urllib.parse.unquote(
            re.match(r"/t/[^#]+#m-(.*)$", h["location"]).group(1))
        head = fetch(d.connect(), msgid)
        assert header(head, "From") == [ANON_FROM], head
        assert "alice" not in "\n".join(head), head
        assert re.fullmatch(r"[a-z2-7]{16}", token_of(head)[0]), head
    with Loomd(args=wp.ARGS) as d:
        post_page(d)
        wp.add_user(d, "alice")
        w = web(d)
        cookie = wp.logged_in(w)
        _, body = wp.thread_csrf(w, cookie)
        assert b'name="anonymous"' not in body


if __name__ == "__main__":
    harness.main(globals())
