"""What `make run` starts (scripts/run-demo.sh), in a scratch copy of the
scripts and data: the demo store, the console with its printed login and
a finished inspection of the demo portal (served on loopback while the
store is made), the gate portal with its printed demo user, who is asked
to set up a second factor at the first login. govsecd is stopped at the end. Stdlib and
pytest only."""

import http.client
import json
import re
import shutil
import subprocess
import time
import urllib.parse

from conftest import BUILD, SRC, cli_env, free_port, stop, wait_until


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
    finally:
        stop(p)
    assert p.returncode == 0, out + p.stdout.read()
