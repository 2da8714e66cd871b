/*
 * crawl.c: the fetch loop on libcurl's multi interface: transfers started
 * from the host queues (hostq.c) within total and per-host limits, robots.txt
 * before a site's pages, manual redirects (each hop recorded and checked),
 * HEAD with GET fallback, retries with backoff, 429/Retry-After and bot
 * protection as "blocked", per-response byte limits and a time limit, and an
 * SSRF guard on every connected address. Pages are parsed as their bytes
 * arrive (extract.c), on parser threads (xpool.c) while this thread goes on
 * with the transfers, and judged by page.c. Every response is untrusted.
 */
#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "inspect/crawl_int.h"
#include "registry/registry.h"

static const char *
ci_find(const char *s, const char *lit)
{
	size_t k = strlen(lit);
	int first = (unsigned char)lit[0] | 0x20;

	/* the first byte rules most places out before a comparison */
	for (; *s != '\0'; s++)
		if (((unsigned char)*s | 0x20) == first &&
		    strncasecmp(s, lit, k) == 0)
			return s;
	return NULL;
}

double
crawl_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
insp_opts_init(struct insp_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->robots = 1;
	o->max_pages = 10000;
	o->max_depth = 32;
	o->max_bytes = 8 << 20;
	o->max_seconds = 1800;
	o->timeout = 15;
	o->concurrency = 16;
	o->per_host = 8;
	o->retries = 2;
	o->max_redirects = 10;
	o->max_retry_after = 10;
	o->external = 1;
	o->datadir = GOVSEC_DATADIR "/inspect";
	o->user_agent = "govsec-inspect/" GOVSEC_VERSION;
}

const char *
insp_status_str(enum insp_status s)
{
	static const char *const n[] = {"ok", "broken", "blocked", "skipped"};

	return s <= INSP_SKIPPED ? n[s] : "skipped";
}

/* ---- one transfer ---- */

static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	struct job *j = arg;
	size_t len = size * n, k;
	char line[16384]; /* Location may be long; longer lines are ignored */

	if (len >= sizeof(line))
		return len;
	memcpy(line, p, len);
	line[len] = '\0';
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		line[--len] = '\0';
	if (str_starts(line, "HTTP/")) {
		const char *sp = strchr(line, ' ');
		long long code;
		char num[4];

		j->location = (free(j->location), NULL);
		j->ctype[0] = '\0';
		j->clen = -1;
		j->bot = 0;
		j->retry_after = -1;
		if (sp != NULL && strlen(sp + 1) >= 3) {
			memcpy(num, sp + 1, 3);
			num[3] = '\0';
			if (str_to_ll(num, 100, 599, &code) == 0)
				j->status = (long)code;
		}
		return size * n;
	}
	k = strcspn(line, ":");
	if (line[k] != ':')
		return size * n;
	line[k] = '\0';
	{
		char *v = line + k + 1;

		while (*v == ' ' || *v == '\t')
			v++;
		if (strcasecmp(line, "content-type") == 0)
			str_copy(j->ctype, v, sizeof(j->ctype));
		else if (strcasecmp(line, "content-length") == 0) {
			long long cl;

			if (str_to_ll(v, 0, LLONG_MAX, &cl) == 0)
				j->clen = cl;
		} else if (strcasecmp(line, "location") == 0 &&
			   strlen(v) < 8192)
			j->location = (free(j->location), xstrdup(v));
		else if (strcasecmp(line, "retry-after") == 0) {
			long long s;
			time_t t;

			if (str_to_ll(v, 0, 86400, &s) == 0)
				j->retry_after = (long)s;
			else if ((t = curl_getdate(v, NULL)) > 0)
				j->retry_after =
				    t > time(NULL) ? (long)(t - time(NULL)) : 0;
		} else if (strcasecmp(line, "etag") == 0)
			str_copy(j->etag, v, sizeof(j->etag));
		else if (strcasecmp(line, "last-modified") == 0)
			str_copy(j->lastmod, v, sizeof(j->lastmod));
		else if (strcasecmp(line, "strict-transport-security") == 0)
			j->hsts = strstr(v, "max-age=0") == NULL;
		else if (strcasecmp(line, "cf-mitigated") == 0 ||
			 strcasecmp(line, "cf-chl-bypass") == 0 ||
			 strcasecmp(line, "x-datadome") == 0 ||
			 strcasecmp(line, "x-amzn-waf-action") == 0 ||
			 strcasecmp(line, "x-sucuri-block") == 0)
			j->bot = 1;
		else if (strcasecmp(line, "server") == 0 &&
			 (ci_find(v, "cloudflare") || ci_find(v, "ddos") ||
			  ci_find(v, "waf") || ci_find(v, "yunsuo") ||
			  ci_find(v, "safedog") || ci_find(v, "jiasule")))
			j->bot |= 2; /* decides only with a 403 */
	}
	return size * n;
}

static int
is_html(const char *ct)
{
	return *ct == '\0' || ci_find(ct, "html") != NULL;
}

/* Starts the extractor of j's page on a parser thread (keep: XK_*). */
static void
job_extract(struct crawler *c, struct job *j, unsigned keep, int judge)
{
	struct extract *x;
	char cs[64] = "";
	const char *k = ci_find(j->ctype, "charset=");

	if (k != NULL) {
		size_t cn = strcspn(k + 8, " ;\"'");

		if (cn < sizeof(cs)) {
			memcpy(cs, k + 8, cn);
			cs[cn] = '\0';
		}
	}
	x = extract_new(c->o->logo_pattern, cs);
	extract_keep(x, keep);
	if (judge)
		extract_judge(x, c->words);
	j->xt = xpool_start(c->pool, x, j);
}

/*
 * A body the check does not need: read to its end when it is short
 * (at most DRAIN_MAX bytes, by Content-Length when there is one), so that
 * the connection can carry the next request; else cut (the connection is
 * then closed).
 */
static size_t
skip_body(struct job *j, size_t len)
{
	if (j->clen > DRAIN_MAX || j->bytes > DRAIN_MAX) {
		j->stopped = 1;
		return 0;
	}
	return len;
}

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct job *j = arg;
	struct crawler *c = j->c;
	size_t len = size * n;
	struct target *t = j->target >= 0 ? &c->t[j->target] : NULL;

	j->bytes += (long long)len;
	c->r->bytes += (long long)len;
	if (j->bytes > c->o->max_bytes) {
		j->too_large = 1;
		j->cut = 1; /* its fragments are not all there */
		return 0;
	}
	if (j->status >= 300 || j->status < 200) {
		/* keep the start of error pages for bot-protection checks */
		if (j->status == 403 && j->body.len < 16384)
			buf_add(&j->body, p, len < 16384 ? len : 16384);
		return len;
	}
	if (t == NULL) { /* robots.txt */
		if (buf_add(&j->body, p, len) < 0) {
			j->stopped = 1;
			return 0;
		}
		return len;
	}
	switch (t->want) {
	case W_PARSE:
		if (!is_html(j->ctype) || !t->internal ||
		    c->h[j->host].key != c->h[c->site].key) {
			if (t->internal)
				return skip_body(j, len);
			goto content;
		}
		if (j->xt == NULL)
			job_extract(c, j,
				    t->home ? XK_TEXT | XK_LAYOUT : XK_TEXT, 1);
		/* parsed on a parser thread, in this order */
		xpool_feed(c->pool, j->xt, p, len);
		return len;
	case W_CSS:
		if (buf_add(&j->body, p, len) < 0) {
			j->stopped = 1;
			return 0;
		}
		return len;
	case W_CONTENT:
	content:
		if (!is_html(j->ctype) && strncasecmp(j->ctype, "text/", 5))
			return skip_body(j, len);
		if (!t->internal && is_html(j->ctype)) {
			/* another site's page: its ids for fragments */
			if (j->xt == NULL && j->bytes == (long long)len)
				job_extract(c, j, 0, 0);
			if (j->xt != NULL && j->bytes > EXTPAGE_MAX) {
				j->cut = 1;
				j->stopped = 1;
				return 0;
			}
			if (j->xt != NULL)
				xpool_feed(c->pool, j->xt, p, len);
		}
		if (buf_add(&j->body, p, len) < 0 && j->xt == NULL) {
			j->stopped = 1; /* enough to judge */
			return 0;
		}
		return len;
	default:
		/* the status is all a check needs */
		return skip_body(j, len);
	}
}

static curl_socket_t
on_open(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct job *j = arg;

	(void)purpose;
	if (!j->c->o->allow_private && addr_private(&a->addr)) {
		j->refused = 1;
		return CURL_SOCKET_BAD;
	}
	return socket(a->family, a->socktype, a->protocol);
}

static void job_free(struct crawler *c, struct job *j);
static int job_start(struct crawler *c, struct job *j);

static struct job *
job_new(struct crawler *c, int ti, int hi, const char *url)
{
	struct job *j = xcalloc(1, sizeof(*j));

	j->c = c;
	j->target = ti;
	j->host = hi;
	j->url = xstrdup(url);
	j->retry_after = -1;
	j->clen = -1;
	buf_init(&j->chain, 64 << 10);
	if (ti < 0)
		buf_init(&j->body, ROBOTS_BODY);
	else if (c->t[ti].want == W_CSS)
		buf_init(&j->body, CSSFILE_MAX);
	else
		buf_init(&j->body, CONTENT_MAX);
	j->head = ti >= 0 && c->t[ti].want == W_HEAD;
	return j;
}

static void
job_reset(struct job *j)
{
	xpool_drop(j->c->pool, j->xt);
	j->xt = NULL;
	xpool_release(j->c->pool, j->x);
	j->x = NULL;
	buf_reset(&j->body);
	j->status = 0;
	j->ctype[0] = '\0';
	j->location = (free(j->location), NULL);
	j->bot = j->refused = j->stopped = j->too_large = j->cut = 0;
	j->clen = -1;
	j->bytes = 0;
	j->retry_after = -1;
	j->etag[0] = j->lastmod[0] = '\0';
}

static void
delay_job(struct crawler *c, struct job *j, double seconds)
{
	job_reset(j);
	j->not_before = crawl_now() + seconds;
	if (c->ndelayed == c->capdelayed) {
		c->capdelayed = c->capdelayed ? c->capdelayed * 2 : 16;
		c->delayed =
		    xrealloc(c->delayed, c->capdelayed * sizeof(*c->delayed));
	}
	c->delayed[c->ndelayed++] = j;
}

static void
pool_put(struct crawler *c, CURL *e)
{
	if (c->nhandles == c->caphandles) {
		c->caphandles = c->caphandles ? c->caphandles * 2 : 32;
		c->handles =
		    xrealloc(c->handles, c->caphandles * sizeof(*c->handles));
	}
	c->handles[c->nhandles++] = e;
}

/* Jobs transferring (c->active) and waiting for their parser
 * (c->parsing) are in doubly linked lists. */
static void
job_link(struct job **head, struct job *j)
{
	j->prev = NULL;
	j->next = *head;
	if (*head != NULL)
		(*head)->prev = j;
	*head = j;
}

static void
job_unlink(struct job **head, struct job *j)
{
	if (j->prev != NULL)
		j->prev->next = j->next;
	else
		*head = j->next;
	if (j->next != NULL)
		j->next->prev = j->prev;
	j->next = j->prev = NULL;
}

static void
wake(void *arg)
{
	curl_multi_wakeup(arg);
}

/* Starts j's transfer: 0, 1 when its host's lookup runs (see job_go), -1
 * when its name does not resolve or libcurl fails. */
static int
job_start(struct crawler *c, struct job *j)
{
	struct host *h = &c->h[j->host];
	CURL *e;
	char rs[700];

	if (h->addr != NULL && strcmp(h->addr, "none") == 0) {
		/* the test map says this name does not resolve */
		return -1;
	}
	if (dns_host_wait(c, j->host))
		return 1;
	if (h->dns == HD_BAD)
		return -1;
	e = c->nhandles > 0 ? c->handles[--c->nhandles] : curl_easy_init();
	if (e == NULL)
		return -1;
	curl_easy_reset(e);
	j->e = e;
	curl_slist_free_all(j->resolve);
	j->resolve = NULL;
	if (h->ip == NULL && h->dns_addrs != NULL &&
	    str_fmt(rs, sizeof(rs), "%s:%d:%s", h->name, h->port,
		    h->dns_addrs) > 0) {
		/* the addresses of the crawler's own lookup */
		j->resolve = curl_slist_append(NULL, rs);
		curl_easy_setopt(e, CURLOPT_RESOLVE, j->resolve);
	} else if (h->ip != NULL) {
		const char *l = strchr(h->ip, ':') ? "[" : "";
		const char *r = *l ? "]" : "";

		if (h->cport > 0) {
			/* connect elsewhere without any name lookup */
			str_fmt(rs, sizeof(rs), "%s:%d:%s%s%s:%d", h->name,
				h->port, l, h->ip, r, h->cport);
			j->resolve = curl_slist_append(NULL, rs);
			curl_easy_setopt(e, CURLOPT_CONNECT_TO, j->resolve);
		} else {
			str_fmt(rs, sizeof(rs), "%s:%d:%s%s%s", h->name,
				h->port, l, h->ip, r);
			j->resolve = curl_slist_append(NULL, rs);
			curl_easy_setopt(e, CURLOPT_RESOLVE, j->resolve);
		}
	}
	curl_slist_free_all(j->headers);
	j->headers = NULL;
	if (j->target >= 0 && j->hops == 0 && !j->head &&
	    c->t[j->target].want == W_CONTENT && c->o->prev != NULL) {
		char *etag = NULL, *lm = NULL, *fp = NULL;
		char hd[512];

		if (c->o->prev(c->o->prev_arg, c->t[j->target].url, &etag, &lm,
			       &fp) == 0 &&
		    fp != NULL && *fp != '\0') {
			if (etag != NULL && *etag != '\0' &&
			    str_fmt(hd, sizeof(hd), "If-None-Match: %s", etag) >
				0)
				j->headers = curl_slist_append(j->headers, hd);
			if (lm != NULL && *lm != '\0' &&
			    str_fmt(hd, sizeof(hd), "If-Modified-Since: %s",
				    lm) > 0)
				j->headers = curl_slist_append(j->headers, hd);
			str_copy(c->t[j->target].fp, fp,
				 sizeof(c->t[j->target].fp));
		}
		free(etag);
		free(lm);
		free(fp);
		if (j->headers != NULL)
			curl_easy_setopt(e, CURLOPT_HTTPHEADER, j->headers);
	}
	curl_easy_setopt(e, CURLOPT_URL, j->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, j);
	curl_easy_setopt(e, CURLOPT_NOBODY, j->head ? 1L : 0L);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, j);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, j);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, on_open);
	curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, j);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, j->errbuf);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_TIMEOUT, (long)c->o->timeout);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT,
			 (long)(c->o->timeout < 10 ? c->o->timeout : 10));
	curl_easy_setopt(e, CURLOPT_USERAGENT, c->o->user_agent);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	if (str_starts(j->url, "https:"))
		curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L); /* HTTP/2 */
	curl_easy_setopt(e, CURLOPT_DNS_CACHE_TIMEOUT, -1L);
	/* no CURLOPT_MAXFILESIZE: on_body stops at max_bytes, so a big
	 * page is still judged (and parsed) on what arrived */
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	if (c->o->cacert != NULL)
		curl_easy_setopt(e, CURLOPT_CAINFO, c->o->cacert);
	j->errbuf[0] = '\0';
	if (curl_multi_add_handle(c->multi, e) != CURLM_OK) {
		pool_put(c, e);
		j->e = NULL;
		return -1;
	}
	job_link(&c->active, j);
	h->active++;
	if (h->active > c->r->max_per_host)
		c->r->max_per_host = h->active;
	c->running++;
	if (c->running > c->r->max_running)
		c->r->max_running = c->running;
	c->r->requests++;
	if (c->o->delay_ms > 0)
		h->next_ok = crawl_now() + c->o->delay_ms / 1000.0;
	return 0;
}

/* job_start, with a job whose host's lookup runs put aside until it
 * ends: 0 or -1. */
static int
job_go(struct crawler *c, struct job *j)
{
	int rc = job_start(c, j);

	if (rc == 1) {
		delay_job(c, j, 0);
		return 0;
	}
	return rc;
}

/* ---- completion ---- */

static const char *
curl_reason(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
		return "dns_failure";
	case CURLE_COULDNT_CONNECT:
		return "connect_failure";
	case CURLE_OPERATION_TIMEDOUT:
		return "timeout";
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
		return "tls_error";
	case CURLE_FILESIZE_EXCEEDED:
		return "too_large";
	case CURLE_BAD_CONTENT_ENCODING:
		return "bad_encoding";
	default:
		return "network_error";
	}
}

static int
retryable(CURLcode rc)
{
	return rc == CURLE_COULDNT_CONNECT || rc == CURLE_OPERATION_TIMEDOUT ||
	       rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR ||
	       rc == CURLE_GOT_NOTHING || rc == CURLE_PARTIAL_FILE ||
	       rc == CURLE_HTTP2 || rc == CURLE_HTTP2_STREAM;
}

static int
bot_body(const struct buf *b)
{
	static const char *const words[] = {
	    "captcha",	  "challenge-platform", "人机验证",	   "安全验证",
	    "访问被拦截", "bot protection",	"are you a robot", "ddos"};

	if (b->data == NULL)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(words); i++)
		if (ci_find(b->data, words[i]) != NULL)
			return 1;
	return 0;
}

static int
same_registrable(const char *a, const char *b)
{
	char *ha = url_host(a), *hb = url_host(b);
	struct domain_info da, db;
	int same;

	if (ha == NULL || hb == NULL)
		same = 0;
	else if (domain_parse(ha, &da, NULL) == 0 &&
		 domain_parse(hb, &db, NULL) == 0)
		same = strcmp(da.registrable, db.registrable) == 0;
	else
		same = strcasecmp(ha, hb) == 0;
	free(ha);
	free(hb);
	return same;
}

static void
robots_done(struct crawler *c, struct job *j, CURLcode rc)
{
	struct host *h = &c->h[j->host];

	if ((rc == CURLE_OK || j->stopped) && j->status >= 200 &&
	    j->status < 300)
		h->rb = robots_parse(j->body.data ? j->body.data : "",
				     j->body.len, "govsec");
	h->robots = 0;
}

/* The fetch of a target ended with a final response or error. */
static void
target_done(struct crawler *c, struct job *j, CURLcode rc)
{
	struct target *t = &c->t[j->target];
	char detail[300];

	if (j->chain.len > 0) {
		t->chain = xstrdup(j->chain.data);
		t->final = xstrdup(j->url);
	}
	t->http = (int)j->status;
	if (j->etag[0])
		t->etag = xstrdup(j->etag);
	if (j->lastmod[0])
		t->lastmod = xstrdup(j->lastmod);
	if (j->refused) {
		hostq_finish(c, t, INSP_SKIPPED, "private_address",
			     "the target resolves to a private, loopback or "
			     "link-local address (use --allow-private)");
		return;
	}
	if (j->too_large && j->status >= 200 && j->status < 300) {
		rc = CURLE_OK; /* what arrived is judged */
	} else if (j->too_large) {
		hostq_finish(c, t, INSP_BROKEN, "too_large", NULL);
		return;
	}
	if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && j->stopped)) {
		str_fmt(detail, sizeof(detail), "%s",
			j->errbuf[0] ? j->errbuf : curl_easy_strerror(rc));
		hostq_finish(c, t, INSP_BROKEN, curl_reason(rc), detail);
		t->abnormal = !strcmp(t->reason, "dns_failure") ||
			      !strcmp(t->reason, "tls_error");
		return;
	}
	if (j->status == 304) {
		hostq_finish(c, t, INSP_OK, "not_modified", NULL);
		return;
	}
	if (j->status == 429) {
		hostq_finish(c, t, INSP_BLOCKED, "rate_limited",
			     "429 Too Many Requests after honouring "
			     "Retry-After");
		return;
	}
	if (j->status == 403 &&
	    ((j->bot & 1) || ((j->bot & 2)) || bot_body(&j->body))) {
		hostq_finish(c, t, INSP_BLOCKED, "bot_protection",
			     "403 from bot protection: not verified");
		return;
	}
	if (j->status < 200 || j->status >= 300) {
		static char reasons[600][9];
		int s = (int)j->status;

		if (s < 0 || s >= 600)
			s = 0;
		if (reasons[s][0] == '\0')
			str_fmt(reasons[s], sizeof(reasons[s]), "http_%d", s);
		str_fmt(detail, sizeof(detail), "HTTP %ld", j->status);
		hostq_finish(c, t, INSP_BROKEN, reasons[s], detail);
		return;
	}
	hostq_finish(c, t, INSP_OK, j->too_large ? "truncated" : "",
		     j->too_large ? "larger than --max-bytes: judged on what "
				    "arrived"
				  : NULL);
	if (t->final != NULL && !same_registrable(t->url, t->final)) {
		t->reason = "cross_domain_redirect";
		t->abnormal = 1;
		t->status = INSP_OK;
		str_fmt(detail, sizeof(detail), "redirects to %.200s",
			t->final);
		free(t->detail);
		t->detail = xstrdup(detail);
	}
	if (j->x != NULL && !t->internal) {
		frag_ids(c, j, t); /* another site's page */
	} else if (j->x != NULL) {
		page_done(c, j, t);
		t = &c->t[j->target]; /* c->t may have moved */
	}
	if (t->want == W_CSS && j->body.len > 0) {
		page_css(c, j);
		t = &c->t[j->target];
	}
	if ((t->want == W_CONTENT || (!t->internal && j->body.len > 0)) &&
	    j->body.len > 0) {
		int hits;
		const char *why =
		    words_classify(c->words, j->body.data, j->body.len, &hits);
		uint64_t fp = simhash(j->body.data, j->body.len);
		char prevfp[17];

		str_copy(prevfp, t->fp, sizeof(prevfp));
		str_fmt(t->fp, sizeof(t->fp), "%016llx",
			(unsigned long long)fp);
		if (why != NULL) {
			str_fmt(detail, sizeof(detail),
				"%d %s terms in the page", hits,
				!strcmp(why, "parked_domain")  ? "for-sale"
				: !strcmp(why, "porn_content") ? "pornography"
							       : "gambling");
			hostq_finish(c, t, INSP_BROKEN, why, detail);
			t->abnormal = 1;
		}
		(void)prevfp;
	}
	if (t->home) {
		c->home_hsts = j->hsts;
		c->home_https = str_starts(j->url, "https://");
	}
}

static void job_free(struct crawler *c, struct job *j);

/* Fetches robots.txt of host hi (of url) before its pages (robots on). */
static void
start_robots(struct crawler *c, int hi, const char *url)
{
	struct host *h = &c->h[hi];
	char *rurl;
	struct job *j;

	if (!c->o->robots || h->rb != NULL || h->robots)
		return;
	rurl = url_resolve(url, "/robots.txt", NULL);
	if (rurl == NULL)
		return;
	j = job_new(c, -1, hi, rurl);
	free(rurl);
	h->robots = 1;
	if (job_go(c, j) < 0) {
		h->robots = 0;
		job_free(c, j);
	}
}

static void
job_done(struct crawler *c, struct job *j, CURLcode rc)
{
	struct target *t = j->target >= 0 ? &c->t[j->target] : NULL;
	int max_retries = c->o->retries;

	/* redirects: follow by hand so each hop is seen */
	if (rc == CURLE_OK && j->status >= 300 && j->status < 400 &&
	    j->status != 304 && j->location != NULL && t != NULL) {
		char *next = url_resolve(j->url, j->location, NULL);

		if (next == NULL) {
			hostq_finish(c, t, INSP_BROKEN, "bad_redirect",
				     "the Location header is not an http(s) "
				     "URL");
			goto out;
		}
		{
			char *hash = strchr(next, '#');

			if (hash != NULL)
				*hash = '\0';
		}
		buf_addstr(&j->chain, j->url);
		buf_addch(&j->chain, '\n');
		if (j->chain.data != NULL &&
		    (strstr(j->chain.data, next) != NULL &&
		     (strcmp(next, j->url) == 0 ||
		      strstr(j->chain.data, next)[strlen(next)] == '\n'))) {
			t->chain = xstrdup(j->chain.data);
			t->final = xstrdup(next);
			hostq_finish(c, t, INSP_BROKEN, "redirect_loop", next);
			free(next);
			goto out;
		}
		if (++j->hops > c->o->max_redirects) {
			t->chain = xstrdup(j->chain.data);
			t->final = xstrdup(next);
			hostq_finish(c, t, INSP_BROKEN, "too_many_redirects",
				     NULL);
			free(next);
			goto out;
		}
		free(j->url);
		j->url = next;
		{
			int hi = hostq_host(c, next);

			if (hi < 0) {
				hostq_finish(c, t, INSP_BROKEN, "bad_redirect",
					     NULL);
				goto out;
			}
			j->host = hi;
			/* the site is where the homepage ends (http to
			 * https, bare domain to www) */
			if (t->home && hi != c->site) {
				c->site = hi;
				start_robots(c, hi, next);
			}
		}
		job_reset(j);
		if (job_go(c, j) < 0) {
			dns_finish(c, t, &c->h[j->host]);
			goto out;
		}
		return;
	}
	if (t == NULL) {
		robots_done(c, j, rc);
		goto out;
	}
	/* HEAD falls back to GET on anything but 2xx */
	if (j->head && !j->refused &&
	    (rc != CURLE_OK || j->status < 200 || j->status >= 300) &&
	    !(rc == CURLE_COULDNT_RESOLVE_HOST)) {
		j->head = 0;
		job_reset(j);
		if (job_go(c, j) == 0)
			return;
	}
	if (rc == CURLE_OK && j->status == 429 && j->attempt < max_retries &&
	    j->retry_after >= 0 && j->retry_after <= c->o->max_retry_after) {
		j->attempt++;
		delay_job(c, j, (double)j->retry_after);
		return;
	}
	if (!j->refused && j->attempt < max_retries &&
	    ((rc != CURLE_OK && retryable(rc) &&
	      rc != CURLE_OPERATION_TIMEDOUT) ||
	     (rc == CURLE_OK && (j->status == 500 || j->status == 502 ||
				 j->status == 503 || j->status == 504)))) {
		j->attempt++;
		delay_job(c, j, 0.25 * pow(2, j->attempt - 1));
		return;
	}
	target_done(c, j, rc);
out:
	job_free(c, j);
}

static void
job_free(struct crawler *c, struct job *j)
{
	xpool_drop(c->pool, j->xt);
	xpool_release(c->pool, j->x);
	buf_cleanup(&j->body);
	buf_cleanup(&j->chain);
	free(j->url);
	free(j->location);
	curl_slist_free_all(j->resolve);
	curl_slist_free_all(j->headers);
	free(j);
}

/* ---- the loop ---- */

static void
start_target(struct crawler *c, int ti)
{
	struct target *t = &c->t[ti];
	struct host *h = &c->h[t->host];
	struct job *j;

	if (h->rb != NULL && t->internal && c->o->robots) {
		char *path = url_path(t->url);
		int ok = robots_allowed(h->rb, path);

		free(path);
		if (!ok && !t->home) {
			hostq_finish(c, t, INSP_SKIPPED, "robots",
				     "disallowed by robots.txt");
			return;
		}
	}
	if (t->want == W_PARSE &&
	    c->pages + c->running + c->nparsing >= c->o->max_pages && !t->home)
		t->want = W_HEAD;
	t->started = 1;
	j = job_new(c, ti, t->host, t->url);
	if (job_go(c, j) < 0) {
		dns_finish(c, t, h);
		job_free(c, j);
	}
}

static void
schedule(struct crawler *c)
{
	double now = crawl_now();
	size_t k = 0;

	/* delayed retries first */
	for (size_t i = 0; i < c->ndelayed;) {
		struct job *j = c->delayed[i];

		if (j->not_before <= now && c->running < c->o->concurrency &&
		    c->h[j->host].active < c->o->per_host &&
		    !dns_host_wait(c, j->host)) {
			c->delayed[i] = c->delayed[--c->ndelayed];
			if (job_start(c, j) == 0)
				continue;
			if (j->target < 0)
				robots_done(c, j, CURLE_COULDNT_RESOLVE_HOST);
			else
				dns_finish(c, &c->t[j->target], &c->h[j->host]);
			job_free(c, j);
			continue;
		}
		i++;
	}
	/* at most PARSE_BACKLOG times as many pages wait for the parser
	 * threads as transfers run: when parsing falls far behind, fetching
	 * waits for it (their bytes are bounded by XPOOL_QUEUED) */
	while (k < c->nready && c->running < c->o->concurrency &&
	       c->nparsing < PARSE_BACKLOG * c->o->concurrency) {
		int hi = c->ready[k];
		struct host *h = &c->h[hi];

		if (h->qlen == 0) {
			h->listed = 0;
			c->ready[k] = c->ready[--c->nready];
			continue;
		}
		if (h->robots || h->active >= c->o->per_host ||
		    h->next_ok > now) {
			k++;
			continue;
		}
		{
			int ti = h->q[h->qhead];

			h->qhead++;
			h->qlen--;
			start_target(c, ti);
		}
	}
}

static void
drain(struct crawler *c)
{
	CURLMsg *m;
	int left;

	while ((m = curl_multi_info_read(c->multi, &left)) != NULL) {
		struct job *j;
		CURL *e = m->easy_handle;
		CURLcode rc = m->data.result;

		if (m->msg != CURLMSG_DONE)
			continue;
		curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&j);
		{
			long ver = 0, conns = 0;

			curl_easy_getinfo(e, CURLINFO_HTTP_VERSION, &ver);
			curl_easy_getinfo(e, CURLINFO_NUM_CONNECTS, &conns);
			c->r->http2 += ver == CURL_HTTP_VERSION_2_0;
			c->r->connections += conns;
		}
		curl_multi_remove_handle(c->multi, e);
		pool_put(c, e);
		job_unlink(&c->active, j);
		j->e = NULL;
		c->h[j->host].active--;
		c->running--;
		if (j->xt != NULL) {
			/* the page is judged once its parser is done */
			xpool_finish(c->pool, j->xt);
			j->rc = rc;
			job_link(&c->parsing, j);
			c->nparsing++;
			continue;
		}
		job_done(c, j, rc);
	}
}

/* Pages the parser threads have finished, in the order they finished. */
static void
collect(struct crawler *c)
{
	struct extract *x;
	void *tag;

	while ((x = xpool_collect(c->pool, &tag)) != NULL) {
		struct job *j = tag;

		job_unlink(&c->parsing, j);
		c->nparsing--;
		j->xt = NULL;
		j->x = x;
		job_done(c, j, j->rc);
	}
}

static int
pending(struct crawler *c)
{
	if (c->running > 0 || c->ndelayed > 0 || c->nparsing > 0)
		return 1;
	for (size_t i = 0; i < c->nready; i++)
		if (c->h[c->ready[i]].qlen > 0)
			return 1;
	return 0;
}

static void
abort_all(struct crawler *c)
{
	while (c->active != NULL) {
		struct job *j = c->active;

		job_unlink(&c->active, j);
		curl_multi_remove_handle(c->multi, j->e);
		pool_put(c, j->e);
		if (j->target >= 0)
			hostq_finish(c, &c->t[j->target], INSP_SKIPPED,
				     "time_limit", NULL);
		job_free(c, j);
	}
	while (c->parsing != NULL) {
		struct job *j = c->parsing;

		c->parsing = j->next;
		hostq_finish(c, &c->t[j->target], INSP_SKIPPED, "time_limit",
			     NULL);
		job_free(c, j); /* the parser drops the page */
	}
	c->nparsing = 0;
	for (size_t i = 0; i < c->ndelayed; i++) {
		if (c->delayed[i]->target >= 0)
			hostq_finish(c, &c->t[c->delayed[i]->target],
				     INSP_SKIPPED, "time_limit", NULL);
		job_free(c, c->delayed[i]);
	}
	c->ndelayed = 0;
	c->running = 0;
}

static void
copy_results(struct crawler *c)
{
	for (size_t i = 0; i < c->r->nlinks; i++) {
		struct insp_link *l = &c->r->links[i];
		struct target *t;

		if (c->ltarget[i] < 0)
			continue;
		t = &c->t[c->ltarget[i]];
		l->cls = c->h[t->host].cls;
		l->government = c->h[t->host].government;
		l->internal = t->internal;
		if (!t->done) {
			t->done = 1;
			t->status = INSP_SKIPPED;
			t->reason =
			    c->r->time_limit_hit ? "time_limit" : "not_checked";
		}
		l->status = t->status;
		l->reason = t->reason;
		l->detail = t->detail ? xstrdup(t->detail) : NULL;
		l->http = t->http;
		l->final = t->final ? xstrdup(t->final) : NULL;
		l->chain = t->chain ? xstrdup(t->chain) : NULL;
		l->abnormal = t->abnormal;
		memcpy(l->fingerprint, t->fp, sizeof(l->fingerprint));
		l->etag = t->etag ? xstrdup(t->etag) : NULL;
		l->lastmod = t->lastmod ? xstrdup(t->lastmod) : NULL;
	}
}

static int
column_cmp(const void *a, const void *b)
{
	return strcmp(((const struct insp_column *)a)->url,
		      ((const struct insp_column *)b)->url);
}

static void
split_list(const char *list, char ***out, int *n)
{
	const char *p = list;

	*out = NULL;
	*n = 0;
	while (p != NULL && *p != '\0' && *n < 64) {
		size_t k = strcspn(p, ",");

		if (k > 0) {
			*out =
			    xrealloc(*out, (size_t)(*n + 1) * sizeof(char *));
			(*out)[*n] = xmalloc(k + 1);
			memcpy((*out)[*n], p, k);
			(*out)[(*n)++][k] = '\0';
		}
		p += k + (p[k] == ',');
	}
}

struct insp_result *
insp_run(const char *url, const struct insp_opts *o, struct err *e)
{
	struct crawler c;
	struct insp_result *r;
	char *start;
	int ti, created;
	struct err we;

	start = url_resolve(NULL, url, NULL);
	if (start == NULL || strlen(url) > 8192) {
		err_set(e, "'%.200s' is not an http or https URL", url);
		free(start);
		return NULL;
	}
	{
		char *hash = strchr(start, '#');

		if (hash != NULL)
			*hash = '\0';
	}
	memset(&c, 0, sizeof(c));
	c.o = o;
	c.words = words_load(o->datadir, &we);
	if (c.words == NULL) {
		err_set(e, "keyword lists: %s", we.msg);
		free(start);
		return NULL;
	}
	r = xcalloc(1, sizeof(*r));
	arena_init(&r->a);
	c.r = r;
	r->start = start;
	r->host = url_host(start);
	time_fmt(time_now(), r->started, sizeof(r->started));
	map_init(&c.tmap);
	map_init(&c.lmap);
	map_init(&c.hmap);
	map_init(&c.cssrules);
	split_list(o->interstitials, &c.inter, &c.ninter);
	c.multi = curl_multi_init();
	if (c.multi == NULL) {
		err_set(e, "cannot start the crawler (libcurl multi)");
		words_free(c.words);
		insp_result_free(r);
		return NULL;
	}
	c.pool = xpool_new(xpool_threads(), wake, c.multi, &we);
	if (c.pool == NULL) {
		err_set(e, "%s", we.msg);
		curl_multi_cleanup(c.multi);
		words_free(c.words);
		insp_result_free(r);
		return NULL;
	}
	curl_multi_setopt(c.multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
	curl_multi_setopt(c.multi, CURLMOPT_MAX_HOST_CONNECTIONS,
			  (long)o->per_host);
	curl_multi_setopt(c.multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
			  (long)o->concurrency);
	curl_multi_setopt(c.multi, CURLMOPT_MAXCONNECTS,
			  (long)o->concurrency * 2);
	c.t0 = crawl_now();
	ti = hostq_target(&c, start, &created);
	c.site = ti >= 0 ? c.t[ti].host : -1;
	if (ti < 0) {
		err_set(e, "'%.200s' has no host", url);
		xpool_free(c.pool);
		curl_multi_cleanup(c.multi);
		words_free(c.words);
		insp_result_free(r);
		return NULL;
	}
	c.t[ti].internal = 1;
	c.t[ti].home = 1;
	{
		/* the homepage is a page that links to itself */
		int li = page_link_get(&c, start, -1, "start", &created);

		c.ltarget[li] = ti;
	}
	hostq_want(&c, ti, W_PARSE, 0);
	{
		/* robots.txt of the start URL's own origin */
		char *rurl = url_resolve(start, "/robots.txt", NULL);
		struct job *j;

		if (o->robots && rurl != NULL) {
			j = job_new(&c, -1, c.site, rurl);
			c.h[c.site].robots = 1;
			if (job_go(&c, j) < 0) {
				c.h[c.site].robots = 0;
				job_free(&c, j);
			}
		}
		free(rurl);
	}
	for (;;) {
		int still = 0;
		long wait = 200;

		dns_poll(&c);
		schedule(&c);
		if (!pending(&c))
			break;
		if (crawl_now() - c.t0 > o->max_seconds) {
			r->time_limit_hit = 1;
			abort_all(&c);
			break;
		}
		if (o->cancel != NULL && o->cancel(o->cancel_arg)) {
			abort_all(&c);
			break;
		}
		curl_multi_perform(c.multi, &still);
		drain(&c);
		xpool_kick(c.pool); /* the bytes and ends of this round */
		collect(&c);
		schedule(&c); /* refill freed slots before waiting */
		if (o->progress != NULL &&
		    crawl_now() - c.progress_at >= 0.25) {
			struct insp_progress pr = {r->npages, c.nt, c.checked,
						   crawl_now() - c.t0};

			c.progress_at = crawl_now();
			o->progress(o->progress_arg, &pr);
		}
		if (c.ndelayed > 0 || c.running < o->concurrency)
			wait = 20;
		/* a parser or a lookup wakes it */
		if (c.running > 0 || c.nparsing > 0 || c.ndns > 0)
			curl_multi_poll(c.multi, NULL, 0, (int)wait, NULL);
		else if (c.ndelayed > 0 || o->delay_ms > 0)
			usleep(10000);
	}
	r->seconds = crawl_now() - c.t0;
	if (o->progress != NULL) {
		struct insp_progress pr = {r->npages, c.nt, c.checked,
					   r->seconds};

		o->progress(o->progress_arg, &pr);
	}
	time_fmt(time_now(), r->finished, sizeof(r->finished));
	copy_results(&c);
	dns_note(&c);
	frag_check(&c);
	page_home_marks(&c, &c.t[ti]);
	marks_badges(r, o);
	if (r->ncolumns > 1) /* in URL order, whatever the fetch order */
		qsort(r->columns, r->ncolumns, sizeof(*r->columns), column_cmp);
	insp_findings(r);

	/* cleanup */
	for (size_t i = 0; i < c.nt; i++) {
		free(c.t[i].url);
		free(c.t[i].detail);
		free(c.t[i].final);
		free(c.t[i].chain);
		free(c.t[i].etag);
		free(c.t[i].lastmod);
		free(c.t[i].coltext);
		if (c.t[i].ids != NULL) {
			map_cleanup(c.t[i].ids);
			free(c.t[i].ids);
		}
	}
	free(c.t);
	for (size_t i = 0; i < c.nh; i++) {
		free(c.h[i].key);
		free(c.h[i].name);
		free(c.h[i].q);
		free(c.h[i].addr);
		free(c.h[i].ip);
		dns_abandon(c.h[i].lookup);
		free(c.h[i].dns_addrs);
		robots_free(c.h[i].rb);
	}
	free(c.h);
	free(c.ready);
	free(c.delayed);
	for (size_t i = 0; i < c.nhandles; i++)
		curl_easy_cleanup(c.handles[i]);
	free(c.handles);
	xpool_free(c.pool); /* before the multi handle its threads wake */
	curl_multi_cleanup(c.multi);
	free(c.dnswait);
	free(c.ltarget);
	free(c.lfrag);
	free(c.last_origin);
	map_cleanup(&c.tmap);
	map_cleanup(&c.lmap);
	map_cleanup(&c.hmap);
	map_cleanup(&c.cssrules);
	marks_cleanup(&c.home_marks);
	free(c.home_logo_chain);
	for (int i = 0; i < c.ninter; i++)
		free(c.inter[i]);
	free(c.inter);
	words_free(c.words);
	return r;
}

void
insp_result_free(struct insp_result *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->npages; i++)
		free(r->pages[i]);
	free(r->pages);
	for (size_t i = 0; i < r->nlinks; i++) {
		struct insp_link *l = &r->links[i];

		free(l->url);
		free(l->detail);
		free(l->final);
		free(l->chain);
		free(l->unprompted_on);
		free(l->found_on);
		free(l->etag);
		free(l->lastmod);
	}
	free(r->links);
	for (size_t i = 0; i < r->nfindings; i++) {
		free(r->findings[i].object);
		free(r->findings[i].evidence);
		free(r->findings[i].fix);
	}
	free(r->findings);
	marks_badges_free(r);
	free(r->marks.site_id_meta);
	free(r->marks.site_id_footer);
	free(r->marks.icp);
	free(r->marks.psb);
	free(r->marks.psb_link);
	free(r->marks.logo_evidence);
	for (int k = 0; k < MARK__N; k++)
		for (int i = 0; i < MARK_EXAMPLES; i++)
			free(r->marks.missing_on[k][i]);
	for (size_t i = 0; i < r->ncolumns; i++)
		marks_column_free(&r->columns[i]);
	free(r->columns);
	free(r->start);
	free(r->host);
	arena_cleanup(&r->a);
	free(r);
}
