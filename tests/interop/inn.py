"""
A private INN 2.7 instance (Debian's inn2) on loopback, for Loom's
interoperability tests and benchmarks.  Python standard library only.

    from inn import Inn, inn_available

    ok, why = inn_available()          # False, "..." when inn2 is missing
    with Inn(pathhost="inn.test",
             feeds={"loom": ("127.0.0.1", loom_port, "local.*")}) as inn:
        inn.port                        # innd (IHAVE / MODE STREAM) port
        inn.reader_port                 # nnrpd -D port (None if reader=False)
        inn.flush("loom")               # make innd write its buffered batch
        inn.batch_entries("loom")       # ["@token@ <msgid>", ...]
        inn.innxmit("127.0.0.1", loom_port, site="loom")   # send it to Loom
        inn.history_has("<id@x>")       # in history (stored or remembered)
        inn.article("<id@x>")           # bytes via nnrpd, or None
        inn.ctlinnd("mode")             # CompletedProcess
        inn.pullnews("127.0.0.1", loom_port, groups=("local.test",))

    with FeedReceiver() as rx:         # dummy peer recording what INN sends
        with Inn(feeds={"loom": ("127.0.0.1", rx.port, "local.*", "innfeed")}):
            ...
            rx.wait_for("<id@x>")

Everything INN runs as user news (subprocess user=/group=) with INNCONF
pointing at TMP/etc/inn.conf; nothing under /etc/news, /var/lib/news or
/run/news is read or written.  Processes are stopped by the PIDs this
module started (plus, as a last resort, processes whose environment carries
this instance's INNCONF, i.e. children such as innfeed or nnrpd workers).

Environment:
  LOOM_KEEP_TMP=1   keep the temp dir (config, logs, spool) after stop()
  INN_BIN           INN's binaries (default /usr/lib/news/bin)
"""

import atexit
import os
import pwd
import grp
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time

INN_BIN = os.environ.get("INN_BIN", "/usr/lib/news/bin")
KEEP_TMP = os.environ.get("LOOM_KEEP_TMP") == "1"

START_TIMEOUT = 30.0
STOP_TIMEOUT = 15.0
IO_TIMEOUT = 10.0
CMD_TIMEOUT = 60.0

DEFAULT_GROUPS = ("local.general", "local.test")
# Groups INN wants to exist (flag n: no local postings).
SYSTEM_GROUPS = ("control", "control.cancel", "control.checkgroups",
                 "control.newgroup", "control.rmgroup", "junk")

REQUIRED_BINS = ("innd", "nnrpd", "ctlinnd", "innxmit", "makedbz",
                 "grephistory")


class InnError(Exception):
    pass


_live = []      # instances not yet stopped: stopped at exit at the latest


@atexit.register
def _stop_all():
    for i in list(_live):
        try:
            i.stop(check=False)
        except Exception:
            pass


def need_inn():
    """Go on only where INN can run: as root (INN runs as user news),
    with inn2 installed; else harness.missing_dependency, which skips the
    test alone and fails it under CI."""
    import harness
    ok, why = inn_available()
    if not ok:
        harness.missing_dependency(why)
    if os.geteuid() != 0:
        harness.missing_dependency("INN must run as user news: run this "
                                   "test as root")


def inn_available():
    """(True, "") if INN can be run here, else (False, reason)."""
    missing = [b for b in REQUIRED_BINS
               if not os.access(os.path.join(INN_BIN, b), os.X_OK)]
    if missing:
        return False, ("INN (Debian package inn2) is not installed (no %s in %s); "
                       "as root run: sh scripts/install-inn.sh"
                       % (", ".join(missing), INN_BIN))
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("news")
        except KeyError:
            return False, "user news does not exist (inn2 not installed properly)"
    return True, ""


def free_port(host="127.0.0.1"):
    """A currently free TCP port on host (the kernel's ephemeral choice)."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind((host, 0))
        return s.getsockname()[1]
    finally:
        s.close()


# --------------------------------------------------------------------------
# A tiny NNTP client (enough for readiness checks and the helpers).

class Nntp:
    """Raw NNTP over a socket; lines are bytes without CRLF."""

    def __init__(self, host, port, timeout=IO_TIMEOUT):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buf = b""
        self.timeout = timeout
        self.greeting = self.status()

    def line(self):
        deadline = time.monotonic() + self.timeout
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise socket.timeout("no line within %.0f s" % self.timeout)
            self.sock.settimeout(left)
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed (have %r)" % self.buf[:200])
            self.buf += chunk
            if len(self.buf) > 64 * 1024 * 1024:
                raise InnError("line too long")
        i = self.buf.index(b"\n")
        l, self.buf = self.buf[:i], self.buf[i + 1:]
        return l[:-1] if l.endswith(b"\r") else l

    def status(self):
        l = self.line().decode("utf-8", "replace")
        m = re.match(r"(\d{3})\s?(.*)", l)
        if not m:
            raise InnError("bad status line %r" % l)
        return int(m.group(1)), m.group(2)

    def send(self, data):
        if isinstance(data, str):
            data = data.encode("utf-8")
        self.sock.sendall(data)

    def cmd(self, line):
        self.send(line + "\r\n")
        return self.status()

    def block(self):
        """A dot-terminated data block, dot-unstuffed, lines joined by CRLF."""
        out = []
        for _ in range(10_000_000):
            l = self.line()
            if l == b".":
                break
            out.append(l[1:] if l.startswith(b".") else l)
        return b"".join(x + b"\r\n" for x in out)

    @staticmethod
    def encode_article(article):
        """article (str/bytes, LF or CRLF line ends) -> dot-stuffed wire
        bytes ending in CRLF.CRLF."""
        if isinstance(article, str):
            article = article.encode("utf-8")
        lines = article.replace(b"\r\n", b"\n").split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        return b"".join((b"." + l if l.startswith(b".") else l) + b"\r\n"
                        for l in lines) + b".\r\n"

    def close(self):
        try:
            self.sock.sendall(b"QUIT\r\n")
        except OSError:
            pass
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def _wait_greeting(host, port, deadline, proc=None):
    """Connect and read a status line until deadline; (code, text)."""
    last = None
    for _ in range(100000):
        if proc is not None and proc.poll() is not None:
            raise InnError("process exited with status %s before accepting "
                           "connections" % proc.returncode)
        try:
            c = Nntp(host, port, timeout=max(0.5, min(5.0, deadline - time.monotonic())))
            g = c.greeting
            c.close()
            return g
        except (OSError, InnError) as e:
            last = e
        if time.monotonic() >= deadline:
            break
        time.sleep(0.1)
    raise InnError("no greeting from %s:%d (%s)" % (host, port, last))


# --------------------------------------------------------------------------

def _comm(pid):
    try:
        with open("/proc/%d/comm" % pid) as f:
            return f.read().strip()
    except OSError:
        return ""


def _fmt_conf(d):
    out = []
    for k, v in d.items():
        if v is None:
            continue
        if isinstance(v, bool):
            v = "true" if v else "false"
        out.append("%-24s %s\n" % (k + ":", v))
    return "".join(out)


def _quote(s):
    return '"%s"' % s


class Inn:
    """One private innd (+ optional nnrpd reader daemon) in a temp dir.

    Inn(pathhost="inn.test", domain="inn.test", groups=DEFAULT_GROUPS,
        peers=None, feeds=None, reader=True, conf=None, start=True,
        port=None, reader_port=None, filters=False, innd_args=())

    groups   newsgroup names (flag y) or (name, flag) pairs; control.* and
             junk are always added.
    peers    {name: host or [hosts]} allowed to feed innd (incoming.conf,
             streaming on).  Default {"localhost": "127.0.0.1"}.
             Connections from other hosts get 502 (noreader is set).
    feeds    {site: (host, port, wildmat[, mode])} outgoing feeds, mode
             "file" (default: Tf,Wnm batch file TMP/spool/outgoing/SITE for
             innxmit) or "innfeed" (real-time streaming by innfeed, spawned
             by innd).  A dict value may instead give host, port, groups,
             mode, exclude (list of Path entries not to feed, besides the
             site name itself), innfeed (extra innfeed.conf peer lines).
             NB: INN does not send an article to a site whose name (or an
             exclude) appears in its Path header.
    reader   run "nnrpd -D" on reader_port (readers.conf: 127.0.0.1 RPNA).
    conf     extra/overriding inn.conf keys, e.g. {"artcutoff": 0}.
    filters  False: start innd with -N (Perl/Python filters off).

    Attributes: host, port, reader_port, tmp, innconf (path), etc, db,
    spool, run, log, outgoing, pid (innd), reader_pid.
    """

    def __init__(self, pathhost="inn.test", domain="inn.test",
                 groups=DEFAULT_GROUPS, peers=None, feeds=None, reader=True,
                 conf=None, start=True, port=None, reader_port=None,
                 filters=False, innd_args=(), start_timeout=START_TIMEOUT):
        ok, why = inn_available()
        if not ok:
            raise InnError(why)
        self.host = "127.0.0.1"
        self.pathhost = pathhost
        self.domain = domain
        self.groups = [(g, "y") if isinstance(g, str) else tuple(g) for g in groups]
        self.peers = dict(peers) if peers is not None else {"localhost": "127.0.0.1"}
        self.feeds = {}
        for site, spec in (feeds or {}).items():
            self.feeds[site] = self._feed_spec(site, spec)
        self.reader = reader
        self.extra_conf = dict(conf or {})
        self.filters = filters
        self.innd_args = list(innd_args)
        self.fixed_port = port
        self.fixed_reader_port = reader_port
        self.start_timeout = start_timeout
        self.port = None
        self.reader_port = None
        self.innd = None
        self.nnrpd = None
        self._logfiles = []
        self.stopped = False

        if os.geteuid() == 0:
            pw = pwd.getpwnam("news")
            self.uid, self.gid = pw.pw_uid, pw.pw_gid
            self.user = "news"
            self.group = grp.getgrgid(pw.pw_gid).gr_name
        else:
            # Not root: run INN as ourselves (runasuser/runasgroup).
            self.uid, self.gid = os.getuid(), os.getgid()
            self.user = pwd.getpwuid(self.uid).pw_name
            self.group = grp.getgrgid(self.gid).gr_name

        self.tmp = tempfile.mkdtemp(prefix="loominn-")
        os.chmod(self.tmp, 0o755)
        self.etc = os.path.join(self.tmp, "etc")
        self.db = os.path.join(self.tmp, "db")
        self.spool = os.path.join(self.tmp, "spool")
        self.run_dir = os.path.join(self.tmp, "run")
        self.log = os.path.join(self.tmp, "log")
        self.outgoing = os.path.join(self.spool, "outgoing")
        self.innconf = os.path.join(self.etc, "inn.conf")
        _live.append(self)
        try:
            self._write_tree()
            if start:
                self.start()
        except BaseException:
            self.stop(check=False)
            raise

    # -- configuration -------------------------------------------------------

    @staticmethod
    def _feed_spec(site, spec):
        if isinstance(spec, dict):
            d = dict(spec)
        else:
            spec = tuple(spec)
            if len(spec) not in (3, 4):
                raise ValueError("feed %s: want (host, port, wildmat[, mode])" % site)
            d = {"host": spec[0], "port": spec[1], "groups": spec[2]}
            if len(spec) == 4:
                d["mode"] = spec[3]
        d.setdefault("mode", "file")
        d.setdefault("exclude", [])
        d.setdefault("innfeed", {})
        if d["mode"] not in ("file", "innfeed"):
            raise ValueError("feed %s: mode must be 'file' or 'innfeed'" % site)
        if not re.match(r"^[A-Za-z0-9._-]+$", site):
            raise ValueError("feed site name %r" % site)
        return d

    def path(self, *parts):
        return os.path.join(self.tmp, *parts)

    def _inn_conf(self):
        c = {
            "pathhost": self.pathhost,
            "domain": self.domain,
            "server": "127.0.0.1",
            "fromhost": self.domain,
            "organization": _quote("Loom interop test INN"),
            "mta": _quote("/bin/true %s"),
            "mailcmd": "/bin/true",
            "runasuser": self.user,
            "runasgroup": self.group,
            "bindaddress": "127.0.0.1",
            # No bindaddress6: with only bindaddress set innd opens just the
            # IPv4 socket.  ("none" is not a valid value in INN 2.7.1:
            # "innd: invalid IPv6 address none".)
            "port": self.port,
            "nnrpdpostport": self.port,
            "ovmethod": "tradindexed",
            "hismethod": "hisv6",
            "enableoverview": True,
            "wireformat": True,
            "storeonxref": True,
            "artcutoff": 36500,
            "initialtimeout": 3600,
            "clienttimeout": 3600,
            "peertimeout": 3600,
            "nnrpdloadlimit": 0,
            "maxconnections": 0,
            "maxartsize": 10000000,
            "localmaxartsize": 10000000,
            "docancels": "auth",
            "pgpverify": False,
            "noreader": True,
            "readerswhenstopped": True,
            "allownewnews": True,
            "logipaddr": True,
            "logsitename": True,
            "doinnwatch": False,
            "docnfsstat": False,
            "status": 0,
            "timer": 0,
            "htmlstatus": False,
            "nicekids": 0,
            "nicennrpd": 0,
            "nnrpdcheckart": True,
            "remembertrash": True,
            "wanttrash": False,
            "verifygroups": False,
            "wipcheck": 5,
            "wipexpire": 10,
            "chanretrytime": 5,
            "pauseretrytime": 5,
            "hiscachesize": 256,
            "msgidcachesize": 64000,
            "addinjectiondate": True,
            "addinjectionpostinghost": True,
            "pathnews": "/usr/lib/news",
            "pathbin": INN_BIN,
            "pathcontrol": os.path.join(INN_BIN, "control"),
            "pathfilter": os.path.join(self.etc, "filter"),
            "pathdb": self.db,
            "pathetc": self.etc,
            "pathrun": self.run_dir,
            "pathlog": self.log,
            "pathhttp": self.path("http"),
            "pathspool": self.spool,
            "patharticles": os.path.join(self.spool, "articles"),
            "pathoverview": os.path.join(self.spool, "overview"),
            "pathoutgoing": self.outgoing,
            "pathincoming": os.path.join(self.spool, "incoming"),
            "patharchive": os.path.join(self.spool, "archive"),
            "pathtmp": os.path.join(self.spool, "incoming", "tmp"),
        }
        c.update(self.extra_conf)
        return "# Private INN for Loom interop tests (tests/interop/inn.py)\n" + _fmt_conf(c)

    def _newsfeeds(self):
        out = ["# Private INN for Loom interop tests\n",
               "ME:!*::\n"]
        use_innfeed = False
        for site, f in self.feeds.items():
            names = "/".join([site] + ([",".join(f["exclude"])] if f["exclude"] else []))
            if f["mode"] == "file":
                # One line per article: "@token@ <msgid>" -- innxmit's input.
                out.append("%s:%s:Tf,Wnm:\n" % (names, f["groups"]))
            else:
                use_innfeed = True
                out.append("%s:%s:Tm:innfeed!\n" % (names, f["groups"]))
        if use_innfeed:
            out.append("innfeed!:!*:Tc,Wnm*:%s\n" % os.path.join(INN_BIN, "innfeed"))
        return "".join(out)

    def _innfeed_conf(self):
        out = [
            "# Private innfeed for Loom interop tests\n",
            "news-spool: %s\n" % os.path.join(self.spool, "articles"),
            "backlog-directory: %s\n" % os.path.join(self.spool, "innfeed"),
            "pid-file: %s\n" % os.path.join(self.run_dir, "innfeed.pid"),
            "log-file: %s\n" % os.path.join(self.log, "innfeed.log"),
            "status-file: %s\n" % os.path.join(self.log, "innfeed.status"),
            "debug-level: 0\n",
            "stats-period: 600\n",
            "backlog-ckpt-period: 5\n",
            "backlog-newfile-period: 5\n",
            "backlog-rotate-period: 5\n",
            "initial-reconnect-time: 1\n",
            "max-reconnect-time: 5\n",
            "use-mmap: false\n",
            "gen-html: false\n",
            "\n",
            "peer defaults {\n",
            "  article-timeout: 600\n",
            "  response-timeout: 300\n",
            "  initial-connections: 1\n",
            "  max-connections: 1\n",
            "  close-period: 86400\n",
            "  max-queue-size: 20\n",
            "  streaming: true\n",
            "  dynamic-method: 0\n",
            "  no-check-high: 95.0\n",
            "  no-check-low: 90.0\n",
            "  port-number: 119\n",
            "}\n\n",
        ]
        for site, f in self.feeds.items():
            if f["mode"] != "innfeed":
                continue
            out.append("peer %s {\n  ip-name: %s\n  port-number: %d\n"
                       % (site, f["host"], int(f["port"])))
            for k, v in dict(f["innfeed"]).items():
                out.append("  %s: %s\n" % (k, v))
            out.append("}\n")
        return "".join(out)

    def _incoming_conf(self):
        out = ["# Private INN for Loom interop tests\n",
               "streaming: true\nmax-connections: 0\n\n"]
        for name, hosts in self.peers.items():
            if isinstance(hosts, str):
                hosts = [hosts]
            out.append('peer %s {\n  hostname: "%s"\n  streaming: true\n}\n'
                       % (name, ", ".join(hosts)))
        return "".join(out)

    def _readers_conf(self):
        return ('# Private INN for Loom interop tests: loopback reads, posts,\n'
                '# NEWNEWS (N), no auth.\n'
                'auth "local" {\n'
                '    hosts: "127.0.0.1, localhost, ::1"\n'
                '    default: "<local>"\n'
                '}\n'
                'access "local" {\n'
                '    users: "<local>"\n'
                '    newsgroups: "*"\n'
                '    access: RPNA\n'
                '}\n')

    def _storage_conf(self):
        # timehash: one file per article, needs no preparation (tradspool
        # wants a tradspool.map, CNFS preallocated buffers).
        return ("method timehash {\n"
                "    newsgroups: *\n"
                "    class: 0\n"
                "}\n")

    def _write_tree(self):
        for d in (self.etc, os.path.join(self.etc, "filter"), self.db,
                  self.spool, self.run_dir, self.log, self.path("http"),
                  os.path.join(self.spool, "articles"),
                  os.path.join(self.spool, "overview"),
                  self.outgoing,
                  os.path.join(self.spool, "incoming"),
                  os.path.join(self.spool, "incoming", "bad"),
                  os.path.join(self.spool, "incoming", "tmp"),
                  os.path.join(self.spool, "archive"),
                  os.path.join(self.spool, "innfeed")):
            os.makedirs(d, exist_ok=True)
        # Ports are chosen now; start() rechooses on a bind failure.
        self.port = self.fixed_port or free_port()
        if self.reader:
            self.reader_port = self.fixed_reader_port or free_port()
        self._write_configs()
        now = int(time.time())
        groups = self.groups + [(g, "n") for g in SYSTEM_GROUPS
                                if g not in dict(self.groups)]
        self._write(os.path.join(self.db, "active"), "".join(
            "%s 0000000000 0000000001 %s\n" % (g, f) for g, f in groups))
        self._write(os.path.join(self.db, "active.times"), "".join(
            "%s %d loom-interop\n" % (g, now) for g, _ in groups))
        self._write(os.path.join(self.db, "newsgroups"), "".join(
            "%s\t%s\n" % (g, "Loom interop test group") for g, _ in groups))
        self._write(os.path.join(self.db, "history"), "")
        self._chown_tree()
        r = self._run([os.path.join(INN_BIN, "makedbz"), "-i", "-o"],
                      cwd=self.db)
        if r.returncode != 0:
            raise InnError("makedbz -i -o failed (%d): %s%s"
                           % (r.returncode, r.stdout, r.stderr))

    def _write_configs(self):
        files = {
            "inn.conf": self._inn_conf(),
            "newsfeeds": self._newsfeeds(),
            "incoming.conf": self._incoming_conf(),
            "readers.conf": self._readers_conf(),
            "storage.conf": self._storage_conf(),
            "innfeed.conf": self._innfeed_conf(),
            "expire.ctl": "/remember/:11\n*:A:1:10:never\n",
            "moderators": "",
            "distrib.pats": "",
            "distributions": "",
            "subscriptions": "",
            "passwd.nntp": "",
            "control.ctl": "",
            "control.ctl.local": "",
        }
        for name, text in files.items():
            self._write(os.path.join(self.etc, name), text)
        os.chmod(os.path.join(self.etc, "passwd.nntp"), 0o640)
        os.chmod(os.path.join(self.etc, "innfeed.conf"), 0o640)

    def _write(self, p, text):
        with open(p, "w") as f:
            f.write(text)

    def _chown_tree(self):
        if os.geteuid() != 0:
            return
        for root, dirs, files in os.walk(self.tmp):
            os.chown(root, self.uid, self.gid)
            for n in files:
                os.chown(os.path.join(root, n), self.uid, self.gid)

    # -- running INN programs ------------------------------------------------

    def env(self):
        return {
            "INNCONF": self.innconf,
            "PATH": INN_BIN + ":/usr/sbin:/usr/bin:/sbin:/bin",
            "HOME": self.tmp,
            "LANG": "C",
            "LC_ALL": "C",
            "TMPDIR": os.path.join(self.spool, "incoming", "tmp"),
        }

    def _popen_kw(self):
        kw = {"env": self.env(), "cwd": self.tmp}
        if os.geteuid() == 0:
            kw.update(user=self.uid, group=self.gid, extra_groups=[])
        return kw

    def _run(self, argv, timeout=CMD_TIMEOUT, input=None, cwd=None):
        kw = self._popen_kw()
        if cwd:
            kw["cwd"] = cwd
        return subprocess.run(argv, input=input, capture_output=True,
                               text=True, timeout=timeout, **kw)

    def run(self, prog, *args, timeout=CMD_TIMEOUT, input=None):
        """Run an INN program (name in INN_BIN or a path) as news with this
        instance's INNCONF; subprocess.CompletedProcess (text)."""
        p = prog if "/" in prog else os.path.join(INN_BIN, prog)
        return self._run([p] + [str(a) for a in args], timeout=timeout,
                         input=input)

    def ctlinnd(self, *args, timeout=30):
        """ctlinnd -t TIMEOUT ARGS... through the private control socket."""
        return self.run("ctlinnd", "-t", str(int(timeout)), *args,
                        timeout=timeout + 10)

    def ctlinnd_ok(self, *args, timeout=30):
        r = self.ctlinnd(*args, timeout=timeout)
        if r.returncode != 0:
            raise InnError("ctlinnd %s: %s%s" % (" ".join(args), r.stdout, r.stderr))
        return r.stdout

    # -- start / stop ----------------------------------------------------------

    def _spawn(self, argv, logname):
        logpath = os.path.join(self.log, logname)
        lf = open(logpath, "ab")
        self._logfiles.append(lf)
        kw = self._popen_kw()
        return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=lf,
                                stderr=subprocess.STDOUT,
                                start_new_session=True, **kw)

    def _port_in_use(self, port):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            s.bind((self.host, port))
            return False
        except OSError:
            return True
        finally:
            s.close()

    def start(self):
        """Start innd (-d: foreground, logs to log/innd.out) and, with
        reader=True, nnrpd -D -f; wait until both greet."""
        t0 = time.monotonic()
        for attempt in range(3):
            if attempt or self._port_in_use(self.port):
                if self.fixed_port:
                    raise InnError("port %d is in use" % self.port)
                self.port = free_port()
                self._write_configs()
                self._chown_tree()
            argv = [os.path.join(INN_BIN, "innd"), "-d"]
            if not self.filters:
                argv.append("-N")
            argv += self.innd_args
            self.innd = self._spawn(argv, "innd.out")
            deadline = time.monotonic() + self.start_timeout
            try:
                self.greeting = _wait_greeting(self.host, self.port, deadline,
                                               self.innd)
                break
            except InnError as e:
                err = e
                self._stop_proc(self.innd, "innd")
                self.innd = None
                if "in use" not in self.log_text("innd.out")[-2000:] and \
                   "Address already" not in self.log_text("innd.out")[-2000:]:
                    raise InnError("innd did not start: %s\n--- log/innd.out ---\n%s"
                                   % (err, self.log_text("innd.out")[-3000:]))
        else:
            raise InnError("innd did not start (port collisions)")
        if self.reader:
            for attempt in range(3):
                if attempt or self._port_in_use(self.reader_port):
                    if self.fixed_reader_port:
                        raise InnError("port %d is in use" % self.reader_port)
                    self.reader_port = free_port()
                argv = [os.path.join(INN_BIN, "nnrpd"), "-D", "-f", "-n",
                        "-p", str(self.reader_port), "-b", self.host]
                self.nnrpd = self._spawn(argv, "nnrpd.out")
                deadline = time.monotonic() + self.start_timeout
                try:
                    self.reader_greeting = _wait_greeting(
                        self.host, self.reader_port, deadline, self.nnrpd)
                    break
                except InnError as e:
                    err = e
                    self._stop_proc(self.nnrpd, "nnrpd")
                    self.nnrpd = None
            else:
                raise InnError("nnrpd did not start: %s\n%s"
                               % (err, self.log_text("nnrpd.out")[-3000:]))
        self.start_seconds = time.monotonic() - t0
        return self

    @property
    def pid(self):
        return self.innd.pid if self.innd else None

    @property
    def reader_pid(self):
        return self.nnrpd.pid if self.nnrpd else None

    def _stop_proc(self, proc, name, timeout=STOP_TIMEOUT):
        if proc is None or proc.poll() is not None:
            return True
        try:
            proc.send_signal(signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout)
            return True
        except subprocess.TimeoutExpired:
            pass
        try:
            proc.kill()
        except ProcessLookupError:
            pass
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            pass
        return False

    def instance_pids(self):
        """PIDs of live processes whose environment has this instance's
        INNCONF (innd, nnrpd and their children such as innfeed).  Needs
        permission to read /proc/PID/environ (root, or same user)."""
        want = ("INNCONF=" + self.innconf).encode()
        pids = []
        for d in os.listdir("/proc"):
            if not d.isdigit() or int(d) == os.getpid():
                continue
            try:
                with open("/proc/%s/environ" % d, "rb") as f:
                    env = f.read().split(b"\0")
                with open("/proc/%s/stat" % d, "rb") as f:
                    state = f.read().rsplit(b")", 1)[1].split()[0]
            except OSError:
                continue
            if want in env and state != b"Z":
                pids.append(int(d))
        return pids

    def stop(self, check=True):
        """Stop innd (ctlinnd shutdown, then SIGTERM/SIGKILL by PID), nnrpd
        by PID, then any process left with this INNCONF; remove the temp
        dir unless LOOM_KEEP_TMP=1.  Returns the list of problems."""
        problems = []
        if self.stopped:
            return problems
        self.stopped = True
        if self in _live:
            _live.remove(self)
        if self.nnrpd is not None:
            if not self._stop_proc(self.nnrpd, "nnrpd"):
                problems.append("nnrpd needed SIGKILL")
        if self.innd is not None and self.innd.poll() is None:
            r = None
            try:
                r = self.ctlinnd("shutdown", "loom-interop stop", timeout=10)
            except (subprocess.TimeoutExpired, OSError) as e:
                problems.append("ctlinnd shutdown: %s" % e)
            try:
                self.innd.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                problems.append("innd still running %.0f s after ctlinnd shutdown (%s)"
                                % (STOP_TIMEOUT, r and (r.stdout + r.stderr).strip()))
                if not self._stop_proc(self.innd, "innd"):
                    problems.append("innd needed SIGKILL")
        # Children (innfeed, nnrpd workers, controlchan...) exit by
        # themselves once innd is gone (innfeed writes its backlog first);
        # give them a bounded grace period, then signal what is left.
        # nnrpd workers serving a connection still open stay until
        # signalled: those are swept here (listed in self.stop_swept).
        self.stop_swept = []
        left = []
        deadline = time.monotonic() + 5
        for _ in range(100):
            try:
                left = self.instance_pids()
            except OSError:
                left = []
            if time.monotonic() >= deadline or \
                    all(_comm(p) == "nnrpd" for p in left):
                break
            time.sleep(0.1)
        if left:
            self.stop_swept = list(left)
            for sig in (signal.SIGTERM, signal.SIGKILL):
                if sig == signal.SIGKILL:
                    problems.append("SIGKILL needed for %s" % left)
                for p in left:
                    try:
                        os.kill(p, sig)
                    except OSError:
                        pass
                deadline = time.monotonic() + 5
                for _ in range(100):
                    left = self.instance_pids()
                    if not left or time.monotonic() >= deadline:
                        break
                    time.sleep(0.1)
                if not left:
                    break
            if left:
                problems.append("processes survive SIGKILL: %s" % left)
        for lf in self._logfiles:
            try:
                lf.close()
            except OSError:
                pass
        self.stop_problems = problems
        if not KEEP_TMP:
            for _ in range(3):
                shutil.rmtree(self.tmp, ignore_errors=True)
                if not os.path.exists(self.tmp):
                    break
                time.sleep(0.2)
            else:
                problems.append("could not remove %s" % self.tmp)
        elif check:
            print("# INN temp dir kept: %s" % self.tmp, flush=True)
        return problems

    close = stop

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def __del__(self):
        try:
            if not self.stopped and (self.innd or self.nnrpd):
                self.stop(check=False)
        except Exception:
            pass

    # -- logs ----------------------------------------------------------------

    def log_text(self, name="innd.out"):
        """A log file of this instance: innd.out (innd -d output),
        nnrpd.out, innfeed.log, news, errlog, news.notice..."""
        try:
            with open(os.path.join(self.log, name), "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    # -- NNTP helpers --------------------------------------------------------

    def connect(self, reader=False, timeout=IO_TIMEOUT):
        """An Nntp client to innd (default) or the nnrpd reader port."""
        port = self.reader_port if reader else self.port
        if port is None:
            raise InnError("no reader port (reader=False)")
        return Nntp(self.host, port, timeout=timeout)

    def ihave(self, msgid, article):
        """Offer article to innd by IHAVE; the final (code, text)."""
        with self.connect() as c:
            code, text = c.cmd("IHAVE %s" % msgid)
            if code != 335:
                return code, text
            c.send(Nntp.encode_article(article))
            return c.status()

    def article(self, msgid):
        """The article (bytes, CRLF lines) via nnrpd, or None if 430."""
        with self.connect(reader=True) as c:
            code, text = c.cmd("ARTICLE %s" % msgid)
            if code == 220:
                return c.block()
            if code in (423, 430):
                return None
            raise InnError("ARTICLE %s: %d %s" % (msgid, code, text))

    def history_has(self, msgid, stored=False):
        """True if msgid is in innd's history: accepted, or remembered
        (rejected, cancelled) unless stored=True.  Flushes innd first.
        (grephistory -q exits 0 even when not found, so it is not used.)"""
        self.ctlinnd("flush", "")
        r = self.run("grephistory", msgid)
        if r.returncode != 0:
            return False
        tok = r.stdout.strip()
        if stored:
            return tok.startswith("@")
        return bool(tok)

    def history_token(self, msgid):
        """grephistory's answer: "@...@" storage token, "/dev/null"
        (remembered, not stored) or None (not in history)."""
        self.ctlinnd("flush", "")
        r = self.run("grephistory", msgid)
        return r.stdout.strip() if r.returncode == 0 else None

    # -- outgoing feeds --------------------------------------------------------

    def batch_path(self, site):
        """The file feed's batch file (TMP/spool/outgoing/SITE)."""
        return os.path.join(self.outgoing, site)

    def flush(self, site=""):
        """ctlinnd flush SITE: write innd's buffered feed data (and, with
        "", the active file and history)."""
        return self.ctlinnd_ok("flush", site)

    def batch_entries(self, site):
        """Lines of a file feed's batch after a flush (["@tok@ <id>", ...])."""
        self.flush(site)
        try:
            with open(self.batch_path(site)) as f:
                return [l.rstrip("\n") for l in f if l.strip()]
        except FileNotFoundError:
            return []

    def innxmit(self, host, port, batchfile=None, site=None, args=("-d",),
                timeout=120):
        """Send a batch with innxmit to host:port (as nntpsend does: the
        site's batch is renamed to SITE.work, innd flushed, then innxmit
        run on the .work file).  batchfile: an explicit file instead.
        Returns CompletedProcess (stderr has the -d protocol trace)."""
        if batchfile is None:
            if site is None:
                if len(self.feeds) != 1:
                    raise InnError("innxmit: give site= or batchfile=")
                site = next(iter(self.feeds))
            batch = self.batch_path(site)
            work = batch + ".work"
            self.flush(site)
            if os.path.exists(batch):
                if os.path.exists(work):
                    with open(batch, "rb") as src, open(work, "ab") as dst:
                        dst.write(src.read())
                    os.unlink(batch)
                else:
                    os.rename(batch, work)
                self.flush(site)   # innd reopens a fresh SITE file
            batchfile = work
            if not os.path.exists(batchfile):
                return subprocess.CompletedProcess([], 0, "", "empty batch\n")
        return self.run("innxmit", *(list(args) + ["-t", "20", "-P", str(port),
                                                    host, batchfile]),
                        timeout=timeout)


    # -- pulling -------------------------------------------------------------

    def pullnews(self, host, port, groups=("local.*",), to=None, args=(),
                 timeout=120):
        """Run pullnews (as news, this INNCONF): read the groups from the
        reader server host:port (e.g. Loom) and feed what it finds to this
        innd by IHAVE (to: "host:port", default this innd).  Groups are
        names (no wildmats: pullnews reads group by group).  Marks file:
        TMP/db/pullnews.marks.HOST_PORT (kept between calls, so a second
        call only pulls new articles).  Returns CompletedProcess."""
        marks = os.path.join(self.db, "pullnews.marks.%s_%d" % (host, int(port)))
        if not os.path.exists(marks):
            self._write(marks, "%s:%d\n" % (host, int(port))
                        + "".join("    %s\n" % g for g in groups))
            if os.geteuid() == 0:
                os.chown(marks, self.uid, self.gid)
        to = to or "%s:%d" % (self.host, self.port)
        return self.run("pullnews", "-c", marks, "-s", to, "-N", "20",
                        "-t", "1", "-l", os.path.join(self.log, "pullnews.log"),
                        *args, timeout=timeout)


# --------------------------------------------------------------------------
# A dummy feed receiver, to see what INN (innfeed, innxmit) sends.

class FeedReceiver:
    """A minimal transit NNTP server on 127.0.0.1 (a thread per
    connection) that records what a feeder sends: MODE STREAM, CHECK,
    TAKETHIS, IHAVE, CAPABILITIES, QUIT.  It accepts every new message-id
    (238/239/335+235) and refuses ones it already has (438/439/435).

        with FeedReceiver() as rx:            # rx.port
            ...
            rx.wait_for("<id@x>", timeout=20) # True once the article came
            rx.commands                       # ["MODE STREAM", "CHECK <id@x>", ...]
            rx.articles                       # {msgid: bytes (CRLF lines)}
    """

    def __init__(self, host="127.0.0.1", streaming=True, max_conns=50):
        import threading
        self._threading = threading
        self.streaming = streaming
        self.commands = []
        self.articles = {}
        self.connections = 0
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.max_conns = max_conns
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.host, self.port = self.sock.getsockname()[:2]
        self.closing = False
        self.conns = []
        self.thread = threading.Thread(target=self._accept_loop, daemon=True)
        self.thread.start()

    def _accept_loop(self):
        while not self.closing:
            try:
                c, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with self.lock:
                self.connections += 1
                if self.connections > self.max_conns:
                    c.close()
                    continue
                self.conns.append(c)
            t = self._threading.Thread(target=self._serve, args=(c,), daemon=True)
            t.start()

    def _record(self, line):
        with self.cond:
            self.commands.append(line)
            self.cond.notify_all()

    def _store(self, msgid, data):
        with self.cond:
            new = msgid not in self.articles
            if new:
                self.articles[msgid] = data
            self.cond.notify_all()
            return new

    def _read_block(self, f):
        out = []
        for _ in range(10_000_000):
            l = f.readline(1 << 20)
            if not l:
                raise ConnectionError("EOF in article")
            if l in (b".\r\n", b".\n"):
                break
            l = l.rstrip(b"\r\n")
            out.append(l[1:] if l.startswith(b".") else l)
        return b"".join(x + b"\r\n" for x in out)

    def _serve(self, c):
        c.settimeout(120)
        try:
            f = c.makefile("rb")
            c.sendall(b"200 loom-interop dummy receiver ready\r\n")
            for _ in range(10_000_000):
                l = f.readline(1 << 20)
                if not l:
                    break
                line = l.rstrip(b"\r\n").decode("utf-8", "replace")
                self._record(line)
                w = line.split()
                cmd = w[0].upper() if w else ""
                arg = w[1] if len(w) > 1 else ""
                if cmd == "MODE" and arg.upper() == "STREAM":
                    c.sendall(b"203 streaming ok\r\n" if self.streaming
                              else b"500 no streaming\r\n")
                elif cmd == "CAPABILITIES":
                    c.sendall(b"101 capabilities\r\nVERSION 2\r\nIHAVE\r\n"
                              + (b"STREAMING\r\n" if self.streaming else b"")
                              + b".\r\n")
                elif cmd == "CHECK":
                    with self.lock:
                        have = arg in self.articles
                    c.sendall(("%d %s\r\n" % (438 if have else 238, arg)).encode())
                elif cmd == "TAKETHIS":
                    data = self._read_block(f)
                    new = self._store(arg, data)
                    c.sendall(("%d %s\r\n" % (239 if new else 439, arg)).encode())
                elif cmd == "IHAVE":
                    with self.lock:
                        have = arg in self.articles
                    if have:
                        c.sendall(b"435 duplicate\r\n")
                        continue
                    c.sendall(b"335 send it\r\n")
                    data = self._read_block(f)
                    new = self._store(arg, data)
                    c.sendall(b"235 thanks\r\n" if new else b"437 duplicate\r\n")
                elif cmd == "QUIT":
                    c.sendall(b"205 bye\r\n")
                    break
                else:
                    c.sendall(b"500 unknown command\r\n")
        except (OSError, ConnectionError):
            pass
        finally:
            try:
                c.close()
            except OSError:
                pass

    def wait_for(self, msgid, timeout=20.0):
        """True once msgid's article has arrived (bounded wait)."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while msgid not in self.articles:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.cond.wait(min(left, 0.5))
            return True

    def close(self):
        self.closing = True
        try:
            self.sock.close()
        except OSError:
            pass
        with self.lock:
            conns = list(self.conns)
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                c.close()
            except OSError:
                pass
        self.thread.join(2)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False
