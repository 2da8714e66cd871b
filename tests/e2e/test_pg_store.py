"""PostgreSQL as the store (issue 14): the registry and check cases of
test_cli.py again on a real PostgreSQL 15 (conftest's pg_server), and
`govsec store copy` both ways with the audit chain verified on each side.
"""
import json
import re
import sqlite3
import subprocess
import sys

import pytest

from conftest import DATA, SRC, run_cli
# imported under other names, so that pytest does not collect them here
from test_cli import (CHECK_CASES, CLI_CASES, stem,
                      test_check_case as check_case,
                      test_cli_session as cli_session)


@pytest.mark.parametrize("path", CHECK_CASES, ids=stem)
def test_check_case_on_postgresql(path, tmp_path, pg_cli):
    """Every planted-violation case of govsec check, on PostgreSQL."""
    check_case(path, tmp_path, pg_cli)


@pytest.mark.parametrize("path", CLI_CASES, ids=stem)
def test_cli_session_on_postgresql(path, pg_cli, tmp_path):
    """Every registry session case (add, show, rm, errors), on
    PostgreSQL."""
    cli_session(path, pg_cli, tmp_path)


def ok(p):
    assert p.returncode == 0, p.stderr
    return p


def sqlite_counts(path):
    db = sqlite3.connect(path)
    try:
        names = [r[0] for r in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND "
            "name NOT LIKE 'sqlite_%'")]
        return {n: db.execute(f"SELECT count(*) FROM {n}").fetchone()[0]
                for n in names if n != "schema_version"}
    finally:
        db.close()


def pg_counts(store):
    out = {}
    for n in store.server.psql(
            "SELECT tablename FROM pg_tables WHERE schemaname = "
            "'public'", db=store.uri.split("/")[3].split("?")[0]).split():
        if n != "schema_version":
            out[n] = int(store.server.psql(
                f"SELECT count(*) FROM {n}",
                db=store.uri.split("/")[3].split("?")[0]))
    return out


def test_store_copy_sqlite_to_postgresql_and_back(tmp_path, pg_store):
    """A store with a registry, checks, users and a keyed audit chain goes
    to PostgreSQL and back to a new SQLite file with every row; the chain
    verifies on each side with the same head; the exports are identical."""
    src = tmp_path / "src.db"
    ok(run_cli(["import", SRC / "data" / "demo.json"], db=src))
    ok(run_cli(["user", "add", "alice", "--role", "admin"], db=src,
               stdin="correct horse battery staple\n"))
    ok(run_cli(["ack", "site.domains", "11440700007250010K", "--owner", "o", "--due",
                "2030-01-01"], db=src))
    run_cli(["check"], db=src)
    head = ok(run_cli(["audit", "head"], db=src)).stdout.strip()
    want = sqlite_counts(src)
    assert want["audit"] >= 3 and want["units"] > 0

    p = ok(run_cli(["store", "copy", src, pg_store.uri]))
    assert f"head {head}" in p.stdout, p.stdout
    assert f"'{src}.key'" in p.stdout
    got = pg_counts(pg_store)
    assert got == want
    # on PostgreSQL with the key file named: the same chain and registry
    conf = tmp_path / "pg.conf"
    conf.write_text(f"[store]\nkey = {src}.key\n")
    env = {"GOVSEC_CONF": str(conf)}
    v = ok(run_cli(["audit", "verify"], db=pg_store.uri, env=env))
    assert ok(run_cli(["audit", "head"], db=pg_store.uri,
                      env=env)).stdout.strip() == head, v.stdout
    assert ok(run_cli(["export"], db=pg_store.uri, env=env)).stdout == \
        ok(run_cli(["export"], db=src)).stdout

    # and back into a new SQLite file, which gets the key beside it
    back = tmp_path / "back.db"
    p = ok(run_cli(["store", "copy", pg_store.uri, back, "--key",
                    f"{src}.key"]))
    assert f"head {head}" in p.stdout
    assert (tmp_path / "back.db.key").read_bytes() == \
        (tmp_path / "src.db.key").read_bytes()
    assert sqlite_counts(back) == want
    ok(run_cli(["audit", "verify"], db=back))
    assert ok(run_cli(["export"], db=back)).stdout == \
        ok(run_cli(["export"], db=src)).stdout
    # a new record on each side still links (the ids go on)
    ok(run_cli(["ack", "site.suffix", "11440700007250010K", "--owner", "o", "--due",
                "2030-01-01"], db=pg_store.uri, env=env))
    ok(run_cli(["audit", "verify"], db=pg_store.uri, env=env))


def test_store_copy_refuses_a_target_with_rows(tmp_path, pg_store):
    """Copying onto a store that holds rows fails and changes nothing."""
    src = tmp_path / "src.db"
    ok(run_cli(["import", SRC / "data" / "demo.json"], db=src))
    ok(run_cli(["store", "copy", src, pg_store.uri, "--quiet"]))
    before = pg_counts(pg_store)
    p = run_cli(["store", "copy", src, pg_store.uri])
    assert p.returncode == 2
    assert "the target store is not empty" in p.stderr, p.stderr
    assert pg_counts(pg_store) == before
    p = run_cli(["store", "copy", src, src])
    assert p.returncode == 2 and "onto itself" in p.stderr


def test_store_copy_detects_a_broken_chain(tmp_path, pg_store):
    """A source whose chain was edited: copied, but the verification on
    both sides fails (exit 1) and says where."""
    src = tmp_path / "src.db"
    ok(run_cli(["import", SRC / "data" / "demo.json"], db=src))
    ok(run_cli(["ack", "site.domains", "11440700007250010K", "--owner", "o", "--due",
                "2030-01-01"], db=src))
    db = sqlite3.connect(src)
    db.execute("UPDATE audit SET actor = 'mallory' WHERE seq = 1")
    db.commit()
    db.close()
    p = run_cli(["store", "copy", src, pg_store.uri])
    assert p.returncode == 1, p.stderr
    assert "the audit chain is broken at record 1" in p.stderr


def test_store_copy_keeps_probe_summaries_state(tmp_path, pg_store):
    """Whether the probes' summaries are complete (migration 34's setting
    probe_sums.incomplete, written into a store whose probes came before
    the summaries) goes across with the store both ways, and govsec
    summarize ends it on either backend."""
    key = "probe_sums.incomplete"
    src = tmp_path / "src.db"
    ok(run_cli(["import", SRC / "data" / "demo.json"], db=src))
    db = sqlite3.connect(src)
    db.execute("INSERT INTO settings (key, value) VALUES (?, 'probes "
               "stored before migration 30')", (key,))
    db.commit()
    db.close()

    def pending_sqlite(path):
        db = sqlite3.connect(path)
        try:
            return db.execute("SELECT count(*) FROM settings WHERE key = ?",
                              (key,)).fetchone()[0]
        finally:
            db.close()

    def pending_pg():
        return int(pg_store.server.psql(
            f"SELECT count(*) FROM settings WHERE key = '{key}'",
            db=pg_store.name))

    ok(run_cli(["store", "copy", src, pg_store.uri, "--quiet"]))
    assert pending_pg() == 1
    back = tmp_path / "back.db"
    ok(run_cli(["store", "copy", pg_store.uri, back, "--key", f"{src}.key",
                "--quiet"]))
    assert pending_sqlite(back) == 1
    # a complete store stays complete: nothing appears on the way
    done = tmp_path / "done.db"
    ok(run_cli(["import", SRC / "data" / "demo.json"], db=done))
    again = tmp_path / "again.db"
    ok(run_cli(["store", "copy", done, again, "--quiet"]))
    assert pending_sqlite(again) == 0
    # summarize makes them and says so, on each backend
    conf = tmp_path / "pg.conf"
    conf.write_text(f"[store]\nkey = {src}.key\n")
    ok(run_cli(["summarize"], db=pg_store.uri,
               env={"GOVSEC_CONF": str(conf)}))
    assert pending_pg() == 0
    ok(run_cli(["summarize"], db=back))
    assert pending_sqlite(back) == 0


def test_import_into_postgresql_as_into_sqlite(tmp_path, pg_store):
    """A registry of 2,000 units (bench/gen_registry.py: megabytes of
    rows, which PostgreSQL loads in COPYs while the document is read) gives
    the same export as on SQLite. Documents that fail late (a key listed
    twice among the last grants; a reference to nobody, found once the
    document is read) fail on PostgreSQL with SQLite's message and exit
    status and leave the store as it was, empty or not."""
    reg = tmp_path / "reg.json"
    subprocess.run([sys.executable, SRC / "bench" / "gen_registry.py",
                    "--units", "2000", "-o", reg], check=True)
    lines = reg.read_text().split("\n")
    last = max(i for i, line in enumerate(lines) if '"person":' in line)
    twice, dangling = list(lines), list(lines)
    twice[last] = re.sub(r'"id":"g\d+"', '"id":"g000000"', lines[last])
    dangling[last] = re.sub(r'"person":"p\d+"', '"person":"nobody"',
                            lines[last])
    bad = {"twice": twice, "dangling": dangling}
    for name, text in bad.items():
        bad[name] = tmp_path / f"{name}.json"
        bad[name].write_text("\n".join(text))
    sq = tmp_path / "s.db"
    env = {"GOVSEC_CONF": str(pg_store.conf)}

    def both(args):
        return (run_cli(args, db=sq), run_cli(args, db=pg_store.uri,
                                               env=env))

    for step in ("empty", "filled"):
        export = ok(run_cli(["export"], db=pg_store.uri, env=env)).stdout
        counts = pg_counts(pg_store)
        for name in ("twice", "dangling"):
            s, p = both(["import", bad[name]])
            assert s.returncode == 2, s.stderr
            assert (p.returncode, p.stderr) == (s.returncode, s.stderr)
            assert pg_counts(pg_store) == counts
            assert ok(run_cli(["export"], db=pg_store.uri,
                              env=env)).stdout == export
        if step == "empty":
            assert counts["units"] == counts["audit"] == 0
            s, p = both(["import", reg])
            assert ok(p).stdout == ok(s).stdout
            assert ok(run_cli(["export"], db=pg_store.uri,
                              env=env)).stdout == \
                ok(run_cli(["export"], db=sq)).stdout
            assert pg_counts(pg_store)["domains"] > 2000
