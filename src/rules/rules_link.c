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

struct run {
	long long id;
	char *start, *finished;
	json_t *findings;
};

static int
run_row(void *arg, struct store_row *r)
{
	struct run *x = arg;
	long long id = store_row_int(r, 0);

	if (id <= x->id)
		return 0;
	free(x->start);
	free(x->finished);
	json_decref(x->findings);
	x->id = id;
	x->start = xstrdup(store_row_text(r, 1));
	x->finished = xstrdup(store_row_text(r, 2));
	x->findings = json_loads(store_row_text(r, 3), 0, NULL);
	return 0;
}

static int
host_row(void *arg, struct store_row *r)
{
	map_put(arg, store_row_text(r, 0), store_row_int(r, 1), NULL);
	return 0;
}

/* The newest inspection run of any of a's domains (x->id 0 if none).
 * The newest run per host is read once per check, not once per portal. */
static void
latest(struct check_ctx *c, const struct m_app *a, struct run *x)
{
	long long best = 0, id;
	struct store_val v[1];

	memset(x, 0, sizeof(*x));
	if (c->st == NULL)
		return;
	if (!c->insp_loaded) {
		c->insp_loaded = 1;
		store_query(c->st,
			    "SELECT host, max(id) FROM insp_runs GROUP BY host",
			    NULL, 0, host_row, &c->insp_latest, NULL);
	}
	for (int k = 0; k < a->ndomains; k++)
		if (map_get(&c->insp_latest, a->domains[k].name, &id) == 0 &&
		    id > best)
			best = id;
	if (best == 0)
		return;
	v[0] = SV_INT(best);
	store_query(c->st,
		    "SELECT id, start, finished, findings FROM insp_runs "
		    "WHERE id = ?",
		    v, 1, run_row, x, NULL);
}

static void
run_free(struct run *x)
{
	free(x->start);
	free(x->finished);
	json_decref(x->findings);
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

static void
judge(struct check_ctx *c, struct m_app *a, const struct run *x)
{
	const char *req = c->rule->requirement;
	struct buf ex = BUF_INIT(4096), pass = BUF_INIT(4096),
		   unk = BUF_INIT(1024);
	long fails = 0, unknown = 0, badges = 0, home = 0;
	time_t fin = 0, now = c->o->now ? c->o->now : time_now();
	char fix[512];
	size_t i;
	json_t *f;

	json_array_foreach(x->findings, i, f)
	{
		const char *r =
		    json_string_value(json_object_get(f, "requirement"));
		const char *st =
		    json_string_value(json_object_get(f, "status"));
		const char *obj =
		    json_string_value(json_object_get(f, "object"));
		const char *ev =
		    json_string_value(json_object_get(f, "evidence"));
		const char *rule;

		if (r == NULL || st == NULL || strcmp(r, req) != 0)
			continue;
		rule = json_string_value(json_object_get(f, "rule"));
		badges += rule != NULL && strcmp(rule, "inspect.badge") == 0;
		/* the homepage was read: its logo was judged */
		home += rule != NULL && strcmp(rule, "inspect.logo") == 0 &&
			strcmp(st, "unknown") != 0;
		if (strcmp(st, "fail") == 0) {
			if (fails++ < EXAMPLES)
				buf_printf(&ex, "%s%s (%s)",
					   fails > 1 ? "; " : "",
					   obj ? obj : "", ev ? ev : "");
		} else if (strcmp(st, "unknown") == 0) {
			if (unknown++ == 0 && ev)
				buf_addstr(&unk, ev);
		} else if (strcmp(st, "pass") == 0 && ev) {
			/* every passing part (GOVWEB-2: the homepage and the
			 * columns; GOVWEB-3: each mark), while they fit */
			if (pass.len > 0 && buf_addstr(&pass, "; ") < 0)
				continue;
			if (buf_addstr(&pass, ev) < 0 && pass.len >= 2)
				pass.data[pass.len -= 2] = '\0';
		}
	}
	str_fmt(fix, sizeof(fix),
		"fix what the inspection lists (govsec inspect %s), then "
		"inspect again",
		x->start);
	if (strcmp(req, "LINK-1") == 0) {
		check_emit_app(c, a, ST_UNKNOWN,
			       "review the external links (govsec links list "
			       "--external) and record the verdict: govsec "
			       "attest LINK-1 --object ID",
			       "LINK-1 needs a person: whether linked content "
			       "relates to the unit's functions (inspection "
			       "of %s on %s)",
			       x->start, x->finished);
	} else if (fails > 0) {
		check_emit_app(c, a, ST_FAIL, fix,
			       "%ld %s on %s (inspected %s): "
			       "%s%s",
			       fails, what(req), x->start, x->finished,
			       ex.data ? ex.data : "",
			       fails > EXAMPLES ? "; ..." : "");
	} else if (strcmp(req, "LOGO-1") == 0 && badges == 0 && home > 0 &&
		   a->u != NULL && a->u->pilot == 1) {
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
		check_emit_app(c, a, ST_FAIL, fix,
			       "the link list of %s was last checked %s, more "
			       "than %d days ago",
			       x->start, x->finished, LINK_STALE_DAYS);
	} else if (unknown > 0 &&
		   (pass.len == 0 || strcmp(req, "LINK-2") != 0)) {
		/* blocked links leave LINK-2 passing; an undecided part of
		 * another requirement (GOVWEB-2: no dated homepage item, no
		 * column) leaves it unknown */
		check_emit_app(c, a, ST_UNKNOWN, fix,
			       "%s could not be decided from the inspection "
			       "of %s on %s%s%s%s%s",
			       req, x->start, x->finished, unk.len ? ": " : "",
			       unk.len ? unk.data : "", pass.len ? "; " : "",
			       pass.len ? pass.data : "");
	} else {
		if (unknown > 0)
			buf_printf(&pass, "%s%ld not verified (blocked)",
				   pass.len ? "; " : "", unknown);
		check_emit_app(
		    c, a, ST_PASS, NULL, "inspection of %s on %s: %s", x->start,
		    x->finished, pass.data ? pass.data : "no findings");
	}
	buf_cleanup(&ex);
	buf_cleanup(&pass);
	buf_cleanup(&unk);
}

/*
 * GOVWEB-1: the indicator's week: PROBE_DAYS periods of 24 hours ending
 * at the evaluation time, each with at least PROBE_MIN_DAY probes; then
 * the failure ratio of the week, 5 % vetoes. Before that: unknown with
 * the counts of each day.
 */
static void
availability(struct check_ctx *c, struct m_app *a)
{
	time_t now = c->now;
	char from[32], to[32], fix[512];
	long day[PROBE_DAYS], total = 0, failed;
	struct buf days = BUF_INIT(512);
	struct store_val v[3];
	char *newest;

	v[0] = SV_TEXT(a->id);
	for (int d = 0; d < PROBE_DAYS; d++) {
		/* [start, end) of day d, oldest first; the last ends at now */
		time_fmt(now - (PROBE_DAYS - d) * 86400L, from, sizeof(from));
		time_fmt(now - (PROBE_DAYS - 1 - d) * 86400L, to, sizeof(to));
		v[1] = SV_TEXT(from);
		v[2] = SV_TEXT(to);
		day[d] = c->st == NULL
			     ? 0
			     : (long)store_query_int(
				   c->st,
				   d == PROBE_DAYS - 1
				       ? "SELECT count(*) FROM probe_results "
					 "WHERE app = ? AND at >= ? AND at <= ?"
				       : "SELECT count(*) FROM probe_results "
					 "WHERE app = ? AND at >= ? AND at < ?",
				   v, 3, 0);
		total += day[d];
		buf_printf(&days, "%s%ld", d > 0 ? ", " : "", day[d]);
	}
	time_fmt(now - PROBE_DAYS * 86400L, from, sizeof(from));
	time_fmt(now, to, sizeof(to));
	v[1] = SV_TEXT(from);
	v[2] = SV_TEXT(to);
	failed = total == 0
		     ? 0
		     : (long)store_query_int(c->st,
					     "SELECT count(*) FROM "
					     "probe_results WHERE app = ? AND "
					     "at >= ? AND at <= ? AND ok = 0",
					     v, 3, 0);
	newest = total == 0
		     ? NULL
		     : store_query_text(c->st,
					"SELECT max(at) FROM probe_results"
					" WHERE app = ? AND at >= ? AND "
					"at <= ?",
					v, 3);
	c->obs = newest;
	str_fmt(fix, sizeof(fix),
		"probe the portal on a schedule: govsecd with [probe] enabled "
		"= yes (or govsec probe --app %s)",
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
			       total, days.data, PROBE_MIN_DAY);
	}
	c->obs = NULL;
	free(newest);
	buf_cleanup(&days);
}

void
rule_link_observed(struct check_ctx *c)
{
	for (size_t i = 0; i < c->m->napps; i++) {
		struct m_app *a = &c->m->apps[i];
		const char *host = NULL;
		char fix[512] = "";
		struct run x;

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
		latest(c, a, &x);
		if (x.id > 0 && x.findings != NULL) {
			c->obs = x.finished;
			judge(c, a, &x);
			c->obs = NULL;
			run_free(&x);
			continue;
		}
		run_free(&x);
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
