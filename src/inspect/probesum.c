/*
 * probesum.c: the availability probes of each application kept beside
 * probe_results in one row of table probe_sums, so that `govsec check`
 * reads one row per application instead of every probe of the week
 * (GOVWEB-1). A row holds every probe of the application whose time is
 * not before its 'since' (the newest probe's time less PROBE_SUM_DAYS
 * days; it never goes back), as lines "<ok><at>\n" (ok '1' up, '0' down;
 * at as stored). probe_save adds each probe in its transaction;
 * probe_sums_build makes them all again from probe_results (probes
 * written by something else than govsec) and marks them complete
 * (removes the setting PROBE_SUMS_INCOMPLETE, which migration 34 wrote
 * into a store whose probes were not all summed up), which a check needs
 * before it uses them.
 */
#include <stdlib.h>
#include <string.h>

#include "inspect/inspect.h"

/* The setting (table settings) present while the rows lack probes; its
 * name is also in migration 34 (src/store/schema.c). */
#define PROBE_SUMS_INCOMPLETE "probe_sums.incomplete"

/* A row's lower bound for its newest probe at: that time less
 * PROBE_SUM_DAYS days, or "" (keep everything) if at is no time. */
static void
since_of(const char *at, char *out, size_t n)
{
	time_t t;

	if (time_parse(at, &t) < 0)
		str_copy(out, "", n);
	else
		time_fmt(t - PROBE_SUM_DAYS * 86400L, out, n);
}

/* Appends the probes of text not before since to b. */
static int
keep_from(struct buf *b, const char *text, const char *since)
{
	const char *p = text, *nl;

	while (p != NULL && *p != '\0' && (nl = strchr(p, '\n')) != NULL) {
		size_t n = (size_t)(nl - p);
		/* p[1..n) is the time; compared as the raw rows' text */
		size_t sl = strlen(since);
		int c =
		    n == 0 ? -1 : memcmp(p + 1, since, n - 1 < sl ? n - 1 : sl);

		if (c > 0 || (c == 0 && n - 1 >= sl))
			if (buf_add(b, p, n + 1) < 0)
				return -1;
		p = nl + 1;
	}
	return 0;
}

struct sum_row {
	char *since, *probes;
	int found;
};

static int
sum_row(void *arg, struct store_row *r)
{
	struct sum_row *s = arg;

	s->found = 1;
	s->since = xstrdup(store_row_text(r, 0) ? store_row_text(r, 0) : "");
	s->probes = xstrdup(store_row_text(r, 1) ? store_row_text(r, 1) : "");
	return 1;
}

int
probe_sum_add(struct store *st, const char *app, const char *at, int ok,
	      struct err *e)
{
	struct sum_row s = {NULL, NULL, 0};
	struct buf b = BUF_INIT(64 << 20);
	char since[32], lock[300];
	struct store_val v[3];
	int rc = -1;

	if (app == NULL || *app == '\0') /* no portal: check never reads it */
		return 0;
	/* another govsecd may probe the same application right now */
	if (str_fmt(lock, sizeof(lock), "govsec.probe_sums.%s", app) < 0)
		str_copy(lock, "govsec.probe_sums", sizeof(lock));
	if (store_lock(st, lock, e) < 0)
		return -1;
	v[0] = SV_TEXT(app);
	if (store_query(st,
			"SELECT since, probes FROM probe_sums WHERE app = ?", v,
			1, sum_row, &s, e) < 0)
		goto out;
	since_of(at, since, sizeof(since));
	if (s.found && strcmp(s.since, since) > 0)
		str_copy(since, s.since, sizeof(since)); /* never back */
	if (strchr(at, '\n') != NULL || (s.found && *s.since == '~')) {
		/* a time the lines cannot hold: the row is not usable
		 * until probe_sums_build; check reads probe_results */
		str_copy(since, "~", sizeof(since));
	} else if ((s.found && keep_from(&b, s.probes, since) < 0) ||
		   (strcmp(at, since) >= 0 &&
		    (buf_addch(&b, ok ? '1' : '0') < 0 ||
		     buf_addstr(&b, at) < 0 || buf_addch(&b, '\n') < 0))) {
		err_set(e, "the probes of '%s' do not fit their summary", app);
		goto out;
	}
	v[1] = SV_TEXT(since);
	v[2] = SV_TEXT(b.data ? b.data : "");
	rc = store_exec(st,
			"INSERT INTO probe_sums (app, since, probes) VALUES "
			"(?, ?, ?) ON CONFLICT (app) DO UPDATE SET since = "
			"excluded.since, probes = excluded.probes",
			v, 3, e);
out:
	free(s.since);
	free(s.probes);
	buf_cleanup(&b);
	return rc;
}

/* probe_sums_build: the probes of one application at a time, in order. */
struct building {
	struct store *st;
	char *app;
	struct buf probes; /* all of app's lines */
	char newest[64];
	int bad; /* a time with a line break */
	struct err *e;
	int failed;
	long long rows;
};

static int
build_flush(struct building *bd)
{
	struct buf kept = BUF_INIT(64 << 20);
	char since[32];
	struct store_val v[3];
	int rc;

	if (bd->app == NULL)
		return 0;
	if (bd->bad)
		str_copy(since, "~", sizeof(since));
	else
		since_of(bd->newest, since, sizeof(since));
	if (!bd->bad && keep_from(&kept, bd->probes.data ? bd->probes.data : "",
				  since) < 0) {
		buf_cleanup(&kept);
		err_set(bd->e, "the probes of '%s' do not fit their summary",
			bd->app);
		return -1;
	}
	v[0] = SV_TEXT(bd->app);
	v[1] = SV_TEXT(since);
	v[2] = SV_TEXT(kept.data ? kept.data : "");
	rc = store_exec(bd->st,
			"INSERT INTO probe_sums (app, since, probes) VALUES "
			"(?, ?, ?)",
			v, 3, bd->e);
	buf_cleanup(&kept);
	free(bd->app);
	bd->app = NULL;
	buf_reset(&bd->probes);
	bd->newest[0] = '\0';
	bd->bad = 0;
	bd->rows++;
	return rc;
}

struct raw_probe {
	char *app, *at;
	int ok;
};

struct raw_list {
	struct raw_probe *p;
	size_t n, cap;
	struct arena a;
};

static int
raw_row(void *arg, struct store_row *r)
{
	struct raw_list *l = arg;
	const char *app = store_row_text(r, 0), *at = store_row_text(r, 1);

	if (app == NULL || at == NULL || *app == '\0')
		return 0;
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 4096;
		l->p = xrealloc(l->p, l->cap * sizeof(*l->p));
	}
	/* consecutive rows of one application share its name */
	l->p[l->n].app = l->n > 0 && strcmp(l->p[l->n - 1].app, app) == 0
			     ? l->p[l->n - 1].app
			     : arena_strdup(&l->a, app);
	l->p[l->n].at = arena_strdup(&l->a, at);
	l->p[l->n].ok = store_row_int(r, 2) != 0;
	l->n++;
	return 0;
}

int
probe_sums_build(struct store *st, long long *napps, struct err *e)
{
	struct raw_list l;
	struct building bd;
	int rc = -1;

	memset(&l, 0, sizeof(l));
	memset(&bd, 0, sizeof(bd));
	arena_init(&l.a);
	buf_init(&bd.probes, 1LL << 30);
	bd.st = st;
	bd.e = e;
	/* read first, then write: one statement at a time on either
	 * backend */
	if (store_query(st,
			"SELECT app, at, ok FROM probe_results WHERE app IS "
			"NOT NULL ORDER BY app",
			NULL, 0, raw_row, &l, e) < 0 ||
	    store_exec(st, "DELETE FROM probe_sums", NULL, 0, e) < 0)
		goto out;
	for (size_t i = 0; i < l.n; i++) {
		const struct raw_probe *p = &l.p[i];

		if (bd.app != NULL && strcmp(bd.app, p->app) != 0 &&
		    build_flush(&bd) < 0)
			goto out;
		if (bd.app == NULL)
			bd.app = xstrdup(p->app);
		if (strchr(p->at, '\n') != NULL)
			bd.bad = 1;
		if (strcmp(p->at, bd.newest) > 0)
			str_copy(bd.newest, p->at, sizeof(bd.newest));
		if (buf_addch(&bd.probes, p->ok ? '1' : '0') < 0 ||
		    buf_addstr(&bd.probes, p->at) < 0 ||
		    buf_addch(&bd.probes, '\n') < 0) {
			err_set(e,
				"the probes of '%s' do not fit their "
				"summary",
				p->app);
			goto out;
		}
	}
	if (build_flush(&bd) < 0 ||
	    store_exec(st, "DELETE FROM settings WHERE key = ?",
		       (struct store_val[]){SV_TEXT(PROBE_SUMS_INCOMPLETE)}, 1,
		       e) < 0)
		goto out;
	if (napps != NULL)
		*napps = bd.rows;
	rc = 0;
out:
	free(bd.app);
	buf_cleanup(&bd.probes);
	free(l.p);
	arena_cleanup(&l.a);
	return rc;
}

const char *
probe_sum_next(const char **p, int *ok, size_t *len)
{
	const char *s = *p, *nl;

	if (s == NULL || *s == '\0' || (nl = strchr(s, '\n')) == NULL ||
	    nl == s)
		return NULL;
	*ok = *s == '1';
	*len = (size_t)(nl - s - 1);
	*p = nl + 1;
	return s + 1;
}

int
probe_sums_complete(struct store *st)
{
	struct store_val v[1] = {SV_TEXT(PROBE_SUMS_INCOMPLETE)};

	/* a failed query (-1) reads as incomplete: check reads the rows */
	return store_query_int(st,
			       "SELECT count(*) FROM settings WHERE key = ?", v,
			       1, -1) == 0;
}
