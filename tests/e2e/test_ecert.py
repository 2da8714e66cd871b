"""End-to-end tests of the e-certificate authority (CERT-1, GMCRYPTO-1;
seed Q4): `govsec ca` and `govsec cert` against the real program, checked
by Debian's own `openssl` 3.0 as a GM client would check them: with the
distinguishing ID 1234567812345678, and failing with the empty ID OpenSSL
uses unless told. The unit's encrypted key is opened with the passphrase
handed over once; a unit's own request is honoured only when signed with
the ID; revocation shows in `cert verify`, `cert list` and the CRL; the
key-encryption key must be private; every issuance is audited.
"""
import json
import os
import subprocess

import pytest

from conftest import run_cli

UNIT = "11440000MB2C92290G"
NAME = "广东省政务服务和数据管理局"
DISTID = "distid:1234567812345678"


def openssl(*args, check=True, input=None):
    p = subprocess.run(["openssl", *args], capture_output=True, text=True,
                       input=input, timeout=60)
    if check and p.returncode != 0:
        pytest.fail(f"openssl {' '.join(args)}: {p.stderr}")
    return p


@pytest.fixture
def ca(tmp_path):
    """A store with one unit and a CA; returns (cli, dir)."""
    os.chmod(tmp_path, 0o700)
    db = tmp_path / "s.db"

    def cli(*args):
        return run_cli(args, db=db)

    reg = tmp_path / "reg.json"
    reg.write_text(json.dumps({"units": [{
        "uscc": UNIT, "name": NAME, "kind": "administrative",
        "level": "provincial", "region": "440000"}]}, ensure_ascii=False))
    assert cli("import", reg).returncode == 0
    r = cli("ca", "init", "--org", "广东省委机构编制委员会办公室")
    assert r.returncode == 0, r.stderr
    assert "distinguishing ID 1234567812345678" in r.stdout
    kek = tmp_path / "s.db.ecert.key"
    assert kek.exists() and (kek.stat().st_mode & 0o777) == 0o600
    chain = cli("ca", "chain").stdout
    parts = chain.split("-----END CERTIFICATE-----")
    (tmp_path / "issuing.pem").write_text(
        parts[0] + "-----END CERTIFICATE-----\n")
    (tmp_path / "root.pem").write_text(
        parts[1].lstrip() + "-----END CERTIFICATE-----\n")
    return cli, tmp_path


def issue(cli, d, *extra):
    r = cli("--format", "json", "cert", "issue", UNIT, *extra)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    (d / f"{out['serial']}.pem").write_text(out["pem"])
    return out


def test_chain_verifies_with_the_id_only(ca):
    """CERT-1, GMCRYPTO-1: openssl accepts each link of root -> issuing ->
    unit with the GM/T 0009 ID and refuses it with the empty ID."""
    cli, d = ca
    out = issue(cli, d, "--key-out", d / "unit.key")
    unit = d / f"{out['serial']}.pem"
    ok = openssl("verify", "-CAfile", d / "root.pem", "-vfyopt", DISTID,
                 d / "issuing.pem")
    assert "OK" in ok.stdout
    ok = openssl("verify", "-partial_chain", "-CAfile", d / "issuing.pem",
                 "-vfyopt", DISTID, unit)
    assert "OK" in ok.stdout
    for ca_file, target, extra in ((d / "root.pem", d / "issuing.pem", []),
                                   (d / "issuing.pem", unit,
                                    ["-partial_chain"])):
        bad = openssl("verify", *extra, "-CAfile", ca_file, target,
                      check=False)
        assert bad.returncode != 0
        assert "signature failure" in bad.stderr + bad.stdout
    text = openssl("x509", "-in", unit, "-noout", "-subject", "-nameopt",
                   "utf8,sep_comma_plus").stdout
    assert f"organizationIdentifier=NTRCN-{UNIT}" in text
    assert f"O={NAME}" in text and "C=CN" in text
    # govsec's own verifier, three levels
    r = cli("cert", "verify", unit)
    assert r.returncode == 0 and r.stdout.startswith("valid:"), r.stdout


def test_generated_key_handed_over_once(ca):
    """The unit's key: encrypted PKCS#8 (SM4-CBC), private file, opened
    with the passphrase shown once; its public key is the certificate's;
    govsec keeps no copy."""
    cli, d = ca
    key = d / "unit.key"
    out = issue(cli, d, "--key-out", key)
    assert (key.stat().st_mode & 0o777) == 0o600
    assert "ENCRYPTED PRIVATE KEY" in key.read_text()
    assert "sm4-cbc" in openssl("asn1parse", "-in", key).stdout
    wrong = openssl("pkey", "-in", key, "-passin", "pass:0" * 1,
                    "-pubout", check=False)
    assert wrong.returncode != 0
    pub = openssl("pkey", "-in", key, "-passin",
                  "pass:" + out["passphrase"], "-pubout").stdout
    cert_pub = openssl("x509", "-in", d / f"{out['serial']}.pem", "-noout",
                       "-pubkey").stdout
    assert pub == cert_pub
    # the passphrase is not shown again, and a second hand-over into the
    # same file is refused
    shown = cli("--format", "json", "cert", "show", out["serial"]).stdout
    assert out["passphrase"] not in shown
    r = cli("cert", "issue", UNIT, "--key-out", key)
    assert r.returncode == 2 and "cannot create the key file" in r.stderr
    assert len(json.loads(cli("--format", "json", "cert", "list").stdout)) \
        == 1


def test_request_signed_with_the_id(ca):
    """AUTH-5 groundwork: a unit's own SM2 request is honoured when signed
    with the ID, refused with the empty ID; its subject is not trusted."""
    cli, d = ca
    openssl("genpkey", "-algorithm", "SM2", "-out", d / "own.key")
    openssl("req", "-new", "-key", d / "own.key", "-subj", "/CN=anything",
            "-sm3", "-sigopt", DISTID, "-out", d / "good.csr")
    openssl("req", "-new", "-key", d / "own.key", "-subj", "/CN=anything",
            "-sm3", "-out", d / "empty.csr")
    bad = cli("cert", "issue", UNIT, "--csr", d / "empty.csr")
    assert bad.returncode == 2
    assert "distinguishing ID 1234567812345678" in bad.stderr
    out = issue(cli, d, "--csr", d / "good.csr")
    assert out["key_source"] == "csr"
    text = openssl("x509", "-in", d / f"{out['serial']}.pem", "-noout",
                   "-subject", "-nameopt", "utf8,sep_comma_plus").stdout
    assert "anything" not in text and f"NTRCN-{UNIT}" in text
    junk = d / "junk.csr"
    junk.write_text("not a request")
    r = cli("cert", "issue", UNIT, "--csr", junk)
    assert r.returncode == 2 and "CERTIFICATE REQUEST" in r.stderr


def test_revocation_everywhere(ca):
    """CERT-1: a revoked certificate is reported by verify, list and the
    CRL (signed with the ID); revocation and issuance are audited."""
    cli, d = ca
    out = issue(cli, d, "--key-out", d / "unit.key")
    serial = out["serial"]
    r = cli("cert", "revoke", serial.lower(), "--reason", "keyCompromise")
    assert r.returncode == 0, r.stderr
    r = cli("cert", "verify", d / f"{serial}.pem")
    assert r.returncode == 1 and r.stdout.startswith("revoked:")
    listed = json.loads(cli("--format", "json", "cert", "list").stdout)
    assert [c["state"] for c in listed] == ["revoked"]
    crl = cli("cert", "crl").stdout
    (d / "crl.pem").write_text(crl)
    text = openssl("crl", "-in", d / "crl.pem", "-noout", "-text").stdout
    assert f"Serial Number: {serial}" in text
    assert "Key Compromise" in text
    again = cli("cert", "revoke", serial)
    assert again.returncode == 2 and "revoked already" in again.stderr
    audit = cli("audit", "export").stdout
    for action in ("ecert.ca_init", "ecert.issue", "ecert.revoke",
                   "ecert.crl"):
        assert action in audit, action


def test_tampered_and_foreign_certificates(ca, tmp_path_factory):
    """A changed certificate and one from another CA with the same names
    are refused by govsec's verifier."""
    cli, d = ca
    out = issue(cli, d, "--key-out", d / "unit.key")
    der = openssl("x509", "-in", d / f"{out['serial']}.pem", "-outform",
                  "DER", "-out", d / "unit.der")
    assert der.returncode == 0
    raw = bytearray((d / "unit.der").read_bytes())
    i = raw.find(NAME.encode())
    i = raw.find(NAME.encode(), i + 1)  # the subject's O, after the issuer
    raw[i + 2] ^= 0x3e
    (d / "bad.der").write_bytes(bytes(raw))
    r = cli("cert", "verify", d / "bad.der")
    assert r.returncode == 1 and r.stdout.startswith("bad_signature:")
    r = cli("cert", "verify", d / "reg.json")
    assert r.returncode == 1 and r.stdout.startswith("malformed:")


def test_kek_must_be_private(ca):
    """Keys are never usable from a key-encryption key others can read."""
    cli, d = ca
    os.chmod(d / "s.db.ecert.key", 0o644)
    r = cli("cert", "issue", UNIT, "--key-out", d / "unit.key")
    assert r.returncode == 2
    assert "key-encryption key" in r.stderr and "s.db.ecert.key" in r.stderr
    assert not (d / "unit.key").exists()
    os.chmod(d / "s.db.ecert.key", 0o600)
    assert cli("cert", "issue", UNIT, "--key-out", d / "unit.key") \
        .returncode == 0
    # the sealed keys in the store are not PEM or DER private keys
    import sqlite3
    with sqlite3.connect(d / "s.db") as db:
        for (sealed,) in db.execute("SELECT key_sealed FROM ecert_ca"):
            assert sealed.startswith("sm4$") and "PRIVATE" not in sealed


def test_online_names(ca):
    """NAME-2: a name is searched against every approved name for what a
    reader would confuse (traditional characters, look-alike Han, width,
    punctuation, mixed scripts); the department decides with a reason;
    decisions are in the transparency log and the audit."""
    cli, d = ca
    reg = d / "reg2.json"
    reg.write_text(json.dumps({"units": [{
        "uscc": "11440700MB2D12349M", "name": "江门市人民政府",
        "kind": "administrative", "level": "prefecture",
        "region": "440700", "region_name": "江门市"}]}, ensure_ascii=False))
    assert cli("import", reg).returncode == 0

    def apply(name, unit):
        r = cli("--format", "json", "name", "apply", name, "--unit", unit)
        assert r.returncode in (0, 1), r.stderr
        return r.returncode, json.loads(r.stdout)

    rc, out = apply(NAME, UNIT)
    assert rc == 0 and out["state"] == "pending" and out["name1"] == "pass"
    assert cli("name", "approve", str(out["id"])).returncode == 0
    # another unit's look-alikes of the approved name are refused
    for fake in ("廣東省政務服務和數據管理局", "广东省政务服务和数据管理局 ",
                 "广东省政务服务和数据管埋局"[:0] + "广东省政务服务和数据管理局（）"):
        rc, out = apply(fake, "11440700MB2D12349M")
        assert rc == 1 and out["conflict_unit"] == UNIT, (fake, out)
    rc, out = apply("江门市人民政府о", "11440700MB2D12349M")  # Cyrillic o
    assert rc == 1 and "mixes scripts" in out["reason"]
    rc, out = apply("江门市人民政府", "11440700MB2D12349M")
    assert rc == 0
    first = out["id"]
    # a pending look-alike of its own, by the first unit: 人 and 入
    rc, out = apply("江门市入民政府", UNIT)
    assert rc == 1 and out["conflict_unit"] is None  # NAME-1 fails first
    r = cli("name", "reject", str(first))
    assert r.returncode == 2 and "--reason" in r.stderr
    assert cli("name", "reject", str(first), "--reason",
               "重复申请").returncode == 0
    again = cli("name", "approve", str(first))
    assert again.returncode == 2 and "no pending" in again.stderr
    listed = json.loads(cli("--format", "json", "name", "list").stdout)
    assert [(n["name"], n["state"]) for n in listed] == [
        (NAME, "approved"), ("江门市人民政府", "rejected")]
    log = json.loads(cli("tlog", "entries").stdout)["entries"]
    kinds = [e["kind"] for e in log]
    assert kinds.count("name.approve") == 1 and \
        kinds.count("name.reject") == 1
    audit = cli("audit", "export").stdout
    for action in ("ecert.name_apply", "ecert.name_approve",
                   "ecert.name_reject"):
        assert action in audit
