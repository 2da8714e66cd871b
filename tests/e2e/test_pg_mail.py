"""govsec-milter on a PostgreSQL store (issues 13 and 14): test_mail.py's
MailLab (real Postfix, Dovecot with Pigeonhole and the outside sink on
loopback) with the store in a real PostgreSQL 15 (conftest's pg_store) and
the milter's journal of accepted messages in a local file (-j). A message
that is accepted and one that is stopped: both in `govsec mail trace` (from
PostgreSQL: there is no store file), the stop in the audit chain, and
`govsec audit verify` passes.
"""
import pytest

from conftest import require, run_cli, wait_until
from test_mail import GOVSEC_MILTER, LOCAL, OUTSIDE, STAFF, MailLab, \
    audit_records


@pytest.fixture
def pg_lab(pg_store):
    require(str(GOVSEC_MILTER), "(build govsec-milter)")
    with MailLab(store=pg_store.uri, key=pg_store.key) as m:
        yield m


def test_milter_on_postgresql(pg_lab, pg_store):
    lab = pg_lab
    sql = lambda q: pg_store.server.psql(q, db=pg_store.name)  # noqa: E731
    # accepted: inbound mail for a local mailbox
    m1 = lab.send(f"x7@{OUTSIDE}", [f"alice@{STAFF}"])
    # stopped: a local sender's mail that an alias forwards outside is
    # rejected on the outbound hop (the bounce goes to the local sender)
    m2 = lab.send(f"bob@{STAFF}", [f"fwdalias@{LOCAL}"])
    acc = lab.wait_flow(m1, "mx.gov.test")
    assert acc["decision"] == "accept", acc
    wait_until(lambda: any(m1.encode() in m for m in lab.mailbox("alice")),
               30, lambda: "the accepted message in alice's INBOX: " +
               lab._read("maillog")[-3000:])
    stop = lab.wait_flow(m2, "govsec-outbound")
    assert stop["decision"] == "reject", stop
    assert stop["rcpts"] == f"ext3@{OUTSIDE}(fwdalias@{LOCAL})"
    assert lab.sink.to(f"ext3@{OUTSIDE}") == []

    # the records are rows of PostgreSQL; the accepted one went through
    # the journal named with -j, which the milter emptied into the store
    assert not (lab.d / "govsec.db").exists()
    for f in (acc, stop):
        assert sql("SELECT count(*) FROM mail_flow WHERE id = "
                   f"'{f['id']}'").strip() == "1", f
    journals = sorted(lab.d.glob("milter-journal*"))
    assert journals, sorted(p.name for p in lab.d.iterdir())

    # govsec mail trace finds both, by address and by Message-ID
    assert acc["id"] in [g["id"] for g in
                         lab.trace("--address", f"alice@{STAFF}")]
    assert stop["id"] in [g["id"] for g in
                          lab.trace("--address", f"ext3@{OUTSIDE}")]
    ids = {g["id"] for g in lab.trace("--since", "2000-01-01")}
    assert {acc["id"], stop["id"]} <= ids

    # the stop is in the audit chain, the acceptance is not a stop
    acts = [(r["action"], r["object"]) for r in audit_records(lab)
            if r["actor"] == "milter"]
    assert ("mail.reject", "mail:" + stop["id"]) in acts, acts
    assert not any(o == "mail:" + acc["id"] for _, o in acts), acts
    r = run_cli(["audit", "verify"], db=lab.db, env=lab.env)
    assert r.returncode == 0, r.stdout + r.stderr
