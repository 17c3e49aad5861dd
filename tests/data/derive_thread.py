#!/usr/bin/env python3
"""Derive the comment-thread fixture from a saved comment page.

comment-thread.txt is a comment page as a browser renders it to text:
numbered comments ("  1. Author"), replies indented two more spaces,
a "Re: subject" line on replies, anonymous posters as "Anonymous Coward".
This script turns it into comment-thread.json: one record per post (the article, then
its comments) with
a stable Message-ID, its parent's Message-ID, author, subject and body, in
page order (which is a valid arrival order: parents before children).

    python3 tests/data/derive_thread.py tests/data/comment-thread.txt \
        > tests/data/comment-thread.json
"""
import json
import re
import sys

START = re.compile(r"^( *)(\d+)\. (.+?)\s*$")


def slug(name):
    return re.sub(r"[^a-z0-9]+", ".", name.lower()).strip(".") or "anon"


def parse(text):
    lines = text.split("\n")
    # The article the comments are under: the page's first line.
    title = lines[0].removeprefix("back to article ").strip()
    comments, stack = [], []  # stack of (depth, record)
    cur = None
    for line in lines:
        if line.startswith("POST COMMENT"):
            break
        m = START.match(line)
        if m:
            depth = len(m.group(1)) // 2 - 1
            author = m.group(3).replace(" Silver badge", "").strip()
            while stack and stack[-1][0] >= depth:
                stack.pop()
            parent = stack[-1][1] if stack else None
            n = len(comments) + 1
            cur = {
                "msgid": "<c%02d.%s@comments.example>" % (n, slug(author)),
                "parent": parent["msgid"] if parent else None,
                "depth": depth,
                "author": author,
                "anonymous": author == "Anonymous Coward",
                "subject": None,
                "body": [],
            }
            comments.append(cur)
            stack.append((depth, cur))
            continue
        if cur is None:
            continue
        s = line.strip()
        if not cur["body"] and (s == "" or s == cur["author"]):
            continue
        if cur["subject"] is None and not cur["body"] and s.startswith("Re: "):
            cur["subject"] = s
            continue
        cur["body"].append(s)
    by_id = {c["msgid"]: c for c in comments}
    for c in comments:
        while c["body"] and c["body"][-1] == "":
            c["body"].pop()
        if c["subject"] is None:
            if c["parent"] is None:
                # A top-level comment's title is its first line when short.
                first = c["body"][0] if c["body"] else ""
                c["subject"] = (first if 0 < len(first) <= 100
                                else "Re: " + title)
            else:
                p = by_id[c["parent"]]["subject"]
                c["subject"] = p if p.startswith("Re: ") else "Re: " + p
        c["body"] = "\n".join(c["body"]) + "\n"
        c["from"] = ("Anonymous Coward <anonymous@comments.example>"
                     if c["anonymous"] else
                     "%s <%s@comments.example>" % (c["author"], slug(c["author"])))
    # The article itself is the thread's root: the comments reply to it, so
    # the deepest reply sits at depth 4.
    teaser = next((l.strip() for l in lines[1:] if l.strip()), "")
    root = {"msgid": "<article@comments.example>", "parent": None,
            "depth": 0, "author": "The Register", "anonymous": False,
            "subject": title, "body": teaser + "\n",
            "from": "The Register <news@comments.example>"}
    for c in comments:
        c["depth"] += 1
        if c["parent"] is None:
            c["parent"] = root["msgid"]
    return {"title": title, "comments": [root] + comments}


def main():
    with open(sys.argv[1], encoding="utf-8") as fp:
        data = parse(fp.read())
    json.dump(data, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
