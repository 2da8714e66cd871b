"""govsecd's periodic work as jobs on the embedded SQLite store (one
instance): the scheduled inspections keep each site's next time in the
store (sched_jobs), so a restart does not inspect again what was just
inspected, and each stored run is counted once, by the instance that
logged it; two govsecd on one SQLite file share the jobs, and one that
stalled (held by gdb) at its save until the other took the site over
stores nothing. A real nginx on loopback serves the site (jobsite.py, as for
test_pg_jobs.py); nothing asserts a duration. Stdlib and pytest only.
"""
import re
import signal
import sqlite3
import subprocess
import time

import pytest

import jobsite
from conftest import GOVSECD, cli_env, free_port, run_cli, wait_until

INTERVAL = 60  # [inspect] interval_seconds
SITE = jobsite.slow_host(INTERVAL, "quick")  # its slot: the first 3 s
SLOW = "www.unused.gov.cn"
FENCED = jobsite.slow_host(INTERVAL, "fenced", at=15)  # 15-18 s in


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    with jobsite.serving(tmp_path_factory.mktemp("jobs-sqlite-nginx"),
                         [SITE, SLOW, FENCED], SLOW) as w:
        yield w


def config(tmp_path, web):
    conf = tmp_path / "govsec.conf"
    conf.write_text("[console]\n"
                    f"listen = 127.0.0.1:{free_port()}\n"
                    "[inspect]\nenabled = yes\n"
                    f"interval_seconds = {INTERVAL}\n"
                    "max_seconds = 60\nconcurrency = 2\nallow_private = yes\n"
                    f"resolve = *:443=127.0.0.1:{web.tls},*=none\n"
                    f"cacert = {web.d / 'tls.pem'}\n")
    return conf


def rows(db, sql):
    try:
        with sqlite3.connect(db) as con:
            return con.execute(sql).fetchall()
    except sqlite3.OperationalError:  # not made yet
        return []


def requests(web):
    """Requests nginx has logged for the sites so far."""
    log = web.d / "access.log"
    return len(log.read_text().splitlines()) if log.exists() else 0


def run_govsecd(conf, db, log):
    with open(log, "ab") as out:
        return subprocess.Popen([str(GOVSECD), "-f", "-c", str(conf), "-d",
                                 str(db)], stdout=out, stderr=out,
                                env=cli_env())


def test_restart_keeps_the_schedule(web, tmp_path):
    db = tmp_path / "govsec.db"
    r = run_cli(["import", jobsite.registry(tmp_path, [SITE])], db=db)
    assert r.returncode == 0, r.stderr
    conf = config(tmp_path, web)
    log = tmp_path / "govsecd.log"
    proc = run_govsecd(conf, db, log)
    try:
        # the first round 5 s after the start, the site within 3 s of it
        wait_until(lambda: rows(db, "SELECT runs FROM sched_jobs WHERE "
                                    "kind = 'inspect'") == [(1,)],
                   5 + 3 + 60, lambda: "the first run: " + log.read_text())
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0
        text = log.read_text()
        me = re.search(r"instance '([^']+)'", text).group(1)
        job = rows(db, "SELECT name, data, owner, last_owner, runs, due "
                       "FROM sched_jobs WHERE kind = 'inspect'")
        assert job[0][:5] == (SITE, "portal-1", None, me, 1), job
        runs = rows(db, "SELECT id FROM insp_runs WHERE host = "
                        f"'{SITE}'")
        assert len(runs) == 1
        assert (f"inspect: 'https://{SITE}/' (portal-1): run {runs[0][0]},"
                in text and f"on instance {me}" in text), text
        # started again: the site is not due for another interval; the
        # old scheduler inspected it again 5 s plus its slot after the
        # start, the jobs wait for its time in the store
        asked = requests(web)
        t0 = time.monotonic()
        proc = run_govsecd(conf, db, log)
        wait_until(lambda: log.read_text().count(
            "inspect: round of 1 site(s) over 60 s") >= 2 and
            log.read_text().count("started (store") >= 2, 30,
            lambda: "the second start's round: " + log.read_text())
        second = log.read_text().rsplit("started (store", 1)[1]
        assert re.search(r"instance '([^']+)'", second).group(1) != me
        wait_until(lambda: time.monotonic() - t0 >
                   5 + jobsite.fnv1a64(SITE) % (INTERVAL * 1000) / 1000 + 3,
                   20, "the old scheduler's time to pass")
        assert proc.poll() is None, log.read_text()
        assert rows(db, "SELECT due, owner FROM sched_jobs WHERE kind = "
                        "'inspect'") == [
            (job[0][5], None)]
        assert len(rows(db, "SELECT id FROM insp_runs")) == 1
        assert requests(web) == asked  # the site was not asked
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert len(rows(db, "SELECT id FROM insp_runs")) == 1


def test_stalled_save_refused_sqlite(web, tmp_path):
    """Fencing on SQLite: two govsecd on one store file; the one that
    inspects the site is held (gdb) at the entry of its save until its
    lease ends and the other has taken the site over and stored its run;
    then its own save is refused: one run, the other's
    (jobsite.stalled_save; test_pg_jobs.py does it on PostgreSQL)."""
    db = tmp_path / "govsec.db"
    r = run_cli(["import", jobsite.registry(tmp_path, [FENCED])], db=db)
    assert r.returncode == 0, r.stderr
    procs, logs = [], [tmp_path / f"govsecd{i}.log" for i in range(2)]
    try:
        for i in range(2):
            conf = tmp_path / f"govsec{i}.conf"
            conf.write_text(
                "[store]\nlease_seconds = 3\n"
                f"[console]\nlisten = 127.0.0.1:{free_port()}\n"
                "[inspect]\nenabled = yes\n"
                f"interval_seconds = {INTERVAL}\n"
                "max_seconds = 60\nconcurrency = 2\nallow_private = yes\n"
                f"resolve = *:443=127.0.0.1:{web.tls},*=none\n"
                f"cacert = {web.d / 'tls.pem'}\n")
            procs.append(run_govsecd(conf, db, logs[i]))

        def instance(i):
            m = re.search(r"instance '([^']+)'", logs[i].read_text())
            return m and m.group(1)
        for i in range(2):
            wait_until(lambda i=i: instance(i) or procs[i].poll(), 20,
                       lambda: "govsecd to start: " + logs[i].read_text())

        def sql(q):
            return [[str(x) for x in row] for row in rows(db, q)]
        v, victim, taker = jobsite.stalled_save(
            procs, instance, sql, FENCED, 3,
            lambda i: logs[i].read_text())
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for i, p in enumerate(procs):
            assert p.wait(20) == 0, logs[i].read_text()
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
    got = rows(db, f"SELECT id FROM insp_runs WHERE host = '{FENCED}'")
    assert len(got) == 1, got
    assert f"'https://{FENCED}/' (portal-1): run {got[0][0]}," in \
        logs[1 - v].read_text()
    assert rows(db, "SELECT runs, last_owner FROM sched_jobs WHERE name = "
                f"'{FENCED}'") == [(1, taker)]
