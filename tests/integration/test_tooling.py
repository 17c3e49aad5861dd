#!/usr/bin/env python3
"""
The test tooling itself: the shell scripts make runs with sh (dash on
Debian), the INN install step and how its failure surfaces, and what a
skip for a missing dependency becomes under CI.

    python3 tests/integration/test_tooling.py [name-substring...]
"""

import os
import shutil
import stat
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import harness  # noqa: E402
from harness import ROOT, TestFailure  # noqa: E402

INN_BIN = "/usr/lib/news/bin"


def check(cond, msg):
    if not cond:
        raise TestFailure(msg)


def env_without(*names, **extra):
    env = {k: v for k, v in os.environ.items() if k not in names}
    env.update(extra)
    return env


def sh_scripts():
    """Every script make (or a script make runs) starts with sh."""
    out = []
    for d in ("scripts", os.path.join("tests", "bench")):
        for f in sorted(os.listdir(os.path.join(ROOT, d))):
            if f.endswith(".sh"):
                out.append(os.path.join(d, f))
    return out + [os.path.join("tests", "run.sh")]


def test_sh_scripts_parse_under_dash():
    dash = shutil.which("dash")
    if dash is None:
        harness.missing_dependency("dash (Debian's /bin/sh) is not installed")
    scripts = sh_scripts()
    check(os.path.join("scripts", "install-inn.sh") in scripts, scripts)
    for s in scripts:
        p = subprocess.run([dash, "-n", s], cwd=ROOT, capture_output=True,
                           text=True, timeout=30)
        check(p.returncode == 0, "dash -n %s: %s" % (s, p.stderr.strip()))
        with open(os.path.join(ROOT, s)) as f:
            first = f.readline().rstrip("\n")
        check(first == "#!/bin/sh", "%s starts with %r, not #!/bin/sh"
              % (s, first))


def test_install_inn_returns_at_once_when_installed():
    if not os.access(os.path.join(INN_BIN, "innd"), os.X_OK):
        harness.missing_dependency("inn2 is not installed (as root: sh "
                                   "scripts/install-inn.sh)")
    p = subprocess.run(["sh", "scripts/install-inn.sh"], cwd=ROOT,
                       capture_output=True, text=True, timeout=120)
    check(p.returncode == 0, "install-inn.sh exited %d: %s"
          % (p.returncode, p.stderr))


def stub_bin(d, name, text):
    path = os.path.join(d, name)
    with open(path, "w") as f:
        f.write("#!/bin/sh\n" + text)
    os.chmod(path, stat.S_IRWXU)


def run_install_stubbed(uid, apt=False):
    """install-inn.sh under /bin/sh with a PATH where inn2 is not
    installed and id -u says uid.  apt: apt-get and apt-cache exist and
    fail (as without a network), else there is no apt-get at all.  The
    policy-rc.d it writes goes to a temp dir: the system is not touched."""
    d = tempfile.mkdtemp(prefix="loomstub-")
    try:
        stub_bin(d, "id", "echo %d\n" % uid)
        stub_bin(d, "dpkg-query", "exit 1\n")
        path = d
        if apt:
            stub_bin(d, "apt-get", "echo 'E: stub: no network' >&2\n"
                     "exit 100\n")
            stub_bin(d, "apt-cache", "exit 100\n")
            path = d + ":/usr/bin:/bin"
        p = subprocess.run(["/bin/sh", "scripts/install-inn.sh"],
                           cwd=ROOT, capture_output=True, text=True,
                           timeout=60, env=env_without(
                               "PATH", PATH=path,
                               LOOM_POLICY_RC=os.path.join(d, "policy")))
        check(not os.path.exists(os.path.join(d, "policy")),
              "install-inn.sh left its policy-rc.d behind")
        return p
    finally:
        shutil.rmtree(d, ignore_errors=True)


def test_install_inn_not_installed_not_root_says_what_to_run():
    p = run_install_stubbed(1000)
    check(p.returncode == 1, (p.returncode, p.stderr))
    check("sh scripts/install-inn.sh" in p.stderr, p.stderr)
    check("Syntax error" not in p.stderr, p.stderr)


def test_install_inn_failing_as_root_exits_non_zero_loudly():
    p = run_install_stubbed(0)
    check(p.returncode == 1, (p.returncode, p.stderr))
    check("install-inn: ERROR: apt-get not found" in p.stderr, p.stderr)
    p = run_install_stubbed(0, apt=True)
    check(p.returncode == 1, (p.returncode, p.stderr))
    check("Syntax error" not in p.stderr, p.stderr)
    check("install-inn: ERROR: apt-get update failed" in p.stderr, p.stderr)


def test_make_check_fails_when_the_install_fails_as_root():
    if os.geteuid() != 0:
        harness.skip("the install step runs only as root")
    p = subprocess.run(["make", "-s", "-C", ROOT, "interop-deps",
                        "INSTALL_INN=false"], capture_output=True, text=True,
                       timeout=120,
                       env=env_without("MAKEFLAGS", "MFLAGS", "MAKELEVEL"))
    check(p.returncode != 0, "make interop-deps passed although the install "
          "failed: %s %s" % (p.stdout, p.stderr))
    check("ERROR: installing INN 2.7 failed" in p.stderr, p.stderr)


def run_tap(ci, body):
    """Run a harness test file whose tests are `body`; CI set or not."""
    d = tempfile.mkdtemp(prefix="loomtap-")
    try:
        path = os.path.join(d, "test_probe.py")
        with open(path, "w") as f:
            f.write("import sys\nsys.path.insert(0, %r)\nimport harness\n\n"
                    "%s\n\nif __name__ == '__main__':\n"
                    "    harness.main(globals())\n" % (HERE, body))
        env = env_without("CI")
        if ci is not None:
            env["CI"] = ci
        return subprocess.run([sys.executable, path], capture_output=True,
                              text=True, timeout=60, env=env)
    finally:
        shutil.rmtree(d, ignore_errors=True)


PROBE = '''
def test_needs_widget():
    harness.missing_dependency("widget is not installed")


def test_no_ipv6():
    harness.skip("::1 is not available")
'''


def test_missing_dependency_skips_outside_ci():
    for ci in (None, "", "false", "0"):
        p = run_tap(ci, PROBE)
        check(p.returncode == 0, (ci, p.stdout, p.stderr))
        lines = p.stdout.splitlines()
        check("ok 1 - test_needs_widget # SKIP missing dependency: widget "
              "is not installed" in lines, (ci, p.stdout))
        check("ok 2 - test_no_ipv6 # SKIP ::1 is not available" in lines,
              (ci, p.stdout))


def test_missing_dependency_fails_under_ci():
    for ci in ("true", "1", "TRUE"):
        p = run_tap(ci, PROBE)
        check(p.returncode == 1, (ci, p.stdout, p.stderr))
        lines = p.stdout.splitlines()
        check("not ok 1 - test_needs_widget" in lines, (ci, p.stdout))
        check("widget is not installed" in p.stdout, p.stdout)
        # A property of the machine stays a skip.
        check("ok 2 - test_no_ipv6 # SKIP ::1 is not available" in lines,
              (ci, p.stdout))


def run_sh(ci, tap):
    """tests/run.sh over one program that prints `tap` and exits 0."""
    d = tempfile.mkdtemp(prefix="loomrun-")
    try:
        prog = os.path.join(d, "probe")
        with open(prog, "w") as f:
            f.write("#!/bin/sh\ncat <<'EOF'\n%sEOF\n" % tap)
        os.chmod(prog, stat.S_IRWXU)
        env = env_without("CI", UNIT_ONLY="1")
        if ci is not None:
            env["CI"] = ci
        return subprocess.run(["sh", "tests/run.sh", prog], cwd=ROOT,
                              capture_output=True, text=True, timeout=60,
                              env=env)
    finally:
        shutil.rmtree(d, ignore_errors=True)


# What a program that does not use harness.py (Perl's Test::More) prints.
FOREIGN_TAP = ("1..3\nok 1 - works\n"
               "ok 2 - needs # SKIP missing dependency: Foo::Bar\n"
               "ok 3 - v6 # skip no IPv6\n")


def test_run_sh_lists_skips_with_their_reasons():
    p = run_sh(None, FOREIGN_TAP)
    check(p.returncode == 0, (p.stdout, p.stderr))
    check("1 passed, 0 failed, 2 skipped" in p.stdout, p.stdout)
    check("skipped:" in p.stdout and "missing dependency: Foo::Bar"
          in p.stdout.split("skipped:")[1], p.stdout)


def test_run_sh_fails_on_dependency_skips_under_ci():
    p = run_sh("true", FOREIGN_TAP)
    check(p.returncode != 0, (p.stdout, p.stderr))
    check("1 passed, 1 failed, 1 skipped" in p.stdout, p.stdout)


if __name__ == "__main__":
    harness.main(globals())
