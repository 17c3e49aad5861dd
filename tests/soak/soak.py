#!/usr/bin/env python3
"""
The standing adversarial suite (issue #11): `make soak`.

Longer attacks than tests/integration/test_hostile.py, each against a
fresh loomd (build/loomd, or $LOOMD) on loopback, from its own range of
127.0.K.x source addresses, while a monitor client from another address
times a simple command over and over and loomd's memory (/proc/PID/status)
and descriptors (/proc/PID/fd) are sampled.  Then the integration suite
once more with loomd under valgrind.

Output: TAP-like lines (`ok N - name` / `not ok N - name`, `# ` figures),
then a table of figures, also written to $BUILD/soak-results.txt.  Exit
status 1 if an attack failed one of its correctness checks.  Timings are
reported, never judged.  Sizes come from SOAK_* variables (the list is
printed at the start; tests/soak/README.md explains them).

    python3 tests/soak/soak.py [name...]     # attacks whose key contains a word

Every process this starts is stopped by its PID (the harness's Loomd, the
valgrind run's process group), never by name.
"""

import fnmatch
import hashlib
import os
import random
import select
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
import harness  # noqa: E402
from harness import (Loomd, TestFailure, relayed,  # noqa: E402
                     unique_msgid, wire)

BUILD = os.environ.get("BUILD") or "build"
BUILD_DIR = BUILD if os.path.isabs(BUILD) else os.path.join(ROOT, BUILD)

# --------------------------------------------------------------------------
# Settings: every size and duration, from the environment.

SETTINGS = []


def setting(name, default, help_):
    raw = os.environ.get(name)
    value = type(default)(raw) if raw not in (None, "") else default
    SETTINGS.append((name, value, help_))
    return value


SEED = setting("SOAK_SEED", int(time.time()) % 100000,
               "random seed (kill moments, article bodies)")
MON_INTERVAL = setting("SOAK_MONITOR_INTERVAL", 0.05,
                       "seconds between the monitor's commands")
ATTACK_TIMEOUT = setting("SOAK_ATTACK_TIMEOUT", 600,
                         "seconds one attack may take before it fails")
# 1. slowloris
SL_ADDRS = setting("SOAK_SLOWLORIS_ADDRS", 40, "slowloris: source addresses")
SL_PER_ADDR = setting("SOAK_SLOWLORIS_PER_ADDR", 20,
                      "slowloris: connections per address")
SL_SECONDS = setting("SOAK_SLOWLORIS_SECONDS", 30,
                     "slowloris: seconds of trickling")
SL_INTERVAL = setting("SOAK_SLOWLORIS_INTERVAL", 2.0,
                      "slowloris: seconds between two octets of one connection")
SL_IDLE = setting("SOAK_SLOWLORIS_IDLE_TIMEOUT", 10,
                  "slowloris: loomd's idle_timeout")
SL_ARTICLE_TIMEOUT = setting("SOAK_SLOWLORIS_ARTICLE_TIMEOUT", 15,
                             "slowloris: loomd's article_timeout")
# 2. idle floods
IF_MAX = setting("SOAK_IDLE_MAX_CONNECTIONS", 100,
                 "idle floods: loomd's max_connections")
IF_IDLE = setting("SOAK_IDLE_TIMEOUT", 5, "idle floods: loomd's idle_timeout")
IF_ADDRS = setting("SOAK_IDLE_ADDRS", 10,
                   "idle floods: source addresses the flood comes from")
IF_ROUNDS = setting("SOAK_IDLE_ROUNDS", 4,
                    "idle floods: floods, one after the other, per port")
# 3. unread pipelines
PL_MB = setting("SOAK_PIPE_MB", 100,
                "unread pipelines: MB of replies asked for, all clients")
PL_CLIENTS = setting("SOAK_PIPE_CLIENTS", 10,
                     "unread pipelines: clients (half ARTICLE, half OVER)")
PL_BIG = setting("SOAK_PIPE_BIG_ARTICLES", 40,
                 "unread pipelines: large articles stored (512 KiB bodies)")
PL_SMALL = setting("SOAK_PIPE_SMALL_ARTICLES", 5000,
                   "unread pipelines: articles in the group OVER walks")
PL_HOLD = setting("SOAK_PIPE_HOLD", 15,
                  "unread pipelines: seconds the clients hold without reading")
PL_OUTBUF = setting("SOAK_PIPE_OUTPUT_BUFFER_KB", 256,
                    "unread pipelines: loomd's output_buffer (KiB)")
PL_SLACK = setting("SOAK_PIPE_SLACK_MB", 16,
                   "unread pipelines: MiB allowed above the per-client bound")
# 4. body bombs
BB_MB = setting("SOAK_BOMB_MB", 50, "body bombs: MB of body per bomb")
BB_CLIENTS = setting("SOAK_BOMB_CLIENTS", 3,
                     "body bombs: simultaneous 50 MB posts")
BB_ENDLESS = setting("SOAK_BOMB_ENDLESS_CLIENTS", 3,
                     "body bombs: simultaneous endless bodies")
BB_TIMEOUT = setting("SOAK_BOMB_ARTICLE_TIMEOUT", 5,
                     "body bombs: loomd's article_timeout for the endless ones")
BB_SLACK = setting("SOAK_BOMB_SLACK_MB", 16,
                   "body bombs: MiB allowed above the per-client bound")
# 5. fairness
FA_ARTICLES = setting("SOAK_FAIR_ARTICLES", 5000,
                      "fairness: articles in the group the readers walk")
FA_GROUPS = setting("SOAK_FAIR_GROUPS", 2000,
                    "fairness: [group] sections in the config")
FA_READERS = setting("SOAK_FAIR_READERS", 6,
                     "fairness: heavy readers (XPAT, LIST ACTIVE, OVER)")
FA_SECONDS = setting("SOAK_FAIR_SECONDS", 30, "fairness: seconds of load")
# 6. kill -9
KL_ROUNDS = setting("SOAK_KILL_ROUNDS", 20, "kill -9: rounds")
KL_MIN = setting("SOAK_KILL_MIN", 0.3,
                 "kill -9: earliest kill, seconds into a round's feed")
KL_MAX = setting("SOAK_KILL_MAX", 2.5,
                 "kill -9: latest kill, seconds into a round's feed")
KL_WINDOW = setting("SOAK_KILL_WINDOW", 64,
                    "kill -9: TAKETHIS sent ahead of their answers")
KL_RATE = setting("SOAK_KILL_RATE", 0,
                  "kill -9: articles per second at most (0: as fast as "
                  "loomd takes them; the store then reaches ~1 GB)")
# Memory bounds are checks, except when loomd itself runs under valgrind
# (LOOMD=tests/soak/valgrind-loomd.sh): its shadow memory and its queue
# of freed blocks are then in the figures.
MEM_CHECKS = setting("SOAK_MEMORY_CHECKS",
                     0 if "valgrind" in os.path.basename(harness.LOOMD) else 1,
                     "1: memory bounds are checks; 0: figures only")
# 7. valgrind
VG_RUN = setting("SOAK_VALGRIND", 1,
                 "valgrind: 1 runs the integration suite under memcheck")
VG_SCALE = setting("SOAK_VALGRIND_SCALE", 6.0,
                   "valgrind: LOOM_TIMEOUT_SCALE for the suite")
VG_TIMEOUT = setting("SOAK_VALGRIND_TIMEOUT", 1500,
                     "valgrind: seconds the whole run may take")

RNG = random.Random(SEED)

# --------------------------------------------------------------------------
# Output


def out(line=""):
    print(line, flush=True)


def diag(text):
    for line in str(text).splitlines() or [""]:
        out("# " + line)


# --------------------------------------------------------------------------
# loomd's memory and descriptors


def proc_mem(pid):
    """{'VmRSS', 'VmHWM', 'RssAnon', 'RssFile'} in kB."""
    m = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM", "RssAnon", "RssFile"):
                m[k] = int(v.split()[0])
    if "VmRSS" not in m or "RssAnon" not in m:
        raise ValueError("no memory figures for %d (a zombie?)" % pid)
    return m


def proc_fds(pid):
    return len(os.listdir("/proc/%d/fd" % pid))


def reset_hwm(pid):
    """Reset VmHWM to the current RSS (Linux 4.0+); False if we may not."""
    try:
        with open("/proc/%d/clear_refs" % pid, "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


class Snapshot:
    def __init__(self, pid):
        m = proc_mem(pid)
        self.rss, self.anon, self.hwm = m["VmRSS"], m["RssAnon"], m["VmHWM"]
        self.fds = proc_fds(pid)

    def __str__(self):
        return "VmRSS %d kB (anon %d kB), %d fds" % (self.rss, self.anon,
                                                    self.fds)


class Sampler(threading.Thread):
    """Samples loomd's memory and descriptors until stopped: the peaks.
    pidfn() gives the PID to look at (None while loomd is down)."""

    def __init__(self, pidfn, interval=0.05):
        super().__init__(daemon=True)
        self.pidfn = pidfn
        self.interval = interval
        self.stop_ev = threading.Event()
        self.hwm_ok = False
        self.rss = self.anon = self.fds = 0
        self.samples = 0

    def sample(self):
        pid = self.pidfn()
        if pid is None:
            return
        try:
            m = proc_mem(pid)
            n = proc_fds(pid)
        except (OSError, KeyError, ValueError):
            return          # it just died (kill -9): nothing to see
        self.samples += 1
        self.rss = max(self.rss, m["VmRSS"],
                       m["VmHWM"] if self.hwm_ok else 0)
        self.anon = max(self.anon, m["RssAnon"])
        self.fds = max(self.fds, n)

    def run(self):
        while not self.stop_ev.is_set():
            self.sample()
            self.stop_ev.wait(self.interval)

    def stop(self):
        self.stop_ev.set()
        self.join(10)
        self.sample()


# --------------------------------------------------------------------------
# The monitor: one well-behaved client timing a command over and over


class Monitor(threading.Thread):
    def __init__(self, d, source, command="DATE", code=111,
                 interval=None, timeout=60.0):
        super().__init__(daemon=True)
        self.d, self.source = d, source
        self.command, self.code = command, code
        self.interval = MON_INTERVAL if interval is None else interval
        self.timeout = timeout
        self.lat = []
        self.errors = []
        self.conn = None
        self.stop_ev = threading.Event()
        self.pause_ev = threading.Event()
        self.idle_ev = threading.Event()

    def connect(self):
        self.conn = self.d.connect(source=self.source, timeout=self.timeout)
        if self.conn.greeting[0] not in (200, 201):
            raise TestFailure("monitor greeted %r" % (self.conn.greeting,))

    def run(self):
        while not self.stop_ev.is_set():
            if self.pause_ev.is_set():
                self.idle_ev.set()
                self.stop_ev.wait(0.02)
                continue
            self.idle_ev.clear()
            try:
                if self.conn is None:
                    self.connect()
                t0 = time.monotonic()
                code, text = self.conn.cmd(self.command)
                dt = time.monotonic() - t0
                if code != self.code:
                    self.errors.append("%s -> %d %s" % (self.command, code,
                                                        text))
                else:
                    self.lat.append(dt)
            except Exception as e:  # noqa: BLE001 - every failure counts
                if not self.pause_ev.is_set():
                    self.errors.append("%s: %s" % (type(e).__name__, e))
                if self.conn is not None:
                    self.conn.close()
                self.conn = None
                self.stop_ev.wait(0.2)
            self.stop_ev.wait(self.interval)

    def pause(self):
        """Finish the command in progress, then wait; drop the
        connection (loomd is about to go away)."""
        self.pause_ev.set()
        self.idle_ev.wait(self.timeout + 5)
        if self.conn is not None:
            self.conn.close()
        self.conn = None

    def resume(self):
        self.pause_ev.clear()

    def stop(self):
        self.stop_ev.set()
        self.join(self.timeout + 5)
        if self.conn is not None:
            self.conn.close()

    def stats(self):
        if not self.lat:
            return None, None, 0
        return (max(self.lat) * 1000, statistics.median(self.lat) * 1000,
                len(self.lat))


# --------------------------------------------------------------------------
# One attack's record


class Attack:
    def __init__(self, key, title):
        self.key, self.title = key, title
        self.checks = []
        self.figures = []
        self.before = self.after = None
        self.peak_rss = self.peak_fds = self.peak_anon = None
        self.mon = (None, None, 0)
        self.mon_errors = []
        self.error = None
        self.seconds = 0.0
        self.note = ""

    def check(self, cond, what):
        self.checks.append((bool(cond), what))
        diag("%s: %s" % ("pass" if cond else "FAIL", what))
        return bool(cond)

    def mem_check(self, cond, what):
        """A memory bound: a check, or only a figure with
        SOAK_MEMORY_CHECKS=0."""
        if MEM_CHECKS:
            return self.check(cond, what)
        self.figure("not judged (SOAK_MEMORY_CHECKS=0): %s" % what)
        return True

    def figure(self, text):
        self.figures.append(text)
        diag(text)

    def passed(self):
        return self.error is None and all(c for c, _ in self.checks)


def config_text(attack, text):
    """Print the config an attack uses (the brief asks for it) and return
    it."""
    attack.figure("config:")
    for line in text.strip().splitlines():
        if line.startswith("[group load.g") and not line.endswith("g0000]"):
            continue
        attack.figure("    " + line)
    if "[group load.g0001]" in text:
        attack.figure("    (... %d [group load.gNNNN] sections in all)"
                      % text.count("[group load.g"))
    return text


class Watch:
    """A monitor and a sampler around an attack: before, peak, after."""

    def __init__(self, attack, d, source, command="DATE", code=111):
        self.attack, self.d = attack, d
        self.monitor = Monitor(d, source, command, code)
        self.sampler = Sampler(lambda: d.proc.pid if d.running() else None)

    def start(self):
        self.monitor.connect()
        time.sleep(0.3)
        pid = self.d.proc.pid
        self.attack.before = Snapshot(pid)
        self.sampler.hwm_ok = reset_hwm(pid)
        self.sampler.sample()
        self.sampler.start()
        self.monitor.start()
        self.attack.figure("before: %s" % self.attack.before)

    def settle(self, timeout=30.0, what="descriptors back to the baseline"):
        """Wait (bounded) for loomd's descriptors to return to the count
        before the attack, then take the after snapshot; a check."""
        pid = self.d.proc.pid
        deadline = time.monotonic() + timeout
        n = proc_fds(pid)
        while n > self.attack.before.fds and time.monotonic() < deadline:
            time.sleep(0.1)
            n = proc_fds(pid)
        time.sleep(0.3)
        self.attack.after = Snapshot(pid)
        self.attack.check(self.attack.after.fds <= self.attack.before.fds,
                          "%s (%d before, %d after)"
                          % (what, self.attack.before.fds,
                             self.attack.after.fds))

    def stop(self):
        self.monitor.stop()
        self.sampler.stop()
        a = self.attack
        a.peak_rss, a.peak_anon, a.peak_fds = (self.sampler.rss,
                                               self.sampler.anon,
                                               self.sampler.fds)
        if a.after is None and self.d.running():
            a.after = Snapshot(self.d.proc.pid)
        a.mon = self.monitor.stats()
        a.mon_errors = list(self.monitor.errors)
        worst, med, n = a.mon
        a.figure("peak: VmRSS %d kB (anon %d kB), %d fds%s; after: %s"
                 % (a.peak_rss, a.peak_anon, a.peak_fds,
                    "" if self.sampler.hwm_ok else " (sampled)", a.after))
        if n:
            a.figure("monitor: %d x %s, worst %.1f ms, median %.1f ms"
                     % (n, self.monitor.command, worst, med))
        a.check(n > 0 and not a.mon_errors,
                "the monitor was served throughout (%d answers, %d errors%s)"
                % (n, len(a.mon_errors),
                   ": " + a.mon_errors[0] if a.mon_errors else ""))

    def memory_back(self, per_conn_kb=8, slack_kb=8192):
        """After the attack, heap memory (RssAnon) near the baseline: glibc
        keeps some of what the sessions freed (for the next ones: the
        idle floods check that round after round), so within slack_kb
        plus per_conn_kb per connection loomd had at the peak."""
        a = self.attack
        grown = a.after.anon - a.before.anon
        conns = max(0, a.peak_fds - a.before.fds)
        allowed = slack_kb + per_conn_kb * conns
        a.mem_check(grown <= allowed,
                    "memory back near the baseline: anon %+d kB (allowed "
                    "%d MiB + %d KiB x %d connections = %d kB; VmRSS %d -> "
                    "%d kB)" % (grown, slack_kb // 1024, per_conn_kb, conns,
                                allowed, a.before.rss, a.after.rss))


def stop_server(a, d):
    """SIGTERM loomd and time its exit; a check that it exits 0."""
    t0 = time.monotonic()
    rc = d.stop(timeout=60)
    a.figure("SIGTERM to exit: %.1f s" % (time.monotonic() - t0))
    a.check(rc == 0, "loomd exits with status 0 on SIGTERM (%s)" % rc)


# --------------------------------------------------------------------------
# Sockets


def raw_connect(addr, source, timeout=10.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((source, 0))
    s.connect(addr)
    return s


def read_line(s, timeout=10.0):
    """One CRLF line from a raw socket, read an octet at a time beyond
    what is needed never (so nothing is lost for later reads)."""
    s.settimeout(timeout)
    buf = b""
    while not buf.endswith(b"\r\n"):
        b = s.recv(1)
        if not b:
            raise TestFailure("EOF after %r" % buf)
        buf += b
        if len(buf) > 4096:
            raise TestFailure("no line end in %r" % buf[:100])
    return buf[:-2]


class SmallWindowConn(harness.Conn):
    """A harness Conn whose socket has a small receive buffer, set before
    connecting: a client that does not read then leaves the replies in
    loomd's memory, not in the kernel's."""

    def __init__(self, addr, source, rcvbuf=4096, timeout=120.0):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        s.settimeout(timeout)
        s.bind((source, 0))
        s.connect(addr)
        self.host, self.port = addr
        self.timeout, self.strict = timeout, True
        self.sock, self.buf, self.eof = s, b"", False
        self.greeting = self.response()


def hard_close(s):
    """Close with a reset (SO_LINGER 0), as a vanishing client does."""
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                     b"\x01\x00\x00\x00\x00\x00\x00\x00")
    except OSError:
        pass
    s.close()


def wait_closed(socks, timeout):
    """Poll raw sockets until the server closes each (EOF or reset), or
    timeout.  Returns {socket: (seconds, data received)} for the closed
    ones."""
    t0 = time.monotonic()
    fdmap = {s.fileno(): s for s in socks}
    data = {s: b"" for s in socks}
    closed = {}
    p = select.poll()
    for fd in fdmap:
        p.register(fd, select.POLLIN | select.POLLERR | select.POLLHUP)
    while fdmap and time.monotonic() - t0 < timeout:
        for fd, ev in p.poll(200):
            s = fdmap[fd]
            try:
                s.setblocking(False)
                b = s.recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                b = b""
            if b:
                data[s] += b
                continue
            closed[s] = (time.monotonic() - t0, data[s])
            p.unregister(fd)
            del fdmap[fd]
    return closed




def feed(d, articles, source=None, window=200):
    """Store articles [(msgid, text)] by streaming; every one must be
    acknowledged 239."""
    c = d.connect(source=source, timeout=120)
    c.expect(203, "MODE STREAM")
    for i in range(0, len(articles), window):
        chunk = articles[i:i + window]
        c.send(b"".join(b"TAKETHIS " + m.encode() + b"\r\n" + wire(t)
                        for m, t in chunk))
        for m, _ in chunk:
            code, text = c.response(timeout=120)
            if code != 239:
                raise TestFailure("TAKETHIS %s: %d %s" % (m, code, text))
    c.close()


def small_articles(n, group="local.test"):
    return [(m, relayed(m, groups=group, subject="article %d" % i,
                        body="Body of article %d.\n" % i))
            for i, m in ((i, unique_msgid()) for i in range(1, n + 1))]


def read_reply(c, multi_codes, timeout=120):
    """(code, number of data lines, octets) of one reply on a Conn."""
    code, text = c.response(timeout=timeout)
    if code in multi_codes:
        lines = c.multiline_bytes(timeout=timeout)
        return code, len(lines), sum(len(x) + 2 for x in lines)
    return code, 0, 0


# --------------------------------------------------------------------------
# 1. slowloris


def attack_slowloris(a):
    n_addr, per = SL_ADDRS, SL_PER_ADDR
    total = n_addr * per
    conf = config_text(a, """
[server]
max_connections = %d
max_connections_per_host = %d
idle_timeout = %d
[limits]
article_timeout = %d
""" % (total + 100, max(per, 64), SL_IDLE, SL_ARTICLE_TIMEOUT))
    with Loomd(config=conf) as d:
        w = Watch(a, d, "127.0.1.250")
        w.start()
        addr = (d.host, d.port)
        # One address in four posts and trickles the article: the
        # article_timeout case.  The others trickle a command line.
        socks, posters = [], []
        t0 = time.monotonic()
        for i in range(n_addr):
            src = "127.0.1.%d" % (i + 1)
            for _ in range(per):
                s = raw_connect(addr, src)
                socks.append(s)
                if i % 4 == 3:
                    posters.append(s)
        greeted = 0
        for s in socks:
            if read_line(s, 30).startswith(b"200"):
                greeted += 1
        a.figure("%d connections from %d addresses opened and greeted in "
                 "%.1f s" % (total, n_addr, time.monotonic() - t0))
        a.check(greeted == total, "every attacker admitted (%d of %d)"
                % (greeted, total))
        for s in posters:
            s.sendall(b"POST\r\n")
        for s in posters:
            line = read_line(s, 30)
            if not line.startswith(b"340"):
                a.check(False, "POST answered %r" % line)
                break
        posting = set(posters)
        cmd_pat = b"XPAT Subject 1- " + b"*" * 300
        art_pat = (b"From: slow@example.invalid\r\nNewsgroups: local.test\r\n"
                   b"Subject: slow\r\n\r\n" + b"x" * 300)
        pos = {s: 0 for s in socks}
        dead = {}
        tick = 0.05
        per_tick = max(1, int(len(socks) * tick / SL_INTERVAL))
        order = list(socks)
        RNG.shuffle(order)
        k = 0
        sent = 0
        end = time.monotonic() + SL_SECONDS
        while time.monotonic() < end:
            for _ in range(per_tick):
                s = order[k % len(order)]
                k += 1
                if s in dead:
                    continue
                pat = art_pat if s in posting else cmd_pat
                try:
                    s.sendall(pat[pos[s] % len(pat):pos[s] % len(pat) + 1])
                    pos[s] += 1
                    sent += 1
                except OSError:
                    dead[s] = time.monotonic() - t0
            time.sleep(tick)
        a.figure("trickled %d octets over %d s (one octet per connection "
                 "every %.1f s)" % (sent, SL_SECONDS, SL_INTERVAL))
        # The posters' articles took longer than article_timeout.
        closed = wait_closed(posters, 5)
        got400 = sum(1 for s in posters if s in closed and
                     b"400 Article not received" in closed[s][1])
        a.check(len(closed) == len(posters) and got400 == len(posters),
                "every article trickler closed at article_timeout=%d s with "
                "400 (%d of %d closed, %d with the 400)"
                % (SL_ARTICLE_TIMEOUT, len(closed), len(posters), got400))
        cmds = [s for s in socks if s not in posting]
        gone = wait_closed(cmds, 0.5)
        still = [s for s in cmds if s not in dead and s not in gone]
        told = sum(1 for s in cmds if s in gone and
                   b"400 Command line not completed" in gone[s][1])
        # Every octet restarts idle_timeout, but the line as a whole must
        # arrive within it: the tricklers lose their slots.
        a.check(not still,
                "every command-line trickler closed once its line took "
                "longer than idle_timeout=%d s (%d of %d closed, %d seen "
                "with the 400)" % (SL_IDLE, len(cmds) - len(still),
                                   len(cmds), told))
        a.note = "%d/%d slots held after %d s" % (len(still), len(cmds),
                                                  SL_SECONDS)
        # Half of the rest vanish (half with a reset), half just stop:
        # idle_timeout must close those.
        RNG.shuffle(still)
        half = len(still) // 2
        for i, s in enumerate(still[:half]):
            if i % 2:
                hard_close(s)
            else:
                s.close()
        stopped = still[half:]
        closed = wait_closed(stopped, SL_IDLE * 3 + 15)
        times = sorted(t for t, _ in closed.values())
        a.check(len(closed) == len(stopped),
                "every stopped trickler closed by idle_timeout (%d of %d%s)"
                % (len(closed), len(stopped),
                   ", after %.1f-%.1f s" % (times[0], times[-1])
                   if times else ""))
        for s in socks:
            s.close()
        w.settle(timeout=30)
        w.stop()
        w.memory_back()
        stop_server(a, d)


# --------------------------------------------------------------------------
# 2. idle floods


FLOOD_KIND = {"plain": "idle plain", "tls": "silent implicit-TLS",
              "starttls": "STARTTLS-then-stall"}


def idle_flood_round(a, d, mode, net, rnd):
    """Fill every slot but the monitor's, check that newcomers are
    refused, wait for idle_timeout to empty them.  True if it did."""
    plain = (d.host, d.port)
    target = d.addrs[1] if mode == "tls" else plain
    fds0 = proc_fds(d.proc.pid)
    flood = []
    n = IF_MAX - 1          # the monitor holds one slot
    t0 = time.monotonic()
    for i in range(n):
        s = raw_connect(target, net + "%d" % (i % IF_ADDRS + 1))
        flood.append(s)
        if mode == "plain":
            line = read_line(s, 30)
            if not line.startswith(b"200"):
                raise TestFailure("flood connection %d greeted %r" % (i, line))
        elif mode == "starttls":
            if not read_line(s, 30).startswith(b"200"):
                raise TestFailure("no greeting")
            s.sendall(b"STARTTLS\r\n")
            line = read_line(s, 30)
            if not line.startswith(b"382"):
                raise TestFailure("STARTTLS answered %r" % line)
    # Silent TLS connects get no greeting: count descriptors.
    deadline = time.monotonic() + 30
    while proc_fds(d.proc.pid) < fds0 + n and time.monotonic() < deadline:
        time.sleep(0.05)
    full = time.monotonic() - t0
    a.figure("round %d: %d %s connections open after %.1f s; loomd has "
             "%d fds" % (rnd, n, FLOOD_KIND[mode], full,
                         proc_fds(d.proc.pid)))
    # Full: new clients are told so.
    refused = 0
    for i in range(5):
        p = raw_connect(plain, net + "251")
        try:
            line = read_line(p, 10)
        except (TestFailure, OSError):
            line = b""
        if line.startswith(b"400"):
            refused += 1
        p.close()
    a.check(refused == 5, "round %d: new clients get 400 while full (%d of 5)"
            % (rnd, refused))
    # The flood must be closed by idle_timeout.
    closed = wait_closed(flood, IF_IDLE * 4 + 20)
    times = sorted(t - full for t, _ in closed.values())
    ok = a.check(len(closed) == n,
                 "round %d: every idle connection closed by the server "
                 "(%d of %d%s)" % (rnd, len(closed), n,
                                   ", %.1f-%.1f s after the last one opened"
                                   % (times[0], times[-1]) if times else ""))
    if mode == "plain":
        said = sum(1 for x in closed if b"400 Idle timeout" in closed[x][1])
        a.check(said == len(closed), "round %d: each told 400 Idle timeout "
                "(%d of %d)" % (rnd, said, len(closed)))
    # And a new client from the monitor's address is served again.
    again = None
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        p = raw_connect(plain, net + "250")
        try:
            again = read_line(p, 10)
        except (TestFailure, OSError):
            again = b""
        p.close()
        if again.startswith(b"200"):
            break
        time.sleep(0.2)
    ok &= a.check(again is not None and again.startswith(b"200"),
                  "round %d: a new client is served once the flood timed "
                  "out (%r)" % (rnd, again))
    for x in flood:
        x.close()
    return ok


def attack_idle_flood(a, mode):
    pair = harness.TLSPair() if mode != "plain" else None
    net = "127.0.%d." % {"plain": 2, "tls": 3, "starttls": 4}[mode]
    conf = config_text(a, """
[server]
max_connections = %d
max_connections_per_host = 64
idle_timeout = %d
""" % (IF_MAX, IF_IDLE))
    if pair:
        a.figure("    (and %s)" % " ".join(pair.args))
    try:
        with Loomd(config=conf, args=pair.args if pair else ()) as d:
            w = Watch(a, d, net + "250")
            w.start()
            anon = []
            for rnd in range(1, IF_ROUNDS + 1):
                ok = idle_flood_round(a, d, mode, net, rnd)
                deadline = time.monotonic() + 10
                while (proc_fds(d.proc.pid) > a.before.fds and
                       time.monotonic() < deadline):
                    time.sleep(0.1)
                anon.append(proc_mem(d.proc.pid)["RssAnon"])
                if not ok:
                    break
            w.settle(timeout=30)
            w.stop()
            # An OpenSSL session costs ~60 KiB; glibc keeps more of it.
            w.memory_back(per_conn_kb=8 if mode == "plain" else 96)
            if len(anon) > 1:
                # The allocator warms up over a round or two (OpenSSL
                # more so); a leak would go on growing every round.
                a.mem_check(anon[-1] <= max(anon[:-1]) + 1024,
                            "no growth round after round: anon after each "
                            "round %s kB (the last within 1 MiB of an "
                            "earlier one)" % "/".join(map(str, anon)))
            stop_server(a, d)
    finally:
        if pair:
            pair.remove()


# --------------------------------------------------------------------------
# 3. unread pipelines


def big_body(i, size):
    line = ("big article %d " % i).ljust(76, "x") + "\n"
    return line * (size // len(line))


def attack_pipelines(a):
    outbuf = PL_OUTBUF * 1024
    conf = config_text(a, """
[server]
idle_timeout = %d
max_connections_per_host = 64
[limits]
output_buffer = %dK
[posting]
max_article_size = 1M
""" % (PL_HOLD * 4 + 60, PL_OUTBUF))
    with Loomd(config=conf) as d:
        t0 = time.monotonic()
        bigs = []
        for i in range(PL_BIG):
            m = unique_msgid()
            bigs.append((m, relayed(m, groups="local.general",
                                    subject="big %d" % i,
                                    body=big_body(i, 512 * 1024))))
        feed(d, bigs, window=8)
        feed(d, small_articles(PL_SMALL, "local.test"))
        a.figure("stored %d articles of 512 KiB and %d small ones in %.1f s"
                 % (PL_BIG, PL_SMALL, time.monotonic() - t0))
        # Read everything once: the store's pages are then in loomd's
        # RSS already, and what grows below is loomd's own memory.
        r = d.connect(timeout=120)
        r.expect(211, "GROUP local.general")
        sizes = {}
        for i in range(1, PL_BIG + 1):
            r.send("ARTICLE %d\r\n" % i)
            code, n, sizes[i] = read_reply(r, (220,))
            if code != 220:
                raise TestFailure("ARTICLE %d: %d" % (i, code))
        r.expect(211, "GROUP local.test")
        r.send("OVER 1-\r\n")
        code, over_lines, over_octets = read_reply(r, (224,))
        r.close()
        a.check(over_lines == PL_SMALL, "OVER 1- gives %d lines (want %d)"
                % (over_lines, PL_SMALL))
        w = Watch(a, d, "127.0.5.250", "GROUP local.test", 211)
        w.start()
        per_client = PL_MB * 1000000 // PL_CLIENTS
        clients = []
        asked = 0
        for i in range(PL_CLIENTS):
            c = SmallWindowConn((d.host, d.port), "127.0.5.%d" % (i + 1))
            if i % 2 == 0:
                cmds = ["GROUP local.general"]
                k = 0
                while k * sizes[1] < per_client:
                    cmds.append("ARTICLE %d" % (k % PL_BIG + 1))
                    k += 1
                asked += k * sizes[1]
            else:
                reps = max(1, per_client // over_octets)
                cmds = ["GROUP local.test"] + ["OVER 1-"] * reps
                asked += reps * over_octets
            c.send(("\r\n".join(cmds) + "\r\n").encode())
            clients.append((c, cmds))
        a.figure("%d clients (receive buffers of 4 KiB) pipelined requests "
                 "for %.1f MB of replies and read nothing"
                 % (PL_CLIENTS, asked / 1e6))
        time.sleep(PL_HOLD)
        sample = Snapshot(d.proc.pid)
        a.figure("after %d s unread: %s" % (PL_HOLD, sample))
        # Bound: per client the output buffer plus the one reply being
        # queued when it filled (an article, at most max_article_size,
        # or an OVER chunk), plus its input (256 KiB at most).
        bound_kb = (PL_CLIENTS * (outbuf + 1024 * 1024 + 256 * 1024) // 1024
                    + PL_SLACK * 1024)
        w.sampler.sample()
        grown = max(w.sampler.rss, sample.rss) - a.before.rss
        a.mem_check(grown <= bound_kb,
                    "memory bounded: peak VmRSS growth %d kB <= %d kB (%d x "
                    "(output_buffer %d KiB + 1 MiB + 256 KiB input) + %d MiB)"
                    % (grown, bound_kb, PL_CLIENTS, PL_OUTBUF, PL_SLACK))
        # One client now reads it all: the replies are whole and in order.
        c, cmds = clients[0]
        ok = True
        for cmd in cmds:
            code, n, octets = read_reply(c, (220, 224))
            want = 211 if cmd.startswith("GROUP") else 220
            if code != want or (want == 220 and
                                octets != sizes[int(cmd.split()[1])]):
                ok = False
                a.check(False, "%s answered %d (%d octets)" % (cmd, code,
                                                               octets))
                break
        c, cmds = clients[1]
        for cmd in cmds:
            code, n, octets = read_reply(c, (220, 224))
            if cmd.startswith("OVER") and (code != 224 or n != PL_SMALL):
                ok = False
                a.check(False, "%s answered %d with %d lines" % (cmd, code, n))
                break
        a.check(ok, "two of the clients then read every reply, whole and "
                "in order")
        for c, _ in clients:
            hard_close(c.sock)
        w.settle(timeout=60)
        w.stop()
        w.memory_back(slack_kb=16384)  # 512 KiB replies were freed
        stop_server(a, d)


# --------------------------------------------------------------------------
# 4. body bombs


def bomb_sender(addr, source, mb, kind, result):
    """POST with a body of mb MB: kind 'lines' (lines of 76 octets) or
    'oneline' (a single line without an end until the last)."""
    try:
        mid = unique_msgid()
        c = harness.Conn(addr[0], addr[1], timeout=300, source=source)
        c.expect(340, "POST")
        head = ("From: bomb@example.invalid\r\nNewsgroups: local.test\r\n"
                "Subject: bomb\r\nMessage-ID: %s\r\n\r\n" % mid).encode()
        c.send(head)
        total = mb * 1000000
        if kind == "lines":
            chunk = (b"y" * 74 + b"\r\n") * (1000000 // 76)
        else:
            chunk = b"z" * 1000000
        t0 = time.monotonic()
        n = 0
        while n < total:
            c.send(chunk)
            n += len(chunk)
        c.send(b"\r\n.\r\n")
        code, text = c.response(timeout=300)
        result.update(mid=mid, code=code, text=text, octets=n,
                      seconds=time.monotonic() - t0)
        result["after"] = c.cmd("DATE")[0]
        c.close()
    except Exception as e:  # noqa: BLE001
        result["error"] = "%s: %s" % (type(e).__name__, e)


def endless_sender(addr, source, kind, result):
    """POST and a body that never ends: 'fast' (as fast as loomd reads)
    or 'slow' (a line a second)."""
    mid = unique_msgid()
    result["mid"] = mid
    try:
        c = harness.Conn(addr[0], addr[1], timeout=120, source=source)
        c.expect(340, "POST")
        t0 = time.monotonic()
        c.send(("From: endless@example.invalid\r\nNewsgroups: local.test\r\n"
                "Subject: endless\r\nMessage-ID: %s\r\n\r\n" % mid).encode())
        chunk = (b"e" * 62 + b"\r\n") * 1000
        sent = 0
        try:
            while time.monotonic() - t0 < 300:
                if kind == "fast":
                    c.send(chunk)
                    sent += len(chunk)
                else:
                    c.send(b"a slow line\r\n")
                    sent += 13
                    r, _, _ = select.select([c.sock], [], [], 1.0)
                    if r:
                        break
        except OSError:
            pass
        result["sent"] = sent
        closed = c.closed(60)
        result["seconds"] = time.monotonic() - t0
        result["closed"] = closed
        result["lines"] = c.pending_lines()
        c.close()
    except Exception as e:  # noqa: BLE001
        result["error"] = "%s: %s" % (type(e).__name__, e)


def attack_body_bombs(a):
    conf_tmpl = """
[server]
max_connections_per_host = 64
[limits]
article_timeout = %d
[posting]
max_article_size = 1M
"""
    conf = config_text(a, conf_tmpl % 300)
    a.figure("then, by SIGHUP, article_timeout = %d for the endless bodies"
             % BB_TIMEOUT)
    with Loomd(config=conf) as d:
        addr = (d.host, d.port)
        c = d.connect()
        count0 = c.expect(211, "GROUP local.test").split()[0]
        c.close()
        w = Watch(a, d, "127.0.6.250")
        w.start()
        threads, results = [], []
        for i in range(BB_CLIENTS):
            r = {"kind": "oneline" if i % 2 else "lines"}
            t = threading.Thread(target=bomb_sender, daemon=True,
                                 args=(addr, "127.0.6.%d" % (i + 1), BB_MB,
                                       r["kind"], r))
            threads.append(t)
            results.append(r)
            t.start()
        for t in threads:
            t.join(600)
        for r in results:
            if "error" in r:
                a.check(False, "%s bomb: %s" % (r["kind"], r["error"]))
                continue
            a.figure("%d MB %s bomb sent in %.2f s (%.0f MB/s)"
                     % (r["octets"] // 1000000, r["kind"], r["seconds"],
                        r["octets"] / 1e6 / max(r["seconds"], 1e-3)))
            a.check(r["code"] == 441 and r["after"] == 111,
                    "%s bomb refused 441 after its end (%d %s), then DATE "
                    "%d on the same connection" % (r["kind"], r["code"],
                                                   r["text"], r["after"]))
        # The endless bodies.
        since = d.log_size()
        with open(d.config_path, "w") as f:
            f.write(conf_tmpl % BB_TIMEOUT)
        d.sighup()
        d.wait_log(r"reloaded ", since=since)
        threads, ends = [], []
        for i in range(BB_ENDLESS):
            r = {"kind": "slow" if i % 3 == 2 else "fast"}
            t = threading.Thread(target=endless_sender, daemon=True,
                                 args=(addr, "127.0.6.%d" % (i + 101),
                                       r["kind"], r))
            threads.append(t)
            ends.append(r)
            t.start()
        for t in threads:
            t.join(400)
        for r in ends:
            if "error" in r:
                a.check(False, "%s endless body: %s" % (r["kind"], r["error"]))
                continue
            told = any("400 Article not received" in x for x in r["lines"])
            a.check(r["closed"], "%s endless body (%.1f MB sent) closed after "
                    "%.1f s (article_timeout=%d)%s"
                    % (r["kind"], r["sent"] / 1e6, r["seconds"], BB_TIMEOUT,
                       ", told 400" if told else
                       ", 400 lost to the reset (see the log check)"))
        timeouts = len(d.log_text()[since:].split(
            "closed reason=article timeout")) - 1
        a.check(timeouts == BB_ENDLESS, "the log has %d article-timeout "
                "closes (want %d)" % (timeouts, BB_ENDLESS))
        c = d.connect(source="127.0.6.251")
        count1 = c.expect(211, "GROUP local.test").split()[0]
        stored = [r["mid"] for r in results + ends if "mid" in r and
                  c.cmd("STAT %s" % r["mid"])[0] != 430]
        c.close()
        a.check(count0 == count1 and not stored, "nothing stored (group count "
                "%s -> %s; stored: %s)" % (count0, count1, stored or "none"))
        bound_kb = ((BB_CLIENTS + BB_ENDLESS) * (256 + 1024 + 128)
                    + BB_SLACK * 1024)
        w.sampler.sample()
        grown = w.sampler.rss - a.before.rss
        a.mem_check(grown <= bound_kb,
                    "memory bounded: peak VmRSS growth %d kB <= %d kB ((%d + "
                    "%d) x (256 KiB input + 1 MiB article + 128 KiB line) + "
                    "%d MiB)" % (grown, bound_kb, BB_CLIENTS, BB_ENDLESS,
                                 BB_SLACK))
        w.settle(timeout=30)
        w.stop()
        w.memory_back()
        stop_server(a, d)


# --------------------------------------------------------------------------
# 5. fairness


def heavy_reader(d, source, kind, seconds, res, expect):
    try:
        c = d.connect(source=source, timeout=300)
        c.expect(211, "GROUP local.test")
        if kind == "xpat":
            batch = ["XPAT Subject 1- %s" % expect["xpat_pat"]] * 100
        elif kind == "list":
            batch = ["LIST ACTIVE %s" % expect["list_pat"]] * 50
        else:
            batch = ["OVER 1-"] * 10
        want = {"xpat": (221, expect["xpat_n"]),
                "list": (215, expect["list_n"]),
                "over": (224, FA_ARTICLES)}[kind]
        payload = ("\r\n".join(batch) + "\r\n").encode()
        end = time.monotonic() + seconds
        res.update(commands=0, octets=0, bad=None)
        while time.monotonic() < end:
            c.send(payload)
            for _ in batch:
                code, n, octets = read_reply(c, (215, 221, 224), timeout=300)
                if (code, n) != want and res["bad"] is None:
                    res["bad"] = "%s: %d with %d lines, want %d with %d" % (
                        batch[0], code, n, want[0], want[1])
                res["commands"] += 1
                res["octets"] += octets
        c.close()
    except Exception as e:  # noqa: BLE001
        res["bad"] = "%s: %s" % (type(e).__name__, e)


def attack_fairness(a):
    groups = "".join("[group load.g%04d]\n" % i for i in range(FA_GROUPS))
    conf = config_text(a, """
[server]
max_connections_per_host = 64
[limits]
commands_per_second = 0
output_buffer = 256K
[group local.test]
""" + groups)
    with Loomd(config=conf, start_timeout=120) as d:
        t0 = time.monotonic()
        feed(d, small_articles(FA_ARTICLES, "local.test"))
        a.figure("stored %d articles in %.1f s" % (FA_ARTICLES,
                                                   time.monotonic() - t0))
        subjects = ["article %d" % i for i in range(1, FA_ARTICLES + 1)]
        xpat_pat = "*12*"
        list_pat = ",".join(["x%02d.*" % i for i in range(55)] +
                            ["load.g1*"])
        expect = dict(
            xpat_pat=xpat_pat,
            xpat_n=sum(1 for x in subjects
                       if fnmatch.fnmatchcase(x, xpat_pat)),
            list_pat=list_pat,
            list_n=sum(1 for i in range(FA_GROUPS)
                       if ("g%04d" % i).startswith("g1")))
        # The monitor alone first: the quiet baseline.
        quiet = Monitor(d, "127.0.7.250")
        quiet.connect()
        quiet.start()
        time.sleep(3)
        quiet.stop()
        qw, qm, qn = quiet.stats()
        a.figure("quiet baseline: %d x DATE, worst %.1f ms, median %.1f ms"
                 % (qn, qw, qm))
        w = Watch(a, d, "127.0.7.251")
        w.start()
        kinds = ["xpat", "list", "over"]
        threads, results = [], []
        for i in range(FA_READERS):
            r = {"kind": kinds[i % 3]}
            t = threading.Thread(target=heavy_reader, daemon=True,
                                 args=(d, "127.0.7.%d" % (i + 1), r["kind"],
                                       FA_SECONDS, r, expect))
            threads.append(t)
            results.append(r)
            t.start()
        for t in threads:
            t.join(FA_SECONDS + 300)
        for r in results:
            a.check(r.get("bad") is None and r.get("commands", 0) > 0,
                    "%s reader: %d replies, %.1f MB, all correct%s"
                    % (r["kind"], r.get("commands", 0),
                       r.get("octets", 0) / 1e6,
                       "" if r.get("bad") is None else ": " + r["bad"]))
        w.settle(timeout=30)
        w.stop()
        stop_server(a, d)


# --------------------------------------------------------------------------
# 6. kill -9 under TAKETHIS


class Feeder(threading.Thread):
    """Streams TAKETHIS until the connection dies; records what was
    acknowledged with 239."""

    def __init__(self, d, source, round_no, window):
        super().__init__(daemon=True)
        self.d, self.source, self.round = d, source, round_no
        self.window = window
        self.acked = []
        self.sent = {}
        self.other = []
        self.error = None

    def run(self):
        try:
            c = self.d.connect(source=self.source, timeout=30)
            c.expect(203, "MODE STREAM")
        except Exception as e:  # noqa: BLE001
            self.error = "connect: %s" % e
            return
        inflight = []
        seq = 0
        t0 = time.monotonic()

        def ahead():
            return KL_RATE and seq >= KL_RATE * (time.monotonic() - t0)
        try:
            while True:
                while len(inflight) < self.window and not ahead():
                    seq += 1
                    m = unique_msgid("kill%d.soak.invalid" % self.round)
                    body = "round %d article %d %s\n" % (
                        self.round, seq, "%016x" % RNG.getrandbits(64))
                    body += ("filler %d\n" % seq) * RNG.randint(0, 8)
                    self.sent[m] = hashlib.sha1(body.encode()).hexdigest()
                    c.send(b"TAKETHIS " + m.encode() + b"\r\n" +
                           wire(relayed(m, groups="local.test", body=body)))
                    inflight.append(m)
                if not inflight:
                    time.sleep(0.005)       # SOAK_KILL_RATE holds us back
                    continue
                code, text = c.response(timeout=30)
                m = inflight.pop(0)
                if code == 239 and text.split()[0] == m:
                    self.acked.append(m)
                else:
                    self.other.append((m, code, text))
        except Exception:  # noqa: BLE001 - the kill ends every round
            pass
        finally:
            c.close()


def body_hash(lines):
    i = lines.index(b"")
    body = b"".join(x + b"\n" for x in lines[i + 1:])
    return hashlib.sha1(body).hexdigest()


def verify_present(d, mids, sent, source, full):
    """STAT every id (pipelined); ARTICLE those in full (their body
    must be what was sent).  Returns (missing, corrupt)."""
    c = d.connect(source=source, timeout=120)
    missing, corrupt = [], []
    for i in range(0, len(mids), 500):
        chunk = mids[i:i + 500]
        c.send("".join("STAT %s\r\n" % m for m in chunk).encode())
        for m in chunk:
            code, text = c.response(timeout=120)
            if code != 223:
                missing.append((m, code))
    for i in range(0, len(full), 100):
        chunk = full[i:i + 100]
        c.send("".join("ARTICLE %s\r\n" % m for m in chunk).encode())
        for m in chunk:
            code, text = c.response(timeout=120)
            if code != 220:
                corrupt.append((m, code))
                continue
            if body_hash(c.multiline_bytes(timeout=120)) != sent[m]:
                corrupt.append((m, "body differs"))
    c.close()
    return missing, corrupt


def attack_kill9(a):
    conf = config_text(a, """
[server]
max_connections_per_host = 64
""")
    with Loomd(config=conf) as d:
        w = Watch(a, d, "127.0.8.250")
        w.start()
        acked, sent = [], {}
        unacked_present = refused = 0
        lost = []
        t_start = time.monotonic()
        for rnd in range(1, KL_ROUNDS + 1):
            f = Feeder(d, "127.0.8.1", rnd, KL_WINDOW)
            f.start()
            delay = RNG.uniform(KL_MIN, KL_MAX)
            time.sleep(delay)
            w.monitor.pause()
            d.kill9()
            f.join(60)
            acked.extend(f.acked)
            sent.update(f.sent)
            refused += len(f.other)
            d.start()
            w.monitor.resume()
            # Everything ever acknowledged, after every restart; this
            # round's articles read back whole.
            missing, corrupt = verify_present(d, acked, sent, "127.0.8.2",
                                              f.acked)
            lost.extend(missing + corrupt)
            got = set(f.acked)
            unacked = [m for m in f.sent if m not in got]
            c = d.connect(source="127.0.8.2")
            c.send("".join("STAT %s\r\n" % m for m in unacked).encode())
            here = sum(1 for _ in unacked if c.response(timeout=60)[0] == 223)
            c.close()
            unacked_present += here
            diag("round %d: killed after %.2f s; %d acknowledged, %d in "
                 "flight (%d of them stored anyway); %d missing or corrupt"
                 % (rnd, delay, len(f.acked), len(unacked), here,
                    len(missing) + len(corrupt)))
        # The final check reads every acknowledged article back.
        missing, corrupt = verify_present(d, acked, sent, "127.0.8.2", acked)
        lost.extend(missing + corrupt)
        a.figure("%d rounds in %.0f s: %d articles acknowledged 239 in all, "
                 "%d unacknowledged ones found stored anyway, %d not 239"
                 % (KL_ROUNDS, time.monotonic() - t_start, len(acked),
                    unacked_present, refused))
        a.note = "%d acked, %d lost" % (len(acked), len(lost))
        a.check(len(acked) > 0, "articles were acknowledged (%d)" % len(acked))
        a.check(refused == 0, "every TAKETHIS answered 239 (%d others)"
                % refused)
        a.check(not lost, "every acknowledged article present and readable "
                "after every restart (%d lost or corrupt%s)"
                % (len(lost), ": %r" % (lost[:3],) if lost else ""))
        w.stop()
        stop_server(a, d)


# --------------------------------------------------------------------------
# 7. the integration suite under valgrind


def attack_valgrind(a):
    if not VG_RUN:
        harness.skip("SOAK_VALGRIND=0")
    if subprocess.run(["sh", "-c", "command -v valgrind"],
                      capture_output=True).returncode != 0:
        raise TestFailure("valgrind not found (scripts/deps.sh soak "
                          "installs it)")
    wrapper = os.path.join(HERE, "valgrind-loomd.sh")
    logpath = os.path.join(BUILD_DIR, "soak-valgrind.log")
    tally = os.path.join(BUILD_DIR, "soak-valgrind.pids")
    with open(tally, "w"):
        pass
    env = dict(os.environ)
    env.update(TEST_LOOMD=wrapper, LOOMD_REAL=harness.LOOMD,
               INTEGRATION_ONLY="1", LOOM_TIMEOUT_SCALE=str(VG_SCALE),
               LOOM_VALGRIND_TALLY=tally, BUILD=BUILD)
    a.figure("LOOMD=%s (LOOMD_REAL=%s), LOOM_TIMEOUT_SCALE=%s; log: %s"
             % (wrapper, harness.LOOMD, VG_SCALE, logpath))
    t0 = time.monotonic()
    with open(logpath, "w") as logf:
        p = subprocess.Popen(["sh", "tests/run.sh"], cwd=ROOT, env=env,
                             stdout=logf, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL,
                             start_new_session=True)
        try:
            rc = p.wait(VG_TIMEOUT)
        except subprocess.TimeoutExpired:
            # Our own process group (the run and the servers it started).
            os.killpg(p.pid, signal.SIGKILL)
            p.wait(30)
            rc = None
    dt = time.monotonic() - t0
    with open(logpath, errors="replace") as f:
        text = f.read()
    summary = [x for x in text.splitlines() if x.endswith(" skipped")]
    progs = [x[3:] for x in text.splitlines() if x.startswith("== ")]
    a.figure("%d test programs in %.0f s (%.1f min): %s"
             % (len(progs), dt, dt / 60, summary[-1] if summary else "?"))
    with open(tally) as f:
        runs = f.read().splitlines()
    a.figure("%d loomd processes ran under memcheck" % len(runs))
    reports = [x for x in text.splitlines()
               if "valgrind report in loomd log" in x
               or "exited with status 99" in x
               or x.startswith("# valgrind: ==")]
    a.figure("%d memcheck reports%s" % (len(reports), ":" if reports else ""))
    for x in reports[:10]:
        a.figure("  " + x.lstrip("# "))
    a.note = "%.1f min" % (dt / 60)
    a.check(rc is not None, "finished within SOAK_VALGRIND_TIMEOUT=%d s"
            % VG_TIMEOUT)
    failed = [x for x in text.splitlines() if x.startswith("failed programs:")]
    a.check(rc == 0, "every test passed with loomd under memcheck%s"
            % (" (%s)" % failed[-1] if failed else ""))


# --------------------------------------------------------------------------


ATTACKS = [
    ("slowloris", "slowloris, %d addresses x %d" % (SL_ADDRS, SL_PER_ADDR),
     attack_slowloris),
    ("idle-plain", "idle flood to max_connections, plain",
     lambda a: attack_idle_flood(a, "plain")),
    ("idle-tls", "idle flood, silent implicit-TLS connects",
     lambda a: attack_idle_flood(a, "tls")),
    ("idle-starttls", "idle flood, STARTTLS then stall",
     lambda a: attack_idle_flood(a, "starttls")),
    ("pipelines", "%d MB unread pipelines, %d clients" % (PL_MB, PL_CLIENTS),
     attack_pipelines),
    ("bombs", "body bombs, %d x %d MB + %d endless" % (BB_CLIENTS, BB_MB,
                                                       BB_ENDLESS),
     attack_body_bombs),
    ("fairness", "fairness, %d heavy readers" % FA_READERS, attack_fairness),
    ("kill9", "kill -9 under TAKETHIS, %d rounds" % KL_ROUNDS, attack_kill9),
    ("valgrind", "integration suite under valgrind", attack_valgrind),
]


class _Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise _Timeout("attack exceeded SOAK_ATTACK_TIMEOUT=%d s" % ATTACK_TIMEOUT)


def fmt(v, spec="%d"):
    return "-" if v is None else spec % v


def table(attacks):
    head = ("attack", "mon worst ms", "mon median ms",
            "VmRSS kB before/peak/after", "anon kB before/peak/after",
            "fds before/peak/after", "verdict")
    rows = []
    for a in attacks:
        worst, med, n = a.mon
        b, af = a.before, a.after
        rows.append((
            a.title,
            fmt(worst, "%.1f"), fmt(med, "%.1f"),
            "%s/%s/%s" % (fmt(b.rss if b else None), fmt(a.peak_rss or None),
                          fmt(af.rss if af else None)),
            "%s/%s/%s" % (fmt(b.anon if b else None),
                          fmt(a.peak_anon or None),
                          fmt(af.anon if af else None)),
            "%s/%s/%s" % (fmt(b.fds if b else None), fmt(a.peak_fds or None),
                          fmt(af.fds if af else None)),
            ("SKIP" if a.error == "skip" else
             "ok" if a.passed() else "FAIL") +
            (" (%s)" % a.note if a.note else ""),
        ))
    widths = [max(len(r[i]) for r in rows + [head]) for i in range(len(head))]
    lines = []
    for r in [head] + rows:
        lines.append("  ".join(c.ljust(widths[i]) if i in (0, 6) else
                               c.rjust(widths[i])
                               for i, c in enumerate(r)).rstrip())
        if r is head:
            lines.append("  ".join("-" * w for w in widths))
    return lines


def main():
    sel = sys.argv[1:]
    chosen = [t for t in ATTACKS if not sel or any(s in t[0] for s in sel)]
    t_all = time.monotonic()
    out("# Loom soak: %s" % time.strftime("%Y-%m-%d %H:%M:%S %Z"))
    out("# loomd: %s" % harness.LOOMD)
    out("# host: %s, %d CPUs, load average %s" % (
        os.uname().nodename, os.cpu_count() or 0,
        " ".join("%.2f" % x for x in os.getloadavg())))
    for name, value, help_ in SETTINGS:
        out("# %s=%s  (%s)" % (name, value, help_))
    out("1..%d" % len(chosen))
    done = []
    signal.signal(signal.SIGALRM, _alarm)
    for i, (key, title, fn) in enumerate(chosen, 1):
        a = Attack(key, title)
        out("# --- %d. %s" % (i, title))
        t0 = time.monotonic()
        signal.alarm(ATTACK_TIMEOUT)
        try:
            fn(a)
        except harness.Skip as e:
            a.error = "skip"
            a.note = str(e)
        except BaseException as e:  # noqa: BLE001
            if isinstance(e, KeyboardInterrupt):
                raise
            a.error = "%s: %s" % (type(e).__name__, e)
            diag(traceback.format_exc())
        finally:
            signal.alarm(0)
        a.seconds = time.monotonic() - t0
        diag("%s: %.1f s" % (key, a.seconds))
        if a.error == "skip":
            out("ok %d - %s # SKIP %s" % (i, key, a.note))
        elif a.passed():
            out("ok %d - %s" % (i, key))
        else:
            out("not ok %d - %s" % (i, key))
        done.append(a)
    total = time.monotonic() - t_all
    lines = table(done)
    lines.append("")
    lines.append("total: %.1f min on %s (%d CPUs, load average now %s); "
                 "timings from a shared machine are noisy" % (
                     total / 60, os.uname().nodename, os.cpu_count() or 0,
                     " ".join("%.2f" % x for x in os.getloadavg())))
    out()
    for line in lines:
        out(line)
    os.makedirs(BUILD_DIR, exist_ok=True)
    with open(os.path.join(BUILD_DIR, "soak-results.txt"), "w") as f:
        f.write("Loom soak, %s\n\n" % time.strftime("%Y-%m-%d %H:%M:%S %Z"))
        f.write("\n".join(lines) + "\n\nfigures:\n")
        for a in done:
            f.write("\n%s (%s, %.0f s)\n" % (a.title, "ok" if a.passed()
                                             else "FAIL", a.seconds))
            for x in a.figures:
                f.write("  %s\n" % x)
            for ok, what in a.checks:
                f.write("  %s: %s\n" % ("pass" if ok else "FAIL", what))
            if a.error and a.error != "skip":
                f.write("  error: %s\n" % a.error)
    bad = [a.key for a in done if not a.passed() and a.error != "skip"]
    if bad:
        out("failed: %s" % " ".join(bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
