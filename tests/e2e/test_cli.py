"""End-to-end tests of the govsec command line, run against the real program
(build/govsec, see conftest.py). The tests are mostly data (STYLE 12):

  data/check/*.json       a registry with planted violations, the evaluation
                          date and the EXACT set of failing (rule,
                          requirement, object) tuples `govsec check` must
                          report; optional partial expectations of pass,
                          not_applicable and unknown ("undecided"),
                          acknowledgements,
                          a configuration and extra check arguments.
  data/cli/*.json         scripted CLI sessions: each step's arguments,
                          exit status and exact (or contained) output.
  data/import-bad/*.case  an import document that must be refused: exit 2,
                          a message naming the file, the line and the JSON
                          path, and nothing imported.

The code below runs the data; the remaining tests are the ones that need
logic of their own (round trips, report formats, audit tampering).
Requirement IDs of REQUIREMENTS.md are named in each test's docstring.
"""
import datetime
import html.parser
import json
import os
import re
import shutil
import sqlite3
import subprocess

import pytest

from conftest import ACTOR, DATA, GOVSECD, SRC, run_cli

CHECK_CASES = sorted((DATA / "check").glob("*.json"))
CLI_CASES = sorted((DATA / "cli").glob("*.json"))
IMPORT_BAD = sorted((DATA / "import-bad").glob("*.case"))
DEMO = SRC / "data" / "demo.json"


def stem(path):
    """Test ids: the data file's name without its extension."""
    return getattr(path, "stem", str(path))


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def ok(p, status=0):
    assert p.returncode == status, (
        f"exit {p.returncode}, expected {status}\n"
        f"stdout:\n{p.stdout}\nstderr:\n{p.stderr}")
    return p


def tuples(findings, status):
    return {(f["rule"], f["requirement"], f["object"])
            for f in findings if f["status"] == status}


def fmt(ts):
    return "\n  ".join(" ".join(t) for t in sorted(ts)) or "(none)"


def check_json(cli, *args, now="2026-11-26", status=None):
    p = cli("check", "--format", "json", "--now", now, *args)
    assert p.returncode in (0, 1, 3), p.stderr
    doc = json.loads(p.stdout)
    if status is not None:
        assert p.returncode == status, p.stdout
    return doc


def case_registry(case, tmp_path):
    """The case's registry as a file to import."""
    if "registry_file" in case:
        return SRC / case["registry_file"]
    path = tmp_path / "registry.json"
    path.write_text(json.dumps(case["registry"], ensure_ascii=False, indent=1),
                    encoding="utf-8")
    return path


# --------------------------------------------------------------------------
# govsec check: registries with planted violations (SUP-1 and every rule)


@pytest.mark.parametrize("path", CHECK_CASES, ids=stem)
def test_check_case(path, tmp_path, cli):
    """govsec check --format json reports exactly the planted failures."""
    case = load(path)
    ok(cli("import", case_registry(case, tmp_path)))
    # rows other parts record (the counterfeit monitor's scans, cases)
    for q in case.get("sql", []):
        if hasattr(cli, "sql"):  # PostgreSQL (test_pg_store.py)
            cli.sql(q)
            continue
        con = sqlite3.connect(cli.db)
        con.execute(q)
        con.commit()
        con.close()
    env = None
    if "config" in case:
        conf = tmp_path / "govsec.conf"
        conf.write_text(case["config"], encoding="utf-8")
        env = {"GOVSEC_CONF": str(conf)}
    for a in case.get("acks", []):
        ok(cli("ack", a["rule"], a["object"], "--owner", a["owner"], "--due",
               a["due"]))
    for a in case.get("attestations", []):  # made on the case's date
        ok(cli("attest", *a, env={"GOVSEC_NOW": case["now"] + "T02:00:00Z"}))
    p = cli("check", "--format", "json", "--now", case["now"],
            *case.get("args", []), env=env)
    assert p.returncode in (0, 1, 3), p.stderr
    doc = json.loads(p.stdout)
    found = doc["findings"]
    # Exactly one finding per (rule, object).
    keys = [(f["rule"], f["object"]) for f in found]
    dups = {k for k in keys if keys.count(k) > 1}
    assert not dups, f"several findings for {sorted(dups)}"

    want = {tuple(t) for t in case["expect_fail"]}
    got = tuples(found, "fail")
    assert got == want, (
        f"{case['description']}\nunexpected failures:\n  {fmt(got - want)}\n"
        f"missing failures:\n  {fmt(want - got)}")
    # The verdict: failing, else incomplete while anything is unknown or
    # a requirement is judged by nobody; each has its exit status.
    reqs = {q["id"]: q for q in doc["requirements"]}
    unjudged = [q for q in reqs.values() if q["verdict"] == "not_judged"]
    verdict = ("failing" if want else
               "incomplete" if tuples(found, "unknown") or unjudged else
               "compliant")
    assert doc["verdict"] == doc["summary"]["verdict"] == verdict
    assert p.returncode == {"compliant": 0, "failing": 1, "incomplete": 3}[
        verdict]
    if "expect_verdict" in case:
        assert verdict == case["expect_verdict"]
    for q in reqs.values():
        n = sum(q[st] for st in ("pass", "fail", "not_applicable", "unknown"))
        assert n == sum(f["requirement"] == q["id"] for f in found), q
        if q["verdict"] in ("fail", "unknown"):
            assert q[q["verdict"]] > 0, q
    for f in found:
        assert f["requirement"] in reqs, f
        assert (f["judged_by"] == "none") == (f["status"] == "unknown"), f
        assert f["judged_by"] in ("rule", "observation", "attestation",
                                  "none"), f
        assert (f["judged_by"] == "attestation") == ("reviewer" in f), f
    for key, want_q in case.get("expect_requirements", {}).items():
        got_q = {k: reqs[key][k] for k in want_q}
        assert got_q == want_q, key
    summary = doc["summary"]
    for st in ("pass", "fail", "not_applicable", "unknown"):
        assert summary[st] == sum(f["status"] == st for f in found), st

    if "expect_unknown" in case:
        want_u = {tuple(t) for t in case["expect_unknown"]}
        got_u = tuples(found, "unknown")
        assert got_u == want_u, (
            f"unexpected unknown:\n  {fmt(got_u - want_u)}\n"
            f"missing unknown:\n  {fmt(want_u - got_u)}")
    for key, st in (("expect_pass", "pass"), ("expect_na", "not_applicable"),
                    ("expect_undecided", "unknown")):
        want_s = {tuple(t) for t in case.get(key, [])}
        missing = want_s - tuples(found, st)
        assert not missing, f"not {st}:\n  {fmt(missing)}"
    if "expect_overdue" in case:
        got_o = {(f["rule"], f["requirement"], f["object"]) for f in found
                 if f.get("overdue")}
        assert got_o == {tuple(t) for t in case["expect_overdue"]}
        assert summary["overdue"] == len(got_o)
    for f in found:
        if f["status"] == "fail":
            assert f["evidence"] and f["fix"], f
        if f["status"] in ("pass", "not_applicable"):
            assert f["fix"] == "", f

    # The text report (failures only) lists the same failures.
    t = cli("check", "--now", case["now"], *case.get("args", []), env=env)
    assert t.returncode == p.returncode
    fails = set(re.findall(r"^FAIL  (\S+)\s+(\S+)\s+\S+ (\S+)$", t.stdout,
                           re.M))
    assert {(r, q, o) for q, r, o in fails} == want
    assert not re.search(r"^(PASS|N/A |UNKN) ", t.stdout, re.M)


ADVISORY = {"AUTH-5"}  # encouraged by the regulation, never required


def test_every_rule_is_covered_by_a_case():
    """Every rule of `govsec rules` fails in some case (or, for the rules
    that need observation and cannot fail from registry data, is unknown)."""
    p = ok(run_cli(["--format", "json", "rules"]))
    rules = {(r["id"], r["requirement"]) for r in json.loads(p.stdout)}
    assert len(rules) >= 31
    covered = set()
    for path in CHECK_CASES:
        case = load(path)
        for t in case["expect_fail"] + case.get("expect_unknown", []):
            covered.add((t[0], t[1]))
        # a rule of advice (AUTH-5 is encouraged) never fails: shown
        for t in case.get("expect_na", []) + case.get("expect_pass", []):
            if t[1] in ADVISORY:
                covered.add((t[0], t[1]))
    assert rules - covered == set()
    # attest.*: the attestations of a requirement no rule examines
    assert {r for r in covered - rules if not r[0].startswith("attest.")} \
        == set(), "cases name rules that do not exist"


def test_rules_listing_text_and_json():
    """govsec rules: one line per rule with its requirement ID and titles."""
    t = ok(run_cli(["rules"])).stdout.splitlines()
    j = json.loads(ok(run_cli(["--format", "json", "rules"])).stdout)
    assert len(t) == len(j)
    for line, r in zip(t, j):
        assert line.split()[:2] == [r["id"], r["requirement"]]
        assert " / " in line
    assert [r["requirement"] for r in j][:4] == ["SCOPE-1", "SITE-1",
                                                 "SITE-2", "SITE-3"]


def test_check_observation_rules_never_pass_from_registry_data(cli):
    """LINK-1..4, LOGO-1 and GOVWEB-1..3 need observing the live site: from
    registry data alone they are unknown (with the command to observe), and
    only for live portals."""
    ok(cli("import", DEMO))
    doc = check_json(cli)
    obs = [f for f in doc["findings"] if f["rule"].startswith("observe.")]
    assert obs and all(f["status"] == "unknown" for f in obs)
    # GOVWEB-1 is observed by probing (govsecd [probe], govsec probe)
    assert all(("govsec probe" if f["requirement"] == "GOVWEB-1"
                else "govsec inspect") in f["fix"] for f in obs)
    live_portals = {a["id"] for a in load(DEMO)["applications"]
                    if a["type"] == "portal" and a.get("status") == "live"}
    assert {f["object"] for f in obs} == live_portals


def test_check_unknown_unit_and_bad_options(cli):
    """govsec check --unit of an unregistered unit, a bad --now, a bad
    --format and a bad --status are usage errors (exit 2)."""
    ok(cli("import", DEMO))
    # nothing of its own: incomplete (what no rule examines is not judged)
    ok(cli("check", "--unit", "11440700007250029G"), 3)
    ok(cli("check", "--unit", "11440700007250010K"), 1)
    p = ok(cli("check", "--unit", "12440700456000041C"), 2)
    assert "12440700456000041C" in p.stderr
    ok(cli("check", "--now", "yesterday"), 2)
    p = ok(cli("check", "--format", "pdf"), 2)
    assert "'pdf'" in p.stderr
    ok(cli("check", "--status", "bogus"), 2)


def test_check_status_filter_and_all(cli):
    """--status selects findings in every format; --all shows everything in
    text; the summary always counts all findings."""
    ok(cli("import", DEMO))
    full = check_json(cli)
    doc = check_json(cli, "--status", "unknown,not_applicable")
    assert {f["status"] for f in doc["findings"]} == {"unknown",
                                                      "not_applicable"}
    assert doc["summary"] == full["summary"]
    t = cli("check", "--all", "--now", "2026-11-26").stdout
    n = len(re.findall(r"^(PASS|FAIL|N/A |UNKN) ", t, re.M))
    assert n == len(full["findings"])


# --------------------------------------------------------------------------
# Scripted CLI sessions: validators and record verbs


def _expect_text(got, step, key, what):
    if key in step:
        want = step[key]
        if isinstance(want, list):
            want = "".join(line + "\n" for line in want)
        assert got == want, f"{what}:\n{got}\nexpected:\n{want}"
    for s in step.get(key + "_contains", []):
        assert s in got, f"{what} lacks {s!r}:\n{got}"
    for s in step.get(key + "_lacks", []):
        assert s not in got, f"{what} has {s!r}:\n{got}"


@pytest.mark.parametrize("path", CLI_CASES, ids=stem)
def test_cli_session(path, cli, tmp_path):
    """Each step: arguments, exit status, stdout/stderr exact or contained,
    stdout as JSON."""
    case = load(path)
    if "import" in case:
        ok(cli("import", SRC / case["import"]))
    for i, step in enumerate(case["steps"]):
        args = [a.replace("$TMP", str(tmp_path)) for a in step["args"]]
        p = cli(*args, stdin=step.get("stdin"))
        what = f"step {i} ({' '.join(args)})"
        want = step.get("exit", 0)
        assert p.returncode == want, (
            f"{what}: exit {p.returncode}, expected {want}\n"
            f"stdout:\n{p.stdout}\nstderr:\n{p.stderr}")
        _expect_text(p.stdout, step, "stdout", what + " stdout")
        _expect_text(p.stderr, step, "stderr", what + " stderr")
        if "json" in step:
            assert json.loads(p.stdout) == step["json"], what


# --------------------------------------------------------------------------
# Import: bad input is refused whole (exit 2, file:line and JSON path)


def parse_case(path):
    """A .case file: '# comment' lines, then 'key: value' lines, then a
    line '--- input' and the raw document. Keys: line (of the document,
    1-based: the line of the offending field itself for a bad value, of
    the record for a record-wide error, of the syntax error otherwise; 'A|B' accepts either), column (of that line,
    in characters; any if not given), path (the JSON path the
    message names, '-' for none), message (repeatable: text the message
    contains, 'A|B' for either), base ('demo' to start from data/demo.json,
    the default, or 'empty')."""
    text = path.read_text(encoding="utf-8")
    head, sep, body = text.partition("--- input\n")
    assert sep, f"{path}: no '--- input' line"
    meta = {"message": []}
    for line in head.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        k, _, v = line.partition(":")
        if k.strip() == "message":
            meta["message"].append(v.strip())
        else:
            meta[k.strip()] = v.strip()
    return meta, body


@pytest.mark.parametrize("path", IMPORT_BAD, ids=stem)
def test_import_bad_input(path, cli, tmp_path):
    """REQ import: a bad document is refused with exit 2 and a message
    naming file, line and JSON path; nothing is imported (the export and
    the audit log are unchanged)."""
    meta, body = parse_case(path)
    if meta.get("base", "demo") == "demo":
        ok(cli("import", DEMO))
    before = ok(cli("export")).stdout
    audit_before = ok(cli("audit", "export")).stdout
    doc = tmp_path / f"{path.stem}.json"
    doc.write_text(body, encoding="utf-8")
    p = cli("import", doc)
    assert p.returncode == 2, f"exit {p.returncode}\n{p.stdout}{p.stderr}"
    assert p.stdout == ""
    err = p.stderr
    lines = meta["line"].split("|")
    col = meta.get("column", r"\d+")
    assert any(re.match(rf"govsec: {re.escape(str(doc))}:{n}:{col}: ", err)
               for n in lines), (
        f"expected 'govsec: {doc}:{meta['line']}:{col}: ...', got:\n{err}")
    if meta["path"] != "-":
        assert f": {meta['path']}" in err, (
            f"no JSON path {meta['path']} in:\n{err}")
    for m in meta["message"]:
        assert any(alt in err for alt in m.split("|")), (
            f"{m!r} not in:\n{err}")
    assert "nothing imported" in err
    assert ok(cli("export")).stdout == before
    assert ok(cli("audit", "export")).stdout == audit_before


def test_import_second_portal_against_stored_one(cli, tmp_path):
    """SITE-1: a second live portal for a unit that has one in the store is
    recorded as it is (the import refuses only malformed or contradictory
    data) and the check reports both under SITE-1."""
    ok(cli("import", DEMO))
    doc = tmp_path / "more.json"
    doc.write_text(
        '{\n  "applications": [\n'
        '    {"id": "jm-portal-2", "unit": "11440700007250010K",\n'
        '     "type": "portal", "name": "江门市人民政府第二门户"}\n'
        "  ]\n}\n", encoding="utf-8")
    ok(cli("import", doc))
    assert "jm-portal-2" in ok(cli("export")).stdout
    found = check_json(cli)["findings"]
    site1 = {f["object"]: f for f in found if f["requirement"] == "SITE-1"}
    for app in ("jm-portal", "jm-portal-2"):
        assert site1[app]["status"] == "fail"
        assert site1[app]["evidence"].startswith(
            "unit '11440700007250010K' has 2 portal websites: 'jm-portal' "
            "(live), 'jm-portal-2' (live)")


def _replace_portal(reg):
    """Closes jm-portal and opens a-jm-portal (sorts first) with its
    domains: one live portal per unit at every moment of the final state."""
    for a in reg["applications"]:
        if a["id"] == "jm-portal":
            a["status"] = "closed"
            doms = a.pop("domains")
    reg["applications"].append({
        "id": "a-jm-portal", "unit": "11440700007250010K", "type": "portal",
        "name": "江门市人民政府门户网站", "status": "live", "filed": True,
        "domains": doms})


def _move_domain(reg):
    """Moves mail.jiangmen.gov.cn from jm-mail to a new a-mail system."""
    for a in reg["applications"]:
        if a["id"] == "jm-mail":
            a["status"] = "closed"
            doms = a.pop("domains")
    reg["applications"].append({
        "id": "a-mail", "unit": "11440700007250010K", "type": "email",
        "name": "江门市人民政府新邮件系统", "domains": doms})


@pytest.mark.parametrize("change", [_replace_portal, _move_domain],
                         ids=["portal-replaced", "domain-moved"])
def test_import_export_of_a_newer_store(change, tmp_path):
    """SITE-1/SITE-2 at import are judged on the document's final state:
    the export of a newer copy of the registry (a portal replaced, a domain
    moved to another application) imports into an older copy, in the
    export's own record order, and the two stores then export the same."""
    old, new = tmp_path / "old.db", tmp_path / "new.db"
    ok(run_cli(["import", DEMO], db=old))
    ok(run_cli(["import", DEMO], db=new))
    reg = json.loads(ok(run_cli(["export"], db=new)).stdout)
    change(reg)
    doc = tmp_path / "change.json"
    doc.write_text(json.dumps(reg, ensure_ascii=False), encoding="utf-8")
    ok(run_cli(["import", doc], db=new))  # appended: a valid order
    newer = ok(run_cli(["export"], db=new)).stdout
    p = run_cli(["import", "-"], db=old, stdin=newer)  # sorted by id
    assert p.returncode == 0, p.stderr
    assert ok(run_cli(["export"], db=old)).stdout == newer


def test_import_from_stdin_and_counts(cli):
    """govsec import - reads standard input; the summary counts records."""
    p = ok(cli("import", "-", stdin=DEMO.read_bytes()))
    assert p.stdout == ("imported 11 units, 2 outsourcers, 12 applications, "
                        "4 people, 4 grants\n")
    p = ok(cli("--format", "json", "import", DEMO))
    assert json.loads(p.stdout) == {"units": 11, "outsourcers": 2,
                                    "applications": 12, "people": 4,
                                    "grants": 4}


def test_import_missing_file(cli, tmp_path):
    p = ok(cli("import", tmp_path / "nope.json"), 2)
    assert "nope.json" in p.stderr


# --------------------------------------------------------------------------
# Export | import | export


@pytest.mark.parametrize("source", [DEMO] + CHECK_CASES,
                         ids=stem)
def test_export_import_export_is_byte_identical(source, tmp_path):
    """export | import | export gives the same bytes, into a fresh store and
    into the same store (where every record is replaced by itself)."""
    if source == DEMO:
        reg = DEMO
    else:
        reg = case_registry(load(source), tmp_path)
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    ok(run_cli(["import", reg], db=a))
    first = ok(run_cli(["export"], db=a)).stdout
    ok(run_cli(["import", "-"], db=b, stdin=first))
    second = ok(run_cli(["export"], db=b)).stdout
    assert second == first
    ok(run_cli(["import", "-"], db=a, stdin=first))
    assert ok(run_cli(["export"], db=a)).stdout == first
    # --output writes the same bytes.
    out = tmp_path / "out.json"
    ok(run_cli(["export", "--output", out], db=b))
    assert out.read_text(encoding="utf-8") == first


def test_export_keeps_every_imported_value(cli):
    """The export holds the same records and values as the imported demo
    (order of keys and records aside)."""
    ok(cli("import", DEMO))
    out = json.loads(ok(cli("export")).stdout)
    src = load(DEMO)
    for section in ("units", "outsourcers", "applications", "people",
                    "grants"):
        key = "uscc" if section == "units" else "id"
        by = {r[key]: r for r in out[section]}
        assert set(by) == {r[key] for r in src[section]}, section
        for r in src[section]:
            assert by[r[key]] == r, f"{section} {r[key]}"


# --------------------------------------------------------------------------
# Report formats


def test_check_sarif_is_valid_sarif_2_1_0(cli):
    """--format sarif: valid JSON, version 2.1.0, every rule described,
    one result per finding with ruleId, kind, level and a logical location.
    SARIF 2.1.0 section 3.27.10: when kind is not "fail", level SHALL be
    "none" (or absent); undecided findings are kind "review"."""
    ok(cli("import", DEMO))
    p = cli("check", "--format", "sarif", "--now", "2026-11-26")
    assert p.returncode == 1
    doc = json.loads(p.stdout)
    assert doc["version"] == "2.1.0"
    assert "sarif" in doc["$schema"]
    assert len(doc["runs"]) == 1
    run = doc["runs"][0]
    assert run["tool"]["driver"]["name"] == "govsec"
    rules = run["tool"]["driver"]["rules"]
    listed = json.loads(ok(cli("--format", "json", "rules")).stdout)
    assert [r["id"] for r in rules] == [r["id"] for r in listed]
    for r in rules:
        assert r["shortDescription"]["text"]
    full = check_json(cli)
    assert len(run["results"]) == len(full["findings"])
    kinds = {"fail": "fail", "unknown": "review", "pass": "pass",
             "not_applicable": "notApplicable"}
    ids = {r["id"] for r in rules}
    bad_levels = set()
    for res, f in zip(run["results"], full["findings"]):
        assert res["ruleId"] == f["rule"] and res["ruleId"] in ids
        assert res["kind"] == kinds[f["status"]]
        assert res.get("level", "warning") in ("none", "note", "warning",
                                                "error")
        if res["kind"] == "fail":
            assert res["level"] == "error"
        elif res.get("level", "none") != "none":
            bad_levels.add((res["kind"], res["level"]))
        assert res["message"]["text"] == f["evidence"]
        loc = res["locations"][0]["logicalLocations"][0]
        assert loc["name"] == f["object"]
    assert not bad_levels, (
        f"results with kind other than 'fail' must have level 'none' "
        f"(SARIF 2.1.0 3.27.10): {sorted(bad_levels)}")


class _Html(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []
        self.text = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def test_check_html_escapes_registry_text(cli, tmp_path):
    """--format html is one standalone page; text from the registry (names,
    owners, notes) is escaped, never markup."""
    reg = load(DEMO)
    evil = '<script>alert("x")</script>&<img src=x onerror=alert(1)>'
    for a in reg["applications"]:
        if a["id"] == "jm-app":
            a["name"] = "江门易办事" + evil
    for u in reg["units"]:
        if u["uscc"] == "12440700456000017U":
            u["name"] = "江门市中心医院" + evil
    path = tmp_path / "evil.json"
    path.write_text(json.dumps(reg, ensure_ascii=False), encoding="utf-8")
    ok(cli("import", path))
    ok(cli("ack", "app.platforms", "jm-app", "--owner", "<b>张伟</b>",
           "--due", "2026-01-01", "--note", "<i>note</i>"))
    out = tmp_path / "report.html"
    p = cli("check", "--format", "html", "--now", "2026-11-26", "--output",
            out)
    assert p.returncode == 1 and p.stdout == ""
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert page.rstrip().endswith("</html>")
    assert "<script" not in page and "<img" not in page
    assert "<b>" not in page and "<i>" not in page
    assert "&lt;script&gt;" in page
    assert "&lt;b&gt;张伟&lt;/b&gt;" in page
    parser = _Html()
    parser.feed(page)
    assert "script" not in parser.tags and "img" not in parser.tags
    text = "".join(parser.text)
    assert "江门易办事" + evil in text  # shown as text, intact
    # one row per finding and one per requirement of the catalogue
    full = check_json(cli)
    assert page.count("<tr class=") == (len(full["findings"]) +
                                        len(full["requirements"]))
    for q in full["requirements"]:
        assert f'<tr class="{q["verdict"]}"><td>{q["id"]}</td>' in page
    assert '<p class="verdict">verdict: failing</p>' in page
    assert "(overdue)" in page


def test_check_reports_by_unit_in_chinese(cli, tmp_path):
    """govsec check --lang zh: the text and HTML reports open with the
    summary, date and scope, group the findings by unit (name and credit
    code, most failures first, failures before undecided and passes) and
    give evidence and fixes in Chinese; the JSON report carries the same
    units in the same order."""
    ok(cli("import", DEMO))
    doc = check_json(cli)
    units = doc["units"]
    assert [u["fail"] for u in units] == sorted(
        (u["fail"] for u in units), reverse=True)
    assert doc["examination"]["date"] == "2026-11-26"
    p = cli("check", "--lang", "zh", "--all", "--now", "2026-11-26")
    assert p.returncode == 1
    t = p.stdout
    head = t.split("\n== ", 1)[0]
    assert "结论：不合规（failing）" in head
    assert "日期：2026-11-26" in head and "范围：全部单位" in head
    sections = re.findall(r"^== (.+?) \((\w{18})\)：不通过 (\d+) 项", t, re.M)
    assert [(n, c, int(f)) for n, c, f in sections] == [
        (u["name"], u["unit"], u["fail"]) for u in units]
    # each unit's failures first, then unknown, then passes
    for block in t.split("\n== ")[1:]:
        tags = re.findall(r"^(FAIL|UNKN|PASS|N/A ) ", block, re.M)
        rank = ["FAIL", "UNKN", "PASS", "N/A "]
        assert tags == sorted(tags, key=rank.index)
    assert "      日志留存 180 天，不足一年\n" in t
    assert "      整改：防火墙、主机、访问和数据库日志留存不少于365天\n" in t
    assert "logs are kept 180 days" not in t
    out = tmp_path / "report.html"
    p = cli("check", "--lang", "zh", "--format", "html", "--now",
            "2026-11-26", "--output", out)
    assert p.returncode == 1
    page = out.read_text(encoding="utf-8")
    assert page.index('<section class="summary"') < page.index(
        '<section class="unit"')
    assert re.findall(r'<section class="unit" data-unit="(\w+)"', page) == [
        u["unit"] for u in units]
    assert "<td>日志留存 180 天，不足一年</td>" in page
    assert "<td>防火墙、主机、访问和数据库日志留存不少于365天</td>" in page
    assert "less than a year" not in page


def test_check_json_is_one_document_with_summary(cli):
    ok(cli("import", DEMO))
    p = cli("check", "--format", "json", "--now", "2026-11-26")
    doc = json.loads(p.stdout)
    assert set(doc) == {"findings", "summary", "verdict", "requirements",
                        "examination", "units"}
    assert doc["verdict"] == doc["summary"]["verdict"] == "failing"
    assert p.returncode == 1
    assert sum(doc["summary"][k] for k in ("pass", "fail", "not_applicable",
                                           "unknown")) == len(doc["findings"])
    for f in doc["findings"]:
        assert set(f) >= {"rule", "requirement", "title", "title_zh",
                          "status", "object", "object_type", "unit",
                          "evidence", "fix"}


# --------------------------------------------------------------------------
# Attestations: a person's verdict, dated, expiring within a year


def test_attest_expires_and_is_revoked(cli):
    """LINK-1: govsec attest records a person's verdict for a year at most
    (default a year); it counts from its date until it expires or is
    revoked, then the requirement is undecided again; each change is
    audited; `attest list` shows them."""
    ok(cli("import", DEMO))
    on = {"GOVSEC_NOW": "2026-11-26T02:00:00Z"}
    args = ["LINK-1", "--object", "jm-portal", "--verdict", "pass",
            "--evidence", "外链均与职能相关", "--reviewer", "张伟"]
    p = ok(cli("attest", *args, "--expires", "2027-11-27", env=on), 2)
    assert p.stderr == ("govsec: expiry '2027-11-27' is not between today "
                        "(2026-11-26) and a year from today (2027-11-26)\n")
    ok(cli("attest", *args, "--expires", "2026-11-25", env=on), 2)
    ok(cli("attest", *args[:-2], env=on), 2)  # no reviewer
    p = ok(cli("attest", *args, env=on))
    assert p.stdout == ("attestation 1: LINK-1 of jm-portal attested pass by "
                        "张伟\n")
    p = ok(cli("attest", *args, "--expires", "2026-12-01", env=on))

    def link1(now):
        doc = check_json(cli, now=now)
        return [f for f in doc["findings"] if f["rule"] ==
                "observe.link-relevance" and f["object"] == "jm-portal"][0]

    f = link1("2026-11-30")  # the newest (2) holds
    assert (f["status"], f["judged_by"], f["expires"]) == (
        "pass", "attestation", "2026-12-01")
    assert f["evidence"].startswith("attested by 张伟 on 2026-11-26, "
                                    "expires 2026-12-01: 外链均与职能相关; ")
    assert link1("2026-12-02")["status"] == "unknown"  # expired
    assert link1("2026-11-25")["status"] == "unknown"  # not made yet
    # the text report shows it as an attestation
    t = cli("check", "--all", "--now", "2026-11-30").stdout
    assert "attested by 张伟 on 2026-11-26, expires 2026-12-01" in t
    listed = ok(cli("--format", "json", "attest", "list", "--object",
                    "jm-portal")).stdout.splitlines()
    assert [json.loads(x)["expires"] for x in listed] == ["2026-12-01",
                                                          "2027-11-26"]
    ok(cli("attest", "revoke", "2"))
    ok(cli("attest", "revoke", "2"), 2)
    ok(cli("attest", "revoke", "x"), 2)
    # the newest revoked, the older one (a year, the default) holds
    assert link1("2026-11-30")["expires"] == "2027-11-26"
    ok(cli("attest", "revoke", "1"))
    assert link1("2026-11-30")["status"] == "unknown"
    assert "(revoked)" in ok(cli("attest", "list")).stdout
    audit = [json.loads(x) for x in
             ok(cli("audit", "export")).stdout.splitlines()]
    assert [(a["action"], a["object"]) for a in audit
            if a["action"].startswith("attest.")] == [
        ("attest.add", "attestation:1"), ("attest.add", "attestation:2"),
        ("attest.revoke", "attestation:2"), ("attest.revoke", "attestation:1")]


# --------------------------------------------------------------------------
# Acknowledgements (SUP-1 rectification tracking)


def test_ack_past_due_shows_overdue_in_every_format(cli):
    """SUP-1: govsec ack RULE OBJECT --owner X --due PAST; check then shows
    the finding as acknowledged and overdue (text, JSON)."""
    ok(cli("import", DEMO))
    p = ok(cli("ack", "sec.log-retention", "jmyy-portal", "--owner", "王强",
               "--due", "2026-10-31", "--note", "扩容日志服务器"))
    assert p.stdout == ("acknowledged sec.log-retention on jmyy-portal: "
                        "owner 王强, due 2026-10-31\n")
    doc = check_json(cli)
    f = [f for f in doc["findings"] if f["rule"] == "sec.log-retention"
         and f["object"] == "jmyy-portal"][0]
    assert (f["status"], f["owner"], f["due"], f["overdue"], f["note"]) == (
        "fail", "王强", "2026-10-31", True, "扩容日志服务器")
    assert doc["summary"]["overdue"] == 1
    sup = [f for f in doc["findings"] if f["rule"] == "sup.rectified"
           and f["object"] == "jmyy-portal"][0]
    assert sup["status"] == "fail"
    t = cli("check", "--now", "2026-11-26").stdout
    assert "acknowledged: owner 王强, due 2026-10-31 (OVERDUE)" in t
    assert re.search(r"^summary: .* \(1 overdue\)$", t, re.M)
    # Before the due date it is acknowledged but not overdue.
    doc = check_json(cli, now="2026-10-30")
    f = [f for f in doc["findings"] if f["rule"] == "sec.log-retention"
         and f["object"] == "jmyy-portal"][0]
    assert f["overdue"] is False and doc["summary"]["overdue"] == 0
    # A new ack of the same finding replaces the old one.
    ok(cli("ack", "sec.log-retention", "jmyy-portal", "--owner", "张伟",
           "--due", "2027-03-31"))
    doc = check_json(cli)
    f = [f for f in doc["findings"] if f["rule"] == "sec.log-retention"
         and f["object"] == "jmyy-portal"][0]
    assert (f["owner"], f["due"], f["overdue"]) == ("张伟", "2027-03-31",
                                                    False)
    assert "note" not in f


@pytest.mark.parametrize("args,message", [
    (["no.such-rule", "jm-app", "--owner", "x", "--due", "2026-01-01"],
     "rule 'no.such-rule' does not exist"),
    (["auth.mfa", "jm-app", "--owner", "x", "--due", "2026-13-01"],
     "due date '2026-13-01' is not a date"),
    (["auth.mfa", "jm-app", "--owner", "x", "--due", "next week"],
     "is not a date"),
    (["auth.mfa", "jm-app", "--owner", "", "--due", "2026-01-01"], "owner"),
    (["auth.mfa", "jm-appp", "--owner", "x", "--due", "2026-01-01"],
     "'jm-appp'"),
    (["auth.mfa", "jm-app", "--due", "2026-01-01"], "usage"),
    (["auth.mfa", "--owner", "x", "--due", "2026-01-01"], "usage"),
])
def test_ack_refuses_bad_input(cli, args, message):
    """An ack names an existing rule, a registered object (a typo would
    acknowledge nothing and leave the real finding unowned), an owner and a
    real date; a refused ack changes nothing."""
    ok(cli("import", DEMO))
    n = len(ok(cli("audit", "export")).stdout.splitlines())
    p = ok(cli("ack", *args), 2)
    assert message in p.stderr
    assert len(ok(cli("audit", "export")).stdout.splitlines()) == n


# --------------------------------------------------------------------------
# Audit log (SEC-5, MLPS-3): every change appends a hash-chained record


def audit_records(cli):
    return [json.loads(line) for line in
            ok(cli("audit", "export")).stdout.splitlines()]


# (arguments, stdin, the action and object of the record it appends)
CHANGES = [
    (["import", DEMO], None, "registry.import", str(DEMO)),
    (["unit", "add", "--uscc", "12440700456000041C", "--name", "江门市博物馆",
      "--kind", "institution", "--level", "prefecture", "--region",
      "440700"], None, "unit.add", "unit:12440700456000041C"),
    (["unit", "add", "--uscc", "12440700456000041C", "--name", "江门市博物馆",
      "--kind", "institution", "--level", "prefecture", "--region",
      "440700", "--region_name", "江门市"], None, "unit.update",
     "unit:12440700456000041C"),
    (["app", "add", "--id", "bwg-portal", "--unit", "12440700456000041C",
      "--type", "portal", "--name", "江门市博物馆网站", "--security.mfa",
      "true"], None, "app.add", "app:bwg-portal"),
    (["outsourcer", "add", "--id", "os-new", "--name", "某公司", "--unit",
      "12440700456000041C"], None, "outsourcer.add", "outsourcer:os-new"),
    (["person", "add", "--id", "p-new", "--name", "李四", "--unit",
      "12440700456000041C", "--kind", "outsourced", "--outsourcer",
      "os-new"], None, "person.add", "person:p-new"),
    (["grant", "add", "--id", "g-new", "--person", "p-new", "--app",
      "bwg-portal", "--scope", "内容管理", "--privilege", "operate",
      "--expires", "2027-01-01"], None, "grant.add", "grant:g-new"),
    (["ack", "auth.mfa", "jm-app", "--owner", "张伟", "--due", "2026-12-31"],
     None, "finding.ack", "finding:auth.mfa@jm-app"),
    (["grant", "rm", "g-new"], None, "grant.rm", "grant:g-new"),
    (["person", "rm", "p-new"], None, "person.rm", "person:p-new"),
    (["app", "rm", "bwg-portal"], None, "app.rm", "app:bwg-portal"),
    (["user", "add", "auditor", "--role", "viewer"], "correct horse battery\n",
     "console.user.add", None),
    (["audit", "retention", "400"], None, "audit.retention", None),
]


def test_audit_every_change_appends_one_record(cli):
    """SEC-5/MLPS-3: each change appends exactly one record naming time,
    actor, action and object; reads and refused changes append none; the
    chain verifies after each step."""
    n = 0
    for args, stdin, action, obj in CHANGES:
        p = cli(*args, stdin=stdin)
        assert p.returncode == 0, f"{args}: {p.stderr}"
        recs = audit_records(cli)
        assert len(recs) == n + 1, f"{args} appended {len(recs) - n} records"
        n += 1
        r = recs[-1]
        assert r["seq"] == n
        assert r["action"] == action, args
        if obj is not None:
            assert r["object"] == obj, args
        assert r["actor"] == ACTOR, f"{action}: actor {r['actor']!r}"
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", r["at"])
        assert re.fullmatch(r"[0-9a-f]{64}", r["hash"])
        assert r["prev"] == (recs[-2]["hash"] if n > 1 else "0" * 64)
    v = ok(cli("audit", "verify"))
    assert v.stdout.startswith(f"audit chain OK: {n} records, head {n}:")
    # Reads and refused changes append nothing.
    for args in (["export"], ["check", "--now", "2026-11-26"],
                 ["unit", "list"], ["unit", "show", "11440700007250010K"],
                 ["audit", "verify"], ["audit", "head"], ["rules"],
                 ["unit", "rm", "11440700007250010K"],
                 ["unit", "add", "--uscc", "11440700007250010X"],
                 ["audit", "retention", "30"]):
        cli(*args)
        assert len(audit_records(cli)) == n, args


def test_audit_head_and_json_verify(cli):
    ok(cli("import", DEMO))
    ok(cli("unit", "rm", "12440700456000033H"), 2)  # still referenced
    head = ok(cli("audit", "head")).stdout.strip()
    assert re.fullmatch(r"1:[0-9a-f]{64}", head)
    v = json.loads(ok(cli("--format", "json", "audit", "verify")).stdout)
    assert v == {"ok": True, "checked": 1, "head_seq": 1,
                 "head": head.split(":")[1], "keyed": 1, "plain": 0,
                 "heads": 1, "heads_seq": 1,
                 "heads_file": str(cli.db) + ".heads"}


def build_log(cli, n=6):
    """A store with n audit records: one import, then unit updates."""
    ok(cli("import", DEMO))
    for i in range(n - 1):
        ok(cli("unit", "add", "--uscc", "12440700456000033H", "--name",
               "江门市图书馆", "--kind", "institution", "--level",
               "prefecture", "--region", "440700", "--region_name",
               f"江门市{i}"))
    ok(cli("audit", "verify"))
    return n


def tamper(db, *sql):
    con = sqlite3.connect(db)
    with con:
        for s in sql:
            con.execute(*s) if isinstance(s, tuple) else con.execute(s)
    con.close()


def verify_broken(cli, seq):
    p = cli("audit", "verify")
    assert p.returncode == 1, p.stdout + p.stderr
    assert p.stdout.startswith(f"audit chain BROKEN at record {seq}: "), \
        p.stdout
    v = json.loads(cli("--format", "json", "audit", "verify").stdout)
    assert v["ok"] is False and v["bad_seq"] == seq
    return p.stdout


def test_audit_tamper_edit_actor(cli):
    """Editing a record's actor behind govsec's back breaks the chain at
    that record."""
    build_log(cli)
    tamper(cli.db, "UPDATE audit SET actor = 'cli:somebody-else' "
           "WHERE seq = 3")
    out = verify_broken(cli, 3)
    assert "record 3" in out


@pytest.mark.parametrize("column,value", [
    ("at", "2020-01-01T00:00:00Z"), ("action", "unit.rm"),
    ("object", "unit:11440700007250010K"), ("before", None),
    ("after", "0" * 64)])
def test_audit_tamper_edit_any_field(cli, column, value):
    build_log(cli)
    tamper(cli.db, (f"UPDATE audit SET {column} = ? WHERE seq = 4",
                    (value,)))
    verify_broken(cli, 4)


def test_audit_tamper_delete_middle_record(cli):
    """Deleting a middle record is found: the report names the missing
    record."""
    build_log(cli)
    tamper(cli.db, "DELETE FROM audit WHERE seq = 3")
    p = cli("audit", "verify")
    assert p.returncode == 1
    assert re.match(r"audit chain BROKEN at record [34]: ", p.stdout)
    assert "record 3 is missing" in p.stdout


def test_audit_tamper_swap_two_records(cli):
    """Swapping the contents of two records (sequence numbers kept) breaks
    the chain at the first of them."""
    build_log(cli)
    cols = "at, actor, action, object, before, after, prev, hash"
    con = sqlite3.connect(cli.db)
    r2 = con.execute(f"SELECT {cols} FROM audit WHERE seq = 2").fetchone()
    r5 = con.execute(f"SELECT {cols} FROM audit WHERE seq = 5").fetchone()
    sets = ", ".join(f"{c.strip()} = ?" for c in cols.split(","))
    with con:
        con.execute(f"UPDATE audit SET {sets} WHERE seq = 2", r5)
        con.execute(f"UPDATE audit SET {sets} WHERE seq = 5", r2)
    con.close()
    verify_broken(cli, 2)


def test_audit_tamper_renumber_records(cli):
    """Swapping two records' sequence numbers (the rows move) is found at
    the first record out of place."""
    build_log(cli)
    tamper(cli.db, "UPDATE audit SET seq = 100 WHERE seq = 2",
           "UPDATE audit SET seq = 2 WHERE seq = 3",
           "UPDATE audit SET seq = 3 WHERE seq = 100")
    verify_broken(cli, 2)


def test_audit_tamper_cut_tail_found_with_anchor(cli):
    """Removing the newest records leaves a valid shorter chain; the heads
    file finds the cut without anyone saving a head, and so does the
    anchor printed by 'audit head' before."""
    n = build_log(cli)
    head = ok(cli("audit", "head")).stdout.strip()
    assert head.startswith(f"{n}:")
    ok(cli("audit", "verify", "--anchor", head))
    tamper(cli.db, f"DELETE FROM audit WHERE seq >= {n - 1}")
    p = ok(cli("audit", "verify"), 1)
    assert (f"the chain ends at record {n - 2} but a head at record {n} "
            "was written at") in p.stdout
    p = ok(cli("audit", "verify", "--anchor", head), 1)
    assert f"record {n}" in p.stdout
    ok(cli("audit", "verify", "--anchor", "12:xyz"), 2)


def test_audit_tamper_cut_front_with_forged_anchor(cli):
    """Cutting the oldest records and forging the prune anchor in the
    settings (outside the chain) is found: no prune record in the chain
    accounts for the new start."""
    build_log(cli)
    con = sqlite3.connect(cli.db)
    h1 = con.execute("SELECT hash FROM audit WHERE seq = 1").fetchone()[0]
    con.close()
    tamper(cli.db, "DELETE FROM audit WHERE seq = 1",
           "INSERT INTO settings(key, value) VALUES ('audit.anchor_seq', '1')",
           ("INSERT INTO settings(key, value) VALUES ('audit.anchor_hash', ?)",
            (h1,)))
    out = verify_broken(cli, 2)
    assert "no prune record" in out
    p = ok(cli("audit", "head"), 1)
    assert "broken" in p.stderr


def test_fake_clock_does_not_move_the_audit(cli):
    """GOVSEC_NOW (for evaluating as of a date) moves neither the times of
    audit records nor the retention cutoff: with it set to 2100, records
    carry the real time and a prune removes nothing (docs/audit.md). That
    a record dated in the future breaks verification is a unit test
    (test_audit.c)."""
    n = build_log(cli)
    far = {"GOVSEC_NOW": "2100-01-01T00:00:00Z"}
    t0 = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    ok(cli("audit", "retention", "400", env=far))
    p = ok(cli("audit", "prune", env=far))
    assert p.stdout.startswith("pruned 0 records"), p.stdout
    t1 = datetime.datetime.now(datetime.timezone.utc)
    ok(cli("audit", "verify"))
    rows = [json.loads(l) for l in
            ok(cli("audit", "export")).stdout.splitlines()]
    assert len(rows) == n + 1
    for r in rows:
        at = datetime.datetime.fromisoformat(r["at"].replace("Z", "+00:00"))
        assert at <= t1, r
    last = rows[-1]
    assert last["action"] == "audit.retention"
    assert t0 <= datetime.datetime.fromisoformat(
        last["at"].replace("Z", "+00:00")) <= t1


def test_audit_retention_below_a_year_needs_force(cli):
    """SEC-5: retention below 365 days is refused without --force; with it,
    it is set and a loud warning names SEC-5."""
    p = ok(cli("audit", "retention"))
    assert p.stdout == "365 days\n"
    p = ok(cli("audit", "retention", "364"), 2)
    assert "365" in p.stderr and "--force" in p.stderr
    assert ok(cli("audit", "retention")).stdout == "365 days\n"
    p = ok(cli("audit", "retention", "30", "--force"))
    assert "WARNING" in p.stderr and "SEC-5" in p.stderr and "30" in p.stderr
    assert p.stdout == "audit retention: 30 days\n"
    assert ok(cli("audit", "retention")).stdout == "30 days\n"
    p = ok(cli("audit", "retention", "730"))
    assert p.stderr == ""
    assert ok(cli("audit", "retention")).stdout == "730 days\n"
    for bad in ("0", "-5", "36501", "abc"):
        ok(cli("audit", "retention", bad), 2)
    ok(cli("audit", "verify"))


def test_audit_prune_keeps_chain_verifiable(cli):
    """Pruning within retention removes nothing and the chain still
    verifies."""
    build_log(cli, 3)
    p = ok(cli("audit", "prune"))
    assert p.stdout.startswith("pruned 0 records")
    ok(cli("audit", "verify"))


# --------------------------------------------------------------------------
# Misc process behaviour


def test_help_and_unknown_command():
    p = ok(run_cli(["--help"]))
    for verb in ("import", "export", "unit", "app", "person", "grant",
                 "uscc", "domain", "name", "check", "ack", "rules", "audit"):
        assert re.search(rf"^  {verb}\s", p.stdout, re.M), verb
    p = ok(run_cli(["frobnicate"]), 2)
    assert "'frobnicate' is not a govsec command" in p.stderr
    ok(run_cli([]), 2)
    ok(run_cli(["--bogus", "rules"]), 2)


def _strip_roff(line):
    """The words of a roff line: no macro, fonts, escapes or quotes."""
    line = re.sub(r"^\.[A-Z]+\s*", "", line)
    line = re.sub(r"\\f[BIRP]", "", line).replace("\\-", "-")
    return line.replace('"', " ")


def _man_commands():
    """(command, subcommand or None) pairs the COMMANDS part of govsec.1
    documents: the first words of every .TP heading there ('unit | app'
    alternatives split, each ', '-separated form its own; a form that does
    not start with the command, as in 'show KEY, rm KEY', is another
    subcommand of it)."""
    man = (SRC / "docs" / "man" / "govsec.1").read_text(encoding="utf-8")
    part = man.split("\n.SH COMMANDS\n", 1)[1].split("\n.SH ", 1)[0]
    lines = part.split("\n")
    forms = set()
    for i, line in enumerate(lines[:-1]):
        if line != ".TP":
            continue
        head = _strip_roff(lines[i + 1])
        names = []
        for piece in head.split(","):
            words = piece.split()
            if not words:
                continue
            if names and words[0] not in names:
                rest = words  # ", rm KEY": another form of the same names
            else:
                names, rest = [words[0]], words[1:]
            while len(rest) >= 2 and rest[0] == "|":
                names.append(rest[1])
                rest = rest[2:]
            sub = rest[0] if rest and re.fullmatch(r"[a-z][a-z-]*",
                                                   rest[0]) else None
            for n in names:
                if re.fullmatch(r"[a-z][a-z-]*", n):
                    forms.add((n, sub))
    return forms


def _dispatcher_commands():
    """The commands 'govsec --help' lists (the dispatcher's table)."""
    out = ok(run_cli(["--help"])).stdout
    return set(re.findall(r"^  ([a-z][a-z-]*)\s", out, re.M))


def test_man_page_and_dispatcher_list_the_same_commands():
    """govsec.1 documents every command the dispatcher knows, and nothing
    else (inspect, links and leave-link were missing)."""
    man = {c for c, _ in _man_commands()}
    known = _dispatcher_commands()
    assert known, "govsec --help lists no command"
    assert man == known, (f"only in govsec.1: {sorted(man - known)}; "
                          f"only in govsec: {sorted(known - man)}")


def test_help_of_every_command_and_subcommand_exits_0():
    """'govsec CMD [SUB] --help' and '-h' print the usage on stdout and exit
    0 for every command of the dispatcher and every form govsec.1 shows;
    without a store (help opens nothing)."""
    forms = _man_commands() | {(c, None) for c in _dispatcher_commands()}
    assert len(forms) > 30
    for cmd, sub in sorted(forms, key=lambda f: (f[0], f[1] or "")):
        argv = [cmd] + ([sub] if sub else [])
        for flag in ("--help", "-h"):
            p = run_cli(argv + [flag], db="/nonexistent/dir/x.db")
            assert p.returncode == 0, (argv, flag, p.returncode, p.stderr)
            assert p.stdout.startswith(f"usage: govsec {cmd}"), (argv,
                                                                  p.stdout)
            assert p.stderr == "", (argv, p.stderr)
    # wrong usage stays exit 2 with the message on stderr
    p = ok(run_cli(["check", "--bogus"]), 2)
    assert p.stdout == "" and "unknown option '--bogus'" in p.stderr
    # "app add --help" still lists the fields
    assert "--mlps_level" in ok(run_cli(["app", "add", "--help"])).stdout


def test_govsecd_help():
    """govsecd -h prints its usage on stdout and exits 0; a wrong option is
    a usage error on stderr, exit 2."""
    p = subprocess.run([str(GOVSECD), "-h"], capture_output=True, text=True,
                       timeout=30)
    assert p.returncode == 0 and p.stdout.startswith("usage: govsecd "), p
    assert p.stderr == ""
    p = subprocess.run([str(GOVSECD), "-x"], capture_output=True, text=True,
                       timeout=30)
    assert p.returncode == 2 and "usage: govsecd " in p.stderr, p
    assert p.stdout == ""


def test_store_in_unwritable_place_is_an_error(tmp_path):
    p = run_cli(["export"], db=tmp_path / "no" / "such" / "dir" / "x.db")
    assert p.returncode == 2 and p.stderr.startswith("govsec: ")


def test_corrupt_store_is_an_error(tmp_path):
    db = tmp_path / "junk.db"
    db.write_bytes(b"this is not a database\n" * 100)
    p = run_cli(["check"], db=db)
    assert p.returncode == 2 and p.stderr.startswith("govsec: ")
    assert "Traceback" not in p.stderr


def test_copy_of_store_is_independent(cli, tmp_path):
    """A store copied while closed is a complete store (WAL checkpointed on
    close): the copy verifies and exports the same registry."""
    ok(cli("import", DEMO))
    copy = tmp_path / "copy.db"
    shutil.copy(cli.db, copy)
    # the keyed audit chain needs the store's key file (docs/audit.md)
    p = ok(run_cli(["audit", "verify"], db=copy), 2)
    assert "key file is needed" in p.stderr
    assert not os.path.exists(str(copy) + ".key")
    shutil.copy(str(cli.db) + ".key", str(copy) + ".key")
    assert ok(run_cli(["export"], db=copy)).stdout == \
        ok(cli("export")).stdout
    ok(run_cli(["audit", "verify"], db=copy))


@pytest.mark.parametrize("char,pad", [("a", 0), ("中", 0), ("中", 1),
                                      ("中", 2)])
def test_import_huge_string_is_too_long_whatever_the_script(cli, tmp_path,
                                                            char, pad):
    """A 10 MB string gets the record-size message, in ASCII as in Chinese
    wherever the cut at REG_RECORD_MAX falls (pad shifts it through the
    three bytes of a character): the cut never splits a UTF-8 sequence,
    which jansson reported as 'unable to decode byte 0xe4'."""
    n = 10 * 1024 * 1024 // len(char.encode())
    doc = tmp_path / "big.json"
    doc.write_text(
        '{\n "units": [\n  {"uscc": "11440703000000011T", "name": "'
        + "x" * pad + char * n + '", "kind": "administrative", "level": "county", '
        '"region": "440703"}\n ]\n}\n', encoding="utf-8")
    p = ok(cli("import", doc), 2)
    assert p.stderr == (f"govsec: {doc}:3:3: $.units[0]: record larger than "
                        "262144 bytes (nothing imported)\n"), p.stderr


def test_import_syntax_error_names_line_and_column(cli, tmp_path):
    """A JSON syntax error inside a record names its line and its column in
    characters (Chinese text before it counts one per character)."""
    doc = tmp_path / "syntax.json"
    doc.write_text('{\n "units": [\n  {"name": "江门", "kind" "x"}\n ]\n}\n',
                   encoding="utf-8")
    p = ok(cli("import", doc), 2)
    assert re.match(rf"govsec: {re.escape(str(doc))}:3:2[0-9]: \$\.units\[0\]: ",
                    p.stderr), p.stderr
