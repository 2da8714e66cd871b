"""gatecluster.py: several govsecd gates on one PostgreSQL behind one real
nginx (issue 14, nginxlab.py's configuration), shared by tests/e2e/test_pg_gate*.py and
bench/gate_propagation.py: each instance has its own console and gate
port and config, all name the same database and key file, and nginx's
upstream govsec_gate lists every gate (docs/deploy/multi-instance.md).
Gate requests go through nginx (req, login) or straight to one instance
(direct, logout_on), as nginx's auth_request would. Stdlib only (pytest
through conftest).
"""
import contextlib
import http.client
import json
import os

from conftest import free_port, require, run_cli, running_govsecd, tcp_ready
from nginxlab import GateClient, running_gate_nginx

HOST = "app.test"

GATE_CONF = """[store]
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
login_attempts = {attempts}
address_attempts = {addr_attempts}
lockout_seconds = 600
threads = 8
"""


def policy():
    return {"version": 1,
            "networks": {"office": ["127.0.0.0/24"]},
            "rules": [{"name": "public", "path": "^/public/",
                       "action": "bypass"},
                      {"name": "office", "path": "^/app/",
                       "networks": ["office"], "action": "one_factor"}]}


class Cluster(GateClient):
    """n gates on one store behind nginx: d the directory, uri the
    store, np nginx's port, gps the gates' ports."""

    def __init__(self, d, uri, np, gps, confs):
        super().__init__(np, HOST)
        self.d, self.uri, self.gps = d, uri, gps
        self.confs = confs
        self.env = {"GOVSEC_CONF": str(confs[0])}

    def cli(self, *args, stdin=None):
        return run_cli(args, db=self.uri, stdin=stdin, env=self.env)

    def login(self, user, password, src="127.0.0.2", port=None):
        """Logs in through nginx (or straight at a gate's port); the
        status and the cookies set."""
        return super().login(user, password, src=src, port=port)[:2]

    def logout_on(self, i, jar):
        """Logs the session out on instance i alone; its status."""
        return self.req("/govsec/logout", method="POST", cookies=jar,
                        body="", port=self.gps[i])[0]

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


@contextlib.contextmanager
def gate_cluster(d, pg_server, n, users, attempts=5, addr_attempts=12):
    """n govsecd (gates) on a fresh database of pg_server behind nginx, in
    directory d, with policy() imported and users ({name: password}) in
    group staff; everything stopped when the block ends, also on
    failure."""
    require("/usr/sbin/nginx", "nginx-light")
    os.chmod(d, 0o755)
    (d / "store").mkdir(mode=0o700)
    uri = pg_server.createdb("gate%d_%d" % (n, os.getpid()))
    key = d / "store" / "govsec.key"
    (d / "www" / "app").mkdir(parents=True)
    (d / "www" / "public").mkdir()
    (d / "www" / "app" / "index.html").write_text("<p>app</p>\n")
    (d / "www" / "public" / "index.html").write_text("<p>public</p>\n")
    np = free_port()
    gps, confs = [], []
    for i in range(n):
        gp, cp = free_port(), free_port()
        gps.append(gp)
        conf = d / f"govsec{i}.conf"
        conf.write_text(GATE_CONF.format(uri=uri, key=key, cp=cp, gp=gp,
                                         attempts=attempts,
                                         addr_attempts=addr_attempts))
        confs.append(conf)
    c = Cluster(d, uri, np, gps, confs)
    (d / "policy.json").write_text(json.dumps(policy()))
    r = c.cli("gate", "import", d / "policy.json")
    assert r.returncode == 0, r.stderr
    for u, pw in users.items():
        r = c.cli("gate", "user", "add", u, "--groups", "staff",
                  stdin=pw + "\n")
        assert r.returncode == 0, r.stderr
    with contextlib.ExitStack() as stack:
        for i in range(n):
            stack.enter_context(running_govsecd(
                confs[i], d / f"govsecd{i}.log", tcp_ready(gps[i])))
        stack.enter_context(running_gate_nginx(d, gps, np, HOST))
        yield c
