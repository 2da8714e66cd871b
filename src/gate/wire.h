/*
 * wire.h: the gate listener's HTTP/1.1: a strict parser of request heads
 * (untrusted bytes) and a small epoll server with keep-alive, pipelining,
 * limits and timeouts. The gate answers every request from memory in
 * microseconds, so a thread runs each request to the end on its own
 * connection's thread; nothing here knows the gate's routes.
 */
#ifndef GOVSEC_GATE_WIRE_H
#define GOVSEC_GATE_WIRE_H

#include <stddef.h>

#include "base/base.h"

#define WIRE_HEAD_MAX	 (16 * 1024) /* request line and headers */
#define WIRE_HEADERS_MAX 64
#define WIRE_BODY_MAX	 8192 /* a login form, a WebAuthn answer */

/* wire.c */
struct wire_req {
	const char *method, *path, *query; /* query: after '?', "" if none */
	int minor;			   /* HTTP/1.<minor> */
	int keep_alive;			   /* the connection may stay open */
	int expect_continue;		   /* "Expect: 100-continue" */
	long long content_length;	   /* -1 if absent */
	int nhdr;
	const char *name[WIRE_HEADERS_MAX], *value[WIRE_HEADERS_MAX];
	const char *body; /* NUL-terminated, "" if none */
	size_t body_len;
	const char *peer; /* numeric address, or "unix" */
};

/*
 * Parses the request head at the start of buf (len bytes; buf is written:
 * NULs end the tokens, header names are lower-cased) into rq, whose
 * strings point into buf. Returns the head's length (through the empty
 * line) when it is complete and valid; 0 if more bytes are needed (and
 * fewer than WIRE_HEAD_MAX came); or the negated HTTP status of the
 * refusal: -400 malformed (also a NUL or another control byte but HTAB
 * in a value anywhere in the head, a CR or LF outside a CRLF, a second
 * Host, two different Content-Lengths, Content-Length with
 * Transfer-Encoding), -431 head too large or too many headers, -501
 * Transfer-Encoding (bodies need Content-Length), -413 body larger than
 * WIRE_BODY_MAX, -505 not HTTP/1.x. Pure: no I/O, no allocation.
 */
int wire_parse(char *buf, size_t len, struct wire_req *rq);
/* The value of header name (any case) in rq, the first of several; NULL
 * if absent. */
const char *wire_header(const struct wire_req *rq, const char *name);

/* The answer a handler fills (headers and body are copied out). */
struct wire_resp {
	int status;
	const char *ctype;		  /* Content-Type, NULL: none */
	const char *hname[16], *hval[16]; /* extra headers */
	int nhdr;
	const char *body;
	size_t body_len;
	void *ctx; /* the handler's, for done */
};

/* Called on the connection's thread for each complete request. */
typedef void (*wire_handler)(void *arg, const struct wire_req *rq,
			     struct wire_resp *out);
/* Called once the response is written (or the connection failed), to
 * release what the handler kept for out. */
typedef void (*wire_done)(void *arg, struct wire_resp *out);

struct wire_server;
/* What a listener holds at most. */
struct wire_limits {
	int conns;    /* connections at once, all peers together */
	int per_peer; /* from one peer that trusted does not accept (an IPv4
			 address, an IPv6 /64) */
	int idle_s;   /* seconds a connection may idle */
	/* 1 if the numeric peer address (or "unix") is trusted: it may hold
	 * up to conns (nginx's keep-alive pool); NULL trusts every peer */
	int (*trusted)(void *arg, const char *peer);
};
/*
 * Serves the listening socket lfd (TCP or Unix; the server owns it from
 * now on, also on failure) with threads threads (1..256) within lim:
 * at lim->conns connections, or lim->per_peer from one untrusted peer
 * (Unix socket peers are counted only against conns), a new connection
 * takes the place of the least recently used idle one of the same peer
 * (at the per-peer cap: all of an untrusted peer's connections are
 * served by one thread) or of the thread that serves it (at conns), and
 * is closed at once if there is none; connections idle for lim->idle_s
 * seconds are closed, and request heads or bodies that take longer than
 * 10 s to arrive. fn, done and lim->trusted are called with arg (trusted
 * on any thread). NULL with e set on failure.
 */
struct wire_server *wire_start(int lfd, int threads,
			       const struct wire_limits *lim, wire_handler fn,
			       wire_done done, void *arg, struct err *e);
/* Stops the threads, closes every connection and the listening socket,
 * frees s. NULL is a no-op. */
void wire_stop(struct wire_server *s);

#endif
