/*
 * rules_gate.c: SEC-3, SEC-4 and AUTH-1..4 decided from evidence of
 * enforcement for applications the govsec gate protects. It reads the
 * gate's tables in the store (the live policy, per-rule decision counters,
 * gate users, the settings a running gate records); it never calls the
 * gate. An application is protected when a rule of the live policy names
 * one of its domains in "hosts" and the gate has decided requests by such a
 * rule. Protected applications are judged here; all others are left to the
 * declaration rules of rules_sec.c. The store is trusted; the policy
 * document is parsed defensively anyway.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rules/internal.h"

struct gate_ev {
	json_t *doc, *rules, *nets, *wl;
	struct map decided; /* rule name -> decisions counted */
	long long idle, attempts, users, bound, totp;
	int started;
};

/*
 * Whitelist entries not yet expired that last longer than the check's
 * limit (SEC-4: "for specific time periods"), named with their days into
 * b; their number. Entries the gate refused to store cannot be here.
 */
static int
long_whitelist(const struct check_ctx *c, const struct gate_ev *ev,
	       struct buf *b)
{
	size_t i;
	json_t *w;
	int n = 0;

	json_array_foreach(ev->wl, i, w)
	{
		const char *name =
		    json_string_value(json_object_get(w, "name"));
		time_t from, until;
		long long days;

		if (time_parse(json_string_value(json_object_get(w, "from")),
			       &from) < 0 ||
		    time_parse(json_string_value(json_object_get(w, "until")),
			       &until) < 0 ||
		    until <= c->now)
			continue;
		days = ((long long)until - from + 86399) / 86400;
		if (days <= c->o->whitelist_max_days)
			continue;
		buf_printf(b, "%s'%s' (%lld days)", n > 0 ? ", " : "",
			   name != NULL ? name : "?", days);
		n++;
	}
	return n;
}

static int
decided_row(void *arg, struct store_row *r)
{
	struct map *m = arg;
	const char *name = store_row_text(r, 0);

	if (name != NULL)
		map_put(m, name, store_row_int(r, 1), NULL);
	return 0;
}

static long long
setting_int(struct store *st, const char *key)
{
	char *s = store_setting_get(st, key);
	long long n = -1;

	if (s == NULL || str_to_ll(s, 0, 1LL << 40, &n) < 0)
		n = -1;
	free(s);
	return n;
}

/* Loads the evidence; 0 if there is a gate to speak of, -1 if not. */
static int
ev_load(struct check_ctx *c, struct gate_ev *ev)
{
	char *doc, *started;

	memset(ev, 0, sizeof(*ev));
	map_init(&ev->decided);
	if (c->st == NULL || store_version(c->st) < 2)
		return -1;
	started = store_setting_get(c->st, "gate.started");
	ev->started = started != NULL;
	free(started);
	doc = store_query_text(
	    c->st, "SELECT doc FROM gate_policy WHERE id = 1", NULL, 0);
	if (doc == NULL || !ev->started) {
		free(doc);
		return -1;
	}
	ev->doc = json_loads(doc, 0, NULL);
	free(doc);
	ev->rules = json_object_get(ev->doc, "rules");
	ev->nets = json_object_get(ev->doc, "networks");
	ev->wl = json_object_get(ev->doc, "whitelist");
	if (!json_is_array(ev->rules))
		return -1;
	if (store_query(c->st,
			"SELECT rule, allows + denies FROM gate_rule_stats",
			NULL, 0, decided_row, &ev->decided, NULL) < 0)
		return -1;
	ev->idle = setting_int(c->st, "gate.session_idle");
	ev->attempts = setting_int(c->st, "gate.login_attempts");
	ev->users = store_query_int(c->st, "SELECT count(*) FROM gate_users",
				    NULL, 0, 0);
	ev->bound = store_query_int(
	    c->st, "SELECT count(*) FROM gate_users WHERE bound = 1", NULL, 0,
	    0);
	ev->totp = store_query_int(c->st,
				   "SELECT count(*) FROM gate_users u WHERE "
				   "totp_secret IS NOT NULL OR EXISTS (SELECT "
				   "1 FROM gate_webauthn w WHERE w.user = "
				   "u.name)",
				   NULL, 0, 0);
	return 0;
}

static void
ev_free(struct gate_ev *ev)
{
	json_decref(ev->doc);
	map_cleanup(&ev->decided);
}

static int
host_is(const char *pattern, const char *host)
{
	if (pattern[0] == '*' && pattern[1] == '.') {
		size_t hl = strlen(host), sl = strlen(pattern + 1);

		return hl > sl && !strcasecmp(host + hl - sl, pattern + 1);
	}
	return !strcasecmp(pattern, host);
}

/* 1 if rule r names a domain of a in its hosts; 0 if it has hosts but not
 * these; -1 if it has no hosts (applies to every host). */
static int
rule_names_app(json_t *r, const struct m_app *a)
{
	json_t *hosts = json_object_get(r, "hosts"), *h;
	size_t k;

	if (!json_is_array(hosts))
		return -1;
	json_array_foreach(hosts, k, h)
	{
		const char *p = json_string_value(h);

		for (int d = 0; p != NULL && d < a->ndomains; d++)
			if (host_is(p, a->domains[d].name) ||
			    host_is(p, a->domains[d].unicode))
				return 1;
	}
	return 0;
}

/* 1 if the gate enforces for a: a rule names its host and has decided. */
static int
protected_app(struct gate_ev *ev, const struct m_app *a)
{
	json_t *r;
	size_t i;

	json_array_foreach(ev->rules, i, r)
	{
		const char *name =
		    json_string_value(json_object_get(r, "name"));
		long long n;

		if (name != NULL && rule_names_app(r, a) == 1 &&
		    map_get(&ev->decided, name, &n) == 0 && n > 0)
			return 1;
	}
	return 0;
}

static const char *
action_of(json_t *r)
{
	const char *s = json_string_value(json_object_get(r, "action"));

	return s != NULL ? s : "deny";
}

/* 1 if the list key of r has an entry without "!" */
static int
has_include(json_t *r, const char *key)
{
	json_t *l = json_object_get(r, key), *x;
	size_t k;

	json_array_foreach(l, k, x)
	{
		const char *s = json_string_value(x);

		if (s != NULL && s[0] != '!')
			return 1;
	}
	return 0;
}

/* 1 if a named set has a catch-all prefix (/0). */
static int
set_catch_all(struct gate_ev *ev, const char *name)
{
	json_t *l = json_object_get(ev->nets, name), *x;
	size_t k;

	json_array_foreach(l, k, x)
	{
		const char *s = json_string_value(x);

		if (s != NULL && s[0] != '!' && str_ends(s, "/0"))
			return 1;
	}
	return 0;
}

/* 1 if the prefix s ("ADDR/LEN" or an address) lies inside one of the
 * internal ranges (RFC 1918, loopback, ULA, link-local). */
static int
prefix_internal(const char *s)
{
	static const struct {
		const char *start;
		int min; /* shortest prefix length that stays inside */
	} internal[] = {{"10.", 8}, {"192.168.", 16}, {"127.", 8}, {"fc", 7},
			{"fd", 8},  {"fe80:", 10},    {"::1", 128}};
	const char *slash = strchr(s, '/');
	long long len = strchr(s, ':') != NULL ? 128 : 32;

	if (slash != NULL && str_to_ll(slash + 1, 0, 128, &len) < 0)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(internal); i++)
		if (str_starts(s, internal[i].start))
			return len >= internal[i].min;
	if (str_starts(s, "172.")) {
		char oct[4];
		size_t d = strcspn(s + 4, ".");
		long long n;

		if (d == 0 || d >= sizeof(oct))
			return 0;
		memcpy(oct, s + 4, d);
		oct[d] = '\0';
		return str_to_ll(oct, 16, 31, &n) == 0 && len >= 12;
	}
	return 0;
}

/* 1 if every prefix of a named set is internal (cannot be overseas). */
static int
set_internal(struct gate_ev *ev, const char *name)
{
	json_t *l = json_object_get(ev->nets, name), *x;
	size_t k;

	if (!json_is_array(l))
		return 0;
	json_array_foreach(l, k, x)
	{
		const char *s = json_string_value(x);

		if (s == NULL)
			return 0;
		if (s[0] != '!' && !prefix_internal(s))
			return 0;
	}
	return 1;
}

/* 1 if the include sets of r restrict addresses (none is a catch-all). */
static int
net_restricted(struct gate_ev *ev, json_t *r, int internal_only)
{
	json_t *l = json_object_get(r, "networks"), *x;
	size_t k;
	int any = 0;

	json_array_foreach(l, k, x)
	{
		const char *s = json_string_value(x);

		if (s == NULL || s[0] == '!')
			continue;
		any = 1;
		if (set_catch_all(ev, s) ||
		    (internal_only && !set_internal(ev, s)))
			return 0;
	}
	return any;
}

/* 1 if the countries of r admit only China (CN). */
static int
domestic_only(json_t *r)
{
	json_t *l = json_object_get(r, "countries"), *x;
	size_t k;
	int cn = 0;

	json_array_foreach(l, k, x)
	{
		const char *s = json_string_value(x);

		if (s == NULL)
			return 0;
		if (s[0] == '!')
			continue;
		if (strcmp(s, "CN") != 0)
			return 0;
		cn = 1;
	}
	return cn;
}

/* 1 if r has no condition but its hosts (matches the whole host). */
static int
catch_all(json_t *r)
{
	const char *k;
	json_t *v;

	json_object_foreach(r, k, v)
	{
		if (strcmp(k, "name") != 0 && strcmp(k, "hosts") != 0 &&
		    strcmp(k, "action") != 0 && strcmp(k, "comment") != 0 &&
		    strcmp(k, "background") != 0)
			return 0;
	}
	return 1;
}

enum check { C_SEC3, C_SEC4, C_AUTH1, C_AUTH2, C_AUTH3, C_AUTH4 };

/* Judges a protected application for one requirement. */
static void
judge(struct check_ctx *c, struct gate_ev *ev, struct m_app *a, enum check what)
{
	struct buf bad = BUF_INIT(4096), wl = BUF_INIT(4096);
	json_t *r;
	size_t i;
	int allowing = 0, nbad = 0, twofa = 0, nlong;

	json_array_foreach(ev->rules, i, r)
	{
		const char *name =
		    json_string_value(json_object_get(r, "name"));
		const char *act = action_of(r);
		int ok = 1;

		if (rule_names_app(r, a) == 1 && !strcmp(act, "deny") &&
		    catch_all(r))
			break; /* nothing after it is reachable for a */
		if (rule_names_app(r, a) == 0 || !strcmp(act, "deny"))
			continue;
		allowing++;
		switch (what) {
		case C_SEC3:
			ok = net_restricted(ev, r, 0) ||
			     has_include(r, "devices") ||
			     json_is_true(json_object_get(r, "whitelist"));
			break;
		case C_SEC4:
			ok = domestic_only(r) || net_restricted(ev, r, 1) ||
			     json_is_true(json_object_get(r, "whitelist"));
			break;
		case C_AUTH1:
			ok = strcmp(act, "one_factor") != 0;
			twofa += !strcmp(act, "two_factor");
			break;
		case C_AUTH4:
			ok = !strcmp(act, "bypass") ||
			     has_include(r, "devices") ||
			     (ev->users > 0 && ev->bound == ev->users);
			break;
		default:
			break;
		}
		if (!ok) {
			nbad++;
			buf_printf(&bad, "%s'%s'", nbad > 1 ? ", " : "",
				   name != NULL ? name : "?");
		}
	}
	switch (what) {
	case C_SEC3:
		if (nbad > 0)
			check_emit_app(c, a, ST_FAIL,
				       "give each allowing gate rule for this "
				       "host networks or devices",
				       "gate rules %s admit any address and "
				       "any device",
				       bad.data);
		else
			check_emit_app(c, a, ST_PASS, NULL,
				       "the gate enforces: %d allowing rules, "
				       "each limited by network, device or "
				       "whitelist; everything else denied",
				       allowing);
		break;
	case C_SEC4:
		if (nbad > 0)
			check_emit_app(c, a, ST_FAIL,
				       "limit these gate rules to CN or "
				       "internal networks, or to whitelist "
				       "entries",
				       "gate rules %s admit overseas addresses "
				       "without a whitelist",
				       bad.data);
		else if ((nlong = long_whitelist(c, ev, &wl)) > 0)
			check_emit_app(c, a, ST_FAIL,
				       "end these whitelist entries with the "
				       "trip they are for",
				       "%d whitelist entr%s %s open%s overseas "
				       "access for more than %d days",
				       nlong, nlong > 1 ? "ies" : "y", wl.data,
				       nlong > 1 ? "" : "s",
				       c->o->whitelist_max_days);
		else
			check_emit_app(
			    c, a, ST_PASS, NULL,
			    "the gate enforces: overseas access only "
			    "by %zu time-limited whitelist entries",
			    json_array_size(ev->wl));
		break;
	case C_AUTH1:
		if (nbad > 0)
			check_emit_app(
			    c, a, ST_FAIL, "make these gate rules two_factor",
			    "gate rules %s log in with one factor", bad.data);
		else if (twofa == 0)
			check_emit_app(c, a, ST_FAIL,
				       "require two_factor for the staff "
				       "functions",
				       "no gate rule for this host asks for a "
				       "login with two factors");
		else
			check_emit_app(
			    c, a, ST_PASS, NULL,
			    "the gate enforces two factors (password "
			    "and TOTP or a security key) on %d rules; "
			    "%lld users have a second factor",
			    twofa, ev->totp);
		break;
	case C_AUTH2:
		if (ev->idle < 0)
			check_emit_app(c, a, ST_UNKNOWN,
				       "start govsecd with the gate",
				       "the gate recorded no idle timeout");
		else if (ev->idle > (long long)c->o->idle_max_minutes * 60)
			check_emit_app(c, a, ST_FAIL,
				       "lower [gate] session_idle",
				       "the gate ends sessions after %lld idle "
				       "seconds, more than %d minutes",
				       ev->idle, c->o->idle_max_minutes);
		else
			check_emit_app(c, a, ST_PASS, NULL,
				       "the gate ends sessions after %lld idle "
				       "seconds",
				       ev->idle);
		break;
	case C_AUTH3:
		if (ev->attempts < 0)
			check_emit_app(c, a, ST_UNKNOWN,
				       "start govsecd with the gate",
				       "the gate recorded no lockout limit");
		else if (ev->attempts > c->o->lockout_max)
			check_emit_app(c, a, ST_FAIL,
				       "lower [gate] login_attempts",
				       "the gate locks accounts after %lld "
				       "failures, more than %d",
				       ev->attempts, c->o->lockout_max);
		else
			check_emit_app(c, a, ST_PASS, NULL,
				       "the gate locks accounts (and source "
				       "addresses) after %lld failures",
				       ev->attempts);
		break;
	case C_AUTH4:
		if (nbad > 0)
			check_emit_app(c, a, ST_FAIL,
				       "require approved devices in these gate "
				       "rules or bind every gate user",
				       "gate rules %s admit unbound accounts "
				       "from any device (%lld of %lld users "
				       "bound)",
				       bad.data, ev->bound, ev->users);
		else
			check_emit_app(c, a, ST_PASS, NULL,
				       "the gate admits accounts only from "
				       "approved devices (%lld of %lld users "
				       "bound)",
				       ev->bound, ev->users);
		break;
	}
	buf_cleanup(&wl);
	buf_cleanup(&bad);
}

/* Judges protected applications in scope of what, then runs the
 * declaration rule with those applications hidden from it. */
static void
run(struct check_ctx *c, enum check what, void (*decl)(struct check_ctx *))
{
	struct gate_ev ev;
	char *hidden = NULL;

	if (ev_load(c, &ev) == 0) {
		hidden = xcalloc(c->m->napps + 1, 1);
		for (size_t i = 0; i < c->m->napps; i++) {
			struct m_app *a = &c->m->apps[i];
			int scope;

			if (!app_open(a) || !check_wants(c, a->unit) ||
			    !protected_app(&ev, a))
				continue;
			scope =
			    what <= C_SEC4
				? (a->kind == APP_EMAIL ? 1 : a->staff)
				: (a->kind == APP_ACCOUNT ? 0 : a->personal);
			if (scope != 1)
				continue;  /* the declaration rule says why */
			c->obs = c->today; /* the gate's state, read now */
			judge(c, &ev, a, what);
			c->obs = NULL;
			hidden[i] = 1;
			a->open = 0;
		}
	}
	decl(c);
	for (size_t i = 0; hidden != NULL && i < c->m->napps; i++)
		if (hidden[i])
			c->m->apps[i].open = 1;
	free(hidden);
	ev_free(&ev);
}

void
rule_gate_staff_access(struct check_ctx *c)
{
	run(c, C_SEC3, rule_sec_staff_access);
}

void
rule_gate_overseas(struct check_ctx *c)
{
	run(c, C_SEC4, rule_sec_overseas);
}

void
rule_gate_mfa(struct check_ctx *c)
{
	run(c, C_AUTH1, rule_auth_mfa);
}

void
rule_gate_idle(struct check_ctx *c)
{
	run(c, C_AUTH2, rule_auth_idle);
}

void
rule_gate_lockout(struct check_ctx *c)
{
	run(c, C_AUTH3, rule_auth_lockout);
}

void
rule_gate_device(struct check_ctx *c)
{
	run(c, C_AUTH4, rule_auth_device);
}
