/*
 * keys.c: security keys (WebAuthn) as the console's second factor: a
 * signed-in user registers keys of their own, and a login waiting for its
 * second factor may finish with an assertion of one of them instead of a
 * code. The ceremonies are verified by src/gate/webauthn.c; the challenge
 * lives with the session in the store. Everything the browser sends is
 * untrusted, including Origin, which must name the Host it was sent to.
 */
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "gate/webauthn.h"
#include "http/http.h"

#define KEYS_MAX 20 /* keys an account may register */

static const char *
jstr(const json_t *o, const char *name)
{
	return json_string_value(json_object_get(o, name));
}

/*
 * The origin and RP ID of a ceremony: Origin must be "http://HOST" or
 * "https://HOST" for the Host the request was sent to, the RP ID is that
 * host without its port. 0, or -1 (an IP literal in brackets, no Origin).
 */
static int
key_origin(struct http_req *r, char origin[300], char rpid[256])
{
	const char *o = http_req_header(r, "Origin"),
		   *host = http_req_header(r, "Host");
	const char *rest;

	if (o == NULL || host == NULL || str_copy(origin, o, 300) < 0)
		return -1;
	if (str_starts(o, "https://"))
		rest = o + 8;
	else if (str_starts(o, "http://"))
		rest = o + 7;
	else
		return -1;
	if (strcmp(rest, host) != 0)
		return -1;
	return ceremony_rpid(host, rpid);
}

/* A fresh challenge in base64url kept with the session; 0 or -1. */
static int
new_challenge(struct http_req *r, char b64[64])
{
	if (ceremony_challenge(b64) < 0)
		return -1;
	return http_session_put_challenge(r, b64);
}

/* The user's keys as [{"type": "public-key", "id": ...}], or NULL. */
static json_t *
key_ids(struct http_req *r, const char *user)
{
	json_t *a = json_array();
	struct store_val v[1] = {SV_TEXT(user)};
	struct err e;

	if (store_query(r->ctx->st,
			"SELECT id FROM console_webauthn WHERE user = ? "
			"ORDER BY created",
			v, 1, ceremony_id_row, a, &e) < 0) {
		log_error("console keys of '%s': %s", user, e.msg);
		json_decref(a);
		return NULL;
	}
	return a;
}

static int
key_list_row(void *arg, struct store_row *row)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", http_jstr(store_row_text(row, 0)));
	json_object_set_new(o, "label", http_jstr(store_row_text(row, 1)));
	json_object_set_new(o, "created", json_integer(store_row_int(row, 2)));
	json_object_set_new(o, "last_used",
			    store_row_null(row, 3)
				? json_null()
				: json_integer(store_row_int(row, 3)));
	json_array_append_new(arg, o);
	return 0;
}

int
http_keys(struct http_req *r)
{
	struct store_val v[1] = {SV_TEXT(r->user)};
	json_t *a = json_array(), *o;
	struct err e;

	if (store_query(r->ctx->st,
			"SELECT id, label, created, last_used FROM "
			"console_webauthn WHERE user = ? ORDER BY created",
			v, 1, key_list_row, a, &e) < 0) {
		json_decref(a);
		return http_internal(r, e.msg);
	}
	o = json_object();
	json_object_set_new(o, "items", a);
	return http_json(r, 200, o);
}

int
http_key_begin(struct http_req *r)
{
	char origin[300], rpid[256], b64[64], uid[64];
	unsigned char uhash[SM3_LEN];
	json_t *ids;

	if (key_origin(r, origin, rpid) < 0)
		return http_error(r, 400,
				  "a security key needs an Origin header "
				  "naming the console's host");
	/* the user handle: stable, and not the name itself */
	if (sm3_digest(r->user, strlen(r->user), uhash) < 0 ||
	    b64url_encode(uhash, sizeof(uhash), uid, sizeof(uid)) < 0 ||
	    new_challenge(r, b64) < 0)
		return http_internal(r, "cannot start a key registration");
	ids = key_ids(r, r->user);
	if (ids == NULL)
		return http_internal(r, "cannot list the keys");
	if (json_array_size(ids) >= KEYS_MAX) {
		json_decref(ids);
		return http_error(r, 409,
				  "console user '%s' has %d security keys "
				  "already",
				  r->user, KEYS_MAX);
	}
	return http_json(
	    r, 200,
	    json_pack("{s:o}", "publicKey",
		      ceremony_create_options(b64, rpid, "govsec console", uid,
					      r->user, ids)));
}

int
http_key_finish(struct http_req *r)
{
	struct store *st = r->ctx->st;
	char origin[300], rpid[256], object[128];
	char *chal = NULL, *id = NULL, *pk = NULL, *lab = NULL;
	struct wa_credential *c = NULL;
	const char *label;
	struct store_val v[7];
	struct err e;
	json_t *o, *reply;
	int rc;

	if (http_body_object(r, &o) < 0)
		return 0;
	label = jstr(o, "label");
	str_fmt(object, sizeof(object), "console-user:%s", r->user);
	chal = http_session_take_challenge(r);
	if (chal == NULL || key_origin(r, origin, rpid) < 0 ||
	    (label != NULL && strlen(label) > 256)) {
		rc = http_error(r, 400,
				"no key registration under way, or no Origin "
				"naming the console's host");
		goto out;
	}
	c = xcalloc(1, sizeof(*c));
	rc = ceremony_register(o, chal, origin, rpid, c, &e);
	if (rc == -1) {
		rc = http_error(r, 400,
				"expected clientDataJSON and "
				"attestationObject in base64url");
		goto out;
	}
	if (rc < 0) {
		struct err ae;

		if (audit_append(st, r->user, "console.webauthn.refused",
				 object, NULL, e.msg, &ae) < 0)
			log_error("cannot audit a refused key: %s", ae.msg);
		rc = http_error(r, 422, "security key refused: %s", e.msg);
		goto out;
	}
	ceremony_encode(c, &id, &pk);
	lab = str_utf8_sanitize(label != NULL ? label : "");
	v[0] = SV_TEXT(id);
	v[1] = SV_TEXT(r->user);
	v[2] = SV_INT(c->alg);
	v[3] = SV_TEXT(pk);
	v[4] = SV_INT(c->sign_count);
	v[5] = SV_TEXT(lab[0] != '\0' ? lab : NULL);
	v[6] = SV_INT((long long)time_now());
	if (store_begin(st, &e) < 0) {
		rc = http_internal(r, e.msg);
		goto out;
	}
	if (store_query_int(st,
			    "SELECT count(*) FROM console_webauthn WHERE "
			    "id = ?",
			    v, 1, 0) > 0) {
		store_rollback(st);
		rc = http_error(r, 409, "that security key is registered");
		goto out;
	}
	if (store_exec(st,
		       "INSERT INTO console_webauthn(id, user, alg, pubkey, "
		       "sign_count, label, created) VALUES (?, ?, ?, ?, ?, ?, "
		       "?)",
		       v, 7, &e) < 0 ||
	    audit_append(st, r->user, "console.webauthn.register", object, NULL,
			 lab[0] != '\0' ? lab : NULL, &e) < 0 ||
	    store_commit(st, &e) < 0) {
		store_rollback(st);
		rc = http_internal(r, e.msg);
		goto out;
	}
	reply = json_object();
	json_object_set_new(reply, "id", json_string(id));
	rc = http_json(r, 200, reply);
out:
	json_decref(o);
	free(chal);
	free(c);
	free(id);
	free(pk);
	free(lab);
	return rc;
}

int
http_key_delete(struct http_req *r)
{
	struct store *st = r->ctx->st;
	struct store_val v[2] = {SV_TEXT(r->arg[0]), SV_TEXT(r->user)};
	char object[128];
	struct err e;

	str_fmt(object, sizeof(object), "console-user:%s", r->user);
	if (store_begin(st, &e) < 0)
		return http_internal(r, e.msg);
	if (store_exec(st,
		       "DELETE FROM console_webauthn WHERE id = ? AND user = ?",
		       v, 2, &e) < 0) {
		store_rollback(st);
		return http_internal(r, e.msg);
	}
	if (store_changes(st) != 1) {
		store_rollback(st);
		return http_error(r, 404, "no security key '%s' of '%s'",
				  r->arg[0], r->user);
	}
	if (audit_append(st, r->user, "console.webauthn.remove", object, NULL,
			 NULL, &e) < 0 ||
	    store_commit(st, &e) < 0) {
		store_rollback(st);
		return http_internal(r, e.msg);
	}
	return http_empty(r, 204);
}

int
http_login_key_begin(struct http_req *r)
{
	char origin[300], rpid[256], b64[64];
	json_t *ids;
	int rc;

	http_lock(r);
	rc = http_session_load_stage(r, HTTP_STAGE_CODE);
	if (rc <= 0)
		return rc < 0 ? http_internal(r, "cannot load session")
			      : http_error(r, 401,
					   "no login is waiting for a second "
					   "factor: log in with the password "
					   "first");
	if (key_origin(r, origin, rpid) < 0)
		return http_error(r, 400,
				  "a security key needs an Origin header "
				  "naming the console's host");
	ids = key_ids(r, r->user);
	if (ids == NULL)
		return http_internal(r, "cannot list the keys");
	if (json_array_size(ids) == 0) {
		json_decref(ids);
		return http_error(
		    r, 409, "console user '%s' has no security key", r->user);
	}
	if (new_challenge(r, b64) < 0) {
		json_decref(ids);
		return http_internal(r, "cannot make a challenge");
	}
	return http_json(r, 200,
			 json_pack("{s:o}", "publicKey",
				   ceremony_get_options(b64, rpid, ids)));
}

int
http_login_key_finish(struct http_req *r)
{
	struct store *st = r->ctx->st;
	char origin[300], rpid[256], *chal = NULL, *name = NULL, *role = NULL;
	struct ceremony_key *k = NULL;
	const char *id;
	struct store_val v[4];
	uint32_t count = 0;
	struct err e;
	json_t *o;
	int rc;

	if (http_body_object(r, &o) < 0)
		return 0;
	id = jstr(o, "id");
	http_lock(r);
	rc = http_session_load_stage(r, HTTP_STAGE_CODE);
	if (rc <= 0) {
		rc = rc < 0 ? http_internal(r, "cannot load session")
			    : http_error(r, 401,
					 "no login is waiting for a second "
					 "factor: log in with the password "
					 "first");
		goto out;
	}
	name = xstrdup(r->user);
	role = xstrdup(r->role);
	chal = http_session_take_challenge(r);
	if (chal == NULL || id == NULL || key_origin(r, origin, rpid) < 0) {
		rc = http_error(r, 400,
				"no key login under way, or no Origin naming "
				"the console's host");
		goto out;
	}
	if (http_attempt_reserve(r, name) <= 0) {
		rc = 0;
		goto out;
	}
	k = xcalloc(1, sizeof(*k));
	v[0] = SV_TEXT(id);
	v[1] = SV_TEXT(name);
	if (store_query(st,
			"SELECT alg, pubkey, sign_count FROM console_webauthn "
			"WHERE id = ? AND user = ?",
			v, 2, ceremony_key_row, k, &e) < 0 ||
	    !k->found ||
	    ceremony_assert(o, chal, origin, rpid, &k->c, &count, &e) < 0) {
		rc = http_login_failed(r, name, "the security key was refused");
		goto out;
	}
	v[0] = SV_INT(count);
	v[1] = SV_INT((long long)time_now());
	v[2] = SV_TEXT(id);
	v[3] = SV_TEXT(name);
	if (store_exec(st,
		       "UPDATE console_webauthn SET sign_count = ?, "
		       "last_used = ? WHERE id = ? AND user = ?",
		       v, 4, &e) < 0) {
		rc = http_internal(r, e.msg);
		goto out;
	}
	rc = http_login_finish(r, name, role);
out:
	json_decref(o);
	free(chal);
	free(name);
	free(role);
	free(k);
	return rc;
}
