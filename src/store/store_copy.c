/*
 * store_copy.c: moves a whole store from one backend to another (govsec
 * store copy): every table, parents before children, each row with its
 * own keys, in one transaction on the target. Trusts both stores' schemas
 * (both at this govsec's newest version); values go across as bound text.
 */
#include <stdlib.h>
#include <string.h>

#include "store/store_impl.h"

#define COPY_COLS 96

struct copy {
	struct store *from, *to;
	struct err *e;
	int verbose;
	long long rows;
};

/* Rows go across through store_load (PostgreSQL: one COPY a table). */
struct copy_table {
	struct copy *c;
	const char *table;
	struct store_load *load;
};

static int
insert_row(void *arg, struct store_row *r)
{
	struct copy_table *t = arg;
	struct copy *c = t->c;
	struct store_val v[COPY_COLS];
	int n = store_row_count(r);

	if (t->load == NULL) {
		const char *cols[COPY_COLS];

		if (n > COPY_COLS) {
			err_set(c->e, "table '%s' has more than %d columns",
				t->table, COPY_COLS);
			return -1;
		}
		for (int i = 0; i < n; i++)
			cols[i] = store_row_name(r, i);
		t->load = store_load_begin(c->to, t->table, cols, n, c->e);
		if (t->load == NULL) {
			err_prefix(c->e, "table '%s'", t->table);
			return -1;
		}
	}
	for (int i = 0; i < n; i++)
		v[i] = store_row_null(r, i) ? SV_NULL
					    : SV_TEXT(store_row_text(r, i));
	if (store_load_row(t->load, v, c->e) < 0) {
		err_prefix(c->e, "table '%s'", t->table);
		return -1;
	}
	c->rows++;
	return 0;
}

/* "PREFIX table" into sql for a table to copy; 0, 1 to leave the table
 * out (the target's migrations wrote their own version rows), -1. */
static int
table_sql(char *sql, size_t n, const char *prefix, const char *table,
	  struct err *e)
{
	if (strcmp(table, "schema_version") == 0)
		return 1;
	if (!store_plain_name(table)) {
		err_set(e, "table '%s': not a plain name", table);
		return -1;
	}
	return str_fmt(sql, n, "%s %s", prefix, table) < 0 ? -1 : 0;
}

static int
copy_table(void *arg, const char *table)
{
	struct copy *c = arg;
	struct copy_table t = {c, table, NULL};
	char sql[256];
	long long before = c->rows;
	int rc = table_sql(sql, sizeof(sql), "SELECT * FROM", table, c->e);

	if (rc != 0)
		return rc < 0 ? -1 : 0;
	rc = store_query(c->from, sql, NULL, 0, insert_row, &t, c->e);
	if (t.load != NULL &&
	    store_load_end(t.load, rc < 0 ? NULL : c->e) < 0 && rc == 0) {
		err_prefix(c->e, "table '%s'", table);
		rc = -1;
	}
	if (rc < 0)
		return -1;
	if (c->verbose)
		log_info("store copy: %s: %lld rows", table, c->rows - before);
	return 0;
}

struct count {
	struct store *st;
	long long rows;
	struct err *e;
};

static int
count_table(void *arg, const char *table)
{
	struct count *n = arg;
	char sql[256];
	int rc =
	    table_sql(sql, sizeof(sql), "SELECT count(*) FROM", table, n->e);

	if (rc != 0)
		return rc < 0 ? -1 : 0;
	n->rows += store_query_int(n->st, sql, NULL, 0, 0);
	return 0;
}

int
store_copy(struct store *from, struct store *to, int verbose, struct err *e)
{
	struct copy c = {from, to, e, verbose, 0};
	struct count n = {to, 0, e};
	int newest = store_migrations[store_nmigrations - 1].version;

	if (store_version(from) != newest) {
		err_set(e,
			"the source store is at schema version %d, not %d: "
			"open it with this govsec first (govsecd -n)",
			store_version(from), newest);
		return -1;
	}
	if (store_migrate(to, e) < 0) {
		err_prefix(e, "the target store");
		return -1;
	}
	if (store_tables(to, count_table, &n, e) < 0)
		return -1;
	if (n.rows > 0) {
		err_set(e, "the target store is not empty (%lld rows)", n.rows);
		return -1;
	}
	/* the source stays still while it is read */
	if (store_begin_read(from, e) < 0)
		return -1;
	if (store_begin(to, e) < 0)
		goto fail_from;
	if (store_tables(from, copy_table, &c, e) < 0 ||
	    store_fix_keys(to, e) < 0) {
		store_rollback(to);
		goto fail_from;
	}
	if (store_commit(to, e) < 0)
		goto fail_from;
	store_rollback(from);
	if (verbose)
		log_info("store copy: %lld rows in all", c.rows);
	return 0;
fail_from:
	store_rollback(from);
	return -1;
}
