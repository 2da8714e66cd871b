"""govsec-milter over the milter protocol, case by case (miltertest, from
Debian's package 'miltertest', speaks to the real govsec-milter): each
forwarding signal as Postfix would send it (macros, ESMTP parameters,
headers), the cases that must pass, the three actions and the bilingual
reply, and the record each message leaves (`govsec mail trace`).
test_mail.py does the same with a real Postfix and Dovecot; this one
reaches what those do not make on demand (Exchange and Gmail headers, SRS,
the discard action)."""
import json
import pathlib
import socket
import subprocess
import time
import urllib.parse

import pytest

from conftest import BUILD, SRC, free_port, require, run_cli, stop, \
    wait_until

GOVSEC_MILTER = BUILD / "govsec-milter"


@pytest.fixture(scope="module", params=["reject", "discard"])
def milter(request, tmp_path_factory):
    """A govsec-milter with [milter] action = the param, on a free port."""
    require(str(GOVSEC_MILTER), "(build govsec-milter)")
    d = tmp_path_factory.mktemp("milter")
    port = free_port()
    conf = d / "govsec.conf"
    conf.write_text(f"[store]\npath = {d / 'govsec.db'}\n[milter]\n"
                    f"listen = inet:{port}@127.0.0.1\n"
                    "local_domains = gov.test\n"
                    f"action = {request.param}\n"
                    "exceptions = allowed@gov.test 2099-12-31\n")
    assert run_cli(["init"], db=d / "govsec.db").returncode == 0
    log = d / "milter.log"
    with open(log, "wb") as out:
        p = subprocess.Popen([str(GOVSEC_MILTER), "-c", str(conf)],
                             stdout=out, stderr=out)

    def up():
        if p.poll() is not None:
            pytest.fail("govsec-milter did not start: " + log.read_text())
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
        except OSError:
            return False
        return True
    try:
        wait_until(up, 10, "govsec-milter to listen")
        yield {"port": port, "db": d / "govsec.db", "action": request.param,
               "d": d}
    finally:
        assert stop(p) == 0, log.read_text()
    text = log.read_text()
    assert "Sanitizer" not in text and "runtime error" not in text, text


def lua_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def envelope(m, qid, hop, sender, rcpts, from_args=()):
    """miltertest's lines for a connection from hop and a message's
    envelope (recipients "addr|orcpt"); the queue ID is sent with MAIL
    (Postfix sends it at DATA and at the end too; miltertest sends no
    macros there)."""
    lines = [
        f'local conn = mt.connect("inet:{m["port"]}@127.0.0.1", 40, 0.25)',
        'if conn == nil then error("no connection") end',
        f'mt.macro(conn, SMFIC_CONNECT, "{{daemon_name}}", {lua_str(hop)})',
        'if mt.conninfo(conn, "localhost", "127.0.0.1") ~= nil then '
        'error("conninfo") end',
        f'mt.macro(conn, SMFIC_MAIL, "i", {lua_str(qid)})',
        "if mt.mailfrom(conn, " + ", ".join(map(lua_str, (sender,) +
                                              tuple(from_args))) +
        ') ~= nil then error("mailfrom") end',
    ]
    for r in rcpts:
        addr, _, orcpt = r.partition("|")
        extra = f", {lua_str('ORCPT=rfc822;' + orcpt)}" if orcpt else ""
        lines.append(f"if mt.rcptto(conn, {lua_str(addr)}{extra}) ~= nil "
                     'then error("rcptto") end')
    return lines


def run_case(m, qid, hop, sender, rcpts, headers, want, from_args=()):
    """One message through miltertest; want: 'accept', 'reject' (550 5.7.1
    with text), 'quarantine' or 'discard'. Returns the reply text check's
    output."""
    tool = require("miltertest", "miltertest")
    lines = envelope(m, qid, hop, sender, rcpts, from_args)
    for k, v in headers:
        lines.append(f"if mt.header(conn, {lua_str(k)}, {lua_str(v)}) ~= "
                     'nil then error("header") end')
    lines += [
        # no end of headers: govsec-milter asks Postfix not to send it
        # (SMFIP_NOEOH), and miltertest stops at an mt.eoh then
        'if mt.eom(conn) ~= nil then error("eom") end',
        "local r = mt.getreply(conn)",
    ]
    if want == "accept":
        lines.append('if r ~= SMFIR_ACCEPT or mt.eom_check(conn, '
                     'MT_QUARANTINE) then error("not accepted") end')
    elif want == "quarantine":
        lines.append('if r ~= SMFIR_ACCEPT or not mt.eom_check(conn, '
                     'MT_QUARANTINE) then error("not held") end')
    elif want == "discard":
        lines.append('if r ~= SMFIR_DISCARD then error("not discarded: " '
                     '.. r) end')
    else:
        text = ("Automatic forwarding of mail to outside addresses is not "
                "allowed (MAIL-1) / ")
        text += ("不允许将邮件自动转发到外部地址" if "SMTPUTF8" in from_args
                 else "Bu yunxu jiang youjian zidong zhuanfa dao waibu dizhi")
        lines.append('if r ~= SMFIR_REPLYCODE or not mt.eom_check(conn, '
                     f'MT_SMTPREPLY, "550", "5.7.1", {lua_str(text)}) then '
                     'error("not rejected with the text: " .. r) end')
    lines.append("mt.disconnect(conn)")
    script = m["d"] / f"{qid}.lua"
    script.write_text("\n".join(lines) + "\n")
    p = subprocess.run([tool, "-s", str(script)], capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 0, (want, p.stdout + p.stderr,
                               script.read_text())


def record(m, qid):
    """The mail-flow record of queue ID qid. An accepted message's record
    reaches the store from the milter's journal within about 50 ms of the
    answer (later on a busy machine): wait for it, up to 20 s."""
    deadline = time.monotonic() + 20
    while True:
        r = run_cli(["mail", "trace", "--json", "--since", "2000-01-01",
                     "--limit", "1000"], db=m["db"])
        assert r.returncode == 0, r.stderr
        got = [f for f in json.loads(r.stdout) if f["queue_id"] == qid]
        if got or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert len(got) == 1, got
    return got[0]


OUT = "outbound"  # any hop but the outbound one: stops are as configured
HOP = "govsec-outbound"

# (case, hop, sender, recipients "addr|orcpt", headers, stopped, signals)
CASES = [
    ("sieve", OUT, "<alice@gov.test>", ["<x@out.test>"],
     [("X-Sieve-Redirected-From", "alice@gov.test")], True,
     "sieve-redirect"),
    ("exchange", OUT, "<alice@gov.test>", ["<x@out.test>"],
     [("X-MS-Exchange-Inbox-Rules-Loop", "alice@gov.test")], True,
     "exchange-inbox-rule"),
    ("gmail", OUT, "<alice@gov.test>", ["<x@out.test>"],
     [("X-Forwarded-For", "alice@gov.test x@out.test")], True,
     "x-forwarded"),
    ("srs", OUT, "<SRS0=ab=cd=out2.test=bob@gov.test>", ["<x@out.test>"],
     [], True, "srs-sender"),
    ("foreign", OUT, "<bob@out2.test>", ["<x@out.test>"], [], True,
     "foreign-sender"),
    ("orcpt", OUT, "<bob@gov.test>", ["<x@out.test>|alice@gov.test"], [],
     True, "orcpt-local"),
    ("delivered", OUT, "<bob@gov.test>", ["<x@out.test>"],
     [("Delivered-To", "alice@gov.test")], False, "delivered-to-local"),
    # false positives
    ("list", HOP, "<staff-bounces@gov.test>",
     ["<m@out.test>|m@out.test", "<alice@gov.test>"],
     [("List-Id", "<staff.gov.test>"), ("Delivered-To", "staff@gov.test")],
     False, "delivered-to-local"),
    ("autoreply", HOP, "<>", ["<x@out.test>"],
     [("Auto-Submitted", "auto-replied"), ("In-Reply-To", "<1@out.test>")],
     False, ""),
    ("by-hand", OUT, "<alice@gov.test>", ["<x@out.test>|x@out.test"],
     [("Subject", "Fwd: minutes")], False, ""),
    ("inside", OUT, "<x@out.test>", ["<bob@gov.test>|alice@gov.test"],
     [("X-Sieve-Redirected-From", "alice@gov.test")], False, ""),
    ("exception", HOP, "<x@out.test>", ["<y@out.test>|allowed@gov.test"],
     [], False, "foreign-sender,orcpt-local"),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_signal(milter, case):
    name, hop, sender, rcpts, headers, stopped, signals = case
    qid = f"Q{name.upper().replace('-', '')}"
    want = milter["action"] if stopped else "accept"
    run_case(milter, qid, hop, sender, rcpts, headers, want)
    f = record(milter, qid)
    assert f["signals"] == signals
    assert f["decision"] == want
    assert f["hop"] == hop


def test_negotiation_round_trips(milter):
    """What govsec-milter asks the MTA for (bench/mail: each round trip
    and packet shows in Postfix's throughput): no reply at connect, MAIL,
    RCPT and each header; a reply at DATA (where the hop takes over what
    the main smtpd judged) and at the end of the message; no HELO, end of
    headers, body or unknown commands, and the quarantine action and its
    own macro lists."""
    lines = [f'local conn = mt.connect("inet:{milter["port"]}@127.0.0.1", '
             '40, 0.25)',
             'if mt.negotiate(conn, nil, nil, nil) ~= nil then '
             'error("negotiate") end']
    for flag in ("NR_CONN", "NR_MAIL", "NR_RCPT", "NR_HDR", "NOHELO",
                 "NOEOH", "NOBODY", "NOUNKNOWN"):
        lines.append(f'if not mt.test_option(conn, SMFIP_{flag}) then '
                     f'error("not asked: SMFIP_{flag}") end')
    for flag in ("NODATA", "NR_DATA"):
        lines.append(f'if mt.test_option(conn, SMFIP_{flag}) then '
                     f'error("asked: SMFIP_{flag}") end')
    # SMFIF_SETSYMLIST (0x100) has no name in miltertest's Lua
    lines += ['if not mt.test_action(conn, SMFIF_QUARANTINE) then '
              'error("no SMFIF_QUARANTINE") end',
              'if not mt.test_action(conn, 256) then '
              'error("no SMFIF_SETSYMLIST") end',
              'mt.disconnect(conn)']
    script = milter["d"] / "negotiate.lua"
    script.write_text("\n".join(lines) + "\n")
    p = subprocess.run([require("miltertest", "miltertest"), "-s",
                        str(script)], capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 0, p.stdout + p.stderr


def data_case(m, qid, hop, sender, rcpts, want):
    """A message up to DATA through miltertest; want: the reply at DATA,
    'accept' or 'continue'."""
    lines = envelope(m, qid, hop, sender, rcpts)
    code = {"accept": "SMFIR_ACCEPT", "continue": "SMFIR_CONTINUE"}[want]
    lines += ['if mt.data(conn) ~= nil then error("data") end',
              f'if mt.getreply(conn) ~= {code} then '
              f'error("not {want} at DATA: " .. mt.getreply(conn)) end',
              "mt.disconnect(conn)"]
    script = m["d"] / f"{qid}.lua"
    script.write_text("\n".join(lines) + "\n")
    p = subprocess.run([require("miltertest", "miltertest"), "-s",
                        str(script)], capture_output=True, text=True,
                       timeout=60)
    assert p.returncode == 0, (want, p.stdout + p.stderr)


def test_hop_takes_at_data_what_the_main_smtpd_accepted(milter):
    """The main smtpd's conversation judges a message with its headers and
    accepts it; the hop's, with the same envelope, is accepted at DATA and
    recorded with the main smtpd's Message-ID, naming its record. The main
    smtpd always goes on at DATA; so does the hop for an envelope it was
    not handed (another recipient) or one with a signal (a local ORCPT)."""
    data_case(milter, "QD0", OUT, "<alice@gov.test>", ["<z@out.test>"],
              "continue")
    run_case(milter, "QD1", OUT, "<alice@gov.test>", ["<z@out.test>"],
             [("Message-ID", "<d1@gov.test>")], "accept")
    main = record(milter, "QD1")
    data_case(milter, "QD2", HOP, "<alice@gov.test>", ["<w@out.test>"],
              "continue")
    data_case(milter, "QD3", HOP, "<alice@gov.test>",
              ["<z@out.test>|bob@gov.test"], "continue")
    data_case(milter, "QD4", HOP, "<alice@gov.test>", ["<z@out.test>"],
              "accept")
    f = record(milter, "QD4")
    assert f["decision"] == "accept" and f["hop"] == HOP, f
    assert f["message_id"] == main["message_id"] != "", (f, main)
    assert f["reason"] == ("no envelope signal; headers judged by the main "
                           f"smtpd (flow {main['id']})"), f
    # taken once: the same envelope again goes on to its end
    data_case(milter, "QD5", HOP, "<alice@gov.test>", ["<z@out.test>"],
              "continue")


def test_smtputf8_reply_and_hop_hold(milter):
    """A reject carries the Chinese text when the client asked for
    SMTPUTF8; on the outbound hop an outside sender's forward is held."""
    if milter["action"] == "reject":
        run_case(milter, "QUTF8", OUT, "<alice@gov.test>", ["<x@out.test>"],
                 [("X-Sieve-Redirected-From", "alice@gov.test")], "reject",
                 from_args=("SMTPUTF8",))
        want = "quarantine"
    else:
        want = "discard"
    run_case(milter, "QHOLD", HOP, "<x@out.test>",
             ["<y@out.test>|alice@gov.test"],
             [("Delivered-To", "alice@gov.test")], want)
    f = record(milter, "QHOLD")
    assert f["decision"] == want
    assert f["rcpts"] == "y@out.test(alice@gov.test)"
    # the stop is in the audit chain under the record's id
    r = run_cli(["audit", "export"], db=milter["db"])
    acts = [json.loads(line) for line in r.stdout.splitlines()]
    assert any(a["action"] == f"mail.{want}" and
               a["object"] == f"mail:{f['id']}" for a in acts)


def test_systemd_unit_verifies(tmp_path):
    """docs/deploy/govsec-milter.service passes `systemd-analyze verify`
    with no warning, and its sandbox stays as tight as govsecd's."""
    tool = require("systemd-analyze", "systemd")
    unit = (SRC / "docs/deploy/govsec-milter.service").read_text()
    assert "/usr/local/sbin/govsec-milter" in unit
    copy = tmp_path / "govsec-milter.service"
    copy.write_text(unit.replace("/usr/local/sbin/govsec-milter",
                                 str(GOVSEC_MILTER)))
    p = subprocess.run([tool, "verify", "--man=no", str(copy)],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and (p.stdout + p.stderr).strip() == "", \
        p.stdout + p.stderr
    p = subprocess.run([tool, "security", "--offline=yes", "--threshold=20",
                        str(copy)], capture_output=True, text=True,
                       timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr


def test_check_mode(tmp_path):
    """govsec-milter -n prints the policy; a configuration without local
    domains, with a bad action, exception or weight is refused, exit 2,
    naming the setting."""
    conf = tmp_path / "c.conf"
    db = tmp_path / "s.db"
    conf.write_text("[milter]\nlocal_domains = gov.test\n"
                    "exceptions = a@gov.test 2099-01-01\n")
    p = subprocess.run([str(GOVSEC_MILTER), "-n", "-c", str(conf), "-d",
                        str(db)], capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("configuration OK: listen unix:/run/govsec/"
                               "milter.sock, action reject, threshold 50, "
                               "outbound hop 'govsec-outbound', 1 local "
                               "domains, 1 exceptions"), p.stdout
    for text, why in (("[milter]\n", "no local domains"),
                      ("[milter]\nlocal_domains = gov.test\naction = bounce\n",
                       "bad value 'bounce' for [milter] action"),
                      ("[milter]\nlocal_domains = gov.test\n"
                       "exceptions = a@gov.test\n", "no end date"),
                      ("[milter]\nlocal_domains = gov.test\n"
                       "weights = orcpt-local=60 sieve=0\n",
                       "[milter] weights: unknown signal 'sieve'"),
                      ("[milter]\nlocal_domains = gov.test\n"
                       "weights = srs-sender=2000\n",
                       "[milter] weights: weight of srs-sender '2000'")):
        conf.write_text(text)
        p = subprocess.run([str(GOVSEC_MILTER), "-n", "-c", str(conf), "-d",
                            str(db)], capture_output=True, text=True,
                           timeout=60)
        assert p.returncode == 2 and why in p.stderr, (text, p.stderr)


def journal_line(fid, at, hop, sender, rcpt, msgid):
    """A line of govsec-milter's journal (src/mail/journal.c's format)."""
    q = lambda s: urllib.parse.quote(s, safe="")  # noqa: E731
    return "\t".join(["g1", fid, str(at), q(hop), "QJ1", "127.0.0.1",
                      q(sender), q(msgid), q(rcpt), "", "0", "accept",
                      q("score 0 below the threshold 50"),
                      f"1:{q(sender)} 2:{q(rcpt)}"]) + "\n"


def test_journal_committed_at_start(tmp_path):
    """What a milter that crashed left in its journal (accepted messages
    whose records were not yet in the store) is committed when it starts
    again, before it takes mail: the records are traced, a torn last line
    (never acknowledged) is dropped, the journal is emptied. A journal
    line that does not parse stops the start, naming the file and line."""
    port = free_port()
    db = tmp_path / "govsec.db"
    conf = tmp_path / "govsec.conf"
    conf.write_text(f"[store]\npath = {db}\n[milter]\n"
                    f"listen = inet:{port}@127.0.0.1\n"
                    "local_domains = gov.test\n")
    assert run_cli(["init"], db=db).returncode == 0
    journal = pathlib.Path(f"{db}.milter-journal.0")
    at = int(time.time())
    good = journal_line(f"{at:08x}0badcafe", at, "govsec-outbound",
                        "a%b@gov.test", "x@out.test", "j 1@gov.test")
    journal.write_text(good + good[:40])
    log = tmp_path / "milter.log"
    with open(log, "wb") as out:
        p = subprocess.Popen([str(GOVSEC_MILTER), "-c", str(conf)],
                             stdout=out, stderr=out)
    try:
        wait_until(lambda: "listening" in log.read_text(), 10,
                   lambda: "govsec-milter to start: " + log.read_text())
        assert "1 mail-flow records of the journal committed" in \
            log.read_text()
        r = run_cli(["mail", "trace", "--json", "--address", "x@out.test"],
                    db=db)
        got = json.loads(r.stdout)
        assert [(f["id"], f["sender"], f["message_id"], f["queue_id"])
                for f in got] == [(f"{at:08x}0badcafe", "a%b@gov.test",
                                   "j 1@gov.test", "QJ1")], got
        assert journal.stat().st_size == 0
    finally:
        assert stop(p) == 0, log.read_text()
    journal.write_text(good.replace("\taccept\t", "\tmaybe\t"))
    p = subprocess.run([str(GOVSEC_MILTER), "-c", str(conf)],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 1, p.stderr
    assert f"{journal}:1: a bad decision" in p.stderr, p.stderr
    assert journal.stat().st_size > 0
