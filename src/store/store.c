/*
 * store.c: the backend-independent store: opening by URI, transactions,
 * migrations and convenience queries. Trusts callers to pass valid SQL.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store_impl.h"

struct store {
	const struct store_ops *ops;
	void *h;
	int depth;   /* nested store_begin calls; only the outermost is real */
	int aborted; /* an inner step rolled back: the outer ones must fail */
	/* store_fence: the job whose work this connection writes, or NULL */
	struct store_job *fence;
	long long fence_due;
	int refused;	       /* write transactions the fence refused */
	int refused_last;      /* the last begin was refused: no retry */
	int fenced_tx;	       /* the transaction under way passed it */
	int wrapped;	       /* the last write ran in a fenced transaction */
	long long wrapped_chg; /* its rows changed */
};

struct store *
store_open(const char *uri, struct err *e)
{
	const struct store_ops *ops = &store_sqlite_ops;
	struct store *st;
	const char *target = uri;

	if (uri == NULL || *uri == '\0') {
		err_set(e, "no database path given");
		return NULL;
	}
	if (str_starts(uri, "sqlite:"))
		target = uri + 7;
	else if (str_starts(uri, "postgresql:") || str_starts(uri, "postgres:"))
		ops = &store_pg_ops; /* the backend reads the whole URI */
	st = xcalloc(1, sizeof(*st));
	st->ops = ops;
	st->h = ops->open(target, e);
	if (st->h == NULL) {
		free(st);
		return NULL;
	}
	return st;
}

void
store_free(struct store *st)
{
	if (st == NULL)
		return;
	st->ops->close(st->h);
	free(st->fence);
	free(st);
}

static int
doomed(struct store *st, struct err *e)
{
	if (!st->aborted)
		return 0;
	err_set(e, "the transaction was rolled back by an earlier error");
	return 1;
}

static int begin(struct store *st, int mode, struct err *e);

/* Inside a transaction on a fenced connection: that the job is still
 * this instance's (store_job_fence), once a transaction. 0, or -1 with e
 * set (refused: counted). */
static int
fence_check(struct store *st, struct err *e)
{
	int rc = 0;

	st->fenced_tx = 1; /* the check's own UPDATE is not checked */
	/* a job taken over stays so: refused at once (and logged once) */
	if (st->refused == 0)
		rc = store_job_fence(st, st->fence, st->fence_due, e);
	if (rc > 0)
		return 0;
	st->fenced_tx = 0;
	if (rc == 0) {
		st->refused++;
		st->refused_last = 1;
		err_set(e,
			"%s '%s' was taken over by another instance: nothing "
			"stored",
			st->fence->kind, st->fence->name);
	}
	return -1;
}

/* A write outside a transaction on a fenced connection: in a fenced
 * one. */
static int
fenced_write(struct store *st, const char *sql, const struct store_val *v,
	     int nv, store_row_fn fn, void *arg, struct err *e)
{
	long long chg;
	int rc;

	if (begin(st, 1, e) < 0)
		return -1;
	rc = st->ops->exec(st->h, sql, v, nv, fn, arg, e);
	chg = rc == 0 ? st->ops->changes(st->h) : 0;
	if (rc < 0) {
		store_rollback(st);
		return -1;
	}
	if (store_commit(st, e) < 0)
		return -1;
	st->wrapped = 1;
	st->wrapped_chg = chg;
	return 0;
}

int
store_exec(struct store *st, const char *sql, const struct store_val *v, int nv,
	   struct err *e)
{
	if (doomed(st, e))
		return -1;
	st->wrapped = 0;
	if (st->fence != NULL && st->depth == 0)
		return fenced_write(st, sql, v, nv, NULL, NULL, e);
	/* a write in a read transaction */
	if (st->fence != NULL && !st->fenced_tx && fence_check(st, e) < 0)
		return -1;
	return st->ops->exec(st->h, sql, v, nv, NULL, NULL, e);
}

/* Reads stay allowed after an inner rollback: there is nothing to spoil. */
int
store_query(struct store *st, const char *sql, const struct store_val *v,
	    int nv, store_row_fn fn, void *arg, struct err *e)
{
	return st->ops->exec(st->h, sql, v, nv, fn, arg, e);
}

long long
store_changes(struct store *st)
{
	return st->wrapped ? st->wrapped_chg : st->ops->changes(st->h);
}

static int
begin(struct store *st, int mode, struct err *e)
{
	if (st->depth++ > 0)
		return 0;
	st->refused_last = 0;
	if (st->ops->exec(st->h, st->ops->begin_sql(mode), NULL, 0, NULL, NULL,
			  e) < 0) {
		st->depth = 0;
		return -1;
	}
	st->fenced_tx = 0;
	/* first of all, that the job is still this instance's */
	if (mode == 0 || st->fence == NULL || fence_check(st, e) == 0)
		return 0;
	st->ops->exec(st->h, "ROLLBACK", NULL, 0, NULL, NULL, NULL);
	st->depth = 0;
	return -1;
}

void
store_fence(struct store *st, const struct store_job *j, long long due)
{
	free(st->fence);
	st->fence = NULL;
	st->fence_due = 0;
	st->refused = 0;
	if (j == NULL)
		return;
	st->fence = xmalloc(sizeof(*st->fence));
	*st->fence = *j;
	st->fence_due = due;
}

int
store_fence_refused(const struct store *st)
{
	return st->refused;
}

int
store_begin(struct store *st, struct err *e)
{
	return begin(st, 1, e);
}

int
store_begin_read(struct store *st, struct err *e)
{
	return begin(st, 0, e);
}

int
store_begin_read_twin(struct store *st, struct store **twin, struct err *e)
{
	void *h;

	*twin = NULL;
	if (st->depth > 0 || st->ops->read_twin == NULL ||
	    (h = st->ops->read_twin(st->h)) == NULL)
		return store_begin_read(st, e);
	st->depth = 1;
	*twin = xcalloc(1, sizeof(**twin));
	(*twin)->ops = st->ops;
	(*twin)->h = h;
	(*twin)->depth = 1;
	return 0;
}

int
store_begin_serializable(struct store *st, struct err *e)
{
	return begin(st, 2, e);
}

int
store_lock(struct store *st, const char *name, struct err *e)
{
	if (doomed(st, e))
		return -1;
	if (st->depth == 0) {
		err_set(e, "lock '%s' taken outside a transaction", name);
		return -1;
	}
	return st->ops->lock != NULL ? st->ops->lock(st->h, name, e) : 0;
}

int
store_retry(struct store *st)
{
	/* a job taken over stays taken over */
	return !st->refused_last && st->ops->retryable(st->h);
}

void
store_read_hint(struct store *st, int on)
{
	if (st->ops->read_hint != NULL)
		st->ops->read_hint(st->h, on);
}

const char *
store_backend(const struct store *st)
{
	return st->ops->name;
}

#define STORE_TRIES 50

/* Waits a little, longer each try, with jitter so that the transactions
 * that collided do not collide again in step. */
static void
retry_pause(int tries)
{
	struct timespec ts;
	long us;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	us = 500L * (tries < 10 ? tries + 1 : 10) + ts.tv_nsec / 1000 % 2000;
	ts.tv_sec = 0;
	ts.tv_nsec = us * 1000;
	nanosleep(&ts, NULL);
}

int
store_run(struct store *st, int serial,
	  int (*fn)(struct store *st, void *arg, struct err *e), void *arg,
	  struct err *e)
{
	for (int tries = 0;; tries++) {
		int rc = serial ? store_begin_serializable(st, e)
				: store_begin(st, e);

		if (rc == 0) {
			rc = fn(st, arg, e);
			if (rc == 0)
				rc = store_commit(st, e);
			else
				store_rollback(st);
		}
		/* only the outermost transaction can be run again */
		if (rc == 0 || st->depth > 0 || tries >= STORE_TRIES - 1 ||
		    !store_retry(st))
			return rc;
		if (e != NULL)
			e->msg[0] = '\0';
		retry_pause(tries);
	}
}

long long
store_bulk_failed(struct store *st, char *table, size_t n, struct err *why)
{
	return st->ops->bulk_failed != NULL
		   ? st->ops->bulk_failed(st->h, table, n, why)
		   : -2;
}

int
store_commit(struct store *st, struct err *e)
{
	if (st->depth == 0)
		return 0;
	if (st->aborted) {
		if (--st->depth == 0)
			st->aborted = 0;
		err_set(e, "the transaction was rolled back by an earlier "
			   "error");
		return -1;
	}
	if (--st->depth > 0)
		return 0;
	if (st->ops->exec(st->h, "COMMIT", NULL, 0, NULL, NULL, e) < 0) {
		st->ops->exec(st->h, "ROLLBACK", NULL, 0, NULL, NULL, NULL);
		return -1;
	}
	return 0;
}

/*
 * Rolls back the whole transaction, also from an inner step: the outer
 * steps then fail (exec, query and commit) until the outermost one ends.
 */
void
store_rollback(struct store *st)
{
	if (st->depth == 0)
		return;
	if (!st->aborted)
		st->ops->exec(st->h, "ROLLBACK", NULL, 0, NULL, NULL, NULL);
	st->aborted = --st->depth > 0;
}

struct store_load {
	struct store *st;
	void *bl;  /* the backend's load, or NULL: */
	char *sql; /* the INSERT each row goes through */
	int ncols;
	int failed;
};

int
store_plain_name(const char *s)
{
	if (s == NULL || *s == '\0' || strlen(s) > 63)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
		      *s == '_'))
			return 0;
	return 1;
}

struct store_load *
store_load_begin(struct store *st, const char *table, const char *const *cols,
		 int ncols, struct err *e)
{
	struct store_load *l;

	if (doomed(st, e))
		return NULL;
	if (st->depth == 0) {
		err_set(e, "loading '%s' outside a transaction", table);
		return NULL;
	}
	if (ncols < 1 || !store_plain_name(table)) {
		err_set(e, "loading '%s': not a plain table name", table);
		return NULL;
	}
	for (int i = 0; i < ncols; i++)
		if (!store_plain_name(cols[i])) {
			err_set(e,
				"loading '%s': column '%s' is not a plain name",
				table, cols[i]);
			return NULL;
		}
	l = xcalloc(1, sizeof(*l));
	l->st = st;
	l->ncols = ncols;
	if (st->ops->load_begin != NULL) {
		l->bl = st->ops->load_begin(st->h, table, cols, ncols, e);
		if (l->bl == NULL) {
			free(l);
			return NULL;
		}
	} else {
		struct buf b = BUF_INIT(65536);

		buf_printf(&b, "INSERT INTO %s(", table);
		for (int i = 0; i < ncols; i++)
			buf_printf(&b, "%s%s", i ? ", " : "", cols[i]);
		buf_addstr(&b, ") VALUES (");
		for (int i = 0; i < ncols; i++)
			buf_addstr(&b, i ? ", ?" : "?");
		if (buf_addstr(&b, ")") < 0) {
			buf_cleanup(&b);
			free(l);
			err_set(e, "loading '%s': too many columns", table);
			return NULL;
		}
		l->sql = buf_detach(&b, NULL);
	}
	return l;
}

int
store_load_row(struct store_load *l, const struct store_val *v, struct err *e)
{
	int rc;

	if (l->failed) {
		err_set(e, "the load failed already");
		return -1;
	}
	rc = l->bl != NULL ? l->st->ops->load_row(l->bl, v, e)
			   : store_exec(l->st, l->sql, v, l->ncols, e);
	if (rc < 0)
		l->failed = 1;
	return rc;
}

int
store_load_end(struct store_load *l, struct err *e)
{
	int rc = l->failed ? -1 : 0;

	if (l->bl != NULL && l->st->ops->load_end(l->bl, !l->failed, e) < 0)
		rc = -1;
	free(l->sql);
	free(l);
	return rc;
}

static int
first_int(void *arg, struct store_row *r)
{
	*(long long *)arg = store_row_int(r, 0);
	return 1;
}

long long
store_query_int(struct store *st, const char *sql, const struct store_val *v,
		int nv, long long def)
{
	long long out = def;

	if (store_query(st, sql, v, nv, first_int, &out, NULL) < 0)
		return def;
	return out;
}

int
store_insert(struct store *st, const char *sql, const struct store_val *v,
	     int nv, long long *id, struct err *e)
{
	struct buf b = BUF_INIT(strlen(sql) + 32);
	int rc;

	*id = -1;
	if (doomed(st, e))
		return -1;
	/* SQLite (3.35 and newer) and PostgreSQL both answer RETURNING */
	buf_addstr(&b, sql);
	buf_addstr(&b, " RETURNING id");
	st->wrapped = 0;
	if (st->fence != NULL && st->depth == 0)
		rc = fenced_write(st, b.data, v, nv, first_int, id, e);
	else if (st->fence != NULL && !st->fenced_tx && fence_check(st, e) < 0)
		rc = -1;
	else
		rc = st->ops->exec(st->h, b.data, v, nv, first_int, id, e);
	buf_cleanup(&b);
	if (rc == 0 && *id < 0) {
		err_set(e, "the insert returned no id");
		rc = -1;
	}
	return rc;
}

int
store_notify(struct store *st, const char *channel, struct err *e)
{
	if (st->ops->notify == NULL)
		return 0;
	if (doomed(st, e))
		return -1;
	return st->ops->notify(st->h, channel, e);
}

int
store_listen(struct store *st, const char *channel, struct err *e)
{
	if (st->ops->listen == NULL) {
		err_set(e, "the %s store has no notifications", st->ops->name);
		return -1;
	}
	return st->ops->listen(st->h, channel, e);
}

int
store_wait_notify(struct store *st, int ms, struct err *e)
{
	if (st->ops->wait_notify == NULL) {
		err_set(e, "the %s store has no notifications", st->ops->name);
		return -1;
	}
	return st->ops->wait_notify(st->h, ms, e);
}

int
store_notify_fd(struct store *st)
{
	return st->ops->notify_fd != NULL ? st->ops->notify_fd(st->h) : -1;
}

const char *
store_claim_lock(const struct store *st)
{
	return st->ops->claim_lock != NULL ? st->ops->claim_lock : "";
}

static int
first_text(void *arg, struct store_row *r)
{
	const char *s = store_row_text(r, 0);

	*(char **)arg = s != NULL ? xstrdup(s) : NULL;
	return 1;
}

char *
store_query_text(struct store *st, const char *sql, const struct store_val *v,
		 int nv)
{
	char *out = NULL;

	if (store_query(st, sql, v, nv, first_text, &out, NULL) < 0) {
		free(out);
		return NULL;
	}
	return out;
}

int
store_version(struct store *st)
{
	/* asked first: a failing query would end a PostgreSQL transaction */
	if (!store_has_table(st, "schema_version"))
		return 0;
	return (int)store_query_int(
	    st, "SELECT coalesce(max(version), 0) FROM schema_version", NULL, 0,
	    0);
}

int
store_migrate(struct store *st, struct err *e)
{
	char now[32];
	int have = store_version(st);

	if (have > store_migrations[store_nmigrations - 1].version) {
		err_set(e,
			"database schema version %d is newer than this "
			"govsec (%d)",
			have, store_migrations[store_nmigrations - 1].version);
		return -1;
	}
	if (have == store_migrations[store_nmigrations - 1].version)
		return 0; /* no write lock for a store that is current */
	if (store_begin(st, e) < 0)
		return -1;
	/* another govsecd may be migrating the same database right now:
	 * wait for it, then see what is left */
	if (store_lock(st, "govsec.migrate", e) < 0)
		goto fail;
	have = store_version(st);
	time_fmt(time_now(), now, sizeof(now));
	for (int i = 0; i < store_nmigrations; i++) {
		const struct migration *m = &store_migrations[i];
		struct store_val v[2];

		if (m->version <= have)
			continue;
		if (store_exec(st, m->sql, NULL, 0, e) < 0) {
			err_prefix(e, "migration %d", m->version);
			goto fail;
		}
		v[0] = SV_INT(m->version);
		v[1] = SV_TEXT(now);
		if (store_exec(st,
			       "INSERT INTO schema_version(version, applied) "
			       "VALUES (?, ?)",
			       v, 2, e) < 0)
			goto fail;
	}
	return store_commit(st, e);
fail:
	store_rollback(st);
	return -1;
}

char *
store_setting_get(struct store *st, const char *key)
{
	struct store_val v[1] = {SV_TEXT(key)};

	return store_query_text(st, "SELECT value FROM settings WHERE key = ?",
				v, 1);
}

int
store_setting_set(struct store *st, const char *key, const char *value,
		  struct err *e)
{
	struct store_val v[2] = {SV_TEXT(key), SV_TEXT(value)};

	return store_exec(
	    st,
	    "INSERT INTO settings(key, value) VALUES (?, ?) "
	    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
	    v, 2, e);
}

/* What the key check seals; its context names the setting. */
#define KEY_CHECK_SETTING "store.key_check"
#define KEY_CHECK_TEXT	  "govsec store key"

int
store_key_open(struct store *st, const struct config *c, const char *store_path,
	       struct secret_key *k, struct err *e)
{
	struct buf pt = BUF_INIT(64);
	char *check = store_setting_get(st, KEY_CHECK_SETTING), *sealed;
	struct err e2;
	int rc = -1;

	if (check == NULL) {
		/* nothing sealed yet: the key file may be made now */
		if (secret_key_for_store(k, c, store_path, 1, e) < 0)
			goto out;
		sealed = secret_seal(k, KEY_CHECK_SETTING, KEY_CHECK_TEXT,
				     strlen(KEY_CHECK_TEXT));
		if (sealed == NULL) {
			err_set(e, "cannot seal with the store's key");
			goto fail;
		}
		rc = store_setting_set(st, KEY_CHECK_SETTING, sealed, e);
		free(sealed);
		if (rc < 0)
			goto fail;
		goto out;
	}
	if (secret_key_for_store(k, c, store_path, 0, &e2) < 0) {
		err_set(e,
			"store '%s' holds secrets sealed under its key file, "
			"which cannot be read: %s (restore the key file "
			"made with this store; govsec(1) ENCRYPTION)",
			store_path, e2.msg);
		goto out;
	}
	if (secret_open(k, KEY_CHECK_SETTING, check, &pt, &e2) < 0 ||
	    pt.len != strlen(KEY_CHECK_TEXT) ||
	    memcmp(pt.data, KEY_CHECK_TEXT, pt.len) != 0) {
		err_set(e,
			"the key file of store '%s' is not the one its "
			"secrets were sealed with (restore the key file made "
			"with this store; govsec(1) ENCRYPTION)",
			store_path);
		goto fail;
	}
	rc = 0;
	goto out;
fail:
	secret_key_wipe(k);
	rc = -1;
out:
	buf_cleanup(&pt);
	free(check);
	return rc;
}

int
store_row_count(struct store_row *r)
{
	return r->ops->count(r);
}

const char *
store_row_text(struct store_row *r, int col)
{
	return r->ops->text(r, col);
}

long long
store_row_int(struct store_row *r, int col)
{
	return r->ops->integer(r, col);
}

int
store_row_null(struct store_row *r, int col)
{
	return r->ops->null(r, col);
}

size_t
store_row_bytes(struct store_row *r, int col)
{
	return r->ops->bytes(r, col);
}

const char *
store_row_name(struct store_row *r, int col)
{
	return r->ops->name(r, col);
}

int
store_many_statements(const char *sql)
{
	const char *p = strchr(sql, ';');

	if (p == NULL)
		return 0;
	while (*++p == ' ' || *p == '\n' || *p == '\t')
		;
	return *p != '\0';
}

/* Runs the backend's query of its tables, calling fn per (table, parent). */
struct table_rows {
	int (*fn)(void *arg, const char *table, const char *parent);
	void *arg;
};

static int
table_row(void *arg, struct store_row *r)
{
	struct table_rows *t = arg;

	return t->fn(t->arg, store_row_text(r, 0), store_row_text(r, 1));
}

static int
table_list(struct store *st,
	   int (*fn)(void *arg, const char *table, const char *parent),
	   void *arg, struct err *e)
{
	struct table_rows t = {fn, arg};

	return st->ops->exec(st->h, st->ops->tables_sql, NULL, 0, table_row, &t,
			     e);
}

#define MAX_TABLES 256

/* The tables and what each references, as the backend lists them. */
struct tables {
	char *name[MAX_TABLES];
	char *parents[MAX_TABLES][16];
	int nparents[MAX_TABLES];
	int done[MAX_TABLES];
	int n;
	int over; /* more than the arrays hold */
};

static int
table_add(void *arg, const char *table, const char *parent)
{
	struct tables *t = arg;
	int i;

	for (i = 0; i < t->n; i++)
		if (strcmp(t->name[i], table) == 0)
			break;
	if (i == t->n) {
		if (t->n == MAX_TABLES) {
			t->over = 1;
			return 1;
		}
		t->name[t->n++] = xstrdup(table);
	}
	if (parent == NULL || strcmp(parent, table) == 0)
		return 0; /* none, or itself (a deferred key) */
	for (int j = 0; j < t->nparents[i]; j++)
		if (strcmp(t->parents[i][j], parent) == 0)
			return 0;
	if (t->nparents[i] == 16) {
		t->over = 1;
		return 1;
	}
	t->parents[i][t->nparents[i]++] = xstrdup(parent);
	return 0;
}

static int
table_ready(const struct tables *t, int i)
{
	for (int j = 0; j < t->nparents[i]; j++)
		for (int k = 0; k < t->n; k++)
			if (!t->done[k] &&
			    strcmp(t->name[k], t->parents[i][j]) == 0)
				return 0;
	return 1;
}

int
store_tables(struct store *st, int (*fn)(void *arg, const char *table),
	     void *arg, struct err *e)
{
	struct tables t;
	int rc = -1, left;

	memset(&t, 0, sizeof(t));
	if (table_list(st, table_add, &t, e) < 0)
		goto out;
	if (t.over) {
		err_set(e, "the store has more tables or keys than expected");
		goto out;
	}
	/* each pass hands out the tables whose parents are all out */
	for (left = t.n; left > 0;) {
		int progress = 0;

		for (int i = 0; i < t.n; i++) {
			if (t.done[i] || !table_ready(&t, i))
				continue;
			t.done[i] = 1;
			left--;
			progress = 1;
			if (fn(arg, t.name[i]) != 0) {
				err_set(e, "table '%s' failed", t.name[i]);
				goto out;
			}
		}
		if (!progress) {
			err_set(e, "the store's foreign keys form a cycle");
			goto out;
		}
	}
	rc = 0;
out:
	for (int i = 0; i < t.n; i++) {
		free(t.name[i]);
		for (int j = 0; j < t.nparents[i]; j++)
			free(t.parents[i][j]);
	}
	return rc;
}

struct has_table {
	const char *name;
	int found;
};

static int
has_table_add(void *arg, const char *table, const char *parent)
{
	struct has_table *h = arg;

	if (strcmp(table, h->name) == 0) {
		h->found = 1;
		return 1;
	}
	return 0;
}

int
store_has_table(struct store *st, const char *name)
{
	struct has_table h = {name, 0};

	if (table_list(st, has_table_add, &h, NULL) < 0)
		return 0;
	return h.found;
}

int
store_fix_keys(struct store *st, struct err *e)
{
	return st->ops->fix_keys != NULL ? st->ops->fix_keys(st->h, e) : 0;
}

int
store_bulk_begin(struct store *st, const char *const *tables, int n,
		 unsigned flags, struct err *e)
{
	if (doomed(st, e))
		return -1;
	if (st->depth == 0) {
		err_set(e, "a bulk load begun outside a transaction");
		return -1;
	}
	return st->ops->bulk_begin != NULL
		   ? st->ops->bulk_begin(st->h, tables, n, flags, e)
		   : 0;
}

int
store_bulk_end(struct store *st, struct err *e)
{
	if (st->ops->bulk_end == NULL)
		return 0;
	if (st->depth == 0 || st->aborted)
		return st->ops->bulk_end(st->h, 0, e);
	return st->ops->bulk_end(st->h, 1, e);
}
