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

from conftest import GOVSEC, GOVSECD, cli_env, free_port, run_cli

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


# ---------------------------------------------------------------------------
# Inspections started from the console (docs/api.md, "Inspection jobs") and
# the progress line of `govsec inspect`. A second fixture serves https on
# loopback with Python's http.server (a self-signed certificate, the names
# mapped with [inspect] resolve): www.small.gov.cn has three pages, the
# www.slow*.gov.cn sites 3000 pages linked from the homepage, each answered
# after 200 ms, so an inspection of them runs until cancelled.

SMALL = "www.small.gov.cn"
SLOWS = [f"www.slow{k}.gov.cn" for k in range(1, 6)]
OP_PW = "inspection jobs secret 7"
JOB_UNIT = "11440700007250010K"


class TlsHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def page(self):
        host = (self.headers.get("Host") or "").split(":")[0]
        if host == SMALL:
            pages = {"/": '<a href="/a.html">a</a> <a href="/b.html">b</a>',
                     "/a.html": '<a href="/">home</a>',
                     "/b.html": '<a href="/a.html">a</a>'}
            body = pages.get(self.path)
        elif host in SLOWS:
            time.sleep(0.2)  # the site is slow; nothing waits on it
            if self.path == "/":
                body = " ".join(f'<a href="/p/{n}">{n}</a>'
                                for n in range(1, 3001))
            elif re.fullmatch(r"/p/\d+", self.path):
                body = '<a href="/">home</a>'
            else:
                body = None
        else:
            body = None
        return body

    def do_GET(self):
        body = self.page()
        if body is None:
            self.send_response(404)
            data = b"not found"
        else:
            self.send_response(200)
            data = ("<!DOCTYPE html><html><head><title>t</title></head>"
                    f"<body>{body}</body></html>").encode()
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_HEAD = do_GET

    def log_message(self, *args):
        pass


class JobEnv:
    def req(self, who, method, path, body=None):
        """(status, JSON body) as the operator ('op') or viewer."""
        h = {}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        cookie, csrf = self.sessions[who]
        h["Cookie"] = "govsec_session=" + cookie
        if method != "GET":
            h["X-CSRF-Token"] = csrf
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=data, headers=h)
            resp = conn.getresponse()
            return resp.status, json.loads(resp.read())
        finally:
            conn.close()

    def start(self, app, status=202, who="op"):
        st, body = self.req(who, "POST", "/api/inspection-jobs",
                            {"app": app})
        assert st == status, (st, body)
        return body.get("job")

    def job(self, jid):
        st, body = self.req("op", "GET", f"/api/inspection-jobs/{jid}")
        assert st == 200, body
        return body["job"]

    def wait_job(self, jid, cond, what, seconds=60):
        deadline = time.time() + seconds
        while True:
            j = self.job(jid)
            if cond(j):
                return j
            assert time.time() < deadline, f"{what}: {j}"
            time.sleep(0.05)


@pytest.fixture(scope="module")
def jobs(tmp_path_factory):
    from conftest import self_signed
    import ssl
    tmp = tmp_path_factory.mktemp("insp-jobs")
    os.chmod(tmp, 0o700)
    self_signed(tmp, SMALL, *SLOWS)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), TlsHandler)
    server.daemon_threads = True
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(tmp / "tls.pem", tmp / "tls.key")
    server.socket = ctx.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    e = JobEnv()
    e.tmp = tmp
    e.tls_port = server.server_address[1]
    e.resolve = f"*:443=127.0.0.1:{e.tls_port},*=none"
    e.db = tmp / "govsec.db"
    apps = [{"id": "small", "host": SMALL}] + [
        {"id": f"slow{k + 1}", "host": h} for k, h in enumerate(SLOWS)]
    doc = {"units": [{"uscc": JOB_UNIT, "name": "江门市人民政府",
                      "kind": "administrative", "level": "prefecture",
                      "region": "440700"}],
           "applications": [
               {"id": a["id"], "unit": JOB_UNIT, "type": "portal",
                "name": "门户网站" + a["id"], "status": "live",
                "domains": [{"name": a["host"], "main": True}]}
               for a in apps] + [
               {"id": "mail", "unit": JOB_UNIT, "type": "email",
                "name": "邮件系统", "status": "live"}]}
    (tmp / "reg.json").write_text(json.dumps(doc, ensure_ascii=False))
    for args, stdin in ((["import", tmp / "reg.json"], None),
                        (["user", "add", "op", "--role", "operator"],
                         OP_PW + "\n"),
                        (["user", "add", "viewer", "--role", "viewer"],
                         OP_PW + "\n")):
        p = run_cli(args, db=e.db, stdin=stdin)
        assert p.returncode == 0, p.stderr
    e.port = free_port()
    conf = tmp / "govsec.conf"
    conf.write_text(f"[store]\npath = {e.db}\n"
                    f"[console]\nlisten = 127.0.0.1:{e.port}\n"
                    "two_factor = optional\nthreads = 2\n"
                    "[inspect]\nallow_private = yes\n"
                    f"resolve = {e.resolve}\ncacert = {tmp / 'tls.pem'}\n"
                    "max_seconds = 300\n")
    from conftest import running_govsecd, tcp_ready
    try:
        with running_govsecd(conf, tmp / "govsecd.log",
                             tcp_ready(e.port)) as proc:
            e.proc = proc
            e.sessions = {}
            for who in ("op", "viewer"):
                conn = http.client.HTTPConnection("127.0.0.1", e.port,
                                                  timeout=30)
                conn.request("POST", "/api/login", body=json.dumps(
                    {"name": who, "password": OP_PW}),
                    headers={"Content-Type": "application/json"})
                resp = conn.getresponse()
                body = json.loads(resp.read())
                assert resp.status == 200, body
                m = re.match(r"govsec_session=([0-9a-f]{64});",
                             resp.headers.get("Set-Cookie", ""))
                e.sessions[who] = (m.group(1), body["csrf"])
                conn.close()
            yield e
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def audit_actions(db):
    con = sqlite3.connect(db)
    try:
        return [r for r in con.execute(
            "SELECT actor, action, object FROM audit "
            "WHERE action LIKE 'inspect.%' ORDER BY seq")]
    finally:
        con.close()


def test_job_starts_shows_progress_and_is_cancelled(jobs):
    """An operator starts an inspection of a registered portal, sees pages
    and links rise while it runs, cancels it; it ends as cancelled, nothing
    is stored, and the start and the cancel are in the audit log."""
    j = jobs.start("slow1")
    assert (j["app"], j["host"], j["state"], j["actor"], j["run"],
            j["finished"]) == ("slow1", SLOWS[0], "running", "op", None,
                               None)
    jid = j["id"]
    # one inspection per application at a time
    st, body = jobs.req("op", "POST", "/api/inspection-jobs",
                        {"app": "slow1"})
    assert st == 409 and f"(job {jid})" in body["error"]["message"], body
    first = jobs.wait_job(jid, lambda j: j["pages"] >= 3, "no progress")
    later = jobs.wait_job(jid, lambda j: j["pages"] > first["pages"] and
                          j["checked"] > first["checked"], "no rise")
    assert later["links"] >= later["checked"] and later["rate"] > 0
    assert later["state"] == "running"
    st, body = jobs.req("op", "POST", f"/api/inspection-jobs/{jid}/cancel")
    assert st == 202, body
    done = jobs.wait_job(jid, lambda j: j["state"] != "running",
                         "not cancelled", seconds=10)
    assert (done["state"], done["run"], done["error"]) == ("cancelled",
                                                           None, None)
    assert done["finished"] is not None
    st, body = jobs.req("op", "POST", f"/api/inspection-jobs/{jid}/cancel")
    assert st == 409 and "already ended (cancelled)" in \
        body["error"]["message"], body
    st, body = jobs.req("op", "GET", "/api/inspections")
    assert SLOWS[0] not in {s["host"] for s in body["sites"]}
    assert ("op", "inspect.start", "slow1") in audit_actions(jobs.db)
    assert ("op", "inspect.cancel", "slow1") in audit_actions(jobs.db)


def test_job_runs_to_the_end_and_its_run_is_stored(jobs):
    """A job of a small site finishes by itself; its run is the one the
    inspection views show."""
    j = jobs.start("small")
    done = jobs.wait_job(j["id"], lambda j: j["state"] != "running",
                         "did not finish")
    assert done["state"] == "finished", done
    assert (done["pages"], done["error"]) == (3, None)
    assert isinstance(done["run"], int)
    st, run = jobs.req("viewer", "GET", f"/api/inspections/{done['run']}")
    assert st == 200 and run["host"] == SMALL and run["pages"] == 3, run
    st, body = jobs.req("viewer", "GET", "/api/inspection-jobs?app=small")
    assert st == 200 and body["jobs"][0]["id"] == j["id"]


def test_job_refusals(jobs):
    """A viewer may watch but not start or cancel; an unknown application
    is 404, one that is no portal 422, a body with another member 422; at
    most INSP_JOBS_MAX (4) run at once."""
    jobs.start("small", 403, who="viewer")
    st, body = jobs.req("op", "POST", "/api/inspection-jobs",
                        {"app": "nosuch"})
    assert st == 404 and "'nosuch' is not registered" in \
        body["error"]["message"]
    st, body = jobs.req("op", "POST", "/api/inspection-jobs",
                        {"app": "mail"})
    assert st == 422 and "not a portal" in body["error"]["message"]
    st, body = jobs.req("op", "POST", "/api/inspection-jobs",
                        {"app": "small", "url": "https://example.com/"})
    assert st == 422 and "$.url: unknown field" in body["error"]["message"]
    st, body = jobs.req("op", "GET", "/api/inspection-jobs/x")
    assert st == 400
    st, body = jobs.req("op", "GET", "/api/inspection-jobs/99999")
    assert st == 404
    ids = [jobs.start(f"slow{k}")["id"] for k in range(2, 6)]
    try:
        st, body = jobs.req("op", "POST", "/api/inspection-jobs",
                            {"app": "slow1"})
        assert st == 503 and "4 inspections are running" in \
            body["error"]["message"], body
        st, _ = jobs.req("viewer", "POST",
                         f"/api/inspection-jobs/{ids[0]}/cancel")
        assert st == 403
    finally:
        for jid in ids:
            jobs.req("op", "POST", f"/api/inspection-jobs/{jid}/cancel")
    for jid in ids:
        jobs.wait_job(jid, lambda j: j["state"] == "cancelled",
                      "not cancelled", seconds=10)


def test_cli_progress_line_only_on_a_terminal(jobs):
    """govsec inspect writes a progress line (pages, links, rate) to stderr
    when stderr is a terminal, rewritten with \\r, and never into the
    report; with stderr not a terminal, none."""
    import pty
    args = [str(GOVSEC), "inspect", f"https://{SLOWS[4]}/", "--no-store",
            "--allow-private", "--resolve", jobs.resolve, "--cacert",
            str(jobs.tmp / "tls.pem"), "--max-seconds", "3", "--format",
            "json", "--output", str(jobs.tmp / "report.json")]
    master, slave = pty.openpty()
    try:
        p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=slave,
                             env=cli_env())
        os.close(slave)
        err = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the terminal closed: govsec has exited
                break
            if not chunk:
                break
            err += chunk
        out = p.stdout.read()
        assert p.wait(60) in (0, 1), err
        assert out == b""
    finally:
        os.close(master)
    text = err.decode()
    m = re.findall(r"\r\x1b\[Kinspect: (\d+) page\(s\), (\d+) of (\d+) "
                   r"link\(s\) checked, [0-9.]+ page\(s\)/s", text)
    assert m, repr(text)
    # several lines, the last with the report's count of pages
    assert len(m) >= 3 and int(m[-1][0]) >= 5, m
    report = (jobs.tmp / "report.json").read_bytes()
    assert json.loads(report)["stats"]["pages"] == int(m[-1][0])
    assert b"page(s)/s" not in report
    p = subprocess.run(args, capture_output=True, env=cli_env(), timeout=60)
    assert p.returncode in (0, 1) and b"page(s)/s" not in p.stderr
