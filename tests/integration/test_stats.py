#!/usr/bin/env python3
"""Statistics: loomctl stats over the control socket in the data directory,
and the Prometheus text endpoint ([stats] listen)."""
import json
import os
import re
import shutil
import socket
import stat
import subprocess
import sys
import urllib.error
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import (Loomd, TestFailure, loomctl, make_article,  # noqa: E402
                     relayed, run_loomd, unique_msgid, wire)

METRICS = "[stats]\nlisten = 127.0.0.1:0\n"


def stats_json(d):
    p = loomctl(d.data, "stats", "--json")
    assert p.returncode == 0, (p.returncode, p.stderr)
    return json.loads(p.stdout)


def sock_path(d):
    return os.path.join(d.data, "loomd.sock")


def ask(d, request):
    """Send one raw request on the control socket; the whole reply."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(harness.scaled(10))
    s.connect(sock_path(d))
    out = b""
    try:
        s.sendall(request)
        while True:
            b = s.recv(65536)
            if not b:
                break
            out += b
    except (ConnectionResetError, BrokenPipeError):
        pass    # cut off: what is read so far
    s.close()
    return out


def metrics_url(d):
    m = d.wait_log(r"metrics on (http://127\.0\.0\.1:\d+/metrics)")
    return m.group(1)


def fetch(url):
    with urllib.request.urlopen(url, timeout=harness.scaled(10)) as r:
        return r.status, r.headers.get("Content-Type"), r.read().decode()


LABEL_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')
SAMPLE_RE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')


def unescape(v):
    out, i = [], 0
    while i < len(v):
        if v[i] == "\\":
            nxt = v[i + 1]
            assert nxt in '\\"n', "bad escape in label value %r" % v
            out.append("\n" if nxt == "n" else nxt)
            i += 2
        else:
            out.append(v[i])
            i += 1
    return "".join(out)


def parse_prometheus(text):
    """Check the text format (0.0.4) strictly enough to catch mistakes:
    every sample belongs to a family announced by # HELP and # TYPE before
    it, each family once, counters named *_total, label values quoted and
    escaped, values numbers.  Returns {(name, frozenset(labels)): value}
    and {name: type}."""
    assert text.endswith("\n"), "exposition must end with a newline"
    types, helps, samples = {}, set(), {}
    current = None
    for line in text.split("\n")[:-1]:
        assert line, "empty line in exposition"
        if line.startswith("# HELP "):
            name = line.split(" ")[2]
            assert name not in helps, "HELP twice for %s" % name
            helps.add(name)
            continue
        if line.startswith("# TYPE "):
            _, _, name, typ = line.split(" ")
            assert typ in ("counter", "gauge"), line
            assert name not in types, "TYPE twice for %s" % name
            assert name in helps, "TYPE before HELP for %s" % name
            if typ == "counter":
                assert name.endswith("_total"), "counter %s lacks _total" % name
            types[name] = typ
            current = name
            continue
        assert not line.startswith("#"), line
        m = SAMPLE_RE.match(line)
        assert m, "malformed sample line %r" % line
        name, labels = m.group(1), {}
        assert name == current, "sample %s outside its family %s" % (name, current)
        if m.group(3):
            rest = m.group(3)
            pos = 0
            while pos < len(rest):
                lm = LABEL_RE.match(rest, pos)
                assert lm, "bad labels in %r" % line
                labels[lm.group(1)] = unescape(lm.group(2))
                pos = lm.end()
                if pos < len(rest):
                    assert rest[pos] == ",", line
                    pos += 1
        key = (name, frozenset(labels.items()))
        assert key not in samples, "sample twice: %r" % line
        samples[key] = float(m.group(4))
    return samples, types


def value(samples, name, **labels):
    return samples[(name, frozenset(labels.items()))]


def test_control_socket_owner_only_and_removed_at_exit():
    d = Loomd()
    try:
        st = os.lstat(sock_path(d))
        assert stat.S_ISSOCK(st.st_mode), oct(st.st_mode)
        assert stat.S_IMODE(st.st_mode) == 0o600, oct(st.st_mode)
        assert st.st_uid == os.geteuid()
        s = stats_json(d)
        assert s["pid"] == d.pid()
    finally:
        d.stop()
    assert not os.path.exists(sock_path(d)), "socket left behind"
    p = loomctl(d.data, "stats")
    assert p.returncode != 0
    assert sock_path(d) in p.stderr, p.stderr
    assert "loomd running" in p.stderr, p.stderr


def test_stale_socket_is_replaced():
    tmp = Loomd(start=False)
    # What a killed loomd leaves: a socket file nobody listens on.
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(os.path.join(tmp.data, "loomd.sock"))
    s.close()
    with Loomd(data=tmp.data) as d:
        assert stats_json(d)["pid"] == d.pid()
    tmp.stop()


def test_counts_by_source_and_reason():
    with Loomd() as d:
        c = d.connect()
        mids = []
        for i in range(2):
            code, text = c.post(make_article(subject="s%d" % i))
            assert code == 240, (code, text)
        # Refused post: no Newsgroups we carry.
        code, text = c.post(make_article(newsgroups="no.such.group"))
        assert code == 441, (code, text)
        mid = unique_msgid()
        code, text = c.ihave(mid, relayed(mid))
        assert code == 235, (code, text)
        c.expect(435, "IHAVE %s" % mid)      # already have it
        mids.append(mid)
        c.expect(203, "MODE STREAM")
        mid = unique_msgid()
        c.send(("TAKETHIS %s\r\n" % mid).encode() + wire(relayed(mid)))
        code, text = c.response()
        assert code == 239, (code, text)
        c.expect(211, "GROUP local.test")
        c.expect_multi(220, "ARTICLE %s" % mids[0])
        c.expect_multi(222, "BODY %s" % mid)
        c.expect(223, "STAT %s" % mid)        # not an article sent
        s = stats_json(d)
        ai = s["articles_in"]
        assert (ai["post"]["total"], ai["ihave"]["total"],
                ai["takethis"]["total"]) == (2, 1, 1), ai
        assert (ai["post"]["last_minute"], ai["ihave"]["last_minute"],
                ai["takethis"]["last_minute"]) == (2, 1, 1), ai
        assert s["articles_out"]["reader"]["total"] == 2, s["articles_out"]
        assert s["articles_out"]["feed"]["total"] == 0
        r = s["refusals"]
        assert r["post_failed"] == 1 and r["not_wanted"] == 1, r
        assert r["rejected"] == 0 and r["max_connections"] == 0, r
        assert s["store"]["articles"] == 4 and s["store"]["groups"] == 2, s
        assert 0 < s["store"]["map_used_bytes"] <= s["store"]["map_size_bytes"]
        assert s["connections"]["current"] == 1, s["connections"]
        assert s["connections"]["total"] == 1 and s["connections"]["peak"] == 1
        # POST x3, IHAVE x2, MODE STREAM, TAKETHIS, GROUP, ARTICLE, BODY,
        # STAT: every command line counts.
        assert s["commands"]["total"] == 11, s["commands"]
        assert s["commands"]["last_minute"] == 11, s["commands"]
        assert s["feeds"] == []
        c2 = d.connect()
        c2.expect(205, "QUIT")
        assert c2.closed(5)
        s = stats_json(d)
        assert s["connections"]["peak"] == 2 and s["connections"]["total"] == 2
        # The person's form says the same.
        p = loomctl(d.data, "stats")
        assert p.returncode == 0, p.stderr
        assert re.search(r"^store: +2 groups, 4 articles", p.stdout, re.M), \
            p.stdout
        assert re.search(r"^  post +2 \(2\)$", p.stdout, re.M), p.stdout
        assert re.search(r"^  post_failed +1$", p.stdout, re.M), p.stdout
        assert re.search(r"^connections: 1 now, 2 peak", p.stdout, re.M), \
            p.stdout


def test_connection_refusals_counted():
    conf = "[server]\nmax_connections_per_host = 1\n"
    with Loomd(config=conf) as d:
        held = d.connect()
        extra = d.connect(greeting=False)
        code, text = extra.response()
        assert code == 400, (code, text)
        assert extra.closed(5)
        held.expect(111, "DATE")
        r = stats_json(d)["refusals"]
        assert r["max_connections_per_host"] == 1, r


def test_feed_queue_per_peer():
    # A port nobody listens on: the article stays queued.
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    conf = ("[peer down\"peer]\nhost = 127.0.0.1\nport = %d\n"
            "pathhost = down.test\ngroups = *\n" % port)
    with Loomd(config=METRICS + conf) as d:
        c = d.connect()
        code, text = c.post(make_article())
        assert code == 240, (code, text)
        feeds = stats_json(d)["feeds"]
        assert len(feeds) == 1, feeds
        assert feeds[0]["peer"] == 'down"peer' and feeds[0]["queued"] == 1, feeds
        assert feeds[0]["connected"] is False
        samples, _ = parse_prometheus(fetch(metrics_url(d))[2])
        assert value(samples, "loom_feed_queued_articles",
                     peer='down"peer') == 1
        assert value(samples, "loom_feed_connected", peer='down"peer') == 0


def test_prometheus_format_and_values():
    with Loomd(config=METRICS) as d:
        url = metrics_url(d)
        c = d.connect()
        code, text = c.post(make_article())
        assert code == 240, (code, text)
        code, text = c.post(make_article(newsgroups="no.such.group"))
        assert code == 441, (code, text)
        status, ctype, body = fetch(url)
        assert status == 200
        assert ctype.startswith("text/plain; version=0.0.4"), ctype
        samples, types = parse_prometheus(body)
        js = stats_json(d)
        assert types["loom_articles_received_total"] == "counter"
        assert types["loom_connections"] == "gauge"
        assert value(samples, "loom_articles_received_total",
                     source="post") == 1
        assert value(samples, "loom_articles_received_total",
                     source="ihave") == 0
        assert value(samples, "loom_refusals_total",
                     reason="post_failed") == 1
        for reason, n in js["refusals"].items():
            assert value(samples, "loom_refusals_total", reason=reason) == n
        assert value(samples, "loom_store_articles") == js["store"]["articles"]
        assert value(samples, "loom_connections") == 1
        assert value(samples, "loom_commands_total") == js["commands"]["total"]
        assert value(samples, "loom_start_time_seconds") == js["started"]
        # Only /metrics (and /) is served.
        try:
            urllib.request.urlopen(url.replace("/metrics", "/other"),
                                   timeout=harness.scaled(10))
            raise TestFailure("/other answered")
        except urllib.error.HTTPError as e:
            assert e.code == 404, e.code
        if shutil.which("promtool"):
            p = subprocess.run(["promtool", "check", "metrics"], input=body,
                               capture_output=True, text=True)
            assert p.returncode == 0, p.stdout + p.stderr


def test_stats_listen_kept_across_reload():
    with Loomd(config=METRICS) as d:
        url = metrics_url(d)
        mark = len(d.log_text())
        with open(d.config_path, "w") as f:
            f.write("[stats]\nlisten = 127.0.0.1:1\n")
        d.sighup()
        d.wait_log(r"\[stats\] listen change needs a restart", since=mark)
        d.wait_log(r"reloaded", since=mark)
        assert fetch(url)[0] == 200


def test_metrics_off_by_default():
    with Loomd() as d:
        assert "metrics on" not in d.log_text()


def test_bad_stats_listen_refused():
    tmp = Loomd(start=False, config="[stats]\nlisten = nowhere\n")
    p = run_loomd("--check-config", "--config", tmp.config_path)
    assert p.returncode != 0, p.stdout
    assert "[stats] listen" in p.stderr, p.stderr
    tmp.stop()


def test_control_requests_bounded():
    with Loomd() as d:
        assert b"unknown request" in ask(d, b"hello\n")
        # A request that never ends is cut off, not buffered.
        assert ask(d, b"x" * 1000) == b""
        text = ask(d, b"stats text\r\n").decode()
        assert text.startswith("loomd "), text
        assert json.loads(ask(d, b"stats\n"))["pid"] == d.pid()
        # A client still connected when loomd stops is cut off, and freed
        # (a sanitizer build reports a leak otherwise).
        idle = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        idle.connect(sock_path(d))
        idle.sendall(b"sta")
        assert d.stop() == 0
        idle.close()


if __name__ == "__main__":
    harness.main(globals())
