"""LOGO-1 end to end: govsec's online logo badges on real sites. A real
nginx on loopback serves three portals by name (--resolve maps them to
it): site A shows the badge issued for A's portal in its footer, site B a
copy of it, site C (a unit of the pilot) only a link to conac.cn. A real
govsecd serves the badges and their verification pages on its public
listener, whose URL is [ecert] public_url. `govsec inspect` recognises the
badge on A (valid) and B (copied from A, naming A's unit), cannot check it
without the store, `govsec check` judges LOGO-1 from the register and the
inspections, and after the logo is revoked A fails. The PNG badge is
checked byte by byte with Python's struct and zlib (chunk CRCs, IHDR, the
zlib stream of IDAT) over HTTP and from `govsec logo png`.
"""
import http.client
import json
import os
import shutil
import struct
import zlib

import pytest

from conftest import (free_port, require, run_cli, running_govsecd,
                      running_nginx, tcp_ready)

UNIT_A = "11440000MB2C92290G"
NAME_A = "广东省政务服务和数据管理局"
UNIT_B = "12440000MB2C92310T"
NAME_B = "广东省档案馆"
UNIT_C = "11440700007250010K"
NAME_C = "江门市人民政府"
HOST_A, HOST_B, HOST_C = ("www.gdzwfw.gov.cn", "www.da.gd.gov.cn",
                          "www.jiangmen.gov.cn")


def page(title, footer):
    return (f"<!doctype html><html><head><meta charset=\"utf-8\">"
            f"<title>{title}</title></head><body><h1>{title}</h1>"
            f"<p>2026-12-01 要闻</p>"
            f"<div id=\"footer\" style=\"text-align:center\">{footer}"
            f"<p>网站标识码4400000001</p></div></body></html>")


def badge(base, logo):
    return (f"<a href=\"{base}/v1/logo/{logo}\"><img src=\"{base}/v1/logo/"
            f"{logo}.png\" alt=\"网站标识\"></a>")


NGINX_CONF = """daemon off;
worker_processes 1;
pid {p}/nginx.pid;
error_log {p}/error.log;
events {{ worker_connections 64; }}
http {{
	access_log {p}/access.log;
	client_body_temp_path {p}/tmp;
	proxy_temp_path {p}/tmp;
	fastcgi_temp_path {p}/tmp;
	uwsgi_temp_path {p}/tmp;
	scgi_temp_path {p}/tmp;
	types {{ text/html html; }}
	charset utf-8;
	server {{ listen 127.0.0.1:{port} default_server; server_name _;
		return 404; }}
	server {{ listen 127.0.0.1:{port}; server_name {a}; root {p}/a; }}
	server {{ listen 127.0.0.1:{port}; server_name {b}; root {p}/b; }}
	server {{ listen 127.0.0.1:{port}; server_name {c}; root {p}/c; }}
}}
"""


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The store with the three units (A and C in the pilot), A's logo,
    govsecd's public listener and nginx with the three sites."""
    d = tmp_path_factory.mktemp("badge")
    os.chmod(d, 0o700)
    db = d / "s.db"
    gport, nport = free_port(), free_port()
    base = f"http://127.0.0.1:{gport}"
    leave = d / "leave.key"
    leave.write_bytes(os.urandom(32))
    leave.chmod(0o600)
    conf = d / "govsec.conf"
    conf.write_text(f"[store]\npath = {db}\n"
                    f"[console]\nlisten = 127.0.0.1:{free_port()}\n"
                    "two_factor = optional\n"
                    f"[public]\nlisten = 127.0.0.1:{gport}\n"
                    f"leave_key = {leave}\n"
                    f"[ecert]\npublic_url = {base}/\n")

    def cli(*args, env=None):
        e = {"GOVSEC_CONF": str(conf)}
        e.update(env or {})
        return run_cli(args, db=db, env=e)

    def portal(app, unit, name, host):
        return {"id": app, "unit": unit, "type": "portal", "name": name,
                "status": "live", "domains": [{"name": host, "main": True}]}

    reg = d / "reg.json"
    reg.write_text(json.dumps({
        "units": [
            {"uscc": UNIT_A, "name": NAME_A, "kind": "administrative",
             "level": "provincial", "region": "440000", "ecert_pilot": True},
            {"uscc": UNIT_B, "name": NAME_B, "kind": "institution",
             "level": "provincial", "region": "440000"},
            {"uscc": UNIT_C, "name": NAME_C, "kind": "administrative",
             "level": "prefecture", "region": "440700",
             "ecert_pilot": True}],
        "applications": [
            portal("a-portal", UNIT_A, NAME_A + "门户网站", HOST_A),
            portal("b-portal", UNIT_B, NAME_B + "门户网站", HOST_B),
            portal("c-portal", UNIT_C, NAME_C + "门户网站", HOST_C)]},
        ensure_ascii=False), encoding="utf-8")
    r = cli("import", reg)
    assert r.returncode == 0, r.stderr
    r = cli("--format", "json", "name", "apply", NAME_A + "门户网站",
            "--unit", UNIT_A, "--app", "a-portal")
    assert r.returncode == 0, r.stdout + r.stderr
    assert cli("name", "approve",
               str(json.loads(r.stdout)["id"])).returncode == 0
    r = cli("logo", "issue", "a-portal")
    assert r.returncode == 0, r.stderr
    logo = r.stdout.strip()

    require(shutil.which("nginx") or "/usr/sbin/nginx", "nginx-light")
    prefix = d / "nginx"
    (prefix / "tmp").mkdir(parents=True)
    for site, body in (("a", page("甲", badge(base, logo))),
                       ("b", page("乙", badge(base, logo))),
                       ("c", page("丙", "<a href=\"https://www.conac.cn/\">"
                                  "<img src=\"/dzjg.png\" alt=\"党政机关\">"
                                  "</a>"))):
        (prefix / site).mkdir()
        (prefix / site / "index.html").write_text(body, encoding="utf-8")
    nconf = NGINX_CONF.format(p=prefix, port=nport, a=HOST_A, b=HOST_B,
                              c=HOST_C)
    with running_govsecd(conf, d / "govsecd.log", tcp_ready(gport)), \
            running_nginx(prefix, nconf, [nport]):
        yield {"cli": cli, "logo": logo, "base": base, "gport": gport,
               "nport": nport, "dir": d}


def inspect(w, host, *extra):
    r = w["cli"]("inspect", f"http://{host}/", "--allow-private",
                 "--resolve", f"*:80=127.0.0.1:{w['nport']}", "--timeout",
                 "3", "--retries", "1", "--format", "json", *extra)
    assert r.returncode in (0, 1), r.stderr
    return json.loads(r.stdout)


def logo_findings(out):
    return {f["rule"]: f for f in out["findings"]
            if f["requirement"] == "LOGO-1"}


def check(w):
    r = w["cli"]("check", "--format", "json")
    assert r.returncode in (0, 1, 3), r.stderr
    return {(f["rule"], f["object"]): f
            for f in json.loads(r.stdout)["findings"]
            if f["requirement"] == "LOGO-1"}


def png_chunks(data):
    """The chunks of a PNG, each CRC checked: [(type, payload)]."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    out, at = [], 8
    while at < len(data):
        n, kind = struct.unpack(">I4s", data[at:at + 8])
        body = data[at + 8:at + 8 + n]
        crc, = struct.unpack(">I", data[at + 8 + n:at + 12 + n])
        assert zlib.crc32(kind + body) == crc, kind
        out.append((kind, body))
        at += 12 + n
    assert at == len(data) and out[0][0] == b"IHDR" and out[-1][0] == b"IEND"
    return out


def test_png_badge_is_valid_and_the_same_everywhere(world):
    """The PNG badge over HTTP and from the command line: the same bytes
    (the QR code names [ecert] public_url), a valid PNG whose image data
    inflates to 240 rows of 720 palette pixels."""
    w = world
    c = http.client.HTTPConnection("127.0.0.1", w["gport"], timeout=10)
    c.request("GET", f"/v1/logo/{w['logo']}.png")
    r = c.getresponse()
    served = r.read()
    assert r.status == 200 and r.getheader("Content-Type") == "image/png"
    out = w["dir"] / "badge.png"
    p = w["cli"]("logo", "png", w["logo"], "--output", out)
    assert p.returncode == 0, p.stderr
    assert out.read_bytes() == served
    chunks = png_chunks(served)
    width, height, depth, ctype = struct.unpack(">IIBB",
                                                chunks[0][1][:10])
    assert (width, height, ctype) == (720, 240, 3)  # palette
    plte = b"".join(b for k, b in chunks if k == b"PLTE")
    assert bytes.fromhex("c8161d") in plte  # an organ's red
    raw = zlib.decompress(b"".join(b for k, b in chunks if k == b"IDAT"))
    assert len(raw) == height * (1 + (width * depth + 7) // 8)
    # the SVG names the same verification page
    c.request("GET", f"/v1/logo/{w['logo']}.svg")
    r = c.getresponse()
    assert r.status == 200 and r.read().decode().count(w["logo"]) >= 1
    p = w["cli"]("logo", "png", "0123456789abcdef", "--output", out)
    assert p.returncode == 2 and "no such logo" in p.stderr
    assert out.read_bytes() == served  # nothing half-written


def test_badge_on_its_site_and_copied_onto_another(world):
    """A shows its own badge: valid, and the logo of its footer. B shows a
    copy: a failing finding naming A's unit. Without the store the badge
    is found but not checked. govsec check: A passes LOGO-1, B fails it,
    C (pilot) fails although its footer links conac.cn."""
    w = world
    a = inspect(w, HOST_A)
    assert [(x["id"], x["verdict"]) for x in a["badges"]] == \
        [(w["logo"], "valid")]
    fa = logo_findings(a)
    assert fa["inspect.badge"]["status"] == "pass"
    assert fa["inspect.logo"]["status"] == "pass"
    badge_link = [l for l in a["links"]
                  if l["url"] == f"{w['base']}/v1/logo/{w['logo']}.png"]
    assert badge_link and badge_link[0]["status"] == "ok"

    b = inspect(w, HOST_B)
    assert [(x["id"], x["verdict"], x["unit"]) for x in b["badges"]] == \
        [(w["logo"], "copied", UNIT_A)]
    fb = logo_findings(b)["inspect.badge"]
    assert fb["status"] == "fail" and fb["object"] == f"http://{HOST_B}/"
    for want in (w["logo"], NAME_A, UNIT_A, HOST_A, "copied"):
        assert want in fb["evidence"], want

    text = w["cli"]("inspect", f"http://{HOST_B}/", "--allow-private",
                    "--resolve", f"*:80=127.0.0.1:{w['nport']}",
                    "--timeout", "3", "--no-store").stdout
    # the text report lists it with the marks (unchecked: no store)
    assert text.index("\nmarks (LOGO-1, GOVWEB-3)") < \
        text.index(f"govsec badge {w['logo']}") < \
        text.index("\nfreshness (GOVWEB-2)")

    nb = inspect(w, HOST_B, "--no-store")
    fn = logo_findings(nb)["inspect.badge"]
    assert fn["status"] == "unknown" and "could not check" in \
        fn["evidence"]
    assert nb["badges"][0]["verdict"] == "unchecked"

    c = inspect(w, HOST_C)
    assert c["badges"] == []
    assert logo_findings(c)["inspect.logo"]["status"] == "pass"  # conac

    got = check(w)
    assert got[("ecert.logo", "a-portal")]["status"] == "pass"
    assert got[("observe.logo", "a-portal")]["status"] == "pass"
    ob = got[("observe.logo", "b-portal")]
    assert ob["status"] == "fail" and NAME_A in ob["evidence"]
    assert got[("ecert.logo", "b-portal")]["status"] == "not_applicable"
    oc = got[("observe.logo", "c-portal")]
    assert oc["status"] == "fail" and "no govsec badge" in oc["evidence"]
    assert "conac.cn" in oc["evidence"] and oc["evidence_zh"]
    assert got[("ecert.logo", "c-portal")]["status"] == "fail"


def test_revoked_badge_fails_its_own_site(world):
    """Once revoked, the badge fails A's inspection and LOGO-1."""
    w = world
    r = w["cli"]("logo", "revoke", w["logo"], "--reason", "网站改版")
    assert r.returncode == 0, r.stderr
    a = inspect(w, HOST_A)
    assert a["badges"][0]["verdict"] == "revoked"
    fa = logo_findings(a)["inspect.badge"]
    assert fa["status"] == "fail" and "revoked" in fa["evidence"]
    got = check(w)
    assert got[("observe.logo", "a-portal")]["status"] == "fail"
    ea = got[("ecert.logo", "a-portal")]
    assert ea["status"] == "fail" and w["logo"] in ea["evidence"]


def test_unread_homepage_is_not_a_missing_badge(world):
    """A pilot portal whose homepage could not be read has not shown that
    it lacks a badge: LOGO-1 is unknown, not failed."""
    w = world
    r = w["cli"]("inspect", f"http://{HOST_C}/gone/", "--allow-private",
                 "--resolve", f"*:80=127.0.0.1:{w['nport']}", "--timeout",
                 "3", "--retries", "0", "--format", "json")
    assert r.returncode in (0, 1), r.stderr
    assert logo_findings(json.loads(r.stdout))["inspect.logo"]["status"] \
        == "unknown"
    got = check(w)
    assert got[("observe.logo", "c-portal")]["status"] == "unknown"
