"""End-to-end tests of the gate's policy for mail logins (docs/gate.md "Mail
logins"; SEC-3, SEC-4, AUTH-3, AUTH-4 for e-mail systems): a real Dovecot
on loopback asks govsecd's gate (auth_policy_server_url) before every IMAP
login; logins from an allowed and a denied address, a policy window, a
device-bound account, and lockout counted exactly under parallel guesses,
with the same audit records as web logins.
"""
import concurrent.futures
import datetime
import json
import os
import pathlib
import pwd
import shutil
import smtplib
import socket
import sqlite3
import subprocess
import tempfile
import time
import urllib.request

import pytest

from conftest import (GOVSEC, cli_env, free_port, require, running_govsecd,
                      stop, tcp_ready, wait_until)  # noqa: F401

MAIL_HOST = "mail.jiangmen.gov.cn"
ATTEMPTS = 5
DOVECOT = "/usr/sbin/dovecot"


def govsec(db, *args, stdin=None):
    p = subprocess.run([str(GOVSEC), "--db", str(db)] + [str(a) for a in args],
                       input=stdin.encode() if stdin else None,
                       capture_output=True, env=cli_env(), timeout=120)
    assert p.returncode == 0, p.stderr.decode()
    return p.stdout.decode()


def policy():
    today = datetime.date.today()
    d = datetime.timedelta(days=2)
    return {
        "version": 1,
        "networks": {"office": ["127.0.0.0/29", "127.0.1.0/24"],
                     "travel": ["127.0.0.16/29"]},
        "rules": [
            {"name": "mail-office", "hosts": [MAIL_HOST], "path": "^/imap$",
             "networks": ["office"], "action": "one_factor"},
            # abroad: only in a whitelisted window (here: one long past)
            {"name": "mail-submit", "hosts": [MAIL_HOST], "path": "^/smtp$",
             "networks": ["office"], "action": "one_factor"},
            {"name": "mail-travel", "hosts": [MAIL_HOST],
             "networks": ["travel"],
             "windows": [f"{today - 3 * d}..{today - 2 * d}"],
             "action": "one_factor"},
            {"name": "mail-admin", "hosts": [MAIL_HOST], "path": "^/imap$",
             "networks": ["travel"], "subjects": ["group:admins"],
             "action": "two_factor"},
            {"name": "mail-rest", "hosts": [MAIL_HOST], "action": "deny"},
        ],
    }


DOVECOT_CONF = """
base_dir = {d}/run
state_dir = {d}/state
log_path = {d}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
passdb {{
  driver = passwd-file
  args = scheme=PLAIN {d}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={d}/home/%u
}}
mail_location = maildir:~/Maildir
# SASL for Postfix (smtpd_sasl_type = dovecot)
service auth {{
  inet_listener {{
    address = 127.0.0.1
    port = {auth}
  }}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
# the settings of docs/gate.md "Mail logins"
auth_policy_server_url = http://127.0.0.1:{gp}/api/mail-policy
auth_policy_hash_nonce = {nonce}
auth_policy_check_before_auth = yes
auth_policy_check_after_auth = no
auth_policy_report_after_auth = yes
auth_policy_reject_on_fail = yes
"""


@pytest.fixture(scope="module")
def mail():
    require(DOVECOT, "dovecot-imapd")
    # Dovecot's auth process runs as the dovecot user: its files live
    # where that user may reach them (pytest's own directory is 0700)
    d = pathlib.Path(tempfile.mkdtemp(prefix="govsec-mailpol-"))
    try:
        os.chmod(d, 0o755)
        (d / "store").mkdir(mode=0o700)
        db = d / "store" / "govsec.db"
        for sub in ("run", "state", "home"):
            (d / sub).mkdir()
        nobody = pwd.getpwnam("nobody")
        os.chown(d / "home", nobody.pw_uid, nobody.pw_gid)
        (d / "passwd").write_text("".join(
            f"{u}:{{PLAIN}}right-{u}\n"
            for u in ("alice", "bob", "carol", "dave", "erin", "frank")))
        gp, ip, ap, pp = free_port(), free_port(), free_port(), free_port()
        conf = d / "govsec.conf"
        conf.write_text("\n".join([
            "[store]", f"path = {db}",
            "[console]", f"listen = 127.0.0.1:{free_port()}", "[gate]",
            f"listen = 127.0.0.1:{gp}", "trusted_proxies = 127.0.0.1",
            f"mail_host = {MAIL_HOST}", f"login_attempts = {ATTEMPTS}",
            f"postfix_policy = 127.0.0.1:{pp}",
            "address_attempts = 1000", "lockout_seconds = 600",
            "threads = 8", ""]))
        (d / "policy.json").write_text(json.dumps(policy()))
        govsec(db, "gate", "import", d / "policy.json")
        # carol is bound to devices (a mail client has none); dave is an
        # administrator; erin's gate account is disabled
        for u, groups in (("carol", "staff"), ("dave", "admins"),
                          ("erin", "staff"), ("frank", "staff")):
            govsec(db, "gate", "user", "add", u, "--groups", groups,
                   stdin="gate-password-" + u + "\n")
        govsec(db, "gate", "bind", "carol")
        govsec(db, "gate", "user", "disable", "erin")
        (d / "dovecot.conf").write_text(DOVECOT_CONF.format(
            d=d, uid=nobody.pw_uid, gid=nobody.pw_gid, port=ip, gp=gp,
            auth=ap,
            nonce=os.urandom(8).hex()))
        yield from serve(d, db, conf, gp, ip, ap, pp)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def serve(d, db, conf, gp, ip, ap, pp):
    # the gate's listener is bound first, the policy server's last
    with running_govsecd(conf, d / "govsecd.log", tcp_ready(pp)):
        dv = subprocess.Popen([DOVECOT, "-F", "-c", str(d / "dovecot.conf")],
                              stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
        try:
            def up():
                try:
                    socket.create_connection(("127.0.0.1", ip), 0.2).close()
                    return True
                except OSError:
                    return dv.poll() is not None  # then fail below
            wait_until(up, 20, "dovecot to listen")
            assert dv.poll() is None, (d / "dovecot.log").read_text()
            yield {"d": d, "db": db, "imap": ip, "gate": gp, "auth": ap,
                   "pfpolicy": pp}
        finally:
            stop(dv)


def imap_login(port, user, password, src):
    """One IMAP LOGIN from source address src; the tagged answer line."""
    with socket.socket() as s:
        s.settimeout(30)
        s.bind((src, 0))
        s.connect(("127.0.0.1", port))
        f = s.makefile("rb")
        assert f.readline().startswith(b"* OK")
        s.sendall(f"a LOGIN {user} {password}\r\n".encode())
        while True:
            line = f.readline().decode()
            if line.startswith("a "):
                s.sendall(b"b LOGOUT\r\n")
                return line.strip()


def audit(db, action, until=bool):
    """(object, after) of the audit records of action, waiting (bounded)
    for the gate's writer until until(rows)."""
    deadline = time.monotonic() + 10
    while True:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
        try:
            rows = con.execute("SELECT object, after FROM audit WHERE "
                               "action = ?", (action,)).fetchall()
        finally:
            con.close()
        if until(rows) or time.monotonic() > deadline:
            return rows
        time.sleep(0.05)


def test_allowed_network_logs_in(mail):
    assert imap_login(mail["imap"], "alice", "right-alice",
                      "127.0.0.2").startswith("a OK")
    rows = audit(mail["db"], "gate.login",
                 lambda r: any("alice" in o for o, _ in r))
    assert ("gate user 'alice' from 127.0.0.2 (imap)", "password") in rows


def test_denied_network_refused_before_the_password(mail):
    # the right password from outside the office network: refused
    assert imap_login(mail["imap"], "bob", "right-bob",
                      "127.0.0.9").startswith("a NO")
    rows = audit(mail["db"], "gate.deny",
                 lambda r: any("'bob' from 127.0.0.9" in o for o, _ in r))
    assert any(o == "gate user 'bob' from 127.0.0.9 (imap)" and
               a.startswith("rule 'mail-rest'") for o, a in rows), rows
    # and from the office it works
    assert imap_login(mail["imap"], "bob", "right-bob",
                      "127.0.0.3").startswith("a OK")


def test_window_closed_and_two_factors(mail):
    # the travel network's window has ended
    assert imap_login(mail["imap"], "bob", "right-bob",
                      "127.0.0.17").startswith("a NO")
    # an administrator abroad needs two factors: a mail login cannot
    assert imap_login(mail["imap"], "dave", "right-dave",
                      "127.0.0.17").startswith("a NO")
    rows = audit(mail["db"], "gate.deny",
                 lambda r: any("'dave'" in o for o, _ in r))
    assert any("'dave' from 127.0.0.17" in o and "two factors" in a
               for o, a in rows), rows


def test_bound_and_disabled_accounts(mail):
    assert imap_login(mail["imap"], "carol", "right-carol",
                      "127.0.0.2").startswith("a NO")
    assert imap_login(mail["imap"], "erin", "right-erin",
                      "127.0.0.2").startswith("a NO")
    rows = audit(mail["db"], "gate.deny",
                 lambda r: sum("'carol'" in o or "'erin'" in o
                               for o, _ in r) >= 2)
    assert any("'carol'" in o and "bound" in a for o, a in rows), rows
    assert any("'erin'" in o and "disabled" in a for o, a in rows), rows


def failures(db, key):
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return con.execute("SELECT failures, locked_until FROM "
                           "gate_failures WHERE key = ?", (key,)).fetchone()
    finally:
        con.close()


def test_lockout_exact_under_parallel_guesses(mail):
    """30 wrong passwords for one account at once, each from another
    address (Dovecot's own penalty delays repeats from one address):
    exactly login_attempts reach the password check, the account is then
    locked (also for the right password), once in the audit."""
    n = 30
    with concurrent.futures.ThreadPoolExecutor(max_workers=n) as ex:
        answers = list(ex.map(
            lambda i: imap_login(mail["imap"], "alice", f"wrong-{i}",
                                 f"127.0.1.{i + 1}"),
            range(n)))
    assert all(a.startswith("a NO") for a in answers), answers
    fails, until = failures(mail["db"], "user:alice")
    assert fails == ATTEMPTS and until > time.time()
    locked = audit(mail["db"], "gate.login.locked",
                   lambda r: sum("'alice'" in o for o, _ in r) >=
                   n - ATTEMPTS)
    assert sum("'alice'" in o for o, _ in locked) == n - ATTEMPTS
    lockouts = audit(mail["db"], "gate.lockout")
    assert [o for o, _ in lockouts].count("gate account 'alice'") == 1
    # the right password now: refused (locked), not counted again
    assert imap_login(mail["imap"], "alice", "right-alice",
                      "127.0.0.2").startswith("a NO")
    assert failures(mail["db"], "user:alice")[0] == ATTEMPTS
    # the lockout is the gate's: an administrator clears it
    govsec(mail["db"], "gate", "unlock", "alice")
    assert imap_login(mail["imap"], "alice", "right-alice",
                      "127.0.0.2").startswith("a OK")


def test_only_trusted_peers_and_well_formed(mail):
    """The route answers Dovecot (a trusted peer) only; bad requests are
    refused with a status, never a decision."""
    url = f"http://127.0.0.1:{mail['gate']}/api/mail-policy"

    def post(body, query="?command=allow", src=None):
        req = urllib.request.Request(url + query, data=body.encode(),
                                     method="POST")
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, None

    ok = json.dumps({"login": "bob", "remote": "127.0.0.3",
                     "protocol": "imap"})
    status, doc = post(ok)
    assert status == 200 and doc["status"] == 0
    assert post(ok, "?command=bogus")[0] == 400
    assert post(ok, "")[0] == 400
    assert post("{not json")[0] == 400
    assert post(json.dumps({"login": "bob", "remote": "not-an-ip"}))[0] == 400
    assert post(json.dumps({"remote": "127.0.0.3"}))[0] == 400
    assert post(json.dumps({"login": "x" * 5000, "remote": "127.0.0.3"}))[0] \
        == 400
    # from an address that is not a trusted proxy: refused
    with socket.socket() as s:
        s.bind(("127.0.0.5", 0))
        s.connect(("127.0.0.1", mail["gate"]))
        s.sendall(f"POST /api/mail-policy?command=allow HTTP/1.1\r\n"
                  f"Host: x\r\nContent-Length: {len(ok)}\r\n"
                  f"Connection: close\r\n\r\n{ok}".encode())
        assert s.recv(100).startswith(b"HTTP/1.1 403")


MAIN_CF = """\
compatibility_level = 3.6
queue_directory = {d}/pf-queue
data_directory = {d}/pf-data
mail_owner = postfix
setgid_group = postdrop
maillog_file_prefixes = {d}
maillog_file = {d}/maillog
myhostname = mx.jiangmen.gov.cn
mydomain = jiangmen.gov.cn
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
# loopback clients are not trusted: they must authenticate
mynetworks = 192.0.2.1/32
smtp_dns_support_level = disabled
disable_dns_lookups = yes
smtpd_tls_security_level = none
smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = inet:127.0.0.1:{auth}
smtpd_relay_restrictions = permit_sasl_authenticated, reject
# the lines of docs/gate.md "Mail logins": every recipient of an
# authenticated session asks the gate
smtpd_recipient_restrictions =
    check_policy_service inet:127.0.0.1:{pp},
    permit_sasl_authenticated, reject
"""
MASTER_CF = """\
127.0.0.1:{port} inet n - n - - smtpd
pickup unix n - n 60 1 pickup
cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
rewrite unix - - n - - trivial-rewrite
bounce unix - - n - 0 bounce
defer unix - - n - 0 bounce
trace unix - - n - 0 bounce
verify unix - - n - 1 verify
proxymap unix - - n - - proxymap
smtp unix - - n - - smtp
error unix - - n - - error
anvil unix - - n - 1 anvil
scache unix - - n - 1 scache
postlog unix-dgram n - n - 1 postlogd
"""


@pytest.fixture(scope="module")
def postfix(mail):
    """A real Postfix whose submissions authenticate through the Dovecot
    above and ask the gate about each recipient (check_policy_service)."""
    pf = require(shutil.which("postfix") or "/usr/sbin/postfix", "postfix")
    d = mail["d"]
    conf = d / "pf-conf"
    for sub in ("pf-conf", "pf-queue", "pf-data"):
        (d / sub).mkdir()
    shutil.chown(d / "pf-data", "postfix")
    port = free_port()
    (conf / "main.cf").write_text(MAIN_CF.format(d=d, auth=mail["auth"],
                                                 pp=mail["pfpolicy"]))
    (conf / "master.cf").write_text(MASTER_CF.format(port=port))
    r = subprocess.run([pf, "-c", str(conf), "start"], capture_output=True,
                       text=True, timeout=60)
    if r.returncode != 0:
        log = d / "maillog"
        pytest.fail("postfix did not start: " + r.stderr +
                    (log.read_text() if log.exists() else ""))
    try:
        def up():
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                return True
            except OSError:
                return False
        wait_until(up, 20, "postfix to listen")
        yield port
    finally:
        subprocess.run([pf, "-c", str(conf), "stop"], capture_output=True,
                       timeout=60)


def smtp_from(src, port):
    s = smtplib.SMTP(timeout=30, source_address=(src, 0))
    s.connect("127.0.0.1", port)
    s.ehlo("client.example")
    return s


def test_postfix_asks_the_gate_for_submissions(mail, postfix):
    """SMTP AUTH: Dovecot's SASL asks the gate at login; then Postfix asks
    it about every recipient, so a change (here: the account disabled
    during the session) takes effect before the next one."""
    s = smtp_from("127.0.0.2", postfix)
    try:
        s.login("frank", "right-frank")
        assert s.mail("frank@jiangmen.gov.cn")[0] == 250
        assert s.rcpt("a@outside.example")[0] == 250
        govsec(mail["db"], "gate", "user", "disable", "frank")
        code, msg = s.rcpt("b@outside.example")
        assert code == 554 and msg.startswith(b"5.7.1 ") and \
            msg.endswith(b"refused by the access policy"), (code, msg)
    finally:
        s.close()
    rows = audit(mail["db"], "gate.deny",
                 lambda r: any("'frank'" in o for o, _ in r))
    assert any(o == "gate user 'frank' from 127.0.0.2 (smtp)" and
               "disabled" in a for o, a in rows), rows
    # unauthenticated mail is no login: the gate says nothing (DUNNO)
    # and Postfix's own restrictions refuse the relay
    s = smtp_from("127.0.0.2", postfix)
    try:
        assert s.mail("x@example.net")[0] == 250
        code, msg = s.rcpt("c@outside.example")
        assert code == 554 and b"refused by the access policy" not in msg
    finally:
        s.close()
    # from outside the office, SMTP AUTH itself is refused (Dovecot's
    # policy request)
    s = smtp_from("127.0.0.9", postfix)
    try:
        with pytest.raises(smtplib.SMTPAuthenticationError):
            s.login("bob", "right-bob")
    finally:
        s.close()


def test_postfix_policy_protocol(mail):
    """The policy server's own protocol: several requests on one
    connection, a malformed one closes it (Postfix then defers)."""
    with socket.create_connection(("127.0.0.1", mail["pfpolicy"]), 10) as c:
        f = c.makefile("rb")
        req = ("request=smtpd_access_policy\nprotocol_state=RCPT\n"
               "sasl_username={u}\nclient_address={ip}\n\n")
        c.sendall((req.format(u="bob", ip="127.0.0.3") +
                   req.format(u="bob", ip="127.0.0.9")).encode())
        assert f.readline() == b"action=DUNNO\n" and f.readline() == b"\n"
        assert f.readline().startswith(b"action=REJECT 5.7.1")
        assert f.readline() == b"\n"
        c.sendall(b"request=smtpd_access_policy\nsasl_username=bob\n"
                  b"client_address=not-an-address\n\n")
        assert f.readline() == b""
    # a request larger than any Postfix sends: closed (with what was
    # unread, a reset), never an answer
    with socket.create_connection(("127.0.0.1", mail["pfpolicy"]), 10) as c:
        try:
            c.sendall(b"x" * (20 << 10))
            assert c.makefile("rb").readline() == b""
        except ConnectionResetError:
            pass
