#!/usr/bin/env python3
"""
make install and running as a service: the installed tree (into a DESTDIR,
as a package build does, without root), the installed loomd serving NNTP,
the privilege drop of a loomd started as root, readiness and reload
notifications on a fake NOTIFY_SOCKET (no systemd needed), journal-style
log lines, and `systemd-analyze verify` on the installed unit.

    python3 tests/integration/test_install.py [name-substring...]
"""

import os
import pwd
import grp
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import harness  # noqa: E402
from harness import (ROOT, Loomd, TestFailure, make_article,  # noqa: E402
                     missing_dependency, scaled, tail)

# The binaries make install copies: those of the build the suite tests
# (tests/run.sh sets LOOMCTL to $BUILD/loomctl; LOOMD may be a wrapper).
BUILD_DIR = os.path.dirname(os.path.abspath(harness.LOOMCTL))
PREFIX = "/usr"


def check(cond, msg):
    if not cond:
        raise TestFailure(msg)


def make(*args, env=None):
    """Run make in the source tree; the CompletedProcess, raising on a
    failure with make's output."""
    cmd = ["make", "--no-print-directory", "-C", ROOT, "BUILD=" + BUILD_DIR]
    cmd += list(args)
    p = subprocess.run(cmd, capture_output=True, text=True, env=env,
                       stdin=subprocess.DEVNULL, timeout=scaled(600))
    if p.returncode != 0:
        raise TestFailure("%s exited %d:\n%s%s" % (" ".join(cmd), p.returncode,
                                                 tail(p.stdout), tail(p.stderr)))
    return p


class Staged:
    """make install DESTDIR=<temp dir> PREFIX=/usr, removed afterwards."""

    def __init__(self, *extra):
        self.dest = tempfile.mkdtemp(prefix="loominstall-")
        self.out = make("install", "DESTDIR=" + self.dest, "PREFIX=" + PREFIX,
                        *extra)

    def path(self, p):
        return os.path.join(self.dest, p.lstrip("/"))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if not harness.KEEP_TMP:
            shutil.rmtree(self.dest, ignore_errors=True)
        return False


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def check_file(path, mode):
    check(os.path.isfile(path), "not installed: %s" % path)
    check(mode_of(path) == mode, "%s: mode %o, want %o"
          % (path, mode_of(path), mode))


def unit_lines(path):
    """The unit's Key=Value lines as a list of (key, value)."""
    out = []
    with open(path) as f:
        for l in f:
            l = l.strip()
            if l and not l.startswith(("#", ";", "[")) and "=" in l:
                k, v = l.split("=", 1)
                out.append((k, v))
    return out


def unit_value(lines, key):
    vals = [v for k, v in lines if k == key]
    check(len(vals) == 1, "unit: want one %s=, have %r" % (key, vals))
    return vals[0]


def test_install_tree():
    with Staged() as s:
        for prog in ("loomd", "loomctl"):
            check_file(s.path(PREFIX + "/sbin/" + prog), 0o755)
        for page in ("man8/loomd.8", "man8/loomctl.8", "man5/loom.conf.5"):
            check_file(s.path(PREFIX + "/share/man/" + page), 0o644)
        check_file(s.path("/etc/loom/loom.conf.example"), 0o644)
        # It may name peer passwords: not world-readable.
        check_file(s.path("/etc/loom/loom.conf"), 0o640)
        unit = s.path(PREFIX + "/lib/systemd/system/loomd.service")
        check_file(unit, 0o644)
        data = s.path("/var/lib/loom")
        check(os.path.isdir(data) and mode_of(data) == 0o750,
              "data directory %s missing or not mode 750" % data)

        # The unit names the installed paths, not the source defaults.
        lines = unit_lines(unit)
        check(unit_value(lines, "Type") == "notify", "Type is not notify")
        check(unit_value(lines, "ExecStart") ==
              PREFIX + "/sbin/loomd --foreground --config /etc/loom/loom.conf",
              "ExecStart: %s" % unit_value(lines, "ExecStart"))
        check(unit_value(lines, "ReadWritePaths") == "/var/lib/loom",
              "ReadWritePaths")
        check(unit_value(lines, "User") == "loom", "User")
        check(unit_value(lines, "ProtectSystem") == "strict", "ProtectSystem")
        check(unit_value(lines, "NoNewPrivileges") == "yes", "NoNewPrivileges")
        check(unit_value(lines, "PrivateTmp") == "yes", "PrivateTmp")
        check(unit_value(lines, "CapabilityBoundingSet") ==
              "CAP_NET_BIND_SERVICE", "CapabilityBoundingSet")
        check("HUP" in unit_value(lines, "ExecReload"), "ExecReload")
        check(not any("/usr/local" in v for _, v in lines),
              "the unit still names /usr/local")

        # The installed config is valid, names the data directory and runs
        # loomd as loom.
        conf = s.path("/etc/loom/loom.conf")
        text = open(conf).read()
        check("\nuser = loom\n" in text, "loom.conf does not set user = loom")
        check("\ndata = /var/lib/loom\n" in text, "loom.conf: data")
        loomd = s.path(PREFIX + "/sbin/loomd")
        p = subprocess.run([loomd, "--check-config", "--config", conf],
                           capture_output=True, text=True, timeout=30)
        check(p.returncode == 0 and "configuration OK" in p.stdout,
              "installed loomd --check-config: %d %s%s"
              % (p.returncode, p.stdout, p.stderr))
        p = subprocess.run([s.path(PREFIX + "/sbin/loomctl"), "--help"],
                           capture_output=True, text=True, timeout=30)
        check("usage" in (p.stdout + p.stderr).lower(),
              "installed loomctl --help: %s%s" % (p.stdout, p.stderr))

        # Nothing of the DESTDIR tree is owned by anyone but the installer:
        # a staged install needs no root and creates no account.
        me = os.getuid()
        for d, dirs, files in os.walk(s.dest):
            for n in dirs + files:
                st = os.lstat(os.path.join(d, n))
                check(st.st_uid == me, "%s owned by uid %d"
                      % (os.path.join(d, n), st.st_uid))


def test_install_keeps_config_and_uninstall_keeps_data():
    with Staged() as s:
        conf = s.path("/etc/loom/loom.conf")
        with open(conf, "a") as f:
            f.write("# edited by the administrator\n")
        edited = open(conf).read()
        out = make("install", "DESTDIR=" + s.dest, "PREFIX=" + PREFIX)
        check(open(conf).read() == edited, "a second install replaced loom.conf")
        check("keeping" in out.stdout, "install did not say it kept loom.conf:\n"
              + out.stdout)
        with open(s.path("/var/lib/loom/data.mdb"), "w") as f:
            f.write("x")
        make("uninstall", "DESTDIR=" + s.dest, "PREFIX=" + PREFIX)
        for gone in (PREFIX + "/sbin/loomd", PREFIX + "/sbin/loomctl",
                     PREFIX + "/share/man/man8/loomd.8",
                     PREFIX + "/share/man/man5/loom.conf.5",
                     PREFIX + "/lib/systemd/system/loomd.service",
                     "/etc/loom/loom.conf.example"):
            check(not os.path.exists(s.path(gone)),
                  "uninstall left %s" % gone)
        check(open(conf).read() == edited, "uninstall touched loom.conf")
        check(os.path.exists(s.path("/var/lib/loom/data.mdb")),
              "uninstall removed the data")


def test_install_prefix_default_and_dirs():
    """Without PREFIX: /usr/local, yet config and data stay in /etc and
    /var, and the unit says so."""
    dest = tempfile.mkdtemp(prefix="loominstall-")
    try:
        make("install", "DESTDIR=" + dest, "SYSCONFDIR=/etc",
             "LOCALSTATEDIR=/srv")
        p = lambda x: os.path.join(dest, x.lstrip("/"))  # noqa: E731
        check(os.access(p("/usr/local/sbin/loomd"), os.X_OK),
              "no /usr/local/sbin/loomd")
        lines = unit_lines(p("/usr/local/lib/systemd/system/loomd.service"))
        check(unit_value(lines, "ExecStart").startswith(
            "/usr/local/sbin/loomd "), "ExecStart")
        check(unit_value(lines, "ReadWritePaths") == "/srv/lib/loom",
              "ReadWritePaths does not follow LOCALSTATEDIR")
        check("\ndata = /srv/lib/loom\n" in open(p("/etc/loom/loom.conf")).read(),
              "loom.conf data does not follow LOCALSTATEDIR")
        check(os.path.isdir(p("/srv/lib/loom")), "no /srv/lib/loom")
    finally:
        shutil.rmtree(dest, ignore_errors=True)


class InstalledLoomd(Loomd):
    """A harness Loomd running another binary (the installed one)."""

    def __init__(self, binary, **kw):
        self.binary = binary
        super().__init__(**kw)

    def command(self):
        cmd = super().command()
        cmd[0] = self.binary
        return cmd


def unprivileged():
    """(name, uid, gid) of the account the tests drop to: nobody."""
    try:
        pw = pwd.getpwnam("nobody")
    except KeyError:
        missing_dependency("the account nobody (Debian's base-passwd)")
    return pw.pw_name, pw.pw_uid, pw.pw_gid


def proc_status(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for l in f:
            k, _, v = l.partition(":")
            out[k] = v.split()
    return out


def shared_data_dir(owner_uid=None, owner_gid=None):
    """A data directory the unprivileged user can reach: (parent, data)."""
    parent = tempfile.mkdtemp(prefix="loomdata-")
    os.chmod(parent, 0o755)
    data = os.path.join(parent, "data")
    os.mkdir(data, 0o750)
    if owner_uid is not None:
        os.chown(data, owner_uid, owner_gid)
    return parent, data


def post_and_read(d):
    c = d.connect()
    check(c.greeting[0] == 200, "greeting %r" % (c.greeting,))
    art = make_article(subject="installed", message_id=True)
    code, text = c.post(art)
    check(code == 240, "POST: %d %s" % (code, text))
    c.expect(211, "GROUP local.test")
    _, lines = c.expect_multi(220, "ARTICLE 1")
    check("Subject: installed" in lines, "article not read back: %r" % lines)
    c.cmd("QUIT")


def test_installed_loomd_serves():
    """The installed loomd, with the installed config, serves NNTP; started
    as root it runs as the configured user."""
    with Staged() as s:
        binary = s.path(PREFIX + "/sbin/loomd")
        conf = s.path("/etc/loom/loom.conf")
        if os.geteuid() == 0:
            user, uid, gid = unprivileged()
        else:
            uid, gid = os.getuid(), os.getgid()
            user = pwd.getpwuid(uid).pw_name
        parent, data = shared_data_dir(uid, gid)
        try:
            # --user over the file's "user = loom": the test cannot create
            # accounts; everything else comes from the installed file.
            with InstalledLoomd(binary, data=data,
                                args=["--config", conf, "--user", user]) as d:
                post_and_read(d)
                st = proc_status(d.pid())
                check(st["Uid"] == [str(uid)] * 4, "Uid %r" % st["Uid"])
                check(st["Gid"] == [str(gid)] * 4, "Gid %r" % st["Gid"])
                check(int(st["CapEff"][0], 16) == 0 and
                      int(st["CapPrm"][0], 16) == 0,
                      "capabilities left: %r %r" % (st["CapEff"], st["CapPrm"]))
                for f in os.listdir(data):
                    check(os.stat(os.path.join(data, f)).st_uid == uid,
                          "store file %s not owned by uid %d" % (f, uid))
        finally:
            shutil.rmtree(parent, ignore_errors=True)


def need_root(what):
    if os.geteuid() != 0:
        missing_dependency("root, to test %s" % what)


def test_root_drops_privileges_after_binding():
    need_root("the privilege drop")
    user, uid, gid = unprivileged()
    parent, data = shared_data_dir(uid, gid)
    try:
        with Loomd(data=data, args=["--user", user]) as d:
            st = proc_status(d.pid())
            check(st["Uid"] == [str(uid)] * 4, "Uid %r" % st["Uid"])
            check(st["Gid"] == [str(gid)] * 4, "Gid %r" % st["Gid"])
            check(st["Groups"] == [str(gid)],
                  "supplementary groups kept: %r" % st["Groups"])
            check(int(st["CapEff"][0], 16) == 0, "CapEff %r" % st["CapEff"])
            d.wait_log(r"running as user %s \(uid %d, gid %d\)"
                       % (user, uid, gid))
            post_and_read(d)
            # A reload works as the unprivileged user.
            since = d.log_size()
            d.sighup()
            d.wait_log("nothing to do|reloaded", since=since)
            post_and_read_again = d.connect()
            check(post_and_read_again.greeting[0] == 200, "after SIGHUP")
    finally:
        shutil.rmtree(parent, ignore_errors=True)


def test_user_from_config_file():
    need_root("the privilege drop")
    user, uid, gid = unprivileged()
    parent, data = shared_data_dir(uid, gid)
    try:
        d = Loomd(data=data, config="[server]\nuser = %s\n" % user,
                  start=False)
        # A reload reads the file as the unprivileged user.
        os.chmod(d.tmp, 0o711)
        os.chmod(d.config_path, 0o644)
        with d.start():
            st = proc_status(d.pid())
            check(st["Uid"] == [str(uid)] * 4, "Uid %r" % st["Uid"])
            # The account is chosen once, at start.
            with open(d.config_path, "w") as f:
                f.write("[server]\nuser = root\n")
            since = d.log_size()
            d.sighup()
            d.wait_log("reload: user change needs a restart", since=since)
            d.wait_log("reloaded", since=since)
            st = proc_status(d.pid())
            check(st["Uid"] == [str(uid)] * 4, "Uid after reload %r" % st["Uid"])
    finally:
        shutil.rmtree(parent, ignore_errors=True)


def test_store_opens_after_the_drop():
    """A store only root may open stops a loomd told to run as nobody:
    the store is opened after root is given up, never before."""
    need_root("the privilege drop")
    user, _, _ = unprivileged()
    parent, data = shared_data_dir()        # root's, mode 750
    try:
        d = Loomd(data=data, args=["--user", user], start=False)
        try:
            d.start()
        except TestFailure:
            pass
        else:
            raise TestFailure("loomd as %s opened a store only root may "
                              "open" % user)
        finally:
            d.close(expect_status=None)
        log = d._final_log
        check("running as user %s" % user in log, "no drop logged:\n" + log)
        check("Permission denied" in log, "no permission error:\n" + log)
    finally:
        shutil.rmtree(parent, ignore_errors=True)


def test_unknown_user_refused():
    need_root("the privilege drop")
    d = Loomd(args=["--user", "no-such-user-loom"], start=False)
    try:
        d.start()
    except TestFailure:
        pass
    else:
        raise TestFailure("loomd started with an unknown --user")
    finally:
        d.close(expect_status=None)
    check("no-such-user-loom: no such user" in d._final_log, d._final_log)


def test_non_root_cannot_switch_user():
    """Not root, a user other than oneself is a configuration error, not a
    silent no-op."""
    need_root("starting loomd as another account")
    user, uid, gid = unprivileged()
    parent, data = shared_data_dir(uid, gid)
    try:
        def become():
            os.setgroups([])
            os.setgid(gid)
            os.setuid(uid)
        p = subprocess.run([harness.LOOMD, "--foreground", "--data", data,
                            "--listen", "127.0.0.1:0", "--user", "root"],
                           capture_output=True, text=True, timeout=scaled(30),
                           preexec_fn=become, stdin=subprocess.DEVNULL)
        check(p.returncode == 1 and "only root can switch" in p.stderr,
              "status %d: %s" % (p.returncode, p.stderr))
    finally:
        shutil.rmtree(parent, ignore_errors=True)


class SetprivLoomd(Loomd):
    """loomd as systemd starts it with User= and AmbientCapabilities=
    CAP_NET_BIND_SERVICE, through util-linux's setpriv."""

    def __init__(self, uid, gid, **kw):
        self.ids = (uid, gid)
        super().__init__(**kw)

    def command(self):
        return ["setpriv", "--reuid=%d" % self.ids[0],
                "--regid=%d" % self.ids[1], "--clear-groups",
                "--inh-caps=-all,+net_bind_service",
                "--ambient-caps=+net_bind_service",
                "--bounding-set=-all,+net_bind_service"] + super().command()


def free_low_port():
    """A port below 1024 free on 127.0.0.1 now (the test binds it as root
    first, so a clash is unlikely)."""
    for port in range(1019, 600, -7):
        s = socket.socket()
        try:
            s.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            s.close()
    raise TestFailure("no free port below 1024 on 127.0.0.1")


def test_systemd_style_start_drops_the_lent_capability():
    """Started as the service user with CAP_NET_BIND_SERVICE lent (as the
    unit does), loomd binds a port below 1024, then holds no capability."""
    need_root("setting up a start with ambient capabilities")
    if shutil.which("setpriv") is None:
        missing_dependency("setpriv (Debian package util-linux)")
    user, uid, gid = unprivileged()
    parent, data = shared_data_dir(uid, gid)
    try:
        port = free_low_port()
        conf = "[server]\nuser = %s\n" % user
        d = SetprivLoomd(uid, gid, data=data, config=conf, start=False,
                         listen=("127.0.0.1:%d" % port,))
        os.chmod(d.tmp, 0o711)
        os.chmod(d.config_path, 0o644)
        with d.start():
            check(d.port == port, "listening on %s, not %d" % (d.port, port))
            st = proc_status(d.pid())
            check(st["Uid"] == [str(uid)] * 4, "Uid %r" % st["Uid"])
            for k in ("CapEff", "CapPrm", "CapInh", "CapAmb"):
                check(int(st[k][0], 16) == 0, "%s %r after binding"
                      % (k, st[k]))
            check(d.connect().greeting[0] == 200, "greeting")
    finally:
        shutil.rmtree(parent, ignore_errors=True)


def test_root_without_user_warns():
    need_root("the warning of a loomd left as root")
    with Loomd() as d:
        check(proc_status(d.pid())["Uid"][1] == "0", "not root")
        d.wait_log("warn: running as root: set user")


class NotifySocket:
    """A fake systemd notification socket: a unix datagram socket."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="loomnotify-")
        os.chmod(self.dir, 0o755)
        self.path = os.path.join(self.dir, "notify")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        os.chmod(self.path, 0o777)

    def next(self, timeout=10.0):
        """The next message as a dict of its KEY=VALUE lines."""
        self.sock.settimeout(scaled(timeout))
        try:
            msg = self.sock.recv(4096).decode()
        except socket.timeout:
            raise TestFailure("no notification within %.0f s" % scaled(timeout))
        return dict(l.split("=", 1) for l in msg.splitlines() if "=" in l)

    def none(self, wait=0.5):
        self.sock.settimeout(wait)
        try:
            msg = self.sock.recv(4096).decode()
        except socket.timeout:
            return
        raise TestFailure("unexpected notification %r" % msg)

    def close(self):
        self.sock.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def test_notify_ready_reload_stopping():
    n = NotifySocket()
    try:
        conf = "[server]\nlog_level = info\n"
        with Loomd(config=conf, env={"NOTIFY_SOCKET": n.path}) as d:
            m = n.next()
            check(m.get("READY") == "1", "first notification %r" % m)
            check("STATUS" in m, "no STATUS with READY: %r" % m)
            # Ready means accepting: a client gets its greeting now.
            c = d.connect()
            check(c.greeting[0] == 200, "greeting after READY=1")
            n.none()
            d.sighup()
            m = n.next()
            check(m.get("RELOADING") == "1" and "MONOTONIC_USEC" in m,
                  "on SIGHUP: %r" % m)
            check(n.next().get("READY") == "1", "no READY=1 after the reload")
            c.cmd("QUIT")
            d.signal(signal.SIGTERM)
            check(n.next().get("STOPPING") == "1", "no STOPPING=1 on SIGTERM")
            d.stop()
    finally:
        n.close()


def test_notify_failed_reload_still_ready():
    """A reload that fails keeps the old config: systemd must see the unit
    ready again, not reloading for ever."""
    n = NotifySocket()
    try:
        with Loomd(config="[server]\n", env={"NOTIFY_SOCKET": n.path}) as d:
            check(n.next().get("READY") == "1", "no READY=1")
            with open(d.config_path, "w") as f:
                f.write("[server]\nno_such_key = 1\n")
            since = d.log_size()
            d.sighup()
            check(n.next().get("RELOADING") == "1", "no RELOADING=1")
            check(n.next().get("READY") == "1", "no READY=1 after a failed reload")
            d.wait_log("reload failed", since=since)
    finally:
        n.close()


def test_no_notify_socket_no_notification():
    """Without NOTIFY_SOCKET loomd sends nothing and starts as before."""
    env = {k: v for k, v in os.environ.items() if k != "NOTIFY_SOCKET"}
    with Loomd(env=env) as d:
        check(d.connect().greeting[0] == 200, "greeting")


def test_journal_stream_gets_priority_prefixes():
    """Under systemd (JOURNAL_STREAM naming our stderr) lines carry "<N>"
    priorities for journald, and no timestamp of their own."""
    d = Loomd(start=False)
    try:
        open(d.log_path, "ab").close()
        st = os.stat(d.log_path)
        d.env = {"JOURNAL_STREAM": "%d:%d" % (st.st_dev, st.st_ino)}
        d.start()
        text = d.log_text()
        lines = [l for l in text.splitlines() if l]
        check(lines and all(l.startswith("<") for l in lines),
              "lines without a priority prefix:\n" + text)
        check("<6>listening on 127.0.0.1:" in text, text)
        check("<6>Loom " in text and "ready to accept connections" in text, text)
        check(" info: " not in text, "stderr format under the journal:\n" + text)
    finally:
        d.close()


def test_journal_stream_of_another_file_is_ignored():
    """A JOURNAL_STREAM inherited from a parent whose stderr was not ours:
    plain stderr lines."""
    d = Loomd(start=False, env={"JOURNAL_STREAM": "1:1"})
    try:
        d.start()
        text = d.log_text()
        check(" info: listening on" in text and "<6>" not in text, text)
    finally:
        d.close()


def test_log_option():
    with Loomd(args=["--log", "journal"]) as d:
        check("<6>listening on" in d.log_text(), d.log_text())
    p = harness.run_loomd("--log", "nowhere", "--check-config")
    check(p.returncode == 2 and "--log" in p.stderr, p.stderr)


def systemd_analyze():
    path = shutil.which("systemd-analyze")
    if path is None:
        missing_dependency("systemd-analyze (Debian package systemd)")
    return path


def verify_unit(s, unit_text):
    """systemd-analyze verify on unit_text, with its programs and man pages
    looked up in the staged tree: (status, output)."""
    vdir = tempfile.mkdtemp(prefix="loomverify-")
    try:
        # The staged programs are not in /usr/sbin yet: point the copy at
        # them, so verify's check that each Exec program exists is real.
        text = unit_text.replace(PREFIX + "/sbin/", s.path(PREFIX + "/sbin/"))
        unit = os.path.join(vdir, "loomd.service")
        with open(unit, "w") as f:
            f.write(text)
        cmd = [systemd_analyze(), "verify"]
        env = dict(os.environ)
        if shutil.which("man"):
            # Documentation=man:... is checked against the staged pages.
            env["MANPATH"] = s.path(PREFIX + "/share/man")
        else:
            print("# man is not installed: verify runs with --man=no, the "
                  "man pages are checked by test_install_tree only", flush=True)
            cmd.append("--man=no")
        p = subprocess.run(cmd + [unit], capture_output=True, text=True,
                           env=env, timeout=scaled(120), cwd=vdir,
                           stdin=subprocess.DEVNULL)
        return p.returncode, (p.stdout + p.stderr).strip()
    finally:
        shutil.rmtree(vdir, ignore_errors=True)


def test_systemd_analyze_verify():
    """systemd-analyze verify works offline (no systemd as PID 1 needed: it
    loads the unit and its dependencies from the unit directories).  Any
    word from it is a failure: it exits 0 on many a bad line."""
    systemd_analyze()
    with Staged() as s:
        unit = open(s.path(PREFIX + "/lib/systemd/system/loomd.service")).read()
        # First, that this verify can fail here at all.
        rc, out = verify_unit(s, unit.replace("Type=notify", "Type=notfy"))
        check("notfy" in out, "verify did not notice a bad Type= (%d): %s"
              % (rc, out))
        rc, out = verify_unit(s, unit)
        check(rc == 0 and out == "", "systemd-analyze verify (%d):\n%s"
              % (rc, out))
        print("# systemd-analyze verify: the installed unit is clean", flush=True)


if __name__ == "__main__":
    harness.main(globals())
