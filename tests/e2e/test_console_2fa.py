"""End-to-end tests of the console's own second factor and password rules
(AUTH-1, MLPS-3; docs/api.md "Logging in", govsec(1) user totp/passwd).

Runs the real govsecd on a loopback port with a temporary store, enrols
factors with the real CLI, computes TOTP codes with oathtool (an
independent implementation) and reads the store with sqlite3 to see what
is kept at rest. Stdlib, pytest and conftest helpers only.
"""
import http.client
import json
import os
import re
import shutil
import sqlite3
import subprocess

import pytest

from conftest import (GOVSECD, cli_env, free_port, run_cli,
                      running_govsecd, tcp_ready)

OATHTOOL = "/usr/bin/oathtool"
ADMIN_PW = "Console-Boss-2fa!"
OPER_PW = "staff passphrase one"
ATTEMPTS = 3


def code(secret, offset=0):
    """The TOTP code of secret now (offset in 30 s steps)."""
    args = [OATHTOOL, "--totp", "-b", secret]
    if offset:
        args.append(f"--now=now {offset * 30:+d} seconds")
    return subprocess.run(args, capture_output=True, text=True, check=True,
                          timeout=30).stdout.strip()


def enrol(db, name):
    """govsec user totp NAME: (secret, recovery codes)."""
    p = run_cli(["user", "totp", name], db=db)
    assert p.returncode == 0, p.stderr
    secret = re.search(r"^secret: ([A-Z2-7]+)$", p.stdout, re.M).group(1)
    rec = re.findall(r"^  ([a-z2-9]{4}-[a-z2-9]{4})$", p.stdout, re.M)
    assert len(rec) == 10
    assert f"otpauth://totp/govsec%20console:{name}?secret={secret}" \
        in p.stdout
    return secret, rec


def add_user(db, name, pw, role):
    p = run_cli(["user", "add", name, "--role", role], db=db,
                stdin=pw + "\n")
    assert p.returncode == 0, p.stderr


class Client:
    def __init__(self, port):
        self.port = port
        self.cookie = None
        self.csrf = None

    def req(self, method, path, body=None):
        h = {}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        if self.cookie:
            h["Cookie"] = "govsec_session=" + self.cookie
        if self.csrf and method != "GET":
            h["X-CSRF-Token"] = self.csrf
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=data, headers=h)
            r = conn.getresponse()
            raw = r.read()
            m = re.match(r"govsec_session=([0-9a-f]{64});",
                         r.headers.get("Set-Cookie", ""))
            if m:
                self.cookie = m.group(1)
            j = json.loads(raw) if raw else None
            if r.status == 200 and j and "csrf" in j:
                self.csrf = j["csrf"]
            return r.status, j
        finally:
            conn.close()

    def login(self, name, pw):
        return self.req("POST", "/api/login", {"name": name, "password": pw})

    def code(self, c):
        return self.req("POST", "/api/login/code", {"code": c})


def conf_text(port, extra=""):
    return ("[console]\n"
            f"listen = 127.0.0.1:{port}\n"
            f"login_attempts = {ATTEMPTS}\n"
            "lockout_seconds = 600\n"
            "threads = 2\n" + extra)


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    """A store with admin (TOTP), oper (no factor) and its daemon with
    two_factor = admin; yields a namespace."""
    tmp = tmp_path_factory.mktemp("c2fa")

    class E:
        pass
    e = E()
    e.tmp = tmp
    e.db = tmp / "govsec.db"
    e.port = free_port()
    add_user(e.db, "admin", ADMIN_PW, "admin")
    add_user(e.db, "oper", OPER_PW, "operator")
    add_user(e.db, "locky", OPER_PW, "operator")
    add_user(e.db, "rec", OPER_PW, "operator")
    add_user(e.db, "nofactor", OPER_PW, "admin")
    add_user(e.db, "issnofactor", OPER_PW, "issuer")
    e.secret, e.rec = enrol(e.db, "admin")
    e.locky, _ = enrol(e.db, "locky")
    e.recsecret, e.reccodes = enrol(e.db, "rec")
    conf = tmp / "govsec.conf"
    conf.write_text(f"[store]\npath = {e.db}\n\n" +
                    conf_text(e.port, "two_factor = admin\n"))
    e.conf = conf
    with running_govsecd(conf, tmp / "govsecd.log", tcp_ready(e.port)):
        yield e


def sql(db, q, args=()):
    con = sqlite3.connect(db, timeout=10)
    try:
        rows = con.execute(q, args).fetchall()
        con.commit()
        return rows
    finally:
        con.close()


def test_seed_is_sealed_at_rest(env):
    """The base32 seed and its raw bytes appear nowhere in the store; the
    key file beside it is private."""
    dump = subprocess.run(["sqlite3", str(env.db), ".dump"],
                          capture_output=True, text=True, check=True,
                          timeout=60).stdout
    assert env.secret not in dump
    assert env.secret.lower() not in dump.lower()
    raw = env.db.read_bytes()
    assert env.secret.encode() not in raw
    (stored,) = sql(env.db, "SELECT totp_secret FROM console_users "
                    "WHERE name = 'admin'")[0]
    assert stored.startswith("sm4$")
    key = env.db.with_name("govsec.db.key")
    assert (key.stat().st_mode & 0o077) == 0
    for r in env.rec:
        assert r not in dump


def test_login_needs_the_code_and_partial_session_has_no_access(env):
    c = Client(env.port)
    st, j = c.login("admin", ADMIN_PW)
    assert st == 200, j
    assert j == {"user": "admin", "next": "code"}
    assert c.cookie is not None and c.csrf is None
    # the partial session grants nothing
    for method, path in (("GET", "/api/me"), ("GET", "/api/units"),
                         ("GET", "/api/audit"), ("GET", "/api/findings")):
        st, j = c.req(method, path)
        assert st == 401, (path, j)
    st, j = c.req("POST", "/api/password",
                  {"current": ADMIN_PW, "password": "Something-New-99"})
    assert st == 401
    st, j = c.code(code(env.secret))
    assert st == 200, j
    assert j["user"] == "admin" and j["role"] == "admin" and j["csrf"]
    st, j = c.req("GET", "/api/me")
    assert st == 200 and j["user"] == "admin"


def test_a_code_works_once(env):
    c1, c2 = Client(env.port), Client(env.port)
    assert c1.login("admin", ADMIN_PW)[0] == 200
    assert c2.login("admin", ADMIN_PW)[0] == 200
    # the next step's code: not used by the other tests yet
    cd = code(env.secret, 1)
    assert c1.code(cd)[0] == 200
    st, j = c2.code(cd)
    assert st == 401, j
    assert "code" in j["error"]["message"]
    assert c2.req("GET", "/api/me")[0] == 401


def test_wrong_codes_count_toward_the_lockout(env):
    c = Client(env.port)
    assert c.login("locky", OPER_PW)[0] == 200
    assert sql(env.db, "SELECT failures FROM console_users WHERE "
               "name = 'locky'") == [(1,)]
    st, j = c.code("000000" if code(env.locky) != "000000" else "111111")
    assert st == 401
    assert j["error"]["message"] == "wrong, used or expired code"
    assert sql(env.db, "SELECT failures FROM console_users WHERE "
               "name = 'locky'") == [(2,)]
    st, j = c.code("123-456")
    assert st == 429, j
    # locked: the partial session is gone and the password is refused
    assert c.code(code(env.locky))[0] == 401
    assert Client(env.port).login("locky", OPER_PW)[0] == 429
    acts = [a for (a,) in sql(env.db, "SELECT action FROM audit WHERE "
                              "object LIKE 'console-user:locky%'")]
    assert acts.count("console.login_failed") == 2
    assert "console.lockout" in acts


def test_recovery_code_works_once(env):
    c = Client(env.port)
    assert c.login("rec", OPER_PW)[0] == 200
    st, j = c.code(env.reccodes[0])
    assert st == 200, j
    assert c.req("GET", "/api/me")[0] == 200
    c2 = Client(env.port)
    assert c2.login("rec", OPER_PW)[0] == 200
    st, j = c2.code(env.reccodes[0])
    assert st == 401, j
    st, j = c2.code(env.reccodes[1])
    assert st == 200, j
    acts = [a for (a,) in sql(env.db, "SELECT action FROM audit WHERE "
                              "object = 'console-user:rec'")]
    assert acts.count("console.recovery_used") == 2


def test_account_without_factor(env):
    """two_factor = admin: an admin or an issuer (who signs certificates)
    without a factor is told how to get one; an operator without one logs
    in with the password."""
    for name in ("nofactor", "issnofactor"):
        c = Client(env.port)
        st, j = c.login(name, OPER_PW)
        assert st == 403, j
        assert f"govsec user totp {name}" in j["error"]["message"]
        assert c.req("GET", "/api/me")[0] == 401
    c = Client(env.port)
    st, j = c.login("oper", OPER_PW)
    assert st == 200 and "next" not in j and j["csrf"]


def test_password_change_rules_and_reuse(env):
    c = Client(env.port)
    assert c.login("oper", OPER_PW)[0] == 200
    other = Client(env.port)
    assert other.login("oper", OPER_PW)[0] == 200
    cases = [
        ("short1A!", "too short"),
        ("abcdefghijkl", "too simple"),
        ("my-oper-Pass-77", "must not contain the user name"),
        (OPER_PW, "was used before"),
    ]
    for pw, msg in cases:
        st, j = c.req("POST", "/api/password",
                      {"current": OPER_PW, "password": pw})
        assert st == 422, (pw, j)
        assert msg in j["error"]["message"], (pw, j)
    st, j = c.req("POST", "/api/password",
                  {"current": "not it", "password": "Fresh-Pass-2026"})
    assert st == 401 and "current password" in j["error"]["message"]
    st, j = c.req("POST", "/api/password",
                  {"current": OPER_PW, "password": "Fresh-Pass-2026"})
    assert st == 200, j
    assert c.req("GET", "/api/me")[0] == 200
    # the other sessions of the account ended
    assert other.req("GET", "/api/me")[0] == 401
    st, j = c.req("POST", "/api/password",
                  {"current": "Fresh-Pass-2026", "password": OPER_PW})
    assert st == 422 and "was used before" in j["error"]["message"]
    n = sql(env.db, "SELECT count(*) FROM console_password_history WHERE "
            "user = 'oper'")[0][0]
    assert n == 1
    st, j = c.req("POST", "/api/password",
                  {"current": "Fresh-Pass-2026", "password": OPER_PW + "!"})
    assert st == 200, j


def test_expired_password_must_change_first(env):
    sql(env.db, "UPDATE console_users SET password_changed = 1000 WHERE "
        "name = 'oper'")
    pw = OPER_PW + "!"
    c = Client(env.port)
    st, j = c.login("oper", pw)
    assert st == 200 and j["next"] == "password", j
    assert c.req("GET", "/api/me")[0] == 401
    assert c.req("GET", "/api/units")[0] == 401
    st, j = c.req("POST", "/api/password",
                  {"current": pw, "password": "Renewed-Pass-2027"})
    assert st == 200 and "next" not in j, j
    assert c.req("GET", "/api/me")[0] == 200


def test_cli_password_rules(tmp_path):
    db = tmp_path / "govsec.db"
    for name, pw, msg in (
            ("ann", "Short-1", "too short: it needs at least 12"),
            ("ann", "alllowercase12", "too simple"),
            ("ann", "Hello-ANN-2026x", "must not contain the user name")):
        p = run_cli(["user", "add", name], db=db, stdin=pw + "\n")
        assert p.returncode == 2 and msg in p.stderr, p.stderr
    add_user(db, "ann", "Hello-there-2026", "viewer")
    p = run_cli(["user", "passwd", "ann"], db=db,
                stdin="Hello-there-2026\n")
    assert p.returncode == 2 and "was used before" in p.stderr
    p = run_cli(["user", "passwd", "ann"], db=db, stdin="Other-words-2027\n")
    assert p.returncode == 0, p.stderr
    # a longer minimum from the configuration
    conf = tmp_path / "c.conf"
    conf.write_text("[console]\npassword_min_length = 20\n")
    p = run_cli(["-c", conf, "user", "passwd", "ann"], db=db,
                stdin="Third-words-2028\n")
    assert p.returncode == 2 and "at least 20" in p.stderr


def test_store_without_its_key_file(env, tmp_path):
    """A copy of the store without its key file cannot open the seeds:
    govsecd and govsec refuse and say why; another key file is named as
    the wrong one."""
    copy = tmp_path / "copy.db"
    con = sqlite3.connect(env.db, timeout=10)
    try:
        con.execute(f"VACUUM INTO '{copy}'")
    finally:
        con.close()
    os.chmod(copy, 0o600)  # govsecd refuses a store others may read
    conf = tmp_path / "c.conf"
    conf.write_text(conf_text(free_port()))
    p = subprocess.run([str(GOVSECD), "-n", "-c", str(conf), "-d",
                        str(copy)], capture_output=True, text=True,
                       timeout=60, env=cli_env())
    assert p.returncode != 0
    # refused for the sealed seeds or, first, for the keyed audit chain
    assert ("holds secrets sealed under its key file" in p.stderr or
            "the audit chain is keyed" in p.stderr), p.stderr
    assert "copy.db.key" in p.stderr
    assert not (tmp_path / "copy.db.key").exists()
    p = run_cli(["user", "totp", "admin"], db=copy)
    assert p.returncode == 2 and "key file" in p.stderr
    # a key file of another store
    other = tmp_path / "other.db"
    add_user(other, "x", OPER_PW, "viewer")
    enrol(other, "x")
    shutil.copy(tmp_path / "other.db.key", tmp_path / "copy.db.key")
    os.chmod(tmp_path / "copy.db.key", 0o600)
    p = subprocess.run([str(GOVSECD), "-n", "-c", str(conf), "-d",
                        str(copy)], capture_output=True, text=True,
                       timeout=60, env=cli_env())
    assert p.returncode != 0
    assert "is not the one its secrets were sealed with" in p.stderr


def test_gate_seed_in_clear_is_sealed(tmp_path):
    """A gate TOTP seed an older govsec stored in clear is sealed when a
    command that holds the key runs, and the gate's enrolment seals."""
    db = tmp_path / "govsec.db"
    p = run_cli(["gate", "user", "add", "li", "--groups", "staff"], db=db,
                stdin="gate user password 1\n")
    assert p.returncode == 0, p.stderr
    p = run_cli(["gate", "totp", "li"], db=db)
    assert p.returncode == 0, p.stderr
    secret = re.search(r"^secret: ([A-Z2-7]+)$", p.stdout, re.M).group(1)
    assert sql(db, "SELECT totp_secret LIKE 'sm4$%' FROM gate_users") \
        == [(1,)]
    assert secret.encode() not in db.read_bytes()
    sql(db, "UPDATE gate_users SET totp_secret = ?", (secret,))
    add_user(db, "admin", ADMIN_PW, "admin")
    p = run_cli(["user", "totp", "admin"], db=db)
    assert p.returncode == 0, p.stderr
    (v,) = sql(db, "SELECT totp_secret FROM gate_users")[0]
    assert v.startswith("sm4$") and secret not in v
    acts = [a for (a,) in sql(db, "SELECT action FROM audit")]
    assert "gate.totp.seal" in acts


def test_security_key_routes(env):
    """A login waiting for its second factor may not register keys; one
    without keys gets 409 at the key step; a ceremony needs an Origin
    naming the Host. (Real assertions: tests/browser/console2fa.test.mjs.)"""
    c = Client(env.port)
    assert c.login("admin", ADMIN_PW)[0] == 200
    assert c.req("GET", "/api/keys")[0] == 401
    assert c.req("POST", "/api/keys/begin", {})[0] == 401
    st, j = c.req("POST", "/api/login/key/begin", {})
    assert st == 400 and "Origin" in j["error"]["message"], j
    h = {"Origin": f"http://127.0.0.1:{env.port}",
         "Content-Type": "application/json",
         "Cookie": "govsec_session=" + c.cookie}
    conn = http.client.HTTPConnection("127.0.0.1", env.port, timeout=30)
    conn.request("POST", "/api/login/key/begin", body=b"{}", headers=h)
    r = conn.getresponse()
    j = json.loads(r.read())
    conn.close()
    assert r.status == 409 and "no security key" in j["error"]["message"]
    # a forged finish without a ceremony counts nothing and opens nothing
    st, j = c.req("POST", "/api/login/key/finish",
                  {"id": "AAAA", "clientDataJSON": "e30",
                   "authenticatorData": "AAAA", "signature": "AAAA"})
    assert st == 400, j
    assert c.req("GET", "/api/me")[0] == 401


def test_temporary_password_must_be_changed(env):
    """govsec user passwd NAME --temporary: the next login must choose a
    new password before anything else."""
    p = run_cli(["user", "passwd", "oper", "--temporary"], db=env.db,
                stdin="Temporary-Pass-31\n")
    assert p.returncode == 0, p.stderr
    assert "changed at the next login" in p.stdout
    c = Client(env.port)
    st, j = c.login("oper", "Temporary-Pass-31")
    assert st == 200 and j["next"] == "password", j
    assert c.req("GET", "/api/units")[0] == 401
    st, j = c.req("POST", "/api/password", {"current": "Temporary-Pass-31",
                                            "password": "Chosen-Pass-32"})
    assert st == 200 and "next" not in j, j
    assert c.req("GET", "/api/units")[0] == 200
    acts = [a for (a,) in sql(env.db, "SELECT action FROM audit WHERE "
                              "object = 'console-user:oper'")]
    assert "console.user.expire" in acts
