/*
 * dns.c: the crawler's own name lookups, one per host, on a thread each
 * (getaddrinfo, the system's resolver as libcurl would use it), so that an
 * authoritative "no such name" (a broken link) is told apart from a
 * resolver that times out, fails or refuses (a link not verified). The
 * addresses found are handed to libcurl. Answers come from the network.
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
