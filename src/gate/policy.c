/*
 * policy.c: the gate's policy engine. A policy document (JSON, untrusted
 * until parsed here) holds named network sets, ordered rules and overseas
 * whitelist entries; it is compiled once (tries, regexes, windows) and then
 * read by any number of threads. Decisions walk the rules in order, the
 * first rule whose conditions all hold wins, and no match is a deny.
 */
#include <limits.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gate/gate.h"

struct netset {
	char *name;
	struct gate_trie *t; /* 1 inside, -1 carved out ("!prefix") */
};

struct rule {
	char *name;
	char **hosts;
	int nhosts;
	regex_t path;
	int has_path;
	char **methods;
	int nmethods;
	int *nets, *net_neg, nnets;
	char (*cc)[3];
	int *cc_neg, ncc;
	char **subjects;
	int nsubjects;
	char **devices;
	int ndevices;
	struct gate_window *windows;
	int nwindows;
	int whitelist, background;
	enum gate_action action;
};

struct wl {
	char *name, *user, *device;
	time_t from, until; /* [from, until) */
	struct gate_window w;
	int has_w;
};

struct gate_policy {
	struct netset *sets;
	int nsets;
	struct rule *rules;
	int nrules;
	struct wl *wl;
	int nwl;
	json_t *doc;
};

static const char *const action_names[] = {"deny", "bypass", "one_factor",
					   "two_factor"};

const char *
gate_action_name(enum gate_action a)
{
	return (unsigned)a < ARRAY_SIZE(action_names) ? action_names[a] : "?";
}

static void
free_strs(char **v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void
gate_policy_free(struct gate_policy *p)
{
	if (p == NULL)
		return;
	for (int i = 0; i < p->nsets; i++) {
		free(p->sets[i].name);
		gate_trie_free(p->sets[i].t);
	}
	free(p->sets);
	for (int i = 0; i < p->nrules; i++) {
		struct rule *r = &p->rules[i];

		free(r->name);
		free_strs(r->hosts, r->nhosts);
		if (r->has_path)
			regfree(&r->path);
		free_strs(r->methods, r->nmethods);
		free(r->nets);
		free(r->net_neg);
		free(r->cc);
		free(r->cc_neg);
		free_strs(r->subjects, r->nsubjects);
		free_strs(r->devices, r->ndevices);
		free(r->windows);
	}
	free(p->rules);
	for (int i = 0; i < p->nwl; i++) {
		free(p->wl[i].name);
		free(p->wl[i].user);
		free(p->wl[i].device);
	}
	free(p->wl);
	json_decref(p->doc);
	free(p);
}

int
gate_policy_rules(const struct gate_policy *p)
{
	return p->nrules;
}

const char *
gate_policy_rule_name(const struct gate_policy *p, int i)
{
	return p != NULL && i >= 0 && i < p->nrules ? p->rules[i].name
						    : "default";
}

json_t *
gate_policy_json(const struct gate_policy *p)
{
	return json_deep_copy(p->doc);
}

/* 1 if every key of o is in the NULL-terminated list keys. */
static int
keys_known(json_t *o, const char *const *keys, const char *what, struct err *e)
{
	const char *k;
	json_t *v;

	json_object_foreach(o, k, v)
	{
		int found = 0;

		for (int i = 0; keys[i] != NULL && !found; i++)
			found = !strcmp(keys[i], k);
		if (!found) {
			err_set(e, "%s: unknown key '%.64s'", what, k);
			return 0;
		}
	}
	return 1;
}

/* A name: 1..GATE_NAME_MAX bytes of A-Z a-z 0-9 . _ - : @ */
static int
name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > GATE_NAME_MAX)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= '0' && *s <= '9') || strchr("._-:@", *s) != NULL))
			return 0;
	return 1;
}

/* Reads an array of strings at most GATE_LIST_MAX long; NULL v: absent. */
static int
str_array(json_t *v, const char *what, char ***out, int *n, struct err *e)
{
	size_t i;
	json_t *x;

	*out = NULL;
	*n = 0;
	if (v == NULL)
		return 0;
	if (!json_is_array(v) || json_array_size(v) == 0 ||
	    json_array_size(v) > GATE_LIST_MAX) {
		err_set(e, "%s: expected a list of 1 to %d strings", what,
			GATE_LIST_MAX);
		return -1;
	}
	*out = xcalloc(json_array_size(v), sizeof(char *));
	json_array_foreach(v, i, x)
	{
		const char *s = json_string_value(x);

		if (s == NULL || *s == '\0' || strlen(s) > 255) {
			err_set(e,
				"%s: entry %zu is not a string of 1 to 255 "
				"bytes",
				what, i + 1);
			return -1;
		}
		(*out)[(*n)++] = xstrdup(s);
	}
	return 0;
}

static int
parse_sets(struct gate_policy *p, json_t *nets, struct err *e)
{
	const char *k;
	json_t *v;

	if (nets == NULL)
		return 0;
	if (!json_is_object(nets) ||
	    json_object_size(nets) > GATE_NETWORKS_MAX) {
		err_set(e,
			"networks: expected an object of at most %d named "
			"sets",
			GATE_NETWORKS_MAX);
		return -1;
	}
	p->sets = xcalloc(json_object_size(nets) + 1, sizeof(*p->sets));
	json_object_foreach(nets, k, v)
	{
		struct netset *s = &p->sets[p->nsets];
		size_t i;
		json_t *x;

		if (!name_ok(k)) {
			err_set(e, "networks: bad set name '%.64s'", k);
			return -1;
		}
		s->name = xstrdup(k);
		s->t = gate_trie_new();
		p->nsets++;
		if (!json_is_array(v) || json_array_size(v) == 0 ||
		    json_array_size(v) > GATE_CIDRS_MAX) {
			err_set(e,
				"networks '%s': expected a list of 1 to %d "
				"prefixes",
				k, GATE_CIDRS_MAX);
			return -1;
		}
		json_array_foreach(v, i, x)
		{
			const char *c = json_string_value(x);
			int neg;

			if (c == NULL) {
				err_set(e,
					"networks '%s': entry %zu is not a "
					"string",
					k, i + 1);
				return -1;
			}
			neg = c[0] == '!';
			if (gate_trie_add(s->t, c + neg, neg ? -1 : 1, e) < 0) {
				err_prefix(e, "networks '%s'", k);
				return -1;
			}
		}
	}
	return 0;
}

static int
set_index(const struct gate_policy *p, const char *name)
{
	for (int i = 0; i < p->nsets; i++)
		if (!strcmp(p->sets[i].name, name))
			return i;
	return -1;
}

static int
parse_action(const char *s, enum gate_action *a)
{
	for (size_t i = 0; i < ARRAY_SIZE(action_names); i++)
		if (s != NULL && !strcmp(s, action_names[i])) {
			*a = (enum gate_action)i;
			return 0;
		}
	return -1;
}

static int
parse_rule(struct gate_policy *p, struct rule *r, json_t *o, int idx,
	   struct err *e)
{
	static const char *const keys[] = {
	    "name",	  "hosts",    "path",	 "methods", "networks",
	    "countries",  "subjects", "devices", "windows", "whitelist",
	    "background", "action",   "comment", NULL};
	char what[96], **tmp = NULL;
	json_t *v;
	int ntmp = 0;

	str_fmt(what, sizeof(what), "rule %d", idx + 1);
	if (!json_is_object(o)) {
		err_set(e, "%s: expected an object", what);
		return -1;
	}
	v = json_object_get(o, "name");
	if (!json_is_string(v) || !name_ok(json_string_value(v))) {
		err_set(e,
			"%s: 'name' must be 1 to %d bytes of A-Z a-z 0-9 "
			"._-:@",
			what, GATE_NAME_MAX);
		return -1;
	}
	r->name = xstrdup(json_string_value(v));
	str_fmt(what, sizeof(what), "rule '%s'", r->name);
	for (int i = 0; i < idx; i++)
		if (!strcmp(p->rules[i].name, r->name)) {
			err_set(e, "%s: name used twice", what);
			return -1;
		}
	if (!keys_known(o, keys, what, e))
		return -1;
	if (parse_action(json_string_value(json_object_get(o, "action")),
			 &r->action) < 0) {
		err_set(e,
			"%s: 'action' must be deny, bypass, one_factor or "
			"two_factor",
			what);
		return -1;
	}
	if (str_array(json_object_get(o, "hosts"), what, &r->hosts, &r->nhosts,
		      e) < 0)
		return -1;
	for (int i = 0; i < r->nhosts; i++)
		for (char *c = r->hosts[i]; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c - 'A' + 'a');
	v = json_object_get(o, "path");
	if (v != NULL) {
		const char *re = json_string_value(v);

		if (re != NULL && strlen(re) <= GATE_REGEX_MAX &&
		    regex_bounded(re) < 0) {
			err_set(e,
				"%s: 'path' repeats too much (a repetition "
				"of a repetition, a count over %d, or over "
				"%d atoms unrolled)",
				what, REGEX_DUP_MAX, REGEX_COST_MAX);
			return -1;
		}
		if (re == NULL || strlen(re) > GATE_REGEX_MAX ||
		    regcomp(&r->path, re, REG_EXTENDED | REG_NOSUB) != 0) {
			err_set(e,
				"%s: 'path' is not a regular expression of "
				"at most %d bytes",
				what, GATE_REGEX_MAX);
			return -1;
		}
		r->has_path = 1;
	}
	if (str_array(json_object_get(o, "methods"), what, &r->methods,
		      &r->nmethods, e) < 0)
		return -1;
	if (str_array(json_object_get(o, "networks"), what, &tmp, &ntmp, e) < 0)
		goto fail;
	if (ntmp > 0) {
		r->nets = xcalloc((size_t)ntmp, sizeof(int));
		r->net_neg = xcalloc((size_t)ntmp, sizeof(int));
	}
	for (int i = 0; i < ntmp; i++) {
		int neg = tmp[i][0] == '!';
		int k = set_index(p, tmp[i] + neg);

		if (k < 0) {
			err_set(e, "%s: network set '%.64s' is not defined",
				what, tmp[i] + neg);
			goto fail;
		}
		r->nets[r->nnets] = k;
		r->net_neg[r->nnets++] = neg;
	}
	free_strs(tmp, ntmp);
	tmp = NULL;
	ntmp = 0;
	if (str_array(json_object_get(o, "countries"), what, &tmp, &ntmp, e) <
	    0)
		goto fail;
	if (ntmp > 0) {
		r->cc = xcalloc((size_t)ntmp, 3);
		r->cc_neg = xcalloc((size_t)ntmp, sizeof(int));
	}
	for (int i = 0; i < ntmp; i++) {
		int neg = tmp[i][0] == '!';
		const char *c = tmp[i] + neg;

		if (strlen(c) != 2 || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' ||
		    c[1] > 'Z') {
			err_set(e,
				"%s: '%.64s' is not an ISO 3166 country "
				"code like CN or !CN",
				what, tmp[i]);
			goto fail;
		}
		memcpy(r->cc[r->ncc], c, 3);
		r->cc_neg[r->ncc++] = neg;
	}
	free_strs(tmp, ntmp);
	tmp = NULL;
	ntmp = 0;
	if (str_array(json_object_get(o, "subjects"), what, &r->subjects,
		      &r->nsubjects, e) < 0)
		return -1;
	for (int i = 0; i < r->nsubjects; i++) {
		const char *s = r->subjects[i];

		if (!(str_starts(s, "user:") && name_ok(s + 5)) &&
		    !(str_starts(s, "group:") && name_ok(s + 6))) {
			err_set(e,
				"%s: subject '%.64s' is not user:NAME or "
				"group:NAME",
				what, s);
			return -1;
		}
	}
	if (str_array(json_object_get(o, "devices"), what, &r->devices,
		      &r->ndevices, e) < 0)
		return -1;
	if (str_array(json_object_get(o, "windows"), what, &tmp, &ntmp, e) < 0)
		goto fail;
	if (ntmp > 0)
		r->windows = xcalloc((size_t)ntmp, sizeof(*r->windows));
	for (int i = 0; i < ntmp; i++) {
		if (gate_window_parse(&r->windows[i], tmp[i], e) < 0) {
			err_prefix(e, "%s", what);
			goto fail;
		}
		r->nwindows++;
	}
	free_strs(tmp, ntmp);
	tmp = NULL;
	v = json_object_get(o, "whitelist");
	if (v != NULL && !json_is_boolean(v)) {
		err_set(e, "%s: 'whitelist' must be true or false", what);
		return -1;
	}
	r->whitelist = json_is_true(v);
	v = json_object_get(o, "background");
	if (v != NULL && !json_is_boolean(v)) {
		err_set(e, "%s: 'background' must be true or false", what);
		return -1;
	}
	r->background = json_is_true(v);
	v = json_object_get(o, "comment");
	if (v != NULL && !json_is_string(v)) {
		err_set(e, "%s: 'comment' must be a string", what);
		return -1;
	}
	return 0;
fail:
	free_strs(tmp, ntmp);
	return -1;
}

static int
parse_wl(struct wl *w, json_t *o, int idx, struct err *e)
{
	static const char *const keys[] = {"name",  "user",   "device",	 "from",
					   "until", "window", "comment", NULL};
	char what[96];
	const char *s;

	str_fmt(what, sizeof(what), "whitelist entry %d", idx + 1);
	if (!json_is_object(o) || !keys_known(o, keys, what, e)) {
		if (!json_is_object(o))
			err_set(e, "%s: expected an object", what);
		return -1;
	}
	s = json_string_value(json_object_get(o, "name"));
	if (s == NULL || !name_ok(s)) {
		err_set(e, "%s: 'name' is missing or bad", what);
		return -1;
	}
	w->name = xstrdup(s);
	str_fmt(what, sizeof(what), "whitelist entry '%s'", s);
	s = json_string_value(json_object_get(o, "user"));
	if (json_object_get(o, "user") != NULL && (s == NULL || !name_ok(s))) {
		err_set(e, "%s: 'user' is not a user name", what);
		return -1;
	}
	w->user = s != NULL ? xstrdup(s) : NULL;
	s = json_string_value(json_object_get(o, "device"));
	if (json_object_get(o, "device") != NULL &&
	    (s == NULL || !name_ok(s))) {
		err_set(e, "%s: 'device' is not a device id", what);
		return -1;
	}
	w->device = s != NULL ? xstrdup(s) : NULL;
	if (w->user == NULL && w->device == NULL) {
		err_set(e, "%s: names neither a user nor a device", what);
		return -1;
	}
	s = json_string_value(json_object_get(o, "from"));
	if (s == NULL || strlen(s) < 20 || time_parse(s, &w->from) < 0) {
		err_set(e, "%s: 'from' must be an RFC 3339 time", what);
		return -1;
	}
	s = json_string_value(json_object_get(o, "until"));
	if (s == NULL || strlen(s) < 20 || time_parse(s, &w->until) < 0 ||
	    w->until <= w->from) {
		err_set(e, "%s: 'until' must be an RFC 3339 time after 'from'",
			what);
		return -1;
	}
	if (json_object_get(o, "window") != NULL) {
		s = json_string_value(json_object_get(o, "window"));
		if (s == NULL) {
			err_set(e, "%s: 'window' must be a string", what);
			return -1;
		}
		if (gate_window_parse(&w->w, s, e) < 0) {
			err_prefix(e, "%s", what);
			return -1;
		}
		w->has_w = 1;
	}
	return 0;
}

/* Error messages quote the document: keep them one printable line. */
static void
msg_clean(struct err *e)
{
	if (e == NULL)
		return;
	for (char *c = e->msg; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
}

struct gate_policy *
gate_policy_parse(const char *doc, size_t len, struct err *e)
{
	static const char *const keys[] = {"version",	"networks", "rules",
					   "whitelist", "comment",  NULL};
	struct gate_policy *p = xcalloc(1, sizeof(*p));
	json_error_t je;
	json_t *rules, *wl, *v;
	size_t i;

	if (len > GATE_POLICY_MAX) {
		err_set(e, "policy larger than %d bytes", GATE_POLICY_MAX);
		goto fail;
	}
	p->doc = json_loadb(doc, len, JSON_REJECT_DUPLICATES, &je);
	if (p->doc == NULL) {
		err_set(e, "policy is not JSON: line %d: %s", je.line, je.text);
		goto fail;
	}
	if (!json_is_object(p->doc)) {
		err_set(e, "policy: expected a JSON object");
		goto fail;
	}
	if (!keys_known(p->doc, keys, "policy", e))
		goto fail;
	v = json_object_get(p->doc, "version");
	if (v != NULL && json_integer_value(v) != 1) {
		err_set(e, "policy: 'version' must be 1");
		goto fail;
	}
	if (parse_sets(p, json_object_get(p->doc, "networks"), e) < 0)
		goto fail;
	rules = json_object_get(p->doc, "rules");
	if (rules != NULL && (!json_is_array(rules) ||
			      json_array_size(rules) > GATE_RULES_MAX)) {
		err_set(e, "policy: 'rules' must be a list of at most %d rules",
			GATE_RULES_MAX);
		goto fail;
	}
	p->rules = xcalloc(json_array_size(rules) + 1, sizeof(*p->rules));
	json_array_foreach(rules, i, v)
	{
		p->nrules++;
		if (parse_rule(p, &p->rules[i], v, (int)i, e) < 0)
			goto fail;
	}
	wl = json_object_get(p->doc, "whitelist");
	if (wl != NULL &&
	    (!json_is_array(wl) || json_array_size(wl) > GATE_WHITELIST_MAX)) {
		err_set(e,
			"policy: 'whitelist' must be a list of at most %d "
			"entries",
			GATE_WHITELIST_MAX);
		goto fail;
	}
	p->wl = xcalloc(json_array_size(wl) + 1, sizeof(*p->wl));
	json_array_foreach(wl, i, v)
	{
		p->nwl++;
		if (parse_wl(&p->wl[i], v, (int)i, e) < 0)
			goto fail;
		for (size_t k = 0; k < i; k++)
			if (!strcmp(p->wl[k].name, p->wl[i].name)) {
				err_set(e,
					"whitelist entry '%s': name used "
					"twice",
					p->wl[i].name);
				goto fail;
			}
	}
	return p;
fail:
	gate_policy_free(p);
	msg_clean(e);
	return NULL;
}

/* ---- decisions ---------------------------------------------------------- */

static int
host_match(const struct rule *r, const char *host)
{
	if (r->nhosts == 0)
		return 1;
	if (host == NULL)
		return 0;
	for (int i = 0; i < r->nhosts; i++) {
		const char *h = r->hosts[i];

		if (h[0] == '*' && h[1] == '.') {
			size_t hl = strlen(host), sl = strlen(h + 1);

			if (hl > sl && !strcasecmp(host + hl - sl, h + 1))
				return 1;
		} else if (!strcasecmp(h, host))
			return 1;
	}
	return 0;
}

static int
list_has(char **v, int n, const char *s)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(v[i], s))
			return 1;
	return 0;
}

static int
group_in(const char *groups, const char *g)
{
	size_t n = strlen(g);

	for (const char *p = groups; p != NULL && *p;) {
		const char *c = strchr(p, ',');
		size_t len = c != NULL ? (size_t)(c - p) : strlen(p);

		if (len == n && !strncmp(p, g, n))
			return 1;
		p = c != NULL ? c + 1 : NULL;
	}
	return 0;
}

static int
subject_match(const struct rule *r, const struct gate_input *in)
{
	for (int i = 0; i < r->nsubjects; i++) {
		const char *s = r->subjects[i];

		if (str_starts(s, "user:") && !strcmp(s + 5, in->user))
			return 1;
		if (str_starts(s, "group:") && group_in(in->groups, s + 6))
			return 1;
	}
	return 0;
}

static int
device_match(const struct rule *r, const struct gate_input *in)
{
	if (in->device == NULL)
		return 0;
	return list_has(r->devices, r->ndevices, "approved") ||
	       list_has(r->devices, r->ndevices, in->device);
}

/* The whitelist entry covering in now, or NULL. */
static const struct wl *
whitelisted(const struct gate_policy *p, const struct gate_input *in)
{
	for (int i = 0; i < p->nwl; i++) {
		const struct wl *w = &p->wl[i];

		if (w->user != NULL && strcmp(w->user, in->user) != 0)
			continue;
		if (w->device != NULL &&
		    (in->device == NULL || strcmp(w->device, in->device) != 0))
			continue;
		if (in->now < w->from || in->now >= w->until)
			continue;
		if (w->has_w && gate_window_contains(&w->w, in->now) != 1)
			continue;
		return w;
	}
	return NULL;
}

void
gate_policy_decide(const struct gate_policy *p, const struct gate_geo *geo,
		   const struct gate_input *in, struct gate_decision *d)
{
	unsigned char addr[16];
	int have_addr = in->ip != NULL && gate_addr_parse(in->ip, addr) == 0;
	char cc[3] = "";
	int cc_done = 0;

	memset(d, 0, sizeof(*d));
	for (int i = 0; p != NULL && i < p->nrules; i++) {
		const struct rule *r = &p->rules[i];
		const struct wl *w = NULL;
		int ok = 1;

		if (!host_match(r, in->host))
			continue;
		if (r->has_path &&
		    (in->path == NULL ||
		     regexec(&r->path, in->path, 0, NULL, 0) != 0))
			continue;
		if (r->nmethods > 0 &&
		    (in->method == NULL ||
		     !list_has(r->methods, r->nmethods, in->method)))
			continue;
		if (r->nnets > 0) {
			int inc = 0, any_inc = 0;

			if (!have_addr)
				continue;
			for (int k = 0; k < r->nnets && ok; k++) {
				int v = gate_trie_lookup(p->sets[r->nets[k]].t,
							 addr) > 0;

				if (r->net_neg[k])
					ok = !v;
				else {
					any_inc = 1;
					inc |= v;
				}
			}
			if (!ok || (any_inc && !inc))
				continue;
		}
		if (r->ncc > 0) {
			int inc = 0, any_inc = 0;

			if (!cc_done) {
				gate_geo_country(geo, have_addr ? in->ip : NULL,
						 cc);
				cc_done = 1;
			}
			for (int k = 0; k < r->ncc && ok; k++) {
				int v = !strcmp(cc, r->cc[k]);

				if (r->cc_neg[k])
					ok = !v;
				else {
					any_inc = 1;
					inc |= v;
				}
			}
			if (!ok || (any_inc && !inc))
				continue;
		}
		if (r->nwindows > 0) {
			int inw = 0;

			for (int k = 0; k < r->nwindows && !inw; k++)
				inw = gate_window_contains(&r->windows[k],
							   in->now) == 1;
			if (!inw)
				continue;
		}
		if (r->nsubjects > 0 || r->ndevices > 0 || r->whitelist) {
			if (in->user == NULL) {
				d->need_user = 1;
				d->action = r->action == GATE_TWO_FACTOR
						? GATE_TWO_FACTOR
						: GATE_ONE_FACTOR;
				d->rule = i;
				d->rule_name = r->name;
				d->background = r->background;
				str_fmt(d->reason, sizeof(d->reason),
					"rule '%s' depends on who is asking: "
					"log in first",
					r->name);
				return;
			}
			if (r->nsubjects > 0 && !subject_match(r, in))
				continue;
			if (r->ndevices > 0 && !device_match(r, in))
				continue;
			if (r->whitelist && (w = whitelisted(p, in)) == NULL)
				continue;
		}
		d->action = r->action;
		d->rule = i;
		d->rule_name = r->name;
		d->background = r->background;
		if (w != NULL) {
			char until[32];

			time_fmt(w->until, until, sizeof(until));
			str_fmt(d->reason, sizeof(d->reason),
				"rule '%s' matched (whitelist entry '%s' "
				"valid until %s): %s",
				r->name, w->name, until,
				gate_action_name(r->action));
		} else
			str_fmt(d->reason, sizeof(d->reason),
				"rule '%s' matched%s%s: %s", r->name,
				cc_done ? " for country " : "",
				cc_done ? (cc[0] ? cc : "unknown") : "",
				gate_action_name(r->action));
		return;
	}
	d->action = GATE_DENY;
	d->rule = -1;
	d->rule_name = "default";
	str_fmt(d->reason, sizeof(d->reason), "no rule matched: default deny");
}
