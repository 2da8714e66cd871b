/*
 * rules_mail.c: rules of "E-mail" in REQUIREMENTS.md (MAIL-1, MAIL-2) for
 * e-mail systems. The evidence is the newest `govsec mail audit` recorded
 * for the application within a year (src/mail/mailaudit.c: what Postfix,
 * Dovecot, users' Sieve scripts and Roundcube are configured to do);
 * without one, what the registry declares.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

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

		if (a->kind != APP_EMAIL || !app_open(a) ||
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
