"""Several govsecd on one PostgreSQL (issue 14): two instances share a
real PostgreSQL 15 (conftest's pg_server) behind a real nginx whose
upstream holds both gates. A session made through one is honoured by the
other; an administrator's revocation takes effect on both (the time it
takes is measured and printed); lockout counts stay exact under parallel
wrong passwords spread over the two; and the audit chain both append to at
once stays one chain. Stdlib and pytest only.
"""
import contextlib
import http.client
import json
import os
import time

import pytest

from conftest import (free_port, require, run_cli, running_govsecd,
                      tcp_ready, wait_until)
from nginxlab import GateClient, running_gate_nginx

ATTEMPTS = 5
ADDR_ATTEMPTS = 12
HOST = "app.test"
PW = {"bob": "bob password 1", "dave": "dave password 12"}

def policy():
    return {"version": 1,
            "networks": {"office": ["127.0.0.0/24"]},
            "rules": [{"name": "public", "path": "^/public/",
                       "action": "bypass"},
                      {"name": "office", "path": "^/app/",
                       "networks": ["office"], "action": "one_factor"}]}


class Pair(GateClient):
    def __init__(self, d, env, np, gps):
        super().__init__(np, HOST)
        self.d, self.env, self.gps = d, env, gps

    def cli(self, *args, stdin=None):
        return run_cli(args, db=self.uri, stdin=stdin, env=self.env)

    def login(self, user, password, src="127.0.0.2"):
        return super().login(user, password, src=src)[:2]

    def direct(self, i, jar, src="127.0.0.2"):
        """The decision of instance i alone (as nginx asks it)."""
        c = http.client.HTTPConnection("127.0.0.1", self.gps[i], timeout=10)
        c.request("GET", "/api/authz/auth-request", headers={
            "X-Original-URL": f"http://{HOST}/app/index.html",
            "X-Forwarded-For": src,
            "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())})
        r = c.getresponse()
        r.read()
        c.close()
        return r.status


@pytest.fixture(scope="module")
def pair(tmp_path_factory, pg_server):
    require("/usr/sbin/nginx", "nginx-light")
    d = tmp_path_factory.mktemp("pggate")
    os.chmod(d, 0o755)
    (d / "store").mkdir(mode=0o700)
    uri = pg_server.createdb("gate_%d" % os.getpid())
    key = d / "store" / "govsec.key"
    (d / "www" / "app").mkdir(parents=True)
    (d / "www" / "public").mkdir()
    (d / "www" / "app" / "index.html").write_text("<p>app</p>\n")
    (d / "www" / "public" / "index.html").write_text("<p>public</p>\n")
    np = free_port()
    gps, confs = [], []
    for i in range(2):
        gp, cp = free_port(), free_port()
        gps.append(gp)
        conf = d / f"govsec{i}.conf"
        conf.write_text(f"""[store]
path = {uri}
key = {key}
[console]
listen = 127.0.0.1:{cp}
two_factor = optional
[gate]
listen = 127.0.0.1:{gp}
trusted_proxies = 127.0.0.1
session_idle = 600
session_max = 3600
login_attempts = {ATTEMPTS}
address_attempts = {ADDR_ATTEMPTS}
lockout_seconds = 600
threads = 8
""")
        confs.append(conf)
    p = Pair(d, {"GOVSEC_CONF": str(confs[0])}, np, gps)
    p.uri = uri
    (d / "policy.json").write_text(json.dumps(policy()))
    assert p.cli("gate", "import", d / "policy.json").returncode == 0
    for u in PW:
        r = p.cli("gate", "user", "add", u, "--groups", "staff",
                  stdin=PW[u] + "\n")
        assert r.returncode == 0, r.stderr
    with contextlib.ExitStack() as stack:
        for i in range(2):
            stack.enter_context(running_govsecd(
                confs[i], d / f"govsecd{i}.log", tcp_ready(gps[i])))
        stack.enter_context(running_gate_nginx(d, gps, np, HOST))
        yield p


def test_session_made_on_one_is_honoured_by_the_other(pair):
    st, jar = pair.login("bob", PW["bob"], src="127.0.0.3")
    assert st == 200, st
    assert [pair.direct(i, jar, "127.0.0.3") for i in (0, 1)] == [200, 200]
    # and through nginx, whichever instance answers
    for _ in range(6):
        assert pair.req("/app/index.html", src="127.0.0.3",
                        cookies=jar)[0] == 200


def test_revocation_reaches_both_instances(pair):
    st, jar = pair.login("bob", PW["bob"], src="127.0.0.4")
    assert st == 200
    assert [pair.direct(i, jar, "127.0.0.4") for i in (0, 1)] == [200, 200]
    t0 = time.monotonic()
    assert pair.cli("gate", "revoke", "bob").returncode == 0
    took = []
    for i in (0, 1):
        wait_until(lambda: pair.direct(i, jar, "127.0.0.4") == 401, 10,
                   f"instance {i} to see the revocation")
        took.append(time.monotonic() - t0)
    print(f"revocation in effect on instance 0 after {took[0]:.2f} s, "
          f"on instance 1 after {took[1]:.2f} s")


def test_account_lockout_exact_across_instances(pair):
    codes = pair.wrong_logins(["dave"] * 120, "127.0.0.11")
    assert codes.count(401) == ATTEMPTS, codes
    assert codes.count(429) == 120 - ATTEMPTS
    r = pair.cli("gate", "lockouts")
    assert f"user:dave\t{ATTEMPTS}\t" in r.stdout, r.stdout
    # both instances took part (nginx spreads the logins)
    logs = [(pair.d / f"govsecd{i}.log").read_text() for i in (0, 1)]
    access = (pair.d / "access.log").read_text()
    assert access.count("/govsec/login") >= 120, logs


def test_address_lockout_exact_across_instances(pair):
    users = [f"nobody{i}" for i in range(120)]
    codes = pair.wrong_logins(users, "127.0.0.13")
    assert codes.count(401) == ADDR_ATTEMPTS, codes
    assert codes.count(429) == 120 - ADDR_ATTEMPTS


def test_audit_chain_is_one_chain(pair):
    """The lockouts and logins of both instances went into one chain:
    it verifies, with no two records at the same place."""
    def settled():
        r = pair.cli("audit", "verify")
        return r.returncode == 0 and r
    r = wait_until(settled, 20, "the audit chain to verify")
    assert "sound" in r.stdout or "ok" in r.stdout.lower(), r.stdout
    exp = pair.cli("audit", "export")
    recs = [json.loads(line) for line in exp.stdout.splitlines() if line]
    seqs = [x["seq"] for x in recs]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
    assert sum(x["action"] == "gate.lockout" for x in recs) >= 2
