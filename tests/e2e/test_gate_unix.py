"""The gate on a Unix socket (`[gate] listen = unix:PATH`), as
docs/deploy/nginx-gate.conf advises when nginx runs on the same machine:
a REAL nginx (Debian nginx-light, auth_request) reaches govsecd through the
socket, the socket's mode is the configured one, the client address comes
from nginx's X-Forwarded-For (a unix peer is the trusted proxy, and must
name the client), a stale socket of an earlier run is replaced and any
other file at the path is refused. Stdlib and pytest only.
"""

import http.client
import json
import os
import socket
import stat
import subprocess
import urllib.parse

import pytest

from conftest import (GOVSECD, SRC, cli_env, free_port, run_cli,
                      running_govsecd, running_nginx, unix_ready)

HOST = "app.test"
PW = "unix password 1"

NGINX_CONF = """
daemon off;
worker_processes 1;
pid {d}/nginx.pid;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {d}/t_body; proxy_temp_path {d}/t_proxy;
    fastcgi_temp_path {d}/t_fcgi; uwsgi_temp_path {d}/t_uwsgi;
    scgi_temp_path {d}/t_scgi;
    upstream govsec_gate {{ server unix:{sock}; keepalive 8; }}
    server {{
        listen 127.0.0.1:{np};
        server_name {host};
        root {d}/www;
        include {src}/docs/deploy/nginx-gate.conf;
        location / {{ include {src}/docs/deploy/nginx-gate-protect.conf; }}
    }}
}}
"""

POLICY = {
    "version": 1,
    "networks": {"office": ["127.0.0.0/28"], "blocked": ["127.0.0.64/28"]},
    "rules": [
        {"name": "blocked", "networks": ["blocked"], "action": "deny"},
        {"name": "office", "path": "^/app/", "networks": ["office"],
         "action": "one_factor"},
    ],
}


def conf_text(d, sock, extra=""):
    return (f"[store]\npath = {d / 'store' / 'govsec.db'}\n[console]\n"
            f"listen = 127.0.0.1:{free_port()}\n[gate]\n"
            f"listen = unix:{sock}\nsocket_mode = 0600\n{extra}")


def daemon(d, sock):
    conf = d / "govsec.conf"
    conf.write_text(conf_text(d, sock))
    return running_govsecd(conf, d / "govsecd.log", unix_ready(sock))


def get(port, path, src="127.0.0.2", cookies=None, method="GET", body=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30,
                                   source_address=(src, 0))
    h = {"Host": HOST}
    if cookies:
        h["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    if body is not None:
        h["Content-Type"] = "application/x-www-form-urlencoded"
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    out = (r.status, r.getheaders(), r.read())
    c.close()
    return out


def raw_unix(sock, request):
    """One HTTP/1.1 exchange straight on the socket (no nginx)."""
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(10)
    s.connect(str(sock))
    s.sendall(request)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    s.close()
    return int(data.split(b" ", 2)[1])


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    d = tmp_path_factory.mktemp("gate-unix")
    os.chmod(d, 0o755)  # for nginx; the store has a private directory
    (d / "store").mkdir(mode=0o700)
    (d / "www" / "app").mkdir(parents=True)
    (d / "www" / "app" / "index.html").write_text("<p>app</p>\n")
    (d / "policy.json").write_text(json.dumps(POLICY))
    db = d / "store" / "govsec.db"
    assert run_cli(["gate", "import", d / "policy.json"], db=db).returncode == 0
    r = run_cli(["gate", "user", "add", "una"], db=db, stdin=PW + "\n")
    assert r.returncode == 0, r.stderr
    sock = d / "gate.sock"
    # a stale socket left by a crashed run is replaced
    stale = socket.socket(socket.AF_UNIX)
    stale.bind(str(sock))
    stale.close()
    np = free_port()
    with daemon(d, sock):
        with running_nginx(d, NGINX_CONF.format(d=d, sock=sock, np=np,
                                                host=HOST, src=SRC), [np]):
            yield d, sock, np


def test_socket_mode(site):
    _, sock, _ = site
    st = os.stat(sock)
    assert stat.S_ISSOCK(st.st_mode)
    assert stat.S_IMODE(st.st_mode) == 0o600


def test_login_and_decisions_through_the_socket(site):
    d, _, np = site
    st, hdrs, _ = get(np, "/app/index.html")
    assert st == 302
    assert dict(hdrs)["Location"].startswith(f"http://{HOST}/govsec/login")
    form = urllib.parse.urlencode({"username": "una", "password": PW,
                                   "rd": f"http://{HOST}/app/index.html"})
    st, hdrs, _ = get(np, "/govsec/login", method="POST", body=form)
    assert st == 302
    jar = {}
    for k, v in hdrs:
        if k.lower() == "set-cookie":
            name, _, rest = v.partition("=")
            jar[name] = rest.split(";")[0]
    assert "__Host-govsec" in jar
    st, _, body = get(np, "/app/index.html", cookies=jar)
    assert st == 200 and b"app" in body
    # the client address is nginx's X-Forwarded-For, not "the socket":
    # the same session from outside the office network is refused
    assert get(np, "/app/index.html", src="127.0.0.20", cookies=jar)[0] == 403
    assert get(np, "/app/index.html", src="127.0.0.66", cookies=jar)[0] == 403
    con_rows = run_cli(["audit", "export"],
                       db=d / "store" / "govsec.db").stdout
    assert "127.0.0.66" in con_rows and "rule 'blocked'" in con_rows


def test_unix_peer_must_name_the_client(site):
    _, sock, _ = site
    req = (b"GET /api/authz/auth-request HTTP/1.1\r\nHost: gate\r\n"
           b"X-Original-URL: http://app.test/app/index.html\r\n")
    # without X-Forwarded-For nobody is known: refused, never allowed
    assert raw_unix(sock, req + b"\r\n") == 403
    assert raw_unix(sock, req + b"X-Forwarded-For: junk\r\n\r\n") == 403
    assert raw_unix(sock, req + b"X-Forwarded-For: 127.0.0.3\r\n\r\n") == 401


def test_socket_path_errors(tmp_path):
    (tmp_path / "plain").write_text("not a socket\n")
    for listen, want in (
            ("unix:relative.sock", "needs an absolute path"),
            ("unix:/" + "x" * 120, "needs an absolute path"),
            (f"unix:{tmp_path / 'plain'}", "exists and is not a socket"),
            (f"unix:{tmp_path / 's.sock'}\nsocket_group = no-such-group-x",
             "no group 'no-such-group-x'"),
            (f"unix:{tmp_path / 's.sock'}\nsocket_mode = 0999",
             "socket_mode")):
        conf = tmp_path / "govsec.conf"
        conf.write_text(f"[store]\npath = {tmp_path / 'g.db'}\n[console]\n"
                        f"listen = 127.0.0.1:{free_port()}\n[gate]\n"
                        f"listen = {listen}\n")
        p = subprocess.run([str(GOVSECD), "-f", "-c", str(conf)],
                           capture_output=True, text=True, env=cli_env(),
                           timeout=30)
        assert p.returncode != 0, listen
        assert want in p.stderr, (listen, p.stderr)
    # the regular file is still there, untouched
    assert (tmp_path / "plain").read_text() == "not a socket\n"
