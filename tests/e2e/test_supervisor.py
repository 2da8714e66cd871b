"""A supervisor's registry (issue 9 item 4): another province (Huzhou,
Zhejiang), 14 units, 31 applications, with planted violations of the rules
judged from the registry (SUP-1, SITE-4, SCOPE-1, OUT-3, OUT-4, LINK-4) and
of the older ones, and tricky objects that are legal. `govsec import` then
`govsec check --format json` must report every planted violation under
exactly its requirement and no failure anywhere else; the same registry
without its violations, where nothing has been observed, is incomplete
(exit 3), never compliant.

The expected findings are written out below, object by object, from the
regulation (REQUIREMENTS.md and the interpretation), not from govsec's
output. The registry is tests/e2e/data/supervisor-registry.json.
"""
import json

from conftest import DATA, run_cli

REGISTRY = DATA / "supervisor-registry.json"
NOW = "2026-11-26"

ENT = "91330500MA2B00019N"   # an enterprise recorded as an organ
ENT2 = "91330500MA2B001075"  # an enterprise recorded as a mass organization
FL = "13330500002500287J"    # the women's federation (mass, code 13)
HZYY = "12330500470000195D"  # 湖州市第一人民医院 (institution)

# object -> the requirements it must fail, and only those.
PLANTED = {
    # SCOPE-1: the credit code's registration authority is not an organ's
    ENT: {"SCOPE-1"},
    ENT2: {"SCOPE-1"},
    # the big-data bureau: two live portals (SITE-1), one with two domains
    # and none main (SITE-2), the other on .com (SITE-3)
    "bd-portal": {"SITE-1", "SITE-2", "SUP-1"},
    "bd-portal2": {"SITE-1", "SITE-3", "SUP-1"},
    # SITE-4 (Q7): a county department and a township organ
    "ajjy-portal": {"SITE-4", "SUP-1"},
    "xf-portal": {"SITE-4", "SUP-1"},
    # APP-1 unregistered platform, APP-3 only a WeChat login, NAME-1
    "aj-app": {"APP-1", "SUP-1"},
    "aj-mini": {"APP-3", "SUP-1"},
    "aj-acct": {"NAME-1", "SUP-1"},
    # LINK-4 (Q9): lapsed, lapsing in 14 days, and a closed site's domain
    # lapsed and not cancelled (closed: SUP-1 does not apply)
    "dq-mail": {"LINK-4", "SUP-1"},
    "dq-portal": {"LINK-4", "SUP-1"},
    "hz-expo": {"LINK-4"},
    # SEC-1 level 2 for important business, SEC-2 stale assessment,
    # SEC-5 180 days of logs (acknowledged, due 2027: still SUP-1)
    "aj-service": {"SEC-1", "SUP-1"},
    "hzyy-app": {"SEC-1", "SUP-1"},
    "dq-acct": {"SEC-2", "SUP-1"},
    "hz-old-acct": {"SEC-5", "SUP-1"},
    # OUT-1 no security duties, OUT-2 subcontracting without consent
    "os-nodeal": {"OUT-1"},
    "os-resell": {"OUT-2"},
    # OUT-3: authorised by the grantee, by the outsourcer's staff, by an
    # official of another unit, by nobody; staff of another unit
    "g-db-self": {"OUT-3"},
    "g-room-os": {"OUT-3"},
    "g-aj-root-city": {"OUT-3"},
    "g-app-root": {"OUT-3"},
    "g-bd-root": {"OUT-3"},
    # OUT-4: 2099 is no expiry, admin where the scope needs operate,
    # expired and active, no expiry
    "g-ops-2099": {"OUT-4"},
    "g-cms-admin": {"OUT-4"},
    "g-expired": {"OUT-4"},
    "g-noexp": {"OUT-4"},
    # AUTH-1 single factor on a new application (opened 2026-03): SUP-1
    "hz-new-app": {"AUTH-1", "SUP-1"},
    # MAIL-1 automatic forwarding
    "aj-mail": {"MAIL-1", "SUP-1"},
}

# Tricky but legal: (object, requirement) that must pass.
LEGAL = [
    ("ajyy-portal", "SITE-4"),   # a county hospital's site
    ("xfxx-portal", "SITE-4"),   # a township school's site
    ("aj-portal", "SITE-4"),     # the county government itself
    ("hz-mini", "SUP-1"),        # opened 2025-06, compliant since
    ("hzyy-acct", "SUP-1"),      # opened 2024-09, compliant
    ("hzyy-portal", "LINK-4"),   # domain renewed last month
    ("hz-zfw", "LINK-4"),        # lapsed after it was cancelled
    ("aj-portal", "LINK-4"),     # registered to 2027-10-31
    ("g-os-root", "OUT-3"),      # authorised by a unit official
    ("g-aj-root", "OUT-3"),      # by the county's official, by name
    ("g-off-2099", "OUT-4"),     # 2099, but withdrawn
    ("g-monitor", "OUT-4"),      # read for monitoring, within 3 years
    (FL, "SCOPE-1"),             # a mass organization's 13... code
    (HZYY, "SCOPE-1"),
]
# Staff are not outsourced: OUT-4 does not judge a staff grant to 2099.
NOT_JUDGED = [("g-staff-2099", "OUT-4")]


def check(db, *args):
    p = run_cli(["check", "--format", "json", "--now", NOW, *args], db=db)
    assert p.returncode in (0, 1, 3), p.stderr
    return p.returncode, json.loads(p.stdout)


def import_ok(db, path_or_text):
    if isinstance(path_or_text, str):
        p = run_cli(["import", "-"], db=db, stdin=path_or_text)
    else:
        p = run_cli(["import", path_or_text], db=db)
    assert p.returncode == 0, p.stderr
    return p


def test_supervisor_registry_every_violation_under_its_requirement(tmp_path):
    """SUP-1, SITE-4, SCOPE-1, OUT-3, OUT-4, LINK-4 and the older rules: the
    failures are exactly the planted ones, each under its requirement."""
    db = tmp_path / "s.db"
    p = import_ok(db, REGISTRY)
    assert "14 units" in p.stdout and "31 applications" in p.stdout
    # An acknowledgement with a due date in 2027 is shown, not counted.
    a = run_cli(["ack", "sec.log-retention", "hz-old-acct", "--owner",
                 "王磊", "--due", "2027-03-31"], db=db)
    assert a.returncode == 0, a.stderr
    rc, doc = check(db)
    assert rc == 1 and doc["verdict"] == "failing"
    got = {}
    for f in doc["findings"]:
        if f["status"] == "fail":
            got.setdefault(f["object"], set()).add(f["requirement"])
    missing = {(o, r) for o, rs in PLANTED.items() for r in rs
               if r not in got.get(o, set())}
    extra = {(o, r) for o, rs in got.items() for r in rs
             if r not in PLANTED.get(o, set())}
    assert not missing, f"planted violations not found: {sorted(missing)}"
    assert not extra, f"false alarms: {sorted(extra)}"

    by = {}
    for f in doc["findings"]:
        by.setdefault((f["object"], f["requirement"]), []).append(f)
    for key in LEGAL:
        assert by.get(key), f"no finding for {key}"
        assert all(f["status"] == "pass" for f in by[key]
                   if not f["rule"].startswith("observe.")), by[key]
    for key in NOT_JUDGED:
        assert key not in by, by[key]
    # The evidence says what was seen.
    sup = by[("hz-old-acct", "SUP-1")][0]
    assert "deadline 2024-12-31" in sup["evidence"]
    assert "1 findings acknowledged, due by 2027-03-31" in sup["evidence"]
    ev = {f["object"]: f["evidence"] for f in doc["findings"]
          if f["status"] == "fail" and f["rule"] == "link.domain-expiry"}
    assert "'hzexpo2018.gov.cn' lapsed on 2025-09-30" in ev["hz-expo"]
    assert "lapses on 2026-12-10, in 14 days" in ev["dq-portal"]
    ev = {f["object"]: f["evidence"] for f in doc["findings"]
          if f["status"] == "fail" and f["requirement"] == "OUT-3"}
    assert "the grantee itself" in ev["g-db-self"]
    assert "staff of outsourcing unit 'os-yunfu'" in ev["g-room-os"]
    ev = {f["object"]: f["evidence"] for f in doc["findings"]
          if f["status"] == "fail" and f["requirement"] == "OUT-4"}
    assert "is no expiry" in ev["g-ops-2099"]
    assert "gives admin, but its scope needs only operate" \
        in ev["g-cms-admin"]
    for f in doc["findings"]:
        if f["status"] == "fail":
            assert f["evidence"] and f["fix"], f


def legal_only():
    """The supervisor's registry without its planted violations."""
    reg = json.loads(REGISTRY.read_text(encoding="utf-8"))
    reg["units"] = [u for u in reg["units"] if u["uscc"] not in PLANTED]
    reg["outsourcers"] = [o for o in reg["outsourcers"]
                          if o["id"] not in PLANTED]
    reg["applications"] = [a for a in reg["applications"]
                           if a["id"] not in PLANTED]
    reg["grants"] = [g for g in reg["grants"] if g["id"] not in PLANTED]
    return reg


def test_supervisor_registry_nothing_observed_is_incomplete(tmp_path):
    """Without the violations and with no site ever inspected or probed,
    the verdict is incomplete (exit 3), never compliant, and nothing
    fails."""
    db = tmp_path / "l.db"
    reg = legal_only()
    assert len(reg["applications"]) >= 14
    import_ok(db, json.dumps(reg, ensure_ascii=False))
    rc, doc = check(db)
    fails = [(f["object"], f["requirement"]) for f in doc["findings"]
             if f["status"] == "fail"]
    assert fails == []
    assert doc["verdict"] == "incomplete" and rc == 3
    unknown = {f["requirement"] for f in doc["findings"]
               if f["status"] == "unknown"}
    assert {"LINK-2", "LINK-4", "GOVWEB-1"} <= unknown
    # And an empty store is incomplete too.
    rc, doc = check(tmp_path / "empty.db")
    assert doc["verdict"] == "incomplete" and rc == 3


def test_supervisor_registry_new_fields_round_trip(tmp_path):
    """opened, registered_until, cancelled, authorizer and
    needed_privilege are kept by export, and export | import | export gives
    the same bytes."""
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    import_ok(a, REGISTRY)
    first = run_cli(["export"], db=a).stdout
    out = json.loads(first)
    src = json.loads(REGISTRY.read_text(encoding="utf-8"))
    for section in ("applications", "grants"):
        by = {r["id"]: r for r in out[section]}
        for r in src[section]:
            assert by[r["id"]] == r, r["id"]
    apps = {r["id"]: r for r in out["applications"]}
    assert apps["hz-mini"]["opened"] == "2025-06-10"
    assert apps["hz-zfw"]["domains"][0]["cancelled"] == "2025-02-15"
    import_ok(b, first)
    assert run_cli(["export"], db=b).stdout == first


def test_supervisor_registry_refuses_an_unknown_authorizer(tmp_path):
    """'authorizer' names a registered person: a dangling one is refused
    (contradictory data), naming the field."""
    reg = json.loads(REGISTRY.read_text(encoding="utf-8"))
    for g in reg["grants"]:
        if g["id"] == "g-os-root":
            g["authorizer"] = "nobody"
    p = run_cli(["import", "-"], db=tmp_path / "x.db",
                stdin=json.dumps(reg, ensure_ascii=False))
    assert p.returncode == 2
    assert "authorizer" in p.stderr and "nobody" in p.stderr
