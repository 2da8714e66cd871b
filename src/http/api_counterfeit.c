/*
 * api_counterfeit.c: the counterfeit routes (docs/api.md, "Counterfeits"):
 * on the public listener the complaint form, its script, the tracking
 * page, the JSON API behind them (a proof-of-work challenge, then the
 * complaint; rate limited per address) and the warning page of stopped
 * names; on the console the hits, scans, cases with their steps,
 * complaints and takedown lists. Everything a client sends is untrusted;
 * handlers only read the request and call src/counterfeit.
 */
#include <stdlib.h>
#include <string.h>

#include "counterfeit/cases.h"
#include "http/http.h"

/* The form's pages run their own script and post to this listener. */
#define FORM_CSP                                                               \
	"default-src 'none'; script-src 'self'; connect-src 'self'; "          \
	"style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri "         \
	"'none'; form-action 'self'"

/* ---- rate limits per address (public listener, under ctx->lock) ------- */

#define BUCKETS 4096

static struct http_bucket complaint_buckets[BUCKETS],
    challenge_buckets[BUCKETS];

/* The key of an address: IPv6 by its /64 (one host has many). */
static void
addr_key(const char *peer, char out[48])
{
	str_copy(out, peer != NULL ? peer : "-", 48);
	if (strchr(out, ':') != NULL) {
		int colons = 0;

		for (char *p = out; *p != '\0'; p++)
			if (*p == ':' && ++colons == 4) {
				*p = '\0';
				break;
			}
	}
}

/* 0 if peer may go on (one token taken), else the seconds to wait. The
 * bucket holds per_hour tokens and refills at per_hour an hour. */
static int
rate_take(struct http_bucket *tab, const char *peer, int per_hour)
{
	char key[48];

	addr_key(peer, key);
	return http_rate_take(tab, BUCKETS, key, per_hour, 3600 * 1000LL);
}

static int
too_many(struct http_req *r, int wait, const char *what)
{
	char s[16];

	str_fmt(s, sizeof(s), "%d", wait);
	http_header_add(r, "Retry-After", s);
	return http_error(
	    r, 429, "too many %s from this address; retry in %d s", what, wait);
}

/* ---- public pages ------------------------------------------------------- */

static int
html(struct http_req *r, int status, struct buf *b, const char *csp)
{
	free(r->out);
	r->out = buf_detach(b, &r->out_len);
	r->ctype = "text/html; charset=utf-8";
	r->status = status;
	r->csp = csp;
	return 0;
}

static const char *
lang_of(struct http_req *r)
{
	const char *l = http_query(r, "lang");

	if (l != NULL)
		return strcmp(l, "en") == 0 ? "en" : "zh";
	l = http_req_header(r, "Accept-Language");
	return l != NULL && str_starts(l, "en") ? "en" : "zh";
}

int
http_cf_form(struct http_req *r)
{
	struct buf b = BUF_INIT(64 * 1024);

	return html(r, cf_complaint_page(&b, lang_of(r)), &b, FORM_CSP);
}

int
http_cf_form_js(struct http_req *r)
{
	const char *js = cf_complaint_js();

	free(r->out);
	r->out = xstrdup(js);
	r->out_len = strlen(js);
	r->ctype = "text/javascript; charset=utf-8";
	r->status = 200;
	return 0;
}

int
http_cf_track_page(struct http_req *r)
{
	struct buf b = BUF_INIT(64 * 1024);
	int status;

	http_lock(r);
	status =
	    cf_track_page(r->ctx->st, http_query(r, "code"), lang_of(r), &b);
	return html(r, status, &b, FORM_CSP);
}

int
http_cf_warning(struct http_req *r)
{
	struct buf b = BUF_INIT(64 * 1024);
	const char *host = http_req_header(r, "Host");
	int status;

	if (str_starts(r->path, "/v1/") || strcmp(r->path, "/v1") == 0)
		return http_error(r, 404, "no such resource '%s'", r->path);
	http_lock(r);
	/* /warning: the generic page; any other path: the page of the name
	 * the browser asked for, if it is stopped */
	status = cf_warning_page(r->ctx->st,
				 strcmp(r->path, "/warning") == 0 ? NULL : host,
				 lang_of(r), &b);
	return html(r, status, &b, NULL);
}

/* ---- public JSON API ----------------------------------------------------- */

int
http_cf_challenge(struct http_req *r)
{
	char ch[CF_CHALLENGE_MAX], exp[32];
	const struct config *cfg = r->ctx->cfg;
	time_t expires;
	struct err e;
	int wait;

	http_lock(r);
	/* a challenge costs the server a row: ten per complaint allowed */
	if ((wait = rate_take(challenge_buckets, r->peer,
			      cfg->cf_per_hour * 10)) > 0)
		return too_many(r, wait, "challenges");
	if (cf_pow_issue(r->ctx->st, cfg->cf_pow_bits, CF_POW_SECONDS, ch,
			 &expires, &e) < 0)
		return http_internal(r, e.msg);
	time_fmt(expires, exp, sizeof(exp));
	return http_json(r, 200,
			 json_pack("{s:s, s:i, s:s, s:s}", "challenge", ch,
				   "bits", cfg->cf_pow_bits, "expires", exp,
				   "algorithm",
				   "sha256(challenge ':' nonce) starts with "
				   "bits zero bits; nonce in hex"));
}

int
http_cf_complaint_post(struct http_req *r)
{
	struct cf_complaint_in *in;
	char tracking[CF_TRACKING_MAX], cand[CF_CANDIDATE_MAX];
	struct err e;
	int wait, rc;

	if (http_req_header(r, "Content-Type") == NULL ||
	    !str_starts(http_req_header(r, "Content-Type"), "application/json"))
		return http_error(r, 415,
				  "the complaint must be JSON with "
				  "Content-Type application/json");
	in = xcalloc(1, sizeof(*in));
	if (cf_complaint_parse(r->body, r->body_len, in, &e) < 0) {
		free(in);
		return http_error(r, r->body_len > CF_COMPLAINT_MAX ? 413 : 422,
				  "%s", e.msg);
	}
	if (cf_candidate_norm(in->kind, in->target, cand, sizeof(cand), &e) <
	    0) {
		free(in);
		return http_error(r, 422, "$.target: %s", e.msg);
	}
	http_lock(r);
	rc = cf_pow_redeem(r->ctx->st, in->challenge, in->nonce, &e);
	if (rc <= 0) {
		free(in);
		return rc < 0 ? http_internal(r, e.msg)
			      : http_error(r, 403, "proof of work: %s", e.msg);
	}
	/* counted after the work: a flood pays for every try */
	if ((wait = rate_take(complaint_buckets, r->peer,
			      r->ctx->cfg->cf_per_hour)) > 0) {
		free(in);
		return too_many(r, wait, "complaints");
	}
	if (cf_complaint_submit(r->ctx->st, r->ctx->key, in, tracking, &e) <
	    0) {
		free(in);
		return http_internal(r, e.msg);
	}
	memset(in, 0, sizeof(*in));
	free(in);
	return http_json(r, 201,
			 json_pack("{s:s, s:s, s:s}", "tracking", tracking,
				   "state", "new", "status_url",
				   "/v1/complaints/status?code="));
}

int
http_cf_complaint_status(struct http_req *r)
{
	json_t *t;

	http_lock(r);
	t = cf_complaint_track(r->ctx->st, http_query(r, "code"));
	if (t == NULL)
		return http_error(r, 404,
				  "no complaint has this tracking code");
	return http_json(r, 200, t);
}

/* ---- console ------------------------------------------------------------- */

static long long
limit_of(struct http_req *r)
{
	long long n = CF_LIST_MAX;
	const char *s = http_query(r, "limit");

	if (s != NULL && str_to_ll(s, 1, CF_LIST_MAX, &n) < 0)
		return -1;
	return n;
}

static int
reply(struct http_req *r, json_t *j, struct err *e, int status)
{
	if (j == NULL)
		return http_error(r, status, "%s", e->msg);
	return http_json(r, 200, j);
}

int
http_cf_hits(struct http_req *r)
{
	const char *u = http_query(r, "unassigned");
	long long n = limit_of(r);
	struct err e;

	if (n < 0)
		return http_error(r, 400, "limit: 1 to %d", CF_LIST_MAX);
	return reply(
	    r, cf_hit_list(r->ctx->st, u != NULL && strcmp(u, "1") == 0, n, &e),
	    &e, 500);
}

int
http_cf_scans(struct http_req *r)
{
	long long n = limit_of(r);
	struct err e;

	if (n < 0)
		return http_error(r, 400, "limit: 1 to %d", CF_LIST_MAX);
	return reply(r, cf_scan_list(r->ctx->st, n, &e), &e, 500);
}

int
http_cf_cases(struct http_req *r)
{
	long long n = limit_of(r);
	struct err e;

	if (n < 0)
		return http_error(r, 400, "limit: 1 to %d", CF_LIST_MAX);
	return reply(r, cf_case_list(r->ctx->st, http_query(r, "state"), n, &e),
		     &e, 400);
}

/* 1 if the account may read complainants' contacts. */
static int
sees_contacts(struct http_req *r)
{
	return (http_role_bit(r->role) & (ROLES_WRITE | ROLES_AUDIT)) != 0;
}

int
http_cf_case(struct http_req *r)
{
	struct err e;
	json_t *c = cf_case_json(r->ctx->st, r->arg[0],
				 sees_contacts(r) ? r->ctx->key : NULL, &e);

	if (c == NULL)
		return http_error(r, 404, "%s", e.msg);
	return http_json(r, 200, c);
}

static char *
actor_of(struct http_req *r)
{
	return arena_printf(&r->arena, "console:%s", r->user);
}

int
http_cf_case_open(struct http_req *r)
{
	static const char *const known[] = {
	    "hit", "hits", "kind", "candidate", "platform", "unit", "note"};
	json_t *o;
	char id[CF_ID_MAX];
	struct err e;
	int bad = 0, created = 1;
	const char *hit;

	if (http_body_object(r, &o) < 0)
		return 0;
	if (http_body_known(r, o, known, ARRAY_SIZE(known)) < 0)
		goto done;
	if (json_is_true(json_object_get(o, "hits"))) {
		long long n;

		if (cf_case_open_hits(r->ctx->st, actor_of(r), &n, &e) < 0)
			http_error(r, 422, "%s", e.msg);
		else
			http_json(r, 200,
				  json_pack("{s:I}", "opened", (json_int_t)n));
		goto done;
	}
	hit = http_body_str(r, o, "hit", 0, &bad);
	if (bad)
		goto done;
	if (hit != NULL) {
		if (cf_case_open_hit(r->ctx->st, hit, actor_of(r), id, &e) <
		    0) {
			http_error(r, 422, "%s", e.msg);
			goto done;
		}
	} else {
		struct cf_subject s;

		memset(&s, 0, sizeof(s));
		s.kind = http_body_str(r, o, "kind", 1, &bad);
		if (!bad)
			s.candidate = http_body_str(r, o, "candidate", 1, &bad);
		if (!bad)
			s.platform = http_body_str(r, o, "platform", 0, &bad);
		if (!bad)
			s.unit = http_body_str(r, o, "unit", 0, &bad);
		if (!bad)
			s.note = http_body_str(r, o, "note", 0, &bad);
		if (bad)
			goto done;
		s.source = "manual";
		if (cf_case_open(r->ctx->st, &s, actor_of(r), id, &created,
				 &e) < 0) {
			http_error(r, 422, "%s", e.msg);
			goto done;
		}
	}
	http_json(r, created ? 201 : 200,
		  json_pack("{s:s, s:b}", "id", id, "created", created));
done:
	json_decref(o);
	return 0;
}

int
http_cf_case_step(struct http_req *r)
{
	static const char *const known[] = {"note",   "addresses", "decision",
					    "agency", "reference", "unit"};
	struct cf_step s;
	json_t *o;
	struct err e;
	int a = cf_action_parse(r->arg[1]), bad = 0;

	if (a < 0)
		return http_error(r, 404,
				  "no step '%s' (confirm, decide, takedown, "
				  "done, refer, note)",
				  r->arg[1]);
	if (http_body_object(r, &o) < 0)
		return 0;
	if (http_body_known(r, o, known, ARRAY_SIZE(known)) < 0)
		goto done;
	memset(&s, 0, sizeof(s));
	s.action = (enum cf_action)a;
	s.note = http_body_str(r, o, "note", 0, &bad);
	if (!bad)
		s.addresses = http_body_str(r, o, "addresses", 0, &bad);
	if (!bad)
		s.decision = http_body_str(r, o, "decision", 0, &bad);
	if (!bad)
		s.agency = http_body_str(r, o, "agency", 0, &bad);
	if (!bad)
		s.reference = http_body_str(r, o, "reference", 0, &bad);
	if (!bad)
		s.unit = http_body_str(r, o, "unit", 0, &bad);
	if (bad)
		goto done;
	if (cf_case_step(r->ctx->st, r->arg[0], &s, actor_of(r), &e) < 0) {
		http_error(r, strstr(e.msg, "does not exist") ? 404 : 409, "%s",
			   e.msg);
		goto done;
	}
	json_decref(o);
	return http_cf_case(r);
done:
	json_decref(o);
	return 0;
}

int
http_cf_complaints(struct http_req *r)
{
	long long n = limit_of(r);
	struct err e;

	if (n < 0)
		return http_error(r, 400, "limit: 1 to %d", CF_LIST_MAX);
	return reply(r,
		     cf_complaint_list(r->ctx->st,
				       sees_contacts(r) ? r->ctx->key : NULL, n,
				       &e),
		     &e, 500);
}

int
http_cf_takedown(struct http_req *r)
{
	struct err e;

	return reply(r, cf_takedown_json(r->ctx->st, &e), &e, 500);
}

int
http_cf_notice(struct http_req *r)
{
	struct buf b = BUF_INIT(1 << 20);
	const char *f = http_query(r, "format");
	int h = f != NULL && strcmp(f, "html") == 0;
	struct err e;

	if (cf_takedown_notice(r->ctx->st, r->arg[0], h, &b, &e) < 0) {
		buf_cleanup(&b);
		return http_error(r, 404, "%s", e.msg);
	}
	free(r->out);
	r->out = buf_detach(&b, &r->out_len);
	r->ctype =
	    h ? "text/html; charset=utf-8" : "application/json; charset=utf-8";
	if (h) /* a printable page with its style inline */
		r->csp = "default-src 'none'; style-src 'unsafe-inline'; "
			 "frame-ancestors 'none'; base-uri 'none'; "
			 "form-action 'none'";
	r->status = 200;
	return 0;
}
