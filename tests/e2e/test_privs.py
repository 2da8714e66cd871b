"""Who govsecd runs as and which files it refuses (govsecd(8), govsec.conf(5)
[daemon]): started as root it needs [daemon] user, binds its listeners and
then runs as that user for good; `govsecd -n` and the start refuse a
configuration, store, key or pid file that others could change (or read,
for the store and keys), each time naming the file; the shipped systemd
unit passes `systemd-analyze verify`. Run as root (as the suite is here);
the account is the system's `nobody`. Stdlib and pytest only.
"""

import grp
import http.client
import json
import os
import pathlib
import pwd
import shutil
import socket
import stat
import subprocess
import tempfile

import pytest

from conftest import (GOVSECD, SRC, cli_env, free_port, run_cli,
                      running_govsecd, tcp_ready)

# A kept skip: switching users is only possible for root, and the suite is
# meant to run as root (`make test`); a non-root run cannot test it at all,
# and says so in pytest's summary. It hides no missing tool.
pytestmark = pytest.mark.skipif(
    os.geteuid() != 0, reason="switching users needs root")

NOBODY = pwd.getpwnam("nobody")
PW = "privs password 1"


def env():
    """The test environment without the suite's GOVSEC_ALLOW_ROOT."""
    e = cli_env()
    e.pop("GOVSEC_ALLOW_ROOT", None)
    return e


def check(conf, *args):
    """govsecd -n -c CONF [ARGS] as root, in env()."""
    return subprocess.run([str(GOVSECD), "-n", "-c", str(conf),
                           *map(str, args)], capture_output=True,
                          text=True, env=env(), timeout=60)


class Home:
    """A deployment in a scratch directory nobody can reach: the config and
    the leave key are root's, the store directory is nobody's."""

    def __init__(self, path, user="nobody"):
        self.dir = path
        os.chmod(path, 0o711)
        self.state = path / "state"
        self.state.mkdir(mode=0o700)
        os.chown(self.state, NOBODY.pw_uid, NOBODY.pw_gid)
        self.run = path / "run"
        self.run.mkdir(mode=0o755)
        os.chown(self.run, NOBODY.pw_uid, NOBODY.pw_gid)
        self.db = self.state / "govsec.db"
        self.key = path / "leave.key"
        self.key.write_bytes(os.urandom(32))
        self.key.chmod(0o600)
        self.conf = path / "govsec.conf"
        self.port, self.pport = free_port(), free_port()
        self.sock = self.run / "gate.sock"
        self.body = (
            f"[store]\npath = {self.db}\n"
            f"[console]\nlisten = 127.0.0.1:{self.port}\n"
            "two_factor = optional\n"
            f"[public]\nlisten = 127.0.0.1:{self.pport}\n"
            f"leave_key = {self.key}\n"
            f"[gate]\nlisten = unix:{self.sock}\n"
            f"socket_group = {grp.getgrgid(NOBODY.pw_gid).gr_name}\n")
        self.write_conf(f"[daemon]\nuser = {user}\n")

    def write_conf(self, daemon):
        """The config file (root's, 0644): the [daemon] section, then the
        listeners and the store."""
        self.conf.write_text(daemon + self.body)
        self.conf.chmod(0o644)


@pytest.fixture
def home():
    d = pathlib.Path(tempfile.mkdtemp(prefix="govsec-privs-"))
    try:
        yield Home(d)
    finally:
        shutil.rmtree(d)


# ---- root needs [daemon] user ----

@pytest.mark.parametrize("daemon, needle", [
    ("", "govsecd will not run as root: set [daemon] user"),
    ("[daemon]\nuser = root\n", "[daemon] user 'root' is root"),
    ("[daemon]\nuser = no-such-user-x\n",
     "[daemon] user 'no-such-user-x': no such user"),
    ("[daemon]\nuser = nobody\ngroup = root\n",
     "[daemon] group 'root' is root's group"),
    ("[daemon]\ngroup = nogroup\n", "needs [daemon] user"),
])
def test_root_is_refused_without_a_user(home, daemon, needle):
    home.write_conf(daemon)
    for args in (["-n"], ["-f"]):
        p = subprocess.run([str(GOVSECD), *args, "-c", str(home.conf)],
                           capture_output=True, text=True, env=env(),
                           timeout=60)
        assert p.returncode == 2, (args, p.stderr)
        assert needle in p.stderr, (args, p.stderr)
        assert "configuration OK" not in p.stdout
    assert not home.db.exists()


# ---- it switches after binding ----

def ids(pid):
    """Uid, Gid, Groups and CapEff lines of /proc/PID/status."""
    out = {}
    for line in pathlib.Path(f"/proc/{pid}/status").read_text().split("\n"):
        k, _, v = line.partition(":")
        if k in ("Uid", "Gid", "Groups", "CapEff", "CapPrm"):
            out[k] = v.split()
    return out


def test_runs_as_the_user_after_binding(home):
    # -n makes the store as nobody; the CLI (root) adds an account to it
    p = check(home.conf)
    assert p.returncode == 0 and p.stdout == "configuration OK\n", p.stderr
    assert home.db.stat().st_uid == NOBODY.pw_uid
    assert stat.S_IMODE(home.db.stat().st_mode) == 0o600
    p = run_cli(["user", "add", "admin", "--role", "admin"], db=home.db,
                stdin=PW + "\n")
    assert p.returncode == 0, p.stderr
    pid = home.run / "govsecd.pid"
    log = home.dir / "govsecd.log"

    def started():
        """Ready once it logged its start, i.e. after the switch (the
        console listens before the gate is bound and the user switched)."""
        tcp_ready(home.port)()
        if " started (" not in log.read_text(errors="replace"):
            raise OSError("not started yet")

    with running_govsecd(home.conf, log, started, args=["-p", pid]) as proc:
        got = ids(proc.pid)
        assert got["Uid"] == [str(NOBODY.pw_uid)] * 4, got
        assert got["Gid"] == [str(NOBODY.pw_gid)] * 4, got
        assert got["Groups"] == [str(NOBODY.pw_gid)], got
        assert int(got["CapEff"][0], 16) == 0 and \
            int(got["CapPrm"][0], 16) == 0, got
        # the pid file was written as root before the switch: 0644
        assert pid.read_text() == f"{proc.pid}\n"
        assert stat.S_IMODE(pid.stat().st_mode) == 0o644
        # the gate's socket got its group before the switch
        st = home.sock.stat()
        assert st.st_gid == NOBODY.pw_gid
        assert stat.S_IMODE(st.st_mode) == 0o660
        # every listener answers, the store reads and writes as nobody
        c = http.client.HTTPConnection("127.0.0.1", home.port, timeout=10)
        c.request("POST", "/api/login",
                  body=json.dumps({"name": "admin", "password": PW}),
                  headers={"Content-Type": "application/json"})
        r = c.getresponse()
        assert r.status == 200, r.read()
        c.close()
        c = http.client.HTTPConnection("127.0.0.1", home.pport, timeout=10)
        c.request("GET", "/api/me")
        assert c.getresponse().status == 404
        c.close()
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(10)
            s.connect(str(home.sock))
            s.sendall(b"GET /govsec/login HTTP/1.1\r\nHost: a.test\r\n"
                      b"Connection: close\r\n\r\n")
            assert s.recv(64).startswith(b"HTTP/1.1 ")
    # stopped: the pid file went (its directory is nobody's), and all the
    # store's files are still nobody's
    assert not pid.exists()
    for f in home.state.iterdir():
        assert f.stat().st_uid == NOBODY.pw_uid, f
    p = run_cli(["audit", "export"], db=home.db)
    assert p.returncode == 0 and "login" in p.stdout, p.stderr


# ---- unsafe files are refused ----

def chown_nobody(path):
    os.chown(path, NOBODY.pw_uid, NOBODY.pw_gid, follow_symlinks=False)


def make(path, mode, link=None):
    """A file of nobody's with mode (or a link to link) at path."""
    if link:
        path.symlink_to(link)
    else:
        path.write_text("x" * 64)
        path.chmod(mode)
    chown_nobody(path)


UNSAFE = {
    "config writable by others":
        (lambda h: h.conf.chmod(0o666), "config '{conf}' has mode 0666"),
    "config writable by the group":
        (lambda h: h.conf.chmod(0o664), "config '{conf}' has mode 0664"),
    "config of another user":
        (lambda h: os.chown(h.conf, 4242, 0),
         "config '{conf}' belongs to uid 4242"),
    "config directory writable by others":
        (lambda h: h.dir.chmod(0o777),
         "config directory '{dir}' has mode 0777"),
    "store readable by others":
        (lambda h: h.db.chmod(0o644), "store '{db}' has mode 0644"),
    "store of root":
        (lambda h: os.chown(h.db, 0, 0), "store '{db}' belongs to uid 0"),
    "store a link":
        (lambda h: (h.db.rename(h.state / "real.db"),
                    make(h.db, 0, link=h.state / "real.db")),
         "store '{db}' is a symbolic link"),
    "store -wal readable by others":
        (lambda h: make(pathlib.Path(f"{h.db}-wal"), 0o644),
         "store file '{db}-wal' has mode 0644"),
    "store -shm a link":
        (lambda h: make(pathlib.Path(f"{h.db}-shm"), 0, link="/etc/passwd"),
         "store file '{db}-shm' is a symbolic link"),
    "store directory open to others":
        (lambda h: h.state.chmod(0o755),
         "store directory '{state}' has mode 0755"),
    "store directory writable by the group":
        (lambda h: h.state.chmod(0o770),
         "store directory '{state}' has mode 0770"),
    "store key readable by the group":
        (lambda h: make(pathlib.Path(f"{h.db}.key"), 0o640),
         "store key '{db}.key' has mode 0640"),
    "leave key readable by others":
        (lambda h: h.key.chmod(0o644),
         "[public] leave_key '{key}' has mode 0644"),
    "leave key a link":
        (lambda h: (h.key.rename(h.dir / "real.key"),
                    h.key.symlink_to(h.dir / "real.key")),
         "[public] leave_key '{key}': is a symbolic link"),
}


@pytest.mark.parametrize("case", sorted(UNSAFE))
def test_unsafe_files_are_refused(home, case):
    # as made, the deployment passes (and -n makes the store as nobody)
    p = check(home.conf)
    assert p.returncode == 0, p.stderr
    spoil, needle = UNSAFE[case]
    spoil(home)
    needle = needle.format(**{k: str(v) for k, v in vars(home).items()})
    p = check(home.conf)
    assert p.returncode == 2, p.stderr
    assert needle in p.stderr, p.stderr
    assert "configuration OK" not in p.stdout
    # the start refuses it too, before listening
    p = subprocess.run([str(GOVSECD), "-f", "-c", str(home.conf)],
                       capture_output=True, text=True, env=env(),
                       timeout=60)
    assert p.returncode == 2 and needle in p.stderr, p.stderr


def test_pid_file_link_and_open_directory_are_refused(home):
    target = home.dir / "target"
    target.write_text("keep\n")
    link = home.run / "govsecd.pid"
    link.symlink_to(target)
    for args in (["-n"], ["-f"]):
        p = subprocess.run([str(GOVSECD), *args, "-c", str(home.conf),
                            "-p", str(link)], capture_output=True,
                           text=True, env=env(), timeout=60)
        assert p.returncode == 2, p.stderr
        assert f"pid file '{link}' is a symbolic link" in p.stderr
    assert target.read_text() == "keep\n"
    link.unlink()
    home.run.chmod(0o1777)
    p = check(home.conf, "-p", link)
    assert p.returncode == 2
    assert f"pid file directory '{home.run}' has mode 1777" in p.stderr
    assert not link.exists()


# ---- the systemd unit ----

def test_systemd_unit_verifies(tmp_path):
    tool = shutil.which("systemd-analyze")
    if tool is None:
        pytest.fail("systemd-analyze is missing: install systemd "
                    "(make test-deps)")
    unit = (SRC / "docs/deploy/govsecd.service").read_text()
    assert "/usr/local/sbin/govsecd" in unit
    copy = tmp_path / "govsecd.service"
    copy.write_text(unit.replace("/usr/local/sbin/govsecd", str(GOVSECD)))
    # no man pages installed here; any warning (an unknown or bad setting)
    # is a failure
    p = subprocess.run([tool, "verify", "--man=no", str(copy)],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and (p.stdout + p.stderr).strip() == "", \
        p.stdout + p.stderr
    # and the sandbox stays tight: systemd's exposure score at most 2.0
    p = subprocess.run([tool, "security", "--offline=yes", "--threshold=20",
                        str(copy)], capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
