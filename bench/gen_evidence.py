#!/usr/bin/env python3
"""bench/gen_evidence.py DB POLICY: fills an imported bench store with the
evidence `govsec check` reads besides the registry, as a province running
govsec for a while would have it:

- inspection: one run per live portal host (insp_runs, with the findings
  list in the shape src/inspect/report.c writes: LINK-1..4, LOGO-1,
  GOVWEB-2/3, a few percent failing), LINKS links (insp_links) and four
  columns (insp_columns) per run; PROBES availability probes per portal
  over the last 7 days before --now (probe_results, a few percent failed);
- gate: writes to POLICY a gate policy (import it with `govsec gate
  import`, which checks it) whose rules cover the first GATE_HOSTS
  (--gate-hosts, default 2,000: the gate of a data centre, not of the whole
  province) of the e-mail systems' hosts in rules of 250 hosts (the most a
  rule takes), most two-factor from an office network, some one factor
  (AUTH-1 failures); USERS gate users (a fifth with TOTP, a tenth
  bound to devices), each rule's decision counters (gate_rule_stats) and
  the settings govsecd writes when its gate starts (gate.started ...).

Rows go straight into the tables (this is bench data, not a way to make
evidence); deterministic for a given store and --seed. Stdlib only. What
`govsec check` reads instead of the raw rows (each run's findings summed
up, each application's recent probes in one row: migration 30) is not
computed here: govsec makes it (`govsec summarize`, which bench/check runs
and times as its own step; a check of a store without them runs it once).
"""
import argparse
import datetime
import json
import random
import sqlite3

REQS = [("inspect.link-relevance", "LINK-1"),
        ("inspect.link-list", "LINK-2"),
        ("inspect.leave-prompt", "LINK-3"),
        ("inspect.abnormal-links", "LINK-4"),
        ("inspect.logo", "LOGO-1"),
        ("inspect.freshness", "GOVWEB-2"),
        ("inspect.footer-marks", "GOVWEB-3")]


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("db")
    ap.add_argument("policy")
    ap.add_argument("--now", default="2026-11-26")
    ap.add_argument("--seed", type=int, default=20240701)
    ap.add_argument("--links", type=int, default=20)
    ap.add_argument("--probes", type=int, default=28)
    ap.add_argument("--users", type=int, default=10000)
    ap.add_argument("--gate-hosts", type=int, default=2000)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    now = datetime.datetime.fromisoformat(a.now).replace(
        tzinfo=datetime.timezone.utc)
    con = sqlite3.connect(a.db)
    portals = con.execute(
        "SELECT a.id, d.name FROM apps a JOIN domains d ON d.app = a.id "
        "WHERE a.type = 'portal' AND a.status = 'live' AND d.main = 1 "
        "ORDER BY a.id").fetchall()
    mail = [h for (h,) in con.execute(
        "SELECT d.name FROM apps a JOIN domains d ON d.app = a.id WHERE "
        "a.type = 'email' AND a.status = 'live' ORDER BY d.name")][
            :a.gate_hosts]
    runs, links, cols, probes = 0, 0, 0, 0
    with con:
        for app, host in portals:
            t0 = now - datetime.timedelta(days=rng.randint(1, 20),
                                          seconds=rng.randint(0, 86399))
            t1 = t0 + datetime.timedelta(seconds=rng.randint(20, 600))
            start = f"https://{host}/"
            findings = []
            for rule, req in REQS:
                st = ("unknown" if req == "LINK-1" else
                      "fail" if rng.random() < 0.04 else "pass")
                findings.append({
                    "rule": rule, "requirement": req, "status": st,
                    "object": start,
                    "evidence": None if st == "pass" else
                    f"{req} problem found on {start}",
                    "fix": None if st == "pass" else "see the run"})
            broken = sum(f["status"] == "fail" for f in findings)
            cur = con.execute(
                "INSERT INTO insp_runs(host, start, started, finished, "
                "pages, links, broken, blocked, marks, findings) VALUES "
                "(?,?,?,?,?,?,?,?,?,?)",
                (host, start, iso(t0), iso(t1), a.links // 2 + 1, a.links,
                 broken, 0, json.dumps({"icp": "京ICP备00000000号"}),
                 json.dumps(findings, ensure_ascii=False)))
            run = cur.lastrowid
            runs += 1
            con.executemany(
                "INSERT INTO insp_links(run, url, found_on, status, reason, "
                "class, kind, prompt, http, final, fingerprint, etag, "
                "last_modified, internal, first_seen, last_checked) VALUES "
                "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                [(run, f"{start}p/{k}.html", json.dumps([start]),
                  "ok" if rng.random() > 0.01 else "broken", "",
                  "page", None, None, 200, None, None, None, None, 1,
                  iso(t0), iso(t1)) for k in range(a.links)])
            links += a.links
            con.executemany(
                "INSERT INTO insp_columns(run, url, name, kind, items, "
                "newest, age_days, limit_days, status) VALUES "
                "(?,?,?,?,?,?,?,?,?)",
                [(run, f"{start}c/{k}/", f"栏目{k}", kind, 20,
                  iso(t0)[:10], 3, 14, "fresh")
                 for k, kind in enumerate(("news", "notice", "other",
                                           "other"))])
            cols += 4
            con.executemany(
                "INSERT INTO probe_results(app, at, url, ok, status, error, "
                "ms) VALUES (?,?,?,?,?,?,?)",
                [(app, iso(now - datetime.timedelta(
                    seconds=k * 7 * 86400 // a.probes + 1)), start,
                  0 if rng.random() < 0.02 else 1, 200, None,
                  rng.randint(20, 900)) for k in range(a.probes)])
            probes += a.probes
        rules = []
        for k in range(0, len(mail), 250):
            rules.append({"name": f"mail-{k // 250}",
                          "hosts": mail[k:k + 250], "networks": ["office"],
                          "action": "two_factor" if rng.random() < 0.9
                          else "one_factor"})
        rules.append({"name": "mail-rest", "hosts": mail[:250] or ["x.cn"],
                      "action": "deny"})
        with open(a.policy, "w") as f:
            json.dump({"version": 1,
                       "networks": {"office": ["10.0.0.0/8",
                                               "172.16.0.0/12"]},
                       "rules": rules}, f)
        con.executemany(
            "INSERT INTO gate_users(name, display, groups, password, "
            "totp_secret, bound, updated) VALUES (?,?,?,?,?,?,?)",
            [(f"u{k:06d}", f"用户{k:06d}", "staff", "$argon2id$bench",
              "JBSWY3DPEHPK3PXP" if k % 5 == 0 else None,
              1 if k % 10 == 0 else 0, iso(now)) for k in range(a.users)])
        con.executemany(
            "INSERT INTO gate_rule_stats(rule, allows, denies, updated) "
            "VALUES (?,?,?,?)",
            [(r["name"], rng.randint(0, 100000), rng.randint(0, 1000),
              iso(now)) for r in rules])
        con.executemany(
            "INSERT INTO settings(key, value) VALUES (?,?) ON CONFLICT(key) "
            "DO UPDATE SET value = excluded.value",
            [("gate.session_idle", "900"), ("gate.session_max", "43200"),
             ("gate.login_attempts", "5"), ("gate.address_attempts", "20"),
             ("gate.lockout_seconds", "900"), ("gate.started", iso(now))])
    con.close()
    print(f"   {runs} inspection runs, {links} links, {cols} columns, "
          f"{probes} probes; {len(rules)} gate rules over {len(mail)} "
          f"hosts, {a.users} gate users")


if __name__ == "__main__":
    main()
