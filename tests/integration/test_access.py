#!/usr/bin/env python3
"""Access rules: groups a client may not read are invisible to it (LIST,
GROUP, NEWNEWS, by Message-ID, threads); posting rights per user and per
address; clients no rule admits are turned away."""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Loomd, make_article, unique_msgid  # noqa: E402

PASSWORD = "staff-password-1"

CONF = """
[server]
loopback_feeds = no
[auth]
allow_plaintext = yes
[group local.general]
[group local.secret]
[group misc.test]

[access everyone]
read = *,!local.secret
post =

[access lan]
hosts = 127.0.0.2
read = *,!local.secret
post = local.general

[access staff]
users = staff*
read = *
post = local.*
"""


def login(c, name="staffer", password=PASSWORD):
    c.expect(381, "AUTHINFO USER " + name)
    c.expect(281, "AUTHINFO PASS " + password)


def staff(d):
    c = d.connect()
    login(c)
    return c


def server(conf=CONF):
    d = Loomd(config=conf)
    p = d.ctl("user", "add", "staffer", input=PASSWORD + "\n")
    assert p.returncode == 0, p.stderr
    return d


def post_ok(c, article):
    code, text = c.post(article)
    assert code == 240, (code, text)


def test_hidden_group_invisible_to_anonymous():
    with server() as d:
        s = staff(d)
        secret = unique_msgid()
        post_ok(s, make_article(newsgroups="local.secret", subject="hidden",
                                message_id=secret))
        shared = unique_msgid()
        post_ok(s, make_article(newsgroups="local.secret,local.general",
                                subject="shared", message_id=shared))
        reply = unique_msgid()
        post_ok(s, make_article(newsgroups="local.secret", subject="Re: x",
                                message_id=reply, references=shared))

        a = d.connect()
        assert a.greeting[0] == 201, a.greeting   # no posting anonymously
        for cmd in ("LIST", "LIST ACTIVE", "LIST NEWSGROUPS", "LIST COUNTS",
                    "LIST ACTIVE.TIMES"):
            lines = a.expect_multi(215, cmd)[1]
            names = [l.split()[0] for l in lines]
            assert "local.secret" not in names, (cmd, names)
            assert "local.general" in names, (cmd, names)
        lines = a.expect_multi(231, "NEWGROUPS 19700101 000000")[1]
        assert not any(l.startswith("local.secret ") for l in lines)
        a.expect(411, "GROUP local.secret")
        a.expect(411, "LISTGROUP local.secret")
        a.expect(411, "XROOTS local.secret")
        for cmd in ("ARTICLE", "HEAD", "BODY", "STAT", "OVER", "XTREE"):
            a.expect(430, "%s %s" % (cmd, secret))
        a.expect(430, "HDR Subject %s" % secret)
        ids = a.expect_multi(230, "NEWNEWS * 19700101 000000")[1]
        assert secret not in ids and reply not in ids, ids
        assert shared in ids, ids
        # A cross-post is readable through the group it may read.
        a.expect_multi(220, "ARTICLE %s" % shared)
        # In a thread, the hidden reply keeps its place but not its text.
        tree = a.expect_multi(224, "XTREE %s" % shared)[1]
        node = [l for l in tree if reply in l]
        assert len(node) == 1 and "Re: x" not in node[0], tree
        # Staff sees everything.
        s.expect(211, "GROUP local.secret")
        s.expect_multi(220, "ARTICLE %s" % secret)
        assert secret in s.expect_multi(230,
                                        "NEWNEWS * 19700101 000000")[1]


def test_posting_rights_and_tracing():
    with server() as d:
        a = d.connect()
        # Anonymous from 127.0.0.1: posting needs a login.
        code, text = a.cmd("POST")
        assert code == 480, (code, text)
        s = staff(d)
        assert "POST" in s.expect_multi(101, "CAPABILITIES")[1]
        code, text = s.post(make_article(newsgroups="misc.test"))
        assert code == 441 and "not allowed" in text, (code, text)
        # A group the poster cannot see does not exist for it.
        lan = d.connect(source="127.0.0.2")
        assert lan.greeting[0] == 200, lan.greeting
        code, text = lan.post(make_article(newsgroups="local.secret"))
        assert code == 441 and "No such newsgroup" in text, (code, text)
        code, text = lan.post(make_article(newsgroups="misc.test"))
        assert code == 441 and "not allowed" in text, (code, text)
        # The anonymous poster is traceable: address and session.
        mid = unique_msgid()
        post_ok(lan, make_article(newsgroups="local.general",
                                  message_id=mid))
        head = "\n".join(s.expect_multi(221, "HEAD " + mid)[1])
        assert 'posting-host="127.0.0.2"' in head, head
        assert "logging-data=" in head, head
        # A logged-in poster is named.
        mid2 = unique_msgid()
        post_ok(s, make_article(newsgroups="local.general", message_id=mid2))
        head = "\n".join(s.expect_multi(221, "HEAD " + mid2)[1])
        assert 'posting-account="staffer"' in head, head


def test_unknown_host_turned_away():
    conf = """
[server]
loopback_feeds = no
[access local]
hosts = 127.0.0.1/32, ::1
read = local.*
"""
    with server(conf) as d:
        ok = d.connect()
        assert ok.greeting[0] == 201, ok.greeting
        ok.expect(211, "GROUP local.test")
        far = d.connect(source="127.0.0.3")
        assert far.greeting[0] == 502, far.greeting
        assert far.closed(5)
        ok.expect(111, "DATE")


def test_login_required_for_reading():
    conf = """
[auth]
allow_plaintext = yes
[access members]
users = *
read = *
post = *
"""
    with server(conf) as d:
        c = d.connect()
        for cmd in ("GROUP local.test", "LIST", "ARTICLE <a@b>", "XROOTS",
                    "NEWNEWS * 19700101 000000", "POST"):
            code, text = c.cmd(cmd)
            assert code == 480, (cmd, code, text)
        c.expect(101, "CAPABILITIES")
        c.multiline()
        login(c)
        c.expect(211, "GROUP local.test")


def test_reload_applies_to_connected_clients():
    with server() as d:
        a = d.connect()
        a.expect(411, "GROUP local.secret")
        with open(d.config_path, "a") as f:
            f.write("\n[access open]\nread = *\n")
        mark = d.log_size()
        d.sighup()
        d.wait_log(r"reloaded", since=mark)
        a.expect(211, "GROUP local.secret")


def test_security_doc_example_is_valid():
    """The hardened configuration in docs/security.md loads."""
    doc = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                       "..", "docs", "security.md")
    with open(doc) as f:
        text = f.read()
    start = text.index("## A hardened configuration")
    block = [l[4:] for l in text[start:].splitlines()
             if l.startswith("    ")]
    assert any(l.startswith("[access ") for l in block), block
    with tempfile.TemporaryDirectory(prefix="loomsec-") as tmp:
        conf = os.path.join(tmp, "loom.conf")
        with open(conf, "w") as f:
            f.write("\n".join(block) + "\n")
        p = harness.run_loomd("--check-config", "--config", conf)
    assert p.returncode == 0, p.stderr


if __name__ == "__main__":
    harness.main(globals())
