"""What `make run` starts (scripts/run-demo.sh), in a scratch copy of the
scripts and data: the demo store, the console with its printed login and
a finished inspection of the demo portal (served on loopback while the
store is made), the gate portal with its printed demo user, who is asked
to set up a second factor at the first login, and the e-certificate tour
of README.md ("<!-- demo tour -->"), run line by line exactly as written
(the port aside) against the demo store and its public listener: a unit's
certificate, an approved name, a logo, its public page, and its
inclusion in the log, checked here against the signed head by an
independent RFC 6962 computation. govsecd is stopped at the end. Stdlib
and pytest only."""

import base64
import hashlib
import http.client
import json
import os
import re
import shutil
import subprocess
import time
import urllib.parse

from conftest import BUILD, SRC, cli_env, free_port, stop, wait_until


def readme_tour():
    """The command lines of README.md's demo tour, comments removed."""
    text = (SRC / "README.md").read_text()
    block = text.split("<!-- demo tour -->", 1)[1]
    block = block.split("```sh\n", 1)[1].split("```", 1)[0]
    return [re.sub(r"\s+#.*$", "", line).strip()
            for line in block.splitlines() if line.strip()]


def sm3(data):
    return hashlib.new("sm3", data).digest()


def root_from_path(m, n, leaf, path):
    """RFC 6962 2.1.1 by recursion over PATH(m, D[n]), innermost first."""
    def walk(m, lo, hi, path):
        if hi - lo == 1:
            return leaf, path
        k = 1
        while k * 2 < hi - lo:
            k *= 2
        if m < lo + k:
            h, rest = walk(m, lo, lo + k, path)
            return sm3(b"\x01" + h + rest[0]), rest[1:]
        h, rest = walk(m, lo + k, hi, path)
        return sm3(b"\x01" + rest[0] + h), rest[1:]
    root, rest = walk(m, 0, n, list(path))
    assert rest == []
    return root


def test_make_run_demo(tmp_path):
    for part in ("scripts", "data"):
        shutil.copytree(SRC / part, tmp_path / part)
    cport, gport, pport = free_port(), free_port(), free_port()
    env = cli_env({"GOVSEC_PORT": str(cport),
                   "GOVSEC_GATE_PORT": str(gport),
                   "GOVSEC_PUBLIC_PORT": str(pport)})
    p = subprocess.Popen(["sh", "scripts/run-demo.sh", str(BUILD)],
                         cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    out = ""
    try:
        while "stop with Ctrl-C" not in out:
            line = p.stdout.readline()
            assert line, "run-demo.sh ended:\n" + out
            out += line
        admin = re.search(r"log in as: +admin / (\S+)", out).group(1)
        demo = re.search(r"gate user: +demo / (\S+)", out).group(1)
        assert f"http://localhost:{cport}/" in out
        assert f"http://localhost:{gport}/govsec/login" in out
        for _ in range(100):
            try:
                c = http.client.HTTPConnection("127.0.0.1", cport, timeout=5)
                c.request("POST", "/api/login", body=json.dumps(
                    {"name": "admin", "password": admin}),
                    headers={"Content-Type": "application/json"})
                r = c.getresponse()
                r.read()
                c.close()
                break
            except OSError:
                time.sleep(0.1)
        assert r.status == 200
        cookie = re.match(r"govsec_session=[0-9a-f]{64}",
                          r.headers.get("Set-Cookie", "")).group(0)

        def get(path):
            c = http.client.HTTPConnection("127.0.0.1", cport, timeout=30)
            c.request("GET", path, headers={"Cookie": cookie})
            r = c.getresponse()
            body = json.loads(r.read())
            c.close()
            assert r.status == 200, (path, body)
            return body

        # the public listener: the complaint form, the takedown outputs
        assert f"http://localhost:{pport}/complaint" in out
        c = http.client.HTTPConnection("127.0.0.1", pport, timeout=30)
        c.request("GET", "/complaint")
        r = c.getresponse()
        assert r.status == 200 and "举报" in r.read().decode()
        c.close()
        wait_until((tmp_path / "run" / "takedown" / "govsec.rpz").exists,
                   15, "govsecd to write the takedown outputs")
        counterfeit(tmp_path, out, pport)
        # the Inspections pages have a finished run of the demo portal
        sites = get("/api/inspections")["sites"]
        assert [s["host"] for s in sites] == ["www.jiangmen.gov.cn"], sites
        site = sites[0]
        assert site["finished"] and site["pages"] == 6, site
        assert site["broken"] == 1 and site["unprompted"] == 1, site
        run = get(f"/api/inspections/{site['run']}")
        assert run["marks"]["site_id_meta"] == "4407000001", run["marks"]
        assert "LINK-3" in {f["requirement"] for f in run["findings"]
                            if f["status"] == "fail"}
        assert "Terminated" not in out  # the demo site ends quietly
        # the demo gate user's first login asks for a second factor
        c = http.client.HTTPConnection("127.0.0.1", gport, timeout=30)
        c.request("POST", "/govsec/login", body=urllib.parse.urlencode(
            {"username": "demo", "password": demo, "lang": "zh"}),
            headers={"Content-Type": "application/x-www-form-urlencoded",
                     "Host": f"localhost:{gport}"})
        r = c.getresponse()
        body = r.read().decode()
        c.close()
        assert r.status == 200 and "设置第二因素" in body
        assert 'name="handle"' in body and "otpauth://totp/" in body
        tour(tmp_path, out, pport)
    finally:
        stop(p)
    assert p.returncode == 0, out + p.stdout.read()


def counterfeit(tmp, out, pport):
    """The counterfeit line make run prints, followed as a new user would:
    a feed file dropped into run/feeds is scanned by govsecd, its hit
    becomes a case, the department confirms it and decides it counterfeit,
    and the name is then stopped in the RPZ and answered with the warning
    page naming the genuine site."""
    m = re.search(r"counterfeits: +echo (\S+) > (\S+)", out)
    assert m, out
    name, feed = m.group(1), tmp / m.group(2)
    db = tmp / "run" / "govsec.db"

    def cli(*args):
        p = subprocess.run([str(BUILD / "govsec"), "--db", str(db)] +
                           list(args), capture_output=True, text=True,
                           env=cli_env(), timeout=60)
        assert p.returncode == 0, (args, p.stdout, p.stderr)
        return p.stdout

    feed.write_text(name + "\n")

    def case():
        for c in json.loads(cli("counterfeit", "case", "list", "--format",
                                "json")):
            if c["candidate"] == name:
                return c
        return None
    c = wait_until(case, 60, "the dropped feed's hit to become a case")
    hits = json.loads(cli("counterfeit", "case", "show", c["id"],
                          "--format", "json"))
    assert hits["unit"] == "11440700007250010K", hits
    cli("counterfeit", "case", "confirm", c["id"], "--note", "looked")
    cli("counterfeit", "case", "decide", c["id"], "--decision",
        "counterfeit", "--note", "not the city's")
    cli("counterfeit", "case", "takedown", c["id"])
    rpz = tmp / "run" / "takedown" / "govsec.rpz"
    wait_until(lambda: name in rpz.read_text(), 30,
               lambda: "the RPZ to stop the name: " + rpz.read_text())
    conn = http.client.HTTPConnection("127.0.0.1", pport, timeout=30)
    conn.request("GET", "/", headers={"Host": name})
    r = conn.getresponse()
    page = r.read().decode()
    conn.close()
    assert r.status == 200 and "警告：仿冒政务网站" in page, page
    assert name in page and "www.jiangmen.gov.cn" in page, page


def tour(tmp, out, pport):
    """README.md's demo tour, line by line, in the directory make run ran
    in (build/ there is the build directory), each line as the shell runs
    it; `id=$(...)` keeps its output for the lines after."""
    lines = [line.replace("localhost:8442", f"localhost:{pport}")
             for line in readme_tour()]
    assert len(lines) == 7, lines
    os.symlink(BUILD, tmp / "build")
    # make run prints the same lines (with its build directory)
    for line in lines:
        printed = line.replace("build/govsec", f"{BUILD}/govsec")
        assert printed in out, (printed, out)
    kek = tmp / "run" / "govsec.db.ecert.key"
    assert kek.exists() and (kek.stat().st_mode & 0o777) == 0o600
    env = cli_env()
    outs = []
    for line in lines:
        m = re.fullmatch(r"(\w+)=\$\((.*)\)", line)
        p = subprocess.run(["sh", "-c", m.group(2) if m else line],
                           cwd=tmp, env=env, capture_output=True,
                           text=True, timeout=60)
        assert p.returncode == 0, (line, p.stdout, p.stderr)
        outs.append(p.stdout)
        if m:
            env[m.group(1)] = p.stdout.strip()
    cert, apply, approve, logo, page, prove, head = outs
    assert "issued" in cert and "11440700007250010K 江门市人民政府" in cert
    assert "passphrase:" in cert and (tmp / "run" / "unit.key").exists()
    assert "application 1 pending" in apply
    assert "approved 1" in approve
    assert re.fullmatch(r"[0-9a-f]{16}\n", logo), logo
    # the public page: whose logo, for which domains, valid
    assert "江门市人民政府" in page and "www.jiangmen.gov.cn" in page
    assert "有效 / valid" in page and "revoked" not in page
    # entry 3 is the logo's issuance; its proof leads to the signed root
    proof, signed = json.loads(prove), json.loads(head)
    h = json.loads(signed["head"])
    assert proof["index"] == 3 and proof["size"] == h["size"] == 4
    assert signed["signature"] and h["hash"] == "sm3"
    c = http.client.HTTPConnection("127.0.0.1", pport, timeout=10)
    c.request("GET", "/v1/tlog/entries?start=3&count=1")
    entry = json.loads(c.getresponse().read())["entries"][0]["entry"]
    c.close()
    assert json.loads(entry)["type"] == "logo.issue"
    assert json.loads(entry)["id"] == logo.strip()
    leaf = sm3(b"\x00" + entry.encode())
    assert leaf.hex() == proof["leaf_hash"]
    assert root_from_path(3, 4, leaf, [bytes.fromhex(x)
                                       for x in proof["path"]]) == \
        bytes.fromhex(h["root"])
    # the head's signature, by the receipt certificate the CA publishes
    c = http.client.HTTPConnection("127.0.0.1", pport, timeout=10)
    c.request("GET", "/v1/ca")
    chain = c.getresponse().read().decode()
    c.close()
    receipt = chain.split("-----END CERTIFICATE-----")[1] + \
        "-----END CERTIFICATE-----\n"
    (tmp / "receipt.pem").write_text(receipt.lstrip())
    (tmp / "head.txt").write_text(signed["head"])
    sig = signed["signature"]
    (tmp / "head.sig").write_bytes(
        base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4)))
    subprocess.run(["openssl", "x509", "-in", tmp / "receipt.pem",
                    "-pubkey", "-noout", "-out", tmp / "receipt.pub"],
                   check=True, capture_output=True)
    v = subprocess.run(["openssl", "dgst", "-sm3", "-verify",
                        tmp / "receipt.pub", "-sigopt",
                        "distid:1234567812345678", "-signature",
                        tmp / "head.sig", tmp / "head.txt"],
                       capture_output=True, text=True)
    assert v.returncode == 0 and "Verified OK" in v.stdout, v.stdout + \
        v.stderr
