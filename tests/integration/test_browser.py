#!/usr/bin/env python3
"""
The web pages end to end in a real browser (issue #16): headless Chromium
driven by Selenium (Debian's chromium, chromium-driver, python3-selenium;
scripts/deps.sh browser installs them) against loomd holding the comment
page fixture.  The thread renders nested as posted (depth 4), a member
logs in through the form, posts a reply through a comment's reply form,
finds it under its parent, and the same reply is read over NNTP with
nntplib, threaded under that parent.  The thread page's screenshot is
saved as BUILD/test-artifacts/browser-thread.png (and the open reply
form as browser-reply-form.png).
"""

import os
import shutil
import sys
import urllib.parse
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Loomd, TestFailure  # noqa: E402
from test_web import PAGE, ROOT, post_page, q, web  # noqa: E402

warnings.simplefilter("ignore", DeprecationWarning)
import nntplib  # noqa: E402

PASSWORD = "correct horse battery staple"
CHROMIUM = "/usr/bin/chromium"
DRIVER = "/usr/bin/chromedriver"


def selenium_modules():
    """Selenium, from this Python or from Debian's python3-selenium (the
    tests may run under another Python than /usr/bin/python3)."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        deb = "/usr/lib/python3/dist-packages"
        if os.path.isdir(os.path.join(deb, "selenium")):
            sys.path.append(deb)
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        from selenium.webdriver.common.by import By
        from selenium.webdriver.support.ui import WebDriverWait
    except ImportError as e:
        harness.missing_dependency("python3-selenium (%s)" % e)
    return webdriver, Service, By, WebDriverWait


def artifacts():
    loomd = os.environ.get("LOOMD", "")
    build = os.path.dirname(os.path.abspath(loomd)) if loomd else \
        os.path.join(os.path.dirname(__file__), "..", "..", "build")
    d = os.path.join(build, "test-artifacts")
    os.makedirs(d, exist_ok=True)
    return d


def browser():
    for path, pkg in ((CHROMIUM, "chromium"), (DRIVER, "chromium-driver")):
        if not (os.path.exists(path) or shutil.which(os.path.basename(path))):
            harness.missing_dependency(pkg)
    webdriver, Service, By, Wait = selenium_modules()
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM if os.path.exists(CHROMIUM) else \
        shutil.which("chromium")
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu",
              "--disable-dev-shm-usage", "--window-size=1000,1800",
              "--no-first-run", "--disable-extensions"):
        opts.add_argument(a)
    svc = Service(DRIVER if os.path.exists(DRIVER) else
                  shutil.which("chromedriver"))
    drv = webdriver.Chrome(service=svc, options=opts)
    drv.set_page_load_timeout(harness.scaled(60))
    return drv, By, Wait


def depths(drv, By):
    """[(article id, number of ul.replies around it)] in page order."""
    out = []
    for a in drv.find_elements(By.CSS_SELECTOR, "article.c"):
        n = len(a.find_elements(By.XPATH, "ancestor::ul[contains("
                                "concat(' ', @class, ' '), ' replies ')]"))
        out.append((a.get_attribute("id"), n))
    return out


def test_browser_thread_post_and_nntp():
    drv, By, Wait = browser()
    try:
        with Loomd(args=("--http", "127.0.0.1:0")) as d:
            post_page(d)
            p = d.ctl("user", "add", "alice", input=PASSWORD + "\n")
            assert p.returncode == 0, p.stderr
            host, port = web(d)
            base = "http://%s:%d" % (host, port)
            wait = Wait(drv, harness.scaled(30))

            # The thread as a visitor: nested as posted.
            drv.get(base + "/t/" + q(ROOT))
            got = depths(drv, By)
            want = [("m-" + q(c["msgid"]), c["depth"]) for c in PAGE]
            assert got == want, (got, want)
            assert max(dep for _, dep in got) == 4

            # Log in through the form; back on the thread.
            drv.find_element(By.CSS_SELECTOR, "p.login a").click()
            wait.until(lambda b: "/login" in b.current_url)
            drv.find_element(By.NAME, "user").send_keys("alice")
            drv.find_element(By.NAME, "password").send_keys(PASSWORD)
            drv.find_element(By.CSS_SELECTOR,
                             "form.login button").click()
            try:
                wait.until(lambda b: "/login" not in b.current_url)
            except Exception:
                raise TestFailure("still at %s after logging in: %s" % (
                    drv.current_url, drv.page_source[:2000]))
            assert urllib.parse.unquote(drv.current_url).endswith(
                "/t/" + ROOT), drv.current_url
            assert "alice" in drv.find_element(
                By.CSS_SELECTOR, "nav.account").text

            # Reply to a comment at depth 3 through its own form.
            parent = next(c for c in PAGE if c["depth"] == 3)
            art = drv.find_element(By.ID, "m-" + q(parent["msgid"]))
            art.find_element(By.CSS_SELECTOR,
                             "details.reply > summary").click()
            text = "Replying from a real browser, at depth four."
            art.find_element(By.CSS_SELECTOR,
                             "details.reply textarea").send_keys(text)
            drv.save_screenshot(os.path.join(artifacts(),
                                             "browser-reply-form.png"))
            art.find_element(By.CSS_SELECTOR,
                             "details.reply button").click()
            wait.until(lambda b: "#m-" in b.current_url)
            frag = urllib.parse.urlsplit(drv.current_url).fragment
            msgid = urllib.parse.unquote(frag[2:])
            assert msgid.startswith("<") and msgid.endswith(">"), msgid

            # On the page, right under its parent, one level deeper.
            got = depths(drv, By)
            ids = [i for i, _ in got]
            dep = dict(got)
            mine, pid = "m-" + q(msgid), "m-" + q(parent["msgid"])
            assert dep[mine] == dep[pid] + 1 == 4, got
            assert ids.index(mine) > ids.index(pid)
            new = drv.find_element(By.ID, mine)
            assert text in new.text
            # It sits in the parent's list item, in its replies.
            holder = new.find_element(By.XPATH, "ancestor::li[2]/article")
            assert holder.get_attribute("id") == pid

            # The same reply over NNTP, threaded under its parent.
            s = nntplib.NNTP("127.0.0.1", d.port, readermode=True)
            try:
                _, _, first, last, _ = s.group("local.general")
                _, over = s.over((first, last))
                o = [o for _, o in over if o["message-id"] == msgid]
                assert o, "the reply is not in the group's overview"
                assert o[0]["references"].split()[-1] == parent["msgid"]
                _, info = s.body(msgid)
                assert text.encode() in b"\n".join(info.lines)
            finally:
                s.quit()

            # The screenshot: the parent at the top, the reply under it.
            drv.get(base + "/t/" + q(ROOT) + "#" + pid)
            shot = os.path.join(artifacts(), "browser-thread.png")
            if not drv.save_screenshot(shot):
                raise TestFailure("no screenshot")
            harness.diag("screenshot: %s" % shot) \
                if hasattr(harness, "diag") else None
    finally:
        drv.quit()


def test_browser_visitor_reply():
    """A visitor without an account replies through a comment's form where
    [http] visitor_groups allows it: a name, no login; the hidden field
    stays hidden."""
    drv, By, Wait = browser()
    try:
        conf = "[http]\nvisitor_groups = local.general\n"
        with Loomd(args=("--http", "127.0.0.1:0"), config=conf) as d:
            post_page(d)
            host, port = web(d)
            wait = Wait(drv, harness.scaled(30))
            drv.get("http://%s:%d/t/%s" % (host, port, q(ROOT)))
            parent = next(c for c in PAGE if c["depth"] == 2)
            art = drv.find_element(By.ID, "m-" + q(parent["msgid"]))
            art.find_element(By.CSS_SELECTOR,
                             "details.reply > summary").click()
            form = art.find_element(By.CSS_SELECTOR, "details.reply form")
            assert not form.find_element(By.NAME, "website").is_displayed()
            form.find_element(By.NAME, "name").send_keys("Visitor Vera")
            text = "A visitor's reply, no account."
            form.find_element(By.TAG_NAME, "textarea").send_keys(text)
            form.find_element(By.TAG_NAME, "button").click()
            try:
                wait.until(lambda b: "#m-" in b.current_url)
            except Exception:
                raise TestFailure("at %s after posting: %s" % (
                    drv.current_url, drv.page_source[:2000]))
            frag = urllib.parse.urlsplit(drv.current_url).fragment
            new = drv.find_element(By.ID, frag)
            assert text in new.text and "Visitor Vera" in new.text, new.text
            holder = new.find_element(By.XPATH, "ancestor::li[2]/article")
            assert holder.get_attribute("id") == "m-" + q(parent["msgid"])
            assert "Log in" in drv.find_element(
                By.CSS_SELECTOR, "nav.account").text
    finally:
        drv.quit()


if __name__ == "__main__":
    harness.main(globals())
