/*
 * schedule.c: govsecd's periodic work: one generic scheduler thread (own
 * store connection, rounds at a fixed interval, prompt stop) shared by the
 * availability prober (probe.c) and the scheduled inspections, which
 * inspect the main domain of every live portal once a round, each at its
 * own offset into the interval (a hash of its host name), and store each
 * run as `govsec inspect` does. Trusts the configuration and the store;
 * the inspected sites are untrusted and handled by the crawler.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "inspect/inspect.h"

struct sched {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int stop;
	struct store *st;
	double first_ms, interval_ms;
	void (*round)(struct sched *s, struct store *st, void *arg);
	void *arg;
};

double
sched_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

int
sched_stopping(void *arg)
{
	struct sched *s = arg;
	int stop;

	pthread_mutex_lock(&s->lock);
	stop = s->stop;
	pthread_mutex_unlock(&s->lock);
	return stop;
}

int
sched_wait(struct sched *s, double at)
{
	struct timespec ts;
	int stop;

	ts.tv_sec = (time_t)(at / 1000);
	ts.tv_nsec = (long)((at - ts.tv_sec * 1000.0) * 1e6);
	if (ts.tv_nsec < 0)
		ts.tv_nsec = 0;
	if (ts.tv_nsec > 999999999)
		ts.tv_nsec = 999999999;
	pthread_mutex_lock(&s->lock);
	while (!s->stop) {
		int rc = pthread_cond_timedwait(&s->cond, &s->lock, &ts);

		if (rc == ETIMEDOUT || sched_now_ms() >= at)
			break;
	}
	stop = s->stop;
	pthread_mutex_unlock(&s->lock);
	return stop;
}

static void *
sched_main(void *arg)
{
	struct sched *s = arg;
	double next = sched_now_ms() + s->first_ms;

	while (!sched_wait(s, next)) {
		double start = sched_now_ms();

		s->round(s, s->st, s->arg);
		next = start + s->interval_ms;
	}
	return NULL;
}

struct sched *
sched_start(const char *store_path, double first_ms, double interval_ms,
	    void (*round)(struct sched *s, struct store *st, void *arg),
	    void *arg, struct err *e)
{
	struct sched *s = xcalloc(1, sizeof(*s));
	pthread_condattr_t ca;

	s->first_ms = first_ms;
	s->interval_ms = interval_ms;
	s->round = round;
	s->arg = arg;
	s->st = store_open(store_path, e);
	if (s->st == NULL)
		goto fail;
	if (store_migrate(s->st, e) < 0)
		goto fail;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		err_set(e, "cannot initialise libcurl");
		goto fail;
	}
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&s->thread, NULL, sched_main, s) != 0) {
		err_set(e, "cannot start a scheduler thread");
		pthread_cond_destroy(&s->cond);
		pthread_mutex_destroy(&s->lock);
		goto fail;
	}
	return s;
fail:
	store_free(s->st);
	free(s);
	return NULL;
}

void
sched_stop(struct sched *s)
{
	if (s == NULL)
		return;
	pthread_mutex_lock(&s->lock);
	s->stop = 1;
	pthread_cond_broadcast(&s->cond);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->thread, NULL);
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->lock);
	store_free(s->st);
	free(s);
}

double
sched_slot_ms(const char *key, double interval_ms)
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a 64 */

	for (const unsigned char *p = (const unsigned char *)key; *p; p++) {
		h ^= *p;
		h *= 0x100000001b3ull;
	}
	if (interval_ms < 1)
		return 0;
	return (double)(h % (uint64_t)interval_ms);
}

/* ---- scheduled inspections ---- */

struct insp_sched {
	struct sched *s;
	double interval_ms;
	int max_pages, max_seconds, concurrency, allow_private;
	char resolve[1024], cacert[1024];
	char badges[2600]; /* [ecert] public_url and badge_urls */
};

/* A portal of the round and when it starts (ms into the round). */
struct slot {
	const struct probe_target *t;
	double at;
};

static int
slot_cmp(const void *a, const void *b)
{
	const struct slot *x = a, *y = b;

	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return strcmp(x->t->host, y->t->host);
}

/* Inspects https://host/ and stores the run (insp_site_run); logs one
 * line. 1 when the scheduler is stopping (nothing stored), else 0. */
static int
inspect_one(struct insp_sched *x, struct sched *s, struct store *st,
	    const char *app, const char *host, double slot)
{
	struct insp_opts o;
	struct insp_result *r;
	struct err e;
	long long run;
	size_t broken = 0, fails = 0;

	insp_opts_init(&o);
	o.max_pages = x->max_pages;
	o.max_seconds = x->max_seconds;
	o.concurrency = x->concurrency;
	o.allow_private = x->allow_private;
	o.resolve = x->resolve[0] != '\0' ? x->resolve : NULL;
	o.cacert = x->cacert[0] != '\0' ? x->cacert : NULL;
	o.badge_bases = x->badges;
	o.cancel = sched_stopping;
	o.cancel_arg = s;
	run = insp_site_run(st, host, &o, &r, &e);
	if (run < 0) {
		log_warn("inspect: 'https://%s/' (%s): %s", host, app, e.msg);
		insp_result_free(r);
		return sched_stopping(s);
	}
	if (run == 0) {
		log_info("inspect: 'https://%s/' (%s) stopped, not stored",
			 host, app);
		insp_result_free(r);
		return 1;
	}
	for (size_t i = 0; i < r->nlinks; i++)
		broken += r->links[i].status == INSP_BROKEN;
	for (size_t i = 0; i < r->nfindings; i++)
		fails += strcmp(r->findings[i].status, "fail") == 0;
	log_info("inspect: 'https://%s/' (%s): run %lld, %zu page(s), %zu "
		 "link(s), %zu broken, %zu failed finding(s) in %.1f s%s "
		 "(slot +%.3f s)",
		 host, app, run, r->npages, r->nlinks, broken, fails,
		 r->seconds, r->time_limit_hit ? " (time limit)" : "",
		 slot / 1000);
	insp_result_free(r);
	return 0;
}

/* One round: every portal at its slot of the interval, in slot order. */
static void
insp_round(struct sched *s, struct store *st, void *arg)
{
	struct insp_sched *x = arg;
	struct probe_target *t = NULL;
	struct slot *plan = NULL;
	double t0 = sched_now_ms();
	size_t n = 0;
	struct err e;

	if (probe_targets(st, NULL, &t, &n, &e) < 0) {
		log_warn("inspect: cannot read the portals: %s", e.msg);
		return;
	}
	log_info("inspect: round of %zu site(s) over %.0f s", n,
		 x->interval_ms / 1000);
	if (n > 0) {
		plan = xcalloc(n, sizeof(*plan));
		for (size_t k = 0; k < n; k++) {
			plan[k].t = &t[k];
			plan[k].at = sched_slot_ms(t[k].host, x->interval_ms);
		}
		qsort(plan, n, sizeof(*plan), slot_cmp);
	}
	/* a site whose slot passed while another ran starts at once */
	for (size_t k = 0; k < n; k++)
		if (sched_wait(s, t0 + plan[k].at) ||
		    inspect_one(x, s, st, plan[k].t->app, plan[k].t->host,
				plan[k].at))
			break;
	free(plan);
	probe_targets_free(t, n);
}

struct insp_sched *
insp_sched_start(const struct config *cfg, const char *store_path,
		 struct err *e)
{
	struct insp_sched *x = xcalloc(1, sizeof(*x));

	x->interval_ms = cfg->insp_interval_seconds > 0
			     ? cfg->insp_interval_seconds * 1000.0
			     : cfg->insp_interval_hours * 3600000.0;
	x->max_pages = cfg->insp_max_pages;
	x->max_seconds = cfg->insp_max_seconds;
	x->concurrency = cfg->insp_concurrency;
	x->allow_private = cfg->insp_allow_private;
	str_copy(x->resolve, cfg->insp_resolve, sizeof(x->resolve));
	str_copy(x->cacert, cfg->insp_cacert, sizeof(x->cacert));
	str_fmt(x->badges, sizeof(x->badges), "%s %s", cfg->ecert_url,
		cfg->badge_urls);
	x->s = sched_start(store_path, INSP_SCHED_FIRST_MS, x->interval_ms,
			   insp_round, x, e);
	if (x->s == NULL) {
		free(x);
		return NULL;
	}
	if (cfg->insp_interval_seconds > 0)
		log_info("inspect: every %d s, at most %d page(s) and %d s per "
			 "site",
			 cfg->insp_interval_seconds, x->max_pages,
			 x->max_seconds);
	else
		log_info("inspect: every %d h, at most %d page(s) and %d s per "
			 "site",
			 cfg->insp_interval_hours, x->max_pages,
			 x->max_seconds);
	return x;
}

void
insp_sched_stop(struct insp_sched *x)
{
	if (x == NULL)
		return;
	sched_stop(x->s);
	free(x);
}
