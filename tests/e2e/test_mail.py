"""govsec-milter with the real Debian Postfix and Dovecot (MAIL-1, MAIL-3).

Each test run starts its own Postfix (postfix -c DIR: its own main.cf,
master.cf, queue and data directories), its own Dovecot (dovecot -c FILE:
LMTP with Pigeonhole, its own base_dir), govsec-milter and a sink SMTP
server standing for every outside domain, all on loopback ports picked
free, and stops them at the end, also on failure. Nothing here touches a
system instance. The layout is docs/deploy/postfix-*.cf's: a main smtpd
with the milter (mail from users and from Dovecot's submission_host), an
outbound inspection hop that every outside destination goes through (the
milter again, content_filter=smtp: to the sink), local(8) with aliases and
.forward, virtual aliases and Dovecot mailboxes under staff.gov.test.

MailLab is also what bench/mail_bench.py drives.
"""
import contextlib
import email.message
import email.utils
import json
import os
import pathlib
import shutil
import smtplib
import socket
import socketserver
import subprocess
import tempfile
import threading
import time

import re

import pytest

from conftest import BUILD, SRC, free_port, require, run_cli, stop, \
    wait_until

GOVSEC_MILTER = BUILD / "govsec-milter"
DEPLOY = SRC / "docs" / "deploy"
LOCAL = "gov.test"        # local(8): aliases and .forward
STAFF = "staff.gov.test"  # Dovecot mailboxes, virtual aliases
OUTSIDE = "outside.test"  # every outside address: the sink


class Sink:
    """A minimal SMTP server standing for the whole outside world: it
    records each message's envelope (with ESMTP parameters) and data.
    Advertises DSN so that Postfix passes ORCPT."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line):
                self.wfile.write(line.encode() + b"\r\n")

            def handle(self):
                self.reply("220 sink.outside.test ESMTP")
                env = None
                while True:
                    line = self.rfile.readline(65536)
                    if not line:
                        return
                    cmd = line.decode("utf-8", "replace").rstrip("\r\n")
                    verb = cmd[:4].upper()
                    if verb in ("EHLO", "HELO"):
                        self.wfile.write(b"250-sink.outside.test\r\n"
                                         b"250-8BITMIME\r\n250-DSN\r\n"
                                         b"250 SMTPUTF8\r\n")
                    elif verb == "MAIL":
                        env = {"from": cmd[10:].split(">")[0].lstrip("<"),
                               "rcpt": [], "params": []}
                        self.reply("250 ok")
                    elif verb == "RCPT":
                        rest = cmd[8:]
                        env["rcpt"].append(rest.split(">")[0].lstrip("<"))
                        env["params"].append(rest.split(">", 1)[1].strip())
                        self.reply("250 ok")
                    elif verb == "DATA":
                        self.reply("354 go")
                        data = b""
                        while True:
                            dl = self.rfile.readline(1 << 20)
                            if not dl or dl in (b".\r\n", b".\n"):
                                break
                            data += dl[1:] if dl.startswith(b"..") else dl
                        env["data"] = data
                        with sink.lock:
                            sink.messages.append(env)
                        self.reply("250 queued")
                    elif verb == "QUIT":
                        self.reply("221 bye")
                        return
                    else:
                        self.reply("250 ok")

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever,
                                       daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def to(self, addr):
        """Messages the outside received for addr."""
        with self.lock:
            return [m for m in self.messages if addr in m["rcpt"]]

    def all(self):
        with self.lock:
            return list(self.messages)


MAIN_CF = """\
compatibility_level = 3.6
queue_directory = {d}/queue
data_directory = {d}/data
mail_owner = postfix
setgid_group = postdrop
maillog_file_prefixes = {d}
maillog_file = {d}/maillog
myhostname = mx.gov.test
mydomain = gov.test
myorigin = gov.test
mydestination = gov.test
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
smtp_dns_support_level = disabled
disable_dns_lookups = yes
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
alias_maps = hash:{d}/conf/aliases
alias_database = hash:{d}/conf/aliases
local_recipient_maps = unix:passwd.byname $alias_maps
virtual_mailbox_domains = staff.gov.test
virtual_mailbox_maps = hash:{d}/conf/vmailbox
virtual_alias_maps = hash:{d}/conf/virtual
virtual_transport = lmtp:inet:127.0.0.1:{lmtp}
{deploy}
# tests: .forward files are read (docs/deploy turns them off: here the
# milter must stop them anyway); no waiting between retries
forward_path = {d}/fwd/${{user}}.forward
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 2s
delay_warning_time = 0
"""

MASTER_CF = """\
127.0.0.1:{main} inet n - n - - smtpd
{deploy}
pickup unix n - n 60 1 pickup
cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
rewrite unix - - n - - trivial-rewrite
bounce unix - - n - 0 bounce
defer unix - - n - 0 bounce
trace unix - - n - 0 bounce
verify unix - - n - 1 verify
flush unix n - n 1000? 0 flush
proxymap unix - - n - - proxymap
smtp unix - - n - - smtp
relay unix - - n - - smtp
showq unix n - n - - showq
error unix - - n - - error
retry unix - - n - - error
discard unix - - n - - discard
local unix - n n - - local
virtual unix - n n - - virtual
lmtp unix - - n - - lmtp
anvil unix - - n - 1 anvil
scache unix - - n - 1 scache
postlog unix-dgram n - n - 1 postlogd
"""

DOVECOT_CONF = """\
base_dir = {d}/dovecot-run
state_dir = {d}/dovecot-state
log_path = {d}/dovecot.log
info_log_path = {d}/dovecot.log
protocols = lmtp
listen = 127.0.0.1
ssl = no
default_internal_user = dovecot
default_login_user = dovenull
mail_location = maildir:{d}/mail/%n
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = {d}/dovecot-users
}}
userdb {{
  driver = static
  args = uid=mail gid=mail home={d}/home/%n
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {lmtp}
  }}
}}
service anvil {{
  chroot =
}}
protocol lmtp {{
  mail_plugins = sieve
  postmaster_address = postmaster@gov.test
}}
plugin {{
  sieve = file:~/sieve;active=~/.dovecot.sieve
}}
{deploy}
# tests: redirects are carried out (docs/deploy turns them off: here the
# milter must stop them anyway)
plugin {{
  sieve_max_redirects = 4
}}
"""


def postfix_cmd(prog):
    return require(shutil.which(prog) or f"/usr/sbin/{prog}", "postfix")


class MailLab:
    """The whole loopback mail system of a test (see the module text).
    with_milter=False leaves the milter out (bench/mail's baseline).
    store, key: a store URI (PostgreSQL) and its key file instead of
    govsec.db in the lab's directory; the milter's journal is then -j
    DIR/milter-journal, and govsec runs with the lab's config (self.env)."""

    def __init__(self, with_milter=True, action="reject", extra_conf="",
                 milter_argv=None, unix_socket=False, store=None, key=None):
        self.with_milter = with_milter
        self.store, self.key = store, key
        self.unix_socket = unix_socket
        # another milter program in govsec-milter's place (bench/mail's
        # floor): argv, "{listen}" replaced by its socket
        self.milter_argv = milter_argv
        self.action = action
        self.extra_conf = extra_conf
        self.procs = []
        self.postfix_started = False
        self.stack = contextlib.ExitStack()

    # -- setup -----------------------------------------------------------
    def __enter__(self):
        try:
            self._start()
        except BaseException:
            self.stack.close()
            self._stop_postfix()
            raise
        return self

    def __exit__(self, *exc):
        self._stop_postfix()
        self.stack.close()
        # GOVSEC_MAIL_KEEP=1 keeps the logs and queues for a look
        if exc[0] is None and not os.environ.get("GOVSEC_MAIL_KEEP"):
            shutil.rmtree(self.d, ignore_errors=True)

    def _stop_postfix(self):
        if self.postfix_started:
            subprocess.run([postfix_cmd("postfix"), "-c", str(self.conf),
                            "stop"], capture_output=True, timeout=60)
            self.postfix_started = False

    def _start(self):
        self.d = pathlib.Path(tempfile.mkdtemp(prefix="govsec-mail-"))
        # Postfix and Dovecot users walk into it
        os.chmod(self.d, 0o755)
        self.stack.callback(self._collect_logs)
        d = self.d
        self.sink = self.stack.enter_context(Sink())
        self.main, self.hop, self.lmtp, self.mport = (free_port()
                                                      for _ in range(4))
        self.db = self.store or d / "govsec.db"
        self.conf_file = d / "govsec.conf"
        self.msock = d / "milter.sock"
        self.milter_listen = (f"unix:{self.msock}" if self.unix_socket else
                              f"inet:{self.mport}@127.0.0.1")
        self.env = {"GOVSEC_CONF": str(self.conf_file)} if self.key else None
        self.conf_file.write_text(
            f"[store]\npath = {self.db}\n" +
            (f"key = {self.key}\n" if self.key else "") +
            f"[milter]\nlisten = {self.milter_listen}\n"
            f"local_domains = {LOCAL}, {STAFF}\n"
            f"action = {self.action}\n" + self.extra_conf)
        r = run_cli(["init"], db=self.db, env=self.env)
        assert r.returncode == 0, r.stderr
        if self.with_milter:
            self._start_milter()
        self._start_dovecot()
        self._start_postfix()

    def _start_milter(self):
        self.milter_log = self.d / "milter.log"
        with open(self.milter_log, "ab") as out:
            argv = ([a.replace("{listen}", self.milter_listen)
                     for a in self.milter_argv] if self.milter_argv else
                    [str(GOVSEC_MILTER), "-c", str(self.conf_file)] +
                    (["-j", str(self.d / "milter-journal")]
                     if self.store else []))
            p = subprocess.Popen(argv, stdout=out, stderr=out)
        self.milter = p
        self.stack.callback(self._stop_milter)

        def up():
            if p.poll() is not None:
                pytest.fail("govsec-milter did not start: " +
                            self.milter_log.read_text(errors="replace"))
            try:
                if self.unix_socket:
                    with socket.socket(socket.AF_UNIX) as c:
                        c.connect(str(self.msock))
                else:
                    socket.create_connection(("127.0.0.1", self.mport),
                                             0.2).close()
            except OSError:
                return False
            return True
        wait_until(up, 10, "govsec-milter to listen")
        if self.unix_socket:
            # the milter runs as root here: Postfix's processes (user
            # postfix) reach the socket as the group postfix does in
            # docs/deploy
            shutil.chown(self.msock, group="postfix")
            os.chmod(self.msock, 0o660)

    def _stop_milter(self):
        rc = stop(self.milter)
        text = self.milter_log.read_text(errors="replace")
        assert "Sanitizer" not in text and "runtime error" not in text, text
        assert rc == 0, f"govsec-milter exited {rc}: {text}"

    def _start_dovecot(self):
        d = self.d
        dovecot = require("/usr/sbin/dovecot", "dovecot-core")
        require("/usr/lib/dovecot/lmtp", "dovecot-lmtpd")
        if not pathlib.Path(
                "/usr/lib/dovecot/modules/lib90_sieve_plugin.so").exists():
            pytest.fail("Pigeonhole is missing: install the Debian package "
                        "'dovecot-sieve' (make test-deps)", pytrace=False)
        for sub in ("mail", "home"):
            (d / sub).mkdir()
            shutil.chown(d / sub, "mail", "mail")
        (d / "dovecot-users").write_text(
            "".join(f"{u}@{STAFF}:{{PLAIN}}x\n"
                    for u in ("alice", "bob", "sr")))
        self.dconf = d / "dovecot.conf"
        deploy = (DEPLOY / "dovecot-govsec.conf").read_text()
        assert "127.0.0.1:25\n" in deploy
        deploy = deploy.replace("127.0.0.1:25\n", f"127.0.0.1:{self.main}\n")
        self.dconf.write_text(DOVECOT_CONF.format(d=d, lmtp=self.lmtp,
                                                  deploy=deploy))
        log = open(d / "dovecot.out", "ab")
        p = subprocess.Popen([dovecot, "-F", "-c", str(self.dconf)],
                             stdout=log, stderr=log)
        log.close()
        self.stack.callback(stop, p)

        def up():
            if p.poll() is not None:
                pytest.fail("dovecot did not start: " + self._read(
                    "dovecot.out") + self._read("dovecot.log"))
            try:
                socket.create_connection(("127.0.0.1", self.lmtp),
                                         0.2).close()
            except OSError:
                return False
            return True
        wait_until(up, 15, "dovecot to listen")

    def _start_postfix(self):
        d = self.d
        postfix = postfix_cmd("postfix")
        self.conf = d / "conf"
        for sub in ("conf", "queue", "data", "fwd"):
            (d / sub).mkdir()
        shutil.chown(d / "data", "postfix")
        (self.conf / "main.cf").write_text(MAIN_CF.format(
            d=d, lmtp=self.lmtp, deploy=self.deploy("postfix-main.cf")))
        (self.conf / "master.cf").write_text(MASTER_CF.format(
            main=self.main, deploy=self.deploy("postfix-master.cf")))
        (self.conf / "aliases").write_text(
            f"postmaster: root\nfwdalias: ext3@{OUTSIDE}\n"
            f"team: alice@{STAFF}, bob@{STAFF}\n")
        (self.conf / "vmailbox").write_text(
            "".join(f"{u}@{STAFF} x\n" for u in ("alice", "bob", "sr")))
        (self.conf / "virtual").write_text(f"va@{STAFF} ext4@{OUTSIDE}\n")
        for m in ("aliases",):
            subprocess.run([postfix_cmd("postalias"), "-c", str(self.conf),
                            str(self.conf / m)], check=True)
        for m in ("vmailbox", "virtual"):
            subprocess.run([postfix_cmd("postmap"), "-c", str(self.conf),
                            str(self.conf / m)], check=True)
        r = subprocess.run([postfix, "-c", str(self.conf), "start"],
                           capture_output=True, text=True, timeout=60)
        if r.returncode != 0:
            pytest.fail("postfix did not start: " + r.stderr +
                        self._read("maillog"))
        self.postfix_started = True

        def up():
            try:
                socket.create_connection(("127.0.0.1", self.main),
                                         0.2).close()
                socket.create_connection(("127.0.0.1", self.hop),
                                         0.2).close()
            except OSError:
                return False
            return True
        wait_until(up, 15, lambda: "postfix to listen: " +
                   self._read("maillog"))

    def deploy(self, name):
        """docs/deploy/NAME as this instance runs it: its ports, no chroot
        (a test instance has none), the sink as the Internet, and no
        milter at all for bench/mail's baseline."""
        text = (DEPLOY / name).read_text()
        milter = ("" if not self.with_milter else
                  f"unix:{self.msock}" if self.unix_socket else
                  f"inet:127.0.0.1:{self.mport}")
        for old, new in (("inet:127.0.0.1:8891", milter),
                         (":10025", f":{self.hop}")):
            assert old in text, (name, old)
            text = text.replace(old, new)
        if name == "postfix-main.cf":
            # MAIN_CF sets its own forward_path after it (one entry, no
            # "overriding earlier entry" warnings)
            text, n = re.subn(r"^forward_path =.*$", "", text, flags=re.M)
            assert n == 1, text
        if name == "postfix-master.cf":
            text, n = re.subn(r"-o content_filter=smtp:$",
                              "-o content_filter=smtp:[127.0.0.1]:"
                              f"{self.sink.port}", text, flags=re.M)
            assert n == 1, text
            text = re.sub(r"^(\S+\s+\S+\s+\S+\s+\S+\s+)y(\s)",
                          r"\1n\2", text, flags=re.M)
        return text

    def _read(self, name):
        p = self.d / name
        return p.read_text(errors="replace") if p.exists() else ""

    def _collect_logs(self):
        self.logs = {n: self._read(n) for n in
                     ("maillog", "dovecot.log", "milter.log")}

    # -- use -------------------------------------------------------------
    def send(self, sender, rcpts, headers=None, body="hello\r\n",
             port=None):
        """Sends one message through the main smtpd; returns its
        Message-ID (without brackets)."""
        msg = email.message.EmailMessage()
        mid = email.utils.make_msgid(domain="test.example")
        msg["From"] = sender
        msg["To"] = ", ".join(rcpts)
        msg["Subject"] = "test"
        msg["Message-ID"] = mid
        for k, v in (headers or {}).items():
            del msg[k]
            msg[k] = v
        msg.set_content(body)
        with smtplib.SMTP("127.0.0.1", port or self.main, timeout=30) as s:
            s.send_message(msg, from_addr=sender, to_addrs=rcpts)
        return mid.strip("<>")

    def forward_file(self, user, content):
        f = self.d / "fwd" / f"{user}.forward"
        f.write_text(content)
        shutil.chown(f, user)
        return f

    def sieve(self, user, script):
        home = self.d / "home" / user
        home.mkdir(exist_ok=True)
        (home / ".dovecot.sieve").write_text(script)
        shutil.chown(home, "mail", "mail")
        shutil.chown(home / ".dovecot.sieve", "mail", "mail")

    def mailbox(self, user):
        """Messages (bytes) in user's Dovecot INBOX."""
        out = []
        for sub in ("new", "cur"):
            p = self.d / "mail" / user / sub
            if p.is_dir():
                out += [f.read_bytes() for f in sorted(p.iterdir())]
        return out

    def queue(self):
        """postqueue -j: the messages in this instance's queue."""
        r = subprocess.run([postfix_cmd("postqueue"), "-c", str(self.conf),
                            "-j"], capture_output=True, text=True,
                           timeout=30)
        return [json.loads(line) for line in r.stdout.splitlines()
                if line.strip()]

    def trace(self, *args):
        r = run_cli(["mail", "trace", "--json", *args], db=self.db,
                    env=self.env)
        assert r.returncode == 0, r.stderr
        return json.loads(r.stdout)

    def flows(self, message_id):
        return self.trace("--message-id", message_id)

    def wait_flow(self, message_id, hop, timeout=30):
        """The record of message_id on hop ("mx.gov.test" or
        "govsec-outbound"), once the milter wrote it."""
        def find():
            for f in self.flows(message_id):
                if f["hop"] == hop:
                    return f
            return None
        return wait_until(find, timeout, lambda: f"a {hop} record of "
                          f"{message_id}: " + self._read("maillog")[-3000:])


@pytest.fixture(scope="module")
def lab():
    require(str(GOVSEC_MILTER), "(build govsec-milter)")
    with MailLab() as m:
        yield m


def audit_records(lab):
    r = run_cli(["audit", "export"], db=lab.db, env=lab.env)
    assert r.returncode == 0, r.stderr
    return [json.loads(line) for line in r.stdout.splitlines()]


def test_sieve_redirect_rejected_in_session(lab):
    """Pigeonhole's redirect goes to the main smtpd (submission_host); the
    milter rejects it there, Dovecot keeps the message, nothing leaves."""
    lab.sieve("sr", f'redirect "ext1@{OUTSIDE}";\n')
    mid = lab.send(f"x1@{OUTSIDE}", [f"sr@{STAFF}"])
    f = wait_until(lambda: [g for g in lab.flows(mid)
                            if g["decision"] == "reject"], 30,
                   lambda: "the redirect's reject: " +
                   lab._read("dovecot.log")[-2000:])[0]
    assert f["hop"] == "mx.gov.test"
    assert "sieve-redirect" in f["signals"].split(",")
    assert f["rcpts"] == f"ext1@{OUTSIDE}"
    # Dovecot kept it (the redirect failed): the user still has the mail
    wait_until(lambda: any(mid.encode() in m for m in lab.mailbox("sr")),
               30, "the message kept in sr's INBOX")
    assert lab.sink.to(f"ext1@{OUTSIDE}") == []


def held(lab, queue_id):
    return [q for q in lab.queue() if q["queue_id"] == queue_id and
            q["queue_name"] == "hold"]


@pytest.mark.parametrize("rcpt,user,ext", [
    (f"nobody@{LOCAL}", "nobody", f"ext2@{OUTSIDE}"),   # .forward
    (f"fwdalias@{LOCAL}", None, f"ext3@{OUTSIDE}"),     # /etc/aliases
    (f"va@{STAFF}", None, f"ext4@{OUTSIDE}"),           # virtual alias
])
def test_postfix_forwarding_held_on_hop(lab, rcpt, user, ext):
    """.forward, aliases and virtual aliases expand inside Postfix, where
    no smtpd milter sees them: the outbound hop does, sees the final
    envelope with ORCPT, and holds the message (a reject there would
    bounce to the outside sender)."""
    if user:
        lab.forward_file(user, ext + "\n")
    mid = lab.send(f"x2@{OUTSIDE}", [rcpt])
    first = lab.wait_flow(mid, "mx.gov.test")
    assert first["decision"] == "accept"   # a local recipient there
    f = lab.wait_flow(mid, "govsec-outbound")
    assert f["decision"] == "quarantine", f
    sig = f["signals"].split(",")
    assert "orcpt-local" in sig and "foreign-sender" in sig, f
    assert f["rcpts"] == f"{ext}({rcpt})"
    assert f["sender"] == f"x2@{OUTSIDE}"
    wait_until(lambda: held(lab, f["queue_id"]), 30,
               f"{f['queue_id']} on hold: {lab.queue()}")
    assert lab.sink.to(ext) == []
    # trace by the outside address and by the local one
    assert [g["id"] for g in lab.trace("--address", ext)] == [f["id"]]
    assert f["id"] in [g["id"] for g in lab.trace("--address", rcpt)]


def test_alias_forwarding_from_local_sender_rejected(lab):
    """A local sender's mail forwarded by an alias is rejected on the hop:
    the bounce goes to the local sender, not outside."""
    mid = lab.send(f"bob@{STAFF}", [f"fwdalias@{LOCAL}"])
    f = lab.wait_flow(mid, "govsec-outbound")
    assert f["decision"] == "reject", f
    wait_until(lambda: any(b"Undelivered" in m or b"5.7.1" in m
                           for m in lab.mailbox("bob")), 30,
               lambda: "the bounce in bob's INBOX: " +
               lab._read("maillog")[-3000:])
    assert lab.sink.to(f"ext3@{OUTSIDE}") == []


def test_ordinary_mail_delivered(lab):
    """Inbound, local-to-local, a list alias of local members and a reply
    to an outside sender all arrive; the reply is recorded on both hops."""
    m1 = lab.send(f"x5@{OUTSIDE}", [f"alice@{STAFF}"])
    m2 = lab.send(f"bob@{STAFF}", [f"alice@{STAFF}"])
    m3 = lab.send(f"x5@{OUTSIDE}", [f"team@{LOCAL}"])
    m4 = lab.send(f"alice@{STAFF}", [f"x5@{OUTSIDE}"],
                  headers={"In-Reply-To": f"<{m1}>", "Subject": "Re: test"})
    for mid, user in ((m1, "alice"), (m2, "alice"), (m3, "alice"),
                      (m3, "bob")):
        wait_until(lambda: any(mid.encode() in m
                               for m in lab.mailbox(user)), 30,
                   lambda: f"{mid} in {user}'s INBOX: " +
                   lab._read("maillog")[-3000:])
    got = wait_until(lambda: lab.sink.to(f"x5@{OUTSIDE}"), 30,
                     "the reply at the outside sender")
    assert got[0]["from"] == f"alice@{STAFF}"
    assert m4.encode() in got[0]["data"]
    assert lab.wait_flow(m4, "govsec-outbound")["decision"] == "accept"
    assert lab.wait_flow(m4, "mx.gov.test")["decision"] == "accept"


def test_nothing_bounced_outside_and_audited(lab):
    """After every case above: the outside received only the reply (no
    bounce, no forwarded copy), and every stop is in the audit chain."""
    outside = lab.sink.all()
    for m in outside:
        assert m["from"] != "", m          # no bounce to anyone outside
        assert m["rcpt"] == [f"x5@{OUTSIDE}"], m
    acts = [(r["action"], r["object"]) for r in audit_records(lab)
            if r["actor"] == "milter"]
    kinds = {a for a, _ in acts}
    assert {"mail.reject", "mail.quarantine"} <= kinds, acts
    stopped = lab.trace("--since", "2000-01-01")
    for f in stopped:
        if f["decision"] != "accept":
            assert ("mail." + f["decision"], "mail:" + f["id"]) in acts
    r = run_cli(["audit", "verify"], db=lab.db)
    assert r.returncode == 0, r.stdout + r.stderr


def test_hop_takes_at_data_what_the_main_smtpd_judged(lab):
    """Ordinary mail to the outside: the main smtpd judges it with its
    headers; the hop sees the same envelope without a signal and accepts
    it at DATA (Postfix's cleanup runs no milter for it), its record
    carrying the Message-ID and naming the main smtpd's record."""
    mid = lab.send(f"alice@{STAFF}", [f"x6@{OUTSIDE}"])
    main = lab.wait_flow(mid, "mx.gov.test")
    hop = lab.wait_flow(mid, "govsec-outbound")
    assert hop["decision"] == "accept", hop
    assert hop["reason"] == ("no envelope signal; headers judged by the "
                             f"main smtpd (flow {main['id']})"), hop
    assert hop["message_id"] == main["message_id"] == mid
    assert hop["queue_id"] not in ("", main["queue_id"])
    wait_until(lambda: lab.sink.to(f"x6@{OUTSIDE}"), 30, "x6's copy")


def test_hop_judges_headers_it_was_not_handed(lab):
    """A message that reaches the hop without the main smtpd (here: sent to
    the hop directly) is judged with its headers there: a Gmail
    forwarding header from a local sender is rejected in the session."""
    with pytest.raises(smtplib.SMTPDataError) as e:
        lab.send(f"bob@{STAFF}", [f"x7@{OUTSIDE}"],
                 headers={"X-Forwarded-To": f"bob@{STAFF}"}, port=lab.hop)
    assert e.value.smtp_code == 550 and b"5.7.1" in e.value.smtp_error
    f = [g for g in lab.trace("--address", f"x7@{OUTSIDE}")
         if g["hop"] == "govsec-outbound"]
    assert f and f[0]["decision"] == "reject", f
    assert "x-forwarded" in f[0]["signals"].split(","), f
    assert lab.sink.to(f"x7@{OUTSIDE}") == []


def test_hop_judges_an_expanded_envelope(lab):
    """A local sender's message to an outside address and to a virtual
    alias that points outside: the main smtpd accepts it (its recipients
    are as sent), Postfix expands the alias after it; the hop's envelope
    is not the one the main smtpd judged (one more recipient, with a
    local ORCPT), so the hop judges it and stops it: the bounce goes to
    the local sender, nothing leaves."""
    mid = lab.send(f"bob@{STAFF}", [f"x8@{OUTSIDE}", f"va@{STAFF}"])
    assert lab.wait_flow(mid, "mx.gov.test")["decision"] == "accept"
    f = lab.wait_flow(mid, "govsec-outbound")
    assert f["decision"] == "reject", f
    assert "orcpt-local" in f["signals"].split(","), f
    assert "headers judged" not in f["reason"], f
    wait_until(lambda: any(mid.encode() in m and b"5.7.1" in m
                           for m in lab.mailbox("bob")), 30,
               lambda: "the bounce in bob's INBOX: " +
               lab._read("maillog")[-3000:])
    assert lab.sink.to(f"ext4@{OUTSIDE}") == []
