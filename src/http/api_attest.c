/*
 * api_attest.c: attestations over the console API: list, record and
 * revoke a person's verdict on a requirement (src/rules/attest.c), kept to
 * the account's scope (an attestation belongs to the unit of its object).
 * Bodies and path arguments are untrusted; the router has checked the
 * session and role and holds the store lock.
 */
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "rules/rules.h"

static int
list_item(void *arg, const struct attest_rec *a)
{
	json_array_append_new(arg, attest_json(a));
	return 0;
}

int
http_attestations(struct http_req *r)
{
	const char *object = http_query(r, "object");
	json_t *a = json_array(), *res;
	struct err e;

	if (attest_each(r->ctx->st, object,
			http_scoped(r) ? &r->scope.units : NULL, list_item, a,
			&e) < 0) {
		json_decref(a);
		return http_internal(r, e.msg);
	}
	res = json_object();
	json_object_set_new(res, "attestations", a);
	return http_json(r, 200, res);
}

int
http_attest_post(struct http_req *r)
{
	static const char *const known[] = {"requirement", "object",
					    "verdict",	   "evidence",
					    "reviewer",	   "expires"};
	struct attest_rec in;
	json_t *o, *v;
	struct err e;
	long long id;
	int bad = 0;

	if (http_body_object(r, &o) < 0)
		return 0;
	if (http_body_known(r, o, known, ARRAY_SIZE(known)) < 0)
		goto out;
	memset(&in, 0, sizeof(in));
	in.requirement = http_body_str(r, o, "requirement", 1, &bad);
	if (!bad)
		in.object = http_body_str(r, o, "object", 1, &bad);
	if (!bad)
		in.verdict = http_body_str(r, o, "verdict", 1, &bad);
	if (!bad)
		in.evidence = http_body_str(r, o, "evidence", 1, &bad);
	if (!bad)
		in.reviewer = http_body_str(r, o, "reviewer", 1, &bad);
	if (!bad)
		in.expires = http_body_str(r, o, "expires", 0, &bad);
	if (bad)
		goto out;
	if (http_scoped(r) && !scope_object(r->ctx->st, &r->scope, in.object)) {
		http_error(r, 403,
			   "'%s' is outside the scope of this account (or is "
			   "not registered)",
			   in.object);
		goto out;
	}
	if (attest_add(r->ctx->st, &in, r->user, &id, &e) < 0) {
		if (strstr(e.msg, "database") != NULL)
			http_internal(r, e.msg);
		else
			http_error(r, 422, "%s", e.msg);
		goto out;
	}
	/* the object's attestations, newest first: the one just recorded */
	v = json_array();
	if (attest_each(r->ctx->st, in.object, NULL, list_item, v, &e) < 0)
		http_internal(r, e.msg);
	else
		http_json(r, 201, json_incref(json_array_get(v, 0)));
	json_decref(v);
out:
	json_decref(o);
	return 0;
}

int
http_attest_revoke(struct http_req *r)
{
	struct err e;
	long long id;

	if (str_to_ll(r->arg[0], 1, 1LL << 62, &id) < 0)
		return http_error(r, 400, "'%s' is not an attestation id",
				  r->arg[0]);
	if (attest_revoke(r->ctx->st, id,
			  http_scoped(r) ? &r->scope.units : NULL, r->user,
			  &e) < 0) {
		if (strstr(e.msg, "database") != NULL)
			return http_internal(r, e.msg);
		return http_error(r, 404, "no attestation %lld in force", id);
	}
	return http_json(
	    r, 200, json_pack("{s:I,s:b}", "id", (json_int_t)id, "revoked", 1));
}
