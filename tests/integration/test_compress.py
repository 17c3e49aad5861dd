#!/usr/bin/env python3
"""COMPRESS DEFLATE (RFC 8054): every reply code, large responses
byte-exact against an uncompressed connection, articles sent compressed,
TLS underneath, corrupt input, idle release, and a compressed feed
between two Loom servers.  nntplib cannot compress, so the client here is
harness.Conn with Python's zlib (raw deflate, Z_SYNC_FLUSH per command)."""
import os
import socket
import sys
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Loomd, make_article, unique_msgid  # noqa: E402

PAIR = harness.TLSPair()
WAIT = 45.0     # seconds a feed may take to deliver, at most


class ZConn(harness.Conn):
    """A Conn that compresses what it sends and inflates what it reads once
    start() is called after the 206.  wire_in/wire_out count compressed
    octets, raw_in what they inflated to."""

    def __init__(self, *a, **kw):
        self.z = False
        self.wire_in = self.wire_out = self.raw_in = 0
        super().__init__(*a, **kw)

    def start(self, wbits=-15):
        self.co = zlib.compressobj(6, zlib.DEFLATED, wbits)
        self.de = zlib.decompressobj(-15)
        self.z = True
        # Anything read after the 206 already belongs to the stream.
        self.buf = self.de.decompress(self.buf)

    def compress(self):
        self.expect(206, "COMPRESS DEFLATE")
        self.start()

    def send(self, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        if self.z:
            data = self.co.compress(data) + self.co.flush(zlib.Z_SYNC_FLUSH)
            self.wire_out += len(data)
        self.sock.sendall(data)

    def send_raw(self, data):
        self.sock.sendall(data)

    def _fill(self, timeout=None):
        if not self.z:
            return super()._fill(timeout)
        if self.eof:
            return False
        self.sock.settimeout(self.timeout if timeout is None else timeout)
        try:
            chunk = self.sock.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            chunk = b""
        if not chunk:
            self.eof = True
            return False
        self.wire_in += len(chunk)
        out = self.de.decompress(chunk)
        self.raw_in += len(out)
        self.buf += out
        return True


def zconnect(d, addr=None):
    host, port = addr if addr else (d.host, d.port)
    c = ZConn(host, port)
    d._conns.append(c)
    return c


def caps(c):
    return c.expect_multi(101, "CAPABILITIES")[1]


def transcript(c, commands):
    """Pipeline commands, return every reply as raw lines (status lines and
    data blocks as sent, CRLF stripped, dot-stuffing kept)."""
    c.send("".join(cmd + "\r\n" for cmd in commands))
    out = []
    for cmd in commands:
        status = c.line_bytes()
        out.append(status)
        code = int(status[:3])
        multi = code in (100, 101, 215, 220, 221, 222, 224, 225, 230,
                         231) or (code == 211 and
                                  cmd.upper().startswith("LISTGROUP"))
        while multi:
            l = c.line_bytes()
            out.append(l)
            if l == b".":
                break
    return out


def load(d, n, body_lines=6, big=None):
    """n articles in local.test through one TAKETHIS burst (plus one `big`
    article of that many body octets); returns their Message-IDs."""
    c = d.connect()
    mids, buf = [], []
    for i in range(n + (1 if big else 0)):
        m = unique_msgid()
        if big and i == n:
            body = "".join("%06d %s\n" % (k, "line of a large body " * 3)
                           for k in range(big // 70))
        else:
            body = "".join(".dot %d of %d, and some text to compress\n"
                           % (k, i) for k in range(body_lines))
        art = make_article(message_id=m, subject="Article %d about things"
                           % (i % 37), body=body,
                           date=harness.now_date(),
                           headers=[("Path", "src.test!not-for-mail")])
        lines = art.replace("\n", "\r\n").split("\r\n")[:-1]
        block = b"".join((b"." + l.encode() if l.startswith(".")
                          else l.encode()) + b"\r\n" for l in lines)
        buf.append(("TAKETHIS %s\r\n" % m).encode() + block + b".\r\n")
        mids.append(m)
    c.expect(203, "MODE STREAM")
    c.send(b"".join(buf))
    for m in mids:
        line = c.line()
        assert line.startswith("239 "), line
    c.cmd("QUIT")
    return mids


def test_capabilities_and_reply_codes():
    with Loomd(args=PAIR.args) as d:
        c = zconnect(d)
        assert "COMPRESS DEFLATE" in caps(c)
        # RFC 8054 2.2.2: a malformed name is 501, another algorithm 503.
        c.expect(501, "COMPRESS")
        c.expect(501, "COMPRESS foo")
        c.expect(501, "COMPRESS deflate")       # case-sensitive (4.3)
        c.expect(501, "COMPRESS ABCDEFGHIJKLMNOPQRSTU")
        c.expect(501, "COMPRESS DEFLATE SHRINK")
        c.expect(503, "COMPRESS SHRINK")
        assert not c.z
        c.compress()
        after = caps(c)
        # Not offered once active; neither STARTTLS; AUTHINFO bare.
        assert not any(l.startswith("COMPRESS") for l in after), after
        assert "STARTTLS" not in after, after
        assert "AUTHINFO" in after and "AUTHINFO USER" not in after, after
        c.expect(502, "COMPRESS DEFLATE")
        c.expect(502, "COMPRESS SHRINK")
        c.expect(501, "COMPRESS foo")
        c.expect(502, "STARTTLS")
        c.expect(502, "AUTHINFO USER fred")
        c.expect(502, "AUTHINFO PASS flintstone")
        c.expect(502, "AUTHINFO SASL PLAIN")
        c.expect(111, "DATE")
        c.expect(205, "QUIT")
        assert c.closed()
        assert "compress deflate" in d.log_text()


def test_large_responses_byte_exact():
    with Loomd() as d:
        mids = load(d, 2500, big=600000)
        cmds = ["GROUP local.test", "OVER 1-", "XOVER 1-2500",
                "HDR Subject 1-", "LIST", "LIST NEWSGROUPS",
                "LISTGROUP local.test", "ARTICLE %s" % mids[0],
                "ARTICLE %s" % mids[-1], "BODY 2", "HEAD 3", "HELP",
                "LIST OVERVIEW.FMT", "STAT 7", "NEXT", "ARTICLE"]
        plain = transcript(d.connect(), cmds)
        c = zconnect(d)
        c.compress()
        got = transcript(c, cmds)
        assert len(got) == len(plain), (len(got), len(plain))
        for i, (a, b) in enumerate(zip(got, plain)):
            assert a == b, "line %d differs: %r != %r" % (i, a[:120], b[:120])
        raw = sum(len(l) + 2 for l in plain)
        assert c.raw_in == raw, (c.raw_in, raw)
        # Overview and headers are repetitive text: far less on the wire.
        assert c.wire_in * 3 < c.raw_in, (c.wire_in, c.raw_in)
        harness.diag("%d octets as %d compressed (%.1f%%)"
                     % (c.raw_in, c.wire_in, 100.0 * c.wire_in / c.raw_in))
        # One at a time: each reply is complete without more input.
        p = d.connect()
        for cmd in cmds[:3]:
            assert transcript(c, [cmd]) == transcript(p, [cmd]), cmd


def test_articles_sent_compressed():
    with Loomd() as d:
        c = zconnect(d)
        c.compress()
        c.expect(203, "MODE STREAM")
        mids, buf = [], []
        # Far more than the 256 KiB input bound once inflated, in one go.
        for i in range(600):
            m = unique_msgid()
            art = make_article(message_id=m, date=harness.now_date(),
                               body="Quoted text, again and again.\n" * 60,
                               headers=[("Path", "src.test!not-for-mail")])
            buf.append("TAKETHIS %s\r\n%s.\r\n"
                       % (m, art.replace("\n", "\r\n")))
            mids.append(m)
        c.send("".join(buf))
        for m in mids:
            assert c.line() == "239 %s" % m
        m = unique_msgid()
        code, text = c.ihave(m, make_article(
            message_id=m, date=harness.now_date(),
            headers=[("Path", "src.test!not-for-mail")]))
        assert code == 235, (code, text)
        assert c.wire_out * 10 < sum(len(b) for b in buf), c.wire_out
        text = c.expect(211, "GROUP local.test")
        assert text.split()[0] == "601", text
        # POST too.
        code, text = c.post(make_article(message_id=True))
        assert code == 240, (code, text)


def test_pipelined_after_compress_is_taken_as_compressed():
    with Loomd() as d:
        c = zconnect(d)
        co = zlib.compressobj(6, zlib.DEFLATED, -15)
        c.send_raw(b"COMPRESS DEFLATE\r\n" + co.compress(b"DATE\r\n") +
                   co.flush(zlib.Z_SYNC_FLUSH))
        assert c.line().startswith("206 ")
        c.start()
        c.co = co
        assert c.line().startswith("111 ")
        c.expect(111, "DATE")


def test_tls_then_compress_and_not_the_reverse():
    import ssl
    ctx = PAIR.client_context()
    with Loomd(args=PAIR.args) as d:
        # COMPRESS first: STARTTLS is then refused.
        c = zconnect(d)
        assert "STARTTLS" in caps(c)
        c.compress()
        c.expect(502, "STARTTLS")
        c.expect(111, "DATE")
        # STARTTLS first, then COMPRESS: the layer sits above TLS.
        c = zconnect(d)
        c.expect(382, "STARTTLS")
        c.sock = ctx.wrap_socket(c.sock, server_hostname="localhost")
        assert "COMPRESS DEFLATE" in caps(c)
        load(d, 300)
        plain = transcript(d.connect(), ["GROUP local.test", "OVER 1-"])
        c.compress()
        assert transcript(c, ["GROUP local.test", "OVER 1-"]) == plain
        after = caps(c)
        assert "STARTTLS" not in after and not any(
            l.startswith("COMPRESS") for l in after), after
        c.expect(502, "STARTTLS")
        c.expect(205, "QUIT")
        assert c.closed()
        # A broken TLS record below the layer is still a TLS error.
        c = zconnect(d)
        c.expect(382, "STARTTLS")
        c.sock = ctx.wrap_socket(c.sock, server_hostname="localhost")
        c.compress()
        c.expect(111, "DATE")
        os.write(c.sock.fileno(), b"\x17\x03\x03\x00\x10" + b"\x00" * 16)
        assert c.closed()
        d.wait_log(r"tls error: .*\n.*closed reason=tls error")
        # Implicit TLS.
        raw = socket.create_connection(d.addrs[1], timeout=10)
        c = ZConn.__new__(ZConn)
        c.z = False
        c.wire_in = c.wire_out = c.raw_in = 0
        c.host, c.port = d.addrs[1]
        c.timeout, c.strict, c.buf, c.eof = 10.0, True, b"", False
        c.sock = ctx.wrap_socket(raw, server_hostname="localhost")
        c.greeting = c.response()
        c.compress()
        assert transcript(c, ["GROUP local.test", "OVER 1-"]) == plain
        c.close()


def test_starttls_authinfo_compress_in_that_order():
    import ssl
    with Loomd(args=PAIR.args) as d:
        p = d.ctl("user", "add", "alice", input="secret words\n")
        assert p.returncode == 0, p.stderr
        c = zconnect(d)
        c.expect(382, "STARTTLS")
        c.sock = PAIR.client_context().wrap_socket(
            c.sock, server_hostname="localhost")
        assert "AUTHINFO USER" in caps(c)
        c.expect(381, "AUTHINFO USER alice")
        c.expect(281, "AUTHINFO PASS secret words")
        c.compress()
        c.expect(502, "AUTHINFO USER alice")
        c.expect(211, "GROUP local.test")
        del ssl


def test_corrupt_input_closes_that_connection_only():
    with Loomd() as d:
        other = d.connect()
        c = zconnect(d)
        c.compress()
        c.expect(111, "DATE")
        # Not a deflate stream (0xff: block type 3 does not exist).
        c.send_raw(b"\xff" * 64)
        assert c.closed()
        d.wait_log(r"session=\w+ closed reason=compress error")
        other.expect(111, "DATE")
        # A final block, then more: nothing may follow the end.
        c = zconnect(d)
        c.compress()
        c.send_raw(c.co.compress(b"DATE\r\n") + c.co.flush(zlib.Z_FINISH))
        assert c.line().startswith("111 ")
        c.send_raw(b"\x00\x00\xff\xff")
        assert c.closed()
        other.expect(111, "DATE")
        d.connect().expect(111, "DATE")


def test_client_resetting_a_compressed_connection():
    # A reset while articles were in flight once freed the layer with a
    # deferred callback still queued on it: loomd crashed (SIGSEGV in
    # bufferevent_get_underlying) within a few dozen tries.
    import struct
    with Loomd() as d:
        for i in range(60):
            s = socket.create_connection((d.host, d.port), timeout=10)
            f = s.makefile("rb")
            assert f.readline().startswith(b"200")
            s.sendall(b"COMPRESS DEFLATE\r\n")
            assert f.readline().startswith(b"206")
            co = zlib.compressobj(wbits=-15)
            data = b"MODE STREAM\r\n"
            for _ in range(20):
                m = unique_msgid()
                data += b"TAKETHIS " + m.encode() + b"\r\n" + \
                    harness.wire(harness.relayed(m))
            s.sendall(co.compress(data) + co.flush(zlib.Z_SYNC_FLUSH))
            time.sleep(0.002 * (i % 5))
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                         struct.pack("ii", 1, 0))
            s.close()
        time.sleep(0.2)
        assert d.running(), "loomd died"
        c = d.connect()
        c.expect(111, "DATE")


def test_idle_release_keeps_both_dictionaries():
    conf = "[server]\nlog_level = debug\n"
    with Loomd(config=conf) as d:
        mids = load(d, 40)
        c = zconnect(d)
        c.compress()
        cmds = ["GROUP local.test", "ARTICLE %s" % mids[5], "OVER 1-"]
        first = transcript(c, cmds)
        # Released after 2 s of silence (the log says so); wait for it.
        d.wait_log(r"compress: idle, state released \(windows kept: "
                   r"[1-9]\d* \+ [1-9]\d* octets\)", timeout=20)
        # The same commands again: the client's compressor refers back
        # to what it sent before, the server's to what it sent.
        wire = c.wire_in
        again = transcript(c, cmds)
        assert again == first
        assert transcript(d.connect(), cmds) == first
        # Back-references into the kept window make the repeat tiny.
        assert (c.wire_in - wire) * 4 < wire, (c.wire_in - wire, wire)


def conf(pathhost, peers=()):
    text = "[server]\npathhost = %s\ndomain = %s\n" % (pathhost, pathhost)
    for name, port, extra in peers:
        text += ("[peer %s]\nhost = 127.0.0.1\nport = %d\npathhost = %s\n"
                 "groups = local.*\n%s" % (name, port, name, extra))
    return text


def group_count(d):
    c = d.connect()
    code, text = c.cmd("GROUP local.test")
    c.cmd("QUIT")
    return int(text.split()[0])


def wait_count(d, want):
    deadline = time.time() + WAIT
    n = group_count(d)
    while n < want and time.time() < deadline:
        time.sleep(0.1)
        n = group_count(d)
    return n


def feed_test(extra):
    with Loomd(config=conf("b.test")) as b, \
            Loomd(config=conf("a.test", [("b.test", b.port, extra)])) as a:
        mids = load(a, 500, body_lines=40)
        assert wait_count(b, 500) == 500
        cb = b.connect()
        cb.expect(211, "GROUP local.test")
        lines = cb.expect_multi(224, "OVER 1-")[1]
        assert sorted(l.split("\t")[4] for l in lines) == sorted(mids)
        text, art = cb.expect_multi(220, "ARTICLE %s" % mids[9])
        path = [l for l in art if l.startswith("Path: ")][0]
        assert path.startswith("Path: b.test!a.test!"), path
        assert art[-1] == ".dot 39 of 9, and some text to compress", art[-1]
        p = a.ctl("--config", a.config_path, "peers")
        assert p.returncode == 0, p.stderr
        return a.log_text(), b.log_text(), p.stdout


def test_feed_between_two_looms_is_compressed():
    alog, blog, peers = feed_test("")
    assert "feed=b.test connected to 127.0.0.1" in alog
    assert "(streaming, compressed)" in alog, alog[-2000:]
    assert "compress deflate" in blog
    assert "connected streaming deflate" in peers, peers
    harness.diag([l for l in blog.splitlines() if "compress: in=" in l][:1])


def test_feed_with_compress_no_stays_plain():
    alog, blog, peers = feed_test("compress = no\n")
    assert "(streaming)" in alog
    assert "compress" not in blog, blog[-2000:]
    assert "connected streaming since" in peers, peers


if __name__ == "__main__":
    try:
        harness.main(globals())
    finally:
        PAIR.remove()
