"""PostgreSQL import into a store that already holds a registry (issue 14):
the rows of each table go by COPY into a temporary table and are merged
by one INSERT ... ON CONFLICT (an application's domains by one DELETE
and one upsert) inside the import's transaction. On a real PostgreSQL 15
(conftest's pg_server), against SQLite given the same documents: the
second document of a registry split in two, a changed document imported
again, and second documents that fail (late, after the merge ran; or a
row the server refuses) leaving the store exactly as it was.
"""
import json
import re
import sqlite3
import subprocess
import sys

import pytest

from conftest import SRC, run_cli

REGISTRY = ("units", "outsourcers", "apps", "domains", "people", "grants")


def ok(p):
    assert p.returncode == 0, p.stderr
    return p


@pytest.fixture(scope="module")
def parts(tmp_path_factory):
    """bench/gen_registry.py's registry of 1,500 units split in two
    documents (bench/split_registry.py): the first with the units,
    outsourcers and some applications, the second with the other
    applications, the people and the grants."""
    d = tmp_path_factory.mktemp("reg")
    reg = d / "reg.json"
    subprocess.run([sys.executable, SRC / "bench" / "gen_registry.py",
                    "--units", "1500", "-o", reg], check=True)
    out = subprocess.run(
        [sys.executable, SRC / "bench" / "split_registry.py", reg,
         d / "part", str(reg.stat().st_size // 2 + 65536)],
        check=True, capture_output=True, text=True).stdout.split()
    assert len(out) == 2, out
    return [d / "part.1.json", d / "part.2.json"]


def records(path):
    """The document's lines, and per section the line numbers of its
    records with the record parsed."""
    lines = path.read_text().split("\n")
    recs, section = {}, None
    for i, line in enumerate(lines):
        m = re.match(r'^  "([a-z_]+)": \[$', line)
        if m:
            section = m.group(1)
            recs[section] = []
        elif line.startswith("    {") and section:
            recs[section].append(
                (i, json.loads(line.strip().rstrip(","))))
    return lines, recs


def put(lines, i, rec):
    comma = "," if lines[i].rstrip().endswith(",") else ""
    lines[i] = "    " + json.dumps(rec, ensure_ascii=False,
                                   separators=(",", ":")) + comma


def write(path, lines):
    path.write_text("\n".join(lines))
    return path


def sqlite_rows(path):
    """Every row of the registry's tables (without the time written)."""
    db = sqlite3.connect(path)
    try:
        out = {}
        for t in REGISTRY:
            cols = [r[1] for r in db.execute(f"PRAGMA table_info({t})")
                    if r[1] != "updated"]
            out[t] = sorted(db.execute(
                f"SELECT {', '.join(cols)} FROM {t}").fetchall(),
                key=repr)
        return out
    finally:
        db.close()


def pg_snapshot(store):
    """Each table of the PostgreSQL store: its count and a digest of all
    its rows (the audit chain's included)."""
    names = store.server.psql(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
        "ORDER BY 1", db=store.name).split()
    assert "units" in names and "audit" in names
    out = store.server.psql(" UNION ALL ".join(
        f"SELECT '{n}', count(*), coalesce(md5(string_agg(t::text, '|' "
        f"ORDER BY t::text)), '') FROM \"{n}\" t" for n in names),
        db=store.name).split("\n")
    rows = dict(line.split("|", 1) for line in out if line)
    assert sorted(rows) == names
    return rows


class Both:
    """The same commands on a SQLite store and on the PostgreSQL one."""

    def __init__(self, tmp_path, pg_store):
        self.sq = tmp_path / "s.db"
        self.pg = pg_store
        self.env = {"GOVSEC_CONF": str(pg_store.conf)}
        self.tmp = tmp_path
        self.n = 0

    def run(self, args):
        return (run_cli(args, db=self.sq),
                run_cli(args, db=self.pg.uri, env=self.env))

    def same(self):
        """The PostgreSQL store holds what the SQLite one holds: the
        export, and every registry row (copied into a SQLite file)."""
        s, p = self.run(["export"])
        assert ok(p).stdout == ok(s).stdout
        self.n += 1
        back = self.tmp / f"back{self.n}.db"
        ok(run_cli(["store", "copy", self.pg.uri, back, "--key",
                    self.pg.key, "--quiet"]))
        got, want = sqlite_rows(back), sqlite_rows(self.sq)
        for t in REGISTRY:
            assert got[t] == want[t], t
        assert len(want["domains"]) > 1000
        ok(run_cli(["audit", "verify"], db=self.pg.uri, env=self.env))


def test_second_document_and_changed_document_as_on_sqlite(
        tmp_path, pg_store, parts):
    """The second document into the store the first filled, then the
    first again with changes (a unit renamed, an application's level
    changed, a domain moved between two applications of the document, a
    domain dropped, a new application): each time the PostgreSQL store
    holds what SQLite holds, rows and domains alike, and the chain
    verifies."""
    both = Both(tmp_path, pg_store)
    for part in parts:
        s, p = both.run(["import", part])
        assert ok(p).stdout == ok(s).stdout
    both.same()

    lines, recs = records(parts[0])
    i, unit = recs["units"][5]
    unit["name"] += "（改）"
    put(lines, i, unit)
    (i1, a1), (i2, a2), (i3, a3) = [
        r for r in recs["applications"] if len(r[1].get("domains", [])) > 1
    ][:3]
    moved = a1["domains"].pop()       # a1 loses one to a2
    moved["main"] = False
    a2["domains"].append(moved)
    a1["mlps_level"] = 2
    put(lines, i1, a1)
    put(lines, i2, a2)
    a3["domains"] = a3["domains"][:1]  # a3 drops all but one
    put(lines, i3, a3)
    last, new = recs["applications"][-1]
    new = dict(new, id="a-new-1", name=new["name"] + "（新）",
               domains=[{"name": "new-one.example.cn", "lang": "en",
                         "main": True}])
    lines[last] = lines[last] + ",\n    " + json.dumps(
        new, ensure_ascii=False, separators=(",", ":"))
    changed = write(tmp_path / "changed.json", lines)
    s, p = both.run(["import", changed])
    assert ok(p).stdout == ok(s).stdout
    both.same()
    # and what changed is there
    got = json.loads(ok(run_cli(["app", "show", a2["id"]], db=pg_store.uri,
                                env=both.env)).stdout)
    assert moved["name"] in [d["name"] for d in got["domains"]]
    assert pg_store.server.psql(
        "SELECT app FROM domains WHERE name = 'new-one.example.cn'",
        db=pg_store.name).strip() == "a-new-1"
    assert pg_store.server.psql(
        f"SELECT count(*) FROM domains WHERE app = '{a3['id']}'",
        db=pg_store.name).strip() == "1"
    assert pg_store.server.psql(
        f"SELECT name FROM units WHERE uscc = '{unit['uscc']}'",
        db=pg_store.name).strip() == unit["name"]


def test_bad_second_document_leaves_the_store_unchanged(
        tmp_path, pg_store, parts):
    """Into a filled store, documents that fail after the merge ran (a
    domain taken from an application the document does not give, a
    reference to nobody) or before (a key listed twice): the same message
    and exit status as on SQLite, and every table of the PostgreSQL store,
    the audit chain's included, exactly as before; the chain verifies."""
    both = Both(tmp_path, pg_store)
    for part in parts:
        for p in both.run(["import", part]):
            ok(p)
    _, recs2 = records(parts[1])
    # stored by the second document
    other = [a for _, a in recs2["applications"] if a.get("domains")][10]
    lines, recs = records(parts[0])
    bad = {}

    steal = list(lines)
    i, a = [r for r in recs["applications"] if r[1].get("domains")][-1]
    a["domains"].append({"name": other["domains"][0]["name"],
                         "lang": "en"})
    put(steal, i, a)
    bad["steal"] = write(tmp_path / "steal.json", steal)

    dangling = list(lines)
    i, a = recs["applications"][-2]
    a["outsourcer"] = "nobody"
    put(dangling, i, a)
    bad["dangling"] = write(tmp_path / "dangling.json", dangling)

    twice = list(lines)
    i, a = recs["applications"][-1]
    a["id"] = recs["applications"][3][1]["id"]
    put(twice, i, a)
    bad["twice"] = write(tmp_path / "twice.json", twice)

    before = pg_snapshot(pg_store)
    assert before["audit"].startswith("2|") and before["apps"] != "0|"
    for name, path in bad.items():
        s, p = both.run(["import", path])
        assert s.returncode == 2, (name, s.stderr)
        assert (p.returncode, p.stderr) == (s.returncode, s.stderr), name
        assert pg_snapshot(pg_store) == before, name
    assert "is already registered to application" in \
        both.run(["import", bad["steal"]])[1].stderr
    both.same()


def test_refused_row_names_table_reason_and_record(tmp_path, pg_store,
                                                   parts):
    """A row the server refuses (a check the test adds to the table,
    which govsec's validation knows nothing of) fails the import with
    the table, the server's reason and the record of that row (its line,
    not the line of the record being read when the failure came back):
    into a filled store (the merge's COPY into the temporary table) for
    an application and for a domain, and into a new store (the COPY into
    the table itself); the store is left exactly as it was."""
    env = {"GOVSEC_CONF": str(pg_store.conf)}
    sql = (lambda q: pg_store.server.psql(q, db=pg_store.name))
    ok(run_cli(["export"], db=pg_store.uri, env=env))  # migrated
    lines, recs = records(parts[0])
    k = len(recs["units"]) // 3
    line, unit = recs["units"][k]
    sql(f"ALTER TABLE units ADD CONSTRAINT test_refuse CHECK (uscc <> "
        f"'{unit['uscc']}')")
    p = run_cli(["import", parts[0]], db=pg_store.uri, env=env)
    assert p.returncode == 2
    assert p.stderr == (
        f"govsec: {parts[0]}:{line + 1}:5: $.units[{k}]: database: loading "
        f"'units': new row for relation \"units\" violates check "
        f"constraint \"test_refuse\" (nothing imported)\n")
    assert sql("SELECT count(*) FROM units").strip() == "0"
    sql("ALTER TABLE units DROP CONSTRAINT test_refuse")

    for part in parts:
        ok(run_cli(["import", part], db=pg_store.uri, env=env))
    before = pg_snapshot(pg_store)
    k = len(recs["applications"]) * 2 // 3
    while not recs["applications"][k][1].get("domains"):
        k += 1
    line, app = recs["applications"][k]
    dom = app["domains"][-1]["name"]
    for table, check, field in (
            ("apps", f"id <> '{app['id']}'", "apps"),
            ("domains", f"unicode <> '{dom}'", "domains")):
        # NOT VALID: the stored row passes, the merged one does not
        sql(f"ALTER TABLE {table} ADD CONSTRAINT test_refuse CHECK "
            f"({check}) NOT VALID")
        p = run_cli(["import", parts[0]], db=pg_store.uri, env=env)
        sql(f"ALTER TABLE {table} DROP CONSTRAINT test_refuse")
        assert p.returncode == 2
        assert p.stderr == (
            f"govsec: {parts[0]}:{line + 1}:5: $.applications[{k}]: "
            f"database: loading '{field}': new row for relation "
            f"\"{table}\" violates check constraint \"test_refuse\" "
            f"(nothing imported)\n"), p.stderr
        assert pg_snapshot(pg_store) == before
    ok(run_cli(["audit", "verify"], db=pg_store.uri, env=env))
