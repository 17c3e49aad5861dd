#!/usr/bin/env python3
"""Articles from peers: IHAVE (RFC 3977 6.3.2) and streaming (RFC 4644)."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import (Loomd, make_article, now_date, relayed,  # noqa: E402
                     unique_msgid, wire)




def test_ihave_codes():
    with Loomd() as d:
        c = d.connect()
        mid = unique_msgid()
        code, text = c.ihave(mid, relayed(mid))
        assert code == 235, (code, text)
        # Offered again: refused before transfer (435), as history says.
        c.expect(435, "IHAVE %s" % mid)
        # Not an RFC 5536 msg-id: 435, as innd answers, so a feeding peer
        # drops it and goes on; "<junk>" has no "@".
        for bad in ("not-a-msgid", "junk", "<junk", "<junk>", "<a..b@c>",
                    "<%s@x>" % ("a" * 300)):
            code, text = c.cmd("IHAVE %s" % bad)
            assert code == 435, (bad, code, text)
        # A missing or extra argument is a syntax error: 501, never 500.
        c.expect(501, "IHAVE")
        c.expect(501, "IHAVE %s extra" % unique_msgid())
        # Stored with our Path identity first, and readable.
        c.expect(211, "GROUP local.test")
        text, lines = c.expect_multi(220, "ARTICLE %s" % mid)
        path = [l for l in lines if l.lower().startswith("path:")]
        assert path == ["Path: loom.invalid!peer.example!not-for-mail"], path
        xref = [l for l in lines if l.lower().startswith("xref:")]
        assert xref == ["Xref: loom.invalid local.test:1"], xref


def test_ihave_refusals_are_437_and_remembered():
    with Loomd() as d:
        c = d.connect()
        cases = [
            ("unwanted group", relayed(unique_msgid(), groups="no.such.group")),
            ("loop", relayed(None, path="loom.invalid!peer.example!x")),
            ("no Date", make_article(message_id=True,
                                     headers=[("Path", "p!x")])),
            ("too old", relayed(None, date="Mon, 01 Jan 2001 00:00:00 +0000")),
            ("future", relayed(None, date=now_date(7 * 86400))),
        ]
        for name, art in cases:
            mid = None
            for line in art.split("\n"):
                if line.startswith("Message-ID: "):
                    mid = line[len("Message-ID: "):]
            if mid is None:
                mid = unique_msgid()
                art = art.replace("\n\n", "\nMessage-ID: %s\n\n" % mid, 1)
            code, text = c.ihave(mid, art)
            assert code == 437, (name, code, text)
            # Remembered: the next offer is refused without a transfer.
            code, text = c.cmd("IHAVE %s" % mid)
            assert code == 435, (name, "re-offer", code, text)
        # A Message-ID header that differs from the command's.
        mid = unique_msgid()
        code, text = c.ihave(mid, relayed(unique_msgid()))
        assert code == 437 and "Message-ID" in text, (code, text)
        # Nothing of that reached the group.
        code, text = c.cmd("GROUP local.test")
        assert text.split()[0] == "0", text


def test_refusal_not_remembered_under_a_msgid_the_article_lacks():
    """A feeder offering <victim> and sending another article, junk or
    too much must not get <victim> refused for history_days."""
    with Loomd(config="[posting]\nmax_article_size = 2K\n") as d:
        c = d.connect()
        other = unique_msgid()
        lies = [
            ("other Message-ID", relayed(other)),
            ("no Message-ID", make_article(headers=[("Path", "p!x")],
                                           date=now_date())),
            ("not an article", "no colon in this header line\n\nbody\n"),
            ("too large", relayed(unique_msgid(), body="x" * 70 + "\n") * 40),
        ]
        for name, art in lies:
            victim = unique_msgid()
            code, text = c.ihave(victim, art)
            assert code == 437, (name, code, text)
            c.expect(238, "CHECK %s" % victim)
            code, text = c.ihave(victim, relayed(victim))
            assert code == 235, (name, code, text)
            c.expect(438, "CHECK %s" % victim)
        # The article that was sent under the wrong id was not refused
        # for its own sake either: offered rightly, it is taken.
        assert c.ihave(other, relayed(other))[0] == 235

        # The same through TAKETHIS.
        c.expect(203, "MODE STREAM")
        victim, other = unique_msgid(), unique_msgid()
        c.send(("TAKETHIS %s\r\n" % victim).encode() + wire(relayed(other)))
        code, text = c.response()
        assert code == 439 and "Message-ID" in text, (code, text)
        c.expect(238, "CHECK %s" % victim)
        c.send(("TAKETHIS %s\r\n" % victim).encode() + wire(relayed(victim)))
        assert c.line() == "239 %s" % victim
        c.expect(438, "CHECK %s" % victim)


def test_reader_gets_502_when_loopback_may_not_feed():
    with Loomd(config="[server]\nloopback_feeds = no\n") as d:
        c = d.connect()
        caps = c.expect_multi(101, "CAPABILITIES")[1]
        assert "IHAVE" not in caps and "STREAMING" not in caps, caps
        c.expect(502, "IHAVE %s" % unique_msgid())
        c.expect(502, "MODE STREAM")
        c.expect(502, "CHECK %s" % unique_msgid())
        # TAKETHIS: the article is read anyway, then refused.
        mid = unique_msgid()
        c.send(b"TAKETHIS " + mid.encode() + b"\r\n" + wire(relayed(mid)))
        code, text = c.response()
        assert code == 502, (code, text)
        c.expect(111, "DATE")


def test_peer_by_address_may_feed():
    conf = ("[server]\nloopback_feeds = no\n"
            "[peer upstream]\nhost = 127.0.0.1\npathhost = up.example\n")
    with Loomd(config=conf) as d:
        c = d.connect()
        caps = c.expect_multi(101, "CAPABILITIES")[1]
        assert "IHAVE" in caps and "STREAMING" in caps, caps
        mid = unique_msgid()
        assert c.ihave(mid, relayed(mid))[0] == 235


def test_streaming_pipelined_in_order():
    with Loomd() as d:
        c = d.connect()
        c.expect(203, "MODE STREAM")
        mids = [unique_msgid() for _ in range(300)]
        dup = mids[10]
        loop_mid = unique_msgid()
        buf = []
        expect = []
        for m in mids:
            buf.append(("CHECK %s\r\n" % m).encode())
            expect.append("238 %s" % m)
            buf.append(("TAKETHIS %s\r\n" % m).encode() + wire(relayed(m)))
            expect.append("239 %s" % m)
        # The same article again, a loop, and a reader command in between:
        # every reply must come back in command order.
        buf.append(("TAKETHIS %s\r\n" % dup).encode() + wire(relayed(dup)))
        expect.append("439 %s" % dup)
        buf.append(b"DATE\r\n")
        expect.append("111")
        buf.append(("TAKETHIS %s\r\n" % loop_mid).encode() +
                   wire(relayed(loop_mid, path="loom.invalid!x")))
        expect.append("439 %s" % loop_mid)
        buf.append(("CHECK %s\r\n" % dup).encode())
        expect.append("438 %s" % dup)
        c.send(b"".join(buf))
        for want in expect:
            line = c.line()
            assert line.startswith(want), (line, want)
        code, text = c.cmd("GROUP local.test")
        assert code == 211 and text.split()[0] == "300", text
        log = d.log_text()
        # Group commit: far fewer transactions than articles.
        batches = [l for l in log.splitlines() if "writer:" in l]
        assert not batches  # reported at shutdown only
        d.stop()
        line = [l for l in d.log_text().splitlines() if "writer:" in l][-1]
        n = int(line.split(" in ")[1].split()[0])
        assert n < 300, line


def test_takethis_bad_msgid_reads_article():
    """An invalid id given properly: the article is read, then 439 with
    the id as sent (RFC 4644 2.5.1), as innd answers; nothing is stored
    or remembered."""
    with Loomd() as d:
        c = d.connect()
        c.expect(203, "MODE STREAM")
        for bad in ("nonsense", "<junk", "<junk>", "<a..b@c>",
                    "<%s@x>" % ("a" * 300)):
            c.send(("TAKETHIS %s\r\n" % bad).encode() +
                   wire(relayed(unique_msgid())))
            code, text = c.response()
            assert code == 439 and text.split()[0] == bad, (bad, code, text)
            c.expect(111, "DATE")
        code, text = c.cmd("GROUP local.test")
        assert text.split()[0] == "0", text


def test_takethis_bad_arguments_501_after_the_article():
    """No argument, or two: the article that follows is still read (innd
    reads it too), then one 501; nothing of it is taken for commands (no
    500s), and replies stay in command order around it."""
    with Loomd() as d:
        c = d.connect()
        c.expect(203, "MODE STREAM")
        good = unique_msgid()
        c.send(b"TAKETHIS\r\n" + wire(relayed(unique_msgid())) +
               ("TAKETHIS %s <x@y>\r\n" % unique_msgid()).encode() +
               wire(relayed(unique_msgid())) +
               ("TAKETHIS %s\r\n" % good).encode() + wire(relayed(good)) +
               b"DATE\r\n")
        assert c.response()[0] == 501
        assert c.response()[0] == 501
        assert c.line() == "239 %s" % good
        assert c.response()[0] == 111
        code, text = c.cmd("GROUP local.test")
        assert text.split()[0] == "1", text


def test_check_and_mode_stream_argument_errors():
    with Loomd() as d:
        c = d.connect()
        c.expect(203, "MODE STREAM")
        # An invalid id: not wanted, the id echoed (RFC 4644 2.4.1).
        for bad in ("junk", "<junk>"):
            code, text = c.cmd("CHECK %s" % bad)
            assert (code, text) == (438, bad), (bad, code, text)
        # Argument count: 501, never 500.
        c.expect(501, "CHECK")
        c.expect(501, "CHECK <a@b> <c@d>")
        c.expect(501, "MODE STREAM now")
        c.expect(238, "CHECK %s" % unique_msgid())


def test_ihave_takethis_need_a_body():
    """No empty line after the header, or nothing after it: 437 (439 for
    TAKETHIS), remembered like any refusal.  A body of one empty line is
    a body."""
    def art(mid, tail):
        head = relayed(mid).split("\n\n")[0]
        return head + tail

    with Loomd() as d:
        c = d.connect()
        for tail, name in (("\n", "no separator"), ("\n\n", "empty body")):
            mid = unique_msgid()
            code, text = c.ihave(mid, art(mid, tail))
            assert code == 437, (name, code, text)
            c.expect(435, "IHAVE %s" % mid)
            mid = unique_msgid()
            c.send(("TAKETHIS %s\r\n" % mid).encode() +
                   wire(art(mid, tail)))
            code, text = c.response()
            assert code == 439 and text.split()[0] == mid, (name, code, text)
        mid = unique_msgid()
        code, text = c.ihave(mid, art(mid, "\n\n\n"))
        assert code == 235, (code, text)
        code, text = c.cmd("GROUP local.test")
        assert text.split()[0] == "1", text


def test_peer_vanishing_mid_article_stores_nothing():
    with Loomd() as d:
        c = d.connect()
        mid = unique_msgid()
        c.expect(335, "IHAVE %s" % mid)
        half = wire(relayed(mid, body="x\n" * 1000))
        c.send(half[:len(half) // 2])
        c.sock.close()
        time.sleep(0.3)
        c2 = d.connect()
        code, text = c2.cmd("GROUP local.test")
        assert text.split()[0] == "0", text
        # Not remembered as refused: it may be offered again, in full.
        code, text = c2.ihave(mid, relayed(mid))
        assert code == 235, (code, text)


if __name__ == "__main__":
    harness.main(globals())
