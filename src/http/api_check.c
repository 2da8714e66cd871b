/*
 * api_check.c: the self-examination endpoints: findings (filtered by unit,
 * status and requirement), acknowledgements, the dashboard (counts by unit
 * and by requirement) and the rule list, all kept to the account's scope;
 * findings come with their unit's name, their Chinese and the counts by
 * unit in the order of the HTML report (report.c).
 * Runs check_run with sinks that build JSON. Query arguments and bodies
 * are untrusted; the router has checked the session and holds the store
 * lock.
 */
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "rules/rules.h"

#define FILTER_MAX 64 /* requirements in one ?requirement= */

/* The options of a run for r: the configuration, kept to r->scope. */
static void
opts_from(struct http_req *r, struct check_opts *o)
{
	check_opts_config(o, r->ctx->cfg);
	if (http_scoped(r))
		o->units = &r->scope.units;
}

/* Replies to a check_run failure: unknown unit 404, else 500. */
static int
run_error(struct http_req *r, const struct err *e)
{
	if (strstr(e->msg, "is not registered") != NULL)
		return http_error(r, 404, "%s", e->msg);
	return http_internal(r, e->msg);
}

struct filter {
	unsigned statuses; /* bits 1 << status; 0: all */
	const char *reqs[FILTER_MAX];
	int nreqs; /* 0: all */
	json_t *out;
};

static void
filter_emit(void *arg, const struct finding *f)
{
	struct filter *fl = arg;
	int i;

	if (fl->statuses != 0 && (fl->statuses & (1u << f->status)) == 0)
		return;
	for (i = 0; i < fl->nreqs; i++)
		if (f->requirement != NULL &&
		    strcmp(fl->reqs[i], f->requirement) == 0)
			break;
	if (fl->nreqs > 0 && i == fl->nreqs)
		return;
	json_array_append_new(fl->out, report_finding_json(f));
}

/* Splits a comma list of the query into the arena; -1 with 400 set. */
static int
split_list(struct http_req *r, const char *name, const char *s,
	   const char **out, int max, int *n)
{
	char *copy = arena_strdup(&r->arena, s), *p = copy;

	*n = 0;
	while (p != NULL) {
		char *comma = strchr(p, ',');

		if (comma != NULL)
			*comma = '\0';
		if (*p == '\0' || *n == max) {
			http_error(r, 400,
				   "query argument '%s': expected a comma "
				   "list of at most %d values",
				   name, max);
			return -1;
		}
		out[(*n)++] = p;
		p = comma != NULL ? comma + 1 : NULL;
	}
	return 0;
}

int
http_findings(struct http_req *r)
{
	const char *unit = http_query(r, "unit");
	const char *status = http_query(r, "status");
	const char *req = http_query(r, "requirement");
	struct filter fl;
	struct check_opts o;
	struct check_sink sink = {filter_emit, &fl, 0, NULL, NULL};
	struct check_summary sum;
	struct report_units *ru;
	struct err e;
	json_t *res;

	memset(&fl, 0, sizeof(fl));
	if (status != NULL) {
		const char *st[ST__COUNT + 1];
		int n;

		if (split_list(r, "status", status, st, ST__COUNT + 1, &n) < 0)
			return 0;
		for (int i = 0; i < n; i++) {
			int s = check_status_parse(st[i]);

			if (s < 0)
				return http_error(
				    r, 400,
				    "query argument 'status': '%s' is not "
				    "pass, fail, not_applicable or unknown",
				    st[i]);
			fl.statuses |= 1u << s;
		}
	}
	if (req != NULL && split_list(r, "requirement", req, fl.reqs,
				      FILTER_MAX, &fl.nreqs) < 0)
		return 0;
	if (unit != NULL && !scope_has(&r->scope, unit))
		return http_error(r, 404, "unit '%s' is not registered", unit);
	opts_from(r, &o);
	o.unit = unit;
	/* counts by unit of every status, whatever the filters: the groups
	 * of the HTML report, in its order */
	ru = report_units_new();
	report_units_opts(ru, &o);
	fl.out = json_array();
	if (check_run(r->ctx->st, &o, &sink, &sum, &e) < 0) {
		json_decref(fl.out);
		report_units_free(ru);
		return run_error(r, &e);
	}
	res = json_object();
	json_object_set_new(res, "findings", fl.out);
	json_object_set_new(res, "summary", report_summary_json(&sum));
	json_object_set_new(
	    res, "verdict",
	    json_string(check_verdict_str(check_verdict(&sum))));
	json_object_set_new(res, "requirements",
			    report_requirements_json(&sum));
	json_object_set_new(res, "examination", report_scope_json(&sum));
	json_object_set_new(res, "units", report_units_json(ru));
	report_units_free(ru);
	return http_json(r, 200, res);
}

int
http_findings_ack(struct http_req *r)
{
	static const char *const known[] = {"rule", "object", "owner", "due",
					    "note"};
	const char *rule, *object, *owner, *due, *note = NULL;
	json_t *o, *res;
	struct err e;
	int bad = 0;

	if (http_body_object(r, &o) < 0)
		return 0;
	if (http_body_known(r, o, known, ARRAY_SIZE(known)) < 0 ||
	    (rule = http_body_str(r, o, "rule", 1, &bad)) == NULL ||
	    (object = http_body_str(r, o, "object", 1, &bad)) == NULL ||
	    (owner = http_body_str(r, o, "owner", 1, &bad)) == NULL ||
	    (due = http_body_str(r, o, "due", 1, &bad)) == NULL)
		goto out;
	note = http_body_str(r, o, "note", 0, &bad);
	if (bad)
		goto out;
	if (http_scoped(r) && !scope_object(r->ctx->st, &r->scope, object)) {
		http_error(r, 403,
			   "'%s' is outside the scope of this account (or is "
			   "not registered)",
			   object);
		goto out;
	}
	if (check_ack(r->ctx->st, rule, object, owner, due, note, r->user, &e) <
	    0) {
		if (strstr(e.msg, "database") != NULL)
			http_internal(r, e.msg);
		else
			http_error(r, 422, "%s", e.msg);
		goto out;
	}
	res = json_object();
	json_object_set_new(res, "rule", http_jstr(rule));
	json_object_set_new(res, "object", http_jstr(object));
	json_object_set_new(res, "owner", http_jstr(owner));
	json_object_set_new(res, "due", http_jstr(due));
	json_object_set_new(res, "note", http_jstr(note));
	http_json(r, 200, res);
out:
	json_decref(o);
	return 0;
}

/* Dashboard tallies: one row per unit and per requirement. */
struct tally {
	char *key, *name;
	long long n[ST__COUNT];
};

struct tallies {
	struct map idx;
	struct tally *t;
	size_t len, cap;
};

static struct tally *
tally_get(struct tallies *ts, const char *key, int add)
{
	long long i;

	if (map_get(&ts->idx, key, &i) == 0)
		return &ts->t[i];
	if (!add)
		return NULL;
	if (ts->len == ts->cap) {
		ts->cap = ts->cap ? 2 * ts->cap : 32;
		ts->t = xrealloc(ts->t, ts->cap * sizeof(*ts->t));
	}
	memset(&ts->t[ts->len], 0, sizeof(ts->t[0]));
	ts->t[ts->len].key = xstrdup(key);
	map_put(&ts->idx, key, (long long)ts->len, NULL);
	return &ts->t[ts->len++];
}

static void
tallies_cleanup(struct tallies *ts)
{
	for (size_t i = 0; i < ts->len; i++) {
		free(ts->t[i].key);
		free(ts->t[i].name);
	}
	free(ts->t);
	map_cleanup(&ts->idx);
}

struct dash {
	struct tallies units, reqs;
};

static void
dash_emit(void *arg, const struct finding *f)
{
	struct dash *d = arg;
	struct tally *t;

	if (f->status >= ST__COUNT)
		return;
	if (f->unit != NULL && (t = tally_get(&d->units, f->unit, 0)) != NULL)
		t->n[f->status]++;
	if (f->requirement != NULL)
		tally_get(&d->reqs, f->requirement, 1)->n[f->status]++;
}

static int
unit_item(void *arg, json_t *unit)
{
	struct dash *d = arg;
	const char *uscc = json_string_value(json_object_get(unit, "uscc")),
		   *name = json_string_value(json_object_get(unit, "name"));
	struct tally *t;

	if (uscc == NULL)
		return 0;
	t = tally_get(&d->units, uscc, 1);
	free(t->name);
	t->name = name != NULL ? xstrdup(name) : NULL;
	return 0;
}

static json_t *
tallies_json(const struct tallies *ts, const char *keyname)
{
	json_t *a = json_array();

	for (size_t i = 0; i < ts->len; i++) {
		json_t *o = json_object();

		json_object_set_new(o, keyname, http_jstr(ts->t[i].key));
		if (ts->t[i].name != NULL)
			json_object_set_new(o, "name",
					    http_jstr(ts->t[i].name));
		for (int s = 0; s < ST__COUNT; s++)
			json_object_set_new(o,
					    check_status_str((enum fstatus)s),
					    json_integer(ts->t[i].n[s]));
		json_array_append_new(a, o);
	}
	return a;
}

int
http_dashboard(struct http_req *r)
{
	struct dash d;
	struct check_opts o;
	struct check_sink sink = {dash_emit, &d, 0, NULL, NULL};
	struct check_summary sum;
	struct err e;
	json_t *res = NULL, *counts;
	int rc = 0;

	memset(&d, 0, sizeof(d));
	map_init(&d.units.idx);
	map_init(&d.reqs.idx);
	if (reg_each_in(r->ctx->st, reg_entity("unit"), &r->scope, NULL, NULL,
			unit_item, &d, &e) < 0) {
		rc = http_internal(r, e.msg);
		goto out;
	}
	opts_from(r, &o);
	if (check_run(r->ctx->st, &o, &sink, &sum, &e) < 0) {
		rc = run_error(r, &e);
		goto out;
	}
	counts = json_object();
	for (int i = 0; i < reg_nentities; i++) {
		const struct entity *ent = reg_entities[i];
		long long n = scope_count(r->ctx->st, &r->scope, ent);

		if (n < 0) {
			json_decref(counts);
			rc = http_internal(r, "cannot count registry records");
			goto out;
		}
		json_object_set_new(counts, ent->plural, json_integer(n));
	}
	res = json_object();
	json_object_set_new(res, "summary", report_summary_json(&sum));
	json_object_set_new(res, "by_unit", tallies_json(&d.units, "unit"));
	json_object_set_new(res, "by_requirement",
			    tallies_json(&d.reqs, "requirement"));
	json_object_set_new(
	    res, "verdict",
	    json_string(check_verdict_str(check_verdict(&sum))));
	json_object_set_new(res, "requirements",
			    report_requirements_json(&sum));
	json_object_set_new(res, "examination", report_scope_json(&sum));
	json_object_set_new(res, "counts", counts);
	rc = http_json(r, 200, res);
out:
	tallies_cleanup(&d.units);
	tallies_cleanup(&d.reqs);
	return rc;
}

int
http_rules(struct http_req *r)
{
	const struct rule_info *ri;
	json_t *a = json_array(), *res;
	size_t n;

	ri = check_rules(&n);
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_object();

		json_object_set_new(o, "id", http_jstr(ri[i].id));
		json_object_set_new(o, "requirement",
				    http_jstr(ri[i].requirement));
		json_object_set_new(o, "title", http_jstr(ri[i].title));
		json_object_set_new(o, "title_zh", http_jstr(ri[i].title_zh));
		json_array_append_new(a, o);
	}
	res = json_object();
	json_object_set_new(res, "rules", a);
	return http_json(r, 200, res);
}
