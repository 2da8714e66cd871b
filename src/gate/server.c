/*
 * server.c: the `gate` listener of govsecd: routes on wire.c's HTTP, the
 * in-memory session table (sharded, backed by gate_sessions in the store),
 * a poller thread that picks up policy changes, device approvals, bound
 * accounts and revocations from the store once a second and flushes
 * per-rule counters, and the auth_request endpoint nginx calls for every
 * request. Everything a connection sends is untrusted; the configuration
 * and store are trusted. Session tokens are never logged; only their
 * SHA-256 is stored.
 */
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "audit/audit.h"
#include "gate/internal.h"
#include "gate/wire.h"

#define CONN_MAX 4096
/* idle seconds: longer than nginx's keepalive_timeout (60 s), so that
 * nginx closes first */
#define CONN_TIMEOUT 75

/* ---- small helpers ------------------------------------------------------ */

static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;
static pthread_key_t sha256_key; /* each thread's EVP_MD_CTX */

static void
sha256_ctx_free(void *ctx)
{
	EVP_MD_CTX_free(ctx);
}

/* Fetched once: an implicit fetch per digest takes OpenSSL's locks. */
static void
sha256_fetch(void)
{
	sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (pthread_key_create(&sha256_key, sha256_ctx_free) != 0)
		abort();
}

void
gate_sha256(const void *s, size_t n, unsigned char out[32])
{
	const EVP_MD *md;
	EVP_MD_CTX *ctx;
	unsigned int len = 32;

	pthread_once(&sha256_once, sha256_fetch);
	md = sha256_md != NULL ? sha256_md : EVP_sha256();
	/* one context per thread, reused: two digests per auth request */
	ctx = pthread_getspecific(sha256_key);
	if (ctx == NULL) {
		ctx = EVP_MD_CTX_new();
		if (ctx == NULL || pthread_setspecific(sha256_key, ctx) != 0) {
			EVP_MD_CTX_free(ctx);
			EVP_Digest(s, n, out, &len, md, NULL);
			return;
		}
	}
	if (EVP_DigestInit_ex2(ctx, md, NULL) != 1 ||
	    EVP_DigestUpdate(ctx, s, n) != 1 ||
	    EVP_DigestFinal_ex(ctx, out, &len) != 1)
		EVP_Digest(s, n, out, &len, md, NULL);
}

int
gate_query(struct gate_server *g, const char *sql, const struct store_val *v,
	   int nv, store_row_fn fn, void *arg, struct err *e)
{
	int rc;

	pthread_mutex_lock(&g->st_lock);
	rc = store_query(g->st, sql, v, nv, fn, arg, e);
	pthread_mutex_unlock(&g->st_lock);
	return rc;
}

void
gate_audit(struct gate_server *g, const char *actor, const char *action,
	   const char *object, const char *after)
{
	struct err e;

	/* govsecd's writer: the request goes on without the store */
	if (auditq_put(actor, action, object, NULL, after) == 0)
		return;
	pthread_mutex_lock(&g->st_lock);
	if (audit_append(g->st, actor, action, object, NULL, after, &e) < 0)
		log_error("gate: cannot audit %s: %s", action, e.msg);
	pthread_mutex_unlock(&g->st_lock);
}

void
gate_req_header(struct gate_req *r, const char *name, const char *value)
{
	if (r->nhdr == (int)ARRAY_SIZE(r->hdr_val))
		return;
	str_copy(r->hdr_name[r->nhdr], name, sizeof(r->hdr_name[0]));
	r->hdr_val[r->nhdr++] = xstrdup(value);
}

const char *
gate_req_in(struct gate_req *r, const char *name)
{
	return wire_header(r->rq, name);
}

void
gate_req_body(struct gate_req *r, int status, const char *ctype, struct buf *b)
{
	r->status = status;
	r->ctype = ctype;
	free(r->out);
	r->out = buf_detach(b, &r->out_len);
}

/* The addresses and prefixes of a comma-separated setting (what names
 * it in errors) as a trie; NULL with e set if one is malformed. */
static struct gate_trie *
prefix_trie(const char *what, const char *list, struct err *e)
{
	struct gate_trie *t = gate_trie_new();
	char item[128];
	const char *p = list;

	while (*p) {
		size_t n = strcspn(p, ", ");

		if (n > 0) {
			if (n >= sizeof(item)) {
				err_set(e, "%s: entry too long", what);
				goto fail;
			}
			memcpy(item, p, n);
			item[n] = '\0';
			if (gate_trie_add(t, item, 1, e) < 0) {
				err_prefix(e, "%s", what);
				goto fail;
			}
		}
		p += n;
		while (*p == ',' || *p == ' ')
			p++;
	}
	return t;
fail:
	gate_trie_free(t);
	return NULL;
}

int
gate_check_config(const struct config *cfg, struct err *e)
{
	struct sockaddr_storage ss;
	struct gate_trie *t;
	struct gate_geo *geo;

	if (cfg->gate_listen[0] == '\0')
		return 0;
	if (!strncmp(cfg->gate_listen, "unix:", 5)) {
		struct sockaddr_un sun;
		gid_t gid;

		if (net_unix_check("[gate] listen", cfg->gate_listen + 5,
				   cfg->gate_socket_group, &sun, &gid, e) < 0)
			return -1;
	} else if (net_listen_addr("[gate] listen", cfg->gate_listen, 1, &ss,
				   NULL, e) < 0)
		return -1;
	if (cfg->gate_pfpolicy[0] != '\0' &&
	    strncmp(cfg->gate_pfpolicy, "unix:", 5) != 0 &&
	    net_listen_addr("[gate] postfix_policy", cfg->gate_pfpolicy, 1, &ss,
			    NULL, e) < 0)
		return -1;
	if (cfg->gate_pfpolicy[0] != '\0' && cfg->gate_mail_host[0] == '\0') {
		err_set(e, "[gate] postfix_policy needs [gate] mail_host");
		return -1;
	}
	t = prefix_trie("[gate] trusted_proxies", cfg->gate_proxies, e);
	if (t == NULL)
		return -1;
	gate_trie_free(t);
	t = prefix_trie("[gate] portal_networks", cfg->gate_portal_nets, e);
	if (t == NULL)
		return -1;
	gate_trie_free(t);
	geo = gate_geo_open(cfg->gate_geoip, cfg->gate_geoip_csv, e);
	if (geo == NULL)
		return -1;
	gate_geo_free(geo);
	return 0;
}

/* ---- sessions ----------------------------------------------------------- */

/* Decodes 64 lower-case hex digits into 32 bytes; -1 if malformed. */
static int
hex32(const char *hex, unsigned char out[32])
{
	if (hex == NULL || strlen(hex) != 64)
		return -1;
	for (int i = 0; i < 64; i++) {
		char c = hex[i];
		int d = c >= '0' && c <= '9'   ? c - '0'
			: c >= 'a' && c <= 'f' ? c - 'a' + 10
					       : -1;

		if (d < 0)
			return -1;
		if (i % 2 == 0)
			out[i / 2] = (unsigned char)(d << 4);
		else
			out[i / 2] |= (unsigned char)d;
	}
	return 0;
}

static uint32_t
bucket_of(const unsigned char key[32])
{
	return ((uint32_t)key[0] << 16 | (uint32_t)key[1] << 8 | key[2]) %
	       GATE_BUCKETS;
}

static void
sess_free(struct gate_sess *s)
{
	if (s == NULL)
		return;
	free(s->groups);
	free(s->display);
	free(s);
}

/* Inserts s (takes it); the table is bounded by GATE_SESSIONS_MAX. */
static int
sess_insert(struct gate_server *g, struct gate_sess *s)
{
	uint32_t b = bucket_of(s->key);
	pthread_mutex_t *m = &g->shard[b % GATE_SHARDS];

	if (__atomic_load_n(&g->nsess, __ATOMIC_RELAXED) >= GATE_SESSIONS_MAX) {
		sess_free(s);
		return -1;
	}
	pthread_mutex_lock(m);
	s->next = g->bucket[b];
	g->bucket[b] = s;
	pthread_mutex_unlock(m);
	__atomic_add_fetch(&g->nsess, 1, __ATOMIC_RELAXED);
	return 0;
}

/* Removes the session with key; 1 if there was one. */
static int
sess_remove(struct gate_server *g, const unsigned char key[32])
{
	uint32_t b = bucket_of(key);
	pthread_mutex_t *m = &g->shard[b % GATE_SHARDS];
	struct gate_sess **pp, *s = NULL;

	pthread_mutex_lock(m);
	for (pp = &g->bucket[b]; *pp != NULL; pp = &(*pp)->next)
		if (!memcmp((*pp)->key, key, 32)) {
			s = *pp;
			*pp = s->next;
			break;
		}
	pthread_mutex_unlock(m);
	if (s == NULL)
		return 0;
	sess_free(s);
	__atomic_sub_fetch(&g->nsess, 1, __ATOMIC_RELAXED);
	return 1;
}

static void
store_sess_delete(struct gate_server *g, const unsigned char key[32])
{
	char hex[65];
	struct store_val v[1];
	struct err e;

	hex_encode(key, 32, hex);
	v[0] = SV_TEXT(hex);
	pthread_mutex_lock(&g->st_lock);
	/* shared: the other instances learn of it from the revoked row */
	if (store_exec(g->st,
		       g->shared
			   ? "UPDATE gate_sessions SET revoked = 1 WHERE "
			     "token_hash = ?"
			   : "DELETE FROM gate_sessions WHERE token_hash = ?",
		       v, 1, &e) < 0 ||
	    (g->shared && gate_db_changed(g->st, &e) < 0))
		log_error("gate: cannot delete a session: %s", e.msg);
	pthread_mutex_unlock(&g->st_lock);
}

int
gate_sess_create(struct gate_server *g, const char *user, const char *groups,
		 const char *display, const char *device,
		 const unsigned char devkey[32], int level, char token[65])
{
	unsigned char raw[GATE_TOKEN_BYTES], key[32];
	struct gate_sess *s = xcalloc(1, sizeof(*s));
	struct store_val v[7];
	char hex[65];
	struct err e;
	int rc;

	if (rand_bytes(raw, sizeof(raw)) < 0) {
		free(s);
		return -1;
	}
	hex_encode(raw, sizeof(raw), token);
	gate_sha256(token, strlen(token), s->key);
	memcpy(key, s->key, 32);
	str_copy(s->user, user, sizeof(s->user));
	s->groups = xstrdup(groups != NULL ? groups : "");
	s->display = xstrdup(display != NULL ? display : user);
	str_copy(s->device, device != NULL ? device : "", sizeof(s->device));
	if (devkey != NULL)
		memcpy(s->devkey, devkey, 32);
	s->level = level;
	s->created = s->seen = s->saved = time_now();
	hex_encode(s->key, 32, hex);
	v[0] = SV_TEXT(hex);
	v[1] = SV_TEXT(user);
	v[2] = SV_TEXT(device);
	v[3] = SV_INT(level);
	v[4] = SV_INT(s->created);
	v[5] = SV_INT(s->seen);
	v[6] = SV_TEXT(user);
	/* in memory first: a revocation the poller sees after the row is
	 * stored finds the session there */
	if (sess_insert(g, s) < 0) {
		log_error("gate: %d live sessions: no room for another",
			  GATE_SESSIONS_MAX);
		return -1;
	}
	/* the user may have been disabled or deleted since its login was
	 * checked: one statement decides, atomically with such a change */
	pthread_mutex_lock(&g->st_lock);
	rc = store_exec(g->st,
			"INSERT INTO gate_sessions(token_hash, user, device, "
			"level, created, seen) SELECT ?, ?, ?, CAST(? AS "
			"INTEGER), CAST(? AS INTEGER), CAST(? AS INTEGER) "
			"WHERE EXISTS (SELECT 1 FROM gate_users WHERE name = ? "
			"AND disabled = 0)",
			v, 7, &e);
	if (rc == 0 && store_changes(g->st) != 1) {
		err_set(&e, "gate user '%s' is disabled or gone", user);
		rc = -1;
	}
	pthread_mutex_unlock(&g->st_lock);
	if (rc < 0) {
		log_error("gate: cannot store a session: %s", e.msg);
		sess_remove(g, key);
		return -1;
	}
	return 0;
}

void
gate_sess_drop(struct gate_server *g, const char *token)
{
	unsigned char key[32];

	gate_sha256(token, strlen(token), key);
	sess_remove(g, key);
	store_sess_delete(g, key);
}

static int sess_from_store(struct gate_server *g, const unsigned char key[32],
			   time_t now);

/* Looks the token up; 1 and v filled if live, 0 if none or expired (an
 * expired session stays until the sweep removes it from memory and the
 * store: a decision never waits for the store). */
static int
sess_lookup(struct gate_server *g, const char *token, time_t now,
	    struct sess_view *v, unsigned char key[32])
{
	uint32_t b;
	pthread_mutex_t *m;
	struct gate_sess *s;
	int found = 0;

	gate_sha256(token, strlen(token), key);
	b = bucket_of(key);
	m = &g->shard[b % GATE_SHARDS];
	pthread_mutex_lock(m);
	for (s = g->bucket[b]; s != NULL; s = s->next)
		if (ct_equal(s->key, key, 32))
			break;
	if (s != NULL && now - s->seen < g->cfg->gate_session_idle &&
	    now - s->created < g->cfg->gate_session_max) {
		str_copy(v->user, s->user, sizeof(v->user));
		str_copy(v->groups, s->groups, sizeof(v->groups));
		str_copy(v->display, s->display, sizeof(v->display));
		str_copy(v->device, s->device, sizeof(v->device));
		memcpy(v->devkey, s->devkey, 32);
		v->level = s->level;
		found = 1;
	}
	pthread_mutex_unlock(m);
	return found;
}

int
gate_sess_of(struct gate_req *r, time_t now, struct sess_view *v,
	     unsigned char key[32])
{
	const char *cookies = gate_req_in(r, "Cookie");
	char token[96], did[GATE_NAME_MAX + 1];
	unsigned char dkey[32];
	int have = 0, asked = 0;

	memset(v, 0, sizeof(*v));
	if (cookies != NULL &&
	    gate_cookie_get(cookies, GATE_COOKIE, token, sizeof(token)) == 0 &&
	    strlen(token) == 2 * GATE_TOKEN_BYTES) {
		have = sess_lookup(r->g, token, now, v, key);
		asked = 1;
	}
	/* another instance's session, or one active there lately */
	if (!have && asked && r->g->shared &&
	    sess_from_store(r->g, key, now) == 1)
		have = sess_lookup(r->g, token, now, v, key);
	OPENSSL_cleanse(token, sizeof(token));
	if (have && v->device[0] != '\0') {
		/* the session is bound to the device it logged in from */
		if (gate_device_read(r, did, dkey) != 1 ||
		    strcmp(did, v->device) != 0 ||
		    !ct_equal(dkey, v->devkey, 32))
			have = 0;
	}
	return have;
}

/* Marks the session active now (not for background requests). */
static void
sess_touch(struct gate_server *g, const unsigned char key[32], time_t now)
{
	uint32_t b = bucket_of(key);
	pthread_mutex_t *m = &g->shard[b % GATE_SHARDS];

	pthread_mutex_lock(m);
	for (struct gate_sess *s = g->bucket[b]; s != NULL; s = s->next)
		if (!memcmp(s->key, key, 32)) {
			if (now > s->seen)
				s->seen = now;
			break;
		}
	pthread_mutex_unlock(m);
}

/* Loads live sessions from the store at start. */
struct load_ctx {
	struct gate_server *g;
	long long n;
};

static int
load_row(void *arg, struct store_row *row)
{
	struct load_ctx *x = arg;
	struct gate_sess *s = xcalloc(1, sizeof(*s));
	if (hex32(store_row_text(row, 0), s->key) < 0) {
		free(s);
		return 0;
	}
	str_copy(s->user, store_row_text(row, 1) ? store_row_text(row, 1) : "",
		 sizeof(s->user));
	str_copy(s->device,
		 store_row_text(row, 2) ? store_row_text(row, 2) : "",
		 sizeof(s->device));
	s->level = (int)store_row_int(row, 3);
	s->created = store_row_int(row, 4);
	s->seen = s->saved = store_row_int(row, 5);
	s->groups =
	    xstrdup(store_row_text(row, 6) ? store_row_text(row, 6) : "");
	s->display =
	    xstrdup(store_row_text(row, 7) ? store_row_text(row, 7) : s->user);
	if (hex32(store_row_text(row, 8), s->devkey) < 0)
		s->device[0] = '\0';
	if (sess_insert(x->g, s) == 0)
		x->n++;
	return 0;
}

#define SESS_LOAD_SQL                                                          \
	"SELECT s.token_hash, s.user, s.device, s.level, s.created, s.seen, "  \
	"u.groups, u.display, d.key_hash FROM gate_sessions s JOIN "           \
	"gate_users u ON u.name = s.user LEFT JOIN gate_devices d ON d.id = "  \
	"s.device WHERE s.revoked = 0 AND s.created > ? AND s.seen > ? AND "   \
	"u.disabled = 0"

/*
 * A shared store only: (re)loads the session with key from the store,
 * where another instance may have made it or seen it active since this
 * one's copy. 1 if a live one was loaded, 0 if none, -1 on error.
 */
static int
sess_from_store(struct gate_server *g, const unsigned char key[32], time_t now)
{
	struct load_ctx lc = {g, 0};
	struct store_val v[3];
	char hex[65];
	struct err e;
	int rc;

	hex_encode(key, 32, hex);
	v[0] = SV_INT(now - g->cfg->gate_session_max);
	v[1] = SV_INT(now - g->cfg->gate_session_idle);
	v[2] = SV_TEXT(hex);
	sess_remove(g, key); /* a stale copy gives way */
	pthread_mutex_lock(&g->st_lock);
	rc = store_query(g->st, SESS_LOAD_SQL " AND s.token_hash = ?", v, 3,
			 load_row, &lc, &e);
	pthread_mutex_unlock(&g->st_lock);
	if (rc < 0) {
		log_error("gate: sessions: %s", e.msg);
		return -1;
	}
	return lc.n > 0;
}

/* ---- the poller --------------------------------------------------------- */

/* Puts the first column of a row into the map arg. */
static int
name_row(void *arg, struct store_row *row)
{
	struct map *m = arg;

	if (store_row_text(row, 0) != NULL)
		map_put(m, store_row_text(row, 0), 1, NULL);
	return 0;
}

static int
revoked_row(void *arg, struct store_row *row)
{
	struct gate_server *g = arg;
	unsigned char key[32];

	if (hex32(store_row_text(row, 0), key) < 0)
		return 0;
	sess_remove(g, key);
	return 0;
}

/* Picks up a new policy when its serial changed. */
static void
poll_policy(struct gate_server *g)
{
	long long serial;
	struct gate_policy *p, *old;
	long long *oa, *od;
	struct err e;

	pthread_mutex_lock(&g->st_lock);
	serial = store_query_int(
	    g->st, "SELECT serial FROM gate_policy WHERE id = 1", NULL, 0, 0);
	if (serial == g->policy_serial) {
		pthread_mutex_unlock(&g->st_lock);
		return;
	}
	p = gate_db_policy(g->st, &e);
	pthread_mutex_unlock(&g->st_lock);
	if (p == NULL) {
		log_error("gate: keeping the old policy: %s", e.msg);
		g->policy_serial = serial;
		return;
	}
	pthread_rwlock_wrlock(&g->pol_lock);
	old = g->policy;
	oa = g->allows;
	od = g->denies;
	g->policy = p;
	g->nstats = gate_policy_rules(p) + 1;
	g->allows = xcalloc((size_t)g->nstats, sizeof(long long));
	g->denies = xcalloc((size_t)g->nstats, sizeof(long long));
	g->policy_serial = serial;
	pthread_rwlock_unlock(&g->pol_lock);
	/* the old counters were flushed just before (poll_once); what came
	 * in since is dropped with them */
	gate_policy_free(old);
	free(oa);
	free(od);
	log_info("gate: policy %lld loaded with %d rules", serial,
		 gate_policy_rules(p));
}

static void
flush_stats(struct gate_server *g)
{
	time_t now = time_now();
	struct err e;

	pthread_rwlock_rdlock(&g->pol_lock);
	pthread_mutex_lock(&g->st_lock);
	for (int i = 0; i < g->nstats; i++) {
		long long a =
		    __atomic_exchange_n(&g->allows[i], 0, __ATOMIC_RELAXED);
		long long d =
		    __atomic_exchange_n(&g->denies[i], 0, __ATOMIC_RELAXED);
		const char *name = gate_policy_rule_name(g->policy, i);

		if (a == 0 && d == 0)
			continue;
		if (gate_db_stats_add(g->st, name, a, d, now, &e) < 0)
			log_error("gate: rule counters: %s", e.msg);
	}
	/* alive (rules_gate.c tells stale evidence by it) */
	if (now - g->reported >= GATE_REPORT_SECONDS) {
		if (gate_db_reported(g->st, now, &e) < 0)
			log_error("gate: report: %s", e.msg);
		else
			g->reported = now;
	}
	pthread_mutex_unlock(&g->st_lock);
	pthread_rwlock_unlock(&g->pol_lock);
}

static void
poll_once(struct gate_server *g)
{
	struct map m, b;
	struct err e;
	int b_ok = 1;

	flush_stats(g); /* before a new policy drops the old counters */
	poll_policy(g);
	map_init(&m);
	map_init(&b);
	pthread_mutex_lock(&g->st_lock);
	if (store_query(g->st, "SELECT id FROM gate_devices WHERE approved = 1",
			NULL, 0, name_row, &m, &e) < 0)
		log_error("gate: devices: %s", e.msg);
	/* bind and unbind reach existing sessions through this list; when
	 * it cannot be read the old one stays (an empty one would let bound
	 * users in from any device) */
	if (store_query(g->st, "SELECT name FROM gate_users WHERE bound = 1",
			NULL, 0, name_row, &b, &e) < 0) {
		log_error("gate: bound users: %s", e.msg);
		map_cleanup(&b);
		b_ok = 0;
	}
	/* shared: a revoked row stays until it would have expired, so that
	 * every instance sees it */
	if (store_query(
		g->st, "SELECT token_hash FROM gate_sessions WHERE revoked = 1",
		NULL, 0, revoked_row, g, &e) < 0 ||
	    store_exec(g->st,
		       g->shared
			   ? "DELETE FROM gate_sessions WHERE revoked = 1 "
			     "AND created < ?"
			   : "DELETE FROM gate_sessions WHERE revoked = 1",
		       (struct store_val[]){
			   SV_INT(time_now() - g->cfg->gate_session_max)},
		       g->shared ? 1 : 0, &e) < 0)
		log_error("gate: revocations: %s", e.msg);
	pthread_mutex_unlock(&g->st_lock);
	pthread_rwlock_wrlock(&g->pol_lock);
	map_cleanup(&g->approved);
	g->approved = m;
	if (b_ok) {
		map_cleanup(&g->bound);
		g->bound = b;
	}
	pthread_rwlock_unlock(&g->pol_lock);
}

/* A session whose last activity the store has not seen yet. */
struct seen_rec {
	unsigned char key[32];
	time_t seen;
};

/* Writes the activity times in recs to the store, in one transaction. */
static void
save_seen(struct gate_server *g, const struct seen_rec *recs, size_t n)
{
	struct err e;

	if (n == 0)
		return;
	e.msg[0] = '\0';
	pthread_mutex_lock(&g->st_lock);
	if (store_begin(g->st, &e) == 0) {
		for (size_t i = 0; i < n; i++) {
			char hex[65];
			struct store_val v[2];

			hex_encode(recs[i].key, 32, hex);
			v[0] = SV_INT(recs[i].seen);
			v[1] = SV_TEXT(hex);
			store_exec(g->st,
				   "UPDATE gate_sessions SET seen = ? WHERE "
				   "token_hash = ?",
				   v, 2, NULL);
		}
		if (store_commit(g->st, &e) < 0)
			store_rollback(g->st);
	}
	if (e.msg[0] != '\0')
		log_error("gate: cannot save session activity: %s", e.msg);
	pthread_mutex_unlock(&g->st_lock);
}

/*
 * Every 30 s (and at the end): drops expired sessions from memory and the
 * store, and saves the activity of the others, so that after a restart,
 * and in the console, idleness counts from the last request (up to 30 s
 * early, never late).
 */
static void
sweep(struct gate_server *g, time_t now)
{
	struct gate_sess *dead = NULL;
	struct seen_rec *recs = NULL;
	size_t nrecs = 0, caprecs = 0;
	struct err e;
	long long n = 0;

	e.msg[0] = '\0';
	for (uint32_t b = 0; b < GATE_BUCKETS; b++) {
		pthread_mutex_t *m = &g->shard[b % GATE_SHARDS];
		struct gate_sess **pp;

		pthread_mutex_lock(m);
		for (pp = &g->bucket[b]; *pp != NULL;) {
			struct gate_sess *s = *pp;

			if (now - s->seen >= g->cfg->gate_session_idle ||
			    now - s->created >= g->cfg->gate_session_max) {
				*pp = s->next;
				s->next = dead;
				dead = s;
				n++;
				continue;
			}
			if (s->seen > s->saved) {
				if (nrecs == caprecs) {
					caprecs = caprecs ? 2 * caprecs : 256;
					recs = xrealloc(
					    recs, caprecs * sizeof(*recs));
				}
				memcpy(recs[nrecs].key, s->key, 32);
				recs[nrecs++].seen = s->seen;
				s->saved = s->seen;
			}
			pp = &s->next;
		}
		pthread_mutex_unlock(m);
	}
	save_seen(g, recs, nrecs);
	free(recs);
	if (dead == NULL)
		return;
	__atomic_sub_fetch(&g->nsess, n, __ATOMIC_RELAXED);
	pthread_mutex_lock(&g->st_lock);
	if (store_begin(g->st, &e) == 0) {
		for (struct gate_sess *s = dead; s != NULL; s = s->next) {
			char hex[65];
			struct store_val v[1];

			hex_encode(s->key, 32, hex);
			v[0] = SV_TEXT(hex);
			store_exec(g->st,
				   "DELETE FROM gate_sessions WHERE "
				   "token_hash = ?",
				   v, 1, NULL);
		}
		if (store_commit(g->st, &e) < 0)
			store_rollback(g->st);
	}
	pthread_mutex_unlock(&g->st_lock);
	while (dead != NULL) {
		struct gate_sess *s = dead;

		dead = s->next;
		sess_free(s);
	}
	log_info("gate: %lld idle or old sessions ended", n);
}

static void *
poller(void *arg)
{
	struct gate_server *g = arg;
	int ticks = 0;

	pthread_mutex_lock(&g->stop_lock);
	while (!g->stopping) {
		struct timespec ts;

		if (g->lst != NULL) {
			/* a second, or less when another instance says
			 * something changed; a stop (stop_fd) at once */
			pthread_mutex_unlock(&g->stop_lock);
			gate_db_wait(g->lst, 1000, g->stop_fd);
			pthread_mutex_lock(&g->stop_lock);
		} else {
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += 1;
			pthread_cond_timedwait(&g->stop_cond, &g->stop_lock,
					       &ts);
		}
		if (g->stopping)
			break;
		pthread_mutex_unlock(&g->stop_lock);
		poll_once(g);
		if (++ticks % 30 == 0)
			sweep(g, time_now());
		pthread_mutex_lock(&g->stop_lock);
	}
	pthread_mutex_unlock(&g->stop_lock);
	return NULL;
}

/* ---- the auth_request endpoint ----------------------------------------- */

static void
record_latency(struct gate_server *g, const struct timespec *t0)
{
	struct timespec t1;
	long long us;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	us = (long long)(t1.tv_sec - t0->tv_sec) * 1000000 +
	     (t1.tv_nsec - t0->tv_nsec) / 1000;
	if (us < 0)
		us = 0;
	if (us >= GATE_LAT_BUCKETS)
		us = GATE_LAT_BUCKETS - 1;
	__atomic_add_fetch(&g->lat[us], 1, __ATOMIC_RELAXED);
	__atomic_add_fetch(&g->decisions, 1, __ATOMIC_RELAXED);
}

static void
deny(struct gate_req *r, const char *who, const char *ip, const char *url,
     const char *rule, const char *reason)
{
	char object[512], after[512], *clean;

	/* the URL is the client's: truncation may split a character, and
	 * it may not be UTF-8 at all */
	str_fmt(object, sizeof(object), "%.64s@%.46s %.380s", who, ip,
		url != NULL ? url : "-");
	clean = str_utf8_sanitize(object);
	str_fmt(after, sizeof(after), "rule '%s': %s", rule, reason);
	gate_audit(r->g, "gate", "gate.deny", clean, after);
	free(clean);
	r->status = 403;
}

static int
verify(struct gate_req *r)
{
	struct gate_server *g = r->g;
	const char *xurl = gate_req_in(r, "X-Original-URL");
	const char *xm = gate_req_in(r, "X-Original-Method"), *xfh;
	/* gate_url_parse sets it */
	struct gate_url *u = xmalloc(sizeof(*u));
	struct sess_view v;
	struct gate_decision d;
	struct gate_input in;
	struct timespec t0;
	unsigned char key[32];
	char ip[64];
	int have_sess = 0, approved = 0, bound = 0, required;
	time_t now = time_now();
	long long val;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	memset(&v, 0, sizeof(v));
	if (gate_client_addr(g->proxies, r->peer,
			     gate_req_in(r, "X-Forwarded-For"), ip,
			     sizeof(ip)) < 0) {
		deny(r, "-", r->peer, xurl, "input",
		     "malformed X-Forwarded-For");
		goto out;
	}
	if (xurl == NULL || gate_url_parse(xurl, u) < 0) {
		deny(r, "-", ip, NULL, "input",
		     "missing or malformed X-Original-URL");
		goto out;
	}
	/* the host nginx served ($host), when it says: a request line
	 * naming one host and a Host header naming another is refused */
	xfh = gate_req_in(r, "X-Forwarded-Host");
	if (xfh != NULL && !gate_host_same(xfh, u->hostport)) {
		deny(r, "-", ip, xurl, "input",
		     "X-Original-URL and X-Forwarded-Host name other hosts");
		goto out;
	}
	if (xfh == NULL && gate_peer_trusted(g->proxies, r->peer) &&
	    !__atomic_exchange_n(&g->warned_xfh, 1, __ATOMIC_RELAXED))
		log_warn("gate: nginx sends no X-Forwarded-Host: the host is "
			 "the client's Host header; update nginx-gate.conf "
			 "(docs/gate.md, Deploying safely)");
	if (xm == NULL)
		xm = "GET";
	if (strlen(xm) > 16 ||
	    strspn(xm, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != strlen(xm)) {
		deny(r, "-", ip, xurl, "input", "malformed X-Original-Method");
		goto out;
	}
	have_sess = gate_sess_of(r, now, &v, key);
	memset(&in, 0, sizeof(in));
	in.host = u->host;
	in.path = u->path;
	in.method = xm;
	in.ip = ip;
	in.now = now;
	pthread_rwlock_rdlock(&g->pol_lock);
	if (have_sess) {
		in.user = v.user;
		in.groups = v.groups;
		approved = v.device[0] != '\0' &&
			   map_get(&g->approved, v.device, &val) == 0;
		in.device = approved ? v.device : NULL;
		bound = map_get(&g->bound, v.user, &val) == 0;
	}
	gate_policy_decide(g->policy, g->geo, &in, &d);
	required = d.action == GATE_TWO_FACTOR	 ? 2
		   : d.action == GATE_ONE_FACTOR ? 1
						 : 0;
	if (d.action == GATE_DENY)
		__atomic_add_fetch(
		    &g->denies[d.rule + (d.rule < 0 ? g->nstats : 0)], 1,
		    __ATOMIC_RELAXED);
	else if (!d.need_user &&
		 (required == 0 || (have_sess && v.level >= required)))
		__atomic_add_fetch(
		    &g->allows[d.rule + (d.rule < 0 ? g->nstats : 0)], 1,
		    __ATOMIC_RELAXED);
	pthread_rwlock_unlock(&g->pol_lock);
	if (have_sess && bound && !approved && d.action != GATE_DENY) {
		deny(r, v.user, ip, xurl, "device",
		     "account is bound to approved devices and this device "
		     "is not one");
		goto out;
	}
	if (d.action == GATE_DENY) {
		deny(r, have_sess ? v.user : "-", ip, xurl, d.rule_name,
		     d.reason);
		goto out;
	}
	if (d.need_user ||
	    (required > 0 && (!have_sess || v.level < required))) {
		struct buf b = BUF_INIT(16384);

		if (buf_printf(&b, "%s://%s%s/login?rd=", u->scheme,
			       u->hostport, g->cfg->gate_portal) < 0 ||
		    buf_add_pct(&b, xurl) < 0 ||
		    (required == 2 && buf_addstr(&b, "&mfa=1") < 0)) {
			buf_cleanup(&b);
			r->status = 403;
			goto out;
		}
		gate_req_header(r, "Location", b.data);
		buf_cleanup(&b);
		r->status = 401;
		goto out;
	}
	if (have_sess) {
		gate_req_header(r, "Remote-User", v.user);
		gate_req_header(r, "Remote-Groups", v.groups);
		gate_req_header(r, "Remote-Name", v.display);
		if (!d.background)
			sess_touch(g, key, now);
	}
	r->status = 200;
	if (g->cfg->gate_allow_sample > 0 &&
	    __atomic_add_fetch(&g->sample, 1, __ATOMIC_RELAXED) %
		    (unsigned long long)g->cfg->gate_allow_sample ==
		1 % (unsigned long long)g->cfg->gate_allow_sample) {
		char object[512], after[300], *clean;

		str_fmt(object, sizeof(object), "%.64s@%.46s %.380s",
			have_sess ? v.user : "-", ip, xurl);
		clean = str_utf8_sanitize(object);
		str_fmt(after, sizeof(after), "rule '%s': %s (1 in %d)",
			d.rule_name, d.reason, g->cfg->gate_allow_sample);
		gate_audit(g, "gate", "gate.allow", clean, after);
		free(clean);
	}
out:
	free(u);
	record_latency(g, &t0);
	return 0;
}

/* GET {portal}/metrics: decision latency and session counts for
 * bench/gate, only to a trusted peer asking itself: a request nginx
 * forwards (it says for whom) is refused, whoever the client. */
static int
metrics(struct gate_req *r)
{
	static const char *const fwd[] = {"X-Forwarded-For", "X-Forwarded-Host",
					  "X-Real-IP", "Forwarded",
					  "X-Original-URL"};
	unsigned long long n = 0, acc = 0, p50 = 0, p99 = 0;
	long rss = 0;
	struct buf b = BUF_INIT(4096), st = BUF_INIT(4096);

	for (size_t i = 0; i < ARRAY_SIZE(fwd); i++)
		if (gate_req_in(r, fwd[i]) != NULL) {
			r->status = 403;
			return 0;
		}
	if (!gate_peer_trusted(r->g->proxies, r->peer)) {
		r->status = 403;
		return 0;
	}
	for (int i = 0; i < GATE_LAT_BUCKETS; i++)
		n += __atomic_load_n(&r->g->lat[i], __ATOMIC_RELAXED);
	for (int i = 0; i < GATE_LAT_BUCKETS && n > 0; i++) {
		acc += __atomic_load_n(&r->g->lat[i], __ATOMIC_RELAXED);
		if (p50 == 0 && acc * 2 >= n)
			p50 = (unsigned long long)i + 1;
		if (acc * 100 >= n * 99) {
			p99 = (unsigned long long)i + 1;
			break;
		}
	}
	if (buf_read_file(&st, "/proc/self/statm", NULL) == 0) {
		const char *sp = strchr(st.data, ' ');
		char num[32];
		size_t k = sp != NULL ? strcspn(sp + 1, " ") : 0;
		long long res;

		if (k > 0 && k < sizeof(num)) {
			memcpy(num, sp + 1, k);
			num[k] = '\0';
			if (str_to_ll(num, 0, 1LL << 40, &res) == 0)
				rss = (long)res * 4;
		}
	}
	buf_cleanup(&st);
	buf_printf(&b,
		   "{\"decisions\": %llu, \"p50_us\": %llu, \"p99_us\": %llu, "
		   "\"sessions\": %lld, \"rss_kib\": %ld}\n",
		   n, p50, p99, __atomic_load_n(&r->g->nsess, __ATOMIC_RELAXED),
		   rss);
	gate_req_body(r, 200, "application/json", &b);
	return 0;
}

/*
 * 1 if the portal may answer r; else 0 with the refusal set: 400 when
 * nginx served another host than the Host header names (X-Forwarded-Host,
 * the snippet's $host), 403 when [gate] portal_networks is set and the
 * client (X-Forwarded-For from a trusted proxy) is in none of them.
 */
static int
portal_allowed(struct gate_req *r)
{
	const char *xfh = gate_req_in(r, "X-Forwarded-Host");
	struct buf b = BUF_INIT(256);
	unsigned char a[16];
	char ip[64];

	if (xfh != NULL && !gate_host_same(xfh, gate_req_in(r, "Host"))) {
		r->status = 400;
		return 0;
	}
	if (r->g->portal_nets == NULL)
		return 1;
	if (gate_client_addr(r->g->proxies, r->peer,
			     gate_req_in(r, "X-Forwarded-For"), ip,
			     sizeof(ip)) < 0) {
		r->status = 400;
		return 0;
	}
	if (gate_addr_parse(ip, a) == 0 &&
	    gate_trie_lookup(r->g->portal_nets, a) > 0)
		return 1;
	buf_addstr(&b, "登录门户不对此网络开放。\n"
		       "The login portal is not open to this network.\n");
	gate_req_body(r, 403, "text/plain; charset=utf-8", &b);
	return 0;
}

static void
route(struct gate_req *r)
{
	const char *portal = r->g->cfg->gate_portal;
	size_t pl = strlen(portal);
	const char *sub = !strncmp(r->path, portal, pl) ? r->path + pl : NULL;
	int get = !strcmp(r->method, "GET") || !strcmp(r->method, "HEAD");

	/* the portal's pages and ceremonies; logout, health and metrics
	 * stay open (metrics has its own rule) */
	if (sub != NULL && strcmp(sub, "/logout") != 0 &&
	    strcmp(sub, "/health") != 0 && strcmp(sub, "/metrics") != 0 &&
	    !portal_allowed(r))
		return;
	if (!strcmp(r->path, "/api/authz/auth-request") ||
	    !strcmp(r->path, "/api/verify")) {
		/* nginx reads the status and Remote-*, Location headers only */
		r->to_proxy = 1;
		verify(r);
	} else if (!strcmp(r->path, "/api/mail-policy")) {
		r->to_proxy = 1;
		gate_mail_policy(r);
	} else if (sub != NULL && !strcmp(sub, "/login") && get)
		gate_portal_get(r);
	else if (sub != NULL && !strcmp(sub, "/login") &&
		 !strcmp(r->method, "POST"))
		gate_portal_login(r);
	else if (sub != NULL && !strcmp(sub, "/logout") &&
		 !strcmp(r->method, "POST"))
		gate_portal_logout(r);
	else if (sub != NULL && !strcmp(sub, "/enrol") &&
		 !strcmp(r->method, "POST"))
		gate_portal_enrol(r);
	else if (sub != NULL && !strncmp(sub, "/key/", 5) &&
		 !strcmp(r->method, "POST"))
		gate_portal_key(r, sub + 5);
	else if (sub != NULL && !strcmp(sub, "/portal.js") && get)
		gate_portal_js(r);
	else if (sub != NULL && !strcmp(sub, "/metrics") && get)
		metrics(r);
	else if (sub != NULL && !strcmp(sub, "/health") && get)
		r->status = 204;
	else
		r->status = 404;
}

/* ---- on the wire (wire.c) ----------------------------------------------- */

/* The listener's question: may this peer hold many connections (nginx's
 * keep-alive pool: the socket and trusted_proxies)? */
static int
peer_trusted(void *arg, const char *peer)
{
	struct gate_server *g = arg;

	return gate_peer_trusted(g->proxies, peer);
}

/* One request: routed, answered into out; gate_req lives until done. */
static void
on_request(void *arg, const struct wire_req *rq, struct wire_resp *out)
{
	struct gate_req *r = xcalloc(1, sizeof(*r));
	int n = 0;

	r->g = arg;
	r->rq = rq;
	r->method = rq->method;
	r->path = rq->path;
	r->peer = rq->peer;
	r->body = rq->body;
	route(r);
	out->ctx = r;
	out->status = r->status ? r->status : 500;
	out->ctype = r->ctype;
	out->body = r->out;
	out->body_len = r->out != NULL ? r->out_len : 0;
	if (!r->to_proxy) {
		/* pages and answers a browser sees; not no-referrer: with it
		 * browsers send "Origin: null" on the portal's own form
		 * posts, which same_origin refuses */
		static const char *const h[][2] = {
		    {"Cache-Control", "no-store"},
		    {"X-Content-Type-Options", "nosniff"},
		    {"Referrer-Policy", "same-origin"},
		    {"X-Frame-Options", "DENY"}};

		for (size_t i = 0; i < ARRAY_SIZE(h); i++) {
			out->hname[n] = h[i][0];
			out->hval[n++] = h[i][1];
		}
	}
	for (int i = 0; i < r->nhdr; i++) {
		out->hname[n] = r->hdr_name[i];
		out->hval[n++] = r->hdr_val[i];
	}
	out->nhdr = n;
}

static void
on_done(void *arg, struct wire_resp *out)
{
	struct gate_req *r = out->ctx;

	if (r == NULL)
		return;
	free(r->out);
	for (int i = 0; i < r->nhdr; i++)
		free(r->hdr_val[i]);
	free(r);
}

static void
server_free(struct gate_server *g)
{
	if (g == NULL)
		return;
	for (uint32_t i = 0; g->bucket != NULL && i < GATE_BUCKETS; i++)
		while (g->bucket[i] != NULL) {
			struct gate_sess *s = g->bucket[i];

			g->bucket[i] = s->next;
			sess_free(s);
		}
	free(g->bucket);
	gate_db_listen_free(g->lst);
	for (int i = 0; i < GATE_SHARDS; i++)
		pthread_mutex_destroy(&g->shard[i]);
	gate_policy_free(g->policy);
	free(g->allows);
	free(g->denies);
	map_cleanup(&g->approved);
	map_cleanup(&g->bound);
	gate_trie_free(g->proxies);
	gate_trie_free(g->portal_nets);
	gate_geo_free(g->geo);
	free(g->dummy_hash);
	if (g->unix_socket)
		unlink(g->cfg->gate_listen + 5); /* wire_stop closed it */
	OPENSSL_cleanse(g->pending, sizeof(g->pending));
	pthread_mutex_destroy(&g->pend_lock);
	pthread_mutex_destroy(&g->st_lock);
	pthread_rwlock_destroy(&g->pol_lock);
	if (g->stop_fd >= 0)
		close(g->stop_fd);
	pthread_mutex_destroy(&g->stop_lock);
	pthread_cond_destroy(&g->stop_cond);
	free(g);
}

struct gate_server *
gate_start(const struct config *cfg, struct store *st,
	   const struct secret_key *key, struct err *e)
{
	struct gate_server *g;
	struct load_ctx lc;
	unsigned char rnd[16];
	char pw[33], at[32];
	struct store_val v[2];
	struct wire_limits lim;
	int lfd = -1;

	if (cfg->gate_listen[0] == '\0')
		return NULL;
	if (!strncmp(cfg->gate_listen, "unix:", 5))
		/* nginx on the same machine: no TCP stack per request; the
		 * socket's owner, group and mode say who may be a proxy */
		lfd = net_listen_unix("[gate] listen", cfg->gate_listen + 5,
				      cfg->gate_socket_mode,
				      cfg->gate_socket_group, e);
	else
		lfd = net_listen_tcp("[gate] listen", cfg->gate_listen, e);
	if (lfd < 0)
		return NULL;
	g = xcalloc(1, sizeof(*g));
	g->unix_socket = !strncmp(cfg->gate_listen, "unix:", 5);
	g->cfg = cfg;
	g->st = st;
	g->shared = strcmp(store_backend(st), "postgresql") == 0;
	if (g->shared)
		g->lst = gate_db_listen(cfg->store);
	g->key = key;
	pthread_mutex_init(&g->st_lock, NULL);
	pthread_mutex_init(&g->pend_lock, NULL);
	pthread_rwlock_init(&g->pol_lock, NULL);
	pthread_mutex_init(&g->stop_lock, NULL);
	pthread_cond_init(&g->stop_cond, NULL);
	g->stop_fd = -1;
	for (int i = 0; i < GATE_SHARDS; i++)
		pthread_mutex_init(&g->shard[i], NULL);
	map_init(&g->approved);
	map_init(&g->bound);
	g->bucket = xcalloc(GATE_BUCKETS, sizeof(*g->bucket));
	gate_tz_init();
	g->proxies =
	    prefix_trie("[gate] trusted_proxies", cfg->gate_proxies, e);
	if (g->proxies == NULL)
		goto fail;
	if (cfg->gate_portal_nets[0] != '\0') {
		g->portal_nets = prefix_trie("[gate] portal_networks",
					     cfg->gate_portal_nets, e);
		if (g->portal_nets == NULL)
			goto fail;
	}
	g->geo = gate_geo_open(cfg->gate_geoip, cfg->gate_geoip_csv, e);
	if (g->geo == NULL)
		goto fail;
	/* unknown names are checked against a hash too (same time) */
	if (rand_bytes(rnd, sizeof(rnd)) < 0)
		goto fail;
	hex_encode(rnd, sizeof(rnd), pw);
	g->dummy_hash = password_hash(pw);
	if (g->dummy_hash == NULL) {
		err_set(e, "cannot hash the dummy password");
		goto fail;
	}
	g->policy_serial = -1;
	poll_once(g);
	if (g->policy == NULL) {
		g->policy = gate_policy_parse("{}", 2, e);
		g->nstats = 1;
		g->allows = xcalloc(1, sizeof(long long));
		g->denies = xcalloc(1, sizeof(long long));
	}
	lc.g = g;
	lc.n = 0;
	v[0] = SV_INT(time_now() - cfg->gate_session_max);
	v[1] = SV_INT(time_now() - cfg->gate_session_idle);
	if (store_query(st, SESS_LOAD_SQL, v, 2, load_row, &lc, e) < 0)
		goto fail;
	/* what `govsec check` reads as evidence (rules_gate.c) */
	time_fmt(time_now(), at, sizeof(at));
	{
		char n[32];
		struct {
			const char *k;
			long long v;
		} s[] = {
		    {"gate.session_idle", cfg->gate_session_idle},
		    {"gate.session_max", cfg->gate_session_max},
		    {"gate.login_attempts", cfg->gate_attempts},
		    {"gate.address_attempts", cfg->gate_addr_attempts},
		    {"gate.lockout_seconds", cfg->gate_lockout_seconds},
		};

		for (size_t i = 0; i < ARRAY_SIZE(s); i++) {
			str_fmt(n, sizeof(n), "%lld", s[i].v);
			if (store_setting_set(st, s[i].k, n, e) < 0)
				goto fail;
		}
		if (store_setting_set(st, "gate.started", at, e) < 0)
			goto fail;
	}
	lim.conns = CONN_MAX;
	lim.per_peer = cfg->gate_peer_conns;
	lim.idle_s = CONN_TIMEOUT;
	lim.trusted = peer_trusted;
	g->d =
	    wire_start(lfd, cfg->gate_threads, &lim, on_request, on_done, g, e);
	lfd = -1; /* wire_start's now, also when it failed */
	if (g->d == NULL)
		goto fail;
	if (g->lst != NULL &&
	    (g->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) {
		err_set(e, "gate: cannot make an eventfd: %s", strerror(errno));
		wire_stop(g->d);
		goto fail;
	}
	if (pthread_create(&g->poller, NULL, poller, g) != 0) {
		err_set(e, "cannot start the gate poller");
		wire_stop(g->d);
		goto fail;
	}
	g->poller_started = 1;
	if (cfg->gate_pfpolicy[0] != '\0' &&
	    (g->pf = gate_pfpolicy_start(g, e)) == NULL) {
		gate_stop(g);
		return NULL;
	}
	log_info("gate listening on %s (%lld sessions loaded)",
		 cfg->gate_listen, lc.n);
	return g;
fail:
	if (lfd >= 0)
		close(lfd);
	server_free(g);
	return NULL;
}

void
gate_stop(struct gate_server *g)
{
	if (g == NULL)
		return;
	gate_pfpolicy_stop(g->pf);
	wire_stop(g->d);
	if (g->poller_started) {
		uint64_t one = 1;

		pthread_mutex_lock(&g->stop_lock);
		g->stopping = 1;
		pthread_cond_signal(&g->stop_cond);
		pthread_mutex_unlock(&g->stop_lock);
		/* cannot fail: the counter is far from full */
		if (g->stop_fd >= 0 &&
		    write(g->stop_fd, &one, sizeof(one)) != sizeof(one))
			log_warn("gate: cannot wake the poller: %s",
				 strerror(errno));
		pthread_join(g->poller, NULL);
	}
	flush_stats(g);
	sweep(g, time_now());
	server_free(g);
}
