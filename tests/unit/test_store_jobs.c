/*
 * test_store_jobs.c: unit tests of src/store's shared periodic work
 * (store_jobs.c: jobs claimed under leases) and of store_insert (the new
 * row's id, not the newest row's), on SQLite and, under unit.pg, on a real
 * PostgreSQL: two connections to one store stand for two govsecd.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

static char tmpdir[4096];
static char dbpath[8192];
static int dbcount;

struct two {
	struct store *a, *b; /* two instances' connections */
};

static int
make_tmpdir(void **state)
{
	(void)state;
	return tu_mkdtemp(tmpdir, sizeof(tmpdir), "test_store_jobs");
}

static int
remove_tmpdir(void **state)
{
	(void)state;
	tu_rmdir(tmpdir);
	return 0;
}

static int
open_two(void **state)
{
	struct two *t = calloc(1, sizeof(*t));
	struct err e;

	if (t == NULL || str_fmt(dbpath, sizeof(dbpath), "%s/db%d.sqlite",
				 tmpdir, ++dbcount) < 0)
		return -1;
	t->a = store_open(tu_store(dbpath), &e);
	if (t->a == NULL || store_migrate(t->a, &e) < 0) {
		fprintf(stderr, "store: %s\n", e.msg);
		return -1;
	}
	t->b = store_open(tu_store(dbpath), &e);
	if (t->b == NULL) {
		fprintf(stderr, "store: %s\n", e.msg);
		return -1;
	}
	*state = t;
	return 0;
}

static int
close_two(void **state)
{
	struct two *t = *state;

	store_free(t->a);
	store_free(t->b);
	free(t);
	return 0;
}

static long long
runs_of(struct store *st, const char *name)
{
	struct store_val v[1] = {SV_TEXT(name)};

	return store_query_int(st,
			       "SELECT runs FROM sched_jobs WHERE kind = "
			       "'inspect' AND name = ?",
			       v, 1, -1);
}

static void
test_insert_id(void **state)
{
	struct two *t = *state;
	struct store_val v[2];
	long long id = 0, other = 0;
	struct err e;

	v[0] = SV_TEXT("probe.insert");
	v[1] = SV_TEXT("1");
	assert_int_equal(store_begin(t->a, &e), 0);
	assert_int_equal(
	    store_insert(t->a,
			 "INSERT INTO attestations(requirement, object, "
			 "verdict, evidence, reviewer, attested, expires, "
			 "actor) VALUES (?, ?, 'pass', 'e', 'r', "
			 "'2026-01-01', '2027-01-01', 'a')",
			 v, 2, &id, &e),
	    0);
	assert_true(id > 0);
	if (tu_store_pg()) {
		/* another instance inserts (and commits) meanwhile: the
		 * newest row is its, the id returned still ours */
		v[1] = SV_TEXT("2");
		assert_int_equal(
		    store_insert(t->b,
				 "INSERT INTO attestations(requirement, "
				 "object, verdict, evidence, reviewer, "
				 "attested, expires, actor) VALUES (?, ?, "
				 "'pass', 'e', 'r', '2026-01-01', "
				 "'2027-01-01', 'a')",
				 v, 2, &other, &e),
		    0);
		assert_true(other > id);
		assert_int_equal(store_query_int(t->a,
						 "SELECT max(id) FROM "
						 "attestations",
						 NULL, 0, -1),
				 other);
	}
	assert_int_equal(store_commit(t->a, &e), 0);
	{
		struct store_val w[1] = {SV_INT(id)};

		assert_int_equal(store_query_int(t->a,
						 "SELECT CAST(object AS "
						 "INTEGER) FROM attestations "
						 "WHERE id = ?",
						 w, 1, -1),
				 1);
	}
	/* a statement that is not an INSERT ... with an id fails */
	assert_int_equal(store_insert(t->a,
				      "INSERT INTO settings(key, value) "
				      "VALUES ('x', 'y')",
				      NULL, 0, &id, &e),
			 -1);
}

static void
test_claim_each_once(void **state)
{
	struct two *t = *state;
	struct store_job ja, jb, jc;
	long long now = 1000000;
	struct err e;

	assert_int_equal(
	    store_job_add(t->a, "inspect", "www.a.gov.cn", "pa", now - 10, &e),
	    1);
	assert_int_equal(
	    store_job_add(t->b, "inspect", "www.a.gov.cn", "pa", now + 99, &e),
	    0); /* there already: unchanged */
	assert_int_equal(
	    store_job_add(t->a, "inspect", "www.b.gov.cn", "pb", now - 5, &e),
	    1);
	assert_int_equal(store_job_add(t->a, "inspect", "www.c.gov.cn", "pc",
				       now + 5000, &e),
			 1);
	assert_int_equal(
	    store_job_add(t->a, "probe", "pa", "www.a.gov.cn", now - 10, &e),
	    1);
	/* the first due first, each to one instance */
	assert_int_equal(
	    store_job_claim(t->a, "inspect", "A", now, 3000, &ja, &e), 1);
	assert_string_equal(ja.name, "www.a.gov.cn");
	assert_string_equal(ja.data, "pa");
	assert_int_equal(ja.due, now - 10);
	assert_int_equal(
	    store_job_claim(t->b, "inspect", "B", now, 3000, &jb, &e), 1);
	assert_string_equal(jb.name, "www.b.gov.cn");
	/* nothing else is due (c is not yet, a and b are held) */
	assert_int_equal(
	    store_job_claim(t->b, "inspect", "B", now + 100, 3000, &jc, &e), 0);
	assert_int_equal(store_job_next(t->b, "inspect", -1), now + 3000);
	assert_string_equal(ja.kind, "inspect");
	assert_string_equal(ja.owner, "A");
	/* the heartbeat: only the holder renews */
	jc = ja;
	str_copy(jc.owner, "B", sizeof(jc.owner));
	assert_int_equal(store_job_renew(t->b, &jc, now + 9000, &e), 0);
	assert_int_equal(store_job_renew(t->a, &ja, now + 6000, &e), 1);
	/* b's lease ends (B died): A takes it over; a's was renewed */
	assert_int_equal(
	    store_job_claim(t->a, "inspect", "A", now + 4000, 3000, &jc, &e),
	    1);
	assert_string_equal(jc.name, "www.b.gov.cn");
	/* B's late end changes nothing; A's counts once */
	assert_int_equal(jc.token, jb.token + 1);
	assert_int_equal(store_job_done(t->b, &jb, now + 60000, now + 4500, &e),
			 0);
	assert_int_equal(runs_of(t->a, "www.b.gov.cn"), 0);
	assert_int_equal(store_job_done(t->a, &jc, now + 60000, now + 5000, &e),
			 1);
	assert_int_equal(runs_of(t->a, "www.b.gov.cn"), 1);
	assert_int_equal(
	    store_query_int(t->a,
			    "SELECT due FROM sched_jobs WHERE name = "
			    "'www.b.gov.cn'",
			    NULL, 0, -1),
	    now + 60000);
	/* a stop gives a job up: free at once, not done */
	assert_int_equal(store_job_release(t->a, &ja, &e), 1);
	assert_int_equal(runs_of(t->a, "www.a.gov.cn"), 0);
	assert_int_equal(
	    store_job_claim(t->b, "inspect", "B", now + 5000, 3000, &jb, &e),
	    1);
	assert_string_equal(jb.name, "www.a.gov.cn");
	/* c is due now; kinds do not mix */
	assert_int_equal(
	    store_job_claim(t->a, "inspect", "A", now + 5000, 3000, &ja, &e),
	    1);
	assert_string_equal(ja.name, "www.c.gov.cn");
	assert_int_equal(
	    store_job_claim(t->a, "probe", "A", now + 5000, 3000, &ja, &e), 1);
	assert_string_equal(ja.name, "pa");
	/* a held job is not removed, a free one is; a moved one moves only
	 * from where it was */
	assert_int_equal(
	    store_job_remove(t->a, "inspect", "www.c.gov.cn", now + 5000, &e),
	    0);
	assert_int_equal(
	    store_job_remove(t->a, "inspect", "www.b.gov.cn", now + 5000, &e),
	    1);
	assert_int_equal(store_job_move(t->a, "probe", "pa", now - 10, now, &e),
			 0); /* held */
	assert_int_equal(store_job_release(t->a, &ja, &e), 1);
	assert_int_equal(store_job_move(t->a, "probe", "pa", now - 11, now, &e),
			 0);
	assert_int_equal(store_job_move(t->a, "probe", "pa", now - 10, now, &e),
			 1);
}

/* A's and B's results, in a table of their own (the tests' only) */
static void
results_table(struct store *st)
{
	struct err e;

	assert_int_equal(store_exec(st,
				    "CREATE TABLE job_results (id INTEGER "
				    "PRIMARY KEY, who TEXT NOT NULL)",
				    NULL, 0, &e),
			 0);
}

static long long
results_of(struct store *st, const char *who)
{
	struct store_val v[1] = {SV_TEXT(who)};

	return store_query_int(
	    st, "SELECT count(*) FROM job_results WHERE who = ?", v, 1, -1);
}

/* The results table, and the job (kind, name) due just before now,
 * claimed by "A" for 3 s into *ja. */
static void
claimed(struct store *st, const char *kind, const char *name, long long now,
	struct store_job *ja)
{
	struct err e;

	results_table(st);
	assert_int_equal(store_job_add(st, kind, name, "", now - 10, &e), 1);
	assert_int_equal(store_job_claim(st, kind, "A", now, 3000, ja, &e), 1);
	assert_string_equal(ja->name, name);
}

/* A save as the inspections' and the probes' (a transaction). */
static int
save_tx(struct store *st, const char *who, struct err *e)
{
	struct store_val v[1] = {SV_TEXT(who)};

	if (store_begin(st, e) < 0)
		return -1;
	if (store_exec(st, "INSERT INTO job_results (who) VALUES (?)", v, 1,
		       e) < 0) {
		store_rollback(st);
		return -1;
	}
	return store_commit(st, e);
}

static int
save_fn(struct store *st, void *arg, struct err *e)
{
	struct store_val v[1] = {SV_TEXT(arg)};

	return store_exec(st, "INSERT INTO job_results (who) VALUES (?)", v, 1,
			  e);
}

/*
 * Fencing: A claims, stalls past its lease, B takes the job over; then
 * every way A could store its result is refused (a transaction, a write
 * outside one, an insert with its id, store_run, a write in a read
 * transaction) and nothing of A's is stored, while B's save is, and
 * moves the job to its next slot in the same transaction.
 */
static void
test_fence(void **state)
{
	struct two *t = *state;
	struct store_job ja, jb, ja2;
	struct store_val v[1] = {SV_TEXT("A")};
	long long now = 2000000, id = 0;
	struct err e;

	claimed(t->a, "inspect", "www.f.gov.cn", now, &ja);
	/* while A holds it, its writes go through */
	store_fence(t->a, &ja, 0);
	assert_int_equal(save_tx(t->a, "A-early", &e), 0);
	assert_int_equal(results_of(t->a, "A-early"), 1);
	assert_int_equal(store_fence_refused(t->a), 0);
	/* A's lease ends, nobody took the job: still A's */
	assert_int_equal(save_tx(t->a, "A-late", &e), 0);
	assert_int_equal(results_of(t->a, "A-late"), 1);
	/* B takes it over */
	assert_int_equal(
	    store_job_claim(t->b, "inspect", "B", now + 4000, 3000, &jb, &e),
	    1);
	assert_string_equal(jb.name, "www.f.gov.cn");
	/* A wakes up and saves: refused, whichever way */
	assert_int_equal(save_tx(t->a, "A", &e), -1);
	assert_non_null(strstr(e.msg, "taken over"));
	assert_int_equal(save_fn(t->a, "A", &e), -1); /* no transaction */
	assert_int_equal(store_insert(t->a,
				      "INSERT INTO job_results (who) VALUES "
				      "(?)",
				      v, 1, &id, &e),
			 -1);
	assert_int_equal(store_run(t->a, 0, save_fn, "A", &e), -1);
	assert_int_equal(store_run(t->a, 1, save_fn, "A", &e), -1);
	assert_int_equal(store_begin_read(t->a, &e), 0);
	assert_int_equal(save_fn(t->a, "A", &e), -1);
	store_rollback(t->a);
	assert_int_equal(store_fence_refused(t->a), 6);
	/* reads still work; and nothing of A's was stored */
	assert_int_equal(results_of(t->a, "A"), 0);
	store_fence(t->a, NULL, 0);
	assert_int_equal(store_fence_refused(t->a), 0);
	/* A's end, heartbeat and release change nothing */
	assert_int_equal(store_job_renew(t->a, &ja, now + 9000, &e), 0);
	assert_int_equal(store_job_done(t->a, &ja, now + 9000, now + 4100, &e),
			 0);
	assert_int_equal(store_job_release(t->a, &ja, &e), 0);
	/* unfenced again, A's connection writes as before */
	assert_int_equal(save_tx(t->a, "A-other", &e), 0);
	/* B's save is stored, and moves the job on (due = the next slot):
	 * a stall of B's between its save and its end leaves it alone */
	store_fence(t->b, &jb, now + 60000);
	assert_int_equal(save_tx(t->b, "B", &e), 0);
	store_fence(t->b, NULL, 0);
	assert_int_equal(results_of(t->b, "B"), 1);
	assert_int_equal(store_query_int(t->b,
					 "SELECT due FROM sched_jobs WHERE "
					 "name = 'www.f.gov.cn'",
					 NULL, 0, -1),
			 now + 60000);
	assert_int_equal(
	    store_job_claim(t->a, "inspect", "A", now + 9000, 3000, &ja2, &e),
	    0);
	assert_int_equal(store_job_done(t->b, &jb, now + 60000, now + 9100, &e),
			 1);
	assert_int_equal(runs_of(t->b, "www.f.gov.cn"), 1);
	{
		char *last = store_query_text(t->b,
					      "SELECT last_owner FROM "
					      "sched_jobs WHERE name = "
					      "'www.f.gov.cn'",
					      NULL, 0);

		assert_string_equal(last, "B");
		free(last);
	}
	/* the token, not only the owner: A claims it again at its next
	 * slot; its old claim (same owner, older token) still stores
	 * nothing */
	assert_int_equal(
	    store_job_claim(t->a, "inspect", "A", now + 60000, 3000, &ja2, &e),
	    1);
	assert_true(ja2.token > jb.token);
	store_fence(t->a, &ja, 0);
	assert_int_equal(save_tx(t->a, "A", &e), -1);
	store_fence(t->a, &ja2, 0);
	assert_int_equal(save_tx(t->a, "A2", &e), 0);
	store_fence(t->a, NULL, 0);
	assert_int_equal(results_of(t->a, "A"), 0);
	assert_int_equal(results_of(t->a, "A2"), 1);
	assert_int_equal(results_of(t->a, "B"), 1);
}

/*
 * PostgreSQL: a fenced save holds the job's row until its commit, so
 * that an instance claiming meanwhile skips the job (FOR UPDATE SKIP
 * LOCKED) instead of taking it over under the save, and finds it moved
 * on once the save committed. SQLite's one writer at a time does the
 * same (the claim waits for the commit).
 */
static void
test_fence_locks(void **state)
{
	struct two *t = *state;
	struct store_job ja, jb;
	long long now = 3000000;
	struct err e;

	if (!tu_store_pg())
		skip();
	claimed(t->a, "probe", "p1", now, &ja);
	store_fence(t->a, &ja, now + 60000);
	assert_int_equal(store_begin(t->a, &e), 0);
	assert_int_equal(save_fn(t->a, "A", &e), 0);
	/* A's lease has run out, A's save is under way: B skips it */
	assert_int_equal(
	    store_job_claim(t->b, "probe", "B", now + 4000, 3000, &jb, &e), 0);
	assert_int_equal(store_commit(t->a, &e), 0);
	store_fence(t->a, NULL, 0);
	assert_int_equal(
	    store_job_claim(t->b, "probe", "B", now + 4000, 3000, &jb, &e), 0);
	assert_int_equal(results_of(t->b, "A"), 1);
}

/* NOTIFY and LISTEN between two connections (PostgreSQL); SQLite has
 * none: notify is a no-op, listen says so. */
static void
test_notify(void **state)
{
	struct two *t = *state;
	struct err e;

	if (!tu_store_pg()) {
		assert_int_equal(store_notify(t->a, "govsec_test", &e), 0);
		assert_int_equal(store_listen(t->b, "govsec_test", &e), -1);
		assert_non_null(strstr(e.msg, "no notifications"));
		assert_int_equal(store_wait_notify(t->b, 1, &e), -1);
		return;
	}
	assert_int_equal(store_listen(t->b, "govsec_test", &e), 0);
	assert_int_equal(store_listen(t->b, "bad name;", &e), -1);
	assert_int_equal(store_wait_notify(t->b, 10, &e), 0);
	/* told at the commit, not before */
	assert_int_equal(store_begin(t->a, &e), 0);
	assert_int_equal(store_notify(t->a, "govsec_test", &e), 0);
	assert_int_equal(store_wait_notify(t->b, 50, &e), 0);
	assert_int_equal(store_commit(t->a, &e), 0);
	assert_int_equal(store_wait_notify(t->b, 5000, &e), 1);
	/* a rolled back change tells nobody; another channel neither */
	assert_int_equal(store_begin(t->a, &e), 0);
	assert_int_equal(store_notify(t->a, "govsec_test", &e), 0);
	store_rollback(t->a);
	assert_int_equal(store_notify(t->a, "govsec_other", &e), 0);
	assert_int_equal(store_wait_notify(t->b, 50, &e), 0);
	/* outside a transaction: at once */
	assert_int_equal(store_notify(t->a, "govsec_test", &e), 0);
	assert_int_equal(store_wait_notify(t->b, 5000, &e), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_insert_id, open_two,
					    close_two),
	    cmocka_unit_test_setup_teardown(test_claim_each_once, open_two,
					    close_two),
	    cmocka_unit_test_setup_teardown(test_fence, open_two, close_two),
	    cmocka_unit_test_setup_teardown(test_fence_locks, open_two,
					    close_two),
	    cmocka_unit_test_setup_teardown(test_notify, open_two, close_two),
	};

	return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
