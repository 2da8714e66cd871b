#!/usr/bin/python3
"""pgserver.py: a throw-away PostgreSQL 15 server for the tests.

Debian's initdb and pg_ctl (/usr/lib/postgresql/15/bin) make a cluster in a
fresh directory under $GOVSEC_TEST_TMP (else /tmp) and serve it on a Unix
socket in that directory only (no TCP: nothing to collide with the tests
that run at the same time). PostgreSQL refuses to run as root: when the
tests are root, the cluster belongs to the user 'nobody'. stop() kills it
and removes the directory; the context manager and the command line stop it
also when a test fails.

As a command: pgserver.py -- COMMAND ARGS... runs COMMAND with
GOVSEC_TEST_STORE set to the server's URI and exits with its status.
"""
import os
import pwd
import shutil
import subprocess
import sys
import tempfile

PGBIN = "/usr/lib/postgresql/15/bin"


def _as_owner(argv):
    if os.geteuid() == 0:
        return ["runuser", "-u", "nobody", "--"] + argv
    return argv


class PgServer:
    def __init__(self, base=None):
        base = base or os.environ.get("GOVSEC_TEST_TMP") or "/tmp"
        os.makedirs(base, exist_ok=True)
        # the path of the socket must be short (108 bytes)
        self.dir = tempfile.mkdtemp(prefix="gpg.", dir="/tmp")
        self.data = os.path.join(self.dir, "data")
        self.port = 5432
        self.started = False
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody")
            os.chown(self.dir, nobody.pw_uid, nobody.pw_gid)
        os.chmod(self.dir, 0o755)

    def uri(self, db="postgres"):
        return "postgresql://govsec@/%s?host=%s&port=%d" % (
            db, self.dir, self.port)

    def start(self, settings=""):
        """settings: more server options ("-c name=value ..."), after
        (and so over) the ones below."""
        for tool in ("initdb", "pg_ctl"):
            if not os.access(os.path.join(PGBIN, tool), os.X_OK):
                raise RuntimeError("%s/%s is missing (Debian package "
                                   "'postgresql-15')" % (PGBIN, tool))
        subprocess.run(_as_owner([
            PGBIN + "/initdb", "-D", self.data, "-U", "govsec", "-A",
            "trust", "-E", "UTF8", "--no-locale", "--no-sync"]),
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        opts = ("-c listen_addresses='' -k %s -p %d -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off "
                "-c max_connections=300 -c shared_buffers=64MB %s"
                % (self.dir, self.port, settings))
        subprocess.run(_as_owner([
            PGBIN + "/pg_ctl", "-D", self.data, "-o", opts, "-l",
            os.path.join(self.dir, "log"), "-w", "-s", "start"]),
            check=True)
        self.started = True
        return self

    def psql(self, sql, db="postgres"):
        """Runs sql through psql; returns its output."""
        return subprocess.run(
            ["/usr/bin/psql", "-X", "-q", "-A", "-t", "-v",
             "ON_ERROR_STOP=1", "-d", self.uri(db), "-c", sql],
            check=True, capture_output=True, text=True).stdout

    def createdb(self, name):
        self.psql("CREATE DATABASE %s" % name)
        return self.uri(name)

    def stop(self):
        if self.started:
            subprocess.run(_as_owner([
                PGBIN + "/pg_ctl", "-D", self.data, "-m", "immediate",
                "-w", "-s", "stop"]), check=False,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.started = False
        shutil.rmtree(self.dir, ignore_errors=True)

    def log(self):
        try:
            with open(os.path.join(self.dir, "log")) as f:
                return f.read()
        except OSError:
            return ""

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc):
        self.stop()


def main(argv):
    if len(argv) < 3 or argv[1] != "--":
        sys.stderr.write("usage: pgserver.py -- COMMAND [ARGS...]\n")
        return 2
    with PgServer() as pg:
        env = dict(os.environ, GOVSEC_TEST_STORE=pg.uri())
        rc = 1
        for cmd in argv[2:]:
            # each argument is one test program, run in turn
            print("== %s on PostgreSQL" % os.path.basename(cmd), flush=True)
            r = subprocess.run([cmd], env=env)
            if r.returncode != 0:
                print("== %s failed (%d)" % (cmd, r.returncode), flush=True)
                # what the server refused, once each
                seen = []
                for line in pg.log().splitlines():
                    if " ERROR: " in line or " STATEMENT: " in line:
                        line = line.split("] ", 1)[-1][:600]
                        if line not in seen:
                            seen.append(line)
                print("\n".join(seen[-200:]))
                return r.returncode
            rc = 0
        return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv))
