/*
 * dns.c: the crawler's own name lookups, one per host, on a thread each
 * (getaddrinfo, the system's resolver as libcurl would use it), so that an
 * authoritative "no such name" (a broken link) is told apart from a
 * resolver that times out, fails or refuses (a link not verified); and the
 * crawler's side: a host's fetches wait for its lookup, whose addresses
 * are handed to libcurl. Answers come from the network.
 */
#define _GNU_SOURCE /* EAI_NODATA */
#include <netdb.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include "inspect/crawl_int.h"

#define DNS_ADDRS 16 /* addresses handed to libcurl */

struct dns_lookup {
	pthread_mutex_t mu;
	char *name;
	int done, abandoned;
	int rc;	     /* getaddrinfo's answer */
	char *addrs; /* "a,b,[v6]" or NULL */
	void (*wake)(void *arg);
	void *arg;
};

const char *
dns_reason(int gai_rc)
{
	switch (gai_rc) {
	case 0:
		return NULL;
	case EAI_NONAME:
#ifdef EAI_NODATA
	case EAI_NODATA:
#endif
		/* the name's servers answered: no such name (NXDOMAIN), or
		 * no address for it */
		return "dns_failure";
	default:
		/* EAI_AGAIN (timeout, SERVFAIL, refused), EAI_FAIL,
		 * EAI_SYSTEM, ...: the resolver gave no answer */
		return "dns_unresolved";
	}
}

static void
lookup_free(struct dns_lookup *d)
{
	pthread_mutex_destroy(&d->mu);
	free(d->name);
	free(d->addrs);
	free(d);
}

/* "1.2.3.4,[::1]" of res, at most DNS_ADDRS, no repeats; NULL if none. */
static char *
addr_list(const struct addrinfo *res)
{
	struct buf b = BUF_INIT(DNS_ADDRS * 48);
	int n = 0;

	for (const struct addrinfo *a = res; a != NULL && n < DNS_ADDRS;
	     a = a->ai_next) {
		char ip[INET6_ADDRSTRLEN + 2], one[INET6_ADDRSTRLEN + 4];

		if (a->ai_family == AF_INET)
			inet_ntop(AF_INET,
				  &((const struct sockaddr_in *)(const void *)
					a->ai_addr)
				       ->sin_addr,
				  ip, sizeof(ip));
		else if (a->ai_family == AF_INET6)
			inet_ntop(AF_INET6,
				  &((const struct sockaddr_in6 *)(const void *)
					a->ai_addr)
				       ->sin6_addr,
				  ip, sizeof(ip));
		else
			continue;
		str_fmt(one, sizeof(one),
			a->ai_family == AF_INET6 ? "[%s]" : "%s", ip);
		if (b.data != NULL && strstr(b.data, one) != NULL)
			continue;
		if (b.len > 0)
			buf_addch(&b, ',');
		buf_addstr(&b, one);
		n++;
	}
	return b.len > 0 ? buf_detach(&b, NULL) : (buf_cleanup(&b), NULL);
}

static void *
lookup_thread(void *arg)
{
	struct dns_lookup *d = arg;
	struct addrinfo hints, *res = NULL;
	int rc, abandoned;
	char *addrs = NULL;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(d->name, NULL, &hints, &res);
	if (rc == 0) {
		addrs = addr_list(res);
		if (addrs == NULL)
			rc = EAI_NONAME;
	}
	if (res != NULL)
		freeaddrinfo(res);
	pthread_mutex_lock(&d->mu);
	d->rc = rc;
	d->addrs = addrs;
	d->done = 1;
	abandoned = d->abandoned;
	if (!abandoned && d->wake != NULL)
		d->wake(d->arg);
	pthread_mutex_unlock(&d->mu);
	if (abandoned)
		lookup_free(d);
	return NULL;
}

struct dns_lookup *
dns_start(const char *name, void (*wake)(void *arg), void *arg)
{
	struct dns_lookup *d = xcalloc(1, sizeof(*d));
	pthread_t th;
	pthread_attr_t at;
	int rc;

	pthread_mutex_init(&d->mu, NULL);
	d->name = xstrdup(name);
	d->wake = wake;
	d->arg = arg;
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&at, 256 << 10);
	rc = pthread_create(&th, &at, lookup_thread, d);
	pthread_attr_destroy(&at);
	if (rc != 0) {
		lookup_free(d);
		return NULL;
	}
	return d;
}

int
dns_done(struct dns_lookup *d, int *rc, char **addrs)
{
	int done;

	pthread_mutex_lock(&d->mu);
	done = d->done;
	pthread_mutex_unlock(&d->mu);
	if (!done)
		return 0;
	*rc = d->rc;
	*addrs = d->addrs;
	d->addrs = NULL;
	lookup_free(d);
	return 1;
}

void
dns_abandon(struct dns_lookup *d)
{
	int done;

	if (d == NULL)
		return;
	pthread_mutex_lock(&d->mu);
	done = d->done;
	d->abandoned = 1;
	pthread_mutex_unlock(&d->mu);
	if (done)
		lookup_free(d);
}

/* ---- the crawler's side: a lookup per host before its fetches ---- */

static void
wake(void *arg)
{
	curl_multi_wakeup(arg);
}

/*
 * 1 while host h must wait for its lookup (started here when none ran and
 * fewer than DNS_RUNNING run), 0 when its fetches may start.
 */
int
dns_host_wait(struct crawler *c, int hi)
{
	struct host *h = &c->h[hi];

	if (h->dns == HD_PENDING)
		return 1;
	if (h->dns != HD_UNKNOWN)
		return 0;
	if (c->ndns >= DNS_RUNNING)
		return 1;
	h->lookup = dns_start(h->name, wake, c->multi);
	if (h->lookup == NULL) {
		h->dns = HD_OK; /* no thread: libcurl looks it up */
		return 0;
	}
	h->dns = HD_PENDING;
	h->dns_t0 = crawl_now();
	if (c->ndns == c->capdns) {
		c->capdns = c->capdns ? c->capdns * 2 : 16;
		c->dnswait =
		    xrealloc(c->dnswait, (size_t)c->capdns * sizeof(int));
	}
	c->dnswait[c->ndns++] = hi;
	c->r->dns_hosts++;
	return 1;
}

/* Lookups that ended since the last call. */
void
dns_poll(struct crawler *c)
{
	for (int i = 0; i < c->ndns;) {
		struct host *h = &c->h[c->dnswait[i]];
		int rc;
		char *addrs;

		if (!dns_done(h->lookup, &rc, &addrs)) {
			if (crawl_now() - h->dns_t0 <= c->o->timeout) {
				i++;
				continue;
			}
			/* no answer within --timeout: given up */
			dns_abandon(h->lookup);
			rc = EAI_AGAIN;
			addrs = NULL;
		}
		h->lookup = NULL;
		h->dns_addrs = addrs;
		h->dns_why = dns_reason(rc);
		h->dns = h->dns_why == NULL ? HD_OK : HD_BAD;
		if (h->dns_why != NULL && !strcmp(h->dns_why, "dns_unresolved"))
			c->r->dns_unresolved++;
		c->dnswait[i] = c->dnswait[--c->ndns];
	}
}

/* Ends target t whose host (h) name does not resolve. */
void
dns_finish(struct crawler *c, struct target *t, const struct host *h)
{
	if (h->dns == HD_BAD && !strcmp(h->dns_why, "dns_unresolved")) {
		hostq_finish(c, t, INSP_BLOCKED, "dns_unresolved",
			     "the resolver gave no answer (timeout, SERVFAIL "
			     "or refused): not verified");
		return;
	}
	hostq_finish(c, t, INSP_BROKEN, "dns_failure",
		     "the name does not resolve");
	t->abnormal = 1;
}

/* Many names without an answer at once: the network, not the links. */
void
dns_note(struct crawler *c)
{
	char detail[400];

	if (c->r->dns_unresolved < DNS_NOTE_MIN)
		return;
	str_fmt(detail, sizeof(detail),
		"the resolver gave no answer (timeout, SERVFAIL or refused): "
		"not verified; %d of %d host names looked up in this run got "
		"none: a restricted network or resolver?",
		c->r->dns_unresolved, c->r->dns_hosts);
	for (size_t i = 0; i < c->r->nlinks; i++) {
		struct insp_link *l = &c->r->links[i];

		if (l->status == INSP_BLOCKED &&
		    !strcmp(l->reason, "dns_unresolved")) {
			free(l->detail);
			l->detail = xstrdup(detail);
		}
	}
}
