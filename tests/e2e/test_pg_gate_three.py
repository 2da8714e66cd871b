"""Three govsecd gates on one PostgreSQL behind one real nginx (issue 14,
item 3): a session made on any one is honoured by the other two, and a
logout on one instance, or an administrator's revocation, takes effect on
all three. The cluster (nginx upstream, configs, store) is
gatecluster.py's, as for test_pg_gate.py's two. Stdlib and pytest only.
"""
import pytest

from conftest import wait_until
from gatecluster import gate_cluster

PW = {"carol": "carol password 1", "erin": "erin password 12"}
N = 3


@pytest.fixture(scope="module")
def trio(tmp_path_factory, pg_server):
    with gate_cluster(tmp_path_factory.mktemp("pggate3"), pg_server, N,
                      PW) as c:
        yield c


def test_a_session_made_on_each_is_honoured_by_all(trio):
    for i in range(N):
        st, jar = trio.login("carol", PW["carol"], src="127.0.0.5",
                             port=trio.gps[i])
        assert st == 200, (i, st)
        assert [trio.direct(k, jar, "127.0.0.5") for k in range(N)] == \
            [200] * N, i
        # through nginx, whichever instance it asks
        for _ in range(2 * N):
            assert trio.req("/app/index.html", src="127.0.0.5",
                            cookies=jar)[0] == 200


def test_a_logout_on_one_ends_the_session_on_all(trio):
    st, jar = trio.login("carol", PW["carol"], src="127.0.0.6",
                         port=trio.gps[0])
    assert st == 200
    assert [trio.direct(k, jar, "127.0.0.6") for k in range(N)] == [200] * N
    assert trio.logout_on(1, jar) == 200
    assert trio.direct(1, jar, "127.0.0.6") == 401  # at once where made
    for k in range(N):
        wait_until(lambda: trio.direct(k, jar, "127.0.0.6") == 401, 10,
                   f"instance {k} to see the logout on instance 1")


def test_a_revocation_takes_effect_on_all(trio):
    jars = []
    for i in range(N):
        st, jar = trio.login("erin", PW["erin"], src="127.0.0.7",
                             port=trio.gps[i])
        assert st == 200
        jars.append(jar)
    assert all(trio.direct(k, j, "127.0.0.7") == 200
               for k in range(N) for j in jars)
    assert trio.cli("gate", "revoke", "erin").returncode == 0
    for k in range(N):
        for j in jars:
            wait_until(lambda: trio.direct(k, j, "127.0.0.7") == 401, 10,
                       f"instance {k} to see the revocation")
    # another user's session is untouched
    st, jar = trio.login("carol", PW["carol"], src="127.0.0.7")
    assert st == 200
    assert [trio.direct(k, jar, "127.0.0.7") for k in range(N)] == [200] * N
