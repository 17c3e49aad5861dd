#!/usr/bin/env python3
"""
Posting from the web (docs/web.md, issue #16, second increment): the login
form and its session cookie, logout, CSRF refusals (403), the comment and
reply forms posting through NNTP POST (the 303 comes after the commit, the
article is then read over NNTP with the injected headers and threaded
under its parent), POST only on the form routes and their body limits,
refusals shown as pages, the failed-login limit shared with AUTHINFO, and
the Atom feeds at /g/GROUP.atom and /t/MESSAGE-ID.atom.
"""

import http.client
import os
import re
import socket
import sys
import time
import urllib.parse
import warnings
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Loomd  # noqa: E402
import test_web  # noqa: E402
from test_web import PAGE, ROOT, get, parse, post, post_page, q, web  # noqa: E402

warnings.simplefilter("ignore", DeprecationWarning)
import nntplib  # noqa: E402

PASSWORD = "correct horse battery staple"
ATOM = "{http://www.w3.org/2005/Atom}"
ARGS = ("--http", "127.0.0.1:0")
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def add_user(d, name, password=PASSWORD):
    p = d.ctl("user", "add", name, input=password + "\n")
    assert p.returncode == 0, p.stderr


def cookies(h):
    """name -> (value, attributes) from a response's Set-Cookie lines."""
    out = {}
    for line in h.get("set-cookie-all", []):
        first, _, attrs = line.partition(";")
        n, _, v = first.partition("=")
        out[n.strip()] = (v.strip(), attrs)
    return out


def request(addr, path, method="GET", body=None, headers=None, ctx=None):
    """(status, headers with every Set-Cookie under set-cookie-all, body)."""
    if ctx is not None:
        c = http.client.HTTPSConnection(addr[0], addr[1], context=ctx,
                                        timeout=harness.scaled(20))
    else:
        c = http.client.HTTPConnection(addr[0], addr[1],
                                       timeout=harness.scaled(20))
    try:
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        h = {k.lower(): v for k, v in r.getheaders()}
        h["set-cookie-all"] = [v for k, v in r.getheaders()
                               if k.lower() == "set-cookie"]
        return r.status, h, data
    finally:
        c.close()


def form_value(body, name):
    m = re.search(r'name="%s" value="([^"]*)"' % name, body.decode())
    assert m, name
    return m.group(1)


def login(w, user="alice", password=PASSWORD, next_path="/"):
    """Log in through the form: the session cookie."""
    st, h, body = request(w, "/login?next=" + urllib.parse.quote(
        urllib.parse.unquote(next_path), safe="/"))
    assert st == 200, st
    pre = cookies(h)["loom_pre"][0]
    csrf = form_value(body, "csrf")
    assert csrf == pre
    st, h, body = request(w, "/login", "POST", urllib.parse.urlencode(
        {"csrf": csrf, "next": urllib.parse.unquote(next_path),
         "user": user,
         "password": password}), dict(FORM, Cookie="loom_pre=" + pre))
    return st, h, body


def logged_in(w, user="alice"):
    st, h, _ = login(w, user)
    assert st == 303, st
    v, attrs = cookies(h)["loom_session"]
    assert "HttpOnly" in attrs and "SameSite=Strict" in attrs, attrs
    assert "Secure" not in attrs   # plain HTTP here
    return "loom_session=" + v


def thread_csrf(w, cookie, msgid=ROOT):
    st, _, body = request(w, "/t/" + q(msgid), headers={"Cookie": cookie})
    assert st == 200, st
    return form_value(body, "csrf"), body


def comment(w, cookie, csrf, parent, text):
    return request(w, "/post", "POST", urllib.parse.urlencode(
        {"csrf": csrf, "parent": parent, "body": text}),
        dict(FORM, Cookie=cookie))


def test_login_logout_and_forms():
    with Loomd(args=ARGS) as d:
        post_page(d)
        add_user(d, "alice")
        w = web(d)
        # A visitor: a login link, no form.
        st, _, body = request(w, "/t/" + q(ROOT))
        assert b"<form" not in body.replace(b'<form class="account"', b"")
        assert b'href="/login?next=/t/' in body
        # A wrong password: 403, the form again, no session.
        st, h, body = login(w, password="wrong")
        assert st == 403 and "loom_session" not in cookies(h), st
        # Without the login form's cookie (login CSRF): 403.
        st, _, body = request(w, "/login", "POST", urllib.parse.urlencode(
            {"csrf": "0" * 32, "user": "alice", "password": PASSWORD}),
            FORM)
        assert st == 403, st
        st, h, _ = login(w, next_path="/t/" + q(ROOT))
        assert st == 303 and h["location"] == "/t/" + q(ROOT), st
        cookie = "loom_session=" + cookies(h)["loom_session"][0]
        # An open redirect is not followed.
        st, h, _ = login(w, next_path="//evil.example/")
        assert st == 303 and h["location"] == "/", h.get("location")
        csrf, body = thread_csrf(w, cookie)
        t = parse(body)
        # The comment form under the thread and a reply form per comment,
        # each with the token.
        forms = body.count(b'action="/post"')
        assert forms == len(PAGE) + 1, forms
        assert body.count(csrf.encode()) >= forms
        assert "alice" in "".join(t.text)
        # Logout needs the token too.
        st, _, _ = request(w, "/logout", "POST", "csrf=" + "0" * 32,
                           dict(FORM, Cookie=cookie))
        assert st == 403, st
        st, h, _ = request(w, "/logout", "POST", "csrf=" + csrf,
                           dict(FORM, Cookie=cookie))
        assert st == 303, st
        assert cookies(h)["loom_session"][0] == ""
        # The old cookie is dead.
        st, _, body = request(w, "/t/" + q(ROOT), headers={"Cookie": cookie})
        assert b'action="/post"' not in body
        st, _, _ = comment(w, cookie, csrf, ROOT, "after logout")
        assert st == 403, st
        log = d.log_text()
        assert PASSWORD not in log and "$scrypt$" not in log


def test_comment_posts_through_nntp_post():
    with Loomd(args=ARGS) as d:
        post_page(d)
        add_user(d, "alice")
        w = web(d)
        cookie = logged_in(w)
        csrf, _ = thread_csrf(w, cookie)
        parent = PAGE[3]["msgid"]
        text = "A reply from the web.\n.leading dot\nnon-ASCII: caf\u00e9"
        # CSRF: a wrong token, and no token, are refused and post nothing.
        for bad in ("f" * 32, ""):
            st, _, _ = comment(w, cookie, bad, parent, "forged")
            assert st == 403, st
        st, _, _ = request(w, "/post", "POST", urllib.parse.urlencode(
            {"parent": parent, "body": "forged"}), dict(FORM, Cookie=cookie))
        assert st == 403, st
        st, h, _ = comment(w, cookie, csrf, parent, text)
        assert st == 303, st
        loc = h["location"]
        m = re.match(r"/t/(%3C[^#]+%3E)#m-(%3C[^#]+%3E)$", loc)
        assert m and m.group(1) == m.group(2), loc
        msgid = urllib.parse.unquote(m.group(1))
        # The 303 came after the commit: the article is there now.
        with d.connect() as c:
            c.expect(223, "STAT " + msgid)
            _, lines = c.expect_multi(220, "ARTICLE " + msgid)
        art = "\n".join(lines)
        assert "From: alice <alice@" in art, art
        assert "Subject: Re: " in art
        refs = re.search(r"^References: (.*(?:\n .*)*)", art, re.M).group(1)
        assert refs.split()[-1] == parent, refs
        assert "Injection-Info:" in art and "alice" in \
            art.split("Injection-Info:")[1].split("\n")[0], art
        assert "\n.leading dot" in art or "\n..leading dot" in art
        # Read over NNTP with nntplib: threaded under its parent.
        s = nntplib.NNTP("127.0.0.1", d.port, readermode=True)
        try:
            _, _, first, last, _ = s.group("local.general")
            _, over = s.over((first, last))
            mine = [o for n, o in over if o["message-id"] == msgid]
            assert mine and mine[0]["references"].split()[-1] == parent
            _, info = s.article(msgid)
            body = b"\n".join(info.lines)
            assert "caf\u00e9".encode() in body
        finally:
            s.quit()
        # On the page: right under its parent, one level deeper.
        st, _, page = request(w, loc.split("#")[0])
        t = parse(page)
        ids = [i for i, _, _ in t.articles]
        depth = {i: dep for i, dep, _ in t.articles}
        pid = "m-" + q(parent)
        assert depth["m-" + q(msgid)] == depth[pid] + 1
        assert ids.index("m-" + q(msgid)) > ids.index(pid)
        # The same path as POST: posting_host is the visitor's address.
        assert "web post user=alice" in d.log_text()


def test_comment_to_a_moderated_group_awaits_moderation():
    with Loomd(args=ARGS) as d:
        post_page(d)
        add_user(d, "alice")
        before = group_count(d)
        p = d.ctl("group", "set", "local.general", "status=m")
        assert p.returncode == 0, p.stderr
        w = web(d)
        cookie = logged_in(w)
        csrf, _ = thread_csrf(w, cookie)
        st, _, page = comment(w, cookie, csrf, PAGE[3]["msgid"],
                              "Held for the moderators.")
        page = page.decode()
        assert st == 202, (st, page)
        assert "Awaiting moderation" in page, page
        assert "Not posted" not in page
        # Queued, durably, not filed in the group.
        assert group_count(d) == before
        p = d.ctl("queue", "list")
        assert p.returncode == 0 and "local.general" in p.stdout, p.stdout


def group_count(d, group="local.general"):
    with d.connect() as c:
        return int(c.expect(211, "GROUP " + group).split()[0])


def test_visitor_leaving_during_post():
    """The page is closed while the comment is in flight: the post still
    completes (nobody is told), and loomd serves on."""
    with Loomd(args=ARGS) as d:
        post_page(d)
        add_user(d, "alice")
        w = web(d)
        cookie = logged_in(w)
        csrf, _ = thread_csrf(w, cookie)
        before = group_count(d)
        body = urllib.parse.urlencode({"csrf": csrf, "parent": ROOT,
                                       "body": "posted, then gone"})
        req = ("POST /post HTTP/1.1\r\nHost: x\r\nCookie: %s\r\n"
               "Content-Type: application/x-www-form-urlencoded\r\n"
               "Content-Length: %d\r\n\r\n%s" % (cookie, len(body), body))
        s = socket.create_connection(w, timeout=harness.scaled(10))
        s.sendall(req.encode())
        s.close()
        deadline = time.monotonic() + harness.scaled(20)
        while group_count(d) == before and time.monotonic() < deadline:
            time.sleep(0.05)
        assert group_count(d) == before + 1
        st, _, _ = request(w, "/")
        assert st == 200


def test_refusals_shown_and_routes():
    conf = "[limits]\nposts_per_minute = 1\n"
    with Loomd(args=ARGS, config=conf) as d:
        # One post from the address (the limit counts it); alice's count
        # is her own.
        test_web.post(d, harness.make_article(
            newsgroups="local.general", subject=PAGE[0]["subject"],
            from_=PAGE[0]["from"], body="root", message_id=ROOT))
        add_user(d, "alice")
        w = web(d)
        cookie = logged_in(w)
        csrf, _ = thread_csrf(w, cookie)
        st, _, _ = comment(w, cookie, csrf, ROOT, "   \n")
        assert st == 400, st
        st, _, _ = comment(w, cookie, csrf, "<no-such@web.test>", "x")
        assert st == 404, st
        st, _, _ = comment(w, cookie, csrf, ROOT, "first")
        assert st == 303, st
        # POST's own rate limit applies (posts_per_minute): refused with
        # POST's reason, as a page.
        st, _, body = comment(w, cookie, csrf, ROOT, "second")
        assert st == 422, st
        assert b"Posting too fast" in body, body
        # Forms only, POST only on the form routes, bodies bounded.
        st, _, _ = request(w, "/post", "POST", "{}",
                           {"Content-Type": "application/json",
                            "Cookie": cookie})
        assert st == 415, st
        st, _, _ = request(w, "/post", headers={"Cookie": cookie})
        assert st == 405, st
        st, _, _ = request(w, "/t/" + q(ROOT), "POST", "a=b", FORM)
        assert st == 405, st
        st, _, _ = request(w, "/login", "POST", "a=" + "x" * 5000, FORM)
        assert st == 413, st
        st, _, _ = request(w, "/post", "POST", "a=%zz", dict(FORM,
                           Cookie=cookie))
        assert st == 400, st
        # Still serving.
        st, _, _ = request(w, "/")
        assert st == 200


def test_failed_logins_limited_with_authinfo():
    conf = "[auth]\nmax_failures = 2\n"
    with Loomd(args=ARGS, config=conf) as d:
        add_user(d, "alice")
        w = web(d)
        for _ in range(2):
            st, _, _ = login(w, password="wrong")
            assert st == 403, st
        st, _, body = login(w)      # right, but too many failures
        assert st == 429 and b"Too many failed logins" in body, st


def test_https_cookies_are_secure():
    pair = harness.TLSPair()
    try:
        with Loomd(args=pair.args + ("--https", "127.0.0.1:0")) as d:
            add_user(d, "alice")
            w = web(d, "https")
            ctx = pair.client_context()
            st, h, body = request(w, "/login", ctx=ctx)
            pre, attrs = cookies(h)["loom_pre"]
            assert "Secure" in attrs and "HttpOnly" in attrs, attrs
            st, h, _ = request(w, "/login", "POST", urllib.parse.urlencode(
                {"csrf": form_value(body, "csrf"), "user": "alice",
                 "password": PASSWORD}), dict(FORM, Cookie="loom_pre=" +
                                              pre), ctx=ctx)
            assert st == 303, st
            _, attrs = cookies(h)["loom_session"]
            for a in ("Secure", "HttpOnly", "SameSite=Strict", "Path=/"):
                assert a in attrs, (a, attrs)
    finally:
        pair.remove()


def test_house_rules_per_group():
    conf = "[http]\nrules_dir = @TMP@/rules\n"
    with Loomd(args=ARGS, config=conf) as d:
        post_page(d)
        w = web(d)
        st, h, body = get(w, "/t/" + q(ROOT))
        assert st == 200 and b"House rules" not in body
        etag = h["etag"]
        os.makedirs(os.path.join(d.tmp, "rules"), exist_ok=True)
        with open(os.path.join(d.tmp, "rules", "local.general"), "w",
                  encoding="utf-8") as f:
            f.write("Be kind <b>and</b> stay on topic, caf\u00e9.\n")
        # The thread page's tag covers the rules file: no stale 304.
        st, h, body = get(w, "/t/" + q(ROOT),
                          headers={"If-None-Match": etag})
        assert st == 200, st
        for page in (body, get(w, "/g/local.general")[2]):
            assert b"House rules" in page
            assert "Be kind &lt;b&gt;and&lt;/b&gt; stay on topic, " \
                "caf\u00e9.".encode() in page
        # Another group has none.
        assert b"House rules" not in get(w, "/g/local.test")[2]


def test_atom_feeds():
    with Loomd(args=ARGS) as d:
        post_page(d)
        w = web(d)
        st, h, body = get(w, "/g/local.general.atom")
        assert st == 200 and h["content-type"].startswith(
            "application/atom+xml")
        feed = ET.fromstring(body)
        assert feed.tag == ATOM + "feed"
        for k in ("id", "title", "updated"):
            assert feed.find(ATOM + k) is not None, k
        entries = feed.findall(ATOM + "entry")
        assert len(entries) == 1
        assert entries[0].find(ATOM + "id").text == \
            "news:" + urllib.parse.quote(ROOT[1:-1], safe="")
        # The old address still works.
        st, _, old = get(w, "/atom/local.general")
        assert st == 200 and old == body
        st, _, page = get(w, "/g/local.general")
        assert b'href="/g/local.general.atom"' in page
        # The thread's feed: every readable comment, newest first.
        st, h, body = get(w, "/t/" + q(PAGE[5]["msgid"]) + ".atom")
        assert st == 200, st
        feed = ET.fromstring(body)
        assert feed.find(ATOM + "id").text.startswith("news:")
        assert feed.find(ATOM + "title").text == PAGE[0]["subject"]
        entries = feed.findall(ATOM + "entry")
        assert len(entries) == len(PAGE)
        for e in entries:
            for k in ("id", "title", "updated", "author", "content"):
                assert e.find(ATOM + k) is not None, k
        updated = [e.find(ATOM + "updated").text for e in entries]
        assert updated == sorted(updated, reverse=True)
        ids = {e.find(ATOM + "id").text for e in entries}
        assert len(ids) == len(PAGE)
        st, _, page = get(w, "/t/" + q(ROOT))
        assert ('href="/t/%s.atom"' % q(ROOT)).encode() in page
        for path in ("/t/" + q("<none@web.test>") + ".atom",
                     "/g/no.such.atom", "/t/.atom"):
            st, _, _ = get(w, path)
            assert st == 404, (path, st)


# Visitors (no account) comment where [http] visitor_groups allows; the
# address may not post over NNTP (read only), a staff user posts the
# threads.
VISITOR_CONF = """
[auth]
allow_plaintext = yes
[http]
visitor_groups = local.general
[access everyone]
read = *
post =
[access staff]
users = staff
read = *
post = *
"""
VROOT = "<vroot@web.test>"
VREPLY = "<vreply@web.test>"
OTHER = "<other@web.test>"


def staff_posts(d, only_root=False):
    add_user(d, "staff")
    with d.connect() as c:
        c.expect(381, "AUTHINFO USER staff")
        c.expect(281, "AUTHINFO PASS " + PASSWORD)
        for art in (
                harness.make_article(newsgroups="local.general",
                                     subject="Visitors welcome",
                                     message_id=VROOT, body="Say hi.\n"),
                harness.make_article(newsgroups="local.general",
                                     subject="Re: Visitors welcome",
                                     message_id=VREPLY, references=VROOT,
                                     body="Hi.\n"),
                harness.make_article(newsgroups="local.test",
                                     subject="Members only",
                                     message_id=OTHER, body="Log in.\n")
                )[:1 if only_root else 3]:
            code, text = c.post(art)
            assert code == 240, (code, text)


def visitor_page(w, msgid=VROOT, cookie=None):
    """(visitor cookie header, the form's csrf, page) of a thread page."""
    st, h, body = request(w, "/t/" + q(msgid),
                          headers={"Cookie": cookie} if cookie else {})
    assert st == 200, st
    c = cookies(h).get("loom_visitor")
    if c is not None:
        v, attrs = c
        assert "HttpOnly" in attrs and "SameSite=Strict" in attrs, attrs
        cookie = "loom_visitor=" + v
    return cookie, body


def visitor_post(w, cookie, csrf, parent, text, **extra):
    # As a browser sends the form: the hidden field, empty.
    fields = {"csrf": csrf, "parent": parent, "name": "", "website": "",
              "body": text}
    fields.update(extra)
    return request(w, "/post", "POST", urllib.parse.urlencode(fields),
                   dict(FORM, Cookie=cookie) if cookie else FORM)


def article_text(d, msgid):
    with d.connect() as c:
        _, lines = c.expect_multi(220, "ARTICLE " + msgid)
    return "\n".join(lines)


def posted_id(h):
    m = re.match(r"/t/(%3C[^#]+%3E)#m-(%3C[^#]+%3E)$", h["location"])
    assert m, h["location"]
    return urllib.parse.unquote(m.group(2))


def test_visitor_posts_where_allowed():
    with Loomd(args=ARGS, config=VISITOR_CONF) as d:
        staff_posts(d)
        w = web(d)
        cookie, body = visitor_page(w)
        assert cookie is not None
        csrf = form_value(body, "csrf")
        # Double submit: the form's token is the cookie's.
        assert cookie == "loom_visitor=" + csrf
        # A form per comment and one under the thread, with a name field
        # and the hidden field; no anonymous box (that is for members).
        assert body.count(b'action="/post"') == 3, body
        assert body.count(b'name="name"') == 3
        assert body.count(b'name="website"') == 3
        assert b'name="anonymous"' not in body
        # The same cookie again: no new one, the same token.
        c2, body2 = visitor_page(w, VREPLY, cookie)
        assert c2 == cookie and form_value(body2, "csrf") == csrf
        # The reply page on its own has the form too.
        st, _, rp = request(w, "/reply/" + q(VREPLY),
                            headers={"Cookie": cookie})
        assert st == 200 and b'name="name"' in rp, st
        assert form_value(rp, "csrf") == csrf
        # Not in visitor_groups: no form, "Log in", and a post is refused.
        _, other = visitor_page(w, OTHER, cookie)
        assert b'action="/post"' not in other
        assert b'href="/login?next=/t/' in other
        before = group_count(d, "local.test")
        st, _, _ = visitor_post(w, cookie, csrf, OTHER, "let me in")
        assert st == 403, st
        assert group_count(d, "local.test") == before
        # CSRF holds for visitors: no cookie, a wrong token, no token.
        before = group_count(d)
        for ck, tok in ((None, csrf), (cookie, "f" * 32), (cookie, "")):
            st, _, _ = visitor_post(w, ck, tok, VREPLY, "forged")
            assert st == 403, (ck, tok, st)
        st, _, _ = visitor_post(w, "loom_visitor=" + "f" * 32, csrf,
                                VREPLY, "forged")
        assert st == 403, st
        # A robot fills the hidden field: nothing posted.
        st, _, _ = visitor_post(w, cookie, csrf, VREPLY, "spam",
                                website="http://spam.example/")
        assert st == 422, st
        # Header injection in the name: refused, nothing posted.
        for bad in ("Eve\r\nX-Injected: yes", "Eve\nNewsgroups: x",
                    "Eve\rX", "Eve\x7f", "x" * 65, "Eve\x01"):
            st, _, _ = visitor_post(w, cookie, csrf, VREPLY, "hi",
                                    name=bad)
            assert st == 400, (bad, st)
        st, _, _ = request(w, "/post", "POST", "csrf=%s&parent=%s&body=hi"
                           "&name=Eve%%00" % (csrf, q(VREPLY)),
                           dict(FORM, Cookie=cookie))
        assert st == 400, st
        assert group_count(d) == before
        # Posted: a name with quotes, one with non-ASCII, none at all.
        names = ('Bob "the builder" \\o/', "Zo\u00eb \u00c5str\u00f6m", "")
        ids = []
        for n in names:
            st, h, _ = visitor_post(w, cookie, csrf, VREPLY,
                                    "A visitor's reply.", name=n)
            assert st == 303, (n, st)
            ids.append(posted_id(h))
        assert group_count(d) == before + 3
        arts = [article_text(d, i) for i in ids]
        froms = [re.search(r"^From: (.*)$", a, re.M).group(1) for a in arts]
        assert froms[0] == '"Bob \\"the builder\\" \\\\o/" ' \
            "<visitor@loom.invalid>", froms[0]
        assert froms[1].startswith("=?UTF-8?B?"), froms[1]
        assert froms[2] == '"Anonymous Coward" <visitor@loom.invalid>', \
            froms[2]
        for a in arts:
            assert "X-Injected" not in a
            inj = re.search(r"^Injection-Info: (.*(?:\n\s.*)*)", a,
                            re.M).group(1)
            # As an unauthenticated NNTP POST: the address, no account.
            assert 'posting-host="127.0.0.1"' in inj, inj
            assert "posting-account" not in inj, inj
            refs = re.search(r"^References: (.*(?:\n .*)*)", a,
                             re.M).group(1)
            assert refs.split()[-1] == VREPLY, refs
        # The page shows the names as written (decoded, escaped).
        st, _, page = request(w, "/t/" + q(VROOT))
        page = page.decode()
        assert "Zo\u00eb \u00c5str\u00f6m" in page
        assert "Bob &quot;the builder&quot;" in page
        # NNTP POST from the same address is still refused.
        with d.connect() as c:
            code, _ = c.post(harness.make_article(
                newsgroups="local.general", subject="direct"))
            assert code in (440, 480), code
        assert "web post user=- (visitor)" in d.log_text()


def test_visitor_posting_off_by_default():
    with Loomd(args=ARGS) as d:
        post_page(d)
        w = web(d)
        st, h, body = request(w, "/t/" + q(ROOT))
        assert "loom_visitor" not in cookies(h)
        assert b'action="/post"' not in body
        st, _, _ = visitor_post(w, "loom_visitor=" + "a" * 32, "a" * 32,
                                ROOT, "hello")
        assert st == 403, st


def test_visitor_rate_limit_per_address():
    """posts_per_minute counts a visitor's posts per address, as for an
    NNTP POST without a login; a member from the same address counts
    apart."""
    conf = VISITOR_CONF.replace("users = staff", "users = staff,alice") + \
        "[limits]\nposts_per_minute = 1\n"
    with Loomd(args=ARGS, config=conf) as d:
        staff_posts(d, only_root=True)
        add_user(d, "alice")
        w = web(d)
        cookie, body = visitor_page(w)
        csrf = form_value(body, "csrf")
        st, _, _ = visitor_post(w, cookie, csrf, VROOT, "first")
        assert st == 303, st
        st, _, page = visitor_post(w, cookie, csrf, VROOT, "second")
        assert st == 422 and b"Posting too fast" in page, (st, page)
        # A new visitor cookie changes nothing: the address counts.
        cookie2, body2 = visitor_page(w)
        assert cookie2 != cookie
        st, _, page = visitor_post(w, cookie2, form_value(body2, "csrf"),
                                   VROOT, "third")
        assert st == 422 and b"Posting too fast" in page, (st, page)
        member = logged_in(w)
        mcsrf, _ = thread_csrf(w, member, VROOT)
        st, _, _ = comment(w, member, mcsrf, VROOT, "a member's")
        assert st == 303, st


def test_visitor_comment_to_moderated_group():
    conf = "[http]\nvisitor_groups = local.general\n"
    with Loomd(args=ARGS, config=conf) as d:
        post_page(d)
        before = group_count(d)
        p = d.ctl("group", "set", "local.general", "status=m")
        assert p.returncode == 0, p.stderr
        w = web(d)
        cookie, body = visitor_page(w, ROOT)
        st, _, page = visitor_post(w, cookie, form_value(body, "csrf"),
                                   PAGE[2]["msgid"], "For the moderators.",
                                   name="Visitor")
        page = page.decode()
        assert st == 202 and "Awaiting moderation" in page, (st, page)
        assert group_count(d) == before
        p = d.ctl("queue", "list")
        assert p.returncode == 0 and "local.general" in p.stdout, p.stdout


def test_anonymous_box_on_every_reply_form():
    conf = "[posting]\nanonymous_groups = local.general\n"
    with Loomd(args=ARGS, config=conf) as d:
        post_page(d)
        post(d, harness.make_article(newsgroups="local.test",
                                     subject="not anonymous here",
                                     message_id=OTHER))
        add_user(d, "alice")
        w = web(d)
        cookie = logged_in(w)
        csrf, body = thread_csrf(w, cookie)
        forms = body.count(b'action="/post"')
        assert forms == len(PAGE) + 1
        assert body.count(b'name="anonymous"') == forms, body
        _, other = thread_csrf(w, cookie, OTHER)
        assert b'action="/post"' in other
        assert b'name="anonymous"' not in other
        # A reply through a nested comment's form, anonymously.
        parent = PAGE[3]["msgid"]
        st, h, _ = request(w, "/post", "POST", urllib.parse.urlencode(
            {"csrf": csrf, "parent": parent, "body": "Who am I?",
             "anonymous": "yes"}), dict(FORM, Cookie=cookie))
        assert st == 303, st
        msgid = posted_id(h)
        art = article_text(d, msgid)
        assert "alice" not in art.lower(), art
        assert re.search(r"^From: Anonymous Coward <anonymous@loom\.invalid>",
                         art, re.M), art
        st, _, page = request(w, "/t/" + q(ROOT))
        m = re.search(r'<article class="c" id="m-%s">.*?</article>' %
                      re.escape(q(msgid)), page.decode(), re.S)
        assert m, msgid
        assert "alice" not in m.group(0) and "Anonymous Coward" in \
            m.group(0)
        st, _, raw = request(w, "/a/" + q(msgid))
        assert st == 200 and b"alice" not in raw.lower()


def test_visitor_config_checked():
    import tempfile
    for text, ok in (("visitor_groups = local.*,!local.test\n", True),
                     ("visitor_address = someone@example.invalid\n", True),
                     ("visitor_name = Passer-by\n", True),
                     ("visitor_address = Someone <s@example.invalid>\n",
                      False),
                     ("visitor_address = not an address\n", False),
                     ("visitor_name = a\tb\n", False),
                     ("visitor_name = " + "x" * 65 + "\n", False)):
        with tempfile.NamedTemporaryFile("w", suffix=".conf") as f:
            f.write("[http]\n" + text)
            f.flush()
            r = harness.run_loomd("--check-config", "--config", f.name)
            assert (r.returncode == 0) == ok, (text, r.stderr)
    r = harness.run_loomd("--dump-config")
    assert "visitor_groups" in r.stdout and "Anonymous Coward" in r.stdout


if __name__ == "__main__":
    harness.main(globals())
