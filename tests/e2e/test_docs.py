"""Docs that are generated must match what the programs say."""
import os
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
