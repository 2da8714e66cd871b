/*
 * crawl.c: the crawler on libcurl's multi interface: one queue per host
 * with total and per-host limits and a politeness delay, robots.txt before
 * a site's pages, manual redirects (each hop recorded and checked), HEAD
 * with GET fallback, retries with backoff, 429/Retry-After and bot
 * protection as "blocked", per-response byte limits and a time limit, and
 * an SSRF guard on every connected address. Pages are parsed as their
 * bytes arrive (extract.c), on parser threads (xpool.c) while this thread
 * goes on with the transfers; every page of the site is also read for its
 * footer marks, as a column when the homepage links to it, and for
 * gambling or porn content put there by tampering. Every response is
 * untrusted.
 */
#include <ctype.h>
#include <math.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "inspect/inspect.h"
#include "registry/registry.h"

#define FOUND_MAX     1000
#define CONTENT_MAX   (256u << 10)
#define CSSFILE_MAX   (2u << 20)
#define ROBOTS_BODY   (512u << 10)
#define PARSE_BACKLOG 4 /* pages waiting for a parser per transfer slot */

enum want { W_HEAD, W_GET, W_PARSE, W_CSS, W_CONTENT };

struct host {
	char *key;  /* host:port */
	char *name; /* host */
	int port;
	int active;
	double next_ok;
	int robots; /* 0 not needed or ready, 1 pending */
	struct robots *rb;
	int *q;
	size_t qhead, qlen, qcap;
	int listed; /* in c->ready */
	const char *cls;
	int government;
	char *addr; /* from the resolve map; "none" refuses */
	char *ip;   /* its address part */
	int cport;  /* its port part, 0 if none */
};

struct target {
	char *url;
	int host;
	enum want want;
	unsigned internal : 1, queued : 1, started : 1, done : 1, home : 1,
	    homecss : 1, nav : 1;
	int depth;
	enum insp_status status;
	const char *reason;
	char *detail;
	int http;
	char *final;
	char *chain;
	char fp[17];
	char *etag, *lastmod;
	int page; /* index into r->pages, -1 */
	struct map *ids;
	int abnormal;
	char *coltext; /* the homepage's link text: a column candidate */
};

struct job {
	struct crawler *c;
	int target; /* -1: robots.txt of host */
	int host;
	CURL *e;
	int head;
	char *url;
	int hops, attempt;
	struct buf chain;
	struct extract *x; /* the page, the crawl thread's (after parsing) */
	struct xtask *xt;  /* the page while a parser thread has it */
	CURLcode rc;	   /* the transfer's end, kept while parsing */
	struct buf body;
	long status;
	char ctype[128];
	char *location;
	long retry_after;
	char etag[256], lastmod[128];
	int bot, hsts, refused, stopped, too_large;
	long long bytes;
	struct curl_slist *resolve, *headers;
	double not_before;
	struct job *next, *prev; /* in c->active while transferring, then
				  * in c->parsing until parsed */
	char errbuf[CURL_ERROR_SIZE];
};

struct crawler {
	const struct insp_opts *o;
	struct insp_result *r;
	CURLM *multi;
	struct target *t;
	size_t nt, capt;
	struct map tmap, lmap, hmap;
	int *ltarget;
	long *lfrag;
	struct host *h;
	size_t nh, caph;
	int *ready; /* hosts with queued targets */
	size_t nready, capready;
	struct job **delayed;
	size_t ndelayed, capdelayed;
	CURL **handles; /* easy handles to reuse */
	size_t nhandles, caphandles;
	struct job *active;
	int running;
	struct xpool *pool;  /* parser threads */
	struct job *parsing; /* transferred, the parser not done yet */
	int nparsing;
	int site; /* host index of the start URL */
	struct insp_words *words;
	double t0;
	int pages;
	size_t checked;	    /* targets done, for o->progress */
	double progress_at; /* when o->progress was last called */
	struct map cssrules;
	/* homepage facts for the marks */
	struct marks home_marks;
	char home_newest[11];
	char *home_logo_chain;
	unsigned home_logo_inline;
	int home_logo, home_logo_footer, home_seen;
	int home_hsts, home_https;
	char **inter;
	int ninter;
	const char *fast_base; /* the base whose origin is below */
	size_t fast_olen;      /* length of "scheme://host[:port]" */
	char *last_origin;     /* "scheme://authority" of the last host_get */
	size_t last_olen;
	int last_host;
};

/* Case-insensitive substring search (ASCII); pointer or NULL. */
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

static double
now_s(void)
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

/* The resolve map entry for name: address, "none", or NULL (use DNS). */
static char *resolve_lookup1(const char *map, const char *name);

/* Tries "name:port", "name", "*:port", "*" in this order. */
static char *
resolve_lookup(const char *map, const char *name, int port)
{
	char key[600];
	char *v;

	if (str_fmt(key, sizeof(key), "%s:%d", name, port) > 0 &&
	    (v = resolve_lookup1(map, key)) != NULL)
		return v;
	if ((v = resolve_lookup1(map, name)) != NULL)
		return v;
	if (str_fmt(key, sizeof(key), "*:%d", port) > 0 &&
	    (v = resolve_lookup1(map, key)) != NULL)
		return v;
	if ((v = resolve_lookup1(map, "*")) != NULL)
		return v;
	return xstrdup("none");
}

/* The entry for key exactly, or NULL. */
static char *
resolve_lookup1(const char *map, const char *name)
{
	const char *p = map;

	while (*p != '\0') {
		size_t n = strcspn(p, ","), k = strcspn(p, "=");

		if (k < n && k == strlen(name) &&
		    strncasecmp(p, name, k) == 0) {
			char *addr = xmalloc(n - k);

			memcpy(addr, p + k + 1, n - k - 1);
			addr[n - k - 1] = '\0';
			return addr;
		}
		p += n + (p[n] == ',');
	}
	return NULL;
}

/* Length of "scheme://authority" of an absolute URL, 0 if none. */
static size_t
origin_len(const char *url)
{
	const char *p = strstr(url, "://");

	if (p == NULL || p - url > 16)
		return 0;
	p += 3;
	return (size_t)(p - url) + strcspn(p, "/?#");
}

static int host_add(struct crawler *c, const char *url);

/* The host of url; URLs of one origin (as written) ask URL parsing once. */
static int
host_get(struct crawler *c, const char *url)
{
	size_t olen = origin_len(url);
	int hi;

	if (olen > 0 && c->last_origin != NULL && olen == c->last_olen &&
	    memcmp(url, c->last_origin, olen) == 0)
		return c->last_host;
	hi = host_add(c, url);
	if (hi >= 0 && olen > 0) {
		free(c->last_origin);
		c->last_origin = xmalloc(olen + 1);
		memcpy(c->last_origin, url, olen);
		c->last_origin[olen] = '\0';
		c->last_olen = olen;
		c->last_host = hi;
	}
	return hi;
}

/* The host of url, new or known (by "host:port"). */
static int
host_add(struct crawler *c, const char *url)
{
	char *name = url_host(url), key[600];
	int port = url_port(url);
	long long idx;
	struct host *h;
	struct domain_info di;

	if (name == NULL)
		return -1;
	if (name[0] == '[') { /* IPv6 literal */
		size_t n = strlen(name);

		memmove(name, name + 1, n);
		if (n >= 2)
			name[n - 2] = '\0';
	}
	if (str_fmt(key, sizeof(key), "%s:%d", name, port) < 0) {
		free(name);
		return -1;
	}
	if (map_get(&c->hmap, key, &idx) == 0) {
		free(name);
		return (int)idx;
	}
	if (c->nh == c->caph) {
		c->caph = c->caph ? c->caph * 2 : 16;
		c->h = xrealloc(c->h, c->caph * sizeof(*c->h));
	}
	h = &c->h[c->nh];
	memset(h, 0, sizeof(*h));
	h->key = xstrdup(key);
	h->name = name;
	h->port = port;
	h->cls = "other";
	if (domain_parse(name, &di, NULL) == 0) {
		long long v;

		if (di.suffix == DOMAIN_ORGAN) {
			h->cls = "organ";
			h->government = 1;
		} else if (c->o->registered != NULL &&
			   (map_get(c->o->registered, di.alabel, &v) == 0 ||
			    map_get(c->o->registered, di.registrable, &v) ==
				0)) {
			h->cls = "registered";
			h->government = 1;
		} else if (words_government(c->words, di.alabel)) {
			h->cls = "registered";
			h->government = 1;
		} else if (di.suffix == DOMAIN_INSTITUTION) {
			h->cls = "institution";
		}
	}
	if (c->o->resolve != NULL && *c->o->resolve != '\0' &&
	    strchr(name, ':') == NULL &&
	    strspn(name, "0123456789.") != strlen(name))
		h->addr = resolve_lookup(c->o->resolve, name, port);
	if (h->addr != NULL && strcmp(h->addr, "none") != 0) {
		/* "1.2.3.4", "1.2.3.4:8080", "::1", "[::1]:8080" */
		char *a = h->addr, *colon = strrchr(a, ':');
		long long cp;

		if (a[0] == '[') {
			char *close = strchr(a, ']');

			h->ip = xstrdup(a + 1);
			if (close != NULL)
				h->ip[close - a - 1] = '\0';
			if (close != NULL && close[1] == ':' &&
			    str_to_ll(close + 2, 1, 65535, &cp) == 0)
				h->cport = (int)cp;
		} else if (colon != NULL && strchr(a, ':') == colon &&
			   str_to_ll(colon + 1, 1, 65535, &cp) == 0) {
			h->ip = xmalloc((size_t)(colon - a) + 1);
			memcpy(h->ip, a, (size_t)(colon - a));
			h->ip[colon - a] = '\0';
			h->cport = (int)cp;
		} else {
			h->ip = xstrdup(a);
		}
	}
	map_put(&c->hmap, key, (long long)c->nh, NULL);
	return (int)c->nh++;
}

static void
host_push(struct crawler *c, int hi, int ti)
{
	struct host *h = &c->h[hi];

	if (h->qhead + h->qlen == h->qcap) {
		if (h->qhead > 0) {
			memmove(h->q, h->q + h->qhead, h->qlen * sizeof(int));
			h->qhead = 0;
		}
		if (h->qlen == h->qcap) {
			h->qcap = h->qcap ? h->qcap * 2 : 16;
			h->q = xrealloc(h->q, h->qcap * sizeof(int));
		}
	}
	h->q[h->qhead + h->qlen++] = ti;
	if (!h->listed) {
		if (c->nready == c->capready) {
			c->capready = c->capready ? c->capready * 2 : 16;
			c->ready =
			    xrealloc(c->ready, c->capready * sizeof(int));
		}
		c->ready[c->nready++] = hi;
		h->listed = 1;
	}
}

static void
finish_target(struct crawler *c, struct target *t, enum insp_status st,
	      const char *reason, const char *detail)
{
	c->checked += !t->done;
	t->done = 1;
	t->status = st;
	t->reason = reason;
	free(t->detail);
	t->detail = detail ? xstrdup(detail) : NULL;
}

static int
target_get(struct crawler *c, const char *url, int *created)
{
	long long idx;
	struct target *t;
	int hi;

	*created = 0;
	if (map_get(&c->tmap, url, &idx) == 0)
		return (int)idx;
	hi = host_get(c, url);
	if (hi < 0)
		return -1;
	if (c->nt == c->capt) {
		c->capt = c->capt ? c->capt * 2 : 256;
		c->t = xrealloc(c->t, c->capt * sizeof(*c->t));
	}
	t = &c->t[c->nt];
	memset(t, 0, sizeof(*t));
	t->url = xstrdup(url);
	t->host = hi;
	t->page = -1;
	t->reason = "";
	t->internal = hi == c->site;
	map_put(&c->tmap, url, (long long)c->nt, NULL);
	*created = 1;
	return (int)c->nt++;
}

/* Queues a target with the wanted fetch; upgrades one not yet started. */
static void
want(struct crawler *c, int ti, enum want w, int depth)
{
	struct target *t = &c->t[ti];

	if (t->started || t->done) {
		return;
	}
	if (!t->queued || w > t->want) {
		t->want = w;
		t->depth = depth;
	}
	if (t->queued)
		return;
	if (!t->internal && !c->o->external) {
		finish_target(c, t, INSP_SKIPPED, "external_off", NULL);
		return;
	}
	t->queued = 1;
	host_push(c, t->host, ti);
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
		else if (strcasecmp(line, "location") == 0 && strlen(v) < 8192)
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
			if (t->internal) {
				j->stopped = 1;
				return 0;
			}
			goto content;
		}
		if (j->xt == NULL) {
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
			extract_keep(x,
				     t->home ? XK_TEXT | XK_LAYOUT : XK_TEXT);
			extract_judge(x, c->words);
			j->xt = xpool_start(c->pool, x, j);
		}
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
		if (!is_html(j->ctype) && strncasecmp(j->ctype, "text/", 5)) {
			j->stopped = 1;
			return 0;
		}
		if (buf_add(&j->body, p, len) < 0) {
			j->stopped = 1; /* enough to judge */
			return 0;
		}
		return len;
	default:
		j->stopped = 1; /* the status is all a check needs */
		return 0;
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
	j->bot = j->refused = j->stopped = j->too_large = 0;
	j->bytes = 0;
	j->retry_after = -1;
	j->etag[0] = j->lastmod[0] = '\0';
}

static void
delay_job(struct crawler *c, struct job *j, double seconds)
{
	job_reset(j);
	j->not_before = now_s() + seconds;
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
	e = c->nhandles > 0 ? c->handles[--c->nhandles] : curl_easy_init();
	if (e == NULL)
		return -1;
	curl_easy_reset(e);
	j->e = e;
	curl_slist_free_all(j->resolve);
	j->resolve = NULL;
	if (h->ip != NULL) {
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
		h->next_ok = now_s() + c->o->delay_ms / 1000.0;
	return 0;
}

/* ---- page processing ---- */

static int
is_interstitial(struct crawler *c, const char *url)
{
	for (int i = 0; i < c->ninter; i++)
		if (str_starts(url, c->inter[i]))
			return 1;
	return strstr(url, "/leave?to=") != NULL;
}

static int
link_get(struct crawler *c, const char *url, long frag, const char *kind,
	 int *created)
{
	long long idx;
	struct insp_result *r = c->r;
	struct insp_link *l;

	*created = 0;
	if (map_get(&c->lmap, url, &idx) == 0)
		return (int)idx;
	if (r->nlinks == r->caplinks) {
		r->caplinks = r->caplinks ? r->caplinks * 2 : 256;
		r->links = xrealloc(r->links, r->caplinks * sizeof(*r->links));
		c->ltarget = xrealloc(c->ltarget, r->caplinks * sizeof(int));
		c->lfrag = xrealloc(c->lfrag, r->caplinks * sizeof(long));
	}
	l = &r->links[r->nlinks];
	memset(l, 0, sizeof(*l));
	l->url = xstrdup(url);
	l->kind = kind;
	l->reason = "";
	c->ltarget[r->nlinks] = -1;
	c->lfrag[r->nlinks] = frag;
	map_put(&c->lmap, url, (long long)r->nlinks, NULL);
	*created = 1;
	return (int)r->nlinks++;
}

static void
found_on(struct insp_link *l, int page)
{
	if (l->nfound > 0 && l->found_on[l->nfound - 1] == page)
		return;
	for (int i = 0; i < l->nfound && l->nfound < 16; i++)
		if (l->found_on[i] == page)
			return;
	if (l->nfound >= FOUND_MAX) {
		l->more_found++;
		return;
	}
	if (l->nfound == l->capfound) {
		l->capfound = l->capfound ? l->capfound * 2 : 4;
		l->found_on =
		    xrealloc(l->found_on, (size_t)l->capfound * sizeof(int));
	}
	l->found_on[l->nfound++] = page;
}

static const char *const rank[] = {"interstitial", "script", "none"};

static void
set_prompt(struct crawler *c, struct insp_link *l, const char *p, int page)
{
	int old = -1, now = 0;

	for (int i = 0; i < 3; i++) {
		if (l->prompt && strcmp(l->prompt, rank[i]) == 0)
			old = i;
		if (strcmp(p, rank[i]) == 0)
			now = i;
	}
	if (now > old)
		l->prompt = rank[now];
	if (now == 2 && l->unprompted_on == NULL)
		l->unprompted_on = xstrdup(c->r->pages[page]);
}

static int
navigational(const char *kind)
{
	return !strcmp(kind, "a") || !strcmp(kind, "area") ||
	       !strcmp(kind, "script-literal") || !strcmp(kind, "form");
}

/*
 * Resolves "/path" of plain characters against the origin of base by
 * concatenation: what libcurl would produce, without parsing base again
 * for each of a page's links. NULL when the slow path is needed.
 */
static char *
fast_resolve(struct crawler *c, const char *base, const char *ref)
{
	size_t n;
	char *out;

	if (base != c->fast_base || ref[0] != '/' || ref[1] == '/')
		return NULL;
	for (n = 1; ref[n] != '\0'; n++) {
		char ch = ref[n];

		if (n > 2048 ||
		    !(isalnum((unsigned char)ch) || ch == '/' || ch == '-' ||
		      ch == '_' || ch == '~' || ch == '.') ||
		    ((ch == '.' || ch == '/') && ref[n - 1] == '/'))
			return NULL;
	}
	out = xmalloc(c->fast_olen + n + 1);
	memcpy(out, base, c->fast_olen);
	memcpy(out + c->fast_olen, ref, n + 1);
	return out;
}

/* One link of a parsed page. */
static void
page_link(struct crawler *c, int page, int depth, const char *base,
	  const struct xlink *xl, int global_prompt, int home)
{
	char *abs, *nofrag;
	long frag;
	int li, ti, created;
	struct insp_link *l;
	struct target *t;
	enum want w;
	const char *raw = xl->url;

	if (!strcmp(raw, "#"))
		return;
	/* a scheme starts with a letter ("/p/1.html" has none) */
	if (isalpha((unsigned char)raw[0]) &&
	    (!strncasecmp(raw, "javascript:", 11) ||
	     !strncasecmp(raw, "data:", 5) || !strncasecmp(raw, "about:", 6)))
		return;
	if (isalpha((unsigned char)raw[0]) &&
	    (!strncasecmp(raw, "mailto:", 7) || !strncasecmp(raw, "tel:", 4) ||
	     !strncasecmp(raw, "ftp:", 4) || !strncasecmp(raw, "sms:", 4))) {
		li = link_get(c, raw, -1, xl->kind, &created);
		l = &c->r->links[li];
		found_on(l, page);
		if (created) {
			l->status = INSP_SKIPPED;
			l->reason = "not_http";
			l->cls = "other";
		}
		return;
	}
	frag = -1;
	abs = fast_resolve(c, base, raw);
	if (abs == NULL)
		abs = url_resolve(base, raw, &frag);
	if (abs == NULL)
		return;
	li = link_get(c, abs, frag, xl->kind, &created);
	l = &c->r->links[li];
	l->flags |= xl->flags;
	found_on(l, page);
	if (c->ltarget[li] < 0) {
		nofrag = frag >= 0 ? xstrdup(abs) : abs;
		if (frag >= 0)
			nofrag[frag] = '\0';
		ti = target_get(c, nofrag, &created);
		if (nofrag != abs)
			free(nofrag);
		if (ti < 0) {
			l->status = INSP_SKIPPED;
			l->reason = "bad_url";
			l->cls = "other";
			free(abs);
			return;
		}
		c->ltarget[li] = ti;
	}
	ti = c->ltarget[li];
	t = &c->t[ti];
	if (t->internal) {
		if (!strcmp(xl->kind, "css"))
			w = W_CSS;
		else if ((!strcmp(xl->kind, "a") || !strcmp(xl->kind, "area") ||
			  !strcmp(xl->kind, "iframe") ||
			  !strcmp(xl->kind, "meta-refresh") ||
			  !strcmp(xl->kind, "script-literal")) &&
			 depth + 1 <= c->o->max_depth)
			w = W_PARSE;
		else
			w = W_HEAD;
		if (home && w == W_CSS)
			t->homecss = 1;
	} else {
		w = navigational(xl->kind) || !strcmp(xl->kind, "iframe") ||
			    !strcmp(xl->kind, "meta-refresh")
			? W_CONTENT
			: W_HEAD;
	}
	want(c, ti, w, depth + 1);
	if (t->internal &&
	    (!strcmp(xl->kind, "a") || !strcmp(xl->kind, "area"))) {
		t->nav = 1; /* a page readers reach: GOVWEB-3 marks */
		if (home && w == W_PARSE && xl->text != NULL &&
		    t->coltext == NULL)
			t->coltext = xstrdup(xl->text);
	}
	/* LINK-3: outbound links to non-government destinations */
	if (navigational(xl->kind) && !t->internal &&
	    !c->h[t->host].government) {
		const char *p = "none";

		if (xl->flags & XL_ONCLICK)
			p = "script";
		else if (global_prompt)
			p = "script";
		set_prompt(c, l, p, page);
	} else if (navigational(xl->kind) && is_interstitial(c, abs)) {
		static const char *const params[] = {"to", "url", "target",
						     "u"};
		char *dest = NULL;

		for (size_t i = 0; i < ARRAY_SIZE(params) && dest == NULL; i++)
			dest = url_query_param(abs, params[i]);
		if (dest != NULL) {
			struct xlink d = {dest, xl->kind, xl->flags, NULL};
			char *dabs = url_resolve(NULL, dest, NULL);

			if (dabs != NULL) {
				int dli, dcreated;

				page_link(c, page, depth, base, &d, 1, 0);
				dli =
				    link_get(c, dabs, -1, xl->kind, &dcreated);
				if (c->r->links[dli].prompt != NULL &&
				    strcmp(c->r->links[dli].prompt, "none"))
					c->r->links[dli].prompt =
					    "interstitial";
				else if (c->r->links[dli].prompt == NULL)
					(void)0;
				free(dabs);
			}
			free(dest);
		}
	}
	free(abs);
}

/* GOVWEB-3: the footer marks of a page other than the homepage. */
static void
page_marks(struct crawler *c, int page, const struct xpage *p)
{
	struct insp_marks *hm = &c->r->marks;
	struct marks m;
	unsigned miss;

	marks_read(p, &m);
	miss = marks_missing(c->home_seen ? &c->home_marks : NULL, &m);
	marks_cleanup(&m);
	hm->pages++;
	if (miss != 0)
		hm->pages_incomplete++;
	for (int k = 0; k < MARK__N; k++) {
		if (!(miss & (1u << k)))
			continue;
		if (hm->missing[k] < MARK_EXAMPLES)
			hm->missing_on[k][hm->missing[k]] =
			    xstrdup(c->r->pages[page]);
		hm->missing[k]++;
	}
}

/* GOVWEB-2: a page the homepage links to, when it is a column. */
static void
page_column(struct crawler *c, const struct target *t, const struct xpage *p)
{
	struct insp_result *r = c->r;
	struct insp_column col;

	if (!marks_column(c->words, t->url, t->coltext, p, time_now(), &col))
		return;
	if (r->ncolumns == r->capcolumns) {
		r->capcolumns = r->capcolumns ? r->capcolumns * 2 : 16;
		r->columns =
		    xrealloc(r->columns, r->capcolumns * sizeof(*r->columns));
	}
	r->columns[r->ncolumns++] = col;
}

/* LINK-4: gambling or porn on the site's own page (defaced, hijacked, or
 * spam put into its text, title or meta keywords and description). */
static void
page_tampered(struct crawler *c, struct target *t, const struct xpage *p)
{
	char detail[300];

	/* judged by the parser thread (extract_judge) */
	if (p->tampered == NULL)
		return;
	str_fmt(detail, sizeof(detail),
		"%d %s terms on the site's own page: defaced or hijacked",
		p->tampered_hits, p->tampered);
	finish_target(c, t, INSP_BROKEN, "tampered_content", detail);
	t->abnormal = 1;
}

static void
page_done(struct crawler *c, struct job *j, struct target *t)
{
	struct xpage *p = extract_finish(j->x);
	struct insp_result *r = c->r;
	char *base = NULL;
	const char *final = j->url;
	int page, global;

	if (r->npages == r->cappages) {
		r->cappages = r->cappages ? r->cappages * 2 : 64;
		r->pages = xrealloc(r->pages, r->cappages * sizeof(char *));
	}
	page = (int)r->npages;
	r->pages[r->npages++] = xstrdup(t->url);
	t->page = page;
	c->pages++;
	if (p->base != NULL)
		base = url_resolve(final, p->base, NULL);
	global = prompt_global(p->script_flags) || p->known_prompt;
	/* ids for fragments */
	/* ids for fragments: the page's map is handed over */
	t->ids = xcalloc(1, sizeof(*t->ids));
	*t->ids = p->ids;
	map_init(&p->ids);
	if (t->home) {
		c->home_seen = 1;
		marks_read(p, &c->home_marks);
		marks_dates(p->text.data, time_now(), c->home_newest);
		if (p->logo_found) {
			c->home_logo = 1;
			c->home_logo_footer = p->logo_in_footer;
			c->home_logo_inline = p->logo_inline;
			c->home_logo_chain =
			    xstrdup(p->logo_selectors ? p->logo_selectors : "");
		}
		css_collect_rules(p->css.data ? p->css.data : "", p->css.len,
				  &c->cssrules);
	} else if (t->nav) {
		page_marks(c, page, p);
	}
	if (t->coltext != NULL && !t->home)
		page_column(c, t, p);
	page_tampered(c, t, p);
	/* page_link grows c->t: t is not valid after the first call */
	if (c->pages <= c->o->max_pages) {
		int depth = t->depth, home = t->home;
		const char *b = base ? base : final;
		const char *slash = strstr(b, "://");

		slash = slash != NULL ? strchr(slash + 3, '/') : NULL;
		c->fast_base = slash != NULL ? b : NULL;
		c->fast_olen = slash != NULL ? (size_t)(slash - b) : 0;

		for (size_t i = 0; i < p->nlinks; i++)
			page_link(c, page, depth, b, &p->links[i], global,
				  home);
		c->fast_base = NULL;
	}
	free(base);
}

static void
css_url(void *arg, const char *u)
{
	struct {
		struct crawler *c;
		int page;
		const char *base;
	} *a = arg;
	struct xlink xl;

	xl.url = xstrdup(u);
	xl.kind = "css-url";
	xl.flags = 0;
	xl.text = NULL;
	page_link(a->c, a->page, 0, a->base, &xl, 0, 0);
	free(xl.url);
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
		finish_target(c, t, INSP_SKIPPED, "private_address",
			      "the target resolves to a private, loopback or "
			      "link-local address (use --allow-private)");
		return;
	}
	if (j->too_large && j->status >= 200 && j->status < 300) {
		rc = CURLE_OK; /* what arrived is judged */
	} else if (j->too_large) {
		finish_target(c, t, INSP_BROKEN, "too_large", NULL);
		return;
	}
	if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && j->stopped)) {
		str_fmt(detail, sizeof(detail), "%s",
			j->errbuf[0] ? j->errbuf : curl_easy_strerror(rc));
		finish_target(c, t, INSP_BROKEN, curl_reason(rc), detail);
		t->abnormal = !strcmp(t->reason, "dns_failure") ||
			      !strcmp(t->reason, "tls_error");
		return;
	}
	if (j->status == 304) {
		finish_target(c, t, INSP_OK, "not_modified", NULL);
		return;
	}
	if (j->status == 429) {
		finish_target(c, t, INSP_BLOCKED, "rate_limited",
			      "429 Too Many Requests after honouring "
			      "Retry-After");
		return;
	}
	if (j->status == 403 &&
	    ((j->bot & 1) || ((j->bot & 2)) || bot_body(&j->body))) {
		finish_target(c, t, INSP_BLOCKED, "bot_protection",
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
		finish_target(c, t, INSP_BROKEN, reasons[s], detail);
		return;
	}
	finish_target(c, t, INSP_OK, j->too_large ? "truncated" : "",
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
	if (j->x != NULL) {
		page_done(c, j, t);
		t = &c->t[j->target]; /* c->t may have moved */
	}
	if (t->want == W_CSS && j->body.len > 0) {
		struct {
			struct crawler *c;
			int page;
			const char *base;
		} a = {c, -1, j->url};
		struct insp_result *r = c->r;

		/* a CSS file counts as a page that links */
		if (r->npages == r->cappages) {
			r->cappages = r->cappages ? r->cappages * 2 : 64;
			r->pages =
			    xrealloc(r->pages, r->cappages * sizeof(char *));
		}
		a.page = (int)r->npages;
		r->pages[r->npages++] = xstrdup(t->url);
		css_scan_urls(j->body.data, j->body.len, css_url, &a);
		t = &c->t[j->target];
		if (t->homecss)
			css_collect_rules(j->body.data, j->body.len,
					  &c->cssrules);
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
			finish_target(c, t, INSP_BROKEN, why, detail);
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
	if (job_start(c, j) < 0) {
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
			finish_target(c, t, INSP_BROKEN, "bad_redirect",
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
			finish_target(c, t, INSP_BROKEN, "redirect_loop", next);
			free(next);
			goto out;
		}
		if (++j->hops > c->o->max_redirects) {
			t->chain = xstrdup(j->chain.data);
			t->final = xstrdup(next);
			finish_target(c, t, INSP_BROKEN, "too_many_redirects",
				      NULL);
			free(next);
			goto out;
		}
		free(j->url);
		j->url = next;
		{
			int hi = host_get(c, next);

			if (hi < 0) {
				finish_target(c, t, INSP_BROKEN, "bad_redirect",
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
		if (job_start(c, j) < 0) {
			finish_target(c, t, INSP_BROKEN, "dns_failure",
				      "the name does not resolve");
			t->abnormal = 1;
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
		if (job_start(c, j) == 0)
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
			finish_target(c, t, INSP_SKIPPED, "robots",
				      "disallowed by robots.txt");
			return;
		}
	}
	if (t->want == W_PARSE &&
	    c->pages + c->running + c->nparsing >= c->o->max_pages && !t->home)
		t->want = W_HEAD;
	t->started = 1;
	j = job_new(c, ti, t->host, t->url);
	if (job_start(c, j) < 0) {
		finish_target(c, t, INSP_BROKEN, "dns_failure",
			      "the name does not resolve");
		t->abnormal = 1;
		job_free(c, j);
	}
}

static void
schedule(struct crawler *c)
{
	double now = now_s();
	size_t k = 0;

	/* delayed retries first */
	for (size_t i = 0; i < c->ndelayed;) {
		struct job *j = c->delayed[i];

		if (j->not_before <= now && c->running < c->o->concurrency &&
		    c->h[j->host].active < c->o->per_host) {
			c->delayed[i] = c->delayed[--c->ndelayed];
			if (job_start(c, j) < 0) {
				target_done(c, j, CURLE_COULDNT_RESOLVE_HOST);
				job_free(c, j);
			}
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

static void
wake(void *arg)
{
	curl_multi_wakeup(arg);
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
			finish_target(c, &c->t[j->target], INSP_SKIPPED,
				      "time_limit", NULL);
		job_free(c, j);
	}
	while (c->parsing != NULL) {
		struct job *j = c->parsing;

		c->parsing = j->next;
		finish_target(c, &c->t[j->target], INSP_SKIPPED, "time_limit",
			      NULL);
		job_free(c, j); /* the parser drops the page */
	}
	c->nparsing = 0;
	for (size_t i = 0; i < c->ndelayed; i++) {
		if (c->delayed[i]->target >= 0)
			finish_target(c, &c->t[c->delayed[i]->target],
				      INSP_SKIPPED, "time_limit", NULL);
		job_free(c, c->delayed[i]);
	}
	c->ndelayed = 0;
	c->running = 0;
}

/* ---- after the crawl: fragments and marks ---- */

static void
check_fragments(struct crawler *c)
{
	for (size_t i = 0; i < c->r->nlinks; i++) {
		struct insp_link *l = &c->r->links[i];
		struct target *t;
		char *frag;
		long long v;

		if (c->lfrag[i] < 0 || c->ltarget[i] < 0)
			continue;
		t = &c->t[c->ltarget[i]];
		frag = l->url + c->lfrag[i] + 1;
		if (t->ids == NULL || t->status != INSP_OK || *frag == '\0' ||
		    !strcmp(frag, "top"))
			continue;
		{
			char *dec = url_query_param("?f=", "f");
			struct buf q = BUF_INIT(16384);

			free(dec);
			buf_addstr(&q, "?f=");
			buf_addstr(&q, frag);
			dec = url_query_param(q.data ? q.data : "?f=", "f");
			buf_cleanup(&q);
			if (map_get(t->ids, dec ? dec : frag, &v) < 0 &&
			    map_get(t->ids, frag, &v) < 0) {
				l->status = INSP_BROKEN;
				l->reason = "fragment_missing";
				free(l->detail);
				l->detail = xstrdup("no element with this id "
						    "or anchor name");
			}
			free(dec);
		}
	}
}

static void
logo_centring(struct crawler *c, struct insp_marks *m)
{
	const char *p = c->home_logo_chain;
	struct buf ev = BUF_INIT(1024);
	int level = 0;

	m->logo_centred = "no";
	m->logo_confidence = "low";
	while (p != NULL && *p != '\0') {
		size_t n = strcspn(p, "|");
		char lv[1024], *colon, *tok, *save = NULL;
		long long f = 0;
		unsigned inl, css = 0;

		if (n >= sizeof(lv))
			break;
		memcpy(lv, p, n);
		lv[n] = '\0';
		p += n + (p[n] == '|');
		colon = strchr(lv, ':');
		if (colon == NULL)
			break;
		*colon = '\0';
		if (str_to_ll(lv, 0, 255, &f) < 0)
			f = 0;
		inl = (unsigned)f;
		/* tokens ".a", "#b" of this level */
		for (tok = colon + 1; *tok != '\0';) {
			size_t k = strcspn(tok, " ");
			char key[128];
			long long v;

			if (k > 0 && k < sizeof(key)) {
				memcpy(key, tok, k);
				key[k] = '\0';
				if (map_get(&c->cssrules, key, &v) == 0)
					css |= (unsigned)v;
			}
			tok += k;
			while (*tok == ' ')
				tok++;
		}
		(void)save;
		if ((inl | css) & CSS_CENTER) {
			m->logo_centred = "yes";
			m->logo_confidence =
			    inl & CSS_CENTER ? "high" : "medium";
			buf_printf(&ev,
				   "text-align:center from %s on the "
				   "logo's ancestor %d (%s)",
				   inl & CSS_CENTER ? "inline style or markup"
						    : "a CSS rule",
				   level, colon[1] ? colon + 1 : "no class");
			break;
		}
		if ((inl | css) & CSS_LEFTRIGHT) {
			m->logo_centred = "no";
			m->logo_confidence =
			    inl & CSS_LEFTRIGHT ? "high" : "medium";
			buf_printf(&ev,
				   "left or right alignment (text-align "
				   "or float) from %s on the logo's "
				   "ancestor %d (%s)",
				   inl & CSS_LEFTRIGHT ? "inline style or "
							 "markup"
						       : "a CSS rule",
				   level, colon[1] ? colon + 1 : "no class");
			break;
		}
		if ((inl | css) & (CSS_FLEXCENTER | CSS_AUTOMARGIN)) {
			m->logo_centred = "yes";
			m->logo_confidence = "low";
			buf_printf(&ev,
				   "a centred box (auto margins or flex) "
				   "on the logo's ancestor %d",
				   level);
			break;
		}
		level++;
	}
	if (ev.len == 0)
		buf_addstr(&ev, "no centring found in markup, inline style "
				"or the homepage's CSS");
	m->logo_evidence = buf_detach(&ev, NULL);
}

static void
marks(struct crawler *c, struct target *home)
{
	struct insp_marks *m = &c->r->marks;
	struct host *h = &c->h[home->host];

	m->fetched = c->home_seen;
	/* the homepage's marks are handed over */
	m->site_id_meta = c->home_marks.site_id_meta;
	m->site_id_footer = c->home_marks.site_id_footer;
	m->icp = c->home_marks.icp;
	m->psb = c->home_marks.psb;
	m->psb_link = c->home_marks.psb_link;
	m->find_errors = c->home_marks.find_errors;
	memset(&c->home_marks, 0, sizeof(c->home_marks));
	m->logo_any = c->home_logo;
	m->logo = c->home_logo && c->home_logo_footer;
	m->logo_centred = "unknown";
	m->logo_confidence = "low";
	if (c->home_logo)
		logo_centring(c, m);
	memcpy(m->newest, c->home_newest, sizeof(m->newest));
	if (m->newest[0] != '\0')
		m->age_days = marks_age(m->newest, time_now());
	/* a tampered homepage is broken but was served */
	m->https = c->home_https && (home->status == INSP_OK || c->home_seen);
	m->hsts = m->https && c->home_hsts;
	if (h->addr != NULL) {
		m->aaaa =
		    h->ip != NULL && strchr(h->ip, ':') != NULL ? "yes" : "no";
	} else {
		struct addrinfo hints, *res = NULL;

		memset(&hints, 0, sizeof(hints));
		hints.ai_family = AF_INET6;
		hints.ai_socktype = SOCK_STREAM;
		m->aaaa = getaddrinfo(h->name, NULL, &hints, &res) == 0 ? "yes"
									: "no";
		if (res != NULL)
			freeaddrinfo(res);
	}
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
	c.t0 = now_s();
	ti = target_get(&c, start, &created);
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
		int li = link_get(&c, start, -1, "start", &created);

		c.ltarget[li] = ti;
	}
	want(&c, ti, W_PARSE, 0);
	{
		/* robots.txt of the start URL's own origin */
		char *rurl = url_resolve(start, "/robots.txt", NULL);
		struct job *j;

		if (o->robots && rurl != NULL) {
			j = job_new(&c, -1, c.site, rurl);
			c.h[c.site].robots = 1;
			if (job_start(&c, j) < 0) {
				c.h[c.site].robots = 0;
				job_free(&c, j);
			}
		}
		free(rurl);
	}
	for (;;) {
		int still = 0;
		long wait = 200;

		schedule(&c);
		if (!pending(&c))
			break;
		if (now_s() - c.t0 > o->max_seconds) {
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
		if (o->progress != NULL && now_s() - c.progress_at >= 0.25) {
			struct insp_progress pr = {r->npages, c.nt, c.checked,
						   now_s() - c.t0};

			c.progress_at = now_s();
			o->progress(o->progress_arg, &pr);
		}
		if (c.ndelayed > 0 || c.running < o->concurrency)
			wait = 20;
		if (c.running > 0 || c.nparsing > 0) /* a parser wakes it */
			curl_multi_poll(c.multi, NULL, 0, (int)wait, NULL);
		else if (c.ndelayed > 0 || o->delay_ms > 0)
			usleep(10000);
	}
	r->seconds = now_s() - c.t0;
	if (o->progress != NULL) {
		struct insp_progress pr = {r->npages, c.nt, c.checked,
					   r->seconds};

		o->progress(o->progress_arg, &pr);
	}
	time_fmt(time_now(), r->finished, sizeof(r->finished));
	copy_results(&c);
	check_fragments(&c);
	marks(&c, &c.t[ti]);
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
