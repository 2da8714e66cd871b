/*
 * api_registry.c: the registry endpoints (/api/KIND and /api/KIND/KEY):
 * list, get, create or replace, and remove records through the registry's
 * one validation path, audited with the session user as actor, kept to
 * the account's scope (r->scope). Bodies, keys and query arguments are
 * untrusted; the router has checked the session, role and CSRF token and
 * holds the store lock.
 */
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "registry/registry.h"

/* Maps a registry error to the status of docs/api.md and replies. */
static int
reg_error(struct http_req *r, const struct err *e)
{
	static const char *const conflicts[] = {
	    "still referred to",
	    "is already registered to",
	    "constraint failed",
	};

	for (size_t i = 0; i < ARRAY_SIZE(conflicts); i++)
		if (strstr(e->msg, conflicts[i]) != NULL)
			return http_error(r, 409, "%s", e->msg);
	if (strstr(e->msg, "outside the scope of this account") != NULL ||
	    strstr(e->msg, "is the scope of this account") != NULL)
		return http_error(r, 403, "%s", e->msg);
	if (strstr(e->msg, "database is locked") != NULL ||
	    strstr(e->msg, "database is busy") != NULL) {
		http_header_add(r, "Retry-After", "1");
		return http_error(r, 503, "the store is busy; try again");
	}
	if (strstr(e->msg, "database:") != NULL)
		return http_internal(r, e->msg);
	return http_error(r, 422, "%s", e->msg);
}

static const struct field *
key_field(const struct entity *ent)
{
	for (int i = 0; i < ent->nfields; i++)
		if (ent->fields[i].flags & F_KEY)
			return &ent->fields[i];
	return NULL;
}

static int
add_item(void *arg, json_t *obj)
{
	return json_array_append(arg, obj) == 0 ? 0 : -1;
}

int
http_registry_list(struct http_req *r)
{
	const struct entity *ent = reg_entity(r->arg[0]);
	const char *unit = http_query(r, "unit");
	const char *col = NULL;
	json_t *items = json_array(), *o;
	struct err e;

	if (unit != NULL) {
		/* A unit "belongs to" itself; others by their unit field. */
		col = strcmp(ent->name, "unit") == 0 ? "uscc" : "unit";
		if (reg_field(ent, col) == NULL) {
			json_decref(items);
			return http_error(r, 400,
					  "%s cannot be filtered by unit",
					  ent->plural);
		}
	}
	if (reg_each_in(r->ctx->st, ent, &r->scope, col, unit, add_item, items,
			&e) < 0) {
		json_decref(items);
		return http_internal(r, e.msg);
	}
	o = json_object();
	json_object_set_new(o, "items", items);
	return http_json(r, 200, o);
}

int
http_registry_get(struct http_req *r)
{
	const struct entity *ent = reg_entity(r->arg[0]);
	json_t *o = scope_get(r->ctx->st, &r->scope, ent, r->arg[1]);

	/* Out of scope is as good as absent. */
	if (o == NULL)
		return http_error(r, 404, "%s '%s' is not registered",
				  ent->name, r->arg[1]);
	return http_json(r, 200, o);
}

/* Writes obj (reference taken) and replies with the stored record. */
static int
put_record(struct http_req *r, const struct entity *ent, json_t *obj)
{
	const char *key;
	char *loc;
	json_t *rec;
	struct err e;
	int created = 0;

	if (scope_put(r->ctx->st, &r->scope, ent, obj, "$", r->user, &created,
		      &e) < 0) {
		json_decref(obj);
		return reg_error(r, &e);
	}
	key = reg_key(ent, obj);
	rec = key != NULL ? reg_get(r->ctx->st, ent, key) : NULL;
	if (rec == NULL) {
		json_decref(obj);
		return http_internal(r, "record written but not found");
	}
	if (created) {
		loc = arena_printf(&r->arena, "/api/%s/%s", ent->plural, key);
		http_header_add(r, "Location", loc);
	}
	json_decref(obj);
	return http_json(r, created ? 201 : 200, rec);
}

int
http_registry_post(struct http_req *r)
{
	const struct entity *ent = reg_entity(r->arg[0]);
	json_t *o;

	if (http_body_object(r, &o) < 0)
		return 0;
	return put_record(r, ent, o);
}

int
http_registry_put(struct http_req *r)
{
	const struct entity *ent = reg_entity(r->arg[0]);
	const struct field *kf = key_field(ent);
	const char *key;
	json_t *o;

	if (http_body_object(r, &o) < 0)
		return 0;
	key = reg_key(ent, o);
	if (key == NULL && json_object_get(o, kf->name) == NULL) {
		/* The path names the record; the body may leave it out. */
		json_t *k = json_string(r->arg[1]);

		if (k == NULL || json_object_set_new(o, kf->name, k) < 0) {
			json_decref(o);
			return http_error(r, 400, "bad key in the path");
		}
		key = reg_key(ent, o);
	}
	if (key == NULL || strcmp(key, r->arg[1]) != 0) {
		json_decref(o);
		return http_error(r, 422,
				  "$.%s: must equal the key in the path '%s'",
				  kf->name, r->arg[1]);
	}
	return put_record(r, ent, o);
}

int
http_registry_delete(struct http_req *r)
{
	const struct entity *ent = reg_entity(r->arg[0]);
	json_t *old = scope_get(r->ctx->st, &r->scope, ent, r->arg[1]);
	struct err e;

	if (old == NULL)
		return http_error(r, 404, "%s '%s' is not registered",
				  ent->name, r->arg[1]);
	json_decref(old);
	if (scope_rm(r->ctx->st, &r->scope, ent, r->arg[1], r->user, &e) < 0)
		return reg_error(r, &e);
	return http_empty(r, 204);
}
