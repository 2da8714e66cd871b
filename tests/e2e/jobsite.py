"""jobsite.py: what the tests of govsecd's claimed periodic work share
(tests/e2e/test_pg_jobs.py on PostgreSQL, test_jobs.py on SQLite): a real
nginx on loopback serving sites over https (a private CA) and plain http,
one of them slow (about 2 s a page over many pages), and a registry of
one live portal per host. Stdlib and pytest only.
"""
import contextlib
import json
import os
import signal
import subprocess
import threading

from conftest import free_port, running_nginx, self_signed, wait_until
from test_schedule import fnv1a64, uscc

NGINX_CONF = """daemon off;
worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/error.log;
events {{ worker_connections 256; }}
http {{
    access_log {d}/access.log;
    client_body_temp_path {d}/tmp; proxy_temp_path {d}/tmp;
    fastcgi_temp_path {d}/tmp; uwsgi_temp_path {d}/tmp;
    scgi_temp_path {d}/tmp;
    default_type text/html;
    server {{
        listen 127.0.0.1:{tls} ssl default_server;
        listen 127.0.0.1:{plain} default_server;
        ssl_certificate {d}/tls.pem;
        ssl_certificate_key {d}/tls.key;
        root {d}/site;
    }}
    server {{
        listen 127.0.0.1:{tls} ssl;
        server_name {slow};
        access_log {d}/slow.log;
        ssl_certificate {d}/tls.pem;
        ssl_certificate_key {d}/tls.key;
        root {d}/slow;
        # every page takes about 2 s: the crawl runs for many seconds
        location /p/ {{ limit_rate 1k; }}
    }}
}}
"""

HOME = """<!DOCTYPE html><html><head><title>s</title></head><body>
<a href="/about.html">about</a></body></html>"""
ABOUT = """<!DOCTYPE html><html><body><a href="/">home</a></body></html>"""
SLOW_PAGES = 10


def slow_host(interval, prefix="slow", at=0):
    """A host name www.PREFIXk.gov.cn whose slot in a round of interval
    seconds comes within 3 s from at seconds into it (by default its
    first 3 s, so that a test of it needs no long wait)."""
    for k in range(10000):
        h = f"www.{prefix}{k}.gov.cn"
        if 0 <= fnv1a64(h) % (interval * 1000) - at * 1000 < 3000:
            return h
    raise AssertionError("no name with such a slot")


@contextlib.contextmanager
def serving(d, names, slow):
    """nginx in directory d: https for names (one certificate), the slow
    site at host slow; .d, .tls and .plain (ports)."""
    (d / "tmp").mkdir()
    (d / "site").mkdir()
    (d / "site" / "index.html").write_text(HOME)
    (d / "site" / "about.html").write_text(ABOUT)
    (d / "slow" / "p").mkdir(parents=True)
    links = "".join(f'<a href="/p/{i}.html">{i}</a> '
                    for i in range(SLOW_PAGES))
    (d / "slow" / "index.html").write_text(
        f"<!DOCTYPE html><html><body>{links}</body></html>")
    for i in range(SLOW_PAGES):
        (d / "slow" / "p" / f"{i}.html").write_text(
            "<!DOCTYPE html><html><body><p>" + "x" * 2000 +
            '</p><a href="/">home</a></body></html>')
    self_signed(d, *names)
    tls, plain = free_port(), free_port()
    with running_nginx(d, NGINX_CONF.format(d=d, tls=tls, plain=plain,
                                            slow=slow), [tls, plain]):
        web = type("Web", (), {})()
        web.d, web.tls, web.plain = d, tls, plain
        yield web


def registry(d, hosts):
    reg = d / "reg.json"
    units, apps = [], []
    for k, host in enumerate(hosts):
        unit = uscc(f"1144070000725{k:04d}")
        units.append({"uscc": unit, "name": f"单位{k}",
                      "short_name": f"单位{k}", "kind": "administrative",
                      "level": "prefecture", "region": "440700",
                      "region_name": "江门市"})
        apps.append({"id": f"portal-{k + 1}", "unit": unit,
                     "type": "portal", "name": f"门户网站{k}",
                     "status": "live", "filed": True,
                     "domains": [{"name": host, "lang": "en",
                                  "main": True}]})
    reg.write_text(json.dumps({"format": "govsec-registry/1",
                               "units": units, "applications": apps},
                              ensure_ascii=False))
    return reg




class Breakpoint:
    """gdb (Debian's) attached to a running process, stopped at the first
    call of function: the whole process (every thread) stays stopped there
    until release(), which lets it go on (or, if it never got there,
    interrupts gdb and detaches). A stall exactly where a test needs it,
    with no hook in the program. Close with release() (also on failure)."""

    def __init__(self, pid, function):
        self.pid, self.lines = pid, []
        self.hit = threading.Event()
        self.armed = threading.Event()  # the breakpoint is in place
        self.p = subprocess.Popen(
            ["gdb", "-q", "-nx", "-p", str(pid)], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            bufsize=1)
        threading.Thread(target=self._read, daemon=True).start()
        self._send("set pagination off", "set confirm off",
                   "handle SIGPIPE SIGUSR1 SIGUSR2 nostop noprint pass",
                   # release()'s stop is not passed on
                   "handle SIGSTOP stop print nopass",
                   f"break {function}", "continue")

    def _send(self, *cmds):
        self.p.stdin.write("".join(c + "\n" for c in cmds))
        self.p.stdin.flush()

    def _read(self):
        for line in self.p.stdout:
            self.lines.append(line)
            if "Breakpoint 1," in line:
                self.hit.set()
            elif "Breakpoint 1 at " in line:
                self.armed.set()

    def output(self):
        return "".join(self.lines)

    def release(self):
        if self.p.poll() is not None:
            return
        if not self.hit.is_set():
            # gdb stops it for the detach (a SIGINT would stay pending
            # in a program that takes it with sigwait, as govsecd does)
            os.kill(self.pid, signal.SIGSTOP)
        self._send("detach", "quit")
        try:
            self.p.wait(20)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()


def stalled_save(procs, instance, sql, host, lease, text):
    """Fencing, on any store: every govsecd of procs (inspecting host,
    whose slot comes 15-18 s into the round) is held by gdb at the entry
    of insp_store_save; the first to get there (the victim) stays stopped
    (every thread: past its last look at its lease) while the others go
    on; its lease ends, another takes the site over and stores its run;
    then the victim goes on into its own save. instance(i) is instance
    i's id, sql(q) the rows of q as lists of text, text(i) its log.
    Returns (victim's index, victim's id, taker's id) once the victim
    has logged its failed save; asserts one run stored meanwhile."""
    bps = [Breakpoint(p.pid, "insp_store_save") for p in procs]
    gdb = lambda: "".join(b.output() for b in bps)  # noqa: E731
    logs = lambda: "".join(text(i) for i in range(len(procs)))  # noqa
    try:
        wait_until(lambda: all(b.armed.is_set() for b in bps), 60,
                   lambda: "gdb: " + gdb())
        assert sql("SELECT count(*) FROM insp_runs") == [["0"]], \
            "the site was inspected before gdb was ready: " + logs()

        def stalled():
            hit = [i for i, b in enumerate(bps) if b.hit.is_set()]
            return hit and hit[0] + 1
        v = wait_until(stalled, 5 + 18 + 60, lambda: "an instance to "
                       "reach its save: " + logs() + gdb()) - 1
        victim = instance(v)
        for i, b in enumerate(bps):  # the others go on freely
            if i != v:
                b.release()
        assert sql("SELECT owner FROM sched_jobs WHERE kind = 'inspect' "
                   f"AND name = '{host}'") == [[victim]]

        def taken_and_stored():
            rows = sql("SELECT runs, coalesce(last_owner, '') FROM "
                       "sched_jobs WHERE kind = 'inspect' AND name = "
                       f"'{host}'")
            return rows and rows[0][0] == "1" and rows[0][1]
        taker = wait_until(taken_and_stored, lease + 60,
                           lambda: "the takeover: " + logs())
        assert taker != victim
        assert sql("SELECT count(*) FROM insp_runs") == [["1"]]
        bps[v].release()  # the victim goes on, into its save
        wait_until(lambda: "cannot store the run" in text(v), 30,
                   lambda: "the victim's save: " + text(v))
    finally:
        for b in bps:
            b.release()
    t = text(v)
    assert (f"jobs: inspect '{host}': instance {victim} lost it (claim 1) "
            "to ") in t, t
    assert "its write is refused, nothing of it stored" in t, t
    assert (f"inspect: 'https://{host}/' (portal-1): cannot store the run: "
            f"inspect '{host}' was taken over by another instance: "
            "nothing stored") in t, t
    assert f"'{host}' (portal-1): run " not in t, t
    return v, victim, taker
