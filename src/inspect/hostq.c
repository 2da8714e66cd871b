/*
 * hostq.c: the crawler's hosts and targets: one queue per host (host:port)
 * with its class (organ, registered, institution, other), the test resolve
 * map, and the targets (URLs without fragment) with the fetch each wants.
 * Reads URLs from untrusted pages, already resolved by url.c.
 */
#include <stdlib.h>
#include <string.h>

#include "inspect/crawl_int.h"
#include "registry/registry.h"

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
int
hostq_host(struct crawler *c, const char *url)
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
	if (h->addr == NULL && strchr(name, ':') == NULL &&
	    strspn(name, "0123456789.") != strlen(name))
		h->dns = HD_UNKNOWN; /* looked up before its first fetch */
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

void
hostq_push(struct crawler *c, int hi, int ti)
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

void
hostq_finish(struct crawler *c, struct target *t, enum insp_status st,
	     const char *reason, const char *detail)
{
	c->checked += !t->done;
	t->done = 1;
	t->status = st;
	t->reason = reason;
	free(t->detail);
	t->detail = detail ? xstrdup(detail) : NULL;
}

int
hostq_target(struct crawler *c, const char *url, int *created)
{
	long long idx;
	struct target *t;
	int hi;

	*created = 0;
	if (map_get(&c->tmap, url, &idx) == 0)
		return (int)idx;
	hi = hostq_host(c, url);
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
void
hostq_want(struct crawler *c, int ti, enum want w, int depth)
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
		hostq_finish(c, t, INSP_SKIPPED, "external_off", NULL);
		return;
	}
	t->queued = 1;
	hostq_push(c, t->host, ti);
}
