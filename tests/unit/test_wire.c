/*
 * test_wire.c: the gate listener's HTTP/1.1 request-head parser
 * (src/gate/wire.c): what nginx and browsers send, pipelined requests,
 * incomplete heads, and each refusal with its status; and the listener's
 * connection caps on a loopback socket (per untrusted peer, in all, and
 * idle connections giving way to new ones).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <semaphore.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "gate/wire.h"

/* Parses a copy of s; the result, rq filled. */
static int
parse(const char *s, struct wire_req *rq, char **keep)
{
	size_t n = strlen(s);
	char *b = malloc(n + 1);

	memcpy(b, s, n + 1);
	*keep = b;
	return wire_parse(b, n, rq);
}

static void
test_nginx_auth_request(void **state)
{
	const char *s = "GET /api/authz/auth-request HTTP/1.1\r\n"
			"X-Original-URL: https://oa.example.gov.cn/a?b=1\r\n"
			"X-Original-Method: GET\r\n"
			"X-Forwarded-For:  10.1.2.3 \r\n"
			"Host: govsec_gate\r\n"
			"Cookie: __Host-govsec=abc; x=y\r\n\r\n";
	struct wire_req rq;
	char *b;

	(void)state;
	assert_int_equal(parse(s, &rq, &b), (int)strlen(s));
	assert_string_equal(rq.method, "GET");
	assert_string_equal(rq.path, "/api/authz/auth-request");
	assert_string_equal(rq.query, "");
	assert_int_equal(rq.minor, 1);
	assert_true(rq.keep_alive);
	assert_int_equal(rq.content_length, -1);
	assert_int_equal(rq.nhdr, 5);
	assert_string_equal(wire_header(&rq, "x-original-url"),
			    "https://oa.example.gov.cn/a?b=1");
	/* any case; surrounding blanks trimmed */
	assert_string_equal(wire_header(&rq, "X-Forwarded-For"), "10.1.2.3");
	assert_string_equal(wire_header(&rq, "COOKIE"),
			    "__Host-govsec=abc; x=y");
	assert_null(wire_header(&rq, "Origin"));
	free(b);
}

static void
test_form_post_and_query(void **state)
{
	const char *s =
	    "\r\nPOST /govsec/login?lang=zh&rd=%2Fx HTTP/1.0\r\n"
	    "Content-Type: application/x-www-form-urlencoded\r\n"
	    "Content-Length: 27\r\nConnection: keep-alive\r\n"
	    "Expect: 100-continue\r\n\r\nusername=li&password=secret";
	struct wire_req rq;
	char *b;
	int n;

	(void)state;
	n = parse(s, &rq, &b);
	/* the head only: the body is the caller's to wait for */
	assert_int_equal(n, (int)(strstr(s, "\r\n\r\n") - s) + 4);
	assert_string_equal(rq.method, "POST");
	assert_string_equal(rq.path, "/govsec/login");
	assert_string_equal(rq.query, "lang=zh&rd=%2Fx");
	assert_int_equal(rq.minor, 0);
	assert_true(rq.keep_alive); /* asked for on 1.0 */
	assert_true(rq.expect_continue);
	assert_int_equal(rq.content_length, 27);
	free(b);
}

static void
test_pipelined_and_incomplete(void **state)
{
	const char *two =
	    "GET /a HTTP/1.1\r\nHost: h\r\n\r\n"
	    "GET /b HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
	struct wire_req rq;
	char *b;
	int n;

	(void)state;
	n = parse(two, &rq, &b);
	assert_int_equal(n, 28);
	assert_string_equal(rq.path, "/a");
	assert_int_equal(wire_parse(b + n, strlen(two) - (size_t)n, &rq),
			 (int)strlen(two) - n);
	assert_string_equal(rq.path, "/b");
	assert_false(rq.keep_alive);
	free(b);
	/* not yet complete: 0, and the bytes are left as they were */
	assert_int_equal(parse("GET / HTTP/1.1\r\nHost: h\r\n", &rq, &b), 0);
	assert_string_equal(b, "GET / HTTP/1.1\r\nHost: h\r\n");
	free(b);
	assert_int_equal(parse("", &rq, &b), 0);
	free(b);
}

static void
test_refusals(void **state)
{
	static const struct {
		const char *req;
		int want;
	} cases[] = {
	    {"get / HTTP/1.1\r\nHost: h\r\n\r\n", -400},
	    {"GET  / HTTP/1.1\r\nHost: h\r\n\r\n", -400},
	    {"GET http://h/ HTTP/1.1\r\nHost: h\r\n\r\n", -400},
	    {"GET / HTTP/2.0\r\nHost: h\r\n\r\n", -505},
	    {"GET / HTTP/1.1x\r\nHost: h\r\n\r\n", -505},
	    {"GET / FTP/1.1\r\nHost: h\r\n\r\n", -400},
	    {"GET / HTTP/1.1\r\n\r\n", -400}, /* no Host on 1.1 */
	    {"GET / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n", -400},
	    {"GET / HTTP/1.1\r\nHost : h\r\n\r\n", -400},
	    {"GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n", -400},
	    {"GET / HTTP/1.1\r\nHost: h\nX: y\r\n\r\n", -400},
	    {"GET / HTTP/1.1\r\nHost: a\x01z\r\n\r\n", -400},
	    {"GET /\x7f HTTP/1.1\r\nHost: h\r\n\r\n", -400},
	    {"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", -400},
	    {"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1, 1\r\n\r\n",
	     -400},
	    {"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n"
	     "Content-Length: 2\r\n\r\n",
	     -400},
	    {"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 8193\r\n\r\n",
	     -413},
	    {"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n",
	     -501},
	};
	struct wire_req rq;
	char *b;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = parse(cases[i].req, &rq, &b);

		if (got != cases[i].want)
			fail_msg("case %zu: %d, expected %d", i, got,
				 cases[i].want);
		free(b);
	}
}

/* Parses n bytes of s (which may hold NULs); the result. */
static int
parse_n(const char *s, size_t n, struct wire_req *rq)
{
	char *b = malloc(n + 1);
	int got;

	memcpy(b, s, n + 1);
	got = wire_parse(b, n, rq);
	free(b);
	return got;
}

/* A NUL or another control byte anywhere in the head is a 400: a NUL at
 * the start of a line used to end the head there, so that a later
 * Content-Length was lost and the body read as a second request. */
static void
test_control_bytes(void **state)
{
	static const char nul_line[] =
	    "POST / HTTP/1.1\r\nHost: h\r\n\0X: y\r\n"
	    "Content-Length: 28\r\n\r\n"
	    "GET /admin HTTP/1.1\r\nH: h\r\n\r\n";
	static const struct {
		const char *req;
		size_t len;
	} cases[] = {
#define C(s) {s, sizeof(s) - 1}
	    C("GET / HTTP/1.1\r\nHost: h\r\n\0\r\n\r\n"),
	    C("GET / HTTP/1.1\r\nHost: h\0x\r\n\r\n"),
	    C("GET / HTTP/1.1\r\nHo\0st: h\r\n\r\n"),
	    C("GET /\0 HTTP/1.1\r\nHost: h\r\n\r\n"),
	    C("GET / HTTP/1.1\0\r\nHost: h\r\n\r\n"),
	    C("\0GET / HTTP/1.1\r\nHost: h\r\n\r\n"),
	    C("GET / HTTP/1.1\r\nHost: h\r\nX: \x1b[0m\r\n\r\n"),
	    C("GET / HTTP/1.1\r\nHost: h\r\nX: a\x7f\r\n\r\n"),
	    C("GET / HTTP/1.1\r\nHost: h\r\n\x01X: a\r\n\r\n"),
	    C("GET / HTTP/1.1\nHost: h\r\n\r\n"),
	    C("\nGET / HTTP/1.1\r\nHost: h\r\n\r\n"),
	    C("GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n"),
	    C("GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n"),
#undef C
	};
	struct wire_req rq;
	char *b;

	(void)state;
	assert_int_equal(parse_n(nul_line, sizeof(nul_line) - 1, &rq), -400);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = parse_n(cases[i].req, cases[i].len, &rq);

		if (got != -400)
			fail_msg("case %zu: %d, expected -400", i, got);
	}
	/* HTAB is the one control byte a value may hold */
	assert_true(
	    parse("GET / HTTP/1.1\r\nHost: h\r\nX: a\tb\r\n\r\n", &rq, &b) > 0);
	assert_string_equal(wire_header(&rq, "x"), "a\tb");
	free(b);
}

/* Fields that must appear once (RFC 9112 3.2, 6.1, 6.3). */
static void
test_duplicates(void **state)
{
	static const char *const bad[] = {
	    "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
	    "GET / HTTP/1.1\r\nHost: a\r\nHOST: a\r\n\r\n",
	    "GET / HTTP/1.0\r\nHost: a\r\nhost: \r\n\r\n",
	    "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n"
	    "Content-Length: 10\r\n\r\n",
	    "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n",
	    "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
	    "Content-Length: 3\r\n\r\n",
	};
	struct wire_req rq;
	char *b;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int got = parse(bad[i], &rq, &b);

		if (got != -400)
			fail_msg("case %zu: %d, expected -400", i, got);
		free(b);
	}
	/* the same Content-Length twice is one length (RFC 9112 6.3) */
	assert_true(parse("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n"
			  "Content-Length: 2\r\n\r\n",
			  &rq, &b) > 0);
	assert_int_equal(rq.content_length, 2);
	free(b);
}

static void
test_limits(void **state)
{
	struct buf big = BUF_INIT(1 << 20);
	struct wire_req rq;
	char *b;

	(void)state;
	/* 64 header fields are fine, 65 are not */
	buf_addstr(&big, "GET / HTTP/1.1\r\nHost: h\r\n");
	for (int i = 1; i < WIRE_HEADERS_MAX; i++)
		buf_printf(&big, "X-%d: %d\r\n", i, i);
	buf_addstr(&big, "\r\n");
	assert_int_equal(parse(big.data, &rq, &b), (int)big.len);
	assert_int_equal(rq.nhdr, WIRE_HEADERS_MAX);
	free(b);
	big.len -= 2;
	buf_addstr(&big, "X-last: 1\r\n\r\n");
	assert_int_equal(parse(big.data, &rq, &b), -431);
	free(b);
	/* a head that never ends within WIRE_HEAD_MAX bytes */
	buf_reset(&big);
	buf_addstr(&big, "GET / HTTP/1.1\r\nHost: h\r\nX: ");
	while (big.len < WIRE_HEAD_MAX)
		buf_addch(&big, 'a');
	assert_int_equal(parse(big.data, &rq, &b), -431);
	free(b);
	/* one that ends, but too late */
	buf_addstr(&big, "\r\n\r\n");
	assert_int_equal(parse(big.data, &rq, &b), -431);
	free(b);
	buf_cleanup(&big);
}

/* ---- the listener's connection caps ------------------------------------ */

static int peer_is_trusted; /* what the listener's trusted() answers */

static int
trusted(void *arg, const char *peer)
{
	(void)arg;
	assert_string_equal(peer, "127.0.0.1");
	return peer_is_trusted;
}

/* GET /block holds the listener's thread until the test lets it go. */
static sem_t blocked, unblock;

static void
answer(void *arg, const struct wire_req *rq, struct wire_resp *out)
{
	(void)arg;
	if (!strcmp(rq->path, "/block")) {
		sem_post(&blocked);
		sem_wait(&unblock);
	}
	out->status = 200;
	out->body = "ok";
	out->body_len = 2;
}

/* A listener on 127.0.0.1 with threads threads; its port in *port. */
static struct wire_server *
listener(int threads, int conns, int per_peer, int *port)
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	struct wire_limits lim = {conns, per_peer, 60, trusted};
	struct wire_server *s;
	struct err e;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(fd, 64), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &sl), 0);
	*port = ntohs(sin.sin_port);
	s = wire_start(fd, threads, &lim, answer, NULL, NULL, &e);
	assert_non_null(s);
	return s;
}

/* A client connection (reads give up after 10 s rather than hang). */
static int
client(int port)
{
	struct sockaddr_in sin;
	struct timeval tv = {10, 0};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

/* Sends s, reads until the answer ends with end: 0, or -1 if the
 * connection closed (or failed) first. */
static int
exchange(int fd, const char *s, const char *end)
{
	char in[1024];
	size_t n = 0;

	if (s != NULL &&
	    send(fd, s, strlen(s), MSG_NOSIGNAL) != (ssize_t)strlen(s))
		return -1;
	while (n < sizeof(in) - 1) {
		ssize_t k = recv(fd, in + n, sizeof(in) - 1 - n, 0);

		if (k <= 0)
			return -1;
		n += (size_t)k;
		in[n] = '\0';
		if (n >= strlen(end) && !strcmp(in + n - strlen(end), end))
			return 0;
	}
	return -1;
}

static int
get(int fd)
{
	return exchange(fd, "GET / HTTP/1.1\r\nHost: h\r\n\r\n", "\r\n\r\nok");
}

/* 1 if the server closed fd (nothing more comes). */
static int
closed(int fd)
{
	char c;
	ssize_t k = recv(fd, &c, 1, 0);

	return k == 0 || (k < 0 && errno == ECONNRESET);
}

/* 4,200 idle connections from one peer used to shut the gate: now an
 * untrusted peer holds per_peer, and a new one of its connections takes
 * the place of its least recently used idle one. */
static void
test_peer_cap_idle(void **state)
{
	int port, a, b, c;
	struct wire_server *s;

	(void)state;
	peer_is_trusted = 0;
	s = listener(4, 16, 2, &port); /* one thread serves a peer */
	a = client(port);
	assert_int_equal(get(a), 0);
	b = client(port);
	assert_int_equal(get(b), 0);
	assert_int_equal(get(a), 0); /* b is now the least recently used */
	c = client(port);
	assert_int_equal(get(c), 0);
	assert_true(closed(b));
	assert_int_equal(get(a), 0);
	assert_int_equal(get(c), 0);
	close(a);
	close(b);
	close(c);
	wire_stop(s);
}

/* A peer at its cap with no idle connection gets no more. */
static void
test_peer_cap_busy(void **state)
{
	static const char post[] = "POST / HTTP/1.1\r\nHost: h\r\n"
				   "Content-Length: 2\r\n"
				   "Expect: 100-continue\r\n\r\n";
	int port, a, b, c;
	struct wire_server *s;

	(void)state;
	peer_is_trusted = 0;
	s = listener(2, 16, 2, &port);
	a = client(port);
	b = client(port);
	/* "100 Continue": each has a request under way on the server */
	assert_int_equal(exchange(a, post, "100 Continue\r\n\r\n"), 0);
	assert_int_equal(exchange(b, post, "100 Continue\r\n\r\n"), 0);
	c = client(port);
	assert_true(closed(c));
	assert_int_equal(exchange(a, "hi", "\r\n\r\nok"), 0);
	assert_int_equal(exchange(b, "hi", "\r\n\r\nok"), 0);
	close(a);
	close(b);
	close(c);
	wire_stop(s);
}

/* The connection that gives way has bytes waiting in the same round of
 * events as the newcomer's accept (the thread was busy while both came):
 * its event must not reach the closed connection (ASan would see it). */
static void
test_peer_cap_same_round(void **state)
{
	static const char block[] = "GET /block HTTP/1.1\r\nHost: h\r\n\r\n";
	static const char req[] = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
	int port, x, v, c;
	struct wire_server *s;

	(void)state;
	peer_is_trusted = 0;
	sem_init(&blocked, 0, 0);
	sem_init(&unblock, 0, 0);
	s = listener(1, 16, 2, &port);
	v = client(port);
	assert_int_equal(get(v), 0);
	x = client(port);
	assert_int_equal(get(x), 0);
	assert_true(send(x, block, strlen(block), MSG_NOSIGNAL) ==
		    (ssize_t)strlen(block));
	sem_wait(&blocked);
	/* ready, in this order: the listening socket, then v */
	c = client(port);
	assert_true(send(v, req, strlen(req), MSG_NOSIGNAL) ==
		    (ssize_t)strlen(req));
	sem_post(&unblock);
	assert_int_equal(exchange(x, NULL, "\r\n\r\nok"), 0);
	assert_int_equal(get(c), 0);
	assert_true(closed(v));
	close(v);
	close(x);
	close(c);
	wire_stop(s);
	sem_destroy(&blocked);
	sem_destroy(&unblock);
}

/* A trusted peer (nginx's keep-alive pool) holds up to conns; at conns
 * a new connection takes an idle one's place instead of being refused. */
static void
test_trusted_and_total_cap(void **state)
{
	int port, fd[4];
	struct wire_server *s;

	(void)state;
	peer_is_trusted = 1;
	s = listener(1, 3, 1, &port);
	for (int i = 0; i < 3; i++) {
		fd[i] = client(port);
		assert_int_equal(get(fd[i]), 0);
	}
	for (int i = 0; i < 3; i++) /* per_peer 1 does not apply */
		assert_int_equal(get(fd[i]), 0);
	fd[3] = client(port);
	assert_int_equal(get(fd[3]), 0);
	assert_true(closed(fd[0]));
	for (int i = 1; i < 4; i++)
		assert_int_equal(get(fd[i]), 0);
	for (int i = 0; i < 4; i++)
		close(fd[i]);
	wire_stop(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_nginx_auth_request),
	    cmocka_unit_test(test_form_post_and_query),
	    cmocka_unit_test(test_pipelined_and_incomplete),
	    cmocka_unit_test(test_refusals),
	    cmocka_unit_test(test_control_bytes),
	    cmocka_unit_test(test_duplicates),
	    cmocka_unit_test(test_limits),
	    cmocka_unit_test(test_peer_cap_idle),
	    cmocka_unit_test(test_peer_cap_busy),
	    cmocka_unit_test(test_peer_cap_same_round),
	    cmocka_unit_test(test_trusted_and_total_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
