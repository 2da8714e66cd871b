/*
 * rules_mail.c: rules of "E-mail" in REQUIREMENTS.md (MAIL-1, MAIL-2,
 * MAIL-3) for e-mail systems. The evidence of MAIL-1 and MAIL-2 is the
 * newest `govsec mail audit` recorded for the application within a year
 * (src/mail/mailaudit.c: what Postfix, Dovecot, users' Sieve scripts and
 * Roundcube are configured to do); without one, what the registry
 * declares. MAIL-3's is govsec-milter's mail-flow records (see below).
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit/audit.h"
#include "mail/mail.h"
#include "rules/internal.h"

#define AUDIT_DAYS 365 /* an older audit no longer says how it is */

struct mail_ev {
	long long at;
	int read[2];  /* forwarding (Postfix read), attachments (Roundcube) */
	int fails[2]; /* failing findings of MAIL-1, MAIL-2 */
	char first[2][512], fix[2][256]; /* the first failing finding */
};

struct mail_evs {
	struct map idx; /* app -> index into v */
	struct mail_ev *v;
	size_t n;
};

static int
ev_row(void *arg, struct store_row *r)
{
	struct mail_evs *m = arg;
	struct mail_ev *e;
	const char *app = store_row_text(r, 0);
	json_t *doc, *f;
	size_t i;

	if (app == NULL || map_put(&m->idx, app, (long long)m->n, NULL) != 0)
		return 0; /* rows come newest (last recorded) first: the first
			     one counts */
	m->v = xrealloc(m->v, (m->n + 1) * sizeof(*m->v));
	e = &m->v[m->n++];
	memset(e, 0, sizeof(*e));
	e->at = store_row_int(r, 1);
	e->read[0] = (int)store_row_int(r, 2);
	e->read[1] = (int)store_row_int(r, 3);
	e->fails[0] = (int)store_row_int(r, 4);
	e->fails[1] = (int)store_row_int(r, 5);
	doc = json_loads(store_row_text(r, 6) ? store_row_text(r, 6) : "", 0,
			 NULL);
	json_array_foreach(json_object_get(doc, "findings"), i, f)
	{
		const char *req =
		    json_string_value(json_object_get(f, "requirement"));
		const char *lvl =
		    json_string_value(json_object_get(f, "level"));
		int k = req != NULL && strcmp(req, "MAIL-2") == 0;

		if (lvl == NULL || strcmp(lvl, "fail") != 0 ||
		    e->first[k][0] != '\0')
			continue;
		str_fmt(
		    e->first[k], sizeof(e->first[k]), "%s:%lld: %s",
		    json_string_value(json_object_get(f, "file")),
		    (long long)json_integer_value(json_object_get(f, "line")),
		    json_string_value(json_object_get(f, "text")));
		str_copy(e->fix[k],
			 json_string_value(json_object_get(f, "fix")),
			 sizeof(e->fix[k]));
	}
	json_decref(doc);
	return 0;
}

static void
mail_flag(struct check_ctx *c, int which)
{
	const char *what =
	    which ? "automatic attachment download" : "automatic forwarding";
	struct mail_evs evs = {0};
	struct err e;
	char date[11];

	map_init(&evs.idx);
	if (c->st != NULL &&
	    store_query(
		c->st,
		"SELECT app, at, forwarding_read, attachments_read,"
		" mail1_fails, mail2_fails, report FROM mail_audits"
		" WHERE at > ? ORDER BY app, seq DESC",
		(struct store_val[]){SV_INT(c->now - AUDIT_DAYS * 86400LL)}, 1,
		ev_row, &evs, &e) < 0)
		log_warn("check: mail audits not read: %s", e.msg);
	for (size_t i = 0; i < c->m->napps; i++) {
		struct m_app *a = &c->m->apps[i];
		int v = which ? a->autodl : a->autofwd;
		const struct mail_ev *ev = NULL;
		long long k;

		if (a->kind != APP_EMAIL || !app_open(c, a) ||
		    !check_wants(c, a->unit))
			continue;
		if (map_get(&evs.idx, a->id, &k) == 0 && evs.v[k].read[which])
			ev = &evs.v[k];
		if (ev != NULL && (ev->fails[which] > 0 || v != 1)) {
			time_fmt_date((time_t)ev->at, date, sizeof(date));
			c->obs = date;
			if (ev->fails[which] > 0)
				check_emit_app(c, a, ST_FAIL, ev->fix[which],
					       "govsec mail audit of %s found "
					       "%d way(s) of %s: %s",
					       date, ev->fails[which], what,
					       ev->first[which]);
			else
				check_emit_app(c, a, ST_PASS, NULL,
					       "govsec mail audit of %s found "
					       "no way of %s",
					       date, what);
			c->obs = NULL;
		} else if (v == 0) {
			check_emit_app(c, a, ST_PASS, NULL,
				       "%s is off (declared; no govsec mail "
				       "audit recorded)",
				       what);
		} else if (v == 1) {
			check_emit_app(c, a, ST_FAIL,
				       which ? "turn automatic attachment "
					       "download off"
					     : "turn automatic forwarding off "
					       "(and enforce it with "
					       "govsec-milter)",
				       "%s is on", what);
		} else {
			check_emit_app(c, a, ST_UNKNOWN,
				       which ? "declare "
					       "'mail.attachment_autodownload' "
					       "or record a govsec mail audit"
					     : "declare 'mail.auto_forward' or "
					       "record a govsec mail audit",
				       "whether %s is on is not declared",
				       what);
		}
	}
	map_cleanup(&evs.idx);
	free(evs.v);
}

void
rule_mail_forward(struct check_ctx *c)
{
	mail_flag(c, 0);
}

void
rule_mail_attachments(struct check_ctx *c)
{
	mail_flag(c, 1);
}

/*
 * MAIL-3 from govsec-milter's mail-flow records (src/mail/flow.c), for
 * live e-mail applications (a planned one has no mail yet). An
 * e-mail application's mail domains are its registered domains and, for
 * a registered mail host name (mail.jiangmen.gov.cn), the domain under it
 * (jiangmen.gov.cn); a record is the application's when its envelope
 * sender, a recipient or an original recipient is at one of them. It
 * passes while the milter keeps recording that mail (the newest record
 * within [check] mail_flow_stale_days) and the records are kept as long
 * as SEC-5's logs: max(365, the declared log retention) days, by the
 * pruning and in fact. Without any record in the store the rule says
 * nothing and attestations judge MAIL-3 as before (check.c).
 */
#define FLOW_SCAN_MAX 1000000LL /* records read looking for a domain */
#define KEEP_FIX                                                               \
	"keep mail-flow records as long as the logs (govsec audit "            \
	"retention) and delete them only with govsec mail prune"

static const char *const mail_hosts[] = {"mail", "webmail", "email", "smtp",
					 "mx",	 "imap",    "pop",   "exmail"};

/* The mail domains of the applications judged, one after the other; an
 * application's domains are one group (mail_flow_evidence). */
struct flow_doms {
	char **names;
	size_t *group;
	size_t n;
	size_t start; /* where the current application's begin */
};

static void
flow_dom_add(struct flow_doms *d, const char *name, size_t len)
{
	char low[256];

	if (name == NULL || len == 0 || len >= sizeof(low))
		return;
	for (size_t i = 0; i < len; i++)
		low[i] = name[i] >= 'A' && name[i] <= 'Z'
			     ? (char)(name[i] - 'A' + 'a')
			     : name[i];
	low[len] = '\0';
	for (size_t i = d->start; i < d->n; i++)
		if (strcmp(d->names[i], low) == 0)
			return;
	d->names = xrealloc(d->names, (d->n + 1) * sizeof(*d->names));
	d->group = xrealloc(d->group, (d->n + 1) * sizeof(*d->group));
	/* groups are numbered by their first domain: below n */
	d->group[d->n] = d->start;
	d->names[d->n++] = xstrdup(low);
}

/* 1 if the first label of a host name (n bytes) names a mail host. */
static int
mail_host(const char *label, size_t n)
{
	for (size_t h = 0; h < ARRAY_SIZE(mail_hosts); h++)
		if (strlen(mail_hosts[h]) == n &&
		    strncasecmp(label, mail_hosts[h], n) == 0)
			return 1;
	return 0;
}

/* The mail domains of application a (see above), appended to d. */
static void
flow_app_doms(struct flow_doms *d, const struct m_app *a)
{
	d->start = d->n; /* flow_dom_add dedups from here */
	for (int i = 0; i < a->ndomains; i++) {
		const char *names[2] = {a->domains[i].name,
					a->domains[i].unicode};

		for (int k = 0; k < 2; k++) {
			const char *s = names[k], *dot;

			if (s == NULL || (k == 1 && names[0] != NULL &&
					  strcmp(s, names[0]) == 0))
				continue;
			flow_dom_add(d, s, strlen(s));
			dot = strchr(s, '.');
			if (dot != NULL && strchr(dot + 1, '.') != NULL &&
			    mail_host(s, (size_t)(dot - s)))
				flow_dom_add(d, dot + 1, strlen(dot + 1));
		}
	}
}

static void
flow_doms_free(struct flow_doms *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->names[i]);
	free(d->names);
	free(d->group);
}

/* Emits the finding of e-mail application a from ev; its mail domains
 * are d's [from, to). */
static void
flow_judge(struct check_ctx *c, struct m_app *a, const struct flow_doms *d,
	   size_t from, size_t to, const struct mail_flow_ev *ev)
{
	int keep = a->retention > AUDIT_MIN_RETENTION ? a->retention
						      : AUDIT_MIN_RETENTION;
	time_t horizon = c->now - (time_t)keep * 86400, last = 0;
	const char *dom = NULL;
	struct buf all = BUF_INIT(4096);
	char lt[32], ft[32], t[32], date[11];

	for (size_t i = from; i < to; i++) {
		buf_printf(&all, "%s%s", i > from ? ", " : "", d->names[i]);
		if (ev->seen[i] > last) {
			last = ev->seen[i];
			dom = d->names[i];
		}
	}
	time_fmt(ev->first, ft, sizeof(ft));
	if (last == 0) {
		time_fmt(ev->read_all ? ev->first : ev->read_back, t,
			 sizeof(t));
		check_emit_app(
		    c, a, ST_UNKNOWN,
		    "route the mail of the application's domains through "
		    "govsec-milter (docs/mail.md), correct its registered "
		    "domains, or record a person's verdict (govsec attest "
		    "MAIL-3)",
		    "govsec-milter has recorded no mail of '%s' (domains %s) "
		    "since %s",
		    a->name, all.data != NULL ? all.data : "(none)", t);
		buf_cleanup(&all);
		return;
	}
	time_fmt(last, lt, sizeof(lt));
	time_fmt_date(last + CHECK_UTC_OFFSET, date, sizeof(date));
	c->obs = date;
	if (c->now - last > (time_t)c->o->mail_flow_stale_days * 86400) {
		check_emit_app(c, a, ST_FAIL,
			       "start govsec-milter and route the "
			       "application's mail through it (docs/mail.md)",
			       "govsec-milter has recorded no mail of '%s' "
			       "(%s) since %s, more than %d days ago ([check] "
			       "mail_flow_stale_days): the milter is down or "
			       "the mail bypasses it",
			       a->name, dom, lt, c->o->mail_flow_stale_days);
	} else if (ev->stop_at >= horizon && ev->stop_at != 0) {
		time_fmt(ev->stop_at, t, sizeof(t));
		check_emit_app(c, a, ST_FAIL, KEEP_FIX,
			       "mail of '%s' (%s) is recorded until %s, but "
			       "the records start at %s: the record of a stop "
			       "the audit chain holds from %s is gone, though "
			       "younger than the %d days the logs are kept "
			       "(SEC-5)",
			       a->name, dom, lt, ft, t, keep);
	} else if (ev->prune_at != 0 &&
		   ev->prune_at - (time_t)ev->prune_days * 86400 > horizon) {
		time_fmt(ev->prune_at, t, sizeof(t));
		check_emit_app(c, a, ST_FAIL, KEEP_FIX,
			       "mail of '%s' (%s) is recorded until %s, but "
			       "the prune of %s kept only %d days, fewer than "
			       "the %d days the logs are kept (SEC-5)",
			       a->name, dom, lt, t, ev->prune_days, keep);
	} else if (ev->keep_days < keep) {
		check_emit_app(c, a, ST_FAIL,
			       "set govsec audit retention to the days the "
			       "logs are kept",
			       "mail of '%s' (%s) is recorded until %s, but "
			       "govsec mail prune keeps the records %d days, "
			       "fewer than the %d days the logs are kept "
			       "(SEC-5)",
			       a->name, dom, lt, ev->keep_days, keep);
	} else if (ev->first <= horizon) {
		check_emit_app(c, a, ST_PASS, NULL,
			       "govsec-milter records the mail of '%s' (%s): "
			       "last record %s; records since %s, kept %d "
			       "days (SEC-5: %d)",
			       a->name, dom, lt, ft, ev->keep_days, keep);
	} else {
		check_emit_app(c, a, ST_PASS, NULL,
			       "govsec-milter records the mail of '%s' (%s): "
			       "last record %s; records since %s (less than "
			       "the %d days SEC-5 keeps: the milter started "
			       "then), kept %d days",
			       a->name, dom, lt, ft, keep, ev->keep_days);
	}
	c->obs = NULL;
	buf_cleanup(&all);
}

void
rule_mail_flow(struct check_ctx *c)
{
	struct flow_doms d;
	struct mail_flow_ev ev;
	struct err e;
	size_t *from;
	int keep = AUDIT_MIN_RETENTION;
	char key[512];

	memset(&d, 0, sizeof(d));
	from = xcalloc(c->m->napps + 1, sizeof(*from));
	for (size_t i = 0; i < c->m->napps; i++) {
		const struct m_app *a = &c->m->apps[i];

		from[i] = d.n;
		if (a->kind != APP_EMAIL || !app_live(a) ||
		    !check_wants(c, a->unit))
			continue;
		flow_app_doms(&d, a);
		if (a->retention > keep)
			keep = a->retention;
	}
	from[c->m->napps] = d.n;
	if (c->st == NULL ||
	    mail_flow_evidence(c->st, (const char *const *)d.names, d.group,
			       d.n, c->now - (time_t)keep * 86400,
			       FLOW_SCAN_MAX, &ev, &e) < 0) {
		if (c->st != NULL)
			log_warn("check: mail-flow records not read: %s",
				 e.msg);
		goto done;
	}
	/* No record at all: attestations judge it, as before. */
	if (ev.first != 0) {
		for (size_t i = 0; i < c->m->napps; i++) {
			struct m_app *a = &c->m->apps[i];

			if (a->kind != APP_EMAIL || !app_live(a) ||
			    !check_wants(c, a->unit))
				continue;
			flow_judge(c, a, &d, from[i], from[i + 1], &ev);
			if (str_fmt(key, sizeof(key), "%s\t%s",
				    c->rule->requirement, a->id) >= 0)
				map_put(&c->judged, key, 1, NULL);
		}
		/* every unit's e-mail systems judged by the records */
		map_put(&c->judged, c->rule->requirement, 1, NULL);
	}
	mail_flow_ev_cleanup(&ev);
done:
	free(from);
	flow_doms_free(&d);
}
