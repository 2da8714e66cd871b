"""Shared fixtures of the end-to-end tests: where the programs are, a store in
a temporary directory, and a helper that runs the CLI against it.

Binaries come from $GOVSEC_BUILD (default <repo>/build), the source tree from
$GOVSEC_SRC (default: two levels above this file). Stdlib and pytest only.
"""
import contextlib
import itertools
import os
import pwd
import pathlib
import shutil
import signal
import socket
import subprocess
import time

import pytest

SRC = pathlib.Path(os.environ.get("GOVSEC_SRC")
                   or pathlib.Path(__file__).resolve().parents[2])
BUILD = pathlib.Path(os.environ.get("GOVSEC_BUILD") or SRC / "build")
GOVSEC = BUILD / "govsec"
GOVSECD = BUILD / "govsecd"
DATA = pathlib.Path(__file__).resolve().parent / "data"

# govsecd refuses to run as root without [daemon] user (govsecd(8)); the
# suite, run as root, lets it stay root (test_privs.py tests the switch).
if os.geteuid() == 0:
    os.environ.setdefault("GOVSEC_ALLOW_ROOT", "yes")


# The audit names the account that runs govsec, whatever $USER says.
ACTOR = "cli:" + pwd.getpwuid(os.getuid()).pw_name


def require(tool, package):
    """Fails the test (never skips it) when the program tool (a path, or a
    name looked up in $PATH) is missing: `make test` must not pass with a
    part of the suite silently left out. package names the Debian package
    that provides it (`make test-deps` installs them all)."""
    if os.path.isabs(tool):
        found = tool if os.access(tool, os.X_OK) else None
    else:
        found = shutil.which(tool)
    if not found:
        pytest.fail(f"{tool} is missing: install the Debian package "
                    f"'{package}' (make test-deps)", pytrace=False)
    return found


def wait_until(pred, timeout, what, interval=0.02):
    """Polls pred() until it returns a true value, and returns that value;
    fails the test naming what was awaited when timeout seconds pass
    first (what may be a function giving the text then, e.g. a log). The
    way to wait for another process (never a bare sleep)."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for "
                        f"{what() if callable(what) else what}",
                        pytrace=False)
        time.sleep(interval)


def cli_env(extra=None):
    """A predictable environment: no user config or store, English, and a
    $USER that must not become the audit actor (ACTOR is)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("GOVSEC_CONF", "GOVSEC_DB", "SUDO_USER")}
    env.update({"LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", "USER": "e2e"})
    if extra:
        env.update(extra)
    return env


def run_cli(args, db=None, stdin=None, env=None, timeout=120):
    """Runs build/govsec [--db DB] ARGS; returns the CompletedProcess with
    text stdout and stderr (UTF-8). stdin may be str or bytes."""
    if not GOVSEC.exists():
        pytest.fail(f"{GOVSEC} is missing: build first (cmake --build build)")
    argv = [str(GOVSEC)]
    if db is not None:
        argv += ["--db", str(db)]
    argv += [str(a) for a in args]
    if isinstance(stdin, str):
        stdin = stdin.encode()
    p = subprocess.run(argv, input=stdin, capture_output=True,
                       env=cli_env(env), timeout=timeout)
    return subprocess.CompletedProcess(
        p.args, p.returncode, p.stdout.decode("utf-8", "replace"),
        p.stderr.decode("utf-8", "replace"))


@pytest.fixture
def store_path(tmp_path):
    """Path of a fresh (not yet created) store in a temporary directory."""
    return tmp_path / "govsec.db"


@pytest.fixture
def cli(store_path):
    """cli(*args, stdin=None, env=None) runs govsec against store_path."""
    def run(*args, stdin=None, env=None):
        return run_cli(args, db=store_path, stdin=stdin, env=env)
    run.db = store_path
    return run


_ports_given = set()


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago, and that no
    earlier call of this run returned (two calls in a row could otherwise
    get the same port back before either is bound)."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _ports_given:
            _ports_given.add(port)
            return port


def self_signed(prefix, *names):
    """tls.key and tls.pem in prefix: a certificate for the DNS names."""
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048",
                    "-nodes", "-keyout", "tls.key", "-out", "tls.pem",
                    "-days", "2", "-subj", f"/CN={names[0]}", "-addext",
                    "subjectAltName=" + ",".join(f"DNS:{n}" for n in names)],
                   cwd=prefix, check=True, capture_output=True)


@contextlib.contextmanager
def running_nginx(prefix, conf, ports):
    """Debian's nginx with conf (as root: 'user root;' first) in its own
    prefix, until all ports accept; always stopped when the block ends."""
    nginx = require(shutil.which("nginx") or "/usr/sbin/nginx",
                    "nginx-light")
    if os.geteuid() == 0:
        conf = "user root;\n" + conf
    (prefix / "nginx.conf").write_text(conf)
    proc = subprocess.Popen(
        [nginx, "-p", str(prefix), "-c", str(prefix / "nginx.conf"),
         "-e", str(prefix / "error.log")],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    def up():
        if proc.poll() is not None:
            pytest.fail("nginx did not start: " +
                        proc.stderr.read().decode())
        try:
            for port in ports:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
        except OSError:
            return False
        return True

    try:
        wait_until(up, 10, f"nginx to listen on {ports}")
        yield proc
    finally:
        proc.send_signal(signal.SIGQUIT)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def stop(p, timeout=20):
    """SIGTERM to a process we started, then its exit status (killed if
    it does not end within timeout seconds)."""
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
    try:
        return p.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        return p.wait()


def tcp_ready(port, host="127.0.0.1"):
    """A readiness probe for running_govsecd: the port accepts."""
    def probe():
        socket.create_connection((host, port), 0.2).close()
    return probe


def unix_ready(path):
    """A readiness probe for running_govsecd: the Unix socket accepts."""
    def probe():
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(0.2)
            s.connect(str(path))
    return probe


@contextlib.contextmanager
def running_govsecd(conf, log, ready, args=()):
    """govsecd -f -c CONF [ARGS], its output appended to the file log,
    until ready() (raises OSError while not ready) passes; stopped with
    SIGTERM when the block ends, also on failure. Yields the process;
    after the block asserts a clean exit and no sanitizer report."""
    with open(log, "ab") as out:
        p = subprocess.Popen([str(GOVSECD), "-f", "-c", str(conf),
                              *map(str, args)],
                             stdout=out, stderr=out, env=cli_env())
    def up():
        if p.poll() is not None:
            pytest.fail("govsecd did not start: " +
                        pathlib.Path(log).read_text(errors="replace"))
        try:
            ready()
        except OSError:
            return False
        return True

    try:
        wait_until(up, 10, lambda: "govsecd to listen: " +
                   pathlib.Path(log).read_text(errors="replace"))
        yield p
    finally:
        stop(p)
    text = pathlib.Path(log).read_text(errors="replace")
    assert p.returncode == 0, text
    assert "Sanitizer" not in text and "runtime error" not in text, text


def connections_to(port):
    """How many TCP connections to port on this machine are established
    (Linux /proc/net/tcp*): how a test sees a client reach silent_socket,
    whose connections wait in its backlog and are never accepted."""
    n = 0
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(name) as f:
            for line in f.readlines()[1:]:
                cols = line.split()
                if (int(cols[1].rsplit(":", 1)[1], 16) == port and
                        cols[3] == "01"):
                    n += 1
    return n


@contextlib.contextmanager
def silent_socket():
    """A listening port that accepts connections and never answers."""
    hole = socket.socket()
    hole.bind(("127.0.0.1", 0))
    hole.listen(16)
    try:
        yield hole.getsockname()[1]
    finally:
        hole.close()


# --------------------------------------------------------------------------
# PostgreSQL (issue 14): one throw-away server for the session, a fresh
# database for each test (tests/e2e/pgserver.py)

@pytest.fixture(scope="session")
def pg_server():
    """A PostgreSQL 15 server of this test session on a Unix socket in a
    temporary directory; stopped (and removed) at the session's end."""
    import pgserver
    require(pgserver.PGBIN + "/initdb", "postgresql-15")
    with pgserver.PgServer() as pg:
        yield pg


_pg_dbs = itertools.count(1)


@pytest.fixture
def pg_store(pg_server, tmp_path):
    """A fresh, empty PostgreSQL database: .uri for --db or [store] path,
    .key a key file path for [store] key, .conf a config naming both."""
    class Store:
        pass
    s = Store()
    s.name = "t%d_%d" % (os.getpid(), next(_pg_dbs))
    s.uri = pg_server.createdb(s.name)
    s.key = tmp_path / "pg.key"
    s.conf = tmp_path / "pg.conf"
    s.conf.write_text(f"[store]\npath = {s.uri}\nkey = {s.key}\n")
    s.server = pg_server
    return s


@pytest.fixture
def pg_cli(pg_store, tmp_path):
    """Like cli, on pg_store: a config given in env (GOVSEC_CONF) gets the
    [store] section added to a copy of it."""
    def run(*args, stdin=None, env=None):
        env = dict(env or {})
        conf = pg_store.conf
        if "GOVSEC_CONF" in env:
            conf = tmp_path / "pg-case.conf"
            conf.write_text(pathlib.Path(env["GOVSEC_CONF"]).read_text() +
                            "\n" + pg_store.conf.read_text())
        env["GOVSEC_CONF"] = str(conf)
        return run_cli(args, db=pg_store.uri, stdin=stdin, env=env)
    run.db = pg_store.uri
    run.store = pg_store
    # rows other parts record, written straight into the store
    run.sql = lambda q: pg_store.server.psql(q, db=pg_store.name)
    return run
