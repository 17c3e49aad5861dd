#!/usr/bin/env python3
"""Outgoing feeds between two Loom servers on loopback."""
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Loomd, make_article, unique_msgid  # noqa: E402

WAIT = 45.0     # seconds a feed may take to deliver, at most


def free_port():
    """A port the kernel just had free (the servers bind it right after)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def conf(pathhost, peers=()):
    text = "[server]\npathhost = %s\ndomain = %s\n" % (pathhost, pathhost)
    for name, port, groups in peers:
        text += ("[peer %s]\nhost = 127.0.0.1\nport = %d\npathhost = %s\n"
                 "groups = %s\n" % (name, port, name, groups))
    return text


def count(d, group="local.test"):
    c = d.connect()
    code, text = c.cmd("GROUP %s" % group)
    c.cmd("QUIT")
    return int(text.split()[0])


def wait_count(d, want, group="local.test"):
    deadline = time.time() + WAIT
    n = count(d, group)
    while n < want and time.time() < deadline:
        time.sleep(0.1)
        n = count(d, group)
    return n


def msgids(d, group="local.test"):
    c = d.connect()
    c.expect(211, "GROUP %s" % group)
    text, lines = c.expect_multi(224, "OVER 1-")
    return [l.split("\t")[4] for l in lines]


def test_post_on_a_read_on_b():
    pb = free_port()
    with Loomd(config=conf("b.test")) as b, \
            Loomd(config=conf("a.test", [("b.test", b.port, "local.*")])) as a:
        c = a.connect()
        mids = []
        for i in range(20):
            code, text = c.post(make_article(subject="fed %d" % i,
                                             message_id=True))
            assert code == 240, (code, text)
            mids.append(text.split()[-1])
        # A group the wildmat excludes is not sent.
        c.post(make_article(newsgroups="misc.other", message_id=True))
        assert wait_count(b, 20) == 20
        got = msgids(b)
        assert sorted(got) == sorted(mids), (got, mids)
        cb = b.connect()
        text, lines = cb.expect_multi(220, "ARTICLE %s" % mids[0])
        path = [l for l in lines if l.startswith("Path: ")][0]
        assert path.startswith("Path: b.test!a.test!"), path
        # loomctl peers, from another process, sees the feed's state.
        deadline = time.time() + WAIT
        while True:
            p = a.ctl("--config", a.config_path, "peers")
            assert p.returncode == 0, p.stderr
            line = p.stdout.strip()
            if "accepted=20" in line or time.time() > deadline:
                break
            time.sleep(0.5)
        fields = line.split("\t")
        assert fields[0] == "b.test" and fields[3] == "queued=0", line
        assert "connected streaming" in line and "accepted=20" in line, line
        del pb


def test_both_ways_no_loops_and_threads_converge():
    pa, pb = free_port(), free_port()
    la, lb = ("127.0.0.1:%d" % pa,), ("127.0.0.1:%d" % pb,)
    with Loomd(config=conf("a.test", [("b.test", pb, "*")]), listen=la) as a, \
            Loomd(config=conf("b.test", [("a.test", pa, "*")]),
                  listen=lb) as b:
        ca, cb = a.connect(), b.connect()
        root = unique_msgid()
        assert ca.post(make_article(subject="thread", message_id=root))[0] == 240
        assert wait_count(b, 1) == 1
        # Replies alternate between the servers, each to the previous.
        prev, chain = root, [root]
        for i in range(6):
            m = unique_msgid()
            side = cb if i % 2 == 0 else ca
            code, text = side.post(make_article(
                subject="Re: thread", message_id=m,
                references=" ".join(chain)))
            assert code == 240, (code, text)
            chain.append(m)
            prev = m
        assert wait_count(a, 7) == 7 and wait_count(b, 7) == 7
        time.sleep(1.0)   # anything looping back would show by now
        assert count(a) == 7 and count(b) == 7
        trees = []
        for c in (ca, cb):
            text, lines = c.expect_multi(224, "XTREE %s" % prev)
            trees.append([(l.split("\t")[0], l.split("\t")[5]) for l in lines])
        assert trees[0] == trees[1], trees
        assert [int(d) for d, _ in trees[0]] == list(range(7))


def test_sender_killed_mid_stream_nothing_lost_nothing_twice():
    pb = free_port()
    lb = ("127.0.0.1:%d" % pb,)
    with Loomd(config=conf("b.test"), listen=lb) as b, \
            Loomd(config=conf("a.test", [("b.test", pb, "local.*")])) as a:
        c = a.connect()
        c.expect(203, "MODE STREAM")
        mids = [unique_msgid() for _ in range(400)]
        buf = []
        for m in mids:
            art = make_article(message_id=m, body="x\n" * 50,
                               date=time.strftime(
                                   "%a, %d %b %Y %H:%M:%S +0000",
                                   time.gmtime()),
                               headers=[("Path", "src.test!not-for-mail")])
            block = art.replace("\n", "\r\n").encode() + b".\r\n"
            buf.append(("TAKETHIS %s\r\n" % m).encode() + block)
        c.send(b"".join(buf))
        for m in mids:
            line = c.line()
            assert line.startswith("239 "), line
        # Every article is committed on A; kill it while it feeds B.
        a.kill9()
        partial = count(b)
        a.start()
        assert wait_count(b, 400) == 400, count(b)
        got = msgids(b)
        assert len(got) == 400 and sorted(got) == sorted(mids)
        harness.diag("B had %d of 400 when A was killed" % partial)


class IhaveOnlyPeer:
    """A peer that does not stream: MODE STREAM gets 500, so the feeder
    must fall back to IHAVE.  It wants every article once, and says 436
    to the first offer of one chosen Message-ID to test the retry."""

    def __init__(self, defer=None):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.sock.settimeout(WAIT)
        self.port = self.sock.getsockname()[1]
        self.got = {}
        self.defer = defer
        self.deferred = 0
        self.log = []

    def serve(self, want):
        """Handle connections until `want` articles arrived (bounded)."""
        deadline = time.time() + WAIT
        while len(self.got) < want and time.time() < deadline:
            conn, _ = self.sock.accept()
            conn.settimeout(WAIT)
            f = conn.makefile("rb")
            conn.sendall(b"200 fake peer\r\n")
            while len(self.got) < want and time.time() < deadline:
                line = f.readline().decode().rstrip("\r\n")
                if not line:
                    break
                self.log.append(line)
                verb, _, arg = line.partition(" ")
                if verb == "MODE":
                    conn.sendall(b"500 What?\r\n")
                elif verb == "IHAVE":
                    if arg in self.got:
                        conn.sendall(b"435 Duplicate\r\n")
                    elif arg == self.defer and not self.deferred:
                        self.deferred = 1
                        conn.sendall(b"436 Later\r\n")
                    else:
                        conn.sendall(b"335 Send it\r\n")
                        body = []
                        while True:
                            l = f.readline()
                            if l in (b".\r\n", b""):
                                break
                            body.append(l)
                        self.got[arg] = b"".join(body)
                        conn.sendall(b"235 Thanks\r\n")
                else:
                    conn.sendall(b"500 What?\r\n")
            conn.close()
        self.sock.close()


def test_feed_falls_back_to_ihave_and_retries_436():
    mids = [unique_msgid() for _ in range(5)]
    peer = IhaveOnlyPeer(defer=mids[2])
    with Loomd(config=conf("a.test", [("old.test", peer.port, "*")])) as a:
        c = a.connect()
        for m in mids:
            code, text = c.post(make_article(message_id=m))
            assert code == 240, (code, text)
        peer.serve(5)
        # 436 holds an article for a later pass (30 s): wait for it.
        assert sorted(peer.got) == sorted(mids), (sorted(peer.got), peer.log)
        assert "MODE STREAM" in peer.log and peer.deferred == 1
        assert not any(l.startswith(("CHECK", "TAKETHIS")) for l in peer.log)
        art = peer.got[mids[0]].decode()
        assert art.startswith("Path: a.test!"), art[:80]


def test_pull_copies_what_we_lack_and_resumes():
    pa = free_port()
    with Loomd(config=conf("b.test")) as b:
        cb = b.connect()
        mids = []
        for i in range(30):
            code, text = cb.post(make_article(subject="pull %d" % i,
                                              message_id=True,
                                              body="line %d\n.dot\n" % i))
            assert code == 240, (code, text)
            mids.append(text.split()[-1])
        cb.post(make_article(newsgroups="local.general", message_id=True))
        aconf = ("[server]\nlisten = 127.0.0.1:%d\npathhost = a.test\n"
                 "[peer b.test]\nhost = 127.0.0.1\nport = %d\n"
                 "groups = local.test\n" % (pa, b.port))
        with Loomd(config=aconf, listen=("127.0.0.1:%d" % pa,)) as a:
            p = a.ctl("--config", a.config_path, "pull", "b.test")
            assert p.returncode == 0, (p.stdout, p.stderr)
            assert "pulled 30 new articles" in p.stdout, p.stdout
            assert sorted(msgids(a)) == sorted(mids)
            # local.general was not asked for.
            assert count(a, "local.general") == 0
            # Bodies arrive intact (dot-stuffing included).
            ca = a.connect()
            text, lines = ca.expect_multi(222, "BODY %s" % mids[3])
            assert lines == ["line 3", ".dot"], lines
            # Again: nothing new, nothing re-fetched.
            p = a.ctl("--config", a.config_path, "pull", "b.test")
            assert "pulled 0 new articles" in p.stdout, p.stdout
            # More at the peer: only those come.
            for i in range(5):
                assert cb.post(make_article(message_id=True))[0] == 240
            p = a.ctl("--config", a.config_path, "pull", "b.test")
            assert "pulled 5 new articles" in p.stdout, p.stdout
            assert "0 already here" in p.stdout, p.stdout
            assert count(a) == 35


def peer_section(name, port, groups="*", pathhost=None):
    return ("[peer %s]\nhost = 127.0.0.1\nport = %d\npathhost = %s\n"
            "groups = %s\n" % (name, port, pathhost or name, groups))


def reconfigure(d, text):
    """Rewrite d's config file, SIGHUP it and wait until the new peer set
    is applied; returns the log offset from before the SIGHUP."""
    mark = d.log_size()
    with open(d.config_path, "w") as f:
        f.write(text)
    d.sighup()
    d.wait_log(r"reload: \d+ peers, \d+ fed", since=mark)
    return mark


def post_n(d, n, subject="reload"):
    c = d.connect()
    mids = []
    for i in range(n):
        code, text = c.post(make_article(subject="%s %d" % (subject, i),
                                         message_id=True))
        assert code == 240, (code, text)
        mids.append(text.split()[-1])
    c.cmd("QUIT")
    return mids


def test_reload_adds_a_peer():
    with Loomd(config=conf("b.test")) as b, \
            Loomd(config=conf("a.test")) as a:
        post_n(a, 2, "before")          # no peer yet: queued for nobody
        mark = reconfigure(a, conf("a.test") + peer_section("b.test", b.port))
        a.wait_log(r"feed=b.test added", since=mark)
        mids = post_n(a, 3, "after")
        assert wait_count(b, 3) == 3
        assert sorted(msgids(b)) == sorted(mids)
        a.wait_log(r"feed=b.test connected to 127.0.0.1:%d" % b.port,
                   since=mark)


def test_reload_renamed_peer_still_delivered():
    with Loomd(config=conf("b.test")) as b, \
            Loomd(config=conf("a.test") + peer_section(
                "old-name", b.port, pathhost="b.test")) as a:
        first = post_n(a, 3, "old name")
        assert wait_count(b, 3) == 3
        mark = reconfigure(a, conf("a.test") + peer_section(
            "new-name", b.port, pathhost="b.test"))
        a.wait_log(r"feed=old-name removed", since=mark)
        a.wait_log(r"feed=new-name added", since=mark)
        # Queued under the new name, and a feeder of that name sends it.
        later = post_n(a, 4, "new name")
        assert wait_count(b, 7) == 7, count(b)
        assert sorted(msgids(b)) == sorted(first + later)
        p = a.ctl("--config", a.config_path, "peers")
        assert p.returncode == 0, p.stderr
        assert p.stdout.startswith("new-name\t"), p.stdout


def test_reload_removed_peer_stops_its_feeder():
    with Loomd(config=conf("b.test")) as b, \
            Loomd(config=conf("a.test") + peer_section("b.test",
                                                       b.port)) as a:
        post_n(a, 2, "fed")
        assert wait_count(b, 2) == 2
        old_conf = open(a.config_path).read()
        bmark = b.log_size()
        mark = reconfigure(a, conf("a.test"))
        a.wait_log(r"feed=b.test removed; its 0 queued articles stay",
                   since=mark)
        post_n(a, 3, "not fed")
        time.sleep(2.0)
        assert count(b) == 2
        # Nothing was queued for it, and its last state says why.
        other = os.path.join(a.tmp, "with-b.conf")
        with open(other, "w") as f:
            f.write(old_conf)
        p = a.ctl("--config", other, "peers")
        assert p.returncode == 0, p.stderr
        line = p.stdout.strip()
        assert "queued=0" in line and "disconnected" in line, line
        assert "removed from the configuration" in line, line
        # Its connection is gone: B saw the feed's session end.
        b.wait_log(r"closed reason=eof", since=bmark)


def test_reload_port_change_reconnects():
    with Loomd(config=conf("b.test")) as b1, \
            Loomd(config=conf("b.test")) as b2, \
            Loomd(config=conf("a.test") + peer_section("b.test",
                                                       b1.port)) as a:
        first = post_n(a, 2, "to b1")
        assert wait_count(b1, 2) == 2
        mark = reconfigure(a, conf("a.test") + peer_section("b.test",
                                                            b2.port))
        a.wait_log(r"feed=b.test now 127.0.0.1:%d: reconnecting" % b2.port,
                   since=mark)
        a.wait_log(r"feed=b.test connected to 127.0.0.1:%d" % b2.port,
                   since=mark)
        later = post_n(a, 3, "to b2")
        assert wait_count(b2, 3) == 3
        assert sorted(msgids(b2)) == sorted(later)
        assert sorted(msgids(b1)) == sorted(first)


def test_reload_unresolvable_host_keeps_the_old_address():
    with Loomd(config=conf("b.test")) as b, \
            Loomd(config=conf("a.test") + peer_section("b.test",
                                                       b.port)) as a:
        post_n(a, 1, "before")
        assert wait_count(b, 1) == 1
        mark = a.log_size()
        with open(a.config_path, "w") as f:
            f.write(conf("a.test") + peer_section("b.test", b.port).replace(
                "127.0.0.1", "no-such-host.invalid"))
        a.sighup()
        # A name server may take its time to say no; the loop does not
        # wait for it (the server answers meanwhile).
        a.connect().expect(200, "MODE READER")
        a.wait_log(r"reload: \d+ peers, \d+ fed", since=mark, timeout=60)
        a.wait_log(r"\[peer b.test\] keeps its old address \(127.0.0.1\)",
                   since=mark)
        assert "reconnecting" not in a.log_text()[mark:]
        post_n(a, 2, "after")
        assert wait_count(b, 3) == 3


if __name__ == "__main__":
    harness.main(globals())
