"""The public listener of govsecd: the signed leave-site prompt (LINK-3).

govsecd runs with [public] listen and a key; `govsec leave-link` signs a
link with the same key; the page answers only for a matching signature and
never redirects anywhere by itself.
"""
import http.client
import os
import subprocess
import urllib.parse

import pytest

from conftest import GOVSECD, free_port, run_cli, running_govsecd, tcp_ready


@pytest.fixture
def public(tmp_path):
    key = tmp_path / "leave.key"
    key.write_bytes(os.urandom(32))
    key.chmod(0o600)
    port, cport = free_port(), free_port()
    conf = tmp_path / "g.conf"
    conf.write_text(f"[store]\npath = {tmp_path / 'g.db'}\n"
                    f"[console]\nlisten = 127.0.0.1:{cport}\n"
                    f"[public]\nlisten = 127.0.0.1:{port}\n"
                    f"leave_key = {key}\n")
    with running_govsecd(conf, tmp_path / "govsecd.log", tcp_ready(port)):
        yield port, key


def get(port, path):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    c.request("GET", path)
    r = c.getresponse()
    body = r.read().decode("utf-8")
    c.close()
    return r, body


def signed(port, key, url):
    p = run_cli(["leave-link", url, "--key", key,
                 "--base", f"http://127.0.0.1:{port}"])
    assert p.returncode == 0, p.stderr
    return urllib.parse.urlsplit(p.stdout.strip())


def test_signed_link_shows_the_prompt(public):
    port, key = public
    u = signed(port, key, "https://www.example.com/天气?a=1&b=<2>")
    r, body = get(port, u.path + "?" + u.query)
    assert r.status == 200
    assert r.getheader("Content-Type") == "text/html; charset=utf-8"
    assert r.getheader("Cache-Control") == "no-store"
    assert "default-src 'none'" in r.getheader("Content-Security-Policy")
    assert r.getheader("Location") is None
    # the wording in both languages, the target shown escaped
    assert "非党政机关网站" in body or "非党政" in body
    assert "leaving" in body.lower()
    assert "&lt;2&gt;" in body and "<2>" not in body


def test_tampered_or_missing_signature_is_refused(public):
    port, key = public
    u = signed(port, key, "https://www.example.com/")
    q = urllib.parse.parse_qs(u.query)
    evil = urllib.parse.urlencode({"to": "https://evil.example/",
                                   "sig": q["sig"][0]})
    r, body = get(port, "/leave?" + evil)
    assert r.status == 403
    assert "evil.example" not in body or 'href="https://evil.example' not in body
    r, _ = get(port, "/leave?to=https%3A%2F%2Fwww.example.com%2F")
    assert r.status in (400, 403)
    r, _ = get(port, "/leave")
    assert r.status == 400


def test_public_listener_serves_nothing_else(public):
    port, _ = public
    for path in ("/", "/api/me", "/index.html", "/api/units"):
        r, _ = get(port, path)
        assert r.status == 404, path


def test_public_listener_needs_a_key(tmp_path):
    conf = tmp_path / "g.conf"
    conf.write_text(f"[store]\npath = {tmp_path / 'g.db'}\n"
                    "[public]\nlisten = 127.0.0.1:1\n"
                    f"leave_key = {tmp_path / 'missing.key'}\n")
    p = subprocess.run([str(GOVSECD), "-n", "-c", str(conf)],
                       capture_output=True, text=True)
    assert p.returncode == 2
    assert "[public] leave_key" in p.stderr
