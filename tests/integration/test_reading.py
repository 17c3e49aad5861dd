#!/usr/bin/env python3
"""
Reader-surface integration tests over raw sockets: GROUP, LISTGROUP,
ARTICLE/HEAD/BODY/STAT, NEXT/LAST, OVER/XOVER, HDR, XHDR, XPAT, the LIST
variants, NEWGROUPS, NEWNEWS, cross-posting, a large group and pipelining.

Expectations follow RFC 3977 (with erratum 1524 for the 412/420/423/430
rules), RFC 2980 for XHDR/XPAT/XOVER and RFC 6048 for LIST COUNTS, and what
docs/protocol.md promises where the RFC leaves a choice.
"""

import datetime
import email.utils
import os
import re
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Loomd, split_article, header_value  # noqa: E402

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
[group local.empty]
description = Nothing here
[group alt.readonly]
description = Read-only group
status = n
[group comp.moderated]
description = Moderated group
status = m
[group local.big]
description = Many articles
""" % PATHHOST

ALL_GROUPS = {
    # name: (status, description)
    "local.general": ("y", "Local general discussion"),
    "local.test": ("y", "Local test postings"),
    "local.empty": ("y", "Nothing here"),
    "alt.readonly": ("n", "Read-only group"),
    "comp.moderated": ("m", "Moderated group"),
    "local.big": ("y", "Many articles"),
}

OVERVIEW_FMT = ["Subject:", "From:", "Date:", "Message-ID:", "References:",
                ":bytes", ":lines", "Xref:full"]


# ------------------------------------------------------------------ helpers


def rfc5322_now(offset=0):
    t = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    return email.utils.format_datetime(t + datetime.timedelta(seconds=offset))


def status_tokens(text, n):
    """The first n words of a status text."""
    return text.split()[:n]


def over_value(v):
    """RFC 3977 8.3.2: CRLF removed (done by harness.header_fields), TAB -> SPACE."""
    return "" if v is None else v.replace("\t", " ")


def wire_octets(lines):
    """Octets of an article as sent by ARTICLE, without dot-stuffing and
    the terminating line: the :bytes metadata of RFC 3977 8.5.2 / 8.3."""
    return sum(len(l if isinstance(l, bytes) else l.encode("utf-8", "surrogateescape")) + 2
               for l in lines)


def expect_art(c, cmd, code, number, msgid):
    """Require `code number msgid ...` and return the block (if any)."""
    got, text = c.cmd(cmd)
    assert got == code, "%r -> %d %s, want %d %d %s" % (cmd, got, text, code, number, msgid)
    assert status_tokens(text, 2) == [str(number), msgid], \
        "%r -> %d %s, want %d %d %s ..." % (cmd, got, text, code, number, msgid)
    if code == 223:
        return None
    return c.multiline()


def expect_code(c, cmd, code):
    got, text = c.cmd(cmd)
    codes = code if isinstance(code, tuple) else (code,)
    assert got in codes, "%r -> %d %s, want %s" % (cmd, got, text, "/".join(map(str, codes)))
    return text


def block(c, cmd, code):
    c.expect(code, cmd)
    return c.multiline()


def art_text(msgid, subject, from_, body, newsgroups="local.general",
             references=None, extra=(), date=None):
    h = ["From: %s" % from_, "Newsgroups: %s" % newsgroups,
         "Subject: %s" % subject, "Message-ID: %s" % msgid,
         "Date: %s" % (date or rfc5322_now())]
    if references:
        h.append("References: %s" % references)
    h.extend(extra)
    return h + [""] + list(body)


def post_ok(c, lines):
    code, text = c.post(lines)
    assert code == 240, "POST -> %d %s" % (code, text)


# The three articles every reading test starts with, all in local.general.
def base_articles():
    return [
        dict(msgid="<r1.reading@loom.test>", subject="First article",
             from_="Alice <alice@example.org>", body=["Hello, world."],
             references=None, extra=()),
        dict(msgid="<r2.reading@loom.test>", subject="Re: First article",
             from_="Bob <bob@example.org>",
             body=["A reply.", ".a dotted line", "", "last line"],
             references="<r1.reading@loom.test>", extra=()),
        # A folded Subject (TAB fold) and a folded extra header.
        dict(msgid="<r3.reading@loom.test>", subject="Third\r\n\tarticle",
             from_="Carol <carol@example.org>", body=[".", "..", "end"],
             references="<r1.reading@loom.test> <r2.reading@loom.test>",
             extra=("X-Folded: one\r\n\ttwo", "X-Plain: value",
                    "X-Tab: a\tb", "X-Fold-Space: a \r\n\t b",
                    "X-Dup: first", "X-Dup: second")),
    ]


def start_reading_server(env=None):
    """A server with base_articles() posted in local.general (numbers
    1..3).  Returns (loomd, articles) with each article's HEAD and ARTICLE
    as the server stores them."""
    d = Loomd(config=CONFIG, env=env)
    c = d.connect()
    arts = base_articles()
    for a in arts:
        lines = art_text(a["msgid"], a["subject"], a["from_"], a["body"],
                         references=a["references"], extra=a["extra"])
        # The folded values are sent as separate lines.
        flat = []
        for l in lines:
            flat.extend(l.split("\r\n"))
        post_ok(c, flat)
    c.expect(211, "GROUP local.general")
    for n, a in enumerate(arts, 1):
        a["number"] = n
        a["head"] = expect_art(c, "HEAD %d" % n, 221, n, a["msgid"])
        a["article"] = expect_art(c, "ARTICLE %d" % n, 220, n, a["msgid"])
    c.close()
    return d, arts


# -------------------------------------------------------------------- GROUP


def test_group():
    d, arts = start_reading_server()
    with d:
        c = d.connect()
        assert c.cmd("GROUP local.general") == (211, "3 1 3 local.general")
        # The current article is the group's first.
        expect_art(c, "STAT", 223, 1, arts[0]["msgid"])
        expect_art(c, "NEXT", 223, 2, arts[1]["msgid"])
        # Selecting again (even the same group) resets it.
        assert c.cmd("GROUP local.general") == (211, "3 1 3 local.general")
        expect_art(c, "STAT", 223, 1, arts[0]["msgid"])
        # An empty group: "211 0 n+1 n"; never had an article, so n = 0.
        assert c.cmd("GROUP local.empty") == (211, "0 1 0 local.empty")
        expect_code(c, "STAT", 420)
        expect_code(c, "ARTICLE", 420)
        # Groups with status n and m can be read.
        assert c.cmd("GROUP alt.readonly") == (211, "0 1 0 alt.readonly")
        assert c.cmd("GROUP comp.moderated") == (211, "0 1 0 comp.moderated")
        for bad in ("GROUP no.such.group", "GROUP local", "GROUP local.general.x",
                    "GROUP *"):
            expect_code(c, bad, 411)
        for bad in ("GROUP", "GROUP local.general local.test"):
            expect_code(c, bad, 501)
        c.expect(111, "DATE")


# ---------------------------------------------------------------- LISTGROUP


def test_listgroup():
    d, arts = start_reading_server()
    with d:
        c = d.connect()
        expect_code(c, "LISTGROUP", 412)
        expect_code(c, "LISTGROUP no.such.group", 411)
        expect_code(c, "LISTGROUP", 412)      # 411 selected nothing
        assert c.cmd("LISTGROUP local.general") == (211, "3 1 3 local.general list follows")
        assert c.multiline() == ["1", "2", "3"]
        # It selected the group and its first article.
        expect_art(c, "STAT", 223, 1, arts[0]["msgid"])
        expect_art(c, "NEXT", 223, 2, arts[1]["msgid"])
        # Without argument: the selected group, pointer reset to the first.
        assert c.cmd("LISTGROUP") == (211, "3 1 3 local.general list follows")
        assert c.multiline() == ["1", "2", "3"]
        expect_art(c, "STAT", 223, 1, arts[0]["msgid"])
        # Ranges: the 211 line still describes the whole group.
        for rng, want in (("2-", ["2", "3"]), ("2", ["2"]), ("2-3", ["2", "3"]),
                          ("1-2", ["1", "2"]), ("3-2", []), ("4-", []),
                          ("0-100", ["1", "2", "3"]), ("3-3", ["3"]),
                          ("100", [])):
            assert c.cmd("LISTGROUP local.general %s" % rng) == \
                (211, "3 1 3 local.general list follows"), rng
            got = c.multiline()
            assert got == want, "LISTGROUP local.general %s -> %r, want %r" % (rng, got, want)
        for bad in ("LISTGROUP local.general x", "LISTGROUP local.general 1-x",
                    "LISTGROUP local.general -3", "LISTGROUP local.general 1--2",
                    "LISTGROUP local.general 1 2"):
            expect_code(c, bad, 501)
        # An empty group.
        assert c.cmd("LISTGROUP local.empty") == (211, "0 1 0 local.empty list follows")
        assert c.multiline() == []
        expect_code(c, "STAT", 420)
        assert c.cmd("LISTGROUP") == (211, "0 1 0 local.empty list follows")
        assert c.multiline() == []
        # 411 for an unknown group, and the session goes on.
        expect_code(c, "LISTGROUP no.such.group 1-", 411)
        c.expect(111, "DATE")


def test_syntax_before_state():
    """A malformed argument is 501 whatever the state, as nnrpd answers:
    before 411 (unknown group) and 412 (none selected).  Nothing is
    selected by a command refused for its syntax."""
    d, arts = start_reading_server()
    with d:
        c = d.connect()
        for cmd in ("LISTGROUP no.such.group 1-x", "LISTGROUP no.such.group x",
                    "LISTGROUP local.general 1-x",
                    "OVER 1-x", "XOVER 1-x", "OVER x",
                    "HDR Subject 1-x", "XHDR Subject 1-x",
                    "XPAT Subject 1-x *", "XPAT Subject 1- [",
                    "ARTICLE x", "HEAD 1-2", "STAT <a", "XROOTS no.such.group x-y",
                    "NEWNEWS * 2020 000000", "NEWNEWS [ 20200101 000000",
                    "NEWGROUPS 20200101 000000 XYZ", "GROUP", "GROUP a b"):
            expect_code(c, cmd, 501)
        # The refused LISTGROUP selected nothing.
        expect_code(c, "LISTGROUP", 412)
        expect_code(c, "STAT", 412)
        # Well-formed, the state decides.
        expect_code(c, "LISTGROUP no.such.group 1-", 411)
        expect_code(c, "OVER 1-", 412)
        expect_code(c, "HDR Subject 1-", 412)
        c.expect(111, "DATE")


# ------------------------------------------------- ARTICLE, HEAD, BODY, STAT


def test_article_no_group_selected():
    d, arts = start_reading_server()
    with d:
        c = d.connect()
        for verb in ("ARTICLE", "HEAD", "BODY", "STAT"):
            expect_code(c, verb, 412)
            expect_code(c, verb + " 1", 412)
        # By message-id no group is needed; the number is 0.
        a = arts[1]
        full = expect_art(c, "ARTICLE %s" % a["msgid"], 220, 0, a["msgid"])
        assert full == a["article"], "ARTICLE by message-id differs from ARTICLE by number"
        head = expect_art(c, "HEAD %s" % a["msgid"], 221, 0, a["msgid"])
        body = expect_art(c, "BODY %s" % a["msgid"], 222, 0, a["msgid"])
        assert head + [""] + body == full, "HEAD + empty line + BODY != ARTICLE"
        expect_art(c, "STAT %s" % a["msgid"], 223, 0, a["msgid"])
        # Still nothing selected.
        expect_code(c, "STAT", 412)
        expect_code(c, "NEXT", 412)


def test_article_by_number_and_current():
    d, arts = start_reading_server()
    with d:
        c = d.connect()
        c.expect(211, "GROUP local.general")
        for a in arts:
            n, mid = a["number"], a["msgid"]
            full = expect_art(c, "ARTICLE %d" % n, 220, n, mid)
            head, body = split_article(full)
            assert expect_art(c, "HEAD %d" % n, 221, n, mid) == head
            assert expect_art(c, "BODY %d" % n, 222, n, mid) == body
            expect_art(c, "STAT %d" % n, 223, n, mid)
            # The body is what was posted; the header holds the poster's
            # fields in order and this server's Xref.
            assert body == a["body"], "article %d body %r, want %r" % (n, body, a["body"])
            assert header_value(head, "Message-ID") == mid
            assert header_value(head, "Xref") == "%s local.general:%d" % (PATHHOST, n), head
            assert header_value(head, "Newsgroups") == "local.general"
            # No argument: the current article, just selected by number.
            assert expect_art(c, "ARTICLE", 220, n, mid) == full
            assert expect_art(c, "HEAD", 221, n, mid) == head
            assert expect_art(c, "BODY", 222, n, mid) == body
            expect_art(c, "STAT", 223, n, mid)
        # The folded Subject is stored as the poster folded it.
        h3 = arts[2]["head"]
        i = h3.index("Subject: Third")
        assert h3[i + 1] == "\tarticle", h3


def test_article_by_msgid_keeps_current():
    d, arts = start_reading_server()
    with d:
        c = d.connect()
        c.expect(211, "GROUP local.general")
        expect_art(c, "STAT 2", 223, 2, arts[1]["msgid"])
        for verb, code in (("ARTICLE", 220), ("HEAD", 221), ("BODY", 222), ("STAT", 223)):
            expect_art(c, "%s %s" % (verb, arts[2]["msgid"]), code, 0, arts[2]["msgid"])
            expect_art(c, "%s %s" % (verb, arts[0]["msgid"]), code, 0, arts[0]["msgid"])
            expect_art(c, "STAT", 223, 2, arts[1]["msgid"])
        # NEXT continues from 2, not from an article fetched by id.
        expect_art(c, "NEXT", 223, 3, arts[2]["msgid"])
        # Even while another group is selected, number 0.
        c.expect(211, "GROUP local.empty")
        expect_art(c, "ARTICLE %s" % arts[0]["msgid"], 220, 0, arts[0]["msgid"])
        expect_code(c, "STAT", 420)


def test_article_error_codes():
    d, arts = start_reading_server()
    with d:
        c = d.connect()
        c.expect(211, "GROUP local.general")
        expect_art(c, "STAT 2", 223, 2, arts[1]["msgid"])
        for verb in ("ARTICLE", "HEAD", "BODY", "STAT"):
            # 423: no such number; the current article is unchanged.
            for n in ("4", "99", "9999999999999999"):
                expect_code(c, "%s %s" % (verb, n), 423)
            expect_art(c, "STAT", 223, 2, arts[1]["msgid"])
            # 430: no such message-id (well formed in RFC 3977 3.6 terms).
            for mid in ("<nope@loom.test>", "<no-at-sign>", "<r1.reading@LOOM.TEST>"):
                expect_code(c, "%s %s" % (verb, mid), 430)
            # 501: neither a number nor a message-id.
            for arg in ("abc", "1x", "-1", "+1", "1-2", "1-", "<bad", "<a@b",
                        "r1.reading@loom.test", "99999999999999999", "1 2",
                        "<r1.reading@loom.test> 1"):
                expect_code(c, "%s %s" % (verb, arg), 501)
            expect_art(c, "STAT", 223, 2, arts[1]["msgid"])
        # 420: a group whose current article is invalid (empty group).
        c.expect(211, "GROUP local.empty")
        for verb in ("ARTICLE", "HEAD", "BODY", "STAT"):
            expect_code(c, verb, 420)
            expect_code(c, verb + " 1", 423)
        c.expect(111, "DATE")


# --------------------------------------------------------------- NEXT, LAST


def test_next_last():
    d, arts = start_reading_server()
    with d:
        c = d.connect()
        expect_code(c, "NEXT", 412)
        expect_code(c, "LAST", 412)
        c.expect(211, "GROUP local.empty")
        expect_code(c, "NEXT", 420)
        expect_code(c, "LAST", 420)
        c.expect(211, "GROUP local.general")
        expect_code(c, "LAST", 422)
        expect_art(c, "STAT", 223, 1, arts[0]["msgid"])
        expect_art(c, "NEXT", 223, 2, arts[1]["msgid"])
        expect_art(c, "STAT", 223, 2, arts[1]["msgid"])
        expect_art(c, "NEXT", 223, 3, arts[2]["msgid"])
        expect_code(c, "NEXT", 421)
        expect_art(c, "STAT", 223, 3, arts[2]["msgid"])   # unchanged by 421
        expect_art(c, "LAST", 223, 2, arts[1]["msgid"])
        expect_art(c, "LAST", 223, 1, arts[0]["msgid"])
        expect_code(c, "LAST", 422)
        expect_art(c, "STAT", 223, 1, arts[0]["msgid"])   # unchanged by 422
        # A failed ARTICLE n leaves the pointer; a good one moves it.
        expect_code(c, "ARTICLE 7", 423)
        expect_art(c, "NEXT", 223, 2, arts[1]["msgid"])
        expect_art(c, "STAT 3", 223, 3, arts[2]["msgid"])
        expect_art(c, "LAST", 223, 2, arts[1]["msgid"])
        for bad in ("NEXT 1", "LAST 1", "NEXT x"):
            expect_code(c, bad, 501)
        expect_art(c, "STAT", 223, 2, arts[1]["msgid"])


# ------------------------------------------------------------ OVER, XOVER


def parse_over(line):
    f = line.split("\t")
    assert len(f) == 9, "overview line has %d fields, want 9: %r" % (len(f), line)
    assert re.fullmatch(r"\d+", f[0]), "overview number %r" % f[0]
    return f


def check_over_fields(f, a, number):
    """Compare an overview line's fields with the article as stored."""
    head, body = split_article(a["article"])
    assert f[0] == str(number), "overview number %s, want %d" % (f[0], number)
    for i, name in enumerate(("Subject", "From", "Date", "Message-ID", "References"), 1):
        want = over_value(header_value(head, name))
        assert f[i] == want, "%s field %r, want %r (article %s)" % (name, f[i], want, a["msgid"])
    assert f[6] == str(wire_octets(a["article"])), \
        ":bytes %s, want %d (octets of the article as sent, CRLF = 2)" % (f[6], wire_octets(a["article"]))
    assert f[7] == str(len(body)), ":lines %s, want %d (body lines)" % (f[7], len(body))
    assert f[8] == "Xref: " + header_value(head, "Xref"), "Xref field %r" % f[8]


def test_overview_fmt():
    with Loomd(config=CONFIG) as d:
        c = d.connect()
        assert block(c, "LIST OVERVIEW.FMT", 215) == OVERVIEW_FMT
        expect_code(c, "LIST OVERVIEW.FMT x", 501)


def test_over_ranges_and_fields():
    d, arts = start_reading_server()
    with d:
        c = d.connect()
        for verb in ("OVER", "XOVER"):
            expect_code(c, verb, 412)
            expect_code(c, verb + " 1-", 412)
            expect_code(c, verb + " 1", 412)
        # The message-id form needs no group and reports number 0.
        lines = block(c, "OVER %s" % arts[1]["msgid"], 224)
        assert len(lines) == 1, lines
        check_over_fields(parse_over(lines[0]), arts[1], 0)
        expect_code(c, "OVER <nope@loom.test>", 430)
        expect_code(c, "OVER <bad", 501)
        c.expect(211, "GROUP local.general")
        # No argument: the current article.
        lines = block(c, "OVER", 224)
        assert len(lines) == 1, lines
        check_over_fields(parse_over(lines[0]), arts[0], 1)
        for verb in ("OVER", "XOVER"):
            for rng, want in (("2", [2]), ("2-", [2, 3]), ("1-2", [1, 2]),
                              ("1-3", [1, 2, 3]), ("2-2", [2]), ("1-100", [1, 2, 3]),
                              ("0-1", [1]), ("3-", [3])):
                lines = block(c, "%s %s" % (verb, rng), 224)
                got = [int(l.split("\t", 1)[0]) for l in lines]
                assert got == want, "%s %s -> numbers %r, want %r" % (verb, rng, got, want)
                for l in lines:
                    n = int(l.split("\t", 1)[0])
                    check_over_fields(parse_over(l), arts[n - 1], n)
            # 423: nothing in the range, including a reversed one.
            for rng in ("3-2", "4-", "4", "100", "100-200", "2-1"):
                expect_code(c, "%s %s" % (verb, rng), 423)
            for rng in ("a", "1-x", "x-1", "-", "1--2", "1 2"):
                expect_code(c, "%s %s" % (verb, rng), 501)
        # Message-id form with a group selected: still number 0, and the
        # current article is unchanged.
        c.expect(223, "STAT 2")
        lines = block(c, "OVER %s" % arts[2]["msgid"], 224)
        check_over_fields(parse_over(lines[0]), arts[2], 0)
        expect_art(c, "STAT", 223, 2, arts[1]["msgid"])
        lines = block(c, "OVER", 224)
        check_over_fields(parse_over(lines[0]), arts[1], 2)
        # The folded Subject is unfolded, its TAB made a space.
        f = parse_over(block(c, "OVER 3", 224)[0])
        assert f[1] == "Third article", "folded Subject in OVER: %r" % f[1]
        # Empty group: 420 without argument, 423 for a range.
        c.expect(211, "GROUP local.empty")
        expect_code(c, "OVER", 420)
        expect_code(c, "XOVER", 420)
        expect_code(c, "OVER 1-", 423)
        expect_code(c, "XOVER 1", 423)
        c.expect(111, "DATE")


# ---------------------------------------------------------------------- HDR


def hdr_lines(c, cmd, code=225):
    c.expect(code, cmd)
    return c.multiline()


def norm_empty(lines):
    """RFC 3977 8.5.2: for an absent header the space after the number
    MAY be omitted; map "n " to "n"."""
    return [l[:-1] if re.fullmatch(r"\d+ ", l) else l for l in lines]


def test_hdr():
    d, arts = start_reading_server()
    with d:
        c = d.connect()
        expect_code(c, "HDR Subject", 412)
        expect_code(c, "HDR Subject 1-", 412)
        assert hdr_lines(c, "HDR Subject %s" % arts[0]["msgid"]) == ["0 First article"]
        expect_code(c, "HDR Subject <nope@loom.test>", 430)
        c.expect(211, "GROUP local.general")
        subjects = ["1 First article", "2 Re: First article", "3 Third article"]
        assert hdr_lines(c, "HDR Subject 1-3") == subjects
        assert hdr_lines(c, "HDR subject 1-") == subjects        # case-insensitive
        assert hdr_lines(c, "HDR SUBJECT 2") == subjects[1:2]
        assert hdr_lines(c, "HDR Subject") == subjects[:1]       # current article
        c.expect(223, "STAT 3")
        assert hdr_lines(c, "HDR Subject") == subjects[2:]
        # Overview and other headers, against the stored article.
        for field in ("From", "Date", "Message-ID", "References", "Path", "Newsgroups",
                      "Lines", "Xref", "X-Folded", "X-Plain", "X-Not-There",
                      "X-Tab", "X-Fold-Space", "X-Dup"):
            want = ["%d %s" % (a["number"], over_value(header_value(a["head"], field)))
                    for a in arts]
            got = hdr_lines(c, "HDR %s 1-" % field)
            assert norm_empty(got) == norm_empty(want), "HDR %s 1- -> %r, want %r" % (field, got, want)
        assert norm_empty(hdr_lines(c, "HDR X-Not-There 1-")) == ["1", "2", "3"]
        assert hdr_lines(c, "HDR X-Folded 3") == ["3 one two"]
        # CRLF removed, then each TAB made one space (RFC 3977 8.5.2).
        assert hdr_lines(c, "HDR X-Tab 3") == ["3 a b"]
        assert hdr_lines(c, "HDR X-Fold-Space 3") == ["3 a   b"]
        # Only the first of several fields of the same name.
        assert hdr_lines(c, "HDR X-Dup 3") == ["3 first"]
        # Metadata.
        over = [parse_over(l) for l in block(c, "OVER 1-", 224)]
        assert hdr_lines(c, "HDR :bytes 1-") == ["%s %s" % (f[0], f[6]) for f in over]
        assert hdr_lines(c, "HDR :lines 1-") == ["%s %s" % (f[0], f[7]) for f in over]
        assert hdr_lines(c, "HDR :LINES 2") == ["2 %d" % len(arts[1]["body"])]
        # The message-id form answers 0 and leaves the current article.
        c.expect(223, "STAT 2")
        assert hdr_lines(c, "HDR Message-ID %s" % arts[2]["msgid"]) == ["0 %s" % arts[2]["msgid"]]
        assert hdr_lines(c, "HDR :lines %s" % arts[2]["msgid"]) == ["0 %d" % len(arts[2]["body"])]
        assert hdr_lines(c, "HDR Path %s" % arts[2]["msgid"]) == \
            ["0 %s" % header_value(arts[2]["head"], "Path")]
        expect_art(c, "STAT", 223, 2, arts[1]["msgid"])
        # Unknown metadata: 503 in both forms.
        expect_code(c, "HDR :foo 1-", 503)
        expect_code(c, "HDR :foo %s" % arts[0]["msgid"], 503)
        # Ranges without articles, bad ranges, bad message-ids.
        for rng in ("3-2", "4-", "99"):
            expect_code(c, "HDR Subject %s" % rng, 423)
        for arg in ("HDR Subject x", "HDR Subject 1-x", "HDR Subject <bad", "HDR",
                    "HDR Subject 1 2"):
            expect_code(c, arg, 501)
        c.expect(211, "GROUP local.empty")
        expect_code(c, "HDR Subject", 420)
        expect_code(c, "HDR Subject 1-", 423)
        c.expect(111, "DATE")


def test_hdr_long_values():
    # Long header values come back whole from HDR, XHDR, XPAT and OVER.
    with Loomd(config=CONFIG) as d:
        c = d.connect()
        subject = "Long " + "s" * 6000 + " END"
        xlong = "x" * 9000 + "END"
        mid = "<long.hdr@loom.test>"
        post_ok(c, art_text(mid, subject, "L <l@example.org>", ["b"],
                            extra=("X-Long: " + xlong,)))
        c.expect(211, "GROUP local.general")
        f = parse_over(block(c, "OVER 1", 224)[0])
        problems = []
        if f[1] != subject:
            problems.append("OVER Subject: %d octets, want %d" % (len(f[1]), len(subject)))
        for cmd, code, want in (
                ("HDR Subject 1", 225, "1 " + subject),
                ("HDR Subject %s" % mid, 225, "0 " + subject),
                ("HDR X-Long 1-", 225, "1 " + xlong),
                ("HDR X-Long %s" % mid, 225, "0 " + xlong),
                ("XHDR Subject 1", 221, "1 " + subject),
                ("XHDR X-Long %s" % mid, 221, mid + " " + xlong),
                ("XPAT Subject 1- Long*END", 221, "1 " + subject),
                ("XPAT X-Long 1- x*END", 221, "1 " + xlong)):
            got = hdr_lines(c, cmd, code)
            if got != [want]:
                problems.append("%s: %d line(s) of %r octets, want 1 of %d" % (
                    cmd, len(got), [len(l) for l in got], len(want)))
        assert not problems, "\n".join(problems)


def test_selected_group_sees_new_articles():
    # Articles that arrive while a group is selected are part of it for
    # ranges ("n-" is every article from n on, RFC 3977 8.3.1), NEXT,
    # and numbers, without selecting the group again.
    with Loomd(config=CONFIG) as d:
        reader = d.connect()
        poster = d.connect()
        post_ok(poster, art_text("<grow.1@loom.test>", "grow 1", "G <g@example.org>", ["1"]))
        assert reader.cmd("GROUP local.general") == (211, "1 1 1 local.general")
        for i in (2, 3):
            post_ok(poster, art_text("<grow.%d@loom.test>" % i, "grow %d" % i,
                                     "G <g@example.org>", [str(i)]))
        expect_art(reader, "NEXT", 223, 2, "<grow.2@loom.test>")
        expect_art(reader, "STAT 3", 223, 3, "<grow.3@loom.test>")
        problems = []
        for cmd, code, want in (
                ("OVER 1-", 224, ["1", "2", "3"]),
                ("XOVER 2-", 224, ["2", "3"]),
                ("HDR Subject 1-", 225, ["1", "2", "3"]),
                ("XHDR Subject 2-", 221, ["2", "3"]),
                ("XPAT Subject 1- grow*", 221, ["1", "2", "3"]),
                ("HDR X-None 3-", 225, ["3"])):
            got, text = reader.cmd(cmd)
            if got != code:
                problems.append("%s -> %d %s, want %d" % (cmd, got, text, code))
                continue
            nums = [re.split(r"[\t ]", l, 1)[0] for l in reader.multiline()]
            if nums != want:
                problems.append("%s -> articles %r, want %r" % (cmd, nums, want))
        assert not problems, "\n".join(problems)


def test_list_headers():
    with Loomd(config=CONFIG) as d:
        c = d.connect()
        want = [":", ":bytes", ":lines"]
        assert block(c, "LIST HEADERS", 215) == want
        assert block(c, "LIST HEADERS MSGID", 215) == want
        assert block(c, "LIST HEADERS RANGE", 215) == want
        assert block(c, "list headers range", 215) == want
        expect_code(c, "LIST HEADERS FOO", 501)
        expect_code(c, "LIST HEADERS MSGID RANGE", 501)


# ----------------------------------------------------------------- XHDR, XPAT


def test_xhdr():
    d, arts = start_reading_server()
    with d:
        c = d.connect()
        expect_code(c, "XHDR Subject 1-", 412)
        expect_code(c, "XHDR Subject", 412)
        # The message-id form echoes the id.
        assert hdr_lines(c, "XHDR Subject %s" % arts[1]["msgid"], 221) == \
            ["%s Re: First article" % arts[1]["msgid"]]
        assert hdr_lines(c, "XHDR X-None %s" % arts[1]["msgid"], 221) == \
            ["%s (none)" % arts[1]["msgid"]]
        expect_code(c, "XHDR Subject <nope@loom.test>", 430)
        c.expect(211, "GROUP local.general")
        assert hdr_lines(c, "XHDR Subject 1-3", 221) == \
            ["1 First article", "2 Re: First article", "3 Third article"]
        assert hdr_lines(c, "XHDR subject 2-", 221) == ["2 Re: First article", "3 Third article"]
        assert hdr_lines(c, "XHDR Subject", 221) == ["1 First article"]
        assert hdr_lines(c, "XHDR X-None 1-", 221) == ["1 (none)", "2 (none)", "3 (none)"]
        assert hdr_lines(c, "XHDR References 1-2", 221) == \
            ["1 (none)", "2 %s" % arts[0]["msgid"]]
        assert hdr_lines(c, "XHDR Path 2", 221) == ["2 %s" % header_value(arts[1]["head"], "Path")]
        assert hdr_lines(c, "XHDR X-Folded 3", 221) == ["3 one two"]
        lines = hdr_lines(c, "XHDR Lines 1-", 221)
        assert lines == ["%d %d" % (a["number"], len(a["body"])) for a in arts], lines
        expect_code(c, "XHDR Subject 4-", (420, 423))
        expect_code(c, "XHDR Subject x", 501)
        c.expect(211, "GROUP local.empty")
        expect_code(c, "XHDR Subject", 420)
        c.expect(111, "DATE")


def test_xpat():
    d, arts = start_reading_server()
    with d:
        c = d.connect()
        expect_code(c, "XPAT Subject 1- *", 412)
        c.expect(211, "GROUP local.general")
        cases = [
            ("XPAT Subject 1- *", ["1 First article", "2 Re: First article", "3 Third article"]),
            ("XPAT Subject 1- *First*", ["1 First article", "2 Re: First article"]),
            ("XPAT Subject 1-3 Re:*", ["2 Re: First article"]),
            ("XPAT Subject 2- *article", ["2 Re: First article", "3 Third article"]),
            ("XPAT Subject 1- nothing*", []),
            ("XPAT subject 1- first*", []),                       # wildmats are case-sensitive
            ("XPAT Subject 1- *First*,!Re:*", ["1 First article"]),
            ("XPAT Subject 1- ?hird*", ["3 Third article"]),
            ("XPAT Subject 1- [FT]*", ["1 First article", "3 Third article"]),
            ("XPAT Subject 1- Re: First*", ["2 Re: First article"]),   # words joined by a space
            ("XPAT From 1- *bob@*", ["2 Bob <bob@example.org>"]),
            ("XPAT Path 1-1 *not-for-mail", ["1 %s" % header_value(arts[0]["head"], "Path")]),
            ("XPAT Subject %s Re:*" % arts[1]["msgid"], ["%s Re: First article" % arts[1]["msgid"]]),
            ("XPAT Subject %s Re:*" % arts[0]["msgid"], []),
        ]
        for cmd, want in cases:
            got = hdr_lines(c, cmd, 221)
            assert got == want, "%s -> %r, want %r" % (cmd, got, want)
        expect_code(c, "XPAT Subject <nope@loom.test> *", 430)
        expect_code(c, "XPAT Subject 1- [", 501)
        expect_code(c, "XPAT Subject 1-", 501)
        expect_code(c, "XPAT Subject", 501)
        c.expect(111, "DATE")


# --------------------------------------------------------------------- LIST


def active_line(name, high, low, status):
    return "%s %d %d %s" % (name, high, low, status)


def test_list_variants():
    d, arts = start_reading_server()
    with d:
        t_after = int(time.time())
        c = d.connect()
        counts = {name: 0 for name in ALL_GROUPS}
        counts["local.general"] = 3

        def active(name):
            n = counts[name]
            return active_line(name, n, 1, ALL_GROUPS[name][0])

        want_active = sorted(active(g) for g in ALL_GROUPS)
        for cmd in ("LIST", "LIST ACTIVE", "list active", "LIST ACTIVE *"):
            got = block(c, cmd, 215)
            assert sorted(got) == want_active, "%s -> %r, want %r" % (cmd, got, want_active)
            assert len(got) == len(set(got)), got
        for pat, names in (("local.*", ["local.general", "local.test", "local.empty", "local.big"]),
                           ("*.general", ["local.general"]),
                           ("local.*,!local.test", ["local.general", "local.empty", "local.big"]),
                           ("*,!local.*", ["alt.readonly", "comp.moderated"]),
                           ("local.?e*", ["local.general", "local.test"]),
                           ("[ac]*", ["alt.readonly", "comp.moderated"]),
                           ("no.such.*", []),
                           ("local.general", ["local.general"])):
            got = block(c, "LIST ACTIVE %s" % pat, 215)
            want = sorted(active(n) for n in names)
            assert sorted(got) == want, "LIST ACTIVE %s -> %r, want %r" % (pat, got, want)
        # ACTIVE.TIMES: name, creation time (not in the future), creator.
        got = block(c, "LIST ACTIVE.TIMES", 215)
        names = []
        for l in got:
            m = re.fullmatch(r"(\S+) (\d+) (\S+)", l)
            assert m, "LIST ACTIVE.TIMES line %r" % l
            assert int(m.group(2)) <= t_after + 1, "group created in the future: %r" % l
            names.append(m.group(1))
        assert sorted(names) == sorted(ALL_GROUPS), names
        got = block(c, "LIST ACTIVE.TIMES comp.*", 215)
        assert len(got) == 1 and got[0].startswith("comp.moderated "), got
        # NEWSGROUPS: name TAB description.
        got = block(c, "LIST NEWSGROUPS", 215)
        want = sorted("%s\t%s" % (n, v[1]) for n, v in ALL_GROUPS.items())
        assert sorted(got) == want, "LIST NEWSGROUPS -> %r" % got
        assert block(c, "LIST NEWSGROUPS local.e*", 215) == ["local.empty\tNothing here"]
        assert block(c, "LIST NEWSGROUPS nothing.*", 215) == []
        # COUNTS (RFC 6048 2.2): name high low count status.
        got = block(c, "LIST COUNTS", 215)
        want = sorted("%s %d 1 %d %s" % (n, counts[n], counts[n], v[0])
                      for n, v in ALL_GROUPS.items())
        assert sorted(got) == want, "LIST COUNTS -> %r, want %r" % (got, want)
        assert block(c, "LIST COUNTS comp.*", 215) == ["comp.moderated 0 1 0 m"]
        assert block(c, "LIST COUNTS local.general", 215) == ["local.general 3 1 3 y"]
        # DISTRIB.PATS: Loom keeps none.
        assert block(c, "LIST DISTRIB.PATS", 215) == []
        # Errors.
        for bad in ("LIST FOO", "LIST ACTIVE a b", "LIST DISTRIB.PATS x",
                    "LIST ACTIVE [", "LIST NEWSGROUPS [a", "LIST COUNTS [",
                    "LIST ACTIVE.TIMES [z-", "LIST OVERVIEW.FMT *"):
            expect_code(c, bad, 501)
        c.expect(111, "DATE")


# ---------------------------------------------------------------- NEWGROUPS


def ymd_hms(t, four=True, tz_offset=0):
    dt = datetime.datetime.fromtimestamp(t + tz_offset, datetime.timezone.utc)
    return (dt.strftime("%Y%m%d") if four else dt.strftime("%y%m%d")), dt.strftime("%H%M%S")


def active_times(c):
    out = {}
    for l in block(c, "LIST ACTIVE.TIMES", 215):
        name, t, _ = l.split(" ")
        out[name] = int(t)
    return out


TZ_OFFSET = 5 * 3600
TZ_ENV = {"TZ": "LMT-5"}     # POSIX: local time is UTC+5, no DST


def test_newgroups():
    with Loomd(config=CONFIG, env=TZ_ENV) as d:
        c = d.connect()
        created = active_times(c)
        lo, hi = min(created.values()), max(created.values())
        active = sorted(block(c, "LIST ACTIVE", 215))

        def newgroups(args):
            return sorted(block(c, "NEWGROUPS %s" % args, 231))

        # 4-digit years, GMT.
        assert newgroups("%s %s GMT" % ymd_hms(lo - 1)) == active
        assert newgroups("%s %s GMT" % ymd_hms(hi + 1)) == []
        assert newgroups("%s %s gmt" % ymd_hms(lo - 3600)) == active
        assert newgroups("19700101 000000 GMT") == active
        # 2-digit years: the current century when yy <= this year ...
        assert newgroups("%s %s GMT" % ymd_hms(lo - 1, four=False)) == active
        assert newgroups("%s %s GMT" % ymd_hms(hi + 1, four=False)) == []
        # ... and the previous one otherwise (RFC 3977 7.3.2).
        y, t = ymd_hms(hi + 1, four=False)
        next_yy = "%02d%s" % ((int(y[:2]) + 1) % 100, y[2:])
        if next_yy[:2] != "00":
            assert newgroups("%s %s GMT" % (next_yy, t)) == active, \
                "yy one above this year must mean the previous century"
        # Without GMT: the server's local time (TZ=UTC+5 here).
        assert newgroups("%s %s" % ymd_hms(lo - 1, tz_offset=TZ_OFFSET)) == active
        assert newgroups("%s %s" % ymd_hms(hi + 1, tz_offset=TZ_OFFSET)) == []
        # The same digits read as GMT are 5 hours later: nothing new.
        assert newgroups("%s %s GMT" % ymd_hms(lo - 1, tz_offset=TZ_OFFSET)) == []
        # And GMT digits read as local time are 5 hours earlier: all.
        assert newgroups("%s %s" % ymd_hms(hi + 1)) == active
        # A date in the future.
        future = ymd_hms(time.time() + 400 * 86400)
        assert newgroups("%s %s GMT" % future) == []
        assert newgroups("%s %s" % future) == []
        # A group created later shows up; the old ones do not.  Wait
        # (bounded) until the clock has left the old groups' second.
        for _ in range(100):
            if int(time.time()) > hi:
                break
            time.sleep(0.05)
        since = int(time.time())
        assert since > hi, "clock did not move past %d" % hi
        # time(2) reads a coarse clock that may lag time.time() by a
        # tick: let it pass `since` too before loomctl stamps the group.
        time.sleep(0.05)
        p = d.ctl("newgroup", "local.newer", "Created later")
        assert p.returncode == 0, p.stderr
        created2 = active_times(c)
        assert "local.newer" in created2, sorted(created2)
        got = newgroups("%s %s GMT" % ymd_hms(since))
        assert got == ["local.newer 0 1 y"], got
        for bad in ("NEWGROUPS 2026 000000", "NEWGROUPS 20261301 000000 GMT",
                    "NEWGROUPS 20260132 000000 GMT", "NEWGROUPS 20260230 000000 GMT",
                    "NEWGROUPS 20260101 240000 GMT", "NEWGROUPS 20260101 006000 GMT",
                    "NEWGROUPS 20260101 0000 GMT", "NEWGROUPS 20260101 000000 UTC",
                    "NEWGROUPS 20260101", "NEWGROUPS 18991231 000000 GMT",
                    "NEWGROUPS 2026010a 000000 GMT", "NEWGROUPS 0260101 000000 GMT",
                    "NEWGROUPS 20260101 000000 GMT x"):
            expect_code(c, bad, 501)
        c.expect(111, "DATE")


def test_newgroups_newnews_leap_second():
    # RFC 3977 7.3.2: "ss is the seconds (00-60, to allow for leap
    # seconds)"; NEWNEWS takes the same format (7.4.2).
    with Loomd(config=CONFIG) as d:
        c = d.connect()
        c.expect(231, "NEWGROUPS 20161231 235960 GMT")
        assert sorted(c.multiline()) == sorted(block(c, "LIST ACTIVE", 215))
        c.expect(230, "NEWNEWS * 20161231 235960 GMT")
        c.multiline()
        c.expect(231, "NEWGROUPS 161231 235960")
        c.multiline()
        expect_code(c, "NEWGROUPS 20161231 235961 GMT", 501)


# ------------------------------------------------------------------ NEWNEWS


def server_time(c):
    text = c.expect(111, "DATE")
    return int(datetime.datetime.strptime(text, "%Y%m%d%H%M%S")
               .replace(tzinfo=datetime.timezone.utc).timestamp())


def test_newnews():
    with Loomd(config=CONFIG, env=TZ_ENV) as d:
        c = d.connect()
        t0 = server_time(c)
        ids = {}

        def post(key, groups):
            mid = "<%s.newnews@loom.test>" % key
            post_ok(c, art_text(mid, "newnews " + key, "N <n@example.org>", ["x"],
                                newsgroups=groups))
            ids[key] = mid

        post("a1", "local.general")
        post("a2", "local.test")
        post("a3", "local.general,local.test")
        # Wait (bounded) for the server's clock to reach the next second,
        # so that everything above arrived strictly before t1.
        t1 = t0
        for _ in range(100):
            t1 = server_time(c)
            if t1 > t0:
                break
            time.sleep(0.05)
        assert t1 > t0, "server clock did not move in 5 s"
        post("b1", "local.general")
        post("b2", "local.test")

        def newnews(args):
            c.expect(230, "NEWNEWS %s" % args)
            got = c.multiline()
            return set(got)

        def want(*keys):
            return set(ids[k] for k in keys)

        s0 = "%s %s GMT" % ymd_hms(t0)
        s1 = "%s %s GMT" % ymd_hms(t1)
        assert newnews("* " + s0) == want("a1", "a2", "a3", "b1", "b2")
        assert newnews("local.general " + s0) == want("a1", "a3", "b1")
        assert newnews("local.test " + s0) == want("a2", "a3", "b2")
        assert newnews("local.*,!local.test " + s0) == want("a1", "a3", "b1")
        # a3 is also in local.test, which the wildmat matches.
        assert newnews("*,!local.general " + s0) == want("a2", "a3", "b2")
        assert newnews("*.gen* " + s0) == want("a1", "a3", "b1")
        assert newnews("no.such.* " + s0) == set()
        assert newnews("local.empty " + s0) == set()
        # Date filtering.
        assert newnews("* " + s1) == want("b1", "b2")
        assert newnews("local.test " + s1) == want("b2")
        assert newnews("* %s %s GMT" % ymd_hms(t1, four=False)) == want("b1", "b2")
        assert newnews("* %s %s GMT" % ymd_hms(time.time() + 86400)) == set()
        # Local time (UTC+5).
        assert newnews("* %s %s" % ymd_hms(t1, tz_offset=TZ_OFFSET)) == want("b1", "b2")
        assert newnews("* %s %s" % ymd_hms(t1)) == want("a1", "a2", "a3", "b1", "b2")
        for bad in ("NEWNEWS [ " + s0, "NEWNEWS local.[a- " + s0,
                    "NEWNEWS * 2026 000000 GMT", "NEWNEWS * 20260101 000000 XYZ",
                    "NEWNEWS * 20260101", "NEWNEWS " + s0):
            expect_code(c, bad, 501)
        c.expect(111, "DATE")


# ------------------------------------------------------------ cross-posting


def parse_xref(v):
    host, *entries = v.split()
    return host, sorted(entries)


def test_crosspost():
    with Loomd(config=CONFIG) as d:
        c = d.connect()
        post_ok(c, art_text("<p1.x@loom.test>", "plain", "P <p@example.org>", ["p"]))
        post_ok(c, art_text("<x1.x@loom.test>", "cross", "X <x@example.org>", ["both"],
                            newsgroups="local.general,local.test"))
        # White space after the comma (RFC 5536 3.1.4 allows FWS).
        post_ok(c, art_text("<x2.x@loom.test>", "cross 2", "X <x@example.org>", ["again"],
                            newsgroups="local.test, local.general"))
        # The same group twice: one number.
        post_ok(c, art_text("<x3.x@loom.test>", "twice", "X <x@example.org>", ["dup"],
                            newsgroups="local.general,local.general"))
        assert c.cmd("GROUP local.general") == (211, "4 1 4 local.general")
        assert c.cmd("GROUP local.test") == (211, "2 1 2 local.test")
        in_test = expect_art(c, "ARTICLE 1", 220, 1, "<x1.x@loom.test>")
        head, body = split_article(in_test)
        assert body == ["both"]
        assert parse_xref(header_value(head, "Xref")) == \
            (PATHHOST, ["local.general:2", "local.test:1"]), header_value(head, "Xref")
        assert len([l for l in head if l.lower().startswith("xref:")]) == 1, head
        expect_art(c, "NEXT", 223, 2, "<x2.x@loom.test>")
        h2 = expect_art(c, "HEAD", 221, 2, "<x2.x@loom.test>")
        assert parse_xref(header_value(h2, "Xref")) == \
            (PATHHOST, ["local.general:3", "local.test:2"]), header_value(h2, "Xref")
        over_test = parse_over(block(c, "OVER 1", 224)[0])
        c.expect(211, "GROUP local.general")
        in_general = expect_art(c, "ARTICLE 2", 220, 2, "<x1.x@loom.test>")
        assert in_general == in_test, "the article differs between its groups"
        over_general = parse_over(block(c, "OVER 2", 224)[0])
        assert over_general[1:] == over_test[1:], (over_general, over_test)
        expect_art(c, "STAT 3", 223, 3, "<x2.x@loom.test>")
        h3 = expect_art(c, "HEAD 4", 221, 4, "<x3.x@loom.test>")
        assert parse_xref(header_value(h3, "Xref")) == (PATHHOST, ["local.general:4"]), \
            header_value(h3, "Xref")
        assert block(c, "LISTGROUP local.test", 211) == ["1", "2"]
        got = sorted(block(c, "LIST COUNTS local.general,local.test", 215))
        assert got == ["local.general 4 1 4 y", "local.test 2 1 2 y"], got
        # By message-id: once, number 0.
        expect_art(c, "STAT <x1.x@loom.test>", 223, 0, "<x1.x@loom.test>")


# ------------------------------------------------------------- a large group


def post_many(c, group, n, batch=200):
    """POST n small articles, pipelined in batches (each POST with its
    article); every reply must be 340 then 240."""
    ids = []
    i = 0
    while i < n:
        k = min(batch, n - i)
        out = []
        for j in range(i, i + k):
            mid = "<big.%d@loom.test>" % (j + 1)
            ids.append(mid)
            art = ("From: Big <big@example.org>\r\nNewsgroups: %s\r\n"
                   "Subject: big %d\r\nMessage-ID: %s\r\nX-Seq: %d\r\n\r\n"
                   "body %d\r\n.\r\n" % (group, j + 1, mid, j + 1, j + 1))
            out.append("POST\r\n" + art)
        c.send("".join(out))
        for j in range(k):
            code, text = c.response(timeout=60)
            assert code == 340, "POST %d -> %d %s" % (i + j + 1, code, text)
            code, text = c.response(timeout=60)
            assert code == 240, "article %d -> %d %s" % (i + j + 1, code, text)
        i += k
    return ids


def test_large_group():
    n = 2000
    with Loomd(config=CONFIG) as d:
        c = d.connect()
        t = time.monotonic()
        ids = post_many(c, "local.big", n)
        harness.diag("posted %d articles in %.1f s" % (n, time.monotonic() - t))
        r = d.connect()
        assert r.cmd("GROUP local.big") == (211, "%d 1 %d local.big" % (n, n))
        # One OVER for everything, then a DATE in the same send: the whole
        # block comes first, in order.
        r.send("OVER 1-\r\nDATE\r\n")
        code, text = r.response()
        assert code == 224, "OVER 1- -> %d %s" % (code, text)
        lines = r.multiline(timeout=60)
        assert len(lines) == n, "OVER 1- gave %d lines, want %d" % (len(lines), n)
        for i, l in enumerate(lines, 1):
            f = l.split("\t")
            assert len(f) == 9, l
            assert f[0] == str(i) and f[1] == "big %d" % i and f[4] == ids[i - 1], \
                "OVER line %d: %r" % (i, l)
            assert f[7] == "1" and f[8] == "Xref: %s local.big:%d" % (PATHHOST, i), l
        assert r.response()[0] == 111
        assert r.cmd("LISTGROUP local.big") == (211, "%d 1 %d local.big list follows" % (n, n))
        assert r.multiline() == [str(i) for i in range(1, n + 1)]
        r.expect(211, "LISTGROUP local.big 1990-")
        assert r.multiline() == [str(i) for i in range(1990, n + 1)]
        got = block(r, "XOVER 1995-2010", 224)
        assert [l.split("\t")[0] for l in got] == [str(i) for i in range(1995, n + 1)], got
        # HDR from the overview and from the articles themselves.
        got = hdr_lines(r, "HDR Subject 1-")
        assert got == ["%d big %d" % (i, i) for i in range(1, n + 1)], got[:3]
        got = hdr_lines(r, "HDR X-Seq 1-")
        assert got == ["%d %d" % (i, i) for i in range(1, n + 1)], \
            "HDR X-Seq 1-: %d lines, first %r" % (len(got), got[:3])
        got = hdr_lines(r, "XHDR Message-ID 1001-1003", 221)
        assert got == ["%d %s" % (i, ids[i - 1]) for i in (1001, 1002, 1003)], got
        r.expect(230, "NEWNEWS local.big 19700101 000000 GMT")
        assert sorted(r.multiline()) == sorted(ids)
        r.expect(111, "DATE")


# -------------------------------------------------------------- pipelining


PIPELINE = [
    "GROUP local.general", "STAT", "NEXT", "ARTICLE", "HEAD <r1.reading@loom.test>",
    "BODY 3", "OVER 1-3", "LISTGROUP", "NEXT", "HDR Subject 1-",
    "LIST OVERVIEW.FMT", "XHDR Subject <r2.reading@loom.test>", "STAT 99",
    "LAST", "XOVER 2-", "LIST ACTIVE local.*", "GROUP no.such", "ARTICLE <nope@x>",
    "XPAT Subject 1- *First*", "LIST HEADERS", "NEWGROUPS 19990101 000000 GMT",
    "BODY", "LAST", "LAST", "HELP", "FOO", "LIST NEWSGROUPS local.general",
]

MULTI = {100, 101, 215, 220, 221, 222, 224, 225, 230, 231}


def read_reply(c, cmd):
    code, text = c.response()
    lines = None
    if code in MULTI or (code == 211 and cmd.upper().startswith("LISTGROUP")) or \
            (code == 221 and cmd.upper().startswith(("XHDR", "XPAT"))):
        lines = c.multiline()
    return code, text, lines


def test_pipelining_reader_commands():
    d, arts = start_reading_server()
    with d:
        # The answers one at a time ...
        one = d.connect()
        want = []
        for cmd in PIPELINE:
            one.send(cmd + "\r\n")
            want.append(read_reply(one, cmd))
        # ... equal the answers to everything in one send, 10 times over.
        c = d.connect()
        c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        rounds = 10
        c.send("".join(cmd + "\r\n" for cmd in PIPELINE) * rounds + "DATE\r\n")
        for r in range(rounds):
            for cmd, w in zip(PIPELINE, want):
                got = read_reply(c, cmd)
                assert got == w, "round %d, %r: got %r, want %r" % (r, cmd, got[:2], w[:2])
        assert c.response()[0] == 111


if __name__ == "__main__":
    harness.main(globals())
