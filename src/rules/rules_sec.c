/*
 * rules_sec.c: rules of "Network and data security" in REQUIREMENTS.md
 * decided from declarations in the registry: SEC-1..5, OUT-1..4 and
 * AUTH-1..4. Declarations are evidence of intent; the gate's live policy
 * is stronger evidence where an application is protected by it.
 */
#include <stdlib.h>
#include <string.h>

#include "gate/gate.h"
#include "rules/internal.h"

static long
days_between(const char *from, const char *to)
{
	time_t a, b;

	if (time_parse(from, &a) < 0 || time_parse(to, &b) < 0)
		return 0;
	return (long)((b - a) / 86400);
}

/* Why MLPS level 3 applies to a, or NULL if it does not (SEC-1). */
static const char *
level3_reason(const struct m_app *a)
{
	const struct m_unit *u = a->u;

	if (a->critical == 1)
		return "it is critical information infrastructure";
	if (a->kind == APP_EMAIL)
		return "it is an Internet e-mail system";
	if (a->important == 1)
		return "it carries important business applications";
	if (a->kind == APP_PORTAL && unit_is_organ(u) &&
	    (strcmp(u->level, "central") == 0 ||
	     strcmp(u->level, "provincial") == 0 ||
	     strcmp(u->level, "prefecture") == 0))
		return "it is the portal of an organ at prefecture level or "
		       "above";
	return NULL;
}

void
rule_sec_mlps(struct check_ctx *c)
{
	for (size_t i = 0; i < c->m->napps; i++) {
		struct m_app *a = &c->m->apps[i];
		const char *why;

		if (!app_open(c, a) || a->u == NULL || !check_wants(c, a->unit))
			continue;
		why = level3_reason(a);
		if (why == NULL && a->mlps > 0)
			check_emit_app(c, a, ST_NA, NULL,
				       "level 3 is not required; declared "
				       "level %d",
				       a->mlps);
		else if (why == NULL)
			check_emit_app(c, a, ST_NA, NULL,
				       "level 3 is not required");
		else if (a->mlps >= 3)
			check_emit_app(c, a, ST_PASS, NULL,
				       "level %d protected; level 3 is "
				       "required because %s",
				       a->mlps, why);
		else if (a->mlps > 0)
			check_emit_app(c, a, ST_FAIL,
				       "protect and file the system at MLPS "
				       "level 3 (GB/T 22239-2019)",
				       "protected at level %d, but level 3 is "
				       "required because %s",
				       a->mlps, why);
		else
			check_emit_app(c, a, ST_UNKNOWN,
				       "declare the MLPS level ('mlps_level')",
				       "level 3 is required because %s; no "
				       "level is declared",
				       why);
	}
}

/* The same date a year later ("2024-02-29" -> "2025-02-28") in out. */
static const char *
anniversary(const char *date, char out[11])
{
	long long y;
	char ys[5];

	memcpy(ys, date, 4);
	ys[4] = '\0';
	if (str_to_ll(ys, 1970, 9998, &y) < 0)
		return date;
	if (strlen(date) == 10) { /* YYYY-MM-DD: what str_fmt writes */
		long long n = y + 1;

		for (int k = 3; k >= 0; k--, n /= 10)
			out[k] = (char)('0' + n % 10);
		memcpy(out + 4, date + 4, 7);
	} else
		str_fmt(out, 11, "%04lld%s", y + 1, date + 4);
	if (strcmp(date + 4, "-02-29") == 0)
		str_fmt(out, 11, "%04lld-02-28", y + 1);
	return out;
}

void
rule_sec_assessment(struct check_ctx *c)
{
	char due[11];

	for (size_t i = 0; i < c->m->napps; i++) {
		struct m_app *a = &c->m->apps[i];
		long age;

		if (!app_open(c, a) || !check_wants(c, a->unit))
			continue;
		if (a->last_assessment == NULL) {
			check_emit_app(c, a, ST_UNKNOWN,
				       "record the date of the last security "
				       "assessment ('last_assessment')",
				       "no security assessment is recorded");
			continue;
		}
		age = days_between(a->last_assessment, c->today);
		if (strcmp(c->today, anniversary(a->last_assessment, due)) > 0)
			check_emit_app(c, a, ST_FAIL,
				       "carry out a security assessment now; "
				       "then at least once a year",
				       "last security assessment on %s, %ld "
				       "days ago (more than a year)",
				       a->last_assessment, age);
		else if (a->last_upgrade != NULL &&
			 strcmp(a->last_upgrade, a->last_assessment) > 0)
			check_emit_app(c, a, ST_FAIL,
				       "assess the upgrade before it goes live",
				       "upgraded on %s after the last security "
				       "assessment on %s",
				       a->last_upgrade, a->last_assessment);
		else
			check_emit_app(c, a, ST_PASS, NULL,
				       "last security assessment on %s (%ld "
				       "days ago)",
				       a->last_assessment, age);
	}
}

/* The prefix length of a CIDR segment (validated on input), -1 if none. */
static long long
prefix_len(const char *cidr)
{
	const char *slash = strrchr(cidr, '/');
	long long n;

	if (slash == NULL || str_to_ll(slash + 1, 0, 128, &n) < 0)
		return -1;
	return n;
}

/* The public addresses a list of declared segments covers (validated on
 * input; bits past the length count as zero; internal ranges are no
 * exposure to the Internet); 0, or -1 if one cannot be read. */
static int
segments_cover(json_t *list, struct gate_cover *cv)
{
	const char **v = xcalloc(json_array_size(list) + 1, sizeof(*v));
	size_t k, n = 0;
	json_t *p;
	struct err e;
	int rc;

	json_array_foreach(list, k, p) if (json_string_value(p) != NULL)
	    v[n++] = json_string_value(p);
	rc =
	    gate_cover_list(v, n, GATE_COVER_LOOSE | GATE_COVER_PUBLIC, cv, &e);
	free(v);
	return rc;
}

/* SEC-3 and SEC-4 cover staff functions and e-mail: 1 yes, 0 no, -1 ? */
static int
staff_scope(const struct m_app *a)
{
	if (a->kind == APP_EMAIL)
		return 1;
	return a->staff;
}

/* segments_cover of the same list text, once per check: many applications
 * declare the same segments */
struct cover_memo {
	struct map idx; /* ip_segments text -> index */
	struct gate_cover *cv;
	int *rc;
	size_t n, cap;
};

static int
cover_of(struct cover_memo *mm, const char *text, json_t *list,
	 struct gate_cover *cv)
{
	long long i;

	if (text == NULL)
		return segments_cover(list, cv);
	if (map_get(&mm->idx, text, &i) < 0) {
		if (mm->n == mm->cap) {
			mm->cap = mm->cap ? 2 * mm->cap : 64;
			mm->cv = xrealloc(mm->cv, mm->cap * sizeof(*mm->cv));
			mm->rc = xrealloc(mm->rc, mm->cap * sizeof(*mm->rc));
		}
		i = (long long)mm->n++;
		mm->rc[i] = segments_cover(list, &mm->cv[i]);
		map_put(&mm->idx, text, i, NULL);
	}
	*cv = mm->cv[i];
	return mm->rc[i];
}

void
rule_sec_staff_access(struct check_ctx *c)
{
	struct cover_memo mm = {0};

	map_init(&mm.idx);
	for (size_t i = 0; i < c->m->napps; i++) {
		struct m_app *a = &c->m->apps[i];
		struct buf segs = BUF_INIT(8192);
		json_t *list, *p;
		size_t k;
		int open_all = 0, wide = 0, scope = staff_scope(a);
		struct gate_cover cv;

		if (!app_open(c, a) || !check_wants(c, a->unit))
			continue;
		if (scope == 0) {
			check_emit_app(c, a, ST_NA, NULL,
				       "no functions for unit staff");
			continue;
		}
		if (scope < 0) {
			check_emit_app(c, a, ST_UNKNOWN,
				       "declare 'staff_functions'",
				       "whether it has functions for unit "
				       "staff is not declared");
			continue;
		}
		list = check_json_list(a->ip_segments);
		json_array_foreach(list, k,
				   p) if (prefix_len(json_string_value(p)) == 0)
		    open_all = 1;
		/* judged by what the segments add up to, not their spelling */
		if (!open_all && cover_of(&mm, a->ip_segments, list, &cv) == 0)
			wide = cv.v4 >= 0 && cv.v4 < c->o->segment_prefix4 ? 4
			       : cv.v6 >= 0 && cv.v6 < c->o->segment_prefix6
				   ? 6
				   : 0;
		if (check_emits(c, open_all || wide ? ST_FAIL : ST_PASS))
			json_array_foreach(list, k, p) buf_printf(
			    &segs, "%s%s", k ? ", " : "", json_string_value(p));
		if (open_all)
			check_emit_app(c, a, ST_FAIL,
				       "replace the catch-all segment with the "
				       "unit's own address segments",
				       "IP segments include a catch-all /0 "
				       "(%s), which restricts nothing",
				       segs.data);
		else if (wide == 4)
			check_emit_app(
			    c, a, ST_FAIL,
			    "declare only the unit's own address "
			    "segments",
			    "IP segments (%s) together cover as "
			    "many public IPv4 addresses as a /%d, more "
			    "than a /%d ([check] "
			    "max_segment_prefix4)",
			    segs.data, cv.v4, c->o->segment_prefix4);
		else if (wide == 6)
			check_emit_app(
			    c, a, ST_FAIL,
			    "declare only the unit's own address "
			    "segments",
			    "IP segments (%s) together cover as "
			    "many public IPv6 addresses as a /%d, more "
			    "than a /%d ([check] "
			    "max_segment_prefix6)",
			    segs.data, cv.v6, c->o->segment_prefix6);
		else if (list != NULL && json_array_size(list) > 0)
			check_emit_app(c, a, ST_PASS, NULL,
				       "staff access limited to %s%s",
				       segs.data,
				       a->devrestrict == 1 ? " and to "
							     "registered "
							     "devices"
							   : "");
		else if (a->devrestrict == 1)
			check_emit_app(c, a, ST_PASS, NULL,
				       "staff access limited to registered "
				       "devices");
		else if (list == NULL && a->devrestrict < 0)
			check_emit_app(c, a, ST_UNKNOWN,
				       "declare 'security.ip_segments' or "
				       "'security.device_restriction'",
				       "no IP segment or device restriction "
				       "is declared");
		else
			check_emit_app(
			    c, a, ST_FAIL,
			    "restrict staff functions to the unit's "
			    "IP segments or registered devices (govsec "
			    "gate)",
			    "staff functions are reachable from any "
			    "address and any device");
		json_decref(list);
		buf_cleanup(&segs);
	}
	map_cleanup(&mm.idx);
	free(mm.cv);
	free(mm.rc);
}

void
rule_sec_overseas(struct check_ctx *c)
{
	for (size_t i = 0; i < c->m->napps; i++) {
		struct m_app *a = &c->m->apps[i];
		json_t *list, *w;
		size_t k;
		int current = 0, bad = 0, scope = staff_scope(a);
		char now[32];

		if (!app_open(c, a) || !check_wants(c, a->unit) || scope == 0)
			continue;
		if (a->overseas == 0) {
			check_emit_app(c, a, ST_PASS, NULL,
				       "overseas access is closed");
			continue;
		}
		if (a->overseas < 0) {
			check_emit_app(c, a, ST_UNKNOWN,
				       "declare 'security.overseas_access'",
				       "whether overseas access is open is not "
				       "declared");
			continue;
		}
		list = check_json_list(a->whitelist);
		if (list == NULL || json_array_size(list) == 0) {
			check_emit_app(c, a, ST_FAIL,
				       "close overseas access, or open it only "
				       "for whitelisted accounts or devices in "
				       "set time windows",
				       "overseas access is open without a "
				       "whitelist");
			json_decref(list);
			continue;
		}
		str_fmt(now, sizeof(now), "%sT00:00:00Z", c->today);
		json_array_foreach(list, k, w)
		{
			const char *acc =
			    json_string_value(json_object_get(w, "account"));
			const char *dev =
			    json_string_value(json_object_get(w, "device"));
			const char *from =
			    json_string_value(json_object_get(w, "from"));
			const char *until =
			    json_string_value(json_object_get(w, "until"));
			time_t tf, tu, tn = c->o->now ? c->o->now : time_now();

			if (from == NULL || until == NULL ||
			    time_parse(from, &tf) < 0 ||
			    time_parse(until, &tu) < 0)
				continue;
			if (acc == NULL && dev == NULL) {
				check_emit_app(c, a, ST_FAIL,
					       "name the account or the device "
					       "of every whitelist entry",
					       "whitelist entry %zu names no "
					       "account and no device",
					       k);
				bad = 1;
				break;
			}
			if (tu <= tf) {
				check_emit_app(c, a, ST_FAIL,
					       "give the entry a window that "
					       "ends after it starts",
					       "whitelist entry %zu ends (%s) "
					       "before it starts (%s)",
					       k, until, from);
				bad = 1;
				break;
			}
			if (tf <= tn && tn < tu)
				current++;
			/* held to the limit of the gate's entries */
			if (tu > tn &&
			    whitelist_days(tf, tu) > c->o->whitelist_max_days) {
				check_emit_app(c, a, ST_FAIL,
					       "end the entry with the trip it "
					       "is for",
					       "whitelist entry %zu (%s to %s) "
					       "opens overseas access for %lld "
					       "days, more than %d ([check] "
					       "whitelist_max_days)",
					       k, from, until,
					       whitelist_days(tf, tu),
					       c->o->whitelist_max_days);
				bad = 1;
				break;
			}
		}
		if (!bad)
			check_emit_app(c, a, ST_PASS, NULL,
				       "overseas access by whitelist only: %zu "
				       "entries, %d open now",
				       json_array_size(list), current);
		json_decref(list);
	}
}

void
rule_sec_logs(struct check_ctx *c)
{
	for (size_t i = 0; i < c->m->napps; i++) {
		struct m_app *a = &c->m->apps[i];

		if (!app_open(c, a) || !check_wants(c, a->unit))
			continue;
		if (a->retention < 0)
			check_emit_app(c, a, ST_UNKNOWN,
				       "declare 'security.log_retention_days'",
				       "log retention is not declared");
		else if (a->retention < 365)
			check_emit_app(c, a, ST_FAIL,
				       "keep firewall, host, access and "
				       "database logs at least 365 days",
				       "logs are kept %d days, less than a "
				       "year",
				       a->retention);
		else if (a->backup == 0)
			check_emit_app(c, a, ST_FAIL,
				       "back the logs up regularly",
				       "logs are kept %d days but not backed "
				       "up",
				       a->retention);
		else if (a->backup < 0)
			check_emit_app(c, a, ST_UNKNOWN,
				       "declare 'security.log_backup'",
				       "logs are kept %d days; backup is not "
				       "declared",
				       a->retention);
		else
			check_emit_app(c, a, ST_PASS, NULL,
				       "logs kept %d days and backed up",
				       a->retention);
	}
}

void
rule_out_contract(struct check_ctx *c)
{
	for (size_t i = 0; i < c->m->noutsourcers; i++) {
		struct m_outsourcer *o = &c->m->outsourcers[i];

		if (!check_wants(c, o->unit))
			continue;
		if (o->duties == 1)
			check_emit(c, ST_PASS, "outsourcer", o->id, o->unit,
				   NULL,
				   "the contract with '%s' fixes its security "
				   "duties",
				   o->name);
		else if (o->duties == 0)
			check_emit(c, ST_FAIL, "outsourcer", o->id, o->unit,
				   "add network and data security duties "
				   "(protection, incident response, regular "
				   "assessment and audit) to the contract",
				   "the contract with '%s' fixes no security "
				   "duties",
				   o->name);
		else
			check_emit(c, ST_UNKNOWN, "outsourcer", o->id, o->unit,
				   "declare 'security_duties'",
				   "whether the contract with '%s' fixes "
				   "security duties is not declared",
				   o->name);
	}
}

void
rule_out_subcontract(struct check_ctx *c)
{
	for (size_t i = 0; i < c->m->noutsourcers; i++) {
		struct m_outsourcer *o = &c->m->outsourcers[i];

		if (!check_wants(c, o->unit))
			continue;
		if (o->consent == 1)
			check_emit(c, ST_PASS, "outsourcer", o->id, o->unit,
				   NULL,
				   "'%s' may subcontract only with the unit's "
				   "consent",
				   o->name);
		else if (o->consent == 0)
			check_emit(c, ST_FAIL, "outsourcer", o->id, o->unit,
				   "require the unit's written consent for "
				   "any subcontracting and data use",
				   "'%s' may subcontract without the unit's "
				   "consent",
				   o->name);
		else
			check_emit(c, ST_UNKNOWN, "outsourcer", o->id, o->unit,
				   "declare 'subcontract_consent'",
				   "whether '%s' needs consent to "
				   "subcontract is not declared",
				   o->name);
	}
}

static int
outsourced(const struct m_grant *g)
{
	return g->p != NULL && strcmp(g->p->kind, "outsourced") == 0;
}

void
rule_out_highest_admin(struct check_ctx *c)
{
	for (size_t i = 0; i < c->m->ngrants; i++) {
		struct m_grant *g = &c->m->grants[i];
		const struct m_person *by = g->auth;
		const char *unit = g->owner;
		const struct m_outsourcer *os =
		    g->p != NULL ? model_outsourcer(c->m, g->p->outsourcer)
				 : NULL;

		if (strcmp(g->privilege, "highest_admin") != 0 ||
		    g->active == 0 || !check_wants(c, unit))
			continue;
		if (!outsourced(g) && g->p != NULL && unit != NULL &&
		    strcmp(g->p->unit, unit) != 0)
			check_emit(c, ST_FAIL, "grant", g->id, unit,
				   "give the highest admin rights to the "
				   "owning unit's own staff",
				   "highest admin rights on '%s' are held by "
				   "'%s', staff of another unit (%s)",
				   g->scope, g->person, g->p->unit);
		else if (!outsourced(g))
			check_emit(c, ST_PASS, "grant", g->id, unit, NULL,
				   "highest admin rights on '%s' held by "
				   "in-house staff '%s'",
				   g->scope, g->person);
		else if (g->authorizer == NULL && g->authorized_by == NULL)
			check_emit(c, ST_FAIL, "grant", g->id, unit,
				   "withdraw the grant, or record who of the "
				   "unit authorised it ('authorizer'); highest "
				   "admin rights stay with in-house staff",
				   "outsourced '%s' holds highest admin rights "
				   "on '%s' without authorization",
				   g->person, g->scope);
		else if (by == NULL && g->authorizer == NULL && os != NULL &&
			 (strcmp(g->authorized_by, os->id) == 0 ||
			  strstr(g->authorized_by, os->name) != NULL))
			check_emit(c, ST_FAIL, "grant", g->id, unit,
				   "have a person of the unit authorise the "
				   "grant, or withdraw it",
				   "outsourced '%s' holds highest admin rights "
				   "on '%s' on the authority of '%s', which "
				   "names its own outsourcing unit '%s'",
				   g->person, g->scope, g->authorized_by,
				   os->name);
		else if (by == NULL)
			check_emit(c, ST_UNKNOWN, "grant", g->id, unit,
				   "record the authoriser as a registered "
				   "person ('authorizer': the person's id)",
				   "outsourced '%s' holds highest admin rights "
				   "on '%s', authorized by '%s', who is no "
				   "registered person: whether the authoriser "
				   "is of the unit cannot be told",
				   g->person, g->scope,
				   g->authorizer ? g->authorizer
						 : g->authorized_by);
		else if (by == g->p)
			check_emit(c, ST_FAIL, "grant", g->id, unit,
				   "have a person of the unit authorise the "
				   "grant, or withdraw it",
				   "outsourced '%s' holds highest admin rights "
				   "on '%s' on the authority of '%s', the "
				   "grantee itself",
				   g->person, g->scope, by->id);
		else if (strcmp(by->kind, "outsourced") == 0)
			check_emit(c, ST_FAIL, "grant", g->id, unit,
				   "have a person of the unit authorise the "
				   "grant, or withdraw it",
				   "outsourced '%s' holds highest admin rights "
				   "on '%s' on the authority of '%s' (%s), "
				   "staff of outsourcing unit '%s', not of the "
				   "unit",
				   g->person, g->scope, by->id, by->name,
				   by->outsourcer);
		else if (unit != NULL && strcmp(by->unit, unit) != 0)
			check_emit(c, ST_FAIL, "grant", g->id, unit,
				   "have a person of the unit authorise the "
				   "grant, or withdraw it",
				   "outsourced '%s' holds highest admin rights "
				   "on '%s' on the authority of '%s' (%s), "
				   "staff of another unit (%s)",
				   g->person, g->scope, by->id, by->name,
				   by->unit);
		else
			check_emit(c, ST_PASS, "grant", g->id, unit, NULL,
				   "outsourced '%s' holds highest admin rights "
				   "on '%s', authorized by '%s' (%s), staff of "
				   "the unit",
				   g->person, g->scope, by->id, by->name);
	}
}

/* An expiry further away than this is no expiry (OUT-4). */
#define OUT_EXPIRY_MAX_DAYS (3 * 366)

/* Rank of a privilege, lowest first (the field's enum). */
static int
privilege_rank(const char *p)
{
	static const char *const order[] = {"read", "operate", "admin",
					    "highest_admin"};

	for (size_t k = 0; p != NULL && k < ARRAY_SIZE(order); k++)
		if (strcmp(p, order[k]) == 0)
			return (int)k;
	return -1;
}

void
rule_out_least_privilege(struct check_ctx *c)
{
	char today[11];

	str_copy(today, c->today, sizeof(today));
	for (size_t i = 0; i < c->m->ngrants; i++) {
		struct m_grant *g = &c->m->grants[i];
		const char *unit = g->owner;
		long away = 0;

		if (!outsourced(g) || !check_wants(c, unit))
			continue;
		if (g->expires != NULL)
			away = days_between(today, g->expires);
		if (g->active == 0)
			check_emit(c, ST_PASS, "grant", g->id, unit, NULL,
				   "grant of '%s' to outsourced '%s' has been "
				   "withdrawn",
				   g->scope, g->person);
		else if (g->expires == NULL)
			check_emit(c, ST_FAIL, "grant", g->id, unit,
				   "give the grant an expiry date and the "
				   "least privilege needed",
				   "grant of '%s' (%s) to outsourced '%s' has "
				   "no expiry",
				   g->scope, g->privilege, g->person);
		else if (strcmp(g->expires, today) < 0)
			check_emit(c, ST_FAIL, "grant", g->id, unit,
				   "withdraw the expired grant now",
				   "grant of '%s' (%s) to outsourced '%s' "
				   "expired on %s but is still active",
				   g->scope, g->privilege, g->person,
				   g->expires);
		else if (away > OUT_EXPIRY_MAX_DAYS)
			check_emit(c, ST_FAIL, "grant", g->id, unit,
				   "set the expiry to the end of the work or "
				   "contract, and renew it when needed",
				   "grant of '%s' (%s) to outsourced '%s' "
				   "expires on %s, %ld days away: an expiry "
				   "more than %d days ahead is no expiry",
				   g->scope, g->privilege, g->person,
				   g->expires, away, OUT_EXPIRY_MAX_DAYS);
		else if (g->needed != NULL && privilege_rank(g->privilege) >
						  privilege_rank(g->needed))
			check_emit(c, ST_FAIL, "grant", g->id, unit,
				   "lower the grant to the privilege its scope "
				   "needs",
				   "grant of '%s' to outsourced '%s' gives %s, "
				   "but its scope needs only %s",
				   g->scope, g->person, g->privilege,
				   g->needed);
		else if (g->needed != NULL)
			check_emit(c, ST_PASS, "grant", g->id, unit, NULL,
				   "grant of '%s' (%s, as its scope needs) to "
				   "outsourced '%s' expires on %s",
				   g->scope, g->privilege, g->person,
				   g->expires);
		else
			check_emit(c, ST_UNKNOWN, "grant", g->id, unit,
				   "declare the privilege the grant's scope "
				   "needs ('needed_privilege')",
				   "grant of '%s' (%s) to outsourced '%s' "
				   "expires on %s; whether %s is the least "
				   "privilege its scope needs is not declared",
				   g->scope, g->privilege, g->person,
				   g->expires, g->privilege);
	}
}

/* AUTH-1..4 apply where the application touches personal or property
 * safety or the public interest: returns 1 to go on and judge. */
static int
auth_applies(struct check_ctx *c, struct m_app *a)
{
	if (!app_open(c, a) || !check_wants(c, a->unit) || a->kind == APP_ACCOUNT)
		return 0;
	if (a->personal == 0) {
		check_emit_app(c, a, ST_NA, NULL,
			       "does not touch personal or property safety "
			       "or the public interest");
		return 0;
	}
	if (a->personal < 0) {
		check_emit_app(c, a, ST_UNKNOWN, "declare 'personal_safety'",
			       "whether it touches personal or property "
			       "safety is not declared");
		return 0;
	}
	return 1;
}

void
rule_auth_mfa(struct check_ctx *c)
{
	for (size_t i = 0; i < c->m->napps; i++) {
		struct m_app *a = &c->m->apps[i];

		if (!auth_applies(c, a))
			continue;
		if (a->mfa == 1)
			check_emit_app(c, a, ST_PASS, NULL,
				       "logins use two or more factors");
		else if (a->mfa == 0)
			check_emit_app(
			    c, a, ST_FAIL,
			    "require a second factor (TOTP, SMS code "
			    "or e-certificate) at login",
			    "logins use a single factor");
		else
			check_emit_app(c, a, ST_UNKNOWN,
				       "declare 'security.mfa'",
				       "multi-factor login is not declared");
	}
}

void
rule_auth_idle(struct check_ctx *c)
{
	int max = c->o->idle_max_minutes;

	for (size_t i = 0; i < c->m->napps; i++) {
		struct m_app *a = &c->m->apps[i];

		if (!auth_applies(c, a))
			continue;
		if (a->idle < 0)
			check_emit_app(
			    c, a, ST_UNKNOWN,
			    "declare 'security.idle_timeout_minutes'",
			    "idle timeout is not declared");
		else if (a->idle == 0)
			check_emit_app(c, a, ST_FAIL,
				       "end sessions after a period of "
				       "inactivity",
				       "sessions never time out");
		else if (a->idle > max)
			check_emit_app(c, a, ST_FAIL,
				       "shorten the idle timeout",
				       "idle timeout of %d minutes is longer "
				       "than the %d-minute limit",
				       a->idle, max);
		else
			check_emit_app(c, a, ST_PASS, NULL,
				       "sessions end after %d idle minutes",
				       a->idle);
	}
}

void
rule_auth_lockout(struct check_ctx *c)
{
	int max = c->o->lockout_max;

	for (size_t i = 0; i < c->m->napps; i++) {
		struct m_app *a = &c->m->apps[i];

		if (!auth_applies(c, a))
			continue;
		if (a->lockout < 0)
			check_emit_app(c, a, ST_UNKNOWN,
				       "declare 'security.lockout_threshold'",
				       "login lockout is not declared");
		else if (a->lockout == 0)
			check_emit_app(c, a, ST_FAIL,
				       "lock the account after repeated failed "
				       "logins",
				       "failed logins are never locked out");
		else if (a->lockout > max)
			check_emit_app(c, a, ST_FAIL,
				       "lower the lockout threshold",
				       "lockout after %d failures allows more "
				       "guessing than the limit of %d",
				       a->lockout, max);
		else
			check_emit_app(c, a, ST_PASS, NULL,
				       "accounts lock after %d failed logins",
				       a->lockout);
	}
}

void
rule_auth_device(struct check_ctx *c)
{
	for (size_t i = 0; i < c->m->napps; i++) {
		struct m_app *a = &c->m->apps[i];

		if (!auth_applies(c, a))
			continue;
		if (a->devbind == 1)
			check_emit_app(c, a, ST_PASS, NULL,
				       "accounts can be bound to devices");
		else if (a->devbind == 0)
			check_emit_app(c, a, ST_FAIL,
				       "bind accounts to registered devices "
				       "(govsec gate)",
				       "accounts are not bound to devices");
		else
			check_emit_app(c, a, ST_UNKNOWN,
				       "declare 'security.device_binding'",
				       "device binding is not declared");
	}
}
