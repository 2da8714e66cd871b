"""End-to-end tests of the gate's administration behind a REAL nginx
(docs/gate.md, "Administration" and "Devices"): bind and unbind reach
sessions that already exist; disabling, deleting a user and setting its
password end its sessions and its logins are answered like a wrong
password; devices lose their approval or are deleted; a device is only
registered by a login with every factor the user has, and a user's
pending devices are capped. The same through the console's API.

The running pair (govsecd with a [gate] listener and nginx) is the `gate`
fixture of test_gate.py, started afresh for this module with its own store;
clients come from 127.0.0.2 to .7, in its policy's office network.
Changes made by the CLI reach the running gate through the store; the tests
wait for them with bounded polls, never with timing assertions.
"""

import json
import re
import time
import urllib.parse

from test_gate import (HOST, PW, audit_rows, console, console_login,
                       enrol_form, gate, gate_cli, totp)

assert gate  # the fixture, imported for pytest

DEV = "__Host-govsec-device"
SESS = "__Host-govsec"


def until(fn, timeout=10.0):
    """fn()'s first true value, polled every 0.1 s; its last value when
    timeout seconds pass without one."""
    end = time.monotonic() + timeout
    while True:
        v = fn()
        if v or time.monotonic() > end:
            return v
        time.sleep(0.1)


def status(gate, path, jar, src):
    return gate.req(path, src=src, cookies=jar)[0]


def devices(gate, user):
    """`govsec gate devices` rows of user as lists of columns."""
    rc, out, err = gate_cli(gate.db, "gate", "devices")
    assert rc == 0, err
    return [ln.split("\t") for ln in out.splitlines()
            if ln.split("\t")[1:2] == [user]]


def wrong_password_answer(gate, user, src):
    st, _, _, body = gate.login(user, "not the password", src=src)
    return st, re.search(rb'<p role="alert" id="msg">[^<]*</p>', body).group(0)


# ---- item 3: bind and unbind reach existing sessions -----------------------

def test_bind_and_unbind_reach_existing_sessions(gate):
    src = "127.0.0.2"
    st, jar, _, _ = gate.login("fay", PW["fay"], src=src)
    assert st == 200
    assert status(gate, "/app/index.html", jar, src) == 200
    assert gate_cli(gate.db, "gate", "bind", "fay")[0] == 0
    # bound now, and her device is not approved: the session is refused
    assert until(lambda: status(gate, "/app/index.html", jar, src) == 403)
    bound = lambda rows: any("account is bound" in (a or "")  # noqa: E731
                             for _, a in rows)
    assert bound(audit_rows(gate.db, "gate.deny", until=bound))
    assert gate_cli(gate.db, "gate", "unbind", "fay")[0] == 0
    assert until(lambda: status(gate, "/app/index.html", jar, src) == 200)


# ---- item 9: disable, enable, delete, new password -------------------------

def test_disable_ends_sessions_and_refuses_like_a_wrong_password(gate):
    src = "127.0.0.3"
    st, jar, _, _ = gate.login("erin", PW["erin"], src=src)
    assert st == 200 and status(gate, "/app/index.html", jar, src) == 200
    wrong = wrong_password_answer(gate, "erin", src)
    rc, out, err = gate_cli(gate.db, "gate", "user", "disable", "erin")
    assert rc == 0 and out == "gate user 'erin' disabled\n", err
    assert until(lambda: status(gate, "/app/index.html", jar, src) == 302)
    ended = ("gate user 'erin'", "1 session ended")
    assert ended in audit_rows(gate.db, "gate.user.disable",
                               until=lambda rows: ended in rows)
    # the right password gets exactly the wrong password's answer
    st, jar2, _, body = gate.login("erin", PW["erin"], src=src)
    assert (st, re.search(rb'<p role="alert" id="msg">[^<]*</p>',
                          body).group(0)) == wrong
    assert SESS not in jar2
    refused = lambda rows: any("erin" in o and a == "account disabled"  # noqa
                               for o, a in rows)
    assert refused(audit_rows(gate.db, "gate.login.fail", until=refused))

    # so does the security-key login (erin has no key: 409 if let in)
    def key_begin(user, password):
        st, _, out = gate.req(
            "/govsec/key/login/begin", method="POST", src=src,
            body=json.dumps({"username": user, "password": password}),
            headers={"Content-Type": "application/json",
                     "Origin": f"http://{HOST}"})
        return st, out

    assert key_begin("erin", PW["erin"]) == key_begin("nobody", "x" * 9)
    assert key_begin("erin", PW["erin"])[0] == 401
    rc, out, _ = gate_cli(gate.db, "gate", "user", "list")
    assert re.search(r"^erin\t.*\tdisabled$", out, re.M)
    assert gate_cli(gate.db, "gate", "user", "enable", "erin")[0] == 0
    st, jar, _, _ = gate.login("erin", PW["erin"], src=src)
    assert st == 200 and status(gate, "/app/index.html", jar, src) == 200
    rc, _, err = gate_cli(gate.db, "gate", "user", "disable", "nobody")
    assert rc != 0 and "no gate user 'nobody'" in err


def test_delete_user(gate):
    src = "127.0.0.4"
    st, jar, _, _ = gate.login("dave", PW["dave"], src=src)
    assert st == 200 and status(gate, "/app/index.html", jar, src) == 200
    assert devices(gate, "dave")  # a one-factor user's device
    wrong = wrong_password_answer(gate, "dave", src)
    rc, out, err = gate_cli(gate.db, "gate", "user", "delete", "dave")
    assert rc == 0 and out == "gate user 'dave' deleted\n", err
    assert until(lambda: status(gate, "/app/index.html", jar, src) == 302)
    assert not devices(gate, "dave")
    assert audit_rows(gate.db, "gate.user.delete")
    st, _, _, body = gate.login("dave", PW["dave"], src=src)
    assert (st, re.search(rb'<p role="alert" id="msg">[^<]*</p>',
                          body).group(0)) == wrong


def test_new_password(gate):
    src = "127.0.0.5"
    st, jar, _, _ = gate.login("bob", PW["bob"], src=src)
    assert st == 200 and status(gate, "/app/index.html", jar, src) == 200
    rc, _, err = gate_cli(gate.db, "gate", "user", "passwd", "bob",
                          stdin="short\n")
    assert rc != 0 and "8 to 1024 bytes" in err
    assert status(gate, "/app/index.html", jar, src) == 200
    rc, _, err = gate_cli(gate.db, "gate", "user", "passwd", "bob",
                          stdin="bob's new password\n")
    assert rc == 0, err
    assert until(lambda: status(gate, "/app/index.html", jar, src) == 302)
    assert gate.login("bob", PW["bob"], src=src)[0] == 401
    st, jar, _, _ = gate.login("bob", "bob's new password", src=src)
    assert st == 200 and status(gate, "/app/index.html", jar, src) == 200
    assert audit_rows(gate.db, "gate.user.password")


def test_disabled_user_cannot_finish_an_enrolment(gate):
    """An enrolment begun before the account was disabled does not end in
    a second factor or a session, by code or by security key."""
    src = "127.0.0.5"
    assert gate_cli(gate.db, "gate", "invite", "fay")[0] == 0
    st, _, _, body = gate.login("fay", PW["fay"], src=src)
    assert st == 200
    _, handle, secret = enrol_form(body)
    assert gate_cli(gate.db, "gate", "user", "disable", "fay")[0] == 0
    st, _, _ = gate.req("/govsec/key/register/begin", method="POST", src=src,
                        body=json.dumps({"enrol": handle}),
                        headers={"Content-Type": "application/json",
                                 "Origin": f"http://{HOST}"})
    assert st == 403
    form = urllib.parse.urlencode({"handle": handle, "code": totp(secret),
                                   "lang": "en"})
    st, hdrs, _ = gate.req("/govsec/enrol", src=src, method="POST",
                           body=form)
    assert st == 410
    assert not [v for k, v in hdrs if k.lower() == "set-cookie"
                and v.startswith("__Host-govsec=")]
    rc, out, _ = gate_cli(gate.db, "gate", "user", "list")
    assert re.search(r"^fay\t[^\n]*\tpassword\t", out, re.M)
    assert gate_cli(gate.db, "gate", "user", "enable", "fay")[0] == 0
    assert gate_cli(gate.db, "gate", "invite", "fay", "--hours", "0")[0] == 0


# ---- item 5: registering devices ---------------------------------------------

def test_password_alone_registers_no_device_of_a_two_factor_user(gate):
    src = "127.0.0.6"
    # alice has TOTP: her password alone signs her in, without a device
    st, jar, _, _ = gate.login("alice", PW["alice"], src=src)
    assert st == 200 and DEV not in jar
    assert status(gate, "/app/index.html", jar, src) == 200
    assert not devices(gate, "alice")
    nodev = lambda rows: any("no device" in (a or "")  # noqa: E731
                             for o, a in rows if "alice" in o)
    assert nodev(audit_rows(gate.db, "gate.login", until=nodev))
    # bound, her password alone is told to bring the second factor
    assert gate_cli(gate.db, "gate", "bind", "alice")[0] == 0
    st, jar, _, body = gate.login("alice", PW["alice"], src=src)
    assert st == 401 and b"not registered yet" in body and DEV not in jar
    assert not devices(gate, "alice")
    # with the code the device is registered, pending, and its id shown
    st, jar, _, body = gate.login("alice", PW["alice"], totp(gate.secret),
                                  src=src)
    assert st == 403 and DEV in jar
    dev_id = jar[DEV].split(".")[0]
    assert f'<code id="device-id">{dev_id}</code>'.encode() in body
    rows = devices(gate, "alice")
    assert [r[:3] for r in rows] == [[dev_id, "alice", "pending"]]
    assert rows[0][4] == "2 factors" and rows[0][5] == src
    # with that device cookie, the password alone finds the device again
    # (it is not registered twice)
    st, _, _, body = gate.login("alice", PW["alice"], src=src,
                                cookies={DEV: jar[DEV]})
    assert st == 403 and dev_id.encode() in body
    assert len(devices(gate, "alice")) == 1
    assert gate_cli(gate.db, "gate", "unbind", "alice")[0] == 0


def test_pending_devices_are_capped(gate):
    src = "127.0.0.7"
    # carol is bound and has one factor: each new browser is registered
    ids = []
    for _ in range(5):
        st, jar, _, body = gate.login("carol", PW["carol"], src=src)
        assert st == 403
        ids.append(jar[DEV].split(".")[0])
        assert f'<code id="device-id">{ids[-1]}</code>'.encode() in body
    rows = devices(gate, "carol")
    pending = [r[0] for r in rows if r[2] == "pending"]
    assert len(pending) == 3 and ids[-1] in pending and ids[0] not in pending
    assert all(r[4] == "1 factor" for r in rows)


def test_unapprove_and_delete_device(gate):
    src = "127.0.0.2"
    st, jar, _, _ = gate.login("carol", PW["carol"], src=src)
    assert st == 403
    dev = {DEV: jar[DEV]}
    dev_id = jar[DEV].split(".")[0]
    assert gate_cli(gate.db, "gate", "approve", dev_id)[0] == 0
    st, jar, _, _ = gate.login("carol", PW["carol"], src=src, cookies=dev)
    assert st == 200
    assert until(lambda: status(gate, "/dev/index.html", jar, src) == 200)
    rc, out, err = gate_cli(gate.db, "gate", "unapprove", dev_id)
    assert rc == 0, err
    # bound, on a device no longer approved: refused
    assert until(lambda: status(gate, "/app/index.html", jar, src) == 403)
    assert [r[2] for r in devices(gate, "carol")
            if r[0] == dev_id] == ["pending"]
    assert audit_rows(gate.db, "gate.device.unapprove")
    # fay is not bound: her session on a deleted device ends with it
    src = "127.0.0.3"
    st, jar, _, _ = gate.login("fay", PW["fay"], src=src)
    assert st == 200 and status(gate, "/app/index.html", jar, src) == 200
    fay_dev = jar[DEV].split(".")[0]
    assert gate_cli(gate.db, "gate", "device-rm", fay_dev)[0] == 0
    assert until(lambda: status(gate, "/app/index.html", jar, src) == 302)
    assert not [r for r in devices(gate, "fay") if r[0] == fay_dev]
    # the cookie of a deleted device is a stranger's: a new device
    st, jar, _, _ = gate.login("fay", PW["fay"], src=src,
                               cookies={DEV: jar[DEV]})
    assert st == 200 and jar[DEV].split(".")[0] != fay_dev
    rc, _, err = gate_cli(gate.db, "gate", "device-rm", fay_dev)
    assert rc != 0 and f"no gate device '{fay_dev}'" in err
    assert audit_rows(gate.db, "gate.device.delete")


# ---- the same through the console's API -----------------------------------

def test_console_api_administration(gate):
    admin = console_login(gate, "root")
    viewer = console_login(gate, "viewer")
    src = "127.0.0.4"
    st, jar, _, _ = gate.login("erin", PW["erin"], src=src)
    assert st == 200
    for method, path in [("POST", "/api/gate/users/erin/bind"),
                         ("POST", "/api/gate/users/erin/unbind"),
                         ("POST", "/api/gate/users/erin/disable"),
                         ("POST", "/api/gate/users/erin/enable"),
                         ("POST", "/api/gate/users/erin/password"),
                         ("DELETE", "/api/gate/users/erin"),
                         ("POST", "/api/gate/devices/x/unapprove"),
                         ("DELETE", "/api/gate/devices/x")]:
        assert console(gate, method, path, session=viewer)[0] == 403, path
    # binding reaches erin's session (her device is not approved)
    assert status(gate, "/app/index.html", jar, src) == 200
    assert console(gate, "POST", "/api/gate/users/erin/bind",
                   session=admin)[0] == 204
    assert until(lambda: status(gate, "/app/index.html", jar, src) == 403)
    assert console(gate, "POST", "/api/gate/users/erin/unbind",
                   session=admin)[0] == 204
    assert until(lambda: status(gate, "/app/index.html", jar, src) == 200)
    assert console(gate, "POST", "/api/gate/users/nobody/bind",
                   session=admin)[0] == 404
    assert console(gate, "POST", "/api/gate/users/erin/disable",
                   session=admin)[0] == 204
    _, _, users = console(gate, "GET", "/api/gate/users", session=viewer)
    erin = [u for u in users["users"] if u["name"] == "erin"][0]
    assert erin["disabled"] is True
    assert until(lambda: status(gate, "/app/index.html", jar, src) == 302)
    assert gate.login("erin", PW["erin"], src=src)[0] == 401
    assert console(gate, "POST", "/api/gate/users/erin/enable",
                   session=admin)[0] == 204
    # a new password: given, or made by the server and shown once
    st, _, err = console(gate, "POST", "/api/gate/users/erin/password",
                         {"password": "short"}, session=admin)
    assert st == 422 and "8 to 1024" in err["error"]["message"]
    assert console(gate, "POST", "/api/gate/users/erin/password",
                   {"password": "erin's api password"},
                   session=admin)[0] == 204
    assert gate.login("erin", "erin's api password", src=src)[0] == 200
    st, _, made = console(gate, "POST", "/api/gate/users/erin/password", {},
                          session=admin)
    assert st == 200
    assert re.fullmatch(r"[a-z2-9]{4}(-[a-z2-9]{4}){4}", made["password"])
    st, jar, _, _ = gate.login("erin", made["password"], src=src)
    assert st == 200
    assert console(gate, "POST", "/api/gate/users/nobody/disable",
                   session=admin)[0] == 404
    assert console(gate, "POST", "/api/gate/users/nobody/password",
                   {"password": "long enough 1"}, session=admin)[0] == 404
    # devices: the list says how they were registered; withdrawn, deleted
    _, _, devs = console(gate, "GET", "/api/gate/devices", session=viewer)
    mine = [d for d in devs["devices"] if d["id"] == jar[DEV].split(".")[0]]
    assert mine and mine[0]["factors"] == 1 and mine[0]["address"] == src
    did = mine[0]["id"]
    assert console(gate, "POST", f"/api/gate/devices/{did}/approve",
                   session=admin)[0] == 204
    assert console(gate, "POST", f"/api/gate/devices/{did}/unapprove",
                   session=admin)[0] == 204
    _, _, devs = console(gate, "GET", "/api/gate/devices", session=viewer)
    assert [d["approved"] for d in devs["devices"] if d["id"] == did] == \
        [False]
    assert console(gate, "DELETE", f"/api/gate/devices/{did}",
                   session=admin)[0] == 204
    assert console(gate, "DELETE", f"/api/gate/devices/{did}",
                   session=admin)[0] == 404
    assert until(lambda: status(gate, "/app/index.html", jar, src) == 302)
    # deleting the user
    assert console(gate, "DELETE", "/api/gate/users/erin",
                   session=admin)[0] == 204
    assert console(gate, "DELETE", "/api/gate/users/erin",
                   session=admin)[0] == 404
    _, _, users = console(gate, "GET", "/api/gate/users", session=viewer)
    assert "erin" not in [u["name"] for u in users["users"]]
    for action in ("gate.user.disable", "gate.user.enable",
                   "gate.user.password", "gate.user.delete",
                   "gate.device.unapprove", "gate.device.delete"):
        assert audit_rows(gate.db, action), action
