/*
 * store.c: the link list in the store (LINK-2): each inspection is a run
 * with its links and its columns (GOVWEB-2, table insp_columns);
 * first-seen dates carry over from the host's earlier runs; content
 * fingerprints are compared with the last run (LINK-4 content_changed);
 * the previous run feeds ETag / If-Modified-Since re-checks; `govsec links
 * list` and `links diff` read it back. Trusts the store's contents as
 * written here.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "inspect/inspect.h"
#include "rules/rules.h"

/* Fingerprint bits (of 64) that may change before content_changed. */
#define FP_DRASTIC 24

struct prev_row {
	char *etag, *lastmod, *fp, *first_seen, *status;
	int clean; /* ok without a LINK-4 reason: may be re-checked by ETag */
};

struct insp_prev {
	struct map idx;
	struct prev_row *rows;
	size_t n, cap;
	char at[32];
};

static int
prev_row(void *arg, struct store_row *r)
{
	struct insp_prev *p = arg;
	struct prev_row *x;
	const char *v;

	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 256;
		p->rows = xrealloc(p->rows, p->cap * sizeof(*p->rows));
	}
	x = &p->rows[p->n];
	memset(x, 0, sizeof(*x));
	if ((v = store_row_text(r, 1)) != NULL)
		x->etag = xstrdup(v);
	if ((v = store_row_text(r, 2)) != NULL)
		x->lastmod = xstrdup(v);
	if ((v = store_row_text(r, 3)) != NULL)
		x->fp = xstrdup(v);
	if ((v = store_row_text(r, 4)) != NULL)
		x->first_seen = xstrdup(v);
	if ((v = store_row_text(r, 5)) != NULL)
		x->status = xstrdup(v);
	v = store_row_text(r, 6);
	x->clean = x->status != NULL && strcmp(x->status, "ok") == 0 &&
		   v != NULL && (*v == '\0' || strcmp(v, "not_modified") == 0);
	map_put(&p->idx, store_row_text(r, 0), (long long)p->n, NULL);
	p->n++;
	return 0;
}

static long long
latest_run(struct store *st, const char *host, long long before)
{
	struct store_val v[2] = {SV_TEXT(host), SV_INT(before)};

	return store_query_int(st,
			       "SELECT max(id) FROM insp_runs WHERE host = ? "
			       "AND id < ?",
			       v, 2, 0);
}

struct insp_prev *
insp_prev_load(struct store *st, const char *host)
{
	struct insp_prev *p = xcalloc(1, sizeof(*p));
	long long run = latest_run(st, host, 1LL << 62);
	struct store_val v[1] = {SV_INT(run)};
	char *at;

	map_init(&p->idx);
	if (run <= 0)
		return p;
	store_query(st,
		    "SELECT url, etag, last_modified, fingerprint, "
		    "first_seen, status, reason FROM insp_links WHERE run = ?",
		    v, 1, prev_row, p, NULL);
	at = store_query_text(st, "SELECT started FROM insp_runs WHERE id = ?",
			      v, 1);
	if (at != NULL)
		str_copy(p->at, at, sizeof(p->at));
	free(at);
	return p;
}

void
insp_prev_free(struct insp_prev *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->n; i++) {
		free(p->rows[i].etag);
		free(p->rows[i].lastmod);
		free(p->rows[i].fp);
		free(p->rows[i].first_seen);
		free(p->rows[i].status);
	}
	free(p->rows);
	map_cleanup(&p->idx);
	free(p);
}

int
insp_prev_lookup(void *arg, const char *url, char **etag, char **lastmod,
		 char **fingerprint)
{
	struct insp_prev *p = arg;
	long long i;

	if (p == NULL || map_get(&p->idx, url, &i) < 0 || !p->rows[i].clean)
		return -1;
	*etag = p->rows[i].etag ? xstrdup(p->rows[i].etag) : NULL;
	*lastmod = p->rows[i].lastmod ? xstrdup(p->rows[i].lastmod) : NULL;
	*fingerprint = p->rows[i].fp ? xstrdup(p->rows[i].fp) : NULL;
	return 0;
}

static int
reg_row(void *arg, struct store_row *r)
{
	map_put(arg, store_row_text(r, 0), 1, NULL);
	return 0;
}

int
insp_registered(struct store *st, struct map *m, struct err *e)
{
	return store_query(st, "SELECT name FROM domains", NULL, 0, reg_row, m,
			   e);
}

static int
hex64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (s == NULL || strlen(s) != 16)
		return -1;
	for (int i = 0; i < 16; i++) {
		char c = s[i];
		int d = c >= '0' && c <= '9'   ? c - '0'
			: c >= 'a' && c <= 'f' ? c - 'a' + 10
					       : -1;

		if (d < 0)
			return -1;
		v = v << 4 | (uint64_t)d;
	}
	*out = v;
	return 0;
}

static char *
json_text(json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);

	json_decref(j);
	return s != NULL ? s : xstrdup("null");
}

/* The run's findings summed up per requirement as `govsec check` reads
 * them (table insp_run_sums), in the run's transaction. */
static int
run_sums_save(struct store *st, long long run, const char *findings,
	      struct err *e)
{
	char *sums = check_run_sums(findings);
	struct store_val v[2] = {SV_INT(run), SV_TEXT(sums)};
	int rc = store_exec(st,
			    "INSERT INTO insp_run_sums (run, sums) VALUES "
			    "(?, ?)",
			    v, 2, e);

	free(sums);
	return rc;
}

long long
insp_store_save(struct store *st, struct insp_result *r, struct err *e)
{
	struct insp_prev *prev = insp_prev_load(st, r->host ? r->host : "");
	char *marks = NULL, *finds = NULL;
	long long run = -1, broken = 0, blocked = 0;
	int changed = 0;

	/* LINK-4: drastic content change since the last run */
	for (size_t i = 0; i < r->nlinks; i++) {
		struct insp_link *l = &r->links[i];
		long long k;
		uint64_t a, b;

		if (l->status != INSP_OK || l->abnormal || !l->fingerprint[0] ||
		    map_get(&prev->idx, l->url, &k) < 0 ||
		    hex64(l->fingerprint, &a) < 0 ||
		    hex64(prev->rows[k].fp, &b) < 0)
			continue;
		if (simhash_distance(a, b) > FP_DRASTIC) {
			struct buf d = BUF_INIT(512);

			buf_printf(&d,
				   "content fingerprint changed in %d of 64 "
				   "bits since %s",
				   simhash_distance(a, b), prev->at);
			l->abnormal = 1;
			l->reason = "content_changed";
			free(l->detail);
			l->detail = buf_detach(&d, NULL);
			changed = 1;
		}
	}
	if (changed)
		insp_findings(r);
	marks = json_text(insp_marks_json(r));
	finds = json_text(insp_findings_json(r));
	for (size_t i = 0; i < r->nlinks; i++) {
		broken += r->links[i].status == INSP_BROKEN;
		blocked += r->links[i].status == INSP_BLOCKED;
	}
	if (store_begin(st, e) < 0)
		goto fail;
	{
		struct store_val v[9] = {SV_TEXT(r->host ? r->host : ""),
					 SV_TEXT(r->start),
					 SV_TEXT(r->started),
					 SV_TEXT(r->finished),
					 SV_INT(r->npages),
					 SV_INT(r->nlinks),
					 SV_INT(broken),
					 SV_INT(blocked),
					 SV_TEXT(marks)};
		struct store_val w[10];

		memcpy(w, v, sizeof(v));
		w[9] = SV_TEXT(finds);
		/* the id of this insert, not the newest row (another
		 * govsecd may insert at once) */
		if (store_insert(st,
				 "INSERT INTO insp_runs(host, start, started, "
				 "finished, pages, links, broken, blocked, "
				 "marks, findings) VALUES "
				 "(?,?,?,?,?,?,?,?,?,?)",
				 w, 10, &run, e) < 0)
			goto rollback;
	}
	for (size_t i = 0; i < r->nlinks; i++) {
		const struct insp_link *l = &r->links[i];
		json_t *fo = json_array();
		char *fos;
		const char *first = r->started;
		long long k;
		struct store_val v[16];

		for (int f = 0; f < l->nfound && f < 20; f++)
			json_array_append_new(
			    fo, json_string(r->pages[l->found_on[f]]));
		fos = json_text(fo);
		if (map_get(&prev->idx, l->url, &k) == 0 &&
		    prev->rows[k].first_seen != NULL)
			first = prev->rows[k].first_seen;
		v[0] = SV_INT(run);
		v[1] = SV_TEXT(l->url);
		v[2] = SV_TEXT(fos);
		v[3] = SV_TEXT(insp_status_str(l->status));
		v[4] = SV_TEXT(l->reason ? l->reason : "");
		v[5] = SV_TEXT(l->cls ? l->cls : "other");
		v[6] = SV_TEXT(l->kind);
		v[7] = SV_TEXT(l->prompt);
		v[8] = l->http ? SV_INT(l->http) : SV_NULL;
		v[9] = SV_TEXT(l->final);
		v[10] = SV_TEXT(l->fingerprint[0] ? l->fingerprint : NULL);
		v[11] = SV_TEXT(l->etag);
		v[12] = SV_TEXT(l->lastmod);
		v[13] = SV_INT(l->internal);
		v[14] = SV_TEXT(first);
		v[15] = SV_TEXT(r->finished);
		if (!str_utf8_valid(l->url, strlen(l->url))) {
			free(fos);
			continue; /* the URL is %-encoded; never happens */
		}
		if (store_exec(st,
			       "INSERT INTO insp_links(run, url, "
			       "found_on, status, reason, class, kind, prompt,"
			       " http, final, fingerprint, etag, "
			       "last_modified, internal, first_seen, "
			       "last_checked) VALUES (?,?,?,?,?,?,?,?,?,?,?,"
			       "?,?,?,?,?) ON CONFLICT (run, url) DO NOTHING",
			       v, 16, e) < 0) {
			free(fos);
			goto rollback;
		}
		free(fos);
	}
	for (size_t i = 0; i < r->ncolumns; i++) {
		const struct insp_column *c = &r->columns[i];
		struct store_val v[9] = {
		    SV_INT(run),
		    SV_TEXT(c->url),
		    SV_TEXT(c->name),
		    SV_TEXT(c->kind),
		    SV_INT(c->items),
		    SV_TEXT(c->newest[0] ? c->newest : NULL),
		    c->age_days >= 0 ? SV_INT(c->age_days) : SV_NULL,
		    SV_INT(c->limit_days),
		    SV_TEXT(c->status)};

		if (!str_utf8_valid(c->url, strlen(c->url)) ||
		    !str_utf8_valid(c->name, strlen(c->name)))
			continue;
		if (store_exec(st,
			       "INSERT INTO insp_columns(run, url, "
			       "name, kind, items, newest, age_days, "
			       "limit_days, status) VALUES (?,?,?,?,?,?,?,?,?) "
			       "ON CONFLICT (run, url) DO NOTHING",
			       v, 9, e) < 0)
			goto rollback;
	}
	if (run_sums_save(st, run, finds, e) < 0)
		goto rollback;
	if (store_commit(st, e) < 0) {
		run = -1;
		goto fail;
	}
	goto done;
rollback:
	store_rollback(st);
	run = -1;
fail:
done:
	free(marks);
	free(finds);
	insp_prev_free(prev);
	return run;
}

/* ---- the diff between two runs (govsec links diff, the console) ---- */

struct diff_ctx {
	json_t *arr;
	int kind; /* 0 broken, 1 changed, 2 hosts */
};

static int
diff_row(void *arg, struct store_row *r)
{
	static const char *const names[3][4] = {
	    {"url", "reason", "found_on", NULL},
	    {"url", "before", "after", "what"},
	    {"host", NULL, NULL, NULL}};
	struct diff_ctx *d = arg;
	int n = store_row_count(r);
	json_t *o = json_object();

	for (int i = 0; i < n && i < 4; i++) {
		const char *k = names[d->kind][i];

		if (k != NULL && d->kind == 0 && i == 2) {
			/* found_on holds a JSON array: its first page */
			json_t *a =
			    store_row_null(r, i)
				? NULL
				: json_loads(store_row_text(r, i), 0, NULL);
			json_t *first = json_array_get(a, 0);

			json_object_set_new(o, k,
					    json_is_string(first)
						? json_incref(first)
						: json_null());
			json_decref(a);
		} else if (k != NULL)
			json_object_set_new(
			    o, k,
			    store_row_null(r, i)
				? json_null()
				: json_string(store_row_text(r, i)));
	}
	return json_array_append_new(d->arr, o) == 0 ? 0 : -1;
}

json_t *
insp_diff(struct store *st, long long run, struct err *e)
{
	static const char *const sql[3] = {
	    "SELECT l.url, l.reason, l.found_on FROM "
	    "insp_links l LEFT JOIN insp_links p ON p.run = ?2 AND p.url = "
	    "l.url WHERE l.run = ?1 AND l.status = 'broken' AND (p.url IS "
	    "NULL OR p.status <> 'broken') ORDER BY l.url",
	    "SELECT l.url, CASE WHEN coalesce(l.final, '') <> "
	    "coalesce(p.final, '') THEN coalesce(p.final, p.url) ELSE "
	    "p.fingerprint END, CASE WHEN coalesce(l.final, '') <> "
	    "coalesce(p.final, '') THEN coalesce(l.final, l.url) ELSE "
	    "l.fingerprint END, CASE WHEN coalesce(l.final, '') <> "
	    "coalesce(p.final, '') THEN 'target' WHEN l.reason = "
	    "'content_changed' THEN 'content' ELSE 'fingerprint' END FROM "
	    "insp_links l JOIN insp_links p ON p.run = ?2 AND p.url = l.url "
	    "WHERE l.run = ?1 AND (coalesce(l.final, '') <> coalesce(p.final,"
	    " '') OR l.reason = 'content_changed') ORDER BY l.url",
	    "SELECT DISTINCT h FROM (SELECT substr(url, instr(url, '//') + "
	    "2, instr(substr(url, instr(url, '//') + 2) || '/', '/') - 1) AS "
	    "h FROM insp_links WHERE run = ?1 AND internal = 0 AND url LIKE "
	    "'http%') WHERE h NOT IN (SELECT substr(url, instr(url, '//') + "
	    "2, instr(substr(url, instr(url, '//') + 2) || '/', '/') - 1) "
	    "FROM insp_links WHERE run = ?2 AND internal = 0) ORDER BY h"};
	static const char *const keys[3] = {"new_broken", "changed",
					    "new_external_hosts"};
	struct store_val v1[1] = {SV_INT(run)};
	char *host;
	long long prev;
	json_t *root;

	host = store_query_text(st, "SELECT host FROM insp_runs WHERE id = ?",
				v1, 1);
	if (host == NULL) {
		err_set(e, "inspection run %lld does not exist", run);
		return NULL;
	}
	prev = latest_run(st, host, run);
	root = json_pack("{s:s, s:I, s:I}", "host", host, "run",
			 (json_int_t)run, "previous", (json_int_t)prev);
	free(host);
	if (root == NULL) {
		err_set(e, "out of memory");
		return NULL;
	}
	for (int k = 0; k < 3; k++) {
		struct store_val v[2] = {SV_INT(run), SV_INT(prev)};
		struct diff_ctx d = {json_array(), k};

		if (store_query(st, sql[k], v, 2, diff_row, &d, e) < 0) {
			json_decref(d.arr);
			json_decref(root);
			return NULL;
		}
		json_object_set_new(root, keys[k], d.arr);
	}
	return root;
}

char *
insp_run_host(struct store *st, long long run)
{
	struct store_val v[1] = {SV_INT(run)};

	return store_query_text(st, "SELECT host FROM insp_runs WHERE id = ?",
				v, 1);
}

static int
logo_row(void *arg, struct store_row *r)
{
	struct insp_logo *l = arg;
	const char *t;
	json_t *d = json_loads(store_row_text(r, 2), 0, NULL), *x;
	size_t i, o = 0;

	str_copy(l->unit, store_row_text(r, 0), sizeof(l->unit));
	str_copy(l->app, store_row_text(r, 1), sizeof(l->app));
	if ((t = store_row_text(r, 3)) != NULL)
		str_copy(l->revoked, t, sizeof(l->revoked));
	if ((t = store_row_text(r, 4)) != NULL)
		str_copy(l->unit_name, t, sizeof(l->unit_name));
	json_array_foreach(d, i, x)
	{
		const char *h = json_string_value(x);
		size_t n = h != NULL ? strlen(h) : 0;

		if (n == 0 || o + n + 2 > sizeof(l->domains))
			continue;
		if (o > 0)
			l->domains[o++] = ' ';
		memcpy(l->domains + o, h, n);
		o += n;
		l->domains[o] = '\0';
	}
	json_decref(d);
	return 1;
}

int
insp_logo_lookup(void *arg, const char *id, const char *host,
		 struct insp_logo *l)
{
	struct store *st = arg;
	struct store_val v[1] = {SV_TEXT(id)};
	char *unit;
	int rc;

	memset(l, 0, sizeof(*l));
	rc = store_query(st,
			 "SELECT l.unit, l.app, l.domains, l.revoked, u.name "
			 "FROM ecert_logos l LEFT JOIN units u ON u.uscc = "
			 "l.unit WHERE l.id = ?",
			 v, 1, logo_row, l, NULL);
	if (rc < 0)
		return -1;
	if (l->unit[0] == '\0')
		return 1;
	v[0] = SV_TEXT(host != NULL ? host : "");
	unit = store_query_text(st,
				"SELECT a.unit FROM domains d JOIN apps a ON "
				"a.id = d.app WHERE d.name = ?",
				v, 1);
	if (unit != NULL)
		str_copy(l->site_unit, unit, sizeof(l->site_unit));
	free(unit);
	return 0;
}
