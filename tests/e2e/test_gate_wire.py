"""The gate listener's own HTTP/1.1 (src/gate/wire.c) on the real govsecd,
straight on its TCP port (no nginx: these are the bytes an attacker who
reaches the port, or a confused proxy, would send): a NUL or a control byte
in a request head, a second Host, Content-Length with Transfer-Encoding are
answered 400 and the connection closed, so nothing after them is read as a
request of its own; and the per-peer connection cap (`[gate]
peer_connections`), under which a new connection takes the place of the
peer's least recently used idle one, while a trusted proxy (nginx's
keep-alive pool) is held only to the listener's total. Clients connect
from loopback source addresses: 127.0.0.1 is a trusted proxy (the
default), 127.0.0.5 is not. Stdlib and pytest only.
"""

import socket

import pytest

from conftest import free_port, running_govsecd, tcp_ready

PEER_CONNS = 3  # [gate] peer_connections in this test
HEALTH = b"GET /govsec/health HTTP/1.1\r\nHost: gate\r\n\r\n"


@pytest.fixture(scope="module")
def gate(tmp_path_factory):
    d = tmp_path_factory.mktemp("gate-wire")
    port = free_port()
    conf = d / "govsec.conf"
    conf.write_text(f"[store]\npath = {d / 'govsec.db'}\n[console]\n"
                    f"listen = 127.0.0.1:{free_port()}\n[gate]\n"
                    f"listen = 127.0.0.1:{port}\n"
                    f"peer_connections = {PEER_CONNS}\n")
    with running_govsecd(conf, d / "govsecd.log", tcp_ready(port)):
        yield port


def connect(port, src):
    s = socket.create_connection(("127.0.0.1", port), timeout=10,
                                 source_address=(src, 0))
    return s


def answers(port, data, src="127.0.0.1"):
    """Sends data on a new connection and reads until the gate closes it
    (or 10 s pass); the status codes of every answer in the bytes."""
    s = connect(port, src)
    s.sendall(data)
    got = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
    except (socket.timeout, ConnectionResetError):
        pass
    s.close()
    return [int(line.split(b" ")[1]) for line in got.split(b"\r\n")
            if line.startswith(b"HTTP/1.1 ")]


def one_answer(s, data=HEALTH):
    """Sends data on s and reads one answer head: its status (the gate's
    health answer has no body), or None if the connection closed."""
    try:
        s.sendall(data)
        got = b""
        while b"\r\n\r\n" not in got:
            chunk = s.recv(4096)
            if not chunk:
                return None
            got += chunk
    except (ConnectionResetError, BrokenPipeError):
        return None
    return int(got.split(b" ")[1])


def closed(s):
    """True if the gate closed s (nothing was sent on it since)."""
    try:
        return s.recv(1) == b""
    except ConnectionResetError:
        return True


def test_nul_in_head_is_400_and_nothing_after_it_runs(gate):
    second = b"GET /govsec/health HTTP/1.1\r\nHost: gate\r\n\r\n"
    head = (b"GET /govsec/health HTTP/1.1\r\nHost: gate\r\n\0X: y\r\n"
            b"Content-Length: %d\r\n\r\n" % len(second))
    # a NUL at the start of a line used to end the head there: the
    # Content-Length was lost and the body answered as a second request
    assert answers(gate, head + second) == [400]
    assert answers(gate, b"GET /govsec/health HTTP/1.1\r\nHost: ga\0te"
                   b"\r\n\r\n" + second) == [400]
    assert answers(gate, b"GET /govsec/health HTTP/1.1\r\nHost: gate\r\n"
                   b"X: \x1b[2J\r\n\r\n" + second) == [400]
    # the same request without the NUL: one answer, then the body's
    assert answers(gate, head.replace(b"\0X: y\r\n", b"") + second +
                   b"GET / HTTP/1.1\r\nHost: g\r\nConnection: close\r\n"
                   b"\r\n") == [204, 404]


def test_second_host_and_length_with_encoding_are_400(gate):
    assert answers(gate, b"GET /govsec/health HTTP/1.1\r\nHost: a\r\n"
                   b"Host: b\r\n\r\n" + HEALTH) == [400]
    assert answers(gate, b"POST /govsec/login HTTP/1.1\r\nHost: a\r\n"
                   b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n"
                   b"\r\n0\r\n\r\n" + HEALTH) == [400]


def test_untrusted_peer_cap_idle_gives_way(gate):
    conns = [connect(gate, "127.0.0.5") for _ in range(PEER_CONNS)]
    try:
        for s in conns:
            assert one_answer(s) == 204
        # the first is used again: the second is the least recently used
        assert one_answer(conns[0]) == 204
        new = connect(gate, "127.0.0.5")
        conns.append(new)
        assert one_answer(new) == 204
        assert closed(conns[1])
        for s in (conns[0], conns[2], new):
            assert one_answer(s) == 204
    finally:
        for s in conns:
            s.close()


def test_untrusted_peer_cap_busy_refuses(gate):
    post = (b"POST /govsec/login HTTP/1.1\r\nHost: gate\r\n"
            b"Content-Length: 4\r\nExpect: 100-continue\r\n\r\n")
    conns = [connect(gate, "127.0.0.6") for _ in range(PEER_CONNS)]
    try:
        # a request under way on each ("100 Continue" came back)
        for s in conns:
            assert one_answer(s, post) == 100
        extra = connect(gate, "127.0.0.6")
        conns.append(extra)
        assert closed(extra)
        # another peer is not affected
        other = connect(gate, "127.0.0.7")
        conns.append(other)
        assert one_answer(other) == 204
    finally:
        for s in conns:
            s.close()


def test_trusted_proxy_holds_many(gate):
    conns = [connect(gate, "127.0.0.1") for _ in range(4 * PEER_CONNS)]
    try:
        for s in conns:
            assert one_answer(s) == 204
        for s in conns:  # none was closed for another
            assert one_answer(s) == 204
    finally:
        for s in conns:
            s.close()
