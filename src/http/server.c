/*
 * server.c: the libmicrohttpd glue of the console listener: binds [console]
 * listen, runs a thread pool of [console] threads, accumulates request
 * bodies up to [console] body_max (413 beyond), bounds header bytes and
 * connections, hands each complete request to the router and sends the
 * response with the security headers every response carries. Trusts the
 * configuration; everything read from a connection is untrusted.
 */
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "http/http.h"
#include "inspect/inspect.h"

struct http_server {
	struct MHD_Daemon *d;
	struct http_ctx ctx;
};

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
		    i == 0 && r->ctx->role == HTTP_PUBLIC
			? PUBLIC_CSP /* inline style, nothing else */
			: security_headers[i].value);
	if (str_starts(r->path, "/api/") || strcmp(r->path, "/api") == 0 ||
	    r->ctx->role == HTTP_PUBLIC)
		MHD_add_response_header(resp, "Cache-Control", "no-store");
	else
		MHD_add_response_header(resp, "Cache-Control", "no-cache");
	for (struct http_hdr *h = r->hdrs; h != NULL; h = h->next)
		MHD_add_response_header(resp, h->name, h->value);
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
	http_dispatch(&cs->req);
	return send_response(c, cs);
}

static void
on_done(void *cls, struct MHD_Connection *c, void **con_cls,
	enum MHD_RequestTerminationCode toe)
{
	state_free(*con_cls);
	*con_cls = NULL;
}

struct http_server *
http_start(const struct config *cfg, struct store *st,
	   const struct secret_key *key, enum http_role role, struct err *e)
{
	const char *what =
	    role == HTTP_PUBLIC ? "[public] listen" : "[console] listen";
	const char *listen =
	    role == HTTP_PUBLIC ? cfg->public_listen : cfg->console_listen;
	struct http_server *s;
	struct sockaddr_storage ss;
	socklen_t sslen;
	unsigned flags =
	    MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG;

	if (net_listen_addr(what, listen, 0, &ss, &sslen, e) < 0)
		return NULL;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	s = xcalloc(1, sizeof(*s));
	s->ctx.cfg = cfg;
	s->ctx.st = st;
	s->ctx.key = key;
	s->ctx.role = role;
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
	errno = 0;
	s->d = MHD_start_daemon(
	    flags, 0, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER,
	    mhd_log, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_NOTIFY_COMPLETED, on_done, s,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_HEADER_MAX,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTP_CONN_MAX,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_CONN_TIMEOUT,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cfg->threads,
	    MHD_OPTION_STRICT_FOR_CLIENT, 1, MHD_OPTION_END);
	if (s->d == NULL) {
		err_set(e, "cannot listen on '%s'%s%s", listen,
			errno ? ": " : "", errno ? strerror(errno) : "");
		goto fail;
	}
	log_info("%s listening on %s with %d threads",
		 role == HTTP_PUBLIC ? "public" : "console", listen,
		 cfg->threads);
	return s;
fail:
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
	MHD_stop_daemon(s->d);
	http_session_cleanup(&s->ctx);
	buf_cleanup(&s->ctx.leave_key);
	pthread_mutex_destroy(&s->ctx.lock);
	free(s);
}
