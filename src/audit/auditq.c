/*
 * auditq.c: the audit writer of govsecd. Request threads queue records
 * (copied) and go on; one thread writes them over its own store
 * connection in batches of one transaction, so that no decision waits for
 * the store. Nothing is dropped: a full queue makes a producer wait a few
 * milliseconds, then spill the record to a file (JSON Lines, mode 0600)
 * that the writer replays; a failed write is logged and retried; stopping
 * writes what is queued and spills what cannot be written, and the next
 * start replays it. Failed logins for unknown names are counted per
 * (actor, action, source) and window, one record per window. Trusts its
 * callers' strings only to be C strings; the spill file is read back as
 * untrusted JSON.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "audit/audit.h"

#define BATCH_MAX      512  /* records in one transaction */
#define PUT_WAIT_MS    20   /* a producer's wait for room */
#define AGG_MAX	       4096 /* (action, source) pairs counted at once */
#define LINE_MAX_SPILL (1 << 20)

static const char *const names[] = {"actor", "action", "object", "before",
				    "after"};

struct arec {
	struct arec *next;
	time_t at;
	char *f[5]; /* actor, action, object, before, after (NULL allowed) */
};

struct agg {
	char actor[64], action[64], source[64];
	long long n;
	time_t first, last;
};

struct auditq {
	struct store *st;
	char spill[4096], replay[4100];
	size_t cap;
	int window;
	pthread_t th;
	pthread_mutex_t mu;
	pthread_cond_t more, room;
	struct arec *head, *tail;
	size_t n, inflight;
	int started, stopping, exited;
	int gave_up; /* no more replays this run: the store refused at the
			stop, or a spill file cannot be read or removed */
	int spilled; /* the spill file may hold records (under spill_mu) */
	pthread_mutex_t spill_mu;
	struct agg *aggs;
	size_t naggs;
};

/* The process's writer: set before any producer thread starts. */
static struct auditq *running;

static struct arec *
rec_new(time_t at, const char *const f[5])
{
	size_t len[5], total = 0;
	struct arec *r;
	char *p;

	for (int i = 0; i < 5; i++) {
		len[i] = f[i] != NULL ? strlen(f[i]) + 1 : 0;
		total += len[i];
	}
	r = xmalloc(sizeof(*r) + total);
	r->next = NULL;
	r->at = at;
	p = (char *)(r + 1);
	for (int i = 0; i < 5; i++) {
		if (f[i] == NULL) {
			r->f[i] = NULL;
			continue;
		}
		memcpy(p, f[i], len[i]);
		r->f[i] = p;
		p += len[i];
	}
	return r;
}

static void
recs_free(struct arec *r)
{
	while (r != NULL) {
		struct arec *next = r->next;

		free(r);
		r = next;
	}
}

/* Appends r to the queue; the caller holds q->mu. */
static void
push(struct auditq *q, struct arec *r)
{
	if (q->tail != NULL)
		q->tail->next = r;
	else
		q->head = r;
	q->tail = r;
	q->n++;
	pthread_cond_signal(&q->more);
}

/* Appends r (not freed) to the spill file; 0 or -1. */
static int
spill_write(struct auditq *q, const struct arec *r)
{
	json_t *o = json_object();
	char *s;
	int fd, rc = -1;
	size_t n;

	json_object_set_new(o, "at", json_integer((json_int_t)r->at));
	for (int i = 0; i < 5; i++) {
		json_t *v =
		    r->f[i] != NULL ? json_string(r->f[i]) : json_null();

		if (v == NULL) {
			/* JSON holds UTF-8 only: what is not is marked */
			char *clean = str_utf8_sanitize(r->f[i]);

			v = json_string(clean);
			free(clean);
		}
		json_object_set_new(o, names[i], v);
	}
	s = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (s == NULL)
		return -1;
	n = strlen(s);
	s[n] = '\n'; /* json_dumps' NUL becomes the newline: write n + 1 */
	pthread_mutex_lock(&q->spill_mu);
	fd = open(q->spill,
		  O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd >= 0) {
		file_own_like_dir(fd, q->spill);
		if (write(fd, s, n + 1) == (ssize_t)(n + 1))
			rc = 0;
		close(fd);
	}
	if (rc == 0)
		q->spilled = 1;
	pthread_mutex_unlock(&q->spill_mu);
	free(s);
	return rc;
}

int
auditq_put(const char *actor, const char *action, const char *object,
	   const char *before, const char *after)
{
	struct auditq *q = __atomic_load_n(&running, __ATOMIC_ACQUIRE);
	const char *f[5] = {actor, action, object, before, after};
	struct arec *r;

	if (q == NULL)
		return -1;
	r = rec_new(audit_now(), f);
	pthread_mutex_lock(&q->mu);
	if (q->exited) {
		pthread_mutex_unlock(&q->mu);
		free(r);
		return -1;
	}
	if (q->n >= q->cap) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += PUT_WAIT_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		while (q->n >= q->cap && !q->exited &&
		       pthread_cond_timedwait(&q->room, &q->mu, &ts) == 0)
			;
	}
	if (q->n >= q->cap) {
		pthread_mutex_unlock(&q->mu);
		if (spill_write(q, r) == 0) {
			free(r);
			return 0;
		}
		/* not even the spill file: keep it in memory past the cap */
		log_error("audit: cannot spill a record to '%s': %s", q->spill,
			  strerror(errno));
		pthread_mutex_lock(&q->mu);
	}
	push(q, r);
	pthread_mutex_unlock(&q->mu);
	return 0;
}

/* The record that says how many failed logins a counter saw. */
static struct arec *
agg_record(const struct agg *a)
{
	char object[256], t1[32], t2[32];
	const char *f[5];

	time_fmt(a->first, t1, sizeof(t1));
	time_fmt(a->last, t2, sizeof(t2));
	if (a->n == 1)
		str_fmt(object, sizeof(object),
			"1 failed login for an unknown name from %s at %s",
			a->source, t1);
	else
		str_fmt(object, sizeof(object),
			"%lld failed logins for unknown names from %s between "
			"%s and %s",
			a->n, a->source, t1, t2);
	f[0] = a->actor;
	f[1] = a->action;
	f[2] = object;
	f[3] = NULL;
	f[4] = NULL;
	return rec_new(a->last, f);
}

/* Queues the counters whose window ended (all with force); holds mu. */
static void
agg_due(struct auditq *q, time_t now, int force)
{
	for (size_t i = 0; i < q->naggs;) {
		struct agg *a = &q->aggs[i];

		if (!force && now < a->first + q->window) {
			i++;
			continue;
		}
		push(q, agg_record(a));
		q->aggs[i] = q->aggs[--q->naggs];
	}
}

int
auditq_count(const char *actor, const char *action, const char *source)
{
	struct auditq *q = __atomic_load_n(&running, __ATOMIC_ACQUIRE);
	time_t now = audit_now();
	struct agg *a = NULL;

	if (q == NULL)
		return -1;
	pthread_mutex_lock(&q->mu);
	if (q->exited) {
		pthread_mutex_unlock(&q->mu);
		return -1;
	}
	for (size_t i = 0; i < q->naggs; i++) {
		struct agg *x = &q->aggs[i];

		if (now < x->first + q->window && !strcmp(x->source, source) &&
		    !strcmp(x->action, action) && !strcmp(x->actor, actor)) {
			a = x;
			break;
		}
	}
	if (a == NULL) {
		if (q->naggs == AGG_MAX) {
			/* no room to count: the oldest counter is written */
			size_t old = 0;

			for (size_t i = 1; i < q->naggs; i++)
				if (q->aggs[i].first < q->aggs[old].first)
					old = i;
			push(q, agg_record(&q->aggs[old]));
			q->aggs[old] = q->aggs[--q->naggs];
		}
		a = &q->aggs[q->naggs++];
		memset(a, 0, sizeof(*a));
		str_copy(a->actor, actor, sizeof(a->actor));
		str_copy(a->action, action, sizeof(a->action));
		str_copy(a->source, source, sizeof(a->source));
		a->first = now;
	}
	a->n++;
	a->last = now;
	pthread_mutex_unlock(&q->mu);
	return 0;
}

long long
auditq_pending(void)
{
	struct auditq *q = __atomic_load_n(&running, __ATOMIC_ACQUIRE);
	long long n;

	if (q == NULL)
		return 0;
	pthread_mutex_lock(&q->mu);
	n = (long long)(q->n + q->inflight + q->naggs);
	pthread_mutex_unlock(&q->mu);
	return n;
}

/* Writes the records in one transaction; 0, or -1 with e set. */
static int
try_write(struct auditq *q, const struct arec *list, struct err *e)
{
	if (store_begin(q->st, e) < 0)
		return -1;
	for (const struct arec *r = list; r != NULL; r = r->next)
		if (audit_append_at(q->st, r->at, r->f[0], r->f[1], r->f[2],
				    r->f[3], r->f[4], e) < 0) {
			store_rollback(q->st);
			return -1;
		}
	return store_commit(q->st, e);
}

static int
is_stopping(struct auditq *q)
{
	int s;

	pthread_mutex_lock(&q->mu);
	s = q->stopping;
	pthread_mutex_unlock(&q->mu);
	return s;
}

/*
 * Writes list (freed), retrying once a second while it fails; when
 * stopping and it still fails, spills it for the next start.
 */
static void
write_batch(struct auditq *q, struct arec *list, size_t n)
{
	struct err e;

	for (int attempt = 1;; attempt++) {
		if (try_write(q, list, &e) == 0)
			break;
		log_error("audit: cannot write %zu records (attempt %d, "
			  "retrying): %s",
			  n, attempt, e.msg);
		if (is_stopping(q) && attempt >= 2) {
			size_t lost = 0;

			for (struct arec *r = list; r != NULL; r = r->next)
				if (spill_write(q, r) < 0) {
					log_error("audit: record not written "
						  "nor spilled: %s %s %s",
						  r->f[0], r->f[1], r->f[2]);
					lost++;
				}
			log_error("audit: %zu records spilled to '%s' for the "
				  "next start",
				  n - lost, q->spill);
			pthread_mutex_lock(&q->mu);
			q->gave_up = 1;
			pthread_mutex_unlock(&q->mu);
			break;
		}
		sleep(1);
	}
	recs_free(list);
}

/* A record from a spill file line, or NULL if it is not one. */
static struct arec *
rec_parse(const char *line)
{
	json_t *o = json_loads(line, 0, NULL), *at;
	const char *f[5];
	struct arec *r = NULL;

	if (!json_is_object(o))
		goto out;
	at = json_object_get(o, "at");
	if (!json_is_integer(at))
		goto out;
	for (int i = 0; i < 5; i++) {
		json_t *v = json_object_get(o, names[i]);

		if (v != NULL && !json_is_string(v) && !json_is_null(v))
			goto out;
		f[i] = json_string_value(v);
	}
	if (f[0] == NULL || f[1] == NULL || f[2] == NULL)
		goto out;
	r = rec_new((time_t)json_integer_value(at), f);
out:
	json_decref(o);
	return r;
}

/* Stops replaying for this run: the file stays for the operator. */
static void
give_up(struct auditq *q, const char *what, const char *why)
{
	log_error("audit: cannot %s '%s': %s; spilled records are not "
		  "replayed until govsecd restarts",
		  what, q->replay, why);
	pthread_mutex_lock(&q->mu);
	q->gave_up = 1;
	pthread_mutex_unlock(&q->mu);
}

/* Writes what earlier spills left (this run's or a previous one's). */
static void
replay(struct auditq *q)
{
	struct arec *list = NULL, *tail = NULL;
	size_t n = 0;
	char *line;
	FILE *f;

	/* an older file being replayed goes first; the spill file waits
	 * (still marked) for the next turn */
	pthread_mutex_lock(&q->spill_mu);
	if (access(q->replay, F_OK) < 0) {
		if (rename(q->spill, q->replay) < 0 && errno != ENOENT)
			log_error("audit: cannot move '%s' aside: %s", q->spill,
				  strerror(errno));
		q->spilled = 0;
	}
	pthread_mutex_unlock(&q->spill_mu);
	f = fopen(q->replay, "re");
	if (f == NULL) {
		if (errno != ENOENT)
			give_up(q, "read", strerror(errno));
		return;
	}
	line = xmalloc(LINE_MAX_SPILL);
	while (fgets(line, LINE_MAX_SPILL, f) != NULL) {
		struct arec *r = rec_parse(line);

		if (r == NULL) {
			log_error("audit: '%s' holds a line that is not a "
				  "record; left in the log: %.300s",
				  q->replay, line);
			continue;
		}
		if (tail != NULL)
			tail->next = r;
		else
			list = r;
		tail = r;
		if (++n == BATCH_MAX) {
			write_batch(q, list, n);
			list = tail = NULL;
			n = 0;
		}
	}
	if (n > 0)
		write_batch(q, list, n);
	fclose(f);
	free(line);
	if (unlink(q->replay) < 0) {
		/* written again next time would be written twice */
		give_up(q, "remove", strerror(errno));
		return;
	}
	log_info("audit: spilled records written from '%s'", q->replay);
}

/* Whether a spill file waits to be written. */
static int
spill_pending(struct auditq *q)
{
	int s;

	pthread_mutex_lock(&q->spill_mu);
	s = q->spilled || access(q->replay, F_OK) == 0;
	pthread_mutex_unlock(&q->spill_mu);
	return s;
}

static void *
writer(void *arg)
{
	struct auditq *q = arg;
	int head_failing = 0; /* logged once until it works again */
	struct err e;

	pthread_mutex_lock(&q->mu);
	for (;;) {
		struct arec *list, *last = NULL;
		size_t n = 0;
		int stop, spilled, done;

		if (q->head == NULL && !q->stopping) {
			struct timespec ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += 1;
			pthread_cond_timedwait(&q->more, &q->mu, &ts);
		}
		stop = q->stopping;
		agg_due(q, audit_now(), stop);
		list = q->head;
		for (struct arec *r = list; r != NULL && n < BATCH_MAX;
		     r = r->next) {
			last = r;
			n++;
		}
		if (last != NULL) {
			q->head = last->next;
			if (q->head == NULL)
				q->tail = NULL;
			last->next = NULL;
			q->n -= n;
		}
		q->inflight = n;
		pthread_cond_broadcast(&q->room);
		pthread_mutex_unlock(&q->mu);
		if (n > 0)
			write_batch(q, list, n);
		spilled = spill_pending(q);
		pthread_mutex_lock(&q->mu);
		q->inflight = 0;
		if (spilled && q->n <= q->cap / 2 && !q->gave_up) {
			pthread_mutex_unlock(&q->mu);
			replay(q);
			spilled = spill_pending(q);
			pthread_mutex_lock(&q->mu);
		}
		/* a spill the store refused at the stop waits for the next
		 * start; any other is written first */
		done = stop && q->head == NULL && q->naggs == 0 &&
		       (!spilled || q->gave_up);
		pthread_mutex_unlock(&q->mu);
		/* after every batch, also under a steady load; outside any
		 * transaction: heads name committed records only */
		if (audit_checkpoint(q->st, done, &e) < 0) {
			if (!head_failing)
				log_error("audit: head: %s", e.msg);
			head_failing = 1;
		} else
			head_failing = 0;
		pthread_mutex_lock(&q->mu);
		if (done && q->head == NULL && q->naggs == 0) {
			q->exited = 1;
			break;
		}
	}
	pthread_cond_broadcast(&q->room);
	pthread_mutex_unlock(&q->mu);
	return NULL;
}

struct auditq *
auditq_start(const char *store_path, const char *spill, size_t cap, int window,
	     struct err *e)
{
	struct auditq *q;
	const char *path = store_path;

	if (__atomic_load_n(&running, __ATOMIC_ACQUIRE) != NULL) {
		err_set(e, "an audit writer runs already");
		return NULL;
	}
	q = xcalloc(1, sizeof(*q));
	if (str_starts(path, "sqlite:"))
		path += 7;
	if ((spill != NULL
		 ? str_copy(q->spill, spill, sizeof(q->spill))
		 : str_fmt(q->spill, sizeof(q->spill), "%s.spill", path)) < 0 ||
	    str_fmt(q->replay, sizeof(q->replay), "%s.old", q->spill) < 0) {
		err_set(e, "the audit spill path is too long");
		free(q);
		return NULL;
	}
	q->cap = cap > 0 ? cap : 1;
	q->window = window > 0 ? window : 60;
	q->aggs = xcalloc(AGG_MAX, sizeof(*q->aggs));
	q->st = store_open(store_path, e);
	if (q->st == NULL) {
		free(q->aggs);
		free(q);
		return NULL;
	}
	q->spilled = access(q->spill, F_OK) == 0;
	pthread_mutex_init(&q->mu, NULL);
	pthread_mutex_init(&q->spill_mu, NULL);
	pthread_cond_init(&q->more, NULL);
	pthread_cond_init(&q->room, NULL);
	if (pthread_create(&q->th, NULL, writer, q) != 0) {
		err_set(e, "cannot start the audit writer");
		auditq_stop(q);
		return NULL;
	}
	q->started = 1;
	__atomic_store_n(&running, q, __ATOMIC_RELEASE);
	return q;
}

void
auditq_stop(struct auditq *q)
{
	if (q == NULL)
		return;
	pthread_mutex_lock(&q->mu);
	q->stopping = 1;
	pthread_cond_signal(&q->more);
	pthread_mutex_unlock(&q->mu);
	if (q->started)
		pthread_join(q->th, NULL);
	__atomic_store_n(&running, NULL, __ATOMIC_RELEASE);
	recs_free(q->head);
	store_free(q->st);
	free(q->aggs);
	pthread_mutex_destroy(&q->mu);
	pthread_mutex_destroy(&q->spill_mu);
	pthread_cond_destroy(&q->more);
	pthread_cond_destroy(&q->room);
	free(q);
}
