/*
 * db.c: the gate's tables in the store (migration 2): the live policy
 * document, gate users with their argon2id passwords, TOTP secrets (sealed
 * under the store's key file) and recovery codes, devices, sessions and
 * revocations, failure counters.
 * Every change made here is audited in the same transaction, and tells
 * the gates of other govsecd on the store (PostgreSQL NOTIFY on channel
 * govsec_gate, at the commit), whose pollers then read it at once rather
 * than at their next tick. Inputs come from the CLI and API (checked
 * here); the store is trusted.
 */
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "audit/audit.h"
#include "gate/gate.h"

#define GATE_DB_CHANNEL "govsec_gate"

int
gate_db_changed(struct store *st, struct err *e)
{
	return store_notify(st, GATE_DB_CHANNEL, e);
}

/* audit_commit of a change that the other instances' gates must learn
 * of: they are told at the commit. */
static int
shared_commit(struct store *st, const char *actor, const char *action,
	      const char *object, const char *before, const char *after,
	      struct err *e)
{
	if (gate_db_changed(st, e) < 0) {
		store_rollback(st);
		return -1;
	}
	return audit_commit(st, actor, action, object, before, after, e);
}

struct gate_db_listener {
	char path[4096];
	struct store *st; /* NULL while there is no listening connection */
	time_t next_try;
	int warned;
};

struct gate_db_listener *
gate_db_listen(const char *store_path)
{
	struct gate_db_listener *l;

	if (store_path == NULL || !str_starts(store_path, "postgres"))
		return NULL;
	l = xcalloc(1, sizeof(*l));
	if (str_copy(l->path, store_path, sizeof(l->path)) < 0) {
		free(l);
		return NULL;
	}
	return l;
}

void
gate_db_listen_free(struct gate_db_listener *l)
{
	if (l == NULL)
		return;
	store_free(l->st);
	free(l);
}

/* Waits up to ms for fd (if >= 0) or wake_fd to become readable: 1 if
 * fd did, 0 otherwise (the time passed, or wake_fd). */
static int
wait_fds(int fd, int wake_fd, int ms)
{
	struct pollfd p[2] = {{.fd = fd, .events = POLLIN},
			      {.fd = wake_fd, .events = POLLIN}};

	/* a negative descriptor is skipped by poll */
	if (poll(p, 2, ms) <= 0)
		return 0;
	return (p[1].revents & POLLIN) == 0 && p[0].revents != 0;
}

int
gate_db_wait(struct gate_db_listener *l, int ms, int wake_fd)
{
	long long until = time_mono_ms() + ms;
	struct err e;
	int rc;

	if (l->st == NULL) {
		if (time_now() < l->next_try) {
			wait_fds(-1, wake_fd, ms);
			return 0;
		}
		l->st = store_open(l->path, &e);
		if (l->st == NULL ||
		    store_listen(l->st, GATE_DB_CHANNEL, &e) < 0)
			goto lost;
		if (l->warned)
			log_info("gate: listening for changes again");
		l->warned = 0;
		return 1; /* what changed meanwhile is read now */
	}
	/* the notifications come on the listening connection's socket; a
	 * stop (wake_fd) ends the wait at once */
	for (;;) {
		long long left = until - time_mono_ms();
		int fd;

		rc = store_wait_notify(l->st, 0, &e);
		if (rc != 0)
			break;
		fd = store_notify_fd(l->st);
		if (fd < 0 || left <= 0)
			break;
		if (!wait_fds(fd, wake_fd, (int)left)) {
			/* the time passed, or a stop */
			if (time_mono_ms() < until)
				return 0;
			continue;
		}
	}
	if (rc >= 0)
		return rc;
lost:
	if (!l->warned)
		log_warn("gate: not told of changes (%s): reading them once a "
			 "second",
			 e.msg);
	l->warned = 1;
	store_free(l->st);
	l->st = NULL;
	l->next_try = time_now() + 5;
	wait_fds(-1, wake_fd, ms);
	return 0;
}

int
gate_db_stats_add(struct store *st, const char *rule, long long allows,
		  long long denies, time_t at, struct err *e)
{
	char ts[32], day[16];
	struct store_val v[4];

	time_fmt(at, ts, sizeof(ts));
	time_fmt_date(at, day, sizeof(day));
	v[0] = SV_TEXT(rule);
	v[1] = SV_INT(allows);
	v[2] = SV_INT(denies);
	v[3] = SV_TEXT(ts);
	if (store_exec(st,
		       "INSERT INTO gate_rule_stats(rule, allows, denies, "
		       "updated) VALUES (?,?,?,?) ON CONFLICT(rule) DO UPDATE "
		       "SET allows = allows + excluded.allows, denies = denies "
		       "+ excluded.denies, updated = excluded.updated",
		       v, 4, e) < 0)
		return -1;
	v[3] = SV_TEXT(day);
	return store_exec(st,
			  "INSERT INTO gate_rule_days(rule, allows, denies, "
			  "day) VALUES (?,?,?,?) ON CONFLICT(rule, day) DO "
			  "UPDATE SET allows = allows + excluded.allows, "
			  "denies = denies + excluded.denies",
			  v, 4, e);
}

int
gate_db_reported(struct store *st, time_t at, struct err *e)
{
	char ts[32], day[16];
	struct store_val v[1];

	time_fmt(at, ts, sizeof(ts));
	time_fmt_date(at - (time_t)GATE_DAYS_KEEP * 86400, day, sizeof(day));
	v[0] = SV_TEXT(day);
	if (store_exec(st, "DELETE FROM gate_rule_days WHERE day < ?", v, 1,
		       e) < 0)
		return -1;
	return store_setting_set(st, "gate.reported", ts, e);
}

static int
name_ok(const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	if (n == 0 || n > GATE_NAME_MAX)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') ||
		      (*s >= '0' && *s <= '9') || strchr("._-@", *s) != NULL))
			return 0;
	return 1;
}

/* 0 if password may be name's (8..1024 bytes), else -1 with e set. */
static int
password_ok(const char *name, const char *password, struct err *e)
{
	size_t n = password != NULL ? strlen(password) : 0;

	if (n < 8 || n > 1024) {
		err_set(e, "password for '%.64s' must be 8 to 1024 bytes",
			name);
		return -1;
	}
	return 0;
}

/* password_hash() of name's password (free()), or NULL with e set. */
static char *
hash_of(const char *name, const char *password, struct err *e)
{
	char *hash = password_hash(password);

	if (hash == NULL)
		err_set(e, "cannot hash the password of '%s'", name);
	return hash;
}

struct gate_policy *
gate_db_policy(struct store *st, struct err *e)
{
	char *doc = gate_db_policy_doc(st);
	struct gate_policy *p;

	if (doc == NULL)
		return gate_policy_parse("{}", 2, e);
	p = gate_policy_parse(doc, strlen(doc), e);
	if (p == NULL)
		err_prefix(e, "stored gate policy");
	free(doc);
	return p;
}

char *
gate_db_policy_doc(struct store *st)
{
	return store_query_text(st, "SELECT doc FROM gate_policy WHERE id = 1",
				NULL, 0);
}

int
gate_db_policy_save(struct store *st, const char *doc, size_t len,
		    const char *actor, struct err *e)
{
	struct gate_policy *p = gate_policy_parse(doc, len, e);
	char *canon = NULL, *old = NULL, at[32], before[AUDIT_HASH_HEX],
	     after[AUDIT_HASH_HEX];
	json_t *j;
	struct store_val v[2];

	if (p == NULL)
		return -1;
	j = gate_policy_json(p);
	canon = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(j);
	gate_policy_free(p);
	if (canon == NULL) {
		err_set(e, "cannot encode the policy");
		return -1;
	}
	time_fmt(time_now(), at, sizeof(at));
	old = gate_db_policy_doc(st);
	if (old != NULL)
		audit_digest(old, strlen(old), before);
	audit_digest(canon, strlen(canon), after);
	v[0] = SV_TEXT(canon);
	v[1] = SV_TEXT(at);
	if (store_begin(st, e) < 0)
		goto fail;
	if (store_exec(st,
		       "INSERT INTO gate_policy(id, doc, serial, updated) "
		       "VALUES (1, ?, 1, ?) ON CONFLICT(id) DO UPDATE SET "
		       "doc = excluded.doc, serial = gate_policy.serial + 1, "
		       "updated = excluded.updated",
		       v, 2, e) < 0) {
		store_rollback(st);
		goto fail;
	}
	if (shared_commit(st, actor, "gate.policy", "gate policy",
			  old != NULL ? before : NULL, after, e) < 0)
		goto fail;
	free(old);
	free(canon);
	return 0;
fail:
	free(old);
	free(canon);
	return -1;
}

int
gate_db_user_add(struct store *st, const char *name, const char *display,
		 const char *groups, const char *password, const char *actor,
		 struct err *e)
{
	struct store_val v[5];
	char at[32], object[96];
	char *hash;

	if (!name_ok(name)) {
		err_set(e,
			"gate user name '%.80s' must be 1 to %d bytes of "
			"A-Z a-z 0-9 . _ - @",
			name != NULL ? name : "", GATE_NAME_MAX);
		return -1;
	}
	if (password_ok(name, password, e) < 0)
		return -1;
	if (groups == NULL)
		groups = "";
	for (const char *g = groups; *g; g++)
		if (!(name_ok((char[]){*g, 0}) || *g == ',')) {
			err_set(e,
				"groups '%.80s' must be a comma list of "
				"names",
				groups);
			return -1;
		}
	if (display != NULL && (strlen(display) > 128 ||
				!str_utf8_valid(display, strlen(display)))) {
		err_set(e,
			"display name of '%s' must be UTF-8 up to 128 "
			"bytes",
			name);
		return -1;
	}
	hash = hash_of(name, password, e);
	if (hash == NULL)
		return -1;
	time_fmt(time_now(), at, sizeof(at));
	v[0] = SV_TEXT(name);
	v[1] = SV_TEXT(display);
	v[2] = SV_TEXT(groups);
	v[3] = SV_TEXT(hash);
	v[4] = SV_TEXT(at);
	str_fmt(object, sizeof(object), "gate user '%s'", name);
	if (store_begin(st, e) < 0)
		goto fail;
	if (store_query_int(st,
			    "SELECT count(*) FROM gate_users WHERE name = ?", v,
			    1, 0) > 0) {
		err_set(e, "gate user '%s' exists", name);
		goto undo;
	}
	if (store_exec(st,
		       "INSERT INTO gate_users(name, display, groups, "
		       "password, updated) VALUES (?,?,?,?,?)",
		       v, 5, e) < 0)
		goto undo;
	if (shared_commit(st, actor, "gate.user.add", object, NULL, groups, e) <
	    0)
		goto fail;
	free(hash);
	return 0;
undo:
	store_rollback(st);
fail:
	free(hash);
	return -1;
}

static int change_one(struct store *st, const char *sql,
		      const struct store_val *v, int nv, const char *actor,
		      const char *action, const char *object, const char *after,
		      struct err *e);
static int user_update(struct store *st, const char *name, const char *sql,
		       const struct store_val *v, int nv, struct err *e);

void
gate_db_totp_context(const char *name, char *out, size_t n)
{
	str_fmt(out, n, "gate_users.totp_secret:%s", name);
}

int
gate_db_totp_set(struct store *st, const struct secret_key *key,
		 const char *name, const char *secret_b32, long long last,
		 char rec[10][10], const char *actor, struct err *e)
{
	struct store_val v[4];
	char object[96], ctx[GATE_NAME_MAX + 64], *list, *sealed;
	int rc = -1;

	gate_db_totp_context(name, ctx, sizeof(ctx));
	if (gate_totp_seal(key, ctx, name, secret_b32, rec, &sealed, &list, e) <
	    0)
		return -1;
	v[0] = SV_TEXT(sealed);
	v[1] = SV_TEXT(list);
	v[2] = SV_INT(last);
	v[3] = SV_TEXT(name);
	str_fmt(object, sizeof(object), "gate user '%s'", name);
	if (store_begin(st, e) < 0)
		goto out;
	if (user_update(st, name,
			"UPDATE gate_users SET totp_secret = ?, recovery = ?, "
			"totp_last = ?, enrol_until = 0 WHERE name = ?",
			v, 4, e) < 0) {
		store_rollback(st);
		goto out;
	}
	rc = shared_commit(st, actor, "gate.totp.enrol", object, NULL, NULL, e);
out:
	free(list);
	free(sealed);
	return rc;
}

struct clear_secret {
	char *name, *secret;
	struct clear_secret *next;
};

static int
clear_row(void *arg, struct store_row *row)
{
	struct clear_secret **head = arg, *c;
	const char *s = store_row_text(row, 1);

	if (s == NULL || secret_is_sealed(s))
		return 0;
	c = xcalloc(1, sizeof(*c));
	c->name = xstrdup(store_row_text(row, 0));
	c->secret = xstrdup(s);
	c->next = *head;
	*head = c;
	return 0;
}

int
gate_db_seal_secrets(struct store *st, const struct secret_key *key,
		     struct err *e)
{
	struct clear_secret *list = NULL, *c;
	char ctx[GATE_NAME_MAX + 64];
	int n = 0, rc = -1;

	if (store_begin(st, e) < 0)
		return -1;
	if (store_query(st,
			"SELECT name, totp_secret FROM gate_users WHERE "
			"totp_secret IS NOT NULL",
			NULL, 0, clear_row, &list, e) < 0)
		goto undo;
	for (c = list; c != NULL; c = c->next) {
		struct store_val v[3];
		char *sealed;

		gate_db_totp_context(c->name, ctx, sizeof(ctx));
		sealed = secret_seal(key, ctx, c->secret, strlen(c->secret));
		if (sealed == NULL) {
			err_set(e, "cannot seal the TOTP secret of '%.80s'",
				c->name);
			goto undo;
		}
		v[0] = SV_TEXT(sealed);
		v[1] = SV_TEXT(c->name);
		v[2] = SV_TEXT(c->secret);
		rc = store_exec(st,
				"UPDATE gate_users SET totp_secret = ? WHERE "
				"name = ? AND totp_secret = ?",
				v, 3, e);
		free(sealed);
		if (rc < 0)
			goto undo;
		n++;
	}
	if (n > 0 &&
	    audit_append(st, "system", "gate.totp.seal",
			 "gate users' TOTP secrets", NULL, NULL, e) < 0)
		goto undo;
	if (store_commit(st, e) < 0)
		goto undo;
	rc = n;
	goto out;
undo:
	store_rollback(st);
	rc = -1;
out:
	while (list != NULL) {
		c = list->next;
		OPENSSL_cleanse(list->secret, strlen(list->secret));
		free(list->secret);
		free(list->name);
		free(list);
		list = c;
	}
	return rc;
}

int
gate_db_invite(struct store *st, const char *name, long long until,
	       const char *actor, struct err *e)
{
	struct store_val v[2] = {SV_INT(until), SV_TEXT(name)};
	char object[96], after[64];

	str_fmt(object, sizeof(object), "gate user '%.64s'", name);
	if (until > 0)
		time_fmt((time_t)until, after, sizeof(after));
	return change_one(st,
			  "UPDATE gate_users SET enrol_until = ? WHERE name "
			  "= ?",
			  v, 2, actor, "gate.enrol.invite", object,
			  until > 0 ? after : "withdrawn", e);
}

/* Runs one audited UPDATE that must change exactly one row. */
static int
change_one(struct store *st, const char *sql, const struct store_val *v, int nv,
	   const char *actor, const char *action, const char *object,
	   const char *after, struct err *e)
{
	if (store_begin(st, e) < 0)
		return -1;
	if (store_exec(st, sql, v, nv, e) < 0)
		goto fail;
	if (store_changes(st) < 1) {
		err_set(e, "no %s", object);
		goto fail;
	}
	return shared_commit(st, actor, action, object, NULL, after, e);
fail:
	store_rollback(st);
	return -1;
}

int
gate_db_user_bind(struct store *st, const char *name, int bound,
		  const char *actor, struct err *e)
{
	struct store_val v[2] = {SV_INT(bound != 0), SV_TEXT(name)};
	char object[96];

	str_fmt(object, sizeof(object), "gate user '%.64s'", name);
	return change_one(
	    st, "UPDATE gate_users SET bound = ? WHERE name = ?", v, 2, actor,
	    bound ? "gate.user.bind" : "gate.user.unbind", object, NULL, e);
}

int
gate_db_device_approve(struct store *st, const char *id, const char *actor,
		       struct err *e)
{
	char at[32], object[96];
	struct store_val v[3];

	time_fmt(time_now(), at, sizeof(at));
	v[0] = SV_TEXT(actor);
	v[1] = SV_TEXT(at);
	v[2] = SV_TEXT(id);
	str_fmt(object, sizeof(object), "gate device '%.64s'", id);
	return change_one(st,
			  "UPDATE gate_devices SET approved = 1, "
			  "approved_by = ?, approved_at = ? WHERE id = ?",
			  v, 3, actor, "gate.device.approve", object, NULL, e);
}

int
gate_db_revoke(struct store *st, const char *user, const char *actor,
	       struct err *e)
{
	struct store_val v[1] = {SV_TEXT(user)};
	char object[96];

	str_fmt(object, sizeof(object), "gate sessions of '%.64s'", user);
	if (store_begin(st, e) < 0)
		return -1;
	if (store_exec(st,
		       "UPDATE gate_sessions SET revoked = 1 WHERE user = ?", v,
		       1, e) < 0) {
		store_rollback(st);
		return -1;
	}
	return shared_commit(st, actor, "gate.revoke", object, NULL, NULL, e);
}

int
gate_session_id_valid(const char *id)
{
	return strlen(id) == GATE_SESSION_ID_LEN &&
	       strspn(id, "0123456789abcdef") == GATE_SESSION_ID_LEN;
}

const char gate_db_sessions_sql[] =
    "WITH t(now, idle, max) AS (SELECT ?, "
    "coalesce((SELECT CAST(value AS INTEGER) FROM settings WHERE key = "
    "'gate.session_idle'), 900), coalesce((SELECT CAST(value AS INTEGER) "
    "FROM settings WHERE key = 'gate.session_max'), 43200)) "
    "SELECT " GATE_SESSION_ID_SQL " AS id, user, coalesce(device, '') AS "
    "device, level AS factors, created, seen, seen + idle AS idle_expires, "
    "created + max AS expires, CASE WHEN created + max <= now THEN "
    "'expired' WHEN seen + idle <= now THEN 'idle' ELSE 'active' END AS "
    "state FROM gate_sessions, t WHERE revoked = 0 ORDER BY created DESC "
    "LIMIT 1000";

int
gate_db_session_revoke(struct store *st, const char *id, const char *actor,
		       struct err *e)
{
	struct store_val v[1] = {SV_TEXT(id)};
	char object[64];

	if (!gate_session_id_valid(id)) {
		err_set(e, "'%.40s' is not a session id (%d hex digits)", id,
			GATE_SESSION_ID_LEN);
		return -1;
	}
	str_fmt(object, sizeof(object), "gate session '%s'", id);
	return change_one(
	    st,
	    "UPDATE gate_sessions SET revoked = 1 WHERE " GATE_SESSION_ID_SQL
	    " = ? AND revoked = 0",
	    v, 1, actor, "gate.revoke", object, NULL, e);
}

int
gate_db_key_remove(struct store *st, const char *id, const char *actor,
		   struct err *e)
{
	struct store_val v[1] = {SV_TEXT(id)};
	char object[160];

	str_fmt(object, sizeof(object), "gate security key '%.120s'", id);
	return change_one(st, "DELETE FROM gate_webauthn WHERE id = ?", v, 1,
			  actor, "gate.webauthn.remove", object, NULL, e);
}

int
gate_db_unlock(struct store *st, const char *key, const char *actor,
	       struct err *e)
{
	struct store_val v[2];
	char k1[128], k2[128], object[160];

	if (str_fmt(k1, sizeof(k1), "user:%s", key) < 0 ||
	    str_fmt(k2, sizeof(k2), "addr:%s", key) < 0) {
		err_set(e, "'%.64s' is too long", key);
		return -1;
	}
	v[0] = SV_TEXT(k1);
	v[1] = SV_TEXT(k2);
	str_fmt(object, sizeof(object), "gate lockout of '%.64s'", key);
	return change_one(st, "DELETE FROM gate_failures WHERE key IN (?, ?)",
			  v, 2, actor, "gate.unlock", object, NULL, e);
}

/* Revokes the sessions of user not revoked yet (inside the caller's
 * transaction); how many, or -1 with e set. */
static long long
revoke_user(struct store *st, const char *user, struct err *e)
{
	struct store_val v[1] = {SV_TEXT(user)};

	if (store_exec(st,
		       "UPDATE gate_sessions SET revoked = 1 WHERE user = ? "
		       "AND revoked = 0",
		       v, 1, e) < 0)
		return -1;
	return store_changes(st);
}

/* Deletes device id and revokes its sessions (inside the caller's
 * transaction); 1 if it was there, 0 if not, -1 with e set. */
static int
device_drop(struct store *st, const char *id, struct err *e)
{
	struct store_val v[1] = {SV_TEXT(id)};

	if (store_exec(st,
		       "UPDATE gate_sessions SET revoked = 1 WHERE device = ?",
		       v, 1, e) < 0 ||
	    store_exec(st, "DELETE FROM gate_devices WHERE id = ?", v, 1, e) <
		0)
		return -1;
	return store_changes(st) > 0;
}

int
gate_db_device_unapprove(struct store *st, const char *id, const char *actor,
			 struct err *e)
{
	struct store_val v[1] = {SV_TEXT(id)};
	char object[96];

	str_fmt(object, sizeof(object), "gate device '%.64s'", id);
	return change_one(st,
			  "UPDATE gate_devices SET approved = 0, approved_by "
			  "= NULL, approved_at = NULL WHERE id = ?",
			  v, 1, actor, "gate.device.unapprove", object, NULL,
			  e);
}

int
gate_db_device_delete(struct store *st, const char *id, const char *actor,
		      struct err *e)
{
	char object[96];
	int rc;

	str_fmt(object, sizeof(object), "gate device '%.64s'", id);
	if (store_begin(st, e) < 0)
		return -1;
	rc = device_drop(st, id, e);
	if (rc <= 0) {
		if (rc == 0)
			err_set(e, "no %s", object);
		store_rollback(st);
		return -1;
	}
	return shared_commit(st, actor, "gate.device.delete", object, NULL,
			     NULL, e);
}

int
gate_db_device_register(struct store *st, const char *id, const char *user,
			const char *key_hash, const char *label, int factors,
			const char *ip, const char *actor, struct err *e)
{
	struct store_val v[7];
	char at[32], object[160], after[64];

	time_fmt(time_now(), at, sizeof(at));
	v[0] = SV_TEXT(user);
	if (store_begin(st, e) < 0)
		return -1;
	/* make room: the oldest pending devices go (bounded: a user cannot
	 * have more than the loop's limit of them) */
	for (int i = 0; i < 1000; i++) {
		long long n = store_query_int(
		    st,
		    "SELECT count(*) FROM gate_devices WHERE user = ? AND "
		    "approved = 0",
		    v, 1, -1);
		char *old;
		int rc;

		if (n < 0) {
			err_set(e, "cannot count the devices of '%.64s'", user);
			goto fail;
		}
		if (n < GATE_DEVICES_PENDING_MAX)
			break;
		old = store_query_text(st,
				       "SELECT id FROM gate_devices WHERE user "
				       "= ? AND approved = 0 ORDER BY serial, "
				       "created, id LIMIT 1",
				       v, 1);
		if (old == NULL) {
			err_set(e, "cannot read the devices of '%.64s'", user);
			goto fail;
		}
		str_fmt(object, sizeof(object),
			"gate device '%.64s' of '%.64s'", old, user);
		str_fmt(after, sizeof(after), "replaced: at most %d pending",
			GATE_DEVICES_PENDING_MAX);
		rc = device_drop(st, old, e);
		free(old);
		if (rc < 0 || audit_append(st, actor, "gate.device.delete",
					   object, NULL, after, e) < 0)
			goto fail;
	}
	v[0] = SV_TEXT(id);
	v[1] = SV_TEXT(user);
	v[2] = SV_TEXT(key_hash);
	v[3] = SV_TEXT(label);
	v[4] = SV_TEXT(at);
	v[5] = SV_INT(factors);
	v[6] = SV_TEXT(ip);
	str_fmt(object, sizeof(object),
		"gate device '%.64s' of '%.64s' from %.46s", id, user, ip);
	str_fmt(after, sizeof(after), "%d factor%s", factors,
		factors > 1 ? "s" : "");
	if (store_exec(st,
		       "INSERT INTO gate_devices(id, user, key_hash, label, "
		       "created, factors, address, serial) SELECT ?, ?, ?, ?, "
		       "?, CAST(? AS INTEGER), ?, coalesce(max(serial), 0) + 1 "
		       "FROM gate_devices",
		       v, 7, e) < 0)
		goto fail;
	return shared_commit(st, actor, "gate.device.register", object, NULL,
			     after, e);
fail:
	store_rollback(st);
	return -1;
}

/* "no gate user 'NAME'" into e for a name that cannot be one. */
static int
no_user(const char *name, struct err *e)
{
	err_set(e, "no gate user '%.80s'", name != NULL ? name : "");
	return -1;
}

/* Runs sql (v, nv) on the gate user name inside the caller's transaction:
 * 0, or -1 with e set, also when it changed no such user. */
static int
user_update(struct store *st, const char *name, const char *sql,
	    const struct store_val *v, int nv, struct err *e)
{
	if (store_exec(st, sql, v, nv, e) < 0)
		return -1;
	if (store_changes(st) != 1)
		return no_user(name, e);
	return 0;
}

/* "N sessions ended" into after (64 bytes), for the audit record. */
static void
sessions_ended(char after[64], long long n)
{
	str_fmt(after, 64, "%lld session%s ended", n, n == 1 ? "" : "s");
}

int
gate_db_user_disable(struct store *st, const char *name, int disabled,
		     const char *actor, struct err *e)
{
	struct store_val v[3];
	char at[32], object[96], after[64];
	long long n = 0;

	if (!name_ok(name))
		return no_user(name, e);
	time_fmt(time_now(), at, sizeof(at));
	v[0] = SV_INT(disabled != 0);
	v[1] = SV_TEXT(at);
	v[2] = SV_TEXT(name);
	str_fmt(object, sizeof(object), "gate user '%s'", name);
	if (store_begin(st, e) < 0)
		return -1;
	if (user_update(st, name,
			"UPDATE gate_users SET disabled = ?, updated = ? "
			"WHERE name = ?",
			v, 3, e) < 0 ||
	    (disabled && (n = revoke_user(st, name, e)) < 0)) {
		store_rollback(st);
		return -1;
	}
	sessions_ended(after, n);
	return shared_commit(
	    st, actor, disabled ? "gate.user.disable" : "gate.user.enable",
	    object, NULL, disabled ? after : NULL, e);
}

int
gate_db_user_delete(struct store *st, const char *name, const char *actor,
		    struct err *e)
{
	struct store_val v[1] = {SV_TEXT(name)}, k[1];
	char key[128], object[96], after[64];
	long long n = 0;

	if (!name_ok(name))
		return no_user(name, e);
	str_fmt(key, sizeof(key), "user:%s", name);
	k[0] = SV_TEXT(key);
	str_fmt(object, sizeof(object), "gate user '%s'", name);
	if (store_begin(st, e) < 0)
		return -1;
	if (store_exec(st, "DELETE FROM gate_devices WHERE user = ?", v, 1, e) <
		0 ||
	    store_exec(st, "DELETE FROM gate_webauthn WHERE user = ?", v, 1,
		       e) < 0 ||
	    store_exec(st, "DELETE FROM gate_failures WHERE key = ?", k, 1, e) <
		0 ||
	    (n = revoke_user(st, name, e)) < 0 ||
	    user_update(st, name, "DELETE FROM gate_users WHERE name = ?", v, 1,
			e) < 0) {
		store_rollback(st);
		return -1;
	}
	sessions_ended(after, n);
	return shared_commit(st, actor, "gate.user.delete", object, NULL, after,
			     e);
}

int
gate_db_user_password(struct store *st, const char *name, const char *password,
		      const char *actor, struct err *e)
{
	struct store_val v[3], k[1];
	char at[32], key[128], object[96], after[64], *hash;
	long long n = 0;
	int rc = -1;

	if (!name_ok(name))
		return no_user(name, e);
	if (password_ok(name, password, e) < 0)
		return -1;
	hash = hash_of(name, password, e);
	if (hash == NULL)
		return -1;
	time_fmt(time_now(), at, sizeof(at));
	v[0] = SV_TEXT(hash);
	v[1] = SV_TEXT(at);
	v[2] = SV_TEXT(name);
	str_fmt(key, sizeof(key), "user:%s", name);
	k[0] = SV_TEXT(key);
	str_fmt(object, sizeof(object), "gate user '%s'", name);
	if (store_begin(st, e) < 0)
		goto out;
	if (user_update(st, name,
			"UPDATE gate_users SET password = ?, updated = ? "
			"WHERE name = ?",
			v, 3, e) < 0 ||
	    (n = revoke_user(st, name, e)) < 0 ||
	    store_exec(st, "DELETE FROM gate_failures WHERE key = ?", k, 1, e) <
		0) {
		store_rollback(st);
		goto out;
	}
	sessions_ended(after, n);
	rc = shared_commit(st, actor, "gate.user.password", object, NULL, after,
			   e);
out:
	free(hash);
	return rc;
}
