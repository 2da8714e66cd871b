/*
 * api_inspect.c: the console's view of portal inspections (docs/api.md,
 * "Inspections"): the latest run per host, one run with its findings,
 * marks and columns, its links (filtered and paged) and the diff since the
 * host's previous run (src/inspect's insp_diff, shared with `govsec links
 * diff`), kept to the hosts of the applications in the account's scope;
 * and inspections started, watched and cancelled from the console
 * (src/inspect/jobs.c), kept to the applications in scope and audited. Path
 * segments and query arguments are untrusted; the store's contents are trusted
 * as src/inspect wrote them; the router holds the store lock.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "http/http.h"
#include "inspect/inspect.h"
#include "registry/registry.h"

#define LINKS_DEFAULT 100

/* A stored JSON text as a value (JSON null if absent or not JSON). */
static json_t *
stored_json(const char *s)
{
	json_t *j = s != NULL ? json_loads(s, 0, NULL) : NULL;

	return j != NULL ? j : json_null();
}

/* {"fail": n, "pass": n, ...} over a findings array, plus the failing
 * requirement IDs in order of first appearance. */
static json_t *
findings_summary(const json_t *finds)
{
	json_t *sum = json_object(), *failing = json_array(), *f;
	size_t i;

	json_array_foreach(finds, i, f)
	{
		const char *st =
		    json_string_value(json_object_get(f, "status"));
		json_t *req = json_object_get(f, "requirement");
		json_t *n;
		int seen = 0;
		size_t k;
		json_t *x;

		if (st == NULL)
			continue;
		n = json_object_get(sum, st);
		json_object_set_new(sum, st,
				    json_integer(json_integer_value(n) + 1));
		if (strcmp(st, "fail") != 0 || !json_is_string(req))
			continue;
		json_array_foreach(failing, k, x)
		{
			seen |= json_equal(x, req);
		}
		if (!seen)
			json_array_append(failing, req);
	}
	json_object_set_new(sum, "failing", failing);
	return sum;
}

static int
site_row(void *arg, struct store_row *row)
{
	json_t *list = arg, *finds = stored_json(store_row_text(row, 9));
	json_t *o =
	    json_pack("{s:o, s:I, s:o, s:o, s:o, s:I, s:I, s:I, s:I, s:I, s:o}",
		      "host", http_jstr(store_row_text(row, 0)), "run",
		      (json_int_t)store_row_int(row, 1), "start",
		      http_jstr(store_row_text(row, 2)), "started",
		      http_jstr(store_row_text(row, 3)), "finished",
		      http_jstr(store_row_text(row, 4)), "pages",
		      (json_int_t)store_row_int(row, 5), "links",
		      (json_int_t)store_row_int(row, 6), "broken",
		      (json_int_t)store_row_int(row, 7), "blocked",
		      (json_int_t)store_row_int(row, 8), "unprompted",
		      (json_int_t)store_row_int(row, 10), "findings",
		      findings_summary(finds));

	json_decref(finds);
	if (o == NULL)
		return -1;
	return json_array_append_new(list, o) == 0 ? 0 : -1;
}

int
http_inspections(struct http_req *r)
{
	json_t *list = json_array();
	struct err e;

	if (store_query(r->ctx->st,
			"SELECT host, id, start, started, finished, pages, "
			"links, broken, blocked, findings, (SELECT count(*) "
			"FROM insp_links l WHERE l.run = r.id AND l.prompt = "
			"'none') FROM insp_runs r WHERE id IN (SELECT max(id) "
			"FROM insp_runs GROUP BY host) ORDER BY host",
			NULL, 0, site_row, list, &e) < 0) {
		json_decref(list);
		return http_internal(r, e.msg);
	}
	/* A scoped account sees the hosts of its units' applications. */
	for (size_t i = json_array_size(list); http_scoped(r) && i-- > 0;) {
		const char *host = json_string_value(
		    json_object_get(json_array_get(list, i), "host"));

		if (!scope_host(r->ctx->st, &r->scope, host))
			json_array_remove(list, i);
	}
	return http_json(r, 200, json_pack("{s:o}", "sites", list));
}

/* The run named by the path, or 0 with a 400/404 response set; a run of
 * a host outside the account's scope is not there. */
static long long
run_arg(struct http_req *r)
{
	long long id;
	char *host;
	int ok;

	if (str_to_ll(r->arg[0], 1, (1LL << 62), &id) < 0) {
		http_error(r, 400, "'%s' is not an inspection run id",
			   r->arg[0]);
		return 0;
	}
	host = insp_run_host(r->ctx->st, id);
	ok = host != NULL && scope_host(r->ctx->st, &r->scope, host);
	free(host);
	if (!ok) {
		http_error(r, 404, "no inspection run %lld", id);
		return 0;
	}
	return id;
}

static int
run_row(void *arg, struct store_row *row)
{
	json_t **out = arg;

	*out = json_pack(
	    "{s:I, s:o, s:o, s:o, s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:o, "
	    "s:o}",
	    "run", (json_int_t)store_row_int(row, 0), "host",
	    http_jstr(store_row_text(row, 1)), "start",
	    http_jstr(store_row_text(row, 2)), "started",
	    http_jstr(store_row_text(row, 3)), "finished",
	    http_jstr(store_row_text(row, 4)), "pages",
	    (json_int_t)store_row_int(row, 5), "links",
	    (json_int_t)store_row_int(row, 6), "broken",
	    (json_int_t)store_row_int(row, 7), "blocked",
	    (json_int_t)store_row_int(row, 8), "unprompted",
	    (json_int_t)store_row_int(row, 11), "previous",
	    (json_int_t)store_row_int(row, 12), "marks",
	    stored_json(store_row_text(row, 9)), "findings",
	    stored_json(store_row_text(row, 10)));
	return *out != NULL ? 0 : -1;
}

static int
column_row(void *arg, struct store_row *row)
{
	json_t *o = json_pack("{s:o, s:o, s:o, s:I, s:o, s:o, s:I, s:o}", "url",
			      http_jstr(store_row_text(row, 0)), "name",
			      http_jstr(store_row_text(row, 1)), "kind",
			      http_jstr(store_row_text(row, 2)), "items",
			      (json_int_t)store_row_int(row, 3), "newest",
			      http_jstr(store_row_text(row, 4)), "age_days",
			      store_row_null(row, 5)
				  ? json_null()
				  : json_integer(store_row_int(row, 5)),
			      "limit_days", (json_int_t)store_row_int(row, 6),
			      "status", http_jstr(store_row_text(row, 7)));

	if (o == NULL)
		return -1;
	return json_array_append_new(arg, o) == 0 ? 0 : -1;
}

int
http_inspection(struct http_req *r)
{
	long long id = run_arg(r);
	struct store_val v[1] = {SV_INT(id)};
	json_t *o = NULL, *cols;
	struct err e;

	if (id == 0)
		return 0;
	if (store_query(r->ctx->st,
			"SELECT id, host, start, started, finished, pages, "
			"links, broken, blocked, marks, findings, (SELECT "
			"count(*) FROM insp_links l WHERE l.run = r.id AND "
			"l.prompt = 'none'), coalesce((SELECT max(p.id) FROM "
			"insp_runs p WHERE p.host = r.host AND p.id < r.id), "
			"0) FROM insp_runs r WHERE id = ?",
			v, 1, run_row, &o, &e) < 0) {
		json_decref(o);
		return http_internal(r, e.msg);
	}
	if (o == NULL)
		return http_internal(r, "inspection run vanished");
	cols = json_array();
	json_object_set_new(o, "columns", cols);
	if (store_query(r->ctx->st,
			"SELECT url, name, kind, items, newest, age_days, "
			"limit_days, status FROM insp_columns WHERE run = ? "
			"ORDER BY url",
			v, 1, column_row, cols, &e) < 0) {
		json_decref(o);
		return http_internal(r, e.msg);
	}
	return http_json(r, 200, o);
}

static int
link_row(void *arg, struct store_row *row)
{
	json_t *list = arg;
	json_t *o = json_pack(
	    "{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:o, s:o, s:o}",
	    "url", http_jstr(store_row_text(row, 0)), "status",
	    http_jstr(store_row_text(row, 1)), "reason",
	    http_jstr(store_row_text(row, 2)), "class",
	    http_jstr(store_row_text(row, 3)), "kind",
	    http_jstr(store_row_text(row, 4)), "prompt",
	    http_jstr(store_row_text(row, 5)), "http",
	    store_row_null(row, 6) ? json_null()
				   : json_integer(store_row_int(row, 6)),
	    "final", http_jstr(store_row_text(row, 7)), "internal",
	    (int)store_row_int(row, 8), "found_on",
	    stored_json(store_row_text(row, 9)), "first_seen",
	    http_jstr(store_row_text(row, 10)), "last_checked",
	    http_jstr(store_row_text(row, 11)));

	if (o == NULL)
		return -1;
	return json_array_append_new(list, o) == 0 ? 0 : -1;
}

/* A number argument in min..max (def if absent); -1 with 400 set. */
static int
num_arg(struct http_req *r, const char *name, long long min, long long max,
	long long def, long long *out)
{
	const char *s = http_query(r, name);

	*out = def;
	if (s == NULL)
		return 0;
	if (str_to_ll(s, min, max, out) < 0) {
		http_error(r, 400, "'%s' must be a number in %lld..%lld", name,
			   min, max);
		return -1;
	}
	return 0;
}

int
http_inspection_links(struct http_req *r)
{
	static const char *const statuses[] = {"ok", "broken", "blocked",
					       "skipped"};
	const char *status = http_query(r, "status");
	const char *prompt = http_query(r, "prompt");
	const char *ext = http_query(r, "external");
	long long id, limit, offset, total;
	struct store_val v[6];
	json_t *list;
	struct err e;
	int ok = status == NULL;

	for (size_t i = 0; i < ARRAY_SIZE(statuses) && !ok; i++)
		ok = strcmp(status, statuses[i]) == 0;
	if (!ok)
		return http_error(r, 400,
				  "'status' must be ok, broken, blocked or "
				  "skipped");
	if (prompt != NULL && strcmp(prompt, "none") != 0 &&
	    strcmp(prompt, "interstitial") != 0 &&
	    strcmp(prompt, "script") != 0)
		return http_error(r, 400,
				  "'prompt' must be none, interstitial or "
				  "script");
	if (ext != NULL && strcmp(ext, "0") != 0 && strcmp(ext, "1") != 0)
		return http_error(r, 400, "'external' must be 0 or 1");
	if (num_arg(r, "limit", 1, HTTP_LINKS_LIMIT, LINKS_DEFAULT, &limit) <
		0 ||
	    num_arg(r, "offset", 0, 1LL << 40, 0, &offset) < 0)
		return 0;
	if ((id = run_arg(r)) == 0)
		return 0;
	v[0] = SV_INT(id);
	v[1] = SV_TEXT(status);
	v[2] = SV_TEXT(prompt);
	v[3] = SV_INT(ext != NULL && strcmp(ext, "1") == 0);
	v[4] = SV_INT(limit);
	v[5] = SV_INT(offset);
#define LINKS_WHERE                                                            \
	" FROM insp_links WHERE run = ?1 AND (?2 IS NULL OR status = ?2) "     \
	"AND (?3 IS NULL OR prompt = ?3) AND (?4 = 0 OR internal = 0)"
	total = store_query_int(r->ctx->st, "SELECT count(*)" LINKS_WHERE, v, 4,
				-1);
	if (total < 0)
		return http_internal(r, "cannot count links");
	list = json_array();
	if (store_query(
		r->ctx->st,
		"SELECT url, status, reason, class, kind, prompt, http, "
		"final, internal, found_on, first_seen, "
		"last_checked" LINKS_WHERE " ORDER BY url LIMIT ?5 OFFSET ?6",
		v, 6, link_row, list, &e) < 0) {
		json_decref(list);
		return http_internal(r, e.msg);
	}
#undef LINKS_WHERE
	return http_json(r, 200,
			 json_pack("{s:I, s:I, s:I, s:I, s:o}", "run",
				   (json_int_t)id, "total", (json_int_t)total,
				   "limit", (json_int_t)limit, "offset",
				   (json_int_t)offset, "links", list));
}

int
http_inspection_diff(struct http_req *r)
{
	long long id = run_arg(r);
	json_t *o;
	struct err e;

	if (id == 0)
		return 0;
	o = insp_diff(r->ctx->st, id, &e);
	if (o == NULL)
		return http_internal(r, e.msg);
	return http_json(r, 200, o);
}

/* ---- inspections started from the console ---- */

static json_t *
job_json(const struct insp_job *j)
{
	int running = strcmp(j->state, "running") == 0;

	return json_pack(
	    "{s:I, s:o, s:o, s:s, s:o, s:o, s:o, s:I, s:I, s:I, s:f, s:f, "
	    "s:o, s:o}",
	    "id", (json_int_t)j->id, "app", http_jstr(j->app), "host",
	    http_jstr(j->host), "state", j->state, "actor", http_jstr(j->actor),
	    "started", http_jstr(j->started), "finished",
	    running ? json_null() : http_jstr(j->finished), "pages",
	    (json_int_t)j->pages, "links", (json_int_t)j->links, "checked",
	    (json_int_t)j->checked, "seconds", j->seconds, "rate",
	    j->seconds > 0 ? j->pages / j->seconds : 0.0, "run",
	    j->run > 0 ? json_integer(j->run) : json_null(), "error",
	    j->error[0] != '\0' ? http_jstr(j->error) : json_null());
}

/* The job named by the path, if it is there for this account; else sets
 * the reply (400 or 404) and returns -1. */
static int
job_of_path(struct http_req *r, struct insp_job *j)
{
	long long id;

	if (str_to_ll(r->arg[0], 1, LLONG_MAX, &id) < 0)
		return http_error(r, 400, "'%s' is not an inspection job id",
				  r->arg[0]),
		       -1;
	if (r->ctx->jobs == NULL || insp_jobs_get(r->ctx->jobs, id, j) < 0 ||
	    (http_scoped(r) && !scope_object(r->ctx->st, &r->scope, j->app)))
		return http_error(r, 404, "no inspection job %lld", id), -1;
	return 0;
}

int
http_inspect_jobs(struct http_req *r)
{
	struct insp_job *jobs = xcalloc(INSP_JOBS_KEEP, sizeof(*jobs));
	size_t n = r->ctx->jobs != NULL
		       ? insp_jobs_list(r->ctx->jobs, jobs, INSP_JOBS_KEEP)
		       : 0;
	const char *app = http_query(r, "app");
	json_t *list = json_array();

	for (size_t i = 0; i < n; i++) {
		if (app != NULL && strcmp(jobs[i].app, app) != 0)
			continue;
		if (http_scoped(r) &&
		    !scope_object(r->ctx->st, &r->scope, jobs[i].app))
			continue;
		json_array_append_new(list, job_json(&jobs[i]));
	}
	free(jobs);
	return http_json(r, 200, json_pack("{s:o}", "jobs", list));
}

int
http_inspect_job(struct http_req *r)
{
	struct insp_job j;

	if (job_of_path(r, &j) < 0)
		return 0;
	return http_json(r, 200, json_pack("{s:o}", "job", job_json(&j)));
}

int
http_inspect_job_start(struct http_req *r)
{
	static const char *const known[] = {"app"};
	struct probe_target *t = NULL;
	struct insp_job j;
	const char *app, *type;
	json_t *o, *rec = NULL;
	size_t n = 0;
	struct err e;
	int bad = 0;

	if (http_body_object(r, &o) < 0)
		return 0;
	if (http_body_known(r, o, known, ARRAY_SIZE(known)) < 0)
		goto out;
	app = http_body_str(r, o, "app", 1, &bad);
	if (bad)
		goto out;
	if (r->ctx->jobs == NULL) {
		http_error(r, 503, "inspections cannot be started here");
		goto out;
	}
	rec = reg_get(r->ctx->st, reg_entity("applications"), app);
	if (rec == NULL ||
	    (http_scoped(r) && !scope_object(r->ctx->st, &r->scope, app))) {
		http_error(r, 404, "application '%s' is not registered", app);
		goto out;
	}
	type = json_string_value(json_object_get(rec, "type"));
	if (type == NULL || strcmp(type, "portal") != 0) {
		http_error(r, 422,
			   "application '%s' is not a portal: only portals "
			   "are inspected",
			   app);
		goto out;
	}
	if (probe_targets(r->ctx->st, app, &t, &n, &e) < 0) {
		http_internal(r, e.msg);
		goto out;
	}
	if (n == 0) {
		http_error(r, 422, "portal '%s' has no main domain to inspect",
			   app);
		goto out;
	}
	switch (
	    insp_jobs_start(r->ctx->jobs, app, t[0].host, r->user, &j, &e)) {
	case INSP_JOB_STARTED:
		break;
	case INSP_JOB_BUSY:
		http_error(r, 409,
			   "an inspection of '%s' is running (job %lld)", app,
			   j.id);
		goto out;
	case INSP_JOB_FULL:
		http_error(r, 503,
			   "%d inspections are running; start this one when "
			   "one has ended",
			   INSP_JOBS_MAX);
		goto out;
	default:
		http_internal(r, e.msg);
		goto out;
	}
	if (audit_append(r->ctx->st, r->user, "inspect.start", app, NULL, NULL,
			 &e) < 0) {
		insp_jobs_cancel(r->ctx->jobs, j.id);
		http_internal(r, e.msg);
		goto out;
	}
	http_json(r, 202, json_pack("{s:o}", "job", job_json(&j)));
out:
	probe_targets_free(t, n);
	json_decref(rec);
	json_decref(o);
	return 0;
}

int
http_inspect_job_cancel(struct http_req *r)
{
	struct insp_job j;
	struct err e;

	if (job_of_path(r, &j) < 0)
		return 0;
	if (insp_jobs_cancel(r->ctx->jobs, j.id) != 0)
		return http_error(r, 409,
				  "inspection job %lld has already "
				  "ended (%s)",
				  j.id, j.state);
	if (audit_append(r->ctx->st, r->user, "inspect.cancel", j.app, NULL,
			 NULL, &e) < 0)
		return http_internal(r, e.msg);
	insp_jobs_get(r->ctx->jobs, j.id, &j);
	return http_json(r, 202, json_pack("{s:o}", "job", job_json(&j)));
}
