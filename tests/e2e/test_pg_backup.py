"""Backup and restore of both backends, as docs/deploy/multi-instance.md
tells them (issue 14): back up, destroy, restore, and `govsec audit
verify` passes with the registry as it was. PostgreSQL 15 is conftest's
pg_server; its pg_dump and pg_restore are Debian's.
"""
import os
import subprocess

from conftest import SRC, run_cli
import pgserver


def ok(p):
    assert p.returncode == 0, p.stderr
    return p


def fill(db, env=None):
    ok(run_cli(["import", SRC / "data" / "demo.json"], db=db, env=env))
    ok(run_cli(["user", "add", "alice", "--role", "admin"], db=db, env=env,
               stdin="correct horse battery staple\n"))
    ok(run_cli(["ack", "site.domains", "11440700007250010K", "--owner",
                "o", "--due", "2030-01-01"], db=db, env=env))
    return (ok(run_cli(["export"], db=db, env=env)).stdout,
            ok(run_cli(["audit", "head"], db=db, env=env)).stdout)


def test_postgresql_backup_destroy_restore(pg_store, tmp_path):
    env = {"GOVSEC_CONF": str(pg_store.conf)}
    uri = pg_store.uri
    name = uri.split("/")[3].split("?")[0]
    export, head = fill(uri, env)
    dump = tmp_path / "govsec.dump"
    subprocess.run([pgserver.PGBIN + "/pg_dump", "-Fc", "-d", uri, "-f",
                    dump], check=True)
    # destroy
    pg_store.server.psql(f"DROP DATABASE {name}")
    p = run_cli(["audit", "verify"], db=uri, env=env)
    assert p.returncode != 0 and "does not exist" in p.stderr
    # restore into a new database made as the guide says
    pg_store.server.psql(f"CREATE DATABASE {name} TEMPLATE template0 "
                         "ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'")
    subprocess.run([pgserver.PGBIN + "/pg_restore", "--no-owner", "-d",
                    uri, dump], check=True)
    v = ok(run_cli(["audit", "verify"], db=uri, env=env))
    assert ok(run_cli(["audit", "head"], db=uri, env=env)).stdout == head
    assert ok(run_cli(["export"], db=uri, env=env)).stdout == export
    # and it goes on: new records link to the restored head
    ok(run_cli(["ack", "site.suffix", "11440700007250010K", "--owner",
                "o", "--due", "2030-01-01"], db=uri, env=env))
    ok(run_cli(["audit", "verify"], db=uri, env=env))
    assert v.stdout


def test_postgresql_refuses_a_database_of_another_collation(pg_server,
                                                            tmp_path):
    pg_server.psql("CREATE DATABASE wrongcoll TEMPLATE template0 "
                   "ENCODING 'UTF8' LC_COLLATE 'C.UTF-8' "
                   "LC_CTYPE 'C.UTF-8'")
    p = run_cli(["init"], db=pg_server.uri("wrongcoll"),
                env={"GOVSEC_CONF": "/dev/null"})
    assert p.returncode == 2
    assert ("the PostgreSQL database's collation is 'C.UTF-8': govsec "
            "needs 'C'") in p.stderr


def test_sqlite_backup_destroy_restore(tmp_path):
    db = tmp_path / "govsec.db"
    export, head = fill(db)
    bak = tmp_path / "backup.db"
    # an online, consistent copy (the WAL included)
    subprocess.run(["sqlite3", db, f".backup '{bak}'"], check=True)
    key = (tmp_path / "govsec.db.key").read_bytes()
    # destroy: the database and its WAL files (the key file is kept
    # apart, as the guide says)
    for f in tmp_path.glob("govsec.db*"):
        if not f.name.endswith(".key"):
            f.unlink()
    assert not db.exists()
    os.replace(bak, db)
    assert (tmp_path / "govsec.db.key").read_bytes() == key
    ok(run_cli(["audit", "verify"], db=db))
    assert ok(run_cli(["audit", "head"], db=db)).stdout == head
    assert ok(run_cli(["export"], db=db)).stdout == export
