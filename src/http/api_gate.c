/*
 * api_gate.c: the console's view of the access gateway (docs/api.md, "Gate
 * administration"): the live policy (read, replace), gate users (bind,
 * disable, enable, delete, new password), devices and their approval (given,
 * withdrawn, deleted), lockouts, live sessions and their revocation, per-rule
 * counters and recent gate decisions from the audit log. Bodies and path
 * segments are untrusted and checked by src/gate; the router holds the
 * store lock. Session tokens never leave the gate: only users, devices and
 * times are shown.
 */
#include <stdlib.h>
#include <string.h>

#include "gate/gate.h"
#include "http/http.h"

#define DECISIONS_MAX 200

/* A row as a JSON object with the given column names (NULL: integer
 * column when the name starts with '#'). */
struct rows {
	json_t *list;
	const char *const *names;
	int n;
};

static int
row_obj(void *arg, struct store_row *row)
{
	struct rows *x = arg;
	json_t *o = json_object();

	for (int i = 0; i < x->n; i++) {
		const char *name = x->names[i];

		if (name[0] == '#')
			json_object_set_new(
			    o, name + 1, json_integer(store_row_int(row, i)));
		else if (name[0] == '?')
			json_object_set_new(
			    o, name + 1, json_boolean(store_row_int(row, i)));
		else
			json_object_set_new(o, name,
					    http_jstr(store_row_text(row, i)));
	}
	return json_array_append_new(x->list, o) == 0 ? 0 : -1;
}

static int
list(struct http_req *r, const char *key, const char *sql,
     const char *const *names, int n, const struct store_val *v, int nv)
{
	struct rows x = {json_array(), names, n};
	struct err e;

	if (store_query(r->ctx->st, sql, v, nv, row_obj, &x, &e) < 0) {
		json_decref(x.list);
		return http_internal(r, e.msg);
	}
	return http_json(r, 200, json_pack("{s:o}", key, x.list));
}

static const char *
actor(struct http_req *r)
{
	return arena_printf(&r->arena, "console:%s", r->user);
}

int
http_gate_policy_get(struct http_req *r)
{
	char *doc = gate_db_policy_doc(r->ctx->st);
	json_t *o = json_loads(doc != NULL ? doc : "{}", 0, NULL);

	free(doc);
	if (o == NULL)
		return http_internal(r, "stored gate policy is not JSON");
	return http_json(r, 200, o);
}

int
http_gate_policy_put(struct http_req *r)
{
	struct err e;

	if (gate_db_policy_save(r->ctx->st, r->body, r->body_len, actor(r),
				&e) < 0)
		return http_error(r, 422, "%s", e.msg);
	return http_gate_policy_get(r);
}

int
http_gate_users(struct http_req *r)
{
	static const char *const names[] = {
	    "name",   "display",	"groups",    "?totp",
	    "?bound", "#invited_until", "#webauthn", "?disabled"};
	struct store_val now = SV_INT(time_now());

	return list(r, "users",
		    "SELECT name, display, groups, totp_secret IS NOT NULL, "
		    "bound, CASE WHEN totp_secret IS NULL AND enrol_until > ?1 "
		    "THEN enrol_until END, (SELECT count(*) FROM gate_webauthn "
		    "w WHERE w.user = name), disabled FROM gate_users ORDER BY "
		    "name",
		    names, 8, &now, 1);
}

/* POST /api/gate/users/{name}/invite {"hours": N}: N (1..720, default
 * 72) hours to set up TOTP at the portal; 0 withdraws. */
int
http_gate_invite(struct http_req *r)
{
	json_t *body = NULL, *h;
	long long hours = 72;
	struct err e;

	if (r->body_len > 0) {
		body = json_loadb(r->body, r->body_len, 0, NULL);
		h = body != NULL ? json_object_get(body, "hours") : NULL;
		if (body == NULL || !json_is_object(body) ||
		    (h != NULL && !json_is_integer(h))) {
			json_decref(body);
			return http_error(r, 422,
					  "body must be {\"hours\": N}");
		}
		if (h != NULL)
			hours = json_integer_value(h);
		json_decref(body);
	}
	if (hours < 0 || hours > 720)
		return http_error(r, 422, "hours must be from 0 to 720");
	if (gate_db_invite(r->ctx->st, r->arg[0],
			   hours > 0 ? time_now() + hours * 3600 : 0, actor(r),
			   &e) < 0)
		return http_error(r, 404, "%s", e.msg);
	return http_empty(r, 204);
}

int
http_gate_devices(struct http_req *r)
{
	static const char *const names[] = {
	    "id",	   "user",	  "?approved", "label",	 "created",
	    "approved_by", "approved_at", "#factors",  "address"};

	return list(r, "devices",
		    "SELECT id, user, approved, label, created, approved_by, "
		    "approved_at, factors, address FROM gate_devices ORDER BY "
		    "approved, created DESC",
		    names, 9, NULL, 0);
}

int
http_gate_approve(struct http_req *r)
{
	struct err e;

	if (gate_db_device_approve(r->ctx->st, r->arg[0], actor(r), &e) < 0)
		return http_error(r, 404, "%s", e.msg);
	return http_empty(r, 204);
}

int
http_gate_unapprove(struct http_req *r)
{
	struct err e;

	if (gate_db_device_unapprove(r->ctx->st, r->arg[0], actor(r), &e) < 0)
		return http_error(r, 404, "%s", e.msg);
	return http_empty(r, 204);
}

int
http_gate_device_delete(struct http_req *r)
{
	struct err e;

	if (gate_db_device_delete(r->ctx->st, r->arg[0], actor(r), &e) < 0)
		return http_error(r, 404, "%s", e.msg);
	return http_empty(r, 204);
}

/* POST /api/gate/users/{name}/disable and .../enable. */
static int
user_disable(struct http_req *r, int disabled)
{
	struct err e;

	if (gate_db_user_disable(r->ctx->st, r->arg[0], disabled, actor(r),
				 &e) < 0)
		return http_error(r, 404, "%s", e.msg);
	return http_empty(r, 204);
}

int
http_gate_user_disable(struct http_req *r)
{
	return user_disable(r, 1);
}

int
http_gate_user_enable(struct http_req *r)
{
	return user_disable(r, 0);
}

/* POST /api/gate/users/{name}/bind and .../unbind (AUTH-4). */
static int
user_bind(struct http_req *r, int bound)
{
	struct err e;

	if (gate_db_user_bind(r->ctx->st, r->arg[0], bound, actor(r), &e) < 0)
		return http_error(r, 404, "%s", e.msg);
	return http_empty(r, 204);
}

int
http_gate_user_bind(struct http_req *r)
{
	return user_bind(r, 1);
}

int
http_gate_user_unbind(struct http_req *r)
{
	return user_bind(r, 0);
}

int
http_gate_user_delete(struct http_req *r)
{
	struct err e;

	if (gate_db_user_delete(r->ctx->st, r->arg[0], actor(r), &e) < 0)
		return http_error(r, 404, "%s", e.msg);
	return http_empty(r, 204);
}

/* A new random password: 20 letters and digits that are hard to confuse
 * (about 99 bits) in groups of four, into out (25 bytes). */
static int
password_make(char out[25])
{
	static const char alnum[] = "abcdefghjkmnpqrstuvwxyz23456789";
	unsigned char rnd[20];
	int o = 0;

	if (rand_bytes(rnd, sizeof(rnd)) < 0)
		return -1;
	for (int i = 0; i < 20; i++) {
		if (i > 0 && i % 4 == 0)
			out[o++] = '-';
		/* 256 % 31 = 8: a bias of under 0.4 bits in 99 */
		out[o++] = alnum[rnd[i] % (sizeof(alnum) - 1)];
	}
	out[o] = '\0';
	explicit_bzero(rnd, sizeof(rnd));
	return 0;
}

/*
 * POST /api/gate/users/{name}/password {"password": "..."}: sets it
 * (204); without a password ({} or no body), makes one and answers it
 * once: 200 {"password": "..."}. Either way the user's sessions end.
 */
int
http_gate_user_password(struct http_req *r)
{
	json_t *body = NULL, *p = NULL;
	char made[25];
	const char *pw = NULL;
	struct err e;
	size_t n;
	int rc;

	if (r->body_len > 0) {
		body = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES,
				  NULL);
		p = body != NULL ? json_object_get(body, "password") : NULL;
		if (body == NULL || !json_is_object(body) ||
		    (p != NULL && !json_is_string(p))) {
			json_decref(body);
			return http_error(r, 422,
					  "body must be {\"password\": "
					  "\"...\"} or {}");
		}
	}
	if (p != NULL) {
		pw = json_string_value(p);
		n = json_string_length(p);
		if (n < 8 || n > 1024 || strlen(pw) != n) {
			json_decref(body);
			return http_error(r, 422,
					  "password for '%.64s' must be 8 to "
					  "1024 bytes",
					  r->arg[0]);
		}
	} else {
		if (password_make(made) < 0) {
			json_decref(body);
			return http_internal(r, "cannot make a password");
		}
		pw = made;
	}
	rc = gate_db_user_password(r->ctx->st, r->arg[0], pw, actor(r), &e);
	json_decref(body);
	if (rc < 0) {
		explicit_bzero(made, sizeof(made));
		return http_error(r, 404, "%s", e.msg);
	}
	if (p != NULL)
		return http_empty(r, 204);
	rc = http_json(r, 200, json_pack("{s:s}", "password", made));
	explicit_bzero(made, sizeof(made));
	return rc;
}

int
http_gate_lockouts(struct http_req *r)
{
	static const char *const names[] = {"key", "#failures", "#first",
					    "#locked_until"};
	struct store_val v[1] = {SV_INT(time_now())};

	return list(r, "lockouts",
		    "SELECT key, failures, first, locked_until FROM "
		    "gate_failures WHERE locked_until > ? ORDER BY key",
		    names, 4, v, 1);
}

int
http_gate_unlock(struct http_req *r)
{
	struct err e;

	if (gate_db_unlock(r->ctx->st, r->arg[0], actor(r), &e) < 0)
		return http_error(r, 404, "%s", e.msg);
	return http_empty(r, 204);
}

int
http_gate_sessions(struct http_req *r)
{
	static const char *const names[] = {
	    "id",    "user",	      "device",	  "#factors", "#created",
	    "#seen", "#idle_expires", "#expires", "state"};
	struct store_val now = SV_INT(time_now());

	return list(r, "sessions", gate_db_sessions_sql, names, 9, &now, 1);
}

int
http_gate_keys(struct http_req *r)
{
	static const char *const names[] = {
	    "id", "user", "#alg", "label", "created", "last_used", "#sign_count"};

	return list(r, "keys",
		    "SELECT id, user, alg, label, created, last_used, "
		    "sign_count FROM gate_webauthn ORDER BY user, created",
		    names, 7, NULL, 0);
}

int
http_gate_key_remove(struct http_req *r)
{
	struct err e;

	if (gate_db_key_remove(r->ctx->st, r->arg[0], actor(r), &e) < 0)
		return http_error(r, 404, "%s", e.msg);
	return http_empty(r, 204);
}

int
http_gate_session_revoke(struct http_req *r)
{
	struct err e;

	if (!gate_session_id_valid(r->arg[0]))
		return http_error(r, 400, "'%.40s' is not a session id",
				  r->arg[0]);
	if (gate_db_session_revoke(r->ctx->st, r->arg[0], actor(r), &e) < 0)
		return http_error(r, 404, "%s", e.msg);
	return http_empty(r, 204);
}

int
http_gate_revoke(struct http_req *r)
{
	struct err e;

	if (gate_db_revoke(r->ctx->st, r->arg[0], actor(r), &e) < 0)
		return http_internal(r, e.msg);
	return http_empty(r, 204);
}

int
http_gate_stats(struct http_req *r)
{
	static const char *const names[] = {"rule", "#allows", "#denies",
					    "updated"};

	return list(r, "rules",
		    "SELECT rule, allows, denies, updated FROM gate_rule_stats "
		    "ORDER BY rule",
		    names, 4, NULL, 0);
}

int
http_gate_decisions(struct http_req *r)
{
	static const char *const names[] = {"#seq", "at", "action", "object",
					    "detail"};
	struct store_val v[1] = {SV_INT(DECISIONS_MAX)};

	return list(r, "decisions",
		    "SELECT seq, at, action, object, after FROM audit WHERE "
		    "action LIKE 'gate.%' ORDER BY seq DESC LIMIT ?",
		    names, 5, v, 1);
}
