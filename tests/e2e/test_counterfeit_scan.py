"""govsec counterfeit scan end to end (issue 12): dnstwist's own
permutations of the demo registry's domains used as a feed, every one
flagged; the Chinese cases; genuine registry names never flagged; apps
signed by another certificate and accounts on a platform the unit did not
register; "new since the last scan"; bad feeds refused with file:line and
nothing written; govsecd scanning each new file of its feed directory
once. dnstwist (Debian package 'dnstwist') runs offline: its generator
only, no DNS."""
import json
import sqlite3
import sys

import pytest

from conftest import (SRC, GOVSECD, cli_env, free_port, require, stop,
                      wait_until)

sys.path.insert(0, "/usr/lib/python3/dist-packages")

TLDS = "/usr/share/dnstwist/dictionaries/common_tlds.dict"
CERT_A = "aa11" * 16
CERT_B = "bb22" * 16


@pytest.fixture
def demo(cli):
    assert cli("init").returncode == 0
    r = cli("import", SRC / "data" / "demo.json")
    assert r.returncode == 0, r.stderr
    return cli


def scan(cli, tmp_path, lines, *opts, name="feed.txt"):
    feed = tmp_path / name
    feed.write_text("".join(line + "\n" for line in lines))
    r = cli("--format", "json", "counterfeit", "scan", *opts, feed)
    assert r.returncode in (0, 1), r.stderr
    return r.returncode, json.loads(r.stdout)[0]


def protected_domains(cli):
    r = cli("--format", "json", "counterfeit", "protect", "list", "--what",
            "domain")
    assert r.returncode == 0, r.stderr
    return [p["text"] for p in json.loads(r.stdout)]


def test_every_dnstwist_permutation_flagged(demo, tmp_path):
    require("dnstwist", "dnstwist")
    import dnstwist
    ascii_domains = [d for d in protected_domains(demo) if d.isascii()]
    assert "jiangmen.gov.cn" in ascii_domains
    tlds = [t.strip() for t in open(TLDS) if t.strip()]
    perms = {}
    for d in ascii_domains:
        f = dnstwist.Fuzzer(d, tld_dictionary=tlds)
        # every fuzzer class but "dictionary", which needs a word list
        f.generate(fuzzers=[
            "addition", "bitsquatting", "cyrillic", "homoglyph",
            "hyphenation", "insertion", "omission", "repetition",
            "replacement", "subdomain", "transposition", "vowel-swap",
            "tld-swap", "various"])
        for p in f.domains:
            perms.setdefault(p["domain"], p["fuzzer"])
    assert len(perms) > 10000
    classes = set(perms.values())
    assert {"homoglyph", "bitsquatting", "tld-swap", "various",
            "subdomain", "cyrillic"} <= classes
    rc, out = scan(demo, tmp_path, sorted(perms), "--all")
    assert rc == 1
    flagged = {h["candidate"] for h in out["report"]}
    missed = {d: c for d, c in perms.items()
              if d not in flagged and d not in ascii_domains}
    assert not missed, f"{len(missed)} not flagged: {list(missed.items())[:20]}"
    # the registry's own domains are among dnstwist's output (*original)
    # and are not flagged
    assert not flagged & set(ascii_domains)


def test_chinese_cases(demo, tmp_path):
    cases = {
        "xn--gmq658ainal6so7iknaq19u.com": "idn-name",  # 江門市人民政府
        "江门市入民政府.com": "idn-name",    # 入 for 人
        "江门市人民政付.com": "idn-near",    # one character off
        "ｊｉａｎｇｍｅｎ.com": "tld-swap",  # full-width letters
        "jiangmen-gov.cn": "gov-suffix",
        "jiangmenzf.com": "gov-suffix",
        "jiangmen.gov.cn.x.top": "gov-suffix",
        "gov.cn.login.example.top": "gov-suffix",
        "taishanzf.cn": "region-gov",       # 台山 + 政府
        "jmzw.cn": "region-gov",            # 江门 initials + 政务
        "zwtaishan.com": "region-gov",
    }
    rc, out = scan(demo, tmp_path, list(cases))
    assert rc == 1
    best = {}
    for h in out["report"]:
        best.setdefault(h["candidate"], h)
    got = {}
    for cand, cls in cases.items():
        r = demo("domain", cand)
        alabel = r.stdout.split("A-label ")[1].split(",")[0]
        assert alabel in best, f"{cand} not flagged"
        got[cand] = best[alabel]["class"]
        assert best[alabel]["reason"]
        assert 0 < best[alabel]["score"] <= 100
    assert got == cases
    assert best["jmzw.cn"]["protected"] == "江门市"
    assert best["taishanzf.cn"]["protected"] == "台山市"
    assert best["jiangmen-gov.cn"]["unit"] == "11440700007250010K"


def test_genuine_never_flagged(demo, tmp_path):
    reg = json.loads((SRC / "data" / "demo.json").read_text())
    names = [d["name"] for a in reg["applications"]
             for d in a.get("domains", [])]
    # other spellings of the same (a list repeats no name twice in a row)
    names += [n.upper() + "." for n in names]
    names += ["jiangmen.gov.cn", "mail.jiangmen.gov.cn", "example.com",
              "baidu.com", "www.gov.cn", "guangzhou.gov.cn"]
    rc, out = scan(demo, tmp_path, names, "--all")
    assert (rc, out["hits"], out["report"]) == (0, 0, [])
    assert out["candidates"] == len(names)


def test_apps_and_accounts(demo, tmp_path):
    r = demo("counterfeit", "protect", "add-app", "jm-app", "--package",
             "cn.gov.jiangmen.ybs", "--cert", CERT_A)
    assert r.returncode == 0, r.stderr
    r = demo("counterfeit", "protect", "add-app", "nope", "--package", "a.b",
             "--cert", CERT_A)
    assert r.returncode == 2 and "not registered" in r.stderr
    r = demo("counterfeit", "protect", "add-app", "jm-app", "--package",
             "a.b", "--cert", "xyz")
    assert r.returncode == 2 and "SHA-256" in r.stderr
    apps = [
        {"name": "江门易办事", "package": "cn.gov.jiangmen.ybs",
         "developer": "江门市人民政府", "cert_sha256": CERT_A.upper(),
         "store": "应用宝"},
        {"name": "江门易办事", "package": "cn.gov.jiangmen.ybs",
         "developer": "x", "cert_sha256": CERT_B, "store": "快快下载站"},
        {"name": "江門易辦事", "package": "com.fake.ybs", "developer": "x",
         "cert_sha256": CERT_B, "store": "s"},
        {"name": "天气", "package": "com.weather", "developer": "天气公司",
         "cert_sha256": CERT_B, "store": "s"},
    ]
    rc, out = scan(demo, tmp_path, [json.dumps(a, ensure_ascii=False)
                                    for a in apps], "--kind", "app",
                   name="apps.jsonl")
    got = {(h["candidate"], h["class"]) for h in out["report"]}
    assert ("cn.gov.jiangmen.ybs", "app-cert") in got
    assert ("com.fake.ybs", "app-name") in got
    assert not any(c == "com.weather" for c, _ in got)
    accounts = [
        {"platform": "微信公众平台", "name": "江门发布", "owner": "江门市"},
        {"platform": "微博", "name": "江门发布", "owner": "someone"},
        {"platform": "抖音", "name": "台山市人民政府", "owner": "x"},
        {"platform": "抖音", "name": "江门美食", "owner": "x"},
    ]
    rc, out = scan(demo, tmp_path, [json.dumps(a, ensure_ascii=False)
                                    for a in accounts], name="acc.jsonl")
    got = {}
    for h in out["report"]:  # best first
        got.setdefault(h["candidate"], h)
    assert set(got) == {"微博:江门发布", "抖音:台山市人民政府"}
    assert "微信公众平台" in got["微博:江门发布"]["reason"]
    assert got["抖音:台山市人民政府"]["unit"] == "11440781007251013E"


def test_ct_and_zone_feeds(demo, tmp_path):
    ct = [json.dumps({"message_type": "heartbeat"}),
          json.dumps({"message_type": "certificate_update",
                      "data": {"leaf_cert": {"all_domains": [
                          "*.jiangmen-gov.top", "ok.example.com"]}}})]
    rc, out = scan(demo, tmp_path, ct, name="ct.jsonl")
    assert rc == 1 and out["candidates"] == 2
    assert {h["candidate"] for h in out["report"]} == {"jiangmen-gov.top"}
    zone = ["$ORIGIN top.", "$TTL 3600", "jiangmem IN NS ns1.x.",
            "jiangmem IN NS ns2.x.", "fine IN NS ns1.x."]
    rc, out = scan(demo, tmp_path, zone, "--kind", "domain",
                   name="top.zone")
    assert out["candidates"] == 2
    assert {h["candidate"] for h in out["report"]} == {"jiangmem.top"}


def test_only_new_hits_reported(demo, tmp_path):
    rc, out = scan(demo, tmp_path, ["jiangmem.gov.cn", "example.com"])
    assert (rc, out["new"], len(out["report"])) == (1, 1, 1)
    rc, out = scan(demo, tmp_path, ["jiangmem.gov.cn", "example.com"])
    assert (rc, out["hits"], out["new"], out["report"]) == (0, 1, 0, [])
    rc, out = scan(demo, tmp_path, ["jiangmem.gov.cn", "jaingmen.gov.cn"])
    assert rc == 1
    assert [h["candidate"] for h in out["report"]] == ["jaingmen.gov.cn"]
    with sqlite3.connect(demo.db) as con:
        rows = con.execute("SELECT candidate, first_seen <= last_seen, "
                           "scan IS NOT NULL, case_id FROM cf_hits ORDER "
                           "BY candidate").fetchall()
        scans = con.execute("SELECT COUNT(*) FROM cf_scans WHERE finished "
                            "IS NOT NULL AND error IS NULL").fetchone()[0]
    assert rows == [("jaingmen.gov.cn", 1, 1, None),
                    ("jiangmem.gov.cn", 1, 1, None)]
    assert scans == 3


def test_bad_feed_refused(demo, tmp_path):
    feed = tmp_path / "apps.jsonl"
    feed.write_text('{"name": "江门易办事", "package": "a"}\n'
                    '{"name": 5}\n')
    r = demo("counterfeit", "scan", "--kind", "app", feed)
    assert r.returncode == 2
    assert f"{feed}:2: \"name\" is not a string" in r.stderr
    with sqlite3.connect(demo.db) as con:
        assert con.execute("SELECT COUNT(*) FROM cf_hits").fetchone() == (0,)
        err = con.execute("SELECT error FROM cf_scans").fetchall()
    assert err == [(f"{feed}:2: \"name\" is not a string",)]
    r = demo("counterfeit", "scan", "--kind", "dns", feed)
    assert r.returncode == 2 and "unknown feed kind" in r.stderr
    r = demo("counterfeit", "scan", tmp_path / "missing")
    assert r.returncode == 2 and "cannot open feed" in r.stderr


def test_govsecd_scans_new_feed_files_once(demo, tmp_path):
    import subprocess
    feeds = tmp_path / "feeds"
    feeds.mkdir()
    conf = tmp_path / "govsec.conf"
    conf.write_text(f"[console]\nlisten = 127.0.0.1:{free_port()}\n"
                    f"[counterfeit]\nfeed_dir = {feeds}\ninterval = 1\n")
    (feeds / "a.txt").write_text("jiangmem.gov.cn\nexample.com\n")
    (feeds / "b.txt.part").write_text("jaingmen.gov.cn\n")
    log = tmp_path / "govsecd.log"

    def scans():
        try:
            with sqlite3.connect(demo.db) as con:
                return con.execute("SELECT feed, candidates, hits FROM "
                                   "cf_scans ORDER BY started, feed"
                                   ).fetchall()
        except sqlite3.OperationalError:
            return []

    with open(log, "w") as out:
        p = subprocess.Popen([str(GOVSECD), "-f", "-c", str(conf), "-d",
                              str(demo.db)], stdout=out,
                             stderr=subprocess.STDOUT, env=cli_env())
    try:
        wait_until(lambda: scans(), 20,
                   lambda: "a scan; log: " + log.read_text())
        assert scans() == [(str(feeds / "a.txt"), 2, 1)]
        (feeds / "c.txt").write_text("jiangmen-gov.top\n")
        wait_until(lambda: len(scans()) == 2, 20,
                   lambda: "the second file; log: " + log.read_text())
        # later rounds scan only what is new: a and c stay scanned once
        (feeds / "d.txt").write_text("example.org\n")
        wait_until(lambda: len(scans()) == 3, 20,
                   lambda: "the third file; log: " + log.read_text())
        assert [f for f, _, _ in scans()] == [
            str(feeds / "a.txt"), str(feeds / "c.txt"), str(feeds / "d.txt")]
        assert log.read_text().count("counterfeit: scanned") == 3
    finally:
        stop(p)
    assert scans()[1] == (str(feeds / "c.txt"), 1, 2)  # domain, region
