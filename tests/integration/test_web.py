#!/usr/bin/env python3
"""
The web pages (docs/web.md, issue #16, first increment) over real HTTP:
off by default, status codes, security headers, conditional GET, the seed
comment page (tests/data/comment-thread.json) nested as posted, group
paging, access rules (hidden groups are 404 everywhere), hostile headers
and bodies rendered inert, charsets and encoded-words decoded, oversized
requests refused while other clients are served, HTTPS, and the
per-address rate and connection limits.
"""

import html.parser
import http.client
import json
import os
import re
import socket
import ssl
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Loomd, TestFailure, make_article  # noqa: E402

WEB_RE = re.compile(r"web: (https?)://127\.0\.0\.1:(\d+)/")

with open(os.path.join(harness.TESTDATA, "comment-thread.json"),
          encoding="utf-8") as _f:
    PAGE = json.load(_f)["comments"]
BYID = {p["msgid"]: p for p in PAGE}
INDEX = {p["msgid"]: i for i, p in enumerate(PAGE)}
ROOT = PAGE[0]["msgid"]
BASE = (int(time.time()) // 60) * 60 - 3 * 3600

# The elements and attributes a page may contain: anything else in a
# rendered page would have come from article data.
TAGS = {"html", "head", "meta", "title", "link", "body", "header", "main",
        "a", "h1", "h2", "ul", "ol", "li", "article", "span", "div", "footer",
        "p", "time", "nav"}
ATTRS = {"lang", "charset", "name", "content", "rel", "href", "class", "id",
         "type", "datetime"}


def web(d, scheme="http"):
    """(host, port) of loomd's web listener from its log."""
    for m in WEB_RE.finditer(d.log_text()):
        if m.group(1) == scheme:
            return ("127.0.0.1", int(m.group(2)))
    raise TestFailure("no %s web listener in the log" % scheme)


def get(addr, path, headers=None, method="GET", https_ctx=None, body=None):
    """One request on a new connection: (status, headers dict, body)."""
    t = harness.scaled(10)
    if https_ctx is not None:
        c = http.client.HTTPSConnection(addr[0], addr[1], timeout=t,
                                        context=https_ctx)
    else:
        c = http.client.HTTPConnection(addr[0], addr[1], timeout=t)
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data
    finally:
        c.close()


def q(msgid):
    return urllib.parse.quote(msgid, safe="")


def rfc5322_date(t):
    return time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime(t))


def chain(msgid):
    out, p = [], BYID[msgid]["parent"]
    for _ in range(len(PAGE)):
        if p is None:
            break
        out.append(p)
        p = BYID[p]["parent"]
    return out[::-1]


def post_page(d, group="local.general"):
    with d.connect() as c:
        for p in PAGE:
            refs = chain(p["msgid"])
            when = BASE + 60 * INDEX[p["msgid"]]
            art = make_article(newsgroups=group, subject=p["subject"],
                               from_=p["from"], body=p["body"],
                               message_id=p["msgid"],
                               references=" ".join(refs) if refs else None,
                               date=rfc5322_date(when))
            code, text = c.post(art)
            assert code == 240, (p["msgid"], code, text)


def post(d, article):
    with d.connect() as c:
        code, text = c.post(article)
        assert code == 240, (code, text)


def post_raw(d, raw):
    """POST an article given as bytes (8-bit headers and bodies)."""
    with d.connect() as c:
        c.send(b"POST\r\n")
        code, text = c.response()
        assert code == 340, (code, text)
        out = b""
        for line in raw.split(b"\n"):
            if line.startswith(b"."):
                line = b"." + line
            out += line + b"\r\n"
        c.send(out + b".\r\n")
        code, text = c.response()
        assert code == 240, (code, text)


class Tree(html.parser.HTMLParser):
    """Collects every tag and attribute, and each <article>'s id with the
    number of ul.replies lists around it (its depth in the thread)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []
        self.tags = []
        self.articles = []      # (id, depth, classes)
        self.links = []         # (href, text)
        self.text = []
        self.scripts = 0
        self._a = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "script":
            self.scripts += 1
        if tag not in ("meta", "link"):
            self.stack.append((tag, a.get("class", "")))
        if tag == "article":
            depth = sum(1 for t, c in self.stack
                        if t == "ul" and c == "replies")
            self.articles.append((a.get("id"), depth, a.get("class", "")))
        if tag == "a":
            self._a = [a.get("href"), ""]
            self.links.append(self._a)

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break
        if tag == "a":
            self._a = None

    def handle_data(self, data):
        self.text.append(data)
        if self._a is not None:
            self._a[1] += data


def parse(body):
    t = Tree()
    t.feed(body.decode("utf-8"))
    t.close()
    return t


def assert_inert(t):
    """Nothing in the page but the elements and attributes pages use;
    no script, no event handler, no link leaving the site's paths."""
    assert t.scripts == 0
    for tag, attrs in t.tags:
        assert tag in TAGS, ("unexpected element", tag, attrs)
        for k, v in attrs:
            assert k in ATTRS, ("unexpected attribute", tag, k, v)
            if k == "href":
                assert v.startswith("/") or v.startswith("news:"), v
                assert not v.startswith("//"), v


def test_off_by_default():
    with Loomd() as d:
        assert not WEB_RE.search(d.log_text())


def test_index_headers_and_conditional_get():
    with Loomd(args=("--http", "127.0.0.1:0")) as d:
        w = web(d)
        st, h, body = get(w, "/")
        assert st == 200, st
        assert h["content-type"] == "text/html; charset=utf-8"
        csp = h["content-security-policy"]
        assert "default-src 'none'" in csp and "script-src" not in csp
        assert "frame-ancestors 'none'" in csp
        assert h["x-content-type-options"] == "nosniff"
        assert h["x-frame-options"] == "DENY"
        t = parse(body)
        assert_inert(t)
        hrefs = [a[0] for a in t.links]
        assert "/g/local.general" in hrefs and "/g/local.test" in hrefs
        assert "Local general discussion" in "".join(t.text)
        etag = h["etag"]
        st, h2, body2 = get(w, "/", headers={"If-None-Match": etag})
        assert st == 304 and body2 == b"", (st, body2)
        st, _, css = get(w, "/style.css")
        assert st == 200 and b"ul.replies" in css


def test_seed_thread_nested_as_posted():
    with Loomd(args=("--http", "127.0.0.1:0")) as d:
        post_page(d)
        w = web(d)
        for target in (ROOT, PAGE[7]["msgid"]):   # any node shows it all
            st, h, body = get(w, "/t/" + q(target))
            assert st == 200, st
            t = parse(body)
            assert_inert(t)
            got = [(i, dep) for i, dep, _ in t.articles]
            want = [("m-" + q(p["msgid"]), p["depth"]) for p in PAGE]
            assert sorted(got) == sorted(want), (got, want)
            assert max(dep for _, dep in got) >= 4
        # Children follow their parent, siblings in posting order: the
        # page's order is the fixture's (itself depth-first, page order).
        assert [i for i, _ in got] == ["m-" + q(p["msgid"]) for p in PAGE]
        text = "".join(t.text)
        for p in PAGE:
            assert p["author"] in text, p["author"]
        hrefs = [a[0] for a in t.links]
        for p in PAGE:
            assert "/reply/" + q(p["msgid"]) in hrefs
            assert any(x.startswith("/t/" + q(p["msgid"])) for x in hrefs)
        # Conditional GET on the thread: 304 until the thread changes.
        etag = h["etag"]
        st, _, b = get(w, "/t/" + q(target), {"If-None-Match": etag})
        assert st == 304 and b == b""
        post(d, make_article(newsgroups="local.general", subject="late",
                             message_id="<late@web.test>",
                             references=ROOT))
        st, h3, _ = get(w, "/t/" + q(target), {"If-None-Match": etag})
        assert st == 200 and h3["etag"] != etag
        # The group page lists the thread; the raw form is the article.
        st, _, body = get(w, "/g/local.general")
        assert st == 200
        assert "/t/" + q(ROOT) in [a[0] for a in parse(body).links]
        st, h, body = get(w, "/a/" + q(ROOT))
        assert st == 200 and h["content-type"].startswith("text/plain")
        assert ("Message-ID: %s" % ROOT).encode() in body
        st, _, body = get(w, "/reply/" + q(PAGE[3]["msgid"]))
        assert st == 200 and b"news:" in body


def test_placeholder_for_missing_post():
    with Loomd(args=("--http", "127.0.0.1:0")) as d:
        post(d, make_article(subject="root", message_id="<r@web.test>"))
        # A reply whose parent never arrived: the parent is a placeholder.
        post(d, make_article(subject="re", message_id="<c@web.test>",
                             references="<r@web.test> <gone@web.test>"))
        st, _, body = get(web(d), "/t/" + q("<c@web.test>"))
        assert st == 200
        t = parse(body)
        arts = [(i, dep, cls) for i, dep, cls in t.articles]
        assert arts[0][:2] == ("m-" + q("<r@web.test>"), 0)
        assert arts[1] == ("m-" + q("<gone@web.test>"), 1, "c missing")
        assert arts[2][:2] == ("m-" + q("<c@web.test>"), 2)
        assert "missing" in "".join(t.text)


def test_thread_too_large_is_cut_with_a_note():
    conf = "[http]\nthread_max = 5\n"
    with Loomd(config=conf, args=("--http", "127.0.0.1:0")) as d:
        post_page(d)
        st, _, body = get(web(d), "/t/" + q(ROOT))
        assert st == 200
        t = parse(body)
        assert len(t.articles) == 5, t.articles
        assert "showing its first 5 posts" in "".join(t.text)


def test_group_paging_most_recent_first():
    conf = "[http]\npage_threads = 3\n"
    with Loomd(config=conf, args=("--http", "127.0.0.1:0")) as d:
        w = web(d)
        ids = ["<p%d@web.test>" % i for i in range(7)]
        for m in ids:
            post(d, make_article(subject="thread " + m, message_id=m))
        # A reply makes the oldest thread the most recently active.
        post(d, make_article(subject="re", message_id="<p0r@web.test>",
                             references=ids[0]))
        seen, path = [], "/g/local.test"
        for _ in range(10):
            st, _, body = get(w, path)
            assert st == 200, (st, path)
            t = parse(body)
            assert_inert(t)
            page = [urllib.parse.unquote(a[0][3:]) for a in t.links
                    if a[0].startswith("/t/")]
            assert len(page) <= 3
            seen += page
            nxt = [a[0] for a in t.links if a[1] == "Older threads"]
            if not nxt:
                break
            path = nxt[0]
        assert len(seen) == 7 and sorted(seen) == sorted(ids), seen
        assert seen[0] == ids[0]
        # the others newest first
        assert seen[1:] == ids[:0:-1], seen


def test_atom_feed():
    import xml.etree.ElementTree as ET
    A = "{http://www.w3.org/2005/Atom}"
    nasty = "<script>alert(1)</script> & \"q\" 'a' \x7f"
    with Loomd(args=("--http", "127.0.0.1:0")) as d:
        post(d, make_article(subject="=?UTF-8?Q?caf=C3=A9?= first",
                             message_id="<f1@web.test>"))
        post(d, make_article(subject=nasty, message_id="<f2@web.test>",
                             from_='"Z\u00fc" <z@web.test>'))
        post(d, make_article(subject="Re: first", message_id="<f3@web.test>",
                             references="<f1@web.test>"))
        w = web(d)
        st, h, body = get(w, "/atom/local.test")
        assert st == 200, st
        assert h["content-type"] == "application/atom+xml; charset=utf-8"
        assert "content-security-policy" in h
        feed = ET.fromstring(body)
        assert feed.tag == A + "feed"
        assert feed.find(A + "title").text == "local.test"
        entries = feed.findall(A + "entry")
        titles = [e.find(A + "title").text for e in entries]
        # Most recently active first: the reply moved f1's thread up.
        assert titles[0] == "caf\u00e9 first", titles
        assert titles[1] == nasty.replace("\x7f", "\ufffd"), titles
        assert entries[0].find(A + "id").text == "news:f1%40web.test"
        assert entries[0].find(A + "link").get("href") == \
            "/t/" + q("<f1@web.test>")
        assert entries[0].find(A + "summary").text == "1 reply"
        assert entries[1].find(A + "author/" + A + "name").text == "Z\u00fc"
        st, _, body = get(w, "/g/local.test")
        assert b'type="application/atom+xml" href="/g/local.test.atom"' in body
        for path in ("/atom/no.such", "/atom/", "/atom/%00"):
            assert get(w, path)[0] == 404, path


def test_status_codes():
    with Loomd(args=("--http", "127.0.0.1:0")) as d:
        w = web(d)
        for path in ("/nope", "/g/no.such.group", "/g/%00", "/g/a%zz",
                     "/t/" + q("<none@web.test>"), "/t/garbage", "/t/",
                     "/a/" + q("<none@web.test>"), "/a/%3C",
                     "/reply/" + q("<none@web.test>")):
            st, h, body = get(w, path)
            assert st == 404, (path, st)
            assert "content-security-policy" in h
        st, _, _ = get(w, "/g/local.test?after=bogus")
        assert st == 400
        # Any well-formed resume point is only a place to seek from.
        for after in ("1.2.1.%3Cx%40y%3E", "18446744073709551615.0.0.",
                      "0.18446744073709551615.1." + "x" * 250):
            st, _, _ = get(w, "/g/local.test?after=" + after)
            assert st == 200, (after, st)
        st, _, _ = get(w, "/g/local.test?after=1.2.1." + "x" * 251)
        assert st == 400
        st, _, _ = get(w, "/", method="POST", body=b"x=1")
        assert st in (405, 413), st
        st, _, _ = get(w, "/", method="DELETE")
        assert st in (405, 501), st


def test_hidden_groups_are_404():
    groups = "[group local.secret]\n[group local.test]\n"
    with Loomd(config=groups) as d:
        post(d, make_article(newsgroups="local.secret", subject="secret",
                             message_id="<s@web.test>"))
        post(d, make_article(newsgroups="local.secret", subject="re",
                             message_id="<s2@web.test>",
                             references="<s@web.test>"))
        post(d, make_article(newsgroups="local.test", subject="public",
                             message_id="<pub@web.test>"))
        data = d.data
        d.stop()
        conf = groups + "[access all]\nread = *,!local.secret\npost = *\n"
        with Loomd(config=conf, data=data,
                   args=("--http", "127.0.0.1:0")) as d2:
            w = web(d2)
            st, _, body = get(w, "/")
            assert st == 200 and b"local.secret" not in body
            for path in ("/g/local.secret", "/atom/local.secret",
                         "/t/" + q("<s@web.test>"),
                         "/t/" + q("<s2@web.test>"), "/a/" + q("<s@web.test>"),
                         "/reply/" + q("<s@web.test>")):
                st, _, body = get(w, path)
                assert st == 404, (path, st)
                assert b"secret" not in body.replace(b"No such", b"")
            st, _, _ = get(w, "/t/" + q("<pub@web.test>"))
            assert st == 200


def test_hostile_headers_and_bodies_inert():
    nasty = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
    with Loomd(args=("--http", "127.0.0.1:0")) as d:
        post(d, make_article(
            subject=nasty + " 'single' \"double\"",
            from_='"%s" <evil@web.test>' % nasty.replace('"', "'"),
            message_id="<h1@web.test>",
            body='<a href="javascript:alert(3)">click</a>\n'
                 '<script>alert(4)</script>\n> quoted <b>\n-- \nsig <i>\n',
            headers=[("Organization", nasty)]))
        # Raw 8-bit: invalid UTF-8 in the Subject, Latin-1 in the body
        # under its declared charset, an encoded-word with a script.
        post_raw(d, b"From: =?UTF-8?B?" +
                 __import__("base64").b64encode(
                     b"<script>x</script> J\xc3\xbcrgen") +
                 b"?= <j@web.test>\n"
                 b"Newsgroups: local.test\n"
                 b"Subject: bad \xff\xfe utf-8 \xc3\xa9t\xc3\xa9\n"
                 b"Message-ID: <h2@web.test>\n"
                 b"References: <h1@web.test>\n"
                 b"Content-Type: text/plain; charset=iso-8859-1\n"
                 b"Content-Transfer-Encoding: 8bit\n"
                 b"\n"
                 b"Gr\xfc\xdfe aus K\xf6ln <script>\n")
        post(d, make_article(
            subject="=?ISO-8859-1?Q?caf=E9?= =?UTF-8?B?IOKCrA==?=",
            message_id="<h3@web.test>", references="<h1@web.test>",
            headers=[("Content-Type", "text/plain; charset=utf-8"),
                     ("Content-Transfer-Encoding", "quoted-printable")],
            body="na=C3=AFve =\nsoft\n"))
        post(d, make_article(
            subject="b64", message_id="<h4@web.test>",
            references="<h1@web.test>",
            headers=[("Content-Type", 'text/plain; charset="koi8-r"'),
                     ("Content-Transfer-Encoding", "base64")],
            body="0NLJ18XU\n"))
        post(d, make_article(
            subject="multipart", message_id="<h5@web.test>",
            references="<h1@web.test>",
            headers=[("MIME-Version", "1.0"),
                     ("Content-Type", 'multipart/alternative; boundary="b"')],
            body="--b\nContent-Type: text/html\n\n<p>html part</p>\n"
                 "--b\nContent-Type: text/plain; charset=iso-8859-1\n"
                 "Content-Transfer-Encoding: quoted-printable\n\n"
                 "plain part =E0 la carte\n--b--\n"))
        w = web(d)
        st, _, body = get(w, "/t/" + q("<h1@web.test>"))
        assert st == 200
        t = parse(body)
        assert_inert(t)
        assert "plain part \u00e0 la carte" in "".join(t.text)
        assert "html part" not in "".join(t.text)
        text = "".join(t.text)
        assert "<script>alert(1)</script>" in text      # shown as text
        assert "javascript:alert(3)" in text
        assert "J\u00fcrgen" in text or "<script>x</script>" in text
        assert "Gr\u00fc\u00dfe aus K\u00f6ln" in text
        assert "\ufffd" in text                          # invalid UTF-8
        assert "\u00e9t\u00e9" in text
        assert "caf\u00e9 \u20ac" in "".join(
            parse(get(w, "/t/" + q("<h3@web.test>"))[2]).text)
        assert "na\u00efve soft" in text
        assert "\u043f\u0440\u0438\u0432\u0435\u0442" in text
        assert len(t.articles) == 5
        for path in ("/", "/g/local.test", "/reply/" + q("<h1@web.test>")):
            st, _, body = get(w, path)
            assert st == 200
            assert_inert(parse(body))
        st, h, body = get(w, "/a/" + q("<h2@web.test>"))
        assert st == 200 and h["content-type"].startswith("text/plain")
        assert h["x-content-type-options"] == "nosniff"
        assert b"\xff\xfe" in body                        # raw is raw


def test_oversized_requests_refused_others_served():
    with Loomd(args=("--http", "127.0.0.1:0")) as d:
        w = web(d)
        big = socket.create_connection(w, timeout=harness.scaled(10))
        big.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        long_uri = socket.create_connection(w, timeout=harness.scaled(10))
        long_uri.sendall(b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\n")
        # While those two are open and sending, others are served.
        st, _, _ = get(w, "/")
        assert st == 200
        refused = False
        try:
            for _ in range(64):
                big.sendall(b"X-Pad: " + b"p" * 1000 + b"\r\n")
        except OSError:
            refused = True
        big.settimeout(harness.scaled(10))
        try:
            reply = big.recv(4096)
        except OSError:
            reply = b""
        assert refused or reply == b"" or reply.split()[1] in (b"400", b"413",
                                                               b"431"), reply
        long_uri.settimeout(harness.scaled(10))
        try:
            reply = long_uri.recv(4096)
        except OSError:
            reply = b""
        assert reply == b"" or reply.split()[1] in (b"400", b"413",
                                                    b"414"), reply
        big.close()
        long_uri.close()
        # A body where none is allowed.
        st, _, _ = get(w, "/", method="GET", body=b"x" * 100000)
        assert st in (400, 413), st
        st, _, _ = get(w, "/")
        assert st == 200


def test_https_listener():
    pair = harness.TLSPair()
    try:
        with Loomd(args=pair.args + ("--https", "127.0.0.1:0")) as d:
            w = web(d, "https")
            st, h, body = get(w, "/", https_ctx=pair.client_context())
            assert st == 200 and b"local.test" in body
            assert h["strict-transport-security"].startswith("max-age=")
            # Plain HTTP to the TLS port does not get a page.
            with socket.create_connection(w, timeout=harness.scaled(10)) as s:
                s.sendall(b"GET / HTTP/1.0\r\n\r\n")
                try:
                    data = s.recv(4096)
                except OSError:
                    data = b""
                assert b"local.test" not in data
    finally:
        pair.remove()
    r = harness.run_loomd("--check-config", "--https", "127.0.0.1:0")
    assert r.returncode != 0 and "HTTPS" in (r.stderr + r.stdout), r


def test_rate_limit_per_address():
    conf = "[http]\nrequests_per_minute = 5\n"
    with Loomd(config=conf, args=("--http", "127.0.0.1:0")) as d:
        w = web(d)
        codes = [get(w, "/style.css")[0] for _ in range(5)]
        assert codes == [200] * 5, codes
        st, h, _ = get(w, "/")
        assert st == 429, st
        assert 1 <= int(h["retry-after"]) <= 60
        # NNTP readers from the same address are not affected.
        with d.connect() as c:
            c.expect(211, "GROUP local.test")


def test_connection_limit_per_address():
    conf = "[server]\nmax_connections_per_host = 2\n"
    with Loomd(config=conf, args=("--http", "127.0.0.1:0")) as d:
        w = web(d)
        held = []
        for _ in range(2):
            c = http.client.HTTPConnection(*w, timeout=harness.scaled(10))
            c.request("GET", "/style.css")
            r = c.getresponse()
            r.read()
            assert r.status == 200
            held.append(c)
        st, h, _ = get(w, "/style.css")
        assert st == 503, st
        held[0].close()
        ok = False
        for _ in range(int(harness.scaled(50))):
            if get(w, "/style.css")[0] == 200:
                ok = True
                break
            time.sleep(0.1)
        assert ok, "a closed connection still counted"
        for c in held:
            c.close()


SECURITY_HEADERS = ("content-security-policy", "x-content-type-options",
                    "x-frame-options", "referrer-policy",
                    "cross-origin-opener-policy")


def raw_reply(addr, data, ctx=None):
    """Send data on a new connection, read to the end: (status line,
    header dict with lower-case names, each name's count, body)."""
    s = socket.create_connection(addr, timeout=harness.scaled(10))
    if ctx is not None:
        s = ctx.wrap_socket(s, server_hostname="localhost")
    out = b""
    try:
        s.sendall(data)
        while True:
            c = s.recv(65536)
            if not c:
                break
            out += c
    except OSError:
        pass
    finally:
        s.close()
    head, _, body = out.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    h, count = {}, {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        h[k.strip().lower()] = v.strip()
        count[k.strip().lower()] = count.get(k.strip().lower(), 0) + 1
    return lines[0], h, count, body


# The replies evhttp writes itself, before any code of ours runs.
EVHTTP_OWN = (
    ("method", b"PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n",
     "501"),
    ("request line", b"NOT HTTP AT ALL\r\n\r\n", "400"),
    ("headers", b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 +
     b"\r\n\r\n", "400"),
    ("body", b"POST /post HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n"
     b"Content-Type: application/x-www-form-urlencoded\r\n\r\n", "413"),
)


def check_evhttp_own(w, ctx=None):
    for what, req, code in EVHTTP_OWN:
        status, h, count, body = raw_reply(w, req, ctx)
        print("# %s: %s" % (what, status))
        assert status.split()[1] == code, (what, status)
        for k in SECURITY_HEADERS:
            assert k in h, (what, k, h)
            assert count[k] == 1, (what, k)
        assert "script-src" not in h["content-security-policy"]
        assert h["content-security-policy"].startswith("default-src 'none'")
        assert h["x-content-type-options"] == "nosniff"
        assert ("strict-transport-security" in h) == (ctx is not None), what
        # The body is evhttp's fixed text, nothing of the request.
        assert b"aaaa" not in body and b"NOT HTTP" not in body
    # Our own replies keep exactly one set, and the 100 Continue
    # interim reply is left alone (no header lines in it).
    status, h, count, _ = raw_reply(w, b"GET /nope HTTP/1.1\r\nHost: x\r\n"
                                    b"Connection: close\r\n\r\n", ctx)
    assert status.split()[1] == "404"
    assert all(count[k] == 1 for k in SECURITY_HEADERS), count
    status, h, count, body = raw_reply(
        w, b"POST /post HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
        b"Content-Length: 3\r\nConnection: close\r\nContent-Type: "
        b"application/x-www-form-urlencoded\r\n\r\na=b", ctx)
    assert status.split()[1] in ("100", "403"), status
    if status.split()[1] == "100":
        assert body.startswith(b"HTTP/1.1 403"), body[:40]


def test_evhttp_own_replies_carry_security_headers():
    with Loomd(args=("--http", "127.0.0.1:0")) as d:
        w = web(d)
        check_evhttp_own(w)
        st, _, _ = get(w, "/")
        assert st == 200
    pair = harness.TLSPair()
    try:
        with Loomd(args=pair.args + ("--https", "127.0.0.1:0")) as d:
            check_evhttp_own(web(d, "https"), pair.client_context())
    finally:
        pair.remove()


def test_config_keys():
    r = harness.run_loomd("--dump-config")
    assert "[http]" in r.stdout and "thread_max" in r.stdout
    r = harness.run_loomd("--check-config", "--http", "bad")
    assert r.returncode != 0


if __name__ == "__main__":
    harness.main(globals())
