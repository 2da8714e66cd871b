/*
 * store.c: the backend-independent store: opening by URI, transactions,
 * migrations and convenience queries. Trusts callers to pass valid SQL.
 */
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

struct store {
	const struct store_ops *ops;
	void *h;
	int depth;   /* nested store_begin calls; only the outermost is real */
	int aborted; /* an inner step rolled back: the outer ones must fail */
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
	else if (str_starts(uri, "postgresql:") ||
		 str_starts(uri, "postgres:")) {
		err_set(e, "'%s': the PostgreSQL backend is not built yet",
			uri);
		return NULL;
	}
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

int
store_exec(struct store *st, const char *sql, const struct store_val *v, int nv,
	   struct err *e)
{
	if (doomed(st, e))
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
	return st->ops->changes(st->h);
}

int
store_begin(struct store *st, struct err *e)
{
	if (st->depth++ > 0)
		return 0;
	if (store_exec(st, "BEGIN IMMEDIATE", NULL, 0, e) < 0) {
		st->depth = 0;
		return -1;
	}
	return 0;
}

int
store_begin_read(struct store *st, struct err *e)
{
	if (st->depth++ > 0)
		return 0;
	if (store_exec(st, "BEGIN", NULL, 0, e) < 0) {
		st->depth = 0;
		return -1;
	}
	return 0;
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
	if (store_exec(st, "COMMIT", NULL, 0, e) < 0) {
		store_exec(st, "ROLLBACK", NULL, 0, NULL);
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
	/* A store without the table yet fails the query: version 0. */
	return (int)store_query_int(
	    st, "SELECT coalesce(max(version), 0) FROM schema_version", NULL, 0,
	    0);
}

int
store_migrate(struct store *st, struct err *e)
{
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
	for (int i = 0; i < store_nmigrations; i++) {
		const struct migration *m = &store_migrations[i];
		struct store_val v[1];

		if (m->version <= have)
			continue;
		if (store_exec(st, m->sql, NULL, 0, e) < 0) {
			err_prefix(e, "migration %d", m->version);
			goto fail;
		}
		v[0] = SV_INT(m->version);
		if (store_exec(
			st,
			"INSERT INTO schema_version(version, applied) "
			"VALUES (?, strftime('%Y-%m-%dT%H:%M:%SZ','now'))",
			v, 1, e) < 0)
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
