/*
 * store.h: the public face of src/store. One SQL-level interface over two
 * backends (SQLite, the embedded default, and PostgreSQL through libpq,
 * store_pg.c). Callers write portable SQL with '?' parameters and read
 * rows through a callback; every command runs in one transaction. Values
 * passed in are bound, never spliced into SQL. What the two dialects
 * write differently (types of the migrations, an identifier PostgreSQL
 * reserves) is translated inside the backend, never in callers.
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
/* Binds s (not read here: GCC's -Wmaybe-uninitialized is told so, for a
 * buffer bound before a later call fills it). */
#if defined(__GNUC__) && !defined(__clang__)
static inline struct store_val store_text(const char *s)
    __attribute__((access(none, 1)));
#endif
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
 * Opens the store at uri: a file path or "sqlite:PATH" (created if absent),
 * or a PostgreSQL database: "postgresql://..." (a libpq URI) or
 * "postgresql:CONNINFO" (e.g. "postgresql:service=govsec"; "postgres:" is
 * the same). Returns NULL with e set on failure. The SQLite backend uses
 * WAL mode, foreign keys and a busy timeout; one struct store is one
 * connection, used by one thread at a time (each part of govsecd opens its
 * own).
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
/*
 * Begins a write transaction in which what is read stays true until the
 * commit: SQLite's writers are serialized anyway; PostgreSQL runs it
 * SERIALIZABLE, so a commit may fail with store_retry() true: run the
 * whole transaction again (store_run does).
 */
int store_begin_serializable(struct store *st, struct err *e);
/*
 * Inside a write transaction: waits until no other connection (of this
 * or another govsecd on the same database) holds the lock called name,
 * and holds it until the transaction ends. Makes read-then-write steps
 * exact across instances (the audit chain's head, a lockout count). A
 * no-op on SQLite, whose write transactions already exclude each other.
 */
int store_lock(struct store *st, const char *name, struct err *e);
/* 1 if the last failure was a serialization failure or a deadlock, which
 * running the whole transaction again may cure. */
int store_retry(struct store *st);
/*
 * Runs fn in a transaction (serializable if serial, else a plain write
 * transaction), committing if it returns 0, rolling back if -1; runs it
 * again (up to 50 times, pausing a little) while the failure is one
 * store_retry() names.
 */
int store_run(struct store *st, int serial,
	      int (*fn)(struct store *st, void *arg, struct err *e), void *arg,
	      struct err *e);
/*
 * Begins a read transaction on st like store_begin_read and, where the
 * backend can, opens *twin: a second connection to the same store, for a
 * second thread, in a read transaction that sees exactly what st's sees
 * (SQLite: both begin while a third connection holds the write lock for a
 * moment, so nothing commits in between). *twin is NULL where that cannot
 * be: PostgreSQL (for now), an in-memory store, st already in a
 * transaction, or the write lock not free within 100 ms; the caller then
 * reads everything through st. The twin ends its transaction with
 * store_commit or store_rollback and is freed with store_free. 0, or -1
 * with e set (st's transaction did not begin; *twin NULL).
 */
int store_begin_read_twin(struct store *st, struct store **twin, struct err *e);
/* Says that a long read of much of the store follows on this connection
 * (on 1: govsec check) or has ended (on 0): SQLite keeps a small page
 * cache meanwhile (each page is read once); nothing on PostgreSQL. */
void store_read_hint(struct store *st, int on);
/* The backend's name: "sqlite" or "postgresql". */
const char *store_backend(const struct store *st);
int store_commit(struct store *st, struct err *e);
void store_rollback(struct store *st);
/* Runs one statement; 0 or -1 with e set. A value's SQL type comes from
 * where its '?' stands (PostgreSQL infers it as SQLite's affinity does);
 * where nothing says (? - ?), cast it: CAST(? AS INTEGER). */
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
/*
 * Runs an INSERT of one row into a table whose key is the column id and
 * sets *id to the new row's id (RETURNING: the row this connection
 * inserted, even when other connections insert at once). 0, or -1 with e
 * set.
 */
int store_insert(struct store *st, const char *sql, const struct store_val *v,
		 int nv, long long *id, struct err *e);
/* The clause that ends a SELECT which claims rows (store_jobs.c): " FOR
 * UPDATE SKIP LOCKED" on PostgreSQL, "" on SQLite. */
const char *store_claim_lock(const struct store *st);
/*
 * Notifications between the connections of several govsecd on one store
 * (PostgreSQL's NOTIFY and LISTEN). store_notify tells every connection
 * listening on channel (a lower-case word), when the transaction under way
 * commits (at once outside one); a no-op on SQLite. 0 or -1 with e set.
 */
int store_notify(struct store *st, const char *channel, struct err *e);
/* Makes this connection listen on channel: 0, or -1 with e set, also on a
 * backend without notifications (SQLite: the caller polls instead). */
int store_listen(struct store *st, const char *channel, struct err *e);
/* On a listening connection, waits up to ms for a notification: 1 if one
 * or more came (all taken), 0 if none, -1 with e set if the connection
 * failed (listen again on a new one). */
int store_wait_notify(struct store *st, int ms, struct err *e);
/* The descriptor of a listening connection, to poll (for reading) beside
 * others: readable when a notification may have come (then take it with
 * store_wait_notify(st, 0, e)); -1 on a backend without notifications or
 * when the connection is lost. */
int store_notify_fd(struct store *st);
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
/* The column's name in the result (its alias if it has one). */
const char *store_row_name(struct store_row *r, int col);
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

/*
 * The tables of the store (not the backend's own) in an order in which
 * each comes after those its foreign keys name; fn is called once per
 * table, 0 to go on. 0 or -1 with e set.
 */
int store_tables(struct store *st, int (*fn)(void *arg, const char *table),
		 void *arg, struct err *e);
/* 1 if the store has a table called name. */
int store_has_table(struct store *st, const char *name);
/* After rows were copied in with their own keys: moves each generated
 * key's counter past the largest key present. 0 or -1 with e set. */
int store_fix_keys(struct store *st, struct err *e);
/*
 * A bulk load (an import into a new store). Inside a write transaction,
 * before many rows go into the n tables: the backend may set their
 * secondary indexes aside, to build each once at the end instead of
 * updating it row by row (SQLite drops the non-unique ones it made from
 * CREATE INDEX; PostgreSQL: nothing). store_bulk_end, in the same
 * transaction, builds them again from their own SQL; after a rollback
 * (which restored them with everything else) it only forgets them. A
 * crash before the commit leaves the store as it was, indexes included.
 * With STORE_BULK_NEW the caller promises that every INSERT into the
 * tables until store_bulk_end adds a new row (its ON CONFLICT clause, if
 * any, never fires): the backend may then load such an INSERT of '?'
 * values instead of running it (PostgreSQL: the rows of each statement
 * text are gathered and sent in a COPY now and then, before anything else
 * runs on st, and at store_bulk_end); a row the table refuses then fails
 * a later call (at the latest store_bulk_end or the commit), and
 * store_changes says 1 for each. SQLite runs every INSERT as it comes.
 *   STORE_BULK_MERGE (an import into a store that holds rows) instead:
 * nothing is set aside, and the caller promises that the INSERTs of '?'
 * values into the tables and their DELETEs "DELETE FROM t WHERE c = ?"
 * may each be run late, the rows of one statement text all at once, the
 * texts in the order each first came, and that no two rows of one
 * INSERT text meet on its ON CONFLICT key. PostgreSQL then sends such a
 * statement's rows in COPYs into a temporary table of its own and runs it
 * once over them ("INSERT INTO t ... SELECT ... FROM tmp ON CONFLICT ...
 * ", "DELETE FROM t WHERE c IN (SELECT c FROM tmp)") before anything else
 * runs on st and at store_bulk_end, so in the caller's transaction; SQLite
 * runs each statement as it comes (its indexes serve them).
 * Both return 0 or -1 with e set.
 */
#define STORE_BULK_NEW	 1u
#define STORE_BULK_MERGE 2u
int store_bulk_begin(struct store *st, const char *const *tables, int n,
		     unsigned flags, struct err *e);
int store_bulk_end(struct store *st, struct err *e);
/*
 * After a call failed in a bulk load (before the rollback): if the failure
 * was a row refused while loading a table of the load, the table's name
 * goes into table (n bytes), the backend's message into why ("database:
 * loading 'TABLE': reason"), and the result is the row's number (from 0)
 * among the rows given to the one INSERT text into that table when the
 * backend knows it (a COPY names the line it refused), else -1. -2 if the
 * failure was no such row (SQLite: always; each INSERT fails itself).
 */
long long store_bulk_failed(struct store *st, char *table, size_t n,
			    struct err *why);

/* store_jobs.c */
/*
 * Periodic work shared by several govsecd (table sched_jobs): a job
 * (kind, name) is due at an epoch time in ms and held by one instance (its
 * owner, an id such as "host:pid:start") until lease_until. Times are
 * epoch milliseconds of each instance's clock (kept in step by NTP; a
 * lease is seconds long).
 */
struct store_job {
	char kind[64];	 /* e.g. "inspect" */
	char name[256];	 /* e.g. a host name */
	char data[256];	 /* what the work needs besides (an application) */
	char owner[128]; /* "" when free */
	long long due, lease_until, runs;
	long long token; /* counts the claims: the holder's is the last */
};
long long store_now_ms(void);
/* Adds the job, due at due, unless it exists: 1 added, 0 there, -1. */
int store_job_add(struct store *st, const char *kind, const char *name,
		  const char *data, long long due, struct err *e);
/* Calls fn for each job of kind (name order); fn returns 0 to go on. */
int store_job_list(struct store *st, const char *kind,
		   int (*fn)(void *arg, const struct store_job *j), void *arg,
		   struct err *e);
/*
 * Claims the job of kind due first (due <= now) that nobody holds or
 * whose lease has expired, for owner until now + lease_ms, in one
 * transaction; instances claiming at once get different jobs. Each claim
 * counts one more token (out->token): the calls below and the fence
 * check it, so that an instance that held the job before (its lease
 * taken over) can no longer renew, end or write anything for it. 1 with
 * out filled, 0 if none is due, -1 with e set.
 */
int store_job_claim(struct store *st, const char *kind, const char *owner,
		    long long now, long long lease_ms, struct store_job *out,
		    struct err *e);
/* The heartbeat: extends j's lease (as claimed: kind, name, owner,
 * token) to until. 1, 0 if it is not held so any more (taken over), -1
 * with e set. */
int store_job_renew(struct store *st, const struct store_job *j,
		    long long until, struct err *e);
/* The work is done: free, next due at next_due, one more run. 1, 0 if j
 * was not held so any more, -1. */
int store_job_done(struct store *st, const struct store_job *j,
		   long long next_due, long long now, struct err *e);
/* Gives the job up undone (a stop): another instance may take it at
 * once. 1, 0 if j was not held so any more, -1. */
int store_job_release(struct store *st, const struct store_job *j,
		      struct err *e);
/*
 * Fencing: inside a write transaction on st, checks that j (as claimed)
 * is still held by its owner under its token, and locks its row until
 * the transaction ends, so that nobody takes it over before the commit;
 * when due > 0, moves it to due (its next slot) in the same transaction,
 * so that work whose results are now stored is not done again should
 * the holder stall before store_job_done. A lease run out but not taken
 * over is still held. 1 held, 0 taken over (logged as a warning with the
 * instance and the job), -1 with e set.
 */
int store_job_fence(struct store *st, const struct store_job *j, long long due,
		    struct err *e);
/*
 * Fences the connection st for the work of j (NULL: no more): from now
 * on every write transaction on st that begins (store_begin,
 * store_begin_serializable, store_run) first runs store_job_fence(j,
 * due) and fails, rolled back, when the job was taken over, and every
 * write outside a transaction (store_exec, store_insert) runs in one
 * such transaction. So the work stores its results only while it holds
 * its job, whatever it writes and through whichever function, and
 * nothing once another instance took it over. Reads are unchanged. j is
 * copied.
 */
void store_fence(struct store *st, const struct store_job *j, long long due);
/* How many write transactions the fence refused since it was set. */
int store_fence_refused(const struct store *st);
/* Moves a free job due at due_was to due. 1, 0 if it changed meanwhile,
 * -1. */
int store_job_move(struct store *st, const char *kind, const char *name,
		   long long due_was, long long due, struct err *e);
/* Removes a job nobody holds (or whose lease ended before now). 1, 0,
 * -1. */
int store_job_remove(struct store *st, const char *kind, const char *name,
		     long long now, struct err *e);
/* The earliest time a job of kind could be claimed (def if none). */
long long store_job_next(struct store *st, const char *kind, long long def);

/*
 * Loading many rows into one table (store copy, bulk writes): inside a
 * write transaction, store_load_begin names the table and its columns
 * (plain lower-case names), store_load_row gives each row's ncols values,
 * store_load_end ends the load and frees it (also after a failure).
 * SQLite inserts each row through one prepared INSERT; PostgreSQL streams
 * the rows in one COPY FROM STDIN, without a round trip a row. Nothing
 * else may run on st between begin and end. A row the table refuses
 * fails the load (on PostgreSQL only at store_load_end); after a failure
 * the transaction can only be rolled back. NULL or -1 with e set.
 */
struct store_load;
struct store_load *store_load_begin(struct store *st, const char *table,
				    const char *const *cols, int ncols,
				    struct err *e);
int store_load_row(struct store_load *l, const struct store_val *v,
		   struct err *e);
int store_load_end(struct store_load *l, struct err *e);

/* store_copy.c */
/*
 * Copies every row of store from into store to (which must hold no rows
 * yet), table by table in foreign key order, in one transaction on to;
 * both at the newest schema version (to is migrated first). Reports each
 * table's count through log_info when verbose. 0 or -1 with e set and
 * nothing left written in to.
 */
int store_copy(struct store *from, struct store *to, int verbose,
	       struct err *e);

/* Backend interface: what each backend implements (store_impl.h has the
 * row side). */
struct store_ops {
	const char *name;
	void *(*open)(const char *target, struct err *e);
	void (*close)(void *h);
	int (*exec)(void *h, const char *sql, const struct store_val *v, int nv,
		    store_row_fn fn, void *arg, struct err *e);
	long long (*changes)(void *h);
	/* The statement that begins a transaction: mode 0 read, 1 write,
	 * 2 serializable write. */
	const char *(*begin_sql)(int mode);
	/* store_lock inside a write transaction; NULL: nothing to do. */
	int (*lock)(void *h, const char *name, struct err *e);
	/* 1 if the last error may be cured by running it again. */
	int (*retryable)(void *h);
	/* A query of the user tables: rows (table, a table it references
	 * or NULL), ordered by table. */
	const char *tables_sql;
	/* store_fix_keys; NULL: nothing to do. */
	int (*fix_keys)(void *h, struct err *e);
	/* store_read_hint; NULL: nothing to do. */
	void (*read_hint)(void *h, int on);
	/* store_begin_read_twin: begins h's read transaction and returns a
	 * second handle in one that reads the same snapshot, or NULL with
	 * h in no transaction; NULL: the backend cannot (PostgreSQL could,
	 * with pg_export_snapshot and SET TRANSACTION SNAPSHOT). */
	void *(*read_twin)(void *h);
	/* store_claim_lock's clause; NULL: none (writers exclude each
	 * other anyway). */
	const char *claim_lock;
	/* store_notify, store_listen, store_wait_notify; NULL: the backend
	 * has no notifications (one process: nobody to tell). */
	int (*notify)(void *h, const char *channel, struct err *e);
	int (*listen)(void *h, const char *channel, struct err *e);
	int (*wait_notify)(void *h, int ms, struct err *e);
	int (*notify_fd)(void *h); /* NULL: -1 */
	/* store_bulk_begin and store_bulk_end (rebuild 0: only forget);
	 * NULL: nothing to do. */
	int (*bulk_begin)(void *h, const char *const *tables, int n,
			  unsigned flags, struct err *e);
	int (*bulk_end)(void *h, int rebuild, struct err *e);
	/* store_bulk_failed: -1 with table and why set, the row, or -2;
	 * NULL: -2. */
	long long (*bulk_failed)(void *h, char *table, size_t n,
				 struct err *why);
	/* store_load in the backend's own way; NULL: a prepared INSERT a
	 * row (store.c). load_end frees what load_begin made; ok 0: the
	 * load is given up. */
	void *(*load_begin)(void *h, const char *table, const char *const *cols,
			    int ncols, struct err *e);
	int (*load_row)(void *l, const struct store_val *v, struct err *e);
	int (*load_end)(void *l, int ok, struct err *e);
};
extern const struct store_ops store_sqlite_ops;
extern const struct store_ops store_pg_ops;

/* schema.c */
struct migration {
	int version;
	const char *sql;
};
extern const struct migration store_migrations[];
extern const int store_nmigrations;

#endif
