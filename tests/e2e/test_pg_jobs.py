"""Scheduled inspections and probes claimed as jobs (issue 14, items 2
and 3): three govsecd on one real PostgreSQL 15 (conftest's pg_server)
inspect and probe sites that a real nginx serves on loopback (https with
a private CA, names mapped with the resolve maps, nothing leaves the
machine). Each site is inspected, and each portal probed, once per
interval across the three, and the work is spread over them; an instance
killed with SIGKILL in the middle of a slow crawl loses the site to
another instance once its lease ends, and the run is stored once,
complete; an instance stopped (gdb) at the very start of storing its run
until another took the site over has its store refused (fencing), and
the run is stored once. Intervals and leases are seconds long ([inspect]
interval_seconds, [probe] per_day, [store] lease_seconds). Nothing
asserts a duration: the tests read the store (insp_runs, probe_results,
sched_jobs) and the logs. Stdlib and pytest only.
"""
import contextlib
import datetime
import os
import re
import signal
import subprocess

import pytest

import jobsite
from conftest import (GOVSECD, cli_env, free_port, run_cli, tcp_ready,
                      wait_until)
from jobsite import SLOW_PAGES, registry, slow_host, stalled_save

N = 3
SITES = [f"www.s{k}.gov.cn" for k in range(1, 10)]
INTERVAL = 10  # [inspect] interval_seconds
PROBE_PER_DAY = 17280  # a probe of each portal every 5 s
PROBE_INTERVAL = 86400 / PROBE_PER_DAY
LEASE = 3  # [store] lease_seconds
SLOW = slow_host(60)
# a quick site whose slot comes 15-18 s into the round: time for gdb to
# be attached to every instance first, even on a busy machine
FENCED = slow_host(60, "fenced", at=15)

@pytest.fixture(scope="module")
def web(tmp_path_factory):
    with jobsite.serving(tmp_path_factory.mktemp("jobs-nginx"),
                         SITES + [SLOW, FENCED], SLOW) as w:
        yield w


class Cluster:
    """n govsecd on one PostgreSQL database: procs, logs, ids."""

    def __init__(self, pg, name, d):
        self.pg, self.name, self.d = pg, name, d
        self.procs, self.logs = [], []

    def sql(self, q):
        out = self.pg.psql(q, db=self.name)
        return [line.split("|") for line in out.splitlines() if line]

    def instance(self, i):
        """Instance i's id, from its log."""
        m = re.search(r"instance '([^']+)'", self.logs[i].read_text())
        return m and m.group(1)


@contextlib.contextmanager
def cluster(pg_server, web, d, hosts, extra, interval=INTERVAL):
    """N govsecd (console only, plus extra) on a fresh database with the
    hosts' portals imported; each killed at the end if still running."""
    os.chmod(d, 0o755)
    name = "jobs_%d_%d" % (os.getpid(), len(list(d.parent.iterdir())))
    uri = pg_server.createdb(name)
    c = Cluster(pg_server, name, d)
    (d / "store").mkdir(mode=0o700)
    confs = []
    ports = []
    for i in range(N):
        port = free_port()
        ports.append(port)
        conf = d / f"govsec{i}.conf"
        conf.write_text(
            f"[store]\npath = {uri}\nkey = {d / 'store' / 'govsec.key'}\n"
            f"lease_seconds = {LEASE}\n"
            f"[console]\nlisten = 127.0.0.1:{port}\n"
            "[inspect]\n"
            f"interval_seconds = {interval}\n"
            "max_seconds = 120\nconcurrency = 2\nallow_private = yes\n"
            f"resolve = *:443=127.0.0.1:{web.tls},"
            f"*:80=127.0.0.1:{web.plain},*=none\n"
            f"cacert = {web.d / 'tls.pem'}\n"
            "[probe]\n"
            f"per_day = {PROBE_PER_DAY}\ntimeout = 5\nallow_private = yes\n"
            f"resolve = *:443=127.0.0.1:{web.tls},"
            f"*:80=127.0.0.1:{web.plain},*=none\n" + extra)
        confs.append(conf)
    r = run_cli(["import", registry(d, hosts)], db=uri,
                env={"GOVSEC_CONF": str(confs[0])})
    assert r.returncode == 0, r.stderr
    try:
        for i in range(N):
            log = d / f"govsecd{i}.log"
            c.logs.append(log)
            with open(log, "wb") as out:
                c.procs.append(subprocess.Popen(
                    [str(GOVSECD), "-f", "-c", str(confs[i])], stdout=out,
                    stderr=out, env=cli_env()))
        for i in range(N):
            def up(i=i):
                assert c.procs[i].poll() is None, c.logs[i].read_text()
                try:
                    tcp_ready(ports[i])()
                except OSError:
                    return False
                return c.instance(i)
            wait_until(up, 20, f"govsecd {i} to start")
        yield c
    finally:
        for p in c.procs:
            if p.poll() is None:
                p.kill()
                p.wait()


def stop_all(c):
    """SIGTERM to each instance still running; each exits cleanly."""
    for p in c.procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for i, p in enumerate(c.procs):
        if p.returncode != -signal.SIGKILL:
            assert p.wait(20) == 0, c.logs[i].read_text()
    for log in c.logs:
        text = log.read_text()
        assert "Sanitizer" not in text and "runtime error" not in text


def logs(c):
    return "\n".join(f"--- {log.name}\n{log.read_text()}" for log in c.logs)


def times(rows):
    return [datetime.datetime.fromisoformat(t.replace("Z", "+00:00"))
            for t in rows]


@pytest.fixture(scope="module")
def three(pg_server, web, tmp_path_factory):
    """Three instances inspecting and probing the nine sites for two
    inspection rounds (and as many probe rounds), then stopped."""
    d = tmp_path_factory.mktemp("jobs3")
    with cluster(pg_server, web, d, SITES,
                 "[inspect]\nenabled = yes\n[probe]\nenabled = yes\n") as c:
        def two_rounds():
            rows = c.sql("SELECT count(*) FROM sched_jobs WHERE kind = "
                         "'inspect' AND runs >= 2")
            return int(rows[0][0]) == len(SITES)
        wait_until(two_rounds, 5 + 3 * INTERVAL + 30,
                   lambda: "two rounds of inspections: " + logs(c))
        stop_all(c)
        yield c


def test_each_site_inspected_once_per_round(three):
    c = three
    jobs = {name: (int(runs), owner) for name, runs, owner in c.sql(
        "SELECT name, runs, coalesce(owner, '') FROM sched_jobs WHERE "
        "kind = 'inspect'")}
    assert sorted(jobs) == sorted(SITES)
    assert all(owner == "" for _, owner in jobs.values()), jobs  # released
    for host in SITES:
        started = times([s for s, in c.sql(
            f"SELECT started FROM insp_runs WHERE host = '{host}' "
            "ORDER BY started")])
        # every stored run counted once, and no two in one interval
        assert len(started) == jobs[host][0] >= 2, (host, started)
        gaps = [(b - a).total_seconds()
                for a, b in zip(started, started[1:])]
        assert all(g >= INTERVAL - 2 for g in gaps), (host, gaps, logs(c))
    # each instance logs the runs it did: together, each run once
    done = [re.findall(r"inspect: 'https://([^/]+)/' \(portal-\d\): run "
                       r"(\d+),", log.read_text()) for log in c.logs]
    runs = sorted(int(r) for per in done for _, r in per)
    stored = sorted(int(i) for i, in c.sql("SELECT id FROM insp_runs"))
    assert runs == stored
    # spread over the instances, not all on one
    assert sum(1 for per in done if per) >= 2, [len(p) for p in done]
    # the instances named themselves; the ids differ
    ids = [c.instance(i) for i in range(N)]
    assert len(set(ids)) == N and all(ids), ids


def test_each_portal_probed_once_per_round(three):
    c = three
    jobs = {name: int(runs) for name, runs in c.sql(
        "SELECT name, runs FROM sched_jobs WHERE kind = 'probe'")}
    assert sorted(jobs) == sorted(f"portal-{k + 1}"
                                  for k in range(len(SITES)))
    for app, runs in jobs.items():
        at = times([a for a, in c.sql(
            f"SELECT at FROM probe_results WHERE app = '{app}' "
            "ORDER BY at")])
        assert len(at) == runs >= 3, (app, at)
        gaps = [(b - a).total_seconds() for a, b in zip(at, at[1:])]
        assert all(g >= PROBE_INTERVAL - 2 for g in gaps), (app, gaps)
    ok = c.sql("SELECT count(*) FROM probe_results WHERE ok = 1")
    total = c.sql("SELECT count(*) FROM probe_results")
    assert ok == total
    # more than one instance probed
    probed = [re.findall(r"probe: (\d+) portal\(s\) probed",
                         log.read_text()) for log in c.logs]
    assert sum(1 for p in probed if p) >= 2, logs(c)


def test_killed_mid_crawl_taken_over(pg_server, web, tmp_path):
    """The slow site's crawl (about 2 s a page) is claimed by one
    instance; SIGKILL in the middle of it; after the lease (3 s) another
    instance takes the site over and stores one complete run."""
    with cluster(pg_server, web, tmp_path, [SLOW],
                 "[inspect]\nenabled = yes\n", interval=60) as c:
        slow_log = web.d / "slow.log"
        before = (slow_log.read_text().count("GET /p/")
                  if slow_log.exists() else 0)

        def crawling():
            rows = c.sql("SELECT coalesce(owner, '') FROM sched_jobs "
                         f"WHERE kind = 'inspect' AND name = '{SLOW}'")
            got = (slow_log.read_text().count("GET /p/")
                   if slow_log.exists() else 0)
            # a page of the slow part has been fetched (so the crawl has
            # begun, and it lasts many seconds more)
            return rows and rows[0][0] and got > before and rows[0][0]
        owner = wait_until(crawling, 5 + 3 + 30,
                           lambda: "the slow crawl to start: " + logs(c))
        pid = int(owner.split(":")[-2])
        victim = [i for i, p in enumerate(c.procs) if p.pid == pid]
        assert victim, (owner, [p.pid for p in c.procs])
        c.procs[victim[0]].send_signal(signal.SIGKILL)
        c.procs[victim[0]].wait(10)
        assert c.sql(f"SELECT count(*) FROM insp_runs WHERE host = "
                     f"'{SLOW}'") == [["0"]]

        def done():
            rows = c.sql("SELECT runs, coalesce(last_owner, ''), "
                         "coalesce(owner, '') FROM sched_jobs WHERE "
                         f"name = '{SLOW}'")
            return rows and rows[0][0] == "1" and rows[0]
        runs, last, now = wait_until(done, LEASE + 60,
                                     lambda: "the takeover: " + logs(c))
        assert last != owner and last in [c.instance(i) for i in range(N)]
        assert now == ""
        stop_all(c)
        got = c.sql("SELECT id, pages FROM insp_runs WHERE host = "
                    f"'{SLOW}'")
        assert len(got) == 1, got
        assert int(got[0][1]) == SLOW_PAGES + 1, got  # complete
        taker = [i for i in range(N) if c.instance(i) == last][0]
        text = c.logs[taker].read_text()
        assert f"inspect: 'https://{SLOW}/' (portal-1): run {got[0][0]}," \
            in text, text


def test_stalled_save_refused(pg_server, web, tmp_path):
    """Fencing: the instance that inspects the site is stopped (every
    thread, by gdb) at the entry of insp_store_save, past the point where
    it last looked at its lease; its lease ends, another instance takes
    the site over and stores its run; then the first goes on and tries
    to store its own: refused (its lease was taken over), logged, nothing
    of it stored. Exactly one run, the taker's."""
    with cluster(pg_server, web, tmp_path, [FENCED],
                 "[inspect]\nenabled = yes\n", interval=60) as c:
        v, victim, taker = stalled_save(
            c.procs, c.instance, c.sql, FENCED, LEASE,
            lambda i: c.logs[i].read_text())
        stop_all(c)
        got = c.sql(f"SELECT id FROM insp_runs WHERE host = '{FENCED}'")
        assert len(got) == 1, got
        k = [i for i in range(N) if c.instance(i) == taker][0]
        assert f"'https://{FENCED}/' (portal-1): run {got[0][0]}," in \
            c.logs[k].read_text()
        assert c.sql("SELECT runs, last_owner FROM sched_jobs WHERE name "
                     f"= '{FENCED}'") == [["1", taker]]
