"""GOVWEB-1 availability probing: `govsec probe` against a real nginx on
loopback (names mapped with --resolve, so nothing leaves the machine), the
weekly failure ratio with the 5 % veto in `govsec check`, and govsecd's
scheduler with [probe] enabled. nginx runs with its own prefix in a
temporary directory and is always stopped by the fixture's finalizer.
"""
import datetime
import json
import signal
import sqlite3
import subprocess

import pytest

from conftest import (GOVSECD, cli_env, connections_to, free_port, run_cli,
                      running_nginx, self_signed, silent_socket, wait_until)

UNIT = "11440700007250010K"

NGINX_CONF = """daemon off;
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log;
events {{ worker_connections 64; }}
http {{
	access_log {prefix}/access.log;
	client_body_temp_path {prefix}/tmp;
	proxy_temp_path {prefix}/tmp;
	fastcgi_temp_path {prefix}/tmp;
	uwsgi_temp_path {prefix}/tmp;
	scgi_temp_path {prefix}/tmp;
	default_type text/html;
	port_in_redirect off;
	absolute_redirect off;
	server {{
		listen 127.0.0.1:{port} default_server;
		server_name www.up.gov.cn;
		location / {{ return 200 "<html><body>up</body></html>"; }}
	}}
	server {{
		listen 127.0.0.1:{port};
		server_name www.down.gov.cn;
		location / {{ return 500; }}
	}}
	server {{
		listen 127.0.0.1:{port};
		server_name www.moved.gov.cn;
		location = / {{ return 301 /home.html; }}
		location = /home.html {{ return 200 "home"; }}
	}}
	server {{
		listen 127.0.0.1:{port};
		server_name www.loop.gov.cn;
		location / {{ return 302 /again; }}
	}}
	server {{
		listen 127.0.0.1:{tlsport} ssl;
		server_name www.tls.gov.cn;
		ssl_certificate {prefix}/tls.pem;
		ssl_certificate_key {prefix}/tls.key;
		location / {{ return 200 "secure"; }}
	}}
}}
"""


class Site:
    def __init__(self, prefix, port, tlsport, hole):
        self.prefix, self.port, self.tlsport, self.hole = (
            prefix, port, tlsport, hole)

    def resolve(self):
        """www.slow.gov.cn goes to a socket that never answers."""
        return (f"www.slow.gov.cn=127.0.0.1:{self.hole},"
                f"www.tls.gov.cn:443=127.0.0.1:{self.tlsport},"
                f"*:443=none,*:80=127.0.0.1:{self.port}")

    def probe(self, *args, db):
        return run_cli(["probe", *args, "--allow-private", "--resolve",
                        self.resolve(), "--cacert",
                        str(self.prefix / "tls.pem"), "--timeout", "2"],
                       db=db)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    prefix = tmp_path_factory.mktemp("probe-nginx")
    (prefix / "tmp").mkdir()
    self_signed(prefix, "www.tls.gov.cn")
    port, tlsport = free_port(), free_port()
    conf = NGINX_CONF.format(prefix=prefix, port=port, tlsport=tlsport)
    with silent_socket() as hole, \
            running_nginx(prefix, conf, [port, tlsport]):
        yield Site(prefix, port, tlsport, hole)


def registry(domain):
    return {
        "format": "govsec-registry/1",
        "units": [{"uscc": UNIT, "name": "江门市人民政府",
                   "short_name": "江门市政府", "kind": "administrative",
                   "level": "prefecture", "region": "440700",
                   "region_name": "江门市"}],
        "applications": [{"id": "portal", "unit": UNIT, "type": "portal",
                          "name": "江门市人民政府门户网站",
                          "status": "live", "filed": True,
                          "domains": [{"name": domain, "lang": "en",
                                       "main": True}]}],
    }


def imported(tmp_path, domain="www.up.gov.cn"):
    db = tmp_path / "govsec.db"
    reg = tmp_path / "reg.json"
    reg.write_text(json.dumps(registry(domain), ensure_ascii=False))
    p = run_cli(["import", str(reg)], db=db)
    assert p.returncode == 0, p.stderr
    return db


def rows(db):
    with sqlite3.connect(db) as con:
        return con.execute("SELECT app, url, ok, status, error, ms FROM "
                           "probe_results ORDER BY rowid").fetchall()


def probe_json(site, *args, db):
    p = site.probe(*args, "--format", "json", db=db)
    assert p.returncode in (0, 1), p.stderr
    out = json.loads(p.stdout)
    assert len(out) == 1
    return out[0], p.returncode


def test_probe_up_is_stored(site, tmp_path):
    db = imported(tmp_path)
    r, rc = probe_json(site, "--app", "portal", db=db)
    assert rc == 0
    assert r["ok"] is True and r["status"] == 200
    assert r["app"] == "portal"
    # https is refused by the map: up over http, with a note
    assert r["url"] == "http://www.up.gov.cn/"
    assert r["error"].startswith("answers over http only (https: ")
    assert rows(db) == [("portal", "http://www.up.gov.cn/", 1, 200,
                         r["error"], r["ms"])]


def test_probe_https_first(site, tmp_path):
    r, rc = probe_json(site, "www.tls.gov.cn", db=tmp_path / "x.db")
    assert rc == 0
    assert (r["ok"], r["status"], r["url"], r["error"]) == (
        True, 200, "https://www.tls.gov.cn/", "")
    assert r["app"] is None


def test_probe_follows_redirects(site, tmp_path):
    r, _ = probe_json(site, "http://www.moved.gov.cn/", db=tmp_path / "x.db")
    assert (r["ok"], r["status"], r["url"]) == (
        True, 200, "http://www.moved.gov.cn/home.html")
    r, rc = probe_json(site, "http://www.loop.gov.cn/", db=tmp_path / "x.db")
    assert rc == 1
    assert (r["ok"], r["error"]) == (False, "too many redirects")


def test_probe_down_on_http_error(site, tmp_path):
    r, rc = probe_json(site, "http://www.down.gov.cn/", db=tmp_path / "x.db")
    assert rc == 1
    assert (r["ok"], r["status"], r["error"]) == (False, 500,
                                                  "HTTP status 500")
    p = site.probe("http://www.down.gov.cn/", db=tmp_path / "x.db")
    assert p.returncode == 1
    assert p.stdout.startswith("down 500 ")


def test_probe_down_on_timeout_within_the_limit(site, tmp_path):
    # the server never answers: without the limit this would hang until
    # run_cli's own timeout fails the test
    p = run_cli(["probe", "http://www.slow.gov.cn/", "--allow-private",
                 "--resolve", site.resolve(), "--timeout", "1", "--format",
                 "json"], db=tmp_path / "x.db", timeout=30)
    assert p.returncode == 1, p.stderr
    r = json.loads(p.stdout)[0]
    assert (r["ok"], r["status"], r["error"]) == (
        False, 0, "no answer within 1 s")
    assert r["ms"] >= 900  # it waited for the limit, not less


def test_probe_ssrf_guard(site, tmp_path):
    p = run_cli(["probe", "http://www.up.gov.cn/", "--resolve",
                 site.resolve(), "--format", "json"], db=tmp_path / "x.db")
    assert p.returncode == 1
    r = json.loads(p.stdout)[0]
    assert r["ok"] is False
    assert "private, loopback or link-local" in r["error"]


def test_probe_usage(tmp_path):
    p = run_cli(["probe", "--app", "x", "http://a.gov.cn/"],
                db=tmp_path / "x.db")
    assert p.returncode == 2
    p = run_cli(["probe", "--app", "nope"], db=tmp_path / "x.db")
    assert p.returncode == 2
    assert "'nope' is not registered" in p.stderr
    p = run_cli(["probe", "x.gov.cn", "--timeout", "0"],
                db=tmp_path / "x.db")
    assert p.returncode == 2


def availability(db):
    # the rows history() and days() write behind govsec's back reach the
    # summaries check reads through `govsec summarize`
    assert run_cli(["summarize"], db=db).returncode == 0
    p = run_cli(["check", "--format", "json", "--all"], db=db)
    f = [f for f in json.loads(p.stdout)["findings"]
         if f["requirement"] == "GOVWEB-1"]
    assert len(f) == 1, p.stdout
    return f[0]


def history(db, ok, failed, hours_ago=1, app="portal"):
    """ok + failed probes spread over the past week before hours_ago."""
    now = datetime.datetime.now(datetime.timezone.utc)
    with sqlite3.connect(db) as con:
        for i in range(ok + failed):
            at = now - datetime.timedelta(hours=hours_ago + i)
            con.execute("INSERT INTO probe_results (app, at, url, ok, "
                        "status, error, ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
                        (app, at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                         "https://www.up.gov.cn/", int(i >= failed),
                         200 if i >= failed else 500,
                         None if i >= failed else "HTTP status 500", 30))


def days(db, per_day, failed=0, first=0, last=6, app="portal"):
    """per_day probes in each 24-hour day before now from day first (0:
    the one ending now) to day last, an hour into the day and a minute
    apart; the first `failed` of each day down."""
    now = datetime.datetime.now(datetime.timezone.utc)
    with sqlite3.connect(db) as con:
        for d in range(first, last + 1):
            for i in range(per_day):
                at = now - datetime.timedelta(days=d, hours=1, minutes=i)
                con.execute("INSERT INTO probe_results (app, at, url, ok, "
                            "status, error, ms) VALUES (?, ?, ?, ?, ?, ?, "
                            "?)", (app, at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                                   "https://www.up.gov.cn/", int(i >= failed),
                                   200 if i >= failed else 500,
                                   None if i >= failed else "HTTP status 500",
                                   30))


def test_check_availability_by_ratio(site, tmp_path):
    db = imported(tmp_path)
    f = availability(db)
    assert f["status"] == "unknown"
    assert f["evidence"].startswith("not enough probes: 0 ")
    assert "govsecd [probe] enabled" in f["evidence"]
    # the indicator's week: 20 probes a day for 7 days; one real probe
    # (up) and 18 older today, 20 on each of the six days before: today
    # falls one short
    _, rc = probe_json(site, "--app", "portal", db=db)
    assert rc == 0
    days(db, 18, last=0)
    days(db, 20, first=1)
    f = availability(db)
    assert f["status"] == "unknown"
    assert f["evidence"].startswith(
        "not enough probes: 139 in the last 7 days, per day 20, 20, 20, 20, "
        "20, 20, 19 (oldest first)"), f["evidence"]
    # a real failure makes the week: 1 of 140 failed
    r, rc = probe_json(site, "http://www.down.gov.cn/", db=db)
    assert rc == 1
    with sqlite3.connect(db) as con:
        con.execute("UPDATE probe_results SET app = 'portal' WHERE app "
                    "IS NULL")
    f = availability(db)
    assert f["status"] == "pass"
    assert f["evidence"] == "1 of 140 probes failed in the last 7 days (0.7 %)"
    # judged by an observation: the newest probe's time
    with sqlite3.connect(db) as con:
        newest = con.execute("SELECT max(at) FROM probe_results").fetchone()[0]
    assert f["judged_by"] == "observation" and f["observed"] == newest
    # 7 of 146 = 4.8 %, below the veto
    days(db, 6, failed=6, first=3, last=3)
    f = availability(db)
    assert f["status"] == "pass"
    assert f["evidence"] == "7 of 146 probes failed in the last 7 days (4.8 %)"
    # failures older than 7 days do not count
    days(db, 5, failed=5, first=7, last=7)
    assert availability(db)["status"] == "pass"
    # one more within the week: 8 of 147 = 5.4 %, the veto
    days(db, 1, failed=1, first=5, last=5)
    f = availability(db)
    assert f["status"] == "fail"
    assert f["evidence"].startswith(
        "8 of 147 probes failed in the last 7 days (5.4 %)")


def test_check_availability_needs_a_week(site, tmp_path):
    """Six days of probes, however many, are not the indicator's week."""
    db = imported(tmp_path)
    days(db, 100, failed=50, first=0, last=5)
    f = availability(db)
    assert f["status"] == "unknown"
    assert f["evidence"].startswith(
        "not enough probes: 600 in the last 7 days, per day 0, 100, 100, "
        "100, 100, 100, 100 (oldest first)"), f["evidence"]


def test_old_results_are_pruned(site, tmp_path):
    db = imported(tmp_path)
    history(db, 3, 0, hours_ago=401 * 24)
    history(db, 2, 0, hours_ago=30)
    probe_json(site, "--app", "portal", db=db)
    assert len(rows(db)) == 3


def test_govsecd_probes_on_schedule_and_stops(site, tmp_path):
    if not GOVSECD.exists():
        pytest.fail(f"{GOVSECD} is missing")
    db = imported(tmp_path)
    conf = tmp_path / "govsec.conf"
    port = free_port()
    conf.write_text("[console]\n"
                    f"listen = 127.0.0.1:{port}\n"
                    "[probe]\n"
                    "enabled = yes\n"
                    "per_day = 86400\n"
                    "timeout = 2\n"
                    "allow_private = yes\n"
                    f"resolve = {site.resolve()}\n")
    p = subprocess.run([str(GOVSECD), "-n", "-c", str(conf), "-d", str(db)],
                       capture_output=True, text=True, env=cli_env(),
                       timeout=60)
    assert p.returncode == 0, p.stderr
    log = open(tmp_path / "govsecd.log", "w")
    proc = subprocess.Popen([str(GOVSECD), "-f", "-c", str(conf), "-d",
                             str(db)], stdout=log, stderr=subprocess.STDOUT,
                            env=cli_env())
    def three():
        assert proc.poll() is None, (tmp_path / "govsecd.log").read_text()
        try:
            return len(rows(db)) >= 3
        except sqlite3.OperationalError:  # not created yet
            return False

    try:
        wait_until(three, 10, lambda: "three probes stored: " +
                   (tmp_path / "govsecd.log").read_text())
        proc.send_signal(signal.SIGTERM)
        # the probe's own limit is 60 s: ending within the wait shows it
        # was cancelled, not waited out
        assert proc.wait(10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()
    got = rows(db)
    assert all(r[:4] == ("portal", "http://www.up.gov.cn/", 1, 200)
               for r in got), got
    text = (tmp_path / "govsecd.log").read_text()
    assert "probe: 86400 times a day, 2 s limit per probe" in text
    assert "probe: 1 portal(s) probed, 1 up, 0 down in " in text


def test_govsecd_stops_promptly_during_a_probe(site, tmp_path):
    db = imported(tmp_path, "www.slow.gov.cn")
    conf = tmp_path / "govsec.conf"
    conf.write_text("[console]\n"
                    f"listen = 127.0.0.1:{free_port()}\n"
                    "[probe]\n"
                    "enabled = yes\n"
                    "timeout = 60\n"
                    "allow_private = yes\n"
                    f"resolve = {site.resolve()}\n")
    before = connections_to(site.hole)
    log = open(tmp_path / "govsecd.log", "w")
    proc = subprocess.Popen([str(GOVSECD), "-f", "-c", str(conf), "-d",
                             str(db)], stdout=log, stderr=subprocess.STDOUT,
                            env=cli_env())
    try:
        # the first probe hangs on the silent socket
        wait_until(lambda: connections_to(site.hole) > before, 10,
                   "the probe to connect to the silent socket")
        assert proc.poll() is None
        proc.send_signal(signal.SIGTERM)
        # the probe's own limit is 60 s: ending within the wait shows it
        # was cancelled, not waited out
        assert proc.wait(10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()
    assert rows(db) == []  # an aborted probe is no measurement


def test_probe_config_is_checked(tmp_path):
    conf = tmp_path / "govsec.conf"
    conf.write_text("[probe]\nper_day = 0\n")
    p = subprocess.run([str(GOVSECD), "-n", "-c", str(conf), "-d",
                        str(tmp_path / "x.db")], capture_output=True,
                       text=True, env=cli_env(), timeout=60)
    assert p.returncode == 2
    assert "bad value '0' for [probe] per_day" in p.stderr
    conf.write_text("[probe]\nenable = yes\n")
    p = subprocess.run([str(GOVSECD), "-n", "-c", str(conf), "-d",
                        str(tmp_path / "x.db")], capture_output=True,
                       text=True, env=cli_env(), timeout=60)
    assert p.returncode == 2
    assert "unknown setting [probe] enable" in p.stderr
