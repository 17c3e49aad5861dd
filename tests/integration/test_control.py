#!/usr/bin/env python3
"""
Group control messages (RFC 5537 5.2; docs/admin.md, "Group control
messages"): newgroup, rmgroup and checkgroups are acted on only as the
[control] rules say (sender wildmat, group wildmat, doit / log / drop /
verify-SIGNER), a verify rule only for a pgpverify signature that gpgv
accepts from the keyring; every control article is filed in its control.*
pseudo-group, never in its Newsgroups.

The signer here is written in Python from pgpverify's description (INN's
pgpverify builds the same text to check), the key made with gpg in a
temporary GNUPGHOME, so both sides are not the same code.

    python3 tests/integration/test_control.py [name-substring...]
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Loomd, TestFailure, make_article, relayed, unique_msgid  # noqa: E402

PASSWORD = "control-pw-1"
SIGNER = "news.admin.test"

CONF = """
[auth]
allow_plaintext = yes
[group trust.old]
[group trust.keep]
description = Kept as it is
[group other.stays]
[group local.test]

[control]
newgroup = *@trusted.example * doit
newgroup = *@trusted.example junk.* drop
newgroup = *@signed.example * verify-%(signer)s
newgroup = *@fpr.example * verify-%(fpr)s
newgroup = *@wrongkey.example * verify-0123456789ABCDEF
rmgroup = *@trusted.example * doit
checkgroups = *@trusted.example trust.* doit
checkgroups = *@trusted.example big.* doit
checkgroups = *@logonly.example * log
keyring = @TMP@/keyring.gpg
posters = admin
"""


def check(cond, msg):
    if not cond:
        raise TestFailure(msg)


def active(c, wildmat=None):
    """LIST ACTIVE -> {name: status}."""
    _, lines = c.expect_multi(215, "LIST ACTIVE" + (" " + wildmat if wildmat
                                                     else ""))
    return {l.split()[0]: l.split()[3] for l in lines}


def descriptions(c, wildmat):
    _, lines = c.expect_multi(215, "LIST NEWSGROUPS " + wildmat)
    out = {}
    for l in lines:
        name, _, desc = l.partition("\t")
        out[name] = desc.strip()
    return out


def wait_for(what, cond, timeout=10.0):
    end = time.time() + harness.scaled(timeout)
    while time.time() < end:
        if cond():
            return
        time.sleep(0.05)
    raise TestFailure("timed out waiting for " + what)


def control(msgid, verb, sender, groups, body, extra=()):
    return relayed(msgid, groups=groups, subject="cmsg " + verb,
                   body=body, extra=[("Control", verb),
                                     ("Approved", sender)] + list(extra),
                   ) .replace("From: Tester <tester@example.invalid>",
                              "From: Admin <%s>" % sender)


def ihave(c, msgid, article):
    code, text = c.ihave(msgid, article)
    check(code == 235, "IHAVE %s -> %d %s" % (msgid, code, text))


def newgroup_body(group, desc):
    return ("%s is a group for testing.\n\nFor your newsgroups file:\n"
            "%s\t%s\n" % (group, group, desc))


def filed_in(c, msgid):
    """The groups of the stored article's Xref."""
    _, lines = c.expect_multi(221, "HEAD %s" % msgid)
    x = [l for l in lines if l.lower().startswith("xref:")]
    check(x, "no Xref in %r" % lines)
    return [e.split(":")[0] for e in x[0].split()[2:]]


def server(extra_conf="", **kw):
    return Loomd(config=CONF % {"signer": SIGNER, "fpr": KEY.get("fpr", "0" * 40)}
                 + extra_conf, **kw)


# ------------------------------------------------------------------ gpg

KEY = {}


def need_gpg():
    for prog in ("gpg", "gpgv"):
        if shutil.which(prog) is None:
            harness.missing_dependency("%s is not installed (Debian's %s; "
                                       "scripts/deps.sh)" % (prog, prog))


def make_key(tmp):
    """A signing key in a fresh GNUPGHOME; its public part exported as the
    keyring loomd's gpgv reads (tmp/keyring.gpg)."""
    if KEY.get("home") and os.path.isdir(KEY["home"]):
        shutil.copy(KEY["keyring"], os.path.join(tmp, "keyring.gpg"))
        return
    home = tempfile.mkdtemp(prefix="loomgpg-")
    os.chmod(home, 0o700)
    env = dict(os.environ, GNUPGHOME=home)
    subprocess.run(["gpg", "--batch", "--passphrase", "", "--quick-gen-key",
                    "%s <admin@signed.example>" % SIGNER, "ed25519", "sign",
                    "never"], env=env, check=True, capture_output=True)
    out = subprocess.run(["gpg", "--batch", "--with-colons",
                          "--list-keys", SIGNER], env=env, check=True,
                         capture_output=True, text=True).stdout
    KEY["fpr"] = [l.split(":")[9] for l in out.splitlines()
                  if l.startswith("fpr:")][0]
    keyring = os.path.join(home, "export.gpg")
    subprocess.run(["gpg", "--batch", "--yes", "--output", keyring,
                    "--export", SIGNER], env=env, check=True,
                   capture_output=True)
    KEY["home"] = home
    KEY["keyring"] = keyring
    shutil.copy(keyring, os.path.join(tmp, "keyring.gpg"))


def pgp_sign(headers, body, signed=("Subject", "Control", "Message-ID",
                                    "Date", "From", "Sender")):
    """X-PGP-Sig for an article with these (name, value) headers and body
    (\\n lines), as pgpverify checks it: "X-Signed-Headers: LIST", each
    signed field "Name: value", an empty line, the body; white space at
    line ends removed; detached signature, armor lines after the version
    and the list."""
    h = dict(headers)
    text = "X-Signed-Headers: %s\n" % ",".join(signed)
    for name in signed:
        text += "%s: %s\n" % (name, h.get(name, ""))
    text += "\n" + body
    text = "\n".join(l.rstrip(" \t") for l in text.split("\n"))
    env = dict(os.environ, GNUPGHOME=KEY["home"])
    sig = subprocess.run(["gpg", "--batch", "--armor", "--detach-sign",
                          "--local-user", SIGNER], input=text.encode(),
                         env=env, check=True, capture_output=True).stdout
    lines = sig.decode().splitlines()
    start = lines.index("") + 1
    end = lines.index("-----END PGP SIGNATURE-----")
    return "GnuPG %s\n\t%s" % (",".join(signed), "\n\t".join(lines[start:end]))


def signed_newgroup(msgid, group, desc, sender, tamper=False):
    date = harness.now_date()
    body = newgroup_body(group, desc)
    headers = [("Path", "peer.example!not-for-mail"),
               ("From", "Admin <%s>" % sender),
               ("Newsgroups", group),
               ("Subject", "cmsg newgroup " + group),
               ("Date", date),
               ("Message-ID", msgid),
               ("Control", "newgroup " + group),
               ("Approved", sender)]
    sig = pgp_sign(headers, body)
    if tamper:
        body = body.replace("testing", "tasting")
    return "".join("%s: %s\n" % hv for hv in headers) + \
        "X-PGP-Sig: %s\n\n%s" % (sig, body)


# ---------------------------------------------------------------- tests

def test_pseudo_groups_made_on_first_use_and_take_control_articles():
    with server() as d:
        c = d.connect()
        check(active(c, "control*") == {}, "pseudo-groups before use")
        mid = unique_msgid()
        ihave(c, mid, control(mid, "sendme", "x@untrusted.example",
                              "local.test", "Send me.\n"))
        check(filed_in(c, mid) == ["control"], filed_in(c, mid))
        groups = active(c, "control*")
        check(sorted(groups) == ["control", "control.cancel",
                                 "control.checkgroups", "control.newgroup",
                                 "control.rmgroup"], groups)
        check(set(groups.values()) == {"n"}, groups)
        # An unknown verb goes to "control", not to its Newsgroups.
        mid = unique_msgid()
        ihave(c, mid, control(mid, "version", "x@untrusted.example",
                              "local.test", "Which version?\n"))
        check(filed_in(c, mid) == ["control"], filed_in(c, mid))
        code, _ = c.cmd("GROUP local.test")
        check(code == 211, code)
        check(c.cmd("GROUP local.test")[1].split()[0] == "0",
              "control article filed in its Newsgroups")
    # Turned off: a control article is filed in its Newsgroups.
    with server("pseudo_groups = no\n") as d:
        c = d.connect()
        mid = unique_msgid()
        ihave(c, mid, control(mid, "sendme", "x@untrusted.example",
                              "local.test", "Send me.\n"))
        check(filed_in(c, mid) == ["local.test"], filed_in(c, mid))
        check(active(c, "control*") == {}, "pseudo-groups made")


def test_newgroup_trusted_sender_creates():
    with server() as d:
        c = d.connect()
        mid = unique_msgid()
        ihave(c, mid, control(mid, "newgroup trust.new moderated",
                              "boss@trusted.example", "trust.new",
                              newgroup_body("trust.new", "A new group")))
        wait_for("trust.new", lambda: "trust.new" in active(c, "trust.*"))
        check(active(c, "trust.new") == {"trust.new": "m"},
              active(c, "trust.new"))
        check(descriptions(c, "trust.new") == {"trust.new": "A new group"},
              descriptions(c, "trust.new"))
        check(filed_in(c, mid) == ["control.newgroup"], filed_in(c, mid))
        check(c.cmd("GROUP trust.new")[1].split()[0] == "0",
              "the newgroup itself is in trust.new")
        # A second newgroup without "moderated" changes the status.
        mid = unique_msgid()
        ihave(c, mid, control(mid, "newgroup trust.new",
                              "boss@trusted.example", "trust.new",
                              newgroup_body("trust.new", "Now open")))
        wait_for("y", lambda: active(c, "trust.new") == {"trust.new": "y"})
        check(descriptions(c, "trust.new") == {"trust.new": "Now open"},
              descriptions(c, "trust.new"))
        # Dropped by its rule: nothing, not even a line.
        mid = unique_msgid()
        ihave(c, mid, control(mid, "newgroup junk.x", "boss@trusted.example",
                              "junk.x", newgroup_body("junk.x", "x")))
        check(filed_in(c, mid) == ["control.newgroup"], filed_in(c, mid))


def test_newgroup_untrusted_sender_only_logged():
    with server() as d:
        c = d.connect()
        mid = unique_msgid()
        ihave(c, mid, control(mid, "newgroup evil.group", "x@untrusted.example",
                              "evil.group", newgroup_body("evil.group", "Evil")))
        d.wait_log(r"would create group evil.group.*not acted on \(no rule\)")
        check("evil.group" not in active(c), "untrusted newgroup acted on")
        check(filed_in(c, mid) == ["control.newgroup"], filed_in(c, mid))
        # The sender is the address, whatever the display name says.
        mid = unique_msgid()
        art = control(mid, "newgroup evil.two", "x@untrusted.example",
                      "evil.two", newgroup_body("evil.two", "Evil")).replace(
            "From: Admin <x@untrusted.example>",
            'From: "boss@trusted.example" <x@untrusted.example>')
        ihave(c, mid, art)
        d.wait_log(r"would create group evil.two")
        check("evil.two" not in active(c), "display name trusted")


def test_rmgroup():
    with server() as d:
        c = d.connect()
        mid = unique_msgid()
        ihave(c, mid, control(mid, "rmgroup other.stays", "x@untrusted.example",
                              "other.stays", "Remove it.\n"))
        d.wait_log(r"would remove group other.stays")
        check("other.stays" in active(c), "untrusted rmgroup acted on")
        mid = unique_msgid()
        ihave(c, mid, control(mid, "rmgroup other.stays",
                              "boss@trusted.example", "other.stays",
                              "Remove it.\n"))
        wait_for("rmgroup", lambda: "other.stays" not in active(c))
        check(c.cmd("GROUP other.stays")[0] == 411, "GROUP of a removed group")
        check(filed_in(c, mid) == ["control.rmgroup"], filed_in(c, mid))
        # The pseudo-groups are not for control messages to remove.
        mid = unique_msgid()
        ihave(c, mid, control(mid, "rmgroup control.cancel",
                              "boss@trusted.example", "control.cancel",
                              "Remove it.\n"))
        d.wait_log(r"control.cancel is reserved")
        check("control.cancel" in active(c), "pseudo-group removed")


CHECKGROUPS = """trust.keep\tKept as it is
trust.new1\tFirst new group
trust.new2\tSecond new group (Moderated)
"""


def test_checkgroups_logged_not_acted_on():
    with server() as d:
        c = d.connect()
        before = active(c)
        mid = unique_msgid()
        ihave(c, mid, control(mid, "checkgroups #1", "x@logonly.example",
                              "trust.announce", CHECKGROUPS))
        d.wait_log(r"would remove group trust.old")
        log = d.log_text()
        check("would create group trust.new1: First new group" in log, log)
        check("would create group trust.new2 (moderated)" in log, log)
        would = "\n".join(l for l in log.splitlines() if " would " in l)
        check("trust.keep" not in would, "unchanged group logged: " + would)
        check("other.stays" not in would, "outside the scope: " + would)
        after = {g: st for g, st in active(c).items()
                 if not g.startswith("control")}
        check(after == before, "checkgroups with a log rule acted on")
        check(filed_in(c, mid) == ["control.checkgroups"], filed_in(c, mid))


def test_checkgroups_doit_within_scope():
    with server() as d:
        c = d.connect()
        mid = unique_msgid()
        ihave(c, mid, control(mid, "checkgroups trust #2",
                              "boss@trusted.example", "trust.announce",
                              CHECKGROUPS))
        wait_for("checkgroups", lambda: "trust.old" not in active(c))
        wait_for("trust.new2", lambda: "trust.new2" in active(c))
        got = active(c, "trust.*")
        check(got == {"trust.keep": "y", "trust.new1": "y",
                      "trust.new2": "m"}, got)
        check(descriptions(c, "trust.new*") == {
            "trust.new1": "First new group",
            "trust.new2": "Second new group"}, descriptions(c, "trust.*"))
        check("other.stays" in active(c), "outside the scope removed")


def test_big_checkgroups_in_steps_and_bounded_log():
    body = "".join("big.g%04d\tGroup %d\n" % (i, i) for i in range(300))
    with server() as d:
        c = d.connect()
        # Logged only: 50 lines, then how many more.
        mid = unique_msgid()
        ihave(c, mid, control(mid, "checkgroups big", "x@logonly.example",
                              "big.announce", body))
        d.wait_log(r"250 more changes not acted on")
        check(len(d.log_text().split("would create group big.")) - 1 == 50,
              "more than 50 lines logged")
        check(active(c, "big.*") == {}, "log rule acted on")
        # Acted on by the control worker: the server answers
        # meanwhile, and every group comes.
        mid = unique_msgid()
        ihave(c, mid, control(mid, "checkgroups big", "boss@trusted.example",
                              "big.announce", body))
        c.expect(111, "DATE")
        wait_for("300 groups", lambda: len(active(c, "big.*")) == 300,
                 timeout=60)
        check(descriptions(c, "big.g0299") == {"big.g0299": "Group 299"},
              descriptions(c, "big.g0299"))


def rnews_batch(group, n):
    out = []
    for i in range(n):
        a = ("Path: peer.example!not-for-mail\nFrom: B <b@example.invalid>\n"
             "Newsgroups: %s\nSubject: article %d\nDate: %s\n"
             "Message-ID: <big%d.%d@ctl.test>\n\nBody %d.\n"
             % (group, i, harness.now_date(), i, os.getpid(), i)).encode()
        out.append(b"#! rnews %d\n" % len(a) + a)
    return b"".join(out)


def group_count(c, name):
    code, text = c.cmd("GROUP %s" % name)
    if code == 411:
        return None
    check(code == 211, "GROUP %s -> %d %s" % (name, code, text))
    return int(text.split()[0])


def held_server(tmp):
    """A server whose control worker waits while tmp/hold exists."""
    hold = os.path.join(tmp, "hold")
    return hold, server("[group big.remove]\n",
                        env={"LOOM_TEST_CTL_HOLD": hold})


def test_rmgroup_of_big_group_leaves_other_clients_served():
    n = 3000
    tmp = tempfile.mkdtemp(prefix="loomctl-hold-")
    try:
        hold, d = held_server(tmp)
        with d:
            batch = os.path.join(tmp, "batch")
            with open(batch, "wb") as f:
                f.write(rnews_batch("big.remove", n))
            p = d.ctl("import", "rnews", batch, timeout=300)
            check(p.returncode == 0, "import: %s" % p.stderr)
            c = d.connect()
            other = d.connect()
            check(group_count(other, "big.remove") == n, "not filled")
            # The worker holds the removal: the loop must answer
            # meanwhile (before, it made the change itself and nobody
            # was answered until the group was empty).
            open(hold, "w").close()
            since = d.log_size()
            mid = unique_msgid()
            ihave(c, mid, control(mid, "rmgroup big.remove",
                                  "boss@trusted.example", "big.remove",
                                  "Remove it.\n"))
            for _ in range(20):
                other.expect(111, "DATE")
                check(group_count(other, "big.remove") == n,
                      "changed while the worker is held")
            check("removed group big.remove" not in d.log_text()[since:],
                  "removed while held")
            # Released: the other client is answered all along, and the
            # removal completes.
            os.unlink(hold)
            counts = []
            deadline = time.monotonic() + harness.scaled(120)
            while True:
                k = group_count(other, "big.remove")
                if k is None:
                    break
                counts.append(k)
                other.expect(111, "DATE")
                check(time.monotonic() < deadline, "rmgroup never done")
            d.wait_log(r"removed group big\.remove", since=since)
            check("big.remove" not in active(other), "still listed")
            seen = sorted(set(k for k in counts if 0 < k < n))
            print("# %d GROUP answers during the removal, %d partial "
                  "counts seen" % (len(counts), len(seen)))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_newgroup_then_rmgroup_apply_in_order():
    tmp = tempfile.mkdtemp(prefix="loomctl-hold-")
    try:
        hold, d = held_server(tmp)
        with d:
            c = d.connect()
            open(hold, "w").close()
            since = d.log_size()
            mid = unique_msgid()
            ihave(c, mid, control(mid, "newgroup order.g",
                                  "boss@trusted.example", "order.g",
                                  newgroup_body("order.g", "In order")))
            # Decided while the creation is still pending: it must see
            # the group the newgroup makes, not the store of now.
            mid = unique_msgid()
            ihave(c, mid, control(mid, "rmgroup order.g",
                                  "boss@trusted.example", "order.g",
                                  "Remove it.\n"))
            c.expect(111, "DATE")
            check("order.g" not in active(c), "created while held")
            os.unlink(hold)
            d.wait_log(r"removed group order\.g", since=since)
            log = d.log_text()[since:]
            check(log.index("created group order.g") <
                  log.index("removed group order.g"), "out of order")
            check("no group order.g" not in log, "rmgroup decided early")
            check("order.g" not in active(c), "order.g left")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_shutdown_stops_after_the_change_in_progress():
    body = "".join("big.g%04d\tGroup %d\n" % (i, i) for i in range(300))
    tmp = tempfile.mkdtemp(prefix="loomctl-hold-")
    try:
        hold, d = held_server(tmp)
        with d:
            c = d.connect()
            open(hold, "w").close()
            mid = unique_msgid()
            ihave(c, mid, control(mid, "checkgroups big",
                                  "boss@trusted.example", "big.announce",
                                  body))
            c.expect(111, "DATE")
            c.close()
            # Released once loomd is stopping: the worker makes the change
            # it holds and stops; the rest are not made, and said so.
            since = d.log_size()
            d.signal(signal.SIGTERM)
            d.wait_log(r"writer: ", since=since)
            os.unlink(hold)
            d.proc.wait(harness.scaled(60))
            check(d.stop() == 0, "exit status %r" % d.returncode)
            m = re.search(r"control checkgroups msgid=\S+: stopped with "
                          r"(\d+) of 301 changes made", d.log_text())
            # 300 groups to create, big.remove to remove (in scope, not
            # listed).
            made = int(m.group(1)) if m else 301
            print("# %d of 301 changes made at shutdown" % made)
            # Usually 1 (the held one); 0 if the worker had not taken it
            # yet.  Not all: queued changes are dropped, not drained.
            check(made <= 1, "went on after the stop")
            d.start()
            c = d.connect()
            got = len(active(c, "big.g*"))
            check(got == min(made, 300), "groups %d, log says %d made"
                  % (got, made))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def test_post_of_group_control_message():
    with server() as d:
        p = d.ctl("user", "add", "admin", input=PASSWORD + "\n")
        check(p.returncode == 0, p.stderr)
        p = d.ctl("user", "add", "joe", input=PASSWORD + "\n")
        check(p.returncode == 0, p.stderr)
        art = make_article(newsgroups="trust.posted", from_="Boss "
                           "<boss@trusted.example>",
                           headers=[("Control", "newgroup trust.posted"),
                                    ("Approved", "boss@trusted.example")],
                           body=newgroup_body("trust.posted", "Posted"))
        c = d.connect()
        code, text = c.post(art)
        check(code == 441 and "not accepted" in text, (code, text))
        c.expect(381, "AUTHINFO USER joe")
        c.expect(281, "AUTHINFO PASS " + PASSWORD)
        code, text = c.post(art)
        check(code == 441 and "not accepted" in text, (code, text))
        a = d.connect()
        a.expect(381, "AUTHINFO USER admin")
        a.expect(281, "AUTHINFO PASS " + PASSWORD)
        code, text = a.post(art)
        check(code == 240, (code, text))
        wait_for("trust.posted", lambda: "trust.posted" in active(a))
        # An ordinary post is not touched by any of this, and Approved
        # stays a moderator's.
        code, text = c.post(make_article(newsgroups="local.test"))
        check(code == 240, (code, text))
        code, text = a.post(make_article(newsgroups="local.test", headers=[
            ("Approved", "admin@example.invalid")]))
        check(code == 441 and "Approved" in text, (code, text))
        # A cancel, or another verb, from a reader: filed in control.*
        # (what a cancel does is not decided here).
        mid = unique_msgid()
        code, text = c.post(make_article(newsgroups="local.test",
                                         message_id=mid, headers=[
                                             ("Control", "sendme x")]))
        check(code == 240, (code, text))
        check(filed_in(c, mid) == ["control"], filed_in(c, mid))
        code, text = c.post(make_article(newsgroups="local.test", headers=[
            ("Control", "newgroup")]))
        check(code == 441 and "newsgroup name" in text, (code, text))


def test_signed_newgroup_verified_with_gpgv():
    need_gpg()
    with server(start=False) as d:
        make_key(d.tmp)
        d.config_path and open(d.config_path).read()
        # The rule names the fingerprint now that the key exists.
        text = open(d.config_path).read().replace("0" * 40, KEY["fpr"])
        open(d.config_path, "w").write(text)
        d.start()
        c = d.connect()
        mid = unique_msgid()
        ihave(c, mid, signed_newgroup(mid, "sig.good", "Signed group",
                                      "admin@signed.example"))
        wait_for("sig.good", lambda: "sig.good" in active(c, "sig.*"))
        check(descriptions(c, "sig.good") == {"sig.good": "Signed group"},
              descriptions(c, "sig.good"))
        d.wait_log(r"created group sig.good")
        check(filed_in(c, mid) == ["control.newgroup"], filed_in(c, mid))
        # The rule naming the key by fingerprint.
        mid = unique_msgid()
        ihave(c, mid, signed_newgroup(mid, "sig.fpr", "By fingerprint",
                                      "admin@fpr.example"))
        wait_for("sig.fpr", lambda: "sig.fpr" in active(c, "sig.*"))


def test_signed_newgroup_refused_when_tampered_or_wrong_key():
    need_gpg()
    with server(start=False) as d:
        make_key(d.tmp)
        d.start()
        c = d.connect()
        mid = unique_msgid()
        ihave(c, mid, signed_newgroup(mid, "sig.tampered", "x",
                                      "admin@signed.example", tamper=True))
        d.wait_log(r"would create group sig.tampered.*verify-%s: gpgv exit"
                   % SIGNER)
        check("sig.tampered" not in active(c), "tampered body acted on")
        # A good signature, but by another key than the rule's.
        mid = unique_msgid()
        ihave(c, mid, signed_newgroup(mid, "sig.wrongkey", "x",
                                      "admin@wrongkey.example"))
        d.wait_log(r"would create group sig.wrongkey.*signed by %s, not "
                   r"0123456789ABCDEF" % SIGNER)
        check("sig.wrongkey" not in active(c), "wrong key acted on")
        # Unsigned, under a verify rule.
        mid = unique_msgid()
        ihave(c, mid, control(mid, "newgroup sig.unsigned",
                              "admin@signed.example", "sig.unsigned",
                              newgroup_body("sig.unsigned", "x")))
        d.wait_log(r"would create group sig.unsigned.*X-PGP-Sig")
        check("sig.unsigned" not in active(c), "unsigned acted on")
        # A keyring without the key: gpgv says no.
        open(os.path.join(d.tmp, "keyring.gpg"), "wb").close()
        mid = unique_msgid()
        ihave(c, mid, signed_newgroup(mid, "sig.nokey", "x",
                                      "admin@signed.example"))
        d.wait_log(r"would create group sig.nokey.*gpgv exit")
        check("sig.nokey" not in active(c), "unknown key acted on")


if __name__ == "__main__":
    try:
        harness.main(globals())
    finally:
        if KEY.get("home"):
            shutil.rmtree(KEY["home"], ignore_errors=True)
