#!/usr/bin/python3
"""bench/gate_propagation.py [N]: how long a revocation takes to reach
another govsecd on the same PostgreSQL (issue 14: "within a second").

Starts a throw-away PostgreSQL 15 (tests/e2e/pgserver.py) and two govsecd
gates on it behind nginx (tests/e2e/gatecluster.py, as the e2e tests), then
N times (default 50): logs a user in on instance 0, has instance 1 honour
the session (so that it holds it in memory), logs it out on instance 0 and
asks instance 1 every millisecond until it refuses. Then N times the
administrator's way: `govsec gate revoke USER` while both instances hold a
session, until both refuse (from the command's start, its own run
included). Prints median, 90th percentile and max of each, the CPU
time the two govsecd used over the whole run beside its wall time, and
what they used in 10 s of nothing (the cost of waiting for changes).
Nothing is asserted. Needs Debian's postgresql-15 and nginx; uses
build/govsecd and build/govsec ($GOVSEC_BUILD).
"""
import os
import pathlib
import statistics
import sys
import tempfile
import time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "e2e"))

import pgserver  # noqa: E402
from gatecluster import gate_cluster  # noqa: E402

PW = {"bench": "bench password 1"}
SRC = "127.0.0.9"
IDLE = 10  # seconds of nothing, to see what waiting costs


def cpu_seconds(pid):
    """utime + stime of a process (Linux /proc), in seconds."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def until_refused(c, insts, jar, t0, limit=10.0):
    """Seconds from t0 until every instance in insts refuses jar."""
    left = set(insts)
    while left:
        for i in list(left):
            if c.direct(i, jar, SRC) == 401:
                left.discard(i)
        if time.monotonic() - t0 > limit:
            raise SystemExit(f"instances {sorted(left)} still honour a "
                             f"revoked session after {limit} s")
        if left:
            time.sleep(0.001)
    return time.monotonic() - t0


def summary(name, xs):
    xs = sorted(xs)
    p90 = xs[min(len(xs) - 1, int(0.9 * len(xs)))]
    print(f"{name:44s} n={len(xs):3d}  median {statistics.median(xs)*1000:7.1f}"
          f" ms  p90 {p90*1000:7.1f} ms  max {xs[-1]*1000:7.1f} ms")


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    with tempfile.TemporaryDirectory(prefix="gprop.") as tmp, \
            pgserver.PgServer() as pg, \
            gate_cluster(pathlib.Path(tmp), pg, 2, PW,
                         attempts=1000, addr_attempts=1000) as c:
        pids = [int(p) for p in os.popen(
            "pgrep -f 'govsecd -f -c %s/govsec[01].conf'" % tmp).read().split()]
        # what waiting for changes costs when nothing happens
        idle0 = sum(cpu_seconds(p) for p in pids)
        time.sleep(IDLE)
        idle = sum(cpu_seconds(p) for p in pids) - idle0
        cpu0 = sum(cpu_seconds(p) for p in pids)
        w0 = time.monotonic()
        logout = []
        for _ in range(n):
            st, jar = c.login("bench", PW["bench"], src=SRC, port=c.gps[0])
            assert st == 200, st
            assert c.direct(1, jar, SRC) == 200
            t0 = time.monotonic()
            assert c.logout_on(0, jar) == 200
            logout.append(until_refused(c, [1], jar, t0))
        revoke = []
        for _ in range(n):
            st, jar = c.login("bench", PW["bench"], src=SRC, port=c.gps[0])
            assert st == 200, st
            assert [c.direct(i, jar, SRC) for i in (0, 1)] == [200, 200]
            t0 = time.monotonic()
            r = c.cli("gate", "revoke", "bench")
            assert r.returncode == 0, r.stderr
            revoke.append(until_refused(c, [0, 1], jar, t0))
        wall = time.monotonic() - w0
        cpu = sum(cpu_seconds(p) for p in pids) - cpu0
        print(f"two govsecd gates on one PostgreSQL 15, {n} revocations "
              "each way (load average "
              f"{os.getloadavg()[0]:.2f})")
        summary("logout on instance 0 -> refused on 1", logout)
        summary("`govsec gate revoke` -> refused on both", revoke)
        print(f"govsecd CPU over the run: {cpu:.2f} s in {wall:.1f} s wall "
              f"({len(pids)} processes; the logins' argon2id most of it)")
        print(f"govsecd CPU idle: {idle:.2f} s in {IDLE} s "
              f"({len(pids)} processes, nothing happening)")


if __name__ == "__main__":
    main()
