"""A REAL nginx (Debian nginx-light, auth_request built in) in front of one
or more govsecd gates, shared by the gate tests (test_gate.py,
test_gate_attack.py, test_pg_gate.py and the PostgreSQL multi-instance
tests).

gate_nginx_conf() writes the configuration docs/deploy/nginx-gate.conf
advises: nginx's own prefix, pid file, logs and temporary directories in
the test's directory d, an upstream `govsec_gate` holding every gate, and
one server that serves d/www behind the gate, or the server blocks a test
lays out (gate_server(), default_server(): test_gate_attack.py's two
hosts, TLS and catch-all server). running_gate_nginx() runs it
(conftest's running_nginx: always stopped when the block ends).
GateClient talks HTTP to that nginx from a chosen loopback source address
and logs in through the gate's form. Stdlib and pytest only.
"""
import concurrent.futures
import http.client
import urllib.parse

from conftest import SRC, running_nginx

NGINX_GATE_CONF = """
daemon off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log info;
events {{ worker_connections 1024; }}
http {{
    access_log {d}/access.log;
    client_body_temp_path {d}/t_body; proxy_temp_path {d}/t_proxy;
    fastcgi_temp_path {d}/t_fcgi; uwsgi_temp_path {d}/t_uwsgi;
    scgi_temp_path {d}/t_scgi;
    upstream govsec_gate {{
{servers}
        keepalive 16;
    }}{blocks}
}}
"""

# A server protected by the gate (docs/deploy/nginx-gate*.conf).
GATE_SERVER = """
    server {{
{listen}
        server_name {host};{server_extra}
        root {root};
        include {src}/docs/deploy/nginx-gate.conf;
        location / {{
            include {src}/docs/deploy/nginx-gate-protect.conf;
{extra}
        }}
    }}"""

# The catch-all default server (docs/deploy/nginx-gate-default.conf).
DEFAULT_SERVER = """
    server {{
{listen}
        include {src}/docs/deploy/nginx-gate-default.conf;
    }}"""


def _listen(listens):
    return "\n".join(f"        listen {a};" for a in listens)


def gate_server(host, listens, root, server_extra=(), location_extra=""):
    """One server block: host on each of listens (nginx listen arguments,
    e.g. "127.0.0.1:8080 ssl"), serving root behind the gate;
    server_extra: more directives of the server (after server_name),
    location_extra: of its protected location."""
    extra = "".join(f"\n        {x}" for x in server_extra)
    loc = f"            {location_extra}" if location_extra else ""
    return GATE_SERVER.format(listen=_listen(listens), host=host,
                              server_extra=extra, root=root, src=SRC,
                              extra=loc)


def default_server(listens):
    """The catch-all server block on listens (each with default_server),
    answering no host it does not know."""
    return DEFAULT_SERVER.format(listen=_listen(listens), src=SRC)


def gate_nginx_conf(d, gates, np, host, ipv6=False, location_extra="",
                    blocks=None):
    """nginx.conf text: listen on 127.0.0.1:np (and [::1]:np when ipv6),
    answer for host, pass each request's decision to the gates (ports on
    127.0.0.1, or "unix:PATH" strings) and serve d/www when allowed.
    location_extra: more directives of the protected location. blocks:
    the server blocks (gate_server(), default_server()) instead of that
    one server (np, host, ipv6 and location_extra unused)."""
    addrs = [g if str(g).startswith("unix:") else f"127.0.0.1:{g}"
             for g in gates]
    servers = "\n".join(f"        server {a};" for a in addrs)
    if blocks is None:
        listens = [f"127.0.0.1:{np}"] + ([f"[::1]:{np}"] if ipv6 else [])
        blocks = [gate_server(host, listens, f"{d}/www",
                              location_extra=location_extra)]
    return NGINX_GATE_CONF.format(d=d, servers=servers,
                                  blocks="".join(blocks))


def running_gate_nginx(d, gates, np, host, ports=None, **kw):
    """gate_nginx_conf() run by a real nginx until the block ends (until
    then, np or every one of ports accepts)."""
    return running_nginx(d, gate_nginx_conf(d, gates, np, host, **kw),
                         ports or [np])


def cookie_jar(hdrs, jar=None):
    """The cookies Set-Cookie in hdrs sets, over those of jar."""
    out = dict(jar or {})
    for k, v in hdrs:
        if k.lower() == "set-cookie":
            name, _, rest = v.partition("=")
            out[name] = rest.split(";")[0]
    return out


class GateClient:
    """HTTP through the nginx on port np, as a browser of host would."""

    def __init__(self, np, host):
        self.np, self.host = np, host

    def req(self, path, src="127.0.0.2", cookies=None, method="GET",
            body=None, headers=None, port=None):
        """(status, headers, body) of one request from source address src
        (an IPv6 one goes to [::1])."""
        c = http.client.HTTPConnection("::1" if ":" in src else "127.0.0.1",
                                       port or self.np, timeout=60,
                                       source_address=(src, 0))
        h = {"Host": self.host}
        if cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
        if body is not None:
            h["Content-Type"] = "application/x-www-form-urlencoded"
        h.update(headers or {})
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        out = (r.status, r.getheaders(), r.read())
        c.close()
        return out

    def login(self, user, password, code="", src="127.0.0.2", cookies=None,
              rd=None, port=None):
        """The gate's login form (through nginx, or straight at a gate's
        port): (status, cookie jar, headers, body)."""
        form = {"username": user, "password": password, "code": code,
                "lang": "en"}
        if rd:
            form["rd"] = rd
        st, hdrs, body = self.req("/govsec/login", src=src, method="POST",
                                  body=urllib.parse.urlencode(form),
                                  cookies=cookies, port=port)
        return st, cookie_jar(hdrs, cookies), hdrs, body

    def wrong_logins(self, users, src, workers=40):
        """The statuses of logins of users (at once, workers at a time)
        with a wrong password from src: for counting lockouts."""
        def one(u):
            return self.login(u, "wrong password!", src=src)[0]
        with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as ex:
            return list(ex.map(one, users))
