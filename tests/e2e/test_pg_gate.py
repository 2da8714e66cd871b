"""Several govsecd on one PostgreSQL (issue 14): two instances share a
real PostgreSQL 15 (conftest's pg_server) behind a real nginx whose
upstream holds both gates. A session made through one is honoured by the
other; an administrator's revocation takes effect on both (the time it
takes is measured and printed); lockout counts stay exact under parallel
wrong passwords spread over the two; and the audit chain both append to at
once stays one chain. Stdlib and pytest only.
"""
import concurrent.futures
import json
import time

import pytest

from conftest import wait_until
from gatecluster import gate_cluster

ATTEMPTS = 5
ADDR_ATTEMPTS = 12
PW = {"bob": "bob password 1", "dave": "dave password 12"}


@pytest.fixture(scope="module")
def pair(tmp_path_factory, pg_server):
    with gate_cluster(tmp_path_factory.mktemp("pggate"), pg_server, 2, PW,
                      ATTEMPTS, ADDR_ATTEMPTS) as c:
        yield c


def test_session_made_on_one_is_honoured_by_the_other(pair):
    st, jar = pair.login("bob", PW["bob"], src="127.0.0.3")
    assert st == 200, st
    assert [pair.direct(i, jar, "127.0.0.3") for i in (0, 1)] == [200, 200]
    # and through nginx, whichever instance answers
    for _ in range(6):
        assert pair.req("/app/index.html", src="127.0.0.3",
                        cookies=jar)[0] == 200


def test_revocation_reaches_both_instances(pair):
    st, jar = pair.login("bob", PW["bob"], src="127.0.0.4")
    assert st == 200
    assert [pair.direct(i, jar, "127.0.0.4") for i in (0, 1)] == [200, 200]
    t0 = time.monotonic()
    assert pair.cli("gate", "revoke", "bob").returncode == 0
    took = []
    for i in (0, 1):
        wait_until(lambda: pair.direct(i, jar, "127.0.0.4") == 401, 10,
                   f"instance {i} to see the revocation")
        took.append(time.monotonic() - t0)
    print(f"revocation in effect on instance 0 after {took[0]:.2f} s, "
          f"on instance 1 after {took[1]:.2f} s")


def parallel_logins(pair, users, src):
    def one(u):
        return pair.login(u, "wrong password!", src=src)[0]
    with concurrent.futures.ThreadPoolExecutor(max_workers=40) as ex:
        return list(ex.map(one, users))


def test_account_lockout_exact_across_instances(pair):
    codes = parallel_logins(pair, ["dave"] * 120, src="127.0.0.11")
    assert codes.count(401) == ATTEMPTS, codes
    assert codes.count(429) == 120 - ATTEMPTS
    r = pair.cli("gate", "lockouts")
    assert f"user:dave\t{ATTEMPTS}\t" in r.stdout, r.stdout
    # both instances took part (nginx spreads the logins)
    logs = [(pair.d / f"govsecd{i}.log").read_text() for i in (0, 1)]
    access = (pair.d / "access.log").read_text()
    assert access.count("/govsec/login") >= 120, logs


def test_address_lockout_exact_across_instances(pair):
    users = [f"nobody{i}" for i in range(120)]
    codes = parallel_logins(pair, users, src="127.0.0.13")
    assert codes.count(401) == ADDR_ATTEMPTS, codes
    assert codes.count(429) == 120 - ADDR_ATTEMPTS


def test_audit_chain_is_one_chain(pair):
    """The lockouts and logins of both instances went into one chain:
    it verifies, with no two records at the same place."""
    def settled():
        r = pair.cli("audit", "verify")
        return r.returncode == 0 and r
    r = wait_until(settled, 20, "the audit chain to verify")
    assert "sound" in r.stdout or "ok" in r.stdout.lower(), r.stdout
    exp = pair.cli("audit", "export")
    recs = [json.loads(line) for line in exp.stdout.splitlines() if line]
    seqs = [x["seq"] for x in recs]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
    assert sum(x["action"] == "gate.lockout" for x in recs) >= 2
