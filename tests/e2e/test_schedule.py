"""Scheduled inspections in govsecd ([inspect] enabled): a real nginx on
loopback serves a tiny https site (names mapped with the [inspect] resolve
map, a private CA given with cacert, so nothing leaves the machine); the
daemon inspects the registry's live portal on its own, stores the run as
`govsec inspect` does (insp_runs, insp_links, picked up by `govsec check`),
each site at its own slot of the interval (a hash of its host name), and
stops promptly on SIGTERM, in the middle of a crawl or while it waits for a
slot, without storing a partial run. Nothing asserts a duration: the
slots are checked in the log and the order of the stored runs. nginx runs
with its own prefix in a temporary directory and is always stopped by the
fixture's finalizer.
"""
import contextlib
import json
import re
import signal
import sqlite3
import subprocess

import pytest

from conftest import (GOVSECD, cli_env, connections_to, free_port, run_cli,
                      running_nginx, self_signed, silent_socket, wait_until)

UNIT = "11440700007250010K"
INTERVAL = 12  # [inspect] interval_seconds of these tests
# three portals whose slots (FNV-1a of the host modulo 12 s) are in the
# opposite order of their application ids
SPREAD = ["www.a.gov.cn", "www.b.gov.cn", "www.c.gov.cn"]


def fnv1a64(s):
    h = 0xcbf29ce484222325
    for b in s.encode():
        h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
    return h


def slot(host, interval=INTERVAL):
    """Seconds into a round at which govsecd inspects host."""
    return fnv1a64(host) % (interval * 1000) / 1000


def uscc(first17):
    """A credit code with its GB 32100 check character."""
    chars = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10,
               30, 28]
    total = sum(chars.index(c) * w for c, w in zip(first17, weights))
    return first17 + chars[(31 - total % 31) % 31]

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
	server {{
		listen 127.0.0.1:{tlsport} ssl default_server;
		server_name www.sched.gov.cn;
		ssl_certificate {prefix}/tls.pem;
		ssl_certificate_key {prefix}/tls.key;
		root {prefix}/site;
	}}
	server {{
		listen 127.0.0.1:{tlsport} ssl;
		server_name www.stall.gov.cn;
		access_log {prefix}/stall.log;
		ssl_certificate {prefix}/tls.pem;
		ssl_certificate_key {prefix}/tls.key;
		root {prefix}/stall;
	}}
}}
"""

HOME = """<!DOCTYPE html><html><head><title>sched</title></head><body>
<a href="/about.html">about</a> <a href="/gone.html">gone</a>
</body></html>"""
ABOUT = """<!DOCTYPE html><html><body><a href="/">home</a></body></html>"""
# the only link goes to a socket that accepts and never answers
STALL = """<!DOCTYPE html><html><body>
<a href="https://www.hole.gov.cn/slow.html">slow</a></body></html>"""


class Site:
    def __init__(self, prefix, tlsport, hole):
        self.prefix, self.tlsport, self.hole = prefix, tlsport, hole

    def resolve(self):
        return (f"www.hole.gov.cn=127.0.0.1:{self.hole},"
                f"*:443=127.0.0.1:{self.tlsport},*=none")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    prefix = tmp_path_factory.mktemp("schedule-nginx")
    (prefix / "tmp").mkdir()
    (prefix / "site").mkdir()
    (prefix / "site" / "index.html").write_text(HOME)
    (prefix / "site" / "about.html").write_text(ABOUT)
    (prefix / "stall").mkdir()
    (prefix / "stall" / "index.html").write_text(STALL)
    self_signed(prefix, "www.sched.gov.cn", "www.stall.gov.cn", *SPREAD)
    tlsport = free_port()
    conf = NGINX_CONF.format(prefix=prefix, tlsport=tlsport)
    with silent_socket() as hole, running_nginx(prefix, conf, [tlsport]):
        yield Site(prefix, tlsport, hole)


def imported(tmp_path, *domains):
    """A store with one live portal per domain: application "portal" for
    one domain, "portal-1", "portal-2", ... for several."""
    db = tmp_path / "govsec.db"
    reg = tmp_path / "reg.json"
    units, apps = [], []
    for k, domain in enumerate(domains):
        unit = UNIT if k == 0 else uscc(f"1144070000725002{k}")
        units.append({"uscc": unit, "name": f"江门市人民政府{k or ''}",
                      "short_name": f"江门市政府{k or ''}",
                      "kind": "administrative", "level": "prefecture",
                      "region": "440700", "region_name": "江门市"})
        apps.append({"id": "portal" if len(domains) == 1 else
                     f"portal-{k + 1}", "unit": unit, "type": "portal",
                     "name": f"江门市人民政府门户网站{k or ''}",
                     "status": "live", "filed": True,
                     "domains": [{"name": domain, "lang": "en",
                                  "main": True}]})
    reg.write_text(json.dumps({"format": "govsec-registry/1",
                               "units": units, "applications": apps},
                              ensure_ascii=False))
    p = run_cli(["import", str(reg)], db=db)
    assert p.returncode == 0, p.stderr
    return db


def config(tmp_path, site, extra=""):
    conf = tmp_path / "govsec.conf"
    conf.write_text("[console]\n"
                    f"listen = 127.0.0.1:{free_port()}\n"
                    "[inspect]\n"
                    "enabled = yes\n"
                    f"interval_seconds = {INTERVAL}\n"
                    "max_seconds = 60\n"
                    "concurrency = 4\n"
                    "allow_private = yes\n"
                    f"resolve = {site.resolve()}\n"
                    f"cacert = {site.prefix / 'tls.pem'}\n" + extra)
    return conf


def runs(db):
    try:
        with sqlite3.connect(db) as con:
            return con.execute("SELECT id, host, start FROM insp_runs "
                               "ORDER BY id").fetchall()
    except sqlite3.OperationalError:
        return []


def requests(site):
    """Requests nginx has logged for the sched site so far."""
    log = site.prefix / "access.log"
    return len(log.read_text().splitlines()) if log.exists() else 0


@contextlib.contextmanager
def govsecd(conf, db, logpath):
    """govsecd -f with its log in logpath; killed when the block ends if
    the test did not stop it."""
    with open(logpath, "w") as log:
        proc = subprocess.Popen([str(GOVSECD), "-f", "-c", str(conf), "-d",
                                 str(db)], stdout=log,
                                stderr=subprocess.STDOUT, env=cli_env())
        try:
            yield proc
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def waiting(cond, seconds, proc, logpath, what):
    """conftest.wait_until for cond(), failing at once when govsecd exits
    and with govsecd's log when seconds pass."""
    def alive_and():
        assert proc.poll() is None, logpath.read_text()
        return cond()
    return wait_until(alive_and, seconds,
                      lambda: f"{what}; govsecd's log:\n" +
                      logpath.read_text())


def stop(proc):
    """SIGTERM; asserts a clean exit within 10 s."""
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(10) == 0


def test_govsecd_inspects_on_schedule(site, tmp_path):
    if not GOVSECD.exists():
        pytest.fail(f"{GOVSECD} is missing")
    db = imported(tmp_path, "www.sched.gov.cn")
    conf = config(tmp_path, site)
    p = subprocess.run([str(GOVSECD), "-n", "-c", str(conf), "-d", str(db)],
                       capture_output=True, text=True, env=cli_env(),
                       timeout=60)
    assert p.returncode == 0, p.stderr
    p = run_cli(["check", "--format", "json", "--all"], db=db)
    before = [f for f in json.loads(p.stdout)["findings"]
              if f["rule"] == "observe.link-list"]
    assert before and all(f["status"] == "unknown" for f in before), before
    logpath = tmp_path / "govsecd.log"
    with govsecd(conf, db, logpath) as proc:
        # the first round starts after 5 s, the site at its slot
        waiting(lambda: runs(db), 5 + INTERVAL + 25, proc, logpath,
                "a stored run")
        got = runs(db)
        assert len(got) == 1, logpath.read_text()
        assert got[0][1:] == ("www.sched.gov.cn",
                              "https://www.sched.gov.cn/")
        # the log line comes right after the store
        waiting(lambda: "inspect: 'https://www.sched.gov.cn/' (portal): "
                "run " in logpath.read_text(), 5, proc, logpath,
                "the run in the log")
        stop(proc)
    text = logpath.read_text()
    assert (f"inspect: every {INTERVAL} s, at most 10000 page(s) and 60 s "
            "per site") in text
    assert f"inspect: round of 1 site(s) over {INTERVAL} s" in text
    assert (f"inspect: 'https://www.sched.gov.cn/' (portal): run "
            f"{got[0][0]}, 2 page(s), ") in text, text
    assert ", 1 broken, " in text
    assert f"(slot +{slot('www.sched.gov.cn'):.3f} s)" in text
    with sqlite3.connect(db) as con:
        links = dict(con.execute("SELECT url, status FROM insp_links WHERE "
                                 "run = ?", (got[0][0],)).fetchall())
    assert links["https://www.sched.gov.cn/about.html"] == "ok"
    assert links["https://www.sched.gov.cn/gone.html"] == "broken"
    # as a run of `govsec inspect`: check and links diff pick it up
    p = run_cli(["check", "--format", "json", "--all"], db=db)
    after = [f for f in json.loads(p.stdout)["findings"]
             if f["rule"] == "observe.link-list"]
    assert after and all(f["status"] == "fail" for f in after), after
    assert any("www.sched.gov.cn/gone.html" in f["evidence"] for f in after)
    p = run_cli(["links", "diff", "--host", "www.sched.gov.cn"],
                db=db)
    assert p.returncode in (0, 1), p.stderr
    assert "gone.html" in p.stdout


def test_govsecd_stops_promptly_mid_crawl(site, tmp_path):
    db = imported(tmp_path, "www.stall.gov.cn")
    conf = config(tmp_path, site)
    logpath = tmp_path / "govsecd.log"
    acc = site.prefix / "stall.log"
    before = connections_to(site.hole)
    with govsecd(conf, db, logpath) as proc:
        # the first round starts after 5 s, the site at its slot, and
        # hangs on the silent link
        waiting(lambda: acc.exists() and "GET / " in acc.read_text(),
                5 + INTERVAL + 25, proc, logpath,
                "the first round to fetch the homepage")
        # the homepage is parsed; the link check hangs on the silent link
        waiting(lambda: connections_to(site.hole) > before, 10, proc,
                logpath, "the link check to connect to the silent socket")
        assert proc.poll() is None
        stop(proc)
    assert runs(db) == []  # a partial run is not stored
    assert ("inspect: 'https://www.stall.gov.cn/' (portal) stopped, not "
            "stored") in logpath.read_text()


def test_govsecd_spreads_sites_over_the_interval(site, tmp_path):
    """Three portals are not inspected at once: each starts at its slot,
    so they run in slot order (not registry order), one at a time, and
    the log names each slot. No duration is asserted."""
    slots = {h: slot(h) for h in SPREAD}
    order = sorted(SPREAD, key=lambda h: slots[h])
    assert order == list(reversed(SPREAD))  # the test's premise
    assert len(set(slots.values())) == 3
    db = imported(tmp_path, *SPREAD)
    conf = config(tmp_path, site)
    logpath = tmp_path / "govsecd.log"
    with govsecd(conf, db, logpath) as proc:
        waiting(lambda: len(runs(db)) >= 3, 5 + INTERVAL + 40, proc,
                logpath, "three stored runs")
        got = runs(db)
        assert len(got) >= 3, logpath.read_text()
        waiting(lambda: len(re.findall(r"\(slot \+",
                                       logpath.read_text())) >= 3,
                5, proc, logpath, "three slots in the log")
        stop(proc)
    # one round: the three sites in the order of their slots
    assert [host for _, host, _ in got[:3]] == order
    text = logpath.read_text()
    assert f"inspect: round of 3 site(s) over {INTERVAL} s" in text
    seen = re.findall(r"inspect: 'https://([^/]+)/' \((portal-\d)\): run "
                      r"(\d+), .* \(slot \+([0-9.]+) s\)", text)
    assert [(h, a, float(s)) for h, a, _, s in seen[:3]] == [
        (h, f"portal-{SPREAD.index(h) + 1}", slots[h]) for h in order]


def test_govsecd_stops_while_waiting_for_a_slot(site, tmp_path):
    """With an hour's interval the site's slot is far away: SIGTERM during
    the wait ends govsecd promptly and nothing is inspected."""
    assert slot("www.sched.gov.cn", 3600) > 60
    db = imported(tmp_path, "www.sched.gov.cn")
    conf = config(tmp_path, site, "interval_seconds = 3600\n")
    before = requests(site)
    logpath = tmp_path / "govsecd.log"
    with govsecd(conf, db, logpath) as proc:
        waiting(lambda: "inspect: round of 1 site(s) over 3600 s"
                in logpath.read_text(), 30, proc, logpath,
                "the round to be planned")
        stop(proc)
    assert runs(db) == []
    assert requests(site) == before  # the site was never asked


def test_govsecd_without_portals_stops(site, tmp_path):
    db = tmp_path / "empty.db"
    conf = config(tmp_path, site)
    logpath = tmp_path / "govsecd.log"
    with govsecd(conf, db, logpath) as proc:
        # past the first (empty) round
        waiting(lambda: "inspect: round of 0 site(s)" in logpath.read_text(),
                5 + 10, proc, logpath, "the first (empty) round")
        assert proc.poll() is None
        stop(proc)
    assert runs(db) == []


@pytest.mark.parametrize("setting,value", [
    ("enabled", "perhaps"), ("interval_hours", "0"),
    ("interval_hours", "8761"), ("interval_seconds", "0"),
    ("interval_seconds", "31536001"), ("max_pages", "0"),
    ("max_seconds", "x"),
    ("concurrency", "1025"), ("allow_private", "2")])
def test_inspect_config_is_checked(tmp_path, setting, value):
    conf = tmp_path / "govsec.conf"
    conf.write_text(f"[inspect]\n{setting} = {value}\n")
    p = subprocess.run([str(GOVSECD), "-n", "-c", str(conf), "-d",
                        str(tmp_path / "x.db")], capture_output=True,
                       text=True, env=cli_env(), timeout=60)
    assert p.returncode == 2
    assert f"bad value '{value}' for [inspect] {setting}" in p.stderr


def test_inspect_config_unknown_and_defaults(tmp_path):
    conf = tmp_path / "govsec.conf"
    conf.write_text("[inspect]\nmax_page = 5\n")
    p = subprocess.run([str(GOVSECD), "-n", "-c", str(conf), "-d",
                        str(tmp_path / "x.db")], capture_output=True,
                       text=True, env=cli_env(), timeout=60)
    assert p.returncode == 2
    assert "unknown setting [inspect] max_page" in p.stderr
    conf.write_text("[inspect]\nenabled = no\ninterval_hours = 24\n"
                    "interval_seconds = 86400\n"
                    "max_pages = 10000\nmax_seconds = 1800\n"
                    "concurrency = 16\nallow_private = no\nresolve =\n"
                    "cacert =\n")
    p = subprocess.run([str(GOVSECD), "-n", "-c", str(conf), "-d",
                        str(tmp_path / "x.db")], capture_output=True,
                       text=True, env=cli_env(), timeout=60)
    assert p.returncode == 0, p.stderr
    assert "configuration OK" in p.stdout
