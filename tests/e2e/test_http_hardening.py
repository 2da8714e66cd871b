"""The console and public listeners under attack (issue 8, items 10 and 11).

Runs the real govsecd on loopback ports and talks raw HTTP over sockets:
half-sent requests held from many 127.0.0.x addresses and from one, a
client that trickles its request one byte at a time, Host headers of other
names (DNS rebinding), requests libmicrohttpd itself refuses, and logins
with names that do and do not exist. Every wait is bounded; nothing here
measures how fast govsecd is.
"""
import contextlib
import http.client
import json
import re
import select
import socket
import sqlite3
import subprocess
import time

import pytest

from conftest import (GOVSECD, cli_env, free_port, run_cli, running_govsecd,
                      tcp_ready)

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; "
       "img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; "
       "form-action 'self'")


@contextlib.contextmanager
def govsecd(tmp_path, console="", public=None):
    """govsecd with a console listener (extra [console] lines) and, when
    public is not None, a public listener (extra [public] lines). Yields
    (console port, public port or None, log path)."""
    cport = free_port()
    conf = (f"[store]\npath = {tmp_path / 'g.db'}\n"
            f"[console]\nlisten = 127.0.0.1:{cport}\nthreads = 2\n"
            "secure_cookies = no\ntwo_factor = optional\n" + console)
    pport = None
    if public is not None:
        pport = free_port()
        key = tmp_path / "leave.key"
        key.write_bytes(b"k" * 32)
        key.chmod(0o600)
        conf += (f"[public]\nlisten = 127.0.0.1:{pport}\n"
                 f"leave_key = {key}\n" + public)
    (tmp_path / "g.conf").write_text(conf)
    log = tmp_path / "govsecd.log"
    with running_govsecd(tmp_path / "g.conf", log,
                         tcp_ready(pport or cport)):
        yield cport, pport, log


def half_sent(port, source, host="127.0.0.1"):
    """A connection from source that sent part of a request head, or None
    if it could not be opened."""
    s = socket.socket()
    try:
        s.settimeout(5)
        s.bind((source, 0))
        s.connect((host, port))
        s.sendall(b"GET /leave HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        return s
    except OSError:
        s.close()
        return None


def closed_by_peer(s):
    """True if the peer has closed s (end of stream or reset); does not
    wait."""
    r, _, _ = select.select([s], [], [], 0)
    if not r:
        return False
    try:
        return s.recv(4096) == b""
    except OSError:
        return True


def fresh_get(port, path, source="127.0.0.200", headers=None):
    """GET path from a fresh client at source; the response and its body
    (socket timeout 10 s: a starved server fails the test, not hangs)."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10,
                                   source_address=(source, 0))
    try:
        c.request("GET", path, headers=headers or {})
        r = c.getresponse()
        return r, r.read()
    finally:
        c.close()


# ---- the settings ----

@pytest.mark.parametrize("section", ["console", "public"])
def test_limit_settings_are_checked(tmp_path, section):
    conf = tmp_path / "govsec.conf"
    for line, ok in (("connections = 16", True), ("connections = 15", False),
                     ("per_address = 0", True), ("per_address = -1", False),
                     ("header_timeout = 0", False),
                     ("header_timeout = 3600", True),
                     ("body_timeout = 86401", False),
                     ("idle_timeout = x", False)):
        conf.write_text(f"[{section}]\n{line}\n")
        p = subprocess.run([str(GOVSECD), "-n", "-c", str(conf), "-d",
                            str(tmp_path / "x.db")], capture_output=True,
                           text=True, env=cli_env(), timeout=60)
        key, _, value = line.partition(" = ")
        if ok:
            assert p.returncode == 0, p.stderr
        else:
            assert p.returncode == 2
            assert f"bad value '{value}' for [{section}] {key}" in p.stderr


# ---- item 10: slowloris ----

@pytest.mark.parametrize("listener", ["console", "public"])
def test_half_sent_requests_do_not_starve_the_listener(tmp_path, listener):
    # The deadline is far away: what keeps the fresh client served here is
    # the per-address limit and the connection capacity, nothing else.
    slow = "header_timeout = 300\n"
    with govsecd(tmp_path, console=slow, public=slow) as (cport, pport, log):
        port = cport if listener == "console" else pport
        many = [half_sent(port, f"127.0.0.{2 + i % 20}") for i in range(600)]
        one = [half_sent(port, "127.0.0.99") for _ in range(300)]
        try:
            held = [s for s in many if s is not None]
            assert len(held) == 600
            r, body = fresh_get(port, "/api/me" if listener == "console"
                                else "/leave")
            assert r.status == (401 if listener == "console" else 400)
            # The 600 were still held while the fresh client was served.
            assert not any(closed_by_peer(s) for s in held)
            # From the one address, at most per_address (32) stay open.
            deadline = time.monotonic() + 10
            opened = [s for s in one if s is not None]
            while time.monotonic() < deadline:
                still = [s for s in opened if not closed_by_peer(s)]
                if len(still) <= 32:
                    break
                time.sleep(0.1)
            assert len(still) <= 32
            assert "over connections (1024) or per_address (32)" in \
                log.read_text()
        finally:
            for s in many + one:
                if s is not None:
                    s.close()


def wait_closed(s, step, limit=30):
    """Sends step() bytes every 0.5 s until the peer closes s; True if it
    did within limit seconds."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if closed_by_peer(s):
            return True
        try:
            s.sendall(step())
        except OSError:
            return True
        time.sleep(0.5)
    return False


@pytest.mark.parametrize("listener", ["console", "public"])
def test_trickled_head_is_cut_off_at_the_deadline(tmp_path, listener):
    # Each byte comes well within idle_timeout: only the deadline for the
    # whole head can end this connection.
    conf = "header_timeout = 2\nidle_timeout = 60\n"
    with govsecd(tmp_path, console=conf, public=conf) as (cport, pport, log):
        port = cport if listener == "console" else pport
        s = half_sent(port, "127.0.0.3")
        assert s is not None
        try:
            assert wait_closed(s, lambda: b"a")
        finally:
            s.close()
        r, _ = fresh_get(port, "/api/me" if listener == "console"
                         else "/leave")
        assert r.status in (400, 401)
        assert "did not send a request head within 2 s" in log.read_text()


def test_trickled_body_is_cut_off_at_the_deadline(tmp_path):
    conf = "body_timeout = 2\nidle_timeout = 60\n"
    with govsecd(tmp_path, console=conf) as (cport, _, log):
        s = socket.create_connection(("127.0.0.1", cport), timeout=5)
        try:
            s.sendall(b"POST /api/login HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      b"Content-Type: application/json\r\n"
                      b"Content-Length: 100000\r\n\r\n{")
            assert wait_closed(s, lambda: b" ")
        finally:
            s.close()
        r, _ = fresh_get(cport, "/api/me")
        assert r.status == 401


def test_every_answer_closes_its_connection(tmp_path):
    # A second request on a connection would reach libmicrohttpd without
    # passing the door (its head deadline, its own error answers): each
    # answer says Connection: close, and the connection does close.
    with govsecd(tmp_path) as (cport, _, _):
        for path in (b"/api/me", b"/index.html"):
            # raw_request returns only once govsecd has closed (10 s).
            status, headers, _ = raw_request(
                cport, b"GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n" % path)
            assert status in (200, 401)
            assert headers["connection"] == "close"


# ---- item 11: DNS rebinding ----

def raw_request(port, head, source="127.0.0.1"):
    """Sends head (bytes, a whole request) and reads the answer until the
    server closes; returns (status, headers dict lower-cased, body)."""
    s = socket.socket()
    s.settimeout(10)
    s.bind((source, 0))
    s.connect(("127.0.0.1", port))
    try:
        s.sendall(head)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    finally:
        s.close()
    top, _, body = data.partition(b"\r\n\r\n")
    lines = top.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return int(lines[0].split()[1]), headers, body


def assert_security_headers(headers):
    assert headers["content-security-policy"] == CSP
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-frame-options"] == "DENY"


def test_console_refuses_other_host_names(tmp_path):
    conf = "hosts = console.example.gov.cn, govsec.internal\n"
    with govsecd(tmp_path, console=conf, public="") as (cport, pport, _):
        for host in ("evil.example", f"rebind.attacker.example:{cport}",
                     "console.example.gov.cn.evil.example", "127.0.0.1.x",
                     "localhost:80x", "[::1", "", "govsec"):
            for method, path in (("GET", "/api/me"), ("GET", "/"),
                                 ("POST", "/api/login")):
                status, headers, body = raw_request(
                    cport, f"{method} {path} HTTP/1.1\r\nHost: {host}\r\n"
                    "Content-Length: 0\r\nConnection: close\r\n\r\n"
                    .encode())
                assert status == 421, (host, path)
                err = json.loads(body)["error"]
                assert err["code"] == "misdirected"
                assert err["status"] == 421
                assert_security_headers(headers)
        for host in (f"127.0.0.1:{cport}", f"localhost:{cport}",
                     "LocalHost.", f"[::1]:{cport}", "10.1.2.3",
                     "Console.Example.GOV.cn.", "govsec.internal:443"):
            r, _ = fresh_get(cport, "/api/me", headers={"Host": host})
            assert r.status == 401, host
        # The public pages have no session to steal: any name will do.
        r, _ = fresh_get(pport, "/leave", headers={"Host": "evil.example"})
        assert r.status == 400


# ---- item 11: logins do not tell who has an account ----

def login(port, name, password):
    """POST /api/login; (status, Retry-After or None, body with the
    seconds of a lockout message blanked)."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        c.request("POST", "/api/login",
                  json.dumps({"name": name, "password": password}),
                  {"Content-Type": "application/json"})
        r = c.getresponse()
        body = re.sub(rb"\d+ seconds", b"N seconds", r.read())
        return r.status, r.getheader("Retry-After"), body
    finally:
        c.close()


def test_unknown_names_answer_and_lock_like_accounts(tmp_path):
    p = run_cli(["user", "add", "clerk", "--role", "viewer"],
                db=tmp_path / "g.db", stdin="Desk password 1\n")
    assert p.returncode == 0, p.stderr
    conf = "login_attempts = 3\nlockout_seconds = 600\n"
    with govsecd(tmp_path, console=conf) as (cport, _, log):
        seen = {}
        for name in ("clerk", "nobody"):
            seen[name] = [login(cport, name, f"wrong password {i}")
                          for i in range(5)]
        # The same statuses, bodies and Retry-After for both: the third
        # failure locks, whether the name has an account or not.
        assert [s for s, _, _ in seen["clerk"]] == [401, 401, 429, 429, 429]
        assert ([(s, b, ra is None) for s, ra, b in seen["nobody"]] ==
                [(s, b, ra is None) for s, ra, b in seen["clerk"]])
        # The locking answer says the whole lockout_seconds for both
        # (later ones count down and may differ by a second).
        assert seen["nobody"][2][1] == seen["clerk"][2][1] == "600"
        # Another unknown name has its own count, as another account would.
        assert login(cport, "nobody2", "x" * 8)[0] == 401
    with sqlite3.connect(tmp_path / "g.db") as db:
        locks = db.execute("SELECT object FROM audit WHERE action = "
                           "'console.lockout'").fetchall()
    assert sorted(o.split()[0] for o, in locks) == [
        "console-user:clerk", "console-user:nobody"]


# ---- item 11: answers to requests libmicrohttpd would refuse itself ----

PUBLIC_CSP = ("default-src 'none'; style-src 'unsafe-inline'; "
              "frame-ancestors 'none'; base-uri 'none'; form-action 'none'")

BAD_HEADS = [
    (414, b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"),
    (414, b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"),
    (431, b"GET / HTTP/1.1\r\nHost: x\r\n" +
     b"".join(b"X-%d: %s\r\n" % (i, b"v" * 1000) for i in range(40)) +
     b"\r\n"),
    (431, b"GET / HTTP/1.1\r\nHost: x\r\nX: " + b"v" * 70000 +
     b"\r\n\r\n"),
    (505, b"GET / HTTP/2.0\r\nHost: x\r\n\r\n"),
    (505, b"GET / HTTP/0.9\r\n\r\n"),
    (400, b"GET / HTTP/1.1\r\n\r\n"),  # no Host
    (400, b"GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n"),
    (400, b"GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n"),
    (400, b"GET / HTTP/1.1\r\nHost: x\r\nX : y\r\n\r\n"),
    (400, b"GET / HTTP/1.1\r\nHost: x\r\nX: y\r\n folded\r\n\r\n"),
    (400, b"GET / HTTP/1.1\r\nHost: x\r\nX: a\x00b\r\n\r\n"),
    (400, b"GET / HTTP/1.1\nHost: x\n\n"),
    (400, b"GET / HTTPS/1.1\r\nHost: x\r\n\r\n"),
    (400, b"GET  / HTTP/1.1\r\nHost: x\r\n\r\n"),
    (400, b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n"
          b"Content-Length: 2\r\n\r\nab"),
    (400, b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\na"),
    (400, b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n"
          b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
]


@pytest.mark.parametrize("listener", ["console", "public"])
def test_refused_heads_get_json_and_security_headers(tmp_path, listener):
    with govsecd(tmp_path, public="") as (cport, pport, log):
        port = cport if listener == "console" else pport
        for want, head in BAD_HEADS:
            status, headers, body = raw_request(port, head)
            assert status == want, head[:60]
            assert json.loads(body)["error"]["status"] == want
            assert headers["content-type"] == \
                "application/json; charset=utf-8"
            assert headers["content-security-policy"] == (
                CSP if listener == "console" else PUBLIC_CSP)
            assert headers["x-content-type-options"] == "nosniff"
            assert headers["referrer-policy"] == "no-referrer"
            assert headers["x-frame-options"] == "DENY"
            assert headers["cache-control"] == "no-store"
            assert headers["connection"] == "close"
        assert "127.0.0.1 - (request head refused) 505 -" in log.read_text()
        # and good requests still pass
        r, _ = fresh_get(port, "/api/me" if listener == "console"
                         else "/leave")
        assert r.status == (401 if listener == "console" else 400)
