/*
 * api_audit.c: the audit endpoints: pages of the hash-chained log, newest
 * first (for a scoped account only the records of registry records in its
 * scope), and a verification of the whole chain (against the heads file
 * and an optional anchor=SEQ:HASH). Query arguments are
 * untrusted; the stored records are read as they are (verify says whether
 * they were tampered with). The router holds the store lock.
 */
#include <stdint.h>
#include <string.h>

#include "audit/audit.h"
#include "http/http.h"

#define AUDIT_DEFAULT_LIMIT 100

static int
audit_row(void *arg, struct store_row *row)
{
	static const char *const names[] = {"seq",    "at",	"actor",
					    "action", "object", "before",
					    "after",  "prev",	"hash"};
	json_t *o = json_object();

	json_object_set_new(o, "seq", json_integer(store_row_int(row, 0)));
	for (int i = 1; i < 9; i++)
		json_object_set_new(o, names[i],
				    http_jstr(store_row_text(row, i)));
	json_object_set_new(o, "keyed", json_boolean(store_row_int(row, 9)));
	return json_array_append_new(arg, o) == 0 ? 0 : -1;
}

/* Parses an optional integer query argument; -1 with 400 set if bad. */
static int
query_int(struct http_req *r, const char *name, long long min, long long max,
	  long long *out)
{
	const char *s = http_query(r, name);

	if (s == NULL)
		return 0;
	if (str_to_ll(s, min, max, out) < 0) {
		http_error(r, 400,
			   "query argument '%s': '%s' is not an integer from "
			   "%lld to %lld",
			   name, s, min, max);
		return -1;
	}
	return 0;
}

/* A scoped account sees the records of registry records in its scope. */
static int
keep_object(void *arg, const char *object)
{
	return scope_audit_object(arg, object);
}

int
http_audit_list(struct http_req *r)
{
	long long limit = AUDIT_DEFAULT_LIMIT, before = INT64_MAX;
	json_t *recs, *res;
	struct err e;

	if (query_int(r, "limit", 1, HTTP_AUDIT_LIMIT, &limit) < 0 ||
	    query_int(r, "before", 1, INT64_MAX, &before) < 0)
		return 0;
	if (http_scoped(r) && scope_objects(r->ctx->st, &r->scope, &e) < 0)
		return http_internal(r, e.msg);
	recs = json_array();
	if (audit_page(r->ctx->st, before, limit,
		       http_scoped(r) ? keep_object : NULL, &r->scope,
		       audit_row, recs, &e) < 0) {
		json_decref(recs);
		return http_internal(r, e.msg);
	}
	res = json_object();
	json_object_set_new(res, "records", recs);
	return http_json(r, 200, res);
}

int
http_audit_verify(struct http_req *r)
{
	const char *anchor = http_query(r, "anchor");
	char ahash[AUDIT_HASH_HEX];
	struct audit_verdict v;
	long long aseq = 0;
	struct err e;
	json_t *res;
	int rc;

	if (anchor != NULL && audit_anchor_parse(anchor, &aseq, ahash) < 0)
		return http_error(r, 400,
				  "query argument 'anchor': expected SEQ:HASH "
				  "as 'govsec audit head' prints");
	rc = audit_verify(r->ctx->st, aseq, anchor != NULL ? ahash : NULL, &v,
			  &e);
	if (rc < 0)
		return http_internal(r, e.msg);
	res = json_object();
	json_object_set_new(res, "ok", json_boolean(rc == 0));
	json_object_set_new(res, "checked", json_integer(v.checked));
	if (rc == 0) {
		json_object_set_new(res, "head_seq", json_integer(v.head_seq));
		json_object_set_new(res, "head", http_jstr(v.head));
	} else {
		json_object_set_new(res, "bad_seq", json_integer(v.bad_seq));
		json_object_set_new(res, "reason", http_jstr(v.reason));
	}
	json_object_set_new(res, "keyed", json_integer(v.keyed));
	json_object_set_new(res, "plain", json_integer(v.plain));
	json_object_set_new(res, "heads_file",
			    v.heads_file[0] ? http_jstr(v.heads_file)
					    : json_null());
	json_object_set_new(res, "heads", json_integer(v.heads));
	json_object_set_new(res, "heads_seq", json_integer(v.heads_seq));
	if (v.heads_at[0] != '\0')
		json_object_set_new(res, "heads_at", http_jstr(v.heads_at));
	return http_json(r, 200, res);
}
