/*
 * session.c: console accounts and sessions: login with argon2id, lockout
 * after [console] login_attempts failures counted in the store (each attempt
 * reserves its count before the password is checked, so parallel guesses
 * cannot exceed the limit), session tokens (32 random bytes, hex) kept only
 * as SM3 digests, idle and absolute timeouts, a CSRF token per session and
 * the audit records of logins, lockouts and logouts. A name without an
 * account is answered, slowed and locked exactly like one with an account
 * (its failures are counted in memory), so logins do not tell who has an
 * account. Names, passwords, cookies and headers are untrusted; passwords
 * and tokens are never logged.
 */
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "audit/audit.h"
#include "http/http.h"

#define COOKIE	    "govsec_session"
#define TOKEN_BYTES 32
#define TOKEN_HEX   (2 * TOKEN_BYTES)

static const char hexdigits[] = "0123456789abcdef";

/*
 * Failed logins of a name without an account, counted as the store counts
 * an account's. At most GHOSTS_MAX names; when full, the name least
 * recently tried (and not locked, if any) makes room. Guarded by ctx->lock.
 */
#define GHOSTS_MAX 4096
struct http_ghost {
	char name[HTTP_NAME_MAX + 1];
	int failures;
	long long locked_until, last;
};

int
http_session_init(struct http_ctx *ctx, struct err *e)
{
	unsigned char raw[16];
	char pw[33];

	/* A hash of a random password nobody knows: the cost of checking a
	 * name that does not exist is the cost of checking one that does. */
	if (rand_bytes(raw, sizeof(raw)) < 0) {
		err_set(e, "cannot read random bytes");
		return -1;
	}
	hex_encode(raw, sizeof(raw), pw);
	ctx->ghosts = xcalloc(GHOSTS_MAX, sizeof(*ctx->ghosts));
	ctx->dummy_hash = password_hash(pw);
	explicit_bzero(pw, sizeof(pw));
	if (ctx->dummy_hash == NULL) {
		err_set(e, "cannot hash a password (argon2id)");
		return -1;
	}
	return 0;
}

void
http_session_cleanup(struct http_ctx *ctx)
{
	free(ctx->dummy_hash);
	ctx->dummy_hash = NULL;
	free(ctx->ghosts);
	ctx->ghosts = NULL;
}

static int
valid_name(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= HTTP_NAME_MAX &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789._-") == n;
}

static int
valid_token(const char *s)
{
	return s != NULL && strlen(s) == TOKEN_HEX &&
	       strspn(s, hexdigits) == TOKEN_HEX;
}

static void
token_digest(const char *token, char out[AUDIT_HASH_HEX])
{
	audit_digest(token, strlen(token), out);
}

static int
new_token(char out[TOKEN_HEX + 1])
{
	unsigned char raw[TOKEN_BYTES];

	if (rand_bytes(raw, sizeof(raw)) < 0)
		return -1;
	hex_encode(raw, sizeof(raw), out);
	explicit_bzero(raw, sizeof(raw));
	return 0;
}

int
http_user_add(struct store *st, const char *name, const char *password,
	      const char *role, const char *actor, struct err *e)
{
	struct store_val v[3];
	char object[128], after[AUDIT_HASH_HEX];
	struct buf b = BUF_INIT(256);
	char *hash = NULL;
	size_t n;

	if (name == NULL || !valid_name(name)) {
		err_set(e,
			"user name '%s' must be 1 to %d characters from A-Z "
			"a-z 0-9 '.' '_' '-'",
			name ? name : "", HTTP_NAME_MAX);
		return -1;
	}
	if (http_role_bit(role) == 0) {
		err_set(e,
			"role '%s' is not one of viewer, operator, auditor, "
			"admin, issuer",
			role ? role : "");
		return -1;
	}
	n = password ? strlen(password) : 0;
	if (password == NULL || n > HTTP_PASSWORD_MAX ||
	    !str_utf8_valid(password, n) ||
	    str_utf8_len(password) < HTTP_PASSWORD_MIN) {
		err_set(e,
			"password for '%s' must be %d to %d characters of "
			"UTF-8 text",
			name, HTTP_PASSWORD_MIN, HTTP_PASSWORD_MAX);
		return -1;
	}
	hash = password_hash(password);
	if (hash == NULL) {
		err_set(e, "cannot hash the password (argon2id)");
		return -1;
	}
	if (store_begin(st, e) < 0)
		goto fail_nostore;
	v[0] = SV_TEXT(name);
	if (store_query_int(st,
			    "SELECT count(*) FROM console_users WHERE name = ?",
			    v, 1, 0) > 0) {
		err_set(e, "console user '%s' already exists", name);
		goto fail;
	}
	v[1] = SV_TEXT(hash);
	v[2] = SV_TEXT(role);
	if (store_exec(st,
		       "INSERT INTO console_users(name, password, role) "
		       "VALUES (?, ?, ?)",
		       v, 3, e) < 0)
		goto fail;
	buf_printf(&b, "%s\n%s", name, role);
	audit_digest(b.data, b.len, after);
	str_fmt(object, sizeof(object), "console-user:%s", name);
	if (audit_append(st, actor ? actor : "system", "console.user.add",
			 object, NULL, after, e) < 0)
		goto fail;
	if (store_commit(st, e) < 0)
		goto fail_nostore;
	buf_cleanup(&b);
	free(hash);
	return 0;
fail:
	store_rollback(st);
fail_nostore:
	buf_cleanup(&b);
	free(hash);
	return -1;
}

struct account {
	char *hash, *role;
	long long locked_until, changed;
	int found, totp, must_change;
};

static int
account_row(void *arg, struct store_row *row)
{
	struct account *a = arg;
	const char *h = store_row_text(row, 0), *role = store_row_text(row, 1);

	a->hash = xstrdup(h ? h : "");
	a->role = xstrdup(role ? role : "");
	a->locked_until = store_row_int(row, 2);
	a->totp = (int)store_row_int(row, 3);
	a->changed = store_row_int(row, 4);
	a->must_change = (int)store_row_int(row, 5);
	a->found = 1;
	return 1;
}

/*
 * Audits one console event (inside the caller's transaction if any, which
 * a failure rolls back). Returns 0, or -1 after logging why.
 */
static int
audit_event(struct http_req *r, const char *actor, const char *action,
	    const char *name)
{
	char object[192];
	struct err e;

	str_fmt(object, sizeof(object), "console-user:%s from %s", name,
		r->peer);
	if (audit_append(r->ctx->st, actor, action, object, NULL, NULL, &e) <
	    0) {
		log_error("cannot audit %s of '%s': %s", action, name, e.msg);
		return -1;
	}
	return 0;
}

static int
locked_reply(struct http_req *r, long long seconds)
{
	char s[32];

	if (seconds < 1)
		seconds = 1;
	str_fmt(s, sizeof(s), "%lld", seconds);
	http_header_add(r, "Retry-After", s);
	return http_error(r, 429,
			  "too many failed logins; try again in %lld seconds",
			  seconds);
}

static void
set_cookie(struct http_req *r, const char *token)
{
	char *c;

	if (token != NULL)
		c = arena_printf(&r->arena,
				 "%s=%s; Path=/; HttpOnly; "
				 "SameSite=Strict%s",
				 COOKIE, token,
				 r->ctx->cfg->secure_cookies ? "; Secure" : "");
	else
		c = arena_printf(&r->arena,
				 "%s=; Path=/; Max-Age=0; HttpOnly; "
				 "SameSite=Strict%s",
				 COOKIE,
				 r->ctx->cfg->secure_cookies ? "; Secure" : "");
	http_header_add(r, "Set-Cookie", c);
}

int
http_session_start(struct http_req *r, const char *name, const char *role,
		   const char *stage)
{
	struct store *st = r->ctx->st;
	const struct config *cfg = r->ctx->cfg;
	char token[TOKEN_HEX + 1], csrf[TOKEN_HEX + 1], th[AUDIT_HASH_HEX];
	long long now = (long long)time_now();
	int partial = !strcmp(stage, HTTP_STAGE_CODE);
	struct store_val v[6];
	struct err e;
	json_t *o;

	if (new_token(token) < 0 || new_token(csrf) < 0)
		return http_internal(r, "cannot read random bytes");
	token_digest(token, th);
	if (store_begin(st, &e) < 0)
		goto fail;
	v[0] = SV_INT(now - cfg->session_idle);
	v[1] = SV_INT(now - cfg->session_max);
	v[2] = SV_INT(now - HTTP_CODE_SECONDS);
	if (store_exec(st,
		       "DELETE FROM console_sessions WHERE seen <= ? OR "
		       "created <= ? OR (stage = 'code' AND created <= ?)",
		       v, 3, &e) < 0)
		goto fail_tx;
	v[0] = SV_TEXT(th);
	v[1] = SV_TEXT(name);
	v[2] = SV_TEXT(csrf);
	v[3] = SV_INT(now);
	v[4] = SV_INT(now);
	v[5] = SV_TEXT(stage);
	if (store_exec(st,
		       "INSERT INTO console_sessions(token_hash, user, csrf, "
		       "created, seen, stage) VALUES (?, ?, ?, ?, ?, ?)",
		       v, 6, &e) < 0)
		goto fail_tx;
	/* the failures reserved stay counted until the last factor */
	v[0] = SV_TEXT(name);
	if (!partial &&
	    store_exec(st,
		       "UPDATE console_users SET failures = 0 WHERE name = ?",
		       v, 1, &e) < 0)
		goto fail_tx;
	if (!partial && audit_event(r, name, "console.login", name) < 0) {
		str_copy(e.msg, "cannot audit the login", sizeof(e.msg));
		goto fail_tx;
	}
	if (store_commit(st, &e) < 0)
		goto fail;
	set_cookie(r, token);
	explicit_bzero(token, sizeof(token));
	o = json_object();
	json_object_set_new(o, "user", http_jstr(name));
	if (!partial) {
		r->user = arena_strdup(&r->arena, name);
		json_object_set_new(o, "role", http_jstr(role));
		json_object_set_new(o, "csrf", json_string(csrf));
	}
	if (stage[0] != '\0')
		json_object_set_new(o, "next", json_string(stage));
	return http_json(r, 200, o);
fail_tx:
	store_rollback(st);
fail:
	explicit_bzero(token, sizeof(token));
	return http_internal(r, e.msg);
}

int
http_locked_reply(struct http_req *r, long long seconds)
{
	return locked_reply(r, seconds);
}

int
http_login_failed(struct http_req *r, const char *name, const char *why)
{
	struct store *st = r->ctx->st;
	const struct config *cfg = r->ctx->cfg;
	long long now = (long long)time_now(), failures;
	struct store_val v[3];
	struct err e;
	int locked;

	v[0] = SV_TEXT(name);
	failures = store_query_int(
	    st, "SELECT failures FROM console_users WHERE name = ?", v, 1, 0);
	audit_event(r, name, "console.login_failed", name);
	if (failures < cfg->login_attempts)
		return http_error(r, 401, "%s", why);
	v[0] = SV_INT(now + cfg->lockout_seconds);
	v[1] = SV_TEXT(name);
	v[2] = SV_INT(now);
	if (store_exec(st,
		       "UPDATE console_users SET locked_until = ?, "
		       "failures = 0 WHERE name = ? AND locked_until <= ?",
		       v, 3, &e) < 0)
		return http_internal(r, e.msg);
	locked = store_changes(st) > 0;
	/* a lockout also ends a login waiting for its code */
	v[0] = SV_TEXT(name);
	if (store_exec(st,
		       "DELETE FROM console_sessions WHERE user = ? AND "
		       "stage = 'code'",
		       v, 1, &e) < 0)
		return http_internal(r, e.msg);
	if (locked) {
		log_warn("console user '%s' locked for %d seconds after %lld "
			 "failed logins from %s",
			 name, cfg->lockout_seconds, failures, r->peer);
		audit_event(r, name, "console.lockout", name);
	}
	return locked_reply(r, cfg->lockout_seconds);
}

/* 1 if b should make room before a: a free entry first, then one not
 * locked, then the one tried longest ago. */
static int
ghost_before(const struct http_ghost *a, const struct http_ghost *b,
	     long long now)
{
	if ((a->name[0] == '\0') != (b->name[0] == '\0'))
		return b->name[0] == '\0';
	if ((a->locked_until > now) != (b->locked_until > now))
		return b->locked_until <= now;
	return b->last < a->last;
}

/* The entry of name (a valid name), made if there is none. */
static struct http_ghost *
ghost_get(struct http_ctx *ctx, const char *name, long long now)
{
	struct http_ghost *g, *old = NULL;

	for (size_t i = 0; i < GHOSTS_MAX; i++) {
		g = &ctx->ghosts[i];
		if (strcmp(g->name, name) == 0)
			return g;
		if (old == NULL || ghost_before(old, g, now))
			old = g;
	}
	memset(old, 0, sizeof(*old));
	str_copy(old->name, name, sizeof(old->name));
	old->last = now;
	return old;
}

/*
 * A failed login for a name without an account: counted per address by
 * govsecd's audit writer, one record a window, not one each (an
 * enumeration writes ~40 a second); a record of its own where no writer
 * runs.
 */
static void
unknown_failed(struct http_req *r, const char *what)
{
	if (auditq_count("-", "console.login_unknown", r->peer) < 0)
		audit_event(r, "-", "console.login_failed", what);
}

/*
 * A login to a name without an account (store locked): the argon2 work,
 * the count, the lockout and the answers of a wrong password for an
 * account (see http_login and login_failed).
 */
static int
ghost_login(struct http_req *r, const char *name, const char *pw)
{
	const struct config *cfg = r->ctx->cfg;
	long long now = (long long)time_now();
	struct http_ghost *g;

	if (!valid_name(name)) {
		/* No account can have it, so it gives nothing away. */
		http_unlock(r);
		password_verify(r->ctx->dummy_hash, pw);
		http_lock(r);
		unknown_failed(r, "(invalid name)");
		return http_error(r, 401, "wrong user name or password");
	}
	g = ghost_get(r->ctx, name, now);
	if (g->locked_until > now)
		return locked_reply(r, g->locked_until - now);
	if (g->failures >= cfg->login_attempts)
		return locked_reply(r, cfg->lockout_seconds);
	g->failures++;
	g->last = now;
	http_unlock(r);
	password_verify(r->ctx->dummy_hash, pw);
	http_lock(r);
	g = ghost_get(r->ctx, name, now); /* others ran meanwhile */
	if (g->failures == 0)
		g->failures = 1;
	unknown_failed(r, name);
	if (g->failures < cfg->login_attempts)
		return http_error(r, 401, "wrong user name or password");
	if (g->locked_until <= now) {
		g->locked_until = now + cfg->lockout_seconds;
		g->failures = 0;
		audit_event(r, "-", "console.lockout", name);
	}
	return locked_reply(r, cfg->lockout_seconds);
}

int
http_login(struct http_req *r)
{
	struct store *st = r->ctx->st;
	const struct config *cfg = r->ctx->cfg;
	struct account a = {NULL, NULL, 0, 0, 0, 0, 0};
	const char *name, *pw;
	struct store_val v[4];
	long long now;
	struct err e;
	json_t *o;
	int ok, rc;

	if (http_body_object(r, &o) < 0)
		return 0;
	name = json_string_value(json_object_get(o, "name"));
	pw = json_string_value(json_object_get(o, "password"));
	if (name == NULL || pw == NULL) {
		json_decref(o);
		return http_error(r, 400,
				  "expected {\"name\": ..., "
				  "\"password\": ...} as strings");
	}
	now = (long long)time_now();
	v[0] = SV_TEXT(name);
	if (valid_name(name) &&
	    store_query(st,
			"SELECT password, role, locked_until, totp_secret "
			"IS NOT NULL OR EXISTS (SELECT 1 FROM "
			"console_webauthn k WHERE k.user = "
			"console_users.name), "
			"password_changed, must_change FROM console_users "
			"WHERE name = ?",
			v, 1, account_row, &a, &e) < 0) {
		rc = http_internal(r, e.msg);
		goto out;
	}
	if (!a.found) {
		rc = ghost_login(r, name, pw);
		goto out;
	}
	if (a.locked_until > now) {
		rc = locked_reply(r, a.locked_until - now);
		goto out;
	}
	/* Reserve this attempt; refused if the limit is used up. */
	v[1] = SV_INT(now);
	v[2] = SV_INT(cfg->login_attempts);
	if (store_exec(st,
		       "UPDATE console_users SET failures = failures + 1 "
		       "WHERE name = ? AND locked_until <= ? AND failures < ?",
		       v, 3, &e) < 0) {
		rc = http_internal(r, e.msg);
		goto out;
	}
	if (store_changes(st) == 0) {
		rc = locked_reply(r, cfg->lockout_seconds);
		goto out;
	}
	http_unlock(r);
	ok = password_verify(a.hash, pw);
	http_lock(r);
	if (ok)
		rc = http_login_next(r, name, a.role, a.totp, a.changed,
				     a.must_change);
	else
		rc = http_login_failed(r, name, "wrong user name or password");
out:
	json_decref(o);
	free(a.hash);
	free(a.role);
	return rc;
}

struct sess {
	char *user, *csrf, *role, *scope_unit, *scope_region;
	long long created, seen;
	int found;
};

static int
sess_row(void *arg, struct store_row *row)
{
	struct sess *s = arg;
	const char *u = store_row_text(row, 0), *c = store_row_text(row, 1);
	const char *role = store_row_text(row, 4);

	s->user = xstrdup(u ? u : "");
	s->csrf = xstrdup(c ? c : "");
	s->created = store_row_int(row, 2);
	s->seen = store_row_int(row, 3);
	s->role = xstrdup(role ? role : "");
	if (!store_row_null(row, 5))
		s->scope_unit = xstrdup(store_row_text(row, 5));
	if (!store_row_null(row, 6))
		s->scope_region = xstrdup(store_row_text(row, 6));
	s->found = 1;
	return 1;
}

int
http_session_load(struct http_req *r)
{
	return http_session_load_stage(r, HTTP_STAGE_FULL);
}

/* The SM3 digest of the request's session token into th; 0 or -1. */
static int
cookie_digest(struct http_req *r, char th[AUDIT_HASH_HEX])
{
	const char *tok;

	tok = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, COOKIE);
	if (!valid_token(tok))
		return -1;
	token_digest(tok, th);
	return 0;
}

int
http_session_drop(struct http_req *r)
{
	char th[AUDIT_HASH_HEX];
	struct store_val v[1];
	struct err e;

	if (cookie_digest(r, th) < 0)
		return 0;
	v[0] = SV_TEXT(th);
	if (store_exec(r->ctx->st,
		       "DELETE FROM console_sessions WHERE token_hash = ?", v,
		       1, &e) < 0) {
		log_error("session: %s", e.msg);
		return -1;
	}
	return 0;
}

int
http_session_put_challenge(struct http_req *r, const char *challenge)
{
	char th[AUDIT_HASH_HEX];
	struct store_val v[2];
	struct err e;

	if (cookie_digest(r, th) < 0)
		return -1;
	v[0] = SV_TEXT(challenge);
	v[1] = SV_TEXT(th);
	if (store_exec(r->ctx->st,
		       "UPDATE console_sessions SET challenge = ? WHERE "
		       "token_hash = ?",
		       v, 2, &e) < 0) {
		log_error("session: %s", e.msg);
		return -1;
	}
	return store_changes(r->ctx->st) == 1 ? 0 : -1;
}

char *
http_session_take_challenge(struct http_req *r)
{
	char th[AUDIT_HASH_HEX], *c;
	struct store_val v[1];
	struct err e;

	if (cookie_digest(r, th) < 0)
		return NULL;
	v[0] = SV_TEXT(th);
	c = store_query_text(r->ctx->st,
			     "SELECT challenge FROM console_sessions WHERE "
			     "token_hash = ?",
			     v, 1);
	if (c != NULL && store_exec(r->ctx->st,
				    "UPDATE console_sessions SET challenge = "
				    "NULL WHERE token_hash = ?",
				    v, 1, &e) < 0) {
		log_error("session: %s", e.msg);
		free(c);
		return NULL;
	}
	return c;
}

int
http_session_load_stage(struct http_req *r, const char *stage)
{
	struct store *st = r->ctx->st;
	const struct config *cfg = r->ctx->cfg;
	long long max = !strcmp(stage, HTTP_STAGE_CODE) ? HTTP_CODE_SECONDS
							: cfg->session_max;
	struct sess s = {NULL, NULL, NULL, NULL, NULL, 0, 0, 0};
	const char *tok;
	char th[AUDIT_HASH_HEX];
	long long now = (long long)time_now();
	struct store_val v[2];
	struct err e;
	int rc = -1;

	tok = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, COOKIE);
	if (!valid_token(tok))
		return 0;
	token_digest(tok, th);
	v[0] = SV_TEXT(th);
	v[1] = SV_TEXT(stage);
	if (store_query(st,
			"SELECT s.user, s.csrf, s.created, s.seen, u.role, "
			"u.scope_unit, u.scope_region "
			"FROM console_sessions s JOIN console_users u ON "
			"u.name = s.user WHERE s.token_hash = ? AND "
			"s.stage = ?",
			v, 2, sess_row, &s, &e) < 0)
		goto out;
	if (!s.found) {
		rc = 0;
		goto out;
	}
	if (now - s.seen >= cfg->session_idle || now - s.created >= max) {
		if (store_exec(st,
			       "DELETE FROM console_sessions WHERE "
			       "token_hash = ?",
			       v, 1, &e) < 0)
			goto out;
		rc = 0;
		goto out;
	}
	v[0] = SV_INT(now);
	v[1] = SV_TEXT(th);
	if (store_exec(st,
		       "UPDATE console_sessions SET seen = ? WHERE "
		       "token_hash = ?",
		       v, 2, &e) < 0)
		goto out;
	r->user = arena_strdup(&r->arena, s.user);
	r->role = arena_strdup(&r->arena, s.role);
	r->csrf = arena_strdup(&r->arena, s.csrf);
	if (s.scope_unit != NULL)
		r->scope_unit = arena_strdup(&r->arena, s.scope_unit);
	if (s.scope_region != NULL)
		r->scope_region = arena_strdup(&r->arena, s.scope_region);
	rc = 1;
out:
	if (rc < 0)
		log_error("session: %s", e.msg);
	free(s.user);
	free(s.csrf);
	free(s.role);
	free(s.scope_unit);
	free(s.scope_region);
	return rc;
}

int
http_csrf_ok(struct http_req *r)
{
	const char *h = http_req_header(r, "X-CSRF-Token");
	size_t n;

	if (h == NULL || r->csrf == NULL)
		return 0;
	n = strlen(r->csrf);
	if (n == 0 || strlen(h) != n)
		return 0;
	return ct_equal(h, r->csrf, n);
}

int
http_logout(struct http_req *r)
{
	const char *tok;
	char th[AUDIT_HASH_HEX];
	struct store_val v[1];
	struct err e;

	tok = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, COOKIE);
	if (valid_token(tok)) {
		token_digest(tok, th);
		v[0] = SV_TEXT(th);
		if (store_exec(r->ctx->st,
			       "DELETE FROM console_sessions WHERE "
			       "token_hash = ?",
			       v, 1, &e) < 0)
			return http_internal(r, e.msg);
	}
	audit_event(r, r->user, "console.logout", r->user);
	set_cookie(r, NULL);
	return http_empty(r, 204);
}

int
http_me(struct http_req *r)
{
	json_t *o = json_object();

	json_object_set_new(o, "user", http_jstr(r->user));
	json_object_set_new(o, "role", http_jstr(r->role));
	json_object_set_new(o, "csrf", http_jstr(r->csrf));
	json_object_set_new(o, "scope", http_scope_json(r));
	return http_json(r, 200, o);
}
