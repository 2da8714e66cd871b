"""Docs that are generated must match what the programs say."""
import json
import os
import re
import subprocess

SRC = os.environ.get("GOVSEC_SRC", os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("GOVSEC_BUILD", os.path.join(SRC, "build"))


def test_registry_schema_is_current():
    out = subprocess.run([os.path.join(BUILD, "govsec"), "schema"],
                         check=True, capture_output=True).stdout
    with open(os.path.join(SRC, "docs", "registry.schema.json"), "rb") as f:
        assert f.read() == out, "regenerate with: build/govsec schema > docs/registry.schema.json"


def test_every_rule_is_in_the_traceability_matrix():
    out = subprocess.run([os.path.join(BUILD, "govsec"), "rules"],
                         check=True, capture_output=True, text=True).stdout
    with open(os.path.join(SRC, "docs", "requirements.md"), encoding="utf-8") as f:
        matrix = f.read()
    missing = [line.split()[0] for line in out.splitlines()
               if line.split() and "`%s`" % line.split()[0] not in matrix]
    assert missing == []


def catalogue_ids(matrix):
    """The requirement IDs of the traceability matrix, in order ("CF-1..3"
    expanded)."""
    ids = []
    for line in matrix.splitlines():
        m = re.match(r"\| ([A-Z]+)-(\d+)(?:\.\.(\d+))? \|", line)
        if m:
            last = int(m.group(3) or m.group(2))
            ids += ["%s-%d" % (m.group(1), n)
                    for n in range(int(m.group(2)), last + 1)]
    return ids


def test_every_requirement_is_in_every_report(tmp_path):
    """Every requirement ID of the catalogue is listed, in its order, with
    how it was judged, by the JSON, SARIF, text and HTML reports; a
    registry where nothing was observed is incomplete (exit 3), never
    compliant."""
    with open(os.path.join(SRC, "docs", "requirements.md"), encoding="utf-8") as f:
        ids = catalogue_ids(f.read())
    assert len(ids) == 49
    env = dict(os.environ, GOVSEC_DB=str(tmp_path / "s.db"))
    run = [os.path.join(BUILD, "govsec"), "check", "--now", "2026-11-26"]
    p = subprocess.run(run + ["--format", "json"], capture_output=True,
                       text=True, env=env)
    assert p.returncode == 3, p.stderr
    doc = json.loads(p.stdout)
    assert doc["verdict"] == "incomplete"
    assert [q["id"] for q in doc["requirements"]] == ids
    for q in doc["requirements"]:
        assert q["judged_by"] in ("rule", "observation", "attestation", "none")
        assert q["verdict"] in ("pass", "fail", "not_applicable", "unknown",
                                "not_judged")
    assert {q["id"] for q in doc["requirements"]
            if q["verdict"] == "not_judged"} >= {"CONTENT-1", "SEC-6", "MAIL-3"}
    p = subprocess.run(run + ["--format", "sarif"], capture_output=True,
                       text=True, env=env)
    props = json.loads(p.stdout)["runs"][0]["properties"]
    assert [q["id"] for q in props["requirements"]] == ids
    assert props["verdict"] == "incomplete"
    p = subprocess.run(run, capture_output=True, text=True, env=env)
    assert p.returncode == 3
    listed = re.findall(r"^  (\S+) +(\S+) +(.+)$", p.stdout, re.M)
    assert [i for i, _, _ in listed] == ids
    assert ("CONTENT-1", "not_judged") in {(i, v) for i, v, _ in listed}
    assert "verdict: incomplete" in p.stdout
    p = subprocess.run(run + ["--format", "html"], capture_output=True,
                       text=True, env=env)
    for i in ids:
        assert "<td>%s</td>" % i in p.stdout
