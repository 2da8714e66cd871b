/*
 * rules_link.c: "Information and link security" (LINK-1..4), LOGO-1 and
 * GOVWEB-1..3 judged from the newest stored inspection of a portal's
 * domains (govsec inspect, table insp_runs): the run's findings of the
 * rule's requirement decide pass or fail, with the first objects as
 * evidence. Without an inspection, or for what inspection does not
 * measure (LINK-1 relevance), the answer is "unknown" with the command
 * that observes, until a person attests it (govsec attest, check.c).
 * In an e-certificate pilot (LOGO-1, interp. Q6) the logo is the govsec
 * badge issued for the site: without a badge seen on the portal, a link
 * to conac.cn or any other logo is no proof and LOGO-1 fails.
 * GOVWEB-1 is judged from the availability probes of the last 7 days, at
 * least 20 each day (table probe_results, govsecd [probe] or govsec
 * probe). Trusts the store's contents.
 */
#include <stdlib.h>
#include <string.h>

#include "inspect/inspect.h"
#include "rules/internal.h"

/* An inspection older than this no longer counts as checking (LINK-2). */
#define LINK_STALE_DAYS 30
#define EXAMPLES	3

/* The requirements an inspection run's findings judge, in one pass. */
static const char *const observed[] = {
    "LINK-1", "LINK-2", "LINK-3", "LINK-4", "LOGO-1", "GOVWEB-2", "GOVWEB-3"};
#define NOBSERVED ARRAY_SIZE(observed)

/* What judge() reads of a run's findings of one requirement. */
struct req_sum {
	long fails, unknown;
	long badges, home;     /* LOGO-1: inspect.badge findings; inspect.logo
				  judged (the homepage was read) */
	char *ex, *pass, *unk; /* NULL when empty */
	size_t pass_len;
};

/* A run, its findings summed up per requirement once per check. */
struct run {
	long long id;
	char *start, *finished;
	int parsed; /* its findings were a JSON array */
	struct req_sum req[NOBSERVED];
};

/* GOVWEB-1: an application's probes of the week, per day. */
struct probe_sum {
	long day[PROBE_DAYS], failed;
	char *newest; /* the latest probe's time (heap) */
	size_t newest_cap;
};

/* Runs summed up, by id, and their strings (freed by check_link_free). */
struct link_cache {
	struct arena a;
	struct map by_id; /* run id -> index into runs */
	struct run **runs;
	size_t nruns, cap;
	/* per application index: its newest run, once looked up */
	const struct run **latest;
	char *latest_done;
	/* GOVWEB-1: per application index, -1 or an index into probes */
	int *probe_of;
	struct probe_sum *probes;
	size_t nprobes, pcap;
	int probes_loaded;
};

/* 1 if the check examines every unit: what it reads of other parts'
 * tables is read in one pass rather than per application. */
static int
whole(const struct check_ctx *c)
{
	return c->o->unit == NULL && c->o->units == NULL;
}

static struct link_cache *
cache(struct check_ctx *c)
{
	if (c->link == NULL) {
		c->link = xcalloc(1, sizeof(*c->link));
		arena_init(&c->link->a);
		map_init(&c->link->by_id);
	}
	return c->link;
}

static char *
keep(struct arena *a, const struct buf *b)
{
	return b->data != NULL ? arena_strdup(a, b->data) : NULL;
}

/* The findings of a run being summed up. */
struct summing {
	struct run *x;
	struct buf ex[NOBSERVED], pass[NOBSERVED], unk[NOBSERVED];
};

static const char *const finding_fields[] = {"requirement", "status", "object",
					     "evidence", "rule"};

static void
summing_init(struct summing *sm, struct run *x)
{
	sm->x = x;
	memset(x->req, 0, sizeof(x->req));
	for (size_t k = 0; k < NOBSERVED; k++) {
		buf_init(&sm->ex[k], 4096);
		buf_init(&sm->pass[k], 4096);
		buf_init(&sm->unk[k], 1024);
	}
}

static void
summing_cleanup(struct summing *sm)
{
	for (size_t k = 0; k < NOBSERVED; k++) {
		buf_cleanup(&sm->ex[k]);
		buf_cleanup(&sm->pass[k]);
		buf_cleanup(&sm->unk[k]);
	}
}

/* One finding (its requirement, status, object and evidence, each NULL
 * if not a string), as judge() used to read it for its own requirement. */
static void
sum_finding(void *arg, const char *const *v)
{
	struct summing *sm = arg;
	const char *r = v[0], *st = v[1], *obj = v[2], *ev = v[3], *rule = v[4];
	struct req_sum *q;
	size_t k;

	if (r == NULL || st == NULL)
		return;
	for (k = 0; k < NOBSERVED && strcmp(r, observed[k]) != 0; k++)
		;
	if (k == NOBSERVED)
		return;
	q = &sm->x->req[k];
	q->badges += rule != NULL && strcmp(rule, "inspect.badge") == 0;
	/* the homepage was read: its logo was judged */
	q->home += rule != NULL && strcmp(rule, "inspect.logo") == 0 &&
		   strcmp(st, "unknown") != 0;
	if (strcmp(st, "fail") == 0) {
		if (q->fails++ < EXAMPLES)
			buf_printf(&sm->ex[k], "%s%s (%s)",
				   q->fails > 1 ? "; " : "", obj ? obj : "",
				   ev ? ev : "");
	} else if (strcmp(st, "unknown") == 0) {
		if (q->unknown++ == 0 && ev)
			buf_addstr(&sm->unk[k], ev);
	} else if (strcmp(st, "pass") == 0 && ev) {
		struct buf *pass = &sm->pass[k];

		/* every passing part (GOVWEB-2: the homepage and the
		 * columns; GOVWEB-3: each mark), while they fit */
		if (pass->len > 0 && buf_addstr(pass, "; ") < 0)
			return;
		if (buf_addstr(pass, ev) < 0 && pass->len >= 2)
			pass->data[pass->len -= 2] = '\0';
	}
}

/*
 * Sums up the findings (JSON text) of every observed requirement in one
 * pass; x->parsed 0 if they are not JSON. jfast reads them; what it
 * declines, jansson reads again from the start.
 */
static void
summarize(struct arena *a, struct run *x, const char *text)
{
	struct summing sm;

	summing_init(&sm, x);
	x->parsed = 1;
	if (jfast_rows(text, finding_fields, ARRAY_SIZE(finding_fields),
		       sum_finding, &sm) < 0) {
		json_t *findings = text ? json_loads(text, 0, NULL) : NULL, *f;
		size_t i;

		summing_cleanup(&sm);
		summing_init(&sm, x);
		x->parsed = findings != NULL;
		json_array_foreach(findings, i, f)
		{
			const char *v[ARRAY_SIZE(finding_fields)];

			for (size_t j = 0; j < ARRAY_SIZE(finding_fields); j++)
				v[j] = json_string_value(
				    json_object_get(f, finding_fields[j]));
			sum_finding(&sm, v);
		}
		json_decref(findings);
	}
	for (size_t k = 0; k < NOBSERVED; k++) {
		x->req[k].ex = keep(a, &sm.ex[k]);
		x->req[k].pass = keep(a, &sm.pass[k]);
		x->req[k].pass_len = sm.pass[k].len;
		x->req[k].unk = keep(a, &sm.unk[k]);
	}
	summing_cleanup(&sm);
}

/*
 * A run's sums as text (table insp_run_sums): SUMS_VERSION, P (its
 * findings were JSON) or N, then per observed requirement its four
 * counts and its three texts, each "-" (none) or its length, ':' and its
 * bytes. Another version, or text that does not read back, is summed up
 * from the run's findings again.
 */
#define SUMS_VERSION "s1"

static void
put_text(struct buf *b, const char *s)
{
	if (s == NULL)
		buf_addstr(b, " -");
	else
		buf_printf(b, " %zu:%s", strlen(s), s);
}

char *
check_run_sums(const char *findings)
{
	struct arena a;
	struct run x;
	struct buf b = BUF_INIT(64 << 20);
	char *out;

	arena_init(&a);
	memset(&x, 0, sizeof(x));
	summarize(&a, &x, findings);
	buf_printf(&b, "%s %c", SUMS_VERSION, x.parsed ? 'P' : 'N');
	for (size_t k = 0; k < NOBSERVED; k++) {
		const struct req_sum *q = &x.req[k];

		buf_printf(&b, " %ld %ld %ld %ld", q->fails, q->unknown,
			   q->badges, q->home);
		put_text(&b, q->ex);
		put_text(&b, q->pass);
		put_text(&b, q->unk);
	}
	arena_cleanup(&a);
	out = buf_detach(&b, NULL);
	return out;
}

static int
get_long(const char **p, long *v)
{
	char *end;

	if (**p != ' ')
		return -1;
	*v = strtol(*p + 1, &end, 10);
	if (end == *p + 1)
		return -1;
	*p = end;
	return 0;
}

static int
get_text(struct arena *a, const char **p, char **out, size_t *len)
{
	const char *s = *p;
	char *end;
	unsigned long long n;

	if (s[0] != ' ')
		return -1;
	if (s[1] == '-') {
		*out = NULL;
		*len = 0;
		*p = s + 2;
		return 0;
	}
	if (s[1] < '0' || s[1] > '9')
		return -1;
	n = strtoull(s + 1, &end, 10);
	if (*end != ':' || strnlen(end + 1, n) < n)
		return -1;
	*out = arena_alloc(a, n + 1);
	memcpy(*out, end + 1, n);
	*len = n;
	*p = end + 1 + n;
	return 0;
}

/* Reads sums (check_run_sums) into x; -1 if they do not read. */
static int
sums_read(struct arena *a, struct run *x, const char *sums)
{
	const char *p = sums;
	size_t vl = strlen(SUMS_VERSION), len;

	if (sums == NULL || strncmp(p, SUMS_VERSION, vl) != 0 || p[vl] != ' ' ||
	    (p[vl + 1] != 'P' && p[vl + 1] != 'N'))
		return -1;
	x->parsed = p[vl + 1] == 'P';
	p += vl + 2;
	memset(x->req, 0, sizeof(x->req));
	for (size_t k = 0; k < NOBSERVED; k++) {
		struct req_sum *q = &x->req[k];

		if (get_long(&p, &q->fails) < 0 ||
		    get_long(&p, &q->unknown) < 0 ||
		    get_long(&p, &q->badges) < 0 ||
		    get_long(&p, &q->home) < 0 ||
		    get_text(a, &p, &q->ex, &len) < 0 ||
		    get_text(a, &p, &q->pass, &q->pass_len) < 0 ||
		    get_text(a, &p, &q->unk, &len) < 0)
			return -1;
	}
	return *p == '\0' ? 0 : -1;
}

/* The findings of run id, summed up (its sums did not read back). */
static int
findings_row(void *arg, struct store_row *r)
{
	void **ax = arg;

	summarize(ax[0], ax[1], store_row_text(r, 0));
	return 0;
}

/* Row: id, start, finished, findings (NULL when it has sums), host (or
 * NULL), sums (or NULL): sums the run up once. */
static int
run_row(void *arg, struct store_row *r)
{
	struct check_ctx *c = arg;
	struct link_cache *lc = cache(c);
	long long id = store_row_int(r, 0), old;
	char key[32];
	struct run *x;

	str_fmt(key, sizeof(key), "%lld", id);
	if (store_row_text(r, 4) != NULL)
		map_put(&c->insp_latest, store_row_text(r, 4), id, NULL);
	if (map_put(&lc->by_id, key, (long long)lc->nruns, &old) == 1)
		return 0;
	if (lc->nruns == lc->cap) {
		lc->cap = lc->cap ? 2 * lc->cap : 1024;
		lc->runs = xrealloc(lc->runs, lc->cap * sizeof(*lc->runs));
	}
	x = arena_alloc(&lc->a, sizeof(*x));
	lc->runs[lc->nruns++] = x;
	x->id = id;
	x->start = arena_strdup(&lc->a, store_row_text(r, 1));
	x->finished = arena_strdup(&lc->a, store_row_text(r, 2));
	if (store_row_null(r, 5))
		summarize(&lc->a, x, store_row_text(r, 3));
	else if (sums_read(&lc->a, x, store_row_text(r, 5)) < 0) {
		struct store_val v[1] = {SV_INT(id)};
		void *ax[2] = {&lc->a, x};

		/* another version's sums: from the findings */
		x->parsed = 0;
		memset(x->req, 0, sizeof(x->req));
		store_query(c->st,
			    "SELECT findings FROM insp_runs WHERE id = ?", v, 1,
			    findings_row, ax, NULL);
	}
	return 0;
}

static int
host_row(void *arg, struct store_row *r)
{
	map_put(arg, store_row_text(r, 0), store_row_int(r, 1), NULL);
	return 0;
}

/* A run's row for run_row (its findings only when it has no sums; the
 * host only for a whole check, which keeps the newest run per host). */
#define RUN_SQL                                                                \
	"SELECT r.id, r.start, r.finished, CASE WHEN s.sums IS NULL THEN "     \
	"r.findings END, r.host, s.sums FROM insp_runs r LEFT JOIN "           \
	"insp_run_sums s ON s.run = r.id "

/* The run with that id, summed up (NULL if there is none). */
static const struct run *
run_of(struct check_ctx *c, long long id)
{
	struct link_cache *lc = cache(c);
	struct store_val v[1];
	char key[32];
	long long idx;

	str_fmt(key, sizeof(key), "%lld", id);
	if (map_get(&lc->by_id, key, &idx) < 0) {
		v[0] = SV_INT(id);
		store_query(c->st, RUN_SQL "WHERE r.id = ?", v, 1, run_row, c,
			    NULL);
		if (map_get(&lc->by_id, key, &idx) < 0)
			return NULL;
	}
	return lc->runs[idx];
}

void
check_link_preload(struct check_ctx *c)
{
	if (c->st == NULL || c->insp_loaded || !whole(c))
		return;
	c->insp_loaded = 1;
	store_query(c->st,
		    RUN_SQL "WHERE r.id IN (SELECT max(id) FROM insp_runs "
			    "GROUP BY host)",
		    NULL, 0, run_row, c, NULL);
}

/* The newest inspection run of any of a's domains (NULL if none).
 * The newest run per host is read once per check, not once per portal:
 * for a whole check the runs themselves too, each summed up once. */
static const struct run *
latest(struct check_ctx *c, const struct m_app *a)
{
	long long best = 0, id;

	if (c->st == NULL)
		return NULL;
	if (!c->insp_loaded && whole(c))
		check_link_preload(c);
	else if (!c->insp_loaded) {
		c->insp_loaded = 1;
		store_query(c->st,
			    "SELECT host, max(id) FROM insp_runs GROUP BY host",
			    NULL, 0, host_row, &c->insp_latest, NULL);
	}
	for (int k = 0; k < a->ndomains; k++)
		if (map_get(&c->insp_latest, a->domains[k].name, &id) == 0 &&
		    id > best)
			best = id;
	return best == 0 ? NULL : run_of(c, best);
}

/* latest(), once per application for the seven rules that ask. */
static const struct run *
latest_of(struct check_ctx *c, const struct m_app *a)
{
	struct link_cache *lc = cache(c);
	size_t i = (size_t)(a - c->m->apps);

	if (lc->latest == NULL) {
		lc->latest = xcalloc(c->m->napps + 1, sizeof(*lc->latest));
		lc->latest_done = xcalloc(c->m->napps + 1, 1);
	}
	if (!lc->latest_done[i]) {
		lc->latest[i] = latest(c, a);
		lc->latest_done[i] = 1;
	}
	return lc->latest[i];
}

/* A noun for a requirement's failing findings. */
static const char *
what(const char *req)
{
	if (strcmp(req, "LINK-2") == 0)
		return "broken links";
	if (strcmp(req, "LINK-3") == 0)
		return "outbound links without a leave-site prompt";
	if (strcmp(req, "LINK-4") == 0)
		return "abnormal links";
	if (strcmp(req, "LOGO-1") == 0)
		return "logo problems";
	if (strcmp(req, "GOVWEB-2") == 0)
		return "freshness problems";
	return "missing or inconsistent footer marks";
}

/* The fix of a finding of status st from run x, only where such a
 * finding is emitted (else nobody reads it). */
static void
inspect_fix(const struct check_ctx *c, enum fstatus st, const struct run *x,
	    char *fix, size_t n)
{
	if (check_emits(c, st))
		str_fmt(fix, n,
			"fix what the inspection lists (govsec inspect %s), "
			"then inspect again",
			x->start);
}

static void
judge(struct check_ctx *c, struct m_app *a, const struct run *x)
{
	static const struct req_sum none;
	const char *req = c->rule->requirement;
	const struct req_sum *q = &none;
	time_t fin = 0, now = c->o->now ? c->o->now : time_now();
	char fix[512] = "";
	size_t k, unk_len;

	for (k = 0; k < NOBSERVED && strcmp(req, observed[k]) != 0; k++)
		;
	if (k < NOBSERVED)
		q = &x->req[k];
	unk_len = q->unk != NULL ? strlen(q->unk) : 0;
	if (strcmp(req, "LINK-1") == 0) {
		check_emit_app(c, a, ST_UNKNOWN,
			       "review the external links (govsec links list "
			       "--external) and record the verdict: govsec "
			       "attest LINK-1 --object ID",
			       "LINK-1 needs a person: whether linked content "
			       "relates to the unit's functions (inspection "
			       "of %s on %s)",
			       x->start, x->finished);
	} else if (q->fails > 0) {
		inspect_fix(c, ST_FAIL, x, fix, sizeof(fix));
		check_emit_app(c, a, ST_FAIL, fix,
			       "%ld %s on %s (inspected %s): "
			       "%s%s",
			       q->fails, what(req), x->start, x->finished,
			       q->ex != NULL ? q->ex : "",
			       q->fails > EXAMPLES ? "; ..." : "");
	} else if (strcmp(req, "LOGO-1") == 0 && q->badges == 0 &&
		   q->home > 0 && a->u != NULL && a->u->pilot == 1) {
		check_emit_app(c, a, ST_FAIL,
			       "show the application's govsec badge (govsec "
			       "logo issue APP; its image linking to its "
			       "verification page) in the middle of the "
			       "homepage footer, then inspect again",
			       "no govsec badge on %s (inspected %s): in the "
			       "e-certificate pilot the online logo is the "
			       "badge the establishment department issued; a "
			       "link to conac.cn or another logo is no proof",
			       x->start, x->finished);
	} else if (strcmp(req, "LINK-2") == 0 &&
		   (time_parse(x->finished, &fin) < 0 ||
		    now - fin > LINK_STALE_DAYS * 86400L)) {
		inspect_fix(c, ST_FAIL, x, fix, sizeof(fix));
		check_emit_app(c, a, ST_FAIL, fix,
			       "the link list of %s was last checked %s, more "
			       "than %d days ago",
			       x->start, x->finished, LINK_STALE_DAYS);
	} else if (q->unknown > 0 &&
		   (q->pass_len == 0 || strcmp(req, "LINK-2") != 0)) {
		/* blocked links leave LINK-2 passing; an undecided part of
		 * another requirement (GOVWEB-2: no dated homepage item, no
		 * column) leaves it unknown */
		inspect_fix(c, ST_UNKNOWN, x, fix, sizeof(fix));
		check_emit_app(c, a, ST_UNKNOWN, fix,
			       "%s could not be decided from the inspection "
			       "of %s on %s%s%s%s%s",
			       req, x->start, x->finished, unk_len ? ": " : "",
			       unk_len ? q->unk : "", q->pass_len ? "; " : "",
			       q->pass_len ? q->pass : "");
	} else if (q->unknown > 0) {
		struct buf pass = BUF_INIT(4096);

		if (q->pass != NULL)
			buf_add(&pass, q->pass, q->pass_len);
		buf_printf(&pass, "%s%ld not verified (blocked)",
			   pass.len ? "; " : "", q->unknown);
		check_emit_app(c, a, ST_PASS, NULL,
			       "inspection of %s on %s: %s", x->start,
			       x->finished, pass.data);
		buf_cleanup(&pass);
	} else {
		check_emit_app(
		    c, a, ST_PASS, NULL, "inspection of %s on %s: %s", x->start,
		    x->finished, q->pass != NULL ? q->pass : "no findings");
	}
}

struct probe_load {
	struct check_ctx *c;
	char bound[PROBE_DAYS][32]; /* [1..] the start of each later day */
	const char *last;	    /* the application of the last row */
	int last_idx;
	const char *from, *to; /* the week */
	int incomplete;	       /* probe_sums lack some */
};

/* A probe of app at (n bytes) of the week: counted in its day. */
static int
probe_count(struct probe_load *pl, const char *app, const char *at, size_t n,
	    int ok)
{
	struct link_cache *lc = pl->c->link;
	struct probe_sum *p;
	int d;

	if (app == NULL || at == NULL)
		return 0;
	/* the rows of one application mostly come together */
	if (pl->last == NULL || strcmp(pl->last, app) != 0) {
		const struct m_app *a = model_app(pl->c->m, app);

		pl->last_idx = -1;
		pl->last = NULL;
		if (a == NULL)
			return 0;
		pl->last = a->id;
		pl->last_idx = (int)(a - pl->c->m->apps);
	}
	if (pl->last_idx < 0)
		return 0;
	if (lc->probe_of[pl->last_idx] < 0) {
		if (lc->nprobes == lc->pcap) {
			lc->pcap = lc->pcap ? 2 * lc->pcap : 1024;
			lc->probes = xrealloc(lc->probes,
					      lc->pcap * sizeof(*lc->probes));
		}
		memset(&lc->probes[lc->nprobes], 0, sizeof(*lc->probes));
		lc->probe_of[pl->last_idx] = (int)lc->nprobes++;
	}
	p = &lc->probes[lc->probe_of[pl->last_idx]];
	/* day d is [start of d, start of d + 1), the last one ends at now
	 * (inclusive): as the query's range */
	for (d = PROBE_DAYS - 1; d > 0 && strcmp(at, pl->bound[d]) < 0; d--)
		;
	p->day[d]++;
	if (!ok)
		p->failed++;
	if (p->newest == NULL || strcmp(at, p->newest) > 0) {
		if (n + 1 > p->newest_cap) {
			p->newest = xrealloc(p->newest, n + 1);
			p->newest_cap = n + 1;
		}
		memcpy(p->newest, at, n + 1);
	}
	return 0;
}

/* Row: app, at, ok of a probe of the week. */
static int
probe_row(void *arg, struct store_row *r)
{
	const char *at = store_row_text(r, 1);

	return probe_count(arg, store_row_text(r, 0), at, at ? strlen(at) : 0,
			   store_row_int(r, 2) != 0);
}

/* Row: app, since, probes of probe_sums: the probes of the week among
 * them; stops (1) when the row may lack some of the week's. */
static int
probe_sum_row(void *arg, struct store_row *r)
{
	struct probe_load *pl = arg;
	const char *app = store_row_text(r, 0), *since = store_row_text(r, 1);
	const char *p = store_row_text(r, 2), *at;
	char t[64];
	size_t n;
	int ok;

	if (app == NULL || since == NULL || strcmp(since, pl->from) > 0) {
		pl->incomplete = 1;
		return 1;
	}
	while ((at = probe_sum_next(&p, &ok, &n)) != NULL) {
		if (n >= sizeof(t)) {
			pl->incomplete = 1;
			return 1;
		}
		memcpy(t, at, n);
		t[n] = '\0';
		/* the query's range on probe_results */
		if (strcmp(t, pl->from) < 0 || strcmp(t, pl->to) > 0)
			continue;
		probe_count(pl, app, t, n, ok);
	}
	return 0;
}

/* Forgets what was counted (the sums could not be used). */
static void
probes_reset(struct check_ctx *c)
{
	struct link_cache *lc = c->link;

	for (size_t i = 0; i < lc->nprobes; i++)
		free(lc->probes[i].newest);
	lc->nprobes = 0;
	for (size_t i = 0; i < c->m->napps; i++)
		lc->probe_of[i] = -1;
}

/* Counts the probes of the week: of every application in one pass for a
 * whole check (once), else of application a only. */
static void
probes_load(struct check_ctx *c, const struct m_app *a)
{
	struct link_cache *lc = cache(c);
	struct probe_load pl;
	char from[32], to[32];
	struct store_val v[3];

	if (lc->probe_of == NULL) {
		lc->probe_of =
		    xcalloc(c->m->napps ? c->m->napps : 1, sizeof(int));
		for (size_t i = 0; i < c->m->napps; i++)
			lc->probe_of[i] = -1;
	}
	if (c->st == NULL || lc->probes_loaded)
		return;
	memset(&pl, 0, sizeof(pl));
	pl.c = c;
	for (int d = 1; d < PROBE_DAYS; d++)
		time_fmt(c->now - (PROBE_DAYS - d) * 86400L, pl.bound[d],
			 sizeof(pl.bound[d]));
	time_fmt(c->now - PROBE_DAYS * 86400L, from, sizeof(from));
	time_fmt(c->now, to, sizeof(to));
	v[0] = SV_TEXT(from);
	v[1] = SV_TEXT(to);
	v[2] = SV_TEXT(a->id);
	pl.from = from;
	pl.to = to;
	lc->probes_loaded = whole(c);
	/* a whole check reads one row per application when it can */
	if (lc->probes_loaded && probe_sums_complete(c->st)) {
		store_query(c->st, "SELECT app, since, probes FROM probe_sums",
			    NULL, 0, probe_sum_row, &pl, NULL);
		if (!pl.incomplete)
			return;
		probes_reset(c);
		pl.last = NULL;
	}
	store_query(c->st,
		    lc->probes_loaded ? "SELECT app, at, ok FROM probe_results "
					"WHERE at >= ? AND at <= ?"
				      : "SELECT app, at, ok FROM probe_results "
					"WHERE at >= ? AND at <= ? AND app = ?",
		    v, lc->probes_loaded ? 2 : 3, probe_row, &pl, NULL);
}

/*
 * GOVWEB-1: the indicator's week: PROBE_DAYS periods of 24 hours ending
 * at the evaluation time, each with at least PROBE_MIN_DAY probes; then
 * the failure ratio of the week, 5 % vetoes. Before that: unknown with
 * the counts of each day. The probes of all applications are counted
 * once per check (probes_load).
 */
static void
availability(struct check_ctx *c, struct m_app *a)
{
	struct link_cache *lc = cache(c);
	const struct probe_sum *p;
	char fix[512];
	long day[PROBE_DAYS], total = 0, failed;
	struct buf days = BUF_INIT(512);
	/* the text of an undecided finding only where it is emitted (or
	 * an attestation may show it) */
	int idx, texts = check_emits(c, ST_UNKNOWN) || c->m->nattests > 0;

	probes_load(c, a);
	idx = lc->probe_of[a - c->m->apps];
	p = idx < 0 ? NULL : &lc->probes[idx];

	for (int d = 0; d < PROBE_DAYS; d++) {
		day[d] = p != NULL ? p->day[d] : 0;
		total += day[d];
		if (texts)
			buf_printf(&days, "%s%ld", d > 0 ? ", " : "", day[d]);
	}
	failed = total == 0 ? 0 : p->failed;
	c->obs = total == 0 ? NULL : p->newest;
	fix[0] = '\0';
	if (check_emits(c, ST_UNKNOWN))
		str_fmt(fix, sizeof(fix),
			"probe the portal on a schedule: govsecd with [probe] "
			"enabled = yes (or govsec probe --app %s)",
			a->id);
	switch (probe_verdict(day, failed)) {
	case 0:
		check_emit_app(c, a, ST_FAIL,
			       "restore the site's availability and find the "
			       "cause of the outages (govsec probe --app ID "
			       "shows each probe)",
			       "%ld of %ld probes failed in the last 7 days "
			       "(%.1f %%), the veto is %d %%",
			       failed, total, 100.0 * failed / total,
			       PROBE_VETO_PERCENT);
		break;
	case 1:
		check_emit_app(c, a, ST_PASS, NULL,
			       "%ld of %ld probes failed in the last 7 days "
			       "(%.1f %%)",
			       failed, total, 100.0 * failed / total);
		break;
	default:
		check_emit_app(c, a, ST_UNKNOWN, fix,
			       "not enough probes: %ld in the last 7 days, "
			       "per day %s (oldest first); at least %d each "
			       "day are needed; govsecd [probe] enabled",
			       total, days.data ? days.data : "",
			       PROBE_MIN_DAY);
	}
	c->obs = NULL;
	buf_cleanup(&days);
}

void
rule_link_observed(struct check_ctx *c)
{
	for (size_t i = 0; i < c->m->napps; i++) {
		struct m_app *a = &c->m->apps[i];
		const char *host = NULL;
		char fix[512] = "";
		const struct run *x;

		if (a->kind != APP_PORTAL || !app_live(a) ||
		    !check_wants(c, a->unit))
			continue;
		if (strcmp(c->rule->requirement, "GOVWEB-1") == 0) {
			availability(c, a);
			continue;
		}
		for (int k = 0; k < a->ndomains; k++)
			if (host == NULL || a->domains[k].main)
				host = a->domains[k].name;
		x = latest_of(c, a);
		if (x != NULL && x->parsed) {
			c->obs = x->finished;
			judge(c, a, x);
			c->obs = NULL;
			continue;
		}
		if (check_emits(c, ST_UNKNOWN))
			str_fmt(fix, sizeof(fix),
				"observe the site with: govsec inspect "
				"https://%s/",
				host ? host : "");
		if (host != NULL)
			check_emit_app(
			    c, a, ST_UNKNOWN, fix,
			    "%s has not been observed: no inspection "
			    "of https://%s/ is recorded",
			    c->rule->requirement, host);
		else
			check_emit_app(c, a, ST_UNKNOWN,
				       "register the portal's domain, then run "
				       "govsec inspect on it",
				       "%s has not been observed: the portal "
				       "has no domain to inspect",
				       c->rule->requirement);
	}
}

/* A registration lapsing within this many days is a finding (LINK-4). */
#define LINK_RENEW_DAYS 30

/*
 * LINK-4 from the registry (interp. Q9): a domain whose registration lapses
 * and is not cancelled can be registered by others and pointed at illegal
 * content. Every application's domains are watched, closed ones too (a
 * closed site's domain is the one left to lapse): a finding from
 * LINK_RENEW_DAYS before the registration lapses, and after, until the
 * domain is renewed (a later 'registered_until') or cancelled.
 */
void
rule_link_domain_expiry(struct check_ctx *c)
{
	for (size_t i = 0; i < c->m->napps; i++) {
		struct m_app *a = &c->m->apps[i];
		const struct m_domain *bad = NULL, *undeclared = NULL;
		long left = 0;
		int cancelled = 0;

		if (a->ndomains == 0 || !check_wants(c, a->unit))
			continue;
		for (int k = 0; k < a->ndomains && bad == NULL; k++) {
			const struct m_domain *d = &a->domains[k];

			if (d->cancelled != NULL &&
			    strcmp(d->cancelled, c->today) <= 0)
				cancelled++;
			else if (d->registered_until == NULL)
				undeclared = undeclared ? undeclared : d;
			else if (time_is_date(d->registered_until)) {
				time_t t0, t1;

				if (time_parse(c->today, &t0) < 0 ||
				    time_parse(d->registered_until, &t1) < 0)
					continue;
				left = (long)((t1 - t0) / 86400);
				if (left <= LINK_RENEW_DAYS)
					bad = d;
			}
		}
		if (bad != NULL && left < 0)
			check_emit_app(
			    c, a, ST_FAIL,
			    "renew the domain's registration now, or cancel "
			    "it with the registrar; check that it still "
			    "points at the unit's service",
			    "the registration of domain '%s' lapsed on %s and "
			    "the domain was neither renewed nor cancelled: "
			    "anyone may register it",
			    bad->unicode, bad->registered_until);
		else if (bad != NULL)
			check_emit_app(c, a, ST_FAIL,
				       "renew the domain's registration, or "
				       "cancel it if it is no longer used",
				       "the registration of domain '%s' lapses "
				       "on %s, in %ld days, and is not renewed",
				       bad->unicode, bad->registered_until,
				       left);
		else if (undeclared != NULL)
			check_emit_app(c, a, ST_UNKNOWN,
				       "declare the domain's registration "
				       "expiry ('registered_until') or its "
				       "cancellation ('cancelled')",
				       "the registration expiry of domain '%s' "
				       "is not declared",
				       undeclared->unicode);
		else
			check_emit_app(c, a, ST_PASS, NULL,
				       "%d domains registered beyond the next "
				       "%d days, %d cancelled",
				       a->ndomains - cancelled, LINK_RENEW_DAYS,
				       cancelled);
	}
}

void
check_link_free(struct check_ctx *c)
{
	struct link_cache *lc = c->link;

	if (lc == NULL)
		return;
	for (size_t i = 0; i < lc->nprobes; i++)
		free(lc->probes[i].newest);
	free(lc->probes);
	free(lc->probe_of);
	free(lc->latest);
	free(lc->latest_done);
	free(lc->runs);
	map_cleanup(&lc->by_id);
	arena_cleanup(&lc->a);
	free(lc);
	c->link = NULL;
}

struct pending {
	long long *id;
	char **sums; /* each run's check_run_sums */
	size_t n, cap;
};

static int
pending_row(void *arg, struct store_row *r)
{
	struct pending *p = arg;
	const char *f = store_row_text(r, 1);

	if (p->n == p->cap) {
		p->cap = p->cap ? 2 * p->cap : 1024;
		p->id = xrealloc(p->id, p->cap * sizeof(*p->id));
		p->sums = xrealloc(p->sums, p->cap * sizeof(char *));
	}
	p->id[p->n] = store_row_int(r, 0);
	p->sums[p->n++] = check_run_sums(f); /* its sums, kept */
	return 0;
}

int
check_summarize(struct store *st, long long *nruns, long long *napps,
		struct err *e)
{
	struct pending p = {NULL, NULL, 0, 0};
	long long apps = 0;
	int rc = -1;

	if (store_begin(st, e) < 0)
		return -1;
	/* read first, then write: one statement at a time */
	if (store_query(st,
			"SELECT r.id, r.findings FROM insp_runs r WHERE NOT "
			"EXISTS (SELECT 1 FROM insp_run_sums s WHERE s.run = "
			"r.id)",
			NULL, 0, pending_row, &p, e) < 0)
		goto out;
	for (size_t i = 0; i < p.n; i++) {
		struct store_val v[2] = {SV_INT(p.id[i]), SV_TEXT(p.sums[i])};

		if (store_exec(st,
			       "INSERT INTO insp_run_sums (run, sums) VALUES "
			       "(?, ?)",
			       v, 2, e) < 0)
			goto out;
	}
	if (probe_sums_build(st, &apps, e) < 0)
		goto out;
	rc = 0;
out:
	for (size_t i = 0; i < p.n; i++)
		free(p.sums[i]);
	free(p.id);
	free(p.sums);
	if (rc < 0) {
		store_rollback(st);
		return -1;
	}
	if (store_commit(st, e) < 0)
		return -1;
	if (nruns != NULL)
		*nruns = (long long)p.n;
	if (napps != NULL)
		*napps = apps;
	return 0;
}
