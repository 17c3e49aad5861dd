#!/usr/bin/env python3
"""
Peering between Loom and INN 2.7 (Debian's inn2) on loopback:

  1. INN feeds Loom: articles injected into innd reach Loom through INN's
     outgoing feed (file feed + innxmit, and innfeed in real time).
  2. Loom feeds INN: Loom's [peer] feeder streams its posts to innd.
  3. INN pulls from Loom: pullnews reads a group from Loom's reader side.
  4. Both ways at once, a thread posted half on each side: no loops.

Every test SKIPs when inn2 is not installed (scripts/install-inn.sh, run as
root, installs it) or when not run as root (INN runs as user news), and
fails instead when CI is set (harness.missing_dependency).

    LOOMD=... LOOMCTL=... python3 tests/interop/test_inn_peering.py [name...]
"""

import os
import re
import socket
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "integration"))

import harness                               # noqa: E402
from harness import Loomd, TestFailure  # noqa: E402
import inn as innmod                         # noqa: E402
from inn import Inn                          # noqa: E402

LOOM = "loom.test"          # Loom's Path identity (and INN's feed name)
INN = "inn.test"            # INN's Path identity (and Loom's peer name)
ORIGIN = "origin.test"      # where the test articles "come from"
WAIT = 30.0                 # most seconds any feed may take to deliver
BURST = 8                   # articles each side posts at once in test 4

_seq = [0]


def check(cond, msg):
    if not cond:
        raise TestFailure(msg)


def wait_until(pred, timeout=WAIT, step=0.1):
    """Poll pred() (bounded) until it returns something true; return it
    (or the last false value)."""
    deadline = time.monotonic() + timeout
    for _ in range(100000):
        v = pred()
        if v or time.monotonic() >= deadline:
            return v
        time.sleep(step)
    return pred()


# --------------------------------------------------------------------------
# Articles

def new_msgid(tag):
    _seq[0] += 1
    return "<%s.%d.%d.%d@%s>" % (tag, os.getpid(), int(time.time() * 1000),
                                 _seq[0], ORIGIN)


def now_date():
    return time.strftime("%a, %d %b %Y %H:%M:%S +0000", time.gmtime())


# A body that exercises dot-stuffing, 8-bit UTF-8, empty and blank lines,
# tabs and trailing spaces.
TRICKY_BODY = ("First line of the body.\n"
               ".\n"
               "..\n"
               "...three dots, then text\n"
               ".leading dot\n"
               "\n"
               "Gr\u00fc\u00dfe aus K\u00f6ln \u2014 na\u00efve caf\u00e9, "
               "\u65e5\u672c\u8a9e, \u0417\u0434\u0440\u0430\u0432\u0441"
               "\u0442\u0432\u0443\u0439\u0442\u0435 \u2713\n"
               "\ttab first, trailing spaces   \n"
               " \n"
               "Last line.\n")


def make(msgid, groups, subject, body="A plain body.\n", refs=None,
         path=ORIGIN + "!not-for-mail", from_="Interop Tester <tester@origin.test>",
         fold_refs=False, headers=()):
    """An article as bytes with CRLF line ends (as it is on the wire,
    before dot-stuffing)."""
    h = []
    if path is not None:
        h.append("Path: %s" % path)
    h += ["From: %s" % from_,
          "Newsgroups: %s" % groups,
          "Subject: %s" % subject,
          "Message-ID: %s" % msgid,
          "Date: %s" % now_date()]
    if refs:
        if fold_refs and len(refs) > 1:
            h.append("References: %s\n\t%s" % (" ".join(refs[:-1]), refs[-1]))
        else:
            h.append("References: %s" % " ".join(refs))
    h += ["%s: %s" % kv for kv in headers]
    text = "\n".join(h) + "\n\n" + body
    return text.replace("\n", "\r\n").encode("utf-8")


def split_article(art):
    """bytes (CRLF lines) -> (header bytes without the final CRLF, body)."""
    i = art.find(b"\r\n\r\n")
    check(i >= 0, "no header/body separator in %r" % art[:300])
    return art[:i], art[i + 4:]


def fields(art):
    """{lower-case name: [raw field bytes incl. folded lines, ...]}."""
    head, _ = split_article(art)
    out = {}
    cur = None
    for l in head.split(b"\r\n"):
        if l[:1] in (b" ", b"\t") and cur is not None:
            out[cur][-1] += b"\r\n" + l
            continue
        name = l.split(b":", 1)[0].decode("ascii", "replace").lower()
        cur = name
        out.setdefault(name, []).append(l)
    return out


def value(art, name):
    """The (first) field's value as str, unfolded, or None."""
    f = fields(art).get(name.lower())
    if not f:
        return None
    v = f[0].split(b":", 1)[1]
    v = re.sub(rb"\r\n[ \t]", b" ", v).strip()
    return v.decode("utf-8", "replace")


SAME_FIELDS = ("message-id", "from", "subject", "date", "references",
               "newsgroups")


def check_same(got, sent, where):
    """Body byte-identical; the SAME_FIELDS byte-identical (folding too)."""
    gf, sf = fields(got), fields(sent)
    for n in SAME_FIELDS:
        check(gf.get(n) == sf.get(n),
              "%s: %s differs: sent %r, got %r" % (where, n, sf.get(n), gf.get(n)))
    check(split_article(got)[1] == split_article(sent)[1],
          "%s: body differs:\nsent %r\ngot  %r"
          % (where, split_article(sent)[1], split_article(got)[1]))


# --------------------------------------------------------------------------
# Loom side

def loom_conf(peer_port=None, groups="local.*", extra=""):
    # (A [group] section needs a key: an empty one is ignored, see the
    # report.)
    text = ("[server]\npathhost = %s\ndomain = %s\nlog_level = debug\n"
            "[group local.general]\ndescription = General\n"
            "[group local.test]\ndescription = Test\n" % (LOOM, LOOM))
    if peer_port is not None:
        text += ("[peer %s]\nhost = 127.0.0.1\nport = %d\ngroups = %s\n"
                 "pathhost = %s\n" % (INN, peer_port, groups, INN))
    return text + extra


def loom_article(loom, msgid):
    """ARTICLE msgid from Loom: bytes (CRLF lines, unstuffed) or None."""
    c = loom.connect()
    try:
        code, text = c.cmd("ARTICLE %s" % msgid)
        if code == 430:
            return None
        check(code == 220, "Loom ARTICLE %s: %d %s" % (msgid, code, text))
        return b"".join(l + b"\r\n" for l in c.multiline_bytes())
    finally:
        c.cmd("QUIT")
        c.close()


def loom_group(loom, group):
    """(count, [message-ids]) of a group on Loom (OVER 1-)."""
    c = loom.connect()
    try:
        code, text = c.cmd("GROUP %s" % group)
        check(code == 211, "Loom GROUP %s: %d %s" % (group, code, text))
        n = int(text.split()[0])
        if n == 0:
            return 0, []
        _, lines = c.expect_multi(224, "OVER 1-")
        return n, [l.split("\t")[4] for l in lines]
    finally:
        c.cmd("QUIT")
        c.close()


def loom_post(loom, art):
    c = loom.connect()
    try:
        code, text = c.post(art)
        check(code == 240, "Loom POST: %d %s" % (code, text))
        return text
    finally:
        c.cmd("QUIT")
        c.close()


def loom_peers(loom):
    """{peer name: {'queued': n, 'accepted': n, ..., 'line': raw}}."""
    p = loom.ctl("--config", loom.config_path, "peers")
    check(p.returncode == 0, "loomctl peers: rc %d %s" % (p.returncode, p.stderr))
    out = {}
    for line in p.stdout.splitlines():
        f = line.split("\t")
        d = {"line": line}
        for kv in re.findall(r"\b(queued|offered|accepted|refused|deferred)=(\d+)", line):
            d[kv[0]] = int(kv[1])
        out[f[0]] = d
    return out


def trace_offers(trace, msgid):
    """The offers of msgid ("CHECK", "TAKETHIS", "IHAVE") in an innxmit -d
    trace, and Loom's answers (status codes)."""
    sent = re.findall(r"^> ?(CHECK|TAKETHIS|IHAVE) %s\s*$" % re.escape(msgid), trace, re.M)
    got = [int(c) for c in re.findall(r"^< (\d{3}) %s(?:\s|$)" % re.escape(msgid),
                                      trace, re.M)]
    return sent, got


def ihave_answers(trace):
    """{msgid: [status codes]} of the IHAVE exchanges in an innxmit -d
    trace (the replies to IHAVE and to the article name no message-id)."""
    out, cur = {}, None
    for l in trace.splitlines():
        m = re.match(r"^> ?IHAVE (<\S+>)\s*$", l)
        if m:
            cur = m.group(1)
            out.setdefault(cur, [])
            continue
        m = re.match(r"^< (\d{3})\b", l)
        if m and cur is not None:
            out[cur].append(int(m.group(1)))
    return out


class Relay:
    """A recording TCP relay on 127.0.0.1: what connects to .port is
    joined to 127.0.0.1:.target (set it before the first connection).  It
    records every offer a feeder sends (CHECK/TAKETHIS/IHAVE <id> lines)
    and the receiver's per-id answers, so a test sees exactly what INN
    offered Loom and what Loom said."""

    OFFER = re.compile(rb"^(CHECK|TAKETHIS|IHAVE) (<[^>\s]+>)\s*$")
    ANSWER = re.compile(rb"^(\d{3}) (<[^>\s]+>)")

    def __init__(self, target=None):
        self.target = target
        self.offers = []            # [(verb, msgid)]
        self.answers = []           # [(code, msgid)]
        self.connections = 0
        self.lock = threading.Lock()
        self.closing = False
        self.socks = []
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        for _ in range(10000000):
            if self.closing:
                return
            try:
                c, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            if self.target is None or self.connections >= 50:
                c.close()
                continue
            try:
                s = socket.create_connection(("127.0.0.1", self.target), 5)
            except OSError:
                c.close()
                continue
            with self.lock:
                self.connections += 1
                self.socks += [c, s]
            for src, dst, rx, out in ((c, s, self.OFFER, self.offers),
                                      (s, c, self.ANSWER, self.answers)):
                threading.Thread(target=self._pump, args=(src, dst, rx, out),
                                 daemon=True).start()

    def _pump(self, src, dst, rx, out):
        buf = b""
        src.settimeout(None)
        try:
            for _ in range(100000000):
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
                buf += data
                lines = buf.split(b"\r\n")
                buf = lines.pop()[-4096:]
                for l in lines:
                    m = rx.match(l)
                    if m:
                        with self.lock:
                            out.append((m.group(1).decode(), m.group(2).decode()))
        except OSError:
            pass
        for sk in (src, dst):
            try:
                sk.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def offered(self, msgid):
        with self.lock:
            return [v for v, m in self.offers if m == msgid]

    def answered(self, msgid):
        with self.lock:
            return [int(c) for c, m in self.answers if m == msgid]

    def close(self):
        self.closing = True
        try:
            self.sock.close()
        except OSError:
            pass
        with self.lock:
            socks = list(self.socks)
        for sk in socks:
            try:
                sk.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                sk.close()
            except OSError:
                pass
        self.thread.join(2)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


# --------------------------------------------------------------------------
# INN side

def inn_news_lines(inn, msgid):
    """innd's news-log lines (innd -d output) that name msgid.  innd
    buffers that output: flush first (inn.flush(""))."""
    return [l for l in inn.log_text("innd.out").splitlines()
            if (" %s " % msgid) in l + " "]


def inn_group_count(inn, group):
    with inn.connect(reader=True) as c:
        code, text = c.cmd("GROUP %s" % group)
        check(code == 211, "INN GROUP %s: %d %s" % (group, code, text))
        return int(text.split()[0])


def inn_wait_stored(inn, ids, timeout=WAIT):
    """Wait (bounded) until every id is stored in INN's history; return
    those that are not."""
    missing = list(ids)

    def done():
        missing[:] = [m for m in missing if not inn.history_has(m, stored=True)]
        return not missing
    wait_until(done, timeout, step=0.2)
    return missing


def inn_msgids(inn, group):
    """The Message-IDs in a group on INN, from nnrpd's overview (HDR).
    Unlike history_has(), this needs no "ctlinnd flush ''", which would
    also close innfeed's channel (innd restarts innfeed at the next
    article, and innfeed takes about 2 s to reconnect)."""
    with inn.connect(reader=True) as c:
        code, text = c.cmd("GROUP %s" % group)
        check(code == 211, "INN GROUP %s: %d %s" % (group, code, text))
        if int(text.split()[0]) == 0:
            return []
        code, text = c.cmd("HDR Message-ID 1-")
        check(code == 225, "INN HDR: %d %s" % (code, text))
        return c.block().decode("utf-8", "replace").split()[1::2]


def inn_wait_in_group(inn, group, ids, timeout=WAIT):
    """Wait (bounded) until every id is in the group on INN; return the
    missing ones."""
    missing = list(ids)

    def done():
        have = set(inn_msgids(inn, group))
        missing[:] = [m for m in missing if m not in have]
        return not missing
    wait_until(done, timeout, step=0.05)
    return missing


def inn_post(inn, art):
    """POST through INN's nnrpd (which injects into innd)."""
    with inn.connect(reader=True) as c:
        code, text = c.cmd("POST")
        check(code == 340, "INN POST: %d %s" % (code, text))
        c.send(innmod.Nntp.encode_article(art))
        code, text = c.status()
        check(code == 240, "INN POST: %d %s" % (code, text))
        return text


# --------------------------------------------------------------------------
# 1. INN feeds Loom

def inn_to_loom_articles():
    """A thread (root, reply, reply-to-reply crossposted), a standalone
    article in local.general, one crossposted with a group Loom lacks, and
    one only in the group Loom lacks."""
    root = new_msgid("root")
    r1 = new_msgid("reply1")
    r2 = new_msgid("reply2")
    solo = new_msgid("solo")
    cross = new_msgid("cross")
    unwanted = new_msgid("unwanted")
    arts = [
        (root, make(root, "local.test", "=?UTF-8?Q?Gr=C3=BC=C3=9Fe?= thread root",
                    TRICKY_BODY)),
        (r1, make(r1, "local.test", "Re: thread root",
                  "> quoted\n.\nreply one\n", refs=[root])),
        (r2, make(r2, "local.test,local.general", "Re: thread root",
                  "..\nreply two \u00e9\n", refs=[root, r1], fold_refs=True)),
        (solo, make(solo, "local.general", "standalone", TRICKY_BODY)),
        (cross, make(cross, "local.other,local.test", "crossposted",
                     "crossposted body\n")),
        (unwanted, make(unwanted, "local.other", "not for Loom",
                        "Loom does not carry local.other\n")),
    ]
    return arts, (root, r1, r2, solo, cross, unwanted)


def check_on_loom(loom, sent, where):
    """Each (msgid, article) in sent is on Loom as INN had it."""
    for msgid, art in sent:
        got = loom_article(loom, msgid)
        check(got is not None, "%s: %s not on Loom" % (where, msgid))
        check_same(got, art, "%s %s" % (where, msgid))
        path = value(got, "Path")
        check(path == "%s!%s!%s!not-for-mail" % (LOOM, INN, ORIGIN),
              "%s %s: Path %r" % (where, msgid, path))
        xrefs = fields(got).get("xref", [])
        check(len(xrefs) == 1, "%s %s: Xref fields %r" % (where, msgid, xrefs))
        xref = value(got, "Xref").split()
        check(xref[0] == LOOM, "%s %s: Xref not Loom's: %r" % (where, msgid, xref))
        groups = [x.split(":")[0] for x in xref[1:]]
        want = [g for g in value(art, "Newsgroups").split(",")
                if g in ("local.test", "local.general")]
        check(sorted(groups) == sorted(want),
              "%s %s: Xref groups %r, want %r" % (where, msgid, groups, want))


def check_loom_thread(loom, ids):
    """XTREE on Loom shows ids as a chain (each replies to the previous)."""
    c = loom.connect()
    try:
        c.expect(211, "GROUP local.test")
        _, lines = c.expect_multi(224, "XTREE %s" % ids[-1])
    finally:
        c.cmd("QUIT")
        c.close()
    tree = [(int(l.split("\t")[0]), l.split("\t")[5]) for l in lines]
    check(tree == list(enumerate(ids)), "XTREE on Loom: %r" % lines)
    # Each node's number is its local.test number (all are there).
    check(all(l.split("\t")[1] != "0" for l in lines), "XTREE numbers: %r" % lines)


def test_inn_feeds_loom_innxmit():
    innmod.need_inn()
    with Loomd(config=loom_conf()) as loom, \
            Inn(pathhost=INN, groups=("local.general", "local.test", "local.other"),
                feeds={LOOM: ("127.0.0.1", loom.port, "local.*")}) as inn:
        arts, (root, r1, r2, solo, cross, unwanted) = inn_to_loom_articles()
        for msgid, art in arts:
            code, text = inn.ihave(msgid, art)
            check(code == 235, "IHAVE %s to INN: %d %s" % (msgid, code, text))
        # INN queued all six for Loom (local.* matches local.other too).
        entries = inn.batch_entries(LOOM)
        check(sorted(e.split()[1] for e in entries) == sorted(m for m, _ in arts),
              "INN's batch for %s: %r" % (LOOM, entries))
        t0 = time.monotonic()
        r = inn.innxmit("127.0.0.1", loom.port, site=LOOM)
        dt = time.monotonic() - t0
        trace = r.stdout + r.stderr
        check(r.returncode == 0, "innxmit rc %d\n%s" % (r.returncode, trace))
        harness.diag("innxmit sent %d articles in %.2f s" % (len(arts), dt))
        # innxmit streamed, and took Loom's refusal of the unwanted article
        # as final: the batch is used up (no .work file left to retry).
        check(not os.path.exists(inn.batch_path(LOOM) + ".work"),
              "innxmit left %s.work:\n%s" % (inn.batch_path(LOOM), trace))
        check(not inn.batch_entries(LOOM), "INN's batch not empty after innxmit")
        # Streamed: CHECK then TAKETHIS for each; Loom said 238, then 239
        # (439 for the group it does not carry).
        for msgid, _ in arts:
            sent, got = trace_offers(trace, msgid)
            want = [238, 439] if msgid == unwanted else [238, 239]
            check(sent == ["CHECK", "TAKETHIS"] and got == want,
                  "innxmit %s: sent %r, Loom said %r\n%s" % (msgid, sent, got, trace))
        loom.wait_log(r"refused msgid=%s: Unwanted newsgroups" % re.escape(unwanted))
        check_on_loom(loom, [a for a in arts if a[0] != unwanted], "innxmit")
        check(loom_article(loom, unwanted) is None, "unwanted article stored on Loom")
        check_loom_thread(loom, (root, r1, r2))
        n, ids = loom_group(loom, "local.test")
        check(sorted(ids) == sorted([root, r1, r2, cross]), "local.test on Loom: %r" % ids)
        n, ids = loom_group(loom, "local.general")
        check(sorted(ids) == sorted([r2, solo]), "local.general on Loom: %r" % ids)
        # A second innxmit of the same articles: Loom refuses every one at
        # CHECK (it has them, or remembers the refusal); nothing is stored
        # twice.
        batch = os.path.join(inn.outgoing, "again")
        with open(batch, "w") as f:
            for msgid, _ in arts:
                f.write("%s %s\n" % (inn.history_token(msgid), msgid))
        os.chown(batch, inn.uid, inn.gid)
        r = inn.innxmit("127.0.0.1", loom.port, batchfile=batch)
        trace2 = r.stdout + r.stderr
        check(r.returncode == 0, "second innxmit rc %d\n%s" % (r.returncode, trace2))
        for msgid, _ in arts:
            sent, got = trace_offers(trace2, msgid)
            check(sent == ["CHECK"] and got == [438],
                  "second innxmit %s: sent %r, Loom said %r\n%s"
                  % (msgid, sent, got, trace2))
        check(loom_group(loom, "local.test")[0] == 4, "local.test count changed")
        # innxmit -s (no streaming: IHAVE): a new article, a new one for
        # the group Loom lacks, and two Loom has seen (stored; refused).
        ih1, ih2 = new_msgid("ihave1"), new_msgid("ihave2")
        iarts = [(ih1, make(ih1, "local.test", "Re: thread root", TRICKY_BODY,
                            refs=[root, r1, r2])),
                 (ih2, make(ih2, "local.other", "IHAVE, not for Loom", "z\n"))]
        for msgid, art in iarts:
            code, text = inn.ihave(msgid, art)
            check(code == 235, "IHAVE %s to INN: %d %s" % (msgid, code, text))
        with open(batch, "w") as f:
            for msgid in (ih1, ih2, root, unwanted):
                f.write("%s %s\n" % (inn.history_token(msgid), msgid))
        os.chown(batch, inn.uid, inn.gid)
        r = inn.innxmit("127.0.0.1", loom.port, batchfile=batch, args=("-d", "-s"))
        trace3 = r.stdout + r.stderr
        check(r.returncode == 0, "innxmit -s rc %d\n%s" % (r.returncode, trace3))
        got = ihave_answers(trace3)
        want = {ih1: [335, 235], ih2: [335, 437], root: [435], unwanted: [435]}
        check(got == want, "innxmit -s: Loom said %r, want %r\n%s" % (got, want, trace3))
        check_on_loom(loom, iarts[:1], "innxmit -s")
        check(loom_article(loom, ih2) is None, "unwanted IHAVE article stored")
        check_loom_thread(loom, (root, r1, r2, ih1))
        harness.diag("innxmit -s (IHAVE): %r" % sorted(got.values()))


def test_inn_feeds_loom_innfeed():
    innmod.need_inn()
    with Loomd(config=loom_conf()) as loom, Relay(loom.port) as relay, \
            Inn(pathhost=INN, groups=("local.general", "local.test", "local.other"),
                feeds={LOOM: ("127.0.0.1", relay.port, "local.*", "innfeed")}) as inn:
        arts, (root, r1, r2, solo, cross, unwanted) = inn_to_loom_articles()
        # The unwanted one first: innfeed must go on after Loom's refusal.
        arts.sort(key=lambda a: a[0] != unwanted)
        t0 = time.monotonic()
        for msgid, art in arts:
            code, text = inn.ihave(msgid, art)
            check(code == 235, "IHAVE %s to INN: %d %s" % (msgid, code, text))
        wanted = [m for m, _ in arts if m != unwanted]
        missing = []

        def arrived():
            missing[:] = [m for m in wanted if loom_article(loom, m) is None]
            return not missing
        check(wait_until(arrived, WAIT, 0.2),
              "innfeed did not deliver %r within %.0f s\ninnfeed.log:\n%s"
              % (missing, WAIT, inn.log_text("innfeed.log")[-2000:]))
        harness.diag("innfeed delivered %d articles in %.2f s"
                     % (len(wanted), time.monotonic() - t0))
        check_on_loom(loom, [a for a in arts if a[0] != unwanted], "innfeed")
        loom.wait_log(r"refused msgid=%s: Unwanted newsgroups" % re.escape(unwanted))
        check(loom_article(loom, unwanted) is None, "unwanted article stored on Loom")
        check_loom_thread(loom, (root, r1, r2))
        # innfeed offered each article once (CHECK, TAKETHIS; innfeed may
        # skip the CHECK), Loom took it (239) or refused the unwanted one
        # (439), and innfeed did not offer that one again.
        for msgid, _ in arts:
            sent, got = relay.offered(msgid), relay.answered(msgid)
            want = 439 if msgid == unwanted else 239
            check(sent.count("TAKETHIS") == 1 and "IHAVE" not in sent
                  and got[-1:] == [want] and got.count(want) == 1,
                  "innfeed %s: sent %r, Loom said %r" % (msgid, sent, got))
        harness.diag("innfeed over %d connection(s): %s" % (
            relay.connections, ", ".join("%s %s" % o for o in relay.offers[:4])))


# --------------------------------------------------------------------------
# 2. Loom feeds INN

NO_STREAMING_INCOMING = ("# Private INN for Loom interop tests: no streaming\n"
                         "streaming: false\nmax-connections: 0\n\n"
                         'peer localhost {\n  hostname: "127.0.0.1"\n'
                         "  streaming: false\n}\n")


def loom_feeds_inn(streaming):
    innmod.need_inn()
    with Inn(pathhost=INN, groups=("local.general", "local.test")) as inn:
        if not streaming:
            # innd then answers MODE STREAM with 501: Loom must use IHAVE.
            # (Written after start, as Inn.start() may rewrite its configs,
            # and before Loom starts, as its feeder connects at once.)
            with open(inn.path("etc", "incoming.conf"), "w") as f:
                f.write(NO_STREAMING_INCOMING)
            inn.ctlinnd_ok("reload", "incoming.conf", "no streaming for this test")
        with Loomd(config=loom_conf(inn.port, extra=(
                "[group misc.test]\ndescription = Not in the peer's wildmat\n"
                "[group local.loomonly]\ndescription = INN lacks it\n"))) as loom:
            loom_feeds_inn_run(inn, loom, streaming)


def loom_feeds_inn_run(inn, loom, streaming):
    """Loom (peer inn.test, groups local.*) feeds the running INN."""
    root = new_msgid("lroot")
    r1 = new_msgid("lreply1")
    r2 = new_msgid("lreply2")
    gen = new_msgid("lgen")
    posts = [
        (root, make(root, "local.test", "Loom thread", TRICKY_BODY, path=None)),
        (r1, make(r1, "local.test", "Re: Loom thread", ".\n..\nok\n",
                  refs=[root], path=None)),
        (r2, make(r2, "local.test,local.general", "Re: Loom thread",
                  "caf\u00e9 \u2713\n", refs=[root, r1], path=None,
                  fold_refs=True)),
        (gen, make(gen, "local.general", "general", TRICKY_BODY, path=None)),
    ]
    t0 = time.monotonic()
    for msgid, art in posts:
        loom_post(loom, art)
    # Not offered to INN: a group outside the peer's wildmat, and an
    # article whose Path already holds INN's identity (as if INN had
    # sent it).
    other = new_msgid("lmisc")
    loom_post(loom, make(other, "misc.test", "not fed", "x\n", path=None))
    been = new_msgid("been-there")
    been_art = make(been, "local.test", "came through INN", "seen\n",
                    path="%s!%s!not-for-mail" % (INN, ORIGIN))
    # Offered and refused by INN: one it already has (from elsewhere),
    # and one for a group it does not carry.
    dup = new_msgid("ldup")
    dup_art = make(dup, "local.test", "both have it", "dup\n")
    code, text = inn.ihave(dup, dup_art)
    check(code == 235, "IHAVE %s to INN: %d %s" % (dup, code, text))
    c = loom.connect()
    for msgid, art in ((been, been_art), (dup, dup_art)):
        code, text = c.ihave(msgid, art)
        check(code == 235, "IHAVE %s to Loom: %d %s" % (msgid, code, text))
    c.close()
    trash = new_msgid("ltrash")
    loom_post(loom, make(trash, "local.loomonly", "INN lacks the group", "t\n",
                         path=None))
    # A marker posted last: once INN has it, the feeder has offered
    # everything queued before it.
    marker = new_msgid("lmarker")
    loom_post(loom, make(marker, "local.test", "marker", "end\n", path=None))
    ids = [m for m, _ in posts] + [marker]
    missing = inn_wait_stored(inn, ids)
    check(not missing, "not in INN after %.0f s: %r\nLoom peers: %r\nlog:\n%s"
          % (WAIT, missing, loom_peers(loom), harness.tail(loom.log_text())))
    harness.diag("Loom fed %d articles to INN in %.2f s"
                 % (len(ids), time.monotonic() - t0))
    for msgid, art in posts:
        got = inn.article(msgid)
        check(got is not None, "INN's nnrpd lacks %s" % msgid)
        check_same(got, art, "INN %s" % msgid)
        path = value(got, "Path")
        check(path.startswith("%s!%s!.POSTED" % (INN, LOOM)),
              "INN %s: Path %r" % (msgid, path))
        check(value(got, "Xref").split()[0] == INN, "INN %s: Xref %r"
              % (msgid, value(got, "Xref")))
    # INN's history (which remembers refusals too) has never heard of
    # the two that must not be offered.
    check(not inn.history_has(other), "%s (misc.test) reached INN" % other)
    check(not inn.history_has(been), "%s (Path has %s) was sent to INN" % (been, INN))
    check(inn.history_token(trash) in (None, "/dev/null"),
          "%s stored by INN: %r" % (trash, inn.history_token(trash)))
    check(inn_group_count(inn, "local.test") == 5, "INN local.test count")
    # Loom's counters: offered = sent articles (the dup was refused
    # before its transfer), the dup and the trash refused, the queue
    # empty.
    n = len(ids)

    def settled():
        p = loom_peers(loom).get(INN, {})
        return p if (p.get("queued") == 0 and p.get("accepted") == n
                     and p.get("refused") == 2) else None
    p = wait_until(settled, WAIT, 0.3)
    check(p, "loomctl peers: %r (want queued=0 accepted=%d refused=2)"
          % (loom_peers(loom), n))
    check(p.get("offered") == n + 1 and p.get("deferred") == 0,
          "loomctl peers: %r" % p["line"])
    mode = "connected streaming" if streaming else "connected ihave"
    check(mode in p["line"], "loomctl peers (want %s): %r" % (mode, p["line"]))
    loom.wait_log(r"feed=%s connected to 127\.0\.0\.1:%d \(%s\)"
                  % (re.escape(INN), inn.port, "streaming" if streaming else "IHAVE"))
    harness.diag("loomctl peers: %s" % p["line"])


def test_loom_feeds_inn_streaming():
    loom_feeds_inn(streaming=True)


def test_loom_feeds_inn_ihave():
    loom_feeds_inn(streaming=False)


# --------------------------------------------------------------------------
# 3. INN pulls from Loom

def test_inn_pulls_from_loom():
    innmod.need_inn()
    with Loomd(config=loom_conf()) as loom, \
            Inn(pathhost=INN, groups=("local.general", "local.test")) as inn:
        posts = []
        prev = []
        for i in range(8):
            m = new_msgid("pull%d" % i)
            body = TRICKY_BODY if i % 2 == 0 else ".\nline %d\n..\n" % i
            art = make(m, "local.test", "pulled %d" % i, body, refs=prev[-2:] or None,
                       path=None)
            loom_post(loom, art)
            posts.append((m, art))
            prev.append(m)
        gen = new_msgid("pullgen")
        loom_post(loom, make(gen, "local.general", "other group", "y\n", path=None))
        t0 = time.monotonic()
        r = inn.pullnews("127.0.0.1", loom.port, groups=("local.test",))
        log = inn.log_text("pullnews.log")
        check(r.returncode == 0, "pullnews rc %d: %s%s\n%s"
              % (r.returncode, r.stdout, r.stderr, log[-2000:]))
        harness.diag("pullnews took %.2f s" % (time.monotonic() - t0))
        for msgid, art in posts:
            got = inn.article(msgid)
            check(got is not None, "pulled %s not on INN; pullnews.log:\n%s"
                  % (msgid, log[-2000:]))
            check_same(got, art, "pulled %s" % msgid)
            path = value(got, "Path")
            check(path.startswith("%s!%s!" % (INN, LOOM)), "pulled %s: Path %r"
                  % (msgid, path))
        check(inn_group_count(inn, "local.test") == len(posts), "INN local.test count")
        check(not inn.history_has(gen), "local.general was pulled too")
        # A second pull finds nothing new.
        r = inn.pullnews("127.0.0.1", loom.port, groups=("local.test",))
        check(r.returncode == 0, "second pullnews rc %d" % r.returncode)
        check(inn_group_count(inn, "local.test") == len(posts),
              "second pull changed the count")


# --------------------------------------------------------------------------
# 4. Both ways at once

def test_both_ways_no_loops():
    innmod.need_inn()
    # INN feeds Loom in real time (innfeed, through a recording relay);
    # Loom feeds INN through its [peer].  The relay's target is set once
    # Loom runs (innfeed connects only when it has an article).
    with Relay() as relay, \
            Inn(pathhost=INN, groups=("local.general", "local.test"),
                feeds={LOOM: ("127.0.0.1", relay.port, "local.*", "innfeed")}) as inn, \
            Loomd(config=loom_conf(inn.port)) as loom:
        relay.target = loom.port
        chain = []
        on_loom, on_inn = [], []
        t0 = time.monotonic()
        for i in range(6):
            m = new_msgid("both%d" % i)
            subj = "both ways" if i == 0 else "Re: both ways"
            body = TRICKY_BODY if i in (0, 3) else "part %d\n.\n" % i
            art = make(m, "local.test", subj, body, refs=list(chain) or None,
                       path=None)
            if i % 2 == 0:
                # On Loom, replying to what came from INN.
                if chain:
                    check(wait_until(lambda: loom_article(loom, chain[-1])),
                          "%s never reached Loom" % chain[-1])
                loom_post(loom, art)
                on_loom.append((m, art))
            else:
                # On INN (POST to nnrpd), replying to what came from Loom.
                check(not inn_wait_in_group(inn, "local.test", [chain[-1]]),
                      "%s never reached INN" % chain[-1])
                inn_post(inn, art)
                on_inn.append((m, art))
            chain.append(m)
        ids = list(chain)
        missing = inn_wait_in_group(inn, "local.test", ids)
        check(not missing, "INN lacks %r" % missing)
        check(wait_until(lambda: all(loom_article(loom, m) for m in ids)),
              "Loom lacks some of %r" % ids)
        harness.diag("6-article thread converged in %.2f s" % (time.monotonic() - t0))
        # Then a burst: replies to the last one, posted alternately on each
        # side without waiting, while both feeds run.
        thread = list(ids)
        burst = []
        for i in range(BURST):
            for side in ("loom", "inn"):
                m = new_msgid("burst-%s%d" % (side, i))
                art = make(m, "local.test", "Re: both ways", "burst %d\n.\n" % i,
                           refs=thread, path=None)
                if side == "loom":
                    loom_post(loom, art)
                    on_loom.append((m, art))
                else:
                    inn_post(inn, art)
                    on_inn.append((m, art))
                burst.append(m)
        ids += burst
        # A marker each way, sent after everything: once each has arrived,
        # each feed has dealt with every earlier article, so a loop would
        # show by now.
        ml, mi = new_msgid("mark-loom"), new_msgid("mark-inn")
        loom_post(loom, make(ml, "local.general", "marker", "m\n", path=None))
        inn_post(inn, make(mi, "local.general", "marker", "m\n", path=None))
        check(not inn_wait_in_group(inn, "local.general", [ml]),
              "marker %s never reached INN" % ml)
        check(wait_until(lambda: loom_article(loom, mi)), "marker %s never reached Loom" % mi)
        # Each side has each article once.
        missing = inn_wait_in_group(inn, "local.test", ids)
        check(not missing, "INN lacks %r" % missing)
        wait_until(lambda: loom_group(loom, "local.test")[0] >= len(ids))
        n, lids = loom_group(loom, "local.test")
        check(n == len(ids) and sorted(lids) == sorted(ids),
              "Loom local.test: %d %r" % (n, lids))
        iids = inn_msgids(inn, "local.test")
        check(inn_group_count(inn, "local.test") == len(ids)
              and sorted(iids) == sorted(ids), "INN local.test: %r" % iids)
        harness.diag("both sides have the %d articles of local.test once each, "
                     "%.2f s after the first post" % (len(ids), time.monotonic() - t0))
        for m, art in on_loom + [(ml, None)]:
            got = inn.article(m)
            check(got is not None, "INN lacks %s" % m)
            if art is not None:
                check_same(got, art, "INN %s" % m)
            check(value(got, "Path").startswith("%s!%s!" % (INN, LOOM)),
                  "INN %s Path %r" % (m, value(got, "Path")))
            # INN never offered Loom's own articles back to Loom.
            check(not relay.offered(m), "INN offered %s back to Loom: %r"
                  % (m, relay.offered(m)))
        for m, art in on_inn + [(mi, None)]:
            got = loom_article(loom, m)
            if art is not None:
                check_same(got, art, "Loom %s" % m)
            check(value(got, "Path").startswith("%s!%s!" % (LOOM, INN)),
                  "Loom %s Path %r" % (m, value(got, "Path")))
            check(relay.offered(m).count("TAKETHIS") == 1
                  and relay.answered(m).count(239) == 1,
                  "INN -> Loom %s: sent %r, Loom said %r"
                  % (m, relay.offered(m), relay.answered(m)))
        # INN accepted each article once (one news-log line each) and never
        # got one of its own back: Loom offered only its own articles
        # (offered == accepted, nothing refused, queue empty).
        # innd's news log: "DATE TIME + FEEDER <id> SIZE [SITES...]".  INN
        # queued its own articles for loom.test and Loom's for no one (Path
        # holds loom.test).
        inn.flush("")
        loom_ids = set(m for m, _ in on_loom) | {ml}
        for m in ids + [ml, mi]:
            lines = inn_news_lines(inn, m)
            check(len(lines) == 1, "INN news log for %s: %r" % (m, lines))
            w = lines[0].split()
            k = w.index(m)
            check(w[k - 2] == "+", "INN did not accept %s: %r" % (m, lines))
            sites = w[k + 2:]
            want = [] if m in loom_ids else [LOOM]
            check(sites == want, "INN queued %s for %r, want %r" % (m, sites, want))
        check("Loop" not in loom.log_text(), "Loom refused a loop:\n%s"
              % "\n".join(l for l in loom.log_lines() if "Loop" in l))
        n_loom = len(on_loom) + 1

        def settled():
            p = loom_peers(loom).get(INN, {})
            return p if p.get("queued") == 0 and p.get("accepted") == n_loom else None
        p = wait_until(settled, WAIT, 0.3)
        check(p and p.get("offered") == n_loom and p.get("refused") == 0,
              "loomctl peers: %r" % loom_peers(loom))
        harness.diag("loomctl peers: %s" % p["line"])
        harness.diag("INN -> Loom offers: %d, Loom -> INN: offered=%d"
                     % (len(relay.offers), p["offered"]))
        # XTREE on Loom shows the whole thread as a chain.
        c = loom.connect()
        _, lines = c.expect_multi(224, "XTREE %s" % thread[-1])
        c.close()
        tree = [(int(l.split("\t")[0]), l.split("\t")[5]) for l in lines]
        check(tree[:len(thread)] == list(enumerate(thread))
              and sorted(tree[len(thread):]) == sorted((len(thread), m) for m in burst),
              "XTREE: %r" % lines)


if __name__ == "__main__":
    harness.main(globals())
