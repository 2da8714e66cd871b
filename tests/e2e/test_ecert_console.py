"""The e-certificate console API (issue 11, item 8; docs/api.md
"E-certificates", docs/ecert.md "Console and roles") against a real
govsecd with its console and public listeners.

Who may do what: only an `issuer` (the establishment department) decides
names, issues and revokes certificates and logos and registers operators;
admins, operators, auditors and viewers get 403 for each of those; an
account scoped to a unit sees only its unit's certificates, names and logos
and may apply for a name for its unit only (operator role), not for
another's. Then the work itself: a generated key handed over once and
opening with its passphrase only, revocation, the conflict search shown
before a decision (政务 / 政務), a logo's public page valid then revoked,
an operator's key shown once and working on the public listener, the
transparency log's inclusion proof checked here independently (SM3), and
the audit naming the issuer.
"""
import http.client
import json
import os
import re
import subprocess
import urllib.parse

import pytest

from conftest import free_port, run_cli, running_govsecd, tcp_ready
# the independent RFC 6962 walk of the service tests (recursion)
from test_ecert_service import root_from_path, sm3
import test_scope as scope

A = "11440000MB2C92290G"      # 广东省政务服务和数据管理局
B = "12440000MB2C92310T"      # 广东省档案馆
PW = scope.PW
NAME_A = "广东省政务服务网"
NAME_B = "广东省政務服务网"    # traditional 務: the same to a reader

ROLES = {"iss": ("issuer", []), "adm": ("admin", []),
         "opr": ("operator", []), "aud": ("auditor", []),
         "vie": ("viewer", []), "ua": ("operator", ["--unit", A]),
         "uv": ("viewer", ["--unit", A])}


class Client(scope.Client):
    """test_scope's client, with paths of Chinese names quoted."""

    def req(self, method, path, body=None):
        return super().req(method, urllib.parse.quote(path, safe="/?=&"),
                           body)

    def ok(self, method, path, body=None, status=200):
        r = self.req(method, path, body)
        assert r.status == status, (self.name, method, path, r.status,
                                    r.body)
        return r.json


def logged_in(port, name):
    c = Client(port, name)
    c.login()
    return c


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ecui")
    tmp.chmod(0o700)
    db = tmp / "g.db"

    def cli(*args, stdin=None):
        return run_cli(args, db=db, stdin=stdin)

    reg = tmp / "reg.json"
    reg.write_text(json.dumps({
        "units": [
            {"uscc": A, "name": "广东省政务服务和数据管理局",
             "kind": "administrative", "level": "provincial",
             "region": "440000", "region_name": "广东省"},
            {"uscc": B, "name": "广东省档案馆", "kind": "institution",
             "level": "provincial", "region": "440000",
             "region_name": "广东省"}],
        "applications": [
            {"id": "a-portal", "unit": A, "type": "portal",
             "name": NAME_A, "status": "live",
             "domains": [{"name": "www.gdzwfw.gov.cn", "main": True}]},
            {"id": "b-portal", "unit": B, "type": "portal",
             "name": "广东省档案馆网站", "status": "live",
             "domains": [{"name": "da.gd.gov.cn", "main": True}]}]},
        ensure_ascii=False))
    r = cli("import", reg)
    assert r.returncode == 0, r.stderr
    assert cli("ca", "init", "--org", "广东省委编办").returncode == 0
    for name, (role, where) in ROLES.items():
        r = cli("user", "add", name, "--role", role, *where, stdin=PW + "\n")
        assert r.returncode == 0, r.stderr
    port, pport = free_port(), free_port()
    leave = tmp / "leave.key"
    leave.write_bytes(os.urandom(32))
    leave.chmod(0o600)
    conf = tmp / "g.conf"
    conf.write_text(f"[store]\npath = {db}\n"
                    f"[console]\nlisten = 127.0.0.1:{port}\n"
                    "two_factor = optional\n"
                    f"[public]\nlisten = 127.0.0.1:{pport}\n"
                    f"leave_key = {leave}\n")
    with running_govsecd(conf, tmp / "govsecd.log", tcp_ready(port)):
        yield {"cli": cli, "dir": tmp, "db": db, "pport": pport,
               **{n: logged_in(port, n) for n in ROLES}}


def public(w, path, method="GET", body=None, key=None):
    c = http.client.HTTPConnection("127.0.0.1", w["pport"], timeout=10)
    h = {"Content-Type": "application/json"}
    if key:
        h["Authorization"] = "Bearer " + key
    c.request(method, path, json.dumps(body) if body else None, h)
    r = c.getresponse()
    return r.status, r.read().decode()


def test_user_add_issuer_role(world):
    cli = world["cli"]
    assert "iss\tissuer\tall" in cli("user", "list").stdout
    r = cli("user", "add", "x", "--role", "boss", stdin=PW + "\n")
    assert r.returncode == 2 and "admin, issuer" in r.stderr
    assert world["iss"].ok("GET", "/api/me")["role"] == "issuer"
    # an issuer reads the rest of the console like a viewer, no more
    world["iss"].ok("GET", "/api/units")
    r = world["iss"].req("POST", "/api/units", {"uscc": "x"})
    assert r.status == 403


def forbidden(w, who, method, path, body):
    for name in who:
        r = w[name].req(method, path, body)
        assert r.status == 403, (name, method, path, r.status, r.body)


NOT_ISSUERS = ("adm", "opr", "aud", "vie", "ua", "uv")


def test_only_the_issuer_decides_and_issues(world):
    """A 403 for every issuer-only action and every other role, with
    nothing changed; reads are open to every role."""
    w = world
    serial = w["iss"].ok("POST", "/api/ecert/certificates", {"unit": B},
                         201)["serial"]
    pend = w["ua"].ok("POST", "/api/ecert/names",
                      {"unit": A, "name": "广东省政务数据开放平台"}, 201)["id"]
    actions = [
        ("POST", "/api/ecert/certificates", {"unit": A}),
        ("POST", f"/api/ecert/certificates/{serial}/revoke",
         {"reason": "superseded"}),
        ("POST", f"/api/ecert/names/{pend}/approve", {}),
        ("POST", f"/api/ecert/names/{pend}/reject", {"reason": "x"}),
        ("POST", "/api/ecert/logos", {"app": "a-portal"}),
        ("POST", "/api/ecert/logos/0123456789abcdef/revoke",
         {"reason": "x"}),
        ("POST", "/api/ecert/operators", {"name": "平台丙"}),
        ("POST", "/api/ecert/operators/平台丙/keys", {}),
        ("POST", "/api/ecert/operators/平台丙/disable", {}),
        ("POST", "/api/ecert/keys/000000000000/revoke", {}),
    ]
    for method, path, body in actions:
        forbidden(w, NOT_ISSUERS, method, path, body)
    # applying is for those who change the registry, not readers
    forbidden(w, ("aud", "vie", "uv"), "POST", "/api/ecert/names",
              {"unit": A, "name": "广东省政务服务和数据管理局"})
    # nothing happened
    certs = w["iss"].ok("GET", "/api/ecert/certificates")["items"]
    assert [c["unit"] for c in certs] == [B] and certs[0]["state"] == "valid"
    names = w["iss"].ok("GET", "/api/ecert/names")["items"]
    assert [(n["id"], n["state"]) for n in names] == [(pend, "pending")]
    assert w["iss"].ok("GET", "/api/ecert/operators")["items"] == []
    assert w["iss"].ok("GET", "/api/ecert/logos")["items"] == []
    for name in ROLES:
        w[name].ok("GET", "/api/ecert/certificates")
        w[name].ok("GET", "/api/ecert/names")
        w[name].ok("GET", "/api/ecert/logos")
    # the log and the operators concern no unit: not for scoped accounts
    for path in ("/api/ecert/operators", "/api/ecert/tlog/head"):
        w["aud"].ok("GET", path)
        for name in ("ua", "uv"):
            assert w[name].req("GET", path).status == 403
    # the issuer's decision cleans up the pending one for the next tests
    w["iss"].ok("POST", f"/api/ecert/names/{pend}/reject",
                {"reason": "测试"})


def test_unit_account_keeps_to_its_unit(world):
    w = world
    r = w["ua"].req("POST", "/api/ecert/names",
                    {"unit": B, "name": "广东省档案馆"})
    assert r.status == 403 and "outside the scope" in r.json["error"][
        "message"]
    serial = w["iss"].ok("GET", "/api/ecert/certificates")["items"][0][
        "serial"]
    assert w["ua"].req("GET", f"/api/ecert/certificates/{serial}").status \
        == 404
    assert w["ua"].req("GET", f"/api/ecert/certificates?unit={B}").status \
        == 404
    assert w["ua"].ok("GET", "/api/ecert/certificates")["items"] == []
    assert w["iss"].ok("GET", f"/api/ecert/certificates/{serial}")["pem"] \
        .startswith("-----BEGIN CERTIFICATE-----")
    assert all(n["unit"] == A for n in
               w["ua"].ok("GET", "/api/ecert/names")["items"])


def test_certificate_issued_handed_over_and_revoked(world):
    w = world
    d = w["dir"]
    out = w["iss"].ok("POST", "/api/ecert/certificates",
                      {"unit": A, "days": 365}, 201)
    assert out["unit"] == A and out["state"] == "valid"
    assert out["key"].startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    assert re.fullmatch(r"\S{20,}", out["passphrase"])
    (d / "k.pem").write_text(out["key"])
    (d / "c.pem").write_text(out["pem"])
    pub = subprocess.run(["openssl", "pkey", "-in", d / "k.pem", "-passin",
                          "pass:" + out["passphrase"], "-pubout"],
                         capture_output=True, text=True)
    assert pub.returncode == 0, pub.stderr
    cert_pub = subprocess.run(["openssl", "x509", "-in", d / "c.pem",
                               "-noout", "-pubkey"],
                              capture_output=True, text=True).stdout
    assert pub.stdout == cert_pub
    assert subprocess.run(["openssl", "pkey", "-in", d / "k.pem", "-passin",
                           "pass:wrong"], capture_output=True).returncode != 0
    # govsec keeps no copy of the key: the store has none, no file stays
    import sqlite3
    with sqlite3.connect(w["db"]) as db:
        dump = "\n".join(db.iterdump())
    assert "ENCRYPTED PRIVATE KEY" not in dump
    # a unit not in the registry, a bad number of days
    r = w["iss"].req("POST", "/api/ecert/certificates",
                     {"unit": "11440000MB2C9229XX"})
    assert r.status in (403, 422)
    r = w["iss"].req("POST", "/api/ecert/certificates",
                     {"unit": A, "days": 99999})
    assert r.status == 422 and "$.days" in r.json["error"]["message"]
    r = w["iss"].req("POST", "/api/ecert/certificates",
                     {"unit": A, "key": "x"})
    assert r.status == 422
    s = out["serial"]
    r = w["iss"].req("POST", f"/api/ecert/certificates/{s}/revoke",
                     {"reason": "bogus"})
    assert r.status == 422
    got = w["iss"].ok("POST", f"/api/ecert/certificates/{s}/revoke",
                      {"reason": "keyCompromise"})
    assert got["state"] == "revoked" and got["reason"] == "keyCompromise"
    r = w["iss"].req("POST", f"/api/ecert/certificates/{s}/revoke", {})
    assert r.status == 422
    assert w["ua"].ok("GET", f"/api/ecert/certificates/{s}")["state"] == \
        "revoked"
    status, crl = public(w, "/v1/crl")
    assert status == 200 and "X509 CRL" in crl


def test_names_conflict_shown_then_decided(world):
    w = world
    a = w["ua"].ok("POST", "/api/ecert/names",
                   {"unit": A, "name": NAME_A, "app": "a-portal"}, 201)
    b = w["iss"].ok("POST", "/api/ecert/names",
                    {"unit": B, "name": NAME_B}, 201)
    pending = {n["id"]: n for n in w["iss"].ok(
        "GET", "/api/ecert/names?state=pending")["items"]}
    assert [x["id"] for x in pending[b["id"]]["rivals"]] == [a["id"]]
    assert pending[b["id"]]["rivals"][0]["state"] == "pending"
    # the unit's own account does not see the other unit's pending one
    mine = w["ua"].ok("GET", "/api/ecert/names?state=pending")["items"]
    assert [n["id"] for n in mine] == [a["id"]] and mine[0]["rivals"] == []
    w["iss"].ok("POST", f"/api/ecert/names/{a['id']}/approve", {})
    rv = [n for n in w["iss"].ok("GET", "/api/ecert/names")["items"]
          if n["id"] == b["id"]][0]["rivals"]
    assert rv[0]["name"] == NAME_A and rv[0]["state"] == "approved"
    assert "traditional and simplified" in rv[0]["why"]
    r = w["iss"].req("POST", f"/api/ecert/names/{b['id']}/approve", {})
    assert r.status == 409 and NAME_A in r.json["error"]["message"]
    r = w["iss"].req("POST", f"/api/ecert/names/{b['id']}/reject", {})
    assert r.status == 422 and "reason" in r.json["error"]["message"]
    got = w["iss"].ok("POST", f"/api/ecert/names/{b['id']}/reject",
                      {"reason": "与已核准的网上名称相混淆"})
    assert got["state"] == "rejected" and got["reason"].startswith("与")
    # a new application of the same look-alike is refused at once
    r = w["iss"].req("POST", "/api/ecert/names", {"unit": B, "name": NAME_B})
    assert r.status == 409 and "confusable" in r.json["error"]["message"]
    r = w["iss"].req("POST", f"/api/ecert/names/{b['id']}/approve", {})
    assert r.status == 404


def test_logo_issued_public_page_and_revoked(world):
    w = world
    logo = w["iss"].ok("POST", "/api/ecert/logos", {"app": "a-portal"}, 201)
    assert re.fullmatch(r"[0-9a-f]{16}", logo["id"])
    assert logo["page"] == \
        f"http://127.0.0.1:{w['pport']}/v1/logo/{logo['id']}"
    assert logo["domains"] == ["www.gdzwfw.gov.cn"]
    status, page = public(w, logo["path"])
    assert status == 200 and "有效 / valid" in page and \
        "www.gdzwfw.gov.cn" in page
    svg = w["uv"].req("GET", logo["svg"])
    assert svg.status == 200 and svg.headers["Content-Type"] == \
        "image/svg+xml" and svg.body.startswith(b"<svg")
    assert w["ua"].ok("GET", "/api/ecert/logos")["items"][0]["id"] == \
        logo["id"]
    # B's application has no approved name: refused
    r = w["iss"].req("POST", "/api/ecert/logos", {"app": "b-portal"})
    assert r.status == 422 and "not an approved" in r.json["error"][
        "message"]
    r = w["iss"].req("POST", f"/api/ecert/logos/{logo['id']}/revoke", {})
    assert r.status == 422
    got = w["iss"].ok("POST", f"/api/ecert/logos/{logo['id']}/revoke",
                      {"reason": "网站改版"})
    assert got["revoked"]
    status, page = public(w, logo["path"])
    assert "已撤销 / revoked" in page
    r = w["iss"].req("POST", f"/api/ecert/logos/{logo['id']}/revoke",
                     {"reason": "again"})
    assert r.status == 409


def test_operator_key_shown_once_and_working(world):
    w = world
    out = w["iss"].ok("POST", "/api/ecert/operators",
                      {"name": "应用商店甲", "rate": 30}, 201)
    key = out["key"]
    assert re.fullmatch(r"gsk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}", key)
    ops = w["aud"].ok("GET", "/api/ecert/operators")["items"]
    assert ops[0]["name"] == "应用商店甲" and key not in json.dumps(ops)
    status, _ = public(w, "/v1/challenge", "POST", {"uscc": A}, key)
    assert status == 201
    r = w["iss"].req("POST", "/api/ecert/operators", {"name": "应用商店甲"})
    assert r.status == 409
    second = w["iss"].ok("POST", "/api/ecert/operators/应用商店甲/keys", {},
                         201)["key"]
    kid = key.split("_")[1]
    assert w["iss"].req("POST", f"/api/ecert/keys/{kid}/revoke",
                        {}).status == 204
    assert public(w, "/v1/challenge", "POST", {"uscc": A}, key)[0] == 401
    assert public(w, "/v1/challenge", "POST", {"uscc": A}, second)[0] == 201
    assert w["iss"].req("POST", "/api/ecert/operators/应用商店甲/disable",
                        {}).status == 204
    assert public(w, "/v1/challenge", "POST", {"uscc": A}, second)[0] == 401


def test_log_head_entries_and_proof(world):
    w = world
    head = w["aud"].ok("GET", "/api/ecert/tlog/head")
    size = head["tree"]["size"]
    assert head["signed"] and size >= 5
    ents = w["aud"].ok("GET", "/api/ecert/tlog/entries")
    assert ents["size"] == size
    assert ents["entries"][-1]["index"] == size - 1
    kinds = {e["kind"] for e in ents["entries"]}
    assert {"cert.issue", "cert.revoke", "name.approve", "name.reject",
            "logo.issue", "logo.revoke"} <= kinds
    # an inclusion proof, checked here with an independent walk
    i = 2
    p = w["vie"].ok("GET", f"/api/ecert/tlog/proof?index={i}")
    assert p["verified"] is True and p["root"] == head["tree"]["root"]
    leaf = sm3(b"\x00" + p["entry"]["entry"].encode())
    assert leaf.hex() == p["leaf_hash"]
    r = root_from_path(i, size, leaf, list(map(bytes.fromhex, p["path"])))
    assert r.hex() == head["tree"]["root"]
    r = w["vie"].req("GET", f"/api/ecert/tlog/proof?index={size}")
    assert r.status == 422
    assert w["vie"].req("GET", "/api/ecert/tlog/proof").status == 400


def test_actions_audited_under_the_issuer(world):
    out = world["cli"]("audit", "export").stdout
    recs = [json.loads(x) for x in out.splitlines() if x.startswith("{")]
    by = {(x["actor"], x["action"]) for x in recs}
    for action in ("ecert.issue", "ecert.revoke", "ecert.name_approve",
                   "ecert.name_reject", "ecert.logo_issue",
                   "ecert.logo_revoke", "ecert.operator_add",
                   "ecert.key_add"):
        assert ("iss", action) in by, action
    assert ("ua", "ecert.name_apply") in by
