/*
 * schedule.c: govsecd's periodic work: one generic scheduler thread (own
 * store connection, rounds at a fixed interval, prompt stop), and work
 * claimed as jobs in the store (store_jobs.c) so that several govsecd on
 * one store share it: each job (a site, a portal, a round) is done by one
 * instance at a time, at its own offset into the interval, under a lease
 * that a heartbeat thread (its own connection) renews while the work
 * runs and that another instance takes over once it has ended (a dead
 * instance). Used by the availability prober (probe.c), the scheduled
 * inspections (below), which inspect the main domain of every live portal
 * once an interval, each at its own offset (a hash of its host name), and
 * store each run as `govsec inspect` does, and by govsecd's rounds that
 * must not run twice (sched_start_once). Trusts the configuration and the
 * store; the inspected sites are untrusted and handled by the crawler.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "inspect/inspect.h"

#define SCHED_POLL_MS	  1000	/* longest wait between two claims */
#define SCHED_SYNC_MAX_MS 30000 /* longest time between two syncs */
#define SCHED_JITTER_MS	  40	/* instances waking for one job: any wins */

struct sched {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int stop;
	struct store *st;
	double first_ms, interval_ms;
	void (*round)(struct sched *s, struct store *st, void *arg);
	void *arg;
	/* claimed work (sched_work_start); w.kind is NULL for rounds */
	struct sched_work w;
	char kind[64];
	struct store *hst; /* the heartbeat's connection */
	pthread_t hb;
	int hb_started;
	struct store_job held; /* the job held now, name "" if none (lock) */
	long long held_until;  /* its lease's end, as last renewed (lock) */
	int lost;	       /* the held job's lease was lost (lock) */
	/* a round claimed once per interval (sched_start_once) */
	void (*once)(struct sched *s, struct store *st, void *arg);
	void *once_arg;
};

static pthread_once_t instance_once = PTHREAD_ONCE_INIT;
static char instance_id[128];

static void
instance_make(void)
{
	char host[64];

	if (gethostname(host, sizeof(host)) < 0)
		str_copy(host, "localhost", sizeof(host));
	host[sizeof(host) - 1] = '\0';
	str_fmt(instance_id, sizeof(instance_id), "%s:%ld:%lld", host,
		(long)getpid(), (long long)time(NULL));
}

const char *
sched_instance(void)
{
	pthread_once(&instance_once, instance_make);
	return instance_id;
}

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
	stop = s->stop || s->lost;
	pthread_mutex_unlock(&s->lock);
	return stop;
}

int
sched_lost(struct sched *s)
{
	int lost;

	pthread_mutex_lock(&s->lock);
	lost = s->lost;
	pthread_mutex_unlock(&s->lock);
	return lost;
}

/* Waits on s's condition until the monotonic time at (ms) or a stop;
 * with s->lock held. */
static void
cond_wait_until(struct sched *s, double at)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(at / 1000);
	ts.tv_nsec = (long)((at - ts.tv_sec * 1000.0) * 1e6);
	if (ts.tv_nsec < 0)
		ts.tv_nsec = 0;
	if (ts.tv_nsec > 999999999)
		ts.tv_nsec = 999999999;
	pthread_cond_timedwait(&s->cond, &s->lock, &ts);
}

int
sched_wait(struct sched *s, double at)
{
	int stop;

	pthread_mutex_lock(&s->lock);
	while (!s->stop && sched_now_ms() < at)
		cond_wait_until(s, at);
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

/* ---- claimed work ---- */

/* The heartbeat: renews the lease of the job held, every third of the
 * lease; a lease taken over or run out marks the job lost (its work's
 * cancel callback, sched_stopping, then stops it). */
static void *
hb_main(void *arg)
{
	struct sched *s = arg;
	double every = s->w.lease_ms / 3;

	pthread_mutex_lock(&s->lock);
	while (!s->stop) {
		struct store_job j;
		const char *name = j.name;
		long long now;
		struct err e;
		int rc;

		cond_wait_until(s, sched_now_ms() + every);
		if (s->stop)
			break;
		if (s->held.name[0] == '\0' || s->lost)
			continue;
		j = s->held;
		pthread_mutex_unlock(&s->lock);
		now = store_now_ms();
		rc = store_job_renew(s->hst, &j, now + (long long)s->w.lease_ms,
				     &e);
		if (rc < 0)
			log_warn("%s: cannot renew the lease of '%s': %s",
				 s->kind, name, e.msg);
		pthread_mutex_lock(&s->lock);
		if (strcmp(s->held.name, name) != 0 || s->held.token != j.token)
			continue; /* that job ended meanwhile */
		if (rc > 0)
			s->held_until = now + (long long)s->w.lease_ms;
		else if (rc == 0 || store_now_ms() >= s->held_until)
			s->lost = 1;
		if (s->lost)
			log_warn("%s: the lease of '%s' is lost (%s): its "
				 "work stops",
				 s->kind, name,
				 rc == 0 ? "another instance holds it"
					 : "not renewed in time");
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

/* The items of a sync in name order, with their first offsets. */
struct sync_item {
	struct sched_item it;
	double offset;
};

static int
sync_item_cmp(const void *a, const void *b)
{
	return strcmp(((const struct sync_item *)a)->it.name,
		      ((const struct sync_item *)b)->it.name);
}

struct jobs {
	struct store_job *j;
	size_t n, cap;
};

static int
job_add(void *arg, const struct store_job *j)
{
	struct jobs *x = arg;

	if (x->n == x->cap) {
		x->cap = x->cap ? 2 * x->cap : 64;
		x->j = xrealloc(x->j, x->cap * sizeof(*x->j));
	}
	x->j[x->n++] = *j;
	return 0;
}

struct sync {
	struct sched *s;
	struct sync_item *items;
	size_t n;
	long long base, now;
};

/*
 * One transaction: adds the jobs of new items (due at base + offset),
 * moves a free job due further away than a whole interval (the interval
 * was made shorter) to now + offset, removes the jobs of items gone. In
 * name order on both sides, so that instances syncing at once lock rows
 * in one order.
 */
static int
sync_tx(struct store *st, void *arg, struct err *e)
{
	struct sync *y = arg;
	struct sched *s = y->s;
	struct jobs have = {NULL, 0, 0};
	size_t i = 0, k = 0;
	long long far = y->now + (long long)(s->w.first_ms + s->w.interval_ms);
	int rc = 0;

	if (store_job_list(st, s->kind, job_add, &have, e) < 0) {
		free(have.j);
		return -1;
	}
	while (rc >= 0 && (i < y->n || k < have.n)) {
		int c = i == y->n ? 1
			: k == have.n
			    ? -1
			    : strcmp(y->items[i].it.name, have.j[k].name);

		if (c < 0) {
			rc = store_job_add(
			    st, s->kind, y->items[i].it.name,
			    y->items[i].it.data,
			    y->base + (long long)y->items[i].offset, e);
			i++;
		} else if (c > 0) {
			rc = store_job_remove(st, s->kind, have.j[k].name,
					      y->now, e);
			k++;
		} else {
			if (have.j[k].owner[0] == '\0' && have.j[k].due > far)
				rc = store_job_move(
				    st, s->kind, have.j[k].name, have.j[k].due,
				    y->now + (long long)y->items[i].offset, e);
			i++;
			k++;
		}
	}
	free(have.j);
	return rc < 0 ? -1 : 0;
}

/* Brings the jobs of s's kind in line with the items of now. */
static void
work_sync(struct sched *s, long long base, long long now)
{
	struct sched_item *items = NULL;
	struct sync y;
	size_t n = 0;
	struct err e;

	if (s->w.list(s, s->st, s->w.arg, &items, &n) < 0)
		return; /* the list said why */
	y.s = s;
	y.items = xcalloc(n > 0 ? n : 1, sizeof(*y.items));
	y.n = n;
	y.base = base;
	y.now = now;
	for (size_t k = 0; k < n; k++) {
		y.items[k].it = items[k];
		y.items[k].offset =
		    s->w.offset != NULL
			? s->w.offset(items[k].name, k, n, s->w.interval_ms)
			: 0;
	}
	qsort(y.items, n, sizeof(*y.items), sync_item_cmp);
	if (store_run(s->st, 0, sync_tx, &y, &e) < 0)
		log_warn("%s: cannot update the jobs: %s", s->kind, e.msg);
	free(y.items);
	sched_items_free(items, n);
}

/* The job j's next due time: its slot an interval on, or the first of
 * its slots after now when that has passed already. */
static long long
next_due(const struct sched *s, const struct store_job *j, long long now)
{
	long long iv = (long long)s->w.interval_ms, next = j->due + iv;

	if (iv < 1)
		iv = 1;
	if (next <= now)
		next += ((now - next) / iv + 1) * iv;
	return next;
}

/* Holds j while its work runs, then marks it done, or gives it up (a
 * stop came first), or leaves it (the lease was lost). Every write of the
 * work on s->st is fenced (store_fence): stored only while j is still
 * this instance's, and, when the work stores its result at once
 * (w.save_ends), moving j to its next slot in that transaction. */
static void
work_one(struct sched *s, const struct store_job *j)
{
	int rc, lost, stop, refused;
	struct err e;

	pthread_mutex_lock(&s->lock);
	s->held = *j;
	s->held_until = j->lease_until;
	s->lost = 0;
	pthread_mutex_unlock(&s->lock);
	store_fence(s->st, j,
		    s->w.save_ends ? next_due(s, j, store_now_ms()) : 0);
	rc = s->w.run(s, s->st, s->w.arg, j);
	refused = store_fence_refused(s->st);
	store_fence(s->st, NULL, 0);
	pthread_mutex_lock(&s->lock);
	s->held.name[0] = '\0';
	lost = s->lost;
	stop = s->stop;
	s->lost = 0;
	pthread_mutex_unlock(&s->lock);
	if (refused > 0) {
		log_warn("%s: '%s' was taken over while instance %s did it: "
			 "%d write(s) refused, the instance that holds it now "
			 "does the work",
			 s->kind, j->name, j->owner, refused);
		return;
	}
	if (lost && rc != 0)
		return; /* the instance that holds it now does the work */
	if (rc != 0 && stop) {
		if (store_job_release(s->st, j, &e) < 0)
			log_warn("%s: cannot give '%s' up: %s", s->kind,
				 j->name, e.msg);
		return;
	}
	/* done (or failed: tried again at its next slot, not at once) */
	rc = store_job_done(s->st, j, next_due(s, j, store_now_ms()),
			    store_now_ms(), &e);
	if (rc < 0)
		log_warn("%s: cannot mark '%s' done: %s", s->kind, j->name,
			 e.msg);
	else if (rc == 0)
		log_warn("%s: '%s' was done, but its lease had been taken "
			 "over",
			 s->kind, j->name);
}

static void *
work_main(void *arg)
{
	struct sched *s = arg;
	long long start = store_now_ms(), next_sync = 0;
	unsigned seed = (unsigned)getpid() ^ (unsigned)start;
	int first = 1;

	for (;;) {
		long long now = store_now_ms(), wake;
		struct store_job j;
		struct err e;
		int rc;

		if (sched_stopping(s))
			break;
		if (now >= next_sync) {
			work_sync(
			    s, first ? start + (long long)s->w.first_ms : now,
			    now);
			first = 0;
			next_sync = now + (long long)(s->w.interval_ms <
							      SCHED_SYNC_MAX_MS
							  ? s->w.interval_ms
							  : SCHED_SYNC_MAX_MS);
		}
		rc = store_job_claim(s->st, s->kind, sched_instance(), now,
				     (long long)s->w.lease_ms, &j, &e);
		if (rc > 0) {
			work_one(s, &j);
			continue;
		}
		wake = now + SCHED_POLL_MS;
		if (rc < 0)
			log_warn("%s: cannot claim work: %s", s->kind, e.msg);
		else
			wake = store_job_next(s->st, s->kind, wake);
		if (wake > next_sync)
			wake = next_sync;
		if (wake > now + SCHED_POLL_MS)
			wake = now + SCHED_POLL_MS;
		if (wake < now + 10)
			wake = now + 10;
		wake += rand_r(&seed) % SCHED_JITTER_MS;
		if (sched_wait(s, sched_now_ms() + (double)(wake - now)))
			break;
	}
	return NULL;
}

void
sched_items_free(struct sched_item *it, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(it[i].name);
		free(it[i].data);
	}
	free(it);
}

/* Opens s's connection(s), sets up its lock and starts main on a thread;
 * s is freed on failure. */
static struct sched *
sched_launch(struct sched *s, const char *store_path, void *(*main)(void *),
	     struct err *e)
{
	pthread_condattr_t ca;

	s->st = store_open(store_path, e);
	if (s->st == NULL)
		goto fail;
	if (store_migrate(s->st, e) < 0)
		goto fail;
	if (s->w.kind != NULL) {
		s->hst = store_open(store_path, e);
		if (s->hst == NULL)
			goto fail;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		err_set(e, "cannot initialise libcurl");
		goto fail;
	}
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (s->w.kind != NULL) {
		if (pthread_create(&s->hb, NULL, hb_main, s) != 0) {
			err_set(e, "cannot start a heartbeat thread");
			goto fail_lock;
		}
		s->hb_started = 1;
	}
	if (pthread_create(&s->thread, NULL, main, s) != 0) {
		err_set(e, "cannot start a scheduler thread");
		goto fail_lock;
	}
	return s;
fail_lock:
	if (s->hb_started) {
		pthread_mutex_lock(&s->lock);
		s->stop = 1;
		pthread_cond_broadcast(&s->cond);
		pthread_mutex_unlock(&s->lock);
		pthread_join(s->hb, NULL);
	}
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->lock);
fail:
	store_free(s->hst);
	store_free(s->st);
	free(s);
	return NULL;
}

struct sched *
sched_start(const char *store_path, double first_ms, double interval_ms,
	    void (*round)(struct sched *s, struct store *st, void *arg),
	    void *arg, struct err *e)
{
	struct sched *s = xcalloc(1, sizeof(*s));

	s->first_ms = first_ms;
	s->interval_ms = interval_ms;
	s->round = round;
	s->arg = arg;
	return sched_launch(s, store_path, sched_main, e);
}

/* A claimed-work scheduler for w (copied), and for once's round. */
static struct sched *
work_start(const char *store_path, const struct sched_work *w,
	   void (*once)(struct sched *s, struct store *st, void *arg),
	   void *once_arg, struct err *e)
{
	struct sched *s = xcalloc(1, sizeof(*s));

	s->w = *w;
	s->once = once;
	s->once_arg = once_arg;
	if (str_copy(s->kind, w->kind, sizeof(s->kind)) < 0) {
		err_set(e, "job kind '%.40s...' too long", w->kind);
		free(s);
		return NULL;
	}
	s->w.kind = s->kind;
	if (s->w.lease_ms < 2000)
		s->w.lease_ms = 2000;
	if (s->w.interval_ms < 1)
		s->w.interval_ms = 1;
	return sched_launch(s, store_path, work_main, e);
}

struct sched *
sched_work_start(const char *store_path, const struct sched_work *w,
		 struct err *e)
{
	return work_start(store_path, w, NULL, NULL, e);
}

/* sched_start_once's one job, called "round". */
static int
once_list(struct sched *s, struct store *st, void *arg,
	  struct sched_item **items, size_t *n)
{
	(void)s, (void)st, (void)arg;
	*items = xcalloc(1, sizeof(**items));
	(*items)[0].name = xstrdup("round");
	(*items)[0].data = xstrdup("");
	*n = 1;
	return 0;
}

static int
once_run(struct sched *s, struct store *st, void *arg,
	 const struct store_job *j)
{
	(void)arg, (void)j;
	s->once(s, st, s->once_arg);
	return sched_stopping(s); /* cut short: another instance does it */
}

struct sched *
sched_start_once(const char *store_path, const char *kind, double first_ms,
		 double interval_ms, double lease_ms,
		 void (*round)(struct sched *s, struct store *st, void *arg),
		 void *arg, struct err *e)
{
	struct sched_work w;

	memset(&w, 0, sizeof(w));
	w.kind = kind;
	w.first_ms = first_ms;
	w.interval_ms = interval_ms;
	w.lease_ms = lease_ms;
	w.list = once_list;
	w.run = once_run;
	return work_start(store_path, &w, round, arg, e);
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
	if (s->hb_started)
		pthread_join(s->hb, NULL);
	pthread_cond_destroy(&s->cond);
	pthread_mutex_destroy(&s->lock);
	store_free(s->hst);
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
	struct insp_settings set;
};

/* Inspects https://host/ and stores the run (insp_site_run); logs one
 * line. 0 when done (stored, or failed), 1 when stopped (nothing
 * stored). */
static int
inspect_one(struct insp_sched *x, struct sched *s, struct store *st,
	    const char *app, const char *host)
{
	struct insp_opts o;
	struct insp_result *r;
	struct err e;
	long long run;
	size_t broken = 0, fails = 0;
	double slot = sched_slot_ms(host, x->interval_ms);

	insp_settings_opts(&x->set, &o);
	o.cancel = sched_stopping;
	o.cancel_arg = s;
	run = insp_site_run(st, host, &o, &r, &e);
	if (run < 0) {
		log_warn("inspect: 'https://%s/' (%s): %s", host, app, e.msg);
		insp_result_free(r);
		return sched_stopping(s);
	}
	if (run == 0) {
		log_info("inspect: 'https://%s/' (%s) stopped%s, not stored",
			 host, app,
			 sched_lost(s) ? " (its lease was lost)" : "");
		insp_result_free(r);
		return 1;
	}
	for (size_t i = 0; i < r->nlinks; i++)
		broken += r->links[i].status == INSP_BROKEN;
	for (size_t i = 0; i < r->nfindings; i++)
		fails += strcmp(r->findings[i].status, "fail") == 0;
	log_info("inspect: 'https://%s/' (%s): run %lld, %zu page(s), %zu "
		 "link(s), %zu broken, %zu failed finding(s) in %.1f s%s "
		 "(slot +%.3f s) on instance %s",
		 host, app, run, r->npages, r->nlinks, broken, fails,
		 r->seconds, r->time_limit_hit ? " (time limit)" : "",
		 slot / 1000, sched_instance());
	insp_result_free(r);
	return 0;
}

/* The jobs: one per live portal's main domain (name), its application
 * (data). */
static int
insp_list(struct sched *s, struct store *st, void *arg,
	  struct sched_item **items, size_t *n)
{
	struct insp_sched *x = arg;
	struct err e;

	(void)s;
	if (probe_target_items(st, 1, items, n, &e) < 0) {
		log_warn("inspect: cannot read the portals: %s", e.msg);
		return -1;
	}
	log_info("inspect: round of %zu site(s) over %.0f s", *n,
		 x->interval_ms / 1000);
	return 0;
}

static double
insp_offset(const char *name, size_t k, size_t n, double interval_ms)
{
	(void)k, (void)n;
	return sched_slot_ms(name, interval_ms);
}

static int
insp_job(struct sched *s, struct store *st, void *arg,
	 const struct store_job *j)
{
	return inspect_one(arg, s, st, j->data, j->name);
}

struct insp_sched *
insp_sched_start(const struct config *cfg, const char *store_path,
		 struct err *e)
{
	struct insp_sched *x = xcalloc(1, sizeof(*x));
	struct sched_work w;

	x->interval_ms = cfg->insp_interval_seconds > 0
			     ? cfg->insp_interval_seconds * 1000.0
			     : cfg->insp_interval_hours * 3600000.0;
	insp_settings_load(&x->set, cfg);
	memset(&w, 0, sizeof(w));
	w.kind = "inspect";
	w.first_ms = INSP_SCHED_FIRST_MS;
	w.interval_ms = x->interval_ms;
	w.lease_ms = cfg->store_lease_seconds * 1000.0;
	w.list = insp_list;
	w.offset = insp_offset;
	w.run = insp_job;
	w.save_ends = 1; /* a run is stored in one transaction */
	w.arg = x;
	x->s = sched_work_start(store_path, &w, e);
	if (x->s == NULL) {
		free(x);
		return NULL;
	}
	if (cfg->insp_interval_seconds > 0)
		log_info("inspect: every %d s, at most %d page(s) and %d s per "
			 "site",
			 cfg->insp_interval_seconds, x->set.max_pages,
			 x->set.max_seconds);
	else
		log_info("inspect: every %d h, at most %d page(s) and %d s per "
			 "site",
			 cfg->insp_interval_hours, x->set.max_pages,
			 x->set.max_seconds);
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
