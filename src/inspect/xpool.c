/*
 * xpool.c: parser threads for the crawler, so that HTML parsing (extract.c)
 * overlaps with the transfers. Each page's extractor is bound to
 * one thread from its first byte to its end: the crawl thread queues the
 * page's bytes in arrival order (copies, at most XPOOL_QUEUED bytes
 * queued in all), that thread feeds them to extract_feed, holding the
 * latest chunk back so that the last one goes with the end (extract_end),
 * finishes the page and hands it back, waking the crawl thread. The bytes
 * are untrusted; extract.c bounds what a page can make it keep.
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "inspect/inspect.h"

#define XPOOL_THREADS 8
#define XPOOL_ITEM    (16u << 10) /* a chunk's room in a reused item */
#define XPOOL_SPARE   96	  /* reused items kept: 1.5 MiB */

/* One queued chunk of a page, the end of a page, or a page to free. */
struct xitem {
	struct xitem *next;
	struct xtask *task;
	int end;
	struct extract *release;
	size_t n;
	size_t cap; /* XPOOL_ITEM: reused, else 0 */
	char data[];
};

struct xtask {
	struct extract *x;
	void *tag;
	struct xworker *w;
	struct xitem *held; /* the latest chunk, not fed yet (its thread's) */
	int ended;	    /* its end is queued (crawl thread only) */
	int dropped;	    /* not wanted any more (under the lock) */
	int done;	    /* finished, in the done list (under the lock) */
	struct xtask *next, *prev; /* in the done list */
};

struct xworker {
	struct xpool *p;
	pthread_t th;
	pthread_cond_t work; /* items queued, or stopping */
	struct xitem *head, *tail;
	long tasks; /* bound to this thread and not yet ended */
};

struct xpool {
	pthread_mutex_t lock;
	pthread_cond_t room; /* queued bytes went down */
	struct xworker w[XPOOL_THREADS];
	int nw;
	size_t queued;
	struct xitem *spare; /* items to reuse (chunks of libcurl's size):
			      * no malloc, free and fresh pages a chunk */
	int nspare;
	struct xtask *done, *done_tail;
	int stopping;
	void (*wake)(void *arg);
	void *wake_arg;
};

/* Keeps it (may be NULL) for reuse, or frees it. Called with the lock. */
static void
item_put(struct xpool *p, struct xitem *it)
{
	if (it == NULL)
		return;
	if (it->cap == XPOOL_ITEM && p->nspare < XPOOL_SPARE) {
		it->next = p->spare;
		p->spare = it;
		p->nspare++;
		return;
	}
	free(it);
}

static void
task_free(struct xtask *t)
{
	extract_free(t->x);
	free(t->held);
	free(t);
}

static void *
worker_main(void *arg)
{
	struct xworker *w = arg;
	struct xpool *p = w->p;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		struct xitem *it, *old;
		struct xtask *t;
		int skip, wake = 0;

		while (w->head == NULL && !p->stopping)
			pthread_cond_wait(&w->work, &p->lock);
		if (w->head == NULL)
			break;
		it = w->head;
		w->head = it->next;
		if (w->head == NULL)
			w->tail = NULL;
		if (it->release != NULL) {
			/* freed where its parse allocated */
			pthread_mutex_unlock(&p->lock);
			extract_free(it->release);
			free(it);
			pthread_mutex_lock(&p->lock);
			continue;
		}
		t = it->task;
		skip = t->dropped || p->stopping;
		/* out of the queue: a held chunk is bounded by the pages */
		p->queued -= it->n;
		pthread_cond_signal(&p->room);
		pthread_mutex_unlock(&p->lock);

		old = NULL;
		if (!it->end && !skip) {
			if (t->held != NULL)
				extract_feed(t->x, t->held->data, t->held->n);
			old = t->held;
			t->held = it; /* the last one, unless more come */
			it = NULL;
		} else if (it->end && !skip) {
			if (t->held != NULL)
				(void)extract_end(t->x, t->held->data,
						  t->held->n);
			else
				(void)extract_finish(t->x);
			old = t->held;
			t->held = NULL;
		}

		pthread_mutex_lock(&p->lock);
		item_put(p, old);
		if (it != NULL && it->end) {
			w->tasks--;
			if (t->dropped || p->stopping) {
				pthread_mutex_unlock(&p->lock);
				task_free(t);
				pthread_mutex_lock(&p->lock);
			} else {
				t->done = 1;
				t->next = NULL;
				t->prev = p->done_tail;
				if (p->done_tail != NULL)
					p->done_tail->next = t;
				else
					p->done = t;
				wake = p->done == t; /* the list was empty */
				p->done_tail = t;
			}
		}
		item_put(p, it);
		if (wake && p->wake != NULL) {
			pthread_mutex_unlock(&p->lock);
			p->wake(p->wake_arg);
			pthread_mutex_lock(&p->lock);
		}
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

int
xpool_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN) - 1;

	if (n < 1)
		n = 1;
	if (n > XPOOL_THREADS)
		n = XPOOL_THREADS;
	return (int)n;
}

struct xpool *
xpool_new(int n, void (*wake)(void *arg), void *arg, struct err *e)
{
	struct xpool *p;
	sigset_t all, old;
	int rc = 0;

	if (n < 1)
		n = 1;
	if (n > XPOOL_THREADS)
		n = XPOOL_THREADS;
	p = xcalloc(1, sizeof(*p));
	p->wake = wake;
	p->wake_arg = arg;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->room, NULL);
	/* signals stay with the threads that wait for them */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (p->nw = 0; p->nw < n; p->nw++) {
		struct xworker *w = &p->w[p->nw];

		w->p = p;
		pthread_cond_init(&w->work, NULL);
		rc = pthread_create(&w->th, NULL, worker_main, w);
		if (rc != 0) {
			pthread_cond_destroy(&w->work);
			break;
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (p->nw == 0) {
		err_set(e, "cannot start a parser thread: %s", strerror(rc));
		pthread_cond_destroy(&p->room);
		pthread_mutex_destroy(&p->lock);
		free(p);
		return NULL;
	}
	return p;
}

void
xpool_free(struct xpool *p)
{
	struct xtask *t;

	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	p->stopping = 1;
	for (int i = 0; i < p->nw; i++)
		pthread_cond_signal(&p->w[i].work);
	pthread_mutex_unlock(&p->lock);
	for (int i = 0; i < p->nw; i++) {
		pthread_join(p->w[i].th, NULL);
		pthread_cond_destroy(&p->w[i].work);
	}
	while ((t = p->done) != NULL) {
		p->done = t->next;
		task_free(t);
	}
	while (p->spare != NULL) {
		struct xitem *it = p->spare;

		p->spare = it->next;
		free(it);
	}
	pthread_cond_destroy(&p->room);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

/* Wakes the threads that have work. Called with the lock. */
static void
kick(struct xpool *p)
{
	for (int i = 0; i < p->nw; i++)
		if (p->w[i].head != NULL)
			pthread_cond_signal(&p->w[i].work);
}

/* Queues it on w, for the next kick; waits while too much is queued (the
 * threads always get through what is queued, so the wait ends). Called
 * with the lock. */
static void
enqueue(struct xpool *p, struct xworker *w, struct xitem *it)
{
	while (p->queued > 0 && p->queued + it->n > XPOOL_QUEUED) {
		kick(p);
		pthread_cond_wait(&p->room, &p->lock);
	}
	p->queued += it->n;
	it->next = NULL;
	if (w->tail != NULL)
		w->tail->next = it;
	else
		w->head = it;
	w->tail = it;
}

void
xpool_kick(struct xpool *p)
{
	pthread_mutex_lock(&p->lock);
	kick(p);
	pthread_mutex_unlock(&p->lock);
}

struct xtask *
xpool_start(struct xpool *p, struct extract *x, void *tag)
{
	struct xtask *t = xcalloc(1, sizeof(*t));
	struct xworker *w = &p->w[0];

	t->x = x;
	t->tag = tag;
	pthread_mutex_lock(&p->lock);
	for (int i = 1; i < p->nw; i++)
		if (p->w[i].tasks < w->tasks)
			w = &p->w[i];
	w->tasks++;
	t->w = w;
	pthread_mutex_unlock(&p->lock);
	return t;
}

void
xpool_feed(struct xpool *p, struct xtask *t, const char *data, size_t n)
{
	struct xitem *it;

	if (n == 0 || t->ended)
		return;
	pthread_mutex_lock(&p->lock);
	if (n <= XPOOL_ITEM && (it = p->spare) != NULL) {
		p->spare = it->next;
		p->nspare--;
	} else {
		it = xmalloc(sizeof(*it) + (n <= XPOOL_ITEM ? XPOOL_ITEM : n));
		it->cap = n <= XPOOL_ITEM ? XPOOL_ITEM : 0;
	}
	it->task = t;
	it->end = 0;
	it->release = NULL;
	it->n = n;
	memcpy(it->data, data, n);
	enqueue(p, t->w, it);
	pthread_mutex_unlock(&p->lock);
}

static void
end_task(struct xpool *p, struct xtask *t)
{
	struct xitem *it = xcalloc(1, sizeof(*it));

	it->task = t;
	it->end = 1;
	t->ended = 1;
	enqueue(p, t->w, it);
}

void
xpool_finish(struct xpool *p, struct xtask *t)
{
	if (t->ended)
		return;
	pthread_mutex_lock(&p->lock);
	end_task(p, t);
	pthread_mutex_unlock(&p->lock);
}

void
xpool_drop(struct xpool *p, struct xtask *t)
{
	if (t == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	if (t->done) {
		/* finished, not collected: nobody else holds it */
		if (t->prev != NULL)
			t->prev->next = t->next;
		else
			p->done = t->next;
		if (t->next != NULL)
			t->next->prev = t->prev;
		else
			p->done_tail = t->prev;
		pthread_mutex_unlock(&p->lock);
		task_free(t);
		return;
	}
	/* its thread frees it at its end */
	t->dropped = 1;
	if (!t->ended)
		end_task(p, t);
	pthread_mutex_unlock(&p->lock);
}

void
xpool_release(struct xpool *p, struct extract *x)
{
	struct xitem *it;
	struct xworker *w = &p->w[0];

	if (x == NULL)
		return;
	it = xcalloc(1, sizeof(*it));
	it->release = x;
	pthread_mutex_lock(&p->lock);
	for (int i = 1; i < p->nw; i++)
		if (p->w[i].tasks < w->tasks)
			w = &p->w[i];
	enqueue(p, w, it);
	pthread_mutex_unlock(&p->lock);
}

struct extract *
xpool_collect(struct xpool *p, void **tag)
{
	struct xtask *t;
	struct extract *x;

	pthread_mutex_lock(&p->lock);
	t = p->done;
	if (t != NULL) {
		p->done = t->next;
		if (p->done != NULL)
			p->done->prev = NULL;
		else
			p->done_tail = NULL;
	}
	pthread_mutex_unlock(&p->lock);
	if (t == NULL)
		return NULL;
	x = t->x;
	*tag = t->tag;
	free(t);
	return x;
}
