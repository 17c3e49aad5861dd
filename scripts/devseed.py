#!/usr/bin/env python3
"""
`make run`'s sample discussion: once the development loomd answers on its
NNTP port, post the comment page fixture (tests/data/comment-thread.json,
a nested thread of 20 comments) to local.general, unless it is there
already.  So a newcomer finds a nested comment page on
http://127.0.0.1:8080/ to read and reply to (docs/web.md).

    scripts/devseed.py [CONFIG]         # default var/loom.conf

It posts as any newsreader would (POST, plain NNTP), waits at most 30 s
for the server, and never fails `make run`: problems are printed.
"""

import json
import os
import socket
import sys
import time
from email.utils import formatdate

GROUP = "local.general"
HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "..", "tests", "data", "comment-thread.json")


def nntp_address(conf):
    """The first [server] listen address of the configuration."""
    section = None
    with open(conf, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line.startswith("["):
                section = line.strip("[]").strip()
            elif section == "server" and line.startswith("listen"):
                key, _, value = line.partition("=")
                if key.strip() == "listen":
                    host, _, port = value.strip().rpartition(":")
                    return host.strip("[]"), int(port)
    return "127.0.0.1", 119


class NNTP:
    def __init__(self, addr):
        self.s = socket.create_connection(addr, timeout=10)
        self.f = self.s.makefile("rb")
        self.line()                      # the greeting

    def line(self):
        return self.f.readline().decode("utf-8", "replace").rstrip("\r\n")

    def cmd(self, text):
        self.s.sendall(text.encode() + b"\r\n")
        return self.line()

    def post(self, article):
        r = self.cmd("POST")
        if not r.startswith("340"):
            return r
        data = b""
        for ln in article.split("\n"):
            b = ln.encode("utf-8")
            data += (b"." + b if b.startswith(b".") else b) + b"\r\n"
        self.s.sendall(data + b".\r\n")
        return self.line()

    def close(self):
        try:
            self.cmd("QUIT")
        finally:
            self.s.close()


def main():
    conf = sys.argv[1] if len(sys.argv) > 1 else "var/loom.conf"
    addr = nntp_address(conf)
    with open(FIXTURE, encoding="utf-8") as f:
        comments = json.load(f)["comments"]
    byid = {c["msgid"]: c for c in comments}
    deadline = time.monotonic() + 30
    while True:
        try:
            c = NNTP(addr)
            break
        except OSError:
            if time.monotonic() > deadline:
                print("devseed: no server on %s:%d; sample thread not "
                      "posted" % addr, file=sys.stderr)
                return 0
            time.sleep(0.2)
    try:
        if c.cmd("STAT " + comments[0]["msgid"]).startswith("223"):
            return 0
        base = int(time.time()) - 3 * 3600
        for i, m in enumerate(comments):
            refs, p = [], m.get("parent")
            while p:
                refs.insert(0, p)
                p = byid[p].get("parent")
            head = ["From: " + m["from"], "Newsgroups: " + GROUP,
                    "Subject: " + m["subject"], "Message-ID: " + m["msgid"],
                    "Date: " + formatdate(base + 60 * i),
                    "Content-Type: text/plain; charset=utf-8"]
            if refs:
                head.append("References: " + " ".join(refs))
            r = c.post("\n".join(head) + "\n\n" + m["body"])
            if not r.startswith("240"):
                print("devseed: %s: %s" % (m["msgid"], r), file=sys.stderr)
                return 0
        print("devseed: posted the sample thread to %s: "
              "http://127.0.0.1:8080/t/%s" % (
                  GROUP, comments[0]["msgid"].replace("<", "%3C")
                  .replace("@", "%40").replace(">", "%3E")))
    finally:
        c.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
