/*
 * attest.c: attestations, a person's verdict on what no rule can judge
 * (LINK-1 relevance of links, OUT-1 contract review, content review, ...):
 * recorded with evidence, reviewer, date and an expiry a year away at
 * most, listed and revoked, each change audited. The self-examination
 * reads them (check.c) and shows them as attestations, never as a rule's
 * verdict. Inputs come from the command line or the console (untrusted):
 * every field is checked here; the store is trusted.
 */
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "rules/rules.h"

#define ATTEST_TEXT_MAX	    2000
#define ATTEST_REVIEWER_MAX 200

/* Today's date in Beijing (the registry's dates are Beijing dates). */
static void
today(char *out, size_t n)
{
	time_fmt_date(time_now() + CHECK_UTC_OFFSET, out, n);
}

/* The date a year after date (YYYY-MM-DD; 29 February gives the 28th). */
static int
year_after(const char *date, char *out, size_t n)
{
	long y = 0;

	for (int i = 0; i < 4; i++)
		y = y * 10 + (date[i] - '0');
	if (strcmp(date + 4, "-02-29") == 0)
		return str_fmt(out, n, "%04ld-02-28", y + 1);
	return str_fmt(out, n, "%04ld%s", y + 1, date + 4);
}

/* 1 if s is non-empty, at most max bytes, UTF-8 and one line. */
static int
one_line(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max || !str_utf8_valid(s, n))
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

/* The unit object belongs to (a heap string), NULL if it is no
 * registered application, grant, outsourcing unit or unit. */
static char *
object_unit(struct store *st, const char *object)
{
	struct store_val v[4];

	for (int i = 0; i < 4; i++)
		v[i] = SV_TEXT(object);
	return store_query_text(
	    st,
	    "SELECT unit FROM apps WHERE id = ? UNION ALL "
	    "SELECT uscc FROM units WHERE uscc = ? UNION ALL "
	    "SELECT unit FROM outsourcers WHERE id = ? UNION ALL "
	    "SELECT coalesce((SELECT a.unit FROM apps a WHERE a.id = g.app), "
	    "(SELECT p.unit FROM people p WHERE p.id = g.person)) "
	    "FROM grants g WHERE g.id = ?",
	    v, 4);
}

int
attest_add(struct store *st, const struct attest_rec *in, const char *actor,
	   long long *id, struct err *e)
{
	char now[11], max[11], expires[11], what[64], after[AUDIT_HASH_HEX];
	struct buf b = BUF_INIT(8192);
	struct store_val v[10];
	char *unit = NULL;

	today(now, sizeof(now));
	if (year_after(now, max, sizeof(max)) < 0)
		goto fail_date;
	if (!check_attestable(in->requirement)) {
		err_set(e,
			"requirement '%s' cannot be attested (see the "
			"requirements of govsec check --format json)",
			in->requirement);
		return -1;
	}
	if (strcmp(in->verdict, "pass") != 0 &&
	    strcmp(in->verdict, "fail") != 0) {
		err_set(e, "verdict '%s' is not pass or fail", in->verdict);
		return -1;
	}
	if (!one_line(in->evidence, ATTEST_TEXT_MAX)) {
		err_set(e,
			"evidence is empty, longer than %d bytes, not valid "
			"UTF-8 or not one line",
			ATTEST_TEXT_MAX);
		return -1;
	}
	if (!one_line(in->reviewer, ATTEST_REVIEWER_MAX)) {
		err_set(e,
			"reviewer is empty, longer than %d bytes, not valid "
			"UTF-8 or not one line",
			ATTEST_REVIEWER_MAX);
		return -1;
	}
	if (in->expires == NULL) {
		str_copy(expires, max, sizeof(expires));
	} else if (!time_is_date(in->expires)) {
		err_set(e, "expiry '%s' is not a date as YYYY-MM-DD",
			in->expires);
		return -1;
	} else if (strcmp(in->expires, now) < 0 ||
		   strcmp(in->expires, max) > 0) {
		err_set(e,
			"expiry '%s' is not between today (%s) and a year "
			"from today (%s)",
			in->expires, now, max);
		return -1;
	} else {
		str_copy(expires, in->expires, sizeof(expires));
	}
	if (strlen(in->object) > 200 ||
	    (unit = object_unit(st, in->object)) == NULL) {
		err_set(e,
			"'%s' is no registered application, grant, "
			"outsourcing unit or unit",
			in->object);
		return -1;
	}
	v[0] = SV_TEXT(in->requirement);
	v[1] = SV_TEXT(in->object);
	v[2] = SV_TEXT(unit);
	v[3] = SV_TEXT(in->verdict);
	v[4] = SV_TEXT(in->evidence);
	v[5] = SV_TEXT(in->reviewer);
	v[6] = SV_TEXT(now);
	v[7] = SV_TEXT(expires);
	v[8] = SV_TEXT(actor);
	if (store_begin(st, e) < 0)
		goto fail;
	if (store_insert(st,
			 "INSERT INTO attestations(requirement, object, unit, "
			 "verdict, evidence, reviewer, attested, expires, "
			 "actor) VALUES (?,?,?,?,?,?,?,?,?)",
			 v, 9, id, e) < 0)
		goto fail_tx;
	buf_printf(&b, "%s\t%s\t%s\t%s\t%s\t%s\t%s", in->requirement,
		   in->object, in->verdict, in->evidence, in->reviewer, now,
		   expires);
	audit_digest(b.data, b.len, after);
	str_fmt(what, sizeof(what), "attestation:%lld", *id);
	if (audit_append(st, actor, "attest.add", what, NULL, after, e) < 0)
		goto fail_tx;
	if (store_commit(st, e) < 0)
		goto fail;
	buf_cleanup(&b);
	free(unit);
	return 0;
fail_date:
	err_set(e, "cannot compute today's date");
	return -1;
fail_tx:
	store_rollback(st);
fail:
	buf_cleanup(&b);
	free(unit);
	return -1;
}

struct each {
	int (*fn)(void *, const struct attest_rec *);
	void *arg;
	const struct map *units;
};

static int
each_row(void *arg, struct store_row *r)
{
	struct each *x = arg;
	struct attest_rec a;
	long long idx;

	memset(&a, 0, sizeof(a));
	a.id = store_row_int(r, 0);
	a.requirement = store_row_text(r, 1);
	a.object = store_row_text(r, 2);
	a.unit = store_row_text(r, 3);
	a.verdict = store_row_text(r, 4);
	a.evidence = store_row_text(r, 5);
	a.reviewer = store_row_text(r, 6);
	a.attested = store_row_text(r, 7);
	a.expires = store_row_text(r, 8);
	a.actor = store_row_text(r, 9);
	a.revoked = store_row_text(r, 10);
	if (x->units != NULL &&
	    (a.unit == NULL || map_get(x->units, a.unit, &idx) < 0))
		return 0;
	return x->fn(x->arg, &a);
}

int
attest_each(struct store *st, const char *object, const struct map *units,
	    int (*fn)(void *, const struct attest_rec *), void *arg,
	    struct err *e)
{
	struct each x = {fn, arg, units};
	struct store_val v[2] = {SV_TEXT(object), SV_TEXT(object)};

	return store_query(st,
			   "SELECT id, requirement, object, unit, verdict, "
			   "evidence, reviewer, attested, expires, actor, "
			   "revoked FROM attestations WHERE ? IS NULL OR "
			   "object = ? ORDER BY id DESC",
			   v, 2, each_row, &x, e);
}

int
attest_revoke(struct store *st, long long id, const struct map *units,
	      const char *actor, struct err *e)
{
	struct store_val v[2];
	char now[32], what[64], after[AUDIT_HASH_HEX];
	char *unit;
	long long idx;

	v[0] = SV_INT(id);
	if (store_query_int(st,
			    "SELECT count(*) FROM attestations WHERE id = ? "
			    "AND revoked IS NULL",
			    v, 1, 0) == 0) {
		err_set(e, "attestation '%lld' does not exist or is revoked",
			id);
		return -1;
	}
	unit = store_query_text(
	    st, "SELECT unit FROM attestations WHERE id = ?", v, 1);
	if (units != NULL && (unit == NULL || map_get(units, unit, &idx) < 0)) {
		free(unit);
		err_set(e, "attestation '%lld' is outside the scope", id);
		return -1;
	}
	free(unit);
	time_fmt(time_now(), now, sizeof(now));
	v[0] = SV_TEXT(now);
	v[1] = SV_INT(id);
	str_fmt(what, sizeof(what), "attestation:%lld", id);
	/* the state after: revoked at now */
	audit_digest(now, strlen(now), after);
	if (store_begin(st, e) < 0)
		return -1;
	if (store_exec(st, "UPDATE attestations SET revoked = ? WHERE id = ?",
		       v, 2, e) < 0 ||
	    audit_append(st, actor, "attest.revoke", what, NULL, after, e) <
		0) {
		store_rollback(st);
		return -1;
	}
	return store_commit(st, e);
}

json_t *
attest_json(const struct attest_rec *a)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", json_integer(a->id));
	json_object_set_new(o, "requirement", json_string(a->requirement));
	json_object_set_new(o, "object", json_string(a->object));
	json_object_set_new(o, "unit",
			    a->unit ? json_string(a->unit) : json_null());
	json_object_set_new(o, "verdict", json_string(a->verdict));
	json_object_set_new(o, "evidence", json_string(a->evidence));
	json_object_set_new(o, "reviewer", json_string(a->reviewer));
	json_object_set_new(o, "attested", json_string(a->attested));
	json_object_set_new(o, "expires", json_string(a->expires));
	json_object_set_new(o, "actor", json_string(a->actor));
	json_object_set_new(o, "revoked",
			    a->revoked ? json_string(a->revoked) : json_null());
	return o;
}
