#!/usr/bin/env python3
"""
Thread integration tests: XTREE and XROOTS (docs/protocol.md, docs/threads.md)
on a real comment page, tests/data/comment-thread.json (20 posts, depth up
to 4, anonymous posters).

The page is posted to local.general with POST: Message-ID as given,
References the whole parent chain from the root, Subject and From as given,
and a Date a minute apart in page order (siblings are ordered by posting
time, so every server holding the page shows it alike).  One server gets
the page in page order, another in a seeded shuffled order; both must serve
the tree the JSON parent links imply, from any of its nodes, and agree with
threading done in the client from OVER.  Also: placeholders for missing
articles and their healing, xtree_max truncation, XROOTS ranges and order,
reply codes, and loomctl's thread/threads.
"""

import json
import os
import random
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Loomd, TestFailure, make_article  # noqa: E402

GROUP = "local.general"
SEED = 20261129         # the shuffled arrival order is always the same

with open(os.path.join(harness.TESTDATA, "comment-thread.json"),
          encoding="utf-8") as _f:
    PAGE = json.load(_f)["comments"]
BYID = {p["msgid"]: p for p in PAGE}
INDEX = {p["msgid"]: i for i, p in enumerate(PAGE)}
ROOT = PAGE[0]["msgid"]
ANON_FROM = "Anonymous Coward <anonymous@comments.example>"

# Posting times: page order, a minute apart, ending well in the past (a
# Date in the future beyond date_skew would be refused).
BASE = (int(time.time()) // 60) * 60 - 3 * 3600

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
           "Oct", "Nov", "Dec")


def rfc5322_date(t):
    g = time.gmtime(t)
    return "%s, %d %s %d %02d:%02d:%02d +0000" % (
        _DAYS[g.tm_wday], g.tm_mday, _MONTHS[g.tm_mon - 1], g.tm_year,
        g.tm_hour, g.tm_min, g.tm_sec)


def date_of(msgid):
    return rfc5322_date(BASE + 60 * INDEX[msgid])


def chain(msgid):
    """The References of a post: its ancestors, root first."""
    out = []
    q = BYID[msgid]["parent"]
    for _ in range(len(PAGE)):
        if q is None:
            break
        out.append(q)
        q = BYID[q]["parent"]
    else:
        raise TestFailure("parent loop in the fixture at %s" % msgid)
    return out[::-1]


def article(msgid):
    p = BYID[msgid]
    refs = chain(msgid)
    return make_article(newsgroups=GROUP, subject=p["subject"],
                        from_=p["from"], body=p["body"], message_id=msgid,
                        references=" ".join(refs) if refs else None,
                        date=date_of(msgid))


def json_tree():
    """The tree the JSON parent links imply: [(depth, msgid)] depth-first,
    children in page order (= posting order), computed from the links
    alone (not assuming the page is already in that order)."""
    kids = {p["msgid"]: [] for p in PAGE}
    roots = []
    for p in PAGE:
        if p["parent"] is None:
            roots.append(p["msgid"])
        else:
            kids[p["parent"]].append(p["msgid"])
    assert roots == [ROOT], roots
    out, stack = [], [(ROOT, 0)]
    for _ in range(10 * len(PAGE)):
        if not stack:
            break
        m, d = stack.pop()
        out.append((d, m))
        for k in reversed(kids[m]):
            stack.append((k, d + 1))
    assert len(out) == len(PAGE), out
    return out


EXPECTED = json_tree()


def shuffled_order():
    """The page in a seeded random order, posted in two halves a clock tick
    apart (see loaded()).  The order must put some reply before its parent,
    and some later-posted sibling in the first half with an earlier one in
    the second: siblings ordered by arrival instead of posting time, or a
    tree that depends on arrival order, would then show."""
    order = [p["msgid"] for p in PAGE]
    random.Random(SEED).shuffle(order)
    assert order != [p["msgid"] for p in PAGE]
    assert any(BYID[m]["parent"] is not None and
               order.index(BYID[m]["parent"]) > i
               for i, m in enumerate(order)), order
    half = len(order) // 2
    assert any(BYID[x]["parent"] == BYID[y]["parent"] and INDEX[x] > INDEX[y]
               for x in order[:half] for y in order[half:]), order
    return order


def page_order():
    return [p["msgid"] for p in PAGE]


# ---------------------------------------------------------------- helpers


def post_all(c, order):
    for m in order:
        code, text = c.post(article(m))
        if code != 240:
            raise TestFailure("POST %s: %d %s" % (m, code, text))


def server_date(c):
    text = c.expect(111, "DATE")
    assert re.fullmatch(r"\d{14}", text), text
    return text


def xtree(c, msgid):
    """XTREE -> (status text, [fields...]); every line has 10 fields."""
    text, lines = c.expect_multi(224, "XTREE %s" % msgid)
    rows = []
    for l in lines:
        f = l.split("\t")
        if len(f) != 10:
            raise TestFailure("XTREE line with %d fields, want 10: %r"
                              % (len(f), l))
        if not f[0].isdigit() or not f[1].isdigit():
            raise TestFailure("XTREE line: bad depth/number: %r" % l)
        rows.append(f)
    return text, rows


def is_placeholder(f):
    return (f[1] == "0" and f[2:5] == ["", "", ""] and f[6:] == ["", "", "", ""])


def shape(rows):
    return [(int(f[0]), f[5]) for f in rows]


def parents_from_depths(rows):
    """msgid -> parent msgid (None for the root) from a preorder with
    depths; fails on a depth that skips a level."""
    out, stack = {}, []
    for i, f in enumerate(rows):
        d = int(f[0])
        if i == 0:
            assert d == 0, "first XTREE line not at depth 0: %r" % f
        elif d < 1 or d > len(stack):
            raise TestFailure("XTREE depth %d after depth %d" % (d, len(stack) - 1))
        del stack[d:]
        out[f[5]] = stack[-1] if stack else None
        stack.append(f[5])
    return out


def xroots(c, args=""):
    text, lines = c.expect_multi(224, ("XROOTS " + args).strip())
    rows = []
    for l in lines:
        f = l.split("\t")
        if len(f) != 6:
            raise TestFailure("XROOTS line with %d fields, want 6: %r" % (len(f), l))
        if not f[4].isdigit() or not re.fullmatch(r"\d{14}", f[5]):
            raise TestFailure("XROOTS line: bad replies/last-activity: %r" % l)
        rows.append(f)
    return text, rows


def check_full_tree(rows, numbered=None):
    """rows is the whole page, all present, shaped as the JSON says.
    numbered: msgid -> expected article number (None: all 0)."""
    assert shape(rows) == EXPECTED, "tree %r\nwant %r" % (shape(rows), EXPECTED)
    par = parents_from_depths(rows)
    for f in rows:
        m = f[5]
        p = BYID[m]
        assert par[m] == p["parent"], (m, par[m], p["parent"])
        assert int(f[0]) == p["depth"], (m, f[0], p["depth"])
        assert not is_placeholder(f), f
        assert f[2] == p["subject"], (m, f[2])
        assert f[3] == p["from"], (m, f[3])
        assert f[4] == date_of(m), (m, f[4])
        assert f[6] == " ".join(chain(m)), (m, f[6])
        assert f[8] == str(p["body"].count("\n")), (m, f[8], "lines")
        assert f[7].isdigit() and int(f[7]) > len(p["body"].encode()), (m, f[7])
        xm = re.fullmatch(r"Xref: \S+ %s:(\d+)" % re.escape(GROUP), f[9])
        assert xm, (m, f[9])
        want = numbered[m] if numbered is not None else 0
        assert f[1] == str(want), (m, "number", f[1], want)
        if numbered is not None:
            assert xm.group(1) == f[1], (m, f[9], f[1])


def same_from_everywhere(c, ids):
    """XTREE from each id gives the identical reply; return it."""
    first = None
    for m in ids:
        text, rows = xtree(c, m)
        if first is None:
            first = (text, rows)
        elif (text, rows) != first:
            raise TestFailure("XTREE %s differs from XTREE %s:\n%r\nvs\n%r"
                              % (m, ids[0], rows, first[1]))
    return first


def numbers_for(order):
    return {m: i + 1 for i, m in enumerate(order)}


def loaded(order, config=None):
    """A server with the page posted in `order`; (server, conn, DATE before
    the first POST, DATE after the last).  Any order but the page's is
    posted in two halves with the server's clock moving on in between, so
    that arrival times differ from the posting (Date) order."""
    d = Loomd(config=config)
    c = d.connect()
    before = server_date(c)
    if order == page_order():
        post_all(c, order)
    else:
        post_all(c, order[:len(order) // 2])
        wait_next_second(c)
        post_all(c, order[len(order) // 2:])
    after = server_date(c)
    return d, c, before, after


def wait_next_second(c, limit=50):
    """Wait (bounded) until the server's DATE moves on, so the next arrival
    has a later time than everything before it."""
    start = server_date(c)
    for _ in range(limit):
        time.sleep(0.1)
        if server_date(c) != start:
            return
    raise TestFailure("server clock did not move in %.1f s" % (limit * 0.1))


def client_threading(c):
    """OVER 1- of the selected group, threaded as a newsreader does: the
    parent is the last References entry.  -> (parent map, {msgid: number})"""
    text, lines = c.expect_multi(224, "OVER 1-")
    parent, number = {}, {}
    for l in lines:
        f = l.split("\t")
        if len(f) < 9:
            raise TestFailure("OVER line with %d fields: %r" % (len(f), l))
        refs = f[5].split()
        parent[f[4]] = refs[-1] if refs else None
        number[f[4]] = int(f[0])
    return parent, number


# ---------------------------------------------------------------- XTREE


def test_xtree_is_the_json_tree_from_every_node():
    order = page_order()
    d, c, _, _ = loaded(order)
    with d:
        c.expect(211, "GROUP %s" % GROUP)
        text, rows = same_from_everywhere(c, order)
        assert text == "%d nodes follow" % len(PAGE), text
        check_full_tree(rows, numbered=numbers_for(order))
        # Siblings follow the arrival order here (it is the posting order).
        par = parents_from_depths(rows)
        for m in order:
            kids = [f[5] for f in rows if par[f[5]] == m]
            assert kids == sorted(kids, key=order.index), (m, kids)
        # Without a group selected, or with another one, numbers are 0.
        c2 = d.connect()
        _, rows2 = xtree(c2, "<c07.stiine@comments.example>")
        check_full_tree(rows2)
        c2.expect(211, "GROUP local.test")
        _, rows3 = xtree(c2, ROOT)
        check_full_tree(rows3)


def test_shuffled_arrival_gives_the_same_tree():
    a, ca, _, _ = loaded(page_order())
    order = shuffled_order()
    b, cb, _, _ = loaded(order)
    with a, b:
        ca.expect(211, "GROUP %s" % GROUP)
        cb.expect(211, "GROUP %s" % GROUP)
        _, rows_a = same_from_everywhere(ca, page_order())
        text_b, rows_b = same_from_everywhere(cb, order)
        assert text_b == "%d nodes follow" % len(PAGE), text_b
        check_full_tree(rows_b, numbered=numbers_for(order))
        # Identical but for the numbers (arrival order) and what depends
        # on the injecting server (:bytes, Xref).
        strip = lambda rows: [f[:1] + f[2:7] + f[8:9] for f in rows]  # noqa: E731
        assert strip(rows_a) == strip(rows_b), (strip(rows_a), strip(rows_b))


def test_client_side_threading_agrees_with_xtree():
    for order in (page_order(), shuffled_order()):
        d, c, _, _ = loaded(order)
        with d:
            c.expect(211, "GROUP %s" % GROUP)
            parent, number = client_threading(c)
            assert number == numbers_for(order), number
            _, rows = xtree(c, ROOT)
            assert parents_from_depths(rows) == parent
            assert parent == {p["msgid"]: p["parent"] for p in PAGE}
            # The client orders siblings by Date (what XTREE does): the
            # same flattened tree.
            kids = {}
            for m in sorted(parent, key=lambda m: (date_of(m), m)):
                kids.setdefault(parent[m], []).append(m)
            flat, stack = [], [(ROOT, 0)]
            while stack:
                m, dep = stack.pop()
                flat.append((dep, m))
                stack.extend((k, dep + 1) for k in reversed(kids.get(m, [])))
            assert flat == shape(rows), (flat, shape(rows))


# ---------------------------------------------------------------- XROOTS


def test_xroots_lists_the_thread():
    for order in (page_order(), shuffled_order()):
        d, c, before, after = loaded(order)
        with d:
            text, rows = xroots(c, GROUP)
            assert text.startswith("Threads of %s follow" % GROUP), text
            assert len(rows) == 1, rows
            root, subject, from_, date, replies, last = rows[0]
            assert root == ROOT
            assert subject == PAGE[0]["subject"]
            assert from_ == PAGE[0]["from"]
            assert date == date_of(ROOT)
            assert replies == str(len(PAGE) - 1) == "19", replies
            # The last arrival, on the server's clock, in UTC.
            assert before <= last <= after, (before, last, after)
            # The selected group, and range forms, give the same line.
            c.expect(211, "GROUP %s" % GROUP)
            assert xroots(c)[1] == rows
            assert xroots(c, "1")[1] == rows
            assert xroots(c, "1-")[1] == rows
            assert xroots(c, "%s 1-1" % GROUP)[1] == rows
            assert xroots(c, "2-")[1] == []
            assert xroots(c, "local.test")[1] == []


def test_xroots_order_and_ranges():
    with Loomd() as d:
        c = d.connect()
        ids = {}
        for name in ("first", "second", "third"):
            ids[name] = "<%s.%s@threads.test>" % (name, os.getpid())
            code, text = c.post(make_article(newsgroups="local.test",
                                             subject="thread %s" % name,
                                             message_id=ids[name]))
            assert code == 240, (code, text)
            wait_next_second(c)
        # A reply makes the first thread the most recently active.
        code, text = c.post(make_article(newsgroups="local.test",
                                         subject="Re: thread first",
                                         message_id=True,
                                         references=ids["first"]))
        assert code == 240, (code, text)
        _, rows = xroots(c, "local.test")
        got = [r[0] for r in rows]
        want = [ids["first"], ids["third"], ids["second"]]
        assert got == want, (got, want)
        assert [r[4] for r in rows] == ["1", "0", "0"], rows
        assert [r[1] for r in rows] == ["thread first", "thread third",
                                        "thread second"], rows
        lasts = [r[5] for r in rows]
        assert lasts[0] > lasts[1] > lasts[2], lasts
        for rng, want_ids in (("1", want[:1]), ("2", want[1:2]),
                              ("3", want[2:]), ("2-3", want[1:]),
                              ("2-", want[1:]), ("1-100", want),
                              ("4-", []), ("3-2", [])):
            got = [r[0] for r in xroots(c, "local.test " + rng)[1]]
            assert got == want_ids, (rng, got, want_ids)
        # A single argument that reads as a range is one, for the
        # selected group.
        c.expect(211, "GROUP local.test")
        assert [r[0] for r in xroots(c, "2-3")[1]] == want[1:]
        assert xroots(c)[1] == rows
        # ... and local.general has none of these.
        assert xroots(c, GROUP)[1] == []


def test_xroots_latest_arrival_first_within_a_second():
    """No pause between the posts, so they usually share a second: the
    order must still be the arrival order, newest first, never the
    message-ids' (posted here in ascending message-id order)."""
    with Loomd() as d:
        c = d.connect()
        ids = ["<%s.%d@same.second.test>" % (k, os.getpid())
               for k in ("a", "m", "z")]
        for i in ids:
            code, text = c.post(make_article(newsgroups="local.test",
                                             message_id=i))
            assert code == 240, (code, text)
        got = [r[0] for r in xroots(c, "local.test")[1]]
        assert got == ids[::-1], got
        code, text = c.post(make_article(newsgroups="local.test",
                                         message_id=True,
                                         references=ids[0]))
        assert code == 240, (code, text)
        got = [r[0] for r in xroots(c, "local.test")[1]]
        assert got == [ids[0], ids[2], ids[1]], got


def test_reply_codes():
    with Loomd() as d:
        c = d.connect()
        c.expect(412, "XROOTS")
        c.expect(412, "XROOTS 1-5")
        c.expect(411, "XROOTS no.such.group")
        c.expect(411, "XROOTS no.such.group 1-5")
        c.expect(501, "XROOTS %s x-y" % GROUP)
        c.expect(501, "XROOTS %s 1-2 3" % GROUP)
        c.expect(430, "XTREE <nobody@comments.example>")
        c.expect(501, "XTREE")
        c.expect(501, "XTREE not-a-message-id")
        c.expect(501, "XTREE <>")
        c.expect(501, "XTREE <a> <b>")
        # The connection is still fine.
        c.expect(211, "GROUP %s" % GROUP)
        _, rows = xroots(c)
        assert rows == []


# ---------------------------------------------------------------- placeholders


def test_missing_middle_article_is_a_placeholder_then_heals():
    missing = "<c05.hubert.cumberdale@comments.example>"
    below = "<c07.stiine@comments.example>"
    order = [m for m in page_order() if m != missing]
    d, c, _, _ = loaded(order)
    with d:
        c.expect(211, "GROUP %s" % GROUP)
        ids = order + [missing]     # the placeholder too is a node
        text, rows = same_from_everywhere(c, ids)
        assert text == "%d nodes follow" % len(PAGE), text
        assert shape(rows) == EXPECTED, shape(rows)
        line = [f for f in rows if f[5] == missing]
        assert len(line) == 1
        depth = BYID[missing]["depth"]
        assert "\t".join(line[0]) == "%d\t0\t\t\t\t%s\t\t\t\t" % (depth, missing), line
        for f in rows:
            if f[5] != missing:
                assert not is_placeholder(f), f
        assert parents_from_depths(rows)[below] == "<c06.zimmer@comments.example>"
        _, roots = xroots(c, GROUP)
        assert [(r[0], r[4]) for r in roots] == [(ROOT, "18")], roots

        code, ptext = c.post(article(missing))
        assert code == 240, (code, ptext)
        numbered = numbers_for(order)
        numbered[missing] = len(PAGE)
        _, healed = same_from_everywhere(c, page_order())
        check_full_tree(healed, numbered=numbered)
        _, roots = xroots(c, GROUP)
        assert [(r[0], r[4]) for r in roots] == [(ROOT, "19")], roots


def test_missing_root_is_a_placeholder_then_heals():
    order = page_order()[1:]
    d, c, _, _ = loaded(order)
    with d:
        _, rows = same_from_everywhere(c, order + [ROOT])
        assert shape(rows) == EXPECTED, shape(rows)
        assert "\t".join(rows[0]) == "0\t0\t\t\t\t%s\t\t\t\t" % ROOT, rows[0]
        assert all(not is_placeholder(f) for f in rows[1:]), rows
        # Listed under its (absent) root: no subject, from or date yet.
        _, roots = xroots(c, GROUP)
        assert len(roots) == 1 and roots[0][:5] == [ROOT, "", "", "", "19"], roots
        code, text = c.post(article(ROOT))
        assert code == 240, (code, text)
        _, rows = same_from_everywhere(c, page_order())
        check_full_tree(rows)
        _, roots = xroots(c, GROUP)
        assert roots[0][:5] == [ROOT, PAGE[0]["subject"], PAGE[0]["from"],
                                date_of(ROOT), "19"], roots


# ---------------------------------------------------------------- limits


def test_xtree_max_truncates():
    d, c, _, _ = loaded(page_order(), config="[limits]\nxtree_max = 5\n")
    with d:
        text, rows = xtree(c, "<c19.anonymous.coward@comments.example>")
        assert text == "5 nodes follow (truncated at 5)", text
        assert shape(rows) == EXPECTED[:5], shape(rows)
        # A thread of exactly five is not cut; one of six is.
        root = "<five.%d@threads.test>" % os.getpid()
        code, t = c.post(make_article(newsgroups="local.test", subject="five",
                                      message_id=root))
        assert code == 240, (code, t)
        for i in range(5):
            if i == 4:
                text, rows = xtree(c, root)
                assert text == "5 nodes follow", text
                assert len(rows) == 5, rows
            code, t = c.post(make_article(newsgroups="local.test",
                                          subject="Re: five", message_id=True,
                                          references=root))
            assert code == 240, (code, t)
        text, rows = xtree(c, root)
        assert text == "5 nodes follow (truncated at 5)", text
        assert len(rows) == 5


def test_xtree_streams_a_big_thread():
    # More nodes than one chunk, through an output buffer smaller than the
    # reply: XTREE is streamed, and still the whole tree in order.
    n = 700
    tag = "%d" % os.getpid()
    ids = ["<big.%d.%s@threads.test>" % (i, tag) for i in range(n)]
    parent = [None] + [(i - 1) // 3 for i in range(1, n)]

    def refs(i):
        out, q = [], parent[i]
        while q is not None:
            out.append(ids[q])
            q = parent[q]
        return " ".join(out[::-1]) or None

    kids = {i: [] for i in range(n)}
    for i in range(1, n):
        kids[parent[i]].append(i)
    want, stack = [], [(0, 0)]
    while stack:
        i, depth = stack.pop()
        want.append((depth, ids[i]))
        stack.extend((k, depth + 1) for k in reversed(kids[i]))
    with Loomd(config="[limits]\noutput_buffer = 4096\n") as d:
        c = d.connect()
        for i in range(n):
            code, t = c.post(make_article(
                newsgroups="local.test", subject="big", message_id=ids[i],
                references=refs(i), date=rfc5322_date(BASE + i)))
            assert code == 240, (i, code, t)
        text, rows = xtree(c, ids[n - 1])
        assert text == "%d nodes follow" % n, text
        assert shape(rows) == want, "XTREE of %d nodes out of order" % n
        # The session still answers in order after the stream.
        c.expect(111, "DATE")


# ---------------------------------------------------------------- content


def test_anonymous_posters_and_bodies_carried_through():
    d, c, _, _ = loaded(shuffled_order())
    with d:
        c.expect(211, "GROUP %s" % GROUP)
        _, rows = xtree(c, ROOT)
        anon = [p["msgid"] for p in PAGE if p["anonymous"]]
        assert len(anon) >= 2, anon
        by = {f[5]: f for f in rows}
        for m in anon:
            assert BYID[m]["from"] == ANON_FROM, BYID[m]
            assert by[m][3] == ANON_FROM, by[m]
            c.expect(221, "HEAD %s" % m)
            head = c.multiline()
            assert "From: %s" % ANON_FROM in head, head
        # Distinct anonymous posts stay distinct articles with their own
        # subjects, whatever From they share.
        assert len({by[m][2] for m in anon}) >= 2
        _, hdr = c.expect_multi(225, "HDR From 1-")
        froms = [l.split(" ", 1)[1] for l in hdr]
        assert froms.count(ANON_FROM) == len(anon), froms
        # Bodies come back as posted (one starts with a dot: stuffing).
        for p in PAGE:
            _, body = c.expect_multi(222, "BODY %s" % p["msgid"])
            assert "\n".join(body) + "\n" == p["body"], p["msgid"]
        assert any(p["body"].startswith(".") for p in PAGE)


# ---------------------------------------------------------------- loomctl


def test_loomctl_thread_prints_indented_tree():
    missing = "<c05.hubert.cumberdale@comments.example>"
    order = [m for m in page_order() if m != missing]
    d, c, _, _ = loaded(order)
    with d:
        for with_missing in (True, False):
            p = d.ctl("thread", "<c07.stiine@comments.example>")
            assert p.returncode == 0, (p.returncode, p.stderr)
            lines = p.stdout.splitlines()
            assert len(lines) == len(PAGE), lines
            for (depth, m), l in zip(EXPECTED, lines):
                indent = len(l) - len(l.lstrip(" "))
                assert indent == 2 * depth, (m, depth, l)
                if m == missing and with_missing:
                    assert m in l, l
                    continue
                post = BYID[m]
                for want in (post["from"], date_of(m), post["subject"]):
                    assert want in l, (want, l)
            if with_missing:
                code, text = c.post(article(missing))
                assert code == 240, (code, text)
        p = d.ctl("thread", "<nobody@comments.example>")
        assert p.returncode != 0, p.stdout


def test_loomctl_threads_lists_the_thread():
    d, c, _, _ = loaded(page_order())
    with d:
        p = d.ctl("threads", GROUP)
        assert p.returncode == 0, (p.returncode, p.stderr)
        lines = p.stdout.splitlines()
        assert len(lines) == 1, lines
        assert PAGE[0]["subject"] in lines[0], lines
        assert re.search(r"\b19\b", lines[0]), lines
        p = d.ctl("threads", "local.test")
        assert p.returncode == 0 and p.stdout.strip() == "", (p.returncode, p.stdout)
        p = d.ctl("threads", "no.such.group")
        assert p.returncode != 0, p.stdout


if __name__ == "__main__":
    harness.main(globals())
