#!/usr/bin/env python3
"""
Python's nntplib (deprecated since 3.11, still a real client) against
Loom: group, over, article, head, body, stat, post, newnews, newgroups,
descriptions/description, list, xhdr, next/last, and the errors nntplib
raises for 4xx replies.

nntplib sends NEWNEWS and NEWGROUPS without GMT (server local time), so
the server runs with TZ=UTC here and the dates are passed in UTC.
"""

import datetime
import os
import sys
import warnings

warnings.filterwarnings("ignore", category=DeprecationWarning)
import nntplib  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Loomd  # noqa: E402

PATHHOST = "news.loom.test"
CONFIG = """\
[server]
pathhost = %s
domain = loom.test
[storage]
nosync = yes
[group local.general]
description = Local general discussion
[group local.test]
description = Local test postings
[group alt.quiet]
description = Nobody posts here
""" % PATHHOST

ARTICLES = [
    # (message-id, subject, from, references, groups, body lines)
    ("<nl.1@loom.test>", "First post", "Alice <alice@example.org>", None,
     "local.general", ["Hello from nntplib.", ".leading dot", "", "end"]),
    ("<nl.2@loom.test>", "Re: First post", "Bob <bob@example.org>", "<nl.1@loom.test>",
     "local.general,local.test", ["A reply, cross-posted."]),
    ("<nl.3@loom.test>", "Re: First post", "Carol <carol@example.org>",
     "<nl.1@loom.test> <nl.2@loom.test>", "local.general",
     ["caf\u00e9 \u2713", "..two dots"]),
]


def utcnow_naive():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None, microsecond=0)


def article_bytes(mid, subject, from_, refs, groups, body):
    h = ["From: %s" % from_, "Newsgroups: %s" % groups, "Subject: %s" % subject,
         "Message-ID: %s" % mid]
    if refs:
        h.append("References: %s" % refs)
    return ("\r\n".join(h + [""] + body) + "\r\n").encode("utf-8")


class Session:
    def __init__(self, d):
        self.s = nntplib.NNTP(d.host, d.port, timeout=10)

    def __enter__(self):
        return self.s

    def __exit__(self, *exc):
        try:
            self.s.quit()
        except Exception:
            pass
        try:
            self.s.sock.close()
        except Exception:
            pass
        return False


def start():
    d = Loomd(config=CONFIG, env={"TZ": "UTC"})
    return d


def post_all(s):
    for a in ARTICLES:
        resp = s.post(article_bytes(*a))
        assert resp.startswith("240"), "post -> %r" % resp


def expect_error(kind, code, fn, *args):
    try:
        fn(*args)
    except kind as e:
        assert e.response.startswith(code), "%s%r raised %r, want %s" % (
            fn.__name__, args, e.response, code)
        return
    raise AssertionError("%s%r did not raise %s %s" % (fn.__name__, args, kind.__name__, code))


def test_post_and_group():
    with start() as d, Session(d) as s:
        assert s.getwelcome().startswith("200"), s.getwelcome()
        caps = s.getcapabilities()
        assert "POST" in caps and "OVER" in caps and "HDR" in caps, sorted(caps)
        resp, count, first, last, name = s.group("local.general")
        assert (resp, count, first, last, name) == ("211 0 1 0 local.general", 0, 1, 0,
                                                    "local.general"), resp
        post_all(s)
        resp, count, first, last, name = s.group("local.general")
        assert (count, first, last, name) == (3, 1, 3, "local.general"), resp
        assert resp == "211 3 1 3 local.general", resp
        resp, count, first, last, name = s.group("local.test")
        assert (count, first, last) == (1, 1, 1), resp
        expect_error(nntplib.NNTPTemporaryError, "411", s.group, "no.such.group")
        # A refused post raises with the 441.
        expect_error(nntplib.NNTPTemporaryError, "441", s.post,
                     b"From: x@example.org\r\nSubject: no groups\r\n\r\nbody\r\n")
        # A duplicate too.
        expect_error(nntplib.NNTPTemporaryError, "441", s.post, article_bytes(*ARTICLES[0]))


def test_over_article_head_body_stat():
    with start() as d, Session(d) as s:
        post_all(s)
        s.group("local.general")
        resp, overviews = s.over((1, 3))
        assert resp.startswith("224"), resp
        assert [n for n, _ in overviews] == [1, 2, 3], overviews
        for (n, f), (mid, subject, from_, refs, groups, body) in zip(overviews, ARTICLES):
            assert f["subject"] == subject and f["from"] == from_, f
            assert f["message-id"] == mid, f
            assert f["references"] == (refs or ""), f
            assert f[":lines"] == str(len(body)), f
            xref_groups = sorted(g for g in groups.split(","))
            want_xref = [PATHHOST] + sorted(
                "%s:%d" % (g, n if g == "local.general" else 1) for g in xref_groups)
            assert [f["xref"].split()[0]] + sorted(f["xref"].split()[1:]) == want_xref, f["xref"]
            # :bytes is the article's size as ARTICLE sends it.
            resp, info = s.article(n)
            assert info.number == n and info.message_id == mid, info[:2]
            assert f[":bytes"] == str(sum(len(l) + 2 for l in info.lines)), (f[":bytes"], n)
        resp, overviews = s.over((2, None))
        assert [n for n, _ in overviews] == [2, 3], overviews
        resp, overviews = s.over("<nl.3@loom.test>")
        assert [n for n, _ in overviews] == [0], overviews
        mid, subject, from_, refs, groups, body = ARTICLES[0]
        # article/head/body by message-id: number 0, lines as bytes.
        resp, info = s.article(mid)
        assert resp.startswith("220") and info.number == 0 and info.message_id == mid, resp
        i = info.lines.index(b"")
        assert info.lines[i + 1:] == [l.encode() for l in body], info.lines
        resp, hinfo = s.head(mid)
        assert resp.startswith("221") and hinfo.lines == info.lines[:i], hinfo.lines
        resp, binfo = s.body(mid)
        assert resp.startswith("222") and binfo.lines == info.lines[i + 1:], binfo.lines
        # By number, and the 8-bit body of article 3.
        resp, binfo = s.body(3)
        assert binfo.number == 3 and binfo.lines == [l.encode("utf-8") for l in ARTICLES[2][5]], binfo
        resp, hinfo = s.head(2)
        assert b"Subject: Re: First post" in hinfo.lines, hinfo.lines
        # stat: current article, by number, by message-id.
        resp, n, m = s.stat()
        assert (n, m) == (2, "<nl.2@loom.test>"), resp
        resp, n, m = s.stat(3)
        assert (n, m) == (3, "<nl.3@loom.test>"), resp
        resp, n, m = s.stat("<nl.1@loom.test>")
        assert (n, m) == (0, "<nl.1@loom.test>"), resp
        expect_error(nntplib.NNTPTemporaryError, "430", s.article, "<nope@loom.test>")
        expect_error(nntplib.NNTPTemporaryError, "423", s.stat, 99)
        expect_error(nntplib.NNTPTemporaryError, "423", s.over, (7, 9))


def test_next_last():
    with start() as d, Session(d) as s:
        post_all(s)
        s.group("local.general")
        expect_error(nntplib.NNTPTemporaryError, "422", s.last)
        resp, n, m = s.next()
        assert (n, m) == (2, "<nl.2@loom.test>"), resp
        resp, n, m = s.next()
        assert (n, m) == (3, "<nl.3@loom.test>"), resp
        expect_error(nntplib.NNTPTemporaryError, "421", s.next)
        resp, n, m = s.last()
        assert (n, m) == (2, "<nl.2@loom.test>"), resp
        s.group("alt.quiet")
        expect_error(nntplib.NNTPTemporaryError, "420", s.next)


def test_xhdr():
    with start() as d, Session(d) as s:
        post_all(s)
        s.group("local.general")
        resp, lines = s.xhdr("subject", "1-3")
        assert resp.startswith("221"), resp
        assert lines == [("1", "First post"), ("2", "Re: First post"), ("3", "Re: First post")], lines
        resp, lines = s.xhdr("References", "1-")
        assert lines == [("1", "(none)"), ("2", "<nl.1@loom.test>"),
                         ("3", "<nl.1@loom.test> <nl.2@loom.test>")], lines
        # nntplib only splits lines that start with a number; the
        # message-id form (RFC 2980: the id is echoed) comes back whole.
        resp, lines = s.xhdr("from", "<nl.2@loom.test>")
        assert lines == ["<nl.2@loom.test> Bob <bob@example.org>"], lines
        resp, lines = s.xhdr(":lines", "1-")
        assert lines == [("1", "4"), ("2", "1"), ("3", "2")], lines


def test_lists_and_descriptions():
    with start() as d, Session(d) as s:
        post_all(s)
        resp, groups = s.list()
        assert resp.startswith("215"), resp
        got = sorted((g.group, g.last, g.first, g.flag) for g in groups)
        assert got == [("alt.quiet", "0", "1", "y"), ("local.general", "3", "1", "y"),
                       ("local.test", "1", "1", "y")], got
        resp, groups = s.list("local.*")
        assert sorted(g.group for g in groups) == ["local.general", "local.test"], groups
        resp, desc = s.descriptions("local.*")
        assert desc == {"local.general": "Local general discussion",
                        "local.test": "Local test postings"}, desc
        assert s.description("alt.quiet") == "Nobody posts here"
        assert s.description("no.such.group") == ""


def test_newnews_newgroups():
    with start() as d, Session(d) as s:
        hour_ago = utcnow_naive() - datetime.timedelta(hours=1)
        later = utcnow_naive() + datetime.timedelta(days=2)
        resp, groups = s.newgroups(hour_ago)
        assert resp.startswith("231"), resp
        assert sorted(g.group for g in groups) == ["alt.quiet", "local.general", "local.test"], groups
        resp, groups = s.newgroups(later)
        assert groups == [], groups
        post_all(s)
        resp, ids = s.newnews("local.*", hour_ago)
        assert resp.startswith("230"), resp
        assert sorted(set(ids)) == sorted(a[0] for a in ARTICLES), ids
        resp, ids = s.newnews("local.test", hour_ago)
        assert set(ids) == {"<nl.2@loom.test>"}, ids
        resp, ids = s.newnews("alt.*", hour_ago)
        assert ids == [], ids
        resp, ids = s.newnews("*", later)
        assert ids == [], ids
        # A date object works as well (midnight today, UTC).
        resp, ids = s.newnews("local.general", utcnow_naive().date() - datetime.timedelta(days=1))
        assert set(ids) == {a[0] for a in ARTICLES}, ids


if __name__ == "__main__":
    harness.main(globals())
