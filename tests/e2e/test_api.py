"""End-to-end tests of the govsecd console API (docs/api.md).

Starts the real govsecd on a free loopback port with a temporary store and
configuration, creates console users with the real CLI (`govsec user add`,
password on stdin) and talks HTTP with http.client only (stdlib), reading
headers itself. The daemon is always stopped, also when a test fails.
"""

import http.client
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

from conftest import free_port

SRC = os.environ.get("GOVSEC_SRC") or os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.abspath(os.environ.get("GOVSEC_BUILD")
                        or os.path.join(SRC, "build"))
# No user configuration or store leaks into the programs under test.
ENV = {k: v for k, v in os.environ.items()
       if k not in ("GOVSEC_CONF", "GOVSEC_DB", "GOVSEC_NOW")}
GOVSEC = os.path.join(BUILD, "govsec")
GOVSECD = os.path.join(BUILD, "govsecd")

ADMIN_PW = "correct horse battery"
VIEWER_PW = "viewer password 1"
LOCKY_PW = "lock me out please"
ATTEMPTS = 3
BODY_MAX = 65536

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; "
       "img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; "
       "form-action 'self'")

# ---- unified social credit codes (GB 32100) for test records ----

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def org_code(s8):
    """The GB 11714 organization code: 8 characters and a check digit."""
    w = [3, 7, 9, 10, 5, 8, 4, 2]
    val = [int(c) if c.isdigit() else ord(c) - 55 for c in s8]
    c = 11 - sum(a * b for a, b in zip(val, w)) % 11
    return s8 + ("X" if c == 10 else "0" if c == 11 else str(c))


def uscc(category, region, s8):
    body = category + region + org_code(s8)
    c = 31 - sum(ALPHABET.index(ch) * w for ch, w in zip(body, WEIGHTS)) % 31
    return body + ALPHABET[0 if c == 31 else c]


UNIT = uscc("11", "440703", "MB2D1234")
UNIT2 = uscc("11", "440703", "MB2D5678")
UNIT3 = uscc("11", "440703", "MB2D9012")


def unit_record(code, name="江门市蓬江区人民政府"):
    return {"uscc": code, "name": name, "kind": "administrative",
            "level": "county", "region": "440703"}


def portal_record(app_id, unit, domain):
    return {"id": app_id, "unit": unit, "type": "portal",
            "name": "蓬江区人民政府门户网站", "status": "live",
            "domains": [{"name": domain, "main": True}]}


# ---- the daemon ----

def add_user(db, name, password, role):
    p = subprocess.run([GOVSEC, "--db", db, "user", "add", name, "--role",
                        role], input=password + "\n", capture_output=True,
                       text=True, timeout=60, env=ENV)
    assert p.returncode == 0, p.stderr


class Daemon:
    def __init__(self, tmp):
        self.tmp = tmp
        self.db = os.path.join(tmp, "govsec.db")
        self.conf = os.path.join(tmp, "govsec.conf")
        self.log = os.path.join(tmp, "govsecd.log")
        self.port = free_port()
        with open(self.conf, "w") as f:
            f.write("[console]\n"
                    f"listen = 127.0.0.1:{self.port}\n"
                    f"login_attempts = {ATTEMPTS}\n"
                    "lockout_seconds = 600\n"
                    f"body_max = {BODY_MAX}\n"
                    "two_factor = optional\n"
                    "threads = 2\n")
        self.proc = None

    def check(self):
        return subprocess.run([GOVSECD, "-n", "-c", self.conf, "-d",
                               self.db], capture_output=True, text=True,
                              timeout=60, env=ENV)

    def start(self):
        self.logf = open(self.log, "w")
        self.proc = subprocess.Popen([GOVSECD, "-f", "-c", self.conf, "-d",
                                      self.db], stdout=self.logf,
                                     stderr=subprocess.STDOUT, env=ENV)
        deadline = time.time() + 15
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("govsecd exited: " + self.read_log())
            try:
                socket.create_connection(("127.0.0.1", self.port),
                                         timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("govsecd did not listen: " + self.read_log())

    def stop(self):
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.logf.close()
        rc = self.proc.returncode
        self.proc = None
        return rc

    def read_log(self):
        try:
            with open(self.log) as f:
                return f.read()
        except OSError:
            return ""

    def sql(self, query, args=()):
        con = sqlite3.connect(self.db, timeout=10)
        try:
            cur = con.execute(query, args)
            rows = cur.fetchall()
            con.commit()
            return rows
        finally:
            con.close()


@pytest.fixture(scope="module")
def daemon():
    if not os.path.exists(GOVSECD):
        pytest.fail("govsecd is not built in " + BUILD)
    with tempfile.TemporaryDirectory(prefix="govsec-api-") as tmp:
        d = Daemon(tmp)
        try:
            p = d.check()
            assert p.returncode == 0, p.stderr
            assert p.stdout.strip() == "configuration OK"
            add_user(d.db, "admin", ADMIN_PW, "admin")
            add_user(d.db, "viewer1", VIEWER_PW, "viewer")
            add_user(d.db, "locky", LOCKY_PW, "operator")
            add_user(d.db, "wrong1", LOCKY_PW, "operator")
            add_user(d.db, "racer", LOCKY_PW, "operator")
            d.start()
            yield d
        finally:
            rc = d.stop()
            if rc not in (None, 0):
                print(d.read_log())
            assert rc in (None, 0), "govsecd did not stop cleanly"


# ---- a small client ----

class Response:
    def __init__(self, resp):
        self.status = resp.status
        self.headers = resp.headers
        self.body = resp.read()
        self.json = None
        ctype = self.headers.get("Content-Type", "")
        if self.body and ctype.startswith("application/json"):
            self.json = json.loads(self.body)

    def error(self):
        assert self.json is not None, self.body
        e = self.json["error"]
        assert set(e) == {"status", "code", "message"}
        assert e["status"] == self.status
        return e


class Client:
    def __init__(self, daemon):
        self.port = daemon.port
        self.cookie = None
        self.csrf = None

    def request(self, method, path, body=None, headers=None, raw=None,
                csrf=True, ctype="application/json"):
        h = dict(headers or {})
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
        if data is not None and ctype is not None:
            h.setdefault("Content-Type", ctype)
        if self.cookie is not None:
            h.setdefault("Cookie", "govsec_session=" + self.cookie)
        if csrf and self.csrf is not None and method not in ("GET", "HEAD"):
            h.setdefault("X-CSRF-Token", self.csrf)
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=data, headers=h)
            return Response(conn.getresponse())
        finally:
            conn.close()

    def login(self, name, password):
        r = self.request("POST", "/api/login",
                         {"name": name, "password": password})
        if r.status == 200:
            m = re.match(r"govsec_session=([0-9a-f]{64});",
                         r.headers.get("Set-Cookie", ""))
            assert m, r.headers.get("Set-Cookie")
            self.cookie = m.group(1)
            self.csrf = r.json["csrf"]
        return r


@pytest.fixture(scope="module")
def admin(daemon):
    c = Client(daemon)
    r = c.login("admin", ADMIN_PW)
    assert r.status == 200, r.body
    return c


# ---- configuration check ----

def test_config_check_reports_errors(daemon):
    bad = os.path.join(daemon.tmp, "bad.conf")
    with open(bad, "w") as f:
        f.write("[console]\nthreads = lots\n")
    p = subprocess.run([GOVSECD, "-n", "-c", bad, "-d", daemon.db],
                       capture_output=True, text=True, timeout=60, env=ENV)
    assert p.returncode == 2
    assert "threads" in p.stderr
    assert "configuration OK" not in p.stdout


# ---- headers ----

def test_security_headers_on_every_response(daemon, admin):
    c = Client(daemon)
    for r in (c.request("GET", "/"), c.request("GET", "/api/me"),
              c.request("GET", "/no/such/thing"),
              admin.request("GET", "/api/units")):
        assert r.headers["Content-Security-Policy"] == CSP
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["Referrer-Policy"] == "no-referrer"
        assert r.headers["X-Frame-Options"] == "DENY"
    r = admin.request("GET", "/api/units")
    assert r.headers["Cache-Control"] == "no-store"
    r = c.request("GET", "/api/me")
    assert r.headers["Cache-Control"] == "no-store"


def test_console_files(daemon):
    c = Client(daemon)
    r = c.request("GET", "/")
    assert r.status == 200
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    r2 = c.request("GET", "/index.html")
    assert r2.status == 200 and r2.body == r.body
    r = c.request("GET", "/app.js")
    if r.status == 200:
        assert r.headers["Content-Type"] == "text/javascript; charset=utf-8"


# ---- sessions ----

def test_login_sets_secure_session_cookie(daemon):
    c = Client(daemon)
    r = c.login("admin", ADMIN_PW)
    assert r.status == 200
    assert r.json["user"] == "admin" and r.json["role"] == "admin"
    assert re.fullmatch(r"[0-9a-f]{64}", r.json["csrf"])
    cookie = r.headers["Set-Cookie"]
    parts = [p.strip() for p in cookie.split(";")]
    assert re.fullmatch(r"govsec_session=[0-9a-f]{64}", parts[0])
    assert "Path=/" in parts
    assert "HttpOnly" in parts
    assert "SameSite=Strict" in parts
    assert "Secure" in parts
    me = c.request("GET", "/api/me")
    assert me.status == 200
    assert me.json == {"user": "admin", "role": "admin", "csrf": c.csrf,
                       "scope": None}
    # Only the SM3 digest of the token is stored.
    rows = daemon.sql("SELECT token_hash FROM console_sessions")
    hashes = {row[0] for row in rows}
    assert c.cookie not in hashes
    assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in hashes)


def test_login_wrong_password_and_unknown_user(daemon):
    c = Client(daemon)
    r = c.login("wrong1", "not the password")
    assert r.status == 401
    e = r.error()
    assert e["code"] == "unauthenticated"
    assert "Set-Cookie" not in r.headers
    r2 = c.login("nobody", "not the password")
    assert r2.status == 401
    assert r2.error()["message"] == e["message"]
    r3 = c.request("POST", "/api/login", {"name": "admin"})
    assert r3.status == 400


def test_lockout_after_failures(daemon):
    c = Client(daemon)
    for i in range(ATTEMPTS - 1):
        r = c.login("locky", "wrong password %d" % i)
        assert r.status == 401, r.body
    r = c.login("locky", "wrong password again")
    assert r.status == 429
    assert r.error()["code"] == "locked"
    assert int(r.headers["Retry-After"]) > 0
    # Locked: even the right password is refused.
    r = c.login("locky", LOCKY_PW)
    assert r.status == 429
    assert int(r.headers["Retry-After"]) > 0
    rows = daemon.sql("SELECT locked_until FROM console_users "
                      "WHERE name = 'locky'")
    assert rows[0][0] > time.time()


def test_parallel_guesses_do_not_exceed_the_limit(daemon):
    statuses = []

    def guess(i):
        r = Client(daemon).login("racer", "parallel guess %d" % i)
        statuses.append(r.status)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(statuses) == 12
    assert set(statuses) <= {401, 429}
    # Only ATTEMPTS passwords were checked; the last of them locked.
    assert statuses.count(401) <= ATTEMPTS - 1
    assert Client(daemon).login("racer", LOCKY_PW).status == 429


def test_session_idle_timeout(daemon):
    c = Client(daemon)
    assert c.login("viewer1", VIEWER_PW).status == 200
    assert c.request("GET", "/api/me").status == 200
    daemon.sql("UPDATE console_sessions SET seen = seen - 100000 "
               "WHERE user = 'viewer1'")
    r = c.request("GET", "/api/me")
    assert r.status == 401
    assert r.error()["code"] == "unauthenticated"
    # The absolute limit holds however busy the session is.
    assert c.login("viewer1", VIEWER_PW).status == 200
    daemon.sql("UPDATE console_sessions SET created = created - 100000 "
               "WHERE user = 'viewer1'")
    assert c.request("GET", "/api/me").status == 401


def test_logout(daemon):
    c = Client(daemon)
    assert c.login("admin", ADMIN_PW).status == 200
    r = c.request("POST", "/api/logout", csrf=False)
    assert r.status == 403
    r = c.request("POST", "/api/logout")
    assert r.status == 204
    assert "Max-Age=0" in r.headers["Set-Cookie"]
    assert c.request("GET", "/api/me").status == 401


def test_csrf_required(daemon, admin):
    body = unit_record(UNIT3)
    r = admin.request("POST", "/api/units", body, csrf=False)
    assert r.status == 403
    assert r.error()["code"] == "forbidden"
    r = admin.request("POST", "/api/units", body,
                      headers={"X-CSRF-Token": "0" * 64})
    assert r.status == 403
    assert admin.request("GET", "/api/units/" + UNIT3).status == 404


def test_viewer_cannot_change(daemon):
    c = Client(daemon)
    assert c.login("viewer1", VIEWER_PW).status == 200
    assert c.request("GET", "/api/units").status == 200
    r = c.request("POST", "/api/units", unit_record(UNIT3))
    assert r.status == 403
    assert c.request("GET", "/api/audit").status == 403


def test_unauthenticated_api(daemon):
    c = Client(daemon)
    for path in ("/api/units", "/api/findings", "/api/audit",
                 "/api/dashboard"):
        r = c.request("GET", path)
        assert r.status == 401, path
        assert r.error()["code"] == "unauthenticated"


# ---- registry ----

def test_unit_and_application_crud(daemon, admin):
    r = admin.request("POST", "/api/units", unit_record(UNIT))
    assert r.status == 201, r.body
    assert r.headers["Location"] == "/api/units/" + UNIT
    assert r.json["uscc"] == UNIT
    r = admin.request("POST", "/api/units", unit_record(UNIT, "改名"))
    assert r.status == 200
    assert r.json["name"] == "改名"
    r = admin.request("GET", "/api/units/" + UNIT)
    assert r.status == 200 and r.json["name"] == "改名"
    r = admin.request("PUT", "/api/units/" + UNIT,
                      unit_record(UNIT, "江门市蓬江区人民政府"))
    assert r.status == 200
    r = admin.request("PUT", "/api/units/" + UNIT2, unit_record(UNIT))
    assert r.status == 422
    assert r.error()["code"] == "invalid"
    r = admin.request("GET", "/api/units/" + UNIT2)
    assert r.status == 404
    assert r.error()["code"] == "not_found"
    r = admin.request("PUT", "/api/units/" + UNIT2, unit_record(UNIT2))
    assert r.status == 201

    bad = unit_record(UNIT[:-1] + ("A" if UNIT[-1] != "A" else "B"))
    r = admin.request("POST", "/api/units", bad)
    assert r.status == 422
    assert "$.uscc" in r.error()["message"]
    r = admin.request("POST", "/api/units", dict(unit_record(UNIT3),
                                                 colour="red"))
    assert r.status == 422
    assert "colour" in r.error()["message"]

    r = admin.request("POST", "/api/applications",
                      portal_record("pj-portal", UNIT, "www.pjq.gov.cn"))
    assert r.status == 201, r.body
    # a second live portal is recorded as it is: SITE-1 reports it
    r = admin.request("POST", "/api/applications",
                      portal_record("pj-portal2", UNIT, "www2.pjq.gov.cn"))
    assert r.status == 201, r.body
    r = admin.request("GET", "/api/findings?requirement=SITE-1&unit=" + UNIT)
    assert {(f["object"], f["status"]) for f in r.json["findings"]} == {
        ("pj-portal", "fail"), ("pj-portal2", "fail")}
    r = admin.request("DELETE", "/api/applications/pj-portal2")
    assert r.status == 204
    r = admin.request("POST", "/api/applications",
                      portal_record("x-portal", UNIT3, "www.x.gov.cn"))
    assert r.status == 422  # unit not registered

    r = admin.request("GET", "/api/applications?unit=" + UNIT)
    assert r.status == 200
    assert [a["id"] for a in r.json["items"]] == ["pj-portal"]
    r = admin.request("GET", "/api/units")
    assert {u["uscc"] for u in r.json["items"]} >= {UNIT, UNIT2}
    r = admin.request("GET", "/api/grants?unit=" + UNIT)
    assert r.status == 400

    r = admin.request("DELETE", "/api/units/" + UNIT)
    assert r.status == 409
    assert "referred to" in r.error()["message"]
    r = admin.request("DELETE", "/api/applications/pj-portal")
    assert r.status == 204
    assert admin.request("GET", "/api/applications/pj-portal").status == 404
    assert admin.request("DELETE", "/api/units/" + UNIT2).status == 204
    assert admin.request("DELETE", "/api/units/" + UNIT2).status == 404
    assert admin.request("GET", "/api/units/" + UNIT2).status == 404


def test_changes_are_audited_with_session_user(daemon, admin):
    r = admin.request("POST", "/api/units", unit_record(UNIT3, "审计单位"))
    assert r.status in (200, 201)
    r = admin.request("GET", "/api/audit?limit=5")
    assert r.status == 200
    rec = r.json["records"][0]
    assert rec["action"] in ("unit.add", "unit.update")
    assert rec["actor"] == "admin"
    assert rec["object"] == "unit:" + UNIT3
    assert set(rec) == {"seq", "at", "actor", "action", "object", "before",
                        "after", "prev", "hash", "keyed"}
    assert rec["keyed"] is True  # govsecd holds the store's key


# ---- self-examination ----

def test_findings(daemon, admin):
    r = admin.request("POST", "/api/units", unit_record(UNIT))
    assert r.status in (200, 201)
    r = admin.request("POST", "/api/applications",
                      portal_record("pj-portal", UNIT, "www.pjq.gov.cn"))
    assert r.status in (200, 201), r.body
    r = admin.request("GET", "/api/findings")
    assert r.status == 200
    fs = r.json["findings"]
    assert fs, "no findings"
    for f in fs:
        for k in ("rule", "requirement", "title", "title_zh", "status",
                  "object", "unit", "evidence", "fix"):
            assert k in f, k
        assert f["status"] in ("pass", "fail", "not_applicable", "unknown")
    s = r.json["summary"]
    assert set(s) >= {"pass", "fail", "not_applicable", "unknown", "overdue"}
    assert sum(s[k] for k in ("pass", "fail", "not_applicable",
                              "unknown")) == len(fs)
    # the verdict and every requirement of the catalogue with how it was
    # judged: the portal nobody observed leaves the run incomplete at best
    assert r.json["verdict"] == s["verdict"]
    assert r.json["verdict"] in ("failing", "incomplete")
    reqs = {q["id"]: q for q in r.json["requirements"]}
    assert len(reqs) == 49 and reqs["LINK-2"]["verdict"] == "unknown"
    assert reqs["LINK-2"]["judged_by"] == "none"
    assert reqs["CONTENT-1"]["verdict"] == "not_judged"

    r = admin.request("GET", "/api/findings?status=fail,unknown&unit="
                      + UNIT)
    assert r.status == 200
    assert all(f["status"] in ("fail", "unknown")
               for f in r.json["findings"])
    assert len(r.json["requirements"]) == 49
    req = fs[0]["requirement"]
    r = admin.request("GET", "/api/findings?requirement=" + req)
    assert r.status == 200
    assert all(f["requirement"] == req for f in r.json["findings"])
    assert admin.request("GET", "/api/findings?status=bogus").status == 400
    r = admin.request("GET", "/api/findings?unit=" + UNIT2)
    assert r.status == 404


def test_ack(daemon, admin):
    r = admin.request("GET", "/api/findings?status=fail")
    fails = r.json["findings"]
    # test_findings registered a portal nobody observed: it fails rules
    assert fails, "no failing finding to acknowledge"
    f = fails[0]
    ack = {"rule": f["rule"], "object": f["object"], "owner": "张三",
           "due": "2099-12-31", "note": "整改中"}
    r = admin.request("POST", "/api/findings/ack", ack)
    assert r.status == 200, r.body
    r = admin.request("GET", "/api/findings?status=fail")
    acked = [g for g in r.json["findings"]
             if g["rule"] == f["rule"] and g["object"] == f["object"]]
    assert acked and acked[0]["owner"] == "张三"
    assert acked[0]["due"] == "2099-12-31"
    assert acked[0]["overdue"] is False
    r = admin.request("POST", "/api/findings/ack", dict(ack, due="soon"))
    assert r.status == 422
    r = admin.request("POST", "/api/findings/ack", {"rule": f["rule"]})
    assert r.status == 422


def test_dashboard_and_rules(daemon, admin):
    r = admin.request("GET", "/api/dashboard")
    assert r.status == 200
    d = r.json
    assert set(d) >= {"summary", "by_unit", "by_requirement", "counts",
                      "verdict", "requirements"}
    assert d["verdict"] == d["summary"]["verdict"] != "compliant"
    assert [q["id"] for q in d["requirements"]][:3] == ["SCOPE-1", "SCOPE-2",
                                                        "SITE-1"]
    units = {u["unit"]: u for u in d["by_unit"]}
    assert UNIT in units and units[UNIT]["name"]
    assert set(units[UNIT]) >= {"unit", "name", "pass", "fail",
                                "not_applicable", "unknown"}
    assert d["counts"]["units"] >= 1 and d["counts"]["applications"] >= 1
    for row in d["by_requirement"]:
        assert set(row) >= {"requirement", "pass", "fail",
                            "not_applicable", "unknown"}
    r = admin.request("GET", "/api/rules")
    assert r.status == 200
    assert r.json["rules"]
    assert set(r.json["rules"][0]) == {"id", "requirement", "title",
                                       "title_zh"}


def test_attestations(daemon, admin):
    """LINK-1: POST /api/attestations records a person's verdict (operator
    or admin), audited; the findings show it as an attestation, never as
    a rule's pass; DELETE revokes it and LINK-1 is undecided again."""
    r = admin.request("POST", "/api/units", unit_record(UNIT))
    assert r.status in (200, 201)
    r = admin.request("POST", "/api/applications",
                      portal_record("pj-portal", UNIT, "www.pjq.gov.cn"))
    assert r.status in (200, 201), r.body
    att = {"requirement": "LINK-1", "object": "pj-portal", "verdict": "pass",
           "evidence": "外链均为本单位职能相关", "reviewer": "李四"}

    def link1():
        fs = admin.request("GET", "/api/findings?requirement=LINK-1").json
        return [f for f in fs["findings"] if f["object"] == "pj-portal"][0]

    assert link1()["status"] == "unknown"
    c = Client(daemon)
    assert c.login("viewer1", VIEWER_PW).status == 200
    assert c.request("POST", "/api/attestations", att).status == 403
    assert c.request("GET", "/api/attestations").status == 200
    for bad, field in ((dict(att, verdict="ok"), "verdict"),
                       (dict(att, requirement="GOVWEB-4"), "GOVWEB-4"),
                       (dict(att, expires="2099-01-01"), "expiry"),
                       (dict(att, object="nope"), "nope"),
                       (dict(att, extra="x"), "extra")):
        r = admin.request("POST", "/api/attestations", bad)
        assert r.status == 422 and field in r.body.decode(), r.body
    r = admin.request("POST", "/api/attestations", att)
    assert r.status == 201, r.body
    a = r.json
    assert (a["object"], a["unit"], a["verdict"], a["revoked"]) == (
        "pj-portal", UNIT, "pass", None)
    f = link1()
    assert f["status"] == "pass" and f["judged_by"] == "attestation"
    assert f["reviewer"] == "李四" and f["expires"] == a["expires"]
    assert f["evidence"].startswith(
        f"attested by 李四 on {a['attested']}, expires {a['expires']}: ")
    listed = admin.request("GET", "/api/attestations?object=pj-portal")
    assert [x["id"] for x in listed.json["attestations"]] == [a["id"]]
    rec = admin.request("GET", "/api/audit?limit=5").json["records"]
    assert any(x["action"] == "attest.add" and
               x["object"] == f"attestation:{a['id']}" for x in rec)
    assert admin.request("DELETE", f"/api/attestations/{a['id']}").status \
        == 200
    assert admin.request("DELETE", f"/api/attestations/{a['id']}").status \
        == 404
    assert link1()["status"] == "unknown"


# ---- audit ----

def test_audit_list_and_verify(daemon, admin):
    r = admin.request("GET", "/api/audit?limit=500")
    assert r.status == 200
    recs = r.json["records"]
    seqs = [x["seq"] for x in recs]
    assert seqs == sorted(seqs, reverse=True)
    actions = {x["action"] for x in recs}
    assert {"console.login", "console.login_failed",
            "console.lockout"} <= actions
    text = json.dumps(recs, ensure_ascii=False)
    for secret in (ADMIN_PW, VIEWER_PW, LOCKY_PW, admin.cookie):
        assert secret not in text
    r2 = admin.request("GET", "/api/audit?limit=2&before=%d" % seqs[0])
    assert [x["seq"] for x in r2.json["records"]] == seqs[1:3]
    assert admin.request("GET", "/api/audit?limit=501").status == 400
    assert admin.request("GET", "/api/audit?limit=x").status == 400
    r = admin.request("GET", "/api/audit/verify")
    assert r.status == 200
    v = r.json
    assert v["ok"] is True
    assert v["checked"] >= len(recs)
    assert v["head_seq"] == seqs[0]
    assert re.fullmatch(r"[0-9a-f]{64}", v["head"])


# ---- bad requests ----

def test_body_too_large(daemon, admin):
    big = b'{"name": "' + b"x" * (BODY_MAX + 10) + b'"}'
    r = admin.request("POST", "/api/units", raw=big)
    assert r.status == 413
    assert r.error()["code"] == "too_large"


def test_chunked_body_too_large(daemon, admin):
    chunk = b"x" * 8192
    conn = http.client.HTTPConnection("127.0.0.1", daemon.port, timeout=30)
    try:
        conn.request("POST", "/api/units",
                     body=iter([chunk] * (BODY_MAX // 8192 + 2)),
                     headers={"Content-Type": "application/json",
                              "Cookie": "govsec_session=" + admin.cookie,
                              "X-CSRF-Token": admin.csrf},
                     encode_chunked=True)
        r = Response(conn.getresponse())
    finally:
        conn.close()
    assert r.status == 413
    assert r.error()["code"] == "too_large"


def test_malformed_json(daemon, admin):
    r = admin.request("POST", "/api/units", raw=b'{"uscc": ')
    assert r.status == 400
    assert r.error()["code"] == "bad_request"
    r = admin.request("POST", "/api/units", raw=b'["not", "an", "object"]')
    assert r.status == 400
    r = admin.request("POST", "/api/units", raw=b'{"a": 1, "a": 2}')
    assert r.status == 400
    r = admin.request("POST", "/api/units", raw=b"uscc=1",
                      ctype="application/x-www-form-urlencoded")
    assert r.status == 415


def test_unknown_route_and_method(daemon, admin):
    r = admin.request("GET", "/api/nothing-here")
    assert r.status == 404
    assert r.error()["code"] == "not_found"
    r = admin.request("GET", "/api/units/x/y")
    assert r.status == 404
    r = Client(daemon).request("GET", "/nothing.html")
    assert r.status == 404
    r.error()
    r = admin.request("DELETE", "/api/findings")
    assert r.status == 405
    assert r.error()["code"] == "method_not_allowed"
    assert "GET" in r.headers["Allow"]


def test_stops_cleanly_on_sigterm(daemon):
    # Runs last in this module: the fixture's stop checks the exit status.
    assert daemon.proc.poll() is None
