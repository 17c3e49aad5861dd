#!/usr/bin/env python3
"""
POST integration tests (RFC 3977 6.3.1, RFC 5536, RFC 5537 and
docs/posting.md): 340/240 and visibility after the commit, dot-stuffing
round trips with 8-bit and long lines, injected and removed headers,
every documented 441 refusal, the size limit, posting disabled, clients
that vanish or dribble, and a real comment thread posted and read back.
"""

import datetime
import email.utils
import json
import os
import re
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Loomd, TESTDATA, split_article, header_fields, header_value  # noqa: E402

PATHHOST = "news.loom.test"
DOMAIN = "posted.loom.test"

GROUPS = """\
[group local.general]
description = Local general discussion
[group local.test]
description = Local test postings
[group local.readonly]
description = No posting here
status = n
[group local.moderated]
description = Moderated
status = m
"""

CONFIG = """\
[server]
pathhost = %s
domain = %s
[storage]
nosync = yes
""" % (PATHHOST, DOMAIN) + GROUPS

MSGID_RE = re.compile(r"<[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~.]+@" + re.escape(DOMAIN) + ">")
DATE_RE = re.compile(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{1,2} "
                     r"(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                     r"\d{4} \d\d:\d\d:\d\d [+-]\d{4}")


# ------------------------------------------------------------------ helpers


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def rfc5322(dt):
    return email.utils.format_datetime(dt)


def group_count(c, group):
    code, text = c.cmd("GROUP %s" % group)
    assert code == 211, "GROUP %s -> %d %s" % (group, code, text)
    return int(text.split()[0])


def article_by_number(c, group, n):
    c.expect(211, "GROUP %s" % group)
    text = c.expect(220, "ARTICLE %d" % n)
    return text.split()[1], c.multiline()


def parse_date(v):
    return email.utils.parsedate_to_datetime(v)


def injection_info(v):
    """'host; a="b"; c="d"' -> (host, {a: b, c: d}); quoted-string values."""
    host, _, rest = v.partition(";")
    params = {}
    for m in re.finditer(r'\s*([A-Za-z-]+)="((?:[^"\\]|\\.)*)"\s*(;|$)', rest):
        params[m.group(1).lower()] = re.sub(r"\\(.)", r"\1", m.group(2))
    return host.strip(), params


def post_ok(c, article):
    code, text = c.post(article)
    assert code == 240, "POST -> %d %s" % (code, text)
    return text


def stuff(l):
    return b"." + l if l.startswith(b".") else l


# ------------------------------------------------------------- 340 and 240


def test_post_340_240_and_visible_at_once():
    with Loomd(config=CONFIG) as d:
        poster = d.connect()
        reader = d.connect()          # connected before the article exists
        assert reader.cmd("GROUP local.test") == (211, "0 1 0 local.test")
        mid = "<visible.1@loom.test>"
        code, text = poster.cmd("POST")
        assert code == 340, "POST -> %d %s" % (code, text)
        poster.send_block(["From: A <a@example.org>", "Newsgroups: local.test",
                           "Subject: visible", "Message-ID: %s" % mid, "", "now"])
        code, text = poster.response()
        assert code == 240, "article -> %d %s" % (code, text)
        # Acknowledged means committed: another session sees it at once.
        text = reader.expect(223, "STAT %s" % mid)
        assert text.split()[:2] == ["0", mid], text
        assert reader.cmd("GROUP local.test") == (211, "1 1 1 local.test")
        text = reader.expect(222, "BODY 1")
        assert text.split()[:2] == ["1", mid], text
        assert reader.multiline() == ["now"]
        # A third connection, opened afterwards, too.
        assert d.connect().cmd("GROUP local.test") == (211, "1 1 1 local.test")
        # POST takes no argument.
        code, text = poster.cmd("POST local.test")
        assert code == 501, "POST with an argument -> %d %s" % (code, text)
        poster.expect(111, "DATE")


# -------------------------------------------------------------- dot-stuffing


BINARY_LINE = bytes(b for b in range(1, 256) if b not in (10, 13))

TRICKY_BODY = [
    b".", b"..", b"...", b".x", b"..x", b"x.", b" .", b". ", b"", b".\t",
    "caf\u00e9 \u2713 \u65e5\u672c \U0001f600".encode("utf-8"),
    BINARY_LINE,
    b"\tleading tab", b"   ", b"trailing space ",
    b"x" * 5000,
    b"." + b"y" * 4999,
    b"\xff\xfe\x80 not utf-8",
    b"", b"",
    b"last line before a final dot",
    b".",
]


def test_dot_stuffing_round_trip():
    with Loomd(config=CONFIG) as d:
        c = d.connect()
        mid = "<dots.1@loom.test>"
        head = [b"From: Dot <dot@example.org>", b"Newsgroups: local.test",
                b"Subject: dots", b"Message-ID: " + mid.encode()]
        c.expect(340, "POST")
        c.send_block(head + [b""] + TRICKY_BODY)      # send_block dot-stuffs
        code, text = c.response()
        assert code == 240, "POST -> %d %s" % (code, text)
        for cmd in ("ARTICLE %s" % mid, "BODY %s" % mid):
            c.expect((220, 222), cmd)
            # Read the raw wire lines: every line starting with "." must
            # come stuffed, and nothing else changed.
            raw = []
            for _ in range(100000):
                l = c.line_bytes()
                if l == b".":
                    break
                raw.append(l)
            body = split_article(raw)[1] if cmd.startswith("ARTICLE") else raw
            want = [stuff(l) for l in TRICKY_BODY]
            assert len(body) == len(want), "%s: %d body lines, want %d" % (cmd, len(body), len(want))
            for i, (g, w) in enumerate(zip(body, want)):
                assert g == w, "%s: body line %d is %r, want %r" % (cmd, i + 1, g[:80], w[:80])
        # The metadata agree with the body.
        c.expect(224, "OVER %s" % mid)
        f = c.multiline()[0].split("\t")
        assert f[7] == str(len(TRICKY_BODY)), ":lines %s, want %d" % (f[7], len(TRICKY_BODY))
        c.expect(220, "ARTICLE %s" % mid)
        art = c.multiline(raw=True)
        assert f[6] == str(sum(len(l) + 2 for l in art)), ":bytes %s" % f[6]
        assert art[-len(TRICKY_BODY):] == TRICKY_BODY
        h = [l.decode() for l in split_article(art)[0]]
        assert header_value(h, "Lines") == str(len(TRICKY_BODY)), header_value(h, "Lines")


def test_eight_bit_headers_round_trip():
    with Loomd(config=CONFIG) as d:
        c = d.connect()
        mid = "<utf8.1@loom.test>"
        subj = "Gr\u00fc\u00dfe \u2713 \u65e5\u672c"
        frm = "J\u00f6rg \u00c5ngstr\u00f6m <jorg@example.org>"
        post_ok(c, ["From: " + frm, "Newsgroups: local.test", "Subject: " + subj,
                    "Message-ID: " + mid, "", "\u00e9t\u00e9"])
        c.expect(221, "HEAD %s" % mid)
        h = c.multiline()
        assert header_value(h, "Subject") == subj and header_value(h, "From") == frm, h
        c.expect(224, "OVER %s" % mid)
        f = c.multiline()[0].split("\t")
        assert f[1] == subj and f[2] == frm, f


def test_nul_and_bare_cr_never_served():
    # RFC 3977 3.6: an article MUST NOT contain NUL, nor CR or LF except
    # in CRLF; 3.1.1: neither may a multi-line block.  A body carrying
    # them is refused, or at least never sent back with them.
    with Loomd(config=CONFIG) as d:
        c = d.connect()
        problems = []
        for name, line in (("NUL", b"a\x00b"), ("bare CR", b"a\rb"), ("NUL only", b"\x00")):
            mid = "<ctl.%s@loom.test>" % name.replace(" ", "-")
            c.expect(340, "POST")
            c.send_block([b"From: C <c@example.org>", b"Newsgroups: local.test",
                          b"Subject: control", b"Message-ID: " + mid.encode(), b"",
                          b"before", line, b"after"])
            code, text = c.response()
            if code == 441:
                continue
            if code != 240:
                problems.append("%s: POST -> %d %s" % (name, code, text))
                continue
            c.expect(220, "ARTICLE %s" % mid)
            art = c.multiline(raw=True)
            bad = [l for l in art if b"\x00" in l or b"\r" in l]
            if bad:
                problems.append("%s: accepted (240) and served back as %r" % (name, bad))
        c.expect(111, "DATE")
        assert not problems, "\n".join(problems)


def test_bare_lf_line_ends_become_crlf_and_nothing_else_changes():
    # docs/posting.md, Receiving: a bare LF ends a line like CRLF and is
    # stored as CRLF; everything between line ends is kept octet for octet
    # and dot-stuffing is undone and redone; a CR not right before the LF
    # is no line end and refuses the article.
    with Loomd(config=CONFIG) as d:
        c = d.connect()
        mid = "<bare-lf.1@loom.test>"
        body = [b"plain", b"  indented and trailing  ", b"\ttab\t",
                b".dotted", b"..two dots", b"8-bit \xc3\xa9 \xff", b"",
                b"crlf line"]
        raw = (b"From: L <l@example.org>\n"
               b"Newsgroups: local.test\r\n"
               b"Subject: bare\n\tfolded  \n"
               b"Message-ID: " + mid.encode() + b"\n"
               b"\n" +
               b"".join((b"." + l if l.startswith(b".") else l) +
                        (b"\r\n" if l == b"crlf line" else b"\n")
                        for l in body) +
               b".\n")
        c.expect(340, "POST")
        c.send(raw)
        code, text = c.response()
        assert code == 240, (code, text)
        c.expect(220, "ARTICLE %s" % mid)
        # Strict: every line served must end in CRLF.
        head, got = split_article(c.multiline(raw=True))
        assert got == body, got
        assert b"Subject: bare" in head and b"\tfolded  " in head, head
        c.expect(111, "DATE")
        # The CR of "\r\r\n" is not part of the line end.
        c.expect(340, "POST")
        c.send(b"From: L <l@example.org>\r\nNewsgroups: local.test\r\n"
               b"Subject: cr\r\n\r\nbody\r\r\n.\r\n")
        code, text = c.response()
        assert code == 441 and "bare CR" in text, (code, text)


def test_message_id_length_limit():
    # RFC 3977 3.6 / RFC 5536 3.1.3: at most 250 octets.
    with Loomd(config=CONFIG) as d:
        c = d.connect()
        mid250 = "<" + "m" * 238 + "@x.example>"
        mid251 = "<" + "m" * 239 + "@x.example>"
        assert len(mid250) == 250 and len(mid251) == 251
        post_ok(c, base(Message_ID=mid250))
        code, text = c.post(base(Message_ID=mid251))
        assert (code, text) == (441, "Bad Message-ID header"), (code, text)
        text = c.expect(220, "ARTICLE %s" % mid250)
        assert text.split()[:2] == ["0", mid250], text
        c.multiline()
        c.expect(224, "OVER %s" % mid250)
        assert c.multiline()[0].split("\t")[4] == mid250
        c.expect(225, "HDR Message-ID %s" % mid250)
        assert c.multiline() == ["0 " + mid250]
        c.expect(211, "GROUP local.test")
        text = c.expect(223, "STAT 1")
        assert text.split()[:2] == ["1", mid250], text
        assert group_count(c, "local.test") == 1


def test_split_packets():
    # An article (and the POST itself) in many small packets, split inside
    # lines, between CR and LF, and inside the terminator.
    with Loomd(config=CONFIG) as d:
        c = d.connect()
        c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        pieces = [b"PO", b"ST\r", b"\n"]
        for p in pieces:
            c.send(p)
            time.sleep(0.02)
        code, text = c.response()
        assert code == 340, "split POST -> %d %s" % (code, text)
        art = [b"From: Split <split@example.org>\r\nNewsgr", b"oups: local.test\r\nSubj",
               b"ect: split\r", b"\nMessage-ID: <split.1@loom.test>\r\n", b"\r\n",
               b"first line\r\n.", b".dotted\r\n", b"x" * 3000, b"y" * 3000 + b"\r",
               b"\n\r\n", b".", b"\r", b"\n"]
        for p in art:
            c.send(p)
            time.sleep(0.02)
        code, text = c.response()
        assert code == 240, "split article -> %d %s" % (code, text)
        c.expect(222, "BODY <split.1@loom.test>")
        assert c.multiline() == ["first line", ".dotted", "x" * 3000 + "y" * 3000, ""]
        # A reader sending a command in pieces after the article.
        for p in (b"DA", b"TE", b"\r\n"):
            c.send(p)
            time.sleep(0.02)
        assert c.response()[0] == 111


# ------------------------------------------------------------ injection


def test_injected_headers():
    with Loomd(config=CONFIG) as d:
        c = d.connect()
        before = utcnow()
        post_ok(c, ["From: Jane Doe <jane@example.org>",
                    "Newsgroups: local.test",
                    "Subject: Hello",
                    "\tworld",
                    "X-Trace: forged",
                    "NNTP-Posting-Host: forged.example",
                    "NNTP-Posting-Date: Sun, 1 Jan 2023 00:00:00 +0000",
                    "X-Complaints-To: abuse@forged.example",
                    "Organization:",
                    "Keywords:   ",
                    "User-Agent: test/1.0",
                    "",
                    ".dotted line",
                    "body \u00e9"])
        after = utcnow()
        mid, art = article_by_number(c, "local.test", 1)
        head, body = split_article(art)
        assert body == [".dotted line", "body \u00e9"], body
        assert MSGID_RE.fullmatch(mid), "generated Message-ID %r (domain %s)" % (mid, DOMAIN)
        names = [n for n, _ in header_fields(head)]
        # The poster's fields in order, the trace fields and empty fields
        # gone, the injected ones added (Cancel-Lock: test_cancel.py).
        assert names == ["Path", "From", "Newsgroups", "Subject", "User-Agent",
                         "Message-ID", "Date", "Injection-Date", "Injection-Info",
                         "Lines", "Cancel-Lock", "Xref"], names
        assert head[0] == "Path: %s!.POSTED.127.0.0.1!not-for-mail" % PATHHOST, head[0]
        assert head[1:6] == ["From: Jane Doe <jane@example.org>", "Newsgroups: local.test",
                             "Subject: Hello", "\tworld", "User-Agent: test/1.0"], head
        assert header_value(head, "Message-ID") == mid
        date = header_value(head, "Date")
        assert DATE_RE.fullmatch(date), "Date %r" % date
        assert before - datetime.timedelta(seconds=1) <= parse_date(date) <= \
            after + datetime.timedelta(seconds=1), "Date %s not between %s and %s" % (date, before, after)
        assert header_value(head, "Injection-Date") == date, head
        host, params = injection_info(header_value(head, "Injection-Info"))
        assert host == PATHHOST, header_value(head, "Injection-Info")
        assert params.get("posting-host") == "127.0.0.1", header_value(head, "Injection-Info")
        assert set(params) <= {"posting-host", "logging-data", "mail-complaints-to"}, params
        assert header_value(head, "Lines") == "2"
        assert header_value(head, "Xref") == "%s local.test:1" % PATHHOST
        # A second article gets a different Message-ID.
        post_ok(c, ["From: Jane <jane@example.org>", "Newsgroups: local.test",
                    "Subject: again", "", "x"])
        mid2, _ = article_by_number(c, "local.test", 2)
        assert MSGID_RE.fullmatch(mid2) and mid2 != mid, (mid, mid2)


def test_injection_keeps_poster_fields():
    with Loomd(config=CONFIG) as d:
        c = d.connect()
        date = rfc5322(utcnow() - datetime.timedelta(hours=2))
        # Message-ID and Date given: kept as they are, no Injection-Date
        # (RFC 5537 3.4.2); the poster's Path is kept after ours, in place.
        post_ok(c, ["From: A <a@example.org>", "Path: poster.example!not-for-mail",
                    "Newsgroups: local.test", "Subject: mine",
                    "Message-ID: <mine.1@example.org>", "Date: " + date,
                    "Lines: 1", "", "one"])
        mid, art = article_by_number(c, "local.test", 1)
        head, body = split_article(art)
        assert mid == "<mine.1@example.org>"
        names = [n for n, _ in header_fields(head)]
        assert names == ["From", "Path", "Newsgroups", "Subject", "Message-ID", "Date",
                         "Lines", "Injection-Info", "Cancel-Lock", "Xref"], names
        assert header_value(head, "Path") == \
            "%s!.POSTED.127.0.0.1!poster.example!not-for-mail" % PATHHOST, head
        assert header_value(head, "Date") == date
        # A poster's Injection-Date is never replaced.
        idate = rfc5322(utcnow() - datetime.timedelta(hours=1))
        post_ok(c, ["From: A <a@example.org>", "Newsgroups: local.test", "Subject: idate",
                    "Injection-Date: " + idate, "", "two"])
        _, art = article_by_number(c, "local.test", 2)
        head = split_article(art)[0]
        assert [v for n, v in header_fields(head) if n == "Injection-Date"] == [idate], head
        assert header_value(head, "Date") is not None
        # Date without Message-ID: Date kept, Injection-Date added.
        post_ok(c, ["From: A <a@example.org>", "Newsgroups: local.test", "Subject: dated",
                    "Date: " + date, "", "three"])
        mid, art = article_by_number(c, "local.test", 3)
        head = split_article(art)[0]
        assert MSGID_RE.fullmatch(mid), mid
        assert header_value(head, "Date") == date, head
        idate = header_value(head, "Injection-Date")
        assert idate is not None and idate != date and DATE_RE.fullmatch(idate), head


def test_injection_without_posting_host():
    cfg = CONFIG + "[posting]\nposting_host = no\n"
    with Loomd(config=cfg) as d:
        c = d.connect()
        post_ok(c, ["From: A <a@example.org>", "Newsgroups: local.test",
                    "Subject: hidden", "", "x"])
        _, art = article_by_number(c, "local.test", 1)
        head = split_article(art)[0]
        assert header_value(head, "Path") == "%s!.POSTED!not-for-mail" % PATHHOST, head
        info = header_value(head, "Injection-Info")
        host, params = injection_info(info)
        assert host == PATHHOST and "posting-host" not in params, info
        assert "127.0.0.1" not in info, info


# ------------------------------------------------------------- refusals


def base(**over):
    """A good proto-article as a list of lines; over maps a field name to
    a value (None drops it) or adds it."""
    fields = [("From", "Poster <poster@example.org>"), ("Newsgroups", "local.test"),
              ("Subject", "refusal test")]
    for k, v in over.items():
        k = k.replace("_", "-")
        fields = [(n, val) for n, val in fields if n != k]
        if v is not None:
            fields.append((k, v))
    return ["%s: %s" % (n, v) if v != "" else "%s:" % n for n, v in fields] + ["", "body"]


def refusal_cases():
    now = utcnow()
    old = rfc5322(now - datetime.timedelta(days=40))
    future = rfc5322(now + datetime.timedelta(days=3))
    exact = [
        ("missing From", base(From=None), "Missing required From header"),
        ("missing Subject", base(Subject=None), "Missing required Subject header"),
        ("missing Newsgroups", base(Newsgroups=None), "Missing required Newsgroups header"),
        ("empty Subject", base(Subject="   "), "Missing required Subject header"),
        ("bad From", base(From="not an address"), "Bad From header"),
        ("bad From, no domain", base(From="user@"), "Bad From header"),
        ("bad From, empty angle", base(From="Someone <>"), "Bad From header"),
        ("bad From, group", base(From="Team: a@example.org;"), "Bad From header"),
        ("duplicate Subject", base() [:3] + ["Subject: again", "", "body"],
         "Duplicate Subject header"),
        ("duplicate From", ["From: a@example.org", "from: b@example.org",
                            "Newsgroups: local.test", "Subject: s", "", "b"],
         "Duplicate From header"),
        ("duplicate Message-ID", base(Message_ID="<d1@example.org>") [:4] +
         ["Message-ID: <d2@example.org>", "", "body"], "Duplicate Message-ID header"),
        ("Injection-Info", base(Injection_Info="elsewhere.example"),
         "Injection-Info header not allowed in a posting"),
        ("Xref", base(Xref="elsewhere.example local.test:1"),
         "Xref header not allowed in a posting"),
        ("bad Sender", base(Sender="a@example.org, b@example.org"), "Bad Sender header"),
        ("bad Message-ID, no @", base(Message_ID="<no-at-sign>"), "Bad Message-ID header"),
        ("bad Message-ID, no brackets", base(Message_ID="x@example.org"), "Bad Message-ID header"),
        ("bad Message-ID, two", base(Message_ID="<a@example.org> <b@example.org>"),
         "Bad Message-ID header"),
        ("bad Message-ID, space", base(Message_ID="<a b@example.org>"), "Bad Message-ID header"),
        ("bad Newsgroups, empty component", base(Newsgroups="local..test"),
         "Bad Newsgroups header"),
        ("bad Newsgroups, trailing comma", base(Newsgroups="local.test,"),
         "Bad Newsgroups header"),
        ("bad Newsgroups, space in name", base(Newsgroups="local test"),
         "Bad Newsgroups header"),
        ("bad Newsgroups, wildmat", base(Newsgroups="local.*"), "Bad Newsgroups header"),
        ("bad Path", base(Path="!bad!"), "Bad Path header"),
        ("Path with .POSTED", base(Path="other.example!.POSTED.192.0.2.1!not-for-mail"),
         "Path header shows an earlier injection"),
        ("Date too old", base(Date=old), "Article too old (Date header)"),
        ("Date in the future", base(Date=future), "Date header is in the future"),
        ("Injection-Date in the future", base(Injection_Date=future),
         "Injection-Date header is in the future"),
        # The same window as Date, though the Date itself is fine.
        ("Injection-Date too old", base(Injection_Date=old),
         "Article too old (Injection-Date header)"),
        ("bad Followup-To", base(Followup_To="bad..group"), "Bad Followup-To header"),
        ("empty Followup-To", base(Followup_To=""), "Empty Followup-To header"),
        ("Followup-To a group not here", base(Followup_To="no.such.group"),
         "Followup-To names no such newsgroup: no.such.group"),
        ("Followup-To one group of two not here",
         base(Followup_To="local.general, no.such.group"),
         "Followup-To names no such newsgroup: no.such.group"),
        ("bad References", base(References="not-a-message-id"), "Bad References header"),
        ("bad Supersedes", base(Supersedes="nope"), "Bad Supersedes header"),
        ("no body, no empty line", base()[:3], "Article has no body"),
        ("no body, empty line only", base()[:4], "Article has no body"),
        ("header line without colon", ["From: a@example.org", "NoColonHere",
                                       "Newsgroups: local.test", "Subject: s", "", "b"],
         "Header line 2 has no colon"),
        ("space before colon", ["From: a@example.org", "Newsgroups: local.test",
                                "Subject : s", "", "b"], "Header line 3 has a bad field name"),
        ("empty field name", ["From: a@example.org", ": x", "Newsgroups: local.test",
                              "Subject: s", "", "b"], "Header line 2 has an empty field name"),
        ("continuation first", [" folded", "From: a@example.org", "Newsgroups: local.test",
                                "Subject: s", "", "b"], "Header line 1 continues no field"),
        ("nonexistent group", base(Newsgroups="no.such.group"),
         "No such newsgroup: no.such.group"),
        ("one nonexistent group of two", base(Newsgroups="local.test,no.such.group"),
         "No such newsgroup: no.such.group"),
    ]
    prefix = [
        ("bad Date", base(Date="yesterday"), "Bad Date header: "),
        ("Date 30 Feb", base(Date="Mon, 30 Feb 2026 10:00:00 +0000"), "Bad Date header: "),
        ("Date hour 25", base(Date="1 Jan 2026 25:00:00 +0000"), "Bad Date header: "),
        ("bad Injection-Date", base(Injection_Date="soon"), "Bad Injection-Date header: "),
        ("bad Expires", base(Expires="never"), "Bad Expires header: "),
    ]
    # Group status n: refused, naming the group.  (Status m queues the
    # post for its moderators: test_moderation.py.)
    mention = [
        ("group with status n", base(Newsgroups="local.readonly"), "local.readonly"),
        ("group with status n in a crosspost", base(Newsgroups="local.test,local.readonly"),
         "local.readonly"),
    ]
    return exact, prefix, mention


def test_refusals_441():
    with Loomd(config=CONFIG) as d:
        c = d.connect()
        exact, prefix, mention = refusal_cases()
        cases = ([(n, a, "exact", w) for n, a, w in exact] +
                 [(n, a, "prefix", w) for n, a, w in prefix] +
                 [(n, a, "mention", w) for n, a, w in mention])
        problems = []
        for name, art, kind, want in cases:
            code, text = c.post(art)
            if code != 441:
                problems.append("%s: got %d %s, want 441" % (name, code, text))
            elif kind == "exact" and text != want:
                problems.append("%s: 441 %r, want 441 %r" % (name, text, want))
            elif kind == "prefix" and not text.startswith(want):
                problems.append("%s: 441 %r, want it to start with %r" % (name, text, want))
            elif kind == "mention" and want not in text:
                problems.append("%s: 441 %r does not name %s" % (name, text, want))
            # The session is in step after every refusal.
            code, text = c.cmd("DATE")
            if code != 111:
                problems.append("%s: DATE after it -> %d %s" % (name, code, text))
                break
        assert not problems, "\n".join(problems)
        # Nothing was stored anywhere.
        for g in ("local.test", "local.general", "local.readonly", "local.moderated"):
            assert group_count(c, g) == 0, "%s has articles after refusals only" % g
        c.expect(230, "NEWNEWS * 19700101 000000 GMT")
        assert c.multiline() == []


def test_good_variants_accepted():
    # The other side of the grammars: what must pass.
    with Loomd(config=CONFIG) as d:
        c = d.connect()
        now = utcnow()
        goods = [
            base(From="plain@example.org"),
            base(From='"Quoted, Name" <q@example.org>'),
            base(From="J. R. Dotted <dots@example.org>"),
            base(From="a@example.org (a comment)"),
            base(From="=?UTF-8?Q?J=C3=B6rg?= <j@example.org>"),
            base(From="One <one@example.org>, Two <two@example.org>"),
            base(Newsgroups="local.test, local.general"),
            base(Newsgroups="local.test,local.general"),
            base(Message_ID="<x.y-z+w@[127.0.0.1]>"),
            base(Date=rfc5322(now - datetime.timedelta(days=20))),
            base(Date=rfc5322(now + datetime.timedelta(hours=12))),
            base(Date=(now - datetime.timedelta(days=1)).strftime("%d %b %Y %H:%M:%S GMT")),
            base(Date=(now - datetime.timedelta(days=1)).strftime("%a, %d %b %y %H:%M -0500")),
            base(Path="poster.example!not-for-mail"),
            base(References="<a@example.org> <b@example.org>"),
            base(References="<old-style-id-without-at>"),
            base(Followup_To="poster"),
            base(Followup_To="local.general"),
            base(Followup_To="local.general, local.test"),
            # A group that takes no posts is still a place to follow up.
            base(Followup_To="local.readonly"),
            base(Injection_Date=rfc5322(now - datetime.timedelta(days=20))),
            base(Sender="s@example.org"),
            base(Expires=rfc5322(now + datetime.timedelta(days=10))),
            base(Subject="x", Organization="") ,
            ["From: a@example.org", "Newsgroups: local.test", "Subject: folded",
             " continuation", "X-Odd-Header: \x7e!#", "", "b"],
            base()[:4] + [""],                 # a body of one empty line
        ]
        for art in goods:
            code, text = c.post(art)
            assert code == 240, "%r -> %d %s, want 240" % (art[:-2], code, text)
        assert group_count(c, "local.test") == len(goods)


def test_duplicate_message_id():
    # Exactly INN's reply (nnrpd passes on innd's "435 Duplicate"): client
    # test suites match it.
    dup = (441, "435 Duplicate")
    with Loomd(config=CONFIG) as d:
        c = d.connect()
        art = base(Message_ID="<dup.1@loom.test>")
        post_ok(c, art)
        got = c.post(art)
        assert got == dup, "second POST of the same Message-ID -> %r" % (got,)
        got = c.post(base(Message_ID="<dup.1@loom.test>", Newsgroups="local.general"))
        assert got == dup, "same Message-ID to another group -> %r" % (got,)
        assert group_count(c, "local.test") == 1
        assert group_count(c, "local.general") == 0
        # From another connection too.
        got = d.connect().post(art)
        assert got == dup, "same Message-ID from another session -> %r" % (got,)
        c.expect(111, "DATE")
        # In history only: a peer's article that was refused (and so
        # remembered) is a duplicate for POST as well.
        mid = "<dup.2@loom.test>"
        code, text = c.ihave(mid, harness.relayed(mid, groups="no.such.group"))
        assert code == 437, (code, text)
        got = c.post(base(Message_ID=mid))
        assert got == dup, "Message-ID in history -> %r" % (got,)
        # Two sessions racing with the same new Message-ID: one wins.
        for i in range(5):
            race = base(Message_ID="<race.%d@loom.test>" % i)
            conns = [d.connect(), d.connect()]
            for k in conns:
                k.expect(340, "POST")
            for k in conns:
                k.send_block(race)
            replies = sorted(k.response() for k in conns)
            assert [r[0] for r in replies] == [240, 441], \
                "race %d: replies %r" % (i, replies)
            assert replies[1] == dup, replies
        assert group_count(c, "local.test") == 6


def test_refused_message_id_stays_usable():
    # A refused article was never accepted: its Message-ID is not burnt.
    with Loomd(config=CONFIG) as d:
        c = d.connect()
        mid = "<retry.1@loom.test>"
        code, text = c.post(base(Message_ID=mid, Date="garbage"))
        assert code == 441, (code, text)
        code, text = c.post(base(Message_ID=mid, Newsgroups="no.such.group"))
        assert code == 441, (code, text)
        post_ok(c, base(Message_ID=mid))
        c.expect(223, "STAT %s" % mid)


def test_size_limit():
    cfg = CONFIG + "[posting]\nmax_article_size = 2K\n"
    with Loomd(config=cfg) as d:
        c = d.connect()
        post_ok(c, base(Subject="small") + ["x" * 1000])
        # Over the limit by a little and by a lot, many lines or one long
        # line: each is read to its end, refused with 441, and the session
        # is in step afterwards.
        bigs = [
            ("3000 octets in lines", base(Subject="big") + ["y" * 70] * 43),
            ("one 3000-octet line", base(Subject="big line") + ["z" * 3000]),
            ("300 KiB", base(Subject="huge") + ["w" * 1000] * 300),
            ("one 200 KiB line", base(Subject="huge line") + ["v" * 200000]),
            ("big header", ["X-Big: " + "h" * 4000] + base(Subject="big header")),
        ]
        for name, art in bigs:
            code, text = c.post(art)
            assert code == 441, "%s -> %d %s, want 441" % (name, code, text)
            assert re.fullmatch(r"Article too large \((limit|at most) 2048 octets\)", text), \
                "%s: 441 %r" % (name, text)
            assert c.cmd("DATE")[0] == 111, "DATE after %s" % name
        # Pipelined: the refused article and a command right after it.
        c.expect(340, "POST")
        c.send_block(base(Subject="big") + ["u" * 3000])
        c.send("DATE\r\n")
        assert c.response()[0] == 441
        assert c.response()[0] == 111
        assert group_count(c, "local.test") == 1
        post_ok(c, base(Subject="still fine"))
        assert group_count(c, "local.test") == 2


def test_other_limits():
    # docs/posting.md: max_lines, max_headers and the per-field length;
    # each refused with its documented text, the session in step.
    cfg = CONFIG + "[posting]\nmax_lines = 50\nmax_headers = 10\n"
    with Loomd(config=cfg) as d:
        c = d.connect()
        cases = [
            ("51 lines", base() + ["x"] * 46, "Article has too many lines (limit 50)"),
            ("11 fields", base(**{"X-H%d" % i: "v" for i in range(8)}),
             "Too many header fields (limit 10)"),
            ("17000-octet field", base(X_Long="v" * 17000),
             "Header field at line 4 too long (limit 16384 octets)"),
            ("folded 18000-octet field", base()[:3] + ["X-Long: start"] +
             [" " + "v" * 900] * 20 + ["", "b"],
             "Header field at line 4 too long (limit 16384 octets)"),
        ]
        for name, art, want in cases:
            code, text = c.post(art)
            assert (code, text) == (441, want), "%s -> %d %s, want 441 %s" % (name, code, text, want)
            c.expect(111, "DATE")
        # Right at the limits: accepted.
        post_ok(c, base() + ["x"] * 45)                       # 50 lines
        post_ok(c, base(**{"X-H%d" % i: "v" for i in range(7)}))   # 10 fields
        post_ok(c, base(X_Long="v" * 16000))
        assert group_count(c, "local.test") == 3


def test_large_article_read_back_pipelined():
    # A ~900 KB article, fetched 10 times in one send: the output is
    # throttled, not lost or reordered.
    with Loomd(config=CONFIG) as d:
        c = d.connect()
        body = ["%06d " % i + "z" * 90 for i in range(9000)]
        post_ok(c, base(Message_ID="<huge.1@loom.test>")[:-1] + body)
        c.send("ARTICLE <huge.1@loom.test>\r\n" * 10 + "DATE\r\n")
        for i in range(10):
            code, text = c.response(timeout=30)
            assert code == 220, "ARTICLE #%d -> %d %s" % (i + 1, code, text)
            got = split_article(c.multiline(timeout=30))[1]
            assert got == body, "ARTICLE #%d: body of %d lines differs" % (i + 1, len(got))
        assert c.response()[0] == 111


def test_posting_disabled():
    cfg = "[server]\nposting = no\n" + GROUPS
    with Loomd(config=cfg) as d:
        c = d.connect()
        assert c.greeting[0] == 201, "greeting %r with posting = no" % (c.greeting,)
        code, text = c.cmd("POST")
        assert code == 440, "POST with posting = no -> %d %s" % (code, text)
        c.expect(111, "DATE")
        code, text = c.cmd("MODE READER")
        assert code == 201, "MODE READER with posting = no -> %d %s" % (code, text)
        assert group_count(c, "local.test") == 0


# ------------------------------------------------- clients that misbehave


def test_disconnect_mid_article():
    with Loomd(config=CONFIG) as d:
        watcher = d.connect()
        assert group_count(watcher, "local.test") == 0
        # Half an article, then a clean close.
        a = d.connect()
        a.expect(340, "POST")
        a.send("From: A <a@example.org>\r\nNewsgroups: local.test\r\nSubject: half\r\n"
               "Message-ID: <half.1@loom.test>\r\n\r\nfirst body line\r\nsecond")
        a.close()
        # Half an article, then a reset.
        b = d.connect()
        b.expect(340, "POST")
        b.send("From: B <b@example.org>\r\nNewsgroups: local.test\r\nSubject: reset\r\n"
               "Message-ID: <half.2@loom.test>\r\n\r\nbody\r\n")
        b.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                          b"\x01\x00\x00\x00\x00\x00\x00\x00")
        b.close()
        # The server goes on; nothing was stored.
        for _ in range(3):
            e = d.connect()
            e.expect(111, "DATE")
        for mid in ("<half.1@loom.test>", "<half.2@loom.test>"):
            code, text = watcher.cmd("STAT %s" % mid)
            assert code == 430, "STAT %s after an aborted POST -> %d %s" % (mid, code, text)
        assert group_count(watcher, "local.test") == 0
        # The same Message-IDs post fine now.
        post_ok(watcher, base(Message_ID="<half.1@loom.test>"))
        assert group_count(watcher, "local.test") == 1


def test_disconnect_before_reply():
    # The whole article, then gone before the 240: the server must not
    # trip over the missing client; the article is committed anyway.
    with Loomd(config=CONFIG) as d:
        a = d.connect()
        a.expect(340, "POST")
        a.send_block(base(Message_ID="<gone.1@loom.test>"))
        a.close()
        w = d.connect()
        code = None
        for _ in range(100):                 # bounded: 5 s at most
            code, _ = w.cmd("STAT <gone.1@loom.test>")
            if code == 223:
                break
            time.sleep(0.05)
        assert code == 223, "article of a client that left after '.' not stored"
        w.expect(111, "DATE")


# ------------------------------------------------------- the comment thread


def load_thread():
    with open(os.path.join(TESTDATA, "comment-thread.json"), encoding="utf-8") as f:
        return json.load(f)["comments"]


def body_lines(text):
    if text.endswith("\n"):
        text = text[:-1]
    return text.split("\n")


def test_comment_thread():
    comments = load_thread()
    assert len(comments) == 20, len(comments)
    by_id = {c["msgid"]: c for c in comments}
    refs = {}
    for cm in comments:
        chain = []
        p = cm["parent"]
        for _ in range(100):
            if p is None:
                break
            chain.insert(0, p)
            p = by_id[p]["parent"]
        refs[cm["msgid"]] = " ".join(chain)
    with Loomd(config=CONFIG) as d:
        c = d.connect()
        for cm in comments:
            art = ["From: " + cm["from"], "Newsgroups: local.general",
                   "Subject: " + cm["subject"], "Message-ID: " + cm["msgid"]]
            if refs[cm["msgid"]]:
                art.append("References: " + refs[cm["msgid"]])
            art += [""] + body_lines(cm["body"])
            post_ok(c, art)
        assert c.cmd("GROUP local.general") == (211, "20 1 20 local.general")
        r = d.connect()
        for n, cm in enumerate(comments, 1):
            mid = cm["msgid"]
            text = r.expect(222, "BODY %s" % mid)
            assert text.split()[:2] == ["0", mid], text
            body = r.multiline(raw=True)
            want = [l.encode("utf-8") for l in body_lines(cm["body"])]
            assert body == want, "body of %s differs" % mid
            r.expect(224, "OVER %s" % mid)
            f = r.multiline()[0].split("\t")
            assert f[0] == "0" and f[4] == mid, f[:5]
            assert f[5] == refs[mid], "References of %s in OVER: %r, want %r" % (mid, f[5], refs[mid])
            assert f[1] == cm["subject"] and f[2] == cm["from"], f[1:3]
            assert f[7] == str(len(want)), ":lines of %s: %s, want %d" % (mid, f[7], len(want))
        # The same through the group: numbers in posting order.
        r.expect(211, "GROUP local.general")
        r.expect(224, "XOVER 1-")
        lines = r.multiline()
        assert [l.split("\t")[4] for l in lines] == [cm["msgid"] for cm in comments]
        assert [l.split("\t")[5] for l in lines] == [refs[cm["msgid"]] for cm in comments]
        r.expect(225, "HDR References 1-")
        got = [l.rstrip(" ") for l in r.multiline()]
        want = [("%d %s" % (n, refs[cm["msgid"]])).rstrip(" ") for n, cm in enumerate(comments, 1)]
        assert got == want, got


if __name__ == "__main__":
    harness.main(globals())
