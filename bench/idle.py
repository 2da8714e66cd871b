#!/usr/bin/python3
"""bench/idle.py [sqlite|pg] [SECONDS]: what an idle govsecd costs.

Starts govsecd (console and gate listeners, nothing else enabled) on a
fresh SQLite store or a throw-away PostgreSQL 15 (tests/e2e/pgserver.py),
lets it settle 8 s, then over SECONDS (default 30) of nothing prints the
CPU time it used (/proc/PID/stat), its wake-ups (the context switches of
all its threads, /proc/PID/task/*/status) and, over as long again, its
system calls (strace -f -c); last, how long SIGTERM takes to end it.
Nothing is asserted. Uses build/govsecd and build/govsec
($GOVSEC_BUILD); needs Debian's strace (and postgresql-15 for pg).
"""
import os
import pathlib
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "e2e"))

import pgserver  # noqa: E402

BUILD = pathlib.Path(os.environ.get("GOVSEC_BUILD", HERE.parent / "build"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sample(pid):
    """CPU seconds, context switches and threads of pid so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    switches, tasks = 0, os.listdir(f"/proc/{pid}/task")
    for t in tasks:
        with open(f"/proc/{pid}/task/{t}/status") as f:
            for line in f:
                if "ctxt_switches" in line:
                    switches += int(line.split()[1])
    return cpu, switches, len(tasks)


def measure(d, uri, secs, name):
    (d / "store").mkdir(mode=0o700)
    conf = d / "govsec.conf"
    conf.write_text(f"[store]\npath = {uri}\nkey = {d}/store/govsec.key\n"
                    f"[console]\nlisten = 127.0.0.1:{free_port()}\n"
                    f"[gate]\nlisten = 127.0.0.1:{free_port()}\n"
                    "trusted_proxies = 127.0.0.1\n")
    env = dict(os.environ, GOVSEC_ALLOW_ROOT="yes", LANG="C")
    subprocess.run([str(BUILD / "govsec"), "-c", str(conf), "init"],
                   env=env, check=True, capture_output=True)
    with open(d / "govsecd.log", "wb") as log:
        p = subprocess.Popen([str(BUILD / "govsecd"), "-f", "-c", str(conf)],
                             stdout=log, stderr=log, env=env)
    try:
        time.sleep(8)
        if p.poll() is not None:
            sys.exit((d / "govsecd.log").read_text())
        c0, s0, _ = sample(p.pid)
        t0 = time.monotonic()
        time.sleep(secs)
        c1, s1, n = sample(p.pid)
        t = time.monotonic() - t0
        print(f"{name}: {n} threads, {t:.1f} s idle: CPU {c1 - c0:.3f} s, "
              f"{s1 - s0} wake-ups ({(s1 - s0) / t:.1f}/s), load average "
              f"{os.getloadavg()[0]:.2f}")
        st = subprocess.run(["timeout", "-s", "INT", str(secs), "strace",
                             "-f", "-c", "-p", str(p.pid)],
                            capture_output=True, text=True)
        print("\n".join(line for line in st.stderr.splitlines()
                        if "detached" not in line and "attached" not in line))
        t0 = time.monotonic()
        p.send_signal(signal.SIGTERM)
        rc = p.wait(30)
        print(f"{name}: SIGTERM to exit {1000 * (time.monotonic() - t0):.0f}"
              f" ms, status {rc}")
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def main():
    backend = sys.argv[1] if len(sys.argv) > 1 else "sqlite"
    secs = float(sys.argv[2]) if len(sys.argv) > 2 else 30
    with tempfile.TemporaryDirectory(prefix="govsec-idle.") as tmp:
        d = pathlib.Path(tmp)
        os.chmod(d, 0o755)
        if backend == "pg":
            with pgserver.PgServer() as pg:
                measure(d, pg.createdb("idle"), secs, backend)
        else:
            (d / "db").mkdir(mode=0o700)
            measure(d, d / "db" / "govsec.db", secs, backend)


if __name__ == "__main__":
    main()
