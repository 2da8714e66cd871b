/*
 * api_ecert.c: the public listener's e-certificate routes (docs/api.md,
 * "Verification service"): the CA chain and the newest CRL for anyone, and
 * for registered platform operators, with an API key, a challenge for a
 * unit to sign and the verification that answers with a signed receipt.
 * Each key has its own rate (a token bucket here); every verification and
 * challenge is audited under the operator's name. Bodies, headers and keys
 * are untrusted; the CA is loaded once, with its keys, on first use.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "ecert/ecert.h"
#include "http/http.h"

#define BUCKETS	      256
#define SIG_MAX	      160 /* an SM2 signature in DER is at most 72 bytes */
#define CERT_MAX      (16 * 1024)
#define LOGO_PAGE_MAX (256 * 1024)

/* Token buckets per key id, under ctx->lock (one public listener). */
static struct http_bucket buckets[BUCKETS];

/* The CA with its keys, loaded once; NULL with a 503 set. */
static struct ecert_ca *
ca_get(struct http_req *r)
{
	struct http_ctx *c = r->ctx;
	struct secret_key kek = {0};
	struct err e;

	if (c->ecert != NULL)
		return c->ecert;
	if (c->st == NULL) {
		http_error(r, 503, "the verification service has no store");
		return NULL;
	}
	c->ecert = xcalloc(1, sizeof(*c->ecert));
	if (ecert_kek(&kek, c->cfg, config_store_path(c->cfg, NULL), 0, &e) <
		0 ||
	    ecert_ca_load(c->st, &kek, c->ecert, &e) < 0) {
		secret_key_wipe(&kek);
		free(c->ecert);
		c->ecert = NULL;
		log_warn("verification service: %s", e.msg);
		http_error(r, 503,
			   "the verification service is not ready: no "
			   "CA, or its key-encryption key is missing");
		return NULL;
	}
	secret_key_wipe(&kek);
	return c->ecert;
}

struct ecert_ca *
http_ecert_ca(struct http_req *r)
{
	return ca_get(r);
}

/* The caller's key from Authorization; 0 with 401 or 429 set if none. */
static int
caller(struct http_req *r, struct ecert_caller *who)
{
	struct err e;
	char wait[16];
	int rc = ecert_key_auth(r->ctx->st, http_req_header(r, "Authorization"),
				who, &e);

	if (rc < 0) {
		http_internal(r, e.msg);
		return 0;
	}
	if (rc == 0) {
		http_header_add(r, "WWW-Authenticate",
				"Bearer realm=\"govsec verification\"");
		http_error(r, 401,
			   "an operator's API key is needed: Authorization: "
			   "Bearer gsk_...");
		return 0;
	}
	if ((rc = http_rate_take(buckets, BUCKETS, who->key_id, who->rate,
				 60000)) > 0) {
		str_fmt(wait, sizeof(wait), "%d", rc);
		http_header_add(r, "Retry-After", wait);
		http_error(r, 429,
			   "key %s is over its rate of %d verifications a "
			   "minute; retry in %d s",
			   who->key_id, who->rate, rc);
		return 0;
	}
	return 1;
}

static void
audit_call(struct http_req *r, const struct ecert_caller *who,
	   const char *action, const char *unit, const char *outcome)
{
	char actor[160], obj[64];
	struct err e;

	str_fmt(actor, sizeof(actor), "operator:%s", who->operator);
	str_fmt(obj, sizeof(obj), "unit:%s", unit);
	if (auditq_put(actor, action, obj, NULL, outcome) < 0 &&
	    audit_append(r->ctx->st, actor, action, obj, NULL, outcome, &e) < 0)
		log_error("audit of %s by %s: %s", action, actor, e.msg);
}

int
http_v1_ca(struct http_req *r)
{
	struct ecert_ca *ca;
	struct buf b = BUF_INIT(64 * 1024);
	char *p;

	http_lock(r);
	if ((ca = ca_get(r)) == NULL)
		return 0;
	for (int i = 0; i < 3; i++) {
		p = sm2_cert_pem(i == 0	  ? ca->issuing
				 : i == 1 ? ca->receipt
					  : ca->root);
		buf_addstr(&b, p);
		free(p);
	}
	free(r->out);
	r->out = buf_detach(&b, &r->out_len);
	r->ctype = "application/pem-certificate-chain";
	r->status = 200;
	return 0;
}

int
http_v1_crl(struct http_req *r)
{
	char *pem;

	http_lock(r);
	if (r->ctx->st == NULL)
		return http_error(r, 503, "no store");
	if ((pem = ecert_crl_latest(r->ctx->st)) == NULL)
		return http_error(r, 404, "no CRL has been signed yet");
	free(r->out);
	r->out = pem;
	r->out_len = strlen(pem);
	r->ctype = "application/x-pem-file";
	r->status = 200;
	return 0;
}

int
http_v1_challenge(struct http_req *r)
{
	static const char *const known[] = {"uscc"};
	struct ecert_caller who;
	json_t *o = NULL;
	const char *unit;
	char ch[48], exp[32];
	struct err e;
	int bad = 0, rc;

	http_lock(r);
	if (ca_get(r) == NULL || !caller(r, &who))
		return 0;
	if (http_body_object(r, &o) < 0)
		return 0;
	if (http_body_known(r, o, known, ARRAY_SIZE(known)) < 0 ||
	    (unit = http_body_str(r, o, "uscc", 1, &bad)) == NULL)
		goto out;
	if ((rc = ecert_challenge_new(r->ctx->st, &who, unit, ch, exp, &e)) <
	    0) {
		http_internal(r, e.msg);
		goto out;
	}
	if (rc == 0) {
		http_error(r, 404, "%s", e.msg);
		goto out;
	}
	audit_call(r, &who, "ecert.challenge", unit, NULL);
	http_json(r, 201,
		  json_pack("{s:s, s:s, s:s}", "challenge", ch, "expires", exp,
			    "sign",
			    "the challenge's characters as bytes, "
			    "SM2 with SM3 and the ID " ECERT_DISTID));
out:
	json_decref(o);
	return 0;
}

int
http_v1_verify(struct http_req *r)
{
	static const char *const known[] = {"certificate", "uscc", "challenge",
					    "signature"};
	struct ecert_caller who;
	struct ecert_verdict v;
	struct ecert_ca *ca;
	const char *cert, *unit = NULL, *ch = NULL, *sig = NULL, *method;
	unsigned char raw[SIG_MAX];
	json_t *o = NULL;
	struct err e;
	char *receipt;
	int bad = 0, n, status;

	http_lock(r);
	if ((ca = ca_get(r)) == NULL || !caller(r, &who))
		return 0;
	if (http_body_object(r, &o) < 0)
		return 0;
	if (http_body_known(r, o, known, ARRAY_SIZE(known)) < 0)
		goto out;
	cert = http_body_str(r, o, "certificate", 0, &bad);
	if (!bad && cert == NULL) {
		unit = http_body_str(r, o, "uscc", 1, &bad);
		if (!bad)
			ch = http_body_str(r, o, "challenge", 1, &bad);
		if (!bad)
			sig = http_body_str(r, o, "signature", 1, &bad);
	}
	if (bad)
		goto out;
	if (cert != NULL) {
		method = "certificate";
		if (strlen(cert) > CERT_MAX) {
			http_error(r, 413,
				   "$.certificate: larger than %d bytes",
				   CERT_MAX);
			goto out;
		}
		ecert_verify(r->ctx->st, ca, cert, strlen(cert), time_now(),
			     &v);
	} else {
		method = "challenge";
		n = b64url_decode(sig, strlen(sig), raw, sizeof(raw));
		if (n <= 0) {
			http_error(r, 422,
				   "$.signature: not base64url of a DER "
				   "signature");
			goto out;
		}
		if (ecert_challenge_verify(r->ctx->st, ca, &who, unit, ch, raw,
					   (size_t)n, &v, &status, &e) < 0) {
			if (status == 500)
				http_internal(r, e.msg);
			else
				http_error(r, status, "%s", e.msg);
			audit_call(r, &who, "ecert.verify", unit, "refused");
			goto out;
		}
	}
	switch (v.status) {
	case ECERT_VALID:
	case ECERT_REVOKED:
	case ECERT_EXPIRED:
	case ECERT_NOT_YET_VALID:
		break;
	default:
		/* nothing in it can be vouched for: no receipt */
		http_error(r, 422, "the certificate is %s: %s",
			   ecert_status_str(v.status), v.detail);
		audit_call(r, &who, "ecert.verify",
			   v.unit[0] != '\0' ? v.unit : "unknown",
			   ecert_status_str(v.status));
		goto out;
	}
	if ((receipt = ecert_receipt(r->ctx->st, ca, &v, method, &who, &e)) ==
	    NULL) {
		http_internal(r, e.msg);
		goto out;
	}
	audit_call(r, &who, "ecert.verify", v.unit, ecert_status_str(v.status));
	free(r->out);
	r->out = receipt;
	r->out_len = strlen(receipt);
	r->ctype = "application/json";
	r->status = 200;
out:
	json_decref(o);
	return 0;
}

/* A query argument as a whole number in [min, max]; -1 with 400 set. */
static int
query_ll(struct http_req *r, const char *name, long long min, long long max,
	 long long def, long long *out)
{
	const char *v = http_query(r, name);

	if (v == NULL) {
		if (def < min) {
			http_error(r, 400, "query argument '%s' is required",
				   name);
			return -1;
		}
		*out = def;
		return 0;
	}
	if (str_to_ll(v, min, max, out) < 0) {
		http_error(r, 400,
			   "query argument '%s': not a number from %lld "
			   "to %lld",
			   name, min, max);
		return -1;
	}
	return 0;
}

int
http_query_ll(struct http_req *r, const char *name, long long min,
	      long long max, long long def, long long *out)
{
	return query_ll(r, name, min, max, def, out);
}

int
http_v1_tlog(struct http_req *r)
{
	const char *what = r->arg[0];
	struct ecert_ca *ca;
	struct err e;
	long long a, b, size;
	json_t *o = NULL;
	char *head;

	http_lock(r);
	if ((ca = ca_get(r)) == NULL)
		return 0;
	size = tlog_size(r->ctx->st);
	if (!strcmp(what, "head")) {
		if ((head = tlog_head(r->ctx->st, ca, &e)) == NULL)
			return http_internal(r, e.msg);
		free(r->out);
		r->out = head;
		r->out_len = strlen(head);
		r->ctype = "application/json";
		r->status = 200;
		return 0;
	}
	if (!strcmp(what, "proof")) {
		if (query_ll(r, "index", 0, LLONG_MAX, -1, &a) < 0 ||
		    query_ll(r, "size", 1, LLONG_MAX, size, &b) < 0)
			return 0;
		o = tlog_proof_json(r->ctx->st, a, b, &e);
	} else if (!strcmp(what, "consistency")) {
		if (query_ll(r, "first", 1, LLONG_MAX, -1, &a) < 0 ||
		    query_ll(r, "second", 1, LLONG_MAX, size, &b) < 0)
			return 0;
		o = tlog_consistency_json(r->ctx->st, a, b, &e);
	} else if (!strcmp(what, "entries")) {
		if (query_ll(r, "start", 0, LLONG_MAX, 0, &a) < 0 ||
		    query_ll(r, "count", 1, TLOG_ENTRIES_MAX, TLOG_ENTRIES_MAX,
			     &b) < 0)
			return 0;
		o = tlog_entries_json(r->ctx->st, a, b, &e);
	} else {
		return http_error(r, 404, "no such resource '%s'", r->path);
	}
	if (o == NULL)
		return http_error(r, 422, "%s", e.msg);
	return http_json(r, 200, o);
}

/* GET /v1/logo/ID: whose the logo is, for which domains, whether valid
 * (a bilingual page anyone reaches from the badge's QR code);
 * /v1/logo/ID.svg and /v1/logo/ID.png: the badge itself. */
int
http_v1_logo(struct http_req *r)
{
	char id[24], base[512];
	const char *host = http_req_header(r, "Host");
	struct ecert_logo l;
	struct buf b = BUF_INIT(LOGO_PAGE_MAX);
	struct err e;
	size_t n = strlen(r->arg[0]);
	int svg = n > 4 && !strcmp(r->arg[0] + n - 4, ".svg"), found;
	int png = n > 4 && !strcmp(r->arg[0] + n - 4, ".png");
	json_t *d, *x;
	size_t i;

	if (str_copy(id, r->arg[0], sizeof(id)) < 0)
		return http_error(r, 404, "no such logo");
	if (svg || png)
		id[n - 4] = '\0';
	http_lock(r);
	if (r->ctx->st == NULL)
		return http_error(r, 503, "no store");
	if ((found = ecert_logo_get(r->ctx->st, id, &l, &e)) < 0)
		return http_internal(r, e.msg);
	if (found > 0)
		return http_error(r, 404, "no such logo");
	if (svg || png) {
		/* the QR code points at [ecert] public_url, else back at this
		 * listener */
		if (r->ctx->cfg->ecert_url[0] != '\0')
			str_copy(base, r->ctx->cfg->ecert_url, sizeof(base));
		else
			str_fmt(base, sizeof(base), "http://%s",
				host != NULL && strlen(host) < 256 &&
					strcspn(host, "\"<>& /\\") ==
					    strlen(host)
				    ? host
				    : "localhost");
		if ((png ? ecert_logo_png(&l, base, &b)
			 : ecert_logo_svg(&l, base, &b)) < 0) {
			ecert_logo_cleanup(&l);
			buf_cleanup(&b);
			return http_internal(r, "cannot draw the badge");
		}
		r->ctype = png ? "image/png" : "image/svg+xml";
	} else {
		int ok = l.revoked[0] == '\0';

		buf_addstr(&b, "<!doctype html><html lang=\"zh-CN\"><head>"
			       "<meta charset=\"utf-8\"><title>网站标识核验 "
			       "Logo verification</title><style>body{font:"
			       "16px sans-serif;max-width:40em;margin:2em "
			       "auto}.ok{color:#1a7f37}.no{color:#c8161d}"
			       "</style></head><body><h1>网站标识核验 / Logo "
			       "verification</h1><p class=\"");
		buf_addstr(&b,
			   ok ? "ok\">有效 / valid" : "no\">已撤销 / revoked ");
		if (!ok)
			buf_add_html(&b, l.revoked);
		buf_addstr(&b, "</p><dl><dt>标识编号 / Logo</dt><dd>");
		buf_add_html(&b, l.id);
		buf_addstr(&b, "</dd><dt>单位 / Unit</dt><dd>");
		buf_add_html(&b, l.unit_name);
		buf_addstr(&b, "（");
		buf_add_html(&b, l.unit);
		buf_addstr(&b, "）</dd><dt>类别 / Category</dt><dd>");
		buf_addstr(&b, !strcmp(l.category, "organ")
				   ? "党政机关 / Party or government organ"
				   : "事业单位 / Public institution");
		buf_addstr(&b, "</dd><dt>应用 / Application</dt><dd>");
		buf_add_html(&b, l.app_name);
		buf_addstr(&b, "</dd><dt>仅限以下域名 / Only for the "
			       "domains</dt><dd><ul>");
		d = json_loads(l.domains, 0, NULL);
		json_array_foreach(d, i, x)
		{
			buf_addstr(&b, "<li>");
			buf_add_html(&b, json_string_value(x));
			buf_addstr(&b, "</li>");
		}
		json_decref(d);
		buf_addstr(&b, "</ul></dd><dt>颁发 / Issued</dt><dd>");
		buf_add_html(&b, l.issued);
		buf_addstr(&b,
			   "</dd></dl><p>标识出现在其他域名的网站上即为冒用。"
			   " A badge shown on a site of another domain "
			   "is not genuine.</p></body></html>");
		r->ctype = "text/html; charset=utf-8";
	}
	ecert_logo_cleanup(&l);
	free(r->out);
	r->out = buf_detach(&b, &r->out_len);
	r->status = 200;
	return 0;
}
