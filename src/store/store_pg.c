/*
 * store_pg.c: the PostgreSQL backend of the store (libpq). The store's SQL
 * is written once for both backends; what PostgreSQL reads differently is
 * translated here, once per statement text: '?' placeholders become $n,
 * INTEGER becomes BIGINT (SQLite's integers have 64 bits), INTEGER PRIMARY
 * KEY an identity column, a TEXT column compares bytes like SQLite's
 * (COLLATE "C"), the column name user (reserved by PostgreSQL) is quoted.
 * Every value is bound as a parameter; statements are prepared once per
 * connection and kept by text. Trusts its callers' SQL; what the server
 * sends back is read through libpq.
 */
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libpq-fe.h>

#include "store/store_impl.h"

/* Parameters of one statement (PostgreSQL allows 65535). */
#define PG_PARAMS_MAX 4096

#define PG_CACHE    512
#define PG_BOOL_OID 16

struct pg_stmt {
	char *sql;  /* the caller's text (the key) */
	char *name; /* the prepared statement's name */
	int nparams;
};

/* A statement of a bulk load whose rows are gathered to be sent in a
 * COPY (pg_gather_send): an INSERT (STORE_BULK_NEW, STORE_BULK_MERGE) or a
 * DELETE (STORE_BULK_MERGE). */
struct pg_gather {
	char *sql;	/* the caller's text (the key) */
	char *copy;	/* its COPY ... FROM STDIN, or NULL: run as it is */
	char *make;	/* a merge: makes the temporary table, or NULL */
	char *apply;	/* a merge: applies the temporary table's rows */
	char table[64]; /* the table the statement writes */
	char tmp[32];	/* a merge: the temporary table, else "" */
	int ncols;
	int insert;	 /* an INSERT (not a DELETE) */
	int made;	 /* the temporary table was made */
	int unapplied;	 /* it holds rows not applied yet */
	long long sent;	 /* rows sent in COPYs before the piece in b */
	long long piece; /* rows in b */
	struct buf b;	 /* rows in COPY's text format not sent yet */
};

#define PG_BULK_TABLES 16
#define PG_GATHER_MAX  32

struct pg {
	PGconn *conn;
	char *conninfo;
	struct pg_stmt cache[PG_CACHE];
	int ncache;
	long long changes;
	char state[6]; /* SQLSTATE of the last error in this transaction */
	/* Writes sent ahead in pipeline mode inside a transaction (pg_send)
	 * and answered together (pg_pipe_drain); the first of them that failed,
	 * reported by every call until the transaction ends: */
	int piped, pending;
	char perr[sizeof(((struct err *)0)->msg)];
	char pstate[6];
	/* store_read_hint: a SELECT inside a transaction is read through a
	 * cursor (pg_cursor); cursors counts those open (nested queries) */
	int reads, cursors;
	/* a bulk load of new rows: its tables, and the INSERTs into them
	 * whose rows are gathered for a COPY */
	char bulk[PG_BULK_TABLES][64];
	int nbulk;
	int merge; /* STORE_BULK_MERGE */
	struct pg_gather gather[PG_GATHER_MAX];
	int ngather;
	/* the table and row (or -1) of perr when a bulk load's row failed
	 * (pg_bulk_failed); ftable "" otherwise */
	char ftable[64];
	long long frow;
};

/*
 * The translation: a copy of sql with the dialect's differences made,
 * skipping quoted text and comments. *nparams counts the placeholders.
 */
static int
word_is(const char *p, size_t n, const char *w)
{
	return strlen(w) == n && strncasecmp(p, w, n) == 0;
}

static const char *
skip_space(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

/* If p (after spaces) starts with the words w (one space apart), what
 * follows them; else NULL. */
static const char *
past(const char *p, const char *w)
{
	p = skip_space(p);
	while (*w != '\0') {
		if (*w == ' ') {
			const char *q = skip_space(p);

			if (q == p)
				return NULL;
			p = q;
			w++;
			continue;
		}
		if (toupper((unsigned char)*p) != *w)
			return NULL;
		p++;
		w++;
	}
	return isalnum((unsigned char)*p) || *p == '_' ? NULL : p;
}

/* Does p (after spaces) start with the words w (one space apart)? */
static int
follows(const char *p, const char *w)
{
	return past(p, w) != NULL;
}

static int
is_word_char(int c)
{
	return isalnum(c) || c == '_';
}

/* Functions whose argument PostgreSQL wants cast: SQLite's JSON
 * functions read text, PostgreSQL's json. */
static const char *
cast_argument(const char *p, size_t len)
{
	if (word_is(p, len, "json_array_length"))
		return ")::json";
	return NULL;
}

#define MAX_DEPTH 32

/* Does the parenthesis at p hold a comma of its own (several
 * arguments)? SQLite's max(a, b) is PostgreSQL's greatest(a, b). */
static int
several_arguments(const char *p)
{
	int depth = 0;

	for (; *p != '\0'; p++) {
		if (*p == '\'') {
			while (*++p != '\0' && !(*p == '\'' && p[1] != '\''))
				if (*p == '\'')
					p++;
			if (*p == '\0')
				return 0;
		} else if (*p == '(') {
			depth++;
		} else if (*p == ')') {
			if (--depth == 0)
				return 0;
		} else if (*p == ',' && depth == 1) {
			return 1;
		}
	}
	return 0;
}

static char *
pg_translate(const char *sql, int *nparams)
{
	struct buf b = BUF_INIT(4 * strlen(sql) + 4096);
	const char *p = sql, *close_with[MAX_DEPTH] = {NULL};
	int n = 0, ddl = -1;	/* -1: at a statement's start */
	int depth = 0, fk = -1; /* fk: the depth of a REFERENCES clause */

	while (*p != '\0') {
		if (ddl < 0) {
			const char *q = skip_space(p);

			ddl = follows(q, "CREATE TABLE") ||
			      follows(q, "ALTER TABLE");
		}
		/* a foreign key ends with its column: PostgreSQL may only
		 * defer it to the commit (an import) if it says so */
		if (fk >= 0 && depth == fk &&
		    (*p == ',' || *p == ')' || *p == ';')) {
			buf_addstr(&b, " DEFERRABLE");
			fk = -1;
		}
		if (*p == '\'' || *p == '"') {
			char quote = *p;
			const char *q = p + 1;

			while (*q != '\0' && !(*q == quote && q[1] != quote))
				q += *q == quote ? 2 : 1;
			if (*q != '\0')
				q++;
			buf_add(&b, p, (size_t)(q - p));
			p = q;
		} else if (p[0] == '-' && p[1] == '-') {
			const char *q = strchr(p, '\n');

			q = q != NULL ? q : p + strlen(p);
			buf_add(&b, p, (size_t)(q - p));
			p = q;
		} else if (*p == '?') {
			int k = ++n;

			p++;
			if (isdigit((unsigned char)*p)) {
				/* SQLite's ?NNN: the NNNth value */
				k = 0;
				while (isdigit((unsigned char)*p) && k < 1000)
					k = k * 10 + (*p++ - '0');
				n--;
				if (k > *nparams)
					*nparams = k;
			}
			buf_printf(&b, "$%d", k);
			/* "? IS NULL" leaves the type open: say it */
			if (follows(p, "IS NULL") || follows(p, "IS NOT NULL"))
				buf_addstr(&b, "::text");
		} else if (*p == '(') {
			buf_add(&b, p, 1);
			p++;
			if (depth < MAX_DEPTH)
				close_with[depth] = NULL;
			depth++;
		} else if (*p == ')') {
			if (depth > 0 && --depth < MAX_DEPTH &&
			    close_with[depth] != NULL) {
				buf_addstr(&b, close_with[depth]);
				close_with[depth] = NULL;
			}
			buf_add(&b, p, 1);
			p++;
		} else if (*p == ';') {
			buf_add(&b, p, 1);
			p++;
			ddl = -1;
			depth = 0;
		} else if (isalpha((unsigned char)*p) || *p == '_') {
			const char *q = p, *cast;
			size_t len;

			while (is_word_char((unsigned char)*q))
				q++;
			len = (size_t)(q - p);
			if (word_is(p, len, "user")) {
				buf_addstr(&b, "\"user\"");
			} else if (word_is(p, len, "INTEGER") &&
				   follows(q, "PRIMARY KEY")) {
				buf_addstr(&b, "BIGINT GENERATED BY DEFAULT AS "
					       "IDENTITY");
			} else if (word_is(p, len, "INTEGER")) {
				buf_addstr(&b, "BIGINT");
			} else if (ddl && word_is(p, len, "REAL")) {
				buf_addstr(&b, "DOUBLE PRECISION");
			} else if (ddl && word_is(p, len, "REFERENCES")) {
				buf_add(&b, p, len);
				fk = depth;
			} else if (ddl && word_is(p, len, "DEFERRABLE")) {
				buf_add(&b, p, len);
				fk = -1; /* it says so itself */
			} else if ((word_is(p, len, "max") ||
				    word_is(p, len, "min")) &&
				   *skip_space(q) == '(' &&
				   several_arguments(skip_space(q))) {
				buf_addstr(&b,
					   tolower((unsigned char)p[1]) == 'a'
					       ? "greatest"
					       : "least");
			} else if (word_is(p, len, "IS") &&
				   *skip_space(q) == '?') {
				/* SQLite's a IS ? compares NULLs too */
				buf_addstr(&b, "IS NOT DISTINCT FROM");
			} else if (word_is(p, len, "IS") && follows(q, "NOT") &&
				   *skip_space(skip_space(q) + 3) == '?') {
				buf_addstr(&b, "IS DISTINCT FROM");
				q = skip_space(q) + 3;
			} else if (word_is(p, len, "instr") &&
				   *skip_space(q) == '(') {
				buf_addstr(&b, "strpos"); /* same arguments */
			} else if ((cast = cast_argument(p, len)) != NULL &&
				   *skip_space(q) == '(' && depth < MAX_DEPTH) {
				/* f(x) becomes f((x)::json) */
				buf_add(&b, p, len);
				buf_addstr(&b, "((");
				q = skip_space(q) + 1;
				close_with[depth++] = cast;
			} else {
				buf_add(&b, p, len);
			}
			p = q;
		} else if (isdigit((unsigned char)*p)) {
			const char *q = p;

			while (is_word_char((unsigned char)*q) || *q == '.')
				q++;
			buf_add(&b, p, (size_t)(q - p));
			p = q;
		} else {
			buf_add(&b, p, 1);
			p++;
		}
	}
	if (fk >= 0)
		buf_addstr(&b, " DEFERRABLE");
	if (n > *nparams)
		*nparams = n;
	return buf_detach(&b, NULL);
}

static void
pg_quiet(void *arg, const PGresult *res)
{
	(void)arg;
	(void)res; /* NOTICEs (an index that exists...) are not errors */
}

static int
pg_connect(struct pg *s, struct err *e)
{
	PGresult *res;

	s->conn = PQconnectdb(s->conninfo);
	if (s->conn == NULL || PQstatus(s->conn) != CONNECTION_OK) {
		const char *m = s->conn ? PQerrorMessage(s->conn) : "";
		size_t n = strcspn(m, "\n");

		err_set(e, "cannot connect to the PostgreSQL store: %.*s",
			(int)(n > 300 ? 300 : n), m);
		PQfinish(s->conn);
		s->conn = NULL;
		return -1;
	}
	PQsetNoticeReceiver(s->conn, pg_quiet, NULL);
	if (PQserverVersion(s->conn) < 110000) {
		err_set(e,
			"the PostgreSQL server is version %d: govsec needs "
			"11 or newer",
			PQserverVersion(s->conn) / 10000);
		PQfinish(s->conn);
		s->conn = NULL;
		return -1;
	}
	/* text is compared by bytes, as SQLite does (and as reports and
	 * tests expect): a database made for a language's order is not */
	res = PQexec(s->conn, "SELECT datcollate FROM pg_database WHERE "
			      "datname = current_database()");
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1 ||
	    (strcmp(PQgetvalue(res, 0, 0), "C") != 0 &&
	     strcmp(PQgetvalue(res, 0, 0), "POSIX") != 0)) {
		err_set(e,
			"the PostgreSQL database's collation is '%s': govsec "
			"needs 'C' (CREATE DATABASE ... TEMPLATE template0 "
			"ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C')",
			PQresultStatus(res) == PGRES_TUPLES_OK &&
				PQntuples(res) == 1
			    ? PQgetvalue(res, 0, 0)
			    : "unknown");
		PQclear(res);
		PQfinish(s->conn);
		s->conn = NULL;
		return -1;
	}
	PQclear(res);
	res = PQexec(s->conn, "SET client_encoding = 'UTF8';"
			      "SET application_name = 'govsec';"
			      "SET client_min_messages = warning");
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		err_set(e, "cannot set up the PostgreSQL session: %s",
			PQresultErrorMessage(res));
		PQclear(res);
		PQfinish(s->conn);
		s->conn = NULL;
		return -1;
	}
	PQclear(res);
	return 0;
}

static void pg_close(void *h);
static void pg_bulk_forget(struct pg *s);

static void *
pg_open(const char *uri, struct err *e)
{
	struct pg *s = xcalloc(1, sizeof(*s));

	/* "postgresql://..." is a libpq URI as it is; "postgresql:KEY=V
	 * ..." is a conninfo string after the scheme */
	if (str_starts(uri, "postgresql://") || str_starts(uri, "postgres://"))
		s->conninfo = xstrdup(uri);
	else
		s->conninfo = xstrdup(strchr(uri, ':') + 1);
	if (pg_connect(s, e) < 0) {
		pg_close(s);
		return NULL;
	}
	return s;
}

static void
pg_close(void *h)
{
	struct pg *s = h;

	if (s == NULL)
		return;
	for (int i = 0; i < s->ncache; i++) {
		free(s->cache[i].sql);
		free(s->cache[i].name);
	}
	pg_bulk_forget(s);
	PQfinish(s->conn);
	free(s->conninfo);
	free(s);
}

/* Notes the error of res (or of the connection) in e and s->state. */
static void
pg_fail(struct pg *s, PGresult *res, struct err *e)
{
	const char *m = res != NULL
			    ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)
			    : NULL;
	const char *st =
	    res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	if (m == NULL)
		m = PQerrorMessage(s->conn);
	str_copy(s->state, st != NULL ? st : "", sizeof(s->state));
	err_set(e, "database: %.*s", (int)strcspn(m, "\n"), m);
}

/*
 * A lost connection (a restarted or failed-over server) is made again
 * once, when no transaction was under way on it: then nothing is lost.
 */
static int
pg_alive(struct pg *s, struct err *e)
{
	if (PQstatus(s->conn) == CONNECTION_OK)
		return 0;
	PQreset(s->conn);
	if (PQstatus(s->conn) != CONNECTION_OK) {
		err_set(e, "the PostgreSQL store's connection is lost");
		return -1;
	}
	/* prepared statements went with the old session */
	for (int i = 0; i < s->ncache; i++) {
		free(s->cache[i].sql);
		free(s->cache[i].name);
	}
	s->ncache = 0;
	PQsetNoticeReceiver(s->conn, pg_quiet, NULL);
	return 0;
}

static struct pg_stmt *
pg_cached(struct pg *s, const char *sql)
{
	for (int i = 0; i < s->ncache; i++)
		if (strcmp(s->cache[i].sql, sql) == 0)
			return &s->cache[i];
	return NULL;
}

/* Row access over a result held whole. */
#define RES(r) ((const PGresult *)(r)->cur)

static int
pgr_count(const struct store_row *r)
{
	return PQnfields(RES(r));
}

static const char *
pgr_text(const struct store_row *r, int col)
{
	if (col < 0 || col >= PQnfields(RES(r)) ||
	    PQgetisnull(RES(r), r->row, col))
		return NULL;
	if (PQftype(RES(r), col) == PG_BOOL_OID)
		return PQgetvalue(RES(r), r->row, col)[0] == 't' ? "1" : "0";
	return PQgetvalue(RES(r), r->row, col);
}

static long long
pgr_int(const struct store_row *r, int col)
{
	const char *v = pgr_text(r, col);
	char *end;
	long long n;

	if (v == NULL)
		return 0;
	n = strtoll(v, &end, 10);
	if (*end == '.' || *end == 'e' || *end == 'E')
		n = (long long)strtod(v, NULL); /* a numeric, as SQLite */
	return n;
}

static int
pgr_null(const struct store_row *r, int col)
{
	return col < 0 || col >= PQnfields(RES(r)) ||
	       PQgetisnull(RES(r), r->row, col);
}

static size_t
pgr_bytes(const struct store_row *r, int col)
{
	if (pgr_null(r, col))
		return 0;
	if (PQftype(RES(r), col) == PG_BOOL_OID)
		return 1;
	return (size_t)PQgetlength(RES(r), r->row, col);
}

static const char *
pgr_name(const struct store_row *r, int col)
{
	return PQfname(RES(r), col);
}

static const struct store_row_ops pg_row_ops = {
    .count = pgr_count,
    .text = pgr_text,
    .integer = pgr_int,
    .null = pgr_null,
    .bytes = pgr_bytes,
    .name = pgr_name,
};

/*
 * Pipelining. A statement that only writes (INSERT, UPDATE, DELETE, no
 * rows asked for) inside a transaction is sent without waiting for its
 * answer; up to PG_PIPE_MAX of them go out back to back and are answered
 * together when anything else is run (a query, a commit, store_changes)
 * or the batch is full. Without it every row of an import or a copy
 * waited a round trip to the server. What changes for a caller: a write
 * that fails is reported by the next call instead (with the server's
 * message, and its SQLSTATE for store_retry), and the transaction can
 * only be rolled back, as PostgreSQL requires of a failed one anyway.
 */
#define PG_PIPE_MAX 1000

static int
pg_writes(const char *sql)
{
	const char *p = skip_space(sql);

	return follows(p, "INSERT") || follows(p, "UPDATE") ||
	       follows(p, "DELETE");
}

/* Reads the answers of what was sent ahead; notes the first failure. */
static void
pg_pipe_drain(struct pg *s)
{
	int nulls = 0;

	if (!s->piped)
		return;
	if (PQpipelineSync(s->conn) != 1 && s->perr[0] == '\0') {
		str_fmt(s->perr, sizeof(s->perr), "database: %.*s",
			(int)strcspn(PQerrorMessage(s->conn), "\n"),
			PQerrorMessage(s->conn));
		s->pstate[0] = '\0';
	}
	for (;;) {
		PGresult *res = PQgetResult(s->conn);
		ExecStatusType st;

		if (res == NULL) {
			/* one NULL ends each statement's answer; two in a
			 * row: nothing more will come (a lost connection) */
			if (++nulls > 1 || PQstatus(s->conn) == CONNECTION_BAD)
				break;
			continue;
		}
		nulls = 0;
		st = PQresultStatus(res);
		if (st == PGRES_PIPELINE_SYNC) {
			PQclear(res);
			break;
		}
		if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
			s->changes = strtoll(PQcmdTuples(res), NULL, 10);
		} else if (st != PGRES_PIPELINE_ABORTED && s->perr[0] == '\0') {
			const char *m =
			    PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
			const char *c =
			    PQresultErrorField(res, PG_DIAG_SQLSTATE);

			if (m == NULL)
				m = PQerrorMessage(s->conn);
			str_fmt(s->perr, sizeof(s->perr), "database: %.*s",
				(int)strcspn(m, "\n"), m);
			str_copy(s->pstate, c != NULL ? c : "",
				 sizeof(s->pstate));
		}
		PQclear(res);
	}
	PQexitPipelineMode(s->conn);
	s->piped = 0;
	s->pending = 0;
}

/* -1 with e set if a write sent ahead failed in this transaction. */
static int
pg_noted(struct pg *s, struct err *e)
{
	if (s->perr[0] == '\0')
		return 0;
	err_set(e, "%s", s->perr);
	str_copy(s->state, s->pstate, sizeof(s->state));
	return -1;
}

/* Before a statement that is not sent ahead: the answers of those that
 * were, and their failure if one failed (ROLLBACK and BEGIN forget it). */
static int
pg_settle(struct pg *s, const char *sql, struct err *e)
{
	pg_pipe_drain(s);
	if (strncmp(sql, "ROLLBACK", 8) == 0 || strncmp(sql, "BEGIN", 5) == 0) {
		s->perr[0] = '\0';
		s->ftable[0] = '\0';
		return 0;
	}
	return pg_noted(s, e);
}

/* Sends a prepared write ahead; 0, or -1 if it could not be sent. */
static int
pg_send(struct pg *s, const struct pg_stmt *ps, int nv, const char **vals,
	struct err *e)
{
	if (!s->piped) {
		if (PQenterPipelineMode(s->conn) != 1) {
			pg_fail(s, NULL, e);
			return -1;
		}
		s->piped = 1;
	}
	if (PQsendQueryPrepared(s->conn, ps->name, nv, vals, NULL, NULL, 0) !=
	    1) {
		pg_fail(s, NULL, e);
		pg_pipe_drain(s);
		return -1;
	}
	if (++s->pending >= PG_PIPE_MAX)
		pg_pipe_drain(s);
	return 0;
}

/* Adds the row of n values v to b in COPY's text format; 0, or -1 if b
 * would outgrow its maximum. */
static int safe_name(const char *s);

static int
copy_row(struct buf *b, const struct store_val *v, int n)
{
	int rc = 0;

	for (int i = 0; i < n && rc == 0; i++) {
		if (i > 0)
			rc = buf_addch(b, '\t');
		if (v[i].type == SV_NULL_T) {
			rc |= buf_add(b, "\\N", 2);
		} else if (v[i].type == SV_INT_T) {
			rc |= buf_printf(b, "%lld", v[i].i);
		} else {
			/* backslash escapes */
			const char *p = v[i].s, *q;

			while (rc == 0 && *p != '\0') {
				q = p + strcspn(p, "\\\t\n\r");
				rc = buf_add(b, p, (size_t)(q - p));
				if (*q == '\0')
					break;
				rc |= buf_add(b,
					      *q == '\\'   ? "\\\\"
					      : *q == '\t' ? "\\t"
					      : *q == '\n' ? "\\n"
							   : "\\r",
					      2);
				p = q + 1;
			}
		}
	}
	return rc == 0 ? buf_addch(b, '\n') : -1;
}

/*
 * Bulk loads (store_bulk_begin). An INSERT INTO one of the load's tables
 * whose values are all '?' (and, with STORE_BULK_MERGE, a DELETE FROM one
 * of them WHERE c = ?) is not run: its row is added, in COPY's text
 * format, to what was gathered for that statement text, sent in one COPY
 * ... FROM STDIN when PG_GATHER_PIECE bytes are there, before any other
 * statement runs, and at the load's end.
 *   STORE_BULK_NEW: the COPY goes into the table itself; the caller
 * promised that the INSERT's ON CONFLICT clause never fires.
 *   STORE_BULK_MERGE: the COPY goes into a temporary table of the
 * statement's own (govsec_merge_N, made on its first row: the table's
 * columns that the statement names, their defaults and checks, dropped
 * at the commit), and before any other statement runs, and at the load's
 * end, each statement text's rows are applied in one statement, in the
 * order the texts first came: "INSERT INTO t(cols) SELECT cols FROM tmp"
 * with the caller's own ON CONFLICT clause, "DELETE FROM t WHERE c IN
 * (SELECT c FROM tmp)".
 * A row the table refuses fails a later call, reported like a write sent
 * ahead, with the table's name; a row refused by its COPY (a check, a NOT
 * NULL, a type) is also numbered (pg_bulk_failed).
 */
#define PG_GATHER_PIECE (1 << 20)

/* A statement made from fmt, a heap string; NULL if longer than
 * PG_SQL_MAX (the statement is then run as it is, not gathered). */
#define PG_SQL_MAX (1 << 20)
static char *sql_new(const char *fmt, ...) PRINTF_LIKE(1, 2);

static char *
sql_new(const char *fmt, ...)
{
	struct buf b = BUF_INIT(PG_SQL_MAX);
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (rc < 0) {
		buf_cleanup(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

/* The length of the plain lower-case name at p (at most 63), or 0. */
static size_t
plain_name(const char *p)
{
	size_t n = 0;

	while (islower((unsigned char)p[n]) || isdigit((unsigned char)p[n]) ||
	       p[n] == '_')
		n++;
	return n < 64 ? n : 0;
}

/* Is the name of n bytes at p one of the load's tables? */
static int
bulk_table(const struct pg *s, const char *p, size_t n)
{
	for (int i = 0; i < s->nbulk; i++)
		if (strlen(s->bulk[i]) == n && memcmp(s->bulk[i], p, n) == 0)
			return 1;
	return 0;
}

/* A DELETE of a merge, "DELETE FROM t WHERE c = ?": its COPY, making and
 * applying; 0, or -1 if sql is not such a DELETE. */
static int
plan_delete(const struct pg *s, struct pg_gather *g, const char *sql)
{
	const char *p = past(sql, "DELETE FROM"), *c;
	size_t n, cn;

	if (p == NULL || (n = plain_name(p = skip_space(p))) == 0 ||
	    !bulk_table(s, p, n))
		return -1;
	str_fmt(g->table, sizeof(g->table), "%.*s", (int)n, p);
	if ((c = past(p + n, "WHERE")) == NULL ||
	    (cn = plain_name(c = skip_space(c))) == 0)
		return -1;
	p = skip_space(c + cn);
	if (*p != '=' || *(p = skip_space(p + 1)) != '?' ||
	    *skip_space(p + 1) != '\0')
		return -1;
	/* quoted: a column called user is reserved */
	g->copy = sql_new("COPY %s (\"%.*s\") FROM STDIN", g->tmp, (int)cn, c);
	g->make = sql_new("CREATE TEMPORARY TABLE %s ON COMMIT DROP AS "
			  "SELECT \"%.*s\" FROM %s WITH NO DATA",
			  g->tmp, (int)cn, c, g->table);
	g->apply =
	    sql_new("ANALYZE %s; DELETE FROM %s WHERE \"%.*s\" IN "
		    "(SELECT \"%.*s\" FROM %s); TRUNCATE %s",
		    g->tmp, g->table, (int)cn, c, (int)cn, c, g->tmp, g->tmp);
	g->ncols = 1;
	return g->copy != NULL && g->make != NULL && g->apply != NULL ? 0 : -1;
}

/*
 * Plans the gathering of sql, "INSERT INTO t(c, ...) VALUES (?, ...) [ON
 * CONFLICT ...]" into a table of the bulk load (or, merging, a DELETE):
 * g->copy, and for a merge g->make and g->apply. 0, or -1 if sql is not
 * such a statement (g untouched but for its table).
 */
static int
gather_plan(const struct pg *s, struct pg_gather *g, const char *sql)
{
	struct buf cp = BUF_INIT(65536), cols = BUF_INIT(65536),
		   names = BUF_INIT(65536);
	const char *p = past(sql, "INSERT INTO");
	size_t n;
	int ncols = 0, vals = 0;

	if (p == NULL)
		return s->merge ? plan_delete(s, g, sql) : -1;
	if ((n = plain_name(p = skip_space(p))) == 0 || !bulk_table(s, p, n))
		return -1;
	str_fmt(g->table, sizeof(g->table), "%.*s", (int)n, p);
	buf_printf(&cp, "COPY %s (", s->merge ? g->tmp : g->table);
	p = skip_space(p + n);
	if (*p != '(')
		goto no;
	do {
		p = skip_space(p + 1);
		if ((n = plain_name(p)) == 0)
			goto no;
		/* quoted: a column called user is reserved */
		if (buf_printf(&cp, "%s\"%.*s\"", ncols ? ", " : "", (int)n,
			       p) < 0 ||
		    buf_printf(&cols, "%s%.*s", ncols ? ", " : "", (int)n, p) <
			0 ||
		    buf_printf(&names, "%s'%.*s'", ncols ? ", " : "", (int)n,
			       p) < 0)
			goto no;
		ncols++;
		p = skip_space(p + n);
	} while (*p == ',');
	if (*p != ')' || (p = past(p + 1, "VALUES")) == NULL ||
	    *(p = skip_space(p)) != '(')
		goto no;
	do {
		p = skip_space(p + 1);
		if (*p != '?' || isdigit((unsigned char)p[1]))
			goto no;
		vals++;
		p = skip_space(p + 1);
	} while (*p == ',');
	if (*p != ')' || vals != ncols)
		goto no;
	p = skip_space(p + 1);
	if ((*p != '\0' && !follows(p, "ON CONFLICT")) ||
	    buf_addstr(&cp, ") FROM STDIN") < 0)
		goto no;
	if (s->merge) {
		char *apply;
		int np = 0;

		/* the columns the statement does not name are dropped: it
		 * gives them their defaults, or keeps them on a conflict */
		g->make = sql_new(
		    "CREATE TEMPORARY TABLE %s (LIKE %s INCLUDING DEFAULTS "
		    "INCLUDING CONSTRAINTS) ON COMMIT DROP; "
		    "DO $$DECLARE c name; BEGIN FOR c IN SELECT attname FROM "
		    "pg_attribute WHERE attrelid = 'pg_temp.%s'::regclass AND "
		    "attnum > 0 AND NOT attisdropped AND attname NOT IN (%s) "
		    "LOOP EXECUTE format('ALTER TABLE pg_temp.%s DROP COLUMN "
		    "%%I', c); END LOOP; END$$",
		    g->tmp, g->table, g->tmp, names.data, g->tmp);
		apply = sql_new("ANALYZE %s; INSERT INTO %s(%s) SELECT %s "
				"FROM %s %s; TRUNCATE %s",
				g->tmp, g->table, cols.data, cols.data, g->tmp,
				p, g->tmp);
		/* as the caller's own text would be (user quoted) */
		g->apply = apply != NULL ? pg_translate(apply, &np) : NULL;
		free(apply);
		if (g->make == NULL || g->apply == NULL)
			goto no;
	}
	g->ncols = ncols;
	g->insert = 1;
	g->copy = buf_detach(&cp, NULL);
	buf_cleanup(&cols);
	buf_cleanup(&names);
	return 0;
no:
	buf_cleanup(&cp);
	buf_cleanup(&cols);
	buf_cleanup(&names);
	return -1;
}

/* How many gathered statements insert into table? */
static int
inserts_into(const struct pg *s, const char *table)
{
	int n = 0;

	for (int i = 0; i < s->ngather; i++)
		n += s->gather[i].copy != NULL && s->gather[i].insert &&
		     strcmp(s->gather[i].table, table) == 0;
	return n;
}

/*
 * Notes a failure of the connection or of res (the first one of the
 * transaction), while loading g's rows (its COPY, or with apply its
 * merge), to be reported as pg_noted does: "database: loading 'TABLE':
 * the server's message" (the temporary table called by the real one's
 * name). A COPY's error says the line of the row it refused: then the
 * row's number is noted too, for pg_bulk_failed.
 */
static void
pg_note(struct pg *s, const PGresult *res, const struct pg_gather *g, int apply)
{
	const char *m = res != NULL
			    ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)
			    : NULL;
	const char *c =
	    res != NULL ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *ctx =
	    res != NULL ? PQresultErrorField(res, PG_DIAG_CONTEXT) : NULL;
	const char *d = res != NULL && apply
			    ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL)
			    : NULL;
	struct buf b = BUF_INIT(sizeof(s->perr));
	const char *at;
	size_t tl = strlen(g->tmp);

	if (s->perr[0] != '\0')
		return;
	if (m == NULL)
		m = PQerrorMessage(s->conn);
	buf_printf(&b, "database: loading '%s': ", g->table);
	for (const char *p = m; *p != '\0' && *p != '\n'; p++) {
		if (tl > 0 && strncmp(p, g->tmp, tl) == 0) {
			buf_addstr(&b, g->table);
			p += tl - 1;
		} else {
			buf_addch(&b, *p);
		}
	}
	if (d != NULL)
		buf_printf(&b, " (%.*s)", (int)strcspn(d, "\n"), d);
	str_copy(s->perr, b.data != NULL ? b.data : "database: loading",
		 sizeof(s->perr));
	buf_cleanup(&b);
	str_copy(s->pstate, c != NULL ? c : "", sizeof(s->pstate));
	str_copy(s->ftable, g->table, sizeof(s->ftable));
	s->frow = -1;
	/* "COPY t, line N[, column c]: ...": the piece's Nth row */
	if (!apply && ctx != NULL && g->insert &&
	    inserts_into(s, g->table) == 1 && str_starts(ctx, "COPY ") &&
	    (at = strstr(ctx, ", line ")) != NULL) {
		long long line = strtoll(at + 7, NULL, 10);

		if (line >= 1 && line <= g->piece)
			s->frow = g->sent + line - 1;
	}
}

/* Sends what was gathered for g in one COPY (making g's temporary table
 * first); 0, or -1 with e set. */
static int
pg_gather_send(struct pg *s, struct pg_gather *g, struct err *e)
{
	PGresult *res;

	if (g->b.len == 0)
		return 0;
	pg_pipe_drain(s);
	if (pg_noted(s, e) < 0)
		return -1;
	if (g->make != NULL && !g->made) {
		res = PQexec(s->conn, g->make);
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			pg_note(s, res, g, 1);
		else
			g->made = 1;
		PQclear(res);
		if (!g->made) {
			buf_reset(&g->b);
			return pg_noted(s, e);
		}
	}
	res = PQexec(s->conn, g->copy);
	if (PQresultStatus(res) != PGRES_COPY_IN) {
		pg_note(s, res, g, 0);
	} else if (PQputCopyData(s->conn, g->b.data, (int)g->b.len) != 1 ||
		   PQputCopyEnd(s->conn, NULL) != 1) {
		pg_note(s, NULL, g, 0);
	}
	PQclear(res);
	while ((res = PQgetResult(s->conn)) != NULL) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			pg_note(s, res, g, 0);
		PQclear(res);
	}
	buf_reset(&g->b);
	g->sent += g->piece;
	g->piece = 0;
	g->unapplied = g->apply != NULL;
	return pg_noted(s, e);
}

/* Sends every statement's gathered rows and applies those of a merge, in
 * the order the statements first came; 0, or -1 with e set. */
static int
pg_gather_flush(struct pg *s, struct err *e)
{
	for (int i = 0; i < s->ngather; i++)
		if (pg_gather_send(s, &s->gather[i], e) < 0)
			return -1;
	for (int i = 0; i < s->ngather; i++) {
		struct pg_gather *g = &s->gather[i];
		PGresult *res;

		if (!g->unapplied)
			continue;
		/* its statistics first: the planner sees how many rows */
		res = PQexec(s->conn, g->apply);
		if (PQresultStatus(res) != PGRES_COMMAND_OK)
			pg_note(s, res, g, 1);
		PQclear(res);
		g->unapplied = 0;
		if (pg_noted(s, e) < 0)
			return -1;
	}
	return 0;
}

/* Ends the bulk load: what was gathered and not sent is dropped. */
static void
pg_bulk_forget(struct pg *s)
{
	for (int i = 0; i < s->ngather; i++) {
		free(s->gather[i].sql);
		free(s->gather[i].copy);
		free(s->gather[i].make);
		free(s->gather[i].apply);
		buf_cleanup(&s->gather[i].b);
	}
	s->ngather = 0;
	s->nbulk = 0;
	s->merge = 0;
}

/* Drops the temporary tables of a merge (in a transaction that did not
 * fail: they went with a rollback), then forgets the load. */
static int
pg_bulk_drop(struct pg *s, struct err *e)
{
	int rc = 0;

	for (int i = 0; i < s->ngather && rc == 0; i++) {
		char sql[96];
		PGresult *res;

		if (!s->gather[i].made || s->perr[0] != '\0')
			continue;
		str_fmt(sql, sizeof(sql), "DROP TABLE %s", s->gather[i].tmp);
		res = PQexec(s->conn, sql);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			pg_note(s, res, &s->gather[i], 1);
			rc = pg_noted(s, e);
		}
		PQclear(res);
	}
	pg_bulk_forget(s);
	return rc;
}

/* The gathering of sql (made on its first row), or NULL: run it. */
static struct pg_gather *
pg_gathering(struct pg *s, const char *sql)
{
	struct pg_gather *g;

	for (int i = 0; i < s->ngather; i++)
		if (strcmp(s->gather[i].sql, sql) == 0)
			return s->gather[i].copy != NULL ? &s->gather[i] : NULL;
	if (s->ngather == PG_GATHER_MAX)
		return NULL;
	g = &s->gather[s->ngather];
	memset(g, 0, sizeof(*g));
	str_fmt(g->tmp, sizeof(g->tmp), "govsec_merge_%d", s->ngather);
	s->ngather++;
	g->sql = xstrdup(sql);
	if (gather_plan(s, g, sql) < 0) {
		free(g->copy);
		free(g->make);
		free(g->apply);
		g->copy = g->make = g->apply = NULL;
		return NULL;
	}
	if (!s->merge)
		g->tmp[0] = '\0';
	/* a row may be as large as a value PostgreSQL takes, escaped */
	buf_init(&g->b, (size_t)2 << 30);
	return g;
}

static int
pg_bulk_begin(void *h, const char *const *tables, int n, unsigned flags,
	      struct err *e)
{
	struct pg *s = h;

	/* rows of a load begun before are not dropped: they go first */
	if (pg_gather_flush(s, e) < 0 || pg_bulk_drop(s, e) < 0)
		return -1;
	if (!(flags & (STORE_BULK_NEW | STORE_BULK_MERGE)))
		return 0;
	if ((flags & STORE_BULK_NEW) && (flags & STORE_BULK_MERGE)) {
		err_set(e, "a bulk load both new and merged");
		return -1;
	}
	if (n > PG_BULK_TABLES) {
		err_set(e, "a bulk load of more than %d tables",
			PG_BULK_TABLES);
		return -1;
	}
	for (int i = 0; i < n; i++) {
		if (!safe_name(tables[i])) {
			err_set(e, "a bulk load of '%.64s': not a plain name",
				tables[i]);
			return -1;
		}
		str_copy(s->bulk[i], tables[i], sizeof(s->bulk[i]));
	}
	s->nbulk = n;
	s->merge = (flags & STORE_BULK_MERGE) != 0;
	return 0;
}

static int
pg_bulk_end(void *h, int rebuild, struct err *e)
{
	struct pg *s = h;

	if (!rebuild) {
		pg_bulk_forget(s);
		return 0;
	}
	if (pg_gather_flush(s, e) < 0) {
		pg_bulk_forget(s);
		return -1;
	}
	return pg_bulk_drop(s, e);
}

static long long
pg_bulk_failed(void *h, char *table, size_t n, struct err *why)
{
	struct pg *s = h;

	if (s->perr[0] == '\0' || s->ftable[0] == '\0')
		return -2;
	str_copy(table, s->ftable, n);
	err_set(why, "%s", s->perr);
	return s->frow;
}

/*
 * A long read (store_read_hint: govsec check): a SELECT inside a
 * transaction is read through a cursor, PG_FETCH rows at a time, so that
 * libpq never holds more than that of its result (it hands a result over
 * whole). A row callback may run queries of its own meanwhile: each opens
 * a cursor of its own (named by how deep it is).
 */
#define PG_FETCH 1000

static int
pg_cursor(struct pg *s, const char *tr, int nv, const char *const *vals,
	  store_row_fn fn, void *arg, struct err *e)
{
	struct buf sql = BUF_INIT(strlen(tr) + 64);
	char name[32], cmd[64];
	struct store_row row;
	PGresult *res;
	long long rows = 0;
	int ret = 0, stop = 0;

	str_fmt(name, sizeof(name), "gcur%d", s->cursors);
	buf_printf(&sql, "DECLARE %s NO SCROLL CURSOR FOR %s", name, tr);
	res = PQexecParams(s->conn, sql.data, nv, NULL, vals, NULL, NULL, 0);
	buf_cleanup(&sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		pg_fail(s, res, e);
		PQclear(res);
		return -1;
	}
	PQclear(res);
	s->cursors++;
	str_fmt(cmd, sizeof(cmd), "FETCH %d FROM %s", PG_FETCH, name);
	row.ops = &pg_row_ops;
	while (!stop) {
		int n;

		res = PQexec(s->conn, cmd);
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			pg_fail(s, res, e);
			PQclear(res);
			ret = -1;
			break;
		}
		n = PQntuples(res);
		stop = n < PG_FETCH;
		row.cur = res;
		for (int i = 0; i < n; i++) {
			int r;

			row.row = i;
			rows++;
			r = fn(arg, &row);
			if (r != 0) {
				if (r < 0) {
					ret = -1;
					if (e != NULL && e->msg[0] == '\0')
						err_set(e, "query aborted");
				}
				stop = 1;
				break;
			}
		}
		PQclear(res);
	}
	/* fails only in a transaction that failed: its end closes it */
	str_fmt(cmd, sizeof(cmd), "CLOSE %s", name);
	PQclear(PQexec(s->conn, cmd));
	s->cursors--;
	s->changes = rows;
	return ret;
}

static void
pg_read_hint(void *h, int on)
{
	((struct pg *)h)->reads = on;
}

static int
pg_exec(void *h, const char *sql, const struct store_val *v, int nv,
	store_row_fn fn, void *arg, struct err *e)
{
	struct pg *s = h;
	char nums0[64][24], (*nums)[24] = nums0;
	const char *vals0[64], **vals = vals0;
	struct pg_stmt *ps;
	PGresult *res = NULL;
	struct store_row row;
	int ret = 0, ntr = 0, ahead;
	char *tr = NULL;

	/* the last failure's state lasts until the next transaction, so
	 * that the ROLLBACK after it does not hide it from store_retry */
	if (strncmp(sql, "BEGIN", 5) == 0)
		s->state[0] = '\0';
	if (nv > PG_PARAMS_MAX) {
		err_set(e, "too many parameters (%d)", nv);
		return -1;
	}
	if (s->nbulk > 0) {
		struct pg_gather *g;

		if (fn == NULL && nv > 0 &&
		    (g = pg_gathering(s, sql)) != NULL) {
			if (nv != g->ncols) {
				err_set(e, "%d values given for %d columns", nv,
					g->ncols);
				return -1;
			}
			if (pg_noted(s, e) < 0)
				return -1;
			if (copy_row(&g->b, v, nv) < 0) {
				err_set(e, "a row too large to load");
				return -1;
			}
			g->piece++;
			s->changes = 1;
			return g->b.len >= PG_GATHER_PIECE
				   ? pg_gather_send(s, g, e)
				   : 0;
		}
		/* the rows gathered go first; the transaction's end ends
		 * the load */
		if (strncmp(sql, "ROLLBACK", 8) == 0)
			pg_bulk_forget(s);
		else if (pg_gather_flush(s, e) < 0)
			return -1;
		else if (strncmp(sql, "COMMIT", 6) == 0)
			pg_bulk_forget(s);
	}
	/* not several statements (a migration): those go by PQexec */
	ahead = fn == NULL && pg_writes(sql) &&
		(nv > 0 || !store_many_statements(sql)) &&
		(s->piped || PQtransactionStatus(s->conn) == PQTRANS_INTRANS);
	if (ahead ? pg_noted(s, e) < 0 : pg_settle(s, sql, e) < 0)
		return -1;
	if (PQtransactionStatus(s->conn) == PQTRANS_IDLE && pg_alive(s, e) < 0)
		return -1;
	if (strncmp(sql, "PRAGMA ", 7) == 0) {
		/* SQLite's foreign key switches: PostgreSQL checks a key
		 * (all DEFERRABLE here) at once, or at the commit when the
		 * transaction defers them */
		if (strcmp(sql, "PRAGMA defer_foreign_keys = ON") == 0)
			sql = "SET CONSTRAINTS ALL DEFERRED";
		else if (strcmp(sql, "PRAGMA foreign_keys = ON") == 0 ||
			 strcmp(sql, "PRAGMA foreign_keys = OFF") == 0)
			return 0;
	}
	if (nv > 64) { /* a multi-row INSERT (tlog.c writes 32 rows) */
		nums = xmalloc((size_t)nv * sizeof(*nums));
		vals = xmalloc((size_t)nv * sizeof(*vals));
	}
	for (int i = 0; i < nv; i++) {
		switch (v[i].type) {
		case SV_NULL_T:
			vals[i] = NULL;
			break;
		case SV_INT_T:
			str_fmt(nums[i], sizeof(nums[i]), "%lld", v[i].i);
			vals[i] = nums[i];
			break;
		default:
			vals[i] = v[i].s;
			break;
		}
	}
	if (fn != NULL && s->reads && follows(sql, "SELECT") &&
	    PQtransactionStatus(s->conn) == PQTRANS_INTRANS) {
		tr = pg_translate(sql, &ntr);
		if (ntr != nv) {
			err_set(e, "%d parameters given for %d placeholders",
				nv, ntr);
			ret = -1;
		} else {
			ret = pg_cursor(s, tr, nv, vals, fn, arg, e);
		}
		goto out;
	}
	if (nv == 0 && fn == NULL && store_many_statements(sql)) {
		/* a migration: several statements, no parameters */
		tr = pg_translate(sql, &ntr);
		res = PQexec(s->conn, tr);
		goto result;
	}
	ps = pg_cached(s, sql);
	if (ps == NULL) {
		tr = pg_translate(sql, &ntr);
		if (ntr != nv) {
			err_set(e, "%d parameters given for %d placeholders",
				nv, ntr);
			ret = -1;
			goto out;
		}
		/* prepared while nothing is sent ahead */
		if (pg_settle(s, sql, e) < 0) {
			ret = -1;
			goto out;
		}
		if (s->ncache < PG_CACHE) {
			char name[32];

			str_fmt(name, sizeof(name), "g%d", s->ncache);
			res = PQprepare(s->conn, name, tr, ntr, NULL);
			if (PQresultStatus(res) != PGRES_COMMAND_OK) {
				pg_fail(s, res, e);
				ret = -1;
				goto out;
			}
			PQclear(res);
			res = NULL;
			ps = &s->cache[s->ncache++];
			ps->sql = xstrdup(sql);
			ps->name = xstrdup(name);
			ps->nparams = ntr;
		}
	}
	if (ps != NULL) {
		if (ps->nparams != nv) {
			err_set(e, "%d parameters given for %d placeholders",
				nv, ps->nparams);
			ret = -1;
			goto out;
		}
		if (ahead) {
			ret = pg_send(s, ps, nv, vals, e);
			goto out;
		}
		res =
		    PQexecPrepared(s->conn, ps->name, nv, vals, NULL, NULL, 0);
	} else {
		res = PQexecParams(s->conn, tr, nv, NULL, vals, NULL, NULL, 0);
	}
result:
	switch (PQresultStatus(res)) {
	case PGRES_COMMAND_OK:
		s->changes = strtoll(PQcmdTuples(res), NULL, 10);
		break;
	case PGRES_TUPLES_OK:
		s->changes = strtoll(PQcmdTuples(res), NULL, 10);
		if (fn == NULL)
			break;
		row.ops = &pg_row_ops;
		row.cur = res;
		for (int i = 0; i < PQntuples(res); i++) {
			int r;

			row.row = i;
			r = fn(arg, &row);
			if (r != 0) {
				if (r < 0) {
					ret = -1;
					if (e != NULL && e->msg[0] == '\0')
						err_set(e, "query aborted");
				}
				break;
			}
		}
		break;
	default:
		pg_fail(s, res, e);
		ret = -1;
		break;
	}
out:
	PQclear(res);
	free(tr);
	if (nums != nums0) {
		free(nums);
		free(vals);
	}
	return ret;
}

static long long
pg_changes(void *h)
{
	/* the last statement's count (a failure stays noted) */
	pg_pipe_drain(h);
	return ((struct pg *)h)->changes;
}

static const char *
pg_begin_sql(int mode)
{
	switch (mode) {
	case 0:
		return "BEGIN ISOLATION LEVEL READ COMMITTED";
	case 2:
		return "BEGIN ISOLATION LEVEL SERIALIZABLE";
	default:
		return "BEGIN ISOLATION LEVEL READ COMMITTED";
	}
}

/* A lock's name as the 64-bit key of an advisory lock (FNV-1a). */
static long long
lock_key(const char *name)
{
	uint64_t h = 14695981039346656037ULL;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return (long long)h;
}

static int
pg_lock(void *h, const char *name, struct err *e)
{
	struct store_val v[1] = {SV_INT(lock_key(name))};

	return pg_exec(h, "SELECT pg_advisory_xact_lock(?::bigint)", v, 1, NULL,
		       NULL, e);
}

static int
pg_retryable(void *h)
{
	struct pg *s = h;

	return strcmp(s->state, "40001") == 0 || strcmp(s->state, "40P01") == 0;
}

struct idcol {
	char table[64], column[64];
};

struct idcols {
	struct idcol c[64];
	int n;
};

static int
safe_name(const char *s)
{
	if (s == NULL || *s == '\0' || strlen(s) >= 64)
		return 0;
	for (; *s; s++)
		if (!(islower((unsigned char)*s) ||
		      isdigit((unsigned char)*s) || *s == '_'))
			return 0;
	return 1;
}

static int
idcol_row(void *arg, struct store_row *r)
{
	struct idcols *ic = arg;
	const char *t = store_row_text(r, 0), *c = store_row_text(r, 1);

	if (ic->n == 64 || !safe_name(t) || !safe_name(c))
		return -1;
	str_copy(ic->c[ic->n].table, t, sizeof(ic->c[0].table));
	str_copy(ic->c[ic->n].column, c, sizeof(ic->c[0].column));
	ic->n++;
	return 0;
}

static int
pg_fix_keys(void *h, struct err *e)
{
	struct idcols ic;

	ic.n = 0;
	if (pg_exec(h,
		    "SELECT table_name, column_name FROM "
		    "information_schema.columns WHERE table_schema = "
		    "current_schema() AND is_identity = 'YES' ORDER BY 1",
		    NULL, 0, idcol_row, &ic, e) < 0)
		return -1;
	for (int i = 0; i < ic.n; i++) {
		char sql[512];

		/* names from the catalogue, checked to be plain words */
		if (str_fmt(sql, sizeof(sql),
			    "SELECT setval(pg_get_serial_sequence('%s', "
			    "'%s'), coalesce(max(%s), 0) + 1, false) FROM %s",
			    ic.c[i].table, ic.c[i].column, ic.c[i].column,
			    ic.c[i].table) < 0 ||
		    pg_exec(h, sql, NULL, 0, NULL, NULL, e) < 0)
			return -1;
	}
	return 0;
}

/* ---- notifications (store_notify, store_listen, store_wait_notify) */

static int
pg_notify(void *h, const char *channel, struct err *e)
{
	struct store_val v[1] = {SV_TEXT(channel)};

	/* delivered when the transaction under way commits */
	return pg_exec(h, "SELECT pg_notify(?, '')", v, 1, NULL, NULL, e);
}

static int
pg_listen(void *h, const char *channel, struct err *e)
{
	struct pg *s = h;
	char sql[96];
	PGresult *res;

	if (!safe_name(channel) ||
	    str_fmt(sql, sizeof(sql), "LISTEN %s", channel) < 0) {
		err_set(e, "'%.64s' is no channel name", channel);
		return -1;
	}
	if (PQtransactionStatus(s->conn) == PQTRANS_IDLE && pg_alive(s, e) < 0)
		return -1;
	res = PQexec(s->conn, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		pg_fail(s, res, e);
		PQclear(res);
		return -1;
	}
	PQclear(res);
	return 0;
}

/* Takes what the server sent; 1 if a notification was among it. */
static int
pg_drain(struct pg *s)
{
	PGnotify *n;
	int got = 0;

	while ((n = PQnotifies(s->conn)) != NULL) {
		got = 1;
		PQfreemem(n);
	}
	return got;
}

static int
pg_wait(void *h, int ms, struct err *e)
{
	struct pg *s = h;
	struct pollfd p;

	if (PQconsumeInput(s->conn) == 0)
		goto lost;
	if (pg_drain(s))
		return 1;
	p.fd = PQsocket(s->conn);
	p.events = POLLIN;
	p.revents = 0;
	if (p.fd < 0)
		goto lost;
	if (poll(&p, 1, ms) < 0 && errno != EINTR)
		goto lost;
	if (p.revents == 0)
		return 0;
	if (PQconsumeInput(s->conn) == 0)
		goto lost;
	return pg_drain(s);
lost:
	err_set(e, "the PostgreSQL store's connection is lost: %.*s",
		(int)strcspn(PQerrorMessage(s->conn), "\n"),
		PQerrorMessage(s->conn));
	return -1;
}

static int
pg_notify_fd(void *h)
{
	return PQsocket(((struct pg *)h)->conn);
}

/*
 * store_load: the rows stream to the server in one COPY FROM STDIN (text
 * format), sent in pieces of PG_LOAD_PIECE bytes; the server's answer
 * (the count, or the first row it refused) comes at the end.
 */
#define PG_LOAD_PIECE (256 * 1024)

struct pg_load {
	struct pg *s;
	struct buf b;
	int ncols;
	long long rows;
};

static void *
pg_load_begin(void *h, const char *table, const char *const *cols, int ncols,
	      struct err *e)
{
	struct pg *s = h;
	struct buf sql = BUF_INIT(65536);
	struct pg_load *l;
	PGresult *res;

	if (pg_gather_flush(s, e) < 0 || pg_settle(s, "COPY", e) < 0)
		return NULL;
	/* plain names (store.c checked them), quoted: a column called
	 * user is reserved */
	buf_printf(&sql, "COPY %s (", table);
	for (int i = 0; i < ncols; i++)
		buf_printf(&sql, "%s\"%s\"", i ? ", " : "", cols[i]);
	if (buf_addstr(&sql, ") FROM STDIN") < 0) {
		buf_cleanup(&sql);
		err_set(e, "loading '%s': too many columns", table);
		return NULL;
	}
	res = PQexec(s->conn, sql.data);
	buf_cleanup(&sql);
	if (PQresultStatus(res) != PGRES_COPY_IN) {
		pg_fail(s, res, e);
		PQclear(res);
		/* a COPY that began elsewhere would still be under way */
		while ((res = PQgetResult(s->conn)) != NULL)
			PQclear(res);
		return NULL;
	}
	PQclear(res);
	l = xcalloc(1, sizeof(*l));
	l->s = s;
	l->ncols = ncols;
	/* a value may be as long as PostgreSQL takes (1 GB), escaped */
	buf_init(&l->b, (size_t)2 << 30);
	return l;
}

static int
pg_load_put(struct pg_load *l, struct err *e)
{
	if (l->b.len == 0)
		return 0;
	if (PQputCopyData(l->s->conn, l->b.data, (int)l->b.len) != 1) {
		pg_fail(l->s, NULL, e);
		return -1;
	}
	buf_reset(&l->b);
	return 0;
}

static int
pg_load_row(void *h, const struct store_val *v, struct err *e)
{
	struct pg_load *l = h;

	if (copy_row(&l->b, v, l->ncols) < 0) {
		err_set(e, "a row too large to load");
		return -1;
	}
	l->rows++;
	return l->b.len >= PG_LOAD_PIECE ? pg_load_put(l, e) : 0;
}

static int
pg_load_end(void *h, int ok, struct err *e)
{
	struct pg_load *l = h;
	struct pg *s = l->s;
	PGresult *res;
	int rc = -1;

	if (ok && pg_load_put(l, e) < 0)
		ok = 0;
	if (PQputCopyEnd(s->conn, ok ? NULL : "the load was given up") != 1)
		ok = 0;
	while ((res = PQgetResult(s->conn)) != NULL) {
		if (PQresultStatus(res) == PGRES_COMMAND_OK) {
			s->changes = l->rows;
			rc = ok ? 0 : -1;
		} else if (ok) {
			pg_fail(s, res, e);
		}
		PQclear(res);
	}
	if (rc < 0 && e != NULL && e->msg[0] == '\0')
		pg_fail(s, NULL, e);
	buf_cleanup(&l->b);
	free(l);
	return rc;
}

const struct store_ops store_pg_ops = {
    .name = "postgresql",
    .open = pg_open,
    .close = pg_close,
    .exec = pg_exec,
    .changes = pg_changes,
    .begin_sql = pg_begin_sql,
    .lock = pg_lock,
    .retryable = pg_retryable,
    .tables_sql = "SELECT c.relname, p.relname FROM pg_class c "
		  "JOIN pg_namespace n ON n.oid = c.relnamespace "
		  "LEFT JOIN pg_constraint k ON k.conrelid = c.oid "
		  "AND k.contype = 'f' "
		  "LEFT JOIN pg_class p ON p.oid = k.confrelid "
		  "WHERE c.relkind IN ('r', 'p') "
		  "AND n.nspname = current_schema() ORDER BY 1, 2",
    .fix_keys = pg_fix_keys,
    .claim_lock = " FOR UPDATE SKIP LOCKED",
    .notify = pg_notify,
    .listen = pg_listen,
    .wait_notify = pg_wait,
    .notify_fd = pg_notify_fd,
    .load_begin = pg_load_begin,
    .load_row = pg_load_row,
    .load_end = pg_load_end,
    .read_hint = pg_read_hint,
    .bulk_begin = pg_bulk_begin,
    .bulk_end = pg_bulk_end,
    .bulk_failed = pg_bulk_failed,
};
