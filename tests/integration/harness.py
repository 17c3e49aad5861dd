"""
Integration-test harness for Loom: start loomd on an ephemeral port, talk
NNTP to it over raw sockets, run loomctl, and report results as TAP.

A test file looks like this:

    import harness
    from harness import Loomd, Conn, loomctl

    def test_greeting():
        with Loomd() as d:
            c = d.connect()
            assert c.greeting[0] == 200, c.greeting

    if __name__ == "__main__":
        harness.main(globals())

Environment:
  LOOMD, LOOMCTL   the binaries (default: build/ in the work tree)
  LOOM_TESTDATA    tests/data (default: the one beside this file)
  LOOM_KEEP_TMP=1  keep each server's temporary directory for inspection
  LOOM_TEST_TIMEOUT  seconds one test may take before it is failed
                   (120 times LOOM_TIMEOUT_SCALE)
  LOOM_TIMEOUT_SCALE  multiply every wait of the harness by this (1; e.g.
                   6 with loomd under valgrind, tests/soak/README.md)
  CI               "true" (or any value but "", "0", "false", "no"): a test
                   that needs something not installed fails instead of
                   skipping (missing_dependency)

Everything is bounded: socket operations time out, process waits time out,
and every test runs under an alarm.  Processes are only ever signalled by
the PID this harness started.
"""

import atexit
import itertools
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
LOOMD = os.environ.get("LOOMD") or os.path.join(ROOT, "build", "loomd")
LOOMCTL = os.environ.get("LOOMCTL") or os.path.join(ROOT, "build", "loomctl")
TESTDATA = os.environ.get("LOOM_TESTDATA") or os.path.join(ROOT, "tests", "data")
KEEP_TMP = os.environ.get("LOOM_KEEP_TMP") == "1"


def _timeout_scale():
    try:
        v = float(os.environ.get("LOOM_TIMEOUT_SCALE") or "1")
    except ValueError:
        v = 1.0
    return v if v >= 1.0 else 1.0


# A slow loomd (valgrind runs it 5-20 times slower) needs longer waits:
# every timeout below, and every timeout a test passes to the harness, is
# multiplied by TIMEOUT_SCALE where it is used.
TIMEOUT_SCALE = _timeout_scale()


def scaled(seconds):
    """seconds * LOOM_TIMEOUT_SCALE (None stays None)."""
    return None if seconds is None else seconds * TIMEOUT_SCALE


TEST_TIMEOUT = int(os.environ.get("LOOM_TEST_TIMEOUT") or
                   round(120 * TIMEOUT_SCALE))

START_TIMEOUT = 20.0    # seconds until "ready to accept connections"
# Seconds between SIGTERM and exit: more than loomd's own 10 s grace for
# replies under way, after which it cuts every session off.
STOP_TIMEOUT = 15.0
IO_TIMEOUT = 10.0       # default socket timeout

# Sanitizer reports that fail the test owning the process.
SANITIZER_PATTERNS = (
    "ERROR: AddressSanitizer",
    "ERROR: LeakSanitizer",
    "runtime error:",
    "WARNING: ThreadSanitizer",
    "ERROR: MemorySanitizer",
)

# Valgrind memcheck reports (tests/soak/valgrind-loomd.sh), only on its
# "==PID==" lines: errors as they happen, a crash, and the summaries at
# exit (a process killed with SIGKILL prints no summary, but its errors
# were printed when they happened).
VALGRIND_RE = re.compile(
    r"^==\d+== +(Invalid (read|write) of size"
    r"|Invalid free\(\)|Mismatched free\(\)"
    r"|Conditional jump or move depends on uninitialised value"
    r"|Use of uninitialised value"
    r"|Syscall param .* uninitialised byte"
    r"|Source and destination overlap"
    r"|Process terminating with default action of signal "
    r"(4|6|7|8|11) "
    r"|definitely lost: [1-9]"
    r"|ERROR SUMMARY: [1-9])")

LISTEN_RE = re.compile(r"listening on (\[[0-9A-Fa-f:.%a-zA-Z0-9]+\]|[0-9.]+):(\d+)")
READY_RE = re.compile(r"ready to accept connections")


class Skip(Exception):
    """Raised by skip(): the test is reported as 'ok N - name # SKIP why'."""


def skip(reason):
    """Skip for a property of the machine that no install step can change
    (no IPv6 on loopback): a skip everywhere, CI included."""
    raise Skip(reason)


MISSING_PREFIX = "missing dependency: "


def in_ci():
    """True when CI is set as CI services set it (GitHub, GitLab: "true")."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def missing_dependency(reason):
    """The test needs something that is not installed (a program, a
    package, root to run it).  Outside CI it is skipped with the reason;
    under CI it fails, so a forgotten install step can never pass as
    green."""
    if in_ci():
        raise TestFailure("%s%s (CI is set: a missing dependency is a "
                          "failure)" % (MISSING_PREFIX, reason))
    raise Skip(MISSING_PREFIX + reason)


class TestFailure(AssertionError):
    pass


def sanitizer_report(text):
    """The first sanitizer or valgrind report line in text, or None."""
    for line in text.splitlines():
        for pat in SANITIZER_PATTERNS:
            if pat in line:
                return line.strip()
        if line.startswith("==") and VALGRIND_RE.search(line):
            return "valgrind: " + line.strip()
    return None


def tail(text, n=40):
    lines = text.splitlines()
    return "\n".join(lines[-n:])


def have_ipv6():
    """True if ::1 can be bound on this machine."""
    if not socket.has_ipv6:
        return False
    try:
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    except OSError:
        return False
    try:
        s.bind(("::1", 0))
        return True
    except OSError:
        return False
    finally:
        s.close()


# --------------------------------------------------------------------------
# loomd

_live_daemons = []      # every Loomd still to be cleaned up (atexit, runner)
_test_daemons = []      # the ones started by the current test


class Loomd:
    """One loomd process in a temporary directory.

    Loomd(config=None, args=(), listen=("127.0.0.1:0",), data=None,
          start=True, env=None)

    config  text of a config file (written to TMP/loom.conf and passed with
            --config); "@TMP@" and "@DATA@" in it are replaced by the temp
            dir and the data dir.
    args    extra command-line arguments.
    listen  --listen values (empty: none, e.g. to use the file's).
    data    an existing data directory to use (kept afterwards) instead of
            TMP/data.
    data_arg  False: pass no --data (the config file's applies).

    After start: .addrs is [(host, port), ...] in log order, .host/.port
    the first one; .tmp, .data, .config_path, .log_path; .proc.
    """

    def __init__(self, config=None, args=(), listen=("127.0.0.1:0",),
                 data=None, start=True, env=None, start_timeout=START_TIMEOUT,
                 data_arg=True):
        self.tmp = tempfile.mkdtemp(prefix="loomtest-")
        self.own_data = data is None
        self.data = data if data is not None else os.path.join(self.tmp, "data")
        if self.own_data:
            os.mkdir(self.data)
        self.config_path = None
        if config is not None:
            self.config_path = os.path.join(self.tmp, "loom.conf")
            text = config.replace("@TMP@", self.tmp).replace("@DATA@", self.data)
            with open(self.config_path, "w") as f:
                f.write(text)
        self.args = list(args)
        self.data_arg = data_arg
        self.listen = list(listen)
        self.env = env
        self.start_timeout = start_timeout
        self.log_path = os.path.join(self.tmp, "loomd.log")
        self.proc = None
        self.returncode = None
        self.addrs = []
        self.host = self.port = None
        self._log_start = 0
        self._final_log = None
        self._closed = False
        self._conns = []
        self.problems = []      # failures found at cleanup
        _live_daemons.append(self)
        _test_daemons.append(self)
        if start:
            self.start()

    # -- process control ---------------------------------------------------

    def command(self):
        cmd = [LOOMD, "--foreground"]
        for l in self.listen:
            cmd += ["--listen", l]
        if self.data_arg:
            cmd += ["--data", self.data]
        if self.config_path:
            cmd += ["--config", self.config_path]
        return cmd + self.args

    def start(self):
        """Start loomd and wait until it is ready; raise with the log's tail
        if it exits or does not become ready in time."""
        assert self.proc is None or self.proc.poll() is not None, "already running"
        if not os.access(LOOMD, os.X_OK):
            raise TestFailure("loomd binary not found: %s" % LOOMD)
        env = dict(os.environ)
        if self.env:
            env.update(self.env)
        self._log_start = os.path.getsize(self.log_path) if os.path.exists(self.log_path) else 0
        logf = open(self.log_path, "ab")
        try:
            self.proc = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL,
                                         stdout=logf, stderr=logf, env=env,
                                         cwd=self.tmp)
        finally:
            logf.close()
        self.returncode = None
        deadline = time.monotonic() + scaled(self.start_timeout)
        while True:
            text = self._read_log_since_start()
            m = READY_RE.search(text)
            if m:
                addrs = []
                for lm in LISTEN_RE.finditer(text[:m.start()]):
                    host = lm.group(1)
                    if host.startswith("["):
                        host = host[1:-1]
                    addrs.append((host, int(lm.group(2))))
                if not addrs:
                    self._abort_start("ready without any 'listening on ADDR:PORT' line")
                self.addrs = addrs
                self.host, self.port = addrs[0]
                return self
            if self.proc.poll() is not None:
                self.returncode = self.proc.returncode
                raise TestFailure("loomd exited with status %s before it was ready; "
                                  "log:\n%s" % (self.proc.returncode, tail(self.log_text())))
            if time.monotonic() > deadline:
                self._abort_start("not ready after %.0f s"
                                  % scaled(self.start_timeout))
            time.sleep(0.02)

    def _abort_start(self, why):
        self._kill_hard()
        raise TestFailure("loomd %s; log:\n%s" % (why, tail(self.log_text())))

    def _read_log_since_start(self):
        try:
            with open(self.log_path, "rb") as f:
                f.seek(self._log_start)
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def pid(self):
        return self.proc.pid

    def signal(self, sig):
        if self.running():
            os.kill(self.proc.pid, sig)

    def sighup(self):
        self.signal(signal.SIGHUP)

    def stop(self, timeout=STOP_TIMEOUT, check=True):
        """SIGTERM the server, wait (bounded) and return its exit status
        (negative: killed by that signal).  If it does not exit in time it
        is SIGKILLed and a TestFailure is raised.  With check, a sanitizer
        report in the log also raises."""
        if self.proc is None:
            return None
        timeout = scaled(timeout)
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._kill_hard()
                raise TestFailure("loomd did not exit within %.0f s of SIGTERM "
                                  "(SIGKILLed); log:\n%s" % (timeout, tail(self.log_text())))
        self.returncode = self.proc.returncode
        if check:
            self.check_sanitizer()
        return self.returncode

    def kill9(self):
        """SIGKILL the server (a crash); returns the exit status."""
        self._kill_hard()
        return self.returncode

    def _kill_hard(self):
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                pass
        if self.proc is not None:
            self.returncode = self.proc.returncode

    def restart(self, **kw):
        """Stop (expecting exit status 0) and start again on the same data."""
        rc = self.stop()
        if rc != 0:
            raise TestFailure("loomd exited with status %s on SIGTERM" % rc)
        return self.start(**kw)

    # -- the log -------------------------------------------------------------

    def log_text(self):
        if self._final_log is not None:
            return self._final_log
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def log_lines(self):
        return self.log_text().splitlines()

    def log_size(self):
        return len(self.log_text())

    def wait_log(self, pattern, since=0, timeout=10.0):
        """Wait (bounded) until the log, from character offset `since`,
        matches the regex `pattern` (case-insensitive); return the match or
        raise TestFailure."""
        rx = re.compile(pattern, re.I)
        timeout = scaled(timeout)
        deadline = time.monotonic() + timeout
        while True:
            m = rx.search(self.log_text()[since:])
            if m:
                return m
            if time.monotonic() > deadline:
                raise TestFailure("log never matched %r within %.0f s; log:\n%s"
                                  % (pattern, timeout, tail(self.log_text())))
            time.sleep(0.05)

    def check_sanitizer(self):
        rep = sanitizer_report(self.log_text())
        if rep:
            raise TestFailure("sanitizer/valgrind report in loomd log: %s\n%s"
                              % (rep, tail(self.log_text(), 60)))

    # -- clients ----------------------------------------------------------------

    def connect(self, addr=None, greeting=True, timeout=IO_TIMEOUT,
                source=None):
        """A Conn to the first listening address (or addr=(host, port)),
        from local address `source` if given, with the greeting read into
        conn.greeting."""
        host, port = addr if addr else (self.host, self.port)
        c = Conn(host, port, timeout=timeout, greeting=greeting,
                 source=source)
        self._conns.append(c)
        return c

    def ctl(self, *args, **kw):
        """loomctl --data DATA ARGS..."""
        return loomctl(self.data, *args, **kw)

    # -- cleanup ------------------------------------------------------------------

    def close(self, expect_status=0):
        """Stop the server if it still runs and check its exit status and
        log; remove the temp dir.  Raises TestFailure for a bad exit status
        or a sanitizer report."""
        if self._closed:
            return
        self._closed = True
        for c in self._conns:
            c.close()
        problems = []
        try:
            if self.running():
                rc = self.stop(check=False)
                if expect_status is not None and rc != expect_status:
                    problems.append("loomd exited with status %s on SIGTERM" % rc)
        except TestFailure as e:
            problems.append(str(e))
        rep = sanitizer_report(self.log_text())
        if rep:
            problems.append("sanitizer/valgrind report in loomd log: %s" % rep)
        self._final_log = self.log_text()
        if self in _live_daemons:
            _live_daemons.remove(self)
        if not KEEP_TMP:
            shutil.rmtree(self.tmp, ignore_errors=True)
        self.problems = problems
        if problems:
            raise TestFailure("; ".join(problems) + "\nlog:\n" + tail(self._final_log, 60))

    def __enter__(self):
        return self

    def __exit__(self, etype, evalue, tb):
        if etype is None:
            self.close()
        else:
            # A failure is already on its way: clean up, keep it primary.
            try:
                self.close()
            except TestFailure as e:
                print("# (also at cleanup) %s" % str(e).splitlines()[0], flush=True)
        return False


@atexit.register
def _kill_leftovers():
    for d in list(_live_daemons):
        try:
            d._kill_hard()
            if not KEEP_TMP:
                shutil.rmtree(d.tmp, ignore_errors=True)
        except Exception:
            pass


def run_loomd(*args, timeout=30, input=None):
    """Run loomd to completion (e.g. --check-config); CompletedProcess with
    text stdout/stderr.  A sanitizer report in its output raises."""
    p = subprocess.run([LOOMD] + list(args), input=input, capture_output=True,
                       timeout=scaled(timeout), text=True, errors="replace",
                       stdin=None if input is not None else subprocess.DEVNULL)
    rep = sanitizer_report(p.stderr)
    if rep:
        raise TestFailure("sanitizer report from loomd %s: %s\n%s"
                          % (" ".join(args), rep, tail(p.stderr)))
    return p


def loomctl(data_dir, *args, input=None, timeout=30):
    """Run `loomctl [--data DATA_DIR] ARGS...` (no --data when data_dir is
    None); CompletedProcess with text stdout/stderr.  A sanitizer report in
    its output raises."""
    cmd = [LOOMCTL]
    if data_dir is not None:
        cmd += ["--data", data_dir]
    cmd += list(args)
    if not os.access(LOOMCTL, os.X_OK):
        raise TestFailure("loomctl binary not found: %s" % LOOMCTL)
    p = subprocess.run(cmd, input=input, capture_output=True, timeout=timeout,
                       text=True, errors="replace",
                       stdin=None if input is not None else subprocess.DEVNULL)
    rep = sanitizer_report(p.stderr)
    if rep:
        raise TestFailure("sanitizer report from loomctl %s: %s\n%s"
                          % (" ".join(args), rep, tail(p.stderr)))
    return p


def groups(data_dir):
    """Parse `loomctl --data DIR groups` into {name: {status, count, low,
    high, description}}; raises if the command fails or a line is
    malformed (fields are separated by exactly one TAB)."""
    p = loomctl(data_dir, "groups")
    if p.returncode != 0:
        raise TestFailure("loomctl groups exited %d: %s" % (p.returncode, p.stderr))
    out = {}
    for line in p.stdout.splitlines():
        f = line.split("\t")
        if len(f) != 6:
            raise TestFailure("loomctl groups: line %r has %d TAB-separated fields, "
                              "want 6" % (line, len(f)))
        name, status, count, low, high, desc = f
        if name in out:
            raise TestFailure("loomctl groups: %s listed twice" % name)
        if status not in ("y", "n", "m"):
            raise TestFailure("loomctl groups: bad status in %r" % line)
        try:
            out[name] = dict(status=status, count=int(count), low=int(low),
                             high=int(high), description=desc)
        except ValueError:
            raise TestFailure("loomctl groups: non-numeric count/low/high in %r" % line)
    return out


# --------------------------------------------------------------------------
# NNTP client


class ConnectionClosed(TestFailure):
    pass


class Conn:
    """A raw NNTP client.  Lines are str (UTF-8, undecodable octets kept as
    surrogates) unless a raw method is used.  Lines must end in CRLF: a bare
    LF from the server raises (strict=False to allow it)."""

    MAX_LINE = 4 * 1024 * 1024

    def __init__(self, host="127.0.0.1", port=119, timeout=IO_TIMEOUT,
                 greeting=True, strict=True, source=None):
        self.host, self.port = host, port
        timeout = scaled(timeout)
        self.timeout = timeout
        self.strict = strict
        # source: a local address such as "127.0.0.2", so one test can
        # be several clients (any 127/8 address is loopback on Linux).
        self.sock = socket.create_connection(
            (host, port), timeout=timeout,
            source_address=(source, 0) if source else None)
        self.buf = b""
        self.eof = False
        self.greeting = None
        if greeting:
            self.greeting = self.response()

    # -- low level -----------------------------------------------------------

    def send(self, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        self.sock.sendall(data)

    def _fill(self, timeout=None):
        """Read more into the buffer; False on EOF (or reset)."""
        if self.eof:
            return False
        # timeout: already scaled by the caller (line_bytes, closed).
        self.sock.settimeout(self.timeout if timeout is None else timeout)
        try:
            chunk = self.sock.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            chunk = b""
        if not chunk:
            self.eof = True
            return False
        self.buf += chunk
        return True

    def line_bytes(self, timeout=None):
        """One line without its CRLF, as bytes."""
        deadline = time.monotonic() + (self.timeout if timeout is None
                                       else scaled(timeout))
        while True:
            i = self.buf.find(b"\n")
            if i >= 0:
                raw = self.buf[:i]
                self.buf = self.buf[i + 1:]
                if raw.endswith(b"\r"):
                    raw = raw[:-1]
                elif self.strict:
                    raise TestFailure("line not terminated by CRLF: %r" % raw[:200])
                return raw
            if len(self.buf) > self.MAX_LINE:
                raise TestFailure("no line end after %d octets" % len(self.buf))
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout("timed out waiting for a line (have %r)" % self.buf[:200])
            try:
                if not self._fill(left):
                    raise ConnectionClosed("connection closed by server%s"
                                           % (" (partial line %r)" % self.buf[:200] if self.buf else ""))
            except socket.timeout:
                raise socket.timeout("timed out waiting for a line (have %r)" % self.buf[:200])

    def line(self, timeout=None):
        """One line without its CRLF, as str."""
        return self.line_bytes(timeout).decode("utf-8", "surrogateescape")

    def response(self, timeout=None):
        """Read a status line -> (code, text)."""
        l = self.line(timeout)
        return parse_status(l)

    def cmd(self, line, timeout=None):
        """Send one command (CRLF added) and read its status line."""
        if isinstance(line, bytes):
            self.send(line if line.endswith(b"\r\n") else line + b"\r\n")
        else:
            self.send(line if line.endswith("\r\n") else line + "\r\n")
        return self.response(timeout)

    def multiline_bytes(self, timeout=None):
        """Read a multi-line data block up to the "." line; dot-unstuffed
        lines as bytes."""
        out = []
        for _ in itertools.count():
            l = self.line_bytes(timeout)
            if l == b".":
                return out
            if l.startswith(b"."):
                l = l[1:]
            out.append(l)

    def multiline(self, raw=False, timeout=None):
        """Read a multi-line data block; list of str (bytes with raw)."""
        lines = self.multiline_bytes(timeout)
        if raw:
            return lines
        return [l.decode("utf-8", "surrogateescape") for l in lines]

    def expect(self, code, cmd, timeout=None):
        """Send cmd, require the status code (an int or a tuple of ints);
        return the status text."""
        got = self.cmd(cmd, timeout)
        codes = code if isinstance(code, (tuple, list, set)) else (code,)
        if got[0] not in codes:
            raise TestFailure("%r: expected %s, got %d %s"
                              % (cmd, "/".join(map(str, codes)), got[0], got[1]))
        return got[1]

    def expect_multi(self, code, cmd, timeout=None, raw=False):
        """Send cmd, require code, read the data block: (text, lines)."""
        text = self.expect(code, cmd, timeout)
        return text, self.multiline(raw=raw, timeout=timeout)

    def closed(self, timeout=5.0):
        """True if the server closes the connection (EOF or reset) within
        timeout; anything it sends first stays in the buffer for line().
        False if it is still open after timeout."""
        deadline = time.monotonic() + scaled(timeout)
        while not self.eof:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            try:
                self._fill(left)
            except socket.timeout:
                return False
            if len(self.buf) > self.MAX_LINE:
                self.buf = self.buf[-65536:]
        return True

    def pending_lines(self):
        """Complete lines already received and not read (str, no CRLF)."""
        parts = self.buf.split(b"\r\n")
        return [p.decode("utf-8", "surrogateescape") for p in parts[:-1]]

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    # -- data blocks and articles ---------------------------------------------------

    def send_block(self, lines):
        """Send a multi-line data block: lines (str or bytes, no line ends)
        dot-stuffed, CRLF-terminated, then "."."""
        out = []
        for l in lines:
            if isinstance(l, str):
                l = l.encode("utf-8")
            if l.startswith(b"."):
                l = b"." + l
            out.append(l + b"\r\n")
        out.append(b".\r\n")
        self.send(b"".join(out))

    def post(self, article, timeout=None):
        """POST an article (str/bytes with \\n or \\r\\n line ends, or a list
        of lines).  Returns (code, text) of the final reply, or the first
        reply if it was not 340."""
        code, text = self.cmd("POST", timeout)
        if code != 340:
            return code, text
        self.send_block(article_lines(article))
        return self.response(timeout)

    def ihave(self, msgid, article, timeout=None):
        """IHAVE msgid + article; (code, text) of the final reply, or the
        first one if it was not 335."""
        code, text = self.cmd("IHAVE %s" % msgid, timeout)
        if code != 335:
            return code, text
        self.send_block(article_lines(article))
        return self.response(timeout)


def parse_status(line):
    """'211 3 1 3 g' -> (211, '3 1 3 g'); raise on a malformed status line."""
    if len(line) < 3 or not line[:3].isdigit() or (len(line) > 3 and line[3] != " "):
        raise TestFailure("malformed status line: %r" % line[:200])
    return int(line[:3]), line[4:]


def article_lines(article):
    if isinstance(article, (list, tuple)):
        return list(article)
    if isinstance(article, str):
        article = article.encode("utf-8")
    article = article.replace(b"\r\n", b"\n")
    if article.endswith(b"\n"):
        article = article[:-1]
    return article.split(b"\n")


_msgid_counter = itertools.count(1)


class TLSPair:
    """A self-signed certificate for localhost and 127.0.0.1 with its key,
    in a temp dir: .cert, .key, .args (loomd's TLS options with one
    implicit-TLS listener), .client_context(); .remove() when done."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="loomtls-")
        self.cert = os.path.join(self.dir, "cert.pem")
        self.key = os.path.join(self.dir, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec",
                        "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-keyout", self.key, "-out", self.cert, "-days", "2",
                        "-subj", "/CN=localhost", "-addext",
                        "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                       check=True, capture_output=True)
        self.args = ("--tls-cert", self.cert, "--tls-key", self.key,
                     "--tls-listen", "127.0.0.1:0")

    def client_context(self):
        import ssl
        return ssl.create_default_context(cafile=self.cert)

    def remove(self):
        for f in (self.cert, self.key):
            os.unlink(f)
        os.rmdir(self.dir)


def unique_msgid(domain="test.loom.invalid"):
    return "<%d.%d.%d@%s>" % (int(time.time() * 1000), os.getpid(),
                              next(_msgid_counter), domain)


def now_date(offset=0):
    """An RFC 5322 date for now (plus offset seconds), in UTC."""
    return time.strftime("%a, %d %b %Y %H:%M:%S +0000",
                         time.gmtime(time.time() + offset))


def relayed(msgid, groups="local.test", path="peer.example!not-for-mail",
            body="Relayed body.\n", extra=(), date=None, subject="test article"):
    """An article as a peer sends it: Path, Date and Message-ID set."""
    return make_article(newsgroups=groups, message_id=msgid, subject=subject,
                        date=date or now_date(), body=body,
                        headers=[("Path", path)] + list(extra))


def make_article(newsgroups="local.test", subject="test article",
                 body="Hello.\n", from_="Tester <tester@example.invalid>",
                 message_id=None, references=None, headers=(), date=None):
    """Build an article as str with \\n line ends.  headers: extra
    (name, value) pairs.  message_id=None means let the server add one;
    pass True for a fresh unique one."""
    if message_id is True:
        message_id = unique_msgid()
    h = [("From", from_), ("Newsgroups", newsgroups), ("Subject", subject)]
    if date:
        h.append(("Date", date))
    if message_id:
        h.append(("Message-ID", message_id))
    if references:
        h.append(("References", references))
    h.extend(headers)
    text = "".join("%s: %s\n" % (k, v) for k, v in h) + "\n" + body
    if not text.endswith("\n"):
        text += "\n"
    return text


# --------------------------------------------------------------------------
# Article helpers shared by the reading and posting tests


def wire(article):
    """An article (str or bytes, \\n line ends) as a client sends it after
    POST, IHAVE or TAKETHIS: CRLF, dot-stuffed, with the "." line."""
    if isinstance(article, str):
        article = article.encode()
    out = []
    for line in article.split(b"\n")[:-1]:
        out.append((b"." + line) if line.startswith(b".") else line)
    return b"\r\n".join(out) + b"\r\n.\r\n"


def split_article(lines):
    """(header lines, body lines) of an article's lines (str or bytes)."""
    empty = b"" if lines and isinstance(lines[0], bytes) else ""
    i = lines.index(empty)
    return lines[:i], lines[i + 1:]


def header_fields(header_lines):
    """[(name, unfolded value)] in order; unfolding removes the CRLF only
    (RFC 5322 2.2.3), so the value keeps the folding white space."""
    out = []
    for l in header_lines:
        if l[:1] in (" ", "\t"):
            name, value = out[-1]
            out[-1] = (name, value + l)
        else:
            name, _, value = l.partition(":")
            out.append((name, value[1:] if value.startswith(" ") else value))
    return out


def header_value(header_lines, name):
    """The first field called name (case-insensitive), or None."""
    for n, v in header_fields(header_lines):
        if n.lower() == name.lower():
            return v
    return None


# --------------------------------------------------------------------------
# TAP runner


class _Alarm(Exception):
    pass


def _on_alarm(signum, frame):
    raise _Alarm("test exceeded %d s (LOOM_TEST_TIMEOUT)" % TEST_TIMEOUT)


def diag(msg):
    for l in str(msg).splitlines() or [""]:
        print("# " + l, flush=True)


def main(ns):
    """Run every test_* function of ns (a module's globals()) in definition
    order; print TAP; exit 1 if any failed.  Command-line arguments, if
    given, select tests by name substring."""
    sel = sys.argv[1:]
    tests = [(n, f) for n, f in list(ns.items())
             if n.startswith("test_") and callable(f)
             and (not sel or any(s in n for s in sel))]
    print("1..%d" % len(tests), flush=True)
    failed = 0
    signal.signal(signal.SIGALRM, _on_alarm)
    for i, (name, fn) in enumerate(tests, 1):
        del _test_daemons[:]
        errors = []
        skipped = None
        t0 = time.monotonic()
        signal.alarm(TEST_TIMEOUT)
        try:
            fn()
        except Skip as e:
            skipped = str(e) or "skipped"
        except BaseException as e:
            if isinstance(e, KeyboardInterrupt):
                signal.alarm(0)
                raise
            errors.append(traceback.format_exc())
        finally:
            signal.alarm(0)
        # Whatever the test left running is stopped now, and checked.
        for d in list(_test_daemons):
            try:
                d.close()
            except TestFailure as e:
                errors.append("cleanup: %s" % e)
            except Exception:
                errors.append("cleanup: " + traceback.format_exc())
        dt = time.monotonic() - t0
        if errors:
            failed += 1
            print("not ok %d - %s" % (i, name), flush=True)
            for e in errors:
                diag(e.rstrip())
            for d in _test_daemons:
                diag("--- loomd log tail (%s) ---" % " ".join(d.command()[1:]))
                diag(tail(d.log_text(), 25))
        elif skipped is not None:
            print("ok %d - %s # SKIP %s" % (i, name, skipped), flush=True)
        else:
            print("ok %d - %s" % (i, name), flush=True)
        diag("%s: %.2f s" % (name, dt))
        del _test_daemons[:]
    sys.stdout.flush()
    sys.exit(1 if failed else 0)
