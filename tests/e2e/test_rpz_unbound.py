"""Counterfeit takedown through a real Unbound (CF-3): the RPZ govsec writes
stops resolution of confirmed counterfeits and nothing else.

Unbound runs on a loopback port with its own configuration directory, no
forwarding and no root: auth-zones hold every name the test asks for (the
counterfeits, the genuine portal, an unrelated name and the warning host),
and an `rpz:` clause loads govsec.rpz from the takedown directory. It is
told of changes with unbound-control over its own control socket: by the
test after `govsec counterfeit takedown write`, and by govsecd itself
([takedown] reload) once a new decision changes the zone. Stdlib only: the
DNS queries are built by hand.
"""
import os
import random
import socket
import struct
import subprocess

import pytest

from conftest import (free_port, require, run_cli, running_govsecd,
                      tcp_ready, wait_until, stop)

GOV = "11440700007250010K"  # 江门市人民政府 in data/demo.json
DEMO = os.path.join(os.path.dirname(__file__), "..", "..", "data",
                    "demo.json")
WARN_ADDR = "127.0.0.77"


def query(port, name, qtype=1):
    """One UDP query: (rcode, [A addresses], [CNAME targets])."""
    qid = random.randrange(65536)
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.rstrip(".").split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\0" + struct.pack(">HH", qtype, 1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(5)
        s.sendto(q, ("127.0.0.1", port))
        data, _ = s.recvfrom(4096)
    rid, flags, qd, an, _, _ = struct.unpack(">HHHHHH", data[:12])
    assert rid == qid

    def skip_name(i):
        while True:
            n = data[i]
            if n == 0:
                return i + 1
            if n & 0xC0 == 0xC0:
                return i + 2
            i += n + 1

    def read_name(i):
        labels = []
        while True:
            n = data[i]
            if n == 0:
                return ".".join(labels) + "."
            if n & 0xC0 == 0xC0:
                i = ((n & 0x3F) << 8) | data[i + 1]
                continue
            labels.append(data[i + 1:i + 1 + n].decode())
            i += n + 1

    i = 12
    for _ in range(qd):
        i = skip_name(i) + 4
    addrs, cnames = [], []
    for _ in range(an):
        i = skip_name(i)
        rtype, _, _, rdlen = struct.unpack(">HHIH", data[i:i + 10])
        i += 10
        if rtype == 1:
            addrs.append(socket.inet_ntoa(data[i:i + 4]))
        elif rtype == 5:
            cnames.append(read_name(i))
        i += rdlen
    return flags & 0xF, addrs, cnames


NXDOMAIN, NOERROR = 3, 0

ZONES = {
    "top.": ["jiangmen-gov.top. A 198.51.100.10",
             "www.jiangmen-gov.top. A 198.51.100.11",
             "jmzf.top. A 198.51.100.12",
             "unrelated.top. A 198.51.100.20"],
    "jiangmen.gov.cn.": ["www.jiangmen.gov.cn. A 192.0.2.80"],
    "govsec.test.": [f"warn.govsec.test. A {WARN_ADDR}"],
}


@pytest.fixture
def unbound(tmp_path):
    """Unbound on a loopback port loading tmp_path/td/govsec.rpz; yields
    (port, a function running unbound-control with its arguments)."""
    binary = require("/usr/sbin/unbound", "unbound")
    control = require("/usr/sbin/unbound-control", "unbound")
    td = tmp_path / "td"
    td.mkdir()
    port = free_port()
    auth = ""
    for zone, records in ZONES.items():
        f = tmp_path / (zone + "zone")
        f.write_text(f"$ORIGIN {zone}\n$TTL 60\n"
                     f"@ SOA ns.{zone} h.{zone} 1 3600 600 86400 60\n"
                     f"@ NS ns.{zone}\nns.{zone} A 127.0.0.1\n" +
                     "\n".join(records) + "\n")
        auth += (f"auth-zone:\n  name: \"{zone}\"\n  zonefile: \"{f}\"\n"
                 "  for-downstream: no\n  for-upstream: yes\n")
    conf = tmp_path / "unbound.conf"
    sock = tmp_path / "control.sock"
    conf.write_text(f"""server:
  interface: 127.0.0.1
  port: {port}
  do-ip6: no
  do-daemonize: no
  username: ""
  chroot: ""
  directory: "{tmp_path}"
  pidfile: "{tmp_path}/unbound.pid"
  use-syslog: no
  logfile: "{tmp_path}/unbound.log"
  verbosity: 1
  access-control: 127.0.0.0/8 allow
  module-config: "respip iterator"
  do-not-query-localhost: no
  cache-max-ttl: 0
  cache-max-negative-ttl: 0
remote-control:
  control-enable: yes
  control-interface: "{sock}"
  control-use-cert: no
rpz:
  name: "rpz.govsec."
  zonefile: "{td}/govsec.rpz"
  rpz-log: yes
{auth}""")
    # the zone must exist before Unbound starts: an empty takedown
    w = run_cli(["counterfeit", "takedown", "write", td],
                db=tmp_path / "govsec.db")
    assert w.returncode == 0, w.stderr
    p = subprocess.run([require("/usr/sbin/unbound-checkconf", "unbound"),
                        str(conf)], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr
    proc = subprocess.Popen([binary, "-d", "-c", str(conf)],
                            stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)

    def ctl(*args):
        return subprocess.run([control, "-c", str(conf), *args],
                              capture_output=True, text=True, timeout=20)

    def up():
        if proc.poll() is not None:
            pytest.fail("unbound did not start: " + proc.stderr.read().decode()
                        + (tmp_path / "unbound.log").read_text())
        return ctl("status").returncode == 0

    try:
        wait_until(up, 20, "unbound to answer its control socket")
        yield port, ctl, td, conf
    finally:
        stop(proc)


def cli(tmp_path, *args):
    p = run_cli(list(args), db=tmp_path / "govsec.db")
    assert p.returncode == 0, p.stderr
    return p.stdout.strip()


def counterfeit(tmp_path, name, unit=GOV):
    """A case for name, confirmed and decided counterfeit; its id."""
    cid = cli(tmp_path, "counterfeit", "case", "open", "--kind", "domain",
              "--candidate", name, "--unit", unit)
    cli(tmp_path, "counterfeit", "case", "confirm", cid, "--note",
        "no registered unit runs it")
    cli(tmp_path, "counterfeit", "case", "decide", cid, "--decision",
        "counterfeit", "--note", "checked against the registry")
    return cid


def valid_for_bind_and_nft(td):
    """BIND's named-checkzone loads the zone; nft (in a user and network
    namespace of its own, so no privilege is needed) takes the sets."""
    p = subprocess.run([require("named-checkzone", "bind9-utils"),
                        "rpz.govsec", str(td / "govsec.rpz")],
                       capture_output=True, text=True)
    assert p.returncode == 0 and "OK" in p.stdout, p.stdout + p.stderr
    table = td.parent / "table.nft"
    table.write_text("table inet govsec_test {\n"
                     f"include \"{td / 'govsec-cf.nft'}\"\n"
                     "chain out { type filter hook output priority 0; "
                     "ip daddr @govsec_cf_v4 drop; "
                     "ip6 daddr @govsec_cf_v6 drop; }\n}\n")
    p = subprocess.run(["unshare", "-rn", require("nft", "nftables"), "-c",
                        "-f", str(table)], capture_output=True, text=True)
    assert p.returncode == 0, p.stdout + p.stderr


def serial(td):
    for line in (td / "govsec.rpz").read_text().splitlines():
        if "SOA" in line:
            return int(line.split()[4])
    raise AssertionError("no SOA in the zone")


def test_rpz_stops_confirmed_names_only(tmp_path, unbound):
    port, ctl, td, conf = unbound
    db = tmp_path / "govsec.db"
    assert run_cli(["import", DEMO], db=db).returncode == 0
    # before: everything resolves
    for name in ("jiangmen-gov.top", "www.jiangmen-gov.top", "jmzf.top",
                 "unrelated.top", "www.jiangmen.gov.cn"):
        rc, addrs, _ = query(port, name)
        assert rc == NOERROR and addrs, name

    # confirmed counterfeits: NXDOMAIN, with their subdomains; a case
    # wrongly decided against the genuine portal is never stopped
    counterfeit(tmp_path, "jiangmen-gov.top")
    counterfeit(tmp_path, "www.jiangmen.gov.cn")
    # a suspect not yet decided is not stopped either
    cli(tmp_path, "counterfeit", "case", "open", "--kind", "domain",
        "--candidate", "unrelated.top")
    before = serial(td)
    out = cli(tmp_path, "counterfeit", "takedown", "write", td)
    assert "1 domains" in out and "1 refused" in out, out
    assert serial(td) > before
    valid_for_bind_and_nft(td)
    r = ctl("auth_zone_reload", "rpz.govsec.")
    assert r.returncode == 0, r.stdout + r.stderr
    ctl("flush_zone", "top.")
    assert query(port, "jiangmen-gov.top")[0] == NXDOMAIN
    assert query(port, "www.jiangmen-gov.top")[0] == NXDOMAIN
    for name in ("unrelated.top", "jmzf.top", "www.jiangmen.gov.cn"):
        rc, addrs, _ = query(port, name)
        assert rc == NOERROR and addrs, name

    # the same outputs again: nothing changes, not even the serial
    s = serial(td)
    out = cli(tmp_path, "counterfeit", "takedown", "write", td)
    assert "(changed)" not in out and serial(td) == s

    # to the warning page instead: a CNAME to its host, whose address
    # is the warning page's
    out = cli(tmp_path, "counterfeit", "takedown", "write", td,
              "--warning-host", "warn.govsec.test")
    assert serial(td) == s + 1, out
    assert "warn.govsec.test." in (td / "govsec.rpz").read_text()
    r = ctl("auth_zone_reload", "rpz.govsec.")
    assert r.returncode == 0, r.stdout + r.stderr
    rc, addrs, cnames = query(port, "www.jiangmen-gov.top")
    assert rc == NOERROR and "warn.govsec.test." in cnames, (rc, cnames)
    assert addrs == [WARN_ADDR]
    rc, addrs, _ = query(port, "unrelated.top")
    assert rc == NOERROR and addrs == ["198.51.100.20"]


def test_govsecd_rewrites_and_reloads_on_change(tmp_path, unbound):
    port, ctl, td, conf = unbound
    db = tmp_path / "govsec.db"
    assert run_cli(["import", DEMO], db=db).returncode == 0
    cport = free_port()
    gconf = tmp_path / "g.conf"
    gconf.write_text(
        f"[store]\npath = {db}\n[console]\nlisten = 127.0.0.1:{cport}\n"
        f"[takedown]\ndir = {td}\ninterval_seconds = 1\n"
        f"warning_host = warn.govsec.test\n"
        f"reload = /usr/sbin/unbound-control -c {conf} auth_zone_reload "
        "rpz.govsec.\n")
    log = tmp_path / "govsecd.log"
    assert query(port, "jmzf.top")[0] == NOERROR
    with running_govsecd(gconf, log, tcp_ready(cport)):
        s = serial(td)
        # a hit as the matcher writes it becomes a case by itself
        subprocess.run(["sqlite3", str(db),
                        "INSERT INTO cf_hits(id, kind, candidate, detail, "
                        "unit, protected, reason, score, scan, first_seen, "
                        "last_seen) VALUES ('h1', 'domain', 'jmzf.top', "
                        "'{\"addresses\":[\"198.51.100.12\"]}', "
                        f"'{GOV}', 'www.jiangmen.gov.cn', "
                        "'region initials + zf', 80, NULL, 1, 1)"],
                       check=True)
        cid = wait_until(lambda: run_cli(
            ["counterfeit", "case", "list", "--state", "new"],
            db=db).stdout.split()[:1], 10, "govsecd to open the hit's case",
            interval=0.2)[0]
        assert "jmzf.top" not in (td / "govsec.rpz").read_text()
        cli(tmp_path, "counterfeit", "case", "confirm", cid)
        cli(tmp_path, "counterfeit", "case", "decide", cid, "--decision",
            "counterfeit", "--note", "not in the registry")
        wait_until(lambda: query(port, "jmzf.top")[2], 15,
                   lambda: "unbound to stop jmzf.top: " + log.read_text())
        rc, addrs, cnames = query(port, "jmzf.top")
        assert cnames == ["warn.govsec.test."] and addrs == [WARN_ADDR]
        assert serial(td) > s
        assert "198.51.100.12" in (td / "addresses.txt").read_text()
        assert "198.51.100.12" in (td / "govsec-cf.nft").read_text()
        valid_for_bind_and_nft(td)
        assert "reload command ran" in log.read_text()
    assert query(port, "unrelated.top")[1] == ["198.51.100.20"]
