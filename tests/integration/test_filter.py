#!/usr/bin/env python3
"""The posting filter: built-in rules (crossposts, banned headers) and an
external program, each able to refuse an article before it is stored."""
import os
import stat
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Loomd, make_article, unique_msgid  # noqa: E402


def script(d, name, body):
    path = os.path.join(d.tmp, name)
    with open(path, "w") as f:
        f.write("#!/bin/sh\n" + body)
    os.chmod(path, stat.S_IRWXU)
    return path


def not_stored(c, msgid):
    c.expect(430, "STAT " + msgid)


def test_builtin_rules():
    conf = """
[group local.a]
[group local.b]
[group local.c]
[filter]
max_crosspost = 2
max_followup = 1
reject_header = Subject: *make money fast*
reject_header = From: *@spam.example*
"""
    with Loomd(config=conf) as d:
        c = d.connect()
        mid = unique_msgid()
        code, text = c.post(make_article(newsgroups="local.a,local.b,local.c",
                                         message_id=mid))
        assert code == 441 and "newsgroups" in text.lower(), (code, text)
        not_stored(c, mid)
        code, text = c.post(make_article(
            newsgroups="local.a", headers=[("Followup-To", "local.a,local.b")]))
        assert code == 441, (code, text)
        code, text = c.post(make_article(newsgroups="local.a",
                                         subject="MAKE MONEY FAST now"))
        assert code == 441 and "Subject" in text, (code, text)
        code, text = c.post(make_article(newsgroups="local.a",
                                         from_="x <bot@spam.example>"))
        assert code == 441 and "From" in text, (code, text)
        mid = unique_msgid()
        code, text = c.post(make_article(newsgroups="local.a,local.b",
                                         message_id=mid))
        assert code == 240, (code, text)
        c.expect(223, "STAT " + mid)


def test_rules_for_peers_only_when_asked():
    rules = "[filter]\nreject_header = Subject: *spam*\n"
    mid = unique_msgid()
    peer_art = harness.relayed(mid, subject="spam offer")
    with Loomd(config=rules) as d:
        c = d.connect()
        code, text = c.ihave(mid, peer_art)
        assert code == 235, (code, text)
    with Loomd(config=rules + "transit = yes\n") as d:
        c = d.connect()
        code, text = c.ihave(mid, peer_art)
        assert code == 437 and "Subject" in text, (code, text)
        not_stored(c, mid)


def test_filter_program_verdicts():
    with Loomd(start=False) as d:
        prog = script(d, "filter.sh", r"""
body=$(cat)
case "$body" in
*"Subject: reject me"*) echo "No thanks: $LOOM_KIND from $LOOM_PEER"; exit 1;;
*"Subject: broken"*) exit 3;;
*"Subject: slow"*) sleep 30;;
esac
exit 0
""")
        conf_path = os.path.join(d.tmp, "loom.conf")
        with open(conf_path, "w") as f:
            f.write("[filter]\nprogram = %s\nprogram_timeout = 2\n" % prog)
        d.config_path = conf_path
        d.start()
        c = d.connect()
        mid = unique_msgid()
        code, text = c.post(make_article(subject="fine", message_id=mid))
        assert code == 240, (code, text)
        c.expect(223, "STAT " + mid)
        mid = unique_msgid()
        code, text = c.post(make_article(subject="reject me", message_id=mid))
        assert code == 441, (code, text)
        assert text == "No thanks: post from 127.0.0.1", text
        not_stored(c, mid)
        # A broken or hanging filter refuses for now, and says so.
        for subject in ("broken", "slow"):
            mid = unique_msgid()
            code, text = c.post(make_article(subject=subject,
                                             message_id=mid))
            assert code == 441 and "try again later" in text, (code, text)
            not_stored(c, mid)
        d.wait_log(r"posting filter failed .*status 3")
        d.wait_log(r"posting filter failed .*timed out")
        # A client leaving while its filter runs: no leak, no zombie.
        gone = d.connect()
        gone.expect(340, "POST")
        gone.send_block(make_article(subject="slow").split("\n"))
        gone.close()
        other = d.connect()
        code, text = other.post(make_article(subject="after"))
        assert code == 240, (code, text)


def test_program_must_be_absolute():
    with tempfile.TemporaryDirectory(prefix="loomfilter-") as tmp:
        conf = os.path.join(tmp, "loom.conf")
        with open(conf, "w") as f:
            f.write("[filter]\nprogram = filter.sh\n")
        p = harness.run_loomd("--check-config", "--config", conf)
    assert p.returncode != 0 and "absolute path" in p.stderr, p.stderr


if __name__ == "__main__":
    harness.main(globals())
