/*
 * wire.c: the gate listener's HTTP/1.1 (wire.h). wire_parse reads request
 * heads from the network (untrusted: every byte is checked, every length
 * bounded); the server gives each thread its own epoll set, takes turns
 * accepting on the shared listening socket (EPOLLEXCLUSIVE), and runs
 * each request on the thread of its connection: one recv, the handler,
 * one send in the common case of nginx's keep-alive auth requests.
 */
#define _GNU_SOURCE /* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "gate/wire.h"

#define SLOW_REQUEST 10		  /* seconds a head and body may take */
#define OUT_MAX	     (256 * 1024) /* answers waiting for a slow reader */
#define ACCEPT_BATCH 64
#define PEER_BUCKETS 1024 /* of the per-peer connection counts */

/* ---- parsing ------------------------------------------------------------ */

static int
is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* The end of the head: the offset just past "\r\n\r\n", or 0. */
static size_t
head_end(const char *buf, size_t len)
{
	const char *p = memmem(buf, len, "\r\n\r\n", 4);

	return p != NULL ? (size_t)(p - buf) + 4 : 0;
}

/* 1 if the comma-separated list v has the token tok (any case). */
static int
has_token(const char *v, const char *tok)
{
	size_t n = strlen(tok);

	while (*v != '\0') {
		while (*v == ' ' || *v == '\t' || *v == ',')
			v++;
		if (!strncasecmp(v, tok, n) && (v[n] == '\0' || v[n] == ',' ||
						v[n] == ' ' || v[n] == '\t'))
			return 1;
		while (*v != '\0' && *v != ',')
			v++;
	}
	return 0;
}

int
wire_parse(char *buf, size_t len, struct wire_req *rq)
{
	size_t end, skip = 0, i;
	char *p, *line, *eol;
	const char *v;

	/* one empty line before the request is tolerated (RFC 9112 2.2) */
	if (len >= 2 && buf[0] == '\r' && buf[1] == '\n')
		skip = 2;
	end = head_end(buf + skip, len - skip);
	if (end == 0)
		return len >= WIRE_HEAD_MAX ? -431 : 0;
	end += skip;
	if (end > WIRE_HEAD_MAX)
		return -431;
	/*
	 * A NUL would end the head's string early (a later Content-Length
	 * lost, the body read as the next request), and no other control
	 * byte but HTAB in values and CRLF ending lines belongs in a head
	 * (RFC 9112 2.2, 5.5): any of them anywhere, or a CR or LF not in
	 * a CRLF pair, is refused here.
	 */
	for (i = skip; i < end; i++) {
		unsigned char ch = (unsigned char)buf[i];
		int bad;

		if (ch == '\r')
			bad = buf[i + 1] != '\n';
		else if (ch == '\n')
			bad = i == skip || buf[i - 1] != '\r';
		else
			bad = (ch < 0x20 && ch != '\t') || ch == 0x7f;
		if (bad)
			return -400;
	}
	memset(rq, 0, sizeof(*rq));
	rq->content_length = -1;
	buf[end - 2] = '\0'; /* the empty line: the head is one string now */
	/* request line: METHOD SP target SP HTTP/1.d CRLF */
	line = buf + skip;
	eol = strchr(line, '\r'); /* a lone CR anywhere is refused */
	if (eol == NULL || eol[1] != '\n')
		return -400;
	*eol = '\0';
	p = line;
	for (i = 0; p[i] >= 'A' && p[i] <= 'Z'; i++)
		;
	if (i == 0 || i > 16 || p[i] != ' ')
		return -400;
	p[i] = '\0';
	rq->method = p;
	p += i + 1;
	if (*p != '/')
		return -400;
	rq->path = p;
	for (i = 0; (unsigned char)p[i] > 0x20 && (unsigned char)p[i] < 0x7f;
	     i++)
		;
	if (p[i] != ' ')
		return -400;
	p[i] = '\0';
	p += i + 1;
	if (strncmp(p, "HTTP/", 5) != 0)
		return -400;
	if (strncmp(p, "HTTP/1.", 7) != 0 || p[7] < '0' || p[7] > '9' ||
	    p[8] != '\0')
		return -505;
	rq->minor = p[7] - '0';
	rq->keep_alive = rq->minor >= 1;
	{
		char *q = strchr(rq->path, '?');

		rq->query = "";
		if (q != NULL) {
			*q = '\0';
			rq->query = q + 1;
		}
	}
	/* header fields: each line ends in CRLF; the empty last one is cut */
	for (line = eol + 2; *line != '\0'; line = eol + 2) {
		char *colon, *val, *vend;

		eol = strchr(line, '\r');
		if (eol == NULL || eol[1] != '\n')
			return -400;
		*eol = '\0';
		if (rq->nhdr == WIRE_HEADERS_MAX)
			return -431;
		/* no obs-fold, no space before the colon */
		for (colon = line; is_tchar((unsigned char)*colon); colon++)
			if (*colon >= 'A' && *colon <= 'Z')
				*colon = (char)(*colon - 'A' + 'a');
		if (colon == line || *colon != ':')
			return -400;
		*colon = '\0';
		val = colon + 1;
		while (*val == ' ' || *val == '\t')
			val++;
		vend = val + strlen(val);
		while (vend > val && (vend[-1] == ' ' || vend[-1] == '\t'))
			vend--;
		*vend = '\0'; /* control bytes were refused above */
		/* one Host only (RFC 9112 3.2): two would be judged apart */
		if (!strcmp(line, "host") && wire_header(rq, "host") != NULL)
			return -400;
		rq->name[rq->nhdr] = line;
		rq->value[rq->nhdr++] = val;
	}
	/* no bodies but by Content-Length; both is smuggling (RFC 9112
	 * 6.1): refused outright, not just the encoding */
	if (wire_header(rq, "transfer-encoding") != NULL)
		return wire_header(rq, "content-length") != NULL ? -400 : -501;
	for (int k = 0; k < rq->nhdr; k++) {
		long long n = 0;

		if (strcmp(rq->name[k], "content-length") != 0)
			continue;
		v = rq->value[k];
		if (*v == '\0' || strlen(v) > 18 ||
		    strspn(v, "0123456789") != strlen(v))
			return -400;
		for (; *v != '\0'; v++)
			n = n * 10 + (*v - '0');
		if (rq->content_length >= 0 && rq->content_length != n)
			return -400;
		rq->content_length = n;
	}
	if (rq->content_length > WIRE_BODY_MAX)
		return -413;
	if (rq->minor >= 1 && wire_header(rq, "host") == NULL)
		return -400;
	v = wire_header(rq, "connection");
	if (v != NULL && has_token(v, "close"))
		rq->keep_alive = 0;
	else if (v != NULL && has_token(v, "keep-alive"))
		rq->keep_alive = 1;
	v = wire_header(rq, "expect");
	rq->expect_continue = v != NULL && !strcasecmp(v, "100-continue");
	rq->body = "";
	return (int)end;
}

const char *
wire_header(const struct wire_req *rq, const char *name)
{
	char c0 = (char)(name[0] >= 'A' && name[0] <= 'Z' ? name[0] - 'A' + 'a'
							  : name[0]);

	/* names are stored lower-cased: the first byte sorts most out */
	for (int i = 0; i < rq->nhdr; i++)
		if (rq->name[i][0] == c0 && !strcasecmp(rq->name[i], name))
			return rq->value[i];
	return NULL;
}

/* ---- serving ------------------------------------------------------------ */

struct conn {
	int fd;
	char peer[INET6_ADDRSTRLEN];
	unsigned char key[16];	 /* the peer as counted (IPv6: its /64) */
	int counted;		 /* in the per-peer counts (not trusted) */
	unsigned long long used; /* the worker's tick of its last event */
	int dead;		 /* closed; freed after this round of events */
	char in[WIRE_HEAD_MAX + WIRE_BODY_MAX];
	size_t in_len;
	struct wire_req rq; /* parsed head of the request under way */
	size_t head_len;    /* 0: no head yet */
	char body[WIRE_BODY_MAX + 1];
	struct buf out;
	size_t out_off;
	time_t last, begun; /* last byte; first byte of the request */
	int closing;	    /* close once out is written */
	int eof;	    /* the peer sent all it will */
	int continued;	    /* "100 Continue" sent for this request */
	unsigned events;    /* what epoll watches for */
	struct conn *prev, *next;
};

struct worker {
	struct wire_server *s;
	pthread_t thread;
	int started;
	int ep, wake;
	struct conn *conns;
	unsigned long long tick; /* events seen: orders connections by use */
	pthread_mutex_t inbox_lock;
	int inbox_made;
	struct conn *inbox; /* accepted by another thread, for this one */
	struct conn *dead;  /* closed in this round of events (reap) */
	char date[40];
	time_t date_at;
};

/* Connections open from one untrusted peer. */
struct peer {
	unsigned char key[16];
	int n;
	struct peer *next;
};

struct wire_server {
	int lfd;
	int nthreads, max_conns, per_peer, idle;
	int (*trusted)(void *arg, const char *peer);
	int nconns; /* atomic */
	int stopping;
	pthread_mutex_t peer_lock; /* peers */
	int peer_lock_made;
	struct peer *peers[PEER_BUCKETS];
	wire_handler fn;
	wire_done done;
	void *arg;
	struct worker *w;
};

static const char *
reason(int status)
{
	switch (status) {
	case 100:
		return "Continue";
	case 200:
		return "OK";
	case 204:
		return "No Content";
	case 302:
		return "Found";
	case 303:
		return "See Other";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 409:
		return "Conflict";
	case 410:
		return "Gone";
	case 413:
		return "Content Too Large";
	case 415:
		return "Unsupported Media Type";
	case 422:
		return "Unprocessable Content";
	case 429:
		return "Too Many Requests";
	case 431:
		return "Request Header Fields Too Large";
	case 501:
		return "Not Implemented";
	case 503:
		return "Service Unavailable";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return status < 500 ? "Client Error" : "Server Error";
	}
}

/* ---- per-peer counts ---------------------------------------------------- */

/* The peer address as counted: IPv4 (also mapped) whole, IPv6 by its /64
 * (one host's usual share); -1 for a Unix socket. */
static int
peer_key(const struct sockaddr_storage *ss, unsigned char key[16])
{
	memset(key, 0, 16);
	if (ss->ss_family == AF_INET) {
		key[10] = key[11] = 0xff;
		memcpy(key + 12, &((const struct sockaddr_in *)ss)->sin_addr,
		       4);
		return 0;
	}
	if (ss->ss_family == AF_INET6) {
		const struct in6_addr *a =
		    &((const struct sockaddr_in6 *)ss)->sin6_addr;

		memcpy(key, a->s6_addr, IN6_IS_ADDR_V4MAPPED(a) ? 16 : 8);
		return 0;
	}
	return -1;
}

static uint32_t
key_hash(const unsigned char key[16])
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (int i = 0; i < 16; i++)
		h = (h ^ key[i]) * 16777619u;
	return h;
}

static struct peer **
peer_slot(struct wire_server *s, const unsigned char key[16])
{
	struct peer **pp = &s->peers[key_hash(key) % PEER_BUCKETS];

	while (*pp != NULL && memcmp((*pp)->key, key, 16) != 0)
		pp = &(*pp)->next;
	return pp;
}

/* Counts one more connection from key: 0, or -1 if it has per_peer. */
static int
peer_take(struct wire_server *s, const unsigned char key[16])
{
	struct peer **pp;
	int rc = 0;

	pthread_mutex_lock(&s->peer_lock);
	pp = peer_slot(s, key);
	if (*pp == NULL) {
		*pp = xcalloc(1, sizeof(**pp));
		memcpy((*pp)->key, key, 16);
	}
	if ((*pp)->n >= s->per_peer)
		rc = -1;
	else
		(*pp)->n++;
	pthread_mutex_unlock(&s->peer_lock);
	return rc;
}

/* Counts one connection from key less. */
static void
peer_give(struct wire_server *s, const unsigned char key[16])
{
	struct peer **pp, *p;

	pthread_mutex_lock(&s->peer_lock);
	pp = peer_slot(s, key);
	p = *pp;
	if (p != NULL && --p->n <= 0) {
		*pp = p->next;
		free(p);
	}
	pthread_mutex_unlock(&s->peer_lock);
}

/* ---- connections -------------------------------------------------------- */

/* Closes c; its memory stays until reap, for an event of this round
 * may still name it (a connection closed to make room for another). */
static void
conn_close(struct worker *w, struct conn *c)
{
	if (c->counted)
		peer_give(w->s, c->key);
	epoll_ctl(w->ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		w->conns = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	buf_cleanup(&c->out);
	explicit_bzero(c->in, c->in_len);
	explicit_bzero(c->body, sizeof(c->body));
	c->dead = 1;
	c->prev = NULL;
	c->next = w->dead;
	w->dead = c;
	__atomic_sub_fetch(&w->s->nconns, 1, __ATOMIC_RELAXED);
}

/* Frees the connections closed since the last time. */
static void
reap(struct worker *w)
{
	while (w->dead != NULL) {
		struct conn *c = w->dead;

		w->dead = c->next;
		free(c);
	}
}

/* A header value on the wire: control characters become spaces. */
static void
add_value(struct buf *b, const char *v)
{
	size_t start = b->len;

	buf_addstr(b, v);
	for (size_t i = start; i < b->len; i++)
		if ((unsigned char)b->data[i] < 0x20 || b->data[i] == 0x7f)
			b->data[i] = ' ';
}

/* n in decimal. */
static void
add_num(struct buf *b, unsigned long long n)
{
	char d[24];
	int i = (int)sizeof(d);

	do
		d[--i] = (char)('0' + n % 10);
	while ((n /= 10) > 0);
	buf_add(b, d + i, sizeof(d) - (size_t)i);
}

/* The Date header's value, made once a second per thread. */
static const char *
date_now(struct worker *w)
{
	time_t now = time(NULL);
	struct tm tm;

	if (now != w->date_at && gmtime_r(&now, &tm) != NULL) {
		strftime(w->date, sizeof(w->date), "%a, %d %b %Y %H:%M:%S GMT",
			 &tm);
		w->date_at = now;
	}
	return w->date;
}

/* Queues the answer; with head_only (HEAD) no body bytes. */
static void
put_resp(struct worker *w, struct conn *c, const struct wire_resp *r,
	 int head_only)
{
	struct buf *b = &c->out;
	int st = r->status >= 100 && r->status <= 599 ? r->status : 500;

	buf_addstr(b, "HTTP/1.1 ");
	add_num(b, (unsigned long long)st);
	buf_addch(b, ' ');
	buf_addstr(b, reason(st));
	buf_addstr(b, "\r\nDate: ");
	buf_addstr(b, date_now(w));
	buf_addstr(b, "\r\n");
	if (r->ctype != NULL) {
		buf_addstr(b, "Content-Type: ");
		add_value(b, r->ctype);
		buf_addstr(b, "\r\n");
	}
	for (int i = 0; i < r->nhdr && i < 16; i++) {
		buf_addstr(b, r->hname[i]);
		buf_addstr(b, ": ");
		add_value(b, r->hval[i]);
		buf_addstr(b, "\r\n");
	}
	if (st != 204 && st >= 200) {
		buf_addstr(b, "Content-Length: ");
		add_num(b, r->body_len);
		buf_addstr(b, "\r\n");
	}
	if (c->closing)
		buf_addstr(b, "Connection: close\r\n");
	buf_addstr(b, "\r\n");
	if (!head_only && r->body_len > 0 && st != 204)
		buf_add(b, r->body, r->body_len);
}

/* A refusal from the parser: answered, then the connection closes. */
static void
refuse(struct worker *w, struct conn *c, int status)
{
	struct wire_resp r;

	memset(&r, 0, sizeof(r));
	r.status = status;
	c->closing = 1;
	put_resp(w, c, &r, 0);
	c->in_len = 0;
	c->head_len = 0;
}

/* Sends what is queued without blocking; -1 if the connection is to
 * close (an error, or everything sent on a closing one). */
static int
flush_out(struct conn *c)
{
	while (c->out_off < c->out.len) {
		ssize_t n = send(c->fd, c->out.data + c->out_off,
				 c->out.len - c->out_off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n <= 0)
			return -1;
		c->out_off += (size_t)n;
	}
	buf_reset(&c->out);
	c->out_off = 0;
	return c->closing ? -1 : 0;
}

/* Watches for input while there is room for it and the peer may send,
 * for output while some waits. */
static void
set_events(struct worker *w, struct conn *c)
{
	unsigned ev = 0;

	if (!c->eof && !c->closing && c->in_len < sizeof(c->in))
		ev |= EPOLLIN | EPOLLRDHUP;
	if (c->out_off < c->out.len)
		ev |= EPOLLOUT;
	if (ev != c->events) {
		struct epoll_event e = {.events = ev, .data.ptr = c};

		epoll_ctl(w->ep, EPOLL_CTL_MOD, c->fd, &e);
		c->events = ev;
	}
}

/* Answers every complete request in c->in (pipelining), in order. */
static void
serve(struct worker *w, struct conn *c, time_t now)
{
	while (!c->closing && c->in_len > 0 && c->out.len < OUT_MAX) {
		struct wire_resp r;
		size_t total;
		int head_only;

		if (c->head_len == 0) {
			int n = wire_parse(c->in, c->in_len, &c->rq);

			if (n == 0)
				return;
			if (n < 0) {
				refuse(w, c, -n);
				return;
			}
			c->head_len = (size_t)n;
			c->continued = 0;
		}
		total = c->head_len + (c->rq.content_length > 0
					   ? (size_t)c->rq.content_length
					   : 0);
		if (c->in_len < total) {
			if (c->rq.expect_continue && !c->continued) {
				buf_addstr(&c->out,
					   "HTTP/1.1 100 Continue\r\n\r\n");
				c->continued = 1;
			}
			return;
		}
		memcpy(c->body, c->in + c->head_len, total - c->head_len);
		c->body[total - c->head_len] = '\0';
		c->rq.body = c->body;
		c->rq.body_len = total - c->head_len;
		c->rq.peer = c->peer;
		c->closing = !c->rq.keep_alive;
		head_only = !strcmp(c->rq.method, "HEAD");
		memset(&r, 0, sizeof(r));
		r.status = 500;
		w->s->fn(w->s->arg, &c->rq, &r);
		put_resp(w, c, &r, head_only);
		if (w->s->done != NULL)
			w->s->done(w->s->arg, &r);
		memmove(c->in, c->in + total, c->in_len - total);
		c->in_len -= total;
		c->head_len = 0;
		c->begun = c->in_len > 0 ? now : 0;
	}
}

/* Reads what came, answers what is complete, writes what it can. */
static void
conn_event(struct worker *w, struct conn *c, time_t now)
{
	size_t before;

	if (c->dead) /* closed earlier in this round */
		return;
	c->used = ++w->tick;
	do {
		while (!c->eof && c->in_len < sizeof(c->in)) {
			ssize_t n = recv(c->fd, c->in + c->in_len,
					 sizeof(c->in) - c->in_len, 0);

			if (n > 0) {
				if (c->in_len == 0)
					c->begun = now;
				c->in_len += (size_t)n;
				c->last = now;
				continue;
			}
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				break;
			c->eof = 1; /* closed, or an error */
		}
		before = c->in_len;
		serve(w, c, now);
		if (flush_out(c) < 0) {
			conn_close(w, c);
			return;
		}
		/* output drained while requests wait: go on with them */
	} while (c->out.len == 0 && c->in_len > 0 && c->in_len < before);
	if (c->eof && c->out.len == 0) {
		conn_close(w, c);
		return;
	}
	set_events(w, c);
}

/* The connection of this thread least recently used with no request
 * under way and nothing to send (from the peer key, if not NULL), or
 * NULL if none. */
static struct conn *
oldest_idle(struct worker *w, const unsigned char *key)
{
	struct conn *c, *old = NULL;

	for (c = w->conns; c != NULL; c = c->next) {
		if (c->in_len > 0 || c->out.len > 0 || c->closing)
			continue;
		if (key != NULL &&
		    (!c->counted || memcmp(c->key, key, 16) != 0))
			continue;
		if (old == NULL || c->used < old->used)
			old = c;
	}
	return old;
}

/*
 * Makes room for a new connection from key (NULL: trusted, not counted
 * per peer): at a cap, the oldest idle connection of this thread (of the
 * same peer at the per-peer cap) is closed for it, so that idle
 * connections cannot keep new clients out. 0 if the connection may be
 * served (counted), -1 if not.
 */
static int
admit(struct worker *w, const unsigned char *key)
{
	struct wire_server *s = w->s;
	struct conn *old;

	if (key != NULL && peer_take(s, key) < 0) {
		old = oldest_idle(w, key);
		if (old == NULL)
			return -1;
		conn_close(w, old);
		if (peer_take(s, key) < 0)
			return -1;
	}
	if (__atomic_add_fetch(&s->nconns, 1, __ATOMIC_RELAXED) >
	    s->max_conns) {
		old = oldest_idle(w, NULL);
		if (old != NULL)
			conn_close(w, old);
		else {
			__atomic_sub_fetch(&s->nconns, 1, __ATOMIC_RELAXED);
			if (key != NULL)
				peer_give(s, key);
			return -1;
		}
	}
	return 0;
}

/* Serves c (fd and peer filled) on w if admit lets it in; else closes
 * and frees it. */
static void
conn_add(struct worker *w, struct conn *c, time_t now)
{
	struct epoll_event ev;

	if (admit(w, c->counted ? c->key : NULL) < 0) {
		close(c->fd);
		free(c);
		return;
	}
	c->used = ++w->tick;
	buf_init(&c->out, OUT_MAX + WIRE_BODY_MAX + 65536);
	c->last = now;
	c->next = w->conns;
	if (w->conns != NULL)
		w->conns->prev = c;
	w->conns = c;
	ev.events = c->events = EPOLLIN | EPOLLRDHUP;
	ev.data.ptr = c;
	if (epoll_ctl(w->ep, EPOLL_CTL_ADD, c->fd, &ev) < 0)
		conn_close(w, c);
}

/* Hands c over to thread t (woken through its eventfd). */
static void
conn_pass(struct worker *t, struct conn *c)
{
	uint64_t one = 1;
	ssize_t n;

	pthread_mutex_lock(&t->inbox_lock);
	c->next = t->inbox;
	t->inbox = c;
	pthread_mutex_unlock(&t->inbox_lock);
	n = write(t->wake, &one, sizeof(one)); /* fails only when full */
	(void)n;
}

/* Serves the connections other threads passed to w. */
static void
take_inbox(struct worker *w, time_t now)
{
	struct conn *c, *next;
	uint64_t n;

	if (read(w->wake, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return;
	pthread_mutex_lock(&w->inbox_lock);
	c = w->inbox;
	w->inbox = NULL;
	pthread_mutex_unlock(&w->inbox_lock);
	for (; c != NULL; c = next) {
		next = c->next;
		c->next = NULL;
		conn_add(w, c, now);
	}
}

/*
 * Accepts what waits. A connection from an untrusted peer is served by
 * the one thread its address hashes to, so that the per-peer cap can
 * make room among all of that peer's connections; trusted peers (nginx's
 * pool) stay on the thread that accepted them, spread over all.
 */
static void
accept_some(struct worker *w, time_t now)
{
	for (int k = 0; k < ACCEPT_BATCH; k++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		int fd = accept4(w->s->lfd, (struct sockaddr *)&ss, &sl,
				 SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct conn *c;
		struct worker *t = w;

		if (fd < 0)
			return; /* EAGAIN (another thread took it) or an error
				 */
		c = xcalloc(1, sizeof(*c));
		c->fd = fd;
		if (ss.ss_family == AF_INET)
			inet_ntop(AF_INET,
				  &((struct sockaddr_in *)&ss)->sin_addr,
				  c->peer, sizeof(c->peer));
		else if (ss.ss_family == AF_INET6)
			inet_ntop(AF_INET6,
				  &((struct sockaddr_in6 *)&ss)->sin6_addr,
				  c->peer, sizeof(c->peer));
		else
			str_copy(c->peer, "unix", sizeof(c->peer));
		c->counted = peer_key(&ss, c->key) == 0 &&
			     (w->s->trusted == NULL ||
			      !w->s->trusted(w->s->arg, c->peer));
		if (c->counted)
			t = &w->s->w[key_hash(c->key) %
				     (uint32_t)w->s->nthreads];
		if (t != w)
			conn_pass(t, c);
		else
			conn_add(w, c, now);
	}
}

/* Closes connections idle too long, and requests arriving too slowly. */
static void
sweep(struct worker *w, time_t now)
{
	struct conn *c = w->conns, *next;

	for (; c != NULL; c = next) {
		next = c->next;
		if (now - c->last >= w->s->idle ||
		    (c->begun != 0 && now - c->begun >= SLOW_REQUEST))
			conn_close(w, c);
	}
}

static void *
run(void *arg)
{
	struct worker *w = arg;
	struct epoll_event evs[64];
	time_t swept = time(NULL);

	while (!__atomic_load_n(&w->s->stopping, __ATOMIC_ACQUIRE)) {
		/* the sweep's tick only while there are connections to
		 * sweep; a stop or a passed connection comes through w->wake */
		int n =
		    epoll_wait(w->ep, evs, 64, w->conns != NULL ? 1000 : -1);
		time_t now = time(NULL);

		for (int i = 0; i < n; i++) {
			void *p = evs[i].data.ptr;

			if (p == NULL)
				accept_some(w, now);
			else if (p == (void *)w) /* to stop, or passed conns */
				take_inbox(w, now);
			else
				conn_event(w, p, now);
		}
		if (now != swept) {
			sweep(w, now);
			swept = now;
		}
		reap(w);
	}
	while (w->conns != NULL)
		conn_close(w, w->conns);
	reap(w);
	return NULL;
}

/* Closes the connections passed to w and never served. */
static void
drop_inbox(struct worker *w)
{
	while (w->inbox != NULL) {
		struct conn *c = w->inbox;

		w->inbox = c->next;
		close(c->fd);
		free(c);
	}
}

void
wire_stop(struct wire_server *s)
{
	if (s == NULL)
		return;
	__atomic_store_n(&s->stopping, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < s->nthreads; i++) {
		uint64_t one = 1;
		ssize_t n = 0;

		/* cannot fail: the counter is far from full */
		if (s->w[i].wake >= 0)
			n = write(s->w[i].wake, &one, sizeof(one));
		(void)n;
	}
	/* every thread ends before any is cleaned up: a running one may
	 * still pass a connection to another */
	for (int i = 0; i < s->nthreads; i++)
		if (s->w[i].started)
			pthread_join(s->w[i].thread, NULL);
	for (int i = 0; i < s->nthreads; i++) {
		if (s->w[i].ep >= 0)
			close(s->w[i].ep);
		if (s->w[i].wake >= 0)
			close(s->w[i].wake);
		drop_inbox(&s->w[i]);
		if (s->w[i].inbox_made)
			pthread_mutex_destroy(&s->w[i].inbox_lock);
	}
	close(s->lfd);
	for (int i = 0; i < PEER_BUCKETS; i++)
		while (s->peers[i] != NULL) {
			struct peer *p = s->peers[i];

			s->peers[i] = p->next;
			free(p);
		}
	if (s->peer_lock_made)
		pthread_mutex_destroy(&s->peer_lock);
	free(s->w);
	free(s);
}

struct wire_server *
wire_start(int lfd, int threads, const struct wire_limits *lim, wire_handler fn,
	   wire_done done, void *arg, struct err *e)
{
	struct wire_server *s = xcalloc(1, sizeof(*s));

	s->lfd = lfd;
	s->nthreads = threads < 1 ? 1 : threads > 256 ? 256 : threads;
	s->max_conns = lim->conns < 1 ? 1 : lim->conns;
	s->per_peer = lim->per_peer < 1 ? 1 : lim->per_peer;
	s->idle = lim->idle_s;
	s->trusted = lim->trusted;
	pthread_mutex_init(&s->peer_lock, NULL);
	s->peer_lock_made = 1;
	s->fn = fn;
	s->done = done;
	s->arg = arg;
	s->w = xcalloc((size_t)s->nthreads, sizeof(*s->w));
	for (int i = 0; i < s->nthreads; i++) {
		s->w[i].ep = s->w[i].wake = -1;
		pthread_mutex_init(&s->w[i].inbox_lock, NULL);
		s->w[i].inbox_made = 1;
	}
	for (int i = 0; i < s->nthreads; i++) {
		struct worker *w = &s->w[i];
		struct epoll_event lev = {.events = EPOLLIN | EPOLLEXCLUSIVE,
					  .data.ptr = NULL};
		struct epoll_event wev = {.events = EPOLLIN, .data.ptr = w};

		w->s = s;
		w->ep = epoll_create1(EPOLL_CLOEXEC);
		w->wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (w->ep < 0 || w->wake < 0 ||
		    epoll_ctl(w->ep, EPOLL_CTL_ADD, lfd, &lev) < 0 ||
		    epoll_ctl(w->ep, EPOLL_CTL_ADD, w->wake, &wev) < 0) {
			err_set(e, "gate listener: %s", strerror(errno));
			goto fail;
		}
	}
	if (fcntl(lfd, F_SETFL, fcntl(lfd, F_GETFL) | O_NONBLOCK) < 0) {
		err_set(e, "gate listener: %s", strerror(errno));
		goto fail;
	}
	for (int i = 0; i < s->nthreads; i++) {
		if (pthread_create(&s->w[i].thread, NULL, run, &s->w[i]) != 0) {
			err_set(e, "cannot start the gate's threads");
			goto fail;
		}
		s->w[i].started = 1;
	}
	return s;
fail:
	wire_stop(s);
	return NULL;
}
