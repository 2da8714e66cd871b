#!/usr/bin/env python3
"""bench/pg.py: a private PostgreSQL 15 for the benches (bench/check and
bench/gate with STORE=pg), started by tests/e2e/pgserver.py (initdb and
pg_ctl in a temporary directory, a Unix socket only, as 'nobody' when run
as root; never the system's cluster), and what the benches measure of it.

  pg.py start           starts a server; prints its directory, its URI
                        (database postgres) and the postmaster's pid
  pg.py createdb DIR N  makes database N (collation C); prints its URI
  pg.py stop DIR        stops the server of DIR and removes DIR
  pg.py watch DIR OUT [DB]
                        until SIGTERM (OUT.ready once it watches):
                        samples the server's processes
                        every 0.2 s, then writes to OUT the peak of the sum
                        of their proportional set sizes (PSS: shared
                        buffers counted once) in MB and the CPU seconds
                        (user + system) the server used meanwhile, backends
                        that ended included; with DB, only the backends of
                        database DB and the server's own processes (not
                        the backends of other databases, which another
                        bench may be using meanwhile; a backend's last
                        0.2 s before it ends are missed)

The server is tuned as a database host would be for a bulk load
(shared_buffers 512MB, max_wal_size 8GB) beside pgserver.py's test settings
(fsync off, synchronous_commit off: the benches measure govsec, not the
disk). Stdlib only.
"""
import os
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tests", "e2e"))
import pgserver  # noqa: E402

SETTINGS = ("-c shared_buffers=512MB -c max_wal_size=8GB "
            "-c checkpoint_timeout=30min -c work_mem=32MB "
            "-c maintenance_work_mem=256MB")
TICKS = os.sysconf("SC_CLK_TCK")


def server(d):
    s = pgserver.PgServer.__new__(pgserver.PgServer)
    s.dir, s.data, s.port, s.started = d, os.path.join(d, "data"), 5432, True
    return s


def postmaster(d):
    with open(os.path.join(d, "data", "postmaster.pid")) as f:
        return int(f.readline())


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(p) for p in f.read().split()]
    except OSError:
        return []


def pss_kb(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_ticks(pid, reaped):
    """utime + stime of pid, plus its reaped children's if reaped."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            st = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    t = int(st[11]) + int(st[12])
    if reaped:
        t += int(st[13]) + int(st[14])
    return t


def server_cpu(pm):
    # live backends and helpers, and those the postmaster has reaped
    return cpu_ticks(pm, True) + sum(cpu_ticks(c, False)
                                     for c in children(pm))


def watch(d, out):
    pm = postmaster(d)
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    cpu0, peak = server_cpu(pm), 0
    with open(out + ".ready", "w"):
        pass  # the caller starts its command after this
    while not stop:
        peak = max(peak, pss_kb(pm) + sum(pss_kb(c) for c in children(pm)))
        time.sleep(0.2)
    time.sleep(0.3)  # the backend of the command that ended is reaped
    with open(out, "w") as f:
        f.write("%.0f %.2f\n" % (peak / 1024,
                                 (server_cpu(pm) - cpu0) / TICKS))


def database_of(pid):
    """The database of a backend ("postgres: USER DB ..."), "" for the
    server's own processes (checkpointer, walwriter, ...)."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            title = f.read().split(b"\0")[0].decode("utf-8", "replace")
    except OSError:
        return None
    words = title.split()
    if len(words) >= 3 and words[0] == "postgres:" and \
            (len(words) > 3 and words[3].startswith("[") or
             words[1] == "autovacuum" and words[2] == "worker"):
        if words[1] == "autovacuum":
            return words[3] if len(words) > 3 else None
        return words[2]
    return ""


def watch_db(d, out, db):
    pm = postmaster(d)
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    base, last, peak = {}, {}, 0
    for c in children(pm):
        base[c] = cpu_ticks(c, False)
    with open(out + ".ready", "w"):
        pass
    while not stop:
        mine = [c for c in children(pm) if database_of(c) in ("", db)]
        for c in mine:
            last[c] = cpu_ticks(c, False)
        peak = max(peak, pss_kb(pm) + sum(pss_kb(c) for c in mine))
        time.sleep(0.2)
    ticks = sum(t - base.get(c, 0) for c, t in last.items())
    with open(out, "w") as f:
        f.write("%.0f %.2f\n" % (peak / 1024, ticks / TICKS))


def main(argv):
    if len(argv) >= 2 and argv[1] == "start":
        s = pgserver.PgServer()
        try:
            s.start(SETTINGS)
        except BaseException:
            s.stop()
            raise
        print(s.dir, s.uri(), postmaster(s.dir))
    elif len(argv) == 4 and argv[1] == "createdb":
        s = server(argv[2])
        s.psql("CREATE DATABASE %s TEMPLATE template0 ENCODING 'UTF8' "
               "LC_COLLATE 'C' LC_CTYPE 'C'" % argv[3])
        print(s.uri(argv[3]))
    elif len(argv) == 3 and argv[1] == "stop":
        if not os.path.basename(argv[2]).startswith("gpg."):
            sys.exit("pg.py: %s is not a server's directory" % argv[2])
        server(argv[2]).stop()
    elif len(argv) == 4 and argv[1] == "watch":
        watch(argv[2], argv[3])
    elif len(argv) == 5 and argv[1] == "watch":
        watch_db(argv[2], argv[3], argv[4])
    else:
        sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
