/*
 * cases.c: counterfeit cases (CF-2, CF-3): opening them from scan hits,
 * complaints or by hand, the state machine with its history, the audit
 * records of every step, the referral to public security with its
 * evidence bundle, and the listings the CLI and the console show. Notes,
 * addresses and decisions come from operators (checked, bounded); the
 * hits' rows come from the matcher through the store and are trusted as
 * far as the store is.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "counterfeit/cases.h"
#include "registry/registry.h"

static const char *const state_names[CF__STATES] = {
    "new",	  "confirming",	    "counterfeit",
    "genuine",	  "not_government", "takedown_requested",
    "taken_down", "referred"};

static const char *const action_names[CFA__COUNT] = {
    "confirm", "decide", "takedown", "done", "refer", "note"};

const char *
cf_state_name(enum cf_state s)
{
	return s < CF__STATES ? state_names[s] : "unknown";
}

int
cf_state_parse(const char *s)
{
	for (int i = 0; s != NULL && i < CF__STATES; i++)
		if (strcmp(s, state_names[i]) == 0)
			return i;
	return -1;
}

int
cf_state_stopped(enum cf_state s)
{
	return s == CF_COUNTERFEIT || s == CF_TAKEDOWN_REQUESTED ||
	       s == CF_TAKEN_DOWN || s == CF_REFERRED;
}

int
cf_state_open(enum cf_state s)
{
	return s != CF_GENUINE && s != CF_NOT_GOVERNMENT && s != CF_REFERRED;
}

const char *
cf_action_name(enum cf_action a)
{
	return a < CFA__COUNT ? action_names[a] : "unknown";
}

int
cf_action_parse(const char *s)
{
	for (int i = 0; s != NULL && i < CFA__COUNT; i++)
		if (strcmp(s, action_names[i]) == 0)
			return i;
	return -1;
}

/* 1 if s (n bytes) is UTF-8 text fit for one line (or lines, if ok). */
static int
text_ok(const char *s, size_t max, int lines)
{
	size_t n = strlen(s);

	if (n > max || !str_utf8_valid(s, n))
		return 0;
	return lines || strpbrk(s, "\t\r\n") == NULL;
}

int
cf_candidate_norm(const char *kind, const char *candidate, char *out, size_t n,
		  struct err *e)
{
	const char *p = candidate, *end;
	char host[1100];
	struct domain_info di;
	struct err why;
	size_t len;

	if (candidate == NULL || *candidate == '\0') {
		err_set(e, "the candidate is empty");
		return -1;
	}
	if (!text_ok(candidate, CF_CANDIDATE_MAX - 1, 0)) {
		err_set(e,
			"the candidate is too long (over %d bytes), not "
			"UTF-8 or holds control characters",
			CF_CANDIDATE_MAX - 1);
		return -1;
	}
	while (*p == ' ')
		p++;
	len = strlen(p);
	while (len > 0 && p[len - 1] == ' ')
		len--;
	if (len == 0) {
		err_set(e, "the candidate is empty");
		return -1;
	}
	if (strcmp(kind, "app") == 0 || strcmp(kind, "account") == 0) {
		if (len >= n) {
			err_set(e, "the candidate is too long");
			return -1;
		}
		memcpy(out, p, len);
		out[len] = '\0';
		return 0;
	}
	if (strcmp(kind, "domain") != 0) {
		err_set(e, "kind '%s' is not domain, app or account", kind);
		return -1;
	}
	/* a URL's host: scheme, user info, port and path go */
	if ((end = strstr(p, "://")) != NULL)
		p = end + 3;
	len = strcspn(p, "/?# ");
	{
		const char *at = memchr(p, '@', len);

		if (at != NULL) {
			len -= (size_t)(at + 1 - p);
			p = at + 1;
		}
	}
	if (len >= sizeof(host)) {
		err_set(e, "the domain is too long");
		return -1;
	}
	memcpy(host, p, len);
	host[len] = '\0';
	if (host[0] != '[') {
		char *colon = strrchr(host, ':');

		if (colon != NULL &&
		    strspn(colon + 1, "0123456789") == strlen(colon + 1))
			*colon = '\0';
	}
	if (domain_parse(host, &di, &why) < 0) {
		err_set(e,
			"'%.200s' is not a domain name that can be stopped: "
			"%s",
			host, why.msg);
		return -1;
	}
	return str_copy(out, di.alabel, n) < 0 ? (err_set(e, "too long"), -1)
					       : 0;
}

/* A new case id: "cf-YYYYMMDD-" and 8 random hex digits. */
static int
new_id(char id[CF_ID_MAX], struct err *e)
{
	unsigned char r[4];
	char hex[9], date[11];

	if (rand_bytes(r, sizeof(r)) < 0) {
		err_set(e, "no random bytes");
		return -1;
	}
	hex_encode(r, sizeof(r), hex);
	time_fmt_date(time_now(), date, sizeof(date));
	return str_fmt(id, CF_ID_MAX, "cf-%.4s%.2s%.2s-%s", date, date + 5,
		       date + 8, hex) < 0
		   ? -1
		   : 0;
}

/* The digest of a case's state for the audit record. */
static void
state_digest(const char *id, const char *state, long long at,
	     char out[AUDIT_HASH_HEX])
{
	struct buf b = BUF_INIT(1024);

	buf_printf(&b, "%s\t%s\t%lld", id, state, at);
	audit_digest(b.data, b.len, out);
	buf_cleanup(&b);
}

/* Appends one history record of case id (store in a transaction). */
static int
event_add(struct store *st, const char *id, const char *actor,
	  const char *action, const char *state, const char *note,
	  const char *addresses, struct err *e)
{
	struct store_val v[8];
	long long seq;

	v[0] = SV_TEXT(id);
	seq = store_query_int(st,
			      "SELECT coalesce(max(seq), 0) FROM cf_events "
			      "WHERE case_id = ?",
			      v, 1, 0) +
	      1;
	v[1] = SV_INT(seq);
	v[2] = SV_INT(time_now());
	v[3] = SV_TEXT(actor);
	v[4] = SV_TEXT(action);
	v[5] = SV_TEXT(state);
	v[6] = SV_TEXT(note);
	v[7] = SV_TEXT(addresses);
	return store_exec(st,
			  "INSERT INTO cf_events(case_id, seq, at, actor, "
			  "action, state, note, addresses) VALUES "
			  "(?,?,?,?,?,?,?,?)",
			  v, 8, e);
}

struct row_id {
	char id[CF_ID_MAX];
	int found;
};

static int
first_id(void *arg, struct store_row *r)
{
	struct row_id *x = arg;

	str_copy(x->id, store_row_text(r, 0), sizeof(x->id));
	x->found = 1;
	return 1;
}

int
cf_case_open(struct store *st, const struct cf_subject *s, const char *actor,
	     char id[CF_ID_MAX], int *created, struct err *e)
{
	char cand[CF_CANDIDATE_MAX], after[AUDIT_HASH_HEX], obj[64];
	struct row_id found = {"", 0};
	struct store_val v[12];
	json_t *detail;
	char *dj = NULL;
	long long now = time_now();

	*created = 0;
	if (s->kind == NULL ||
	    cf_candidate_norm(s->kind, s->candidate, cand, sizeof(cand), e) < 0)
		return -1;
	if ((s->platform != NULL && !text_ok(s->platform, 127, 0)) ||
	    (s->protected_name != NULL &&
	     !text_ok(s->protected_name, CF_CANDIDATE_MAX, 0)) ||
	    (s->note != NULL && !text_ok(s->note, CF_NOTE_MAX, 1))) {
		err_set(e, "platform, protected name or note is too long or "
			   "not UTF-8 text");
		return -1;
	}
	if (s->unit != NULL && uscc_check(s->unit, NULL, NULL) < 0) {
		err_set(e, "unit '%.40s' is not a valid credit code", s->unit);
		return -1;
	}
	if (strcmp(s->kind, "account") == 0 &&
	    (s->platform == NULL || *s->platform == '\0')) {
		err_set(e, "an account case needs its platform");
		return -1;
	}
	if (store_begin(st, e) < 0)
		return -1;
	/* one open case per candidate: a second report joins it */
	v[0] = SV_TEXT(s->kind);
	v[1] = SV_TEXT(cand);
	v[2] = SV_TEXT(s->platform != NULL ? s->platform : "");
	if (store_query(st,
			"SELECT id FROM cf_cases WHERE kind = ? AND "
			"candidate = ? AND coalesce(platform, '') = ? AND "
			"state NOT IN ('genuine', 'not_government', "
			"'referred') ORDER BY opened, id LIMIT 1",
			v, 3, first_id, &found, e) < 0)
		goto fail;
	if (found.found) {
		str_copy(id, found.id, CF_ID_MAX);
		if (event_add(st, id, actor, "join", "-",
			      s->note != NULL ? s->note : s->source, NULL,
			      e) < 0)
			goto fail;
		return store_commit(st, e);
	}
	if (new_id(id, e) < 0)
		goto fail;
	detail = json_object();
	if (strcmp(s->kind, "domain") == 0 && strcmp(cand, s->candidate) != 0)
		json_object_set_new(detail, "given", json_string(s->candidate));
	dj = json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(detail);
	v[0] = SV_TEXT(id);
	v[1] = SV_TEXT(s->kind);
	v[2] = SV_TEXT(cand);
	v[3] = SV_TEXT(s->unit);
	v[4] = SV_TEXT(s->protected_name);
	v[5] = SV_TEXT(s->source != NULL ? s->source : "manual");
	v[6] = SV_TEXT("new");
	v[7] = SV_INT(now);
	v[8] = SV_TEXT(actor);
	v[9] = SV_INT(now);
	v[10] = SV_TEXT(dj);
	v[11] = SV_TEXT(
	    s->platform != NULL && *s->platform != '\0' ? s->platform : NULL);
	if (store_exec(st,
		       "INSERT INTO cf_cases(id, kind, candidate, unit, "
		       "protected, source, state, opened, opened_by, updated, "
		       "detail, platform) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
		       v, 12, e) < 0 ||
	    event_add(st, id, actor, "open", "new", s->note, NULL, e) < 0)
		goto fail;
	free(dj);
	dj = NULL;
	state_digest(id, "new", now, after);
	str_fmt(obj, sizeof(obj), "cf_case:%s", id);
	if (audit_append(st, actor, "cf.case.open", obj, NULL, after, e) < 0)
		goto fail;
	*created = 1;
	return store_commit(st, e);
fail:
	free(dj);
	store_rollback(st);
	return -1;
}

/* A hit's fields for a case. */
struct hit_row {
	char kind[16], candidate[CF_CANDIDATE_MAX], unit[32], prot[256],
	    platform[128], case_id[CF_ID_MAX], reason[256];
	int found;
};

static int
hit_row(void *arg, struct store_row *r)
{
	struct hit_row *h = arg;
	const char *d = store_row_text(r, 3);
	json_t *dj;

	str_copy(h->kind, store_row_text(r, 0), sizeof(h->kind));
	str_copy(h->candidate, store_row_text(r, 1), sizeof(h->candidate));
	if (!store_row_null(r, 2))
		str_copy(h->unit, store_row_text(r, 2), sizeof(h->unit));
	str_copy(h->prot, store_row_text(r, 4), sizeof(h->prot));
	if (!store_row_null(r, 5))
		str_copy(h->case_id, store_row_text(r, 5), sizeof(h->case_id));
	str_copy(h->reason, store_row_text(r, 6), sizeof(h->reason));
	/* an account's or app's platform, if the matcher recorded it */
	dj = d != NULL ? json_loads(d, 0, NULL) : NULL;
	if (json_is_object(dj)) {
		const char *p =
		    json_string_value(json_object_get(dj, "platform"));

		if (p == NULL)
			p = json_string_value(json_object_get(dj, "store"));
		if (p != NULL)
			str_copy(h->platform, p, sizeof(h->platform));
	}
	json_decref(dj);
	h->found = 1;
	return 1;
}

int
cf_case_open_hit(struct store *st, const char *hit_id, const char *actor,
		 char id[CF_ID_MAX], struct err *e)
{
	struct hit_row h;
	struct store_val v[2];
	struct cf_subject s;
	char note[512];
	int created;

	memset(&h, 0, sizeof(h));
	v[0] = SV_TEXT(hit_id);
	if (store_begin(st, e) < 0)
		return -1;
	if (store_query(st,
			"SELECT kind, candidate, unit, detail, protected, "
			"case_id, reason FROM cf_hits WHERE id = ?",
			v, 1, hit_row, &h, e) < 0)
		goto fail;
	if (!h.found) {
		err_set(e, "hit '%.60s' does not exist", hit_id);
		goto fail;
	}
	if (h.case_id[0] != '\0') {
		err_set(e, "hit '%.60s' is in case %s already", hit_id,
			h.case_id);
		goto fail;
	}
	memset(&s, 0, sizeof(s));
	s.kind = h.kind;
	s.candidate = h.candidate;
	s.unit = h.unit[0] != '\0' ? h.unit : NULL;
	s.protected_name = h.prot;
	s.platform = h.platform[0] != '\0' ? h.platform : NULL;
	if (strcmp(h.kind, "account") == 0 && s.platform == NULL)
		s.platform = "unknown";
	s.source = "scan";
	str_fmt(note, sizeof(note), "scan hit %.60s: %.300s", hit_id, h.reason);
	s.note = note;
	if (cf_case_open(st, &s, actor, id, &created, e) < 0)
		goto fail;
	v[0] = SV_TEXT(id);
	v[1] = SV_TEXT(hit_id);
	if (store_exec(st, "UPDATE cf_hits SET case_id = ? WHERE id = ?", v, 2,
		       e) < 0)
		goto fail;
	return store_commit(st, e);
fail:
	store_rollback(st);
	return -1;
}

struct idlist {
	char (*ids)[64];
	size_t n, cap;
};

static int
collect_id(void *arg, struct store_row *r)
{
	struct idlist *l = arg;

	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->ids = xrealloc(l->ids, l->cap * sizeof(*l->ids));
	}
	str_copy(l->ids[l->n++], store_row_text(r, 0), sizeof(l->ids[0]));
	return 0;
}

int
cf_case_open_hits(struct store *st, const char *actor, long long *n,
		  struct err *e)
{
	struct idlist l = {NULL, 0, 0};
	char id[CF_ID_MAX];
	struct err one;

	*n = 0;
	if (store_query(st,
			"SELECT id FROM cf_hits WHERE case_id IS NULL ORDER "
			"BY first_seen, id LIMIT 10000",
			NULL, 0, collect_id, &l, e) < 0) {
		free(l.ids);
		return -1;
	}
	for (size_t i = 0; i < l.n; i++) {
		/* a hit that cannot be a case (a bad name) stays listed */
		if (cf_case_open_hit(st, l.ids[i], actor, id, &one) < 0) {
			log_warn("hit %s: %s", l.ids[i], one.msg);
			continue;
		}
		(*n)++;
	}
	free(l.ids);
	return 0;
}

/* The addresses of a step, checked, as a JSON array text (heap) or NULL
 * when none were given; -1 with e on a bad one. */
static int
addresses_json(const char *list, char **out, struct err *e)
{
	json_t *arr;
	const char *p = list;
	int n = 0;

	*out = NULL;
	if (list == NULL || *list == '\0')
		return 0;
	arr = json_array();
	while (*p != '\0') {
		char a[64], *slash;
		unsigned char bin[16];
		size_t len;
		long long bits;
		int v6;

		p += strspn(p, ", ");
		len = strcspn(p, ", ");
		if (len == 0)
			break;
		if (len >= sizeof(a) || ++n > CF_ADDRESSES_MAX) {
			err_set(e, "too many or too long addresses");
			goto bad;
		}
		memcpy(a, p, len);
		a[len] = '\0';
		p += len;
		slash = strchr(a, '/');
		if (slash != NULL)
			*slash = '\0';
		v6 = strchr(a, ':') != NULL;
		if (inet_pton(v6 ? AF_INET6 : AF_INET, a, bin) != 1 ||
		    (slash != NULL && str_to_ll(slash + 1, v6 ? 16 : 8,
						v6 ? 128 : 32, &bits) < 0)) {
			if (slash != NULL)
				*slash = '/';
			err_set(e,
				"'%s' is not an IPv4 or IPv6 address (or a "
				"prefix of at least /8 or /16)",
				a);
			goto bad;
		}
		if (slash != NULL)
			*slash = '/';
		json_array_append_new(arr, json_string(a));
	}
	*out = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	return 0;
bad:
	json_decref(arr);
	return -1;
}

struct case_row {
	char id[CF_ID_MAX], kind[16], candidate[CF_CANDIDATE_MAX], state[32];
	long long updated;
	int found;
};

static int
case_row(void *arg, struct store_row *r)
{
	struct case_row *c = arg;

	str_copy(c->id, store_row_text(r, 0), sizeof(c->id));
	str_copy(c->kind, store_row_text(r, 1), sizeof(c->kind));
	str_copy(c->candidate, store_row_text(r, 2), sizeof(c->candidate));
	str_copy(c->state, store_row_text(r, 3), sizeof(c->state));
	c->updated = store_row_int(r, 4);
	c->found = 1;
	return 1;
}

/* The evidence bundle of a referral (new reference): the case as the
 * console shows it, without complainants' contacts. */
static json_t *
bundle_of(struct store *st, const char *id, const struct cf_step *s,
	  const char *actor, struct err *e)
{
	json_t *c = cf_case_json(st, id, NULL, e), *b;
	char at[32];

	if (c == NULL)
		return NULL;
	time_fmt(time_now(), at, sizeof(at));
	json_object_del(c, "referral");
	b = json_pack("{s:s, s:s, s:s, s:s?, s:s, s:o}", "format",
		      "govsec-cf-referral/1", "agency", s->agency,
		      "referred_by", actor, "reference", s->reference, "at", at,
		      "case", c);
	return b;
}

int
cf_case_step(struct store *st, const char *id, const struct cf_step *s,
	     const char *actor, struct err *e)
{
	static const struct {
		enum cf_action a;
		enum cf_state from;
		enum cf_state to;
		const char *col;
	} moves[] = {
	    {CFA_CONFIRM, CF_NEW, CF_CONFIRMING, "confirming"},
	    {CFA_TAKEDOWN, CF_COUNTERFEIT, CF_TAKEDOWN_REQUESTED, "requested"},
	    {CFA_DONE, CF_TAKEDOWN_REQUESTED, CF_TAKEN_DOWN, "taken_down"},
	    {CFA_REFER, CF_TAKEN_DOWN, CF_REFERRED, "referred"},
	};
	struct case_row c;
	struct store_val v[8];
	char before[AUDIT_HASH_HEX], after[AUDIT_HASH_HEX], obj[64], action[32],
	    sql[256];
	char *addrs = NULL, *bundle = NULL;
	const char *audit_after = after;
	enum cf_state from, to;
	long long now = time_now();
	const char *col = NULL;
	int cur;

	memset(&c, 0, sizeof(c));
	if (s->action >= CFA__COUNT) {
		err_set(e, "unknown step");
		return -1;
	}
	if (s->note != NULL && !text_ok(s->note, CF_NOTE_MAX, 1)) {
		err_set(e, "the note is over %d bytes or not UTF-8 text",
			CF_NOTE_MAX);
		return -1;
	}
	if (addresses_json(s->addresses, &addrs, e) < 0)
		return -1;
	if (store_begin(st, e) < 0) {
		free(addrs);
		return -1;
	}
	v[0] = SV_TEXT(id);
	if (store_query(st,
			"SELECT id, kind, candidate, state, updated FROM "
			"cf_cases WHERE id = ?",
			v, 1, case_row, &c, e) < 0)
		goto fail;
	if (!c.found) {
		err_set(e, "case '%.60s' does not exist", id);
		goto fail;
	}
	cur = cf_state_parse(c.state);
	if (cur < 0) {
		err_set(e, "case %s has an unknown state '%s'", id, c.state);
		goto fail;
	}
	from = (enum cf_state)cur;
	to = from;
	if (s->action == CFA_NOTE) {
		if ((s->note == NULL || *s->note == '\0') && addrs == NULL) {
			err_set(e, "a note needs its text or addresses");
			goto fail;
		}
	} else if (s->action == CFA_DECIDE) {
		int d = cf_state_parse(s->decision);

		if (d != CF_COUNTERFEIT && d != CF_GENUINE &&
		    d != CF_NOT_GOVERNMENT) {
			err_set(e,
				"decision '%.40s' is not counterfeit, genuine "
				"or not_government",
				s->decision != NULL ? s->decision : "");
			goto fail;
		}
		if (from != CF_CONFIRMING) {
			err_set(e,
				"case %s is %s: only a case being confirmed "
				"can be decided (govsec counterfeit case "
				"confirm first)",
				id, c.state);
			goto fail;
		}
		if (s->note == NULL || *s->note == '\0') {
			err_set(e, "a decision needs a note saying how it was "
				   "confirmed");
			goto fail;
		}
		to = (enum cf_state)d;
		col = "decided";
	} else {
		size_t i;

		for (i = 0; i < ARRAY_SIZE(moves); i++)
			if (moves[i].a == s->action)
				break;
		if (from != moves[i].from) {
			err_set(e,
				"case %s is %s: '%s' needs a case that is %s",
				id, c.state, cf_action_name(s->action),
				cf_state_name(moves[i].from));
			goto fail;
		}
		to = moves[i].to;
		col = moves[i].col;
		if (s->action == CFA_REFER &&
		    (s->agency == NULL || *s->agency == '\0' ||
		     !text_ok(s->agency, 200, 0) ||
		     (s->reference != NULL &&
		      !text_ok(s->reference, 200, 0)))) {
			err_set(e, "a referral needs the agency (at most 200 "
				   "bytes) it goes to");
			goto fail;
		}
	}
	if (from != to) {
		if (str_fmt(sql, sizeof(sql),
			    "UPDATE cf_cases SET state = ?, updated = ?, %s = ?"
			    "%s WHERE id = ? AND state = ?",
			    col,
			    s->action == CFA_DECIDE ? ", decided_by = ?" : "") <
		    0)
			goto fail;
		v[0] = SV_TEXT(cf_state_name(to));
		v[1] = SV_INT(now);
		v[2] = SV_INT(now);
		if (s->action == CFA_DECIDE) {
			v[3] = SV_TEXT(actor);
			v[4] = SV_TEXT(id);
			v[5] = SV_TEXT(c.state);
		} else {
			v[3] = SV_TEXT(id);
			v[4] = SV_TEXT(c.state);
		}
		if (store_exec(st, sql, v, s->action == CFA_DECIDE ? 6 : 5, e) <
		    0)
			goto fail;
		if (store_changes(st) != 1) {
			err_set(e, "case %s changed meanwhile; try again", id);
			goto fail;
		}
	}
	if (event_add(st, id, actor, cf_action_name(s->action),
		      cf_state_name(to), s->note, addrs, e) < 0)
		goto fail;
	if (s->unit != NULL) {
		v[0] = SV_TEXT(s->unit);
		if (s->action == CFA_REFER ||
		    store_query_int(st,
				    "SELECT count(*) FROM units WHERE "
				    "uscc = ?",
				    v, 1, 0) != 1) {
			err_set(e,
				"unit '%.40s' is not a registered unit (or "
				"the case is being referred)",
				s->unit);
			goto fail;
		}
		v[1] = SV_TEXT(id);
		if (store_exec(st, "UPDATE cf_cases SET unit = ? WHERE id = ?",
			       v, 2, e) < 0)
			goto fail;
	}
	if (s->action == CFA_REFER) {
		json_t *b = bundle_of(st, id, s, actor, e);

		if (b == NULL)
			goto fail;
		bundle = json_dumps(b, JSON_INDENT(1) | JSON_SORT_KEYS);
		json_decref(b);
		if (bundle == NULL) {
			err_set(e, "cannot encode the evidence bundle");
			goto fail;
		}
		audit_digest(bundle, strlen(bundle), after);
		v[0] = SV_TEXT(id);
		v[1] = SV_INT(now);
		v[2] = SV_TEXT(actor);
		v[3] = SV_TEXT(s->agency);
		v[4] = SV_TEXT(s->reference);
		v[5] = SV_TEXT(bundle);
		v[6] = SV_TEXT(after);
		if (store_exec(st,
			       "INSERT INTO cf_referrals(case_id, at, actor, "
			       "agency, reference, bundle, digest) VALUES "
			       "(?,?,?,?,?,?,?)",
			       v, 7, e) < 0)
			goto fail;
	} else
		state_digest(id, cf_state_name(to), now, after);
	state_digest(id, c.state, c.updated, before);
	str_fmt(obj, sizeof(obj), "cf_case:%s", id);
	str_fmt(action, sizeof(action), "cf.case.%s",
		cf_action_name(s->action));
	if (audit_append(st, actor, action, obj, before, audit_after, e) < 0)
		goto fail;
	free(addrs);
	free(bundle);
	return store_commit(st, e);
fail:
	free(addrs);
	free(bundle);
	store_rollback(st);
	return -1;
}

/* ---- listings ---------------------------------------------------------- */

/* Rows to JSON objects: names[i] is column i, types[i] 's' text, 'i'
 * integer, 't' epoch seconds as RFC 3339, 'j' JSON text. */
struct rows {
	const char *const *names;
	const char *types;
	json_t *arr;
};

static int
row_json(void *arg, struct store_row *r)
{
	struct rows *x = arg;
	json_t *o = json_object();

	for (int i = 0; x->names[i] != NULL; i++) {
		json_t *val;

		if (store_row_null(r, i))
			val = json_null();
		else if (x->types[i] == 'i')
			val = json_integer(store_row_int(r, i));
		else if (x->types[i] == 't') {
			char t[32];

			time_fmt((time_t)store_row_int(r, i), t, sizeof(t));
			val = json_string(t);
		} else if (x->types[i] == 'j') {
			val = json_loads(store_row_text(r, i), 0, NULL);
			if (val == NULL)
				val = json_null();
		} else {
			const char *s = store_row_text(r, i);

			val = s != NULL && str_utf8_valid(s, strlen(s))
				  ? json_string(s)
				  : json_null();
		}
		json_object_set_new(o, x->names[i], val);
	}
	json_array_append_new(x->arr, o);
	return 0;
}

static json_t *
rows_json(struct store *st, const char *sql, const struct store_val *v, int nv,
	  const char *const *names, const char *types, struct err *e)
{
	struct rows x = {names, types, json_array()};

	if (store_query(st, sql, v, nv, row_json, &x, e) < 0) {
		json_decref(x.arr);
		return NULL;
	}
	return x.arr;
}

static long long
clamp_limit(long long limit)
{
	return limit <= 0 || limit > CF_LIST_MAX ? CF_LIST_MAX : limit;
}

static const char *const case_cols[] = {
    "id",	  "kind",	"candidate", "platform",   "unit",
    "protected",  "source",	"state",     "opened",	   "opened_by",
    "updated",	  "confirming", "decided",   "decided_by", "requested",
    "taken_down", "referred",	"detail",    "unit_name",  NULL};
static const char case_types[] = "sssssssststttstttjs";
#define CASE_SELECT                                                            \
	"SELECT c.id, c.kind, c.candidate, c.platform, c.unit, c.protected, "  \
	"c.source, "                                                           \
	"c.state, c.opened, c.opened_by, c.updated, c.confirming, "            \
	"c.decided, c.decided_by, c.requested, c.taken_down, c.referred, "     \
	"c.detail, u.name FROM cf_cases c LEFT JOIN units u ON u.uscc = "      \
	"c.unit "

json_t *
cf_case_list(struct store *st, const char *state, long long limit,
	     struct err *e)
{
	struct store_val v[2];

	if (state != NULL && cf_state_parse(state) < 0) {
		err_set(e,
			"state '%.40s' is not one of new, confirming, "
			"counterfeit, genuine, not_government, "
			"takedown_requested, taken_down, referred",
			state);
		return NULL;
	}
	v[0] = SV_TEXT(state);
	v[1] = SV_INT(clamp_limit(limit));
	return rows_json(st,
			 CASE_SELECT "WHERE (? IS NULL OR c.state = ?) ORDER "
				     "BY c.opened DESC, c.id LIMIT ?",
			 (struct store_val[]){v[0], v[0], v[1]}, 3, case_cols,
			 case_types, e);
}

static const char *const hit_cols[] = {
    "id",	 "kind",    "candidate", "detail", "unit",
    "protected", "reason",  "score",	 "scan",   "first_seen",
    "last_seen", "case_id", NULL};

json_t *
cf_hit_list(struct store *st, int unassigned, long long limit, struct err *e)
{
	struct store_val v[2] = {SV_INT(unassigned ? 1 : 0),
				 SV_INT(clamp_limit(limit))};

	return rows_json(st,
			 "SELECT id, kind, candidate, detail, unit, protected, "
			 "reason, score, scan, first_seen, last_seen, case_id "
			 "FROM cf_hits WHERE (? = 0 OR case_id IS NULL) ORDER "
			 "BY last_seen DESC, id LIMIT ?",
			 v, 2, hit_cols, "sssjsssistts", e);
}

json_t *
cf_scan_list(struct store *st, long long limit, struct err *e)
{
	static const char *const cols[] = {"id",      "feed",	  "kind",
					   "started", "finished", "candidates",
					   "hits",    "error",	  NULL};
	struct store_val v[1] = {SV_INT(clamp_limit(limit))};

	return rows_json(st,
			 "SELECT id, feed, kind, started, finished, "
			 "candidates, hits, error FROM cf_scans ORDER BY "
			 "started DESC, id LIMIT ?",
			 v, 1, cols, "sssttiis", e);
}

json_t *
cf_case_json(struct store *st, const char *id, const struct secret_key *k,
	     struct err *e)
{
	static const char *const ev_cols[] = {
	    "seq", "at", "actor", "action", "state", "note", "addresses", NULL};
	static const char *const ref_cols[] = {
	    "at", "actor", "agency", "reference", "digest", "bundle", NULL};
	struct store_val v[1] = {SV_TEXT(id)};
	json_t *arr, *c, *x, *refs;

	arr = rows_json(st, CASE_SELECT "WHERE c.id = ?", v, 1, case_cols,
			case_types, e);
	if (arr == NULL)
		return NULL;
	if (json_array_size(arr) == 0) {
		json_decref(arr);
		err_set(e, "case '%.60s' does not exist", id);
		return NULL;
	}
	c = json_incref(json_array_get(arr, 0));
	json_decref(arr);
	x = rows_json(st,
		      "SELECT seq, at, actor, action, state, note, addresses "
		      "FROM cf_events WHERE case_id = ? ORDER BY seq",
		      v, 1, ev_cols, "itssssj", e);
	if (x == NULL)
		goto fail;
	json_object_set_new(c, "history", x);
	x = rows_json(st,
		      "SELECT id, kind, candidate, detail, unit, protected, "
		      "reason, score, scan, first_seen, last_seen, case_id "
		      "FROM cf_hits WHERE case_id = ? ORDER BY first_seen, id",
		      v, 1, hit_cols, "sssjsssistts", e);
	if (x == NULL)
		goto fail;
	json_object_set_new(c, "hits", x);
	x = cf_complaint_list_of(st, id, k, e);
	if (x == NULL)
		goto fail;
	json_object_set_new(c, "complaints", x);
	refs = rows_json(st,
			 "SELECT at, actor, agency, reference, digest, bundle "
			 "FROM cf_referrals WHERE case_id = ?",
			 v, 1, ref_cols, "tssssj", e);
	if (refs == NULL)
		goto fail;
	json_object_set(c, "referral",
			json_array_size(refs) > 0 ? json_array_get(refs, 0)
						  : json_null());
	json_decref(refs);
	return c;
fail:
	json_decref(c);
	return NULL;
}
