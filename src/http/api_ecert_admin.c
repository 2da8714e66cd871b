/*
 * api_ecert_admin.c: the establishment department's console routes
 * (docs/api.md "E-certificates"): unit certificates (list, show, issue with
 * a generated key handed over once, revoke), online name applications
 * (list with the conflict search, apply, approve, reject), online logos
 * (list, issue, revoke, the badge), the verification service's operators
 * (list, register with a key shown once, new keys, disable) and the
 * transparency log (head, recent entries, inclusion proofs). The work and
 * its audit records are src/ecert's, under the session's user; this file
 * reads the request, keeps to the account's scope, calls the part and
 * writes the reply. Bodies, paths and queries are untrusted.
 */
#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "ecert/ecert.h"
#include "http/http.h"

#define KEY_FILE_MAX   (16 * 1024) /* an encrypted PKCS#8 PEM of SM2 */
#define CSR_MAX	       (16 * 1024)
#define REASON_MAX     512
#define TLOG_RECENT    20
#define PUBLIC_URL_MAX 300

/* ---- helpers ---- */

/* 1 if unit is one of the account's units (always when unscoped). */
static int
in_scope(struct http_req *r, const char *unit)
{
	return unit != NULL && scope_has(&r->scope, unit);
}

/* ?unit= into *unit (NULL when absent): 0, or -1 with 404 set when it
 * is out of scope. */
static int
unit_arg(struct http_req *r, const char **unit)
{
	*unit = http_query(r, "unit");
	if (*unit != NULL && !in_scope(r, *unit)) {
		http_error(r, 404, "no unit '%s' in this account's scope",
			   *unit);
		return -1;
	}
	return 0;
}

/* Keeps the members of the array a whose "unit" is in scope. */
static json_t *
keep_scope(struct http_req *r, json_t *a)
{
	json_t *out, *v;
	size_t i;

	if (!http_scoped(r))
		return a;
	out = json_array();
	json_array_foreach(a, i, v)
	{
		if (in_scope(r, json_string_value(json_object_get(v, "unit"))))
			json_array_append(out, v);
	}
	json_decref(a);
	return out;
}

static int
items(struct http_req *r, json_t *a)
{
	return http_json(r, 200, json_pack("{s:o}", "items", a));
}

/* The body's optional string member reason, at most REASON_MAX bytes;
 * -1 with 422 set. */
static int
body_reason(struct http_req *r, json_t *o, int required, const char **out)
{
	int bad = 0;

	*out = http_body_str(r, o, "reason", required, &bad);
	if (bad)
		return -1;
	if (*out != NULL && **out == '\0')
		*out = NULL;
	if (required && *out == NULL) {
		http_error(r, 422, "$.reason: a reason is required");
		return -1;
	}
	if (*out != NULL && strlen(*out) > REASON_MAX) {
		http_error(r, 422, "$.reason: longer than %d bytes",
			   REASON_MAX);
		return -1;
	}
	return 0;
}

/* A body of only the members known, or {} ; NULL with the reply set. */
static json_t *
body(struct http_req *r, const char *const *known, size_t n)
{
	json_t *o;

	if (r->body_len == 0)
		return json_object();
	if (http_body_object(r, &o) < 0)
		return NULL;
	if (http_body_known(r, o, known, n) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* A string member of a request's body, and where it goes. */
struct str_member {
	const char *name;
	int required;
	const char **out;
};

#define MEMBERS_MAX 8

/*
 * The body of only the members of s (strings, read in their order into
 * their places; the first bad one ends it) and of more (read by the
 * caller), or {}; NULL with the reply set.
 */
static json_t *
body_strs(struct http_req *r, const struct str_member *s, size_t n,
	  const char *const *more, size_t nmore)
{
	const char *known[MEMBERS_MAX];
	json_t *o;
	int bad = 0;

	assert(n + nmore <= MEMBERS_MAX);
	for (size_t i = 0; i < n; i++)
		known[i] = s[i].name;
	for (size_t i = 0; i < nmore; i++)
		known[n + i] = more[i];
	if ((o = body(r, known, n + nmore)) == NULL)
		return NULL;
	for (size_t i = 0; i < n && !bad; i++)
		*s[i].out = http_body_str(r, o, s[i].name, s[i].required, &bad);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* A body of at most {"reason"} (required or not, as body_reason()); NULL
 * with the reply set. */
static json_t *
reason_body(struct http_req *r, int required, const char **reason)
{
	static const char *const known[] = {"reason"};
	json_t *o = body(r, known, ARRAY_SIZE(known));

	if (o != NULL && body_reason(r, o, required, reason) < 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/*
 * The public listener's base URL as the console's users reach it:
 * [public] listen, with a wildcard address replaced by the host name this
 * request came to (which the router checked). "" if there is none.
 */
static void
public_base(struct http_req *r, char *out, size_t n)
{
	const char *l = r->ctx->cfg->public_listen, *port, *host;
	char h[256], rq[256];
	size_t len;

	out[0] = '\0';
	if (l[0] == '\0' || str_starts(l, "unix:"))
		return;
	if (l[0] == '[') {
		const char *end = strchr(l, ']');

		if (end == NULL || end[1] != ':')
			return;
		len = (size_t)(end - l) + 1;
		port = end + 2;
	} else {
		port = strrchr(l, ':');
		if (port == NULL)
			return;
		len = (size_t)(port - l);
		port++;
	}
	if (len >= sizeof(h))
		return;
	memcpy(h, l, len);
	h[len] = '\0';
	if (len == 0 || !strcmp(h, "0.0.0.0") || !strcmp(h, "[::]") ||
	    !strcmp(h, "*")) {
		host = http_req_header(r, "Host");
		if (host == NULL || str_copy(rq, host, sizeof(rq)) < 0)
			str_copy(rq, "localhost", sizeof(rq));
		/* the name without its port */
		if (rq[0] == '[') {
			char *e = strchr(rq, ']');

			if (e != NULL)
				e[1] = '\0';
		} else if (strchr(rq, ':') != NULL) {
			*strchr(rq, ':') = '\0';
		}
		str_copy(h, rq, sizeof(h));
	}
	if (strspn(port, "0123456789") != strlen(port) ||
	    strcspn(h, "\"<>& /\\") != strlen(h))
		return;
	str_fmt(out, n, "http://%s:%s", h, port);
}

/* ---- certificates ---- */

static int
cert_row(void *arg, const struct ecert_rec *rec)
{
	json_array_append_new(arg, ecert_rec_json(rec, time_now()));
	return 0;
}

/* GET /api/ecert/certificates[?unit=USCC] */
int
http_ecert_certs(struct http_req *r)
{
	json_t *a;
	const char *unit;
	struct err e;

	if (unit_arg(r, &unit) < 0)
		return 0;
	a = json_array();
	if (ecert_each(r->ctx->st, unit, cert_row, a, &e) < 0) {
		json_decref(a);
		return http_internal(r, e.msg);
	}
	return items(r, keep_scope(r, a));
}

/*
 * The certificate (into rec) or else the logo (into l) the path names, if
 * it is of a unit in scope: 0; else 1 with 404 set or -1 with 500 set,
 * and nothing to clean up.
 */
static int
path_load(struct http_req *r, struct ecert_rec *rec, struct ecert_logo *l)
{
	struct err e;
	int rc = rec != NULL ? ecert_get(r->ctx->st, r->arg[0], rec, &e)
			     : ecert_logo_get(r->ctx->st, r->arg[0], l, &e);

	if (rc < 0) {
		http_internal(r, e.msg);
		return -1;
	}
	if (rc == 0 && in_scope(r, rec != NULL ? rec->unit : l->unit))
		return 0;
	if (rc == 0 && rec != NULL)
		ecert_rec_cleanup(rec);
	else if (rc == 0)
		ecert_logo_cleanup(l);
	http_error(r, 404, "no %s '%s'", rec != NULL ? "certificate" : "logo",
		   r->arg[0]);
	return 1;
}

static json_t *
cert_json(const struct ecert_rec *rec)
{
	json_t *o = ecert_rec_json(rec, time_now());

	json_object_set_new(o, "pem", http_jstr(rec->pem));
	return o;
}

/* GET /api/ecert/certificates/SERIAL */
int
http_ecert_cert(struct http_req *r)
{
	struct ecert_rec rec;

	if (path_load(r, &rec, NULL) != 0)
		return 0;
	http_json(r, 200, cert_json(&rec));
	ecert_rec_cleanup(&rec);
	return 0;
}

/* Where a generated key is handed over: a new private directory. */
static int
key_dir(char *dir, size_t n)
{
	const char *tmp = getenv("TMPDIR");

	if (tmp == NULL || tmp[0] != '/')
		tmp = "/tmp";
	if (str_fmt(dir, n, "%s/govsec-key-XXXXXX", tmp) < 0)
		return -1;
	return mkdtemp(dir) != NULL ? 0 : -1;
}

/* POST /api/ecert/certificates {"unit", "days", "csr"} */
int
http_ecert_cert_issue(struct http_req *r)
{
	static const char *const more[] = {"days"};
	struct ecert_issue in = {0};
	const char *csr = NULL;
	const struct str_member strs[] = {{"unit", 1, &in.unit},
					  {"csr", 0, &csr}};
	struct ecert_rec rec;
	struct ecert_ca *ca;
	struct buf key = BUF_INIT(KEY_FILE_MAX);
	char dir[256], path[300], pass[33];
	json_t *o, *days, *out;
	struct err e;
	int rc;

	if ((o = body_strs(r, strs, ARRAY_SIZE(strs), more,
			   ARRAY_SIZE(more))) == NULL)
		return 0;
	days = json_object_get(o, "days");
	if (days != NULL &&
	    (!json_is_integer(days) || json_integer_value(days) < 1 ||
	     json_integer_value(days) > ECERT_DAYS_MAX)) {
		http_error(r, 422, "$.days: a number of days from 1 to %d",
			   ECERT_DAYS_MAX);
		goto out;
	}
	in.days = days != NULL ? (int)json_integer_value(days) : 0;
	if (csr != NULL && strlen(csr) > CSR_MAX) {
		http_error(r, 413, "$.csr: larger than %d bytes", CSR_MAX);
		goto out;
	}
	if (!in_scope(r, in.unit)) {
		http_error(r, 403,
			   "unit '%s' is outside the scope of this account",
			   in.unit);
		goto out;
	}
	if ((ca = http_ecert_ca(r)) == NULL)
		goto out;
	in.csr_pem = csr;
	in.csr_len = csr != NULL ? strlen(csr) : 0;
	dir[0] = '\0';
	if (csr == NULL) {
		if (key_dir(dir, sizeof(dir)) < 0) {
			http_internal(r, strerror(errno));
			goto out;
		}
		str_fmt(path, sizeof(path), "%s/unit.key", dir);
		in.key_out = path;
	}
	rc = ecert_issue(r->ctx->st, ca, &in, r->user, &rec, pass, &e);
	if (rc == 0 && csr == NULL && buf_read_file(&key, path, &e) < 0) {
		/* issued and logged, but the key is lost: say so */
		ecert_rec_cleanup(&rec);
		http_internal(r, e.msg);
		rc = 1;
	}
	if (dir[0] != '\0') {
		if (csr == NULL)
			(void)unlink(path);
		(void)rmdir(dir);
	}
	if (rc < 0)
		http_error(r, 422, "%s", e.msg);
	if (rc != 0)
		goto wipe;
	out = cert_json(&rec);
	if (csr == NULL) {
		json_object_set_new(out, "key",
				    json_stringn(key.data, key.len));
		json_object_set_new(out, "passphrase", json_string(pass));
	}
	ecert_rec_cleanup(&rec);
	http_json(r, 201, out);
wipe:
	if (key.data != NULL)
		OPENSSL_cleanse(key.data, key.len);
	OPENSSL_cleanse(pass, sizeof(pass));
	buf_cleanup(&key);
out:
	json_decref(o);
	return 0;
}

/* POST /api/ecert/certificates/SERIAL/revoke {"reason"} */
int
http_ecert_cert_revoke(struct http_req *r)
{
	struct ecert_rec rec;
	struct ecert_ca *ca;
	const char *reason;
	char serial[41];
	json_t *o;
	struct err e;

	if ((o = reason_body(r, 0, &reason)) == NULL)
		return 0;
	if (path_load(r, &rec, NULL) != 0)
		goto out;
	str_copy(serial, rec.serial, sizeof(serial));
	ecert_rec_cleanup(&rec);
	if ((ca = http_ecert_ca(r)) == NULL)
		goto out;
	if (ecert_revoke(r->ctx->st, ca, serial, reason, r->user, &e) < 0) {
		http_error(r, 422, "%s", e.msg);
		goto out;
	}
	if (ecert_get(r->ctx->st, serial, &rec, &e) != 0) {
		http_internal(r, "the revoked certificate is gone");
		goto out;
	}
	http_json(r, 200, cert_json(&rec));
	ecert_rec_cleanup(&rec);
out:
	json_decref(o);
	return 0;
}

/* ---- online names ---- */

/* The pending application id (in scope) as JSON; NULL with 404 or 500
 * set. */
static json_t *
pending_app(struct http_req *r, long long id)
{
	json_t *a, *v, *found = NULL;
	struct err e;
	size_t i;

	if ((a = ecert_names_json(r->ctx->st, NULL, "pending", &e)) == NULL) {
		http_internal(r, e.msg);
		return NULL;
	}
	json_array_foreach(a, i, v)
	{
		if (json_integer_value(json_object_get(v, "id")) == id)
			found = v;
	}
	if (found != NULL &&
	    in_scope(r, json_string_value(json_object_get(found, "unit"))))
		json_incref(found);
	else
		found = NULL;
	json_decref(a);
	if (found == NULL)
		http_error(r, 404, "no pending name application %lld", id);
	return found;
}

/* The rivals of application id the account may see: approved names (the
 * protected set, public in every receipt) and pending ones in scope. */
static json_t *
rivals(struct http_req *r, long long id, struct err *e)
{
	json_t *a = ecert_name_rivals(r->ctx->st, id, e), *out, *v;
	size_t i;

	if (a == NULL || !http_scoped(r))
		return a;
	out = json_array();
	json_array_foreach(a, i, v)
	{
		const char *st = json_string_value(json_object_get(v, "state"));

		if ((st != NULL && !strcmp(st, "approved")) ||
		    in_scope(r, json_string_value(json_object_get(v, "unit"))))
			json_array_append(out, v);
	}
	json_decref(a);
	return out;
}

/* GET /api/ecert/names[?unit=USCC][&state=pending|approved|rejected] */
int
http_ecert_names(struct http_req *r)
{
	const char *unit, *state = http_query(r, "state");
	json_t *a, *v, *rv;
	struct err e;
	size_t i;

	if (unit_arg(r, &unit) < 0)
		return 0;
	if (state != NULL && strcmp(state, "pending") &&
	    strcmp(state, "approved") && strcmp(state, "rejected"))
		return http_error(r, 400,
				  "query argument 'state': pending, approved "
				  "or rejected");
	if ((a = ecert_names_json(r->ctx->st, unit, state, &e)) == NULL)
		return http_internal(r, e.msg);
	a = keep_scope(r, a);
	/* the conflict search, for those waiting for a decision */
	json_array_foreach(a, i, v)
	{
		if (strcmp(json_string_value(json_object_get(v, "state")),
			   "pending"))
			continue;
		rv =
		    rivals(r, json_integer_value(json_object_get(v, "id")), &e);
		if (rv == NULL) {
			json_decref(a);
			return http_internal(r, e.msg);
		}
		json_object_set_new(v, "rivals", rv);
	}
	return items(r, a);
}

/* POST /api/ecert/names {"unit", "name", "app"} */
int
http_ecert_name_apply(struct http_req *r)
{
	struct ecert_name_conflict c;
	const char *unit = NULL, *name = NULL, *app = NULL;
	const struct str_member strs[] = {
	    {"unit", 1, &unit}, {"name", 1, &name}, {"app", 0, &app}};
	long long id;
	json_t *o;
	struct err e;
	int rc;

	if ((o = body_strs(r, strs, ARRAY_SIZE(strs), NULL, 0)) == NULL)
		return 0;
	if (app != NULL && app[0] == '\0')
		app = NULL;
	if (!in_scope(r, unit)) {
		http_error(r, 403,
			   "unit '%s' is outside the scope of this account",
			   unit);
		goto out;
	}
	rc =
	    ecert_name_apply(r->ctx->st, unit, app, name, r->user, &id, &c, &e);
	if (rc < 0)
		http_error(r, 422, "%s", e.msg);
	else if (rc > 0 && c.id != 0)
		http_error(r, 409,
			   "'%s' is confusable with '%s' of unit %s, "
			   "approved: %s",
			   name, c.name, c.unit, c.why);
	else if (rc > 0)
		http_error(r, 422, "refused: %s",
			   c.why[0] != '\0' ? c.why : c.name1_why);
	else
		http_json(r, 201,
			  json_pack("{s:I, s:s, s:s, s:s, s:s}", "id",
				    (json_int_t)id, "state", "pending", "name",
				    name, "name1", c.name1, "name1_reason",
				    c.name1_why));
out:
	json_decref(o);
	return 0;
}

/* POST /api/ecert/names/ID/approve {} and /reject {"reason"} */
int
http_ecert_name_decide(struct http_req *r)
{
	int approve = str_ends(r->path, "/approve");
	const char *reason, *unit;
	json_t *o, *app = NULL, *rv = NULL, *a, *v, *found;
	long long id;
	struct err e;
	size_t i;

	if ((o = reason_body(r, !approve, &reason)) == NULL)
		return 0;
	if (str_to_ll(r->arg[0], 1, LLONG_MAX, &id) < 0) {
		http_error(r, 404, "no pending name application '%s'",
			   r->arg[0]);
		goto out;
	}
	if ((app = pending_app(r, id)) == NULL)
		goto out;
	/* the conflict search said why, before anyone approves */
	if (approve) {
		if ((rv = ecert_name_rivals(r->ctx->st, id, &e)) == NULL) {
			http_internal(r, e.msg);
			goto out;
		}
		json_array_foreach(rv, i, v)
		{
			const char *st =
			    json_string_value(json_object_get(v, "state"));

			if (st == NULL || strcmp(st, "approved"))
				continue;
			http_error(
			    r, 409,
			    "'%s' is confusable with '%s' of unit %s, "
			    "approved: %s; reject this application",
			    json_string_value(json_object_get(app, "name")),
			    json_string_value(json_object_get(v, "name")),
			    json_string_value(json_object_get(v, "unit")),
			    json_string_value(json_object_get(v, "why")));
			goto out;
		}
	}
	if (ecert_name_decide(r->ctx->st, id, approve, reason, r->user, &e) <
	    0) {
		http_error(r, 409, "%s", e.msg);
		goto out;
	}
	unit = json_string_value(json_object_get(app, "unit"));
	if ((a = ecert_names_json(r->ctx->st, unit, NULL, &e)) == NULL) {
		http_internal(r, e.msg);
		goto out;
	}
	/* the application as it is now */
	found = NULL;
	json_array_foreach(a, i, v)
	{
		if (json_integer_value(json_object_get(v, "id")) == id)
			found = v;
	}
	if (found != NULL)
		http_json(r, 200, json_incref(found));
	else
		http_internal(r, "the decided application is gone");
	json_decref(a);
out:
	json_decref(rv);
	json_decref(app);
	json_decref(o);
	return 0;
}

/* ---- online logos ---- */

static void
logo_links(struct http_req *r, json_t *l, const char *base)
{
	const char *id = json_string_value(json_object_get(l, "id"));
	char url[PUBLIC_URL_MAX + 64];

	str_fmt(url, sizeof(url), "/v1/logo/%s", id);
	json_object_set_new(l, "path", json_string(url));
	if (base[0] != '\0') {
		str_fmt(url, sizeof(url), "%s/v1/logo/%s", base, id);
		json_object_set_new(l, "page", json_string(url));
	} else
		json_object_set_new(l, "page", json_null());
	str_fmt(url, sizeof(url), "/api/ecert/logos/%s/svg", id);
	json_object_set_new(l, "svg", json_string(url));
}

/* GET /api/ecert/logos[?unit=USCC] */
int
http_ecert_logos(struct http_req *r)
{
	char base[PUBLIC_URL_MAX];
	const char *unit;
	json_t *a, *v;
	struct err e;
	size_t i;

	if (unit_arg(r, &unit) < 0)
		return 0;
	if ((a = ecert_logos_json(r->ctx->st, unit, 0, &e)) == NULL)
		return http_internal(r, e.msg);
	a = keep_scope(r, a);
	public_base(r, base, sizeof(base));
	json_array_foreach(a, i, v)
	{
		logo_links(r, v, base);
	}
	return http_json(
	    r, 200,
	    json_pack("{s:o, s:o}", "items", a, "public",
		      base[0] != '\0' ? json_string(base) : json_null()));
}

/* The logo id as the list shows it. */
static int
logo_reply(struct http_req *r, int status, const char *id)
{
	char base[PUBLIC_URL_MAX];
	struct ecert_logo l;
	struct err e;
	json_t *o;

	if (ecert_logo_get(r->ctx->st, id, &l, &e) != 0)
		return http_internal(r, "the logo is gone");
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:s?}", "id",
		      l.id, "unit", l.unit, "unit_name", l.unit_name, "app",
		      l.app, "app_name", l.app_name, "category", l.category,
		      "domains", json_loads(l.domains, 0, NULL), "issued",
		      l.issued, "revoked", l.revoked[0] ? l.revoked : NULL);
	ecert_logo_cleanup(&l);
	if (o == NULL)
		return http_internal(r, "cannot encode the logo");
	public_base(r, base, sizeof(base));
	logo_links(r, o, base);
	return http_json(r, status, o);
}

/* POST /api/ecert/logos {"app"} */
int
http_ecert_logo_issue(struct http_req *r)
{
	const char *app = NULL;
	const struct str_member strs[] = {{"app", 1, &app}};
	json_t *o, *rec = NULL;
	char id[17];
	struct err e;

	if ((o = body_strs(r, strs, ARRAY_SIZE(strs), NULL, 0)) == NULL)
		return 0;
	rec = reg_get(r->ctx->st, reg_entity("app"), app);
	if (rec == NULL) {
		http_error(r, 422, "$.app: application '%s' is not registered",
			   app);
		goto out;
	}
	if (!in_scope(r, json_string_value(json_object_get(rec, "unit")))) {
		http_error(r, 403,
			   "application '%s' is outside the scope of this "
			   "account",
			   app);
		goto out;
	}
	if (ecert_logo_issue(r->ctx->st, app, r->user, id, &e) < 0) {
		http_error(r, 422, "%s", e.msg);
		goto out;
	}
	logo_reply(r, 201, id);
out:
	json_decref(rec);
	json_decref(o);
	return 0;
}

/* POST /api/ecert/logos/ID/revoke {"reason"} */
int
http_ecert_logo_revoke(struct http_req *r)
{
	struct ecert_logo l;
	const char *reason;
	json_t *o;
	struct err e;

	if ((o = reason_body(r, 1, &reason)) == NULL)
		return 0;
	if (path_load(r, NULL, &l) != 0)
		goto out;
	ecert_logo_cleanup(&l);
	if (ecert_logo_revoke(r->ctx->st, r->arg[0], reason, r->user, &e) < 0) {
		http_error(r, 409, "%s", e.msg);
		goto out;
	}
	logo_reply(r, 200, r->arg[0]);
out:
	json_decref(o);
	return 0;
}

/* GET /api/ecert/logos/ID/svg: the badge, its QR code pointing at the
 * public listener's page. */
int
http_ecert_logo_svg(struct http_req *r)
{
	char base[PUBLIC_URL_MAX];
	struct buf b = BUF_INIT(512 * 1024);
	struct ecert_logo l;
	int rc;

	if (path_load(r, NULL, &l) != 0)
		return 0;
	public_base(r, base, sizeof(base));
	rc =
	    ecert_logo_svg(&l, base[0] != '\0' ? base : "http://localhost", &b);
	ecert_logo_cleanup(&l);
	if (rc < 0) {
		buf_cleanup(&b);
		return http_internal(r, "cannot draw the badge");
	}
	free(r->out);
	r->out = buf_detach(&b, &r->out_len);
	r->ctype = "image/svg+xml";
	r->status = 200;
	return 0;
}

/* ---- operators of the verification service ---- */

/* GET /api/ecert/operators */
int
http_ecert_operators(struct http_req *r)
{
	struct err e;
	json_t *a = ecert_operators_json(r->ctx->st, &e);

	if (a == NULL)
		return http_internal(r, e.msg);
	return items(r, a);
}

/* A new key of operator name, shown once: 201 {"operator", "key"}. */
static int
key_reply(struct http_req *r, const char *name, const char *key)
{
	return http_json(r, 201,
			 json_pack("{s:s, s:s}", "operator", name, "key", key));
}

/* POST /api/ecert/operators {"name", "rate"}: registered with its first
 * key, in one transaction. */
int
http_ecert_operator_add(struct http_req *r)
{
	static const char *const more[] = {"rate"};
	char key[ECERT_KEY_MAX];
	const char *name = NULL;
	const struct str_member strs[] = {{"name", 1, &name}};
	json_t *o, *rate;
	long long n = ECERT_RATE_DEF;
	struct err e;

	if ((o = body_strs(r, strs, ARRAY_SIZE(strs), more,
			   ARRAY_SIZE(more))) == NULL)
		return 0;
	rate = json_object_get(o, "rate");
	if (rate != NULL &&
	    (!json_is_integer(rate) || json_integer_value(rate) < 1 ||
	     json_integer_value(rate) > 100000)) {
		http_error(r, 422, "$.rate: a number from 1 to 100000");
		goto out;
	}
	if (rate != NULL)
		n = json_integer_value(rate);
	if (name[0] == '\0' || strlen(name) >= 128 ||
	    !str_utf8_valid(name, strlen(name))) {
		http_error(r, 422, "$.name: 1 to 127 bytes of UTF-8");
		goto out;
	}
	if (store_begin(r->ctx->st, &e) < 0) {
		http_internal(r, e.msg);
		goto out;
	}
	if (ecert_operator_add(r->ctx->st, name, (int)n, r->user, &e) < 0 ||
	    ecert_operator_key(r->ctx->st, name, r->user, key, &e) < 0) {
		store_rollback(r->ctx->st);
		http_error(r, 409, "%s", e.msg);
		goto out;
	}
	if (store_commit(r->ctx->st, &e) < 0) {
		http_internal(r, e.msg);
		goto out;
	}
	key_reply(r, name, key);
	OPENSSL_cleanse(key, sizeof(key));
out:
	json_decref(o);
	return 0;
}

/* POST /api/ecert/operators/NAME/keys {} */
int
http_ecert_operator_key(struct http_req *r)
{
	char key[ECERT_KEY_MAX];
	struct err e;

	if (ecert_operator_key(r->ctx->st, r->arg[0], r->user, key, &e) < 0)
		return http_error(r, 404, "%s", e.msg);
	key_reply(r, r->arg[0], key);
	OPENSSL_cleanse(key, sizeof(key));
	return 0;
}

/* Does act to the path's operator or key as the session's user: 204, or
 * 404 with why. */
static int
path_action(struct http_req *r, int (*act)(struct store *st, const char *id,
					   const char *actor, struct err *e))
{
	struct err e;

	if (act(r->ctx->st, r->arg[0], r->user, &e) < 0)
		return http_error(r, 404, "%s", e.msg);
	return http_empty(r, 204);
}

/* POST /api/ecert/operators/NAME/disable {} */
int
http_ecert_operator_disable(struct http_req *r)
{
	return path_action(r, ecert_operator_disable);
}

/* POST /api/ecert/keys/ID/revoke {} */
int
http_ecert_key_revoke(struct http_req *r)
{
	return path_action(r, ecert_key_revoke);
}

/* ---- the transparency log ---- */

static int
tlog_head_reply(struct http_req *r)
{
	struct ecert_ca *ca = http_ecert_ca(r);
	json_t *o, *tree;
	struct err e;
	char *head;

	/* unsigned when the CA's keys are not at hand */
	if ((head = tlog_head(r->ctx->st, ca, &e)) == NULL)
		return http_internal(r, e.msg);
	o = json_loads(head, 0, NULL);
	free(head);
	if (o == NULL)
		return http_internal(r, "the tree head is not JSON");
	tree =
	    json_loads(json_string_value(json_object_get(o, "head")), 0, NULL);
	json_object_set_new(o, "tree", tree != NULL ? tree : json_null());
	json_object_set_new(
	    o, "signed",
	    json_boolean(json_is_string(json_object_get(o, "signature"))));
	return http_json(r, 200, o);
}

/* The proof of index in the tree of size, checked against that tree's
 * root, with the entry itself. */
static int
tlog_proof_reply(struct http_req *r, long long idx, long long size)
{
	unsigned char path[TLOG_PATH_MAX][TLOG_HASH], leaf[TLOG_HASH],
	    root[TLOG_HASH];
	char hex[2 * TLOG_HASH + 1];
	struct tlog_src s;
	json_t *o, *p, *v, *ent;
	struct err e;
	size_t i, n;
	int ok;

	if ((o = tlog_proof_json(r->ctx->st, idx, size, &e)) == NULL)
		return http_error(r, 422, "%s", e.msg);
	p = json_object_get(o, "path");
	n = json_array_size(p);
	ok = n <= TLOG_PATH_MAX &&
	     hex_decode(json_string_value(json_object_get(o, "leaf_hash")),
			leaf, TLOG_HASH) == 0;
	json_array_foreach(p, i, v)
	{
		if (ok &&
		    hex_decode(json_string_value(v), path[i], TLOG_HASH) < 0)
			ok = 0;
	}
	tlog_store_src(r->ctx->st, &s);
	if (!ok || tlog_root(&s, (uint64_t)size, root) < 0) {
		json_decref(o);
		return http_internal(r,
				     "the transparency log is missing nodes");
	}
	hex_encode(root, TLOG_HASH, hex);
	json_object_set_new(o, "root", json_string(hex));
	json_object_set_new(
	    o, "verified",
	    json_boolean(tlog_verify_inclusion(
		s.alg, (uint64_t)idx, (uint64_t)size, leaf,
		(const unsigned char(*)[TLOG_HASH])path, n, root)));
	ent = tlog_entries_json(r->ctx->st, idx, 1, &e);
	json_object_set(o, "entry",
			json_array_get(json_object_get(ent, "entries"), 0));
	json_decref(ent);
	return http_json(r, 200, o);
}

/* GET /api/ecert/tlog/head | entries?start=S&count=C (default: the last
 * 20) | proof?index=I[&size=N] */
int
http_ecert_tlog(struct http_req *r)
{
	const char *what = r->arg[0];
	long long size = tlog_size(r->ctx->st), a, b;
	json_t *o;
	struct err e;

	if (!strcmp(what, "head"))
		return tlog_head_reply(r);
	if (!strcmp(what, "proof")) {
		if (http_query_ll(r, "index", 0, LLONG_MAX, -1, &a) < 0 ||
		    http_query_ll(r, "size", 1, LLONG_MAX, size, &b) < 0)
			return 0;
		return tlog_proof_reply(r, a, b);
	}
	if (!strcmp(what, "entries")) {
		if (http_query_ll(r, "count", 1, TLOG_ENTRIES_MAX, TLOG_RECENT,
				  &b) < 0 ||
		    http_query_ll(r, "start", 0, LLONG_MAX,
				  size > b ? size - b : 0, &a) < 0)
			return 0;
		if (size == 0)
			o = json_pack("{s:[]}", "entries");
		else if ((o = tlog_entries_json(r->ctx->st, a, b, &e)) == NULL)
			return http_error(r, 422, "%s", e.msg);
		json_object_set_new(o, "size", json_integer(size));
		return http_json(r, 200, o);
	}
	return http_error(r, 404, "no such resource '%s'", r->path);
}
