/*
 * store_jobs.c: leases of periodic work shared by several govsecd on one
 * store (table sched_jobs, migration 29). A job is named by (kind, name),
 * e.g. ("inspect", host); it is due at an epoch time in milliseconds and
 * held by at most one instance at a time, until its lease expires. The
 * claim is the one place where the dialects differ: PostgreSQL locks the
 * chosen row with FOR UPDATE SKIP LOCKED, so that instances claiming at
 * once take different rows without waiting for each other; SQLite's write
 * transaction (BEGIN IMMEDIATE) already excludes every other writer.
 * Every claim counts one more token; the holder's renewals, end and
 * writes (the fence, store_job_fence, which store.c runs first in each
 * write transaction of a fenced connection) match it, so that an
 * instance that stalled past its lease and was taken over stores
 * nothing. Trusts its callers (govsecd's schedulers); names are bound, never
 * spliced.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store_impl.h"

long long
store_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int
store_job_add(struct store *st, const char *kind, const char *name,
	      const char *data, long long due, struct err *e)
{
	struct store_val v[4] = {SV_TEXT(kind), SV_TEXT(name), SV_TEXT(data),
				 SV_INT(due)};

	if (store_exec(st,
		       "INSERT INTO sched_jobs (kind, name, data, due) VALUES "
		       "(?, ?, ?, ?) ON CONFLICT (kind, name) DO NOTHING",
		       v, 4, e) < 0)
		return -1;
	return store_changes(st) > 0;
}

struct job_rows {
	const char *kind;
	int (*fn)(void *arg, const struct store_job *j);
	void *arg;
	struct store_job *one; /* the claim: the first row only */
};

static int
job_row(void *arg, struct store_row *r)
{
	struct job_rows *x = arg;
	struct store_job j;
	const char *s;

	memset(&j, 0, sizeof(j));
	s = store_row_text(r, 0);
	if (s == NULL || str_copy(j.name, s, sizeof(j.name)) < 0)
		return 0; /* longer than any name govsecd adds */
	s = store_row_text(r, 1);
	str_copy(j.data, s != NULL ? s : "", sizeof(j.data));
	j.due = store_row_int(r, 2);
	j.runs = store_row_int(r, 3);
	s = store_row_text(r, 4);
	str_copy(j.owner, s != NULL ? s : "", sizeof(j.owner));
	j.lease_until = store_row_int(r, 5);
	j.token = store_row_int(r, 6);
	str_copy(j.kind, x->kind, sizeof(j.kind));
	if (x->one != NULL) {
		*x->one = j;
		return 1;
	}
	return x->fn(x->arg, &j);
}

int
store_job_list(struct store *st, const char *kind,
	       int (*fn)(void *arg, const struct store_job *j), void *arg,
	       struct err *e)
{
	struct store_val v[1] = {SV_TEXT(kind)};
	struct job_rows x = {kind, fn, arg, NULL};

	return store_query(st,
			   "SELECT name, data, due, runs, owner, lease_until, "
			   "token FROM sched_jobs WHERE kind = ? ORDER BY name",
			   v, 1, job_row, &x, e);
}

int
store_job_claim(struct store *st, const char *kind, const char *owner,
		long long now, long long lease_ms, struct store_job *out,
		struct err *e)
{
	struct store_val v[3] = {SV_TEXT(kind), SV_INT(now), SV_INT(now)};
	struct job_rows x = {kind, NULL, NULL, out};
	char sql[512];

	memset(out, 0, sizeof(*out));
	/* the backend's row lock, if it has one (store_ops.claim_lock) */
	if (str_fmt(sql, sizeof(sql),
		    "SELECT name, data, due, runs, owner, lease_until, token "
		    "FROM sched_jobs WHERE kind = ? AND due <= ? AND (owner IS "
		    "NULL OR lease_until < ?) ORDER BY due, name LIMIT 1%s",
		    store_claim_lock(st)) < 0) {
		err_set(e, "claim statement too long");
		return -1;
	}
	if (store_begin(st, e) < 0)
		return -1;
	if (store_query(st, sql, v, 3, job_row, &x, e) < 0)
		goto fail;
	if (out->name[0] == '\0') {
		store_rollback(st);
		return 0;
	}
	{
		/* the row is this transaction's (locked, or the only writer):
		 * the next token is the one read plus one */
		struct store_val u[5] = {SV_TEXT(owner), SV_INT(now + lease_ms),
					 SV_INT(out->token + 1), SV_TEXT(kind),
					 SV_TEXT(out->name)};

		if (store_exec(st,
			       "UPDATE sched_jobs SET owner = ?, lease_until = "
			       "?, token = ? WHERE kind = ? AND name = ?",
			       u, 5, e) < 0)
			goto fail;
	}
	if (store_commit(st, e) < 0)
		return -1;
	str_copy(out->owner, owner, sizeof(out->owner));
	out->lease_until = now + lease_ms;
	out->token++;
	return 1;
fail:
	store_rollback(st);
	return -1;
}

/* Runs an UPDATE of the job (kind, name) held by owner: 1 if it was
 * owner's, 0 if not (any more), -1 with e set. */
static int
job_update(struct store *st, const char *sql, struct store_val *v, int nv,
	   struct err *e)
{
	if (store_exec(st, sql, v, nv, e) < 0)
		return -1;
	return store_changes(st) > 0;
}

int
store_job_renew(struct store *st, const struct store_job *j, long long until,
		struct err *e)
{
	struct store_val v[5] = {SV_INT(until), SV_TEXT(j->kind),
				 SV_TEXT(j->name), SV_TEXT(j->owner),
				 SV_INT(j->token)};

	return job_update(st,
			  "UPDATE sched_jobs SET lease_until = ? WHERE kind = "
			  "? AND name = ? AND owner = ? AND token = ?",
			  v, 5, e);
}

int
store_job_done(struct store *st, const struct store_job *j, long long next_due,
	       long long now, struct err *e)
{
	struct store_val v[7] = {SV_INT(next_due), SV_TEXT(j->owner),
				 SV_INT(now),	   SV_TEXT(j->kind),
				 SV_TEXT(j->name), SV_TEXT(j->owner),
				 SV_INT(j->token)};

	return job_update(st,
			  "UPDATE sched_jobs SET due = ?, owner = NULL, "
			  "lease_until = 0, runs = runs + 1, last_owner = ?, "
			  "last_done = ? WHERE kind = ? AND name = ? AND "
			  "owner = ? AND token = ?",
			  v, 7, e);
}

int
store_job_release(struct store *st, const struct store_job *j, struct err *e)
{
	struct store_val v[4] = {SV_TEXT(j->kind), SV_TEXT(j->name),
				 SV_TEXT(j->owner), SV_INT(j->token)};

	return job_update(st,
			  "UPDATE sched_jobs SET owner = NULL, lease_until = 0 "
			  "WHERE kind = ? AND name = ? AND owner = ? AND "
			  "token = ?",
			  v, 4, e);
}

/* The holder of a job now, for the warning of a refused write. */
static int
holder_row(void *arg, struct store_row *r)
{
	struct store_job *h = arg;
	const char *s = store_row_text(r, 0);

	str_copy(h->owner, s != NULL ? s : "", sizeof(h->owner));
	h->token = store_row_int(r, 1);
	return 1;
}

int
store_job_fence(struct store *st, const struct store_job *j, long long due,
		struct err *e)
{
	struct store_val v[5] = {SV_INT(due), SV_TEXT(j->kind),
				 SV_TEXT(j->name), SV_TEXT(j->owner),
				 SV_INT(j->token)};
	struct store_job now;
	int rc;

	/* an UPDATE, not a SELECT: it locks the row until the commit (and
	 * counts as a change on both backends even when nothing moves) */
	rc = job_update(st,
			due > 0 ? "UPDATE sched_jobs SET due = ? WHERE kind = "
				  "? AND name = ? AND owner = ? AND token = ?"
				: "UPDATE sched_jobs SET token = token WHERE "
				  "kind = ? AND name = ? AND owner = ? AND "
				  "token = ?",
			due > 0 ? v : v + 1, due > 0 ? 5 : 4, e);
	if (rc != 0)
		return rc;
	memset(&now, 0, sizeof(now));
	store_query(st,
		    "SELECT owner, token FROM sched_jobs WHERE kind = ? AND "
		    "name = ?",
		    v + 1, 2, holder_row, &now, NULL);
	log_warn("jobs: %s '%s': instance %s lost it (claim %lld) to %s "
		 "(claim %lld): its write is refused, nothing of it stored",
		 j->kind, j->name, j->owner, j->token,
		 now.owner[0] != '\0' ? now.owner : "nobody", now.token);
	return 0;
}

int
store_job_move(struct store *st, const char *kind, const char *name,
	       long long due_was, long long due, struct err *e)
{
	struct store_val v[4] = {SV_INT(due), SV_TEXT(kind), SV_TEXT(name),
				 SV_INT(due_was)};

	return job_update(st,
			  "UPDATE sched_jobs SET due = ? WHERE kind = ? AND "
			  "name = ? AND due = ? AND owner IS NULL",
			  v, 4, e);
}

int
store_job_remove(struct store *st, const char *kind, const char *name,
		 long long now, struct err *e)
{
	struct store_val v[3] = {SV_TEXT(kind), SV_TEXT(name), SV_INT(now)};

	return job_update(st,
			  "DELETE FROM sched_jobs WHERE kind = ? AND name = ? "
			  "AND (owner IS NULL OR lease_until < ?)",
			  v, 3, e);
}

long long
store_job_next(struct store *st, const char *kind, long long def)
{
	struct store_val v[2] = {SV_INT(def), SV_TEXT(kind)};

	/* a free job when it is due; a held one when its lease ends */
	return store_query_int(st,
			       "SELECT coalesce(min(CASE WHEN owner IS NULL "
			       "THEN due ELSE max(due, lease_until) END), "
			       "CAST(? AS INTEGER)) FROM sched_jobs WHERE "
			       "kind = ?",
			       v, 2, def);
}
