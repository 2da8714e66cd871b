"""Console accounts scoped to units (issue 8, item 13; docs/api.md "Scopes").

A registry of a city government (PARENT) with two county units below it
(A and B, siblings), a township below A (G) and a unit in another region
(OTHER), each with an outsourcer, a portal, a person and a grant, is
imported with the real CLI; accounts are made with `govsec user add --unit
| --region`. The route list is read from the router's own table
(src/http/router.c), and every route must have a case below: each case
shows that an account scoped to A can read its own data and can neither read
nor change B's or OTHER's. A route added to the router without a case here
fails test_every_route.
"""
import http.client
import json
import pathlib
import re
import sqlite3
import subprocess

import pytest

from conftest import (ACTOR, GOVSECD, SRC, free_port, run_cli,
                      running_govsecd, tcp_ready)

PW = "scope password 1"

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def org_code(s8):
    """The GB 11714 organization code: 8 characters and a check digit."""
    w = [3, 7, 9, 10, 5, 8, 4, 2]
    val = [int(c) if c.isdigit() else ord(c) - 55 for c in s8]
    c = 11 - sum(a * b for a, b in zip(val, w)) % 11
    return s8 + ("X" if c == 10 else "0" if c == 11 else str(c))


def uscc(region, s8):
    body = "11" + region + org_code(s8)
    c = 31 - sum(ALPHABET.index(ch) * w for ch, w in zip(body, WEIGHTS)) % 31
    return body + ALPHABET[0 if c == 31 else c]


PARENT = uscc("440700", "MB2D0001")
A = uscc("440703", "MB2D0002")
B = uscc("440703", "MB2D0003")
G = uscc("440703", "MB2D0004")
OTHER = uscc("440103", "MB2D0005")
TAGS = {PARENT: "p", A: "a", B: "b", G: "g", OTHER: "o"}

KINDS = ("units", "outsourcers", "applications", "people", "grants")
KEY = {"units": "uscc"}


def unit_rec(code, region, parent=None, level="county"):
    u = {"uscc": code, "name": "单位" + code[-4:], "kind": "administrative",
         "level": level, "region": region}
    if parent:
        u["parent"] = parent
    return u


def registry():
    units = [unit_rec(PARENT, "440700", level="prefecture"),
             unit_rec(A, "440703", PARENT), unit_rec(B, "440703", PARENT),
             unit_rec(G, "440703", A, "township"),
             unit_rec(OTHER, "440103")]
    doc = {"units": units, "outsourcers": [], "applications": [],
           "people": [], "grants": []}
    for code, t in TAGS.items():
        doc["outsourcers"].append({"id": t + "-os", "name": "外包" + t,
                                   "unit": code})
        doc["applications"].append({
            "id": t + "-portal", "unit": code, "type": "portal",
            "name": "门户网站" + t, "status": "live",
            "domains": [{"name": f"www.{t}.gov.cn", "main": True}]})
        doc["people"].append({"id": t + "-staff", "name": "张三" + t,
                              "unit": code, "kind": "staff"})
        doc["grants"].append({"id": t + "-grant", "person": t + "-staff",
                              "app": t + "-portal", "scope": "门户后台",
                              "privilege": "admin"})
    return doc


# ---- the router's table, parsed from its source ----

ROUTE_RE = re.compile(r'\{"(GET|POST|PUT|DELETE)",\s*"([^"]+)",\s*(\w+),'
                      r'\s*[^,{}]+,\s*(RS_\w+)\}')


def router_routes():
    """(method, pattern, policy) of every console route in router.c."""
    text = (SRC / "src" / "http" / "router.c").read_text()
    table = text[text.index("routes[] = {"):]
    table = table[:table.index("};")]
    routes = ROUTE_RE.findall(table)
    # Every entry of the table is seen: none slips past the pattern.
    assert len(routes) == table.count('{"'), table
    return [(m, p, pol) for m, p, _, pol in routes]


# ---- a small client ----

class Response:
    def __init__(self, resp):
        self.status = resp.status
        self.headers = resp.headers
        self.body = resp.read()
        self.json = None
        if self.body and self.headers.get(
                "Content-Type", "").startswith("application/json"):
            self.json = json.loads(self.body)


class Client:
    def __init__(self, port, name):
        self.port, self.name = port, name
        self.cookie = self.csrf = None

    def req(self, method, path, body=None):
        h = {}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        if self.cookie:
            h["Cookie"] = "govsec_session=" + self.cookie
        if self.csrf and method != "GET":
            h["X-CSRF-Token"] = self.csrf
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            conn.request(method, path, body=data, headers=h)
            return Response(conn.getresponse())
        finally:
            conn.close()

    def login(self):
        r = self.req("POST", "/api/login", {"name": self.name,
                                            "password": PW})
        assert r.status == 200, r.body
        m = re.match(r"govsec_session=([0-9a-f]{64});",
                     r.headers.get("Set-Cookie", ""))
        self.cookie, self.csrf = m.group(1), r.json["csrf"]
        return r

    def get(self, path):
        r = self.req("GET", path)
        assert r.status == 200, (path, r.status, r.body)
        return r.json


class World:
    """The daemon, its store and one logged-in client per account."""

    def __init__(self, port, db):
        self.port, self.db = port, db
        self.root = Client(port, "root")      # admin, all units
        self.sa = Client(port, "sa")          # admin scoped to unit A
        self.sp = Client(port, "sp")          # operator scoped to PARENT
        self.sr = Client(port, "sr")          # operator, region 440703
        self.ia = Client(port, "ia")          # issuer scoped to unit A
        self.iroot = Client(port, "iroot")    # issuer, all units
        for c in (self.root, self.sa, self.sp, self.sr, self.ia,
                  self.iroot):
            c.login()
        self.serial = 100

    def sql(self, query, args=()):
        con = sqlite3.connect(self.db, timeout=10)
        try:
            rows = con.execute(query, args).fetchall()
            con.commit()
            return rows
        finally:
            con.close()

    def fresh_uscc(self, region="440703"):
        self.serial += 1
        return uscc(region, f"MB2E{self.serial:04d}")

    def fresh_id(self, tag):
        self.serial += 1
        return f"{tag}-new{self.serial}"

    # the truth, as the unscoped administrator sees it
    def all(self, kind):
        return self.root.get("/api/" + kind)["items"]

    def subtree(self, root):
        units = self.all("units")
        out, grew = {root}, True
        while grew:
            grew = False
            for u in units:
                if u.get("parent") in out and u["uscc"] not in out:
                    out.add(u["uscc"])
                    grew = True
        return out & {u["uscc"] for u in units}

    def region(self, prefix):
        return {u["uscc"] for u in self.all("units")
                if u["region"].startswith(prefix)}

    def expected(self, kind, units):
        """Keys of kind's records that belong to the units."""
        people = {p["id"]: p["unit"] for p in self.all("people")}
        out = set()
        for rec in self.all(kind):
            if kind == "units":
                owner = rec["uscc"]
            elif kind == "grants":
                owner = people.get(rec["person"])
            else:
                owner = rec["unit"]
            if owner in units:
                out.add(rec[KEY.get(kind, "id")])
        return out

    def new_record(self, kind, unit):
        """A new record of kind belonging to unit (for units: below it)."""
        t = TAGS.get(unit, "a")
        if kind == "units":
            region = self.root.get("/api/units/" + unit)["region"]
            return unit_rec(self.fresh_uscc(region), region, unit,
                            "township")
        if kind == "outsourcers":
            return {"id": self.fresh_id(t), "name": "外包", "unit": unit}
        if kind == "applications":
            return {"id": self.fresh_id(t), "unit": unit, "type": "account",
                    "name": "政务公众号"}
        if kind == "people":
            return {"id": self.fresh_id(t), "name": "李四", "unit": unit,
                    "kind": "staff"}
        return {"id": self.fresh_id(t), "person": t + "-staff",
                "app": t + "-portal", "scope": "门户后台",
                "privilege": "read"}


def base_key(kind, code):
    return code if kind == "units" else TAGS[code] + {
        "outsourcers": "-os", "applications": "-portal",
        "people": "-staff", "grants": "-grant"}[kind]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("scope")
    db = tmp / "govsec.db"
    doc = tmp / "registry.json"
    doc.write_text(json.dumps(registry(), ensure_ascii=False))
    p = run_cli(["import", doc], db=db)
    assert p.returncode == 0, p.stderr
    p = run_cli(["ca", "init", "--org", "编办"], db=db)
    assert p.returncode == 0, p.stderr
    for name, role, scope in (("root", "admin", []),
                              ("sa", "admin", ["--unit", A]),
                              ("sp", "operator", ["--unit", PARENT]),
                              ("sr", "operator", ["--region", "440703"]),
                              ("ia", "issuer", ["--unit", A]),
                              ("iroot", "issuer", [])):
        p = run_cli(["user", "add", name, "--role", role, *scope], db=db,
                    stdin=PW + "\n")
        assert p.returncode == 0, p.stderr
    port = free_port()
    conf = tmp / "govsec.conf"
    conf.write_text(f"[store]\npath = {db}\n"
                    f"[console]\nlisten = 127.0.0.1:{port}\nthreads = 2\n"
                    "two_factor = optional\n"
                    # inspections started here resolve nothing: no DNS
                    "[inspect]\nresolve = *=none\n")
    with running_govsecd(conf, tmp / "govsecd.log", tcp_ready(port)):
        yield World(port, db)


def refused(r, status=403):
    assert r.status == status, (r.status, r.body)


# ---- OPEN routes: nothing of any unit ----

def case_login(w, method, pattern):
    c = Client(w.port, "sa")
    r = c.login()
    assert set(r.json) == {"user", "role", "csrf"}


def case_logout(w, method, pattern):
    c = Client(w.port, "sa")
    c.login()
    assert c.req("POST", "/api/logout").status == 204
    refused(c.req("GET", "/api/me"), 401)


def case_me(w, method, pattern):
    me = w.sa.get("/api/me")
    assert me["scope"] == {"kind": "unit", "code": A,
                           "name": "单位" + A[-4:]}
    assert w.sr.get("/api/me")["scope"] == {"kind": "region",
                                            "code": "440703", "name": None}
    assert w.root.get("/api/me")["scope"] is None


def case_rules(w, method, pattern):
    assert w.sa.get("/api/rules")["rules"]


def case_own(w, method, pattern):
    """The account's own login steps, password and security keys: no
    unit's data. A scoped account sees only its own (no) keys; the steps
    it is not in are refused without data."""
    if (method, pattern) == ("GET", "/api/keys"):
        assert w.sa.get("/api/keys") == {"items": []}
        return
    path = pattern.replace("*", "nokey")
    r = w.sa.req(method, path, {})
    assert r.status in (400, 401, 404, 409, 422), (path, r.status)


def case_static(w, method, pattern):
    r = w.sa.req("GET", "/")
    assert r.status == 200 and b"<html" in r.body.lower()


# ---- GLOBAL routes: unscoped accounts only ----

GLOBAL_ARGS = {"*": "nobody"}


def case_global(w, method, pattern):
    path = pattern.replace("*", "nobody")
    body = {} if method in ("POST", "PUT") else None
    # the issuer's routes: scoped and unscoped issuers
    ecert = pattern.startswith("/api/ecert/")
    scoped, whole = (w.ia, w.iroot) if ecert else (w.sa, w.root)
    r = scoped.req(method, path, body)
    refused(r)
    assert "scoped to unit" in r.json["error"]["message"]
    refused(w.sr.req(method, path, body))
    # the same account's role allows it: only the scope refuses
    assert whole.req(method, path, body).status != 403


# ---- the registry ----

def kind_cases(kind):
    key = KEY.get(kind, "id")

    def list_case(w, method, pattern):
        for c, units in ((w.sa, w.subtree(A)), (w.sp, w.subtree(PARENT)),
                         (w.sr, w.region("440703"))):
            got = {x[key] for x in c.get("/api/" + kind)["items"]}
            assert got == w.expected(kind, units), (c.name, kind)
        assert base_key(kind, A) in {x[key] for x in
                                     w.sa.get("/api/" + kind)["items"]}
        if kind != "grants":
            flt = "/api/%s?unit=%s" % (kind, B)
            assert w.sa.get(flt)["items"] == []
            assert w.root.get(flt)["items"]

    def get_case(w, method, pattern):
        assert w.sa.get(f"/api/{kind}/{base_key(kind, A)}")[key] == \
            base_key(kind, A)
        assert w.sa.get(f"/api/{kind}/{base_key(kind, G)}")
        for code in (B, OTHER, PARENT):
            refused(w.sa.req("GET", f"/api/{kind}/{base_key(kind, code)}"),
                    404)
            w.root.get(f"/api/{kind}/{base_key(kind, code)}")
        w.sp.get(f"/api/{kind}/{base_key(kind, B)}")
        refused(w.sp.req("GET", f"/api/{kind}/{base_key(kind, OTHER)}"),
                404)
        w.sr.get(f"/api/{kind}/{base_key(kind, B)}")
        refused(w.sr.req("GET", f"/api/{kind}/{base_key(kind, PARENT)}"),
                404)

    def post_case(w, method, pattern):
        for code in (B, OTHER):
            rec = w.new_record(kind, code)
            r = w.sa.req("POST", "/api/" + kind, rec)
            refused(r)
            assert "outside the scope" in r.json["error"]["message"]
            refused(w.root.req("GET", f"/api/{kind}/{rec[key]}"), 404)
        own = w.new_record(kind, A)
        assert w.sa.req("POST", "/api/" + kind, own).status == 201
        # moving it out of scope is refused, and it stays
        moved = dict(own)
        if kind == "units":
            moved["parent"] = B
        elif kind == "grants":
            moved["person"] = "b-staff"
        else:
            moved["unit"] = B
        refused(w.sa.req("POST", "/api/" + kind, moved))
        assert w.root.get(f"/api/{kind}/{own[key]}") == \
            w.sa.get(f"/api/{kind}/{own[key]}")
        if kind == "units":
            # no parent: outside A's tree
            top = unit_rec(w.fresh_uscc(), "440703")
            refused(w.sa.req("POST", "/api/units", top))
            # a region account: by the unit's region
            refused(w.sr.req("POST", "/api/units",
                             unit_rec(w.fresh_uscc("440103"), "440103")))
            assert w.sr.req("POST", "/api/units", top).status == 201
        if kind == "grants":
            # A's person on B's application
            g = w.new_record(kind, A)
            g["app"] = "b-portal"
            refused(w.sa.req("POST", "/api/grants", g))
        if kind in ("applications", "people"):
            r = w.new_record(kind, A)
            r["outsourcer"] = "b-os"
            if kind == "people":
                r["kind"] = "outsourced"
            refused(w.sa.req("POST", "/api/" + kind, r))

    def put_case(w, method, pattern):
        for code in (B, OTHER, PARENT):
            k = base_key(kind, code)
            before = w.root.get(f"/api/{kind}/{k}")
            refused(w.sa.req("PUT", f"/api/{kind}/{k}", before))
            assert w.root.get(f"/api/{kind}/{k}") == before
        k = base_key(kind, G)
        rec = w.sa.get(f"/api/{kind}/{k}")
        assert w.sa.req("PUT", f"/api/{kind}/{k}", rec).status == 200
        moved = dict(rec)
        if kind == "units":
            moved["parent"] = B
        elif kind == "grants":
            moved["person"] = "b-staff"
        else:
            moved["unit"] = B
        refused(w.sa.req("PUT", f"/api/{kind}/{k}", moved))
        assert w.root.get(f"/api/{kind}/{k}") == rec
        # the region account may change B, but not PARENT
        k = base_key(kind, B)
        rec = w.sr.get(f"/api/{kind}/{k}")
        assert w.sr.req("PUT", f"/api/{kind}/{k}", rec).status == 200
        if kind == "units":
            # A keeps its parent (outside A's scope): it cannot be moved
            # away from PARENT's tree, nor hung below itself
            rec = w.sa.get("/api/units/" + A)
            assert w.sa.req("PUT", "/api/units/" + A, rec).status == 200
            for c, parent in ((w.sa, OTHER), (w.sa, None), (w.sr, OTHER),
                              (w.sr, G)):
                moved = dict(rec)
                moved.pop("parent")
                if parent:
                    moved["parent"] = parent
                refused(c.req("PUT", "/api/units/" + A, moved))
            assert w.root.get("/api/units/" + A) == rec
            assert A in w.subtree(PARENT)

    def delete_case(w, method, pattern):
        for code in (B, OTHER):
            k = base_key(kind, code)
            refused(w.sa.req("DELETE", f"/api/{kind}/{k}"), 404)
            w.root.get(f"/api/{kind}/{k}")
        own = w.new_record(kind, G)
        assert w.root.req("POST", "/api/" + kind, own).status == 201
        assert w.sa.req("DELETE", f"/api/{kind}/{own[key]}").status == 204
        refused(w.root.req("GET", f"/api/{kind}/{own[key]}"), 404)
        if kind == "units":
            # never the unit the account is scoped to
            r = w.sa.req("DELETE", "/api/units/" + A)
            refused(r)
            assert "is the scope of this account" in r.json["error"]["message"]
            w.root.get("/api/units/" + A)

    return {"GET /api/{kind}": list_case, "POST /api/{kind}": post_case,
            "GET /api/{kind}/*": get_case, "PUT /api/{kind}/*": put_case,
            "DELETE /api/{kind}/*": delete_case}


def case_registry(w, method, pattern):
    for kind in KINDS:
        kind_cases(kind)[f"{method} {pattern}"](w, method, pattern)


# ---- self-examination ----

def case_findings(w, method, pattern):
    mine = w.subtree(A)
    res = w.sa.get("/api/findings")
    units = {f["unit"] for f in res["findings"]}
    assert units and units <= mine, units
    s = res["summary"]
    assert s["pass"] + s["fail"] + s["not_applicable"] + s["unknown"] == \
        len(res["findings"])
    every = w.root.get("/api/findings")["findings"]
    assert any(f["unit"] == B for f in every)
    assert w.sa.get("/api/findings?unit=" + G)["findings"]
    refused(w.sa.req("GET", "/api/findings?unit=" + B), 404)
    units = {f["unit"] for f in w.sp.get("/api/findings")["findings"]}
    assert B in units and OTHER not in units


def case_ack(w, method, pattern):
    rule = w.root.get("/api/rules")["rules"][0]["id"]
    ack = {"rule": rule, "owner": "王五", "due": "2030-01-01"}
    for obj in ("b-portal", "o-os", B):
        refused(w.sa.req("POST", "/api/findings/ack", dict(ack, object=obj)))
    assert not w.sql("SELECT 1 FROM finding_acks WHERE object IN (?, ?, ?)",
                     ("b-portal", "o-os", B))
    r = w.sa.req("POST", "/api/findings/ack", dict(ack, object="g-portal"))
    assert r.status == 200, r.body


def case_attest(w, method, pattern):
    att = {"requirement": "LINK-1", "verdict": "pass",
           "evidence": "外链已人工审核", "reviewer": "王五"}

    def add(client, obj):
        r = client.req("POST", "/api/attestations", dict(att, object=obj))
        assert r.status == 201, r.body
        return r.json["id"]

    if method == "POST":
        count = "SELECT count(*) FROM attestations"
        before = w.sql(count)
        for obj in ("b-portal", "o-os", B):
            refused(w.sa.req("POST", "/api/attestations",
                             dict(att, object=obj)))
        assert w.sql(count) == before
        add(w.sa, "g-portal")
    elif method == "GET":
        add(w.root, "b-portal")
        add(w.sa, "g-portal")
        mine = w.sa.get("/api/attestations")["attestations"]
        assert mine and {a["unit"] for a in mine} <= w.subtree(A)
        assert "b-portal" in {a["object"] for a in
                              w.root.get("/api/attestations")["attestations"]}
    else:
        other = add(w.root, "b-portal")
        refused(w.sa.req("DELETE", f"/api/attestations/{other}"), 404)
        assert w.sql("SELECT revoked FROM attestations WHERE id = ?",
                     (other,)) == [(None,)]
        own = add(w.sa, "g-portal")
        assert w.sa.req("DELETE", f"/api/attestations/{own}").status == 200


def case_dashboard(w, method, pattern):
    d = w.sa.get("/api/dashboard")
    mine = w.subtree(A)
    assert {u["unit"] for u in d["by_unit"]} == mine
    for kind in KINDS:
        assert d["counts"][kind] == len(w.expected(kind, mine)), kind
    assert w.root.get("/api/dashboard")["counts"]["units"] > len(mine)


# ---- audit ----

def case_audit(w, method, pattern):
    # one change each to A's and B's outsourcer, and a finding of B's
    for k in ("a-os", "b-os"):
        rec = w.root.get("/api/outsourcers/" + k)
        assert w.root.req("PUT", "/api/outsourcers/" + k, rec).status == 200
    rule = w.root.get("/api/rules")["rules"][0]["id"]
    assert w.root.req("POST", "/api/findings/ack", {
        "rule": rule, "object": "b-portal", "owner": "x",
        "due": "2030-01-01"}).status == 200
    every = [x["object"] for x in
             w.root.get("/api/audit?limit=500")["records"]]
    assert "outsourcer:b-os" in every and "outsourcer:a-os" in every
    assert f"finding:{rule}@b-portal" in every
    mine = [x["object"] for x in w.sa.get("/api/audit?limit=500")["records"]]
    assert "outsourcer:a-os" in mine
    keys = set()
    for kind in KINDS:
        keys |= {f"{kind}:{k}" for k in w.expected(kind, w.subtree(A))}
    names = {"units": "unit", "outsourcers": "outsourcer",
             "applications": "app", "people": "person", "grants": "grant"}
    allowed = {names[k.split(":")[0]] + ":" + k.split(":", 1)[1]
               for k in keys}
    bare = {k.split(":", 1)[1] for k in keys}
    for obj in mine:
        if obj.startswith("finding:"):
            assert obj.rsplit("@", 1)[1] in bare, obj
        else:
            assert obj in allowed, obj
    # paging keeps to the scope too
    one = w.sa.get("/api/audit?limit=1")["records"]
    assert len(one) == 1 and one[0]["object"] in allowed | {
        o for o in mine if o.startswith("finding:")}


# ---- inspections ----

def add_run(w, host):
    w.sql("INSERT INTO insp_runs(host, start, started, finished, pages, "
          "links, broken, blocked, marks, findings) VALUES (?, ?, "
          "'2025-01-01T00:00:00Z', '2025-01-01T00:01:00Z', 1, 1, 0, 0, "
          "'{}', '[]')", (host, f"https://{host}/"))
    run = w.sql("SELECT max(id) FROM insp_runs")[0][0]
    w.sql("INSERT INTO insp_links(run, url, found_on, status, reason, "
          "class, internal, first_seen, last_checked) VALUES (?, ?, '[]', "
          "'ok', '', 'gov', 1, '2025-01-01', '2025-01-01')",
          (run, f"https://{host}/a"))
    return run


@pytest.fixture(scope="module")
def runs(world):
    return {t: add_run(world, f"www.{t}.gov.cn") for t in ("a", "b", "o")}


def case_inspections(w, method, pattern):
    hosts = {s["host"] for s in w.sa.get("/api/inspections")["sites"]}
    assert hosts == {"www.a.gov.cn"}
    every = {s["host"] for s in w.root.get("/api/inspections")["sites"]}
    assert {"www.a.gov.cn", "www.b.gov.cn", "www.o.gov.cn"} <= every
    hosts = {s["host"] for s in w.sr.get("/api/inspections")["sites"]}
    assert hosts == {"www.a.gov.cn", "www.b.gov.cn"}


def case_run(w, method, pattern):
    suffix = pattern[len("/api/inspections/*"):]
    runs = w.runs
    assert w.sa.get(f"/api/inspections/{runs['a']}{suffix}")
    for t in ("b", "o"):
        refused(w.sa.req("GET", f"/api/inspections/{runs[t]}{suffix}"), 404)
        w.root.get(f"/api/inspections/{runs[t]}{suffix}")
    w.sr.get(f"/api/inspections/{runs['b']}{suffix}")


def case_jobs(w, method, pattern):
    """Inspections started from the console keep to the account's units:
    A's account starts A's (and its township's) portal, not B's or
    OTHER's, and neither sees nor cancels their jobs. The portals resolve
    to nothing ([inspect] resolve = *=none), so every job ends at once."""
    def start(client, app):
        r = client.req("POST", "/api/inspection-jobs", {"app": app})
        assert r.status in (202, 409), r.body
        return r.json["job"]["id"] if r.status == 202 else None

    other = start(w.root, "b-portal") or start(w.root, "o-portal")
    if method == "POST" and pattern.endswith("/cancel"):
        refused(w.sa.req("POST", f"/api/inspection-jobs/{other}/cancel"),
                404)
        own = start(w.sa, "g-portal")
        if own is not None:
            r = w.sa.req("POST", f"/api/inspection-jobs/{own}/cancel")
            assert r.status in (202, 409), r.body
    elif method == "POST":
        for app in ("b-portal", "o-portal"):
            refused(w.sa.req("POST", "/api/inspection-jobs", {"app": app}),
                    404)
        start(w.sa, "a-portal")
    elif pattern.endswith("/*"):
        refused(w.sa.req("GET", f"/api/inspection-jobs/{other}"), 404)
        assert w.root.get(f"/api/inspection-jobs/{other}")["job"]["id"] == \
            other
    else:
        start(w.sa, "a-portal")
        mine = {j["app"] for j in w.sa.get("/api/inspection-jobs")["jobs"]}
        assert mine and mine <= {"a-portal", "g-portal"}, mine
        every = {j["app"] for j in w.root.get("/api/inspection-jobs")["jobs"]}
        assert every - mine, every


# ---- e-certificates (api_ecert_admin.c) ----

@pytest.fixture(scope="module")
def ecert(world):
    """A certificate and an application with an approved name and a logo
    of A, G and B each, made with the CLI."""
    out = {}
    for code in (A, G, B):
        t = TAGS[code]
        r = run_cli(["--format", "json", "cert", "issue", code, "--csr",
                     csr(world)], db=world.db)
        assert r.returncode == 0, r.stderr
        unit_name = "单位" + code[-4:]
        app = {"id": t + "-logo", "unit": code, "type": "portal",
               "name": unit_name + "网站", "status": "live",
               "domains": [{"name": f"logo.{t}.gov.cn", "main": True}]}
        assert w_post(world, "/api/applications", app)
        r = run_cli(["--format", "json", "name", "apply", unit_name + "网站",
                     "--unit", code, "--app", t + "-logo"], db=world.db)
        assert r.returncode == 0, r.stdout + r.stderr
        assert run_cli(["name", "approve", str(json.loads(r.stdout)["id"])],
                       db=world.db).returncode == 0
        assert run_cli(["logo", "issue", t + "-logo"],
                       db=world.db).returncode == 0
        out[t] = json.loads(
            run_cli(["--format", "json", "cert", "list", code],
                    db=world.db).stdout)[0]["serial"]
    return out


def csr(w):
    """A request signed with the distinguishing ID (the unit's own key)."""
    d = pathlib.Path(w.db).parent
    if not (d / "u.csr").exists():
        subprocess.run(["openssl", "genpkey", "-algorithm", "SM2", "-out",
                        d / "u.key"], check=True, capture_output=True)
        subprocess.run(["openssl", "req", "-new", "-key", d / "u.key",
                        "-subj", "/CN=x", "-sm3", "-sigopt",
                        "distid:1234567812345678", "-out", d / "u.csr"],
                       check=True, capture_output=True)
    return d / "u.csr"


def w_post(w, path, body):
    return w.root.req("POST", path, body).status in (200, 201)


def pending(w, code, name):
    r = run_cli(["--format", "json", "name", "apply", name, "--unit", code],
                db=w.db)
    assert r.returncode == 0, r.stdout + r.stderr
    return json.loads(r.stdout)["id"]


def case_ecert(w, method, pattern):
    """A's accounts see and act on A's (and its township G's) certificates,
    names and logos only; B's and OTHER's are 404 to read and 403 (or 404
    by their id) to change."""
    e = w.ecert
    mine = w.subtree(A)
    what = pattern.split("/")[3]
    if what == "certificates" and method == "GET" and pattern.endswith("*"):
        assert w.sa.get(f"/api/ecert/certificates/{e['g']}")["unit"] == G
        refused(w.sa.req("GET", f"/api/ecert/certificates/{e['b']}"), 404)
        w.root.get(f"/api/ecert/certificates/{e['b']}")
    elif what == "certificates" and method == "GET":
        got = {c["unit"] for c in w.sa.get("/api/ecert/certificates")[
            "items"]}
        assert got and got <= mine
        refused(w.sa.req("GET", "/api/ecert/certificates?unit=" + B), 404)
        assert B in {c["unit"] for c in w.sp.get("/api/ecert/certificates")[
            "items"]}
    elif what == "certificates" and pattern.endswith("revoke"):
        refused(w.ia.req("POST", f"/api/ecert/certificates/{e['b']}/revoke",
                         {}), 404)
        assert w.root.get(f"/api/ecert/certificates/{e['b']}")["state"] == \
            "valid"
        r = w.ia.req("POST", f"/api/ecert/certificates/{e['g']}/revoke", {})
        assert r.status == 200 and r.json["state"] == "revoked"
    elif what == "certificates":
        n = len(w.root.get("/api/ecert/certificates")["items"])
        for code in (B, OTHER):
            refused(w.ia.req("POST", "/api/ecert/certificates",
                             {"unit": code}))
        assert len(w.root.get("/api/ecert/certificates")["items"]) == n
        r = w.ia.req("POST", "/api/ecert/certificates", {"unit": G})
        assert r.status == 201 and r.json["key"], r.body
    elif what == "names" and method == "GET":
        pending(w, B, "单位" + B[-4:] + "服务")
        got = {n["unit"] for n in w.sa.get("/api/ecert/names")["items"]}
        assert got and got <= mine
        refused(w.sa.req("GET", "/api/ecert/names?unit=" + B), 404)
    elif what == "names" and method == "POST" and pattern.endswith("names"):
        for code in (B, OTHER):
            refused(w.sa.req("POST", "/api/ecert/names", {
                "unit": code, "name": "单位" + code[-4:] + "政务"}))
        r = w.sa.req("POST", "/api/ecert/names",
                     {"unit": G, "name": "单位" + G[-4:] + "政务"})
        assert r.status == 201, r.body
    elif what == "names":
        verb = pattern.rsplit("/", 1)[1]
        body = {"reason": "测试"}
        other = pending(w, B, "单位" + B[-4:] + verb)
        refused(w.ia.req("POST", f"/api/ecert/names/{other}/{verb}", body),
                404)
        own = pending(w, A, "单位" + A[-4:] + verb)
        r = w.ia.req("POST", f"/api/ecert/names/{own}/{verb}", body)
        assert r.status == 200, r.body
    elif what == "logos" and method == "GET" and pattern.endswith("svg"):
        logos = {l["unit"]: l["id"] for l in
                 w.root.get("/api/ecert/logos")["items"]}
        assert w.sa.req("GET", f"/api/ecert/logos/{logos[A]}/svg").status \
            == 200
        refused(w.sa.req("GET", f"/api/ecert/logos/{logos[B]}/svg"), 404)
    elif what == "logos" and method == "GET":
        assert {l["unit"] for l in w.sa.get("/api/ecert/logos")["items"]} \
            <= mine
        assert B in {l["unit"] for l in w.root.get("/api/ecert/logos")[
            "items"]}
    elif what == "logos" and pattern.endswith("revoke"):
        logos = {l["unit"]: l["id"] for l in
                 w.root.get("/api/ecert/logos")["items"] if not l["revoked"]}
        refused(w.ia.req("POST", f"/api/ecert/logos/{logos[B]}/revoke",
                         {"reason": "x"}), 404)
        assert w.ia.req("POST", f"/api/ecert/logos/{logos[A]}/revoke",
                        {"reason": "x"}).status == 200
    elif what == "logos":
        n = len(w.root.get("/api/ecert/logos")["items"])
        refused(w.ia.req("POST", "/api/ecert/logos", {"app": "b-logo"}))
        assert len(w.root.get("/api/ecert/logos")["items"]) == n
        r = w.ia.req("POST", "/api/ecert/logos", {"app": "g-logo"})
        assert r.status == 201 and r.json["unit"] == G, r.body
    else:
        raise AssertionError(pattern)


CASES = {
    "POST /api/login": case_login,
    "POST /api/login/code": case_own,
    "POST /api/password": case_own,
    "POST /api/login/key/begin": case_own,
    "POST /api/login/key/finish": case_own,
    "GET /api/keys": case_own,
    "POST /api/keys/begin": case_own,
    "POST /api/keys/finish": case_own,
    "DELETE /api/keys/*": case_own,
    "POST /api/logout": case_logout,
    "GET /api/me": case_me,
    "GET /api/rules": case_rules,
    "GET /**": case_static,
    "GET /api/findings": case_findings,
    "POST /api/findings/ack": case_ack,
    "GET /api/dashboard": case_dashboard,
    "GET /api/attestations": case_attest,
    "POST /api/attestations": case_attest,
    "DELETE /api/attestations/*": case_attest,
    "GET /api/audit": case_audit,
    "GET /api/inspections": case_inspections,
    "GET /api/inspections/*": case_run,
    "GET /api/inspections/*/links": case_run,
    "GET /api/inspections/*/diff": case_run,
    "GET /api/inspection-jobs": case_jobs,
    "POST /api/inspection-jobs": case_jobs,
    "GET /api/inspection-jobs/*": case_jobs,
    "POST /api/inspection-jobs/*/cancel": case_jobs,
    "GET /api/{kind}": case_registry,
    "POST /api/{kind}": case_registry,
    "GET /api/{kind}/*": case_registry,
    "PUT /api/{kind}/*": case_registry,
    "DELETE /api/{kind}/*": case_registry,
    **{f"{m} {p}": case_ecert for m, p, pol in router_routes()
       if p.startswith("/api/ecert/") and pol == "RS_UNITS"},
}
# Routes no scoped account may use (their data is not any unit's): the
# gate's administration, the whole audit chain's verification and the
# mail-flow records (mail is the mail server's, not a unit's) and the
# counterfeit cases (a department's duty, docs/counterfeit.md).
GLOBAL = {"GET /api/audit/verify", "GET /api/mail/trace"} | {
    f"{m} {p}" for m, p, pol in router_routes()
    if p.startswith("/api/gate/") or p.startswith("/api/counterfeit/") or
    (p.startswith("/api/ecert/") and pol == "RS_GLOBAL")}


def test_route_list_matches_router():
    """Every route of the router has a scope case here and the policy the
    case expects; a new route without one fails."""
    seen = set()
    for m, p, pol in router_routes():
        name = f"{m} {p}"
        seen.add(name)
        if name in GLOBAL:
            assert pol == "RS_GLOBAL", name
        else:
            assert name in CASES, f"route {name} has no scope case"
            assert pol in ("RS_OPEN", "RS_UNITS"), name
    assert set(CASES) <= seen, set(CASES) - seen


@pytest.mark.parametrize("route", [f"{m} {p}" for m, p, _ in
                                   router_routes()])
def test_every_route(world, runs, ecert, route):
    world.runs = runs
    world.ecert = ecert
    method, pattern = route.split(" ", 1)
    if route in GLOBAL:
        case_global(world, method, pattern)
    else:
        CASES[route](world, method, pattern)


# ---- the CLI ----

def test_user_scopes_on_the_cli(world):
    p = run_cli(["user", "list"], db=world.db)
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines() == [
        f"ia\tissuer\tunit:{A}", "iroot\tissuer\tall",
        "root\tadmin\tall", f"sa\tadmin\tunit:{A}",
        "sp\toperator\tunit:" + PARENT, "sr\toperator\tregion:440703"]
    for args, msg in ((["--unit", B[:-1] + "0"], "is not valid"),
                      (["--unit", uscc("440703", "MB2F0001")],
                       "is not registered"),
                      (["--region", "44x7"], "must be a GB/T 2260 code"),
                      (["--region", "000000"], "is no region"),
                      (["--unit", A, "--region", "4407"],
                       "exclude each other")):
        p = run_cli(["user", "add", "bad", "--role", "viewer", *args],
                    db=world.db, stdin=PW + "\n")
        assert p.returncode != 0 and msg in p.stderr, (args, p.stderr)
    # a refused scope leaves no account behind (one transaction)
    assert not world.sql("SELECT 1 FROM console_users WHERE name = 'bad'")
    # a city code covers its counties: 440700 is the prefix 4407
    p = run_cli(["user", "add", "city", "--role", "viewer", "--region",
                 "440700"], db=world.db, stdin=PW + "\n")
    assert p.returncode == 0, p.stderr
    assert world.sql("SELECT scope_unit, scope_region FROM console_users "
                     "WHERE name = 'city'") == [(None, "4407")]
    audit = world.sql("SELECT actor, action, object FROM audit WHERE "
                      "action = 'console.user.scope' ORDER BY seq")
    assert (ACTOR, "console.user.scope", "console-user:sa") in audit


def test_scope_of_an_existing_account(world):
    """`govsec user scope` scopes an account made without one (as every
    account was before scopes), and its live session follows at once."""
    p = run_cli(["user", "add", "late", "--role", "viewer"], db=world.db,
                stdin=PW + "\n")
    assert p.returncode == 0, p.stderr
    c = Client(world.port, "late")
    c.login()
    assert c.get("/api/me")["scope"] is None
    c.get("/api/units/" + OTHER)
    p = run_cli(["user", "scope", "late", "--unit", A], db=world.db)
    assert p.returncode == 0, p.stderr
    assert p.stdout == (f"console user 'late' now covers unit {A} and the "
                        "units below it\n")
    refused(c.req("GET", "/api/units/" + OTHER), 404)
    assert {u["uscc"] for u in c.get("/api/units")["items"]} == \
        world.subtree(A)
    p = run_cli(["user", "scope", "late", "--all"], db=world.db)
    assert p.returncode == 0, p.stderr
    c.get("/api/units/" + OTHER)
    for args, msg in ((["nobody", "--all"], "'nobody' does not exist"),
                      (["late", "--all", "--unit", A], "usage"),
                      (["late"], "usage")):
        p = run_cli(["user", "scope", *args], db=world.db)
        assert p.returncode != 0 and msg in p.stderr, (args, p.stderr)
