/*
 * account.c: what a console account proves besides its password, and how
 * its password may change (AUTH-1, MLPS-3): the second step of a login (a
 * TOTP code checked by src/gate/totp.c against a seed sealed under the
 * store's key file, or a one-time recovery code), [console] two_factor,
 * the password rules of pwrule_check(), no reuse of the last
 * HTTP_PW_HISTORY passwords and [console] password_max_days. Codes,
 * passwords and request bodies are untrusted; passwords, seeds and codes
 * are never logged or audited.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "audit/audit.h"
#include "gate/gate.h"
#include "http/http.h"

#define DAY	 86400LL
#define CODE_MAX 32 /* bytes of a code as typed */

static void
totp_context(const char *name, char *out, size_t n)
{
	str_fmt(out, n, "console_users.totp_secret:%s", name);
}

/* Audits action on the console user name by actor ("system" if NULL);
 * with commit, also ends the caller's transaction (audit_commit). */
static int
audit_user(struct store *st, const char *actor, const char *action,
	   const char *name, int commit, struct err *e)
{
	char object[128];

	str_fmt(object, sizeof(object), "console-user:%s", name);
	if (actor == NULL)
		actor = "system";
	if (commit)
		return audit_commit(st, actor, action, object, NULL, NULL, e);
	return audit_append(st, actor, action, object, NULL, NULL, e);
}

/* Runs sql (v, nv), which must change the console user name, in a
 * transaction of its own audited as action by actor; 0, or -1 with e
 * set. */
static int
user_change(struct store *st, const char *name, const char *sql,
	    const struct store_val *v, int nv, const char *actor,
	    const char *action, struct err *e)
{
	if (store_begin(st, e) < 0)
		return -1;
	if (store_exec(st, sql, v, nv, e) < 0)
		goto fail;
	if (store_changes(st) != 1) {
		err_set(e, "no console user '%s'", name);
		goto fail;
	}
	return audit_user(st, actor, action, name, 1, e);
fail:
	store_rollback(st);
	return -1;
}

/* 1 if [console] two_factor asks a second factor of role. */
static int
factor_required(const struct config *cfg, const char *role)
{
	return cfg->two_factor == TWO_FACTOR_ALL ||
	       (cfg->two_factor == TWO_FACTOR_ADMIN &&
		(!strcmp(role, "admin") || !strcmp(role, "issuer")));
}

/* 1 if the password must change before the account may do anything. */
static int
password_expired(const struct config *cfg, long long changed, int must_change,
		 long long now)
{
	if (must_change)
		return 1;
	if (cfg->password_max_days == 0 || changed == 0)
		return 0;
	return now - changed >= (long long)cfg->password_max_days * DAY;
}

int
http_login_next(struct http_req *r, const char *name, const char *role,
		int has_totp, long long changed, int must_change)
{
	struct store *st = r->ctx->st;
	const struct config *cfg = r->ctx->cfg;
	long long now = (long long)time_now();
	struct store_val v[2];
	struct err e;

	if (changed == 0) {
		/* set before password ages were kept: the clock starts now */
		v[0] = SV_INT(now);
		v[1] = SV_TEXT(name);
		if (store_exec(st,
			       "UPDATE console_users SET password_changed = ? "
			       "WHERE name = ? AND password_changed = 0",
			       v, 2, &e) < 0)
			return http_internal(r, e.msg);
		changed = now;
	}
	if (has_totp)
		return http_session_start(r, name, role, HTTP_STAGE_CODE);
	if (factor_required(cfg, role)) {
		v[0] = SV_TEXT(name);
		if (store_exec(st,
			       "UPDATE console_users SET failures = 0 WHERE "
			       "name = ?",
			       v, 1, &e) < 0 ||
		    audit_user(st, name, "console.login_no_factor", name, 0,
			       &e) < 0)
			return http_internal(r, e.msg);
		return http_error(r, 403,
				  "console user '%s' has no second factor, "
				  "which [console] two_factor requires: an "
				  "administrator enrols one with 'govsec user "
				  "totp %s'",
				  name, name);
	}
	return http_session_start(
	    r, name, role,
	    password_expired(cfg, changed, must_change, now)
		? HTTP_STAGE_PASSWORD
		: HTTP_STAGE_FULL);
}

struct factor {
	char *secret, *recovery;
	long long last;
	int found;
};

static int
factor_row(void *arg, struct store_row *row)
{
	struct factor *f = arg;
	const char *s = store_row_text(row, 0), *rec = store_row_text(row, 1);

	f->secret = s != NULL ? xstrdup(s) : NULL;
	f->recovery = rec != NULL ? xstrdup(rec) : NULL;
	f->last = store_row_int(row, 2);
	f->found = 1;
	return 1;
}

/*
 * Checks code against name's factor and spends it (store locked): 1 if
 * accepted, 0 if not, -1 on failure (logged).
 */
static int
check_code(struct http_req *r, const char *name, const char *code)
{
	struct store *st = r->ctx->st;
	struct factor f = {NULL, NULL, 0, 0};
	char ctx[HTTP_NAME_MAX + 64], *rest = NULL;
	struct store_val v[3];
	struct err e;
	int ok = 0;

	v[0] = SV_TEXT(name);
	if (store_query(st,
			"SELECT totp_secret, recovery, totp_last FROM "
			"console_users WHERE name = ?",
			v, 1, factor_row, &f, &e) < 0) {
		ok = -1;
		goto out;
	}
	if (!f.found || f.secret == NULL)
		goto out;
	if (strchr(code, '-') != NULL) {
		ok = gate_recovery_spend(f.recovery, code, &rest);
		v[0] = SV_TEXT(rest);
		v[1] = SV_TEXT(name);
		if (ok && (store_exec(st,
				      "UPDATE console_users SET recovery = ? "
				      "WHERE name = ?",
				      v, 2, &e) < 0 ||
			   audit_user(st, name, "console.recovery_used", name,
				      0, &e) < 0))
			ok = -1;
		goto out;
	}
	totp_context(name, ctx, sizeof(ctx));
	ok = gate_totp_check_sealed(r->ctx->key, ctx, f.secret, code,
				    time_now(), &f.last, &e);
	if (ok == 1) {
		/* a code works once, also with two logins in flight */
		v[0] = SV_INT(f.last);
		v[1] = SV_TEXT(name);
		if (store_exec(st,
			       "UPDATE console_users SET totp_last = ? WHERE "
			       "name = ? AND totp_last < ?1",
			       v, 2, &e) < 0)
			ok = -1;
		else
			ok = store_changes(st) == 1;
	}
out:
	if (ok < 0)
		log_error("console user '%s': second factor: %s", name, e.msg);
	free(rest);
	if (f.secret != NULL)
		OPENSSL_cleanse(f.secret, strlen(f.secret));
	free(f.secret);
	free(f.recovery);
	return ok;
}

int
http_login_finish(struct http_req *r, const char *name, const char *role)
{
	struct store_val v[1] = {SV_TEXT(name)};
	long long changed;
	int must_change;

	changed = store_query_int(r->ctx->st,
				  "SELECT password_changed FROM console_users "
				  "WHERE name = ?",
				  v, 1, 0);
	must_change = (int)store_query_int(r->ctx->st,
					   "SELECT must_change FROM "
					   "console_users WHERE name = ?",
					   v, 1, 0);
	/* a new token for the full session: the partial one ends */
	if (http_session_drop(r) < 0)
		return http_internal(r, "cannot end the partial session");
	return http_session_start(r, name, role,
				  password_expired(r->ctx->cfg, changed,
						   must_change,
						   (long long)time_now())
				      ? HTTP_STAGE_PASSWORD
				      : HTTP_STAGE_FULL);
}

int
http_attempt_reserve(struct http_req *r, const char *name)
{
	const struct config *cfg = r->ctx->cfg;
	struct store_val v[3];
	struct err e;

	v[0] = SV_TEXT(name);
	v[1] = SV_INT((long long)time_now());
	v[2] = SV_INT(cfg->login_attempts);
	if (store_exec(r->ctx->st,
		       "UPDATE console_users SET failures = failures + 1 "
		       "WHERE name = ? AND locked_until <= ? AND failures < ?",
		       v, 3, &e) < 0) {
		http_internal(r, e.msg);
		return -1;
	}
	if (store_changes(r->ctx->st) == 0) {
		http_session_drop(r);
		http_locked_reply(r, cfg->lockout_seconds);
		return 0;
	}
	return 1;
}

int
http_login_code(struct http_req *r)
{
	const char *code;
	char *name = NULL, *role = NULL;
	json_t *o;
	int rc;

	if (http_body_object(r, &o) < 0)
		return 0;
	code = json_string_value(json_object_get(o, "code"));
	if (code == NULL || strlen(code) > CODE_MAX) {
		json_decref(o);
		return http_error(r, 400,
				  "expected {\"code\": ...} as a string of "
				  "at most %d bytes",
				  CODE_MAX);
	}
	http_lock(r);
	rc = http_session_load_stage(r, HTTP_STAGE_CODE);
	if (rc <= 0) {
		rc = rc < 0 ? http_internal(r, "cannot load session")
			    : http_error(r, 401,
					 "no login is waiting for a code (it "
					 "waits %d seconds): log in with the "
					 "password first",
					 HTTP_CODE_SECONDS);
		goto out;
	}
	name = xstrdup(r->user);
	role = xstrdup(r->role);
	if (http_attempt_reserve(r, name) <= 0) {
		rc = 0;
		goto out;
	}
	rc = check_code(r, name, code);
	if (rc < 0) {
		rc = http_internal(r, "cannot check the second factor");
		goto out;
	}
	if (rc == 0) {
		rc = http_login_failed(r, name, "wrong, used or expired code");
		goto out;
	}
	rc = http_login_finish(r, name, role);
out:
	json_decref(o);
	free(name);
	free(role);
	return rc;
}

int
http_password(struct http_req *r)
{
	struct store *st = r->ctx->st;
	const char *cur, *pw;
	char *name = NULL, *role = NULL, *hash = NULL;
	struct store_val v[1];
	struct err e;
	json_t *o;
	int rc, ok;

	if (http_body_object(r, &o) < 0)
		return 0;
	cur = json_string_value(json_object_get(o, "current"));
	pw = json_string_value(json_object_get(o, "password"));
	if (cur == NULL || pw == NULL) {
		json_decref(o);
		return http_error(r, 400,
				  "expected {\"current\": ..., "
				  "\"password\": ...} as strings");
	}
	http_lock(r);
	rc = http_session_load_stage(r, HTTP_STAGE_FULL);
	if (rc == 0)
		rc = http_session_load_stage(r, HTTP_STAGE_PASSWORD);
	if (rc <= 0) {
		rc = rc < 0 ? http_internal(r, "cannot load session")
			    : http_error(r, 401,
					 "not logged in or session expired");
		goto out;
	}
	if (!http_csrf_ok(r)) {
		rc = http_error(r, 403, "missing or wrong X-CSRF-Token header");
		goto out;
	}
	name = xstrdup(r->user);
	role = xstrdup(r->role);
	v[0] = SV_TEXT(name);
	hash = store_query_text(
	    st, "SELECT password FROM console_users WHERE name = ?", v, 1);
	http_unlock(r);
	ok = hash != NULL && password_verify(hash, cur);
	http_lock(r);
	if (!ok) {
		rc =
		    http_login_failed(r, name, "the current password is wrong");
		goto out;
	}
	if (http_user_passwd(st, r->ctx->cfg, name, pw, NULL, name, &e) < 0) {
		rc = http_error(r, 422, "%s", e.msg);
		goto out;
	}
	/* every session of the account ended: this one starts anew */
	rc = http_session_start(r, name, role, HTTP_STAGE_FULL);
out:
	json_decref(o);
	free(hash);
	free(name);
	free(role);
	return rc;
}

struct history {
	char *hash[HTTP_PW_HISTORY];
	long long changed[HTTP_PW_HISTORY];
	int n;
};

static int
history_row(void *arg, struct store_row *row)
{
	struct history *h = arg;
	const char *s = store_row_text(row, 0);

	if (h->n >= HTTP_PW_HISTORY)
		return 1;
	h->hash[h->n] = xstrdup(s != NULL ? s : "");
	h->changed[h->n] = store_row_int(row, 1);
	h->n++;
	return 0;
}

int
http_user_passwd(struct store *st, const struct config *cfg, const char *name,
		 const char *password, const char *keep, const char *actor,
		 struct err *e)
{
	struct history h = {{NULL}, {0}, 0};
	long long now = (long long)time_now();
	struct store_val v[3];
	char *hash = NULL;
	int rc = -1;

	if (pwrule_check(name, password, cfg->password_min_length, e) < 0)
		return -1;
	v[0] = SV_TEXT(name);
	/* the current password first, then the earlier ones, newest first */
	if (store_query(st,
			"SELECT password, 0 FROM console_users WHERE name = ?",
			v, 1, history_row, &h, e) < 0)
		goto out;
	if (h.n == 0) {
		err_set(e, "no console user '%s'", name);
		goto out;
	}
	if (store_query(st,
			"SELECT hash, changed FROM console_password_history "
			"WHERE user = ? ORDER BY changed DESC",
			v, 1, history_row, &h, e) < 0)
		goto out;
	for (int i = 0; i < h.n; i++)
		if (password_verify(h.hash[i], password)) {
			err_set(e,
				"password for '%s' was used before: it must "
				"differ from the last %d",
				name, HTTP_PW_HISTORY);
			goto out;
		}
	hash = password_hash(password);
	if (hash == NULL) {
		err_set(e, "cannot hash the password (argon2id)");
		goto out;
	}
	if (store_begin(st, e) < 0)
		goto out;
	if (store_exec(st,
		       "DELETE FROM console_password_history WHERE user = ?", v,
		       1, e) < 0)
		goto undo;
	/* keep the one replaced and the newest before it, HISTORY-1 in all */
	for (int i = 0; i < h.n && i < HTTP_PW_HISTORY - 1; i++) {
		v[1] = SV_TEXT(h.hash[i]);
		v[2] = SV_INT(i == 0 ? now : h.changed[i]);
		if (store_exec(st,
			       "INSERT INTO console_password_history(user, "
			       "hash, changed) VALUES (?, ?, ?)",
			       v, 3, e) < 0)
			goto undo;
	}
	v[0] = SV_TEXT(hash);
	v[1] = SV_INT(now);
	v[2] = SV_TEXT(name);
	if (store_exec(st,
		       "UPDATE console_users SET password = ?, "
		       "password_changed = ?, must_change = 0 WHERE name = ?",
		       v, 3, e) < 0)
		goto undo;
	v[0] = SV_TEXT(name);
	v[1] = SV_TEXT(keep != NULL ? keep : "");
	if (store_exec(st,
		       "DELETE FROM console_sessions WHERE user = ? AND "
		       "token_hash <> ?",
		       v, 2, e) < 0)
		goto undo;
	rc = audit_user(st, actor, "console.user.passwd", name, 1, e);
	goto out;
undo:
	store_rollback(st);
out:
	for (int i = 0; i < h.n; i++)
		free(h.hash[i]);
	free(hash);
	return rc;
}

int
http_user_expire(struct store *st, const char *name, const char *actor,
		 struct err *e)
{
	struct store_val v[1] = {SV_TEXT(name)};

	return user_change(st, name,
			   "UPDATE console_users SET must_change = 1 WHERE "
			   "name = ?",
			   v, 1, actor, "console.user.expire", e);
}

int
http_user_totp(struct store *st, const struct secret_key *key, const char *name,
	       char secret_b32[40], char rec[10][10], const char *actor,
	       struct err *e)
{
	char ctx[HTTP_NAME_MAX + 64], *sealed = NULL, *list = NULL;
	struct store_val v[3];
	int rc = -1;

	if (gate_totp_secret(secret_b32) < 0) {
		err_set(e, "cannot make a TOTP secret");
		return -1;
	}
	totp_context(name, ctx, sizeof(ctx));
	if (gate_totp_seal(key, ctx, name, secret_b32, rec, &sealed, &list, e) <
	    0)
		goto out;
	v[0] = SV_TEXT(sealed);
	v[1] = SV_TEXT(list);
	v[2] = SV_TEXT(name);
	rc = user_change(st, name,
			 "UPDATE console_users SET totp_secret = ?, recovery = "
			 "?, totp_last = 0 WHERE name = ?",
			 v, 3, actor, "console.user.totp", e);
out:
	if (rc < 0)
		OPENSSL_cleanse(secret_b32, 40);
	free(sealed);
	free(list);
	return rc;
}
