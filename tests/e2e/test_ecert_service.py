"""The verification service for platform operators (AUTH-5, APP-2,
CERT-1; seed Q4) on govsecd's public listener, as an app store would use
it: with an API key an administrator gave it, by certificate or by a
challenge the unit signs with its certificate's key, receiving a receipt
it checks offline with the sample client of docs/examples (compiled here
with the system's cc) against the root it pinned. Refused: no key, a
revoked or another operator's key, a replayed challenge, a challenge
signed by another key, a tampered receipt; a revocation shows in the next
receipt and the CRL; each key keeps to its rate; every call is audited.
"""
import base64
import hashlib
import http.client
import json
import os
import re
import subprocess
import time

import pytest

from conftest import SRC, free_port, run_cli, running_govsecd, tcp_ready

UNIT = "11440000MB2C92290G"
OTHER = "12440000MB2C92310T"
NAME = "广东省政务服务和数据管理局"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """The sample operator client, built from docs/examples."""
    d = tmp_path_factory.mktemp("client")
    exe = d / "verify-receipt"
    p = subprocess.run(["cc", "-o", exe, SRC / "docs/examples/verify-receipt.c",
                        "-lcrypto", "-ljansson"], capture_output=True,
                       text=True)
    assert p.returncode == 0, p.stderr
    return exe


@pytest.fixture
def svc(tmp_path):
    os.chmod(tmp_path, 0o700)
    db = tmp_path / "s.db"

    def cli(*args):
        return run_cli(args, db=db)

    reg = tmp_path / "reg.json"
    reg.write_text(json.dumps({"units": [
        {"uscc": UNIT, "name": NAME, "kind": "administrative",
         "level": "provincial", "region": "440000"},
        {"uscc": OTHER, "name": "广东省档案馆", "kind": "institution",
         "level": "provincial", "region": "440000"}]}, ensure_ascii=False))
    assert cli("import", reg).returncode == 0, cli("import", reg).stderr
    assert cli("ca", "init", "--org", "广东省委编办").returncode == 0
    out = json.loads(cli("--format", "json", "cert", "issue", UNIT,
                         "--key-out", tmp_path / "unit.key").stdout)
    (tmp_path / "unit.pem").write_text(out["pem"])
    assert cli("operator", "add", "应用商店甲", "--rate", "600") \
        .returncode == 0
    assert cli("operator", "add", "平台乙", "--rate", "3").returncode == 0
    keys = {op: json.loads(cli("--format", "json", "operator", "key",
                               op).stdout)["key"]
            for op in ("应用商店甲", "平台乙")}
    chain = cli("ca", "chain").stdout
    root = chain[chain.rindex("-----BEGIN CERTIFICATE-----"):]
    (tmp_path / "root.pem").write_text(root)
    port, cport = free_port(), free_port()
    leave = tmp_path / "leave.key"
    leave.write_bytes(os.urandom(32))
    leave.chmod(0o600)
    conf = tmp_path / "g.conf"
    conf.write_text(f"[store]\npath = {db}\n"
                    f"[console]\nlisten = 127.0.0.1:{cport}\n"
                    "two_factor = optional\n"
                    f"[public]\nlisten = 127.0.0.1:{port}\n"
                    f"leave_key = {leave}\n")
    with running_govsecd(conf, tmp_path / "govsecd.log", tcp_ready(port)):
        yield {"port": port, "cli": cli, "dir": tmp_path, "keys": keys,
               "serial": out["serial"], "pass": out["passphrase"]}


def call(svc, method, path, body=None, key=None):
    c = http.client.HTTPConnection("127.0.0.1", svc["port"], timeout=10)
    headers = {"Content-Type": "application/json"}
    if key is not None:
        headers["Authorization"] = "Bearer " + key
    c.request(method, path,
              json.dumps(body).encode() if body is not None else None,
              headers)
    r = c.getresponse()
    data = r.read().decode()
    c.close()
    return r, data


def offline(client, svc, receipt_text):
    return subprocess.run([client, svc["dir"] / "root.pem"],
                          input=receipt_text, capture_output=True,
                          text=True)


def sign(svc, text, key=None):
    """The unit's signature of text: SM2, SM3 and the ID, by openssl."""
    (svc["dir"] / "msg").write_text(text)
    args = ["openssl", "dgst", "-sm3", "-sign", key or svc["dir"] / "unit.key",
            "-sigopt", "distid:1234567812345678", "-out", svc["dir"] / "sig",
            svc["dir"] / "msg"]
    if key is None:
        args[5:5] = ["-passin", "pass:" + svc["pass"]]
    subprocess.run(args, check=True, capture_output=True)
    return b64url((svc["dir"] / "sig").read_bytes())


def test_public_chain_and_crl(svc):
    r, body = call(svc, "GET", "/v1/ca")
    assert r.status == 200 and body.count("BEGIN CERTIFICATE") == 3
    r, body = call(svc, "GET", "/v1/crl")
    assert r.status == 404  # none signed yet, and said so
    assert svc["cli"]("cert", "crl", "--sign").returncode == 0
    r, body = call(svc, "GET", "/v1/crl")
    assert r.status == 200 and "BEGIN X509 CRL" in body


def test_receipt_by_certificate_checks_offline(svc, client):
    pem = (svc["dir"] / "unit.pem").read_text()
    # the unit's approved online name travels in the receipt (NAME-2)
    r = svc["cli"]("--format", "json", "name", "apply", NAME, "--unit", UNIT)
    assert r.returncode == 0, r.stderr
    assert svc["cli"]("name", "approve",
                      str(json.loads(r.stdout)["id"])).returncode == 0
    r, body = call(svc, "POST", "/v1/verify", {"certificate": pem},
                   svc["keys"]["应用商店甲"])
    assert r.status == 200, body
    out = offline(client, svc, body)
    assert out.returncode == 0, out.stderr
    claims = json.loads(out.stdout.split("\n", 1)[1])
    assert claims["uscc"] == UNIT and claims["name"] == NAME
    assert claims["certificate"]["status"] == "valid"
    assert claims["certificate"]["serial"] == svc["serial"]
    assert claims["method"] == "certificate"
    assert claims["operator"] == "应用商店甲"
    assert claims["kind"] == "administrative"
    assert claims["online_names"] == [NAME] and claims["logo_ids"] == []
    # a tampered receipt: another unit's code in the signed bytes
    resp = json.loads(body)
    forged = base64.urlsafe_b64decode(resp["receipt"] + "==").replace(
        UNIT.encode(), OTHER.encode())
    resp["receipt"] = b64url(forged)
    out = offline(client, svc, json.dumps(resp))
    assert out.returncode == 1 and "NOT genuine" in out.stderr
    # a receipt signed by a key that is not the root's signer
    resp = json.loads(body)
    resp["signer"] = (svc["dir"] / "unit.pem").read_text()
    assert offline(client, svc, json.dumps(resp)).returncode == 1


def test_keys_are_required_and_checked(svc):
    pem = (svc["dir"] / "unit.pem").read_text()
    for key in (None, "gsk_000000000000_" + "A" * 43,
                svc["keys"]["应用商店甲"][:-1] + "B", "not-a-key"):
        r, body = call(svc, "POST", "/v1/verify", {"certificate": pem}, key)
        assert r.status == 401, (key, body)
        assert "Bearer" in r.getheader("WWW-Authenticate")
    key_id = svc["keys"]["应用商店甲"].split("_")[1]
    assert svc["cli"]("operator", "key-revoke", key_id).returncode == 0
    r, _ = call(svc, "POST", "/v1/verify", {"certificate": pem},
                svc["keys"]["应用商店甲"])
    assert r.status == 401
    # a broken body
    r, body = call(svc, "POST", "/v1/verify", {"certificate": 5},
                   svc["keys"]["平台乙"])
    assert r.status == 422 and "certificate" in body


def test_challenge_signed_by_the_unit(svc, client):
    key = svc["keys"]["应用商店甲"]
    r, body = call(svc, "POST", "/v1/challenge", {"uscc": UNIT}, key)
    assert r.status == 201, body
    ch = json.loads(body)["challenge"]
    sig = sign(svc, ch)
    req = {"uscc": UNIT, "challenge": ch, "signature": sig}
    r, body = call(svc, "POST", "/v1/verify", req, key)
    assert r.status == 200, body
    out = offline(client, svc, body)
    assert out.returncode == 0, out.stderr
    claims = json.loads(out.stdout.split("\n", 1)[1])
    assert claims["method"] == "challenge"
    assert claims["certificate"]["status"] == "valid"
    # replayed: the challenge was used up
    r, body = call(svc, "POST", "/v1/verify", req, key)
    assert r.status == 404
    # a challenge of one operator is not another's
    r, body = call(svc, "POST", "/v1/challenge", {"uscc": UNIT}, key)
    ch = json.loads(body)["challenge"]
    r, body = call(svc, "POST", "/v1/verify",
                   {"uscc": UNIT, "challenge": ch,
                    "signature": sign(svc, ch)}, svc["keys"]["平台乙"])
    assert r.status == 404
    # signed by a key that is not the unit's certificate's
    subprocess.run(["openssl", "genpkey", "-algorithm", "SM2", "-out",
                    svc["dir"] / "other.key"], check=True)
    r, body = call(svc, "POST", "/v1/challenge", {"uscc": UNIT}, key)
    ch = json.loads(body)["challenge"]
    r, body = call(svc, "POST", "/v1/verify",
                   {"uscc": UNIT, "challenge": ch,
                    "signature": sign(svc, ch, svc["dir"] / "other.key")},
                   key)
    assert r.status == 422 and "distinguishing ID" in body
    # a unit that is not registered gets no challenge
    r, body = call(svc, "POST", "/v1/challenge",
                   {"uscc": "11440000MB2C92291K"}, key)
    assert r.status == 404


def test_revocation_shows_in_the_next_receipt(svc, client):
    pem = (svc["dir"] / "unit.pem").read_text()
    key = svc["keys"]["应用商店甲"]
    assert svc["cli"]("cert", "revoke", svc["serial"]).returncode == 0
    r, body = call(svc, "POST", "/v1/verify", {"certificate": pem}, key)
    assert r.status == 200
    claims = json.loads(offline(client, svc, body).stdout.split("\n", 1)[1])
    assert claims["certificate"]["status"] == "revoked"
    assert claims["certificate"]["revoked"]
    r, body = call(svc, "GET", "/v1/crl")
    assert r.status == 200
    crl = svc["dir"] / "crl.pem"
    crl.write_text(body)
    text = subprocess.run(["openssl", "crl", "-in", crl, "-noout", "-text"],
                          capture_output=True, text=True).stdout
    assert svc["serial"] in text
    # a certificate that is not this CA's gets no receipt at all
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                    svc["dir"] / "x.key", "-out", svc["dir"] / "x.pem",
                    "-subj", "/CN=x", "-days", "1"], check=True,
                   capture_output=True)
    r, body = call(svc, "POST", "/v1/verify",
                   {"certificate": (svc["dir"] / "x.pem").read_text()}, key)
    assert r.status == 422 and "unknown_issuer" in body


def test_rate_per_key_and_audit(svc):
    pem = (svc["dir"] / "unit.pem").read_text()
    key = svc["keys"]["平台乙"]  # 3 a minute
    codes = [call(svc, "POST", "/v1/verify", {"certificate": pem}, key)[0]
             for _ in range(4)]
    assert [c.status for c in codes[:3]] == [200, 200, 200]
    assert codes[3].status == 429
    assert int(codes[3].getheader("Retry-After")) >= 1
    # the other operator's key is not slowed by it
    r, _ = call(svc, "POST", "/v1/verify", {"certificate": pem},
                svc["keys"]["应用商店甲"])
    assert r.status == 200
    # every verification in the audit chain, under the operator's name
    deadline = time.monotonic() + 10
    while True:
        log = svc["cli"]("audit", "export").stdout
        n = sum(1 for line in log.splitlines()
                if '"operator:平台乙"' in line and "ecert.verify" in line)
        if n == 3 or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert n == 3, log
    assert svc["keys"]["平台乙"].split("_")[2] not in log
    assert svc["cli"]("audit", "verify").returncode == 0


def test_transparency_log_monitored(svc, tmp_path_factory):
    """The transparency log: every issuance and revocation is an entry;
    anyone proves inclusion and consistency from the public routes; a
    monitor that pins the root follows the log and catches a rewrite."""
    mon = tmp_path_factory.mktemp("monitor")
    base = f"http://127.0.0.1:{svc['port']}"
    root, state = svc["dir"] / "root.pem", mon / "state.json"

    def monitor():
        return run_cli(["tlog", "monitor", base, "--root", root,
                        "--state", state])

    first = monitor()
    assert first.returncode == 0, first.stderr
    kinds = [json.loads(line.split(" ", 1)[1])["type"]
             for line in first.stdout.splitlines()]
    assert kinds == ["ca.init", "cert.issue"]
    # more entries: a revocation and another issuance
    assert svc["cli"]("cert", "revoke", svc["serial"]).returncode == 0
    assert svc["cli"]("cert", "issue", UNIT, "--key-out",
                      mon / "k2").returncode == 0
    second = monitor()
    assert second.returncode == 0, second.stderr
    assert [json.loads(line.split(" ", 1)[1])["type"]
            for line in second.stdout.splitlines()] == ["cert.revoke",
                                                         "cert.issue"]
    # inclusion of the revocation, checked independently (RFC 6962, SM3)
    r, body = call(svc, "GET", "/v1/tlog/head")
    head = json.loads(json.loads(body)["head"])
    assert head["size"] == 4 and head["hash"] == "sm3"
    r, body = call(svc, "GET", f"/v1/tlog/proof?index=2&size=4")
    proof = json.loads(body)
    r, body = call(svc, "GET", "/v1/tlog/entries?start=2&count=1")
    entry = json.loads(body)["entries"][0]["entry"]
    assert json.loads(entry)["serial"] == svc["serial"]
    assert sm3_leaf(entry.encode()).hex() == proof["leaf_hash"]
    assert root_from_path(2, 4, bytes.fromhex(proof["leaf_hash"]),
                          [bytes.fromhex(h) for h in proof["path"]]) \
        == bytes.fromhex(head["root"])
    r, _ = call(svc, "GET", "/v1/tlog/proof?index=4&size=4")
    assert r.status == 422
    r, _ = call(svc, "GET", "/v1/tlog/proof?index=x")
    assert r.status == 400
    assert svc["cli"]("tlog", "audit").returncode == 0
    # the operator rewrites history: the monitor says so
    import sqlite3
    with sqlite3.connect(svc["dir"] / "s.db") as db:
        db.execute("UPDATE tlog_entries SET entry = replace(entry, "
                   "'keyCompromise', 'superseded') WHERE idx = 2")
        db.execute("UPDATE tlog_entries SET entry = replace(entry, "
                   "'unspecified', 'superseded') WHERE idx = 2")
    bad = svc["cli"]("tlog", "audit")
    assert bad.returncode == 1 and "entry 2" in bad.stderr
    # ... and a log that serves a rewritten tree fails the consistency
    # check: recompute the nodes so the server is self-consistent
    with sqlite3.connect(svc["dir"] / "s.db") as db:
        rows = db.execute("SELECT entry FROM tlog_entries ORDER BY idx")
        leaves = [sm3_leaf(e.encode()) for (e,) in rows]
        db.execute("DELETE FROM tlog_nodes")
        for level, idx, h in all_nodes(leaves):
            db.execute("INSERT INTO tlog_nodes VALUES (?, ?, ?)",
                       (level, idx, h.hex()))
    assert svc["cli"]("tlog", "audit").returncode == 0
    assert svc["cli"]("cert", "issue", UNIT, "--key-out",
                      mon / "k3").returncode == 0
    third = monitor()
    assert third.returncode == 1
    assert "consistency proof" in third.stderr


def sm3(data):
    return hashlib.new("sm3", data).digest()


def sm3_leaf(data):
    return sm3(b"\x00" + data)


def root_from_path(m, n, leaf, path):
    """RFC 6962 2.1.1 inclusion, recomputed by recursion (not by the
    RFC 9162 algorithm the C code uses)."""
    def walk(m, lo, hi, h, path):
        if hi - lo == 1:
            return h, path
        k = 1
        while k * 2 < hi - lo:
            k *= 2
        if m < lo + k:
            h, path = walk(m, lo, lo + k, h, path)
            return sm3(b"\x01" + h + path[0]), path[1:]
        h, path = walk(m, lo + k, hi, h, path)
        return sm3(b"\x01" + path[0] + h), path[1:]
    h, rest = walk(m, 0, n, leaf, list(path))
    assert rest == []
    return h


def all_nodes(leaves):
    level, nodes = 0, list(leaves)
    while nodes:
        for i, h in enumerate(nodes):
            yield level, i, h
        nodes = [sm3(b"\x01" + nodes[i] + nodes[i + 1])
                 for i in range(0, len(nodes) - 1, 2)]
        level += 1


def test_self_examination_reads_the_service(svc):
    """CERT-1, NAME-2, APP-2, AUTH-5 in `govsec check`, for a unit of a
    pilot area, from what the CA and the service hold; not applicable
    outside a pilot area."""
    cli = svc["cli"]

    def findings():
        p = cli("check", "--format", "json", "--all")
        assert p.returncode in (0, 1, 3), p.stderr
        return {(f["requirement"], f["object"]): f
                for f in json.loads(p.stdout)["findings"]
                if f["requirement"] in ("CERT-1", "NAME-2", "APP-2",
                                        "AUTH-5")}

    reg = svc["dir"] / "pilot.json"
    doc = {"units": [{"uscc": UNIT, "name": NAME, "kind": "administrative",
                      "level": "provincial", "region": "440000",
                      "ecert_pilot": True},
                     {"uscc": OTHER, "name": "广东省档案馆",
                      "kind": "institution", "level": "provincial",
                      "region": "440000"}],
           "applications": [{"id": "gd-app", "unit": UNIT, "type": "app",
                             "name": NAME, "status": "live"},
                            {"id": "da-app", "unit": OTHER, "type": "app",
                             "name": "广东省档案馆", "status": "live"}]}
    reg.write_text(json.dumps(doc, ensure_ascii=False))
    r = cli("import", reg)
    assert r.returncode == 0, r.stderr
    got = findings()
    # outside a pilot area: not applicable
    assert got[("CERT-1", OTHER)]["status"] == "not_applicable"
    assert got[("NAME-2", "da-app")]["status"] == "not_applicable"
    assert got[("APP-2", "da-app")]["status"] == "not_applicable"
    # the pilot unit: a valid certificate, a name never applied for, no
    # verification yet
    assert got[("CERT-1", UNIT)]["status"] == "pass"
    assert svc["serial"] in got[("CERT-1", UNIT)]["evidence"]
    assert got[("NAME-2", "gd-app")]["status"] == "fail"
    assert got[("APP-2", "gd-app")]["status"] == "unknown"
    assert got[("AUTH-5", UNIT)]["status"] == "not_applicable"
    # the name approved, a platform verifies by a signed challenge
    r = cli("--format", "json", "name", "apply", NAME, "--unit", UNIT,
            "--app", "gd-app")
    assert r.returncode == 0, r.stdout + r.stderr
    assert cli("name", "approve",
               str(json.loads(r.stdout)["id"])).returncode == 0
    key = svc["keys"]["应用商店甲"]
    _, body = call(svc, "POST", "/v1/challenge", {"uscc": UNIT}, key)
    ch = json.loads(body)["challenge"]
    r, body = call(svc, "POST", "/v1/verify",
                   {"uscc": UNIT, "challenge": ch,
                    "signature": sign(svc, ch)}, key)
    assert r.status == 200, body
    got = findings()
    assert got[("NAME-2", "gd-app")]["status"] == "pass"
    assert got[("APP-2", "gd-app")]["status"] == "pass"
    assert got[("AUTH-5", UNIT)]["status"] == "pass"
    # revoked, and then shown to a platform: CERT-1 fails
    assert cli("cert", "revoke", svc["serial"]).returncode == 0
    pem = (svc["dir"] / "unit.pem").read_text()
    r, _ = call(svc, "POST", "/v1/verify", {"certificate": pem}, key)
    assert r.status == 200
    got = findings()
    assert got[("CERT-1", UNIT)]["status"] == "fail"
    assert "revoked certificate" in got[("CERT-1", UNIT)]["evidence"]


def test_online_logo_verified_publicly(svc, client):
    """LOGO-1: a logo is issued only for an approved online name; its
    public page says whose it is, for which domains, and whether it is
    valid; the badge carries a QR code of that page; receipts list it;
    issuance and revocation are in the transparency log."""
    cli = svc["cli"]
    reg = svc["dir"] / "apps.json"
    reg.write_text(json.dumps({"applications": [{
        "id": "gd-portal", "unit": UNIT, "type": "portal",
        "name": NAME + "门户网站", "status": "live",
        "domains": [{"name": "www.gdzwfw.gov.cn", "main": True}]}]},
        ensure_ascii=False))
    assert cli("import", reg).returncode == 0
    r = cli("logo", "issue", "gd-portal")
    assert r.returncode == 2 and "not an approved online name" in r.stderr
    r = cli("--format", "json", "name", "apply", NAME + "门户网站", "--unit",
            UNIT, "--app", "gd-portal")
    assert r.returncode == 0, r.stdout + r.stderr
    assert cli("name", "approve",
               str(json.loads(r.stdout)["id"])).returncode == 0
    r = cli("logo", "issue", "gd-portal")
    assert r.returncode == 0, r.stderr
    logo = r.stdout.strip()
    assert re.fullmatch(r"[0-9a-f]{16}", logo)
    r, page = call(svc, "GET", f"/v1/logo/{logo}")
    assert r.status == 200 and "text/html" in r.getheader("Content-Type")
    for want in (NAME, UNIT, "www.gdzwfw.gov.cn", "有效", "党政机关"):
        assert want in page, want
    r, svg = call(svc, "GET", f"/v1/logo/{logo}.svg")
    assert r.status == 200 and r.getheader("Content-Type") == "image/svg+xml"
    assert svg.startswith("<svg") and "党政机关" in svg and logo in svg
    assert 'd="M' in svg  # the QR code's modules
    # the receipt lists it
    pem = (svc["dir"] / "unit.pem").read_text()
    r, body = call(svc, "POST", "/v1/verify", {"certificate": pem},
                   svc["keys"]["应用商店甲"])
    claims = json.loads(offline(client, svc, body).stdout.split("\n", 1)[1])
    assert claims["logo_ids"] == [logo]
    # revoked: the page says so, receipts drop it
    r = cli("logo", "revoke", logo)
    assert r.returncode == 2 and "--reason" in r.stderr
    assert cli("logo", "revoke", logo, "--reason", "网站关停").returncode == 0
    r, page = call(svc, "GET", f"/v1/logo/{logo}")
    assert r.status == 200 and "已撤销" in page and "有效 /" not in page
    r, body = call(svc, "POST", "/v1/verify", {"certificate": pem},
                   svc["keys"]["应用商店甲"])
    claims = json.loads(offline(client, svc, body).stdout.split("\n", 1)[1])
    assert claims["logo_ids"] == []
    kinds = [e["kind"] for e in
             json.loads(cli("tlog", "entries").stdout)["entries"]]
    assert "logo.issue" in kinds and "logo.revoke" in kinds
    for bad in ("0123456789abcdef", "x", "../etc", logo + "x"):
        r, _ = call(svc, "GET", f"/v1/logo/{bad}")
        assert r.status == 404, bad
