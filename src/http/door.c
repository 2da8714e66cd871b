/*
 * door.c: the front door of the console and public listeners. One thread
 * accepts every connection, refuses it over [console] connections or
 * per_address, and keeps it until its request head is complete, peeking
 * at the bytes without taking them, so that libmicrohttpd later reads the
 * same request. A head that is too long, malformed or of another HTTP
 * version is answered here (400, 414, 431, 505) with the JSON error body
 * and the security headers of every answer, instead of libmicrohttpd's
 * bare page; a head not complete within header_timeout is cut off; a good
 * one is handed to libmicrohttpd (MHD_add_connection). Everything read
 * from a connection is untrusted.
 */
#define _GNU_SOURCE /* accept4, memmem, pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <netinet/in.h>

#include <microhttpd.h>

#include "http/http.h"

#define DOOR_HEAD_MAX	(HTTP_HEADER_MAX / 2) /* libmicrohttpd gets twice */
#define DOOR_TARGET_MAX (8 * 1024)	      /* bytes of a request target */
#define DOOR_LINGER_MS	2000 /* reading what follows an error answer */
#define DOOR_EVENTS	64
#define DOOR_PEEK_MS	20  /* the least time between two looks at a head */
#define DOOR_ACCEPTS	256 /* connections accepted in one go */
#define DOOR_TICK_MS	250 /* the deadline sweep */

/* A client address as the per-address count knows it. */
struct door_addr {
	sa_family_t family;
	unsigned char a[16];
};

struct door_count {
	struct door_addr addr;
	int n; /* 0: a free slot */
};

/* A connection whose request head is not complete yet. */
struct pending {
	struct pending *prev, *next;
	int fd;
	struct sockaddr_storage ss;
	socklen_t sslen;
	long long deadline; /* monotonic ms */
	long long peeked;   /* when the head was last looked at */
	int dirty;	    /* bytes came in since, not looked at yet */
	int closing;	    /* answered: reading until the end or deadline */
};

struct http_door {
	int lfd, ep, wake[2];
	pthread_t thread;
	int running;
	struct MHD_Daemon *d;
	const struct listen_limits *lim;
	const char *section, *headers;
	char *buf; /* DOOR_HEAD_MAX + 1 bytes to peek into */
	struct pending *list;
	long long paused; /* out of descriptors: not accepting until then */
	int refused;	  /* over the limits since the last log line */
	/* guarded by lock: libmicrohttpd's threads report opens and closes */
	pthread_mutex_t lock;
	struct door_count *counts; /* nslots: twice lim->connections */
	int nslots;
	int open;
};

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
addr_key(const struct sockaddr *sa, struct door_addr *k)
{
	memset(k, 0, sizeof(*k));
	k->family = sa->sa_family;
	if (sa->sa_family == AF_INET)
		memcpy(k->a, &((const struct sockaddr_in *)sa)->sin_addr, 4);
	else if (sa->sa_family == AF_INET6)
		memcpy(k->a, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
	else
		return -1;
	return 0;
}

/*
 * Counts one more connection from sa (lock held): 0, or -1 if enforce is
 * set and that would pass connections in all or per_address from sa.
 */
static int
count_add(struct http_door *dr, const struct sockaddr *sa, int enforce)
{
	struct door_count *c, *free_slot = NULL, *mine = NULL;
	struct door_addr k;

	if (addr_key(sa, &k) < 0 ||
	    (enforce && dr->open >= dr->lim->connections))
		return -1;
	for (int i = 0; i < dr->nslots; i++) {
		c = &dr->counts[i];
		if (c->n == 0) {
			if (free_slot == NULL)
				free_slot = c;
		} else if (memcmp(&c->addr, &k, sizeof(k)) == 0) {
			mine = c;
			break;
		}
	}
	if (mine == NULL) {
		if (free_slot == NULL)
			return -1; /* more than nslots: cannot happen */
		mine = free_slot;
		mine->addr = k;
		mine->n = 0;
	}
	if (enforce && dr->lim->per_address > 0 &&
	    mine->n >= dr->lim->per_address)
		return -1;
	mine->n++;
	dr->open++;
	return 0;
}

/* Counts one connection from sa less (lock held). */
static void
count_del(struct http_door *dr, const struct sockaddr *sa)
{
	struct door_addr k;

	if (addr_key(sa, &k) < 0)
		return;
	for (int i = 0; i < dr->nslots; i++) {
		struct door_count *c = &dr->counts[i];

		if (c->n > 0 && memcmp(&c->addr, &k, sizeof(k)) == 0) {
			c->n--;
			dr->open--;
			return;
		}
	}
}

void
http_door_opened(struct http_door *dr, const struct sockaddr *sa)
{
	/* The door counted it until the hand-over; counted now whatever the
	 * limits say, since it is open. */
	pthread_mutex_lock(&dr->lock);
	(void)count_add(dr, sa, 0);
	pthread_mutex_unlock(&dr->lock);
}

void
http_door_closed(struct http_door *dr, const struct sockaddr *sa)
{
	pthread_mutex_lock(&dr->lock);
	count_del(dr, sa);
	pthread_mutex_unlock(&dr->lock);
}

static void
pending_free(struct http_door *dr, struct pending *p, int close_fd)
{
	if (p->prev != NULL)
		p->prev->next = p->next;
	else
		dr->list = p->next;
	if (p->next != NULL)
		p->next->prev = p->prev;
	epoll_ctl(dr->ep, EPOLL_CTL_DEL, p->fd, NULL);
	if (close_fd)
		close(p->fd);
	pthread_mutex_lock(&dr->lock);
	count_del(dr, (struct sockaddr *)&p->ss);
	pthread_mutex_unlock(&dr->lock);
	free(p);
}

static int
is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* The value of a header line after "name:", without the OWS around it. */
static void
trim(const char **v, size_t *n)
{
	while (*n > 0 && (**v == ' ' || **v == '\t')) {
		(*v)++;
		(*n)--;
	}
	while (*n > 0 && ((*v)[*n - 1] == ' ' || (*v)[*n - 1] == '\t'))
		(*n)--;
}

int
http_door_head_check(const char *b, size_t n)
{
	const char *line = b, *end = b + n, *eol, *sp1, *sp2, *stop;
	int hosts = 0, lengths = 0, chunked = 0, v11;

	stop = memmem(b, n, "\r\n\r\n", 4); /* what follows may be a body */
	stop = stop != NULL ? stop + 4 : end;
	for (const char *p = b; p < stop; p++)
		if ((*p == '\n' && (p == b || p[-1] != '\r')) ||
		    (*p == '\r' && p + 1 < end && p[1] != '\n'))
			return 400; /* a bare LF or CR */
	eol = memmem(b, n, "\r\n", 2);
	if (eol == NULL)
		return n > DOOR_TARGET_MAX + 64 ? 414 : 0;
	sp1 = memchr(b, ' ', (size_t)(eol - b));
	if (sp1 == NULL || sp1 == b)
		return 400;
	for (const char *p = b; p < sp1; p++)
		if (!is_tchar((unsigned char)*p))
			return 400;
	sp2 = memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1));
	if (sp2 == NULL || sp2 == sp1 + 1)
		return 400;
	if (sp2 - sp1 - 1 > DOOR_TARGET_MAX)
		return 414;
	for (const char *p = sp1 + 1; p < sp2; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f)
			return 400;
	if (eol - sp2 - 1 != 8 || memcmp(sp2 + 1, "HTTP/", 5) != 0 ||
	    sp2[6] < '0' || sp2[6] > '9' || sp2[7] != '.' || sp2[8] < '0' ||
	    sp2[8] > '9')
		return 400;
	if (memcmp(sp2 + 1, "HTTP/1.1", 8) != 0 &&
	    memcmp(sp2 + 1, "HTTP/1.0", 8) != 0)
		return 505;
	v11 = sp2[8] == '1';
	for (line = eol + 2;; line = eol + 2) {
		const char *colon, *v;
		size_t vn;

		eol = memmem(line, (size_t)(end - line), "\r\n", 2);
		if (eol == NULL)
			return n > DOOR_HEAD_MAX ? 431 : 0;
		if (eol - b + 2 > DOOR_HEAD_MAX)
			return 431;
		if (eol == line)
			break; /* the end of the head */
		colon = memchr(line, ':', (size_t)(eol - line));
		if (colon == NULL || colon == line)
			return 400; /* also an obs-fold line */
		for (const char *p = line; p < colon; p++)
			if (!is_tchar((unsigned char)*p))
				return 400;
		for (const char *p = colon + 1; p < eol; p++)
			if (((unsigned char)*p < 0x20 && *p != '\t') ||
			    *p == 0x7f)
				return 400;
		v = colon + 1;
		vn = (size_t)(eol - v);
		trim(&v, &vn);
		if (colon - line == 4 && strncasecmp(line, "Host", 4) == 0)
			hosts++;
		else if (colon - line == 14 &&
			 strncasecmp(line, "Content-Length", 14) == 0) {
			lengths++;
			if (vn == 0 || vn > 18 || strspn(v, "0123456789") < vn)
				return 400;
		} else if (colon - line == 17 &&
			   strncasecmp(line, "Transfer-Encoding", 17) == 0) {
			if (chunked++ || vn != 7 ||
			    strncasecmp(v, "chunked", 7) != 0)
				return 400;
		}
	}
	if (hosts > 1 || (v11 && hosts == 0) || lengths > 1 ||
	    (lengths && chunked))
		return 400;
	return 1;
}

static const struct {
	int status;
	const char *reason, *body;
} answers[] = {
    {400, "Bad Request",
     "{\"error\":{\"status\":400,\"code\":\"bad_request\",\"message\":"
     "\"the request line or a header is malformed\"}}"},
    {414, "URI Too Long",
     "{\"error\":{\"status\":414,\"code\":\"uri_too_long\",\"message\":"
     "\"the request target is longer than 8192 bytes\"}}"},
    {431, "Request Header Fields Too Large",
     "{\"error\":{\"status\":431,\"code\":\"headers_too_large\","
     "\"message\":\"the request line and headers are longer than 32768 "
     "bytes\"}}"},
    {505, "HTTP Version Not Supported",
     "{\"error\":{\"status\":505,\"code\":\"http_version\",\"message\":"
     "\"only HTTP/1.0 and HTTP/1.1 are served\"}}"},
};

/* Answers p with status, then reads what follows until its end. */
static void
answer(struct http_door *dr, struct pending *p, int status)
{
	struct buf b = BUF_INIT(4096);
	char host[NI_MAXHOST];
	size_t i;

	for (i = 0; i + 1 < ARRAY_SIZE(answers); i++)
		if (answers[i].status == status)
			break;
	if (getnameinfo((struct sockaddr *)&p->ss, p->sslen, host, sizeof(host),
			NULL, 0, NI_NUMERICHOST) != 0)
		str_copy(host, "-", sizeof(host));
	/* The access log line of a request no handler saw. */
	log_info("%s - (request head refused) %d -", host, answers[i].status);
	if (buf_printf(&b,
		       "HTTP/1.1 %d %s\r\nContent-Type: application/json; "
		       "charset=utf-8\r\nContent-Length: %zu\r\n"
		       "Connection: close\r\n%s\r\n%s",
		       answers[i].status, answers[i].reason,
		       strlen(answers[i].body), dr->headers,
		       answers[i].body) == 0)
		(void)send(p->fd, b.data, b.len, MSG_NOSIGNAL | MSG_DONTWAIT);
	buf_cleanup(&b);
	shutdown(p->fd, SHUT_WR);
	p->closing = 1;
	p->deadline = now_ms() + DOOR_LINGER_MS;
}

/* Something arrived on p, or its end (ended set: the client has sent
 * all it will send). */
static void
pending_event(struct http_door *dr, struct pending *p, int ended)
{
	ssize_t n;
	int rc;

	if (p->closing) {
		/* A few reads a turn: a client that never stops sending
		 * cannot keep the door; the deadline ends it. */
		for (int i = 0; i < 4; i++) {
			n = recv(p->fd, dr->buf, DOOR_HEAD_MAX + 1, 0);
			if (n > 0)
				continue;
			if (n == 0 || (errno != EAGAIN && errno != EINTR))
				pending_free(dr, p, 1);
			return;
		}
		return;
	}
	/* A head is looked at as a whole each time: at most every
	 * DOOR_PEEK_MS, however many small pieces it comes in. */
	if (!ended && now_ms() < p->peeked + DOOR_PEEK_MS) {
		p->dirty = 1;
		return;
	}
	p->dirty = 0;
	p->peeked = now_ms();
	n = recv(p->fd, dr->buf, DOOR_HEAD_MAX + 1, MSG_PEEK);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		pending_free(dr, p, 1);
		return;
	}
	if (n < 0)
		return;
	rc = http_door_head_check(dr->buf, (size_t)n);
	if (rc == 0 && ended)
		rc = 400; /* a head that will never be complete */
	if (rc == 0)
		return;
	if (rc != 1) {
		answer(dr, p, rc);
		pending_event(dr, p, 0); /* the client may have ended already */
		return;
	}
	/* Counted again by libmicrohttpd's notice (http_door_opened). */
	{
		int fd = p->fd;
		struct sockaddr_storage ss = p->ss;
		socklen_t len = p->sslen;

		pending_free(dr, p, 0);
		if (MHD_add_connection(dr->d, fd, (struct sockaddr *)&ss,
				       len) != MHD_YES)
			log_warn("%s: cannot hand a connection over: %s",
				 dr->section, strerror(errno));
	}
}

static void
accept_all(struct http_door *dr)
{
	for (int i = 0; i < DOOR_ACCEPTS; i++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		struct epoll_event ev;
		struct pending *p;
		int fd, ok;

		fd = accept4(dr->lfd, (struct sockaddr *)&ss, &len,
			     SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE) {
				/* Level-triggered: would spin until one
				 * closes. Look again next tick. */
				log_warn("%s: out of file descriptors; raise "
					 "the limit or lower connections",
					 dr->section);
				epoll_ctl(dr->ep, EPOLL_CTL_DEL, dr->lfd, NULL);
				dr->paused = now_ms() + DOOR_TICK_MS;
			}
			return;
		}
		pthread_mutex_lock(&dr->lock);
		ok = count_add(dr, (struct sockaddr *)&ss, 1) == 0;
		pthread_mutex_unlock(&dr->lock);
		if (!ok) {
			close(fd);
			dr->refused++;
			continue;
		}
		p = xcalloc(1, sizeof(*p));
		p->fd = fd;
		p->ss = ss;
		p->sslen = len;
		p->deadline = now_ms() + dr->lim->header_timeout * 1000LL;
		p->next = dr->list;
		if (dr->list != NULL)
			dr->list->prev = p;
		dr->list = p;
		ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
		ev.data.ptr = p;
		if (epoll_ctl(dr->ep, EPOLL_CTL_ADD, fd, &ev) < 0)
			pending_free(dr, p, 1);
		else
			pending_event(dr, p, 0); /* bytes may be in already */
	}
}

static void *
door_run(void *arg)
{
	struct http_door *dr = arg;
	struct epoll_event evs[DOOR_EVENTS];

	for (;;) {
		int n, cut = 0, dirty = 0;
		long long now;

		for (struct pending *p = dr->list; p != NULL && !dirty;
		     p = p->next)
			dirty = p->dirty;
		/* the deadline sweep's tick only while something waits for
		 * one: idle, the door sleeps until a connection or a stop
		 * (dr->wake) */
		n = epoll_wait(dr->ep, evs, DOOR_EVENTS,
			       dirty				? DOOR_PEEK_MS
			       : dr->list != NULL || dr->paused ? DOOR_TICK_MS
								: -1);

		for (int i = 0; i < n; i++) {
			if (evs[i].data.ptr == &dr->lfd)
				accept_all(dr);
			else if (evs[i].data.ptr == &dr->wake)
				return NULL;
			else
				pending_event(dr, evs[i].data.ptr,
					      (evs[i].events &
					       (EPOLLRDHUP | EPOLLHUP)) != 0);
		}
		now = now_ms();
		for (struct pending *p = dr->list, *next; p != NULL; p = next) {
			next = p->next;
			if (now >= p->deadline) {
				cut += !p->closing;
				pending_free(dr, p, 1);
			} else if (p->dirty)
				pending_event(dr, p, 0); /* may free p */
		}
		if (dr->paused != 0 && now >= dr->paused) {
			struct epoll_event ev = {.events = EPOLLIN};

			ev.data.ptr = &dr->lfd;
			if (epoll_ctl(dr->ep, EPOLL_CTL_ADD, dr->lfd, &ev) == 0)
				dr->paused = 0;
		}
		if (dr->refused > 0) {
			log_warn("%s: refused %d connection%s over connections "
				 "(%d) or per_address (%d)",
				 dr->section, dr->refused,
				 dr->refused == 1 ? "" : "s",
				 dr->lim->connections, dr->lim->per_address);
			dr->refused = 0;
		}
		if (cut > 0)
			log_warn("%s: closed %d connection%s that did not send "
				 "a request head within %d s",
				 dr->section, cut, cut == 1 ? "" : "s",
				 dr->lim->header_timeout);
	}
}

int
http_door_start(struct http_door **out, int lfd, struct MHD_Daemon *d,
		const struct listen_limits *lim, const char *section,
		const char *headers, struct err *e)
{
	struct http_door *dr = xcalloc(1, sizeof(*dr));
	struct epoll_event ev;

	dr->lfd = lfd;
	dr->d = d;
	dr->lim = lim;
	dr->section = section;
	dr->headers = headers;
	dr->wake[0] = dr->wake[1] = -1;
	dr->ep = -1;
	dr->buf = xmalloc(DOOR_HEAD_MAX + 1);
	dr->nslots = 2 * lim->connections;
	dr->counts = xcalloc((size_t)dr->nslots, sizeof(*dr->counts));
	if (pthread_mutex_init(&dr->lock, NULL) != 0) {
		err_set(e, "cannot create the %s door's mutex", section);
		free(dr->counts);
		free(dr->buf);
		free(dr);
		return -1;
	}
	dr->ep = epoll_create1(EPOLL_CLOEXEC);
	if (dr->ep < 0 || pipe2(dr->wake, O_CLOEXEC | O_NONBLOCK) < 0)
		goto fail;
	ev.events = EPOLLIN;
	ev.data.ptr = &dr->lfd;
	if (fcntl(lfd, F_SETFL, fcntl(lfd, F_GETFL) | O_NONBLOCK) < 0 ||
	    epoll_ctl(dr->ep, EPOLL_CTL_ADD, lfd, &ev) < 0)
		goto fail;
	ev.data.ptr = &dr->wake;
	if (epoll_ctl(dr->ep, EPOLL_CTL_ADD, dr->wake[0], &ev) < 0)
		goto fail;
	*out = dr; /* before any connection can reach d's notices */
	if (pthread_create(&dr->thread, NULL, door_run, dr) != 0) {
		*out = NULL;
		goto fail;
	}
	dr->running = 1;
	return 0;
fail:
	err_set(e, "cannot start the %s door: %s", section, strerror(errno));
	http_door_free(dr);
	return -1;
}

void
http_door_stop(struct http_door *dr)
{
	if (dr == NULL)
		return;
	if (dr->running) {
		(void)!write(dr->wake[1], "x", 1);
		pthread_join(dr->thread, NULL);
		dr->running = 0;
	}
	while (dr->list != NULL)
		pending_free(dr, dr->list, 1);
}

void
http_door_free(struct http_door *dr)
{
	if (dr == NULL)
		return;
	http_door_stop(dr);
	if (dr->ep >= 0)
		close(dr->ep);
	if (dr->wake[0] >= 0)
		close(dr->wake[0]);
	if (dr->wake[1] >= 0)
		close(dr->wake[1]);
	pthread_mutex_destroy(&dr->lock);
	free(dr->counts);
	free(dr->buf);
	free(dr);
}
