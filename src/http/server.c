/*
 * server.c: the libmicrohttpd glue of the console and public listeners:
 * binds [console] or [public] listen for the door (door.c), which checks
 * each request head and hands it to a libmicrohttpd thread pool of
 * [console] threads over epoll; accumulates request bodies up to
 * [console] body_max (413 beyond), bounds the time a body may take (a
 * sweep closes a connection whose deadline passed, however slowly it
 * trickles), hands each complete request to the router and sends the
 * response, one per connection, with the security headers every response
 * carries. Trusts the configuration; everything read from a connection is
 * untrusted.
 */
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <netinet/in.h>

#include <microhttpd.h>

#include "ecert/ecert.h"
#include "http/http.h"
#include "inspect/inspect.h"

/*
 * A connection as the deadline sweep sees it: its socket and the time by
 * which the request head (or body) must be in. Lives from MHD's "started"
 * to its "closed" notice, which comes before MHD closes the socket; the
 * list and the deadlines are guarded by the server's tlock.
 */
struct track {
	struct track *prev, *next;
	int fd;
	struct sockaddr_storage ss; /* the peer, for the door's counts */
	long long deadline;	    /* monotonic milliseconds; 0: none */
};

struct http_server {
	struct MHD_Daemon *d;
	struct http_ctx ctx;
	const struct listen_limits *lim;
	const char *section; /* "[console]" or "[public]" */
	int lfd;	     /* the listening socket */
	struct http_door *door;
	char headers[1024]; /* the security header lines, for the door */
	pthread_mutex_t tlock;
	pthread_cond_t tcond;
	struct track *tracks;
	pthread_t sweeper;
	int sweeping, stopping;
};

/* How often the sweep looks for connections past their deadline. */
#define SWEEP_MS 250

/* Per request: the router's view plus the body being received. */
struct conn_state {
	struct http_req req;
	struct buf body;
	int too_large;
	int answered;
};

/* The public pages carry their style inline and load nothing. */
#define PUBLIC_CSP                                                             \
	"default-src 'none'; style-src 'unsafe-inline'; frame-ancestors "      \
	"'none'; base-uri 'none'; form-action 'none'"

static const struct {
	const char *name, *value;
} security_headers[] = {
    {"Content-Security-Policy",
     "default-src 'self'; script-src 'self'; style-src 'self'; "
     "img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; "
     "form-action 'self'"},
    {"X-Content-Type-Options", "nosniff"},
    {"Referrer-Policy", "no-referrer"},
    {"X-Frame-Options", "DENY"},
};

int
http_check_config(const struct config *cfg, struct err *e)
{
	struct sockaddr_storage ss;
	socklen_t len;

	if (net_listen_addr("[console] listen", cfg->console_listen, 0, &ss,
			    &len, e) < 0)
		return -1;
	if (cfg->public_listen[0] != '\0') {
		struct buf key = BUF_INIT(8192);
		int rc;

		if (net_listen_addr("[public] listen", cfg->public_listen, 0,
				    &ss, &len, e) < 0)
			return -1;
		rc = leave_key_load(cfg->public_leave_key, &key, e);
		buf_cleanup(&key);
		if (rc < 0) {
			err_prefix(e, "[public] leave_key");
			return -1;
		}
	}
	return 0;
}

static void VPRINTF_LIKE(2) mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct buf b = BUF_INIT(2048);

	buf_vprintf(&b, fmt, ap);
	while (b.len > 0 && b.data[b.len - 1] == '\n')
		b.data[--b.len] = '\0';
	log_warn("http: %s", b.data != NULL ? b.data : "(message too long)");
	buf_cleanup(&b);
}

static const char *
peer_of(struct MHD_Connection *c, struct arena *a)
{
	const union MHD_ConnectionInfo *ci;
	char host[NI_MAXHOST];
	socklen_t len;

	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || ci->client_addr == NULL)
		return "-";
	len = ci->client_addr->sa_family == AF_INET6
		  ? sizeof(struct sockaddr_in6)
		  : sizeof(struct sockaddr_in);
	if (getnameinfo(ci->client_addr, len, host, sizeof(host), NULL, 0,
			NI_NUMERICHOST) != 0)
		return "-";
	return arena_strdup(a, host);
}

/* s made safe for a log line: control bytes (and all bytes >= 0x80 when s
 * is not UTF-8) as \xNN, so a request cannot forge log lines. */
static const char *
log_safe(struct arena *a, const char *s)
{
	int utf8 = str_utf8_valid(s, strlen(s));
	struct buf b = BUF_INIT(4096);
	const char *out;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p < 0x20 || *p == 0x7f || *p == '\\' ||
		    (*p >= 0x80 && !utf8)) {
			if (buf_printf(&b, "\\x%02x", *p) < 0)
				break;
		} else if (buf_addch(&b, (char)*p) < 0)
			break;
	}
	out = arena_strdup(a, b.data != NULL ? b.data : "");
	buf_cleanup(&b);
	return out;
}

static long long
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* MHD's notice of a new or closed connection: tracks its socket. */
static void
on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
	      enum MHD_ConnectionNotificationCode toe)
{
	struct http_server *s = cls;
	const union MHD_ConnectionInfo *ci;
	struct track *t;

	if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
		ci = MHD_get_connection_info(c,
					     MHD_CONNECTION_INFO_CONNECTION_FD);
		if (ci == NULL)
			return;
		t = xcalloc(1, sizeof(*t));
		t->fd = ci->connect_fd;
		ci = MHD_get_connection_info(
		    c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		if (ci != NULL && ci->client_addr != NULL) {
			memcpy(&t->ss, ci->client_addr,
			       ci->client_addr->sa_family == AF_INET6
				   ? sizeof(struct sockaddr_in6)
				   : sizeof(struct sockaddr_in));
			http_door_opened(s->door, (struct sockaddr *)&t->ss);
		}
		pthread_mutex_lock(&s->tlock);
		t->deadline = mono_ms() + s->lim->header_timeout * 1000LL;
		t->next = s->tracks;
		if (s->tracks != NULL)
			s->tracks->prev = t;
		else
			pthread_cond_signal(&s->tcond); /* the sweep ticks */
		s->tracks = t;
		pthread_mutex_unlock(&s->tlock);
		*socket_context = t;
		return;
	}
	t = *socket_context;
	if (t == NULL)
		return;
	pthread_mutex_lock(&s->tlock);
	if (t->prev != NULL)
		t->prev->next = t->next;
	else
		s->tracks = t->next;
	if (t->next != NULL)
		t->next->prev = t->prev;
	pthread_mutex_unlock(&s->tlock);
	if (t->ss.ss_family != 0)
		http_door_closed(s->door, (struct sockaddr *)&t->ss);
	free(t);
	*socket_context = NULL;
}

/* Gives c until seconds from now for what it sends next (0: no limit). */
static void
set_deadline(struct http_server *s, struct MHD_Connection *c, int seconds)
{
	const union MHD_ConnectionInfo *ci;
	struct track *t;

	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	if (ci == NULL || ci->socket_context == NULL)
		return;
	t = ci->socket_context;
	pthread_mutex_lock(&s->tlock);
	t->deadline = seconds > 0 ? mono_ms() + seconds * 1000LL : 0;
	pthread_mutex_unlock(&s->tlock);
}

/*
 * The sweep: every SWEEP_MS while there are connections (without any, it
 * sleeps until the first one or the stop signals tcond), shuts down the
 * socket of each connection past its deadline. MHD then reads the end of the
 * stream and closes the connection in its own thread; the socket cannot be
 * closed under us since MHD's "closed" notice takes tlock before MHD closes it.
 */
static void *
sweep(void *arg)
{
	struct http_server *s = arg;
	struct timespec ts;

	pthread_mutex_lock(&s->tlock);
	while (!s->stopping) {
		long long now = mono_ms();
		int cut = 0;

		for (struct track *t = s->tracks; t != NULL; t = t->next) {
			if (t->deadline == 0 || now < t->deadline)
				continue;
			(void)shutdown(t->fd, SHUT_RDWR);
			t->deadline = 0;
			cut++;
		}
		if (cut > 0)
			log_warn("%s: closed %d connection%s that did not send "
				 "a request head within %d s or its body "
				 "within %d s",
				 s->section, cut, cut == 1 ? "" : "s",
				 s->lim->header_timeout, s->lim->body_timeout);
		if (s->tracks == NULL) {
			pthread_cond_wait(&s->tcond, &s->tlock);
			continue;
		}
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += SWEEP_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&s->tcond, &s->tlock, &ts);
	}
	pthread_mutex_unlock(&s->tlock);
	return NULL;
}

static enum MHD_Result
send_response(struct MHD_Connection *c, struct conn_state *cs)
{
	struct http_req *r = &cs->req;
	struct MHD_Response *resp;
	enum MHD_Result ret;

	if (r->status == 0)
		http_error(r, 500, "internal error");
	if (r->out != NULL) {
		resp = MHD_create_response_from_buffer(r->out_len, r->out,
						       MHD_RESPMEM_MUST_FREE);
		if (resp != NULL)
			r->out = NULL; /* MHD frees it now */
	} else
		resp = MHD_create_response_from_buffer(0, NULL,
						       MHD_RESPMEM_PERSISTENT);
	if (resp == NULL)
		return MHD_NO;
	if (r->ctype != NULL)
		MHD_add_response_header(resp, "Content-Type", r->ctype);
	for (size_t i = 0; i < ARRAY_SIZE(security_headers); i++)
		MHD_add_response_header(
		    resp, security_headers[i].name,
		    i == 0 && r->csp != NULL ? r->csp
		    : i == 0 && r->ctx->role == HTTP_PUBLIC
			? PUBLIC_CSP /* inline style, nothing else */
			: security_headers[i].value);
	if (str_starts(r->path, "/api/") || strcmp(r->path, "/api") == 0 ||
	    r->ctx->role == HTTP_PUBLIC)
		MHD_add_response_header(resp, "Cache-Control", "no-store");
	else
		MHD_add_response_header(resp, "Cache-Control", "no-cache");
	for (struct http_hdr *h = r->hdrs; h != NULL; h = h->next)
		MHD_add_response_header(resp, h->name, h->value);
	/* Every request comes through the door (door.c), never a second
	 * one on a connection libmicrohttpd already has. */
	MHD_add_response_header(resp, "Connection", "close");
	ret = MHD_queue_response(c, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	cs->answered = 1;
	log_info("%s %s %s %d %s", r->peer, log_safe(&r->arena, r->method),
		 log_safe(&r->arena, r->path), r->status,
		 r->user != NULL ? r->user : "-");
	return ret;
}

static struct conn_state *
state_new(struct http_server *s, struct MHD_Connection *c, const char *url,
	  const char *method)
{
	struct conn_state *cs = xcalloc(1, sizeof(*cs));
	struct http_req *r = &cs->req;

	arena_init(&r->arena);
	r->ctx = &s->ctx;
	r->conn = c;
	r->method = arena_strdup(&r->arena, method);
	r->path = arena_strdup(&r->arena, url);
	r->peer = peer_of(c, &r->arena);
	r->body = "";
	buf_init(&cs->body, (size_t)s->ctx.cfg->body_max);
	return cs;
}

static void
state_free(struct conn_state *cs)
{
	if (cs == NULL)
		return;
	free(cs->req.out);
	/* The body may hold a password (login): wipe it. */
	if (cs->body.data != NULL)
		explicit_bzero(cs->body.data, cs->body.len);
	buf_cleanup(&cs->body);
	arena_cleanup(&cs->req.arena);
	free(cs);
}

static int
declared_too_large(struct MHD_Connection *c, long long max)
{
	const char *cl;
	long long n;

	cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
	if (cl == NULL)
		return 0;
	return str_to_ll(cl, 0, INT64_MAX, &n) < 0 || n > max;
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url,
	   const char *method, const char *version, const char *upload_data,
	   size_t *upload_data_size, void **con_cls)
{
	struct http_server *s = cls;
	struct conn_state *cs = *con_cls;

	if (cs == NULL) {
		/* The head is in; the body (if any) has body_timeout. */
		set_deadline(s, c, s->lim->body_timeout);
		cs = state_new(s, c, url, method);
		*con_cls = cs;
		if (declared_too_large(c, s->ctx.cfg->body_max)) {
			/* Answer before reading; MHD closes afterwards. */
			cs->too_large = 1;
			http_error(&cs->req, 413,
				   "the request body is larger than %lld bytes "
				   "([console] body_max)",
				   s->ctx.cfg->body_max);
			return send_response(c, cs);
		}
		return MHD_YES;
	}
	if (cs->answered) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size > 0) {
		if (!cs->too_large &&
		    buf_add(&cs->body, upload_data, *upload_data_size) < 0) {
			cs->too_large = 1;
			buf_cleanup(&cs->body);
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (cs->too_large) {
		http_error(&cs->req, 413,
			   "the request body is larger than %lld bytes "
			   "([console] body_max)",
			   s->ctx.cfg->body_max);
		return send_response(c, cs);
	}
	if (cs->body.data != NULL) {
		cs->req.body = cs->body.data;
		cs->req.body_len = cs->body.len;
	}
	/* All in: handling and sending are bounded by idle_timeout only. */
	set_deadline(s, c, 0);
	http_dispatch(&cs->req);
	return send_response(c, cs);
}

static void
on_done(void *cls, struct MHD_Connection *c, void **con_cls,
	enum MHD_RequestTerminationCode toe)
{
	struct http_server *s = cls;

	state_free(*con_cls);
	*con_cls = NULL;
	/* A kept-alive connection has header_timeout for its next head. */
	set_deadline(s, c, s->lim->header_timeout);
}

/* Starts the deadline sweep of s: 0, or -1 with e set. */
static int
sweep_start(struct http_server *s, struct err *e)
{
	pthread_condattr_t ca;

	if (pthread_mutex_init(&s->tlock, NULL) != 0) {
		err_set(e, "cannot create the connection list mutex");
		return -1;
	}
	if (pthread_condattr_init(&ca) != 0)
		goto fail;
	if (pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) != 0 ||
	    pthread_cond_init(&s->tcond, &ca) != 0) {
		pthread_condattr_destroy(&ca);
		goto fail;
	}
	pthread_condattr_destroy(&ca);
	if (pthread_create(&s->sweeper, NULL, sweep, s) != 0) {
		pthread_cond_destroy(&s->tcond);
		goto fail;
	}
	s->sweeping = 1;
	return 0;
fail:
	pthread_mutex_destroy(&s->tlock);
	err_set(e, "cannot start the %s connection sweep", s->section);
	return -1;
}

/* Ends the sweep of s (if started); call after MHD_stop_daemon. */
static void
sweep_stop(struct http_server *s)
{
	if (!s->sweeping)
		return;
	pthread_mutex_lock(&s->tlock);
	s->stopping = 1;
	pthread_cond_signal(&s->tcond);
	pthread_mutex_unlock(&s->tlock);
	pthread_join(s->sweeper, NULL);
	while (s->tracks != NULL) { /* none once MHD has stopped */
		struct track *t = s->tracks;

		s->tracks = t->next;
		free(t);
	}
	pthread_cond_destroy(&s->tcond);
	pthread_mutex_destroy(&s->tlock);
	s->sweeping = 0;
}

/* A listening socket on ss: the descriptor, or -1 with e set. */
static int
listen_on(const struct sockaddr_storage *ss, socklen_t sslen, const char *where,
	  struct err *e)
{
	int fd, one = 1;

	fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    (ss->ss_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) <
		 0) ||
	    bind(fd, (const struct sockaddr *)ss, sslen) < 0 ||
	    listen(fd, 1024) < 0) {
		err_set(e, "cannot listen on '%s': %s", where, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* The security header lines of every answer, for the door's own. */
static void
door_headers(struct http_server *s)
{
	struct buf b = BUF_INIT(sizeof(s->headers) - 1);

	for (size_t i = 0; i < ARRAY_SIZE(security_headers); i++)
		buf_printf(&b, "%s: %s\r\n", security_headers[i].name,
			   i == 0 && s->ctx.role == HTTP_PUBLIC
			       ? PUBLIC_CSP
			       : security_headers[i].value);
	buf_printf(&b, "Cache-Control: no-store\r\n");
	str_copy(s->headers, b.data != NULL ? b.data : "", sizeof(s->headers));
	buf_cleanup(&b);
}

void
http_set_jobs(struct http_server *s, struct insp_jobs *jobs)
{
	pthread_mutex_lock(&s->ctx.lock);
	s->ctx.jobs = jobs;
	pthread_mutex_unlock(&s->ctx.lock);
}

struct http_server *
http_start(const struct config *cfg, struct store *st,
	   const struct secret_key *key, enum http_role role, struct err *e)
{
	const char *what =
	    role == HTTP_PUBLIC ? "[public] listen" : "[console] listen";
	const char *listen =
	    role == HTTP_PUBLIC ? cfg->public_listen : cfg->console_listen;
	const struct listen_limits *lim =
	    role == HTTP_PUBLIC ? &cfg->public_limits : &cfg->console_limits;
	struct http_server *s;
	struct sockaddr_storage ss;
	socklen_t sslen;
	/* One polling thread per pool thread over epoll (MHD_USE_AUTO on
	 * Linux), never a thread per connection: held connections cost a
	 * socket and a little memory, not a thread. Connections come from
	 * the door (door.c), not from a socket of libmicrohttpd's. */
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO |
			 MHD_USE_ERROR_LOG | MHD_USE_NO_LISTEN_SOCKET |
			 MHD_USE_ITC;

	if (net_listen_addr(what, listen, 0, &ss, &sslen, e) < 0)
		return NULL;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	s = xcalloc(1, sizeof(*s));
	s->ctx.cfg = cfg;
	s->ctx.st = st;
	s->ctx.key = key;
	s->ctx.role = role;
	s->lim = lim;
	s->section = role == HTTP_PUBLIC ? "[public]" : "[console]";
	s->lfd = -1;
	door_headers(s);
	buf_init(&s->ctx.leave_key, 8192);
	if (pthread_mutex_init(&s->ctx.lock, NULL) != 0) {
		err_set(e, "cannot create the store mutex");
		free(s);
		return NULL;
	}
	if (role == HTTP_CONSOLE && http_session_init(&s->ctx, e) < 0)
		goto fail;
	if (role == HTTP_PUBLIC &&
	    leave_key_load(cfg->public_leave_key, &s->ctx.leave_key, e) < 0) {
		err_prefix(e, "[public] leave_key");
		goto fail;
	}
	s->lfd = listen_on(&ss, sslen, listen, e);
	if (s->lfd < 0)
		goto fail;
	if (sweep_start(s, e) < 0)
		goto fail;
	errno = 0;
	/* The door keeps to lim->connections; libmicrohttpd's own limit
	 * (shared out among its threads) leaves room for that. */
	s->d = MHD_start_daemon(
	    flags, 0, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER,
	    mhd_log, NULL, MHD_OPTION_NOTIFY_COMPLETED, on_done, s,
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, s,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_HEADER_MAX,
	    MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned)(lim->connections + lim->connections / 2 + 64),
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)lim->idle_timeout,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cfg->threads,
	    MHD_OPTION_STRICT_FOR_CLIENT, 1, MHD_OPTION_END);
	if (s->d == NULL) {
		err_set(e, "cannot start the HTTP server on '%s'%s%s", listen,
			errno ? ": " : "", errno ? strerror(errno) : "");
		goto fail;
	}
	if (http_door_start(&s->door, s->lfd, s->d, lim, s->section, s->headers,
			    e) < 0)
		goto fail;
	log_info("%s listening on %s with %d threads, at most %d connections "
		 "(%d per address)",
		 role == HTTP_PUBLIC ? "public" : "console", listen,
		 cfg->threads, lim->connections, lim->per_address);
	return s;
fail:
	if (s->d != NULL)
		MHD_stop_daemon(s->d);
	sweep_stop(s);
	if (s->lfd >= 0)
		close(s->lfd);
	http_session_cleanup(&s->ctx);
	buf_cleanup(&s->ctx.leave_key);
	pthread_mutex_destroy(&s->ctx.lock);
	free(s);
	return NULL;
}

void
http_stop(struct http_server *s)
{
	if (s == NULL)
		return;
	http_door_stop(s->door);
	MHD_stop_daemon(s->d);
	sweep_stop(s);
	http_door_free(s->door);
	close(s->lfd);
	http_session_cleanup(&s->ctx);
	buf_cleanup(&s->ctx.leave_key);
	if (s->ctx.ecert != NULL) {
		ecert_ca_free(s->ctx.ecert);
		free(s->ctx.ecert);
	}
	pthread_mutex_destroy(&s->ctx.lock);
	free(s);
}
