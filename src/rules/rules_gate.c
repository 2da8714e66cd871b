/*
 * rules_gate.c: SEC-3, SEC-4 and AUTH-1..4 decided from evidence of
 * enforcement for applications the govsec gate protects. It reads the
 * gate's tables in the store (the live policy, per-rule decision counters,
 * gate users, the settings a running gate records); it never calls the
 * gate. An application is protected when a rule of the live policy names
 * one of its domains in "hosts" and the gate has decided requests by such a
 * rule in the last [check] gate_window_days (gate_rule_days, not lifetime
 * counters). Protected applications are judged here, unknown when the gate
 * has not reported for [check] gate_stale_minutes; all others are left to
 * the declaration rules of rules_sec.c. The store is trusted; the policy
 * document is parsed defensively anyway.
 */
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gate/gate.h"
#include "rules/internal.h"

#define NAMES_MAX 10 /* users named in evidence, then "and N more" */

/* A growable list of rule indexes. */
struct ivec {
	size_t *v;
	size_t n, cap;
};

static void
ivec_add(struct ivec *iv, size_t x)
{
	if (iv->n == iv->cap) {
		iv->cap = iv->cap ? iv->cap * 2 : 8;
		iv->v = xrealloc(iv->v, iv->cap * sizeof(*iv->v));
	}
	iv->v[iv->n++] = x;
}

static int
size_cmp(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

struct gate_ev {
	json_t *doc, *rules, *nets, *wl;
	struct map decided; /* rule name -> decisions in the window */
	long long idle, attempts, users, bound, totp;
	int started;
	char reported[32]; /* when the gate last said it runs, "" unknown */
	int stale;	   /* longer ago than [check] gate_stale_minutes */
	/* per rule of the policy: the addresses its networks admit */
	struct gate_cover *cover;
	struct gate_addrs **addrs;
	char *shared; /* addrs[i] is an earlier rule's */
	size_t nrules;
	/* the addresses of each named set, once (set name -> index) */
	struct map setidx;
	struct gate_addrs **sets;
	size_t nsets;
	struct gate_addrs *internal; /* addresses that cannot be overseas */
	struct buf no2f;	     /* enabled users without a second factor */
	long long nno2f;
	/* which rules can concern an application: by exact host (lower
	 * case -> index into byhost), and those with a wildcard host or no
	 * hosts, which concern any (rules in policy order) */
	struct map hostidx;
	struct ivec *byhost;
	size_t nbyhost;
	struct ivec any;
};

long long
whitelist_days(time_t from, time_t until)
{
	return ((long long)until - from + 86399) / 86400;
}

/* Lower-case copy of an ASCII host name into out; -1 if too long. */
static int
host_key(const char *h, char *out, size_t n)
{
	size_t i;

	for (i = 0; h[i] != '\0'; i++) {
		if (i + 1 >= n)
			return -1;
		out[i] = (char)tolower((unsigned char)h[i]);
	}
	out[i] = '\0';
	return 0;
}

/* Files each rule under the exact hosts it names, or under any. */
static void
index_hosts(struct gate_ev *ev)
{
	ev->byhost = NULL;
	for (size_t i = 0; i < ev->nrules; i++) {
		json_t *hosts =
		    json_object_get(json_array_get(ev->rules, i), "hosts");
		json_t *h;
		size_t k;
		int wild = !json_is_array(hosts);

		json_array_foreach(hosts, k, h)
		{
			const char *p = json_string_value(h);
			char key[512];
			long long at;

			if (p == NULL || p[0] == '*' ||
			    host_key(p, key, sizeof(key)) < 0) {
				wild = 1;
				continue;
			}
			if (map_get(&ev->hostidx, key, &at) < 0) {
				at = (long long)ev->nbyhost++;
				ev->byhost =
				    xrealloc(ev->byhost,
					     ev->nbyhost * sizeof(*ev->byhost));
				memset(&ev->byhost[at], 0, sizeof(*ev->byhost));
				map_put(&ev->hostidx, key, at, NULL);
			}
			ivec_add(&ev->byhost[at], i);
		}
		if (wild)
			ivec_add(&ev->any, i);
	}
}

/* The rules that can concern a, in policy order, into out (reset). */
static void
candidates(const struct gate_ev *ev, const struct m_app *a, struct ivec *out)
{
	size_t w = 0;

	out->n = 0;
	for (size_t i = 0; i < ev->any.n; i++)
		ivec_add(out, ev->any.v[i]);
	for (int d = 0; d < a->ndomains; d++) {
		const char *names[2] = {a->domains[d].name,
					a->domains[d].unicode};

		for (int k = 0; k < 2; k++) {
			char key[512];
			long long at;

			if (names[k] == NULL ||
			    host_key(names[k], key, sizeof(key)) < 0 ||
			    map_get(&ev->hostidx, key, &at) < 0)
				continue;
			for (size_t i = 0; i < ev->byhost[at].n; i++)
				ivec_add(out, ev->byhost[at].v[i]);
		}
	}
	if (out->n > 1) /* v is NULL when empty */
		qsort(out->v, out->n, sizeof(*out->v), size_cmp);
	for (size_t i = 0; i < out->n; i++)
		if (w == 0 || out->v[w - 1] != out->v[i])
			out->v[w++] = out->v[i];
	out->n = w;
}

/* The part of [*from, *until) a whitelist entry's window "FROM..UNTIL"
 * dates leave open (local days of its zone); unchanged without dates. */
static void
window_clip(json_t *w, time_t *from, time_t *until)
{
	const char *s = json_string_value(json_object_get(w, "window"));
	struct gate_window win;
	struct err e;
	long off;
	time_t t;

	if (s == NULL || gate_window_parse(&win, s, &e) < 0)
		return;
	if (win.date_from != LONG_MIN &&
	    gate_tz_offset(win.zone, *from, &off) == 0) {
		t = (time_t)win.date_from * 86400 - off;
		if (t > *from)
			*from = t;
	}
	if (win.date_to != LONG_MAX &&
	    gate_tz_offset(win.zone, *until, &off) == 0) {
		t = ((time_t)win.date_to + 1) * 86400 - off;
		if (t < *until)
			*until = t;
	}
}

/*
 * Whitelist entries not yet expired that are open longer than the check's
 * limit (SEC-4: "for specific time periods"), named with their days into
 * b; their number. The days an entry is open are those between its from
 * and until that its window's dates leave; the limit is the one of the
 * declared entries ([check] whitelist_max_days, whitelist_days()).
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
		window_clip(w, &from, &until);
		if (until <= from)
			continue; /* never open */
		days = whitelist_days(from, until);
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

static int
no2f_row(void *arg, struct store_row *r)
{
	struct gate_ev *ev = arg;

	if (++ev->nno2f <= NAMES_MAX)
		buf_printf(&ev->no2f, "%s%s", ev->nno2f > 1 ? ", " : "",
			   store_row_text(r, 0));
	return 0;
}

/* The addresses of named set s ("!prefix" carved out); NULL if unknown. */
static struct gate_addrs *
set_addrs(json_t *nets, const char *s)
{
	json_t *l = json_object_get(nets, s), *x;
	struct gate_trie *t;
	struct gate_addrs *a;
	struct err e;
	size_t k;

	if (!json_is_array(l))
		return NULL;
	t = gate_trie_new();
	json_array_foreach(l, k, x)
	{
		const char *p = json_string_value(x);
		int neg = p != NULL && p[0] == '!';

		/* the gate refused bad prefixes when the policy was stored */
		if (p == NULL ||
		    gate_trie_add(t, p + neg, neg ? -1 : 1, &e) < 0) {
			gate_trie_free(t);
			return NULL;
		}
	}
	a = gate_addrs_new();
	gate_addrs_add_trie(a, t);
	gate_trie_free(t);
	return a;
}

/* What the networks of rule r admit: in a set without "!" (every address
 * if there is none) and in none with "!". */
static struct gate_addrs *
rule_addrs(struct gate_ev *ev, json_t *r)
{
	json_t *l = json_object_get(r, "networks"), *x;
	struct gate_addrs *in = gate_addrs_new(), *out = gate_addrs_new();
	int any = 0;
	size_t k;

	json_array_foreach(l, k, x)
	{
		const char *s = json_string_value(x);
		int neg = s != NULL && s[0] == '!';
		long long idx;

		if (s == NULL || map_get(&ev->setidx, s + neg, &idx) < 0 ||
		    ev->sets[idx] == NULL)
			continue;
		gate_addrs_union(neg ? out : in, ev->sets[idx]);
		any |= !neg;
	}
	if (!any) {
		struct gate_trie *t = gate_trie_new();
		struct err e;

		if (gate_trie_add(t, "::/0", 1, &e) == 0)
			gate_addrs_add_trie(in, t);
		gate_trie_free(t);
	}
	gate_addrs_minus(in, out);
	gate_addrs_free(out);
	return in;
}

/* Loads the evidence; 0 if there is a gate to speak of, -1 if not. */
static int
ev_load(struct check_ctx *c, struct gate_ev *ev)
{
	char *doc, *started, *reported, since[16];
	const char *key;
	json_t *val;
	struct map same;
	struct store_val v[1];
	time_t at;

	memset(ev, 0, sizeof(*ev));
	map_init(&ev->decided);
	map_init(&ev->setidx);
	map_init(&ev->hostidx);
	buf_init(&ev->no2f, 4096);
	if (c->st == NULL || store_version(c->st) < 13)
		return -1;
	started = store_setting_get(c->st, "gate.started");
	reported = store_setting_get(c->st, "gate.reported");
	ev->started = started != NULL;
	/* the newer of the start and the last report */
	if (reported != NULL &&
	    (started == NULL || strcmp(reported, started) > 0))
		str_copy(ev->reported, reported, sizeof(ev->reported));
	else if (started != NULL)
		str_copy(ev->reported, started, sizeof(ev->reported));
	free(started);
	free(reported);
	ev->stale = ev->reported[0] == '\0' ||
		    time_parse(ev->reported, &at) < 0 ||
		    c->now - at > (time_t)c->o->gate_stale_minutes * 60;
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
	/* decisions of the last gate_window_days UTC days, today included */
	time_fmt_date(c->now - (time_t)(c->o->gate_window_days - 1) * 86400,
		      since, sizeof(since));
	v[0] = SV_TEXT(since);
	if (store_query(c->st,
			"SELECT rule, sum(allows + denies) FROM gate_rule_days "
			"WHERE day >= ? GROUP BY rule",
			v, 1, decided_row, &ev->decided, NULL) < 0)
		return -1;
	ev->sets = xcalloc(json_object_size(ev->nets) + 1, sizeof(*ev->sets));
	json_object_foreach(ev->nets, key, val)
	{
		ev->sets[ev->nsets] = set_addrs(ev->nets, key);
		map_put(&ev->setidx, key, (long long)ev->nsets++, NULL);
	}
	ev->internal = gate_addrs_internal();
	ev->nrules = json_array_size(ev->rules);
	ev->cover = xcalloc(ev->nrules + 1, sizeof(*ev->cover));
	ev->addrs = xcalloc(ev->nrules + 1, sizeof(*ev->addrs));
	ev->shared = xcalloc(ev->nrules + 1, 1);
	map_init(&same);
	for (size_t i = 0; i < ev->nrules; i++) {
		json_t *r = json_array_get(ev->rules, i);
		/* rules with the same networks share what they admit */
		char *nets = json_dumps(json_object_get(r, "networks"),
					JSON_COMPACT | JSON_ENCODE_ANY);
		long long k;

		if (nets != NULL && map_get(&same, nets, &k) == 0) {
			ev->addrs[i] = ev->addrs[k];
			ev->cover[i] = ev->cover[k];
			ev->shared[i] = 1;
		} else {
			struct gate_addrs *pub = gate_addrs_new();

			ev->addrs[i] = rule_addrs(ev, r);
			/* SEC-3 counts what the Internet can reach */
			gate_addrs_union(pub, ev->addrs[i]);
			gate_addrs_minus(pub, ev->internal);
			gate_addrs_cover(pub, &ev->cover[i]);
			gate_addrs_free(pub);
			if (nets != NULL)
				map_put(&same, nets, (long long)i, NULL);
		}
		free(nets);
	}
	map_cleanup(&same);
	index_hosts(ev);
	ev->idle = setting_int(c->st, "gate.session_idle");
	ev->attempts = setting_int(c->st, "gate.login_attempts");
	ev->users = store_query_int(c->st, "SELECT count(*) FROM gate_users",
				    NULL, 0, 0);
	ev->bound = store_query_int(
	    c->st, "SELECT count(*) FROM gate_users WHERE bound = 1", NULL, 0,
	    0);
	/* AUTH-1: two factors count only for accounts that have a second
	 * one; a disabled account logs in with nothing */
	ev->totp = store_query_int(c->st,
				   "SELECT count(*) FROM gate_users u WHERE "
				   "disabled = 0 AND (totp_secret IS NOT NULL "
				   "OR EXISTS (SELECT 1 FROM gate_webauthn w "
				   "WHERE w.user = u.name))",
				   NULL, 0, 0);
	if (store_query(c->st,
			"SELECT name FROM gate_users u WHERE disabled = 0 AND "
			"totp_secret IS NULL AND NOT EXISTS (SELECT 1 FROM "
			"gate_webauthn w WHERE w.user = u.name) ORDER BY name",
			NULL, 0, no2f_row, ev, NULL) < 0)
		return -1;
	if (ev->nno2f > NAMES_MAX)
		buf_printf(&ev->no2f, " and %lld more", ev->nno2f - NAMES_MAX);
	return 0;
}

static void
ev_free(struct gate_ev *ev)
{
	json_decref(ev->doc);
	map_cleanup(&ev->decided);
	free(ev->cover);
	for (size_t i = 0; i < ev->nrules; i++)
		if (!ev->shared[i])
			gate_addrs_free(ev->addrs[i]);
	free(ev->shared);
	free(ev->addrs);
	for (size_t i = 0; i < ev->nsets; i++)
		gate_addrs_free(ev->sets[i]);
	free(ev->sets);
	map_cleanup(&ev->setidx);
	gate_addrs_free(ev->internal);
	buf_cleanup(&ev->no2f);
	for (size_t i = 0; i < ev->nbyhost; i++)
		free(ev->byhost[i].v);
	free(ev->byhost);
	map_cleanup(&ev->hostidx);
	free(ev->any.v);
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
protected_app(struct gate_ev *ev, const struct m_app *a,
	      const struct ivec *cand)
{
	for (size_t k = 0; k < cand->n; k++) {
		json_t *r = json_array_get(ev->rules, cand->v[k]);
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

/* 1 if the addresses c admits stay within [check] max_segment_prefix4
 * and max_segment_prefix6 (SEC-3 judged by coverage). */
static int
cover_ok(const struct check_ctx *c, const struct gate_cover *cv)
{
	return (cv->v4 < 0 || cv->v4 >= c->o->segment_prefix4) &&
	       (cv->v6 < 0 || cv->v6 >= c->o->segment_prefix6);
}

/* Says how much a rule's networks admit, as " (...)" into b. */
static void
cover_note(const struct check_ctx *c, const struct gate_cover *cv,
	   struct buf *b)
{
	if (cv->v4 == 0 && cv->v6 == 0)
		buf_printf(b, " (any address)");
	else if (cv->v4 >= 0 && cv->v4 < c->o->segment_prefix4)
		buf_printf(b, " (as many public IPv4 addresses as a /%d)",
			   cv->v4);
	else
		buf_printf(b, " (as many public IPv6 addresses as a /%d)",
			   cv->v6);
}

/* 1 if path regex p matches every path (written as such). */
static int
path_all(const char *p)
{
	static const char *const all[] = {"",	 "^",	 "/",	 "^/",	 ".*",
					  "^.*", "^/.*", "^.*$", "^/.*$"};

	for (size_t i = 0; p != NULL && i < ARRAY_SIZE(all); i++)
		if (!strcmp(p, all[i]))
			return 1;
	return 0;
}

/* 1 if every string of list r is in list e (both lists of strings). */
static int
list_within(json_t *r, json_t *e)
{
	json_t *x, *y;
	size_t i, k;

	if (!json_is_array(r))
		return 0;
	json_array_foreach(r, i, x)
	{
		int in = 0;

		json_array_foreach(e, k, y) in |= json_equal(x, y);
		if (!in)
			return 0;
	}
	return 1;
}

/* 1 if every address rule ri admits, rule ei admits too. */
static int
addrs_within(struct gate_ev *ev, size_t ri, size_t ei)
{
	return gate_addrs_within(ev->addrs[ri], ev->addrs[ei]);
}

/* 1 if rule ei matches every request for a's host that rule ri matches:
 * each condition of ei is one of ri too, the same or wider (networks
 * that admit every address of ri's, methods that include ri's; a path
 * that matches every path is no condition). */
static int
covers(struct gate_ev *ev, size_t ei, size_t ri)
{
	json_t *e = json_array_get(ev->rules, ei);
	json_t *r = json_array_get(ev->rules, ri);
	const char *k;
	json_t *v;

	json_object_foreach(e, k, v)
	{
		if (!strcmp(k, "name") || !strcmp(k, "hosts") ||
		    !strcmp(k, "action") || !strcmp(k, "comment") ||
		    !strcmp(k, "background"))
			continue;
		if (!strcmp(k, "path") && path_all(json_string_value(v)))
			continue;
		if (!strcmp(k, "networks") && addrs_within(ev, ri, ei))
			continue;
		if (!strcmp(k, "methods") &&
		    list_within(json_object_get(r, k), v))
			continue;
		if (!json_equal(v, json_object_get(r, k)))
			return 0;
	}
	return 1;
}

/*
 * The name of an earlier rule that lets every request of rule i (for a)
 * in with less than two factors (bypass or one_factor; first match wins,
 * so rule i is never reached for them), NULL if none (AUTH-1).
 */
static const char *
shadowed_by(struct gate_ev *ev, const struct m_app *a, const struct ivec *cand,
	    size_t i)
{
	for (size_t k = 0; k < cand->n && cand->v[k] < i; k++) {
		size_t j = cand->v[k];
		json_t *e = json_array_get(ev->rules, j);
		const char *act = action_of(e);

		if (rule_names_app(e, a) == 0 ||
		    (strcmp(act, "bypass") != 0 &&
		     strcmp(act, "one_factor") != 0) ||
		    !covers(ev, j, i))
			continue;
		act = json_string_value(json_object_get(e, "name"));
		return act != NULL ? act : "?";
	}
	return NULL;
}

enum check { C_SEC3, C_SEC4, C_AUTH1, C_AUTH2, C_AUTH3, C_AUTH4 };

/* Judges a protected application for one requirement. */
static void
judge(struct check_ctx *c, struct gate_ev *ev, struct m_app *a,
      const struct ivec *cand, enum check what)
{
	struct buf bad = BUF_INIT(4096), wl = BUF_INIT(4096);
	struct buf note = BUF_INIT(256), shadow = BUF_INIT(4096);
	const char *by;
	int allowing = 0, nbad = 0, twofa = 0, nlong;

	/* only the rules that can concern a, in policy order */
	for (size_t k = 0; k < cand->n; k++) {
		size_t i = cand->v[k];
		json_t *r = json_array_get(ev->rules, i);
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
			ok = cover_ok(c, &ev->cover[i]) ||
			     has_include(r, "devices") ||
			     json_is_true(json_object_get(r, "whitelist"));
			if (!ok && nbad < NAMES_MAX)
				cover_note(c, &ev->cover[i], &note);
			break;
		case C_SEC4:
			ok = domestic_only(r) ||
			     gate_addrs_within(ev->addrs[i], ev->internal) ||
			     json_is_true(json_object_get(r, "whitelist"));
			break;
		case C_AUTH1:
			ok = strcmp(act, "one_factor") != 0;
			if (strcmp(act, "two_factor") != 0)
				break;
			if ((by = shadowed_by(ev, a, cand, i)) != NULL)
				buf_printf(&shadow, "%s'%s' (by '%s')",
					   shadow.len > 0 ? ", " : "",
					   name != NULL ? name : "?", by);
			else
				twofa++;
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
			buf_printf(&bad, "%s'%s'%s", nbad > 1 ? ", " : "",
				   name != NULL ? name : "?",
				   note.len > 0 ? note.data : "");
		}
		buf_reset(&note);
	}
	switch (what) {
	case C_SEC3:
		if (nbad > 0)
			check_emit_app(c, a, ST_FAIL,
				       "give each allowing gate rule for this "
				       "host networks of the unit's own "
				       "addresses, or devices",
				       "gate rules %s admit any device from "
				       "more public addresses than an IPv4 /%d "
				       "or an IPv6 /%d ([check] "
				       "max_segment_prefix4, "
				       "max_segment_prefix6)",
				       bad.data, c->o->segment_prefix4,
				       c->o->segment_prefix6);
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
		else if (twofa == 0 && shadow.len > 0)
			check_emit_app(c, a, ST_FAIL,
				       "move the two_factor rules before the "
				       "rules that let the same requests in "
				       "with less, or narrow those",
				       "gate rules %s ask for two factors, but "
				       "an earlier rule lets the same requests "
				       "in with less",
				       shadow.data);
		else if (twofa == 0)
			check_emit_app(c, a, ST_FAIL,
				       "require two_factor for the staff "
				       "functions",
				       "no gate rule for this host asks for a "
				       "login with two factors");
		else if (ev->totp == 0)
			check_emit_app(c, a, ST_FAIL,
				       "let the gate's users set up TOTP or a "
				       "security key (govsec gate invite NAME)",
				       "no enabled gate user has a second "
				       "factor: the %d two_factor rules "
				       "count for nobody",
				       twofa);
		else if (ev->nno2f > 0)
			check_emit_app(
			    c, a, ST_PASS, NULL,
			    "the gate enforces two factors (password "
			    "and TOTP or a security key) on %d rules; "
			    "%lld users have a second factor; without "
			    "one (they cannot pass these rules): %s",
			    twofa, ev->totp, ev->no2f.data);
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
	buf_cleanup(&note);
	buf_cleanup(&shadow);
}

/* Judges protected applications in scope of what, then runs the
 * declaration rule with those applications hidden from it. */
/* The gate's evidence, read once for the six rules of a check, and which
 * applications it protects (computed on first need, per application). */
struct gate_cache {
	int ok; /* ev_load succeeded */
	struct gate_ev ev;
	signed char *prot; /* per application: -1 not yet, 0, 1 */
	struct ivec *cand; /* per application: its candidate rules */
};

static struct gate_cache *
gate_cache(struct check_ctx *c)
{
	struct gate_cache *g = c->gate;

	if (g != NULL)
		return g;
	g = c->gate = xcalloc(1, sizeof(*g));
	g->ok = ev_load(c, &g->ev) == 0;
	if (g->ok) {
		g->prot = xcalloc(c->m->napps + 1, 1);
		memset(g->prot, -1, c->m->napps + 1);
		g->cand = xcalloc(c->m->napps + 1, sizeof(*g->cand));
	}
	return g;
}

void
check_gate_free(struct check_ctx *c)
{
	struct gate_cache *g = c->gate;

	if (g == NULL)
		return;
	for (size_t i = 0; g->cand != NULL && i < c->m->napps; i++)
		free(g->cand[i].v);
	free(g->cand);
	free(g->prot);
	ev_free(&g->ev);
	free(g);
	c->gate = NULL;
}

static void
run(struct check_ctx *c, enum check what, void (*decl)(struct check_ctx *))
{
	struct gate_cache *g = gate_cache(c);
	char *hidden = NULL;

	if (g->ok) {
		hidden = xcalloc(c->m->napps + 1, 1);
		for (size_t i = 0; i < c->m->napps; i++) {
			struct m_app *a = &c->m->apps[i];
			int scope;

			if (!app_open(c, a) || !check_wants(c, a->unit))
				continue;
			if (g->prot[i] < 0) {
				candidates(&g->ev, a, &g->cand[i]);
				g->prot[i] = (signed char)protected_app(
				    &g->ev, a, &g->cand[i]);
				if (!g->prot[i]) {
					free(g->cand[i].v);
					memset(&g->cand[i], 0,
					       sizeof(g->cand[i]));
				}
			}
			if (!g->prot[i])
				continue;
			scope =
			    what <= C_SEC4
				? (a->kind == APP_EMAIL ? 1 : a->staff)
				: (a->kind == APP_ACCOUNT ? 0 : a->personal);
			if (scope != 1)
				continue;  /* the declaration rule says why */
			c->obs = c->today; /* the gate's state, read now */
			if (g->ev.stale)
				check_emit_app(
				    c, a, ST_UNKNOWN,
				    "start govsecd with the gate, or "
				    "find why it stopped reporting",
				    "the gate protects it, but last "
				    "reported at %s, more than %d "
				    "minutes ago ([check] "
				    "gate_stale_minutes)",
				    g->ev.reported[0] != '\0'
					? g->ev.reported
					: "an unknown time",
				    c->o->gate_stale_minutes);
			else
				judge(c, &g->ev, a, &g->cand[i], what);
			c->obs = NULL;
			hidden[i] = 1;
		}
	}
	/* the declaration rule skips what the gate judged (app_open): in
	 * this context only, the model is shared with another thread */
	c->hidden = hidden;
	decl(c);
	c->hidden = NULL;
	free(hidden);
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
