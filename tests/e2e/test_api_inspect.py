"""End-to-end tests of the console's inspection views (docs/api.md,
"Inspections").

A module fixture serves a tiny portal with Python's http.server on
127.0.0.1 (in a thread, always shut down), inspects it twice with the real
`govsec inspect --allow-private` (the site changes in between, so the second
run has a diff), then starts the real govsecd on the same store and logs in
as a viewer. The endpoints' JSON is checked exactly; only the times of the
runs are taken from the store. Stdlib and pytest only.
"""

import http.client
import http.server
import json
import os
import re
import socket
import sqlite3
import subprocess
import tempfile
import threading
import time

import pytest

from conftest import GOVSEC, GOVSECD, cli_env, run_cli

HOST = "www.site.gov.cn"
PW = "viewer password 1"

INDEX = """<!doctype html><html><head><meta charset="utf-8">
<title>测试门户</title></head><body><h1>测试门户</h1>
<p><a href="/about.html">关于</a> <a href="/missing.html">失效</a>
<a href="/busy">繁忙</a> <a href="/moved">搬迁</a>
<a href="http://www.partner.example.com/page.html">合作</a>{extra}</p>
<footer>版权所有</footer></body></html>
"""
# the second run: one more broken link and a new external host
EXTRA = ('<a href="/gone.html">已删</a> '
         '<a href="http://www.newhost.example.org/">新站</a>')


class Handler(http.server.SimpleHTTPRequestHandler):
    """Static files, plus /busy (429: blocked) and /moved (a redirect
    whose target the test changes)."""
    moved_to = "/about.html"

    def special(self):
        if self.path == "/busy":
            self.send_response(429)
            self.send_header("Retry-After", "0")
        elif self.path == "/moved":
            self.send_response(301)
            self.send_header("Location", self.moved_to)
        else:
            return False
        self.send_header("Content-Length", "0")
        self.end_headers()
        return True

    def do_GET(self):
        if not self.special():
            super().do_GET()

    def do_HEAD(self):
        if not self.special():
            super().do_HEAD()

    def log_message(self, *args):
        pass


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Site:
    def __init__(self, root):
        self.root = root
        for name, text in (("about.html", "关于我们"),
                           ("contact.html", "联系我们"),
                           ("page.html", "合作伙伴")):
            with open(os.path.join(root, name), "w") as f:
                f.write(f"<html><body><p>{text}</p></body></html>\n")
        self.write_index("")

        class H(Handler):
            pass
        self.handler = H
        self.server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0),
            lambda *a: H(*a, directory=root))
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)
        self.thread.start()

    def write_index(self, extra):
        with open(os.path.join(self.root, "index.html"), "w") as f:
            f.write(INDEX.format(extra=extra))

    def inspect(self, db):
        p = run_cli(["inspect", f"http://{HOST}/", "--allow-private",
                     "--resolve", f"*:80=127.0.0.1:{self.port}",
                     "--timeout", "2", "--retries", "0", "--format",
                     "json"], db=db)
        assert p.returncode in (0, 1), p.stderr
        return json.loads(p.stdout)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(10)


class Env:
    pass


@pytest.fixture(scope="module")
def env():
    if not os.path.exists(GOVSECD):
        pytest.fail("govsecd is not built")
    with tempfile.TemporaryDirectory(prefix="govsec-insp-") as tmp:
        e = Env()
        e.db = os.path.join(tmp, "govsec.db")
        root = os.path.join(tmp, "site")
        os.mkdir(root)
        site = Site(root)
        proc = logf = None
        try:
            e.first = site.inspect(e.db)
            site.write_index(EXTRA)
            site.handler.moved_to = "/contact.html"
            e.second = site.inspect(e.db)
            p = subprocess.run([str(GOVSEC), "--db", e.db, "user", "add",
                                "viewer1", "--role", "viewer"],
                               input=PW + "\n", capture_output=True,
                               text=True, timeout=60, env=cli_env())
            assert p.returncode == 0, p.stderr
            e.port = free_port()
            conf = os.path.join(tmp, "govsec.conf")
            with open(conf, "w") as f:
                f.write(f"[console]\nlisten = 127.0.0.1:{e.port}\n"
                        "two_factor = optional\nthreads = 2\n")
            logf = open(os.path.join(tmp, "govsecd.log"), "w")
            proc = subprocess.Popen([str(GOVSECD), "-f", "-c", conf, "-d",
                                     e.db], stdout=logf,
                                    stderr=subprocess.STDOUT,
                                    env=cli_env())
            deadline = time.time() + 15
            while True:
                assert proc.poll() is None, "govsecd exited"
                try:
                    socket.create_connection(("127.0.0.1", e.port),
                                             timeout=0.5).close()
                    break
                except OSError:
                    assert time.time() < deadline, "govsecd did not listen"
                    time.sleep(0.05)
            e.cookie = None
            r = request(e, "POST", "/api/login",
                        {"name": "viewer1", "password": PW})
            assert r[0] == 200, r
            e.cookie = r[2]
            con = sqlite3.connect(e.db)
            e.runs = {row[0]: row[1:] for row in con.execute(
                "SELECT id, started, finished FROM insp_runs")}
            con.close()
            yield e
        finally:
            site.stop()
            if proc is not None:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            if logf is not None:
                logf.close()
            if proc is not None and proc.returncode != 0:
                with open(os.path.join(tmp, "govsecd.log")) as f:
                    print(f.read())
                pytest.fail(f"govsecd exited {proc.returncode}")


def request(e, method, path, body=None):
    """(status, JSON body, session cookie or None)."""
    h = {}
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        h["Content-Type"] = "application/json"
    if e.cookie is not None:
        h["Cookie"] = "govsec_session=" + e.cookie
    conn = http.client.HTTPConnection("127.0.0.1", e.port, timeout=30)
    try:
        conn.request(method, path, body=data, headers=h)
        resp = conn.getresponse()
        raw = resp.read()
        m = re.match(r"govsec_session=([0-9a-f]{64});",
                     resp.headers.get("Set-Cookie", ""))
        assert resp.headers.get("Content-Type", "").startswith(
            "application/json"), raw
        return resp.status, json.loads(raw), m.group(1) if m else None
    finally:
        conn.close()


def get(e, path, status=200):
    r = request(e, "GET", path)
    assert r[0] == status, r
    return r[1]


def error(e, path, status, message):
    assert get(e, path, status) == {"error": {
        "status": status, "code": {400: "bad_request", 401:
                                   "unauthenticated", 404: "not_found"}[
            status], "message": message}}


def url(path):
    return f"http://{HOST}{path}"


def test_the_inspector_saw_what_the_site_has(env):
    assert set(env.runs) == {1, 2}
    stats = env.second["stats"]
    assert (stats["broken"], stats["blocked"]) == (2, 1)


def test_list_of_sites(env):
    started, finished = env.runs[2]
    got = get(env, "/api/inspections")
    summary = got["sites"][0]["findings"]
    assert summary == expected_summary(env.second["findings"])
    assert got == {"sites": [{
        "host": HOST, "run": 2, "start": url("/"), "started": started,
        "finished": finished, "pages": env.second["stats"]["pages"],
        "links": env.second["stats"]["links"], "broken": 2, "blocked": 1,
        "unprompted": 2, "findings": summary}]}


def expected_summary(findings):
    s = {}
    failing = []
    for f in findings:
        s[f["status"]] = s.get(f["status"], 0) + 1
        if f["status"] == "fail" and f["requirement"] not in failing:
            failing.append(f["requirement"])
    s["failing"] = failing
    return s


def test_one_run(env):
    started, finished = env.runs[1]
    got = get(env, "/api/inspections/1")
    assert got == {
        "run": 1, "host": HOST, "start": url("/"), "started": started,
        "finished": finished, "pages": env.first["stats"]["pages"],
        "links": env.first["stats"]["links"], "broken": 1, "blocked": 1,
        "unprompted": 1, "previous": 0, "marks": env.first["marks"],
        "findings": env.first["findings"], "columns": env.first["columns"]}
    assert get(env, "/api/inspections/2")["previous"] == 1
    reqs = {f["requirement"] for f in got["findings"]}
    assert {"LINK-2", "LINK-3", "GOVWEB-3"} <= reqs


def link(path, status, reason, cls, kind, http_, prompt=None, final=None,
         internal=True, first="1", last="2"):
    return {"url": path if path.startswith("http://www.") and
            not path.startswith(url("")) else url(path),
            "status": status, "reason": reason, "class": cls, "kind": kind,
            "prompt": prompt, "http": http_, "final": final,
            "internal": internal, "found_on": [url("/")],
            "first_seen": first, "last_checked": last}


def fill_times(env, links):
    """first_seen / last_checked: "1" is run 1's start, "2s" run 2's start,
    "2" run 2's end."""
    t = {"1": env.runs[1][0], "2s": env.runs[2][0], "2": env.runs[2][1]}
    for x in links:
        x["first_seen"] = t[x["first_seen"]]
        x["last_checked"] = t[x["last_checked"]]
    return links


def test_broken_links(env):
    got = get(env, "/api/inspections/2/links?status=broken")
    assert got == {"run": 2, "total": 2, "limit": 100, "offset": 0,
                   "links": fill_times(env, [
                       link("/gone.html", "broken", "http_404", "organ",
                            "a", 404, first="2s"),
                       link("/missing.html", "broken", "http_404", "organ",
                            "a", 404)])}


def test_blocked_links(env):
    got = get(env, "/api/inspections/2/links?status=blocked")
    assert [(x["url"], x["reason"], x["http"]) for x in got["links"]] == [
        (url("/busy"), "rate_limited", 429)]


def test_external_links_without_prompt(env):
    got = get(env, "/api/inspections/2/links?prompt=none&external=1")
    assert [(x["url"], x["class"], x["prompt"], x["internal"])
            for x in got["links"]] == [
        ("http://www.newhost.example.org/", "other", "none", False),
        ("http://www.partner.example.com/page.html", "other", "none",
         False)]
    assert got["total"] == 2


def test_paging(env):
    every = get(env, "/api/inspections/2/links?limit=500")["links"]
    assert len(every) == env.second["stats"]["links"]
    assert [x["url"] for x in every] == sorted(x["url"] for x in every)
    page = get(env, "/api/inspections/2/links?limit=2&offset=1")
    assert page["links"] == every[1:3]
    assert (page["total"], page["limit"], page["offset"]) == (
        len(every), 2, 1)
    moved = [x for x in every if x["url"] == url("/moved")][0]
    assert (moved["status"], moved["final"]) == ("ok", url("/contact.html"))


def test_diff_since_the_previous_run(env):
    got = get(env, "/api/inspections/2/diff")
    assert got == {
        "host": HOST, "run": 2, "previous": 1,
        "new_broken": [{"url": url("/gone.html"), "reason": "http_404",
                        "found_on": url("/")}],
        "changed": [{"url": url("/moved"), "before": url("/about.html"),
                     "after": url("/contact.html"), "what": "target"}],
        "new_external_hosts": [{"host": "www.newhost.example.org"}]}
    # the CLI says the same (one implementation)
    p = run_cli(["links", "diff", "--host", HOST, "--format", "json"],
                db=env.db)
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout) == got


def test_first_run_diff_is_against_nothing(env):
    got = get(env, "/api/inspections/1/diff")
    assert (got["previous"], [x["url"] for x in got["new_broken"]]) == (
        0, [url("/missing.html")])
    assert got["changed"] == []


def test_errors(env):
    error(env, "/api/inspections/9", 404, "no inspection run 9")
    error(env, "/api/inspections/9/diff", 404, "no inspection run 9")
    error(env, "/api/inspections/x/links", 400,
          "'x' is not an inspection run id")
    error(env, "/api/inspections/2/links?status=gone", 400,
          "'status' must be ok, broken, blocked or skipped")
    error(env, "/api/inspections/2/links?prompt=maybe", 400,
          "'prompt' must be none, interstitial or script")
    error(env, "/api/inspections/2/links?external=yes", 400,
          "'external' must be 0 or 1")
    error(env, "/api/inspections/2/links?limit=501", 400,
          "'limit' must be a number in 1..500")
    error(env, "/api/inspections/2/links?offset=-1", 400,
          "'offset' must be a number in 0..1099511627776")


def test_login_required(env):
    cookie, env.cookie = env.cookie, None
    try:
        error(env, "/api/inspections", 401,
              "not logged in or session expired")
        error(env, "/api/inspections/1/links", 401,
              "not logged in or session expired")
    finally:
        env.cookie = cookie
