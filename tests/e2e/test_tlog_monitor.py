"""govsecd monitoring another govsec's transparency log ([ecert] monitor;
issue 11 item 6): two govsecd on loopback, B checking A's signed tree
heads every second, once with A's root pinned by file and once pinned on
first contact. B stores what it saw (tlog_monitors, tlog_monitor_seen);
when A's operator rewrites a leaf (and recomputes the tree so that A is
self-consistent), B reports a split view (the same size, another root),
then, once A grows, an inconsistent log (the consistency proof fails);
when A stops, unreachable: each in B's audit chain (which still verifies)
and B's log. A bad monitor line is refused by `govsecd -n`.
"""
import hashlib
import json
import os
import sqlite3
import subprocess

import pytest

from conftest import (GOVSECD, cli_env, free_port, run_cli, running_govsecd,
                      tcp_ready, wait_until)

UNIT = "11440000MB2C92290G"
OTHER = "12440000MB2C92310T"


def sm3(data):
    return hashlib.new("sm3", data).digest()


def tree_nodes(leaves):
    """Every complete aligned subtree's hash (level, index, hash), as
    RFC 6962 defines the tree (written here, not taken from govsec)."""
    level, nodes = 0, list(leaves)
    while nodes:
        for i, h in enumerate(nodes):
            yield level, i, h
        nodes = [sm3(b"\x01" + nodes[i] + nodes[i + 1])
                 for i in range(0, len(nodes) - 1, 2)]
        level += 1


def rewrite_leaf(db, idx):
    """What a dishonest operator does: changes entry idx and recomputes
    the whole tree, so the log serves a consistent but different
    history."""
    with sqlite3.connect(db) as c:
        (entry,) = c.execute("SELECT entry FROM tlog_entries WHERE idx = ?",
                             (idx,)).fetchone()
        c.execute("UPDATE tlog_entries SET entry = ? WHERE idx = ?",
                  (entry.replace(UNIT, OTHER), idx))
        leaves = [sm3(b"\x00" + e.encode()) for (e,) in
                  c.execute("SELECT entry FROM tlog_entries ORDER BY idx")]
        c.execute("DELETE FROM tlog_nodes")
        c.executemany("INSERT INTO tlog_nodes VALUES (?, ?, ?)",
                      [(lv, i, h.hex()) for lv, i, h in tree_nodes(leaves)])
    c.close()


def monitors(db):
    """B's view: {url: (status, message, size in its state)}."""
    try:
        c = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        rows = c.execute("SELECT url, status, message, state "
                         "FROM tlog_monitors").fetchall()
        c.close()
    except sqlite3.OperationalError:
        return {}
    return {u: (s, m, json.loads(st)["size"]) for u, s, m, st in rows}


def seen(db, url):
    c = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rows = c.execute("SELECT status, size FROM tlog_monitor_seen "
                     "WHERE url = ? ORDER BY at, rowid", (url,)).fetchall()
    c.close()
    return rows


@pytest.fixture
def logs(tmp_path):
    os.chmod(tmp_path, 0o700)
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(mode=0o700)
    b.mkdir(mode=0o700)
    adb = a / "s.db"

    def cli_a(*args):
        return run_cli(args, db=adb)

    reg = a / "reg.json"
    reg.write_text(json.dumps({"units": [
        {"uscc": UNIT, "name": "广东省政务服务和数据管理局",
         "kind": "administrative", "level": "provincial",
         "region": "440000"}]}, ensure_ascii=False))
    assert cli_a("import", reg).returncode == 0
    assert cli_a("ca", "init", "--org", "广东省委编办").returncode == 0
    assert cli_a("cert", "issue", UNIT, "--key-out",
                  a / "k1").returncode == 0
    chain = cli_a("ca", "chain").stdout
    root = b / "a-root.pem"
    root.write_text(chain[chain.rindex("-----BEGIN CERTIFICATE-----"):])
    pa, ca_, cb = free_port(), free_port(), free_port()
    leave = a / "leave.key"
    leave.write_bytes(os.urandom(32))
    leave.chmod(0o600)
    aconf = a / "g.conf"
    aconf.write_text(f"[store]\npath = {adb}\n"
                     f"[console]\nlisten = 127.0.0.1:{ca_}\n"
                     f"[public]\nlisten = 127.0.0.1:{pa}\n"
                     f"leave_key = {leave}\n")
    url = f"http://127.0.0.1:{pa}"
    tofu = f"http://localhost:{pa}"
    bdb = b / "s.db"
    bconf = b / "g.conf"
    bconf.write_text(f"[store]\npath = {bdb}\n"
                     f"[console]\nlisten = 127.0.0.1:{cb}\n"
                     f"[ecert]\nmonitor = {url} {root}\n"
                     f"monitor = {tofu}\n"
                     "monitor_interval = 1\n")
    return {"cli_a": cli_a, "adb": adb, "aconf": aconf, "pa": pa,
            "bdb": bdb, "bconf": bconf, "cb": cb, "url": url, "tofu": tofu,
            "dir": tmp_path, "a": a}


def test_monitor_catches_a_rewritten_log(logs):
    L = logs
    blog = L["dir"] / "b.log"
    with running_govsecd(L["aconf"], L["dir"] / "a.log",
                         tcp_ready(L["pa"])) as ad:
        with running_govsecd(L["bconf"], blog, tcp_ready(L["cb"])):
            bdb = L["bdb"]
            # both lines hold: 2 entries (ca.init, cert.issue)
            wait_until(lambda: monitors(bdb).get(L["url"], ("",))[0] == "ok"
                       and monitors(bdb).get(L["tofu"], ("",))[0] == "ok",
                       20, lambda: f"the monitor's first check: "
                       f"{monitors(bdb)} {blog.read_text()}")
            assert monitors(bdb)[L["url"]][2] == 2
            # A grows; B follows
            assert L["cli_a"]("cert", "issue", UNIT, "--key-out",
                              L["a"] / "k2").returncode == 0
            wait_until(lambda: monitors(bdb)[L["url"]][2] == 3 and
                       monitors(bdb)[L["tofu"]][2] == 3, 20,
                       lambda: f"3 entries: {monitors(bdb)}")
            assert monitors(bdb)[L["url"]][0] == "ok"
            # A's operator rewrites entry 1: the same size, another root
            rewrite_leaf(L["adb"], 1)
            assert L["cli_a"]("tlog", "audit").returncode == 0
            wait_until(lambda: monitors(bdb)[L["url"]][0] == "split_view"
                       and monitors(bdb)[L["tofu"]][0] == "split_view",
                       20, lambda: f"a split view: {monitors(bdb)}")
            status, msg, size = monitors(bdb)[L["url"]]
            assert "another root for the 3 entries" in msg
            assert size == 3  # the last good state is kept
            # A grows again: its consistency proof cannot hold
            assert L["cli_a"]("cert", "issue", UNIT, "--key-out",
                              L["a"] / "k3").returncode == 0
            wait_until(lambda: monitors(bdb)[L["url"]][0] == "inconsistent",
                       20, lambda: f"inconsistent: {monitors(bdb)}")
            assert "consistency proof from 3 to 4" in \
                monitors(bdb)[L["url"]][1]
            # A stops: unreachable
            ad.terminate()
            ad.wait(20)
            wait_until(lambda: monitors(bdb)[L["url"]][0] == "unreachable",
                       20, lambda: f"unreachable: {monitors(bdb)}")
    # what B saw, in order, with the heads it was shown
    hist = seen(L["bdb"], L["url"])
    statuses = [s for s, _ in hist]
    assert statuses[0] == "ok" and hist[0][1] == 2
    assert ("ok", 3) in hist
    assert ("split_view", 3) in hist and ("inconsistent", 4) in hist
    assert statuses[-1] == "unreachable" and hist[-1][1] is None
    # each failure, as it began, in B's audit chain, which still verifies
    b = lambda *a: run_cli(a, db=L["bdb"])
    audit = [json.loads(x) for x in b("audit", "export").stdout.splitlines()]
    acts = [(x["action"], x["object"]) for x in audit
            if x["action"].startswith("tlog.monitor")]
    obj = "tlog-monitor:" + L["url"]
    assert acts.count(("tlog.monitor_pin", obj)) == 1
    assert acts.count(("tlog.monitor_split_view", obj)) == 1
    assert acts.count(("tlog.monitor_inconsistent", obj)) == 1
    assert ("tlog.monitor_unreachable", obj) in acts
    assert ("tlog.monitor_split_view", "tlog-monitor:" + L["tofu"]) in acts
    v = b("audit", "verify")
    assert v.returncode == 0, v.stdout + v.stderr
    text = blog.read_text()
    assert f"tlog monitor: '{L['url']}': split_view:" in text
    assert f"tlog monitor: '{L['url']}': inconsistent:" in text


def test_monitor_pins_the_root_it_was_given(logs, tmp_path):
    """A root file that is not the log's root: the log is not trusted."""
    L = logs
    other = run_cli(("ca", "init", "--org", "别的编办"),
                    db=tmp_path / "o.db")
    assert other.returncode == 0
    chain = run_cli(("ca", "chain"), db=tmp_path / "o.db").stdout
    wrong = tmp_path / "wrong-root.pem"
    wrong.write_text(chain[chain.rindex("-----BEGIN CERTIFICATE-----"):])
    L["bconf"].write_text(L["bconf"].read_text().replace(
        str(L["dir"] / "b" / "a-root.pem"), str(wrong)))
    with running_govsecd(L["aconf"], L["dir"] / "a.log",
                         tcp_ready(L["pa"])):
        with running_govsecd(L["bconf"], L["dir"] / "b.log",
                             tcp_ready(L["cb"])):
            wait_until(lambda: monitors(L["bdb"]).get(L["url"], ("",))[0]
                       == "inconsistent", 20,
                       lambda: f"a wrong root: {monitors(L['bdb'])}")
            assert "not the pinned root" in monitors(L["bdb"])[L["url"]][1]


@pytest.mark.parametrize("line, what", [
    ("ftp://127.0.0.1:1", "not \"http(s)://HOST:PORT [ROOT.pem]\""),
    ("http://127.0.0.1:1 /nonexistent/root.pem", "/nonexistent/root.pem"),
])
def test_bad_monitor_lines_refused(logs, line, what):
    conf = logs["dir"] / "bad.conf"
    conf.write_text(f"[store]\npath = {logs['bdb']}\n"
                    f"[ecert]\nmonitor = {line}\n")
    p = subprocess.run([str(GOVSECD), "-n", "-c", str(conf)],
                       capture_output=True, text=True, env=cli_env())
    assert p.returncode == 2 and what in p.stderr, p.stderr
