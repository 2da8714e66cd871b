/*
 * test_audit.c: unit tests of src/audit, the SM3 hash-chained audit log
 * (SEC-5, MON-1, GMCRYPTO-1): the record hash as documented, verification
 * naming the first edited, removed or reordered record, anchors against a
 * cut-off tail, JSON Lines export, retention (below 365 days needs force)
 * and pruning that keeps the chain verifiable. Time is fixed through
 * GOVSEC_NOW, which these tests make the audit clock (audit_set_clock:
 * in the programs it never is); every test gets a fresh on-disk store in a
 * temporary directory under $GOVSEC_TEST_TMP (or /tmp), removed at the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/audit.h"
#include "storefix.h"

#define ZEROS "0000000000000000000000000000000000000000000000000000000000000000"

/* The audit writer's spill file: beside the SQLite file by default;
 * a PostgreSQL store has no file to put it beside. */
static const char *
qspill(void)
{
	static char spill[8300];

	if (!tu_store_pg())
		return NULL;
	str_fmt(spill, sizeof(spill), "%s.spill", sf_path);
	return spill;
}

static void
at(const char *now)
{
	assert_int_equal(setenv("GOVSEC_NOW", now, 1), 0);
}

static void
append(struct store *st, const char *actor, const char *action,
       const char *object, const char *before, const char *after)
{
	struct err e;

	if (audit_append(st, actor, action, object, before, after, &e) < 0)
		fail_msg("audit_append: %s", e.msg);
}

static void
sql(struct store *st, const char *q)
{
	struct err e;

	if (store_exec(st, q, NULL, 0, &e) < 0)
		fail_msg("%s: %s", q, e.msg);
}

static long long
count(struct store *st)
{
	return store_query_int(st, "SELECT count(*) FROM audit", NULL, 0, -1);
}

/* The column of record seq as a heap string (free()), or NULL. */
static char *
column(struct store *st, const char *col, long long seq)
{
	char q[128];
	struct store_val v[1] = {SV_INT(seq)};

	str_fmt(q, sizeof(q), "SELECT %s FROM audit WHERE seq = ?", col);
	return store_query_text(st, q, v, 1);
}

static void
field(struct buf *b, const char *s)
{
	if (s == NULL)
		assert_int_equal(buf_addstr(b, "-;"), 0);
	else
		assert_int_equal(buf_printf(b, "%zu:%s;", strlen(s), s), 0);
}

/* The record hash exactly as audit.c documents it. */
static void
expected_hash(const char *prev, const char *seq, const char *when,
	      const char *actor, const char *action, const char *object,
	      const char *before, const char *after, char out[AUDIT_HASH_HEX])
{
	struct buf b = BUF_INIT(1 << 16);

	assert_int_equal(buf_addstr(&b, prev), 0);
	field(&b, seq);
	field(&b, when);
	field(&b, actor);
	field(&b, action);
	field(&b, object);
	field(&b, before);
	field(&b, after);
	audit_digest(b.data, b.len, out);
	buf_cleanup(&b);
}

static int
verify(struct store *st, struct audit_verdict *v)
{
	struct err e;
	int rc = audit_verify(st, 0, NULL, v, &e);

	if (rc < 0)
		fail_msg("audit_verify: %s", e.msg);
	return rc;
}

/* Five records, one per minute from 2024-07-01T00:00:00Z. */
static void
five(struct store *st)
{
	static const char *const times[] = {
	    "2024-07-01T00:00:00Z", "2024-07-01T00:01:00Z",
	    "2024-07-01T00:02:00Z", "2024-07-01T00:03:00Z",
	    "2024-07-01T00:04:00Z"};
	char obj[32];

	for (int i = 0; i < 5; i++) {
		at(times[i]);
		str_fmt(obj, sizeof(obj), "unit:%d", i + 1);
		append(st, "alice", "unit.add", obj, NULL, "aa");
	}
}

static void
test_digest(void **state)
{
	char out[AUDIT_HASH_HEX];

	(void)state;
	audit_digest("abc", 3, out);
	assert_string_equal(out, "66c7f0f462eeedd9d1f2d46bdc10e4e2"
				 "4167c4875cf2f7a2297da02b8f4ba8e0");
	assert_int_equal(strlen(out), 64);
}

static void
test_hash_formula(void **state)
{
	struct store *st = *state;
	char want1[AUDIT_HASH_HEX], want2[AUDIT_HASH_HEX];
	char *prev, *hash, *when;

	at("2024-07-01T08:00:00+08:00");
	append(st, "alice", "unit.add", "unit:11440700007250010K", NULL,
	       "ab12");
	at("2024-07-02T00:00:00Z");
	append(st, "张伟", "unit.update", "unit:11440700007250010K", "ab12",
	       "cd34");

	when = column(st, "at", 1);
	assert_string_equal(when, "2024-07-01T00:00:00Z");
	free(when);
	prev = column(st, "prev", 1);
	assert_string_equal(prev, ZEROS);
	free(prev);
	expected_hash(ZEROS, "1", "2024-07-01T00:00:00Z", "alice", "unit.add",
		      "unit:11440700007250010K", NULL, "ab12", want1);
	hash = column(st, "hash", 1);
	assert_string_equal(hash, want1);
	free(hash);

	prev = column(st, "prev", 2);
	assert_string_equal(prev, want1);
	free(prev);
	/* Lengths count bytes (UTF-8), not characters. */
	expected_hash(want1, "2", "2024-07-02T00:00:00Z", "张伟", "unit.update",
		      "unit:11440700007250010K", "ab12", "cd34", want2);
	hash = column(st, "hash", 2);
	assert_string_equal(hash, want2);
	free(hash);
	{
		char *b = column(st, "before", 1);

		assert_null(b);
	}
}

static void
test_verify_sound(void **state)
{
	struct store *st = *state;
	struct audit_verdict v;
	char *head;

	/* An empty log is sound. */
	assert_int_equal(verify(st, &v), 0);
	assert_int_equal(v.checked, 0);
	assert_int_equal(v.bad_seq, 0);
	assert_int_equal(v.head_seq, 0);
	assert_string_equal(v.head, ZEROS);

	five(st);
	assert_int_equal(count(st), 5);
	assert_int_equal(verify(st, &v), 0);
	assert_int_equal(v.checked, 5);
	assert_int_equal(v.bad_seq, 0);
	assert_int_equal(v.head_seq, 5);
	head = column(st, "hash", 5);
	assert_string_equal(v.head, head);
	free(head);
}

static void
test_verify_edited(void **state)
{
	struct store *st = *state;
	struct audit_verdict v;

	five(st);
	sql(st, "UPDATE audit SET actor = 'mallory' WHERE seq = 3");
	assert_int_equal(verify(st, &v), 1);
	assert_int_equal(v.bad_seq, 3);
	assert_int_equal(v.checked, 2);
	assert_string_equal(v.reason,
			    "record 3 does not match its hash (edited)");
}

static void
test_verify_edited_each_field(void **state)
{
	struct store *st = *state;
	static const char *const edits[] = {
	    "UPDATE audit SET at = '2024-07-01T00:01:01Z' WHERE seq = 2",
	    "UPDATE audit SET action = 'unit.rm' WHERE seq = 2",
	    "UPDATE audit SET object = 'unit:x' WHERE seq = 2",
	    "UPDATE audit SET before = 'aa' WHERE seq = 2",
	    "UPDATE audit SET after = NULL WHERE seq = 2",
	    "UPDATE audit SET after = 'ab' WHERE seq = 2",
	    "UPDATE audit SET hash = upper(hash) WHERE seq = 2",
	};
	struct audit_verdict v;

	five(st);
	for (size_t i = 0; i < ARRAY_SIZE(edits); i++) {
		assert_int_equal(store_begin(st, NULL), 0);
		sql(st, edits[i]);
		if (verify(st, &v) != 1 || v.bad_seq != 2)
			fail_msg("not detected: %s", edits[i]);
		assert_string_equal(
		    v.reason, "record 2 does not match its hash (edited)");
		store_rollback(st);
		assert_int_equal(verify(st, &v), 0);
	}
}

/* An edited record whose hash was recomputed breaks the next link. */
static void
test_verify_edited_rehashed(void **state)
{
	struct store *st = *state;
	struct audit_verdict v;
	char *prev, want[AUDIT_HASH_HEX];
	struct store_val val[1];
	struct err e;

	five(st);
	prev = column(st, "prev", 2);
	expected_hash(prev, "2", "2024-07-01T00:01:00Z", "mallory", "unit.add",
		      "unit:2", NULL, "aa", want);
	free(prev);
	val[0] = SV_TEXT(want);
	assert_int_equal(store_exec(st,
				    "UPDATE audit SET actor = 'mallory', "
				    "hash = ? WHERE seq = 2",
				    val, 1, &e),
			 0);
	assert_int_equal(verify(st, &v), 1);
	assert_int_equal(v.bad_seq, 3);
	assert_int_equal(v.checked, 2);
	assert_string_equal(v.reason,
			    "record 3 does not link to the record before it "
			    "(removed, reordered or edited)");
}

static void
test_verify_removed(void **state)
{
	struct store *st = *state;
	struct audit_verdict v;

	five(st);
	sql(st, "DELETE FROM audit WHERE seq = 3");
	assert_int_equal(verify(st, &v), 1);
	assert_int_equal(v.bad_seq, 4);
	assert_int_equal(v.checked, 2);
	assert_string_equal(v.reason, "record 4 follows record 2: record 3 is "
				      "missing (removed)");
}

static void
test_verify_removed_first(void **state)
{
	struct store *st = *state;
	struct audit_verdict v;

	five(st);
	sql(st, "DELETE FROM audit WHERE seq = 1");
	assert_int_equal(verify(st, &v), 1);
	assert_int_equal(v.bad_seq, 2);
	assert_int_equal(v.checked, 0);
	assert_string_equal(v.reason, "record 2 follows record 0: record 1 is "
				      "missing (removed)");
}

/* A removed record renumbered to close the gap breaks the link. */
static void
test_verify_removed_renumbered(void **state)
{
	struct store *st = *state;
	struct audit_verdict v;

	five(st);
	sql(st, "DELETE FROM audit WHERE seq = 3");
	sql(st, "UPDATE audit SET seq = seq - 1 WHERE seq > 3");
	assert_int_equal(verify(st, &v), 1);
	assert_int_equal(v.bad_seq, 3);
	assert_string_equal(v.reason,
			    "record 3 does not link to the record before it "
			    "(removed, reordered or edited)");
}

/* Records 2 and 3 swapped (contents exchanged under their numbers). */
static void
test_verify_reordered(void **state)
{
	struct store *st = *state;
	struct audit_verdict v;

	five(st);
	sql(st, "UPDATE audit SET seq = 100 WHERE seq = 2");
	sql(st, "UPDATE audit SET seq = 2 WHERE seq = 3");
	sql(st, "UPDATE audit SET seq = 3 WHERE seq = 100");
	assert_int_equal(verify(st, &v), 1);
	assert_int_equal(v.bad_seq, 2);
	assert_int_equal(v.checked, 1);
	assert_string_equal(v.reason,
			    "record 2 does not link to the record before it "
			    "(removed, reordered or edited)");
}

/* A hash cut short or replaced by junk is an edit, not a crash. */
static void
test_verify_bad_hash_text(void **state)
{
	struct store *st = *state;
	static const char *const edits[] = {
	    "UPDATE audit SET hash = 'abc' WHERE seq = 4",
	    "UPDATE audit SET hash = '' WHERE seq = 4",
	    "UPDATE audit SET hash = substr(hash, 1, 63) WHERE seq = 4",
	    "UPDATE audit SET hash = hash || '0' WHERE seq = 4",
	    "UPDATE audit SET hash = x'00' WHERE seq = 4",
	};
	struct audit_verdict v;

	five(st);
	for (size_t i = 0; i < ARRAY_SIZE(edits); i++) {
		assert_int_equal(store_begin(st, NULL), 0);
		sql(st, edits[i]);
		if (verify(st, &v) != 1 || v.bad_seq != 4)
			fail_msg("not detected: %s", edits[i]);
		assert_string_equal(
		    v.reason, "record 4 does not match its hash (edited)");
		store_rollback(st);
	}
}

static void
test_verify_anchor(void **state)
{
	struct store *st = *state;
	struct audit_verdict v;
	struct err e;
	char *h3, *h5, *h4;

	five(st);
	h3 = column(st, "hash", 3);
	h4 = column(st, "hash", 4);
	h5 = column(st, "hash", 5);
	assert_int_equal(audit_verify(st, 3, h3, &v, &e), 0);
	assert_int_equal(audit_verify(st, 5, h5, &v, &e), 0);
	assert_int_equal(v.checked, 5);
	/* An anchor that does not match. */
	assert_int_equal(audit_verify(st, 3, h4, &v, &e), 1);
	assert_int_equal(v.bad_seq, 3);
	assert_string_equal(v.reason, "record 3 differs from the anchor given");
	/* A cut-off tail is invisible without an anchor... */
	sql(st, "DELETE FROM audit WHERE seq >= 4");
	assert_int_equal(verify(st, &v), 0);
	assert_int_equal(v.checked, 3);
	assert_int_equal(v.head_seq, 3);
	/* ...and found with one. */
	assert_int_equal(audit_verify(st, 5, h5, &v, &e), 1);
	assert_int_equal(v.bad_seq, 5);
	assert_string_equal(v.reason, "record 5 given as anchor is missing "
				      "(the log was cut short)");
	free(h3);
	free(h4);
	free(h5);
}

static void
test_append_in_caller_transaction(void **state)
{
	struct store *st = *state;
	struct err e;
	struct audit_verdict v;

	five(st);
	assert_int_equal(store_begin(st, &e), 0);
	append(st, "bob", "unit.rm", "unit:1", "aa", NULL);
	append(st, "bob", "unit.rm", "unit:2", "aa", NULL);
	assert_int_equal(count(st), 7);
	store_rollback(st);
	assert_int_equal(count(st), 5);
	/* The chain goes on from the last kept record. */
	append(st, "bob", "unit.rm", "unit:3", "aa", NULL);
	assert_int_equal(count(st), 6);
	assert_int_equal(verify(st, &v), 0);
	assert_int_equal(v.head_seq, 6);

	/* A failing append (NOT NULL actor) leaves nothing. */
	assert_int_equal(audit_append(st, NULL, "x", "y", NULL, NULL, &e), -1);
	assert_int_equal(count(st), 6);
	assert_int_equal(verify(st, &v), 0);
}

static char *
export_text(struct store *st, const char *since)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct err e;

	assert_non_null(f);
	if (audit_export(st, since, f, &e) < 0)
		fail_msg("audit_export: %s", e.msg);
	assert_int_equal(fclose(f), 0);
	return text;
}

static void
test_export(void **state)
{
	struct store *st = *state;
	char *text, *h1, *h2, want[2048];

	at("2024-07-01T00:00:00Z");
	append(st, "alice", "unit.add", "unit:11440700007250010K", NULL, "ab");
	at("2025-01-02T03:04:05Z");
	append(st, "张伟", "unit.rm", "unit:\"quoted\"", "ab", NULL);
	h1 = column(st, "hash", 1);
	h2 = column(st, "hash", 2);

	text = export_text(st, NULL);
	assert_true(str_fmt(want, sizeof(want),
			    "{\"seq\":1,\"at\":\"2024-07-01T00:00:00Z\","
			    "\"actor\":\"alice\",\"action\":\"unit.add\","
			    "\"object\":\"unit:11440700007250010K\","
			    "\"before\":null,\"after\":\"ab\",\"prev\":\"%s\","
			    "\"hash\":\"%s\",\"keyed\":false}\n"
			    "{\"seq\":2,\"at\":\"2025-01-02T03:04:05Z\","
			    "\"actor\":\"张伟\",\"action\":\"unit.rm\","
			    "\"object\":\"unit:\\\"quoted\\\"\","
			    "\"before\":\"ab\",\"after\":null,\"prev\":\"%s\","
			    "\"hash\":\"%s\",\"keyed\":false}\n",
			    ZEROS, h1, h1, h2) > 0);
	assert_string_equal(text, want);
	free(text);

	/* since: records at or after it. */
	text = export_text(st, "2025-01-01");
	assert_true(str_starts(text, "{\"seq\":2,"));
	assert_true(strchr(text, '\n') == text + strlen(text) - 1);
	free(text);
	text = export_text(st, "2025-01-02T03:04:05Z");
	assert_true(str_starts(text, "{\"seq\":2,"));
	free(text);
	text = export_text(st, "2026-01-01");
	assert_string_equal(text, "");
	free(text);
	free(h1);
	free(h2);
}

/* "since" is a point in time: written with an offset it means the same
 * instant as in UTC. */
static void
test_export_since_offset(void **state)
{
	struct store *st = *state;
	static const struct {
		const char *since;
		int first; /* seq of the first record exported */
	} cases[] = {
	    /* 08:00 in Beijing is 00:00 UTC: record 2 only. */
	    {"2024-07-01T08:00:00+08:00", 2},
	    /* 07:00 in Beijing is 23:00 UTC the day before: both. */
	    {"2024-07-01T07:00:00+08:00", 1},
	    /* 20:00 in New York on 30 June is 00:00 UTC on 1 July. */
	    {"2024-06-30T20:00:00-04:00", 2},
	};

	at("2024-06-30T23:30:00Z");
	append(st, "alice", "unit.add", "unit:1", NULL, "aa");
	at("2024-07-01T00:00:00Z");
	append(st, "alice", "unit.add", "unit:2", NULL, "aa");
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		char *text = export_text(st, cases[i].since), want[32];
		int ok;

		str_fmt(want, sizeof(want), "{\"seq\":%d,", cases[i].first);
		ok = str_starts(text, want) && strchr(text, '\n') != NULL &&
		     (cases[i].first == 1 ||
		      strchr(text, '\n') == text + strlen(text) - 1);
		free(text);
		if (!ok)
			fail_msg("since %s: the export does not start with "
				 "record %d",
				 cases[i].since, cases[i].first);
	}
}

/* Every line of an export carries all nine fields, even for a record that
 * was tampered with (the export is evidence). */
static void
test_export_tampered_keeps_fields(void **state)
{
	struct store *st = *state;
	char *text;

	five(st);
	sql(st, "UPDATE audit SET actor = CAST(x'ff41' AS TEXT) WHERE seq = 2");
	text = export_text(st, NULL);
	{
		char *line2 = strchr(text, '\n');

		assert_non_null(line2);
		line2++;
		assert_true(str_starts(line2, "{\"seq\":2,"));
		if (strstr(line2, "\"actor\":") == NULL ||
		    strstr(line2, "\"actor\":") > strchr(line2, '\n'))
			fail_msg("the tampered record's actor was dropped "
				 "from the export: %.200s",
				 line2);
	}
	free(text);
}

static void
test_retention(void **state)
{
	struct store *st = *state;
	struct err e;
	char *s;

	assert_int_equal(audit_retention(st), 365);
	assert_int_equal(audit_set_retention(st, 180, 0, "test", &e), -1);
	assert_string_equal(e.msg, "retention of 180 days is below the 365 "
				   "days SEC-5 requires; add --force to do it "
				   "anyway");
	assert_int_equal(audit_retention(st), 365);
	assert_int_equal(count(st), 0);
	assert_int_equal(audit_set_retention(st, 364, 0, "test", &e), -1);
	assert_int_equal(audit_set_retention(st, 0, 1, "test", &e), -1);
	assert_string_equal(e.msg,
			    "retention '0' days is out of range (1..36500)");
	assert_int_equal(audit_set_retention(st, 36501, 1, "test", &e), -1);
	assert_string_equal(
	    e.msg, "retention '36501' days is out of range (1..36500)");
	assert_int_equal(count(st), 0);

	/* Forced below the minimum: done, and 1 says "warn loudly". */
	assert_int_equal(audit_set_retention(st, 180, 1, "test", &e), 1);
	assert_int_equal(audit_retention(st), 180);
	assert_int_equal(count(st), 1);
	s = column(st, "action", 1);
	assert_string_equal(s, "audit.retention");
	free(s);
	s = column(st, "actor", 1);
	assert_string_equal(s, "test");
	free(s);
	s = column(st, "before", 1);
	assert_string_equal(s, "365");
	free(s);
	s = column(st, "after", 1);
	assert_string_equal(s, "180");
	free(s);

	assert_int_equal(audit_set_retention(st, 365, 0, "test", &e), 0);
	assert_int_equal(audit_set_retention(st, 36500, 0, "test", &e), 0);
	assert_int_equal(audit_retention(st), 36500);
	assert_int_equal(count(st), 3);

	/* A corrupt setting reads as the default. */
	assert_int_equal(
	    store_setting_set(st, "audit.retention_days", "abc", &e), 0);
	assert_int_equal(audit_retention(st), 365);
	assert_int_equal(store_setting_set(st, "audit.retention_days", "0", &e),
			 0);
	assert_int_equal(audit_retention(st), 365);
}

static void
test_prune(void **state)
{
	struct store *st = *state;
	struct audit_verdict v;
	struct err e;
	char *s, *h3;

	at("2023-01-01T00:00:00Z");
	append(st, "alice", "unit.add", "unit:1", NULL, "aa");
	append(st, "alice", "unit.add", "unit:2", NULL, "aa");
	at("2023-07-01T23:59:59Z");
	append(st, "alice", "unit.add", "unit:3", NULL, "aa");
	at("2023-07-02T00:00:00Z");
	append(st, "alice", "unit.add", "unit:4", NULL, "aa");
	at("2024-06-01T00:00:00Z");
	append(st, "alice", "unit.add", "unit:5", NULL, "aa");
	h3 = column(st, "hash", 3);

	/* 2024-07-01 minus 365 days is 2023-07-02 (2024 is a leap year). */
	at("2024-07-01T00:00:00Z");
	assert_int_equal(audit_prune(st, "bob", &e), 3);
	assert_int_equal(count(st), 3);
	assert_int_equal(
	    store_query_int(st, "SELECT min(seq) FROM audit", NULL, 0, -1), 4);
	s = store_setting_get(st, "audit.anchor_seq");
	assert_string_equal(s, "3");
	free(s);
	s = store_setting_get(st, "audit.anchor_hash");
	assert_string_equal(s, h3);
	free(s);
	s = column(st, "prev", 4);
	assert_string_equal(s, h3);
	free(s);
	/* The prune itself is recorded. */
	s = column(st, "action", 6);
	assert_string_equal(s, "audit.prune");
	free(s);
	s = column(st, "object", 6);
	assert_string_equal(s, "seq<=3 before 2023-07-02T00:00:00Z");
	free(s);
	s = column(st, "actor", 6);
	assert_string_equal(s, "bob");
	free(s);

	/* Still verifiable, from the anchor. */
	assert_int_equal(verify(st, &v), 0);
	assert_int_equal(v.checked, 3);
	assert_int_equal(v.head_seq, 6);
	/* The chain goes on. */
	append(st, "alice", "unit.add", "unit:7", NULL, "aa");
	assert_int_equal(verify(st, &v), 0);
	assert_int_equal(v.head_seq, 7);
	/* Nothing more to prune: 0, and no record of it. */
	assert_int_equal(audit_prune(st, "bob", &e), 0);
	assert_int_equal(count(st), 4);

	/* Removing the first kept record is still detected. */
	sql(st, "DELETE FROM audit WHERE seq = 4");
	assert_int_equal(verify(st, &v), 1);
	assert_int_equal(v.bad_seq, 5);
	assert_string_equal(v.reason, "record 5 follows record 3: record 4 is "
				      "missing (removed)");
	free(h3);
}

static void
test_prune_tampered_anchor(void **state)
{
	struct store *st = *state;
	struct audit_verdict v;
	struct err e;

	at("2020-01-01T00:00:00Z");
	append(st, "alice", "unit.add", "unit:1", NULL, "aa");
	append(st, "alice", "unit.add", "unit:2", NULL, "aa");
	at("2024-07-01T00:00:00Z");
	append(st, "alice", "unit.add", "unit:3", NULL, "aa");
	assert_int_equal(audit_prune(st, "bob", &e), 2);
	assert_int_equal(verify(st, &v), 0);

	/* Moving the anchor to hide more records is detected. */
	assert_int_equal(store_setting_set(st, "audit.anchor_hash", ZEROS, &e),
			 0);
	assert_int_equal(verify(st, &v), 1);
	assert_int_equal(v.bad_seq, 3);
	assert_string_equal(v.reason,
			    "record 3 does not link to the record before it "
			    "(removed, reordered or edited)");
	assert_int_equal(store_setting_set(st, "audit.anchor_seq", "x", &e), 0);
	assert_int_equal(verify(st, &v), 1);
	assert_int_equal(v.bad_seq, 1);
	assert_string_equal(v.reason, "the audit anchor setting is corrupt");
}

static void
test_prune_everything(void **state)
{
	struct store *st = *state;
	struct audit_verdict v;
	struct err e;
	char *h2, *s;

	at("2020-01-01T00:00:00Z");
	append(st, "alice", "unit.add", "unit:1", NULL, "aa");
	append(st, "alice", "unit.add", "unit:2", NULL, "aa");
	h2 = column(st, "hash", 2);
	at("2024-07-01T00:00:00Z");
	assert_int_equal(audit_prune(st, "bob", &e), 2);
	/* Only the prune record is left; it links to the anchor. */
	assert_int_equal(count(st), 1);
	s = column(st, "prev", 3);
	assert_string_equal(s, h2);
	free(s);
	assert_int_equal(verify(st, &v), 0);
	assert_int_equal(v.checked, 1);
	assert_int_equal(v.head_seq, 3);

	/* Pruning again (records still younger than a year): nothing. */
	assert_int_equal(audit_prune(st, "bob", &e), 0);
	/* A year later, prune the prune record too; a new one follows. */
	at("2025-07-02T00:00:00Z");
	assert_int_equal(audit_prune(st, "bob", &e), 1);
	assert_int_equal(count(st), 1);
	assert_int_equal(verify(st, &v), 0);
	assert_int_equal(v.head_seq, 4);
	s = store_setting_get(st, "audit.anchor_seq");
	assert_string_equal(s, "3");
	free(s);
	free(h2);
}

static void
test_prune_shorter_retention(void **state)
{
	struct store *st = *state;
	struct audit_verdict v;
	struct err e;

	at("2024-01-01T00:00:00Z");
	append(st, "alice", "unit.add", "unit:1", NULL, "aa");
	at("2024-06-01T00:00:00Z");
	append(st, "alice", "unit.add", "unit:2", NULL, "aa");
	at("2024-07-01T00:00:00Z");
	/* With the default year nothing goes. */
	assert_int_equal(audit_prune(st, "bob", &e), 0);
	assert_int_equal(audit_set_retention(st, 100, 1, "test", &e), 1);
	/* 2024-07-01 minus 100 days is 2024-03-23: record 1 goes. */
	assert_int_equal(audit_prune(st, "bob", &e), 1);
	assert_int_equal(
	    store_query_int(st, "SELECT min(seq) FROM audit", NULL, 0, -1), 2);
	assert_int_equal(verify(st, &v), 0);
	assert_int_equal(v.head_seq, 4);
}

/* ---- the keyed chain and its heads (issue 8, item 16) -------------------- */

/* Keys this process's audit with a fixed key; heads go beside the store
 * (path into heads) unless heads is NULL. */
static void
keyed(char *heads, size_t n)
{
	struct secret_key k;

	memset(&k, 0, sizeof(k));
	memset(k.k, 0x5a, sizeof(k.k));
	k.set = 1;
	if (heads != NULL)
		assert_int_equal(str_fmt(heads, n, "%s.heads", sf_path) > 0, 1);
	assert_int_equal(audit_init_key(&k, heads != NULL ? heads : "", 0, 60),
			 0);
}

static void
checkpoint(struct store *st)
{
	struct err e;

	if (audit_checkpoint(st, 1, &e) < 0)
		fail_msg("audit_checkpoint: %s", e.msg);
}

/* Rewrites records from..to with plain SM3 links from the record before
 * (what someone who can write the store but not read the key can do),
 * keeping the keyed column as it is unless plain is set. */
static void
rehash_plain(struct store *st, long long from, long long to, int plain)
{
	char *prev = from > 1 ? column(st, "hash", from - 1) : xstrdup(ZEROS);
	struct err e;

	for (long long seq = from; seq <= to; seq++) {
		char h[AUDIT_HASH_HEX], seqs[32];
		char *c[6];
		static const char *const names[] = {
		    "at", "actor", "action", "object", "before", "after"};
		struct store_val v[4];

		for (int i = 0; i < 6; i++)
			c[i] = column(st, names[i], seq);
		str_fmt(seqs, sizeof(seqs), "%lld", seq);
		expected_hash(prev, seqs, c[0], c[1], c[2], c[3], c[4], c[5],
			      h);
		v[0] = SV_TEXT(prev);
		v[1] = SV_TEXT(h);
		v[2] = SV_INT(seq);
		v[3] = SV_INT(plain);
		if (store_exec(st,
			       "UPDATE audit SET prev = ?, hash = ?, keyed = "
			       "CASE WHEN ?4 THEN 0 ELSE keyed END WHERE seq "
			       "= ?3",
			       v, 4, &e) < 0)
			fail_msg("rehash: %s", e.msg);
		for (int i = 0; i < 6; i++)
			free(c[i]);
		free(prev);
		prev = xstrdup(h);
	}
	free(prev);
}

static void
test_keyed_chain(void **state)
{
	struct store *st = *state;
	struct audit_verdict v;
	char plain[AUDIT_HASH_HEX], *hash, *k;

	keyed(NULL, 0);
	five(st);
	assert_int_equal(verify(st, &v), 0);
	assert_int_equal(v.checked, 5);
	assert_int_equal(v.keyed, 5);
	assert_int_equal(v.plain, 0);
	k = column(st, "keyed", 3);
	assert_string_equal(k, "1");
	free(k);
	/* the link is not the plain SM3 one: it needs the key */
	expected_hash(ZEROS, "1", "2024-07-01T00:00:00Z", "alice", "unit.add",
		      "unit:1", NULL, "aa", plain);
	hash = column(st, "hash", 1);
	assert_string_not_equal(hash, plain);
	free(hash);
}

static void
test_keyed_edit_rehashed_plain(void **state)
{
	struct store *st = *state;
	struct audit_verdict v;

	keyed(NULL, 0);
	five(st);
	/* edit record 3 and recompute SM3 from there, as keyed records */
	assert_int_equal(store_begin(st, NULL), 0);
	sql(st, "UPDATE audit SET actor = 'mallory' WHERE seq = 3");
	rehash_plain(st, 3, 5, 0);
	assert_int_equal(verify(st, &v), 1);
	assert_int_equal(v.bad_seq, 3);
	assert_string_equal(v.reason,
			    "record 3 does not match its keyed link (edited, "
			    "or another key file)");
	store_rollback(st);
	/* the same, marking them plain: a downgrade after keyed records */
	assert_int_equal(store_begin(st, NULL), 0);
	sql(st, "UPDATE audit SET actor = 'mallory' WHERE seq = 3");
	rehash_plain(st, 3, 5, 1);
	assert_int_equal(verify(st, &v), 1);
	assert_int_equal(v.bad_seq, 3);
	assert_string_equal(v.reason,
			    "record 3 has a plain SM3 link after keyed records "
			    "(rewritten without the key)");
	store_rollback(st);
	assert_int_equal(verify(st, &v), 0);
}

static void
test_keyed_rewrite_all_found_by_heads(void **state)
{
	struct store *st = *state;
	struct audit_verdict v;
	char heads[8300];

	keyed(heads, sizeof(heads));
	five(st);
	checkpoint(st);
	assert_int_equal(verify(st, &v), 0);
	assert_int_equal(v.heads, 1);
	assert_int_equal(v.heads_seq, 5);
	assert_string_equal(v.heads_file, heads);
	/* every record rewritten as a plain chain: sound links, but the head
	 * written for record 5 names another link */
	sql(st, "UPDATE audit SET actor = 'mallory' WHERE seq = 2");
	rehash_plain(st, 1, 5, 1);
	assert_int_equal(verify(st, &v), 1);
	assert_int_equal(v.bad_seq, 5);
	assert_true(str_starts(v.reason, "record 5 differs from the head "
					 "written for it at "));
}

static void
test_keyed_old_records_stay_verifiable(void **state)
{
	struct store *st = *state;
	struct audit_verdict v;
	struct err e;

	append(st, "alice", "unit.add", "unit:1", NULL, "aa");
	append(st, "alice", "unit.add", "unit:2", NULL, "aa");
	keyed(NULL, 0);
	append(st, "alice", "unit.add", "unit:3", NULL, "aa");
	assert_int_equal(verify(st, &v), 0);
	assert_int_equal(v.plain, 2);
	assert_int_equal(v.keyed, 1);
	/* without the key, keyed records cannot be checked nor appended */
	audit_cleanup();
	assert_int_equal(audit_verify(st, 0, NULL, &v, &e), -1);
	assert_string_equal(e.msg, "record 3 is keyed (HMAC-SM3) but the "
				   "store's key file is not loaded");
	assert_int_equal(audit_append(st, "x", "y", "z", NULL, NULL, &e), -1);
	assert_true(strstr(e.msg, "key") != NULL);
	assert_int_equal(count(st), 3);
}

static void
test_heads_find_cut_tail(void **state)
{
	struct store *st = *state;
	struct audit_verdict v;
	char heads[8300];

	keyed(heads, sizeof(heads));
	five(st);
	checkpoint(st);
	sql(st, "DELETE FROM audit WHERE seq >= 4");
	assert_int_equal(verify(st, &v), 1);
	assert_int_equal(v.bad_seq, 4);
	assert_string_equal(v.reason,
			    "the chain ends at record 3 but a head at record 5 "
			    "was written at 2024-07-01T00:04:00Z (records were "
			    "cut off the end)");
}

static void
test_heads_find_everything_deleted(void **state)
{
	struct store *st = *state;
	struct audit_verdict v;
	char heads[8300];

	keyed(heads, sizeof(heads));
	five(st);
	checkpoint(st);
	sql(st, "DELETE FROM audit");
	assert_int_equal(verify(st, &v), 1);
	assert_true(str_starts(v.reason, "the chain ends at record 0 but a "
					 "head at record 5 "));
}

static void
test_heads_checkpoint_rules(void **state)
{
	struct store *st = *state;
	struct audit_verdict v;
	char heads[8300];
	struct buf b = BUF_INIT(1 << 20);

	keyed(heads, sizeof(heads));
	checkpoint(st); /* an empty chain: no head */
	assert_int_equal(access(heads, F_OK), -1);
	append(st, "alice", "unit.add", "unit:1", NULL, "aa");
	/* the first head of a file is written at once */
	assert_int_equal(audit_checkpoint(st, 0, NULL), 0);
	append(st, "alice", "unit.add", "unit:2", NULL, "aa");
	/* one record and no time later: not yet; forced: yes */
	assert_int_equal(audit_checkpoint(st, 0, NULL), 0);
	assert_int_equal(buf_read_file(&b, heads, NULL), 0);
	assert_int_equal(strchr(b.data, '\n') - b.data + 1, (long)b.len);
	checkpoint(st);
	checkpoint(st); /* nothing new: nothing written */
	buf_reset(&b);
	assert_int_equal(buf_read_file(&b, heads, NULL), 0);
	assert_true(str_starts(b.data, "1 "));
	assert_true(strstr(b.data, "\n2 ") != NULL);
	assert_int_equal(strchr(strchr(b.data, '\n') + 1, '\n') - b.data + 1,
			 (long)b.len);
	buf_cleanup(&b);
	assert_int_equal(verify(st, &v), 0);
	assert_int_equal(v.heads, 2);
}

static void
test_heads_forged_line(void **state)
{
	struct store *st = *state;
	struct audit_verdict v;
	char heads[8300], line[300], *hash;
	FILE *f;

	keyed(heads, sizeof(heads));
	five(st);
	checkpoint(st);
	/* a head someone added without the key (to hide a later cut) */
	hash = column(st, "hash", 5);
	str_fmt(line, sizeof(line), "9 %s 2024-07-01T00:05:00Z %s\n", hash,
		ZEROS);
	free(hash);
	f = fopen(heads, "a");
	assert_non_null(f);
	fputs(line, f);
	fclose(f);
	assert_int_equal(verify(st, &v), 1);
	assert_int_equal(v.bad_seq, -1);
	assert_true(str_starts(v.reason, "line 2 of the heads file "));
}

/* A last line cut short (a crash while it was written) is not a forgery. */
static void
test_heads_last_line_cut_short(void **state)
{
	struct store *st = *state;
	struct audit_verdict v;
	char heads[8300];
	FILE *f;

	keyed(heads, sizeof(heads));
	five(st);
	checkpoint(st);
	f = fopen(heads, "a");
	assert_non_null(f);
	fputs("6 0123", f);
	fclose(f);
	assert_int_equal(verify(st, &v), 0);
	assert_int_equal(v.heads, 1);
	assert_int_equal(v.heads_seq, 5);
	/* the next head starts a line of its own */
	append(st, "alice", "unit.add", "unit:6", NULL, "aa");
	checkpoint(st);
	assert_int_equal(verify(st, &v), 0);
	assert_int_equal(v.heads, 2);
	assert_int_equal(v.heads_seq, 6);
}

static void
test_nul_in_field(void **state)
{
	struct store *st = *state;
	struct audit_verdict v;
	static const char *const cols[] = {"at", "actor", "action", "object",
					   "after"};

	/* PostgreSQL's text cannot hold a NUL at all: nothing to hide */
	if (tu_store_pg())
		skip();
	for (int keyed_too = 0; keyed_too < 2; keyed_too++) {
		if (keyed_too) {
			sql(st, "DELETE FROM audit");
			keyed(NULL, 0);
		}
		five(st);
		for (size_t i = 0; i < ARRAY_SIZE(cols); i++) {
			char q[160];

			/* bytes hidden after a NUL, the visible part kept */
			str_fmt(q, sizeof(q),
				"UPDATE audit SET %s = CAST(%s || char(0) || "
				"'hidden' AS TEXT) WHERE seq = 2",
				cols[i], cols[i]);
			assert_int_equal(store_begin(st, NULL), 0);
			sql(st, q);
			assert_int_equal(verify(st, &v), 1);
			assert_int_equal(v.bad_seq, 2);
			str_fmt(q, sizeof(q),
				"record 2 has a NUL byte in its %s (edited)",
				cols[i]);
			assert_string_equal(v.reason, q);
			store_rollback(st);
		}
	}
}

static void
test_keyed_swap_records(void **state)
{
	struct store *st = *state;
	struct audit_verdict v;

	keyed(NULL, 0);
	five(st);
	sql(st, "UPDATE audit SET seq = 100 WHERE seq = 2");
	sql(st, "UPDATE audit SET seq = 2 WHERE seq = 4");
	sql(st, "UPDATE audit SET seq = 4 WHERE seq = 100");
	assert_int_equal(verify(st, &v), 1);
	assert_int_equal(v.bad_seq, 2);
}

static void
test_anchor_parse(void **state)
{
	char h[AUDIT_HASH_HEX];
	long long seq;

	(void)state;
	assert_int_equal(audit_anchor_parse("12:" ZEROS, &seq, h), 0);
	assert_int_equal(seq, 12);
	assert_string_equal(h, ZEROS);
	assert_int_equal(audit_anchor_parse("12:xyz", &seq, h), -1);
	assert_int_equal(audit_anchor_parse("0:" ZEROS, &seq, h), -1);
	assert_int_equal(audit_anchor_parse(ZEROS, &seq, h), -1);
	assert_int_equal(audit_anchor_parse(
			     "1:0000000000000000000000000000000000000000000000"
			     "00000000000000000G",
			     &seq, h),
			 -1);
}

/* ---- the writer's queue ------------------------------------------------- */

static void
test_queue_writes_everything(void **state)
{
	struct store *st = *state;
	struct audit_verdict v;
	struct auditq *q;
	struct err e;
	char obj[32];

	keyed(NULL, 0);
	assert_int_equal(auditq_put("a", "b", "c", NULL, NULL), -1);
	q = auditq_start(tu_store(sf_path), qspill(), 16, 60, &e);
	if (q == NULL)
		fail_msg("auditq_start: %s", e.msg);
	assert_null(auditq_start(tu_store(sf_path), qspill(), 16, 60,
				 &e)); /* one only */
	for (int i = 0; i < 300; i++) {
		str_fmt(obj, sizeof(obj), "r%d", i);
		assert_int_equal(
		    auditq_put("gate", "gate.deny", obj, NULL, "why"), 0);
	}
	auditq_stop(q);
	assert_int_equal(count(st), 300);
	assert_int_equal(verify(st, &v), 0);
	assert_int_equal(v.keyed, 300);
	assert_int_equal(auditq_put("a", "b", "c", NULL, NULL), -1);
}

static void
test_queue_full_store_locked_spills(void **state)
{
	struct store *st = *state;
	struct audit_verdict v;
	struct auditq *q;
	struct err e;
	char obj[32], spill[8300];

	q = auditq_start(tu_store(sf_path), qspill(), 4, 60, &e);
	if (q == NULL)
		fail_msg("auditq_start: %s", e.msg);
	/* another writer holds the store: the writer cannot write, the
	 * queue fills, producers spill and go on */
	assert_int_equal(store_begin(st, NULL), 0);
	/* PostgreSQL locks rows, not the store: hold the chain's lock */
	assert_int_equal(store_lock(st, "govsec.audit", NULL), 0);
	sql(st, "INSERT INTO settings(key, value) VALUES ('lock', 'held')");
	for (int i = 0; i < 40; i++) {
		str_fmt(obj, sizeof(obj), "r%d", i);
		assert_int_equal(
		    auditq_put("gate", "gate.deny", obj, NULL, NULL), 0);
	}
	str_fmt(spill, sizeof(spill), "%s.spill", sf_path);
	assert_int_equal(access(spill, F_OK), 0);
	assert_int_equal(auditq_pending() >= 4, 1);
	store_rollback(st);
	auditq_stop(q);
	assert_int_equal(count(st), 40);
	assert_int_equal(verify(st, &v), 0);
	assert_int_equal(access(spill, F_OK), -1);
	/* each record once */
	assert_int_equal(store_query_int(st,
					 "SELECT count(DISTINCT object) FROM "
					 "audit",
					 NULL, 0, -1),
			 40);
}

static void
test_queue_replays_an_old_spill(void **state)
{
	struct store *st = *state;
	struct auditq *q;
	struct err e;
	char spill[8300], old[8300];
	char *obj;
	FILE *f;

	str_fmt(spill, sizeof(spill), "%s.spill", sf_path);
	f = fopen(spill, "w");
	assert_non_null(f);
	fputs("{\"at\":1719792000,\"actor\":\"gate\",\"action\":\"gate.deny\","
	      "\"object\":\"left over\",\"before\":null,\"after\":null}\n"
	      "not a record\n",
	      f);
	fclose(f);
	/* and one a crash left while it was being replayed: first */
	str_fmt(old, sizeof(old), "%s.spill.old", sf_path);
	f = fopen(old, "w");
	assert_non_null(f);
	fputs("{\"at\":1719791000,\"actor\":\"gate\",\"action\":\"gate.deny\","
	      "\"object\":\"older\",\"before\":null,\"after\":null}\n",
	      f);
	fclose(f);
	q = auditq_start(tu_store(sf_path), qspill(), 16, 60, &e);
	if (q == NULL)
		fail_msg("auditq_start: %s", e.msg);
	auditq_stop(q);
	assert_int_equal(count(st), 2);
	obj = column(st, "object", 1);
	assert_string_equal(obj, "older");
	free(obj);
	obj = column(st, "object", 2);
	assert_string_equal(obj, "left over");
	free(obj);
	obj = column(st, "at", 2);
	assert_string_equal(obj, "2024-07-01T00:00:00Z");
	free(obj);
	assert_int_equal(access(spill, F_OK), -1);
	assert_int_equal(access(old, F_OK), -1);
}

static void
test_queue_failed_write_retried_then_spilled(void **state)
{
	struct store *st = *state;
	struct audit_verdict v;
	struct auditq *q;
	struct err e;
	char spill[8300];

	str_fmt(spill, sizeof(spill), "%s.spill", sf_path);
	/* the store refuses every record: retried, and at the stop spilled */
	if (tu_store_pg())
		sql(st, "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE "
			"plpgsql AS $$BEGIN RAISE EXCEPTION 'refused'; END$$;"
			"CREATE TRIGGER refuse BEFORE INSERT ON audit FOR EACH "
			"ROW EXECUTE FUNCTION refuse();");
	else
		sql(st, "CREATE TRIGGER refuse BEFORE INSERT ON audit BEGIN "
			"SELECT RAISE(ABORT, 'refused'); END");
	q = auditq_start(tu_store(sf_path), qspill(), 16, 60, &e);
	if (q == NULL)
		fail_msg("auditq_start: %s", e.msg);
	for (int i = 0; i < 5; i++)
		assert_int_equal(
		    auditq_put("gate", "gate.deny", "refused", NULL, NULL), 0);
	auditq_stop(q);
	assert_int_equal(count(st), 0);
	assert_int_equal(access(spill, F_OK), 0);
	/* the next start writes them */
	sql(st, tu_store_pg() ? "DROP TRIGGER refuse ON audit"
			      : "DROP TRIGGER refuse");
	q = auditq_start(tu_store(sf_path), qspill(), 16, 60, &e);
	if (q == NULL)
		fail_msg("auditq_start: %s", e.msg);
	auditq_stop(q);
	assert_int_equal(count(st), 5);
	assert_int_equal(verify(st, &v), 0);
	assert_int_equal(access(spill, F_OK), -1);
}

static void
test_queue_counts_unknown_names(void **state)
{
	struct store *st = *state;
	struct auditq *q;
	struct err e;
	char *obj;

	assert_int_equal(auditq_count("-", "console.login_unknown", "x"), -1);
	q = auditq_start(tu_store(sf_path), qspill(), 16, 60, &e);
	if (q == NULL)
		fail_msg("auditq_start: %s", e.msg);
	for (int i = 0; i < 40; i++)
		assert_int_equal(
		    auditq_count("-", "console.login_unknown", "192.0.2.7"), 0);
	assert_int_equal(
	    auditq_count("gate", "gate.login.unknown", "192.0.2.7"), 0);
	auditq_stop(q);
	assert_int_equal(count(st), 2);
	assert_int_equal(
	    store_query_int(st,
			    "SELECT count(*) FROM audit WHERE action = "
			    "'console.login_unknown' AND object = '40 failed "
			    "logins for unknown names from 192.0.2.7 between "
			    "2024-07-01T00:00:00Z and 2024-07-01T00:00:00Z'",
			    NULL, 0, -1),
	    1);
	obj = store_query_text(st,
			       "SELECT object FROM audit WHERE action = "
			       "'gate.login.unknown'",
			       NULL, 0);
	assert_string_equal(obj, "1 failed login for an unknown name from "
				 "192.0.2.7 at 2024-07-01T00:00:00Z");
	free(obj);
}

/* Without audit_set_clock (as in govsec and govsecd), GOVSEC_NOW moves
 * neither a record's time nor the retention cutoff. */
static void
test_fake_now_does_not_move_audit_times(void **state)
{
	struct store *st = *state;
	time_t before = time(NULL), when;
	char *s;
	struct err e;

	audit_set_clock(NULL);
	at("2100-01-01T00:00:00Z");
	append(st, "a", "x.one", "o1", NULL, NULL);
	s = store_query_text(st, "SELECT at FROM audit WHERE seq = 1", NULL, 0);
	assert_non_null(s);
	assert_int_equal(time_parse(s, &when), 0);
	free(s);
	assert_true(when >= before && when <= time(NULL));
	/* a cutoff 2100 - 365 days would remove the record */
	assert_int_equal(audit_prune(st, "a", &e), 0);
	assert_int_equal(count(st), 1);
}

/* A record dated after now (a wrong clock, or an edit) breaks the chain,
 * so that a prune "from the future" cannot pass unnoticed; verify's now is
 * always the system clock. */
static void
test_record_from_the_future_is_found(void **state)
{
	struct store *st = *state;
	struct audit_verdict v;

	append(st, "a", "x.one", "o1", NULL, NULL);
	at("2100-01-01T00:00:00Z");
	append(st, "a", "x.two", "o2", NULL, NULL);
	assert_int_equal(verify(st, &v), 1);
	assert_int_equal(v.bad_seq, 2);
	assert_non_null(strstr(v.reason, "in the future"));
}

int
main(void)
{
#define T(f) SF_TEST(f)
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_digest),
	    T(test_hash_formula),
	    T(test_verify_sound),
	    T(test_verify_edited),
	    T(test_verify_edited_each_field),
	    T(test_verify_edited_rehashed),
	    T(test_verify_removed),
	    T(test_verify_removed_first),
	    T(test_verify_removed_renumbered),
	    T(test_verify_reordered),
	    T(test_verify_bad_hash_text),
	    T(test_verify_anchor),
	    T(test_append_in_caller_transaction),
	    T(test_export),
	    T(test_export_since_offset),
	    T(test_export_tampered_keeps_fields),
	    T(test_retention),
	    T(test_prune),
	    T(test_prune_tampered_anchor),
	    T(test_prune_everything),
	    T(test_prune_shorter_retention),
	    T(test_keyed_chain),
	    T(test_keyed_edit_rehashed_plain),
	    T(test_keyed_rewrite_all_found_by_heads),
	    T(test_keyed_old_records_stay_verifiable),
	    T(test_heads_find_cut_tail),
	    T(test_heads_find_everything_deleted),
	    T(test_heads_checkpoint_rules),
	    T(test_heads_forged_line),
	    T(test_heads_last_line_cut_short),
	    T(test_nul_in_field),
	    T(test_keyed_swap_records),
	    cmocka_unit_test(test_anchor_parse),
	    T(test_queue_writes_everything),
	    T(test_queue_full_store_locked_spills),
	    T(test_queue_replays_an_old_spill),
	    T(test_queue_failed_write_retried_then_spilled),
	    T(test_queue_counts_unknown_names),
	    T(test_fake_now_does_not_move_audit_times),
	    T(test_record_from_the_future_is_found),
	};
#undef T

	return cmocka_run_group_tests(tests, sf_setup, sf_teardown);
}
