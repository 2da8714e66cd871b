"""End-to-end tests of the gate against attacks through a REAL nginx
(docs/gate.md, "Deploying safely"): the shipped snippets
(docs/deploy/nginx-gate*.conf) in front of two static applications on two
host names, a catch-all default server, TLS with optional client
certificates as device credentials, and a gate whose portal is open to one
network only. Each test is an attack that got through before the fix it
names: a request line naming another host than Host, a trailing dot,
unknown hosts, ";" and backslash dot segments, a forged device header, the
metrics through nginx, guessing at the portal from anywhere, a stalled
gate. Raw HTTP over sockets, so that requests can say what browsers never
would. Stdlib and pytest only.
"""

import hashlib
import http.client
import json
import os
import re
import socket
import sqlite3
import ssl
import subprocess
import time
import urllib.parse

import pytest

from conftest import (free_port, require, running_govsecd, self_signed,
                      silent_socket, tcp_ready)
from nginxlab import default_server, gate_server, running_gate_nginx
from test_gate import NGINX, audit_rows, gate_cli

APP, ADMIN = "app.test", "admin.test"
PW = {"dora": "dora password 12", "mallory": "mallory password 1",
      "erin": "erin password 123"}
ATTEMPTS = 5
FP_HEADER = "X-Client-Cert-Fingerprint"

POLICY = {
    "version": 1,
    "rules": [
        {"name": "admin-open-deny", "hosts": [ADMIN], "path": "^/open/",
         "action": "deny"},
        {"name": "open", "path": "^/open/", "action": "bypass"},
        {"name": "public", "hosts": [APP], "path": "^/public/",
         "action": "bypass"},
        {"name": "admin", "hosts": [ADMIN], "action": "one_factor"},
        {"name": "dev", "hosts": [APP], "path": "^/dev/",
         "devices": ["approved"], "action": "one_factor"},
        {"name": "app", "hosts": [APP], "path": "^/app/",
         "action": "one_factor"},
    ],
}

def nginx_blocks(d, np, tp):
    """Two protected servers and the catch-all default server, as
    docs/gate.md's "Deploying safely" lays them out; app.test also on TLS
    with optional client certificates."""
    return [
        default_server([f"127.0.0.1:{np} default_server",
                        f"127.0.0.1:{tp} ssl default_server"]),
        gate_server(APP, [f"127.0.0.1:{np}", f"127.0.0.1:{tp} ssl"],
                    f"{d}/www", server_extra=(
                        f"ssl_certificate {d}/tls.pem;",
                        f"ssl_certificate_key {d}/tls.key;",
                        "ssl_verify_client optional_no_ca;")),
        gate_server(ADMIN, [f"127.0.0.1:{np}"], f"{d}/www-admin"),
    ]


class Site:
    """The running pair and raw HTTP(S) through nginx."""

    def __init__(self, d, db, np, tp, gp, recovery):
        self.d, self.db, self.np, self.tp, self.gp = d, db, np, tp, gp
        self.recovery = recovery  # user -> unused recovery codes

    def raw(self, head, body=b"", src="127.0.0.2", tls=False, sni=APP,
            cert=None, port=None):
        """Sends the request head (lines without CRLFs; Connection: close
        and Content-Length are added) and body; (status, headers, body)."""
        s = socket.create_connection(
            ("127.0.0.1", port or (self.tp if tls else self.np)), 30,
            source_address=(src, 0))
        try:
            if tls:
                ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
                if cert:
                    ctx.load_cert_chain(self.d / f"{cert}.pem",
                                        self.d / f"{cert}.key")
                s = ctx.wrap_socket(s, server_hostname=sni)
            lines = list(head) + ["Connection: close"]
            if body:
                lines.append(f"Content-Length: {len(body)}")
            s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
                      + body)
            r = http.client.HTTPResponse(s)
            r.begin()
            return r.status, r.getheaders(), r.read()
        finally:
            s.close()

    def get(self, path, host=APP, **kw):
        return self.raw([f"GET {path} HTTP/1.1", f"Host: {host}"], **kw)

    def login(self, user, password=None, code=None, extra=(), **kw):
        """POSTs the login form; (status, cookie jar, body)."""
        if code is None:
            code = self.recovery[user].pop()
        form = urllib.parse.urlencode(
            {"username": user, "password": password or PW[user],
             "code": code, "lang": "en"}).encode()
        st, hdrs, body = self.raw(
            ["POST /govsec/login HTTP/1.1", f"Host: {APP}",
             "Content-Type: application/x-www-form-urlencoded", *extra],
            body=form, **kw)
        jar = {}
        for k, v in hdrs:
            if k.lower() == "set-cookie":
                name, _, rest = v.partition("=")
                jar[name] = rest.split(";")[0]
        return st, jar, body


def audited(db, action, pred, n=1):
    """Waits (10 s at most: audit records may be written by a thread of
    their own) until n records of action satisfy pred(after); their
    number."""
    deadline = time.monotonic() + 10
    while True:
        k = sum(1 for _, a in audit_rows(db, action) if pred(a or ""))
        if k >= n or time.monotonic() > deadline:
            return k
        time.sleep(0.05)


def cookie_line(jar):
    return "Cookie: " + "; ".join(f"{k}={v}" for k, v in jar.items())


def client_cert(d, name):
    """A self-signed client certificate name.pem/name.key in d; nginx's
    $ssl_client_fingerprint of it (SHA-1 of the DER, lower-case hex)."""
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                    f"{name}.key", "-out", f"{name}.pem", "-days", "2",
                    "-subj", f"/CN={name}"],
                   cwd=d, check=True, capture_output=True)
    der = ssl.PEM_cert_to_DER_cert((d / f"{name}.pem").read_text())
    return hashlib.sha1(der).hexdigest()


def device_id(fingerprint):
    """The gate's device id for a device header value (portal.c)."""
    return "c" + hashlib.sha256(fingerprint.encode()).hexdigest()[:31]


def devices(db):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return con.execute("SELECT id, user, approved FROM gate_devices"
                           ).fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    require(NGINX, "nginx-light")
    d = tmp_path_factory.mktemp("attack")
    os.chmod(d, 0o755)  # for nginx; the store has a private directory
    (d / "store").mkdir(mode=0o700)
    db = d / "store" / "govsec.db"
    for root, tag in (("www", "app"), ("www-admin", "admin back-end")):
        for sub in ("public", "open", "app", "dev"):
            (d / root / sub).mkdir(parents=True)
            (d / root / sub / "index.html").write_text(
                f"<p>{tag} {sub}</p>\n")
    self_signed(d, APP)
    np, tp, gp = free_port(), free_port(), free_port()
    conf = d / "govsec.conf"
    conf.write_text(f"""[store]
path = {db}
[gate]
listen = 127.0.0.1:{gp}
trusted_proxies = 127.0.0.1
device_header = {FP_HEADER}
portal_networks = 127.0.0.0/28, ::1
login_attempts = {ATTEMPTS}
address_attempts = 1000
lockout_seconds = 600
allow_sample = 0
""")
    (d / "policy.json").write_text(json.dumps(POLICY))
    assert gate_cli(db, "gate", "import", d / "policy.json")[0] == 0
    recovery = {}
    for u in PW:
        rc, _, err = gate_cli(db, "gate", "user", "add", u, "--groups",
                              "staff", stdin=PW[u] + "\n")
        assert rc == 0, err
        rc, out, err = gate_cli(db, "gate", "totp", u)
        assert rc == 0, err
        recovery[u] = re.findall(r"^  ([a-z0-9]{4}-[a-z0-9]{4})$", out, re.M)
        assert len(recovery[u]) == 10
    with running_govsecd(conf, d / "govsecd.log", tcp_ready(gp)), \
            running_gate_nginx(d, [gp], np, APP, ports=[np, tp],
                               blocks=nginx_blocks(d, np, tp)):
        yield Site(d, db, np, tp, gp, recovery)


# ---- item 1: the host nginx served is the host judged -----------------------

def test_sane_requests_pass(site):
    st, _, body = site.get("/public/index.html")
    assert st == 200 and body == b"<p>app public</p>\n"
    st, hdrs, _ = site.get("/app/index.html")
    assert st == 302
    st, _, _ = site.get("/", host=ADMIN)
    assert st == 302


def test_request_line_host_against_host_header(site):
    """nginx serves the request line's host; Host said another. Before,
    X-Original-URL carried Host ($http_host) and admin.test's files went
    out under app.test's public rule."""
    for target, host in ((f"http://{ADMIN}/public/index.html", APP),
                         (f"http://{ADMIN}:80/public/index.html", APP),
                         (f"http://{APP}/public/index.html", ADMIN)):
        st, _, body = site.raw([f"GET {target} HTTP/1.1", f"Host: {host}"])
        assert st == 403 and b"admin back-end" not in body, (target, host)
    assert audited(site.db, "gate.deny",
                   lambda a: "X-Forwarded-Host" in a) >= 1
    # the same in the request line and Host is fine
    st, _, body = site.raw([f"GET http://{APP}/public/index.html HTTP/1.1",
                            f"Host: {APP}"])
    assert st == 200 and body == b"<p>app public</p>\n"


def test_trailing_dot_and_case_are_the_same_host(site):
    """'Admin.Test.' is admin.test (nginx serves it as such): its deny
    rule applies, not the rule for any host."""
    for host in ("Admin.Test.", "ADMIN.TEST", f"admin.test.:{site.np}"):
        st, _, body = site.get("/open/index.html", host=host)
        assert st == 403 and b"admin" not in body, host
    # judged as admin.test, not refused as a mismatch
    assert audited(site.db, "gate.deny",
                   lambda a: "rule 'admin-open-deny'" in a, 3) == 3
    st, _, body = site.get("/open/index.html", host="App.Test.")
    assert st == 200 and body == b"<p>app open</p>\n"


def test_unknown_hosts_get_no_answer(site):
    """The catch-all default server (nginx-gate-default.conf) closes the
    connection; before, the first server answered any host."""
    for head in (["GET /public/index.html HTTP/1.1", "Host: other.test"],
                 [f"GET http://other.test/public/index.html HTTP/1.1",
                  f"Host: {APP}"],
                 ["GET /public/index.html HTTP/1.1", "Host: 127.0.0.1"]):
        with pytest.raises(http.client.RemoteDisconnected):
            site.raw(head)
    # over TLS an unknown name gets no certificate, a known one works
    with pytest.raises(ssl.SSLError):
        site.get("/public/index.html", tls=True, sni="other.test")
    st, _, body = site.get("/public/index.html", tls=True)
    assert st == 200 and body == b"<p>app public</p>\n"


def test_old_snippet_without_served_host_is_logged(site):
    """An auth request from the proxy without X-Forwarded-Host (a copy of
    the snippet from before it) is judged on the URL alone, and govsecd
    says so in its log, once."""
    log = site.d / "govsecd.log"
    for _ in range(2):
        c = http.client.HTTPConnection("127.0.0.1", site.gp, timeout=10)
        c.request("GET", "/api/verify", headers={
            "X-Original-URL": f"http://{APP}/public/index.html",
            "X-Forwarded-For": "127.0.0.3"})
        r = c.getresponse()
        r.read()
        c.close()
        assert r.status == 200
    deadline = time.monotonic() + 10
    while "sends no X-Forwarded-Host" not in log.read_text() and \
            time.monotonic() < deadline:
        time.sleep(0.05)
    assert log.read_text().count("sends no X-Forwarded-Host") == 1


def test_portal_refuses_another_host_than_served(site):
    st, _, _ = site.raw([f"GET http://{ADMIN}/govsec/login HTTP/1.1",
                         f"Host: {APP}"])
    assert st == 400
    st, _, body = site.get("/govsec/login?lang=en", host="App.Test.")
    assert st == 200 and b"Sign in" in body


# ---- item 2: ";" parameters and backslashes ---------------------------------

@pytest.mark.parametrize("path", [
    "/public/..;/app/index.html",
    "/public/.;/app/index.html",
    "/public/..;jsessionid=1/app/index.html",
    "/public/%2e%2e;/app/index.html",
    "/public/..%3b/app/index.html",
    "/public/..\\app/index.html",
    "/public/..\\..\\app\\index.html",
])
def test_parameter_and_backslash_dot_segments_refused(site, path):
    """Tomcat/Spring cut ';...' off before resolving '..', IIS takes '\\'
    for '/': such paths matched '^/public/' and passed as public."""
    st, _, _ = site.get(path)
    assert st == 403, path
    assert audited(site.db, "gate.deny",
                   lambda a: "malformed X-Original-URL" in a) >= 1


# ---- item 4: the device certificate -----------------------------------------

def test_device_certificate_logs_in_and_is_kept(site):
    """With [gate] device_header, a login with a client certificate leads
    to the application (before: back to the login page, the portal never
    saw the certificate), and the session works with that certificate
    only."""
    fp = client_cert(site.d, "dora-laptop")
    st, jar, body = site.login("dora", tls=True, cert="dora-laptop")
    assert st == 200 and "__Host-govsec" in jar, body
    assert "__Host-govsec-device" not in jar
    assert (device_id(fp), "dora", 0) in devices(site.db)
    st, _, body = site.raw(["GET /app/index.html HTTP/1.1", f"Host: {APP}",
                            cookie_line(jar)], tls=True, cert="dora-laptop")
    assert st == 200 and body == b"<p>app app</p>\n"
    # the session belongs to the certificate: without it, or with
    # another one, it is not a session
    client_cert(site.d, "other-box")
    for kw in ({"tls": True}, {"tls": True, "cert": "other-box"}, {}):
        st, _, _ = site.raw(["GET /app/index.html HTTP/1.1",
                             f"Host: {APP}", cookie_line(jar)], **kw)
        assert st == 302, kw
    # and a forged header does not stand in for it
    st, _, _ = site.raw(["GET /app/index.html HTTP/1.1", f"Host: {APP}",
                         cookie_line(jar), f"{FP_HEADER}: {fp}"])
    assert st == 302


def test_client_sent_fingerprint_is_not_believed(site):
    """A client's own X-Client-Cert-Fingerprint at the portal: before, the
    gate registered that certificate's device to whoever logged in
    (and could take a colleague's certificate id)."""
    forged = hashlib.sha1(b"a certificate mallory does not have").hexdigest()
    for kw in ({}, {"tls": True}):
        st, jar, _ = site.login("mallory", extra=[f"{FP_HEADER}: {forged}"],
                                **kw)
        assert st == 200 and "__Host-govsec" in jar
    rows = devices(site.db)
    assert not any(i == device_id(forged) for i, _, _ in rows), rows
    # with a certificate, nginx's value wins over the client's
    fp = client_cert(site.d, "mallory-box")
    st, jar, _ = site.login("mallory", extra=[f"{FP_HEADER}: {forged}"],
                            tls=True, cert="mallory-box")
    assert st == 200
    rows = devices(site.db)
    assert (device_id(fp), "mallory", 0) in rows
    assert not any(i == device_id(forged) for i, _, _ in rows), rows


# ---- item 6: metrics ----------------------------------------------------------

def test_metrics_not_through_nginx(site):
    for path in ("/govsec/metrics", "/govsec/metrics?x=1",
                 "/govsec//metrics", "/govsec/%6detrics"):
        st, _, body = site.get(path)
        assert st == 404 and b"decisions" not in body, path
    # the gate itself refuses what a proxy forwards, even from the proxy
    for h in ({"X-Forwarded-For": "198.51.100.7"},
              {"X-Original-URL": f"http://{APP}/"},
              {"X-Real-IP": "198.51.100.7"},
              {"Forwarded": "for=198.51.100.7"}):
        c = http.client.HTTPConnection("127.0.0.1", site.gp, timeout=10)
        c.request("GET", "/govsec/metrics", headers={"Host": APP, **h})
        r = c.getresponse()
        assert r.status == 403 and b"decisions" not in r.read(), h
        c.close()
    # asked on the machine itself (bench/gate) it answers
    c = http.client.HTTPConnection("127.0.0.1", site.gp, timeout=10)
    c.request("GET", "/govsec/metrics")
    r = c.getresponse()
    assert r.status == 200 and "decisions" in json.loads(r.read())
    c.close()


# ---- item 9: the portal by network, timeouts ----------------------------------

def test_portal_only_from_its_networks(site):
    """[gate] portal_networks: from elsewhere no login page and no
    attempt, so nobody out there can lock a staff account."""
    far = "127.0.0.20"
    st, _, body = site.get("/govsec/login", src=far)
    assert st == 403 and b"not open to this network" in body
    for _ in range(ATTEMPTS + 2):
        st, jar, _ = site.login("erin", password="wrong", code="",
                                src=far)
        assert st == 403 and not jar
    for path in ("/govsec/key/login/begin", "/govsec/enrol"):
        st, _, _ = site.raw([f"POST {path} HTTP/1.1", f"Host: {APP}",
                             "Content-Type: application/json"],
                            body=b"{}", src=far)
        assert st == 403, path
    # protected pages still send the far client to the (closed) portal
    assert site.get("/app/index.html", src=far)[0] == 302
    # the account is not locked: erin logs in from the office
    fp = client_cert(site.d, "erin-pc")
    st, jar, body = site.login("erin", tls=True, cert="erin-pc")
    assert st == 200 and "__Host-govsec" in jar, body
    assert (device_id(fp), "erin", 0) in devices(site.db)
    assert not audit_rows(site.db, "gate.login.fail")


def test_config_check_portal_networks(tmp_path):
    from conftest import GOVSECD, cli_env
    for value, ok in (("10.0.0.0/8, 2001:db8::/32", True),
                      ("10.0.0.1/8", False), ("office", False)):
        conf = tmp_path / "g.conf"
        conf.write_text(f"[store]\npath = {tmp_path}/g.db\n[gate]\n"
                        f"listen = 127.0.0.1:8441\n"
                        f"portal_networks = {value}\n")
        p = subprocess.run([str(GOVSECD), "-n", "-c", str(conf)],
                           capture_output=True, text=True, env=cli_env())
        if ok:
            assert p.returncode == 0, p.stderr
        else:
            assert p.returncode == 2, p.stderr
            assert "[gate] portal_networks" in p.stderr, p.stderr


def test_stalled_gate_is_an_error_not_a_hang(tmp_path):
    """A gate that accepts and never answers: the shipped auth location's
    proxy timeouts turn it into a 500 well before the client's 30 s
    (nginx's default read timeout is 60 s)."""
    require(NGINX, "nginx-light")
    os.chmod(tmp_path, 0o755)
    (tmp_path / "www" / "app").mkdir(parents=True)
    (tmp_path / "www" / "app" / "index.html").write_text("app\n")
    np = free_port()
    with silent_socket() as gp, \
            running_gate_nginx(tmp_path, [gp], np, APP):
        s = socket.create_connection(("127.0.0.1", np), 30)
        s.sendall(f"GET /app/index.html HTTP/1.1\r\nHost: {APP}\r\n"
                  "Connection: close\r\n\r\n".encode())
        r = http.client.HTTPResponse(s)
        r.begin()  # socket.timeout here: nginx waited on
        assert r.status == 500 and b"app" not in r.read()
        s.close()
