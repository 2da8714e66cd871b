"""`govsec check` on what a real gate recorded (docs/gate.md,
"Self-examination"): govsecd with only a [gate] listener decides a request
for the e-mail system's host; the gate's per-day counts (gate_rule_days)
and its report time (gate.reported) make the application protected and
its SEC-3, SEC-4 and AUTH-1..4 judged from the live policy; once the gate
has stopped and its last report is older than [check] gate_stale_minutes,
the same requirements are unknown and the report is incomplete (exit 3),
never compliant. Requests go to the gate's auth_request endpoint on
loopback directly (no nginx)."""

import datetime
import http.client
import json
import sqlite3
import time

from conftest import free_port, run_cli, running_govsecd, tcp_ready

OA_HOST = "oa.jiangmen.gov.cn"
GATE_REQS = ["SEC-3", "SEC-4", "AUTH-1", "AUTH-2", "AUTH-3", "AUTH-4"]
REGISTRY = {
    "format": "govsec-registry/1",
    "units": [{"uscc": "11440700007250010K", "name": "江门市人民政府",
               "short_name": "江门市政府", "kind": "administrative",
               "level": "prefecture", "region": "440700",
               "region_name": "江门市"}],
    "applications": [{"id": "jm-oa", "unit": "11440700007250010K",
                      "type": "email", "name": "江门市人民政府电子邮件系统",
                      "status": "live", "personal_safety": True,
                      "domains": [{"name": OA_HOST, "main": True}]}],
}
POLICY = {
    "networks": {"office": ["127.0.0.0/8"]},
    "rules": [{"name": "oa-staff", "hosts": [OA_HOST],
               "networks": ["office"], "devices": ["approved"],
               "action": "two_factor"},
              {"name": "oa-deny", "hosts": [OA_HOST], "action": "deny"}],
}


def until(fn, timeout=30.0):
    """Polls fn until it is true or timeout seconds passed; its value."""
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v or time.monotonic() > deadline:
            return v
        time.sleep(0.05)


def query(db, sql, args=()):
    with sqlite3.connect(db) as con:
        return con.execute(sql, args).fetchall()


def check(db):
    p = run_cli(["check", "--all", "--format", "json"], db=db)
    out = json.loads(p.stdout)
    return p.returncode, out, {f["requirement"]: f for f in out["findings"]
                               if f["object"] == "jm-oa"}


def test_check_judges_recent_gate_evidence_and_stale_gates(tmp_path):
    store = tmp_path / "store"
    store.mkdir(mode=0o700)
    db = store / "govsec.db"
    (tmp_path / "registry.json").write_text(
        json.dumps(REGISTRY, ensure_ascii=False))
    (tmp_path / "policy.json").write_text(json.dumps(POLICY))
    for args, stdin in ((["import", tmp_path / "registry.json"], None),
                        (["gate", "import", tmp_path / "policy.json"], None),
                        (["gate", "user", "add", "alice", "--groups",
                          "staff"], "alice password 1\n"),
                        (["gate", "user", "add", "bob", "--groups", "staff"],
                         "bob password 123\n"),
                        (["gate", "totp", "alice"], None)):
        p = run_cli(args, db=db, stdin=stdin)
        assert p.returncode == 0, (args, p.stderr)
    # before the gate has run: declarations judge (none: not a pass)
    _, _, before = check(db)
    assert all(before[r]["status"] != "pass" for r in GATE_REQS), before
    gp, cp = free_port(), free_port()
    conf = tmp_path / "govsec.conf"
    conf.write_text(f"[store]\npath = {db}\n[console]\n"
                    f"listen = 127.0.0.1:{cp}\ntwo_factor = optional\n"
                    f"[gate]\nlisten = 127.0.0.1:{gp}\n"
                    "trusted_proxies = 127.0.0.1\n")
    with running_govsecd(conf, tmp_path / "govsecd.log", tcp_ready(gp)):
        c = http.client.HTTPConnection("127.0.0.1", gp, timeout=10)
        c.request("GET", "/api/authz/auth-request",
                  headers={"X-Original-URL": f"http://{OA_HOST}/inbox",
                           "X-Forwarded-For": "192.0.2.1"})
        assert c.getresponse().status == 403  # not from the office
        c.close()
        # the gate counts the decision for its rule and today, and
        # reports that it runs
        assert until(lambda: query(
            db, "SELECT denies, day FROM gate_rule_days WHERE rule = "
            "'oa-deny'") == [(1, datetime.datetime.now(
                datetime.timezone.utc).date().isoformat())]), query(
            db, "SELECT * FROM gate_rule_days")
        assert query(db, "SELECT count(*) FROM settings WHERE key = "
                     "'gate.reported'") == [(1,)]
        _, _, live = check(db)
        for r in GATE_REQS:
            assert live[r]["status"] == "pass", (r, live[r])
            assert live[r]["judged_by"] == "observation", live[r]
        # bob has no second factor: named; alice's counts
        assert live["AUTH-1"]["evidence"].endswith(
            "1 users have a second factor; without one (they cannot pass "
            "these rules): bob"), live["AUTH-1"]
    # the gate has stopped; two hours later its evidence is stale
    old = (datetime.datetime.now(datetime.timezone.utc) -
           datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    with sqlite3.connect(db) as con:
        con.execute("UPDATE settings SET value = ? WHERE key IN "
                    "('gate.reported', 'gate.started')", (old,))
    rc, out, stale = check(db)
    for r in GATE_REQS:
        assert stale[r]["status"] == "unknown", (r, stale[r])
        assert stale[r]["evidence"] == (
            f"the gate protects it, but last reported at {old}, more than "
            "60 minutes ago ([check] gate_stale_minutes)"), stale[r]
    assert rc == 3 and out["summary"]["verdict"] == "incomplete", (
        rc, out["summary"])
    # the operator's age limit: 3 hours makes it current again
    conf.write_text("[check]\ngate_stale_minutes = 180\n")
    p = run_cli(["-c", conf, "check", "--all", "--format", "json"], db=db)
    again = {f["requirement"]: f for f in json.loads(p.stdout)["findings"]
             if f["object"] == "jm-oa"}
    assert all(again[r]["status"] == "pass" for r in GATE_REQS), again
