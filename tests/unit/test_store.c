/*
 * test_store.c: unit tests of src/store (the SQLite backend): opening by
 * path and URI, migrations, transactions and their nesting, statements with
 * bound values, queries with callbacks, settings. Every test gets a fresh
 * on-disk database in a temporary directory under $GOVSEC_TEST_TMP (or
 * /tmp), removed at the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store.h"

static char tmpdir[4096];
static char dbpath[8192];
static int dbcount;

static int
make_tmpdir(void **state)
{
	(void)state;
	if (tu_mkdtemp(tmpdir, sizeof(tmpdir), "test_store") < 0)
		return -1;
	return 0;
}

static int
remove_tmpdir(void **state)
{
	(void)state;
	tu_rmdir(tmpdir);
	return 0;
}

/* A fresh, migrated store for each test (in *state). */
static int
open_store(void **state)
{
	struct err e;
	struct store *st;

	if (str_fmt(dbpath, sizeof(dbpath), "%s/db%d.sqlite", tmpdir,
		    ++dbcount) < 0)
		return -1;
	st = store_open(tu_store(dbpath), &e);
	if (st == NULL) {
		fprintf(stderr, "store_open: %s\n", e.msg);
		return -1;
	}
	if (store_migrate(st, &e) < 0) {
		fprintf(stderr, "store_migrate: %s\n", e.msg);
		store_free(st);
		return -1;
	}
	*state = st;
	return 0;
}

static int
close_store(void **state)
{
	store_free(*state);
	*state = NULL;
	return 0;
}

static struct store *
reopen(struct store *st)
{
	struct err e;
	struct store *again;

	store_free(st);
	again = store_open(tu_store(dbpath), &e);
	if (again == NULL)
		fail_msg("reopen: %s", e.msg);
	return again;
}

static long long
count_settings(struct store *st)
{
	return store_query_int(st, "SELECT count(*) FROM settings", NULL, 0,
			       -1);
}

static void
put(struct store *st, const char *key, const char *value)
{
	struct err e;

	if (store_setting_set(st, key, value, &e) < 0)
		fail_msg("store_setting_set: %s", e.msg);
}

/* Opening */

static void
test_open_errors(void **state)
{
	struct err e;
	char path[8192], msg[9000];

	(void)state;
	e.msg[0] = '\0';
	assert_null(store_open(NULL, &e));
	assert_string_equal(e.msg, "no database path given");
	assert_null(store_open("", &e));
	assert_string_equal(e.msg, "no database path given");
	/* a PostgreSQL server that is not there: its socket is missing */
	assert_true(str_fmt(path, sizeof(path),
			    "postgresql:///govsec?host=%s/nopg", tmpdir) > 0);
	assert_null(store_open(path, &e));
	assert_true(str_starts(e.msg, "cannot connect to the PostgreSQL "
				      "store: connection to server on socket"));
	assert_true(
	    str_fmt(path, sizeof(path), "postgres:host=%s/nopg", tmpdir) > 0);
	assert_null(store_open(path, &e));
	assert_true(str_starts(e.msg, "cannot connect to the PostgreSQL "
				      "store: "));
	assert_true(str_fmt(path, sizeof(path), "%s/no/such/dir/x.db", tmpdir) >
		    0);
	assert_null(store_open(path, &e));
	assert_true(str_fmt(msg, sizeof(msg),
			    "cannot open database '%s': unable to open "
			    "database file",
			    path) > 0);
	assert_string_equal(e.msg, msg);
	store_free(NULL);
}

static void
test_open_uri_and_pragmas(void **state)
{
	struct store *st;
	struct err e;
	char uri[9000];
	char *mode;

	(void)state;
	if (tu_store_pg())
		skip(); /* SQLite's own settings */
	assert_true(str_fmt(uri, sizeof(uri), "sqlite:%s/uri.db", tmpdir) > 0);
	st = store_open(uri, &e);
	assert_non_null(st);
	assert_int_equal(store_version(st), 0);
	assert_int_equal(store_migrate(st, &e), 0);
	assert_int_equal(store_version(st),
			 store_migrations[store_nmigrations - 1].version);
	mode = store_query_text(st, "PRAGMA journal_mode", NULL, 0);
	assert_non_null(mode);
	assert_string_equal(mode, "wal");
	free(mode);
	assert_int_equal(
	    store_query_int(st, "PRAGMA foreign_keys", NULL, 0, -1), 1);
	store_free(st);
	/* The "sqlite:" prefix was stripped: the file has that name. */
	assert_true(str_fmt(uri, sizeof(uri), "%s/uri.db", tmpdir) > 0);
	assert_int_equal(access(uri, F_OK), 0);
}

/* Migrations */

static void
test_migrate(void **state)
{
	struct store *st = *state;
	struct err e;
	int last = store_migrations[store_nmigrations - 1].version;

	assert_true(store_nmigrations >= 1);
	assert_int_equal(store_migrations[0].version, 1);
	for (int i = 1; i < store_nmigrations; i++)
		assert_true(store_migrations[i].version >
			    store_migrations[i - 1].version);
	assert_int_equal(store_version(st), last);
	assert_int_equal(store_query_int(st,
					 "SELECT count(*) FROM schema_version",
					 NULL, 0, -1),
			 store_nmigrations);
	/* Migrating again changes nothing. */
	assert_int_equal(store_migrate(st, &e), 0);
	assert_int_equal(store_version(st), last);
	assert_int_equal(store_query_int(st,
					 "SELECT count(*) FROM schema_version",
					 NULL, 0, -1),
			 store_nmigrations);
	/* Every table of the schema is there. */
	static const char *const tables[] = {
	    "settings",	  "units",  "outsourcers",   "apps",
	    "domains",	  "people", "grants",	     "finding_acks",
	    "check_runs", "audit",  "console_users", "console_sessions",
	};
	for (size_t i = 0; i < ARRAY_SIZE(tables); i++) {
		struct store_val v[1] = {SV_TEXT(tables[i])};

		(void)v;
		if (!store_has_table(st, tables[i]))
			fail_msg("table '%s' is missing", tables[i]);
	}
}

/* A store at the first version gets the later migrations, in order. */
static void
test_migrate_incremental(void **state)
{
	struct store *st;
	struct err e;
	char path[8300];
	int last = store_migrations[store_nmigrations - 1].version;

	(void)state;
	assert_true(str_fmt(path, sizeof(path), "%s/incremental.db", tmpdir) >
		    0);
	st = store_open(tu_store(path), &e);
	assert_non_null(st);
	assert_int_equal(store_begin(st, &e), 0);
	assert_int_equal(store_exec(st, store_migrations[0].sql, NULL, 0, &e),
			 0);
	assert_int_equal(store_exec(st,
				    "INSERT INTO schema_version(version, "
				    "applied) VALUES (?, 'then')",
				    (struct store_val[]){
					SV_INT(store_migrations[0].version)},
				    1, &e),
			 0);
	assert_int_equal(store_commit(st, &e), 0);
	assert_int_equal(store_version(st), store_migrations[0].version);
	assert_int_equal(store_migrate(st, &e), 0);
	assert_int_equal(store_version(st), last);
	assert_int_equal(store_query_int(st,
					 "SELECT count(*) FROM schema_version",
					 NULL, 0, -1),
			 store_nmigrations);
	/* The first one's row is the one written then. */
	{
		char *s = store_query_text(st,
					   "SELECT applied FROM schema_version "
					   "ORDER BY version LIMIT 1",
					   NULL, 0);

		assert_string_equal(s, "then");
		free(s);
	}
	store_free(st);
}

static void
test_migrate_newer(void **state)
{
	struct store *st = *state;
	struct err e;
	char msg[128];

	assert_int_equal(store_exec(st,
				    "INSERT INTO schema_version(version, "
				    "applied) VALUES (99, 'later')",
				    NULL, 0, &e),
			 0);
	assert_int_equal(store_version(st), 99);
	assert_int_equal(store_migrate(st, &e), -1);
	assert_true(str_fmt(msg, sizeof(msg),
			    "database schema version 99 is newer than this "
			    "govsec (%d)",
			    store_migrations[store_nmigrations - 1].version) >
		    0);
	assert_string_equal(e.msg, msg);
	/* Nothing was applied. */
	assert_int_equal(store_query_int(st,
					 "SELECT count(*) FROM schema_version",
					 NULL, 0, -1),
			 store_nmigrations + 1);
}

/* Statements and queries */

struct rows {
	int n;
	int stop_at; /* return 1 at this row (1-based), 0: never */
	int fail_at; /* return -1 at this row, 0: never */
	char seen[16][64];
};

/* Each backend words its errors its own way. */
static void
assert_msg(const struct err *e, const char *sqlite, const char *pg)
{
	assert_string_equal(e->msg, tu_store_pg() ? pg : sqlite);
}

static int
collect(void *arg, struct store_row *r)
{
	struct rows *rs = arg;
	const char *k = store_row_text(r, 0);
	const char *v = store_row_text(r, 1);

	assert_int_equal(store_row_count(r), 2);
	if (rs->n < 16)
		str_fmt(rs->seen[rs->n], sizeof(rs->seen[0]), "%s=%s",
			k ? k : "(null)", v ? v : "(null)");
	rs->n++;
	if (rs->fail_at == rs->n)
		return -1;
	if (rs->stop_at == rs->n)
		return 1;
	return 0;
}

static void
test_exec_query(void **state)
{
	struct store *st = *state;
	struct err e;
	struct rows rs;
	const char *evil = "x'); DROP TABLE settings; --";
	struct store_val v[2];

	/* Values are bound, never spliced. */
	v[0] = SV_TEXT("b");
	v[1] = SV_TEXT(evil);
	assert_int_equal(store_exec(st,
				    "INSERT INTO settings(key, value) "
				    "VALUES (?, ?)",
				    v, 2, &e),
			 0);
	assert_int_equal(store_changes(st), 1);
	v[0] = SV_TEXT("a");
	v[1] = SV_TEXT("江门");
	assert_int_equal(store_exec(st,
				    "INSERT INTO settings(key, value) "
				    "VALUES (?, ?)",
				    v, 2, &e),
			 0);
	v[0] = SV_TEXT("c");
	v[1] = SV_TEXT("3");
	assert_int_equal(store_exec(st,
				    "INSERT INTO settings(key, value) "
				    "VALUES (?, ?)",
				    v, 2, &e),
			 0);

	memset(&rs, 0, sizeof(rs));
	assert_int_equal(store_query(st,
				     "SELECT key, value FROM settings ORDER BY "
				     "key",
				     NULL, 0, collect, &rs, &e),
			 0);
	assert_int_equal(rs.n, 3);
	assert_string_equal(rs.seen[0], "a=江门");
	assert_string_equal(rs.seen[1], "b=x'); DROP TABLE settings; --");
	assert_string_equal(rs.seen[2], "c=3");

	/* A parameter in a WHERE clause. */
	memset(&rs, 0, sizeof(rs));
	v[0] = SV_TEXT("c");
	assert_int_equal(store_query(st,
				     "SELECT key, value FROM settings WHERE "
				     "key >= ? ORDER BY key",
				     v, 1, collect, &rs, &e),
			 0);
	assert_int_equal(rs.n, 1);
	assert_string_equal(rs.seen[0], "c=3");

	/* Stopping early is not an error. */
	memset(&rs, 0, sizeof(rs));
	rs.stop_at = 2;
	assert_int_equal(store_query(st,
				     "SELECT key, value FROM settings ORDER BY "
				     "key",
				     NULL, 0, collect, &rs, &e),
			 0);
	assert_int_equal(rs.n, 2);

	/* The callback's -1 is the query's -1. */
	memset(&rs, 0, sizeof(rs));
	rs.fail_at = 1;
	e.msg[0] = '\0';
	assert_int_equal(store_query(st,
				     "SELECT key, value FROM settings ORDER BY "
				     "key",
				     NULL, 0, collect, &rs, &e),
			 -1);
	assert_int_equal(rs.n, 1);
	assert_string_equal(e.msg, "query aborted");

	/* The statement runs again after an early stop (reset). */
	memset(&rs, 0, sizeof(rs));
	assert_int_equal(store_query(st,
				     "SELECT key, value FROM settings ORDER BY "
				     "key",
				     NULL, 0, collect, &rs, &e),
			 0);
	assert_int_equal(rs.n, 3);

	/* UPDATE reports the rows changed. */
	assert_int_equal(
	    store_exec(st, "UPDATE settings SET value = 'z'", NULL, 0, &e), 0);
	assert_int_equal(store_changes(st), 3);
	v[0] = SV_TEXT("nothing");
	assert_int_equal(
	    store_exec(st, "DELETE FROM settings WHERE key = ?", v, 1, &e), 0);
	assert_int_equal(store_changes(st), 0);
	assert_int_equal(count_settings(st), 3);
}

static void
test_values(void **state)
{
	struct store *st = *state;
	struct err e;
	struct store_val v[3] = {SV_INT(-42), SV_NULL, SV_TEXT(NULL)};
	char *s;

	assert_int_equal(store_exec(st,
				    "CREATE TABLE t (i INTEGER, n TEXT, m "
				    "TEXT)",
				    NULL, 0, &e),
			 0);
	assert_int_equal(
	    store_exec(st, "INSERT INTO t VALUES (?, ?, ?)", v, 3, &e), 0);
	assert_int_equal(store_query_int(st, "SELECT i FROM t", NULL, 0, 0),
			 -42);
	assert_int_equal(store_query_int(st,
					 "SELECT count(*) FROM t WHERE n IS "
					 "NULL AND m IS NULL",
					 NULL, 0, -1),
			 1);
	/* store_text(NULL) binds SQL NULL. */
	assert_int_equal(SV_TEXT(NULL).type, SV_NULL_T);
	assert_int_equal(SV_TEXT("x").type, SV_TEXT_T);
	/* A NULL value reads as a NULL string. */
	assert_null(store_query_text(st, "SELECT n FROM t", NULL, 0));
	/* No row: the default, or NULL. */
	assert_int_equal(
	    store_query_int(st, "SELECT i FROM t WHERE 1 = 0", NULL, 0, 77),
	    77);
	assert_null(
	    store_query_text(st, "SELECT n FROM t WHERE 1 = 0", NULL, 0));
	/* A failing query: the default, or NULL. */
	assert_int_equal(store_query_int(st, "SELECT nope FROM t", NULL, 0, 5),
			 5);
	assert_null(store_query_text(st, "SELECT nope FROM t", NULL, 0));
	/* Integers read as text. */
	s = store_query_text(st, "SELECT i FROM t", NULL, 0);
	assert_non_null(s);
	assert_string_equal(s, "-42");
	free(s);
	/* 64-bit values survive. */
	v[0] = SV_INT(9007199254740993LL);
	assert_int_equal(store_exec(st, "UPDATE t SET i = ?", v, 1, &e), 0);
	assert_true(store_query_int(st, "SELECT i FROM t", NULL, 0, 0) ==
		    9007199254740993LL);
}

static int
null_row(void *arg, struct store_row *r)
{
	int *seen = arg;

	assert_true(store_row_null(r, 0));
	assert_false(store_row_null(r, 1));
	assert_null(store_row_text(r, 0));
	assert_string_equal(store_row_text(r, 1), "v");
	assert_int_equal(store_row_int(r, 2), 12);
	(*seen)++;
	return 0;
}

static void
test_row_accessors(void **state)
{
	struct store *st = *state;
	struct err e;
	int seen = 0;

	assert_int_equal(store_query(st, "SELECT NULL, 'v', 12", NULL, 0,
				     null_row, &seen, &e),
			 0);
	assert_int_equal(seen, 1);
}

static void
test_errors(void **state)
{
	struct store *st = *state;
	struct err e;
	struct store_val v[2] = {SV_TEXT("k"), SV_TEXT(NULL)};

	assert_int_equal(store_exec(st, "SELEKT 1", NULL, 0, &e), -1);
	assert_msg(&e, "database: near \"SELEKT\": syntax error",
		   "database: syntax error at or near \"SELEKT\"");
	assert_int_equal(store_exec(st, "SELECT * FROM nowhere", NULL, 0, &e),
			 -1);
	assert_msg(&e, "database: no such table: nowhere",
		   "database: relation \"nowhere\" does not exist");
	/* Constraints: NOT NULL, primary key, foreign keys (on). */
	assert_int_equal(store_exec(st,
				    "INSERT INTO settings(key, value) "
				    "VALUES (?, ?)",
				    v, 2, &e),
			 -1);
	assert_msg(&e, "database: NOT NULL constraint failed: settings.value",
		   "database: null value in column \"value\" of relation "
		   "\"settings\" violates not-null constraint");
	put(st, "k", "1");
	v[1] = SV_TEXT("2");
	assert_int_equal(store_exec(st,
				    "INSERT INTO settings(key, value) "
				    "VALUES (?, ?)",
				    v, 2, &e),
			 -1);
	assert_msg(&e, "database: UNIQUE constraint failed: settings.key",
		   "database: duplicate key value violates unique constraint "
		   "\"settings_pkey\"");
	assert_int_equal(
	    store_exec(st,
		       "INSERT INTO outsourcers(id, name, unit, updated) "
		       "VALUES ('o', 'n', '11440700007250010K', 'now')",
		       NULL, 0, &e),
	    -1);
	assert_msg(&e, "database: FOREIGN KEY constraint failed",
		   "database: insert or update on table \"outsourcers\" "
		   "violates foreign key constraint \"outsourcers_unit_fkey\"");
	/* The store is still usable after errors. */
	assert_int_equal(count_settings(st), 1);
}

static void
test_multi_statement(void **state)
{
	struct store *st = *state;
	struct err e;

	assert_int_equal(store_exec(st,
				    "CREATE TABLE m (a INTEGER);\n"
				    "INSERT INTO m VALUES (1);\n"
				    "INSERT INTO m VALUES (2);\n",
				    NULL, 0, &e),
			 0);
	assert_int_equal(
	    store_query_int(st, "SELECT sum(a) FROM m", NULL, 0, -1), 3);
	/* One statement with a trailing ';' and blanks. */
	assert_int_equal(
	    store_exec(st, "INSERT INTO m VALUES (3);  \n\t", NULL, 0, &e), 0);
	assert_int_equal(
	    store_query_int(st, "SELECT sum(a) FROM m", NULL, 0, -1), 6);
	/* An error in a batch is reported and stops it. */
	assert_int_equal(store_exec(st,
				    "INSERT INTO m VALUES (4); INSERT INTO "
				    "nowhere VALUES (5);",
				    NULL, 0, &e),
			 -1);
	assert_msg(&e, "database: no such table: nowhere",
		   "database: relation \"nowhere\" does not exist");
}

/* What the backends write differently, written once (store_pg.c
 * translates): each answers alike on SQLite and PostgreSQL. */
static void
test_dialect(void **state)
{
	struct store *st = *state;
	struct err e;
	struct store_val v[2] = {SV_INT(7), SV_INT(3)};
	char *s;

	assert_int_equal(store_query_int(st, "SELECT max(?, ?)", v, 2, -1), 7);
	assert_int_equal(store_query_int(st, "SELECT min(?, ?)", v, 2, -1), 3);
	assert_int_equal(store_query_int(st,
					 "SELECT max(x) FROM (SELECT 4 AS x "
					 "UNION SELECT 9) AS t",
					 NULL, 0, -1),
			 9);
	assert_int_equal(store_query_int(st, "SELECT 10 * ?2 + ?1", v, 2, -1),
			 37);
	assert_int_equal(
	    store_query_int(st, "SELECT instr('a//b', '//')", NULL, 0, -1), 2);
	assert_int_equal(store_query_int(st,
					 "SELECT json_array_length('[1, "
					 "\"x)\", 3]')",
					 NULL, 0, -1),
			 3);
	/* a IS ?: equal, NULLs included */
	v[0] = SV_NULL;
	assert_int_equal(
	    store_query_int(st,
			    "SELECT count(*) FROM settings WHERE "
			    "value IS NOT ?",
			    v, 1, -1),
	    store_query_int(st, "SELECT count(*) FROM settings", NULL, 0, -2));
	assert_int_equal(store_query_int(st,
					 "SELECT count(*) FROM (SELECT NULL AS "
					 "x) AS t WHERE x IS ?",
					 v, 1, -1),
			 1);
	/* ? IS NULL: the type is left open */
	v[0] = SV_NULL;
	assert_int_equal(
	    store_query_int(st, "SELECT CASE WHEN ? IS NULL THEN 1 ELSE 0 END",
			    v, 1, -1),
	    1);
	/* a column called user, 64-bit integers, an identity key */
	assert_int_equal(store_exec(st,
				    "CREATE TABLE d (id INTEGER PRIMARY KEY, "
				    "user TEXT NOT NULL, n INTEGER)",
				    NULL, 0, &e),
			 0);
	v[0] = SV_TEXT("alice");
	v[1] = SV_INT(1LL << 40);
	assert_int_equal(
	    store_exec(st, "INSERT INTO d(user, n) VALUES (?, ?)", v, 2, &e),
	    0);
	assert_int_equal(
	    store_exec(st, "INSERT INTO d(user, n) VALUES (?, ?)", v, 2, &e),
	    0);
	assert_int_equal(store_query_int(st,
					 "SELECT max(id) FROM d WHERE "
					 "user = 'alice'",
					 NULL, 0, -1),
			 2);
	s = store_query_text(st, "SELECT user FROM d WHERE n = ?", v + 1, 1);
	assert_non_null(s);
	assert_string_equal(s, "alice");
	free(s);
	/* a comparison reads as 1 or 0 */
	assert_int_equal(store_query_int(st, "SELECT 2 > 1", NULL, 0, -1), 1);
	s = store_query_text(st, "SELECT 1 > 2", NULL, 0);
	assert_string_equal(s, "0");
	free(s);
}

/*
 * store_lock makes read-then-write exact across connections: two
 * threads, each on its own connection, add 1 to a counter 25 times,
 * reading it, pausing, writing it back. Without the lock (PostgreSQL's
 * READ COMMITTED lets both read the same value) updates are lost.
 */
#define LOCK_ROUNDS 25

static int
bump(struct store *st, void *arg, struct err *e)
{
	char *s, buf[32];
	long long n;

	(void)arg;
	if (store_lock(st, "test.counter", e) < 0)
		return -1;
	s = store_setting_get(st, "counter");
	n = s != NULL ? strtoll(s, NULL, 10) : 0;
	free(s);
	usleep(2000);
	str_fmt(buf, sizeof(buf), "%lld", n + 1);
	return store_setting_set(st, "counter", buf, e);
}

static void *
bumper(void *arg)
{
	struct err e;
	struct store *st = store_open(tu_store(dbpath), &e);
	intptr_t fails = 0;

	(void)arg;
	if (st == NULL)
		return (void *)(intptr_t)LOCK_ROUNDS;
	for (int i = 0; i < LOCK_ROUNDS; i++)
		if (store_run(st, 0, bump, NULL, &e) < 0)
			fails++;
	store_free(st);
	return (void *)fails;
}

static void
test_lock(void **state)
{
	struct store *st = *state;
	struct err e;
	pthread_t t[2];
	void *fails[2];
	char *s;

	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&t[i], NULL, bumper, NULL), 0);
	for (int i = 0; i < 2; i++) {
		pthread_join(t[i], &fails[i]);
		assert_int_equal((intptr_t)fails[i], 0);
	}
	s = store_setting_get(st, "counter");
	assert_non_null(s);
	assert_string_equal(s, "50");
	free(s);
	/* outside a transaction there is nothing to hold it to */
	assert_int_equal(store_lock(st, "test.counter", &e), -1);
	assert_string_equal(e.msg, "lock 'test.counter' taken outside a "
				   "transaction");
}

/* store_run runs a serializable transaction again when it must. */
static int
serial_bump(struct store *st, void *arg, struct err *e)
{
	int *runs = arg;
	long long n;
	char buf[32];

	(*runs)++;
	n = store_query_int(st,
			    "SELECT coalesce(max(value), '0') FROM settings "
			    "WHERE key = 'serial'",
			    NULL, 0, 0);
	usleep(2000);
	str_fmt(buf, sizeof(buf), "%lld", n + 1);
	return store_setting_set(st, "serial", buf, e);
}

static void *
serial_bumper(void *arg)
{
	struct err e;
	struct store *st = store_open(tu_store(dbpath), &e);
	int *runs = arg;
	intptr_t fails = 0;

	if (st == NULL)
		return (void *)(intptr_t)LOCK_ROUNDS;
	for (int i = 0; i < LOCK_ROUNDS; i++)
		if (store_run(st, 1, serial_bump, runs, &e) < 0)
			fails++;
	store_free(st);
	return (void *)fails;
}

static void
test_serializable(void **state)
{
	struct store *st = *state;
	pthread_t t[2];
	void *fails[2];
	int runs[2] = {0, 0};
	char *s;

	for (int i = 0; i < 2; i++)
		assert_int_equal(
		    pthread_create(&t[i], NULL, serial_bumper, &runs[i]), 0);
	for (int i = 0; i < 2; i++) {
		pthread_join(t[i], &fails[i]);
		assert_int_equal((intptr_t)fails[i], 0);
	}
	s = store_setting_get(st, "serial");
	assert_non_null(s);
	assert_string_equal(s, "50");
	free(s);
	/* SQLite's writers never collide; PostgreSQL's did, and ran again */
	if (!tu_store_pg())
		assert_int_equal(runs[0] + runs[1], 2 * LOCK_ROUNDS);
}

/* Settings */

static void
test_settings(void **state)
{
	struct store *st = *state;
	struct err e;
	char *s;

	assert_null(store_setting_get(st, "audit.retention_days"));
	put(st, "audit.retention_days", "400");
	s = store_setting_get(st, "audit.retention_days");
	assert_non_null(s);
	assert_string_equal(s, "400");
	free(s);
	put(st, "audit.retention_days", "500");
	s = store_setting_get(st, "audit.retention_days");
	assert_string_equal(s, "500");
	free(s);
	assert_int_equal(count_settings(st), 1);
	put(st, "empty", "");
	s = store_setting_get(st, "empty");
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);
	/* A NULL value is refused (the column is NOT NULL). */
	assert_int_equal(store_setting_set(st, "k", NULL, &e), -1);
	assert_null(store_setting_get(st, "k"));
	/* Settings persist. */
	st = reopen(st);
	*state = st;
	s = store_setting_get(st, "audit.retention_days");
	assert_string_equal(s, "500");
	free(s);
}

/* Transactions */

static void
test_commit_persists(void **state)
{
	struct store *st = *state;
	struct err e;

	assert_int_equal(store_begin(st, &e), 0);
	put(st, "a", "1");
	put(st, "b", "2");
	assert_int_equal(store_commit(st, &e), 0);
	st = reopen(st);
	*state = st;
	assert_int_equal(count_settings(st), 2);
}

static void
test_rollback(void **state)
{
	struct store *st = *state;
	struct err e;

	put(st, "kept", "1");
	assert_int_equal(store_begin(st, &e), 0);
	put(st, "a", "1");
	put(st, "kept", "2");
	assert_int_equal(count_settings(st), 2);
	store_rollback(st);
	assert_int_equal(count_settings(st), 1);
	{
		char *s = store_setting_get(st, "kept");

		assert_string_equal(s, "1");
		free(s);
	}
	/* Rollback and commit without a transaction are harmless. */
	store_rollback(st);
	assert_int_equal(store_commit(st, &e), 0);
	assert_int_equal(count_settings(st), 1);
	/* A new transaction can start. */
	assert_int_equal(store_begin(st, &e), 0);
	put(st, "b", "1");
	assert_int_equal(store_commit(st, &e), 0);
	assert_int_equal(count_settings(st), 2);
}

/* A second connection sees only committed data. */
static long long
count_from_outside(void)
{
	struct err e;
	struct store *other = store_open(tu_store(dbpath), &e);
	long long n;

	if (other == NULL)
		fail_msg("second connection: %s", e.msg);
	n = count_settings(other);
	store_free(other);
	return n;
}

static void
test_nested_commit(void **state)
{
	struct store *st = *state;
	struct err e;

	assert_int_equal(store_begin(st, &e), 0);
	put(st, "outer", "1");
	assert_int_equal(store_begin(st, &e), 0);
	put(st, "inner", "1");
	/* The inner commit does not end the transaction. */
	assert_int_equal(store_commit(st, &e), 0);
	assert_int_equal(count_from_outside(), 0);
	assert_int_equal(store_begin(st, &e), 0);
	assert_int_equal(store_begin(st, &e), 0);
	put(st, "deep", "1");
	assert_int_equal(store_commit(st, &e), 0);
	assert_int_equal(store_commit(st, &e), 0);
	assert_int_equal(count_from_outside(), 0);
	/* The outermost does. */
	assert_int_equal(store_commit(st, &e), 0);
	assert_int_equal(count_from_outside(), 3);
}

static void
test_nested_outer_rollback(void **state)
{
	struct store *st = *state;
	struct err e;

	assert_int_equal(store_begin(st, &e), 0);
	put(st, "outer", "1");
	assert_int_equal(store_begin(st, &e), 0);
	put(st, "inner", "1");
	assert_int_equal(store_commit(st, &e), 0);
	store_rollback(st);
	/* The inner work, "committed" inside, goes with the outer. */
	assert_int_equal(count_settings(st), 0);
	assert_int_equal(count_from_outside(), 0);
}

/*
 * A rollback inside a nested transaction rolls the whole transaction back;
 * the outer level must not go on as if it still had one: its later writes
 * must not be committed one by one (autocommit), and its commit must
 * report failure, since what it did before is gone.
 */
static void
test_nested_inner_rollback(void **state)
{
	struct store *st = *state;
	struct err e;
	int rc;

	assert_int_equal(store_begin(st, &e), 0);
	put(st, "outer-before", "1");
	assert_int_equal(store_begin(st, &e), 0);
	put(st, "inner", "1");
	store_rollback(st);
	/* Everything so far is gone. */
	assert_int_equal(count_settings(st), 0);
	/* The outer level writes on, then commits. */
	(void)store_setting_set(st, "outer-after", "1", &e);
	e.msg[0] = '\0';
	rc = store_commit(st, &e);
	/* Either the commit fails, or at least the half-transaction did not
	 * land: "outer-after" without "outer-before" breaks atomicity. */
	if (rc == 0 && count_from_outside() == 1)
		fail_msg("after an inner rollback the outer transaction's "
			 "later write was autocommitted and store_commit "
			 "returned 0: the outer caller's transaction is no "
			 "longer atomic");
	assert_int_equal(rc, -1);
	assert_string_not_equal(e.msg, "");
}

static void
test_begin_is_immediate(void **state)
{
	struct store *st = *state;
	struct err e;
	struct store *other;

	/* BEGIN IMMEDIATE takes the write lock at once: a second writer
	 * waits (busy timeout) rather than failing mid-transaction. Here we
	 * only check that the lock is held: the second connection's
	 * transaction cannot start while ours runs. (PostgreSQL's writers
	 * lock rows, not the database: test_lock is its counterpart.) */
	if (tu_store_pg())
		skip();
	assert_int_equal(store_begin(st, &e), 0);
	other = store_open(tu_store(dbpath), &e);
	assert_non_null(other);
	assert_int_equal(
	    store_exec(other, "PRAGMA busy_timeout = 50", NULL, 0, &e), 0);
	assert_int_equal(store_begin(other, &e), -1);
	assert_string_equal(e.msg, "database: database is locked");
	store_free(other);
	assert_int_equal(store_commit(st, &e), 0);
}

/*
 * A statement stays valid while its rows are being read, whatever the
 * callback runs meanwhile. Here the callback runs the very same query: the
 * outer query must still see each of its 3 rows once.
 */
static int
inner_same(void *arg, struct store_row *r)
{
	struct store *st = ((void **)arg)[0];
	int *n = ((void **)arg)[1];

	(void)r;
	(*n)++;
	(void)store_query_int(st, "SELECT key FROM settings ORDER BY key", NULL,
			      0, 0);
	return *n > 10 ? 1 : 0; /* guard against a loop */
}

static void
test_reentrant_same_sql(void **state)
{
	struct store *st = *state;
	struct err e;
	int n = 0;
	void *arg[2] = {st, &n};

	put(st, "a", "1");
	put(st, "b", "2");
	put(st, "c", "3");
	assert_int_equal(store_query(st,
				     "SELECT key FROM settings ORDER BY key",
				     NULL, 0, inner_same, arg, &e),
			 0);
	assert_int_equal(n, 3);
}

/*
 * Same, with a callback running many different statements (more than the
 * statement cache holds): the statement being stepped must not be
 * finalized under the outer query.
 */
static int
inner_many(void *arg, struct store_row *r)
{
	struct store *st = ((void **)arg)[0];
	int *n = ((void **)arg)[1];

	(void)r;
	(*n)++;
	for (int i = 0; i < 80; i++) {
		char sql[64];

		str_fmt(sql, sizeof(sql), "SELECT %d + %d", i, *n);
		if (store_query_int(st, sql, NULL, 0, -1) != i + *n)
			return -1;
	}
	return *n > 10 ? 1 : 0;
}

static void
test_reentrant_cache_eviction(void **state)
{
	struct store *st = *state;
	struct err e;
	int n = 0;
	void *arg[2] = {st, &n};

	put(st, "a", "1");
	put(st, "b", "2");
	put(st, "c", "3");
	assert_int_equal(store_query(st,
				     "SELECT key, value FROM settings ORDER BY "
				     "key",
				     NULL, 0, inner_many, arg, &e),
			 0);
	assert_int_equal(n, 3);
}

/* 1 if the index called name exists (either backend). */
static int
has_index(struct store *st, const char *name)
{
	struct store_val v[1] = {SV_TEXT(name)};

	if (strcmp(store_backend(st), "sqlite") == 0)
		return store_query_int(st,
				       "SELECT count(*) FROM sqlite_master "
				       "WHERE type = 'index' AND name = ?",
				       v, 1, -1) == 1;
	return store_query_int(
		   st,
		   "SELECT count(*) FROM pg_indexes WHERE "
		   "schemaname = current_schema() AND indexname = ?",
		   v, 1, -1) == 1;
}

static void
bulk_rows(struct store *st, int from, int n)
{
	struct err e;

	for (int i = from; i < from + n; i++) {
		char k[32], v[32];
		struct store_val vals[2] = {SV_TEXT(k), SV_TEXT(v)};

		str_fmt(k, sizeof(k), "k%05d", i);
		str_fmt(v, sizeof(v), "v%d", i % 7);
		if (store_exec(st,
			       "INSERT INTO bt(k, v) VALUES (?, ?) ON "
			       "CONFLICT(k) DO UPDATE SET v = excluded.v",
			       vals, 2, &e) < 0)
			fail_msg("insert: %s", e.msg);
	}
}

/*
 * A bulk load: the non-unique index is set aside (SQLite) and built again
 * with its own SQL; the unique one (ON CONFLICT's) stays; a rollback
 * brings everything back; outside a transaction it is refused.
 */
static void
test_bulk_load(void **state)
{
	struct store *st = *state;
	static const char *const tables[] = {"bt"};
	int sqlite = strcmp(store_backend(st), "sqlite") == 0;
	char *before, *after;
	struct err e;

	assert_int_equal(
	    store_exec(st,
		       "CREATE TABLE bt (k TEXT PRIMARY KEY, v TEXT NOT NULL);"
		       "CREATE INDEX bt_v ON bt(v)  WHERE v <> 'v3';"
		       "CREATE UNIQUE INDEX bt_vk ON bt(v, k);",
		       NULL, 0, &e),
	    0);
	before = sqlite ? store_query_text(st,
					   "SELECT sql FROM sqlite_master "
					   "WHERE name = 'bt_v'",
					   NULL, 0)
			: xstrdup("");
	assert_int_equal(store_bulk_begin(st, tables, 1, 0, &e), -1);
	assert_string_equal(e.msg, "a bulk load begun outside a transaction");

	/* Rolled back: the index is there again, the rows are not. */
	assert_int_equal(store_begin(st, &e), 0);
	assert_int_equal(store_bulk_begin(st, tables, 1, 0, &e), 0);
	assert_int_equal(has_index(st, "bt_v"), !sqlite);
	assert_true(has_index(st, "bt_vk"));
	bulk_rows(st, 0, 500);
	store_rollback(st);
	assert_int_equal(store_bulk_end(st, &e), 0);
	assert_true(has_index(st, "bt_v"));
	assert_int_equal(
	    store_query_int(st, "SELECT count(*) FROM bt", NULL, 0, -1), 0);

	/* Committed: the index is built again, the same, and is whole. */
	assert_int_equal(store_begin(st, &e), 0);
	assert_int_equal(store_bulk_begin(st, tables, 1, 0, &e), 0);
	bulk_rows(st, 0, 500);
	bulk_rows(st, 250, 500); /* half of them again: updated */
	assert_int_equal(store_bulk_end(st, &e), 0);
	assert_true(has_index(st, "bt_v"));
	assert_int_equal(store_commit(st, &e), 0);
	assert_true(has_index(st, "bt_v"));
	assert_int_equal(
	    store_query_int(st, "SELECT count(*) FROM bt", NULL, 0, -1), 750);
	assert_int_equal(store_query_int(st,
					 "SELECT count(*) FROM bt WHERE v = "
					 "'v5'",
					 NULL, 0, -1),
			 107);
	if (sqlite) {
		char *ok =
		    store_query_text(st, "PRAGMA integrity_check", NULL, 0);

		assert_string_equal(ok, "ok");
		free(ok);
		after = store_query_text(st,
					 "SELECT sql FROM sqlite_master "
					 "WHERE name = 'bt_v'",
					 NULL, 0);
		assert_string_equal(after, before);
		free(after);
	}
	free(before);
}

/*
 * A bulk load of new rows (STORE_BULK_NEW): plain INSERTs of '?' values
 * (PostgreSQL: gathered and sent in COPYs of a megabyte) keep any text,
 * NULL and integers; a query in between sees every row given before it;
 * an INSERT the backend cannot load (a literal value) runs in its place;
 * a row the table refuses fails the load no later than its end, and the
 * rollback keeps nothing of it.
 */
static long long
count_bn(struct store *st, const char *where)
{
	char sql[128];

	str_fmt(sql, sizeof(sql), "SELECT count(*) FROM bn%s", where);
	return store_query_int(st, sql, NULL, 0, -1);
}

static void
test_bulk_new_rows(void **state)
{
	struct store *st = *state;
	static const char *const tables[] = {"bn"};
	const char *odd = "a\tb\nc\\d\re\\\\N 江门";
	char pad[201], key[32], *got;
	struct store_val v[3];
	struct err e;
	int rc = 0;

	memset(pad, 'x', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	assert_int_equal(store_exec(st,
				    "CREATE TABLE bn (k TEXT PRIMARY KEY, "
				    "v TEXT, n INTEGER NOT NULL)",
				    NULL, 0, &e),
			 0);
	assert_int_equal(store_begin(st, &e), 0);
	assert_int_equal(store_bulk_begin(st, tables, 1, STORE_BULK_NEW, &e),
			 0);
	for (int i = 0; i < 20000; i++) {
		str_fmt(key, sizeof(key), "k%05d", i);
		v[0] = SV_TEXT(key);
		v[1] = i == 1 ? SV_TEXT(odd) : i % 5 ? SV_TEXT(pad) : SV_NULL;
		v[2] = SV_INT(i == 2 ? -1234567890123LL : i);
		assert_int_equal(store_exec(st,
					    "INSERT INTO bn(k, v, n) VALUES "
					    "(?, ?, ?) ON CONFLICT(k) DO "
					    "NOTHING",
					    v, 3, &e),
				 0);
		if (i == 10000) {
			assert_int_equal(store_changes(st), 1);
			/* 2 MB given: some sent, the rest sent now */
			assert_int_equal(count_bn(st, ""), 10001);
		}
	}
	v[0] = SV_TEXT("z");
	assert_int_equal(
	    store_exec(st, "INSERT INTO bn(k, v, n) VALUES (?, 'lit', 7)", v, 1,
		       &e),
	    0);
	assert_int_equal(store_bulk_end(st, &e), 0);
	assert_int_equal(store_commit(st, &e), 0);
	assert_int_equal(count_bn(st, ""), 20001);
	assert_int_equal(count_bn(st, " WHERE v IS NULL"), 4000);
	assert_int_equal(count_bn(st, " WHERE n = -1234567890123"), 1);
	assert_int_equal(count_bn(st, " WHERE v = 'lit' AND n = 7"), 1);
	got = store_query_text(st, "SELECT v FROM bn WHERE k = 'k00001'", NULL,
			       0);
	assert_string_equal(got, odd);
	free(got);

	/* a key there already, without ON CONFLICT: refused */
	assert_int_equal(store_begin(st, &e), 0);
	assert_int_equal(store_bulk_begin(st, tables, 1, STORE_BULK_NEW, &e),
			 0);
	e.msg[0] = '\0';
	for (int i = 0; i < 3 && rc == 0; i++) {
		v[0] = SV_TEXT(i == 1 ? "k00007" : i ? "new2" : "new0");
		v[1] = SV_NULL;
		v[2] = SV_INT(i);
		rc = store_exec(st, "INSERT INTO bn(k, v, n) VALUES (?, ?, ?)",
				v, 3, &e);
	}
	if (rc == 0)
		rc = store_bulk_end(st, &e);
	if (rc == 0)
		rc = store_commit(st, &e);
	if (rc < 0) {
		store_rollback(st);
		store_bulk_end(st, NULL);
	}
	assert_int_equal(rc, -1);
	assert_true(strstr(e.msg, "UNIQUE") != NULL ||
		    strstr(e.msg, "duplicate key") != NULL);
	assert_int_equal(count_bn(st, ""), 20001);
	assert_int_equal(count_bn(st, " WHERE k LIKE 'new%'"), 0);
	/* the next transaction starts clean */
	assert_int_equal(store_begin(st, &e), 0);
	v[0] = SV_TEXT("new9");
	assert_int_equal(store_exec(st,
				    "INSERT INTO bn(k, v, n) VALUES (?, ?, ?)",
				    v, 3, &e),
			 0);
	assert_int_equal(store_commit(st, &e), 0);
	assert_int_equal(count_bn(st, ""), 20002);
}

/*
 * A merge (STORE_BULK_MERGE: an import into a store that holds rows):
 * upserts of '?' values and "DELETE FROM t WHERE c = ?" (PostgreSQL:
 * gathered in COPYs into temporary tables, each statement applied once,
 * in the order the statements first came) leave what running each as it
 * comes leaves (SQLite does): an updated row keeps the columns the
 * statement does not name, a new one gets their defaults; a parent's
 * children deleted and given again, one moved from a parent outside the
 * merge and one from a parent the merge deletes later; a query in between
 * sees every row given before it. The temporary tables go at the load's
 * end, so a second merge in the transaction works. A row the table
 * refuses fails the load with the table's name and (PostgreSQL) the row's
 * number, and the rollback keeps nothing.
 */
static int
merge_put(struct store *st, int i, int n, const char *v, struct err *e)
{
	char k[32];
	struct store_val vals[3] = {SV_TEXT(k), SV_TEXT(v), SV_INT(n)};

	str_fmt(k, sizeof(k), "k%05d", i);
	return store_exec(st,
			  "INSERT INTO bm(k, v, n) VALUES (?, ?, ?) ON "
			  "CONFLICT(k) DO UPDATE SET v = excluded.v, n = "
			  "excluded.n",
			  vals, 3, e);
}

static void
merge_parent(struct store *st, int i, int n, const char *pad)
{
	char v[300];
	struct err e;

	str_fmt(v, sizeof(v), "new%d %s", i, pad);
	if (merge_put(st, i, n, v, &e) < 0)
		fail_msg("upsert %d: %s", i, e.msg);
}

static void
merge_child(struct store *st, const char *name, int parent, int x)
{
	char k[32];
	struct store_val v[3] = {SV_TEXT(name), SV_TEXT(k), SV_INT(x)};
	struct err e;

	str_fmt(k, sizeof(k), "k%05d", parent);
	if (store_exec(st,
		       "INSERT INTO bmc(name, parent, x) VALUES (?, ?, ?) ON "
		       "CONFLICT(name) DO UPDATE SET parent = "
		       "excluded.parent, x = excluded.x",
		       v, 3, &e) < 0)
		fail_msg("child %s: %s", name, e.msg);
}

static long long
count_of(struct store *st, const char *sql)
{
	return store_query_int(st, sql, NULL, 0, -1);
}

static void
test_bulk_merge(void **state)
{
	struct store *st = *state;
	static const char *const tables[] = {"bm", "bmc"};
	int pg = strcmp(store_backend(st), "postgresql") == 0;
	char pad[201], name[32], k[32], table[64], *got;
	struct store_val v[1] = {SV_TEXT(k)};
	long long sum, row;
	struct err e, why;
	int rc = 0;

	memset(pad, 'x', sizeof(pad) - 1);
	pad[sizeof(pad) - 1] = '\0';
	assert_int_equal(
	    store_exec(st,
		       "CREATE TABLE bm (k TEXT PRIMARY KEY, v TEXT, n INTEGER "
		       "NOT NULL CHECK (n >= 0), note TEXT DEFAULT 'kept');"
		       "CREATE TABLE bmc (name TEXT PRIMARY KEY, parent TEXT "
		       "NOT NULL, x INTEGER NOT NULL);"
		       "CREATE INDEX bmc_parent ON bmc(parent);",
		       NULL, 0, &e),
	    0);
	/* 3,000 stored parents (note 'mine') with children a and b */
	assert_int_equal(store_begin(st, &e), 0);
	for (int i = 0; i < 3000; i++) {
		merge_parent(st, i, i, "old");
		str_fmt(name, sizeof(name), "c%05d-a", i);
		merge_child(st, name, i, 0);
		str_fmt(name, sizeof(name), "c%05d-b", i);
		merge_child(st, name, i, 0);
	}
	assert_int_equal(
	    store_exec(st, "UPDATE bm SET note = 'mine'", NULL, 0, &e), 0);
	assert_int_equal(store_commit(st, &e), 0);

	/* the merge: parents 1500-4499, half stored, half new */
	assert_int_equal(store_begin(st, &e), 0);
	assert_int_equal(store_bulk_begin(st, tables, 2, STORE_BULK_MERGE, &e),
			 0);
	for (int i = 1500; i < 4500; i++) {
		merge_parent(st, i, i * 2, pad);
		str_fmt(k, sizeof(k), "k%05d", i);
		assert_int_equal(store_exec(st,
					    "DELETE FROM bmc WHERE parent = ?",
					    v, 1, &e),
				 0);
		str_fmt(name, sizeof(name), "c%05d-a", i);
		merge_child(st, name, i, i);
		if (i == 1600) {
			merge_child(st, "c00100-b", i, -1);
			merge_child(st, "c02000-b", i, -2);
		}
		if (i == 3000) {
			assert_int_equal(
			    count_of(st, "SELECT count(*) FROM bm"), 3001);
			assert_int_equal(count_of(st, "SELECT n FROM bm WHERE "
						      "k = 'k02999'"),
					 5998);
		}
	}
	assert_int_equal(store_bulk_end(st, &e), 0);
	assert_int_equal(store_commit(st, &e), 0);
	assert_int_equal(count_of(st, "SELECT count(*) FROM bm"), 4500);
	assert_int_equal(
	    count_of(st, "SELECT count(*) FROM bm WHERE note = 'mine'"), 3000);
	assert_int_equal(
	    count_of(st, "SELECT count(*) FROM bm WHERE note = 'kept'"), 1500);
	assert_int_equal(count_of(st, "SELECT count(*) FROM bm WHERE k < "
				      "'k01500' AND v = 'new' || "
				      "substr(k, 2) || ' old' AND n = "
				      "CAST(substr(k, 2) AS INTEGER)"),
			 0); /* 'new00042 old' is not how they were written */
	assert_int_equal(count_of(st, "SELECT sum(n) FROM bm WHERE k >= "
				      "'k01500'"),
			 2LL * (1500 + 4499) * 3000 / 2);
	got = store_query_text(st, "SELECT v FROM bm WHERE k = 'k04499'", NULL,
			       0);
	assert_non_null(got);
	assert_true(str_starts(got, "new4499 xxx"));
	free(got);
	/* children: 2 of each parent outside, a of each inside, and the
	 * two moved */
	assert_int_equal(count_of(st, "SELECT count(*) FROM bmc"), 6001);
	assert_int_equal(count_of(st, "SELECT count(*) FROM bmc WHERE parent "
				      "= 'k01600'"),
			 3);
	assert_int_equal(count_of(st, "SELECT x FROM bmc WHERE name = "
				      "'c02000-b'"),
			 -2);
	assert_int_equal(count_of(st, "SELECT x FROM bmc WHERE name = "
				      "'c00100-b'"),
			 -1);
	assert_int_equal(count_of(st, "SELECT sum(x) FROM bmc WHERE name "
				      "LIKE '%-a'"),
			 (1500LL + 4499) * 3000 / 2);
	if (pg)
		assert_int_equal(count_of(st, "SELECT count(*) FROM pg_class "
					      "WHERE relname LIKE "
					      "'govsec_merge%'"),
				 0);

	/* two merges in one transaction: the second makes its own tables */
	assert_int_equal(store_begin(st, &e), 0);
	for (int round = 0; round < 2; round++) {
		assert_int_equal(
		    store_bulk_begin(st, tables, 2, STORE_BULK_MERGE, &e), 0);
		merge_parent(st, 5000 + round, round, "again");
		assert_int_equal(store_bulk_end(st, &e), 0);
	}
	assert_int_equal(store_commit(st, &e), 0);
	assert_int_equal(count_of(st, "SELECT count(*) FROM bm"), 4502);

	/* refused: parent 6321 (the 1,321st row, in the second COPY) */
	sum = count_of(st, "SELECT sum(n) FROM bm");
	assert_int_equal(store_begin(st, &e), 0);
	assert_int_equal(store_bulk_begin(st, tables, 2, STORE_BULK_MERGE, &e),
			 0);
	e.msg[0] = '\0';
	for (int i = 5000; i < 10000 && rc == 0; i++) {
		char vv[300];

		str_fmt(vv, sizeof(vv), "bad %s", pad);
		rc = merge_put(st, i, i == 6321 ? -1 : i, vv, &e);
	}
	if (rc == 0)
		rc = store_bulk_end(st, &e);
	assert_int_equal(rc, -1);
	why.msg[0] = '\0';
	row = store_bulk_failed(st, table, sizeof(table), &why);
	if (pg) {
		assert_int_equal(row, 1321);
		assert_string_equal(table, "bm");
		assert_true(str_starts(why.msg, "database: loading 'bm': "));
		assert_non_null(strstr(why.msg, "\"bm\" violates check"));
		assert_string_equal(e.msg, why.msg);
	} else {
		assert_int_equal(row, -2);
		assert_non_null(strstr(e.msg, "CHECK constraint failed"));
	}
	store_rollback(st);
	store_bulk_end(st, NULL);
	assert_int_equal(store_bulk_failed(st, table, sizeof(table), &why), -2);
	assert_int_equal(count_of(st, "SELECT count(*) FROM bm"), 4502);
	assert_int_equal(count_of(st, "SELECT sum(n) FROM bm"), sum);
	assert_int_equal(
	    count_of(st, "SELECT count(*) FROM bm WHERE v LIKE 'bad%'"), 0);
}

/*
 * A long read (store_read_hint; PostgreSQL reads a SELECT through a
 * cursor, 1,000 rows at a time): every row comes once and in order, also
 * with queries of their own run from the row callback, with parameters,
 * and a callback that stops early stops the reading.
 */
struct long_read {
	struct store *st;
	int n, nested, last;
	int stop_at;
};

static int
long_read_row(void *arg, struct store_row *r)
{
	struct long_read *lr = arg;
	int k = (int)store_row_int(r, 0);

	if (k != lr->last + 1)
		return -1;
	lr->last = k;
	lr->n++;
	if (k % 700 == 0) {
		struct store_val v[1] = {SV_INT(k)};

		lr->nested += (int)store_query_int(
		    lr->st, "SELECT count(*) FROM lr WHERE k <= ?", v, 1, -1);
	}
	return lr->n == lr->stop_at ? 1 : 0;
}

static void
test_long_read(void **state)
{
	struct store *st = *state;
	struct long_read lr;
	struct store_val v[1];
	struct err e;

	assert_int_equal(
	    store_exec(st, "CREATE TABLE lr (k INTEGER PRIMARY KEY, t TEXT)",
		       NULL, 0, &e),
	    0);
	assert_int_equal(store_begin(st, &e), 0);
	for (int i = 1; i <= 2500; i++) {
		v[0] = SV_INT(i);
		assert_int_equal(store_exec(st,
					    "INSERT INTO lr(k, t) VALUES (?, "
					    "'row')",
					    v, 1, &e),
				 0);
	}
	assert_int_equal(store_commit(st, &e), 0);
	store_read_hint(st, 1);
	assert_int_equal(store_begin_read(st, &e), 0);
	memset(&lr, 0, sizeof(lr));
	lr.st = st;
	v[0] = SV_TEXT("row");
	assert_int_equal(store_query(st,
				     "SELECT k FROM lr WHERE t = ? ORDER BY k",
				     v, 1, long_read_row, &lr, &e),
			 0);
	assert_int_equal(lr.n, 2500);
	assert_int_equal(lr.nested, 700 + 1400 + 2100);
	memset(&lr, 0, sizeof(lr));
	lr.st = st;
	lr.stop_at = 1500;
	assert_int_equal(store_query(st, "SELECT k FROM lr ORDER BY k", NULL, 0,
				     long_read_row, &lr, &e),
			 0);
	assert_int_equal(lr.n, 1500);
	/* a failing query inside: reported, the transaction ends */
	assert_int_equal(store_query(st, "SELECT k FROM no_such_table", NULL, 0,
				     long_read_row, &lr, &e),
			 -1);
	store_rollback(st);
	store_read_hint(st, 0);
	assert_int_equal(
	    store_query_int(st, "SELECT count(*) FROM lr", NULL, 0, -1), 2500);
}

/* store_load: rows of any text (tabs, line ends, backslashes, NULL) into
 * a table with a column PostgreSQL reserves; a refused row fails the load
 * and leaves nothing. */
static int
session_row(void *arg, struct store_row *r)
{
	struct rows *rs = arg;

	if (rs->n < 8)
		str_fmt(rs->seen[rs->n], sizeof(rs->seen[0]), "%s|%s|%s|%lld",
			store_row_text(r, 0), store_row_text(r, 1),
			store_row_null(r, 2) ? "NULL" : store_row_text(r, 2),
			store_row_int(r, 3));
	rs->n++;
	return 0;
}

static void
test_load(void **state)
{
	struct store *st = *state;
	const char *cols[] = {"token_hash", "user",    "device",
			      "level",	    "created", "seen"};
	const char *odd = "a\tb\nc\\d\re\\\\N 江门";
	struct store_load *l;
	struct store_val v[6];
	struct rows rs;
	struct err e;

	/* only inside a transaction, only plain names */
	assert_null(store_load_begin(st, "gate_sessions", cols, 6, &e));
	assert_non_null(strstr(e.msg, "outside a transaction"));
	assert_int_equal(store_begin(st, &e), 0);
	assert_null(store_load_begin(st, "gate_sessions; --", cols, 6, &e));
	assert_non_null(strstr(e.msg, "not a plain table name"));
	l = store_load_begin(st, "gate_sessions", cols, 6, &e);
	assert_non_null(l);
	for (int i = 0; i < 3000; i++) {
		char tok[32];

		str_fmt(tok, sizeof(tok), "t%05d", i);
		v[0] = SV_TEXT(tok);
		v[1] = SV_TEXT(i == 1 ? odd : "bob");
		v[2] = i % 2 ? SV_NULL : SV_TEXT("\\N");
		v[3] = SV_INT(i % 3);
		v[4] = SV_INT(-1234567890123LL);
		v[5] = SV_TEXT("42"); /* text into an integer column */
		assert_int_equal(store_load_row(l, v, &e), 0);
	}
	assert_int_equal(store_load_end(l, &e), 0);
	assert_int_equal(store_commit(st, &e), 0);
	assert_int_equal(store_query_int(st,
					 "SELECT count(*) FROM gate_sessions "
					 "WHERE seen = 42 AND created = "
					 "-1234567890123",
					 NULL, 0, -1),
			 3000);
	memset(&rs, 0, sizeof(rs));
	assert_int_equal(store_query(st,
				     "SELECT token_hash, user, device, level "
				     "FROM gate_sessions ORDER BY token_hash",
				     NULL, 0, session_row, &rs, &e),
			 0);
	assert_int_equal(rs.n, 3000);
	assert_string_equal(rs.seen[0], "t00000|bob|\\N|0");
	assert_string_equal(rs.seen[1],
			    "t00001|a\tb\nc\\d\re\\\\N 江门|NULL|1");

	/* a row the table refuses (a key given twice): the load or its end
	 * fails, the transaction rolls back, nothing of it stays */
	assert_int_equal(store_begin(st, &e), 0);
	l = store_load_begin(st, "gate_sessions", cols, 6, &e);
	assert_non_null(l);
	v[1] = SV_TEXT("carol");
	v[2] = SV_NULL;
	{
		int rc = 0;

		for (int i = 0; i < 3 && rc == 0; i++) {
			v[0] = SV_TEXT(i == 2 ? "t00007" : i ? "n1" : "n0");
			rc = store_load_row(l, v, &e);
		}
		if (store_load_end(l, &e) < 0)
			rc = -1;
		assert_int_equal(rc, -1);
	}
	store_rollback(st);
	assert_int_equal(store_query_int(st,
					 "SELECT count(*) FROM gate_sessions "
					 "WHERE user = 'carol'",
					 NULL, 0, -1),
			 0);
	assert_int_equal(store_query_int(st,
					 "SELECT count(*) FROM gate_sessions",
					 NULL, 0, -1),
			 3000);
}

/* Writes inside a transaction (sent ahead without waiting on
 * PostgreSQL): reads and store_changes see every one of them in order,
 * and a write that fails is reported no later than the commit, which
 * then keeps nothing. */
static void
test_writes_in_transaction(void **state)
{
	struct store *st = *state;
	struct store_val v[2];
	struct err e;
	int rc;

	assert_int_equal(store_begin(st, &e), 0);
	for (int i = 0; i < 2500; i++) {
		char key[32];

		str_fmt(key, sizeof(key), "k%04d", i);
		v[0] = SV_TEXT(key);
		v[1] = SV_TEXT("v");
		assert_int_equal(store_exec(st,
					    "INSERT INTO settings(key, value) "
					    "VALUES (?, ?)",
					    v, 2, &e),
				 0);
		if (i == 1200)
			assert_int_equal(count_settings(st), 1201);
	}
	assert_int_equal(
	    store_exec(st,
		       "UPDATE settings SET value = 'w' WHERE key < 'k0100'",
		       NULL, 0, &e),
	    0);
	assert_int_equal(store_changes(st), 100);
	v[0] = SV_TEXT("k2499");
	assert_int_equal(
	    store_exec(st, "DELETE FROM settings WHERE key = ?", v, 1, &e), 0);
	assert_int_equal(store_changes(st), 1);
	assert_int_equal(store_commit(st, &e), 0);
	assert_int_equal(count_settings(st), 2499);

	assert_int_equal(store_begin(st, &e), 0);
	v[0] = SV_TEXT("new");
	v[1] = SV_TEXT("1");
	assert_int_equal(store_exec(st,
				    "INSERT INTO settings(key, value) "
				    "VALUES (?, ?)",
				    v, 2, &e),
			 0);
	v[0] = SV_TEXT("k0005"); /* there already */
	e.msg[0] = '\0';
	rc = store_exec(st, "INSERT INTO settings(key, value) VALUES (?, ?)", v,
			2, &e);
	v[0] = SV_TEXT("new2");
	if (rc == 0)
		rc = store_exec(st,
				"INSERT INTO settings(key, value) VALUES "
				"(?, ?)",
				v, 2, &e);
	if (rc == 0)
		rc = store_commit(st, &e);
	else
		store_rollback(st);
	assert_int_equal(rc, -1);
	assert_true(strstr(e.msg, "UNIQUE") != NULL ||
		    strstr(e.msg, "duplicate key") != NULL);
	assert_int_equal(count_settings(st), 2499);
	/* the next transaction starts clean */
	assert_int_equal(store_begin(st, &e), 0);
	assert_int_equal(store_exec(st,
				    "INSERT INTO settings(key, value) "
				    "VALUES (?, ?)",
				    v, 2, &e),
			 0);
	assert_int_equal(store_commit(st, &e), 0);
	assert_int_equal(count_settings(st), 2500);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_open_errors),
	    cmocka_unit_test(test_open_uri_and_pragmas),
	    cmocka_unit_test_setup_teardown(test_migrate, open_store,
					    close_store),
	    cmocka_unit_test(test_migrate_incremental),
	    cmocka_unit_test_setup_teardown(test_migrate_newer, open_store,
					    close_store),
	    cmocka_unit_test_setup_teardown(test_exec_query, open_store,
					    close_store),
	    cmocka_unit_test_setup_teardown(test_values, open_store,
					    close_store),
	    cmocka_unit_test_setup_teardown(test_row_accessors, open_store,
					    close_store),
	    cmocka_unit_test_setup_teardown(test_errors, open_store,
					    close_store),
	    cmocka_unit_test_setup_teardown(test_multi_statement, open_store,
					    close_store),
	    cmocka_unit_test_setup_teardown(test_settings, open_store,
					    close_store),
	    cmocka_unit_test_setup_teardown(test_commit_persists, open_store,
					    close_store),
	    cmocka_unit_test_setup_teardown(test_rollback, open_store,
					    close_store),
	    cmocka_unit_test_setup_teardown(test_nested_commit, open_store,
					    close_store),
	    cmocka_unit_test_setup_teardown(test_nested_outer_rollback,
					    open_store, close_store),
	    cmocka_unit_test_setup_teardown(test_nested_inner_rollback,
					    open_store, close_store),
	    cmocka_unit_test_setup_teardown(test_begin_is_immediate, open_store,
					    close_store),
	    cmocka_unit_test_setup_teardown(test_reentrant_same_sql, open_store,
					    close_store),
	    cmocka_unit_test_setup_teardown(test_dialect, open_store,
					    close_store),
	    cmocka_unit_test_setup_teardown(test_lock, open_store, close_store),
	    cmocka_unit_test_setup_teardown(test_serializable, open_store,
					    close_store),
	    cmocka_unit_test_setup_teardown(test_bulk_load, open_store,
					    close_store),
	    cmocka_unit_test_setup_teardown(test_load, open_store, close_store),
	    cmocka_unit_test_setup_teardown(test_bulk_new_rows, open_store,
					    close_store),
	    cmocka_unit_test_setup_teardown(test_bulk_merge, open_store,
					    close_store),
	    cmocka_unit_test_setup_teardown(test_long_read, open_store,
					    close_store),
	    cmocka_unit_test_setup_teardown(test_writes_in_transaction,
					    open_store, close_store),
	    /* Last: before the fix it uses a finalized statement. */
	    cmocka_unit_test_setup_teardown(test_reentrant_cache_eviction,
					    open_store, close_store),
	};

	return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
