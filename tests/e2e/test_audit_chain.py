"""End-to-end tests of the audit chain's defences (docs/audit.md).

The gate's decisions never wait for the store: a test process holds a
write transaction on the SQLite store while requests reach govsecd's gate
listener, every answer arrives while the lock is still held, and after it
is released every audit record is in the chain. Failed logins for unknown
names are counted, one record per address and window. The chain is keyed
and its heads are written outside the store, so cutting the tail, deleting
every record and rewriting records with plain SM3 are found by
`govsec audit verify` and GET /api/audit/verify without a saved anchor.
Loopback only; stdlib and pytest only.
"""

import hashlib
import http.client
import json
import re
import sqlite3
import subprocess
import time
import urllib.parse

import pytest

from conftest import (GOVSECD, cli_env, free_port, run_cli,
                      running_govsecd, tcp_ready)

ADMIN_PW = "console password 1"
PW = "bob password 12"
WINDOW = 2  # [audit] aggregate_seconds

POLICY = {
    "version": 1,
    "rules": [
        {"name": "blocked", "path": "^/blocked/", "action": "deny"},
        {"name": "public", "path": "^/public/", "action": "bypass"},
        {"name": "app", "path": "^/app/", "action": "one_factor"},
    ],
}


def ok(p, code=0):
    assert p.returncode == code, p.stdout + p.stderr
    return p


def count(db, where="1 = 1", args=()):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return con.execute(f"SELECT count(*) FROM audit WHERE {where}",
                           args).fetchone()[0]
    finally:
        con.close()


def rows(db, where, args=()):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return con.execute(f"SELECT actor, action, object FROM audit "
                           f"WHERE {where} ORDER BY seq", args).fetchall()
    finally:
        con.close()


def wait_for(what, deadline=30):
    """Polls what() until it is true (bounded); returns its last value."""
    until = time.monotonic() + deadline
    while True:
        v = what()
        if v or time.monotonic() > until:
            return v
        time.sleep(0.1)


class Daemon:
    def __init__(self, d, db, gp, cp):
        self.d, self.db, self.gp, self.cp = d, db, gp, cp

    def gate(self, method, path, headers=None, body=None, src="127.0.0.1",
             timeout=5):
        c = http.client.HTTPConnection("127.0.0.1", self.gp,
                                       timeout=timeout,
                                       source_address=(src, 0))
        try:
            c.request(method, path, body=body, headers=headers or {})
            r = c.getresponse()
            return r.status, r.getheaders(), r.read()
        finally:
            c.close()

    def decide(self, path, cookie=None, timeout=5):
        h = {"X-Original-URL": "http://app.test" + path}
        if cookie:
            h["Cookie"] = cookie
        return self.gate("GET", "/api/authz/auth-request", h,
                         timeout=timeout)[0]

    def login(self, user, password, src="127.0.0.1"):
        body = urllib.parse.urlencode({"username": user,
                                       "password": password, "lang": "en"})
        st, hdrs, _ = self.gate(
            "POST", "/govsec/login",
            {"Host": "app.test",
             "Content-Type": "application/x-www-form-urlencoded"},
            body, src=src, timeout=30)
        cookies = [v.split(";")[0] for k, v in hdrs
                   if k.lower() == "set-cookie"]
        return st, "; ".join(cookies)

    def console(self, method, path, body=None, cookie=None, csrf=None):
        h = {"Content-Type": "application/json"}
        if cookie:
            h["Cookie"] = cookie
        if csrf:
            h["X-CSRF-Token"] = csrf
        c = http.client.HTTPConnection("127.0.0.1", self.cp, timeout=30)
        try:
            c.request(method, path, body=json.dumps(body) if body else None,
                      headers=h)
            r = c.getresponse()
            data = r.read()
            return (r.status, dict(r.getheaders()),
                    json.loads(data) if data else None)
        finally:
            c.close()

    def admin(self):
        st, hdrs, j = self.console("POST", "/api/login",
                                   {"name": "admin", "password": ADMIN_PW})
        assert st == 200, j
        cookie = hdrs["Set-Cookie"].split(";")[0]
        return cookie


@pytest.fixture
def daemon(tmp_path):
    d = tmp_path
    db = d / "govsec.db"
    gp, cp = free_port(), free_port()
    conf = d / "govsec.conf"
    conf.write_text(f"""[store]
path = {db}
[console]
listen = 127.0.0.1:{cp}
secure_cookies = no
two_factor = optional
[gate]
listen = 127.0.0.1:{gp}
trusted_proxies = 127.0.0.1
allow_sample = 1
address_attempts = 1000
threads = 4
[audit]
aggregate_seconds = {WINDOW}
syslog = no
""")
    (d / "policy.json").write_text(json.dumps(POLICY))
    ok(run_cli(["gate", "import", d / "policy.json"], db=db))
    ok(run_cli(["gate", "user", "add", "bob", "--groups", "staff"], db=db,
               stdin=PW + "\n"))
    ok(run_cli(["user", "add", "admin", "--role", "admin"], db=db,
               stdin=ADMIN_PW + "\n"))
    with running_govsecd(conf, d / "govsecd.log", tcp_ready(gp)):
        yield Daemon(d, db, gp, cp)


def test_decisions_do_not_wait_for_a_locked_store(daemon):
    """Item 8: another writer holds the store; anonymous 401s, policy
    denies, bypasses and an existing session's allows are all answered
    while it holds it (each within 5 s, the store's busy timeout is 10 s),
    and once it lets go every audit record lands in one sound chain."""
    st, cookie = daemon.login("bob", PW)
    assert st in (200, 302, 303) and "__Host-govsec=" in cookie, st
    assert daemon.decide("/app/x", cookie) == 200
    assert wait_for(lambda: count(daemon.db, "action = 'gate.login'") == 1)
    before = wait_for(
        lambda: count(daemon.db, "action = 'gate.allow'") == 1 and
        count(daemon.db))
    n = 10
    con = sqlite3.connect(daemon.db, timeout=10, isolation_level=None)
    con.execute("BEGIN IMMEDIATE")
    try:
        con.execute("INSERT INTO settings(key, value) VALUES "
                    "('e2e.lock', 'held')")
        # long enough for the gate's poller to block on the store too
        time.sleep(1.5)
        for _ in range(n):
            assert daemon.decide("/app/x") == 401      # anonymous
            assert daemon.decide("/blocked/x") == 403  # policy deny
            assert daemon.decide("/public/x") == 200   # bypass (sampled)
            assert daemon.decide("/app/x", cookie) == 200  # session
        # nothing could be written while the lock was held
        assert con.execute("SELECT count(*) FROM audit").fetchone()[0] \
            == before
    finally:
        con.execute("ROLLBACK")
        con.close()
    want = before + 3 * n  # denies and both kinds of allow (allow_sample 1)
    assert wait_for(lambda: count(daemon.db) == want), count(daemon.db)
    assert count(daemon.db, "action = 'gate.deny'") == n
    assert count(daemon.db, "action = 'gate.allow'") == 1 + 2 * n
    p = ok(run_cli(["audit", "verify"], db=daemon.db))
    assert p.stdout.startswith(f"audit chain OK: {want} records")


def test_unknown_names_are_counted_not_written_each(daemon):
    """Item 16: 40 failed logins for unknown names from one address, at
    the gate's portal and at the console, become a few records that say
    how many there were; every attempt is counted."""
    for i in range(40):
        assert daemon.login(f"nobody{i}", "wrong", src="127.0.0.5")[0] == 401
        assert daemon.console("POST", "/api/login",
                              {"name": f"nobody{i}",
                               "password": "wrong"})[0] == 401
    # a known name still gets its own record
    assert daemon.login("bob", "wrong", src="127.0.0.5")[0] == 401

    def total(action):
        n = 0
        for _, _, obj in rows(daemon.db, "action = ?", (action,)):
            m = re.match(r"(\d+) failed logins? for (?:an )?unknown names? "
                         r"from (\S+) (?:between|at) ", obj)
            assert m, obj
            n += int(m.group(1))
        return n

    assert wait_for(lambda: total("gate.login.unknown") == 40 and
                    total("console.login_unknown") == 40)
    for action, src in (("gate.login.unknown", "127.0.0.5"),
                        ("console.login_unknown", "127.0.0.1")):
        recs = rows(daemon.db, "action = ?", (action,))
        assert 1 <= len(recs) < 40
        assert all(f" from {src} " in o for _, _, o in recs)
    assert count(daemon.db, "action = 'gate.login.fail'") == 1
    ok(run_cli(["audit", "verify"], db=daemon.db))


def test_cut_tail_and_rewrite_found_by_api_without_anchor(daemon):
    """Item 16: the heads file finds a cut tail and a chain rewritten with
    plain SM3 links; GET /api/audit/verify says so and takes an anchor."""
    cookie = daemon.admin()
    for i in range(3):
        ok(run_cli(["audit", "retention", str(400 + i)], db=daemon.db))
    st, _, v = daemon.console("GET", "/api/audit/verify", cookie=cookie)
    assert st == 200 and v["ok"] is True, v
    assert v["keyed"] == v["checked"] and v["plain"] == 0
    assert v["heads"] >= 3 and v["heads_file"] == str(daemon.db) + ".heads"
    head = f"{v['head_seq']}:{v['head']}"
    st, _, a = daemon.console("GET", "/api/audit/verify?anchor=" + head,
                              cookie=cookie)
    assert st == 200 and a["ok"] is True
    assert daemon.console("GET", "/api/audit/verify?anchor=3:xyz",
                          cookie=cookie)[0] == 400
    n = v["head_seq"]
    con = sqlite3.connect(daemon.db, timeout=10)
    with con:
        con.execute("DELETE FROM audit WHERE seq = ?", (n,))
    con.close()
    st, _, v = daemon.console("GET", "/api/audit/verify", cookie=cookie)
    assert st == 200 and v["ok"] is False
    assert v["reason"].startswith(f"the chain ends at record {n - 1} but a "
                                  f"head at record {n} was written at ")
    # rewrite every record as a plain SM3 chain (what someone without the
    # key file would do): each link is sound, the heads are not
    if "sm3" not in hashlib.algorithms_available:
        return
    con = sqlite3.connect(daemon.db, timeout=10)
    recs = con.execute("SELECT seq, at, actor, action, object, before, "
                       "after FROM audit ORDER BY seq").fetchall()
    prev = "0" * 64
    with con:
        for r in recs:
            b = prev.encode()
            for f in [str(r[0])] + list(r[1:]):
                b += b"-;" if f is None else \
                    f"{len(f.encode())}:".encode() + f.encode() + b";"
            h = hashlib.new("sm3", b).hexdigest()
            con.execute("UPDATE audit SET prev = ?, hash = ?, keyed = 0 "
                        "WHERE seq = ?", (prev, h, r[0]))
            prev = h
    con.close()
    st, _, v = daemon.console("GET", "/api/audit/verify", cookie=cookie)
    assert st == 200 and v["ok"] is False
    assert "differs from the head written for it" in v["reason"], v


def test_keyed_store_without_its_key_is_refused(tmp_path):
    """A keyed chain never gets a new key (it could not be verified nor
    continued): govsecd -n and govsec refuse a store whose key file is
    missing, and say which file it needs."""
    db = tmp_path / "govsec.db"
    ok(run_cli(["audit", "retention", "400"], db=db))
    key = tmp_path / "govsec.db.key"
    saved = key.read_bytes()
    assert key.stat().st_mode & 0o777 == 0o600
    key.unlink()
    conf = tmp_path / "govsec.conf"
    conf.write_text(f"[store]\npath = {db}\n")
    p = subprocess.run([str(GOVSECD), "-n", "-c", str(conf)],
                       capture_output=True, text=True, env=cli_env())
    assert p.returncode == 2 and "key file is needed" in p.stderr, p.stderr
    assert "configuration OK" not in p.stdout
    p = ok(run_cli(["audit", "verify"], db=db), 2)
    assert "key file is needed" in p.stderr
    assert not key.exists()
    key.write_bytes(saved)
    key.chmod(0o600)
    p = subprocess.run([str(GOVSECD), "-n", "-c", str(conf)],
                       capture_output=True, text=True, env=cli_env())
    assert p.returncode == 0 and p.stdout == "configuration OK\n", p.stderr
    ok(run_cli(["audit", "verify"], db=db))
