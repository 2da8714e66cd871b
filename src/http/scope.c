/*
 * scope.c: the unit scope of console accounts: set with `govsec user add
 * --unit | --region` (stored in console_users), loaded once per request by
 * the router into r->scope (src/registry/scope.c computes which units it
 * covers) and shown on /api/me. The scope as stored is trusted; the codes
 * given to http_user_scope are checked.
 */
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "http/http.h"

int
http_user_scope(struct store *st, const char *name, const char *unit,
		const char *region, const char *actor, struct err *e)
{
	struct scope sc;
	struct store_val v[3];
	char object[128], after[AUDIT_HASH_HEX], desc[64];
	json_t *u;

	scope_init(&sc);
	if (scope_set(&sc, unit, region, e) < 0)
		return -1;
	if (sc.kind == SCOPE_UNIT) {
		u = reg_get(st, reg_entity("unit"), sc.code);
		if (u == NULL) {
			err_set(e, "unit '%s' is not registered", sc.code);
			return -1;
		}
		json_decref(u);
	}
	if (store_begin(st, e) < 0)
		return -1;
	v[0] = SV_TEXT(sc.kind == SCOPE_UNIT ? sc.code : NULL);
	v[1] = SV_TEXT(sc.kind == SCOPE_REGION ? sc.code : NULL);
	v[2] = SV_TEXT(name);
	if (store_exec(st,
		       "UPDATE console_users SET scope_unit = ?, "
		       "scope_region = ? WHERE name = ?",
		       v, 3, e) < 0)
		goto fail;
	if (store_changes(st) != 1) {
		err_set(e, "console user '%s' does not exist", name);
		goto fail;
	}
	str_fmt(desc, sizeof(desc), "%s:%s", scope_kind_name(sc.kind), sc.code);
	audit_digest(desc, strlen(desc), after);
	str_fmt(object, sizeof(object), "console-user:%s", name);
	if (audit_append(st, actor ? actor : "system", "console.user.scope",
			 object, NULL, after, e) < 0)
		goto fail;
	return store_commit(st, e);
fail:
	store_rollback(st);
	return -1;
}

int
http_scope_load(struct http_req *r)
{
	struct err e;

	if (scope_set(&r->scope, r->scope_unit, r->scope_region, &e) < 0 ||
	    scope_load(r->ctx->st, &r->scope, &e) < 0) {
		log_error("scope of console user '%s': %s", r->user, e.msg);
		return -1;
	}
	return 0;
}

int
http_scoped(const struct http_req *r)
{
	return r->scope.kind != SCOPE_ALL;
}

json_t *
http_scope_json(struct http_req *r)
{
	json_t *o, *u;

	if (!http_scoped(r))
		return json_null();
	o = json_object();
	json_object_set_new(o, "kind",
			    json_string(scope_kind_name(r->scope.kind)));
	json_object_set_new(o, "code", http_jstr(r->scope.code));
	u = r->scope.kind == SCOPE_UNIT
		? reg_get(r->ctx->st, reg_entity("unit"), r->scope.code)
		: NULL;
	json_object_set_new(
	    o, "name",
	    http_jstr(json_string_value(json_object_get(u, "name"))));
	json_decref(u);
	return o;
}
