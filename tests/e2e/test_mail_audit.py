"""End-to-end tests of `govsec mail audit` (docs/mail-audit.md; MAIL-1,
MAIL-2) on real-shaped configurations (tests/e2e/data/mail), with the real
Postfix and Pigeonhole tools as the oracle of what those files mean:
postalias(1) says where an alias really goes, postconf(1) what forward_path
really is, and sievec(1)/sieve-dump(1) which redirects a script compiles to.
Then a recorded audit decides MAIL-1 and MAIL-2 in `govsec check`, and is
in the audit chain.
"""
import json
import re
import shutil
import subprocess

import pytest

from conftest import DATA, require


def ok(p, status=0):
    assert p.returncode == status, (
        f"exit {p.returncode}, expected {status}\n"
        f"stdout:\n{p.stdout}\nstderr:\n{p.stderr}")
    return p


@pytest.fixture
def conf(tmp_path):
    """A copy of tests/e2e/data/mail with @DIR@ set to where it is."""
    d = tmp_path / "mail"
    shutil.copytree(DATA / "mail", d)
    for f in d.rglob("*"):
        if f.is_file() and "@DIR@" in f.read_text(encoding="utf-8"):
            f.write_text(f.read_text(encoding="utf-8").replace("@DIR@", str(d)),
                         encoding="utf-8")
    return d


def audit(cli, conf, which, *extra, status=None):
    args = ["mail", "audit", "--format", "json",
            "--postfix", conf / f"postfix-{which}",
            "--dovecot", conf / f"dovecot-{which}" / "dovecot.conf",
            "--roundcube", conf / f"roundcube-{which}" / "config.inc.php",
            *extra]
    p = cli(*args)
    if status is not None:
        ok(p, status)
    assert p.returncode in (0, 1), p.stderr
    return json.loads(p.stdout)


def by_code(doc):
    out = {}
    for f in doc["findings"]:
        out.setdefault(f["code"], []).append(f)
    return out


def test_bad_configuration_every_way_found(cli, conf):
    doc = audit(cli, conf, "bad", conf / "sieve", status=1)
    assert doc["covered"] == ["postfix", "dovecot", "sieve", "roundcube"]
    codes = by_code(doc)
    outside = {f["text"].rsplit(" ", 1)[1]
               for f in codes["postfix.alias_external"]}
    assert outside == {"boss.personal@qq.com", "carol@163.com",
                       "dave@gmail.com"}
    assert [f["line"] for f in codes["postfix.alias_external"]
            if f["file"].endswith("aliases")] == [4, 5]
    assert codes["postfix.alias_program"][0]["level"] == "warn"
    v = codes["postfix.virtual_external"]
    assert len(v) == 1 and v[0]["line"] == 3
    assert "partner@hr-agency.example" in v[0]["text"]
    assert codes["postfix.forward_path"][0]["level"] == "fail"
    assert codes["postfix.milter_smtpd_only"][0]["line"] == 29
    assert codes["postfix.milter_accept"][0]["line"] == 30
    assert codes["dovecot.sieve_redirects"][0]["level"] == "fail"
    assert "4 times" in codes["dovecot.sieve_redirects"][0]["text"]
    assert "vnd.dovecot.pipe" in codes["dovecot.sieve_program"][0]["text"]
    assert "dovecot.submission_host" in codes
    assert codes["roundcube.show_images"][0]["level"] == "fail"
    assert codes["roundcube.inline_images"][0]["requirement"] == "MAIL-2"
    assert codes["roundcube.forward_ui"][0]["level"] == "warn"
    # local mail is never a finding
    texts = " ".join(f["text"] for f in doc["findings"])
    for local in ("admin@jiangmen.gov.cn", "bob@jiangmen.gov.cn", "hr-staff"):
        assert local not in texts
    # every finding speaks Chinese too
    for f in doc["findings"]:
        assert f["text_zh"] and re.search(r"[\u4e00-\u9fff]", f["text_zh"]), f


def test_good_configuration_passes(cli, conf):
    doc = audit(cli, conf, "good", status=0)
    assert doc["findings"] == [], doc["findings"]
    assert "jiangmen.gov.cn" in doc["local_domains"]
    assert "hr.jiangmen.gov.cn" in doc["local_domains"]


def test_postfix_agrees(cli, conf):
    """Real Postfix reads the same files the same way: each alias the
    audit flags really delivers to that outside address, and forward_path
    is what the audit says."""
    require("/usr/sbin/postalias", "postfix")
    bad = conf / "postfix-bad"
    subprocess.run(["/usr/sbin/postalias", "-c", str(bad),
                    f"hash:{bad}/aliases"], check=True)
    doc = audit(cli, conf, "bad", status=1)
    for f in by_code(doc)["postfix.alias_external"]:
        m = re.match(r"alias '([^']+)' forwards to the outside address (.+)",
                     f["text"])
        got = subprocess.run(["/usr/sbin/postalias", "-c", str(bad), "-q",
                              m.group(1), f"hash:{bad}/aliases"],
                             capture_output=True, text=True)
        if m.group(1) == "list":  # :include: is expanded by local(8)
            assert ":include:" in got.stdout
            continue
        assert m.group(2) in got.stdout, (m.groups(), got)
    for which, empty in (("bad", False), ("good", True)):
        fp = subprocess.run(["/usr/sbin/postconf", "-c",
                             str(conf / f"postfix-{which}"), "-h",
                             "forward_path"], capture_output=True, text=True,
                            check=True).stdout.strip()
        assert (fp == "") == empty
        codes = by_code(audit(cli, conf, which))
        assert ("postfix.forward_path" not in codes) == empty


def dump_redirects(script, tmp_path):
    """(line, address or None when computed) of each redirect Pigeonhole
    compiles script to; None if it does not compile."""
    out = tmp_path / "x.svbin"
    if subprocess.run(["sievec", str(script), str(out)],
                      capture_output=True).returncode != 0:
        return None
    dump = subprocess.run(["sieve-dump", str(out)], capture_output=True,
                          text=True, check=True).stdout.splitlines()
    found = []
    for i, line in enumerate(dump):
        m = re.match(r"\s*\S+:\s+(\d+): REDIRECT", line)
        if not m:
            continue
        for nxt in dump[i + 1:i + 4]:
            a = re.search(r'address: (STR\[\d+\] "([^"]*)"|CAT-STR|VAR)',
                          nxt)
            if a:
                addr = a.group(2)
                found.append((int(m.group(1)),
                              addr.rstrip("?") if addr is not None else None))
                break
    return found


def test_sieve_agrees_with_pigeonhole(cli, conf, tmp_path):
    """Every script the audit reads: it refuses exactly those sievec does
    not compile for a syntax error, and flags exactly the redirects
    Pigeonhole compiles to an outside or computed address."""
    require("sievec", "dovecot-sieve")
    require("sieve-dump", "dovecot-sieve")
    for script in sorted((conf / "sieve").rglob("*.sieve")):
        p = cli("mail", "audit", "--format", "json", "--domain",
                "jiangmen.gov.cn", script)
        assert p.returncode in (0, 1), p.stderr
        doc = json.loads(p.stdout)
        ours = sorted(f["line"] for f in doc["findings"]
                      if f["code"].startswith("sieve.redirect"))
        refused = [f for f in doc["findings"]
                   if f["code"] == "sieve.unreadable"]
        theirs = dump_redirects(script, tmp_path)
        if theirs is None:
            assert refused, f"{script}: sievec refuses it, the audit read it"
            continue
        assert not refused, f"{script}: sievec compiles it: {refused}"
        want = sorted(line for line, addr in theirs
                      if addr is None or not addr.endswith("@jiangmen.gov.cn"))
        assert ours == want, (script.name, ours, theirs)


def test_recorded_audit_decides_check(cli, conf):
    """An audit recorded for the demo's e-mail system decides MAIL-1 and
    MAIL-2 in check (over the declaration), and is in the audit chain."""
    from conftest import SRC
    ok(cli("import", SRC / "data" / "demo.json"))

    def finding(rule):
        p = cli("check", "--format", "json", "--status", "all")
        assert p.returncode in (0, 1, 3), p.stderr
        return next(f for f in json.loads(p.stdout)["findings"]
                    if f["rule"] == rule and f["object"] == "jm-mail")

    # the demo declares forwarding on, attachments off
    assert finding("mail.no-auto-forward")["status"] == "fail"
    assert finding("mail.no-attachment-download")["status"] == "pass"
    p = ok(cli("mail", "audit", "--app", "jm-mail", "--postfix",
               conf / "postfix-bad", "--roundcube",
               conf / "roundcube-bad" / "config.inc.php"), 1)
    assert "recorded as evidence:" in p.stdout
    f = finding("mail.no-attachment-download")
    assert f["status"] == "fail"
    assert "govsec mail audit of" in f["evidence"]
    assert "show_images = 2" in f["evidence"]
    assert f["fix"] == "set show_images = 0 in Roundcube"
    # the good configuration, audited: forwarding is off whatever was
    # declared... unless declared on (the declaration is not overruled
    # by an audit that found nothing)
    ok(cli("mail", "audit", "--app", "jm-mail", "--postfix",
           conf / "postfix-good", "--roundcube",
           conf / "roundcube-good" / "config.inc.php"))
    assert finding("mail.no-attachment-download")["status"] == "pass"
    assert "found no way of automatic attachment download" in \
        finding("mail.no-attachment-download")["evidence"]
    assert finding("mail.no-auto-forward")["status"] == "fail"
    # Chinese
    p = cli("check", "--lang", "zh", "--format", "json", "--status", "all")
    f = next(f for f in json.loads(p.stdout)["findings"]
             if f["rule"] == "mail.no-attachment-download"
             and f["object"] == "jm-mail")
    assert "govsec 邮件审计未发现" in f["evidence_zh"]
    # the chain holds both audits
    log = ok(cli("audit", "export")).stdout
    assert log.count("mail.audit") == 2
    ok(cli("audit", "verify"))
    # an unknown or non-mail application: refused, nothing recorded
    p = cli("mail", "audit", "--app", "jm-portal", "--postfix",
            conf / "postfix-good")
    assert p.returncode == 2 and "not an e-mail system" in p.stderr
    assert ok(cli("audit", "export")).stdout.count(
        "mail.audit") == 2


def test_bad_input(cli, conf, tmp_path):
    p = cli("mail", "audit")
    assert p.returncode == 2 and "name what to read" in p.stderr
    p = cli("mail", "audit", "--postfix", tmp_path / "nowhere")
    assert p.returncode == 2 and "nowhere/main.cf" in p.stderr
    p = cli("mail", "audit", tmp_path / "missing.sieve")
    assert p.returncode == 2 and "missing.sieve" in p.stderr
    big = tmp_path / "big.sieve"
    big.write_bytes(b"keep;\n" * 200000)
    doc = json.loads(cli("mail", "audit", "--format", "json", big).stdout)
    assert doc["findings"][0]["code"] == "sieve.unreadable"
    assert "larger than" in doc["findings"][0]["text"]
