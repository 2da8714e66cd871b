/*
 * store_sqlite.c: the SQLite backend of the store (embedded default): WAL
 * journal, foreign keys on, a busy timeout, and a small cache of prepared
 * statements keyed by SQL text so bulk imports do not re-prepare.
 */
#include <stdlib.h>
#include <string.h>

#include <sys/stat.h>

#include <sqlite3.h>

#include "store/store_impl.h"

#define STMT_CACHE 64

struct cached {
	int busy; /* being stepped right now */
	char *sql;
	sqlite3_stmt *stmt;
	unsigned long used;
};

struct sq {
	sqlite3 *db;
	struct cached cache[STMT_CACHE];
	unsigned long tick;
	/* indexes set aside by a bulk load: their CREATE INDEX statements */
	char **bulk;
	size_t nbulk;
};

#define STMT(r) ((sqlite3_stmt *)(r)->cur)

static int
sq_count(const struct store_row *r)
{
	return sqlite3_column_count(STMT(r));
}

static const char *
sq_text(const struct store_row *r, int col)
{
	return (const char *)sqlite3_column_text(STMT(r), col);
}

static long long
sq_int(const struct store_row *r, int col)
{
	return sqlite3_column_int64(STMT(r), col);
}

static int
sq_null(const struct store_row *r, int col)
{
	return sqlite3_column_type(STMT(r), col) == SQLITE_NULL;
}

static size_t
sq_bytes(const struct store_row *r, int col)
{
	/* after sqlite3_column_text, as the SQLite documentation asks */
	(void)sqlite3_column_text(STMT(r), col);
	return (size_t)sqlite3_column_bytes(STMT(r), col);
}

static const char *
sq_name(const struct store_row *r, int col)
{
	return sqlite3_column_name(STMT(r), col);
}

static const struct store_row_ops sq_row_ops = {
    .count = sq_count,
    .text = sq_text,
    .integer = sq_int,
    .null = sq_null,
    .bytes = sq_bytes,
    .name = sq_name,
};

static void *
sq_open(const char *path, struct err *e)
{
	struct sq *s = xcalloc(1, sizeof(*s));
	char *msg = NULL;
	mode_t old;
	int rc;

	/* The store holds password and session hashes: owner only. */
	old = umask(077);
	rc = sqlite3_open_v2(path, &s->db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
				 SQLITE_OPEN_NOMUTEX,
			     NULL);
	umask(old);
	if (rc != SQLITE_OK) {
		err_set(e, "cannot open database '%s': %s", path,
			s->db ? sqlite3_errmsg(s->db) : "out of memory");
		goto fail;
	}
	sqlite3_busy_timeout(s->db, 10000);
	if (sqlite3_exec(s->db,
			 "PRAGMA journal_mode = WAL;"
			 "PRAGMA synchronous = NORMAL;"
			 "PRAGMA foreign_keys = ON;"
			 "PRAGMA cache_size = -65536;"
			 "PRAGMA temp_store = MEMORY;",
			 NULL, NULL, &msg) != SQLITE_OK) {
		err_set(e, "cannot set up database '%s': %s", path,
			msg ? msg : "unknown error");
		sqlite3_free(msg);
		goto fail;
	}
	return s;
fail:
	sqlite3_close(s->db);
	free(s);
	return NULL;
}

static void sq_bulk_forget(struct sq *s);

static void
sq_close(void *h)
{
	struct sq *s = h;

	if (s == NULL)
		return;
	sq_bulk_forget(s);
	for (int i = 0; i < STMT_CACHE; i++) {
		sqlite3_finalize(s->cache[i].stmt);
		free(s->cache[i].sql);
	}
	sqlite3_close(s->db);
	free(s);
}

/*
 * Finds a cached statement for sql that is not in use, or prepares one.
 * A statement already running (a query issued from inside a row callback)
 * is never handed out twice nor evicted: then *slot is NULL and the caller
 * finalizes the fresh statement after use.
 */
static sqlite3_stmt *
sq_prepare(struct sq *s, const char *sql, struct cached **slot, struct err *e)
{
	struct cached *victim = NULL;
	sqlite3_stmt *stmt;

	*slot = NULL;
	for (int i = 0; i < STMT_CACHE; i++) {
		struct cached *c = &s->cache[i];

		if (c->busy)
			continue;
		if (c->sql != NULL && strcmp(c->sql, sql) == 0) {
			c->used = ++s->tick;
			c->busy = 1;
			*slot = c;
			return c->stmt;
		}
		if (victim == NULL || c->used < victim->used)
			victim = c;
	}
	if (sqlite3_prepare_v2(s->db, sql, -1, &stmt, NULL) != SQLITE_OK) {
		err_set(e, "database: %s", sqlite3_errmsg(s->db));
		return NULL;
	}
	if (victim != NULL) {
		sqlite3_finalize(victim->stmt);
		free(victim->sql);
		victim->sql = xstrdup(sql);
		victim->stmt = stmt;
		victim->used = ++s->tick;
		victim->busy = 1;
		*slot = victim;
	}
	return stmt;
}

static int
sq_exec(void *h, const char *sql, const struct store_val *v, int nv,
	store_row_fn fn, void *arg, struct err *e)
{
	struct sq *s = h;
	struct store_row row;
	struct cached *slot;
	sqlite3_stmt *stmt;
	int rc, ret = 0;

	if (nv == 0 && fn == NULL && store_many_statements(sql)) {
		char *msg = NULL;

		if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
			err_set(e, "database: %s", msg ? msg : "error");
			sqlite3_free(msg);
			return -1;
		}
		return 0;
	}
	stmt = sq_prepare(s, sql, &slot, e);
	if (stmt == NULL)
		return -1;
	for (int i = 0; i < nv; i++) {
		switch (v[i].type) {
		case SV_NULL_T:
			rc = sqlite3_bind_null(stmt, i + 1);
			break;
		case SV_INT_T:
			rc = sqlite3_bind_int64(stmt, i + 1, v[i].i);
			break;
		default:
			rc = sqlite3_bind_text(stmt, i + 1, v[i].s, -1,
					       SQLITE_STATIC);
			break;
		}
		if (rc != SQLITE_OK) {
			err_set(e, "database: %s", sqlite3_errmsg(s->db));
			ret = -1;
			goto out;
		}
	}
	row.ops = &sq_row_ops;
	row.cur = stmt;
	row.row = 0;
	while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
		int r;

		if (fn == NULL)
			continue;
		r = fn(arg, &row);
		if (r != 0) {
			if (r < 0) {
				ret = -1;
				if (e != NULL && e->msg[0] == '\0')
					err_set(e, "query aborted");
			}
			goto out;
		}
	}
	if (rc != SQLITE_DONE) {
		err_set(e, "database: %s", sqlite3_errmsg(s->db));
		ret = -1;
	}
out:
	if (slot == NULL) {
		sqlite3_finalize(stmt);
	} else {
		sqlite3_reset(stmt);
		sqlite3_clear_bindings(stmt);
		slot->busy = 0;
	}
	return ret;
}

static long long
sq_changes(void *h)
{
	return sqlite3_changes64(((struct sq *)h)->db);
}

static const char *
sq_begin_sql(int mode)
{
	/* a writer takes the write lock at once: what it read stays true */
	return mode == 0 ? "BEGIN" : "BEGIN IMMEDIATE";
}

static int
sq_retryable(void *h)
{
	return 0; /* the busy timeout already waited */
}

/*
 * Bulk loads. The non-unique indexes made by CREATE INDEX on the tables
 * (never those behind a PRIMARY KEY or UNIQUE, which ON CONFLICT needs)
 * are dropped inside the caller's transaction and made again from the
 * text SQLite kept of them: one sort per index instead of a B-tree
 * insertion per row. DDL is transactional in SQLite: a rollback or a
 * crash brings them back.
 */
static void
sq_bulk_forget(struct sq *s)
{
	for (size_t i = 0; i < s->nbulk; i++)
		free(s->bulk[i]);
	free(s->bulk);
	s->bulk = NULL;
	s->nbulk = 0;
}

struct bulk_ix {
	char **name, **sql;
	size_t n, cap;
};

static int
bulk_row(void *arg, struct store_row *r)
{
	struct bulk_ix *b = arg;

	if (b->n == b->cap) {
		b->cap = b->cap ? 2 * b->cap : 16;
		b->name = xrealloc(b->name, b->cap * sizeof(char *));
		b->sql = xrealloc(b->sql, b->cap * sizeof(char *));
	}
	b->name[b->n] = xstrdup(sq_text(r, 0));
	b->sql[b->n++] = xstrdup(sq_text(r, 1));
	return 0;
}

static int
sq_bulk_begin(void *h, const char *const *tables, int n, unsigned flags,
	      struct err *e)
{
	struct sq *s = h;
	struct bulk_ix b = {NULL, NULL, 0, 0};
	int rc = 0;

	/* new rows or not, each INSERT runs as it comes; a merge keeps the
	 * indexes (its DELETEs and conflicts look rows up by them) */
	sq_bulk_forget(s);
	if (flags & STORE_BULK_MERGE)
		return 0;
	for (int t = 0; t < n && rc == 0; t++) {
		struct store_val v[1] = {SV_TEXT(tables[t])};

		rc =
		    sq_exec(s,
			    "SELECT m.name, m.sql FROM pragma_index_list(?) "
			    "AS il JOIN sqlite_master AS m ON m.name = il.name "
			    "AND m.type = 'index' WHERE il.\"unique\" = 0 AND "
			    "il.origin = 'c' AND m.sql IS NOT NULL "
			    "ORDER BY m.name",
			    v, 1, bulk_row, &b, e);
	}
	for (size_t i = 0; i < b.n; i++) {
		char *drop;

		if (rc == 0) {
			drop = sqlite3_mprintf("DROP INDEX \"%w\"", b.name[i]);
			if (drop == NULL)
				fatal("out of memory");
			rc = sq_exec(s, drop, NULL, 0, NULL, NULL, e);
			sqlite3_free(drop);
		}
		if (rc == 0) {
			/* the dropped ones only: bulk_end makes each again */
			s->bulk =
			    xrealloc(s->bulk, (s->nbulk + 1) * sizeof(char *));
			s->bulk[s->nbulk++] = b.sql[i];
			b.sql[i] = NULL;
		}
		free(b.name[i]);
		free(b.sql[i]);
	}
	free(b.name);
	free(b.sql);
	return rc;
}

static int
sq_bulk_end(void *h, int rebuild, struct err *e)
{
	struct sq *s = h;
	int rc = 0;

	for (size_t i = 0; rebuild && i < s->nbulk && rc == 0; i++)
		rc = sq_exec(s, s->bulk[i], NULL, 0, NULL, NULL, e);
	sq_bulk_forget(s);
	return rc;
}

/* A long read of much of the store (store_read_hint): each page is read
 * once, so a small page cache does as well and keeps 60 MB of memory
 * free; then the cache of sq_open again. A failure changes nothing. */
static void
sq_read_hint(void *h, int on)
{
	struct sq *s = h;

	sqlite3_exec(s->db,
		     on ? "PRAGMA cache_size = -4096"
			: "PRAGMA cache_size = -65536", /* sq_open's */
		     NULL, NULL, NULL);
}

/* Begins a read transaction on s and starts its snapshot (WAL: the
 * newest commit when the first read happens). */
static int
sq_begin_snapshot(struct sq *s)
{
	if (sqlite3_exec(s->db, "BEGIN; SELECT count(*) FROM sqlite_schema",
			 NULL, NULL, NULL) == SQLITE_OK)
		return 0;
	sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/*
 * store_begin_read_twin: a second connection reading what h reads. A
 * third one takes the write lock (waiting at most 100 ms: a long write
 * under way means one connection will do) while both begin their read
 * transactions: nothing can commit between them, so both see the same
 * newest commit (in WAL mode; in rollback mode their shared locks keep
 * out every commit until both end). NULL, with h in no transaction,
 * where it cannot be (an in-memory or temporary database, no lock).
 */
static void *
sq_read_twin(void *h)
{
	struct sq *s = h, *lock = NULL, *t = NULL;
	const char *path = sqlite3_db_filename(s->db, "main");

	if (path == NULL || *path == '\0' ||
	    (lock = sq_open(path, NULL)) == NULL ||
	    (t = sq_open(path, NULL)) == NULL)
		goto fail;
	sqlite3_busy_timeout(lock->db, 100);
	if (sqlite3_exec(lock->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK)
		goto fail;
	if (sq_begin_snapshot(s) < 0)
		goto fail;
	if (sq_begin_snapshot(t) < 0) {
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
		goto fail;
	}
	sq_close(lock); /* rolls its transaction back */
	return t;
fail:
	sq_close(lock);
	sq_close(t);
	return NULL;
}

const struct store_ops store_sqlite_ops = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .exec = sq_exec,
    .changes = sq_changes,
    .begin_sql = sq_begin_sql,
    .lock = NULL,
    .retryable = sq_retryable,
    .tables_sql = "SELECT m.name, f.\"table\" FROM sqlite_master AS m "
		  "LEFT JOIN pragma_foreign_key_list(m.name) AS f "
		  "WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' "
		  "ORDER BY m.name",
    .fix_keys = NULL,
    .bulk_begin = sq_bulk_begin,
    .bulk_end = sq_bulk_end,
    .read_hint = sq_read_hint,
    .read_twin = sq_read_twin,
};
