"""MAIL-3 judged by `govsec check` from what the real govsec-milter recorded
(rule mail.flow-records, src/rules/rules_mail.c): messages of the e-mail
system's domain go through govsec-milter over the milter protocol
(miltertest, as test_mail_milter.py does), then check passes MAIL-3 for
the application, naming the domain and the last record; once the records
are older than [check] mail_flow_stale_days (the milter down, or the mail
bypassing it) it fails, and passes again when mail is recorded anew.
Before any record, MAIL-3 is left to a person's attestation (not judged).
Stdlib and pytest only."""
import json
import sqlite3
import time

import pytest

from conftest import run_cli
from test_mail_milter import milter, record, run_case  # noqa: F401

APP = "gt-mail"
REGISTRY = {
    "format": "govsec-registry/1",
    "units": [{"uscc": "11440700007250010K", "name": "江门市人民政府",
               "kind": "administrative", "level": "prefecture",
               "region": "440700", "region_name": "江门市"}],
    "applications": [{
        "id": APP, "unit": "11440700007250010K", "type": "email",
        "name": "江门市人民政府电子邮件系统",
        # the mail host: its mail domain is gov.test
        "domains": [{"name": "mail.gov.test", "main": True}],
        "security": {"log_retention_days": 365, "log_backup": True}}],
}


def mail3(m, *args):
    """The MAIL-3 requirement and its findings for APP."""
    r = run_cli(["check", "--format", "json", "--status", "all", *args],
                db=m["db"])
    assert r.returncode in (0, 1, 3), r.stderr
    doc = json.loads(r.stdout)
    req = [q for q in doc["requirements"] if q["id"] == "MAIL-3"][0]
    found = [f for f in doc["findings"] if f["requirement"] == "MAIL-3"
             and f["object"] == APP]
    return req, found


def age_records(db, days):
    """Moves every mail-flow record days into the past."""
    con = sqlite3.connect(db, timeout=30)
    with con:
        con.execute("UPDATE mail_flow SET at = at - ?", (days * 86400,))
        con.execute("UPDATE mail_flow_addr SET at = at - ?", (days * 86400,))
    con.close()


@pytest.mark.parametrize("milter", ["reject"], indirect=True)
def test_check_judges_mail3_from_the_milters_records(milter, tmp_path):
    m = milter
    reg = tmp_path / "registry.json"
    reg.write_text(json.dumps(REGISTRY, ensure_ascii=False), encoding="utf-8")
    r = run_cli(["import", reg], db=m["db"])
    assert r.returncode == 0, r.stderr
    # nothing recorded yet: a person's attestation is wanted, as before
    req, found = mail3(m)
    assert found == [] and req["verdict"] == "not_judged", (req, found)

    # mail between two mailboxes of the system, through the milter
    run_case(m, "F3A1", "smtpd", "<alice@gov.test>", ["<bob@gov.test>"],
             [], "accept")
    record(m, "F3A1")  # through the milter's journal into the store
    req, found = mail3(m)
    assert [f["rule"] for f in found] == ["mail.flow-records"], found
    f = found[0]
    day = time.strftime("%Y-%m-%d", time.gmtime())
    assert f["status"] == "pass", f
    assert f["judged_by"] == "observation"
    assert "govsec-milter records the mail of '江门市人民政府电子邮件系统' " \
        f"(gov.test): last record {day}T" in f["evidence"], f
    assert "the milter started then" in f["evidence"], f
    assert "最近一条记录" in f["evidence_zh"], f
    assert req["verdict"] == "pass" and req["judged_by"] == "observation"

    # the milter stopped recording the domain's mail 10 days ago
    age_records(m["db"], 10)
    req, found = mail3(m)
    f = found[0]
    assert f["status"] == "fail", f
    assert "has recorded no mail of '江门市人民政府电子邮件系统' (gov.test) " \
        "since" in f["evidence"], f
    assert "more than 3 days ago ([check] mail_flow_stale_days)" \
        in f["evidence"], f
    assert "未经 govsec-milter 记录" in f["evidence_zh"], f
    assert f["fix"] and f["fix_zh"], f
    assert req["verdict"] == "fail"
    # a longer window in govsec.conf takes them as recent enough
    conf = tmp_path / "check.conf"
    conf.write_text("[check]\nmail_flow_stale_days = 11\n")
    r = run_cli(["--config", conf, "check", "--format", "json", "--status",
                 "all"], db=m["db"])
    doc = json.loads(r.stdout)
    assert [x["status"] for x in doc["findings"]
            if x["rule"] == "mail.flow-records"] == ["pass"], r.stdout

    # recorded anew (a reply from outside): passes again
    run_case(m, "F3A2", "smtpd", "<carol@out.test>", ["<alice@gov.test>"],
             [], "accept")
    record(m, "F3A2")
    req, found = mail3(m)
    assert found[0]["status"] == "pass", found
    assert req["verdict"] == "pass"
