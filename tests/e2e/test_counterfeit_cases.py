"""Counterfeit cases, complaints and takedown outputs end to end (CF-1..3).

The CLI takes a case through every state and refuses skipped or repeated
steps; each step is in the audit chain with who did it; the referral keeps
its evidence bundle. govsecd's public listener takes complaints behind a
single-use proof of work and a per-address limit, tells the complainant
the state and nothing private, and shows the warning page of a stopped
name; its console API lists and moves the cases. Stdlib only.
"""
import hashlib
import http.client
import json
import re
import sqlite3
import subprocess

import pytest

from conftest import (ACTOR, GOVSEC, free_port, run_cli, running_govsecd,
                      tcp_ready)

GOV = "11440700007250010K"  # 江门市人民政府 (data/demo.json)
DEMO = __import__("os").path.join(__import__("os").path.dirname(__file__),
                                  "..", "..", "data", "demo.json")
BITS = 12
PER_HOUR = 3
ADMIN_PW = "Counterfeit-Chief-77"


def cli(db, *args, rc=0):
    p = run_cli(list(args), db=db)
    assert p.returncode == rc, (args, p.stdout, p.stderr)
    return p


def test_case_lifecycle_is_validated_and_audited(tmp_path):
    db = tmp_path / "g.db"
    cli(db, "import", DEMO)
    cid = cli(db, "counterfeit", "case", "open", "--kind", "domain",
              "--candidate", "https://Jiangmen-Gov.TOP/login?x=1", "--unit",
              GOV, "--note", "reported by phone").stdout.strip()
    assert re.fullmatch(r"cf-\d{8}-[0-9a-f]{8}", cid)
    # the same candidate again joins the open case
    again = cli(db, "counterfeit", "case", "open", "--kind", "domain",
                "--candidate", "jiangmen-gov.top")
    assert again.stdout.strip() == cid and "joined" in again.stderr
    # no skipping: each step needs the state before it
    for args in (["decide", cid, "--decision", "counterfeit", "--note", "x"],
                 ["takedown", cid], ["done", cid],
                 ["refer", cid, "--agency", "江门市公安局"]):
        p = cli(db, "counterfeit", "case", *args, rc=2)
        assert "is new" in p.stderr, p.stderr
    cli(db, "counterfeit", "case", "confirm", cid, "--note", "resolves",
        "--address", "198.51.100.7")
    cli(db, "counterfeit", "case", "confirm", cid, rc=2)  # not twice
    p = cli(db, "counterfeit", "case", "decide", cid, "--decision",
            "counterfeit", rc=2)
    assert "needs a note" in p.stderr
    p = cli(db, "counterfeit", "case", "decide", cid, "--decision", "fake",
            "--note", "x", rc=2)
    assert "not counterfeit, genuine or not_government" in p.stderr
    cli(db, "counterfeit", "case", "note", cid, "--address", "not-an-ip",
        rc=2)
    cli(db, "counterfeit", "case", "decide", cid, "--decision",
        "counterfeit", "--note", "no registered unit runs it")
    cli(db, "counterfeit", "case", "refer", cid, "--agency", "x", rc=2)
    cli(db, "counterfeit", "case", "takedown", cid, "--note", "registrar "
        "asked to suspend")
    cli(db, "counterfeit", "case", "done", cid, "--note", "suspended")
    cli(db, "counterfeit", "case", "refer", cid, "--agency", "江门市公安局",
        "--reference", "JM-2026-17", "--note", "phishing for logins")
    cli(db, "counterfeit", "case", "note", cid, "--note", "after", rc=0)
    case = json.loads(cli(db, "--format", "json", "counterfeit", "case",
                          "show", cid).stdout)
    assert case["state"] == "referred"
    assert case["candidate"] == "jiangmen-gov.top"
    assert case["unit_name"] == "江门市人民政府"
    steps = [(h["action"], h["state"], h["actor"]) for h in case["history"]]
    assert steps[:2] == [("open", "new", ACTOR), ("join", "-", ACTOR)]
    assert [s[0] for s in steps[2:]] == ["confirm", "decide", "takedown",
                                         "done", "refer", "note"]
    assert case["history"][2]["addresses"] == ["198.51.100.7"]
    ref = case["referral"]
    assert ref["agency"] == "江门市公安局" and ref["actor"] == ACTOR
    bundle = ref["bundle"]
    assert bundle["case"]["id"] == cid
    assert [h["action"] for h in bundle["case"]["history"]][-1] == "refer"
    # the audit chain names every step and who took it
    audit = cli(db, "audit", "export").stdout.splitlines()
    recs = [json.loads(line) for line in audit]
    mine = [(r["action"], r["actor"]) for r in recs
            if r["object"] == "cf_case:" + cid]
    assert mine == [("cf.case.open", ACTOR), ("cf.case.confirm", ACTOR),
                    ("cf.case.decide", ACTOR), ("cf.case.takedown", ACTOR),
                    ("cf.case.done", ACTOR), ("cf.case.refer", ACTOR),
                    ("cf.case.note", ACTOR)]
    refer = [r for r in recs if r["action"] == "cf.case.refer"][0]
    assert refer["after"] == ref["digest"]
    assert cli(db, "audit", "verify").returncode == 0


def test_hits_become_cases_and_notices(tmp_path):
    db = tmp_path / "g.db"
    cli(db, "import", DEMO)
    con = sqlite3.connect(db)
    con.execute("INSERT INTO cf_hits(id, kind, candidate, detail, unit, "
                "protected, reason, score, scan, first_seen, last_seen) "
                "VALUES ('h-app', 'app', 'cn.gov.jiangmen.fake', "
                "'{\"store\":\"AppGallery\"}', ?, '江门市人民政府', "
                "'package signed by another certificate', 90, NULL, 1, 1)",
                (GOV,))
    con.commit()
    con.close()
    p = cli(db, "counterfeit", "case", "open", "--hit", "h-app")
    cid = p.stdout.strip()
    cli(db, "counterfeit", "case", "open", "--hit", "h-app", rc=2)
    hits = json.loads(cli(db, "--format", "json", "counterfeit", "hits")
                      .stdout)
    assert hits[0]["case_id"] == cid
    cli(db, "counterfeit", "takedown", "notice", cid, rc=2)  # not decided
    cli(db, "counterfeit", "case", "confirm", cid)
    cli(db, "counterfeit", "case", "decide", cid, "--decision",
        "counterfeit", "--note", "the unit's app is signed by its own key")
    out = tmp_path / "td"
    out.mkdir()
    cli(db, "counterfeit", "takedown", "write", out)
    notice = json.loads((out / f"notice-{cid}.json").read_text())
    assert notice["name"] == "cn.gov.jiangmen.fake"
    assert notice["platform"] == "AppGallery"
    assert notice["imitates"]["unit_name"] == "江门市人民政府"
    page = (out / f"notice-{cid}.html").read_text()
    assert "仿冒互联网政务应用处置通知" in page and "counterfeit" in page
    assert "cn.gov.jiangmen.fake\tAppGallery" in (out / "apps.txt").read_text()
    # the RPZ has no domain to stop, and is a valid zone all the same
    assert "CNAME" not in (out / "govsec.rpz").read_text()


# ---- the daemon: complaints, warning page, console API ------------------

@pytest.fixture
def daemon(tmp_path):
    db = tmp_path / "g.db"
    cli(db, "import", DEMO)
    p = subprocess.run([str(GOVSEC), "--db", str(db),
                        "user", "add", "admin", "--role", "admin"],
                       input=ADMIN_PW + "\n", capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    key = tmp_path / "leave.key"
    key.write_bytes(b"k" * 32)
    key.chmod(0o600)
    port, cport = free_port(), free_port()
    conf = tmp_path / "g.conf"
    conf.write_text(f"[store]\npath = {db}\n"
                    f"[console]\nlisten = 127.0.0.1:{cport}\n"
                    "two_factor = optional\n"
                    f"[public]\nlisten = 127.0.0.1:{port}\n"
                    f"leave_key = {key}\n"
                    f"[complaints]\npow_bits = {BITS}\n"
                    f"per_hour = {PER_HOUR}\n")
    with running_govsecd(conf, tmp_path / "govsecd.log", tcp_ready(port)):
        yield port, cport, db


def req(port, method, path, body=None, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    h = dict(headers or {})
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        h.setdefault("Content-Type", "application/json")
    c.request(method, path, body=data, headers=h)
    r = c.getresponse()
    raw = r.read()
    c.close()
    j = None
    if r.headers.get("Content-Type", "").startswith("application/json"):
        j = json.loads(raw)
    return r, j, raw.decode("utf-8", "replace")


def solve(challenge, bits):
    n = 0
    while True:
        d = hashlib.sha256(f"{challenge}:{n:x}".encode()).digest()
        if int.from_bytes(d[:4], "big") >> (32 - bits) == 0:
            return f"{n:x}"
        n += 1


def challenge(port):
    r, j, _ = req(port, "POST", "/v1/complaints/challenge", {})
    assert r.status == 200, j
    assert j["bits"] == BITS
    return j["challenge"]


def complain(port, body, ch=None, nonce=None):
    ch = ch or challenge(port)
    b = dict(body, challenge=ch, nonce=nonce or solve(ch, BITS))
    return req(port, "POST", "/v1/complaints", b)


def test_complaint_pow_tracking_and_flood(daemon):
    port, _, db = daemon
    body = {"kind": "domain", "target": "http://jmzf-gov.top/pay",
            "description": "短信里的缴费链接", "contact": "13800000000",
            "lang": "zh"}
    r, j, _ = complain(port, body)
    assert r.status == 201, j
    code = j["tracking"]
    assert re.fullmatch(r"T[A-Za-z0-9_-]{22}", code)
    # the tracking code shows the state, nothing private
    r, t, _ = req(port, "GET", "/v1/complaints/status?code=" + code)
    assert r.status == 200
    assert t["state"] == "new" and t["target"] == "http://jmzf-gov.top/pay"
    assert "13800000000" not in json.dumps(t)
    assert "缴费" not in json.dumps(t)
    r, _, page = req(port, "GET", "/complaint/track?lang=en&code=" + code)
    assert r.status == 200 and 'id="state"' in page
    assert "13800000000" not in page and "缴费" not in page
    r, _, _ = req(port, "GET", "/complaint/track?code=T" + "A" * 22)
    assert r.status == 404
    # the store keeps neither the code nor the contact in clear
    con = sqlite3.connect(db)
    row = con.execute("SELECT tracking, contact FROM cf_complaints").fetchone()
    con.close()
    assert code not in row[0] and row[1].startswith("sm4$")
    # a challenge is single use; a forged one and a wrong nonce are refused
    ch = challenge(port)
    nonce = solve(ch, BITS)
    r, j, _ = complain(port, dict(body, target="b.top"), ch, nonce)
    assert r.status == 201
    r, j, _ = complain(port, dict(body, target="c.top"), ch, nonce)
    assert r.status == 403 and "used" in j["error"]["message"]
    r, j, _ = complain(port, dict(body, target="c.top"), f"{BITS}.forged",
                       solve(f"{BITS}.forged", BITS))
    assert r.status == 403
    ch = challenge(port)
    bad = next(f"{n:x}" for n in range(1 << 20) if hashlib.sha256(
        f"{ch}:{n:x}".encode()).digest()[0] != 0)
    r, j, _ = complain(port, dict(body, target="c.top"), ch, bad)
    assert r.status == 403 and "does not solve" in j["error"]["message"]
    # bad input is named
    r, j, _ = complain(port, dict(body, kind="virus"))
    assert r.status == 422 and "$.kind" in j["error"]["message"]
    r, j, _ = req(port, "POST", "/v1/complaints", dict(body, extra=1,
                  challenge="x", nonce="0"))
    assert r.status == 422 and "$.extra" in j["error"]["message"]
    # flooding from one address: PER_HOUR complaints an hour, then 429
    r, j, _ = complain(port, dict(body, target="d.top"))
    assert r.status == 201  # the third
    r, j, _ = complain(port, dict(body, target="e.top"))
    assert r.status == 429 and r.headers.get("Retry-After")
    con = sqlite3.connect(db)
    assert con.execute("SELECT count(*) FROM cf_complaints").fetchone()[0] \
        == PER_HOUR
    con.close()


def test_console_moves_the_case_and_warning_page(daemon):
    port, cport, db = daemon
    r, j, _ = complain(port, {"kind": "domain", "target": "jiangmen-gov.top"})
    code = j["tracking"]
    r, j, _ = req(cport, "POST", "/api/login",
                  {"name": "admin", "password": ADMIN_PW})
    assert r.status == 200, j
    cookie = re.match(r"govsec_session=([0-9a-f]{64});",
                      r.headers["Set-Cookie"]).group(1)
    h = {"Cookie": "govsec_session=" + cookie, "X-CSRF-Token": j["csrf"]}
    r, cases, _ = req(cport, "GET", "/api/counterfeit/cases", headers=h)
    assert r.status == 200 and cases[0]["source"] == "complaint"
    cid = cases[0]["id"]
    r, c, _ = req(cport, "GET", "/api/counterfeit/cases/" + cid, headers=h)
    assert c["complaints"][0]["has_contact"] is False
    r, j, _ = req(cport, "POST", f"/api/counterfeit/cases/{cid}/decide",
                  {"decision": "counterfeit", "note": "x"}, headers=h)
    assert r.status == 409 and "is new" in j["error"]["message"]
    for step, body in (("confirm", {"note": "looking"}),
                       ("decide", {"decision": "counterfeit", "unit": GOV,
                                   "note": "not in the registry"})):
        r, j, _ = req(cport, "POST", f"/api/counterfeit/cases/{cid}/{step}",
                      body, headers=h)
        assert r.status == 200, j
    assert j["state"] == "counterfeit" and j["history"][-1]["actor"] == \
        "console:admin"
    r, t, _ = req(cport, "GET", "/api/counterfeit/takedown", headers=h)
    assert [d["name"] for d in t["domains"]] == ["jiangmen-gov.top"]
    # the complainant sees the decision
    r, t, _ = req(port, "GET", "/v1/complaints/status?code=" + code)
    assert t["state"] == "counterfeit"
    # the warning page, in both languages, for the stopped name only
    r, _, page = req(port, "GET", "/", headers={"Host": "www.jiangmen-gov.top"})
    assert r.status == 200
    assert "仿冒" in page and "counterfeit" in page
    assert "www.jiangmen.gov.cn" in page  # the genuine portal
    r, _, page = req(port, "GET", "/x", headers={"Host": "unrelated.top"})
    assert r.status == 404
