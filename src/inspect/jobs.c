/*
 * jobs.c: inspections started from the console (docs/api.md, "Inspection
 * jobs") and the one-site run they share with the scheduled inspections
 * (insp_site_run): each job runs on a detached thread with its own store
 * connection, at most INSP_JOBS_MAX at once and one per application,
 * reports its progress (pages, links, rate) through insp_opts.progress
 * and stops within a fraction of a second when cancelled. The last
 * INSP_JOBS_KEEP jobs are remembered in memory; the runs are in the
 * store. Trusts the configuration, the store and its callers (the router
 * checked the account); the inspected sites are the crawler's business.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "inspect/inspect.h"

void
insp_settings_load(struct insp_settings *set, const struct config *cfg)
{
	memset(set, 0, sizeof(*set));
	set->max_pages = cfg->insp_max_pages;
	set->max_seconds = cfg->insp_max_seconds;
	set->concurrency = cfg->insp_concurrency;
	set->allow_private = cfg->insp_allow_private;
	str_copy(set->resolve, cfg->insp_resolve, sizeof(set->resolve));
	str_copy(set->cacert, cfg->insp_cacert, sizeof(set->cacert));
	str_fmt(set->badges, sizeof(set->badges), "%s %s", cfg->ecert_url,
		cfg->badge_urls);
}

void
insp_settings_opts(const struct insp_settings *set, struct insp_opts *o)
{
	insp_opts_init(o);
	o->max_pages = set->max_pages;
	o->max_seconds = set->max_seconds;
	o->concurrency = set->concurrency;
	o->allow_private = set->allow_private;
	o->resolve = set->resolve[0] != '\0' ? set->resolve : NULL;
	o->cacert = set->cacert[0] != '\0' ? set->cacert : NULL;
	o->badge_bases = set->badges;
}

long long
insp_site_run(struct store *st, const char *host, struct insp_opts *o,
	      struct insp_result **res, struct err *e)
{
	struct insp_prev *prev;
	struct insp_result *r;
	struct map reg;
	char url[600];
	long long run = 0;

	if (res != NULL)
		*res = NULL;
	if (str_fmt(url, sizeof(url), "https://%s/", host) < 0) {
		err_set(e, "host name '%.64s...' too long", host);
		return -1;
	}
	map_init(&reg);
	if (insp_registered(st, &reg, e) < 0) {
		err_prefix(e, "cannot read the registry");
		map_cleanup(&reg);
		return -1;
	}
	o->registered = &reg;
	o->logo = insp_logo_lookup;
	o->logo_arg = st;
	prev = insp_prev_load(st, host);
	o->prev = insp_prev_lookup;
	o->prev_arg = prev;
	r = insp_run(url, o, e);
	insp_prev_free(prev);
	o->registered = NULL;
	o->logo = NULL;
	o->logo_arg = NULL;
	o->prev = NULL;
	o->prev_arg = NULL;
	if (r == NULL) {
		map_cleanup(&reg);
		return o->cancel != NULL && o->cancel(o->cancel_arg) ? 0 : -1;
	}
	if (o->cancel == NULL || !o->cancel(o->cancel_arg)) {
		run = insp_store_save(st, r, e);
		if (run < 0)
			err_prefix(e, "cannot store the run");
	}
	map_cleanup(&reg);
	if (res != NULL)
		*res = r;
	else
		insp_result_free(r);
	return run;
}

/* A job and what its thread needs; info is guarded by the jobs' lock. */
struct job {
	struct insp_job info;
	int cancel;
	struct insp_jobs *x;
};

struct insp_jobs {
	pthread_mutex_t lock;
	pthread_cond_t ended; /* a job's thread has finished */
	char store_path[4096];
	struct insp_settings set;
	struct job *jobs[INSP_JOBS_KEEP]; /* oldest first */
	size_t n;
	int running, stopping;
	long long next_id;
	int curl; /* curl_global_init ran */
};

static int
job_cancelled(void *arg)
{
	struct job *j = arg;
	int stop;

	pthread_mutex_lock(&j->x->lock);
	stop = j->cancel || j->x->stopping;
	pthread_mutex_unlock(&j->x->lock);
	return stop;
}

static void
job_progress(void *arg, const struct insp_progress *p)
{
	struct job *j = arg;

	pthread_mutex_lock(&j->x->lock);
	j->info.pages = p->pages;
	j->info.links = p->links;
	j->info.checked = p->checked;
	j->info.seconds = p->seconds;
	pthread_mutex_unlock(&j->x->lock);
}

static void *
job_main(void *arg)
{
	struct job *j = arg;
	struct insp_jobs *x = j->x;
	struct insp_opts o;
	struct store *st;
	struct err e;
	long long run = -1;
	char host[256];

	pthread_mutex_lock(&x->lock);
	str_copy(host, j->info.host, sizeof(host));
	pthread_mutex_unlock(&x->lock);
	insp_settings_opts(&x->set, &o);
	o.cancel = job_cancelled;
	o.cancel_arg = j;
	o.progress = job_progress;
	o.progress_arg = j;
	e.msg[0] = '\0';
	st = store_open(x->store_path, &e);
	if (st != NULL) {
		run = insp_site_run(st, host, &o, NULL, &e);
		store_free(st);
	}
	pthread_mutex_lock(&x->lock);
	time_fmt(time_now(), j->info.finished, sizeof(j->info.finished));
	if (run > 0) { /* stored, even if a cancel came too late */
		j->info.state = "finished";
		j->info.run = run;
	} else if (run >= 0 || j->cancel || x->stopping) {
		j->info.state = "cancelled";
	} else {
		j->info.state = "failed";
		str_copy(j->info.error, e.msg, sizeof(j->info.error));
	}
	log_info("inspect: job %lld of '%s' (%s) %s%s%s", j->info.id, host,
		 j->info.app, j->info.state, run < 0 ? ": " : "",
		 run < 0 ? e.msg : "");
	x->running--;
	pthread_cond_broadcast(&x->ended);
	pthread_mutex_unlock(&x->lock);
	return NULL;
}

struct insp_jobs *
insp_jobs_new(const struct config *cfg, const char *store_path)
{
	struct insp_jobs *x = xcalloc(1, sizeof(*x));

	pthread_mutex_init(&x->lock, NULL);
	pthread_cond_init(&x->ended, NULL);
	str_copy(x->store_path, store_path, sizeof(x->store_path));
	insp_settings_load(&x->set, cfg);
	x->next_id = 1;
	return x;
}

void
insp_jobs_free(struct insp_jobs *x)
{
	if (x == NULL)
		return;
	pthread_mutex_lock(&x->lock);
	x->stopping = 1;
	while (x->running > 0)
		pthread_cond_wait(&x->ended, &x->lock);
	pthread_mutex_unlock(&x->lock);
	for (size_t i = 0; i < x->n; i++)
		free(x->jobs[i]);
	if (x->curl)
		curl_global_cleanup();
	pthread_cond_destroy(&x->ended);
	pthread_mutex_destroy(&x->lock);
	free(x);
}

/* Makes room for one more job: forgets the oldest that has ended. 0, or
 * -1 if every remembered job runs (cannot happen: KEEP > MAX). */
static int
make_room(struct insp_jobs *x)
{
	if (x->n < INSP_JOBS_KEEP)
		return 0;
	for (size_t i = 0; i < x->n; i++) {
		if (strcmp(x->jobs[i]->info.state, "running") == 0)
			continue;
		free(x->jobs[i]);
		memmove(&x->jobs[i], &x->jobs[i + 1],
			(x->n - i - 1) * sizeof(*x->jobs));
		x->n--;
		return 0;
	}
	return -1;
}

enum insp_job_start
insp_jobs_start(struct insp_jobs *x, const char *app, const char *host,
		const char *actor, struct insp_job *out, struct err *e)
{
	enum insp_job_start rc = INSP_JOB_ERROR;
	pthread_attr_t attr;
	struct job *j;

	pthread_mutex_lock(&x->lock);
	for (size_t i = 0; i < x->n; i++) {
		if (strcmp(x->jobs[i]->info.app, app) == 0 &&
		    strcmp(x->jobs[i]->info.state, "running") == 0) {
			*out = x->jobs[i]->info;
			rc = INSP_JOB_BUSY;
			goto out;
		}
	}
	if (x->running >= INSP_JOBS_MAX) {
		rc = INSP_JOB_FULL;
		goto out;
	}
	if (x->stopping || make_room(x) < 0) {
		err_set(e, "no room for another inspection");
		goto out;
	}
	if (!x->curl) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			err_set(e, "cannot initialise libcurl");
			goto out;
		}
		x->curl = 1;
	}
	j = xcalloc(1, sizeof(*j));
	j->x = x;
	j->info.id = x->next_id;
	str_copy(j->info.app, app, sizeof(j->info.app));
	str_copy(j->info.host, host, sizeof(j->info.host));
	str_copy(j->info.actor, actor, sizeof(j->info.actor));
	j->info.state = "running";
	time_fmt(time_now(), j->info.started, sizeof(j->info.started));
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	{
		pthread_t t;

		if (pthread_create(&t, &attr, job_main, j) != 0) {
			pthread_attr_destroy(&attr);
			free(j);
			err_set(e, "cannot start an inspection thread");
			goto out;
		}
	}
	pthread_attr_destroy(&attr);
	x->next_id++;
	x->running++;
	x->jobs[x->n++] = j;
	*out = j->info;
	rc = INSP_JOB_STARTED;
out:
	pthread_mutex_unlock(&x->lock);
	return rc;
}

int
insp_jobs_get(struct insp_jobs *x, long long id, struct insp_job *out)
{
	int rc = -1;

	pthread_mutex_lock(&x->lock);
	for (size_t i = 0; i < x->n; i++)
		if (x->jobs[i]->info.id == id) {
			*out = x->jobs[i]->info;
			rc = 0;
		}
	pthread_mutex_unlock(&x->lock);
	return rc;
}

size_t
insp_jobs_list(struct insp_jobs *x, struct insp_job *out, size_t max)
{
	size_t k = 0;

	pthread_mutex_lock(&x->lock);
	for (size_t i = x->n; i-- > 0 && k < max;)
		out[k++] = x->jobs[i]->info;
	pthread_mutex_unlock(&x->lock);
	return k;
}

int
insp_jobs_cancel(struct insp_jobs *x, long long id)
{
	int rc = -1;

	pthread_mutex_lock(&x->lock);
	for (size_t i = 0; i < x->n; i++) {
		if (x->jobs[i]->info.id != id)
			continue;
		rc = strcmp(x->jobs[i]->info.state, "running") != 0;
		x->jobs[i]->cancel = 1;
	}
	pthread_mutex_unlock(&x->lock);
	return rc;
}
