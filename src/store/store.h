/*
 * store.h: the public face of src/store. One SQL-level interface over a
 * backend (SQLite now; PostgreSQL can implement struct store_ops later
 * without touching callers). Callers write portable SQL with '?' parameters
 * and read rows through a callback; every command runs in one transaction.
 * Values passed in are bound, never spliced into SQL.
 */
#ifndef GOVSEC_STORE_H
#define GOVSEC_STORE_H

#include "base/base.h"

enum store_type { SV_NULL_T, SV_INT_T, SV_TEXT_T };
struct store_val {
	enum store_type type;
	long long i;
	const char *s;
};
static inline struct store_val
store_text(const char *s)
{
	struct store_val v = {s != NULL ? SV_TEXT_T : SV_NULL_T, 0, s};

	return v;
}
#define SV_NULL	   ((struct store_val){SV_NULL_T, 0, NULL})
#define SV_INT(v)  ((struct store_val){SV_INT_T, (long long)(v), NULL})
#define SV_TEXT(v) store_text(v) /* NULL binds SQL NULL */

struct store;
struct store_row;

/* A row callback returns 0 to go on, 1 to stop early, -1 on error. */
typedef int (*store_row_fn)(void *arg, struct store_row *row);

/* store.c */
/*
 * Opens the store at uri: a file path or "sqlite:PATH" (created if absent).
 * Returns NULL with e set on failure. The SQLite backend uses WAL mode,
 * foreign keys and a busy timeout.
 */
struct store *store_open(const char *uri, struct err *e);
void store_free(struct store *st);
/* Applies pending migrations in one transaction; 0 or -1 with e set. */
int store_migrate(struct store *st, struct err *e);
/* Schema version applied (0 for an empty store). */
int store_version(struct store *st);
int store_begin(struct store *st, struct err *e);
/* Begins a read transaction (no write lock until something writes); ends
 * with store_commit or store_rollback like any other. */
int store_begin_read(struct store *st, struct err *e);
int store_commit(struct store *st, struct err *e);
void store_rollback(struct store *st);
/* Runs one statement; 0 or -1 with e set. */
int store_exec(struct store *st, const char *sql, const struct store_val *v,
	       int nv, struct err *e);
/* Runs one query calling fn per row; 0, or -1 with e set (fn's -1 too). */
int store_query(struct store *st, const char *sql, const struct store_val *v,
		int nv, store_row_fn fn, void *arg, struct err *e);
/* Rows changed by the last store_exec. */
long long store_changes(struct store *st);
/* Convenience: first column of the first row as integer (def if none). */
long long store_query_int(struct store *st, const char *sql,
			  const struct store_val *v, int nv, long long def);
/* Convenience: first column of the first row as a heap string or NULL. */
char *store_query_text(struct store *st, const char *sql,
		       const struct store_val *v, int nv);
/* Row accessors; valid only inside the callback. Text is UTF-8 or NULL. */
int store_row_count(struct store_row *r);
const char *store_row_text(struct store_row *r, int col);
long long store_row_int(struct store_row *r, int col);
int store_row_null(struct store_row *r, int col);
/* Bytes of the column's text, which may hold a NUL before its end (a
 * value written behind govsec's back); 0 for NULL. */
size_t store_row_bytes(struct store_row *r, int col);
/* A key/value setting in the store (table settings); NULL if unset. */
char *store_setting_get(struct store *st, const char *key);
int store_setting_set(struct store *st, const char *key, const char *value,
		      struct err *e);
/*
 * Loads the store's key file into k ([store] key, or "<store_path>.key")
 * and checks it against the value the store sealed with it the first
 * time (setting "store.key_check"). A store that has sealed nothing yet
 * gets its key file made if missing, and the check value. -1 with e
 * saying why when the key file is missing, unsafe or another store's.
 */
int store_key_open(struct store *st, const struct config *c,
		   const char *store_path, struct secret_key *k, struct err *e);

/* Backend interface: what a second backend implements. */
struct store_ops {
	const char *name;
	void *(*open)(const char *target, struct err *e);
	void (*close)(void *h);
	int (*exec)(void *h, const char *sql, const struct store_val *v, int nv,
		    store_row_fn fn, void *arg, struct err *e);
	long long (*changes)(void *h);
	/* SQL dialect differences a migration may need; NULL if none. */
	const char *(*dialect)(const char *sql);
};
extern const struct store_ops store_sqlite_ops;

/* schema.c */
struct migration {
	int version;
	const char *sql;
};
extern const struct migration store_migrations[];
extern const int store_nmigrations;

#endif
